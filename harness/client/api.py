"""The appliance's HTTP APIs as calls: command, reporting (whole or streamed), client scripting, session
generation, health and backup. Calls return the raw `requests.Response`: judging it is the checks' job.

A client speaks one API family: the current one (OAuth2 bearer tokens, `/api/command`) or the legacy one of
the Bomgar 12.1 guide (API 1.7.0: `/api/command.ns`, username and password parameters on every call).
"""

from __future__ import annotations

import gzip
import io
import tempfile
from collections.abc import Mapping
from typing import Any

import requests

from harness.client.http import TargetError, Transport
from harness.client.login import Login
from harness.client.oauth import TokenCache

Params = Mapping[str, Any] | list[tuple[str, Any]] | None

COMMAND_PATH = "/api/command"
REPORTING_PATH = "/api/reporting"
CLIENT_SCRIPT_PATH = "/api/client_script"
START_SESSION_PATH = "/api/start_session"
HEALTH_PATH = "/check_health"
BACKUP_PATH = "/api/backup"
# The 12.1 guide's URLs end in .ns (https://support.example.com/api/command.ns); the 21.3 guide keeps them
# "for backward compatibility". /check_health has no legacy form: 12.1 has no health probe.
LEGACY_SUFFIX = ".ns"
DOWNLOAD_MAX = 4 << 30  # the guide's bound on an archive; streamed downloads spool to disk
SPOOL_IN_MEMORY = 8 << 20


def _items(params: Params) -> list[tuple[str, Any]]:
    if params is None:
        return []
    return list(params.items()) if isinstance(params, Mapping) else list(params)


class ApplianceClient:
    """Calls as one API account (`tokens`, or a legacy `login`), or anonymously where the API needs none.
    `legacy` (default: whether it has a login) picks the 12.1 guide's `.ns` URLs, also for anonymous calls."""

    def __init__(
        self,
        transport: Transport,
        tokens: TokenCache | None = None,
        *,
        login: Login | None = None,
        legacy: bool | None = None,
    ):
        self.transport = transport
        self.tokens = tokens
        self.login = login
        self.legacy = login is not None if legacy is None else legacy

    def _auth(self, token: str | None) -> dict[str, str]:
        if token is not None:
            return {"Authorization": f"Bearer {token}"}
        return self.tokens.headers() if self.tokens is not None else {}

    def api_path(self, path: str) -> str:
        """An API's URL path in this client's family (`/api/command` or `/api/command.ns`)."""
        return path + LEGACY_SUFFIX if self.legacy else path

    def call(
        self,
        path: str,
        params: Params = None,
        *,
        method: str = "GET",
        token: str | None = None,
        anonymous: bool = False,
        stream: bool = False,
        headers: dict[str, str] | None = None,
        login: Login | None = None,
        **extra: Any,
    ) -> requests.Response:
        """One request to `path`: parameters in the query (GET) or as a form body (POST). A legacy account's
        username and password come first, as in the guide's examples (`login` sends another pair instead)."""
        sent = {} if anonymous else self._auth(token)
        sent.update(headers or {})
        items = _items(params)
        login = login or (None if anonymous or token is not None else self.login)
        if login is not None:
            items = [*login.params(), *items]
        if method == "POST":
            return self.transport.request(method, path, data=items, headers=sent, stream=stream, **extra)
        return self.transport.request(method, path, params=items, headers=sent, stream=stream, **extra)

    # -- the APIs ---------------------------------------------------------------------------------------

    def command(self, action: str, params: Params = None, **options: Any) -> requests.Response:
        return self.call(self.api_path(COMMAND_PATH), [("action", action), *_items(params)], **options)

    def api_info(self, **options: Any) -> requests.Response:
        return self.command("get_api_info", **options)

    def report(self, report: str, params: Params = None, **options: Any) -> requests.Response:
        path = self.api_path(REPORTING_PATH)
        return self.call(path, [("generate_report", report), *_items(params)], **options)

    def client_script(self, params: Params, **options: Any) -> requests.Response:
        return self.call(self.api_path(CLIENT_SCRIPT_PATH), params, anonymous=True, **options)

    def start_session(self, params: Params, *, method: str = "POST", **options: Any) -> requests.Response:
        path = self.api_path(START_SESSION_PATH)
        return self.call(path, params, method=method, anonymous=True, **options)

    def check_health(self, **options: Any) -> requests.Response:
        return self.call(HEALTH_PATH, anonymous=True, **options)

    def backup(self, **options: Any) -> requests.Response:
        """The backup download, streamed: read it with `spool` (it may be large)."""
        return self.call(self.api_path(BACKUP_PATH), stream=True, **options)

    # -- streamed downloads -----------------------------------------------------------------------------

    def spool(self, response: requests.Response, limit: int = DOWNLOAD_MAX) -> tempfile.SpooledTemporaryFile:
        """A streamed body into a seekable file (memory up to SPOOL_IN_MEMORY, disk beyond), rewound."""
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 (returned open)
        try:
            for chunk in self.transport.iter_bounded(response, limit):
                spool.write(chunk)
        except TargetError:
            spool.close()
            raise
        spool.seek(0)
        return spool

    def report_stream(self, report: str, params: Params = None, **options: Any):
        """(response, spooled body) for a report that may be large: validate it from the spool."""
        response = self.report(report, params, stream=True, **options)
        return response, self.spool(response)


def gunzip_bounded(data: bytes, limit: int = 256 << 20) -> bytes:
    """Decompress a gzip archive without letting a hostile one expand without bound."""
    out = io.BytesIO()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
            while chunk := f.read(1 << 16):
                out.write(chunk)
                if out.tell() > limit:
                    raise TargetError(f"archive expands beyond {limit} bytes; not read further")
    except (OSError, EOFError) as exc:
        raise TargetError(f"not a gzip archive: {exc}") from None
    return out.getvalue()
