"""Finite fields of BN254: the scalar field F_r (``fr``)."""
