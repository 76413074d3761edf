"""/api/command.xsd and /api/reporting.xsd of the embedded appliance, over real HTTP: the reference schemas
in the appliance's namespaces, without a token, and its answers validate against them."""

from __future__ import annotations

import time

import httpx
import pytest
from conftest import bearer
from lxml import etree

from harness import schemas
from harness.appliance.app import Appliance, ApplianceConfig, namespaces_for
from harness.appliance.server import running


@pytest.fixture
def served(tmp_path):
    appliance = Appliance(ApplianceConfig(tmp_path / "data"))
    with running(appliance) as url:
        yield appliance, url


@pytest.mark.parametrize("kind", ["command", "reporting"])
def test_the_schema_is_served_without_a_token_in_the_appliance_namespace(served, kind) -> None:
    appliance, url = served
    r = httpx.get(f"{url}/api/{kind}.xsd")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/xml")
    assert r.content == schemas.xsd_text("1.21.1", kind, appliance.config.namespaces[kind])
    doc = etree.fromstring(r.content)
    assert doc.get("targetNamespace") == appliance.config.namespaces[kind]
    etree.XMLSchema(doc)  # compiles


def test_answers_validate_against_the_served_schemas(served) -> None:
    appliance, url = served
    headers = bearer(url, appliance.account("full"))
    own = {
        kind: etree.XMLSchema(etree.fromstring(httpx.get(f"{url}/api/{kind}.xsd").content))
        for kind in ("command", "reporting")
    }
    info = httpx.get(f"{url}/api/command", params={"action": "get_api_info"}, headers=headers)
    assert own["command"].validate(etree.fromstring(info.content)), own["command"].error_log
    listing = httpx.get(
        f"{url}/api/reporting",
        params={
            "generate_report": "SupportSessionListing",
            "start_time": int(time.time()) - 3600,
            "duration": 0,
        },
        headers=headers,
    )
    assert own["reporting"].validate(etree.fromstring(listing.content)), own["reporting"].error_log


def test_another_namespace_is_the_schema_target_namespace(tmp_path) -> None:
    namespaces = namespaces_for("http://www.bomgar.com/namespaces/API")
    appliance = Appliance(ApplianceConfig(tmp_path / "data", namespaces=namespaces))
    with running(appliance) as url:
        for kind in ("command", "reporting"):
            doc = etree.fromstring(httpx.get(f"{url}/api/{kind}.xsd").content)
            assert doc.get("targetNamespace") == namespaces[kind]


def test_the_schemas_take_only_get(served) -> None:
    _, url = served
    assert httpx.post(f"{url}/api/reporting.xsd").status_code == 405
