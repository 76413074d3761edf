"""The JSON inside the Archive report's gzip files (guide: "Download Reports with Archive").

State archive: one JSON object, one key per table of the guide's "JSON Tables and Fields for model_insert
and model_update", each holding `{"<id>": {<field>: <value>, ...}}` or null when the table has no row.

Event archive: one JSON object per line, oldest first, each with `"type"` (`model_insert`, `model_update`,
`model_delete`, `truncate_model`, `session_event`) and `"timestamp"` (UNIX, UTC):
- `model_insert` / `model_update`: table names as further keys, each `{"<id>": {fields}}` (as in the state
  archive); an insert carries every field of the table (null when blank), an update the changed fields;
- `model_delete`: table names as keys, each a list of the deleted ids (as the real-time API's `delete`);
- `truncate_model`: nothing else;
- `session_event`: `lsid`, `name` (the guide's snake_case table name, e.g. `chat_message`) and `data`.

Choices where the guide is silent:
- the layouts above (the guide names the event types and tables but prints no example line); ids are strings,
  as JSON object keys must be; one line per event type per committed model change, so a change made in one
  transaction shares one timestamp;
- the endpoint fields (customer_client and representative public_ip, private_ip, hostname,
  operating_system: the catalogue's `endpoint` fields) are the live model's strings, never null: real
  integrations call `public_ip.split(':', 1)` on every row; the other fields the archive tables document
  beyond the live model (representative.console_in_focus, selected_support_session_id,
  representative_support_session.selected_support_session_service_tool, the table
  representative_support_session_tool) are null (blank), except `connected`, which is 1: the live model
  only holds connected clients and representatives;
- session events come from the history store; those with no JSON table in the guide (Session Start, Session
  End, Conference Member ..., External Key) are left out, as the guide leaves them out for presentations;
  documented fields the store does not hold are null; `performed_by` and `destination` are objects
  `{"gsnumber", "type", "name"}`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from harness.appliance.state import Batch, Change
from harness.catalogue.archive import OPTIONAL_DATA, SESSION_EVENTS
from harness.catalogue.model import ARCHIVE

# The guide's archive tables and their fields, in the guide's order (harness.catalogue.model).
TABLES: dict[str, tuple[str, ...]] = {name: tuple(fields) for name, fields in ARCHIVE.items()}
# rows exist only while connected, so an archive-only `connected` is 1 (the attendee's is the live model's)
CONNECTED = {
    name for name, fields in ARCHIVE.items() if "connected" in fields and not fields["connected"].realtime
}

# The XML event_type (SupportSession report) of each JSON name that is not its plain snake_case.
RENAMED = {
    "File Download Failed": "file_download_incomplete",
    "File Upload Failed": "file_upload_incomplete",
    "Representative Exit Survey": "representative_survey",
}


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def archive_row(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A live-model row in the archive's layout: every documented field, null when the model has none."""
    out = {name: row.get(name) for name in TABLES[table]}
    if table in CONNECTED:
        out["connected"] = 1
    return out


def state_document(tables: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, Any]:
    """The state archive object: every table, null when empty."""
    return {name: (dict(tables[name]) if tables.get(name) else None) for name in TABLES}


def batch_lines(ts: int, batch: Batch) -> list[dict[str, Any]]:
    """The event lines of one committed change of the live model."""
    if batch.truncated:
        return [{"type": "truncate_model", "timestamp": ts}]
    lines: dict[str, dict[str, Any]] = {}
    for change in batch.changes:
        kind = f"model_{change.kind}"
        line = lines.setdefault(kind, {"type": kind, "timestamp": ts})
        line.setdefault(change.table, [] if change.kind == "delete" else {})
        _add(line[change.table], change)
    order = {"model_insert": 0, "model_update": 1, "model_delete": 2}  # net changes: any order replays
    return sorted(lines.values(), key=lambda line: order[line["type"]])


def _add(target: list | dict, change: Change) -> None:
    for row_id, row in change.rows.items():
        if change.kind == "delete":
            target.append(str(row_id))
        elif change.kind == "insert":
            target[str(row_id)] = archive_row(change.table, row)
        else:
            target[str(row_id)] = {k: v for k, v in row.items() if k in TABLES[change.table]}


def insert_line(ts: int, snapshot: Mapping[str, Mapping[int, Mapping[str, Any]]]) -> dict[str, Any] | None:
    """One model_insert of every row of a live snapshot (after a truncate at start), or None if empty."""
    line: dict[str, Any] = {"type": "model_insert", "timestamp": ts}
    for table, rows in snapshot.items():
        if rows:
            line[table] = {str(i): archive_row(table, r) for i, r in rows.items()}
    return line if len(line) > 2 else None


def apply(tables: dict[str, dict[str, dict[str, Any]]], line: Mapping[str, Any]) -> None:
    """Replay one event line onto archive-layout tables (what an integration does, per the guide)."""
    kind = line["type"]
    if kind == "truncate_model":
        for rows in tables.values():
            rows.clear()
        return
    for table, rows in line.items():
        if table not in TABLES:
            continue
        if kind == "model_delete":
            for row_id in rows:
                tables[table].pop(row_id, None)
        elif kind in ("model_insert", "model_update"):
            for row_id, fields in rows.items():
                tables[table].setdefault(row_id, {}).update(fields)


def empty_tables() -> dict[str, dict[str, dict[str, Any]]]:
    return {name: {} for name in TABLES}


# --- session events --------------------------------------------------------------------------------


def event_name(event_type: str) -> str | None:
    """The session_event name of an XML event_type, or None when the guide gives it no JSON table."""
    name = RENAMED.get(event_type, event_type.lower().replace(" ", "_"))
    return name if name in SESSION_EVENTS else None


def entity(e) -> dict[str, Any] | None:
    return None if e is None else {"gsnumber": e.gsnumber, "type": e.type, "name": e.name}


def session_event_line(
    lsid: str, name: str, event, derived: Mapping[str, Any], presentation: bool = False
) -> dict[str, Any]:
    """A session_event line: the documented data fields of `name`, from the history event and `derived`."""
    known: dict[str, Any] = {
        "performed_by": entity(event.performed_by),
        "destination": entity(event.destination),
        "body": event.body,
        "size": event.filesize,
        "files": [{"name": n, "size": s, "type": "file"} for n, s in event.files] or None,
        "system_information": [
            {"name": c["name"], "columns": c["fields"], "rows": c["rows"]} for c in event.system_information
        ]
        or None,
    }
    known["name" if name != "directory_created" else "path"] = event.filename
    known.update(dict(event.data))
    known.update(derived)
    fields = SESSION_EVENTS[name]
    if (
        presentation and name == "screen_recording"
    ):  # "JSON Tables and Fields for Presentation Session Events"
        fields = ("presenter_id", "download_url", "view_url", "appliance_guid")
    data = {f: known.get(f) for f in fields if f not in OPTIONAL_DATA or known.get(f) is not None}
    return {"type": "session_event", "timestamp": event.ts, "lsid": lsid, "name": name, "data": data}


def encode_lines(lines: Iterable[Mapping[str, Any]]) -> bytes:
    return b"".join(dumps(line) + b"\n" for line in lines)
