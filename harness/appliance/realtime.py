"""The real-time state API at /nw (guide: "Real-Time State API" > "Protocol of the Real-Time State API").

Connection (subprotocol `ingredi state api`), then authenticate, then subscribe, strictly in that order; then
the model updates phase, in which the server pushes a full copy of the subscribed tables and every later
change, and the client sends nothing. Every server message is JSON terminated by a newline, sent in binary
websocket messages; a message longer than `Limits.frame_bytes` is split across several websocket messages
and only the last one ends with the newline (guide: "the data may be broken up multiple parts").

Where the guide is silent, the choices made:
- a client message may arrive in text or binary messages, several per websocket message or split over
  several; it ends at its newline; blank lines are ignored;
- a faulty, out-of-order or refused message in a phase gets that phase's response with `"success": false`
  and a `reason`, then a close (1008 policy violation; 1009 too big; 1013 subscriber cap; 1011 our bug);
  any message in the model updates phase closes the connection with 1008 and the reason (the guide defines
  no client message there and no error message to answer with);
- the full copy is one `model_update` with `insert` holding every row of the subscribed tables (none if they
  are all empty), sent right after the subscribe response;
- `truncate_model` goes to every subscriber whatever its tables: it empties all of them;
- a bearer token is checked once, at authenticate: a subscription outlives the token's expiry.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from starlette.responses import PlainTextResponse
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from harness.appliance.state import TABLES, Batch, Change, Subscription, realtime_row
from harness.catalogue import limits as guide

log = logging.getLogger("harness.appliance.realtime")

SUBPROTOCOL = "ingredi state api"
PATH = "/nw"

POLICY_VIOLATION, MESSAGE_TOO_BIG, INTERNAL_ERROR, TRY_AGAIN_LATER = 1008, 1009, 1011, 1013


@dataclass(frozen=True)
class Limits:
    # Guide: "A maximum of thirty connected integrations may receive model updates simultaneously." The 31st
    # integration to subscribe gets a subscribe_response with success false and a reason, then close 1013;
    # connected integrations that have not subscribed yet do not count.
    max_subscribers: int = guide.MAX_SUBSCRIBERS
    frame_bytes: int = 64 << 10  # a longer message is split across websocket messages
    # Guide: "Integrations that get too far behind the real-time stream are automatically disconnected."
    # Behind = updates waiting to be sent above this many bytes (the initial full copy does not count) ...
    max_backlog_bytes: int = 16 << 20
    # ... or the oldest of them waiting longer than the guide's "maximum latency of twenty seconds".
    max_lag_s: float = guide.MAX_LATENCY_S
    max_client_message: int = 64 << 10
    handshake_timeout_s: float = 30.0  # connection to subscription, so a silent client does not linger


class Refused(Exception):
    def __init__(self, reason: str, code: int = POLICY_VIOLATION):
        super().__init__(reason)
        self.reason = reason
        self.code = code


def encode(message: Mapping[str, Any]) -> bytes:
    """One server message: compact JSON, ASCII only (a split never cuts a character), newline-terminated."""
    return (json.dumps(message, separators=(",", ":")) + "\n").encode("ascii")


def model_update(changes: Iterable[Change]) -> dict[str, Any] | None:
    """The guide's model_update message for row changes (ids as strings, as JSON object keys must be)."""
    sections: dict[str, dict[str, Any]] = {"insert": {}, "update": {}, "delete": {}}
    for change in changes:
        if change.kind == "delete":
            sections["delete"].setdefault(change.table, []).extend(str(i) for i in change.rows)
        elif change.kind in ("insert", "update"):
            # Archive-only fields stay out; an update of nothing else is no update here.
            shown = ((str(i), realtime_row(change.table, row)) for i, row in change.rows.items())
            rows = {i: row for i, row in shown if row}
            if rows:
                sections[change.kind].setdefault(change.table, {}).update(rows)
    message: dict[str, Any] = {"type": "model_update"}
    message.update((kind, tables) for kind, tables in sections.items() if tables)
    return message if len(message) > 1 else None


def batch_message(batch: Batch) -> dict[str, Any] | None:
    if batch.truncated:
        return {"type": "truncate_model"}
    return model_update(batch.changes)


def full_copy(snapshot: Mapping[str, Mapping[int, Mapping[str, Any]]]) -> dict[str, Any] | None:
    return model_update(Change(table, "insert", rows) for table, rows in snapshot.items() if rows)


def choose_subprotocol(offered: Iterable[str]) -> str | None:
    """The offered form of our subprotocol, URL-encoded as the guide says or raw as real clients also send:
    echoing it as offered is what RFC 6455 asks, and what a client checking the reply expects."""
    return next((p for p in offered if unquote(p) == SUBPROTOCOL), None)


def _clip(text: str, limit: int = 120) -> str:
    """At most `limit` UTF-8 bytes (a close reason may not exceed 123)."""
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[: limit - 3].decode("utf-8", "ignore") + "..."


