"""The embedded appliance's command API actions (command_actions.py), over real HTTP: the guide's query
examples, a session's whole life and its effects on the live model, the connected-client views and the
reports, the guide's limits, permissions, and hostile input. Every check is shown failing on a bad input and
passing on a good one."""

from __future__ import annotations

import io
import itertools
import re
import sqlite3
from urllib.parse import parse_qsl

import httpx
import pytest
from conftest import bearers
from lxml import etree

from harness.appliance import command_actions, directory
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.clock import ManualClock
from harness.appliance.command import ACTIONS as HANDLERS
from harness.appliance.command import GUIDE_ACTIONS
from harness.appliance.server import running
from harness.appliance.world import Arrival
from harness.catalogue.commands import COMMAND_ACTIONS, COMMANDS
from harness.validate import validate

NOW = 1_700_000_000.0
GUIDE_LSID = "c69a8e10bea9428f816cfababe9815fe"  # a session of 2016 in the history: not active
LOGGED_IN = (1, 5, 8)  # admin, ppatel (the guide's rep 5, status busy), cwong


@pytest.fixture(scope="module", params=["field", "tidy"])
def served(tmp_path_factory, request):
    clock = ManualClock(NOW)
    config = ApplianceConfig(tmp_path_factory.mktemp("appliance"), tidy=request.param == "tidy")
    appliance = Appliance(config, clock=clock)
    for user_id in LOGGED_IN:
        appliance.world.login(user_id)
    with running(appliance) as url, httpx.Client(base_url=url) as client:
        yield appliance, client, bearers(appliance, url)


def call(served, params, account: str = "full", method: str = "GET") -> httpx.Response:
    _, client, bearers = served
    if method == "POST":
        return client.post("/api/command", data=params, headers=bearers[account])
    return client.get("/api/command", params=params, headers=bearers[account])


def parsed(r: httpx.Response, root: str | None = None) -> etree._Element:
    """The schema-checked answer, namespace dropped from the tags."""
    assert r.status_code != 500, r.text
    assert r.headers["content-type"].startswith("text/xml"), r.text
    result = validate(io.BytesIO(r.content))
    assert result.status == "valid", ([str(e) for e in result.errors] or result.reason, r.text[:2000])
    assert result.namespace.status == "ok"
    if root is not None:
        assert result.root == root, r.text[:2000]
    tree = etree.fromstring(r.content, etree.XMLParser(resolve_entities=False, no_network=True))
    for el in tree.iter():
        el.tag = etree.QName(el).localname
    return tree


def ok(served, params, root: str = "success", **kw) -> etree._Element:
    r = call(served, params, **kw)
    assert r.status_code == 200, r.text
    return parsed(r, root)


def error(served, params, contains: str = "", status: int = 200, **kw) -> str:
    r = call(served, params, **kw)
    assert r.status_code == status, r.text
    message = parsed(r, "error").text
    assert contains in message, message
    return message


def key(served, **params) -> str:
    tree = ok(served, {"action": "generate_session_key", "type": "support", **params}, "session_key")
    return tree.findtext("short_key")


def virtual(served, short_key: str | None = None, **params) -> str:
    """A virtual customer in a new session; its lsid (carried in download_url)."""
    tree = ok(
        served,
        {
            "action": "create_virtual_customer",
            "short_key": short_key or key(served, queue_id="team:1"),
            "name": "Pat Customer",
            "ip_address": "198.51.100.7",
            "operating_system": "Windows 10 Enterprise x64 Edition",
            "computer_name": "PAT-PC",
            **params,
        },
        "virtual_customer",
    )
    return dict(parse_qsl(tree.findtext("download_url").partition("?")[2]))["lsid"]


def report(served, **params) -> etree._Element:
    _, client, bearers = served
    r = client.get("/api/reporting", params=params, headers=bearers["full"])
    assert r.status_code == 200, r.text
    result = validate(io.BytesIO(r.content))
    assert result.status == "valid", [str(e) for e in result.errors]
    tree = etree.fromstring(r.content)
    for el in tree.iter():
        el.tag = etree.QName(el).localname
    return tree


def performer(appliance, event: etree._Element) -> str:
    """The type of who performed a session event; in the field's shape a system event has no
    <performed_by> (a tidy appliance always gives it)."""
    by = event.find("performed_by")
    if by is None:
        assert not appliance.config.tidy, "a tidy appliance gives every event its <performed_by>"
        return "system"
    assert appliance.config.tidy or by.get("type") != "system", "a system event with <performed_by>"
    return by.get("type")


def live_session(appliance, lsid: str) -> tuple[int, dict] | None:
    return next(
        ((i, s) for i, s in appliance.state.rows("support_session").items() if s["lsid"] == lsid), None
    )


# --- the guide's query examples ----------------------------------------------------------------------------

