"""The session generation checks PASS on good answers and FAIL on bad ones (crafted, no server)."""

from __future__ import annotations

import crafted
import pytest

from harness.checks.start_session import (
    Rep,
    accepted,
    chat_page,
    client_download,
    customer_lsid,
    key_url_path,
    logged_in_reps,
    session_carries,
    session_in_team,
    start_refused,
    start_session_js,
    support_issues,
    windows_executable,
)
from harness.checks.xml import parse
from harness.verdicts import CheckFailed

EXE = b"MZ\x90\x00synthetic"
ATTACH = {
    "content-type": "application/octet-stream",
    "content-disposition": 'attachment; filename="bomgar-scc.exe"',
}
HTML = {"content-type": "text/html; charset=utf-8"}
LSID = "3898d190f9ebdacc0cb1e29c658cda14"


def root(body: str, reporting: bool = False):
    return parse((crafted.reporting(body) if reporting else crafted.command(body)).content)


# -- answers -------------------------------------------------------------------------------------------------


def test_client_download_passes(ctx):
    assert client_download(crafted.Response(200, EXE, ATTACH)) == "bomgar-scc.exe"
    windows_executable(crafted.Response(200, EXE, ATTACH))
    assert ctx.charges == []


@pytest.mark.parametrize(
    "response, reason, req",
    [
        # a refusal is the caller's: the start method or the value it tries, which it names first
        (crafted.Response(404, b"<p>not valid</p>", HTML), "HTTP 404", None),
        (crafted.Response(200, b"<html>Your download</html>", HTML), "no customer client download", "SS-004"),
        (crafted.Response(200, b"", ATTACH), "empty", "SS-004"),
        (crafted.Response(200, b"<html/>", {**ATTACH, "content-type": "text/html"}), "HTML page", "SS-004"),
    ],
)
def test_client_download_fails(response, reason, req):
    with pytest.raises(CheckFailed, match=reason) as e:
        client_download(response)
    assert e.value.req == req


def test_windows_executable_fails_on_anything_else(ctx):
    """A defect of SS-PLAT-002 (a SHOULD, so a WARN in a run) that lets the check go on."""
    windows_executable(crafted.Response(200, b"\x7fELF", ATTACH))
    assert ctx.charged() == ["SS-PLAT-002"]
    assert "MZ" in ctx.failures[0]


def test_chat_page_passes():
    chat_page(crafted.Response(200, b"<!DOCTYPE html><main>Click-To-Chat</main>", HTML))


@pytest.mark.parametrize(
    "response, reason",
    [
        (crafted.Response(200, EXE, ATTACH), "answered a download"),
        (crafted.Response(404, b"<p>no</p>", HTML), "HTTP 404"),
        (crafted.Response(200, b"{}", {"content-type": "application/json"}), "not an HTML page"),
        (crafted.Response(200, b"plain words", HTML), "no markup"),
    ],
)
def test_chat_page_fails(response, reason):
    with pytest.raises(CheckFailed, match=reason) as e:
        chat_page(response)
    assert e.value.req is None  # SS-C2C-001, its only caller's primary requirement


@pytest.mark.parametrize(
    "response, warns",
    [
        (crafted.Response(400, b"<p>Use one start method</p>", HTML), False),
        (crafted.Response(404, b"<p>expired</p>", HTML), False),
        (crafted.Response(200, b"<p>Unable to start a session</p>", HTML), True),
        (crafted.Response(302, b"", {"location": "/"}), True),
    ],
)
def test_start_refused_passes(ctx, response, warns):
    start_refused(response)
    assert ctx.failures == []
    assert ctx.charged("WARN") == (["SS-007"] if warns else [])


@pytest.mark.parametrize(
    "response, reason",
    [
        (crafted.Response(200, EXE, ATTACH), "was downloaded"),
        (crafted.Response(500, b"Internal Server Error", {}), "server error"),
    ],
)
def test_start_refused_fails(response, reason):
    """A download or a server error where a refusal was expected: the rule that refuses the request, which
    each caller names first (its primary requirement)."""
    with pytest.raises(CheckFailed, match=reason) as e:
        start_refused(response)
    assert e.value.req is None


@pytest.mark.parametrize(
    "response",
    [
        crafted.Response(200, EXE, ATTACH),
        crafted.Response(200, b"<html>public site</html>", HTML),
        crafted.Response(302, b"", {"location": "https://support.example.com/"}),
    ],
)
def test_accepted_passes(response):
    accepted(response)


