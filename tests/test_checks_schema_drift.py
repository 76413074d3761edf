"""harness.checks.schema_drift: each check shown to PASS on a good input and FAIL on a bad one."""

from __future__ import annotations

import crafted
import pytest

from harness import schemas
from harness.checks import schema_drift as sd
from harness.verdicts import CheckFailed

XS = "http://www.w3.org/2001/XMLSchema"
NS = "urn:example:api"


def xsd(body: str, tns: str | None = NS) -> bytes:
    declared = f' targetNamespace="{tns}" xmlns="{tns}" elementFormDefault="qualified"' if tns else ""
    return f'<?xml version="1.0"?>\n<xs:schema xmlns:xs="{XS}"{declared}>{body}</xs:schema>'.encode()


# Named and anonymous types, refs, a group, an extension, a substitution group, a wildcard, a cycle.
RICH = xsd(
    """
  <xs:complexType name="base"><xs:sequence><xs:element name="id" type="xs:string"/></xs:sequence></xs:complexType>
  <xs:complexType name="repType">
    <xs:complexContent><xs:extension base="base">
      <xs:sequence><xs:group ref="names"/><xs:element ref="note" minOccurs="0"/></xs:sequence>
    </xs:extension></xs:complexContent>
  </xs:complexType>
  <xs:group name="names"><xs:sequence><xs:element name="display_name" type="xs:string"/></xs:sequence></xs:group>
  <xs:element name="note" type="xs:string"/>
  <xs:element name="memo" type="xs:string" substitutionGroup="note"/>
  <xs:element name="reps">
    <xs:complexType><xs:sequence><xs:element name="rep" type="repType" maxOccurs="unbounded"/></xs:sequence>
    </xs:complexType>
  </xs:element>
  <xs:element name="tree">
    <xs:complexType><xs:sequence>
      <xs:element ref="tree" minOccurs="0"/><xs:any namespace="##other" processContents="skip" minOccurs="0"/>
    </xs:sequence></xs:complexType>
  </xs:element>
  <xs:element name="error" type="xs:string"/>
"""
)


# -- load_xsd ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["command", "reporting"])
@pytest.mark.parametrize("version", ["1.21.1", "1.7.0"])
def test_the_reference_schemas_load(version, kind):
    schema = sd.load_xsd(schemas.xsd_text(version, kind, "urn:other"))
    assert schema.validate is not None
    sd.load_xsd(RICH)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'<!DOCTYPE xs:schema [<!ENTITY x "y">]>' + xsd('<xs:element name="a"/>').split(b"\n", 1)[1], "DTD"),
        (b"<foo/>", "not an XML Schema: the root is foo"),
        (b'<schema xmlns="urn:not-xs"/>', "not an XML Schema"),
        (b"<xs:schema", "not well-formed"),
        (b"", "no root element"),
        (b"   <!-- only a comment -->", "no root element"),
        (xsd('<xs:element name="a" type="nope"/>'), "does not compile"),
        (
            xsd('<xs:include schemaLocation="/etc/hostname"/><xs:element name="a"/>'),
            "xs:include schemaLocation",
        ),
        (
            xsd(
                '<xs:import namespace="urn:b" schemaLocation="http://example.com/b.xsd"/><xs:element name="a"/>'
            ),
            "xs:import schemaLocation",
        ),
        (
            xsd('<xs:redefine schemaLocation="other.xsd"/><xs:element name="a"/>'),
            "xs:redefine schemaLocation",
        ),
        (xsd("<!--" + "x" * (sd.XSD_MAX) + '--><xs:element name="a"/>'), "more than"),
    ],
)
def test_load_xsd_refuses(body, reason):
    with pytest.raises(CheckFailed, match=reason) as info:
        sd.load_xsd(body)
    assert info.value.req is None  # the caller's requirement (XML-XSD-001/002/003, XML-DRIFT-001)


def test_an_import_without_a_location_names_a_namespace_only_and_is_kept():
    sd.load_xsd(xsd('<xs:import namespace="urn:b"/><xs:element name="a"/>'))


def test_an_include_is_refused_before_anything_is_read(tmp_path):
    # libxml2 would read this file while compiling; the refusal names the location, never its content.
    secret = tmp_path / "secret.xsd"
    secret.write_text("not-a-schema-SECRET")
    with pytest.raises(CheckFailed) as info:
        sd.load_xsd(xsd(f'<xs:include schemaLocation="{secret}"/>'))
    assert "SECRET" not in str(info.value) and "self-contained" in str(info.value)
    assert info.value.req is None


# -- target_namespace, declares_roots --------------------------------------------------------------------


def test_target_namespace():
    assert sd.target_namespace(sd.parse_xsd(RICH)) == NS
    assert sd.target_namespace(sd.parse_xsd(xsd('<xs:element name="a"/>', tns=None))) is None


