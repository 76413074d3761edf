"""The embedded appliance's real-time state API (/nw) over real loopback websockets, and its state model."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.frames import Close

from harness.appliance import server as server_module
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.clock import ManualClock
from harness.appliance.realtime import Limits, RealtimeService
from harness.appliance.state import (
    TABLES,
    Batch,
    IntegrityError,
    LiveState,
    NoSuchRow,
    StateError,
    realtime_row,
    seed_minimal,
)

ENCODED = "ingredi%20state%20api"
RAW = "ingredi state api"
TIMEOUT = 10.0


# -- fixtures and helpers


def seed_everything(state: LiveState) -> dict[str, int]:
    """seed_minimal plus a row in every other table, so that every table has a full copy to send."""
    ids = seed_minimal(state)
    ids["rep_session"] = state.insert(
        "representative_support_session",
        {"representative_id": ids["rep_bob"], "support_session_id": ids["session"]},
    )
    ids["presentation"] = state.insert(
        "presentation_session", {"lsid": "c0ffee00c0ffee00c0ffee00c0ffee00", "presentation_name": "Demo"}
    )
    ids["attendee"] = state.insert(
        "attendee",
        {
            "connected": 1,
            "hostname": "dave-pc",
            "name": "Dave",
            "operating_system": "macOS",
            "presentation_session_id": ids["presentation"],
            "private_ip": "10.0.0.7",
            "public_ip": "[2a01:db8::1]:56722",
        },
    )
    ids["presenter"] = state.insert(
        "presenter", {"presentation_session_id": ids["presentation"], "representative_id": ids["rep_alice"]}
    )
    return ids


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def module_appliance(tmp_path_factory, clock) -> Appliance:
    return Appliance(ApplianceConfig(data_dir=tmp_path_factory.mktemp("appliance")), clock=clock)


@pytest.fixture
def appliance(module_appliance, clock) -> Appliance:
    """The appliance with a fresh model (the real-time service looks the model up at each subscribe)."""
    module_appliance.state = LiveState(clock)
    module_appliance.ids = seed_everything(module_appliance.state)
    return module_appliance


def token(appliance: Appliance, account: str = "real_time_only") -> str:
    return appliance.tokens.issue(appliance.account(account).client_id).value


@contextlib.contextmanager
def serving(appliance: Appliance, limits: Limits | None = None) -> Iterator[tuple[str, RealtimeService]]:
    """The appliance on loopback with this module's real-time service at /nw (in place of any other)."""
    service = RealtimeService(appliance, limits)
    create_app = server_module.create_app

    def create_app_with_realtime(a):
        app = create_app(a)
        app.router.routes[:] = service.routes() + [
            r for r in app.router.routes if getattr(r, "path", "") != "/nw"
        ]
        return app

    patched = mock.patch.object(server_module, "create_app", create_app_with_realtime)
    with patched, server_module.running(appliance) as base:
        yield "ws" + base.removeprefix("http") + "/nw", service


@pytest.fixture(scope="module")
def served(module_appliance) -> Iterator[tuple[str, RealtimeService]]:
    """One server for the tests that need no special limits."""
    with serving(module_appliance) as served:
        yield served


class RawSubprotocol(ClientConnection):
    """Accepts the server echoing the subprotocol raw, which the websockets client would refuse."""

    def __init__(self, protocol, **kwargs):
        protocol.process_subprotocol = lambda headers: headers.get("Sec-WebSocket-Protocol")
        super().__init__(protocol, **kwargs)


async def open_ws(url: str, raw: bool = False, **kwargs) -> ClientConnection:
    if raw:
        kwargs.update(additional_headers={"Sec-WebSocket-Protocol": RAW}, create_connection=RawSubprotocol)
    else:
        kwargs.setdefault("subprotocols", [ENCODED])
    return await connect(url, open_timeout=TIMEOUT, **kwargs)


class Client:
    """Reads newline-terminated messages out of binary websocket messages, as the guide tells integrations."""

    def __init__(self, ws: ClientConnection):
        self.ws = ws
        self.buffer = b""
        self.frames: list[bytes] = []

    async def send(self, *messages: dict) -> None:
        """The messages back to back, in one websocket message."""
        await self.ws.send("".join(json.dumps(m) + "\n" for m in messages))

    async def message(self) -> dict:
        while b"\n" not in self.buffer:
            data = await asyncio.wait_for(self.ws.recv(), TIMEOUT)
            assert isinstance(data, bytes), "server messages come in binary websocket messages"
            self.frames.append(data)
            self.buffer += data
        line, _, self.buffer = self.buffer.partition(b"\n")
        return json.loads(line)

    async def closed(self) -> Close | None:
        """Read until the server closes; its close frame."""
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await asyncio.wait_for(self.ws.recv(), TIMEOUT)
        return closed.value.rcvd


