"""Decimal evaluation that knows whether its result is exact.

The table rounds ``floor(X - EPS)`` only when ``X`` came out of a rounded (``Inexact``)
``Decimal`` operation; an exactly computed ``X`` (e.g. ``1 * (1 - 0.02) * 10^6``) is floored
as is, so exact prices are not needlessly shaved by one unit. Exactness is detected by running
the computation with the ``Inexact`` signal trapped; nested code must use :func:`precise` (which
copies the current context, traps included) rather than a fresh ``Context``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow, localcontext

PRECISION = 60  # significant digits of every exact-path computation


@contextmanager
def precise() -> Iterator[Context]:
    """A copy of the current context at ``PRECISION`` digits (keeps the caller's traps)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        yield ctx


def evaluate(fn: Callable[[], Decimal]) -> tuple[Decimal, bool]:
    """``(fn(), exact)``: ``exact`` is True iff no operation in ``fn`` rounded."""
    with localcontext(Context(prec=PRECISION, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])):
        try:
            return fn(), True
        except Inexact:
            pass
    with localcontext(Context(prec=PRECISION)):
        return fn(), False
