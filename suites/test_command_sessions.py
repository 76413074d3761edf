"""Session keys and sessions through the command API (guide: "API Command: generate_session_key",
"join_session", "transfer_session", "send_chat_message", "create_virtual_customer", "leave_session",
"set_session_attributes", "get_session_attributes", "terminate_session").

Safety: every check here creates what it acts on (session keys, and sessions it starts with
create_virtual_customer and terminates in the `sessions` fixture's finalizer), so they are profile
"standard"; team chat reaches real representatives and cannot be taken back, so it is "destructive".
Ids come from the target (get_logged_in_reps, get_support_teams, get_appliances). Where only the guide's
example names are known (issue `other`, custom field `custom_field1`, skills `codename1,codename2`), a real
target that lacks them gives NOT_TESTED; the embedded appliance holds them, so there an <error> FAILs.
A representative who logs out while a check acts on them gives NOT_TESTED, never FAIL.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from lxml import etree

from harness.catalogue import limits
from harness.catalogue.commands import COMMAND_ACTIONS
from harness.checks.command import as_defect, charged_to
from harness.checks.sessions import (
    SessionKey,
    attributes_hold,
    available_is,
    custom_attributes,
    default_lifetime,
    expires_agrees,
    external_key_echoed,
    key_url_host,
    keys_distinct,
    lifetime_at_most,
    logged_in_rep_ids,
    mail_carries_key,
    public_hostnames,
    queue_matches,
    server_time,
    session_key,
    success_message,
    support_teams,
    virtual_customer,
)
from harness.checks.xml import command_error, command_ok, error_text, xml_response
from harness.verdicts import CheckFailed, check, not_tested, warn

pytestmark = pytest.mark.profile("standard")

EXAMPLE_ISSUE = "other"  # the guide's "queue_id=issue:other"
EXAMPLE_FIELD = "custom_field1"  # the guide's "session.custom.custom_field1=Custom%20Value"
EXAMPLE_SKILLS = "codename1,codename2"  # the guide's "session.skills=codename1,codename2"
UNKNOWN_ID = 2147483646  # a representative ID no appliance is expected to have
CUSTOMER_IP = "192.0.2.10"  # TEST-NET-1 (RFC 5737): documentation only
BBCODE = (  # every form the guide's "Text Formatting" table shows
    "[b]bold[/b] [color=blue]blue[/color] [color=#0000FF]blue[/color] [i]italic[/i] [u]underlined[/u] "
    "[ul][li]list element 1[/li][li]list element 2[/li][/ul] [url]https://www.beyondtrust.com/[/url]"
)
KEY_TTL = "600"  # keys made only to start a session at once need not outlive the run
MAX_FIELD = limits.CUSTOM_FIELD_MAX  # "This has a maximum length of 1024 characters."
SHORT_LIVED: dict[str, tuple[str, float]] = {}  # the ttl=1 key, made early and used by the last check

MESSAGES = {
    "join_session": "Representative successfully added",
    "transfer_session": "Successfully transferred",
    "set_session_attributes": "Session attributes were set",
    "terminate_session": "Successfully terminated",
}


def case(*values, req: str, name: str):
    """One parametrized case with its requirement."""
    return pytest.param(*values, marks=pytest.mark.req(req), id=name)


# --- reading the target ----------------------------------------------------------------------------------


def answer(response, expect, root: str) -> etree._Element:
    """The validated answer, success root or <error>, for checks that accept either."""
    return xml_response(response, expect, "command", (root, "error"))


def ok_if_configured(rs_target, response, expect, root: str, what: str) -> etree._Element:
    """A success for a request naming one of the guide's example names: on a real target an <error> may
    only mean the name is not configured there (the API cannot list them), so NOT_TESTED."""
    if not rs_target.target.embedded:
        got = answer(response, expect, root)
        if got.tag == "error":
            not_tested(f"{what} is not configured on this target: <error>{error_text(got)[:100]}</error>")
    return command_ok(response, expect, root)


def clock(api, expect) -> int:
    """The appliance's clock (get_api_info's timestamp)."""
    return server_time(command_ok(api.api_info(), expect, "api_information"))


def logged_in(api, expect) -> set[int]:
    return set(logged_in_rep_ids(command_ok(api.command("get_logged_in_reps"), expect, "logged_in_reps")))


def teams(api, expect, members: bool = False):
    params = {"showmembers": "1"} if members else None
    found = support_teams(command_ok(api.command("get_support_teams", params), expect, "support_teams"))
    if not found:
        not_tested("get_support_teams lists no support team")
    return found


def a_rep(api, expect) -> int:
    reps = logged_in(api, expect)
    if not reps:
        not_tested("no representative is logged in (get_logged_in_reps)")
    return min(reps)


def a_rep_with_username(api, expect, must_be_logged_in: bool = True) -> tuple[int, str]:
    """A representative whose username get_support_teams&showmembers=1 gives (logged in, if asked)."""
    usernames = {i: u for t in teams(api, expect, members=True) for i, u in t.members.items() if u}
    if must_be_logged_in:
        reps = logged_in(api, expect)
        usernames = {i: u for i, u in usernames.items() if i in reps}
    if not usernames:
        who = "logged-in representative" if must_be_logged_in else "representative"
        not_tested(f"no {who} with a username in get_support_teams&showmembers=1")
    rep_id = min(usernames)
    return rep_id, usernames[rep_id]


def rep_answer(api, expect, response, root: str, rep_id: int) -> etree._Element:
    """An action on a logged-in representative: an <error> while they have logged out is NOT_TESTED."""
    got = answer(response, expect, root)
    if got.tag == "error" and rep_id not in logged_in(api, expect):
        not_tested(f"representative {rep_id} logged out during the check")
    return command_ok(response, expect, root)


# --- the sessions a check creates ------------------------------------------------------------------------


@dataclass
class Own:
    lsid: str
    key: SessionKey
    download_url: str


@dataclass
class Sessions:
    """Session keys and virtual-customer sessions this check made; the fixture terminates the sessions."""

    api: object
    expect: object
    prefix: str
    made: list[str] = field(default_factory=list)

    def key(self, **params: str) -> SessionKey:
        params = {"type": "support", "queue_id": "general", **params}
        return session_key(
            command_ok(self.api.command("generate_session_key", params), self.expect, "session_key")
        )

    def customer(self, short_key: str, **params: str) -> dict[str, str]:
        return {
            "short_key": short_key,
            "name": f"{self.prefix} virtual customer",
            "ip_address": CUSTOMER_IP,
            "operating_system": "Windows 10 Enterprise x64 Edition",
            "computer_name": f"{self.prefix}-pc",
            **params,
        }

    def adopt(self, response) -> str | None:
        """Remember the session a virtual_customer answer names (for cleanup); its lsid."""
        try:
            root = answer(response, self.expect, "virtual_customer")
            if root.tag != "virtual_customer":
                return None
            lsid = virtual_customer(root)[1]
        except CheckFailed:
            return None
        if lsid is not None:
            self.made.append(lsid)
        return lsid

    def create(self, **key_params: str) -> Own:
        """A new session: a key (general queue unless asked), then a virtual customer using it."""
        key = self.key(**{"ttl": KEY_TTL, **key_params})
        response = self.api.command("create_virtual_customer", self.customer(key.short_key))
        url, lsid = virtual_customer(command_ok(response, self.expect, "virtual_customer"))
        if lsid is None:
            not_tested(
                "create_virtual_customer named no lsid for the new session (no <lsid>, no lsid in "
                "download_url), so it cannot be acted on (nor terminated by this run)"
            )
        self.made.append(lsid)
        return Own(lsid, key, url)

    def ended(self) -> str:
        own = self.create()
        command_ok(self.api.command("terminate_session", {"lsid": own.lsid}), self.expect, "success")
        return own.lsid

    def cleanup(self) -> None:
        for lsid in self.made:  # sessions a check ended answer an <error>, which is fine here
            self.api.command("terminate_session", {"lsid": lsid})


@pytest.fixture
def sessions(rs_api, rs_expect, rs_run_prefix):
    own = Sessions(rs_api, rs_expect, rs_run_prefix)
    yield own
    own.cleanup()


def lsid_for(kind: str, sessions: Sessions) -> str | None:
    """The lsid an error case acts on: none, one that never existed, one this check ended, or its own."""
    if kind == "missing":
        return None
    if kind == "unknown":
        return uuid.uuid4().hex
    if kind == "ended":
        return sessions.ended()
    return sessions.create().lsid


def with_lsid(lsid: str | None, **params: str) -> dict[str, str]:
    return params if lsid is None else {"lsid": lsid, **params}


# --- generate_session_key --------------------------------------------------------------------------------

SHAPE = ("CMD-GSK-001", "CMD-GSK-005", "CMD-GSK-006", "CMD-GSK-022")


@pytest.mark.parametrize(
    "form",
    [
        pytest.param("general", marks=pytest.mark.req(*SHAPE)),
        pytest.param("rep", marks=pytest.mark.req(*SHAPE)),
        pytest.param("team", marks=pytest.mark.req(*SHAPE)),
        pytest.param("rep_username", marks=pytest.mark.req("CMD-GSK-008", "CMD-GSK-006")),
        pytest.param("issue", marks=pytest.mark.req("CMD-GSK-009", "CMD-GSK-006")),
    ],
)
def test_generate_session_key_queue_forms(rs_api, rs_expect, rs_target, sessions, form):
    """Each documented queue_id form gives a key in that queue."""
    if form == "general":
        queue_matches(sessions.key(queue_id="general"), "general")
    elif form == "rep":
        rep = a_rep(rs_api, rs_expect)
        queue_matches(sessions.key(queue_id=f"rep:{rep}"), "rep", rep)
    elif form == "team":
        team = teams(rs_api, rs_expect)[0].id
        queue_matches(sessions.key(queue_id=f"team:{team}"), "team", team)
    elif form == "rep_username":
        rep, username = a_rep_with_username(rs_api, rs_expect, must_be_logged_in=False)
        queue_matches(sessions.key(queue_id=f"rep_username:{username}"), "rep", rep)
    else:
        params = {"type": "support", "queue_id": f"issue:{EXAMPLE_ISSUE}"}
        response = rs_api.command("generate_session_key", params)
        key = session_key(ok_if_configured(rs_target, response, rs_expect, "session_key", "issue other"))
        check(
            key.queue in ("rep", "team"),
            f"<queue> is {key.queue!r} for an issue queue, expected rep or team",
            req="CMD-GSK-006",
        )


@pytest.mark.req("CMD-GSK-007")
def test_generate_session_key_available(rs_api, rs_expect, sessions):
    """available is 1 for a representative, and for a team, with someone logged in throughout."""
    before = logged_in(rs_api, rs_expect)
    if not before:
        not_tested("no representative is logged in (get_logged_in_reps)")
    rep = min(before)
    with_member = [t for t in teams(rs_api, rs_expect, members=True) if set(t.members) & before]
    rep_key = sessions.key(queue_id=f"rep:{rep}")
    team_key = sessions.key(queue_id=f"team:{with_member[0].id}") if with_member else None
    stable = before & logged_in(rs_api, rs_expect)
    if rep not in stable:
        not_tested(f"representative {rep} logged out during the check")
    available_is(rep_key, True, f"representative {rep} was logged in before and after the request")
    if team_key is not None and set(with_member[0].members) & stable:
        available_is(team_key, True, f"a member of team {with_member[0].id} was logged in throughout")


@pytest.mark.req("CMD-GSK-017")
def test_generate_session_key_ttl(rs_api, rs_expect, sessions):
    """<expires> is ttl seconds after the key was made, by the appliance's clock."""
    before = clock(rs_api, rs_expect)
    hour = sessions.key(ttl="3600")
    short = sessions.key(ttl="1")
    SHORT_LIVED["key"] = (short.short_key, time.monotonic())  # test_session_key_expires uses it
    after = clock(rs_api, rs_expect)
    with as_defect():  # each key judged
        expires_agrees(hour, 3600, before, after)
    expires_agrees(short, 1, before, after)


