"""OAuth2 client credentials (guide: "Authenticate to the Remote Support API" and the "Test Scenario").

Token requests here go through `request_token` (or the transport, for requests it cannot shape): never the
cache, never a retry. Each run issues a handful of tokens for the full account (they count against its 30);
only the token-cap check, profile destructive, issues 31 and so invalidates the account's other tokens.
"""

from __future__ import annotations

import base64
import json
import secrets
import time

import pytest

from harness.catalogue.limits import MAX_VALID_TOKENS
from harness.checks.auth import access_denied, token_answer, token_refused
from harness.checks.reporting import answer_req
from harness.checks.xml import command_ok, reporting_ok
from harness.client.api import BACKUP_PATH, COMMAND_PATH, REPORTING_PATH
from harness.client.http import TargetError
from harness.client.oauth import TOKEN_PATH, Credentials, TokenAnswer, read_token_answer, request_token
from harness.redact import REDACTOR
from harness.verdicts import CheckFailed, check, fail

TOKEN_CAP = MAX_VALID_TOKENS
REFUSAL_MAX = 1 << 20  # a refusal is small; a bigger body is read no further


def raw_token_request(transport, method: str = "POST", **options) -> TokenAnswer:
    """A token request `request_token` cannot shape (no Basic, a garbled one, GET), read the same way."""
    return read_token_answer(transport.request(method, TOKEN_PATH, **options))


def opens_command_api(client, token: str, expect, what: str, req: str | None = None) -> None:
    """The token opens get_api_info (the Test Scenario's request); a refusal is charged to `req` (None: the
    check's primary requirement), a schema or namespace defect of the answer to its XML requirement."""
    response = client.api_info(token=token)
    refusal = _json_error(response.content)
    if refusal is not None:
        fail(f"{what} is refused: HTTP {response.status_code} error {refusal!r}", req)
    try:
        command_ok(response, expect, "api_information")
    except CheckFailed as exc:
        fail(f"{what} does not open the command API: {exc}", exc.req or req)


def _json_error(body: bytes) -> str | None:
    try:
        parsed = json.loads(body)
    except ValueError:
        return None
    return str(parsed.get("error")) if isinstance(parsed, dict) and "error" in parsed else None


def issued(answer: TokenAnswer, what: str, req: str | None = None) -> str:
    """A token was issued (its answer's form is judged by test_token_answer_and_use, not here); if not,
    `req` is charged (None: the check's primary requirement)."""
    check(
        answer.status == 200 and answer.access_token,
        f"{what}: HTTP {answer.status} without an access_token",
        req,
    )
    return answer.access_token


# -- the token answer ---------------------------------------------------------------------------------------


ANSWER_REQS = ("AUTH-002", "AUTH-003", "AUTH-004", "AUTH-006")  # the token answer's members and type
GRANT_IN = {
    # grant_type in: (the request's requirement, the token's use on get_api_info)
    "body": ("AUTH-001", "AUTH-021"),  # the guide, and the Test Scenario's curl
    "query": ("AUTH-005", "AUTH-005"),  # real clients
}


@pytest.mark.parametrize(
    "grant_in",
    [
        pytest.param(grant_in, marks=pytest.mark.req(*dict.fromkeys((request_req, *ANSWER_REQS, use_req))))
        for grant_in, (request_req, use_req) in GRANT_IN.items()
    ],
)
def test_token_answer_and_use(rs_api, rs_expect, grant_in):
    """POST /oauth2/token with Basic client credentials and grant_type in the body (the guide, and the Test
    Scenario's curl) or the query string (real clients): the JSON answer, then the token on get_api_info.
    No token answer is charged to the request's requirement; each member's defect to its own (the check
    goes on); a token that does not open get_api_info to the use's requirement."""
    request_req, use_req = GRANT_IN[grant_in]
    answer = request_token(rs_api.transport, rs_api.tokens.credentials, grant_in=grant_in)
    token = token_answer(answer, request_req)
    opens_command_api(
        rs_api, token, rs_expect, f"a token asked for with grant_type in the {grant_in}", use_req
    )


