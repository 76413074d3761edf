"""The reporting API at /api/reporting (and /api/reporting.ns), answered from the history store.

Guide, "Reporting API": GET or POST (form-encoded body, multipart refused), `generate_report=` names the
report; each report needs its permission (perm_reporting_support, _presentation, _license, _archive).

Choices where the guide is silent: every failure is a root <error> in the reporting namespace; HTTP 400 for
a malformed request (no or unknown report, missing, conflicting or malformed parameters), 403 when the
account lacks the report's permission, 413 for a body over 1 MiB, 200 for the documented "nothing found"
answers of the file downloads ("No recording found ...", "No archives found for the given search
criteria."), 403 for ArchiveListing and Archive while "Enable State Archive API" is off
(`ApplianceConfig.state_archive_api`, `serve --no-state-archive-api`), with the message "The state archive
API is disabled (Management > API Configuration > Enable State Archive API)." (checked after the permission,
before the parameters). The recording reports validate lsid (32 hexadecimal digits) and instance; the guide
documents no other parameter for them. Archives: see archive.py; recordings: see recordings.py.
Dates are UTC days; a window is [from, from + duration), duration 0 meaning up to now. The end_* sets
match closed sessions only. A repeated parameter keeps its first value; `limit` is ignored with lsid(s).

The field's shape (the default; ApplianceConfig.tidy keeps every element): real reports leave out optional
elements the guide lists (captured PRA cloud reports, whose structure RS shares), so in SupportSession the
events the system performed ("Session Start", "Conference Owner Changed"...) come without <performed_by>,
and in SupportSessionListing a third of the <session_summary> elements (chosen by a hash of the lsid: the
same sessions in every answer) are empty, attributes only, without <lseq>.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.appliance import archive, db, history, recordings
from harness.appliance.history import Event, Question
from harness.appliance.params import xml_api_call
from harness.appliance.xmlresponse import Node, attachment, error_response, xml_response
from harness.catalogue import reports as catalogue

LSID = re.compile(r"[0-9a-fA-F]{32}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)  # ASCII: \d would take any Unicode digit
INTEGER = re.compile(r"\d{1,12}", re.ASCII)
LAST_TIME = 253_402_300_799  # 9999-12-31T23:59:59Z


class BadRequest(Exception):
    """A parameter error: answered as a root <error> with HTTP 400."""

    status = 400


class Forbidden(BadRequest):
    """A report switched off by a setting: a root <error> with HTTP 403."""

    status = 403


@dataclass(frozen=True)
class Window:
    """A time window over start or end times: [lo, hi), hi None meaning up to now."""

    on: str  # "start" or "end"
    lo: int
    hi: int | None

    def sql(self, start_col: str, end_col: str) -> tuple[str, list]:
        col = start_col if self.on == "start" else end_col
        clause, args = f"{col} >= ?", [self.lo]
        if self.hi is not None:
            clause, args = f"{clause} AND {col} < ?", [*args, self.hi]
        return clause, args

    def bounds(self, now: float) -> tuple[int, int]:
        return self.lo, self.hi if self.hi is not None else int(now)


@dataclass
class Report:
    appliance: object
    params: dict[str, str]
    # A report of a 1.7.0 (Bomgar 12.1) appliance (legacy_reporting.LegacyReport): the 12.1 guide's
    # elements, parameters and event types only, from the same history.
    legacy: ClassVar[bool] = False

    @property
    def tidy(self) -> bool:
        """Every optional element always (ApplianceConfig.tidy); else the field's omissions (module doc)."""
        return self.appliance.config.tidy

    def event_type(self, name: str) -> str | None:
        """The name this API version reports a recorded event type by; None for a type it does not have."""
        return name

    @property
    def conn(self):
        return db.connect(self.appliance.db_path)

    @property
    def now(self) -> float:
        return self.appliance.clock.now()

    def get(self, name: str) -> str | None:
        value = self.params.get(name)
        return value if value not in (None, "") else None


# --- parameters --------------------------------------------------------------------------------------


def _integer(value: str, name: str) -> int:
    if not INTEGER.fullmatch(value):
        raise BadRequest(f"Invalid value for parameter {name}: {value!r} is not a non-negative integer")
    return int(value)


def _date(value: str, name: str) -> int:
    try:
        if not DATE.fullmatch(value):
            raise ValueError
        return int(datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())
    except ValueError:
        raise BadRequest(
            f"Invalid value for parameter {name}: {value!r} is not a date (YYYY-MM-DD)"
        ) from None


