"""`rs-harness certify` end to end: a full default run certifies the embedded appliance and writes every
report; a faulty appliance FAILs with evidence and exit 1; unusable input exits 2; no secret appears in
the console output or anywhere under the report directory."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.server import running
from harness.catalogue import requirements
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


def test_a_default_certification_of_the_embedded_1_7_0_appliance_passes(tmp_path, capsys):
    """certify --api-version 1.7.0: the embedded appliance serves the Bomgar 12.1 guide's API, the run
    logs in with usernames and passwords and judges the 12.1 guide's requirements only."""
    code, report_dir = certify(reports=str(tmp_path), run_id="legacy", api_version="1.7.0")
    console = capsys.readouterr().out
    data = json.loads((report_dir / "results.json").read_text())
    failures = [(c["id"], c["reason"]) for c in data["checks"] if c["verdict"] == "FAIL"]
    assert code == 0 and not failures, failures
    assert data["target"]["api_version"] == "1.7.0" and data["counts"]["PASS"] > 100
    charged = {r for c in data["checks"] for r in c["requirements"]}
    assert charged and {requirements.get(r).guide for r in charged} == {"12.1"}, sorted(charged)
    assert "verdict: PASS" in console
    assert_no_secret(outputs(report_dir, console))


@pytest.fixture(scope="module")
def faulty_target(tmp_path_factory):
    """An appliance that answers in an unknown namespace (the fault profile): every XML check must FAIL."""
    data = tmp_path_factory.mktemp("faulty")
    config = ApplianceConfig(data, faults=("namespace-unknown",))
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
    expected.write_text('[[expected]]\nid = "XML-NS-001"\ntarget = "faulty"\nreason = "namespace ticket"\n')
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


# -- strict configuration: one line, exit 2, before anything runs -------------------------------------------


def certify_cli(*args: str):
    result = CliRunner().invoke(main, ["certify", *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.output.splitlines()


def test_a_real_target_without_a_target_file_exits_2_with_one_line(tmp_path):
    lines = certify_cli("--reports", str(tmp_path / "r"), "--target", "https://127.0.0.1:1")
    assert lines == [
        "rs-harness certify: target https://127.0.0.1:1 has no API accounts: give a target file with "
        "[accounts.full] (see README)"
    ]
    assert not (tmp_path / "r").exists()  # nothing ran, nothing was written


@pytest.mark.parametrize(
    "text, message",
    [
        ('url = "https://127.0.0.1:1"\n[acounts.full]\nclient_id = "x"\nsecret_env = "X"\n',
         "unknown key 'acounts' (did you mean 'accounts'?)"),
        ('url = "https://127.0.0.1:1"\nca_bundel = "/ca.pem"\n',
         "unknown key 'ca_bundel' (did you mean 'ca_bundle'?)"),
        ('url = "https://127.0.0.1:1"\n[accounts.fulll]\nclient_id = "x"\nsecret_env = "X"\n',
         "unknown role 'fulll' in [accounts.fulll] (did you mean 'full'?)"),
    ],
)  # fmt: skip
def test_a_typo_in_the_target_file_exits_2_with_one_line(tmp_path, text, message):
    path = tmp_path / "staging.toml"
    path.write_text(text)
    lines = certify_cli("--reports", str(tmp_path / "r"), "--target-file", str(path))
    assert lines == [f"rs-harness certify: target file {path}: {message}"]


def test_a_missing_ca_bundle_exits_2_with_one_line(tmp_path, faulty_target):
    missing = tmp_path / "our-ca.pem"
    lines = certify_cli(
        "--reports", str(tmp_path / "r"), "--target-file", str(faulty_target), "--ca-bundle", str(missing)
    )
    assert lines == [f"rs-harness certify: CA bundle {missing}: no such file"]


def test_a_typo_in_the_expected_failures_file_exits_2_with_one_line(tmp_path):
    expected = tmp_path / "expected.toml"
    expected.write_text('[[expected]]\nid = "CMD-GAI-001"\nreson = "ticket"\n')
    lines = certify_cli("--reports", str(tmp_path / "r"), "--expected-failures", str(expected))
    assert lines == [
        f"rs-harness certify: expected-failures file {expected}: entry 1: unknown key 'reson' "
        "(did you mean 'reason'?)"
    ]


def test_an_expected_failure_naming_nothing_known_is_a_usage_error(tmp_path, capsys, faulty_target):
    expected = tmp_path / "expected.toml"
    expected.write_text('[[expected]]\nid = "CMD-GAI-01"\nreason = "typo"\n')
    code, _ = certify(
        reports=str(tmp_path), run_id="typo", target_file=str(faulty_target), select="api_info_answer",
        expected_failures=str(expected),
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2
    assert "expected failure 'CMD-GAI-01': not a requirement ID nor a check's test ID" in captured.err
    assert "(did you mean 'CMD-GAI-001'?)" in captured.err


def test_reports_at_a_file_exits_2_with_one_line(tmp_path):
    path = tmp_path / "reports"
    path.write_text("not a directory")
    assert certify_cli("--reports", str(path)) == [
        f"rs-harness certify: --reports {path}: exists and is not a directory"
    ]
    assert certify_cli("--reports", str(path / "sub")) == [
        f"rs-harness certify: --reports {path / 'sub'}: cannot be created: Not a directory"
    ]


def test_unwritable_reports_exits_2_with_one_line(tmp_path, monkeypatch):
    path = tmp_path / "reports"
    path.mkdir()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("harness.certify.tempfile.mkstemp", refuse)  # root may write anywhere: pretend
    assert certify_cli("--reports", str(path)) == [
        f"rs-harness certify: --reports {path}: is not writable: Permission denied"
    ]


UUID_NAMED = ("-result.json", "-container.json", "-attachment.json", "-attachment.txt")


def test_a_reused_run_id_replaces_the_whole_run(tmp_path, capsys, faulty_target):
    def run():
        code, report_dir = certify(
            reports=str(tmp_path), run_id="again", target_file=str(faulty_target), select="api_info_answer"
        )
        assert code == 1, capsys.readouterr().out
        allure = report_dir / "allure-results"
        return report_dir, {p.name for p in allure.iterdir() if p.name.endswith(UUID_NAMED)}

    report_dir, first = run()
    (report_dir / "stale.txt").write_text("from an older run")
    second_dir, second = run()
    assert second_dir == report_dir and not (report_dir / "stale.txt").exists()
    assert first and second and not first & second  # no stale allure result files accumulate (uuid names)
    checks = json.loads((report_dir / "results.json").read_text())["checks"]
    assert len(checks) == len([n for n in second if n.endswith("-result.json")])


@pytest.mark.parametrize("contents", [["notes.txt"], ["src/"]])
def test_a_run_id_that_names_a_directory_not_of_ours_is_refused(tmp_path, contents):
    mine = tmp_path / "reports" / "precious"
    mine.mkdir(parents=True)
    for name in contents:
        (mine / name.rstrip("/")).mkdir() if name.endswith("/") else (mine / name).write_text("mine")
    lines = certify_cli("--reports", str(tmp_path / "reports"), "--run-id", "precious")
    assert len(lines) == 1 and lines[0].startswith(f"rs-harness certify: --run-id precious: {mine} exists")
    assert "not replacing it" in lines[0]
    assert sorted(p.name for p in mine.iterdir()) == sorted(n.rstrip("/") for n in contents)
