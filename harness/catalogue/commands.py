"""The command API's actions as data: access, answer root, first API version, parameters and the requirement
each action's access rule is. The embedded appliance (appliance/command.py, appliance/legacy_command.py),
the suites' permission matrices and the fuzz tests read these tables; nothing else restates them.

Sources: the BeyondTrust RS 21.3 API guide (API 1.21.1), "Required Parameters for Command API", each "API
Command: <action>" and the "API Change Log"; for API 1.7.0 the Bomgar 12.1 API guide, "About the Command
API" to "The get_api_info Request".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Access = Literal["read_only", "full_access"]
# The suite area (suites/test_command_<area>.py) whose guide sections the action belongs to.
Area = Literal["reps_teams", "sessions", "appliance", "clients", "jump_shortcuts", "api_info"]
LegacyPermission = Literal["command", "support", "admin"]  # legacy_auth.NEEDS


@dataclass(frozen=True)
class CommandAction:
    """One action of the 21.3 guide. Every action may also answer a root <error>."""

    name: str
    area: Area
    access: Access  # as the guide's section says: read_only means "read-only or full access"
    roots: tuple[str, ...]  # the success answer's root element(s)
    access_req: str  # the requirement that is the action's access rule
    since: str | None = None  # the change log's version; None: before its first entry (1.11.0), undated
    changes_state: bool = False
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    one_of: tuple[tuple[str, ...], ...] = ()  # groups of which one parameter is required
    families: tuple[str, ...] = ()  # parameter name prefixes: session.custom.<code name>
    parameter_req: str | None = None  # the requirement a full account's <error> to the bare request is


_SESSION_CUSTOM = ("session.custom.external_key",)
_JUMP_HOSTNAMES = (
    "local_jump_hostname", "remote_jump_hostname", "remote_vnc_hostname", "local_vnc_hostname",
    "remote_rdp_hostname", "rdp_hostname", "shelljump_hostname", "vpro_hostname",
)  # fmt: skip
_JUMP_OPTIONS = (
    "jumpoint", "protocol", "tag", "comments", "jump_policy", "session_policy", "public_portal", "port",
    "rdp_username", "domain", "display_size", "quality", "console", "ignore_untrusted", "shelljump_username",
    "terminal", "keep_alive",
)  # fmt: skip

# In the guide's order. Choices where the guide is silent: check_health's root is the schema's
# <health_check>; send_chat_message and leave_session answer <success>, create_virtual_customer
# <virtual_customer> (the guide documents only its fields). The guide's "Isid" is read as lsid.
COMMAND_ACTIONS: tuple[CommandAction, ...] = (
    CommandAction("get_logged_in_reps", "reps_teams", "read_only", ("logged_in_reps",), "CMD-GLR-008"),
    CommandAction(
        "set_rep_status", "reps_teams", "read_only", ("success",), "CMD-SRS-006", since="1.21.1",
        changes_state=True, required=("rep_id", "code_name"), parameter_req="CMD-SRS-001",
    ),
    CommandAction(
        "get_support_teams", "reps_teams", "read_only", ("support_teams",), "CMD-GST-009",
        optional=("showmembers",),
    ),
    CommandAction(
        "generate_session_key", "sessions", "full_access", ("session_key",), "CMD-GSK-002",
        changes_state=True, required=("type", "queue_id"),
        optional=(*_SESSION_CUSTOM, "session.priority", "session.skills", "ttl", "url_hostname"),
        families=("session.custom.",),
    ),
    CommandAction(
        "join_session", "sessions", "full_access", ("success",), "CMD-JOIN-001", changes_state=True,
        required=("lsid",), one_of=(("rep_id", "rep_username"),),
    ),
    CommandAction(
        "transfer_session", "sessions", "full_access", ("success",), "CMD-XFER-001", changes_state=True,
        required=("lsid", "queue_id"),
    ),
    CommandAction(
        "send_chat_message", "sessions", "read_only", ("success",), "CMD-CHAT-001", changes_state=True,
        required=("body",), optional=("to_rep", "to_rep_username", "impersonate", "timestamp"),
        one_of=(("lsid", "team_id"),),
    ),
    CommandAction(
        "create_virtual_customer", "sessions", "read_only", ("virtual_customer",), "CMD-VC-001",
        changes_state=True, required=("short_key", "name", "ip_address", "operating_system", "computer_name"),
        optional=("chat_url",),
    ),
    CommandAction(
        "leave_session", "sessions", "read_only", ("success",), "CMD-LEAVE-001", changes_state=True,
        required=("lsid",), one_of=(("rep_id", "rep_username", "customer"),),
    ),
    CommandAction(
        "set_session_attributes", "sessions", "full_access", ("success",), "CMD-SSA-001", since="1.12.0",
        changes_state=True, required=("lsid",), optional=_SESSION_CUSTOM, families=("session.custom.",),
    ),
    CommandAction(
        "get_session_attributes", "sessions", "read_only", ("custom_attributes",), "CMD-GSA-001",
        since="1.12.0", required=("lsid",),
    ),
    CommandAction(
        "terminate_session", "sessions", "full_access", ("success",), "CMD-TERM-001", changes_state=True,
        required=("lsid",),
    ),
    CommandAction("get_appliances", "appliance", "read_only", ("appliances",), "CMD-GAP-005", since="1.11.0"),
    CommandAction(
        "get_connected_client_list", "clients", "read_only", ("connected_client_list",), "CMD-GCCL-009",
        since="1.11.0", optional=("type", "summary_only"),
    ),
    CommandAction(
        # The guide heads these "Required Parameters", but each has a default (type=all, every id).
        "get_connected_clients", "clients", "read_only", ("connected_clients",), "CMD-GCC-014",
        since="1.11.0", optional=("type", "id", "include_connections"),
    ),
    CommandAction("check_health", "appliance", "read_only", ("health_check",), "CMD-CHK-005", since="1.12.0"),
    CommandAction(
        "set_failover_role", "appliance", "full_access", ("success",), "CMD-SFR-006", since="1.12.0",
        changes_state=True, required=("role",), optional=("data_sync_first", "force"),
        parameter_req="CMD-SFR-001",
    ),
    CommandAction(
        # The change log adds it in 1.15.0 ("import_jump_shortcuts": the section and every example say
        # import_jump_shortcut); `name` came with 1.16.0 (IMPORT_JUMP_SHORTCUT_NAME_SINCE).
        "import_jump_shortcut", "jump_shortcuts", "full_access", ("success",), "CMD-IJS-010", since="1.15.0",
        changes_state=True, required=("name", "group"), optional=_JUMP_OPTIONS, one_of=(_JUMP_HOSTNAMES,),
        parameter_req="CMD-IJS-002",
    ),
    CommandAction("get_api_info", "api_info", "read_only", ("api_information",), "CMD-GAI-007"),
)  # fmt: skip
COMMANDS: dict[str, CommandAction] = {a.name: a for a in COMMAND_ACTIONS}
IMPORT_JUMP_SHORTCUT_NAME_SINCE = "1.16.0"  # change log 1.16.0: "Specify a name for Jump Items."


@dataclass(frozen=True)
class LegacyCommandAction:
    """One action of the 12.1 guide (API 1.7.0): the legacy permission it needs and its answer."""

    name: str
    permission: LegacyPermission
    roots: tuple[str, ...]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


# The 12.1 guide's action list plus join_session, which has its own section. "For all commands, this user
# must have permission to use the command API"; generate_session_key also remote support, transfer_session
# an administrator. get_api_info: what appliances send, then what the guide prints (/get_api_info).
LEGACY_COMMAND_ACTIONS: tuple[LegacyCommandAction, ...] = (
    LegacyCommandAction(
        "generate_session_key", "support", ("session_key",), required=("type", "queue_id"),
        optional=("ttl", "external_key", "url_hostname"),
    ),
    LegacyCommandAction("join_session", "command", ("success",), required=("lsid", "rep_id")),
    LegacyCommandAction("transfer_session", "admin", ("success",), required=("lsid", "queue_id")),
    LegacyCommandAction("get_logged_in_reps", "command", ("logged_in_reps",)),
    LegacyCommandAction("get_support_teams", "command", ("support_teams",), optional=("showmembers",)),
    LegacyCommandAction("get_api_info", "command", ("api_information", "get_api_info")),
)  # fmt: skip
LEGACY_COMMANDS: dict[str, LegacyCommandAction] = {a.name: a for a in LEGACY_COMMAND_ACTIONS}
