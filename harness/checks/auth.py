"""Semantic checks of OAuth2 client credentials (guide: "Authenticate to the Remote Support API").

The guide documents the token answer (access_token, token_type "Bearer", expires_in 3600) and the JSON
access_denied error of the APIs; it is silent on the token endpoint's own errors, which are judged by
RFC 6749 section 5.2 (inferred): a 4xx, a JSON `error` member, and never a token.
"""

from __future__ import annotations

import json
import re

from harness.catalogue.limits import TOKEN_LIFETIME_S  # "This token expires after one hour"
from harness.client.oauth import TokenAnswer
from harness.validate import one_line
from harness.verdicts import CheckFailed, defect, warn

ACCESS_DENIED = "access_denied"
ACCESS_DENIED_MESSAGE = "The resource owner or authorization server denied the request."
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")  # RFC 6750 section 2.1: what a Bearer header carries
UNSAFE_IN_HEADER = re.compile(r"[\s\x00-\x1f\x7f]")
SHOULD_DENY = "AUTH-013"  # the access_denied answer's status, message text and Content-Type


def _excerpt(body: bytes) -> str:
    return one_line(body[:300].decode("utf-8", "replace"), 200) or "(empty body)"


def _json_object(body: bytes) -> dict | None:
    try:
        parsed = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return parsed if isinstance(parsed, dict) else None


def token_answer(answer: TokenAnswer, req: str = "AUTH-001") -> str:
    """A successful token answer: HTTP 200, a JSON object with a usable access_token, token_type Bearer
    and expires_in 3600. Returns the token.

    `req` is the requirement of the request itself (AUTH-001: grant_type in the body; AUTH-005: in the
    query string): no token answer at all (not HTTP 200, not a JSON object) is charged to it, and stops the
    check. Each member's defect is charged to its own requirement and lets the check go on: token_type to
    AUTH-003, expires_in to AUTH-004 (both recorded with defect()), then access_token to AUTH-002 (raised:
    without a usable token nothing follows).

    WARN: token_type in another case ("bearer": RFC 6749 makes it case-insensitive; AUTH-003), a token with
    characters outside RFC 6750's b64token (AUTH-002), a Content-Type other than JSON (AUTH-006). expires_in
    as a string, even "3600", is AUTH-004's defect: RFC 6749 section 5.1 makes it a JSON number.
    """
    if answer.status != 200:
        raise CheckFailed(f"token request answered HTTP {answer.status}: {_excerpt(answer.body)}", req)
    body = answer.json
    if body is None:
        raise CheckFailed(f"token answer is not a JSON object: {_excerpt(answer.body)}", req)
    token_type = body.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        defect(f"token_type is {token_type!r}, the guide says 'Bearer'", req="AUTH-003")
    elif token_type != "Bearer":
        warn(
            f"token_type is {token_type!r}; the guide says 'Bearer' (RFC 6749 makes it case-insensitive)",
            req="AUTH-003",
        )
    expires = body.get("expires_in")
    if isinstance(expires, str):  # a client reading a number gets none (RFC 6749 section 5.1: a JSON number)
        defect(
            f"expires_in is the JSON string {expires!r}; RFC 6749 section 5.1 gives it as a number and the"
            f" guide shows {TOKEN_LIFETIME_S}",
            req="AUTH-004",
        )
    elif isinstance(expires, bool) or not isinstance(expires, int) or expires != TOKEN_LIFETIME_S:
        defect(f"expires_in is {expires!r}; the guide says {TOKEN_LIFETIME_S} (one hour)", req="AUTH-004")
    ctype = answer.content_type.split(";")[0].strip().lower()
    if ctype != "application/json":
        warn(
            f"token answer's Content-Type is {answer.content_type or 'missing'!r}, not application/json",
            req="AUTH-006",
        )
    token = body.get("access_token")
    if not isinstance(token, str) or not token:
        raise CheckFailed(f"token answer has no access_token string (members: {sorted(body)})", "AUTH-002")
    if UNSAFE_IN_HEADER.search(token):
        raise CheckFailed(
            "access_token contains whitespace or control characters: unusable in a Bearer header", "AUTH-002"
        )
    if not B64TOKEN.fullmatch(token):
        warn(
            "access_token has characters outside RFC 6750's b64token; some HTTP clients may refuse it",
            req="AUTH-002",
        )
    return token


