"""ArchiveListing and Archive on the embedded appliance: the guide's examples, the archive files (gzip JSON
with the guide's tables, fields and event types) and their replay, the 30/10-minute cadence on a manual
clock, the seven active days, the "Enable State Archive API" setting, restarts and kills, hostile
parameters."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from click.testing import CliRunner
from conftest import valid_xml as valid
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from harness.appliance import archive, db, history, server
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.clock import ManualClock
from harness.appliance.history import SYSTEM, Customer, Entity, Event, SupportSession
from harness.appliance.state import LiveState, StateError, seed_minimal
from harness.catalogue.archive import SESSION_EVENTS

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
DAY0 = 1_699_920_000  # 2023-11-14T00:00:00Z
MORNING = DAY0 + 8 * 3600 + 200  # 08:03:20, so that a few hours stay within the day
TODAY, TOMORROW = "2023-11-14", "2023-11-15"
NOT_FOUND = b"No archives found for the given search criteria."
# The guide's tables for model_insert/model_update and their fields (Archive, "JSON Tables and Fields").
GUIDE_TABLES = {
    "customer_client": "client_type connected created_timestamp elevated hostname operating_system private_ip"
    " public_ip support_session_id",
    "queue": "code_name created_timestamp name support_team_id type",
    "representative": "connected console_in_focus created_timestamp hostname operating_system"
    " private_display_name private_ip public_display_name public_ip queue_id routing_available routing_busy"
    " routing_enabled routing_idle selected_support_session_id skill_code_names type user_id username",
    "representative_queue": "created_timestamp queue_id representative_id role",
    "representative_support_session": "created_timestamp representative_id"
    " selected_support_session_service_tool support_session_id",
    "representative_support_session_tool": "created_timestamp representative_id support_session_id tool",
    "support_session": "created_timestamp customer_company customer_company_code customer_description"
    " customer_name estimated_pickup_timestamp issue_code_name issue_description lsid primary_team_queue_id"
    " priority public_site_id public_site_name queue_entry_timestamp queue_id start_method",
    "support_session_attribute": "code_name created_timestamp support_session_id value",
    "support_session_skill": "code_name created_timestamp support_session_id",
    "presentation_session": "created_timestamp lsid presentation_name",
    "attendee": "connected created_timestamp hostname name operating_system presentation_session_id"
    " private_ip public_ip",
    "presenter": "created_timestamp presentation_session_id representative_id",
}
GUIDE_EVENT_TYPES = {"model_insert", "model_update", "model_delete", "truncate_model", "session_event"}


# --- helpers ---------------------------------------------------------------------------------------


def make(path: Path, clock: ManualClock | None = None, **config) -> Appliance:
    return Appliance(ApplianceConfig(path, **config), clock=clock or ManualClock(NOW))


class Client:
    """Reporting calls with a token fresh at the appliance's current (manual) time."""

    def __init__(self, appliance: Appliance, url: str, http: httpx.Client):
        self.appliance, self.url, self.http = appliance, url, http
        self._tokens: dict[str, tuple[float, dict[str, str]]] = {}

    def headers(self, account: str = "full") -> dict[str, str]:
        now = self.appliance.clock.now()
        issued, headers = self._tokens.get(account, (-1e18, {}))
        if now - issued > 1800 or now < issued:  # tokens live an hour of the (manual) clock
            a = self.appliance.account(account)
            r = self.http.post(
                f"{self.url}/oauth2/token",
                data={"grant_type": "client_credentials"},
                auth=(a.client_id, a.client_secret),
            )
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            self._tokens[account] = (now, headers)
        return headers

    def get(self, params: dict[str, str], account: str = "full") -> httpx.Response:
        return self.http.get(f"{self.url}/api/reporting", params=params, headers=self.headers(account))

    def listing(self, date: str) -> list[dict]:
        r = self.get({"generate_report": "ArchiveListing", "date": date})
        return parse_listing(valid(r, "archives"))

    def archive(self, kind: str, date: str, index: int) -> bytes:
        r = self.get({"generate_report": "Archive", "type": kind, "date": date, "index": str(index)})
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/gzip"
        assert (
            r.headers["content-disposition"]
            == f'attachment; filename="{kind}-archive-{date}-{index}.json.gz"'
        )
        return gzip.decompress(r.content)


@contextlib.contextmanager
def serving(appliance: Appliance) -> Iterator[Client]:
    with server.running(appliance) as url, httpx.Client() as http:
        yield Client(appliance, url, http)


