"""Validation of API responses against the reference schemas.

A streaming pass (lxml iterparse with the schema, elements cleared as they go, stopped at the first
validity error) decides validity in flat memory whatever the size. Only when it fails does a second pass
list the errors with path and line: xmlschema on a whole tree for documents up to TREE_MAX, libxml2
streaming above. The root element tells which response a document is; the namespace gets its own verdict.

An answer of another product (Privileged Remote Access: its namespace, or a report whose first <session> has
PRA's shape) is not judged by Remote Support's schemas: its status is "other-product", with the product
named, and no errors (they would only say that PRA is not RS).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import BinaryIO, Literal

from lxml import etree

from harness import schemas
from harness.namespaces import PRA, PRA_SESSION, NamespaceVerdict, judge, kinds_of, product_of
from harness.xmlsafe import (
    GuardedReader,
    InputRejected,
    Limits,
    error_entry,
    open_source,
    parse_failure,
    parser_options,
)

# Up to this size the errors are listed by xmlschema on a whole tree (exact paths and reasons); above, by
# libxml2's streaming validator in flat memory (see _stream_errors), for at most LIST_SECONDS.
TREE_MAX = 8 << 20
LIST_SECONDS = 30.0
LIST_CHUNK = 64  # small reads place each libxml2 error among few elements
MAX_ERRORS = 200
DEFAULT_LIMITS = Limits()

_SCHEMA_VALIDITY_CODES = frozenset(
    getattr(etree.ErrorTypes, name) for name in dir(etree.ErrorTypes) if name.startswith("SCHEMAV_")
)

Status = Literal["valid", "invalid", "unusable", "other-product"]


@dataclass(frozen=True)
class SchemaError:
    path: str | None
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path or '/'}: {self.message}"

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "message": self.message}


@dataclass
class Result:
    source: str
    status: Status
    api_version: str
    kind: str | None = None
    root: str | None = None
    namespace: NamespaceVerdict | None = None
    errors: list[SchemaError] = field(default_factory=list)
    reason: str | None = None
    more_errors: bool = False
    product: str | None = None  # the other product the answer is from (status "other-product")

    @property
    def warnings(self) -> list[str]:
        if self.namespace is not None and self.namespace.status == "WARN":
            return [f"namespace {self.namespace.found}: {self.namespace.reason}"]
        return []

    def to_json(self) -> dict:
        return {
            "source": self.source,
            "status": self.status,
            "api_version": self.api_version,
            "kind": self.kind,
            "root": self.root,
            "namespace": self.namespace.to_json() if self.namespace else None,
            "errors": [e.to_json() for e in self.errors],
            "more_errors": self.more_errors,
            "warnings": self.warnings,
            "reason": self.reason,
            "product": self.product,
        }


class NotWellFormed(Exception):
    """The document is not well-formed XML, or breaks a parser safety limit."""


MESSAGE_MAX = 400


def one_line(text: str, limit: int = MESSAGE_MAX) -> str:
    """Messages quote the document under test: keep each on one line and of bounded length."""
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _reason(exc: etree.XMLSyntaxError, at_start: bool = False) -> str:
    """The harness's reason for a parse error (a stable prefix), with libxml2's message after it.

    The prefix comes from the error's domain and code (xmlsafe.parse_failure), not from the message, whose
    wording differs between libxml2 releases. `at_start`: the error came before any root element was seen.
    """
    msg = " ".join(str(exc.msg or exc).split())
    failure = parse_failure(exc)
    if failure == "limit":  # libxml2's own limits, on because huge_tree is never set
        msg = re.sub(r",?\s*(use|try) XML_PARSE_HUGE( option)?", "", msg)  # advice we must not follow
        return f"hostile construct: exceeds a parser safety limit ({msg})"
    if failure == "empty":
        return "not XML: empty document"
    if failure == "no-root" and at_start:
        return f"not XML: {msg}"
    return f"not well-formed XML: {msg}"


def _is_validity_error(exc: etree.XMLSyntaxError) -> bool:
    domain, code = error_entry(exc)
    return domain in (etree.ErrorDomains.SCHEMASV, None) and code in _SCHEMA_VALIDITY_CODES


class FirstInvalid(Exception):
    """The first validity error of a streaming pass, and the line the reader had reached when it was seen."""

    def __init__(self, message: str, line: int | None = None, checked: bool = True):
        super().__init__(message)
        self.message = message
        self.line = line
        self.checked = checked  # False: the structure could not be checked, so there are no errors to list


def _stop_at_first_invalid(events: etree.iterparse, reader: GuardedReader) -> None:
    # lxml raises validity errors only when the parse ends; stopping at the first one bounds both the time
    # spent on an invalid multi-gigabyte report and the elements a filtered parse never clears.
    for entry in events.error_log:
        if entry.domain == etree.ErrorDomains.SCHEMASV and entry.level >= etree.ErrorLevels.ERROR:
            raise FirstInvalid(one_line(entry.message), reader.lines)


def _drain(
    fp: BinaryIO,
    start: int,
    limits: Limits,
    schema: etree.XMLSchema | None = None,
    tags: list[str] | None = None,
) -> None:
    """Parse the whole document streaming, clearing elements as they end; raise on any error.

    With `tags`, only those elements (the repeatable ones, and the root) reach Python and are cleared: see
    schemas.repeatable. A document whose root never closes is reported too: a validating iterparse does not
    always notice.
    """
    fp.seek(start)
    reader = GuardedReader(fp, limits)
    events = etree.iterparse(reader, events=("end",), schema=schema, tag=tags, **parser_options())
    if schema is not None:
        reader.on_chunk = functools.partial(_stop_at_first_invalid, events, reader)
    closed = False
    for _, elem in events:
        parent = elem.getparent()
        if parent is None:
            closed = True
            continue
        elem.clear()
        while elem.getprevious() is not None:
            del parent[0]
    if not closed:
        raise NotWellFormed("not well-formed XML: the document ends before its root element closes")


def _check_well_formed(fp: BinaryIO, start: int, limits: Limits) -> None:
    """Parse without a schema: for a document no schema checks, and for libxml2's precise message."""
    try:
        _drain(fp, start, limits, None)
    except etree.XMLSyntaxError as exc:
        raise NotWellFormed(_reason(exc)) from None


