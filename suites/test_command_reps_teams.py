"""Representatives and teams (guide: "API Command: get_logged_in_reps", "set_rep_status",
"get_support_teams"). Representatives log in and out while the checks run: a comparison between two calls
only uses what stayed the same in snapshots taken before and after."""

from __future__ import annotations

import time

import pytest

from harness.checks.command import (
    as_defect,
    connected_clients,
    display_name_alias,
    error_or_answer,
    logged_in_reps,
    same_teams,
    stable,
    support_teams,
)
from harness.checks.xml import command_error, command_ok
from harness.verdicts import defect, not_tested, warn

NO_SUCH_REP = "999999999"  # far above any user id an appliance hands out


def reps(client, expect) -> dict[str, dict]:
    root = command_ok(client.command("get_logged_in_reps"), expect, "logged_in_reps")
    return logged_in_reps(root, time.time())


def rep_consoles(client, expect) -> dict[str, dict]:
    """Connected representative consoles by client id."""
    root = command_ok(
        client.command("get_connected_clients", {"type": "representative"}), expect, "connected_clients"
    )
    return connected_clients(root, time.time(), types=("representative",))


def teams(client, expect, params=None, members: bool = False, **options) -> dict[str, dict]:
    root = command_ok(client.command("get_support_teams", params), expect, "support_teams")
    return support_teams(root, members, **options)


# -- get_logged_in_reps -------------------------------------------------------------------------------------


@pytest.mark.req("CMD-GLR-001", "CMD-GLR-002", "CMD-GLR-004", "CMD-GLR-005", "CMD-GLR-006")
def test_logged_in_reps(rs_api, rs_expect):
    reps(rs_api, rs_expect)


@pytest.mark.req("CMD-GLR-003")
@pytest.mark.api_version(since="1.10.0")
def test_logged_in_reps_display_name_is_the_public_one(rs_api, rs_expect):
    root = command_ok(rs_api.command("get_logged_in_reps"), rs_expect, "logged_in_reps")
    for rep in root.iterfind("rep"):
        with as_defect():  # each representative judged
            display_name_alias(rep, f"rep {rep.get('id')}", req="CMD-GLR-003")


@pytest.mark.req("CMD-GLR-007")
@pytest.mark.api_version(since="1.11.0")
def test_logged_in_reps_are_the_connected_consoles(rs_api, rs_expect):
    consoles_1 = rep_consoles(rs_api, rs_expect)
    reps_1 = reps(rs_api, rs_expect)
    consoles_2 = rep_consoles(rs_api, rs_expect)
    reps_2 = reps(rs_api, rs_expect)
    logged_in = set(reps_1)
    for client_id, console in stable(consoles_1, consoles_2).items():
        if console["user_id"] not in logged_in:
            defect(
                f"representative console {client_id} (user {console['user_id']}) was connected before and"
                " after get_logged_in_reps, which does not list that representative"
            )
    connected_users = {c["user_id"] for c in consoles_2.values()}
    for rep_id in stable(reps_1, reps_2):
        if rep_id not in connected_users:
            defect(
                f"representative {rep_id} was logged in before and after get_connected_clients, which shows"
                " no representative console of theirs"
            )


# -- set_rep_status -----------------------------------------------------------------------------------------


STEADY = "the representative logged in longest"
DESTRUCTIVE = pytest.mark.profile("destructive")


@pytest.mark.req("CMD-SRS-001", "CMD-SRS-002", "CMD-GEN-014")
@pytest.mark.api_version(since="1.21.1")
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"code_name": "busy"}, id="no-rep_id"),
        pytest.param({"rep_id": "abc", "code_name": "busy"}, id="rep_id-not-an-integer"),
        pytest.param({"rep_id": ""}, id="empty-rep_id-no-code_name"),
        # a logged-in representative: if the appliance took the request anyway, a status would change
        pytest.param({"rep_id": STEADY}, id="no-code_name", marks=DESTRUCTIVE),
        pytest.param({"rep_id": STEADY, "code_name": ""}, id="empty-code_name", marks=DESTRUCTIVE),
    ],
)
def test_set_rep_status_needs_its_parameters(rs_api, rs_expect, params):
    if params.get("rep_id") == STEADY:
        params = {**params, "rep_id": _steady_rep(rs_api, rs_expect)}
    command_error(rs_api.command("set_rep_status", params), rs_expect)


