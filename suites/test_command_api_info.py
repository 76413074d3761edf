"""get_api_info (guide: "API Command: get_api_info"): the answer every other check is negotiated from."""

from __future__ import annotations

import time

import pytest

from harness.checks.command import api_info_permissions, timestamp_near
from harness.checks.xml import command_ok


@pytest.mark.req("CMD-GAI-001")
def test_api_info_answer(rs_api, rs_expect):
    root = command_ok(rs_api.api_info(), rs_expect, "api_information")
    assert root.findtext("api_version", "").strip(), "<api_version> is empty"


@pytest.mark.req("CMD-GAI-002")
@pytest.mark.parametrize("role", ["full", "read_only", "no_command", "reporting_only", "real_time_only"])
def test_api_info_permissions_match_the_account(rs_client, rs_expect, role):
    """Each account sees its own permissions; an account without command access is refused."""
    client = rs_client(role)
    response = client.api_info()
    if role in ("no_command", "reporting_only", "real_time_only"):
        from harness.checks.xml import command_error

        command_error(response, rs_expect)
        return
    root = command_ok(response, rs_expect, "api_information")
    permissions = api_info_permissions(root)
    expected = "full_access" if role == "full" else "read_only"
    assert permissions.get("perm_command") == expected, f"perm_command is {permissions.get('perm_command')!r}"


@pytest.mark.req("CMD-GAI-003")
def test_api_info_timestamp_is_now(rs_api, rs_expect):
    before = time.time()
    root = command_ok(rs_api.api_info(), rs_expect, "api_information")
    timestamp_near(root.findtext("timestamp"), before, time.time())
