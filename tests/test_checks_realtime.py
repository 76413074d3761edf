"""The real-time checks PASS on good crafted messages, models and answers and FAIL (or WARN) on bad ones, each
defect charged to the requirement it breaks."""

from __future__ import annotations

import json
import re

import pytest
from lxml import etree

from harness.catalogue.requirements import get
from harness.checks import realtime as rt
from harness.client.realtime import ENCODED, RAW, Mirror, ServerMessage
from harness.verdicts import FAIL, WARN, CheckFailed, checking


def test_every_requirement_charged_is_in_the_catalogue():
    named = [
        rt.JSON_REQ, rt.BINARY_REQ, rt.PARTS_REQ, *rt.ANSWER_REQ.values(), rt.CAP_REQ, rt.CAP_TOLD_REQ,
        *rt.MIRROR_REQ.values(), rt.INTEGRITY_REQ, rt.MODEL_TABLES_REQ, *rt.TABLE_REQ.values(),
        rt.MUST_LATENCY_REQ, rt.SHOULD_LATENCY_REQ, rt.VC_REQ, rt.REPORT_REQ, rt.REPS_REQ, "RT-PROTO-015",
        rt.SUBPROTOCOL_REQ,
    ]  # fmt: skip
    for req_id in named:
        assert get(req_id).id == req_id
    assert rt.TABLE_REQ["customer_client"] == "RT-MODEL-011" and rt.TABLE_REQ["presenter"] == "RT-MODEL-021"
    assert "customer_client" in get("RT-MODEL-011").text and "presenter" in get("RT-MODEL-021").text


def msg(data, parts: int = 1, text_parts: int = 0) -> ServerMessage:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return ServerMessage(raw, parts=parts, text_parts=text_parts)


AUTH_OK = {"type": "authenticate_response", "success": True}
AUTH_NO = {"type": "authenticate_response", "success": False, "reason": "no permission"}
SUB_OK = {"type": "subscribe_response", "timestamp": 1700000000, "success": True}
SUB_NO = {"type": "subscribe_response", "timestamp": 1700000000, "success": False, "reason": "30 already"}
UPDATE = {"type": "model_update", "insert": {"queue": {"1": {"name": "General", "type": "team"}}}}


# -- the handshake ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", [ENCODED, RAW])
def test_subprotocol_answered_as_offered_passes(ctx, form):
    rt.subprotocol_as_offered(form, form)
    assert ctx.charges == [] and ctx.judged == ["RT-PROTO-027"]


@pytest.mark.parametrize(
    "offered, answered, said",
    [
        (
            ENCODED,
            RAW,
            "answered 'ingredi state api' (raw) to the offer 'ingredi%20state%20api' (URL-encoded)",
        ),
        (
            RAW,
            ENCODED,
            "answered 'ingredi%20state%20api' (URL-encoded) to the offer 'ingredi state api' (raw)",
        ),
    ],
)
def test_subprotocol_in_the_other_form_fails_and_goes_on(ctx, offered, answered, said):
    rt.subprotocol_as_offered(offered, answered)  # a defect(): the connection's other requirements are judged
    assert ctx.charged() == ["RT-PROTO-027"] and ctx.charged(FAIL) == ["RT-PROTO-027"]
    assert said in ctx.failures[0] and "RFC 6455 §4.1" in ctx.failures[0]
    assert ctx.judged == []


@pytest.mark.parametrize("offered, answered", [(ENCODED, None), (RAW, None), (None, None)])
def test_subprotocol_without_an_answer_is_not_judged_here(ctx, offered, answered):
    rt.subprotocol_as_offered(offered, answered)  # a missing header is RT-PROTO-008's
    assert ctx.charges == [] and ctx.judged == []


# -- framing and phase answers -----------------------------------------------------------------------------


def test_framing_passes_binary_json_objects(ctx):
    stats = rt.framing([msg(AUTH_OK), msg(SUB_OK, parts=3), msg(UPDATE)])
    assert (stats.messages, stats.multipart, stats.max_parts) == (3, 1, 3)
    assert ctx.charges == []