def window(report: Report, allow_end: bool = True) -> Window | None:
    """The time window the request asks for, or None when it names none."""
    names = ["start_date", "start_time", *(["end_date", "end_time"] if allow_end else [])]
    given = [n for n in names if report.get(n) is not None]
    if not given:
        if not allow_end and (report.get("end_date") or report.get("end_time")):
            raise BadRequest("This report accepts start_date or start_time, not end_date or end_time")
        return None
    if len(given) > 1:
        raise BadRequest(f"Conflicting parameters: {', '.join(given)} (give one)")
    name = given[0]
    duration_text = report.get("duration")
    if duration_text is None:
        raise BadRequest(f"Missing required parameter: duration (with {name})")
    duration = _integer(duration_text, "duration")
    if name.endswith("_date"):
        lo, unit = _date(report.get(name), name), 86400
    else:
        lo, unit = _integer(report.get(name), name), 1
    hi = lo + duration * unit if duration else None
    if max(lo, hi or 0) > LAST_TIME:  # answers carry their times in ISO 8601, which ends with year 9999
        raise BadRequest(f"Invalid value for parameter {name if lo > LAST_TIME else 'duration'}: after 9999")
    return Window(name.split("_")[0], lo, hi)


def lsids(report: Report) -> list[str] | None:
    """lsid or lsids, validated, or None when neither is given."""
    one, many = report.get("lsid"), report.get("lsids")
    if one is not None and many is not None:
        raise BadRequest("Conflicting parameters: lsid, lsids (give one)")
    if one is None and many is None:
        return None
    values = [one] if one is not None else [v.strip() for v in many.split(",") if v.strip()]
    if not values:
        raise BadRequest("Invalid value for parameter lsids: no session ID")
    return values


def selection(report: Report, allow_lsids: bool = True) -> tuple[Window | None, list[str] | None]:
    """Exactly one of the guide's parameter sets: a time window, or lsid(s)."""
    ids = lsids(report) if allow_lsids else None
    win = window(report)
    if ids is not None and win is not None:
        raise BadRequest("Conflicting parameters: a time window and lsid/lsids (give one)")
    if ids is None and win is None:
        sets = "start_date, start_time, end_date or end_time with duration" + (
            ", lsid or lsids" if allow_lsids else ""
        )
        raise BadRequest(f"Missing required parameters: one of {sets}")
    return win, ids


# --- shared XML pieces --------------------------------------------------------------------------------


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def hms(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def add_time(parent: Node, tag: str, ts: int | None) -> None:
    if ts is None:
        parent.add(tag, "")
    else:
        parent.add(tag, iso(ts), timestamp=ts)


def add_customers(parent: Node, rows) -> None:
    customers = parent.add("customer_list")
    for c in rows:
        node = customers.add("customer", gsnumber=c["gsnumber"])
        for name in ("username", "public_ip", "private_ip", "hostname", "os"):
            node.add(name, c[name])
        node.add("primary_cust", 1)
        info = node.add("info")
        for name in ("name", "company", "company_code", "issue", "details"):
            info.add(name, c[name])


def add_reps(parent: Node, rows, display_names: bool = True) -> None:
    """The rep_list; `display_names`: the public and private display names (newer than API 1.7.0)."""
    reps = parent.add("rep_list", "")
    for r in rows:
        node = reps.add("representative", gsnumber=r["gsnumber"], id=r["rep_id"])
        node.add("username", r["username"])
        node.add("display_name", r["display_name"])
        if display_names:
            node.add("public_display_name", r["public_display_name"])
            node.add("private_display_name", r["display_name"])
        node.add("display_number", r["display_number"])
        node.add("public_ip", r["public_ip"])
        node.add("private_ip", r["private_ip"])
        if r["hostname"] is not None:  # field quirk: a representative may lack hostname
            node.add("hostname", r["hostname"])
        node.add("os", r["os"])
        for name in ("session_owner", "primary_rep", "seconds_involved"):
            node.add(name, r[name])
        if r["invited"]:
            node.add("invited", 1)


def add_teams(parent: Node, rows) -> None:
    teams = parent.add("team_list", "")
    for t in rows:
        teams.add("team", t["name"], id=t["team_id"], primary_team=t["primary_team"])


def add_event(parent: Node, e: Event, system_performer: bool = True) -> None:
    """A session or presentation event, children in the schema's order; without `system_performer`, an
    event the system performed comes without <performed_by> (the field's shape)."""
    node = parent.add("event", timestamp=e.ts, event_type=e.event_type)
    p = e.performed_by
    if system_performer or p.type != history.SYSTEM.type:
        node.add("performed_by", p.name, gsnumber=p.gsnumber, type=p.type)
    if e.destination is not None:
        d = e.destination
        node.add("destination", d.name, gsnumber=d.gsnumber, type=d.type)
    if e.body is not None:
        node.add("body", e.body)
    if e.filename is not None:
        node.add("filename", e.filename)
    if e.filesize is not None:
        node.add("filesize", e.filesize)
    if e.system_information:
        info = node.add("system_information")
        for category in e.system_information:
            cat = info.add("category", name=category["name"])
            description = cat.add("description", "")
            for f in category["fields"]:
                description.add("field", f)
            data = cat.add("data", "")
            for row in category["rows"]:
                r = data.add("row", "")
                for f in row:
                    r.add("field", f)
    _add_files_and_data(node, e)


def _add_files_and_data(node: Node, e: Event) -> None:
    if e.files:
        files = node.add("files")
        for name, size in e.files:
            files.add("file", name=name, size=size)
    if e.data:
        data = node.add("data")
        for name, value in e.data:
            data.add("value", name=name, value=value)


def _in(column: str, values: list) -> tuple[str, list]:
    return f"{column} IN ({','.join('?' * len(values))})", list(values)


def _grouped(conn, sql: str, ids: list[str]) -> dict[str, list]:
    """Rows of a child table for the given lsids, grouped by lsid, in seq order."""
    out: dict[str, list] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):  # SQLite's bound-parameter limit
        chunk = ids[start : start + 500]
        clause, args = _in("lsid", chunk)
        for row in conn.execute(sql.format(where=clause), args):
            out[row["lsid"]].append(row)
    return out


