"""XML answers of the command and reporting APIs, in the namespace the appliance is configured with."""

from __future__ import annotations

from lxml import etree
from starlette.responses import Response

XML_TYPE = "text/xml; charset=UTF-8"


def element(namespace: str, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    """A root element in `namespace` (its children are added with `child`)."""
    root = etree.Element(f"{{{namespace}}}{tag}", nsmap={None: namespace}, **attrib)
    root.text = text
    return root


def child(parent: etree._Element, tag: str, text: object | None = None, **attrib: str) -> etree._Element:
    namespace = etree.QName(parent).namespace
    node = etree.SubElement(parent, f"{{{namespace}}}{tag}" if namespace else tag, **attrib)
    if text is not None:
        node.text = str(text)
    return node


def xml_response(root: etree._Element, status_code: int = 200) -> Response:
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return Response(body, status_code=status_code, media_type=XML_TYPE)


def error_response(namespace: str, message: str, status_code: int = 200) -> Response:
    """The guide's failure answer: a root <error> holding a message."""
    return xml_response(element(namespace, "error", message), status_code)
