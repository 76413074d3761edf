"""Fault profiles of the real-time state API."""

from __future__ import annotations

from harness.appliance.faults import ENCODED, Subprotocol, WsAsText, WsReplace, fault
from harness.appliance.realtime import SUBPROTOCOL

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
        settings={"realtime.limits.max_subscribers": 31},
    ),
    fault(
        "subscriber-cap-29",
        "Only twenty-nine integrations receive model updates, not the guide's thirty.",
        {"RT-CAP-001": "WARN"},
        settings={"realtime.limits.max_subscribers": 29},
    ),
)
