"""Semantic checks of reporting API answers (guide: "Reporting API" and each "Download Reports with ...").

The reference schema says what an answer may look like; these checks say whether it is the RIGHT answer:
a report holds only (and, for sessions known to exist, all) the sessions its parameters select, times
agree with each other, one report agrees with another about the same session, a recording is a file.

Reports may be large, so they are read streamed: `stream_ok` validates the spooled body in flat memory,
`children` then yields the root's children one at a time, namespaces stripped, each freed after use.
Checks FAIL (CheckFailed) with a reason a vendor understands; they never crash on a missing element.
Each condition is charged to the requirement it breaks: the ones shared by several reports (windows,
presence, the time formats) take the caller's `req`; schema and namespace defects go to XML-SCHEMA-002 and
XML-NS-001 (harness.checks.xml).
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import BinaryIO, Self

from lxml import etree

from harness.catalogue import reports as catalogue
from harness.checks.xml import (
    SCHEMA_REQ,
    Expect,
    content_type_xml,
    error_text,
    judge_validity,
    remote_support,
    strip_namespaces,
    xml_answer,
    xml_response,
)
from harness.checks.xml import (
    SERVER_ERROR_REQ as XML_SERVER_ERROR_REQ,
)
from harness.validate import one_line, validate
from harness.verdicts import CheckFailed, defect, warn
from harness.xmlsafe import parser_options

CLOCK_SKEW_S = 300  # how far the appliance's clock may be from ours
DATE_SLACK_S = 14 * 3600  # a date names a day in the appliance's time zone (UTC-12 .. UTC+14), not reported
DAY_S = 86400

SERVER_ERROR_REQ = XML_SERVER_ERROR_REQ["reporting"]  # "it will contain an <error> element …": never a 5xx
TIME_REQ = "RPT-GEN-015"  # ISO 8601 times with a timestamp attribute naming the same instant

# generate_report= -> the root of its successful XML answer (None: the answer is a file)
REPORT_ROOTS: dict[str, str | None] = {r.name: r.root for r in catalogue.REPORTS}
SUCCESS_ROOTS = tuple(sorted({r for r in REPORT_ROOTS.values() if r}))


def answer_req(name: str, expect: Expect) -> str | None:
    """The requirement stating report `name`'s answer in the family judged (an answer with another root
    breaks it, not the calling check's rule): the 21.3 one, or the 12.1 requirement restating it."""
    from harness.catalogue.requirements import FAMILY_GUIDES, counterparts

    req = catalogue.BY_NAME[name].answer_req if name in catalogue.BY_NAME else None
    guide = FAMILY_GUIDES.get(expect.family, "21.3")
    return req if req is None or guide == "21.3" else counterparts(guide).get(req)


def _shown(items: Iterable, limit: int = 5) -> str:
    items = sorted(str(i) for i in items)
    more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more


# --- answers ------------------------------------------------------------------------------------------


def stream_ok(
    response, spool: BinaryIO, expect: Expect, roots: str | tuple[str, ...], root_req: str | None = None
) -> None:
    """A streamed report: valid against the reference schema (flat memory), one of `roots` (another root is
    `root_req`'s defect), not <error>, HTTP 200. The spool is rewound for `children`."""
    roots = (roots,) if isinstance(roots, str) else tuple(roots)
    spool.seek(0)
    result = validate(spool, kind="reporting", api_version=expect.family)
    spool.seek(0)
    if result.status == "unusable":
        raise CheckFailed(
            f"HTTP {response.status_code}: reporting answer unusable: {result.reason}", SCHEMA_REQ["reporting"]
        )
    remote_support(result)
    if result.root == "error" and "error" not in roots:
        text = one_line(spool.read(2000).decode("utf-8", "replace"), 200)
        spool.seek(0)
        raise CheckFailed(f"HTTP {response.status_code} <error> where a report was expected: {text}")
    if result.root not in roots:
        raise CheckFailed(f"root <{result.root}>, expected <{'> or <'.join(roots)}>", root_req)
    judge_validity(result, expect, "reporting")
    content_type_xml(response.headers)
    if response.status_code != 200:
        raise CheckFailed(f"HTTP {response.status_code} for a successful report")


def children(spool: BinaryIO) -> Iterator[etree._Element]:
    """The root's children of a document already validated, one at a time (namespaces stripped); each is
    freed when the caller asks for the next, so a multi-gigabyte report is read in flat memory."""
    spool.seek(0)
    depth = 0
    for event, el in etree.iterparse(spool, events=("start", "end"), **parser_options()):
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth == 1:
            strip_namespaces(el)
            yield el
            el.clear()
            parent = el.getparent()
            while el.getprevious() is not None:
                del parent[0]


def parse_children(body: bytes) -> list[etree._Element]:
    """`children` of a small answer held in memory (tests, small reports)."""
    return list(_copying(children(io.BytesIO(body))))


def _copying(items: Iterator[etree._Element]) -> Iterator[etree._Element]:
    from copy import deepcopy

    for el in items:
        yield deepcopy(el)


def refused(response, expect: Expect) -> str | None:
    """A request the guide's parameter sets do not allow, or a malformed one: a valid <error> (its text).
    WARN (None) of the caller's requirement if a report was answered instead; a server error, an answer
    that is neither a report nor an <error>, or an <error> without a message FAILs RPT-GEN-012; an answer
    invalid against the schema, XML-SCHEMA-002."""
    return refusal_text(response, refusal_root(response, expect))


def refusal_root(response, expect: Expect) -> etree._Element:
    """The answer to a request that must be refused, judged once (schema, namespace): a report or an
    <error>; a server error or anything else FAILs RPT-GEN-012."""
    if response.status_code >= 500:
        raise CheckFailed(
            f"HTTP {response.status_code}: a server error where <error> was expected", SERVER_ERROR_REQ
        )
    try:
        return xml_response(response, expect, "reporting", (*SUCCESS_ROOTS, "error"))
    except CheckFailed as exc:  # an answer that is neither a report nor an <error> (an HTML page)
        raise CheckFailed(str(exc), exc.req or SERVER_ERROR_REQ) from None