NO_SESSION = "No active session with LSID"
# Every "Query Example" URL of the command API's sections, as printed (`Isid` read as lsid, stray spaces
# removed), then the root it answers and, for an <error>, the message it must contain: the example names
# something absent here. The examples of send_chat_message and create_virtual_customer print
# "action=: <name>" (a typo) and, like leave_session's, give no parameter: read as the bare action, they
# answer the missing-parameter error. The guide's lsid c69a8e10... is a session of 2016 (in the history,
# ended), da4b5109... is no session at all: neither is active. join_session's rep 151 does not exist either.
# import_jump_shortcut: the guide's Jump Group remote_access (and Jumpoint London) do not exist here, and
# four examples leave out `name`, which every parameter table requires.
GUIDE_EXAMPLES_TEXT = f"""
action=get_logged_in_reps => logged_in_reps
action=set_rep_status&rep_id=5&code_name=busy => success
action=get_support_teams => support_teams
action=get_support_teams&showmembers=1 => support_teams
action=generate_session_key&type=support&queue_id=rep:1 => session_key
action=generate_session_key&type=support&queue_id=team:1 => session_key
action=generate_session_key&type=support&queue_id=rep_username:admin => session_key
action=generate_session_key&type=support&queue_id=issue:other => session_key
action=generate_session_key&type=support&queue_id=team:1&ttl=3600 => session_key
action=generate_session_key&type=support&queue_id=team:1&session.custom.external_key=ABC1234&session.custom.custom_field1=Custom%20Value => session_key
action=generate_session_key&type=support&queue_id=team:1&url_hostname=support.example.com => session_key
action=generate_session_key&type=support&queue_id=team:1&session.priority=1&session.skills=codename1,codename2 => session_key
action=join_session&lsid={GUIDE_LSID}&rep_id=151 => error: {NO_SESSION}
action=transfer_session&lsid={GUIDE_LSID}&queue_id=rep:1 => error: {NO_SESSION}
action=transfer_session&lsid={GUIDE_LSID}&queue_id=team:1 => error: {NO_SESSION}
action=send_chat_message => error: Missing required parameter: lsid or team_id
action=create_virtual_customer => error: Missing required parameter: short_key
action=leave_session => error: Missing required parameter: lsid
action=set_session_attributes&lsid={GUIDE_LSID}&session.custom.external_key=ABC123 => error: {NO_SESSION}
action=set_session_attributes&lsid={GUIDE_LSID}&session.custom.custom_field1=Custom%20Value => error: {NO_SESSION}
action=get_session_attributes&lsid={GUIDE_LSID} => error: {NO_SESSION}
action=terminate_session&lsid=da4b510978a541d49398e88c66e28475 => error: {NO_SESSION}
action=get_appliances => appliances
action=get_connected_client_list => connected_client_list
action=get_connected_client_list&type=representative => connected_client_list
action=get_connected_client_list&type=representative,support_customer => connected_client_list
action=get_connected_client_list&summary_only=1 => connected_client_list
action=get_connected_client_list&summary_only=1&type=representative => connected_client_list
action=get_connected_client_list&summary_only=1&type=representative,support_customer => connected_client_list
action=get_connected_clients => connected_clients
action=get_connected_clients&type=representative => connected_clients
action=get_connected_clients&type=representative,support_customer => connected_clients
action=get_connected_clients&id=101,102,103 => connected_clients
action=get_connected_clients&id=101,102,103&type=representative,support_customer => connected_clients
action=get_connected_clients&include_connections=1 => connected_clients
action=get_connected_clients&type=representative&include_connections=1 => connected_clients
action=get_connected_clients&type=representative,support_customer&include_connections=1 => connected_clients
action=get_connected_clients&id=101,102,103&include_connections=1 => connected_clients
action=get_connected_clients&id=101,102,103&type=representative,support_customer&include_connections=1 => connected_clients
action=check_health => health_check
action=set_failover_role&role=primary => success
action=set_failover_role&role=backup => success
action=set_failover_role&role=primary&data_sync_first=1 => success
action=set_failover_role&role=backup&data_sync_first=1 => success
action=set_failover_role&role=backup&force=1 => success
action=set_failover_role&role=backup&data_sync_first=1&force=1 => success
action=import_jump_shortcut&name=Endpoint&local_jump_hostname=ABCDEF02&group=remote_access => error: Invalid Jump Group: remote_access
action=import_jump_shortcut&name=Endpoint&local_jump_hostname=ABCDEF02&group=remote_access&tag=Frequent%20Access&comments=Web%20server&jump_policy=Notify&session_policy=Servers => error: Invalid Jump Group: remote_access
action=import_jump_shortcut&remote_jump_hostname=ABCDEF02&jumpoint=London&group=remote_access => error: Missing required parameter: name
action=import_jump_shortcut&rdp_hostname=ABCDEF02&jumpoint=London&group=remote_access => error: Missing required parameter: name
action=import_jump_shortcut&rdp_hostname=ABCDEF02&jumpoint=London&group=remote_access&rdp_username=admin&domain=example&display_size=1280x720&quality=more_colors&console=1&ignore_untrusted=1 => error: Missing required parameter: name
action=import_jump_shortcut&shelljump_hostname=ABCDEF02&jumpoint=London&protocol=ssh&group=remote_access => error: Missing required parameter: name
action=import_jump_shortcut&shelljump_hostname=ABCDEF02&jumpoint=London&protocol=ssh&group=remote_access&shelljump_username=admin&port=25&terminal=vt100&keep_alive=120 => error: Missing required parameter: name
action=import_jump_shortcut&vpro_hostname=ABCDEF02&jumpoint=London&group=remote_access => error: Missing required parameter: name
action=get_api_info => api_information
"""
GUIDE_EXAMPLES = [
    (query, root, why or None)
    for query, _, answer in (line.partition(" => ") for line in GUIDE_EXAMPLES_TEXT.strip().splitlines())
    for root, _, why in [answer.partition(": ")]
]


@pytest.mark.parametrize("query,root,why", GUIDE_EXAMPLES, ids=[q for q, _, _ in GUIDE_EXAMPLES])
def test_guide_query_examples(served, query, root, why) -> None:
    _, client, bearers = served
    r = client.get(f"/api/command?{query}", headers=bearers["full"])
    assert r.status_code == 200
    tree = parsed(r, root)
    if why is not None:
        assert why in tree.text


def test_every_guide_action_has_an_example_and_a_handler() -> None:
    covered = {dict(parse_qsl(q))["action"] for q, _, _ in GUIDE_EXAMPLES}
    assert covered == set(GUIDE_ACTIONS) == set(HANDLERS)


def test_the_guide_examples_naming_a_live_session_succeed(served) -> None:
    """The session examples, with the guide's lsid replaced by a session in progress: they succeed, and rep
    151 is the one thing join_session's example names that is absent."""
    appliance, *_ = served
    lsid = virtual(served)
    message = error(served, {"action": "join_session", "lsid": lsid, "rep_id": "151"})
    assert message == "Invalid representative ID: 151"
    for params in (
        {"action": "set_session_attributes", "session.custom.external_key": "ABC123"},
        {"action": "set_session_attributes", "session.custom.custom_field1": "Custom Value"},
        {"action": "transfer_session", "queue_id": "rep:1"},
        {"action": "transfer_session", "queue_id": "team:1"},
        {"action": "join_session", "rep_id": "1"},
    ):
        ok(served, {**params, "lsid": lsid})
    attributes = ok(served, {"action": "get_session_attributes", "lsid": lsid}, "custom_attributes")
    assert {a.get("code_name"): a.text for a in attributes} == {
        "external_key": "ABC123",
        "custom_field1": "Custom Value",
    }
    assert ok(served, {"action": "terminate_session", "lsid": lsid}).text == "Successfully terminated"
    assert live_session(appliance, lsid) is None


def test_import_examples_succeed_with_a_name_and_existing_group_and_jumpoint(served) -> None:
    appliance, *_ = served
    for query, _, _ in GUIDE_EXAMPLES:
        params = dict(parse_qsl(query))
        if params["action"] != "import_jump_shortcut":
            continue
        params = {**params, "group": "servers", "name": params.get("name", "Endpoint")}
        if "jumpoint" in params:
            params["jumpoint"] = "dc1_jumpoint"
        assert ok(served, params).text == "Successfully imported Jump Item shortcut"
    conn = sqlite3.connect(appliance.db_path)
    rows = conn.execute("SELECT item_type, name, hostname, options FROM command_jump_shortcut").fetchall()
    kinds = [r[0] for r in rows]
    for kind in ("local_jump", "remote_jump", "local_rdp", "shell_jump", "vpro"):
        assert kind in kinds
    shell = [r for r in rows if r[0] == "shell_jump" and '"keep_alive": 120' in r[3]]
    assert shell and '"terminal": "VT100"' in shell[0][3] and '"port": 25' in shell[0][3]


