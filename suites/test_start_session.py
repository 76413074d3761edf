"""Session generation (guide: "Session Generation API" and its subsections; the session key URL of
"API Command: generate_session_key").

Each start method (representative, session key, issue submission) and each optional parameter on both sides of
its documented limit; what is refused starts nothing; c2cjs, the key form by GET and POST, the key URL, the
deprecated .ns URL and start_session.js.

Starting a session creates one on the target, so these checks are profile("standard"): each names its customer
uniquely (customer.name under the run prefix), finds the session through get_connected_clients afterwards and
ends it with terminate_session. A real appliance starts the session only when the downloaded customer client
runs, so there the checks see no session: nothing to end, and what only the session can show is NOT_TESTED.
Session keys cannot be deleted through the API; the checks generate them with a short ttl.

Representative and issue IDs come from get_logged_in_reps and get_support_teams. Representatives log in and
out while the checks run: a representative start that is refused is a FAIL only if the representative was
still logged in and showing on the list afterwards. The guide's example names the command API does not list
(the issue code name issue_code_name, the skills codename1 and codename2, the custom field custom_field1) are
assumed configured; a refusal of a request using them is NOT_TESTED on a target other than the embedded one.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import pytest

from harness.catalogue import limits
from harness.checks.sessions import SessionKey, session_key
from harness.checks.start_session import (
    Rep,
    accepted,
    chat_page,
    client_download,
    customer_lsid,
    key_url_path,
    logged_in_reps,
    session_carries,
    session_in_team,
    start_refused,
    start_session_js,
    support_issues,
    windows_executable,
)
from harness.checks.xml import command_ok, reporting_ok
from harness.client.api import START_SESSION_PATH
from harness.verdicts import CheckFailed, not_tested

pytestmark = pytest.mark.profile("standard")

KEY_TTL = 120  # seconds: keys this run generates and cannot delete expire soon after it
GUIDE_CODE_NAME = "issue_code_name"  # "Issue submission survey using issue code name"
GUIDE_SKILLS = "codename1,codename2"
GUIDE_FIELD = "session.custom.custom_field1"
UNKNOWN_ID = "999999999"
MAX_CUSTOMER, MAX_DETAILS = limits.CUSTOMER_FIELD_MAX, limits.CUSTOMER_DETAILS_MAX_BYTES
MAX_FIELD = limits.CUSTOM_FIELD_MAX  # the external key's too (limits.EXTERNAL_KEY_MAX)
MAX_WAIT = 5  # seconds the expiry check may wait for a key's ttl to pass
_counter = itertools.count(1)


# -- the target's directory, read once per module ------------------------------------------------------------


@dataclass
class Directory:
    reps: list[Rep]
    issues: list[tuple[str, str]]  # (issue id, team id)

    def rep(self) -> Rep:
        listed = [r for r in self.reps if r.showing]
        if not listed:
            not_tested("no representative is logged in and showing on the representative list")
        return min(listed, key=lambda r: int(r.id))

    def issue(self) -> tuple[str, str]:
        if not self.issues:
            not_tested("get_support_teams lists no issue")
        return min(self.issues, key=lambda i: int(i[0]))


@pytest.fixture(scope="module")
def _module_cache() -> dict:
    return {}


@pytest.fixture
def directory(rs_api, rs_expect, _module_cache) -> Directory:
    if "directory" not in _module_cache:
        reps = logged_in_reps(command_ok(rs_api.command("get_logged_in_reps"), rs_expect, "logged_in_reps"))
        teams = command_ok(rs_api.command("get_support_teams"), rs_expect, "support_teams")
        _module_cache["directory"] = Directory(reps, support_issues(teams))
    return _module_cache["directory"]


# -- the sessions a check starts, found and ended afterwards -------------------------------------------------


@dataclass
class Sessions:
    api: object
    expect: object
    prefix: str
    embedded: bool
    names: list[str] = field(default_factory=list)
    lsids: list[str] = field(default_factory=list)

    def name(self, tag: str, width: int | None = None) -> str:
        """A customer name no other session has (padded to `width` characters)."""
        name = f"{self.prefix}-{tag}-{next(_counter)}-"
        return name + "x" * (width - len(name)) if width else name.rstrip("-")

    def expect_named(self, *names: str) -> None:
        self.names += [n for n in names if n not in self.names]

    def _customers(self):
        response = self.api.command("get_connected_clients", {"type": "support_customer"})
        return command_ok(response, self.expect, "connected_clients")

    def lsid(self, name: str) -> str | None:
        """The lsid of the session whose customer is `name`, or None when the target shows none."""
        self.expect_named(name)
        found = customer_lsid(self._customers(), name)
        if found is not None and found not in self.lsids:
            self.lsids.append(found)
        return found

    def session_of(self, name: str) -> str:
        found = self.lsid(name)
        if found is None:
            not_tested(
                "the target shows no session for the download (a real appliance starts it when the customer "
                "client runs), so what the session carries cannot be read"
            )
        return found

    def none_named(self, *names: str) -> None:
        """SS-006: a refused request left no session with its customer."""
        self.expect_named(*names)
        root = self._customers()
        for name in names:
            found = customer_lsid(root, name)
            if found is not None:
                self.lsids.append(found)
                raise CheckFailed(f"the refused request started session {found} (customer {name!r})")

    def by_external_key(self, before: set[str], external_key: str) -> None:
        """Remember, for ending, a new session whose external key is `external_key` (started without a
        customer name)."""
        for customer in self._customers().iterfind("connected_support_customer"):
            lsid = (customer.findtext("lsid") or "").strip()
            if not lsid or lsid in before:
                continue
            response = self.api.command("get_session_attributes", {"lsid": lsid})
            if response.status_code != 200 or b"<custom_attributes" not in response.content:
                continue  # ended meanwhile, or not ours to read
            root = command_ok(response, self.expect, "custom_attributes")
            values = [
                (a.text or "")
                for a in root.iterfind("custom_attribute")
                if a.get("code_name") == "external_key"
            ]
            if external_key in values:
                self.lsids.append(lsid)

    def live(self) -> set[str]:
        return {
            (c.findtext("lsid") or "").strip()
            for c in self._customers().iterfind("connected_support_customer")
        }

    def end_all(self) -> None:
        if self.names:
            root = self._customers()
            for name in self.names:
                found = customer_lsid(root, name)
                if found is not None and found not in self.lsids:
                    self.lsids.append(found)
        for lsid in self.lsids:
            response = self.api.command("terminate_session", {"lsid": lsid})
            if b"<error" in response.content[:400]:
                continue  # it ended meanwhile: nothing left to clean up
            command_ok(response, self.expect, "success")


@pytest.fixture
def sessions(rs_api, rs_expect, rs_run_prefix, rs_target, _module_cache):
    tracker = Sessions(rs_api, rs_expect, rs_run_prefix, rs_target.target.embedded)
    if "expiring" not in _module_cache:
        # the key the expiry check (last in this file) needs: generated early so that it waits least
        _module_cache["expiring"] = _generate(rs_api, rs_expect, ttl=1)
    yield tracker
    tracker.end_all()


def _generate(api, expect, ttl: int = KEY_TTL, **extra: str) -> tuple[SessionKey | str, float]:
    """A session key for the general queue; (key, our clock after the answer), or (reason, 0) if refused."""
    response = api.command(
        "generate_session_key", {"type": "support", "queue_id": "general", "ttl": ttl, **extra}
    )
    if b"<error" in response.content[:400]:
        return f"generate_session_key refused: {response.content[:200]!r}", 0.0
    return session_key(command_ok(response, expect, "session_key")), time.time()


@pytest.fixture
def new_key(rs_api, rs_expect):
    def make(**extra: str) -> SessionKey:
        key, _ = _generate(rs_api, rs_expect, **extra)
        if isinstance(key, str):
            not_tested(key)
        return key

    return make


# -- starting ------------------------------------------------------------------------------------------------


def start(client, params, method: str = "GET", path: str = START_SESSION_PATH):
    return client.call(path, list(params), method=method, anonymous=True)


def downloaded(response, *, rs_api, rs_expect, rs_target, rep: Rep | None = None, guide_names: bool = False):
    """client_download, except that a refusal explained by the live target is NOT_TESTED: the representative
    left the list meanwhile, or (not embedded) the guide's example names are not configured there."""
    try:
        return client_download(response)
    except CheckFailed:
        if rep is not None:
            now = logged_in_reps(
                command_ok(rs_api.command("get_logged_in_reps"), rs_expect, "logged_in_reps")
            )
            if not any(
                r.id == rep.id and r.public_display_name == rep.public_display_name and r.showing for r in now
            ):
                not_tested(f"representative {rep.id} left the representative list during the check")
        if guide_names and not rs_target.target.embedded:
            not_tested(
                f"refused a request naming the guide's examples ({GUIDE_CODE_NAME}, {GUIDE_SKILLS}, "
                f"{GUIDE_FIELD}); they may not be configured on this target"
            )
        raise