def authenticate(bearer: object) -> dict:
    return {"type": "authenticate", "credentials": {"bearer_token": bearer}}


def subscribe(tables: object = "all") -> dict:
    return {"type": "subscribe", "tables": tables}


async def subscribed(url: str, bearer: str, tables: object = "all", **kwargs) -> Client:
    """A client past the subscribe response, having sent authenticate and subscribe back to back."""
    client = Client(await open_ws(url, **kwargs))
    await client.send(authenticate(bearer), subscribe(tables))
    assert (await client.message()) == {"type": "authenticate_response", "success": True}
    response = await client.message()
    assert response["type"] == "subscribe_response" and response["success"] is True, response
    return client


def wire(state: LiveState, table: str) -> dict:
    """A table as the real-time API shows it: the archive-only fields left out."""
    return {str(i): realtime_row(table, row) for i, row in state.rows(table).items()}


def until(predicate, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.005)


async def a_until(predicate, timeout: float = TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.005)


# -- connection: the subprotocol


@pytest.mark.parametrize("raw", [False, True], ids=["url-encoded", "raw"])
def test_subprotocol_is_accepted_in_either_form_and_echoed_as_sent(appliance, served, raw):
    url, _ = served

    async def scenario():
        client = await subscribed(url, token(appliance), raw=raw)
        expected = RAW if raw else ENCODED
        assert client.ws.response.headers["Sec-WebSocket-Protocol"] == expected
        assert client.ws.subprotocol == expected
        assert (await client.message())["type"] == "model_update"
        await client.ws.close()

    asyncio.run(scenario())


@pytest.mark.parametrize("subprotocols", [None, ["chat"], ["ingredi%20state"]])
def test_connection_without_the_subprotocol_is_refused(served, subprotocols):
    url, _ = served

    async def scenario():
        with pytest.raises(InvalidStatus) as refused:
            await connect(url, subprotocols=subprotocols, open_timeout=TIMEOUT)
        assert refused.value.response.status_code == 400
        assert b"ingredi" in refused.value.response.body

    asyncio.run(scenario())


# -- authentication and subscription phases


def test_phases_in_order_with_the_guides_messages(appliance, served, clock):
    url, _ = served

    async def scenario():
        client = Client(await open_ws(url))
        await client.send(authenticate(token(appliance)))
        assert (await client.message()) == {"type": "authenticate_response", "success": True}
        await client.send(subscribe(["queue"]))
        assert (await client.message()) == {
            "type": "subscribe_response",
            "timestamp": int(clock.now()),
            "success": True,
        }
        assert (await client.message()) == {
            "type": "model_update",
            "insert": {"queue": wire(appliance.state, "queue")},
        }
        await client.ws.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "frames",
    [
        "one text message",
        "one binary message",
        "split mid-message",
        "byte by byte",
    ],
)
def test_authenticate_and_subscribe_back_to_back(appliance, served, frames):
    url, _ = served
    payload = (
        json.dumps(authenticate(token(appliance))) + "\n" + json.dumps(subscribe(["queue"])) + " \n"
    ).encode()
    chunks = {
        "one text message": [payload.decode()],
        "one binary message": [payload],
        "split mid-message": [payload[:10], payload[10:70], payload[70:]],
        "byte by byte": [payload[i : i + 1] for i in range(len(payload))],
    }[frames]

    async def scenario():
        client = Client(await open_ws(url))
        for chunk in chunks:
            await client.ws.send(chunk)
        assert (await client.message())["success"] is True
        assert (await client.message())["type"] == "subscribe_response"
        assert (await client.message())["insert"] == {"queue": wire(appliance.state, "queue")}
        await client.ws.close()

    asyncio.run(scenario())


async def refused(client: Client, response_type: str, code: int = 1008) -> str:
    response = await client.message()
    assert response["type"] == response_type
    assert response["success"] is False
    assert isinstance(response["reason"], str) and response["reason"]
    if response_type == "subscribe_response":
        assert isinstance(response["timestamp"], int)
    close = await client.closed()
    assert close is not None and close.code == code
    return response["reason"]


@pytest.mark.parametrize(
    "message",
    [
        subscribe(),
        {"type": "model_update"},
        {"type": "authenticate"},
        {"type": "authenticate", "credentials": "secret"},
        {"type": "authenticate", "credentials": {"bearer_token": 42}},
        {"type": "authenticate", "credentials": {"bearer_token": ""}},
        {"type": "authenticate", "credentials": {"username": "admin", "password": "x"}},
        {"type": 1},
        {"kind": "authenticate"},
    ],
)
def test_malformed_or_out_of_order_authentication_is_refused(served, message):
    url, _ = served

    async def scenario():
        client = Client(await open_ws(url))
        await client.send(message)
        await refused(client, "authenticate_response")

    asyncio.run(scenario())


