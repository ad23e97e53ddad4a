"""Named venue rulebooks for ``params.toml`` format 2 (``preset = "NAME"``; docs/formats.md §2.1).

A preset is a set of default keys for the ``[scenarios]``, ``[maintenance]`` and ``[marks]``
tables; the file's own keys override them one by one. Venue-specific sizes (the price scan range
per underlying, the maximum leverage per perpetual) have no default: the file must give them.
Each preset reproduces a worked example of the venue's public documentation in
``tests/test_presets.py`` (provenance in the test docstrings and ``vectors/presets/SOURCE.md``).

* ``span16``: CME SPAN's 16 scenarios. Price unchanged, up and down 1/3, 2/3 and 3/3 of the
  price scan range, each with volatility up and down the volatility scan range (1-14), then the
  two extreme moves of twice the range with volatility unchanged, at 35 % cover (15-16).
* ``deribit-pm``: Deribit-style portfolio margin. Nine evenly spaced price moves over the
  maximum move (including zero), each with volatility up, unchanged and down; the volatility
  shock scales with time to expiry as ``sqrt(30 / days)`` (the published rule); no tail (the
  extended table's fraction and dampener are not published as numbers).
* ``hyperliquid``: per-perpetual maintenance at mark, ``1 / (2 * max leverage)`` of the mark
  notional for longs and shorts; one stress scenario equal to the mark (standard margin).
"""

from __future__ import annotations

from typing import Any

PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "span16": {
        "scenarios": {
            "levels": ["0", "1/3", "-1/3", "2/3", "-2/3", "1", "-1"],
            "vol_shocks": ["0.35", "-0.35"],
            "tail_levels": ["2", "-2"],
            "tail_cover": "0.35",
        },
    },
    "deribit-pm": {
        "scenarios": {
            "levels": ["-1", "-3/4", "-1/2", "-1/4", "0", "1/4", "1/2", "3/4", "1"],
            "vol_shocks": ["0.4", "0", "-0.4"],
            "vol_shock_ref_days": "30",
            "vol_shock_power": "0.5",
        },
    },
    "hyperliquid": {
        "scenarios": {"levels": ["0"], "vol_shocks": ["0"]},
        "maintenance": {"option_short": "0"},
    },
}
