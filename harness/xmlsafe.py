"""Reading untrusted XML safely: no DTD (so no entity expansion), no network, bounded size and time.

Responses of the APIs never carry a DTD, so a document that declares one is rejected before libxml2 sees
it: that closes billion-laughs and external-entity attacks at the door. libxml2's own limits, kept on by
never passing huge_tree, bound nesting depth (256) and a single text node (10 MB).

A parse error is classified by libxml2's error domain and code (parse_failure), never by its wording: the
wording changes between libxml2 releases, and so does the moment an error is raised.
"""

from __future__ import annotations

import io
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, BinaryIO, Literal

from lxml import etree

CHUNK = 1 << 16
PROLOG_MAX = 1 << 20


class InputRejected(Exception):
    """The input cannot be checked: unreadable, too large, too slow, or a hostile construct."""


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 16 << 30  # multi-gigabyte reports must validate; a runaway stream must not
    max_seconds: float | None = None


def parser_options() -> dict:
    """Options for every lxml parser that reads a document under test.

    resolve_entities keeps lxml's default ('internal'): with DTDs refused up front there is nothing to
    resolve, and resolve_entities=False makes lxml's validating iterparse accept truncated documents.
    """
    return {"no_network": True, "load_dtd": False, "dtd_validation": False, "huge_tree": False}


ParseFailure = Literal["limit", "no-root", "empty", "syntax"]

# libxml2's safety limits (nesting depth, text node size, ...) have had their own code since libxml2 2.13
# (bundled from lxml 5.4 on); before, a huge text node was reported as out of memory and the depth limit as
# an internal error, so older releases cannot be told apart from other failures (hence the lxml floor).
# lxml 5.4 does not name the code (its ErrorTypes come from older headers): XML_ERR_RESOURCE_LIMIT = 114.
_LIMIT_CODES = frozenset({getattr(etree.ErrorTypes, "ERR_RESOURCE_LIMIT", 114)})
# No start tag where the document must begin: whatever the bytes are, they are not XML.
_NO_ROOT_CODES = frozenset({etree.ErrorTypes.ERR_DOCUMENT_EMPTY, etree.ErrorTypes.ERR_DOCUMENT_START})
# Where libxml2 reports what it finds reading and parsing a document (not a schema's verdict on it).
_PARSE_DOMAINS = frozenset(
    {etree.ErrorDomains.PARSER, etree.ErrorDomains.IO, etree.ErrorDomains.NAMESPACE, etree.ErrorDomains.I18N}
)


def error_entry(exc: etree.XMLSyntaxError) -> tuple[int | None, int]:
    """(domain, code) of the error a parse raised, from its error log.

    The raised error is the last log entry with its code; an error lxml raises itself (an empty document
    gives "no element found") has no entry, and so no domain.
    """
    log = exc.error_log or []
    for entry in reversed(list(log)):
        if entry.type == exc.code and entry.level >= etree.ErrorLevels.ERROR:
            return entry.domain, entry.type
    return None, exc.code


def parse_failure(exc: etree.XMLSyntaxError) -> ParseFailure:
    """What a parse error means: a safety limit hit, no root element, no content at all, any other error."""
    domain, code = error_entry(exc)
    if domain is None and code == etree.ErrorTypes.ERR_INTERNAL_ERROR:
        return "empty"  # lxml's own: libxml2 built no document and reported nothing (no bytes, or blanks)
    if domain in _PARSE_DOMAINS and code in _LIMIT_CODES:
        return "limit"
    if domain in _PARSE_DOMAINS and code in _NO_ROOT_CODES:
        return "no-root"
    return "syntax"


_MISC = re.compile(r"\s+|<\?.*?\?>|<!--.*?-->", re.DOTALL)


def _prolog_codec(head: bytes) -> str:
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"<\x00")):
        return "utf-16-le"
    if head.startswith((b"\xfe\xff", b"\x00<")):
        return "utf-16-be"
    return "latin-1"  # ASCII-compatible: enough to see markup


def scan_prolog(head: bytes) -> bool | None:
    """True once the prolog is over (root tag or garbage reached), None if more bytes are needed.

    Raises InputRejected on a markup declaration (<!DOCTYPE, <!ENTITY ...): the only `<!` construct
    allowed before the root is a comment.
    """
    text = head.decode(_prolog_codec(head), errors="replace").lstrip("\ufeff")
    pos = 0
    while m := _MISC.match(text, pos):
        pos = m.end()
    rest = text[pos:]
    if rest in ("", "<", "<!", "<!-") or rest.startswith(("<!--", "<?")):
        return None  # cut at the chunk end, or a comment or PI not finished yet
    if rest.startswith("<!"):
        raise InputRejected("hostile construct: a DTD or markup declaration (<!DOCTYPE ...) is not allowed")
    return True


class GuardedReader(io.RawIOBase):
    """A file-like reader that enforces the limits and refuses a DTD in the prolog."""

    def __init__(self, raw: BinaryIO, limits: Limits, chunk: int = CHUNK):
        super().__init__()
        self._raw = raw
        self._chunk = chunk
        self._start = raw.tell()
        self._limits = limits
        self._count = 0
        self.lines = 1  # the line the reader has reached: where a streaming parser stands, to a chunk
        self._head = b""
        self._prolog_done = False
        self._deadline = None if limits.max_seconds is None else time.monotonic() + limits.max_seconds
        self.on_chunk: Callable[[], None] | None = None  # called before each chunk; may raise to stop

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            offset += self._start
        position = self._raw.seek(offset, whence) - self._start
        self._count = position  # the size limit is on the document, however often it is re-read
        return position

    def tell(self) -> int:
        return self._raw.tell() - self._start

    def read(self, size: int | None = -1) -> bytes:
        if self.on_chunk is not None:
            self.on_chunk()
        chunk = self._raw.read(self._chunk if size is None or size < 0 else min(size, self._chunk))
        self._count += len(chunk)
        self.lines += chunk.count(b"\n")
        if self._count > self._limits.max_bytes:
            raise InputRejected(f"larger than the limit of {self._limits.max_bytes} bytes")
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise InputRejected(f"not read within the limit of {self._limits.max_seconds} s")
        if not self._prolog_done:
            self._head += chunk
            if scan_prolog(self._head) or not chunk:
                self._prolog_done = True
            elif len(self._head) > PROLOG_MAX:
                raise InputRejected(f"no root element within the first {PROLOG_MAX} bytes")
        return chunk

    def readinto(self, buffer) -> int:  # type: ignore[override]
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def open_source(name: str, stdin: IO[bytes] | None = None) -> BinaryIO:
    """Open a file, or `-` for standard input spooled to a temporary file (validation reads it twice)."""
    if name == "-":
        spool = tempfile.SpooledTemporaryFile(max_size=8 << 20)  # noqa: SIM115 - the caller closes it
        shutil.copyfileobj(stdin or sys.stdin.buffer, spool, CHUNK)
        spool.seek(0)
        return spool  # type: ignore[return-value]
    try:
        return open(name, "rb")
    except OSError as exc:
        raise InputRejected(f"cannot read: {exc.strerror or exc}") from exc
