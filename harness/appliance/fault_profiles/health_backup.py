"""Fault profiles of /check_health and the backup API."""

from __future__ import annotations

from harness.appliance.faults import Body, Header, Replace, Status, Where, corrupted, fault

PROFILES = (
    fault(
        "health-probe-500-while-healthy",
        "The plain /check_health probe answers HTTP 500 while check_health says <success>1.",
        {"HLT-001": "FAIL"},
        Status(Where("/check_health"), 500),
    ),
    fault(
        "health-probe-asks-credentials",
        "The plain /check_health probe answers HTTP 401 to a request without an authorization header.",
        {"HLT-001": "FAIL", "HLT-005": "WARN"},
        Status(Where("/check_health"), 401),
    ),
    fault(
        "health-probe-shows-version",
        "The plain /check_health message names the software version.",
        {"HLT-004": "FAIL"},
        Replace(Where("/check_health"), b"succeeded.", b"succeeded (21.3.1)."),
    ),
    fault(
        "backup-not-an-attachment",
        "The backup file is served without a Content-Disposition header.",
        {"BAK-005": "WARN"},
        Header(Where("/api/backup"), "content-disposition", None),
    ),
    fault(
        "backup-corrupt-gzip",
        "The backup file's deflate data damaged after the gzip header.",
        {"BAK-003": "FAIL"},
        Body(Where("/api/backup", has=b"\x1f\x8b"), corrupted),
    ),
)