def by_method(method: str, directory: Directory, new_key) -> tuple[list[tuple[str, str]], Rep | None]:
    """The start method's parameters with the target's own ids (and the representative, if one)."""
    if method == "rep":
        rep = directory.rep()
        return [("id", rep.id), ("name", rep.public_display_name)], rep
    if method == "key":
        return [("short_key", new_key().short_key)], None
    return [("issue_menu", "1"), ("id", directory.issue()[0])], None


METHODS = ["rep", "key", "issue"]


# -- the guide's query examples ------------------------------------------------------------------------------

EXAMPLES = {
    "representative": ("rep", [], "SS-REP-001"),
    "session-key": ("key", [("session.custom.external_key", "1234")], "SS-KEY-001"),
    "issue-id": (
        "issue",
        [
            ("customer.company", "Company Name"),
            ("customer.company_code", "1234"),
            ("customer.details", "I need support"),
            ("session.custom.external_key", "1234"),
            (GUIDE_FIELD, "Custom Value"),
        ],
        "SS-ISS-001",
    ),
    "issue-code-name": (
        "code",
        [
            ("customer.company", "Company Name"),
            ("customer.company_code", "1234"),
            ("customer.details", "I need support"),
            ("session.custom.external_key", "1234"),
            (GUIDE_FIELD, "Custom Value"),
        ],
        "SS-ISS-002",
    ),
    "issue-skills-priority": (
        "issue",
        [
            ("customer.company", "Company Name"),
            ("customer.details", "I need support"),
            ("session.priority", "1"),
            ("session.skills", GUIDE_SKILLS),
        ],
        "SS-ISS-001",
        "SS-PRI-001",
        "SS-SKL-001",
    ),
    "locale": ("rep", [("locale", "en-us")], "SS-LOC-001"),
    "platform": ("rep", [("platform", "winNT-32")], "SS-PLAT-001", "SS-PLAT-002"),
    "timezone-offset": ("rep", [("timezone_offset", "-300")], "SS-TZ-001"),
    "chat-locale": ("key", [("locale", "en-us"), ("chat_locale", "cs-cs")], "SS-LOC-001", "SS-LOC-002"),
}


