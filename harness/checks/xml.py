"""An XML answer of the command or reporting API: valid against the reference schema of the target's API
family, in a namespace of the known family, with the expected root; then parsed for semantic checks.

Namespaces are stripped after validation (the namespace has its own verdict), so semantic checks address
elements by their local names. A namespace defect is charged to XML-NS-001, a schema defect (or an answer
that is not XML) to XML-SCHEMA-001 or XML-SCHEMA-002, an XML answer labelled as no XML media type to
XML-CTYPE-001, a server error where the guide documents <error> to
CMD-GEN-014 or RPT-GEN-012; an unexpected root, such as an <error> where the action succeeds, to the
check's own requirement. An answer of another product (Privileged Remote Access) is one WARN of
XML-PRODUCT-001 and stops the check: a pile of schema FAILs would only say that PRA is not Remote Support.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from lxml import etree

from harness.schemas import schema_family
from harness.validate import one_line, validate
from harness.verdicts import CheckFailed, defect, judged, warn
from harness.xmlsafe import parser_options


@dataclass(frozen=True)
class Expect:
    """What the target's answers are judged against: its API version, hence the schema family."""

    api_version: str = "1.21.1"

    @property
    def family(self) -> str:
        return schema_family(self.api_version)


NAMESPACE_REQ = "XML-NS-001"
# A SHOULD: raised, it is a WARN (not a FAIL: the answer says nothing of Remote Support's conformance; not NA:
# the answer came from the target under test, and the user must see that) and the check stops there.
PRODUCT_REQ = "XML-PRODUCT-001"
SCHEMA_REQ = {"command": "XML-SCHEMA-001", "reporting": "XML-SCHEMA-002"}
SERVER_ERROR_REQ = {"command": "CMD-GEN-014", "reporting": "RPT-GEN-012"}
CONTENT_TYPE_REQ = "XML-CTYPE-001"
XML_MEDIA_TYPES = ("text/xml", "application/xml")  # RFC 7303 section 9; any */*+xml as well


def _parser() -> etree.XMLParser:
    return etree.XMLParser(**parser_options())


def strip_namespaces(root: etree._Element) -> etree._Element:
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    etree.cleanup_namespaces(root)
    return root


def parse(body: bytes) -> etree._Element:
    """Parse a document already validated (so free of DTDs and within limits); namespaces stripped."""
    try:
        return strip_namespaces(etree.fromstring(body, _parser()))
    except etree.XMLSyntaxError as exc:
        raise CheckFailed(f"not well-formed XML: {one_line(str(exc), 200)}") from None


def content_type_xml(headers) -> None:
    """An XML answer is labelled XML (RFC 7303: text/xml, application/xml or a +xml type); else a FAIL of
    CONTENT_TYPE_REQ that lets the check go on: the body has its own requirements. Judged only once the
    body proved to be XML (a body that is not is the schema's defect, not also the label's)."""
    ctype = headers.get("content-type") or ""
    media = ctype.split(";", 1)[0].strip().lower()
    if media in XML_MEDIA_TYPES or media.endswith("+xml"):
        judged(CONTENT_TYPE_REQ)
    else:
        shown = one_line(ctype, 100) if ctype else "missing"
        defect(f"Content-Type is {shown!r}: an XML answer labelled as no XML media type", CONTENT_TYPE_REQ)


def xml_response(
    response, expect: Expect, kind: str, roots: str | tuple[str, ...], root_req: str | None = None
) -> etree._Element:
    """xml_answer() of a response's body, and its Content-Type judged."""
    root = xml_answer(response.content, expect, kind, roots, root_req)
    content_type_xml(response.headers)
    return root


def xml_answer(
    body: bytes,
    expect: Expect,
    kind: str,
    roots: str | tuple[str, ...],
    root_req: str | None = None,
) -> etree._Element:
    """Check an answer body; return its root element (namespaces stripped).

    FAIL: not XML, hostile, invalid against the schema, an unexpected root (charged to `root_req`, the
    requirement stating the answer, where the caller names one), no or an unknown namespace.
    WARN: a namespace of the known family other than the one the API version documents.
    """
    roots = (roots,) if isinstance(roots, str) else roots
    result = validate(io.BytesIO(body), kind=kind, api_version=expect.family)
    if result.status == "unusable":
        raise CheckFailed(f"{kind} answer unusable: {result.reason}", SCHEMA_REQ.get(kind))
    remote_support(result)
    if result.root not in roots:
        shown = one_line(body[:300].decode("utf-8", "replace"), 300)
        raise CheckFailed(f"root <{result.root}>, expected <{'> or <'.join(roots)}>: {shown}", root_req)
    judge_validity(result, expect, kind)
    return parse(body)


