"""The command API's semantic checks (harness.checks.command) PASS on good crafted answers and FAIL on bad
ones: representatives, teams, appliances, health, connected clients, get_api_info extras."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import crafted
import pytest

from harness.checks.command import (
    GUIDE_PERMISSIONS,
    api_info_permissions,
    api_version_listed,
    appliances,
    as_defect,
    charged_to,
    client_list,
    clustered,
    connected_clients,
    direct_link,
    display_name_alias,
    error_or_answer,
    health,
    iso_time,
    logged_in_reps,
    missing_permissions,
    not_later,
    release_matches_api,
    same_teams,
    shared_ips_need_failover,
    stable,
    success_text,
    support_teams,
    ts_agrees,
    unique_ids,
)
from harness.checks.xml import Expect, command_ok, parse
from harness.verdicts import CheckFailed, checking

EXPECT = Expect("1.21.1")
NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
ISO = "2023-11-14T22:13:20+00:00"
GUID = "0123456789abcdef0123456789abcdef"
OTHER_GUID = "fedcba9876543210fedcba9876543210"
LSID = "c69a8e10bea9428f816cfababe9815fe"


def ok(body: str, root: str):
    """A crafted answer, valid against the reference schema (so the bad cases are semantic only)."""
    return command_ok(crafted.command(body), EXPECT, root)


def fails(reason: str, charged: str | None, fn, *args, **kwargs) -> None:
    """`fn` FAILs with `reason`, charged to `charged` (None: the calling check's primary requirement)."""
    with pytest.raises(CheckFailed, match=reason) as info:
        fn(*args, **kwargs)
    assert info.value.req == charged, f"charged to {info.value.req}, expected {charged}: {info.value}"


# -- shared helpers -----------------------------------------------------------------------------------------


def test_unique_ids():
    els = parse(b'<x><a id="1"/><a id="2"/></x>').findall("a")
    assert unique_ids(els, "a") == ["1", "2"]
    fails("listed twice", None, unique_ids, parse(b'<x><a id="1"/><a id=" 1"/></x>').findall("a"), "a")
    fails("no id", None, unique_ids, parse(b"<x><a/></x>").findall("a"), "a")
    fails("no id", "CMD-GLR-002", unique_ids, parse(b"<x><a/></x>").findall("a"), "a", "CMD-GLR-002")


def test_iso_time_and_not_later():
    assert iso_time(ISO, "t") == NOW
    assert iso_time("2023-11-14T22:13:20", "t") == NOW  # no offset: read as UTC
    assert iso_time("2023-11-14T23:13:20+01:00", "t") == NOW
    for bad in ("yesterday", "", None, "1700000000"):
        fails("not an ISO 8601", None, iso_time, bad, "t")
    fails("not an ISO 8601", "CMD-GLR-006", iso_time, "soon", "t", "CMD-GLR-006")
    not_later(NOW + 299, NOW, "t")
    fails("in the future", None, not_later, NOW + 301, NOW, "t")
    fails("in the future", "CMD-GCC-011", not_later, NOW + 301, NOW, "t", req="CMD-GCC-011")


def test_ts_agrees():
    assert ts_agrees(parse(f'<t ts="{int(NOW)}">{ISO}</t>'.encode()), "t") == int(NOW)
    fails(
        "ts attribute 1700003600 is",
        "CMD-CHK-003",
        ts_agrees,
        parse(f'<t ts="{int(NOW) + 3600}">{ISO}</t>'.encode()),
        "t",
        "CMD-CHK-003",
    )
    fails("not a UNIX timestamp", None, ts_agrees, parse(f"<t>{ISO}</t>".encode()), "t")
    fails("not a UNIX timestamp", None, ts_agrees, parse(f'<t ts="-5">{ISO}</t>'.encode()), "t")
    fails("ISO 8601", "CMD-GCC-008", ts_agrees, parse(f'<t ts="{int(NOW)}">soon</t>'.encode()), "t", "CMD-GCC-008")


def test_display_name_alias():
    good = "<rep><display_name>A</display_name><public_display_name>A</public_display_name></rep>"
    display_name_alias(parse(good.encode()), "rep")
    display_name_alias(parse(b"<rep><public_display_name>A</public_display_name></rep>"), "rep")
    fails(
        "differs", "CMD-GLR-003", display_name_alias, parse(good.replace(">A</d", ">B</d").encode()), "rep",
        req="CMD-GLR-003",
    )  # fmt: skip
    fails(
        "no <public_display_name>",
        "CMD-GST-006",
        display_name_alias,
        parse(b"<rep><display_name>A</display_name></rep>"),
        "rep",
        req="CMD-GST-006",
    )
    fails("differs", None, display_name_alias, parse(good.replace(">A</d", ">B</d").encode()), "rep")


def test_success_text():
    success_text(ok("<success>Successfully changed role</success>", "success"), "Successfully changed role")
    success_text(
        ok("<success> Successfully  changed role. </success>", "success"), "Successfully changed role"
    )
    fails(
        "the guide's message",
        None,
        success_text,
        ok("<success>done</success>", "success"),
        "Successfully changed role",
    )
    fails("the guide's message", None, success_text, ok("<success/>", "success"), "Successfully changed role")
    fails("expected <success>", None, success_text, parse(b"<error>x</error>"), "x")
    fails("expected <success>", "CMD-SFR-002", success_text, parse(b"<error>x</error>"), "x", "CMD-SFR-002")


def test_stable():
    assert stable({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "d": 4}) == {"a": 1}


# -- get_api_info -------------------------------------------------------------------------------------------


def test_missing_permissions():
    assert missing_permissions(dict.fromkeys(GUIDE_PERMISSIONS, "1")) == []
    assert missing_permissions({"perm_command": "deny"}) == [
        p for p in GUIDE_PERMISSIONS if p != "perm_command"
    ]


def test_api_version_listed():
    for good in ("1.21.1", "1.7.0", "1.22.0", "2.0.0"):
        assert api_version_listed(good) == good
    for bad in ("1.20.0", "1.14.0", "", None, "0.9.0"):
        fails("not in the guide's API Version Reference", "CMD-GAI-005", api_version_listed, bad)


# -- get_logged_in_reps -------------------------------------------------------------------------------------


def rep(
    rep_id: str = "1",
    since: str = ISO,
    link: str = "https://support.example.com/?id=1",
    public: str = "Admin",
):
    anchor = f'&lt;a href="{link}"&gt;{public}&lt;/a&gt;'
    return (
        f'<rep id="{rep_id}"><display_name>{public}</display_name><public_display_name>{public}'
        f"</public_display_name><private_display_name>Administrator</private_display_name><type>Normal</type>"
        f"<direct_link>{anchor}</direct_link><logged_in_since>{since}</logged_in_since>"
        "<presentation_count>0</presentation_count><support_session_count>2</support_session_count>"
        "<showing_on_rep_list>1</showing_on_rep_list></rep>"
    )


def reps(*items: str):
    return ok(f"<logged_in_reps>{''.join(items)}</logged_in_reps>", "logged_in_reps")


def test_logged_in_reps_pass():
    found = logged_in_reps(reps(rep("1"), rep("5", public="Priya")), NOW)
    assert set(found) == {"1", "5"} and found["5"]["public"] == "Priya" and found["1"]["since"] == NOW
    assert logged_in_reps(reps(), NOW) == {}


@pytest.mark.parametrize(
    "items, reason, req",
    [
        ((rep("1"), rep("1")), "listed twice", "CMD-GLR-002"),
        ((rep(since="2023-11-15T22:13:20+00:00"),), "in the future", "CMD-GLR-006"),
        ((rep(link="/?id=1"),), "not an absolute http", "CMD-GLR-005"),
        ((rep(link="javascript:alert(1)"),), "not an absolute http", "CMD-GLR-005"),
    ],
)
def test_logged_in_reps_fail(items, reason, req):
    fails(reason, req, logged_in_reps, reps(*items), NOW)


def test_logged_in_reps_charges_a_bad_login_time_to_glr_006():
    root = parse(b'<logged_in_reps><rep id="1"><direct_link>&lt;a href="https://s.example.com/"&gt;A&lt;/a&gt;'
                 b"</direct_link><logged_in_since>soon</logged_in_since></rep></logged_in_reps>")  # fmt: skip
    fails("not an ISO 8601", "CMD-GLR-006", logged_in_reps, root, NOW)


def test_direct_link():
    assert (
        direct_link('<a href="https://s.example.com/?id=1&amp;name=A">A</a>')
        == "https://s.example.com/?id=1&name=A"
    )
    for bad in ("https://s.example.com/", "", None, '<a href="x">1</a><a href="y">2</a>', "<a>no href</a>"):
        with pytest.raises(CheckFailed) as info:
            direct_link(bad)
        assert info.value.req == "CMD-GLR-005"


# -- get_support_teams --------------------------------------------------------------------------------------


def member(rep_id: str, public: str = "Admin", legacy: str | None = None) -> str:
    return (
        f'<representative id="{rep_id}"><username>u{rep_id}</username><display_name>{legacy or public}'
        f"</display_name><public_display_name>{public}</public_display_name>"
        f"<private_display_name>P{rep_id}</private_display_name></representative>"
    )


def team(
    team_id: str = "1", issues: str = '<issue id="1"><title>Other</title></issue>', members: str | None = None
):
    listing = f"<members>{members}</members>" if members is not None else ""
    return (
        f'<support_team id="{team_id}"><name>T{team_id}</name><issues>{issues}</issues>'
        f"<support_session_count>0</support_session_count>{listing}</support_team>"
    )


def teams(*items: str):
    return ok(f"<support_teams>{''.join(items)}</support_teams>", "support_teams")


def test_support_teams_pass():
    plain = support_teams(teams(team("1"), team("2", issues="")), members=False)
    assert plain["1"]["issues"] == (("1", "Other"),) and plain["2"]["members"] is None
    with_members = support_teams(teams(team("1", members=member("1")), team("2", members="")), members=True)
    assert set(with_members["1"]["members"]) == {"1"} and with_members["2"]["members"] == {}
    same_teams(plain, {**with_members, "2": {**with_members["2"], "issues": ()}})


@pytest.mark.parametrize(
    "items, members, reason, req",
    [
        ((team("1"), team("1")), False, "team id 1 is listed twice", "CMD-GST-005"),
        ((team("1", members=""),), False, "showmembers was not asked for", "CMD-GST-003"),
        ((team("1"),), True, "no <members>", "CMD-GST-002"),
        ((team("1", issues='<issue id="3"><title>a</title></issue><issue id="3"><title>b</title></issue>'),), False,
         "issue id 3 is listed twice", "CMD-GST-005"),
        ((team("1", members=member("4") + member("4")),), True, "member id 4 is listed twice", "CMD-GST-005"),
    ],
)  # fmt: skip
def test_support_teams_fail(items, members, reason, req):
    fails(reason, req, support_teams, teams(*items), members)


def test_members_after_showmembers_0_are_charged_to_gst_004():
    fails(
        "showmembers was not asked for", "CMD-GST-004", support_teams, teams(team("1", members="")), False,
        unasked_req="CMD-GST-004",
    )  # fmt: skip


def test_same_teams_fail():
    plain = support_teams(teams(team("1"), team("2")), members=False)
    fails("differ", "CMD-GST-007", same_teams, plain, support_teams(teams(team("1", members="")), members=True))
    renamed = copy.deepcopy(plain)
    renamed["2"]["name"] = "Other name"
    fails("team 2 name", "CMD-GST-007", same_teams, plain, renamed)
    fewer = copy.deepcopy(plain)
    fewer["1"]["issues"] = ()
    fails("team 1 issues", "CMD-GST-007", same_teams, plain, fewer)


def test_member_display_name_alias_fails_on_a_stale_legacy_name():
    found = support_teams(teams(team("1", members=member("1", "New", legacy="Old"))), members=True)
    fails(
        "differs", "CMD-GST-006", display_name_alias, found["1"]["members"]["1"]["element"], "member",
        req="CMD-GST-006",
    )  # fmt: skip


# -- get_appliances and check_health ------------------------------------------------------------------------


def appliance(guid: str = GUID, cluster: str = "single", accepting: str = "1", failover: str = "none") -> str:
    return (
        f'<appliance id="{guid}"><name>a</name><public_hostname>a.example.com</public_hostname>'
        f"<cluster_role>{cluster}</cluster_role><failover_role>{failover}</failover_role>"
        f"<accepting_connections>{accepting}</accepting_connections><timezone_offset>0</timezone_offset></appliance>"
    )


def test_appliances():
    found = appliances(ok(f"<appliances>{appliance()}</appliances>", "appliances"))
    assert found == {GUID: {"cluster_role": "single", "failover_role": "none"}} and not clustered(found)
    pair = appliances(
        ok(
            f"<appliances>{appliance(cluster='primary')}{appliance(OTHER_GUID, 'traffic', '0')}</appliances>",
            "appliances",
        )
    )
    assert clustered(pair)
    fails(
        "always 1 outside a cluster",
        "CMD-GAP-003",
        appliances,
        ok(f"<appliances>{appliance(accepting='0')}</appliances>", "appliances"),
    )
    fails(
        "listed twice",
        "CMD-GAP-002",
        appliances,
        ok(f"<appliances>{appliance()}{appliance()}</appliances>", "appliances"),
    )
    fails("lists no appliance", "CMD-GAP-001", appliances, parse(b"<appliances/>"))


def health_answer(success: str = "1", message: str | None = None, role: str = "none", extra: str = "") -> str:
    error = f"<error_message>{message}</error_message>" if message is not None else ""
    return (
        f'<health_check><appliance id="{GUID}">a.example.com</appliance><version>21.3.1 (12345)</version>'
        f"<success>{success}</success>{error}<failover_role>{role}</failover_role>{extra}</health_check>"
    )


SYNC = f'<last_data_sync_time ts="{int(NOW)}">{ISO}</last_data_sync_time><last_data_sync_status>Success</last_data_sync_status>'
SHARED = "<enabled_shared_ips><ip>10.0.0.9</ip></enabled_shared_ips>"


def test_health_pass():
    assert health(ok(health_answer(), "health_check"), NOW) == {
        "id": GUID, "success": "1", "error_message": None, "failover_role": "none",
    }  # fmt: skip
    result = health(ok(health_answer("0", "disk full", "primary", SHARED + SYNC), "health_check"), NOW)
    assert result["error_message"] == "disk full" and result["failover_role"] == "primary"


@pytest.mark.parametrize(
    "body, reason, req",
    [
        (health_answer("1", "disk full"), "<success>1</success> with <error_message>", "CMD-CHK-002"),
        (health_answer("0"), "without an <error_message>", "CMD-CHK-002"),
        (health_answer("0", ""), "without an <error_message>", "CMD-CHK-002"),
        (health_answer(extra=SYNC.replace(f'ts="{int(NOW)}"', f'ts="{int(NOW) - 7200}"')), "ts attribute",
         "CMD-CHK-003"),
        (health_answer(extra=SYNC.replace(f'ts="{int(NOW)}"', f'ts="{int(NOW) + 7200}"').replace(
            ISO, "2023-11-15T00:13:20+00:00")), "in the future", "CMD-CHK-003"),
        (health_answer().replace(">a.example.com<", "><"), "lacks the hostname", "CMD-CHK-001"),
    ],
)  # fmt: skip
def test_health_fail(body, reason, req):
    fails(reason, req, health, ok(body, "health_check"), NOW)


def test_health_survives_a_hostile_answer():
    fails("not 1 or 0", "CMD-CHK-002", health, parse(b"<health_check/>"), NOW)


def with_version(version: str):
    """Parsed without the schema (its <version> pattern refuses some cases): the check stands on its own."""
    return parse(health_answer().replace("21.3.1 (12345)", version).encode())


@pytest.mark.parametrize(
    "version, api",
    [("21.3.1 (12345)", "1.21.1"), ("21.3.0", "1.21.1"), ("21.3.1.4567", "1.21.1"), ("20.1.2", "1.19.2"),
     ("12.1.4", "1.7.1"), ("10.2.4", "1.1.0"), ("10.3.3", "1.2.1"), ("14.3.0", "1.12"), ("10.5.1", "1.4.1")],
)  # fmt: skip
def test_release_of_the_api_version_passes(version, api):
    release_matches_api(with_version(version), api)


@pytest.mark.parametrize(
    "version, api, reason",
    [("19.1.0", "1.21.1", "release '19.1.0' but get_api_info says API 1.21.1, which .* has in 21.3.x"),
     ("21.3.1", "1.21.0", "in 21.1.x, 21.2.x"), ("12.1.3", "1.7.1", "in 12.1.4\\+"),
     ("10.2.5", "1.1.0", "in 10.2.\\(0-4\\)"), ("10.5.2", "1.4.1", "in 10.5.1"),
     ("rs 21.3.1", "1.21.1", "does not begin with a release"), ("21.3", "1.21.1", "does not begin with a release"),
     ("", "1.21.1", "has no <version>")],
)  # fmt: skip
def test_release_of_another_api_version_fails(version, api, reason):
    fails(reason, "CMD-CHK-006", release_matches_api, with_version(version), api)


@pytest.mark.parametrize("api", ["1.22.0", "", "21.3.1 (12345)"])
def test_release_of_an_api_version_the_table_lacks_is_not_tested(api):
    with pytest.raises(pytest.skip.Exception, match="NOT_TESTED"):
        release_matches_api(with_version("21.3.1"), api)


def test_shared_ips_need_failover():
    shared_ips_need_failover(ok(health_answer(role="primary", extra=SHARED), "health_check"))
    shared_ips_need_failover(ok(health_answer(), "health_check"))
    fails(
        "failover_role> is none",
        "CMD-CHK-004",
        shared_ips_need_failover,
        ok(health_answer(extra=SHARED), "health_check"),
    )


# -- get_connected_client_list ------------------------------------------------------------------------------


def counts(guid: str = GUID, **by_type: int) -> str:
    items = "".join(f'<count type="{t}">{n}</count>' for t, n in by_type.items())
    return f'<appliance_summary id="{guid}">{items}</appliance_summary>'


def client_list_answer(summaries: str, *clients: tuple[str, str]) -> str:
    listed = "".join(f'<connected_client type="{t}" id="{i}"/>' for t, i in clients)
    return (
        f"<connected_client_list><connected_client_summary>{summaries}</connected_client_summary>"
        f"{listed}</connected_client_list>"
    )


def test_client_list_pass():
    body = client_list_answer(
        counts(representative=2, support_customer=1, push_agent=0, pinned_client=4),
        ("representative", "5"), ("representative", "8"), ("support_customer", "21"),
    )  # fmt: skip
    assert client_list(ok(body, "connected_client_list"), None, False) == {
        "5": "representative", "8": "representative", "21": "support_customer",
    }  # fmt: skip
    clustered_body = client_list_answer(
        counts(representative=1) + counts(OTHER_GUID, representative=1),
        ("representative", "5"),
        ("representative", "9"),
    )
    assert len(client_list(ok(clustered_body, "connected_client_list"), ("representative",), False)) == 2
    summary = client_list_answer(counts(representative=4))
    assert client_list(ok(summary, "connected_client_list"), ("representative",), True) == {}


@pytest.mark.parametrize(
    "body, types, summary_only, reason, req",
    [
        (client_list_answer(counts(representative=1), ("representative", "5"), ("support_customer", "6")),
         ("representative",), False, "client 6 is a support_customer", "CMD-GCCL-002"),
        (client_list_answer(counts(representative=1, pinned_client=3), ("representative", "5")),
         ("representative",), False, "a pinned_client count", "CMD-GCCL-004"),
        (client_list_answer(counts(representative=1, support_customer=0), ("representative", "5")),
         ("representative",), False, "a support_customer count", "CMD-GCCL-002"),
        (client_list_answer(counts(representative=1), ("representative", "5")), None, True, "summary_only=1 but 1",
         "CMD-GCCL-005"),
        (client_list_answer(counts(representative=3), ("representative", "5")), None, False,
         "counts 3 representative clients, the list has 1", "CMD-GCCL-006"),
        (client_list_answer(counts(), ("support_customer", "5")), None, False, "counts 0 support_customer",
         "CMD-GCCL-006"),
        (client_list_answer(counts(representative=2), ("representative", "5"), ("representative", "5")), None, False,
         "listed twice", "CMD-GCCL-007"),
        (client_list_answer(counts(representative=1).replace("</appliance_summary>",
                                                              '<count type="representative">0</count></appliance_summary>'),
                            ("representative", "5")), None, False, "counts representative twice", "CMD-GCCL-006"),
    ],
)  # fmt: skip
def test_client_list_fail(body, types, summary_only, reason, req):
    fails(reason, req, client_list, ok(body, "connected_client_list"), types, summary_only)


def test_client_list_survives_a_hostile_answer():
    fails("no <connected_client_summary>", "CMD-GCCL-006", client_list, parse(b"<connected_client_list/>"), None, False)
    bad = parse(b'<x><connected_client_summary><appliance_summary id="a"><count type="representative">x</count>'
                b"</appliance_summary></connected_client_summary></x>")  # fmt: skip
    fails("not a number", "CMD-GCCL-006", client_list, bad, None, False)


# -- get_connected_clients ----------------------------------------------------------------------------------


def connections(
    guid: str = GUID, purpose: str = "primary", traffic: str = "0", events: int = 1, ts: int = int(NOW)
):
    log = "".join(f'<event ts="{ts}">Connected</event>' for _ in range(events))
    iso = datetime.fromtimestamp(ts, UTC).isoformat()
    return (
        f"<client_connections><client_connection><appliance_id>{guid}</appliance_id><purpose>{purpose}</purpose>"
        f'<receive_traffic_node>{traffic}</receive_traffic_node><connected_since ts="{ts}">{iso}</connected_since>'
        f"<private_ip>10.0.0.5</private_ip></client_connection><event_log>{log}</event_log></client_connections>"
    )


def representative(
    client_id: str = "5", links: str = "", since: str = "", count: int = 1, lsids: int = 1
) -> str:
    return (
        f'<connected_representative id="{client_id}">{links}<hostname>ws</hostname>'
        f'<platform id="winNT-64">Windows 10</platform><timezone_offset>0</timezone_offset>{since}'
        "<user_id>1</user_id><type>Normal</type><username>admin</username>"
        "<public_display_name>Admin</public_display_name><private_display_name>Administrator</private_display_name>"
        "<start_session_url>https://s.example.com/?id=1</start_session_url><presentation_count>0</presentation_count>"
        f"<support_session_count>{count}</support_session_count><showing_on_rep_list>1</showing_on_rep_list>"
        "<routing_idle>0</routing_idle><routing_busy>1</routing_busy><routing_enabled>1</routing_enabled>"
        "<routing_available>1</routing_available><support_license>Concurrent</support_license>"
        f"<support_session_lsids>{f'<lsid>{LSID}</lsid>' * lsids}</support_session_lsids></connected_representative>"
    )


def customer(client_id: str = "21", links: str = "", since: str = "") -> str:
    return (
        f'<connected_support_customer id="{client_id}">{links}<hostname>pc</hostname>'
        f'<platform id="winNT-64">Windows 11</platform><timezone_offset>3600</timezone_offset>{since}'
        f"<name>Jane</name><lsid>{LSID}</lsid></connected_support_customer>"
    )


SINCE = f'<connected_since ts="{int(NOW)}">{ISO}</connected_since>'


def clients(*items: str):
    return ok(f"<connected_clients>{''.join(items)}</connected_clients>", "connected_clients")


def test_connected_clients_pass():
    found = connected_clients(clients(representative(), customer()), NOW)
    assert found == {
        "5": {"type": "representative", "user_id": "1", "routing_busy": "1"},
        "21": {"type": "support_customer", "user_id": None, "routing_busy": None},
    }
    assert connected_clients(clients(), NOW, ids={"1"}) == {}
    full = clients(
        representative(links=connections(), since=SINCE), customer(links=connections(events=20), since=SINCE)
    )
    assert len(connected_clients(full, NOW, connections=True, appliance_ids={GUID}, in_cluster=False)) == 2
    traffic = clients(customer(links=connections(OTHER_GUID, "traffic", "1"), since=SINCE))
    connected_clients(traffic, NOW, connections=True, appliance_ids={GUID, OTHER_GUID}, in_cluster=True)


@pytest.mark.parametrize(
    "items, options, reason, req",
    [
        ((representative(), customer()), {"types": ("representative",)}, "only \\['representative'\\]",
         "CMD-GCC-002"),
        ((representative("5"), customer("21")), {"ids": {"5"}}, "not among those asked for", "CMD-GCC-003"),
        ((representative("5"), customer("5")), {}, "listed twice", "CMD-GCC-001"),
        ((representative(),), {"connections": True}, "lacks <client_connections>", "CMD-GCC-006"),
        ((customer(links=connections(), since=SINCE),), {}, "without include_connections", "CMD-GCC-006"),
        ((customer(since=SINCE),), {}, "without include_connections", "CMD-GCC-006"),
        ((customer(since=SINCE),), {"unasked_req": "CMD-GCC-007"}, "without include_connections", "CMD-GCC-007"),
        ((representative(count=2, lsids=1),), {}, "<support_session_count> '2' but 1 <lsid>", "CMD-GCC-009"),
        ((customer(links=connections(), since=SINCE.replace(f'"{int(NOW)}"', f'"{int(NOW) + 60}"')),),
         {"connections": True}, "ts attribute", "CMD-GCC-008"),
        ((customer(links=connections(ts=int(NOW) + 7200), since=SINCE),), {"connections": True}, "in the future",
         "CMD-GCC-008"),
        ((customer(links=connections(OTHER_GUID), since=SINCE),), {"connections": True, "appliance_ids": {GUID}},
         "which get_appliances does not list", "CMD-GCC-010"),
        ((customer(links=connections(purpose="traffic"), since=SINCE),), {"connections": True, "in_cluster": False},
         "outside a cluster", "CMD-GCC-010"),
        ((customer(links=connections(traffic="1"), since=SINCE),), {"connections": True, "in_cluster": False},
         "outside a cluster", "CMD-GCC-010"),
    ],
)  # fmt: skip
def test_connected_clients_fail(items, options, reason, req):
    fails(reason, req, connected_clients, clients(*items), NOW, **options)


def test_connected_clients_event_log_bound():
    # over 20 events is a schema error too; the semantic check stands on its own for a lenient schema
    root = parse(
        f"<connected_clients>{customer(links=connections(events=21), since=SINCE)}</connected_clients>".encode()
    )
    fails("21 events", "CMD-GCC-011", connected_clients, root, NOW, connections=True)
    bad_ts = customer(
        links=connections().replace(f'<event ts="{int(NOW)}">', '<event ts="soon">'), since=SINCE
    )
    fails("without a UNIX timestamp", "CMD-GCC-011", connected_clients,
          parse(f"<connected_clients>{bad_ts}</connected_clients>".encode()), NOW, connections=True)  # fmt: skip


# -- answers that may be either -----------------------------------------------------------------------------


def test_error_or_answer():
    assert error_or_answer(
        crafted.command("<error>A maximum of 100 IDs is supported</error>"), EXPECT, "x"
    ) == ("A maximum of 100 IDs is supported")
    assert error_or_answer(crafted.command("<error>x</error>", 403), EXPECT, "x") == "x"
    assert error_or_answer(crafted.command("<connected_clients/>"), EXPECT, "connected_clients") is None
    for bad, reason, req in [
        (crafted.command("<error>x</error>", 500), "server error", "CMD-GEN-014"),
        (crafted.command("<error/>"), "invalid against", "XML-SCHEMA-001"),  # the schema asks for a text
        (crafted.command("<connected_clients/>", 201), "HTTP 201", None),
        (crafted.command("<appliances/>"), "root <appliances>", None),
        (crafted.Response(200, b"plain text"), "unusable", "XML-SCHEMA-001"),
    ]:
        fails(reason, req, error_or_answer, bad, EXPECT, "connected_clients")


def test_error_or_answer_charges_an_empty_error_to_gen_014(monkeypatch):
    """The reference schema refuses an empty <error> already; a lenient one would let it through."""
    import harness.checks.xml as xml

    monkeypatch.setattr(xml, "xml_answer", lambda *args: parse(b"<error> </error>"))
    fails("without a message", "CMD-GEN-014", error_or_answer, crafted.command("<error>x</error>"), EXPECT, "x")


def test_hostile_answers_fail_with_a_reason():
    fails(
        "has no <issues>",
        "CMD-GST-001",
        support_teams,
        parse(b'<support_teams><support_team id="1"/></support_teams>'),
        False,
    )
    twice = b'<p><permissions><permission name="perm_ecm">1</permission><permission name="perm_ecm">1</permission></permissions></p>'
    fails("listed twice", "CMD-GAI-002", api_info_permissions, parse(twice))


# -- charging a step to a requirement -----------------------------------------------------------------------


def test_charged_to_names_the_requirement_of_a_step():
    with pytest.raises(CheckFailed) as info, charged_to("CMD-GEN-002"):
        raise CheckFailed("not read")
    assert info.value.req == "CMD-GEN-002"
    with pytest.raises(CheckFailed) as info, charged_to("CMD-GEN-002"):  # a step's own requirement stays
        raise CheckFailed("invalid", "XML-SCHEMA-001")
    assert info.value.req == "XML-SCHEMA-001"
    with charged_to("CMD-GEN-002"):
        pass


def test_as_defect_records_the_failure_and_goes_on():
    with checking() as ctx:
        with as_defect():
            raise CheckFailed("first")
        with as_defect("CMD-SSA-004"):
            raise CheckFailed("second")
        with as_defect("CMD-SSA-004"):
            raise CheckFailed("third", "CMD-GSA-002")
        with as_defect():
            pass
    assert ctx.failures == ["first", "second", "third"]
    assert ctx.charged() == [None, "CMD-SSA-004", "CMD-GSA-002"]
