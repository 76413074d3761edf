"""Crafted appliance answers for the unit tests of the checks: a check must PASS on a good one and FAIL on
a bad one, without a server."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from harness.verdicts import CheckFailed

COMMAND_NS = "https://www.beyondtrust.com/namespaces/API/command"
REPORTING_NS = "https://www.beyondtrust.com/namespaces/API/reporting"
NS = {"command": COMMAND_NS, "reporting": REPORTING_NS}


@dataclass
class Response:
    """What the checks read of a requests.Response: status_code, headers, content, text, json()."""

    status_code: int = 200
    content: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "text/xml; charset=UTF-8"})

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self):
        import json

        return json.loads(self.content)


def xml(body: str, status: int = 200, namespace: str | None = COMMAND_NS) -> Response:
    """An XML answer; `body` is the root element without its namespace, which is added here."""
    if namespace is not None:
        head, sep, rest = body.partition(">")
        closing = head.endswith("/")
        head = head.rstrip("/")
        body = f'{head} xmlns="{namespace}"' + ("/" if closing else "") + sep + rest
    return Response(status, ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode())


def command(body: str, status: int = 200) -> Response:
    return xml(body, status, COMMAND_NS)


def reporting(body: str, status: int = 200) -> Response:
    return xml(body, status, REPORTING_NS)


def fails(call, *args, match: str, req: str | None, **kwargs) -> CheckFailed:
    """`call` FAILs with a reason matching `match`, charged to `req` (None: the check's primary one)."""
    with pytest.raises(CheckFailed, match=match) as e:
        call(*args, **kwargs)
    assert e.value.req == req, (match, e.value.req)
    return e.value
