"""`rs-harness certify` end to end: a full default run certifies the embedded appliance and writes every
report; a faulty appliance FAILs with evidence and exit 1; unusable input exits 2; no secret appears in
the console output or anywhere under the report directory."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.server import running
from harness.certify import certify
from harness.cli import main
from harness.redact import REDACTOR


def outputs(report_dir, console: str) -> list[str]:
    return [console] + [p.read_text(errors="replace") for p in report_dir.rglob("*") if p.is_file()]


def assert_no_secret(texts: list[str]) -> None:
    secrets = REDACTOR.secrets  # every client secret and bearer token this process has seen
    assert secrets
    for text in texts:
        leaked = [s[:4] + "…" for s in secrets if s in text]
        assert not leaked, f"secrets in the output: {leaked}"


def test_a_full_default_certification_of_the_embedded_appliance_passes(tmp_path, capsys):
    code, report_dir = certify(reports=str(tmp_path), run_id="full")
    console = capsys.readouterr().out
    data = json.loads((report_dir / "results.json").read_text())
    failures = [(c["id"], c["reason"]) for c in data["checks"] if c["verdict"] == "FAIL"]
    assert code == 0 and not failures, failures
    assert data["passed"] and data["target"]["embedded"] is True
    assert data["target"]["api_version"] == "1.21.1" and data["counts"]["PASS"] > 0
    assert data["target"]["build"].startswith("21.3.1")  # from the command API's check_health
    for name in ("junit.xml", "report.html"):
        assert (report_dir / name).stat().st_size > 0
    assert list((report_dir / "allure-results").glob("*-result.json"))
    assert "verdict: PASS" in console and f"report: {report_dir / 'report.html'}" in console
    assert_no_secret(outputs(report_dir, console))


@pytest.fixture(scope="module")
def faulty_target(tmp_path_factory):
    """An appliance that answers in an unknown namespace: every XML check must FAIL."""
    data = tmp_path_factory.mktemp("faulty")
    config = ApplianceConfig(data, namespaces={"command": "urn:elsewhere", "reporting": "urn:elsewhere"})
    appliance = Appliance(config)
    with running(appliance) as url:
        full = next(a for a in appliance.accounts if a.name == "full")
        target_file = data / "target.toml"
        target_file.write_text(
            f'url = "{url}"\nname = "faulty"\n[accounts.full]\nclient_id = "{full.client_id}"\n'
            f'secret_file = "full.secret"\n'
        )
        (data / "full.secret").write_text(full.client_secret)
        yield target_file


def test_a_faulty_appliance_fails_with_evidence(tmp_path, capsys, faulty_target):
    code, report_dir = certify(
        reports=str(tmp_path), run_id="faulty", target_file=str(faulty_target), select="api_info_answer"
    )
    console = capsys.readouterr().out
    assert code == 1
    data = json.loads((report_dir / "results.json").read_text())
    (check,) = [c for c in data["checks"] if c["verdict"] == "FAIL"]
    assert "namespace" in check["reason"] and "urn:elsewhere" in check["reason"]
    assert check["evidence"][-1]["response"]["body"].count("urn:elsewhere")
    assert "verdict: FAIL" in console and data["target"]["embedded"] is False
    assert "FAIL" in (report_dir / "report.html").read_text()
    assert_no_secret(outputs(report_dir, console))


def test_an_expected_failure_file_lets_the_gate_pass(tmp_path, capsys, faulty_target):
    expected = tmp_path / "expected.toml"
    expected.write_text('[[expected]]\nid = "CMD-GAI-001"\ntarget = "faulty"\nreason = "namespace ticket"\n')
    code, _ = certify(
        reports=str(tmp_path), run_id="gate", target_file=str(faulty_target), select="api_info_answer",
        expected_failures=str(expected),
    )  # fmt: skip
    assert code == 0, capsys.readouterr().out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--target", "ftp://x"], "give 'embedded' or an http(s):// URL"),
        (["--expected-failures", "/nonexistent/expected.toml"], "No such file"),
        (["--run-id", "../escape"], "run id"),
    ],
)
def test_unusable_input_exits_2_with_a_reason(tmp_path, args, message):
    result = CliRunner().invoke(main, ["certify", "--reports", str(tmp_path), *args])
    assert result.exit_code == 2, result.output
    assert message in result.output
