"""The simulation driver: life on the embedded appliance, through the same `World` the APIs act on.

Representatives log in and out and change status; customers arrive by every start method of session
generation (session key, representative list, issue submission) and representatives jump to unattended
machines (local and remote Jump, Shell Jump, RDP, VNC); sessions wait in queues, are picked up, conferenced, transferred,
chatted in and ended with exit surveys. The real-time model, get_logged_in_reps, get_connected_clients and
the reporting history all follow from those World calls.

Deterministic under the seed: each step draws from one seeded generator and the decisions depend only on
the draws and the model, so with no API client changing things, the same seed gives the same sequence of
events (and, World's generator being seeded too, the same lsids and keys). `speed` divides the pause
between steps (one step every 2 s at speed 1). Choices: representative 1 ("Admin", the guide's examples)
stays logged in; at most 12 sessions are in progress at once; the driver never touches a session that an API
client is driving (it only acts on sessions it started); an API action racing a step simply wins (the step
catches the WorldError and moves on).
"""

from __future__ import annotations

import logging
import random
import threading

from harness.appliance import directory, endpoints, history
from harness.appliance.world import Arrival, Target, World, WorldError

log = logging.getLogger("harness.appliance.simulation")

STEP_SECONDS = 2.0  # pause between steps at speed 1
MAX_SESSIONS = 12
ALWAYS_ON = 1  # the guide's examples start sessions with representative 1, "Admin"

CUSTOMERS = (  # name, company, hostname, operating system, client type
    ("Jane Doe", "Example Corp", "FIN-LT-004512", "Windows 10 Enterprise x64 Edition", "desktop"),
    ("Bob Example", "", "bob-mbp", "macOS 12.1", "desktop"),
    ("Maria Garcia", "Acme", "ACME-PC-17", "Windows 11 Pro x64 Edition", "desktop"),
    ("Tom Brown", "Initech", "tbrown-phone", "Android 12", "mobile"),
    ("Ana Lima", "Globex", "web-chat", "Web browser", "web_chat"),
)
JUMPS = ("local_jump", "remote_jump", "shell_jump", "local_rdp", "remote_vnc")
CHAT = ("Hi, I'm taking a look now.", "Could you restart the application?", "That fixed it, thanks!")


