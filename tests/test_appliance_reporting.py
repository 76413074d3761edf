"""The embedded appliance's reporting API and its history store: the guide's query examples, filters,
permissions, parameter errors, and persistence across a restart and an abrupt kill."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import textwrap
from urllib.parse import parse_qsl

import httpx
import pytest
from conftest import bearers
from conftest import valid_xml as valid
from lxml import etree

from harness.appliance import history, reporting, server
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.clock import ManualClock

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z, a Tuesday

# The "Query Example" URLs of the guide's Reporting API section, for the reports built here. The guide's
# `Isid` is an OCR error for `lsid` (basis: field), so these say lsid; its stray spaces are removed.
QUERY_EXAMPLES = """
generate_report=SupportSession&start_date=2016-10-01&duration=0
generate_report=SupportSession&start_date=2016-10-01&duration=31
generate_report=SupportSession&start_time=1475308800&duration=0
generate_report=SupportSession&start_time=1475308800&duration=36000
generate_report=SupportSession&end_date=2016-10-01&duration=0
generate_report=SupportSession&end_date=2016-10-01&duration=31
generate_report=SupportSession&end_time=1475308800&duration=36000
generate_report=SupportSession&lsid=c69a8e10bea9428f816cfababe9815fe
generate_report=SupportSession&lsids=c69a8e10bea9428f816cfababe9815fe,a5eaa58591047b88556f944804227b0,5bf07601298b495b87310da9ce571e22
generate_report=SupportSession&start_date=2016-10-01&duration=0&limit=all
generate_report=SupportSession&start_date=2016-10-01&duration=0&limit=rep:1
generate_report=SupportSession&start_date=2016-10-01&duration=0&limit=team:all
generate_report=SupportSession&start_date=2016-10-01&duration=0&limit=team:1
generate_report=SupportSession&start_date=2016-10-01&duration=0&limit=members:1
generate_report=SupportSession&start_date=2016-10-01&duration=0&limit=site:1
generate_report=SupportSessionListing&start_date=2016-10-01&duration=0
generate_report=SupportSessionListing&start_date=2016-10-01&duration=31
generate_report=SupportSessionListing&start_time=1475308800&duration=0
generate_report=SupportSessionListing&start_time=1475308800&duration=36000
generate_report=SupportSessionListing&end_date=2016-10-01&duration=0
generate_report=SupportSessionListing&end_date=2016-10-01&duration=31
generate_report=SupportSessionListing&end_time=1475308800&duration=0
generate_report=SupportSessionListing&end_time=1475308800&duration=36000
generate_report=SupportSessionSummary&start_date=2016-10-01&duration=0&report_type=rep
generate_report=SupportSessionSummary&start_date=2016-10-01&duration=0&report_type=team
generate_report=SupportSessionSummary&start_date=2016-10-01&duration=0&report_type=site
generate_report=SupportSessionSummary&start_date=2016-10-01&duration=31&report_type=rep
generate_report=SupportSessionSummary&start_time=1475308800&duration=0&report_type=rep
generate_report=SupportSessionSummary&start_time=1475308800&duration=36000&report_type=rep
generate_report=SupportSessionSummary&end_date=2016-10-01&duration=0&report_type=rep
generate_report=SupportSessionSummary&end_date=2016-10-01&duration=31&report_type=rep
generate_report=SupportSessionSummary&end_time=1475308800&duration=0&report_type=rep
generate_report=SupportSessionSummary&end_time=1475308800&duration=36000&report_type=rep
generate_report=SupportCustExitSurvey&start_date=2016-10-01&duration=0&report_type=rep&id=all
generate_report=SupportCustExitSurvey&start_date=2016-10-01&duration=0&report_type=team&id=all
generate_report=SupportCustExitSurvey&start_date=2016-10-01&duration=0&report_type=rep&id=1
generate_report=SupportCustExitSurvey&start_date=2016-10-01&duration=0&report_type=team&id=1
generate_report=SupportCustExitSurvey&start_date=2016-10-01&duration=31&report_type=rep&id=all
generate_report=SupportCustExitSurvey&start_time=1475308800&duration=0&report_type=rep&id=all
generate_report=SupportCustExitSurvey&start_time=1475308800&duration=36000&report_type=rep&id=all
generate_report=SupportCustExitSurvey&end_date=2016-10-01&duration=0&report_type=rep&id=all
generate_report=SupportCustExitSurvey&end_date=2016-10-01&duration=31&report_type=rep&id=all
generate_report=SupportCustExitSurvey&end_time=1475308800&duration=0&report_type=rep&id=all
generate_report=SupportCustExitSurvey&end_time=1475308800&duration=36000&report_type=rep&id=all
generate_report=SupportCustExitSurvey&start_date=2016-10-01&duration=0&report_type=rep&id=all&site_id=1
generate_report=SupportRepExitSurvey&start_date=2016-10-01&duration=0&report_type=rep&id=all
generate_report=SupportRepExitSurvey&start_date=2016-10-01&duration=0&report_type=team&id=all
generate_report=SupportRepExitSurvey&start_date=2016-10-01&duration=0&report_type=rep&id=1
generate_report=SupportRepExitSurvey&start_date=2016-10-01&duration=0&report_type=team&id=1
generate_report=SupportRepExitSurvey&start_date=2016-10-01&duration=31&report_type=rep&id=all
generate_report=SupportRepExitSurvey&start_time=1475308800&duration=0&report_type=rep&id=all
generate_report=SupportRepExitSurvey&start_time=1475308800&duration=36000&report_type=rep&id=all
generate_report=SupportRepExitSurvey&end_date=2016-10-01&duration=0&report_type=rep&id=all
generate_report=SupportRepExitSurvey&end_date=2016-10-01&duration=31&report_type=rep&id=all
generate_report=SupportRepExitSurvey&end_time=1475308800&duration=0&report_type=rep&id=all
generate_report=SupportRepExitSurvey&end_time=1475308800&duration=36000&report_type=rep&id=all
generate_report=SupportRepExitSurvey&start_date=2016-10-01&duration=0&report_type=rep&id=all&site_id=1
generate_report=SupportTeam&start_date=2016-10-01&duration=0
generate_report=SupportTeam&start_date=2016-10-01&duration=31
generate_report=SupportTeam&start_time=1475308800&duration=0
generate_report=SupportTeam&start_time=1475308800&duration=36000
generate_report=SupportTeam&start_date=2016-10-01&duration=0&team_id=1
generate_report=SupportTeam&end_date=2016-10-01&duration=0
generate_report=SupportTeam&end_date=2016-10-01&duration=31
generate_report=SupportTeam&end_time=1475308800&duration=0
generate_report=SupportTeam&end_time=1475308800&duration=36000
generate_report=SupportTeam&end_date=2016-10-01&duration=0&team_id=1
generate_report=PresentationSession&start_date=2016-10-01&duration=0
generate_report=PresentationSession&start_date=2016-10-01&duration=31
generate_report=PresentationSession&start_time=1475308800&duration=0
generate_report=PresentationSession&start_time=1475308800&duration=36000
generate_report=PresentationSession&end_date=2016-10-01&duration=0
generate_report=PresentationSession&end_date=2016-10-01&duration=31
generate_report=PresentationSession&end_time=1475308800&duration=36000
generate_report=PresentationSession&lsid=c69a8e10bea9428f816cfababe9815fe
generate_report=PresentationSession&lsids=c69a8e10bea9428f816cfababe9815fe,a5eeaa58591047b88556f944804227b0,5bf07601298b495b87310da9ce571e22
generate_report=PresentationSession&start_date=2016-10-01&duration=0&limit=all
generate_report=PresentationSession&start_date=2016-10-01&duration=0&limit=rep:1
generate_report=PresentationSession&start_date=2016-10-01&duration=0&limit=team:all
generate_report=PresentationSession&start_date=2016-10-01&duration=0&limit=team:1
generate_report=PresentationSession&start_date=2016-10-01&duration=0&limit=members:1
generate_report=PresentationSession&start_date=2016-10-01&duration=0&limit=site:1
generate_report=PresentationSessionListing&start_date=2016-10-01&duration=0
generate_report=PresentationSessionListing&start_date=2016-10-01&duration=31
generate_report=PresentationSessionListing&start_time=1475308800&duration=0
generate_report=PresentationSessionListing&start_time=1475308800&duration=36000
generate_report=PresentationSessionListing&end_date=2016-10-01&duration=0
generate_report=PresentationSessionListing&end_date=2016-10-01&duration=31
generate_report=PresentationSessionListing&end_time=1475308800&duration=0
generate_report=PresentationSessionListing&end_time=1475308800&duration=36000
generate_report=LicenseUsage&start_date=2016-10-01&duration=0&group_by=hour
generate_report=LicenseUsage&start_date=2016-10-01&duration=31&group_by=day
generate_report=LicenseUsage&start_time=1475308800&duration=0&group_by=month
generate_report=LicenseUsage&start_time=1475308800&duration=36000&group_by=hour
generate_report=ArchiveListing&date=2016-10-01
""".strip().splitlines()

# Examples whose answer holds no record on the seeded appliance: the session IDs are support sessions,
# not presentations, and 2016-10-01 has no archives (not one of the last seven active days).
EMPTY = {
    "generate_report=PresentationSession&lsid=c69a8e10bea9428f816cfababe9815fe",
    (
        "generate_report=PresentationSession&lsids=c69a8e10bea9428f816cfababe9815fe,"
        "a5eeaa58591047b88556f944804227b0,5bf07601298b495b87310da9ce571e22"
    ),
    "generate_report=ArchiveListing&date=2016-10-01",
}
ROOTS = {
    "SupportSession": ("session_list", b"<session "),
    "SupportSessionListing": ("session_summary_list", b"<session_summary "),
    "SupportSessionSummary": ("summary_list", b"<summary "),
    "SupportCustExitSurvey": ("exit_survey_list", b"<exit_survey "),
    "SupportRepExitSurvey": ("exit_survey_list", b"<exit_survey "),
    "SupportTeam": ("team_activity_list", b"<team_activity "),
    "PresentationSession": ("session_list", b"<session "),
    "PresentationSessionListing": ("presentation_summary_list", b"<presentation_summary "),
    "LicenseUsage": ("license_usage", b"<license_time_interval "),
    "ArchiveListing": ("archives", b""),
}
# File downloads with nothing to download: the guide's session is a support session, not a presentation, and
# 2016-10-01 is not among the last seven active days (test_appliance_recordings / _archives: the files).
DOWNLOAD_EXAMPLES = [
    "generate_report=PresentationSessionRecording&lsid=c69a8e10bea9428f816cfababe9815fe",
    "generate_report=PresentationRecording&lsid=c69a8e10bea9428f816cfababe9815fe",
    "generate_report=Archive&type=state&date=2016-10-01&index=50",
    "generate_report=Archive&type=event&date=2016-10-01&index=50",
]


@pytest.fixture(scope="module", params=["field", "tidy"])
def served(tmp_path_factory, request):
    config = ApplianceConfig(tmp_path_factory.mktemp("reporting"), seed=7, tidy=request.param == "tidy")
    appliance = Appliance(config, clock=ManualClock(NOW))
    with server.running(appliance) as url:
        yield appliance, url, bearers(appliance, url)


def get(served, query: str | dict, account: str = "full", path: str = "/api/reporting") -> httpx.Response:
    _, url, tokens = served
    params = dict(parse_qsl(query)) if isinstance(query, str) else query
    return httpx.get(url + path, params=params, headers=tokens[account])


def lsids_in(body: bytes) -> list[str]:
    return re.findall(rb'<session lsid="([0-9a-f]{32})"', body)


@pytest.mark.parametrize("query", QUERY_EXAMPLES)
def test_every_guide_query_example_answers_valid_xml_with_data(served, query) -> None:
    r = get(served, query)
    assert r.status_code == 200, r.text
    root, record = ROOTS[dict(parse_qsl(query))["generate_report"]]
    body = valid(r, root)
    if query not in EMPTY:
        assert record in body


@pytest.mark.parametrize("query", DOWNLOAD_EXAMPLES)
def test_downloads_answer_a_documented_error(served, query) -> None:
    r = get(served, query)
    assert r.status_code == 200
    assert b"No " in valid(r, "error")


def local_tree(body: bytes) -> etree._Element:
    """An answer parsed as integrations do: the namespace stripped from every tag."""
    tree = etree.fromstring(body)
    for el in tree.iter():
        el.tag = etree.QName(el).localname
    return tree


def test_optional_elements_are_left_out_as_the_field_does(served) -> None:
    """Field shape: a third of the listing's summaries are empty (no <lseq>), the same ones in every answer,
    and the system's session events come without <performed_by>; a tidy appliance gives every element."""
    appliance, *_ = served
    query = "generate_report=SupportSessionListing&start_date=2016-10-01&duration=0"  # up to now
    listing = local_tree(valid(get(served, query), "session_summary_list"))
    summaries = listing.findall("session_summary")
    bare = [s.get("lsid") for s in summaries if s.find("lseq") is None]
    assert summaries and all(len(s) == 0 for s in summaries if s.get("lsid") in bare)
    again = local_tree(get(served, query).content)
    assert bare == [s.get("lsid") for s in again.findall("session_summary") if s.find("lseq") is None]
    sessions = local_tree(valid(get(served, query.replace("Listing", "")), "session_list"))
    by = [e.find("performed_by") for e in sessions.findall("session/session_details/event")]
    types = {None if p is None else p.get("type") for p in by}
    assert {"representative", "customer"} <= types
    if appliance.config.tidy:
        assert not bare and "system" in types and None not in types
    else:  # the system's events are the ones without a performer
        assert 0 < len(bare) < len(summaries) and None in types and "system" not in types