@pytest.mark.parametrize("case", ["no permission", "bad token", "expired token", "revoked token"])
def test_authentication_failures(appliance, served, clock, case):
    url, _ = served
    bearer = token(appliance, "reporting_only" if case == "no permission" else "real_time_only")
    if case == "bad token":
        bearer = "not-a-token"
    elif case == "expired token":
        clock.advance(3600)
    elif case == "revoked token":
        appliance.regenerate_secret(appliance.account("real_time_only").client_id)

    async def scenario():
        client = Client(await open_ws(url))
        await client.send(authenticate(bearer), subscribe())  # the subscribe is never answered
        reason = await refused(client, "authenticate_response")
        assert ("permission" in reason) == (case == "no permission")

    asyncio.run(scenario())


def test_a_token_just_before_expiry_still_authenticates(appliance, served, clock):
    url, _ = served
    bearer = token(appliance)
    clock.advance(3599)

    async def scenario():
        client = await subscribed(url, bearer)
        await client.ws.close()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    "message",
    [
        authenticate("again"),
        subscribe("ALL"),
        subscribe([]),
        subscribe(["queue", "no_such_table"]),
        subscribe([1]),
        subscribe({"queue": True}),
        {"type": "subscribe"},
    ],
)
def test_malformed_or_out_of_order_subscription_is_refused(appliance, served, message):
    url, _ = served

    async def scenario():
        client = Client(await open_ws(url))
        await client.send(authenticate(token(appliance)), message)
        assert (await client.message())["success"] is True
        await refused(client, "subscribe_response")

    asyncio.run(scenario())


def test_no_message_is_expected_after_subscribe(appliance, served):
    url, service = served

    async def scenario():
        client = await subscribed(url, token(appliance), ["queue"])
        await client.message()  # the full copy
        await client.send(subscribe(["representative"]))
        close = await client.closed()
        assert close.code == 1008 and "after subscribe" in close.reason

    asyncio.run(scenario())
    until(lambda: not service.subscribers)


def test_a_silent_client_is_told_and_closed(appliance):
    with serving(appliance, Limits(handshake_timeout_s=0.2)) as (url, _):

        async def scenario():
            client = Client(await open_ws(url))
            assert "time" in await refused(client, "authenticate_response")
            client = Client(await open_ws(url))
            await client.send(authenticate(token(appliance)))
            assert (await client.message())["success"] is True
            await refused(client, "subscribe_response")

        asyncio.run(scenario())


# -- full copies and model updates


@pytest.mark.parametrize("table", list(TABLES))
def test_subscribing_to_a_table_sends_a_full_copy_of_it(appliance, served, table):
    url, _ = served
    assert appliance.state.count(table) > 0

    async def scenario():
        client = await subscribed(url, token(appliance), [table])
        assert (await client.message()) == {
            "type": "model_update",
            "insert": {table: wire(appliance.state, table)},
        }
        await client.ws.close()

    asyncio.run(scenario())


def test_subscribing_to_all_sends_every_table_in_one_message(appliance, served):
    url, _ = served

    async def scenario():
        client = await subscribed(url, token(appliance))
        copy = await client.message()
        assert copy == {"type": "model_update", "insert": {t: wire(appliance.state, t) for t in TABLES}}
        row = copy["insert"]["support_session"][str(appliance.ids["session"])]
        assert row["queue_id"] == appliance.ids["team_general"]  # references are integers
        assert (
            copy["insert"]["queue"][str(appliance.ids["team_general"])]["support_team_id"] == "1"
        )  # [string]
        assert copy["insert"]["customer_client"][str(appliance.ids["customer_client"])]["elevated"] == 0
        await client.ws.close()

    asyncio.run(scenario())


def test_an_empty_model_sends_no_full_copy(appliance, served):
    url, _ = served
    appliance.state.truncate()

    async def scenario():
        client = await subscribed(url, token(appliance))
        appliance.state.insert("queue", {"name": "Late", "type": "prewait"})
        assert (await client.message())["insert"].keys() == {"queue"}  # the first message is the update
        await client.ws.close()

    asyncio.run(scenario())


