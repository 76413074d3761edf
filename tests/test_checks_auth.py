"""The OAuth2 checks PASS on good answers and FAIL (or WARN) on bad ones."""

from __future__ import annotations

import json

import crafted
import pytest

from harness.checks.auth import ACCESS_DENIED_MESSAGE, access_denied, token_answer, token_refused
from harness.client.oauth import TokenAnswer
from harness.verdicts import CheckFailed

GOOD = {"access_token": "23MS6S2L42WCriESVzGbuwsiQwdbxuAJ3Zj4DxO", "token_type": "Bearer", "expires_in": 3600}


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


def test_token_answer_passes_the_guides_answer(ctx):
    assert token_answer(answer(GOOD)) == GOOD["access_token"]
    assert token_answer(answer(GOOD), "AUTH-005") == GOOD["access_token"]
    assert not ctx.charges


@pytest.mark.parametrize(
    "bad, status, reason, req",
    [
        (GOOD, 401, "HTTP 401", "AUTH-001"),
        (GOOD, 500, "HTTP 500", "AUTH-001"),
        (b"access_token=x&token_type=Bearer", 200, "not a JSON object", "AUTH-001"),
        ([GOOD], 200, "not a JSON object", "AUTH-001"),
        ({**GOOD, "access_token": ""}, 200, "no access_token", "AUTH-002"),
        ({**GOOD, "access_token": 12345}, 200, "no access_token", "AUTH-002"),
        ({k: v for k, v in GOOD.items() if k != "access_token"}, 200, "no access_token", "AUTH-002"),
        ({**GOOD, "access_token": "abc def"}, 200, "whitespace", "AUTH-002"),
        ({**GOOD, "access_token": "abc\ndef"}, 200, "whitespace", "AUTH-002"),
    ],
)
def test_token_answer_fails_a_bad_answer(ctx, bad, status, reason, req):
    """No token answer, or no usable token: the check stops, charged to the request's requirement
    (AUTH-001) or to the access_token's (AUTH-002)."""
    with pytest.raises(CheckFailed, match=reason) as e:
        token_answer(answer(bad, status))
    assert e.value.req == req
    assert not ctx.charges


def test_token_answer_charges_no_answer_to_the_requests_requirement():
    """grant_type in the query string (AUTH-005): a refusal of that request is AUTH-005's defect."""
    with pytest.raises(CheckFailed, match="HTTP 400") as e:
        token_answer(answer({"error": "invalid_request"}, 400), "AUTH-005")
    assert e.value.req == "AUTH-005"


@pytest.mark.parametrize(
    "bad, reason, req",
    [
        ({**GOOD, "token_type": "MAC"}, "token_type is 'MAC'", "AUTH-003"),
        ({k: v for k, v in GOOD.items() if k != "token_type"}, "token_type is None", "AUTH-003"),
        ({**GOOD, "expires_in": 7200}, "expires_in is 7200", "AUTH-004"),
        ({**GOOD, "expires_in": 3600.5}, "expires_in is 3600.5", "AUTH-004"),
        ({**GOOD, "expires_in": True}, "expires_in is True", "AUTH-004"),
        ({**GOOD, "expires_in": "7200"}, "the JSON string '7200'", "AUTH-004"),
        ({k: v for k, v in GOOD.items() if k != "expires_in"}, "expires_in is None", "AUTH-004"),
    ],
)
def test_token_answer_fails_a_bad_member_and_goes_on(ctx, bad, reason, req):
    """A wrong token_type or expires_in FAILs its own requirement (defect()); the token is still returned,
    so the check goes on to judge the others and the token's use."""
    assert token_answer(answer(bad)) == GOOD["access_token"]
    assert ctx.charged() == [req] and ctx.charged("FAIL") == [req]
    assert reason in ctx.failures[0], ctx.failures


def test_an_expires_in_of_two_hours_fails_only_auth_004(ctx):
    """The issue's case: expires_in 7200 charges AUTH-004 alone; AUTH-001, -002, -003 (and -021, judged by
    the token's use) are not charged, AUTH-006 (a SHOULD) neither."""
    assert token_answer(answer({**GOOD, "expires_in": 7200})) == GOOD["access_token"]
    assert ctx.charged() == ["AUTH-004"]
    assert ctx.failures == ["expires_in is 7200; the guide says 3600 (one hour)"]


