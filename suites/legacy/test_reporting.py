"""The legacy reporting API (Bomgar 12.1 guide, API 1.7.0: "About the Reporting API", each "Downloading
Reports with ...", and the supplement's "LSID and LSEQ"): /api/reporting.ns with username and password, every
report of the chapter with each documented parameter set, `<error>Login failed</error>`, the permissions,
the request errors, and what the schema cannot say (a report holds only, and all, the sessions its
parameters select; reports agree with each other; recordings are files).

No session ID is hard-coded: the module takes a SupportSession report of the last seven days first and picks
sessions from it (harness.checks.report_fetch, shared with the 21.3 suite). The rules the 21.3 guide states
the same way are judged by harness.checks.reporting, their charges going to the L17 requirements that
restate them; the 12.1 guide's own (the default public site of the surveys, the GUID lsid, lseq) by
harness.checks.legacy_reporting. The guide's SupportSession examples send sid= and ids=, its parameter table
lsid and lsids: the table's names are sent.
"""

from __future__ import annotations

import secrets
import time

import pytest

from harness import verdicts
from harness.checks import legacy_command as legacy
from harness.checks import legacy_reporting as lrpt
from harness.checks import report_fetch as fetch
from harness.checks import reporting as rpt
from harness.checks.xml import reporting_error
from harness.client import Login
from harness.client.api import REPORTING_PATH

# The roles a target file gives a 1.7.0 appliance that hold neither the reporting API nor report viewing
# (README, "Targets"); the others (full, read_only, no_command, reporting_only) hold both.
WITHOUT_REPORTING = ("real_time_only", "configuration_only", "nothing")
WITH_REPORTING = ("full", "read_only", "no_command", "reporting_only")
LATER_REPORTS = ("PresentationSession", "PresentationSessionListing", "LicenseUsage", "ArchiveListing")
SURVEYS = {"SupportCustExitSurvey": "cust", "SupportRepExitSurvey": "rep"}
WINDOW_FORMS = ("start_date", "start_time", "end_date", "end_time")


@pytest.fixture(scope="module")
def api(rs_client):
    return rs_client("full")


@pytest.fixture(scope="module")
def support(api, rs_expect) -> fetch.Taken:
    return fetch.take(api, rs_expect, "SupportSession")


@pytest.fixture(scope="module")
def listing(api, rs_expect, support) -> dict[str, rpt.ListingEntry]:
    return rpt.listing_entries(fetch.small(api, rs_expect, "SupportSessionListing", support.params))


def last_day(support: fetch.Taken) -> dict:
    return {"start_time": int(support.before) - fetch.DAY, "duration": 0}


# --- the reporting API in general --------------------------------------------------------------------------


@pytest.mark.req("L17-RPT-GEN-001", "L17-RPT-SSL-001")
def test_get_and_form_encoded_post_give_the_same_listing(api, rs_expect, support):
    settled = [f.lsid for f in support.settled()]
    for method in ("GET", "POST"):
        got = fetch.small(api, rs_expect, "SupportSessionListing", support.params, method=method)
        rpt.all_present(rpt.listing_entries(got), settled, f"SupportSessionListing by {method}")


@pytest.mark.req("L17-RPT-GEN-003", "L17-RPT-GEN-005")
@pytest.mark.parametrize("case", ["wrong-password", "no-username-or-password"])
def test_a_wrong_or_missing_login_is_login_failed(api, rs_expect, support, case):
    params = [("generate_report", "SupportSessionListing"), *last_day(support).items()]
    if case == "wrong-password":
        wrong = Login(api.login.username, secrets.token_urlsafe(18))
        response = api.call(api.api_path(REPORTING_PATH), params, login=wrong)
    else:
        response = api.call(api.api_path(REPORTING_PATH), params, anonymous=True)
    legacy.login_refused(response, rs_expect, "reporting")


@pytest.mark.req("L17-RPT-GEN-002", "L17-RPT-GEN-005")
@pytest.mark.parametrize("role", [*WITH_REPORTING, *WITHOUT_REPORTING])
def test_the_reporting_permission_decides(rs_client, rs_expect, support, role):
    """An account with the reporting API and report viewing gets the listing; one without, an <error> that
    is not Login failed (its login is good)."""
    client = rs_client(role)
    if role in WITH_REPORTING:
        rpt.listing_entries(fetch.small(client, rs_expect, "SupportSessionListing", last_day(support)))
    else:
        refused = reporting_error(client.report("SupportSessionListing", last_day(support)), rs_expect)
        legacy.not_login_failed(refused, "may not use the reporting API")


