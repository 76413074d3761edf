"""Malformed and hostile requests to every endpoint of the embedded appliance: never a 500, never a stack
trace, never a hang; the appliance keeps answering afterwards. Hypothesis draws parameter names from each
API's vocabulary (so requests get past the first checks) and values from hostile text."""

from __future__ import annotations

import itertools
import socket
import string
import time

import httpx
import pytest
from conftest import bearer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.appliance import server
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.reporting import REPORTS
from harness.catalogue.commands import COMMAND_ACTIONS, COMMANDS

# The command API's parameter names from the catalogue, a custom field of each family, and names of no action.
COMMAND_VOCABULARY = [
    "action",
    *sorted({n for a in COMMAND_ACTIONS for n in (*a.required, *a.optional, *itertools.chain(*a.one_of))}),
    *sorted({f"{prefix}custom_field1" for a in COMMAND_ACTIONS for prefix in a.families}),
    "hostname", "jump_group", "shortcut",
]  # fmt: skip
VOCABULARY = {
    "/api/command": COMMAND_VOCABULARY,
    "/api/reporting": [
        "generate_report", "start_date", "end_date", "start_time", "end_time", "duration", "lsid", "lsids",
        "limit", "report_type", "id", "site_id", "team_id", "group_by", "date", "type", "index", "instance",
        "download", "view", "sessions",
    ],
    "/api/client_script": ["type", "operation", "action", "search_string", "client.hostname", "session.custom.x"],
    "/api/start_session": [
        "id", "name", "short_key", "issue_menu", "codeName", "c2cjs", "customer.name", "customer.details",
        "locale", "platform", "timezone_offset", "session.priority", "session.skills", "session.custom.x",
    ],
    "/oauth2/token": ["grant_type", "scope", "client_id"],
    "/check_health": ["x"],
    "/api/backup": ["x"],
    "/api/config/v1/jump-group": ["per_page", "current_page", "name", "code_name"],
    "/api/config/v1/user/1": ["username", "per_page"],
    "/nw": ["x"],
    "/session_download": ["lsid", "dl_action", "sessionType", "instance", "view"],
    "/api/start_session.js": ["x"],
    "/": ["ak"],
}  # fmt: skip
CHOSEN = {
    "action": sorted(COMMANDS) + ["", "GET_API_INFO"],
    "generate_report": sorted(REPORTS) + [""],
    "type": ["rep", "web_console", "support", "state", "event", "all"],
    "dl_action": ["chat", "recording", "show_my_screen", "command_shell"],
    "sessionType": ["sd", "pres"],
    "operation": ["generate", "execute"],
}
HOSTILE = [
    "", " ", "0", "-1", "1", "3", "99999999999999999999999", "1e308", "NaN", "rep:1", "team:", "rep_username:",
    "issue:", "c69a8e10bea9428f816cfababe9815fe", "%00", "\x00", "\ud7ff", "😀" * 300, "a" * 5000,
    "<x>&amp;</x>", "'; DROP TABLE hist_support_session; --", "../../etc/passwd", "2016-02-30", "all",
]  # fmt: skip
TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=64), st.text(string.digits + ":-,", max_size=24))


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    appliance = Appliance(ApplianceConfig(tmp_path_factory.mktemp("fuzz"), seed=1))
    appliance.world.login(1)
    with server.running(appliance) as url:
        token = bearer(url, appliance.account("full"))["Authorization"].removeprefix("Bearer ")
        with httpx.Client(base_url=url, timeout=30) as client:
            yield client, token


def params_for(path: str):
    names = VOCABULARY[path]
    value = st.deferred(lambda: TEXT)
    pair = st.sampled_from(names).flatmap(
        lambda name: st.tuples(st.just(name), st.sampled_from(CHOSEN[name]) if name in CHOSEN else value)
    )
    return st.lists(pair, max_size=8)


def check(response: httpx.Response) -> None:
    assert response.status_code < 500 or (
        response.status_code == 500 and response.request.url.path == "/check_health"
    ), response.text[:300]
    body = response.content.lower()
    assert b"traceback" not in body and b'file "/' not in body, response.text[:300]


@pytest.mark.parametrize("path", sorted(VOCABULARY))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_request_breaks_an_endpoint(served, path, data) -> None:
    client, token = served
    params = data.draw(params_for(path), label="params")
    method = data.draw(st.sampled_from(["GET", "POST", "PUT", "DELETE"]), label="method")
    headers = data.draw(
        st.sampled_from(
            [
                {"Authorization": f"Bearer {token}"},
                {"Authorization": "Bearer " + "x" * 40},
                {"Authorization": "Basic Og=="},
                {},
            ]
        ),
        label="headers",
    )
    how = data.draw(st.sampled_from(["query", "form", "raw"]), label="how")
    try:
        if how == "query" or method in ("GET", "DELETE"):
            response = client.request(method, path, params=params, headers=headers)
        elif how == "form":
            response = client.request(method, path, data=dict(params), headers=headers)
        else:
            raw = data.draw(st.binary(max_size=512), label="body")
            content_type = data.draw(
                st.sampled_from(
                    ["application/x-www-form-urlencoded", "application/json", "multipart/form-data"]
                )
            )
            response = client.request(
                method, path, content=raw, headers={**headers, "Content-Type": content_type}
            )
    except httpx.InvalidURL:  # a value httpx itself refuses to send (e.g. a lone surrogate): nothing sent
        return
    check(response)


def test_the_appliance_still_answers_after_the_storm(served) -> None:
    client, token = served
    response = client.get(
        "/api/command", params={"action": "get_api_info"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and b"<api_information" in response.content


@pytest.mark.parametrize(
    "status, body, ok",
    [
        (200, b"<success/>", True),
        (404, b"not found", True),
        (500, b'{"error": "server_error"}', False),
        (400, b'Traceback (most recent call last):\n  File "/x.py", line 1', False),
    ],
)
def test_the_check_itself_fails_on_a_500_or_a_stack_trace(status, body, ok) -> None:
    response = httpx.Response(status, content=body, request=httpx.Request("GET", "http://x/api/command"))
    if ok:
        check(response)
    else:
        with pytest.raises(AssertionError):
            check(response)


@pytest.mark.parametrize("path", ["/api/command", "/api/reporting", "/api/start_session"])
def test_a_body_cut_short_is_no_server_error(served, path, caplog) -> None:
    """A client that promises more body than it sends, then stops: a 4xx or nothing, never an error."""
    client, token = served
    with socket.create_connection((client.base_url.host, client.base_url.port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\naction=get_api_info".encode()
        )
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert not answer.startswith(b"HTTP/1.1 5"), answer[:200]
    time.sleep(0.3)  # the server notices the disconnection after the socket closes: let it finish
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