@pytest.mark.req("AUTH-014")
def test_a_new_token_leaves_the_older_valid(rs_api, rs_expect):
    credentials = rs_api.tokens.credentials
    first = issued(request_token(rs_api.transport, credentials), "the first token request")
    second = issued(request_token(rs_api.transport, credentials), "the second token request")
    check(first != second, "two token requests gave the same access_token; each request issues a new token")
    opens_command_api(rs_api, first, rs_expect, "the older of two tokens")
    opens_command_api(rs_api, second, rs_expect, "the newer of two tokens")


# -- refused token requests ---------------------------------------------------------------------------------


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


REFUSALS = {
    # case: (RFC 6749 section 5.2 error, HTTP status)
    "wrong_secret": ("invalid_client", 401),
    "unknown_client": ("invalid_client", 401),
    "no_basic_authorization": ("invalid_client", 401),
    "garbled_basic_authorization": ("invalid_client", 401),
    "bearer_instead_of_basic": ("invalid_client", 401),
    "wrong_grant_type": ("unsupported_grant_type", 400),
    "no_grant_type": ("invalid_request", 400),
}


@pytest.mark.req("AUTH-007", "AUTH-008")
@pytest.mark.parametrize("case", list(REFUSALS))
def test_token_request_refused(rs_api, case):
    transport, credentials = rs_api.transport, rs_api.tokens.credentials
    grant = {"grant_type": "client_credentials"}
    if case == "wrong_secret":
        answer = request_token(transport, Credentials(credentials.client_id, secrets.token_urlsafe(32)))
    elif case == "unknown_client":
        answer = request_token(transport, Credentials(secrets.token_hex(20), secrets.token_urlsafe(32)))
    elif case == "no_basic_authorization":
        answer = raw_token_request(transport, data=grant)
    elif case == "garbled_basic_authorization":
        answer = raw_token_request(transport, data=grant, headers={"Authorization": "Basic %%not-base64%%"})
    elif case == "bearer_instead_of_basic":
        headers = {"Authorization": f"Bearer {rs_api.tokens.token()}"}
        answer = raw_token_request(transport, data=grant, headers=headers)
    elif case == "wrong_grant_type":
        answer = request_token(transport, credentials, grant_type="password")
    else:
        headers = {"Authorization": _basic(credentials.client_id, credentials.secret)}
        answer = raw_token_request(transport, headers=headers)
    token_refused(answer, REFUSALS[case])


@pytest.mark.req("AUTH-009")
def test_get_does_not_issue_a_token(rs_api):
    credentials = rs_api.tokens.credentials
    REDACTOR.add_credentials(credentials.client_id, credentials.secret)
    answer = raw_token_request(
        rs_api.transport,
        "GET",
        params={"grant_type": "client_credentials"},
        auth=(credentials.client_id, credentials.secret),
    )
    check(
        answer.access_token is None,
        f"GET {TOKEN_PATH} issued a token (HTTP {answer.status}); the guide creates tokens by POSTing",
    )


# -- the token on the APIs ----------------------------------------------------------------------------------


def _report_params() -> list[tuple[str, str]]:
    return [
        ("generate_report", "SupportSessionListing"),
        ("start_time", str(int(time.time()) - 3600)),
        ("duration", "3600"),
    ]


@pytest.mark.req("AUTH-010")
@pytest.mark.parametrize("api, method", [("command", "GET"), ("command", "POST"), ("reporting", "GET")])
def test_bearer_opens_the_apis(rs_api, rs_expect, api, method):
    if api == "command":
        command_ok(rs_api.api_info(method=method), rs_expect, "api_information")
    else:
        response = rs_api.call(REPORTING_PATH, _report_params(), method=method)
        # another root is the report's defect; the token opened the API all the same
        root_req = answer_req("SupportSessionListing", rs_expect)
        reporting_ok(response, rs_expect, "session_summary_list", root_req)


BAD_TOKENS = {
    "absent": "AUTH-011",
    "never_issued": "AUTH-012",
    "one_character_changed": "AUTH-012",
    "empty_bearer": "AUTH-012",
    "client_credentials_as_basic": "AUTH-012",
}
APIS = {"command": (), "reporting": (), "backup": ("BAK-007",)}