# --- support sessions ---------------------------------------------------------------------------------


def _limit(report: Report, presentation: bool = False) -> tuple[str, list]:
    """The `limit` filter as SQL over the session table aliased s (sessions owned by a rep, of a team...)."""
    value = report.get("limit")
    if value is None or value == "all":
        return "1", []
    kind, _, arg = value.partition(":")
    reps = "hist_presentation_rep" if presentation else "hist_session_rep"
    owner = "" if presentation else " AND r.session_owner = 1"
    if kind == "team" and arg == "all":
        if presentation:
            return (
                f"EXISTS (SELECT 1 FROM {reps} r JOIN hist_team_member m USING (rep_id) WHERE r.lsid = s.lsid)",
                [],
            )
        return "EXISTS (SELECT 1 FROM hist_session_team t WHERE t.lsid = s.lsid)", []
    if kind not in ("rep", "team", "members", "site") or not INTEGER.fullmatch(arg):
        raise BadRequest(f"Invalid value for parameter limit: {value!r}")
    ident = int(arg)
    if kind == "rep":
        return f"EXISTS (SELECT 1 FROM {reps} r WHERE r.lsid = s.lsid AND r.rep_id = ?{owner})", [ident]
    if kind == "site":
        return "s.site_id = ?", [ident]
    if kind == "team" and not presentation:
        return "EXISTS (SELECT 1 FROM hist_session_team t WHERE t.lsid = s.lsid AND t.team_id = ?)", [ident]
    members = "SELECT rep_id FROM hist_team_member WHERE team_id = ?"
    return f"EXISTS (SELECT 1 FROM {reps} r WHERE r.lsid = s.lsid AND r.rep_id IN ({members}){owner})", [
        ident
    ]


def _session_rows(report: Report, table: str, presentation: bool = False) -> list:
    win, ids = selection(report)
    if ids is not None:
        clause, args = _in("s.lsid", ids)
    else:
        clause, args = win.sql("s.start_ts", "s.end_ts")
        limit, limit_args = _limit(report, presentation)
        clause, args = f"{clause} AND {limit}", [*args, *limit_args]
    return report.conn.execute(
        f"SELECT * FROM {table} s WHERE {clause} ORDER BY s.start_ts, s.lseq", args
    ).fetchall()


def _download_url(
    report: Report, lsid: str, kind: str, action: str, view: bool = False, instance=None
) -> str:
    """A chat or recording URL; recordings.session_download serves it."""
    host = report.appliance.config.hostname
    return recordings.url(host, lsid, action, presentation=kind == "pres", instance=instance, view=view)


def _add_recordings(report: Report, node: Node, lsid: str, kind: str, has_recording: int, events) -> None:
    """The recording URLs of a session that ended, in the schema's order after the chat URLs."""
    if has_recording:
        node.add("session_recording_view_url", _download_url(report, lsid, kind, recordings.SESSION, True))
        node.add("session_recording_download_url", _download_url(report, lsid, kind, recordings.SESSION))
    for action, tag in (
        (recordings.SHOW_MY_SCREEN, "show_my_screen"),
        (recordings.COMMAND_SHELL, "command_shell"),
    ):
        count = sum(1 for e in events if e.event_type == recordings.EVENT_OF[action])
        if count:
            listing = node.add(f"{tag}_recordings")
            for i in range(count):
                item = listing.add(f"{tag}_recording", instance=i)
                item.add("download_url", _download_url(report, lsid, kind, action, instance=i))
                item.add("view_url", _download_url(report, lsid, kind, action, view=True, instance=i))


