"""The real-time state API (guide: "Real-Time State API", "Protocol of the Real-Time State API", "System State
Model of the Real-Time API").

Most checks judge one live watch (the `live` fixture): one integration subscribed to all tables step by step,
one subscribed to a table list with authenticate and subscribe sent back to back (as real clients do), both
keeping a copy of the model for OBSERVE_S seconds while the appliance runs. The others each open their own
connection: the subprotocol forms, refused accounts and tokens, phase order, and the 30-subscriber cap.

Each defect is charged to the requirement it breaks (harness.checks.realtime names them). The watch and the
cap run connections in threads; those threads call no check function (a verdict belongs to the check's own
context, which a thread does not inherit): they only collect, and each check judges what they collected.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest

from harness.catalogue import limits
from harness.checks import realtime as rt
from harness.checks.command import api_info_permissions
from harness.checks.xml import command_ok
from harness.client import RECORDER, TargetError
from harness.client.realtime import (
    RAW,
    Mirror,
    RealtimeClient,
    RealtimeClosed,
    RealtimeError,
    RealtimeRefused,
    ServerMessage,
    authenticate_message,
    subscribe_message,
)
from harness.verdicts import check, fail, not_tested, warn

OBSERVE_S = 3.0  # the live watch; the embedded simulation steps every 2 s
EXTRA_S = 3.0  # more, if no update came in OBSERVE_S
INITIAL_QUIET_S = 0.3  # the initial copy is complete when nothing more comes for this long
REFUSAL_QUIET_S = 1.0  # after a refusal, how long to wait for anything more before judging
LISTED_TABLES = ("representative", "queue")
CAP = limits.MAX_SUBSCRIBERS


# -- helpers ------------------------------------------------------------------------------------------------


def connection(target, **kwargs) -> RealtimeClient:
    return RealtimeClient(target.url, verify=target.verify, **kwargs)


def evidence(*clients: RealtimeClient) -> None:
    """Attach these connections' transcripts to the current check (fixtures' calls are cleared before it)."""
    for client in clients:
        if not any(e is client.exchange for e in RECORDER.exchanges):
            RECORDER.add(client.exchange)


def realtime_role(rs_target) -> str:
    """The account the real-time checks subscribe with: the real-time-only account, else the full one."""
    for role in ("real_time_only", "full"):
        if role in rs_target.target.accounts:
            return role
    not_tested("the target file gives no real_time_only or full API account")
    raise AssertionError  # not reached


def collect(
    client: RealtimeClient, quiet: float = REFUSAL_QUIET_S, limit: float = 5.0
) -> tuple[list, str | None]:
    """Messages until the server closes (then also how) or `quiet` seconds pass without one."""
    messages: list[ServerMessage] = []
    end = time.monotonic() + limit
    try:
        while (left := end - time.monotonic()) > 0:
            message = client.poll(min(quiet, left))
            if message is None:
                break
            messages.append(message)
    except RealtimeClosed as closed:
        return messages, str(closed)
    return messages, None


# -- the live watch -----------------------------------------------------------------------------------------


@dataclass
class Live:
    all: RealtimeClient
    listed: RealtimeClient
    audit: rt.FieldAudit = field(default_factory=rt.FieldAudit)
    watch: rt.IntegrityWatch = field(default_factory=rt.IntegrityWatch)
    mirror_all: Mirror = field(default_factory=Mirror)
    mirror_listed: Mirror = field(default_factory=lambda: Mirror(LISTED_TABLES))
    auth_all: ServerMessage | None = None
    sub_all: ServerMessage | None = None
    subscribed_between: tuple[float, float] = (0.0, 0.0)
    auth_listed: ServerMessage | None = None
    sub_listed: ServerMessage | None = None
    initial_messages: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # connection ("all", "listed") -> what went wrong

    def ready(self, *which: str) -> None:
        """FAIL (with why) if the watch of these connections (default: both) could not be kept."""
        which = which or ("all", "listed")
        evidence(*(getattr(self, name) for name in which))
        found = [f"{name}: {self.errors[name]}" for name in which if name in self.errors]
        if found:
            fail("the real-time watch could not be kept: " + "; ".join(found))

    def answer(self, name: str) -> ServerMessage:
        """A phase answer the watch recorded (e.g. "auth_all"); if none came, FAIL with why."""
        message = getattr(self, name)
        if message is None:
            self.ready(name.split("_")[1])
            fail(f"no {name.split('_')[0]} answer was received")
        return message

    @property
    def updates(self) -> int:
        return self.mirror_all.messages - self.initial_messages


def _succeeded(message: ServerMessage | None) -> bool:
    return message is not None and isinstance(message.data, dict) and message.data.get("success") is True


def _watch_all(live: Live, token: str) -> None:
    """Step by step: connect, authenticate, wait, subscribe to all, wait; then the initial copy and updates."""
    client = live.all
    live.mirror_all.on_row = live.audit
    client.connect()
    live.auth_all = client.authenticate(token)
    if not _succeeded(live.auth_all):
        raise RealtimeError(f"authentication refused: {live.auth_all.excerpt(200)}")
    before = time.time()
    live.sub_all = client.subscribe("all")
    live.subscribed_between = (before, time.time())
    if not _succeeded(live.sub_all):
        raise RealtimeError(f"subscription refused: {live.sub_all.excerpt(200)}")
    end = time.monotonic() + OBSERVE_S
    client.follow(live.mirror_all, seconds=2.0, quiet=INITIAL_QUIET_S)  # the full copy
    live.initial_messages = live.mirror_all.messages
    live.watch.observe(live.mirror_all.rows, initial=True)
    client.follow(live.mirror_all, seconds=max(end - time.monotonic(), 0.5), tick=live.watch.tick)
    if live.updates == 0:  # a quiet spell: wait a little longer for one update, then its grace period

        def updated(mirror: Mirror) -> bool:
            return mirror.messages > live.initial_messages

        if client.follow(live.mirror_all, seconds=EXTRA_S, tick=live.watch.tick, until=updated):
            client.follow(live.mirror_all, seconds=live.watch.grace + 0.2, tick=live.watch.tick)
    live.audit.rows(live.mirror_all)


def _watch_listed(live: Live, token: str) -> None:
    """As real clients do: authenticate and subscribe back to back, then keep the copy of the listed tables."""
    client = live.listed
    client.connect()
    client.send(authenticate_message(token), subscribe_message(list(LISTED_TABLES)))
    live.auth_listed = client.receive()
    if not _succeeded(live.auth_listed):
        raise RealtimeError(f"authentication refused: {live.auth_listed.excerpt(200)}")
    live.sub_listed = client.receive()
    if not _succeeded(live.sub_listed):
        raise RealtimeError(f"subscription refused: {live.sub_listed.excerpt(200)}")
    client.follow(live.mirror_listed, seconds=OBSERVE_S)


@pytest.fixture(scope="module")
def live(rs_target, rs_client):
    token = rs_client(realtime_role(rs_target)).tokens.token()
    target = rs_target.target
    watch = Live(connection(target), connection(target))

    def run(step, name: str) -> None:
        try:
            step(watch, token)
        except TargetError as exc:
            watch.errors[name] = str(exc)

    steps = [(_watch_all, "all"), (_watch_listed, "listed")]
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(lambda args: run(*args), steps))
    finally:
        watch.all.close()  # closed at once: they would count toward the cap of thirty
        watch.listed.close()
    return watch


# -- connection ---------------------------------------------------------------------------------------------


@pytest.mark.req("RT-PROTO-007")
def test_connection_with_the_url_encoded_subprotocol(live):
    """wss://<host>/nw (ws:// on a plain-HTTP target) with "ingredi%20state%20api" is accepted."""
    evidence(live.all)
    if live.all.status != 101:
        fail(
            f"the websocket handshake offering {live.all.offered!r} was not accepted: "
            + live.errors.get("all", "")
        )


