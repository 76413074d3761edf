"""Legacy accounts: a username and a password (Bomgar 12.1 guide, API 1.7.0, "Required Parameters for Command
API": "username=[string] The username to use when issuing commands ... password=[string] The password
associated with this username"). Every `.ns` call carries them as parameters, in the query (GET) or the form
body (POST); there is no token. A wrong or missing pair is answered `<error>Login failed</error>` (DESIGN.md,
"Facts from the field": legacy clients match that text).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from harness.redact import REDACTOR

LOGIN_FAILED = "Login failed"


def register_password(password: str) -> None:
    """The password, and the forms it travels in (percent-encoded in a query or a form body), are secrets."""
    REDACTOR.add(password, quote(password, safe=""), quote_plus(password))


@dataclass(frozen=True)
class Login:
    username: str
    password: str

    def __post_init__(self) -> None:
        register_password(self.password)  # as soon as it is known, whoever made it

    def __repr__(self) -> str:  # never print a password, even in a traceback's locals
        return f"Login(username={self.username!r}, password=«redacted»)"

    def params(self) -> list[tuple[str, str]]:
        return [("username", self.username), ("password", self.password)]


def login_failed(text: str) -> bool:
    """Is an <error> text the legacy refusal of a username/password (compared as text, as clients do)?"""
    return " ".join(text.split()).rstrip(".").lower() == LOGIN_FAILED.lower()
