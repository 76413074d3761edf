"""Logins of a 1.7.0 appliance (Bomgar 12.1 guide): every `.ns` call carries `username` and `password`
parameters (GET query or POST form), checked against the accounts' legacy logins (accounts.py).

12.1 guide, "Required Parameters for Command API": "For all commands, this user must have permission to use
the command API. The user must have permission to perform remote support in order to issue
generate_session_key and must be an administrator in order to issue transfer_session"; "Required Parameters
for Reporting API": "This user must have permission to use the reporting API. The users must also have
permission to view reports"; "Required Parameters for Backup API": "Must be an administrator."

A wrong or missing username or password is answered `<error>Login failed</error>` (field: legacy clients
match that text), a root <error> in the API's namespace with HTTP 200, text/xml. A 1.21.1 appliance answers
the same to a `.ns` call that carries a username or password and no bearer token (no_token): a legacy client
pointed at a newer appliance is told in the words it understands. Choices where the guide is
silent: usernames are matched without case (as Bomgar logins are), passwords exactly; a login without the
permission the call needs gets a root <error> naming what is missing, also with HTTP 200 (a 12.1 appliance
reports failures in the body; legacy clients read it).
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response

from harness.appliance.accounts import Account
from harness.appliance.oauth import access_denied, bearer_token
from harness.appliance.params import ParamError, read_params
from harness.appliance.xmlresponse import error_response

LOGIN_FAILED = "Login failed"
LEGACY_USER_ID_BASE = 1000  # API users' rep IDs (get_api_info <user_id>), apart from the directory's users

YES = frozenset({"1"})
SOME_REPORTS = frozenset({"user_sessions", "team_sessions", "all_sessions"})  # perm_view_reports but none

# What each call needs: (12.1 permission, the values that allow it, the <error> when it is missing).
NEEDS: dict[str, tuple[tuple[str, frozenset[str], str], ...]] = {
    "command": (("perm_use_command_api", YES, "This user does not have permission to use the command API"),),
    "reporting": (
        ("perm_use_reporting_api", YES, "This user does not have permission to use the reporting API"),
        ("perm_view_reports", SOME_REPORTS, "This user does not have permission to view reports"),
    ),
    "backup": (("perm_admin", YES, "This user must be an administrator to use the backup API"),),
}
NEEDS["support"] = NEEDS["command"] + (
    ("perm_sd_allowed", YES, "This user does not have permission to perform remote support"),
)
NEEDS["admin"] = NEEDS["command"] + (
    ("perm_admin", YES, "This user must be an administrator to transfer sessions"),
)
PERMISSIONS = tuple(NEEDS)


def _namespace(appliance, permission: str) -> str:
    return appliance.config.namespaces["reporting" if permission == "reporting" else "command"]


def login(appliance, params: dict[str, str]) -> Account | None:
    """The account whose legacy login the parameters give, or None."""
    username, password = params.get("username", ""), params.get("password", "")
    if not username or not password:
        return None
    wanted = username.casefold()
    for account in appliance.accounts:
        if account.username and account.username.casefold() == wanted:
            ok = secrets.compare_digest(account.password.encode("utf-8"), password.encode("utf-8"))
            return account if ok else None
    return None


def refusal(account: Account, permission: str) -> str | None:
    """Why `account` may not make a call that needs `permission` (one of PERMISSIONS), or None."""
    for name, allowed, message in NEEDS[permission]:
        if account.legacy_permissions[name] not in allowed:
            return message
    return None


def authenticate(appliance, params: dict[str, str], permission: str) -> Account | Response:
    """The account the request's username and password log in to, if it has `permission` ("command",
    "support", "admin", "reporting" or "backup"); else the <error> Response to answer."""
    account = login(appliance, params)
    if account is None:
        return error_response(_namespace(appliance, permission), LOGIN_FAILED)
    problem = refusal(account, permission)
    if problem is not None:
        return error_response(_namespace(appliance, permission), problem)
    return account


async def legacy_call(request: Request, permission: str) -> tuple[Account, dict[str, str]] | Response:
    """The common start of a `.ns` call: its parameters (params.read_params), then its login. Returns
    (account, params), or the <error> Response to answer (HTTP 200, like every legacy failure)."""
    appliance = request.app.state.appliance
    try:
        params = await read_params(request)
    except ParamError as exc:
        return error_response(_namespace(appliance, permission), str(exc))
    account = authenticate(appliance, params, permission)
    return account if isinstance(account, Response) else (account, params)


async def no_token(request: Request, namespace: str) -> Response:
    """The answer of a 1.21.1 API to a request without a valid bearer token: `<error>Login failed</error>`
    (HTTP 200) to a `.ns` call with no token and a username or password parameter, the guide's access_denied
    to anything else."""
    if bearer_token(request.headers) is None and request.url.path.endswith(".ns"):
        try:
            params = await read_params(request)
        except ParamError:
            params = {}
        if "username" in params or "password" in params:
            return error_response(namespace, LOGIN_FAILED)
    return access_denied()


def user_id(appliance, account: Account) -> int:
    """The account's rep ID as get_api_info answers it: stable for an accounts file."""
    return LEGACY_USER_ID_BASE + 1 + appliance.accounts.index(account)
