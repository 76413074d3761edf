"""The legacy command API (Bomgar 12.1 guide, API 1.7.0: "About the Command API", "The get_logged_in_reps
Request", "The get_support_teams Request", "The get_api_info Request"): /api/command.ns with username and
password parameters, `<error>Login failed</error>` for a wrong login, the permissions each account has and
what they allow, and the answers of the read-only commands. Session keys and sessions are in
test_command_sessions.py.

Every answer is validated against the 1.7.0 reference schema in the networkstreaming namespace
(harness.checks.xml with the run's Expect); rules the 21.3 guide states the same way are judged by the 21.3
check functions, their charges going to the L17 requirement that restates them.
"""

from __future__ import annotations

import secrets
import time

import pytest

from harness.catalogue.commands import COMMAND_ACTIONS, LEGACY_COMMANDS
from harness.checks import legacy_command as legacy
from harness.checks.command import logged_in_reps, same_teams, support_teams
from harness.checks.xml import command_error, command_ok
from harness.client import Login
from harness.client.api import COMMAND_PATH, LEGACY_SUFFIX
from harness.preflight import API_INFO_ROOTS

# The 21.3 guide's commands that the 12.1 guide lacks (later versions): a 12.1 appliance does not know them.
LATER_ACTIONS = tuple(a.name for a in COMMAND_ACTIONS if a.name not in LEGACY_COMMANDS)


def api_info(client, expect):
    return command_ok(client.api_info(), expect, API_INFO_ROOTS)


# --- the command API in general ---------------------------------------------------------------------------


@pytest.mark.req("L17-CMD-GAI-001", "L17-CMD-GEN-001")
def test_api_info_answer(rs_api, rs_expect):
    root = api_info(rs_api, rs_expect)
    assert (root.findtext("api_version") or "").strip(), "<api_version> is empty"
    legacy.permissions(root)
    legacy.user_id(root)


@pytest.mark.req("L17-CMD-GEN-001")
def test_get_and_form_encoded_post_give_the_same_answer(rs_api, rs_expect):
    got = api_info(rs_api, rs_expect)
    posted = command_ok(rs_api.api_info(method="POST"), rs_expect, API_INFO_ROOTS)
    assert legacy.permissions(got) == legacy.permissions(posted), "GET and POST give other permissions"
    assert legacy.user_id(got) == legacy.user_id(posted), "GET and POST give another <user_id>"


def wrong_password(login: Login) -> Login:
    return Login(login.username, secrets.token_urlsafe(18))


@pytest.mark.req("L17-CMD-GEN-003", "L17-CMD-GEN-005")
@pytest.mark.parametrize(
    "case", ["wrong-password", "unknown-user", "no-username-or-password", "wrong-password-by-post"]
)
def test_a_wrong_or_missing_login_is_login_failed(rs_api, rs_expect, case):
    """(Usernames are matched without case on some builds: a username in another case is not judged.)"""
    login = rs_api.login
    if case == "no-username-or-password":
        response = rs_api.call(rs_api.api_path(COMMAND_PATH), [("action", "get_api_info")], anonymous=True)
    elif case == "unknown-user":
        response = rs_api.api_info(login=Login(f"rsh-nobody-{secrets.token_hex(4)}", login.password))
    else:
        method = "POST" if case.endswith("by-post") else "GET"
        response = rs_api.api_info(login=wrong_password(login), method=method)
    legacy.login_refused(response, rs_expect)


@pytest.mark.req("L17-CMD-GEN-003")
@pytest.mark.parametrize("action", ["get_logged_in_reps", "get_support_teams", "generate_session_key"])
def test_every_command_needs_the_login(rs_api, rs_expect, action):
    wrong = wrong_password(rs_api.login)
    params = {"type": "support", "queue_id": "general"} if action == "generate_session_key" else None
    legacy.login_refused(rs_api.command(action, params, login=wrong), rs_expect)


