"""``ConstraintSystem``: build an R1CS in Python with named constraints and separate hints.

Two verbs, as circom's ``<--`` / ``<==`` and gnark's hints (every hint is pinned by constraints):

* ``cs.hint(fn, inputs, n_out)`` creates private variables whose *values* the solver computes
  with ``fn`` -- it adds **no** constraint; every gadget must pair a hint with the constraints
  that pin its outputs.
* ``cs.enforce(a, b, c, name)`` adds the constraint ``a * b = c``.

One more verb, for challenges (docs/formats.md §14, docs/soundness.md §7):

* ``cs.commit(wires, name, n_challenges)`` commits to private wires and returns public challenge
  wires. The Groth16 proof then carries a Pedersen commitment ``D`` to those wires' values (plus
  a random hiding wire) and the challenges are a hash of ``D`` and every other public input, so
  the prover fixes the committed values before it learns the challenges. The builder adds no
  constraint tying a challenge to anything: the binding is the proof system's (the verifier
  recomputes the challenges), which is why ``commit`` is allowed once and must come after every
  other public input.

Names are namespaced paths (``cs.namespace("mst/level_3")``). The solver runs the hints in the
order they were declared and reports the first unsatisfied constraint by name. For soundness
tests, ``solve(..., overrides=...)`` replaces chosen variable values (a malicious prover's
witness) as soon as they are computed, so later hints see the tampered value.
"""

from __future__ import annotations

import hashlib
import operator
import secrets
import struct
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from zkproof.errors import ConstraintUnsatisfied
from zkproof.field.fr import R
from zkproof.r1cs.constraints import R1CS, CommitmentSpec
from zkproof.r1cs.lc import LCLike, LinearCombination, Variable, as_lc

ONE_KEY = 0


@dataclass
class Hint:
    name: str
    fn: Callable[..., int | Sequence[int]]
    inputs: list[LinearCombination]
    outputs: list[Variable]


@dataclass
class Commitment:
    """What ``ConstraintSystem.commit`` declared: the committed private wires (commit order), the
    hiding wire (committed too, last; random per proof), the public challenge wires (the last
    publics), and the hint slot at which the solver computes them."""

    name: str
    wires: list[Variable]
    hiding: Variable
    challenges: list[Variable]
    hint: Hint


class CommitOpening(list):
    """The committed wires' values (a ``list[int]``, commit order), as ``solve`` hands them to
    its ``challenges`` callback, with the rest of what the challenge depends on: ``hiding`` (the
    hiding wire's value) and ``publics`` (every public input but the challenges, wire order)."""

    def __init__(self, values: Sequence[int], hiding: int, publics: Sequence[int]):
        super().__init__(values)
        self.hiding = hiding
        self.publics = list(publics)


ChallengeFn = Callable[[CommitOpening], Sequence[int]]

STANDIN_TAG = b"zkproof/commit-standin/v1"


def standin_challenges(opening: CommitOpening, n: int) -> list[int]:
    """The deterministic stand-in ``solve`` uses when no ``challenges`` callback is given:
    ``SHA-256(STANDIN_TAG || u32 index || each committed value, the hiding value and each public
    value as 32-byte big-endian) mod r``. For building circuits and testing gadgets only: it
    hashes values, not a commitment point, so a prover refuses a witness solved with it (its
    challenges differ from the hash of the proof's commitment)."""
    body = b"".join(v.to_bytes(32, "big") for v in [*opening, opening.hiding, *opening.publics])
    return [int.from_bytes(hashlib.sha256(STANDIN_TAG + struct.pack(">I", i) + body).digest(), "big") % R
            for i in range(n)]


def _solved_by_solve(*_: int) -> list[int]:
    raise RuntimeError("the commit slot is computed by ConstraintSystem.solve, not called")


class Assignment:
    """Values of every variable of a system, by variable key."""

    def __init__(self, cs: ConstraintSystem, values: dict[int, int]):
        self.cs = cs
        self.values = values

    def __getitem__(self, x: LCLike) -> int:
        return as_lc(x).evaluate(self.values)

    def public_values(self) -> list[int]:
        """Public inputs in wire order (``public.json``), without the challenge wires of a
        commitment: the verifier recomputes those and appends them (``challenge_values``)."""
        return [self.values[-k] for k in range(1, self.cs.num_public - self.cs.num_challenges + 1)]

    def challenge_values(self) -> list[int]:
        """The commitment's challenge values (the last public wires; ``[]`` without one)."""
        n = self.cs.num_public
        return [self.values[-k] for k in range(n - self.cs.num_challenges + 1, n + 1)]

    def witness(self) -> list[int]:
        """The full witness in circom wire order: ``[1, publics..., privates...]``."""
        n_pub = self.cs.num_public
        out = [1] + [self.values[-k] for k in range(1, n_pub + 1)]
        out += [self.values[j] for j in range(1, self.cs.num_private + 1)]
        return out


