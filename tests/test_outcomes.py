"""A run's outcome is exactly one of PASS (0), FAIL (1), NOT CERTIFIED (2), INTERRUPTED (130/143/129):
in results.json, the console's last line, the report's overall verdict and the exit code. A run stopped by
a signal is INTERRUPTED, never PASS, and leaves no embedded appliance or its data directory behind."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

from harness import verdicts
from harness.catalogue.requirements import catalogue
from harness.cli import main
from harness.report_html import render
from harness.results import Record, RunResults

CERTIFY = [sys.executable, "-c", "from harness.cli import main; main()", "certify"]


def results(records, **extra) -> RunResults:
    return RunResults("r", 0.0, 1.0, {"name": "t", "url": "u"}, records, catalogue(), **extra)


def record(name: str, verdict: str, reason: str = "", req: str = "CMD-GAI-001") -> Record:
    return Record(f"suite::{name}", name, [req], verdict, reason)


def test_outcomes_and_the_verdict_line():
    passing = results([record("a", verdicts.PASS)])
    assert passing.outcome == "PASS" and passing.passed and passing.complete
    tested, total = passing.tested()
    assert (
        passing.summary_lines()[-1]
        == f"verdict: PASS (nothing FAILed; {tested} of {total} requirements tested)"
    )
    failing = results([record("a", verdicts.FAIL, "broken")])
    assert failing.outcome == "FAIL" and not failing.passed
    assert failing.summary_lines()[-1].startswith("verdict: FAIL (1 check(s) FAILed;")
    stopped = results([record("a", verdicts.PASS)], interrupted="SIGTERM", planned=10)
    data = stopped.to_json()
    assert data["outcome"] == "INTERRUPTED" and data["passed"] is False and data["complete"] is False
    assert stopped.summary_lines()[-1].startswith("verdict: INTERRUPTED (by SIGTERM after 1 of 10 checks")
    nothing = results([], not_certified="cannot connect to h:1: connection refused")
    assert nothing.to_json()["outcome"] == "NOT_CERTIFIED"
    assert nothing.summary_lines() == ["cannot connect to h:1: connection refused"]


def test_min_tested_fails_a_run_that_tested_too_little():
    run = results([record("a", verdicts.PASS)], min_tested=50)
    assert run.outcome == "FAIL" and "--min-tested asks for 50%" in run.too_little_tested()
    assert any(line.startswith("FAIL only ") for line in run.summary_lines())
    assert results([record("a", verdicts.PASS)], min_tested=0).outcome == "PASS"


def test_the_fail_summary_scales():
    many = results([record(f"c{i}", verdicts.FAIL, "line one\n" + "x" * 500) for i in range(45)])
    lines = many.summary_lines()
    fails = [line for line in lines if line.startswith("FAIL ")]
    assert len(fails) == 20 and all(len(line) <= 200 and "\n" not in line for line in fails)
    assert "and 25 more: see report.html" in lines


def test_verbose_shows_not_tested_and_na_reasons_in_full():
    reason = "needs the destructive profile; " + "y" * 300
    run = results([record("a", verdicts.NOT_TESTED, reason), record("b", verdicts.NA, "predates it")])
    assert not any(reason in line for line in run.summary_lines())
    lines = run.summary_lines(verbose=True)
    assert any(reason in line for line in lines) and any("predates it" in line for line in lines)


def test_the_report_never_shows_pass_for_an_unfinished_or_uncertified_run():
    page = render(results([record("a", verdicts.PASS)], interrupted="SIGINT", planned=5))
    assert 'id="overall" role="status">INTERRUPTED<' in page and "rs-harness INTERRUPTED" in page
    page = render(results([], not_certified="cannot connect to h:1: connection refused"))
    assert 'role="status">NOT CERTIFIED<' in page and "connection refused" in page


def test_h_is_help_for_every_command():
    for args in (["-h"], ["certify", "-h"], ["serve", "-h"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0 and "Usage:" in result.output, args
    assert "--min-tested" in CliRunner().invoke(main, ["certify", "-h"]).output


# -- real signals -------------------------------------------------------------------------------------------


def embedded_children(parent: int) -> list[tuple[int, str]]:
    """(pid, data dir) of each `rs-harness serve --port 0 --data <dir>` child of `parent`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        args = [a.decode(errors="replace") for a in argv]
        if ppid == parent and "serve" in args and "--data" in args:
            found.append((int(entry.name), args[args.index("--data") + 1]))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize(
    "signum, code, to_group",
    [(signal.SIGINT, 130, True), (signal.SIGTERM, 143, False), (signal.SIGHUP, 129, False)],
    ids=["SIGINT-to-the-group", "SIGTERM", "SIGHUP"],
)
def test_a_signal_interrupts_the_run_and_cleans_up(tmp_path, signum, code, to_group):
    process = subprocess.Popen(
        [*CERTIFY, "--reports", str(tmp_path), "--run-id", "sig"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path,
    )  # fmt: skip
    output = bytearray()
    reader = threading.Thread(
        target=lambda: [output.extend(c) for c in iter(lambda: process.stdout.read1(1024), b"")]
    )
    reader.start()
    try:
        deadline = time.monotonic() + 90
        while True:  # the legend comes once the appliance is up and the pre-flight passed; then progress
            text = output.decode(errors="replace")
            if "progress:" in text and len(text.split("progress:", 1)[1].splitlines()[-1].strip()) >= 10:
                break
            assert process.poll() is None and time.monotonic() < deadline, text
            time.sleep(0.1)
        children = embedded_children(process.pid)
        assert len(children) == 1, children
        ((child, data_dir),) = children
        assert Path(data_dir, "accounts.json").exists()
        stopped = time.monotonic()
        if to_group:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        assert process.wait(30) == code, output.decode(errors="replace")
        assert time.monotonic() - stopped < 25
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        reader.join(10)
    console = output.decode(errors="replace")
    assert console.rstrip().splitlines()[-1] == "rs-harness certify: INTERRUPTED", console
    assert "Traceback" not in console and "verdict: PASS" not in console
    assert not alive(child) and not Path(data_dir).exists()
    data = json.loads((tmp_path / "sig" / "results.json").read_text())
    assert data["outcome"] == "INTERRUPTED" and data["complete"] is False and data["passed"] is False
    assert data["interrupted_by"] == signal.Signals(signum).name
    assert len(data["checks"]) < data["planned_checks"]
    assert 'role="status">INTERRUPTED<' in (tmp_path / "sig" / "report.html").read_text()


def test_an_interruption_in_a_frame_without_a_line_number_is_still_reported():
    """CPython 3.11 gives a traceback entry no line number when the signal lands on an instruction without
    one (exception cleanup code, say); pytest's formatting of the interruption raised TypeError on it and
    the run ended in a traceback, without its partial reports. The plugin leaves such entries out first."""
    from harness import plugin
    from harness.certify import SignalInterrupt

    frame = sys._getframe()
    try:  # this try gives the function's code instructions without a line number
        raise SignalInterrupt(signal.SIGINT)
    except KeyboardInterrupt as exc:
        interrupt = exc
    lineless = next(start for start, _, line in frame.f_code.co_lines() if line is None)
    interrupt.__traceback__ = types.TracebackType(interrupt.__traceback__, frame, lineless, -1)
    assert interrupt.__traceback__.tb_lineno is None
    info = pytest.ExceptionInfo.from_exception(interrupt)
    try:
        plugin.pytest_keyboard_interrupt(info)
        assert plugin.INTERRUPTS[-1] == "SIGINT"
        assert "SignalInterrupt" in info.getrepr(funcargs=True).reprcrash.message
    finally:
        plugin.INTERRUPTS.clear()