def test_declares_roots():
    assert sd.declares_roots(sd.parse_xsd(RICH)) == {"note", "memo", "reps", "tree", "error"}
    with pytest.raises(CheckFailed, match="declares no global element") as info:
        sd.declares_roots(sd.parse_xsd(xsd('<xs:complexType name="t"/>')))
    assert info.value.req is None  # the caller's requirement (XML-XSD-001/002/003, XML-DRIFT-001)


# -- vocabulary -------------------------------------------------------------------------------------------


def test_vocabulary_follows_types_refs_groups_extensions_and_substitutions():
    vocab = sd.vocabulary(sd.parse_xsd(RICH))
    assert vocab == {
        "note": set(),
        "memo": set(),
        "reps": {"rep", "id", "display_name", "note", "memo"},
        "tree": {"tree", sd.ANY},
        "error": set(),
    }


def test_vocabulary_without_a_namespace_and_with_a_prefixed_one():
    no_namespace = RICH.replace(f' targetNamespace="{NS}" xmlns="{NS}"'.encode(), b"")
    assert sd.target_namespace(sd.parse_xsd(no_namespace)) is None
    assert sd.vocabulary(sd.parse_xsd(no_namespace)) == sd.vocabulary(sd.parse_xsd(RICH))
    prefixed = f"""<xs:schema xmlns:xs="{XS}" xmlns:t="{NS}" targetNamespace="{NS}">
      <xs:complexType name="c"><xs:sequence><xs:element name="b"/></xs:sequence></xs:complexType>
      <xs:element name="a" type="t:c"/></xs:schema>""".encode()
    assert sd.vocabulary(sd.parse_xsd(prefixed)) == {"a": {"b"}}


def test_vocabulary_of_the_reference_schemas_reaches_group_members():
    vocab = sd.vocabulary(sd.parse_xsd(schemas.xsd_text("1.21.1", "command", None)))
    assert set(vocab) == schemas.roots("1.21.1", "command")
    assert {"client_connections", "platform"} <= vocab["connected_clients"]


def test_vocabulary_fails_on_a_schema_too_large_to_compare(monkeypatch):
    monkeypatch.setattr(sd, "WORK_MAX", 5)
    with pytest.raises(CheckFailed, match="too large to compare") as info:
        sd.vocabulary(sd.parse_xsd(RICH))
    assert info.value.req is None  # the caller's requirement (XML-XSD-001/002/003, XML-DRIFT-001)


def test_vocabulary_survives_a_long_chain_of_types():
    chain = "".join(
        f'<xs:complexType name="t{i}"><xs:sequence><xs:element name="e{i}" type="t{i + 1}"/></xs:sequence>'
        "</xs:complexType>"
        for i in range(3000)
    )
    body = xsd(chain + '<xs:complexType name="t3000"/><xs:element name="root" type="t0"/>')
    assert len(sd.vocabulary(sd.parse_xsd(body))["root"]) == 3000


# -- drift ------------------------------------------------------------------------------------------------


def test_no_drift_between_identical_vocabularies():
    vocab = sd.vocabulary(sd.parse_xsd(RICH))
    assert sd.drift(vocab, vocab) == []
    reference = sd.vocabulary(sd.parse_xsd(schemas.xsd_text("1.21.1", "reporting", None)))
    served = sd.vocabulary(sd.parse_xsd(schemas.xsd_text("1.21.1", "reporting", "urn:x")))
    assert sd.drift(reference, served) == []


def test_drift_is_listed_both_ways_and_sorted():
    reference = {"reps": {"rep", "id", "display_name"}, "error": set(), "teams": {"team"}}
    appliance = {"reps": {"rep", "id", "user_id", sd.ANY}, "error": set(), "extra_root": {"x"}}
    assert sd.drift(reference, appliance) == [
        "<extra_root>: a response root only in the appliance's schema",
        "<reps>: only in the appliance's schema: any element (xs:any), <user_id>",
        "<reps>: only in the reference schema: <display_name>",
        "<teams>: a response root only in the reference schema",
    ]
    swapped = sd.drift(appliance, reference)
    assert "<reps>: only in the reference schema: any element (xs:any), <user_id>" in swapped
    assert "<teams>: a response root only in the appliance's schema" in swapped


def test_drift_is_bounded():
    reference = {f"root{i:03}": set() for i in range(100)}
    appliance = {"r": {f"{'n' * 500}{i}" for i in range(50)}}
    lines = sd.drift(reference, appliance)
    assert len(lines) == sd.DRIFT_MAX and lines[-1] == f"(+{101 - sd.DRIFT_MAX + 1} more differences)"
    only_appliance = sd.drift({}, appliance) + sd.drift({"r": set()}, appliance)
    assert "(+30 more)" in only_appliance[-1] and max(len(line) for line in only_appliance) < 2000


def test_drift_between_the_two_reference_families_names_real_differences():
    new = sd.vocabulary(sd.parse_xsd(schemas.xsd_text("1.21.1", "command", None)))
    old = sd.vocabulary(sd.parse_xsd(schemas.xsd_text("1.7.0", "command", None)))
    lines = sd.drift(new, old)
    assert "<health_check>: a response root only in the reference schema" in lines
    assert "<get_api_info>: a response root only in the appliance's schema" in lines


