"""Client scripting (guide: "The BeyondTrust Client Scripting API" and each "API Script Command: <action>").

Every action of the guide generates a BRCS file download that the project's linter passes (its rules are the
BRCS-* requirements) and that carries the parameters sent; every documented value and every length limit is
tried on both sides; requests the guide's rules refuse generate no script; web_console execute takes its two
actions and refuses the others. Generating a script changes nothing on the appliance: all read-only.
"""

from __future__ import annotations

import pytest

from harness import brcs
from harness.catalogue import brcs as cat
from harness.catalogue.versions import is_version
from harness.checks.client_script import (
    execute_accepted,
    looks_like_script,
    only_one_command,
    parameter_left_out,
    script_carries,
    script_clean,
    script_download,
    script_refused,
)
from harness.client.api import CLIENT_SCRIPT_PATH
from harness.verdicts import FAIL, CheckFailed, check, checking, defect, na, warn

# The linter's rules a generated file is judged by (BRCS-091 is the lint report's own bound, not the file's).
BRCS_RULES = tuple(r.id for r in brcs.RULES if r.id != "BRCS-091")
GENERATED = ("SCR-001", "SCR-002", "SCR-003", "SCR-004", "SCR-005", "SCR-006", "SCR-007", "SCR-LOGIN-001")
REFUSED = ("SCR-020", "SCR-021")

CF1, CF2 = "session.custom.custom_field1", "session.custom.custom_field2"
CUSTOM = [(CF1, "Custom Value"), (CF2, "123")]
LONG = 255  # "This field has a maximum length of 255 characters."
FIELD = cat.CUSTOM_FIELD_MAX  # 1024
TOTAL = cat.CUSTOM_TOTAL_MAX_BYTES  # 10KB
CLIENT_FIELDS = ("client.comments", "client.hostname", "client.private_ip", "client.public_ip", "client.tag")


def case(case_id: str, action: str, params, *reqs: str):
    return pytest.param(action, list(params), marks=pytest.mark.req(*reqs), id=case_id)


# The guide's query examples, as printed (with "%20" decoded), then every documented value and each limit.
GUIDE_EXAMPLES = [
    case(
        "login-credentials",
        "login",
        [("mechanism", "username_password"), ("username", "username"), ("password", "password")],
        "SCR-LOGIN-002",
    ),
    case("gsk-dialog", "generate_session_key", [], "SCR-GSK-001"),
    case(
        "gsk-portal",
        "generate_session_key",
        [("public_portal_hostname", "support.example.com")],
        "SCR-GSK-002",
    ),
    case("gsk-custom", "generate_session_key", CUSTOM, "SCR-CUSTOM-003"),
    case("psl", "push_and_start_local", [("hostname", "ABCDEF02")], "SCR-PSL-001"),
    case(
        "psl-custom",
        "push_and_start_local",
        [("hostname", "ABCDEF02"), *CUSTOM],
        "SCR-PSL-001",
        "SCR-CUSTOM-003",
    ),
    case("psr", "push_and_start_remote", [("target", "ABCDEF02"), ("jumpoint", "Network01")], "SCR-PSR-001"),
    case(
        "psr-custom",
        "push_and_start_remote",
        [("target", "ABCDEF02"), ("jumpoint", "Network01"), *CUSTOM],
        "SCR-PSR-001",
        "SCR-CUSTOM-003",
    ),
    case("jump-hostname", "start_jump_item_session", [("client.hostname", "ABCDEF02")], "SCR-JUMP-003"),
    case(
        "jump-comments-tag",
        "start_jump_item_session",
        [("client.comments", "maintenance"), ("client.tag", "server")],
        "SCR-JUMP-004",
    ),
    case(
        "jump-pinned-custom",
        "start_jump_item_session",
        [("client.private_ip", "10.10.24"), ("jump.method", "pinned"), *CUSTOM],
        "SCR-JUMP-001",
        "SCR-CUSTOM-003",
    ),
    case("rdp", "start_rdp_session", [("target", "ABCDEF02")], "SCR-RDP-001"),
    case(
        "rdp-jumpoint",
        "start_rdp_session",
        [("target", "ABCDEF02"), ("jumpoint", "Network01")],
        "SCR-RDP-001",
    ),
    case(
        "rdp-all",
        "start_rdp_session",
        [
            ("target", "ABCDEF02"),
            ("jumpoint", "Network01"),
            ("username", "jsmith"),
            ("display_size", "1024x768"),
            ("quality", "quality"),
            ("console", "yes"),
        ],
        "SCR-RDP-001",
        "SCR-RDP-002",
        "SCR-RDP-003",
        "SCR-RDP-004",
    ),
    case(
        "rdp-custom", "start_rdp_session", [("target", "ABCDEF02"), *CUSTOM], "SCR-RDP-001", "SCR-CUSTOM-003"
    ),
    case("vnc", "start_vnc_session", [("target", "ABCDEF02")], "SCR-VNC-001"),
    case(
        "vnc-jumpoint",
        "start_vnc_session",
        [("target", "ABCDEF02"), ("jumpoint", "Network01")],
        "SCR-VNC-001",
    ),
    case(
        "vnc-custom", "start_vnc_session", [("target", "ABCDEF02"), *CUSTOM], "SCR-VNC-001", "SCR-CUSTOM-003"
    ),
    case("shell", "start_shell_jump_session", [("target", "ABCDEF02")], "SCR-SHELL-001"),
    case(
        "shell-jumpoint",
        "start_shell_jump_session",
        [("target", "ABCDEF02"), ("jumpoint", "Network01")],
        "SCR-SHELL-001",
    ),
    case(
        "shell-all",
        "start_shell_jump_session",
        [
            ("target", "ABCDEF02"),
            ("jumpoint", "Network01"),
            ("username", "jsmith"),
            ("protocol", "telnet"),
            ("port", "40"),
            ("terminal", "vt100"),
        ],
        "SCR-SHELL-001",
        "SCR-SHELL-002",
        "SCR-SHELL-003",
        "SCR-SHELL-004",
    ),
    case(
        "shell-custom",
        "start_shell_jump_session",
        [("target", "ABCDEF02"), *CUSTOM],
        "SCR-SHELL-001",
        "SCR-CUSTOM-003",
    ),
    case("vpro", "start_vpro_session", [("target", "ABCDEF02"), ("jumpoint", "Network01")], "SCR-VPRO-001"),
    case(
        "vpro-custom",
        "start_vpro_session",
        [("target", "ABCDEF02"), ("jumpoint", "Network01"), *CUSTOM],
        "SCR-VPRO-001",
        "SCR-CUSTOM-003",
    ),
]

