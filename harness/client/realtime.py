"""The real-time state API's client (guide: "Protocol of the Real-Time State API") and the integration's copy
of the model (guide: "System State Model of the Real-Time API").

Connection: a websocket to ws(s)://<host>/nw offering the subprotocol `ingredi state api`, URL-encoded as the
guide says (`ingredi%20state%20api`) or, as some real clients do, raw. Appliances answer either form; the
`websockets` library refuses a raw answer ("expected comma", spaces are not a token), so the handshake's
subprotocol check is replaced by a tolerant one that accepts both forms and records which one came back. An
answer in the other form than offered is accepted too, though RFC 6455 §4.1 has a client fail it: the harness
copes so the rest can be tested, and the check judges the mismatch on its own (RT-PROTO-027).

Messages: the appliance sends JSON messages terminated by a newline in binary websocket messages, and a large
one "may be broken up multiple parts": parts are appended until one ends with the newline. The appliance is
untrusted: a message has a size bound, every receive a deadline, and the connection's handshake a timeout, so
a hostile or silent server never hangs the harness (it becomes a RealtimeError, a FAIL with its reason).

Evidence: each connection is one Exchange in the recorder (handshake headers, the messages each way,
excerpted); the bearer token is masked before anything is stored.
"""

from __future__ import annotations

import contextlib
import json
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self
from urllib.parse import quote, unquote

from websockets.datastructures import Headers
from websockets.exceptions import (
    ConnectionClosed,
    InvalidHandshake,
    InvalidHeader,
    InvalidStatus,
    NegotiationError,
)
from websockets.sync.client import ClientConnection, reconnect
from websockets.sync.utils import Deadline

from harness.catalogue import limits
from harness.client.http import RECORDER, Exchange, Recorder, TargetError
from harness.redact import MASK, REDACTOR

SUBPROTOCOL = "ingredi state api"
ENCODED = quote(SUBPROTOCOL)  # "ingredi%20state%20api", the form the guide says to send
RAW = SUBPROTOCOL
PATH = "/nw"
OPEN_TIMEOUT = 10.0
TIMEOUT = 10.0  # default deadline for one whole message (all its parts)
CLOSE_TIMEOUT = 2.0
MAX_MESSAGE = 64 << 20  # one reassembled message
MAX_PART = 16 << 20  # one websocket message
EVIDENCE_HEAD, EVIDENCE_TAIL, EVIDENCE_ITEM = 8, 16, 400  # messages kept as evidence, characters each
KEEP_RECEIVED = 10_000  # messages a client keeps for the checks (a load run's long watch drops the rest)
MAX_ID = limits.MAX_ID  # guide: "64-bit unsigned integers are used to generate the id value"


class RealtimeError(TargetError):
    """The real-time connection failed or the server sent what the client will not read; the reason says
    which, for a vendor."""


class RealtimeRefused(RealtimeError):
    """The websocket handshake was refused (an HTTP status other than 101, or a bad handshake answer)."""

    def __init__(self, reason: str, status: int | None = None, body: bytes = b""):
        super().__init__(reason)
        self.status = status
        self.body = body


class RealtimeClosed(RealtimeError):
    """The server closed the connection (`code` and `reason` of its close frame, None without one)."""

    def __init__(self, reason: str, code: int | None = None, close_reason: str | None = None):
        super().__init__(reason)
        self.code = code
        self.close_reason = close_reason


def ws_url(base_url: str) -> str:
    """The /nw endpoint of a target given by its http(s) base URL."""
    base = base_url.rstrip("/")
    if base.startswith("https://"):
        return "wss://" + base.removeprefix("https://") + PATH
    if base.startswith("http://"):
        return "ws://" + base.removeprefix("http://") + PATH
    raise ValueError(f"not an http(s) URL: {base_url!r}")


def ssl_context(verify: bool | str) -> ssl.SSLContext:
    """TLS as Target.verify says: True (system CAs), a CA bundle path, or False (explicitly insecure)."""
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=verify if isinstance(verify, str) else None)


