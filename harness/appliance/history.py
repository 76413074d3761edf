"""The appliance's history store behind the reporting API: SQLite tables prefixed `hist_`.

One record kind, one function (`record_support_session`, `record_presentation`, `record_team_event`,
`record_rep_login`, `record_team_member`, `record_license_sample`): each writes in one transaction, so a
record is either wholly there after a crash or not at all (WAL, see db.py). Nested parts that are only
ever read back whole (event payloads, survey questions) are stored as JSON.

`seed_history` writes deterministic history from the configured seed, once (a marker row), relative to
the appliance clock: the last several days, plus a few records on 2016-10-01, the day every query example
of the guide's Reporting API asks about, so that those examples return data too (on a 1.7.0 appliance
2011-04-01, the day of the Bomgar 12.1 guide's examples).
"""

from __future__ import annotations

import json
import random
import sqlite3
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from harness.appliance import db, directory, endpoints

DDL = """
CREATE TABLE IF NOT EXISTS hist_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS hist_support_session (
    lsid TEXT PRIMARY KEY, lseq INTEGER NOT NULL, start_ts INTEGER NOT NULL, end_ts INTEGER,
    site_id INTEGER NOT NULL, site_name TEXT NOT NULL, jumpoint_id INTEGER, jumpoint_name TEXT,
    external_key TEXT NOT NULL DEFAULT '', start_method TEXT NOT NULL, has_recording INTEGER NOT NULL,
    file_transfer_count INTEGER NOT NULL, file_move_count INTEGER NOT NULL,
    file_delete_count INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS hist_support_session_start ON hist_support_session (start_ts);
CREATE INDEX IF NOT EXISTS hist_support_session_end ON hist_support_session (end_ts);
CREATE TABLE IF NOT EXISTS hist_session_customer (
    lsid TEXT NOT NULL REFERENCES hist_support_session (lsid), seq INTEGER NOT NULL,
    gsnumber INTEGER NOT NULL, username TEXT NOT NULL, public_ip TEXT NOT NULL, private_ip TEXT NOT NULL,
    hostname TEXT NOT NULL, os TEXT NOT NULL, name TEXT NOT NULL, company TEXT NOT NULL,
    company_code TEXT NOT NULL, issue TEXT NOT NULL, details TEXT NOT NULL, PRIMARY KEY (lsid, seq));
CREATE TABLE IF NOT EXISTS hist_session_rep (
    lsid TEXT NOT NULL REFERENCES hist_support_session (lsid), seq INTEGER NOT NULL,
    gsnumber INTEGER NOT NULL, rep_id INTEGER NOT NULL, username TEXT NOT NULL, display_name TEXT NOT NULL,
    public_display_name TEXT NOT NULL, display_number TEXT NOT NULL, public_ip TEXT NOT NULL,
    private_ip TEXT NOT NULL, hostname TEXT, os TEXT NOT NULL, session_owner INTEGER NOT NULL,
    primary_rep INTEGER NOT NULL, seconds_involved INTEGER NOT NULL, invited INTEGER NOT NULL,
    PRIMARY KEY (lsid, seq));
CREATE INDEX IF NOT EXISTS hist_session_rep_id ON hist_session_rep (rep_id);
CREATE TABLE IF NOT EXISTS hist_session_team (
    lsid TEXT NOT NULL REFERENCES hist_support_session (lsid), seq INTEGER NOT NULL,
    team_id INTEGER NOT NULL, name TEXT NOT NULL, primary_team INTEGER NOT NULL, PRIMARY KEY (lsid, seq));
CREATE TABLE IF NOT EXISTS hist_session_event (
    lsid TEXT NOT NULL REFERENCES hist_support_session (lsid), seq INTEGER NOT NULL, ts INTEGER NOT NULL,
    event_type TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (lsid, seq));
CREATE TABLE IF NOT EXISTS hist_custom_attribute (
    lsid TEXT NOT NULL REFERENCES hist_support_session (lsid), code_name TEXT NOT NULL,
    display_name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (lsid, code_name));
CREATE TABLE IF NOT EXISTS hist_survey (
    lsid TEXT NOT NULL REFERENCES hist_support_session (lsid), kind TEXT NOT NULL CHECK (kind IN ('cust', 'rep')),
    gsnumber INTEGER NOT NULL, submitted_by TEXT NOT NULL, questions TEXT NOT NULL, PRIMARY KEY (lsid, kind));
CREATE TABLE IF NOT EXISTS hist_presentation (
    lsid TEXT PRIMARY KEY, lseq INTEGER NOT NULL, start_ts INTEGER NOT NULL, end_ts INTEGER,
    site_id INTEGER NOT NULL, has_recording INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS hist_presentation_attendee (
    lsid TEXT NOT NULL REFERENCES hist_presentation (lsid), seq INTEGER NOT NULL, gsnumber INTEGER NOT NULL,
    username TEXT NOT NULL, public_ip TEXT NOT NULL, PRIMARY KEY (lsid, seq));
CREATE TABLE IF NOT EXISTS hist_presentation_rep (
    lsid TEXT NOT NULL REFERENCES hist_presentation (lsid), seq INTEGER NOT NULL, gsnumber INTEGER NOT NULL,
    rep_id INTEGER NOT NULL, username TEXT NOT NULL, public_display_name TEXT NOT NULL,
    private_display_name TEXT NOT NULL, public_ip TEXT NOT NULL, private_ip TEXT NOT NULL, hostname TEXT,
    os TEXT NOT NULL, seconds_involved INTEGER NOT NULL, PRIMARY KEY (lsid, seq));
CREATE TABLE IF NOT EXISTS hist_presentation_event (
    lsid TEXT NOT NULL REFERENCES hist_presentation (lsid), seq INTEGER NOT NULL, ts INTEGER NOT NULL,
    event_type TEXT NOT NULL, payload TEXT NOT NULL, PRIMARY KEY (lsid, seq));
CREATE INDEX IF NOT EXISTS hist_session_event_ts ON hist_session_event (ts);
CREATE INDEX IF NOT EXISTS hist_presentation_event_ts ON hist_presentation_event (ts);
CREATE TABLE IF NOT EXISTS hist_team_member (
    team_id INTEGER NOT NULL, team_name TEXT NOT NULL, rep_id INTEGER NOT NULL, PRIMARY KEY (team_id, rep_id));
CREATE TABLE IF NOT EXISTS hist_team_event (
    id INTEGER PRIMARY KEY AUTOINCREMENT, team_id INTEGER NOT NULL, team_name TEXT NOT NULL,
    ts INTEGER NOT NULL, event_type TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS hist_team_event_ts ON hist_team_event (ts);
CREATE TABLE IF NOT EXISTS hist_rep_login (
    id INTEGER PRIMARY KEY AUTOINCREMENT, rep_id INTEGER NOT NULL, gsnumber INTEGER NOT NULL,
    display_name TEXT NOT NULL, public_display_name TEXT NOT NULL, public_ip TEXT NOT NULL,
    private_ip TEXT NOT NULL, login_ts INTEGER NOT NULL, logout_ts INTEGER);
CREATE TABLE IF NOT EXISTS hist_license_sample (
    ts INTEGER NOT NULL, license_type TEXT NOT NULL, total INTEGER NOT NULL, login INTEGER NOT NULL,
    extended_contact INTEGER NOT NULL, PRIMARY KEY (ts, license_type));
"""