@pytest.mark.req("RT-PROTO-008", "RT-PROTO-027")
def test_server_names_the_subprotocol(live):
    """Answered at all (RT-PROTO-008), and in the URL-encoded form offered (RT-PROTO-027)."""
    evidence(live.all)
    if live.all.status != 101:
        not_tested("the connection was refused (RT-PROTO-007)")
    rt.subprotocol_as_offered(live.all.offered, live.all.subprotocol)
    assert live.all.subprotocol is not None, (
        "the handshake answer has no Sec-WebSocket-Protocol: the subprotocol offered was not confirmed"
    )


@pytest.mark.req("RT-PROTO-009", "RT-PROTO-027", "RT-PROTO-008")
def test_raw_subprotocol_is_accepted(rs_target, rs_client):
    """The raw form "ingredi state api", as some real clients send it; answered raw (RT-PROTO-027: an answer
    in the other form is a defect, and the connection is still used to judge the rest)."""
    token = rs_client(realtime_role(rs_target)).tokens.token()
    with connection(rs_target.target, subprotocol=RAW) as client:
        evidence(client)
        rt.subprotocol_as_offered(client.offered, client.subprotocol)
        client.send(authenticate_message(token), subscribe_message(["queue"]))
        rt.phase_answer(client.receive(), "authenticate_response", success=True)
        rt.phase_answer(client.receive(), "subscribe_response", success=True)
        check(
            client.subprotocol is not None,
            "the handshake answer has no Sec-WebSocket-Protocol",
            "RT-PROTO-008",
        )


