"""The command API of a 1.7.0 appliance (Bomgar 12.1 guide, "About the Command API" to "The get_api_info
Request"): /api/command.ns, GET or POST, `username`, `password` and `action` parameters.

The actions act on the same World as the 1.21.1 command API (command_actions.py), and answer the 12.1
guide's elements only (schemas/1.7.0/command.xsd). Every failure is a root <error> with HTTP 200: a wrong
or missing login `Login failed` (legacy_auth, checked first: legacy clients key on it), a missing
permission, a malformed request, an unknown action ("Invalid action", the field's wording) and each
action's errors (the guide: "<error> Returns an error message if not successful").

Choices where the guide is silent: get_api_info answers the root real appliances send, <api_information>
(the guide prints /get_api_info), its <timestamp> a UNIX timestamp, <user_id> the API user's rep ID
(legacy_auth.user_id); join_session needs only the command API permission (the guide asks more only of
generate_session_key and transfer_session).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.appliance import legacy_auth
from harness.appliance.command import Call
from harness.appliance.xmlresponse import Node, error_response, xml_response

# The 12.1 guide's actions, each with the permission it needs (legacy_auth.NEEDS).
ACTIONS: dict[str, str] = {
    "generate_session_key": "support",
    "join_session": "command",
    "transfer_session": "admin",
    "get_logged_in_reps": "command",
    "get_support_teams": "command",
    "get_api_info": "command",
}


async def get_api_info(call: Call) -> Response:
    appliance = call.appliance
    root = Node("api_information")
    root.add("api_version", appliance.config.api_version)
    root.add("timestamp", int(appliance.clock.now()))
    listing = root.add("permissions")
    for name, value in call.account.legacy_permissions.items():
        listing.add(name, value)
    root.add("user_id", legacy_auth.user_id(appliance, call.account))
    return xml_response(root, call.namespace)


HANDLERS = {"get_api_info": get_api_info}


async def endpoint(request: Request) -> Response:
    appliance = request.app.state.appliance
    namespace = appliance.config.namespaces["command"]
    call = await legacy_auth.legacy_call(request, "command")
    if isinstance(call, Response):
        return call
    account, params = call
    name = params.get("action")
    if not name:
        return error_response(namespace, "Missing required parameter: action")
    if name not in ACTIONS:
        return error_response(namespace, "Invalid action")  # the field's wording, exactly
    problem = legacy_auth.refusal(account, ACTIONS[name])
    if problem is not None:
        return error_response(namespace, problem)
    handler = HANDLERS.get(name)
    if handler is None:
        return error_response(namespace, f"{name} is not implemented by this embedded appliance yet")
    return await handler(Call(appliance, account, params))


def routes(appliance) -> list:
    return [Route("/api/command.ns", endpoint, methods=["GET", "POST"])]
