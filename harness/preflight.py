"""The pre-flight: before any check runs, is the target an appliance the harness can talk to?

Reachability, TLS, a token for every configured account and a get_api_info answer that is an appliance's
(root `api_information`). Any failure is one line saying what to fix, and the run is NOT CERTIFIED: nothing
is judged, because hundreds of FAILs of "connection refused" say nothing about the appliance. The line
names an account by its role, never by its client id, and never holds a secret.

A legacy account (API 1.7.0: a username and a password, no token) is tried with get_api_info itself, on
`/api/command.ns`: `<error>Login failed</error>` means the appliance refused its username/password; another
<error> (no command API permission) means the login worked. The 12.1 guide prints the answer's root as
`get_api_info`; real appliances send `api_information`: either is an appliance's.
"""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlsplit

import requests

from harness.client import ApplianceClient, TargetError, TokenCache, Transport, login_failed
from harness.client.http import CONNECT_TIMEOUT
from harness.client.oauth import request_token
from harness.redact import REDACTOR
from harness.target import ROLES, Target

READ_TIMEOUT_S = 10.0  # the pre-flight's read timeout: an appliance answers a token request at once
API_INFO_ROLES = ("full", "read_only", "no_command")  # accounts that may call get_api_info
API_INFO_ROOTS = ("api_information", "get_api_info")  # what appliances send; what the 12.1 guide prints


class PreflightError(Exception):
    """The target is not fit to be certified; the message is the one line saying what to fix."""


def _where(url: str) -> str:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}:{port}"


def _chain(exc: BaseException) -> str:
    """The text of an exception and of every exception under it (urllib3 wraps its causes deeply)."""
    texts, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        texts.append(f"{type(exc).__name__}: {exc}")
        exc = exc.__cause__ or exc.__context__
    return " | ".join(texts)


def transport_problem(url: str, error: TargetError) -> str:
    """One line for a request that got no HTTP answer (the transport's TargetError and what caused it)."""
    cause = error.__context__
    where = _where(url)
    https = url.startswith("https://")
    text = _chain(cause) if cause is not None else str(error)
    low = text.lower()
    if isinstance(cause, requests.exceptions.ConnectTimeout) or "connect timeout" in low:
        return f"cannot connect to {where}: no answer within {CONNECT_TIMEOUT:g} s (firewall or wrong host?)"
    if isinstance(cause, requests.exceptions.ReadTimeout) or "read timed out" in low:
        return (
            f"{where} accepted the connection but sent no answer within the read timeout: "
            "is this the appliance's HTTPS port?"
        )
    if isinstance(cause, requests.exceptions.SSLError) or "ssl" in low and https:
        if "certificate_verify_failed" in low or "certificate verify failed" in low:
            detail = next((d for d in ("self-signed certificate", "hostname mismatch", "expired",
                                       "unable to get local issuer certificate") if d in low), "")  # fmt: skip
            detail = f" ({detail})" if detail else ""
            return f"{url}: certificate verify failed{detail}: give --ca-bundle FILE or --insecure"
        if any(s in low for s in ("wrong_version_number", "wrong version number", "record layer failure",
                                  "http_request", "unexpected eof")):  # fmt: skip
            plain = "http://" + url.removeprefix("https://")
            return f"the server answered plain HTTP errors to {url}: it speaks HTTP, give {plain} (or fix its TLS)"
        return f"{url}: TLS handshake failed ({_short(cause or error)}): check the URL's port and the server's TLS"
    if "connection refused" in low:
        return f"cannot connect to {where}: connection refused"
    if any(s in low for s in ("name or service not known", "nodename nor servname", "failed to resolve",
                              "temporary failure in name resolution", "getaddrinfo failed")):  # fmt: skip
        return f"cannot connect to {where}: the host name does not resolve"
    if not https and any(s in low for s in ("remotedisconnected", "connection aborted", "connection reset",
                                            "badstatusline", "without response")):  # fmt: skip
        secure = "https://" + url.removeprefix("http://")
        return (
            f"the server at {where} closed the connection without an HTTP answer to {url}: "
            f"if it speaks HTTPS, give {secure}"
        )
    return f"cannot talk to {where}: {_short(cause or error)}"


def _short(exc: BaseException | str) -> str:
    return " ".join(str(exc).split())[:200]


def _answer(response) -> str:
    kind = (response.headers.get("content-type") or "no content type").split(";")[0].strip()
    return f"HTTP {response.status_code} {kind}"


