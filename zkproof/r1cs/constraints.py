"""``R1CS``: an exported rank-1 constraint system in circom's wire numbering.

Wires: 0 is the constant ONE, then ``n_pub_out`` public outputs, ``n_pub_in`` public inputs,
``n_prv_in`` private inputs, then internal wires (circom's order; Groth16's public inputs are
wires ``1..n_public``). Constraint ``k`` says ``<A_k, w> * <B_k, w> = <C_k, w>`` where each row
is a sparse ``{wire: coeff}`` map with coefficients in ``[1, R)``.

This is the one data type shared by the builder (``ConstraintSystem.to_r1cs``), the ``.r1cs``
reader/writer (``zkproof.formats.r1cs_file``), the QAP and setup.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from zkproof.field.fr import R

Row = dict[int, int]


@dataclass(frozen=True)
class CommitmentSpec:
    """The wires one Pedersen commitment covers (BSB22, docs/formats.md §14).

    ``wires``: circom indices of the committed private wires, in commit order, the hiding wire
    last (``hiding_wire``). ``n_challenges``: the challenge wires, which are the LAST
    ``n_challenges`` public inputs (``challenge_wires``); the verifier recomputes their values
    from the proof's commitment point and appends them to the other public inputs.
    """

    wires: tuple[int, ...]
    n_challenges: int

    @property
    def hiding_wire(self) -> int:
        return self.wires[-1]

    def challenge_wires(self, n_public: int) -> list[int]:
        return list(range(n_public - self.n_challenges + 1, n_public + 1))


@dataclass
class R1CS:
    n_wires: int
    n_pub_out: int
    n_pub_in: int
    n_prv_in: int
    constraints: list[tuple[Row, Row, Row]]
    n_labels: int = 0
    wire_to_label: list[int] | None = None
    constraint_names: list[str] | None = None  # ours only; .r1cs files carry no names
    wire_names: list[str] | None = None
    prime: int = R
    custom: dict = field(default_factory=dict)  # unknown sections kept verbatim (type -> bytes)
    commitment: CommitmentSpec | None = None  # ``ConstraintSystem.commit``; None: plain Groth16

    @property
    def n_public(self) -> int:
        """Public signals (outputs then inputs): the Groth16 public-input count."""
        return self.n_pub_out + self.n_pub_in

    @property
    def n_constraints(self) -> int:
        return len(self.constraints)

    def constraint_name(self, k: int) -> str:
        if self.constraint_names and k < len(self.constraint_names):
            return self.constraint_names[k]
        return f"constraint_{k}"

    def first_unsatisfied(self, witness: list[int]) -> int | None:
        """Index of the first constraint the full witness violates, or ``None``."""
        if len(witness) != self.n_wires:
            raise ValueError(f"witness has {len(witness)} values, expected {self.n_wires} wires")
        if witness[0] % R != 1:
            return -1
        for k, (a, b, c) in enumerate(self.constraints):
            av = sum(v * witness[w] for w, v in a.items())
            bv = sum(v * witness[w] for w, v in b.items())
            cv = sum(v * witness[w] for w, v in c.items())
            if (av * bv - cv) % R:
                return k
        return None

    def fingerprint(self) -> str:
        """SHA-256 over a canonical text form: pins a circuit's exact shape in tests."""
        h = hashlib.sha256()
        h.update(f"{self.n_wires},{self.n_pub_out},{self.n_pub_in},{self.n_prv_in}\n".encode())
        for a, b, c in self.constraints:
            for row in (a, b, c):
                h.update(";".join(f"{w}:{v}" for w, v in sorted(row.items())).encode() + b"|")
            h.update(b"\n")
        if self.commitment is not None:  # plain circuits keep their fingerprint
            h.update(f"commit {self.commitment.n_challenges} {list(self.commitment.wires)}".encode())
        return h.hexdigest()