# --- a session's life --------------------------------------------------------------------------------------


def test_a_session_from_key_to_termination(served) -> None:
    appliance, *_ = served
    state = appliance.state
    short = key(
        served,
        queue_id="team:1",
        ttl="600",
        **{
            "session.custom.external_key": "INC-42",
            "session.custom.custom_field1": "first",
            "session.priority": "1",
            "session.skills": "codename1, windows",
        },
    )
    lsid = virtual(served, short, chat_url="1")

    # the live model: a session waiting in team 1's queue, with the key's values and a web_chat customer
    row_id, row = live_session(appliance, lsid)
    assert row["priority"] == 1 and row["queue_id"] == appliance.world.team_queues[1]
    assert row["start_method"] == "session_key" and row["customer_name"] == "Pat Customer"
    skills = {
        s["code_name"]
        for s in state.rows("support_session_skill").values()
        if s["support_session_id"] == row_id
    }
    assert skills == {"codename1", "windows"}
    customers = [c for c in state.rows("customer_client").values() if c["support_session_id"] == row_id]
    assert [(c["client_type"], c["hostname"]) for c in customers] == [("web_chat", "PAT-PC")]
    teams = ok(served, {"action": "get_support_teams"}, "support_teams")
    waiting = teams.find("support_team[@id='1']").findtext("support_session_count")
    assert int(waiting) >= 1

    # the connected customer
    clients = ok(served, {"action": "get_connected_clients", "type": "support_customer"}, "connected_clients")
    mine = [c for c in clients if c.findtext("lsid") == lsid]
    assert len(mine) == 1 and mine[0].findtext("name") == "Pat Customer"
    assert mine[0].find("platform").get("id") == "winNT-64"

    # join: rep 1 takes it, rep 5 (by username) conferences in
    assert ok(served, {"action": "join_session", "lsid": lsid, "rep_id": "1"}).text == (
        "Representative successfully added"
    )
    ok(served, {"action": "join_session", "lsid": lsid, "rep_username": "ppatel"})
    error(served, {"action": "join_session", "lsid": lsid, "rep_id": "1"}, "already in the session")
    reps_in = {
        state.get("representative", link["representative_id"])["user_id"]
        for link in state.rows("representative_support_session").values()
        if link["support_session_id"] == row_id
    }
    assert reps_in == {1, 5}
    assert live_session(appliance, lsid)[1]["queue_id"] == appliance.world.logged_in[1].queue_row
    logged = ok(served, {"action": "get_logged_in_reps"}, "logged_in_reps")
    assert int(logged.find("rep[@id='5']").findtext("support_session_count")) >= 1
    reps = ok(served, {"action": "get_connected_clients", "type": "representative"}, "connected_clients")
    lsids = {r.findtext("user_id"): [x.text for x in r.find("support_session_lsids")] for r in reps}
    assert lsid in lsids["1"] and lsid in lsids["5"] and lsid not in lsids["8"]

    # chat: as the customer, as a representative, as the system; a past timestamp
    past = int(NOW) - 3600
    for impersonate, body in (
        ("customer", "My [b]printer[/b] is offline"),
        ("rep:1", "Looking now"),
        (None, "Sys"),
    ):
        params = {"action": "send_chat_message", "lsid": lsid, "body": body}
        if impersonate:
            params["impersonate"] = impersonate
        assert ok(served, params).text == "Message sent"
    ok(served, {"action": "send_chat_message", "lsid": lsid, "body": "earlier", "timestamp": str(past)})
    error(
        served,
        {"action": "send_chat_message", "lsid": lsid, "body": "x", "impersonate": "rep:8"},
        "not in the",
    )

    # attributes: set one, clear one, keep the others
    ok(served, {"action": "set_session_attributes", "lsid": lsid, "session.custom.asset_tag": "LT-1"})
    ok(served, {"action": "set_session_attributes", "lsid": lsid, "session.custom.custom_field1": ""})
    attributes = ok(served, {"action": "get_session_attributes", "lsid": lsid}, "custom_attributes")
    assert {a.get("code_name"): a.text for a in attributes} == {"external_key": "INC-42", "asset_tag": "LT-1"}
    assert {(a["code_name"], a["value"]) for a in state.rows("support_session_attribute").values()
            if a["support_session_id"] == row_id} == {("asset_tag", "LT-1")}  # fmt: skip

    # transfer to team 2: the representatives leave, the session waits in that queue
    assert ok(served, {"action": "transfer_session", "lsid": lsid, "queue_id": "team:2"}).text == (
        "Successfully transferred"
    )
    row = live_session(appliance, lsid)[1]
    assert row["queue_id"] == row["primary_team_queue_id"] == appliance.world.team_queues[2]
    assert not any(
        x["support_session_id"] == row_id for x in state.rows("representative_support_session").values()
    )
    # to a logged-in representative by username: handed to them
    ok(served, {"action": "transfer_session", "lsid": lsid, "queue_id": "rep_username:cwong"})
    assert live_session(appliance, lsid)[1]["queue_id"] == appliance.world.logged_in[8].queue_row

    # leave: the customer goes, the representative stays; then terminate
    assert ok(served, {"action": "leave_session", "lsid": lsid, "customer": "1"}).text == (
        "Customer successfully removed"
    )
    error(served, {"action": "leave_session", "lsid": lsid, "customer": "1"}, "not in the session")
    error(
        served,
        {"action": "send_chat_message", "lsid": lsid, "body": "x", "impersonate": "customer"},
        "customer",
    )
    assert not [c for c in state.rows("customer_client").values() if c["support_session_id"] == row_id]
    assert live_session(appliance, lsid) is not None
    assert ok(served, {"action": "terminate_session", "lsid": lsid}).text == "Successfully terminated"
    assert live_session(appliance, lsid) is None and lsid not in appliance.world.sessions
    error(served, {"action": "terminate_session", "lsid": lsid}, NO_SESSION)
    clients = ok(served, {"action": "get_connected_clients"}, "connected_clients")
    assert lsid not in {c.findtext("lsid") for c in clients}

    # the SupportSession report
    session = report(served, generate_report="SupportSession", lsid=lsid).find("session")
    assert session.find("end_time") is not None and session.findtext("external_key") == "INC-42"
    assert {a.get("code_name"): a.text for a in session.find("custom_attributes")} == {"asset_tag": "LT-1"}
    chats = [e for e in session.find("session_details") if e.get("event_type") == "Chat Message"]
    assert [(performer(appliance, e), e.findtext("body")) for e in chats] == [
        ("system", "earlier"),  # sent with its original time: the session details are chronological
        ("customer", "My [b]printer[/b] is offline"),
        ("representative", "Looking now"),
        ("system", "Sys"),
    ]
    assert chats[0].get("timestamp") == str(past)
    times = [int(e.get("timestamp")) for e in session.find("session_details")]
    assert times == sorted(times)
    for (
        e
    ) in chats:  # "a special attribute in reports indicating which API Account originally sent the message"
        assert e.find("data/value[@name='api_account']").get("value") == "full"
    assert {r.get("id") for r in session.find("rep_list")} == {"1", "5", "8"}
    assert session.find("customer_list/customer").findtext("hostname") == "PAT-PC"


