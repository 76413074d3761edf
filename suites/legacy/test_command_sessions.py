"""Session keys and sessions through the legacy command API (Bomgar 12.1 guide, API 1.7.0: "The
generate_session_key Command", "The join_session Command", "The transfer_session Command").

Safety: a session key cannot be taken back, so the key checks are profile "standard" (keys expire; those
made only to be looked at get a short ttl). join_session and transfer_session act on a session the check
starts itself (a new key, then start_session.ns with it), profile "standard" too; API 1.7.0 cannot end it.
Refusals (missing parameters, an unknown session) change nothing and run in every profile. Ids come from the
target (get_logged_in_reps, get_support_teams, the SupportSession report); a representative who logs out,
or a session that ends, while a check acts on it gives NOT_TESTED.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import pytest
from lxml import etree

from harness.checks import legacy_command as legacy
from harness.checks.sessions import (
    SessionKey,
    default_lifetime,
    expires_agrees,
    external_key_echoed,
    key_url_host,
    keys_distinct,
    logged_in_rep_ids,
    mail_carries_key,
    queue_matches,
    success_message,
    support_teams,
)
from harness.checks.xml import command_error, command_ok, xml_response
from harness.preflight import API_INFO_ROOTS
from harness.verdicts import na, not_tested

STANDARD = pytest.mark.profile("standard")
KEY_TTL = "300"  # keys made only to be looked at need not outlive the run
UNKNOWN_ID = 2147483646  # a representative ID no appliance is expected to have
EXAMPLE_EXTERNAL_KEY = "ABC1234"  # "General queue, external key"
EXAMPLE_HOST = "remote.example.com"  # "General queue, specified Hostname" (Site B)
MESSAGES = {
    "join_session": "Representative successfully added",
    "transfer_session": "Successfully transferred",
}


def key(api, expect, **params: str) -> SessionKey:
    params = {"type": "support", "queue_id": "general", **params}
    return legacy.session_key(command_ok(api.command("generate_session_key", params), expect, "session_key"))


def clock(api, expect) -> int:
    """The appliance's clock: get_api_info's timestamp."""
    root = command_ok(api.api_info(), expect, API_INFO_ROOTS)
    return legacy.clock(root.findtext("timestamp"), "<timestamp>", "CMD-GAI-003")


def logged_in(api, expect) -> set[int]:
    return set(logged_in_rep_ids(command_ok(api.command("get_logged_in_reps"), expect, "logged_in_reps")))


def teams(api, expect, members: bool = False):
    params = [("showmembers", "1")] if members else None
    root = command_ok(api.command("get_support_teams", params), expect, "support_teams")
    return root, support_teams(root)


def embassies(root: etree._Element) -> list[int]:
    return [
        int(t.get("id"))
        for t in root.iterfind("support_team")
        if (t.findtext("embassy") or "").strip() == "1" and (t.get("id") or "").isdigit()
    ]


# --- generate_session_key -----------------------------------------------------------------------------------


@STANDARD
@pytest.mark.req("L17-CMD-GSK-001", "L17-CMD-GSK-002", "L17-CMD-GSK-011")
@pytest.mark.parametrize("form", ["general", "rep", "team"])
def test_generate_session_key_queue_forms(rs_api, rs_expect, form):
    """The guide's examples: the general queue, a specific representative, a specific team."""
    if form == "general":
        queue_matches(key(rs_api, rs_expect, ttl=KEY_TTL), "general")
        return
    if form == "rep":
        reps = logged_in(rs_api, rs_expect)
        if not reps:
            not_tested("no representative is logged in (get_logged_in_reps)")
        queue_matches(key(rs_api, rs_expect, queue_id=f"rep:{min(reps)}", ttl=KEY_TTL), "rep", min(reps))
        return
    root, found = teams(rs_api, rs_expect)
    plain = [t.id for t in found if t.id not in embassies(root)]
    if not plain:
        not_tested("get_support_teams lists no team that is not an Embassy")
    queue_matches(key(rs_api, rs_expect, queue_id=f"team:{plain[0]}", ttl=KEY_TTL), "team", plain[0])


