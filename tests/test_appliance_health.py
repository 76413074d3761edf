"""Health (check_health, /check_health) and backup of the embedded appliance, over real HTTP."""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile

import httpx
import pytest
from conftest import bearer

from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.oauth import ACCESS_DENIED
from harness.appliance.server import running
from harness.validate import validate


@pytest.fixture
def served(tmp_path):
    appliance = Appliance(ApplianceConfig(tmp_path / "data"))
    with running(appliance) as url:
        yield appliance, url, lambda name: bearer(url, appliance.account(name))


def _break_the_store(appliance) -> None:
    # Point the store into a directory that does not exist: opening it fails, as on a dead disk.
    appliance.db_path = appliance.config.data_dir / "gone" / "appliance.sqlite"
    assert not appliance.db_path.parent.exists()


def test_check_health_action_when_healthy_and_when_not(served) -> None:
    appliance, url, bearer = served
    r = httpx.get(f"{url}/api/command", params={"action": "check_health"}, headers=bearer("read_only"))
    result = validate(io.BytesIO(r.content))
    assert result.status == "valid" and result.root == "health_check"
    assert b"<success>1</success>" in r.content and b"error_message" not in r.content
    assert appliance.guid.encode() in r.content
    _break_the_store(appliance)
    r = httpx.get(f"{url}/api/command", params={"action": "check_health"}, headers=bearer("read_only"))
    assert validate(io.BytesIO(r.content)).status == "valid"
    assert b"<success>0</success>" in r.content and b"<error_message>data store unavailable" in r.content


def test_plain_probe_is_200_or_500_and_shows_nothing_else(served) -> None:
    appliance, url, _ = served
    r = httpx.get(f"{url}/check_health")
    assert r.status_code == 200 and r.text == "Health check succeeded.\n"
    _break_the_store(appliance)
    r = httpx.get(f"{url}/check_health")
    assert r.status_code == 500 and r.text == "Health check failed.\n"


def test_the_guid_lasts_across_restarts(tmp_path) -> None:
    first = Appliance(ApplianceConfig(tmp_path))
    assert Appliance(ApplianceConfig(tmp_path)).guid == first.guid
    assert len(first.guid) == 32


def test_backup_is_a_consistent_snapshot_without_secrets(served) -> None:
    appliance, url, bearer = served
    httpx.get(f"{url}/check_health")  # something in the store
    for method in ("GET", "POST"):
        r = httpx.request(method, f"{url}/api/backup", headers=bearer("full"))
        assert r.status_code == 200
        assert r.headers["content-disposition"].startswith('attachment; filename="example-backup-')
        with tarfile.open(fileobj=io.BytesIO(r.content), mode="r:gz") as tar:
            names = tar.getnames()
            manifest = json.load(tar.extractfile("manifest.json"))
            snapshot = tar.extractfile("appliance.sqlite").read()
        assert sorted(names) == ["appliance.sqlite", "manifest.json"]
        assert manifest["appliance_guid"] == appliance.guid
        for account in appliance.accounts:
            assert account.client_secret.encode() not in r.content
        path = appliance.config.data_dir / "restored.sqlite"
        path.write_bytes(snapshot)
        with sqlite3.connect(path) as conn:
            assert conn.execute("SELECT count(*) FROM health_probe").fetchone() == (1,)


def test_backup_needs_the_backup_permission(served) -> None:
    _, url, bearer = served
    r = httpx.get(f"{url}/api/backup", headers=bearer("read_only"))
    assert (r.status_code, r.json()) == (403, ACCESS_DENIED)
    r = httpx.get(f"{url}/api/backup")
    assert (r.status_code, r.json()) == (401, ACCESS_DENIED)