def test_a_session_started_by_world_from_a_key_ends_when_everyone_leaves(served) -> None:
    appliance, *_ = served
    short = key(served, queue_id="rep:8")
    session_key = appliance.world.key(short_key=short)
    lsid = appliance.world.start_from_key(session_key, Arrival(name="Kim", hostname="KIM-PC")).lsid
    assert live_session(appliance, lsid)[1]["queue_id"] == appliance.world.logged_in[8].queue_row
    ok(served, {"action": "join_session", "lsid": lsid, "rep_id": "8"})
    error(served, {"action": "leave_session", "lsid": lsid, "rep_id": "5"}, "not in the session")
    assert ok(served, {"action": "leave_session", "lsid": lsid, "rep_username": "cwong"}).text == (
        "Representative successfully removed"
    )
    assert live_session(appliance, lsid) is not None  # the customer is still there
    ok(served, {"action": "leave_session", "lsid": lsid, "customer": "1"})
    assert live_session(appliance, lsid) is None  # nobody left: the session ended
    session = report(served, generate_report="SupportSession", lsid=lsid).find("session")
    assert session.find("end_time") is not None


def test_team_chat_is_a_support_team_event(served) -> None:
    base = {"action": "send_chat_message", "team_id": "1", "body": "Anyone free for a printer?"}
    ok(served, {**base, "impersonate": "rep:1", "to_rep": "5"})
    ok(served, {**base, "body": "System notice"})
    ok(served, {**base, "body": "by name", "impersonate": "rep_username:admin", "to_rep_username": "cwong"})
    error(served, {**base, "impersonate": "rep:2"}, "not logged in")
    error(served, {**base, "team_id": "2", "impersonate": "rep:1"}, "not a member of team 2")
    error(served, {**base, "impersonate": "customer"}, "works only with lsid")
    error(served, {**base, "to_rep": "5"}, "need impersonate")
    error(served, {**base, "impersonate": "rep:1", "to_rep": "5", "to_rep_username": "ppatel"}, "not both")
    error(served, {**base, "team_id": "3"}, "Invalid team ID: 3")
    activity = report(
        served, generate_report="SupportTeam", start_time=str(int(NOW) - 60), duration="0", team_id="1"
    )
    events = activity.findall("team_activity/events/event")
    by_body = {e.findtext("body"): e for e in events if e.get("event_type") == "Chat Message"}
    private = by_body["Anyone free for a printer?"]
    assert private.find("performed_by").text == "Administrator"
    assert [d.text for d in private.find("destinations")] == ["Priya Patel"]
    assert by_body["by name"].find("destinations/destination").text == "Chris Wong"
    assert by_body["System notice"].find("performed_by").get("type") == "system"
    assert private.find("data/value[@name='api_account']").get("value") == "full"


def test_set_rep_status_shows_in_the_live_model_and_connected_clients(served) -> None:
    appliance, *_ = served
    error(served, {"action": "set_rep_status", "rep_id": "8", "code_name": "napping"}, "Invalid status")
    error(served, {"action": "set_rep_status", "rep_id": "2", "code_name": "busy"}, "not logged in")
    error(
        served,
        {"action": "set_rep_status", "rep_id": "151", "code_name": "busy"},
        "Invalid representative ID",
    )
    for status, busy, available in (("busy", "1", "1"), ("away", "0", "0"), ("available", "0", "1")):
        ok(served, {"action": "set_rep_status", "rep_id": "8", "code_name": status})
        row = appliance.state.get("representative", appliance.world.logged_in[8].row)
        assert (row["routing_busy"], row["routing_available"]) == (int(busy), int(available))
        reps = ok(served, {"action": "get_connected_clients", "type": "representative"}, "connected_clients")
        rep = next(r for r in reps if r.findtext("user_id") == "8")
        assert (rep.findtext("routing_busy"), rep.findtext("routing_available")) == (busy, available)


def test_get_logged_in_reps_lists_exactly_the_logged_in(served) -> None:
    appliance, *_ = served
    reps = ok(served, {"action": "get_logged_in_reps"}, "logged_in_reps")
    assert [r.get("id") for r in reps] == [str(u) for u in sorted(appliance.world.logged_in)]
    admin = reps.find("rep[@id='1']")
    assert admin.findtext("public_display_name") == admin.findtext("display_name") == "Admin"
    assert (
        admin.findtext("type") == "Normal"
        and admin.findtext("logged_in_since") == "2023-11-14T22:13:20+00:00"
    )
    assert admin.findtext("direct_link") == '<a href="https://localhost/?id=1&amp;name=Admin">Admin</a>'
    appliance.world.login(7)  # an invited representative
    try:
        reps = ok(served, {"action": "get_logged_in_reps"}, "logged_in_reps")
        assert reps.find("rep[@id='7']").findtext("type") == "Invited"
    finally:
        appliance.world.logout(7)
    reps = ok(served, {"action": "get_logged_in_reps"}, "logged_in_reps")
    assert reps.find("rep[@id='7']") is None


def test_get_support_teams_members_only_with_showmembers(served) -> None:
    teams = ok(served, {"action": "get_support_teams"}, "support_teams")
    assert [t.get("id") for t in teams] == [str(t.id) for t in directory.TEAMS]
    assert all(t.find("members") is None for t in teams)
    assert [i.findtext("title") for i in teams.find("support_team[@id='1']/issues")] == [
        i.title for i in directory.issues_of(1)
    ]
    teams = ok(served, {"action": "get_support_teams", "showmembers": "1"}, "support_teams")
    members = teams.find("support_team[@id='5']/members")
    assert [(m.get("id"), m.findtext("username")) for m in members] == [
        ("7", "contractor.lee"),
        ("8", "cwong"),
    ]
    assert all(
        t.find("members") is None
        for t in ok(served, {"action": "get_support_teams", "showmembers": "0"}, "support_teams")
    )
    error(served, {"action": "get_support_teams", "showmembers": "yes"}, "showmembers must be 0 or 1")


