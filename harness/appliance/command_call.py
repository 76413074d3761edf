"""One command API request as its actions receive it (`Call`), and the shape of an action's handler.

A module of its own so that command.py (the endpoint, which lists the handlers in ACTIONS) and the modules
that hold handlers (command_actions.py, legacy_command.py) import it without importing each other.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from starlette.responses import Response

from harness.appliance.accounts import Account
from harness.appliance.xmlresponse import error_response


@dataclass
class Call:
    """One command API request, authenticated and parsed."""

    appliance: object
    account: Account
    params: dict[str, str]

    @property
    def namespace(self) -> str:
        return self.appliance.config.namespaces["command"]

    def error(self, message: str, status_code: int = 200) -> Response:
        return error_response(self.namespace, message, status_code)


Handler = Callable[[Call], Awaitable[Response]]