@pytest.mark.req("RT-PROTO-010")
def test_connection_without_the_subprotocol_is_refused(rs_target):
    client = connection(rs_target.target, subprotocol=None)
    try:
        client.connect()
    except RealtimeRefused:
        return
    finally:
        client.close()
        evidence(client)
    fail("a websocket connection to /nw without the subprotocol was accepted (HTTP 101)")


# -- authentication and subscription ------------------------------------------------------------------------


@pytest.mark.req("RT-PROTO-002", "RT-PROTO-006", "RT-PROTO-011", "RT-PROTO-014")
def test_phases_in_order(live):
    """authenticate → authenticate_response (success), subscribe → subscribe_response (success, timestamp),
    then only model messages; the integration's messages went in text websocket messages."""
    evidence(live.all)
    # a valid token or subscription refused breaks the phase's own answer, not the order of the phases
    rt.phase_answer(live.answer("auth_all"), "authenticate_response", success=True, req="RT-PROTO-011")
    data = rt.phase_answer(live.answer("sub_all"), "subscribe_response", success=True, req="RT-PROTO-014")
    rt.subscribe_timestamp(data)
    live.ready("all")
    rt.mirror_problems(live.mirror_all, ("phase",), "after the subscribe response")


@pytest.mark.req("RT-PROTO-015")
def test_subscribe_timestamp_is_the_appliances_time(live):
    evidence(live.all)
    data = rt.phase_answer(live.answer("sub_all"), "subscribe_response", success=True)
    rt.timestamp_now(rt.subscribe_timestamp(data), *live.subscribed_between)


@pytest.mark.req("RT-PROTO-018")
def test_authenticate_and_subscribe_back_to_back(live):
    evidence(live.listed)
    rt.phase_answer(live.answer("auth_listed"), "authenticate_response", success=True)
    rt.phase_answer(live.answer("sub_listed"), "subscribe_response", success=True)


@pytest.mark.req("RT-PROTO-012", "RT-PROTO-001")
@pytest.mark.parametrize("role", ["real_time_only", "full", "nothing", "reporting_only"])
def test_account_permission(rs_target, rs_client, rs_expect, role):
    """An account with the real-time permission subscribes; one without it is refused with a reason and gets
    no model data (authenticate and subscribe sent back to back, so a server that ignores the refusal shows)."""
    token = rs_client(role).tokens.token()
    allowed = role == "real_time_only"
    if role == "full":
        root = command_ok(rs_client(role).api_info(), rs_expect, "api_information")
        allowed = api_info_permissions(root).get("perm_real_time_state") == "1"
    with connection(rs_target.target) as client:
        evidence(client)
        client.send(authenticate_message(token), subscribe_message(["queue"]))
        if allowed:
            rt.phase_answer(client.receive(), "authenticate_response", success=True)
            rt.phase_answer(client.receive(), "subscribe_response", success=True)
            return
        messages, _ = collect(client)
        rt.phase_answer(messages[0] if messages else None, "authenticate_response", success=False)
        rt.no_model_data(messages[1:], f"the {role} account was refused")


@pytest.mark.req("RT-PROTO-013")
def test_unknown_token_is_refused(rs_target):
    with connection(rs_target.target) as client:
        evidence(client)
        client.send(authenticate_message("rsh-not-a-token-0000000000"), subscribe_message("all"))
        messages, _ = collect(client)
        rt.phase_answer(messages[0] if messages else None, "authenticate_response", success=False)
        rt.no_model_data(messages[1:], "the bearer token was refused")


@pytest.mark.req("RT-PROTO-002")
def test_subscribe_before_authenticate_gets_no_model(rs_target):
    """ "All messages in those phases must be sent in the correct order": a subscribe first gets no model."""
    with connection(rs_target.target) as client:
        evidence(client)
        client.send(subscribe_message("all"))
        messages, closed = collect(client)
        rt.no_model_data(messages, "subscribe was sent before authenticate")
        if not messages and closed is None:
            warn(
                f"no answer and no close within {REFUSAL_QUIET_S:.0f} s of a subscribe sent before authenticate"
            )


# -- model updates ------------------------------------------------------------------------------------------


@pytest.mark.req("RT-PROTO-003", "RT-PROTO-004", "RT-PROTO-005", "RT-PROTO-022")
def test_server_message_framing(live):
    """Binary websocket messages, newline-terminated JSON objects with a type; parts reassembled."""
    live.ready()
    rt.framing(live.all.received + live.listed.received)


@pytest.mark.req("RT-PROTO-019")
def test_model_update_syntax(live):
    live.ready()
    for mirror in (live.mirror_all, live.mirror_listed):
        rt.mirror_problems(mirror, ("shape",), "model messages", stop=False)


