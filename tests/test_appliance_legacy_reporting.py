"""The reporting API of a 1.7.0 (Bomgar 12.1) appliance over real HTTP: every query example of the 12.1
guide, the recordings, the Login failed answer, the permission refusal, parameter errors in the guide's
shape, the 12.1 elements and event types read from the same history store as API 1.21.1; every answer
validates against schemas/1.7.0."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from lxml import etree

from harness.appliance import history, legacy_reporting, server
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.clock import ManualClock
from harness.validate import validate

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
GUIDE, SECOND, WAITING = *history.GUIDE_LSIDS, history.IN_PROGRESS_LSID

# The "Query Examples" of the 12.1 guide's reports that answer XML, as printed (stray spaces removed). Its
# SupportSession examples print `sid=` and `ids=` where the parameter table says lsid and lsids: those two
# are given as the table says (test_guide_misprints_are_not_parameters has the printed ones).
EXAMPLES = """
SupportSession&start_date=2011-04-01&duration=0
SupportSession&start_date=2011-04-01&duration=30
SupportSession&start_time=1301644800&duration=0
SupportSession&start_time=1301644800&duration=36000
SupportSession&end_date=2011-04-01&duration=0
SupportSession&end_date=2011-04-01&duration=30
SupportSession&end_time=1301644800&duration=0
SupportSession&end_time=1301644800&duration=36000
SupportSession&lsid=c69a8e10bea9428f816cfababe9815fe
SupportSession&lsids=c69a8e10bea9428f816cfababe9815fe,a5eeaa58591047b88556f944804227b0,5bf07601298b495b87310da9ce571e22
SupportSession&start_date=2011-04-01&duration=0&limit=all
SupportSession&start_date=2011-04-01&duration=0&limit=rep:1
SupportSession&start_date=2011-04-01&duration=0&limit=team:all
SupportSession&start_date=2011-04-01&duration=0&limit=team:1
SupportSession&start_date=2011-04-01&duration=0&limit=members:1
SupportSession&start_date=2011-04-01&duration=0&limit=site:1
SupportSessionListing&start_date=2011-04-01&duration=0
SupportSessionListing&start_date=2011-04-01&duration=30
SupportSessionListing&start_time=1301644800&duration=0
SupportSessionListing&start_time=1301644800&duration=36000
SupportSessionListing&end_date=2011-04-01&duration=0
SupportSessionListing&end_date=2011-04-01&duration=30
SupportSessionListing&end_time=1301644800&duration=0
SupportSessionListing&end_time=1301644800&duration=36000
SupportSessionSummary&start_date=2011-04-01&duration=0&report_type=rep
SupportSessionSummary&start_date=2011-04-01&duration=0&report_type=team
SupportSessionSummary&start_date=2011-04-01&duration=0&report_type=site
SupportSessionSummary&start_date=2011-04-01&duration=30&report_type=rep
SupportSessionSummary&start_time=1301644800&duration=0&report_type=rep
SupportSessionSummary&start_time=1301644800&duration=36000&report_type=rep
SupportSessionSummary&end_date=2011-04-01&duration=0&report_type=rep
SupportSessionSummary&end_date=2011-04-01&duration=30&report_type=rep
SupportSessionSummary&end_time=1301644800&duration=0&report_type=rep
SupportSessionSummary&end_time=1301644800&duration=36000&report_type=rep
SupportCustExitSurvey&start_date=2011-04-01&duration=0&report_type=rep&id=all
SupportCustExitSurvey&start_date=2011-04-01&duration=0&report_type=team&id=all
SupportCustExitSurvey&start_date=2011-04-01&duration=0&report_type=rep&id=1
SupportCustExitSurvey&start_date=2011-04-01&duration=0&report_type=team&id=1
SupportCustExitSurvey&start_date=2011-04-01&duration=30&report_type=rep&id=all
SupportCustExitSurvey&start_time=1301644800&duration=0&report_type=rep&id=all
SupportCustExitSurvey&start_time=1301644800&duration=36000&report_type=rep&id=all
SupportCustExitSurvey&end_date=2011-04-01&duration=0&report_type=rep&id=all
SupportCustExitSurvey&end_date=2011-04-01&duration=30&report_type=rep&id=all
SupportCustExitSurvey&end_time=1301644800&duration=0&report_type=rep&id=all
SupportCustExitSurvey&end_time=1301644800&duration=36000&report_type=rep&id=all
SupportCustExitSurvey&start_date=2011-04-01&duration=0&report_type=rep&id=all&site_id=1
SupportTeam&start_date=2011-04-01&duration=0
SupportTeam&start_date=2011-04-01&duration=30
SupportTeam&start_time=1301644800&duration=0
SupportTeam&start_time=1301644800&duration=36000
SupportTeam&start_date=2011-04-01&duration=0&team_id=1
SupportTeam&end_date=2011-04-01&duration=0
SupportTeam&end_date=2011-04-01&duration=30
SupportTeam&end_time=1301644800&duration=0
SupportTeam&end_time=1301644800&duration=36000
SupportTeam&end_date=2011-04-01&duration=0&team_id=1
""".strip().splitlines()
# and the same twelve for the representatives' surveys, as the guide prints them
EXAMPLES += [q.replace("SupportCust", "SupportRep") for q in EXAMPLES if q.startswith("SupportCust")]
# The guide day's survey examples bounded to that day: its surveyed session ran on public site 2 (asserted
# in test_exit_surveys_default_to_the_default_site), and without site_id only the default site is reported.
SITE_2_SURVEYS = {q for q in EXAMPLES if "ExitSurvey" in q and "duration=0&" not in q}
ROOTS = {
    "SupportSession": ("session_list", "session"),
    "SupportSessionListing": ("session_summary_list", "session_summary"),
    "SupportSessionSummary": ("summary_list", "summary"),
    "SupportCustExitSurvey": ("exit_survey_list", "exit_survey"),
    "SupportRepExitSurvey": ("exit_survey_list", "exit_survey"),
    "SupportTeam": ("team_activity_list", "team_activity"),
}
ALLOWED = ["full", "read_only", "no_command", "reporting_only"]  # roles with the reporting API permission
REFUSED = ["real_time_only", "configuration_only", "nothing"]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    config = ApplianceConfig(tmp_path_factory.mktemp("legacy"), seed=7, api_version="1.7.0")
    appliance = Appliance(config, clock=ManualClock(NOW))
    with server.running(appliance) as url:
        yield appliance, url


def login(appliance: Appliance, role: str) -> dict[str, str]:
    account = appliance.account(role)
    return {"username": account.username, "password": account.password}


def get(
    served, query: str | dict, role: str | None = "full", path: str = "/api/reporting.ns"
) -> httpx.Response:
    appliance, url = served
    params = dict(parse_qsl(query)) if isinstance(query, str) else dict(query)
    return httpx.get(url + path, params={**(login(appliance, role) if role else {}), **params})


def report(name: str, **params: str) -> dict[str, str]:
    return {"generate_report": name, **params}


def answer(r: httpx.Response, root: str) -> etree._Element:
    """A valid 1.7.0 answer with this root, HTTP 200, in the documented namespace; parsed as integrations
    do: the namespace stripped from the text, then the XML read."""
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/xml"), (r.status_code, r.text)
    result = validate(io.BytesIO(r.content), api_version="1.7.0")
    assert result.status == "valid", [str(e) for e in result.errors] or result.reason
    assert (result.root, result.namespace.status) == (root, "ok"), (result.root, result.namespace)
    return etree.fromstring(re.sub(rb'\sxmlns="[^"]*"', b"", r.content, count=1))


def error_text(r: httpx.Response, root: str = "error") -> str:
    """The message of a root <error>, or of the <error> inside a report's root (its only child)."""
    el = answer(r, root)
    if root != "error":
        assert [child.tag for child in el] == ["error"]
        el = el[0]
    assert el.text.strip()
    return el.text


