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


# -- the target file serve writes for itself ----------------------------------------------------------------


def _start(data: Path, *args: str) -> tuple[subprocess.Popen, str, Path]:
    exe = Path(sys.executable).with_name("rs-harness")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", "0", "--data", str(data), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    first, second = proc.stdout.readline().strip(), proc.stdout.readline().strip()
    assert first.startswith("listening on "), first
    assert second.startswith("target file: "), second
    return proc, first.removeprefix("listening on "), Path(second.removeprefix("target file: "))


@pytest.fixture
def served(tmp_path: Path):
    procs = []

    def start(*args: str) -> tuple[str, Path]:
        proc, url, target_file = _start(tmp_path, *args)
        procs.append(proc)
        return url, target_file

    yield start
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=30)


def test_serve_writes_a_ready_target_file(served, tmp_path: Path) -> None:
    import stat
    import tomllib

    from harness.target import ROLES

    url, path = served("--no-simulation")
    assert path == tmp_path.resolve() / "target.toml"
    data = tomllib.loads(path.read_text())
    assert data["url"] == url and data["name"] and "insecure" not in data and "ca_bundle" not in data
    assert data["profiles"] == ["read-only", "standard", "destructive"]
    accounts = {a["name"]: a for a in json.loads((tmp_path / "accounts.json").read_text())["accounts"]}
    assert set(data["accounts"]) == set(accounts) == set(ROLES)  # every seeded account has a harness role
    secrets = tmp_path / "secrets"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o700
    for role, entry in data["accounts"].items():
        secret_file = secrets.resolve() / role
        assert entry == {"client_id": accounts[role]["client_id"], "secret_file": str(secret_file)}
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        assert secret_file.read_text().strip() == accounts[role]["client_secret"]
        assert accounts[role]["client_secret"] not in path.read_text()


def test_certify_certifies_serve_by_its_target_file(served, tmp_path: Path, capsys) -> None:
    from harness.certify import certify

    url, path = served("--no-simulation")
    code, report_dir = certify(
        reports=str(tmp_path / "reports"), run_id="served", target_file=str(path),
        select="test_command_api_info",
    )  # fmt: skip
    console = capsys.readouterr().out
    assert code in (0, 1), console  # certified (2 would be: nothing could be)
    data = json.loads((report_dir / "results.json").read_text())
    assert data["target"]["embedded"] is False and data["target"]["url"] == url
    assert data["checks"] and all(c["verdict"] != "NOT_TESTED" for c in data["checks"]), console


def test_under_tls_the_target_file_verifies_with_serves_own_certificate(served, tmp_path: Path) -> None:
    import tomllib

    from harness.plugin import make_client
    from harness.target import resolve

    url, path = served("--tls", "--no-simulation")
    data = tomllib.loads(path.read_text())
    assert data["ca_bundle"] == str((tmp_path / "tls-cert.pem").resolve()) and "insecure" not in data
    target = resolve(target_file=str(path), environ={})
    assert target.verify == data["ca_bundle"] and target.url == url
    response = make_client(target, "full").api_info()  # TLS verified against the CA bundle, and a token
    assert response.status_code == 200 and b"<api_version>" in response.content


def test_a_certificate_that_does_not_name_the_host_is_insecure_instead(tmp_path: Path) -> None:
    import tomllib

    from harness.appliance.accounts import seed_accounts
    from harness.appliance.target_file import certificate_verifies, write_target_file
    from harness.appliance.tls import certificate

    cert, _ = certificate(tmp_path, "127.0.0.1")
    assert certificate_verifies(cert, "127.0.0.1") and certificate_verifies(cert, "localhost")
    assert not certificate_verifies(cert, "192.0.2.7") and not certificate_verifies(cert, "appliance.example")
    path = write_target_file(tmp_path, "https://192.0.2.7:8443", seed_accounts(), cert)
    data = tomllib.loads(path.read_text())
    assert data["insecure"] is True and "ca_bundle" not in data


def test_certify_passes_a_tidy_appliance(served, tmp_path: Path, capsys) -> None:
    """The checks accept both byte shapes: the field's (every default certify) and serve --tidy's (compact,
    every optional element), with the embedded appliance's seed and speed and every profile."""
    from harness.certify import certify

    url, path = served("--tidy", "--seed", "7", "--speed", "4")
    assert httpx.get(f"{url}/api/command.xsd").status_code == 200
    code, report_dir = certify(
        reports=str(tmp_path / "reports"), run_id="tidy", target_file=str(path), profile="destructive"
    )
    console = capsys.readouterr().out
    data = json.loads((report_dir / "results.json").read_text())
    failures = [(c["id"], c["reason"]) for c in data["checks"] if c["verdict"] == "FAIL"]
    assert code == 0 and not failures, failures or console
    assert data["counts"]["PASS"] > 600, data["counts"]