def _bad_authorization(kind: str, rs_api) -> dict[str, str]:
    if kind == "absent":
        return {}
    if kind == "never_issued":
        return {"Authorization": f"Bearer {secrets.token_urlsafe(36)}"}
    if kind == "one_character_changed":
        token = rs_api.tokens.token()
        return {"Authorization": f"Bearer {token[:-1]}{'B' if token[-1] == 'A' else 'A'}"}
    if kind == "empty_bearer":
        return {"Authorization": "Bearer "}
    credentials = rs_api.tokens.credentials
    return {"Authorization": _basic(credentials.client_id, credentials.secret)}


@pytest.mark.parametrize(
    "api, kind",
    [
        # primary: AUTH-011 or AUTH-012 (the refusal); AUTH-013 (a SHOULD) is charged only its WARNs
        pytest.param(api, kind, marks=pytest.mark.req(req, *extra, "AUTH-013"), id=f"{api}-{kind}")
        for api, extra in APIS.items()
        for kind, req in BAD_TOKENS.items()
    ],
)
def test_bad_token_refused(rs_api, rs_anon, api, kind):
    """An absent, never-issued, altered or empty token, or client credentials in place of a token: the
    guide's access_denied JSON (sent without the client's own token: `rs_anon` plus this header)."""
    headers = _bad_authorization(kind, rs_api)
    if api == "command":
        response = rs_anon.call(COMMAND_PATH, [("action", "get_api_info")], headers=headers)
        access_denied(response)
        return
    if api == "reporting":
        access_denied(rs_anon.call(REPORTING_PATH, _report_params(), headers=headers))
        return
    response = rs_anon.call(BACKUP_PATH, headers=headers, stream=True)
    try:
        body = rs_anon.transport.read_bounded(response, REFUSAL_MAX)
    except TargetError as exc:
        fail(f"HTTP {response.status_code} with a large body (a backup?) instead of access_denied: {exc}")
    access_denied(response, body)


# -- the 30-token cap (destructive) -------------------------------------------------------------------------


@pytest.fixture
def cap_client(rs_target, rs_client, rs_clients):
    """The account whose tokens the cap check exhausts: read_only if the target has it (the suites lean
    on it least), else full. Afterwards every cached client of that API account forgets its token."""
    role = "read_only" if "read_only" in rs_target.target.accounts else "full"
    client = rs_client(role)
    yield client
    for other in rs_clients.values():
        if (
            other.tokens is not None
            and other.tokens.credentials.client_id == client.tokens.credentials.client_id
        ):
            other.tokens.forget()


@pytest.mark.req("AUTH-015", "AUTH-014")
@pytest.mark.profile("destructive")
def test_31st_token_invalidates_the_oldest(cap_client, rs_expect):
    transport, credentials = cap_client.transport, cap_client.tokens.credentials

    def issue(n: int) -> str:  # every token request issues a new token: AUTH-014
        return issued(request_token(transport, credentials), f"token request {n}", "AUTH-014")

    tokens = [issue(n) for n in range(1, TOKEN_CAP + 1)]
    check(
        len(set(tokens)) == TOKEN_CAP,
        f"{TOKEN_CAP} token requests gave {len(set(tokens))} distinct tokens",
        "AUTH-014",
    )
    opens_command_api(cap_client, tokens[0], rs_expect, f"the first of {TOKEN_CAP} valid tokens")
    tokens.append(issue(TOKEN_CAP + 1))
    check(tokens[-1] not in tokens[:-1], f"token {TOKEN_CAP + 1} repeats an earlier one", "AUTH-014")
    try:
        access_denied(cap_client.api_info(token=tokens[0]))
    except CheckFailed as exc:
        fail(
            f"after the {TOKEN_CAP + 1}st token, the oldest still opens the API or is refused wrongly: {exc}"
        )
    for n, token in enumerate(tokens[1:], 2):
        opens_command_api(cap_client, token, rs_expect, f"token {n} of {TOKEN_CAP + 1}")