def lsids(el: etree._Element, tag: str = "session") -> list[str]:
    return [s.get("lsid") for s in el.iter(tag)]


def db(served):
    return history.ensure(served[0].db_path)


@pytest.mark.parametrize("query", EXAMPLES)
def test_every_guide_query_example_answers_valid_xml(served, query) -> None:
    name = query.partition("&")[0]
    root, record = ROOTS[name]
    el = answer(get(served, f"generate_report={query}"), root)
    assert (next(el.iter(record), None) is None) == (query in SITE_2_SURVEYS), query


def test_the_guides_lsid_examples_name_the_seeded_sessions(served) -> None:
    one = answer(get(served, report("SupportSession", lsid=GUIDE)), "session_list")
    assert lsids(one) == [GUIDE]
    three = answer(
        get(served, report("SupportSession", lsids=f"{GUIDE},{SECOND},{WAITING}", limit="rep:999")),
        "session_list",
    )
    assert sorted(lsids(three)) == sorted([GUIDE, SECOND, WAITING])  # "limit ... will be ignored"
    waiting = next(s for s in three.iter("session") if s.get("lsid") == WAITING)
    assert waiting.findtext("end_time") == "" and waiting.find("primary_rep") is None


@pytest.mark.parametrize(
    "query",
    [  # the guide's examples (its presentation one names a support session: test below), then a presentation
        report("SupportSessionRecording", lsid=GUIDE),
        report("CommandShellRecording", lsid=GUIDE, instance="0"),
        report("CommandShellRecording", lsid=GUIDE, instance="2"),
        report("PresentationRecording", lsid=history.GUIDE_PRESENTATION),
    ],
)
def test_recording_examples_download_the_flash_video(served, query) -> None:
    r = get(served, query)
    assert r.status_code == 200 and r.headers["content-type"] == "video/x-flv"
    assert r.content.startswith(b"FLV") and "attachment" in r.headers["content-disposition"]