@pytest.mark.req("CMD-SRS-004", "CMD-GEN-014")
@pytest.mark.api_version(since="1.21.1")
def test_set_rep_status_of_a_rep_not_logged_in_is_an_error(rs_api, rs_expect):
    if NO_SUCH_REP in reps(rs_api, rs_expect):
        not_tested(f"representative {NO_SUCH_REP} is logged in on this target")
    command_error(rs_api.command("set_rep_status", {"rep_id": NO_SUCH_REP, "code_name": "busy"}), rs_expect)


def _steady_rep(client, expect) -> str:
    """The representative logged in longest (the least likely to log out now)."""
    listed = reps(client, expect)
    if not listed:
        not_tested("no representative is logged in")
    return min(listed, key=lambda rep_id: (listed[rep_id]["since"], int(rep_id) if rep_id.isdigit() else 0))


@pytest.mark.req("CMD-SRS-004", "CMD-GEN-014")
@pytest.mark.api_version(since="1.21.1")
@DESTRUCTIVE
def test_set_rep_status_with_an_unknown_status_is_an_error(rs_api, rs_expect):
    rep_id = _steady_rep(rs_api, rs_expect)
    command_error(
        rs_api.command("set_rep_status", {"rep_id": rep_id, "code_name": "rsh_no_such_status"}), rs_expect
    )


@pytest.mark.req("CMD-SRS-003", "CMD-SRS-005")
@pytest.mark.api_version(since="1.21.1")
@DESTRUCTIVE
def test_set_rep_status_sets_busy(rs_api, rs_expect):
    """The guide's example status, busy, on a logged-in representative (not restored: the API cannot read
    a representative's status code name back)."""
    rep_id = _steady_rep(rs_api, rs_expect)
    refused = error_or_answer(
        rs_api.command("set_rep_status", {"rep_id": rep_id, "code_name": "busy"}), rs_expect, "success"
    )
    if refused is not None:
        if rep_id not in reps(rs_api, rs_expect):
            not_tested(f"representative {rep_id} logged out meanwhile ({refused})")
        not_tested(
            "the target refused the guide's example status busy (status code names are not discoverable"
            f" through the API): {refused}"
        )
    consoles = [c for c in rep_consoles(rs_api, rs_expect).values() if c["user_id"] == rep_id]
    if consoles and all(c["routing_busy"] != "1" for c in consoles):
        warn(
            f"representative {rep_id} set to busy, but get_connected_clients shows routing_busy 0",
            req="CMD-SRS-005",
        )


# -- get_support_teams --------------------------------------------------------------------------------------


@pytest.mark.req("CMD-GST-001", "CMD-GST-003", "CMD-GST-005")
def test_support_teams(rs_api, rs_expect):
    teams(rs_api, rs_expect)


@pytest.mark.req("CMD-GST-002", "CMD-GST-005", "CMD-GST-007")
def test_showmembers_adds_the_members(rs_api, rs_expect):
    plain = teams(rs_api, rs_expect)
    with_members = teams(rs_api, rs_expect, {"showmembers": "1"}, members=True)
    same_teams(plain, with_members)


@pytest.mark.req("CMD-GST-004")
def test_showmembers_0_lists_no_members(rs_api, rs_expect):
    teams(rs_api, rs_expect, {"showmembers": "0"}, unasked_req="CMD-GST-004")


@pytest.mark.req("CMD-GST-006")
@pytest.mark.api_version(since="1.10.0")
def test_member_display_name_is_the_public_one(rs_api, rs_expect):
    for team_id, team in teams(rs_api, rs_expect, {"showmembers": "1"}, members=True).items():
        for rep_id, member in (team["members"] or {}).items():
            with as_defect():  # each member judged
                display_name_alias(member["element"], f"team {team_id} member {rep_id}", req="CMD-GST-006")


@pytest.mark.req("CMD-GST-008")
@pytest.mark.api_version(since="1.10.0")
def test_member_names_agree_with_logged_in_reps(rs_api, rs_expect):
    listed = reps(rs_api, rs_expect)
    for team_id, team in teams(rs_api, rs_expect, {"showmembers": "1"}, members=True).items():
        for rep_id, member in (team["members"] or {}).items():
            rep = listed.get(rep_id)
            if rep is None:
                continue
            names = (member["public"], member["private"])
            if names != (rep["public"], rep["private"]):
                defect(
                    f"team {team_id} member {rep_id} is named {names}, get_logged_in_reps says"
                    f" {(rep['public'], rep['private'])}"
                )
