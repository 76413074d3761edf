"""The command API's actions beyond get_api_info and check_health (guide, "API Command: ..." sections from
get_logged_in_reps to import_jump_shortcut): plain functions of a Call, listed with guarded() in
command.ACTIONS (legacy_command.py reuses some of them).

Every action acts on or reads `appliance.world` (logins, keys, sessions: the live model and the history
follow from it). World methods write SQLite, so they run in the thread pool; reads that walk World's dicts
take World's lock there too.

Choices where the guide is silent or contradicts itself (recorded in the issue note):
- Errors. Every failure is a root <error> (command.py's choice, also where the guide says the list root
  "will contain an <error> element"). HTTP 200 for every parameter or state error of an action - missing,
  empty or malformed parameters, unknown ids, over-limit values, a session that is not active - because the
  guide documents <error> as the action's answer; send_chat_message, create_virtual_customer, leave_session
  and get_connected_clients document no <error> answer and get the same by analogy. HTTP 400 stays for
  malformed requests only (command.py). Messages echo at most 64 characters of a parameter's value.
- Access: set_rep_status, send_chat_message, create_virtual_customer and leave_session say "read-only or
  full access" but change state; they need full access (command.GUIDE_ACTIONS).
- Parameters: only `lsid` names a session (the guide's `Isid` is an OCR error; a request that sends `Isid`
  is told so). Ids are ASCII digits, at most 18 of them. Flags (showmembers, summary_only,
  include_connections, data_sync_first, force, console, ignore_untrusted) are 0 or 1; anything else is an
  error, except chat_url, where the guide says any value other than 1 means the full client. A parameter
  that does not apply to the request is ignored, as unknown parameters are.
- <success> texts: the guide's where it gives one; set_rep_status's <success> is empty (the guide gives no
  text); send_chat_message answers "Message sent"; leave_session "Customer successfully removed" or
  "Representative successfully removed" (the guide documents no answer for either).
- get_logged_in_reps: logged_in_since is ISO 8601 with +00:00; direct_link is an HTML anchor to
  https://<hostname>/?id=<id>&name=<public name>; presentation_count counts the representative's presenter
  rows in the live model.
- get_support_teams: support_session_count is the sessions waiting in the team's queue (guide's words);
  showmembers=0 is the same as leaving it out.
- generate_session_key: in the field's shape (the default) <ttl> is answered only when the request gave a
  ttl and <external_key> only when the key has one (a 19.1 appliance, captured), although the guide lists
  both; a tidy appliance (ApplianceConfig.tidy) answers both always, <external_key> empty when none.
  <queue>general</queue> answers without <queue_id> (field form; World makes general team 1's
  queue); url_hostname must be a syntactically valid
  hostname (no port), any name is accepted (the embedded appliance does not know its sites' hostnames);
  session.skills items are trimmed and empty items dropped (an empty value means "no skills"); the mail
  subject and body are fixed text.
- join_session / leave_session: rep_id and rep_username together are refused; leave_session needs exactly
  one of rep_id, rep_username, customer=1.
- transfer_session: only rep:, team: and rep_username: (general and issue: are refused: the guide lists
  three forms).
- send_chat_message: lsid and team_id are exclusive and one is required; body must not be empty; timestamp
  is ASCII digits and not after the appliance's clock (equal to now is accepted: not in the future); any
  past time is accepted, even before the session started (the chat bot forwards earlier messages);
  impersonate=customer works only with lsid and only while the customer is in the session; a representative
  impersonated in a session must be in it; in team chat the impersonated representative and to_rep /
  to_rep_username must be logged-in members of the team, to_rep needs a representative to impersonate, and
  to_rep and to_rep_username are exclusive. The guide's "special attribute in reports indicating which API
  Account originally sent the message" is a data value `api_account` (the account's name) on the Chat
  Message event, in SupportSession and SupportTeam reports. Team chat goes to the history as a SupportTeam
  "Chat Message" event (performed_by the impersonated representative or the system; destinations holds
  to_rep). BBCode is stored as sent.
- create_virtual_customer: all five parameters are required and non-empty; short_key is 7 digits of a valid
  key; ip_address is an IPv4 or IPv6 address; the customer is a chat-only (web_chat) client that starts a
  session from the key (start method session_key). The answer's root is <virtual_customer>; the new
  session's lsid travels in download_url's `lsid` parameter (the documented answer has no other place for
  it); <chat_url>1</chat_url> is echoed when chat_url=1 was asked. download_url is
  https://<key's url_hostname>/download_client_connector?ak=<key's access key>&lsid=<lsid>, with &c2cjs=1
  for chat_url=1; the embedded appliance does not serve it (elevating a virtual customer is not simulated).
  The session belongs to public site 1.
- set_session_attributes with no session.custom.* parameter changes nothing and succeeds.
- get_appliances: one appliance, this one: its GUID, name and public_hostname both the configured
  hostname, cluster_role single, failover_role as set_failover_role left it (none at first),
  accepting_connections 1 (the guide: always 1 outside a cluster), timezone_offset 0 (the appliance runs
  on UTC).
- Connected clients: representatives are the logged-in representatives (World.logged_in); support customers
  are the customer clients of the sessions in progress, virtual (web_chat) customers included; presentation
  attendees are the live model's attendee rows with connected=1 (the World runs no presentations, so none in
  practice); push agents are the nodes of the configuration API's enabled, connected Jumpoints; pinned
  clients (counted in the summary only, and only when all types are asked for) are the configuration API's
  Jump Clients with an active connection that are not lost. Ids: the live model's row id (representative,
  customer_client, attendee: unique for the appliance's lifetime) and, for a push agent,
  1000000000000000 + the Jumpoint node id. A count is answered for every requested type, zeros included.
  type= (empty) means all; pinned_client and unknown types are refused; at most 100 ids; ids that match no
  connected client are skipped (they only "remain valid while the client is connected"). Platform ids are
  short forms (winNT-64, mac-universal, linux-64, android, ios, web, unknown) made from the OS name;
  timezone offsets are 0; support_license is "Concurrent"; a connection's event log holds its "Connected
  to <appliance GUID> (primary)" event; a push agent's connected_since is when this API first saw it.
- set_failover_role: the embedded appliance acts as one of a failover pair whose peer is always
  reachable: the role changes at once (data_sync_first=1 performs the sync at once and records it for
  check_health's last_data_sync_time/status); force changes nothing; setting the current role again
  succeeds; nothing else changes (a backup keeps serving every API).
- import_jump_shortcut: the item type is chosen by which hostname parameter is present (exactly one of the
  eight); `name` is required for every type as the parameter tables say, although four of the guide's seven
  examples omit it (those examples answer "Missing required parameter: name"); the guide's RDP example pairs
  rdp_hostname (Local RDP) with jumpoint, which is ignored; terminal is matched case-insensitively (the
  table says VT100, the example vt100) and stored as xterm or VT100; protocol and quality are matched
  case-insensitively too. group and jumpoint are code names of the configuration API's Jump Groups and
  Jumpoints (case-insensitive; the guide's remote_access and London do not exist here, so its examples
  answer an <error>); public_portal names a public site; jump_policy and session_policy name one of this
  appliance's policies (JUMP_POLICIES, SESSION_POLICIES below, which include the guide's Notify and Servers).
  No length limit is enforced where the guide states none (rdp_username, domain, shelljump_username).
  Imported shortcuts are stored in a table of their own, command_jump_shortcut, in the appliance's SQLite
  file, not in the configuration API's tables: the command API allows tags of 1024 characters where the
  configuration API's shell jump items allow 64, so an imported item could break that API's contract.
  Importing the same shortcut twice makes two items.
"""

