"""The legacy (API 1.7.0, Bomgar 12.1 guide) checks of harness.checks.legacy_command and
harness.checks.legacy_reporting PASS on good crafted answers and FAIL on bad ones, each failure charged to the
requirement it breaks (None: the calling check's primary one); their SHOULDs WARN (recorded in `ctx`).

Good answers are valid against the 1.7.0 schemas (read through command_ok, as the suites read them); bad ones
are parsed as they are, so each breaks only the rule under test."""

from __future__ import annotations

import dataclasses
import re

import crafted
import pytest
from crafted import fails
from lxml import etree

from harness.checks import legacy_command as lc
from harness.checks import legacy_reporting as lr
from harness.checks.reporting import SessionFacts, SurveyFacts
from harness.checks.sessions import SessionKey
from harness.checks.xml import Expect, command_ok
from harness.namespaces import DOCUMENTED

EXPECT = Expect("1.7.0")
COMMAND_NS = DOCUMENTED[("1.7.0", "command")]
REPORTING_NS = DOCUMENTED[("1.7.0", "reporting")]
T0 = 1_301_644_800  # 2011-04-01T08:00:00Z
LSID = "c69a8e10bea9428f816cfababe9815fe"
B = "b" * 32  # another lsid
PERMS = {
    "perm_use_command_api": "1",
    "perm_use_reporting_api": "1",
    "perm_admin": "1",
    "perm_view_reports": "all_sessions",
    "perm_view_sd_recordings": "1",
    "perm_sd_allowed": "1",
}


def command(body: str, status: int = 200) -> crafted.Response:
    return crafted.xml(body, status, COMMAND_NS)


def reporting(body: str, status: int = 200) -> crafted.Response:
    return crafted.xml(body, status, REPORTING_NS)


def ok(body: str, root: str) -> etree._Element:
    """A crafted command answer, valid against the 1.7.0 schema, read as the suites read it."""
    return command_ok(command(body), EXPECT, root)


def el(body: str) -> etree._Element:
    """A crafted answer as it is (no namespace, not validated)."""
    return etree.fromstring(body)


# --- logins ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["Login failed", "Login failed.", "login FAILED", "  Login\n  failed. "])
@pytest.mark.parametrize("kind", ["command", "reporting"])
def test_login_refused_pass(text, kind, ctx):
    answer = (reporting if kind == "reporting" else command)(f"<error>{text}</error>", 200)
    assert lc.login_refused(answer, EXPECT, kind) == text.strip()
    assert not ctx.charges


@pytest.mark.parametrize(
    "answer, kind, match, req",
    [
        (command("<error>Invalid username or password</error>"), "command", "not <error>Login failed", None),
        (command("<error>Login failed: account locked</error>"), "command", "account locked", None),
        (reporting("<error>Login  was\nrefused</error>"), "reporting", "<error>Login was refused<", None),
        (command("<error>Login failed</error>", 500), "command", "server error", "CMD-GEN-014"),
        (reporting("<error>Login failed</error>", 503), "reporting", "server error", "RPT-GEN-012"),
        (command("<error></error>"), "command", "invalid against", "XML-SCHEMA-001"),
        (command("<success>ok</success>"), "command", "root <success>", None),
        (crafted.Response(200, b"<html>Login failed</html>"), "command", "root <html>", None),
    ],
)
def test_login_refused_fail(answer, kind, match, req):
    fails(lc.login_refused, answer, EXPECT, kind, match=match, req=req)


@pytest.mark.parametrize("text", ["Login failed", "login failed.", " Login  Failed "])
def test_not_login_failed_warns(text, ctx):
    lc.not_login_failed(text, "lacks the command API permission")
    assert ctx.charged("WARN") == ["L17-CMD-GEN-007"]
    assert "for a good login that lacks the command API permission" in ctx.warnings[0]


def test_not_login_failed_pass(ctx):
    lc.not_login_failed("User does not have permission to use the command API.", "lacks it")
    assert not ctx.charges


