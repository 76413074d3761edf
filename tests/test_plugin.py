"""The pytest plugin: each way a check ends maps to its verdict; profiles and API versions gate checks;
the expected-failures gate; results.json; no secret in any output. Checks run (with pytester) against an
in-process embedded appliance described by a target file, as a real target would be."""

from __future__ import annotations

import json

import pytest

from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.server import running

pytest_plugins = ("pytester",)

CHECKS = """
import pytest
from harness.verdicts import na, not_tested, warn

@pytest.mark.req("CMD-GAI-001")
def test_pass(rs_api):
    rs_api.api_info()

@pytest.mark.req("CMD-GAI-001")
def test_fail(rs_api):
    rs_api.api_info()
    assert False, "the answer was wrong"

@pytest.mark.req("CMD-GAI-001")
def test_warn(rs_api):
    rs_api.api_info()
    warn("a SHOULD not met")

@pytest.mark.req("CMD-GAI-003")
def test_should_failing_is_warn(rs_api):
    assert False, "late clock"

@pytest.mark.req("CMD-GAI-001")
def test_na(rs_api):
    na("feature disabled")

@pytest.mark.req("CMD-GAI-001")
def test_not_tested(rs_api):
    not_tested("needs an hour")

@pytest.mark.req("CMD-GAI-002")
@pytest.mark.profile("destructive")
def test_destructive(rs_api):
    pass

@pytest.mark.req("CMD-GAI-002")
@pytest.mark.api_version(since="9.0")
def test_future(rs_api):
    pass

@pytest.mark.req("CMD-GAI-002")
def test_missing_account(rs_client):
    rs_client("real_time_only")

@pytest.mark.req("CMD-GAI-002")
def test_leaks_a_secret(rs_api, rs_target):
    secret = rs_target.target.accounts["full"].secret
    token = rs_api.tokens.token()
    assert False, f"secret {secret} token {token}"

def test_not_a_check():
    pass
"""


@pytest.fixture(scope="module")
def appliance_url(tmp_path_factory):
    appliance = Appliance(ApplianceConfig(tmp_path_factory.mktemp("appliance")))
    with running(appliance) as url:
        yield appliance, url


@pytest.fixture
def target_file(appliance_url, tmp_path, monkeypatch):
    appliance, url = appliance_url
    full = next(a for a in appliance.accounts if a.name == "full")
    monkeypatch.setenv("RSH_PLUGIN_TEST_SECRET", full.client_secret)
    path = tmp_path / "target.toml"
    path.write_text(
        f'url = "{url}"\nname = "plugin-test"\nprofiles = ["read-only", "standard"]\n'
        f'[accounts.full]\nclient_id = "{full.client_id}"\nsecret_env = "RSH_PLUGIN_TEST_SECRET"\n'
    )
    return path, full.client_secret


def run(pytester, target_file, *extra, checks=CHECKS):
    path, _ = target_file
    pytester.makepyfile(test_checks=checks)
    report_dir = pytester.path / "report"
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", f"--rs-target-file={path}", f"--rs-report-dir={report_dir}",
        "-rA", *extra,
    )  # fmt: skip
    data = json.loads((report_dir / "results.json").read_text())
    verdicts = {c["name"]: c for c in data["checks"]}
    return result, data, verdicts, report_dir


def test_each_way_a_check_ends_has_its_verdict(pytester, target_file):
    result, data, checks, _ = run(pytester, target_file)
    got = {name: c["verdict"] for name, c in checks.items()}
    assert got == {
        "test_pass": "PASS",
        "test_fail": "FAIL",
        "test_warn": "WARN",
        "test_should_failing_is_warn": "WARN",
        "test_na": "NA",
        "test_not_tested": "NOT_TESTED",
        "test_destructive": "NOT_TESTED",
        "test_future": "NA",
        "test_missing_account": "NOT_TESTED",
        "test_leaks_a_secret": "FAIL",
    }
    assert "test_not_a_check" not in checks  # only items with a requirement are checks
    assert checks["test_fail"]["reason"] == "the answer was wrong"
    assert checks["test_warn"]["reason"] == "a SHOULD not met"
    assert "needs the destructive profile" in checks["test_destructive"]["reason"]
    assert "predates" in checks["test_future"]["reason"]
    assert "no 'real_time_only' API account" in checks["test_missing_account"]["reason"]
    evidence = checks["test_fail"]["evidence"]
    assert evidence and evidence[-1]["request"]["url"].endswith("/api/command?action=get_api_info")
    assert evidence[-1]["response"]["status"] == 200 and "api_information" in evidence[-1]["response"]["body"]
    assert data["counts"] == {"FAIL": 2, "WARN": 2, "PASS": 1, "NA": 2, "NOT_TESTED": 3}
    assert data["passed"] is False
    assert data["target"]["name"] == "plugin-test" and data["target"]["api_version"] == "1.21.1"
    req = {r["id"]: r for r in data["requirements"]}
    assert req["CMD-GAI-001"]["verdict"] == "FAIL"  # its worst check
    assert req["CMD-GAI-003"]["verdict"] == "WARN"
    assert req["AUTH-001" if "AUTH-001" in req else "BRCS-001"]["verdict"] == "NOT_TESTED"
    # pytest counts the plugin's own categories (W, n, -) by name
    result.assert_outcomes(passed=2, failed=2)
    assert "2 warn, 2 na, 3 not tested" in result.stdout.str()