DOCUMENTED_VALUES = [
    *(
        case(
            f"jump.method={m}",
            "start_jump_item_session",
            [("client.hostname", "h"), ("jump.method", m)],
            "SCR-JUMP-001",
        )
        for m in ("push", "local_push", "pinned", "rdp", "vnc", "shelljump")
    ),
    case("jump-search_string", "start_jump_item_session", [("search_string", "ABCDEFG02")], "SCR-JUMP-003"),
    *(
        case(f"display_size={v}", "start_rdp_session", [("target", "t"), ("display_size", v)], "SCR-RDP-002")
        for v in ("primary_display", "all_displays", "1920x1080")
    ),
    *(
        case(f"quality={v}", "start_rdp_session", [("target", "t"), ("quality", v)], "SCR-RDP-003")
        for v in ("low", "performance", "performance_quality", "quality")
    ),
    *(
        case(f"console={v}", "start_rdp_session", [("target", "t"), ("console", v)], "SCR-RDP-004")
        for v in ("no", "yes")
    ),
    *(
        case(f"protocol={v}", "start_shell_jump_session", [("target", "t"), ("protocol", v)], "SCR-SHELL-002")
        for v in ("ssh", "telnet")
    ),
    *(
        case(f"terminal={v}", "start_shell_jump_session", [("target", "t"), ("terminal", v)], "SCR-SHELL-004")
        for v in ("xterm", "vt100")
    ),
    *(
        case(f"vnc-port={p}", "start_vnc_session", [("target", "t"), ("port", p)], "SCR-VNC-002")
        for p in ("1", "5900", "65535")
    ),
    *(
        case(f"shell-port={p}", "start_shell_jump_session", [("target", "t"), ("port", p)], "SCR-SHELL-003")
        for p in ("1", "65535")
    ),
    # values that must be percent-encoded in the file come back unchanged
    case(
        "encoded-values",
        "start_rdp_session",
        [("target", "host name&x=1"), ("username", "dom\\j smith+%20 é 日本"), (CF1, "a=b&c;d/e?f#g")],
        "SCR-RDP-001",
        "SCR-CUSTOM-001",
    ),
]

