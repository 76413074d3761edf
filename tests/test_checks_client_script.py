"""The client scripting checks PASS on good answers and FAIL on bad ones (crafted, no server)."""

from __future__ import annotations

import crafted
import pytest

from harness import brcs
from harness.checks.client_script import (
    attachment_filename,
    execute_accepted,
    looks_like_script,
    only_one_command,
    parameter_left_out,
    script_carries,
    script_clean,
    script_download,
    script_refused,
)
from harness.verdicts import CheckFailed, checking

GOOD = b"BRCS1.0\naction=login\naction=push_and_start_local&hostname=ABCDEF02\naction=delete_script_file"
NAME = "push_and_start_local.brcs-example"


def download(
    body: bytes = GOOD, name: str | None = NAME, status: int = 200, **headers: str
) -> crafted.Response:
    h = {"content-type": "application/octet-stream", **headers}
    if name is not None:
        h["content-disposition"] = f'attachment; filename="{name}"'
    return crafted.Response(status, body, h)


@pytest.mark.parametrize(
    "value, name",
    [
        ('attachment; filename="a.brcs-x"', "a.brcs-x"),
        ("attachment; filename=a.brcs-x", "a.brcs-x"),
        ('Attachment ; filename = "a b.brcs-x"', "a b.brcs-x"),
        ("attachment; filename*=UTF-8''%C3%A9.brcs-x; filename=\"e.brcs-x\"", "é.brcs-x"),
        ('attachment; filename="q\\"x.brcs-x"', 'q"x.brcs-x'),
        ('inline; filename="a.brcs-x"', None),
        ("attachment", None),
        ("attachment; filename*=bogus''%FF", None),
        ("", None),
    ],
)
def test_attachment_filename(value, name):
    assert attachment_filename({"content-disposition": value} if value else {}) == name


def test_script_download_passes_a_download():
    assert script_download(download()) == (GOOD, NAME)


def test_looks_like_script():
    assert looks_like_script(download())
    assert looks_like_script(crafted.Response(200, GOOD, {"content-type": "text/plain"}))
    assert not looks_like_script(crafted.Response(200, b"<html>error</html>", {"content-type": "text/html"}))


@pytest.mark.parametrize(
    "response, reason",
    [
        (download(status=400), "HTTP 400"),
        (download(name=None), "not a download"),
        (crafted.Response(200, GOOD, {"content-disposition": 'inline; filename="x"'}), "not a download"),
        (download(body=b""), "empty"),
    ],
)
def test_script_download_fails(response, reason):
    with pytest.raises(CheckFailed, match=reason) as e:
        script_download(response)
    assert e.value.req == "SCR-003"


def test_script_clean_passes_a_clean_file(ctx):
    script = script_clean(GOOD, "1.21.1", NAME)
    assert [c.action for c in script.commands] == ["login", "push_and_start_local", "delete_script_file"]
    assert ctx.charges == []


@pytest.mark.parametrize(
    "data, rules",
    [
        (b"BRCS1.0\naction=login\naction=push_and_start_local\naction=delete_script_file", ["BRCS-023"]),
        (b"BRCS1.0\naction=login\naction=start_vnc_session&target=t&port=0", ["BRCS-026"]),
        (b"BRCS1.0\naction=login\naction=push_and_start_local&hostname=a b", ["BRCS-012"]),
        (
            b"BRCS1.0\naction=login\n" + b"action=generate_session_key\n" * 9 + b"action=delete_script_file",
            ["BRCS-007"],
        ),
        (b"BRCS1.0\naction=launch_missiles", ["BRCS-020"]),
        (b"BRCS1.0\naction=login\n\naction=delete_script_file", ["BRCS-005"]),
    ],
)
def test_script_clean_charges_each_issue_to_its_rule(ctx, data, rules):
    """A file that breaks a MUST rule FAILs that rule (a defect: the file is still read, so what it carries
    is judged too), and no other requirement."""
    script = script_clean(data, "1.21.1", NAME)
    assert ctx.charged() == rules
    assert ctx.failures and all(r in f for r, f in zip(rules, ctx.failures, strict=True))
    assert script.commands  # read on, leniently where the grammar is broken


