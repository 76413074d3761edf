"""OAuth2 client credentials (guide: "Authenticate to the Remote Support API").

A TokenCache keeps one bearer token per API account and asks for a new one shortly before the old one
expires, so a long run never sends an expired token and never asks for more tokens than it needs (each new
token counts against the account's 30 and, past them, invalidates the oldest).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from harness.catalogue.limits import TOKEN_LIFETIME_S
from harness.client.http import TargetError, Transport
from harness.redact import REDACTOR

TOKEN_PATH = "/oauth2/token"
RENEW_MARGIN_S = 120.0


@dataclass(frozen=True)
class Credentials:
    client_id: str
    secret: str

    def __repr__(self) -> str:  # never print a secret, even in a traceback's locals
        return f"Credentials(client_id={self.client_id!r}, secret=«redacted»)"


@dataclass
class TokenAnswer:
    """What the token endpoint said, parsed as far as it goes (`json` is None when the body is not JSON)."""

    status: int
    json: dict | None
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def access_token(self) -> str | None:
        value = (self.json or {}).get("access_token")
        return value if isinstance(value, str) else None


def read_token_answer(response) -> TokenAnswer:
    """Read a token endpoint's answer (any request shape); a token it carries is registered as a secret."""
    try:
        parsed = json.loads(response.content)
    except ValueError:
        parsed = None
    answer = TokenAnswer(
        response.status_code,
        parsed if isinstance(parsed, dict) else None,
        response.headers.get("content-type", ""),
        response.content,
        dict(response.headers),
    )
    REDACTOR.add(answer.access_token)
    return answer


def request_token(
    transport: Transport,
    credentials: Credentials,
    *,
    grant_in: str = "body",
    grant_type: str = "client_credentials",
) -> TokenAnswer:
    """Ask for one token, exactly as told (no retry, no cache); `grant_in` is "body" or "query"."""
    REDACTOR.add_credentials(credentials.client_id, credentials.secret)
    grant = {"grant_type": grant_type}
    response = transport.request(
        "POST",
        TOKEN_PATH,
        data=grant if grant_in == "body" else None,
        params=grant if grant_in == "query" else None,
        auth=(credentials.client_id, credentials.secret),
    )
    return read_token_answer(response)


class TokenCache:
    """One valid token for one account, renewed RENEW_MARGIN_S before it expires."""

    def __init__(self, transport: Transport, credentials: Credentials, renew_margin: float = RENEW_MARGIN_S):
        self.transport = transport
        self.credentials = credentials
        self.renew_margin = renew_margin
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = threading.Lock()

    def token(self) -> str:
        with self._lock:
            if self._token is None or time.monotonic() >= self._renew_at:
                answer = request_token(self.transport, self.credentials)
                if answer.status != 200 or answer.access_token is None:
                    raise TargetError(
                        f"no token for client {self.credentials.client_id}: HTTP {answer.status} "
                        f"{answer.body[:200].decode('utf-8', 'replace')}"
                    )
                lifetime = (answer.json or {}).get("expires_in")
                lifetime = float(lifetime) if isinstance(lifetime, (int, float)) else float(TOKEN_LIFETIME_S)
                self._token = answer.access_token
                self._renew_at = time.monotonic() + max(lifetime - self.renew_margin, lifetime / 2)
            return self._token

    def forget(self) -> None:
        """Drop the cached token (after a test invalidated it, e.g. by exhausting the 30-token cap)."""
        with self._lock:
            self._token = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}
