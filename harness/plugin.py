"""The rs-harness pytest plugin: options, markers, fixtures, verdicts and the run's results.

Registered as a pytest11 entry point, so `pytest --pyargs harness.suites` works as well as
`rs-harness certify`. It only acts on checks: test items that carry a `req` marker; other tests in the same
pytest run (the harness's own tests, a user's) are left alone.

    @pytest.mark.req("CMD-GSK-004")          requirement ID(s) from the catalogue (required for a check)
    @pytest.mark.profile("standard")         the least profile the check needs (default read-only)
    @pytest.mark.api_version(since="1.8")    API versions the check applies to (NA outside)
    @pytest.mark.api_family("1.7.0")         the API family the check belongs to (default: 1.7.0 for the
                                             suites' legacy/ package, 1.21.1 for every other check)

API families. Every check belongs to one: the 21.3 guide's (API 1.8 to 1.21.1: OAuth, /api/command) or the
Bomgar 12.1 guide's (API 1.7.0: username/password, /api/command.ns). Once get_api_info has given the target's
API version (harness.schemas.schema_family), the other family's checks are deselected, not NA: they are about
another product generation, so they neither fill the console with hundreds of NA nor enter the traceability
matrix, which holds only the family's requirements (its guide's, and any other a check of the run names), so
--min-tested counts those. The console says how many checks of the other family were left out. A 1.7.0 check
may call check functions written for the 21.3 rule: a charge to a 21.3 requirement is charged to the 12.1
requirement that restates it (catalogue `restates`), and one to a requirement outside the run's matrix to the
check's primary requirement, saying so.
"""

from __future__ import annotations

import atexit
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness import verdicts
from harness.allure_results import CHECK_LABEL
from harness.catalogue.requirements import (
    FAMILY_GUIDES,
    GUIDES,
    CatalogueError,
    Requirement,
    catalogue,
    counterparts,
    for_family,
    load_user,
)
from harness.catalogue.versions import is_version, version_tuple
from harness.checks.xml import Expect, parse
from harness.client import RECORDER, ApplianceClient, Login, TargetError, TokenCache, Transport
from harness.expected import ExpectedFailures, ExpectedFailuresError
from harness.namespaces import API_VERSIONS
from harness.redact import REDACTOR
from harness.results import Record, RunResults
from harness.schemas import schema_family
from harness.target import LEGACY_FAMILY, PROFILES, Target, TargetConfigError, resolve, start_embedded
from harness.validate import validate

