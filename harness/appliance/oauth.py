"""OAuth2 client credentials (guide: "Authenticate to the Remote Support API").

A token expires after one hour; an account has at most 30 valid tokens, and issuing another invalidates the
oldest; regenerating an account's secret invalidates all of its tokens. Requests with a missing, expired,
invalidated or malformed token get the guide's JSON error.

Where the guide is silent (recorded in the issue note): the token endpoint answers RFC 6749 errors
(401 invalid_client, 400 invalid_request / unsupported_grant_type, 405 for other methods); API resources
answer the guide's access_denied body with HTTP 401; tokens live in memory, so a restart invalidates them.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse

from harness.appliance.accounts import Account
from harness.catalogue import limits

# Module names, read at call time: a test (test_single_defect) patches the lifetime here.
TOKEN_LIFETIME_S = limits.TOKEN_LIFETIME_S
MAX_VALID_TOKENS = limits.MAX_VALID_TOKENS
MAX_TOKEN_BODY = 64 << 10

ACCESS_DENIED = {
    "error": "access_denied",
    "message": "The resource owner or authorization server denied the request.",
}


@dataclass(frozen=True)
class Token:
    value: str
    client_id: str
    expires_at: float


class TokenStore:
    """The valid tokens of every account, oldest first per account."""

    def __init__(self, clock, max_valid: int = MAX_VALID_TOKENS):
        self._clock = clock
        self.max_valid = max_valid  # per account; a parameter so a fault profile can set another cap
        self._lock = threading.Lock()
        self._tokens: dict[str, Token] = {}
        self._by_client: dict[str, OrderedDict[str, Token]] = {}

    def issue(self, client_id: str) -> Token:
        with self._lock:
            now = self._clock.now()
            mine = self._by_client.setdefault(client_id, OrderedDict())
            self._drop_expired(mine, now)
            while len(mine) >= self.max_valid:  # "the oldest token is invalidated"
                old, _ = mine.popitem(last=False)
                del self._tokens[old]
            token = Token(secrets.token_urlsafe(48), client_id, now + TOKEN_LIFETIME_S)
            mine[token.value] = token
            self._tokens[token.value] = token
            return token

    def client_of(self, value: str) -> str | None:
        """The client id a token belongs to, if it is valid now."""
        with self._lock:
            token = self._tokens.get(value)
            if token is None:
                return None
            if token.expires_at <= self._clock.now():
                self._tokens.pop(value, None)
                self._by_client.get(token.client_id, OrderedDict()).pop(value, None)
                return None
            return token.client_id

    def revoke_client(self, client_id: str) -> None:
        with self._lock:
            for value in self._by_client.pop(client_id, OrderedDict()):
                self._tokens.pop(value, None)

    def valid_count(self, client_id: str) -> int:
        with self._lock:
            mine = self._by_client.get(client_id, OrderedDict())
            self._drop_expired(mine, self._clock.now())
            return len(mine)

    def _drop_expired(self, mine: OrderedDict[str, Token], now: float) -> None:
        for value in [v for v, t in mine.items() if t.expires_at <= now]:
            del mine[value]
            self._tokens.pop(value, None)


def _oauth_error(status: int, error: str, description: str, **headers: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache", **headers},
    )


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        client_id, sep, secret = (
            base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
        )
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (client_id, secret) if sep else None


async def token_endpoint(request: Request) -> JSONResponse:
    appliance = request.app.state.appliance
    if request.method != "POST":
        return _oauth_error(405, "invalid_request", "create a token by POSTing", Allow="POST")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_TOKEN_BODY:
            return _oauth_error(413, "invalid_request", "request body too large")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    params = dict(parse_qsl(request.url.query))
    if body and content_type in ("", "application/x-www-form-urlencoded"):
        try:
            params.update(parse_qsl(body.decode("utf-8")))
        except UnicodeDecodeError:
            return _oauth_error(400, "invalid_request", "the body is not UTF-8 form data")
    credentials = _basic_credentials(request)
    if credentials is None:
        return _oauth_error(
            401, "invalid_client", "HTTP Basic client_id:secret is required", **{"WWW-Authenticate": "Basic"}
        )
    account = appliance.account_by_client_id(credentials[0])
    if account is None or not secrets.compare_digest(account.client_secret, credentials[1]):
        return _oauth_error(
            401, "invalid_client", "unknown client or wrong secret", **{"WWW-Authenticate": "Basic"}
        )
    grant_type = params.get("grant_type")
    if grant_type is None:
        return _oauth_error(400, "invalid_request", "grant_type=client_credentials is required")
    if grant_type != "client_credentials":
        return _oauth_error(400, "unsupported_grant_type", "only client_credentials is supported")
    token = appliance.tokens.issue(account.client_id)
    return JSONResponse(
        {"access_token": token.value, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME_S},
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
    )


def bearer_token(request_headers) -> str | None:
    scheme, _, value = request_headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def access_denied() -> JSONResponse:
    """The guide's answer to a missing, expired, invalidated or malformed token."""
    return JSONResponse(ACCESS_DENIED, status_code=401, headers={"WWW-Authenticate": "Bearer"})


def authenticate(request: Request) -> Account | None:
    """The account behind the request's bearer token, if the token is valid now."""
    appliance = request.app.state.appliance
    value = bearer_token(request.headers)
    client_id = appliance.tokens.client_of(value) if value else None
    return appliance.account_by_client_id(client_id) if client_id else None