@pytest.mark.req("CMD-GSK-018")
def test_generate_session_key_default_ttl_is_the_maximum(rs_api, rs_expect, sessions):
    before = clock(rs_api, rs_expect)
    key = sessions.key()
    after = clock(rs_api, rs_expect)
    maximum = default_lifetime(key, before, after)
    before = clock(rs_api, rs_expect)
    params = {"type": "support", "queue_id": "general", "ttl": str(maximum + 3600)}
    longer = answer(rs_api.command("generate_session_key", params), rs_expect, "session_key")
    if longer.tag == "error":
        return  # refusing a ttl above the maximum is as good as capping it
    lifetime_at_most(session_key(longer), maximum, before)


@pytest.mark.req("CMD-GSK-019")
@pytest.mark.parametrize("ttl", ["-5", "abc", "1.5"])
def test_generate_session_key_bad_ttl(rs_api, rs_expect, ttl):
    params = {"type": "support", "queue_id": "general", "ttl": ttl}
    command_error(rs_api.command("generate_session_key", params), rs_expect)


@pytest.mark.req("CMD-GSK-020")
def test_generate_session_key_url_hostname(sessions):
    host = "remote.example.com"  # the guide's Site B
    key_url_host(sessions.key(url_hostname=host), {host}, "url_hostname was given", req="CMD-GSK-020")


