"""Connected clients (guide: "API Command: get_connected_client_list", "get_connected_clients"). Clients
connect and leave while the checks run: a client is expected in an answer only when the lists taken before
and after both hold it (ids "remain valid only while the client is connected")."""

from __future__ import annotations

import time

import pytest

from harness.catalogue import limits
from harness.checks.command import (
    CLIENT_TYPES,
    appliances,
    client_list,
    clustered,
    connected_clients,
    error_or_answer,
    stable,
)
from harness.checks.xml import command_ok
from harness.verdicts import defect, not_tested, warn

pytestmark = pytest.mark.api_version(since="1.11.0")

MAX_IDS = limits.MAX_CLIENT_IDS


def listed(client, expect, params=None, types=None, summary_only=False) -> dict[str, str]:
    root = command_ok(client.command("get_connected_client_list", params), expect, "connected_client_list")
    return client_list(root, types, summary_only)


def detailed(client, expect, params=None, **options) -> dict[str, dict]:
    root = command_ok(client.command("get_connected_clients", params), expect, "connected_clients")
    return connected_clients(root, time.time(), **options)


def expect_present(kept: dict[str, str], got: dict[str, dict], what: str) -> None:
    """Each client kept is detailed, as the same type: a defect of the check's primary requirement per
    client, and the others are still judged."""
    for client_id, kind in kept.items():
        if client_id not in got:
            defect(f"{kind} client {client_id} was connected before and after {what}, which omits it")
        elif got[client_id]["type"] != kind:
            defect(
                f"client {client_id} is a {kind} in get_connected_client_list, a {got[client_id]['type']}"
                f" in {what}"
            )


def padded_ids(real: list[str], n: int) -> list[str]:
    """`n` ids: the real ones first, then numbers no listed client has."""
    ids = real[:n]
    candidate = 1
    while len(ids) < n:
        if str(candidate) not in real:
            ids.append(str(candidate))
        candidate += 1
    return ids


# -- get_connected_client_list ------------------------------------------------------------------------------


@pytest.mark.req("CMD-GCCL-001", "CMD-GCCL-006", "CMD-GCCL-007")
def test_client_list(rs_api, rs_expect):
    listed(rs_api, rs_expect)


TYPE_VALUES = [
    ("all", None),
    ("representative", ("representative",)),
    ("support_customer", ("support_customer",)),
    ("presentation_attendee", ("presentation_attendee",)),
    ("push_agent", ("push_agent",)),
    ("representative,support_customer", ("representative", "support_customer")),
]


@pytest.mark.req("CMD-GCCL-002", "CMD-GCCL-006", "CMD-GCCL-007")
@pytest.mark.parametrize("value, types", TYPE_VALUES, ids=[v for v, _ in TYPE_VALUES])
def test_client_list_by_type(rs_api, rs_expect, value, types):
    listed(rs_api, rs_expect, {"type": value}, types)


@pytest.mark.req("CMD-GCCL-005", "CMD-GCCL-002")
@pytest.mark.parametrize("value, types", [("all", None), ("representative", ("representative",))])
def test_client_list_summary_only(rs_api, rs_expect, value, types):
    listed(rs_api, rs_expect, {"summary_only": "1", "type": value}, types, summary_only=True)


@pytest.mark.req("CMD-GCCL-004")
def test_pinned_clients_are_counted_only_for_all(rs_api, rs_expect):
    listed(rs_api, rs_expect, {"type": ",".join(CLIENT_TYPES), "summary_only": "1"}, CLIENT_TYPES, True)


@pytest.mark.req("CMD-GCCL-003", "CMD-GEN-014")
@pytest.mark.parametrize("value", ["pinned_client", "rsh_no_such_type"])
def test_client_list_refuses_other_types(rs_api, rs_expect, value):
    answer = rs_api.command("get_connected_client_list", {"type": value})
    if error_or_answer(answer, rs_expect, "connected_client_list") is None:
        warn(f"type={value} was answered, not refused")