@pytest.mark.req("RT-PROTO-016", "RT-PROTO-020")
def test_full_copy_then_updates_of_its_rows(live):
    """Inserts name new rows, updates and deletes name rows of the copy (the full copy was complete)."""
    live.ready()
    for mirror in (live.mirror_all, live.mirror_listed):
        rt.mirror_problems(mirror, ("rows", "phase"), "applying the model messages to the copy", stop=False)


@pytest.mark.req("RT-PROTO-017")
def test_table_list_subscription_gets_only_those_tables(live):
    live.ready("listed")
    rt.mirror_problems(live.mirror_listed, ("tables",), f"subscribed to {list(LISTED_TABLES)}", stop=False)
    extra = sorted(t for t, rows in live.mirror_listed.rows.items() if rows and t not in LISTED_TABLES)
    assert not extra, f"rows of tables not subscribed: {extra}"


@pytest.mark.req("RT-MODEL-002")
def test_row_ids(live):
    """Row ids are integers within the 64-bit unsigned range, never reused in the model's lifetime."""
    live.ready()
    for mirror in (live.mirror_all, live.mirror_listed):
        rt.mirror_problems(mirror, ("ids",), "row ids", stop=False)


@pytest.mark.req("RT-MODEL-001")
def test_integrity_of_the_initial_copy(live):
    live.ready("all")
    if live.initial_messages == 0:
        not_tested("no initial copy came (the model was empty)")
    rt.integrity(live.watch, initial=True)


@pytest.mark.req("RT-MODEL-001")
def test_integrity_after_updates(live):
    live.ready("all")
    if live.updates == 0:
        not_tested(f"no model update came during the {OBSERVE_S + EXTRA_S:.0f} s watched")
    rt.integrity(live.watch, initial=False)


@pytest.mark.req("RT-MODEL-005")
def test_tables_and_fields_are_the_guides(live):
    live.ready("all")
    live.audit.outside_the_model()


@pytest.mark.parametrize(
    "table",
    [pytest.param(t, marks=pytest.mark.req(rt.TABLE_REQ[t])) for t in rt.TABLES],
)
def test_table_values(live, table):
    """Each field's value as documented (type, enumeration, 1/0 flags, creation time not in the future)."""
    live.ready("all")
    if live.audit.rows_seen[table] == 0:
        not_tested(f"no {table} row came during the watch (the appliance had none of them)")
    live.audit.judge(table)


# -- the cap of thirty --------------------------------------------------------------------------------------


def _subscribe(client: RealtimeClient, token: str) -> tuple[list[ServerMessage], str | None]:
    """Connect, authenticate and subscribe back to back; the answers (and, if it happened, how it was refused
    or closed). Never raises for what the server does."""
    try:
        client.connect()
    except RealtimeRefused as refused:
        return [], f"handshake: {refused}"
    except RealtimeError as exc:
        return [], f"connection: {exc}"
    answers: list[ServerMessage] = []
    try:
        client.send(authenticate_message(token), subscribe_message(["queue"]))
        answers.append(client.receive())
        if _succeeded(answers[0]):
            answers.append(client.receive())
        return answers, None
    except RealtimeClosed as closed:
        return answers, f"closed: {closed}"
    except RealtimeError as exc:
        return answers, str(exc)


@pytest.mark.req("RT-CAP-001", "RT-CAP-002")
@pytest.mark.profile("destructive")
def test_thirty_subscribers_and_no_more(rs_target, rs_client):
    """Thirty integrations subscribe at once; the thirty-first gets no model updates."""
    token = rs_client(realtime_role(rs_target)).tokens.token()
    clients = [connection(rs_target.target) for _ in range(CAP + 1)]
    try:
        with ThreadPoolExecutor(10) as pool:
            results = list(pool.map(lambda c: _subscribe(c, token), clients[:CAP]))
        subscribed = [
            c
            for c, (answers, _) in zip(clients, results, strict=False)
            if len(answers) == 2 and _succeeded(answers[1])
        ]
        refused = [(c, r) for c, r in zip(clients, results, strict=False) if c not in subscribed]
        if refused:
            client, (answers, how) = refused[0]
            evidence(client)
            warn(
                f"only {len(subscribed)} of {CAP} integrations could subscribe (other integrations connected to the "
                "appliance count toward its thirty); the cap is judged on the first one refused",
                "RT-CAP-001",
            )
            rt.refused_subscription(answers, closed=how)
            return
        last = clients[CAP]
        answers, how = _subscribe(last, token)
        if how is None and last.ws is not None and not last.closed:
            more, closed = collect(last, quiet=0.5, limit=2.0)
            answers, how = answers + more, closed
        evidence(clients[0], last)
        handshake = how if how and how.startswith("handshake") else None
        rt.refused_subscription(answers, refused_at_handshake=handshake, closed=how)
    finally:
        with ThreadPoolExecutor(10) as pool:
            list(pool.map(lambda c: c.close(), clients))