@STANDARD
@pytest.mark.req("L17-CMD-GSK-003")
def test_generate_session_key_embassy_queue(rs_api, rs_expect):
    found = embassies(teams(rs_api, rs_expect)[0])
    if not found:
        na("no team is an Embassy (get_support_teams: no <embassy>1</embassy>; Enterprise licensing)")
    legacy.embassy_queue(key(rs_api, rs_expect, queue_id=f"embassy:{found[0]}", ttl=KEY_TTL), found[0])


@STANDARD
@pytest.mark.req("L17-CMD-GSK-004")
def test_generate_session_key_rep_username(rs_api, rs_expect, rs_run_prefix):
    usernames = {i: u for t in teams(rs_api, rs_expect, members=True)[1] for i, u in t.members.items() if u}
    if not usernames:
        not_tested("no representative with a username in get_support_teams&showmembers")
    rep_id = min(usernames)
    found = key(rs_api, rs_expect, queue_id=f"rep_username:{usernames[rep_id]}", ttl=KEY_TTL)
    queue_matches(found, "rep", rep_id)
    params = {"type": "support", "queue_id": f"rep_username:{rs_run_prefix}-nobody"}
    command_error(rs_api.command("generate_session_key", params), rs_expect)


@STANDARD
@pytest.mark.req("L17-CMD-GSK-006")
def test_generate_session_key_ttl(rs_api, rs_expect):
    """The guide's "1 hour time to live": <expires> is ttl seconds after the key was made."""
    before = clock(rs_api, rs_expect)
    hour = key(rs_api, rs_expect, ttl="3600")
    expires_agrees(hour, 3600, before, clock(rs_api, rs_expect))


@STANDARD
@pytest.mark.req("L17-CMD-GSK-007")
def test_generate_session_key_without_ttl(rs_api, rs_expect):
    before = clock(rs_api, rs_expect)
    found = key(rs_api, rs_expect)
    default_lifetime(found, before, clock(rs_api, rs_expect))


@STANDARD
@pytest.mark.req("L17-CMD-GSK-008")
def test_generate_session_key_external_key(rs_api, rs_expect):
    external_key_echoed(
        key(rs_api, rs_expect, external_key=EXAMPLE_EXTERNAL_KEY, ttl=KEY_TTL), EXAMPLE_EXTERNAL_KEY
    )


@STANDARD
@pytest.mark.req("L17-CMD-GSK-009")
def test_generate_session_key_url_hostname(rs_api, rs_expect):
    found = key(rs_api, rs_expect, url_hostname=EXAMPLE_HOST, ttl=KEY_TTL)
    key_url_host(found, {EXAMPLE_HOST}, "url_hostname was given", req="CMD-GSK-020")


@STANDARD
@pytest.mark.req("L17-CMD-GSK-010")
def test_generate_session_key_default_hostname(rs_api, rs_expect, rs_target):
    hosts = {urlsplit(rs_target.target.url).hostname or ""}
    key_url_host(
        key(rs_api, rs_expect, ttl=KEY_TTL), hosts, "the host the API was called on", req="CMD-GSK-021"
    )


@STANDARD
@pytest.mark.req("L17-CMD-GSK-012")
def test_generate_session_key_makes_new_keys(rs_api, rs_expect):
    keys_distinct(key(rs_api, rs_expect, ttl=KEY_TTL), key(rs_api, rs_expect, ttl=KEY_TTL))


@STANDARD
@pytest.mark.req("L17-CMD-GSK-013")
def test_generate_session_key_mail(rs_api, rs_expect):
    mail_carries_key(key(rs_api, rs_expect, ttl=KEY_TTL))


@pytest.mark.req("L17-CMD-GSK-005", "L17-CMD-GEN-005")
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"queue_id": "general"}, id="no-type"),
        pytest.param({"type": "presentation", "queue_id": "general"}, id="type-presentation"),
        pytest.param({"type": "support"}, id="no-queue_id"),
        pytest.param({"type": "support", "queue_id": "bogus"}, id="bogus-queue_id"),
        pytest.param({"type": "support", "queue_id": "rep:abc"}, id="rep-abc"),
        pytest.param({"type": "support", "queue_id": f"rep:{UNKNOWN_ID}"}, id="unknown-rep"),
        pytest.param({"type": "support", "queue_id": f"team:{UNKNOWN_ID}"}, id="unknown-team"),
    ],
)
def test_generate_session_key_refuses_what_places_no_session(rs_api, rs_expect, params):
    """Refused requests make no key, so these run in every profile."""
    command_error(rs_api.command("generate_session_key", params), rs_expect)