@pytest.mark.parametrize(
    "response, reason",
    [
        (crafted.Response(404, b"<p>This session key link is not valid</p>", HTML), "HTTP 404"),
        (crafted.Response(502, b"", {}), "HTTP 502"),
        (crafted.Response(303, b"", {}), "without a Location"),
    ],
)
def test_accepted_fails(response, reason):
    with pytest.raises(CheckFailed, match=reason) as e:
        accepted(response)
    assert e.value.req is None  # SS-KEY-005, its only caller's primary requirement


JS = (
    b"(function(r){var BG={START_TYPE:{CHAT:'chat',BROWSER:'browser',FULL:'full'},"
    b"setSite:function(h){},start:0};})"
)


def test_start_session_js_passes(ctx):
    start_session_js(crafted.Response(200, JS, {"content-type": "application/javascript"}))
    assert ctx.charges == []
    start_session_js(crafted.Response(200, JS, {"content-type": "text/plain"}))
    assert ctx.warnings and "JavaScript media type" in ctx.warnings[0]
    assert ctx.charged() == ["SS-JS-003"]


def test_start_session_js_fails_when_not_served():
    with pytest.raises(CheckFailed, match="HTTP 404") as e:
        start_session_js(crafted.Response(404, b"", {}))
    assert e.value.req == "SS-JS-001"


@pytest.mark.parametrize(
    "response, reason, charged",
    [
        (
            crafted.Response(200, JS.replace(b"BROWSER", b"SHARE"), {"content-type": "text/javascript"}),
            "BROWSER",
            ["SS-JS-002"],
        ),
        # the names missing, and served as HTML: each requirement charged once, the media type still judged
        (crafted.Response(200, b"<html>login</html>", HTML), "setSite", ["SS-JS-002", "SS-JS-003"]),
    ],
)
def test_start_session_js_charges_the_names_missing(ctx, response, reason, charged):
    start_session_js(response)
    assert ctx.charged() == charged
    assert reason in ctx.failures[0]


# -- the target's directory ----------------------------------------------------------------------------------

REP = (
    '<rep id="{id}"><display_name>Admin</display_name><public_display_name>Admin</public_display_name>'
    "<private_display_name>Administrator</private_display_name><type>Normal</type><direct_link>x</direct_link>"
    "<logged_in_since>2021-01-01T00:00:00+00:00</logged_in_since><presentation_count>0</presentation_count>"
    "<support_session_count>0</support_session_count><showing_on_rep_list>{showing}</showing_on_rep_list></rep>"
)


def test_logged_in_reps():
    reps = logged_in_reps(
        root(f"<logged_in_reps>{REP.format(id=1, showing=1)}{REP.format(id=3, showing=0)}</logged_in_reps>")
    )
    assert reps == [Rep("1", "Admin", True), Rep("3", "Admin", False)]
    assert logged_in_reps(root("<logged_in_reps/>")) == []
    with pytest.raises(CheckFailed, match="not a numeric ID") as e:
        logged_in_reps(root(f"<logged_in_reps>{REP.format(id='x', showing=1)}</logged_in_reps>"))
    assert e.value.req == "CMD-GLR-002"
    with pytest.raises(CheckFailed, match="no <public_display_name>") as e:
        logged_in_reps(root('<logged_in_reps><rep id="2"><type>Normal</type></rep></logged_in_reps>'))
    assert e.value.req == "CMD-GLR-001"


def test_support_issues():
    teams = root(
        '<support_teams><support_team id="1"><name>General</name><issues><issue id="1"><title>Other</title>'
        '</issue><issue id="6"><title>x</title></issue></issues></support_team>'
        '<support_team id="2"><name>S</name>'
        "<issues/></support_team></support_teams>"
    )
    assert support_issues(teams) == [("1", "1"), ("6", "1")]
    with pytest.raises(CheckFailed, match="numeric id") as e:
        support_issues(
            root(
                '<support_teams><support_team id="1"><issues><issue><title>t</title></issue>'
                "</issues></support_team></support_teams>"
            )
        )
    assert e.value.req == "CMD-GST-006"


def test_key_url_path():
    assert key_url_path("https://support.example.com/?ak=95e6") == "/?ak=95e6"
    assert key_url_path("https://support.example.com") == "/"
    assert key_url_path("https://h:8443/k/abc") == "/k/abc"


