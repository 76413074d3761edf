"""`rs-harness certify`: run the conformance suites against a target and write the run's reports.

pytest runs underneath, in this process, with the rs-harness plugin; this module chooses its arguments,
makes the report directory, and sweeps every file written there through the redactor before it says where
the report is (allure-pytest writes exception messages straight from the test, so the plugin's own
redaction of reports cannot reach its files).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from harness.redact import REDACTOR

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_NOT_CERTIFIED = EXIT_USAGE  # a usage or target error: nothing was judged
# An interrupted run exits 128 + the signal's number, as a shell reports a process the signal killed.
SIGNAL_EXITS = {signal.SIGINT: 130, signal.SIGTERM: 143, signal.SIGHUP: 129}
OUTCOME_EXITS = {"PASS": EXIT_PASS, "FAIL": EXIT_FAIL, "NOT_CERTIFIED": EXIT_NOT_CERTIFIED}
RUN_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def suites_dir() -> Path:
    import harness.suites

    return Path(harness.suites.__file__).resolve().parent


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{os.getpid() % 10000:04d}"


def pytest_args(
    report_dir: Path,
    *,
    run_id: str,
    target: str | None = None,
    target_file: str | None = None,
    profile: str | None = None,
    ca_bundle: str | None = None,
    insecure: bool = False,
    expected_failures: str | None = None,
    select: str | None = None,
    verbose: bool = False,
    min_tested: float | None = None,
    api_version: str | None = None,
    faults: tuple[str, ...] = (),
    requirements: tuple[str, ...] = (),
    files: tuple[str, ...] = (),
) -> list[str]:
    """`files`: only these suite files (paths relative to the suites, as node ids give them) are collected,
    which saves the detection matrix a collection of every suite per run."""
    here = suites_dir()
    args = [
        *([str(here / f) for f in files] or [str(here)]),
        "-c", str(here / "pytest.ini"),
        "--rootdir", str(here),
        "-q" if not verbose else "-v",
        "-rN",  # the rs-harness summary lists the FAILs: pytest's short summary and tracebacks would repeat
        "--tb=no",  # them (JUnit and allure still get the full failure text)
        f"--junitxml={report_dir / 'junit.xml'}",
        "-o", "junit_family=xunit1",  # xunit1 keeps each check's properties (requirements, verdict)
        "-o", "junit_suite_name=rs-harness",
        "-o", "junit_logging=system-out",  # a WARN's reason reaches JUnit consumers there
        f"--alluredir={report_dir / 'allure-results'}",
        f"--rs-report-dir={report_dir}",
        f"--rs-run-id={run_id}",
    ]  # fmt: skip
    for option, value in (
        ("--rs-target", target),
        ("--rs-target-file", target_file),
        ("--rs-profile", profile),
        ("--rs-ca-bundle", ca_bundle),
        ("--rs-expected-failures", expected_failures),
        ("--rs-api-version", api_version),
        ("-k", select),
    ):
        if value:
            args += [option, value]
    args += [arg for name in faults for arg in ("--rs-fault", name)]
    args += [arg for req_id in requirements for arg in ("--rs-req", req_id)]
    if insecure:
        args.append("--rs-insecure")
    if min_tested is not None:
        args += ["--rs-min-tested", str(min_tested)]
    return args


class SignalInterrupt(KeyboardInterrupt):
    """SIGINT, SIGTERM or SIGHUP, raised in the main thread: pytest stops the run as for Ctrl-C (session
    teardown and sessionfinish still run: the embedded appliance is stopped, the partial reports written)."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.signal_name = signal.Signals(signum).name
        super().__init__(f"interrupted by {self.signal_name}")


@contextmanager
def interruptible():
    """While running: SIGINT, SIGTERM and SIGHUP interrupt the run (the first one; later ones are ignored so
    the cleanup finishes). Yields the list of signals received."""
    received: list[int] = []

    def handler(signum, frame) -> None:
        if received:
            return
        received.append(signum)
        raise SignalInterrupt(signum)

    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in SIGNAL_EXITS:
            previous[signum] = signal.signal(signum, handler)
    try:
        yield received
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


class _Collector:
    """Keeps the plugin's run state so certify can read the verdict after pytest returns."""

    def __init__(self) -> None:
        self.results = None

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        from harness.plugin import STATE

        self.results = session.config.stash[STATE].results


def sweep(directory: Path) -> int:
    """Redact every text file under `directory` in place; the number of files changed."""
    changed = 0
    for path in directory.rglob("*"):
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary attachments: the harness writes none
        clean = REDACTOR.text(text)
        if clean != text:
            path.write_text(clean, encoding="utf-8")
            changed += 1
    return changed


RUN_MARKS = ("results.json", "junit.xml", "allure-results")  # what a run directory of ours holds