def test_a_header_only_defect_charges_exactly_the_header_rule(ctx):
    """The issue's case: a bad header used to FAIL every BRCS rule and the generation requirements with
    it. Now it is charged to BRCS-001 alone, and the script is still read, so its commands PASS."""
    body = GOOD.replace(b"BRCS1.0", b"BRCS 1.0")
    script = script_clean(body, "1.21.1", NAME)
    assert ctx.charged() == ["BRCS-001"]
    assert "bad header" in ctx.failures[0]
    assert script_carries(script, "push_and_start_local", [("hostname", "ABCDEF02")]).action == (
        "push_and_start_local"
    )
    assert ctx.charged() == ["BRCS-001"]  # the carry checks found nothing more
    # no header at all: the first line is a command, and is read as one
    with checking() as other:
        headless = script_clean(GOOD.removeprefix(b"BRCS1.0\n"), "1.21.1", NAME)
    assert other.charged() == ["BRCS-001"]
    assert [c.action for c in headless.commands] == ["login", "push_and_start_local", "delete_script_file"]


def test_script_clean_fails_a_file_with_no_command():
    for body in (b"<html><body>Internal error</body></html>", b"BRCS1.0"):
        with checking() as inner, pytest.raises(CheckFailed, match="no command can be read") as e:
            script_clean(body, "1.21.1", NAME)
        assert e.value.req == "SCR-004"
        assert inner.charged() and all(r.startswith("BRCS-") for r in inner.charged())


def test_script_clean_charges_should_rules_and_takes_an_unknown_version(ctx):
    """SHOULD rules are charged to themselves too; the plugin makes a charge to a SHOULD a WARN."""
    script_clean(GOOD + b"\n", "not-a-version", "script.txt")  # trailing newline (a SHOULD), bad file name
    assert sorted(ctx.charged()) == ["BRCS-006", "BRCS-040"]
    assert brcs.RULE_BY_ID["BRCS-040"].level == "MUST"  # issue 15: the guide's rule of the file name


def test_script_carries_passes(ctx):
    script = brcs.parse(GOOD)
    assert (
        script_carries(script, "push_and_start_local", [("hostname", "ABCDEF02")]).action
        == "push_and_start_local"
    )
    login = brcs.parse(
        b"BRCS1.0\naction=login&mechanism=username_password&username=u&password=p\naction=delete_script_file"
    )
    script_carries(login, "login", [("username", "u"), ("password", "p"), ("mechanism", "username_password")])
    assert ctx.charges == []


@pytest.mark.parametrize(
    "data, reason, req",
    [
        (
            b"BRCS1.0\naction=push_and_start_local&hostname=ABCDEF02\naction=delete_script_file",
            "not login",
            "SCR-LOGIN-001",
        ),
        (
            b"BRCS1.0\naction=login\naction=push_and_start_local&hostname=ABCDEF02",
            "no delete_script_file",
            "SCR-006",
        ),
        (GOOD + b"&x=1", "delete_script_file has parameters", "SCR-006"),
        (
            b"BRCS1.0\naction=login\naction=generate_session_key\n"
            b"action=push_and_start_local&hostname=ABCDEF02\naction=delete_script_file",
            "commands nobody asked for",
            "SCR-005",
        ),
        (
            (
                b"BRCS1.0\naction=login\naction=push_and_start_local&hostname=ABCDEF02\n"
                b"action=push_and_start_local&hostname=ABCDEF02\naction=delete_script_file"
            ),
            "2 push_and_start_local",
            "SCR-005",
        ),
    ],
)
def test_script_carries_charges_a_defect_and_goes_on(ctx, data, reason, req):
    """Each defect FAILs its own requirement and the others are still judged: the command is found."""
    command = script_carries(brcs.parse(data), "push_and_start_local", [("hostname", "ABCDEF02")])
    assert command.action == "push_and_start_local"
    assert ctx.charged() == [req]
    assert reason in ctx.failures[0]