@pytest.mark.req("CMD-GSK-021")
def test_generate_session_key_default_hostname(rs_api, rs_expect, rs_target, sessions):
    hosts = {urlsplit(rs_target.target.url).hostname or ""}
    appliances = answer(rs_api.command("get_appliances"), rs_expect, "appliances")
    if appliances.tag == "appliances":
        hosts |= public_hostnames(appliances)
    key_url_host(
        sessions.key(),
        hosts,
        "the appliance's public hostname (get_appliances) or the API's host",
        req="CMD-GSK-021",
    )


@pytest.mark.req("CMD-GSK-011")
@pytest.mark.parametrize("length", [20, MAX_FIELD, MAX_FIELD + 1])
def test_generate_session_key_external_key(rs_api, rs_expect, sessions, length):
    value = (f"{sessions.prefix}-ticket-" + "x" * length)[:length]
    params = {"type": "support", "queue_id": "general", "session.custom.external_key": value}
    response = rs_api.command("generate_session_key", params)
    if length > MAX_FIELD:
        command_error(response, rs_expect)
        return
    external_key_echoed(session_key(command_ok(response, rs_expect, "session_key")), value)


@pytest.mark.req("CMD-GSK-012")
def test_generate_session_key_custom_field(rs_api, rs_expect, rs_target):
    base = {"type": "support", "queue_id": "general"}
    response = rs_api.command(
        "generate_session_key", {**base, f"session.custom.{EXAMPLE_FIELD}": "Custom Value"}
    )
    session_key(
        ok_if_configured(rs_target, response, rs_expect, "session_key", f"custom field {EXAMPLE_FIELD}")
    )
    over = {**base, f"session.custom.{EXAMPLE_FIELD}": "v" * (MAX_FIELD + 1)}
    command_error(rs_api.command("generate_session_key", over), rs_expect)


