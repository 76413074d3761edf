"""Semantic checks of the real-time state API (guide: "Protocol of the Real-Time State API", "System State
Model of the Real-Time API") and of what it must agree on with the command and reporting APIs.

The model is described here once, from the guide (tables, fields, types, enumerations, foreign keys), and
not taken from the embedded appliance: the reference appliance is itself under test.

The appliance is live: rows come and go while a check watches. Integrity is therefore judged on what lasts:
a reference to a missing row is a violation only if it stays unresolved for GRACE_S seconds of the copy being
kept up to date (guide: "Messages in the model updates phase can arrive in any order"), and cross-API
comparisons only judge rows that did not change while the other API was asked.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from harness.client.realtime import MAX_ID, Mirror, Problem, ServerMessage, row_id
from harness.verdicts import CheckFailed, warn

CLOCK_SKEW_S = 300.0  # how far the appliance's clock may be from ours
GRACE_S = 1.0  # how long a dangling reference may last before it is a violation
SHOULD_LATENCY_S = 5.0  # our bound (inferred) for a change to reach the model
MUST_LATENCY_S = 20.0  # guide: "a maximum latency of twenty seconds"
SHOWN = 5  # problems quoted in one reason

INTEGER, STRING, BOOLEAN, TIMESTAMP, GUID = "integer", "string", "boolean", "timestamp", "guid"


@dataclass(frozen=True)
class Field:
    type: str
    ref: str | None = None  # the table a foreign key points to
    choices: tuple | None = None


def _ref(table: str) -> Field:
    return Field(INTEGER, ref=table)


def _one_of(*choices: Any) -> Field:
    return Field(INTEGER if isinstance(choices[0], int) else STRING, choices=choices)


START_METHODS = (
    "session_key", "rep_list", "issue_submission", "local_jump", "remote_jump", "shell_jump",
    "local_rdp", "remote_rdp", "local_vnc", "remote_vnc", "vpro",
)  # fmt: skip

# The guide's tables and fields ("Tables in the Real-Time System State Model"), in its order.
MODEL: dict[str, dict[str, Field]] = {
    "customer_client": {
        "client_type": _one_of("desktop", "mobile", "rdp", "vnc", "vpro", "shell", "web_chat"),
        "created_timestamp": Field(TIMESTAMP),
        "elevated": Field(BOOLEAN),
        "hostname": Field(STRING),
        "operating_system": Field(STRING),
        "support_session_id": _ref("support_session"),
    },
    "queue": {
        "code_name": Field(STRING),
        "created_timestamp": Field(TIMESTAMP),
        "name": Field(STRING),
        "support_team_id": Field(STRING),
        "type": _one_of("prewait", "team", "personal"),
    },
    "representative": {
        "created_timestamp": Field(TIMESTAMP),
        "private_display_name": Field(STRING),
        "public_display_name": Field(STRING),
        "queue_id": _ref("queue"),
        "routing_available": Field(BOOLEAN),
        "routing_busy": Field(BOOLEAN),
        "routing_enabled": Field(BOOLEAN),
        "routing_idle": Field(BOOLEAN),
        "skill_code_names": Field(STRING),
        "type": _one_of("normal", "invited"),
        "user_id": Field(INTEGER),
        "username": Field(STRING),
    },
    "representative_queue": {
        "created_timestamp": Field(TIMESTAMP),
        "queue_id": _ref("queue"),
        "representative_id": _ref("representative"),
        "role": _one_of("member", "lead", "manager"),
    },
    "representative_support_session": {
        "created_timestamp": Field(TIMESTAMP),
        "representative_id": _ref("representative"),
        "support_session_id": _ref("support_session"),
    },
    "support_session": {
        "created_timestamp": Field(TIMESTAMP),
        "customer_company": Field(STRING),
        "customer_company_code": Field(STRING),
        "customer_description": Field(STRING),
        "customer_name": Field(STRING),
        "estimated_pickup_timestamp": Field(TIMESTAMP),
        "issue_code_name": Field(STRING),
        "issue_description": Field(STRING),
        "lsid": Field(STRING),
        "primary_team_queue_id": _ref("queue"),
        "priority": _one_of(1, 2, 3),
        "public_site_id": Field(INTEGER),
        "public_site_name": Field(STRING),
        "queue_entry_timestamp": Field(TIMESTAMP),
        "queue_id": _ref("queue"),
        "start_method": _one_of(*START_METHODS),
    },
    "support_session_attribute": {
        "code_name": Field(STRING),
        "created_timestamp": Field(TIMESTAMP),
        "support_session_id": _ref("support_session"),
        "value": Field(STRING),
    },
    "support_session_skill": {
        "code_name": Field(STRING),
        "created_timestamp": Field(TIMESTAMP),
        "support_session_id": _ref("support_session"),
    },
    "presentation_session": {
        "created_timestamp": Field(TIMESTAMP),
        "lsid": Field(GUID),
        "presentation_name": Field(STRING),
    },
    "attendee": {
        "connected": Field(BOOLEAN),
        "created_timestamp": Field(TIMESTAMP),
        "hostname": Field(STRING),
        "name": Field(STRING),
        "operating_system": Field(STRING),
        "presentation_session_id": _ref("presentation_session"),
        "private_ip": Field(STRING),
        "public_ip": Field(STRING),
    },
    "presenter": {
        "created_timestamp": Field(TIMESTAMP),
        "presentation_session_id": _ref("presentation_session"),
        "representative_id": _ref("representative"),
    },
}
TABLES = tuple(MODEL)
# (table, field, referenced table): the guide's "foreign key" fields
REFERENCES = tuple((t, f, spec.ref) for t, fields in MODEL.items() for f, spec in fields.items() if spec.ref)
GUID_RE = re.compile(r"^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


def _listed(items: list[str], total: int | None = None) -> str:
    total = len(items) if total is None else total
    more = f" (+{total - SHOWN} more)" if total > SHOWN else ""
    return "; ".join(items[:SHOWN]) + more


# -- protocol: framing and the phase answers ---------------------------------------------------------------


@dataclass
class FramingStats:
    messages: int = 0
    multipart: int = 0  # messages that came in more than one websocket message
    max_parts: int = 1


def framing(messages: Iterable[ServerMessage]) -> FramingStats:
    """Every server message: in binary websocket messages, newline-terminated (the client only hands out
    messages that ended with one), JSON, an object with a string "type"."""
    stats = FramingStats()
    problems: list[str] = []
    for n, message in enumerate(messages, 1):
        stats.messages += 1
        if message.parts > 1:
            stats.multipart += 1
            stats.max_parts = max(stats.max_parts, message.parts)
        if message.text_parts:
            problems.append(
                f"message {n} came in {message.text_parts} text websocket message(s), not binary: "
                f"{message.excerpt(80)}"
            )
        if message.error is not None:
            problems.append(f"message {n} is {message.error}: {message.excerpt(80)}")
        elif message.type is None:
            problems.append(f'message {n} is not a JSON object with a string "type": {message.excerpt(80)}')
    if problems:
        raise CheckFailed(
            f"{len(problems)} of {stats.messages} server messages break the framing: " + _listed(problems)
        )
    return stats


def phase_answer(message: ServerMessage | None, kind: str, success: bool) -> dict[str, Any]:
    """The answer of the authentication or subscription phase (`kind`: authenticate_response or
    subscribe_response): that type, a JSON boolean "success" as expected, and a non-empty "reason" string when
    success is false. Returns the message."""
    if message is None:
        raise CheckFailed(f"no {kind} came back")
    if message.error is not None or not isinstance(message.data, dict):
        raise CheckFailed(
            f"expected a {kind}, got a message that is {message.error or 'not a JSON object'}: "
            f"{message.excerpt(150)}"
        )
    data = message.data
    if data.get("type") != kind:
        raise CheckFailed(f"expected a {kind}, got type {data.get('type')!r}: {message.excerpt(150)}")
    got = data.get("success")
    if not isinstance(got, bool):
        raise CheckFailed(f"{kind}: success is {got!r}, not a JSON boolean")
    reason = data.get("reason")
    if not got and not (isinstance(reason, str) and reason.strip()):
        raise CheckFailed(
            f'{kind}: success is false without a reason (the guide: "reason if success == false")'
        )
    if got != success:
        said = f" (reason: {reason!r})" if isinstance(reason, str) else ""
        raise CheckFailed(f"{kind}: success is {str(got).lower()}, expected {str(success).lower()}{said}")
    return data


def subscribe_timestamp(data: Mapping[str, Any]) -> int:
    """The subscribe response's "timestamp": a UNIX timestamp (an integer)."""
    value = data.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise CheckFailed(f"subscribe_response: timestamp is {value!r}, not a UNIX timestamp")
    return value


