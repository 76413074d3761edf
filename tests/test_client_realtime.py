"""The real-time client: the tolerant subprotocol handshake, split-message reassembly, bounds and deadlines,
redacted evidence, and the Mirror's copy of the model; against tiny websocket servers on loopback."""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeader, NegotiationError
from websockets.sync.server import ServerConnection, serve

from harness.appliance.tls import certificate
from harness.client.http import Recorder
from harness.client.realtime import (
    ENCODED,
    MAX_ID,
    RAW,
    Mirror,
    RealtimeClient,
    RealtimeClosed,
    RealtimeError,
    RealtimeRefused,
    Reassembler,
    ServerMessage,
    row_id,
    tolerant_subprotocol,
    ws_url,
)
from harness.redact import MASK

TOKEN = "tok-" + "s3cr3t" * 4
OFFERED: list[str | None] = []  # what clients offered, newest last
DONE = threading.Event()  # set when a test's server shuts down: handlers waiting on it return


# -- a tiny appliance --------------------------------------------------------------------------------------


@contextlib.contextmanager
def server(
    handler: Callable[[ServerConnection], None], answer: str | None = RAW, status: int | None = None
) -> Iterator[str]:
    """A websocket server on loopback answering the subprotocol as `answer` (raw by default, which the
    websockets client refuses), or refusing the handshake with `status`; yields its http:// base URL."""

    def process_request(connection, request):
        if status is not None:
            return connection.respond(status, "the subprotocol 'ingredi state api' is required\n")
        # the websockets server refuses the raw form too: keep what was offered and hide it from the server
        OFFERED.append(request.headers.get("Sec-WebSocket-Protocol"))
        del request.headers["Sec-WebSocket-Protocol"]
        return None

    def process_response(connection, request, response):
        if answer is not None:
            response.headers["Sec-WebSocket-Protocol"] = answer

    def guarded(connection: ServerConnection) -> None:
        with contextlib.suppress(Exception):
            handler(connection)

    with serve(
        guarded, "127.0.0.1", 0, process_request=process_request, process_response=process_response
    ) as srv:
        thread = threading.Thread(target=srv.serve_forever, daemon=True)
        thread.start()
        DONE.clear()
        try:
            yield f"http://127.0.0.1:{srv.socket.getsockname()[1]}"
        finally:
            DONE.set()
            srv.shutdown()
            thread.join(5)


def appliance(connection: ServerConnection) -> None:
    """authenticate → answer; subscribe → answer split in three binary parts; a model_update sharing a part
    with the next one; then a close 1008."""
    connection.recv(timeout=5)
    connection.send(b'{"type":"authenticate_response","success":true}\n')
    connection.recv(timeout=5)
    connection.send(b'{"type":"subscribe_')
    connection.send(b'response","timestamp":1700000000,')
    connection.send(b'"success":true}\n')
    connection.send(
        b'{"type":"model_update","insert":{"queue":{"1":{"name":"General","type":"team"}}}}\n{"type":'
    )
    connection.send(b'"truncate_model"}\n')
    time.sleep(0.2)
    connection.close(1008, "no client message is expected after subscribe")


# -- the handshake ------------------------------------------------------------------------------------------


def test_tolerant_subprotocol_accepts_both_forms():
    assert tolerant_subprotocol(Headers({"Sec-WebSocket-Protocol": ENCODED})) == ENCODED
    assert tolerant_subprotocol(Headers({"Sec-WebSocket-Protocol": RAW})) == RAW
    assert tolerant_subprotocol(Headers()) is None


def test_tolerant_subprotocol_refuses_another_or_several():
    with pytest.raises(NegotiationError):
        tolerant_subprotocol(Headers({"Sec-WebSocket-Protocol": "chat"}))
    with pytest.raises(InvalidHeader):
        tolerant_subprotocol(Headers([("Sec-WebSocket-Protocol", RAW), ("Sec-WebSocket-Protocol", ENCODED)]))