def test_model_updates_for_insert_update_delete_and_truncate(appliance, served):
    url, _ = served
    state, ids = appliance.state, appliance.ids

    async def scenario():
        client = await subscribed(url, token(appliance))
        await client.message()  # the full copy

        session = state.insert(
            "support_session",
            {
                "estimated_pickup_timestamp": 1,
                "lsid": "feed",
                "priority": 1,
                "public_site_id": 1,
                "public_site_name": "Default",
                "queue_entry_timestamp": 1,
                "queue_id": ids["team_escalations"],
                "start_method": "session_key",
            },
        )
        update = await client.message()
        assert update == {
            "type": "model_update",
            "insert": {"support_session": {str(session): state.get("support_session", session)}},
        }

        state.update("representative", ids["rep_alice"], {"routing_idle": 1, "username": "alice"})
        update = await client.message()
        assert update == {
            "type": "model_update",
            "update": {"representative": {str(ids["rep_alice"]): {"routing_idle": 1}}},
        }

        state.delete("support_session", ids["session"])  # cascades to its client, attribute, skill, rep link
        update = await client.message()
        assert update == {
            "type": "model_update",
            "delete": {
                "support_session": [str(ids["session"])],
                "customer_client": [str(ids["customer_client"])],
                "support_session_attribute": [str(ids["attribute"])],
                "support_session_skill": [str(ids["skill"])],
                "representative_support_session": [str(ids["rep_session"])],
            },
        }

        with state.transaction() as tx:  # one commit, one message with all three sections
            queue = tx.insert(
                "queue", {"name": "Night", "code_name": "night", "support_team_id": "3", "type": "team"}
            )
            tx.update("queue", ids["team_general"], {"name": "General"})
            tx.delete("support_session", session)
        update = await client.message()
        assert update == {
            "type": "model_update",
            "insert": {"queue": {str(queue): state.get("queue", queue)}},
            "update": {"queue": {str(ids["team_general"]): {"name": "General"}}},
            "delete": {"support_session": [str(session)]},
        }

        state.truncate()
        assert (await client.message()) == {"type": "truncate_model"}
        await client.ws.close()

    asyncio.run(scenario())


def test_updates_follow_the_subscribed_tables_and_truncate_reaches_everyone(appliance, served):
    url, _ = served
    state, ids = appliance.state, appliance.ids

    async def scenario():
        client = await subscribed(url, token(appliance), ["queue"])
        await client.message()  # the full copy
        state.update("representative", ids["rep_bob"], {"routing_busy": 1})  # not subscribed: nothing
        state.update("queue", ids["team_general"], {"name": "Renamed"})
        assert (await client.message())["update"] == {
            "queue": {str(ids["team_general"]): {"name": "Renamed"}}
        }
        with state.transaction() as tx:
            tx.update("representative", ids["rep_bob"], {"routing_busy": 0})
            tx.update("queue", ids["team_general"], {"name": "General"})
        assert (await client.message())["update"].keys() == {"queue"}
        state.truncate()
        assert (await client.message()) == {"type": "truncate_model"}
        await client.ws.close()

    asyncio.run(scenario())


def test_a_replica_built_from_the_stream_matches_the_model(appliance, served):
    """Changes made from another thread while subscribing are neither lost nor repeated."""
    url, _ = served
    state, ids = appliance.state, appliance.ids
    stop = threading.Event()

    def churn() -> None:
        n = 0
        while not stop.is_set():
            n += 1
            state.update("representative", ids["rep_alice"], {"skill_code_names": f"s{n}"})
            sid = state.insert(
                "support_session_skill", {"code_name": f"k{n}", "support_session_id": ids["session"]}
            )
            if n % 2:
                state.delete("support_session_skill", sid)

    async def scenario() -> dict:
        replica: dict[str, dict] = {t: {} for t in TABLES}
        mutator = threading.Thread(target=churn)
        mutator.start()
        try:
            await asyncio.sleep(0.05)
            client = await subscribed(url, token(appliance))  # while the model changes
            await asyncio.sleep(0.1)
        finally:
            stop.set()
            mutator.join()
        marker = state.insert("queue", {"name": "marker", "type": "prewait"})
        while str(marker) not in replica["queue"]:
            apply(replica, await client.message())
        await client.ws.close()
        return replica

    def apply(replica: dict, message: dict) -> None:
        assert message["type"] == "model_update"
        for table, rows in message.get("insert", {}).items():
            for i, row in rows.items():
                assert i not in replica[table], "insert of an existing row"
                replica[table][i] = dict(row)
        for table, rows in message.get("update", {}).items():
            for i, row in rows.items():
                replica[table][i].update(row)
        for table, deleted in message.get("delete", {}).items():
            for i in deleted:
                del replica[table][i]

    replica = asyncio.run(scenario())
    assert replica == {t: wire(state, t) for t in TABLES}


def test_a_large_update_is_split_across_websocket_messages(appliance):
    state, ids = appliance.state, appliance.ids
    with serving(appliance, Limits(frame_bytes=1000)) as (url, _):

        async def scenario():
            client = await subscribed(url, token(appliance), ["representative"])
            copy = await client.message()
            assert copy["insert"]["representative"] == wire(state, "representative")
            client.frames.clear()
            big = "x" * 5000 + "\u00e9\u4e2d"  # non-ASCII travels \\u-escaped, so any split point is safe
            state.update("representative", ids["rep_bob"], {"private_display_name": big})
            update = await client.message()
            assert update["update"]["representative"][str(ids["rep_bob"])]["private_display_name"] == big
            assert len(client.frames) > 5
            assert all(len(f) <= 1000 for f in client.frames)
            assert [f.endswith(b"\n") for f in client.frames] == [False] * (len(client.frames) - 1) + [True]
            await client.ws.close()

        asyncio.run(scenario())


