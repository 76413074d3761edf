"""The live system state model of the real-time state API (guide: "System State Model of the Real-Time API").

Eleven tables of rows keyed by an integer id, unique for the model's lifetime (ids are never reused, not even
after a truncate). Every change goes through one lock and one transaction at a time, is checked against the
schema (harness.catalogue.model: types, enumerations, references) and, once committed, is handed to
subscribers as a `Batch` of `Change`s, in commit order.

References (the guide's "foreign key" fields), and what deleting a referenced row does:
- rows that only exist because of another row CASCADE with it: a session's customer clients, attributes,
  skills and representative links; a representative's queue memberships, session links and presenter rows;
  a queue's memberships; a presentation's attendees and presenters;
- rows that merely point somewhere RESTRICT the delete: a session's `queue_id` / `primary_team_queue_id` and
  a representative's personal `queue_id` (the simulation must move or end them first: a queue does not vanish
  under the sessions waiting in it).

Values are stored as they go on the wire: integers and timestamps as int, booleans as 0/1 (the guide documents
them as `1` / `0`), strings as str; an absent optional field is simply not in the row.

The model also holds the endpoint fields the archive tables document and the real-time tables do not
(customer_client.private_ip/public_ip, representative.hostname/operating_system/private_ip/public_ip:
"JSON Tables and Fields for model_insert and model_update"), with the string values real archives carry
(DESIGN.md, Facts: a port on public_ip, IPv6 bracketed, `Unknown`). They are `realtime=False`: the
real-time API shows a row through `realtime_row`, the archives show all of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.appliance.clock import SystemClock
from harness.catalogue import limits
from harness.catalogue.model import (
    BOOLEAN,
    CASCADE,
    INTEGER,
    START_METHODS,  # noqa: F401 (re-exported: archive_seed)
    TIMESTAMP,
    Field,
)
from harness.catalogue.model import TABLES as CATALOGUE

log = logging.getLogger("harness.appliance.state")

MAX_ID = limits.MAX_ID  # "64-bit unsigned integers are used to generate the id value"

KINDS = ("insert", "update", "delete", "truncate")

# The live model: the guide's real-time tables, plus the endpoint strings of the archive tables (the
# catalogue's `endpoint` fields), so the archives can show what real ones do. The archive's other extra
# fields and table are not held (archive_format.py writes them blank).
TABLES: dict[str, dict[str, Field]] = {
    name: {f: spec for f, spec in table.fields.items() if spec.realtime or spec.endpoint}
    for name, table in CATALOGUE.items()
    if table.realtime
}

# table -> the fields the real-time API leaves out (empty for most tables)
ARCHIVE_ONLY: dict[str, frozenset[str]] = {
    name: frozenset(n for n, f in fields.items() if not f.realtime) for name, fields in TABLES.items()
}


def realtime_row(table: str, row: Mapping[str, Any]) -> dict[str, Any]:
    """A row (or changed fields) as the real-time API shows it: without the archive-only fields."""
    hidden = ARCHIVE_ONLY[table]
    return {k: v for k, v in row.items() if k not in hidden} if hidden else dict(row)


# target table -> [(referring table, field)]
REFERRERS: dict[str, list[tuple[str, str]]] = {name: [] for name in TABLES}
for _table, _fields in TABLES.items():
    for _name, _field in _fields.items():
        if _field.ref:
            REFERRERS[_field.ref].append((_table, _name))


class StateError(ValueError):
    """A change the model refuses: unknown table or field, wrong type, value out of range."""


class NoSuchRow(StateError, LookupError):
    pass


class IntegrityError(StateError):
    """A change that would leave a reference pointing at no row."""


@dataclass(frozen=True)
class Change:
    """One kind of change to one table. `rows` maps id -> full row (insert), changed fields (update) or the
    last state of the row (delete); a truncate empties every table and has no table and no rows."""

    table: str | None
    kind: str
    rows: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(self.rows)


@dataclass(frozen=True)
class Batch:
    """The changes of one committed transaction, net of each other (a row inserted and deleted in the same
    transaction does not appear; updates fold into the insert that precedes them). `seq` grows by one per
    commit. Treat the contents as read-only: every subscriber gets the same objects."""

    seq: int
    changes: tuple[Change, ...]

    @property
    def truncated(self) -> bool:
        return any(c.kind == "truncate" for c in self.changes)


Callback = Callable[[Batch], None]


class Subscription:
    """A registered listener; `snapshot` is the model (its tables) as it was when the listener was added."""

    def __init__(self, state: LiveState, callback: Callback, tables: frozenset[str] | None):
        self._state = state
        self.callback = callback
        self.tables = tables
        self.snapshot: dict[str, dict[int, dict[str, Any]]] = {}

    def close(self) -> None:
        self._state._unsubscribe(self)

    def deliver(self, batch: Batch) -> None:
        if self.tables is not None:
            changes = tuple(c for c in batch.changes if c.table is None or c.table in self.tables)
            if not changes:
                return
            if len(changes) != len(batch.changes):
                batch = Batch(batch.seq, changes)
        self.callback(batch)


def _check_value(table: str, name: str, spec: Field, value: Any) -> Any:
    """The value as stored, or StateError."""
    where = f"{table}.{name}"
    if spec.type == BOOLEAN:
        if value in (0, 1) and isinstance(value, (bool, int)):
            return int(value)
        raise StateError(f"{where}: a boolean (0 or 1) is required, not {value!r}")
    if spec.type in (INTEGER, TIMESTAMP):
        if spec.type == TIMESTAMP and isinstance(value, float) and math.isfinite(value) and abs(value) < 1e15:
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise StateError(f"{where}: an integer is required, not {value!r}")
        if spec.type == INTEGER and not 0 <= value <= MAX_ID:
            raise StateError(f"{where}: {value} is outside 0..{MAX_ID}")
    elif not isinstance(value, str):
        raise StateError(f"{where}: a string is required, not {type(value).__name__}")
    if spec.choices is not None and value not in spec.choices:
        raise StateError(f"{where}: {value!r} is not one of {', '.join(map(str, spec.choices))}")
    return value


def _schema(table: str) -> dict[str, Field]:
    try:
        return TABLES[table]
    except KeyError:
        raise StateError(f"unknown table {table!r}") from None


class Transaction:
    """Changes applied to the live tables at once (readers in other threads wait on the lock, so none sees
    them before commit), with an undo log for rollback and a change log for the commit notification."""

    def __init__(self, state: LiveState):
        self._state = state
        self._undo: list[Callable[[], None]] = []
        self._net: dict[tuple[str, int], list] = {}  # (table, id) -> [kind, fields], in first-change order

    def insert(self, table: str, fields: Mapping[str, Any], *, id: int | None = None) -> int:
        """Add a row; `created_timestamp` defaults to now. Returns the row id."""
        schema = _schema(table)
        s = self._state
        row = self._checked(table, schema, fields)
        row.setdefault("created_timestamp", int(s.clock.now()))
        missing = [n for n, f in schema.items() if not f.optional and n not in row]
        if missing:
            raise StateError(f"{table}: missing field(s) {', '.join(missing)}")
        self._check_queue_shape(table, row)
        self._check_refs(table, row)
        row = {n: row[n] for n in schema if n in row}  # the guide's field order
        row_id = s._allocate_id(id)
        s._put(table, row_id, row)
        self._undo.append(lambda: s._drop(table, row_id))
        self._net[(table, row_id)] = ["insert", dict(row)]
        return row_id

    def update(self, table: str, row_id: int, fields: Mapping[str, Any]) -> None:
        """Change some fields of a row (only fields whose value changes are notified)."""
        schema = _schema(table)
        s = self._state
        old = s._row(table, row_id)
        if "created_timestamp" in fields:
            raise StateError(f"{table}.created_timestamp is set when the row is created")
        changed = {n: v for n, v in self._checked(table, schema, fields).items() if old.get(n) != v}
        if not changed:
            return
        new = {n: changed.get(n, old.get(n)) for n in schema if n in changed or n in old}
        self._check_queue_shape(table, new)
        self._check_refs(table, changed)
        s._drop(table, row_id)
        s._put(table, row_id, new)

        def undo() -> None:
            s._drop(table, row_id)
            s._put(table, row_id, old)

        self._undo.append(undo)
        entry = self._net.setdefault((table, row_id), ["update", {}])
        if entry[0] == "insert":
            entry[1] = dict(new)  # still a new row to everyone else: insert it as it is now
        else:
            entry[1].update(changed)

    def delete(self, table: str, row_id: int) -> list[tuple[str, int]]:
        """Delete a row and every row that cascades with it; refused if a restricting row refers to any of
        them. Returns the deleted (table, id)s."""
        _schema(table)
        s = self._state
        s._row(table, row_id)
        doomed = self._cascade(table, row_id)
        for t, i in doomed:
            old = s._row(t, i)
            s._drop(t, i)
            self._undo.append(lambda t=t, i=i, old=old: s._put(t, i, old))
            entry = self._net.get((t, i))
            if entry is not None and entry[0] == "insert":
                del self._net[(t, i)]  # never seen outside this transaction
            else:
                self._net.pop((t, i), None)
                self._net[(t, i)] = ["delete", dict(old)]
        return doomed

    def _cascade(self, table: str, row_id: int) -> list[tuple[str, int]]:
        s = self._state
        doomed: dict[tuple[str, int], None] = {(table, row_id): None}
        blockers: list[tuple[str, int, str, str, int]] = []
        stack = [(table, row_id)]
        while stack:
            target = stack.pop()
            for src_table, src_id, name in sorted(s._referrers.get(target, ())):
                if TABLES[src_table][name].on_delete == CASCADE:
                    if (src_table, src_id) not in doomed:
                        doomed[(src_table, src_id)] = None
                        stack.append((src_table, src_id))
                else:
                    blockers.append((src_table, src_id, name, *target))
        for src_table, src_id, name, t, i in blockers:
            if (src_table, src_id) not in doomed:
                raise IntegrityError(f"{t} {i} is still referred to by {src_table} {src_id} ({name})")
        return list(doomed)

    def _checked(self, table: str, schema: dict[str, Field], fields: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(fields, Mapping):
            raise StateError(f"{table}: fields must be a mapping")
        out = {}
        for name, value in fields.items():
            spec = schema.get(name)
            if spec is None:
                raise StateError(f"{table}: unknown field {name!r}")
            out[name] = _check_value(table, name, spec, value)
        return out

    def _check_refs(self, table: str, fields: Mapping[str, Any]) -> None:
        schema = TABLES[table]
        for name, value in fields.items():
            ref = schema[name].ref
            if ref and value not in self._state._tables[ref]:
                raise IntegrityError(f"{table}.{name}: no {ref} row {value}")

    @staticmethod
    def _check_queue_shape(table: str, row: Mapping[str, Any]) -> None:
        if table == "queue" and row.get("type") == "personal":
            extra = [n for n in ("code_name", "support_team_id") if n in row]
            if extra:
                raise StateError(f"queue: a personal queue has no {' or '.join(extra)}")

    def _rollback(self) -> None:
        for undo in reversed(self._undo):
            undo()

    def _changes(self) -> tuple[Change, ...]:
        grouped: dict[tuple[str, str], dict[int, dict[str, Any]]] = {}
        for (table, row_id), (kind, fields) in self._net.items():
            grouped.setdefault((table, kind), {})[row_id] = fields
        return tuple(Change(table, kind, rows) for (table, kind), rows in grouped.items())


class LiveState:
    """The model. Thread-safe; every method is quick and never blocks on I/O, so asyncio code may call it
    directly (use `subscribe_threadsafe` to receive batches on an event loop)."""

    def __init__(self, clock=None):
        self.clock = clock or SystemClock()
        self._lock = threading.RLock()
        self._tables: dict[str, dict[int, dict[str, Any]]] = {name: {} for name in TABLES}
        self._referrers: dict[tuple[str, int], set[tuple[str, int, str]]] = {}
        self._last_id = 0
        self._seq = 0
        self._tx: Transaction | None = None
        self._subscribers: list[Subscription] = []

    # -- reading

    @property
    def seq(self) -> int:
        """How many batches have been committed (a truncate counts)."""
        with self._lock:
            return self._seq

    def get(self, table: str, row_id: int) -> dict[str, Any] | None:
        _schema(table)
        with self._lock:
            row = self._tables[table].get(row_id)
            return dict(row) if row is not None else None

    def rows(self, table: str) -> dict[int, dict[str, Any]]:
        _schema(table)
        with self._lock:
            return {i: dict(r) for i, r in self._tables[table].items()}

    def count(self, table: str) -> int:
        _schema(table)
        with self._lock:
            return len(self._tables[table])

    def snapshot(self, tables: Iterable[str] | None = None) -> dict[str, dict[int, dict[str, Any]]]:
        names = list(TABLES) if tables is None else [t for t in TABLES if t in set(tables)]
        with self._lock:
            return {t: {i: dict(r) for i, r in self._tables[t].items()} for t in names}

    # -- changing

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Several changes committed (and notified) as one batch, or none at all if the block raises.
        A transaction opened inside another joins it."""
        with self._lock:
            if self._tx is not None:
                yield self._tx
                return
            tx = self._tx = Transaction(self)
            try:
                yield tx
            except BaseException:
                tx._rollback()
                raise
            finally:
                self._tx = None
            changes = tx._changes()
            if changes:
                self._publish(changes)

    def insert(self, table: str, fields: Mapping[str, Any], *, id: int | None = None) -> int:
        with self.transaction() as tx:
            return tx.insert(table, fields, id=id)

    def update(self, table: str, row_id: int, fields: Mapping[str, Any]) -> None:
        with self.transaction() as tx:
            tx.update(table, row_id, fields)

    def delete(self, table: str, row_id: int) -> list[tuple[str, int]]:
        with self.transaction() as tx:
            return tx.delete(table, row_id)

    def truncate(self) -> None:
        """Reset the model to its initial state (what an appliance process restart does); subscribers get
        one truncate change. Ids keep growing, so a client never confuses an old row with a new one."""
        with self._lock:
            if self._tx is not None:
                raise StateError("truncate cannot run inside a transaction")
            for rows in self._tables.values():
                rows.clear()
            self._referrers.clear()
            self._publish((Change(None, "truncate"),))

    # -- listening

    def subscribe(self, callback: Callback, tables: Iterable[str] | None = None) -> Subscription:
        """Call `callback(batch)` after every commit touching `tables` (all if None; a truncate always), in
        commit order, under the state lock: it must be quick and must not wait on other threads. The
        subscription's `snapshot` is taken atomically with registration: no change is missed or repeated."""
        wanted = None if tables is None else frozenset(tables)
        for name in wanted or ():
            _schema(name)
        sub = Subscription(self, callback, wanted)
        with self._lock:
            sub.snapshot = self.snapshot(wanted)
            self._subscribers.append(sub)
        return sub

    def subscribe_threadsafe(
        self, loop: asyncio.AbstractEventLoop, callback: Callback, tables: Iterable[str] | None = None
    ) -> Subscription:
        """As subscribe, but `callback` runs on `loop` (in commit order) whichever thread committed."""
        return self.subscribe(lambda batch: loop.call_soon_threadsafe(callback, batch), tables)

    def _unsubscribe(self, sub: Subscription) -> None:
        with self._lock, contextlib.suppress(ValueError):
            self._subscribers.remove(sub)

    def _publish(self, changes: tuple[Change, ...]) -> None:
        self._seq += 1
        batch = Batch(self._seq, changes)
        for sub in list(self._subscribers):
            try:
                sub.deliver(batch)
            except Exception:  # a broken listener (e.g. its event loop closed) must not undo a commit
                log.warning("dropping a state subscriber whose callback failed", exc_info=True)
                self._unsubscribe(sub)

    # -- storage (called with the lock held)

    def _allocate_id(self, wanted: int | None) -> int:
        if wanted is None:
            wanted = self._last_id + 1
        elif isinstance(wanted, bool) or not isinstance(wanted, int) or not self._last_id < wanted <= MAX_ID:
            raise StateError(f"id {wanted!r}: ids grow and are never reused (last issued {self._last_id})")
        if wanted > MAX_ID:
            raise StateError("the model has run out of ids")
        self._last_id = wanted
        return wanted

    def _row(self, table: str, row_id: int) -> dict[str, Any]:
        try:
            return self._tables[table][row_id]
        except (KeyError, TypeError):
            raise NoSuchRow(f"no {table} row {row_id!r}") from None

    def _put(self, table: str, row_id: int, row: dict[str, Any]) -> None:
        self._tables[table][row_id] = row
        for name, spec in TABLES[table].items():
            if spec.ref and name in row:
                self._referrers.setdefault((spec.ref, row[name]), set()).add((table, row_id, name))

    def _drop(self, table: str, row_id: int) -> None:
        row = self._tables[table].pop(row_id)
        for name, spec in TABLES[table].items():
            if spec.ref and name in row:
                key = (spec.ref, row[name])
                refs = self._referrers.get(key)
                if refs is not None:
                    refs.discard((table, row_id, name))
                    if not refs:
                        del self._referrers[key]