@pytest.mark.parametrize("path", ["/api/reporting", "/api/reporting.ns"])
def test_form_post_and_ns_path(served, path) -> None:
    _, url, tokens = served
    data = {"generate_report": "SupportSession", "lsid": history.GUIDE_LSIDS[0]}
    r = httpx.post(url + path, data=data, headers=tokens["full"])
    assert lsids_in(valid(r, "session_list")) == [history.GUIDE_LSIDS[0].encode()]


def test_seed_has_the_field_quirks(served) -> None:
    body = get(served, "generate_report=SupportSession&start_date=2016-10-01&duration=0").content
    assert re.search(rb"<public_ip>\[[0-9a-f:]+\]:\d+</public_ip>", body)  # bracketed IPv6 with a port
    assert re.search(rb"<public_ip>[\d.]+:\d+</public_ip>", body)  # IPv4 with a port
    assert b"<private_ip>Unknown</private_ip>" in body
    assert b"<custom_attributes></custom_attributes>" in body and b"<custom_attribute " in body
    assert b"<jumpoint " in body and b"<end_time></end_time>" in body  # a Jump session; one in progress
    assert b"+00:00</start_time>" in body and b"<cust_survey_list>" in body
    for event_type in (b"Session Start", b"Session End", b"Chat Message", b"Customer Exit Survey"):
        assert b'event_type="' + event_type + b'"' in body