def parse_listing(body: bytes) -> list[dict]:
    """The listing as real integrations read it: the namespace stripped before parsing, values trimmed."""
    root = etree.fromstring(re.sub(rb'\sxmlns="[^"]*"', b"", body, count=1))
    out = []
    for el in root:
        assert el.tag in ("state_archive", "event_archive"), el.tag
        end, ev = el.find("end_time"), el.findtext("event_archive_index")
        out.append({
            "kind": el.tag.removesuffix("_archive"),
            "time": int(el.find("time").get("timestamp")),
            "end": int(end.get("timestamp")) if end is not None else None,
            "index": int(el.findtext("index").strip()),
            "event_index": int(ev.strip()) if ev is not None else None,
        })  # fmt: skip
    return out


def of(entries: list[dict], kind: str) -> list[dict]:
    return [e for e in entries if e["kind"] == kind]


def lines_of(data: bytes) -> list[dict]:
    assert data.endswith(b"\n") or not data
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def replay(state: dict, events: list[dict]) -> dict[str, dict[str, dict]]:
    """The guide's recipe, written here independently of the appliance: start from a state archive, then
    insert/update rows, delete ids, and empty every table on truncate_model."""
    tables = {t: {i: dict(r) for i, r in (rows or {}).items()} for t, rows in state.items()}
    for e in events:
        if e["type"] == "truncate_model":
            tables = {t: {} for t in tables}
        for table, rows in e.items():
            if table not in tables:
                continue
            if e["type"] == "model_delete":
                for row_id in rows:
                    del tables[table][row_id]  # a delete of an unknown row is a bug in the stream
            elif e["type"] == "model_insert":
                for row_id, row in rows.items():
                    assert row_id not in tables[table], (table, row_id)
                    tables[table][row_id] = dict(row)
            elif e["type"] == "model_update":
                for row_id, row in rows.items():
                    tables[table][row_id].update(row)
    return tables


def same_as_live(tables: dict[str, dict[str, dict]], appliance: Appliance) -> bool:
    """Every live row, and no other, with its live values (the archive adds documented fields)."""
    live = appliance.state.snapshot()
    for table, rows in live.items():
        if set(tables[table]) != {str(i) for i in rows}:
            return False
        for row_id, row in rows.items():
            if any(tables[table][str(row_id)].get(k) != v for k, v in row.items()):
                return False
    return all(not tables[t] for t in tables if t not in live)


def changes(appliance: Appliance, clock: ManualClock) -> dict[str, int]:
    """A morning of the live model: logins, a session waiting, moves, an attribute changed, a logout, a
    session ending, all spread over about an hour and a half."""
    ids = seed_minimal(appliance.state)
    s = appliance.state
    steps = [
        (300, lambda: s.update("representative", ids["rep_alice"], {"routing_idle": 1})),
        (400, lambda: s.update("support_session", ids["session"], {"queue_id": ids["queue_alice"]})),
        (
            900,
            lambda: s.insert(
                "representative_support_session",
                {"representative_id": ids["rep_alice"], "support_session_id": ids["session"]},
            ),
        ),
        (1200, lambda: s.update("support_session_attribute", ids["attribute"], {"value": "INC-2002"})),
        (1500, lambda: s.delete("support_session_skill", ids["skill"])),
        (1800, lambda: s.update("representative", ids["rep_bob"], {"routing_available": 0})),
        (2400, lambda: s.delete("support_session", ids["session"])),  # cascades: client, attribute, link
        (3000, lambda: s.delete("representative", ids["rep_bob"])),
        (
            3600,
            lambda: s.insert("presentation_session", {"lsid": "ab" * 16, "presentation_name": "Onboarding"}),
        ),
    ]
    for wait, step in steps:
        clock.advance(wait)
        step()
    return ids


# --- the guide's query examples --------------------------------------------------------------------


def test_guide_examples_answer_a_valid_listing_and_the_documented_error(tmp_path) -> None:
    appliance = make(tmp_path)
    with serving(appliance) as client:
        assert client.listing("2016-10-01") == []  # long before the last seven active days
        for kind in ("state", "event"):
            r = client.get({"generate_report": "Archive", "type": kind, "date": "2016-10-01", "index": "50"})
            assert r.status_code == 200 and NOT_FOUND in valid(r, "error")


