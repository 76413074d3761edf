"""Fault profiles of the command API's answers."""

from __future__ import annotations

import re

from harness.appliance.faults import COMMAND_NS, Body, Fault, Increment, Replace, Status, Where, fault
from harness.catalogue.commands import COMMAND_ACTIONS


def _error_doc(message: str) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<error xmlns="'
        + COMMAND_NS.encode()
        + b'">'
        + message.encode()
        + b"</error>\n"
    )


def _as_error(where: Where, message: str) -> Body:
    """The answer replaced by a command API <error> with `message`."""
    doc = _error_doc(message)
    return Body(where, lambda _body: doc)


def _as_success(where: Where) -> tuple[Replace, Replace]:
    """An <error> answer turned into a <success> with the same text (`where` must match it by its text)."""
    return Replace(where, b"<error ", b"<success "), Replace(where, b"</error>", b"</success>")


def _on(action: str, query: str = "", has: bytes = b"") -> Where:
    return Where("/api/command", query=f"action={action}" if not query else query, has=has)


def _accepts(name: str, doc: str, req: str, action: str, message: str, query: str | None = None) -> Fault:
    """A request the guide has refused with an <error> answered <success> instead."""
    where = Where("/api/command", query=f"action={action}" if query is None else query, has=message.encode())
    return fault(name, doc, {req: "FAIL"}, *_as_success(where))


def _refuses(name: str, doc: str, req: str, action: str, query: str, message: str) -> Fault:
    """A request the guide has succeed answered with an <error> instead."""
    where = Where("/api/command", query=query, has=b"<")
    return fault(name, doc, {req: "FAIL"}, _as_error(where, message))


# Each action's access requirement (the catalogue's): an account without the access it needs gets the answer.
ACCESS = tuple((a.name, a.access_req) for a in COMMAND_ACTIONS)

ACCESS_FAULTS = tuple(
    _accepts(
        f"{action.replace('_', '-')}-access-not-enforced",
        f"{action} refused to an account without the access it needs is answered <success> instead of <error>.",
        req,
        action,
        f"access to {action}<",
    )
    for action, req in ACCESS
)

