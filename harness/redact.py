"""Secrets never leave the harness: everything it prints or writes about an exchange passes through here.

Two layers: the known secret values of this run (client secrets, every token issued, the Basic credentials
built from them) are replaced wherever they appear, and the places secrets travel in (Authorization headers,
`access_token` / `client_secret` fields in JSON, form and query strings) are masked whatever their value, so a
secret the harness never learnt (a token from another client, a secret echoed back) is hidden too.
"""

from __future__ import annotations

import base64
import re
import threading

MASK = "«redacted»"
MIN_SECRET = 6  # shorter values would mask ordinary words

_PATTERNS = (
    # Authorization: Bearer x / Basic x, in headers printed as "name: value" or as a dict repr
    # (values stop at a backslash: in serialized JSON it starts the escape of the closing quote)
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?\s*(?:bearer|basic)\s+)[^\s'\",}\\]+"),
    re.compile(r"(?i)\b((?:bearer|basic)\s+)[A-Za-z0-9._~+/=-]{8,}"),
    # JSON: "access_token": "x", "client_secret": "x", "refresh_token", "password", "secret"
    re.compile(
        r"(?i)(\"(?:access_token|refresh_token|client_secret|password|secret|token)\"\s*:\s*\")[^\"]*"
    ),
    # form or query: access_token=x&, client_secret=x
    re.compile(r"(?i)\b((?:access_token|client_secret|refresh_token|password)=)[^&\s'\"\\]+"),
)


class Redactor:
    """Masks this run's secrets in text; thread-safe, as load runs and the real-time client share it."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._pattern: re.Pattern[str] | None = None

    def add(self, *values: str | None) -> None:
        with self._lock:
            for value in values:
                if value and len(value) >= MIN_SECRET and value not in self._secrets:
                    self._secrets.add(value)
                    self._pattern = None

    def add_credentials(self, client_id: str, secret: str) -> None:
        """A client secret, and the Basic authorization value it travels in."""
        basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        self.add(secret, basic)

    @property
    def secrets(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._secrets)

    def text(self, text: str) -> str:
        with self._lock:
            if self._pattern is None and self._secrets:
                # longest first, so a secret containing another is masked whole
                alternatives = sorted(self._secrets, key=len, reverse=True)
                self._pattern = re.compile("|".join(map(re.escape, alternatives)))
            pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        for rule in _PATTERNS:
            text = rule.sub(lambda m: m.group(1) + MASK, text)
        return text

    def data(self, value):
        """Every string in a JSON-like structure, redacted (before it is serialized, so no escape is cut)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value

    def headers(self, headers) -> dict[str, str]:
        return {
            k: (MASK if k.lower() in ("authorization", "cookie", "set-cookie") else self.text(str(v)))
            for k, v in dict(headers).items()
        }


# One redactor for the process: the client registers what it learns, the plugin and the reports apply it.
REDACTOR = Redactor()