def _diagnose(fp: BinaryIO, start: int, limits: Limits, fallback: str) -> str:
    """The precise well-formedness error; a validating parse sometimes reports a vaguer one."""
    try:
        _check_well_formed(fp, start, limits)
    except NotWellFormed as exc:
        return str(exc)
    return fallback


def _stream_valid(
    fp: BinaryIO, start: int, limits: Limits, schema: etree.XMLSchema, tags: list[str] | None
) -> FirstInvalid | None:
    """None if valid, else libxml2's first validity error; raise NotWellFormed if not well-formed."""
    try:
        _drain(fp, start, limits, schema, tags)
    except FirstInvalid as exc:
        return exc
    except etree.XMLSyntaxError as exc:
        if _is_validity_error(exc):  # seen only as the parse ended
            return FirstInvalid(one_line(str(exc.msg)))
        raise NotWellFormed(_diagnose(fp, start, limits, _reason(exc))) from None
    except NotWellFormed as exc:
        raise NotWellFormed(_diagnose(fp, start, limits, str(exc))) from None
    return None


def split_tag(tag: str) -> tuple[str | None, str]:
    """(namespace, local name) of an lxml tag. Not etree.QName: it refuses a namespace holding "}"."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].rpartition("}")
        return namespace, local
    return None, tag


def _peek_root(fp: BinaryIO, start: int, limits: Limits) -> tuple[str | None, str, int]:
    fp.seek(start)
    try:
        _, elem = next(etree.iterparse(GuardedReader(fp, limits), events=("start",), **parser_options()))
    except StopIteration:
        raise NotWellFormed("not XML: empty document") from None
    except etree.XMLSyntaxError as exc:
        # An error in the body may come already here (lxml 6.2 parses further before its first event): only a
        # document with no root element at all is "not XML".
        raise NotWellFormed(_reason(exc, at_start=True)) from None
    return (*split_tag(elem.tag), elem.sourceline)


def _pra_shaped(fp: BinaryIO, start: int, limits: Limits) -> bool:
    """The root's first child is a <session> that has PRA's mark and lacks RS's (namespaces.PRA_SESSION).

    Only that child is read (its descendants cleared as they end), so a large report costs little; the caller
    has seen the root, and asks only of a document that RS's schema refused.
    """
    root, session, mark, absent = PRA_SESSION
    fp.seek(start)
    depth, names = 0, set()
    events = etree.iterparse(GuardedReader(fp, limits), events=("start", "end"), **parser_options())
    try:
        for event, elem in events:
            if event == "end":
                depth -= 1
                if depth == 1:
                    return mark in names and absent not in names
                if depth > 1:
                    elem.clear()
                continue
            depth += 1
            name = split_tag(elem.tag)[1]
            if (depth == 1 and name != root) or (depth == 2 and name != session):
                return False
            if depth == 3:
                names.add(name)
    except etree.XMLSyntaxError:
        pass
    return False


def _other_product(result: Result, product: str, why: str) -> Result:
    result.status, result.product, result.errors = "other-product", product, []
    result.reason = f"{product}, not Remote Support ({why}): not judged against the Remote Support schemas"
    return result


class _Enough(Exception):
    pass


_ELEMENT_NAMED = re.compile(r"Element '(?:\{[^}]*\})?([^']+)'")
# libxml2 checks attributes and whether an element may appear at its start tag; values and content at its end.
_AT_START = re.compile(r"^Element '[^']*'(, attribute|: The attribute)|This element is not expected")


def _stream_errors(
    fp: BinaryIO, start: int, schema: etree.XMLSchema, max_errors: int
) -> tuple[list[SchemaError], bool]:
    """Validity errors of a large document from libxml2's streaming validator, each placed on its element.

    libxml2 logs an error without a line while it parses a chunk; the reader then asks for the next chunk
    after Python has seen that chunk's elements (starts and ends). An error is placed on the last of those
    its message names (libxml2 messages begin "Element 'name'"), at a start or an end tag according to the
    kind of check. Chunks of LIST_CHUNK bytes leave few candidates: only identical siblings within one chunk
    can take each other's place. The line is the element's start line.
    """
    fp.seek(start)
    reader = GuardedReader(fp, Limits(max_seconds=LIST_SECONDS), chunk=LIST_CHUNK)
    events = etree.iterparse(reader, events=("start", "end"), schema=schema, **parser_options())
    errors: list[SchemaError] = []
    steps: list[str] = []  # the path to the current element
    siblings: list[dict[str, int]] = [{}]  # per open element: how many children of each name so far
    batch: list[tuple[str, str, str, int]] = []  # (event, name, path, line) since the last read
    placed = 0

    def place() -> None:
        nonlocal placed
        log = [e for e in events.error_log if e.domain == etree.ErrorDomains.SCHEMASV]
        for entry in log[placed:]:
            named = _ELEMENT_NAMED.match(entry.message)
            same = [b for b in batch if named and b[1] == named.group(1)]
            at = "start" if _AT_START.search(entry.message) else "end"
            here = [b for b in same if b[0] == at] or same or batch or [("", "", None, None)]
            errors.append(SchemaError(here[-1][2], here[-1][3], one_line(entry.message)))
            if len(errors) > max_errors:
                raise _Enough
        placed = len(log)
        batch.clear()

    reader.on_chunk = place
    try:
        for event, elem in events:
            name = split_tag(elem.tag)[1]
            if event == "start":
                count = siblings[-1][name] = siblings[-1].get(name, 0) + 1
                steps.append(f"{name}[{count}]" if steps else name)
                siblings.append({})
                batch.append((event, name, "/" + "/".join(steps), elem.sourceline))
                continue
            batch.append((event, name, "/" + "/".join(steps), elem.sourceline))
            steps.pop()
            siblings.pop()
            parent = elem.getparent()
            if parent is not None:
                elem.clear()
                while elem.getprevious() is not None:
                    del parent[0]
        place()
    except _Enough:
        return errors[:max_errors], True
    except InputRejected:  # LIST_SECONDS spent
        return errors, True
    except etree.XMLSyntaxError as exc:
        if not _is_validity_error(exc):
            raise NotWellFormed(_reason(exc)) from None
        try:
            place()
        except _Enough:
            return errors[:max_errors], True
    return errors, False


def _list_errors(
    fp: BinaryIO,
    start: int,
    api_version: str,
    kind: str,
    ns: str | None,
    schema: etree.XMLSchema,
    max_errors: int,
) -> tuple[list[SchemaError], bool]:
    """The validity errors (up to max_errors) with path and line; True if there may be more.

    xmlschema lists them for documents up to TREE_MAX; above that its pure-Python validation would take
    hours on gigabytes, and its lazy mode holds each top-level element whole (a hostile document can make
    one huge), so libxml2 lists them streaming.
    """
    fp.seek(0, 2)
    size = fp.tell() - start
    if size > TREE_MAX:
        return _stream_errors(fp, start, schema, max_errors)
    fp.seek(start)
    errors: list[SchemaError] = []
    try:
        tree = etree.parse(GuardedReader(fp, DEFAULT_LIMITS), etree.XMLParser(**parser_options()))
        for err in schemas.xmlschema_schema(api_version, kind, ns).iter_errors(tree):
            if len(errors) == max_errors:
                return errors, True
            message = one_line(err.reason or err.message)
            errors.append(SchemaError(err.path and one_line(err.path), err.sourceline, message))
    except etree.XMLSyntaxError as exc:
        raise NotWellFormed(_reason(exc)) from None
    return errors, False


def validate(
    fp: BinaryIO,
    *,
    source: str = "<stream>",
    kind: str = "auto",
    api_version: str = "1.21.1",
    namespace: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    max_errors: int = MAX_ERRORS,
) -> Result:
    """Validate one document read from a seekable binary stream."""
    result = Result(source, "unusable", api_version)
    start = fp.tell()
    try:
        found_ns, root, root_line = _peek_root(fp, start, limits)
        result.root = root
        product = product_of(found_ns)
        if product is not None:
            _check_well_formed(fp, start, limits)
            return _other_product(result, product, f"<{root}> in its namespace {found_ns}")
        if kind == "auto":
            candidates = list(schemas.kinds_for_root(api_version, root))
            # An <error> root is in both schemas: the namespace says which one first.
            candidates.sort(key=lambda k: k not in kinds_of(found_ns))
        else:
            candidates = [kind]
        if not candidates:
            _check_well_formed(fp, start, limits)
            result.status = "invalid"
            message = f"not a response root of the API {api_version} command or reporting schema"
            result.errors = [SchemaError(f"/{root}", root_line, message)]
            return result

        chosen, first = candidates[0], None
        for candidate in candidates:
            try:
                schema = schemas.lxml_schema(api_version, candidate, found_ns)
            except etree.XMLSyntaxError:  # libxml2 accepts some non-URIs as xmlns but not in a schema
                _check_well_formed(fp, start, limits)
                first = FirstInvalid("structure not checked: the namespace is not a valid URI", checked=False)
                break
            repeatable = schemas.repeatable(api_version, candidate)
            tags = None
            if repeatable is not None and not (found_ns and "}" in found_ns):  # "}" breaks lxml's tag syntax
                tags = [f"{{{found_ns}}}{n}" if found_ns else n for n in repeatable | {root}]
            first = _stream_valid(fp, start, limits, schema, tags)
            if first is None:
                chosen = candidate
                break
        result.kind = chosen
        result.namespace = judge(found_ns, chosen, api_version, namespace)
        if first is not None and first.checked and _pra_shaped(fp, start, limits):
            _check_well_formed(fp, start, limits)
            _, session, mark, absent = PRA_SESSION
            return _other_product(result, PRA, f"a <{session}> with <{mark}> and no <{absent}>")
        if result.namespace.status == "FAIL":
            message = f"namespace: {result.namespace.reason}"
            result.errors.append(SchemaError(f"/{root}", root_line, message))
        if first is not None:
            listed: list[SchemaError] = []
            if first.checked:
                schema = schemas.lxml_schema(api_version, chosen, found_ns)
                listed, result.more_errors = _list_errors(
                    fp, start, api_version, chosen, found_ns, schema, max_errors
                )
            near = f" (near line {first.line})" if first.line else ""
            result.errors += listed or [SchemaError(None, None, first.message + near)]
        result.status = "invalid" if result.errors else "valid"
    except (InputRejected, NotWellFormed) as exc:
        result.status = "unusable"
        result.reason = one_line(str(exc))
    return result


def validate_file(name: str, **options) -> Result:
    """Validate a file, or `-` for standard input."""
    try:
        fp = open_source(name)
    except InputRejected as exc:
        return Result(name, "unusable", options.get("api_version", "1.21.1"), reason=str(exc))
    with fp:
        return validate(fp, source=name, **options)


__all__ = ["Result", "SchemaError", "validate", "validate_file"]
