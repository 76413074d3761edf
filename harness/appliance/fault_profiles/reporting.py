"""Fault profiles of the reporting API's answers."""

from __future__ import annotations

from harness.appliance.faults import Increment, Replace, Status, Where, fault

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
)