EVIDENCE_KEEP = 6  # exchanges attached to a FAIL or WARN, the latest ones
EXIT_NOT_CERTIFIED = 2  # pytest's exit status when the pre-flight failed: nothing was judged
PROGRESS_LEGEND = (
    "progress: . PASS  F FAIL  W WARN  n NA  - NOT_TESTED  x an accepted expected failure  "
    "E a check that could not be set up"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("rs-harness", "rs-harness conformance checks")
    group.addoption("--rs-target", help="'embedded' (default) or the appliance's base URL")
    group.addoption("--rs-target-file", help="TOML target file: accounts, TLS, allowed profiles")
    group.addoption("--rs-profile", choices=PROFILES, help="read-only, standard or destructive")
    group.addoption("--rs-ca-bundle", help="CA bundle to verify the target's certificate with")
    group.addoption("--rs-insecure", action="store_true", default=None, help="do not verify TLS (explicit)")
    group.addoption("--rs-expected-failures", help="TOML file of accepted failures (a CI gate)")
    group.addoption("--rs-report-dir", help="write results.json and report.html here")
    group.addoption("--rs-run-id", help="the run's ID (default: a timestamp)")
    group.addoption(
        "--rs-min-tested",
        type=float,
        metavar="PCT",
        help="FAIL a run that tests fewer than PCT %% of the catalogue's requirements (NOT_TESTED ones)",
    )
    group.addoption(
        "--rs-requirements",
        help="TOML file of your own requirements ([[requirement]]) for checks of your own",
    )
    group.addoption(
        "--rs-fault",
        action="append",
        metavar="NAME",
        help="a fault profile for the embedded appliance to serve with (repeatable; rs-harness faults)",
    )
    group.addoption(
        "--rs-req",
        action="append",
        metavar="ID",
        help="only the checks that name this requirement (repeatable)",
    )
    group.addoption(
        "--rs-api-version",
        choices=API_VERSIONS,
        help="the API family to certify: the embedded appliance's personality; a real target must report it",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "req(*ids): requirement IDs (harness.catalogue) a check covers")
    config.addinivalue_line(
        "markers", "profile(name): least profile needed: read-only, standard, destructive"
    )
    config.addinivalue_line("markers", "api_version(since=None, until=None): API versions a check applies to")
    config.addinivalue_line("markers", "api_family(name): the API family a check belongs to: 1.21.1 or 1.7.0")
    state = RunState(config)
    config.stash[STATE] = state
    INTERRUPTS.clear()


@dataclass
class TargetInfo:
    """The target of this run, as negotiated: what every check is judged against."""

    target: Target
    api_version: str = "unknown"
    namespaces: dict[str, str | None] = field(default_factory=dict)
    company_name: str | None = None
    build: str | None = None
    expect: Expect = field(default_factory=Expect)

    @property
    def family(self) -> str:
        """The API family the run judges (the reference schemas, the checks, the requirements)."""
        return self.expect.family

    @property
    def name(self) -> str:
        return self.target.name

    @property
    def url(self) -> str:
        return self.target.url

    def identity(self) -> dict:
        return {
            **self.target.identity(),
            "api_version": self.api_version,
            "namespaces": self.namespaces,
            "company_name": self.company_name,
            "build": self.build,
            "api_family": self.family,
            "guide": GUIDES[FAMILY_GUIDES[self.family]],
        }


class RunState:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.run_id = config.getoption("--rs-run-id", None) or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        self.records: dict[str, Record] = {}
        self.target: Target | None = None
        self.info: TargetInfo | None = None
        try:
            self.expected = ExpectedFailures.load(config.getoption("--rs-expected-failures", None))
        except ExpectedFailuresError as exc:
            raise pytest.UsageError(str(exc)) from None
        self.requirements = dict(catalogue())
        extra = config.getoption("--rs-requirements", None)
        if extra:
            try:
                self.requirements.update(load_user(extra))
            except CatalogueError as exc:
                raise pytest.UsageError(str(exc)) from None
        self.started = time.time()
        self.results: RunResults | None = None
        self.not_certified: str | None = None  # the pre-flight's one line: nothing was judged
        self.interrupted: str | None = None  # what stopped the run before its end (a signal's name)
        self.planned: int | None = None  # the checks this run was to run
        self.clients: dict[str | None, ApplianceClient] = {}  # the pre-flight's clients, tokens in hand
        self.family: str | None = None  # the API family judged, once negotiated
        self.matrix: dict[str, Requirement] | None = None  # the family's requirements: the run's matrix
        self.left_out: int = 0  # checks of the other family, deselected


STATE = pytest.StashKey[RunState]()


def _state(config: pytest.Config) -> RunState:
    return config.stash[STATE]


def requirement_ids(item: pytest.Item) -> list[str]:
    """The requirements a check names, its primary one first: a parametrized case's own (pytest.param(...,
    marks=req(...))) before the test function's, since a case's failure breaks the rule of that case, not
    the function's general one."""
    callspec = getattr(item, "callspec", None)
    marks = [m for m in getattr(callspec, "marks", ()) if m.name == "req"]
    ids: list[str] = []
    for mark in [*marks, *item.iter_markers("req")]:
        ids += [i for i in mark.args if i not in ids]
    return ids


def is_check(item: pytest.Item) -> bool:
    return item.get_closest_marker("req") is not None


CURRENT_FAMILY = "1.21.1"


def check_family(item: pytest.Item) -> str:
    """The API family a check belongs to: its api_family marker, else 1.7.0 for the legacy suites (the
    installed harness.suites.legacy package), else the current one."""
    mark = item.get_closest_marker("api_family")
    if mark is not None:
        return mark.args[0]
    import harness.suites.legacy

    legacy = Path(harness.suites.legacy.__file__).resolve().parent
    return LEGACY_FAMILY if legacy in Path(item.path).resolve().parents else CURRENT_FAMILY


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items) -> None:
    unknown = []
    known = _state(config).requirements
    for item in items:
        mark = item.get_closest_marker("api_family")
        if mark is not None and (len(mark.args) != 1 or mark.args[0] not in API_VERSIONS):
            raise pytest.UsageError(f"{item.nodeid}: api_family takes one of {list(API_VERSIONS)}")
        ids = requirement_ids(item)
        unknown += [f"{item.nodeid}: {req_id}" for req_id in ids if req_id not in known]
        if not ids or ids[0] not in known:
            continue
        # allure-pytest reads these marks (they are what @allure.label writes): every requirement, but one
        # behaviour (feature, story) a check, its primary requirement's, so allure's Behaviors view counts
        # each check once; rs_check finds the check's result file when the run ends (allure_results.py).
        primary = known[ids[0]]
        item.add_marker(pytest.mark.allure_label(*[i for i in ids if i in known], label_type="requirement"))
        item.add_marker(pytest.mark.allure_label(primary.area, label_type="feature"))
        item.add_marker(pytest.mark.allure_label(primary.section, label_type="story"))
        item.add_marker(pytest.mark.allure_label(primary.basis, primary.level, label_type="tag"))
        item.add_marker(pytest.mark.allure_label(item.nodeid, label_type=CHECK_LABEL))
    if unknown:
        raise pytest.UsageError(
            "checks name requirements not in the catalogue (give your own with --rs-requirements FILE):\n  "
            + "\n  ".join(unknown)
        )
    wanted = config.getoption("--rs-req", None)
    if wanted:
        stray = [r for r in wanted if r not in known]
        if stray:
            raise pytest.UsageError(f"--req {stray[0]}: no such requirement in the catalogue")
        kept = [i for i in items if set(requirement_ids(i)) & set(wanted)]
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
    expected = _state(config).expected
    if expected.source:  # each entry names a requirement or a collected check: a typo is a usage error
        from harness.expected import describe_unknown, unknown_entries

        stray = unknown_entries(expected.entries, known, [i.nodeid for i in items if is_check(i)])
        if stray:
            raise pytest.UsageError(describe_unknown(stray, expected.source))
    if any(is_check(item) for item in items):
        _state(config).target = _resolve(config)  # an unusable target description stops the run here


