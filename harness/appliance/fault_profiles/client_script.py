"""Fault profiles of client scripting (BRCS files)."""

from __future__ import annotations

import re

from harness.appliance.faults import Body, EditHeader, Header, Replace, Status, Where, fault

SCRIPT = Where("/api/client_script")
DELETE = b"\naction=delete_script_file"


def _action_second(body: bytes) -> bytes:
    """Each command with parameters written with its first parameter before action=."""
    return re.sub(rb"(?m)^action=([^&\n]*)&([^&\n]*)", rb"\2&action=\1", body)


def _without(key: bytes):
    """The body with every `key`=value pair left out."""
    return lambda body: re.sub(rb"&" + re.escape(key) + rb"=[^&\n]*", b"", body)


def generated(query: str, *commands: bytes) -> tuple:
    """The wire transforms of a script generated where the request was to be refused, for the GET requests
    whose query holds `query`: HTTP 200, an attachment of `commands` between login and delete_script_file (no
    login added before a login command)."""
    where = Where("/api/client_script", query=query)
    action = commands[0].split(b"&")[0].removeprefix(b"action=").decode()
    login = () if action == "login" else (b"action=login",)
    body = b"\n".join((b"BRCS1.0", *login, *commands)) + DELETE
    return (
        Status(where, 200),
        Header(where, "content-disposition", f'attachment; filename="{action}.brcs-support"'),
        Body(where, lambda _: body),
    )


