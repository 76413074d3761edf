"""Fault profiles: named deviations from the guide, each with the verdicts it must get (test the tester).

A fault is data: its `name`, what it does (`doc`), the requirements it breaks and the verdict each must
get (`breaks = {"AUTH-004": "FAIL"}`), and how it is made:

- wire transforms (`wire`): FaultMiddleware rewrites what the reference appliance sends, one small
  transform each (a body's bytes, an element's number, a header, a status, a JSON member, the bytes inside a
  gzip file, the whole body; the websocket handshake's subprotocol, a message's bytes, text frames);
- settings (`settings`): parameters of the reference objects, by attribute path from the Appliance
  (`{"tokens.max_valid": 31}`), set while the fault is on and restored after.

The reference handlers never ask whether a fault is on. `Faults` holds the ones in use; a long-lived
appliance switches them between runs (`use`), so the detection matrix needs one appliance, not one a fault.
`select`: the checks that judge the fault (a pytest -k expression) where the requirement IDs alone do not
pick them (a requirement judged by every check, such as an answer's Content-Type).

This module is the mechanism; the faults themselves are data in harness.appliance.fault_profiles, one module
an area of the API.
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import json
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.appliance.realtime import SUBPROTOCOL
from harness.namespaces import DOCUMENTED

# -- what a transform sees and changes ---------------------------------------------------------------------


@dataclass
class Answer:
    """One HTTP answer on its way out: the request's path and query, the status, headers and whole body."""

    path: str
    query: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str:
        key = name.lower().encode()
        return next((v.decode("latin-1") for k, v in self.headers if k.lower() == key), "")

    def set_header(self, name: str, value: str | None) -> None:
        key = name.lower().encode()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != key]
        if value is not None:
            self.headers.append((key, value.encode("latin-1")))


@dataclass(frozen=True)
class Where:
    """Which answers a transform rewrites: the request path (a regular expression matched from its start,
    so a plain path is a prefix), a substring of the query string (GET), of the Content-Type, of the body."""

    path: str = "/"
    query: str = ""
    media: str = ""
    has: bytes = b""

    def on(self, path: str) -> bool:
        return re.match(self.path, path) is not None

    def matches(self, answer: Answer) -> bool:
        return (
            self.on(answer.path)
            and self.query in answer.query
            and self.media in answer.header("content-type").lower()
            and self.has in answer.body
        )


# -- wire transforms ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replace:
    """Body bytes `old` become `new` (every occurrence)."""

    where: Where
    old: bytes
    new: bytes

    def apply(self, answer: Answer) -> None:
        answer.body = answer.body.replace(self.old, self.new)


@dataclass(frozen=True)
class Increment:
    """Each <element>N</element> becomes N + `by`."""

    where: Where
    element: str
    by: int = 1

    def apply(self, answer: Answer) -> None:
        tag = re.escape(self.element.encode())
        pattern = rb"(<" + tag + rb">\s*)(\d+)"
        answer.body = re.sub(pattern, lambda m: m[1] + str(int(m[2]) + self.by).encode(), answer.body)


@dataclass(frozen=True)
class Header:
    """Header `name` set to `value` (None: removed)."""

    where: Where
    name: str
    value: str | None

    def apply(self, answer: Answer) -> None:
        answer.set_header(self.name, self.value)


@dataclass(frozen=True)
class EditHeader:
    """In header `name`, `old` becomes `new`."""

    where: Where
    name: str
    old: str
    new: str

    def apply(self, answer: Answer) -> None:
        value = answer.header(self.name)
        if value:
            answer.set_header(self.name, value.replace(self.old, self.new))


@dataclass(frozen=True)
class Status:
    where: Where
    status: int

    def apply(self, answer: Answer) -> None:
        answer.status = self.status


