"""Witness layer: snapshot + risk table -> circuit assignments (the native models circuits agree with)."""
