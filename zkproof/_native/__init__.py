"""Native BN254 prover kernel (C, built by setup.py into ``zkproof._native.kernel``).

Sources: ``field.h``/``mont_impl.h`` (Montgomery F_q, F_r, F_q2 on 4x64-bit limbs),
``curve.h``/``curve_impl.h`` (Jacobian group law for G1 and G2), ``msm.c``/``msm_impl.h``
(Pippenger MSM with signed digits and small-scalar classes, batch multiplication), ``ntt.c``
(radix-2 NTT on cosets), ``poseidon.c``/``poseidon.h`` (the Poseidon permutation in optimized
form, constants from ``zkproof.hash.poseidon_params``; used by ``zkproof.hash.poseidon`` after
``enable_native()``), ``witness.c`` (the Groth16 witness map and the R1CS check), ``threads.c``
(fork-join over all cores, GIL released), ``module.c`` (the Python binding). Use it through
``zkproof.kernel``, which falls back to the pure-Python reference when this extension is absent.

Run-time knobs: ``ZKPROOF_THREADS`` (worker threads, default: online cores; also
``kernel.set_threads(n)``), ``ZKPROOF_NO_ADX=1`` (use the portable C field product even on a CPU
with BMI2/ADX; ``kernel._set_adx(flag)`` flips it for tests). Inputs are reduced on the way in
(coordinates mod q, scalars mod r) as the reference does; points are assumed on the curve, which
the file readers check.
"""