MORE = (
    fault(
        "read-only-perm-command-full",
        "get_api_info tells a read-only account its perm_command is full_access.",
        {"CMD-GAI-002": "FAIL"},
        Replace(_on("get_api_info"), b'"perm_command">read_only<', b'"perm_command">full_access<'),
    ),
    fault(
        "get-teams-by-get-renumbered",
        "get_support_teams by GET numbers team 2 as 22 (a form POST still says 2).",
        {"CMD-GEN-001": "FAIL"},
        Replace(_on("get_support_teams"), b'<support_team id="2">', b'<support_team id="22">'),
    ),
    _accepts(
        "missing-action-accepted",
        "A request without an action is answered <success>.",
        "CMD-GEN-006",
        "",
        "Missing required parameter: action<",
        query="",
    ),
    _accepts(
        "unknown-action-accepted",
        "An action not in the guide's list is answered <success>.",
        "CMD-GEN-007",
        "",
        ">Invalid action<",
        query="",
    ),
    fault(
        "anonymous-api-info",
        "get_api_info without a token is answered with the API information.",
        {"CMD-GEN-009": "FAIL"},
        Status(Where("/api/command", has=b"access_denied"), 200),
        Body(Where("/api/command", has=b"access_denied"), lambda _b: b"<api_information/>"),
    ),
    fault(
        "logged-in-reps-error",
        "get_logged_in_reps answers an <error> while representatives are logged in.",
        {"CMD-GLR-001": "FAIL"},
        _as_error(_on("get_logged_in_reps", has=b"<logged_in_reps"), "Unable to list representatives"),
    ),
    fault(
        "rep-id-listed-twice",
        "get_logged_in_reps lists representative id 1 twice.",
        {"CMD-GLR-002": "FAIL"},
        Replace(_on("get_logged_in_reps"), b'<rep id="3">', b'<rep id="1">'),
    ),
    fault(
        "rep-logged-in-in-the-future",
        "get_logged_in_reps' <logged_in_since> a century ahead.",
        {"CMD-GLR-006": "FAIL"},
        Replace(_on("get_logged_in_reps"), b"<logged_in_since>20", b"<logged_in_since>21"),
    ),
    _accepts(
        "rep-status-without-rep-id",
        "set_rep_status without rep_id answered <success>.",
        "CMD-SRS-001",
        "set_rep_status",
        "Missing required parameter: rep_id<",
    ),
    fault(
        "rep-status-set-http-202",
        "set_rep_status answers its <success> with HTTP 202.",
        {"CMD-SRS-003": "FAIL"},
        Status(_on("set_rep_status", has=b"<success"), 202),
    ),
    _accepts(
        "rep-status-unknown-rep-accepted",
        "set_rep_status for a representative who is not logged in answered <success>.",
        "CMD-SRS-004",
        "set_rep_status",
        "Invalid representative ID: 999999999<",
    ),
    fault(
        "support-teams-http-202",
        "get_support_teams without showmembers answered with HTTP 202.",
        {"CMD-GST-001": "FAIL"},
        Status(_on("get_support_teams", has=b"<support_teams"), 202),
    ),
    fault(
        "showmembers-ignored",
        "get_support_teams&showmembers=1 lists no <members>.",
        {"CMD-GST-002": "FAIL"},
        Body(
            _on("", query="showmembers=1"),
            lambda b: re.sub(rb"<members>.*?</members>", b"", b, flags=re.DOTALL),
        ),
    ),
    fault(
        "team-id-listed-twice",
        "get_support_teams lists team id 1 twice.",
        {"CMD-GST-005": "FAIL"},
        Replace(_on("get_support_teams"), b'<support_team id="2">', b'<support_team id="1">'),
    ),
    fault(
        "team-renamed-with-members",
        "get_support_teams&showmembers=1 names team 2 differently.",
        {"CMD-GST-007": "FAIL"},
        Replace(_on("", query="showmembers=1"), b"<name>Service Desk<", b"<name>Service desk<"),
    ),
    fault(
        "appliance-listed-twice",
        "get_appliances lists the appliance twice with one GUID.",
        {"CMD-GAP-002": "FAIL"},
        Body(
            _on("get_appliances"),
            lambda b: re.sub(rb"(<appliance .*</appliance>)", rb"\1\1", b, flags=re.DOTALL),
        ),
    ),
    fault(
        "health-hostname-empty",
        "check_health's <appliance> has no hostname.",
        {"CMD-CHK-001": "FAIL"},
        Body(_on("check_health"), lambda b: re.sub(rb'(<appliance id="\w+">)[^<]*', rb"\1", b)),
    ),
    _accepts(
        "failover-role-missing-accepted",
        "set_failover_role without role answered <success>.",
        "CMD-SFR-001",
        "set_failover_role",
        "Missing required parameter: role<",
    ),
    fault(
        "failover-role-changed-wording",
        "set_failover_role with data_sync_first=0 answers <success>Role changed</success>.",
        {"CMD-SFR-002": "FAIL"},
        Replace(_on("", query="data_sync_first=0"), b"Successfully changed role", b"Role changed"),
    ),
    fault(
        "failover-sync-started-wording",
        "set_failover_role with data_sync_first=1 answers <success>Data sync started</success>.",
        {"CMD-SFR-003": "FAIL"},
        Body(
            _on("", query="data_sync_first=1", has=b"<success"),
            lambda b: re.sub(rb">[^<]*</success>", b">Data sync started</success>", b),
        ),
    ),
    fault(
        "failover-force-refused",
        "set_failover_role to backup with force=1 answers an <error>.",
        {"CMD-SFR-004": "FAIL"},
        _as_error(_on("", query="force=1", has=b"<success"), "The peer appliance cannot be contacted"),
    ),
    fault(
        "vpro-shortcut-refused",
        "import_jump_shortcut refuses a vPro shortcut.",
        {"CMD-IJS-001": "FAIL"},
        _as_error(_on("", query="vpro_hostname=", has=b"<success"), "Invalid Jumpoint"),
    ),
    _accepts(
        "shortcut-unknown-group-accepted",
        "import_jump_shortcut into a Jump Group that does not exist answered <success>.",
        "CMD-IJS-002",
        "import_jump_shortcut",
        "Invalid Jump Group",
    ),
    fault(
        "shortcut-128-name-refused",
        "import_jump_shortcut refuses a 128-character name.",
        {"CMD-IJS-003": "FAIL"},
        _as_error(_on("", query="n" * 100, has=b"<success"), "name exceeds the maximum length"),
    ),
    fault(
        "shortcut-1024-tag-refused",
        "import_jump_shortcut refuses a 1024-character tag or comments.",
        {"CMD-IJS-005": "FAIL"},
        _as_error(_on("", query="t" * 1000, has=b"<success"), "tag exceeds the maximum length"),
    ),
    fault(
        "shortcut-keep-alive-300-refused",
        "import_jump_shortcut refuses keep_alive=300.",
        {"CMD-IJS-006": "FAIL"},
        _as_error(_on("", query="keep_alive=300", has=b"<success"), "Invalid keep_alive"),
    ),
    _accepts(
        "shortcut-terminal-vt220-accepted",
        "import_jump_shortcut with terminal=vt220 answered <success>.",
        "CMD-IJS-007",
        "import_jump_shortcut",
        "Invalid terminal",
    ),
    fault(
        "general-key-http-202",
        "generate_session_key answers a general-queue key with HTTP 202.",
        {"CMD-GSK-001": "FAIL"},
        Status(_on("", query="queue_id=general", has=b"<session_key"), 202),
    ),
    _accepts(
        "key-type-presentation-accepted",
        "generate_session_key with type=presentation answered <success>.",
        "CMD-GSK-003",
        "generate_session_key",
        "Invalid session type",
    ),
    _accepts(
        "key-without-queue-accepted",
        "generate_session_key without queue_id answered <success>.",
        "CMD-GSK-004",
        "generate_session_key",
        "Missing required parameter: queue_id<",
    ),
    fault(
        "rep-key-queue-general",
        "generate_session_key for queue_id=rep:[id] answers <queue>general</queue>.",
        {"CMD-GSK-006": "FAIL"},
        Replace(_on("", query="queue_id=rep%3A"), b">rep</queue>", b">general</queue>"),
    ),
    fault(
        "external-key-not-echoed",
        "generate_session_key's <external_key> loses the ticket's dashes.",
        {"CMD-GSK-011": "FAIL"},
        Replace(_on("", query="external_key=", has=b"<session_key"), b"-ticket-", b"_ticket_"),
    ),
    _accepts(
        "priority-4-accepted",
        "generate_session_key with session.priority outside 1 to 3 answered <success>.",
        "CMD-GSK-015",
        "generate_session_key",
        "session.priority must be",
    ),
    fault(
        "key-expires-a-minute-late",
        "generate_session_key's <expires> 60 s after the time made plus ttl.",
        {"CMD-GSK-017": "FAIL"},
        Increment(_on("", query="ttl=3600", has=b"<session_key"), "expires", 60),
    ),
    _accepts(
        "negative-ttl-accepted",
        "generate_session_key with a ttl that is not a positive integer answered <success>.",
        "CMD-GSK-019",
        "generate_session_key",
        "ttl must be",
    ),
    fault(
        "url-hostname-ignored",
        "generate_session_key's <key_url> ignores url_hostname.",
        {"CMD-GSK-020": "FAIL"},
        Replace(
            _on("", query="url_hostname=", has=b"<session_key"),
            b"https://remote.example.com/",
            b"https://127.0.0.1/",
        ),
    ),
    fault(
        "session-key-repeated",
        "generate_session_key answers the same short key and URL every time.",
        {"CMD-GSK-023": "FAIL"},
        Body(
            _on("generate_session_key"),
            lambda b: re.sub(rb"ak=\w+", b"ak=0", re.sub(rb"<short_key>\d+", b"<short_key>7654321", b)),
        ),
    ),
)