def test_generate_session_key_answer(served) -> None:
    appliance, *_ = served
    tree = ok(
        served,
        {"action": "generate_session_key", "type": "support", "queue_id": "rep:1", "ttl": "900",
         "url_hostname": "remote.example.com", "session.custom.external_key": "T-1"},
        "session_key",
    )  # fmt: skip
    assert tree.findtext("type") == "support" and tree.findtext("ttl") == "900"
    assert tree.findtext("expires") == str(int(NOW) + 900)
    assert (tree.findtext("queue"), tree.find("queue").get("available")) == ("rep", "1")
    assert tree.findtext("queue_id") == "1" and tree.findtext("external_key") == "T-1"
    assert re.fullmatch(r"https://remote\.example\.com/\?ak=[0-9a-f]{32}", tree.findtext("key_url"))
    assert tree.findtext("key_url") in tree.findtext("mail_body")
    general = ok(
        served, {"action": "generate_session_key", "type": "support", "queue_id": "general"}, "session_key"
    )
    assert general.findtext("queue") == "general" and general.find("queue_id") is None
    if appliance.config.tidy:  # the guide lists both always
        assert general.findtext("ttl") == str(directory.SESSION_KEY_MAX_TTL)
        assert general.find("external_key").text is None
    else:  # field (a 19.1 appliance): <ttl> only when asked, <external_key> only when given
        assert general.find("ttl") is None and general.find("external_key") is None
    away = ok(
        served, {"action": "generate_session_key", "type": "support", "queue_id": "rep:2"}, "session_key"
    )
    assert away.find("queue").get("available") == "0"  # rep 2 is not logged in
    issue = ok(
        served, {"action": "generate_session_key", "type": "support", "queue_id": "issue:vpn"}, "session_key"
    )
    assert (issue.findtext("queue"), issue.findtext("queue_id")) == ("team", "2")


# --- limits ------------------------------------------------------------------------------------------------

GSK = {"action": "generate_session_key", "type": "support", "queue_id": "team:1"}


@pytest.mark.parametrize(
    "good,bad,message",
    [
        ({"session.custom.external_key": "k" * 1024}, {"session.custom.external_key": "k" * 1025}, "1024"),
        ({"session.custom.custom_field1": "é" * 1024}, {"session.custom.custom_field1": "é" * 1025}, "1024"),
        (
            {f"session.custom.{c}": "€" * 1024 for c in ("external_key", "custom_field1", "custom_field2")},
            {
                f"session.custom.{c}": "€" * 1024
                for c in ("external_key", "custom_field1", "custom_field2", "asset_tag")
            },
            "10KB",
        ),
        ({"session.custom.asset_tag": "x"}, {"session.custom.no_such_field": "x"}, "Unknown custom field"),
        ({"session.priority": "3"}, {"session.priority": "4"}, "session.priority"),
        ({"session.priority": "1"}, {"session.priority": "0"}, "session.priority"),
        ({"session.priority": "2"}, {"session.priority": "high"}, "session.priority"),
        ({"session.skills": "macos,networking"}, {"session.skills": "macos,juggling"}, "Invalid skill"),
        ({"ttl": "1"}, {"ttl": "0"}, "ttl"),
        ({"ttl": str(directory.SESSION_KEY_MAX_TTL)}, {"ttl": str(directory.SESSION_KEY_MAX_TTL + 1)}, "ttl"),
        ({"ttl": "60"}, {"ttl": "-60"}, "ttl"),
        ({"ttl": "60"}, {"ttl": "1e3"}, "ttl"),
        (
            {"url_hostname": "support.example.com"},
            {"url_hostname": "support.example.com:443"},
            "url_hostname",
        ),
        ({"url_hostname": "a-b.example"}, {"url_hostname": "bad host/x"}, "url_hostname"),
        ({"type": "support"}, {"type": "presentation"}, "Invalid session type"),
        ({"type": "support"}, {"type": ""}, "Missing required parameter: type"),
    ],
)
def test_generate_session_key_limits(served, good, bad, message) -> None:
    ok(served, {**GSK, **good}, "session_key")
    error(served, {**GSK, **bad}, message)


@pytest.mark.parametrize(
    "good,bad,message",
    [
        ("general", "general:1", "Invalid queue_id"),
        ("rep:1", "rep:151", "Invalid representative ID: 151"),
        ("rep:1", "rep:4", "Invalid representative ID: 4"),  # locked out: cannot log in
        ("rep:8", "rep:", "Invalid queue_id"),
        ("rep:8", "rep:abc", "Invalid queue_id"),
        ("rep:8", "rep:²", "Invalid queue_id"),
        ("team:1", "team:99", "Invalid team ID: 99"),
        ("team:5", "team:" + "9" * 40, "Invalid queue_id"),
        ("rep_username:admin", "rep_username:nobody", "No single representative"),
        ("rep_username:ADMIN", "rep_username:", "No single representative"),
        ("issue:other", "issue:nope", "Invalid issue code name"),
        ("issue:issue_code_name", "queue:1", "Invalid queue_id"),
        ("team:2", "", "Missing required parameter: queue_id"),
    ],
)
def test_generate_session_key_queue_id_forms(served, good, bad, message) -> None:
    ok(served, {**GSK, "queue_id": good}, "session_key")
    error(served, {**GSK, "queue_id": bad}, message)


def test_transfer_session_queue_id_forms(served) -> None:
    lsid = virtual(served)
    for bad, message in (("general", "Invalid queue_id"), ("issue:other", "Invalid queue_id"),
                         ("rep:151", "Invalid representative ID"), ("team:99", "Invalid team ID")):  # fmt: skip
        error(served, {"action": "transfer_session", "lsid": lsid, "queue_id": bad}, message)
    for good in (
        "team:5",
        "rep:1",
        "rep_username:ppatel",
        "rep:2",
    ):  # rep 2 is not logged in: it waits for him
        ok(served, {"action": "transfer_session", "lsid": lsid, "queue_id": good})
    ok(served, {"action": "terminate_session", "lsid": lsid})


