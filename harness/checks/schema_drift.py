"""The appliance's own schemas (/api/command.xsd, /api/reporting.xsd): read safely, compiled, compared with
the reference schemas written from the guide (schema drift between builds), and used to validate answers.

An XSD from the target is as untrusted as any answer: a DTD is refused before libxml2 sees it (as for
answers, harness.xmlsafe), the parser never touches the network, and a schema that points to another
document (xs:include, xs:import or xs:redefine with a schemaLocation) is REFUSED rather than pruned. libxml2
would fetch that location while compiling (a local file path is read: a file disclosure through the error
messages), and removing the reference would compile, validate with and compare a schema the vendor never
published, so every later verdict would be about our edit. The guide publishes each schema as one
document at one address; an xs:import without a schemaLocation names a namespace only and is kept.

Drift compares vocabularies, not content models: for each response root (a global element), the names of
the elements that can occur under it. That survives the legitimate ways of writing the same schema (named
or anonymous types, groups, refs) and still names what a build added or dropped.

Requirements: a schema document's defects are the caller's (XML-XSD-001/002 for the served schemas); the
serving of /api/command.xsd and /api/reporting.xsd is charged to XML-XSD-001 and XML-XSD-002 whoever asks;
an answer that is not XML, to XML-SCHEMA-001 (command) or XML-SCHEMA-002 (reporting) when its kind is given.
"""

from __future__ import annotations

from lxml import etree

from harness.checks.xml import SCHEMA_REQ
from harness.validate import one_line
from harness.verdicts import CheckFailed, warn
from harness.xmlsafe import InputRejected, parser_options, scan_prolog

XS = "http://www.w3.org/2001/XMLSchema"
XSD_MAX = 4 << 20  # our reference schemas are ~60 KB; a vendor's would be of that order
ANY = "*"  # an xs:any wildcard in a vocabulary: elements the schema does not name
DRIFT_MAX = 40  # lines of a drift listing
NAMES_MAX = 20  # element names on one line of it
NAME_MAX = 80  # characters of one name (names come from the target)
ERRORS_MAX = 5
WORK_MAX = 2_000_000  # steps of the vocabulary walk over all roots: bounds a hostile schema's cost
_LINKS = ("include", "import", "redefine", "override")  # override: XSD 1.1, refused all the same
SERVED_REQ = {"/api/command.xsd": "XML-XSD-001", "/api/reporting.xsd": "XML-XSD-002"}
ANSWER_REQ = SCHEMA_REQ  # an answer that is not XML breaks its API's schema requirement


def _safe_tree(body: bytes, what: str) -> etree._Element:
    """A well-formed document without a DTD, parsed without network access."""
    if len(body) > XSD_MAX:
        raise CheckFailed(
            f"{what}: {len(body)} bytes, more than the {XSD_MAX} bytes a schema is allowed here"
        )
    try:
        if scan_prolog(body) is None:
            raise CheckFailed(f"{what}: no root element (empty, or only a prolog)")
    except InputRejected as exc:
        raise CheckFailed(f"{what}: refused: {exc}") from None
    try:
        return etree.fromstring(body, etree.XMLParser(**parser_options()))
    except etree.XMLSyntaxError as exc:
        raise CheckFailed(f"{what}: not well-formed XML: {one_line(str(exc), 200)}") from None


def parse_xsd(body: bytes, what: str = "the schema") -> etree._Element:
    """The xs:schema element of an untrusted schema document; CheckFailed if it is none or links out."""
    root = _safe_tree(body, what)
    if root.tag != f"{{{XS}}}schema":
        shown = one_line(str(root.tag), NAME_MAX)
        raise CheckFailed(f"{what}: not an XML Schema: the root is {shown}, not xs:schema ({XS})")
    for link in root.iter(*(f"{{{XS}}}{name}" for name in _LINKS)):
        location = link.get("schemaLocation")
        if location is not None:
            name = etree.QName(link).localname
            raise CheckFailed(
                f"{what}: refused: xs:{name} schemaLocation={one_line(location, 200)!r} (line {link.sourceline}):"
                " the harness never fetches a document an untrusted schema points to; the schema must be"
                " self-contained"
            )
    return root