def _events(report: Report, table: str, ids: list[str]) -> dict[str, list[Event]]:
    # "a chronological list of all events": by time, then as recorded (a chat message sent through the API
    # with its original, earlier timestamp takes its place in time)
    rows = _grouped(report.conn, f"SELECT * FROM {table} WHERE {{where}} ORDER BY lsid, ts, seq", ids)
    return {
        lsid: [
            Event.from_row(r["ts"], kind, r["payload"])
            for r in rs
            if (kind := report.event_type(r["event_type"]))
        ]
        for lsid, rs in rows.items()
    }


FILE_COUNTS = ("file_transfer_count", "file_move_count", "file_delete_count")


def support_session(report: Report) -> Node:
    rows = _session_rows(report, "hist_support_session")
    ids, conn = [r["lsid"] for r in rows], report.conn
    customers = _grouped(conn, "SELECT * FROM hist_session_customer WHERE {where} ORDER BY lsid, seq", ids)
    reps = _grouped(conn, "SELECT * FROM hist_session_rep WHERE {where} ORDER BY lsid, seq", ids)
    teams = _grouped(conn, "SELECT * FROM hist_session_team WHERE {where} ORDER BY lsid, seq", ids)
    attrs = _grouped(conn, "SELECT * FROM hist_custom_attribute WHERE {where} ORDER BY lsid, code_name", ids)
    surveys = _grouped(conn, "SELECT * FROM hist_survey WHERE {where} ORDER BY lsid, kind", ids)
    events = _events(report, "hist_session_event", ids)
    root = Node("session_list")
    for s in rows:
        lsid = s["lsid"]
        node = root.add("session", lsid=lsid)
        node.add("session_type", "support")
        node.add("lseq", s["lseq"])
        add_time(node, "start_time", s["start_ts"])
        add_time(node, "end_time", s["end_ts"])
        node.add("duration", hms((s["end_ts"] or report.now) - s["start_ts"]))
        node.add("public_site", s["site_name"], id=s["site_id"])
        if s["jumpoint_id"] is not None:
            node.add("jumpoint", s["jumpoint_name"], id=s["jumpoint_id"])
        node.add("external_key", s["external_key"])
        if not report.legacy:  # custom attributes are newer than API 1.7.0
            custom = node.add("custom_attributes", "")  # field quirk: present and empty when none were set
            for a in attrs[lsid]:
                custom.add(
                    "custom_attribute", a["value"], display_name=a["display_name"], code_name=a["code_name"]
                )
        if s["end_ts"] is not None:  # chat transcripts exist only for sessions that ended
            node.add("session_chat_view_url", _download_url(report, lsid, "sd", "chat", view=True))
            node.add("session_chat_download_url", _download_url(report, lsid, "sd", "chat"))
            _add_recordings(report, node, lsid, "sd", s["has_recording"], events[lsid])
        for name in FILE_COUNTS[: 1 if report.legacy else None]:  # API 1.7.0 counts transfers only
            node.add(name, s[name])
        first = customers[lsid][0]
        node.add("primary_customer", first["username"] if s["jumpoint_id"] else first["name"] or first["username"],
                 gsnumber=first["gsnumber"])  # fmt: skip
        for r in reps[lsid]:
            if r["primary_rep"]:
                node.add("primary_rep", r["display_name"], gsnumber=r["gsnumber"], id=r["rep_id"])
        for t in teams[lsid]:
            if t["primary_team"]:
                node.add("primary_team", t["name"], id=t["team_id"])
        add_customers(node, customers[lsid])
        add_reps(node, reps[lsid], display_names=not report.legacy)
        add_teams(node, teams[lsid])
        for kind, tag in (("cust", "cust_survey_list"), ("rep", "rep_survey_list")):
            for v in surveys[lsid]:
                if v["kind"] == kind:
                    survey = node.add(tag).add(f"{kind}_exit_survey", gsnumber=v["gsnumber"])
                    for q in json.loads(v["questions"]):
                        survey.add("value", name=q["name"], value=",".join(q["answers"]))
        details = node.add("session_details")
        for e in events[lsid]:
            add_event(details, e, system_performer=report.tidy)
    return root


def support_session_listing(report: Report) -> Node:
    win, _ = selection(report, allow_lsids=False)
    clause, args = win.sql("start_ts", "end_ts")
    root = Node("session_summary_list")
    sql = f"SELECT lsid, lseq, has_recording, external_key FROM hist_support_session WHERE {clause} ORDER BY start_ts"
    for s in report.conn.execute(sql, args):
        attrs = {"lsid": s["lsid"], "has_recording": s["has_recording"]}
        if s["external_key"]:  # "displayed only if an external key has been defined"
            attrs["external_key"] = s["external_key"]
        summary = root.add("session_summary", **attrs)
        if report.tidy or zlib.crc32(s["lsid"].encode()) % 3:  # field: a third of them without <lseq>
            summary.add("lseq", s["lseq"])
    return root


def _weekdays(lo: int, hi: int) -> int:
    days = range(lo - lo % 86400, hi, 86400)
    return sum(1 for d in days if datetime.fromtimestamp(d, UTC).weekday() < 5)


def support_session_summary(report: Report) -> Node:
    win, _ = selection(report, allow_lsids=False)
    kind = report.get("report_type")
    if kind not in ("rep", "team", "site"):
        raise BadRequest("Invalid value for parameter report_type: expected rep, team or site")
    clause, args = win.sql("s.start_ts", "s.end_ts")
    group = {
        "rep": (
            "r.rep_id",
            "r.display_name",
            "JOIN hist_session_rep r ON r.lsid = s.lsid AND r.primary_rep = 1",
        ),
        "team": ("t.team_id", "t.name", "JOIN hist_session_team t ON t.lsid = s.lsid AND t.primary_team = 1"),
        "site": ("s.site_id", "s.site_name", ""),
    }[kind]
    ident, name, join = group
    sql = (
        f"SELECT {ident} AS id, {name} AS name, s.start_ts, COALESCE(s.end_ts, ?) - s.start_ts AS length"
        f" FROM hist_support_session s {join} WHERE {clause} ORDER BY id, s.start_ts"
    )
    lo, hi = win.bounds(report.now)
    weekdays = _weekdays(lo, hi)
    stats: dict[int, list] = {}
    for row in report.conn.execute(sql, [int(report.now), *args]):
        entry = stats.setdefault(row["id"], [row["name"], 0, 0, 0])
        entry[0] = row["name"]  # the current name: the latest session's
        entry[1] += 1
        entry[2] += datetime.fromtimestamp(row["start_ts"], UTC).weekday() < 5
        entry[3] += row["length"]
    root = Node("summary_list")
    for ident, (display, total, on_weekdays, length) in sorted(stats.items()):
        node = root.add("summary", id=ident, type=kind)
        node.add("display_name", display)
        node.add("total_sessions", total)
        node.add("avg_sessions_per_weekday", f"{on_weekdays / weekdays if weekdays else 0:.1f}")
        node.add("avg_duration", hms(length / total))
    return root


def _exit_survey(kind: str) -> Callable[[Report], Node]:
    def build(report: Report) -> Node:
        win, ids = selection(report, allow_lsids=not report.legacy)  # 12.1: no lsid(s) sets for surveys
        report_type = report.get("report_type")
        if report_type not in ("rep", "team"):
            raise BadRequest("Invalid value for parameter report_type: expected rep or team")
        if ids is not None:
            clause, args = _in("s.lsid", ids)
        else:
            ident = report.get("id")
            if ident is None:
                raise BadRequest("Missing required parameter: id")
            clause, args = win.sql("s.start_ts", "s.end_ts")
            if report_type == "rep":
                owner = "SELECT 1 FROM hist_session_rep r WHERE r.lsid = s.lsid AND r.primary_rep = 1"
            else:
                owner = "SELECT 1 FROM hist_session_team t WHERE t.lsid = s.lsid AND t.primary_team = 1"
            if ident != "all":
                owner += " AND r.rep_id = ?" if report_type == "rep" else " AND t.team_id = ?"
                args.append(_integer(ident, "id"))
            clause += f" AND EXISTS ({owner})"
            if report.get("site_id") is not None:
                clause, args = (
                    f"{clause} AND s.site_id = ?",
                    [*args, _integer(report.get("site_id"), "site_id")],
                )
        sql = (
            "SELECT s.*, v.submitted_by, v.questions FROM hist_support_session s"
            f" JOIN hist_survey v ON v.lsid = s.lsid AND v.kind = ? WHERE {clause} ORDER BY s.start_ts"
        )
        rows = report.conn.execute(sql, [kind, *args]).fetchall()
        return _survey_list(report, kind, rows)

    return build


