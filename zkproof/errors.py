"""Error types shared by every layer of zkproof.

The CLI maps them to exit codes (SPEC §6, ATTACKS B-rows):

* ``InputError``  -> exit 2: a file or field is malformed (bad encoding, off-curve point,
  non-reduced number, truncated file). Its message is one line: ``file: field: reason``.
* a wrong-but-well-formed proof is not an error: verifiers return ``False`` -> exit 1.
* ``ConstraintUnsatisfied`` -> the witness does not satisfy a named constraint.
"""

from __future__ import annotations


class ZkProofError(Exception):
    """Base class of every error zkproof raises on purpose."""


class InputError(ZkProofError):
    """Malformed input: names the file (or source) and the field that is wrong.

    Arguments:
        file: path or logical name of the input ("proof.json", "<memory>").
        field: dotted/indexed field path ("pi_b[1][0]", "section 3", "line 12: balances.USDC").
        reason: what is wrong, ideally "expected ..., got ...".
    """

    def __init__(self, file: str, field: str, reason: str):
        self.file = str(file)
        self.field = str(field)
        self.reason = str(reason)
        super().__init__(f"{self.file}: {self.field}: {self.reason}")


class MalformedProof(InputError):
    """A proof, verification key or public-input file that cannot be a valid encoding."""


class InsecureSetup(ZkProofError):
    """A key whose setup lets anyone forge proofs (gamma == delta) or a dev-only key."""


class ConstraintUnsatisfied(ZkProofError):
    """An assignment violates a constraint; ``name`` is the constraint's namespaced name."""

    def __init__(self, name: str, index: int, detail: str = ""):
        self.name = name
        self.index = index
        msg = f"constraint {index} '{name}' is not satisfied"
        super().__init__(msg + (f": {detail}" if detail else ""))