@pytest.mark.req("SS-001", "SS-004", "SS-005")
@pytest.mark.parametrize(
    "how, extra",
    [pytest.param(v[0], v[1], marks=pytest.mark.req(*v[2:]), id=k) for k, v in EXAMPLES.items()],
)
def test_the_guide_query_examples_download_the_customer_client(
    rs_anon, rs_api, rs_expect, rs_target, directory, new_key, sessions, how, extra
):
    """Each query example with the target's ids, plus a customer name to find the session by."""
    if how == "code":
        method, rep = [("issue_menu", "1"), ("codeName", GUIDE_CODE_NAME)], None
    else:
        method, rep = by_method(how, directory, new_key)
    name = sessions.name("example")
    response = start(rs_anon, [*method, ("customer.name", name), *extra])
    sessions.expect_named(name)
    guide = any(k in (GUIDE_FIELD, "session.skills") for k, _ in extra) or how == "code"
    downloaded(response, rs_api=rs_api, rs_expect=rs_expect, rs_target=rs_target, rep=rep, guide_names=guide)
    if ("platform", "winNT-32") in extra:
        windows_executable(response)


# -- what the session carries --------------------------------------------------------------------------------


@pytest.mark.req(
    "SS-008", "SS-EXT-001", "SS-CUST-001", "SS-CUST-002", "SS-CUST-003", "SS-CUST-004", "SS-EXT-002"
)
@pytest.mark.parametrize("how", METHODS)
def test_the_session_carries_the_customer_and_external_key_sent(
    rs_anon, rs_api, rs_expect, rs_target, directory, new_key, sessions, how
):
    """Every customer field and the external key at their maximum length, read back from SupportSession."""
    method, rep = by_method(how, directory, new_key)
    name = sessions.name(how, MAX_CUSTOMER)
    sent = {
        "customer.name": name,
        "customer.company": "Company é " + "c" * (MAX_CUSTOMER - 10),
        "customer.company_code": "k" * MAX_CUSTOMER,
        "customer.details": "Détails: " + "d" * (MAX_DETAILS - 10),  # 1024 bytes: é is two
        "session.custom.external_key": f"{name[:40]}-" + "e" * (MAX_FIELD - 41),
    }
    response = start(rs_anon, [*method, *sent.items()], method="POST")
    sessions.expect_named(name)
    downloaded(response, rs_api=rs_api, rs_expect=rs_expect, rs_target=rs_target, rep=rep)
    lsid = sessions.session_of(name)
    report = rs_api.report("SupportSession", {"lsid": lsid})
    if report.status_code in (401, 403) or b"<error" in report.content[:400]:
        not_tested(f"the SupportSession report of {lsid} was refused (HTTP {report.status_code})")
    session = session_carries(reporting_ok(report, rs_expect, "session_list"), lsid, sent)
    if how == "issue":
        session_in_team(session, directory.issue()[1])