# -- fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def rs_target(request: pytest.FixtureRequest) -> TargetInfo:
    """The target, started if embedded, its API version and namespaces negotiated through get_api_info
    (the pre-flight did both before the first check; see pytest_runtestloop)."""
    state = _state(request.config)
    if state.info is None:  # a check outside the run loop (not in a normal run)
        problem = _prepare(state, state.target or _resolve(request.config))
        if problem:
            raise TargetError(problem)
    return state.info


def _prepare(state: RunState, target: Target) -> str | None:
    """Start the target if embedded, run the pre-flight, negotiate: None, or the one line saying why the
    run cannot be certified. The embedded child is stopped at exit whatever happens (atexit, and the run
    loop's finally)."""
    from harness import preflight

    state.target = target
    if target.embedded:
        atexit.register(target.stop)
        try:
            start_embedded(target)
        except TargetConfigError as exc:
            return str(exc)
    try:
        state.clients = preflight.run(target, make_client)
    except preflight.PreflightError as exc:
        return REDACTOR.text(str(exc))
    info = TargetInfo(target)
    state.info = info
    problem = negotiate(info, state.clients)
    state.family = info.family
    return REDACTOR.text(problem) if problem else None


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session: pytest.Session):
    """Before the first check: the pre-flight (a failure runs no check: NOT CERTIFIED). After the last, or
    when the run is interrupted: the embedded appliance is stopped and its data directory removed."""
    state = _state(session.config)
    checks = [item for item in session.items if is_check(item)]
    if not checks or state.target is None or session.config.option.collectonly:
        return (yield)
    state.planned = len(checks)
    try:
        problem = _prepare(state, state.target)
        if problem:
            state.not_certified = problem
            session.items[:] = []  # nothing is judged
        else:
            _keep_family(session, state)
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None and reporter.verbosity <= 0:
                reporter.write_line(PROGRESS_LEGEND)
        return (yield)
    finally:
        if state.target.embedded:
            state.target.stop()


def _keep_family(session: pytest.Session, state: RunState) -> None:
    """Deselect the checks of the other API family (see the module's docstring) and fix the run's matrix:
    the family's requirements, and every other one a remaining check names."""
    family = state.family
    dropped = [i for i in session.items if is_check(i) and check_family(i) != family]
    if dropped:
        session.items[:] = [i for i in session.items if not is_check(i) or check_family(i) == family]
        session.config.hook.pytest_deselected(items=dropped)
        session.testscollected = len(session.items)  # the progress percentages count what runs
    state.left_out = len(dropped)
    state.planned = sum(1 for i in session.items if is_check(i))
    named = {r for i in session.items if is_check(i) for r in requirement_ids(i)}
    state.matrix = for_family(state.requirements, family, named)


