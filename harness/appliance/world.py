"""What happens on the appliance: representatives log in and out, session keys are made, customers arrive,
sessions are picked up, conferenced, transferred and ended. The command API, session generation and the
simulation driver all act through `World`, which keeps the live model (`LiveState`, seen by the real-time
API), the session keys and the history store (`history.record_*`, seen by the reporting API) consistent.

Choices where the guide is silent (recorded in the issue note):
- A representative's personal queue exists while they are logged in or a session waits in it (a session key
  may target a representative who is not logged in: the session waits for them).
- `general` is the queue of team 1 ("General"); generate_session_key still answers `<queue>general</queue>`.
- `<queue_id>` and the `rep:`/`team:` forms use user and team ids, never the real-time model's row ids.
- A session key can be used any number of times until it expires (each use starts a new session).
- Taking a session moves it to the representative's personal queue; transferring to a team puts it back to
  wait there without representatives; transferring to a logged-in representative hands it to them.
- The session ends when its last participant leaves, or when it is terminated; it is then written to the
  history with its events, and leaves the live model.
All methods are thread-safe (one lock); they do SQLite writes, so async callers use run_in_threadpool.
"""

from __future__ import annotations

import random
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from harness.appliance import directory, history
from harness.appliance.directory import EXTERNAL_KEY
from harness.appliance.history import Customer, Entity, Event, SupportSession, Survey
from harness.catalogue import limits

# each custom field and the external key (1024 characters), all of them together (10KB of UTF-8)
MAX_FIELD = limits.CUSTOM_FIELD_MAX
MAX_FIELDS_TOTAL = limits.CUSTOM_TOTAL_MAX_BYTES
GUIDE_SHORT_KEY = "1234567"  # the session key the guide's start_session example uses


class WorldError(Exception):
    """An action the state does not allow; the message is what the API answers."""


@dataclass
class Target:
    """Where a session goes: a team queue, a representative's personal queue, or the general queue."""

    kind: str  # "general", "team" or "rep"
    id: int  # team id or user id
    issue: directory.Issue | None = None

    @property
    def answer_kind(self) -> str:  # generate_session_key's <queue>
        return self.kind


@dataclass
class SessionKey:
    short_key: str
    access_key: str  # the ak= of the key URL
    target: Target
    created: int
    ttl: int
    url_hostname: str
    external_key: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    priority: int | None = None
    skills: tuple[str, ...] | None = None

    @property
    def expires(self) -> int:
        return self.created + self.ttl

    @property
    def key_url(self) -> str:
        return f"https://{self.url_hostname}/?ak={self.access_key}"


@dataclass
class Arrival:
    """A customer asking for support (session generation, a virtual customer, the simulation)."""

    name: str = ""
    company: str = ""
    company_code: str = ""
    details: str = ""
    hostname: str = "customer-pc"
    operating_system: str = "Windows 10 Enterprise x64 Edition"
    public_ip: str = "198.51.100.10:50000"
    private_ip: str = "Unknown"
    client_type: str = "desktop"
    elevated: bool = False
    locale: str = "en-us"
    site_id: int = 1


@dataclass
class LoggedIn:
    user: directory.User
    row: int  # the representative row
    queue_row: int  # the personal queue row
    since: int
    gsnumber: int
    login_id: int  # history login record
    status: str = "available"
    showing_on_rep_list: bool = True


@dataclass
class Active:
    """A session in progress, with what its history record will need."""

    lsid: str
    row: int
    start: int
    method: str
    arrival: Arrival
    customer_gs: int
    customer_row: int | None
    issue: directory.Issue | None
    external_key: str
    attributes: dict[str, str]
    reps: dict[int, list[int]] = field(
        default_factory=dict
    )  # user id -> [gsnumber, joined at, seconds so far]
    in_session: set[int] = field(default_factory=set)  # user ids in the session now
    owner: int | None = None
    owners: set[int] = field(default_factory=set)  # every representative who owned it: <session_owner> 1
    primary: int | None = None  # the last to own it: "the final representative to own the session"
    teams: list[tuple[int, str, int]] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    surveys: list[Survey] = field(default_factory=list)


# --- the live model's rows as they are made (World, and the archives of the seeded days) -------------------


def team_queue_row(team: directory.Team) -> dict[str, Any]:
    return {"name": team.name, "code_name": team.code_name, "support_team_id": str(team.id), "type": "team"}