@pytest.mark.parametrize(
    "message, reason, req",
    [
        (msg(AUTH_OK, text_parts=1), "text websocket message", "RT-PROTO-004"),
        (msg(b"{not json"), "not JSON", "RT-PROTO-003"),
        (msg(b"[1, 2]"), 'string "type"', "RT-PROTO-003"),
        (msg({"type": 7}), 'string "type"', "RT-PROTO-003"),
        (msg(b'{"type": "model_upd{"', parts=2), r"not JSON .* \(reassembled from 2 parts\)", "RT-PROTO-022"),
    ],
)
def test_framing_fails(ctx, message, reason, req):
    rt.framing([msg(AUTH_OK), message])  # a defect(): the other framing requirements are still judged
    assert ctx.charged() == [req] and ctx.charged(FAIL) == [req]
    assert re.search("1 of 2 server messages break the framing: message 2 .*" + reason, ctx.failures[0])


def test_framing_charges_each_requirement_it_breaks_once(ctx):
    stats = rt.framing(
        [msg(AUTH_OK, text_parts=1), msg(b"nope"), msg(b"{", parts=2, text_parts=2), msg([]), msg(UPDATE)]
    )
    assert stats.messages == 5
    assert ctx.charged() == ["RT-PROTO-003", "RT-PROTO-004", "RT-PROTO-022"]
    assert ctx.failures[0].startswith("2 of 5 server messages") and "message 4" in ctx.failures[0]
    assert "message 1" in ctx.failures[1] and "message 3" in ctx.failures[1]


def test_phase_answer_passes(ctx):
    assert rt.phase_answer(msg(AUTH_OK), "authenticate_response", True) == AUTH_OK
    assert rt.phase_answer(msg(SUB_NO), "subscribe_response", False)["reason"] == "30 already"
    assert ctx.charges == []


CALLER = "RT-PROTO-013"  # a caller's requirement: what it expected of the answer


@pytest.mark.parametrize("caller", [None, CALLER])
@pytest.mark.parametrize(
    "message, kind, success, reason, req",
    [
        (None, "authenticate_response", True, "no authenticate_response came back", CALLER),
        (msg(b"oops"), "authenticate_response", True, "not JSON", "RT-PROTO-003"),
        (msg(b"[true]"), "subscribe_response", True, "not a JSON object", "RT-PROTO-003"),
        (msg(SUB_OK), "authenticate_response", True, "got type 'subscribe_response'", CALLER),
        (
            msg({**AUTH_OK, "success": "true"}),
            "authenticate_response",
            True,
            "not a JSON boolean",
            "RT-PROTO-011",
        ),
        (msg({**SUB_OK, "success": 1}), "subscribe_response", True, "not a JSON boolean", "RT-PROTO-014"),
        (
            msg(AUTH_NO),
            "authenticate_response",
            True,
            "success is false, expected true .reason: 'no permission'",
            CALLER,
        ),
        (msg(AUTH_OK), "authenticate_response", False, "success is true, expected false", CALLER),
        (msg(SUB_OK), "subscribe_response", False, "success is true, expected false", CALLER),
    ],
)
def test_phase_answer_fails(ctx, caller, message, kind, success, reason, req):
    with pytest.raises(CheckFailed, match=reason) as e:
        rt.phase_answer(message, kind, success, req=caller)
    assert e.value.req == (caller if req == CALLER else req)
    assert ctx.charges == []


@pytest.mark.parametrize(
    "data, kind, req",
    [
        ({"type": "authenticate_response", "success": False}, "authenticate_response", "RT-PROTO-011"),
        ({**AUTH_NO, "reason": " "}, "authenticate_response", "RT-PROTO-011"),
        ({**SUB_NO, "reason": None}, "subscribe_response", "RT-PROTO-014"),
    ],
)
def test_phase_answer_without_a_reason_is_a_defect_of_the_answers_form(ctx, data, kind, req):
    assert rt.phase_answer(msg(data), kind, False, req=CALLER) == data  # refused as expected: it goes on
    assert ctx.charged(FAIL) == [req] and "without a reason" in ctx.failures[0]


def test_phase_answer_without_a_reason_where_success_was_expected(ctx):
    with pytest.raises(CheckFailed, match="success is false, expected true") as e:
        rt.phase_answer(msg({"type": "subscribe_response", "success": False}), "subscribe_response", True)
    assert e.value.req is None  # the caller's (primary) requirement
    assert ctx.charged(FAIL) == ["RT-PROTO-014"]


def test_subscribe_timestamp():
    assert rt.subscribe_timestamp(SUB_OK) == 1700000000
    assert rt.subscribe_timestamp({"timestamp": 1700000000.0}) == 1700000000
    for bad in ("1700000000", None, True, 1.5):
        with pytest.raises(CheckFailed, match="not a UNIX timestamp") as e:
            rt.subscribe_timestamp({"timestamp": bad})
        assert e.value.req == "RT-PROTO-014"


