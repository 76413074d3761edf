"""The client's transport against a hostile or broken server: a bounded TargetError with a reason, never a
hang, never an unbounded read; every exchange recorded as evidence; Connection: close by default."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from harness.client import (
    ApplianceClient,
    ArchiveTooLarge,
    Credentials,
    Recorder,
    TargetError,
    TokenCache,
    Transport,
    gunzip_bounded,
)


def serve_raw(handler):
    """A one-connection-at-a-time raw TCP server; handler(conn, request_bytes)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    seen: list[bytes] = []

    def loop():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            with conn:
                data = conn.recv(65536)
                seen.append(data)
                try:
                    handler(conn, data)
                except OSError:
                    pass

    threading.Thread(target=loop, daemon=True).start()
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}", seen


def ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n%b\r\n%b" % (
        len(body),
        extra,
        body,
    )


def test_a_normal_answer_is_read_and_recorded_and_the_connection_closed():
    sock, url, seen = serve_raw(lambda c, _: c.sendall(ok(b"<x/>")))
    recorder = Recorder()
    response = Transport(url, recorder=recorder).request("GET", "/api/command", params={"action": "a"})
    assert response.content == b"<x/>"
    assert b"connection: close" in seen[0].lower()
    (exchange,) = recorder.exchanges
    assert exchange.status == 200 and exchange.response_body == "<x/>" and exchange.url.endswith("?action=a")
    sock.close()


def test_an_oversize_body_is_refused_not_read():
    sock, url, _ = serve_raw(lambda c, _: c.sendall(ok(b"a" * 100_000)))
    with pytest.raises(TargetError, match="larger than 1000 bytes"):
        Transport(url, max_body=1000).request("GET", "/")
    sock.close()


def test_a_server_that_drips_does_not_hang_the_harness():
    def drip(conn, _):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"a")
            time.sleep(0.1)

    sock, url, _ = serve_raw(drip)
    started = time.monotonic()
    with pytest.raises(TargetError, match="not complete within the time limit"):
        Transport(url, read_timeout=0.5).request("GET", "/")
    assert time.monotonic() - started < 5
    sock.close()


def test_a_silent_server_times_out():
    sock, url, _ = serve_raw(lambda c, _: time.sleep(3))
    with pytest.raises(TargetError, match="no response within the read timeout"):
        Transport(url, read_timeout=0.5).request("GET", "/")
    sock.close()


def test_a_closed_port_and_a_garbage_answer_are_target_errors():
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()
    with pytest.raises(TargetError, match="connection failed"):
        Transport(f"http://127.0.0.1:{port}").request("GET", "/")
    sock, url, _ = serve_raw(lambda c, _: c.sendall(b"\x00\x01 not http at all\r\n\r\n"))
    with pytest.raises(TargetError):
        Transport(url).request("GET", "/")
    sock.close()


def test_a_token_endpoint_that_answers_no_token_is_a_target_error_with_a_reason():
    sock, url, _ = serve_raw(lambda c, _: c.sendall(ok(b'{"error": "invalid_client"}')))
    cache = TokenCache(Transport(url), Credentials("id", "secret-value-1"))
    with pytest.raises(TargetError, match="no token for client id: HTTP 200"):
        ApplianceClient(cache.transport, cache).api_info()
    assert "secret-value-1" not in repr(cache.credentials)
    sock.close()


def test_a_gzip_bomb_is_refused():
    import gzip

    bomb = gzip.compress(b"\0" * (4 << 20))
    with pytest.raises(ArchiveTooLarge, match="expands beyond") as e:
        gunzip_bounded(bomb, limit=1 << 20)
    assert not e.value.over_bound
    assert gunzip_bounded(gzip.compress(b"{}")) == b"{}"


def test_past_the_kept_bytes_the_size_is_counted_to_the_bound():
    import gzip

    bomb = gzip.compress(b"\0" * (4 << 20))
    with pytest.raises(ArchiveTooLarge) as e:
        gunzip_bounded(bomb, limit=1 << 20, bound=8 << 20)
    assert (e.value.size, e.value.over_bound) == (4 << 20, False)
    with pytest.raises(ArchiveTooLarge, match="expands beyond 3145728 bytes") as e:
        gunzip_bounded(bomb, limit=1 << 20, bound=3 << 20)
    assert e.value.over_bound and e.value.size > 3 << 20


def test_several_members_and_zero_padding_are_one_file():
    import gzip

    assert gunzip_bounded(gzip.compress(b"ab") + gzip.compress(b"cd") + b"\0" * 8) == b"abcd"


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"plain", "not an intact gzip file at byte 5 (incorrect header check)"),
        (b"", "truncated"),
        ("truncated", "truncated"),
        ("corrupt", "not an intact gzip file"),
        ("crc", "incorrect data check"),
        ("garbage", "bytes after the end of the gzip data are not another gzip member"),
    ],
)
def test_a_damaged_gzip_is_the_harness_s_own_error(data, reason):
    """Issue 15: a corrupt archive escaped as zlib.error; every defect is a TargetError in our words."""
    import gzip

    good = gzip.compress(b"{" + b'"a": 1, ' * 5000 + b"}")
    data = {
        "truncated": good[: len(good) // 2],
        "corrupt": good[:10] + bytes(b ^ 0x5A for b in good[10:40]) + good[40:],
        "crc": good[:-8] + bytes(4 * [0]) + good[-4:],
        "garbage": good + b"trailing",
    }.get(data, data)
    with pytest.raises(TargetError, match=reason.replace("(", r"\(").replace(")", r"\)")) as e:
        gunzip_bounded(data)
    assert type(e.value) is TargetError and "Error -3" not in str(e.value)
