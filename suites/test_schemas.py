"""The appliance's own schemas (guide: "An XML schema describing the command API response format is available
at .../api/command.xsd", "An XML schema which formally describes the format of the returned reporting data
is available at .../api/reporting.xsd") and the namespace of its answers.

Each check fetches what it judges, so its evidence is its own. A schema that is not served or does not
compile FAILs XML-XSD-001/002 once; the checks that need it are then NOT_TESTED, not FAILed again (and a
served schema's content type is WARNed once, by test_schema_is_served_and_compiles). An answer that is not
XML is charged to XML-SCHEMA-001/002; a fetch of the answer that is not HTTP 200 to the check's own.
"""

from __future__ import annotations

import pytest

from harness import schemas
from harness.checks import schema_drift as sd
from harness.verdicts import na

SERVED = {"command": "XML-XSD-001", "reporting": "XML-XSD-002"}


def _by_kind(ids: dict[str, str]) -> list:
    return [pytest.param(kind, marks=pytest.mark.req(req), id=kind) for kind, req in ids.items()]


@pytest.mark.parametrize("kind", _by_kind(SERVED))
def test_schema_is_served_and_compiles(rs_anon, kind):
    sd.served_schema(rs_anon, kind)


@pytest.mark.parametrize("kind", _by_kind({"command": "XML-XSD-003", "reporting": "XML-XSD-003"}))
def test_answers_are_in_the_namespace_the_schema_declares(rs_anon, rs_api, kind):
    _, tree = sd.appliance_schema(rs_anon, kind)
    what = "get_api_info" if kind == "command" else "SupportSessionListing"
    found = sd.answer_namespace(sd.small_answer(rs_api, kind), what, kind)
    sd.same_namespace(sd.target_namespace(tree), found, f"the {what} answer")


@pytest.mark.parametrize("kind", _by_kind({"command": "XML-XSD-004", "reporting": "XML-XSD-004"}))
def test_answers_validate_against_the_appliance_schema(rs_anon, rs_api, kind):
    schema, _ = sd.appliance_schema(rs_anon, kind)
    what = "get_api_info" if kind == "command" else "SupportSessionListing"
    sd.valid_against(schema, sd.small_answer(rs_api, kind), f"the {what} answer", kind)


@pytest.mark.req("XML-XSD-005")
def test_presentation_listing_elements_are_in_the_appliance_reporting_schema(rs_anon, rs_api, rs_expect):
    if "presentation_summary_list" not in schemas.roots(rs_expect.family, "reporting"):
        na(f"PresentationSessionListing is not in API {rs_expect.api_version}")
    schema, _ = sd.appliance_schema(rs_anon, "reporting")
    body = sd.small_answer(rs_api, "reporting", "PresentationSessionListing")
    sd.valid_against(schema, body, "the PresentationSessionListing answer", "reporting")


@pytest.mark.parametrize("kind", _by_kind({"command": "XML-DRIFT-001", "reporting": "XML-DRIFT-001"}))
def test_schema_drift_from_the_reference(rs_anon, rs_expect, kind):
    sd.drift_from_reference(rs_anon, rs_expect.family, kind)


@pytest.mark.parametrize("kind", _by_kind({"command": "XML-NS-001", "reporting": "XML-NS-001"}))
def test_answers_declare_the_documented_namespace(rs_api, rs_expect, kind):
    what = "get_api_info" if kind == "command" else "SupportSessionListing"
    found = sd.answer_namespace(sd.small_answer(rs_api, kind), what, kind)
    sd.documented_namespace(found, kind, rs_expect.family, what)


@pytest.mark.parametrize("kind", _by_kind({"command": "XML-NS-001", "reporting": "XML-NS-001"}))
def test_schemas_declare_the_documented_namespace(rs_anon, rs_expect, kind):
    _, tree = sd.appliance_schema(rs_anon, kind)
    sd.schema_namespace(tree, kind, rs_expect.family)