def test_a_session_key_expires_after_its_ttl(served) -> None:
    appliance, *_ = served
    short = key(served, queue_id="team:1", ttl="30")
    lsid = virtual(served, short)  # valid now
    ok(served, {"action": "terminate_session", "lsid": lsid})
    appliance.clock.advance(31)
    r = call(served, {"action": "create_virtual_customer", "short_key": short, "name": "n",
                      "ip_address": "192.0.2.1", "operating_system": "os", "computer_name": "pc"})  # fmt: skip
    assert "Invalid or expired session key" in parsed(r, "error").text


def test_create_virtual_customer_parameters(served) -> None:
    short = key(served, queue_id="team:5")
    good = {"action": "create_virtual_customer", "short_key": short, "name": "Ana", "ip_address": "2001:db8::7",
            "operating_system": "Web browser", "computer_name": "web-chat"}  # fmt: skip
    for name in ("short_key", "name", "ip_address", "operating_system", "computer_name"):
        error(served, {**good, name: ""}, f"Missing required parameter: {name}")
        error(served, {k: v for k, v in good.items() if k != name}, f"Missing required parameter: {name}")
    error(served, {**good, "ip_address": "999.1.1.1"}, "Invalid ip_address")
    error(served, {**good, "short_key": "123456"}, "Invalid short_key")
    error(served, {**good, "short_key": "0000000" if short != "0000000" else "0000001"}, "Invalid or expired")
    full = ok(served, good, "virtual_customer")
    assert "c2cjs" not in full.findtext("download_url") and full.find("chat_url") is None
    chat = ok(served, {**good, "chat_url": "1"}, "virtual_customer")
    assert "c2cjs=1" in chat.findtext("download_url") and chat.findtext("chat_url") == "1"
    other = ok(served, {**good, "chat_url": "yes"}, "virtual_customer")  # "any other value": the full client
    assert "c2cjs" not in other.findtext("download_url")


def test_send_chat_message_parameters(served) -> None:
    appliance, *_ = served
    lsid = virtual(served)
    base = {"action": "send_chat_message", "lsid": lsid, "body": "hi"}
    now = int(appliance.clock.now())
    error(served, {**base, "team_id": "1"}, "cannot be used together")
    error(served, {"action": "send_chat_message", "body": "hi"}, "lsid or team_id")
    ok(served, base)
    ok(served, {"action": "send_chat_message", "team_id": "1", "body": "hi"})
    error(served, {**base, "timestamp": str(now + 1)}, "in the past")
    ok(served, {**base, "timestamp": str(now)})
    ok(served, {**base, "timestamp": str(now - 1)})
    error(served, {**base, "timestamp": "-5"}, "UNIX timestamp")
    error(served, {**base, "body": ""}, "Missing required parameter: body")
    error(served, {**base, "impersonate": "rep:x"}, "Invalid value for impersonate")
    error(served, {**base, "impersonate": ""}, "impersonate must be")
    error(served, {**base, "to_rep": "5"}, "work only with team_id")
    ok(served, {**base, "impersonate": "customer"})
    ok(served, {"action": "terminate_session", "lsid": lsid})


def test_leave_session_needs_exactly_one_of_its_parameters(served) -> None:
    lsid = virtual(served)
    ok(served, {"action": "join_session", "lsid": lsid, "rep_id": "5"})
    base = {"action": "leave_session", "lsid": lsid}
    error(served, base, "One of rep_id, rep_username or customer=1 is required")
    error(served, {**base, "rep_id": "5", "customer": "1"}, "only one")
    error(served, {**base, "customer": "0"}, "customer must be 1")
    ok(served, {**base, "rep_id": "5"})
    ok(served, {**base, "customer": "1"})  # nobody left: it ends
    error(served, {**base, "customer": "1"}, NO_SESSION)


def test_join_session_parameters(served) -> None:
    lsid = virtual(served)
    base = {"action": "join_session", "lsid": lsid}
    error(served, base, "Missing required parameter: rep_id or rep_username")
    error(served, {**base, "rep_id": "1", "rep_username": "admin"}, "not both")
    error(served, {**base, "rep_id": "2"}, "not logged in")
    error(served, {**base, "rep_id": "one"}, "Invalid representative ID")
    error(served, {**base, "rep_username": "nobody"}, "No single representative")
    error(served, {**base, "lsid": "not-an-lsid", "rep_id": "1"}, "Invalid session LSID")
    error(
        served, {"action": "join_session", "Isid": lsid, "rep_id": "1"}, 'the guide\'s "Isid" is a misprint'
    )
    ok(served, {**base, "rep_username": "ADMIN"})  # usernames are case-insensitive, as logins are
    ok(served, {"action": "terminate_session", "lsid": lsid.upper()})  # lsids too


def test_set_session_attributes_limits(served) -> None:
    lsid = virtual(served)
    base = {"action": "set_session_attributes", "lsid": lsid}
    error(served, {**base, "session.custom.external_key": "k" * 1025}, "1024")
    ok(served, {**base, "session.custom.external_key": "€" * 1024})
    big = {f"session.custom.{c}": "€" * 1024 for c in ("custom_field1", "custom_field2", "asset_tag")}
    error(served, {**base, **big}, "10KB")  # 4 x 3072 bytes of UTF-8, with the external key already set
    ok(served, {**base, **big, "session.custom.external_key": ""})
    error(served, {**base, "session.custom.bogus": "x"}, "Unknown custom field")
    ok(served, base)  # nothing to set
    values = ok(served, {"action": "get_session_attributes", "lsid": lsid}, "custom_attributes")
    assert {a.get("code_name"): len(a.text or "") for a in values} == {
        "external_key": 0,
        "custom_field1": 1024,
        "custom_field2": 1024,
        "asset_tag": 1024,
    }
    ok(served, {"action": "terminate_session", "lsid": lsid})


# --- connected clients and appliances -----------------------------------------------------------------------


