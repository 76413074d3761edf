"""The archives of the seeded days: a new appliance starts with the state and event archives of the days its
history store was seeded with (history.seed_history), as an appliance that had been running would, so the
archive reports and their replay can be checked from the first minute.

The days: the last KEEP_DAYS - 1 UTC days before today on which the store has support sessions (today, the
appliance's own start, is the seventh active day; older seeded days keep their reports, as a real
appliance's reports outlive its archives). Each day is replayed on a model of its own (a LiveState on a
manual clock) by an `Archiver` that writes exactly as the live one does, with no delay: the processes start
half an hour before the day's first record and stop a quarter of an hour after its last (each day thus
begins with truncate_model and a state archive, and its last event archive is cut short). Written once,
when the archive index is empty, in one SQLite transaction (a kill leaves unindexed files, removed at the
next start, and the next start writes them again).

What the model holds, from the history store (choices where the store says nothing):
- every team's queue, from the start (persistent, as World keeps them);
- a representative from a minute before their first session or login of the day to a minute after the last
  (one login a day), with the personal queue and team memberships World gives them;
- a support session from its start to its end, waiting in its primary team's queue until its first
  representative's Conference Member Added (a jump: from the start), then in that representative's personal
  queue with a representative_support_session row; its customer client (the history's customer: hostname,
  operating system, addresses), custom attributes and issue skills throughout. The reports' start methods
  that the model does not list are mapped: a front-end survey or click-to-chat to issue_submission, a jump
  through a Jumpoint to remote_jump.
Presentations are not modelled (the live model has none either); their session events are archived as the
live archiver archives them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from harness.appliance import directory, history
from harness.appliance.archive import KEEP_DAYS, Archiver
from harness.appliance.clock import ManualClock
from harness.appliance.state import START_METHODS, LiveState
from harness.appliance.world import (
    Arrival,
    customer_client_row,
    personal_queue_row,
    representative_row,
    team_queue_row,
)

DAY = 86400
OPENS_BEFORE, CLOSES_AFTER = 1800, 900  # the processes' day around its first and last record
LOGIN_MARGIN = 60
METHODS = {"front_end_survey": "issue_submission", "click_to_chat": "issue_submission", "jump": "remote_jump"}
LOGIN, START, PICKUP, END, LOGOUT = range(5)  # the order of things that happen in the same second


@dataclass
class Seeded:
    """A support session of the history store, as the model saw it."""

    lsid: str
    start: int
    end: int
    pickup: int
    rep_id: int | None
    team_id: int | None
    jump: bool
    session: dict = field(default_factory=dict)  # support_session fields but queue_id
    arrival: Arrival = field(default_factory=Arrival)
    attributes: list[tuple[str, str]] = field(default_factory=list)
    skills: tuple[str, ...] = ()


def write(appliance, conn) -> int:
    """Write the seeded days' archives (see the module docstring); returns how many days."""
    store = history.ensure(appliance.db_path)
    now = int(appliance.clock.now())
    today = now - now % DAY
    days = [d for d in range(today - (KEEP_DAYS - 1) * DAY, today, DAY) if _sessions(store, d)]
    if not days:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for day in days:
            _replay(appliance, conn, _sessions(store, day), _logins(store, day))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(days)


def _sessions(store, day: int) -> list[Seeded]:
    sql = (
        "SELECT lsid, start_ts, end_ts, site_id, site_name, start_method, jumpoint_id FROM hist_support_session"
        " WHERE start_ts >= ? AND start_ts < ? AND end_ts IS NOT NULL ORDER BY start_ts, lsid"
    )
    out = []
    for row in store.execute(sql, (day, day + DAY)).fetchall():
        lsid, start = row["lsid"], row["start_ts"]
        rep = store.execute(
            "SELECT rep_id FROM hist_session_rep WHERE lsid = ? ORDER BY seq LIMIT 1", (lsid,)
        ).fetchone()
        team = store.execute(
            "SELECT team_id FROM hist_session_team WHERE lsid = ? ORDER BY primary_team DESC, seq LIMIT 1",
            (lsid,),
        ).fetchone()
        picked = store.execute(
            "SELECT MIN(ts) FROM hist_session_event WHERE lsid = ? AND event_type = 'Conference Member Added'",
            (lsid,),
        ).fetchone()[0]
        jump = row["jumpoint_id"] is not None or row["start_method"] == "jump"
        s = Seeded(lsid, start, row["end_ts"], start if jump else (picked or start), rep and rep[0],
                   team and team[0], jump)  # fmt: skip
        method = METHODS.get(row["start_method"], row["start_method"])
        s.session = {
            "estimated_pickup_timestamp": start + 60,
            "lsid": lsid,
            "priority": 2,
            "public_site_id": row["site_id"],
            "public_site_name": row["site_name"],
            "queue_entry_timestamp": start,
            "start_method": method if method in START_METHODS else "issue_submission",
        }
        c = store.execute("SELECT * FROM hist_session_customer WHERE lsid = ? ORDER BY seq LIMIT 1", (lsid,))
        c = c.fetchone()
        if c is not None:
            for name, column in (("customer_name", "name"), ("customer_company", "company"),
                                 ("customer_company_code", "company_code"), ("customer_description", "details")):  # fmt: skip
                if c[column]:
                    s.session[name] = c[column]
            issue = next((i for i in directory.ISSUES if str(i.id) == c["issue"]), None)
            if issue is not None:
                s.session.update(
                    issue_code_name=issue.code_name, issue_description=issue.title, priority=issue.priority
                )
                s.skills = issue.skills
            s.arrival = Arrival(
                hostname=c["hostname"], operating_system=c["os"], public_ip=c["public_ip"],
                private_ip=c["private_ip"], elevated=jump,
            )  # fmt: skip
        s.attributes = [
            (a["code_name"], a["value"])
            for a in store.execute(
                "SELECT code_name, value FROM hist_custom_attribute WHERE lsid = ? ORDER BY code_name",
                (lsid,),
            )
        ]
        out.append(s)
    return out