def test_date_and_time_windows_select_by_start_or_end(served) -> None:
    appliance = served[0]
    day = int(NOW) - int(NOW) % 86400 - 2 * 86400
    date = "2023-11-12"
    one_day = lsids_in(get(served, f"generate_report=SupportSession&start_date={date}&duration=1").content)
    by_time = lsids_in(get(served, f"generate_report=SupportSession&start_time={day}&duration=86400").content)
    assert one_day and one_day == by_time
    rows = history.ensure(appliance.db_path).execute(
        "SELECT lsid FROM hist_support_session WHERE start_ts >= ? AND start_ts < ? ORDER BY start_ts, lseq",
        (day, day + 86400),
    )
    assert one_day == [row[0].encode() for row in rows]
    everything = lsids_in(get(served, f"generate_report=SupportSession&start_date={date}&duration=0").content)
    assert set(one_day) < set(everything) and history.IN_PROGRESS_LSID.encode() in everything
    ended = lsids_in(get(served, f"generate_report=SupportSession&end_date={date}&duration=0").content)
    assert history.IN_PROGRESS_LSID.encode() not in ended  # end_* matches closed sessions only
    assert (
        lsids_in(get(served, "generate_report=SupportSession&start_date=2020-01-01&duration=1").content) == []
    )


def test_lsid_and_lsids_and_limit(served) -> None:
    wanted = [history.GUIDE_LSIDS[0], history.IN_PROGRESS_LSID]
    body = get(
        served, {"generate_report": "SupportSession", "lsids": ",".join(wanted), "limit": "rep:999"}
    ).content
    assert sorted(lsids_in(body)) == sorted(x.encode() for x in wanted)  # limit ignored with lsids
    base = "generate_report=SupportSession&start_date=2016-10-01&duration=0"
    for session in re.findall(
        rb"<session .*?</session>", get(served, base + "&limit=rep:3").content, re.DOTALL
    ):
        assert re.search(rb'<representative gsnumber="\d+" id="3">', session)
    for session in re.findall(
        rb"<session .*?</session>", get(served, base + "&limit=site:2").content, re.DOTALL
    ):
        assert b'<public_site id="2">' in session
    assert lsids_in(get(served, base + "&limit=team:999").content) == []


