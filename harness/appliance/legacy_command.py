"""The command API of a 1.7.0 appliance (Bomgar 12.1 guide, "About the Command API" to "The get_api_info
Request"): /api/command.ns, GET or POST, `username`, `password` and `action` parameters.

The actions act on the same World as the 1.21.1 command API (command_actions.py), and answer the 12.1
guide's elements only (schemas/1.7.0/command.xsd). Every failure is a root <error> with HTTP 200: a wrong
or missing login `Login failed` (legacy_auth, checked first: legacy clients key on it), a missing
permission, a malformed request, an unknown action ("Invalid action", the field's wording) and each
action's errors (the guide: "<error> Returns an error message if not successful").

Choices where the guide is silent:
- get_api_info answers the root real appliances send, <api_information> (the guide prints /get_api_info),
  its <timestamp> a UNIX timestamp, <user_id> the API user's rep ID (legacy_auth.user_id).
- join_session needs only the command API permission (the guide asks more only of generate_session_key and
  transfer_session); it takes rep_id only (12.1 has no rep_username there).
- generate_session_key: queue_id general, rep:[id], team:[id], embassy:[id] or rep_username:[username];
  this appliance has no Embassy configured ("Requires Enterprise licensing"), so embassy:[id] is answered
  "Invalid embassy ID". The external key is the `external_key` parameter (12.1 has no session.custom.*),
  at most 1024 characters; url_hostname as in the 1.21.1 API (the guide's table misprints it
  "ur_hostname": only url_hostname is read). The answer: <ttl> and <external_key> as the 1.21.1 answer has
  them (field: only when asked for or given, always on a tidy appliance); <queue_id> is empty for the
  general queue (the 1.7.0 schema has it always; the general queue has no numeric ID); <expires> a UNIX
  timestamp, as the 1.21.1 API answers it.
- transfer_session: general, rep:[id], team:[id] and embassy:[id] (the guide lists four forms and gives an
  example "to general queue").
- get_support_teams: `showmembers` turns members on by its presence, with any value but 0 (the guide's
  example is a bare `&showmembers`).
- get_logged_in_reps: the direct link is the guide's session generation URL,
  https://<hostname>/api/start_session.ns?id=<id>&name=<display name>.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.appliance import command_actions as actions
from harness.appliance import directory, legacy_auth
from harness.appliance.command_actions import (
    _HOSTNAME,
    Invalid,
    _digits,
    _int,
    _lsid,
    _required,
    _shown,
    _success,
)
from harness.appliance.command_call import Call
from harness.appliance.world import Target, World
from harness.appliance.xmlresponse import Node, error_response, xml_response
from harness.catalogue.commands import LEGACY_COMMAND_ACTIONS

# The 12.1 guide's actions (harness.catalogue.commands) and the permission each needs (legacy_auth.NEEDS).
ACTIONS: dict[str, str] = {a.name: a.permission for a in LEGACY_COMMAND_ACTIONS}
MAIL_SUBJECT = "Support Session Invitation"
MAIL_BODY = (
    "Please click the link below to start your support session:\n\n{url}\n\n"
    "Or go to https://{host} and enter the session key {short_key}."
)


def _target(world: World, spec: str, forms: tuple[str, ...]) -> Target:
    """A queue_id of the 12.1 guide: `forms` of World.resolve, and embassy:[id] (none is configured)."""
    form, _, value = spec.partition(":")
    if form == "embassy":
        raise Invalid(f"Invalid embassy ID: {_shown(value)}")
    return world.resolve(spec, forms=forms)


async def generate_session_key(call: Call) -> Response:
    p = call.params
    kind = _required(p, "type")
    if kind != "support":
        raise Invalid(f"Invalid session type: {_shown(kind)} (the only supported type is support)")
    spec = _required(p, "queue_id")
    ttl = _int(p, "ttl", 1, directory.SESSION_KEY_MAX_TTL)
    host = p.get("url_hostname")
    if host is not None and (len(host) > 253 or not _HOSTNAME.fullmatch(host)):
        raise Invalid(f"Invalid url_hostname: {_shown(host)}")
    fields = {directory.EXTERNAL_KEY: p["external_key"]} if p.get("external_key") else {}
    world: World = call.appliance.world

    def make():
        target = _target(world, spec, ("general", "rep", "team", "rep_username"))
        return world.generate_key(target, ttl, host, fields)

    key = await run_in_threadpool(make)
    tidy = call.appliance.config.tidy
    root = Node("session_key")
    root.add("type", "support")
    if tidy or ttl is not None:
        root.add("ttl", key.ttl)
    root.add("expires", key.expires)
    root.add("queue", key.target.answer_kind)
    root.add("queue_id", "" if key.target.kind == "general" else key.target.id)
    if tidy or key.external_key:
        root.add("external_key", key.external_key)
    root.add("short_key", key.short_key)
    root.add("key_url", key.key_url)
    root.add("mail_subject", MAIL_SUBJECT)
    body = MAIL_BODY.format(url=key.key_url, host=key.url_hostname, short_key=key.short_key)
    root.add("mail_body", body)
    return xml_response(root, call.namespace)


async def join_session(call: Call) -> Response:
    lsid = _lsid(call.params)
    rep_id = _required(call.params, "rep_id")
    user_id = _digits(rep_id)
    if user_id is None:
        raise Invalid(f"Invalid representative ID: {_shown(rep_id)}")
    await run_in_threadpool(call.appliance.world.join, lsid, user_id)
    return _success(call, "Representative successfully added")


async def transfer_session(call: Call) -> Response:
    lsid = _lsid(call.params)
    spec = _required(call.params, "queue_id")
    world: World = call.appliance.world

    def transfer() -> None:
        world.transfer(lsid, _target(world, spec, ("general", "rep", "team")))

    await run_in_threadpool(transfer)
    return _success(call, "Successfully transferred")


async def get_logged_in_reps(call: Call) -> Response:
    answer = await run_in_threadpool(actions.logged_in_reps, call.appliance, True)
    return xml_response(answer, call.namespace)


async def get_support_teams(call: Call) -> Response:
    members = call.params.get("showmembers", "0") != "0"
    return xml_response(actions.support_teams(call.appliance.world, members, legacy=True), call.namespace)


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


HANDLERS = {
    name: actions.guarded(name, fn)
    for name, fn in (
        ("generate_session_key", generate_session_key),
        ("join_session", join_session),
        ("transfer_session", transfer_session),
        ("get_logged_in_reps", get_logged_in_reps),
        ("get_support_teams", get_support_teams),
        ("get_api_info", get_api_info),
    )
}


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
    return await HANDLERS[name](Call(appliance, account, params))


def routes(appliance) -> list:
    return [Route("/api/command.ns", endpoint, methods=["GET", "POST"])]