@pytest.mark.req("CMD-GSK-015")
@pytest.mark.parametrize("priority", ["1", "2", "3", "0", "4", "high"])
def test_generate_session_key_priority(rs_api, rs_expect, priority):
    params = {"type": "support", "queue_id": "general", "session.priority": priority}
    response = rs_api.command("generate_session_key", params)
    if priority in ("1", "2", "3"):
        session_key(command_ok(response, rs_expect, "session_key"))
    else:
        command_error(response, rs_expect)


@pytest.mark.req("CMD-GSK-016")
def test_generate_session_key_skills(rs_api, rs_expect, rs_target):
    params = {
        "type": "support",
        "queue_id": "general",
        "session.priority": "1",
        "session.skills": EXAMPLE_SKILLS,
    }
    response = rs_api.command("generate_session_key", params)
    session_key(ok_if_configured(rs_target, response, rs_expect, "session_key", f"skills {EXAMPLE_SKILLS}"))


@pytest.mark.req("CMD-GSK-023")
def test_generate_session_key_makes_new_keys(sessions):
    keys_distinct(sessions.key(), sessions.key())


@pytest.mark.req("CMD-GSK-024")
def test_generate_session_key_mail(sessions):
    mail_carries_key(sessions.key())


@pytest.mark.parametrize(
    "params",
    [
        case({"queue_id": "general"}, req="CMD-GSK-003", name="no-type"),
        case({"type": "presentation", "queue_id": "general"}, req="CMD-GSK-003", name="type-presentation"),
        case({"type": "support"}, req="CMD-GSK-004", name="no-queue_id"),
        case({"type": "support", "queue_id": ""}, req="CMD-GSK-004", name="empty-queue_id"),
        case({"type": "support", "queue_id": "bogus"}, req="CMD-GSK-010", name="bogus"),
        case({"type": "support", "queue_id": "rep:abc"}, req="CMD-GSK-010", name="rep-abc"),
        case({"type": "support", "queue_id": f"rep:{UNKNOWN_ID}"}, req="CMD-GSK-010", name="unknown-rep"),
        case({"type": "support", "queue_id": "team:{unknown_team}"}, req="CMD-GSK-010", name="unknown-team"),
        case(
            {"type": "support", "queue_id": "issue:{prefix}-no-such-issue"},
            req="CMD-GSK-010",
            name="unknown-issue",
        ),
        case(
            {"type": "support", "queue_id": "rep_username:{prefix}-nobody"},
            req="CMD-GSK-008",
            name="unknown-username",
        ),
    ],
)
def test_generate_session_key_refused(rs_api, rs_expect, rs_run_prefix, params):
    values = {"prefix": rs_run_prefix}
    if "{unknown_team}" in params.get("queue_id", ""):
        values["unknown_team"] = str(max(t.id for t in teams(rs_api, rs_expect)) + 1000)
    sent = {k: v.format(**values) for k, v in params.items()}
    command_error(rs_api.command("generate_session_key", sent), rs_expect)


# --- create_virtual_customer -----------------------------------------------------------------------------


@pytest.mark.req("CMD-VC-002", "CMD-VC-007")
def test_create_virtual_customer(rs_api, rs_expect, sessions):
    key = sessions.key(ttl=KEY_TTL)
    response = rs_api.command("create_virtual_customer", sessions.customer(key.short_key))
    url, lsid = virtual_customer(command_ok(response, rs_expect, "virtual_customer"))
    if lsid is None:
        warn(f"the answer names no lsid for the new session (download_url {url[:120]})", req="CMD-VC-007")
        return
    sessions.made.append(lsid)
    # the new session is in progress: its attributes can be read
    custom_attributes(
        command_ok(rs_api.command("get_session_attributes", {"lsid": lsid}), rs_expect, "custom_attributes")
    )


@pytest.mark.req("CMD-VC-005")
def test_create_virtual_customer_chat_url(rs_api, rs_expect, sessions):
    key = sessions.key(ttl=KEY_TTL)
    response = rs_api.command("create_virtual_customer", sessions.customer(key.short_key, chat_url="1"))
    sessions.adopt(response)
    virtual_customer(command_ok(response, rs_expect, "virtual_customer"))


@pytest.mark.req("CMD-VC-003")
@pytest.mark.parametrize("missing", ["short_key", "name", "ip_address", "operating_system", "computer_name"])
def test_create_virtual_customer_missing(rs_api, rs_expect, sessions, missing):
    params = sessions.customer(sessions.key(ttl=KEY_TTL).short_key)
    del params[missing]
    response = rs_api.command("create_virtual_customer", params)
    sessions.adopt(response)
    command_error(response, rs_expect)


@pytest.mark.req("CMD-VC-004")
@pytest.mark.parametrize("kind", ["not-digits", "never-generated"])
def test_create_virtual_customer_unknown_key(rs_api, rs_expect, sessions, kind):
    if kind == "not-digits":
        short_key = "abcdefg"
    else:  # 1234567 is the guide's start_session example key, which an appliance may hold
        short_key = next(k for k in (f"{random.randrange(10**7):07d}" for _ in range(9)) if k != "1234567")
    response = rs_api.command("create_virtual_customer", sessions.customer(short_key))
    sessions.adopt(response)
    command_error(response, rs_expect)