def test_summary_and_surveys_filter(served) -> None:
    body = get(
        served, "generate_report=SupportRepExitSurvey&start_date=2016-10-01&duration=0&report_type=rep&id=3"
    )
    for survey in re.findall(rb"<exit_survey .*?</exit_survey>", valid(body, "exit_survey_list"), re.DOTALL):
        assert b'<primary_rep id="3">' in survey and b'<submitted_by type="rep">' in survey
    summary = get(
        served, "generate_report=SupportSessionSummary&start_date=2016-10-01&duration=0&report_type=site"
    )
    assert b'<summary id="1" type="site">' in valid(summary, "summary_list")


def test_team_filter_and_license_grouping(served) -> None:
    body = valid(
        get(served, "generate_report=SupportTeam&start_date=2016-10-01&duration=0&team_id=2"),
        "team_activity_list",
    )
    assert re.findall(rb'<team_activity id="(\d+)"', body) == [b"2"]
    hourly = get(
        served, "generate_report=LicenseUsage&start_date=2016-10-01&duration=0&group_by=hour"
    ).content
    monthly = get(
        served, "generate_report=LicenseUsage&start_date=2016-10-01&duration=0&group_by=month"
    ).content
    assert hourly.count(b"<license_time_interval ") > monthly.count(b"<license_time_interval ") >= 1


