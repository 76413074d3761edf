"""Fault profiles of the real-time state API."""

from __future__ import annotations

from harness.appliance.faults import ENCODED, Replace, Subprotocol, Where, WsAsText, WsReplace, fault
from harness.appliance.realtime import SUBPROTOCOL
from harness.catalogue import limits

FULL_COPY = b'"insert":{"customer_client":'  # only the all-tables subscription's full copy starts so


def in_full_copy(rows: bytes) -> WsReplace:
    """`rows` (compact JSON table members) added at the end of the all-tables subscription's full copy (a
    table the copy already has is replaced by them: the last member of a name wins)."""
    return WsReplace(b"}}}}\n", b"}}," + rows + b"}}\n", has=FULL_COPY)


RSS_INSERT = b'"insert":{"representative_support_session":'
PRESENTATION = b'"presentation_session":{"9001":{"created_timestamp":1700000000,"lsid":"0123456789abcdef0123456789abcdef","presentation_name":"Demo"}}'
SESSION = (
    b'"support_session":{"9002":{"created_timestamp":1700000000,"lsid":"fedcba9876543210fedcba9876543210",'
    b'"priority":2,"public_site_id":1,"public_site_name":"Default","queue_entry_timestamp":1700000000,'
    b'"queue_id":1,"start_method":"session_key"}}'
)