def test_a_fresh_appliance_lists_a_state_archive_at_once(tmp_path) -> None:
    appliance = make(tmp_path)
    with serving(appliance) as client:
        assert client.listing(TODAY) == [
            {"kind": "state", "time": int(NOW), "end": None, "index": 1, "event_index": 1}
        ]
        state = json.loads(client.archive("state", TODAY, 1))
        r = client.get({"generate_report": "Archive", "type": "event", "date": TODAY, "index": "1"})
        assert NOT_FOUND in valid(r, "error")  # its interval has not closed yet
    assert set(state) == set(GUIDE_TABLES)
    assert state["queue"] and state["support_session"] is None  # an empty table is null


def test_the_listing_validates_and_a_broken_one_does_not(tmp_path) -> None:
    clock = ManualClock(NOW)
    appliance = make(tmp_path, clock)
    with serving(appliance) as client:
        clock.advance(3600)
        archive.attach(appliance).tick()
        r = client.get({"generate_report": "ArchiveListing", "date": TODAY})
        body = valid(r, "archives")
    assert body.count(b"<state_archive>") == 3 and body.count(b"<event_archive>") == 6  # to 23:10 (delay)
    # The same check on a listing the guide forbids ("The first ... always starts at 1") fails.
    broken = httpx.Response(
        200, headers=r.headers, content=body.replace(b"<index>1</index>", b"<index>0</index>")
    )
    with pytest.raises(AssertionError):
        valid(broken, "archives")


# --- content, replay, cadence ----------------------------------------------------------------------


def test_archives_hold_the_guide_tables_and_event_types_and_replay_to_the_model(tmp_path) -> None:
    clock = ManualClock(NOW)
    appliance = make(tmp_path, clock)
    with serving(appliance) as client:
        archiver = archive.attach(appliance)
        changes(appliance, clock)
        clock.advance(archive.EVENT_EVERY + archive.DELAY)
        archiver.tick()
        entries = client.listing(TODAY) + client.listing(TOMORROW)
        files = {
            (e["kind"], e["time"]): client.archive(e["kind"], day(e["time"]), e["index"]) for e in entries
        }
        last_event = of(entries, "event")[-1]
    states = {t: json.loads(files[("state", t)]) for t in (e["time"] for e in of(entries, "state"))}
    events = {e["time"]: (e, lines_of(files[("event", e["time"])])) for e in of(entries, "event")}
    assert len(states) >= 3 and len(events) >= 9

    kinds = set()
    for entry, lines in events.values():
        assert [x["timestamp"] for x in lines] == sorted(x["timestamp"] for x in lines)  # oldest first
        for line in lines:
            kinds.add(line["type"])
            assert entry["time"] <= line["timestamp"] < entry["end"]
            for table, rows in line.items():
                if table in ("type", "timestamp"):
                    continue
                assert table in GUIDE_TABLES
                if line["type"] == "model_insert":  # "all fields included, even if blank"
                    assert all(list(r) == GUIDE_TABLES[table].split() for r in rows.values())
                elif line["type"] == "model_update":
                    assert all(set(r) <= set(GUIDE_TABLES[table].split()) for r in rows.values())
                else:
                    assert line["type"] == "model_delete" and all(isinstance(i, str) for i in rows)
    assert kinds == GUIDE_EVENT_TYPES - {"session_event"}  # none recorded in the history meanwhile
    assert events[int(NOW)][1][0] == {"type": "truncate_model", "timestamp": int(NOW)}
    assert all(r["connected"] == 1 for r in states[first_state(states)]["customer_client"].values())
    for state in states.values():
        assert set(state) == set(GUIDE_TABLES)
        for table, rows in state.items():
            assert rows is None or all(list(r) == GUIDE_TABLES[table].split() for r in rows.values())

    # Each state archive + the event archives from its event_archive_index on = the live model now; and
    # replaying the first state archive up to a later one's time gives that state archive.
    ordered = sorted(events)
    first = min(states)
    for entry in of(entries, "state"):
        tail = [line for t in ordered if t >= entry["time"] for line in events[t][1]]
        assert same_as_live(replay(states[entry["time"]], tail), appliance)
        head = [line for t in ordered if first <= t < entry["time"] for line in events[t][1]]
        assert replay(states[first], head) == replay(states[entry["time"]], [])
        starting = [e for e, _ in events.values() if e["time"] == entry["time"]]  # the last: not closed yet
        assert [e["index"] for e in starting] == [entry["event_index"]] * len(starting)
        assert starting or entry is of(entries, "state")[-1]  # "starts immediately after the snapshot"
    # The check can fail: the first state archive alone is not the model an hour and a half later.
    assert not same_as_live(replay(states[first], []), appliance)
    assert last_event["end"] % archive.EVENT_EVERY == 0