def tolerant_subprotocol(headers: Headers) -> str | None:
    """The server's Sec-WebSocket-Protocol answer: our subprotocol in either form (URL-encoded or raw), or
    None if it named none; anything else fails the handshake, as RFC 6455 asks of a client."""
    values = headers.get_all("Sec-WebSocket-Protocol")
    if not values:
        return None
    if len(values) > 1:
        raise InvalidHeader("Sec-WebSocket-Protocol", f"multiple values: {', '.join(values)}")
    value = values[0].strip()
    if unquote(value) != SUBPROTOCOL:
        raise NegotiationError(f"unsupported subprotocol: {value[:100]!r}")
    return value


class TolerantConnection(ClientConnection):
    """A websockets ClientConnection whose handshake accepts the subprotocol echoed raw (with spaces)."""

    def __init__(self, sock, protocol, **kwargs: Any) -> None:
        protocol.process_subprotocol = tolerant_subprotocol  # before the handshake reads the answer
        super().__init__(sock, protocol, **kwargs)


@dataclass
class ServerMessage:
    """One message of the appliance, reassembled from its parts, newline removed."""

    raw: bytes
    parts: int = 1
    text_parts: int = 0  # parts that came in text websocket messages (the guide says binary)
    shared_part: bool = False  # a part also carried (some of) another message
    received: float = field(default_factory=time.monotonic)
    data: Any = None
    error: str | None = None  # why it is not a JSON message, if it is not

    def __post_init__(self) -> None:
        if self.data is None and self.error is None:
            self.data, self.error = decode(self.raw)

    @property
    def type(self) -> str | None:
        kind = self.data.get("type") if isinstance(self.data, dict) else None
        return kind if isinstance(kind, str) else None

    def excerpt(self, limit: int = 300) -> str:
        text = self.raw[: limit * 4].decode("utf-8", "replace")
        return text if len(text) <= limit else text[:limit] + f"… ({len(self.raw)} bytes)"


