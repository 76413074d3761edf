"""Semantic checks of the command API's session key and session actions (guide: "API Command:
generate_session_key" to "API Command: terminate_session"): what the schema cannot say.

Each function takes an answer already validated against the schema (command_ok), with namespaces stripped,
and raises CheckFailed with a reason a vendor can act on, charged to the requirement it breaks
(harness/catalogue/requirements/command_sessions.toml): session_key and virtual_customer read the answers
every session check starts from, so their defects are charged to CMD-GSK-* and CMD-VC-*, not to the caller.
Helpers whose requirement depends on the call (key_url_host, attributes_hold, success_message) take it as
`req`. Values are compared without surrounding whitespace: real appliances indent element text (DESIGN.md,
"Facts from the field").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from lxml import etree

from harness.verdicts import CheckFailed

SHORT_KEY = re.compile(r"[0-9]{7}")
CLOCK_SLACK_S = 2  # the appliance's clock reads whole seconds; a key made between two readings may round


def _text(root: etree._Element, path: str) -> str | None:
    el = root.find(path)
    return None if el is None else (el.text or "").strip()


def _int(root: etree._Element, path: str, required: bool, req: str | None = None) -> int | None:
    text = _text(root, path)
    if text is None:
        if required:
            raise CheckFailed(f"<{path}> is missing", req)
        return None
    try:
        return int(text)
    except ValueError:
        raise CheckFailed(f"<{path}> is {text!r}, not an integer", req) from None


def _absolute_url(url: str, what: str, req: str | None = None) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CheckFailed(f"{what} {url!r} is not an absolute http(s) URL", req)
    return parts.hostname.lower()


# --- generate_session_key --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionKey:
    """generate_session_key's answer, read."""

    type: str
    ttl: int | None
    expires: int
    queue: str
    available: str
    queue_id: int | None
    external_key: str | None
    short_key: str
    key_url: str
    mail_subject: str
    mail_body: str


def session_key(root: etree._Element) -> SessionKey:
    """The <session_key> answer: type support, a seven-digit short key, an absolute key URL, integer
    expires/ttl/queue_id, available 0 or 1. Charged to CMD-GSK-001 (the answer's elements), CMD-GSK-022
    (the short key), CMD-GSK-007 (available), CMD-GSK-017 (ttl) and CMD-GSK-006 (queue_id)."""
    if root.tag != "session_key":
        raise CheckFailed(f"root <{root.tag}>, expected <session_key>", "CMD-GSK-001")
    kind = _text(root, "type")
    if kind != "support":
        raise CheckFailed(f"<type> is {kind!r}; the only supported value is support", "CMD-GSK-001")
    short = _text(root, "short_key") or ""
    if not SHORT_KEY.fullmatch(short):
        raise CheckFailed(
            f"<short_key> is {short!r}, not the seven-digit code a customer enters", "CMD-GSK-022"
        )
    url = _text(root, "key_url") or ""
    _absolute_url(url, "<key_url>", "CMD-GSK-001")
    queue = root.find("queue")
    if queue is None:
        raise CheckFailed("<queue> is missing", "CMD-GSK-001")
    available = (queue.get("available") or "").strip()
    if available not in ("0", "1"):
        raise CheckFailed(f"<queue available> is {available!r}, not 0 or 1", "CMD-GSK-007")
    ttl = _int(root, "ttl", required=False, req="CMD-GSK-017")
    if ttl is not None and ttl <= 0:
        raise CheckFailed(f"<ttl> is {ttl}: a key must be valid for some time", "CMD-GSK-017")
    return SessionKey(
        type=kind,
        ttl=ttl,
        expires=_int(root, "expires", required=True, req="CMD-GSK-001"),
        queue=(queue.text or "").strip(),
        available=available,
        queue_id=_int(root, "queue_id", required=False, req="CMD-GSK-006"),
        external_key=_text(root, "external_key"),
        short_key=short,
        key_url=url,
        mail_subject=_text(root, "mail_subject") or "",
        mail_body=_text(root, "mail_body") or "",
    )


def queue_matches(key: SessionKey, kind: str, queue_id: int | None = None) -> None:
    """<queue> and <queue_id> name the queue asked for: `kind` rep, team or general; `queue_id` the
    representative's or team's ID when known. CMD-GSK-006."""
    req = "CMD-GSK-006"
    if kind == "general":
        # the guide says rep or team; real appliances answer general (field); either is the general queue
        if key.queue not in ("general", "team"):
            raise CheckFailed(
                f"<queue> is {key.queue!r} for queue_id=general, expected general (or team)", req
            )
        return
    if key.queue != kind:
        raise CheckFailed(f"<queue> is {key.queue!r}, expected {kind!r}", req)
    if queue_id is not None:
        if key.queue_id is None:
            raise CheckFailed(
                f"<queue_id> is missing; expected {queue_id}, the numeric ID of the {kind} queue", req
            )
        if key.queue_id != queue_id:
            raise CheckFailed(
                f"<queue_id> is {key.queue_id}, expected {queue_id} (the {kind} asked for)", req
            )