def test_a_recording_that_does_not_exist_is_a_root_error(served) -> None:
    # the guide's PresentationRecording example names its support session: no presentation has that ID
    assert error_text(get(served, report("PresentationRecording", lsid=GUIDE))).startswith(
        "No recording found"
    )
    assert error_text(get(served, report("SupportSessionRecording", lsid=WAITING))).startswith("No recording")
    assert error_text(get(served, report("CommandShellRecording", lsid=GUIDE, instance="3"))).startswith(
        "No "
    )


def test_post_form_parameters(served) -> None:
    appliance, url = served
    data = {**login(appliance, "full"), **report("SupportSession", lsid=GUIDE)}
    assert lsids(answer(httpx.post(url + "/api/reporting.ns", data=data), "session_list")) == [GUIDE]


@pytest.mark.parametrize(
    "credentials",
    [
        lambda full: {},
        lambda full: {"username": full["username"]},
        lambda full: {"password": full["password"]},
        lambda full: {**full, "password": full["password"] + "x"},
        lambda full: {**full, "username": "nobody"},
        lambda full: {"username": "", "password": ""},
    ],
    ids=["none", "no password", "no username", "wrong password", "unknown user", "empty"],
)
def test_a_wrong_or_missing_login_is_login_failed(served, credentials) -> None:
    appliance, url = served
    params = {**credentials(login(appliance, "full")), **report("SupportSession", lsid=GUIDE)}
    assert (
        error_text(httpx.get(url + "/api/reporting.ns", params=params)) == "Login failed"
    )  # compared as text


@pytest.mark.parametrize("role", ALLOWED + REFUSED)
def test_the_reporting_api_permission(served, role) -> None:
    r = get(served, report("SupportSession", lsid=GUIDE), role=role)
    if role in ALLOWED:
        assert lsids(answer(r, "session_list")) == [GUIDE]
    else:
        assert "permission to use the reporting API" in error_text(r)