def _survey_list(report: Report, kind: str, rows) -> Node:
    ids, conn = [r["lsid"] for r in rows], report.conn
    customers = _grouped(conn, "SELECT * FROM hist_session_customer WHERE {where} ORDER BY lsid, seq", ids)
    reps = _grouped(conn, "SELECT * FROM hist_session_rep WHERE {where} ORDER BY lsid, seq", ids)
    teams = _grouped(conn, "SELECT * FROM hist_session_team WHERE {where} ORDER BY lsid, seq", ids)
    root = Node("exit_survey_list")
    for s in rows:
        lsid = s["lsid"]
        node = root.add("exit_survey", lsid=lsid, ts=s["start_ts"])
        node.add("session_type", "support")
        node.add("public_site", s["site_name"], id=s["site_id"])
        node.add("submitted_by", s["submitted_by"], type=kind)
        first = customers[lsid][0]
        node.add("primary_customer", first["name"] or first["username"], id=0)
        for r in reps[lsid]:
            if r["primary_rep"]:
                node.add("primary_rep", r["display_name"], id=r["rep_id"])
        for t in teams[lsid]:
            if t["primary_team"]:
                node.add("primary_team", t["name"], id=t["team_id"])
        add_customers(node, customers[lsid])
        add_reps(node, reps[lsid], display_names=not report.legacy)
        add_teams(node, teams[lsid])
        node.add("rep_resolved", 0)
        questions = node.add("question_list", "")
        for q in (Question(**q) for q in json.loads(s["questions"])):
            question = questions.add("question", id=q.id)
            for name in ("name", "type", "label", "report_header"):
                question.add(name, getattr(q, name))
            answers = question.add("answer_list", "")
            for answer in q.answers:
                answers.add("answer", answer)
    return root


# --- team activity, presentations, license usage --------------------------------------------------------


def support_team(report: Report) -> Node:
    win, _ = selection(report, allow_lsids=False)
    team_id = report.get("team_id")
    lo, hi = win.bounds(report.now)
    clause, args = "ts >= ? AND ts < ?", [lo, hi + (0 if win.hi is not None else 1)]
    if team_id is not None:
        clause, args = f"{clause} AND team_id = ?", [*args, _integer(team_id, "team_id")]
    conn = report.conn
    events = conn.execute(
        f"SELECT * FROM hist_team_event WHERE {clause} ORDER BY team_id, ts, id", args
    ).fetchall()
    root = Node("team_activity_list")
    add_time(root, "start_time", lo)
    add_time(root, "end_time", hi)
    teams: dict[int, Node] = {}
    for row in events:
        kind = report.event_type(row["event_type"])
        if kind is None:
            continue
        node = teams.get(row["team_id"])
        if node is None:
            node = teams[row["team_id"]] = root.add("team_activity", id=row["team_id"], name=row["team_name"])
            logged_in = node.add("logged_in_representatives", "")
            _logged_in(conn, logged_in, row["team_id"], lo, display_names=not report.legacy)
            node.add("events", "")
        e = Event.from_row(row["ts"], kind, row["payload"])
        event = node.children[1].add("event", timestamp=e.ts, event_type=e.event_type)
        event.add(
            "performed_by", e.performed_by.name, gsnumber=e.performed_by.gsnumber, type=e.performed_by.type
        )
        if e.destinations:
            destinations = event.add("destinations")
            for gsnumber, name in e.destinations:
                destinations.add("destination", name, gsnumber=gsnumber)
        _add_files_and_data(event, e)
        if e.body is not None:
            event.add("body", e.body)
    return root


def _logged_in(conn, parent: Node, team_id: int, at: int, display_names: bool = True) -> None:
    """Representatives of the team logged in at the window's start (`display_names`: as add_reps)."""
    sql = (
        "SELECT * FROM hist_rep_login WHERE login_ts <= ? AND (logout_ts IS NULL OR logout_ts > ?)"
        " AND rep_id IN (SELECT rep_id FROM hist_team_member WHERE team_id = ?) ORDER BY login_ts, id"
    )
    for r in conn.execute(sql, (at, at, team_id)):
        node = parent.add("representative", gsnumber=r["gsnumber"], id=r["rep_id"])
        node.add("display_name", r["display_name"])
        if display_names:
            node.add("public_display_name", r["public_display_name"])
            node.add("private_display_name", r["display_name"])
        node.add("public_ip", r["public_ip"])
        node.add("private_ip", r["private_ip"])