@pytest.mark.parametrize(
    ("account", "report", "allowed"),
    [
        ("reporting_only", "SupportSession", True),
        ("real_time_only", "SupportSession", False),
        ("real_time_only", "PresentationSession", False),
        ("real_time_only", "LicenseUsage", False),
        ("real_time_only", "ArchiveListing", False),
        ("configuration_only", "SupportTeam", False),
    ],
)
def test_permissions(served, account, report, allowed) -> None:
    params = {
        "generate_report": report,
        "start_date": "2016-10-01",
        "duration": "0",
        "group_by": "day",
        "date": "2016-10-01",
    }
    r = get(served, params, account=account)
    if allowed:
        assert r.status_code == 200
    else:
        assert r.status_code == 403
        valid(r, "error")


def test_without_a_token_the_guides_json_401(served) -> None:
    _, url, _ = served
    r = httpx.get(url + "/api/reporting", params={"generate_report": "SupportSession", "lsid": "0" * 32})
    assert r.status_code == 401 and r.json()["error"] == "access_denied"


@pytest.mark.parametrize(
    "query",
    [
        "",
        "generate_report=NoSuchReport",
        "generate_report=SupportSession",
        "generate_report=SupportSession&start_date=2016-10-01",
        "generate_report=SupportSession&start_date=2016-13-01&duration=0",
        "generate_report=SupportSession&start_date=yesterday&duration=0",
        "generate_report=SupportSession&start_time=-5&duration=0",
        "generate_report=SupportSession&start_time=1475308800&duration=-1",
        "generate_report=SupportSession&start_time=1475308800&duration=x",
        "generate_report=SupportSession&start_time=1&end_time=2&duration=1",
        "generate_report=SupportSession&lsid=abc&lsids=def",
        "generate_report=SupportSession&start_time=1&duration=1&lsid=c69a8e10bea9428f816cfababe9815fe",
        "generate_report=SupportSession&start_time=1&duration=1&limit=boss:1",
        "generate_report=SupportSessionListing&lsid=c69a8e10bea9428f816cfababe9815fe",
        "generate_report=SupportSessionSummary&start_time=1&duration=0&report_type=planet",
        "generate_report=SupportCustExitSurvey&start_time=1&duration=0&report_type=rep",
        "generate_report=SupportCustExitSurvey&start_time=1&duration=0&report_type=rep&id=x",
        "generate_report=LicenseUsage&end_date=2016-10-01&duration=0&group_by=day",
        "generate_report=LicenseUsage&start_date=2016-10-01&duration=0&group_by=week",
        "generate_report=SupportTeam&start_time=1&duration=0&team_id=x",
        "generate_report=ShowMyScreenRecording&lsid=c69a8e10bea9428f816cfababe9815fe",
        "generate_report=Archive&type=other&date=2016-10-01&index=1",
        "generate_report=ArchiveListing",
    ],
)
def test_bad_parameters_answer_a_400_error(served, query) -> None:
    r = get(served, query)
    assert r.status_code == 400, r.text
    valid(r, "error")


