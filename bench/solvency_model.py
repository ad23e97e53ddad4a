"""Cost model of the batch circuit per account (used by ``bench.solvency``): reproduces the
measured constraint count term by term, then prices alternative designs (issue 4).

Terms (``circuits/solvency_batch.py``; gadget costs from ``circuits/README.md``): an n-bit
range check costs n + 1 constraints; a signed position 63 + 4; one product per table entry
used; the margin checks are ``Shape.equity_check_bits`` (88) wide; the leaf Poseidon (one call
over packed limbs, ``merkle_sum_layout``) and one Merkle-sum node per account are measured, not
modelled. Already applied (issue 4): equity check 109 -> 88 bits (-357 per account) and the
packed leaf, 3 Poseidon calls -> 1 (-801): 5,105 -> 3,947.
"""

from __future__ import annotations

from zkproof import statement as stm


def per_account_model(A: int, I: int, S: int, *, bal_bits=stm.BALANCE_BITS, pos_bits=63, eq_bits: int,
                      leaf: float, node: float, folded_vol: int = 1, lookup_bits: int = 0) -> dict:
    """Constraints per account by term. ``folded_vol = V``: the stress scenarios are V vol
    shocks x (S-1)/V spot shocks, folded to one check per spot shock with per-instrument worst
    values (long: min over vol, short: max over vol: 2 products per instrument). ``lookup_bits =
    L`` prices a range check of n bits as ceil(n / L) + 1 lookups (a PLONK-style table)."""
    def rng(n: int, extra: int) -> int:
        return (-(-n // lookup_bits) + 1 if lookup_bits else n + 1) + extra

    checks = 1 + (S - 1) // folded_vol
    products = (A + I) + I + (checks - 1) * (A + (2 * I if folded_vol > 1 else I))
    return {"balance_range": A * rng(bal_bits, 0), "position_range": I * rng(pos_bits, 3),
            "margin products": products, "margin range checks": checks * rng(eq_bits, 0),
            "leaf hash": leaf, "tree nodes": node}


def designs(shape: stm.Shape, marginal: dict) -> list[tuple[str, dict]]:
    """The measured design and concrete alternatives, priced by ``per_account_model``."""
    A, I, S = shape.n_assets, shape.n_instruments, shape.n_scenarios
    base = dict(eq_bits=shape.equity_check_bits, leaf=marginal["leaf hash"], node=marginal["tree nodes"])
    out = [("measured design (model)", per_account_model(A, I, S, **base))]
    out.append(("positions |q| < 2^47 instead of 2^63",
                per_account_model(A, I, S, pos_bits=47, **base)))
    out.append(("fold the 2 vol shocks per spot shock into worst-case values (9 checks, stricter "
                "margin: a risk-model change)", per_account_model(A, I, S, folded_vol=2, **base)))
    out.append(("both above", per_account_model(A, I, S, pos_bits=47, folded_vol=2, **base)))
    out.append(("lookup range checks, 16-bit table (PLONK/Halo2, not Groth16), same widths",
                per_account_model(A, I, S, lookup_bits=16, **base)))
    return out
