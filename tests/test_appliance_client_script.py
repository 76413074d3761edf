"""The client scripting API of the embedded appliance: every query example of the guide, and bad requests."""

from __future__ import annotations

import httpx
import pytest

from harness import brcs
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.server import running

# The guide's query examples ("API Script Command: ..."), path and query as printed.
GUIDE_EXAMPLES = [
    "type=rep&operation=generate&action=login&mechanism=username_password&username=username&password=password",
    "type=rep&operation=generate&action=generate_session_key",
    "type=rep&operation=generate&action=generate_session_key&public_portal_hostname=support.example.com",
    (
        "type=rep&operation=generate&action=generate_session_key&session.custom.custom_field1=Custom%20Value"
        "&session.custom.custom_field2=123"
    ),
    "type=rep&operation=generate&action=push_and_start_local&hostname=ABCDEF02",
    (
        "type=rep&operation=generate&action=push_and_start_local&hostname=ABCDEF02"
        "&session.custom.custom_field1=Custom%20Value&session.custom.custom_field2=123"
    ),
    "type=rep&operation=generate&action=push_and_start_remote&target=ABCDEF02&jumpoint=Network01",
    (
        "type=rep&operation=generate&action=push_and_start_remote&target=ABCDEF02&jumpoint=Network01"
        "&session.custom.custom_field1=Custom%20Value&session.custom.custom_field2=123"
    ),
    "type=rep&operation=generate&action=start_jump_item_session&client.comments=maintenance&client.tag=server",
    "type=rep&operation=generate&action=start_jump_item_session&client.hostname=ABCDEF02",
    (
        "type=rep&operation=generate&action=start_jump_item_session&client.private_ip=10.10.24&jump.method=pinned"
        "&session.custom.custom_field1=Custom%20Value&session.custom.custom_field2=123"
    ),
    "type=rep&operation=generate&action=start_rdp_session&target=ABCDEF02",
    "type=rep&operation=generate&action=start_rdp_session&target=ABCDEF02&jumpoint=Network01",
    (
        "type=rep&operation=generate&action=start_rdp_session&target=ABCDEF02&jumpoint=Network01&username=jsmith"
        "&display_size=1024x768&quality=quality&console=yes"
    ),
    "type=rep&operation=generate&action=start_shell_jump_session&target=ABCDEF02",
    "type=rep&operation=generate&action=start_shell_jump_session&target=ABCDEF02&jumpoint=Network01",
    (
        "type=rep&operation=generate&action=start_shell_jump_session&target=ABCDEF02&jumpoint=Network01"
        "&username=jsmith&protocol=telnet&port=40&terminal=vt100"
    ),
    "type=rep&operation=generate&action=start_vnc_session&target=ABCDEF02",
    "type=rep&operation=generate&action=start_vnc_session&target=ABCDEF02&jumpoint=Network01",
    (
        "type=rep&operation=generate&action=start_vnc_session&target=ABCDEF02"
        "&session.custom.custom_field1=Custom%20Value&session.custom.custom_field2=123"
    ),
    "type=rep&operation=generate&action=start_vpro_session&target=ABCDEF02&jumpoint=Network01",
    (
        "type=rep&operation=generate&action=start_vpro_session&target=ABCDEF02&jumpoint=Network01"
        "&session.custom.custom_field1=Custom%20Value&session.custom.custom_field2=123"
    ),
]


@pytest.fixture(scope="module")
def url(tmp_path_factory):
    with running(Appliance(ApplianceConfig(tmp_path_factory.mktemp("appliance")))) as base:
        yield base


@pytest.mark.parametrize("query", GUIDE_EXAMPLES, ids=lambda q: q.split("action=")[1].split("&")[0])
def test_every_guide_example_gives_a_clean_brcs_file(url, query) -> None:
    r = httpx.get(f"{url}/api/client_script?{query}")
    assert r.status_code == 200, r.text
    action = query.split("action=")[1].split("&")[0]
    name = r.headers["content-disposition"].split('filename="')[1].rstrip('"')
    assert name == f"{action}.brcs-example" and brcs.filename_ok(name, "example")
    must = [i for i in brcs.lint(r.content, filename=name) if brcs.RULE_BY_ID[i.rule].level == "MUST"]
    assert must == []
    script = brcs.parse(r.content)
    assert script.version == "1.0"
    assert script.commands[0].action == "login" and script.commands[-1].action == "delete_script_file"
    assert action in {c.action for c in script.commands}
    assert r.content.startswith(b"BRCS1.0\n")


