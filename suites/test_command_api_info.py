"""get_api_info (guide: "API Command: get_api_info"): the answer every other check is negotiated from."""

from __future__ import annotations

import time

import pytest

from harness.checks.command import (
    api_info_permissions,
    api_version_listed,
    missing_permissions,
    timestamp_near,
)
from harness.checks.xml import command_ok


@pytest.mark.req("CMD-GAI-001")
def test_api_info_answer(rs_api, rs_expect):
    root = command_ok(rs_api.api_info(), rs_expect, "api_information")
    assert root.findtext("api_version", "").strip(), "<api_version> is empty"


@pytest.mark.req("CMD-GAI-002")
@pytest.mark.api_version(since="1.15.1")  # API accounts and these permission names came with 1.15.1
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


@pytest.mark.req("CMD-GAI-004")
@pytest.mark.api_version(since="1.15.1")
def test_api_info_lists_every_documented_permission(rs_api, rs_expect):
    root = command_ok(rs_api.api_info(), rs_expect, "api_information")
    missing = missing_permissions(api_info_permissions(root))
    assert not missing, f"<permissions> does not list {', '.join(missing)}"


@pytest.mark.req("CMD-GAI-005")
def test_api_version_is_a_known_one(rs_api, rs_expect):
    root = command_ok(rs_api.api_info(), rs_expect, "api_information")
    api_version_listed(root.findtext("api_version"))


@pytest.mark.req("CMD-GAI-006")
@pytest.mark.api_version(since="1.13.1")
def test_company_name_is_given(rs_api, rs_expect):
    root = command_ok(rs_api.api_info(), rs_expect, "api_information")
    assert (root.findtext("company_name") or "").strip(), "<company_name> is empty"
