"""State and event archives for the ArchiveListing and Archive reports (guide: "Download Reports with
ArchiveListing" / "with Archive"): the `Archiver` service watches the live model and writes gzip JSON files
under `<data_dir>/archives/<YYYY-MM-DD>/`, indexed in the SQLite table `archive_index` (appliance.db_path).

Cadence (real time, never scaled by --speed; the appliance clock, so tests move it by hand and call tick()):
- a state archive when the service starts (a fresh appliance has one at once), then at every half hour of
  the clock (hh:00 and hh:30 UTC): the whole model, as of that instant;
- event archives span the ten-minute intervals of the clock ([hh:m0, hh:m0 + 10 min)); the first of a run
  starts when the service starts, with a `truncate_model` line (the processes restarted: "all events logged
  so far are no longer valid") and a `model_insert` of every row the model already holds, so an integration
  replaying across a restart rebuilds the model; the last is cut short when the service stops and covers up
  to and including that second. A state archive's `event_archive_index` is the event archive that starts at
  its time: state archive + that event archive and the following ones = the model at any later time.

A new appliance (an empty archive index) first writes the archives of the days its history store was
seeded with (archive_seed.py), so it has a week of archives from its first minute.

Choices where the guide is silent (see also archive_format.py for the JSON layout):
- "Archives are not available immediately": an event archive is written, and listed, `delay` (60 s) after
  its interval closed (the state archive of a half hour with it); the start-up state archive at once.
  Session events are taken from the history store when the archive is written: events the store receives
  later than that (e.g. a session written to history only when it ends) are not in any event archive;
- an archive belongs to the UTC day of its `time`; indexes count per kind and day from 1 and continue after
  a restart; `end_time` is the end of the interval (an event at that instant is in the next archive);
- "the past seven active days": the seven most recent UTC days that have archives (the appliance writes
  archives whenever it runs, so these are the days it ran); older days are pruned at start and whenever a
  new day gets its first archive;
- the archiver runs whatever "Enable State Archive API" says: the setting gates the reports only, so
  enabling it later finds the week's history;
- files are written to a temporary name then renamed, and indexed after the rename: a kill leaves at worst
  an unindexed file, removed at the next start; the archive being written when the process is killed (and
  its open interval's events) is lost. The 4 GB cap on a decompressed file is not enforced: one state
  archive of this appliance's model or ten minutes of its changes stay far below it.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.appliance import archive_format as fmt
from harness.appliance import db, history, recordings
from harness.appliance.history import Event
from harness.appliance.state import Batch

log = logging.getLogger("harness.appliance.archive")

STATE_EVERY = 1800  # "State archives are created automatically every thirty minutes"
EVENT_EVERY = 600  # "event archives contain events spanning an interval of ten minutes"
KEEP_DAYS = 7  # "History is stored for the past seven active days"
DELAY = 60  # seconds between an interval's end and its archive being written
POLL = 1.0  # how often the service thread looks at the clock

DDL = """
CREATE TABLE IF NOT EXISTS archive_index (
    kind TEXT NOT NULL CHECK (kind IN ('state', 'event')), day TEXT NOT NULL, idx INTEGER NOT NULL,
    start_ts INTEGER NOT NULL, end_ts INTEGER, event_index INTEGER, file TEXT NOT NULL,
    PRIMARY KEY (kind, day, idx));
"""


def day_of(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def archive_dir(appliance) -> Path:
    return appliance.config.data_dir / "archives"


@dataclass(frozen=True)
class Entry:
    kind: str  # state or event
    day: str
    index: int
    start: int  # <time>
    end: int | None  # <end_time> (event archives)
    event_index: int | None  # <event_archive_index> (state archives)
    file: str  # relative to archive_dir

    @classmethod
    def from_row(cls, row) -> Entry:
        return cls(*(row[k] for k in ("kind", "day", "idx", "start_ts", "end_ts", "event_index", "file")))


# --- reading the index (the reports) ------------------------------------------------------------------


_ready: set[str] = set()


def _conn(appliance):
    """This thread's connection, the table created once per process (as history.ensure does)."""
    if str(appliance.db_path) not in _ready:
        db.ensure_schema(appliance.db_path, DDL)
        _ready.add(str(appliance.db_path))
    return db.connect(appliance.db_path)