def personal_queue_row(user: directory.User) -> dict[str, Any]:
    return {"name": user.public_display_name, "type": "personal"}


def representative_row(user: directory.User, queue_row: int) -> dict[str, Any]:
    """The live model's row of a representative who has just logged in (available, not idle)."""
    routing = directory.REP_STATUSES["available"]
    return {
        # The console's machine, as reports show it; no hostname is a blank string (real archives: strings).
        "hostname": user.hostname or "",
        "operating_system": user.os,
        "private_ip": user.private_ip,
        "public_ip": user.public_ip,
        "private_display_name": user.private_display_name,
        "public_display_name": user.public_display_name,
        "queue_id": queue_row,
        "routing_available": routing[0],
        "routing_busy": routing[1],
        "routing_enabled": 1,
        "routing_idle": 0,
        "skill_code_names": ",".join(user.skills),
        "type": "invited" if user.invited else "normal",
        "user_id": user.id,
        "username": user.username,
    }


def customer_client_row(arrival: Arrival, session_row: int) -> dict[str, Any]:
    """The live model's row of a customer client that has just connected for a support_session row."""
    return {
        "client_type": arrival.client_type,
        "elevated": int(arrival.elevated),
        "hostname": arrival.hostname,
        "operating_system": arrival.operating_system,
        "private_ip": arrival.private_ip,
        "public_ip": arrival.public_ip,
        "support_session_id": session_row,
    }


def check_fields(values: dict[str, str]) -> None:
    """The guide's limits on custom fields and the external key."""
    for name, value in values.items():
        if name not in directory.CUSTOM_FIELDS:
            raise WorldError(f"Unknown custom field: {name}")
        if len(value) > MAX_FIELD:
            raise WorldError(f"The value of {name} exceeds the maximum length of {MAX_FIELD} characters")
    if sum(len(v.encode("utf-8")) for v in values.values()) > MAX_FIELDS_TOTAL:
        raise WorldError("The combined size of the custom fields, including the external key, exceeds 10KB")