def test_connected_client_list_and_details_agree(served) -> None:
    appliance, *_ = served
    lsid = virtual(served)
    listing = ok(served, {"action": "get_connected_client_list"}, "connected_client_list")
    summary = listing.find("connected_client_summary/appliance_summary")
    assert summary.get("id") == appliance.guid
    counts = {c.get("type"): int(c.text) for c in summary}
    assert counts["representative"] == len(appliance.world.logged_in)
    assert counts["support_customer"] == sum(1 for a in appliance.world.sessions.values() if a.customer_row)
    assert counts["presentation_attendee"] == 0
    assert counts["push_agent"] == 3  # the configuration API's connected Jumpoints' nodes
    assert counts["pinned_client"] == 6  # its active Jump Clients
    listed = {(c.get("type"), c.get("id")) for c in listing.findall("connected_client")}
    details = ok(served, {"action": "get_connected_clients"}, "connected_clients")
    assert {(d.tag.removeprefix("connected_"), d.get("id")) for d in details} == listed
    assert all(d.find("client_connections") is None and d.find("connected_since") is None for d in details)
    summary_only = ok(
        served, {"action": "get_connected_client_list", "summary_only": "1"}, "connected_client_list"
    )
    assert summary_only.find("connected_client") is None
    reps = ok(
        served, {"action": "get_connected_client_list", "type": "representative"}, "connected_client_list"
    )
    assert [c.get("type") for c in reps.find("connected_client_summary/appliance_summary")] == [
        "representative"
    ]
    assert {c.get("type") for c in reps.findall("connected_client")} == {"representative"}
    everything = ok(
        served, {"action": "get_connected_client_list", "type": "representative,all"}, "connected_client_list"
    )
    assert "pinned_client" in {c.get("type") for c in everything.iter("count")}
    ok(served, {"action": "terminate_session", "lsid": lsid})


def test_get_connected_clients_filters_and_connections(served) -> None:
    appliance, *_ = served
    lsid = virtual(served)
    customer_id = str(appliance.world.sessions[lsid].customer_row)
    rep_id = str(appliance.world.logged_in[5].row)
    picked = ok(
        served, {"action": "get_connected_clients", "id": f"{customer_id},{rep_id},101"}, "connected_clients"
    )
    assert [(c.tag, c.get("id")) for c in picked] == [
        ("connected_representative", rep_id),
        ("connected_support_customer", customer_id),
    ]
    only_reps = ok(served, {"action": "get_connected_clients", "id": f"{customer_id},{rep_id}",
                            "type": "representative"}, "connected_clients")  # fmt: skip
    assert [c.get("id") for c in only_reps] == [rep_id]
    full = ok(
        served,
        {"action": "get_connected_clients", "id": customer_id, "include_connections": "1"},
        "connected_clients",
    )
    customer = full.find("connected_support_customer")
    link = customer.find("client_connections/client_connection")
    assert link.findtext("appliance_id") == appliance.guid and link.findtext("purpose") == "primary"
    assert customer.find("connected_since").get("ts") == str(int(appliance.clock.now()))
    assert customer.findtext("lsid") == lsid
    push = ok(served, {"action": "get_connected_clients", "type": "push_agent"}, "connected_clients")
    assert [p.findtext("name") for p in push] == ["DC1 Jumpoint", "Linux Cluster", "Linux Cluster"]
    ids = ",".join(str(n) for n in range(100))
    ok(served, {"action": "get_connected_clients", "id": ids}, "connected_clients")
    error(served, {"action": "get_connected_clients", "id": ids + ",100"}, "A maximum of 100 IDs")
    error(
        served,
        {"action": "get_connected_clients", "type": "pinned_client"},
        "Invalid client type: pinned_client",
    )
    error(served, {"action": "get_connected_client_list", "type": "representative,"}, "Invalid client type")
    error(
        served, {"action": "get_connected_client_list", "summary_only": "true"}, "summary_only must be 0 or 1"
    )
    error(
        served, {"action": "get_connected_clients", "include_connections": "2"}, "include_connections must be"
    )
    ok(served, {"action": "terminate_session", "lsid": lsid})


def test_failover_role_shows_in_check_health_and_get_appliances(served) -> None:
    appliance, *_ = served
    error(served, {"action": "set_failover_role", "role": "none"}, "Invalid role")
    error(served, {"action": "set_failover_role"}, "Missing required parameter: role")
    error(served, {"action": "set_failover_role", "role": "backup", "force": "yes"}, "force must be 0 or 1")
    error(
        served, {"action": "set_failover_role", "role": "backup", "data_sync_first": "2"}, "data_sync_first"
    )
    for role in ("backup", "primary"):
        assert ok(served, {"action": "set_failover_role", "role": role}).text == "Successfully changed role"
        assert ok(served, {"action": "check_health"}, "health_check").findtext("failover_role") == role
        appliances = ok(served, {"action": "get_appliances"}, "appliances")
        assert [(a.get("id"), a.findtext("failover_role")) for a in appliances] == [(appliance.guid, role)]
    appliance.last_data_sync = None
    assert ok(served, {"action": "check_health"}, "health_check").find("last_data_sync_time") is None
    ok(served, {"action": "set_failover_role", "role": "primary", "data_sync_first": "1"})
    health = ok(served, {"action": "check_health"}, "health_check")
    assert health.find("last_data_sync_time").get("ts") == str(int(appliance.clock.now()))
    assert health.findtext("last_data_sync_status") == "Success"


@pytest.mark.parametrize(
    "good,bad,message",
    [
        ({"name": "n" * 128}, {"name": "n" * 129}, "name exceeds"),
        (
            {"local_jump_hostname": "h" * 128},
            {"local_jump_hostname": "h" * 129},
            "local_jump_hostname exceeds",
        ),
        ({"tag": "t" * 1024}, {"tag": "t" * 1025}, "tag exceeds"),
        ({"comments": "c" * 1024}, {"comments": "c" * 1025}, "comments exceeds"),
        ({"group": "SERVERS"}, {"group": "remote_access"}, "Invalid Jump Group"),
        ({"jump_policy": "notify"}, {"jump_policy": "Sometimes"}, "Invalid jump_policy"),
        ({"session_policy": "Servers"}, {"session_policy": "All"}, "Invalid session_policy"),
        ({"public_portal": "Partners"}, {"public_portal": "Elsewhere"}, "Invalid public_portal"),
        ({"name": "ok"}, {"remote_vnc_hostname": "h"}, "Give only one of"),
        ({"name": "ok"}, {"local_jump_hostname": None}, "Missing required parameter: one of"),
        ({"group": "workstations"}, {"group": None}, "Missing required parameter: group"),
    ],
)
def test_import_jump_shortcut_limits(served, good, bad, message) -> None:
    base = {"action": "import_jump_shortcut", "name": "Endpoint", "local_jump_hostname": "ABCDEF02",
            "group": "servers"}  # fmt: skip

    def merged(extra):
        out = {**base, **extra}
        return {k: v for k, v in out.items() if v is not None}

    ok(served, merged(good))
    error(served, merged(bad), message)