def compile_xsd(tree: etree._Element, what: str = "the schema") -> etree.XMLSchema:
    """Compile a tree from parse_xsd (which has refused every link to another document)."""
    try:
        return etree.XMLSchema(tree)
    except etree.XMLSchemaParseError as exc:
        raise CheckFailed(f"{what}: does not compile as an XML Schema: {one_line(str(exc), 300)}") from None


def load_xsd(body: bytes, what: str = "the schema") -> etree.XMLSchema:
    """An untrusted schema document compiled; CheckFailed with a reason if it is refused or does not compile."""
    return compile_xsd(parse_xsd(body, what), what)


def target_namespace(xsd_tree: etree._Element) -> str | None:
    """The namespace a schema declares its elements in (None: no namespace)."""
    return xsd_tree.get("targetNamespace")


def declares_roots(xsd_tree: etree._Element, what: str = "the schema") -> set[str]:
    """The global elements (response roots) of a schema; CheckFailed if it has none: it describes no answer."""
    found = {name for node in xsd_tree if _xs(node) == "element" and (name := node.get("name"))}
    if not found:
        raise CheckFailed(f"{what} declares no global element, so no answer can be valid against it")
    return found


def served_xsd(response, path: str) -> bytes:
    """The body of GET <path>.xsd, which the guide documents: HTTP 200; a non-XML content type is a WARN.
    Both charged to XML-XSD-001 (/api/command.xsd) or XML-XSD-002 (/api/reporting.xsd)."""
    req = SERVED_REQ.get(path)
    if response.status_code != 200:
        raise CheckFailed(
            f"GET {path} answered HTTP {response.status_code}; the guide says the schema is available there",
            req,
        )
    ctype = response.headers.get("content-type", "")
    if "xml" not in ctype.lower():
        warn(f"GET {path}: Content-Type is {ctype or 'missing'!r}, not an XML type", req)
    return response.content


def fetch_xsd(client, kind: str) -> bytes:
    """GET /api/<kind>.xsd (kind: command or reporting) through `client`, judged by served_xsd."""
    path = f"/api/{kind}.xsd"
    return served_xsd(client.call(path), path)


def served_schema(client, kind: str) -> etree._Element:
    """/api/<kind>.xsd is served, compiles, and declares response roots: its tree."""
    path = f"/api/{kind}.xsd"
    tree = parse_xsd(fetch_xsd(client, kind), path)
    compile_xsd(tree, path)
    declares_roots(tree, path)
    return tree


def appliance_schema(client, kind: str) -> tuple[etree.XMLSchema, etree._Element]:
    """(compiled schema, its tree) as served; NOT_TESTED with the reason when it is not usable, which the
    check of its serving FAILs, once (its content type is WARNed there too, not here)."""
    from harness.verdicts import checking, not_tested

    path = f"/api/{kind}.xsd"
    try:
        with checking():
            tree = parse_xsd(fetch_xsd(client, kind), path)
            return compile_xsd(tree, path), tree
    except CheckFailed as exc:
        not_tested(f"no usable {path} (the check of its serving FAILs): {exc}")


def small_answer(client, kind: str, report: str = "SupportSessionListing", window: int = 300) -> bytes:
    """A small answer of `kind` to judge a schema with: get_api_info, or `report` over the last `window`
    seconds; not HTTP 200 FAILs the caller's requirement."""
    import time

    if kind == "command":
        response = client.api_info()
    else:
        response = client.report(report, {"start_time": int(time.time()) - window, "duration": window})
    if response.status_code != 200:
        what = "get_api_info" if kind == "command" else report
        raise CheckFailed(f"{what}: HTTP {response.status_code}, expected 200")
    return response.content


def drift_from_reference(client, family: str, kind: str) -> None:
    """WARN (the caller's requirement) with the list of what the served schema of `kind` names differently
    from the reference schema of the API `family`."""
    from harness import schemas

    _, tree = appliance_schema(client, kind)
    reference = parse_xsd(schemas.xsd_text(family, kind, target_namespace(tree)), "the reference schema")
    lines = drift(vocabulary(reference), vocabulary(tree))
    if lines:
        warn(f"/api/{kind}.xsd differs from the reference {family} {kind} schema: " + "; ".join(lines))


