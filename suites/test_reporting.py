"""Reporting API (guide: "Reporting API" and each "Download Reports with ..."; the archives are in
test_archives.py): every report type and documented parameter set, answers validated against the reference
schema, and what the schema cannot say: a report holds only (and all) the sessions its parameters select,
reports agree with each other, recordings are files, accounts without the permission are refused.

No session ID is hard-coded: the module first takes a SupportSession and a PresentationSession report of the
last seven days (streamed: they may be large) and picks sessions from them. The target is live, so a
session is only expected somewhere if nothing about it can have changed since (its start, or an end before
that first report), and sessions new since then are not held against a report.
"""

from __future__ import annotations

import time

import pytest

from harness import verdicts
from harness.checks import reporting as rpt
from harness.checks.report_fetch import (
    DAY,
    Taken,
    collect,
    download,
    form_params,
    form_req,
    forms,
    most_common,
    pick,
    settled_sample,
    small,
    survey_with_problems,
    take,
    unknown_lsid,
    with_instances,
    with_problems,
)
from harness.checks.xml import reporting_error, xml_response

ROLES_WITHOUT_REPORTING = ("real_time_only", "nothing")


# --- fetching (harness.checks.report_fetch) -----------------------------------------------------------------


@pytest.fixture(scope="module")
def api(rs_target, rs_client):
    return rs_client("full")


@pytest.fixture(scope="module")
def support(api, rs_expect) -> Taken:
    return take(api, rs_expect, "SupportSession")


@pytest.fixture(scope="module")
def presentations(api, rs_expect) -> Taken:
    return take(api, rs_expect, "PresentationSession")


@pytest.fixture(scope="module")
def listing(api, rs_expect, support) -> dict[str, rpt.ListingEntry]:
    return rpt.listing_entries(small(api, rs_expect, "SupportSessionListing", support.params))


@pytest.fixture(scope="module")
def pres_listing(api, rs_expect, presentations) -> dict[str, rpt.ListingEntry]:
    return rpt.listing_entries(small(api, rs_expect, "PresentationSessionListing", presentations.params))


# --- general rules -----------------------------------------------------------------------------------------


@pytest.mark.req("RPT-GEN-009", "RPT-GEN-012")
def test_generate_report_is_required(api, rs_expect):
    reporting_error(
        api.call("/api/reporting", {"start_time": int(time.time()) - DAY, "duration": 0}), rs_expect
    )


@pytest.mark.req("RPT-GEN-011", "RPT-GEN-012")
def test_an_unknown_report_type_is_refused(api, rs_expect):
    rpt.refused(
        api.report("SupportSessionz", {"start_time": int(time.time()) - DAY, "duration": 0}), rs_expect
    )


@pytest.mark.req("RPT-GEN-002")
def test_a_request_without_a_token_gets_no_report(rs_anon, rs_expect):
    rpt.not_a_report(
        rs_anon.report("SupportSessionListing", {"start_time": int(time.time()) - DAY, "duration": 0}),
        rs_expect,
    )


@pytest.mark.req("RPT-GEN-003", "RPT-SSL-001")
def test_get_and_form_encoded_post_give_the_same_report(api, rs_expect, support):
    got = rpt.listing_entries(small(api, rs_expect, "SupportSessionListing", support.params))
    posted = rpt.listing_entries(
        small(api, rs_expect, "SupportSessionListing", support.params, method="POST")
    )
    settled = [f.lsid for f in support.settled()]
    rpt.all_present(got, settled, "SupportSessionListing by GET", "RPT-SSL-001")
    rpt.all_present(posted, settled, "SupportSessionListing by POST (form-encoded body)")


@pytest.mark.req("RPT-GEN-004", "RPT-GEN-012")
def test_a_multipart_post_is_refused(api, rs_expect):
    fields = {
        "generate_report": "SupportSessionListing",
        "start_time": str(int(time.time()) - DAY),
        "duration": "0",
    }
    response = api.call("/api/reporting", method="POST", files={k: (None, v) for k, v in fields.items()})
    rpt.refused(response, rs_expect)


