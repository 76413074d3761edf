"""Fault profiles of the reporting API's answers."""

from __future__ import annotations

import re

from harness.appliance.faults import REPORTING_NS, Body, Header, Increment, Replace, Status, Where, fault

# -- helpers -----------------------------------------------------------------------------------------------

FLV = b"FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00"  # the start of a Flash video file


def _report(root: str, inner: str = "") -> bytes:
    """A reporting API document: `root` holding `inner`."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{REPORTING_NS}">{inner}</{root}>\n'.encode()
    )


def _as(where: Where, doc: bytes, ctype: str = "text/xml; charset=UTF-8", status: int = 200) -> tuple:
    """The answer replaced by `doc`, with this Content-Type and status (the body last: `where` may match the
    answer by the body it replaces)."""
    return (
        Status(where, status),
        Header(where, "Content-Type", ctype),
        Header(where, "Content-Disposition", None),
        Body(where, lambda _body, doc=doc: doc),
    )


def _emptied(body: bytes) -> bytes:
    """A report's root kept, every child dropped."""
    start = re.search(rb"<([A-Za-z_]+)[^>]*?(/?)>", body[body.find(b"?>") + 2 :])
    if start is None or start[2]:
        return body
    head = body.find(b"?>") + 2 + start.end()
    return body[:head] + body[body.rindex(b"</" + start[1] + b">") :]


def _emptied_where(where: Where) -> Body:
    return Body(where, _emptied)


def _ends_emptied(body: bytes) -> bytes:
    """Every session's <end_time> emptied (the session looks still in progress)."""
    return re.sub(rb"<end_time timestamp=\"\d+\">[^<]*</end_time>", b"<end_time></end_time>", body)


def _report_of(name: str, form: str = "") -> Where:
    """The answers to generate_report=`name` (exactly) asked with `form` as the first parameter after it."""
    return Where("/api/reporting", query=f"generate_report={name}&{form}")