@pytest.mark.req("SS-ISS-006")
def test_an_issue_session_waits_in_the_issue_team(rs_anon, rs_api, rs_expect, rs_target, directory, sessions):
    issue_id, team_id = directory.issue()
    name = sessions.name("team")
    response = start(rs_anon, [("issue_menu", "1"), ("id", issue_id), ("customer.name", name)])
    downloaded(response, rs_api=rs_api, rs_expect=rs_expect, rs_target=rs_target)
    lsid = sessions.session_of(name)
    report = rs_api.report("SupportSession", {"lsid": lsid})
    if report.status_code in (401, 403) or b"<error" in report.content[:400]:
        not_tested(f"the SupportSession report of {lsid} was refused (HTTP {report.status_code})")
    session_in_team(session_carries(reporting_ok(report, rs_expect, "session_list"), lsid, {}), team_id)


@pytest.mark.req("SS-KEY-006", "SS-EXT-001")
def test_start_session_values_take_precedence_over_the_key(
    rs_anon, rs_api, rs_expect, rs_target, new_key, sessions
):
    key = new_key(**{"session.custom.external_key": "from-generate_session_key"})
    name = sessions.name("precedence")
    sent = {"customer.name": name, "session.custom.external_key": f"from-start_session-{name}"}
    downloaded(
        start(rs_anon, [("short_key", key.short_key), *sent.items()]),
        rs_api=rs_api,
        rs_expect=rs_expect,
        rs_target=rs_target,
    )
    lsid = sessions.session_of(name)
    report = rs_api.report("SupportSession", {"lsid": lsid})
    if report.status_code in (401, 403) or b"<error" in report.content[:400]:
        not_tested(f"the SupportSession report of {lsid} was refused (HTTP {report.status_code})")
    session_carries(
        reporting_ok(report, rs_expect, "session_list"), lsid, sent, external_key_req="SS-KEY-006"
    )


# -- the session key form, the key URL, .ns ------------------------------------------------------------------