class Simulation:
    """A background service (start/stop) stepping the World; `step()` is public so tests drive it."""

    def __init__(self, appliance, world: World | None = None):
        self.world = world or appliance.world
        self.speed = max(appliance.config.speed, 1e-3)
        self.rng = random.Random(appliance.config.seed)
        self.mine: set[str] = set()  # lsids this driver started
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- service -----------------------------------------------------------------------------------------

    def start(self) -> None:
        self.warm_up()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="appliance-simulation", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(STEP_SECONDS / self.speed):
            try:
                self.step()
            except Exception:  # a bug must not stop the appliance's life; it is logged, not hidden
                log.exception("simulation step failed")

    # --- life --------------------------------------------------------------------------------------------

    def warm_up(self) -> None:
        """A lived-in appliance from the first request: a few representatives and sessions."""
        for user_id in (ALWAYS_ON, 3, 5, 8):
            self._try(self.world.login, user_id)
        for _ in range(4):
            self.arrive()
        for _ in range(3):
            self.pick_up()

    def step(self) -> None:
        roll = self.rng.random()
        if roll < 0.08:
            self.log_in_or_out()
        elif roll < 0.12:
            self.change_status()
        elif roll < 0.35:
            self.arrive()
        elif roll < 0.55:
            self.pick_up()
        elif roll < 0.62:
            self.conference()
        elif roll < 0.67:
            self.transfer()
        elif roll < 0.82:
            self.chat()
        else:
            self.end()

    def _try(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except WorldError as exc:
            log.debug("simulation: %s", exc)
            return None

    def _active(self) -> list:
        """Sessions this driver started that are still in progress, in a stable order."""
        sessions = self.world.sessions
        self.mine &= set(sessions)
        return [sessions[lsid] for lsid in sorted(self.mine)]

    def _owned(self):
        """One of this driver's sessions that a representative owns, drawn at random; None if there is none."""
        owned = [a for a in self._active() if a.owner is not None]
        return self.rng.choice(owned) if owned else None

    def log_in_or_out(self) -> None:
        logged = sorted(self.world.logged_in)
        out = [u.id for u in directory.USERS if u.can_log_in and u.id not in logged]
        if out and (self.rng.random() < 0.5 or len(logged) <= 2):
            self._try(self.world.login, self.rng.choice(out), showing_on_rep_list=self.rng.random() < 0.8)
        elif len(logged) > 1:
            user_id = self.rng.choice([u for u in logged if u != ALWAYS_ON])
            self._try(self.world.logout, user_id)

    def change_status(self) -> None:
        logged = sorted(self.world.logged_in)
        user_id = self.rng.choice(logged) if logged else None
        status = self.rng.choice(sorted(directory.REP_STATUSES))
        if user_id is not None:
            self._try(self.world.set_status, user_id, status)

    def arrive(self) -> None:
        if len(self.world.sessions) >= MAX_SESSIONS:
            return
        name, company, host, os_, client_type = self.rng.choice(CUSTOMERS)
        arrival = Arrival(
            name=name,
            company=company,
            hostname=host,
            operating_system=endpoints.UNKNOWN if self.rng.random() < 0.1 else os_,
            client_type=client_type,
            public_ip=endpoints.public_ip(self.rng),
            private_ip=endpoints.private_ip(self.rng),
            elevated=self.rng.random() < 0.3,
            site_id=1 if self.rng.random() < 0.8 else 2,
        )
        method = self.rng.choice(("session_key", "rep_list", "issue_submission", "jump"))
        logged = sorted(u for u, rep in self.world.logged_in.items() if rep.showing_on_rep_list)
        if method == "jump" and self.world.logged_in:  # to an unattended machine: no customer waits
            user_id = self.rng.choice(sorted(self.world.logged_in))
            how = self.rng.choice(JUMPS)
            arrival.name = arrival.company = ""
            arrival.client_type = "shell" if how == "shell_jump" else "desktop"
            active = self._try(self.world.start_session, how, Target("rep", user_id), arrival)
            if active is not None:
                self._try(self.world.take, active.lsid, user_id)
        elif method == "rep_list" and logged:
            active = self._try(
                self.world.start_session, "rep_list", Target("rep", self.rng.choice(logged)), arrival
            )
        elif method == "session_key":
            team = self.rng.choice(directory.TEAMS)
            fields = (
                {"external_key": f"INC{self.rng.randrange(10**6, 10**7)}"} if self.rng.random() < 0.5 else {}
            )
            key = self._try(self.world.generate_key, Target("team", team.id), ttl=900, fields=fields)
            active = key and self._try(self.world.start_from_key, key, arrival)
        else:
            issue = self.rng.choice(directory.ISSUES)
            arrival.details = f"{issue.title}: please help."
            active = self._try(
                self.world.start_session, "issue_submission", Target("team", issue.team_id, issue), arrival
            )
        if active is not None:
            self.mine.add(active.lsid)

    def pick_up(self) -> None:
        """A representative takes the longest-waiting session they can: from their own queue, else a team's."""
        waiting = [a for a in self._active() if a.owner is None]
        for active in sorted(waiting, key=lambda a: (a.start, a.lsid)):
            row = self.world.state.get("support_session", active.row)
            if row is None:
                continue
            candidates = sorted(
                user_id
                for user_id, rep in self.world.logged_in.items()
                if rep.queue_row == row["queue_id"]
                or any(self.world.team_queues[t.id] == row["queue_id"] for t in directory.teams_of(user_id))
            )
            if candidates:
                self._try(self.world.take, active.lsid, self.rng.choice(candidates))
                return

    def conference(self) -> None:
        active = self._owned()
        if active is None:
            return
        others = sorted(set(self.world.logged_in) - active.in_session)
        if others:
            self._try(self.world.join, active.lsid, self.rng.choice(others))

    def transfer(self) -> None:
        active = self._owned()
        if active is None:
            return
        if self.rng.random() < 0.5:
            target = Target("team", self.rng.choice(directory.TEAMS).id)
        else:
            others = sorted(set(self.world.logged_in) - {active.owner})
            if not others:
                return
            target = Target("rep", self.rng.choice(others))
        self._try(self.world.transfer, active.lsid, target)

    def chat(self) -> None:
        active = self._owned()
        if active is None:
            return
        who = self.rng.choice(("customer", f"rep:{active.owner}"))
        sender = self._try(self.world.sender, active.lsid, who)
        if sender is not None:
            self._try(self.world.chat, active.lsid, self.rng.choice(CHAT), sender)

    def end(self) -> None:
        """The owner closes a session; the customer and the representative may answer their exit surveys."""
        active = self._owned()
        if active is None:
            return
        rep = directory.user(active.owner)
        cust = rep_survey = None
        if self.rng.random() < 0.6:
            who = active.arrival.name or active.arrival.hostname
            cust = history.survey(self.rng, "cust", active.customer_gs, who, history.CUST_QUESTIONS)
        if self.rng.random() < 0.4:
            gs = active.reps[active.owner][0]
            rep_survey = history.survey(self.rng, "rep", gs, rep.private_display_name, history.REP_QUESTIONS)
        self._try(self.world.end, active.lsid, cust, rep_survey)