PROFILES = (
    fault(
        "summary-total-plus-one",
        "Every SupportSessionSummary <total_sessions> one higher than the sessions it counts.",
        {"RPT-SSS-003": "FAIL"},
        Increment(Where("/api/reporting", has=b"<summary_list"), "total_sessions"),
    ),
    fault(
        "reporting-error-http-500",
        "Every reporting API <error> answered with HTTP 500.",
        {"RPT-GEN-012": "FAIL"},
        Status(Where("/api/reporting", has=b"<error"), 500),
    ),
    fault(
        "listing-external-key-other",
        "SupportSessionListing's external_key attributes differ from the keys SupportSession gives.",
        {"RPT-SSL-004": "FAIL"},
        Replace(
            Where("/api/reporting", has=b"<session_summary_list"),
            b'external_key="INC',
            b'external_key="REQ',
        ),
    ),
    fault(
        "listing-lseq-plus-one",
        "Every SupportSessionListing <lseq> one higher than SupportSession's.",
        {"RPT-SSL-005": "FAIL"},
        Increment(Where("/api/reporting", has=b"<session_summary_list"), "lseq"),
    ),
    fault(
        "listing-root-renamed",
        "SupportSessionListing answered with the root <session_listing>, not <session_summary_list>.",
        {"RPT-SSL-001": "FAIL"},  # also invalid against the appliance's own schema
        Replace(
            Where("/api/reporting", has=b"<session_summary_list"), b"session_summary_list", b"session_listing"
        ),
    ),
    fault(
        "session-type-presentation",
        "SupportSession gives support sessions <session_type>presentation</session_type>.",
        {"RPT-SS-011": "FAIL"},
        Replace(
            Where("/api/reporting", has=b"<session_list"),
            b"<session_type>support<",
            b"<session_type>presentation<",
        ),
    ),
    fault(
        "customer-survey-submitted-by-rep",
        "SupportCustExitSurvey's <submitted_by> has type rep, not cust.",
        {"RPT-SVY-006": "FAIL"},
        Replace(
            Where("/api/reporting", query="SupportCustExitSurvey"),
            b'<submitted_by type="cust">',
            b'<submitted_by type="rep">',
        ),
    ),
    fault(
        "license-group-by-not-echoed",
        "LicenseUsage asked for group_by=hour answers <group_by>day</group_by>.",
        {"RPT-LU-002": "FAIL"},
        Replace(
            Where("/api/reporting", has=b"<license_usage"),
            b"<group_by>hour</group_by>",
            b"<group_by>day</group_by>",
        ),
    ),
    # -- the general rules
    fault(
        "reporting-without-token-answered",
        "A reporting request without a token answered HTTP 200 with an empty SupportSessionListing.",
        {"RPT-GEN-002": "FAIL"},
        *_as(Where("/api/reporting", has=b'"access_denied"'), _report("session_summary_list")),
    ),
    fault(
        "generate-report-missing-answered",
        "A reporting request without generate_report answered with an empty SupportSessionListing, not <error>.",
        {"RPT-GEN-009": "FAIL"},
        Body(
            Where("/api/reporting", has=b"Missing required parameter: generate_report"),
            lambda _body: _report("session_summary_list"),
        ),
    ),
    fault(
        "session-start-offset-wrong",
        "SupportSession's <start_time> ISO 8601 texts carry +01:00 where the timestamp is UTC (an hour apart).",
        {"RPT-GEN-015": "FAIL"},
        Replace(_report_of("SupportSession"), b"+00:00</start_time>", b"+01:00</start_time>"),
    ),
    # -- SupportSession
    fault(
        "session-list-root-renamed",
        "SupportSession answered with the root <support_session_list>, not <session_list>.",
        {"RPT-SS-001": "FAIL"},  # also invalid against the appliance's own schema
        Replace(_report_of("SupportSession"), b"session_list", b"support_session_list"),
    ),
    fault(
        "session-start-date-empty",
        "SupportSession asked for a start_date window answers an empty <session_list>.",
        {"RPT-SS-002": "FAIL"},
        _emptied_where(_report_of("SupportSession", "start_date=")),
    ),
    fault(
        "session-seconds-window-empty",
        "SupportSession asked for a two-day start_time or end_time window answers an empty <session_list>.",
        {"RPT-SS-003": "FAIL", "RPT-SS-005": "FAIL"},
        _emptied_where(Where("/api/reporting", query="duration=172800", has=b"sessionType=sd")),
    ),
    fault(
        "session-end-date-empty",
        "SupportSession asked for an end_date window answers an empty <session_list>.",
        {"RPT-SS-004": "FAIL"},
        _emptied_where(_report_of("SupportSession", "end_date=")),
    ),
    fault(
        "session-lsid-empty",
        "SupportSession asked for one lsid answers an empty <session_list>.",
        {"RPT-SS-006": "FAIL"},
        _emptied_where(_report_of("SupportSession", "lsid=")),
    ),
    fault(
        "session-lsids-empty",
        "SupportSession asked for a list of lsids answers an empty <session_list>.",
        {"RPT-SS-007": "FAIL"},
        _emptied_where(_report_of("SupportSession", "lsids=")),
    ),
    fault(
        "session-limit-all-empty",
        "SupportSession with limit=all answers an empty <session_list>.",
        {"RPT-SS-008": "FAIL"},
        _emptied_where(Where("/api/reporting", query="limit=all", has=b"sessionType=sd")),
    ),
    fault(
        "session-limit-applied-to-lsid",
        "SupportSession applies limit= alongside lsid and lsids (a limit naming no one empties the answer).",
        {"RPT-SS-009": "FAIL"},
        _emptied_where(Where("/api/reporting", query="%3A999999", has=b"sessionType=sd")),
    ),
    fault(
        "session-listing-answered-without-permission",
        "SupportSessionListing is answered to accounts without the support session reports permission.",
        {"RPT-SS-010": "FAIL"},
        *_as(
            Where("/api/reporting", has=b"perm_reporting_support for SupportSessionListing<"),
            _report("session_summary_list"),
        ),
    ),
    fault(
        "session-duration-hour-long",
        "Every SupportSession <duration> an hour longer than the session.",
        {"RPT-SS-012": "FAIL"},
        Replace(_report_of("SupportSession"), b"<duration>00:", b"<duration>01:"),
    ),
    fault(
        "session-ends-emptied",
        "SupportSession gives ended sessions an empty <end_time>, so their chat and recording URLs are those of a session in progress.",
        {"RPT-SS-013": "FAIL"},
        Body(_report_of("SupportSession"), _ends_emptied),
    ),
    fault(
        "session-primary-rep-unflagged",
        "SupportSession's <rep_list> representatives all say <primary_rep>0</primary_rep>, the session's <primary_rep> included.",
        {"RPT-SS-014": "FAIL"},
        Replace(
            _report_of("SupportSession"), b"<primary_rep>1</primary_rep>", b"<primary_rep>0</primary_rep>"
        ),
    ),
    fault(
        "show-my-screen-instance-gap",
        "SupportSession numbers a session's second Show My Screen recording instance 2, not 1.",
        {"RPT-SS-015": "FAIL"},
        Replace(
            _report_of("SupportSession"),
            b'<show_my_screen_recording instance="1">',
            b'<show_my_screen_recording instance="2">',
        ),
    ),
    fault(
        "session-start-event-late",
        "SupportSession's Session Start event timestamps gain a trailing digit, so <session_details> is not chronological.",
        {"RPT-SS-016": "FAIL"},
        Replace(
            _report_of("SupportSession"), b'" event_type="Session Start"', b'0" event_type="Session Start"'
        ),
    ),
    # -- SupportSessionListing
    fault(
        "listing-start-date-empty",
        "SupportSessionListing asked for a start_date window answers an empty <session_summary_list>.",
        {"RPT-SSL-002": "FAIL"},
        _emptied_where(_report_of("SupportSessionListing", "start_date=")),
    ),
    # -- SupportSessionSummary
    fault(
        "summary-root-renamed",
        "SupportSessionSummary answered with the root <summaries>, not <summary_list>.",
        {"RPT-SSS-001": "FAIL"},
        Replace(Where("/api/reporting", has=b"<summary_list"), b"summary_list", b"summaries"),
    ),
    fault(
        "summary-rep-typed-team",
        'SupportSessionSummary asked for report_type=rep gives its <summary> elements type="team".',
        {"RPT-SSS-002": "FAIL"},
        Replace(
            Where("/api/reporting", query="report_type=rep", has=b"<summary_list"),
            b'type="rep"',
            b'type="team"',
        ),
    ),
    # -- recordings
    fault(
        "session-recording-empty-file",
        "SupportSessionRecording answers an empty file.",
        {"RPT-SSR-001": "FAIL"},
        Body(
            Where("/api/reporting", query="generate_report=SupportSessionRecording", media="video"),
            lambda _b: b"",
        ),
    ),
    fault(
        "session-recording-never-refused",
        "SupportSessionRecording for a session without a recording answers a video file, not <error>.",
        {"RPT-SSR-003": "FAIL"},
        *_as(
            Where("/api/reporting", query="generate_report=SupportSessionRecording", has=b"<error"),
            FLV,
            "video/x-flv",
        ),
    ),
    fault(
        "instance-recordings-from-one",
        "ShowMyScreenRecording and CommandShellRecording number instances from 1: instance=0 answers <error>.",
        {"RPT-SMS-001": "FAIL", "RPT-CSR-001": "FAIL"},
        *_as(
            Where("/api/reporting", query="instance=0", media="video"),
            _report("error", "No recording of that instance"),
        ),
    ),
    fault(
        "show-my-screen-past-last-answered",
        "ShowMyScreenRecording for an instance past the last answers a video file, not <error>.",
        {"RPT-SMS-002": "FAIL"},
        *_as(
            Where("/api/reporting", query="generate_report=ShowMyScreenRecording", has=b"<error"),
            FLV,
            "video/x-flv",
        ),
    ),
    fault(
        "command-shell-past-last-answered",
        "CommandShellRecording for an instance past the last answers a video file, not <error>.",
        {"RPT-CSR-002": "FAIL"},
        *_as(
            Where("/api/reporting", query="generate_report=CommandShellRecording", has=b"<error"),
            FLV,
            "video/x-flv",
        ),
    ),
    fault(
        "presentation-recording-never-refused",
        "PresentationSessionRecording for a presentation without a recording answers a video file, not <error>.",
        {"RPT-PSR-001": "FAIL"},
        *_as(
            Where("/api/reporting", query="generate_report=PresentationSessionRecording", has=b"<error"),
            FLV,
            "video/x-flv",
        ),
    ),
    fault(
        "presentation-recording-alias-dropped",
        "The deprecated PresentationRecording report answers <error>, not the recording.",
        {"RPT-PSR-002": "FAIL"},
        *_as(
            _report_of("PresentationRecording"),
            _report("error", "Unknown report type: PresentationRecording"),
        ),
    ),
    # -- PresentationSession and PresentationSessionListing
    fault(
        "presentation-list-root-renamed",
        "PresentationSession answered with the root <presentation_list>, not <session_list>.",
        {"RPT-PS-001": "FAIL"},
        Replace(_report_of("PresentationSession"), b"session_list", b"presentation_list"),
    ),
    fault(
        "presentation-start-date-empty",
        "PresentationSession asked for a start_date window answers an empty <session_list>.",
        {"RPT-PS-002": "FAIL"},
        _emptied_where(_report_of("PresentationSession", "start_date=")),
    ),
    fault(
        "presentation-lsid-empty",
        "PresentationSession asked for lsid or lsids answers an empty <session_list>.",
        {"RPT-PS-003": "FAIL"},
        _emptied_where(_report_of("PresentationSession", "lsid")),
    ),
    fault(
        "presentation-type-support",
        "PresentationSession gives presentations <session_type>support</session_type>.",
        {"RPT-PS-004": "FAIL"},
        Replace(_report_of("PresentationSession"), b"<session_type>presentation<", b"<session_type>support<"),
    ),
    fault(
        "presentation-duration-hour-long",
        "Every PresentationSession <duration> an hour longer than the presentation.",
        {"RPT-PS-005": "FAIL"},
        Replace(_report_of("PresentationSession"), b"<duration>00:", b"<duration>01:"),
    ),
    fault(
        "presentation-session-answered-without-permission",
        "PresentationSession is answered to accounts without the presentation reports permission.",
        {"RPT-PS-006": "FAIL"},
        *_as(
            Where("/api/reporting", has=b"perm_reporting_presentation for PresentationSession<"),
            _report("session_list"),
        ),
    ),
    fault(
        "presentation-listing-root-renamed",
        "PresentationSessionListing answered with the root <presentation_list>, not <presentation_summary_list>.",
        {"RPT-PSL-001": "FAIL"},
        Replace(
            Where("/api/reporting", has=b"<presentation_summary_list"),
            b"presentation_summary_list",
            b"presentation_list",
        ),
    ),
    fault(
        "presentation-listing-start-date-empty",
        "PresentationSessionListing asked for a start_date window answers an empty list.",
        {"RPT-PSL-002": "FAIL"},
        _emptied_where(_report_of("PresentationSessionListing", "start_date=")),
    ),
    # -- exit surveys
    fault(
        "survey-list-root-renamed",
        "The exit survey reports answered with the root <survey_list>, not <exit_survey_list>.",
        {"RPT-SVY-001": "FAIL"},
        Replace(Where("/api/reporting", has=b"<exit_survey_list"), b"exit_survey_list", b"survey_list"),
    ),
    fault(
        "survey-start-date-empty",
        "SupportCustExitSurvey asked for a start_date window answers an empty <exit_survey_list>.",
        {"RPT-SVY-002": "FAIL"},
        _emptied_where(_report_of("SupportCustExitSurvey", "start_date=")),
    ),
    fault(
        "survey-lsid-empty",
        "SupportCustExitSurvey asked for lsid or lsids answers an empty <exit_survey_list>.",
        {"RPT-SVY-003": "FAIL"},
        _emptied_where(_report_of("SupportCustExitSurvey", "lsid")),
    ),
    fault(
        "survey-team-filter-empty",
        "The exit survey reports with report_type=team answer an empty <exit_survey_list>.",
        {"RPT-SVY-004": "FAIL"},
        _emptied_where(Where("/api/reporting", query="report_type=team", has=b"<exit_survey_list")),
    ),
    fault(
        "survey-site-filter-empty",
        "The exit survey reports with site_id answer an empty <exit_survey_list>.",
        {"RPT-SVY-005": "FAIL"},
        _emptied_where(Where("/api/reporting", query="site_id=", has=b"<exit_survey_list")),
    ),
    fault(
        "survey-ts-years-early",
        "The exit surveys' ts attributes 100000000 s (three years) before the session's start.",
        {"RPT-SVY-007": "FAIL"},
        Replace(Where("/api/reporting", has=b"<exit_survey_list"), b'" ts="17', b'" ts="16'),
    ),
    fault(
        "survey-primary-rep-unlisted",
        "The exit surveys' <primary_rep> ids are not those of their <rep_list> representatives.",
        {"RPT-SVY-008": "FAIL"},
        Replace(
            Where("/api/reporting", has=b"<exit_survey_list"), b'<primary_rep id="', b'<primary_rep id="9'
        ),
    ),
    # -- SupportTeam
    fault(
        "team-list-root-renamed",
        "SupportTeam answered with the root <team_activities>, not <team_activity_list>.",
        {"RPT-ST-001": "FAIL"},
        Replace(
            Where("/api/reporting", has=b"<team_activity_list"), b"team_activity_list", b"team_activities"
        ),
    ),
    fault(
        "team-end-time-late",
        "SupportTeam's <end_time> a system time without offset whose timestamp is 100000000 s past the window.",
        {"RPT-ST-002": "FAIL"},
        Replace(
            Where("/api/reporting", has=b"<team_activity_list"),
            b'<end_time timestamp="17',
            b'<end_time timestamp="18',
        ),
        Replace(Where("/api/reporting", has=b"<team_activity_list"), b"+00:00</end_time>", b"</end_time>"),
    ),
    fault(
        "team-events-years-early",
        "SupportTeam's event timestamps 100000000 s (three years) before the events, outside the report's window.",
        {"RPT-ST-003": "FAIL"},
        Replace(
            Where("/api/reporting", has=b"<team_activity_list"),
            b'<event timestamp="17',
            b'<event timestamp="16',
        ),
    ),
    fault(
        "team-id-other-team",
        "SupportTeam with team_id answers the activity under another team's id.",
        {"RPT-ST-004": "FAIL"},
        Replace(
            Where("/api/reporting", query="team_id=", has=b"<team_activity_list"),
            b'<team_activity id="',
            b'<team_activity id="9',
        ),
    ),
    # -- LicenseUsage
    fault(
        "license-root-renamed",
        "LicenseUsage answered with the root <license_use>, not <license_usage>.",
        {"RPT-LU-001": "FAIL"},
        Replace(Where("/api/reporting", has=b"<license_usage"), b"license_usage", b"license_use"),
    ),
    fault(
        "license-login-count-over-total",
        "LicenseUsage's login counts exceed the total licenses in use (a 9 before each).",
        {"RPT-LU-003": "FAIL"},
        Replace(Where("/api/reporting", has=b"<license_usage"), b'reason="login">', b'reason="login">9'),
    ),
    fault(
        "license-usage-answered-without-permission",
        "LicenseUsage is answered to accounts without the license usage reports permission.",
        {"RPT-LU-004": "FAIL"},
        *_as(
            Where("/api/reporting", has=b"perm_reporting_license for LicenseUsage<"),
            _report(
                "license_usage",
                '<start_time timestamp="0">1970-01-01T00:00:00+00:00</start_time>'
                '<end_time timestamp="0">1970-01-01T00:00:00+00:00</end_time>'
                "<group_by>day</group_by><license_time_intervals/>",
            ),
        ),
    ),
)

