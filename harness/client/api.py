"""The appliance's HTTP APIs as calls: command, reporting (whole or streamed), client scripting, session
generation, health and backup. Calls return the raw `requests.Response`: judging it is the checks' job.

A client speaks one API family: the current one (OAuth2 bearer tokens, `/api/command`) or the legacy one of
the Bomgar 12.1 guide (API 1.7.0: `/api/command.ns`, username and password parameters on every call).
"""

from __future__ import annotations

import io
import tempfile
import zlib
from collections.abc import Mapping
from typing import Any

import requests

from harness.catalogue.archive import ARCHIVE_MAX_BYTES
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
DOWNLOAD_MAX = ARCHIVE_MAX_BYTES  # an archive compressed is smaller than its bound; downloads spool to disk
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


class ArchiveTooLarge(TargetError):
    """A gzip file that expands past what the caller keeps: `size` is its decompressed size, counted up to
    the `bound` asked for; `over_bound` says it went past that too."""

    def __init__(self, message: str, size: int, over_bound: bool) -> None:
        super().__init__(message)
        self.size = size
        self.over_bound = over_bound


GZIP_CHUNK = 1 << 20  # output per call
GZIP_INPUT = 1 << 16  # input per call: small, as an unread tail is copied on every call


def gunzip_bounded(data: bytes, limit: int = 256 << 20, bound: int | None = None) -> bytes:
    """Decompress a gzip file (one member or several) without letting a hostile one expand without bound.

    Keeps at most `limit` bytes. Past that, ArchiveTooLarge; with `bound`, the rest is first counted (and
    thrown away) up to `bound` + 1, so the caller learns whether the file exceeds it; the time is bounded
    too (4 GB counted in 3 s for archive-like text, 13 s for zeros, which zlib inflates slowest). Anything that is not intact gzip (a bad header, corrupt
    deflate data, a wrong CRC or length trailer, a truncated end, trailing garbage) is a TargetError in
    the harness's words, never the library's exception."""
    out = io.BytesIO()
    size = 0
    view = memoryview(data)
    pos = 0
    while True:  # one gzip member per round
        inflater = zlib.decompressobj(wbits=31)  # 16 + MAX_WBITS: a gzip header and trailer are required
        while not inflater.eof:
            chunk = inflater.unconsumed_tail  # input the last call left for want of output room
            if not chunk:
                chunk = view[pos : pos + GZIP_INPUT]
                if not chunk:
                    raise TargetError(f"the gzip file is truncated (it ends after {len(data)} bytes, midway)")
                pos += len(chunk)
            try:
                piece = inflater.decompress(chunk, GZIP_CHUNK)
            except zlib.error as exc:
                raise TargetError(f"not an intact gzip file at byte {pos} ({_zlib_reason(exc)})") from None
            size += len(piece)
            if size <= limit:
                out.write(piece)
            elif bound is None or size > bound:
                raise _too_large(size, limit, bound)
        rest = inflater.unused_data + bytes(view[pos:])
        if not rest.strip(b"\0"):  # the end, or zero padding after it (as gzip itself tolerates)
            break
        if rest[:2] != b"\x1f\x8b":
            raise TargetError(f"{len(rest)} bytes after the end of the gzip data are not another gzip member")
        view, pos = memoryview(rest), 0
    if size > limit:
        raise _too_large(size, limit, bound)
    return out.getvalue()


def _too_large(size: int, limit: int, bound: int | None) -> ArchiveTooLarge:
    if bound is not None and size > bound:
        return ArchiveTooLarge(f"the gzip file expands beyond {bound} bytes (counted to there)", size, True)
    if bound is None:
        return ArchiveTooLarge(f"the gzip file expands beyond {limit} bytes; not read further", size, False)
    return ArchiveTooLarge(f"the gzip file expands to {size} bytes, beyond the {limit} read", size, False)


def _zlib_reason(exc: zlib.error) -> str:
    """zlib's message without its error-code prefix ("Error -3 while decompressing data: ...")."""
    text = str(exc)
    return text.split(": ", 1)[1] if ": " in text else text
