"""The appliance itself (guide: "API Command: get_appliances", "check_health" (the command action; the plain
/check_health URL has its own checks), "set_failover_role")."""

from __future__ import annotations

import time

import pytest

from harness.checks.command import (
    appliances,
    charged_to,
    health,
    release_matches_api,
    shared_ips_need_failover,
    success_text,
)
from harness.checks.xml import command_error, command_ok
from harness.verdicts import check, warn

CHANGED = "Successfully changed role"
SYNC_STARTED = "Successfully started data sync. Role change will occur upon successful completion."


def appliance_list(client, expect) -> dict[str, dict]:
    return appliances(command_ok(client.command("get_appliances"), expect, "appliances"))


def health_check(client, expect) -> dict:
    root = command_ok(client.command("check_health"), expect, "health_check")
    return health(root, time.time())


# -- get_appliances -----------------------------------------------------------------------------------------


@pytest.mark.req("CMD-GAP-001", "CMD-GAP-002", "CMD-GAP-003")
@pytest.mark.api_version(since="1.11.0")
def test_appliances(rs_api, rs_expect):
    appliance_list(rs_api, rs_expect)


@pytest.mark.req("CMD-GAP-004")
@pytest.mark.api_version(since="1.12.0")
def test_the_health_checked_appliance_is_listed(rs_api, rs_expect):
    before = health_check(rs_api, rs_expect)
    listed = appliance_list(rs_api, rs_expect)
    after = health_check(rs_api, rs_expect)
    check(before["id"] in listed, f"check_health's appliance {before['id']} is not listed by get_appliances")
    if before["failover_role"] == after["failover_role"]:
        role = listed[before["id"]]["failover_role"]
        check(
            role == before["failover_role"],
            f"get_appliances says failover role {role!r}, check_health {before['failover_role']!r}",
        )


# -- check_health (the command) -----------------------------------------------------------------------------


@pytest.mark.req("CMD-CHK-001", "CMD-CHK-002", "CMD-CHK-003")
@pytest.mark.api_version(since="1.12.0")
def test_check_health(rs_api, rs_expect):
    result = health_check(rs_api, rs_expect)
    if result["success"] != "1":
        warn(f"the appliance reports a failed health check: {result['error_message']}", req="CMD-CHK-002")


@pytest.mark.req("CMD-CHK-006")
@pytest.mark.api_version(since="1.12.0")
def test_health_names_a_release_of_the_api_version(rs_api, rs_expect):
    """The release check_health names and the API version get_api_info names agree with the guide's table."""
    info = command_ok(rs_api.command("get_api_info"), rs_expect, "api_information")
    health_root = command_ok(rs_api.command("check_health"), rs_expect, "health_check")
    release_matches_api(health_root, (info.findtext("api_version") or "").strip())


@pytest.mark.req("CMD-CHK-004")
@pytest.mark.api_version(since="1.12.0")
def test_shared_ips_only_with_failover(rs_api, rs_expect):
    shared_ips_need_failover(command_ok(rs_api.command("check_health"), rs_expect, "health_check"))


# -- set_failover_role --------------------------------------------------------------------------------------


@pytest.mark.req("CMD-SFR-001", "CMD-GEN-014")
@pytest.mark.api_version(since="1.12.0")
@pytest.mark.parametrize(
    "params", [{}, {"role": ""}, {"role": "sideways"}], ids=["none", "empty", "sideways"]
)
def test_set_failover_role_needs_a_role(rs_api, rs_expect, params):
    command_error(rs_api.command("set_failover_role", params), rs_expect)


@pytest.fixture
def failover_role(rs_api, rs_expect):
    """The role before the check; put back after it (primary if it was none: none cannot be set)."""
    role = health_check(rs_api, rs_expect)["failover_role"]
    yield role
    restore = role if role in ("primary", "backup") else "primary"
    if health_check(rs_api, rs_expect)["failover_role"] != restore:
        command_ok(rs_api.command("set_failover_role", {"role": restore}), rs_expect, "success")


def _shows_role(client, expect, role: str) -> None:
    """CMD-SFR-005 (a SHOULD): get_appliances and check_health give the role just set."""
    with charged_to("CMD-SFR-005"):  # asked after the change: not answering is this requirement's defect
        now = health_check(client, expect)
        listed = appliance_list(client, expect).get(now["id"], {}).get("failover_role")
    if (now["failover_role"], listed) != (role, role):
        warn(
            f"role {role} set, but check_health says {now['failover_role']!r} and get_appliances {listed!r}",
            req="CMD-SFR-005",
        )


FAILOVER = pytest.mark.api_version(since="1.12.0")
DESTRUCTIVE = pytest.mark.profile("destructive")


@FAILOVER
@DESTRUCTIVE
@pytest.mark.req("CMD-SFR-002", "CMD-SFR-005")
@pytest.mark.parametrize("extra", [{}, {"data_sync_first": "0"}], ids=["plain", "data_sync_first-0"])
def test_set_failover_role_changes_the_role(rs_api, rs_expect, failover_role, extra):
    role = "backup" if failover_role == "primary" else "primary"
    answer = command_ok(rs_api.command("set_failover_role", {"role": role, **extra}), rs_expect, "success")
    success_text(answer, CHANGED)
    _shows_role(rs_api, rs_expect, role)


@FAILOVER
@DESTRUCTIVE
@pytest.mark.req("CMD-SFR-003")
def test_set_failover_role_with_a_data_sync_first(rs_api, rs_expect, failover_role):
    role = failover_role if failover_role in ("primary", "backup") else "primary"
    answer = rs_api.command("set_failover_role", {"role": role, "data_sync_first": "1"})
    success_text(command_ok(answer, rs_expect, "success"), SYNC_STARTED)


@FAILOVER
@DESTRUCTIVE
@pytest.mark.req("CMD-SFR-004", "CMD-SFR-005")
def test_set_failover_role_to_backup_by_force(rs_api, rs_expect, failover_role):
    answer = rs_api.command("set_failover_role", {"role": "backup", "force": "1"})
    success_text(command_ok(answer, rs_expect, "success"), CHANGED)
    _shows_role(rs_api, rs_expect, "backup")


@FAILOVER
@DESTRUCTIVE
@pytest.mark.req("CMD-SFR-006")
@pytest.mark.parametrize("role", ["read_only", "no_command", "reporting_only"])
def test_set_failover_role_is_refused_without_full_access(rs_client, rs_expect, failover_role, role):
    """A well-formed request (the role the appliance has, or primary), so only the access can refuse it."""
    asked = failover_role if failover_role in ("primary", "backup") else "primary"
    command_error(rs_client(role).command("set_failover_role", {"role": asked}), rs_expect)