@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt(excinfo) -> None:
    """Ctrl-C, or a signal certify turned into an interruption (its `signal_name`): the run is incomplete.
    First, before the terminal reporter formats the interruption's traceback: on CPython 3.11 a frame
    interrupted where its code has no line number has a traceback entry without one, on which pytest's
    formatting raises TypeError, and the run would end in a traceback instead of its partial reports. Such
    entries are left out, and so is the exception the signal interrupted (its context: not the run's)."""
    excinfo.traceback = excinfo.traceback.filter(_has_line)
    excinfo.value.__suppress_context__ = True
    # pytest ends the run at the first KeyboardInterrupt; the hook has no config, so the flag is global
    exc = excinfo.value
    if isinstance(exc, KeyboardInterrupt):
        name = getattr(exc, "signal_name", None)
        if name is None:
            name = "a stop request" if type(exc).__name__ == "Interrupted" else "SIGINT"
        INTERRUPTS.append(name)


def _has_line(entry) -> bool:
    try:
        entry.lineno  # noqa: B018 - the property pytest's formatting computes
    except TypeError:
        return False
    return True


INTERRUPTS: list[str] = []  # what interrupted runs in this process (the last is the current one's)


def _resolve(config: pytest.Config) -> Target:
    try:
        return resolve(
            target=config.getoption("--rs-target"),
            target_file=config.getoption("--rs-target-file"),
            profile=config.getoption("--rs-profile"),
            ca_bundle=config.getoption("--rs-ca-bundle"),
            insecure=config.getoption("--rs-insecure"),
            api_version=config.getoption("--rs-api-version", None),
            faults=tuple(config.getoption("--rs-fault", None) or ()),
        )
    except TargetConfigError as exc:
        raise pytest.UsageError(str(exc)) from None


def negotiate(info: TargetInfo, clients: dict | None = None) -> str | None:
    """get_api_info as the most capable account, through whatever it speaks (a token on /api/command, or
    username/password on /api/command.ns): the API version (hence the family: schemas, checks, requirements)
    and the namespace; the build from the command API's check_health where the family has it. None, or the
    one line saying why the run cannot be certified: the family reported is not the one asked for
    (--api-version), or not the one the accounts speak."""
    from harness.preflight import API_INFO_ROLES, API_INFO_ROOTS

    target = info.target
    info.expect = Expect(_expected_family(target))  # until get_api_info says otherwise
    account = next((r for r in API_INFO_ROLES if r in target.accounts), None)
    if account is None:
        return None
    client = (clients or {}).get(account) or make_client(target, account)
    response = client.api_info()
    result = validate(io.BytesIO(response.content), kind="command")
    if result.status == "unusable" or result.root not in API_INFO_ROOTS:
        return None  # the get_api_info checks say why; the default expectations stand
    info.namespaces["command"] = result.namespace.found if result.namespace else None
    root = parse(response.content)
    version = (root.findtext("api_version") or "").strip()
    if not is_version(version):
        return None
    info.api_version = version
    info.expect = Expect(version)
    problem = _family_problem(target, version)
    if problem:
        return problem
    info.company_name = (root.findtext("company_name") or "").strip() or None
    if info.family == LEGACY_FAMILY:
        return None  # API 1.7.0 has no check_health
    try:
        health = client.command("check_health")
        if health.status_code == 200 and b"<version" in health.content:
            info.build = (parse(health.content).findtext("version") or "").strip() or None
    except (TargetError, AssertionError):
        pass
    return None


def _family_problem(target: Target, version: str) -> str | None:
    family = schema_family(version)
    if target.api_version is not None and schema_family(target.api_version) != family:
        return (
            f"--api-version {target.api_version}, but the appliance reports API {version} (get_api_info),"
            f" of the {family} family"
        )
    if target.legacy != (family == LEGACY_FAMILY):
        if target.legacy:
            return (
                f"the appliance reports API {version}: its checks need client accounts (client_id with"
                " secret_env or secret_file); username accounts are for API 1.7.0 (Bomgar 12.1)"
            )
        return (
            f"the appliance reports API {version} (Bomgar 12.1), whose accounts are users: give username with"
            " password_env or password_file in the target file"
        )
    return None


