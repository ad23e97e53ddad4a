"""hypothesis strategies shared by the property tests (eth-abi style)."""

from __future__ import annotations

from hypothesis import strategies as st

from zkproof.curve.bn254 import P
from zkproof.field.fr import R

EDGE_FR = [0, 1, 2, R - 1, R - 2, 2**64 - 1, 2**64, 2**63, 2**63 - 1, R // 2, R // 2 + 1]


def fr_elements() -> st.SearchStrategy[int]:
    """Elements of F_r: uniform mixed with edge values (gnark-crypto's staticTestValues)."""
    return st.one_of(st.integers(0, R - 1), st.sampled_from(EDGE_FR))


def fq_elements() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(0, P - 1), st.sampled_from([0, 1, 2, P - 1, P - 2]))