SESSION_FAULTS = (
    _accepts(
        "key-unknown-username-accepted",
        "generate_session_key for a rep_username no user has answered <success>.",
        "CMD-GSK-008",
        "generate_session_key",
        "No single representative with the username",
    ),
    fault(
        "key-url-other-host",
        "generate_session_key's <key_url> names a host that is neither the appliance's nor the API's.",
        {"CMD-GSK-021": "FAIL"},
        Body(
            _on("generate_session_key", has=b"<session_key"),
            lambda b: re.sub(rb"<key_url>https?://[^/]+/", b"<key_url>https://support.example.org/", b),
        ),
    ),
    _accepts(
        "queue-bogus-accepted",
        "generate_session_key with queue_id=bogus answered <success>.",
        "CMD-GSK-010",
        "generate_session_key",
        "Invalid queue_id: bogus",
    ),
    _accepts(
        "virtual-customer-without-name-accepted",
        "create_virtual_customer without name answered <success>.",
        "CMD-VC-003",
        "create_virtual_customer",
        "Missing required parameter: name<",
    ),
    _accepts(
        "virtual-customer-unknown-key-accepted",
        "create_virtual_customer with a short key never generated answered <success>.",
        "CMD-VC-004",
        "create_virtual_customer",
        "Invalid or expired session key",
    ),
    _accepts(
        "expired-key-accepted",
        "create_virtual_customer with an expired short key answered <success>.",
        "CMD-GSK-027",
        "create_virtual_customer",
        "Invalid or expired session key",
    ),
    _refuses(
        "chat-url-refused",
        "create_virtual_customer with chat_url=1 answers an <error>.",
        "CMD-VC-005",
        "create_virtual_customer",
        "chat_url=1",
        "Click-to-chat is not available",
    ),
    fault(
        "join-by-rep-id-wording",
        "join_session by rep_id answers <success>Joined</success>.",
        {"CMD-JOIN-002": "FAIL"},
        Replace(_on("", query="rep_id="), b"Representative successfully added", b"Joined"),
    ),
    fault(
        "join-by-username-wording",
        "join_session by rep_username answers <success>Joined</success>.",
        {"CMD-JOIN-003": "FAIL"},
        Replace(_on("", query="rep_username="), b"Representative successfully added", b"Joined"),
    ),
    _accepts(
        "join-unknown-lsid-accepted",
        "join_session for an lsid of no session in progress answered <success>.",
        "CMD-JOIN-004",
        "join_session",
        "No active session with LSID",
    ),
    _accepts(
        "join-without-rep-accepted",
        "join_session without rep_id or rep_username answered <success>.",
        "CMD-JOIN-005",
        "join_session",
        "Missing required parameter: rep_id or rep_username",
    ),
    fault(
        "transfer-to-team-wording",
        "transfer_session to team:[id] answers <success>Transferred</success>.",
        {"CMD-XFER-002": "FAIL"},
        Replace(_on("", query="queue_id=team"), b"Successfully transferred", b"Transferred"),
    ),
    fault(
        "transfer-to-rep-wording",
        "transfer_session to rep:[id] answers <success>Transferred</success>.",
        {"CMD-XFER-003": "FAIL"},
        Replace(_on("", query="queue_id=rep%3A"), b"Successfully transferred", b"Transferred"),
    ),
    fault(
        "transfer-to-username-wording",
        "transfer_session to rep_username:[name] answers <success>Transferred</success>.",
        {"CMD-XFER-004": "FAIL"},
        Replace(_on("", query="queue_id=rep_username"), b"Successfully transferred", b"Transferred"),
    ),
    _accepts(
        "transfer-unknown-lsid-accepted",
        "transfer_session for an lsid of no session in progress answered <success>.",
        "CMD-XFER-005",
        "transfer_session",
        "No active session with LSID",
    ),
    _refuses(
        "system-chat-refused",
        "send_chat_message without impersonate answers an <error>.",
        "CMD-CHAT-002",
        "send_chat_message",
        "action=send_chat_message&lsid=",
        "impersonate is required",
    ),
    _refuses(
        "chat-as-rep-refused",
        "send_chat_message with impersonate=rep:[id] answers an <error>.",
        "CMD-CHAT-003",
        "send_chat_message",
        "impersonate=rep",
        "Invalid value for impersonate",
    ),
    _refuses(
        "bbcode-chat-refused",
        "send_chat_message with a BBCode body answers an <error>.",
        "CMD-CHAT-004",
        "send_chat_message",
        "%5Bb%5D",
        "Invalid body",
    ),
    _accepts(
        "future-chat-timestamp-accepted",
        "send_chat_message with a future timestamp answered <success>.",
        "CMD-CHAT-005",
        "send_chat_message",
        "timestamp must be in the past",
    ),
    _accepts(
        "chat-lsid-and-team-accepted",
        "send_chat_message with both lsid and team_id answered <success>.",
        "CMD-CHAT-006",
        "send_chat_message",
        "lsid and team_id cannot be used together",
    ),
    _accepts(
        "chat-without-target-accepted",
        "send_chat_message without lsid or team_id answered <success>.",
        "CMD-CHAT-007",
        "send_chat_message",
        "Missing required parameter: lsid or team_id",
    ),
    _refuses(
        "team-chat-refused",
        "send_chat_message to a team answers an <error>.",
        "CMD-CHAT-008",
        "send_chat_message",
        "action=send_chat_message&team_id=",
        "Invalid team ID",
    ),
    _accepts(
        "team-chat-as-customer-accepted",
        "send_chat_message to a team as the customer answered <success>.",
        "CMD-CHAT-009",
        "send_chat_message",
        "impersonate=customer works only with lsid",
    ),
    _refuses(
        "leave-by-rep-id-refused",
        "leave_session by rep_id answers an <error>.",
        "CMD-LEAVE-002",
        "leave_session",
        "rep_id=",
        "The representative is not in the session",
    ),
    _refuses(
        "leave-by-username-refused",
        "leave_session by rep_username answers an <error>.",
        "CMD-LEAVE-003",
        "leave_session",
        "rep_username=",
        "The representative is not in the session",
    ),
    _refuses(
        "leave-customer-refused",
        "leave_session with customer=1 answers an <error>.",
        "CMD-LEAVE-004",
        "leave_session",
        "customer=1",
        "The customer is not in the session",
    ),
    _accepts(
        "leave-nobody-accepted",
        "leave_session without rep_id, rep_username or customer answered <success>.",
        "CMD-LEAVE-005",
        "leave_session",
        "One of rep_id, rep_username or customer=1 is required",
    ),
    _accepts(
        "leave-customer-0-accepted",
        "leave_session with customer=0 answered <success>.",
        "CMD-LEAVE-006",
        "leave_session",
        "customer must be 1",
    ),
    _accepts(
        "leave-unknown-lsid-accepted",
        "leave_session for an lsid of no session in progress answered <success>.",
        "CMD-LEAVE-007",
        "leave_session",
        "No active session with LSID",
    ),
    fault(
        "set-external-key-wording",
        "set_session_attributes with an external key answers <success>Saved</success>.",
        {"CMD-SSA-002": "FAIL"},
        Replace(_on("", query="session.custom.external_key="), b"Session attributes were set", b"Saved"),
    ),
    _accepts(
        "attribute-over-limit-accepted",
        "set_session_attributes with a value over 1024 characters answered <success>.",
        "CMD-SSA-006",
        "set_session_attributes",
        "exceeds the maximum length",
    ),
    _accepts(
        "set-attributes-unknown-lsid-accepted",
        "set_session_attributes for an lsid of no session in progress answered <success>.",
        "CMD-SSA-008",
        "set_session_attributes",
        "No active session with LSID",
    ),
    _accepts(
        "get-attributes-unknown-lsid-accepted",
        "get_session_attributes for an lsid of no session in progress answered <success>.",
        "CMD-GSA-004",
        "get_session_attributes",
        "No active session with LSID",
    ),
    fault(
        "terminate-wording",
        "terminate_session answers <success>Terminated</success>.",
        {"CMD-TERM-002": "FAIL"},
        Replace(_on("terminate_session"), b"Successfully terminated", b"Terminated"),
    ),
    _accepts(
        "terminate-unknown-lsid-accepted",
        "terminate_session for an lsid of no session in progress answered <success>.",
        "CMD-TERM-003",
        "terminate_session",
        "No active session with LSID",
    ),
)

