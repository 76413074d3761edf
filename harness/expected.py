"""The expected-failures file of a CI gate: known deviations a pipeline accepts, each with its reason.

    [[expected]]
    id = "CMD-GSK-004"          # a requirement ID, or a check's test ID (suites/test_x.py::test_y)
    target = "embedded"         # optional: "embedded", the target's URL or name, or "*" (the default)
    reason = "21.3.2 answers ttl in minutes; vendor ticket 4711"

A FAIL an entry matches is accepted (reported, but the run passes). The gate fails on a new FAIL, on an
entry whose checks all ran and none failed (an expected failure that now passes: remove the entry), and on
an entry that matched no check that ran (a typo or a stale entry).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from harness import verdicts


class ExpectedFailuresError(Exception):
    pass


@dataclass(frozen=True)
class Entry:
    id: str
    reason: str
    target: str = "*"

    def applies_to(self, target) -> bool:
        if self.target == "*":
            return True
        if target is None:
            return False
        return self.target == ("embedded" if target.embedded else target.url) or self.target in (
            target.url,
            target.name,
        )

    def matches(self, requirement_ids, nodeid: str) -> bool:
        ids = self.id
        return ids in requirement_ids or nodeid == ids or nodeid.endswith(("::" + ids, "/" + ids))


class ExpectedFailures:
    def __init__(self, entries: list[Entry], source: str | None = None):
        self.entries = entries
        self.source = source

    @classmethod
    def load(cls, path: str | None) -> ExpectedFailures:
        if not path:
            return cls([])
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ExpectedFailuresError(f"expected-failures file {path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ExpectedFailuresError(f"expected-failures file {path}: {exc}") from None
        entries = []
        for n, raw in enumerate(data.get("expected", []), 1):
            if not isinstance(raw, dict) or not raw.get("id") or not raw.get("reason"):
                raise ExpectedFailuresError(f"{path}: entry {n} needs an id and a reason")
            unknown = set(raw) - {"id", "reason", "target"}
            if unknown:
                raise ExpectedFailuresError(f"{path}: entry {n}: unknown keys {sorted(unknown)}")
            entries.append(Entry(str(raw["id"]), str(raw["reason"]), str(raw.get("target", "*"))))
        return cls(entries, str(path))

    def match(self, requirement_ids, nodeid: str, target) -> Entry | None:
        for entry in self.entries:
            if entry.applies_to(target) and entry.matches(requirement_ids, nodeid):
                return entry
        return None

    def gate(self, records, target) -> list[str]:
        """What makes the gate fail besides new FAILs: stale and now-passing entries."""
        records = list(records)
        problems = []
        for entry in self.entries:
            if not entry.applies_to(target):
                continue
            ran = [
                r
                for r in records
                if entry.matches(r.requirements, r.nodeid)
                and r.verdict in (verdicts.PASS, verdicts.WARN, verdicts.FAIL)
            ]
            if not ran:
                problems.append(f"expected failure {entry.id!r} matched no check that ran")
            elif not any(r.verdict == verdicts.FAIL for r in ran):
                problems.append(f"expected failure {entry.id!r} now passes; remove it from the file")
        return problems
