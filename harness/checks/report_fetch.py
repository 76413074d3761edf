"""Fetching reports for the reporting suites of both API families: a report streamed and read child by child
(`collect`), a small one held whole (`small`), the module's reference take of the last seven days (`take`),
the documented window forms over it (`forms`), and the sessions a check acts on (`pick`, `with_instances`,
`settled_sample`), and a recording download judged either way (`download`). The target is live, so a session
is only expected somewhere if nothing about it can have changed since the take (its start, or an end before
it), and sessions new since then are not held against a report.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest
from lxml import etree

from harness import verdicts
from harness.checks import reporting as rpt
from harness.checks.xml import reporting_ok

DAY = rpt.DAY_S


def collect(client, expect, name: str, params: dict, convert) -> list:
    """A report streamed to a spool, validated there, then read child by child through `convert`."""
    response, spool = client.report_stream(name, params)
    with spool:
        rpt.stream_ok(response, spool, expect, rpt.REPORT_ROOTS[name], rpt.answer_req(name, expect))
        return [convert(el) for el in rpt.children(spool)]


def small(client, expect, name: str, params: dict, **options) -> etree._Element:
    """A report small enough to hold (listings, summaries, team, license): its root, validated."""
    response = client.report(name, params, **options)
    return reporting_ok(response, expect, rpt.REPORT_ROOTS[name], rpt.answer_req(name, expect))


def with_problems(el):
    return rpt.session_facts(el), rpt.session_problems(el)


@dataclass
class Taken:
    """A session report of the last seven days, as taken once for the module."""

    params: dict
    before: float
    after: float
    facts: dict[str, rpt.SessionFacts] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def lo(self) -> int:
        return self.params["start_time"]

    def settled(self) -> list[rpt.SessionFacts]:
        return [f for f in self.facts.values() if f.settled(self.before)]


def take(client, expect, name: str, params: dict | None = None) -> Taken:
    """`name` over the last seven days to the present; `params`: the same window as an earlier take."""
    before = time.time()
    params = params or {"start_time": int(before) - 7 * DAY, "duration": 0}
    rows = collect(client, expect, name, params, with_problems)
    taken = Taken(params, before, time.time())
    for facts, problems in rows:
        taken.facts[facts.lsid] = facts
        taken.problems += problems
    return taken


def forms(now: float) -> dict[str, dict]:
    """The documented parameter sets of the session reports, over windows inside the last seven days.
    Date windows span three days: with ±14 h for the appliance's time zone, some sessions are surely in."""
    now = int(now)
    return {
        "start_date": {"start_date": rpt.day(now - 4 * DAY), "duration": 3},
        "start_date_to_present": {"start_date": rpt.day(now - 2 * DAY), "duration": 0},
        "start_time": {"start_time": now - 3 * DAY, "duration": 2 * DAY},
        "start_time_to_present": {"start_time": now - DAY, "duration": 0},
        "end_date": {"end_date": rpt.day(now - 4 * DAY), "duration": 3},
        "end_time": {"end_time": now - 3 * DAY, "duration": 2 * DAY},
        "end_time_to_present": {"end_time": now - DAY, "duration": 0},
    }


FORM_REQS = {"start_date": "-002", "start_time": "-003", "end_date": "-004", "end_time": "-005"}


def form_req(prefix: str, form: str) -> str:
    """The requirement of a window form: the report's start_date, start_time, end_date or end_time rule."""
    return f"{prefix}{FORM_REQS['_'.join(form.split('_')[:2])]}"


def form_params(requirement: str | None = None) -> list:
    """pytest params of the window forms; `requirement`: the report's requirement prefix whose -002..-005
    are its start_date, start_time, end_date and end_time rules."""
    out = []
    for name in forms(0):
        base = "_".join(name.split("_")[:2])
        marks = [pytest.mark.req(f"{requirement}{FORM_REQS[base]}")] if requirement else []
        out.append(pytest.param(name, marks=marks, id=name))
    return out


def most_common(values) -> int | None:
    counted = Counter(v for v in values if v is not None)
    return counted.most_common(1)[0][0] if counted else None


def unknown_lsid() -> str:
    return uuid.uuid4().hex


def pick(entries: dict[str, rpt.ListingEntry], taken: Taken, recorded: bool) -> str | None:
    """A session of `taken` that ended long enough ago, with (or without) a recording per the listing."""
    for facts in taken.settled():
        entry = entries.get(facts.lsid)
        if entry is not None and entry.has_recording == recorded:
            return facts.lsid
    return None


def with_instances(taken: Taken, attribute: str) -> rpt.SessionFacts | None:
    return next((f for f in taken.settled() if getattr(f, attribute)), None)


def settled_sample(taken: Taken, n: int) -> list[str]:
    settled = taken.settled()
    if not settled:
        verdicts.not_tested("no session of the last seven days has ended yet")
    step = max(len(settled) // n, 1)
    return [f.lsid for f in settled[::step][:n]]


def survey_with_problems(el):
    return rpt.survey_facts(el), rpt.survey_problems(el)


def download(client, name: str, params: dict, expect, wanted: bool, absent_req: str | None = None) -> None:
    """A recording that exists is a file (offered as an attachment: RPT-SSR-002); one that does not, an
    <error> (`absent_req`: its rule, None: the check's primary one). A failure keeps the requirement it was
    charged to."""
    response, spool = client.report_stream(name, params)
    try:
        with spool:
            if wanted:
                rpt.media(response, spool.read(512))
                rpt.attachment_advised(response)
            else:
                rpt.download_error(response, spool, expect)
    except verdicts.CheckFailed as exc:
        req = exc.req if exc.req is not None or wanted else absent_req
        raise verdicts.CheckFailed(f"{name} {params}: {exc}", req) from None