def test_multipart_is_refused(served) -> None:
    _, url, tokens = served
    r = httpx.post(
        url + "/api/reporting", files={"generate_report": (None, "SupportSession")}, headers=tokens["full"]
    )
    assert r.status_code == 400 and b"Multipart" in valid(r, "error")


RESTART_QUERIES = [  # bounded windows (unchanged by a later record), then an open one
    "generate_report=SupportSession&start_date=2016-10-01&duration=31",
    "generate_report=SupportSessionSummary&start_time=1475308800&duration=36000&report_type=rep",
    "generate_report=SupportTeam&start_time=1475308800&duration=36000",
    "generate_report=PresentationSession&start_date=2016-10-01&duration=31",
    "generate_report=LicenseUsage&start_date=2016-10-01&duration=31&group_by=day",
    "generate_report=SupportSession&start_date=2016-10-01&duration=0",
]


def _answers(appliance: Appliance) -> list[bytes]:
    with server.running(appliance) as url:
        tokens = bearers(appliance, url)
        return [
            httpx.get(url + "/api/reporting", params=dict(parse_qsl(q)), headers=tokens["full"]).content
            for q in RESTART_QUERIES
        ]


def test_restart_keeps_history_and_answers(tmp_path) -> None:
    first = Appliance(ApplianceConfig(tmp_path, seed=3), clock=ManualClock(NOW))
    before = _answers(first)
    late = history._support_session(random.Random(1), "f" * 32, int(NOW) - 100, int(NOW) - 50, "rep_list")
    history.record_support_session(first.db_path, late)
    second = Appliance(ApplianceConfig(tmp_path, seed=3), clock=ManualClock(NOW))
    after = _answers(second)
    assert after[:-1] == before[:-1] and all(
        b"<session " in a or b"<summary " in a or b"interval " in a or b"<team_activity " in a for a in after
    )
    assert ("f" * 32).encode() in after[-1] and ("f" * 32).encode() not in before[-1]
    count = history.ensure(second.db_path).execute("SELECT COUNT(*) FROM hist_support_session").fetchone()[0]
    reporting.routes(second)  # seeding again on a seeded store writes nothing
    assert (
        history.ensure(second.db_path).execute("SELECT COUNT(*) FROM hist_support_session").fetchone()[0]
        == count
    )