@pytest.mark.parametrize("answer", [RAW, ENCODED])
@pytest.mark.parametrize("offered", [ENCODED, RAW])
def test_either_answer_is_accepted_and_recorded(offered, answer):
    with server(appliance, answer=answer) as url, RealtimeClient(url, subprotocol=offered) as client:
        assert client.subprotocol == answer
        assert client.authenticate(TOKEN).data == {"type": "authenticate_response", "success": True}
    assert OFFERED[-1] == offered


def test_an_answer_in_the_other_form_is_coped_with_and_the_mismatch_is_visible():
    """RFC 6455 §4.1 (and the websockets client) would fail a raw answer to the URL-encoded offer; the harness's
    client connects all the same, so the rest can be tested, and shows both forms for RT-PROTO-027."""
    recorder = Recorder()
    with server(appliance, answer=RAW) as url, RealtimeClient(url, recorder=recorder) as client:
        assert client.authenticate(TOKEN).data == {"type": "authenticate_response", "success": True}
        assert (client.offered, client.subprotocol) == (ENCODED, RAW)
    assert OFFERED[-1] == ENCODED
    evidence = recorder.exchanges[0].redacted()
    assert evidence["request"]["headers"]["Sec-WebSocket-Protocol"] == ENCODED
    assert evidence["response"]["headers"]["Sec-WebSocket-Protocol"] == RAW


def test_a_failed_handshake_still_shows_the_offer():
    recorder = Recorder()
    with server(appliance, status=400) as url, pytest.raises(RealtimeRefused):
        RealtimeClient(url, subprotocol=RAW, recorder=recorder).connect()
    assert recorder.exchanges[0].request_headers == {"Sec-WebSocket-Protocol": RAW}


def test_another_subprotocol_answer_fails_the_handshake():
    with server(appliance, answer="chat") as url, pytest.raises(RealtimeRefused, match="subprotocol"):
        RealtimeClient(url).connect()


def test_a_refused_handshake_says_its_status_and_body():
    with server(appliance, status=400) as url, pytest.raises(RealtimeRefused) as refused:
        RealtimeClient(url).connect()
    assert refused.value.status == 400
    assert "ingredi state api" in str(refused.value)


def test_no_server_is_a_realtime_error():
    with pytest.raises(RealtimeError, match="connection"):
        RealtimeClient("http://127.0.0.1:9", open_timeout=2).connect()


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory) -> tuple[Path, Path]:
    return certificate(tmp_path_factory.mktemp("tls"), "127.0.0.1")