@pytest.mark.parametrize(
    "query",
    [
        {},
        report(""),
        report("NoSuchReport"),
        # newer than the 12.1 guide's list of report types
        report("PresentationSession", start_date="2011-04-01", duration="0"),
        report("PresentationSessionListing", start_date="2011-04-01", duration="0"),
        report("PresentationSessionRecording", lsid=history.GUIDE_PRESENTATION),
        report("ShowMyScreenRecording", lsid=GUIDE, instance="0"),
        report("LicenseUsage", start_date="2011-04-01", duration="0", group_by="day"),
        report("ArchiveListing", date="2011-04-01"),
        report("Archive", type="state", date="2011-04-01", index="0"),
    ],
)
def test_no_report_of_the_guide_is_a_root_error(served, query) -> None:
    assert error_text(get(served, query)).startswith(("Missing required parameter", "Invalid report type"))


@pytest.mark.parametrize(
    "query",
    [
        "SupportSession",
        "SupportSession&start_date=2011-04-01",
        "SupportSession&start_date=2011-13-01&duration=0",
        "SupportSession&start_date=yesterday&duration=0",
        "SupportSession&start_time=-5&duration=0",
        "SupportSession&start_time=1301644800&duration=-1",
        "SupportSession&start_time=1301644800&duration=x",
        "SupportSession&start_time=1&end_time=2&duration=1",
        "SupportSession&lsid=abc&lsids=def",
        "SupportSession&lsids=,",
        "SupportSession&start_time=1&duration=1&lsid=c69a8e10bea9428f816cfababe9815fe",
        "SupportSession&start_time=1&duration=1&limit=boss:1",
        "SupportSessionListing&lsid=c69a8e10bea9428f816cfababe9815fe",
        "SupportSessionListing&end_date=2011-04-01",
        "SupportSessionSummary&start_time=1&duration=0",
        "SupportSessionSummary&start_time=1&duration=0&report_type=planet",
        "SupportCustExitSurvey&start_time=1&duration=0&report_type=rep",
        "SupportCustExitSurvey&start_time=1&duration=0&report_type=rep&id=x",
        "SupportCustExitSurvey&start_time=1&duration=0&report_type=rep&id=all&site_id=x",
        "SupportRepExitSurvey&start_time=1&duration=0&id=all",
        "SupportRepExitSurvey&lsid=c69a8e10bea9428f816cfababe9815fe&report_type=rep",  # 21.3's set, not 12.1's
        "SupportTeam",
        "SupportTeam&start_time=1&duration=0&team_id=x",
        "SupportTeam&start_time=999999999999&duration=0",  # past the last ISO 8601 year, 9999
        "SupportTeam&start_date=9999-12-31&duration=999999",
        "SupportSession&start_time=1&duration=999999999999",
    ],
)
def test_a_parameter_error_is_inside_the_reports_root(served, query) -> None:
    """ "If an error occurs during the search, it will contain an <error> element describing the problem." """
    root, _ = ROOTS[query.partition("&")[0]]
    assert error_text(get(served, f"generate_report={query}"), root)


@pytest.mark.parametrize(
    "query",
    [
        report("SupportSessionRecording"),
        report("SupportSessionRecording", Isid=GUIDE),  # the guide's OCR slip is not a parameter
        report("SupportSessionRecording", lsid="c69a8e10"),
        report("CommandShellRecording", lsid=GUIDE),
        report("CommandShellRecording", lsid=GUIDE, instance="first"),
        report("PresentationRecording", lsid="../../etc/passwd"),
    ],
)
def test_a_recording_parameter_error_is_a_root_error(served, query) -> None:
    assert error_text(get(served, query))


