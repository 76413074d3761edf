"""The command API at /api/command (and the deprecated /api/command.ns): request handling and actions.

Guide, "Remote Support Command API": GET or POST; POST parameters in an application/x-www-form-urlencoded
body ("Multipart POST requests are not supported"); the API account needs read-only or full access.

Choices where the guide is silent (recorded in the issue note): every failure is a root <error> in the
command namespace; HTTP 200 for failures the guide documents as <error> answers of an action, 400 for a
malformed request (no or unknown action, multipart, a body that is not UTF-8 form data), 403 when the
account's perm_command does not allow the action, 413 for a body over 1 MiB, 501 for an action of the
guide this build does not implement yet (none since command_actions.py). A repeated parameter keeps its
first value. An unknown action is answered <error>Invalid action</error>, the field's wording (integrations
compare it as text), without echoing the name.

ACTIONS maps each implemented action to its handler: get_api_info here, check_health from health.py, the
others from command_actions.py (wrapped in its guarded()); GUIDE_ACTIONS says the access each one needs,
from the catalogue (harness.catalogue.commands).
"""

from __future__ import annotations

import functools

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.appliance import command_actions, health
from harness.appliance.command_call import Call, Handler
from harness.appliance.params import xml_api_call
from harness.appliance.xmlresponse import XML_TYPE, Node, error_response, serialize, tidy
from harness.catalogue.commands import COMMAND_ACTIONS

# Every action of the guide (harness.catalogue.commands) with the access this appliance asks: an action that
# changes state needs full access even where the guide's boilerplate says read-only suffices (set_rep_status,
# send_chat_message, create_virtual_customer, leave_session; see command_actions.py).
GUIDE_ACTIONS: dict[str, str] = {
    a.name: "full_access" if a.access == "full_access" or a.changes_state else "read_only"
    for a in COMMAND_ACTIONS
}


_TIMESTAMP = "\ue000timestamp\ue000"  # a private-use mark: nothing the XML escaping touches


@functools.lru_cache(maxsize=256)
def _api_info_template(
    namespace: str, api_version: str, company: str, permissions: tuple, tidy: bool
) -> tuple[bytes, bytes]:
    # Everything but the timestamp is fixed per account (and byte shape, which serialize() reads: `tidy` is
    # in the cache key): integrations poll this action, so it is rendered once and the timestamp spliced in.
    root = Node("api_information")
    root.add("api_version", api_version)
    root.add("company_name", company)
    root.add("timestamp", _TIMESTAMP)
    listing = root.add("permissions")
    for name, value in permissions:
        listing.add("permission", value, name=name)
    before, _, after = serialize(root, namespace).partition(_TIMESTAMP.encode())
    return before, after


async def get_api_info(call: Call) -> Response:
    config = call.appliance.config
    before, after = _api_info_template(
        call.namespace, config.api_version, config.company_name, call.account.permission_items, tidy()
    )
    body = b"%s%d%s" % (before, int(call.appliance.clock.now()), after)
    return Response(body, media_type=XML_TYPE)


# Each implemented action's handler; an action of GUIDE_ACTIONS missing here is answered 501. guarded() turns
# the Invalid or WorldError a command_actions handler raises into the action's <error> answer.
ACTIONS: dict[str, Handler] = {
    "get_api_info": get_api_info,
    "check_health": health.check_health_action,
    **{
        name: command_actions.guarded(name, fn)
        for name, fn in (
            ("get_logged_in_reps", command_actions.get_logged_in_reps),
            ("set_rep_status", command_actions.set_rep_status),
            ("get_support_teams", command_actions.get_support_teams),
            ("generate_session_key", command_actions.generate_session_key),
            ("join_session", command_actions.join_session),
            ("transfer_session", command_actions.transfer_session),
            ("send_chat_message", command_actions.send_chat_message),
            ("create_virtual_customer", command_actions.create_virtual_customer),
            ("leave_session", command_actions.leave_session),
            ("set_session_attributes", command_actions.set_session_attributes),
            ("get_session_attributes", command_actions.get_session_attributes),
            ("terminate_session", command_actions.terminate_session),
            ("get_appliances", command_actions.get_appliances),
            ("get_connected_client_list", command_actions.get_connected_client_list),
            ("get_connected_clients", command_actions.get_connected_clients),
            ("set_failover_role", command_actions.set_failover_role),
            ("import_jump_shortcut", command_actions.import_jump_shortcut),
        )
    },
}


async def endpoint(request: Request) -> Response:
    appliance = request.app.state.appliance
    call = await xml_api_call(request, "command")
    if isinstance(call, Response):
        return call
    account, params, namespace = call
    name = params.get("action")
    if not name:
        return error_response(namespace, "Missing required parameter: action", 400)
    needed = GUIDE_ACTIONS.get(name)
    if needed is None:
        return error_response(namespace, "Invalid action", 400)  # the field's wording, exactly
    access = account.command_access
    if access == "deny" or (needed == "full_access" and access != "full_access"):
        return error_response(namespace, f"The API account does not have {needed} access to {name}", 403)
    handler = ACTIONS.get(name)
    if handler is None:
        return error_response(namespace, f"{name} is not implemented by this embedded appliance yet", 501)
    return await handler(Call(appliance, account, params))


def routes(appliance) -> list:
    return [Route(path, endpoint, methods=["GET", "POST"]) for path in ("/api/command", "/api/command.ns")]
