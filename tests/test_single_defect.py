"""One defect FAILs only the requirement it breaks (issue 9): an appliance whose tokens say
`expires_in: 7200` is certified end to end, and AUTH-004 alone FAILs; the other requirements of the checks
that judge the token answer are still PASS, and no SHOULD shows FAIL.

The deviation is made by patching the reference appliance's token lifetime for this in-process appliance
(named fault profiles come with issue 11)."""

from __future__ import annotations

import json

import pytest

from harness.appliance import oauth
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.server import running
from harness.certify import certify


@pytest.fixture
def two_hour_tokens(tmp_path, monkeypatch):
    monkeypatch.setattr(oauth, "TOKEN_LIFETIME_S", 7200)
    appliance = Appliance(ApplianceConfig(tmp_path / "data"))
    with running(appliance) as url:
        full = next(a for a in appliance.accounts if a.name == "full")
        (tmp_path / "full.secret").write_text(full.client_secret)
        target = tmp_path / "target.toml"
        target.write_text(
            f'url = "{url}"\nname = "two-hour tokens"\n[accounts.full]\nclient_id = "{full.client_id}"\n'
            'secret_file = "full.secret"\n'
        )
        yield target


def test_expires_in_7200_fails_only_auth_004(tmp_path, capsys, two_hour_tokens):
    code, report_dir = certify(
        reports=str(tmp_path / "reports"), run_id="r", target_file=str(two_hour_tokens), select="test_auth"
    )
    capsys.readouterr()
    assert code == 1
    data = json.loads((report_dir / "results.json").read_text())
    reqs = {r["id"]: r for r in data["requirements"]}
    assert [i for i, r in reqs.items() if r["verdict"] == "FAIL"] == ["AUTH-004"]
    for other in ("AUTH-001", "AUTH-002", "AUTH-003", "AUTH-021"):
        assert reqs[other]["verdict"] == "PASS", (other, reqs[other])
    assert reqs["AUTH-006"]["verdict"] != "FAIL"
    failing = [c for c in data["checks"] if c["verdict"] == "FAIL"]
    assert failing and all(
        {ch["requirement"] for ch in c["charges"] if ch["verdict"] == "FAIL"} == {"AUTH-004"} for c in failing
    )
