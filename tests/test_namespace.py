"""The namespace verdict: documented is ok, a known variant is a WARN, none or unknown is a FAIL."""

from __future__ import annotations

import io

import pytest
from conftest import examples

from harness.namespaces import DOCUMENTED, KNOWN_FAMILY, OTHER_PRODUCTS, PRA, judge, product_of
from harness.validate import validate

GOOD = examples("1.21.1", "command")[0]
DOC_NS = DOCUMENTED[("1.21.1", "command")]


def _with_namespace(namespace: str | None) -> io.BytesIO:
    text = GOOD.read_text(encoding="utf-8")
    assert f'xmlns="{DOC_NS}"' in text
    replacement = "" if namespace is None else f'xmlns="{namespace}"'
    return io.BytesIO(text.replace(f'xmlns="{DOC_NS}"', replacement).encode("utf-8"))


def test_documented_namespace_is_ok() -> None:
    result = validate(_with_namespace(DOC_NS))
    assert (result.status, result.namespace.status, result.warnings) == ("valid", "ok", [])


@pytest.mark.parametrize(
    "variant", [ns for ns, (kinds, _) in KNOWN_FAMILY.items() if ns != DOC_NS and "command" in kinds]
)
def test_known_variant_is_a_warning_not_a_failure(variant: str) -> None:
    result = validate(_with_namespace(variant))
    assert result.status == "valid", [str(e) for e in result.errors]
    assert result.namespace.status == "WARN"
    assert "known variant" in result.warnings[0]


@pytest.mark.parametrize("namespace", [None, "http://example.com/not/the/api"])
def test_missing_or_unknown_namespace_fails(namespace: str | None) -> None:
    result = validate(_with_namespace(namespace))
    assert result.status == "invalid"
    assert result.namespace.status == "FAIL"
    assert result.errors[0].message.startswith("namespace: ")
    assert len(result.errors) == 1, "the structure itself is still checked, and is fine"


@pytest.mark.parametrize("kind", ["command", "reporting"])
def test_the_other_apis_namespace_fails(kind: str) -> None:
    """Issue 15: the two APIs' namespaces swapped were only WARNs (a known variant of the family)."""
    other = DOCUMENTED[("1.21.1", "reporting" if kind == "command" else "command")]
    verdict = judge(other, kind, "1.21.1")
    assert verdict.status == "FAIL" and f"not of {kind} answers" in verdict.reason
    for namespace, (kinds, _) in KNOWN_FAMILY.items():
        if namespace != DOCUMENTED[("1.21.1", kind)]:
            assert judge(namespace, kind, "1.21.1").status == ("WARN" if kind in kinds else "FAIL"), namespace
    result = validate(_with_namespace(DOCUMENTED[("1.21.1", "reporting")]), kind="command")
    assert (result.status, result.namespace.status) == ("invalid", "FAIL")


def test_the_legacy_namespace_serves_both_apis() -> None:
    legacy = DOCUMENTED[("1.7.0", "command")]
    assert judge(legacy, "reporting", "1.7.0").status == judge(legacy, "command", "1.7.0").status == "ok"


def test_structure_is_checked_under_a_wrong_namespace() -> None:
    text = _with_namespace("urn:wrong").getvalue().replace(b"</", b"<bogus/></", 1)
    result = validate(io.BytesIO(text))
    assert result.status == "invalid"
    assert len(result.errors) >= 2


def test_namespace_option_overrides_the_documented_one() -> None:
    variant = "http://www.bomgar.com/namespaces/API/command"
    result = validate(_with_namespace(variant), namespace=variant)
    assert (result.status, result.namespace.status) == ("valid", "ok")
    result = validate(_with_namespace(DOC_NS), namespace=variant)
    assert result.namespace.status == "WARN"


def test_judge_wording() -> None:
    assert judge(DOC_NS, "command", "1.21.1").status == "ok"
    assert judge(DOCUMENTED[("1.7.0", "command")], "command", "1.21.1").status == "WARN"
    assert judge(DOC_NS, "command", "1.7.0").status == "WARN"
    assert judge(None, "reporting", "1.21.1").reason.startswith("no namespace")
    assert judge("urn:x", "reporting", "1.21.1").status == "FAIL"


@pytest.mark.parametrize("namespace", [b"urn:x&quot;&lt;&amp;", b"urn:x&quot;&lt;&amp; y"])
def test_a_namespace_that_is_no_uri_is_refused_not_a_crash(namespace: bytes) -> None:
    # libxml2 refuses the first as a document's xmlns, and accepts the second there but not in a schema.
    result = validate(io.BytesIO(b'<error xmlns="' + namespace + b'">Invalid action</error>'))
    if result.status == "unusable":
        assert "is not a valid URI" in result.reason
    else:
        assert result.status == "invalid"
        assert [e.message.split(":")[0] for e in result.errors] == ["namespace", "structure not checked"]


PRA_NS = "http://www.beyondtrust.com/sra/namespaces/API/reporting"


def test_the_pra_namespace_is_another_product_not_a_variant_of_the_family() -> None:
    assert OTHER_PRODUCTS == {PRA_NS: PRA} and PRA_NS not in KNOWN_FAMILY
    assert product_of(PRA_NS) == "Privileged Remote Access"
    assert product_of(DOC_NS) is None and product_of(None) is None
    verdict = judge(PRA_NS, "reporting", "1.21.1")  # a caller judging the name alone (a suite's check)
    assert verdict.status == "WARN" and "Privileged Remote Access, another product" in verdict.reason
    result = validate(_with_namespace(PRA_NS))  # validate names the product instead of judging the answer
    assert (result.status, result.product, result.namespace) == ("other-product", PRA, None)
