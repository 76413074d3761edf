"""The one API version parser, and the comparisons that use it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from harness import schemas
from harness.catalogue import brcs as cat
from harness.catalogue.versions import is_version, version_tuple
from harness.checks.command import api_version_listed
from harness.verdicts import CheckFailed

PACKAGE = Path(__file__).resolve().parent.parent / "harness"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [("1.21.1", (1, 21, 1)), ("1.8", (1, 8, 0)), (" 1.7.0 ", (1, 7, 0)), ("10.0.12", (10, 0, 12))],
)
def test_versions_parse_with_a_missing_patch_as_zero(text, parsed):
    assert version_tuple(text) == parsed


def test_a_two_part_version_equals_its_three_part_form():
    assert version_tuple("1.8") == version_tuple("1.8.0")
    assert not version_tuple("1.8") < version_tuple("1.8.0")


@pytest.mark.parametrize("text", ["", "1", "1.8.0.1", "1.21.1-beta", "v1.21.1", "one.two", "1..2", None])
def test_what_is_not_a_version_is_refused(text):
    assert not is_version(text)
    if text is not None:
        with pytest.raises(ValueError, match="not an API version"):
            version_tuple(text)


def test_the_schema_family_follows_the_parsed_version():
    assert schemas.schema_family("1.8") == schemas.schema_family("1.8.0") == "1.21.1"
    assert schemas.schema_family("1.7") == schemas.schema_family("1.7.1") == "1.7.0"
    assert schemas.schema_family("garbage") == "1.21.1"  # the current guide's; get_api_info FAILs it


def test_the_guides_version_list_accepts_a_two_part_form():
    assert api_version_listed("1.8") == "1.8"
    assert api_version_listed("1.22") == "1.22"
    with pytest.raises(CheckFailed) as info:
        api_version_listed("1.8.0-rc1")
    assert info.value.req == "CMD-GAI-005"


def test_the_brcs_catalogue_uses_the_same_parser():
    assert cat.actions_for("1.8") == cat.actions_for("1.8.0")
    assert cat.actions_for("1.7") == cat.actions_for("1.7.0")


def test_there_is_one_version_parser():
    """Every comparison imports harness.catalogue.versions; no module defines a parser of its own."""
    defined = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and "version" in node.name and "tuple" in node.name:
                defined.append(str(path.relative_to(PACKAGE)))
    assert defined == ["catalogue/versions.py"]
