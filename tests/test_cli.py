"""The validate command: exit codes, output, JSON, standard input, options."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from conftest import examples, invalid_corpus

from harness.cli import main

GOOD = examples("1.21.1", "reporting")
BAD = invalid_corpus("1.21.1", "reporting")[0]


def run(*args: str, input: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def test_all_valid_exits_0() -> None:
    result = run("validate", *map(str, GOOD))
    assert result.exit_code == 0, result.output
    assert result.output.count(": valid (") == len(GOOD)


def test_any_invalid_exits_1_and_prints_errors() -> None:
    result = run("validate", str(GOOD[0]), str(BAD))
    assert result.exit_code == 1, result.output
    assert f"{BAD}: invalid" in result.output
    assert "  line " in result.output


def test_unusable_exits_2_with_a_one_line_reason(tmp_path: Path) -> None:
    junk = tmp_path / "junk.xml"
    junk.write_text("this is not xml")
    result = run("validate", str(GOOD[0]), str(BAD), str(junk))
    assert result.exit_code == 2
    assert [line for line in result.output.splitlines() if line.startswith(str(junk))] == [
        f"{junk}: unusable: not XML: Start tag expected, '<' not found, line 1, column 1"
    ]


def test_json_output() -> None:
    result = run("validate", "--json", str(GOOD[0]), str(BAD))
    data = json.loads(result.output)
    assert data["exit_code"] == result.exit_code == 1
    first, second = data["results"]
    assert first["status"] == "valid" and first["kind"] == "reporting"
    assert first["namespace"]["status"] == "ok"
    assert second["status"] == "invalid" and second["errors"][0]["line"]


def test_standard_input() -> None:
    result = run("validate", "-", input=GOOD[0].read_bytes())
    assert result.exit_code == 0, result.output
    assert result.output.startswith("-: valid")
    result = run("validate", "-", input=BAD.read_bytes())
    assert result.exit_code == 1


def test_forced_schema_kind_and_api_version() -> None:
    command_doc = examples("1.21.1", "command")[0]
    assert run("validate", "--schema", "command", str(command_doc)).exit_code == 0
    assert run("validate", "--schema", "reporting", str(command_doc)).exit_code == 1
    old = examples("1.7.0", "reporting")[0]
    assert run("validate", "--api-version", "1.7.0", str(old)).exit_code == 0
    # A 1.7.0 document read as 1.21.1: the legacy namespace is only a known variant there.
    result = run("validate", "--json", str(old))
    assert json.loads(result.output)["results"][0]["namespace"]["status"] == "WARN"


def test_bad_size_option() -> None:
    for size in ("lots", "-5M", "0", "inf", ""):
        result = run("validate", "--max-size", size, str(GOOD[0]))
        assert result.exit_code == 2 and "not a size" in result.output, size


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("rs-harness")
    proc = subprocess.run(
        [str(exe), "validate", str(GOOD[0])], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


GOOD_BRCS = b"BRCS1.0\r\naction=push_and_start_local&hostname=ws01.example.com"
BAD_BRCS = b"BRCS1.0\naction=start_rdp_session&quality=best\naction=bogus"


def test_brcs_lint_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.brcs-acme"
    good.write_bytes(GOOD_BRCS)
    bad = tmp_path / "bad.brcs-acme"
    bad.write_bytes(BAD_BRCS)
    result = run("brcs", "lint", str(good))
    assert result.exit_code == 0, result.output
    result = run("brcs", "lint", str(good), str(bad))
    assert result.exit_code == 1
    assert "BRCS-020" in result.output and "BRCS-023" in result.output and "BRCS-025" in result.output
    assert run("brcs", "lint", str(good), str(tmp_path / "missing")).exit_code == 2
    huge = tmp_path / "huge.brcs-acme"
    huge.write_bytes(GOOD_BRCS + b"&session.custom.x=" + b"a" * (2 << 20))
    result = run("brcs", "lint", str(huge))
    assert result.exit_code == 2 and "larger than the limit" in result.output


def test_brcs_lint_should_rules_warn_only(tmp_path: Path) -> None:
    path = tmp_path / "script.brcs-example"
    path.write_bytes(GOOD_BRCS + b"\n")  # a trailing newline: BRCS-006, a SHOULD rule
    result = run("brcs", "lint", str(path))
    assert result.exit_code == 0 and "SHOULD" in result.output and "BRCS-006" in result.output


def test_brcs_lint_fails_a_file_not_named_brcs_company_site(tmp_path: Path) -> None:
    """Issue 15: the extension "brcs-<companySiteName>" is the guide's rule of the file, a MUST."""
    path = tmp_path / "script.txt"
    path.write_bytes(GOOD_BRCS)
    result = run("brcs", "lint", str(path))
    assert result.exit_code == 1 and "MUST" in result.output and "BRCS-040" in result.output


def test_brcs_lint_json_and_stdin() -> None:
    result = run("brcs", "lint", "--json", "-", input=BAD_BRCS)
    data = json.loads(result.output)
    assert data["exit_code"] == result.exit_code == 1
    (only,) = data["results"]
    assert only["status"] == "invalid"
    assert {i["rule"] for i in only["issues"]} >= {"BRCS-020", "BRCS-023", "BRCS-025"}


def test_brcs_lint_rejects_a_bad_api_version() -> None:
    result = run("brcs", "lint", "--api-version", "banana", "-", input=GOOD_BRCS)
    assert result.exit_code == 2 and "--api-version" in result.output