@pytest.mark.parametrize("refused", ["Invalid session key", "  invalid   SESSION key "])
def test_refusal_differs_warns(refused, ctx):
    lc.refusal_differs(refused, "Invalid session key", "is not an administrator")
    assert ctx.charged("WARN") == ["L17-CMD-GEN-007"]
    assert "an account that is not an administrator gets the same <error>" in ctx.warnings[0]


def test_refusal_differs_pass(ctx):
    lc.refusal_differs("User does not have administrator permission", "Invalid session key", "is no admin")
    assert not ctx.charges


# --- get_api_info ---------------------------------------------------------------------------------------------


def api_info(
    timestamp: str = str(T0),
    perms: dict[str, str] | None = PERMS,
    user: str | None = "7",
    root="api_information",
) -> str:
    listed = "" if perms is None else "".join(f"<{k}>{v}</{k}>" for k, v in perms.items())
    return (
        f"<{root}><api_version>1.7.0</api_version><timestamp>{timestamp}</timestamp>"
        + ("" if perms is None else f"<permissions>{listed}</permissions>")
        + ("" if user is None else f"<user_id>{user}</user_id>")
        + f"</{root}>"
    )


@pytest.mark.parametrize(
    "text, value",
    [
        (str(T0), T0),
        (f" {T0}\n", T0),
        ("2011-04-01T08:00:00+00:00", T0),
        ("2011-04-01T08:00:00Z", T0),
        ("2011-04-01T03:00:00-05:00", T0),
        ("2011-04-01T08:00:00", T0),  # no UTC offset: read as UTC
    ],
)
def test_clock_pass(text, value):
    assert lc.clock(text, "<timestamp>") == value


@pytest.mark.parametrize("text", [None, "", "yesterday", "-5", "1.3e9", "01/04/2011 08:00"])
def test_clock_fail(text):
    fails(lc.clock, text, "<when>", match="<when> .* is neither a UNIX timestamp nor an ISO", req=None)
    fails(lc.clock, text, "<when>", "L17-X-001", match="neither", req="L17-X-001")


@pytest.mark.parametrize("root", ["api_information", "get_api_info"])
@pytest.mark.parametrize("stamp", [str(T0 + 10), "2011-04-01T08:00:10+00:00"])
def test_api_info_clock_pass(root, stamp):
    assert lc.api_info_clock(ok(api_info(stamp, root=root), root), T0, T0 + 20) == T0 + 10


@pytest.mark.parametrize(
    "stamp, match",
    [
        ("soon", "neither a UNIX timestamp nor an ISO 8601 time"),
        ("", "neither a UNIX timestamp"),
        (str(T0 + 3600), r"\+3580 s from our clock"),
        ("2011-04-01T07:00:00+00:00", "from our clock"),
    ],
)
def test_api_info_clock_fail(stamp, match):
    fails(lc.api_info_clock, el(api_info(stamp)), T0, T0 + 20, match=match, req="CMD-GAI-003")


def test_api_info_clock_fails_without_a_timestamp():
    fails(lc.api_info_clock, el("<api_information/>"), T0, T0, match="<timestamp> ''", req="CMD-GAI-003")


@pytest.mark.parametrize("version", ["1.7.0", " 1.7.0 ", "1.7", "1.7.3"])
def test_api_version_documented_pass(version, ctx):
    lc.api_version_documented(version)
    assert not ctx.charges


@pytest.mark.parametrize(
    "version, shown",
    [("1.21.1", "'1.21.1'"), ("1.6.0", "'1.6.0'"), ("", "''"), (None, "''"), ("seven", "'seven'")],
)
def test_api_version_documented_warns(version, shown, ctx):
    lc.api_version_documented(version)
    assert ctx.charged("WARN") == ["L17-CMD-GAI-003"]
    assert ctx.warnings[0].startswith(f"API version {shown}: the Bomgar 12.1 guide")


def test_permissions_pass():
    spaced = {**PERMS, "perm_view_reports": " all_sessions\n"}
    assert lc.permissions(ok(api_info(perms=spaced), "api_information")) == PERMS
    # children other than elements (a comment) are not permissions
    assert lc.permissions(el("<a><permissions><!-- x --><perm_admin>0</perm_admin></permissions></a>")) == {
        "perm_admin": "0"
    }