@pytest.mark.req("CMD-VC-006")
def test_create_virtual_customer_bad_ip_address(rs_api, rs_expect, sessions):
    params = sessions.customer(sessions.key(ttl=KEY_TTL).short_key, ip_address="not-an-ip")
    response = rs_api.command("create_virtual_customer", params)
    sessions.adopt(response)
    command_error(response, rs_expect)


# --- join_session ----------------------------------------------------------------------------------------


@pytest.mark.req("CMD-JOIN-002")
def test_join_session_by_rep_id(rs_api, rs_expect, sessions):
    own, rep = sessions.create(), a_rep(rs_api, rs_expect)
    response = rs_api.command("join_session", {"lsid": own.lsid, "rep_id": str(rep)})
    success_message(rep_answer(rs_api, rs_expect, response, "success", rep), MESSAGES["join_session"])


@pytest.mark.req("CMD-JOIN-003")
def test_join_session_by_rep_username(rs_api, rs_expect, sessions):
    own = sessions.create()
    rep, username = a_rep_with_username(rs_api, rs_expect)
    response = rs_api.command("join_session", {"lsid": own.lsid, "rep_username": username})
    success_message(rep_answer(rs_api, rs_expect, response, "success", rep), MESSAGES["join_session"])


@pytest.mark.parametrize(
    "kind, params",
    [
        case("missing", {"rep_id": "{rep}"}, req="CMD-JOIN-004", name="no-lsid"),
        case("unknown", {"rep_id": "{rep}"}, req="CMD-JOIN-004", name="unknown-lsid"),
        case("ended", {"rep_id": "{rep}"}, req="CMD-JOIN-004", name="ended-session"),
        case("own", {}, req="CMD-JOIN-005", name="no-rep"),
        case("own", {"rep_id": str(UNKNOWN_ID)}, req="CMD-JOIN-005", name="unknown-rep"),
        case("own", {"rep_username": "{prefix}-nobody"}, req="CMD-JOIN-005", name="unknown-username"),
    ],
)
def test_join_session_refused(rs_api, rs_expect, sessions, kind, params):
    rep = str(a_rep(rs_api, rs_expect)) if "{rep}" in params.values() else ""
    sent = {k: v.format(rep=rep, prefix=sessions.prefix) for k, v in params.items()}
    command_error(rs_api.command("join_session", with_lsid(lsid_for(kind, sessions), **sent)), rs_expect)


# --- transfer_session ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "form",
    [
        pytest.param("team", marks=pytest.mark.req("CMD-XFER-002")),
        pytest.param("rep", marks=pytest.mark.req("CMD-XFER-003")),
        pytest.param("rep_username", marks=pytest.mark.req("CMD-XFER-004")),
    ],
)
def test_transfer_session(rs_api, rs_expect, sessions, form):
    own = sessions.create()
    rep = None
    if form == "team":
        queue_id = f"team:{teams(rs_api, rs_expect)[-1].id}"
    elif form == "rep":
        rep = a_rep(rs_api, rs_expect)
        queue_id = f"rep:{rep}"
    else:
        rep, username = a_rep_with_username(rs_api, rs_expect)
        queue_id = f"rep_username:{username}"
    response = rs_api.command("transfer_session", {"lsid": own.lsid, "queue_id": queue_id})
    root = (
        rep_answer(rs_api, rs_expect, response, "success", rep)
        if rep
        else command_ok(response, rs_expect, "success")
    )
    success_message(root, MESSAGES["transfer_session"])


@pytest.mark.req("CMD-XFER-005")
@pytest.mark.parametrize(
    "kind, queue_id",
    [
        ("missing", "team:{team}"),
        ("unknown", "team:{team}"),
        ("ended", "team:{team}"),
        ("own", None),
        ("own", "bogus:1"),
        ("own", "team:{unknown_team}"),
        ("own", f"rep:{UNKNOWN_ID}"),
    ],
    ids=[
        "no-lsid",
        "unknown-lsid",
        "ended-session",
        "no-queue_id",
        "bogus-form",
        "unknown-team",
        "unknown-rep",
    ],
)
def test_transfer_session_refused(rs_api, rs_expect, sessions, kind, queue_id):
    known = [t.id for t in teams(rs_api, rs_expect)]
    params = {}
    if queue_id is not None:
        params["queue_id"] = queue_id.format(team=known[-1], unknown_team=max(known) + 1000)
    command_error(
        rs_api.command("transfer_session", with_lsid(lsid_for(kind, sessions), **params)), rs_expect
    )


# --- send_chat_message -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        case({}, req="CMD-CHAT-002", name="system"),
        case({"impersonate": "customer"}, req="CMD-CHAT-003", name="as-customer"),
        case({"body": BBCODE}, req="CMD-CHAT-004", name="bbcode"),
        case({"timestamp": "{past}"}, req="CMD-CHAT-005", name="past-timestamp"),
    ],
)
def test_send_chat_message(rs_api, rs_expect, sessions, extra):
    own = sessions.create()
    params = {
        "lsid": own.lsid,
        "body": f"{sessions.prefix}: a chat message from the conformance run",
        **extra,
    }
    if params.get("timestamp") == "{past}":
        params["timestamp"] = str(clock(rs_api, rs_expect) - 60)
    command_ok(rs_api.command("send_chat_message", params), rs_expect, "success")