def seed_minimal(state: LiveState) -> dict[str, int]:
    """Two team queues, two logged-in representatives (with personal queues and memberships), and a session
    waiting in the first team queue with its customer client, an attribute and a skill. Returns the ids."""
    now = int(state.clock.now())
    ids: dict[str, int] = {}
    with state.transaction() as tx:
        ids["team_general"] = tx.insert(
            "queue",
            {"name": "General Support", "code_name": "general", "support_team_id": "1", "type": "team"},
        )
        ids["team_escalations"] = tx.insert(
            "queue",
            {"name": "Escalations", "code_name": "escalations", "support_team_id": "2", "type": "team"},
        )
        consoles = (  # the representatives' machines, as real archives show them
            ("alice", "Alice", "lead", "SD-WS-01", "Windows 10 Pro x64", "10.0.0.5", "203.0.113.5:50122"),
            ("bob", "Bob", "member", "", "Unknown", "Unknown", "[2001:db8::b0b]:51200"),
        )
        for n, (user, display, role, host, os_, private, public) in enumerate(consoles, 1):
            personal = ids[f"queue_{user}"] = tx.insert("queue", {"name": display, "type": "personal"})
            rep = ids[f"rep_{user}"] = tx.insert(
                "representative",
                {
                    "hostname": host,
                    "operating_system": os_,
                    "private_ip": private,
                    "public_ip": public,
                    "private_display_name": f"{display} (private)",
                    "public_display_name": display,
                    "queue_id": personal,
                    "routing_available": 1,
                    "routing_busy": 0,
                    "routing_enabled": 1,
                    "routing_idle": 0,
                    "skill_code_names": "windows,networking",
                    "type": "normal",
                    "user_id": n,
                    "username": user,
                },
            )
            tx.insert(
                "representative_queue",
                {"queue_id": ids["team_general"], "representative_id": rep, "role": role},
            )
        session = ids["session"] = tx.insert(
            "support_session",
            {
                "customer_name": "Carol Customer",
                "customer_company": "Example Corp",
                "customer_description": "Printer offline",
                "estimated_pickup_timestamp": now + 120,
                "lsid": "9b1c0f2a6c1e4d5f8a7b3c2d1e0f4a5b",
                "primary_team_queue_id": ids["team_general"],
                "priority": 2,
                "public_site_id": 1,
                "public_site_name": "Default",
                "queue_entry_timestamp": now,
                "queue_id": ids["team_general"],
                "start_method": "issue_submission",
            },
        )
        ids["customer_client"] = tx.insert(
            "customer_client",
            {
                "client_type": "desktop",
                "elevated": 0,
                "hostname": "carol-pc",
                "operating_system": "Windows 10 Enterprise x64",
                "private_ip": "192.168.1.23",
                "public_ip": "198.51.100.23:56722",
                "support_session_id": session,
            },
        )
        ids["attribute"] = tx.insert(
            "support_session_attribute",
            {"code_name": "ticket", "value": "INC-1001", "support_session_id": session},
        )
        ids["skill"] = tx.insert(
            "support_session_skill", {"code_name": "windows", "support_session_id": session}
        )
    return ids
