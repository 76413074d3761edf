"""The expected-failures file of a CI gate: known deviations a pipeline accepts, each with its reason.

    [[expected]]
    id = "CMD-GSK-004"          # a requirement ID, or a check's test ID (suites/test_x.py::test_y)
    target = "embedded"         # optional: "embedded", the target's URL or name, or "*" (the default)
    reason = "21.3.2 answers ttl in minutes; vendor ticket 4711"

A FAIL an entry matches is accepted (reported, but the run passes). The gate fails on a new FAIL, on an
entry whose checks all ran and none failed (an expected failure that now passes: remove the entry), and on
an entry that matched no check that ran. The file is read strictly (an unknown key names the nearest known
one), and an entry whose id is neither a catalogue requirement nor a collected check is refused before the run
(`unknown_entries`, which the plugin calls at collection): a typo never passes as a stale entry.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from harness import verdicts

ENTRY_KEYS = ("id", "reason", "target")
FILE_KEYS = ("expected",)


class ExpectedFailuresError(Exception):
    pass


def _did_you_mean(word: str, known) -> str:
    near = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {near[0]!r}?)" if near else f" (known: {', '.join(known)})"


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
        where = f"expected-failures file {path}"
        for key in data:
            if key not in FILE_KEYS:
                raise ExpectedFailuresError(f"{where}: unknown key {key!r}{_did_you_mean(key, FILE_KEYS)}")
        expected = data.get("expected", [])
        if not isinstance(expected, list):
            raise ExpectedFailuresError(f"{where}: expected must be entries: [[expected]]")
        entries = []
        for n, raw in enumerate(expected, 1):
            if not isinstance(raw, dict):
                raise ExpectedFailuresError(f"{where}: entry {n} must be a table: [[expected]]")
            for key in raw:
                if key not in ENTRY_KEYS:
                    raise ExpectedFailuresError(
                        f"{where}: entry {n}: unknown key {key!r}{_did_you_mean(key, ENTRY_KEYS)}"
                    )
            for key in ENTRY_KEYS:
                if key in raw and not isinstance(raw[key], str):
                    raise ExpectedFailuresError(f"{where}: entry {n}: {key} must be a string")
            if not raw.get("id") or not raw.get("reason"):
                raise ExpectedFailuresError(f"{where}: entry {n} needs an id and a reason")
            entries.append(Entry(raw["id"], raw["reason"], raw.get("target", "*")))
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
                if entry.matches(r.covers(), r.nodeid)
                and r.verdict in (verdicts.PASS, verdicts.WARN, verdicts.FAIL)
            ]
            if not ran:
                problems.append(f"expected failure {entry.id!r} matched no check that ran")
            elif not any(r.verdict == verdicts.FAIL and entry.matches(r.charged(), r.nodeid) for r in ran):
                problems.append(f"expected failure {entry.id!r} now passes; remove it from the file")
        return problems


def unknown_entries(
    entries: Iterable[Entry], requirement_ids: Iterable[str], test_ids: Iterable[str]
) -> list[tuple[Entry, str | None]]:
    """The entries whose id is neither a requirement ID nor matches a collected check's test ID (the rule of
    Entry.matches), each with the nearest known ID (a requirement ID, or a check's test ID) or None."""
    requirement_ids, test_ids = set(requirement_ids), list(test_ids)
    stray = []
    for entry in entries:
        if entry.id in requirement_ids or any(entry.matches((), nodeid) for nodeid in test_ids):
            continue
        stray.append((entry, nearest_id(entry.id, requirement_ids, test_ids)))
    return stray


def nearest_id(word: str, requirement_ids: Iterable[str], test_ids: Iterable[str]) -> str | None:
    """The known ID nearest to `word`: a requirement ID, or a test ID in the forms an entry may take
    (test_name, test_file.py::test_name, the whole node ID)."""
    known = set(requirement_ids)
    for nodeid in test_ids:
        known.add(nodeid)
        known.add(nodeid.rsplit("/", 1)[-1])
        known.add(nodeid.rsplit("::", 1)[-1])
    near = difflib.get_close_matches(word, sorted(known), n=1)
    return near[0] if near else None


def describe_unknown(stray: list[tuple[Entry, str | None]], source: str | None = None) -> str:
    """The usage error for unknown_entries' result, one line an entry."""
    lines = [
        f"expected failure {entry.id!r}: not a requirement ID nor a check's test ID"
        + (f" (did you mean {near!r}?)" if near else "")
        for entry, near in stray
    ]
    head = f"expected-failures file {source}: " if source else ""
    return f"{head}entries that name no known requirement or check:\n  " + "\n  ".join(lines)