PROFILES = (
    fault(
        "brcs-name-without-site",
        "Client script files named *.brcs.<site>, not with the guide's extension brcs-<companySiteName>.",
        {"BRCS-040": "FAIL"},
        EditHeader(Where("/api/client_script"), "content-disposition", ".brcs-", ".brcs."),
    ),
    fault(
        "brcs-header-spaced",
        "Client script files begin 'BRCS 1.0', not the format's 'BRCS1.0'.",
        {"BRCS-001": "FAIL"},
        Replace(Where("/api/client_script"), b"BRCS1.0\n", b"BRCS 1.0\n"),
    ),
    fault(
        "brcs-without-delete-script-file",
        "Client script files lack the automatically added delete_script_file command.",
        {"SCR-006": "FAIL"},
        Replace(Where("/api/client_script"), b"action=delete_script_file", b""),
    ),
    fault(
        "brcs-header-only",
        "Client script files hold the BRCS1.0 header line and no command.",
        {"BRCS-004": "FAIL", "SCR-004": "FAIL"},
        Body(Where("/api/client_script", has=b"BRCS1.0\n"), lambda _: b"BRCS1.0\n"),
    ),
    fault(
        "brcs-blank-line-before-delete",
        "Client script files have a blank line before delete_script_file.",
        {"BRCS-005": "FAIL"},
        Replace(SCRIPT, DELETE, b"\n" + DELETE),
    ),
    fault(
        "brcs-eleven-commands",
        "Client script files repeat delete_script_file ten times, over the 10 commands a file may have.",
        {"BRCS-007": "FAIL"},
        Replace(SCRIPT, DELETE, DELETE * 10),
    ),
    fault(
        "brcs-action-not-first",
        "Client script commands with parameters put their first parameter before action=.",
        {"BRCS-010": "FAIL"},
        Body(SCRIPT, _action_second),
    ),
    fault(
        "brcs-double-ampersand",
        "Client script commands separate their parameters with '&&'.",
        {"BRCS-011": "FAIL"},
        Replace(SCRIPT, b"&", b"&&"),
    ),
    fault(
        "brcs-raw-space",
        "Client script values carry spaces unencoded instead of %20.",
        {"BRCS-012": "FAIL"},
        Replace(SCRIPT, b"%20", b" "),
    ),
    fault(
        "brcs-percent-u-escape",
        "Client script values encode e-acute as the non-standard %u00E9, not %C3%A9.",
        {"BRCS-013": "FAIL", "SCR-005": "FAIL"},
        Replace(SCRIPT, b"%C3%A9", b"%u00E9"),
    ),
    fault(
        "brcs-latin-1-escape",
        "Client script values percent-encode e-acute in Latin-1 (%E9), not UTF-8.",
        {"BRCS-014": "FAIL", "SCR-005": "FAIL"},
        Replace(SCRIPT, b"%C3%A9", b"%E9"),
    ),
    fault(
        "brcs-delete-script-misnamed",
        "Client script files end with action=delete_script, not delete_script_file.",
        {"BRCS-020": "FAIL", "SCR-006": "FAIL", "SCR-005": "FAIL"},
        Replace(SCRIPT, DELETE, b"\naction=delete_script"),
    ),
    fault(
        "brcs-jump-as-pinned-client",
        "A start_jump_item_session script by search_string names the 12.1 command start_pinned_client_session.",
        {"BRCS-021": "FAIL", "SCR-005": "FAIL"},
        Replace(
            SCRIPT,
            b"action=start_jump_item_session&search_string=",
            b"action=start_pinned_client_session&search_string=",
        ),
    ),
    fault(
        "brcs-login-remember",
        "The automatically added login command carries an undocumented remember=1 parameter.",
        {"BRCS-022": "FAIL"},
        Replace(SCRIPT, b"\naction=login\n", b"\naction=login&remember=1\n"),
    ),
    fault(
        "brcs-without-target",
        "Client script files leave out the target parameter sent.",
        {"BRCS-023": "FAIL", "SCR-005": "FAIL"},
        Body(SCRIPT, _without(b"target")),
    ),
    fault(
        "brcs-jumpoint-twice",
        "Client script commands give jumpoint=Network01 twice.",
        {"BRCS-024": "FAIL"},
        Replace(SCRIPT, b"&jumpoint=Network01", b"&jumpoint=Network01&jumpoint=Network01"),
    ),
    fault(
        "brcs-rdp-console-0",
        "start_rdp_session scripts fill in the default console as console=0, not no.",
        {"BRCS-025": "FAIL"},
        Replace(
            SCRIPT,
            b"action=start_rdp_session&target=ABCDEF02\n",
            b"action=start_rdp_session&target=ABCDEF02&console=0\n",
        ),
    ),
    fault(
        "brcs-vnc-port-default",
        "start_vnc_session scripts fill in the default port as port=default, not an integer.",
        {"BRCS-026": "FAIL"},
        Replace(
            SCRIPT,
            b"action=start_vnc_session&target=ABCDEF02\n",
            b"action=start_vnc_session&target=ABCDEF02&port=default\n",
        ),
    ),
    fault(
        "brcs-portal-hostname-www",
        "generate_session_key scripts prefix public_portal_hostname with www., over 255 characters at the limit.",
        {"BRCS-027": "FAIL", "SCR-005": "FAIL"},
        Replace(SCRIPT, b"&public_portal_hostname=", b"&public_portal_hostname=www."),
    ),
    fault(
        "brcs-custom-source-field",
        "Client script files add a session.custom.source=api custom field, over 10KB when the request is at it.",
        {"BRCS-028": "FAIL"},
        Replace(
            SCRIPT,
            b"&session.custom.custom_field10=",
            b"&session.custom.source=api&session.custom.custom_field10=",
        ),
    ),
    fault(
        "brcs-login-mechanism-alone",
        "The automatically added login command names mechanism=username_password without username or password.",
        {"BRCS-029": "FAIL"},
        Replace(SCRIPT, b"\naction=login\n", b"\naction=login&mechanism=username_password\n"),
    ),
    fault(
        "brcs-jump-search-string-dropped",
        "start_jump_item_session scripts leave out the search_string sent.",
        {"BRCS-030": "FAIL", "SCR-005": "FAIL"},
        Body(SCRIPT, _without(b"search_string")),
    ),
    fault(
        "brcs-ns-url-gone",
        "The deprecated URL /api/client_script.ns answers HTTP 404.",
        {"SCR-008": "FAIL"},
        Status(Where(r"/api/client_script\.ns"), 404),
    ),
    fault(
        "brcs-without-login",
        "Client script files lack the automatically added login command first.",
        {"SCR-LOGIN-001": "FAIL"},
        Replace(SCRIPT, b"BRCS1.0\naction=login\n", b"BRCS1.0\n"),
    ),
    fault(
        "brcs-two-commands-in-one",
        "Two actions in one client_script URL generate one script with both commands.",
        {"SCR-014": "FAIL"},
        *generated(
            "action=generate_session_key&action=push_and_start_local",
            b"action=generate_session_key",
            b"action=push_and_start_local&hostname=ABCDEF02",
        ),
    ),
    fault(
        "web-console-executes-rdp",
        "type=web_console&operation=execute accepts start_rdp_session (HTTP 200 with the command).",
        {"SCR-031": "FAIL"},
        Status(
            Where("/api/client_script", query="type=web_console&operation=execute&action=start_rdp_session"),
            200,
        ),
        Body(
            Where("/api/client_script", query="type=web_console&operation=execute&action=start_rdp_session"),
            lambda _: b"action=start_rdp_session&target=ABCDEF02\n",
        ),
    ),
    fault(
        "web-console-refuses-session-key",
        "type=web_console&operation=execute refuses generate_session_key with HTTP 400.",
        {"SCR-030": "FAIL"},
        Status(
            Where(
                "/api/client_script", query="type=web_console&operation=execute&action=generate_session_key"
            ),
            400,
        ),
    ),
    fault(
        "brcs-inline-not-attachment",
        "Client script files are served Content-Disposition: inline, not as an attachment download.",
        {"SCR-003": "FAIL"},
        EditHeader(SCRIPT, "content-disposition", "attachment", "inline"),
    ),
    fault(
        "brcs-generated-for-type-web",
        "client_script generates a script for type=web, a client type the API does not support.",
        {"SCR-010": "FAIL"},
        *generated("type=web&", b"action=generate_session_key"),
    ),
    fault(
        "brcs-generated-for-operation-download",
        "client_script generates a script for operation=download, an operation the API does not support.",
        {"SCR-011": "FAIL"},
        *generated("operation=download", b"action=generate_session_key"),
    ),
    fault(
        "brcs-generated-for-misspelt-action",
        "client_script generates a script for action=generate_sessionkey, an action the guide does not list.",
        {"SCR-013": "FAIL"},
        *generated("action=generate_sessionkey", b"action=generate_sessionkey"),
    ),
    fault(
        "brcs-generated-without-target",
        "A start_rdp_session script is generated for a request without its required target.",
        {"SCR-RDP-001": "FAIL"},  # the case's own rule (a refused case's failure is charged to it)
        *generated("action=start_rdp_session&username=", b"action=start_rdp_session&username=jsmith"),
    ),
)