def check_token(url: str, role: str, cache: TokenCache) -> None:
    """A token for one account, kept in its cache for the run; PreflightError saying what to fix."""
    try:
        cache.token()
        return
    except TargetError as exc:
        if exc.__context__ is not None:  # no HTTP answer at all
            raise PreflightError(transport_problem(url, exc)) from None
    try:  # the token endpoint answered, but no token: ask once more to see what it said
        answer = request_token(cache.transport, cache.credentials)
    except TargetError as exc:
        raise PreflightError(transport_problem(url, exc)) from None
    error = (answer.json or {}).get("error")
    if isinstance(error, str) and answer.status in (400, 401, 403):
        hint = "check its client id and secret" if error in ("invalid_client", "unauthorized_client") else (
            "check the account's API permissions"
        )
        raise PreflightError(f"the {role!r} account was refused a token (HTTP {answer.status} {_safe(error)}): {hint}")
    kind = (answer.content_type or "no content type").split(";")[0].strip()
    legacy = (
        " (a Bomgar 12.1 appliance, API 1.7.0, has no token endpoint: give its accounts as username with"
        " password_env or password_file)"
        if answer.status == 404
        else ""
    )
    raise PreflightError(
        f"{url} is not a Remote Support appliance: its token endpoint answered HTTP {answer.status} {kind}"
        + legacy
    )


def _safe(text: str) -> str:
    return REDACTOR.text(" ".join(text.split())[:60])


def _api_info(url: str, client: ApplianceClient):
    """get_api_info's answer, or PreflightError saying why there was none."""
    try:
        return client.api_info()
    except TargetError as exc:
        if exc.__context__ is not None:
            raise PreflightError(transport_problem(url, exc)) from None
        raise PreflightError(f"{url}: get_api_info: {_short(REDACTOR.text(str(exc)))}") from None


def check_api_info(url: str, client: ApplianceClient) -> None:
    from harness.validate import validate

    response = _api_info(url, client)
    if response.status_code == 200:
        result = validate(io.BytesIO(response.content), kind="command")
        if result.status != "unusable" and result.root == "api_information":
            return
    raise PreflightError(f"{url} is not a Remote Support appliance: get_api_info answered {_answer(response)}")


def check_login(url: str, role: str, client: ApplianceClient, needs_answer: bool) -> None:
    """A legacy account's username/password, tried with get_api_info; `needs_answer`: the account the run
    negotiates with, which must get the API information (the others may lack the command API permission)."""
    from harness.checks.xml import error_text, parse
    from harness.validate import validate

    response = _api_info(url, client)
    result = validate(io.BytesIO(response.content), kind="command", api_version="1.7.0")
    root = result.root if result.status != "unusable" else None
    if root == "error":
        text = error_text(parse(response.content))
        if login_failed(text):
            raise PreflightError(
                f"the appliance refused the {role} account's username/password (Login failed): check its"
                " username and its password_env or password_file"
            )
        if not needs_answer:
            return  # refused for lack of a permission, after the login was accepted
        raise PreflightError(
            f"the {role!r} account may not call get_api_info: the appliance answered"
            f" <error>{_safe(text)}</error>: give it the command API permission"
        )
    if root in API_INFO_ROOTS and response.status_code == 200:
        return
    raise PreflightError(
        f"{url} is not a Remote Support appliance: get_api_info answered {_answer(response)}"
    )


def run(target: Target, make_client) -> dict[str | None, ApplianceClient]:
    """Check the target; the clients it made (one a configured role, tokens in hand) for the run to reuse.
    Raises PreflightError with the one line to print."""
    if not target.accounts:
        raise PreflightError(
            f"target {target.url} has no API accounts: give a target file with [accounts.full] (see README)"
        )
    if isinstance(target.verify, str) and not Path(target.verify).is_file():
        raise PreflightError(f"CA bundle {target.verify}: no such file: give --ca-bundle FILE (PEM certificates)")
    clients: dict[str | None, ApplianceClient] = {}
    roles = [r for r in ROLES if r in target.accounts] + [r for r in target.accounts if r not in ROLES]
    negotiator = next((r for r in API_INFO_ROLES if r in target.accounts), None)
    for role in roles:
        client = make_client(target, role)
        transport: Transport = client.transport
        normal, transport.read_timeout = transport.read_timeout, min(transport.read_timeout, READ_TIMEOUT_S)
        try:
            if client.login is not None:
                check_login(target.url, role, client, needs_answer=role == negotiator)
            else:
                check_token(target.url, role, client.tokens)
                if role == negotiator:
                    check_api_info(target.url, client)
        finally:
            transport.read_timeout = normal
        clients[role] = client
    return clients