@dataclass(frozen=True)
class JsonMember:
    """A top-level member of a JSON object answer set to `value` (a JSON value)."""

    where: Where
    member: str
    value: Any

    def apply(self, answer: Answer) -> None:
        try:
            doc = json.loads(answer.body)
        except ValueError:
            return
        if isinstance(doc, dict) and self.member in doc:
            doc[self.member] = self.value
            answer.body = json.dumps(doc).encode()


@dataclass(frozen=True)
class Gunzipped:
    """`pairs` of (old, new) bytes replaced inside a gzip answer, which is compressed again."""

    where: Where
    pairs: tuple[tuple[bytes, bytes], ...]

    def apply(self, answer: Answer) -> None:
        try:
            text = gzip.decompress(answer.body)
        except (OSError, EOFError, zlib.error):
            return
        for old, new in self.pairs:
            text = text.replace(old, new)
        answer.body = gzip.compress(text, mtime=0)


@dataclass(frozen=True)
class Body:
    """The whole body replaced by `make(body)`."""

    where: Where
    make: Callable[[bytes], bytes]

    def apply(self, answer: Answer) -> None:
        answer.body = self.make(answer.body)


@dataclass(frozen=True)
class Subprotocol:
    """The websocket handshake answers `answers[offered form]` instead of the form offered."""

    answers: Mapping[str, str]


@dataclass(frozen=True)
class WsReplace:
    """In each websocket message the appliance sends that holds `has`, bytes `old` become `new` (a message
    split into parts is rewritten part by part: keep both short)."""

    old: bytes
    new: bytes
    has: bytes = b""

    def apply(self, message: dict) -> dict:
        data = message.get("bytes")
        if data is None or self.has not in data:
            return message
        return {**message, "bytes": data.replace(self.old, self.new)}


@dataclass(frozen=True)
class WsAsText:
    """The appliance's messages sent as text websocket messages instead of binary ones."""

    def apply(self, message: dict) -> dict:
        data = message.get("bytes")
        return message if data is None else {"type": message["type"], "text": data.decode("utf-8", "replace")}


WEBSOCKET = (Subprotocol, WsReplace, WsAsText)  # applied by the send wrapper, not to HTTP answers


