"""Session generation of the embedded appliance (/api/start_session, the key URL, start_session.js), over
real HTTP: every query example of the guide's "Session Generation API", each start method into the right
queue of the live model with the right fields, the limits on both sides, click-to-chat, errors, hostile input.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.appliance import directory
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.clock import ManualClock
from harness.appliance.server import running
from harness.appliance.world import GUIDE_SHORT_KEY, Target

# "Query Examples" of the guide's Session Generation API, as printed; and what each must start.
GUIDE_QUERY_EXAMPLES = {
    "specific representative": ("id=1&name=Admin", "rep_list"),
    "session key": ("short_key=1234567&session.custom.external_key=1234", "session_key"),
    "issue id": (
        (
            "issue_menu=1&customer.name=John%20Doe&customer.company=Company%20Name&customer.company_code=1234"
            "&customer.details=I%20need%20support&id=1&session.custom.external_key=1234"
            "&session.custom.custom_field1=Custom%20Value"
        ),
        "issue_submission",
    ),
    "issue code name": (
        (
            "issue_menu=1&customer.name=John%20Doe&customer.company=Company%20Name&customer.company_code=1234"
            "&customer.details=I%20need%20support&codeName=issue_code_name&session.custom.external_key=1234"
            "&session.custom.custom_field1=Custom%20Value"
        ),
        "issue_submission",
    ),
    "issue id, skills and priority": (
        (
            "issue_menu=1&customer.name=John%20Doe&customer.company=Company%20Name"
            "&customer.details=I%20need%20support&id=1&session.priority=1&session.skills=codename1,codename2"
        ),
        "issue_submission",
    ),
    "locale": ("id=1&name=Admin&locale=en-us", "rep_list"),
    "platform": ("id=1&name=Admin&platform=winNT-32", "rep_list"),
    "timezone offset": ("id=1&name=Admin&timezone_offset=-300", "rep_list"),
    # "Start Sessions with External Keys": the request the issue submission survey generates.
    "external key survey": (
        (
            "issue_menu=1&customer.name=John%20Doe&customer.company=Company%20Name&customer.company_code=1234"
            "&customer.details=I%20need%20support&id=1&session.custom.external_key=1234"
        ),
        "issue_submission",
    ),
}

FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    appliance = Appliance(ApplianceConfig(tmp_path_factory.mktemp("appliance")))
    appliance.world.login(1)  # the guide's examples start sessions with representative 1, "Admin"
    with running(appliance) as url:
        yield appliance, url


def lsid_of(r: httpx.Response) -> str:
    if r.headers["content-type"] == "application/octet-stream":
        found = re.search(rb"\nlsid: ([0-9a-f]{32})\n", r.content)
    else:
        found = re.search(rb'data-lsid="([0-9a-f]{32})"', r.content)
    assert found, r.text
    return found.group(1).decode()


def live(appliance, lsid: str) -> dict:
    """The session as the live model holds it: its row, attributes, skills and customer client."""
    state = appliance.state
    row_id, row = next((i, s) for i, s in state.rows("support_session").items() if s["lsid"] == lsid)

    def of(table: str) -> list[dict]:
        return [r for r in state.rows(table).values() if r["support_session_id"] == row_id]

    (client,) = of("customer_client")
    return {
        "session": row,
        "attributes": {a["code_name"]: a["value"] for a in of("support_session_attribute")},
        "skills": sorted(s["code_name"] for s in of("support_session_skill")),
        "client": client,
        "active": appliance.world.sessions[lsid],
    }


def assert_download(r: httpx.Response, platform: str = "winNT-64") -> None:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/octet-stream"
    disposition = r.headers["content-disposition"]
    assert re.fullmatch(rf'attachment; filename="bomgar-scc-{platform}-[0-9a-f]{{12}}\.exe"', disposition)
    assert r.content.startswith(b"MZ") and f"platform: {platform}".encode() in r.content


def assert_refused(r: httpx.Response, status: int, message: str) -> None:
    assert r.status_code == status, (r.status_code, r.text)
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-disposition" not in r.headers
    assert "<h1>Unable to start a session</h1>" in r.text and message in r.text, r.text


def refused_without_session(appliance, request, status: int, message: str) -> None:
    before = set(appliance.world.sessions)
    assert_refused(request(), status, message)
    assert set(appliance.world.sessions) == before


# --- the guide's examples ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GUIDE_QUERY_EXAMPLES)
def test_every_guide_query_example_answers_the_client_download(served, name) -> None:
    appliance, url = served
    query, method = GUIDE_QUERY_EXAMPLES[name]
    r = httpx.get(f"{url}/api/start_session?{query}")
    assert_download(r, "winNT-32" if "platform=winNT-32" in query else "winNT-64")
    got = live(appliance, lsid_of(r))
    assert got["session"]["start_method"] == method
    assert got["client"]["client_type"] == "desktop"
    params = dict(parse_qsl(query))
    assert got["active"].external_key == params.get("session.custom.external_key", "")
    if "session.custom.custom_field1" in params:
        assert got["attributes"] == {"custom_field1": "Custom Value"}
    if "customer.name" in params:
        assert got["session"]["customer_name"] == "John Doe"
        assert got["session"]["customer_description"] == "I need support"
    if "session.skills" in params:
        assert got["session"]["priority"] == 1 and got["skills"] == ["codename1", "codename2"]


def test_the_representative_example_needs_admin_logged_in_and_listed(tmp_path) -> None:
    appliance = Appliance(ApplianceConfig(tmp_path / "data"))
    with running(appliance) as url:
        example = f"{url}/api/start_session?id=1&name=Admin"
        refused_without_session(
            appliance, lambda: httpx.get(example), 404, "Admin is not available: not logged in"
        )
        appliance.world.login(1, showing_on_rep_list=False)
        refused_without_session(
            appliance, lambda: httpx.get(example), 404, "not available on the representative list"
        )
        appliance.world.logged_in[1].showing_on_rep_list = True
        assert_download(httpx.get(example))


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_session_key_forms_of_the_guide(served, method) -> None:
    # "Start Sessions with Session Key Acceptance": a form with short_key (and an optional external key).
    appliance, url = served
    for form in (
        {"short_key": GUIDE_SHORT_KEY},
        {"short_key": GUIDE_SHORT_KEY, "session.custom.external_key": "T-9"},
    ):
        if method == "get":
            r = httpx.get(f"{url}/api/start_session", params=form)
        else:
            r = httpx.post(f"{url}/api/start_session", data=form)
        assert_download(r)
        got = live(appliance, lsid_of(r))
        assert got["session"]["start_method"] == "session_key"
        assert got["active"].external_key == form.get("session.custom.external_key", "")
    refused = httpx.request(method, f"{url}/api/start_session", params={"short_key": "7654321"})
    assert_refused(refused, 404, "is not valid or has expired")


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_deprecated_ns_url_starts_sessions_too(served, method) -> None:
    # API change log 1.12.0: start_session.ns "is still available for backward compatibility".
    appliance, url = served
    r = httpx.request(method, f"{url}/api/start_session.ns", params={"short_key": GUIDE_SHORT_KEY})
    assert_download(r)
    assert live(appliance, lsid_of(r))["session"]["start_method"] == "session_key"
    assert_refused(
        httpx.get(f"{url}/api/start_session.ns", params={"short_key": "7654321"}), 404, "has expired"
    )


# --- the three start methods -------------------------------------------------------------------------------


def test_a_representative_session_waits_in_their_personal_queue_with_the_customer(served) -> None:
    appliance, url = served
    form = {
        "id": "1", "name": "Admin", "customer.name": "Zoë Ågren", "customer.company": "Acme",
        "customer.company_code": "AC-1", "customer.details": "Printer\nis on fire", "session.priority": "3",
        "session.skills": "windows, macos,,windows", "session.custom.asset_tag": "A-77",
    }  # fmt: skip
    r = httpx.post(f"{url}/api/start_session", data=form)
    assert_download(r)
    got = live(appliance, lsid_of(r))
    session = got["session"]
    assert session["start_method"] == "rep_list"
    assert session["queue_id"] == appliance.world.logged_in[1].queue_row
    assert "primary_team_queue_id" not in session and "issue_code_name" not in session
    assert (session["customer_name"], session["customer_company"], session["customer_company_code"]) == (
        "Zoë Ågren", "Acme", "AC-1",
    )  # fmt: skip
    assert session["customer_description"] == "Printer\nis on fire"
    assert session["priority"] == 3 and got["skills"] == ["macos", "windows"]
    assert got["attributes"] == {"asset_tag": "A-77"} and got["active"].external_key == ""
    assert (session["public_site_id"], session["public_site_name"]) == (1, "Default")
    assert got["client"]["client_type"] == "desktop"
    assert got["client"]["operating_system"] == "Windows 10 Enterprise x64 Edition"


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("id=1&name=admin", 404, "No representative with the ID 1 and the name &#x27;admin&#x27;"),
        ("id=1&name=John", 404, "No representative with the ID 1"),
        ("id=99&name=Admin", 404, "No representative with the ID 99"),
        ("id=3&name=Alex", 404, "Alex is not available: not logged in"),
        ("id=4&name=Alex%20K.", 404, "not logged in"),  # locked out
        ("id=one&name=Admin", 400, "The representative id must be a number"),
        ("id=%D9%A1&name=Admin", 400, "must be a number"),  # an Arabic-Indic digit one is not an id
        ("id=1", 400, "needs both id and name"),
        ("name=Admin", 400, "needs both id and name"),
        ("id=&name=", 400, "must be a number"),
    ],
)
def test_a_representative_must_be_named_rightly_and_available(served, query, status, message) -> None:
    appliance, url = served
    refused_without_session(appliance, lambda: httpx.get(f"{url}/api/start_session?{query}"), status, message)


def test_a_session_key_session_goes_where_the_key_targets(served) -> None:
    appliance, url = served
    world = appliance.world
    team_key = world.generate_key(Target("team", 2))
    r = httpx.get(f"{url}/api/start_session", params={"short_key": team_key.short_key})
    assert_download(r)
    got = live(appliance, lsid_of(r))
    assert got["session"]["start_method"] == "session_key"
    assert got["session"]["queue_id"] == got["session"]["primary_team_queue_id"] == world.team_queues[2]
    rep_key = world.generate_key(Target("rep", 3))  # Alex is not logged in: the session waits for him
    r = httpx.get(f"{url}/api/start_session", params={"short_key": f" {rep_key.short_key} "})
    got = live(appliance, lsid_of(r))
    personal = appliance.state.get("queue", got["session"]["queue_id"])
    assert personal == {**personal, "type": "personal", "name": "Alex"}
    issue_key = world.generate_key(world.resolve("issue:vpn"))
    got = live(appliance, lsid_of(httpx.get(f"{url}/api/start_session?short_key={issue_key.short_key}")))
    assert got["session"]["queue_id"] == world.team_queues[2] and got["session"]["issue_code_name"] == "vpn"
    assert got["session"]["priority"] == 1 and got["skills"] == ["networking"]


def test_an_expired_session_key_starts_nothing(tmp_path) -> None:
    clock = ManualClock()
    appliance = Appliance(ApplianceConfig(tmp_path / "data"), clock=clock)
    with running(appliance) as url:
        key = appliance.world.generate_key(Target("team", 1), ttl=60)
        clock.advance(59)
        for path in (f"/api/start_session?short_key={key.short_key}", f"/?ak={key.access_key}"):
            assert_download(httpx.get(url + path))
        clock.advance(1)
        refused_without_session(
            appliance, lambda: httpx.get(f"{url}/api/start_session?short_key={key.short_key}"), 404,
            f"The session key &#x27;{key.short_key}&#x27; is not valid or has expired",
        )  # fmt: skip
        refused_without_session(
            appliance,
            lambda: httpx.get(f"{url}/?ak={key.access_key}"),
            404,
            "link is not valid or has expired",
        )
        clock.advance(10 * directory.SESSION_KEY_MAX_TTL)  # the guide's example key stands for a fresh one
        assert_download(httpx.get(f"{url}/api/start_session?short_key={GUIDE_SHORT_KEY}"))


def test_the_key_url_starts_the_session_on_the_url_hostname_site(served) -> None:
    appliance, url = served
    world = appliance.world
    for hostname, site in (("partners.localhost", (2, "Partners")), (None, (1, "Default"))):
        key = world.generate_key(Target("team", 1), url_hostname=hostname, fields={"external_key": "T-1"})
        parts = urlsplit(key.key_url)
        assert parts.scheme == "https" and parts.path == "/" and parts.query == f"ak={key.access_key}"
        r = httpx.get(f"{url}/?{parts.query}", headers={"Host": "localhost"})  # whichever host serves it
        assert_download(r)
        got = live(appliance, lsid_of(r))
        assert (got["session"]["public_site_id"], got["session"]["public_site_name"]) == site
        assert got["session"]["start_method"] == "session_key" and got["active"].external_key == "T-1"
    r = httpx.post(f"{url}/", data={"ak": key.access_key, "c2cjs": "1", "customer.name": "Via Form"})
    got = live(appliance, lsid_of(r))
    assert got["client"]["client_type"] == "web_chat" and got["session"]["customer_name"] == "Via Form"
    refused_without_session(appliance, lambda: httpx.get(f"{url}/?ak=0123abcd"), 404, "link is not valid")
    refused_without_session(appliance, lambda: httpx.get(f"{url}/?ak="), 404, "link is not valid")
    refused_without_session(
        appliance, lambda: httpx.get(f"{url}/?ak={key.access_key}&short_key={GUIDE_SHORT_KEY}"), 400,
        "Use one start method, not the session key URL (ak) and a session key (short_key)",
    )  # fmt: skip


def test_the_public_site_page_without_ak_starts_nothing(served) -> None:
    appliance, url = served
    before = set(appliance.world.sessions)
    r = httpx.get(f"{url}/")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert '<form action="/api/start_session" method="get">' in r.text and 'name="short_key"' in r.text
    assert '<a href="/api/start_session?id=1&amp;name=Admin">Admin</a>' in r.text
    assert 'name="issue_menu" value="1"' in r.text and '<option value="issue_code_name">' in r.text
    assert set(appliance.world.sessions) == before
    appliance.world.login(8, showing_on_rep_list=False)  # logged in but hidden: not listed
    assert "Chris" not in httpx.get(f"{url}/").text


def test_generate_session_key_values_yield_to_start_session_values(served) -> None:
    appliance, url = served
    key = appliance.world.generate_key(
        Target("team", 1), priority=3, skills=("windows",),
        fields={"external_key": "from-key", "custom_field1": "key 1", "custom_field2": "key 2"},
    )  # fmt: skip
    plain = live(appliance, lsid_of(httpx.get(f"{url}/api/start_session?short_key={key.short_key}")))
    assert plain["active"].external_key == "from-key" and plain["session"]["priority"] == 3
    assert plain["attributes"] == {"custom_field1": "key 1", "custom_field2": "key 2"}
    assert plain["skills"] == ["windows"]
    form = {
        "short_key": key.short_key, "session.custom.external_key": "from-start",
        "session.custom.custom_field1": "start 1", "session.priority": "1", "session.skills": "codename1",
        "session.custom.custom_field2": "",
    }  # fmt: skip
    over = live(appliance, lsid_of(httpx.post(f"{url}/api/start_session", data=form)))
    assert over["active"].external_key == "from-start" and over["session"]["priority"] == 1
    # An empty value is "not given": the key's custom_field2 stays.
    assert over["attributes"] == {"custom_field1": "start 1", "custom_field2": "key 2"}
    assert over["skills"] == ["codename1"]


@pytest.mark.parametrize(
    ("issue_param", "issue"),
    [("id=4", "vpn"), ("codeName=vpn", "vpn"), ("id=2", "password_reset"), ("codeName=printer", "printer")],
)
def test_an_issue_session_waits_in_the_issue_team_queue_with_its_priority_and_skills(
    served, issue_param, issue
) -> None:
    appliance, url = served
    expected = directory.issue_named(issue)
    got = live(appliance, lsid_of(httpx.get(f"{url}/api/start_session?issue_menu=1&{issue_param}")))
    session = got["session"]
    assert session["start_method"] == "issue_submission"
    assert (
        session["queue_id"]
        == session["primary_team_queue_id"]
        == appliance.world.team_queues[expected.team_id]
    )
    assert (session["issue_code_name"], session["issue_description"]) == (issue, expected.title)
    assert session["priority"] == expected.priority and got["skills"] == sorted(expected.skills)
    # "The priority [skills] set by the API overrides the priority [skills] already set for the selected
    # issue"
    query = f"issue_menu=1&{issue_param}&session.priority=2&session.skills=codename2"
    got = live(appliance, lsid_of(httpx.get(f"{url}/api/start_session?{query}")))
    assert got["session"]["priority"] == 2 and got["skills"] == ["codename2"]


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("issue_menu=1&id=1&codeName=other", 400, "Use either codeName or id for the issue, not both"),
        ("issue_menu=1", 400, "issue_menu=1 needs the issue&#x27;s id or codeName"),
        ("issue_menu=0&id=1", 400, "issue_menu must be 1"),
        ("codeName=other", 400, "issue_menu must be 1"),
        ("issue_menu=1&id=99", 404, "No issue with the ID 99"),
        ("issue_menu=1&codeName=Other", 404, "No issue with the code name &#x27;Other&#x27;"),
        ("issue_menu=1&id=x1", 400, "The issue id must be a number"),
        ("issue_menu=1&id=%D9%A1", 400, "The issue id must be a number"),  # an Arabic-Indic digit one
        ("issue_menu=1&id=-1", 400, "The issue id must be a number"),
        ("issue_menu=1&id=1&short_key=1234567", 400, "Use one start method"),
        ("", 400, "No start method"),
        ("customer.name=Bob&locale=de", 400, "No start method"),
    ],
)
def test_issue_submission_and_start_method_errors(served, query, status, message) -> None:
    appliance, url = served
    refused_without_session(appliance, lambda: httpx.get(f"{url}/api/start_session?{query}"), status, message)


def test_with_issue_menu_id_is_an_issue_and_name_is_ignored(served) -> None:
    # "Display Reps in Issues Menu" is off: id=2 is issue 2 (password_reset), not representative 2 (John).
    appliance, url = served
    got = live(appliance, lsid_of(httpx.get(f"{url}/api/start_session?issue_menu=1&id=2&name=John")))
    assert got["session"]["issue_code_name"] == "password_reset"


# --- optional parameters and their limits ------------------------------------------------------------------

FOUR_FIELDS = {"external_key": "€" * 1024, "custom_field1": "€" * 1024, "custom_field2": "€" * 1024}

# (parameters, what the accepted value must have become | the refusal's message)
LIMITS = {
    "customer.name": (
        {"customer.name": "n" * 100},
        {"customer.name": "n" * 101},
        "longer than 100 characters",
    ),
    "customer.name chars": ({"customer.name": "ü" * 100}, {"customer.name": "ü" * 101}, "longer than 100"),
    "customer.company": ({"customer.company": "c" * 100}, {"customer.company": "c" * 101}, "longer than 100"),
    "customer.company_code": (
        {"customer.company_code": "9" * 100},
        {"customer.company_code": "9" * 101},
        "longer than 100",
    ),
    "customer.details": ({"customer.details": "d" * 1024}, {"customer.details": "d" * 1025}, "1024 bytes"),
    "customer.details bytes": (
        {"customer.details": "é" * 512},
        {"customer.details": "é" * 512 + "x"},
        "1024 bytes",
    ),
    "external_key": (
        {"session.custom.external_key": "k" * 1024},
        {"session.custom.external_key": "k" * 1025},
        "external_key exceeds the maximum length of 1024 characters",
    ),
    "custom field": (
        {"session.custom.custom_field1": "€" * 1024},
        {"session.custom.custom_field1": "€" * 1025},
        "custom_field1 exceeds the maximum length",
    ),
    "custom fields 10KB": (  # 3 x 3072 bytes + 1024 = 10240 bytes, then one byte more
        {
            **{f"session.custom.{k}": v for k, v in FOUR_FIELDS.items()},
            "session.custom.asset_tag": "a" * 1024,
        },
        {
            **{f"session.custom.{k}": v for k, v in FOUR_FIELDS.items()},
            "session.custom.asset_tag": "a" * 1023 + "é",
        },
        "exceeds 10KB",
    ),
    "unknown custom field": (
        {"session.custom.asset_tag": "x"},
        {"session.custom.colour": "x"},
        "Unknown custom field",
    ),
    "priority low": (
        {"session.priority": "1"},
        {"session.priority": "0"},
        "session.priority must be 1 (high), 2 (medium) or 3 (low)",
    ),
    "priority high": (
        {"session.priority": "3"},
        {"session.priority": "4"},
        "session.priority must be 1 (high), 2 (medium) or 3 (low)",
    ),
    "priority integer": ({"session.priority": "2"}, {"session.priority": "high"}, "must be an integer"),
    "skills": (
        {"session.skills": "codename1,codename2"},
        {"session.skills": "codename1,cooking"},
        "Unknown skill",
    ),
    "timezone west": ({"timezone_offset": "-720"}, {"timezone_offset": "-721"}, "between -720 and 840"),
    "timezone east": ({"timezone_offset": "+840"}, {"timezone_offset": "841"}, "between -720 and 840"),
    "timezone integer": ({"timezone_offset": "0"}, {"timezone_offset": "-5h"}, "must be an integer"),
    "platform": ({"platform": "winNT-32"}, {"platform": "winNT-16"}, "platform must be winNT-32 or winNT-64"),
    "platform case": ({"platform": "winNT-64"}, {"platform": "winnt-64"}, "platform must be"),
    "c2cjs": ({"c2cjs": "0"}, {"c2cjs": "yes"}, "c2cjs must be an integer"),
    "chat_locale": ({"chat_locale": "cs-cs"}, {"chat_locale": "cs cs"}, "chat_locale must be a language tag"),
    "chat_locale length": (
        {"chat_locale": "a" * 8 + "-b" * 13},
        {"chat_locale": "a" * 8 + "-b" * 14},
        "language tag",
    ),
}


def _stored(got: dict, params: dict[str, str]) -> None:
    session, active = got["session"], got["active"]
    for name, value in params.items():
        if name.startswith("customer."):
            column = {"details": "customer_description"}.get(name[9:], f"customer_{name[9:]}")
            assert session[column] == value
        elif name == "session.custom.external_key":
            assert active.external_key == value
        elif name.startswith("session.custom."):
            assert got["attributes"][name[15:]] == value
        elif name == "session.priority":
            assert session["priority"] == int(value)
        elif name == "session.skills":
            assert got["skills"] == sorted(value.split(","))


@pytest.mark.parametrize("limit", LIMITS)
def test_each_limit_on_both_sides_of_its_boundary(served, limit) -> None:
    appliance, url = served
    good, bad, message = LIMITS[limit]
    r = httpx.post(f"{url}/api/start_session", data={"id": "1", "name": "Admin", **good})
    assert r.status_code == 200, r.text
    _stored(live(appliance, lsid_of(r)), good)
    refused_without_session(
        appliance,
        lambda: httpx.post(f"{url}/api/start_session", data={"id": "1", "name": "Admin", **bad}),
        400,
        message,
    )  # fmt: skip


def test_click_to_chat_answers_a_page_and_a_web_chat_client(served) -> None:
    appliance, url = served
    appliance.world.login(2)
    # "Click-to-Chat Without Using JavaScript": the guide's id=12&name=John is John's id (2) here.
    r = httpx.get(f"{url}/api/start_session?id=2&name=John&c2cjs=1&locale=de&chat_locale=cs-cs")
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-disposition" not in r.headers
    assert r.text.startswith("<!DOCTYPE html>") and '<html lang="de">' in r.text
    assert 'id="bomgar-c2c"' in r.text and 'data-chat-locale="cs-cs"' in r.text
    got = live(appliance, lsid_of(r))
    assert got["client"]["client_type"] == "web_chat" and got["session"]["start_method"] == "rep_list"
    assert got["session"]["queue_id"] == appliance.world.logged_in[2].queue_row
    for other in ("0", "2", ""):  # only 1 asks for click-to-chat
        r = httpx.get(f"{url}/api/start_session?id=2&name=John&c2cjs={other}")
        assert_download(r)
        assert live(appliance, lsid_of(r))["client"]["client_type"] == "desktop"
    with_key = httpx.get(f"{url}/api/start_session?short_key={GUIDE_SHORT_KEY}&c2cjs=1")
    assert live(appliance, lsid_of(with_key))["client"]["client_type"] == "web_chat"


@pytest.mark.parametrize(
    ("given", "kept"),
    [("de", "de"), ("PT-BR", "pt-br"), ("zh-hans", "zh-hans"), ("xx-yy", "en-us"), ("", "en-us")],
)
def test_locale_is_an_installed_language_or_the_default(served, given, kept) -> None:
    appliance, url = served
    r = httpx.get(f"{url}/api/start_session", params={"id": "1", "name": "Admin", "locale": given})
    assert f"locale: {kept}\n".encode() in r.content
    assert live(appliance, lsid_of(r))["active"].arrival.locale == kept


def test_the_guide_chat_locale_example(served) -> None:
    # Its key 2962035 is the guide's invention; a key generated here stands for it.
    appliance, url = served
    key = appliance.world.generate_key(Target("team", 1))
    assert_download(
        httpx.get(f"{url}/api/start_session?short_key={key.short_key}&locale=en-us&chat_locale=cs-cs")
    )
    assert_refused(
        httpx.get(f"{url}/api/start_session?short_key=2962035&locale=en-us&chat_locale=cs-cs"), 404, ""
    )


def test_platform_names_the_download_and_the_customer_system(served) -> None:
    appliance, url = served
    for platform, system in (
        ("winNT-32", "Windows 10 Enterprise"),
        ("winNT-64", "Windows 10 Enterprise x64 Edition"),
    ):
        r = httpx.get(f"{url}/api/start_session?id=1&name=Admin&platform={platform}")
        assert_download(r, platform)
        assert live(appliance, lsid_of(r))["client"]["operating_system"] == system


@pytest.mark.parametrize(
    ("host", "site"),
    [
        ("partners.localhost", (2, "Partners")),
        ("PARTNERS.LOCALHOST:8443", (2, "Partners")),
        ("localhost", (1, "Default")),
        ("remote.example.com", (1, "Default")),
        ("[::1]:443", (1, "Default")),
    ],
)
def test_the_session_belongs_to_the_public_site_named_by_the_host(served, host, site) -> None:
    appliance, url = served
    r = httpx.get(f"{url}/api/start_session?short_key={GUIDE_SHORT_KEY}", headers={"Host": host})
    got = live(appliance, lsid_of(r))
    assert (got["session"]["public_site_id"], got["session"]["public_site_name"]) == site
    assert f"public site: {site[0]} {site[1]}\n".encode() in r.content


def test_post_takes_query_and_body_and_a_repeated_parameter_keeps_its_first_value(served) -> None:
    appliance, url = served
    r = httpx.post(
        f"{url}/api/start_session?id=1&customer.name=Query",
        content=b"name=Admin&customer.name=Body&session.priority=1&session.priority=3",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    got = live(appliance, lsid_of(r))
    assert got["session"]["customer_name"] == "Query" and got["session"]["priority"] == 1
    r = httpx.get(f"{url}/api/start_session?id=1&name=Admin&customer.name=Ren%C3%A9+M%C3%BCller")
    assert live(appliance, lsid_of(r))["session"]["customer_name"] == "René Müller"


# --- errors and hostile input ------------------------------------------------------------------------------


def test_bad_requests_get_an_html_error_page(served) -> None:
    appliance, url = served
    api = f"{url}/api/start_session"
    cases = [
        (lambda: httpx.post(api, files={"short_key": (None, "1234567")}), 415, "Multipart POST requests"),
        (lambda: httpx.post(api, json={"short_key": "1234567"}), 415, "application/x-www-form-urlencoded"),
        (lambda: httpx.post(api, content=b"x" * ((1 << 20) + 1),
                            headers={"Content-Type": FORM}), 413, "too large"),
        (lambda: httpx.post(api, content=b"short_key=1234567&customer.name=\xff",
                            headers={"Content-Type": FORM}), 400, "not UTF-8"),
        (lambda: httpx.get(f"{api}?short_key=1234567&customer.name=%FF"), 400, "not UTF-8"),
        (lambda: httpx.get(f"{api}?short_key=1234567&customer.name=%ED%A0%80"), 400, "not UTF-8"),
        (lambda: httpx.get(f"{api}?short_key=1234567&customer.name=a%00b"), 400, "contains control chara"),
        (lambda: httpx.get(f"{api}?short_key=1234567&" + "x=1&" * 1001), 400, "Too many parameters"),
        (lambda: httpx.get(f"{api}?short_key="), 400, "short_key is empty"),
        (lambda: httpx.get(f"{api}?short_key=%3Cscript%3E"), 404, "&#x27;&lt;script&gt;&#x27; is not valid"),
        (lambda: httpx.head(f"{api}?short_key=1234567"), 405, ""),
        (lambda: httpx.get(f"{url}/?ak=x&customer.name=%FF"), 400, "not UTF-8"),
    ]  # fmt: skip
    for request, status, message in cases:
        before = set(appliance.world.sessions)
        r = request()
        assert r.status_code == status, (status, message, r.text)
        if r.request.method != "HEAD":
            assert_refused(r, status, message)
        assert set(appliance.world.sessions) == before
    assert httpx.head(f"{api}?short_key=1234567").headers["allow"] == "GET, POST"
    assert httpx.put(f"{api}?short_key=1234567").status_code == 405
    # and the good request beside each: a form body, UTF-8, no control characters, few parameters
    assert_download(httpx.post(api, data={"short_key": GUIDE_SHORT_KEY, "customer.name": "tab\there"}))


HOSTILE = [
    "short_key=" + "9" * 60_000,
    "id=1&name=Admin&customer.details=" + "%F0%9F%92%A5" * 3000,
    "id=" + "9" * 40 + "&name=Admin",
    "issue_menu=1&codeName=" + "%E2%80%AE" * 50,
    "id=1&id=2&name=Admin&name=John&short_key=&issue_menu=",
    "session.custom.=x&id=1&name=Admin",
    "session.custom." + "z" * 5000 + "=1&id=1&name=Admin",
    "&&&==&=&id",
    "%" * 200,
    "id=1&name=Admin&session.skills=" + "," * 10000,
    "id=1&name=Admin&timezone_offset=" + "9" * 400,
    "id=1&name=Admin&locale=" + "x" * 10000 + "&chat_locale=" + "-" * 100,
    "issue_menu=1&id=-1",
    "ak=" + "a" * 1000,
]


@pytest.mark.parametrize("query", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_queries_never_500(served, query) -> None:
    _, url = served
    for path in ("/api/start_session", "/"):
        r = httpx.get(f"{url}{path}?{query}")
        assert r.status_code < 500 and "Traceback" not in r.text
        r = httpx.post(
            f"{url}{path}",
            content=query.encode(),
            headers={"Content-Type": FORM},
        )
        assert r.status_code < 500 and "Traceback" not in r.text


_NAMES = st.sampled_from(
    ["id", "name", "short_key", "issue_menu", "codeName", "c2cjs", "customer.name", "customer.details",
     "locale", "chat_locale", "platform", "session.custom.external_key", "session.custom.custom_field1",
     "session.priority", "session.skills", "timezone_offset", "ak"]
)  # fmt: skip
_VALUES = st.one_of(
    st.sampled_from(["1", "Admin", "1234567", "other", "winNT-32", "codename1", "-300", "", "0", "2"]),
    st.text(max_size=40),
    st.text(max_size=3).map(lambda s: s * 400),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pairs=st.lists(st.tuples(_NAMES | st.text(max_size=20), _VALUES), max_size=8), post=st.booleans())
def test_generated_parameters_never_500(served, pairs, post) -> None:
    _, url = served
    api = f"{url}/api/start_session"
    if post:
        r = httpx.post(api, content=urlencode(pairs).encode(), headers={"Content-Type": FORM})
    else:
        r = httpx.get(api, params=pairs)
    assert r.status_code in (200, 400, 404), r.text
    assert r.headers["content-type"] in ("application/octet-stream", "text/html; charset=utf-8")
    assert "Traceback" not in r.text


# --- start_session.js --------------------------------------------------------------------------------------

NODE = shutil.which("node")

# BG.start calls of the guide's "Script Examples" (and errors), run by node against a stub window.
_JS_DRIVER = r"""
const fs = require("fs");
const opened = [];
let popupBlocked = false;
global.window = {
  location: { href: "" },
  open: (url, name, features) => { opened.push({ url, features }); return popupBlocked ? null : {}; },
};
eval(fs.readFileSync(0, "utf8"));
const BG = window.BG;
const out = {};
function run(name, fn) {
  opened.length = 0; window.location.href = "";
  try { fn(); out[name] = { href: window.location.href, opened: opened.slice() }; }
  catch (e) { out[name] = { error: String(e.message) }; }
}
run("before setSite", () => BG.start(BG.START_TYPE.FULL, { sessionKey: "1728331" }));
BG.setSite(process.argv[process.argv.length - 1]);
run("full key", () => BG.start(BG.START_TYPE.FULL, { sessionKey: "1728331" }));
run("full rep", () => BG.start(BG.START_TYPE.FULL, { rep: { id: 30, name: "Admin" } }));
run("browser attributes", () => BG.start(BG.START_TYPE.BROWSER, {
  sessionKey: "8679485",
  attributes: { external_key: "abc123", custom_field1: "Custom Value", custom_field2: 123 } }));