def _bad_requests() -> list:
    now = int(time.time())
    day_ago = rpt.day(now - DAY)
    cases = {
        "SupportSession-no-parameters": ("SupportSession", {}),
        "SupportSession-start_date-without-duration": ("SupportSession", {"start_date": day_ago}),
        "SupportSession-malformed-date": ("SupportSession", {"start_date": "2016-13-45", "duration": 0}),
        "SupportSession-malformed-time": ("SupportSession", {"start_time": "yesterday", "duration": 0}),
        "SupportSession-malformed-duration": ("SupportSession", {"start_time": now - DAY, "duration": "a while"}),
        "SupportSessionListing-no-parameters": ("SupportSessionListing", {}),
        "SupportSessionSummary-no-report_type": ("SupportSessionSummary", {"start_time": now - DAY, "duration": 0}),
        "SupportSessionSummary-bad-report_type": (
            "SupportSessionSummary", {"start_time": now - DAY, "duration": 0, "report_type": "everyone"}),
        "SupportCustExitSurvey-no-report_type": ("SupportCustExitSurvey", {"start_time": now - DAY, "duration": 0, "id": "all"}),
        "SupportRepExitSurvey-no-id": ("SupportRepExitSurvey", {"start_time": now - DAY, "duration": 0, "report_type": "rep"}),
        "SupportTeam-no-parameters": ("SupportTeam", {}),
        "PresentationSession-no-parameters": ("PresentationSession", {}),
        "PresentationSessionListing-no-parameters": ("PresentationSessionListing", {}),
        "LicenseUsage-no-group_by": ("LicenseUsage", {"start_time": now - DAY, "duration": 0}),
        "LicenseUsage-bad-group_by": ("LicenseUsage", {"start_time": now - DAY, "duration": 0, "group_by": "week"}),
        "SupportSessionRecording-no-lsid": ("SupportSessionRecording", {}),
        "ShowMyScreenRecording-no-lsid": ("ShowMyScreenRecording", {"instance": 0}),
        "CommandShellRecording-no-lsid": ("CommandShellRecording", {"instance": 0}),
        "PresentationSessionRecording-no-lsid": ("PresentationSessionRecording", {}),
    }  # fmt: skip
    return [pytest.param(name, params, id=case) for case, (name, params) in cases.items()]


@pytest.mark.req("RPT-GEN-013", "RPT-GEN-012")  # a report answered: GEN-013; a 5xx or a bare <error>: GEN-012
@pytest.mark.parametrize("name, params", _bad_requests())
def test_requests_outside_the_parameter_sets_are_refused(api, rs_expect, name, params):
    rpt.refused(api.report(name, params), rs_expect)


# --- access ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample(support, presentations, listing, pres_listing) -> dict[str, dict | None]:
    """Parameters that succeed for every report an account with the permission may run (None: nothing
    in the last seven days to ask for)."""
    now = int(support.before)
    window = {"start_time": now - DAY, "duration": DAY}
    sms, shell = with_instances(support, "show_my_screen"), with_instances(support, "command_shell")
    recorded, pres_recorded = pick(listing, support, True), pick(pres_listing, presentations, True)
    return {
        "SupportSession": window,
        "SupportSessionListing": window,
        "SupportSessionSummary": {**window, "report_type": "rep"},
        "SupportCustExitSurvey": {**window, "report_type": "rep", "id": "all"},
        "SupportRepExitSurvey": {**window, "report_type": "rep", "id": "all"},
        "SupportTeam": window,
        "PresentationSession": window,
        "PresentationSessionListing": window,
        "LicenseUsage": {**window, "group_by": "hour"},
        "SupportSessionRecording": {"lsid": recorded} if recorded else None,
        "ShowMyScreenRecording": {"lsid": sms.lsid, "instance": 0} if sms else None,
        "CommandShellRecording": {"lsid": shell.lsid, "instance": 0} if shell else None,
        "PresentationSessionRecording": {"lsid": pres_recorded} if pres_recorded else None,
    }