def timestamp_now(value: int, before: float, after: float, skew: float = CLOCK_SKEW_S) -> None:
    """The appliance's "current time" between `before` and `after` on our clock, give or take `skew`."""
    if not before - skew <= value <= after + skew:
        raise CheckFailed(
            f"subscribe_response timestamp {value} is {value - after:+.0f} s from our clock "
            f"(allowed ±{skew:.0f} s)"
        )


def no_model_data(messages: Iterable[ServerMessage], why: str) -> None:
    """After a refused phase (`why`), nothing that gives the model away: no successful subscribe_response,
    no model_update, no truncate_model."""
    for message in messages:
        data = message.data if isinstance(message.data, dict) else {}
        kind = data.get("type")
        if kind in ("model_update", "truncate_model"):
            raise CheckFailed(f"{why}, yet the server sent a {kind}: {message.excerpt(150)}")
        if kind == "subscribe_response" and data.get("success") is True:
            raise CheckFailed(f"{why}, yet the subscription succeeded: {message.excerpt(150)}")


def _objects(messages: Iterable[ServerMessage]) -> list[ServerMessage]:
    return [m for m in messages if isinstance(m.data, dict)]


def refused_subscription(
    messages: list[ServerMessage], refused_at_handshake: str | None = None, closed: str | None = None
) -> str:
    """How an integration over the subscriber cap was refused. FAIL if it was subscribed (a subscribe_response
    with success true, or model data); PASS if a subscribe_response said success false with a reason; any
    other refusal (handshake refused, authentication refused, closed without an answer) is a WARN: the guide's
    answer to a failed subscription is a subscribe_response with success false. Returns how."""
    no_model_data(messages, "with thirty integrations subscribed, one more must not receive model updates")
    for message in messages:
        data = message.data if isinstance(message.data, dict) else {}
        if data.get("type") == "subscribe_response":
            phase_answer(message, "subscribe_response", success=False)
            return f"subscribe_response success false: {data.get('reason')!r}"
    if refused_at_handshake is not None:
        how = f"refused at the websocket handshake ({refused_at_handshake})"
    elif any(
        m.data == {**m.data, "type": "authenticate_response", "success": False} for m in _objects(messages)
    ):
        how = "refused at authentication"
    elif closed is not None:
        how = f"closed without a subscribe_response ({closed})"
    else:
        raise CheckFailed("the integration over the cap got no answer to its subscription and was not closed")
    warn(f"the integration over the cap was {how}, not answered with a subscribe_response success false")
    return how