run("browser locale", () => BG.start(BG.START_TYPE.BROWSER, { sessionKey: "8679485", locale: "en-us" }));
run("browser issue customer", () => BG.start(BG.START_TYPE.BROWSER, { issue: { id: 12 }, customer: {
  name: "Customer Name", company: "Company Name", company_code: "Company Code",
  details: "Issue Details" } }));
run("browser issue skills", () => BG.start(BG.START_TYPE.BROWSER, {
  issue: { codeName: "Other" }, skills: ["skill11", "skill12"] }));
const input = (name, value) => ({ name, value, disabled: false });
run("browser issue form", () => BG.start(BG.START_TYPE.BROWSER, { issue: { nodeType: 1, elements: [
  input("codeName", "Other"), input("skills", "skill1,skill2"), input("customer.name", "Customer Name"),
  input("session.custom.external_key", "abc123"), { name: "ignored", value: "x", disabled: true }] } }));
run("chat key", () => BG.start(BG.START_TYPE.CHAT, { sessionKey: "8347482" }));
popupBlocked = true;
run("chat blocked", () => BG.start(BG.START_TYPE.CHAT, { sessionKey: "8347482" }));
run("chat blocked no fallback", () => BG.start(BG.START_TYPE.CHAT, {
  sessionKey: "7683902", uiOptions: { fallbackToFullWindow: false } }));
