"""The simulation driver: deterministic under its seed, consistent between the live model, World and the
history, visible through the APIs, and harmless when API clients act on the same sessions."""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
import time

import httpx
import pytest
from conftest import bearer
from websockets.asyncio.client import connect

from harness.appliance import server
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.clock import ManualClock
from harness.appliance.simulation import Simulation
from harness.appliance.state import realtime_row
from harness.validate import validate

NOW = 1_700_000_000.0


def run(tmp_path, seed: int, steps: int = 300) -> Appliance:
    appliance = Appliance(ApplianceConfig(tmp_path, seed=seed), clock=ManualClock(NOW))
    sim = Simulation(appliance)
    sim.warm_up()
    for _ in range(steps):
        appliance.clock.advance(7)
        sim.step()
    return appliance


def story(appliance: Appliance) -> tuple:
    """What happened: the history's sessions and events, and the live model now."""
    conn = sqlite3.connect(appliance.db_path)
    sessions = conn.execute(
        "SELECT lsid, start_ts, end_ts FROM hist_support_session WHERE start_ts >= ? ORDER BY lsid", (NOW,)
    ).fetchall()
    events = conn.execute(
        "SELECT lsid, seq, ts, event_type, payload FROM hist_session_event ORDER BY lsid, seq"
    ).fetchall()
    return sessions, events, appliance.state.snapshot()


def test_the_same_seed_tells_the_same_story_and_another_seed_another(tmp_path) -> None:
    first, again, other = run(tmp_path / "a", 3), run(tmp_path / "b", 3), run(tmp_path / "c", 4)
    assert story(first) == story(again)
    assert story(first)[0] != story(other)[0]


def test_a_long_run_starts_ends_and_surveys_sessions_by_every_method(tmp_path) -> None:
    appliance = run(tmp_path, 11, steps=1500)
    conn = sqlite3.connect(appliance.db_path)
    ended = conn.execute(
        "SELECT COUNT(*) FROM hist_support_session WHERE start_ts >= ? AND end_ts IS NOT NULL", (NOW,)
    ).fetchone()[0]
    assert ended >= 20
    kinds = {k for (k,) in conn.execute("SELECT DISTINCT kind FROM hist_survey")}
    assert kinds == {"cust", "rep"}
    events = {e for (e,) in conn.execute("SELECT DISTINCT event_type FROM hist_session_event")}
    assert {"Session Start", "Conference Member Added", "Chat Message", "Session End"} <= events
    methods = {row["start_method"] for row in appliance.state.rows("support_session").values()}
    methods |= {m for (m,) in conn.execute("SELECT DISTINCT start_method FROM hist_support_session")}
    assert {"session_key", "rep_list", "issue_submission", "local_jump", "shell_jump"} <= methods


def assert_consistent(appliance: Appliance) -> None:
    """World's bookkeeping and the live model tell the same story."""
    world, state = appliance.world, appliance.state
    reps = state.rows("representative")
    assert sorted(r["user_id"] for r in reps.values()) == sorted(world.logged_in)
    sessions = state.rows("support_session")
    assert sorted(s["lsid"] for s in sessions.values()) == sorted(world.sessions)
    links = state.rows("representative_support_session")
    for active in world.sessions.values():
        linked = {
            reps[link["representative_id"]]["user_id"]
            for link in links.values()
            if link["support_session_id"] == active.row
        }
        assert linked == active.in_session
        if active.owner is not None:
            assert sessions[active.row]["queue_id"] == world.logged_in[active.owner].queue_row


def test_world_and_the_live_model_agree_after_every_step(tmp_path) -> None:
    appliance = Appliance(ApplianceConfig(tmp_path, seed=5), clock=ManualClock(NOW))
    sim = Simulation(appliance)
    sim.warm_up()
    for _ in range(400):
        appliance.clock.advance(5)
        sim.step()
        assert_consistent(appliance)