SEED_MARKER = "seeded"
GUIDE_DAY = 1_475_280_000  # 2016-10-01T00:00:00Z, the day of the guide's query examples
LEGACY_GUIDE_DAY = 1_301_616_000  # 2011-04-01T00:00:00Z, the day of the 12.1 guide's (API 1.7.0) examples


# --- records ---------------------------------------------------------------------------------------


@dataclass
class Entity:
    """Who performed or received an event: gsnumber, type (system/customer/representative/attendee), name."""

    gsnumber: int
    type: str
    name: str


SYSTEM = Entity(0, "system", "System")


@dataclass
class Event:
    """A session, presentation or team event; the optional parts appear only when set."""

    ts: int
    event_type: str
    performed_by: Entity
    destination: Entity | None = None  # session and presentation events
    destinations: list[tuple[int, str]] = field(default_factory=list)  # team events: (gsnumber, name)
    body: str | None = None
    filename: str | None = None
    filesize: int | None = None
    system_information: list[dict] = field(default_factory=list)  # {"name", "fields": [], "rows": [[]]}
    files: list[tuple[str, int]] = field(default_factory=list)
    data: list[tuple[str, str]] = field(default_factory=list)

    def payload(self) -> str:
        d = asdict(self)
        del d["ts"], d["event_type"]
        return json.dumps(d)

    @classmethod
    def from_row(cls, ts: int, event_type: str, payload: str) -> Event:
        d = json.loads(payload)
        d["performed_by"] = Entity(**d["performed_by"])
        if d["destination"] is not None:
            d["destination"] = Entity(**d["destination"])
        return cls(ts, event_type, **d)


