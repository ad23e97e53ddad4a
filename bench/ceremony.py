"""CPU and wall seconds of every ceremony step the demo runs (``zkproof.demo.ceremony``).

Usage: ``python bench/ceremony.py POWER...`` with POWER in 13, 14, 15: for each, the batch
circuit of a demo-like statement shape whose circuit power is POWER is built, then timed:
powers of tau ``new``, one ``contribute``, the ``beacon`` (2^10 iterations), the partial
``prepare_phase2`` for just this circuit's domains, the full one, ``new_zkey``, one phase-2
``contribute`` and the phase-2 ``beacon``. The demo runs two contributions per phase, so its
ceremony costs about these steps with the contributions counted twice, and phase 2 once per
circuit (batch and aggregate).

``--shape A,I,S,C,T,B`` picks another statement shape (``zkproof.statement.Shape``), and the
ptau power follows the circuit; ``--r1cs FILE`` times a given circuit; ``--save-r1cs FILE``
writes the circuit used (to time an older checkout on the same constraints). ``--demo
A,I,S,C,T,B`` runs the demo's whole ceremony for that shape instead (both circuits, two
contributors per phase, partial prepare). CPU time is ``time.process_time`` (all threads).
"""

from __future__ import annotations

import sys
import time

from zkproof import statement as stm
from zkproof.ceremony import lagrange, phase2
from zkproof.ceremony import powers_of_tau as pot
from zkproof.ceremony.zkey_new import circuit_power, new_zkey
from zkproof.prover.circuits import circuits_for

# batch-circuit power -> a demo-like shape (assets, instruments, scenarios, capacity, bits, batches)
SHAPES = {13: (1, 4, 5, 2, 40, 2), 14: (2, 8, 9, 2, 40, 2), 15: (3, 16, 17, 2, 40, 2)}
BEACON = "00" * 32


def _step(label: str, fn, *args, **kw):
    c, w = time.process_time(), time.perf_counter()
    out = fn(*args, **kw)
    print(f"  {label:16s} cpu {time.process_time() - c:8.2f} s   wall {time.perf_counter() - w:8.2f} s",
          flush=True)
    return out


def run(shape: tuple | str, save: str | None = None) -> None:
    if isinstance(shape, str):
        from zkproof.formats.r1cs_file import read_r1cs

        r1cs = read_r1cs(shape)
    else:
        r1cs = circuits_for(stm.Shape(*shape)).batch.to_r1cs()
    if save:
        from zkproof.formats.r1cs_file import write_r1cs

        write_r1cs(save, r1cs)
    power = circuit_power(r1cs)
    print(f"{shape}: batch circuit {r1cs.n_constraints} constraints, power {power}", flush=True)
    pt = _step("pot new", pot.new, power)
    pt = _step("pot contribute", pot.contribute, pt, entropy="bench", name="a", random_bytes=bytes(64))
    pt = _step("pot beacon", pot.beacon, pt, BEACON, 10, name="beacon")
    if hasattr(lagrange, "domain_prepared"):  # partial prepare (absent before the ceremony kernels)
        _step("prepare partial", lagrange.prepare_phase2, pt, circuit_powers=[power])
    pt = _step("prepare phase2", lagrange.prepare_phase2, pt)
    pk = _step("zkey new", new_zkey, r1cs, pt)
    pk = _step("p2 contribute", phase2.contribute, pk, entropy="bench", name="a", random_bytes=bytes(64))
    _step("p2 beacon", phase2.beacon, pk, BEACON, 10, name="beacon")


def demo(shape: tuple) -> None:
    """The demo's whole ceremony (two contributors per phase, beacons, both circuits) with the
    partial prepare for the two circuits' powers; prints per-step and total CPU seconds."""
    c0, w0 = time.process_time(), time.perf_counter()
    circuits = circuits_for(stm.Shape(*shape))
    r1cs = {"batch": circuits.batch.to_r1cs(), "aggregate": circuits.aggregate.to_r1cs()}
    powers = [circuit_power(r) for r in r1cs.values()]
    print(f"demo ceremony, shape {shape}: circuit powers {powers}", flush=True)
    pt = _step("pot new", pot.new, max(powers))
    for who in ("alice", "bob"):
        pt = _step(f"pot {who}", pot.contribute, pt, entropy=who, name=who)
    pt = _step("pot beacon", pot.beacon, pt, BEACON, 10, name="beacon")
    pt = _step("prepare partial", lagrange.prepare_phase2, pt, circuit_powers=powers)
    for name, r in r1cs.items():
        pk = _step(f"{name} zkey new", new_zkey, r, pt)
        for who in ("alice", "bob"):
            pk = _step(f"{name} {who}", phase2.contribute, pk, entropy=who, name=who)
        _step(f"{name} beacon", phase2.beacon, pk, BEACON, 10, name="beacon")
    print(f"  total (incl. circuit build) cpu {time.process_time() - c0:.1f} s   "
          f"wall {time.perf_counter() - w0:.1f} s", flush=True)


def main(argv: list[str]) -> None:
    if "--demo" in argv:
        i = argv.index("--demo")
        demo(tuple(int(x) for x in argv[i + 1].split(",")))
        return
    shapes: list = []
    save = None
    for i, a in enumerate(argv):
        if a == "--shape":
            shapes.append(tuple(int(x) for x in argv[i + 1].split(",")))
        elif a == "--r1cs":
            shapes.append(argv[i + 1])
        elif a == "--save-r1cs":
            save = argv[i + 1]
        elif a.isdigit() and (i == 0 or argv[i - 1] not in ("--shape", "--r1cs", "--save-r1cs")):
            shapes.append(SHAPES[int(a)])
    for shape in shapes or [SHAPES[13]]:
        run(shape, save)


if __name__ == "__main__":
    main(sys.argv[1:])