def test_an_api_client_and_the_driver_can_act_on_the_same_sessions(tmp_path) -> None:
    appliance = Appliance(ApplianceConfig(tmp_path, seed=9), clock=ManualClock(NOW))
    world, sim = appliance.world, Simulation(appliance)
    sim.warm_up()
    terminated = 0
    for n in range(300):
        appliance.clock.advance(5)
        if n % 7 == 0 and world.sessions:
            world.terminate(min(world.sessions))  # as terminate_session would, under the driver's feet
            terminated += 1
        if n % 11 == 0 and world.logged_in.keys() - {1}:
            world.logout(max(world.logged_in))  # and a representative logging out mid-session
        sim.step()
        assert_consistent(appliance)
    assert terminated > 10


def test_served_with_the_driver_the_appliance_lives_and_reports_it(tmp_path) -> None:
    appliance = Appliance(ApplianceConfig(tmp_path, seed=2, speed=500.0, simulate=True))  # a step every 4 ms
    with server.running(appliance) as url:
        deadline = time.monotonic() + 60
        conn = sqlite3.connect(appliance.db_path)
        query = "SELECT COUNT(*) FROM hist_support_session WHERE end_ts >= ?"
        while conn.execute(query, (NOW,)).fetchone()[0] < 3:
            assert time.monotonic() < deadline, "the driver ended no session"
            time.sleep(0.05)
        response = httpx.get(
            f"{url}/api/reporting",
            params={"generate_report": "SupportSessionListing", "start_time": int(NOW), "duration": 0},
            headers=bearer(url, appliance.account("full")),
        )
        result = validate(io.BytesIO(response.content))
        assert result.status == "valid", result.errors
        assert response.content.count(b"<session_summary ") >= 3
    assert not appliance.services[0]._thread.is_alive()


@pytest.mark.parametrize("speed", [0.0, -3.0])
def test_a_non_positive_speed_does_not_divide_by_zero(tmp_path, speed) -> None:
    appliance = Appliance(ApplianceConfig(tmp_path, speed=speed), clock=ManualClock(NOW))
    assert Simulation(appliance).speed > 0


def apply(replica: dict, message: dict) -> None:
    """A real-time message applied to a replica, as the guide tells integrations to."""
    if message["type"] == "truncate_model":
        replica.clear()
    for table, rows in message.get("insert", {}).items():
        replica.setdefault(table, {}).update(rows)
    for table, rows in message.get("update", {}).items():
        for i, row in rows.items():
            replica[table][i].update(row)
    for table, ids in message.get("delete", {}).items():
        for i in ids:
            del replica[table][i]


def test_a_real_time_replica_follows_the_simulation(tmp_path) -> None:
    """An integration subscribed over /nw while the driver runs rebuilds exactly the live model."""
    appliance = Appliance(ApplianceConfig(tmp_path, seed=8, speed=300.0, simulate=True))
    bearer = appliance.tokens.issue(appliance.account("real_time_only").client_id).value

    async def follow(url: str) -> dict:
        replica: dict[str, dict] = {}
        async with connect(url, subprotocols=["ingredi%20state%20api"], open_timeout=10) as ws:
            hello = {"type": "authenticate", "credentials": {"bearer_token": bearer}}
            await ws.send(
                json.dumps(hello) + "\n" + json.dumps({"type": "subscribe", "tables": "all"}) + "\n"
            )
            buffer, updates, marker = b"", 0, None
            while marker is None or str(marker) not in replica.get("queue", {}):
                buffer += await asyncio.wait_for(ws.recv(), 10)
                while b"\n" in buffer:
                    line, _, buffer = buffer.partition(b"\n")
                    message = json.loads(line)
                    apply(replica, message)
                    updates += message["type"] == "model_update"
                if updates >= 60 and marker is None:  # enough of the driver's changes: stop it, then drain
                    appliance.services[0].stop()
                    marker = appliance.state.insert("queue", {"name": "marker", "type": "prewait"})
        return replica

    with server.running(appliance) as base:
        replica = asyncio.run(follow("ws" + base.removeprefix("http") + "/nw"))
    snapshot = appliance.state.snapshot()  # as the real-time API shows it: no archive-only fields
    model = {t: {str(i): realtime_row(t, row) for i, row in rows.items()} for t, rows in snapshot.items()}
    assert {t: rows for t, rows in replica.items() if rows} == {t: rows for t, rows in model.items() if rows}