@pytest.mark.req("CMD-GCCL-008")
def test_client_list_appliances_are_listed_appliances(rs_api, rs_expect):
    known = appliances(command_ok(rs_api.command("get_appliances"), rs_expect, "appliances"))
    root = command_ok(rs_api.command("get_connected_client_list"), rs_expect, "connected_client_list")
    for summary in root.iterfind("connected_client_summary/appliance_summary"):
        if summary.get("id") not in known:
            defect(f"appliance_summary {summary.get('id')!r} is not in get_appliances")


# -- get_connected_clients ----------------------------------------------------------------------------------


@pytest.mark.req("CMD-GCC-001", "CMD-GCC-006", "CMD-GCC-009", "CMD-GCC-012")
def test_connected_clients_detail_every_connected_client(rs_api, rs_expect):
    before = listed(rs_api, rs_expect)
    got = detailed(rs_api, rs_expect)
    after = listed(rs_api, rs_expect)
    expect_present(stable(before, after), got, "get_connected_clients")


@pytest.mark.req("CMD-GCC-002")
@pytest.mark.parametrize("value, types", TYPE_VALUES, ids=[v for v, _ in TYPE_VALUES])
def test_connected_clients_by_type(rs_api, rs_expect, value, types):
    detailed(rs_api, rs_expect, {"type": value}, types=types)


@pytest.mark.req("CMD-GCC-003")
@pytest.mark.parametrize(
    "type_value", [None, "representative,support_customer"], ids=["ids", "ids-and-types"]
)
def test_connected_clients_by_id(rs_api, rs_expect, type_value):
    before = listed(rs_api, rs_expect)
    # a few of each type, so the type filter has something to drop
    wanted = [
        i for kind in sorted(set(before.values())) for i in [c for c, t in before.items() if t == kind][:3]
    ]
    if not wanted:
        not_tested("no client is connected")
    params = {"id": ",".join(wanted)}
    types = None
    if type_value:
        params["type"], types = type_value, tuple(type_value.split(","))
    got = detailed(rs_api, rs_expect, params, ids=set(wanted), types=types)
    after = listed(rs_api, rs_expect)
    kept = {i: t for i, t in stable(before, after).items() if i in wanted and (types is None or t in types)}
    expect_present(kept, got, "get_connected_clients with their ids")


@pytest.mark.req("CMD-GCC-004", "CMD-GCC-003")
def test_connected_clients_take_100_ids(rs_api, rs_expect):
    ids = padded_ids(list(listed(rs_api, rs_expect)), MAX_IDS)
    detailed(rs_api, rs_expect, {"id": ",".join(ids)}, ids=set(ids))


@pytest.mark.req("CMD-GCC-005", "CMD-GEN-014")
def test_connected_clients_refuse_101_ids(rs_api, rs_expect):
    ids = padded_ids(list(listed(rs_api, rs_expect)), MAX_IDS + 1)
    answer = rs_api.command("get_connected_clients", {"id": ",".join(ids)})
    if error_or_answer(answer, rs_expect, "connected_clients") is None:
        warn(f"{MAX_IDS + 1} ids were answered although a maximum of {MAX_IDS} is supported")


@pytest.mark.req("CMD-GCC-006", "CMD-GCC-008", "CMD-GCC-010", "CMD-GCC-011")
def test_connected_clients_with_connections(rs_api, rs_expect):
    known = appliances(command_ok(rs_api.command("get_appliances"), rs_expect, "appliances"))
    detailed(
        rs_api,
        rs_expect,
        {"include_connections": "1"},
        connections=True,
        appliance_ids=set(known),
        in_cluster=clustered(known),
    )


@pytest.mark.req("CMD-GCC-007")
def test_include_connections_0_is_without_connections(rs_api, rs_expect):
    detailed(rs_api, rs_expect, {"include_connections": "0"}, unasked_req="CMD-GCC-007")