PROFILES = (
    fault(
        "subprotocol-other-form",
        "The real-time handshake answers the subprotocol raw to a URL-encoded offer, and URL-encoded to a "
        "raw one.",
        {"RT-PROTO-027": "FAIL"},
        Subprotocol({ENCODED: SUBPROTOCOL, SUBPROTOCOL: ENCODED}),
    ),
    fault(
        "realtime-text-messages",
        "The real-time API's messages sent as text websocket messages, not binary ones.",
        {"RT-PROTO-004": "FAIL"},
        WsAsText(),
    ),
    fault(
        "realtime-auth-success-as-1",
        'authenticate_response says "success":1, not the JSON true the guide shows.',
        {"RT-PROTO-011": "FAIL"},
        WsReplace(b'"authenticate_response","success":true', b'"authenticate_response","success":1'),
    ),
    fault(
        "realtime-subscribe-success-false",
        "subscribe_response says success false to a valid subscription, and streams the model all the same.",
        {"RT-PROTO-014": "FAIL"},
        WsReplace(b'"success":true', b'"success":false', has=b'"subscribe_response"'),
    ),
    fault(
        "subscriber-cap-31",
        "A thirty-first integration receives model updates.",
        {"RT-CAP-001": "FAIL"},
        settings={"realtime.limits.max_subscribers": limits.MAX_SUBSCRIBERS + 1},
    ),
    fault(
        "subscriber-cap-29",
        "Only twenty-nine integrations receive model updates, not the guide's thirty.",
        {"RT-CAP-001": "WARN"},
        settings={"realtime.limits.max_subscribers": limits.MAX_SUBSCRIBERS - 1},
    ),
    fault(
        "realtime-permission-not-checked",
        "An account without the real-time permission is told its authentication succeeded.",
        {"RT-PROTO-012": "FAIL"},
        WsReplace(b'"success":false', b'"success":true', has=b"does not have permission"),
    ),
    fault(
        "realtime-unknown-token-accepted",
        "A bearer token the appliance never issued is told its authentication succeeded.",
        {"RT-PROTO-013": "FAIL"},
        WsReplace(b'"success":false', b'"success":true', has=b"invalid or has expired"),
    ),
    fault(
        "realtime-subscribe-before-authenticate",
        "A subscribe sent before authenticate is answered with a successful subscribe_response.",
        {"RT-PROTO-002": "FAIL"},
        WsReplace(
            b'"type":"authenticate_response","success":false',
            b'"type":"subscribe_response","success":true',
            has=b"got 'subscribe'",
        ),
    ),
    fault(
        "realtime-full-copy-not-json",
        "The full copy of an all-tables subscription leaves its first table name unquoted, which is not JSON.",
        {"RT-PROTO-003": "FAIL"},
        WsReplace(FULL_COPY, b'"insert":{customer_client:'),
    ),
    fault(
        "realtime-full-copy-without-newline",
        "The full copy of an all-tables subscription is sent without its terminating newline.",
        {"RT-PROTO-022": "FAIL"},
        WsReplace(b"}}}}\n", b"}}}}", has=FULL_COPY),
    ),
    fault(
        "realtime-second-authenticate-response",
        "The subscribe_response is followed by a second authenticate_response in the model updates phase.",
        {"RT-PROTO-016": "FAIL"},
        WsReplace(
            b'"success":true}\n',
            b'"success":true}\n{"type":"authenticate_response","success":true}\n',
            has=b'"subscribe_response"',
        ),
    ),
    fault(
        "realtime-full-copy-section-add",
        'The full copy of an all-tables subscription names its section "add", not "insert".',
        {"RT-PROTO-019": "FAIL"},
        WsReplace(FULL_COPY, b'"add":{"customer_client":'),
    ),
    fault(
        "realtime-listed-subscription-gets-all",
        "A subscription to a list of tables also gets a presentation_session row in its full copy.",
        {"RT-PROTO-017": "FAIL"},
        WsReplace(b'"insert":{"queue":', b'"insert":{' + PRESENTATION + b',"queue":'),
    ),
    fault(
        "realtime-dangling-queue-id",
        "Representatives of personal queue 4 name queue 9004, which is not in the model.",
        {"RT-MODEL-001": "FAIL"},
        WsReplace(b'"queue_id":4,', b'"queue_id":9004,'),
    ),
    fault(
        "realtime-row-id-past-64-bits",
        "The full copy gives its first customer_client row an id past the 64-bit unsigned range (prefixed "
        "1844674407370955161).",
        {"RT-MODEL-002": "FAIL"},
        WsReplace(FULL_COPY + b'{"', FULL_COPY + b'{"1844674407370955161'),
    ),
    fault(
        "realtime-client-type-laptop",
        'customer_client rows say client_type "laptop", not one of the guide\'s values.',
        {"RT-MODEL-011": "FAIL"},
        WsReplace(b'"client_type":"desktop"', b'"client_type":"laptop"'),
    ),
    fault(
        "realtime-queue-type-group",
        'Team queues say type "group", not one of prewait, team or personal.',
        {"RT-MODEL-012": "FAIL"},
        WsReplace(b'"type":"team"', b'"type":"group"'),
    ),
    fault(
        "realtime-routing-busy-word",
        'representative rows say routing_busy "no", not 1 or 0.',
        {"RT-MODEL-013": "FAIL"},
        WsReplace(b'"routing_busy":0', b'"routing_busy":"no"'),
    ),
    fault(
        "realtime-queue-role-owner",
        'representative_queue rows say role "owner", not member, lead or manager.',
        {"RT-MODEL-014": "FAIL"},
        WsReplace(b'"role":"member"', b'"role":"owner"'),
    ),
    fault(
        "realtime-session-rep-id-negative",
        "representative_support_session rows carry a negative representative_id.",
        {"RT-MODEL-015": "FAIL"},
        WsReplace(b'"representative_id":', b'"representative_id":-', has=RSS_INSERT),
        in_full_copy(
            SESSION + b',"representative_support_session":{"9003":{"created_timestamp":1700000000,'
            b'"representative_id":-5,"support_session_id":9002}}'
        ),
    ),
    fault(
        "realtime-priority-word",
        'support_session rows say priority "normal", not 1, 2 or 3.',
        {"RT-MODEL-016": "FAIL"},
        WsReplace(b'"priority":2', b'"priority":"normal"'),
    ),
    fault(
        "realtime-attribute-value-null",
        "support_session_attribute rows carry value null.",
        {"RT-MODEL-017": "FAIL"},
        in_full_copy(
            SESSION
            + b',"support_session_attribute":{"9003":{"code_name":"ticket","created_timestamp":1700000000,"support_session_id":9002,"value":null}}'
        ),
    ),
    fault(
        "realtime-skill-code-name-null",
        "support_session_skill rows carry code_name null.",
        {"RT-MODEL-018": "FAIL"},
        in_full_copy(
            SESSION
            + b',"support_session_skill":{"9003":{"code_name":null,"created_timestamp":1700000000,"support_session_id":9002}}'
        ),
    ),
    fault(
        "realtime-presentation-name-null",
        "presentation_session rows carry presentation_name null.",
        {"RT-MODEL-019": "FAIL"},
        in_full_copy(PRESENTATION.replace(b'"Demo"', b"null")),
    ),
    fault(
        "realtime-attendee-connected-2",
        "attendee rows say connected 2, not 1 or 0.",
        {"RT-MODEL-020": "FAIL"},
        in_full_copy(
            PRESENTATION
            + b',"attendee":{"9003":{"connected":2,"created_timestamp":1700000000,"hostname":"h1","name":"Ann","operating_system":"Windows 11","presentation_session_id":9001,"private_ip":"10.0.0.5","public_ip":"203.0.113.7"}}'
        ),
    ),
    fault(
        "realtime-presenter-rep-id-text",
        'presenter rows carry representative_id "admin", not an integer.',
        {"RT-MODEL-021": "FAIL"},
        in_full_copy(
            PRESENTATION
            + b',"presenter":{"9003":{"created_timestamp":1700000000,"presentation_session_id":9001,"representative_id":"admin"}}'
        ),
    ),
    fault(
        "realtime-virtual-customer-renamed",
        "The virtual customer's customer_client row has its computer_name with .local appended.",
        {"RT-XAPI-001": "WARN"},
        WsReplace(b'-rt-host"', b'-rt-host.local"'),
    ),
    fault(
        "realtime-report-lacks-virtual-host",
        "The SupportSession report of a terminated virtual customer's session names its host with .local appended.",
        {"RT-XAPI-002": "FAIL"},
        Replace(Where("/api/reporting", has=b"-rt-host<"), b"-rt-host<", b"-rt-host.local<"),
    ),
    fault(
        "logged-in-reps-other-private-name",
        'get_logged_in_reps prefixes every private display name with "Rep ".',
        {"RT-XAPI-003": "FAIL"},
        Replace(
            Where("/api/command", has=b"<logged_in_reps"),
            b"<private_display_name>",
            b"<private_display_name>Rep ",
        ),
    ),
)