AT_LIMITS = [
    case(
        "public_portal_hostname-255",
        "generate_session_key",
        [("public_portal_hostname", "p" * LONG)],
        "SCR-GSK-002",
    ),
    case("hostname-255", "push_and_start_local", [("hostname", "h" * LONG)], "SCR-PSL-001"),
    case(
        "credential_id-255",
        "start_jump_item_session",
        [("search_string", "s"), ("credential_id", "c" * LONG)],
        "SCR-JUMP-002",
    ),
    *(case(f"{f}-255", "start_jump_item_session", [(f, "x" * LONG)], "SCR-JUMP-002") for f in CLIENT_FIELDS),
    case("custom-1024", "generate_session_key", [(CF1, "v" * FIELD)], "SCR-CUSTOM-001"),
    case(
        "custom-total-10KB",
        "generate_session_key",
        [(f"session.custom.custom_field{i}", "t" * (TOTAL // 10)) for i in range(1, 11)],
        "SCR-CUSTOM-001",
        "SCR-CUSTOM-002",
    ),
]

OVER = [
    # required parameters
    case("psl-no-hostname", "push_and_start_local", [], "SCR-PSL-001", "BRCS-023"),
    case("psl-empty-hostname", "push_and_start_local", [("hostname", "")], "SCR-PSL-001", "BRCS-023"),
    case("psr-no-target", "push_and_start_remote", [("jumpoint", "Network01")], "SCR-PSR-001", "BRCS-023"),
    case("rdp-no-target", "start_rdp_session", [("username", "jsmith")], "SCR-RDP-001", "BRCS-023"),
    case("vnc-no-target", "start_vnc_session", [("port", "5900")], "SCR-VNC-001", "BRCS-023"),
    case("shell-no-target", "start_shell_jump_session", [("protocol", "ssh")], "SCR-SHELL-001", "BRCS-023"),
    case("vpro-no-target", "start_vpro_session", [("jumpoint", "Network01")], "SCR-VPRO-001", "BRCS-023"),
    case("vpro-no-jumpoint", "start_vpro_session", [("target", "ABCDEF02")], "SCR-VPRO-001", "BRCS-023"),
    case(
        "jump-no-criteria", "start_jump_item_session", [("jump.method", "pinned")], "SCR-JUMP-003", "BRCS-030"
    ),
    # login: all three or none, one mechanism
    case("login-mechanism-only", "login", [("mechanism", "username_password")], "SCR-LOGIN-004", "BRCS-029"),
    case("login-no-mechanism", "login", [("username", "u"), ("password", "p")], "SCR-LOGIN-004", "BRCS-029"),
    case(
        "login-no-password",
        "login",
        [("mechanism", "username_password"), ("username", "u")],
        "SCR-LOGIN-004",
        "BRCS-029",
    ),
    case(
        "login-mechanism-kerberos",
        "login",
        [("mechanism", "kerberos"), ("username", "u"), ("password", "p")],
        "SCR-LOGIN-003",
        "BRCS-025",
    ),
    # values outside the documented ones
    case(
        "jump.method=ssh",
        "start_jump_item_session",
        [("client.hostname", "h"), ("jump.method", "ssh")],
        "SCR-JUMP-001",
        "BRCS-025",
    ),
    case(
        "display_size=big",
        "start_rdp_session",
        [("target", "t"), ("display_size", "big")],
        "SCR-RDP-002",
        "BRCS-025",
    ),
    case(
        "display_size=1024x",
        "start_rdp_session",
        [("target", "t"), ("display_size", "1024x")],
        "SCR-RDP-002",
        "BRCS-025",
    ),
    case(
        "quality=high", "start_rdp_session", [("target", "t"), ("quality", "high")], "SCR-RDP-003", "BRCS-025"
    ),
    case(
        "console=maybe",
        "start_rdp_session",
        [("target", "t"), ("console", "maybe")],
        "SCR-RDP-004",
        "BRCS-025",
    ),
    case(
        "protocol=rdp",
        "start_shell_jump_session",
        [("target", "t"), ("protocol", "rdp")],
        "SCR-SHELL-002",
        "BRCS-025",
    ),
    case(
        "terminal=vt220",
        "start_shell_jump_session",
        [("target", "t"), ("terminal", "vt220")],
        "SCR-SHELL-004",
        "BRCS-025",
    ),
    *(
        case(f"vnc-port={p}", "start_vnc_session", [("target", "t"), ("port", p)], "SCR-VNC-002", "BRCS-026")
        for p in ("0", "65536", "59a")
    ),
    *(
        case(
            f"shell-port={p}",
            "start_shell_jump_session",
            [("target", "t"), ("port", p)],
            "SCR-SHELL-003",
            "BRCS-026",
        )
        for p in ("0", "65536", "-22")
    ),
    # one over each maximum length
    case(
        "public_portal_hostname-256",
        "generate_session_key",
        [("public_portal_hostname", "p" * (LONG + 1))],
        "SCR-GSK-002",
        "BRCS-027",
    ),
    case("hostname-256", "push_and_start_local", [("hostname", "h" * (LONG + 1))], "SCR-PSL-001", "BRCS-027"),
    case(
        "credential_id-256",
        "start_jump_item_session",
        [("search_string", "s"), ("credential_id", "c" * (LONG + 1))],
        "SCR-JUMP-002",
        "BRCS-027",
    ),
    *(
        case(f"{f}-256", "start_jump_item_session", [(f, "x" * (LONG + 1))], "SCR-JUMP-002", "BRCS-027")
        for f in CLIENT_FIELDS
    ),
    case("custom-1025", "generate_session_key", [(CF1, "v" * (FIELD + 1))], "SCR-CUSTOM-001", "BRCS-027"),
    case(
        "custom-total-10KB+1",
        "generate_session_key",
        [
            *((f"session.custom.custom_field{i}", "t" * (TOTAL // 10)) for i in range(1, 11)),
            ("session.custom.custom_field11", "t"),
        ],
        "SCR-CUSTOM-002",
        "BRCS-028",
    ),
]


@pytest.fixture
def api_version(rs_target) -> str:
    version = rs_target.api_version
    return version if is_version(version) else cat.DEFAULT_API_VERSION


def request(client, action: str | None, params, *, client_type: str | None = "rep", operation="generate"):
    sent = [("type", client_type), ("operation", operation), ("action", action), *params]
    return client.client_script([(k, v) for k, v in sent if v is not None])


def available(action: str, api_version: str) -> None:
    if action not in cat.actions_for(api_version):
        na(f"{action} is not documented for API {api_version}")


@pytest.mark.req(*GENERATED, *BRCS_RULES, "SCR-009")
@pytest.mark.parametrize("action, params", [*GUIDE_EXAMPLES, *DOCUMENTED_VALUES, *AT_LIMITS])
def test_a_script_is_generated_with_the_parameters_sent(rs_anon, api_version, action, params):
    available(action, api_version)
    data, name = script_download(request(rs_anon, action, params))
    script = script_clean(data, api_version, name)
    script_carries(script, action, params)


@pytest.mark.req(*REFUSED)
@pytest.mark.parametrize("action, params", OVER)
def test_a_request_the_rules_refuse_generates_no_script(rs_anon, api_version, action, params):
    available(action, api_version)
    script_refused(request(rs_anon, action, params))


@pytest.mark.req("SCR-010", "SCR-021")
@pytest.mark.parametrize("client_type", [None, "", "representative", "web"])
def test_an_unsupported_client_type_generates_no_script(rs_anon, client_type):
    script_refused(request(rs_anon, "generate_session_key", [], client_type=client_type))


@pytest.mark.req("SCR-011", "SCR-021")
@pytest.mark.parametrize("operation", [None, "", "download", "run"])
def test_an_unsupported_operation_generates_no_script(rs_anon, operation):
    script_refused(request(rs_anon, "generate_session_key", [], operation=operation))


@pytest.mark.req("SCR-012")
@pytest.mark.parametrize("client_type, operation", [("rep", "execute"), ("web_console", "generate")])
def test_a_mismatched_type_and_operation_is_refused(rs_anon, client_type, operation):
    script_refused(request(rs_anon, "generate_session_key", [], client_type=client_type, operation=operation))


@pytest.mark.req("SCR-013", "SCR-021", "BRCS-020")
@pytest.mark.parametrize("action", [None, "", "generate_sessionkey", "GENERATE_SESSION_KEY", "start_session"])
def test_a_missing_or_unknown_action_generates_no_script(rs_anon, action):
    script_refused(request(rs_anon, action, []))


@pytest.mark.req("SCR-014")
def test_two_commands_in_one_url_never_make_one_script(rs_anon, api_version):
    sent = [
        ("type", "rep"),
        ("operation", "generate"),
        ("action", "generate_session_key"),
        ("action", "push_and_start_local"),
        ("hostname", "ABCDEF02"),
    ]
    response = rs_anon.client_script(sent)
    if response.status_code == 200 and looks_like_script(response):
        data, name = script_download(response)
        only_one_command(
            script_clean(data, api_version, name), ("generate_session_key", "push_and_start_local")
        )
    else:
        script_refused(response)


@pytest.mark.req("SCR-022", "BRCS-022")
def test_an_undocumented_parameter_is_refused_or_left_out(rs_anon, api_version):
    response = request(rs_anon, "generate_session_key", [("not_a_parameter", "x")])
    if response.status_code == 200 and looks_like_script(response):
        data, name = script_download(response)
        parameter_left_out(script_clean(data, api_version, name), "generate_session_key", "not_a_parameter")
    else:
        script_refused(response)


@pytest.mark.req("SCR-008", *GENERATED, *BRCS_RULES)
def test_the_deprecated_ns_url_still_generates(rs_anon, api_version):
    params = [("hostname", "ABCDEF02")]
    sent = [("type", "rep"), ("operation", "generate"), ("action", "push_and_start_local"), *params]
    response = rs_anon.call(CLIENT_SCRIPT_PATH + ".ns", sent, anonymous=True)
    check(  # the deprecated URL gone is SCR-008's defect, not the download's (SCR-003)
        response.status_code == 200, f"client_script.ns answered HTTP {response.status_code}, not the script"
    )
    data, name = script_download(response)
    script_carries(script_clean(data, api_version, name), "push_and_start_local", params)


@pytest.mark.req("SCR-015")
def test_the_guide_introductory_example(rs_anon):
    """'Here is an example of a valid Client Scripting API request': start_pinned_client_session, a 12.1
    action the 21.3 list dropped. A script (which must then parse and carry it) or a refusal. The action is
    undocumented for 21.3, so what its script lacks is this SHOULD's defect, not the MUSTs of documented
    actions: the download and carry checks are charged here (as_primary)."""
    params = [("search_string", "ABCDEFG02")]
    response = request(rs_anon, "start_pinned_client_session", params)
    if response.status_code == 200 and looks_like_script(response):
        data, _ = as_primary(script_download, response)
        try:
            script = brcs.parse(data)
        except brcs.BrcsSyntaxError as exc:
            raise AssertionError(f"the script does not parse: {exc}") from None
        as_primary(script_carries, script, "start_pinned_client_session", params)
    else:
        script_refused(response)


def as_primary(check_function, *args):
    """Run a check function with every defect and warning it records, and the failure that stops it,
    charged to the calling check's primary requirement."""
    with checking() as inner:
        try:
            result = check_function(*args)
        except CheckFailed as exc:
            stopped = str(exc)
        else:
            stopped = None
    for charge in inner.charges:
        (defect if charge.verdict == FAIL else warn)(charge.reason)
    if stopped is not None:
        raise CheckFailed(stopped)
    return result


@pytest.mark.req("SCR-030")
@pytest.mark.api_version(since=cat.WEB_CONSOLE_SINCE)
@pytest.mark.parametrize(
    "action, params",
    [("generate_session_key", []), ("start_jump_item_session", [("client.hostname", "ABCDEF02")])],
    ids=["generate_session_key", "start_jump_item_session"],
)
def test_web_console_executes_its_two_actions(rs_anon, action, params):
    execute_accepted(request(rs_anon, action, params, client_type="web_console", operation="execute"))


# a request each action would accept with type=rep
MINIMAL = {
    "login": [],
    "push_and_start_local": [("hostname", "ABCDEF02")],
    "push_and_start_remote": [("target", "ABCDEF02")],
    "start_rdp_session": [("target", "ABCDEF02")],
    "start_vnc_session": [("target", "ABCDEF02")],
    "start_shell_jump_session": [("target", "ABCDEF02")],
    "start_vpro_session": [("target", "ABCDEF02"), ("jumpoint", "Network01")],
}


@pytest.mark.req("SCR-031", "SCR-021")
@pytest.mark.api_version(since=cat.WEB_CONSOLE_SINCE)
@pytest.mark.parametrize("action, params", [pytest.param(a, p, id=a) for a, p in MINIMAL.items()])
def test_web_console_refuses_the_other_actions(rs_anon, action, params):
    response = request(rs_anon, action, params, client_type="web_console", operation="execute")
    script_refused(response)
    if 200 <= response.status_code < 400:  # a refusal, whatever its form, is not the action accepted
        raise AssertionError(f"type=web_console accepted {action} (HTTP {response.status_code})")