@pytest.mark.parametrize(
    "good,bad,message",
    [
        ({"port": "65535"}, {"port": "65536"}, "port"),
        ({"port": "1"}, {"port": "0"}, "port"),
        ({"keep_alive": "300"}, {"keep_alive": "301"}, "keep_alive"),
        ({"terminal": "VT100"}, {"terminal": "vt220"}, "Invalid terminal"),
        ({"protocol": "TELNET"}, {"protocol": "rlogin"}, "Invalid protocol"),
        ({"protocol": "ssh"}, {"protocol": None}, "Missing required parameter: protocol"),
        ({"jumpoint": "linux_cluster"}, {"jumpoint": "London"}, "Invalid Jumpoint: London"),
        ({"jumpoint": "branch_office"}, {"jumpoint": None}, "Missing required parameter: jumpoint"),
    ],
)
def test_import_shell_jump_limits(served, good, bad, message) -> None:
    base = {"action": "import_jump_shortcut", "name": "sw", "shelljump_hostname": "10.0.0.1",
            "jumpoint": "dc1_jumpoint", "protocol": "ssh", "group": "network_devices"}  # fmt: skip
    ok(served, {k: v for k, v in {**base, **good}.items() if v is not None})
    error(served, {k: v for k, v in {**base, **bad}.items() if v is not None}, message)


@pytest.mark.parametrize(
    "good,bad,message",
    [
        ({"remote_vnc_hostname": "h", "port": "100"}, {"remote_vnc_hostname": "h", "port": "99"}, "port"),
        ({"rdp_hostname": "h", "display_size": "1280x720"}, {"rdp_hostname": "h", "display_size": "big"},
         "Invalid display_size"),
        ({"rdp_hostname": "h", "display_size": "all"}, {"rdp_hostname": "h", "display_size": "0x0"},
         "Invalid display_size"),
        ({"remote_rdp_hostname": "h", "quality": "video_opt"}, {"remote_rdp_hostname": "h", "quality": "4k"},
         "Invalid quality"),
        ({"rdp_hostname": "h", "console": "1"}, {"rdp_hostname": "h", "console": "true"}, "console must be"),
    ],
)  # fmt: skip
def test_import_other_item_types_limits(served, good, bad, message) -> None:
    base = {"action": "import_jump_shortcut", "name": "x", "jumpoint": "dc1_jumpoint", "group": "servers"}
    ok(served, {**base, **good})
    error(served, {**base, **bad}, message)


# --- permissions ---------------------------------------------------------------------------------------------


def test_permissions(served) -> None:
    for name, needed in GUIDE_ACTIONS.items():
        for account in ("nothing", "no_command", "reporting_only"):
            r = call(served, {"action": name}, account)
            assert r.status_code == 403, (name, account)
            parsed(r, "error")
        r = call(served, {"action": name}, "read_only")
        if needed == "full_access":
            assert r.status_code == 403, name
            assert "full_access" in parsed(r, "error").text
        else:
            assert r.status_code == 200, name
        assert call(served, {"action": name}, "full").status_code == 200, name


def test_read_only_may_read_but_not_change_a_session(served) -> None:
    lsid = virtual(served)
    ok(served, {"action": "get_session_attributes", "lsid": lsid}, "custom_attributes", account="read_only")
    for params in (
        {"action": "send_chat_message", "lsid": lsid, "body": "x"},
        {"action": "leave_session", "lsid": lsid, "customer": "1"},
        {"action": "set_rep_status", "rep_id": "1", "code_name": "busy"},
        {"action": "create_virtual_customer", "short_key": "1234567", "name": "n", "ip_address": "192.0.2.1",
         "operating_system": "o", "computer_name": "c"},
        {"action": "terminate_session", "lsid": lsid},
    ):  # fmt: skip
        error(served, params, "does not have full_access", status=403, account="read_only")
    ok(served, {"action": "terminate_session", "lsid": lsid}, account="full", method="POST")


# --- hostile input ----------------------------------------------------------------------------------------

HOSTILE = [
    "",
    "9" * 40,
    "-1",
    "１２３",  # full-width digits
    "²",
    "٣",
    "rep:²",
    "team:" + "9" * 30,
    "\u202e\U0001f600<x>&amp;\"'",
    "\x00\x01\x1f",
    "a" * 5000,
    "c69a8e10bea9428f816cfababe9815fe" * 2,
    "0x10",
    " 1 ",
]
# Every parameter of the catalogue's actions, and a custom field.
PARAMS = sorted(
    {n for a in COMMAND_ACTIONS for n in (*a.required, *a.optional, *itertools.chain(*a.one_of))}
    | {"session.custom.custom_field1"}
)


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_values_never_break_an_action(served, value) -> None:
    appliance, *_ = served
    before = appliance.failover_role
    for name in sorted(GUIDE_ACTIONS):
        for method in ("GET", "POST") if len(value) < 100 else ("POST",):  # a URL has its limits
            r = call(served, {"action": name, **dict.fromkeys(PARAMS, value)}, method=method)
            assert r.status_code == 200, (name, r.text)
            root = parsed(r).tag
            assert root != "success" or not COMMANDS[name].changes_state, (name, value)
    assert appliance.failover_role == before


def test_hostile_single_parameters_on_a_live_session(served) -> None:
    lsid = virtual(served)
    actions = [
        {"action": "join_session", "lsid": lsid, "rep_id": "1"},
        {"action": "transfer_session", "lsid": lsid, "queue_id": "team:1"},
        {"action": "send_chat_message", "lsid": lsid, "body": "x", "impersonate": "customer"},
        {"action": "set_session_attributes", "lsid": lsid, "session.custom.custom_field1": "v"},
        {"action": "generate_session_key", "type": "support", "queue_id": "team:1"},
    ]
    for base in actions:
        for name in [k for k in base if k != "action"]:
            for value in HOSTILE:
                r = call(served, {**base, name: value})
                assert r.status_code == 200
                parsed(r)
    ok(served, {"action": "terminate_session", "lsid": lsid})


def test_a_repeated_parameter_keeps_its_first_value(served) -> None:
    _, client, bearers = served
    query = "/api/command?action=generate_session_key&type=support&queue_id="
    good = client.get(f"{query}team:1&queue_id=x", headers=bearers["full"])
    parsed(good, "session_key")
    bad = client.get(f"{query}x&queue_id=team:1", headers=bearers["full"])
    assert "Invalid queue_id: x" in parsed(bad, "error").text


def test_error_messages_echo_little_of_a_huge_value(served) -> None:
    message = error(served, {**GSK, "queue_id": "rep:" + "x" * 100_000}, "Invalid queue_id", method="POST")
    assert len(message) <= command_actions.MAX_ERROR
    huge = {"action": "join_session", "lsid": "z" * 100_000, "rep_id": "1"}
    message = error(served, huge, "Invalid session LSID", method="POST")
    assert len(message) < 100
