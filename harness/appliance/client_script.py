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
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from harness import brcs
from harness.appliance.xmlresponse import attachment
from harness.catalogue import brcs as catalogue

MAX_QUERY = 64 << 10


def _bad(reason: str) -> PlainTextResponse:
    return PlainTextResponse(reason + "\n", status_code=400)


def _script(action: str, params: list[tuple[str, str]]) -> brcs.Script:
    if action == "login":  # the login command itself, with credentials: nothing to add before it
        commands = [brcs.Command("login", tuple(params))]
    else:
        commands = [brcs.Command("login"), brcs.Command(action, tuple(params))]
    return brcs.Script("1.0", (*commands, brcs.Command("delete_script_file")))


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
    if client_type not in catalogue.CLIENT_TYPES:
        return _bad("type must be rep or web_console")
    if operation != catalogue.CLIENT_TYPES[client_type]:
        return _bad(f"with type={client_type} the operation is {catalogue.CLIENT_TYPES[client_type]}")
    actions = catalogue.actions_for(appliance.config.api_version)
    if not action or action not in actions or action == "delete_script_file":
        return _bad(f"unknown action: {action!r}" if action else "action is required")
    if client_type == "web_console" and not actions[action].web_console:
        return _bad(
            f"type=web_console supports only generate_session_key and start_jump_item_session, not {action}"
        )
    try:
        data = brcs.serialize(_script(action, params))
    except ValueError as exc:
        return _bad(f"cannot write the script: {exc}")
    site = appliance.config.company_site
    name = f"{action}.brcs-{site}"
    problems = [
        i
        for i in brcs.lint(data, api_version=appliance.config.api_version, filename=name, company_site=site)
        if brcs.RULE_BY_ID[i.rule].level == "MUST"
    ]
    if problems:
        return _bad("; ".join(f"{i.rule} {i.message}" for i in problems))
    if client_type == "web_console":
        return PlainTextResponse(data.decode("ascii").split("\n")[2] + "\n")
    return attachment(data, name)


def routes(appliance) -> list:
    return [
        Route(p, endpoint, methods=["GET", "POST"]) for p in ("/api/client_script", "/api/client_script.ns")
    ]