def available_is(key: SessionKey, expected: bool, why: str) -> None:
    """<queue available> says whether a representative can take the session (`why`: what we saw)."""
    if key.available != str(int(expected)):
        raise CheckFailed(f'<queue available="{key.available}"> although {why}', "CMD-GSK-007")


def expires_agrees(key: SessionKey, ttl: int, clock_before: int, clock_after: int) -> None:
    """A key asked for with `ttl`: <ttl> (when answered) is that ttl, and <expires> is ttl seconds after the
    key was made, the appliance's clock reading clock_before..clock_after around the request. CMD-GSK-017."""
    if key.ttl is not None and key.ttl != ttl:
        raise CheckFailed(f"<ttl> is {key.ttl}, but ttl={ttl} was asked for", "CMD-GSK-017")
    made = key.expires - ttl
    if not clock_before - CLOCK_SLACK_S <= made <= clock_after + CLOCK_SLACK_S:
        raise CheckFailed(
            f"<expires> {key.expires} is {key.expires - clock_after:+d} s from the appliance's clock "
            f"({clock_before}..{clock_after}), expected about ttl={ttl} s ahead",
            "CMD-GSK-017",
        )


def default_lifetime(key: SessionKey, clock_before: int, clock_after: int) -> int:
    """A key asked for without ttl (the maximum timeout): how long it lives, by <expires> and the appliance's
    clock; <ttl>, when answered, must agree (CMD-GSK-017: expires is when made plus ttl)."""
    lifetime = key.expires - clock_before
    if lifetime <= 0:
        raise CheckFailed(
            f"<expires> {key.expires} is not after the appliance's clock ({clock_before})", "CMD-GSK-018"
        )
    if key.ttl is not None:
        expires_agrees(key, key.ttl, clock_before, clock_after)
        return key.ttl
    return lifetime


def lifetime_at_most(key: SessionKey, maximum: int, clock_before: int) -> None:
    """A key asked for with a ttl above the maximum timeout does not outlive that maximum."""
    lifetime = key.expires - clock_before
    if lifetime > maximum + CLOCK_SLACK_S:
        raise CheckFailed(
            f"the key lives {lifetime} s, longer than the {maximum} s a key without ttl gets "
            "(the maximum session key timeout)",
            "CMD-GSK-018",
        )


def key_url_host(
    key: SessionKey, hosts: set[str] | tuple[str, ...], why: str, req: str | None = None
) -> None:
    """<key_url> points to one of `hosts` (`why`: where they come from). `req`: CMD-GSK-020 for a
    url_hostname given, CMD-GSK-021 for the default."""
    host = _absolute_url(key.key_url, "<key_url>", "CMD-GSK-001")
    wanted = {h.lower().strip("[]") for h in hosts if h}
    if host.strip("[]") not in wanted:
        raise CheckFailed(
            f"<key_url> {key.key_url} names host {host!r}, expected {' or '.join(sorted(wanted))} ({why})",
            req,
        )


def external_key_echoed(key: SessionKey, value: str) -> None:
    """CMD-GSK-011: the key answers the external key given."""
    if key.external_key is None:
        raise CheckFailed(
            "<external_key> is missing although session.custom.external_key was given", "CMD-GSK-011"
        )
    if key.external_key != value.strip():
        shown = key.external_key if len(key.external_key) <= 40 else key.external_key[:37] + "..."
        raise CheckFailed(
            f"<external_key> is {shown!r} ({len(key.external_key)} chars), not the key given", "CMD-GSK-011"
        )


def keys_distinct(a: SessionKey, b: SessionKey) -> None:
    """CMD-GSK-023: two requests, two keys."""
    if a.short_key == b.short_key:
        raise CheckFailed(
            f"two generate_session_key requests gave the same short key {a.short_key}", "CMD-GSK-023"
        )
    if a.key_url == b.key_url:
        raise CheckFailed(
            f"two generate_session_key requests gave the same key URL {a.key_url}", "CMD-GSK-023"
        )


def mail_carries_key(key: SessionKey) -> None:
    """CMD-GSK-024 (a SHOULD): the invitation's subject and a body that carries the key."""
    if not key.mail_subject:
        raise CheckFailed("<mail_subject> is empty", "CMD-GSK-024")
    if key.key_url not in key.mail_body and key.short_key not in key.mail_body:
        raise CheckFailed(
            "<mail_body> carries neither the key URL nor the short key: the invitation cannot be used",
            "CMD-GSK-024",
        )


# --- actions answering <success> -------------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split()).rstrip(".").casefold()