def test_timestamp_now():
    rt.timestamp_now(1700000100, 1700000000, 1700000001)
    with pytest.raises(CheckFailed, match=r"\+3599 s from our clock") as e:
        rt.timestamp_now(1700003600, 1700000000, 1700000001)
    assert e.value.req == "RT-PROTO-015"


def test_no_model_data(ctx):
    rt.no_model_data([msg({"type": "subscribe_response", "success": False, "reason": "x"})], "refused")
    rt.no_model_data([], "refused")
    assert ctx.charges == []
    for bad in (UPDATE, {"type": "truncate_model"}, SUB_OK):
        with pytest.raises(CheckFailed, match="refused, yet") as e:
            rt.no_model_data([msg(bad)], "refused")
        assert e.value.req is None
        with pytest.raises(CheckFailed, match="refused, yet") as e:
            rt.no_model_data([msg(bad)], "refused", req="RT-PROTO-012")
        assert e.value.req == "RT-PROTO-012"


def test_refused_subscription_as_documented(ctx):
    how = rt.refused_subscription([msg(AUTH_OK), msg(SUB_NO)], closed="close code 1013")
    assert "success false" in how and ctx.charges == []


@pytest.mark.parametrize(
    "messages, handshake, closed, warning",
    [
        ([], "handshake: HTTP 503", None, "refused at the websocket handshake"),
        ([msg(AUTH_NO)], None, "close code 1013", "refused at authentication"),
        ([msg(AUTH_OK)], None, "close code 1013", "closed without a subscribe_response"),
    ],
)
def test_refused_subscription_otherwise_is_a_warning(ctx, messages, handshake, closed, warning):
    rt.refused_subscription(messages, refused_at_handshake=handshake, closed=closed)
    assert ctx.charged() == ["RT-CAP-002"] and ctx.charged(WARN) == ["RT-CAP-002"]
    assert warning in ctx.warnings[0]


@pytest.mark.parametrize(
    "messages, closed, reason, req",
    [
        ([msg(AUTH_OK), msg(SUB_OK)], None, "subscription succeeded", "RT-CAP-001"),
        ([msg(AUTH_OK), msg(UPDATE)], None, "sent a model_update", "RT-CAP-001"),
        ([msg(AUTH_OK), msg({"type": "truncate_model"})], "x", "sent a truncate_model", "RT-CAP-001"),
        ([msg(AUTH_OK)], None, "no answer to its subscription and was not closed", "RT-PROTO-014"),
    ],
)
def test_refused_subscription_fails(ctx, messages, closed, reason, req):
    with pytest.raises(CheckFailed, match=reason) as e:
        rt.refused_subscription(messages, closed=closed)
    assert e.value.req == req and ctx.charges == []


def test_refused_subscription_without_a_reason_fails_the_answers_form(ctx):
    refusal = msg({"type": "subscribe_response", "success": False})
    assert "success false" in rt.refused_subscription([msg(AUTH_OK), refusal], closed="x")
    assert ctx.charged() == ["RT-PROTO-014"] and "without a reason" in ctx.failures[0]


# -- the copy of the model: problems and integrity --------------------------------------------------------


def test_mirror_problems(ctx):
    mirror = Mirror()
    mirror.apply(UPDATE)
    assert rt.mirror_problems(mirror, ("rows", "shape"), "model messages") == 0
    mirror.apply({"type": "model_update", "delete": {"queue": ["5"]}})
    assert rt.mirror_problems(mirror, ("shape",), "model messages") == 0
    assert rt.mirror_problems(mirror, ("shape",), "model messages", stop=False) == 0
    assert ctx.charges == []
    with pytest.raises(CheckFailed, match="model messages: model_update 2: delete of queue 5") as e:
        rt.mirror_problems(mirror, ("rows",), "model messages")
    assert e.value.req == "RT-PROTO-020" and ctx.charges == []


def problem_mirror() -> Mirror:
    """A copy of ["queue"] that met a problem of every kind, in order: shape, rows, ids, tables, phase."""
    mirror = Mirror(["queue"])
    for message in (
        {"type": "model_update"},
        {"type": "model_update", "delete": {"queue": ["5"]}},
        {"type": "model_update", "insert": {"queue": {"x": {"name": "a"}}}},
        {"type": "model_update", "insert": {"hologram": {"1": {"x": 1}}}},
        {"type": "authenticate_response", "success": True},
    ):
        mirror.apply(message)
    assert [p.kind for p in mirror.problems] == ["shape", "rows", "ids", "tables", "phase"]
    return mirror