@STANDARD
@pytest.mark.req("L17-CMD-GSK-014", "L17-CMD-GEN-007")
def test_generate_session_key_needs_remote_support(rs_client, rs_expect):
    """The accounts get_api_info says may not provide remote support (perm_sd_allowed 0) are refused."""
    tried = 0
    for role in ("read_only", "full"):
        client = rs_client(role)
        perms = legacy.permissions(command_ok(client.api_info(), rs_expect, API_INFO_ROOTS))
        response = client.command(
            "generate_session_key", {"type": "support", "queue_id": "general", "ttl": KEY_TTL}
        )
        if perms["perm_sd_allowed"] == "1":
            legacy.session_key(command_ok(response, rs_expect, "session_key"))
        else:
            legacy.not_login_failed(command_error(response, rs_expect), "may not provide remote support")
            tried += 1
    if not tried:
        not_tested("no account of the target lacks the remote support permission (perm_sd_allowed)")


# --- join_session and transfer_session ---------------------------------------------------------------------


@pytest.fixture
def own_session(rs_api, rs_anon, rs_expect, rs_run_prefix) -> str:
    """A session this check starts (a key from generate_session_key, then start_session.ns with it and a
    customer name of the run's own), found in the SupportSession report by that name: its lsid. API 1.7.0
    cannot end it. A real appliance starts a session only when the downloaded customer client runs, and a
    report row with an empty <end_time> may be a session that "closed abnormally": NOT_TESTED without one."""
    name = f"{rs_run_prefix}-{uuid.uuid4().hex[:8]}"
    since = clock(rs_api, rs_expect) - 60
    short = key(rs_api, rs_expect, ttl=KEY_TTL).short_key
    rs_anon.start_session({"short_key": short, "customer_name": name}, method="GET")
    root = xml_response(
        rs_api.report("SupportSession", {"start_time": since, "duration": 0}),
        rs_expect,
        "reporting",
        "session_list",
    )
    for session in root.iterfind("session"):
        if session.findtext("customer_list/customer/info/name") == name:
            return session.get("lsid")
    not_tested(
        "starting a session with a new key made none (on a real appliance, a customer client must run)"
    )


def still_active(api, expect, lsid: str) -> bool:
    response = api.report("SupportSession", {"lsid": lsid})
    session = xml_response(response, expect, "reporting", ("session_list", "error")).find("session")
    return session is not None and not (session.findtext("end_time") or "").strip()


def acted(api, expect, response, action: str, lsid: str, rep_id: int | None = None) -> None:
    """join_session or transfer_session answered <success> with the guide's message; an <error> while the
    session ended or the representative logged out meanwhile is NOT_TESTED."""
    root = xml_response(response, expect, "command", ("success", "error"))
    if root.tag == "error":
        if not still_active(api, expect, lsid):
            not_tested(f"session {lsid} ended during the check")
        if rep_id is not None and rep_id not in logged_in(api, expect):
            not_tested(f"representative {rep_id} logged out during the check")
    success_message(command_ok(response, expect, "success"), MESSAGES[action])


def a_rep(api, expect) -> int:
    reps = logged_in(api, expect)
    if not reps:
        not_tested("no representative is logged in (get_logged_in_reps)")
    return min(reps)


@STANDARD
@pytest.mark.req("L17-CMD-JS-001")
def test_join_session_adds_a_logged_in_representative(rs_api, rs_expect, own_session):
    rep_id = a_rep(rs_api, rs_expect)
    response = rs_api.command("join_session", {"lsid": own_session, "rep_id": str(rep_id)})
    acted(rs_api, rs_expect, response, "join_session", own_session, rep_id)