def day(ts: int) -> str:
    return archive.day_of(ts)


def first_state(states: dict[int, dict]) -> int:
    """The first state archive holding a customer client (seed_minimal's session)."""
    return next(t for t in sorted(states) if states[t]["customer_client"])


def _step(state: LiveState, op: str, pick: int) -> None:
    """One random change of the model; refused changes (a queue still in use...) change nothing."""

    def rows(table: str) -> list[int]:
        return sorted(state.rows(table))

    with contextlib.suppress(StateError, IndexError):
        if op == "team":
            state.insert(
                "queue",
                {"name": f"T{pick}", "code_name": f"t{pick}", "support_team_id": str(pick), "type": "team"},
            )
        elif op == "login":
            with state.transaction() as tx:
                q = tx.insert("queue", {"name": f"R{pick}", "type": "personal"})
                tx.insert("representative", {
                    "private_display_name": f"R{pick}", "public_display_name": f"R{pick}", "queue_id": q,
                    "routing_available": 1, "routing_busy": 0, "routing_enabled": 1, "routing_idle": 0,
                    "skill_code_names": "", "type": "normal", "user_id": pick, "username": f"r{pick}",
                })  # fmt: skip
        elif op == "session":
            team = [i for i in rows("queue") if state.get("queue", i)["type"] == "team"][pick % 7]
            with state.transaction() as tx:
                sid = tx.insert("support_session", {
                    "estimated_pickup_timestamp": 0, "lsid": f"{pick:032x}", "priority": 1 + pick % 3,
                    "public_site_id": 1, "public_site_name": "Default", "queue_entry_timestamp": 0,
                    "queue_id": team, "start_method": "session_key",
                })  # fmt: skip
                tx.insert("customer_client", {
                    "client_type": "desktop", "elevated": pick % 2, "hostname": "pc",
                    "operating_system": "os", "support_session_id": sid,
                })  # fmt: skip
        elif op == "idle":
            state.update("representative", rows("representative")[pick % 5], {"routing_idle": pick % 2})
        elif op == "join":
            state.insert("representative_support_session", {
                "representative_id": rows("representative")[pick % 5],
                "support_session_id": rows("support_session")[pick % 5],
            })  # fmt: skip
        elif op == "logout":
            rep = rows("representative")[pick % 5]
            queue = state.get("representative", rep)["queue_id"]
            with state.transaction() as tx:
                tx.delete("representative", rep)
                tx.delete("queue", queue)
        elif op == "end":
            state.delete("support_session", rows("support_session")[pick % 5])
        elif op == "truncate":
            state.truncate()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(
    ["team", "login", "session", "idle", "join", "logout", "end", "truncate", "wait", "wait"]
), st.integers(0, 2000)), max_size=40))  # fmt: skip
def test_replaying_any_history_from_any_state_archive_gives_the_model(steps) -> None:
    """Property: whatever happens to the model, each state archive + the event archives from its
    event_archive_index on replay to the model (here without HTTP, on the archiver alone)."""
    with tempfile.TemporaryDirectory() as tmp:
        clock = ManualClock(NOW)
        appliance = SimpleNamespace(
            config=SimpleNamespace(data_dir=Path(tmp), hostname="localhost"), db_path=Path(tmp) / "db.sqlite",
            clock=clock, state=LiveState(clock), guid="0" * 32, services=[],
        )  # fmt: skip
        archiver = archive.Archiver(appliance, poll=3600)
        archiver.start()
        for op, pick in steps:
            if op == "wait":
                clock.advance(pick)
                archiver.tick()
            else:
                _step(appliance.state, op, pick)
        archiver.stop()  # archives the open interval too
        conn = archive._conn(appliance)
        days = [r[0] for r in conn.execute("SELECT DISTINCT day FROM archive_index ORDER BY day")]
        entries = [e for d in days for e in archive.listing(appliance, d)]
        data = {(e.kind, e.day, e.index): gzip.decompress(archive.read(appliance, e)) for e in entries}
        events = [(e, lines_of(data[("event", e.day, e.index)])) for e in entries if e.kind == "event"]
        assert [e.end for e, _ in events[:-1]] == [e.start for e, _ in events[1:]]  # no gap, no overlap
        for e in entries:
            if e.kind == "state":
                state = json.loads(data[("state", e.day, e.index)])
                tail = [line for ev, lines in events if ev.start >= e.start for line in lines]
                assert same_as_live(replay(state, tail), appliance)
        db.connect(appliance.db_path).close()  # this thread's cached connection, before the files go
        db._local.conns.pop(str(appliance.db_path))


