"""Shared helpers for the harness's own tests."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from harness import schemas
from harness.verdicts import checking

TESTS = Path(__file__).resolve().parent
CORPUS = TESTS / "corpus"
EXPECT = re.compile(r"<!--\s*expect-error:\s*(.*?)\s*-->", re.DOTALL)


def examples(api_version: str, kind: str) -> list[Path]:
    """The bundled valid example responses (they ship with the schemas)."""
    return sorted((schemas.schema_dir() / "examples" / api_version / kind).glob("*.xml"))


def invalid_corpus(api_version: str, kind: str) -> list[Path]:
    return sorted((CORPUS / api_version / kind).glob("*.xml"))


def expected_errors(path: Path) -> list[str]:
    return EXPECT.findall(path.read_text(encoding="utf-8"))


def valid_xml(response, root: str) -> bytes:
    """An appliance answer that is XML, valid against the reference schema, with this root in the
    configured (documented) namespace; its body."""
    from harness.validate import validate

    assert response.headers["content-type"].startswith("text/xml"), response.headers["content-type"]
    result = validate(io.BytesIO(response.content))
    assert result.status == "valid", [str(e) for e in result.errors] or result.reason
    assert result.root == root and result.namespace.status == "ok", (result.root, result.namespace)
    return response.content


def bearer(url: str, account) -> dict[str, str]:
    """Authorization headers with a new token for this API account, asked over HTTP as integrations do."""
    import httpx

    r = httpx.post(
        f"{url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(account.client_id, account.client_secret),
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def bearers(appliance, url: str) -> dict[str, dict[str, str]]:
    """bearer() for every API account of the appliance, by account name."""
    return {account.name: bearer(url, account) for account in appliance.accounts}


@pytest.fixture(autouse=True)
def ctx(request):
    """The unit tests of the checks (test_checks_*) each run in a check context of their own: what warn()
    and defect() recorded, for the test to assert; other tests run outside one, as a caller would."""
    if not request.module.__name__.rpartition(".")[2].startswith("test_checks_"):
        yield None
        return
    with checking() as context:
        yield context
