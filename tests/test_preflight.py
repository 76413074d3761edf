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


# -- legacy accounts (API 1.7.0): username and password on /api/command.ns ------------------------------------

WRONG_PASSWORD = "a-wrong-password-0123456789"


def legacy_target_file(directory, url: str, username: str, password: str) -> str:
    (directory / "full.password").write_text(password)
    path = directory / "legacy.toml"
    path.write_text(
        f'url = "{url}"\n[accounts.full]\nusername = "{username}"\npassword_file = "full.password"\n'
    )
    return str(path)


@pytest.fixture(scope="module")
def legacy_appliance(tmp_path_factory):
    data = tmp_path_factory.mktemp("preflight-legacy")
    app = Appliance(ApplianceConfig(data, api_version="1.7.0"))
    with running(app) as url:
        yield url, next(a for a in app.accounts if a.name == "full")


def test_a_wrong_legacy_password_is_login_failed_in_one_line(tmp_path, legacy_appliance):
    url, full = legacy_appliance
    path = legacy_target_file(tmp_path, url, full.username, WRONG_PASSWORD)
    code, console, _ = certify(tmp_path, "--target-file", path)
    assert_not_certified(
        tmp_path, code, console, "the appliance refused the full account's username/password (Login failed)",
        secrets=(WRONG_PASSWORD, full.password),
    )  # fmt: skip


def test_legacy_accounts_on_a_current_appliance_are_refused_the_same_way(tmp_path, appliance):
    url, app = appliance  # API 1.21.1: a .ns call with a username and a password is answered Login failed
    full = next(a for a in app.accounts if a.name == "full")
    path = legacy_target_file(tmp_path, url, full.username, full.password)
    code, console, _ = certify(tmp_path, "--target-file", path)
    assert_not_certified(
        tmp_path, code, console, "refused the full account's username/password (Login failed)",
        secrets=(full.password, full.client_secret),
    )  # fmt: skip


def test_client_accounts_on_a_legacy_appliance_are_told_what_it_takes(tmp_path, legacy_appliance):
    url, full = legacy_appliance  # a 12.1 appliance has no token endpoint
    code, console, _ = certify(tmp_path, "--target-file", target_file(tmp_path, url))
    assert_not_certified(
        tmp_path, code, console, "its token endpoint answered HTTP 404", "API 1.7.0, has no token endpoint",
        "give its accounts as username with password_env or password_file",
    )  # fmt: skip


def test_api_version_asked_for_must_be_the_one_the_accounts_speak(tmp_path, appliance):
    url, app = appliance  # a usage error, found before anything runs: one line, exit 2
    full = next(a for a in app.accounts if a.name == "full")
    path = target_file(tmp_path, url, client_id=full.client_id, secret=full.client_secret)
    code, console, _ = certify(tmp_path, "--target-file", path, "--api-version", "1.7.0")
    lines = [line for line in console.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, console
    assert "--api-version 1.7.0: the target file gives client accounts (OAuth)" in lines[0]
    assert full.client_secret not in console


def test_the_family_reported_must_be_the_one_asked_for_and_the_accounts_speak():
    from harness.client import Credentials, Login
    from harness.plugin import _family_problem
    from harness.target import Target

    login, client = {"full": Login("u", "p" * 8)}, {"full": Credentials("c", "s" * 8)}
    assert _family_problem(Target("https://h", False, "h", dict(login), api_version="1.7.0"), "1.7.0") is None
    assert _family_problem(Target("https://h", False, "h", dict(client)), "1.21.1") is None
    asked = _family_problem(Target("https://h", False, "h", dict(login), api_version="1.7.0"), "1.21.1")
    assert asked == "--api-version 1.7.0, but the appliance reports API 1.21.1 (get_api_info), of the 1.21.1 family"
    assert "its checks need client accounts" in _family_problem(Target("https://h", False, "h", dict(login)), "1.9.0")
    assert "give username with password_env" in _family_problem(Target("https://h", False, "h", dict(client)), "1.7.0")