def test_permissions_fail():
    fails(lc.permissions, el(api_info(perms=None)), match="<permissions> is missing", req="L17-CMD-GAI-001")


@pytest.mark.parametrize(
    "role, changes",
    [
        ("full", {}),
        ("read_only", {"perm_admin": "0", "perm_sd_allowed": "0"}),
        ("no_command", {"perm_use_command_api": "0"}),  # roles without the 12.1 permissions: nothing asked
        ("reporting_only", {}),
    ],
)
def test_role_permissions_pass(role, changes):
    lc.role_permissions(role, {**PERMS, **changes})


@pytest.mark.parametrize(
    "role, perms, wrong, wanted",
    [
        ("full", {**PERMS, "perm_admin": "0"}, {"perm_admin": "0"}, {"perm_admin": "1"}),
        (
            "full",
            {"perm_use_command_api": "1", "perm_admin": "1"},
            {"perm_sd_allowed": None},
            {"perm_sd_allowed": "1"},
        ),
        (
            "read_only",
            PERMS,
            {"perm_admin": "1", "perm_sd_allowed": "1"},
            {"perm_admin": "0", "perm_sd_allowed": "0"},
        ),
        (
            "read_only",
            {**PERMS, "perm_use_command_api": "0", "perm_admin": "0", "perm_sd_allowed": "0"},
            {"perm_use_command_api": "0"},
            {"perm_use_command_api": "1"},
        ),
    ],
)
def test_role_permissions_fail(role, perms, wrong, wanted):
    reason = f"the {role} account has {wrong}; its role stands for {wanted}"
    fails(lc.role_permissions, role, perms, match=re.escape(reason), req="L17-CMD-GAI-004")


@pytest.mark.parametrize("user, value", [("7", 7), (" 151\n", 151), ("0", 0)])
def test_user_id_pass(user, value):
    assert lc.user_id(ok(api_info(user=user), "api_information")) == value


@pytest.mark.parametrize("user, shown", [(None, "''"), ("", "''"), ("admin", "'admin'"), ("-1", "'-1'")])
def test_user_id_fail(user, shown):
    fails(lc.user_id, el(api_info(user=user)), match=f"<user_id> is {shown}, not", req="L17-CMD-GAI-005")


# --- generate_session_key -------------------------------------------------------------------------------------

EXPIRES = f'<expires timestamp="{T0 + 3600}">2011-04-01T09:00:00+00:00</expires>'
KEY = SessionKey(
    type="support",
    ttl=3600,
    expires=T0 + 3600,
    queue="team",
    available="",
    queue_id=1,
    external_key="ABC1234",
    short_key="4563498",
    key_url="https://remote.example.com/?ak=4563498",
    mail_subject="Support Session Invitation",
    mail_body="Please go to https://remote.example.com and enter the session key 4563498.",
)


def key_xml(
    *,
    root: str = "session_key",
    kind: str | None = "support",
    ttl: str | None = "3600",
    expires: str | None = EXPIRES,
    queue: str = "team",
    queue_id: str = "1",
    external_key: str = "ABC1234",
    short: str | None = "4563498",
    url: str | None = "https://remote.example.com/?ak=4563498",
) -> str:
    """A 12.1 <session_key> (the guide's element order); None leaves an element out."""

    def child(tag: str, text: str | None) -> str:
        return "" if text is None else f"<{tag}>{text}</{tag}>"

    return (
        f"<{root}>{child('type', kind)}{child('ttl', ttl)}{expires or ''}{child('queue', queue)}"
        f"{child('queue_id', queue_id)}{child('external_key', external_key)}{child('short_key', short)}"
        f"{child('key_url', url)}{child('mail_subject', KEY.mail_subject)}{child('mail_body', KEY.mail_body)}"
        f"</{root}>"
    )


