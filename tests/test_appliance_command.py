"""The embedded appliance's command API: request handling, permissions, and schema-valid answers."""

from __future__ import annotations

from xml.etree import ElementTree

import httpx
import pytest
from conftest import bearers, valid_xml

from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.command import ACTIONS as HANDLERS
from harness.appliance.command import GUIDE_ACTIONS
from harness.appliance.server import running


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    appliance = Appliance(ApplianceConfig(tmp_path_factory.mktemp("appliance")))
    with running(appliance) as url:
        yield appliance, url, bearers(appliance, url)


@pytest.mark.parametrize("path", ["/api/command", "/api/command.ns"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_get_api_info_by_get_or_form_post(served, path, method) -> None:
    _, url, bearers = served
    if method == "GET":
        r = httpx.get(url + path, params={"action": "get_api_info"}, headers=bearers["read_only"])
    else:
        r = httpx.post(url + path, data={"action": "get_api_info"}, headers=bearers["read_only"])
    assert r.status_code == 200
    valid_xml(r, "api_information")
    assert b'<permission name="perm_command">read_only</permission>' in r.content


def test_get_api_info_reports_each_accounts_permissions(served) -> None:
    appliance, url, bearers = served
    for account in appliance.accounts:
        if account.command_access == "deny":
            continue
        r = httpx.get(url + "/api/command", params={"action": "get_api_info"}, headers=bearers[account.name])
        for name, value in account.permissions.items():
            assert f'<permission name="{name}">{value}</permission>'.encode() in r.content


def test_multipart_post_is_refused(served) -> None:
    _, url, bearers = served
    r = httpx.post(url + "/api/command", files={"action": (None, "get_api_info")}, headers=bearers["full"])
    assert r.status_code == 400
    valid_xml(r, "error")
    assert b"Multipart POST requests are not supported" in r.content


@pytest.mark.parametrize(
    "params,status,message",
    [
        ({}, 400, b"Missing required parameter: action"),
        ({"action": ""}, 400, b"Missing required parameter: action"),
        ({"action": "no_such_action"}, 400, b"Invalid action"),
        ({"action": "<script>&"}, 400, b"Invalid action"),
    ],
)
def test_bad_actions(served, params, status, message) -> None:
    """Integrations compare the error's text, so it is the field's wording exactly; an unknown action's
    name is not echoed."""
    _, url, bearers = served
    r = httpx.get(url + "/api/command", params=params, headers=bearers["full"])
    assert r.status_code == status
    assert ElementTree.fromstring(valid_xml(r, "error")).text == message.decode()
    assert b"script" not in r.content and b"no_such" not in r.content


def test_permissions_gate_actions(served) -> None:
    _, url, bearers = served
    for action, needed in GUIDE_ACTIONS.items():
        if action not in HANDLERS:
            continue
        r = httpx.get(url + "/api/command", params={"action": action}, headers=bearers["no_command"])
        assert r.status_code == 403
        valid_xml(r, "error")
        r = httpx.get(url + "/api/command", params={"action": action}, headers=bearers["read_only"])
        assert (r.status_code == 403) == (needed == "full_access")


def test_unimplemented_guide_actions_say_so(served) -> None:
    _, url, bearers = served
    for action in sorted(set(GUIDE_ACTIONS) - set(HANDLERS)):
        r = httpx.get(url + "/api/command", params={"action": action}, headers=bearers["full"])
        assert r.status_code == 501
        valid_xml(r, "error")


@pytest.mark.parametrize(
    "content,headers",
    [
        (b"action=get_api_info&x=\xff\xfe", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"action=get_api_info", {"Content-Type": "application/json"}),
        (b"a" * (2 << 20), {"Content-Type": "application/x-www-form-urlencoded"}),
        (b"%%%&&&===", {"Content-Type": "application/x-www-form-urlencoded"}),
    ],
    ids=["not-utf8", "json-body", "too-large", "garbage-form"],
)
def test_malformed_bodies_get_an_error_never_a_500(served, content, headers) -> None:
    _, url, bearers = served
    r = httpx.post(url + "/api/command", content=content, headers={**bearers["full"], **headers})
    assert 400 <= r.status_code < 500
    valid_xml(r, "error")