def make_client(target: Target, role: str | None, session=None) -> ApplianceClient:
    """A client for one account of the target (None: anonymous), in the family its accounts speak."""
    transport = Transport(target.url, session, verify=target.verify)
    credentials = target.accounts[role] if role is not None else None
    if isinstance(credentials, Login):
        return ApplianceClient(transport, login=credentials)
    tokens = TokenCache(transport, credentials) if credentials is not None else None
    return ApplianceClient(transport, tokens, legacy=target.legacy)


@pytest.fixture(scope="session")
def rs_expect(rs_target: TargetInfo) -> Expect:
    return rs_target.expect


@pytest.fixture(scope="session")
def rs_clients(request: pytest.FixtureRequest, rs_target: TargetInfo) -> dict[str | None, ApplianceClient]:
    return _state(request.config).clients  # the pre-flight's: their tokens are reused, not asked again


@pytest.fixture(scope="session")
def rs_client(rs_target: TargetInfo, rs_clients):
    """rs_client(role) -> an ApplianceClient for that API account; NOT_TESTED when the target has none.
    Session-scoped, so module fixtures use it too."""

    def get_client(role: str | None = "full") -> ApplianceClient:
        if role is not None and role not in rs_target.target.accounts:
            verdicts.not_tested(f"the target file gives no {role!r} API account")
        if role not in rs_clients:
            rs_clients[role] = make_client(rs_target.target, role)
        return rs_clients[role]

    return get_client


@pytest.fixture
def rs_api(rs_client) -> ApplianceClient:
    """The full-access API account's client."""
    return rs_client("full")


@pytest.fixture
def rs_anon(rs_client) -> ApplianceClient:
    """A client without a token (client scripting, session generation, health)."""
    return rs_client(None)


@pytest.fixture(scope="session")
def rs_run_prefix(request: pytest.FixtureRequest) -> str:
    """A prefix for everything a run creates on the target, so its leftovers are recognisable."""
    return f"rsh-{_state(request.config).run_id[-12:]}"


@pytest.fixture(autouse=True)
def _rs_check_gate(request: pytest.FixtureRequest) -> None:
    """Before each check: clear its evidence; NOT_TESTED outside the profile, NA outside the
    API versions it applies to."""
    item = request.node
    if not is_check(item):
        return
    info: TargetInfo = request.getfixturevalue("rs_target")
    mark = item.get_closest_marker("profile")
    needed = mark.args[0] if mark else "read-only"
    if not info.target.allows(needed):
        verdicts.not_tested(f"needs the {needed} profile; this run is {info.target.profile}")
    mark = item.get_closest_marker("api_version")
    if mark and is_version(info.api_version):
        have = version_tuple(info.api_version)
        since, until = mark.kwargs.get("since"), mark.kwargs.get("until")
        if since and have < version_tuple(since):
            verdicts.na(f"API {info.api_version} predates this (since {since})")
        if until and have > version_tuple(until):
            verdicts.na(f"API {info.api_version} no longer has this (until {until})")
    RECORDER.clear()  # the gate's own calls are not the check's evidence


# -- verdicts -----------------------------------------------------------------------------------------------


def _skip_verdict(rep: pytest.TestReport) -> tuple[str, str]:
    reason = rep.longrepr[2] if isinstance(rep.longrepr, tuple) else str(rep.longrepr)
    reason = reason.removeprefix("Skipped: ")
    if reason.startswith(verdicts.NA_PREFIX):
        return verdicts.NA, reason.removeprefix(verdicts.NA_PREFIX)
    return verdicts.NOT_TESTED, reason.removeprefix(verdicts.NOT_TESTED_PREFIX)


def _failure_reason(call: pytest.CallInfo) -> str:
    exc = call.excinfo.value if call.excinfo else None
    if isinstance(exc, (verdicts.CheckFailed, TargetError)):
        return str(exc)
    if isinstance(exc, AssertionError):
        return str(exc).split("\nassert ")[0] or "assertion failed"
    return call.excinfo.exconly() if call.excinfo else "failed"