# -- limits


def test_at_most_thirty_integrations_receive_updates(appliance, served):
    url, service = served
    bearer = token(appliance)

    until(lambda: not service.subscribers)  # the connections of earlier tests are gone

    async def scenario():
        clients = await asyncio.gather(*(subscribed(url, bearer, ["queue"]) for _ in range(30)))
        assert len(service.subscribers) == 30
        late = Client(await open_ws(url))
        await late.send(authenticate(bearer), subscribe(["queue"]))
        assert (await late.message())["success"] is True  # authentication is not limited
        reason = await refused(late, "subscribe_response", code=1013)
        assert "30" in reason
        # The thirty still get their updates.
        appliance.state.update("queue", appliance.ids["team_general"], {"name": "Busy"})
        for client in clients:
            await client.message()  # the full copy
            assert (await client.message())["update"]["queue"][str(appliance.ids["team_general"])] == {
                "name": "Busy"
            }
        # A slot freed is a slot taken.
        await clients.pop().ws.close()
        await a_until(lambda: len(service.subscribers) == 29)
        clients.append(await subscribed(url, bearer, ["queue"]))
        assert len(service.subscribers) == 30
        for client in clients:
            await client.ws.close()

    asyncio.run(scenario())
    until(lambda: not service.subscribers)


def test_a_consumer_too_far_behind_is_disconnected(appliance):
    state, ids = appliance.state, appliance.ids
    with serving(appliance, Limits(max_backlog_bytes=256 << 10)) as (url, service):

        async def scenario():
            # max_queue=1: the client library stops reading the socket while a message waits for us;
            # no compression, or the repetitive updates below would shrink a thousandfold on the wire.
            slow = await subscribed(url, token(appliance), ["representative"], max_queue=1, compression=None)
            live = await subscribed(url, token(appliance), ["representative"], compression=None)
            await live.message()  # the full copy
            blob = "y" * (64 << 10)
            for n in range(4000):  # at most 256 MiB, far more than loopback socket buffers hold
                state.update("representative", ids["rep_bob"], {"private_display_name": f"{n}{blob}"})
                await live.message()  # lockstep: the model changes no faster than a live consumer reads
                if len(service.subscribers) < 2:
                    break
            assert len(service.subscribers) == 1
            close = await slow.closed()
            assert close is not None and close.code == 1008 and "behind" in close.reason
            # The server and the live integration carry on.
            state.update("representative", ids["rep_bob"], {"private_display_name": "Bob"})
            assert (await live.message())["update"]["representative"][str(ids["rep_bob"])] == {
                "private_display_name": "Bob"
            }
            await live.ws.close()

        asyncio.run(scenario())


# -- hostile input


HOSTILE = {
    "garbage bytes": b"\x00\xff\xfe garbage \x80\n",
    "invalid json": b"{type: authenticate}\n",
    "json array": b'["authenticate"]\n',
    "json string": b'"authenticate"\n',
    "deep nesting": b"[" * 50_000 + b"\n",
    "huge number": b'{"type": "authenticate", "n": ' + b"9" * 20_000 + b"}\n",
    "null type": b'{"type": null}\n',
    "no newline, too long": b"{" * (70 << 10),
    "too long with newline": b'{"type": "authenticate", "pad": "' + b"p" * (70 << 10) + b'"}\n',
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_is_refused_without_harm(appliance, served, name):
    url, _ = served

    async def scenario():
        client = Client(await open_ws(url, max_size=None))
        await client.ws.send(HOSTILE[name])
        code = 1009 if "long" in name else 1008
        reason = await refused(client, "authenticate_response", code=code)
        assert "Traceback" not in reason
        await (await subscribed(url, token(appliance))).ws.close()  # the server still serves

    asyncio.run(scenario())


def test_a_frame_beyond_the_servers_size_limit_closes_only_that_connection(appliance, served):
    url, _ = served

    async def scenario():
        client = Client(await open_ws(url, max_size=None))
        with contextlib.suppress(ConnectionClosed):
            await client.ws.send(b"a" * (17 << 20))
        close = await client.closed()
        assert close is None or close.code == 1009
        other = await subscribed(url, token(appliance))
        await other.ws.close()

    asyncio.run(scenario())


def test_clients_vanishing_at_any_phase_do_not_hurt_the_server(appliance, served):
    url, service = served

    async def scenario():
        ws = await open_ws(url)
        await ws.close()
        ws = await open_ws(url)
        await ws.send(json.dumps(authenticate(token(appliance)))[:20])
        await ws.close()
        client = await subscribed(url, token(appliance))
        client.ws.transport.abort()  # no close handshake at all
        await a_until(lambda: not service.subscribers)
        appliance.state.update("queue", appliance.ids["team_general"], {"name": "After"})
        other = await subscribed(url, token(appliance))
        await other.ws.close()

    asyncio.run(scenario())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frames=st.lists(st.one_of(st.binary(max_size=300), st.text(max_size=300)), min_size=1, max_size=4))
def test_random_frames_never_crash_the_server(appliance, served, frames):
    url, _ = served

    async def scenario():
        ws = await open_ws(url)
        with contextlib.suppress(ConnectionClosed):
            for frame in frames:
                await ws.send(frame)
            await ws.send(b"!\n")  # whatever came before, this ends a line that is not JSON
            while True:  # whatever comes back is a newline-terminated JSON response in binary messages
                data = await asyncio.wait_for(ws.recv(), TIMEOUT)
                assert isinstance(data, bytes) and data.endswith(b"\n")
                assert json.loads(data)["type"] in ("authenticate_response", "subscribe_response")
        await ws.close()

    asyncio.run(scenario())

    # ... and it still serves.
    async def healthy():
        await (await subscribed(url, token(appliance))).ws.close()

    asyncio.run(healthy())


# -- the state model


@pytest.fixture
def state(clock) -> LiveState:
    return LiveState(clock)


@pytest.fixture
def seeded(state) -> dict[str, int]:
    return seed_everything(state)


def recorded(state: LiveState, tables=None) -> list[Batch]:
    batches: list[Batch] = []
    state.subscribe(batches.append, tables)
    return batches


# The guide's System State Model: every table and its fields (besides the row id).
GUIDE_TABLES = {
    "customer_client": [
        "client_type", "created_timestamp", "elevated", "hostname", "operating_system", "support_session_id",
    ],
    "queue": ["code_name", "created_timestamp", "name", "support_team_id", "type"],
    "representative": [
        "created_timestamp", "private_display_name", "public_display_name", "queue_id", "routing_available",
        "routing_busy", "routing_enabled", "routing_idle", "skill_code_names", "type", "user_id", "username",
    ],
    "representative_queue": ["created_timestamp", "queue_id", "representative_id", "role"],
    "representative_support_session": ["created_timestamp", "representative_id", "support_session_id"],
    "support_session": [
        "created_timestamp", "customer_company", "customer_company_code", "customer_description",
        "customer_name", "estimated_pickup_timestamp", "issue_code_name", "issue_description", "lsid",
        "primary_team_queue_id", "priority", "public_site_id", "public_site_name", "queue_entry_timestamp",
        "queue_id", "start_method",
    ],
    "support_session_attribute": ["code_name", "created_timestamp", "support_session_id", "value"],
    "support_session_skill": ["code_name", "created_timestamp", "support_session_id"],
    "presentation_session": ["created_timestamp", "lsid", "presentation_name"],
    "attendee": [
        "connected", "created_timestamp", "hostname", "name", "operating_system", "presentation_session_id",
        "private_ip", "public_ip",
    ],
    "presenter": ["created_timestamp", "presentation_session_id", "representative_id"],
}  # fmt: skip


# The archive tables' endpoint fields that the real-time tables do not list: the model holds them (with the
# field's strings), the real-time API leaves them out.
ARCHIVE_ONLY = {
    "customer_client": {"private_ip", "public_ip"},
    "representative": {"hostname", "operating_system", "private_ip", "public_ip"},
}


def test_every_table_and_field_of_the_guide_is_modelled():
    shown = {table: [n for n, f in fields.items() if f.realtime] for table, fields in TABLES.items()}
    assert shown == GUIDE_TABLES
    assert list(TABLES) == list(GUIDE_TABLES)
    hidden = {table: {n for n, f in fields.items() if not f.realtime} for table, fields in TABLES.items()}
    assert {t: names for t, names in hidden.items() if names} == ARCHIVE_ONLY


def test_endpoint_fields_are_field_shaped_strings_and_stay_out_of_the_real_time_rows(state, seeded):
    """Real archives carry strings here (public_ip with a port, IPv6 bracketed, Unknown); the real-time
    tables do not list them, so the real-time API's rows never show them."""
    for table, names in ARCHIVE_ONLY.items():
        for row in state.rows(table).values():
            assert all(isinstance(row[name], str) for name in names)
            row["public_ip"].split(":", 1)  # what a production integration does with every archive row
            assert names.isdisjoint(realtime_row(table, row))
    publics = [r["public_ip"] for t in ARCHIVE_ONLY for r in state.rows(t).values()]
    assert any(p.startswith("[") and "]:" in p for p in publics)  # a bracketed IPv6 address with its port
    assert any(r["private_ip"] == "Unknown" for r in state.rows("representative").values())


