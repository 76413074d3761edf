"""Running the appliance: `rs-harness serve`, and in-process for tests (uvicorn in a thread)."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import uvicorn

from harness.appliance.app import Appliance, create_app
from harness.appliance.target_file import write_target_file
from harness.appliance.tls import certificate


def _uvicorn_config(app, host: str, port: int, **extra) -> uvicorn.Config:
    # The websockets-legacy implementation is chosen on purpose (see ws= below): its deprecation notice would
    # only alarm users of `rs-harness serve`.
    warnings.filterwarnings("ignore", message="The `websockets` implementation is deprecated")
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        ws="uvicorn.protocols.websockets.websockets_impl:WebSocketProtocol",  # sansio refuses raw subprotocol
        lifespan="on",
        **extra,
    )


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns Nagle off (TCP_NODELAY) only on accepted sockets whose proto says
    # TCP; with proto 0 every small response waits for the client's delayed ACK (about 40 ms a request).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # connections queue from now on, so "listening on" is true when it is printed
    return sock


def _url(scheme: str, host: str, port: int) -> str:
    return f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"


def serve(appliance: Appliance, host: str = "127.0.0.1", port: int = 0, tls: bool = False) -> None:
    """Serve until interrupted; the first line printed is `listening on <base URL>`, the second
    `target file: <data>/target.toml` (a target file for certify, see harness.appliance.target_file)."""
    sock = _bind(host, port)
    extra = {}
    if tls:
        cert, key = certificate(appliance.config.data_dir, host)
        extra = {"ssl_certfile": str(cert), "ssl_keyfile": str(key)}
    url = _url("https" if tls else "http", host, sock.getsockname()[1])
    print(f"listening on {url}", flush=True)
    try:  # a ready target file for `rs-harness certify --target-file` (second line: where it is)
        target_file = write_target_file(
            appliance.config.data_dir,
            url,
            appliance.accounts,
            Path(extra["ssl_certfile"]) if tls else None,
            legacy=appliance.config.legacy,
        )
        print(f"target file: {target_file}", flush=True)
    except OSError as exc:
        print(f"target file: not written ({exc})", flush=True)
    print(f"data: {appliance.config.data_dir} (API accounts in {appliance.accounts_file})", flush=True)
    if tls:
        print(f"tls certificate: {extra['ssl_certfile']}", flush=True)
    server = uvicorn.Server(_uvicorn_config(create_app(appliance), host, sock.getsockname()[1], **extra))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        sys.stdout.flush()


@contextlib.contextmanager
def running(appliance: Appliance, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve the appliance on a free loopback port in a background thread; yield its base URL."""
    sock = _bind(host, 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(_uvicorn_config(create_app(appliance), host, port))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the embedded appliance did not start")
        time.sleep(0.01)
    try:
        yield _url("http", host, port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
