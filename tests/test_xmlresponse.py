"""The embedded appliance's two byte shapes (harness.appliance.xmlresponse): the field's, as real appliances
answer (a blank line after the declaration, tab indentation, irregular whitespace), and --tidy's (compact);
one infoset, text never touched, the same bytes for the same content. Over HTTP: every surface of a default
appliance answers in the field's shape, of a tidy one compactly."""

from __future__ import annotations

import re

import httpx
import pytest
from conftest import bearers
from lxml import etree

from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.server import running
from harness.appliance.xmlresponse import DECLARATION, Node, serialize, shaped

NS = "https://www.beyondtrust.com/namespaces/API/reporting"


def document() -> Node:
    root = Node("session_list")
    for n in range(8):
        session = root.add("session", lsid=f"{n:032x}")
        session.add("lseq", n)
        session.add("note", "  two spaces either side  ")  # text is content: never reshaped
        details = session.add("session_details")
        details.add("event", timestamp=n, event_type="Session Start").add("empty")
    return root


def infoset(body: bytes) -> bytes:
    """The document without whitespace-only text between elements: what a parser's user sees."""
    tree = etree.fromstring(body, etree.XMLParser(remove_blank_text=True))
    return etree.tostring(tree, method="c14n")


def test_the_field_shape_is_real_appliances_one():
    body = serialize(document(), NS)
    text = body.decode()
    assert text.startswith(DECLARATION + "\n\n<session_list ")  # a blank line after the declaration
    assert "\n\t<session " in text and "\n\t\t\t<event " in text  # tab indentation by depth
    gaps = re.findall(r">(\s+)<", text)
    assert {" ", "\n\n\t\t"} & set(gaps) and any(g.startswith(" \n") for g in gaps)  # irregular
    assert any(g.startswith("\n    ") for g in gaps) and any(g.endswith("\t ") for g in gaps)
    assert text.count("<note>  two spaces either side  </note>") == 8


def test_both_shapes_hold_one_infoset_and_the_same_bytes_each_time():
    field = serialize(document(), NS)
    with shaped(True):
        tidy = serialize(document(), NS)
    assert tidy.startswith((DECLARATION + "\n<session_list ").encode())
    assert not re.search(rb">\s+<", tidy.split(b"?>\n", 1)[1])  # compact
    assert infoset(field) == infoset(tidy)
    assert serialize(document(), NS) == field  # a function of the content alone


def test_the_shape_is_restored_after_a_tidy_block():
    with shaped(True):
        with shaped(False):
            assert serialize(Node("a").add("b", 1), NS).startswith((DECLARATION + "\n\n").encode())
        assert serialize(Node("a"), NS) == (DECLARATION + f'\n<a xmlns="{NS}"/>').encode()
    assert serialize(Node("a"), NS).startswith((DECLARATION + "\n\n").encode())


@pytest.mark.parametrize("tidy", [False, True], ids=["field", "tidy"])
def test_every_xml_surface_answers_in_the_appliances_shape(tmp_path, tidy):
    appliance = Appliance(ApplianceConfig(tmp_path, tidy=tidy))
    with running(appliance) as url:
        headers = bearers(appliance, url)["full"]
        listing = {"generate_report": "SupportSessionListing", "start_date": "2016-10-01", "duration": "1"}
        queries = [
            ("command", {"action": "get_api_info"}),
            ("command", {"action": "no_such_action"}),
            ("reporting", listing),
            ("reporting", {"generate_report": "NoSuchReport"}),
        ]
        answers = [httpx.get(f"{url}/api/{api}", params=p, headers=headers) for api, p in queries]
    for r in answers:
        assert r.headers["content-type"].startswith("text/xml"), r.text
        after = r.content.split(b"?>", 1)[1]
        assert after.startswith(b"\n<" if tidy else b"\n\n<"), (r.url, r.content[:80])
        inner = after.strip()
        if tidy:
            assert not re.search(rb">\s+<", inner), inner[:200]
        elif inner.count(b"</") > 1:  # an element with children: indented
            assert b"\n\t<" in inner, inner[:200]