def test_mirror_problems_charge_each_kind_to_its_requirement(ctx):
    reqs = ["RT-PROTO-019", "RT-PROTO-020", "RT-MODEL-002", "RT-PROTO-017", "RT-PROTO-016"]
    assert [rt.MIRROR_REQ[k] for k in ("shape", "rows", "ids", "tables", "phase")] == reqs
    assert rt.mirror_problems(problem_mirror(), tuple(rt.MIRROR_REQ), "the copy", stop=False) == 5
    assert ctx.charged(FAIL) == reqs
    assert ctx.failures[1] == "the copy: model_update 2: delete of queue 5, a row not in the model"
    assert "type 'authenticate_response'" in ctx.failures[4]


def test_mirror_problems_that_stop_record_the_other_kinds_first(ctx):
    with pytest.raises(CheckFailed, match="has none of insert, update and delete") as e:
        rt.mirror_problems(problem_mirror(), ("ids", "shape", "phase"), "the copy")
    assert e.value.req == "RT-PROTO-019"  # the first problem's
    assert ctx.charged(FAIL) == ["RT-MODEL-002", "RT-PROTO-016"]


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
    ) as e:
        rt.integrity(watch, initial=False)
    assert e.value.req == "RT-MODEL-001"


def test_integrity_fails_on_the_initial_copy():
    watch = rt.IntegrityWatch(grace=1.0)
    bad = {**GOOD, "presenter": {"50": {"presentation_session_id": 3, "representative_id": 10}}}
    watch.observe(bad, now=0.0, initial=True)
    watch.observe(bad, now=1.2)
    rt.integrity(watch, initial=False)
    with pytest.raises(CheckFailed, match="in the initial copy.*presenter 50.*since the initial copy") as e:
        rt.integrity(watch, initial=True)
    assert e.value.req == "RT-MODEL-001"


def test_integrity_watch_ticks_on_a_mirror():
    mirror = Mirror()
    mirror.apply({"type": "model_update", "insert": {"customer_client": {"1": {"support_session_id": 9}}}})
    watch = rt.IntegrityWatch(grace=0.0)
    watch.tick(mirror)
    with pytest.raises(CheckFailed, match="customer_client 1") as e:
        rt.integrity(watch)
    assert e.value.req == "RT-MODEL-001"


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


def test_field_audit_passes_good_rows(ctx):
    audit = audited(
        {"insert": {"representative": {"10": REP}}},
        {"update": {"representative": {"10": {"routing_idle": 1}}}},
    )
    assert audit.rows_seen["representative"] == 2
    audit.judge("representative")
    audit.outside_the_model()
    assert ctx.charges == []


def test_field_audit_fails_a_bad_value_even_if_overwritten():
    audit = audited(
        {"insert": {"representative": {"10": {**REP, "type": "robot"}}}},
        {"update": {"representative": {"10": {"type": "normal"}}}},
    )
    with pytest.raises(CheckFailed, match="representative 10 type: 'robot' is not one of normal") as e:
        audit.judge("representative")
    assert e.value.req == "RT-MODEL-013"


def test_field_audit_warns_on_variants(ctx):
    audited_ = audited({"insert": {"representative": {"10": {**REP, "routing_busy": False}}}})
    audited_.judge("representative")
    assert ctx.charged(WARN) == ["RT-MODEL-013"] and ctx.charged() == ["RT-MODEL-013"]
    assert "routing_busy" in ctx.warnings[0]


@pytest.mark.parametrize("table", rt.TABLES)
def test_field_audit_charges_each_table_to_its_requirement(ctx, table):
    rows = {"1": {"created_timestamp": "1699999000"}, "2": {"created_timestamp": "x"}}
    audit = audited({"insert": {table: rows}})
    with pytest.raises(CheckFailed, match=f"{table} 2 created_timestamp: 'x' is not an integer") as e:
        audit.judge(table)
    assert e.value.req == rt.TABLE_REQ[table]
    assert ctx.charged(WARN) == [rt.TABLE_REQ[table]] and f"{table} 1 created_timestamp" in ctx.warnings[0]