PERMISSION_OF = {
    "SupportSession": "RPT-SS-010", "SupportSessionListing": "RPT-SS-010", "SupportSessionSummary": "RPT-SS-010",
    "SupportCustExitSurvey": "RPT-SS-010", "SupportRepExitSurvey": "RPT-SS-010", "SupportTeam": "RPT-SS-010",
    "SupportSessionRecording": "RPT-SS-010", "ShowMyScreenRecording": "RPT-SS-010",
    "CommandShellRecording": "RPT-SS-010", "PresentationSession": "RPT-PS-006",
    "PresentationSessionListing": "RPT-PS-006", "PresentationSessionRecording": "RPT-PS-006",
    "LicenseUsage": "RPT-LU-004",
}  # fmt: skip


def _report_params(roles=None, also: tuple[str, ...] = ()) -> list:
    """One param per report, its permission requirement first (the primary one: an account with the
    permission gets the report, one without it an <error>), then `also`."""
    out = []
    for name, req in PERMISSION_OF.items():
        for role in roles or [None]:
            ident = name if role is None else f"{role}-{name}"
            args = (name,) if role is None else (role, name)
            out.append(pytest.param(*args, marks=pytest.mark.req(req, *also), id=ident))
    return out


@pytest.mark.parametrize("name", _report_params(also=("RPT-GEN-010", "RPT-GEN-001")))
def test_a_reporting_only_account_gets_the_report(rs_target, rs_client, rs_expect, sample, name):
    client = rs_client("reporting_only")
    params = sample[name]
    if params is None:
        verdicts.not_tested(f"no session of the last seven days has what {name} downloads")
    response, spool = client.report_stream(name, params)
    with spool:
        if rpt.REPORT_ROOTS[name] is None:
            rpt.media(response, spool.read(512))
        else:
            rpt.stream_ok(response, spool, rs_expect, rpt.REPORT_ROOTS[name])


@pytest.mark.parametrize("role, name", _report_params(ROLES_WITHOUT_REPORTING, also=("RPT-GEN-012",)))
def test_an_account_without_the_permission_is_refused(rs_target, rs_client, rs_expect, sample, role, name):
    client = rs_client(role)
    params = sample[name] or {"lsid": unknown_lsid(), "instance": 0}
    response, spool = client.report_stream(name, params)
    with spool:
        rpt.download_error(response, spool, rs_expect)


# --- SupportSession ----------------------------------------------------------------------------------------


@pytest.mark.req("RPT-SS-001", "RPT-SS-011", "RPT-SS-012", "RPT-GEN-014", "RPT-GEN-015", "RPT-GEN-001")
@pytest.mark.parametrize("form", form_params("RPT-SS"))
def test_support_session_window(api, rs_expect, support, form):
    params = forms(support.before)[form]
    before = time.time()
    found = collect(api, rs_expect, "SupportSession", params, rpt.session_facts)
    win, req = rpt.window_of(params), form_req("RPT-SS", form)
    for facts in found:
        rpt.session_type_is(facts, "support")
        rpt.duration_agrees(facts, before)
        rpt.in_window(facts, win, req)
    lsids = [f.lsid for f in found]
    rpt.unique(lsids, f"SupportSession {form}")
    expected = [f.lsid for f in support.facts.values() if rpt.expected_in(win, f, support.before)]
    rpt.all_present(lsids, expected, f"SupportSession for {win}", req)


@pytest.mark.req("RPT-SS-012", "RPT-SS-013", "RPT-SS-014", "RPT-SS-015", "RPT-SS-016")
def test_support_sessions_agree_with_themselves(support):
    rpt.no_problems(support.problems)  # each a defect of its requirement: the rest is still judged
    for facts in support.facts.values():
        rpt.session_type_is(facts, "support")
        rpt.duration_agrees(facts, support.before)


