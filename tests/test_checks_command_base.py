"""The get_api_info and generic XML checks PASS on good answers and FAIL on bad ones."""

from __future__ import annotations

import crafted
import pytest

from harness.checks.command import api_info_permissions, timestamp_near
from harness.checks.xml import Expect, command_error, command_ok
from harness.verdicts import WARNINGS, CheckFailed

EXPECT = Expect("1.21.1")
PERMS = "".join(
    f'<permission name="{n}">{v}</permission>'
    for n, v in [("perm_backup", "1"), ("perm_command", "full_access")]
    + [(n, "0") for n in (
        "perm_configuration", "perm_configuration_vault_account", "perm_ecm", "perm_real_time_state",
        "perm_reporting_archive", "perm_reporting_license", "perm_reporting_presentation",
        "perm_reporting_support", "perm_reporting_vault", "perm_vault_backup",
    )]
)  # fmt: skip
INFO = (
    "<api_information><api_version>1.21.1</api_version><company_name>example</company_name>"
    f"<timestamp>1700000000</timestamp><permissions>{PERMS}</permissions></api_information>"
)


def test_command_ok_passes_a_valid_answer():
    root = command_ok(crafted.command(INFO), EXPECT, "api_information")
    assert api_info_permissions(root)["perm_command"] == "full_access"


@pytest.mark.parametrize(
    "response, reason",
    [
        (crafted.command(INFO.replace("<company_name>example</company_name>", "")), "invalid against"),
        (crafted.command("<error>Invalid action</error>"), "<error>"),
        (crafted.command(INFO, status=500), "HTTP 500"),
        (crafted.xml(INFO, namespace=None), "namespace"),
        (crafted.xml(INFO, namespace="urn:elsewhere"), "namespace"),
        (crafted.Response(200, b"<!DOCTYPE x [<!ENTITY a 'b'>]><api_information/>"), "unusable"),
        (crafted.Response(200, b"not xml at all"), "unusable"),
        (crafted.command("<session_key/>"), "root <session_key>"),
    ],
)
def test_command_ok_fails_a_bad_answer(response, reason):
    with pytest.raises(CheckFailed, match=reason):
        command_ok(response, EXPECT, "api_information")


def test_a_known_variant_namespace_is_a_warning():
    WARNINGS.clear()
    command_ok(
        crafted.xml(INFO, namespace="http://www.bomgar.com/namespaces/API/command"), EXPECT, "api_information"
    )
    assert WARNINGS and "bomgar.com" in WARNINGS[0]
    WARNINGS.clear()


def test_command_error():
    assert (
        command_error(crafted.command("<error>Invalid action</error>", 400), EXPECT, "invalid")
        == "Invalid action"
    )
    for bad in (crafted.command("<error>x</error>", 500), crafted.command(INFO), crafted.command("<error/>")):
        with pytest.raises(CheckFailed):
            command_error(bad, EXPECT)
    with pytest.raises(CheckFailed, match="does not say"):
        command_error(crafted.command("<error>Invalid action</error>"), EXPECT, "permission")


def test_permissions_domain():
    root = command_ok(crafted.command(INFO), EXPECT, "api_information")
    root.find("permissions/permission").text = "2"
    with pytest.raises(CheckFailed, match="perm_backup is '2'"):
        api_info_permissions(root)


def test_timestamp_near():
    assert timestamp_near(" 1000 ", 1000, 1001) == 1000
    for bad in ("x", "", None, "5000"):
        with pytest.raises(CheckFailed):
            timestamp_near(bad, 1000, 1001)