# -- the copy of the model -----------------------------------------------------------------------------


def mirror_problems(mirror: Mirror, kinds: tuple[str, ...], what: str) -> None:
    """FAIL with the problems of these kinds the mirror met while applying the server's messages."""
    found: list[Problem] = mirror.problems_of(*kinds)
    if found:
        raise CheckFailed(f"{what}: " + _listed([p.text for p in found]))


Dangling = tuple[str, str, str, str, str]  # table, row id, field, referenced table, value


def dangling(
    rows: Mapping[str, Mapping[str, Mapping[str, Any]]], subscribed: Iterable[str] | None = None
) -> set[Dangling]:
    """References (the guide's foreign keys) that point at no row of the referenced table. Only between
    tables both subscribed; an absent field is no reference ("Some fields in the table may not be listed")."""
    have = set(TABLES) if subscribed is None else set(subscribed)
    out: set[Dangling] = set()
    for table, name, target in REFERENCES:
        if table not in have or target not in have:
            continue
        targets = rows.get(target, {})
        for rid, row in rows.get(table, {}).items():
            if name not in row:
                continue
            value = row[name]
            key = row_id(value)
            if key is None or key not in targets:
                out.add((table, rid, name, target, repr(value)))
    return out


def _dangling_text(d: Dangling) -> str:
    table, rid, name, target, value = d
    return f"{table} {rid}: {name} = {value}, no such {target} row"