CUSTOMERS = (
    '<connected_clients><connected_support_customer id="1"><name>Jane</name><lsid>aaa</lsid>'
    '</connected_support_customer><connected_support_customer id="2"><name>{name}</name><lsid>{lsid}</lsid>'
    "</connected_support_customer></connected_clients>"
)


def test_customer_lsid():
    assert customer_lsid(root(CUSTOMERS.format(name="rsh-1", lsid=LSID)), "rsh-1") == LSID
    assert customer_lsid(root(CUSTOMERS.format(name="rsh-1", lsid=LSID)), "rsh-2") is None
    with pytest.raises(CheckFailed, match="2 support customers") as e:
        customer_lsid(root(CUSTOMERS.format(name="Jane", lsid=LSID)), "Jane")
    assert e.value.req is None  # the start under test made two sessions: its caller's primary requirement
    with pytest.raises(CheckFailed, match="no <lsid>") as e:
        customer_lsid(root(CUSTOMERS.format(name="rsh-1", lsid="")), "rsh-1")
    assert e.value.req == "CMD-GCC-001"


SESSION = (
    '<session_list><session lsid="{lsid}"><external_key>{ext}</external_key>'
    '<customer_list><customer gsnumber="1">'
    "<info><name>rsh-1</name><company>Acmé</company><company_code>K1</company_code><issue></issue>"
    "<details>help</details></info></customer></customer_list>"
    '<team_list><team id="1" primary_team="1">General</team></team_list></session></session_list>'
)
SENT = {
    "customer.name": "rsh-1",
    "customer.company": "Acmé",
    "customer.company_code": "K1",
    "customer.details": "help",
    "session.custom.external_key": "T-1",
}


def test_session_carries_and_session_in_team(ctx):
    session = session_carries(root(SESSION.format(lsid=LSID, ext="T-1"), reporting=True), LSID, SENT)
    session_in_team(session, "1")
    assert ctx.charges == []
    with pytest.raises(CheckFailed, match="not including team 2") as e:
        session_in_team(session, "2")
    assert e.value.req == "SS-ISS-006"


def test_session_carries_fails_without_the_session():
    with pytest.raises(CheckFailed, match="0 sessions") as e:
        session_carries(root(SESSION.format(lsid="other", ext="T-1"), reporting=True), LSID, SENT)
    assert e.value.req == "SS-008"


@pytest.mark.parametrize(
    "body, sent, reason, charged",
    [
        (SESSION.format(lsid=LSID, ext="T-2"), SENT, "<external_key> is 'T-2'", ["SS-EXT-001"]),
        (
            SESSION.format(lsid=LSID, ext="T-1").replace("Acmé", "Acme"),
            SENT,
            "customer company",
            ["SS-008"],
        ),
        (
            SESSION.format(lsid=LSID, ext="T-1").replace("<details>help</details>", ""),
            SENT,
            "details is absent",
            ["SS-008"],
        ),
        (
            SESSION.format(lsid=LSID, ext="T-1").replace("<external_key>T-1</external_key>", ""),
            SENT,
            "<external_key> is absent",
            ["SS-EXT-001"],
        ),
        (
            SESSION.format(lsid=LSID, ext="T-1")
            .replace("<customer_list>", "<x>")
            .replace("</customer_list>", "</x>"),
            {"customer.name": "rsh-1"},
            "customer name is absent",
            ["SS-008"],
        ),
        # both wrong: each its own requirement, in one pass
        (
            SESSION.format(lsid=LSID, ext="T-2").replace("Acmé", "Acme"),
            SENT,
            "customer company",
            ["SS-008", "SS-EXT-001"],
        ),
    ],
)
def test_session_carries_charges_what_the_session_lacks(ctx, body, sent, reason, charged):
    session = session_carries(root(body, reporting=True), LSID, sent)
    assert session.get("lsid") == LSID
    assert ctx.charged() == charged
    assert any(reason in f for f in ctx.failures)


def test_session_carries_charges_the_external_key_where_the_caller_says(ctx):
    """SS-KEY-006: the value start_session sent must override the key's; there a wrong external key is
    that requirement's defect."""
    body = SESSION.format(lsid=LSID, ext="from-generate_session_key")
    session_carries(root(body, reporting=True), LSID, SENT, external_key_req="SS-KEY-006")
    assert ctx.charged() == ["SS-KEY-006"]
