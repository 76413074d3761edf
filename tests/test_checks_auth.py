"""The OAuth2 checks PASS on good answers and FAIL (or WARN) on bad ones."""

from __future__ import annotations

import json

import crafted
import pytest

from harness.checks.auth import ACCESS_DENIED_MESSAGE, access_denied, token_answer, token_refused
from harness.client.oauth import TokenAnswer
from harness.verdicts import WARNINGS, CheckFailed

GOOD = {"access_token": "23MS6S2L42WCriESVzGbuwsiQwdbxuAJ3Zj4DxO", "token_type": "Bearer", "expires_in": 3600}


@pytest.fixture(autouse=True)
def _no_warnings():
    WARNINGS.clear()
    yield
    WARNINGS.clear()


def answer(body, status: int = 200, content_type: str = "application/json") -> TokenAnswer:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    return TokenAnswer(status, parsed if isinstance(parsed, dict) else None, content_type, raw)


def json_response(body, status: int, content_type: str = "application/json") -> crafted.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return crafted.Response(status, raw, {"content-type": content_type})


# -- token_answer -------------------------------------------------------------------------------------------


def test_token_answer_passes_the_guides_answer():
    assert token_answer(answer(GOOD)) == GOOD["access_token"]
    assert not WARNINGS


@pytest.mark.parametrize(
    "bad, status, reason",
    [
        (GOOD, 401, "HTTP 401"),
        (GOOD, 500, "HTTP 500"),
        (b"access_token=x&token_type=Bearer", 200, "not a JSON object"),
        ([GOOD], 200, "not a JSON object"),
        ({**GOOD, "access_token": ""}, 200, "no access_token"),
        ({**GOOD, "access_token": 12345}, 200, "no access_token"),
        ({k: v for k, v in GOOD.items() if k != "access_token"}, 200, "no access_token"),
        ({**GOOD, "access_token": "abc def"}, 200, "whitespace"),
        ({**GOOD, "access_token": "abc\ndef"}, 200, "whitespace"),
        ({**GOOD, "token_type": "MAC"}, 200, "token_type is 'MAC'"),
        ({k: v for k, v in GOOD.items() if k != "token_type"}, 200, "token_type is None"),
        ({**GOOD, "expires_in": 7200}, 200, "expires_in is 7200"),
        ({**GOOD, "expires_in": 3600.5}, 200, "expires_in is 3600.5"),
        ({**GOOD, "expires_in": True}, 200, "expires_in is True"),
        ({**GOOD, "expires_in": "7200"}, 200, "expires_in is '7200'"),
        ({k: v for k, v in GOOD.items() if k != "expires_in"}, 200, "expires_in is None"),
    ],
)
def test_token_answer_fails_a_bad_answer(bad, status, reason):
    with pytest.raises(CheckFailed, match=reason):
        token_answer(answer(bad, status))


@pytest.mark.parametrize(
    "variant, content_type, warning",
    [
        ({**GOOD, "token_type": "bearer"}, "application/json", "case-insensitive"),
        ({**GOOD, "expires_in": "3600"}, "application/json", "the string '3600'"),
        ({**GOOD, "access_token": "tok€n-ünicode"}, "application/json", "b64token"),
        (GOOD, "text/html", "not application/json"),
        (GOOD, "", "'missing'"),
    ],
)
def test_token_answer_warns_on_a_known_variant(variant, content_type, warning):
    token_answer(answer(variant, content_type=content_type))
    assert len(WARNINGS) == 1 and warning in WARNINGS[0], WARNINGS


def test_token_answer_accepts_json_with_a_charset():
    token_answer(answer(GOOD, content_type="application/json;charset=UTF-8"))
    assert not WARNINGS


# -- token_refused ------------------------------------------------------------------------------------------

INVALID_CLIENT = ("invalid_client", 401)


def test_token_refused_passes_an_rfc6749_error():
    refusal = {"error": "invalid_client", "error_description": "unknown client or wrong secret"}
    assert token_refused(answer(refusal, 401), INVALID_CLIENT) == "invalid_client"
    assert not WARNINGS
    assert token_refused(answer({"error": "invalid_request"}, 400)) == "invalid_request"


@pytest.mark.parametrize(
    "bad, status, reason",
    [
        (GOOD, 200, "a token was issued"),
        ({"error": "invalid_client", "access_token": "x"}, 401, "a token was issued"),
        ({"error": "invalid_client"}, 200, "HTTP 200"),
        ({"error": "invalid_client"}, 302, "not a client error"),
        ({"error": "server_error"}, 500, "a server error"),
        (b"<html>Unauthorized</html>", 401, "not a JSON object"),
        (b"", 401, "not a JSON object"),
        ({"message": "denied"}, 401, "no `error` string"),
        ({"error": ""}, 400, "no `error` string"),
        ({"error": 401}, 401, "no `error` string"),
    ],
)
def test_token_refused_fails_a_bad_refusal(bad, status, reason):
    with pytest.raises(CheckFailed, match=reason):
        token_refused(answer(bad, status), INVALID_CLIENT)


@pytest.mark.parametrize(
    "refusal, status", [({"error": "access_denied"}, 401), ({"error": "invalid_client"}, 400)]
)
def test_token_refused_warns_on_another_rfc6749_code(refusal, status):
    token_refused(answer(refusal, status), INVALID_CLIENT)
    assert len(WARNINGS) == 1 and "RFC 6749" in WARNINGS[0]


# -- access_denied ------------------------------------------------------------------------------------------

DENIED = {"error": "access_denied", "message": ACCESS_DENIED_MESSAGE}


def test_access_denied_passes_the_guides_answer():
    access_denied(json_response(DENIED, 401))
    access_denied(json_response(DENIED, 403), statuses=(401, 403))
    access_denied(
        crafted.Response(401, b"", {"content-type": "application/json"}), json.dumps(DENIED).encode()
    )
    assert not WARNINGS


@pytest.mark.parametrize(
    "body, status, reason",
    [
        (DENIED, 200, "HTTP 200: the request was served"),
        (b"<api_information/>", 200, "HTTP 200: the request was served"),
        (DENIED, 302, "HTTP 302"),
        (DENIED, 500, "HTTP 500"),
        (b"<error>access denied</error>", 401, "not the guide's access_denied JSON"),
        ([DENIED], 401, "not the guide's access_denied JSON"),
        ({"error": "invalid_token", "message": ACCESS_DENIED_MESSAGE}, 401, "error is 'invalid_token'"),
        ({"message": ACCESS_DENIED_MESSAGE}, 401, "error is None"),
        ({"error": "access_denied"}, 401, "no `message`"),
        ({"error": "access_denied", "message": "  "}, 401, "no `message`"),
    ],
)
def test_access_denied_fails_a_bad_refusal(body, status, reason):
    with pytest.raises(CheckFailed, match=reason):
        access_denied(json_response(body, status))


@pytest.mark.parametrize(
    "body, status, content_type, warning",
    [
        ({**DENIED, "message": "Access denied."}, 401, "application/json", "not the guide's"),
        (DENIED, 403, "application/json", "HTTP 403"),
        (DENIED, 401, "text/plain", "'text/plain'"),
    ],
)
def test_access_denied_warns_on_a_variant(body, status, content_type, warning):
    access_denied(json_response(body, status, content_type))
    assert len(WARNINGS) == 1 and warning in WARNINGS[0], WARNINGS