@pytest.mark.parametrize(
    "changes, read",
    [
        ({}, {}),
        ({"ttl": None}, {"ttl": None}),  # no <ttl>: None
        ({"kind": " support ", "short": " 4563498 "}, {}),
        (
            {"queue": "general", "queue_id": "", "external_key": ""},
            {"queue": "general", "queue_id": None, "external_key": ""},
        ),
        ({"queue": "embassy", "queue_id": "4"}, {"queue": "embassy", "queue_id": 4}),
        # the timestamp attribute wins over the text
        (
            {"expires": f'<expires timestamp="{T0 + 60}">2011-04-01T09:00:00+00:00</expires>'},
            {"expires": T0 + 60},
        ),
        ({"expires": "<expires>2011-04-01T09:00:00+00:00</expires>"}, {}),  # ISO 8601, no attribute
        ({"expires": "<expires>2011-04-01T04:00:00-05:00</expires>"}, {}),
        ({"expires": "<expires>2011-04-01T09:00:00</expires>"}, {}),  # no offset: UTC
        ({"expires": f"<expires>{T0 + 3600}</expires>"}, {}),  # a UNIX time
    ],
)
def test_session_key_pass(changes, read):
    assert lc.session_key(ok(key_xml(**changes), "session_key")) == dataclasses.replace(KEY, **read)


@pytest.mark.parametrize(
    "changes, match, req",
    [
        ({"root": "session"}, "root <session>, expected <session_key>", lc.KEY_REQ),
        ({"kind": "presentation"}, "<type> is 'presentation'; the only supported", lc.KEY_REQ),
        ({"kind": None}, "<type> is None", lc.KEY_REQ),
        ({"short": "456349"}, "<short_key> is '456349', not the seven-digit code", lc.SHORT_KEY_REQ),
        ({"short": "45634981"}, "'45634981', not the seven-digit", lc.SHORT_KEY_REQ),
        ({"short": "45634a8"}, "'45634a8'", lc.SHORT_KEY_REQ),
        ({"short": None}, "<short_key> is ''", lc.SHORT_KEY_REQ),
        ({"url": "/?ak=1"}, r"<key_url> '/\?ak=1' is not an absolute http\(s\)", lc.KEY_REQ),
        ({"url": "ftp://remote.example.com/"}, "not an absolute", lc.KEY_REQ),
        ({"url": None}, "<key_url> '' is not an absolute", lc.KEY_REQ),
        ({"expires": None}, "<expires> is missing", lc.KEY_REQ),
        ({"expires": "<expires>in an hour</expires>"}, "<expires> 'in an hour' is neither", lc.KEY_REQ),
        ({"expires": "<expires/>"}, "<expires> '' is neither", lc.KEY_REQ),
        ({"expires": '<expires timestamp="soon">later</expires>'}, "'later' is neither", lc.KEY_REQ),
        ({"ttl": "0"}, "<ttl> is '0': a key must be valid for some seconds", lc.TTL_REQ),
        ({"ttl": "-60"}, "<ttl> is '-60'", lc.TTL_REQ),
        ({"ttl": "1h"}, "<ttl> is '1h'", lc.TTL_REQ),
        ({"ttl": ""}, "<ttl> is ''", lc.TTL_REQ),
    ],
)
def test_session_key_fail(changes, match, req):
    fails(lc.session_key, el(key_xml(**changes)), match=match, req=req)


def test_embassy_queue_pass():
    lc.embassy_queue(dataclasses.replace(KEY, queue="embassy", queue_id=4), 4)


@pytest.mark.parametrize("queue, queue_id", [("team", 4), ("embassy", 5), ("embassy", None), ("", 4)])
def test_embassy_queue_fail(queue, queue_id):
    key = dataclasses.replace(KEY, queue=queue, queue_id=queue_id)
    reason = f"<queue>{queue}</queue> <queue_id>{queue_id}</queue_id> for embassy:4"
    fails(lc.embassy_queue, key, 4, match=re.escape(reason), req="L17-CMD-GSK-003")


# --- get_logged_in_reps ---------------------------------------------------------------------------------------