class World:
    def __init__(self, appliance):
        self.appliance = appliance
        self.state = appliance.state
        self.clock = appliance.clock
        self.db_path = appliance.db_path
        self.rng = random.Random(appliance.config.seed)
        self._lock = threading.RLock()
        self.logged_in: dict[int, LoggedIn] = {}  # by user id
        self.keys: dict[str, SessionKey] = {}  # by short key
        self.sessions: dict[str, Active] = {}  # by lsid
        self._personal: dict[int, int] = {}  # user id -> personal queue row
        self._next_gs = 100
        history.ensure(self.db_path)
        with self.state.transaction() as tx:
            self.team_queues = {t.id: tx.insert("queue", team_queue_row(t)) for t in directory.TEAMS}
        self._guide_key()

    # --- helpers -----------------------------------------------------------------------------------------

    def now(self) -> int:
        return int(self.clock.now())

    def _gs(self) -> int:
        self._next_gs += 1
        return self._next_gs

    def _guide_key(self) -> None:
        """The guide's start_session example key, standing for the maximum key timeout from each start."""
        self.keys[GUIDE_SHORT_KEY] = SessionKey(
            GUIDE_SHORT_KEY, uuid.UUID(int=self.rng.getrandbits(128)).hex, Target("team", 1), self.now(),
            directory.SESSION_KEY_MAX_TTL, self.appliance.config.hostname,
        )  # fmt: skip

    def _queue_row(self, target: Target, tx) -> int:
        if target.kind == "rep":
            row = self._personal.get(target.id)
            if row is None:
                user = directory.user(target.id)
                row = self._personal[target.id] = tx.insert("queue", personal_queue_row(user))
            return row
        return self.team_queues[1 if target.kind == "general" else target.id]

    def _drop_personal_queue(self, user_id: int, tx) -> None:
        row = self._personal.get(user_id)
        if row is None or user_id in self.logged_in:
            return
        if any(s["queue_id"] == row for s in self.state.rows("support_session").values()):
            return
        tx.delete("queue", row)
        del self._personal[user_id]

    def _user(self, user_id: int | None = None, username: str | None = None) -> directory.User:
        if username is not None:
            found = directory.user_named(username)
            if len(found) != 1:
                raise WorldError(f"No single representative with the username {username}")
            return found[0]
        user = directory.user(user_id) if user_id is not None else None
        if user is None:
            raise WorldError(f"Invalid representative ID: {user_id}")
        return user

    def _rep(self, user_id: int | None = None, username: str | None = None) -> LoggedIn:
        user = self._user(user_id, username)
        rep = self.logged_in.get(user.id)
        if rep is None:
            raise WorldError(f"Representative {user.id} is not logged in")
        return rep

    def _new_lsid(self) -> str:
        """A session ID that no session of the history has ("A string which uniquely identifies this
        session"): the seeded history draws its IDs from a generator of the same seed."""
        conn = history.ensure(self.db_path)
        while True:
            lsid = uuid.UUID(int=self.rng.getrandbits(128)).hex
            used = conn.execute(
                "SELECT 1 FROM hist_support_session WHERE lsid = ? UNION ALL"
                " SELECT 1 FROM hist_presentation WHERE lsid = ?",
                (lsid, lsid),
            ).fetchone()
            if used is None and lsid not in self.sessions:
                return lsid

    def _session(self, lsid: str) -> Active:
        active = self.sessions.get(lsid.lower())
        if active is None:
            raise WorldError(f"No active session with LSID {lsid}")
        return active

    def _entity(self, user_id: int, active: Active) -> Entity:
        return Entity(active.reps[user_id][0], "representative", directory.user(user_id).private_display_name)

    # --- queues ------------------------------------------------------------------------------------------

    def resolve(
        self, spec: str, forms: tuple[str, ...] = ("general", "rep", "team", "rep_username", "issue")
    ):
        """A queue_id parameter (general, rep:[id], team:[id], rep_username:[name], issue:[code name])."""
        form, _, value = spec.partition(":")
        if form not in forms or (form == "general") == bool(_):
            raise WorldError(f"Invalid queue_id: {spec}")
        if form == "general":
            return Target("general", 1)
        if form == "rep_username":
            return Target("rep", self._user(username=value).id)
        if form == "issue":
            issue = directory.issue_named(value)
            if issue is None:
                raise WorldError(f"Invalid issue code name: {value}")
            return Target("team", issue.team_id, issue)
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise WorldError(f"Invalid queue_id: {spec}")
        if form == "rep":
            user = directory.user(int(value))
            if user is None or not user.can_log_in:
                raise WorldError(f"Invalid representative ID: {value}")
            return Target("rep", user.id)
        if directory.team(int(value)) is None:
            raise WorldError(f"Invalid team ID: {value}")
        return Target("team", int(value))

    def available(self, target: Target) -> bool:
        """generate_session_key's `available`: the representative is logged in / a team member is (team
        queues are not persistent here)."""
        with self._lock:
            if target.kind == "rep":
                return target.id in self.logged_in
            team = directory.team(1 if target.kind == "general" else target.id)
            return any(user_id in self.logged_in for user_id, _ in team.members)

    def waiting_in_team(self, team_id: int) -> int:
        row = self.team_queues[team_id]
        return sum(1 for s in self.state.rows("support_session").values() if s["queue_id"] == row)

    # --- representatives ---------------------------------------------------------------------------------

    def login(self, user_id: int, showing_on_rep_list: bool = True) -> LoggedIn:
        with self._lock:
            user = self._user(user_id)
            if not user.can_log_in:
                raise WorldError(f"Representative {user_id} cannot log in")
            if user_id in self.logged_in:
                return self.logged_in[user_id]
            now = self.now()
            with self.state.transaction() as tx:
                queue = self._queue_row(Target("rep", user_id), tx)
                row = tx.insert("representative", representative_row(user, queue))
                for team in directory.teams_of(user_id):
                    role = dict(team.members)[user_id]
                    tx.insert(
                        "representative_queue",
                        {"queue_id": self.team_queues[team.id], "representative_id": row, "role": role},
                    )
            gs = self._gs()
            login_id = history.record_rep_login(self.db_path, history.session_rep(user_id, gs, 0, 0, 0), now)
            rep = self.logged_in[user_id] = LoggedIn(user, row, queue, now, gs, login_id)
            rep.showing_on_rep_list = showing_on_rep_list
            return rep

    def logout(self, user_id: int) -> None:
        """Log out: the representative leaves every session (which go back to their team queue, or end)."""
        with self._lock:
            rep = self._rep(user_id)
            for active in [a for a in self.sessions.values() if user_id in a.in_session]:
                self.leave(active.lsid, user_id=user_id)
            with self.state.transaction() as tx:
                tx.delete("representative", rep.row)
                del self.logged_in[user_id]
                self._drop_personal_queue(user_id, tx)
            history.record_rep_logout(self.db_path, rep.login_id, self.now())

    def set_status(self, user_id: int, code_name: str) -> None:
        with self._lock:
            rep = self._rep(user_id)
            routing = directory.REP_STATUSES.get(code_name)
            if routing is None:
                raise WorldError(f"Invalid status code name: {code_name}")
            self.state.update(
                "representative", rep.row, {"routing_available": routing[0], "routing_busy": routing[1]}
            )
            rep.status = code_name

    def session_count(self, user_id: int) -> int:
        with self._lock:
            return sum(1 for a in self.sessions.values() if user_id in a.in_session)

    # --- session keys ------------------------------------------------------------------------------------

    def generate_key(
        self,
        target: Target,
        ttl: int | None = None,
        url_hostname: str | None = None,
        fields: dict[str, str] | None = None,
        priority: int | None = None,
        skills: tuple[str, ...] | None = None,
    ) -> SessionKey:
        fields = dict(fields or {})
        check_fields(fields)
        if ttl is not None and not 0 < ttl <= directory.SESSION_KEY_MAX_TTL:
            raise WorldError(f"ttl must be between 1 and {directory.SESSION_KEY_MAX_TTL} seconds")
        _check_priority_skills(priority, skills)
        with self._lock:
            self._expire_keys()
            while True:
                short = f"{self.rng.randrange(10**7):07d}"
                if short not in self.keys:
                    break
            key = SessionKey(
                short, uuid.UUID(int=self.rng.getrandbits(128)).hex, target, self.now(),
                ttl or directory.SESSION_KEY_MAX_TTL, url_hostname or self.appliance.config.hostname,
                fields.pop(EXTERNAL_KEY, ""), fields, priority, skills,
            )  # fmt: skip
            self.keys[short] = key
            return key

    def key(self, short_key: str | None = None, access_key: str | None = None) -> SessionKey | None:
        """A valid key by its short key or its URL's access key."""
        with self._lock:
            self._expire_keys()
            if short_key is not None:
                return self.keys.get(short_key)
            return next((k for k in self.keys.values() if k.access_key == access_key), None)

    def _expire_keys(self) -> None:
        now = self.now()
        for short in [s for s, k in self.keys.items() if k.expires <= now]:
            del self.keys[short]
        if GUIDE_SHORT_KEY not in self.keys:
            self._guide_key()

    # --- sessions ----------------------------------------------------------------------------------------

    def start_session(
        self,
        method: str,
        target: Target,
        arrival: Arrival,
        fields: dict[str, str] | None = None,
        priority: int | None = None,
        skills: tuple[str, ...] | None = None,
    ) -> Active:
        """A customer client connects: a new session waits in the target queue."""
        fields = dict(fields or {})
        check_fields(fields)
        _check_priority_skills(priority, skills)
        issue = target.issue
        priority = priority or (issue.priority if issue else 2)
        skills = skills if skills is not None else (issue.skills if issue else ())
        site_name = dict(directory.SITES).get(arrival.site_id)
        if site_name is None:
            raise WorldError(f"Invalid public site: {arrival.site_id}")
        with self._lock:
            now = self.now()
            lsid = self._new_lsid()
            with self.state.transaction() as tx:
                queue = self._queue_row(target, tx)
                team_queue = queue if target.kind != "rep" else None
                waiting = sum(
                    1 for s in self.state.rows("support_session").values() if s["queue_id"] == queue
                )
                session = {
                    "estimated_pickup_timestamp": now + 60 * (waiting + 1),
                    "lsid": lsid,
                    "priority": priority,
                    "public_site_id": arrival.site_id,
                    "public_site_name": site_name,
                    "queue_entry_timestamp": now,
                    "queue_id": queue,
                    "start_method": method,
                }
                for name, value in (
                    ("customer_name", arrival.name), ("customer_company", arrival.company),
                    ("customer_company_code", arrival.company_code), ("customer_description", arrival.details),
                ):  # fmt: skip
                    if value:
                        session[name] = value
                if issue is not None:
                    session["issue_code_name"], session["issue_description"] = issue.code_name, issue.title
                if team_queue is not None:
                    session["primary_team_queue_id"] = team_queue
                row = tx.insert("support_session", session)
                client = tx.insert("customer_client", customer_client_row(arrival, row))
                for code, value in fields.items():
                    if code != EXTERNAL_KEY:
                        tx.insert(
                            "support_session_attribute",
                            {"code_name": code, "value": value, "support_session_id": row},
                        )
                for skill in skills:
                    tx.insert("support_session_skill", {"code_name": skill, "support_session_id": row})
            active = Active(
                lsid, row, now, method, arrival, self.rng.randrange(10, 99), client, issue,
                fields.pop(EXTERNAL_KEY, ""), fields,
            )  # fmt: skip
            if target.kind != "rep":
                team = directory.team(1 if target.kind == "general" else target.id)
                active.teams.append((team.id, team.name, 1))
            active.events.append(Event(now, "Session Start", history.SYSTEM))
            if active.external_key:
                active.events.append(
                    Event(now, "External Key", history.SYSTEM, data=[("external_key", active.external_key)])
                )
            self.sessions[lsid] = active
            self._record(active)
            return active

    def start_from_key(self, key: SessionKey, arrival: Arrival, fields: dict[str, str] | None = None, **kw):
        """A customer used a session key: the key's values, overridden by those given now (the guide's note:
        "the second attribute will take precedence")."""
        merged = {EXTERNAL_KEY: key.external_key} if key.external_key else {}
        merged.update(key.attributes)
        merged.update(fields or {})
        for name in ("priority", "skills"):  # None (not given now) keeps the key's value
            if kw.get(name) is None:
                kw[name] = getattr(key, name)
        return self.start_session("session_key", key.target, arrival, merged, **kw)

    def take(self, lsid: str, user_id: int) -> None:
        """A logged-in representative picks the session up (or is handed it): it moves to their queue."""
        with self._lock:
            active = self._session(lsid)
            rep = self._rep(user_id)
            now = self.now()
            with self.state.transaction() as tx:
                tx.update("support_session", active.row, {"queue_id": rep.queue_row})
                if user_id not in active.in_session:
                    tx.insert(
                        "representative_support_session",
                        {"representative_id": rep.row, "support_session_id": active.row},
                    )
                self._drop_unused_queues(tx)
            self._joined(active, user_id, now)
            if active.owner != user_id:
                who = self._entity(user_id, active)
                event = "Conference Owner Changed" if active.owner is not None else "Session Assigned"
                active.events.append(Event(now, event, history.SYSTEM, destination=who))
            active.owner = active.primary = user_id
            active.owners.add(user_id)
            self._record(active)

    def join(self, lsid: str, user_id: int | None = None, username: str | None = None) -> None:
        """join_session: a logged-in representative joins (conference); the first one owns it."""
        with self._lock:
            active = self._session(lsid)
            rep = self._rep(user_id, username)
            if rep.user.id in active.in_session:
                raise WorldError("The representative is already in the session")
            if active.owner is None:
                return self.take(lsid, rep.user.id)
            self.state.insert(
                "representative_support_session",
                {"representative_id": rep.row, "support_session_id": active.row},
            )
            self._joined(active, rep.user.id, self.now())
            self._record(active)

    def _joined(self, active: Active, user_id: int, now: int) -> None:
        if user_id not in active.reps:
            active.reps[user_id] = [self._gs(), now, 0]
        else:
            active.reps[user_id][1] = now
        if user_id not in active.in_session:
            active.in_session.add(user_id)
            who = self._entity(user_id, active)
            active.events.append(Event(now, "Conference Member Added", history.SYSTEM, destination=who))

    def _left(self, active: Active, user_id: int, now: int) -> None:
        part = active.reps[user_id]
        part[2] += now - part[1]
        active.in_session.discard(user_id)
        who = self._entity(user_id, active)
        active.events.append(Event(now, "Conference Member Departed", who))

    def transfer(self, lsid: str, target: Target) -> None:
        with self._lock:
            active = self._session(lsid)
            now = self.now()
            if target.kind == "rep" and target.id in self.logged_in:
                for user_id in list(active.in_session - {target.id}):
                    self._remove_rep(active, user_id, now)
                return self.take(lsid, target.id)
            with self.state.transaction() as tx:
                for user_id in list(active.in_session):
                    self._remove_rep(active, user_id, now, tx)
                queue = self._queue_row(target, tx)
                fields = {"queue_id": queue, "queue_entry_timestamp": now}
                if target.kind != "rep":
                    fields["primary_team_queue_id"] = queue
                tx.update("support_session", active.row, fields)
                self._drop_unused_queues(tx)
            active.owner = None
            if target.kind != "rep":
                team = directory.team(1 if target.kind == "general" else target.id)
                active.teams = [(t, n, 0) for t, n, _ in active.teams if t != team.id] + [
                    (team.id, team.name, 1)
                ]
            self._record(active)

    def _remove_rep(self, active: Active, user_id: int, now: int, tx=None) -> None:
        rep = self.logged_in.get(user_id)
        links = self.state.rows("representative_support_session")
        for link_id, link in links.items():
            if (
                rep is not None
                and link["representative_id"] == rep.row
                and link["support_session_id"] == active.row
            ):
                (tx.delete if tx else self.state.delete)("representative_support_session", link_id)
        self._left(active, user_id, now)

    def leave(
        self, lsid: str, user_id: int | None = None, username: str | None = None, customer: bool = False
    ):
        """leave_session: a representative or the customer leaves; with nobody left, the session ends. When
        its owner leaves with the customer still there, the session goes back to its team queue."""
        with self._lock:
            active = self._session(lsid)
            now = self.now()
            if customer:
                if active.customer_row is None:
                    raise WorldError("The customer is not in the session")
                self.state.delete("customer_client", active.customer_row)
                active.customer_row = None
                cust = Entity(active.customer_gs, "customer", self._customer(active).username)
                active.events.append(Event(now, "Conference Member Departed", cust))
            else:
                user = self._user(user_id, username)
                if user.id not in active.in_session:
                    raise WorldError("The representative is not in the session")
                self._remove_rep(active, user.id, now)
            if not active.in_session and active.customer_row is None:
                return self._end(active)
            if not active.in_session and active.owner is not None:
                active.owner = None
                team = active.teams[-1][0] if active.teams else 1
                with self.state.transaction() as tx:
                    tx.update(
                        "support_session",
                        active.row,
                        {"queue_id": self.team_queues[team], "queue_entry_timestamp": now},
                    )
                    self._drop_unused_queues(tx)
            elif active.owner not in active.in_session and active.in_session:
                self.take(lsid, min(active.in_session))  # ownership passes to a remaining member
                return
            self._record(active)

    def terminate(self, lsid: str) -> None:
        with self._lock:
            self._end(self._session(lsid))

    def _end(self, active: Active) -> None:
        now = self.now()
        for user_id in list(active.in_session):
            part = active.reps[user_id]
            part[2] += now - part[1]
        active.in_session.clear()
        ender = self._entity(active.owner, active) if active.owner in active.reps else history.SYSTEM
        active.events.append(Event(now, "Session End", ender))
        with self.state.transaction() as tx:
            tx.delete("support_session", active.row)
            self._drop_unused_queues(tx)
        del self.sessions[active.lsid]
        self._record(active, end=now)

    def end(self, lsid: str, customer_survey: Survey | None = None, rep_survey: Survey | None = None) -> None:
        """The representative closes the session, surveys submitted (the simulation)."""
        with self._lock:
            active = self._session(lsid)
            now = self.now()
            for survey in (customer_survey, rep_survey):
                if survey is not None:
                    active.surveys.append(survey)
                    kind = "Customer Exit Survey" if survey.kind == "cust" else "Representative Exit Survey"
                    who = (
                        Entity(active.customer_gs, "customer", self._customer(active).username)
                        if survey.kind == "cust"
                        else self._entity(active.owner, active)
                    )
                    active.events.append(Event(now, kind, who))
            self._end(active)

    def _drop_unused_queues(self, tx) -> None:
        for user_id in list(self._personal):
            self._drop_personal_queue(user_id, tx)

    # --- chat and attributes -----------------------------------------------------------------------------

    def chat(
        self,
        lsid: str,
        body: str,
        sender: Entity | None = None,
        ts: int | None = None,
        data: list | None = None,
    ) -> None:
        """`data`: name/value pairs the report shows with the message (send_chat_message's API account)."""
        with self._lock:
            active = self._session(lsid)
            when = ts if ts is not None else self.now()
            sender = sender or history.SYSTEM
            active.events.append(Event(when, "Chat Message", sender, body=body, data=list(data or ())))
            self._record(active)

    def sender(self, lsid: str, impersonate: str | None) -> Entity:
        """The chat sender send_chat_message's `impersonate` names: customer, rep:[id], rep_username:[name]."""
        with self._lock:
            active = self._session(lsid)
            if impersonate is None:
                return history.SYSTEM
            if impersonate == "customer":
                if active.customer_row is None:
                    raise WorldError("The customer is not in the session")
                return Entity(active.customer_gs, "customer", self._customer(active).username)
            form, _, value = impersonate.partition(":")
            if form == "rep" and value.isascii() and value.isdigit() and len(value) < 19:
                user = self._user(int(value))
            elif form == "rep_username" and value:
                user = self._user(username=value)
            else:
                raise WorldError(f"Invalid value for impersonate: {impersonate}")
            if user.id not in active.in_session:
                raise WorldError("The impersonated representative is not in the session")
            return self._entity(user.id, active)

    def attributes(self, lsid: str) -> list[tuple[str, str, str]]:
        """(code name, display name, value) of the session's external key and custom attributes."""
        with self._lock:
            active = self._session(lsid)
            found = [(EXTERNAL_KEY, directory.CUSTOM_FIELDS[EXTERNAL_KEY], active.external_key)]
            return found + [(c, directory.CUSTOM_FIELDS[c], v) for c, v in active.attributes.items()]

    def set_attributes(self, lsid: str, values: dict[str, str]) -> None:
        """Unlisted attributes keep their values; an empty string clears one."""
        with self._lock:
            active = self._session(lsid)
            merged = {EXTERNAL_KEY: active.external_key, **active.attributes, **values}
            check_fields(merged)
            rows = {
                a["code_name"]: i
                for i, a in self.state.rows("support_session_attribute").items()
                if a["support_session_id"] == active.row
            }
            with self.state.transaction() as tx:
                for code, value in values.items():
                    if code == EXTERNAL_KEY:
                        continue
                    if code in rows and value == "":
                        tx.delete("support_session_attribute", rows[code])
                    elif code in rows:
                        tx.update("support_session_attribute", rows[code], {"value": value})
                    elif value != "":
                        tx.insert(
                            "support_session_attribute",
                            {"code_name": code, "value": value, "support_session_id": active.row},
                        )
            if EXTERNAL_KEY in values and values[EXTERNAL_KEY] != active.external_key:
                active.external_key = values[EXTERNAL_KEY]
                active.events.append(
                    Event(
                        self.now(),
                        "External Key",
                        history.SYSTEM,
                        data=[("external_key", active.external_key)],
                    )
                )
            for code, value in values.items():
                if code != EXTERNAL_KEY:
                    if value == "":
                        active.attributes.pop(code, None)
                    else:
                        active.attributes[code] = value
            self._record(active)

    # --- history -----------------------------------------------------------------------------------------

    def _customer(self, active: Active) -> Customer:
        a = active.arrival
        return Customer(
            active.customer_gs, a.name or a.hostname, a.public_ip, a.private_ip, a.hostname, a.operating_system,
            a.name, a.company, a.company_code, str(active.issue.id) if active.issue else "", a.details,
        )  # fmt: skip

    def _record(self, active: Active, end: int | None = None) -> None:
        """The session as the reporting API shows it (in progress until `end`)."""
        now = end or self.now()
        reps = []
        for user_id, (gs, joined, seconds) in active.reps.items():
            involved = seconds + (now - joined if user_id in active.in_session else 0)
            reps.append(
                history.session_rep(
                    user_id,
                    gs,
                    int(user_id in active.owners),
                    int(user_id == active.primary),
                    max(involved, 0),
                )
            )
        site = dict(directory.SITES)
        s = SupportSession(
            active.lsid, active.start, end, active.method, [self._customer(active)], reps, list(active.teams),
            list(active.events), [(c, directory.CUSTOM_FIELDS[c], v) for c, v in active.attributes.items()],
            list(active.surveys), active.arrival.site_id, site[active.arrival.site_id],
            external_key=active.external_key,
        )  # fmt: skip
        history.record_support_session(self.db_path, s)


def _check_priority_skills(priority: int | None, skills: tuple[str, ...] | None) -> None:
    if priority is not None and priority not in (1, 2, 3):
        raise WorldError("session.priority must be 1, 2 or 3")
    for skill in skills or ():
        if skill not in directory.SKILLS:
            raise WorldError(f"Invalid skill code name: {skill}")