@dataclass
class Customer:
    gsnumber: int
    username: str
    public_ip: str
    private_ip: str
    hostname: str
    os: str
    name: str = ""
    company: str = ""
    company_code: str = ""
    issue: str = ""
    details: str = ""


@dataclass
class SessionRep:
    gsnumber: int
    rep_id: int
    username: str
    display_name: str  # the private display name
    public_display_name: str
    display_number: str
    public_ip: str
    private_ip: str
    hostname: str | None
    os: str
    session_owner: int
    primary_rep: int
    seconds_involved: int
    invited: int = 0


@dataclass
class Question:
    id: int
    name: str
    type: str  # radio, checkbox, select, text, textarea
    label: str
    report_header: str
    answers: list[str]


@dataclass
class Survey:
    kind: str  # cust or rep
    gsnumber: int
    submitted_by: str
    questions: list[Question]


@dataclass
class SupportSession:
    lsid: str
    start_ts: int
    end_ts: int | None
    start_method: str
    customers: list[Customer]
    reps: list[SessionRep] = field(default_factory=list)
    teams: list[tuple[int, str, int]] = field(default_factory=list)  # (id, name, primary_team)
    events: list[Event] = field(default_factory=list)
    custom_attributes: list[tuple[str, str, str]] = field(default_factory=list)  # code, display, value
    surveys: list[Survey] = field(default_factory=list)
    site_id: int = 1
    site_name: str = "Default"
    jumpoint: tuple[int, str] | None = None
    external_key: str = ""
    has_recording: int = 0
    file_transfer_count: int = 0
    file_move_count: int = 0
    file_delete_count: int = 0
    lseq: int | None = None  # next in sequence when None


@dataclass
class PresentationRep:
    gsnumber: int
    rep_id: int
    username: str
    public_display_name: str
    private_display_name: str
    public_ip: str
    private_ip: str
    hostname: str | None
    os: str
    seconds_involved: int


@dataclass
class Presentation:
    lsid: str
    start_ts: int
    end_ts: int | None
    attendees: list[tuple[int, str, str]]  # (gsnumber, username, public_ip)
    reps: list[PresentationRep]
    events: list[Event]
    site_id: int = 1
    has_recording: int = 0
    lseq: int | None = None


# --- writing -----------------------------------------------------------------------------------------


_ready: set[str] = set()