@pytest.mark.parametrize(
    "data, reason",
    [
        (
            b"BRCS1.0\naction=login\naction=push_and_start_local&hostname=OTHER\naction=delete_script_file",
            "lacks parameters sent",
        ),
        (
            b"BRCS1.0\naction=login\naction=push_and_start_local&hostname=abcdef02\n"
            b"action=delete_script_file",
            "lacks parameters sent",
        ),
        (
            b"BRCS1.0\naction=login\naction=generate_session_key\naction=delete_script_file",
            "0 push_and_start_local commands",
        ),
    ],
)
def test_script_carries_fails(ctx, data, reason):
    with pytest.raises(CheckFailed, match=reason) as e:
        script_carries(brcs.parse(data), "push_and_start_local", [("hostname", "ABCDEF02")])
    assert e.value.req == "SCR-005"


def test_script_carries_warns_when_delete_comes_first(ctx):
    data = b"BRCS1.0\naction=login\naction=delete_script_file\naction=push_and_start_local&hostname=ABCDEF02"
    script_carries(brcs.parse(data), "push_and_start_local", [("hostname", "ABCDEF02")])
    assert ctx.warnings and "before" in ctx.warnings[0]
    assert ctx.charged() == ["SCR-007"]


@pytest.mark.parametrize(
    "response, warns",
    [
        (crafted.Response(400, b"type must be rep or web_console", {"content-type": "text/plain"}), False),
        (crafted.Response(404, b"", {}), False),
        (crafted.Response(200, b"<html>Invalid request</html>", {"content-type": "text/html"}), True),
        (crafted.Response(302, b"", {"location": "/login"}), True),
    ],
)
def test_script_refused_passes_a_refusal(ctx, response, warns):
    script_refused(response)
    assert ctx.failures == []
    assert ctx.charged("WARN") == (["SCR-021"] if warns else [])


@pytest.mark.parametrize(
    "response, reason",
    [
        (download(), "a script was generated"),
        (crafted.Response(200, GOOD, {"content-type": "text/plain"}), "a script was generated"),
        (crafted.Response(500, b"Traceback", {}), "server error"),
    ],
)
def test_script_refused_fails(response, reason):
    """A script or a server error where a refusal was expected: the rule that refuses it, which each
    caller names first (its primary requirement)."""
    with pytest.raises(CheckFailed, match=reason) as e:
        script_refused(response)
    assert e.value.req is None


def test_only_one_command():
    only_one_command(brcs.parse(GOOD), ("generate_session_key", "push_and_start_local"))
    only_one_command(
        brcs.parse(GOOD), ("login", "push_and_start_local")
    )  # the automatic login does not count
    both = b"BRCS1.0\naction=login\naction=generate_session_key\naction=push_and_start_local&hostname=A"
    with pytest.raises(CheckFailed, match="several commands") as e:
        only_one_command(brcs.parse(both), ("generate_session_key", "push_and_start_local"))
    assert e.value.req == "SCR-014"
    creds = b"mechanism=username_password&username=u&password=p"
    with_login = b"BRCS1.0\naction=login&" + creds + b"\naction=generate_session_key"
    with pytest.raises(CheckFailed, match="several commands") as e:
        only_one_command(brcs.parse(with_login), ("login", "generate_session_key"))
    assert e.value.req == "SCR-014"


def test_parameter_left_out():
    parameter_left_out(brcs.parse(GOOD), "push_and_start_local", "not_a_parameter")
    with pytest.raises(CheckFailed, match="undocumented parameter") as e:
        parameter_left_out(
            brcs.parse(GOOD + b"\naction=generate_session_key&x=1"), "generate_session_key", "x"
        )
    assert e.value.req == "SCR-022"


@pytest.mark.parametrize(
    "response",
    [
        crafted.Response(200, b"action=generate_session_key\n", {"content-type": "text/plain"}),
        crafted.Response(204, b"", {}),
        crafted.Response(302, b"", {"location": "https://support.example.com/console"}),
    ],
)
def test_execute_accepted_passes(response):
    execute_accepted(response)


@pytest.mark.parametrize(
    "response, reason",
    [
        (crafted.Response(400, b"no", {}), "HTTP 400: refused"),
        (crafted.Response(503, b"", {}), "server error"),
        (crafted.Response(302, b"", {}), "without a Location"),
    ],
)
def test_execute_accepted_fails(response, reason):
    with pytest.raises(CheckFailed, match=reason) as e:
        execute_accepted(response)
    assert e.value.req is None  # SCR-030, its only caller's primary requirement
