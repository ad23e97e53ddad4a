"""Cost model of the batch circuit per account (used by ``bench.solvency``): reproduces the
measured constraint count term by term, then prices alternative designs (issue 4).

Terms (``circuits/solvency_batch.py``; gadget costs from ``circuits/README.md``): an n-bit
range check costs n + 1 constraints; a signed position 63 + 4; one product per table entry
used; the leaf Poseidon and one Merkle-sum node per account are measured, not modelled.
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
    base = dict(eq_bits=shape.equity_bits, leaf=marginal["leaf hash"], node=marginal["tree nodes"])
    # Leaf = Poseidon(tag, id, b_1..b_A, H(q_1..q_I)): one 16-input call + one (A+2)-input call
    # (circuits/README.md: Poseidon(16) = 609, Poseidon(5) = 321; -3 each for the constant tag).
    leaf2 = 609 + {1: 261, 2: 297, 3: 321, 4: 354, 5: 381}[A] - 3
    eq88 = 88  # equities capped at 2^88 value units; see the printout for the dollar amount
    out = [("measured design (model)", per_account_model(A, I, S, **base))]
    out.append((f"equity width {shape.equity_bits} -> {eq88} bits (sound: a negative E is r - |E| "
                f"> 2^{eq88}; pre-flight refuses equity >= 2^{eq88} units)",
                per_account_model(A, I, S, **{**base, "eq_bits": eq88})))
    out.append(("positions |q| < 2^47 instead of 2^63",
                per_account_model(A, I, S, pos_bits=47, **base)))
    out.append(("leaf hashes H(positions) first (2 Poseidon calls instead of 3)",
                per_account_model(A, I, S, **{**base, "leaf": leaf2})))
    out.append(("fold the 2 vol shocks per spot shock into worst-case values (9 checks, stricter "
                "margin: a risk-model change)", per_account_model(A, I, S, folded_vol=2, **base)))
    out.append(("all four above", per_account_model(A, I, S, pos_bits=47, folded_vol=2,
                                                    **{**base, "eq_bits": eq88, "leaf": leaf2})))
    out.append(("lookup range checks, 16-bit table (PLONK/Halo2, not Groth16), same widths",
                per_account_model(A, I, S, lookup_bits=16, **base)))
    out.append(("lookup range checks + leaf change", per_account_model(
        A, I, S, lookup_bits=16, **{**base, "leaf": leaf2})))
    return out