def ensure(path: Path) -> sqlite3.Connection:
    """This thread's connection, the tables created once per process (executescript would COMMIT an open
    transaction, so it must not run on every record)."""
    if str(path) not in _ready:
        db.ensure_schema(path, DDL)
        _ready.add(str(path))
    return db.connect(path)


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT (or ROLLBACK), the connections being in autocommit mode; inside an
    enclosing transaction (seed_history's) it joins that one instead."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.outer = conn.in_transaction

    def __enter__(self) -> sqlite3.Connection:
        if not self.outer:
            self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self.outer:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _next_lseq(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT COALESCE(MAX(lseq), 0) + 1 FROM {table}").fetchone()[0]


def record_support_session(path: Path, s: SupportSession) -> None:
    """Write (or replace, e.g. when an in-progress session ends) one support session with its parts."""
    conn = ensure(path)
    with _transaction(conn):
        for table in ("hist_session_customer", "hist_session_rep", "hist_session_team", "hist_session_event"):
            conn.execute(f"DELETE FROM {table} WHERE lsid = ?", (s.lsid,))
        conn.execute("DELETE FROM hist_custom_attribute WHERE lsid = ?", (s.lsid,))
        conn.execute("DELETE FROM hist_survey WHERE lsid = ?", (s.lsid,))
        old = conn.execute("SELECT lseq FROM hist_support_session WHERE lsid = ?", (s.lsid,)).fetchone()
        lseq = s.lseq or (old[0] if old else _next_lseq(conn, "hist_support_session"))
        jump_id, jump_name = s.jumpoint or (None, None)
        conn.execute(
            "INSERT OR REPLACE INTO hist_support_session VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                s.lsid, lseq, s.start_ts, s.end_ts, s.site_id, s.site_name, jump_id, jump_name,
                s.external_key, s.start_method, s.has_recording, s.file_transfer_count,
                s.file_move_count, s.file_delete_count,
            ),
        )  # fmt: skip
        for i, c in enumerate(s.customers):
            conn.execute(
                "INSERT INTO hist_session_customer VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (s.lsid, i, *asdict(c).values()),
            )
        for i, r in enumerate(s.reps):
            conn.execute(
                "INSERT INTO hist_session_rep VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (s.lsid, i, *asdict(r).values()),
            )
        for i, (team_id, name, primary) in enumerate(s.teams):
            conn.execute(
                "INSERT INTO hist_session_team VALUES (?,?,?,?,?)", (s.lsid, i, team_id, name, primary)
            )
        for i, e in enumerate(s.events):
            conn.execute(
                "INSERT INTO hist_session_event VALUES (?,?,?,?,?)",
                (s.lsid, i, e.ts, e.event_type, e.payload()),
            )
        for code, display, value in s.custom_attributes:
            conn.execute("INSERT INTO hist_custom_attribute VALUES (?,?,?,?)", (s.lsid, code, display, value))
        for v in s.surveys:
            questions = json.dumps([asdict(q) for q in v.questions])
            conn.execute(
                "INSERT INTO hist_survey VALUES (?,?,?,?,?)",
                (s.lsid, v.kind, v.gsnumber, v.submitted_by, questions),
            )


def record_presentation(path: Path, p: Presentation) -> None:
    conn = ensure(path)
    with _transaction(conn):
        for table in ("hist_presentation_attendee", "hist_presentation_rep", "hist_presentation_event"):
            conn.execute(f"DELETE FROM {table} WHERE lsid = ?", (p.lsid,))
        old = conn.execute("SELECT lseq FROM hist_presentation WHERE lsid = ?", (p.lsid,)).fetchone()
        lseq = p.lseq or (old[0] if old else _next_lseq(conn, "hist_presentation"))
        conn.execute(
            "INSERT OR REPLACE INTO hist_presentation VALUES (?,?,?,?,?,?)",
            (p.lsid, lseq, p.start_ts, p.end_ts, p.site_id, p.has_recording),
        )
        for i, (gsnumber, username, public_ip) in enumerate(p.attendees):
            conn.execute(
                "INSERT INTO hist_presentation_attendee VALUES (?,?,?,?,?)",
                (p.lsid, i, gsnumber, username, public_ip),
            )
        for i, r in enumerate(p.reps):
            conn.execute(
                "INSERT INTO hist_presentation_rep VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (p.lsid, i, *asdict(r).values()),
            )
        for i, e in enumerate(p.events):
            conn.execute(
                "INSERT INTO hist_presentation_event VALUES (?,?,?,?,?)",
                (p.lsid, i, e.ts, e.event_type, e.payload()),
            )


def record_team_member(path: Path, team_id: int, team_name: str, rep_id: int) -> None:
    ensure(path).execute(
        "INSERT OR REPLACE INTO hist_team_member VALUES (?,?,?)", (team_id, team_name, rep_id)
    )


def record_team_event(path: Path, team_id: int, team_name: str, event: Event) -> None:
    ensure(path).execute(
        "INSERT INTO hist_team_event (team_id, team_name, ts, event_type, payload) VALUES (?,?,?,?,?)",
        (team_id, team_name, event.ts, event.event_type, event.payload()),
    )


def record_rep_login(
    path: Path,
    rep: SessionRep,
    login_ts: int,
    logout_ts: int | None = None,
) -> int:
    """A representative console login (logout_ts None while logged in); returns its id for record_rep_logout."""
    cur = ensure(path).execute(
        "INSERT INTO hist_rep_login (rep_id, gsnumber, display_name, public_display_name, public_ip, private_ip,"
        " login_ts, logout_ts) VALUES (?,?,?,?,?,?,?,?)",
        (
            rep.rep_id, rep.gsnumber, rep.display_name, rep.public_display_name, rep.public_ip, rep.private_ip,
            login_ts, logout_ts,
        ),
    )  # fmt: skip
    return cur.lastrowid


def record_rep_logout(path: Path, login_id: int, logout_ts: int) -> None:
    ensure(path).execute("UPDATE hist_rep_login SET logout_ts = ? WHERE id = ?", (logout_ts, login_id))


def record_license_sample(
    path: Path, ts: int, login: int, extended_contact: int = 0, license_type: str = "Representative"
) -> None:
    """A peak license usage sample (the appliance logs one when at least 90% of the licenses are in use)."""
    ensure(path).execute(
        "INSERT OR REPLACE INTO hist_license_sample VALUES (?,?,?,?,?)",
        (ts, license_type, login + extended_contact, login, extended_contact),
    )


# --- seeding -----------------------------------------------------------------------------------------

TEAMS = {t.id: t.name for t in directory.TEAMS}
MEMBERS = {t.id: [user_id for user_id, _ in t.members] for t in directory.TEAMS}
SITES = directory.SITES
SESSION_REPS = [1, 3, 5, 8]  # the representatives the seeded sessions were handled by
START_METHODS = ["front_end_survey", "session_key", "jump", "click_to_chat", "rep_list", "issue_submission"]
CUSTOMERS = [
    ("jdoe", "Jane Doe", "Example Corp", "FIN-LT-004512", "Windows 10 Enterprise x64 Edition"),
    ("bob", "Bob Example", "", "bob-mbp", "Unknown"),
    ("mgarcia", "Maria Garcia", "Acme", "ACME-PC-17", "Windows 11 Pro x64 Edition"),
    ("tbrown", "Tom Brown", "Initech", "tbrown-laptop", "macOS 12.1"),
]
CUST_QUESTIONS = [
    (1, "rating", "radio", "How satisfied were you with this session?", "Rating", ["5", "4", "3"]),
    (2, "topics", "checkbox", "What did we help you with?", "Topics", ["email", "password", "printer"]),
    (3, "comments", "textarea", "Any other comments?", "Comments", ["", "Quick and friendly, thanks!"]),
]
REP_QUESTIONS = [
    (11, "resolved", "select", "Was the issue resolved?", "Resolved", ["yes", "no"]),
    (12, "notes", "text", "Internal notes", "Notes", ["Credential cache reset.", ""]),
]
GUIDE_LSIDS = ["c69a8e10bea9428f816cfababe9815fe", "a5eeaa58591047b88556f944804227b0"]
IN_PROGRESS_LSID = "5bf07601298b495b87310da9ce571e22"
GUIDE_PRESENTATION = "6d547436638c41ad8f945388d2d465d2"


def session_rep(rep_id: int, gsnumber: int, owner: int, primary: int, seconds: int) -> SessionRep:
    u = directory.user(rep_id)
    return SessionRep(
        gsnumber, rep_id, u.username, u.private_display_name, u.public_display_name,
        "" if u.invited else str(rep_id), u.public_ip, u.private_ip, u.hostname, u.os, owner, primary, seconds,
        invited=int(u.invited),
    )  # fmt: skip


def _support_session(
    rng: random.Random, lsid: str, start: int, end: int | None, method: str, surveys: bool = False
) -> SupportSession:
    gs_cust, gs_rep = rng.randrange(10, 90), rng.randrange(100, 190)
    username, name, company, host, os_ = rng.choice(CUSTOMERS)
    private_ip = endpoints.private_ip(rng)
    jump = method == "jump"
    customer = Customer(gs_cust, host if jump else username, endpoints.public_ip(rng), private_ip, host, os_)
    if not jump:
        customer.name, customer.company = name, company
        customer.issue = (
            str(rng.randrange(1, 6)) if method in ("front_end_survey", "issue_submission") else ""
        )
        customer.details = "Outlook keeps asking for my password." if method == "front_end_survey" else ""
    s = SupportSession(lsid, start, end, method, [customer])
    s.site_id, s.site_name = SITES[0] if rng.random() < 0.8 else SITES[1]
    cust = Entity(gs_cust, "customer", customer.username)
    s.events.append(Event(start, "Session Start", Entity(gs_rep, "representative", "") if jump else SYSTEM))
    if jump:
        s.jumpoint = (4, "DC-East Jumpoint")
    if end is None and not jump:  # never picked up: waiting in a team queue
        s.teams.append((2, TEAMS[2], 0))
        s.events.append(Event(start + 1, "External Key", SYSTEM, data=[("external_key", "")]))
        return s
    rep_id = rng.choice(SESSION_REPS)
    finish = end if end is not None else start + 60
    rep = session_rep(rep_id, gs_rep, 1, 1, max(finish - start - 20, 1))
    rep_entity = Entity(gs_rep, "representative", rep.display_name)
    s.events[0].performed_by = rep_entity if jump else SYSTEM
    s.reps.append(rep)
    team_id = rng.choice([t for t, members in MEMBERS.items() if rep_id in members])
    if not jump:
        s.teams.append((team_id, TEAMS[team_id], 1))
        s.events.append(Event(start + 3, "Legal Agreement Response", cust, data=[("response", "accept")]))
        s.events.append(Event(start + 5, "Conference Member Added", SYSTEM, destination=rep_entity))
    t = start + 20
    if rng.random() < 0.7:
        s.events.append(Event(t, "Chat Message", rep_entity, body="Hi, I'm taking a look now."))
    if rng.random() < 0.5:
        s.file_transfer_count = 1
        s.events.append(
            Event(
                t + 30,
                "File Upload",
                rep_entity,
                destination=cust,
                filename="C:\\Temp\\fix.reg",
                filesize=2048,
            )
        )
    if rng.random() < 0.3:
        s.file_delete_count = 1
        s.events.append(
            Event(t + 40, "File Deleted", rep_entity, destination=cust, filename="C:\\Temp\\old.tmp")
        )
    if rng.random() < 0.3:
        s.events.append(Event(t + 50, "Session Note Added", rep_entity, body="Profile rebuilt."))
    if rng.random() < 0.4:
        s.external_key = f"INC{rng.randrange(10**6, 10**7)}"
        s.custom_attributes = [("asset_tag", "Asset Tag", f"LT-{rng.randrange(1000, 9999)}")]
    _seed_recordings(s, rep_entity, cust, t + 52)
    if end is not None:
        if (surveys or rng.random() < 0.5) and not jump:
            s.surveys.append(survey(rng, "cust", gs_cust, customer.name, CUST_QUESTIONS))
            s.events.append(Event(end - 8, "Customer Exit Survey", cust))
        if surveys or rng.random() < 0.4:
            s.surveys.append(survey(rng, "rep", gs_rep, rep.display_name, REP_QUESTIONS))
            s.events.append(Event(end - 5, "Representative Exit Survey", rep_entity))
        s.events.append(Event(end, "Session End", rep_entity))
    return s


def survey(rng: random.Random, kind: str, gsnumber: int, who: str, questions: list) -> Survey:
    return Survey(
        kind,
        gsnumber,
        who,
        [Question(i, n, t, lab, hdr, [rng.choice(opts)]) for i, n, t, lab, hdr, opts in questions],
    )


# --- seeded recordings: decided from the lsid, not the rng, so the rest of the seed stays as it was -----


def _seed_recordings(s: SupportSession, rep: Entity, cust: Entity, at: int) -> None:
    """A screen sharing recording (has_recording) and Show My Screen / command shell recordings (their
    events, see recordings.py) for some sessions that ended. The guide's session has all three, with three
    instances each: its ShowMyScreenRecording and CommandShellRecording examples ask for instances 0 and 2."""
    if s.end_ts is None:
        return
    h, guide = int(s.lsid[:8], 16), s.lsid == GUIDE_LSIDS[0]
    s.has_recording = int(guide or h % 3 != 0)
    for i in range(3 if guide else h // 3 % 3):
        s.events.append(Event(at + i, "Show My Screen Recording", rep))
    for i in range(3 if guide else h // 9 % 3):
        s.events.append(Event(at + 4 + i, "Command Shell Session Started", rep, destination=cust))


def _presentation(rng: random.Random, lsid: str, start: int, end: int) -> Presentation:
    rep_id = rng.choice([1, 3, 5])
    r = session_rep(rep_id, rng.randrange(100, 190), 1, 1, end - start)
    rep = PresentationRep(
        r.gsnumber, rep_id, r.username, r.public_display_name, r.display_name, r.public_ip, r.private_ip,
        r.hostname, r.os, end - start,
    )  # fmt: skip
    who = Entity(r.gsnumber, "representative", r.display_name)
    attendees = [
        (rng.randrange(10, 90), name, endpoints.public_ip(rng)) for _, name, *_ in rng.sample(CUSTOMERS, 2)
    ]
    events = [Event(start, "Session Start", SYSTEM)]
    for gsnumber, name, _ in attendees:
        events.append(
            Event(
                start + 5, "Conference Member Added", SYSTEM, destination=Entity(gsnumber, "attendee", name)
            )
        )
    events.append(Event(start + 60, "Chat Message", who, body="Welcome, we'll start in a minute."))
    events.append(Event(end, "Session End", who))
    has_recording = int(lsid == GUIDE_PRESENTATION or int(lsid[:8], 16) % 2 == 0)  # as _seed_recordings
    return Presentation(lsid, start, end, attendees, [rep], events, site_id=1, has_recording=has_recording)


def _team_events(rng: random.Random, path: Path, start: int) -> None:
    a, b = session_rep(3, 109, 1, 1, 0), session_rep(5, 112, 1, 1, 0)
    record_rep_login(path, a, start - 600, start + 8 * 3600)
    record_rep_login(path, b, start - 300, start + 6 * 3600)
    who_a = Entity(a.gsnumber, "representative", a.display_name)
    who_b = Entity(b.gsnumber, "representative", b.display_name)
    joined = [
        ("name", a.display_name),
        ("public_ip", a.public_ip),
        ("support_teams", ";Service Desk;General"),
    ]
    record_team_event(path, 2, TEAMS[2], Event(start + 60, "Conference Member Added", who_a, data=joined))
    lsid = uuid.UUID(int=rng.getrandbits(128)).hex
    record_team_event(
        path, 2, TEAMS[2], Event(start + 600, "Session Transferred to Queue", SYSTEM, data=[("lsid", lsid)])
    )
    record_team_event(path, 2, TEAMS[2], Event(start + 660, "Session Transferred Away from Queue", who_a))
    record_team_event(
        path,
        1,
        TEAMS[1],
        Event(start + 900, "Chat Message", who_a, destinations=[(112, b.display_name)], body="Anyone free?"),
    )
    record_team_event(
        path, 1, TEAMS[1], Event(start + 1200, "Files Shared", who_b, files=[("kb.pdf", 98304)])
    )
    record_team_event(path, 5, TEAMS[5], Event(start + 1500, "Representative Monitoring Started", who_b, destinations=[(109, a.display_name)]))  # fmt: skip


def seed_history(appliance) -> None:
    """Write the deterministic seed history once, in one transaction with its marker row (a kill half-way
    leaves nothing, so the next start seeds again from scratch)."""
    path = appliance.db_path
    conn = ensure(path)
    if conn.execute("SELECT 1 FROM hist_meta WHERE key = ?", (SEED_MARKER,)).fetchone():
        return
    with _transaction(conn):
        _seed(appliance, path, random.Random(appliance.config.seed))
        conn.execute(
            "INSERT OR REPLACE INTO hist_meta VALUES (?, ?)", (SEED_MARKER, str(appliance.config.seed))
        )


def _seed(appliance, path: Path, rng: random.Random) -> None:
    for team_id, reps in MEMBERS.items():
        for rep_id in reps:
            record_team_member(path, team_id, TEAMS[team_id], rep_id)
    # The guide's day: sessions between 8:00 AM and 6:00 PM, under the lsids the guide's examples use.
    guide = (LEGACY_GUIDE_DAY if appliance.config.legacy else GUIDE_DAY) + 9 * 3600
    record_support_session(
        path, _support_session(rng, GUIDE_LSIDS[0], guide, guide + 902, "front_end_survey", True)
    )
    record_support_session(path, _support_session(rng, GUIDE_LSIDS[1], guide + 3600, guide + 4200, "jump"))
    record_presentation(
        path, _presentation(rng, GUIDE_PRESENTATION, guide + 2 * 3600, guide + 2 * 3600 + 2550)
    )
    _team_events(rng, path, guide)
    record_license_sample(path, guide + 1800, 47, 2)
    now = int(appliance.clock.now())
    today = now - now % 86400
    for day in range(7, 0, -1):
        base = today - day * 86400
        for _ in range(rng.randrange(3, 7)):
            start = base + rng.randrange(7 * 3600, 18 * 3600)
            end = start + rng.randrange(120, 3600)
            lsid = uuid.UUID(int=rng.getrandbits(128)).hex
            record_support_session(path, _support_session(rng, lsid, start, end, rng.choice(START_METHODS)))
        start = base + 15 * 3600
        record_presentation(
            path, _presentation(rng, uuid.UUID(int=rng.getrandbits(128)).hex, start, start + 2400)
        )
        _team_events(rng, path, base + 8 * 3600)
        for hour in (10, 14):
            record_license_sample(path, base + hour * 3600, rng.randrange(45, 50), rng.randrange(0, 3))
    start = now - 252  # still waiting in a queue, as in the guide's example
    record_support_session(path, _support_session(rng, IN_PROGRESS_LSID, start, None, "front_end_survey"))