from __future__ import annotations

import html
import ipaddress
import json
import re
import sqlite3
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote_plus

from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from harness.appliance import db, directory, history
from harness.appliance.command_call import Call
from harness.appliance.history import Entity, Event
from harness.appliance.world import Arrival, World, WorldError
from harness.appliance.xmlresponse import Node, xml_response
from harness.catalogue import limits

MAX_SHOWN = 64  # how much of a parameter's value an error message echoes
MAX_ERROR = 512
MAX_IDS = limits.MAX_CLIENT_IDS  # get_connected_clients: "A maximum of 100 IDs is supported."
PUSH_AGENT_ID_BASE = 10**15
CUSTOM_PREFIX = "session.custom."
MAIL_SUBJECT = "Remote Support Invitation"
MAIL_BODY = (
    "Click on the link below and follow the directions.\n\n{url}\n\n"
    "BeyondTrust enables a support representative to view your screen in order to assist you.\n"
    "Session traffic is fully encrypted to protect your system's data.\n"
    "Once a session has begun, you will be able to end it at any time."
)
CLIENT_TYPES = ("representative", "support_customer", "presentation_attendee", "push_agent")
JUMP_POLICIES = ("Notify", "Approval_Required", "Business_Hours")
SESSION_POLICIES = ("Servers", "Workstations", "Read_Only")
_LSID = re.compile(r"[0-9a-fA-F]{32}")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
_DISPLAY_SIZE = re.compile(r"([1-9][0-9]{1,4})x([1-9][0-9]{1,4})")


class Invalid(Exception):
    """A parameter the action refuses; the message is the <error> text."""


def _shown(value: str) -> str:
    return value if len(value) <= MAX_SHOWN else value[: MAX_SHOWN - 3] + "..."


def guarded(name: str, fn: Callable[[Call], Awaitable[Response]]) -> Callable[[Call], Awaitable[Response]]:
    """The action `fn` with its Invalid and WorldError turned into the guide's <error> answer (HTTP 200)."""

    async def run(call: Call) -> Response:
        try:
            return await fn(call)
        except (Invalid, WorldError) as exc:
            message = str(exc).strip() or f"{name} failed"
            if len(message) > MAX_ERROR:
                message = message[: MAX_ERROR - 3] + "..."
            return call.error(message)

    return run


# --- parameters ----------------------------------------------------------------------------------------


