"""The validator's mechanics: both listing modes, bounds, and no crash on any input."""

from __future__ import annotations

import io

import pytest
from conftest import CORPUS, examples, invalid_corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import validate as validation
from harness.validate import validate
from harness.xmlsafe import Limits

SESSION = next(p for p in examples("1.21.1", "reporting") if p.name == "SupportSession.xml").read_bytes()
STATUSES = ("valid", "invalid", "unusable", "other-product")
INVALID = [p for v in ("1.21.1", "1.7.0") for k in ("command", "reporting") for p in invalid_corpus(v, k)]


@pytest.mark.parametrize("path", INVALID, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}/{p.name}")
def test_streamed_error_listing_places_errors_where_xmlschema_does(path, monkeypatch) -> None:
    """Above TREE_MAX libxml2 lists the errors streaming; each lands on the line xmlschema gives.

    Except an unexpected element: libxml2 names the element itself, xmlschema its parent (an earlier line).
    """
    api_version = path.parent.parent.name
    exact = validation.validate_file(str(path), api_version=api_version)
    monkeypatch.setattr(validation, "TREE_MAX", 0)
    streamed = validation.validate_file(str(path), api_version=api_version)
    assert streamed.status == "invalid"
    assert streamed.errors and all(e.line and e.path for e in streamed.errors)
    first, expected = streamed.errors[0], exact.errors[0]
    if "This element is not expected" in first.message or "not a response root" in first.message:
        assert first.line >= expected.line
    else:
        assert first.line == expected.line, (str(first), str(expected))


def test_error_list_is_bounded() -> None:
    bad = SESSION.replace(b"<duration>00:15:02</duration>", b"<duration>15 minutes</duration>")
    many = bad.replace(b"<session_list", b"<x/><session_list", 0)
    body = many.split(b"<session ", 1)[1].rsplit(b"</session_list>", 1)[0]
    doc = many.replace(b"<session " + body, (b"<session " + body) * 30)
    result = validate(io.BytesIO(doc), max_errors=5)
    assert result.status == "invalid"
    assert len(result.errors) == 5 and result.more_errors


def test_time_limit() -> None:
    result = validate(io.BytesIO(SESSION), limits=Limits(max_seconds=0))
    assert result.status == "unusable"
    assert "not read within" in result.reason


def test_error_root_kind_follows_the_namespace() -> None:
    doc = b'<error xmlns="https://www.beyondtrust.com/namespaces/API/reporting">No archives found.</error>'
    assert validate(io.BytesIO(doc)).kind == "reporting"
    doc = b'<error xmlns="https://www.beyondtrust.com/namespaces/API/command">Invalid action</error>'
    assert validate(io.BytesIO(doc)).kind == "command"


def test_document_after_other_bytes_in_the_stream() -> None:
    stream = io.BytesIO(b"junk" + SESSION)
    stream.seek(4)
    assert validate(stream).status == "valid"


def _mutations() -> st.SearchStrategy[bytes]:
    cut = st.integers(0, len(SESSION)).map(lambda i: SESSION[:i])
    splice = st.tuples(st.integers(0, len(SESSION)), st.binary(max_size=64)).map(
        lambda t: SESSION[: t[0]] + t[1] + SESSION[t[0] :]
    )
    flip = st.tuples(st.integers(0, len(SESSION) - 1), st.integers(0, 255)).map(
        lambda t: SESSION[: t[0]] + bytes([t[1]]) + SESSION[t[0] + 1 :]
    )
    return st.one_of(st.binary(max_size=512), cut, splice, flip)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_never_raises_on_any_input(data: bytes) -> None:
    result = validate(io.BytesIO(data))
    assert result.status in STATUSES
    if result.status == "unusable":
        assert result.reason and "\n" not in result.reason
    if result.status == "invalid":
        assert result.errors


def test_messages_quoting_the_document_stay_short_and_on_one_line() -> None:
    huge = "x\n" * 100_000
    doc = SESSION.replace(b"<duration>00:15:02</duration>", f"<duration>{huge}</duration>".encode())
    result = validate(io.BytesIO(doc))
    assert result.status == "invalid"
    assert all(len(e.message) <= validation.MESSAGE_MAX and "\n" not in e.message for e in result.errors)