@pytest.mark.req("L17-RPT-GEN-004", "L17-RPT-GEN-005")
@pytest.mark.parametrize("report", [None, "", "SupportSessionz", *LATER_REPORTS])
def test_a_report_type_outside_the_guide_is_an_error(api, rs_expect, support, report):
    params = [*last_day(support).items(), ("group_by", "day")]
    if report is not None:
        params.insert(0, ("generate_report", report))
    reporting_error(api.call(api.api_path(REPORTING_PATH), params), rs_expect)


def _bad_requests() -> list:
    now = int(time.time())
    day_ago = rpt.day(now - fetch.DAY)
    cases = {
        "SupportSession-no-parameters": ("SupportSession", {}),
        "SupportSession-start_date-without-duration": ("SupportSession", {"start_date": day_ago}),
        "SupportSession-malformed-date": ("SupportSession", {"start_date": "2011-13-45", "duration": 0}),
        "SupportSession-malformed-time": ("SupportSession", {"start_time": "yesterday", "duration": 0}),
        "SupportSession-malformed-duration": ("SupportSession", {"start_time": now - fetch.DAY, "duration": "a while"}),
        "SupportSession-guide-example-sid": ("SupportSession", {"sid": fetch.unknown_lsid()}),
        "SupportSessionListing-no-parameters": ("SupportSessionListing", {}),
        "SupportSessionSummary-no-report_type": ("SupportSessionSummary", {"start_time": now - fetch.DAY, "duration": 0}),
        "SupportSessionSummary-bad-report_type": (
            "SupportSessionSummary", {"start_time": now - fetch.DAY, "duration": 0, "report_type": "everyone"}),
        "SupportCustExitSurvey-no-report_type": (
            "SupportCustExitSurvey", {"start_time": now - fetch.DAY, "duration": 0, "id": "all"}),
        "SupportRepExitSurvey-no-id": (
            "SupportRepExitSurvey", {"start_time": now - fetch.DAY, "duration": 0, "report_type": "rep"}),
        "SupportTeam-no-parameters": ("SupportTeam", {}),
        "SupportSessionRecording-no-lsid": ("SupportSessionRecording", {}),
        "CommandShellRecording-no-lsid": ("CommandShellRecording", {"instance": 0}),
        "PresentationRecording-no-lsid": ("PresentationRecording", {}),
    }  # fmt: skip
    return [pytest.param(name, params, id=case) for case, (name, params) in cases.items()]


@pytest.mark.req("L17-RPT-GEN-007", "L17-RPT-GEN-005")
@pytest.mark.parametrize("name, params", _bad_requests())
def test_requests_outside_the_parameter_sets_are_refused(api, rs_expect, name, params):
    lrpt.refused(api.report(name, params), rs_expect)


# --- SupportSession ----------------------------------------------------------------------------------------


@pytest.mark.req(
    "L17-RPT-SS-001", "L17-RPT-SS-010", "L17-RPT-SS-011", "L17-RPT-SS-012", "L17-RPT-SS-013", "L17-RPT-SS-014",
    "L17-RPT-SS-015", "L17-RPT-GEN-008", "L17-RPT-LSID-001", "L17-RPT-LSID-002", "L17-RPT-LSID-003",
)  # fmt: skip
def test_support_sessions_of_the_week(support):
    """The module's take: each session read (its elements, times, lsid and lseq), what it says of itself."""
    rpt.no_problems(support.problems)  # each a defect of its requirement: the rest is still judged
    for facts in support.facts.values():
        rpt.session_type_is(facts, "support")
        rpt.duration_agrees(facts, support.before)
        lrpt.lsid_is_a_guid(facts.lsid, "SupportSession")
        lrpt.lseq_given(facts)


@pytest.mark.req("L17-RPT-GEN-009", "L17-RPT-LSID-003")
@pytest.mark.parametrize("form", fetch.form_params("L17-RPT-SS"))
def test_support_session_window(api, rs_expect, support, form):
    params = fetch.forms(support.before)[form]
    before = time.time()
    found = fetch.collect(api, rs_expect, "SupportSession", params, rpt.session_facts)
    win, req = rpt.window_of(params), fetch.form_req("L17-RPT-SS", form)
    for facts in found:
        rpt.duration_agrees(facts, before)
        rpt.in_window(facts, win, req)
    lsids = [f.lsid for f in found]
    rpt.unique(lsids, f"SupportSession {form}", "L17-RPT-LSID-003")
    expected = [f.lsid for f in support.facts.values() if rpt.expected_in(win, f, support.before)]
    rpt.all_present(lsids, expected, f"SupportSession for {win}", req)