popupBlocked = false;
run("real key", () => BG.start(BG.START_TYPE.FULL, { sessionKey: "1234567" }));
run("real rep chat", () => BG.start(BG.START_TYPE.CHAT, { rep: { id: 1, name: "Admin" } }));
run("two methods", () => BG.start(BG.START_TYPE.FULL, { sessionKey: "1", rep: { id: 1, name: "Admin" } }));
run("no method", () => BG.start(BG.START_TYPE.FULL, {}));
run("bad type", () => BG.start("presentation", { sessionKey: "1" }));
console.log(JSON.stringify(out));
"""


def test_start_session_js_is_served(served) -> None:
    _, url = served
    r = httpx.get(f"{url}/api/start_session.js")
    assert r.status_code == 200 and r.headers["content-type"] == "application/javascript; charset=utf-8"
    assert "BG.setSite" in r.text and "START_TYPE" in r.text and '"http"' in r.text


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_start_session_js_builds_the_start_session_urls(served) -> None:
    appliance, url = served
    host = url.split("://")[1]
    script = httpx.get(f"{url}/api/start_session.js").text
    done = subprocess.run(
        [NODE, "-e", _JS_DRIVER, host], input=script, capture_output=True, text=True, timeout=30, check=True
    )
    out = json.loads(done.stdout)

    def query(name: str, where: str = "href") -> list[tuple[str, str]]:
        target = out[name][where] if where == "href" else out[name]["opened"][0]["url"]
        assert target.startswith(f"{url}/api/start_session?"), out[name]
        return parse_qsl(urlsplit(target).query, keep_blank_values=True)

    assert out["before setSite"] == {"error": "BG.setSite(hostname) must be called first"}
    assert query("full key") == [("short_key", "1728331")] and out["full key"]["opened"] == []
    assert query("full rep") == [("id", "30"), ("name", "Admin")]
    assert query("browser attributes", "opened") == [
        ("short_key", "8679485"), ("session.custom.external_key", "abc123"),
        ("session.custom.custom_field1", "Custom Value"), ("session.custom.custom_field2", "123"),
        ("c2cjs", "1"),
    ]  # fmt: skip
    assert query("browser locale", "opened") == [
        ("short_key", "8679485"),
        ("locale", "en-us"),
        ("c2cjs", "1"),
    ]
    assert query("browser issue customer", "opened") == [
        ("issue_menu", "1"), ("id", "12"), ("customer.name", "Customer Name"),
        ("customer.company", "Company Name"),
        ("customer.company_code", "Company Code"), ("customer.details", "Issue Details"), ("c2cjs", "1"),
    ]  # fmt: skip
    assert query("browser issue skills", "opened") == [
        ("issue_menu", "1"), ("codeName", "Other"), ("session.skills", "skill11,skill12"), ("c2cjs", "1"),
    ]  # fmt: skip
    assert query("browser issue form", "opened") == [
        ("issue_menu", "1"), ("codeName", "Other"), ("session.skills", "skill1,skill2"),
        ("customer.name", "Customer Name"), ("session.custom.external_key", "abc123"), ("c2cjs", "1"),
    ]  # fmt: skip
    chat = out["chat key"]
    assert chat["href"] == "" and "width=" in chat["opened"][0]["features"]
    assert query("chat key", "opened") == [("short_key", "8347482"), ("c2cjs", "1")]
    assert query("chat blocked") == [("short_key", "8347482"), ("c2cjs", "1")]  # fell back to this window
    assert out["chat blocked no fallback"]["href"] == ""
    for name in ("two methods", "no method"):
        assert out[name] == {"error": "give exactly one start method: sessionKey, rep or issue"}
    assert "startType must be" in out["bad type"]["error"]
    # The URLs it builds are ones the appliance takes.
    assert_download(httpx.get(out["real key"]["href"]))
    r = httpx.get(out["real rep chat"]["opened"][0]["url"])
    assert live(appliance, lsid_of(r))["client"]["client_type"] == "web_chat"


def test_a_body_cut_short_is_no_server_error(served, caplog) -> None:
    appliance, url = served
    host, port = url.split("://")[1].split(":")
    before = set(appliance.world.sessions)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(
            b"POST /api/start_session HTTP/1.1\r\nHost: localhost\r\nContent-Type: " + FORM.encode()
            + b"\r\nContent-Length: 100\r\n\r\nshort_key=1234567"
        )  # fmt: skip
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert not answer.startswith(b"HTTP/1.1 5")
    time.sleep(0.3)  # the server notices the disconnection after the socket closes: let it finish
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    assert set(appliance.world.sessions) == before
