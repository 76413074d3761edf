"""Semantic checks of the real-time state API (guide: "Protocol of the Real-Time State API", "System State
Model of the Real-Time API") and of what it must agree on with the command and reporting APIs.

The model is the catalogue's (harness.catalogue.model: the guide's tables, fields, types, enumerations and
foreign keys), not the embedded appliance's: the reference appliance is itself under test.

The appliance is live: rows come and go while a check watches. Integrity is therefore judged on what lasts:
a reference to a missing row is a violation only if it stays unresolved for GRACE_S seconds of the copy being
kept up to date (guide: "Messages in the model updates phase can arrive in any order"), and cross-API
comparisons only judge rows that did not change while the other API was asked.

Each condition is charged to the requirement it breaks (harness.verdicts): the form of the handshake's
subprotocol answer to RT-PROTO-027, the framing of server messages to RT-PROTO-003/004/022, the form of the
phase answers to RT-PROTO-011 (authenticate_response) and RT-PROTO-014 (subscribe_response), the copy's
problems by kind (MIRROR_REQ), each table's values to its RT-MODEL requirement (TABLE_REQ), latency to
RT-CAP-003/004 and the cross-API comparisons to RT-XAPI-001/002/003. What depends on the caller (an answer
that did not come, or did not succeed as expected) goes to the `req` the caller names, else to the check's
primary requirement.
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

from harness.catalogue import limits
from harness.catalogue.model import BOOLEAN, GUID, INTEGER, REALTIME, TIMESTAMP, Field
from harness.client.realtime import ENCODED, MAX_ID, RAW, Mirror, Problem, ServerMessage, row_id
from harness.verdicts import CheckFailed, defect, judged, warn

CLOCK_SKEW_S = 300.0  # how far the appliance's clock may be from ours
GRACE_S = 1.0  # how long a dangling reference may last before it is a violation
SHOULD_LATENCY_S = 5.0  # our bound (inferred) for a change to reach the model
MUST_LATENCY_S = limits.MAX_LATENCY_S  # guide: "a maximum latency of twenty seconds"
SHOWN = 5  # problems quoted in one reason

# The guide's tables and fields ("Tables in the Real-Time System State Model"), in its order.
MODEL: dict[str, dict[str, Field]] = REALTIME
TABLES = tuple(MODEL)
# each table's requirement, in the guide's order: RT-MODEL-011 (customer_client) .. RT-MODEL-021 (presenter)
TABLE_REQ = {table: f"RT-MODEL-{11 + i:03d}" for i, table in enumerate(TABLES)}
# (table, field, referenced table): the guide's "foreign key" fields
REFERENCES = tuple((t, f, spec.ref) for t, fields in MODEL.items() for f, spec in fields.items() if spec.ref)
GUID_RE = re.compile(r"^[0-9a-fA-F]{32}$|^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


def _listed(items: list[str], total: int | None = None) -> str:
    total = len(items) if total is None else total
    more = f" (+{total - SHOWN} more)" if total > SHOWN else ""
    return "; ".join(items[:SHOWN]) + more


# -- protocol: the handshake -------------------------------------------------------------------------------


SUBPROTOCOL_REQ = "RT-PROTO-027"  # the handshake answers the subprotocol byte for byte as offered
FORMS = {ENCODED: "URL-encoded", RAW: "raw"}


def subprotocol_as_offered(offered: str | None, answered: str | None) -> None:
    """The handshake's Sec-WebSocket-Protocol answer is exactly the value offered (RT-PROTO-027). No answer
    (or no offer) is not judged here: a missing header is RT-PROTO-008's. Another form of our subprotocol is
    a defect(): the client copes with it, so the check goes on to judge the connection's other requirements.
    (The client refuses any other subprotocol in the handshake, so only the two forms get here.)"""
    if offered is None or answered is None:
        return
    if answered == offered:
        judged(SUBPROTOCOL_REQ)
        return
    got, sent = FORMS.get(answered, "another"), FORMS.get(offered, "another")
    defect(
        f"the handshake answered {answered!r} ({got}) to the offer {offered!r} ({sent}): RFC 6455 §4.1 has a "
        "client fail the connection when the answer names a subprotocol it did not offer, and standard "
        "clients (the websockets library, browsers' WebSocket) refuse this handshake",
        SUBPROTOCOL_REQ,
    )


# -- protocol: framing and the phase answers ---------------------------------------------------------------


@dataclass
class FramingStats:
    messages: int = 0
    multipart: int = 0  # messages that came in more than one websocket message
    max_parts: int = 1


JSON_REQ = "RT-PROTO-003"  # JSON messages, each with a "type"
BINARY_REQ = "RT-PROTO-004"  # sent in binary websocket messages
PARTS_REQ = "RT-PROTO-022"  # a message in several parts reassembles into one JSON message


def framing(messages: Iterable[ServerMessage]) -> FramingStats:
    """Every server message: in binary websocket messages (else a FAIL of RT-PROTO-004), newline-terminated
    (the client only hands out messages that ended with one), JSON, an object with a string "type" (else
    RT-PROTO-003; RT-PROTO-022 for a message of several parts that does not reassemble into JSON). Each
    requirement broken is a defect() of its own, so the others are still judged."""
    stats = FramingStats()
    problems: dict[str, list[str]] = {JSON_REQ: [], BINARY_REQ: [], PARTS_REQ: []}
    for n, message in enumerate(messages, 1):
        stats.messages += 1
        if message.parts > 1:
            stats.multipart += 1
            stats.max_parts = max(stats.max_parts, message.parts)
        if message.text_parts:
            problems[BINARY_REQ].append(
                f"message {n} came in {message.text_parts} text websocket message(s), not binary: "
                f"{message.excerpt(80)}"
            )
        if message.error is not None:
            req = PARTS_REQ if message.parts > 1 else JSON_REQ
            parts = f" (reassembled from {message.parts} parts)" if message.parts > 1 else ""
            problems[req].append(f"message {n} is {message.error}{parts}: {message.excerpt(80)}")
        elif message.type is None:
            problems[JSON_REQ].append(
                f'message {n} is not a JSON object with a string "type": {message.excerpt(80)}'
            )
    for req, found in problems.items():
        if found:
            defect(
                f"{len(found)} of {stats.messages} server messages break the framing: " + _listed(found), req
            )
    return stats


ANSWER_REQ = {"authenticate_response": "RT-PROTO-011", "subscribe_response": "RT-PROTO-014"}


def phase_answer(
    message: ServerMessage | None, kind: str, success: bool, req: str | None = None
) -> dict[str, Any]:
    """The answer of the authentication or subscription phase (`kind`: authenticate_response or
    subscribe_response): that type, a JSON boolean "success" as expected, and a non-empty "reason" string when
    success is false. Returns the message.

    An answer that did not come, is of another type, or did not succeed as expected breaks what the caller
    expects: charged to `req` (None: the check's primary requirement). A message that is no JSON object
    breaks RT-PROTO-003; an answer not of the documented form (success not a boolean, false without a
    reason) breaks RT-PROTO-011 (authenticate_response) or RT-PROTO-014 (subscribe_response); a missing
    reason is a defect() only, the answer is still judged."""
    form = ANSWER_REQ.get(kind)
    if message is None:
        raise CheckFailed(f"no {kind} came back", req)
    if message.error is not None or not isinstance(message.data, dict):
        raise CheckFailed(
            f"expected a {kind}, got a message that is {message.error or 'not a JSON object'}: "
            f"{message.excerpt(150)}",
            JSON_REQ,
        )
    data = message.data
    if data.get("type") != kind:
        raise CheckFailed(f"expected a {kind}, got type {data.get('type')!r}: {message.excerpt(150)}", req)
    got = data.get("success")
    if not isinstance(got, bool):
        raise CheckFailed(f"{kind}: success is {got!r}, not a JSON boolean", form)
    reason = data.get("reason")
    if not got and not (isinstance(reason, str) and reason.strip()):
        defect(f'{kind}: success is false without a reason (the guide: "reason if success == false")', form)
    if got != success:
        said = f" (reason: {reason!r})" if isinstance(reason, str) else ""
        raise CheckFailed(
            f"{kind}: success is {str(got).lower()}, expected {str(success).lower()}{said}", req
        )
    return data


def subscribe_timestamp(data: Mapping[str, Any]) -> int:
    """The subscribe response's "timestamp": a UNIX timestamp (an integer), else a FAIL of RT-PROTO-014."""
    value = data.get("timestamp")
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise CheckFailed(
            f"subscribe_response: timestamp is {value!r}, not a UNIX timestamp",
            ANSWER_REQ["subscribe_response"],
        )
    return value


def timestamp_now(value: int, before: float, after: float, skew: float = CLOCK_SKEW_S) -> None:
    """The appliance's "current time" between `before` and `after` on our clock, give or take `skew`
    (RT-PROTO-015)."""
    if not before - skew <= value <= after + skew:
        raise CheckFailed(
            f"subscribe_response timestamp {value} is {value - after:+.0f} s from our clock "
            f"(allowed ±{skew:.0f} s)",
            "RT-PROTO-015",
        )


def no_model_data(messages: Iterable[ServerMessage], why: str, req: str | None = None) -> None:
    """After a refused phase (`why`), nothing that gives the model away: no successful subscribe_response,
    no model_update, no truncate_model. A FAIL of `req`: the refusal the caller judges (None: the check's
    primary requirement)."""
    for message in messages:
        data = message.data if isinstance(message.data, dict) else {}
        kind = data.get("type")
        if kind in ("model_update", "truncate_model"):
            raise CheckFailed(f"{why}, yet the server sent a {kind}: {message.excerpt(150)}", req)
        if kind == "subscribe_response" and data.get("success") is True:
            raise CheckFailed(f"{why}, yet the subscription succeeded: {message.excerpt(150)}", req)


CAP_REQ = "RT-CAP-001"  # thirty subscribe; one more gets no model updates
CAP_TOLD_REQ = "RT-CAP-002"  # ... and is told so with a subscribe_response success false


def _objects(messages: Iterable[ServerMessage]) -> list[ServerMessage]:
    return [m for m in messages if isinstance(m.data, dict)]


def refused_subscription(
    messages: list[ServerMessage], refused_at_handshake: str | None = None, closed: str | None = None
) -> str:
    """How an integration over the subscriber cap was refused. FAIL of RT-CAP-001 if it was subscribed (a
    subscribe_response with success true, or model data); PASS if a subscribe_response said success false
    with a reason (its form is RT-PROTO-014's); any other refusal (handshake refused, authentication refused,
    closed without an answer) is a WARN of RT-CAP-002: the guide's answer to a failed subscription is a
    subscribe_response with success false. No answer and no close at all is a FAIL of RT-PROTO-014 (the
    appliance "confirms the subscription", with success true or false). Returns how."""
    no_model_data(
        messages, "with thirty integrations subscribed, one more must not receive model updates", CAP_REQ
    )
    for message in messages:
        data = message.data if isinstance(message.data, dict) else {}
        if data.get("type") == "subscribe_response":
            phase_answer(message, "subscribe_response", success=False, req=CAP_REQ)
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
        raise CheckFailed(
            "the integration over the cap got no answer to its subscription and was not closed",
            ANSWER_REQ["subscribe_response"],
        )
    warn(
        f"the integration over the cap was {how}, not answered with a subscribe_response success false",
        CAP_TOLD_REQ,
    )
    return how


# -- the copy of the model -----------------------------------------------------------------------------


# The requirement each kind of Problem of the copy breaks (harness.client.realtime.Problem).
MIRROR_REQ = {
    "shape": "RT-PROTO-019",  # the model_update / truncate_model syntax
    "rows": "RT-PROTO-020",  # inserts name new rows, updates and deletes rows of the copy
    "ids": "RT-MODEL-002",  # integer row ids, unique for the model's lifetime
    "tables": "RT-PROTO-017",  # only the tables subscribed
    "phase": "RT-PROTO-016",  # only model_update and truncate_model after the subscribe_response
}


def mirror_problems(mirror: Mirror, kinds: tuple[str, ...], what: str, stop: bool = True) -> int:
    """FAIL with the problems of these kinds the mirror met while applying the server's messages, each kind
    charged to its requirement (MIRROR_REQ). `stop`: the first kind found raises (what the caller does next
    depends on a sound copy), after the others were recorded with defect(); else all are defect()s and the
    check goes on. Returns how many problems were found."""
    found: list[Problem] = mirror.problems_of(*kinds)
    by_req: dict[str | None, list[str]] = {}
    for problem in found:
        by_req.setdefault(MIRROR_REQ.get(problem.kind), []).append(problem.text)
    charges = [(req, f"{what}: " + _listed(texts)) for req, texts in by_req.items()]
    for req, reason in charges[1:] if stop else charges:
        defect(reason, req)
    if stop and charges:
        raise CheckFailed(charges[0][1], charges[0][0])
    return len(found)


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


INTEGRITY_REQ = "RT-MODEL-001"


def integrity(watch: IntegrityWatch, initial: bool | None = None) -> None:
    """FAIL of RT-MODEL-001 on confirmed dangling references (`initial`: only those of the initial copy, or
    only later ones)."""
    found = watch.violations(initial)
    if found:
        when = {True: " in the initial copy", False: " after updates", None: ""}[initial]
        raise CheckFailed(
            f"references to missing rows{when} lasting {watch.grace:.0f} s or more: " + _listed(found),
            INTEGRITY_REQ,
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


MODEL_TABLES_REQ = "RT-MODEL-005"  # the guide's tables and fields (a SHOULD)


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
        """FAIL on the table's failures; WARN on its variants; both charged to the table's requirement
        (TABLE_REQ)."""
        req = TABLE_REQ.get(table)
        fails = self.fails.get(table, [])
        warns = self.warns.get(table, [])
        if warns:
            warn(f"{table}: " + _listed(warns, self.counts[(table, "warn")]), req)
        if fails:
            raise CheckFailed(f"{table}: " + _listed(fails, self.counts[(table, "fail")]), req)

    def outside_the_model(self) -> None:
        """FAIL of RT-MODEL-005 on tables or fields the guide's model does not have (a SHOULD: a WARN)."""
        if self.unknown:
            raise CheckFailed("outside the guide's model: " + _listed(self.unknown), MODEL_TABLES_REQ)


# -- latency --------------------------------------------------------------------------------------------


MUST_LATENCY_REQ = "RT-CAP-003"  # the guide's twenty seconds
SHOULD_LATENCY_REQ = "RT-CAP-004"  # our five (a SHOULD)


def latency(
    seconds: float | None, what: str, should: float = SHOULD_LATENCY_S, must: float = MUST_LATENCY_S
) -> str:
    """A change made through another API reached the model within `must` seconds (the guide's maximum),
    else a FAIL of RT-CAP-003 (raised: callers go on only with a measurement); above `should` seconds (our
    bound), a WARN of RT-CAP-004. Returns the measurement as text."""
    if seconds is None:
        raise CheckFailed(
            f"{what}: not in the model after {must:.0f} s (the guide's maximum latency)", MUST_LATENCY_REQ
        )
    text = f"{what}: {seconds * 1000:.0f} ms"
    if seconds > must:
        raise CheckFailed(f"{text}, above the guide's maximum latency of {must:.0f} s", MUST_LATENCY_REQ)
    if seconds > should:
        warn(f"{text}, above {should:.0f} s", SHOULD_LATENCY_REQ)
    return text


# -- cross-API: the command and reporting APIs --------------------------------------------------------


VC_REQ = "RT-XAPI-001"  # the virtual customer's session is in the model
REPORT_REQ = "RT-XAPI-002"  # the ended session is reported
REPS_REQ = "RT-XAPI-003"  # get_logged_in_reps and the representative table agree


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
    Returns (support_session row id, lsid). Every defect is RT-XAPI-001's."""
    clients = mirror.find("customer_client", hostname=hostname)
    by_lsid = mirror.find("support_session", lsid=answer_lsid) if answer_lsid else []
    if len(clients) > 1:
        raise CheckFailed(
            f"{len(clients)} customer_client rows have hostname {hostname!r}; one virtual customer was "
            "created",
            VC_REQ,
        )
    if answer_lsid and len(by_lsid) > 1:
        raise CheckFailed(f"{len(by_lsid)} support_session rows have lsid {answer_lsid}", VC_REQ)
    if clients:
        ref = row_id(clients[0][1].get("support_session_id"))
        session = mirror.table("support_session").get(ref) if ref is not None else None
        if session is None:
            raise CheckFailed(
                f"customer_client {clients[0][0]} (hostname {hostname!r}) refers to support_session "
                f"{clients[0][1].get('support_session_id')!r}, which is not in the model",
                VC_REQ,
            )
        lsid = session.get("lsid")
        if answer_lsid and lsid != answer_lsid:
            raise CheckFailed(
                f"the virtual customer's session in the model has lsid {lsid!r}; the command answered "
                f"{answer_lsid}",
                VC_REQ,
            )
        if not isinstance(lsid, str) or not lsid:
            raise CheckFailed(f"support_session {ref} has no lsid", VC_REQ)
        return ref, lsid
    if by_lsid:
        warn(
            f"no customer_client row with hostname {hostname!r}; the session was found by its lsid only",
            VC_REQ,
        )
        return by_lsid[0][0], answer_lsid  # type: ignore[return-value]
    where = f" nor a support_session with lsid {answer_lsid}" if answer_lsid else ""
    raise CheckFailed(
        f"no customer_client row with hostname {hostname!r}{where} in the real-time model", VC_REQ
    )


def session_in_report(root: etree._Element, lsid: str, hostname: str) -> etree._Element:
    """The SupportSession report for one lsid: exactly that session, ended (a non-empty <end_time>), with
    the virtual customer (its hostname) among its customers. Returns the <session>. Every defect is
    RT-XAPI-002's."""
    sessions = root.findall("session")
    found = [s for s in sessions if s.get("lsid") == lsid]
    if len(found) != 1:
        others = [s.get("lsid") for s in sessions][:3]
        raise CheckFailed(
            f"SupportSession lsid={lsid}: {len(found)} sessions with that lsid (sessions: {others})",
            REPORT_REQ,
        )
    session = found[0]
    if len(sessions) != 1:
        raise CheckFailed(
            f"SupportSession lsid={lsid}: {len(sessions)} sessions, expected only that one", REPORT_REQ
        )
    if not (session.findtext("end_time") or "").strip():
        raise CheckFailed(
            f"SupportSession lsid={lsid}: <end_time> is empty though the session was terminated",
            REPORT_REQ,
        )
    hosts = [(h.text or "").strip() for h in session.iterfind("customer_list/customer/hostname")]
    if hostname not in hosts:
        raise CheckFailed(
            f"SupportSession lsid={lsid}: no customer with hostname {hostname!r} (found {hosts[:3]})",
            REPORT_REQ,
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
    change while the command was asked. Returns how many representatives were compared. Every defect is
    RT-XAPI-003's."""
    listed: dict[str, etree._Element] = {}
    for rep in root.iterfind("rep"):
        uid = row_id((rep.get("id") or "").strip())
        if uid is None:
            raise CheckFailed(f"get_logged_in_reps: rep id {rep.get('id')!r} is not an integer id", REPS_REQ)
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
            "get_logged_in_reps and the real-time representative table disagree: " + _listed(problems),
            REPS_REQ,
        )
    return compared