def rep(rep_id: str, count: str | None) -> str:
    """A 12.1 <rep>; count None leaves <support_session_count> out."""
    counted = "" if count is None else f"<support_session_count>{count}</support_session_count>"
    return (
        f'<rep id="{rep_id}"><display_name>Admin</display_name><type>Normal</type>'
        '<direct_link>&lt;a href="https://support.example.com/api/start_session.ns?id=1"&gt;Admin&lt;/a&gt;'
        f'</direct_link><logged_in_since timestamp="{T0}">2011-04-01T08:00:00+00:00</logged_in_since>'
        f"<presentation_count>0</presentation_count>{counted}"
        "<showing_on_rep_list>1</showing_on_rep_list></rep>"
    )


def reps(*items: str) -> str:
    return f"<logged_in_reps>{''.join(items)}</logged_in_reps>"


@pytest.mark.parametrize("items, count", [((rep("1", "1"),), 1), ((rep("5", "0"), rep(" 1 ", "3")), 3)])
def test_session_counted_pass(items, count):
    assert lc.session_counted(ok(reps(*items), "logged_in_reps"), 1, LSID) == count


@pytest.mark.parametrize(
    "items, match",
    [
        ((rep("1", "0"),), f"representative 1 is in session {LSID}, yet <support_session_count> is '0'"),
        ((rep("1", "one"),), "<support_session_count> is 'one'"),
        ((rep("1", "-1"),), "<support_session_count> is '-1'"),
        ((rep("1", None),), "<support_session_count> is ''"),
        ((rep("2", "1"), rep("11", "1")), f"representative 1 joined session {LSID} but is not listed"),
        ((), "is not listed"),
    ],
)
def test_session_counted_fail(items, match):
    fails(lc.session_counted, el(reps(*items)), 1, LSID, match=match, req="L17-CMD-GLR-005")


# --- legacy reporting -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("lsid", [LSID, LSID.upper()])
def test_lsid_is_a_guid_pass(lsid):
    lr.lsid_is_a_guid(lsid, "SupportSession")


@pytest.mark.parametrize(
    "lsid", ["42", "", LSID[:-1], LSID + "0", "g" + LSID[1:], "c69a8e10-bea9-428f-816c-fababe9815fe"]
)
def test_lsid_is_a_guid_fail(lsid):
    reason = f"SupportSession: lsid {lsid!r} is not a GUID of 32 hexadecimal digits"
    fails(lr.lsid_is_a_guid, lsid, "SupportSession", match=re.escape(reason), req="L17-RPT-LSID-001")


def session_facts(lseq: int | None) -> SessionFacts:
    return SessionFacts(lsid=LSID, session_type="support", lseq=lseq, start=T0, end=T0 + 902, duration=902)


@pytest.mark.parametrize("lseq", [6, 0])
def test_lseq_given_pass(lseq):
    lr.lseq_given(session_facts(lseq))


def test_lseq_given_fail():
    fails(lr.lseq_given, session_facts(None), match=f"session {LSID} has no <lseq>", req="L17-RPT-LSID-002")


def survey(site: int | None, lsid: str = LSID) -> SurveyFacts:
    return SurveyFacts(lsid=lsid, ts=T0, submitted_by="cust", site=site, primary_rep=1, primary_team=1)


@pytest.mark.parametrize("surveys", [[], [survey(1)], [survey(1), survey(None, B)]])
def test_default_site_only_pass(surveys):
    lr.default_site_only(iter(surveys), "SupportCustExitSurvey")


@pytest.mark.parametrize(
    "surveys, match",
    [
        (
            [survey(1), survey(2, B)],
            f"^SupportCustExitSurvey without site_id returned surveys of other .*sites: {B} \\(site 2\\)$",
        ),
        ([survey(0)], f"{LSID} \\(site 0\\)$"),
        ([survey(2, c * 32) for c in "abcde"], f"{'c' * 32} \\(site 2\\) \\(\\+2 more\\)$"),
        ([survey(2), survey(2)], f"sites: {LSID} \\(site 2\\)$"),  # listed once
    ],
)
def test_default_site_only_fail(surveys, match):
    fails(lr.default_site_only, surveys, "SupportCustExitSurvey", match=match, req="L17-RPT-SVY-005")