@pytest.mark.req("CMD-CHAT-003")
@pytest.mark.parametrize("form", ["rep", "rep_username"])
def test_send_chat_message_as_representative(rs_api, rs_expect, sessions, form):
    """Impersonating a representative who is in the session (joined first)."""
    own = sessions.create()
    rep, username = (
        a_rep_with_username(rs_api, rs_expect) if form == "rep_username" else (a_rep(rs_api, rs_expect), "")
    )
    joined = rs_api.command("join_session", {"lsid": own.lsid, "rep_id": str(rep)})
    rep_answer(rs_api, rs_expect, joined, "success", rep)
    impersonate = f"rep:{rep}" if form == "rep" else f"rep_username:{username}"
    params = {"lsid": own.lsid, "body": f"{sessions.prefix}: as a representative", "impersonate": impersonate}
    rep_answer(rs_api, rs_expect, rs_api.command("send_chat_message", params), "success", rep)


@pytest.mark.parametrize(
    "kind, params",
    [
        case("own", {"body": "x", "timestamp": "{future}"}, req="CMD-CHAT-005", name="future-timestamp"),
        case("own", {"body": "x", "team_id": "{team}"}, req="CMD-CHAT-006", name="lsid-and-team_id"),
        case("own", {}, req="CMD-CHAT-007", name="no-body"),
        case("missing", {"body": "x"}, req="CMD-CHAT-007", name="no-lsid-or-team_id"),
        case("unknown", {"body": "x"}, req="CMD-CHAT-007", name="unknown-lsid"),
        case("ended", {"body": "x"}, req="CMD-CHAT-007", name="ended-session"),
    ],
)
def test_send_chat_message_refused(rs_api, rs_expect, sessions, kind, params):
    sent = dict(params)
    if sent.get("timestamp") == "{future}":
        sent["timestamp"] = str(clock(rs_api, rs_expect) + 3600)
    if sent.get("team_id") == "{team}":
        sent["team_id"] = str(teams(rs_api, rs_expect)[0].id)
    command_error(rs_api.command("send_chat_message", with_lsid(lsid_for(kind, sessions), **sent)), rs_expect)


@pytest.mark.profile("destructive")  # a team chat message reaches the team's representatives for good
@pytest.mark.req("CMD-CHAT-008")
def test_send_team_chat_message(rs_api, rs_expect, rs_run_prefix):
    params = {"team_id": str(teams(rs_api, rs_expect)[0].id), "body": f"{rs_run_prefix}: conformance run"}
    command_ok(rs_api.command("send_chat_message", params), rs_expect, "success")


@pytest.mark.profile("destructive")  # refused as documented, or else a team chat message
@pytest.mark.req("CMD-CHAT-009")
def test_send_team_chat_message_as_customer_refused(rs_api, rs_expect, rs_run_prefix):
    params = {
        "team_id": str(teams(rs_api, rs_expect)[0].id),
        "body": f"{rs_run_prefix}: x",
        "impersonate": "customer",
    }
    command_error(rs_api.command("send_chat_message", params), rs_expect)


# --- leave_session ---------------------------------------------------------------------------------------


@pytest.mark.req("CMD-LEAVE-004")
def test_leave_session_customer(rs_api, rs_expect, sessions):
    own = sessions.create()
    command_ok(rs_api.command("leave_session", {"lsid": own.lsid, "customer": "1"}), rs_expect, "success")


@pytest.mark.parametrize(
    "form",
    [
        pytest.param("rep_id", marks=pytest.mark.req("CMD-LEAVE-002")),
        pytest.param("rep_username", marks=pytest.mark.req("CMD-LEAVE-003")),
    ],
)
def test_leave_session_representative(rs_api, rs_expect, sessions, form):
    """A representative joined (join_session) leaves again."""
    own = sessions.create()
    rep, username = (
        a_rep_with_username(rs_api, rs_expect) if form == "rep_username" else (a_rep(rs_api, rs_expect), "")
    )
    rep_answer(
        rs_api,
        rs_expect,
        rs_api.command("join_session", {"lsid": own.lsid, "rep_id": str(rep)}),
        "success",
        rep,
    )
    params = {"lsid": own.lsid, form: str(rep) if form == "rep_id" else username}
    rep_answer(rs_api, rs_expect, rs_api.command("leave_session", params), "success", rep)


@pytest.mark.parametrize(
    "kind, params",
    [
        case("own", {}, req="CMD-LEAVE-005", name="none-of-three"),
        case("own", {"customer": "0"}, req="CMD-LEAVE-006", name="customer-0"),
        case("missing", {"customer": "1"}, req="CMD-LEAVE-007", name="no-lsid"),
        case("unknown", {"customer": "1"}, req="CMD-LEAVE-007", name="unknown-lsid"),
        case("ended", {"customer": "1"}, req="CMD-LEAVE-007", name="ended-session"),
    ],
)
def test_leave_session_refused(rs_api, rs_expect, sessions, kind, params):
    command_error(rs_api.command("leave_session", with_lsid(lsid_for(kind, sessions), **params)), rs_expect)


