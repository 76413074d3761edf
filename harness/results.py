"""A run's results: each check's verdict with its evidence, each requirement's verdict, results.json.

A check charges each defect it finds to one requirement (harness.verdicts). A requirement's verdict, for
each check that covers it or charged it: the worst charge to it (FAIL, or WARN); else the check's NA or
NOT_TESTED; else NOT_TESTED "not reached" when the check stopped at another requirement's failure; else
PASS. Over its checks it takes the worst (FAIL > WARN > PASS > NA > NOT_TESTED); one no check covers is
NOT_TESTED, with the catalogue's reason when it gives one. The requirements are those of the API family the
run judged (harness.catalogue.requirements.for_family), so the matrix and the share tested are the family's.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from harness import __version__, verdicts
from harness.catalogue.requirements import FAMILY_GUIDES, GUIDES, Requirement
from harness.redact import REDACTOR

RESULTS_FORMAT = 1

# A run's outcome: exactly one of these (results.json "outcome"; console and report show "_" as a space).
PASS, FAIL, NOT_CERTIFIED, INTERRUPTED = "PASS", "FAIL", "NOT_CERTIFIED", "INTERRUPTED"
OUTCOMES = (PASS, FAIL, NOT_CERTIFIED, INTERRUPTED)
SUMMARY_FAILS = 20  # FAILs the console lists, one line each
SUMMARY_LINE = 200  # characters of a FAIL's reason on that line


def one_line(text: str, limit: int = SUMMARY_LINE) -> str:
    """`text` collapsed to one line of at most `limit` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Record:
    """One check (a pytest item) and its verdict."""

    nodeid: str
    name: str
    requirements: list[str]
    verdict: str | None = None
    reason: str = ""
    seconds: float = 0.0
    expected: str | None = None  # the expected-failures entry's reason, for an accepted FAIL
    evidence: list[dict] = field(default_factory=list)
    charges: list[dict] = field(default_factory=list)  # {"requirement", "verdict", "reason"}
    stopped_at: str | None = None  # the requirement whose FAIL stopped the check before its end
    judged: list[str] = field(default_factory=list)  # requirements it does not name, judged on the way
    context_seen: int = field(default=0, repr=False)  # charges of its CheckContext already taken

    def charge(self, requirement: str, verdict: str, reason: str) -> None:
        self.charges.append({"requirement": requirement, "verdict": verdict, "reason": reason})

    def charged(self, verdict: str = verdicts.FAIL) -> list[str]:
        """The requirements charged with `verdict`, in order, once each."""
        return list(dict.fromkeys(c["requirement"] for c in self.charges if c["verdict"] == verdict))

    def covers(self) -> list[str]:
        """The requirements the check names and those it charged."""
        charged = (c["requirement"] for c in self.charges)
        return list(dict.fromkeys([*self.requirements, *charged, *self.judged]))

    def requirement_verdict(self, req_id: str) -> tuple[str, str]:
        """This check's verdict of one requirement it covers, and the reason."""
        mine = [c for c in self.charges if c["requirement"] == req_id]
        if mine:
            verdict = verdicts.worst(c["verdict"] for c in mine)
            return verdict, next(c["reason"] for c in mine if c["verdict"] == verdict)
        if req_id in self.judged:
            return verdicts.PASS, ""
        verdict = self.verdict or verdicts.NOT_TESTED
        if verdict in (verdicts.NA, verdicts.NOT_TESTED):
            return verdict, self.reason
        if self.stopped_at is not None:
            return verdicts.NOT_TESTED, f"not reached: stopped at {self.stopped_at}"
        return verdicts.PASS, ""

    def to_json(self) -> dict:
        return {
            "id": self.nodeid,
            "name": self.name,
            "requirements": self.requirements,
            "verdict": self.verdict or verdicts.NOT_TESTED,
            "reason": self.reason,
            "expected_failure": self.expected,
            "seconds": round(self.seconds, 4),
            "charges": self.charges,
            "stopped_at": self.stopped_at,
            "judged": self.judged,
            "evidence": self.evidence,
        }


@dataclass
class RequirementResult:
    requirement: Requirement
    verdict: str
    reason: str
    checks: list[str]


