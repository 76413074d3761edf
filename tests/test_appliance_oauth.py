"""The embedded appliance's OAuth2 (guide: "Authenticate to the Remote Support API"), over real HTTP."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import httpx
import pytest

from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.clock import ManualClock
from harness.appliance.oauth import ACCESS_DENIED, MAX_VALID_TOKENS, TOKEN_LIFETIME_S
from harness.appliance.server import running
from harness.validate import validate


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    clock = ManualClock()
    appliance = Appliance(ApplianceConfig(tmp_path_factory.mktemp("appliance")), clock=clock)
    with running(appliance) as url:
        yield appliance, clock, url


def token(url: str, account, *, in_query: bool = False) -> str:
    if in_query:
        r = httpx.post(
            f"{url}/oauth2/token?grant_type=client_credentials",
            auth=(account.client_id, account.client_secret),
        )
    else:
        r = httpx.post(
            f"{url}/oauth2/token",
            data={"grant_type": "client_credentials"},
            auth=(account.client_id, account.client_secret),
        )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == TOKEN_LIFETIME_S
    assert r.headers["cache-control"] == "no-store"
    return body["access_token"]


def api_info(url: str, bearer: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    return httpx.get(f"{url}/api/command", params={"action": "get_api_info"}, headers=headers)


def test_token_in_body_or_query_string_opens_the_api(served) -> None:
    appliance, _, url = served
    full = appliance.account("full")
    for in_query in (False, True):
        r = api_info(url, token(url, full, in_query=in_query))
        assert r.status_code == 200
        assert validate(io.BytesIO(r.content)).status == "valid"


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-token", "Bearer", "Basic dXNlcjpwdw==", "bearer " + "x" * 5000, "Token"],
)
def test_missing_or_malformed_token_gets_the_guides_json_error(served, authorization) -> None:
    _, _, url = served
    headers = {} if authorization is None else {"Authorization": authorization}
    r = httpx.get(f"{url}/api/command", params={"action": "get_api_info"}, headers=headers)
    assert r.status_code == 401
    assert r.json() == ACCESS_DENIED


def test_token_expires_after_one_hour(served) -> None:
    appliance, clock, url = served
    bearer = token(url, appliance.account("read_only"))
    clock.advance(TOKEN_LIFETIME_S - 1)
    assert api_info(url, bearer).status_code == 200
    clock.advance(1)
    r = api_info(url, bearer)
    assert (r.status_code, r.json()) == (401, ACCESS_DENIED)


def test_at_most_30_valid_tokens_the_oldest_invalidated_first(served) -> None:
    appliance, _, url = served
    account = appliance.account("no_command")
    tokens = [token(url, account) for _ in range(MAX_VALID_TOKENS + 2)]
    assert appliance.tokens.valid_count(account.client_id) == MAX_VALID_TOKENS
    denied = [
        api_info(url, t).status_code == 401 and api_info(url, t).json() == ACCESS_DENIED for t in tokens[:2]
    ]
    assert all(denied)
    # The other 30 are valid: no_command reaches the API and is refused by permission, not by OAuth.
    assert {api_info(url, t).status_code for t in tokens[2:]} == {403}


def test_regenerating_the_secret_invalidates_every_token(served) -> None:
    appliance, _, url = served
    account = appliance.account("reporting_only")
    old_secret = account.client_secret
    bearers = [token(url, account) for _ in range(3)]
    appliance.regenerate_secret(account.client_id)
    assert all(api_info(url, b).status_code == 401 for b in bearers)
    r = httpx.post(
        f"{url}/oauth2/token", data={"grant_type": "client_credentials"}, auth=(account.client_id, old_secret)
    )
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    token(url, account)


@pytest.mark.parametrize(
    "auth,data,status,error",
    [
        (None, {"grant_type": "client_credentials"}, 401, "invalid_client"),
        (("nobody", "nothing"), {"grant_type": "client_credentials"}, 401, "invalid_client"),
        ("full", {}, 400, "invalid_request"),
        ("full", {"grant_type": "password"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_request_errors(served, auth, data, status, error) -> None:
    appliance, _, url = served
    if auth == "full":
        full = appliance.account("full")
        auth = (full.client_id, full.client_secret)
    r = httpx.post(f"{url}/oauth2/token", data=data, auth=auth)
    assert r.status_code == status and r.json()["error"] == error


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Basic !!!"},
        {"Authorization": "Basic " + "QQ=="},
        {"Authorization": "Basic " + "w4g="},
    ],
    ids=["not-base64", "no-colon", "not-utf8"],
)
def test_malformed_basic_credentials(served, headers) -> None:
    _, _, url = served
    r = httpx.post(f"{url}/oauth2/token", data={"grant_type": "client_credentials"}, headers=headers)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_token_endpoint_wants_post(served) -> None:
    _, _, url = served
    r = httpx.get(f"{url}/oauth2/token")
    assert r.status_code == 405 and r.json()["error"] == "invalid_request"


def test_accounts_file_is_private_and_reloaded(tmp_path: Path) -> None:
    first = Appliance(ApplianceConfig(tmp_path))
    path = tmp_path / "accounts.json"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = Appliance(ApplianceConfig(tmp_path))
    assert [a.to_json() for a in again.accounts] == [a.to_json() for a in first.accounts]
    assert {a.name for a in first.accounts} >= {"full", "read_only", "no_command", "reporting_only"}


def test_a_token_under_another_scheme_is_not_a_bearer_token(served) -> None:
    appliance, _, url = served
    bearer = token(url, appliance.account("full"))
    for scheme in ("Basic", "Token", "MAC"):
        r = httpx.get(
            f"{url}/api/command",
            params={"action": "get_api_info"},
            headers={"Authorization": f"{scheme} {bearer}"},
        )
        assert (r.status_code, r.json()) == (401, ACCESS_DENIED)
    r = httpx.get(
        f"{url}/api/command", params={"action": "get_api_info"}, headers={"Authorization": f"bearer {bearer}"}
    )
    assert r.status_code == 200, "the scheme name is case-insensitive (RFC 7235)"
