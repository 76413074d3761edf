"""XML answers of the command and reporting APIs, in the namespace the appliance is configured with, and
file downloads (BRCS scripts, backups, recordings).

A small element tree serialized with string joins: several times faster than building lxml trees for the
short, frequent answers of the command API, and it cannot produce ill-formed XML: text and attribute values
are escaped, and characters XML 1.0 forbids (they can arrive in API parameters) become U+FFFD.

Two byte shapes, the same infoset apart from whitespace-only text between elements:
- field (the default): as real appliances answer (a captured 19.1 appliance): a blank line after the XML
  declaration, tab indentation, and irregular whitespace between elements - now and then a stray space
  after the tabs, a trailing space, a blank line, spaces instead of tabs, two siblings on one line. The
  irregularities are a fixed cycle over the document's element boundaries, so an answer's bytes are a
  function of its content alone. Text content is never touched: whitespace goes only between the tags of
  an element that has children (an element holds text or children, never both).
- tidy (`serve --tidy`, ApplianceConfig.tidy): compact markup, one newline after the declaration.
The shape belongs to the appliance serving the request: ShapeMiddleware sets it for each request, so every
answer of every API surface takes it, error answers written far from the appliance object included.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

XML_TYPE = "text/xml; charset=UTF-8"
DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\t": "&#9;"})

_TIDY: ContextVar[bool] = ContextVar("tidy_xml", default=False)

# The whitespace before an element boundary at a depth, one variant per boundary in turn (11: a prime, so the
# irregularities do not line up with a report's repeating structure); mostly plain tab indentation.
_VARIANTS = (
    lambda t: "\n" + t,
    lambda t: "\n" + t,
    lambda t: "\n" + t + " ",  # a stray space after the tabs
    lambda t: "\n" + t,
    lambda t: " \n" + t,  # a trailing space
    lambda t: "\n" + t,
    lambda t: "\n\n" + t,  # a blank line
    lambda t: "\n" + t,
    lambda t: "\n" + "    " * len(t),  # spaces instead of tabs
    lambda t: "\n" + t,
    lambda t: " ",  # on the line of the element before
)
_GAPS = [[variant("\t" * depth) for variant in _VARIANTS] for depth in range(16)]


def _gaps(depth: int) -> list[str]:
    return _GAPS[depth] if depth < len(_GAPS) else [variant("\t" * depth) for variant in _VARIANTS]


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

    def _open(self, out: list[str]) -> None:
        out.append(f"<{self.tag}")
        for name, value in self.attrs.items():
            out.append(f' {name}="{_clean(value).translate(_ATTR)}"')

    def _leaf(self, out: list[str]) -> None:
        if self.text is None:
            out.append("/>")
        else:
            out.append(f">{_clean(self.text).translate(_TEXT)}</{self.tag}>")

    def _write(self, out: list[str]) -> None:
        self._open(out)
        if self.children:
            out.append(">")
            for node in self.children:
                node._write(out)
            out.append(f"</{self.tag}>")
        else:
            self._leaf(out)

    def _write_field(self, out: list[str], depth: int, turns: Iterator[int]) -> None:
        self._open(out)
        if self.children:
            out.append(">")
            inner, gaps = depth + 1, _gaps(depth + 1)
            for node in self.children:
                out.append(gaps[next(turns)])
                node._write_field(out, inner, turns)
            out.append(_gaps(depth)[next(turns)])
            out.append(f"</{self.tag}>")
        else:
            self._leaf(out)


def tidy() -> bool:
    """Whether the answer being written is in the tidy shape (the serving appliance's setting)."""
    return _TIDY.get()


@contextmanager
def shaped(tidy: bool) -> Iterator[None]:
    """Answers written inside are in the tidy shape or the field's; the shape before is restored after (an
    in-process caller, an ASGI transport, may share the context)."""
    token = _TIDY.set(tidy)
    try:
        yield
    finally:
        _TIDY.reset(token)


def serialize(root: Node, namespace: str) -> bytes:
    root.attrs = {"xmlns": namespace, **root.attrs}
    if _TIDY.get():
        out = [DECLARATION, "\n"]
        root._write(out)
    else:
        out = [DECLARATION, "\n\n"]
        root._write_field(out, 0, itertools.cycle(range(len(_VARIANTS))))
        out.append("\n")
    return "".join(out).encode("utf-8")


class ShapeMiddleware:
    """Sets the byte shape of the XML answers for each request (create_app installs it)."""

    def __init__(self, app: ASGIApp, tidy: bool = False):
        self.app = app
        self.tidy = tidy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        with shaped(self.tidy):
            await self.app(scope, receive, send)


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