def test_rows_are_stored_in_wire_form_with_created_timestamp(state, seeded, clock):
    row = state.get("customer_client", seeded["customer_client"])
    assert row["created_timestamp"] == int(clock.now())
    assert row["elevated"] == 0 and row["support_session_id"] == seeded["session"]
    qid = state.insert("queue", {"name": "X", "type": "prewait", "created_timestamp": 12.7})
    assert state.get("queue", qid)["created_timestamp"] == 12
    rid = state.insert(
        "representative_queue", {"queue_id": qid, "representative_id": seeded["rep_bob"], "role": "manager"}
    )
    assert list(state.get("representative_queue", rid)) == [
        "created_timestamp",
        "queue_id",
        "representative_id",
        "role",
    ]
    assert "code_name" not in state.get("queue", seeded["queue_alice"])  # personal queues have none


@pytest.mark.parametrize(
    "table, fields",
    [
        ("nope", {}),
        ("queue", {"name": "X"}),  # missing type
        ("queue", {"name": "X", "type": "vip"}),
        ("queue", {"name": 5, "type": "team"}),
        ("queue", {"name": "X", "type": "team", "colour": "red"}),
        ("queue", {"name": "X", "type": "personal", "code_name": "x"}),
        (
            "customer_client",
            {
                "client_type": "desktop",
                "elevated": 2,
                "hostname": "h",
                "operating_system": "o",
                "private_ip": "Unknown",
                "public_ip": "198.51.100.1:50000",
                "support_session_id": 1,
            },
        ),
        ("representative_queue", {"queue_id": -1, "representative_id": 1, "role": "member"}),
        ("representative_queue", {"queue_id": True, "representative_id": 1, "role": "member"}),
        ("support_session_skill", {"code_name": "x", "support_session_id": "1"}),
    ],
)
def test_insert_rejects_what_the_schema_does_not_allow(state, seeded, table, fields):
    before = state.snapshot()
    with pytest.raises(StateError):
        state.insert(table, fields)
    assert state.snapshot() == before


def test_insert_or_update_referring_to_a_missing_row_is_rejected(state, seeded):
    batches = recorded(state)
    with pytest.raises(IntegrityError):
        state.insert("support_session_skill", {"code_name": "x", "support_session_id": 999_999})
    with pytest.raises(IntegrityError):
        state.update("representative", seeded["rep_bob"], {"queue_id": 999_999})
    with pytest.raises(IntegrityError):
        state.insert(
            "presenter",
            {"presentation_session_id": seeded["presentation"], "representative_id": seeded["queue_bob"]},
        )
    with pytest.raises(NoSuchRow):
        state.update("queue", 999_999, {"name": "x"})
    with pytest.raises(NoSuchRow):
        state.delete("queue", 999_999)
    with pytest.raises(StateError):
        state.update("queue", seeded["team_general"], {"created_timestamp": 5})
    assert batches == []


def test_deleting_a_queue_that_sessions_or_representatives_point_to_is_refused(state, seeded):
    before = state.snapshot()
    with pytest.raises(IntegrityError, match="support_session"):
        state.delete("queue", seeded["team_general"])
    with pytest.raises(IntegrityError, match="representative"):
        state.delete("queue", seeded["queue_alice"])
    assert state.snapshot() == before


def test_deleting_a_session_cascades_to_the_rows_that_belong_to_it(state, seeded):
    batches = recorded(state)
    deleted = state.delete("support_session", seeded["session"])
    assert sorted(t for t, _ in deleted) == [
        "customer_client", "representative_support_session", "support_session", "support_session_attribute",
        "support_session_skill",
    ]  # fmt: skip
    (batch,) = batches
    assert {c.table for c in batch.changes} == {t for t, _ in deleted}
    assert all(c.kind == "delete" for c in batch.changes)
    assert batch.changes[0].rows[seeded["session"]]["lsid"]  # the row as it was
    assert state.count("customer_client") == 0 and state.count("support_session") == 0


def test_a_representative_logging_out_takes_memberships_and_presenting_along(state, seeded):
    state.delete("representative", seeded["rep_alice"])
    assert state.count("presenter") == 0
    assert [r["representative_id"] for r in state.rows("representative_queue").values()] == [
        seeded["rep_bob"]
    ]
    state.delete("queue", seeded["queue_alice"])  # the personal queue is free to go now
    state.delete("presentation_session", seeded["presentation"])
    assert state.count("attendee") == 0


