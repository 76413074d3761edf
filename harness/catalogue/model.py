"""The guide's table model as data: the real-time state API's tables ("System State Model of the Real-Time
API") and the Archive report's ("JSON Tables and Fields for model_insert and model_update"), written once.

The embedded appliance's live model (appliance/state.py) and archive JSON (appliance/archive_format.py), and
the checks of both APIs (checks/realtime.py, checks/archives.py), read these tables instead of restating them.
A catalogue slip is therefore shared by the appliance and the checks: the tests keep their own copy of the
guide's table and field names to catch one.

The two sections print the same tables, fields and types; the archive's add fields and one table, flagged
`realtime=False`. Tables are in the guide's order, fields in its (alphabetical) order; the row id "(id)" is
no field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# The guide's kinds: [timestamp], [boolean] (1 / 0), [integer], [string], [guid].
TIMESTAMP, BOOLEAN, INTEGER, STRING, GUID = "timestamp", "boolean", "integer", "string", "guid"
STRING_OR_INTEGER = "string or integer"  # only as an `archive_type`: the archive check takes either
RESTRICT, CASCADE = "restrict", "cascade"  # what deleting a referenced row does to the referring row


@dataclass(frozen=True)
class Field:
    type: str  # one of the kinds above
    ref: str | None = None  # the table this foreign key points to
    on_delete: str | None = None  # RESTRICT or CASCADE, for a reference the live model holds
    optional: bool = False  # a live row may lack it
    choices: tuple | None = None  # "May be one of ..."
    realtime: bool = True  # False: in the archive tables only, not in the real-time tables
    endpoint: bool = False  # a string real archives carry on every row, never null (DESIGN.md, Facts)
    ip: bool = False  # an IP address ("The endpoint's public IP address", ...)
    archive_type: str | None = None  # how the archive check takes the value, where it departs from `type`


@dataclass(frozen=True)
class Table:
    fields: dict[str, Field] = field(default_factory=dict)
    realtime: bool = True  # False: in the archive tables only


CLIENT_TYPES = ("desktop", "mobile", "rdp", "vnc", "vpro", "shell", "web_chat")
QUEUE_TYPES = ("prewait", "team", "personal")
REPRESENTATIVE_TYPES = ("normal", "invited")
ROLES = ("member", "lead", "manager")
PRIORITIES = (1, 2, 3)  # 1 (high), 2 (medium), 3 (low)
START_METHODS = (
    "session_key", "rep_list", "issue_submission", "local_jump", "remote_jump", "shell_jump",
    "local_rdp", "remote_rdp", "local_vnc", "remote_vnc", "vpro",
)  # fmt: skip
SERVICE_TOOLS = (
    "screen_sharing", "cobrowse", "file_transfer", "system_information", "remote_shell", "registry",
)  # fmt: skip

_TS = Field(TIMESTAMP)
_BOOL = Field(BOOLEAN)
_STR = Field(STRING)
_OPT = Field(STRING, optional=True)


def _ref(table: str, on_delete: str | None = None, **kw) -> Field:
    return Field(INTEGER, ref=table, on_delete=on_delete, **kw)


def _endpoint(realtime: bool = True, ip: bool = False) -> Field:
    return Field(STRING, realtime=realtime, endpoint=True, ip=ip)


TABLES: dict[str, Table] = {
    "customer_client": Table({
        "client_type": Field(STRING, choices=CLIENT_TYPES),
        "connected": Field(BOOLEAN, realtime=False),
        "created_timestamp": _TS,
        "elevated": _BOOL,
        "hostname": _endpoint(),
        "operating_system": _endpoint(),
        "private_ip": _endpoint(realtime=False, ip=True),
        "public_ip": _endpoint(realtime=False, ip=True),
        "support_session_id": _ref("support_session", CASCADE),
    }),
    "queue": Table({
        "code_name": _OPT,  # "Personal queues do not have code names."
        "created_timestamp": _TS,
        "name": _STR,
        # "[string]"; "The ID is not shown for personal queues." Real clients compare it to an integer.
        "support_team_id": Field(STRING, optional=True, archive_type=STRING_OR_INTEGER),
        "type": Field(STRING, choices=QUEUE_TYPES),
    }),
    "representative": Table({
        "connected": Field(BOOLEAN, realtime=False),
        "console_in_focus": Field(BOOLEAN, realtime=False),
        "created_timestamp": _TS,
        "hostname": _endpoint(realtime=False),
        "operating_system": _endpoint(realtime=False),
        "private_display_name": _STR,
        "private_ip": _endpoint(realtime=False, ip=True),
        "public_display_name": _STR,
        "public_ip": _endpoint(realtime=False, ip=True),
        "queue_id": _ref("queue", RESTRICT),  # the personal queue
        "routing_available": _BOOL,
        "routing_busy": _BOOL,
        "routing_enabled": _BOOL,
        "routing_idle": _BOOL,
        "selected_support_session_id": _ref("support_session", realtime=False),
        "skill_code_names": _STR,
        "type": Field(STRING, choices=REPRESENTATIVE_TYPES),
        "user_id": Field(INTEGER),
        "username": _STR,
    }),
    "representative_queue": Table({
        "created_timestamp": _TS,
        "queue_id": _ref("queue", CASCADE),
        "representative_id": _ref("representative", CASCADE),
        "role": Field(STRING, choices=ROLES),
    }),
    "representative_support_session": Table({
        "created_timestamp": _TS,
        "representative_id": _ref("representative", CASCADE),
        "selected_support_session_service_tool": Field(STRING, choices=SERVICE_TOOLS, realtime=False),
        "support_session_id": _ref("support_session", CASCADE),
    }),
    "representative_support_session_tool": Table(
        {
            "created_timestamp": _TS,
            "representative_id": _ref("representative"),
            "support_session_id": _ref("support_session"),
            "tool": Field(STRING, choices=SERVICE_TOOLS),
        },
        realtime=False,
    ),
    "support_session": Table({
        "created_timestamp": _TS,
        "customer_company": _OPT,  # the customer's answers: a session may start without them
        "customer_company_code": _OPT,
        "customer_description": _OPT,
        "customer_name": _OPT,
        "estimated_pickup_timestamp": _TS,
        "issue_code_name": _OPT,
        "issue_description": _OPT,
        "lsid": _STR,
        # "the last team queue that owned the session": a session that never sat in a team queue has none.
        # RESTRICT: a queue does not vanish under the sessions waiting in it (the simulation moves them).
        "primary_team_queue_id": _ref("queue", RESTRICT, optional=True),
        "priority": Field(INTEGER, choices=PRIORITIES),
        "public_site_id": Field(INTEGER),
        "public_site_name": _STR,
        "queue_entry_timestamp": _TS,
        "queue_id": _ref("queue", RESTRICT),
        "start_method": Field(STRING, choices=START_METHODS),
    }),
    "support_session_attribute": Table({
        "code_name": _STR,
        "created_timestamp": _TS,
        "support_session_id": _ref("support_session", CASCADE),
        "value": _STR,
    }),
    "support_session_skill": Table({
        "code_name": _STR,
        "created_timestamp": _TS,
        "support_session_id": _ref("support_session", CASCADE),
    }),
    "presentation_session": Table({
        "created_timestamp": _TS,
        # [guid] in both sections; the archive check has judged it a plain string (no GUID-shape WARN).
        "lsid": Field(GUID, archive_type=STRING),
        "presentation_name": _STR,
    }),
    "attendee": Table({
        "connected": _BOOL,
        "created_timestamp": _TS,
        "hostname": _STR,
        "name": _STR,
        "operating_system": _STR,
        # [integer], yet "The logging session ID that uniquely identifies this presentation": the live model
        # and the real-time check take a row reference; the archive check takes either, and looks up neither.
        "presentation_session_id": _ref("presentation_session", CASCADE, archive_type=STRING_OR_INTEGER),
        "private_ip": Field(STRING, ip=True),
        "public_ip": Field(STRING, ip=True),
    }),
    "presenter": Table({
        "created_timestamp": _TS,
        "presentation_session_id": _ref("presentation_session", CASCADE, archive_type=STRING_OR_INTEGER),
        "representative_id": _ref("representative", CASCADE),
    }),
}  # fmt: skip

# The two APIs' views: table -> field -> Field, in the guide's order.
REALTIME: dict[str, dict[str, Field]] = {
    name: {f: spec for f, spec in table.fields.items() if spec.realtime}
    for name, table in TABLES.items()
    if table.realtime
}
ARCHIVE: dict[str, dict[str, Field]] = {name: dict(table.fields) for name, table in TABLES.items()}


def _named(flag: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    tables = tuple(t for t, fields in ARCHIVE.items() if any(getattr(s, flag) for s in fields.values()))
    names = {f: None for t in tables for f, s in ARCHIVE[t].items() if getattr(s, flag)}
    return tables, tuple(names)


IP_TABLES, IP_FIELDS = _named("ip")  # (customer_client, representative, attendee), (private_ip, public_ip)
ENDPOINT_TABLES, ENDPOINT_FIELDS = _named("endpoint")  # (customer_client, representative), 4 fields