WRITER = textwrap.dedent(
    """
    import random, sys, uuid
    from pathlib import Path
    from harness.appliance import history
    path = Path(sys.argv[1])
    rng = random.Random(5)
    for i in range(100000):
        lsid = uuid.UUID(int=rng.getrandbits(128)).hex
        history.record_support_session(path, history._support_session(rng, lsid, 1000 + i, 1100 + i, "rep_list"))
        history.record_license_sample(path, 1000 + i, 40)
        print(lsid, flush=True)
    """
)


def test_abrupt_kill_loses_no_committed_record(tmp_path) -> None:
    db_path = tmp_path / "appliance.sqlite"
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path)], stdout=subprocess.PIPE, env={**os.environ}, text=True
    )
    committed = [proc.stdout.readline().strip() for _ in range(40)]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    appliance = Appliance(ApplianceConfig(tmp_path), clock=ManualClock(NOW))
    with server.running(appliance) as url:
        tokens = bearers(appliance, url)
        params = {"generate_report": "SupportSession", "lsids": ",".join(committed)}
        body = valid(httpx.get(url + "/api/reporting", params=params, headers=tokens["full"]), "session_list")
    assert sorted(lsids_in(body)) == sorted(x.encode() for x in committed)
    assert b'event_type="Session End"' in body
    assert appliance.db_path == db_path


def test_a_transferred_session_has_its_final_owner_and_every_owner(served) -> None:
    """ "<primary_rep>: ... the name of the final representative to own the session"; <session_owner>:
    "whether the representative was an actual owner of the session or was merely a conference member".
    A session taken by rep 5, handed to rep 8, then ended: 8 is the primary rep, both were owners."""
    from lxml import etree

    from harness.appliance.world import Arrival, Target
    from harness.checks.reporting import session_facts, session_problems

    appliance = served[0]
    world = appliance.world
    for user_id in (5, 8):
        if user_id not in world.logged_in:
            world.login(user_id)
    lsid = world.start_session("rep_list", Target("team", 1), Arrival(name="Pat")).lsid
    world.take(lsid, 5)
    world.transfer(lsid, Target("rep", 8))
    world.end(lsid)
    body = valid(get(served, {"generate_report": "SupportSession", "lsid": lsid}), "session_list")
    session = etree.fromstring(body)[0]
    for el in session.iter():
        el.tag = etree.QName(el).localname
    facts = session_facts(session)
    assert facts.primary_rep == 8 and facts.owners == {5, 8}
    assert session_problems(session) == []


def test_live_sessions_never_reuse_a_session_id_of_the_history(tmp_path) -> None:
    """ "lsid: A string which uniquely identifies this session." The seeded history and the live sessions
    draw their IDs from generators of the same seed: without a check, the 44th live session took the ID of
    a seeded one (and overwrote it in the history)."""
    from harness.appliance.world import Arrival, Target

    appliance = Appliance(ApplianceConfig(tmp_path, seed=7), clock=ManualClock(NOW))
    history.seed_history(appliance)
    conn = history.ensure(appliance.db_path)
    seeded = {
        r[0]
        for r in conn.execute(
            "SELECT lsid FROM hist_support_session UNION SELECT lsid FROM hist_presentation"
        )
    }
    live = [
        appliance.world.start_session("rep_list", Target("team", 1), Arrival(name=f"c{i}")).lsid
        for i in range(60)
    ]
    assert len(set(live)) == len(live) and not seeded & set(live)