def listing(appliance, day: str) -> list[Entry]:
    """The archives of a UTC day, by time (a state archive before the event archive starting with it)."""
    sql = "SELECT * FROM archive_index WHERE day = ? ORDER BY start_ts, kind = 'event', idx"
    return [Entry.from_row(r) for r in _conn(appliance).execute(sql, (day,))]


def find(appliance, kind: str, day: str, index: int) -> Entry | None:
    sql = "SELECT * FROM archive_index WHERE kind = ? AND day = ? AND idx = ?"
    row = _conn(appliance).execute(sql, (kind, day, index)).fetchone()
    return Entry.from_row(row) if row else None


def read(appliance, entry: Entry) -> bytes | None:
    """The gzip file, or None if it has gone (pruned meanwhile)."""
    try:
        return (archive_dir(appliance) / entry.file).read_bytes()
    except FileNotFoundError:
        return None


# --- the service --------------------------------------------------------------------------------------


class Archiver:
    """Subscribes to the live model; `tick()` writes every archive that is due (the thread calls it every
    `poll` seconds; tests call it after moving a ManualClock)."""

    def __init__(self, appliance, delay: float = DELAY, poll: float = POLL, state=None, clock=None):
        self.appliance = appliance
        self.state = state or appliance.state  # another model and clock: the seeded days (archive_seed)
        self.clock = clock or appliance.clock
        self.delay = int(delay)
        self.poll = poll
        self.dir = archive_dir(appliance)
        self._lock = threading.Lock()  # guards _pending and _last (taken under the state lock: quick)
        self._work = threading.RLock()  # one tick, start or stop at a time
        self._pending: list[tuple[int, Batch]] = []
        self._last = 0  # the latest timestamp handed out: event timestamps never go back
        self._lines: list[dict[str, Any]] = []  # event lines not archived yet, oldest first
        self._model = fmt.empty_tables()  # the model (archive layout) as of _lo, from the lines
        self._lo: int | None = None  # start of the open event interval; None while stopped
        self._sub = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle

    def start(self) -> None:
        with self._work:
            if self._lo is not None:
                return  # already running
            conn = _conn(self.appliance)
            self._remove_orphans(conn)
            if conn.execute("SELECT 1 FROM archive_index LIMIT 1").fetchone() is None:
                from harness.appliance import archive_seed  # it builds on this module

                archive_seed.write(self.appliance, conn)  # a new appliance: the seeded days' archives
            self.begin(conn)
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rs-harness-archiver", daemon=True)
        self._thread.start()

    def begin(self, conn) -> None:
        """The processes start: truncate_model and a state archive now, the first event interval from now."""
        with self._work:
            with self._lock:
                self._last = now = max(self._last, int(self.clock.now()))
                self._pending = []
            self._sub = self.state.subscribe(self._on_batch)
            snapshot = self._sub.snapshot
            self._model = fmt.empty_tables()
            for table, rows in snapshot.items():
                self._model[table] = {str(i): fmt.archive_row(table, r) for i, r in rows.items()}
            self._lines = [{"type": "truncate_model", "timestamp": now}]
            inserts = fmt.insert_line(now, snapshot)
            if inserts:
                self._lines.append(inserts)
            self._lo = now
            self._write_state(conn, now)
            self._prune(conn)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        with self._work:
            if self._lo is not None:
                self.end(_conn(self.appliance))

    def end(self, conn) -> None:
        """The processes stop: every interval archived, the open one cut short (it covers this second)."""
        with self._work:
            self._sub.close()
            now = self._take()
            self._close(conn, now)
            self._write_event(conn, self._lo, now, final=True)
            self._lo = None

    def _run(self) -> None:
        while not self._stop.wait(self.poll):
            try:
                self.tick()
            except Exception:  # keep archiving on the next tick; never take the appliance down
                log.exception("archiver tick failed")

    # -- work

    def tick(self) -> int:
        """Write every archive that is due now; returns how many were written."""
        with self._work:
            if self._lo is None:
                return 0
            now = self._take()
            return self._close(_conn(self.appliance), now - self.delay)

    def _on_batch(self, batch: Batch) -> None:
        with self._lock:
            self._last = max(int(self.clock.now()), self._last)
            self._pending.append((self._last, batch))

    def _take(self) -> int:
        """Now (never before an event already stamped), with the pending changes turned into lines."""
        with self._lock:
            self._last = now = max(int(self.clock.now()), self._last)
            pending, self._pending = self._pending, []
        for ts, batch in pending:
            self._lines.extend(fmt.batch_lines(ts, batch))
        return now

    def _close(self, conn, limit: int) -> int:
        """Archive every event interval that ended by `limit`, and the state at each half hour among them."""
        written = 0
        while True:
            end = (self._lo // EVENT_EVERY + 1) * EVENT_EVERY
            if end > limit:
                return written
            self._write_event(conn, self._lo, end)
            self._lo = end
            written += 1
            if end % STATE_EVERY == 0:
                self._write_state(conn, end)
                written += 1

    def _write_event(self, conn, lo: int, end: int, final: bool = False) -> None:
        cut = end + 1 if final else end
        model = [line for line in self._lines if line["timestamp"] < cut]
        self._lines = self._lines[len(model) :]
        for line in model:
            fmt.apply(self._model, line)
        # Model lines first at equal timestamps (the truncate at start stays the first line of all).
        lines = sorted(
            [(line["timestamp"], 0, n, line) for n, line in enumerate(model)]
            + [(line["timestamp"], 1, n, line) for n, line in enumerate(self._session_events(lo, cut))]
        )
        data = fmt.encode_lines(line for *_, line in lines)
        self._store(conn, "event", lo, data, end=end)

    def _write_state(self, conn, ts: int) -> None:
        day = day_of(ts)
        next_event = self._next_index(conn, "event", day)
        self._store(conn, "state", ts, fmt.dumps(fmt.state_document(self._model)), event_index=next_event)

    def _next_index(self, conn, kind: str, day: str) -> int:
        sql = "SELECT COALESCE(MAX(idx), 0) + 1 FROM archive_index WHERE kind = ? AND day = ?"
        return conn.execute(sql, (kind, day)).fetchone()[0]

    def _store(self, conn, kind: str, ts: int, data: bytes, end=None, event_index=None) -> None:
        day = day_of(ts)
        new_day = conn.execute("SELECT 1 FROM archive_index WHERE day = ? LIMIT 1", (day,)).fetchone() is None
        index = self._next_index(conn, kind, day)
        rel = f"{day}/{kind}-{index:05d}.json.gz"
        path = self.dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(gzip.compress(data, compresslevel=6, mtime=ts))
        os.replace(tmp, path)  # a reader or a kill sees the whole file or none
        conn.execute(
            "INSERT OR REPLACE INTO archive_index VALUES (?,?,?,?,?,?,?)",
            (kind, day, index, ts, end, event_index, rel),
        )
        if new_day:
            self._prune(conn)

    # -- housekeeping

    def _prune(self, conn) -> None:
        """Keep the archives of the last KEEP_DAYS active days: rows first, then files (a kill in between
        leaves orphan files, removed at the next start)."""
        days = [r[0] for r in conn.execute("SELECT DISTINCT day FROM archive_index ORDER BY day DESC")]
        for day in days[KEEP_DAYS:]:
            files = [r[0] for r in conn.execute("SELECT file FROM archive_index WHERE day = ?", (day,))]
            conn.execute("DELETE FROM archive_index WHERE day = ?", (day,))
            for rel in files:
                with contextlib.suppress(FileNotFoundError):
                    (self.dir / rel).unlink()
            with contextlib.suppress(OSError):
                (self.dir / day).rmdir()

    def _remove_orphans(self, conn) -> None:
        """Files the index does not know: temporary files and files written just before a kill."""
        if not self.dir.exists():
            return
        known = {r[0] for r in conn.execute("SELECT file FROM archive_index")}
        for path in sorted(self.dir.rglob("*"), reverse=True):
            rel = path.relative_to(self.dir).as_posix()
            if path.is_file() and rel not in known:
                path.unlink()
            elif path.is_dir():
                with contextlib.suppress(OSError):
                    path.rmdir()  # only if empty

    # -- session events from the history store

    def _session_events(self, lo: int, end: int) -> list[dict[str, Any]]:
        conn = history.ensure(self.appliance.db_path)
        out = []
        for presentation, table in ((False, "hist_session_event"), (True, "hist_presentation_event")):
            sql = f"SELECT * FROM {table} WHERE ts >= ? AND ts < ? ORDER BY ts, lsid, seq"
            for row in conn.execute(sql, (lo, end)):
                name = fmt.event_name(row["event_type"])
                if name is None:
                    continue
                e = Event.from_row(row["ts"], row["event_type"], row["payload"])
                derived = self._derived(conn, row, name, e, presentation)
                out.append(fmt.session_event_line(row["lsid"], name, e, derived, presentation))
        return out

    def _derived(self, conn, row, name: str, e: Event, presentation: bool) -> dict[str, Any]:
        """Data fields the history event does not hold as such: ids, ordinals, URLs, survey answers."""
        lsid, out = row["lsid"], {}
        if not presentation and e.performed_by.type == "representative":
            rep = conn.execute(
                "SELECT rep_id FROM hist_session_rep WHERE lsid = ? AND gsnumber = ?",
                (lsid, e.performed_by.gsnumber),
            ).fetchone()
            out["representative_id"] = rep[0] if rep else None
        ordinal = conn.execute(
            f"SELECT COUNT(*) FROM {'hist_presentation_event' if presentation else 'hist_session_event'}"
            " WHERE lsid = ? AND event_type = ? AND seq < ?",
            (lsid, row["event_type"], row["seq"]),
        ).fetchone()[0]
        host = self.appliance.config.hostname
        kind = {"show_my_screen_recording": recordings.SHOW_MY_SCREEN}.get(name)
        kind = kind or {"command_shell_session_started": recordings.COMMAND_SHELL}.get(name)
        if kind:
            out["instance"] = ordinal
            out["download_url"] = recordings.url(host, lsid, kind, instance=ordinal)
            out["view_url"] = recordings.url(host, lsid, kind, instance=ordinal, view=True)
        elif name == "screen_recording":
            out["download_url"] = recordings.url(host, lsid, recordings.SESSION, presentation)
            out["view_url"] = recordings.url(host, lsid, recordings.SESSION, presentation, view=True)
            out["appliance_guid"] = self.appliance.guid
        elif name == "session_note_added":
            out["number"] = ordinal + 1
        elif name in ("customer_exit_survey", "representative_survey"):
            kind = "cust" if name == "customer_exit_survey" else "rep"
            survey = conn.execute(
                "SELECT questions FROM hist_survey WHERE lsid = ? AND kind = ?", (lsid, kind)
            )
            row = survey.fetchone()
            questions = json.loads(row[0]) if row else []
            out["responses"] = [{"question": q["label"], "answer": ",".join(q["answers"])} for q in questions]
        return out


def attach(appliance) -> Archiver:
    """The appliance's archiver, made and added to its services once."""
    for service in appliance.services:
        if isinstance(service, Archiver):
            return service
    archiver = Archiver(appliance)
    appliance.services.append(archiver)
    return archiver