def refusal_text(response, root: etree._Element) -> str | None:
    """refused()'s judgement of the answer's root (refusal_root)."""
    if root.tag != "error":
        warn(f"HTTP {response.status_code}: answered <{root.tag}> where an <error> was expected")
        return None
    text = error_text(root)
    if not text:
        raise CheckFailed("<error> without a message", SERVER_ERROR_REQ)
    return text


def not_a_report(response, expect: Expect) -> None:
    """An unauthenticated request: refused (HTTP 401/403, or a valid <error>), never a report or a file
    (the caller's requirement); a server error FAILs RPT-GEN-012."""
    if response.status_code in (401, 403):
        return
    if response.status_code >= 500:
        raise CheckFailed(f"HTTP {response.status_code} to a request without a token", SERVER_ERROR_REQ)
    root = xml_response(response, expect, "reporting", (*SUCCESS_ROOTS, "error"))
    if root.tag != "error":
        raise CheckFailed(f"HTTP {response.status_code} <{root.tag}> answered without a token")


# --- recordings -------------------------------------------------------------------------------------------


def media(response, head: bytes) -> None:
    """A recording download: HTTP 200 and a file body, not XML or HTML (an <error> is the failure form)."""
    ctype = response.headers.get("content-type", "").lower()
    start = head.lstrip()[:200]
    if start.startswith(b"<"):
        shown = one_line(start.decode("utf-8", "replace"), 200)
        raise CheckFailed(
            f"HTTP {response.status_code} {ctype or 'no Content-Type'}: markup, not a recording: {shown}"
        )
    if response.status_code != 200:
        raise CheckFailed(f"HTTP {response.status_code} for a recording download")
    if not head:
        raise CheckFailed("the recording download has an empty body")
    if "xml" in ctype or "html" in ctype:
        raise CheckFailed(f"Content-Type {ctype!r} for a recording file")


def attachment_advised(response) -> None:
    """'this query will either immediately begin download or prompt you to open or save the file': WARN of
    RPT-SSR-002 unless Content-Disposition says attachment."""
    disposition = response.headers.get("content-disposition", "")
    if "attachment" not in disposition.lower():
        warn(
            f"Content-Disposition is {disposition or 'missing'!r}: browsers will not offer to save the file",
            "RPT-SSR-002",
        )


# --- times -------------------------------------------------------------------------------------------------


