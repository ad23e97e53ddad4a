"""The native modules that setup.py builds actually import (a missing symbol would otherwise make
zkproof fall back to pure Python without anyone noticing)."""

from __future__ import annotations

import os

import pytest

from zkproof import kernel


@pytest.mark.skipif(os.environ.get("ZKPROOF_KERNEL") == "python", reason="pure-Python run requested")
def test_native_kernel_and_group_fft_are_built():
    assert kernel.BACKEND == "native"
    from zkproof._native import groupfft
    from zkproof.ceremony import lagrange

    assert lagrange._native_gfft is groupfft
