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
    result = run("validate", "--max-size", "lots", str(GOOD[0]))
    assert result.exit_code == 2 and "not a size" in result.output


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).with_name("rs-harness")
    proc = subprocess.run([str(exe), "validate", str(GOOD[0])], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