def test_field_audit_fails_a_future_creation_time():
    audit = audited({"insert": {"queue": {"1": {"created_timestamp": 1800000000, "type": "team"}}}})
    with pytest.raises(CheckFailed, match="in the future") as e:
        audit.judge("queue")
    assert e.value.req == "RT-MODEL-012"


def test_field_audit_fails_a_personal_queue_with_a_code_name():
    audit = audited({"insert": {"queue": {"1": {"type": "personal", "name": "John", "code_name": "john"}}}})
    with pytest.raises(CheckFailed, match="queue 1 is personal but has code_name 'john'") as e:
        audit.judge("queue")
    assert e.value.req == "RT-MODEL-012"
    audited({"insert": {"queue": {"1": {"type": "personal", "name": "John", "code_name": ""}}}}).judge(
        "queue"
    )


def test_field_audit_fails_tables_and_fields_outside_the_model():
    audit = audited(
        {"insert": {"hologram": {"1": {"x": 1}}, "queue": {"2": {"type": "team", "colour": "red"}}}}
    )
    with pytest.raises(CheckFailed, match="table 'hologram'; field queue.colour") as e:
        audit.outside_the_model()
    assert e.value.req == "RT-MODEL-005"  # a SHOULD: the plugin makes it a WARN
    audit.judge("queue")  # an unknown field is judged under the tables-and-fields requirement only


# -- latency ----------------------------------------------------------------------------------------------


def test_latency_within_bounds():
    with checking() as ctx:
        assert rt.latency(0.012, "new session") == "new session: 12 ms"
        assert rt.latency(5.0, "new session") == "new session: 5000 ms"
    assert ctx.charges == []


def test_latency_above_the_should_bound_is_a_warning_of_rt_cap_004(ctx):
    assert rt.latency(6.0, "new session") == "new session: 6000 ms"
    assert ctx.charged() == ["RT-CAP-004"] and ctx.charged(WARN) == ["RT-CAP-004"]
    assert "above 5 s" in ctx.warnings[0]


@pytest.mark.parametrize(
    "seconds, reason",
    [
        (21.0, "new session: 21000 ms, above the guide's maximum latency of 20 s"),
        (None, "not in the model after 20 s"),
    ],
)
def test_latency_above_the_guides_maximum_fails_rt_cap_003(ctx, seconds, reason):
    with pytest.raises(CheckFailed, match=reason) as e:
        rt.latency(seconds, "new session")
    assert e.value.req == "RT-CAP-003" and ctx.charges == []


def test_latency_with_the_should_bound_raised_to_the_must_one_does_not_warn(ctx):
    assert rt.latency(6.0, "new session", should=rt.MUST_LATENCY_S) == "new session: 6000 ms"
    assert ctx.charges == []


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


def test_virtual_customer_session_passes(ctx):
    assert rt.virtual_customer_session(vc_mirror(), "rsh-host", LSID) == ("20", LSID)
    assert rt.virtual_customer_session(vc_mirror(), "rsh-host", None) == ("20", LSID)
    assert ctx.charges == []


def test_virtual_customer_session_found_by_lsid_only_is_a_warning(ctx):
    assert rt.virtual_customer_session(vc_mirror(hostnames=()), "rsh-host", LSID) == ("20", LSID)
    assert ctx.charged(WARN) == ["RT-XAPI-001"] and "found by its lsid only" in ctx.warnings[0]


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
    with pytest.raises(CheckFailed, match=reason) as e:
        rt.virtual_customer_session(mirror, "rsh-host", answer)
    assert e.value.req == "RT-XAPI-001"


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
    with pytest.raises(CheckFailed, match=reason) as e:
        rt.session_in_report(root, LSID, "rsh-host")
    assert e.value.req == "RT-XAPI-002"


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
    with pytest.raises(CheckFailed, match=reason) as e:
        rt.logged_in_reps_agree(reps(*listed), rt.Bracket(TABLE, TABLE))
    assert e.value.req == "RT-XAPI-003"


def test_bracket_of_a_mirror():
    mirror = Mirror(["representative"])
    mirror.apply({"type": "model_update", "insert": {"representative": TABLE}})
    before = dict(mirror.table("representative"))
    mirror.mark()
    mirror.apply({"type": "model_update", "delete": {"representative": ["11"]}})
    bracket = rt.Bracket.of(before, mirror)
    assert bracket.touched == {"11": {"delete"}} and bracket.unstable_users() == {"1"}
    assert rt.logged_in_reps_agree(reps(JOHN, ADMIN), bracket) == 1