@pytest.mark.parametrize(
    "query",
    [
        f"SupportSession&sid={GUIDE}",
        f"SupportSession&ids={GUIDE},{SECOND}",
        "SupportSessionListing&date=2011-04-01&duration=0",
    ],
)
def test_guide_misprints_are_not_parameters(served, query) -> None:
    """The guide prints `sid=`, `ids=` and a "date and duration" set where its tables say lsid, lsids and
    start_date: a request with only those names none of the report's parameter sets."""
    root, _ = ROOTS[query.partition("&")[0]]
    assert "Missing required parameters" in error_text(get(served, f"generate_report={query}"), root)


def test_the_12_1_elements_and_event_types_from_the_same_history(served) -> None:
    window = {"start_date": "2011-04-01", "duration": "0"}
    sessions = answer(get(served, report("SupportSession", **window)), "session_list")
    stored = [
        row[0] for row in db(served).execute("SELECT lsid FROM hist_support_session ORDER BY start_ts, lseq")
    ]
    assert lsids(sessions) == stored
    team = answer(get(served, report("SupportTeam", **window)), "team_activity_list")
    body = etree.tostring(sessions) + etree.tostring(team)
    for newer in (
        b"custom_attribute",
        b"public_display_name",
        b"file_move_count",
        b"show_my_screen",
        b"File Deleted",
    ):
        assert newer not in body
    known = set(legacy_reporting.event_types().values())
    seen = {e.get("event_type") for e in [*sessions.iter("event"), *team.iter("event")]}
    assert seen <= known and {"Session Start", "Chat Message", "Command Shell Session Started"} <= seen
    # the history's 21.3 spelling "Session Transferred Away from Queue" is reported in the 12.1 one
    stored_types = {row[0] for row in db(served).execute("SELECT DISTINCT event_type FROM hist_team_event")}
    assert (
        "Session Transferred Away from Queue" in stored_types
        and "Session Transferred away from Queue" in seen
    )
    shells = sessions.find(f"session[@lsid='{GUIDE}']/command_shell_recordings")
    assert [c.get("instance") for c in shells] == ["0", "1", "2"]


def test_exit_surveys_default_to_the_default_site(served) -> None:
    (site,) = (
        db(served).execute("SELECT site_id FROM hist_support_session WHERE lsid = ?", (GUIDE,)).fetchone()
    )
    assert site == 2  # the guide day's surveyed session (seed 7): SITE_2_SURVEYS
    day = {"start_date": "2011-04-01", "duration": "1", "report_type": "rep", "id": "all"}
    for name in ("SupportCustExitSurvey", "SupportRepExitSurvey"):
        assert lsids(answer(get(served, report(name, **day)), "exit_survey_list"), "exit_survey") == []
        by_site = answer(get(served, report(name, **day, site_id="2")), "exit_survey_list")
        assert lsids(by_site, "exit_survey") == [GUIDE]
        since = answer(get(served, report(name, **{**day, "duration": "0"})), "exit_survey_list")
        sites = {s.find("public_site").get("id") for s in since.iter("exit_survey")}
        assert sites == {"1"}


def test_every_url_in_the_session_report_downloads_with_the_login(served) -> None:
    appliance, url = served
    sessions = answer(get(served, report("SupportSession", lsids=f"{GUIDE},{SECOND}")), "session_list")
    urls = [el.text.strip() for el in sessions.iter() if el.tag.endswith("_url")]
    assert len(urls) >= 8
    for link in urls:
        parts = urlsplit(link)
        query = dict(parse_qsl(parts.query))
        r = httpx.get(url + parts.path, params={**login(appliance, "reporting_only"), **query})
        assert r.status_code == 200 and not r.content.startswith(b"<?xml"), (link, r.text[:200])
        assert error_text(httpx.get(url + parts.path, params=query)) == "Login failed"


def test_the_1_21_1_reporting_url_is_not_served(served) -> None:
    assert get(served, report("SupportSession", lsid=GUIDE), path="/api/reporting").status_code == 404