def iso_instant(text: str, req: str | None = TIME_REQ) -> float | None:
    """The instant an ISO 8601 text names; None when it names no time zone (system time, not comparable)."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CheckFailed(f"{text!r} is not an ISO 8601 time", req) from None
    if value.tzinfo is None:
        return None
    return value.timestamp()


def integer(text: str | None, what: str, req: str | None = None) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        raise CheckFailed(f"{what} is {text!r}, not an integer", req) from None


def agree(text: str, stamp: int, what: str, req: str | None = TIME_REQ) -> None:
    """An ISO 8601 time and its UNIX timestamp attribute name the same instant (`req`: RPT-GEN-015 unless
    the caller's report has its own rule)."""
    instant = iso_instant(text, req)
    if instant is not None and abs(instant - stamp) >= 1:
        raise CheckFailed(
            f"{what}: the ISO 8601 time {text.strip()!r} and the timestamp {stamp} are {instant - stamp:+.0f} s apart",
            req,
        )


def time_of(
    parent: etree._Element, tag: str, required: bool = True, req: str | None = TIME_REQ, present: str | None = None
) -> int | None:
    """<tag timestamp="...">ISO 8601</tag> as a UNIX timestamp; None when the element is empty. The time's
    format is charged to `req`, a missing element to `present` (None: the caller's primary requirement)."""
    el = parent.find(tag)
    if el is None:
        if required:
            raise CheckFailed(f"<{parent.tag}> has no <{tag}>", present)
        return None
    return time_value(el, req)


def time_value(el: etree._Element, req: str | None = TIME_REQ) -> int | None:
    """An element holding an ISO 8601 time with a timestamp attribute; None when it is empty."""
    tag = el.tag
    text, stamp = (el.text or "").strip(), (el.get("timestamp") or "").strip()
    if not text and not stamp:
        return None
    if not stamp:
        raise CheckFailed(f"<{tag}>{text}</{tag}> has no timestamp attribute", req)
    value = integer(stamp, f"<{tag}> timestamp", req)
    if text:
        agree(text, value, f"<{tag}>", req)
    return value


def hms(text: str | None, what: str = "duration", req: str | None = None) -> int:
    """HH:MM:SS as seconds."""
    parts = (text or "").strip().split(":")
    try:
        if len(parts) != 3:
            raise ValueError
        h, m, s = (int(p) for p in parts)
    except ValueError:
        raise CheckFailed(f"<{what}> is {text!r}, not HH:MM:SS", req) from None
    return h * 3600 + m * 60 + s


def utc_midnight(date: str) -> int:
    return int(datetime.strptime(date, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())


def day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class Window:
    """The time window a report's parameters select: over start or end times, [lo, hi] (hi None: up to
    the present). Date windows have `slack`: the appliance reads the date in its own time zone."""

    on: str  # "start" or "end"
    lo: int
    hi: int | None
    slack: int = 0
    days: bool = False

    def possibly(self, ts: int) -> bool:
        """Could `ts` be inside (whatever the appliance's time zone)?"""
        return ts >= self.lo - self.slack and (self.hi is None or ts <= self.hi + self.slack)

    def surely(self, ts: int) -> bool:
        """Is `ts` inside whatever the appliance's time zone (and not on the closing edge)?"""
        return ts >= self.lo + self.slack and (self.hi is None or ts < self.hi - self.slack)

    def __str__(self) -> str:
        hi = "now" if self.hi is None else _iso(self.hi)
        zone = " (± the appliance's time zone)" if self.slack else ""
        return f"{self.on} times from {_iso(self.lo)} to {hi}{zone}"


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_of(params: Mapping[str, object]) -> Window | None:
    """The window of start_date / start_time / end_date / end_time with duration (None if none given)."""
    for name in ("start_date", "start_time", "end_date", "end_time"):
        if name in params:
            on, unit = name.split("_")
            duration = int(params.get("duration", 0))
            if unit == "date":
                lo = utc_midnight(str(params[name]))
                hi = lo + duration * DAY_S if duration else None
                return Window(on, lo, hi, DATE_SLACK_S, days=True)
            lo = int(params[name])
            return Window(on, lo, lo + duration if duration else None)
    return None


# --- sessions (SupportSession, PresentationSession) -------------------------------------------------------


@dataclass(frozen=True)
class SessionFacts:
    """What the checks compare about one <session>."""

    lsid: str
    session_type: str
    lseq: int | None
    start: int
    end: int | None
    duration: int
    site: int | None = None
    external_key: str = ""
    primary_rep: int | None = None
    owners: frozenset[int] = frozenset()  # representatives with session_owner 1 (all, for presentations)
    reps: frozenset[int] = frozenset()
    primary_team: int | None = None
    teams: frozenset[int] = frozenset()
    chat_url: bool = False
    recording_url: bool = False
    show_my_screen: tuple[int, ...] = ()
    command_shell: tuple[int, ...] = ()
    presentation: bool = False  # a PresentationSession <session> (it has an <attendee_list>)

    @property
    def report_req(self) -> str:
        """The requirement of the report's elements (RPT-SS-001 or RPT-PS-001)."""
        return "RPT-PS-001" if self.presentation else "RPT-SS-001"

    @property
    def duration_req(self) -> str:
        """The requirement of <duration> and <end_time> (RPT-SS-012 or RPT-PS-005)."""
        return "RPT-PS-005" if self.presentation else "RPT-SS-012"

    def settled(self, before: float) -> bool:
        """Ended before `before` (give or take the clock skew): nothing about it changes any more."""
        return self.end is not None and self.end <= before - CLOCK_SKEW_S


def _ids(elements: Iterable[etree._Element], attribute: str, what: str, req: str | None = None) -> list[int]:
    return [integer(e.get(attribute), f"{what} {attribute}", req) for e in elements]


def _optional_id(parent: etree._Element, tag: str, req: str | None = None) -> int | None:
    el = parent.find(tag)
    return None if el is None else integer(el.get("id"), f"<{tag}> id", req)


def _is_presentation(el: etree._Element) -> bool:
    return el.find("attendee_list") is not None or (el.findtext("session_type") or "").strip() == "presentation"


def session_facts(el: etree._Element) -> SessionFacts:
    """The facts of a <session>: its elements charged to RPT-SS-001 (RPT-PS-001 for a presentation), its
    times to RPT-GEN-015, its <duration> to RPT-SS-012 (RPT-PS-005)."""
    presentation = _is_presentation(el)
    req = "RPT-PS-001" if presentation else "RPT-SS-001"
    lsid = (el.get("lsid") or "").strip()
    if not lsid:
        raise CheckFailed("a <session> without an lsid attribute", req)
    start = time_of(el, "start_time", present=req)
    if start is None:
        raise CheckFailed(f"session {lsid}: empty <start_time>", req)
    reps = el.findall("rep_list/representative")
    owners = [r for r in reps if presentation or (r.findtext("session_owner") or "").strip() == "1"]
    lseq = (el.findtext("lseq") or "").strip()
    return SessionFacts(
        lsid=lsid,
        session_type=(el.findtext("session_type") or "").strip(),
        lseq=integer(lseq, f"session {lsid} <lseq>", req) if lseq else None,
        start=start,
        end=time_of(el, "end_time", present=req),
        duration=hms(
            el.findtext("duration"), f"duration> of session {lsid}", "RPT-PS-005" if presentation else "RPT-SS-012"
        ),
        site=_optional_id(el, "public_site", req),
        external_key=(el.findtext("external_key") or "").strip(),
        primary_rep=_optional_id(el, "primary_rep", req),
        owners=frozenset(_ids(owners, "id", "<representative>", req)),
        reps=frozenset(_ids(reps, "id", "<representative>", req)),
        primary_team=_optional_id(el, "primary_team", req),
        teams=frozenset(_ids(el.findall("team_list/team"), "id", "<team>", req)),
        chat_url=el.find("session_chat_download_url") is not None
        or el.find("session_chat_view_url") is not None,
        recording_url=el.find("session_recording_download_url") is not None,
        show_my_screen=tuple(
            _ids(el.findall("show_my_screen_recordings/show_my_screen_recording"), "instance", "recording", req)
        ),
        command_shell=tuple(
            _ids(el.findall("command_shell_recordings/command_shell_recording"), "instance", "recording", req)
        ),
        presentation=presentation,
    )


class Problem(str):
    """A contradiction within one report element: its reason, and the requirement it breaks (`req`)."""

    req: str | None

    def __new__(cls, reason: str, req: str | None = None) -> Self:
        problem = super().__new__(cls, reason)
        problem.req = req
        return problem


def session_problems(el: etree._Element) -> list[Problem]:
    """What a <session> says that contradicts itself (the schema cannot tie one element to another), each
    problem with the requirement it breaks: URLs of an unended session RPT-SS-013, the final owner, team and
    customer RPT-SS-014, recording instances RPT-SS-015, <session_details> RPT-SS-016 (for a presentation,
    RPT-PS-005 for URLs and details, RPT-PS-001 for the rest)."""
    try:
        facts = session_facts(el)
    except CheckFailed as exc:
        return [Problem(str(exc), exc.req)]
    lsid, out = facts.lsid, []
    pres = facts.presentation
    urls_req, owner_req = ("RPT-PS-005", "RPT-PS-001") if pres else ("RPT-SS-013", "RPT-SS-014")
    instances_req, details_req = ("RPT-PS-001", "RPT-PS-005") if pres else ("RPT-SS-015", "RPT-SS-016")
    if facts.end is None:
        for tag in ("session_chat_view_url", "session_chat_download_url", "session_recording_view_url",
                    "session_recording_download_url"):  # fmt: skip
            if el.find(tag) is not None:
                out.append(Problem(f"session {lsid} has not ended (empty <end_time>) but has <{tag}>", urls_req))
    reps = el.findall("rep_list/representative")
    flagged = [r for r in reps if (r.findtext("primary_rep") or "").strip() == "1"]
    primary = el.find("primary_rep")
    if len(flagged) > 1:
        out.append(
            Problem(f"session {lsid}: {len(flagged)} representatives have <primary_rep>1</primary_rep>", owner_req)
        )
    if primary is not None:
        key = (primary.get("id"), primary.get("gsnumber"))
        if not any((r.get("id"), r.get("gsnumber")) == key for r in flagged):
            out.append(Problem(
                f"session {lsid}: <primary_rep id={key[0]} gsnumber={key[1]}> is not the <rep_list> representative"
                " with <primary_rep>1</primary_rep>", owner_req,
            ))  # fmt: skip
    for r in flagged:
        if (r.findtext("session_owner") or "1").strip() == "0":
            out.append(Problem(
                f"session {lsid}: representative {r.get('id')} has <primary_rep>1</primary_rep> (the final owner)"
                " but <session_owner>0</session_owner>", owner_req,
            ))  # fmt: skip
    if primary is None and flagged and el.find("attendee_list") is None:
        out.append(Problem(
            f"session {lsid}: a representative has <primary_rep>1</primary_rep> but <primary_rep> is absent",
            owner_req,
        ))  # fmt: skip
    teams = [t for t in el.findall("team_list/team") if (t.get("primary_team") or "").strip() == "1"]
    if len(teams) > 1:
        out.append(Problem(f"session {lsid}: {len(teams)} teams have primary_team=1", owner_req))
    team = el.find("primary_team")
    if team is not None and not any(t.get("id") == team.get("id") for t in teams):
        out.append(Problem(
            f"session {lsid}: <primary_team id={team.get('id')}> is not the team_list team with primary_team=1",
            owner_req,
        ))  # fmt: skip
    if team is None and teams:
        out.append(Problem(
            f"session {lsid}: team {teams[0].get('id')} has primary_team=1 but <primary_team> is absent", owner_req
        ))  # fmt: skip
    customer = el.find("primary_customer")
    if customer is not None:
        numbers = {c.get("gsnumber") for c in el.findall("customer_list/customer")}
        if customer.get("gsnumber") not in numbers:
            out.append(Problem(
                f"session {lsid}: <primary_customer gsnumber={customer.get('gsnumber')}> is no <customer> of"
                " <customer_list>", owner_req,
            ))  # fmt: skip
    for what, instances in (("show_my_screen", facts.show_my_screen), ("command_shell", facts.command_shell)):
        if instances and sorted(instances) not in ([*range(len(instances))], [*range(1, len(instances) + 1)]):
            out.append(Problem(
                f"session {lsid}: <{what}_recording> instances {sorted(instances)} are not numbered 0, 1, ...",
                instances_req,
            ))  # fmt: skip
    stamps = [e.get("timestamp") or "" for e in el.findall("session_details/event")]
    try:
        values = [int(s) for s in stamps]
    except ValueError:
        values = []
        out.append(Problem(f"session {lsid}: an event timestamp is not an integer", details_req))
    for before, after in itertools.pairwise(values):
        if after < before:
            out.append(
                Problem(f"session {lsid}: <session_details> is not chronological ({before} then {after})", details_req)
            )
            break
    return out


def no_problems(problems: Iterable[str]) -> None:
    """A FAIL (defect: the check goes on) of each requirement the problems break, listing its first three;
    a plain string is charged to the check's primary requirement."""
    by_req: dict[str | None, list[str]] = {}
    for problem in problems:
        by_req.setdefault(getattr(problem, "req", None), []).append(str(problem))
    for req, reasons in by_req.items():
        more = f" (+{len(reasons) - 3} more)" if len(reasons) > 3 else ""
        defect("; ".join(reasons[:3]) + more, req)


def duration_agrees(facts: SessionFacts, asked_before: float) -> None:
    """<duration> is the session's length: end - start once ended (±1 s); at most the time since its start
    (plus the clock skew) while in progress. Charged to RPT-SS-012 (RPT-PS-005 for a presentation)."""
    if facts.end is not None:
        length = facts.end - facts.start
        if abs(facts.duration - length) > 1:
            raise CheckFailed(
                f"session {facts.lsid}: <duration> {_hms(facts.duration)} but it ran {_hms(length)}"
                f" (start {facts.start}, end {facts.end})",
                facts.duration_req,
            )
        return
    bound = asked_before + CLOCK_SKEW_S - facts.start
    if facts.duration > bound:
        raise CheckFailed(
            f"session {facts.lsid} is in progress since {facts.start} but <duration> is {_hms(facts.duration)}",
            facts.duration_req,
        )


def session_type_is(facts: SessionFacts, expected: str) -> None:
    """<session_type> is support in SupportSession (RPT-SS-011), presentation in PresentationSession
    (RPT-PS-004)."""
    if facts.session_type != expected:
        raise CheckFailed(
            f"session {facts.lsid}: <session_type>{facts.session_type}</session_type>",
            "RPT-PS-004" if expected == "presentation" else "RPT-SS-011",
        )


def _hms(seconds: int) -> str:
    seconds = max(int(seconds), 0)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def in_window(facts: SessionFacts, win: Window, req: str | None = None) -> None:
    """A session a window returned lies in it: its start (start_*), or its end (end_*: closed sessions).
    `req`: the requirement of the window's parameter (None: the caller's primary one)."""
    if win.on == "start":
        if not win.possibly(facts.start):
            raise CheckFailed(
                f"session {facts.lsid} started at {_iso(facts.start)}, outside the asked {win}", req
            )
        return
    if facts.end is None:
        warn(f"session {facts.lsid} has an empty <end_time> in a report of closed sessions ({win})", req)
        return
    if not win.possibly(facts.end):
        raise CheckFailed(f"session {facts.lsid} ended at {_iso(facts.end)}, outside the asked {win}", req)


def expected_in(win: Window, facts: SessionFacts, before: float) -> bool:
    """Must a report for `win` hold this session, known from an earlier report? Starts never change;
    ends only count for sessions that ended before that report (settled)."""
    if win.on == "start":
        return win.surely(facts.start)
    return facts.settled(before) and win.surely(facts.end)


# all_present, only, unique and known_in_window serve every report: the caller names the requirement
# (`req`, None: its primary one).


def all_present(found: Iterable[str], expected: Iterable[str], what: str, req: str | None = None) -> None:
    missing = set(expected) - set(found)
    if missing:
        raise CheckFailed(f"{what}: {len(missing)} session(s) missing: {_shown(missing)}", req)


def only(found: list[str], asked: Iterable[str], what: str, req: str | None = None) -> None:
    """A report for lsid(s) holds only those sessions, each once."""
    asked = set(asked)
    extra = [lsid for lsid in found if lsid.lower() not in {a.lower() for a in asked}]
    if extra:
        raise CheckFailed(f"{what} asked for {_shown(asked)} but returned {_shown(extra)} as well", req)
    twice = {lsid for lsid in found if found.count(lsid) > 1}
    if twice:
        raise CheckFailed(f"{what} returned session(s) {_shown(twice)} more than once", req)


def unique(found: list[str], what: str, req: str | None = None) -> None:
    twice = {x for x in found if found.count(x) > 1}
    if twice:
        raise CheckFailed(f"{what}: {_shown(twice)} listed more than once", req)


# limit=: "rep:[id]", "team:[all]", "team:[id]", "members:[id]", "site:[id]", "all"


def limit_holds(facts: SessionFacts, limit: str, presentation: bool = False) -> None:
    """A session a `limit` returned is one that limit selects (members:[id] needs team membership, which
    the report does not say: not checked). Charged to RPT-SS-008 (RPT-PS-007 for presentations)."""
    kind, _, arg = limit.partition(":")
    reason = None
    if kind == "rep" and not presentation:
        if int(arg) not in facts.owners and facts.primary_rep != int(arg):
            reason = f"is not owned by representative {arg} (owners {_shown(facts.owners) or 'none'})"
    elif kind == "rep":
        if int(arg) not in facts.reps:
            reason = f"has no presenter {arg} (representatives {_shown(facts.reps) or 'none'})"
    elif kind == "team" and arg == "all" and not presentation:
        if not facts.teams and facts.primary_team is None:
            reason = "belongs to no team"
    elif kind == "team" and not presentation:
        if int(arg) not in facts.teams and facts.primary_team != int(arg):
            reason = f"never belonged to team {arg} (teams {_shown(facts.teams) or 'none'})"
    elif kind == "site" and not presentation and facts.site != int(arg):
        reason = f"ran through public site {facts.site}"
    if reason:
        raise CheckFailed(
            f"limit={limit} returned session {facts.lsid}, which {reason}",
            "RPT-PS-007" if presentation else "RPT-SS-008",
        )


def limit_selects(facts: SessionFacts, limit: str) -> bool:
    """Must `limit` return this session (support sessions)? Only the cases no reading of the guide
    disputes: its final owner, its final team, its site."""
    kind, _, arg = limit.partition(":")
    if kind == "all":
        return True
    if kind == "rep":
        return facts.primary_rep == int(arg)
    if kind == "team":
        return facts.primary_team is not None if arg == "all" else facts.primary_team == int(arg)
    if kind == "site":
        return facts.site == int(arg)
    return False


# --- listings (SupportSessionListing, PresentationSessionListing) -----------------------------------------


@dataclass(frozen=True)
class ListingEntry:
    lsid: str
    has_recording: bool
    external_key: str | None = None
    lseq: int | None = None


def listing_entries(items: Iterable[etree._Element]) -> dict[str, ListingEntry]:
    """The entries of SupportSessionListing (charged to RPT-SSL-001, has_recording RPT-SSL-003, <lseq>
    RPT-SSL-005) or PresentationSessionListing (RPT-PSL-001, has_recording RPT-PSL-003)."""
    out: dict[str, ListingEntry] = {}
    for el in items:
        pres = el.tag == "presentation_summary"
        req, flag_req = ("RPT-PSL-001", "RPT-PSL-003") if pres else ("RPT-SSL-001", "RPT-SSL-003")
        lsid = (el.get("lsid") or "").strip()
        if not lsid:
            raise CheckFailed(f"a <{el.tag}> without an lsid attribute", req)
        if lsid in out:
            raise CheckFailed(f"session {lsid} listed more than once", req)
        flag = (el.get("has_recording") or "").strip()
        if flag not in ("0", "1"):
            raise CheckFailed(f"session {lsid}: has_recording is {flag!r}, not 1 or 0", flag_req)
        lseq = (el.findtext("lseq") or "").strip()
        lseq_req = "RPT-PSL-001" if pres else "RPT-SSL-005"
        out[lsid] = ListingEntry(
            lsid, flag == "1", el.get("external_key"), integer(lseq, f"{lsid} <lseq>", lseq_req) if lseq else None
        )
    return out


def listing_agrees(entry: ListingEntry, facts: SessionFacts) -> None:
    """A listing entry says what the full report says of the same session: lseq and external key (the
    attribute is "displayed only if an external key has been defined"). Each is a defect of its own
    requirement (RPT-SSL-005, RPT-SSL-004): the other is still judged."""
    if entry.lseq is not None and facts.lseq is not None and entry.lseq != facts.lseq:
        defect(
            f"session {entry.lsid}: <lseq> {entry.lseq} in the listing, {facts.lseq} in the report", "RPT-SSL-005"
        )
    key = (entry.external_key or "").strip()
    if facts.external_key and key != facts.external_key:
        defect(
            f"session {entry.lsid}: external_key {entry.external_key!r} in the listing,"
            f" {facts.external_key!r} in the report",
            "RPT-SSL-004",
        )
    if not facts.external_key and key:
        defect(f"session {entry.lsid}: external_key {key!r} in the listing, none in the report", "RPT-SSL-004")


def recording_flag_agrees(entry: ListingEntry, facts: SessionFacts) -> None:
    """has_recording 1 exactly when the full report (to an account allowed to see recordings) gives an
    ended session's recording URL."""
    if facts.end is None or entry.has_recording == facts.recording_url:
        return
    said = "has" if facts.recording_url else "has no"
    raise CheckFailed(
        f"session {entry.lsid}: has_recording={int(entry.has_recording)} but the report {said}"
        " <session_recording_download_url>",
        "RPT-SSL-006",
    )


# --- SupportSessionSummary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    id: int
    display_name: str
    total: int
    per_weekday: float
    avg_duration: int


def summaries(items: Iterable[etree._Element], report_type: str) -> dict[int, Summary]:
    """The <summary> elements: type and id (one per ID) RPT-SSS-002, <total_sessions> RPT-SSS-003,
    <avg_duration> RPT-SSS-004, the rest RPT-SSS-001."""
    out: dict[int, Summary] = {}
    for el in items:
        ident = integer(el.get("id"), "<summary> id", "RPT-SSS-002")
        if (el.get("type") or "").strip() != report_type:
            raise CheckFailed(
                f"<summary id={ident}> has type {el.get('type')!r} in a report_type={report_type} report",
                "RPT-SSS-002",
            )
        if ident in out:
            raise CheckFailed(f"two <summary> elements for {report_type} {ident}", "RPT-SSS-002")
        try:
            per_weekday = float((el.findtext("avg_sessions_per_weekday") or "").strip())
        except ValueError:
            raise CheckFailed(
                f"<summary id={ident}> avg_sessions_per_weekday is not a number", "RPT-SSS-001"
            ) from None
        out[ident] = Summary(
            ident,
            (el.findtext("display_name") or "").strip(),
            integer(el.findtext("total_sessions"), f"<summary id={ident}> total_sessions", "RPT-SSS-003"),
            per_weekday,
            hms(el.findtext("avg_duration"), "avg_duration", "RPT-SSS-004"),
        )
    return out


def _bounds(
    report_type: str, ident: int, first: list[SessionFacts], first_before: float, second: list[SessionFacts]
) -> tuple[int, int]:
    """Least and most sessions `ident` may count in a summary taken between the session reports `first`
    (asked at `first_before`) and `second`, whether "run by" means the final owner or any owner. Least: the
    sessions of `first` it surely counts (a site's every one: none leaves a window to the present; a
    representative's or team's, those it finally owned once settled). Most: the sessions of `second` it
    took part in (a session's representatives and teams only grow, so one it joins later is also allowed)."""
    if report_type == "site":
        return sum(1 for s in first if s.site == ident), sum(1 for s in second if s.site == ident)
    if report_type == "rep":
        low = sum(1 for s in first if s.settled(first_before) and s.primary_rep == ident)
        return low, sum(1 for s in second if ident in s.reps or s.primary_rep == ident)
    low = sum(1 for s in first if s.settled(first_before) and s.primary_team == ident)
    return low, sum(1 for s in second if ident in s.teams or s.primary_team == ident)


def _summary_ids(report_type: str, s: SessionFacts, everyone: bool) -> set[int]:
    """The ids a session may count for: its site, or its final owner (`everyone`: and every representative
    or team it had)."""
    if report_type == "site":
        ids = {s.site}
    elif report_type == "rep":
        ids = {s.primary_rep} | (set(s.reps) if everyone else set())
    else:
        ids = {s.primary_team} | (set(s.teams) if everyone else set())
    return ids - {None}


def summary_totals(
    found: dict[int, Summary],
    report_type: str,
    first: list[SessionFacts],
    first_before: float,
    second: list[SessionFacts],
) -> None:
    """<total_sessions> counts the sessions of the window, judged against the same window's session reports
    taken right before (`first`, asked at `first_before`) and right after (`second`) the summary. Each id's
    bounds (_bounds) come only from sessions that id took part in, so sessions that others ran meanwhile
    (earlier checks, other users) widen no one else's: the verdict does not depend on check order."""
    ids = set(found)
    for s in first:
        if report_type == "site" or s.settled(first_before):
            ids |= _summary_ids(report_type, s, everyone=False)
    for s in second:
        ids |= _summary_ids(report_type, s, everyone=True)
    for ident in sorted(ids):
        low, high = _bounds(report_type, ident, first, first_before, second)
        total = found[ident].total if ident in found else 0
        if not low <= total <= high:
            span = f"{low}" if low == high else f"{low} to {high}"
            where = f"<total_sessions> {total}" if ident in found else "no <summary>"
            raise CheckFailed(
                f"{report_type} {ident}: {where}, but the session reports around it give {span}",
                "RPT-SSS-003",
            )


def summary_average(found: dict[int, Summary], sessions: list[SessionFacts], before: float) -> None:
    """report_type=site: <avg_duration> is the mean length of the site's sessions, when all have ended."""
    for ident, summary in found.items():
        own = [s for s in sessions if s.site == ident]
        if not own or not all(s.settled(before) for s in own):
            continue
        mean = sum(s.end - s.start for s in own) / len(own)
        if abs(summary.avg_duration - mean) > 1:
            raise CheckFailed(
                f"site {ident}: <avg_duration> {_hms(summary.avg_duration)}, but its {len(own)} session(s)"
                f" average {_hms(round(mean))}",
                "RPT-SSS-004",
            )


# --- exit surveys ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SurveyFacts:
    lsid: str
    ts: int
    submitted_by: str
    site: int | None
    primary_rep: int | None
    primary_team: int | None


SINGLE_ANSWER = ("radio", "text", "textarea")


def survey_facts(el: etree._Element) -> SurveyFacts:
    """An <exit_survey>'s facts (RPT-SVY-001; its ts RPT-SVY-007)."""
    lsid = (el.get("lsid") or "").strip()
    if not lsid:
        raise CheckFailed("an <exit_survey> without an lsid attribute", "RPT-SVY-001")
    submitted = el.find("submitted_by")
    return SurveyFacts(
        lsid,
        integer(el.get("ts"), f"exit survey {lsid} ts", "RPT-SVY-007"),
        "" if submitted is None else (submitted.get("type") or "").strip(),
        _optional_id(el, "public_site", "RPT-SVY-001"),
        _optional_id(el, "primary_rep", "RPT-SVY-001"),
        _optional_id(el, "primary_team", "RPT-SVY-001"),
    )


def survey_problems(el: etree._Element) -> list[Problem]:
    """Answer counts per question type; primary rep and team among the session's lists (RPT-SVY-008)."""
    lsid, out, req = el.get("lsid"), [], "RPT-SVY-008"
    for q in el.findall("question_list/question"):
        kind = (q.findtext("type") or "").strip()
        answers = q.findall("answer_list/answer")
        if kind in SINGLE_ANSWER and len(answers) > 1:
            out.append(Problem(
                f"exit survey {lsid}: {kind} question {q.get('id')} has {len(answers)} answers (at most one)", req
            ))  # fmt: skip
    rep = el.find("primary_rep")
    if rep is not None and rep.get("id") not in {r.get("id") for r in el.findall("rep_list/representative")}:
        out.append(Problem(f"exit survey {lsid}: <primary_rep id={rep.get('id')}> is not in <rep_list>", req))
    team = el.find("primary_team")
    if team is not None and team.get("id") not in {t.get("id") for t in el.findall("team_list/team")}:
        out.append(Problem(f"exit survey {lsid}: <primary_team id={team.get('id')}> is not in <team_list>", req))
    return out


def survey_kind(facts: SurveyFacts, expected: str) -> None:
    """SupportCustExitSurvey holds customer surveys (submitted_by type cust), SupportRepExitSurvey rep ones."""
    if facts.submitted_by != expected:
        raise CheckFailed(
            f"exit survey {facts.lsid}: <submitted_by type={facts.submitted_by!r}>, expected {expected!r}",
            "RPT-SVY-006",
        )


def survey_filter_holds(facts: SurveyFacts, report_type: str, ident: str, site_id: int | None = None) -> None:
    """report_type=rep: "the representative who last owned the session"; team: the last team; id=all: any;
    site_id: "Only surveys whose support sessions are associated with the given public site"."""
    if ident != "all":
        owner = facts.primary_rep if report_type == "rep" else facts.primary_team
        if owner != int(ident):
            raise CheckFailed(
                f"report_type={report_type}&id={ident} returned the survey of session {facts.lsid},"
                f" whose last {'representative' if report_type == 'rep' else 'team'} is {owner}",
                "RPT-SVY-004",
            )
    if site_id is not None and facts.site != site_id:
        raise CheckFailed(
            f"site_id={site_id} returned the survey of session {facts.lsid}, of public site {facts.site}",
            "RPT-SVY-005",
        )


def survey_in_window(facts: SurveyFacts, win: Window, session: SessionFacts | None) -> None:
    """ts is the session's start: in the window for start_*; end_* uses the session's end, when known
    (RPT-SVY-002)."""
    if win.on == "start":
        if not win.possibly(facts.ts):
            raise CheckFailed(
                f"exit survey {facts.lsid} (session start {_iso(facts.ts)}) is outside the asked {win}",
                "RPT-SVY-002",
            )
    elif session is not None and session.end is not None and not win.possibly(session.end):
        raise CheckFailed(
            f"exit survey {facts.lsid}: its session ended at {_iso(session.end)}, outside the asked {win}",
            "RPT-SVY-002",
        )


def survey_start_agrees(facts: SurveyFacts, session: SessionFacts) -> None:
    if facts.ts != session.start:
        raise CheckFailed(
            f"exit survey {facts.lsid}: ts {facts.ts}, but SupportSession gives the session's start as {session.start}",
            "RPT-SVY-007",
        )


# --- SupportTeam ----------------------------------------------------------------------------------------------


@dataclass
class TeamActivity:
    id: int
    name: str
    events: list[tuple[int, str]] = field(default_factory=list)
    support_teams: list[str] = field(default_factory=list)  # values of <value name="support_teams">


@dataclass
class TeamReport:
    start: int | None = None
    end: int | None = None
    teams: dict[int, TeamActivity] = field(default_factory=dict)


def team_report(items: Iterable[etree._Element]) -> TeamReport:
    """A SupportTeam report: one <team_activity> per team (RPT-ST-001), its <start_time> and <end_time>
    (RPT-ST-002; their format RPT-GEN-015)."""
    report = TeamReport()
    for el in items:
        if el.tag in ("start_time", "end_time"):
            setattr(report, el.tag.removesuffix("_time"), time_value(el))
        elif el.tag == "team_activity":
            ident = integer(el.get("id"), "<team_activity> id", "RPT-ST-001")
            if ident in report.teams:
                raise CheckFailed(f"two <team_activity> elements for team {ident}", "RPT-ST-001")
            team = TeamActivity(ident, el.get("name") or "")
            for e in el.findall("events/event"):
                team.events.append(
                    (integer(e.get("timestamp"), "event timestamp", "RPT-ST-001"), e.get("event_type") or "")
                )
                team.support_teams += [
                    v.get("value") or "" for v in e.findall("data/value[@name='support_teams']")
                ]
            report.teams[ident] = team
    if report.start is None or report.end is None:
        raise CheckFailed("<team_activity_list> without its <start_time> and <end_time>", "RPT-ST-002")
    return report


def echoes_window(
    start: int, end: int, win: Window, asked_before: float, asked_after: float, req: str | None = None
) -> None:
    """<start_time>/<end_time> display "the time parameters": the asked start, and start + duration (or
    the present, for duration 0). Dates are read in the appliance's time zone (a whole quarter hour off
    UTC midnight, at most 14 h). `req`: the report's rule (RPT-ST-002, RPT-LU-002)."""
    if win.days:
        offset = start - win.lo
        if abs(offset) > DATE_SLACK_S or offset % 900:
            raise CheckFailed(
                f"<start_time> {_iso(start)} is not the start of the asked day {_iso(win.lo)[:10]}", req
            )
        if win.hi is not None and abs((end - start) - (win.hi - win.lo)) > 3600:
            raise CheckFailed(
                f"<end_time> {_iso(end)} is not {(win.hi - win.lo) // DAY_S} day(s) after <start_time>", req
            )
    else:
        if start != win.lo:
            raise CheckFailed(f"<start_time timestamp={start}>, but start_time={win.lo} was asked", req)
        if win.hi is not None and end != win.hi:
            raise CheckFailed(f"<end_time timestamp={end}>, but the window asked ends at {win.hi}", req)
    if win.hi is None and not asked_before - CLOCK_SKEW_S <= end <= asked_after + CLOCK_SKEW_S:
        raise CheckFailed(f"duration=0 (to the present), but <end_time> is {_iso(end)}", req)


def team_events_within(report: TeamReport, team_id: int | None = None) -> None:
    """Every event lies within the report's own <start_time>..<end_time> (RPT-ST-003); team_id: only that
    team (RPT-ST-004)."""
    for team in report.teams.values():
        if team_id is not None and team.id != team_id:
            raise CheckFailed(f"team_id={team_id} returned the activity of team {team.id}", "RPT-ST-004")
        for ts, kind in team.events:
            if not report.start <= ts <= report.end:
                raise CheckFailed(
                    f"team {team.id}: a {kind!r} event at {_iso(ts)} outside {_iso(report.start)}..{_iso(report.end)}",
                    "RPT-ST-003",
                )


def support_teams_delimiter(report: TeamReport) -> None:
    """ "The XML data returned for the value of the element named support_teams includes an extra ;
    delimiter at the beginning of the data stream.\""""
    for team in report.teams.values():
        for value in team.support_teams:
            if value and not value.startswith(";"):
                raise CheckFailed(
                    f"team {team.id}: support_teams value {value!r} does not begin with ';'", "RPT-ST-005"
                )


# --- LicenseUsage ---------------------------------------------------------------------------------------------


@dataclass
class LicenseReport:
    start: int | None = None
    end: int | None = None
    group_by: str = ""
    intervals: list[tuple[int, dict[tuple[str, str], int]]] = field(default_factory=list)


def license_report(items: Iterable[etree._Element]) -> LicenseReport:
    """A LicenseUsage report: its elements RPT-LU-001, an interval's datetime against its timestamp
    RPT-LU-002, one count per license type and reason RPT-LU-003."""
    report = LicenseReport()
    for el in items:
        if el.tag in ("start_time", "end_time"):
            setattr(report, el.tag.removesuffix("_time"), time_value(el))
        elif el.tag == "group_by":
            report.group_by = (el.text or "").strip()
        elif el.tag == "license_time_intervals":
            for interval in el.findall("license_time_interval"):
                ts = integer(interval.get("timestamp"), "<license_time_interval> timestamp", "RPT-LU-002")
                if interval.get("datetime"):
                    agree(interval.get("datetime"), ts, "<license_time_interval> datetime", "RPT-LU-002")
                counts: dict[tuple[str, str], int] = {}
                for c in interval.findall("license_count"):
                    key = (c.get("license_type") or "", c.get("reason") or "")
                    if key in counts:
                        raise CheckFailed(f"interval {ts}: license_count {key} given twice", "RPT-LU-003")
                    counts[key] = integer(c.text, "<license_count>", "RPT-LU-001")
                report.intervals.append((ts, counts))
    if report.start is None or report.end is None:
        raise CheckFailed("<license_usage> without its <start_time> and <end_time>", "RPT-LU-001")
    return report


PERIOD_S = {"hour": 3600, "day": DAY_S, "month": 31 * DAY_S}


def license_rules(report: LicenseReport, group_by: str) -> None:
    """group_by echoed; intervals within <start_time>..<end_time>; "If no reason is listed, the license
    count is the total number of licenses in use" (so no reason's count exceeds it); one peak per period
    and license type (a period may straddle the window's edges and the appliance's time zone). The echo
    and the window are RPT-LU-002, the counts RPT-LU-003."""
    if report.group_by != group_by:
        raise CheckFailed(
            f"<group_by>{report.group_by}</group_by>, but group_by={group_by} was asked", "RPT-LU-002"
        )
    per_type: dict[str, int] = {}
    for ts, counts in report.intervals:
        if not report.start <= ts <= report.end:
            raise CheckFailed(
                f"a <license_time_interval> at {_iso(ts)} outside {_iso(report.start)}..{_iso(report.end)}",
                "RPT-LU-002",
            )
        for (kind, reason), count in counts.items():
            total = counts.get((kind, ""))
            if reason and total is not None and count > total:
                raise CheckFailed(
                    f"interval {_iso(ts)}: {reason} count {count} exceeds the {kind} total {total}",
                    "RPT-LU-003",
                )
            if not reason:
                per_type[kind] = per_type.get(kind, 0) + 1
    periods = (report.end - report.start) // PERIOD_S[group_by] + 3
    for kind, n in per_type.items():
        if n > periods:
            raise CheckFailed(
                f"{n} {kind} intervals grouped by {group_by} over {_iso(report.start)}..{_iso(report.end)}",
                "RPT-LU-003",
            )


def known_in_window(
    found: Iterable[str], known: Mapping[str, SessionFacts], win: Window, what: str, req: str | None = None
) -> None:
    """A report without times (a listing, a survey by lsid) holds only sessions of its window: judged by
    what an earlier report said of them (a session since ended is judged by its end only if it had)."""
    for lsid in found:
        facts = known.get(lsid)
        if facts is None:
            continue  # new since: nothing known to judge by
        if win.on == "start" and not win.possibly(facts.start):
            raise CheckFailed(
                f"{what} lists session {lsid}, which started at {_iso(facts.start)}, outside the asked {win}",
                req,
            )
        if win.on == "end" and facts.end is not None and not win.possibly(facts.end):
            raise CheckFailed(
                f"{what} lists session {lsid}, which ended at {_iso(facts.end)}, outside the asked {win}",
                req,
            )


@dataclass
class Body:
    """A small downloaded body with the response's status and headers (what the XML checks read)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes


def download_error(response, spool: BinaryIO, expect: Expect) -> str:
    """A download that must fail (no such recording or archive, no permission): a valid <error>, not a
    file (the caller's requirement); a server error or an <error> without a message FAILs RPT-GEN-012."""
    if response.status_code >= 500:
        raise CheckFailed(
            f"HTTP {response.status_code}: a server error where the guide documents <error>", SERVER_ERROR_REQ
        )
    spool.seek(0, io.SEEK_END)
    size = spool.tell()
    spool.seek(0)
    head = spool.read(512)
    spool.seek(0)
    if not head.lstrip().startswith(b"<"):
        ctype = response.headers.get("content-type", "no Content-Type")
        raise CheckFailed(
            f"HTTP {response.status_code}: a {size}-byte file ({ctype}) where an <error> was expected"
        )
    text = error_text(xml_answer(spool.read(1 << 20), expect, "reporting", "error"))
    content_type_xml(response.headers)
    if not text:
        raise CheckFailed("<error> without a message", SERVER_ERROR_REQ)
    return text
