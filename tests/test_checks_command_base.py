"""The get_api_info and generic XML checks PASS on good answers and FAIL on bad ones."""

from __future__ import annotations

import crafted
import pytest

from harness.checks.command import api_info_permissions, timestamp_near
from harness.checks.xml import Expect, command_error, command_ok
from harness.verdicts import CheckFailed

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
    "response, reason, req",
    [
        (crafted.command(INFO.replace("<company_name>example</company_name>", "")), "invalid against",
         "XML-SCHEMA-001"),
        (crafted.command("<error>Invalid action</error>"), "<error>", None),
        (crafted.command(INFO, status=500), "HTTP 500", None),
        (crafted.xml(INFO, namespace=None), "namespace", "XML-NS-001"),
        (crafted.xml(INFO, namespace="urn:elsewhere"), "namespace", "XML-NS-001"),
        (crafted.Response(200, b"<!DOCTYPE x [<!ENTITY a 'b'>]><api_information/>"), "unusable", "XML-SCHEMA-001"),
        (crafted.Response(200, b"not xml at all"), "unusable", "XML-SCHEMA-001"),
        (crafted.command("<session_key/>"), "root <session_key>", None),
    ],
)  # fmt: skip
def test_command_ok_fails_a_bad_answer(response, reason, req):
    with pytest.raises(CheckFailed, match=reason) as info:
        command_ok(response, EXPECT, "api_information")
    assert info.value.req == req


def test_a_known_variant_namespace_is_a_warning(ctx):
    command_ok(
        crafted.xml(INFO, namespace="http://www.bomgar.com/namespaces/API/command"), EXPECT, "api_information"
    )
    assert ctx.warnings and "bomgar.com" in ctx.warnings[0]
    assert ctx.charged("WARN") == ["XML-NS-001"]


def test_a_valid_answer_records_nothing(ctx):
    command_ok(crafted.command(INFO), EXPECT, "api_information")
    assert ctx.charges == []


def test_command_error():
    assert (
        command_error(crafted.command("<error>Invalid action</error>", 400), EXPECT, "invalid")
        == "Invalid action"
    )
    for bad, req in (
        (crafted.command("<error>x</error>", 500), "CMD-GEN-014"),  # refusals are never 5xx
        (crafted.command(INFO), None),
        (crafted.command("<error/>"), "XML-SCHEMA-001"),
    ):
        with pytest.raises(CheckFailed) as info:
            command_error(bad, EXPECT)
        assert info.value.req == req
    with pytest.raises(CheckFailed, match="does not say") as info:
        command_error(crafted.command("<error>Invalid action</error>"), EXPECT, "permission")
    assert info.value.req is None


def test_permissions_domain():
    root = command_ok(crafted.command(INFO), EXPECT, "api_information")
    root.find("permissions/permission").text = "2"
    with pytest.raises(CheckFailed, match="perm_backup is '2'") as info:
        api_info_permissions(root)
    assert info.value.req == "CMD-GAI-002"  # whichever check reads the permissions


def test_timestamp_near():
    assert timestamp_near(" 1000 ", 1000, 1001) == 1000
    for bad in ("x", "", None, "5000"):
        with pytest.raises(CheckFailed) as info:
            timestamp_near(bad, 1000, 1001)
        assert info.value.req == "CMD-GAI-003"