def test_cadence_thirty_minute_states_ten_minute_events_after_a_delay(tmp_path) -> None:
    clock = ManualClock(NOW)  # 22:13:20
    appliance = make(tmp_path, clock)
    with serving(appliance) as client:
        archiver = archive.attach(appliance)
        boundary = 1_700_000_400  # 22:20:00
        clock.advance(boundary + archive.DELAY - 1 - NOW)
        assert archiver.tick() == 0 and of(client.listing(TODAY), "event") == []  # not available yet
        clock.advance(1)
        assert archiver.tick() == 1
        assert of(client.listing(TODAY), "event") == [
            {"kind": "event", "time": int(NOW), "end": boundary, "index": 1, "event_index": None}
        ]
        clock.advance(4 * 3600)  # past midnight: 02:20:59
        archiver.tick()
        today, tomorrow = client.listing(TODAY), client.listing(TOMORROW)
    events = of(today, "event") + of(tomorrow, "event")
    assert [e["time"] for e in events] == [int(NOW), *range(boundary, boundary + 4 * 3600, 600)]
    assert all(e["end"] - e["time"] == 600 for e in events[1:])
    states = of(today, "state") + of(tomorrow, "state")
    assert [s["time"] for s in states] == [int(NOW), *range(1_700_001_000, boundary + 4 * 3600, 1800)]
    for listing in (today, tomorrow):  # "The first ... of the day always starts at 1"
        for kind in ("state", "event"):
            assert [e["index"] for e in of(listing, kind)] == list(range(1, len(of(listing, kind)) + 1))
    assert of(tomorrow, "event")[0]["time"] == 1_700_006_400  # midnight UTC


def test_session_events_are_archived_with_documented_names_and_urls_that_download(tmp_path) -> None:
    clock = ManualClock(NOW)
    appliance = make(tmp_path, clock)
    lsid = "5e55" * 8
    with serving(appliance) as client:
        archiver = archive.attach(appliance)
        t = int(NOW) + 60
        rep = Entity(101, "representative", "Alex Smith")
        cust = Entity(11, "customer", "jdoe")
        s = SupportSession(
            lsid,
            t,
            t + 200,
            "rep_list",
            [Customer(11, "jdoe", "198.51.100.1:50000", "10.0.0.1", "pc", "Unknown")],
        )
        s.reps = [history.session_rep(3, 101, 1, 1, 180)]
        s.events = [
            Event(t, "Session Start", SYSTEM),
            Event(t + 10, "Chat Message", rep, destination=cust, body="Hello"),
            Event(t + 20, "Show My Screen Recording", rep),
            Event(t + 30, "File Upload", rep, destination=cust, filename="fix.reg", filesize=2048),
            Event(t + 200, "Session End", rep),
        ]
        history.record_support_session(appliance.db_path, s)
        clock.advance(archive.EVENT_EVERY + archive.DELAY)
        archiver.tick()
        lines = lines_of(client.archive("event", TODAY, 1))
        session = [x for x in lines if x["type"] == "session_event"]
        recording = next(x for x in session if x["name"] == "show_my_screen_recording")["data"]
        path = recording["download_url"].split("/", 3)[3]
        r = httpx.get(f"{client.url}/{path}", headers=client.headers())
    assert {x["type"] for x in lines} <= GUIDE_EVENT_TYPES
    assert [x["name"] for x in session] == ["chat_message", "show_my_screen_recording", "file_upload"]
    assert all(x["lsid"] == lsid and set(x) == {"type", "timestamp", "lsid", "name", "data"} for x in session)
    chat = session[0]["data"]
    assert chat == {
        "body": "Hello",
        "destination": {"gsnumber": 11, "type": "customer", "name": "jdoe"},
        "performed_by": {"gsnumber": 101, "type": "representative", "name": "Alex Smith"},
    }
    assert set(recording) == {"download_url", "instance", "representative_id", "view_url"}
    assert recording["instance"] == 0 and recording["representative_id"] == 3
    assert session[2]["data"]["name"] == "fix.reg" and session[2]["data"]["size"] == 2048
    assert r.status_code == 200 and r.content.startswith(b"FLV\x01")