def decode(raw: bytes) -> tuple[Any, str | None]:
    """(parsed JSON, None) or (None, why not)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, "not UTF-8"
    text = text.rstrip("\r")
    try:
        return json.loads(text), None
    except RecursionError:
        return None, "JSON nested too deeply"
    except ValueError as exc:
        return None, f"not JSON ({exc})"


class Reassembler:
    """Server messages out of websocket messages: parts are appended until a newline ends the message
    (guide: "Check to see if the message terminates with a newline character..."); a websocket message
    holding several newline-terminated messages gives each of them."""

    def __init__(self, max_message: int = MAX_MESSAGE):
        self.max_message = max_message
        self._buf = bytearray()
        self._parts = 0
        self._text_parts = 0
        self._shared = False
        self.ready: deque[ServerMessage] = deque()

    @property
    def pending(self) -> int:
        """Bytes of a message begun but not ended."""
        return len(self._buf)

    def feed(self, data: bytes | str) -> None:
        """One websocket message: it adds a part to the message in progress, ends it at a newline, and may
        begin (or hold) further messages."""
        text = isinstance(data, str)
        pieces = (data.encode("utf-8") if text else bytes(data)).split(b"\n")
        shared = len(pieces) > 2 or (len(pieces) == 2 and pieces[1] != b"")
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            if last and not piece:
                break  # it ended with a newline: nothing of a next message
            self._parts += 1
            self._text_parts += int(text)
            self._shared = self._shared or shared
            self._buf += piece
            if len(self._buf) > self.max_message:
                raise RealtimeError(f"a server message exceeds {self.max_message} bytes without its newline")
            if not last:
                self._end()

    def _end(self) -> None:
        raw = bytes(self._buf)
        parts, text_parts, shared = max(self._parts, 1), self._text_parts, self._shared
        self._buf, self._parts, self._text_parts, self._shared = bytearray(), 0, 0, False
        if raw.strip():  # a blank line is no message
            self.ready.append(ServerMessage(raw, parts, text_parts, shared))


def _clip(text: str, limit: int = EVIDENCE_ITEM) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


class _Transcript:
    """The first and the latest messages of one direction, redacted, bounded."""

    def __init__(self) -> None:
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=EVIDENCE_TAIL)
        self.count = 0

    def add(self, text: str) -> None:
        self.count += 1
        text = REDACTOR.text(_clip(text))
        (self.head.append if len(self.head) < EVIDENCE_HEAD else self.tail.append)(text)

    def render(self) -> str:
        skipped = self.count - len(self.head) - len(self.tail)
        lines = list(self.head) + ([f"… {skipped} more …"] if skipped > 0 else []) + list(self.tail)
        return "\n".join(lines)


class RealtimeClient:
    """One connection to the real-time state API. Synchronous; every receive has a deadline.

        with RealtimeClient(target.url, verify=target.verify) as rt:
            rt.authenticate(token); rt.subscribe("all")
            rt.follow(mirror, seconds=3)

    `subprotocol` is the Sec-WebSocket-Protocol header value offered (ENCODED, RAW, or None for none), kept
    as `.offered`; `.subprotocol` is what the server answered (None if it named none), in whichever form. The
    evidence has both: the offer in the request headers, the answer in the response headers.
    """

    def __init__(
        self,
        base_url: str,
        *,
        verify: bool | str = True,
        subprotocol: str | None = ENCODED,
        timeout: float = TIMEOUT,
        open_timeout: float = OPEN_TIMEOUT,
        max_message: int = MAX_MESSAGE,
        recorder: Recorder | None = RECORDER,
    ) -> None:
        self.url = ws_url(base_url)
        self.verify = verify
        self.offered = subprotocol
        self.timeout = timeout
        self.open_timeout = open_timeout
        self.recorder = recorder
        self.ws: ClientConnection | None = None
        self.subprotocol: str | None = None
        self.status: int | None = None
        self.response_headers: dict[str, str] = {}
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.closed = False
        self.received: list[ServerMessage] = []  # the messages, in order, up to KEEP_RECEIVED
        self.dropped = 0  # messages received beyond that
        self._assembler = Reassembler(max_message)
        self._sent = _Transcript()
        self._got = _Transcript()
        self._lock = threading.Lock()
        # the offer from the start: a handshake that fails still shows what was offered
        offer = {"Sec-WebSocket-Protocol": subprotocol} if subprotocol is not None else {}
        self.exchange = Exchange("GET", self.url, offer, "")
        self._opened = time.monotonic()

    # -- connection

    def connect(self) -> RealtimeClient:
        headers = {"Sec-WebSocket-Protocol": self.offered} if self.offered is not None else None
        try:
            tls = ssl_context(self.verify) if self.url.startswith("wss://") else None
        except (OSError, ssl.SSLError) as exc:
            raise RealtimeError(f"the CA bundle {self.verify!r} cannot be used ({str(exc)[:200]})") from None
        connecter = reconnect(
            self.url,
            ssl=tls,
            additional_headers=headers,
            compression=None,
            open_timeout=self.open_timeout,
            ping_interval=None,  # short-lived connections; a server that ignores pings is not our subject
            close_timeout=CLOSE_TIMEOUT,
            max_size=(MAX_PART, None),
            max_queue=64,
            create_connection=TolerantConnection,
        )
        self._opened = time.monotonic()
        self._record()
        try:
            # open_connection, not connect(): a redirect is the appliance's answer, not something to follow
            self.ws = connecter.open_connection(Deadline(self.open_timeout))
        except InvalidStatus as exc:
            response = exc.response
            self.status = response.status_code
            self.response_headers = dict(response.headers.raw_items())
            body = bytes(response.body or b"")[:2000]
            self.exchange.response_body = REDACTOR.text(body.decode("utf-8", "replace"))
            self._finish_evidence(f"handshake refused: HTTP {self.status}")
            shown = " ".join(body.decode("utf-8", "replace").split())[:200]
            raise RealtimeRefused(
                f"websocket handshake refused: HTTP {self.status} {shown}", self.status, body
            )
        except InvalidHandshake as exc:
            self._finish_evidence(f"handshake failed: {exc}")
            raise RealtimeRefused(f"websocket handshake failed: {str(exc)[:300]}") from None
        except TimeoutError:
            self._finish_evidence("handshake timed out")
            raise RealtimeError(f"no websocket handshake answer within {self.open_timeout:.0f} s") from None
        except ssl.SSLError as exc:
            self._finish_evidence(f"TLS: {exc}")
            raise RealtimeError(f"TLS failed ({str(exc)[:200]}); give a CA bundle or --insecure") from None
        except OSError as exc:
            self._finish_evidence(f"{type(exc).__name__}: {exc}")
            raise RealtimeError(f"connection to {self.url} failed ({str(exc)[:200]})") from None
        self.ws.pending_legacy_warning = False  # used directly, closed by close(): no context manager needed
        self.subprotocol = self.ws.subprotocol
        self.status = self.ws.response.status_code if self.ws.response is not None else 101
        self.response_headers = dict(self.ws.response.headers.raw_items()) if self.ws.response else {}
        self.exchange.request_headers = dict(self.ws.request.headers.raw_items()) if self.ws.request else {}
        self._record()
        return self

    def __enter__(self) -> Self:
        return self.connect() if self.ws is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self.ws is not None and not self.closed:
            with contextlib.suppress(Exception):  # a broken connection is closed all the same
                self.ws.close()
            self._note_close()
        self.closed = True
        self._record()

    # -- sending

    def send(self, *messages: Mapping[str, Any] | str) -> None:
        """Messages back to back in one text websocket message, each newline-terminated (a dict is encoded
        as JSON; a str is sent as given, for malformed-input checks)."""
        if self.ws is None:
            raise RealtimeError("not connected")
        texts = [m if isinstance(m, str) else json.dumps(m) + "\n" for m in messages]
        for text in texts:
            self._sent.add(_mask_token(text))
        try:
            self.ws.send("".join(texts))
        except ConnectionClosed as exc:
            self._closed_by(exc)
            raise RealtimeClosed(
                self._closed_text("while sending"), self.close_code, self.close_reason
            ) from None
        finally:
            self._record()

    def authenticate(self, token: str) -> ServerMessage:
        """The authenticate message with a bearer token; the server's answer."""
        REDACTOR.add(token)
        self.send(authenticate_message(token))
        return self.receive()

    def subscribe(self, tables: str | Iterable[str] = "all") -> ServerMessage:
        self.send(subscribe_message(tables))
        return self.receive()

    # -- receiving

    def receive(self, timeout: float | None = None) -> ServerMessage:
        """The next whole message; RealtimeError if none within `timeout` (default: the client's)."""
        message = self.poll(self.timeout if timeout is None else timeout)
        if message is None:
            raise RealtimeError(
                f"no message from the server within {self.timeout if timeout is None else timeout:.1f} s"
            )
        return message

    def poll(self, timeout: float) -> ServerMessage | None:
        """The next whole message within `timeout` seconds, or None. RealtimeClosed once the server has closed
        (a message cut short by the close is an error too)."""
        if self.ws is None:
            raise RealtimeError("not connected")
        deadline = time.monotonic() + max(timeout, 0.0)
        while not self._assembler.ready:
            if self.closed:
                raise RealtimeClosed(self._closed_text(), self.close_code, self.close_reason)
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                data = self.ws.recv(timeout=left)
            except TimeoutError:
                return None
            except ConnectionClosed as exc:
                self._closed_by(exc)
                cut = self._assembler.pending
                self._record()
                if cut:
                    raise RealtimeClosed(
                        self._closed_text(f"after {cut} bytes of a message without its newline"),
                        self.close_code,
                        self.close_reason,
                    ) from None
                raise RealtimeClosed(self._closed_text(), self.close_code, self.close_reason) from None
            except RuntimeError as exc:  # concurrent recv: a harness bug, said plainly
                raise RealtimeError(f"receive failed: {exc}") from None
            self._assembler.feed(data)
        message = self._assembler.ready.popleft()
        if len(self.received) < KEEP_RECEIVED:
            self.received.append(message)
        else:
            self.dropped += 1
        self._got.add(message.raw[: EVIDENCE_ITEM * 4].decode("utf-8", "replace"))
        self._record()
        return message

    def drain(self, quiet: float = 0.3, limit: float = 2.0) -> list[ServerMessage]:
        """Messages already on their way: read until `quiet` seconds pass without one (at most `limit`)."""
        out: list[ServerMessage] = []
        end = time.monotonic() + limit
        while (left := end - time.monotonic()) > 0:
            message = self.poll(min(quiet, left))
            if message is None:
                break
            out.append(message)
        return out

    def follow(
        self,
        mirror: Mirror,
        *,
        seconds: float,
        until: Callable[[Mirror], bool] | None = None,
        tick: Callable[[Mirror], None] | None = None,
        quiet: float | None = None,
        step: float = 0.2,
    ) -> bool:
        """Apply messages to `mirror` for at most `seconds`; stop early when `until(mirror)` holds (then True)
        or after `quiet` seconds without a message. `tick(mirror)` runs every `step` / 2 to `step` seconds.
        A close by the server raises RealtimeClosed."""
        end = time.monotonic() + seconds
        last = ticked = time.monotonic()
        if until is not None and until(mirror):
            return True
        while (left := end - time.monotonic()) > 0:
            message = self.poll(min(step, left))
            now = time.monotonic()
            if message is not None:
                mirror.apply(message)
                last = now
            if tick is not None and now - ticked >= step / 2:  # at most twice a step, however busy
                tick(mirror)
                ticked = now
            if until is not None and until(mirror):
                return True
            if quiet is not None and now - last >= quiet:
                break
        return False

    # -- evidence and close bookkeeping

    def _closed_by(self, exc: ConnectionClosed) -> None:
        if exc.rcvd is not None:
            self.close_code, self.close_reason = exc.rcvd.code, exc.rcvd.reason
        self.closed = True

    def _note_close(self) -> None:
        if self.ws is not None and self.close_code is None:
            self.close_code, self.close_reason = self.ws.close_code, self.ws.close_reason

    def _closed_text(self, when: str = "") -> str:
        code = f"close code {self.close_code}" if self.close_code is not None else "no close frame"
        reason = f" {self.close_reason!r}" if self.close_reason else ""
        return f"the server closed the connection{(' ' + when) if when else ''} ({code}{reason})"

    def _finish_evidence(self, error: str) -> None:
        self.exchange.error = REDACTOR.text(error[:500])
        self._record()

    def _record(self) -> None:
        with self._lock:
            ex = self.exchange
            ex.status = self.status
            ex.response_headers = self.response_headers
            ex.request_body = self._sent.render()
            body = self._got.render()
            if self.close_code is not None or self.closed:
                body += f"\n[closed: code {self.close_code} {self.close_reason or ''}]".rstrip()
            if self.status == 101 or self.ws is not None:
                ex.response_body = body
            ex.seconds = time.monotonic() - self._opened
            if self.recorder is not None and not any(e is ex for e in self.recorder.exchanges):
                self.recorder.add(ex)