CLIENT_FAULTS = (
    fault(
        "client-list-http-202",
        "get_connected_client_list answers with HTTP 202.",
        {"CMD-GCCL-001": "FAIL"},
        Status(_on("get_connected_client_list", has=b"<connected_client_list"), 202),
    ),
    fault(
        "client-list-type-filter-ignored",
        "get_connected_client_list&type=representative counts representatives as push agents.",
        {"CMD-GCCL-002": "FAIL"},
        Replace(_on("", query="type=representative"), b'type="representative"', b'type="push_agent"'),
    ),
    fault(
        "summary-only-lists-clients",
        "get_connected_client_list&summary_only=1 still lists a <connected_client>.",
        {"CMD-GCCL-005": "FAIL"},
        Replace(
            _on("", query="summary_only=1"),
            b"</connected_client_summary>",
            b'</connected_client_summary><connected_client type="representative" id="999999"/>',
        ),
    ),
    fault(
        "client-count-off",
        "get_connected_client_list's push_agent count has a digit 1 put before it.",
        {"CMD-GCCL-006": "FAIL"},
        Replace(
            _on("get_connected_client_list"), b'<count type="push_agent">', b'<count type="push_agent">1'
        ),
    ),
    fault(
        "client-listed-twice",
        "get_connected_client_list lists its last client twice.",
        {"CMD-GCCL-007": "FAIL"},
        Body(
            _on("get_connected_client_list"),
            lambda b: re.sub(rb"(<connected_client [^>]*/>)(?![\s\S]*<connected_client )", rb"\1\1", b),
        ),
    ),
    fault(
        "connections-missing",
        "get_connected_clients&include_connections=1 gives no <client_connections>.",
        {"CMD-GCC-006": "FAIL"},
        Body(
            _on("", query="include_connections=1"),
            lambda b: re.sub(rb"<client_connections>.*?</client_connections>", b"", b, flags=re.DOTALL),
        ),
    ),
    fault(
        "connected-since-ts-disagrees",
        "get_connected_clients' <connected_since> ts attribute is a different instant.",
        {"CMD-GCC-008": "FAIL"},
        Replace(_on("get_connected_clients"), b'<connected_since ts="1', b'<connected_since ts="2'),
    ),
    fault(
        "rep-session-count-off",
        "get_connected_clients' representative <support_session_count> disagrees with its <lsid> elements.",
        {"CMD-GCC-009": "FAIL"},
        Replace(_on("get_connected_clients"), b"<support_session_count>", b"<support_session_count>1"),
    ),
    fault(
        "connection-purpose-traffic",
        "get_connected_clients' connections have purpose traffic outside a cluster.",
        {"CMD-GCC-010": "FAIL"},
        Replace(_on("get_connected_clients"), b"<purpose>primary<", b"<purpose>traffic<"),
    ),
    fault(
        "connection-event-in-the-future",
        "get_connected_clients' connection events are stamped decades ahead.",
        {"CMD-GCC-011": "FAIL"},
        Replace(_on("get_connected_clients"), b'<event ts="1', b'<event ts="2'),
    ),
)


