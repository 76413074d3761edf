"""An answer of another product (Privileged Remote Access) is one WARN of XML-PRODUCT-001, which stops the
check, never a pile of schema FAILs; a Remote Support answer judges XML-PRODUCT-001 met. An XML answer's
Content-Type is an XML media type (XML-CTYPE-001)."""

from __future__ import annotations

import io

import crafted
import pytest
from conftest import CORPUS
from crafted import fails

from harness.catalogue.requirements import get
from harness.checks import reporting as rpt
from harness.checks.xml import (
    CONTENT_TYPE_REQ,
    PRODUCT_REQ,
    Expect,
    command_error,
    command_ok,
    reporting_error,
    reporting_ok,
    xml_answer,
)

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


# -- Content-Type (issue 15: XML answers served as text/plain passed) -----------------------------------


def _labelled(response, ctype: str | None):
    response.headers = {} if ctype is None else {"content-type": ctype}
    return response


@pytest.mark.parametrize("ctype", ["text/xml; charset=UTF-8", "application/xml", "Application/XML",
                                   "application/vnd.example+xml"])  # fmt: skip
def test_an_xml_media_type_is_judged_met(ctx, ctype):
    command_ok(_labelled(crafted.command("<success>ok</success>"), ctype), EXPECT, "success")
    assert ctx.charges == [] and CONTENT_TYPE_REQ in ctx.judged


@pytest.mark.parametrize("ctype", ["text/plain", "text/html; charset=utf-8", "", None, "text/xmlish"])
def test_another_label_fails_the_content_type_and_the_check_goes_on(ctx, ctype):
    root = command_ok(_labelled(crafted.command("<success>ok</success>"), ctype), EXPECT, "success")
    assert root.tag == "success"  # the body is still judged (and here met)
    assert [(c.req, c.verdict) for c in ctx.charges] == [(CONTENT_TYPE_REQ, "FAIL")]
    assert "an XML answer labelled as no XML media type" in ctx.charges[0].reason


def test_errors_and_streamed_reports_are_judged_too(ctx):
    command_error(_labelled(crafted.command("<error>Invalid action</error>", 400), "text/plain"), EXPECT)
    reporting_error(_labelled(crafted.reporting("<error>No such report</error>", 400), None), EXPECT)
    report = _labelled(crafted.reporting("<session_list/>"), "text/plain")
    rpt.stream_ok(report, io.BytesIO(report.content), EXPECT, "session_list")
    assert ctx.charged("FAIL") == [CONTENT_TYPE_REQ] * 3


def test_a_body_that_is_not_xml_is_not_also_charged_to_its_label(ctx):
    page = _labelled(crafted.Response(200, b"<html><body>Oops</body></html>"), "text/html")
    fails(command_ok, page, EXPECT, "success", match="root <html>, expected <success>", req=None)
    assert CONTENT_TYPE_REQ not in ctx.charged()


def test_another_root_is_charged_to_the_requirement_stating_the_answer():
    """A report answered with another root breaks that report's own requirement (RPT-SSL-001), not the rule
    of the check that asked for it (a GET/POST check, say); without one named, the check's own."""
    other = crafted.reporting("<session_list/>")
    fails(reporting_ok, other, EXPECT, "session_summary_list", "RPT-SSL-001", match="root <session_list>",
          req="RPT-SSL-001")  # fmt: skip
    fails(reporting_ok, other, EXPECT, "session_summary_list", match="root <session_list>", req=None)
    assert rpt.answer_req("SupportSessionListing", EXPECT) == "RPT-SSL-001"
    assert rpt.answer_req("SupportSessionListing", Expect("1.7.0")) == "L17-RPT-SSL-001"
    assert rpt.answer_req("Archive", EXPECT) is None  # a file: no root to judge