@pytest.mark.req("L17-RPT-SS-006", "L17-RPT-SS-007", "L17-RPT-SS-009")
@pytest.mark.parametrize("form", ["lsid", "lsids", "lsid-with-limit", "lsids-with-limit"])
def test_support_session_by_id(api, rs_expect, support, form):
    asked = fetch.settled_sample(support, 1 if form.startswith("lsid-") or form == "lsid" else 3)
    key = form.split("-")[0]
    params = {key: ",".join(asked)}
    req = {"lsid": "L17-RPT-SS-006", "lsids": "L17-RPT-SS-007"}[key]
    if form.endswith("with-limit"):
        params["limit"] = "rep:2147483646"  # ignored with lsid and lsids
        req = "L17-RPT-SS-009"
    found = [f.lsid for f in fetch.collect(api, rs_expect, "SupportSession", params, rpt.session_facts)]
    rpt.only(found, asked, f"SupportSession {params}", req)
    rpt.all_present(found, asked, f"SupportSession {params}", req)


def _limit(support: fetch.Taken, kind: str) -> str | None:
    facts = list(support.facts.values())
    ident = {
        "rep": fetch.most_common(f.primary_rep for f in facts),
        "team": fetch.most_common(f.primary_team for f in facts),
        "members": fetch.most_common(f.primary_team for f in facts),
        "site": fetch.most_common(f.site for f in facts),
    }
    if kind in ("all", "team_all"):
        return {"all": "all", "team_all": "team:all"}[kind]
    return None if ident[kind] is None else f"{kind}:{ident[kind]}"


@pytest.mark.req("L17-RPT-SS-008")
@pytest.mark.parametrize("kind", ["all", "rep", "team_all", "team", "members", "site"])
def test_support_session_limit(api, rs_expect, support, kind):
    limit = _limit(support, kind)
    if limit is None:
        verdicts.not_tested(f"no session of the last seven days has what limit={kind} selects by")
    params = {**support.params, "limit": limit}
    found = fetch.collect(api, rs_expect, "SupportSession", params, rpt.session_facts)
    for facts in found:
        rpt.limit_holds(facts, limit)
    expected = [f.lsid for f in support.settled() if rpt.limit_selects(f, limit)]
    rpt.all_present([f.lsid for f in found], expected, f"SupportSession limit={limit}")


@pytest.mark.req("L17-RPT-SS-016")
@pytest.mark.parametrize("role", ["read_only", "reporting_only"])
def test_no_account_sees_more_than_all_sessions(rs_client, api, rs_expect, support, role):
    """The full account views all sessions: any other account's listing of the same window holds no
    session the full account's omits (new sessions aside)."""
    other = rpt.listing_entries(
        fetch.small(rs_client(role), rs_expect, "SupportSessionListing", support.params)
    )
    full = rpt.listing_entries(fetch.small(api, rs_expect, "SupportSessionListing", support.params))
    lrpt.no_more_than(other, {*full, *support.facts}, role)


# --- SupportSessionListing -----------------------------------------------------------------------------------


@pytest.mark.req("L17-RPT-SSL-001", "L17-RPT-SSL-002", "L17-RPT-SSL-003", "L17-RPT-LSID-001")
@pytest.mark.parametrize("form", fetch.form_params())
def test_support_session_listing_window(api, rs_expect, support, form):
    params = fetch.forms(support.before)[form]
    entries = rpt.listing_entries(fetch.small(api, rs_expect, "SupportSessionListing", params))
    for lsid in entries:
        lrpt.lsid_is_a_guid(lsid, "SupportSessionListing")
    win = rpt.window_of(params)
    rpt.known_in_window(entries, support.facts, win, f"SupportSessionListing {form}", "RPT-SSL-002")
    expected = [f.lsid for f in support.facts.values() if rpt.expected_in(win, f, support.before)]
    rpt.all_present(entries, expected, f"SupportSessionListing for {win}", "RPT-SSL-002")