@pytest.mark.req("RPT-SS-006", "RPT-SS-001")
def test_support_session_by_lsid(api, rs_expect, support):
    for lsid in settled_sample(support, 2):
        found = collect(api, rs_expect, "SupportSession", {"lsid": lsid}, rpt.session_facts)
        rpt.only([f.lsid for f in found], [lsid], f"SupportSession lsid={lsid}")
        rpt.all_present([f.lsid for f in found], [lsid], f"SupportSession lsid={lsid}")
        assert found[0].start == support.facts[lsid].start, f"session {lsid}: another start time than before"
    response = api.report("SupportSession", {"lsid": unknown_lsid()})
    root = xml_response(response, rs_expect, "reporting", ("session_list", "error"))
    assert root.tag == "error" or len(root) == 0, f"an unknown lsid returned {len(root)} session(s)"


@pytest.mark.req("RPT-SS-007")
def test_support_session_by_lsids(api, rs_expect, support):
    asked = settled_sample(support, 3)
    found = collect(api, rs_expect, "SupportSession", {"lsids": ",".join(asked)}, rpt.session_facts)
    rpt.only([f.lsid for f in found], asked, "SupportSession lsids")
    rpt.all_present([f.lsid for f in found], asked, "SupportSession lsids")


def _limits(support: Taken) -> dict[str, str | None]:
    facts = list(support.facts.values())
    rep = most_common(f.primary_rep for f in facts)
    team = most_common(f.primary_team for f in facts)
    site = most_common(f.site for f in facts)
    return {
        "all": "all",
        "rep": f"rep:{rep}" if rep is not None else None,
        "team_all": "team:all",
        "team": f"team:{team}" if team is not None else None,
        "members": f"members:{team}" if team is not None else None,
        "site": f"site:{site}" if site is not None else None,
    }


@pytest.mark.req("RPT-SS-008", "RPT-GEN-005")
@pytest.mark.parametrize("kind", ["all", "rep", "team_all", "team", "members", "site"])
def test_support_session_limit(api, rs_expect, support, kind):
    limit = _limits(support)[kind]
    if limit is None:
        verdicts.not_tested(f"no session of the last seven days has what limit={kind} selects by")
    params = {"start_time": int(support.before) - 3 * DAY, "duration": 0, "limit": limit}
    found = collect(api, rs_expect, "SupportSession", params, rpt.session_facts)
    win = rpt.window_of(params)
    for facts in found:
        rpt.in_window(facts, win, "RPT-SS-003")
        rpt.limit_holds(facts, limit)
        if facts.settled(support.before) and facts.start >= support.lo and facts.lsid not in support.facts:
            verdicts.fail(
                f"limit={limit} returned session {facts.lsid}, which the report without limit omitted"
            )
    expected = [
        f.lsid
        for f in support.facts.values()
        if rpt.expected_in(win, f, support.before) and rpt.limit_selects(f, limit)
    ]
    rpt.all_present([f.lsid for f in found], expected, f"SupportSession limit={limit}")


@pytest.mark.req("RPT-SS-009")
def test_limit_is_ignored_with_lsid_and_lsids(api, rs_expect, support):
    asked = settled_sample(support, 2)
    for params in (
        {"lsid": asked[0], "limit": "site:999999"},
        {"lsids": ",".join(asked), "limit": "rep:999999"},
    ):
        found = [f.lsid for f in collect(api, rs_expect, "SupportSession", params, rpt.session_facts)]
        want = params.get("lsids", params.get("lsid")).split(",")
        rpt.all_present(found, want, f"SupportSession {params}")
        rpt.only(found, want, f"SupportSession {params}")


# --- SupportSessionListing ---------------------------------------------------------------------------------


@pytest.mark.req("RPT-SSL-001", "RPT-SSL-002", "RPT-GEN-014")
@pytest.mark.parametrize("form", form_params())
def test_support_session_listing_window(api, rs_expect, support, form):
    params = forms(support.before)[form]
    entries = rpt.listing_entries(small(api, rs_expect, "SupportSessionListing", params))
    win = rpt.window_of(params)
    rpt.known_in_window(entries, support.facts, win, f"SupportSessionListing {form}", "RPT-SSL-002")
    expected = [f.lsid for f in support.facts.values() if rpt.expected_in(win, f, support.before)]
    rpt.all_present(entries, expected, f"SupportSessionListing for {win}", "RPT-SSL-002")


