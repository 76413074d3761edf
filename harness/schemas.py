"""The reference schemas: where they live, and their instances for a given namespace.

Each XSD is written once with its documented namespace and instantiated for any other by replacing the
quoted namespace string (it appears only in the targetNamespace and default xmlns attributes), or for a
document without a namespace by removing both attributes.
"""

from __future__ import annotations

import functools
from pathlib import Path
from xml.sax.saxutils import quoteattr

from lxml import etree

from harness.catalogue.versions import is_version, version_tuple
from harness.namespaces import DOCUMENTED

FILES: dict[tuple[str, str], str] = {
    ("1.21.1", "command"): "command.xsd",
    ("1.21.1", "reporting"): "reporting.xsd",
    ("1.7.0", "command"): "1.7.0/command.xsd",
    ("1.7.0", "reporting"): "1.7.0/reporting.xsd",
}

XS = "http://www.w3.org/2001/XMLSchema"


@functools.cache
def schema_dir() -> Path:
    """The installed schemas (harness/xsd, mapped from schemas/ at install), or schemas/ in a source tree."""
    here = Path(__file__).resolve().parent
    installed = here / "xsd"
    return installed if installed.is_dir() else here.parent / "schemas"


def xsd_path(api_version: str, kind: str) -> Path:
    return schema_dir() / FILES[(api_version, kind)]


def xsd_text(api_version: str, kind: str, namespace: str | None) -> bytes:
    """The XSD of `kind` for `api_version`, instantiated for `namespace` (None: no namespace)."""
    text = xsd_path(api_version, kind).read_text(encoding="utf-8")
    documented = DOCUMENTED[(api_version, kind)]
    quoted = f'"{documented}"'
    if namespace is None:
        text = text.replace(f"targetNamespace={quoted}", "").replace(f"xmlns={quoted}", "")
    elif namespace != documented:
        text = text.replace(quoted, quoteattr(namespace))
    return text.encode("utf-8")


_XSD_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


# The namespace comes from the document under test: bound the caches so hostile inputs cannot grow them.
@functools.lru_cache(maxsize=32)
def lxml_schema(api_version: str, kind: str, namespace: str | None) -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(xsd_text(api_version, kind, namespace), _XSD_PARSER))


@functools.lru_cache(maxsize=16)
def xmlschema_schema(api_version: str, kind: str, namespace: str | None):
    import xmlschema  # slow to import and only needed to list errors

    return xmlschema.XMLSchema(xsd_text(api_version, kind, namespace).decode("utf-8"))


@functools.cache
def roots(api_version: str, kind: str) -> frozenset[str]:
    """The response roots of a schema: its global elements."""
    tree = etree.parse(str(xsd_path(api_version, kind)), _XSD_PARSER)
    return frozenset(tree.getroot().xpath("xs:element/@name", namespaces={"xs": XS}))


def kinds_for_root(api_version: str, root: str) -> tuple[str, ...]:
    """The kinds (command, reporting) whose schema for `api_version` has `root` as a response root."""
    return tuple(kind for kind in ("command", "reporting") if root in roots(api_version, kind))


_MANY = "@maxOccurs and @maxOccurs != '1'"


@functools.cache
def repeatable(api_version: str, kind: str) -> frozenset[str] | None:
    """Local names of the elements that may repeat under one parent; None if the schema has an open xs:any.

    Only repeated elements let a valid document grow without bound (the schema bounds the others, libxml2
    each text node), so a streaming pass that clears these as they end keeps memory flat while most
    elements never cross into Python. An unbounded xs:any admits unnamed repeats: then every element counts.
    """
    schema = etree.parse(str(xsd_path(api_version, kind)), _XSD_PARSER).getroot()
    ns = {"xs": XS}
    if schema.xpath(f".//xs:any[{_MANY}]", namespaces=ns):
        return None
    names: set[str] = set()

    def add(decls: list) -> None:
        for decl in decls:
            if decl.get("ref") is not None:  # a group reference: every element the group holds
                name = decl.get("ref").rpartition(":")[2]
                add(schema.xpath("xs:group[@name=$n]//xs:element", n=name, namespaces=ns))
            else:
                names.add(decl.get("name"))

    add(schema.xpath(f".//xs:element[{_MANY}]", namespaces=ns))
    for particle in schema.xpath(f".//xs:sequence[{_MANY}] | .//xs:choice[{_MANY}]", namespaces=ns):
        add(particle.xpath(".//xs:element | .//xs:group[@ref]", namespaces=ns))
    add(schema.xpath(f".//xs:group[@ref][{_MANY}]", namespaces=ns))
    names.discard(None)
    return frozenset(names)


def schema_family(api_version: str) -> str:
    """The reference schemas for a target's API version: 1.8 and later follow the 1.21.1 schemas, older
    ones the 1.7.0 schemas; an unreadable version (get_api_info's checks FAIL it) the current guide's."""
    if is_version(api_version) and version_tuple(api_version) < (1, 8, 0):
        return "1.7.0"
    return "1.21.1"