PROFILES = (
    fault(
        "health-release-mismatch",
        "check_health names release 19.1.0 while get_api_info says API 1.21.1 (21.3.x).",
        {"CMD-CHK-006": "FAIL"},
        settings={"config.product_version": "19.1.0"},
    ),
    fault(
        "company-name-empty",
        "get_api_info's <company_name> is empty.",
        {"CMD-GAI-006": "WARN"},
        settings={"config.company_name": ""},
    ),
    fault(
        "api-info-timestamp-hour-ahead",
        "get_api_info's <timestamp> one hour ahead of the appliance's clock.",
        {"CMD-GAI-003": "WARN"},
        Increment(Where("/api/command", has=b"<api_information"), "timestamp", 3600),
    ),
    fault(
        "api-version-unlisted",
        "get_api_info names API 1.20.0, a version the guide's API Version Reference does not list.",
        {"CMD-GAI-005": "WARN"},
        Replace(
            Where("/api/command", has=b"<api_information"),
            b"<api_version>1.21.1<",
            b"<api_version>1.20.0<",
        ),
    ),
    fault(
        "direct-link-relative",
        "get_logged_in_reps' <direct_link> anchors have a relative href (no https:// scheme).",
        {"CMD-GLR-005": "FAIL"},
        Replace(Where("/api/command", has=b"<logged_in_reps"), b'&lt;a href="https://', b'&lt;a href="'),
    ),
    fault(
        "rep-display-name-private",
        "get_logged_in_reps gives the Admin representative's private name in the deprecated <display_name>.",
        {"CMD-GLR-003": "FAIL"},
        Replace(
            Where("/api/command", has=b"<logged_in_reps"),
            b"<display_name>Admin</display_name>",
            b"<display_name>Administrator</display_name>",
        ),
    ),
    fault(
        "member-display-name-private",
        "get_support_teams gives the Admin member's private name in the deprecated <display_name>.",
        {"CMD-GST-006": "FAIL"},
        Replace(
            Where("/api/command", has=b"<support_teams"),
            b"<display_name>Admin</display_name>",
            b"<display_name>Administrator</display_name>",
        ),
    ),
    fault(
        "appliance-not-accepting",
        "get_appliances says <accepting_connections>0 for an appliance not in a cluster.",
        {"CMD-GAP-003": "FAIL"},
        Replace(
            Where("/api/command", has=b"<appliances"),
            b"<accepting_connections>1<",
            b"<accepting_connections>0<",
        ),
    ),
    fault(
        "appliances-failover-role-primary",
        "get_appliances gives the appliance failover role primary while check_health says none.",
        {"CMD-GAP-004": "FAIL"},
        Replace(
            Where("/api/command", has=b"<appliances"), b"<failover_role>none<", b"<failover_role>primary<"
        ),
    ),
    fault(
        "health-success-with-error-message",
        "check_health answers <success>1</success> with an <error_message>.",
        {"CMD-CHK-002": "FAIL"},
        Replace(
            Where("/api/command", has=b"<health_check"),
            b"<success>1</success>",
            b"<success>1</success><error_message>Data sync failed</error_message>",
        ),
    ),
    fault(
        "shared-ips-without-failover",
        "check_health lists <enabled_shared_ips> although <failover_role> is none.",
        {"CMD-CHK-004": "WARN"},
        Replace(
            Where("/api/command", has=b"<health_check"),
            b"<failover_role>none</failover_role>",
            b"<failover_role>none</failover_role><enabled_shared_ips><ip>192.0.2.10</ip></enabled_shared_ips>",
        ),
    ),
    fault(
        "command-error-http-500",
        "Every command API <error> answered with HTTP 500.",
        {"CMD-GEN-014": "FAIL"},
        Status(Where("/api/command", has=b"<error"), 500),
    ),
    fault(
        "session-key-queue-unavailable",
        'generate_session_key answers <queue available="0"> although the queue\'s representative is logged in.',
        {"CMD-GSK-007": "FAIL"},
        Replace(
            Where("/api/command", has=b"<session_key"), b'<queue available="1">', b'<queue available="0">'
        ),
    ),
    *ACCESS_FAULTS,
    *MORE,
    *SESSION_FAULTS,
    *CLIENT_FAULTS,
)

