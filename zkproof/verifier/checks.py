"""Named checks, the shape of every verifier's report: a verdict is valid only if at least one
check ran and every check passed (an empty report is never valid)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Checks:
    """Checks in the order they ran; ``add`` returns the check's outcome so a caller can stop
    at the first failure that makes the rest meaningless."""

    checks: list[Check] = field(default_factory=list, kw_only=True)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(c.ok for c in self.checks)

    def add(self, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append(Check(name, ok, detail))
        return ok

    def failed(self) -> list[str]:
        return [c.name for c in self.checks if not c.ok]