@pytest.mark.parametrize("listed", [[], ["a"], ["b", "a", "a"], {"a", "b"}])
def test_no_more_than_pass(listed):
    lr.no_more_than(listed, {"a", "b"}, "team_sessions")


@pytest.mark.parametrize(
    "listed, match",
    [
        (
            ["a", "z"],
            r"^the team_sessions account's listing holds 1 session\(s\) the account viewing all .* see: z$",
        ),
        (["w", "x", "y", "z", "a"], "holds 4 session\\(s\\) .* does not see: w, x, y$"),
        (["z"], "holds 1 session"),
    ],
)
def test_no_more_than_fail(listed, match):
    fails(lr.no_more_than, listed, {"a", "b"}, "team_sessions", match=match, req="L17-RPT-SS-016")


@pytest.mark.parametrize(
    "body, status, text",
    [
        (
            "<error>User does not have permission to use the reporting API.</error>",
            403,
            "User does not have permission to use the reporting API.",
        ),
        ("<error>Invalid value for parameter duration</error>", 200, "Invalid value for parameter duration"),
        (
            "<session_list><error> Invalid value for parameter duration </error></session_list>",
            200,
            "Invalid value for parameter duration",
        ),
        ("<team_activity_list><error>Invalid team ID</error></team_activity_list>", 400, "Invalid team ID"),
    ],
)
def test_refused_pass(body, status, text, ctx):
    assert lr.refused(reporting(body, status), EXPECT) == text
    assert not ctx.charges


def test_refused_warns_on_a_report(ctx):
    assert lr.refused(reporting("<session_list></session_list>"), EXPECT) is None
    assert ctx.charged("WARN") == [None]  # the caller's requirement
    assert "answered <session_list> where an <error> was expected" in ctx.warnings[0]


@pytest.mark.parametrize(
    "answer, match, req",
    [
        (reporting("<error>Invalid team ID</error>", 500), "HTTP 500: a server error", "RPT-GEN-012"),
        (
            reporting("<session_list><error>Invalid team ID</error></session_list>", 502),
            "HTTP 502",
            "RPT-GEN-012",
        ),
        (crafted.Response(400, b"<html>Bad request</html>"), "root <html>", "RPT-GEN-012"),
        (reporting("<error></error>", 400), "invalid against the 1.7.0 reporting schema", "XML-SCHEMA-002"),
        (
            reporting("<session_list><error> </error></session_list>", 400),
            "invalid against",
            "XML-SCHEMA-002",
        ),
        (
            crafted.xml("<error>Invalid team ID</error>", 400, "urn:nowhere"),
            "in namespace urn:nowhere",
            "XML-NS-001",
        ),
    ],
)
def test_refused_fail(answer, match, req):
    fails(lr.refused, answer, EXPECT, match=match, req=req)


@pytest.mark.parametrize("body", ["<error>Invalid team ID</error>", "<session_list></session_list>"])
def test_refused_judges_a_variant_namespace_once(body, ctx):
    """A root <error> or a report in a known variant namespace: one namespace WARN, not one a reading."""
    lr.refused(crafted.xml(body, 400, DOCUMENTED[("1.21.1", "reporting")]), EXPECT)
    assert ctx.charged("WARN").count("XML-NS-001") == 1, ctx.charges


@pytest.mark.parametrize("value", ["²", "١٢٣"])
def test_only_ascii_digits_are_numbers(value):
    """str.isdigit() takes these; an answer holding them is a FAIL with a reason, never a crash."""
    fails(lc.clock, value, "<timestamp>", "CMD-GAI-003", match="neither a UNIX timestamp", req="CMD-GAI-003")
    fails(lc.user_id, el(f"<api_information><user_id>{value}</user_id></api_information>"),
          match="not a numeric rep ID", req="L17-CMD-GAI-005")  # fmt: skip
    fails(
        lc.session_counted,
        el(reps(rep("1", value))),
        1,
        LSID,
        match="support_session_count",
        req="L17-CMD-GLR-005",
    )