@pytest.mark.req("L17-CMD-GEN-004", "L17-CMD-GEN-005")
@pytest.mark.parametrize("action", [None, "", "get_api_infos", *LATER_ACTIONS])
def test_an_action_outside_the_guide_is_an_error(rs_api, rs_expect, action):
    if action is None:
        response = rs_api.call(rs_api.api_path(COMMAND_PATH), [])
    else:
        response = rs_api.command(action)
    command_error(response, rs_expect)


@pytest.mark.req("L17-CMD-GEN-001")
def test_the_command_api_is_at_the_ns_url(rs_api, rs_expect):
    """The 12.1 guide's URL ends in .ns: the client calls it so (this checks the client as much)."""
    response = rs_api.api_info()
    assert response.url.split("?")[0].endswith(COMMAND_PATH + LEGACY_SUFFIX), response.url
    command_ok(response, rs_expect, API_INFO_ROOTS)


# --- get_api_info -------------------------------------------------------------------------------------------


@pytest.mark.req("L17-CMD-GAI-002")
def test_api_info_timestamp_is_now(rs_api, rs_expect):
    before = time.time()
    legacy.api_info_clock(api_info(rs_api, rs_expect), before, time.time())


@pytest.mark.req("L17-CMD-GAI-003")
def test_api_version_is_the_guide_one(rs_api, rs_expect):
    legacy.api_version_documented(api_info(rs_api, rs_expect).findtext("api_version"))


@pytest.mark.req("L17-CMD-GAI-004", "L17-CMD-GEN-002")
@pytest.mark.parametrize("role", ["full", "read_only", "no_command", "reporting_only"])
def test_each_account_has_the_permissions_of_its_role(rs_client, rs_expect, role):
    """full and read_only get their own permissions; an account without the command API permission is
    refused get_api_info itself ("For all commands, this user must have permission to use the command API"),
    with an <error> that is not Login failed (its login is good)."""
    response = rs_client(role).api_info()
    if role in legacy.NO_COMMAND_API:
        legacy.not_login_failed(command_error(response, rs_expect), "has no command API permission")
        return
    legacy.role_permissions(role, legacy.permissions(command_ok(response, rs_expect, API_INFO_ROOTS)))


@pytest.mark.req("L17-CMD-GAI-005")
def test_each_account_has_its_own_user_id(rs_client, rs_expect):
    ids = {role: legacy.user_id(api_info(rs_client(role), rs_expect)) for role in ("full", "read_only")}
    assert ids["full"] != ids["read_only"], f"two accounts, one <user_id>: {ids}"


# --- get_logged_in_reps -------------------------------------------------------------------------------------


@pytest.mark.req("L17-CMD-GLR-001", "L17-CMD-GLR-002", "L17-CMD-GLR-003", "L17-CMD-GLR-004")
def test_logged_in_reps(rs_api, rs_expect):
    root = command_ok(rs_api.command("get_logged_in_reps"), rs_expect, "logged_in_reps")
    logged_in_reps(root, time.time())


# --- get_support_teams --------------------------------------------------------------------------------------


def teams(client, expect, form: str | None = None) -> dict[str, dict]:
    """get_support_teams, plain or with showmembers in the guide's form (`&showmembers`, no value: in the
    URL itself, as requests cannot send a key without a value) or as showmembers=1."""
    if form == "guide-form":
        path = client.api_path(COMMAND_PATH) + "?showmembers"
        response = client.call(path, [("action", "get_support_teams")])
    else:
        params = [("showmembers", "1")] if form else None
        response = client.command("get_support_teams", params)
    return support_teams(command_ok(response, expect, "support_teams"), members=form is not None)


@pytest.mark.req("L17-CMD-GST-001", "L17-CMD-GST-003", "L17-CMD-GST-004")
def test_support_teams(rs_api, rs_expect):
    teams(rs_api, rs_expect)


@pytest.mark.req("L17-CMD-GST-002", "L17-CMD-GST-004", "L17-CMD-GST-005")
@pytest.mark.parametrize("form", ["guide-form", "showmembers=1"])
def test_showmembers_adds_the_members(rs_api, rs_expect, form):
    same_teams(teams(rs_api, rs_expect), teams(rs_api, rs_expect, form))