# --- the seeded days' archives, and the integration that reads them ---------------------------------

SEEDED_DAYS = [day(DAY0 - n * 86400) for n in range(6, 0, -1)]  # six days before TODAY: today is the seventh


def every_listed(client: Client, days: list[str]) -> dict[tuple[str, str, int], tuple[dict, bytes]]:
    return {(e["kind"], d, e["index"]): (e, client.archive(e["kind"], d, e["index"])) for d in days
            for e in client.listing(d)}  # fmt: skip


def test_a_new_appliance_starts_with_the_archives_of_its_seeded_days(tmp_path) -> None:
    """Each seeded day: the processes start (truncate_model, a state archive), run, and stop (the last event
    archive cut short); replaying a day from its first state archive gives each later one."""
    appliance = make(tmp_path / "a", seed=5)
    with serving(appliance) as client:
        older = client.listing(day(DAY0 - 7 * 86400))  # seeded, but the eighth active day: reports only
        files = every_listed(client, SEEDED_DAYS)
    assert older == []
    assert {d for _, d, _ in files} == set(SEEDED_DAYS)
    for d in SEEDED_DAYS:
        listed = sorted((e["time"], k, e, data) for (k, dd, _), (e, data) in files.items() if dd == d)
        states = [(e, json.loads(data)) for _, k, e, data in listed if k == "state"]
        events = [(e, lines_of(data)) for _, k, e, data in listed if k == "event"]
        assert len(states) >= 10 and [e["index"] for e, _ in states] == list(range(1, len(states) + 1))
        first, last = events[0], events[-1]
        assert first[1][0] == {"type": "truncate_model", "timestamp": states[0][0]["time"]}
        assert first[0]["time"] == states[0][0]["time"] and last[0]["end"] % archive.EVENT_EVERY != 0
        assert [e["end"] for e, _ in events[:-1]] == [e["time"] for e, _ in events[1:]]  # no gap
        for entry, state in states[1:]:
            head = [line for e, lines in events if e["time"] < entry["time"] for line in lines]
            assert replay(states[0][1], head) == replay(state, []), (d, entry["index"])
        sessions = [x for _, lines in events for x in lines if x["type"] == "session_event"]
        assert sessions and {x["name"] for x in sessions} <= set(SESSION_EVENTS)
    # Deterministic from the seed: the same seed writes the same files, another seed other ones.
    again, other = make(tmp_path / "b", seed=5), make(tmp_path / "c", seed=6)
    with serving(again) as client:
        assert every_listed(client, SEEDED_DAYS) == files
    with serving(other) as client:
        assert every_listed(client, SEEDED_DAYS[:1]) != {
            k: v for k, v in files.items() if k[1] == SEEDED_DAYS[0]
        }


def test_a_restart_keeps_the_seeded_days_and_writes_them_once(tmp_path) -> None:
    clock = ManualClock(NOW)
    with serving(make(tmp_path, clock)) as client:
        before = every_listed(client, SEEDED_DAYS)
    clock.advance(3600)
    with serving(make(tmp_path, clock)) as client:
        assert every_listed(client, SEEDED_DAYS) == before
        assert len(of(client.listing(TODAY), "state")) == 2  # one at each start


def test_an_integration_splits_public_ip_on_every_archive_row(tmp_path) -> None:
    """The production integration of DESIGN.md's facts, against the embedded appliance over HTTP: every
    state archive listed, every customer_client and representative row, `public_ip.split(':', 1)`. Its
    values are the field's: a port on public_ip, IPv6 bracketed, private_ip and operating_system Unknown
    now and then; the live day's rows (the simulation's warm-up) among them."""
    appliance = make(tmp_path, simulate=True)
    rows = []
    with serving(appliance) as client:
        for d in [*SEEDED_DAYS, TODAY]:
            for entry in of(client.listing(d), "state"):
                state = json.loads(client.archive("state", d, entry["index"]))
                for table in ("customer_client", "representative"):
                    for row in (state[table] or {}).values():
                        _host, _port = row["public_ip"].split(":", 1)  # None raises: the integration crashes
                        rows.append((d, table, row))
    assert {d for d, _, _ in rows} == {*SEEDED_DAYS, TODAY}
    for _, _, row in rows:
        assert all(
            isinstance(row[f], str) for f in ("hostname", "operating_system", "private_ip", "public_ip")
        )
    publics = {row["public_ip"] for _, _, row in rows}
    assert any(p.startswith("[") and "]:" in p for p in publics)
    assert all(re.fullmatch(r"(\d+\.\d+\.\d+\.\d+|\[[0-9a-f:]+\]):\d+", p) for p in publics)
    assert any(row["private_ip"] == "Unknown" for _, _, row in rows)
    assert any(row["operating_system"] == "Unknown" for _, t, row in rows if t == "customer_client")
    assert {t for d, t, _ in rows if d == TODAY} == {"customer_client", "representative"}