def success_message(root: etree._Element, expected: str, req: str | None = None) -> None:
    """<success> with the guide's message (case, spacing and a final period aside). `req`: the requirement
    that documents the message, where it is not the caller's primary one."""
    if root.tag != "success":
        raise CheckFailed(f"root <{root.tag}>, expected <success>", req)
    got = "".join(root.itertext())
    if _norm(got) != _norm(expected):
        raise CheckFailed(
            f"<success>{' '.join(got.split())[:100]}</success>: the guide's message is {expected!r}", req
        )


# --- create_virtual_customer -----------------------------------------------------------------------------

_LSID = re.compile(r"[0-9A-Za-z-]{8,64}")


def virtual_customer(root: etree._Element) -> tuple[str, str | None]:
    """(download_url, the new session's lsid or None). download_url must be an absolute URL. The guide names
    no place for the lsid: an <lsid> element, an lsid attribute, or download_url's lsid parameter.
    CMD-VC-002 (the answer), CMD-VC-007 (a malformed lsid: the session cannot be acted on by it)."""
    if root.tag != "virtual_customer":
        raise CheckFailed(f"root <{root.tag}>, expected <virtual_customer>", "CMD-VC-002")
    url = _text(root, "download_url")
    if not url:
        raise CheckFailed("<download_url> is missing or empty", "CMD-VC-002")
    _absolute_url(url, "<download_url>", "CMD-VC-002")
    candidates = [(el.text or "").strip() for el in root.iter("lsid")]
    candidates += [(el.get("lsid") or "").strip() for el in root.iter() if el.get("lsid") is not None]
    candidates += parse_qs(urlsplit(url).query).get("lsid", [])
    for lsid in candidates:
        if _LSID.fullmatch(lsid):
            return url, lsid
    if candidates:
        raise CheckFailed(f"the new session's lsid {candidates[0][:70]!r} is not a session ID", "CMD-VC-007")
    return url, None


# --- get_session_attributes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    display_name: str
    value: str


def custom_attributes(root: etree._Element) -> dict[str, Attribute]:
    """<custom_attributes> by code name; FAIL (CMD-GSA-002) on a code name given twice."""
    if root.tag != "custom_attributes":
        raise CheckFailed(f"root <{root.tag}>, expected <custom_attributes>", "CMD-GSA-002")
    found: dict[str, Attribute] = {}
    for el in root.iterfind("custom_attribute"):
        code = (el.get("code_name") or "").strip()
        if code in found:
            raise CheckFailed(f"custom attribute {code!r} is listed twice", "CMD-GSA-002")
        found[code] = Attribute((el.get("display_name") or "").strip(), (el.text or "").strip())
    return found


def attributes_hold(found: dict[str, Attribute], expected: dict[str, str], req: str | None = None) -> None:
    """Each attribute has the value set; one set to "" (cleared) is absent or empty. `req`: what the values
    show (CMD-SSA-004 an attribute kept, CMD-SSA-005 one cleared), else the caller's primary requirement."""
    for code, value in expected.items():
        attr = found.get(code)
        if value == "":
            if attr is not None and attr.value != "":
                raise CheckFailed(
                    f"custom attribute {code} was cleared but is still {attr.value[:40]!r}", req
                )
            continue
        if attr is None:
            listed = ", ".join(sorted(found)) or "none"
            raise CheckFailed(
                f"custom attribute {code} was set but is not answered (answered: {listed})", req
            )
        if attr.value != value.strip():
            shown = attr.value if len(attr.value) <= 40 else attr.value[:37] + "..."
            raise CheckFailed(
                f"custom attribute {code} is {shown!r} ({len(attr.value)} chars), not the value set", req
            )


# --- reading the target (ids to act on) ------------------------------------------------------------------


def server_time(root: etree._Element) -> int:
    """get_api_info's <timestamp>: the appliance's clock (CMD-GAI-003)."""
    value = _int(root, "timestamp", required=True, req="CMD-GAI-003")
    return value


def logged_in_rep_ids(root: etree._Element) -> list[int]:
    """The representatives get_logged_in_reps lists (ids that are not integers are not ours to judge here)."""
    ids = []
    for rep in root.iterfind("rep"):
        try:
            ids.append(int((rep.get("id") or "").strip()))
        except ValueError:
            continue
    return ids


@dataclass(frozen=True)
class Team:
    id: int
    members: dict[int, str]  # representative id -> username (with showmembers=1)


def support_teams(root: etree._Element) -> list[Team]:
    """get_support_teams' teams and, with showmembers=1, their members' usernames."""
    teams = []
    for team in root.iterfind("support_team"):
        try:
            team_id = int((team.get("id") or "").strip())
        except ValueError:
            continue
        members = {}
        for rep in team.iterfind("members/representative"):
            username = (rep.findtext("username") or "").strip()
            try:
                members[int((rep.get("id") or "").strip())] = username
            except ValueError:
                continue
        teams.append(Team(team_id, members))
    return teams


def public_hostnames(root: etree._Element) -> set[str]:
    """get_appliances' <public_hostname>s."""
    return {h for h in ((el.text or "").strip() for el in root.iterfind("appliance/public_hostname")) if h}