@pytest.mark.req("RPT-SSL-004", "RPT-SSL-005", "RPT-SSL-002")
def test_support_session_listing_agrees_with_support_session(support, listing):
    for lsid, entry in listing.items():
        if lsid in support.facts:
            rpt.listing_agrees(entry, support.facts[lsid])  # defects of RPT-SSL-005 / RPT-SSL-004
    rpt.all_present(
        listing,
        [f.lsid for f in support.settled()],
        "SupportSessionListing of the same window",
        "RPT-SSL-002",
    )


@pytest.mark.req("RPT-SSL-006")
def test_support_session_listing_recording_flag(support, listing):
    for lsid, entry in listing.items():
        if lsid in support.facts and support.facts[lsid].settled(support.before):
            rpt.recording_flag_agrees(entry, support.facts[lsid])


# --- SupportSessionSummary ---------------------------------------------------------------------------------


@pytest.mark.req("RPT-SSS-001", "RPT-SSS-002", "RPT-GEN-014")
@pytest.mark.parametrize(
    "form, report_type",
    [("start_date", "rep"), ("start_time", "rep"), ("end_date", "rep"), ("end_time", "rep"),
     ("start_time_to_present", "team"), ("start_date_to_present", "site")],
)  # fmt: skip
def test_support_session_summary(api, rs_expect, support, form, report_type):
    params = {**forms(support.before)[form], "report_type": report_type}
    rpt.summaries(small(api, rs_expect, "SupportSessionSummary", params), report_type)


@pytest.mark.req("RPT-SSS-003", "RPT-SSS-004")
@pytest.mark.parametrize("report_type", ["rep", "team", "site"])
def test_summary_counts_agree_with_the_sessions(api, rs_expect, report_type):
    # bracketed by session reports of the same window taken right around it, not the module's older take
    first = take(api, rs_expect, "SupportSession")
    found = rpt.summaries(
        small(api, rs_expect, "SupportSessionSummary", {**first.params, "report_type": report_type}),
        report_type,
    )
    second = take(api, rs_expect, "SupportSession", first.params)
    rpt.summary_totals(
        found, report_type, list(first.facts.values()), first.before, list(second.facts.values())
    )
    # the average only when nothing new appeared (the site's sessions are those of both reports)
    if report_type == "site" and set(second.facts) <= set(first.facts):
        rpt.summary_average(found, list(second.facts.values()), first.before)


# --- exit surveys ------------------------------------------------------------------------------------------

SURVEYS = {"SupportCustExitSurvey": "cust", "SupportRepExitSurvey": "rep"}


@pytest.fixture(scope="module")
def surveys(api, rs_expect, support) -> dict[str, dict[str, rpt.SurveyFacts]]:
    out = {}
    for name in SURVEYS:
        params = {**support.params, "report_type": "rep", "id": "all"}
        out[name] = {f.lsid: f for f, _ in collect(api, rs_expect, name, params, survey_with_problems)}
    return out


def _survey_forms() -> list:
    out = []
    for name in SURVEYS:
        for form in ("start_date", "start_time", "end_date", "end_time", "lsid", "lsids"):
            req = "RPT-SVY-003" if form.startswith("lsid") else "RPT-SVY-002"
            out.append(pytest.param(name, form, marks=pytest.mark.req(req), id=f"{name}-{form}"))
    return out


