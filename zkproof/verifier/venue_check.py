"""Verify a proved venue epoch (docs/venue-design.md §3) from public data only, each check named.

Order: public data (the table as ``VenueTables.validate`` requires it, ``OI`` and reserves in
range, revealed totals (the liabilities and the gross loans, published together) opening the
totals commitment, the liabilities covered by the reserves) -> batch
count and tiers (each a key's shape over the epoch's universes) -> ``gamma``, recomputed from
``epoch``, ``table_hash``, ``open_interest_hash``, ``totals_commitment`` and every batch root
in order (``venue.rlc_challenge``, the function the aggregate circuit and the witness use)
-> each batch proof's public inputs, rebuilt here: its root, its tier's ``shape_digest``, the
recomputed ``gamma``, its sums commitment, the table, ``gamma^i`` and ``gamma^a``
(``venue.rlc_powers``) -> the aggregate's: epoch, the epoch shape's digest, table and open
interest hashes, ``totals_revealed``, the totals commitment, ``gamma``, ``oi_eval = sum_i
gamma^i OI[i]`` (``venue.rlc_eval``), the reserves, ``gamma^a`` and each batch's root and
sums commitment in order -> the proofs: the batch proofs of each tier paired at once with
random weights (``groth16.verify.verify_many``, which names a bad proof), then the aggregate.

``verify_venue_aggregate`` runs the same checks on the aggregate proof alone (a holder's
check: the batch roots and commitments as the header lists them, no batch proof).

What binds what: a batch proof verifies only against its own root, its commitment and the
recomputed ``gamma`` and table; the aggregate only against the same roots and commitments, the
same ``gamma`` (which it recomputes in-circuit from the roots, so a batch left out or moved
changes it) and the header's ``OI``, reserves and totals commitment. The public inputs a
proof was made against (``VenueBatchProof.public``, ``VenueEpochProofs.aggregate_public``)
are compared with the rebuilt ones only to name the first difference; the pairings always
use the rebuilt values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from zkproof import statement as stm
from zkproof.errors import InputError, InsecureSetup, MalformedProof
from zkproof.field.fr import R
from zkproof.groth16.keys import Proof, VerifyingKey
from zkproof.groth16.verify import Sources, check_vk, fix_inputs, verify, verify_many
from zkproof.hash.poseidon import poseidon
from zkproof.venue import (
    VenueEpochProofs,
    VenueEpochPublic,
    VenueEpochVks,
    VenueShape,
    aggregate_public_names,
    aggregate_public_values,
    batch_public_values,
    open_interest_hash,
    public_names,
    rlc_challenge,
    rlc_powers,
    table_hash,
    table_public_values,
    totals_commitment,
)
from zkproof.verifier.checks import Checks

PER_BATCH_INPUTS = ("root", "sums_commitment")  # the only batch inputs that differ within a tier


class Report(Checks):
    """Every check by name; the epoch is valid only if each passed."""


def tier_label(s: VenueShape) -> str:
    """How check names name a tier: ``P=.. B=.. capacity=..``."""
    return f"P={s.p} B={s.b} capacity={s.capacity}"


def _check_public_data(pub: VenueEpochPublic, report: Report) -> bool:
    """The header's values within what the circuits' soundness argument assumes."""
    shape = pub.shape
    try:
        pub.tables.validate(shape.batch)
        report.add("risk table", True)
    except InputError as e:
        report.add("risk table", False, str(e))
    oi_ok = (len(pub.open_interest) == shape.batch.i_max
             and all(type(x) is int and 0 <= x < 1 << shape.interest_bits for x in pub.open_interest))
    report.add("open interest bounds", oi_ok, "" if oi_ok else
               f"expected {shape.batch.i_max} values in [0, 2^{shape.interest_bits})")
    res_ok = (len(pub.reserves) == shape.batch.a_max
              and all(type(x) is int and 0 <= x < 1 << shape.reserve_bits for x in pub.reserves))
    report.add("reserves bounds", res_ok, "" if res_ok else
               f"expected {shape.batch.a_max} values in [0, 2^{shape.reserve_bits})")
    fields_ok = all(type(x) is int and 0 <= x < R
                    for x in (pub.epoch, pub.totals_commitment, pub.gamma, pub.header_digest))
    report.add("epoch, totals commitment, gamma and header digest are field elements", fields_ok)
    if (pub.totals is None) != (pub.loans is None):
        report.add("revealed totals open the totals commitment", False,
                   "the liabilities and the gross loans are revealed together or not at all")
    elif pub.totals is not None and pub.loans is not None:
        A, bound = shape.batch.a_max, 1 << shape.interest_bits
        opened = (len(pub.totals) == A and len(pub.loans) == A
                  and all(type(x) is int and abs(x) < bound for x in pub.totals)
                  and all(type(x) is int and 0 <= x < bound for x in pub.loans)
                  and totals_commitment(poseidon, pub.epoch, 0, [stm.fe(x) for x in pub.totals],
                                        list(pub.loans)) == pub.totals_commitment)
        report.add("revealed totals open the totals commitment", opened, "" if opened else
                   f"expected {A} liabilities (|L| < 2^{shape.interest_bits}) and {A} gross loans "
                   f"(0 <= G < 2^{shape.interest_bits}) that H(epoch, 0, L, G) opens")
        if opened and res_ok:
            short = [a for a, (t, r) in enumerate(zip(pub.totals, pub.reserves)) if t > r]
            report.add("revealed totals covered by reserves", not short,
                       "" if not short else f"liabilities exceed the reserves of assets {short}")
    return report.ok


def _check_keys(vks: VenueEpochVks, pub: VenueEpochPublic, tiers: set[VenueShape], allow_dev: bool,
                report: Report) -> bool:
    """Each key the epoch uses: well-formed and not insecure (``check_vk``), not a single-party
    dev key unless ``allow_dev`` (ATTACKS C6), and made for its statement's number of public
    inputs."""
    keys = [(f"batch key {tier_label(t)}", vks.batch[t], len(public_names(t)))
            for t in sorted(tiers, key=lambda t: (t.p, t.b, t.capacity))]
    keys.append(("aggregate key", vks.aggregate, len(aggregate_public_names(pub.shape))))
    ok = True
    for name, vk, n_inputs in keys:
        try:
            check_vk(vk, name)
            secure = ("INSECURE-DEV-SETUP key: refused without allow_dev"
                      if vk.dev_setup and not allow_dev else "")
        except (InsecureSetup, MalformedProof) as e:
            secure = str(e)
        ok &= report.add(f"{name} from a real ceremony", not secure, secure or
                         ("INSECURE-DEV-SETUP key (accepted: allow_dev)" if vk.dev_setup else ""))
        ok &= report.add(f"{name} shape", vk.n_inputs == n_inputs,
                         f"{vk.n_inputs} public inputs, expected {n_inputs}")
    return ok


def _first_difference(names: Sequence[str], want: Sequence[int], got: Sequence[int]) -> str:
    if len(want) != len(got):
        return f"{len(got)} public inputs, expected {len(want)}"
    for n, a, b in zip(names, want, got, strict=True):
        if a != b:
            return f"{n}: the proof's {b} differs from the recomputed {a}"
    return ""


def verify_venue_epoch(vks: VenueEpochVks, pub: VenueEpochPublic, proofs: VenueEpochProofs,
                       *, allow_dev: bool = False,
                       randomness: Callable[[], int] | None = None) -> Report:
    """All checks of one proved venue epoch against the public data ``pub``.

    Only the proof points, the batch roots and the batch sums commitments are taken from
    ``proofs``; every other public input is computed here. ``allow_dev``: accept single-party
    dev keys (tests, demos). ``randomness``: the batch weights' source, for tests only
    (``groth16.verify.batch_pairing_check``).
    """
    report = Report()
    shape, batches = pub.shape, list(proofs.batches)
    if not _check_public_data(pub, report):
        return report
    if not report.add("batch count", len(batches) == shape.n_batches,
                      f"{len(batches)} batch proofs, the aggregate takes {shape.n_batches}"):
        return report
    values_ok = all(type(x) is int and 0 <= x < R for b in batches for x in (b.root, b.sums_commitment))
    if not report.add("batch roots and commitments are field elements", values_ok):
        return report
    # A tier shares the epoch's universes and table (the same public table and powers), and
    # holds no more accounts per batch than the epoch's shape: the aggregate's integer bounds
    # (``VenueEpochShape.accounts_bits``) count capacity x 2^MAX_BATCH_BITS accounts.
    universe = (shape.batch.i_max, shape.batch.a_max, shape.batch.k, shape.batch.table_bits)
    bad = [n for n, b in enumerate(batches) if b.shape not in vks.batch
           or (b.shape.i_max, b.shape.a_max, b.shape.k, b.shape.table_bits) != universe
           or b.shape.capacity > shape.batch.capacity]
    if not report.add("batch tiers", not bad, "" if not bad else
                      f"batches {bad}: no key for the tier, another universe than the epoch's, "
                      f"or a capacity above {shape.batch.capacity}"):
        return report
    if not _check_keys(vks, pub, {b.shape for b in batches}, allow_dev, report):
        return report

    table_digest, gamma = _check_gamma(pub, [b.root for b in batches], report)
    table = table_public_values(pub.tables)  # every tier shares the universe (checked above)
    powers = (rlc_powers(gamma, shape.batch.i_max), rlc_powers(gamma, shape.batch.a_max))
    expected = [batch_public_values(b.shape, b.root, gamma, b.sums_commitment, table, powers)
                for b in batches]
    for n, (b, want) in enumerate(zip(batches, expected, strict=True)):
        diff = _first_difference(public_names(b.shape), want, b.public)
        report.add(f"batch_{n} public inputs", not diff, diff)
    agg_want = _check_aggregate_inputs(pub, table_digest, gamma,
                                       [(b.root, b.sums_commitment) for b in batches],
                                       proofs.aggregate_public, report)
    for tier, vk in vks.batch.items():
        idx = [n for n, b in enumerate(batches) if b.shape == tier]
        if not idx:
            continue
        # every input but the batch's root and sums commitment is the tier's (shape digest,
        # gamma, table, powers): its share of vk_x is computed once per tier, not per batch
        shared = {k: x for k, (name, x) in enumerate(zip(public_names(tier), expected[idx[0]], strict=True))
                  if name not in PER_BATCH_INPUTS}
        try:
            oks = verify_many(vk, [(expected[n], batches[n].proof, Sources(proof=f"batch_{n}"))
                                   for n in idx], randomness, fixed=fix_inputs(vk, shared))
        except MalformedProof as e:
            report.add(f"batch proofs {tier_label(tier)}", False, str(e))
            continue
        bad = [n for n, ok in zip(idx, oks, strict=True) if not ok]
        report.add(f"batch proofs {tier_label(tier)}", not bad,
                   f"{len(idx)} proofs" if not bad else f"batches {bad} do not verify")
    _check_aggregate_proof(vks.aggregate, agg_want, proofs.aggregate, report)
    return report


def _check_gamma(pub: VenueEpochPublic, roots: Sequence[int], report: Report) -> tuple[int, int]:
    """``(table_hash, gamma)`` recomputed from the public data and the batch roots in order
    (``venue.rlc_challenge``); the claimed ``pub.gamma`` is a check, never used."""
    table_digest = table_hash(pub.tables)
    gamma = rlc_challenge(poseidon, pub.epoch, table_digest,
                          open_interest_hash(pub.open_interest), pub.totals_commitment, list(roots))
    report.add("gamma", gamma == pub.gamma, "" if gamma == pub.gamma else
               f"the claimed gamma {pub.gamma} is not the hash of the epoch, table, open "
               f"interest, totals commitment and batch roots ({gamma})")
    return table_digest, gamma


def _check_aggregate_inputs(pub: VenueEpochPublic, table_digest: int, gamma: int,
                            batches: Sequence[tuple[int, int]], claimed: Sequence[int],
                            report: Report) -> list[int]:
    """The aggregate's public inputs rebuilt (``venue.aggregate_public_values``), compared with
    the ones the proof claims (to name the first difference); the rebuilt ones are returned."""
    want = aggregate_public_values(pub.shape, pub.epoch, table_digest, pub.open_interest,
                                   pub.totals is not None, pub.totals_commitment,
                                   pub.header_digest, gamma, pub.reserves, batches)
    diff = _first_difference(aggregate_public_names(pub.shape), want, claimed)
    report.add("aggregate public inputs", not diff, diff)
    return want


def _check_aggregate_proof(vk: VerifyingKey, want: list[int], proof: Proof, report: Report) -> None:
    try:
        ok = verify(vk, want, proof, check_key=False, sources=Sources(proof="aggregate"))
        report.add("aggregate proof", ok)
    except MalformedProof as e:
        report.add("aggregate proof", False, str(e))


def verify_venue_aggregate(vk: VerifyingKey, pub: VenueEpochPublic, batches: Sequence[tuple[int, int]],
                           proof: Proof, proof_public: Sequence[int], *,
                           allow_dev: bool = False) -> Report:
    """The aggregate proof alone, against ``pub`` and the batches' ``(root, sums commitment)``
    in order (a holder's check, ``zkproof inclusion verify``): the public data, the aggregate
    key, ``gamma`` and the aggregate's public inputs are checked as ``verify_venue_epoch``
    checks them; the batch proofs are not (the caller says so)."""
    report = Report()
    if not _check_public_data(pub, report):
        return report
    if not report.add("batch count", len(batches) == pub.shape.n_batches,
                      f"{len(batches)} batches, the aggregate takes {pub.shape.n_batches}"):
        return report
    values_ok = all(type(x) is int and 0 <= x < R for b in batches for x in b)
    if not report.add("batch roots and commitments are field elements", values_ok):
        return report
    if not _check_keys(VenueEpochVks({}, vk), pub, set(), allow_dev, report):
        return report
    table_digest, gamma = _check_gamma(pub, [root for root, _ in batches], report)
    want = _check_aggregate_inputs(pub, table_digest, gamma, batches, proof_public, report)
    _check_aggregate_proof(vk, want, proof, report)
    return report
