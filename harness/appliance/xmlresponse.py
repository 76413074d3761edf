"""XML answers of the command and reporting APIs, in the namespace the appliance is configured with, and
file downloads (BRCS scripts, backups, recordings).

A small element tree serialized with string joins: several times faster than building lxml trees for the
short, frequent answers of the command API, and it cannot produce ill-formed XML: text and attribute values
are escaped, and characters XML 1.0 forbids (they can arrive in API parameters) become U+FFFD.
"""

from __future__ import annotations

import re

from starlette.responses import Response

XML_TYPE = "text/xml; charset=UTF-8"
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\t": "&#9;"})


def _clean(value: object) -> str:
    text = str(value)
    return _FORBIDDEN.sub("\ufffd", text) if _FORBIDDEN.search(text) else text


class Node:
    """An element: tag, attributes, text, children (no mixed content: text or children)."""

    __slots__ = ("attrs", "children", "tag", "text")

    def __init__(self, tag: str, text: object | None = None, **attrs: object):
        self.tag = tag
        self.attrs = attrs
        self.text = text
        self.children: list[Node] = []

    def add(self, tag: str, text: object | None = None, **attrs: object) -> Node:
        node = Node(tag, text, **attrs)
        self.children.append(node)
        return node

    def _write(self, out: list[str]) -> None:
        out.append(f"<{self.tag}")
        for name, value in self.attrs.items():
            out.append(f' {name}="{_clean(value).translate(_ATTR)}"')
        if self.children:
            out.append(">")
            for node in self.children:
                node._write(out)
            out.append(f"</{self.tag}>")
        elif self.text is None:
            out.append("/>")
        else:
            out.append(f">{_clean(self.text).translate(_TEXT)}</{self.tag}>")


def serialize(root: Node, namespace: str) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    root.attrs = {"xmlns": namespace, **root.attrs}
    root._write(out)
    return "".join(out).encode("utf-8")


def xml_response(root: Node, namespace: str, status_code: int = 200) -> Response:
    return Response(serialize(root, namespace), status_code=status_code, media_type=XML_TYPE)


def error_response(namespace: str, message: str, status_code: int = 200) -> Response:
    """The guide's failure answer: a root <error> holding a message."""
    return xml_response(Node("error", message), namespace, status_code)


def attachment(
    data: bytes, filename: str, media_type: str = "application/octet-stream", disposition: str = "attachment"
) -> Response:
    """A file download (disposition "inline" to be shown in the browser instead)."""
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )
