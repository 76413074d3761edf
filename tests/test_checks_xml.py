"""An answer of another product (Privileged Remote Access) is one WARN of XML-PRODUCT-001, which stops the
check, never a pile of schema FAILs; a Remote Support answer judges XML-PRODUCT-001 met."""

from __future__ import annotations

import crafted
import pytest
from conftest import CORPUS
from crafted import fails

from harness.catalogue.requirements import get
from harness.checks.xml import PRODUCT_REQ, Expect, command_ok, reporting_error, reporting_ok, xml_answer

EXPECT = Expect("1.21.1")
PRA_NS = "http://www.beyondtrust.com/sra/namespaces/API/reporting"
PRA_REPORT = (CORPUS / "product" / "pra-SupportSession.xml").read_bytes()
PRA_SHAPED = (CORPUS / "product" / "pra-SupportSession-rs-namespace.xml").read_bytes()


def test_the_requirement_is_a_field_should_so_its_charge_is_a_warn():
    req = get(PRODUCT_REQ)
    assert (req.level, req.basis) == ("SHOULD", "field")


@pytest.mark.parametrize("body", [PRA_REPORT, PRA_SHAPED], ids=["pra-namespace", "pra-shape"])
@pytest.mark.parametrize("expect", [EXPECT, Expect("1.7.0")], ids=lambda e: e.api_version)
def test_a_pra_report_is_one_charge_of_the_product_requirement(ctx, body, expect):
    match = "<session_list>: Privileged Remote Access, not Remote Support"
    fails(reporting_ok, crafted.Response(200, body), expect, "session_list", match=match, req=PRODUCT_REQ)
    fails(xml_answer, body, expect, "reporting", "session_summary_list", match=match, req=PRODUCT_REQ)
    assert ctx.charges == []  # nothing else: no schema or namespace charge


def test_a_pra_error_or_command_answer_is_the_product_too():
    error = crafted.xml("<error>No such report</error>", 400, namespace=PRA_NS)
    fails(reporting_error, error, EXPECT, match="Privileged Remote Access", req=PRODUCT_REQ)
    info = crafted.xml("<api_information/>", namespace=PRA_NS)
    fails(command_ok, info, EXPECT, "api_information", match="Privileged Remote Access", req=PRODUCT_REQ)


def test_a_remote_support_answer_meets_the_product_requirement(ctx):
    command_ok(crafted.command("<success>ok</success>"), EXPECT, "success")
    assert PRODUCT_REQ in ctx.judged and ctx.charges == []
