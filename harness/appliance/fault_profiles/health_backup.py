"""Fault profiles of /check_health and the backup API."""

from __future__ import annotations

from harness.appliance.faults import Body, Header, Replace, Status, Where, corrupted, fault

BACKUP_FILE = Where("/api/backup", has=b"\x1f\x8b")

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
    fault(
        "health-probe-200-while-unhealthy",
        "The command API's check_health says <success>0 while the plain /check_health probe answers HTTP 200.",
        {"HLT-002": "FAIL"},
        Replace(Where("/api/command", has=b"<health_check"), b"<success>1<", b"<success>0<"),
    ),
    fault(
        "health-probe-long-message",
        "The plain /check_health message runs past a thousand characters.",
        {"HLT-003": "FAIL"},
        Replace(Where("/check_health"), b"succeeded.", b"succeeded." + b" All services are running." * 45),
    ),
    fault(
        "backup-method-not-allowed",
        "/api/backup answers HTTP 405 to an account with backup access, GET or POST.",
        {"BAK-001": "FAIL"},
        Status(Where("/api/backup", has=b"\x1f\x8b"), 405),
    ),
    fault(
        "backup-json-instead-of-file",
        "/api/backup answers HTTP 200 with a JSON error document instead of the backup file.",
        {"BAK-002": "FAIL"},
        Header(BACKUP_FILE, "content-type", "application/json"),
        Body(BACKUP_FILE, lambda _: b'{"error":"backup_in_progress"}'),
    ),
    fault(
        "backup-refusals-http-200",
        "/api/backup sends its refusals (no token, a bad token, no backup access) with HTTP 200.",
        {"BAK-006": "FAIL", "AUTH-011": "FAIL", "AUTH-012": "FAIL"},
        Status(Where("/api/backup", has=b'"error"'), 200),
    ),
)

# MUST requirements of this area no fault breaks, each with why (tests/test_faults.py holds the list whole)
UNBROKEN: dict[str, str] = {
    "BAK-007": "detection gap: backup-refusals-http-200 gave BAK-007 NOT_TESTED (test_bad_token_refused"
    "[backup-*] charges its primary AUTH-011/AUTH-012, never BAK-007)",
    "BAK-008": "the harness does not test it: the backup's contents are in the vendor's own format, which "
    "the guide does not describe (BAK-003 checks the file is intact)",
}