def test_a_queue_emptied_of_sessions_can_go_and_takes_its_memberships(state, seeded):
    escalations = seeded["team_escalations"]
    state.update(
        "support_session", seeded["session"], {"queue_id": escalations, "primary_team_queue_id": escalations}
    )
    state.delete("queue", seeded["team_general"])
    assert state.count("representative_queue") == 0


def test_a_failed_transaction_changes_and_notifies_nothing(state, seeded):
    batches = recorded(state)
    before = state.snapshot()
    with pytest.raises(IntegrityError), state.transaction() as tx:
        tx.update("queue", seeded["team_general"], {"name": "Changed"})
        tx.delete("support_session", seeded["session"])
        tx.insert("queue", {"name": "New", "type": "prewait"})
        tx.delete("queue", seeded["queue_bob"])  # bob still points at it
    assert state.snapshot() == before
    assert batches == []


def test_a_transaction_publishes_its_net_effect_once(state, seeded):
    batches = recorded(state)
    with state.transaction() as tx:
        q = tx.insert("queue", {"name": "Temp", "type": "prewait"})
        tx.update("queue", q, {"name": "Temp 2"})
        gone = tx.insert("queue", {"name": "Gone", "type": "prewait"})
        tx.delete("queue", gone)
        tx.update("queue", seeded["team_general"], {"name": "A"})
        tx.update("queue", seeded["team_general"], {"name": "B", "code_name": "general"})
    (batch,) = batches
    kinds = {(c.table, c.kind): dict(c.rows) for c in batch.changes}
    assert kinds[("queue", "insert")] == {q: state.get("queue", q)}
    assert kinds[("queue", "update")] == {seeded["team_general"]: {"name": "B"}}
    assert ("queue", "delete") not in kinds
    state.update("queue", q, {"name": "Temp 2"})  # no change, no batch
    assert len(batches) == 1


def test_ids_are_never_reused(state, seeded):
    q = state.insert("queue", {"name": "A", "type": "prewait"})
    state.delete("queue", q)
    assert state.insert("queue", {"name": "B", "type": "prewait"}) > q
    state.truncate()
    assert state.insert("queue", {"name": "C", "type": "prewait"}) > q
    with pytest.raises(StateError):
        state.insert("queue", {"name": "D", "type": "prewait"}, id=q)
    assert (
        state.insert("queue", {"name": "E", "type": "prewait"}, id=18446744073709551615)
        == 18446744073709551615
    )
    with pytest.raises(StateError):
        state.insert("queue", {"name": "F", "type": "prewait"})


def test_truncate_empties_every_table_and_notifies_every_subscriber(state, seeded):
    queue_only = recorded(state, ["queue"])
    everything = recorded(state)
    state.truncate()
    for batches in (queue_only, everything):
        (batch,) = batches
        assert batch.truncated and batch.changes[0].table is None
    assert all(state.count(t) == 0 for t in TABLES)
    with pytest.raises(StateError), state.transaction():
        state.truncate()


def test_subscribers_get_their_tables_only_and_a_failing_one_is_dropped(state, seeded):
    reps = recorded(state, ["representative"])

    def broken(batch):
        raise RuntimeError("listener bug")

    state.subscribe(broken)
    state.update("queue", seeded["team_general"], {"name": "Q"})  # commits despite the broken listener
    state.update("representative", seeded["rep_bob"], {"routing_idle": 1})
    assert state.get("queue", seeded["team_general"])["name"] == "Q"
    assert [c.table for b in reps for c in b.changes] == ["representative"]
    assert [b.seq for b in reps] == [state.seq]
    with pytest.raises(StateError):
        state.subscribe(print, ["no_such_table"])


def test_concurrent_writers_keep_the_model_consistent(state, seeded):
    """Threads mutating at once: every notified change applies cleanly to a replica of the snapshot."""
    sub_batches: list[Batch] = []
    sub = state.subscribe(sub_batches.append)
    replica = {t: {i: dict(r) for i, r in rows.items()} for t, rows in sub.snapshot.items()}

    def writer(k: int) -> None:
        for n in range(200):
            with state.transaction() as tx:
                sid = tx.insert(
                    "support_session_skill",
                    {"code_name": f"{k}-{n}", "support_session_id": seeded["session"]},
                )
                tx.update("representative", seeded["rep_alice"], {"user_id": k * 1000 + n})
            if n % 3 == 0:
                state.delete("support_session_skill", sid)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [b.seq for b in sub_batches] == sorted(b.seq for b in sub_batches)
    for batch in sub_batches:
        for change in batch.changes:
            rows = replica[change.table]
            for i, fields in change.rows.items():
                if change.kind == "insert":
                    assert i not in rows
                    rows[i] = dict(fields)
                elif change.kind == "update":
                    rows[i].update(fields)
                else:
                    del rows[i]
    assert replica == state.snapshot()
