"""The verdict vocabulary (DESIGN.md, "Verdicts and traceability") and how a check states one.

A check passes by returning. It FAILs by raising CheckFailed (or any AssertionError) with a reason. It
records a WARN with `warn()` and goes on (a SHOULD not met, a known real-world variant). It ends as NA with
`na()` (the feature is absent, disabled, or predates the target's API version) or NOT_TESTED with
`not_tested()` (the harness could not or may not test it here: the profile, a missing account).
A check of a SHOULD requirement that fails is reported as WARN. Only FAIL makes a run fail.
"""

from __future__ import annotations

import pytest

PASS, FAIL, WARN, NOT_TESTED, NA = "PASS", "FAIL", "WARN", "NOT_TESTED", "NA"
VERDICTS = (FAIL, WARN, PASS, NA, NOT_TESTED)  # worst first: a requirement takes its worst check's verdict
NA_PREFIX = "NA: "
NOT_TESTED_PREFIX = "NOT_TESTED: "


class CheckFailed(AssertionError):
    """A conformance check failed; the message is the reason shown in the reports."""


def fail(reason: str) -> None:
    raise CheckFailed(reason)


def check(condition: object, reason: str) -> None:
    """FAIL with `reason` unless `condition` holds."""
    if not condition:
        raise CheckFailed(reason)


def na(reason: str) -> None:
    pytest.skip(NA_PREFIX + reason)


def not_tested(reason: str) -> None:
    pytest.skip(NOT_TESTED_PREFIX + reason)


# WARNs of the check in progress; the plugin clears them before each check and reads them after.
WARNINGS: list[str] = []


def warn(reason: str) -> None:
    WARNINGS.append(reason)


def worst(verdicts) -> str:
    present = set(verdicts)
    for verdict in VERDICTS:
        if verdict in present:
            return verdict
    return NOT_TESTED