# MUST requirements of this area no fault breaks, each with why (tests/test_faults.py holds the list whole)
_REFUSAL_GAP = (
    "detection gap: a script generated for the suite's refusal case {case} (HTTP 200, an attachment) gave "
    "SCR-020 FAIL and {req} {got}: test_a_request_the_rules_refuse_generates_no_script charges its primary "
    "requirement SCR-020, never the case's own"
)
_GENERATION_GAP = (
    "detection gap: {what} gave {charged} FAIL and {req} {got}: the generation check charges the download "
    "(SCR-003) or the parameters carried (SCR-005), never the case's own requirement"
)
UNBROKEN: dict[str, str] = {
    "SCR-020": "no fault yet: a refused case's failure is charged to the case's own requirement (the "
    "case-first primary), so the refusal check's general rule needs a fault of its own",
    "BRCS-090": "the harness does not test it: a bound of the harness's BRCS linter, not a requirement on the "
    "appliance",
    "SCR-CUSTOM-004": "the harness does not test it: the API shows no list of the configured custom fields, "
    "and the guide does not say what a script generated with an unconfigured one does",
    "SCR-JUMP-005": "the harness does not test it: behaviour of the representative console running the "
    "script, not of the appliance's API",
    "SCR-VPRO-002": "the harness does not test it: what the target names is a fact of the customer's "
    "network; the appliance cannot tell a hostname from any other string",
    "SCR-CON-001": "the harness does not test it: a representative console's command line, not the "
    "appliance's API",
    "SCR-CON-002": "the harness does not test it: a representative console's exit status, not the "
    "appliance's API",
    "SCR-CON-003": "the harness does not test it: behaviour of the representative console running the "
    "script, not of the appliance's API",
    "SCR-CON-004": "the harness does not test it: behaviour of the representative console running the "
    "script, not of the appliance's API",
    "SCR-001": _GENERATION_GAP.format(
        what="/api/client_script answering HTTP 404", charged="SCR-003", req="SCR-001", got="PASS"
    ),
    "SCR-002": _GENERATION_GAP.format(
        what="push_and_start_local&hostname=ABCDEF02 refused with HTTP 400",
        charged="SCR-003 (and SCR-008)",
        req="SCR-002",
        got="PASS",
    ),
    "SCR-009": _GENERATION_GAP.format(
        what="start_vpro_session refused with HTTP 400", charged="SCR-003", req="SCR-009", got="PASS"
    ),
    "SCR-LOGIN-002": _GENERATION_GAP.format(
        what="the guide's login example refused with HTTP 400",
        charged="SCR-003",
        req="SCR-LOGIN-002",
        got="NOT_TESTED",
    ),
    "SCR-GSK-001": _GENERATION_GAP.format(
        what="generate_session_key without parameters refused with HTTP 400",
        charged="SCR-003",
        req="SCR-GSK-001",
        got="NOT_TESTED",
    ),
    "SCR-CUSTOM-003": _GENERATION_GAP.format(
        what="session.custom.custom_field2 left out of every script",
        charged="SCR-005",
        req="SCR-CUSTOM-003",
        got="NOT_TESTED",
    ),
    "SCR-JUMP-004": _GENERATION_GAP.format(
        what="client.comments with client.tag refused with HTTP 400",
        charged="SCR-003",
        req="SCR-JUMP-004",
        got="NOT_TESTED",
    ),
    **{
        req: _REFUSAL_GAP.format(case=case, req=req, got=got)
        for req, case, got in (
            ("SCR-LOGIN-003", "login-mechanism-kerberos", "NOT_TESTED"),
            ("SCR-LOGIN-004", "login-no-mechanism", "PASS"),
            ("SCR-GSK-002", "public_portal_hostname-256", "PASS"),
            ("SCR-CUSTOM-001", "custom-1025", "PASS"),
            ("SCR-CUSTOM-002", "custom-total-10KB+1", "PASS"),
            ("SCR-PSL-001", "hostname-256", "PASS"),
            ("SCR-PSR-001", "psr-no-target", "PASS"),
            ("SCR-JUMP-001", "jump.method=ssh", "PASS"),
            ("SCR-JUMP-002", "credential_id-256", "PASS"),
            ("SCR-JUMP-003", "jump-no-criteria", "PASS"),
            ("SCR-RDP-002", "display_size=big", "PASS"),
            ("SCR-RDP-003", "quality=high", "PASS"),
            ("SCR-RDP-004", "console=maybe", "PASS"),
            ("SCR-VNC-001", "vnc-no-target", "PASS"),
            ("SCR-VNC-002", "vnc-port=65536", "PASS"),
            ("SCR-SHELL-001", "shell-no-target", "PASS"),
            ("SCR-SHELL-002", "protocol=rdp", "PASS"),
            ("SCR-SHELL-003", "shell-port=65536", "PASS"),
            ("SCR-SHELL-004", "terminal=vt220", "PASS"),
            ("SCR-VPRO-001", "vpro-no-target", "PASS"),
        )
    },
}