@pytest.mark.req("SS-002", "SS-KEY-002", "SS-004")
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_session_key_form_by_get_and_post(
    rs_anon, rs_api, rs_expect, rs_target, new_key, sessions, method
):
    key = new_key()
    name = sessions.name(f"form-{method}")
    response = start(
        rs_anon,
        [("short_key", key.short_key), ("session.custom.external_key", name), ("customer.name", name)],
        method=method,
    )
    sessions.expect_named(name)
    downloaded(response, rs_api=rs_api, rs_expect=rs_expect, rs_target=rs_target)


@pytest.mark.req("SS-KEY-005")
def test_the_session_key_url_starts_a_session(rs_anon, new_key, sessions):
    marker = sessions.name("key-url")
    key = new_key(**{"session.custom.external_key": marker})
    before = sessions.live()
    accepted(rs_anon.call(key_url_path(key.key_url), anonymous=True))
    sessions.by_external_key(before, marker)


@pytest.mark.req("SS-003", "SS-004")
def test_the_deprecated_ns_url_still_starts(rs_anon, rs_api, rs_expect, rs_target, new_key, sessions):
    name = sessions.name("ns")
    response = start(
        rs_anon,
        [("short_key", new_key().short_key), ("customer.name", name)],
        path=START_SESSION_PATH + ".ns",
    )
    sessions.expect_named(name)
    downloaded(response, rs_api=rs_api, rs_expect=rs_expect, rs_target=rs_target)


# -- click-to-chat -------------------------------------------------------------------------------------------


@pytest.mark.req("SS-C2C-001")
@pytest.mark.parametrize("how", METHODS)
def test_c2cjs_answers_the_click_to_chat_page(rs_anon, rs_api, rs_expect, directory, new_key, sessions, how):
    method, rep = by_method(how, directory, new_key)
    name = sessions.name(f"c2c-{how}")
    response = start(rs_anon, [*method, ("customer.name", name), ("c2cjs", "1")])
    sessions.expect_named(name)
    try:
        chat_page(response)
    except CheckFailed:
        if rep is not None and response.status_code >= 400:
            now = logged_in_reps(
                command_ok(rs_api.command("get_logged_in_reps"), rs_expect, "logged_in_reps")
            )
            if not any(r.id == rep.id and r.showing for r in now):
                not_tested(f"representative {rep.id} left the representative list during the check")
        raise


@pytest.mark.req("SS-C2C-002", "SS-004")
def test_c2cjs_0_is_the_full_client(rs_anon, rs_api, rs_expect, rs_target, directory, sessions):
    name = sessions.name("c2c0")
    response = start(
        rs_anon, [("issue_menu", "1"), ("id", directory.issue()[0]), ("customer.name", name), ("c2cjs", "0")]
    )
    sessions.expect_named(name)
    downloaded(response, rs_api=rs_api, rs_expect=rs_expect, rs_target=rs_target)


# -- optional parameters on both sides of their limits -------------------------------------------------------


def _limit(param: str, value: str, *reqs: str, guide: bool = False):
    return pytest.param(param, value, guide, marks=pytest.mark.req(*reqs), id=f"{param}-{len(value)}")