# --- seven active days, setting, restarts ------------------------------------------------------------


def test_only_the_last_seven_active_days_are_kept(tmp_path) -> None:
    clock = ManualClock(NOW)
    appliance = make(tmp_path, clock)
    archiver = archive.attach(appliance)
    active = [0, 1, 3, 4, 8, 9, 10, 15, 16]  # days (from 2023-11-14) on which the appliance ran
    for n, offset in enumerate(active):
        clock.advance(MORNING + offset * 86400 + 3600 * (n % 3) - clock.now())
        archiver.start()
        archiver.stop()
    days = [day(DAY0 + d * 86400) for d in active]
    clock.advance(60)
    with serving(appliance) as client:
        kept = {d: client.listing(d) for d in days}
        on_disk = sorted(p.name for p in (tmp_path / "archives").iterdir())
    assert [d for d in days if kept[d]] == days[-7:]  # the days between (not active) do not count
    assert all(kept[d] == [] for d in days[:2])
    assert on_disk == days[-7:]
    assert all(of(kept[d], "state") and of(kept[d], "event") for d in days[-7:])


def test_the_setting_off_refuses_both_reports_with_a_403_error(tmp_path) -> None:
    appliance = make(tmp_path, state_archive_api=False)
    with serving(appliance) as client:
        for params in (
            {"generate_report": "ArchiveListing", "date": TODAY},
            {"generate_report": "Archive", "type": "state", "date": TODAY, "index": "1"},
        ):
            r = client.get(params)
            assert r.status_code == 403 and b"Enable State Archive API" in valid(r, "error")
        assert (
            client.get(
                {"generate_report": "SupportSessionListing", "start_date": TODAY, "duration": "1"}
            ).status_code
            == 200
        )
        appliance.config.state_archive_api = True  # the archiver ran all along: the history is there
        assert of(client.listing(TODAY), "state")


def test_serve_has_the_setting(monkeypatch, tmp_path) -> None:
    from harness import cli
    from harness.appliance import server as server_module

    seen = []
    monkeypatch.setattr(server_module, "serve", lambda appliance, **kw: seen.append(appliance.config))
    for args, expected in (([], True), (["--no-state-archive-api"], False)):
        result = CliRunner().invoke(cli.main, ["serve", "--no-simulation", "--data", str(tmp_path), *args])
        assert result.exit_code == 0, result.output
        assert seen.pop().state_archive_api is expected


def test_archives_survive_a_restart_and_indexes_continue(tmp_path) -> None:
    clock = ManualClock(MORNING)
    first = make(tmp_path, clock)
    with serving(first) as client:
        changes(first, clock)
        clock.advance(archive.DELAY)
        archive.attach(first).tick()
        before = client.listing(TODAY)
        files = {(e["kind"], e["index"]): client.archive(e["kind"], TODAY, e["index"]) for e in before}
    # Shut down cleanly: the open interval was archived, cut short at the stop.
    clock.advance(600)
    second = make(tmp_path, clock)
    with serving(second) as client:
        after = client.listing(TODAY)
        assert {
            (e["kind"], e["index"]): client.archive(e["kind"], TODAY, e["index"]) for e in before
        } == files
        started = int(clock.now())
        clock.advance(archive.EVENT_EVERY + archive.DELAY)
        archive.attach(second).tick()
        new_state = of(after, "state")[-1]
        restart = lines_of(client.archive("event", TODAY, new_state["event_index"]))
    assert after[: len(before)] == before
    stopped = of(after, "event")[len(of(before, "event"))]
    assert stopped["time"] == of(before, "event")[-1]["end"] and stopped["end"] == started - 600
    assert new_state == {
        "kind": "state",
        "time": started,
        "end": None,
        "index": len(of(before, "state")) + 1,
        "event_index": len(of(before, "event")) + 2,
    }
    # "the B Series Appliance's processes have restarted": clean all rows, then the rows it starts with.
    assert restart[0] == {"type": "truncate_model", "timestamp": started}
    assert restart[1]["type"] == "model_insert" and restart[1]["queue"]