@STANDARD
@pytest.mark.req("L17-CMD-GLR-005")
def test_a_representative_in_a_session_counts_it(rs_api, rs_expect, own_session):
    rep_id = a_rep(rs_api, rs_expect)
    response = rs_api.command("join_session", {"lsid": own_session, "rep_id": str(rep_id)})
    acted(rs_api, rs_expect, response, "join_session", own_session, rep_id)
    root = command_ok(rs_api.command("get_logged_in_reps"), rs_expect, "logged_in_reps")
    if rep_id not in logged_in_rep_ids(root) or not still_active(rs_api, rs_expect, own_session):
        not_tested(f"representative {rep_id} logged out, or session {own_session} ended, during the check")
    legacy.session_counted(root, rep_id, own_session)


@STANDARD
@pytest.mark.req("L17-CMD-TS-001")
@pytest.mark.parametrize("queue", ["general", "rep", "team"])
def test_transfer_session_to_each_queue_form(rs_api, rs_expect, own_session, queue):
    rep_id = a_rep(rs_api, rs_expect) if queue == "rep" else None
    queue_id = {"general": "general", "rep": f"rep:{rep_id}"}.get(queue)
    if queue == "team":
        queue_id = f"team:{teams(rs_api, rs_expect)[1][0].id}"
    response = rs_api.command("transfer_session", {"lsid": own_session, "queue_id": queue_id})
    acted(rs_api, rs_expect, response, "transfer_session", own_session, rep_id)


@STANDARD
@pytest.mark.req("L17-CMD-TS-003")
def test_transfer_session_needs_an_administrator(rs_client, rs_expect, own_session):
    """The run's own session, which an account that is no administrator (perm_admin 0) may not transfer."""
    client = rs_client("read_only")
    perms = legacy.permissions(command_ok(client.api_info(), rs_expect, API_INFO_ROOTS))
    if perms["perm_admin"] != "0":
        not_tested("the read_only account is an administrator (perm_admin 1)")
    response = client.command("transfer_session", {"lsid": own_session, "queue_id": "general"})
    legacy.not_login_failed(command_error(response, rs_expect), "is no administrator")


@pytest.mark.req("L17-CMD-JS-002", "L17-CMD-TS-002", "L17-CMD-GEN-005")
@pytest.mark.parametrize(
    "action, params",
    [
        pytest.param("join_session", {"rep_id": "1"}, id="join-no-lsid"),
        pytest.param("join_session", {"lsid": "{unknown}"}, id="join-no-rep_id"),
        pytest.param("join_session", {"lsid": "{unknown}", "rep_id": "{rep}"}, id="join-unknown-session"),
        pytest.param("transfer_session", {"queue_id": "general"}, id="transfer-no-lsid"),
        pytest.param("transfer_session", {"lsid": "{unknown}"}, id="transfer-no-queue_id"),
        pytest.param(
            "transfer_session", {"lsid": "{unknown}", "queue_id": "general"}, id="transfer-unknown-session"
        ),
    ],
)
def test_join_and_transfer_refuse_what_names_no_session(rs_api, rs_expect, action, params):
    """Refusals act on nothing, so these run in every profile."""
    reps = logged_in(rs_api, rs_expect)
    values = {"unknown": uuid.uuid4().hex, "rep": str(min(reps) if reps else 1)}
    command_error(rs_api.command(action, {k: v.format(**values) for k, v in params.items()}), rs_expect)


@pytest.mark.req("L17-CMD-TS-003", "L17-CMD-GEN-007")
def test_a_refusal_for_lack_of_permission_says_so(rs_client, rs_expect):
    """transfer_session of an unknown session: the non-administrator's <error> differs from the
    administrator's (one tells a missing permission, the other an unknown session)."""
    client = rs_client("read_only")
    if legacy.permissions(command_ok(client.api_info(), rs_expect, API_INFO_ROOTS))["perm_admin"] != "0":
        not_tested("the read_only account is an administrator (perm_admin 1)")
    params = {"lsid": uuid.uuid4().hex, "queue_id": "general"}
    refused = command_error(client.command("transfer_session", params), rs_expect)
    permitted = command_error(rs_client("full").command("transfer_session", params), rs_expect)
    legacy.refusal_differs(refused, permitted, "is no administrator")