# (param, value, uses the guide's example names); customer.name is the check's own name, padded to the limit
AT_LIMIT = [
    pytest.param("customer.name", "", False, marks=pytest.mark.req("SS-CUST-001"), id="customer.name-100"),
    _limit("customer.company", "c" * MAX_CUSTOMER, "SS-CUST-002"),
    _limit("customer.company_code", "k" * MAX_CUSTOMER, "SS-CUST-003"),
    _limit("customer.details", "d" * MAX_DETAILS, "SS-CUST-004"),
    pytest.param(
        "customer.details",
        "é" * (MAX_DETAILS // 2),
        False,
        marks=pytest.mark.req("SS-CUST-004"),
        id="customer.details-1024-bytes-of-512-é",
    ),
    _limit("session.custom.external_key", "e" * MAX_FIELD, "SS-EXT-002"),
    _limit(GUIDE_FIELD, "f" * MAX_FIELD, "SS-CF-001", guide=True),
    *(_limit("session.priority", p, "SS-PRI-001") for p in ("1", "2", "3")),
    *(
        pytest.param(
            "timezone_offset", t, False, marks=pytest.mark.req("SS-TZ-001"), id=f"timezone_offset={t}"
        )
        for t in ("-300", "0", "330")
    ),
    pytest.param(
        "platform",
        "winNT-64",
        False,
        marks=pytest.mark.req("SS-PLAT-001", "SS-PLAT-002"),
        id="platform=winNT-64",
    ),
]

OVER_LIMIT = [
    pytest.param("customer.name", "", False, marks=pytest.mark.req("SS-CUST-001"), id="customer.name-101"),
    _limit("customer.company", "c" * (MAX_CUSTOMER + 1), "SS-CUST-002"),
    _limit("customer.company_code", "k" * (MAX_CUSTOMER + 1), "SS-CUST-003"),
    _limit("customer.details", "d" * (MAX_DETAILS + 1), "SS-CUST-004"),
    pytest.param(
        "customer.details",
        "é" * (MAX_DETAILS // 2 + 1),
        False,
        marks=pytest.mark.req("SS-CUST-004"),
        id="customer.details-1026-bytes-of-513-é",
    ),
    _limit("session.custom.external_key", "e" * (MAX_FIELD + 1), "SS-EXT-002"),
    _limit(GUIDE_FIELD, "f" * (MAX_FIELD + 1), "SS-CF-001"),
    *(
        pytest.param(
            "session.priority", p, False, marks=pytest.mark.req("SS-PRI-001"), id=f"session.priority={p}"
        )
        for p in ("0", "4", "high")
    ),
]

SHOULD_REFUSE = [
    pytest.param("timezone_offset", "UTC-5", marks=pytest.mark.req("SS-TZ-002"), id="timezone_offset=UTC-5"),
    pytest.param("platform", "winNT-16", marks=pytest.mark.req("SS-PLAT-003"), id="platform=winNT-16"),
]


@pytest.mark.req("SS-004")
@pytest.mark.parametrize("param, value, guide", AT_LIMIT)
def test_an_optional_parameter_at_its_limit_is_accepted(
    rs_anon, rs_api, rs_expect, rs_target, directory, sessions, param, value, guide
):
    name = sessions.name("at", MAX_CUSTOMER if param == "customer.name" else None)
    params = [("issue_menu", "1"), ("id", directory.issue()[0]), ("customer.name", name)]
    if param != "customer.name":
        params.append((param, value))
    response = start(rs_anon, params, method="POST")
    sessions.expect_named(name)
    downloaded(response, rs_api=rs_api, rs_expect=rs_expect, rs_target=rs_target, guide_names=guide)
    if param == "platform":
        windows_executable(response)


@pytest.mark.req("SS-006", "SS-007")
@pytest.mark.parametrize("param, value, guide", OVER_LIMIT)
def test_an_optional_parameter_over_its_limit_starts_nothing(
    rs_anon, directory, sessions, param, value, guide
):
    name = sessions.name("over", MAX_CUSTOMER + 1 if param == "customer.name" else None)
    params = [("issue_menu", "1"), ("id", directory.issue()[0]), ("customer.name", name)]
    if param != "customer.name":
        params.append((param, value))
    start_refused(start(rs_anon, params, method="POST"))
    sessions.none_named(name, name[:MAX_CUSTOMER])


@pytest.mark.parametrize("param, value", SHOULD_REFUSE)
def test_a_value_of_the_wrong_kind_is_refused(rs_anon, directory, sessions, param, value):
    name = sessions.name("kind")
    start_refused(
        start(
            rs_anon,
            [("issue_menu", "1"), ("id", directory.issue()[0]), ("customer.name", name), (param, value)],
        )
    )
    sessions.none_named(name)


# -- start methods refused -----------------------------------------------------------------------------------


def _refusal(case_id: str, build, *reqs: str):
    return pytest.param(build, marks=pytest.mark.req(*reqs), id=case_id)


# each builds the request's start parameters from (directory, new key)
REFUSALS = [
    _refusal("no-start-method", lambda d, k: [], "SS-START-001", "SS-006", "SS-007"),
    _refusal("rep-id-without-name", lambda d, k: [("id", d.rep().id)], "SS-REP-002", "SS-006", "SS-007"),
    _refusal(
        "rep-name-without-id",
        lambda d, k: [("name", d.rep().public_display_name)],
        "SS-REP-002",
        "SS-006",
        "SS-007",
    ),
    _refusal(
        "rep-unknown-id",
        lambda d, k: [("id", UNKNOWN_ID), ("name", "Nobody")],
        "SS-REP-003",
        "SS-006",
        "SS-007",
    ),
    _refusal(
        "rep-wrong-name",
        lambda d, k: [("id", d.rep().id), ("name", d.rep().public_display_name + " (not)")],
        "SS-REP-004",
    ),
    _refusal(
        "key-never-generated", lambda d, k: [("short_key", "0000000")], "SS-KEY-003", "SS-006", "SS-007"
    ),
    _refusal(
        "issue-id-and-codeName",
        lambda d, k: [("issue_menu", "1"), ("id", d.issue()[0]), ("codeName", GUIDE_CODE_NAME)],
        "SS-ISS-003",
        "SS-006",
        "SS-007",
    ),
    _refusal(
        "issue_menu=0",
        lambda d, k: [("issue_menu", "0"), ("id", d.issue()[0])],
        "SS-ISS-004",
        "SS-006",
        "SS-007",
    ),
    _refusal(
        "issue_menu=2",
        lambda d, k: [("issue_menu", "2"), ("id", d.issue()[0])],
        "SS-ISS-004",
        "SS-006",
        "SS-007",
    ),
    _refusal(
        "issue-without-id-or-codeName", lambda d, k: [("issue_menu", "1")], "SS-ISS-005", "SS-006", "SS-007"
    ),
    _refusal(
        "issue-unknown-id",
        lambda d, k: [("issue_menu", "1"), ("id", UNKNOWN_ID)],
        "SS-ISS-005",
        "SS-006",
        "SS-007",
    ),
    _refusal(
        "key-and-rep",
        lambda d, k: [
            ("short_key", k().short_key),
            ("id", d.rep().id),
            ("name", d.rep().public_display_name),
        ],
        "SS-START-002",
    ),
]


@pytest.mark.parametrize("build", REFUSALS)
def test_a_start_the_rules_refuse_starts_nothing(rs_anon, directory, new_key, sessions, build):
    name = sessions.name("refused")
    start_refused(start(rs_anon, [*build(directory, new_key), ("customer.name", name)]))
    sessions.none_named(name)


# -- start_session.js (read-only) ----------------------------------------------------------------------------


@pytest.mark.profile("read-only")
@pytest.mark.req("SS-JS-001", "SS-JS-002", "SS-JS-003")
def test_start_session_js_is_served(rs_anon):
    start_session_js(rs_anon.call(START_SESSION_PATH + ".js", anonymous=True))


# -- expiry (last: its key was generated when the first check of this file ran) ------------------------------


@pytest.mark.req("SS-KEY-004", "SS-006", "SS-007")
def test_an_expired_session_key_starts_nothing(rs_anon, sessions, _module_cache):
    key, generated_at = _module_cache["expiring"]
    if isinstance(key, str):
        not_tested(key)
    ttl = key.ttl if key.ttl is not None else 1
    if ttl > MAX_WAIT:
        not_tested(f"generate_session_key gave ttl=1 a ttl of {ttl} s; the check waits at most {MAX_WAIT} s")
    wait = generated_at + ttl + 1.0 - time.time()  # the ttl the guide gives, plus a second for rounding
    if wait > 0:
        time.sleep(wait)
    name = sessions.name("expired")
    start_refused(start(rs_anon, [("short_key", key.short_key), ("customer.name", name)]))
    sessions.none_named(name)
