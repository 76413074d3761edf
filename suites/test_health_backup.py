"""The plain health probe (guide: "API Command: check_health", "Alternative Method - HTTP Status Check") and
the backup API (guide: "Backup API").

The probe's status is judged against the command API's check_health <success>, read before and after it:
only a reading that held across the probe says which status is due (the appliance is live).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from harness.checks.backup import (
    attachment,
    backup_archive,
    backup_download,
    backup_refused,
    probe_message,
    probe_status,
)
from harness.checks.command import api_info_permissions
from harness.checks.xml import command_ok
from harness.client.http import TargetError
from harness.redact import REDACTOR
from harness.verdicts import CheckFailed, check, fail, not_tested

REFUSAL_MAX = 1 << 20  # a refusal is small; a bigger body is read no further


@dataclass
class Probe:
    """One GET /check_health, bracketed by two command API check_health readings."""

    status: int
    body: bytes
    healthy: bool | None  # <success> 1 / 0 before and after; None when it changed or was unreadable
    reading: str  # what the command API said, for reasons
    hidden: dict[str, str] = field(default_factory=dict)  # data the probe must not expose


def _command_health(client, expect, hidden: dict[str, str]) -> str | None:
    """<success> of the command API's check_health ("1"/"0"), or None if unreadable (its own checks say
    why); notes the GUID and version the probe must not expose."""
    try:
        root = command_ok(client.command("check_health"), expect, "health_check")
    except (CheckFailed, TargetError):
        return None
    appliance = root.find("appliance")
    if appliance is not None and appliance.get("id"):
        hidden["appliance GUID"] = appliance.get("id")
    version = (root.findtext("version") or "").strip()
    if version:
        hidden["software version"] = version
        first = version.split()[0]
        if "." in first and any(ch.isdigit() for ch in first):
            hidden["software version number"] = first
    value = (root.findtext("success") or "").strip()
    return value if value in ("0", "1") else None


@pytest.fixture
def probe(rs_target, rs_client, rs_anon, rs_expect) -> Probe:
    hidden: dict[str, str] = {}
    role = next((r for r in ("full", "read_only") if r in rs_target.target.accounts), None)
    command = rs_client(role) if role else None
    before = _command_health(command, rs_expect, hidden) if command else None
    response = rs_anon.check_health()
    after = _command_health(command, rs_expect, hidden) if command else None
    if command is None:
        healthy, reading = (
            True,
            "no command API account to read check_health with; a healthy appliance assumed",
        )
    elif before is None or after is None:
        healthy, reading = None, "the command API's check_health could not be read"
    elif before != after:
        healthy, reading = None, f"check_health <success> went from {before} to {after} around the probe"
    else:
        healthy, reading = before == "1", f"check_health <success>{before} before and after the probe"
    if rs_target.company_name:
        hidden["company name"] = rs_target.company_name
    for role_name, credentials in rs_target.target.accounts.items():
        hidden[f"client ID of the {role_name} API account"] = credentials.client_id
    for n, value in enumerate(sorted(REDACTOR.secrets), 1):
        hidden[f"secret or token #{n} of this run"] = value
    return Probe(response.status_code, response.content, healthy, reading, hidden)


@pytest.mark.req("HLT-001")
def test_probe_200_when_healthy(probe):
    if probe.healthy is False:
        not_tested(f"the appliance is not healthy now ({probe.reading})")
    probe_status(probe.status, probe.healthy)


@pytest.mark.req("HLT-002")
def test_probe_500_when_unhealthy(probe):
    if probe.healthy is not False:
        not_tested(f"the harness cannot make the probe fail, and the appliance is healthy ({probe.reading})")
    probe_status(probe.status, probe.healthy)


@pytest.mark.req("HLT-003", "HLT-004")
def test_probe_message_exposes_nothing_else(probe):
    probe_message(probe.status, probe.body, probe.hidden)


@pytest.mark.req("HLT-005")
def test_probe_needs_no_token(probe):
    check(
        probe.status not in (401, 403),
        f"HTTP {probe.status} without an authorization header: the health probe asks for credentials",
    )


# -- backup -------------------------------------------------------------------------------------------------


@pytest.mark.req("BAK-002", "BAK-001", "BAK-003", "BAK-004", "BAK-005")
@pytest.mark.profile("destructive")
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_backup_download(rs_api, method):
    """An account with backup access downloads the backup file, streamed to a spool and read through.
    Primary BAK-002 (gets the backup file: a download that breaks off is its defect); the checks charge the
    URL or method not served to BAK-001, a damaged file to BAK-003 (the check goes on), an unknown format
    to BAK-004, no attachment to BAK-005."""
    response = rs_api.backup(method=method)
    with rs_api.spool(response) as spool:
        backup_download(response.status_code, spool)
        backup_archive(spool)
    attachment(response.headers)


@pytest.mark.req("BAK-006")
@pytest.mark.parametrize("role", ["read_only", "nothing"])
def test_backup_refused_without_access(rs_client, rs_expect, role):
    """read_only: the target's account is first shown to lack perm_backup (get_api_info); nothing: an
    account with no permission at all."""
    client = rs_client(role)
    if role == "read_only":
        try:
            root = command_ok(client.api_info(), rs_expect, "api_information")
            perm = api_info_permissions(root).get("perm_backup")
        except CheckFailed as exc:
            not_tested(f"the read_only account's permissions could not be read: {exc}")
        if perm != "0":
            not_tested(f"the target's read_only account has perm_backup {perm!r}; one without is needed")
    response = client.backup()
    try:
        head = client.transport.read_bounded(response, REFUSAL_MAX)
    except TargetError as exc:
        fail(
            f"HTTP {response.status_code} with a large body (a backup?) for an account without access: {exc}"
        )
    backup_refused(response.status_code, head)
