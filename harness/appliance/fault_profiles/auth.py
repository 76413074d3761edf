"""Fault profiles of the OAuth token endpoint (guide: "Authenticate to the Remote Support API")."""

from __future__ import annotations

from harness.appliance.faults import Header, JsonMember, Replace, Status, Where, fault
from harness.catalogue import limits

PROFILES = (
    fault(
        "expires-in-string",
        'The token answer\'s expires_in as the JSON string "3600".',
        {"AUTH-004": "FAIL"},
        JsonMember(Where("/oauth2/token"), "expires_in", str(limits.TOKEN_LIFETIME_S)),
    ),
    fault(
        "token-cap-31",
        "An API account keeps 31 valid tokens, one more than the guide's 30.",
        {"AUTH-015": "FAIL"},
        settings={"tokens.max_valid": limits.MAX_VALID_TOKENS + 1},
    ),
    fault(
        "token-type-mac",
        'The token answer\'s token_type is "mac", not "Bearer".',
        {"AUTH-003": "FAIL"},
        JsonMember(Where("/oauth2/token"), "token_type", "mac"),
    ),
    fault(
        "expires-in-7200",
        "The token answer's expires_in is 7200 (two hours), not the guide's 3600.",
        {"AUTH-004": "FAIL"},
        JsonMember(Where("/oauth2/token"), "expires_in", 2 * limits.TOKEN_LIFETIME_S),
    ),
    fault(
        "token-type-missing",
        "The token answer has no token_type member.",
        {"AUTH-003": "FAIL"},
        Replace(Where("/oauth2/token"), b'"token_type":"Bearer",', b""),
    ),
    fault(
        "access-token-null-for-query-grant",
        "A token asked for with grant_type in the query string is answered with access_token null.",
        {"AUTH-002": "FAIL"},
        JsonMember(Where("/oauth2/token", query="grant_type"), "access_token", None),
    ),
    fault(
        "bad-client-http-500",
        "A failed client authentication (wrong secret, unknown client, no Basic) is answered HTTP 500.",
        {"AUTH-007": "FAIL"},
        Status(Where("/oauth2/token", has=b'"invalid_client"'), 500),
    ),
    fault(
        "token-as-text-html",
        "The token answer labelled Content-Type: text/html.",
        {"AUTH-006": "WARN"},
        Header(Where("/oauth2/token"), "content-type", "text/html; charset=utf-8"),
    ),
    fault(
        "token-cap-1",
        "An API account keeps one valid token: each new token invalidates the one before.",
        {"AUTH-014": "FAIL", "AUTH-015": "FAIL"},
        settings={"tokens.max_valid": 1},
    ),
    fault(
        "access-denied-as-invalid-token",
        'The command API refuses a request without a valid token with error "invalid_token", not "access_denied".',
        {"AUTH-011": "FAIL", "AUTH-012": "FAIL"},
        JsonMember(Where("/api/command", has=b'"access_denied"'), "error", "invalid_token"),
    ),
)

# MUST requirements of this area no fault breaks, each with why (tests/test_faults.py holds the list whole)
PREFLIGHT = (
    "certify's preflight asks for a token with grant_type in the body and calls GET get_api_info with it, so "
    "a fault there makes the whole run NOT_TESTED (token-answer-http-400 and api-info-get-denies-bearer did)"
)
UNBROKEN: dict[str, str] = {
    "AUTH-001": "a fault on the body-grant token request breaks every run before its checks: " + PREFLIGHT,
    "AUTH-021": "a fault on the Test Scenario's token or get_api_info breaks every run before its checks: "
    + PREFLIGHT,
    "AUTH-010": "detection gap: listing-denies-bearer (SupportSessionListing answering a valid bearer the "
    "access_denied JSON, HTTP 401) gave AUTH-010 PASS and XML-SCHEMA-002 FAIL; the command API forms hit the "
    "preflight's get_api_info",
    "AUTH-016": "the harness does not test it: a token cannot be watched expire without waiting an hour; "
    "AUTH-004 checks that expires_in is 3600",
    "AUTH-017": "the harness does not test it: a client secret is regenerated only on the /login API "
    "Configuration page, which no API reaches",
    "AUTH-018": "the harness does not test it: the /login administrative interface is not an API; nothing "
    "the harness can call modifies a secret",
    "AUTH-019": "the harness does not test it: accounts are created in /login; each API's permission rule is "
    "a requirement of its own section (broken there)",
    "AUTH-020": "a rule of the client, not of the appliance's answers: the harness sends Connection: close "
    "on every request",
}