def documented_namespace(found: str | None, kind: str, family: str, what: str) -> None:
    """The namespace of an answer: the one `family` documents; a known variant of the same API WARNs; none,
    an unknown one or the other API's FAILs (the caller's requirement)."""
    _judge_namespace(found, kind, family, f"the {what} answer")


def schema_namespace(xsd_tree: etree._Element, kind: str, family: str) -> None:
    """The targetNamespace of the served /api/<kind>.xsd, judged as the answers' namespace is: a command.xsd
    in the reporting namespace tells a client to expect command answers there."""
    _judge_namespace(target_namespace(xsd_tree), kind, family, f"/api/{kind}.xsd (its targetNamespace)")


def _judge_namespace(found: str | None, kind: str, family: str, what: str) -> None:
    from harness.namespaces import judge

    verdict = judge(found, kind, family)
    if verdict.status == "FAIL":
        raise CheckFailed(f"{what}: {verdict.reason}")
    if verdict.status == "WARN":
        warn(f"{what} is in {found}: {verdict.reason}")


# -- vocabulary -----------------------------------------------------------------------------------------


def _xs(node) -> str | None:
    """The local name of an XML Schema element; None for anything else (comments, foreign elements)."""
    tag = node.tag
    if isinstance(tag, str) and tag.startswith(f"{{{XS}}}"):
        return tag[len(XS) + 2 :]
    return None


def _ref(node: etree._Element, attribute: str, tns: str | None) -> str | None:
    """The local name a QName attribute refers to in this schema; None when absent, built in, or elsewhere."""
    value = node.get(attribute)
    if not value:
        return None
    prefix, _, local = value.strip().rpartition(":")
    namespace = node.nsmap.get(prefix or None)
    return local if namespace == tns else None


def vocabulary(xsd_tree: etree._Element) -> dict[str, set[str]]:
    """For each global element (a response root), the names of the elements that can occur under it.

    Follows type= to named complex types, ref= to global elements (and their substitution groups), group
    ref= to named groups, and base= of extensions and restrictions. An xs:any counts as ANY. The root's own
    name is in its set only if it can nest in itself. CheckFailed if the walk exceeds WORK_MAX steps.
    """
    tns = target_namespace(xsd_tree)
    index: dict[str, dict[str, etree._Element]] = {"element": {}, "complexType": {}, "group": {}}
    substitutes: dict[str, list[str]] = {}
    for node in xsd_tree:
        kind = _xs(node)
        if kind in index and node.get("name"):
            index[kind].setdefault(node.get("name"), node)
    for name, node in index["element"].items():
        head = _ref(node, "substitutionGroup", tns)
        if head is not None:
            substitutes.setdefault(head, []).append(name)
    budget = [WORK_MAX]
    return {
        name: _reachable(decl, index, substitutes, tns, budget) for name, decl in index["element"].items()
    }


def _reachable(root, index, substitutes, tns, budget: list[int]) -> set[str]:
    names: set[str] = set()
    seen: set[tuple[str, str]] = set()
    # Work lists, never recursion (a hostile schema can nest and chain without bound): nodes whose children
    # are still to be read, and global elements still to be entered.
    stack: list[etree._Element] = []
    globals_: list[str] = []

    def follow(kind: str, name: str | None) -> etree._Element | None:
        if name is None or (kind, name) in seen or name not in index[kind]:
            return None
        seen.add((kind, name))
        return index[kind][name]

    def enter(decl: etree._Element) -> None:
        """An element declaration: its named type and its inline content."""
        named = follow("complexType", _ref(decl, "type", tns))
        if named is not None:
            stack.append(named)
        stack.append(decl)

    enter(root)
    while stack or globals_:
        if globals_:
            name = globals_.pop()
            decl = follow("element", name)
            if decl is not None:
                enter(decl)
                names.update(substitutes.get(name, ()))  # may stand wherever their head may
                globals_.extend(substitutes.get(name, ()))
            continue
        for child in stack.pop():
            budget[0] -= 1
            if budget[0] < 0:
                raise CheckFailed(f"the schema is too large to compare (more than {WORK_MAX} steps)")
            kind = _xs(child)
            if kind in (None, "annotation", "attribute", "attributeGroup", "anyAttribute", "simpleType"):
                continue
            if kind == "element":
                if child.get("ref") is not None:
                    ref = _ref(child, "ref", tns)
                    if ref is not None:
                        names.add(ref)
                        globals_.append(ref)
                elif child.get("name"):
                    names.add(child.get("name"))
                    enter(child)
            elif kind == "group" and child.get("ref") is not None:
                group = follow("group", _ref(child, "ref", tns))
                if group is not None:
                    stack.append(group)
            elif kind == "any":
                names.add(ANY)
            else:
                if kind in ("extension", "restriction"):
                    base = follow("complexType", _ref(child, "base", tns))
                    if base is not None:
                        stack.append(base)
                stack.append(child)  # complexType, sequence, choice, all, complex/simpleContent, ...
    return names