def _redact_report(rep: pytest.TestReport, reason: str) -> None:
    # The traceback becomes text: redacted, and led by the check's reason, which pytest's one-line summaries
    # then show (they take a text longrepr's first line).
    if isinstance(rep.longrepr, tuple):
        path, line, text = rep.longrepr
        rep.longrepr = (path, line, REDACTOR.text(text))
    elif rep.longrepr is not None:
        text = REDACTOR.text(str(rep.longrepr))
        rep.longrepr = f"{REDACTOR.text(reason)}\n\n{text}" if reason else text
    rep.sections = [(title, REDACTOR.text(content)) for title, content in rep.sections]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem):
    """Each check runs in a CheckContext of its own (setup, call and teardown), where its warn() calls go."""
    if not is_check(item):
        return (yield)
    context = verdicts.CheckContext()
    item.stash[CONTEXT] = context
    with verdicts.checking(context):
        return (yield)


CONTEXT = pytest.StashKey[verdicts.CheckContext]()


def _charged(
    req: str | None, ids: list[str], reason: str, known: dict[str, Requirement], family: str | None = None
) -> tuple[str, str]:
    """The requirement a defect is charged to (None: the check's primary one) and the reason. In a check of
    the 1.7.0 family, a 21.3 requirement is charged to the 12.1 one that restates it; one outside the
    run's matrix (`known`) to the check's primary requirement, saying so."""
    if req is None:
        return ids[0], reason
    req = _restated(req, family)
    if req in known:
        return req, reason
    why = "not in the catalogue" if req not in catalogue() else "not a requirement of the run's API family"
    return ids[0], f"{reason} (charged to {req}, {why})"  # a check's own mistake, said


def _restated(req: str, family: str | None) -> str:
    """`req`, or the requirement of `family`'s guide that restates it."""
    return counterparts(FAMILY_GUIDES[family]).get(req, req) if family in FAMILY_GUIDES else req


def _by_level(req_id: str, verdict: str, known: dict[str, Requirement]) -> str:
    """A FAIL charged to a SHOULD requirement is a WARN."""
    return verdicts.WARN if verdict == verdicts.FAIL and known[req_id].level == "SHOULD" else verdict


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    rep = yield
    if not is_check(item):
        return rep
    state = _state(item.config)
    ids = requirement_ids(item)
    record = state.records.get(item.nodeid)
    if record is None:
        record = state.records[item.nodeid] = Record(item.nodeid, item.name, ids)
    record.seconds += rep.duration
    context = item.stash.get(CONTEXT, None)
    known = state.matrix if state.matrix is not None else state.requirements
    family = check_family(item)
    reason = ""
    if rep.skipped and not hasattr(rep, "wasxfail"):
        if record.verdict is None:
            record.verdict, reason = _skip_verdict(rep)
            record.reason = REDACTOR.text(reason)
    elif rep.failed or rep.when == "call":
        if context is not None:
            for charge in context.charges[record.context_seen :]:
                req_id, text = _charged(charge.req, ids, charge.reason, known, family)
                record.charge(
                    req_id, _by_level(req_id, charge.verdict, state.requirements), REDACTOR.text(text)
                )
            record.context_seen = len(context.charges)
            judged = dict.fromkeys(_restated(r, family) for r in context.judged)
            record.judged = [r for r in judged if r in known and r not in ids]
        if rep.failed:
            exc = call.excinfo.value if call.excinfo else None
            reason = _failure_reason(call)
            if rep.when == "setup":
                reason = f"could not set up the check: {reason}"
            elif rep.when == "teardown":
                reason = f"cleanup failed: {reason}"
            req_id, reason = _charged(getattr(exc, "req", None), ids, reason, known, family)
            record.charge(req_id, _by_level(req_id, verdicts.FAIL, state.requirements), REDACTOR.text(reason))
            if rep.when != "teardown":
                record.stopped_at = req_id
        _settle(record)
    if record.verdict in (verdicts.FAIL, verdicts.WARN) and (rep.failed or rep.when == "call"):
        record.evidence = [e.redacted() for e in list(RECORDER.exchanges)[-EVIDENCE_KEEP:]]
    if rep.failed and record.verdict == verdicts.WARN:
        rep.outcome = "passed"  # a SHOULD not met does not fail the run
        rep.longrepr = None
    elif rep.passed and rep.when == "call" and record.verdict == verdicts.FAIL:
        rep.outcome, rep.longrepr = "failed", record.reason  # defect(): it went on, and FAILs at its end
    if rep.failed and record.verdict == verdicts.FAIL and state.info is not None:
        accepted = state.expected.match(record.charged(), item.nodeid, state.info.target)
        if accepted is not None:
            record.expected = accepted.reason
            rep.outcome, rep.wasxfail = "skipped", f"expected failure: {accepted.reason}"
    if rep.when == "call" or rep.failed:
        item.user_properties = [p for p in item.user_properties if p[0] not in ("verdict", "requirements")]
        item.user_properties += [("verdict", record.verdict or ""), ("requirements", " ".join(ids))]
        if record.verdict == verdicts.WARN:  # JUnit has no WARN: its consumers show it in system-out
            item.add_report_section(rep.when, "stdout", f"rs-harness WARN: {record.reason}\n")
    _redact_report(rep, reason)
    return rep