@dataclass
class IntegrityWatch:
    """Referential integrity of a mirror over time: a dangling reference is confirmed once it has lasted
    `grace` seconds (observed while the copy was kept up to date). Observations flagged `initial` are the
    copy as first received (the full copy the guide says the server sends)."""

    subscribed: Iterable[str] | None = None
    grace: float = GRACE_S
    first_seen: dict[Dangling, tuple[float, bool]] = field(default_factory=dict)
    confirmed: dict[Dangling, tuple[float, bool]] = field(default_factory=dict)  # -> (lasted, initial)
    observations: int = 0

    def observe(
        self,
        rows: Mapping[str, Mapping[str, Mapping[str, Any]]],
        now: float | None = None,
        initial: bool = False,
    ) -> None:
        now = time.monotonic() if now is None else now
        self.observations += 1
        current = dangling(rows, self.subscribed)
        for gone in set(self.first_seen) - current:
            del self.first_seen[gone]
        for d in current:
            since, was_initial = self.first_seen.setdefault(d, (now, initial))
            if now - since >= self.grace:
                self.confirmed[d] = (now - since, was_initial)

    def tick(self, mirror: Mirror) -> None:
        """For RealtimeClient.follow(tick=...)."""
        self.observe(mirror.rows)

    def violations(self, initial: bool | None = None) -> list[str]:
        return [
            f"{_dangling_text(d)} (for {lasted:.1f} s{', since the initial copy' if was_initial else ''})"
            for d, (lasted, was_initial) in sorted(self.confirmed.items())
            if initial is None or was_initial == initial
        ]


def integrity(watch: IntegrityWatch, initial: bool | None = None) -> None:
    """FAIL on confirmed dangling references (`initial`: only those of the initial copy, or only later ones)."""
    found = watch.violations(initial)
    if found:
        when = {True: " in the initial copy", False: " after updates", None: ""}[initial]
        raise CheckFailed(
            f"references to missing rows{when} lasting {watch.grace:.0f} s or more: " + _listed(found)
        )


# -- tables, fields, values -----------------------------------------------------------------------------


def value_problem(spec: Field, value: Any) -> tuple[str, str] | None:
    """("fail" | "warn", why) if `value` is not what the guide documents for the field, else None.
    Known real-world variants are warnings: integers and flags sent as JSON strings, flags as true/false,
    strings sent as integers (real clients compare support_team_id to an integer)."""
    if value is None:
        return "fail", "null"
    if spec.type in (INTEGER, TIMESTAMP):
        if isinstance(value, bool):
            return "fail", f"{value!r} is not an integer"
        if isinstance(value, str) and value.isascii() and value.isdigit():
            value, variant = int(value), "an integer sent as a JSON string"
        elif isinstance(value, int):
            variant = None
        else:
            return "fail", f"{value!r} is not an integer"
        if spec.type == INTEGER and not 0 <= value <= MAX_ID:
            return "fail", f"{value} is outside 0..{MAX_ID}"
        if spec.choices is not None and value not in spec.choices:
            return "fail", f"{value!r} is not one of {', '.join(map(str, spec.choices))}"
        return ("warn", variant) if variant else None
    if spec.type == BOOLEAN:
        if value in (0, 1) and not isinstance(value, bool):
            return None
        if isinstance(value, bool) or value in ("0", "1"):
            return "warn", f"{value!r} for a flag the guide documents as 1 or 0"
        return "fail", f"{value!r} is not 1 or 0"
    if isinstance(value, int) and not isinstance(value, bool):
        return "warn", f"{value!r} is an integer where the guide documents a string"
    if not isinstance(value, str):
        return "fail", f"{value!r} is not a string"
    if spec.choices is not None and value not in spec.choices:
        return "fail", f"{value!r} is not one of {', '.join(spec.choices)}"
    if spec.type == GUID and not GUID_RE.match(value):
        return "warn", f"{value!r} does not look like a GUID"
    return None