# -- served_xsd, answers ----------------------------------------------------------------------------------


def test_served_xsd(ctx):
    body = schemas.xsd_text("1.21.1", "command", None)
    assert sd.served_xsd(crafted.Response(200, body), "/api/command.xsd") == body
    assert not ctx.charges
    with pytest.raises(CheckFailed, match="HTTP 404; the guide says") as info:
        sd.served_xsd(crafted.Response(404, b"not found"), "/api/command.xsd")
    assert info.value.req == "XML-XSD-001"
    with pytest.raises(CheckFailed, match="HTTP 500") as info:
        sd.served_xsd(crafted.Response(500, b"oops"), "/api/reporting.xsd")
    assert info.value.req == "XML-XSD-002"
    sd.served_xsd(
        crafted.Response(200, body, {"content-type": "application/octet-stream"}), "/api/command.xsd"
    )
    sd.served_xsd(crafted.Response(200, body, {"content-type": "text/plain"}), "/api/reporting.xsd")
    assert len(ctx.warnings) == 2 and "not an XML type" in ctx.warnings[0]
    # whichever check fetches the schema, its serving is XML-XSD-001 (command) or XML-XSD-002 (reporting)
    assert ctx.charged("WARN") == ["XML-XSD-001", "XML-XSD-002"]


def test_answer_namespace():
    assert sd.answer_namespace(crafted.command("<api_information/>").content) == crafted.COMMAND_NS
    assert sd.answer_namespace(b"<api_information/>") is None
    hostile = b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>'
    with pytest.raises(CheckFailed, match="DTD") as info:
        sd.answer_namespace(hostile)
    assert info.value.req is None  # no kind given: the caller's requirement
    for kind, req in (("command", "XML-SCHEMA-001"), ("reporting", "XML-SCHEMA-002")):
        with pytest.raises(CheckFailed, match="DTD") as info:
            sd.answer_namespace(hostile, "the answer", kind)
        assert info.value.req == req


def test_schema_namespace(ctx):
    """The served schema's targetNamespace: documented passes, a variant of the same API WARNs, the other
    API's (issue 15: command.xsd in the reporting namespace) FAILs."""
    for kind in ("command", "reporting"):
        sd.schema_namespace(sd.parse_xsd(xsd("", tns=crafted.NS[kind])), kind, "1.21.1")
    assert ctx.charges == []
    sd.schema_namespace(
        sd.parse_xsd(xsd("", "http://www.bomgar.com/namespaces/API/command")), "command", "1.21.1"
    )
    assert [c.verdict for c in ctx.charges] == ["WARN"]
    swapped = sd.parse_xsd(xsd("", tns=crafted.REPORTING_NS))
    with pytest.raises(
        CheckFailed, match=r"/api/command.xsd \(its targetNamespace\): the namespace of the reporting"
    ):
        sd.schema_namespace(swapped, "command", "1.21.1")
    with pytest.raises(CheckFailed, match="no namespace"):
        sd.schema_namespace(sd.parse_xsd(xsd("", tns=None)), "reporting", "1.21.1")


def test_same_namespace():
    sd.same_namespace(NS, NS, "the answer")
    with pytest.raises(
        CheckFailed, match="in namespace urn:other, but the appliance's schema declares"
    ) as info:
        sd.same_namespace(NS, "urn:other", "the answer")
    assert info.value.req is None  # the caller's requirement (XML-XSD-001/002/003, XML-DRIFT-001)
    with pytest.raises(CheckFailed, match=r"in namespace \(none\)") as info:
        sd.same_namespace(NS, None, "the answer")
    assert info.value.req is None  # the caller's requirement (XML-XSD-001/002/003, XML-DRIFT-001)
    with pytest.raises(CheckFailed, match=r"targetNamespace \(none\)") as info:
        sd.same_namespace(None, NS, "the answer")
    assert info.value.req is None  # the caller's requirement (XML-XSD-001/002/003, XML-DRIFT-001)


def test_valid_against_the_appliance_schema():
    schema = sd.load_xsd(RICH)
    good = f'<reps xmlns="{NS}"><rep><id>1</id><display_name>A</display_name><memo>m</memo></rep></reps>'
    sd.valid_against(schema, good.encode(), "the answer")
    bad = f'<reps xmlns="{NS}"><rep><display_name>A</display_name></rep><rep/></reps>'
    with pytest.raises(
        CheckFailed, match=r"invalid against the appliance's own schema: line 1: .*display_name"
    ) as info:
        sd.valid_against(schema, bad.encode(), "the answer", "command")
    assert info.value.req is None  # invalid against its own schema: the caller's (XML-XSD-004/005)
    with pytest.raises(CheckFailed, match="not well-formed") as info:
        sd.valid_against(schema, b"<reps", "the answer")
    assert info.value.req is None
    with pytest.raises(CheckFailed, match="not well-formed") as info:
        sd.valid_against(schema, b"<reps", "the answer", "reporting")
    assert info.value.req == "XML-SCHEMA-002"
