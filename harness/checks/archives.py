"""Semantic checks of the ArchiveListing and Archive reports (guide: "Download Reports with ArchiveListing",
"Download Reports with Archive" and its "JSON Response", "JSON Tables and Fields" tables).

Listing entries are checked against the date asked and each other; an archive is a gzip file that
decompresses to JSON: a state archive is "a single JSON object" of tables (null when empty), an event
archive "a JSON object for each line", oldest first. The tables and fields (harness.catalogue.model) and the
session event names (harness.catalogue.archive) are the guide's; something the guide does not list is a WARN
(an appliance may know more than its guide), a documented field of the wrong kind a FAIL.

The same few functions serve the listing's and the files' several requirements (and the suites' checks
under different primary ones), so every condition names the requirement it breaks (ARC-LIST-*, ARC-GET-001,
ARC-JSON-*).
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from harness.catalogue.archive import ARCHIVE_MAX_BYTES, OPTIONAL_DATA, SESSION_EVENTS
from harness.catalogue.model import (
    ARCHIVE,
    BOOLEAN,
    ENDPOINT_FIELDS,  # ARC-JSON-016
    ENDPOINT_TABLES,
    INTEGER,
    IP_FIELDS,  # ARC-JSON-015
    IP_TABLES,
    STRING,
    STRING_OR_INTEGER,
    TIMESTAMP,
    Field,
)
from harness.checks.realtime import value_problem
from harness.checks.reporting import DATE_SLACK_S, DAY_S, integer, time_of, utc_midnight
from harness.client.api import ArchiveTooLarge, gunzip_bounded
from harness.client.http import TargetError
from harness.validate import one_line
from harness.verdicts import CheckFailed, judged, not_tested, warn

EVENT_SPAN_S = 600  # "event archives contain events spanning an interval of ten minutes"
GZIP_MAGIC = b"\x1f\x8b"
KEEP_DAYS = 7  # "History is stored for the past seven active days"

# --- JSON Tables and Fields for model_insert and model_update -------------------------------------------
# The catalogue's archive tables (harness.catalogue.model), as kinds: ts (UNIX timestamp), bool ([boolean]:
# 1/0), int, str, id (a string or an integer: the field's `archive_type`), or a tuple of the allowed values.
_KINDS = {TIMESTAMP: "ts", BOOLEAN: "bool", INTEGER: "int", STRING: "str", STRING_OR_INTEGER: "id"}
TABLES: dict[str, dict[str, Any]] = {
    table: {name: spec.choices or _KINDS[spec.archive_type or spec.type] for name, spec in fields.items()}
    for table, fields in ARCHIVE.items()
}

# "...: The foreign key that links this table row to other table rows that reference this ...", but for a
# reference the archive may write as the presentation's logging session ID (kind "id"): no row to look up
_REFS = {t: {n: f.ref for n, f in fields.items() if f.ref and f.archive_type != STRING_OR_INTEGER}
         for t, fields in ARCHIVE.items()}  # fmt: skip
FOREIGN_KEYS: dict[str, dict[str, str]] = {table: refs for table, refs in _REFS.items() if refs}

EVENT_TYPES = ("model_insert", "model_update", "model_delete", "truncate_model", "session_event")

UNKNOWN = "Unknown"  # what real archives and reports write for an address or system they do not know

# "JSON Tables and Fields for Presentation Session Events": Screen Recording of a presentation
PRESENTATION_SCREEN_RECORDING = ("presenter_id", "download_url", "view_url", "appliance_guid")
# "The following session events are excluded from the archive file: Session Start, Session End,
# Conference Member Added, Conference Member Removed, and Conference Member State Changed"
EXCLUDED_PRESENTATION_EVENTS = frozenset({"session_start", "session_end", "conference_member_added",
                                          "conference_member_removed", "conference_member_state_changed"})  # fmt: skip


# --- ArchiveListing -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArchiveEntry:
    kind: str  # state or event
    index: int
    time: int
    end: int | None = None  # event archives: <end_time>
    event_index: int | None = None  # state archives: <event_archive_index>


def listing_entries(items: Iterable[etree._Element]) -> list[ArchiveEntry]:
    """The entries of <archives> (ARC-LIST-001): <index> ARC-LIST-003, <time> ARC-LIST-007, <end_time>
    ARC-LIST-004, <event_archive_index> ARC-LIST-005."""
    out = []
    for el in items:
        kind = el.tag.removesuffix("_archive")
        if kind not in ("state", "event"):
            raise CheckFailed(f"<{el.tag}> in <archives>", "ARC-LIST-001")
        index = integer(el.findtext("index"), f"<{el.tag}> <index>", "ARC-LIST-003")
        time = time_of(el, "time", req="ARC-LIST-007", present="ARC-LIST-007")
        if time is None:
            raise CheckFailed(f"<{el.tag}> {index}: empty <time>", "ARC-LIST-007")
        if kind == "event":
            end = time_of(el, "end_time", req="ARC-LIST-004", present="ARC-LIST-004")
            out.append(ArchiveEntry(kind, index, time, end=end))
        else:
            ev = integer(
                el.findtext("event_archive_index"),
                f"<state_archive> {index} <event_archive_index>",
                "ARC-LIST-005",
            )
            out.append(ArchiveEntry(kind, index, time, event_index=ev))
    return out


def listing_rules(entries: list[ArchiveEntry], date: str) -> None:
    """The archives of the asked date: times on that day (in the appliance's time zone); indexes unique
    per kind, the day's first being 1; an event archive spans at most ten minutes; a state archive's
    event_archive_index names the event archive "that starts immediately after the snapshot"."""
    lo = utc_midnight(date)
    for e in entries:
        if not lo - DATE_SLACK_S <= e.time < lo + DAY_S + DATE_SLACK_S:
            raise CheckFailed(
                f"ArchiveListing date={date} lists {e.kind} archive {e.index} of time {e.time}, another day",
                "ARC-LIST-002",
            )
        if e.kind == "event" and (e.end is None or not e.time < e.end <= e.time + EVENT_SPAN_S):
            raise CheckFailed(
                f"event archive {e.index}: <time> {e.time} to <end_time> {e.end} is not an interval of at"
                " most ten minutes",
                "ARC-LIST-004",
            )
    for kind in ("state", "event"):
        indexes = [e.index for e in entries if e.kind == kind]
        twice = {i for i in indexes if indexes.count(i) > 1}
        if twice:
            raise CheckFailed(
                f"date={date}: {kind} archive index {sorted(twice)} listed more than once", "ARC-LIST-003"
            )
        if indexes and min(indexes) != 1:
            raise CheckFailed(
                f"date={date}: the first {kind} archive listed has index {min(indexes)}; the first of a day is 1",
                "ARC-LIST-003",
            )
    events = {e.index: e for e in entries if e.kind == "event"}
    for e in entries:
        follows = events.get(e.event_index) if e.kind == "state" else None
        if follows is not None and not e.time <= follows.time < e.time + EVENT_SPAN_S:
            raise CheckFailed(
                f"state archive {e.index} (time {e.time}) names event archive {e.event_index}, which starts at"
                f" {follows.time}, not immediately after the snapshot",
                "ARC-LIST-005",
            )


def seven_days(days: dict[str, int]) -> None:
    """'History is stored for the past seven active days': the day in progress and seven before it at
    most. `days` maps consecutive dates to their number of archives."""
    have = sorted(d for d, n in days.items() if n)
    if len(have) > KEEP_DAYS + 1:
        raise CheckFailed(
            f"archives listed for {len(have)} days ({have[0]} .. {have[-1]}): more than the past seven and today",
            "ARC-GEN-003",
        )


# --- Archive --------------------------------------------------------------------------------------------------


def gzip_file(response, head: bytes) -> None:
    """ "The Archive query returns a gzip compressed file": HTTP 200 and a gzip body (XML or another status:
    the caller's requirement, the download or the permission; a body not gzip: ARC-GET-001)."""
    if head.lstrip()[:1] == b"<":
        shown = one_line(head.decode("utf-8", "replace"), 200)
        raise CheckFailed(f"HTTP {response.status_code}: XML where a gzip archive was expected: {shown}")
    if response.status_code != 200:
        raise CheckFailed(f"HTTP {response.status_code} for an archive download")
    if head[:2] != GZIP_MAGIC:
        raise CheckFailed(f"the archive is not gzip compressed (starts {head[:8]!r})", "ARC-GET-001")


def decompressed(response, data: bytes, keep: int) -> bytes:
    """A downloaded archive, decompressed (at most `keep` bytes are kept). One past the guide's 4 GB FAILs
    ARC-GET-002: its size is counted to there, not kept, so the verdict does not wait on memory. One within
    4 GB but past `keep` is NOT_TESTED (not parsed); one that is not intact gzip FAILs ARC-GET-001."""
    gzip_file(response, data[:512])
    try:
        text = gunzip_bounded(data, keep, bound=ARCHIVE_MAX_BYTES)
    except ArchiveTooLarge as exc:
        if exc.over_bound:
            raise CheckFailed(
                f"the {len(data)}-byte archive decompresses to more than {ARCHIVE_MAX_BYTES >> 30} GB (counted"
                " to there); the guide: 'The decompressed file never exceeds 4 GB.'",
                "ARC-GET-002",
            ) from None
        not_tested(
            f"the archive decompresses to {exc.size >> 20} MB, within the guide's 4 GB but more than the"
            f" {keep >> 20} MB the harness parses"
        )
    except TargetError as exc:
        raise CheckFailed(f"the archive does not decompress: {exc}", "ARC-GET-001") from None
    judged("ARC-GET-002")
    return text


def _value_problem(value: Any, kind: Any) -> tuple[str, str] | None:
    """("fail" | "warn", why) for a field value, by the real-time model's judgement
    (harness.checks.realtime.value_problem): the state archive is that model written down, so a flag as
    true/false or an integer as a string is the same known variant (a WARN) in both. Blank (null) is
    allowed here ("even if blank"); "id" is a reference the guide types [string] in one table and
    [integer] in another: either is taken."""
    if value is None:
        return None
    if kind == "id":
        ok = isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
        return None if ok else ("fail", f"{value!r} is not an integer or a string")
    if isinstance(kind, tuple):
        spec = Field(INTEGER if isinstance(kind[0], int) else STRING, choices=kind)
    else:
        spec = _AS_FIELD[kind]
    return value_problem(spec, value)


_AS_FIELD = {"bool": Field(BOOLEAN), "int": Field(INTEGER), "ts": Field(TIMESTAMP), "str": Field(STRING)}


def _row_id(table: str, row_id: str, req: str = "ARC-JSON-003") -> None:
    if not str(row_id).isdigit():
        raise CheckFailed(f"table {table}: row id {row_id!r} is not an integer", req)


def table_rows(table: str, rows: Any, where: str, complete: bool, state: bool = False) -> None:
    """{"<id>": {field: value}} rows of a documented table; `complete` (model_insert, state archives):
    every documented field present ("Creates a table with all fields included, even if blank").

    A table or field the guide does not list: WARN ARC-JSON-002. A state archive's (`state`) shape is
    ARC-JSON-001, its field values ARC-JSON-003, its missing fields ARC-JSON-004; an event line's shape,
    values and missing fields ARC-JSON-009. Row ids are ARC-JSON-003."""
    shape_req, value_req = ("ARC-JSON-001", "ARC-JSON-003") if state else ("ARC-JSON-009", "ARC-JSON-009")
    complete_req = "ARC-JSON-004" if state else "ARC-JSON-009"
    if not isinstance(rows, dict):
        raise CheckFailed(
            f"{where}: table {table} is {type(rows).__name__}, not an object of rows", shape_req
        )
    fields = TABLES.get(table)
    if fields is None:
        warn(f"{where}: table {table!r} is not in the guide's tables", "ARC-JSON-002")
        return
    for row_id, row in rows.items():
        _row_id(table, row_id)
        if not isinstance(row, dict):
            raise CheckFailed(
                f"{where}: {table} row {row_id} is {type(row).__name__}, not an object", shape_req
            )
        for name, value in row.items():
            kind = fields.get(name)
            if kind is None:
                warn(f"{where}: {table}.{name} is not a field the guide documents", "ARC-JSON-002")
            elif (problem := _value_problem(value, kind)) is not None:
                severity, why = problem
                said = f"{where}: {table} row {row_id} {name} is {value!r}: {why}"
                if severity == "fail":
                    raise CheckFailed(said, value_req)
                warn(said, value_req)
        if complete:
            missing = [f for f in fields if f not in row]
            if missing:
                raise CheckFailed(
                    f"{where}: {table} row {row_id} lacks {', '.join(missing)} (all fields, even if blank)",
                    complete_req,
                )
        endpoint_values(table, row_id, row, where)
    if table in ENDPOINT_TABLES:
        blank = [(i, f) for i, r in rows.items() if isinstance(r, dict) for f in ENDPOINT_FIELDS
                 if f in r and r[f] is None]  # fmt: skip
        if blank:
            shown = ", ".join(f"{i} {f}" for i, f in blank[:4]) + (" ..." if len(blank) > 4 else "")
            warn(
                f"{where}: {len(blank)} null endpoint value(s) in {table} ({shown}); real archives carry"
                " strings there, and integrations call public_ip.split(':', 1) on every row",
                "ARC-JSON-016",
            )
        elif rows:
            judged("ARC-JSON-016")


def ip_address(value: str) -> bool:
    """An IP address as real archives write one: IPv4 or IPv6, with the port it connected from or without
    (`203.0.113.7:56722`; with a port, IPv6 is bracketed: `[2a01:db8::7]:56722`), or `Unknown`."""
    if value.lower() == UNKNOWN.lower():  # the field's `Unknown`; its case is no address's business
        return True
    host, port = value, None
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return False
        port = rest[1:] if rest else None
        versions = (6,)
    elif value.count(":") == 1:  # IPv4 with a port (an IPv6 address has two colons at least)
        host, _, port = value.partition(":")
        versions = (4,)
    else:
        versions = (4, 6)
    if port is not None and not (port.isascii() and port.isdigit() and 0 < int(port) <= 65535):
        return False
    try:
        return ipaddress.ip_address(host).version in versions
    except ValueError:
        return False


def endpoint_values(table: str, row_id: str, row: dict[str, Any], where: str) -> None:
    """public_ip and private_ip hold IP addresses (ARC-JSON-015): judged only when they are strings (the
    kind is ARC-JSON-003/009, a null ARC-JSON-016)."""
    if table not in IP_TABLES:
        return
    for name in IP_FIELDS:
        value = row.get(name)
        if not isinstance(value, str) or not value:  # "" is blank
            continue
        if not ip_address(value):
            raise CheckFailed(
                f"{where}: {table} row {row_id} {name} is {value!r}, not an IP address (with or without its"
                " port; IPv6 with a port bracketed) nor Unknown",
                "ARC-JSON-015",
            )
        judged("ARC-JSON-015")


def parse_json(text: bytes, where: str, req: str | None = None) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CheckFailed(f"{where}: not JSON: {one_line(str(exc), 200)}", req) from None
    except RecursionError:  # hostile nesting ([[[[...]]]]): the parser's own limit, in our words
        raise CheckFailed(f"{where}: JSON nested too deeply to read", req) from None


def state_archive(data: bytes, taken: int) -> dict[str, Any]:
    """ "The state archive file consists of a single JSON object ... If a table does not have any data,
    its value is null." (ARC-JSON-001) Rows exist before the snapshot is taken (created_timestamp <=
    <time>: ARC-JSON-004)."""
    doc = parse_json(data, "state archive", "ARC-JSON-001")
    if not isinstance(doc, dict):
        raise CheckFailed(f"state archive: a JSON {type(doc).__name__}, not a single object", "ARC-JSON-001")
    for table, rows in doc.items():
        if rows is None:
            continue
        if rows == {}:
            raise CheckFailed(
                f"state archive: table {table} is {{}}; a table without data is null", "ARC-JSON-001"
            )
        table_rows(table, rows, "state archive", complete=True, state=True)
        if table not in TABLES:
            continue
        for row_id, row in rows.items():
            created = row.get("created_timestamp")
            if isinstance(created, int) and created > taken + 1:
                raise CheckFailed(
                    f"state archive of {taken}: {table} row {row_id} was created at {created}, after the snapshot",
                    "ARC-JSON-004",
                )
    return doc


def state_references(doc: dict[str, Any]) -> None:
    """Foreign keys ("links this table row to other table rows") name rows of the same snapshot
    (ARC-JSON-005)."""
    for table, keys in FOREIGN_KEYS.items():
        for row_id, row in (doc.get(table) or {}).items():
            if not isinstance(row, dict):
                continue
            for name, target in keys.items():
                value = row.get(name)
                if value is None:
                    continue
                if str(value) not in (doc.get(target) or {}):
                    raise CheckFailed(
                        f"state archive: {table} row {row_id} {name}={value}, no such {target} row",
                        "ARC-JSON-005",
                    )


def event_lines(data: bytes) -> list[dict[str, Any]]:
    """ "The event archive file consists of a JSON object for each line in the decompressed file."
    (ARC-JSON-006)"""
    lines = []
    for n, raw in enumerate(data.splitlines(), 1):
        if not raw.strip():
            continue
        line = parse_json(raw, f"event archive line {n}", "ARC-JSON-006")
        if not isinstance(line, dict):
            raise CheckFailed(
                f"event archive line {n}: a JSON {type(line).__name__}, not an object", "ARC-JSON-006"
            )
        lines.append(line)
    return lines


def event_archive(
    lines: list[dict[str, Any]], start: int, end: int, presentations: Iterable[str] = ()
) -> None:
    """Each line a documented event type (ARC-JSON-007); "ordered from oldest to newest" within the
    archive's <time>..<end_time> (ARC-JSON-008); model tables (ARC-JSON-009) and session events
    (ARC-JSON-010..012) as the guide's tables give them."""
    presentations = {p.lower() for p in presentations}
    last = None
    for n, line in enumerate(lines, 1):
        where = f"event archive line {n}"
        kind = line.get("type")
        if kind not in EVENT_TYPES:
            raise CheckFailed(f"{where}: type {kind!r}, not one of {', '.join(EVENT_TYPES)}", "ARC-JSON-007")
        ts = line.get("timestamp")
        if kind == "session_event" or ts is not None:
            if not isinstance(ts, int) or isinstance(ts, bool):
                raise CheckFailed(
                    f"{where}: timestamp {ts!r} is not a UNIX timestamp",
                    "ARC-JSON-010" if kind == "session_event" else "ARC-JSON-008",
                )
            if not start <= ts <= end:
                raise CheckFailed(
                    f"{where}: timestamp {ts} outside the archive's {start}..{end}", "ARC-JSON-008"
                )
            if last is not None and ts < last:
                raise CheckFailed(
                    f"{where}: timestamp {ts} after {last}: not ordered from oldest to newest", "ARC-JSON-008"
                )
            last = ts
        if kind in ("model_insert", "model_update"):
            for table, rows in line.items():
                if table not in ("type", "timestamp"):
                    table_rows(table, rows, where, complete=kind == "model_insert")
        elif kind == "model_delete":
            for table, rows in line.items():
                if table in ("type", "timestamp"):
                    continue
                if table not in TABLES:
                    warn(f"{where}: table {table!r} is not in the guide's tables", "ARC-JSON-002")
                for row_id in rows if isinstance(rows, (list, dict)) else [rows]:
                    _row_id(table, row_id)
        elif kind == "session_event":
            session_event(line, where, presentations)


def session_event(line: dict[str, Any], where: str, presentations: set[str]) -> None:
    """ "data, lsid, name, timestamp, type ... All but the data element occur for each session event."
    (ARC-JSON-010); names and data fields the guide's tables give (WARN ARC-JSON-011); presentation events
    the guide excludes (ARC-JSON-012)."""
    for name in ("lsid", "name"):
        if not isinstance(line.get(name), str) or not line.get(name):
            raise CheckFailed(f"{where}: session_event without its {name}", "ARC-JSON-010")
    lsid, name, data = line["lsid"], line["name"], line.get("data")
    if lsid.lower() in presentations and name in EXCLUDED_PRESENTATION_EVENTS:
        raise CheckFailed(
            f"{where}: {name} of presentation {lsid}, an event the guide excludes from archives",
            "ARC-JSON-012",
        )
    fields = SESSION_EVENTS.get(name)
    if fields is None:
        warn(f"{where}: session event {name!r} is not in the guide's tables", "ARC-JSON-011")
        return
    if data is None:
        return
    if not isinstance(data, dict):
        raise CheckFailed(f"{where}: {name} data is {type(data).__name__}, not an object", "ARC-JSON-010")
    if name == "screen_recording" and "presenter_id" in data:
        fields = PRESENTATION_SCREEN_RECORDING
    unknown = [k for k in data if k not in fields]
    if unknown:
        warn(f"{where}: {name} data has {', '.join(unknown)}, not in the guide's table", "ARC-JSON-011")
    missing = [f for f in fields if f not in data and f not in OPTIONAL_DATA]
    if missing:
        warn(f"{where}: {name} data lacks {', '.join(missing)}", "ARC-JSON-011")


# --- replay ---------------------------------------------------------------------------------------------------
# "Integrations must choose the appropriate archive and replay events from that archive to reconstruct the
# state at a given point in time." (ARC-REPLAY-001: to the next state archive; ARC-REPLAY-002: to what the
# real-time API shows)

Tables = dict[str, dict[str, dict[str, Any]]]
SHOWN = 8  # differences named in a failure
# Fields that say which row a row is: the same id in the same lifetime of the model is the same row.
IDENTITY = {"support_session": ("lsid",), "presentation_session": ("lsid",), "representative": ("user_id",)}


def chain(
    entries: Iterable[ArchiveEntry], state: ArchiveEntry, until: int | None = None
) -> list[ArchiveEntry] | None:
    """The event archives that follow `state` without a gap: from the one its event_archive_index names,
    starting at the snapshot, each starting where the one before ends, up to the one that reaches `until`
    (None: as far as they are listed, maybe none yet). None when they do not reach `until` (a gap: the
    processes did not run, or an archive is not listed)."""
    run: list[ArchiveEntry] = []
    for e in sorted((e for e in entries if e.kind == "event" and e.end is not None), key=lambda e: e.time):
        if e.time < state.time:
            continue
        if until is not None and run and run[-1].end >= until:
            break
        first = not run and e.index == state.event_index and e.time <= state.time + 1
        if not (first or run and run[-1].end <= e.time <= run[-1].end + 1):  # +1: an inclusive <end_time>
            break
        run.append(e)
    if until is None:
        return run
    return run if run and run[-1].end >= until else None


def replay(state: dict[str, Any] | None, lines: Iterable[dict[str, Any]]) -> tuple[Tables, list[str]]:
    """The guide's recipe, from a state archive: model_insert and model_update add or merge rows by id,
    model_delete removes ids, truncate_model "clean[s] all rows from all tables". Returns the tables and the
    lines that do not apply to the model they reach (an insert of a row it has, an update or delete of a
    row it lacks: "This ID is unique for the lifetime of the model")."""
    tables: Tables = {t: {str(i): dict(r) for i, r in rows.items() if isinstance(r, dict)}
                      for t, rows in (state or {}).items() if isinstance(rows, dict)}  # fmt: skip
    problems: list[str] = []
    for n, line in enumerate(lines, 1):
        kind = line.get("type")
        if kind == "truncate_model":
            tables = {}
            continue
        if kind not in ("model_insert", "model_update", "model_delete"):
            continue
        for table, rows in line.items():
            if table in ("type", "timestamp"):
                continue
            live = tables.setdefault(table, {})
            if kind == "model_delete":
                for row_id in rows if isinstance(rows, (list, dict)) else [rows]:
                    if live.pop(str(row_id), None) is None:
                        problems.append(f"line {n}: model_delete of {table} {row_id}, a row the model lacks")
                continue
            for row_id, fields in (rows if isinstance(rows, dict) else {}).items():
                if not isinstance(fields, dict):
                    continue
                row = live.get(str(row_id))
                if (row is None) != (kind == "model_insert"):
                    has = "has" if row is not None else "lacks"
                    problems.append(f"line {n}: {kind} of {table} {row_id}, a row the model {has}")
                live.setdefault(str(row_id), {}).update(fields)
    return tables, problems


def differences(replayed: Tables, state: dict[str, Any]) -> dict[tuple[str, str, str | None], str]:
    """Where a replayed model and a state archive differ, by (table, row id, field or None for the row):
    a row only one of them has, a field whose values differ (a field one lacks counts as null)."""
    out: dict[tuple[str, str, str | None], str] = {}
    for table in sorted(set(replayed) | {t for t, rows in state.items() if isinstance(rows, dict)}):
        ours = replayed.get(table, {})
        theirs = state.get(table) if isinstance(state.get(table), dict) else {}
        for row_id in sorted(set(ours) | set(theirs), key=lambda i: (len(i), i)):
            a, b = ours.get(row_id), theirs.get(row_id)
            if a is None or not isinstance(b, dict):
                where = "the state archive" if a is None else "the replay"
                out[(table, row_id, None)] = f"{table} row {row_id} only in {where}"
                continue
            for name in sorted(set(a) | set(b)):
                if a.get(name) != b.get(name):
                    out[(table, row_id, name)] = (
                        f"{table} row {row_id} {name}: replayed {a.get(name)!r}, archived {b.get(name)!r}"
                    )
    return out


def replay_to_state(
    before: dict[str, Any], lines: list[dict[str, Any]], after: dict[str, Any], at: int, where: str
) -> None:
    """A state archive + the event archives after it reconstruct the next state archive, taken at `at`,
    table by table, row by row and field by field (ARC-REPLAY-001). Lines stamped `at` itself may fall on
    either side of that snapshot (a timestamp has seconds only): a difference is one under both readings."""
    lines = [line for line in lines if not isinstance(line.get("timestamp"), int) or line["timestamp"] <= at]
    earlier = [line for line in lines if not isinstance(line.get("timestamp"), int) or line["timestamp"] < at]
    model, problems = replay(before, lines)
    found = differences(model, after)
    if len(earlier) < len(lines):
        found = {k: v for k, v in differences(replay(before, earlier)[0], after).items() if k in found}
    if problems or found:
        raise CheckFailed(
            f"{where}: replaying the event archives does not give the next state archive: "
            + _some([*problems, *found.values()]),
            "ARC-REPLAY-001",
        )
    if any(line.get("type") == "truncate_model" for line in lines):
        judged("ARC-JSON-013")  # the rows after it, and only those, made the next state archive


def replay_to_realtime(model: Tables, at: int, realtime: Tables, where: str) -> int:
    """The archives' model at `at` (a state archive + the event archives after it) and the real-time API's
    model, seen later, are one model (ARC-REPLAY-002): a row the real-time API shows that was created before
    `at` is in the archives' model, in the same table under the same id; a row both hold is the same row
    (its created_timestamp, and the lsid or user_id that identify it). Rows created at or after `at` and
    fields that may have changed since are not judged: the real-time API shows only the present. Returns
    how many rows both hold."""
    found, both = [], 0
    for table, rows in sorted(realtime.items()):
        archived = model.get(table, {})
        for row_id, row in rows.items():
            old = archived.get(row_id)
            created = row.get("created_timestamp")
            if old is None:
                if isinstance(created, int) and not isinstance(created, bool) and created < at:
                    found.append(f"{table} row {row_id} (created {created}) is not in the archives' model")
                continue
            both += 1
            for name in ("created_timestamp", *IDENTITY.get(table, ())):
                if name in row and old.get(name) != row[name]:
                    found.append(
                        f"{table} row {row_id} {name}: archived {old.get(name)!r}, real-time {row[name]!r}"
                    )
    if found:
        raise CheckFailed(
            f"{where}: the archives' model of {at} and the real-time model disagree: " + _some(found),
            "ARC-REPLAY-002",
        )
    return both


def _some(found: list[str]) -> str:
    more = f" (and {len(found) - SHOWN} more)" if len(found) > SHOWN else ""
    return "; ".join(found[:SHOWN]) + more