# -- bodies ------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def gzip_bomb(_: bytes = b"") -> bytes:
    """A 16 MB gzip file of 4.5 GiB of archive-like text (one deflate block repeated), its trailer's CRC 0:
    the size bound is judged before the end. Made once."""
    row = b'{"id":"12","hostname":"host-12.example","public_ip":"203.0.113.7:50432"},\n'
    unit = (row * ((16 << 20) // len(row) + 1))[: 16 << 20]
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = block.compress(unit) + block.flush(zlib.Z_FULL_FLUSH)
    count = (9 << 29) // len(unit)  # 4.5 GiB
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    trailer = struct.pack("<II", 0, count * len(unit) & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + piece * count + final + trailer


def corrupted(body: bytes) -> bytes:
    """The deflate data damaged after the 10-byte gzip header (every byte of 10..60 inverted)."""
    return body[:10] + bytes(b ^ 0xFF for b in body[10:60]) + body[60:]


# -- faults ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    name: str
    doc: str
    breaks: Mapping[str, str]  # requirement -> the verdict a run against this fault must give it
    wire: tuple[Any, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    select: str | None = None  # a pytest -k expression of the checks that judge it (default: by `breaks`)


COMMAND_NS = DOCUMENTED[("1.21.1", "command")]
REPORTING_NS = DOCUMENTED[("1.21.1", "reporting")]
ENCODED = SUBPROTOCOL.replace(" ", "%20")
ANSWERS = r"/api/(command|reporting)(\.ns)?$"  # the two XML APIs' answers, not their .xsd files
COMMAND = Where("/api/command")
REPORTING = Where("/api/reporting")
ARCHIVE = Where("/api/reporting", media="gzip")


# Some [boolean] fields of the archive tables, 1/0 as JSON true/false (the archives are compact JSON).
AS_JSON_BOOLEANS = tuple(
    (f'"{name}":{number}'.encode(), f'"{name}":{word}'.encode())
    for name in ("connected", "elevated", "console_in_focus")
    for number, word in ((1, "true"), (0, "false"))
)


def fault(name: str, doc: str, breaks: Mapping[str, str], *wire, **options) -> Fault:
    """A Fault, its wire transforms given as arguments."""
    return Fault(name, doc, breaks, tuple(wire), **options)


# -- switching faults --------------------------------------------------------------------------------------


def _parent(root: object, path: str) -> tuple[object, str]:
    *walk, last = path.split(".")
    obj = root
    for step in walk:
        obj = getattr(obj, step)
    return obj, last


def _set(root: object, path: str, value: Any) -> Any:
    """Set the attribute at `path` from `root`; a frozen dataclass on the way is replaced by a copy."""
    obj, last = _parent(root, path)
    old = getattr(obj, last)
    if dataclasses.is_dataclass(obj) and obj.__dataclass_params__.frozen:
        holder, name = _parent(root, path.rsplit(".", 1)[0])
        setattr(holder, name, dataclasses.replace(obj, **{last: value}))
    else:
        setattr(obj, last, value)
    return old


class Faults:
    """The faults an appliance is serving with. `use` switches them: the settings of the old ones are
    restored, those of the new ones set."""

    def __init__(self, appliance: object):
        self.appliance = appliance
        self.active: tuple[Fault, ...] = ()
        self._restore: list[tuple[str, Any]] = []

    def use(self, faults: Iterable[Fault]) -> None:
        for path, old in reversed(self._restore):
            _set(self.appliance, path, old)
        self._restore = []
        self.active = tuple(faults)
        for fault in self.active:
            for path, value in fault.settings.items():
                self._restore.append((path, _set(self.appliance, path, value)))

    def transforms(self) -> list:
        return [t for f in self.active for t in f.wire if not isinstance(t, WEBSOCKET)]

    def messages(self) -> list:
        return [t for f in self.active for t in f.wire if isinstance(t, WsReplace | WsAsText)]

    def subprotocol(self, offered: str | None) -> str | None:
        for fault in self.active:
            for t in fault.wire:
                if isinstance(t, Subprotocol) and offered in t.answers:
                    return t.answers[offered]
        return offered


class FaultMiddleware:
    """Applies the active faults' wire transforms: an HTTP answer whose path one of them may rewrite is
    buffered whole, transformed and sent with its Content-Length; the websocket handshake's subprotocol is
    rewritten. Nothing is buffered while no fault is on."""

    def __init__(self, app, faults: Faults):
        self.app = app
        self.faults = faults

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket" and self.faults.active:
            rewrites = self.faults.messages()

            async def rewritten(message) -> None:
                if message["type"] == "websocket.accept" and message.get("subprotocol"):
                    message = {**message, "subprotocol": self.faults.subprotocol(message["subprotocol"])}
                elif message["type"] == "websocket.send":
                    for t in rewrites:
                        message = t.apply(message)
                await send(message)

            return await self.app(scope, receive, rewritten)
        path = scope.get("path", "")
        transforms = [t for t in self.faults.transforms() if t.where.on(path)]
        if scope["type"] != "http" or not transforms:
            return await self.app(scope, receive, send)
        start: dict = {}
        chunks: list[bytes] = []

        async def buffered(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            answer = Answer(
                path,
                scope.get("query_string", b"").decode("latin-1"),
                start["status"],
                list(start.get("headers", [])),
                b"".join(chunks),
            )
            for t in transforms:
                if t.where.matches(answer):
                    t.apply(answer)
            answer.set_header("content-length", str(len(answer.body)))
            await send({**start, "status": answer.status, "headers": answer.headers})
            await send({"type": "http.response.body", "body": answer.body})

        await self.app(scope, receive, buffered)