def _parse(line: bytes) -> dict[str, Any]:
    try:
        message = json.loads(line.decode("utf-8"))
    except UnicodeDecodeError:
        raise Refused("the message is not UTF-8") from None
    except (ValueError, RecursionError):
        raise Refused("the message is not valid JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise Refused('a message must be a JSON object with a string "type"')
    return message


class LineReader:
    """Client messages, one per newline, whatever the websocket message boundaries."""

    def __init__(self, websocket: WebSocket, max_bytes: int):
        self._ws = websocket
        self._max = max_bytes
        self._buf = bytearray()
        self._lines: deque[bytes] = deque()

    async def next(self) -> bytes | None:
        """The next non-blank message, or None once the client has gone."""
        while not self._lines:
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                return None
            data = message.get("bytes")
            self._feed(data if data is not None else (message.get("text") or "").encode("utf-8"))
        return self._lines.popleft()

    def _feed(self, data: bytes) -> None:
        self._buf += data
        *complete, rest = self._buf.split(b"\n")
        for line in complete:
            if len(line) > self._max:
                raise Refused(f"a message is longer than {self._max} bytes", MESSAGE_TOO_BIG)
            if line.strip():
                self._lines.append(bytes(line))
        if len(rest) > self._max:
            raise Refused(f"a message is longer than {self._max} bytes", MESSAGE_TOO_BIG)
        self._buf = bytearray(rest)


class RealtimeService:
    """The /nw endpoint and the integrations currently receiving model updates."""

    def __init__(self, appliance, limits: Limits | None = None):
        self.appliance = appliance
        self.limits = limits or Limits()
        self.subscribers: set[_Connection] = set()
        self._cache_of: tuple[object, int] | None = None  # (state, batch seq) the cache holds messages for
        self._cache: dict[frozenset[str] | None, bytes | None] = {}

    def routes(self) -> list:
        return [WebSocketRoute(PATH, self.endpoint, name="realtime_state")]

    async def endpoint(self, websocket: WebSocket) -> None:
        subprotocol = choose_subprotocol(websocket.scope.get("subprotocols") or [])
        if subprotocol is None:
            text = (
                f"the websocket subprotocol {SUBPROTOCOL!r} is required (URL-encoded: ingredi%20state%20api)"
            )
            try:
                await websocket.send_denial_response(PlainTextResponse(text, status_code=400))
            except RuntimeError:  # a server without the denial response extension: a bare 403 then
                await websocket.close(POLICY_VIOLATION)
            return
        await websocket.accept(subprotocol=subprotocol)
        connection = _Connection(self, websocket)
        try:
            await connection.run()
        except Exception:
            # A bug in the appliance: log it, tell the client without a stack trace.
            log.exception("real-time state connection failed")
            await connection.close(INTERNAL_ERROR, "internal error")

    def encoded(self, state: object, batch: Batch, tables: frozenset[str] | None) -> bytes | None:
        """The batch's message for one table selection, encoded once however many subscribers share it."""
        if self._cache_of is None or self._cache_of[0] is not state or self._cache_of[1] != batch.seq:
            self._cache_of, self._cache = (state, batch.seq), {}
        if tables not in self._cache:
            message = batch_message(batch)
            self._cache[tables] = encode(message) if message else None
        return self._cache[tables]


class _Connection:
    def __init__(self, service: RealtimeService, websocket: WebSocket):
        self.service = service
        self.limits = service.limits
        self.ws = websocket
        self.loop = asyncio.get_running_loop()
        self.reader = LineReader(websocket, self.limits.max_client_message)
        self.tables: frozenset[str] | None = None
        self.state: object = None
        self.subscription: Subscription | None = None
        # Model updates phase: messages to send (data, enqueued at, counts toward the backlog).
        self.out: deque[tuple[bytes, float, bool]] = deque()
        self.backlog = 0
        self.wake = asyncio.Event()
        self.stopped = asyncio.Event()
        self.close_with: tuple[int, str] | None = None

    async def run(self) -> None:
        deadline = self.loop.time() + self.limits.handshake_timeout_s
        message = await self._expect("authenticate", "authenticate_response", deadline)
        if message is None:
            return
        try:
            self._authenticate(message)
        except Refused as refused:
            return await self._refuse("authenticate_response", refused)
        await self.send(encode({"type": "authenticate_response", "success": True}))
        message = await self._expect("subscribe", "subscribe_response", deadline)
        if message is None:
            return
        try:
            self._subscribe(message)
        except Refused as refused:
            return await self._refuse("subscribe_response", refused)
        await self._stream()

    # -- authentication and subscription phases

    async def _expect(self, kind: str, response_type: str, deadline: float) -> dict[str, Any] | None:
        """The next message, which must be a `kind` message; None if the client left or was refused."""
        try:
            async with asyncio.timeout_at(deadline):
                line = await self.reader.next()
            if line is None:
                return None
            message = _parse(line)
            if message["type"] != kind:
                raise Refused(_clip(f"expected a {kind} message, got {message['type']!r}", 200))
            return message
        except TimeoutError:
            await self._refuse(response_type, Refused(f"no {kind} message within the time allowed"))
        except Refused as refused:
            await self._refuse(response_type, refused)
        return None

    def _authenticate(self, message: dict[str, Any]) -> None:
        credentials = message.get("credentials")
        token = credentials.get("bearer_token") if isinstance(credentials, dict) else None
        if not isinstance(token, str) or not token:
            raise Refused('"credentials" must be an object holding a "bearer_token" string')
        appliance = self.service.appliance
        client_id = appliance.tokens.client_of(token)
        account = appliance.account_by_client_id(client_id) if client_id else None
        if account is None:
            raise Refused("the bearer token is invalid or has expired")
        if not account.allows("perm_real_time_state"):
            raise Refused("the API account does not have permission to use the real-time state API")

    def _subscribe(self, message: dict[str, Any]) -> None:
        self.tables = _requested_tables(message.get("tables"))
        state = getattr(self.service.appliance, "state", None)
        if state is None:
            raise Refused("the real-time state model is not running", INTERNAL_ERROR)
        if len(self.service.subscribers) >= self.limits.max_subscribers:
            raise Refused(
                f"the maximum of {self.limits.max_subscribers} integrations already receive model updates",
                TRY_AGAIN_LATER,
            )
        # No await from here to the end: the response and the full copy are queued before any update.
        self.state = state
        self.subscription = state.subscribe_threadsafe(self.loop, self._on_batch, self.tables)
        self.service.subscribers.add(self)
        now = self.loop.time()
        response = {"type": "subscribe_response", "timestamp": self._timestamp(), "success": True}
        self.out.append((encode(response), now, False))
        copy = full_copy(self.subscription.snapshot)
        if copy is not None:
            self.out.append((encode(copy), now, False))

    async def _refuse(self, response_type: str, refused: Refused) -> None:
        response: dict[str, Any] = {"type": response_type}
        if response_type == "subscribe_response":
            response["timestamp"] = self._timestamp()
        response.update(success=False, reason=refused.reason)
        with contextlib.suppress(Exception):  # the client may already have gone
            await self.send(encode(response))
        await self.close(refused.code, refused.reason)

    def _timestamp(self) -> int:
        return int(self.service.appliance.clock.now())

    # -- model updates phase

    async def _stream(self) -> None:
        sender = asyncio.create_task(self._send_loop())
        listener = asyncio.create_task(self._listen())
        try:
            await self.stopped.wait()
        finally:
            self._unsubscribe()
            for task in (sender, listener):
                task.cancel()
            await asyncio.gather(sender, listener, return_exceptions=True)
        if self.close_with is not None:
            await self.close(*self.close_with)

    def _stop(self, close_with: tuple[int, str] | None) -> None:
        if not self.stopped.is_set():
            self.close_with = close_with
            self.stopped.set()
            self._unsubscribe()

    def _unsubscribe(self) -> None:
        if self.subscription is not None:
            self.subscription.close()
        self.service.subscribers.discard(self)
        self.out.clear()

    def _on_batch(self, batch: Batch) -> None:
        if self.stopped.is_set():
            return
        data = self.service.encoded(self.state, batch, self.tables)
        if data is None:
            return
        now = self.loop.time()
        self.out.append((data, now, True))
        self.backlog += len(data)
        oldest = next(t for _, t, counted in self.out if counted)
        if self.backlog > self.limits.max_backlog_bytes or now - oldest > self.limits.max_lag_s:
            log.info("disconnecting a real-time integration that fell too far behind")
            self._stop((POLICY_VIOLATION, "too far behind the real-time stream"))
            return
        self.wake.set()

    async def _send_loop(self) -> None:
        try:
            while True:
                while not self.out:
                    self.wake.clear()
                    await self.wake.wait()
                data, _, counted = self.out.popleft()
                if counted:
                    self.backlog -= len(data)
                await self.send(data)
        except asyncio.CancelledError:
            raise
        except Exception:  # the client went away mid-send
            log.debug("real-time send failed", exc_info=True)
            self._stop(None)

    async def _listen(self) -> None:
        try:
            line = await self.reader.next()
        except Refused as refused:
            return self._stop((refused.code, refused.reason))
        if line is None:
            return self._stop(None)
        self._stop((POLICY_VIOLATION, "no client message is expected after subscribe"))

    # -- websocket

    async def send(self, data: bytes) -> None:
        """One message, in binary websocket messages of at most frame_bytes each."""
        step = self.limits.frame_bytes
        for start in range(0, len(data), step):
            await self.ws.send_bytes(data[start : start + step])

    async def close(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # already closed by the client, or by the server shutting down
            await self.ws.close(code, _clip(reason))


def _requested_tables(tables: Any) -> frozenset[str] | None:
    """The subscribe message's tables: "all" (None) or a non-empty array of known table names."""
    if tables == "all":
        return None
    if not isinstance(tables, list) or not tables or not all(isinstance(t, str) for t in tables):
        raise Refused('"tables" must be "all" or a non-empty array of table names')
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise Refused(_clip("unknown table(s): " + ", ".join(map(repr, unknown)), 200))
    return frozenset(tables)


def routes(appliance) -> list:
    """The real-time state API's routes: the appliance's one service (it counts the subscribers)."""
    return appliance.realtime.routes()