@contextlib.contextmanager
def tls_server(cert: Path, key: Path) -> Iterator[str]:
    """server() over TLS; yields its https:// base URL."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with serve(appliance, "127.0.0.1", 0, ssl=context, process_response=_answer_raw) as srv:
        thread = threading.Thread(target=srv.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"https://127.0.0.1:{srv.socket.getsockname()[1]}"
        finally:
            srv.shutdown()
            thread.join(5)


def _answer_raw(connection, request, response):
    response.headers["Sec-WebSocket-Protocol"] = RAW


def test_tls_follows_the_targets_verify_setting(tls_files):
    cert, key = tls_files
    with tls_server(cert, key) as url:
        assert url.startswith("https://")
        with RealtimeClient(url, verify=str(cert)) as client:  # the CA bundle that signed it
            assert (
                client.url.startswith("wss://") and client.authenticate(TOKEN).type == "authenticate_response"
            )
        with RealtimeClient(url, verify=False) as client:  # explicitly insecure
            assert client.subprotocol == RAW
        with pytest.raises(RealtimeError, match="CERTIFICATE_VERIFY_FAILED|TLS"):
            RealtimeClient(url, verify=True).connect()  # the system CAs do not know it
    with pytest.raises(RealtimeError, match="CA bundle"):
        RealtimeClient(url, verify=str(cert.parent / "missing.pem")).connect()


def test_ws_url():
    assert ws_url("https://support.example.com/") == "wss://support.example.com/nw"
    assert ws_url("http://127.0.0.1:8080") == "ws://127.0.0.1:8080/nw"
    with pytest.raises(ValueError):
        ws_url("ftp://x")


# -- messages -----------------------------------------------------------------------------------------------


def test_phases_split_messages_and_close_over_a_real_socket():
    recorder = Recorder()
    with server(appliance) as url, RealtimeClient(url, recorder=recorder) as client:
        assert client.authenticate(TOKEN).type == "authenticate_response"
        answer = client.subscribe("all")
        assert answer.data == {"type": "subscribe_response", "timestamp": 1700000000, "success": True}
        assert answer.parts == 3 and answer.text_parts == 0
        update = client.receive()
        truncate = client.receive()
        assert update.type == "model_update" and update.shared_part
        assert truncate.data == {"type": "truncate_model"} and truncate.parts == 2
        with pytest.raises(RealtimeClosed) as closed:
            client.receive(timeout=5)
        assert closed.value.code == 1008 and "after subscribe" in closed.value.close_reason
    evidence = recorder.exchanges[0].redacted()
    assert TOKEN not in str(evidence) and MASK in evidence["request"]["body"]
    assert '"authenticate_response"' in evidence["response"]["body"]
    assert "closed: code 1008" in evidence["response"]["body"]


def test_a_silent_server_does_not_hang_the_client():
    def silent(connection: ServerConnection) -> None:
        DONE.wait(5)

    with server(silent) as url, RealtimeClient(url, timeout=0.3) as client:
        started = time.monotonic()
        with pytest.raises(RealtimeError, match="no message"):
            client.receive()
        assert client.poll(0.1) is None
        assert time.monotonic() - started < 2


def test_a_message_without_end_is_bounded():
    def endless(connection: ServerConnection) -> None:
        for _ in range(20):
            connection.send(b"x" * 200)
        DONE.wait(5)

    with (
        server(endless) as url,
        RealtimeClient(url, max_message=1000) as client,
        pytest.raises(RealtimeError, match="exceeds 1000 bytes"),
    ):
        client.receive(timeout=5)


def test_a_close_in_the_middle_of_a_message_is_said():
    def cut(connection: ServerConnection) -> None:
        connection.send(b'{"type":"model_')
        connection.close(1000)

    with (
        server(cut) as url,
        RealtimeClient(url) as client,
        pytest.raises(RealtimeClosed, match="without its newline"),
    ):
        client.receive(timeout=5)


def test_text_messages_are_counted():
    def text(connection: ServerConnection) -> None:
        connection.send('{"type":"authenticate_response","success":true}\n')
        DONE.wait(5)

    with server(text) as url, RealtimeClient(url) as client:
        assert client.receive(timeout=5).text_parts == 1


def test_follow_applies_messages_until_a_condition():
    with server(appliance) as url, RealtimeClient(url) as client:
        client.authenticate(TOKEN)
        client.subscribe("all")
        mirror = Mirror()
        assert client.follow(mirror, seconds=5, until=lambda m: bool(m.table("queue")))
        assert mirror.table("queue") == {"1": {"name": "General", "type": "team"}}


# -- reassembly ---------------------------------------------------------------------------------------------


def test_reassembly_of_parts_and_of_several_messages_in_one():
    r = Reassembler()
    r.feed(b'{"type":"a",')
    r.feed(b'"x":1}')
    assert not r.ready and r.pending
    r.feed(b'\n{"type":"b"}\n\n{"type":')
    r.feed('"c"}\r\n')
    got = list(r.ready)
    assert [m.data["type"] for m in got] == ["a", "b", "c"]
    assert [m.parts for m in got] == [3, 1, 2]
    assert got[2].text_parts == 1 and got[0].text_parts == 0
    assert all(m.shared_part for m in got)
    assert r.pending == 0


def test_reassembly_bounds_a_message():
    r = Reassembler(max_message=10)
    with pytest.raises(RealtimeError):
        r.feed(b"01234567890123")


def test_a_message_that_is_not_json_says_why():
    bad = ServerMessage(b'{"type": nope}')
    assert bad.data is None and bad.error.startswith("not JSON")
    assert ServerMessage(b"\xff\xfe").error == "not UTF-8"
    assert ServerMessage(b"[" * 100000).error is not None


# -- the mirror ---------------------------------------------------------------------------------------------


def update(**sections) -> dict:
    return {"type": "model_update", **sections}


def test_row_ids():
    assert row_id("12") == "12" and row_id(12) == "12" and row_id(str(MAX_ID)) == str(MAX_ID)
    for bad in ("-1", "1.5", "x", True, None, MAX_ID + 1, str(MAX_ID + 1), 1.0):
        assert row_id(bad) is None, bad


def test_mirror_applies_a_good_sequence():
    seen: list[tuple] = []
    m = Mirror(on_row=lambda *args: seen.append(args))
    q = {"name": "General", "type": "team"}
    assert m.apply(update(insert={"queue": {"1": q, "2": {"name": "P", "type": "personal"}}})) == []
    assert m.apply(update(update={"queue": {"1": {"name": "Gen"}}}, delete={"queue": ["2"]})) == []
    assert m.table("queue") == {"1": {"name": "Gen", "type": "team"}}
    m.mark()
    assert m.apply(update(delete={"queue": [1]})) == []
    assert m.touched == {"queue": {"1": {"delete"}}} and m.gone["queue"]["1"]["name"] == "Gen"
    assert m.apply({"type": "truncate_model"}) == []
    assert m.apply(update(insert={"queue": {"1": q}})) == []  # a truncate may start a new lifetime
    assert m.messages == 5 and m.truncations == 1 and not m.problems
    assert [s[3] for s in seen] == ["insert", "insert", "update", "insert"]
    assert m.find("queue", type="team") == [("1", q)]


@pytest.mark.parametrize(
    "messages, kind, text",
    [
        (
            [update(update={"queue": {"9": {"name": "x"}}})],
            "rows",
            "update of queue 9, a row not in the model",
        ),
        ([update(delete={"queue": ["9"]})], "rows", "delete of queue 9, a row not in the model"),
        (
            [update(insert={"queue": {"1": {}}}), update(insert={"queue": {"1": {}}})],
            "rows",
            "insert of queue 1, already in the model",
        ),
        (
            [
                update(insert={"queue": {"1": {}}}),
                update(delete={"queue": ["1"]}),
                update(insert={"queue": {"1": {}}}),
            ],
            "ids",
            "an id already used",
        ),
        ([update(insert={"queue": {"a1": {}}})], "ids", "'a1' is not an integer id"),
        ([update(delete={"queue": [-3]})], "ids", "-3 is not an integer id"),
        ([update(insert={"attendee": {"1": {}}})], "tables", "'attendee', which was not subscribed"),
        ([update()], "shape", "none of insert, update and delete"),
        ([update(insert=[])], "shape", "insert is not an object of tables"),
        ([update(insert={"queue": {"1": "x"}})], "shape", "is not an object of fields"),
        ([update(delete={"queue": "1"})], "shape", "not an array of row ids"),
        (
            [{"type": "subscribe_response", "success": True}],
            "phase",
            "expected model_update or truncate_model",
        ),
        ([["not", "an", "object"]], "shape", 'not a JSON object with a string "type"'),
        ([ServerMessage(b"{nope")], "shape", "not JSON"),
    ],
)
def test_mirror_records_what_it_cannot_apply(messages, kind, text):
    m = Mirror(subscribed=["queue"])
    for message in messages:
        m.apply(message)
    assert m.problems, "no problem recorded"
    assert m.problems[-1].kind == kind and text in m.problems[-1].text, m.problems


def test_mirror_keeps_problems_bounded():
    m = Mirror()
    for _ in range(Mirror.KEEP_PROBLEMS + 50):
        m.apply(update())
    assert len(m.problems) == Mirror.KEEP_PROBLEMS and m.problem_count == Mirror.KEEP_PROBLEMS + 50