def _required(params: dict[str, str], name: str) -> str:
    value = params.get(name)
    if value is None or value == "":
        if name == "lsid" and "Isid" in params:
            raise Invalid('Missing required parameter: lsid (the guide\'s "Isid" is a misprint of lsid)')
        raise Invalid(f"Missing required parameter: {name}")
    return value


def _digits(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 18 else None


def _int(params: dict[str, str], name: str, lo: int, hi: int, what: str | None = None) -> int | None:
    """An optional integer parameter within lo..hi."""
    value = params.get(name)
    if value is None:
        return None
    number = _digits(value)
    if number is None or not lo <= number <= hi:
        raise Invalid(f"{what or name} must be an integer from {lo} to {hi}, not {_shown(value)!r}")
    return number


def _flag(params: dict[str, str], name: str) -> bool:
    value = params.get(name)
    if value is None:
        return False
    if value not in ("0", "1"):
        raise Invalid(f"{name} must be 0 or 1, not {_shown(value)!r}")
    return value == "1"


def _lsid(params: dict[str, str]) -> str:
    lsid = _required(params, "lsid")
    if not _LSID.fullmatch(lsid):
        raise Invalid(f"Invalid session LSID: {_shown(lsid)}")
    return lsid


def _rep_ref(params: dict[str, str], id_name: str = "rep_id", username_name: str = "rep_username"):
    """(user id, username) from rep_id / rep_username: exactly one of them."""
    rep_id, username = params.get(id_name), params.get(username_name)
    if rep_id is not None and username is not None:
        raise Invalid(f"Use {id_name} or {username_name}, not both")
    if rep_id is None and username is None:
        raise Invalid(f"Missing required parameter: {id_name} or {username_name}")
    if rep_id is not None:
        number = _digits(rep_id)
        if number is None:
            raise Invalid(f"Invalid representative ID: {_shown(rep_id)}")
        return number, None
    if username == "":
        raise Invalid(f"Missing required parameter: {username_name}")
    return None, username


def _custom_fields(params: dict[str, str]) -> dict[str, str]:
    """session.custom.[code name] parameters (the limits are World.check_fields')."""
    return {k[len(CUSTOM_PREFIX) :]: v for k, v in params.items() if k.startswith(CUSTOM_PREFIX)}


def _timestamp(params: dict[str, str], now: int) -> int | None:
    value = params.get("timestamp")
    if value is None:
        return None
    ts = _digits(value)
    if ts is None:
        raise Invalid(f"timestamp must be a UNIX timestamp, not {_shown(value)!r}")
    if ts > now:
        raise Invalid(f"timestamp must be in the past according to the appliance's clock (now {now})")
    return ts


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def _success(call: Call, message: str = "") -> Response:
    return xml_response(Node("success", message), call.namespace)


def _private_ip(value: str | None) -> str:
    """A private address as the schema takes it: an IP address, or Unknown."""
    try:
        return str(ipaddress.ip_address(value or ""))
    except ValueError:
        return "Unknown"


def _platform_id(os_name: str) -> str:
    s = os_name.lower()
    if "windows" in s:
        return "winNT-64" if "64" in s else "winNT-32"
    if "mac" in s:
        return "mac-universal"
    if any(k in s for k in ("linux", "ubuntu", "debian", "red hat", "centos", "fedora")):
        return "linux-64"
    if "android" in s:
        return "android"
    if any(k in s for k in ("ios", "iphone", "ipad")):
        return "ios"
    if "browser" in s or "web" in s:
        return "web"
    return "unknown"


# --- representatives and teams ---------------------------------------------------------------------------


def logged_in_reps(appliance, legacy: bool = False) -> Node:
    """get_logged_in_reps's answer (runs in the thread pool). `legacy`: the 12.1 guide's elements only (no
    public and private display names), the direct link to its start_session.ns URL."""
    world: World = appliance.world
    host = appliance.config.hostname
    root = Node("logged_in_reps")
    presenters = world.state.rows("presenter").values()
    with world._lock:  # World's dicts change under other threads
        for user_id, rep in sorted(world.logged_in.items()):
            user = rep.user
            node = root.add("rep", id=user_id)
            node.add("display_name", user.public_display_name)
            if not legacy:
                node.add("public_display_name", user.public_display_name)
                node.add("private_display_name", user.private_display_name)
            node.add("type", "Invited" if user.invited else "Normal")
            node.add("direct_link", _direct_link(host, user, "/api/start_session.ns" if legacy else "/"))
            node.add("logged_in_since", _iso(rep.since))
            node.add("presentation_count", sum(1 for p in presenters if p["representative_id"] == rep.row))
            node.add("support_session_count", world.session_count(user_id))
            node.add("showing_on_rep_list", int(rep.showing_on_rep_list))
    return root


async def get_logged_in_reps(call: Call) -> Response:
    return xml_response(await run_in_threadpool(logged_in_reps, call.appliance), call.namespace)


def _start_url(host: str, user: directory.User, path: str = "/") -> str:
    return f"https://{host}{path}?id={user.id}&name={quote_plus(user.public_display_name)}"


def _direct_link(host: str, user: directory.User, path: str) -> str:
    href = html.escape(_start_url(host, user, path))
    return f'<a href="{href}">{html.escape(user.public_display_name)}</a>'


async def set_rep_status(call: Call) -> Response:
    rep_id = _required(call.params, "rep_id")
    user_id = _digits(rep_id)
    if user_id is None:
        raise Invalid(f"Invalid representative ID: {_shown(rep_id)}")
    code_name = _required(call.params, "code_name")
    await run_in_threadpool(call.appliance.world.set_status, user_id, code_name)
    return _success(call)


def support_teams(world: World, members: bool, legacy: bool = False) -> Node:
    """get_support_teams's answer. `legacy`: the 12.1 guide's elements only (no support_session_count, no
    public and private display names)."""
    root = Node("support_teams")
    for team in directory.TEAMS:
        node = root.add("support_team", id=team.id)
        node.add("name", team.name)
        issues = node.add("issues", "")
        for issue in directory.issues_of(team.id):
            issues.add("issue", id=issue.id).add("title", issue.title)
        if not legacy:
            node.add("support_session_count", world.waiting_in_team(team.id))
        if members:
            listing = node.add("members", "")
            for user_id, _ in team.members:
                user = directory.user(user_id)
                rep = listing.add("representative", id=user.id)
                rep.add("username", user.username)
                rep.add("display_name", user.public_display_name)
                if not legacy:
                    rep.add("public_display_name", user.public_display_name)
                    rep.add("private_display_name", user.private_display_name)
    return root


async def get_support_teams(call: Call) -> Response:
    members = _flag(call.params, "showmembers")
    return xml_response(support_teams(call.appliance.world, members), call.namespace)


# --- session keys and sessions ---------------------------------------------------------------------------


async def generate_session_key(call: Call) -> Response:
    p = call.params
    kind = _required(p, "type")
    if kind != "support":
        raise Invalid(f"Invalid session type: {_shown(kind)} (the only supported type is support)")
    spec = _required(p, "queue_id")
    fields = _custom_fields(p)
    priority = _int(p, "session.priority", 1, 3)
    skills = None
    if "session.skills" in p:
        skills = tuple(s.strip() for s in p["session.skills"].split(",") if s.strip())
    ttl = _int(p, "ttl", 1, directory.SESSION_KEY_MAX_TTL)
    host = p.get("url_hostname")
    if host is not None and (len(host) > 253 or not _HOSTNAME.fullmatch(host)):
        raise Invalid(f"Invalid url_hostname: {_shown(host)}")
    world: World = call.appliance.world

    def make():
        target = world.resolve(spec)
        key = world.generate_key(target, ttl, host, fields, priority, skills)
        return key, world.available(target)

    key, available = await run_in_threadpool(make)
    tidy = call.appliance.config.tidy
    root = Node("session_key")
    root.add("type", "support")
    if tidy or ttl is not None:  # field: a 19.1 appliance answers <ttl> only when one was asked
        root.add("ttl", key.ttl)
    root.add("expires", key.expires)
    root.add("queue", key.target.answer_kind, available=int(available))
    if key.target.kind != "general":
        root.add("queue_id", key.target.id)
    if tidy or key.external_key:  # field: and <external_key> only when one was given
        root.add("external_key", key.external_key)
    root.add("short_key", key.short_key)
    root.add("key_url", key.key_url)
    root.add("mail_subject", MAIL_SUBJECT)
    root.add("mail_body", MAIL_BODY.format(url=key.key_url))
    return xml_response(root, call.namespace)


async def join_session(call: Call) -> Response:
    lsid = _lsid(call.params)
    user_id, username = _rep_ref(call.params)
    await run_in_threadpool(call.appliance.world.join, lsid, user_id, username)
    return _success(call, "Representative successfully added")


async def transfer_session(call: Call) -> Response:
    lsid = _lsid(call.params)
    spec = _required(call.params, "queue_id")
    world: World = call.appliance.world

    def transfer() -> None:
        world.transfer(lsid, world.resolve(spec, forms=("rep", "team", "rep_username")))

    await run_in_threadpool(transfer)
    return _success(call, "Successfully transferred")


async def send_chat_message(call: Call) -> Response:
    p = call.params
    if "lsid" in p and "team_id" in p:
        raise Invalid("lsid and team_id cannot be used together")
    if "lsid" not in p and "team_id" not in p:
        if "Isid" in p:
            _required(p, "lsid")  # says that Isid is a misprint
        raise Invalid("Missing required parameter: lsid or team_id")
    body = _required(p, "body")
    world: World = call.appliance.world
    ts = _timestamp(p, world.now())
    impersonate = p.get("impersonate")
    if impersonate == "":
        raise Invalid("impersonate must be customer, rep:[id] or rep_username:[username]")
    data = [("api_account", call.account.name)]
    if "lsid" in p:
        lsid = _lsid(p)
        if "to_rep" in p or "to_rep_username" in p:
            raise Invalid("to_rep and to_rep_username work only with team_id")

        def session_chat() -> None:
            sender = world.sender(lsid, impersonate)
            world.chat(lsid, body, sender, ts, data=data)

        await run_in_threadpool(session_chat)
    else:
        team_id = _digits(p["team_id"])
        team = directory.team(team_id) if team_id is not None else None
        if team is None:
            raise Invalid(f"Invalid team ID: {_shown(p['team_id'])}")
        if impersonate == "customer":
            raise Invalid("impersonate=customer works only with lsid")
        sender = history.SYSTEM
        if impersonate is not None:
            sender = _team_member(world, team, *_impersonated(impersonate))
        destinations = []
        if "to_rep" in p or "to_rep_username" in p:
            if impersonate is None:
                raise Invalid(
                    "to_rep and to_rep_username need impersonate=rep:[id] or rep_username:[username]"
                )
            who = _team_member(world, team, *_rep_ref(p, "to_rep", "to_rep_username"))
            destinations = [(who.gsnumber, who.name)]
        event = Event(
            ts if ts is not None else world.now(), "Chat Message", sender,
            destinations=destinations, body=body, data=data,
        )  # fmt: skip
        await run_in_threadpool(history.record_team_event, world.db_path, team.id, team.name, event)
    return _success(call, "Message sent")


def _impersonated(impersonate: str) -> tuple[int | None, str | None]:
    form, _, value = impersonate.partition(":")
    if form == "rep" and _digits(value) is not None:
        return _digits(value), None
    if form == "rep_username" and value:
        return None, value
    raise Invalid(f"Invalid value for impersonate: {_shown(impersonate)}")


def _team_member(world: World, team: directory.Team, user_id: int | None, username: str | None) -> Entity:
    """A logged-in member of the team, as a team event names them."""
    if username is not None:
        found = directory.user_named(username)
        if len(found) != 1:
            raise Invalid(f"No single representative with the username {_shown(username)}")
        user = found[0]
    else:
        user = directory.user(user_id)
        if user is None:
            raise Invalid(f"Invalid representative ID: {user_id}")
    if user.id not in dict(team.members):
        raise Invalid(f"Representative {user.id} is not a member of team {team.id}")
    rep = world.logged_in.get(user.id)
    if rep is None:
        raise Invalid(f"Representative {user.id} is not logged in")
    return Entity(rep.gsnumber, "representative", user.private_display_name)


async def create_virtual_customer(call: Call) -> Response:
    p = call.params
    short_key = _required(p, "short_key")
    if not (short_key.isascii() and short_key.isdigit() and len(short_key) == 7):
        raise Invalid(f"Invalid short_key: {_shown(short_key)} (a session key is 7 digits)")
    name = _required(p, "name")
    address = _required(p, "ip_address")
    try:
        public_ip = str(ipaddress.ip_address(address))
    except ValueError:
        raise Invalid(f"Invalid ip_address: {_shown(address)}") from None
    arrival = Arrival(
        name=name, hostname=_required(p, "computer_name"), operating_system=_required(p, "operating_system"),
        public_ip=public_ip, client_type="web_chat",
    )  # fmt: skip
    chat = p.get("chat_url") == "1"
    world: World = call.appliance.world

    def start():
        key = world.key(short_key=short_key)
        if key is None:
            raise WorldError(f"Invalid or expired session key: {short_key}")
        return key, world.start_from_key(key, arrival)

    key, active = await run_in_threadpool(start)
    host = key.url_hostname
    url = f"https://{host}/download_client_connector?ak={key.access_key}&lsid={active.lsid}"
    if chat:
        url += "&c2cjs=1"
    root = Node("virtual_customer")
    root.add("download_url", url)
    if chat:
        root.add("chat_url", "1")
    return xml_response(root, call.namespace)


async def leave_session(call: Call) -> Response:
    p = call.params
    lsid = _lsid(p)
    given = [n for n in ("rep_id", "rep_username", "customer") if n in p]
    if not given:
        raise Invalid("One of rep_id, rep_username or customer=1 is required")
    if len(given) > 1:
        raise Invalid("Use only one of rep_id, rep_username and customer")
    world: World = call.appliance.world
    if given == ["customer"]:
        if p["customer"] != "1":
            raise Invalid(f"customer must be 1, not {_shown(p['customer'])!r}")
        await run_in_threadpool(world.leave, lsid, customer=True)
        return _success(call, "Customer successfully removed")
    user_id, username = _rep_ref(p)
    await run_in_threadpool(world.leave, lsid, user_id, username)
    return _success(call, "Representative successfully removed")


async def set_session_attributes(call: Call) -> Response:
    lsid = _lsid(call.params)
    await run_in_threadpool(call.appliance.world.set_attributes, lsid, _custom_fields(call.params))
    return _success(call, "Session attributes were set")


async def get_session_attributes(call: Call) -> Response:
    lsid = _lsid(call.params)
    found = await run_in_threadpool(call.appliance.world.attributes, lsid)
    root = Node("custom_attributes", "")
    for code, display, value in found:
        root.add("custom_attribute", value, display_name=display, code_name=code)
    return xml_response(root, call.namespace)


async def terminate_session(call: Call) -> Response:
    lsid = _lsid(call.params)
    await run_in_threadpool(call.appliance.world.terminate, lsid)
    return _success(call, "Successfully terminated")


# --- appliances and connected clients --------------------------------------------------------------------


async def get_appliances(call: Call) -> Response:
    appliance = call.appliance
    root = Node("appliances")
    node = root.add("appliance", id=appliance.guid)
    node.add("name", appliance.config.hostname)
    node.add("public_hostname", appliance.config.hostname)
    node.add("cluster_role", "single")
    node.add("failover_role", getattr(appliance, "failover_role", "none"))
    node.add("accepting_connections", 1)
    node.add("timezone_offset", 0)
    return xml_response(root, call.namespace)


@dataclass
class Client:
    type: str
    id: str
    hostname: str | None
    os: str
    since: int
    private_ip: str
    fields: list[tuple[str, object]] = field(default_factory=list)  # the kind's own elements, in order
    lsids: list[str] = field(default_factory=list)  # a representative's sessions


_push_agents_seen: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _types(params: dict[str, str]) -> tuple[tuple[str, ...], bool]:
    """The requested client types (guide order) and whether pinned clients are counted (type all)."""
    raw = params.get("type")
    if raw is None or raw == "":
        return CLIENT_TYPES, True
    wanted = [t.strip() for t in raw.split(",")]
    for t in wanted:
        if t != "all" and t not in CLIENT_TYPES:
            raise Invalid(f"Invalid client type: {_shown(t)}")
    if "all" in wanted:
        return CLIENT_TYPES, True
    return tuple(t for t in CLIENT_TYPES if t in wanted), False


def _connected(appliance, types: tuple[str, ...]) -> list[Client]:
    """The clients connected now, of the given types (runs in the thread pool)."""
    world: World = appliance.world
    state = world.state
    host = appliance.config.hostname
    out: list[Client] = []
    with world._lock:  # World's dicts change under other threads
        if "representative" in types:
            presenters = state.rows("presenter").values()
            sessions = sorted(world.sessions.values(), key=lambda a: (a.start, a.lsid))
            for user_id, rep in sorted(world.logged_in.items()):
                row = state.get("representative", rep.row)
                if row is None:
                    continue
                user = rep.user
                lsids = [a.lsid for a in sessions if user_id in a.in_session]
                presenting = any(p["representative_id"] == rep.row for p in presenters)
                fields = [
                    ("user_id", user.id),
                    ("type", "Invited" if user.invited else "Normal"),
                    ("username", user.username),
                    ("public_display_name", user.public_display_name),
                    ("private_display_name", user.private_display_name),
                    ("start_session_url", _start_url(host, user)),
                    ("presentation_count", int(presenting)),
                    ("support_session_count", len(lsids)),
                    ("showing_on_rep_list", int(rep.showing_on_rep_list)),
                    *((name, row[name]) for name in ("routing_idle", "routing_busy", "routing_enabled")),
                    ("routing_available", row["routing_available"]),
                    ("support_license", "Concurrent"),
                ]
                out.append(
                    Client("representative", str(rep.row), user.hostname, user.os, rep.since,
                           _private_ip(user.private_ip), fields, lsids)
                )  # fmt: skip
        if "support_customer" in types:
            for active in sorted(world.sessions.values(), key=lambda a: (a.start, a.lsid)):
                row = state.get("customer_client", active.customer_row) if active.customer_row else None
                if row is None:
                    continue
                fields = [("name", active.arrival.name)]
                kind = {"rdp": "rdp", "shell": "shelljump"}.get(row["client_type"])
                if kind is not None:
                    fields.append(("non_interactive", kind))
                fields.append(("lsid", active.lsid))
                out.append(
                    Client("support_customer", str(active.customer_row), row["hostname"],
                           row["operating_system"], row["created_timestamp"],
                           _private_ip(active.arrival.private_ip), fields)
                )  # fmt: skip
    if "presentation_attendee" in types:
        for row_id, row in sorted(state.rows("attendee").items()):
            if row["connected"]:
                out.append(
                    Client("presentation_attendee", str(row_id), row["hostname"], row["operating_system"],
                           row["created_timestamp"], _private_ip(row["private_ip"]), [("name", row["name"])])
                )  # fmt: skip
    if "push_agent" in types:
        seen = _push_agents_seen.setdefault(appliance, {})
        for node_id, hostname, private_ip, name, platform in _jumpoint_nodes(appliance):
            since = seen.setdefault(node_id, int(appliance.clock.now()))
            os_name = "Linux" if platform.startswith("linux") else "Windows"
            out.append(
                Client("push_agent", str(PUSH_AGENT_ID_BASE + node_id), hostname, os_name, since,
                       _private_ip(private_ip), [("name", name)])
            )  # fmt: skip
    return out


def _config_rows(appliance, sql: str) -> list[sqlite3.Row]:
    """Rows of the configuration API's tables (none if that API has not created them)."""
    try:
        return db.connect(appliance.db_path).execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []


def _jumpoint_nodes(appliance) -> list[tuple]:
    return [
        tuple(r)
        for r in _config_rows(
            appliance,
            "SELECT n.id, n.hostname, n.private_ip, j.name, j.platform FROM config_jumpoint_node n"
            " JOIN config_jumpoint j ON j.id = n.jumpoint_id WHERE j.enabled AND j.connected ORDER BY n.id",
        )
    ]


def _pinned_count(appliance) -> int:
    rows = _config_rows(
        appliance, "SELECT COUNT(*) FROM config_jump_client WHERE connection_type = 'active' AND NOT is_lost"
    )
    return rows[0][0] if rows else 0


async def get_connected_client_list(call: Call) -> Response:
    types, pinned = _types(call.params)
    summary_only = _flag(call.params, "summary_only")
    appliance = call.appliance

    def read() -> tuple[list[Client], int | None]:
        return _connected(appliance, types), (_pinned_count(appliance) if pinned else None)

    clients, pinned_count = await run_in_threadpool(read)
    root = Node("connected_client_list")
    summary = root.add("connected_client_summary").add("appliance_summary", id=appliance.guid)
    for t in types:
        summary.add("count", sum(1 for c in clients if c.type == t), type=t)
    if pinned_count is not None:
        summary.add("count", pinned_count, type="pinned_client")
    if not summary_only:
        for c in clients:
            root.add("connected_client", type=c.type, id=c.id)
    return xml_response(root, call.namespace)


async def get_connected_clients(call: Call) -> Response:
    types, _ = _types(call.params)
    ids = None
    if "id" in call.params:
        ids = {i.strip() for i in call.params["id"].split(",") if i.strip()}
        if len(ids) > MAX_IDS:
            raise Invalid(f"A maximum of {MAX_IDS} IDs is supported")
    connections = _flag(call.params, "include_connections")
    appliance = call.appliance
    clients = await run_in_threadpool(_connected, appliance, types)
    root = Node("connected_clients", "")
    for c in clients:
        if ids is not None and c.id not in ids:
            continue
        node = root.add(f"connected_{c.type}", id=c.id)
        if connections:
            part = node.add("client_connections")
            link = part.add("client_connection")
            link.add("appliance_id", appliance.guid)
            link.add("purpose", "primary")
            link.add("receive_traffic_node", 0)
            link.add("connected_since", _iso(c.since), ts=c.since)
            link.add("private_ip", c.private_ip)
            part.add("event_log").add("event", f"Connected to {appliance.guid} (primary)", ts=c.since)
        if c.hostname is not None:
            node.add("hostname", c.hostname)
        node.add("platform", c.os, id=_platform_id(c.os))
        node.add("timezone_offset", 0)
        if connections:
            node.add("connected_since", _iso(c.since), ts=c.since)
        for name, value in c.fields:
            node.add(name, value)
        if c.type == "representative":
            lsids = node.add("support_session_lsids", "")
            for lsid in c.lsids:
                lsids.add("lsid", lsid)
    return xml_response(root, call.namespace)


# --- failover and jump shortcuts -------------------------------------------------------------------------


async def set_failover_role(call: Call) -> Response:
    role = _required(call.params, "role")
    if role not in ("primary", "backup"):
        raise Invalid(f"Invalid role: {_shown(role)} (must be primary or backup)")
    sync = _flag(call.params, "data_sync_first")
    _flag(call.params, "force")  # checked; the peer is always reachable here, so it changes nothing
    appliance = call.appliance
    if sync:
        appliance.last_data_sync = int(appliance.clock.now())
    appliance.failover_role = role
    if sync:
        return _success(
            call, "Successfully started data sync. Role change will occur upon successful completion."
        )
    return _success(call, "Successfully changed role")


_COMMON = ("tag", "comments", "jump_policy", "public_portal")
_RDP = ("rdp_username", "domain", "display_size", "quality", "console", "ignore_untrusted", "session_policy")


@dataclass(frozen=True)
class JumpType:
    name: str
    jumpoint: bool  # needs a Jumpoint
    options: tuple[str, ...]


# The hostname parameter names the item type (guide, "Required Parameters for import_jump_shortcut - ...").
JUMP_TYPES: dict[str, JumpType] = {
    "local_jump_hostname": JumpType("local_jump", False, (*_COMMON, "session_policy")),
    "remote_jump_hostname": JumpType("remote_jump", True, (*_COMMON, "session_policy")),
    "remote_vnc_hostname": JumpType("remote_vnc", True, ("port", *_COMMON)),
    "local_vnc_hostname": JumpType("local_vnc", False, _COMMON),
    "remote_rdp_hostname": JumpType("remote_rdp", True, (*_RDP, *_COMMON)),
    "rdp_hostname": JumpType("local_rdp", False, (*_RDP, *_COMMON)),
    "shelljump_hostname": JumpType(
        "shell_jump",
        True,
        ("shelljump_username", "port", "terminal", "keep_alive", "session_policy", *_COMMON),
    ),
    "vpro_hostname": JumpType("vpro", True, (*_COMMON, "session_policy")),
}
MAX_NAME = limits.JUMP_NAME_MAX  # name and the hostnames: "a maximum of 128 characters"
MAX_TEXT = limits.JUMP_TEXT_MAX  # tag and comments: "a maximum of 1024 characters"
QUALITIES = ("black_white", "few_colors", "more_colors", "full_colors", "video_opt")

SHORTCUT_DDL = """
CREATE TABLE IF NOT EXISTS command_jump_shortcut (
    id INTEGER PRIMARY KEY AUTOINCREMENT, item_type TEXT NOT NULL, name TEXT NOT NULL, hostname TEXT NOT NULL,
    jump_group_id INTEGER NOT NULL, jumpoint_id INTEGER, options TEXT NOT NULL, created_ts INTEGER NOT NULL,
    api_account TEXT NOT NULL);
"""


def _choice(value: str, choices: tuple[str, ...], what: str) -> str:
    for choice in choices:
        if value.casefold() == choice.casefold():
            return choice
    raise Invalid(f"Invalid {what}: {_shown(value)} (one of {', '.join(choices)})")


def _shortcut(params: dict[str, str]) -> tuple[JumpType, dict]:
    """The item type and its checked values (without the group and Jumpoint lookups)."""
    present = [k for k in JUMP_TYPES if k in params]
    if not present:
        raise Invalid(f"Missing required parameter: one of {', '.join(JUMP_TYPES)}")
    if len(present) > 1:
        raise Invalid(f"Give only one of {', '.join(present)}")
    kind = JUMP_TYPES[present[0]]
    item: dict = {"name": _required(params, "name"), "hostname": _required(params, present[0])}
    for label, value in (("name", item["name"]), (present[0], item["hostname"])):
        if len(value) > MAX_NAME:
            raise Invalid(f"{label} exceeds the maximum length of {MAX_NAME} characters")
    item["group"] = _required(params, "group")
    if kind.jumpoint:
        item["jumpoint"] = _required(params, "jumpoint")
    options: dict = {}
    if kind.name == "shell_jump":
        options["protocol"] = _choice(_required(params, "protocol"), ("ssh", "telnet"), "protocol")
        options["port"] = 22 if options["protocol"] == "ssh" else 23
        options["terminal"], options["keep_alive"] = "xterm", 0
    elif kind.name == "remote_vnc":
        options["port"] = 5900
    for name in kind.options:
        value = params.get(name)
        if value is None:
            continue
        if name in ("tag", "comments") and len(value) > MAX_TEXT:
            raise Invalid(f"{name} exceeds the maximum length of {MAX_TEXT} characters")
        if name == "port":
            value = _int(params, "port", 100 if kind.name == "remote_vnc" else 1, 65535)
        elif name == "keep_alive":
            value = _int(params, "keep_alive", 0, 300)
        elif name == "terminal":
            value = _choice(value, ("xterm", "VT100"), "terminal")
        elif name == "quality":
            value = _choice(value, QUALITIES, "quality")
        elif name in ("console", "ignore_untrusted"):
            value = int(_flag(params, name))
        elif name == "display_size":
            if value not in ("primary", "all") and not _DISPLAY_SIZE.fullmatch(value):
                raise Invalid(f"Invalid display_size: {_shown(value)} (primary, all or WIDTHxHEIGHT)")
        elif name == "jump_policy":
            value = _choice(value, JUMP_POLICIES, "jump_policy")
        elif name == "session_policy":
            value = _choice(value, SESSION_POLICIES, "session_policy")
        elif name == "public_portal":
            value = _choice(value, tuple(n for _, n in directory.SITES), "public_portal")
        options[name] = value
    item["options"] = options
    return kind, item


def _code_name_id(conn: sqlite3.Connection, table: str, code_name: str) -> int | None:
    try:
        rows = conn.execute(f"SELECT id, code_name FROM {table} ORDER BY id").fetchall()
    except sqlite3.OperationalError:  # the configuration API has not created its tables
        return None
    return next((r[0] for r in rows if r[1].casefold() == code_name.casefold()), None)


async def import_jump_shortcut(call: Call) -> Response:
    kind, item = _shortcut(call.params)
    appliance = call.appliance

    def store() -> None:
        db.ensure_schema(appliance.db_path, SHORTCUT_DDL)
        conn = db.connect(appliance.db_path)
        group = _code_name_id(conn, "config_jump_group", item["group"])
        if group is None:
            raise Invalid(f"Invalid Jump Group: {_shown(item['group'])}")
        jumpoint = None
        if kind.jumpoint:
            jumpoint = _code_name_id(conn, "config_jumpoint", item["jumpoint"])
            if jumpoint is None:
                raise Invalid(f"Invalid Jumpoint: {_shown(item['jumpoint'])}")
        conn.execute(
            "INSERT INTO command_jump_shortcut (item_type, name, hostname, jump_group_id, jumpoint_id, options,"
            " created_ts, api_account) VALUES (?,?,?,?,?,?,?,?)",
            (kind.name, item["name"], item["hostname"], group, jumpoint, json.dumps(item["options"]),
             int(appliance.clock.now()), call.account.name),
        )  # fmt: skip

    await run_in_threadpool(store)
    return _success(call, "Successfully imported Jump Item shortcut")