def remote_support(result) -> None:
    """An answer of Remote Support, not of another product: else one charge of PRODUCT_REQ, which stops the
    check (what it goes on to judge would hold PRA's answer to RS's rules)."""
    if result.status == "other-product":
        raise CheckFailed(f"<{result.root}>: {result.reason}", PRODUCT_REQ)


def judge_validity(result, expect: Expect, kind: str) -> None:
    """A validation result of an answer with the expected root: FAIL on a namespace that is none or
    unknown and on schema errors (the first five listed), WARN on a known variant namespace."""
    if result.namespace is not None and result.namespace.status == "FAIL":
        ns = result.namespace
        raise CheckFailed(f"<{result.root}> in namespace {ns.found or '(none)'}: {ns.reason}", NAMESPACE_REQ)
    if result.status != "valid":
        listed = "; ".join(str(e) for e in result.errors[:5])
        more = f" (+{len(result.errors) - 5} more)" if len(result.errors) > 5 else ""
        raise CheckFailed(
            f"<{result.root}> invalid against the {expect.family} {kind} schema: {listed}{more}",
            SCHEMA_REQ.get(kind),
        )
    if result.namespace is not None and result.namespace.status == "WARN":
        warn(f"namespace {result.namespace.found}: {result.namespace.reason}", NAMESPACE_REQ)
    judged(NAMESPACE_REQ)
    judged(PRODUCT_REQ)
    if kind in SCHEMA_REQ:
        judged(SCHEMA_REQ[kind])


def error_text(root: etree._Element) -> str:
    return "".join(root.itertext()).strip()


def command_ok(response, expect: Expect, roots: str | tuple[str, ...]) -> etree._Element:
    """A command API success: HTTP 200, XML, valid, one of `roots` (not <error>)."""
    root = xml_response(response, expect, "command", (*_tuple(roots), "error"))
    if root.tag == "error":
        raise CheckFailed(f"HTTP {response.status_code} <error>{one_line(error_text(root), 200)}</error>")
    if response.status_code != 200:
        raise CheckFailed(f"HTTP {response.status_code} for a successful answer")
    return root


def command_error(response, expect: Expect, contains: str | None = None) -> str:
    """A command API failure: a valid root <error> (any HTTP status); its text, optionally containing
    `contains` (case-insensitive)."""
    return _error(response, expect, "command", contains)


def reporting_ok(
    response, expect: Expect, roots: str | tuple[str, ...], root_req: str | None = None
) -> etree._Element:
    root = xml_response(response, expect, "reporting", (*_tuple(roots), "error"), root_req)
    if root.tag == "error":
        raise CheckFailed(f"HTTP {response.status_code} <error>{one_line(error_text(root), 200)}</error>")
    if response.status_code != 200:
        raise CheckFailed(f"HTTP {response.status_code} for a successful answer")
    return root


def reporting_error(response, expect: Expect, contains: str | None = None) -> str:
    return _error(response, expect, "reporting", contains)


def _tuple(roots) -> tuple[str, ...]:
    return (roots,) if isinstance(roots, str) else tuple(roots)


def _error(response, expect: Expect, kind: str, contains: str | None) -> str:
    if response.status_code >= 500:
        raise CheckFailed(
            f"HTTP {response.status_code}: a server error where the guide documents <error>",
            SERVER_ERROR_REQ.get(kind),
        )
    root = xml_response(response, expect, kind, "error")
    text = error_text(root)
    if not text:
        raise CheckFailed("<error> without a message")
    if contains is not None and contains.lower() not in text.lower():
        raise CheckFailed(f"<error>{one_line(text, 200)}</error> does not say {contains!r}")
    return text
