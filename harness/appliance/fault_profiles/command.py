"""Fault profiles of the command API's answers."""

from __future__ import annotations

from harness.appliance.faults import Increment, Replace, Status, Where, fault

PROFILES = (
    fault(
        "health-release-mismatch",
        "check_health names release 19.1.0 while get_api_info says API 1.21.1 (21.3.x).",
        {"CMD-CHK-006": "FAIL"},
        settings={"config.product_version": "19.1.0"},
    ),
    fault(
        "company-name-empty",
        "get_api_info's <company_name> is empty.",
        {"CMD-GAI-006": "WARN"},
        settings={"config.company_name": ""},
    ),
    fault(
        "api-info-timestamp-hour-ahead",
        "get_api_info's <timestamp> one hour ahead of the appliance's clock.",
        {"CMD-GAI-003": "WARN"},
        Increment(Where("/api/command", has=b"<api_information"), "timestamp", 3600),
    ),
    fault(
        "api-version-unlisted",
        "get_api_info names API 1.20.0, a version the guide's API Version Reference does not list.",
        {"CMD-GAI-005": "WARN"},
        Replace(
            Where("/api/command", has=b"<api_information"),
            b"<api_version>1.21.1<",
            b"<api_version>1.20.0<",
        ),
    ),
    fault(
        "direct-link-relative",
        "get_logged_in_reps' <direct_link> anchors have a relative href (no https:// scheme).",
        {"CMD-GLR-005": "FAIL"},
        Replace(Where("/api/command", has=b"<logged_in_reps"), b'&lt;a href="https://', b'&lt;a href="'),
    ),
    fault(
        "rep-display-name-private",
        "get_logged_in_reps gives the Admin representative's private name in the deprecated <display_name>.",
        {"CMD-GLR-003": "FAIL"},
        Replace(
            Where("/api/command", has=b"<logged_in_reps"),
            b"<display_name>Admin</display_name>",
            b"<display_name>Administrator</display_name>",
        ),
    ),
    fault(
        "member-display-name-private",
        "get_support_teams gives the Admin member's private name in the deprecated <display_name>.",
        {"CMD-GST-006": "FAIL"},
        Replace(
            Where("/api/command", has=b"<support_teams"),
            b"<display_name>Admin</display_name>",
            b"<display_name>Administrator</display_name>",
        ),
    ),
    fault(
        "appliance-not-accepting",
        "get_appliances says <accepting_connections>0 for an appliance not in a cluster.",
        {"CMD-GAP-003": "FAIL"},
        Replace(
            Where("/api/command", has=b"<appliances"),
            b"<accepting_connections>1<",
            b"<accepting_connections>0<",
        ),
    ),
    fault(
        "appliances-failover-role-primary",
        "get_appliances gives the appliance failover role primary while check_health says none.",
        {"CMD-GAP-004": "FAIL"},
        Replace(
            Where("/api/command", has=b"<appliances"), b"<failover_role>none<", b"<failover_role>primary<"
        ),
    ),
    fault(
        "health-success-with-error-message",
        "check_health answers <success>1</success> with an <error_message>.",
        {"CMD-CHK-002": "FAIL"},
        Replace(
            Where("/api/command", has=b"<health_check"),
            b"<success>1</success>",
            b"<success>1</success><error_message>Data sync failed</error_message>",
        ),
    ),
    fault(
        "shared-ips-without-failover",
        "check_health lists <enabled_shared_ips> although <failover_role> is none.",
        {"CMD-CHK-004": "WARN"},
        Replace(
            Where("/api/command", has=b"<health_check"),
            b"<failover_role>none</failover_role>",
            b"<failover_role>none</failover_role><enabled_shared_ips><ip>192.0.2.10</ip></enabled_shared_ips>",
        ),
    ),
    fault(
        "command-error-http-500",
        "Every command API <error> answered with HTTP 500.",
        {"CMD-GEN-014": "FAIL"},
        Status(Where("/api/command", has=b"<error"), 500),
    ),
    fault(
        "session-key-queue-unavailable",
        'generate_session_key answers <queue available="0"> although the queue\'s representative is logged in.',
        {"CMD-GSK-007": "FAIL"},
        Replace(
            Where("/api/command", has=b"<session_key"), b'<queue available="1">', b'<queue available="0">'
        ),
    ),
)