@pytest.mark.req("L17-RPT-SSL-004", "L17-RPT-SSL-005", "L17-RPT-LSID-003")
def test_the_listing_agrees_with_the_sessions(support, listing):
    for lsid, entry in listing.items():
        if lsid in support.facts:
            rpt.listing_agrees(entry, support.facts[lsid])  # defects of L17-RPT-SSL-005 / -004
    rpt.all_present(listing, [f.lsid for f in support.settled()], "SupportSessionListing", "L17-RPT-LSID-003")


@pytest.mark.req("L17-RPT-SSL-006")
def test_the_listing_recording_flag(support, listing):
    for lsid, entry in listing.items():
        if lsid in support.facts and support.facts[lsid].settled(support.before):
            rpt.recording_flag_agrees(entry, support.facts[lsid])


# --- SupportSessionSummary -----------------------------------------------------------------------------------


@pytest.mark.req("L17-RPT-SSS-001", "L17-RPT-SSS-002", "L17-RPT-SSS-003", "L17-RPT-SSS-004")
@pytest.mark.parametrize("report_type", ["rep", "team", "site"])
def test_summary_agrees_with_the_sessions(api, rs_expect, report_type):
    # bracketed by session reports of the same window taken right around it (order-independent bounds)
    first = fetch.take(api, rs_expect, "SupportSession")
    params = {**first.params, "report_type": report_type}
    found = rpt.summaries(fetch.small(api, rs_expect, "SupportSessionSummary", params), report_type)
    second = fetch.take(api, rs_expect, "SupportSession", first.params)
    rpt.summary_totals(
        found, report_type, list(first.facts.values()), first.before, list(second.facts.values())
    )
    # the average only when nothing new appeared (the site's sessions are those of both reports)
    if report_type == "site" and set(second.facts) <= set(first.facts):
        rpt.summary_average(found, list(second.facts.values()), first.before)


@pytest.mark.req("L17-RPT-SSS-001", "L17-RPT-SSS-002")
@pytest.mark.parametrize("form", WINDOW_FORMS)
def test_summary_window_forms(api, rs_expect, support, form):
    params = {**fetch.forms(support.before)[form], "report_type": "rep"}
    rpt.summaries(fetch.small(api, rs_expect, "SupportSessionSummary", params), "rep")


# --- recordings ---------------------------------------------------------------------------------------------


@pytest.mark.req("L17-RPT-SSR-001", "L17-RPT-SSR-002", "L17-RPT-SSR-003")
def test_support_session_recording(api, rs_expect, support, listing):
    recorded, unrecorded = fetch.pick(listing, support, True), fetch.pick(listing, support, False)
    if recorded is None and unrecorded is None:
        verdicts.not_tested("no session of the last seven days has ended yet")
    if recorded is not None:
        fetch.download(api, "SupportSessionRecording", {"lsid": recorded}, rs_expect, True)
    if unrecorded is not None:
        fetch.download(api, "SupportSessionRecording", {"lsid": unrecorded}, rs_expect, False, "RPT-SSR-003")
    fetch.download(
        api, "SupportSessionRecording", {"lsid": fetch.unknown_lsid()}, rs_expect, False, "RPT-SSR-003"
    )


@pytest.mark.req("L17-RPT-CSR-001", "L17-RPT-CSR-002")
def test_command_shell_recording(api, rs_expect, support):
    facts = fetch.with_instances(support, "command_shell")
    if facts is None:
        verdicts.not_tested("no ended session of the last seven days has a command shell recording")
    instances = sorted(facts.command_shell)
    for instance in instances[:2]:  # "Instances are enumerated starting with 0"
        fetch.download(
            api, "CommandShellRecording", {"lsid": facts.lsid, "instance": instance}, rs_expect, True
        )
    past = {"lsid": facts.lsid, "instance": len(instances)}
    fetch.download(api, "CommandShellRecording", past, rs_expect, False, "RPT-CSR-002")


@pytest.mark.req("L17-RPT-PR-001")
def test_presentation_recording_of_no_presentation(api, rs_expect, support):
    lsid = fetch.settled_sample(support, 1)[0]  # a support session, and an ID nobody has
    for asked in (lsid, fetch.unknown_lsid()):
        fetch.download(api, "PresentationRecording", {"lsid": asked}, rs_expect, False)


# --- exit surveys -------------------------------------------------------------------------------------------