# --- set_session_attributes / get_session_attributes ------------------------------------------------------


def set_attributes(api, expect, lsid: str, values: dict[str, str]) -> None:
    params = {"lsid": lsid, **{f"session.custom.{k}": v for k, v in values.items()}}
    success_message(
        command_ok(api.command("set_session_attributes", params), expect, "success"),
        MESSAGES["set_session_attributes"],
        req="CMD-SSA-002",  # the guide's message, whichever attribute the check sets
    )


def get_attributes(api, expect, lsid: str):
    return custom_attributes(
        command_ok(api.command("get_session_attributes", {"lsid": lsid}), expect, "custom_attributes")
    )


def set_example_field(rs_target, api, expect, lsid: str, value: str) -> None:
    """set_session_attributes of the guide's custom_field1 (NOT_TESTED where it is not configured)."""
    params = {"lsid": lsid, f"session.custom.{EXAMPLE_FIELD}": value}
    root = ok_if_configured(
        rs_target,
        api.command("set_session_attributes", params),
        expect,
        "success",
        f"custom field {EXAMPLE_FIELD}",
    )
    success_message(root, MESSAGES["set_session_attributes"], req="CMD-SSA-002")


def external_key_holds(found, value: str) -> None:
    """The external key as get_session_attributes answers it: a wrong value FAILs; not answering it at all is
    a WARN (CMD-GSA-003 is a SHOULD)."""
    if "external_key" not in found:
        listed = ", ".join(found) or "none"
        warn(
            f"get_session_attributes does not answer the external key (answered: {listed})",
            req="CMD-GSA-003",
        )
        return
    attributes_hold(found, {"external_key": value})


@pytest.mark.req("CMD-SSA-002", "CMD-GSA-003")
@pytest.mark.parametrize("length", [20, MAX_FIELD])
def test_external_key_round_trip(rs_api, rs_expect, sessions, length):
    own = sessions.create()
    value = (f"{sessions.prefix}-ext-" + "e" * length)[:length]
    set_attributes(rs_api, rs_expect, own.lsid, {"external_key": value})
    external_key_holds(get_attributes(rs_api, rs_expect, own.lsid), value)


@pytest.mark.req("CMD-SSA-003", "CMD-GSA-002")
def test_custom_field_round_trip(rs_api, rs_expect, rs_target, sessions):
    own = sessions.create()
    set_example_field(rs_target, rs_api, rs_expect, own.lsid, "Custom Value")
    attributes_hold(get_attributes(rs_api, rs_expect, own.lsid), {EXAMPLE_FIELD: "Custom Value"})


@pytest.mark.req("CMD-SSA-004", "CMD-SSA-005", "CMD-GSA-002")
def test_unlisted_attributes_keep_and_empty_clears(rs_api, rs_expect, rs_target, sessions):
    own = sessions.create()
    set_example_field(rs_target, rs_api, rs_expect, own.lsid, "kept")
    set_attributes(rs_api, rs_expect, own.lsid, {"external_key": f"{sessions.prefix}-other"})
    with as_defect():  # the clearing below does not depend on the keeping
        found = get_attributes(rs_api, rs_expect, own.lsid)
        attributes_hold(found, {EXAMPLE_FIELD: "kept"}, req="CMD-SSA-004")
    with charged_to("CMD-SSA-005"):  # an empty value is how an attribute is cleared
        set_attributes(rs_api, rs_expect, own.lsid, {EXAMPLE_FIELD: ""})
    attributes_hold(get_attributes(rs_api, rs_expect, own.lsid), {EXAMPLE_FIELD: ""}, req="CMD-SSA-005")


@pytest.mark.req("CMD-GSK-025")
def test_key_external_key_reaches_the_session(rs_api, rs_expect, sessions):
    first, second = f"{sessions.prefix}-from-key", f"{sessions.prefix}-from-set"
    own = sessions.create(**{"session.custom.external_key": first})
    attributes_hold(get_attributes(rs_api, rs_expect, own.lsid), {"external_key": first})
    set_attributes(rs_api, rs_expect, own.lsid, {"external_key": second})
    attributes_hold(get_attributes(rs_api, rs_expect, own.lsid), {"external_key": second})


@pytest.mark.req("CMD-SSA-006")
@pytest.mark.parametrize("name", ["external_key", EXAMPLE_FIELD])
def test_set_session_attributes_over_limit(rs_api, rs_expect, rs_target, sessions, name):
    own = sessions.create()
    if name == EXAMPLE_FIELD:
        set_example_field(rs_target, rs_api, rs_expect, own.lsid, "x")  # configured here?
    params = {"lsid": own.lsid, f"session.custom.{name}": "v" * (MAX_FIELD + 1)}
    command_error(rs_api.command("set_session_attributes", params), rs_expect)