def authenticate_message(token: str) -> dict[str, Any]:
    return {"type": "authenticate", "credentials": {"bearer_token": token}}


def subscribe_message(tables: str | Iterable[str] = "all") -> dict[str, Any]:
    return {"type": "subscribe", "tables": tables if isinstance(tables, str) else list(tables)}


def _mask_token(text: str) -> str:
    """The authenticate message as evidence: the bearer token masked whatever its value."""
    try:
        message = json.loads(text)
    except ValueError:
        return text
    credentials = message.get("credentials") if isinstance(message, dict) else None
    if isinstance(credentials, dict) and "bearer_token" in credentials:
        message["credentials"] = {**credentials, "bearer_token": MASK}
        return json.dumps(message, ensure_ascii=False) + ("\n" if text.endswith("\n") else "")
    return text


# -- the integration's copy of the model ------------------------------------------------------------------


def row_id(value: Any) -> str | None:
    """A row id as the model's key (a decimal string), or None if it is not one: "An integer that
    identifies this table row" within the 64-bit unsigned range."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value) if 0 <= value <= MAX_ID else None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 20:
        number = int(value)
        return str(number) if number <= MAX_ID else None
    return None


@dataclass(frozen=True)
class Problem:
    """Something in a message that an integration keeping a copy of the model cannot apply as the guide says.
    kind: shape (message syntax), ids (a row id that is not one, or reused), rows (insert of a present row,
    update or delete of an absent one), tables (a table that was not subscribed), phase (a message the model
    updates phase does not have)."""

    kind: str
    text: str

    def __str__(self) -> str:
        return self.text


RowHook = Callable[[str, str, Mapping[str, Any], str], None]


class Mirror:
    """The integration's copy of the subscribed tables, kept as the guide says: insert, update, delete and
    truncate applied in the order received. What cannot be applied is recorded as a Problem (and applied as
    far as it goes, so later messages are judged against the best copy there is).

    `subscribed`: the table names asked for, or None for "all". `on_row(table, id, fields, kind)` sees every
    row inserted or updated (kind "insert" / "update"), so checks can judge each value as it arrives.
    """

    KEEP_PROBLEMS = 200

    def __init__(self, subscribed: Iterable[str] | None = None, on_row: RowHook | None = None):
        self.subscribed = frozenset(subscribed) if subscribed is not None else None
        self.on_row = on_row
        self.rows: dict[str, dict[str, dict[str, Any]]] = {}
        self._ever: dict[str, set[str]] = {}  # ids seen per table in this lifetime
        self.problems: list[Problem] = []
        self.problem_count = 0
        self.messages = 0  # model messages applied (model_update and truncate_model)
        self.truncations = 0
        # since mark(): table -> row id -> the kinds of change ("insert", "update", "delete") it saw
        self.touched: dict[str, dict[str, set[str]]] = {}
        self.gone: dict[str, dict[str, dict[str, Any]]] = {}  # since mark(): rows deleted, their last fields
        self.changed_at = time.monotonic()

    # -- reading

    def table(self, name: str) -> dict[str, dict[str, Any]]:
        return self.rows.get(name, {})

    def find(self, table: str, **fields: Any) -> list[tuple[str, dict[str, Any]]]:
        """Rows of `table` whose fields equal the given values."""
        return [(i, r) for i, r in self.table(table).items() if all(r.get(k) == v for k, v in fields.items())]

    def mark(self) -> None:
        """Start a new record of touched rows (for "stable across the bracket" comparisons)."""
        self.touched = {}
        self.gone = {}

    def _touch(self, table: str, rid: str, kind: str) -> None:
        self.touched.setdefault(table, {}).setdefault(rid, set()).add(kind)

    def problems_of(self, *kinds: str) -> list[Problem]:
        return [p for p in self.problems if not kinds or p.kind in kinds]

    # -- applying

    def apply(self, message: ServerMessage | Any) -> list[Problem]:
        """Apply one server message of the model updates phase; the problems it had."""
        found: list[Problem] = []
        where = f"message {self.messages + 1} of the model updates phase"
        data = message.data if isinstance(message, ServerMessage) else message
        if isinstance(message, ServerMessage) and message.error is not None:
            found.append(Problem("shape", f"{where} is {message.error}: {message.excerpt(120)}"))
            return self._keep(found)
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            found.append(Problem("shape", f'{where} is not a JSON object with a string "type"'))
            return self._keep(found)
        kind = data["type"]
        if kind == "truncate_model":
            self.messages += 1
            self.truncations += 1
            for table, rows in self.rows.items():
                for rid, row in rows.items():
                    self._touch(table, rid, "delete")
                    self.gone.setdefault(table, {})[rid] = row
            self.rows = {}
            self._ever = {}  # a truncate may start a new lifetime of the model
            self.changed_at = time.monotonic()
            return self._keep(found)
        if kind != "model_update":
            found.append(Problem("phase", f"{where}: type {kind!r}, expected model_update or truncate_model"))
            return self._keep(found)
        self.messages += 1
        where = f"model_update {self.messages}"
        sections = [s for s in ("insert", "update", "delete") if s in data]
        if not sections:
            found.append(Problem("shape", f"{where} has none of insert, update and delete"))
        for section in ("insert", "update"):
            if section in data:
                self._upsert(section, data[section], where, found)
        if "delete" in data:
            self._delete(data["delete"], where, found)
        self.changed_at = time.monotonic()
        return self._keep(found)

    def _table_ok(self, table: Any, where: str, section: str, found: list[Problem]) -> bool:
        if not isinstance(table, str) or not table:
            found.append(Problem("shape", f"{where}: {section} names a table that is not a string"))
            return False
        if self.subscribed is not None and table not in self.subscribed:
            found.append(
                Problem("tables", f"{where}: {section} of table {table!r}, which was not subscribed")
            )
        return True

    def _upsert(self, section: str, tables: Any, where: str, found: list[Problem]) -> None:
        if not isinstance(tables, dict) or not tables:
            found.append(Problem("shape", f"{where}: {section} is not an object of tables"))
            return
        for table, rows in tables.items():
            if not self._table_ok(table, where, section, found):
                continue
            if not isinstance(rows, dict) or not rows:
                found.append(Problem("shape", f"{where}: {section}.{table} is not an object of rows by id"))
                continue
            live = self.rows.setdefault(table, {})
            ever = self._ever.setdefault(table, set())
            for key, fields in rows.items():
                rid = row_id(key)
                if rid is None:
                    found.append(
                        Problem("ids", f"{where}: {section}.{table} row id {key!r} is not an integer id")
                    )
                    continue
                if not isinstance(fields, dict):
                    found.append(
                        Problem("shape", f"{where}: {section}.{table}.{rid} is not an object of fields")
                    )
                    continue
                if section == "insert":
                    if rid in live:
                        found.append(
                            Problem("rows", f"{where}: insert of {table} {rid}, already in the model")
                        )
                    elif rid in ever:
                        found.append(
                            Problem(
                                "ids", f"{where}: insert of {table} {rid}, an id already used in this model"
                            )
                        )
                    live[rid] = dict(fields)
                else:
                    if rid not in live:
                        found.append(
                            Problem("rows", f"{where}: update of {table} {rid}, a row not in the model")
                        )
                        live[rid] = {}
                    live[rid].update(fields)
                ever.add(rid)
                self._touch(table, rid, section)
                if self.on_row is not None:
                    self.on_row(table, rid, fields, section)

    def _delete(self, tables: Any, where: str, found: list[Problem]) -> None:
        if not isinstance(tables, dict) or not tables:
            found.append(Problem("shape", f"{where}: delete is not an object of tables"))
            return
        for table, ids in tables.items():
            if not self._table_ok(table, where, "delete", found):
                continue
            if not isinstance(ids, list) or not ids:
                found.append(Problem("shape", f"{where}: delete.{table} is not an array of row ids"))
                continue
            live = self.rows.setdefault(table, {})
            for key in ids:
                rid = row_id(key)
                if rid is None:
                    found.append(
                        Problem("ids", f"{where}: delete.{table} row id {key!r} is not an integer id")
                    )
                    continue
                row = live.pop(rid, None)
                if row is None:
                    found.append(Problem("rows", f"{where}: delete of {table} {rid}, a row not in the model"))
                else:
                    self.gone.setdefault(table, {})[rid] = row
                self._touch(table, rid, "delete")

    def _keep(self, found: list[Problem]) -> list[Problem]:
        self.problem_count += len(found)
        room = self.KEEP_PROBLEMS - len(self.problems)
        if room > 0:
            self.problems.extend(found[:room])
        return found