def _survey_cases() -> list:
    return [
        pytest.param(name, form, id=f"{name}-{form}", marks=pytest.mark.req("L17-RPT-SVY-002"))
        for name in SURVEYS
        for form in WINDOW_FORMS
    ]


@pytest.mark.req(
    "L17-RPT-SVY-001", "L17-RPT-SVY-006", "L17-RPT-SVY-007", "L17-RPT-SVY-008", "L17-RPT-SVY-005"
)
@pytest.mark.parametrize("name, form", _survey_cases())
def test_exit_surveys(api, rs_expect, support, name, form):
    params = {**fetch.forms(support.before)[form], "report_type": "rep", "id": "all"}
    rows = fetch.collect(api, rs_expect, name, params, fetch.survey_with_problems)
    rpt.no_problems(p for _, problems in rows for p in problems)
    win = rpt.window_of(params)
    for facts, _ in rows:
        rpt.survey_kind(facts, SURVEYS[name])
        rpt.survey_in_window(facts, win, support.facts.get(facts.lsid))
        if facts.lsid in support.facts:
            rpt.survey_start_agrees(facts, support.facts[facts.lsid])
        lrpt.lsid_is_a_guid(facts.lsid, name)
    lrpt.default_site_only([f for f, _ in rows], name)
    rpt.unique([f.lsid for f, _ in rows], f"{name} {form}", "L17-RPT-LSID-003")


@pytest.mark.req("L17-RPT-SVY-003", "L17-RPT-SVY-004")
@pytest.mark.parametrize("by", ["rep", "team", "site"])
def test_exit_survey_filters(api, rs_expect, support, by):
    everything = {**support.params, "report_type": "rep", "id": "all"}
    known = {
        f.lsid: f
        for f in fetch.collect(api, rs_expect, "SupportCustExitSurvey", everything, rpt.survey_facts)
    }
    attribute = {"rep": "primary_rep", "team": "primary_team", "site": "site"}[by]
    ident = fetch.most_common(getattr(f, attribute) for f in known.values())
    if ident is None:
        verdicts.not_tested(f"no customer survey of the last seven days has a {attribute}")
    params = {
        **support.params,
        "report_type": "rep" if by == "site" else by,
        "id": "all" if by == "site" else ident,
    }
    if by == "site":
        params["site_id"] = ident
    rows = fetch.collect(api, rs_expect, "SupportCustExitSurvey", params, rpt.survey_facts)
    for facts in rows:
        rpt.survey_filter_holds(facts, params["report_type"], str(params["id"]), params.get("site_id"))
    if by != "site":  # without site_id, only the default site's surveys were listed
        wanted = [lsid for lsid, f in known.items() if getattr(f, attribute) == ident]
        rpt.all_present([f.lsid for f in rows], wanted, f"SupportCustExitSurvey {params}", "L17-RPT-SVY-003")


# --- SupportTeam --------------------------------------------------------------------------------------------


@pytest.mark.req("L17-RPT-ST-001", "L17-RPT-ST-002", "L17-RPT-ST-003", "L17-RPT-GEN-008")
@pytest.mark.parametrize(
    "form", ["start_date", "start_time", "start_time_to_present", "end_date", "end_time"]
)
def test_support_team_window(api, rs_expect, support, form):
    params = fetch.forms(support.before)[form]
    before = time.time()
    report = rpt.team_report(fetch.small(api, rs_expect, "SupportTeam", params))
    rpt.echoes_window(report.start, report.end, rpt.window_of(params), before, time.time(), "RPT-ST-002")
    rpt.team_events_within(report)


@pytest.mark.req("L17-RPT-ST-004")
def test_support_team_id(api, rs_expect, support):
    closed = {"start_time": support.lo, "duration": int(support.before) - 3600 - support.lo}  # history only
    every = rpt.team_report(fetch.small(api, rs_expect, "SupportTeam", closed))
    team = max(every.teams.values(), key=lambda t: len(t.events), default=None)
    if team is None:
        verdicts.not_tested("no team activity in the last seven days")
    one = rpt.team_report(fetch.small(api, rs_expect, "SupportTeam", {**closed, "team_id": team.id}))
    rpt.team_events_within(one, team_id=team.id)
    got = sorted(one.teams[team.id].events) if team.id in one.teams else []
    assert got == sorted(team.events), (
        f"team_id={team.id}: {len(got)} events, the report of all teams {len(team.events)}"
    )