# MUST requirements of this area no fault breaks, each with why (tests/test_faults.py holds the list whole)
UNBROKEN: dict[str, str] = {
    "RT-PROTO-020": "flaky to break: a fault on support_session updates or deletes is caught only when one "
    "arrives during the check's watch, which the simulation's timing decides (realtime-update-unknown-row)",
    "RT-PROTO-001": "detection gap: realtime-permission-not-checked gave RT-PROTO-012 FAIL and RT-PROTO-001 "
    "PASS (test_account_permission and test_unknown_token_is_refused charge their primary RT-PROTO-012/013)",
    "RT-PROTO-005": "detection gap: realtime-full-copy-without-newline gave RT-PROTO-022 FAIL and RT-PROTO-005 "
    "PASS (a message without its newline is reassembled with the next and charged to RT-PROTO-022)",
    "RT-PROTO-006": "needs a behaviour the reference objects have no parameter for: refusing the integration's "
    "text websocket messages (wire transforms rewrite only what the appliance sends)",
    "RT-PROTO-007": "needs a behaviour the reference objects have no parameter for: refusing the handshake "
    "that offers the URL-encoded subprotocol (Subprotocol only rewrites an accepted handshake's answer)",
    "RT-PROTO-021": "the harness does not test it: the guide gives no way to make an appliance truncate its "
    "model; a truncate_model seen is judged with RT-PROTO-019",
    "RT-PROTO-023": "needs updates withheld: WsReplace cannot hold a message back, and the session that never "
    "appears is timed against the 20 s bound (charged to RT-CAP-003), too slow for the matrix",
    "RT-PROTO-024": "the harness does not test it: a freedom of the appliance, not a rule to check",
    "RT-PROTO-025": "a rule of the client, not of the appliance's answers: the integration keeps its copy of "
    "the tables",
    "RT-PROTO-026": "the harness does not test it: state.js runs in a browser and the embedded appliance "
    "does not serve /api/state.js",
    "RT-CAP-003": "needs a behaviour the reference objects have no parameter for: delaying model updates past "
    "twenty seconds, and its check would wait the whole bound twice (faults must be fast)",
    "RT-CAP-005": "the harness does not test it: the guide does not say how far behind is too far",
    "RT-MODEL-003": "the harness does not test it: the initial state exists only when the appliance's "
    "processes start; the harness does not restart an appliance",
    "RT-MODEL-004": "the harness does not test it: needs a restart of the appliance's processes",
}