class FieldAudit:
    """Every row value as it arrives (a Mirror `on_row` hook), judged against the guide's tables and fields;
    findings are kept per table so each table gets its own verdict."""

    KEEP = 20

    def __init__(self, now: Callable[[], float] = time.time, skew: float = CLOCK_SKEW_S):
        self.now = now
        self.skew = skew
        self.rows_seen: Counter[str] = Counter()
        self.fails: dict[str, list[str]] = {}
        self.warns: dict[str, list[str]] = {}
        self.counts: Counter[tuple[str, str]] = Counter()  # (table, "fail"|"warn") -> how many
        self.unknown: list[str] = []  # tables and fields outside the guide's model

    def _note(self, table: str, level: str, text: str) -> None:
        self.counts[(table, level)] += 1
        kept = (self.fails if level == "fail" else self.warns).setdefault(table, [])
        if len(kept) < self.KEEP and text not in kept:
            kept.append(text)

    def __call__(self, table: str, rid: str, fields: Mapping[str, Any], kind: str) -> None:
        self.rows_seen[table] += 1
        spec = MODEL.get(table)
        if spec is None:
            self._unknown(f"table {table!r}")
            return
        for name, value in fields.items():
            field_spec = spec.get(name)
            if field_spec is None:
                self._unknown(f"field {table}.{name}")
                continue
            problem = value_problem(field_spec, value)
            if problem is not None:
                self._note(table, problem[0], f"{table} {rid} {name}: {problem[1]}")
            elif name == "created_timestamp" and int(value) > self.now() + self.skew:
                self._note(table, "fail", f"{table} {rid} created_timestamp {value} is in the future")

    def _unknown(self, what: str) -> None:
        if what not in self.unknown and len(self.unknown) < self.KEEP:
            self.unknown.append(what)

    def rows(self, mirror: Mirror) -> None:
        """Rules on whole rows: personal queues have no code name and show no support team id."""
        for rid, row in mirror.table("queue").items():
            if row.get("type") == "personal":
                for name in ("code_name", "support_team_id"):
                    if row.get(name) not in (None, ""):
                        self._note("queue", "fail", f"queue {rid} is personal but has {name} {row[name]!r}")

    def judge(self, table: str) -> None:
        """FAIL on the table's failures; WARN on its variants."""
        fails = self.fails.get(table, [])
        warns = self.warns.get(table, [])
        if warns:
            warn(f"{table}: " + _listed(warns, self.counts[(table, "warn")]))
        if fails:
            raise CheckFailed(f"{table}: " + _listed(fails, self.counts[(table, "fail")]))

    def outside_the_model(self) -> None:
        """FAIL on tables or fields the guide's model does not have (its requirement is a SHOULD)."""
        if self.unknown:
            raise CheckFailed("outside the guide's model: " + _listed(self.unknown))


# -- latency --------------------------------------------------------------------------------------------