# -- drift ----------------------------------------------------------------------------------------------


def _shown(name: str) -> str:
    return "any element (xs:any)" if name == ANY else f"<{one_line(name, NAME_MAX)}>"


def _listing(names: set[str]) -> str:
    ordered = sorted(names)
    shown = ", ".join(_shown(n) for n in ordered[:NAMES_MAX])
    return shown + (f" (+{len(ordered) - NAMES_MAX} more)" if len(ordered) > NAMES_MAX else "")


def drift(reference_vocab: dict[str, set[str]], appliance_vocab: dict[str, set[str]]) -> list[str]:
    """How the appliance's schema differs from the reference, one line per finding, sorted, bounded.

    Roots declared on one side only, then, for each root both declare, the element names only one side
    allows under it. An empty list: the same vocabulary.
    """
    lines = [
        f"{_shown(r)}: a response root only in the reference schema"
        for r in reference_vocab.keys() - appliance_vocab.keys()
    ]
    lines += [
        f"{_shown(r)}: a response root only in the appliance's schema"
        for r in appliance_vocab.keys() - reference_vocab.keys()
    ]
    for root in reference_vocab.keys() & appliance_vocab.keys():
        missing = reference_vocab[root] - appliance_vocab[root]
        extra = appliance_vocab[root] - reference_vocab[root]
        if missing:
            lines.append(f"{_shown(root)}: only in the reference schema: {_listing(missing)}")
        if extra:
            lines.append(f"{_shown(root)}: only in the appliance's schema: {_listing(extra)}")
    lines.sort()
    if len(lines) > DRIFT_MAX:
        lines = lines[: DRIFT_MAX - 1] + [f"(+{len(lines) - DRIFT_MAX + 1} more differences)"]
    return lines


# -- answers against the appliance's own schema -----------------------------------------------------------


def _answer_tree(body: bytes, what: str, kind: str | None) -> etree._Element:
    """An answer's tree; one that is not XML FAILs XML-SCHEMA-001/002 when `kind` is given."""
    try:
        return _safe_tree(body, what)
    except CheckFailed as exc:
        raise CheckFailed(str(exc), ANSWER_REQ.get(kind or "")) from None


def answer_namespace(body: bytes, what: str = "the answer", kind: str | None = None) -> str | None:
    """The namespace of an answer's root element (None: no namespace)."""
    return etree.QName(_answer_tree(body, what, kind)).namespace


def same_namespace(declared: str | None, found: str | None, what: str) -> None:
    """The 12.1 guide: "Check the xsd file to see the namespace that should be returned"."""
    if declared != found:
        raise CheckFailed(
            f"{what} is in namespace {found or '(none)'}, but the appliance's schema declares"
            f" targetNamespace {declared or '(none)'}"
        )


def valid_against(schema: etree.XMLSchema, body: bytes, what: str, kind: str | None = None) -> None:
    """An answer valid against the appliance's own schema; CheckFailed listing the first errors (the
    caller's requirement; an answer that is not XML, XML-SCHEMA-001/002 when `kind` is given)."""
    doc = _answer_tree(body, what, kind)
    if schema.validate(doc):
        return
    errors = [f"line {e.line}: {one_line(e.message, 200)}" for e in list(schema.error_log)[:ERRORS_MAX]]
    more = len(schema.error_log) - len(errors)
    raise CheckFailed(
        f"{what} is invalid against the appliance's own schema: {'; '.join(errors)}"
        + (f" (+{more} more)" if more > 0 else "")
    )