# MUST requirements of this area no fault breaks, each with why (tests/test_faults.py holds the list whole)
UNBROKEN: dict[str, str] = {
    "RPT-GEN-001": "the schema already refuses every deviation of an answer's form, so XML-SCHEMA-002 (the"
    " reference schema) or XML-XSD-* (the appliance's own .xsd) is charged instead; no check charges RPT-GEN-001"
    " (it is a secondary requirement of test_a_reporting_only_account_gets_the_report)",
    "RPT-GEN-003": "needs a Where on the request method: a form-encoded POST's answer cannot be told from the"
    " GET's by path, query substring (a POST's query is empty), media or body, so no transform can make the two"
    " differ",
    "RPT-GEN-005": "no transform can leave sites out of only the reports without limit (a limited query contains"
    " the unlimited one's text), and the one check naming it charges RPT-SS-008 (its primary requirement) for a"
    " session a limit=site report adds",
    "RPT-GEN-006": "the harness does not test it: a rule for integrations, not for the appliance; the harness"
    " follows it (every request says Connection: close)",
    "RPT-GEN-010": "detection gap: license-usage-unknown-type (LicenseUsage refused as an unknown report type) gave"
    " RPT-GEN-010 PASS, the refusal charged to RPT-LU-004, the primary requirement of"
    " test_a_reporting_only_account_gets_the_report",
    "RPT-GEN-014": "no check charges it: a misread duration shows as sessions outside or missing from the window,"
    " charged to the window form's requirement (RPT-SS-002..005, RPT-PS-002, RPT-ST-003, RPT-LU-002), and the"
    " reference objects have no parameter for the duration's unit",
    "RPT-SS-017": "the harness does not test it: no second source of truth reachable through the reporting API;"
    " the reference schema checks their form",
    "RPT-SSL-003": 'detection gap: listing-has-recording-all-zero (has_recording="0" of recorded sessions) gave'
    " RPT-SSL-003 NOT_TESTED, the recording served for a 0 charged to RPT-SSR-003; a 1 on an unrecorded session"
    " gave PASS (only the first session flagged 1 is downloaded)",
    "RPT-SSS-004": "detection gap: summary-site-average-hour-long (each site's <avg_duration> an hour longer) gave"
    " RPT-SSS-004 PASS: the average is judged only for a site whose sessions of the window have all ended, which"
    " the simulated appliance never offers",
    "RPT-SSS-005": "the harness does not test it: the divisor (which weekdays, in the appliance's time zone) and"
    " the rounding are not stated or reported",
    "RPT-SSS-006": "the harness does not test it: needs a rename of a representative, team or site, which the"
    " reporting API cannot do",
    "RPT-PS-008": "the harness does not test it: permissions of /login users, not of API accounts; an API account"
    " sees all presentations",
    "RPT-PSL-003": 'detection gap: presentation-listing-has-recording-all-zero (has_recording="0" of recorded'
    " presentations) gave RPT-PSL-003 NOT_TESTED, the recording served for a 0 charged to RPT-PSR-001, the"
    " primary requirement of test_presentation_session_recording",
    "RPT-SVY-009": "the harness does not test it: needs a survey question edited in /login",
    "RPT-ST-006": "the harness does not test it: the reporting API gives no login history to compare with"
    " (cross-checks with the other APIs belong to another suite)",
    "RPT-LU-005": "the harness does not test it: the appliance's license count is not reported",
}
