"""Embedded appliance throughput: get_api_info against a bare endpoint, and a token storm.

- api_info_ratio: requests/s of GET /api/command?action=get_api_info on the appliance, divided by that of a
  bare Starlette endpoint returning a constant body, each served by uvicorn in its own process with the same
  settings and driven by the same load generator (a small asyncio HTTP/1.1 client, 32 concurrent clients),
  measured interleaved in one run. Measured both with keep-alive and with a connection per request (as the
  guide asks clients to do); the last line gives the keep-alive ratio, the stricter one: connection setup
  costs both servers alike and hides the difference. Goal >= 0.6.
- token_rps: POST /oauth2/token on one account from 100 concurrent issuers (one request per connection, as
  the guide asks), and max_valid_tokens: after each round of the storm every token issued so far is tried on
  get_api_info; the most that worked at once must be <= 30.
Last line: api_info_ratio=<x> token_rps=<n> max_valid_tokens=<n>.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SERVER = """
import sys, uvicorn
from pathlib import Path
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from harness.appliance.app import Appliance, ApplianceConfig, create_app
from harness.appliance.server import _bind, _uvicorn_config

kind, data = sys.argv[1], Path(sys.argv[2])
if kind == "appliance":
    app = create_app(Appliance(ApplianceConfig(data)))
else:
    body = b'<?xml version="1.0"?><api_information/>'
    async def constant(request):
        return Response(body, media_type="text/xml")
    app = Starlette(routes=[Route("/api/command", constant)])
sock = _bind("127.0.0.1", 0)
print(sock.getsockname()[1], flush=True)
uvicorn.Server(_uvicorn_config(app, "127.0.0.1", sock.getsockname()[1])).run(sockets=[sock])
"""


def start(kind: str, data: Path) -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, kind, str(data)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    return proc, int(proc.stdout.readline())


async def _request(reader, writer, raw: bytes) -> tuple[int, bytes]:
    writer.write(raw)
    status_line = await reader.readline()
    length, close = 0, False
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
        elif name.lower() == "connection" and "close" in value.lower():
            close = True
    body = await reader.readexactly(length)
    if close:
        writer.close()
    return int(status_line.split()[1]), body


async def load(port: int, raw: bytes, seconds: float, keepalive: bool, connections: int = 32) -> float:
    """Requests per second from `connections` concurrent clients for `seconds`.

    By default each request has a connection of its own ("you must close the connection after each API
    call"); with keepalive, each client reuses one connection.
    """
    done = 0
    stop = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal done
        if keepalive:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.perf_counter() < stop:
            if keepalive:
                status, _ = await _request(reader, writer, raw)
            else:
                status, _ = await one_shot(port, raw)
            assert status == 200, status
            done += 1
        if keepalive:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    return done / (time.perf_counter() - began)


async def one_shot(port: int, raw: bytes) -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        return await _request(reader, writer, raw)
    finally:
        writer.close()


def get(path: str, bearer: str | None = None, close: bool = False) -> bytes:
    headers = "Host: bench\r\n" + (f"Authorization: Bearer {bearer}\r\n" if bearer else "")
    headers += "Connection: close\r\n" if close else ""
    return f"GET {path} HTTP/1.1\r\n{headers}\r\n".encode()


def token_request(client_id: str, secret: str) -> bytes:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    body = "grant_type=client_credentials"
    return (
        f"POST /oauth2/token HTTP/1.1\r\nHost: bench\r\nAuthorization: Basic {basic}\r\nConnection: close\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len(body)}\r\n\r\n{body}"
    ).encode()


async def token_storm(port: int, account: dict, rounds: int, per_issuer: int) -> tuple[float, int]:
    raw = token_request(account["client_id"], account["client_secret"])
    issued: list[str] = []
    most_valid = 0
    total, elapsed = 0, 0.0
    for _ in range(rounds):

        async def issuer() -> None:
            for _ in range(per_issuer):
                status, body = await one_shot(port, raw)
                assert status == 200, body
                issued.append(json.loads(body)["access_token"])

        began = time.perf_counter()
        await asyncio.gather(*(issuer() for _ in range(100)))
        elapsed += time.perf_counter() - began
        total += 100 * per_issuer
        checks = await asyncio.gather(
            *(one_shot(port, get("/api/command?action=get_api_info", t, close=True)) for t in issued[-200:])
        )
        most_valid = max(most_valid, sum(status == 200 for status, _ in checks))
    return total / elapsed, most_valid


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per throughput measurement")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        appliance, app_port = start("appliance", data)
        bare, bare_port = start("bare", data / "bare")
        try:
            accounts = json.loads((data / "accounts.json").read_text())["accounts"]
            full = next(a for a in accounts if a["name"] == "full")
            _, body = asyncio.run(one_shot(app_port, token_request(full["client_id"], full["client_secret"])))
            bearer = json.loads(body)["access_token"]
            best: dict[tuple[str, bool], float] = {}
            for _ in range(args.repeat):  # interleaved, so drift in machine load hits both alike
                for keepalive in (True, False):
                    request = get("/api/command?action=get_api_info", bearer, close=not keepalive)
                    for name, port in (("appliance", app_port), ("bare", bare_port)):
                        rate = asyncio.run(load(port, request, args.seconds, keepalive))
                        best[name, keepalive] = max(rate, best.get((name, keepalive), 0.0))
            for keepalive, mode in ((True, "keep-alive"), (False, "a connection per request")):
                app_rate, bare_rate = best["appliance", keepalive], best["bare", keepalive]
                print(
                    f"get_api_info {app_rate:.0f} req/s, bare endpoint {bare_rate:.0f} req/s, "
                    f"ratio {app_rate / bare_rate:.2f} ({mode})"
                )
            token_rps, most_valid = asyncio.run(token_storm(app_port, full, rounds=4, per_issuer=3))
            print(f"token storm: {token_rps:.0f} tokens/s from 100 issuers; most valid at once: {most_valid}")
        finally:
            for proc in (appliance, bare):
                proc.terminate()
                proc.wait(timeout=30)
    ratio = best["appliance", True] / best["bare", True]
    print(f"api_info_ratio={ratio:.2f} token_rps={token_rps:.0f} max_valid_tokens={most_valid}")


if __name__ == "__main__":
    main()
