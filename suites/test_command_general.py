"""The command API in general (guide: "Remote Support Command API", "API Change Log"): URL, GET and form
POST, the schema document, the action parameter, authentication, and which account may run which action.

Who may run what: one check per action and account, whose primary requirement is that action's access rule
(CMD-GLR-008, CMD-SFR-006, ...); a refusal that reads like the full account's answer is charged to
CMD-GEN-016, a parameter error the full account should get to the action's parameter rule."""

from __future__ import annotations

import pytest

from harness.catalogue.commands import COMMAND_ACTIONS, COMMANDS
from harness.checks.command import charged_to, error_or_answer
from harness.checks.xml import command_error, command_ok
from harness.client.api import COMMAND_PATH
from harness.verdicts import check, fail, warn


@pytest.mark.req("CMD-GEN-001", "CMD-GEN-002", "CMD-GEN-004")
@pytest.mark.parametrize(
    "action, root",
    [
        pytest.param(a, COMMANDS[a].roots, id=f"{a}-{COMMANDS[a].roots[0]}")  # the ids (name, root) had
        for a in ("get_api_info", "get_support_teams")
    ],
)
def test_get_and_form_post_give_the_same_answer(rs_api, rs_expect, action, root):
    by_get = command_ok(rs_api.command(action), rs_expect, root)
    with charged_to("CMD-GEN-002"):  # the action sent in a form body was not read
        by_post = command_ok(rs_api.command(action, method="POST"), rs_expect, root)
    if action == "get_api_info":  # the permissions as sent (names differ between API versions)
        same = [
            (
                r.findtext("api_version"),
                [(p.get("name"), p.text) for p in r.iterfind("permissions/permission")],
            )
            for r in (by_get, by_post)
        ]
    else:  # teams are configuration: the same by either method
        same = [[t.get("id") for t in r.iterfind("support_team")] for r in (by_get, by_post)]
    check(same[0] == same[1], f"{action} answers differently by GET and by a form POST")


@pytest.mark.req("CMD-GEN-002", "CMD-GEN-014")
def test_form_post_parameters_are_read(rs_api, rs_expect):
    """A form POST's parameters are read: showmembers=1 in the body adds the members."""
    root = command_ok(
        rs_api.command("get_support_teams", {"showmembers": "1"}, method="POST"), rs_expect, "support_teams"
    )
    teams = list(root.iterfind("support_team"))
    check(
        all(t.find("members") is not None for t in teams),
        "showmembers=1 sent in a form POST body was not applied (teams without <members>)",
    )


@pytest.mark.req("CMD-GEN-003", "CMD-GEN-014")
def test_multipart_post_is_not_executed(rs_api, rs_expect):
    response = rs_api.call(COMMAND_PATH, method="POST", files={"action": (None, "get_api_info")})
    if 400 <= response.status_code < 500:
        return  # refused (any body: the guide documents none for this)
    if error_or_answer(response, rs_expect, "api_information") is None:
        warn("a multipart POST was executed as a command although the guide says it is not supported")


@pytest.mark.req("CMD-GEN-006", "CMD-GEN-014")
@pytest.mark.parametrize("params", [[], [("action", "")]], ids=["no-action", "empty-action"])
def test_a_request_without_an_action_is_an_error(rs_api, rs_expect, params):
    command_error(rs_api.call(COMMAND_PATH, params), rs_expect)


@pytest.mark.req("CMD-GEN-007", "CMD-GEN-014")
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_an_unknown_action_is_an_error(rs_api, rs_expect, method):
    command_error(rs_api.command("rsh_no_such_action", method=method), rs_expect)


@pytest.mark.req("CMD-GEN-008", "CMD-GEN-004")
def test_answers_declare_the_command_namespace(rs_api, rs_expect, rs_target):
    command_ok(rs_api.api_info(), rs_expect, "api_information")  # FAIL on none/unknown, WARN on a variant
    check(rs_target.namespaces.get("command"), "the answer declares no namespace")


@pytest.mark.req("CMD-GEN-009")
def test_a_request_without_a_token_is_not_answered(rs_anon):
    response = rs_anon.command("get_api_info")
    check(response.status_code < 500, f"HTTP {response.status_code} for a request without a token")
    if response.status_code == 200 and b"api_information" in response.content:
        fail("get_api_info without a token was answered with the API information")


@pytest.mark.req("CMD-GEN-013")
def test_the_deprecated_ns_url_still_works(rs_api, rs_expect):
    command_ok(rs_api.call("/api/command.ns", [("action", "get_api_info")]), rs_expect, "api_information")


# -- who may run what ---------------------------------------------------------------------------------------

# The permission matrix, from the catalogue (the session actions have their own, with valid parameters, in
# test_command_sessions.py). Read actions need "read-only or full access"; changing actions are asked
# without parameters, so nothing changes whatever the answer.
READ_ACTIONS = [
    (a.name, a.roots, a.access_req, a.since)
    for a in COMMAND_ACTIONS
    if a.area != "sessions" and not a.changes_state
]
# With the requirement that the full account's <error> for the missing parameters belongs to.
CHANGING_ACTIONS = [
    (a.name, a.access_req, a.since, a.parameter_req)
    for a in COMMAND_ACTIONS
    if a.area != "sessions" and a.changes_state
]
PARAMETER_REQ = {action: req for action, _, _, req in CHANGING_ACTIONS}
LESSER_ROLES = ["read_only", "no_command", "reporting_only"]


def _marks(req: str, since: str | None) -> list:
    marks = [pytest.mark.req(req)]
    return marks + [pytest.mark.api_version(since=since)] if since else marks


@pytest.mark.parametrize("role", LESSER_ROLES)
@pytest.mark.parametrize(
    "action, root", [pytest.param(a, r, marks=_marks(req, since), id=a) for a, r, req, since in READ_ACTIONS]
)
def test_read_actions_need_read_only_or_full_access(rs_client, rs_expect, action, root, role):
    response = rs_client(role).command(action)
    if role == "read_only":
        command_ok(response, rs_expect, root)
    else:
        command_error(response, rs_expect)


@pytest.mark.parametrize("role", LESSER_ROLES)
@pytest.mark.parametrize(
    "action", [pytest.param(a, marks=[*_marks(req, since), pytest.mark.req("CMD-GEN-016")], id=a)
               for a, req, since, _ in CHANGING_ACTIONS]
)  # fmt: skip
def test_changing_actions_need_full_access(rs_client, rs_api, rs_expect, action, role):
    """Refused without full access. Where the guide says read-only suffices (set_rep_status), a read-only
    account may be refused or get the parameter error a full account gets."""
    refusal = command_error(rs_client(role).command(action), rs_expect)
    if COMMANDS[action].access == "read_only" and role == "read_only":
        return
    with charged_to(PARAMETER_REQ[action]):  # the full account's answer to the request without parameters
        full = command_error(rs_api.command(action), rs_expect)
    if refusal == full:
        warn(
            f"the {role} account got the same answer as a full-access account ({refusal!r}), not a refusal",
            req="CMD-GEN-016",
        )
