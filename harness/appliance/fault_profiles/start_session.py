"""Fault profiles of session generation (guide: "Session Generation API")."""

from __future__ import annotations

import re

from harness.appliance.faults import Body, EditHeader, Fault, Header, Replace, Status, Where, fault

START = r"/api/start_session$"
SESSIONS = Where("/api/reporting", has=b"<session_list")  # SupportSession answers


def downloaded(where: Where) -> tuple:
    """The wire transforms of a refusal answered as the customer client download: HTTP 200 and an
    attachment, for the answers `where` picks (a refusal's page names its reason)."""
    return (
        Status(where, 200),
        Header(where, "content-disposition", 'attachment; filename="bomgar-scc-winNT-64.exe"'),
    )


def _truncated(element: bytes, length: int):
    """SupportSession answers with each <element> value cut to its first `length` bytes."""
    pattern = re.compile(
        rb"(<" + element + rb">)([^<]{" + str(length).encode() + rb"})[^<]+(</" + element + rb">)"
    )
    return lambda body: pattern.sub(rb"\1\2\3", body)


def _key_value_wins(body: bytes) -> bytes:
    """The external key generate_session_key set shown instead of the one start_session sent."""
    return re.sub(
        rb"<external_key>from-start_session-[^<]*</external_key>",
        b"<external_key>from-generate_session_key</external_key>",
        body,
    )


PROFILES: tuple[Fault, ...] = (
    fault(
        "start-session-key-form-post-only",
        "A session key start by GET is refused with HTTP 405: only POST is taken.",
        {"SS-002": "FAIL"},
        Status(Where(START, query="short_key="), 405),
    ),
    fault(
        "start-session-ns-url-gone",
        "The deprecated URL /api/start_session.ns answers HTTP 404.",
        {"SS-003": "FAIL"},
        Status(Where(r"/api/start_session\.ns"), 404),
    ),
    fault(
        "start-session-client-inline",
        "The customer client is served Content-Disposition: inline, not as an attachment download.",
        {"SS-004": "FAIL"},
        EditHeader(Where(r"/api/start_session(\.ns)?$"), "content-disposition", "attachment", "inline"),
    ),
    fault(
        "start-session-over-limit-company-downloads",
        "A start whose customer.company is over 100 characters is answered with the customer client download.",
        {"SS-CUST-002": "FAIL"},  # the case's own limit (an over-limit case's failure is charged to it)
        *downloaded(Where(START, has=b"customer.company is longer than")),
    ),
    fault(
        "start-session-no-method-downloads",
        "A start with no start method is answered with the customer client download.",
        {"SS-START-001": "FAIL"},
        *downloaded(Where(START, has=b"No start method")),
    ),
    fault(
        "start-session-rep-id-alone-downloads",
        "A representative start with id and no name is answered with the customer client download.",
        {"SS-REP-002": "FAIL"},
        *downloaded(Where(START, has=b"needs both id and name")),
    ),
    fault(
        "start-session-unknown-rep-downloads",
        "A representative start with an id no representative has is answered with the customer client download.",
        {"SS-REP-003": "FAIL"},
        *downloaded(Where(START, query="id=999999999&name=Nobody")),
    ),
    fault(
        "start-session-unknown-key-downloads",
        "A start with the never generated short_key 0000000 is answered with the customer client download.",
        {"SS-KEY-003": "FAIL"},
        *downloaded(Where(START, query="short_key=0000000")),
    ),
    fault(
        "start-session-expired-key-downloads",
        "A start with an expired session key is answered with the customer client download.",
        {"SS-KEY-004": "FAIL"},
        *downloaded(Where(START, has=b"is not valid or has expired")),
    ),
    fault(
        "start-session-key-url-gone",
        "The session key URL (/?ak=) answers HTTP 404.",
        {"SS-KEY-005": "FAIL"},
        Status(Where(r"/$", query="ak="), 404),
    ),
    fault(
        "start-session-key-external-key-wins",
        "A session started with a key shows the external key generate_session_key set, not the start_session one.",
        {"SS-KEY-006": "FAIL"},
        Body(SESSIONS, _key_value_wins),
    ),
    fault(
        "start-session-issue-id-and-code-name-downloads",
        "An issue start with both id and codeName is answered with the customer client download.",
        {"SS-ISS-003": "FAIL"},
        *downloaded(Where(START, has=b"Use either codeName or id")),
    ),
    fault(
        "start-session-issue-menu-not-1-downloads",
        "An issue start with issue_menu other than 1 is answered with the customer client download.",
        {"SS-ISS-004": "FAIL"},
        *downloaded(Where(START, has=b"issue_menu must be 1")),
    ),
    fault(
        "start-session-unknown-issue-downloads",
        "An issue start with an id no team lists is answered with the customer client download.",
        {"SS-ISS-005": "FAIL"},
        *downloaded(Where(START, has=b"No issue with the ID 999999999")),
    ),
    fault(
        "start-session-team-list-empty",
        "SupportSession gives the sessions an empty <team_list>, without the team whose queue they wait in.",
        {"SS-ISS-006": "FAIL"},
        Body(
            SESSIONS,
            lambda body: re.sub(
                rb"<team_list>.*?</team_list>", b"<team_list></team_list>", body, flags=re.DOTALL
            ),
        ),
    ),
    fault(
        "start-session-c2c-as-text",
        "The click-to-chat answer to c2cjs=1 is typed text/plain, not an HTML page.",
        {"SS-C2C-001": "FAIL"},
        EditHeader(Where(START, query="c2cjs=1"), "content-type", "text/html", "text/plain"),
    ),
    fault(
        "start-session-details-cut-255",
        "SupportSession shows the customer's details cut to their first 255 bytes.",
        {"SS-008": "FAIL"},
        Body(SESSIONS, _truncated(b"details", 255)),
    ),
    fault(
        "start-session-external-key-cut-255",
        "SupportSession shows the session's external key cut to its first 255 characters.",
        {"SS-EXT-001": "FAIL"},
        Body(SESSIONS, _truncated(b"external_key", 255)),
    ),
    fault(
        "start-session-js-gone",
        "/api/start_session.js answers HTTP 404.",
        {"SS-JS-001": "FAIL"},
        Status(Where(r"/api/start_session\.js"), 404),
    ),
    fault(
        "start-session-js-without-start-type",
        "start_session.js names its start types BG.StartType, not the guide's BG.START_TYPE.",
        {"SS-JS-002": "FAIL"},
        Replace(Where(r"/api/start_session\.js"), b"START_TYPE", b"StartType"),
    ),
)