@pytest.mark.req("RPT-SVY-001", "RPT-SVY-006", "RPT-SVY-008")
@pytest.mark.parametrize("name, form", _survey_forms())
def test_exit_survey_forms(api, rs_expect, support, surveys, name, form):
    known = surveys[name]
    settled = [
        lsid for lsid in known if lsid in support.facts and support.facts[lsid].settled(support.before)
    ]
    if form.startswith("lsid"):
        if not settled:
            verdicts.not_tested(f"no {name} survey of an ended session in the last seven days")
        asked = settled[:1] if form == "lsid" else settled[:3]
        params = {form: ",".join(asked), "report_type": "rep"}
        win = None
    else:
        params = {**forms(support.before)[form], "report_type": "rep", "id": "all"}
        win = rpt.window_of(params)
    rows = collect(api, rs_expect, name, params, survey_with_problems)
    found = [f.lsid for f, _ in rows]
    rpt.no_problems(p for _, problems in rows for p in problems)  # RPT-SVY-008, the check goes on
    for facts, _ in rows:
        rpt.survey_kind(facts, SURVEYS[name])
        if win is not None:
            rpt.survey_in_window(facts, win, support.facts.get(facts.lsid))
    if win is None:
        rpt.only(found, asked, f"{name} {form}", "RPT-SVY-003")
        rpt.all_present(found, asked, f"{name} {form}", "RPT-SVY-003")
    else:
        rpt.unique(found, f"{name} {form}")
        rpt.all_present(
            found,
            [s for s in settled if rpt.expected_in(win, support.facts[s], support.before)],
            f"{name} for {win}",
            "RPT-SVY-002",
        )


@pytest.mark.req("RPT-SVY-004", "RPT-SVY-005")
@pytest.mark.parametrize("by", ["rep", "team", "site"])
def test_exit_survey_filters(api, rs_expect, support, surveys, by):
    known = surveys["SupportCustExitSurvey"]
    attribute = {"rep": "primary_rep", "team": "primary_team", "site": "site"}[by]
    ident = most_common(getattr(f, attribute) for f in known.values())
    if ident is None:
        verdicts.not_tested(f"no customer survey of the last seven days has a {attribute}")
    params = {
        **support.params,
        "report_type": by if by != "site" else "rep",
        "id": ident if by != "site" else "all",
    }
    if by == "site":
        params["site_id"] = ident
    rows = collect(api, rs_expect, "SupportCustExitSurvey", params, rpt.survey_facts)
    for facts in rows:
        rpt.survey_filter_holds(facts, params["report_type"], str(params["id"]), params.get("site_id"))
    settled = [
        lsid for lsid, f in known.items()
        if getattr(f, attribute) == ident and lsid in support.facts and support.facts[lsid].settled(support.before)
    ]  # fmt: skip
    rpt.all_present(
        [f.lsid for f in rows],
        settled,
        f"SupportCustExitSurvey {params}",
        "RPT-SVY-005" if by == "site" else None,
    )


@pytest.mark.req("RPT-SVY-007")
def test_exit_survey_ts_is_the_session_start(support, surveys):
    for known in surveys.values():
        for lsid, facts in known.items():
            if lsid in support.facts:
                rpt.survey_start_agrees(facts, support.facts[lsid])


# --- SupportTeam -------------------------------------------------------------------------------------------


@pytest.mark.req("RPT-ST-001", "RPT-ST-002", "RPT-ST-003", "RPT-GEN-014", "RPT-GEN-015")
@pytest.mark.parametrize("form", ["start_date", "start_date_to_present", "start_time", "start_time_to_present",
                                  "end_date", "end_time"])  # fmt: skip
def test_support_team_window(api, rs_expect, support, form):
    params = forms(support.before)[form]
    before = time.time()
    report = rpt.team_report(small(api, rs_expect, "SupportTeam", params))
    rpt.echoes_window(report.start, report.end, rpt.window_of(params), before, time.time(), "RPT-ST-002")
    rpt.team_events_within(report)


@pytest.fixture(scope="module")
def team_week(api, rs_expect, support) -> rpt.TeamReport:
    return rpt.team_report(small(api, rs_expect, "SupportTeam", support.params))