def config_problem(
    target: str | None = None,
    target_file: str | None = None,
    profile: str | None = None,
    ca_bundle: str | None = None,
    insecure: bool = False,
    expected_failures: str | None = None,
    api_version: str | None = None,
    faults: tuple[str, ...] = (),
    **_,
) -> str | None:
    """Why the target description or the expected-failures file is unusable, or None: checked before
    anything runs, so a typo is one line (the plugin reads them again, the same way)."""
    from harness.expected import ExpectedFailures, ExpectedFailuresError
    from harness.target import TargetConfigError, resolve

    try:
        resolve(
            target,
            target_file,
            profile,
            ca_bundle,
            True if insecure else None,
            api_version=api_version,
            faults=tuple(faults),
        )
        ExpectedFailures.load(expected_failures)
    except (TargetConfigError, ExpectedFailuresError) as exc:
        return str(exc)
    return None


def reports_problem(reports: Path) -> str | None:
    """Why `reports` cannot hold run directories (made if missing), or None."""
    if reports.exists() and not reports.is_dir():
        return "exists and is not a directory"
    try:
        reports.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot be created: {exc.strerror or exc}"
    try:  # os.access says yes to root on a read-only file system; a real write does not
        fd, probe = tempfile.mkstemp(prefix=".rs-harness-probe-", dir=reports)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        return f"is not writable: {exc.strerror or exc}"
    return None


def fresh_run_dir(report_dir: Path) -> str | None:
    """Make `report_dir` new and empty, replacing a run directory of ours of the same run id; why not, or
    None. Anything else there is refused, so a mistyped --run-id or --reports never deletes a user's files."""
    if report_dir.is_symlink() or report_dir.exists() and not report_dir.is_dir():
        return f"{report_dir} exists and is not a run directory; not replacing it"
    if report_dir.exists():
        try:
            names = {p.name for p in report_dir.iterdir()}
        except OSError as exc:
            return f"{report_dir}: {exc.strerror or exc}"
        if names and not names & set(RUN_MARKS):
            return (
                f"{report_dir} exists and is not a run directory (no {', '.join(RUN_MARKS)}); "
                "not replacing it"
            )
        try:
            shutil.rmtree(report_dir)
        except OSError as exc:
            return f"cannot remove the old run directory {report_dir}: {exc.strerror or exc}"
    try:
        report_dir.mkdir()
    except OSError as exc:
        return f"cannot create {report_dir}: {exc.strerror or exc}"
    return None


def certify(reports: str = "reports", run_id: str | None = None, **options) -> tuple[int, Path | None]:
    """Run the suites; (exit code, report directory): 0 PASS, 1 FAIL, 2 NOT CERTIFIED (a usage or target
    error: nothing judged), 130/143/129 INTERRUPTED by SIGINT/SIGTERM/SIGHUP. The last line printed is
    `rs-harness certify: <outcome>`."""
    run_id = run_id or new_run_id()
    if not RUN_ID.match(run_id):
        print(f"rs-harness certify: run id {run_id!r}: letters, digits, '.', '_' and '-' only")
        return EXIT_USAGE, None
    problem = config_problem(**options)
    if problem:
        print(f"rs-harness certify: {problem}")
        return EXIT_USAGE, None
    problem = reports_problem(Path(reports))
    if problem:
        print(f"rs-harness certify: --reports {reports}: {problem}")
        return EXIT_USAGE, None
    report_dir = Path(reports) / run_id
    problem = fresh_run_dir(report_dir)  # a reused run id replaces the whole run, allure results too
    if problem:
        print(f"rs-harness certify: --run-id {run_id}: {problem}")
        return EXIT_USAGE, None
    collector = _Collector()
    code: int | None = None
    with interruptible() as received:
        try:
            code = pytest.main(pytest_args(report_dir, run_id=run_id, **options), plugins=[collector])
        except KeyboardInterrupt:  # a signal after pytest's own handling (writing the reports)
            received = received or [signal.SIGINT]
        finally:
            sweep(report_dir)
    results = collector.results
    if received or code == pytest.ExitCode.INTERRUPTED and (results is None or results.interrupted):
        if results is not None:
            print(f"report: {report_dir / 'report.html'} (incomplete)")
        print("rs-harness certify: INTERRUPTED", flush=True)
        return SIGNAL_EXITS.get(received[0] if received else signal.SIGINT, 130), report_dir
    if code == pytest.ExitCode.USAGE_ERROR or results is None or results.outcome == "NOT_CERTIFIED":
        print("rs-harness certify: NOT CERTIFIED", flush=True)
        return EXIT_NOT_CERTIFIED, report_dir
    print(f"report: {report_dir / 'report.html'}")
    print(f"rs-harness certify: {results.outcome}", flush=True)
    return OUTCOME_EXITS[results.outcome], report_dir
