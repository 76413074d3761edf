"""The verdict vocabulary (DESIGN.md, "Verdicts and traceability") and how a check states one.

A check passes by returning. It FAILs by raising CheckFailed (`fail(reason, req=…)`, `check(cond, reason,
req=…)`, or any AssertionError); it records a FAIL and goes on with `defect(reason, req=…)` (where what
follows does not depend on what failed), and a WARN with `warn(reason, req=…)`. `req` names the
requirement the defect breaks; without it, the check's primary requirement (the first its `req` marker
names) is charged. A charge to a SHOULD requirement is a WARN whatever was raised. The check's other
requirements are PASS when it ran to its end and NOT_TESTED ("not reached") when a failure stopped it.

`na()` ends a check as NA (the feature is absent, disabled, or predates the target's API version);
`not_tested()` as NOT_TESTED (the harness could not or may not test it here: the profile, a missing account).
Only FAIL makes a run fail.

What a check records lives in a CheckContext: the plugin opens one per check; a load or property run, or a
unit test, opens its own with `with checking() as ctx:`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest

PASS, FAIL, WARN, NOT_TESTED, NA = "PASS", "FAIL", "WARN", "NOT_TESTED", "NA"
VERDICTS = (FAIL, WARN, PASS, NA, NOT_TESTED)  # worst first: a requirement takes its worst verdict
NA_PREFIX = "NA: "
NOT_TESTED_PREFIX = "NOT_TESTED: "


class CheckFailed(AssertionError):
    """A conformance check failed; the message is the reason shown in the reports, `req` the requirement
    it breaks (None: the check's primary requirement)."""

    def __init__(self, reason: str, req: str | None = None) -> None:
        super().__init__(reason)
        self.req = req


@dataclass(frozen=True)
class Charge:
    """A defect charged to a requirement: FAIL (the check stopped there) or WARN (it went on)."""

    req: str | None
    verdict: str
    reason: str


@dataclass
class CheckContext:
    """What one check recorded without stopping: its defect() FAILs and warn() WARNs, in order."""

    charges: list[Charge] = field(default_factory=list)
    judged: list[str] = field(default_factory=list)  # requirements judged and met on the way (judged())

    @property
    def warnings(self) -> list[str]:
        return [c.reason for c in self.charges if c.verdict == WARN]

    @property
    def failures(self) -> list[str]:
        return [c.reason for c in self.charges if c.verdict == FAIL]

    def charged(self, verdict: str | None = None) -> list[str | None]:
        """The requirements charged (with `verdict`, or any), in order."""
        return [c.req for c in self.charges if verdict in (None, c.verdict)]


_CURRENT: contextvars.ContextVar[CheckContext | None] = contextvars.ContextVar("rs_check", default=None)


@contextmanager
def checking(context: CheckContext | None = None) -> Iterator[CheckContext]:
    """Run checks in `context` (a new one by default): their warn() calls are recorded there."""
    context = context if context is not None else CheckContext()
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)


def current() -> CheckContext | None:
    return _CURRENT.get()


def fail(reason: str, req: str | None = None) -> None:
    raise CheckFailed(reason, req)


def check(condition: object, reason: str, req: str | None = None) -> None:
    """FAIL with `reason`, charged to `req`, unless `condition` holds."""
    if not condition:
        raise CheckFailed(reason, req)


def _record(verdict: str, reason: str, req: str | None) -> None:
    context = _CURRENT.get()
    if context is None:
        raise RuntimeError("a verdict outside a check: run checks inside harness.verdicts.checking()")
    context.charges.append(Charge(req, verdict, reason))


def warn(reason: str, req: str | None = None) -> None:
    """A WARN of `req` (a SHOULD not met, a known real-world variant); the check goes on."""
    _record(WARN, reason, req)


def defect(reason: str, req: str | None = None) -> None:
    """A FAIL of `req` that does not stop the check: it goes on to judge its other requirements, and FAILs
    when it ends."""
    _record(FAIL, reason, req)


def judged(req: str) -> None:
    """`req` was judged and met here, though the check may not name it (every answer's schema and
    namespace): it is PASS for this check unless a defect is charged to it. Outside a check, nothing."""
    context = _CURRENT.get()
    if context is not None and req not in context.judged:
        context.judged.append(req)


def na(reason: str) -> None:
    pytest.skip(NA_PREFIX + reason)


def not_tested(reason: str) -> None:
    pytest.skip(NOT_TESTED_PREFIX + reason)


def worst(verdicts) -> str:
    present = set(verdicts)
    for verdict in VERDICTS:
        if verdict in present:
            return verdict
    return NOT_TESTED