def test_token_answer_charges_each_member_to_its_requirement(ctx):
    """Several defects: each charged to its own requirement, in the order judged; a missing token last."""
    bad = {"token_type": "mac", "expires_in": 60}
    with pytest.raises(CheckFailed, match="no access_token") as e:
        token_answer(answer(bad, content_type="text/plain"))
    assert e.value.req == "AUTH-002"
    assert ctx.charged() == ["AUTH-003", "AUTH-004", "AUTH-006"]
    assert ctx.charged("WARN") == ["AUTH-006"]


@pytest.mark.parametrize(
    "variant, content_type, warning, req",
    [
        ({**GOOD, "token_type": "bearer"}, "application/json", "case-insensitive", "AUTH-003"),
        ({**GOOD, "access_token": "tok€n-ünicode"}, "application/json", "b64token", "AUTH-002"),
        (GOOD, "text/html", "not application/json", "AUTH-006"),
        (GOOD, "", "'missing'", "AUTH-006"),
    ],
)
def test_token_answer_warns_on_a_known_variant(ctx, variant, content_type, warning, req):
    token_answer(answer(variant, content_type=content_type))
    assert len(ctx.warnings) == 1 and warning in ctx.warnings[0], ctx.warnings
    assert ctx.charged() == [req] and not ctx.failures


@pytest.mark.parametrize("expires", ["3600", " 3600", "3600.0", "one hour"])
def test_expires_in_as_a_string_fails_auth_004(ctx, expires):
    """Issue 15: "3600" as a JSON string was a WARN; RFC 6749 section 5.1 gives expires_in as a number."""
    assert token_answer(answer({**GOOD, "expires_in": expires})) == GOOD["access_token"]
    assert ctx.charged() == ["AUTH-004"] and ctx.charged("FAIL") == ["AUTH-004"]
    assert "RFC 6749 section 5.1" in ctx.failures[0]


def test_token_answer_accepts_json_with_a_charset(ctx):
    token_answer(answer(GOOD, content_type="application/json;charset=UTF-8"))
    assert not ctx.charges


# -- token_refused ------------------------------------------------------------------------------------------

INVALID_CLIENT = ("invalid_client", 401)


def test_token_refused_passes_an_rfc6749_error(ctx):
    refusal = {"error": "invalid_client", "error_description": "unknown client or wrong secret"}
    assert token_refused(answer(refusal, 401), INVALID_CLIENT) == "invalid_client"
    assert not ctx.charges
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
    with pytest.raises(CheckFailed, match=reason) as e:
        token_refused(answer(bad, status), INVALID_CLIENT)
    assert e.value.req == "AUTH-007"


@pytest.mark.parametrize(
    "refusal, status", [({"error": "access_denied"}, 401), ({"error": "invalid_client"}, 400)]
)
def test_token_refused_warns_on_another_rfc6749_code(ctx, refusal, status):
    token_refused(answer(refusal, status), INVALID_CLIENT)
    assert len(ctx.warnings) == 1 and "RFC 6749" in ctx.warnings[0]
    assert ctx.charged() == ["AUTH-008"]


# -- access_denied ------------------------------------------------------------------------------------------

DENIED = {"error": "access_denied", "message": ACCESS_DENIED_MESSAGE}


def test_access_denied_passes_the_guides_answer(ctx):
    access_denied(json_response(DENIED, 401))
    access_denied(json_response(DENIED, 403), statuses=(401, 403))
    access_denied(
        crafted.Response(401, b"", {"content-type": "application/json"}), json.dumps(DENIED).encode()
    )
    assert not ctx.charges


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
    """Charged to the caller's requirement: `req` (AUTH-011, AUTH-012, BAK-007…), by default the check's
    primary one."""
    with pytest.raises(CheckFailed, match=reason) as e:
        access_denied(json_response(body, status))
    assert e.value.req is None
    with pytest.raises(CheckFailed, match=reason) as e:
        access_denied(json_response(body, status), req="BAK-007")
    assert e.value.req == "BAK-007"


@pytest.mark.parametrize(
    "body, status, content_type, warning",
    [
        ({**DENIED, "message": "Access denied."}, 401, "application/json", "not the guide's"),
        (DENIED, 403, "application/json", "HTTP 403"),
        (DENIED, 401, "text/plain", "'text/plain'"),
    ],
)
def test_access_denied_warns_on_a_variant(ctx, body, status, content_type, warning):
    access_denied(json_response(body, status, content_type))
    assert len(ctx.warnings) == 1 and warning in ctx.warnings[0], ctx.warnings
    assert ctx.charged() == ["AUTH-013"]