# MUST requirements of this area no fault breaks, each with why (tests/test_faults.py holds the list whole)
_EXAMPLE_GAP = (
    "detection gap: every guide query example refused with HTTP 400 gave SS-001 FAIL and {req} {got}: "
    "test_the_guide_query_examples_download_the_customer_client charges its primary requirement SS-001, "
    "never the example's own"
)
_LIMIT_GAP = (
    "detection gap: the over-limit start {case} answered with the customer client download gave SS-006 FAIL "
    "and {req} PASS: test_an_optional_parameter_over_its_limit_starts_nothing charges its primary SS-006 (and "
    "a refused start at the limit would be charged to SS-004, the primary of the at-limit check), never the "
    "parameter's own requirement"
)
UNBROKEN: dict[str, str] = {
    "SS-001": "detection gap: /api/start_session answering HTTP 404 is charged to each query example's own "
    "requirement (SS-KEY-001, SS-LOC-001, SS-PLAT-001, SS-REP-001, SS-TZ-001), not to SS-001",
    "SS-006": "no fault yet: an over-limit case's failure is charged to the case's own limit (SS-CUST-002, "
    "the case-first primary), so the check's general rule needs a fault of its own",
    "SS-KEY-007": "the harness does not test it: a /login > Public Portals > Public Sites setting that no API "
    "shows; the harness cannot tell which behaviour applies",
    "SS-ISS-007": "the harness does not test it: a /login setting that no API shows; the checks take id as an "
    "issue ID, the default",
    "SS-CF-002": "the harness does not test it: over 10KB needs more than ten configured custom fields of 1024 "
    "characters (or counting bytes of multibyte text, a unit the guide does not give); the API lists no "
    "configured fields and the harness cannot create them",
    "SS-CF-003": "the harness does not test it: the guide does not say what a request naming an unconfigured "
    "field gets, and the API lists no configured fields",
    "SS-PRI-002": "the harness does not test it: no command or reporting answer shows a session's priority "
    "(the real-time state API does; its suites own it)",
    "SS-SKL-002": "the harness does not test it: no command or reporting answer shows a session's skills",
    "SS-TZ-003": "the harness does not test it: needs an Atlas cluster with traffic nodes configured for the "
    "timezone offset method",
    "SS-SITE-001": "the harness does not test it: needs the hostnames of two public sites; a target file names "
    "one URL",
    "SS-JS-004": "the harness does not test it: needs a browser running the script; the harness fetches and "
    "inspects the file only",
    "SS-JS-005": "the harness does not test it: needs a public portal with SAML authentication and a browser",
    "SS-BTN-001": "the harness does not test it: a Support Button installed on a customer's Windows machine, "
    "not the appliance's API",
    "SS-KEY-002": "detection gap: the session key form by GET refused with HTTP 400 gave SS-002 FAIL and "
    "SS-KEY-002 PASS: test_the_session_key_form_by_get_and_post charges its primary requirement SS-002",
    **{
        req: _EXAMPLE_GAP.format(req=req, got=got)
        for req, got in (
            ("SS-005", "NOT_TESTED"),
            ("SS-REP-001", "NOT_TESTED"),
            ("SS-KEY-001", "NOT_TESTED"),
            ("SS-ISS-001", "NOT_TESTED"),
            ("SS-ISS-002", "NOT_TESTED"),
            ("SS-LOC-001", "NOT_TESTED"),
            ("SS-LOC-002", "NOT_TESTED"),
            ("SS-PLAT-001", "PASS"),
            ("SS-TZ-001", "PASS"),
            ("SS-SKL-001", "NOT_TESTED"),
        )
    },
    **{
        req: _LIMIT_GAP.format(case=case, req=req)
        for req, case in (
            ("SS-CUST-001", "customer.name-101"),
            ("SS-CUST-003", "customer.company_code-101"),
            ("SS-CUST-004", "customer.details-1025"),
            ("SS-EXT-002", "session.custom.external_key-1025"),
            ("SS-CF-001", "session.custom.custom_field1-1025"),
            ("SS-PRI-001", "session.priority=0, 4 or high"),
        )
    },
}