def test_the_guides_own_pinned_client_example_is_generated(url) -> None:
    """Both guides' example of "a valid Client Scripting API request" is start_pinned_client_session, which
    only the 12.1 guide defines: a 1.21.1 appliance serves its script (judged by that definition) instead
    of refusing it; a missing or over-long search_string is still refused by that definition."""
    query = "type=rep&operation=generate&action=start_pinned_client_session&search_string=ABCDEFG02"
    r = httpx.get(f"{url}/api/client_script?{query}")
    assert r.status_code == 200, r.text
    commands = brcs.parse(r.content).commands
    assert [c.action for c in commands] == ["login", "start_pinned_client_session", "delete_script_file"]
    assert "search_string=ABCDEFG02" in r.text
    # on 1.21.1 it is not in the version's own list: that is the linter's BRCS-021 note, nothing else
    issues = brcs.lint(r.content, filename="start_pinned_client_session.brcs-example")
    assert {i.rule for i in issues if brcs.RULE_BY_ID[i.rule].level == "MUST"} <= {"BRCS-021"}
    for bad in ("", "&search_string=" + "x" * 1025):
        r = httpx.get(
            f"{url}/api/client_script?type=rep&operation=generate&action=start_pinned_client_session{bad}"
        )
        assert r.status_code == 400, r.text


def test_parameters_survive_the_round_trip(url) -> None:
    r = httpx.get(
        f"{url}/api/client_script",
        params={
            "type": "rep",
            "operation": "generate",
            "action": "generate_session_key",
            "session.custom.ticket": "A&B=C 100% ü",
        },
    )
    (command,) = [c for c in brcs.parse(r.content).commands if c.action == "generate_session_key"]
    assert command.params == (("session.custom.ticket", "A&B=C 100% ü"),)


def test_web_console_executes_only_its_two_actions(url) -> None:
    r = httpx.get(f"{url}/api/client_script?type=web_console&operation=execute&action=generate_session_key")
    assert r.status_code == 200 and r.text == "action=generate_session_key\n"
    r = httpx.get(
        f"{url}/api/client_script?type=web_console&operation=execute&action=start_jump_item_session"
        "&client.hostname=ABCDEF02"
    )
    assert r.status_code == 200 and r.text == "action=start_jump_item_session&client.hostname=ABCDEF02\n"
    r = httpx.get(
        f"{url}/api/client_script?type=web_console&operation=execute&action=start_rdp_session&target=x"
    )
    assert r.status_code == 400 and "supports only" in r.text


@pytest.mark.parametrize(
    "query,reason",
    [
        ("", "type must be rep or web_console"),
        ("type=console&operation=generate&action=login", "type must be rep or web_console"),
        ("type=rep&operation=execute&action=login", "the operation is generate"),
        ("type=rep&operation=generate", "action is required"),
        ("type=rep&operation=generate&action=format_disk", "unknown action"),
        ("type=rep&operation=generate&action=delete_script_file", "unknown action"),
        ("type=rep&operation=generate&action=start_rdp_session", "BRCS-023"),
        ("type=rep&operation=generate&action=start_rdp_session&target=x&quality=best", "BRCS-025"),
        ("type=rep&operation=generate&action=start_vnc_session&target=x&port=99999", "BRCS-026"),
        ("type=rep&operation=generate&action=login&username=u", "BRCS-029"),
        ("type=rep&operation=generate&action=push_and_start_local&hostname=x&bogus=1", "BRCS-022"),
        ("type=rep&operation=generate&action=push_and_start_local&hostname=" + "x" * 300, "BRCS-027"),
        ("type=rep&operation=generate&action=generate_session_key&x=%FF", "not UTF-8"),
    ],
)
def test_bad_requests_get_a_clear_400(url, query, reason) -> None:
    r = httpx.get(f"{url}/api/client_script?{query}")
    assert r.status_code == 400
    assert reason in r.text