def presentation_session(report: Report) -> Node:
    rows = _session_rows(report, "hist_presentation", presentation=True)
    ids, conn = [r["lsid"] for r in rows], report.conn
    attendees = _grouped(
        conn, "SELECT * FROM hist_presentation_attendee WHERE {where} ORDER BY lsid, seq", ids
    )
    reps = _grouped(conn, "SELECT * FROM hist_presentation_rep WHERE {where} ORDER BY lsid, seq", ids)
    events = _events(report, "hist_presentation_event", ids)
    root = Node("session_list")
    for s in rows:
        lsid = s["lsid"]
        node = root.add("session", lsid=lsid)
        node.add("session_type", "presentation")
        node.add("lseq", s["lseq"])
        add_time(node, "start_time", s["start_ts"])
        add_time(node, "end_time", s["end_ts"])
        node.add("duration", hms((s["end_ts"] or report.now) - s["start_ts"]))
        if s["end_ts"] is not None:
            node.add("session_chat_view_url", _download_url(report, lsid, "pres", "chat", view=True))
            node.add("session_chat_download_url", _download_url(report, lsid, "pres", "chat"))
            if s["has_recording"]:
                node.add("session_recording_view_url", _download_url(report, lsid, "pres", "recording", True))
                node.add("session_recording_download_url", _download_url(report, lsid, "pres", "recording"))
        listing = node.add("attendee_list", "")
        for a in attendees[lsid]:
            attendee = listing.add("attendee", gsnumber=a["gsnumber"])
            attendee.add("username", a["username"])
            attendee.add("public_ip", a["public_ip"])
        rep_list = node.add("rep_list", "")
        for r in reps[lsid]:
            rep = rep_list.add("representative", gsnumber=r["gsnumber"], id=r["rep_id"])
            for name in (
                "username",
                "public_display_name",
                "private_display_name",
                "public_ip",
                "private_ip",
            ):
                rep.add(name, r[name])
            if r["hostname"] is not None:
                rep.add("hostname", r["hostname"])
            rep.add("os", r["os"])
            rep.add("seconds_involved", r["seconds_involved"])
        details = node.add("session_details")
        for e in events[lsid]:
            add_event(details, e)
    return root


def presentation_session_listing(report: Report) -> Node:
    win, _ = selection(report, allow_lsids=False)
    clause, args = win.sql("start_ts", "end_ts")
    root = Node("presentation_summary_list")
    sql = f"SELECT lsid, has_recording FROM hist_presentation WHERE {clause} ORDER BY start_ts"
    for s in report.conn.execute(sql, args):
        root.add("presentation_summary", lsid=s["lsid"], has_recording=s["has_recording"])
    return root


def _bucket(ts: int, group_by: str) -> tuple:
    t = datetime.fromtimestamp(ts, UTC)
    return {
        "hour": (t.year, t.month, t.day, t.hour),
        "day": (t.year, t.month, t.day),
        "month": (t.year, t.month),
    }[group_by]


def license_usage(report: Report) -> Node:
    win = window(report, allow_end=False)
    if win is None:
        raise BadRequest("Missing required parameters: start_date or start_time with duration")
    group_by = report.get("group_by")
    if group_by not in ("hour", "day", "month"):
        raise BadRequest("Invalid value for parameter group_by: expected hour, day or month")
    lo, hi = win.bounds(report.now)
    clause, args = win.sql("ts", "ts")
    peaks: dict[tuple, list] = {}  # the peak sample of each period, per license type
    for row in report.conn.execute(f"SELECT * FROM hist_license_sample WHERE {clause} ORDER BY ts", args):
        key = (_bucket(row["ts"], group_by), row["license_type"])
        if key not in peaks or row["total"] > peaks[key]["total"]:
            peaks[key] = row
    root = Node("license_usage")
    add_time(root, "start_time", lo)
    add_time(root, "end_time", hi)
    root.add("group_by", group_by)
    intervals = root.add("license_time_intervals", "")
    for row in sorted(peaks.values(), key=lambda r: (r["ts"], r["license_type"])):
        interval = intervals.add("license_time_interval", timestamp=row["ts"], datetime=iso(row["ts"]))
        interval.add("license_count", row["total"], license_type=row["license_type"])
        interval.add("license_count", row["login"], license_type=row["license_type"], reason="login")
        if row["extended_contact"]:
            interval.add(
                "license_count",
                row["extended_contact"],
                license_type=row["license_type"],
                reason="extended_contact",
            )
    return root


# --- downloads: recordings and archives -------------------------------------------------------------


def _required(report: Report, *names: str) -> list[str]:
    for name in names:
        if report.get(name) is None:
            raise BadRequest(f"Missing required parameter: {name}")
    return [report.get(name) for name in names]


def _recording(kind: str, message: str, presentation: bool = False) -> Callable[[Report], Response | str]:
    """A recording report: the file, or its documented "not found" message."""

    def build(report: Report) -> Response | str:
        (lsid,) = _required(report, "lsid")
        if not LSID.fullmatch(lsid):
            raise BadRequest(
                "Invalid value for parameter lsid: expected a session ID (32 hexadecimal digits)"
            )
        instance = None
        if kind in recordings.EVENT_OF:
            instance = _integer(_required(report, "instance")[0], "instance")
        found = recordings.find(report.appliance.db_path, kind, lsid.lower(), presentation, instance)
        return message if found is None else recordings.response(report.appliance.db_path, found)

    return build


def _archive_api(report: Report) -> None:
    if not report.appliance.config.state_archive_api:
        raise Forbidden(
            "The state archive API is disabled (Management > API Configuration > Enable State Archive API)."
        )


