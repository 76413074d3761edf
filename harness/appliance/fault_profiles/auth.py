"""Fault profiles of the OAuth token endpoint (guide: "Authenticate to the Remote Support API")."""

from __future__ import annotations

from harness.appliance.faults import Header, JsonMember, Replace, Status, Where, fault

PROFILES = (
    fault(
        "expires-in-string",
        'The token answer\'s expires_in as the JSON string "3600".',
        {"AUTH-004": "FAIL"},
        JsonMember(Where("/oauth2/token"), "expires_in", "3600"),
    ),
    fault(
        "token-cap-31",
        "An API account keeps 31 valid tokens, one more than the guide's 30.",
        {"AUTH-015": "FAIL"},
        settings={"tokens.max_valid": 31},
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
        JsonMember(Where("/oauth2/token"), "expires_in", 7200),
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
)