@pytest.mark.req("RPT-ST-004")
def test_support_team_id(api, rs_expect, support, team_week):
    team = max(team_week.teams.values(), key=lambda t: len(t.events), default=None)
    if team is None:
        verdicts.not_tested("no team activity in the last seven days")
    closed = {"start_time": support.lo, "duration": int(support.before) - 3600 - support.lo}  # history only
    every = rpt.team_report(small(api, rs_expect, "SupportTeam", closed))
    one = rpt.team_report(small(api, rs_expect, "SupportTeam", {**closed, "team_id": team.id}))
    rpt.team_events_within(one, team_id=team.id)
    want = sorted(every.teams[team.id].events) if team.id in every.teams else []
    got = sorted(one.teams[team.id].events) if team.id in one.teams else []
    assert got == want, (
        f"team_id={team.id}: {len(got)} events, but the report of all teams gives it {len(want)}"
    )


@pytest.mark.req("RPT-ST-005")
def test_support_team_support_teams_value(team_week):
    if not any(t.support_teams for t in team_week.teams.values()):
        verdicts.not_tested("no event of the last seven days carries a support_teams value")
    rpt.support_teams_delimiter(team_week)


# --- LicenseUsage ------------------------------------------------------------------------------------------


@pytest.mark.req("RPT-LU-001", "RPT-LU-002", "RPT-LU-003", "RPT-GEN-014", "RPT-GEN-015")
@pytest.mark.parametrize(
    "form, group_by",
    [
        ("start_date", "day"),
        ("start_date_to_present", "month"),
        ("start_time", "hour"),
        ("start_time_to_present", "day"),
    ],
)
def test_license_usage(api, rs_expect, support, form, group_by):
    params = {**forms(support.before)[form], "group_by": group_by}
    before = time.time()
    report = rpt.license_report(small(api, rs_expect, "LicenseUsage", params))
    rpt.echoes_window(report.start, report.end, rpt.window_of(params), before, time.time(), "RPT-LU-002")
    rpt.license_rules(report, group_by)


# --- PresentationSession and PresentationSessionListing ---------------------------------------------------


def _presentation_forms() -> list:
    out = [pytest.param(form, marks=pytest.mark.req("RPT-PS-002"), id=form) for form in forms(0)]
    return out + [
        pytest.param(form, marks=pytest.mark.req("RPT-PS-003"), id=form) for form in ("lsid", "lsids")
    ]


@pytest.mark.req("RPT-PS-001", "RPT-PS-004", "RPT-PS-005", "RPT-GEN-014", "RPT-GEN-015")
@pytest.mark.parametrize("form", _presentation_forms())
def test_presentation_session(api, rs_expect, presentations, form):
    if form.startswith("lsid"):
        asked = settled_sample(presentations, 1 if form == "lsid" else 3)
        params, win = {form: ",".join(asked)}, None
    else:
        params = forms(presentations.before)[form]
        win = rpt.window_of(params)
    before = time.time()
    rows = collect(api, rs_expect, "PresentationSession", params, with_problems)
    rpt.no_problems(p for _, problems in rows for p in problems)  # each a defect of its requirement
    for facts, _ in rows:
        rpt.session_type_is(facts, "presentation")
        rpt.duration_agrees(facts, before)
        if win is not None:
            rpt.in_window(facts, win, "RPT-PS-002")
    found = [f.lsid for f, _ in rows]
    if win is None:
        rpt.only(found, asked, f"PresentationSession {form}", "RPT-PS-003")
        rpt.all_present(found, asked, f"PresentationSession {form}", "RPT-PS-003")
    else:
        rpt.unique(found, f"PresentationSession {form}")
        expected = [
            f.lsid for f in presentations.facts.values() if rpt.expected_in(win, f, presentations.before)
        ]
        rpt.all_present(found, expected, f"PresentationSession for {win}", "RPT-PS-002")


@pytest.mark.req("RPT-PS-007")
@pytest.mark.parametrize("kind", ["all", "rep", "team_all", "team", "members", "site"])
def test_presentation_limit(api, rs_expect, presentations, kind):
    rep = most_common(r for f in presentations.facts.values() for r in f.reps)
    limit = {"all": "all", "rep": f"rep:{rep}", "team_all": "team:all", "team": "team:1", "members": "members:1",
             "site": "site:1"}[kind]  # fmt: skip
    if kind == "rep" and rep is None:
        verdicts.not_tested("no presentation of the last seven days has a presenter")
    params = {**presentations.params, "limit": limit}
    for facts in collect(api, rs_expect, "PresentationSession", params, rpt.session_facts):
        rpt.in_window(facts, rpt.window_of(params), "RPT-PS-002")
        rpt.limit_holds(facts, limit, presentation=True)


