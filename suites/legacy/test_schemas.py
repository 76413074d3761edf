"""The legacy appliance's own schemas (Bomgar 12.1 guide: "An XML schema which formally describes the format
of the command API response is available at .../api/command.xsd", "... of the returned reporting data is
available at .../api/reporting.xsd") and "Namespaces and Parsing XML Responses" ("XML responses ... will now
contain an explicit namespace. Check the xsd file to see the namespace that should be returned").

The judging is harness.checks.schema_drift's, as for the 21.3 family: its charges to XML-XSD-001/002/004,
XML-DRIFT-001 and XML-NS-001 go to the L17 requirements that restate them; XML-XSD-003 is the 12.1 guide's
own. The answers judged are get_api_info and a SupportSessionListing of the last five minutes.
"""

from __future__ import annotations

import pytest

from harness.checks import schema_drift as sd

SERVED = {"command": "L17-CMD-GEN-006", "reporting": "L17-RPT-GEN-006"}


def each_kind(ids: str | dict[str, str]) -> list:
    """The two kinds of answer (command, reporting) as parameters, each with its requirement."""
    ids = ids if isinstance(ids, dict) else {"command": ids, "reporting": ids}
    return [pytest.param(kind, marks=pytest.mark.req(req), id=kind) for kind, req in ids.items()]


@pytest.mark.parametrize("kind", each_kind(SERVED))
def test_schema_is_served_and_compiles(rs_anon, kind):
    sd.served_schema(rs_anon, kind)


@pytest.mark.parametrize("kind", each_kind("XML-XSD-003"))
def test_answers_are_in_the_namespace_the_schema_declares(rs_anon, rs_api, kind):
    _, tree = sd.appliance_schema(rs_anon, kind)
    found = sd.answer_namespace(sd.small_answer(rs_api, kind), f"the {kind} answer", kind)
    sd.same_namespace(sd.target_namespace(tree), found, f"the {kind} answer")


@pytest.mark.parametrize("kind", each_kind("L17-XML-003"))
def test_answers_validate_against_the_appliance_schema(rs_anon, rs_api, kind):
    schema, _ = sd.appliance_schema(rs_anon, kind)
    sd.valid_against(schema, sd.small_answer(rs_api, kind), f"the {kind} answer", kind)


@pytest.mark.parametrize("kind", each_kind("L17-XML-DRIFT-001"))
def test_schema_drift_from_the_reference(rs_anon, rs_expect, kind):
    sd.drift_from_reference(rs_anon, rs_expect.family, kind)


@pytest.mark.parametrize("kind", each_kind("L17-XML-NS-001"))
def test_answers_declare_the_documented_namespace(rs_api, rs_expect, kind):
    found = sd.answer_namespace(sd.small_answer(rs_api, kind), f"the {kind} answer", kind)
    sd.documented_namespace(found, kind, rs_expect.family, kind)


@pytest.mark.parametrize("kind", each_kind("L17-XML-NS-001"))
def test_schemas_declare_the_documented_namespace(rs_anon, rs_expect, kind):
    _, tree = sd.appliance_schema(rs_anon, kind)
    sd.schema_namespace(tree, kind, rs_expect.family)
