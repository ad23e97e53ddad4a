"""The prover's hot loops behind one small interface: MSM, batch scalar multiplication, NTT.

Two backends give identical results (tested differentially):

* ``zkproof.kernel.python_backend`` -- the pure-Python reference (py_ecc group law);
* ``zkproof._native``               -- the C kernel (issue "native prover kernel"), used when
  it imports. If it cannot be imported, zkproof says so once on stderr and falls back.

Set ``ZKPROOF_KERNEL=python`` to force the reference backend.

Buffer layouts (all functions take any bytes-like object and never copy more than needed):

* G1 points: ``n * 64`` bytes, LEM (see ``zkproof.curve.bn254``), all-zero = infinity.
* G2 points: ``n * 128`` bytes, LEM, limbs x.c0, x.c1, y.c0, y.c1.
* F_r scalars: ``n * 32`` bytes, little-endian canonical (``< R``), the ``.wtns`` layout.

Functions:

* ``g1_msm(points, scalars) -> G1Affine``        sum_i s_i * P_i
* ``g2_msm(points, scalars) -> G2Affine``
* ``g1_batch_mul(points, scalars) -> bytes``     [s_i * P_i]_i, LEM (phase-1 contributions)
* ``g2_batch_mul(points, scalars) -> bytes``
* ``fr_ntt(values, inverse=False, shift=1) -> bytes``
    forward: coefficients -> evaluations on the coset ``shift * <w_n>``, ``out_j = sum_i
    v_i (shift w_n^j)^i``; inverse: evaluations on that coset -> coefficients.
    ``n = len(values) // 32`` must be a power of two.
* ``h_evaluations(coeffs, witness, domain_size) -> bytes``
    the Groth16 witness map of ``zkproof.groth16.witness_map``: from the zkey section-4 body and
    the witness, ``(a b - c)`` on the odd coset of the ``2n``-domain (snarkjs ``joinABC``).
* ``r1cs_first_unsatisfied(coeffs, witness, rows) -> int``
    the R1CS check: the index of the first row whose ``a b != c`` (-1: all hold), from a
    section-4-style body with a third matrix (C) (``zkproof.r1cs.system.check_coefficients``).

Native-only extras with no ``python_backend`` twin: ``poseidon_params`` / ``poseidon_many`` /
``poseidon_permute`` (their Python twin is ``zkproof.hash.poseidon.permute``; used through
``zkproof.hash.poseidon`` after ``enable_native()``).

Points are assumed on the curve (callers validate files first); coordinates are reduced mod
``P`` and scalars mod ``R`` on the way in, by both backends. The native backend also has
``threads()`` and ``set_threads(n)`` (worker count; default: online cores or
``ZKPROOF_THREADS``).
"""

from __future__ import annotations

import os
import sys

from zkproof.kernel import python_backend

_backend = python_backend
BACKEND = "python"

if os.environ.get("ZKPROOF_KERNEL", "") != "python":
    try:
        from zkproof._native import kernel as _native_kernel  # type: ignore[attr-defined]

        _backend = _native_kernel
        BACKEND = "native"
    except ImportError as exc:  # pragma: no cover - depends on the build
        if os.environ.get("ZKPROOF_KERNEL", "") == "native":
            raise
        print(f"zkproof: native kernel unavailable ({exc}); using the pure-Python kernel",
              file=sys.stderr)

g1_msm = _backend.g1_msm
g2_msm = _backend.g2_msm
g1_batch_mul = _backend.g1_batch_mul
g2_batch_mul = _backend.g2_batch_mul
fr_ntt = _backend.fr_ntt
h_evaluations = _backend.h_evaluations
r1cs_first_unsatisfied = _backend.r1cs_first_unsatisfied


def threads() -> int:
    """Worker threads of the native kernel (1 for the pure-Python kernel)."""
    return _backend.threads() if hasattr(_backend, "threads") else 1


def set_threads(n: int) -> None:
    """Set the native kernel's worker threads (no-op for the pure-Python kernel), and those of
    the ceremony's group FFT module, which links its own copy of the thread pool."""
    if hasattr(_backend, "set_threads"):
        _backend.set_threads(n)
        try:
            from zkproof._native import groupfft  # type: ignore[attr-defined]
        except ImportError:  # pragma: no cover - built together with the kernel
            return
        groupfft.set_threads(n)


__all__ = ["BACKEND", "g1_msm", "g2_msm", "g1_batch_mul", "g2_batch_mul", "fr_ntt", "h_evaluations",
           "r1cs_first_unsatisfied", "threads", "set_threads"]