@settings(max_examples=200, deadline=None)
@given(namespace=st.text(max_size=40), root=st.sampled_from(["session_list", "error", "logged_in_reps", "x"]))
def test_never_raises_on_any_namespace(namespace: str, root: str) -> None:
    from xml.sax.saxutils import quoteattr

    doc = f"<{root} xmlns={quoteattr(namespace)}><session/></{root}>".encode("utf-8", "surrogatepass")
    result = validate(io.BytesIO(doc))
    assert result.status in STATUSES


# --- another product's answers (Privileged Remote Access) ---------------------------------------------------

PRA_ANSWERS = sorted((CORPUS / "product").glob("pra-*.xml"))
PRA_NS = b"http://www.beyondtrust.com/sra/namespaces/API/reporting"
RS_NS = b"https://www.beyondtrust.com/namespaces/API/reporting"


@pytest.mark.parametrize("path", PRA_ANSWERS, ids=lambda p: p.name)
@pytest.mark.parametrize("api_version", ["1.21.1", "1.7.0"])
def test_a_pra_answer_is_named_as_another_product_not_a_pile_of_errors(path, api_version) -> None:
    result = validation.validate_file(str(path), api_version=api_version)
    assert (result.status, result.product, result.errors) == ("other-product", "Privileged Remote Access", [])
    assert result.reason.startswith("Privileged Remote Access, not Remote Support (")
    assert result.to_json()["product"] == "Privileged Remote Access"


def test_the_pra_namespace_alone_names_the_product_whatever_the_schema_asked() -> None:
    rs_valid = SESSION.replace(RS_NS, PRA_NS)
    for kind in ("auto", "command", "reporting"):
        result = validate(io.BytesIO(rs_valid), kind=kind)
        assert result.status == "other-product" and PRA_NS.decode() in result.reason
    assert (
        validate(io.BytesIO(b'<error xmlns="' + PRA_NS + b'">No such report</error>')).status
        == "other-product"
    )


def test_only_the_pra_shape_is_another_product() -> None:
    pra = (CORPUS / "product" / "pra-SupportSession-rs-namespace.xml").read_bytes()
    site = b'<public_site id="1">Default</public_site>'
    both = pra.replace(b"<file_transfer_count>", site + b"<file_transfer_count>", 1)
    rs_invalid = SESSION.replace(b"<duration>00:15:02</duration>", b"<duration>15 minutes</duration>", 1)
    for doc in (both, rs_invalid, pra.replace(b"session_list", b"summary_list")):
        result = validate(io.BytesIO(doc))
        assert (result.status, result.product) == ("invalid", None), result.reason
        assert result.errors


def test_a_pra_answer_that_is_not_well_formed_is_unusable() -> None:
    pra = (CORPUS / "product" / "pra-SupportSession.xml").read_bytes()
    for doc in (
        pra.replace(b"</session_list>", b""),
        pra.replace(PRA_NS, RS_NS).replace(b"</session_list>", b"<"),
    ):
        assert validate(io.BytesIO(doc)).status == "unusable"


def test_validate_command_names_the_product_and_exits_2() -> None:
    import json

    from click.testing import CliRunner

    from harness.cli import main

    good = str(examples("1.21.1", "reporting")[0])
    out = CliRunner().invoke(main, ["validate", good, *map(str, PRA_ANSWERS)])
    assert out.exit_code == 2, out.output
    lines = out.output.splitlines()
    assert len(lines) == 1 + len(PRA_ANSWERS)  # one line each: no errors listed for PRA's answers
    assert all(": Privileged Remote Access, not Remote Support (" in line for line in lines[1:])
    out = CliRunner().invoke(main, ["validate", "--json", str(PRA_ANSWERS[0])])
    found = json.loads(out.output)
    assert found["exit_code"] == 2 and found["results"][0]["status"] == "other-product"