def latency(
    seconds: float | None, what: str, should: float = SHOULD_LATENCY_S, must: float = MUST_LATENCY_S
) -> str:
    """A change made through another API reached the model within `must` seconds (the guide's maximum),
    else FAIL; above `should` seconds (our bound), WARN. Returns the measurement as text."""
    if seconds is None:
        raise CheckFailed(f"{what}: not in the model after {must:.0f} s (the guide's maximum latency)")
    text = f"{what}: {seconds * 1000:.0f} ms"
    if seconds > must:
        raise CheckFailed(f"{text}, above the guide's maximum latency of {must:.0f} s")
    if seconds > should:
        warn(f"{text}, above {should:.0f} s")
    return text


# -- cross-API: the command and reporting APIs --------------------------------------------------------


def lsid_from_download_url(url: str | None) -> str | None:
    """The lsid an appliance may carry in create_virtual_customer's download_url (the answer has no other
    place for it); None if there is none."""
    if not url:
        return None
    values = parse_qs(urlsplit(url.strip()).query).get("lsid")
    return values[0] if values and values[0] else None


def virtual_customer_session(mirror: Mirror, hostname: str, answer_lsid: str | None) -> tuple[str, str]:
    """The support_session of a virtual customer created with computer_name `hostname`: found through its
    customer_client row, and the same session as the lsid the command answered (when it gave one).
    Returns (support_session row id, lsid)."""
    clients = mirror.find("customer_client", hostname=hostname)
    by_lsid = mirror.find("support_session", lsid=answer_lsid) if answer_lsid else []
    if len(clients) > 1:
        raise CheckFailed(
            f"{len(clients)} customer_client rows have hostname {hostname!r}; one virtual customer was created"
        )
    if answer_lsid and len(by_lsid) > 1:
        raise CheckFailed(f"{len(by_lsid)} support_session rows have lsid {answer_lsid}")
    if clients:
        ref = row_id(clients[0][1].get("support_session_id"))
        session = mirror.table("support_session").get(ref) if ref is not None else None
        if session is None:
            raise CheckFailed(
                f"customer_client {clients[0][0]} (hostname {hostname!r}) refers to support_session "
                f"{clients[0][1].get('support_session_id')!r}, which is not in the model"
            )
        lsid = session.get("lsid")
        if answer_lsid and lsid != answer_lsid:
            raise CheckFailed(
                f"the virtual customer's session in the model has lsid {lsid!r}; the command answered {answer_lsid}"
            )
        if not isinstance(lsid, str) or not lsid:
            raise CheckFailed(f"support_session {ref} has no lsid")
        return ref, lsid
    if by_lsid:
        warn(f"no customer_client row with hostname {hostname!r}; the session was found by its lsid only")
        return by_lsid[0][0], answer_lsid  # type: ignore[return-value]
    where = f" nor a support_session with lsid {answer_lsid}" if answer_lsid else ""
    raise CheckFailed(f"no customer_client row with hostname {hostname!r}{where} in the real-time model")


def session_in_report(root: etree._Element, lsid: str, hostname: str) -> etree._Element:
    """The SupportSession report for one lsid: exactly that session, ended (a non-empty <end_time>), with
    the virtual customer (its hostname) among its customers. Returns the <session>."""
    sessions = root.findall("session")
    found = [s for s in sessions if s.get("lsid") == lsid]
    if len(found) != 1:
        others = [s.get("lsid") for s in sessions][:3]
        raise CheckFailed(
            f"SupportSession lsid={lsid}: {len(found)} sessions with that lsid (sessions: {others})"
        )
    session = found[0]
    if len(sessions) != 1:
        raise CheckFailed(f"SupportSession lsid={lsid}: {len(sessions)} sessions, expected only that one")
    if not (session.findtext("end_time") or "").strip():
        raise CheckFailed(
            f"SupportSession lsid={lsid}: <end_time> is empty though the session was terminated"
        )
    hosts = [(h.text or "").strip() for h in session.iterfind("customer_list/customer/hostname")]
    if hostname not in hosts:
        raise CheckFailed(
            f"SupportSession lsid={lsid}: no customer with hostname {hostname!r} (found {hosts[:3]})"
        )
    return session