CHARGING = """
import pytest
from harness.verdicts import check, defect, fail, warn

@pytest.mark.req("AUTH-002", "AUTH-004", "AUTH-006")
def test_stops(rs_api):
    fail("expires_in is 7200", req="AUTH-004")

@pytest.mark.req("AUTH-007", "AUTH-011", "AUTH-012")
def test_goes_on(rs_api):
    warn("a known variant", req="AUTH-007")
    defect("expires_in is 7200", req="AUTH-012")

@pytest.mark.req("AUTH-010", "AUTH-006")
def test_charged_to_a_should(rs_api):
    check(False, "late", req="AUTH-006")

@pytest.mark.req("CMD-GAI-001", "CMD-GAI-002")
def test_plain_assert_charges_the_primary(rs_api):
    assert False, "wrong"

@pytest.mark.req("CMD-GAI-004")
def test_schema_defects_go_to_the_xml_requirement(rs_api):
    fail("invalid against the schema", req="XML-SCHEMA-001")

@pytest.mark.req("CMD-GAI-006")
def test_judged_on_the_way_then_stopped(rs_api):
    from harness.verdicts import judged
    judged("XML-SCHEMA-002")
    fail("later step")

@pytest.mark.req("AUTH-003")
def test_unknown_requirement_charges_the_primary(rs_api):
    fail("oops", req="NOPE-1")

@pytest.mark.req("CMD-GSK-001")
@pytest.mark.parametrize("case", [pytest.param("ttl", marks=pytest.mark.req("CMD-GSK-002"))])
def test_a_case_charges_its_own_requirement(rs_api, case):
    assert False, "the case's rule is broken"
"""


def test_a_defect_is_charged_to_the_requirement_it_breaks(pytester, target_file):
    """One defect FAILs only the requirement it names; the check's others are PASS when it went on to its
    end and NOT_TESTED "not reached" when it stopped; a charge to a SHOULD is a WARN."""
    result, data, checks, _ = run(pytester, target_file, checks=CHARGING)
    req = {r["id"]: r for r in data["requirements"]}
    got = {i: req[i]["verdict"] for i in (
        "AUTH-002", "AUTH-004", "AUTH-006", "AUTH-007", "AUTH-011", "AUTH-012", "AUTH-010",
        "CMD-GAI-001", "CMD-GAI-002", "CMD-GAI-004", "XML-SCHEMA-001", "AUTH-003", "XML-SCHEMA-002",
        "CMD-GSK-002", "CMD-GSK-001",
    )}  # fmt: skip
    assert got == {
        "AUTH-002": "NOT_TESTED", "AUTH-004": "FAIL", "AUTH-006": "WARN",
        "AUTH-007": "WARN", "AUTH-011": "PASS", "AUTH-012": "FAIL", "AUTH-010": "NOT_TESTED",
        "CMD-GAI-001": "FAIL", "CMD-GAI-002": "NOT_TESTED", "CMD-GAI-004": "NOT_TESTED",
        "XML-SCHEMA-001": "FAIL", "AUTH-003": "FAIL", "XML-SCHEMA-002": "PASS",
        "CMD-GSK-002": "FAIL", "CMD-GSK-001": "NOT_TESTED",  # a case's own requirement is its primary
    }  # fmt: skip
    assert req["AUTH-002"]["reason"] == "not reached: stopped at AUTH-004"
    assert req["AUTH-004"]["reason"] == "expires_in is 7200"
    assert req["XML-SCHEMA-001"]["checks"] == ["test_checks.py::test_schema_defects_go_to_the_xml_requirement"]
    assert "charged to NOPE-1, not in the catalogue" in req["AUTH-003"]["reason"]
    verdict = {name: c["verdict"] for name, c in checks.items()}
    assert verdict == {
        "test_stops": "FAIL", "test_goes_on": "FAIL", "test_charged_to_a_should": "WARN",
        "test_plain_assert_charges_the_primary": "FAIL",
        "test_schema_defects_go_to_the_xml_requirement": "FAIL",
        "test_unknown_requirement_charges_the_primary": "FAIL",
        "test_judged_on_the_way_then_stopped": "WARN",  # CMD-GAI-006 is a SHOULD
        "test_a_case_charges_its_own_requirement[ttl]": "FAIL",
    }  # fmt: skip
    assert checks["test_goes_on"]["reason"] == "AUTH-012: expires_in is 7200"
    assert checks["test_goes_on"]["charges"] == [
        {"requirement": "AUTH-007", "verdict": "WARN", "reason": "a known variant"},
        {"requirement": "AUTH-012", "verdict": "FAIL", "reason": "expires_in is 7200"},
    ]
    result.assert_outcomes(failed=6)  # the WARN is counted as "warn"


