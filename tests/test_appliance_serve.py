"""`rs-harness serve` as a user runs it: a subprocess, its first line, TLS with its own certificate."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
from pathlib import Path

import httpx
import pytest


@pytest.fixture
def serve(tmp_path: Path):
    procs = []

    def start(*args: str) -> str:
        exe = Path(sys.executable).with_name("rs-harness")
        proc = subprocess.Popen(
            [str(exe), "serve", "--data", str(tmp_path), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        procs.append(proc)
        first = proc.stdout.readline().strip()
        assert first.startswith("listening on "), first
        return first.removeprefix("listening on ")

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=30)


def _full_account(data: Path) -> dict:
    accounts = json.loads((data / "accounts.json").read_text())["accounts"]
    return next(a for a in accounts if a["name"] == "full")


def test_serve_over_tls_with_its_generated_certificate(serve, tmp_path: Path) -> None:
    url = serve("--tls", "--port", "0")
    assert url.startswith("https://127.0.0.1:")
    full = _full_account(tmp_path)
    with httpx.Client(verify=ssl.create_default_context(cafile=str(tmp_path / "tls-cert.pem"))) as client:
        r = client.post(
            f"{url}/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(full["client_id"], full["client_secret"]),
        )
        bearer = r.json()["access_token"]
        r = client.get(
            f"{url}/api/command?action=get_api_info", headers={"Authorization": f"Bearer {bearer}"}
        )
    assert r.status_code == 200 and b"<api_version>1.21.1</api_version>" in r.content


def test_serve_with_another_namespace(serve, tmp_path: Path) -> None:
    url = serve("--namespace", "http://www.bomgar.com/namespaces/API")
    full = _full_account(tmp_path)
    r = httpx.post(
        f"{url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(full["client_id"], full["client_secret"]),
    )
    r = httpx.get(
        f"{url}/api/command?action=get_api_info",
        headers={"Authorization": f"Bearer {r.json()['access_token']}"},
    )
    assert b'xmlns="http://www.bomgar.com/namespaces/API/command"' in r.content
