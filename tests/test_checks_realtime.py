"""The real-time checks PASS on good crafted messages, models and answers and FAIL (or WARN) on bad ones."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from harness.checks import realtime as rt
from harness.client.realtime import Mirror, ServerMessage
from harness.verdicts import WARNINGS, CheckFailed


@pytest.fixture(autouse=True)
def _no_warnings():
    WARNINGS.clear()
    yield
    WARNINGS.clear()


def msg(data, parts: int = 1, text_parts: int = 0) -> ServerMessage:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return ServerMessage(raw, parts=parts, text_parts=text_parts)


AUTH_OK = {"type": "authenticate_response", "success": True}
AUTH_NO = {"type": "authenticate_response", "success": False, "reason": "no permission"}
SUB_OK = {"type": "subscribe_response", "timestamp": 1700000000, "success": True}
SUB_NO = {"type": "subscribe_response", "timestamp": 1700000000, "success": False, "reason": "30 already"}
UPDATE = {"type": "model_update", "insert": {"queue": {"1": {"name": "General", "type": "team"}}}}


# -- framing and phase answers -----------------------------------------------------------------------------


def test_framing_passes_binary_json_objects():
    stats = rt.framing([msg(AUTH_OK), msg(SUB_OK, parts=3), msg(UPDATE)])
    assert (stats.messages, stats.multipart, stats.max_parts) == (3, 1, 3)


@pytest.mark.parametrize(
    "message, reason",
    [
        (msg(AUTH_OK, text_parts=1), "text websocket message"),
        (msg(b"{not json"), "not JSON"),
        (msg(b"[1, 2]"), 'string "type"'),
        (msg({"type": 7}), 'string "type"'),
    ],
)
def test_framing_fails(message, reason):
    with pytest.raises(CheckFailed, match=reason):
        rt.framing([msg(AUTH_OK), message])


def test_phase_answer_passes():
    assert rt.phase_answer(msg(AUTH_OK), "authenticate_response", True) == AUTH_OK
    assert rt.phase_answer(msg(SUB_NO), "subscribe_response", False)["reason"] == "30 already"


@pytest.mark.parametrize(
    "message, kind, success, reason",
    [
        (None, "authenticate_response", True, "no authenticate_response came back"),
        (msg(b"oops"), "authenticate_response", True, "not JSON"),
        (msg(SUB_OK), "authenticate_response", True, "got type 'subscribe_response'"),
        (msg({**AUTH_OK, "success": "true"}), "authenticate_response", True, "not a JSON boolean"),
        (
            msg({"type": "authenticate_response", "success": False}),
            "authenticate_response",
            False,
            "without a reason",
        ),
        (msg({**AUTH_NO, "reason": " "}), "authenticate_response", False, "without a reason"),
        (
            msg(AUTH_NO),
            "authenticate_response",
            True,
            "success is false, expected true .reason: 'no permission'",
        ),
        (msg(AUTH_OK), "authenticate_response", False, "success is true, expected false"),
    ],
)
def test_phase_answer_fails(message, kind, success, reason):
    with pytest.raises(CheckFailed, match=reason):
        rt.phase_answer(message, kind, success)


def test_subscribe_timestamp():
    assert rt.subscribe_timestamp(SUB_OK) == 1700000000
    assert rt.subscribe_timestamp({"timestamp": 1700000000.0}) == 1700000000
    for bad in ("1700000000", None, True, 1.5):
        with pytest.raises(CheckFailed, match="not a UNIX timestamp"):
            rt.subscribe_timestamp({"timestamp": bad})


def test_timestamp_now():
    rt.timestamp_now(1700000100, 1700000000, 1700000001)
    with pytest.raises(CheckFailed, match=r"\+3599 s from our clock"):
        rt.timestamp_now(1700003600, 1700000000, 1700000001)


def test_no_model_data():
    rt.no_model_data([msg({"type": "subscribe_response", "success": False, "reason": "x"})], "refused")
    rt.no_model_data([], "refused")
    for bad in (UPDATE, {"type": "truncate_model"}, SUB_OK):
        with pytest.raises(CheckFailed, match="refused, yet"):
            rt.no_model_data([msg(bad)], "refused")


def test_refused_subscription_as_documented():
    how = rt.refused_subscription([msg(AUTH_OK), msg(SUB_NO)], closed="close code 1013")
    assert "success false" in how and not WARNINGS


@pytest.mark.parametrize(
    "messages, handshake, closed, warning",
    [
        ([], "handshake: HTTP 503", None, "refused at the websocket handshake"),
        ([msg(AUTH_NO)], None, "close code 1013", "refused at authentication"),
        ([msg(AUTH_OK)], None, "close code 1013", "closed without a subscribe_response"),
    ],
)
def test_refused_subscription_otherwise_is_a_warning(messages, handshake, closed, warning):
    rt.refused_subscription(messages, refused_at_handshake=handshake, closed=closed)
    assert WARNINGS and warning in WARNINGS[0]


@pytest.mark.parametrize(
    "messages, closed, reason",
    [
        ([msg(AUTH_OK), msg(SUB_OK)], None, "subscription succeeded"),
        ([msg(AUTH_OK), msg(UPDATE)], None, "sent a model_update"),
        ([msg(AUTH_OK), msg({"type": "subscribe_response", "success": False})], "x", "without a reason"),
        ([msg(AUTH_OK)], None, "no answer to its subscription and was not closed"),
    ],
)
def test_refused_subscription_fails(messages, closed, reason):
    with pytest.raises(CheckFailed, match=reason):
        rt.refused_subscription(messages, closed=closed)


# -- the copy of the model: problems and integrity --------------------------------------------------------


def test_mirror_problems():
    mirror = Mirror()
    mirror.apply(UPDATE)
    rt.mirror_problems(mirror, ("rows", "shape"), "model messages")
    mirror.apply({"type": "model_update", "delete": {"queue": ["5"]}})
    rt.mirror_problems(mirror, ("shape",), "model messages")
    with pytest.raises(CheckFailed, match="model messages: model_update 2: delete of queue 5"):
        rt.mirror_problems(mirror, ("rows",), "model messages")


GOOD = {
    "queue": {"1": {"type": "team"}},
    "representative": {"10": {"queue_id": 1}},
    "support_session": {"20": {"queue_id": "1", "primary_team_queue_id": 1}},
    "customer_client": {"30": {"support_session_id": 20}},
    "representative_support_session": {"40": {"representative_id": 10, "support_session_id": 20}},
}


def test_dangling_finds_only_missing_references():
    assert rt.dangling(GOOD) == set()
    bad = {**GOOD, "customer_client": {"30": {"support_session_id": 21}, "31": {"support_session_id": None}}}
    assert rt.dangling(bad) == {
        ("customer_client", "30", "support_session_id", "support_session", "21"),
        ("customer_client", "31", "support_session_id", "support_session", "None"),
    }
    # a reference to a table not subscribed is not judged
    assert rt.dangling(bad, subscribed=["customer_client"]) == set()


def test_integrity_passes_when_a_reference_resolves_within_the_grace():
    watch = rt.IntegrityWatch(grace=1.0)
    early = {**GOOD, "customer_client": {"30": {"support_session_id": 21}}}
    watch.observe(early, now=0.0, initial=True)
    watch.observe(early, now=0.5)
    later = {**early, "support_session": {**GOOD["support_session"], "21": {"queue_id": 1}}}
    watch.observe(later, now=0.9)
    watch.observe(later, now=5.0)
    rt.integrity(watch, initial=True)
    rt.integrity(watch, initial=False)
    rt.integrity(watch)


def test_integrity_fails_on_a_lasting_dangling_reference():
    watch = rt.IntegrityWatch(grace=1.0)
    watch.observe(GOOD, now=0.0, initial=True)
    bad = {**GOOD, "representative": {"10": {"queue_id": 7}}}
    watch.observe(bad, now=1.0)
    watch.observe(bad, now=2.5)
    watch.observe(GOOD, now=3.0)  # resolved at last, but it lasted 1.5 s
    rt.integrity(watch, initial=True)
    with pytest.raises(
        CheckFailed, match="after updates.*representative 10: queue_id = 7, no such queue row"
    ):
        rt.integrity(watch, initial=False)


def test_integrity_fails_on_the_initial_copy():
    watch = rt.IntegrityWatch(grace=1.0)
    bad = {**GOOD, "presenter": {"50": {"presentation_session_id": 3, "representative_id": 10}}}
    watch.observe(bad, now=0.0, initial=True)
    watch.observe(bad, now=1.2)
    rt.integrity(watch, initial=False)
    with pytest.raises(CheckFailed, match="in the initial copy.*presenter 50.*since the initial copy"):
        rt.integrity(watch, initial=True)


def test_integrity_watch_ticks_on_a_mirror():
    mirror = Mirror()
    mirror.apply({"type": "model_update", "insert": {"customer_client": {"1": {"support_session_id": 9}}}})
    watch = rt.IntegrityWatch(grace=0.0)
    watch.tick(mirror)
    with pytest.raises(CheckFailed, match="customer_client 1"):
        rt.integrity(watch)


# -- tables, fields, values -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, name, value, level, text",
    [
        ("queue", "support_team_id", "12", None, None),
        ("queue", "support_team_id", 12, "warn", "an integer where the guide documents a string"),
        ("queue", "type", "vip", "fail", "not one of prewait, team, personal"),
        ("queue", "name", ["x"], "fail", "not a string"),
        ("representative", "user_id", 42, None, None),
        ("representative", "user_id", "42", "warn", "JSON string"),
        ("representative", "user_id", -1, "fail", "outside 0.."),
        ("representative", "user_id", 1.5, "fail", "not an integer"),
        ("representative", "user_id", True, "fail", "not an integer"),
        ("representative", "user_id", None, "fail", "null"),
        ("representative", "routing_idle", 1, None, None),
        ("representative", "routing_idle", True, "warn", "documents as 1 or 0"),
        ("representative", "routing_idle", "1", "warn", "documents as 1 or 0"),
        ("representative", "routing_idle", 2, "fail", "not 1 or 0"),
        ("support_session", "priority", 2, None, None),
        ("support_session", "priority", 4, "fail", "not one of 1, 2, 3"),
        ("support_session", "start_method", "carrier_pigeon", "fail", "not one of session_key"),
        ("presentation_session", "lsid", "c0ffee00c0ffee00c0ffee00c0ffee00", None, None),
        ("presentation_session", "lsid", "not-a-guid", "warn", "GUID"),
        ("customer_client", "created_timestamp", 1700000000, None, None),
        ("customer_client", "created_timestamp", "yesterday", "fail", "not an integer"),
    ],
)
def test_value_problem(table, name, value, level, text):
    problem = rt.value_problem(rt.MODEL[table][name], value)
    if level is None:
        assert problem is None
    else:
        assert problem is not None and problem[0] == level and text in problem[1], problem


def audited(*updates: dict, now: float = 1700000000.0) -> rt.FieldAudit:
    audit = rt.FieldAudit(now=lambda: now)
    mirror = Mirror(on_row=audit)
    for update in updates:
        mirror.apply({"type": "model_update", **update})
    audit.rows(mirror)
    return audit


REP = {
    "created_timestamp": 1699999000, "private_display_name": "John", "public_display_name": "John Smith",
    "queue_id": 1, "routing_available": 1, "routing_busy": 0, "routing_enabled": 1, "routing_idle": 0,
    "skill_code_names": "windows,macos", "type": "normal", "user_id": 2, "username": "jsmith",
}  # fmt: skip


def test_field_audit_passes_good_rows():
    audit = audited(
        {"insert": {"representative": {"10": REP}}},
        {"update": {"representative": {"10": {"routing_idle": 1}}}},
    )
    assert audit.rows_seen["representative"] == 2
    audit.judge("representative")
    audit.outside_the_model()
    assert not WARNINGS


def test_field_audit_fails_a_bad_value_even_if_overwritten():
    audit = audited(
        {"insert": {"representative": {"10": {**REP, "type": "robot"}}}},
        {"update": {"representative": {"10": {"type": "normal"}}}},
    )
    with pytest.raises(CheckFailed, match="representative 10 type: 'robot' is not one of normal, invited"):
        audit.judge("representative")


def test_field_audit_warns_on_variants():
    audited_ = audited({"insert": {"representative": {"10": {**REP, "routing_busy": False}}}})
    audited_.judge("representative")
    assert WARNINGS and "routing_busy" in WARNINGS[0]


def test_field_audit_fails_a_future_creation_time():
    audit = audited({"insert": {"queue": {"1": {"created_timestamp": 1800000000, "type": "team"}}}})
    with pytest.raises(CheckFailed, match="in the future"):
        audit.judge("queue")


def test_field_audit_fails_a_personal_queue_with_a_code_name():
    audit = audited({"insert": {"queue": {"1": {"type": "personal", "name": "John", "code_name": "john"}}}})
    with pytest.raises(CheckFailed, match="queue 1 is personal but has code_name 'john'"):
        audit.judge("queue")
    audited({"insert": {"queue": {"1": {"type": "personal", "name": "John", "code_name": ""}}}}).judge(
        "queue"
    )


def test_field_audit_fails_tables_and_fields_outside_the_model():
    audit = audited(
        {"insert": {"hologram": {"1": {"x": 1}}, "queue": {"2": {"type": "team", "colour": "red"}}}}
    )
    with pytest.raises(CheckFailed, match="table 'hologram'; field queue.colour"):
        audit.outside_the_model()
    audit.judge("queue")  # an unknown field is judged under the tables-and-fields requirement only


# -- latency ----------------------------------------------------------------------------------------------


def test_latency():
    assert rt.latency(0.012, "new session") == "new session: 12 ms"
    assert not WARNINGS
    rt.latency(6.0, "new session")
    assert WARNINGS and "above 5 s" in WARNINGS[0]
    with pytest.raises(CheckFailed, match="above the guide's maximum latency of 20 s"):
        rt.latency(21.0, "new session")
    with pytest.raises(CheckFailed, match="not in the model after 20 s"):
        rt.latency(None, "new session")


# -- cross-API --------------------------------------------------------------------------------------------

LSID = "0123456789abcdef0123456789abcdef"


def test_lsid_from_download_url():
    url = f"https://support.example.com/download_client_connector?ak=x&lsid={LSID}&c2cjs=1"
    assert rt.lsid_from_download_url(url) == LSID
    assert rt.lsid_from_download_url("https://support.example.com/dl?ak=x") is None
    assert rt.lsid_from_download_url(None) is None


def vc_mirror(lsid: str = LSID, client_session: int = 20, hostnames=("rsh-host",)) -> Mirror:
    mirror = Mirror()
    clients = {
        str(30 + i): {"hostname": h, "support_session_id": client_session} for i, h in enumerate(hostnames)
    }
    mirror.apply(
        {
            "type": "model_update",
            "insert": {"support_session": {"20": {"lsid": lsid}}, "customer_client": clients},
        }
    )
    return mirror


def test_virtual_customer_session_passes():
    assert rt.virtual_customer_session(vc_mirror(), "rsh-host", LSID) == ("20", LSID)
    assert rt.virtual_customer_session(vc_mirror(), "rsh-host", None) == ("20", LSID)
    assert not WARNINGS


def test_virtual_customer_session_found_by_lsid_only_is_a_warning():
    assert rt.virtual_customer_session(vc_mirror(hostnames=()), "rsh-host", LSID) == ("20", LSID)
    assert WARNINGS and "found by its lsid only" in WARNINGS[0]


@pytest.mark.parametrize(
    "mirror, answer, reason",
    [
        (vc_mirror(hostnames=()), None, "no customer_client row with hostname 'rsh-host' in"),
        (vc_mirror(hostnames=()), "f" * 32, "nor a support_session with lsid"),
        (vc_mirror(client_session=21), LSID, "refers to support_session 21, which is not in the model"),
        (vc_mirror(lsid="e" * 32), LSID, "has lsid 'eeee.*the command answered"),
        (vc_mirror(hostnames=("rsh-host", "rsh-host")), LSID, "2 customer_client rows"),
        (vc_mirror(lsid=""), None, "has no lsid"),
    ],
)
def test_virtual_customer_session_fails(mirror, answer, reason):
    with pytest.raises(CheckFailed, match=reason):
        rt.virtual_customer_session(mirror, "rsh-host", answer)


def report(*sessions: str) -> etree._Element:
    return etree.fromstring(f"<session_list>{''.join(sessions)}</session_list>")


def session(lsid: str = LSID, end: str = "2024-01-01T00:00:10+00:00", host: str = "rsh-host") -> str:
    return (
        f'<session lsid="{lsid}"><end_time>{end}</end_time>'
        f"<customer_list><customer><hostname>{host}</hostname></customer></customer_list></session>"
    )


def test_session_in_report_passes():
    assert rt.session_in_report(report(session()), LSID, "rsh-host").get("lsid") == LSID


@pytest.mark.parametrize(
    "root, reason",
    [
        (report(), "0 sessions with that lsid"),
        (report(session(lsid="e" * 32)), "0 sessions with that lsid"),
        (report(session(), session(lsid="e" * 32)), "2 sessions, expected only that one"),
        (report(session(end="")), "<end_time> is empty"),
        (report(session(host="someone-else")), "no customer with hostname 'rsh-host'"),
    ],
)
def test_session_in_report_fails(root, reason):
    with pytest.raises(CheckFailed, match=reason):
        rt.session_in_report(root, LSID, "rsh-host")


def reps(*listed: tuple[int, str, str, str]) -> etree._Element:
    body = "".join(
        f'<rep id="{i}"><public_display_name>{pub}</public_display_name>'
        f"<private_display_name>{priv}</private_display_name><type>{kind}</type></rep>"
        for i, pub, priv, kind in listed
    )
    return etree.fromstring(f"<logged_in_reps>{body}</logged_in_reps>")


def row(user: int, pub: str = "John Smith", priv: str = "John", kind: str = "normal") -> dict:
    return {"user_id": user, "public_display_name": pub, "private_display_name": priv, "type": kind}


JOHN = (2, "John Smith", "John", "Normal")
ADMIN = (1, "Administrator", "Admin", "Normal")
TABLE = {"10": row(2), "11": row(1, "Administrator", "Admin")}


def test_logged_in_reps_agree():
    assert rt.logged_in_reps_agree(reps(JOHN, ADMIN), rt.Bracket(TABLE, TABLE)) == 2


def test_logged_in_reps_skip_representatives_that_came_or_went():
    # user 3 logged in while get_logged_in_reps was asked: listed, but its row arrived only after
    after = {**TABLE, "12": row(3, "Alex Smith", "Alex")}
    bracket = rt.Bracket(TABLE, after, touched={"12": {"insert"}})
    assert rt.logged_in_reps_agree(reps(JOHN, ADMIN, (3, "Alex Smith", "Alex", "Normal")), bracket) == 2
    # user 1 logged out meanwhile (and is no longer listed); its row is gone, its last fields known
    gone = rt.Bracket(TABLE, {"10": row(2)}, touched={"11": {"delete"}}, gone={"11": TABLE["11"]})
    assert rt.logged_in_reps_agree(reps(JOHN), gone) == 1


def test_logged_in_reps_with_an_unknown_changed_row_judge_no_absence():
    bracket = rt.Bracket(TABLE, TABLE, touched={"99": {"insert", "delete"}})  # came and went, fields unknown
    assert rt.logged_in_reps_agree(reps(JOHN, ADMIN, (5, "Priya", "Priya", "Normal")), bracket) == 2


def test_logged_in_reps_updated_rows_compare_presence_only():
    after = {**TABLE, "10": row(2, "Johnny")}
    bracket = rt.Bracket(TABLE, after, touched={"10": {"update"}})
    assert rt.logged_in_reps_agree(reps(JOHN, ADMIN), bracket) == 2


@pytest.mark.parametrize(
    "listed, reason",
    [
        ((JOHN,), "user_id 1 is in the real-time model but not in get_logged_in_reps"),
        ((JOHN, ADMIN, (5, "Priya", "Priya", "Normal")), "rep 5 is listed by get_logged_in_reps but not in"),
        (
            ((2, "John S.", "John", "Normal"), ADMIN),
            "rep 2: get_logged_in_reps public_display_name 'John S.'",
        ),
        (((2, "John Smith", "John", "Invited"), ADMIN), "rep 2: get_logged_in_reps type 'Invited'"),
        (((2.5, "x", "x", "Normal"),), "rep id '2.5' is not an integer id"),
    ],
)
def test_logged_in_reps_disagree(listed, reason):
    with pytest.raises(CheckFailed, match=reason):
        rt.logged_in_reps_agree(reps(*listed), rt.Bracket(TABLE, TABLE))


def test_bracket_of_a_mirror():
    mirror = Mirror(["representative"])
    mirror.apply({"type": "model_update", "insert": {"representative": TABLE}})
    before = dict(mirror.table("representative"))
    mirror.mark()
    mirror.apply({"type": "model_update", "delete": {"representative": ["11"]}})
    bracket = rt.Bracket.of(before, mirror)
    assert bracket.touched == {"11": {"delete"}} and bracket.unstable_users() == {"1"}
    assert rt.logged_in_reps_agree(reps(JOHN, ADMIN), bracket) == 1