def archive_listing(report: Report) -> Node:
    _archive_api(report)
    (date,) = _required(report, "date")
    _date(date, "date")
    root = Node("archives", "")
    for e in archive.listing(report.appliance, date):
        node = root.add(f"{e.kind}_archive")
        add_time(node, "time", e.start)
        if e.kind == "event":
            add_time(node, "end_time", e.end)
        node.add("index", e.index)
        if e.kind == "state":
            node.add("event_archive_index", e.event_index)
    return root


def archive_download(report: Report) -> Response | str:
    _archive_api(report)
    kind, date, index_text = _required(report, "type", "date", "index")
    if kind not in ("state", "event"):
        raise BadRequest("Invalid value for parameter type: expected state or event")
    _date(date, "date")
    index = _integer(index_text, "index")
    entry = archive.find(report.appliance, kind, date, index)
    data = archive.read(report.appliance, entry) if entry else None
    if data is None:
        return "No archives found for the given search criteria."
    media_type = catalogue.BY_NAME["Archive"].media_type
    return attachment(data, f"{kind}-archive-{date}-{index}.json.gz", media_type=media_type)


_PRESENTATION_RECORDING = _recording(
    recordings.SESSION, "No recording found for the given presentation.", presentation=True
)
# Each report's builder; its name and permission are the catalogue's (harness.catalogue.reports).
BUILDERS: dict[str, Callable[[Report], Node | Response | str]] = {
    "SupportSession": support_session,
    "SupportSessionListing": support_session_listing,
    "SupportSessionSummary": support_session_summary,
    "SupportCustExitSurvey": _exit_survey("cust"),
    "SupportRepExitSurvey": _exit_survey("rep"),
    "SupportTeam": support_team,
    "SupportSessionRecording": _recording(recordings.SESSION, "No recording found for the given session."),
    "ShowMyScreenRecording": _recording(
        recordings.SHOW_MY_SCREEN, "No Show My Screen recording found for the given session and instance."
    ),
    "CommandShellRecording": _recording(
        recordings.COMMAND_SHELL, "No command shell recording found for the given session and instance."
    ),
    "PresentationSession": presentation_session,
    "PresentationSessionListing": presentation_session_listing,
    "PresentationSessionRecording": _PRESENTATION_RECORDING,
    "PresentationRecording": _PRESENTATION_RECORDING,  # deprecated name, still served
    "LicenseUsage": license_usage,
    "ArchiveListing": archive_listing,
    "Archive": archive_download,
}
assert set(BUILDERS) == set(catalogue.BY_NAME), "every catalogued report has a builder, and no other"
REPORTS: dict[str, tuple[str, Callable[[Report], Node | Response | str]]] = {
    r.name: (r.permission, BUILDERS[r.name]) for r in catalogue.REPORTS
}


def requested(params: dict[str, str], reports: dict):
    """The report a request names, with its entry in `reports`; BadRequest when it names none of them."""
    name = params.get("generate_report")
    if not name:
        raise BadRequest("Missing required parameter: generate_report")
    if name not in reports:
        raise BadRequest(f"Invalid report type: {name}")
    return name, reports[name]


async def answer(report: Report, build, namespace: str, refuse=None) -> Response:
    """Build a report and answer it: its XML, a file, or a root <error> (HTTP 200 for the documented
    "nothing found" messages; a BadRequest's status, or `refuse(exc)`'s answer when given)."""
    try:
        # SQLite work off the event loop; db.connect keeps one connection per worker thread.
        result = await run_in_threadpool(build, report)
    except BadRequest as exc:
        return refuse(exc) if refuse else error_response(namespace, str(exc), exc.status)
    if isinstance(result, str):
        return error_response(namespace, result, 200)
    if isinstance(result, Response):  # a file download
        return result
    return xml_response(result, namespace)


async def endpoint(request: Request) -> Response:
    appliance = request.app.state.appliance
    call = await xml_api_call(request, "reporting")
    if isinstance(call, Response):
        return call
    account, params, namespace = call
    try:
        name, (permission, build) = requested(params, REPORTS)
    except BadRequest as exc:
        return error_response(namespace, str(exc), exc.status)
    if not account.allows(permission):
        return error_response(namespace, f"The API account does not have {permission} for {name}", 403)
    return await answer(Report(appliance, params), build, namespace)


def routes(appliance) -> list:
    history.ensure(appliance.db_path)
    history.seed_history(appliance)
    archive.attach(appliance)  # the archiver service, started and stopped with the application
    return [
        Route(path, endpoint, methods=["GET", "POST"]) for path in ("/api/reporting", "/api/reporting.ns")
    ] + recordings.routes()
