"""The client scripting API at /api/client_script (guide: "The BeyondTrust Client Scripting API").

type=rep&operation=generate&action=<command>&<parameters> answers a BRCS file named
<action>.brcs-<companySiteName>: login first ("automatically added as the first command"), the command, and
delete_script_file last ("Two actions are automatically added"). type=web_console&operation=execute takes
only generate_session_key and start_jump_item_session. The file is checked with the project's BRCS linter
before it is served, so the appliance never hands out a script the guide's rules refuse.

Choices where the guide is silent (recorded in the issue note): the API needs no token (its examples carry
none, and the representative console that runs the file asks the representative to log in); a bad request
gets HTTP 400 with a plain-text reason; web_console execute answers the command the web console would run,
as text/plain.

start_pinned_client_session: both guides' own example of "a valid Client Scripting API request" asks for
it (`action=start_pinned_client_session&search_string=ABCDEFG02`), and the 21.3 guide's command-line table
turns the deprecated -jump into `run-script "action=start_pinned_client_session&search_string=..."`, yet
only the 12.1 guide defines it ("The start_pinned_client_session Command"). The appliance generates it on
every API version from that definition's `since` (1.6.0), judged by its 12.1 definition in the catalogue
(search_string required, at most 1024 characters; session.custom.external_key optional): the script a real
appliance serves for its guide's example, login, the command, delete_script_file. On a version whose own
list lacks it, its line is "not documented for this API version" (BRCS-021) by design, not a refusal.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from harness import brcs
from harness.appliance.xmlresponse import attachment
from harness.catalogue import brcs as catalogue
from harness.catalogue.versions import version_tuple

MAX_QUERY = 64 << 10
PINNED = "start_pinned_client_session"


def _actions(api_version: str) -> dict[str, catalogue.Action]:
    """The actions this appliance generates: its version's, and the guides' pinned-client example."""
    actions = catalogue.actions_for(api_version)
    pinned = catalogue.ACTIONS["1.7.0"][PINNED]
    if PINNED not in actions and version_tuple(api_version) >= version_tuple(pinned.since):
        actions[PINNED] = pinned
    return actions


def _must_problems(data: bytes, api_version: str, name: str, site: str, spec: catalogue.Action) -> list:
    """The MUST issues the linter finds in a script the appliance is about to serve. An action borrowed from
    another guide (PINNED) is judged by its own guide's definition, alone in a file, instead of BRCS-021."""
    issues = brcs.lint(data, api_version=api_version, filename=name, company_site=site)
    if spec.name not in catalogue.actions_for(api_version):
        issues = [i for i in issues if i.rule != "BRCS-021"]
        (command,) = [c for c in brcs.parse(data).commands if c.action == spec.name]
        alone = brcs.serialize(brcs.Script("1.0", (command,)))
        issues += brcs.lint(alone, api_version=spec.guide)
    return [i for i in issues if brcs.RULE_BY_ID[i.rule].level == "MUST"]


def _bad(reason: str) -> PlainTextResponse:
    return PlainTextResponse(reason + "\n", status_code=400)


def _script(action: str, params: list[tuple[str, str]], documented: dict) -> brcs.Script:
    """The command, with login first and delete_script_file last where the API version's guide documents
    them (`documented`: its actions; 21.3: "Two actions are automatically added"). The 12.1 guide documents
    neither, nor the file format: a 1.7.0 script holds the command alone."""
    before = [brcs.Command("login")] if "login" in documented and action != "login" else []
    after = [brcs.Command("delete_script_file")] if "delete_script_file" in documented else []
    return brcs.Script("1.0", (*before, brcs.Command(action, tuple(params)), *after))


def client_types(api_version: str) -> dict[str, str]:
    """The client types (type -> operation) of an API version: web_console only since WEB_CONSOLE_SINCE (the
    12.1 guide: "Currently the API only supports rep as the client type")."""
    since = version_tuple(catalogue.WEB_CONSOLE_SINCE)
    return {
        kind: operation
        for kind, operation in catalogue.CLIENT_TYPES.items()
        if kind != "web_console" or version_tuple(api_version) >= since
    }


async def endpoint(request: Request) -> Response:
    appliance = request.app.state.appliance
    raw = request.scope["query_string"]
    if request.method == "POST":
        raw += b"&" + await request.body() if raw else await request.body()
    if len(raw) > MAX_QUERY:
        return _bad("request too large")
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        return _bad("parameters are not UTF-8")
    control = {k: v for k, v in pairs if k in ("type", "operation", "action")}
    params = [(k, v) for k, v in pairs if k not in ("type", "operation", "action")]
    client_type, operation, action = (control.get(k) for k in ("type", "operation", "action"))
    types = client_types(appliance.config.api_version)
    if client_type not in types:
        return _bad("type must be " + " or ".join(types))
    if operation != types[client_type]:
        return _bad(f"with type={client_type} the operation is {types[client_type]}")
    actions = _actions(appliance.config.api_version)
    if not action or action not in actions or action == "delete_script_file":
        return _bad(f"unknown action: {action!r}" if action else "action is required")
    if client_type == "web_console" and not actions[action].web_console:
        return _bad(
            f"type=web_console supports only generate_session_key and start_jump_item_session, not {action}"
        )
    try:
        data = brcs.serialize(_script(action, params, catalogue.actions_for(appliance.config.api_version)))
    except ValueError as exc:
        return _bad(f"cannot write the script: {exc}")
    site = appliance.config.company_site
    name = f"{action}.brcs-{site}"
    problems = _must_problems(data, appliance.config.api_version, name, site, actions[action])
    if problems:
        return _bad("; ".join(f"{i.rule} {i.message}" for i in problems))
    if client_type == "web_console":
        return PlainTextResponse(data.decode("ascii").split("\n")[2] + "\n")
    return attachment(data, name)


def routes(appliance) -> list:
    return [
        Route(p, endpoint, methods=["GET", "POST"]) for p in ("/api/client_script", "/api/client_script.ns")
    ]