def test_checks_run_in_their_own_context():
    """warn() and defect() go to the context a caller opens (load and property runs, unit tests); outside
    one they are refused rather than lost."""
    from harness import verdicts

    with verdicts.checking() as outer:
        verdicts.warn("w", req="AUTH-006")
        with verdicts.checking() as inner:
            verdicts.defect("d", req="AUTH-004")
        assert verdicts.current() is outer
    assert outer.warnings == ["w"] and outer.charged() == ["AUTH-006"]
    assert inner.failures == ["d"] and inner.charged(verdicts.FAIL) == ["AUTH-004"]
    with pytest.raises(RuntimeError, match="outside a check"):
        verdicts.warn("lost")


def test_no_secret_in_any_output(pytester, target_file):
    result, _, checks, report_dir = run(pytester, target_file, "--junitxml=report/junit.xml")
    _, secret = target_file
    assert checks["test_leaks_a_secret"]["verdict"] == "FAIL"
    assert "«redacted»" in checks["test_leaks_a_secret"]["reason"]
    outputs = [result.stdout.str(), result.stderr.str()]
    outputs += [p.read_text() for p in report_dir.rglob("*") if p.is_file()]
    from harness.redact import REDACTOR

    tokens = [s for s in REDACTOR.secrets if len(s) > 40]  # the bearer tokens this process was issued
    assert tokens
    for text in outputs:
        assert secret not in text
        assert not any(t in text for t in tokens)
    assert all("«redacted»" not in e["request"]["headers"].get("Connection", "") for e in
               checks["test_fail"]["evidence"])  # fmt: skip
    assert checks["test_fail"]["evidence"][-1]["request"]["headers"]["Authorization"] == "«redacted»"


def test_expected_failures_accept_known_failures_and_gate_the_rest(pytester, target_file, tmp_path):
    expected = tmp_path / "expected.toml"
    expected.write_text(
        '[[expected]]\nid = "test_fail"\nreason = "ticket 1"\n'
        '[[expected]]\nid = "test_leaks_a_secret"\nreason = "ticket 2"\n'
    )
    result, data, checks, _ = run(pytester, target_file, f"--rs-expected-failures={expected}")
    assert checks["test_fail"]["expected_failure"] == "ticket 1"
    assert data["passed"] is True and result.ret == 0
    expected.write_text(expected.read_text() + '[[expected]]\nid = "test_pass"\nreason = "was broken"\n'
                        '[[expected]]\nid = "CMD-GAI-002"\nreason = "broken"\n'
                        '[[expected]]\nid = "AUTH-010"\nreason = "not run here"\n')  # fmt: skip
    result, data, _, _ = run(pytester, target_file, f"--rs-expected-failures={expected}")
    assert data["passed"] is False and result.ret == 1
    assert data["expected_failures"]["gate_problems"] == [
        "expected failure 'test_pass' now passes; remove it from the file",
        "expected failure 'AUTH-010' matched no check that ran",
    ]


def test_unknown_requirement_is_a_usage_error(pytester, target_file):
    pytester.makepyfile(test_bad='import pytest\n@pytest.mark.req("NOPE-999")\ndef test_x():\n    pass\n')
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--rs-target-file={target_file[0]}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "NOPE-999" in result.stderr.str()