# MUST requirements of this area no fault breaks, each with why (tests/test_faults.py holds the list whole)
UNBROKEN: dict[str, str] = {
    "CMD-GAI-001": "the schema already refuses every deviation of the answer's elements (an empty api_version fails its pattern), so XML-SCHEMA-001 is charged instead",
    "CMD-GST-003": "the schema already refuses a <members> where the check would see it (members out of place), so XML-SCHEMA-001 is charged instead",
    "CMD-GAP-001": "the schema already refuses an <appliances> without an <appliance>, so XML-SCHEMA-001 is charged instead",
    "CMD-GSK-022": "the schema already refuses a short key that is not seven digits (pattern [0-9]{7}), so XML-SCHEMA-001 is charged instead",
    "CMD-GEN-004": "detection gap: command-url-not-found (get_api_info at /api/command answered HTTP 404) gave CMD-GEN-004 NOT_TESTED (its checks charge their primary CMD-GEN-001/CMD-GEN-008)",
    "CMD-GEN-008": "detection gap: command-namespace-unknown (an unknown namespace on get_api_info) gave CMD-GEN-008 NOT_TESTED, the defect charged to XML-NS-* instead",
    "CMD-SRS-002": "detection gap: rep-status-without-code-name (set_rep_status without code_name answered <success>) gave CMD-SRS-002 PASS, the defect charged to CMD-SRS-001 (the check's primary)",
    "CMD-GSK-009": "an <error> for the guide's issue:other reads as 'not configured on this target' (NOT_TESTED): issue-queue-refused gave NOT_TESTED",
    "CMD-GSK-012": "an <error> for the guide's custom_field1 reads as 'not configured on this target' (NOT_TESTED): custom-field-refused gave NOT_TESTED",
    "CMD-GSK-016": "an <error> for the guide's example skills reads as 'not configured on this target' (NOT_TESTED): skills-refused gave NOT_TESTED",
    "CMD-SSA-003": "detection gap: set-custom-field-wording (set_session_attributes with custom_field1 answers <success>Saved</success>) gave CMD-SSA-003 NOT_TESTED, the defect charged to CMD-SSA-002",
    "CMD-GEN-005": "the harness does not test it: the schema-drift checks cover it (XML-XSD-001, XML-XSD-003, XML-XSD-004)",
    "CMD-GEN-010": "the harness does not test it: a rule for integrations, not for the appliance; the harness honours it (Connection: close on every request)",
    "CMD-GEN-012": "the harness does not test it: the harness cannot switch the option; a target with it off fails the get_api_info checks",
    "CMD-GEN-015": "the harness does not test it: the guide documents no parameters or answer for import_jump_shortcuts (its section is import_jump_shortcut), so there is nothing to call it with",
    "CMD-GCC-013": "the harness does not test it: not one-to-one on a live appliance: a session may have its representatives without a connected customer client (and a queued one a customer without a representative), so no correspondence can be demanded beyond the lsid format the schema checks",
    "CMD-IJS-008": "the harness does not test it: the command API names no code name for a personal list, so there is no request to try",
    "CMD-IJS-009": "the harness does not test it: the target's policy code names and public portals are not discoverable through the command API",
    "CMD-GSK-013": "the harness does not test it: exceeding 10 KB with values of at most 1024 characters needs more configured custom fields than the one the guide names (custom_field1); the API cannot list the configured fields",
    "CMD-GSK-014": "the harness does not test it: the guide does not say what the API answers for a field that is not configured, and the API cannot list the configured fields",
    "CMD-GSK-026": "the harness does not test it: needs several public sites and a real customer client downloading from each",
    "CMD-CHAT-010": "the harness does not test it: how a private team message displays is seen only in a representative console; sending one reaches real representatives",
    "CMD-CHAT-011": "the harness does not test it: a reporting API matter (SupportSession report contents), not checked by the command suites",
    "CMD-CHAT-012": "the harness does not test it: what customers and representatives see is visible only in their clients",
    "CMD-SSA-007": "the harness does not test it: exceeding 10 KB with values of at most 1024 characters needs more configured custom fields than the one the guide names (custom_field1); the API cannot list the configured fields",
    "CMD-GEN-002": "needs a transform that tells a form POST from a GET (Where matches the query string, which a POST has empty, so no answer to a POST alone can be rewritten)",
    "CMD-GLR-004": "the schema already refuses every deviation (type, counts and showing_on_rep_list are typed there), so XML-SCHEMA-001 is charged instead",
    "CMD-GCC-001": "not written in the time given: a duplicated client needs a multi-line body rewrite of one <connected_*> element",
    "CMD-GCC-002": "not written in the time given (a type filter deviation on get_connected_clients)",
    "CMD-GCC-003": "not written in the time given (an id filter deviation on get_connected_clients)",
    "CMD-GCC-004": "not written in the time given (100 ids refused on get_connected_clients)",
    "CMD-GCC-012": "the schema already refuses every deviation of the representative fields' values, so XML-SCHEMA-001 is charged instead (not verified in the time given)",
    "CMD-CHK-003": "not written in the time given: a <last_data_sync_time> must be inserted at its schema position in check_health",
    "CMD-GSK-005": "not written in the time given: its checks (queue forms) charge a wrong queue to CMD-GSK-006, which is broken",
    "CMD-GSK-018": "needs a transform that tells an answer to a request without ttl from one with (Where matches query substrings only, not their absence)",
    "CMD-VC-002": "not written in the time given (create_virtual_customer's <download_url>)",
    "CMD-SSA-004": "not written in the time given (get_session_attributes losing an unlisted attribute)",
    "CMD-SSA-005": "not written in the time given (get_session_attributes keeping a cleared attribute)",
    "CMD-GSA-002": "not written in the time given (a <custom_attribute> value differing from the one set)",
}