@dataclass
class Bracket:
    """The representative table before and after another API was asked, every row changed in between (id ->
    kinds of change) and the last fields of rows deleted in between: only representatives whose presence did
    not change are compared, and their names only if their rows were not updated."""

    before: dict[str, dict[str, Any]]
    after: dict[str, dict[str, Any]]
    touched: dict[str, set[str]] = field(default_factory=dict)
    gone: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def of(
        cls, before: Mapping[str, Mapping[str, Any]], mirror: Mirror, table: str = "representative"
    ) -> Bracket:
        return cls(
            {k: dict(v) for k, v in before.items()},
            {k: dict(v) for k, v in mirror.table(table).items()},
            {k: set(v) for k, v in mirror.touched.get(table, {}).items()},
            {k: dict(v) for k, v in mirror.gone.get(table, {}).items()},
        )

    def _users_of(self, kinds: set[str]) -> set[str] | None:
        users: set[str] = set()
        for rid, seen in self.touched.items():
            if not seen & kinds:
                continue
            row = self.before.get(rid) or self.after.get(rid) or self.gone.get(rid)
            uid = row_id(row.get("user_id")) if row is not None else None
            if uid is None:
                return None
            users.add(uid)
        return users

    def unstable_users(self) -> set[str] | None:
        """User ids whose rows came or went; None if such a row's user is unknown (then no absence is
        judged)."""
        return self._users_of({"insert", "delete"})

    def updated_users(self) -> set[str] | None:
        return self._users_of({"update"})


def _users(rows: Mapping[str, Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows.values():
        uid = row_id(row.get("user_id"))
        if uid is not None:
            out.setdefault(uid, []).append(row)
    return out


def logged_in_reps_agree(root: etree._Element, bracket: Bracket) -> int:
    """get_logged_in_reps and the real-time representative table name the same logged-in representatives
    (rep id = user_id), with the same display names and type, for every representative whose rows did not
    change while the command was asked. Returns how many representatives were compared."""
    listed: dict[str, etree._Element] = {}
    for rep in root.iterfind("rep"):
        uid = row_id((rep.get("id") or "").strip())
        if uid is None:
            raise CheckFailed(f"get_logged_in_reps: rep id {rep.get('id')!r} is not an integer id")
        listed[uid] = rep
    unstable = bracket.unstable_users()
    updated = bracket.updated_users()
    before, after = _users(bracket.before), _users(bracket.after)
    problems: list[str] = []
    compared = 0
    for uid in sorted(set(listed) | set(before) | set(after), key=int):
        if unstable is not None and uid in unstable:
            continue
        present = uid in before and uid in after
        if unstable is None and not present:
            continue  # a row we cannot place changed: absence is not judged
        if uid not in before and uid not in after and uid in listed:
            problems.append(f"rep {uid} is listed by get_logged_in_reps but not in the representative table")
            continue
        if present and uid not in listed:
            problems.append(
                f"representative user_id {uid} is in the real-time model but not in get_logged_in_reps"
            )
            continue
        if not present:
            continue
        compared += 1
        if updated is None or uid in updated:
            continue  # its row changed meanwhile: presence agrees, the names are not compared
        rep = listed[uid]
        rows = after[uid]
        for xml_name, field_name in (
            ("public_display_name", "public_display_name"),
            ("private_display_name", "private_display_name"),
            ("type", "type"),
        ):
            text = (rep.findtext(xml_name) or "").strip()
            values = {str(r.get(field_name, "")) for r in rows if field_name in r}
            if values and text.lower() not in {v.lower() for v in values}:
                problems.append(
                    f"rep {uid}: get_logged_in_reps {xml_name} {text!r}, real-time {field_name} "
                    f"{min(values)!r}"
                )
    if problems:
        raise CheckFailed(
            "get_logged_in_reps and the real-time representative table disagree: " + _listed(problems)
        )
    return compared
