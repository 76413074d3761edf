"""HTTP for every call the client makes: one place for the session object, the connection policy, the
bounds on what an appliance may send back, and the record of each exchange kept as evidence.

The session object is a `requests.Session` for conformance runs or Locust's `HttpSession` in load runs (both
take absolute URLs). The guide asks integrations to close the connection after each call, so every request
says `Connection: close` unless the caller opts out. The appliance under test is untrusted: a response body
is read with a size bound and a wall-clock deadline (a server that drips a byte at a time does not hang the
harness), and transport failures become one TargetError with a reason.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import requests

from harness.redact import REDACTOR, Redactor

MAX_BODY = 64 << 20  # a response read whole; streamed downloads have their own bound
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0  # between bytes, and (as a deadline) for a whole body
EVIDENCE_BODY = 4096  # characters of a body kept as evidence


class TargetError(Exception):
    """The target could not be talked to, or sent something the harness will not read (too big, too slow)."""


@dataclass
class Exchange:
    """One request and its response, as evidence. Bodies are excerpts; secrets are masked on output."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    error: str | None = None
    seconds: float = 0.0

    def redacted(self, redactor: Redactor = REDACTOR) -> dict[str, Any]:
        return {
            "request": {
                "method": self.method,
                "url": redactor.text(self.url),
                "headers": redactor.headers(self.request_headers),
                "body": redactor.text(self.request_body),
            },
            "response": {
                "status": self.status,
                "headers": redactor.headers(self.response_headers),
                "body": redactor.text(self.response_body),
            },
            "error": redactor.text(self.error) if self.error else None,
            "seconds": round(self.seconds, 4),
        }


def _excerpt(body: bytes | str | None) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        text = body[: EVIDENCE_BODY * 4].decode("utf-8", "replace")
    else:
        text = str(body)
    return text if len(text) <= EVIDENCE_BODY else text[:EVIDENCE_BODY] + f"… ({len(text)} characters)"


class Recorder:
    """The exchanges of the current check (the plugin clears it between tests); bounded."""

    def __init__(self, keep: int = 20) -> None:
        self.exchanges: deque[Exchange] = deque(maxlen=keep)

    def add(self, exchange: Exchange) -> None:
        self.exchanges.append(exchange)

    def clear(self) -> None:
        self.exchanges.clear()


RECORDER = Recorder()


class Transport:
    """Requests to one target. `session` may be any requests-compatible session (Locust's client too)."""

    def __init__(
        self,
        base_url: str,
        session: requests.Session | None = None,
        *,
        verify: bool | str = True,
        close_connections: bool = True,
        max_body: int = MAX_BODY,
        read_timeout: float = READ_TIMEOUT,
        recorder: Recorder | None = RECORDER,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else requests.Session()
        self.verify = verify
        self.close_connections = close_connections
        self.max_body = max_body
        self.read_timeout = read_timeout
        self.recorder = recorder

    def url(self, path: str) -> str:
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        data: Any = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        stream: bool = False,
        **extra: Any,
    ) -> requests.Response:
        """Send one request. Unless `stream`, the body is read whole (bounded) before returning; with
        `stream`, the caller reads it through `read_bounded` or `iter_bounded`."""
        headers = dict(headers or {})
        if self.close_connections:
            headers.setdefault("Connection", "close")
        url = self.url(path)
        started = time.monotonic()
        exchange = Exchange(method, url, {}, _excerpt(data if isinstance(data, (bytes, str)) else None))
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                auth=auth,
                verify=self.verify,
                timeout=(CONNECT_TIMEOUT, self.read_timeout),
                stream=True,
                allow_redirects=False,
                **extra,
            )
        except requests.RequestException as exc:
            exchange.error = f"{type(exc).__name__}: {exc}"
            exchange.seconds = time.monotonic() - started
            self._record(exchange)
            raise TargetError(f"{method} {path}: {_reason(exc)}") from None
        request = response.request
        exchange.url = request.url or url
        exchange.request_headers = dict(request.headers)
        exchange.request_body = _excerpt(request.body)
        exchange.status = response.status_code
        exchange.response_headers = dict(response.headers)
        try:
            if not stream:
                response._content = self.read_bounded(response, self.max_body)
                exchange.response_body = _excerpt(response._content)
            else:
                exchange.response_body = "(streamed)"
        finally:
            exchange.seconds = time.monotonic() - started
            self._record(exchange)
        return response

    def iter_bounded(self, response: requests.Response, limit: int, chunk: int = 1 << 16):
        """The body in chunks, decoded (gzip transfer encodings), within `limit` bytes and the deadline."""
        deadline = time.monotonic() + max(self.read_timeout, 1.0) * 4
        total = 0
        raw = response.raw
        # read1 returns what has arrived (at most `chunk`), so the deadline is checked as a slow server drips;
        # stream() would block until a whole chunk came.
        pieces = iter(lambda: raw.read1(chunk, decode_content=True), b"") if hasattr(raw, "read1") else None
        try:
            for piece in pieces or raw.stream(chunk, decode_content=True):
                total += len(piece)
                if total > limit:
                    raise TargetError(f"response body larger than {limit} bytes; not read further")
                if time.monotonic() > deadline:
                    raise TargetError("response body not complete within the time limit")
                yield piece
        except (requests.RequestException, OSError, ValueError) as exc:
            raise TargetError(f"reading the response: {_reason(exc)}") from None
        except Exception as exc:  # urllib3's own errors (protocol, decode) are not RequestExceptions
            if isinstance(exc, TargetError):
                raise
            raise TargetError(f"reading the response: {type(exc).__name__}: {exc}") from None
        finally:
            response.close()

    def read_bounded(self, response: requests.Response, limit: int) -> bytes:
        return b"".join(self.iter_bounded(response, limit))

    def _record(self, exchange: Exchange) -> None:
        if self.recorder is not None:
            self.recorder.add(exchange)


def _reason(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, requests.exceptions.SSLError):
        return f"TLS verification failed ({text[:200]}); give a CA bundle or --insecure"
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return "connect timed out"
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return "no response within the read timeout"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"connection failed ({text[:200]})"
    return f"{type(exc).__name__}: {text[:200]}"