def token_refused(answer: TokenAnswer, expected: tuple[str, int] | None = None) -> str:
    """A refused token request: HTTP 4xx, a JSON object with a string `error`, and no access_token
    (AUTH-007). Returns the error code.

    `expected` is (error code, HTTP status) that RFC 6749 section 5.2 gives for the case; another one
    is a WARN (AUTH-008).
    """
    body = _json_object(answer.body)
    if body is not None and "access_token" in body:
        raise CheckFailed(
            f"HTTP {answer.status}: a token was issued for a request that must be refused", "AUTH-007"
        )
    if not 400 <= answer.status < 500:
        kind = "a server error" if answer.status >= 500 else "not a client error"
        raise CheckFailed(
            f"HTTP {answer.status} ({kind}) where a 4xx refusal was expected: {_excerpt(answer.body)}",
            "AUTH-007",
        )
    if body is None:
        raise CheckFailed(
            f"HTTP {answer.status}: the refusal is not a JSON object: {_excerpt(answer.body)}", "AUTH-007"
        )
    error = body.get("error")
    if not isinstance(error, str) or not error:
        raise CheckFailed(
            f"HTTP {answer.status}: the JSON refusal has no `error` string (members: {sorted(body)})",
            "AUTH-007",
        )
    if expected is not None:
        code, status = expected
        if error != code or answer.status != status:
            warn(
                f"refusal is HTTP {answer.status} error {error!r}; RFC 6749 section 5.2 gives "
                f"HTTP {status} {code!r}",
                req="AUTH-008",
            )
    return error


def access_denied(
    response, body: bytes | None = None, statuses: tuple[int, ...] = (401,), req: str | None = None
) -> None:
    """The guide's answer to an API request with an absent, expired or invalid token:
    {"error": "access_denied", "message": "The resource owner or authorization server denied the request."}
    with a 4xx status. `body` overrides response.content (a streamed answer read by the caller).

    FAIL (charged to `req`, the caller's requirement: AUTH-011 no token, AUTH-012 a bad one, BAK-007,
    AUTH-015; None is the check's primary one): the request served, a status other than 4xx, not the
    access_denied JSON, no message.
    WARN (AUTH-013): a status outside `statuses` (RFC 6750 gives 401 for an invalid token), another
    message, a Content-Type other than JSON.
    """
    content = response.content if body is None else body
    status = response.status_code
    if 200 <= status < 300:
        raise CheckFailed(
            f"HTTP {status}: the request was served; the guide's access_denied was expected", req
        )
    if not 400 <= status < 500:
        raise CheckFailed(f"HTTP {status} where the guide's access_denied refusal (a 4xx) was expected", req)
    parsed = _json_object(content)
    if parsed is None:
        raise CheckFailed(f"HTTP {status}: not the guide's access_denied JSON: {_excerpt(content)}", req)
    if parsed.get("error") != ACCESS_DENIED:
        raise CheckFailed(
            f"HTTP {status}: error is {parsed.get('error')!r}, the guide says {ACCESS_DENIED!r}", req
        )
    message = parsed.get("message")
    if not isinstance(message, str) or not message.strip():
        raise CheckFailed(f"HTTP {status}: the access_denied answer has no `message`", req)
    if message != ACCESS_DENIED_MESSAGE:
        warn(
            f"access_denied message is {one_line(message, 120)!r}, not the guide's {ACCESS_DENIED_MESSAGE!r}",
            req=SHOULD_DENY,
        )
    if status not in statuses:
        expected = " or ".join(map(str, statuses))
        warn(f"access_denied came with HTTP {status}; expected {expected}", req=SHOULD_DENY)
    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        warn(f"access_denied Content-Type is {ctype or 'missing'!r}, not application/json", req=SHOULD_DENY)