def _settle(record: Record) -> None:
    """The check's verdict from its charges: FAIL if any FAIL, else WARN if any WARN, else PASS; the reason
    lists that verdict's charges, each led by its requirement unless it is the check's primary one."""
    primary = record.requirements[0]
    for verdict in (verdicts.FAIL, verdicts.WARN):
        charges = [c for c in record.charges if c["verdict"] == verdict]
        if charges:
            record.verdict = verdict
            record.reason = "; ".join(
                c["reason"] if c["requirement"] == primary else f"{c['requirement']}: {c['reason']}"
                for c in charges
            )
            return
    if record.verdict is None:
        record.verdict, record.reason = verdicts.PASS, ""


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config):
    record = _state(config).records.get(report.nodeid)
    if record is None or report.when != "call" and not report.skipped:
        return None
    if record.verdict == verdicts.WARN and report.when == "call":
        return "warn", "W", "WARN"
    if record.verdict == verdicts.NA and report.skipped:
        return "na", "n", "NA"
    if record.verdict == verdicts.NOT_TESTED and report.skipped:
        return "not tested", "-", "NOT_TESTED"
    return None


# -- the run's results --------------------------------------------------------------------------------------


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if exitstatus == pytest.ExitCode.INTERRUPTED and state.planned is not None:
        state.interrupted = INTERRUPTS[-1] if INTERRUPTS else "an interruption"
    if not state.records and state.not_certified is None and state.interrupted is None:
        return
    info = state.info
    if state.interrupted is not None:
        for record in state.records.values():
            if record.verdict is None:  # the check in progress when the run was stopped
                record.verdict, record.reason = verdicts.NOT_TESTED, f"interrupted by {state.interrupted}"
    gate = state.expected.gate(state.records.values(), info.target if info else None)
    family = state.family or _expected_family(state.target)
    results = RunResults(
        run_id=state.run_id,
        started=state.started,
        finished=time.time(),
        target=info.identity() if info else {},
        records=list(state.records.values()),
        requirements=state.matrix if state.matrix is not None else for_family(state.requirements, family),
        family=family,
        left_out=state.left_out,
        gate_problems=gate,
        expected_file=state.expected.source,
        interrupted=state.interrupted,
        not_certified=state.not_certified,
        min_tested=session.config.getoption("--rs-min-tested", None),
        planned=state.planned,
    )
    state.results = results
    if state.not_certified is not None:
        session.exitstatus = EXIT_NOT_CERTIFIED
        session.config.option.verbose = min(session.config.option.verbose, -2)  # no "no tests ran" line
    elif results.outcome == "FAIL" and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    report_dir = session.config.getoption("--rs-report-dir")
    if report_dir:
        from harness.report_html import write_html

        results.write_json(report_dir)
        write_html(results, report_dir)
    allure_dir = session.config.getoption("--alluredir", None)
    if allure_dir:
        from harness import __version__
        from harness.allure_results import finish

        finish(allure_dir, results.records, results.target, __version__, results.outcome)


def _expected_family(target: Target | None) -> str:
    """The family a run that negotiated nothing was to judge: the one asked for, or its accounts' kind."""
    if target is not None and target.api_version is not None:
        return schema_family(target.api_version)
    return LEGACY_FAMILY if target is not None and target.legacy else CURRENT_FAMILY


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    results = _state(config).results
    if results is None:
        return
    write = terminalreporter.write_line
    if results.not_certified is None:
        terminalreporter.section("rs-harness")
    for line in results.summary_lines(verbose=config.getoption("verbose", 0) > 0):
        write(REDACTOR.text(line))