@pytest.mark.req("RPT-PSL-001", "RPT-PSL-002")
@pytest.mark.parametrize("form", list(forms(0)))
def test_presentation_session_listing(api, rs_expect, presentations, form):
    params = forms(presentations.before)[form]
    entries = rpt.listing_entries(small(api, rs_expect, "PresentationSessionListing", params))
    win = rpt.window_of(params)
    rpt.known_in_window(
        entries, presentations.facts, win, f"PresentationSessionListing {form}", "RPT-PSL-002"
    )
    expected = [
        f.lsid for f in presentations.settled() if rpt.expected_in(win, f, presentations.before)
    ]  # completed presentations: "ready to be archived"
    rpt.all_present(entries, expected, f"PresentationSessionListing for {win}", "RPT-PSL-002")


# --- recordings ----------------------------------------------------------------------------------------------


@pytest.mark.req("RPT-SSR-001", "RPT-SSR-002", "RPT-SSR-003", "RPT-SSL-003")
def test_support_session_recording(api, rs_expect, support, listing):
    recorded, unrecorded = pick(listing, support, True), pick(listing, support, False)
    if recorded is None and unrecorded is None:
        verdicts.not_tested("no session of the last seven days has ended yet")
    if recorded is not None:
        download(api, "SupportSessionRecording", {"lsid": recorded}, rs_expect, True)
    if unrecorded is not None:
        download(api, "SupportSessionRecording", {"lsid": unrecorded}, rs_expect, False, "RPT-SSR-003")
    download(api, "SupportSessionRecording", {"lsid": unknown_lsid()}, rs_expect, False, "RPT-SSR-003")


@pytest.mark.parametrize(
    "name, attribute",
    [pytest.param("ShowMyScreenRecording", "show_my_screen", marks=pytest.mark.req("RPT-SMS-001", "RPT-SMS-002")),
     pytest.param("CommandShellRecording", "command_shell", marks=pytest.mark.req("RPT-CSR-001", "RPT-CSR-002"))],
)  # fmt: skip
def test_instance_recordings(api, rs_expect, support, name, attribute):
    facts = with_instances(support, attribute)
    if facts is None:
        verdicts.not_tested(f"no ended session of the last seven days has a {attribute} recording")
    instances = sorted(getattr(facts, attribute))
    base = instances[0]  # the report numbers from 0 (its own table) or 1 (the CommandShellRecording section)
    for instance in instances[:2]:
        download(api, name, {"lsid": facts.lsid, "instance": instance - base}, rs_expect, True)
    past_last = {"ShowMyScreenRecording": "RPT-SMS-002", "CommandShellRecording": "RPT-CSR-002"}[name]
    download(api, name, {"lsid": facts.lsid, "instance": len(instances)}, rs_expect, False, past_last)


@pytest.mark.req("RPT-PSR-001", "RPT-PSL-003", "RPT-SSR-002")
def test_presentation_session_recording(api, rs_expect, presentations, pres_listing):
    recorded, unrecorded = pick(pres_listing, presentations, True), pick(pres_listing, presentations, False)
    if recorded is None and unrecorded is None:
        verdicts.not_tested("no presentation of the last seven days has ended yet")
    if recorded is not None:
        download(api, "PresentationSessionRecording", {"lsid": recorded}, rs_expect, True)
    if unrecorded is not None:
        download(api, "PresentationSessionRecording", {"lsid": unrecorded}, rs_expect, False)


@pytest.mark.req("RPT-PSR-002")
def test_presentation_recording_alias(api, rs_expect, presentations, pres_listing):
    recorded = pick(pres_listing, presentations, True)
    if recorded is None:
        verdicts.not_tested("no presentation of the last seven days has a recording")
    download(api, "PresentationRecording", {"lsid": recorded}, rs_expect, True)
