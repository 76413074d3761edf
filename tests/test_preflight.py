"""The pre-flight: a target the harness cannot talk to, or that is not an appliance, is NOT CERTIFIED (exit 2)
with one line saying what to fix: no check runs, no traceback, no client id or secret anywhere."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time

import pytest

from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.server import running

CLIENT_ID = "preflight-client-id-0123456789"
SECRET = "preflight-secret-abcdefghijklmnop"
CERTIFY = [sys.executable, "-c", "from harness.cli import main; main()", "certify"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def target_file(directory, url: str, client_id: str = CLIENT_ID, secret: str = SECRET, extra: str = "") -> str:
    (directory / "full.secret").write_text(secret)
    path = directory / "target.toml"
    path.write_text(
        f'url = "{url}"\n{extra}[accounts.full]\nclient_id = "{client_id}"\nsecret_file = "full.secret"\n'
    )
    return str(path)


def certify(tmp_path, *args, timeout: float = 90) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [*CERTIFY, "--reports", str(tmp_path / "reports"), "--run-id", "pf", *args],
        capture_output=True, text=True, timeout=timeout, cwd=tmp_path,  # as a user runs the installed tool
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def assert_not_certified(tmp_path, code: int, console: str, *needles: str, secrets=(CLIENT_ID, SECRET)) -> str:
    lines = [line for line in console.splitlines() if line.strip()]
    assert code == 2, console
    assert lines[-1] == "rs-harness certify: NOT CERTIFIED", console
    assert len(lines) <= 3, console
    assert "Traceback" not in console
    line = lines[-2]
    for needle in needles:
        assert needle in line, console
    texts = [console] + [p.read_text(errors="replace") for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    for text in texts:
        for secret in secrets:
            assert secret not in text
    results = tmp_path / "reports" / "pf" / "results.json"
    if results.exists():
        data = json.loads(results.read_text())
        assert data["outcome"] == "NOT_CERTIFIED" and data["passed"] is False and not data["checks"]
        assert "NOT CERTIFIED" in (results.parent / "report.html").read_text()
    return line


def test_a_closed_port(tmp_path):
    port = free_port()
    code, console, _ = certify(tmp_path, "--target-file", target_file(tmp_path, f"https://127.0.0.1:{port}"))
    assert_not_certified(tmp_path, code, console, f"cannot connect to 127.0.0.1:{port}: connection refused")


def test_a_socket_that_never_answers_ends_within_the_read_timeout(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)  # connections complete in the backlog; nothing is ever read or written
        url = f"https://127.0.0.1:{listener.getsockname()[1]}"
        code, console, seconds = certify(tmp_path, "--target-file", target_file(tmp_path, url))
    assert_not_certified(tmp_path, code, console, "accepted the connection but sent no answer")
    assert seconds < 30


def test_a_server_that_is_not_an_appliance(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        url = f"http://127.0.0.1:{port}"
        code, console, _ = certify(tmp_path, "--target-file", target_file(tmp_path, url))
        assert_not_certified(tmp_path, code, console, f"{url} is not a Remote Support appliance", "HTTP 501")
        (tmp_path / "reports" / "pf").rename(tmp_path / "first")
        code, console, _ = certify(tmp_path, "--target-file", target_file(tmp_path, f"https://127.0.0.1:{port}"))
        assert_not_certified(tmp_path, code, console, "the server answered plain HTTP errors to https://")
    finally:
        server.terminate()
        server.wait(10)


@pytest.fixture(scope="module")
def appliance(tmp_path_factory):
    data = tmp_path_factory.mktemp("preflight-appliance")
    app = Appliance(ApplianceConfig(data))
    with running(app) as url:
        yield url, app


def test_a_wrong_secret_names_the_role_never_the_client_id(tmp_path, appliance):
    url, app = appliance
    full = next(a for a in app.accounts if a.name == "full")
    path = target_file(tmp_path, url, client_id=full.client_id, secret="a-wrong-secret-0123456789")
    code, console, _ = certify(tmp_path, "--target-file", path)
    line = assert_not_certified(
        tmp_path, code, console, "the 'full' account was refused a token (HTTP 401 invalid_client)",
        "check its client id and secret", secrets=(full.client_id, "a-wrong-secret-0123456789"),
    )  # fmt: skip
    assert full.client_id not in line


def test_a_missing_ca_bundle_file(tmp_path, appliance):
    url, _ = appliance
    code, console, _ = certify(
        tmp_path, "--target-file", target_file(tmp_path, url), "--ca-bundle", str(tmp_path / "missing.pem")
    )
    lines = [line for line in console.splitlines() if line.strip()]
    assert code == 2 and len(lines) <= 3 and "Traceback" not in console, console
    assert "missing.pem" in console and SECRET not in console


@pytest.fixture(scope="module")
def tls_appliance(tmp_path_factory):
    """`rs-harness serve --tls` (a self-signed certificate) in a child process: (https URL, accounts)."""
    data = tmp_path_factory.mktemp("tls-appliance")
    process = subprocess.Popen(
        [sys.executable, "-c", "from harness.cli import main; main()", "serve", "--tls", "--port", "0",
         "--data", str(data), "--no-simulation"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=data,
    )  # fmt: skip
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(60)
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    try:
        assert first and first[0].startswith("listening on https://"), first
        accounts = json.loads((data / "accounts.json").read_text())["accounts"]
        full = next(a for a in accounts if a["name"] == "full")
        yield first[0].removeprefix("listening on ").strip(), full
    finally:
        process.terminate()
        process.wait(15)


def test_http_to_a_tls_appliance(tmp_path, tls_appliance):
    url, full = tls_appliance
    plain = "http://" + url.removeprefix("https://")
    path = target_file(tmp_path, plain, client_id=full["client_id"], secret=full["client_secret"])
    code, console, _ = certify(tmp_path, "--target-file", path)
    assert_not_certified(
        tmp_path, code, console, "closed the connection without an HTTP answer", f"give {url}",
        secrets=(full["client_id"], full["client_secret"]),
    )  # fmt: skip


def test_https_with_a_self_signed_certificate_and_no_ca_bundle(tmp_path, tls_appliance):
    url, full = tls_appliance
    path = target_file(tmp_path, url, client_id=full["client_id"], secret=full["client_secret"])
    code, console, _ = certify(tmp_path, "--target-file", path)
    assert_not_certified(
        tmp_path, code, console, "certificate verify failed", "give --ca-bundle FILE or --insecure",
        secrets=(full["client_id"], full["client_secret"]),
    )  # fmt: skip