@dataclass
class RunResults:
    run_id: str
    started: float
    finished: float
    target: dict
    records: list[Record]
    requirements: dict[str, Requirement]
    gate_problems: list[str] = field(default_factory=list)
    expected_file: str | None = None
    interrupted: str | None = None  # the signal that stopped the run before its end (SIGINT, SIGTERM, ...)
    not_certified: str | None = None  # why nothing was judged (the pre-flight's one line)
    min_tested: float | None = None  # --min-tested: the least % of the catalogue's requirements tested
    planned: int | None = None  # checks the run was to run (an interrupted run ran fewer)
    family: str | None = None  # the API family judged: its checks ran, its requirements are the matrix
    left_out: int = 0  # checks of the other family, not run

    @property
    def counts(self) -> Counter:
        return Counter(r.verdict or verdicts.NOT_TESTED for r in self.records)

    @property
    def failures(self) -> list[Record]:
        """FAILs not accepted by the expected-failures file."""
        return [r for r in self.records if r.verdict == verdicts.FAIL and r.expected is None]

    @property
    def passed(self) -> bool:
        return self.outcome == PASS

    @property
    def complete(self) -> bool:
        return self.interrupted is None

    def tested(self) -> tuple[int, int]:
        """(requirements tested: any verdict but NOT_TESTED, requirements in the catalogue)."""
        reqs = self.requirement_results()
        return sum(r.verdict != verdicts.NOT_TESTED for r in reqs), len(reqs)

    def too_little_tested(self) -> str | None:
        """Why the run tested less of the catalogue than --min-tested asks, or None."""
        if self.min_tested is None:
            return None
        tested, total = self.tested()
        share = 100.0 * tested / total if total else 0.0
        if share + 1e-9 >= self.min_tested:
            return None
        return (
            f"only {share:.1f}% of the requirements were tested ({tested} of {total}); "
            f"--min-tested asks for {self.min_tested:g}%"
        )

    @property
    def outcome(self) -> str:
        """PASS, FAIL, NOT_CERTIFIED (nothing judged) or INTERRUPTED (the run did not finish)."""
        if self.not_certified is not None:
            return NOT_CERTIFIED
        if self.interrupted is not None:
            return INTERRUPTED
        if self.failures or self.gate_problems or self.too_little_tested():
            return FAIL
        return PASS

    def requirement_results(self) -> list[RequirementResult]:
        by_req: dict[str, list[Record]] = {}
        for record in self.records:
            for req_id in record.covers():
                by_req.setdefault(req_id, []).append(record)
        out = []
        for req_id, req in self.requirements.items():
            checks = by_req.get(req_id, [])
            if not checks:
                reason = req.not_tested or "no check covers it yet"
                out.append(RequirementResult(req, verdicts.NOT_TESTED, reason, []))
                continue
            judged = [c.requirement_verdict(req_id) for c in checks]
            verdict = verdicts.worst(v for v, _ in judged)
            reasons = [r for v, r in judged if v == verdict and r]
            out.append(
                RequirementResult(req, verdict, reasons[0] if reasons else "", [c.nodeid for c in checks])
            )
        return out

    def to_json(self) -> dict:
        reqs = self.requirement_results()
        return {
            "format": RESULTS_FORMAT,
            "harness": {"name": "rs-harness", "version": __version__},
            "run_id": self.run_id,
            "started": self.started,
            "finished": self.finished,
            "seconds": round(self.finished - self.started, 3),
            "target": self.target,
            "outcome": self.outcome,
            "passed": self.passed,
            "complete": self.complete,
            "interrupted_by": self.interrupted,
            "not_certified": self.not_certified,
            "min_tested": self.min_tested,
            "min_tested_problem": self.too_little_tested(),
            "planned_checks": self.planned,
            "api_family": self.family,
            "other_family_checks": self.left_out,
            "counts": {v: self.counts.get(v, 0) for v in verdicts.VERDICTS},
            "expected_failures": {"file": self.expected_file, "gate_problems": self.gate_problems},
            "requirement_counts": dict(Counter(r.verdict for r in reqs)),
            "requirements": [
                {**r.requirement.to_json(), "verdict": r.verdict, "reason": r.reason, "checks": r.checks}
                for r in reqs
            ],
            "checks": [r.to_json() for r in self.records],
        }

    def write_json(self, directory: str | os.PathLike) -> Path:
        path = Path(directory) / "results.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(REDACTOR.data(self.to_json()), indent=2), encoding="utf-8")
        return path

    def summary_lines(self, verbose: bool = False) -> list[str]:
        """The console summary; its last line is the outcome. `verbose`: every NOT_TESTED and NA reason."""
        if self.not_certified is not None:
            return [self.not_certified]  # the one line saying what to fix; certify adds the outcome
        counts = self.counts
        target = self.target
        lines = [
            (
                f"target: {target.get('name')} at {target.get('url')} (API {target.get('api_version')}, "
                f"profile {target.get('profile')})"
            ),
            "checks: " + "  ".join(f"{v} {counts.get(v, 0)}" for v in verdicts.VERDICTS),
        ]
        if self.family is not None:
            other = next(f for f in FAMILY_GUIDES if f != self.family)
            guide = GUIDES[FAMILY_GUIDES[self.family]].split(" (")[0]
            left = f"; {self.left_out} checks of the API {other} family not run" if self.left_out else ""
            lines.append(f"family: API {self.family}, the requirements of the {guide}{left}")
        reqs = Counter(r.verdict for r in self.requirement_results())
        lines.append("requirements: " + "  ".join(f"{v} {reqs.get(v, 0)}" for v in verdicts.VERDICTS))
        if verbose:
            for record in self.records:
                if record.verdict in (verdicts.NOT_TESTED, verdicts.NA):
                    lines.append(f"{record.verdict} {' '.join(record.requirements)} {record.name}: {record.reason}")
        accepted = [r for r in self.records if r.expected is not None]
        if accepted:
            lines.append(f"accepted by the expected-failures file: {len(accepted)}")
        for record in self.failures[:SUMMARY_FAILS]:
            lines.append(one_line(f"FAIL {' '.join(record.requirements)} {record.name}: {record.reason}"))
        if len(self.failures) > SUMMARY_FAILS:
            lines.append(f"and {len(self.failures) - SUMMARY_FAILS} more: see report.html")
        for problem in self.gate_problems:
            lines.append(one_line(f"GATE {problem}"))
        little = self.too_little_tested()
        if little:
            lines.append(f"FAIL {little}")
        tested, total = self.tested()
        of = f"{tested} of {total} requirements tested"
        outcome = self.outcome
        if outcome == INTERRUPTED:
            ran = f"{len(self.records)} of {self.planned} checks" if self.planned else f"{len(self.records)} checks"
            lines.append(f"verdict: INTERRUPTED (by {self.interrupted} after {ran}; not a certification)")
        elif outcome == PASS:
            lines.append(f"verdict: PASS (nothing FAILed; {of})")
        else:
            why = []
            if self.failures:
                why.append(f"{len(self.failures)} check(s) FAILed")
            if self.gate_problems:
                why.append(f"{len(self.gate_problems)} expected-failures gate problem(s)")
            if little:
                why.append("too little tested")
            lines.append(f"verdict: FAIL ({'; '.join(why + [of])})")
        return lines