def test_a_profile_the_target_file_does_not_allow_is_a_usage_error(pytester, target_file):
    pytester.makepyfile(
        test_ok='import pytest\n@pytest.mark.req("CMD-GAI-001")\ndef test_x(rs_api):\n    pass\n'
    )
    result = pytester.runpytest_inprocess(
        "-p", "no:cacheprovider", f"--rs-target-file={target_file[0]}", "--rs-profile=destructive"
    )
    assert result.ret != 0
    assert "not allowed for this target" in result.stdout.str() + result.stderr.str()


def test_allure_and_junit_show_warn_fail_evidence_and_one_behaviour(pytester, target_file):
    """Allure: a WARN is its own status (unknown, "WARN: …", a WARN category), every FAIL and WARN carries
    its evidence, the environment names the target and the harness, one feature and story a check. JUnit:
    a WARN's verdict property and its reason in system-out."""
    import xml.etree.ElementTree as ET

    result, _, checks, report_dir = run(
        pytester, target_file, "--alluredir=report/allure", "--junitxml=report/junit.xml",
        "-o", "junit_logging=system-out",
    )  # fmt: skip
    allure = report_dir / "allure"
    results = {}
    for path in allure.glob("*-result.json"):
        data = json.loads(path.read_text())
        results[data["name"]] = data
    warn, fail = results["test_warn"], results["test_fail"]
    assert warn["status"] == "unknown" and warn["statusDetails"]["message"] == "WARN: a SHOULD not met"
    assert fail["status"] == "failed" and results["test_pass"]["status"] == "passed"
    for data in (warn, fail):
        (evidence,) = [a for a in data["attachments"] if a["name"] == "evidence"]
        exchanges = json.loads((allure / evidence["source"]).read_text())
        assert exchanges[-1]["request"]["url"].endswith("action=get_api_info")
    labels = [(label["name"], label["value"]) for label in fail["labels"]]
    assert sum(1 for n, _ in labels if n == "feature") == 1 and sum(1 for n, _ in labels if n == "story") == 1
    assert ("rs_verdict", "FAIL") in labels and ("requirement", "CMD-GAI-001") in labels
    categories = json.loads((allure / "categories.json").read_text())
    assert any(c["name"].startswith("WARN") and c["matchedStatuses"] == ["unknown"] for c in categories)
    env = (allure / "environment.properties").read_text()
    assert "harness=rs-harness " in env and "target.name=plugin-test" in env and "outcome=FAIL" in env
    junit = ET.parse(report_dir / "junit.xml").getroot()
    case = next(c for c in junit.iter("testcase") if c.get("name") == "test_warn")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["verdict"] == "WARN"
    assert "rs-harness WARN: a SHOULD not met" in case.findtext("system-out")


REQUIREMENTS = """
[[requirement]]
id = "MY-001"
section = "Our runbook"
level = "SHOULD"
basis = "inferred"
text = "Our staging appliance names its company."
"""


def test_own_requirements_from_a_file(pytester, target_file):
    path = pytester.path / "mine.toml"
    path.write_text(REQUIREMENTS)
    checks = 'import pytest\nfrom harness.verdicts import fail\n@pytest.mark.req("MY-001")\ndef test_mine(rs_api):\n    fail("no company")\n'
    result, data, got, _ = run(pytester, target_file, f"--rs-requirements={path}", checks=checks)
    assert got["test_mine"]["verdict"] == "WARN"  # by MY-001's own level
    mine = next(r for r in data["requirements"] if r["id"] == "MY-001")
    assert mine["verdict"] == "WARN" and mine["area"] == "user:mine"
    path.write_text(REQUIREMENTS.replace("MY-001", "AUTH-001"))
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--rs-requirements={path}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR and "AUTH-001 is already a requirement" in result.stderr.str()


def test_the_readme_example_check_runs(pytester, target_file):
    """The README's example of a check of one's own, with its own requirement file, as a user would."""
    import re
    from pathlib import Path

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?@pytest.mark.req\(\"MY-001\"\).*?)```", readme, re.S).group(1)
    path = pytester.path / "mine.toml"
    path.write_text(REQUIREMENTS)
    result, data, got, _ = run(pytester, target_file, f"--rs-requirements={path}", checks=example)
    assert got["test_company_is_named"]["verdict"] == "PASS", got