class ConstraintSystem:
    """Builder for an R1CS over F_r; see the module docstring."""

    def __init__(self) -> None:
        self.ONE = Variable(ONE_KEY, "ONE")
        self._publics: list[Variable] = []
        self._privates: list[Variable] = []
        self._inputs: dict[str, Variable] = {}  # values the caller supplies to ``solve``
        self.constraints: list[tuple[LinearCombination, LinearCombination, LinearCombination]] = []
        self.constraint_names: list[str] = []
        self.hints: list[Hint] = []
        self._prefix: list[str] = []
        self.commitment: Commitment | None = None

    # -- naming --------------------------------------------------------------------------
    @contextmanager
    def namespace(self, name: str) -> Iterator[None]:
        self._prefix.append(name)
        try:
            yield
        finally:
            self._prefix.pop()

    def _path(self, name: str) -> str:
        return "/".join([*self._prefix, name])

    # -- variables -----------------------------------------------------------------------
    def public(self, name: str) -> Variable:
        """A public input whose value the caller supplies to ``solve``."""
        v = self._new_public(name)
        self._register_input(v)
        return v

    def private(self, name: str) -> Variable:
        """A private input whose value the caller supplies to ``solve``."""
        v = self._new_private(name)
        self._register_input(v)
        return v

    def public_from_hint(self, name: str, fn: Callable[..., int], inputs: Sequence[LCLike]) -> Variable:
        """A public variable computed by the prover (e.g. a hash output exposed as public)."""
        v = self._new_public(name)
        self.hints.append(Hint(v.name, fn, [as_lc(x) for x in inputs], [v]))
        return v

    def _new_public(self, name: str) -> Variable:
        if self.commitment is not None:
            raise ValueError(f"public '{self._path(name)}' declared after commit "
                             f"'{self.commitment.name}': its challenges hash every public input, "
                             "so all of them come first")
        v = Variable(-(len(self._publics) + 1), self._path(name))
        self._publics.append(v)
        return v

    def _new_private(self, name: str) -> Variable:
        v = Variable(len(self._privates) + 1, self._path(name))
        self._privates.append(v)
        return v

    def _register_input(self, v: Variable) -> None:
        if v.name in self._inputs:
            raise ValueError(f"input '{v.name}' declared twice")
        self._inputs[v.name] = v

    def hint(self, fn: Callable[..., int | Sequence[int]], inputs: Sequence[LCLike],
             name: str = "hint", n_out: int = 1) -> Variable | list[Variable]:
        """New private variable(s) whose values are ``fn(*input_values)``. Adds no constraint."""
        path = self._path(name)
        outs = [self._new_private(f"{name}[{i}]" if n_out > 1 else name) for i in range(n_out)]
        self.hints.append(Hint(path, fn, [as_lc(x) for x in inputs], outs))
        return outs if n_out > 1 else outs[0]

    def commit(self, wires: Sequence[Variable], name: str = "commit",
               n_challenges: int = 1) -> list[Variable]:
        """Commit to these private wires; return ``n_challenges`` public challenge wires whose
        values are derived (Fiat-Shamir) from the proof's commitment point and the other public
        inputs.

        At most one commit per circuit (a second call raises ValueError: with two, a prover
        could pick the second commitment after seeing the first one's challenge, CVE-2024-45039),
        and it must follow every other public input (later ones raise ValueError). ``wires``:
        distinct private variables of this system. ``commit`` also adds the hiding wire
        ``<name>/hiding`` (random per proof; constraint ``<name>/hiding``: ``hiding * 0 = 0``,
        which gives it a commitment basis point of its own, so the commitment hides small
        committed values, CVE-2024-45040) and the public wires ``<name>/challenge[i]``.
        """
        if self.commitment is not None:
            raise ValueError(f"commit '{self._path(name)}': this system already commits "
                             f"('{self.commitment.name}'); at most one commitment per circuit")
        if not isinstance(n_challenges, int) or n_challenges < 1:
            raise ValueError(f"commit '{self._path(name)}': n_challenges must be >= 1")
        wires = list(wires)
        if not wires:
            raise ValueError(f"commit '{self._path(name)}': no wires to commit to")
        for v in wires:
            if not isinstance(v, Variable) or not 0 < v.key <= len(self._privates) \
                    or self._privates[v.key - 1] is not v:
                raise ValueError(f"commit '{self._path(name)}': {v!r} is not a private variable "
                                 "of this system (commit private wires; publics are hashed anyway)")
        if len({v.key for v in wires}) != len(wires):
            raise ValueError(f"commit '{self._path(name)}': a wire is listed twice")
        path = self._path(name)
        with self.namespace(name):
            hiding = self._new_private("hiding")
            self.enforce(hiding, 0, 0, "hiding")
            challenges = [self._new_public(f"challenge[{i}]") for i in range(n_challenges)]
        hint = Hint(path, _solved_by_solve, [v.lc() for v in wires], challenges)
        self.hints.append(hint)
        self.commitment = Commitment(path, wires, hiding, challenges, hint)
        return list(challenges)

    @property
    def num_challenges(self) -> int:
        return len(self.commitment.challenges) if self.commitment is not None else 0

    # -- constraints ---------------------------------------------------------------------
    def enforce(self, a: LCLike, b: LCLike, c: LCLike, name: str) -> None:
        """Add ``a * b = c`` under the namespaced ``name``."""
        self.constraints.append((as_lc(a), as_lc(b), as_lc(c)))
        self.constraint_names.append(self._path(name))

    def enforce_equal(self, a: LCLike, b: LCLike, name: str) -> None:
        self.enforce(as_lc(a) - as_lc(b), self.ONE, 0, name)

    @property
    def num_constraints(self) -> int:
        return len(self.constraints)

    @property
    def num_public(self) -> int:
        return len(self._publics)

    @property
    def num_private(self) -> int:
        return len(self._privates)

    @property
    def inputs(self) -> dict[str, Variable]:
        return dict(self._inputs)

    # -- solving -------------------------------------------------------------------------
    def solve(self, inputs: Mapping[str | Variable, int],
              overrides: Mapping[str | Variable, int] | None = None, *,
              challenges: ChallengeFn | None = None) -> Assignment:
        """Run every hint and return the full assignment (not yet checked: see ``check``).

        ``inputs`` gives each declared input by name or handle. ``overrides`` replaces the value
        of any variable (input or hint output) as soon as it is set -- the hook soundness tests use
        to inject a malicious witness (including a challenge wire: a prover who picks the
        challenge, or the hiding wire).

        ``challenges`` (systems with a ``commit``): called once, where ``commit`` was declared,
        with a ``CommitOpening`` (the committed values, the hiding value, the other publics); it
        returns the challenge values. The prover passes one that computes the commitment point
        and hashes it (``groth16.prove.commitment_challenges``); the hiding wire is then drawn
        uniformly from ``[1, r)``. ``None``: the hiding wire is 0 and the challenges come from
        ``standin_challenges`` -- for building and tests, never for a proof.
        """
        values: dict[int, int] = {ONE_KEY: 1}
        ovr = {self._key(k): v % R for k, v in (overrides or {}).items()}
        given = {self._key(k): v for k, v in inputs.items()}
        for name, var in self._inputs.items():
            if var.key not in given:
                raise ValueError(f"missing value for input '{name}'")
            values[var.key] = ovr.get(var.key, given.pop(var.key) % R)
        if given:
            raise ValueError(f"unknown inputs: {sorted(map(str, given))}")
        for h in self.hints:
            args = [lc.evaluate(values) for lc in h.inputs]
            if self.commitment is not None and h is self.commitment.hint:
                out = self._commit_values(values, args, ovr, challenges)
            else:
                out = h.fn(*args)
            outs = list(out) if isinstance(out, (list, tuple)) else [out]
            if len(outs) != len(h.outputs):
                raise ValueError(f"hint '{h.name}' returned {len(outs)} values, expected {len(h.outputs)}")
            for var, val in zip(h.outputs, outs):
                values[var.key] = ovr.get(var.key, int(val) % R)
        return Assignment(self, values)

    def _commit_values(self, values: dict[int, int], committed: list[int], ovr: dict[int, int],
                       challenges: ChallengeFn | None) -> list[int]:
        """The hiding value (set in ``values``) and the challenge values, at the commit slot."""
        c = self.commitment
        assert c is not None
        default = 0 if challenges is None else 1 + secrets.randbelow(R - 1)
        hiding = values[c.hiding.key] = ovr.get(c.hiding.key, default)
        publics = [values[-k] for k in range(1, len(self._publics) - len(c.challenges) + 1)]
        opening = CommitOpening(committed, hiding, publics)
        out = (challenges or (lambda o: standin_challenges(o, len(c.challenges))))(opening)
        out = [int(x) for x in out]
        if len(out) != len(c.challenges):
            raise ValueError(f"commit '{c.name}': challenges returned {len(out)} values, "
                             f"expected {len(c.challenges)}")
        return out

    def _key(self, k: str | Variable) -> int:
        if isinstance(k, Variable):
            return k.key
        if k in self._inputs:  # the common case, by dict (O(1) per input)
            return self._inputs[k].key
        for v in (*self._publics, *self._privates):  # overrides may name any variable
            if v.name == k:
                return v.key
        raise KeyError(f"no variable named '{k}'")

    def which_is_unsatisfied(self, assignment: Assignment) -> str | None:
        """Name of the first violated constraint, or ``None`` if all hold."""
        vals = assignment.values
        for (a, b, c), name in zip(self.constraints, self.constraint_names):
            if (a.evaluate(vals) * b.evaluate(vals) - c.evaluate(vals)) % R:
                return name
        return None

    def check(self, assignment: Assignment) -> None:
        """Raise ``ConstraintUnsatisfied`` naming the first violated constraint.

        With the native kernel the rows are evaluated in C (``kernel.r1cs_first_unsatisfied``,
        about 10x faster than the loop below at 32k constraints); both report the same first row
        (tested differentially).
        """
        from zkproof import kernel  # lazy: the kernel package imports the prover's field code

        if kernel.BACKEND == "native":
            # reduced as the Python loop's evaluation is (a hand-built Assignment may hold any int)
            wit = b"".join((x % R).to_bytes(32, "little") for x in assignment.witness())
            k = kernel.r1cs_first_unsatisfied(self.check_coefficients(), wit, self.num_constraints)
            if k >= 0:
                raise ConstraintUnsatisfied(self.constraint_names[k], k)
            return
        vals = assignment.values
        for k, ((a, b, c), name) in enumerate(zip(self.constraints, self.constraint_names)):
            if (a.evaluate(vals) * b.evaluate(vals) - c.evaluate(vals)) % R:
                raise ConstraintUnsatisfied(name, k)

    def check_coefficients(self) -> bytes:
        """The matrices A, B, C as a section-4-style body for ``kernel.r1cs_first_unsatisfied``:
        ``u32 count``, then per nonzero coefficient ``u32 matrix (0, 1, 2), u32 row, u32 wire,
        32-byte LE coefficient * 2^512 mod r`` (the zkey's Montgomery-ready form, see
        ``zkproof._native/witness.c``). Built once per system and cached; rebuilt if the wires or
        any row changed (rows compared by identity: ~1 ms at 32k rows, and ``pop`` + ``enforce``
        keeps the count but not the row)."""
        size = (self.num_public, self.num_private)
        cached = getattr(self, "_check_coeffs", None)
        if (cached is not None and cached[0] == size and len(cached[1]) == len(self.constraints)
                and all(map(operator.is_, cached[1], self.constraints))):
            return cached[2]
        from zkproof.formats.zkey_file import coeff_stored  # lazy: the zkey's own encoder

        encoded: dict[int, bytes] = {}  # most coefficients repeat (1, -1, 2^k, Poseidon's)
        pack, parts, count = struct.Struct("<III").pack, [], 0
        for row, abc in enumerate(self.constraints):
            for m, lc in enumerate(abc):
                for key, c in lc.terms.items():
                    v = encoded.get(c)
                    if v is None:
                        v = encoded[c] = coeff_stored(c).to_bytes(32, "little")
                    parts.append(pack(m, row, self.wire_of(key)))
                    parts.append(v)
                    count += 1
        body = struct.pack("<I", count) + b"".join(parts)
        self._check_coeffs = (size, list(self.constraints), body)
        return body

    # -- export --------------------------------------------------------------------------
    def wire_of(self, key: int) -> int:
        """circom wire index of a variable key: ONE=0, publics 1..n_pub, then privates."""
        return -key if key <= 0 else self.num_public + key

    def to_r1cs(self) -> R1CS:
        def row(lc: LinearCombination) -> dict[int, int]:
            return {self.wire_of(k): c for k, c in lc.terms.items()}

        names = ["ONE"] + [v.name for v in self._publics] + [v.name for v in self._privates]
        spec = None
        if self.commitment is not None:
            c = self.commitment
            spec = CommitmentSpec(tuple(self.wire_of(v.key) for v in [*c.wires, c.hiding]),
                                  len(c.challenges))
        return R1CS(
            n_wires=1 + self.num_public + self.num_private,
            n_pub_out=0,
            n_pub_in=self.num_public,
            n_prv_in=sum(1 for v in self._inputs.values() if v.key > 0),
            constraints=[(row(a), row(b), row(c)) for a, b, c in self.constraints],
            n_labels=1 + self.num_public + self.num_private,
            wire_to_label=list(range(1 + self.num_public + self.num_private)),
            constraint_names=list(self.constraint_names),
            wire_names=names,
            commitment=spec,
        )