def _logins(store, day: int) -> list[tuple[int, int, int | None]]:
    sql = "SELECT rep_id, login_ts, logout_ts FROM hist_rep_login WHERE login_ts >= ? AND login_ts < ?"
    return [tuple(r) for r in store.execute(sql, (day, day + DAY))]


def _replay(appliance, conn, sessions: list[Seeded], logins: list[tuple[int, int, int | None]]) -> None:
    spans: dict[int, list[int]] = {}  # rep id -> [logged in, logged out]

    def cover(rep_id: int, lo: int, hi: int) -> None:
        span = spans.setdefault(rep_id, [lo, hi])
        span[0], span[1] = min(span[0], lo), max(span[1], hi)

    for rep_id, lo, hi in logins:
        cover(rep_id, lo, hi if hi is not None else lo)
    for s in sessions:
        if s.rep_id is not None:
            cover(s.rep_id, s.start - LOGIN_MARGIN, s.end + LOGIN_MARGIN)
    opens = min([s.start for s in sessions] + [lo for lo, _ in spans.values()]) - OPENS_BEFORE
    closes = max([s.end for s in sessions] + [hi for _, hi in spans.values()]) + CLOSES_AFTER
    clock = ManualClock(opens)
    state = LiveState(clock)
    model = _Model(state)
    archiver = Archiver(appliance, delay=0, state=state, clock=clock)
    archiver.begin(conn)
    steps: list[tuple[int, int, str, Callable[[], None]]] = []
    for rep_id, (lo, hi) in spans.items():
        steps += [(lo, LOGIN, str(rep_id), lambda r=rep_id: model.login(r)),
                  (hi, LOGOUT, str(rep_id), lambda r=rep_id: model.logout(r))]  # fmt: skip
    for s in sessions:
        steps += [(s.start, START, s.lsid, lambda s=s: model.start(s)),
                  (s.pickup, PICKUP, s.lsid, lambda s=s: model.pick_up(s)),
                  (s.end, END, s.lsid, lambda s=s: model.end(s))]  # fmt: skip
    for ts, _, _, step in sorted(steps, key=lambda x: x[:3]):
        clock.advance(ts - clock.now())
        archiver.tick()  # the intervals that closed before this second
        step()
    clock.advance(closes - clock.now())
    archiver.end(conn)


class _Model:
    """A day's live model, changed as World changes the live one (World's own row builders)."""

    def __init__(self, state: LiveState):
        self.state = state
        self.teams = {t.id: state.insert("queue", team_queue_row(t)) for t in directory.TEAMS}
        self.reps: dict[int, tuple[int, int]] = {}  # rep id -> (representative row, personal queue row)
        self.rows: dict[str, int] = {}  # lsid -> support_session row

    def login(self, rep_id: int) -> None:
        user = directory.user(rep_id)
        with self.state.transaction() as tx:
            queue = tx.insert("queue", personal_queue_row(user))
            row = tx.insert("representative", representative_row(user, queue))
            for team in directory.teams_of(rep_id):
                role = dict(team.members)[rep_id]
                tx.insert("representative_queue",
                          {"queue_id": self.teams[team.id], "representative_id": row, "role": role})  # fmt: skip
        self.reps[rep_id] = (row, queue)

    def logout(self, rep_id: int) -> None:
        row, queue = self.reps.pop(rep_id)
        with self.state.transaction() as tx:
            tx.delete("representative", row)
            tx.delete("queue", queue)

    def start(self, s: Seeded) -> None:
        with self.state.transaction() as tx:
            if s.jump and s.rep_id in self.reps:
                queue = self.reps[s.rep_id][1]
            else:
                queue = self.teams.get(s.team_id, self.teams[1])
                s.session["primary_team_queue_id"] = queue
            row = self.rows[s.lsid] = tx.insert("support_session", {**s.session, "queue_id": queue})
            tx.insert("customer_client", customer_client_row(s.arrival, row))
            for code, value in s.attributes:
                tx.insert(
                    "support_session_attribute",
                    {"code_name": code, "value": value, "support_session_id": row},
                )
            for skill in s.skills:
                tx.insert("support_session_skill", {"code_name": skill, "support_session_id": row})

    def pick_up(self, s: Seeded) -> None:
        if s.rep_id not in self.reps:
            return  # nobody took it: it waits until it ends
        rep_row, queue = self.reps[s.rep_id]
        row = self.rows[s.lsid]
        with self.state.transaction() as tx:
            tx.update("support_session", row, {"queue_id": queue})
            tx.insert(
                "representative_support_session", {"representative_id": rep_row, "support_session_id": row}
            )

    def end(self, s: Seeded) -> None:
        self.state.delete("support_session", self.rows.pop(s.lsid))