@pytest.mark.parametrize(
    "action, kind",
    [
        case("set_session_attributes", "missing", req="CMD-SSA-008", name="set-no-lsid"),
        case("set_session_attributes", "unknown", req="CMD-SSA-008", name="set-unknown"),
        case("set_session_attributes", "ended", req="CMD-SSA-008", name="set-ended"),
        case("get_session_attributes", "missing", req="CMD-GSA-004", name="get-no-lsid"),
        case("get_session_attributes", "unknown", req="CMD-GSA-004", name="get-unknown"),
        case("get_session_attributes", "ended", req="CMD-GSA-004", name="get-ended"),
    ],
)
def test_session_attributes_refused(rs_api, rs_expect, sessions, action, kind):
    extra = (
        {"session.custom.external_key": f"{sessions.prefix}-x"} if action == "set_session_attributes" else {}
    )
    command_error(rs_api.command(action, with_lsid(lsid_for(kind, sessions), **extra)), rs_expect)


@pytest.mark.req("CMD-GSA-001")
def test_get_session_attributes_read_only(rs_client, rs_expect, sessions):
    reader = rs_client("read_only")
    own = sessions.create()
    custom_attributes(
        command_ok(
            reader.command("get_session_attributes", {"lsid": own.lsid}), rs_expect, "custom_attributes"
        )
    )


# --- terminate_session -----------------------------------------------------------------------------------


@pytest.mark.req("CMD-TERM-002")
def test_terminate_session(rs_api, rs_expect, sessions):
    own = sessions.create()
    root = command_ok(rs_api.command("terminate_session", {"lsid": own.lsid}), rs_expect, "success")
    success_message(root, MESSAGES["terminate_session"])
    # no longer in progress: terminating it again is refused (the error rule of CMD-TERM-003)
    with charged_to("CMD-TERM-003"):
        command_error(rs_api.command("terminate_session", {"lsid": own.lsid}), rs_expect)


@pytest.mark.req("CMD-TERM-003")
@pytest.mark.parametrize("kind", ["missing", "unknown"])
def test_terminate_session_refused(rs_api, rs_expect, sessions, kind):
    command_error(rs_api.command("terminate_session", with_lsid(lsid_for(kind, sessions))), rs_expect)


# --- access ----------------------------------------------------------------------------------------------

# From the catalogue: a read-only account is refused only what the guide says needs full access.
ACCESS = [
    (a.name, role, a.access_req, a.since)
    for a in COMMAND_ACTIONS
    if a.area == "sessions"
    for role in (("read_only", "no_command") if a.access == "full_access" else ("no_command",))
]


def since_marks(since: str | None) -> list:
    return [pytest.mark.api_version(since=since)] if since else []


def valid_params(action: str, sessions: Sessions, api, expect) -> dict[str, str]:
    """Parameters that the full account would have accepted: only the account can be the reason to refuse."""
    if action == "generate_session_key":
        return {"type": "support", "queue_id": "general"}
    if action == "create_virtual_customer":
        return sessions.customer(sessions.key(ttl=KEY_TTL).short_key)
    lsid = sessions.create().lsid
    return {
        "join_session": lambda: {"lsid": lsid, "rep_id": str(a_rep(api, expect))},
        "transfer_session": lambda: {"lsid": lsid, "queue_id": f"team:{teams(api, expect)[-1].id}"},
        "send_chat_message": lambda: {"lsid": lsid, "body": f"{sessions.prefix}: refused"},
        "leave_session": lambda: {"lsid": lsid, "customer": "1"},
        "set_session_attributes": lambda: {
            "lsid": lsid,
            "session.custom.external_key": f"{sessions.prefix}-r",
        },
        "get_session_attributes": lambda: {"lsid": lsid},
        "terminate_session": lambda: {"lsid": lsid},
    }[action]()


@pytest.mark.parametrize(
    "action, role",
    [
        pytest.param(a, r, marks=[pytest.mark.req(i), *since_marks(since)], id=f"{a}-{r}")
        for a, r, i, since in ACCESS
    ],
)
def test_access_refused(rs_client, rs_expect, sessions, action, role):
    """An account without the access the guide asks for is refused, with parameters otherwise valid."""
    caller = rs_client(role)
    params = valid_params(action, sessions, sessions.api, rs_expect)
    response = caller.command(action, params)
    if action == "create_virtual_customer":
        sessions.adopt(response)
    command_error(response, rs_expect)
    if action == "terminate_session":  # and the session is still in progress
        command_ok(sessions.api.command("get_session_attributes", params), rs_expect, "custom_attributes")


# --- the session key made early, now past its ttl ----------------------------------------------------------


@pytest.mark.req("CMD-GSK-027")
def test_session_key_expires(rs_api, rs_expect, sessions):
    """A ttl=1 key no longer starts a session once its second has passed (with a second's rounding)."""
    short_key, made = SHORT_LIVED.pop("key", (None, 0.0))
    if short_key is None:  # run on its own: make it now
        short_key, made = sessions.key(ttl="1").short_key, time.monotonic()
    time.sleep(max(0.0, made + 2.1 - time.monotonic()))
    response = rs_api.command("create_virtual_customer", sessions.customer(short_key))
    sessions.adopt(response)
    command_error(response, rs_expect)
