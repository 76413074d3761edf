"""Reading a request's parameters, the same way for every API that takes them (command, reporting,
session generation): the query string, then for a POST an application/x-www-form-urlencoded body ("Multipart
POST requests are not supported"). The first value of a repeated parameter wins. Anything malformed raises
ParamError: text that is not UTF-8 (raw or percent-encoded), more than MAX_PARAMS parameters, a body over
MAX_BODY, a body of another type, or one the client stopped sending half-way."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

from harness.appliance.oauth import authenticate
from harness.appliance.xmlresponse import error_response

MAX_BODY = 1 << 20
MAX_PARAMS = 1000


class ParamError(Exception):
    """Why the parameters cannot be read; `status` is 413 (too large), 415 (not form data) or 400."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _pairs(raw: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, encoding="utf-8", errors="strict",
            max_num_fields=MAX_PARAMS,
        )  # fmt: skip
    except UnicodeDecodeError:
        raise ParamError("The parameters are not UTF-8 text") from None
    except ValueError:
        raise ParamError(f"Too many parameters (at most {MAX_PARAMS})") from None


async def read_params(request: Request) -> dict[str, str]:
    pairs = _pairs(request.scope["query_string"])
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type.startswith("multipart/"):
            raise ParamError(
                "Multipart POST requests are not supported: use application/x-www-form-urlencoded", 415
            )
        body = b""
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    raise ParamError("The request body is too large", 413)
        except ClientDisconnect:
            raise ParamError("The request body did not arrive in full") from None
        if body:
            if content_type != "application/x-www-form-urlencoded":
                raise ParamError("POST parameters need Content-Type: application/x-www-form-urlencoded", 415)
            pairs += _pairs(body)
    params: dict[str, str] = {}
    for key, value in pairs:
        params.setdefault(key, value)
    return params


async def xml_api_call(request: Request, api: str):
    """The common start of the XML APIs ("command" or "reporting", downloads included): the bearer token,
    then the parameters. Returns (account, params, namespace), or the Response that refuses the request:
    the guide's access_denied (or a legacy client's Login failed: legacy_auth.no_token), or an <error> (400,
    413 when too large)."""
    namespace = request.app.state.appliance.config.namespaces[api]
    account = authenticate(request)
    if account is None:
        from harness.appliance import legacy_auth  # it reads parameters with this module

        return await legacy_auth.no_token(request, namespace)
    try:
        params = await read_params(request)
    except ParamError as exc:
        return error_response(namespace, str(exc), 413 if exc.status == 413 else 400)
    return account, params, namespace