KILLED = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from harness.appliance import archive, state
    from harness.appliance.app import Appliance, ApplianceConfig
    from harness.appliance.clock import ManualClock
    clock = ManualClock(1_700_000_000.0)
    appliance = Appliance(ApplianceConfig(Path(sys.argv[1])), clock=clock)
    archiver = archive.Archiver(appliance, poll=3600)
    archiver.start()
    ids = state.seed_minimal(appliance.state)
    for n in range(100000):
        clock.advance(300)
        appliance.state.update("representative", ids["rep_alice"], {"routing_idle": n % 2})
        archiver.tick()
        print(n, flush=True)
    """
)


def test_an_abrupt_kill_leaves_every_listed_archive_whole(tmp_path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    for _ in range(60):
        proc.stdout.readline()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    (tmp_path / "archives" / TODAY / "event-99999.json.gz.tmp").write_bytes(b"half a file")
    clock = ManualClock(NOW + 86400 * 2)  # restarted two days later
    appliance = make(tmp_path, clock)
    with serving(appliance) as client:
        listed = [(d, e) for d in (TODAY, TOMORROW, "2023-11-16") for e in client.listing(d)]
        for d, e in listed:
            data = client.archive(e["kind"], d, e["index"])
            json.loads(data) if e["kind"] == "state" else lines_of(data)
    assert len(listed) > 20
    assert not list((tmp_path / "archives").rglob("*.tmp"))  # the unindexed leftover is gone


# --- hostile parameters ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"generate_report": "ArchiveListing"},
        {"generate_report": "ArchiveListing", "date": ""},
        {"generate_report": "ArchiveListing", "date": "2016-13-01"},
        {"generate_report": "ArchiveListing", "date": "2016-02-30"},
        {"generate_report": "ArchiveListing", "date": "2016-1-1"},
        {"generate_report": "ArchiveListing", "date": "yesterday"},
        {"generate_report": "ArchiveListing", "date": "2016-10-01T00:00:00"},
        {"generate_report": "ArchiveListing", "date": "../../etc"},
        {"generate_report": "ArchiveListing", "date": "２０１６-10-01"},
        {"generate_report": "Archive", "date": TODAY, "index": "1"},
        {"generate_report": "Archive", "type": "", "date": TODAY, "index": "1"},
        {"generate_report": "Archive", "type": "State", "date": TODAY, "index": "1"},
        {"generate_report": "Archive", "type": "snapshot", "date": TODAY, "index": "1"},
        {"generate_report": "Archive", "type": "state\x00", "date": TODAY, "index": "1"},
        {"generate_report": "Archive", "type": "state", "index": "1"},
        {"generate_report": "Archive", "type": "state", "date": "2016-00-10", "index": "1"},
        {"generate_report": "Archive", "type": "state", "date": TODAY},
        {"generate_report": "Archive", "type": "state", "date": TODAY, "index": "-1"},
        {"generate_report": "Archive", "type": "state", "date": TODAY, "index": "1.0"},
        {"generate_report": "Archive", "type": "state", "date": TODAY, "index": "0x1"},
        {"generate_report": "Archive", "type": "state", "date": TODAY, "index": " 1"},
        {"generate_report": "Archive", "type": "state", "date": TODAY, "index": "99999999999999999999999"},
        {"generate_report": "Archive", "type": "event", "date": TODAY, "index": "1e3"},
    ],
)
def test_hostile_parameters_answer_a_400_error(served, params) -> None:
    r = served.get(params)
    assert r.status_code == 400, r.text
    valid(r, "error")


@pytest.mark.parametrize("index", ["0", "2", "999999999999"])
def test_an_index_that_matches_nothing_is_the_documented_error(served, index) -> None:
    r = served.get({"generate_report": "Archive", "type": "state", "date": TODAY, "index": index})
    assert r.status_code == 200 and NOT_FOUND in valid(r, "error")


def test_the_hostile_checks_can_fail(served) -> None:
    """The parameter cases above are not all refused for the same reason: a good request gets the file."""
    r = served.get({"generate_report": "Archive", "type": "state", "date": TODAY, "index": "1"})
    assert r.status_code == 200 and gzip.decompress(r.content).startswith(b"{")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Client]:
    appliance = make(tmp_path_factory.mktemp("archives"))
    with serving(appliance) as client:
        yield client
