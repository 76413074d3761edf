"""The embedded appliance's configuration API (/api/config/v1), over real HTTP.

Every response any test here receives is checked against the served OpenAPI document (status code, headers,
content type, JSON body) by `Conformance`, an httpx response hook; the document's request schemas and
parameters are compared with the server's field specs; schemathesis, when installed, fuzzes every operation.
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from harness.appliance import config_api, server
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.oauth import ACCESS_DENIED

PREFIX = config_api.PREFIX
DOC_URI = "urn:rs-harness:config-v1"
JSON = {"content-type": "application/json"}
METHODS = ("get", "head", "post", "put", "patch", "delete")


# --- the served document as the judge -----------------------------------------------------------------------


def _json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema objects as JSON Schema (draft 4): `nullable: true` becomes "or null", and local
    references point into the registered document, so that any part of it validates on its own."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k != "nullable"}
    if isinstance(out.get("$ref"), str) and out["$ref"].startswith("#/"):
        out["$ref"] = DOC_URI + out["$ref"]
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


FORMATS = jsonschema.FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)


class Conformance:
    """Checks a response against the document: the operation's statuses, headers, media type and schema."""

    def __init__(self, doc: dict[str, Any]):
        self.doc = doc
        self.registry = Registry().with_resource(DOC_URI, Resource.from_contents(_json_schema(doc), DRAFT4))
        self.templates = [(re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", p) + "$"), p) for p in doc["paths"]]

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = self.pointer(node["$ref"])
        return node

    def pointer(self, ref: str) -> Any:
        node: Any = self.doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        return node

    def validate(self, instance: Any, schema: dict[str, Any], what: str) -> None:
        validator = jsonschema.Draft4Validator(
            _json_schema(schema), registry=self.registry, format_checker=FORMATS
        )
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]
        assert not errors, f"{what}: {errors[:5]}"

    def allowed(self, template: str) -> str:
        methods = {m.upper() for m in self.doc["paths"][template] if m in METHODS}
        methods |= {"HEAD"} if "GET" in methods else set()
        return ",".join(m for m in config_api.METHOD_ORDER if m in methods)

    def template(self, path: str) -> str | None:
        return next((t for rx, t in self.templates if rx.match(path)), None)

    def check(self, response: httpx.Response) -> None:
        response.read()
        method, path = response.request.method, response.request.url.path
        what = f"{method} {path} -> {response.status_code}"
        assert response.status_code < 500, f"{what}: {response.text[:300]}"
        template = self.template(path.removeprefix(PREFIX)) if path.startswith(PREFIX + "/") else None
        if template is None:
            assert response.status_code == 404, what
            return self.validate(response.json(), {"$ref": "#/components/schemas/ErrorMessageResponse"}, what)
        allow = (response.headers.get("allow"), self.allowed(template))
        if method == "OPTIONS":
            assert response.status_code == 204, what
            assert allow[0] == allow[1], f"{what}: Allow {allow[0]!r}, documented {allow[1]!r}"
            return None
        operation = self.doc["paths"][template].get("get" if method == "HEAD" else method.lower())
        if operation is None:
            assert response.status_code == 405, what
            assert allow[0] == allow[1], f"{what}: Allow {allow[0]!r}, documented {allow[1]!r}"
            return self.validate(response.json(), {"$ref": "#/components/schemas/ErrorMessageResponse"}, what)
        assert str(response.status_code) in operation["responses"], f"{what}: undocumented status"
        spec = self.resolve(operation["responses"][str(response.status_code)])
        self.check_headers(response, spec, what)
        content = spec.get("content")
        if not content or method == "HEAD":
            assert response.content == b"", f"{what}: a body where the document has none"
            return None
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        assert media_type in content, f"{what}: content type {media_type!r}, documented {sorted(content)}"
        if media_type == "application/json":
            self.validate(response.json(), content[media_type]["schema"], what)
        return None

    def check_headers(self, response: httpx.Response, spec: dict[str, Any], what: str) -> None:
        for name, header in spec.get("headers", {}).items():
            header = self.resolve(header)
            value = response.headers.get(name)
            if value is None:
                assert not header.get("required"), f"{what}: required header {name} missing"
                continue
            schema = self.resolve(header["schema"])
            if schema.get("type") == "integer":
                assert re.fullmatch(r"[0-9]+", value), f"{what}: header {name}: {value!r}"
                self.validate(int(value), header["schema"], f"{what}: header {name}")
            else:
                self.validate(value, header["schema"], f"{what}: header {name}")


DOC: dict[str, Any] = yaml.safe_load(config_api.SPEC_PATH.read_text(encoding="utf-8"))
CONFORMANCE = Conformance(DOC)


# --- fixtures -----------------------------------------------------------------------------------------------


def _serve(tmp: Path) -> Iterator[tuple[Appliance, str]]:
    """The appliance over real HTTP."""
    appliance = Appliance(ApplianceConfig(tmp))
    with server.running(appliance) as url:
        yield appliance, url


def _token(url: str, appliance: Appliance, account: str) -> str:
    acct = appliance.account(account)
    r = httpx.post(
        f"{url}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=(acct.client_id, acct.client_secret),
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _client(url: str, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=url + PREFIX, headers=headers, event_hooks={"response": [CONFORMANCE.check]})


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Appliance, str]]:
    yield from _serve(tmp_path_factory.mktemp("appliance"))


@pytest.fixture(scope="module")
def api(served) -> Iterator[httpx.Client]:
    """A configuration-only API account on the shared appliance (tests using it delete no seeded rows)."""
    appliance, url = served
    with _client(url, _token(url, appliance, "configuration_only")) as client:
        yield client


@pytest.fixture
def fresh(tmp_path) -> Iterator[tuple[httpx.Client, Appliance]]:
    """A new appliance, for tests that delete or count seeded rows."""
    for appliance, url in _serve(tmp_path):
        with _client(url, _token(url, appliance, "full")) as client:
            yield client, appliance


def _base(api: httpx.Client) -> str:
    return str(api.base_url).rstrip("/")


def _raw(body: Any) -> bytes:
    """JSON with \\u escapes: httpx's own encoder cannot send lone surrogates."""
    return json.dumps(body).encode("ascii")


def _bag(r: httpx.Response) -> dict[str, list[str]]:
    assert r.status_code == 422, r.text
    return r.json()["errors"]


def _operations() -> list[tuple[str, str]]:
    return [(method.upper(), t) for t, item in DOC["paths"].items() for method in item if method in METHODS]


def _concrete(template: str) -> str:
    return template.replace("{id}", "1")


# --- the document and the server agree ----------------------------------------------------------------------


def test_openapi_document_is_served_as_yaml(api) -> None:
    r = api.get("/openapi.yaml")
    assert r.status_code == 200
    assert r.headers["content-type"].split(";")[0] in ("application/yaml", "text/yaml")
    assert yaml.safe_load(r.text) == DOC
    jsonschema.Draft4Validator.check_schema(_json_schema(DOC["components"]["schemas"]["User"]))


def test_every_document_path_answers_options_with_its_methods(api) -> None:
    for template in DOC["paths"]:
        r = httpx.request("OPTIONS", f"{_base(api)}{_concrete(template)}")  # no token needed
        CONFORMANCE.check(r)


@pytest.mark.parametrize("template", list(DOC["paths"]))
def test_undocumented_methods_get_405_with_allow(api, template) -> None:
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        if method.lower() not in DOC["paths"][template]:
            assert api.request(method, _concrete(template)).status_code == 405


def _resources() -> dict[str, config_api.Resource]:
    return {r.path: r for r in (cls("support.example.com") for cls in config_api.Resource.__subclasses__())}


def _describe_field(f: config_api.Field) -> dict[str, Any]:
    """A field spec in the document's terms."""
    if f.kind == "time_in":
        return {"time_in": True, "nullable": f.nullable}
    out: dict[str, Any] = {"type": {"int": "integer", "bool": "boolean"}.get(f.kind, "string")}
    bounds = ("minimum", "maximum") if f.kind == "int" else ("minLength", "maxLength")
    out |= {k: v for k, v in zip(bounds, (f.lo, f.hi), strict=True) if v is not None}
    if f.kind == "time":
        out |= {"format": "date-time", "pattern": config_api._TIME_OUT.pattern}
    out |= {"enum": list(f.enum)} if f.enum else {}
    out |= {"pattern": f.pattern} if f.pattern else {}
    return out | {"nullable": f.nullable, "readOnly": f.read_only, "writeOnly": f.write_only}


def _describe_property(schema: dict[str, Any], *, with_flags: bool = True) -> dict[str, Any]:
    schema = CONFORMANCE.resolve(schema)
    if "anyOf" in schema:
        return {"time_in": True, "nullable": bool(schema.get("nullable"))}
    keys = ("type", "minimum", "maximum", "minLength", "maxLength", "format", "enum", "pattern")
    out = {k: schema[k] for k in keys if k in schema}
    if out.get("type") != "string" or out.get("format") != "date-time":
        out.pop("format", None)  # int32, password: documentation only
    if with_flags:
        out |= {f: bool(schema.get(f)) for f in ("nullable", "readOnly", "writeOnly")}
    return out


def _request_schema(template: str, method: str) -> dict[str, Any]:
    body = DOC["paths"][template][method]["requestBody"]["content"]["application/json"]["schema"]
    return CONFORMANCE.resolve(body)


@pytest.mark.parametrize("path", sorted(_resources()))
def test_request_schemas_match_the_servers_field_specs(path) -> None:
    res = _resources()[path]
    fields = {f.name: _describe_field(f) for f in res.fields}
    methods = [("post", True)] if res.creatable else []
    for method, creating in [*methods, ("patch", False)]:
        template = f"/{path}" if creating else f"/{path}/{{id}}"
        schema = _request_schema(template, method)
        assert schema["additionalProperties"] is False
        documented = {name: _describe_property(p) for name, p in schema["properties"].items()}
        assert documented == fields, f"{method} {template}"
        required = {f.name for f in res.fields if f.required} if creating else set()
        assert set(schema.get("required", [])) == required
    assert ("post" in DOC["paths"][f"/{path}"]) == res.creatable


@pytest.mark.parametrize("path", sorted(_resources()))
def test_list_parameters_match_the_servers_filters(path) -> None:
    res = _resources()[path]
    params = [CONFORMANCE.resolve(p) for p in DOC["paths"][f"/{path}"]["get"]["parameters"]]
    documented = {p["name"]: _describe_property(p["schema"], with_flags=False) for p in params}
    expected = {flt.field.name: _describe_field(flt.field) for flt in res.filters}
    for spec in expected.values():
        for flag in ("nullable", "readOnly", "writeOnly"):
            spec.pop(flag)
    page = config_api
    expected["per_page"] = {"type": "integer", "minimum": page.PER_PAGE_MIN, "maximum": page.PER_PAGE_MAX}
    expected["current_page"] = {"type": "integer", "minimum": 1, "maximum": page.INT32_MAX}
    assert documented == expected
    assert CONFORMANCE.resolve(DOC["components"]["schemas"]["PerPage"])["default"] == page.PER_PAGE_DEFAULT


@pytest.mark.parametrize("path", sorted(_resources()))
def test_response_schemas_list_what_the_server_answers(api, path) -> None:
    res = _resources()[path]
    schema = CONFORMANCE.resolve(
        DOC["paths"][f"/{path}/{{id}}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    )
    assert set(schema["properties"]) == {f.name for f in res.fields if not f.write_only}
    local_only = set(config_api.LOCAL_ONLY) if path == "user" else set()
    assert set(schema["required"]) == set(schema["properties"]) - local_only
    assert api.get(f"/{path}").status_code == 200  # and the conformance hook validated every item


def test_document_operations_are_the_servers_routes(served) -> None:
    appliance, _ = served
    mount, _ = config_api.routes(appliance)
    implemented = {
        (method, route.path)
        for route in mount.routes
        if isinstance(route.endpoint, config_api.Endpoint)
        for method in route.endpoint.handlers
    }
    assert implemented == set(_operations())


def _fake(method: str, path: str, status: int, body: Any = None, headers: dict[str, str] | None = None):
    content = b"" if body is None else json.dumps(body).encode()
    hdrs = (
        {"content-type": "application/json", **(headers or {})} if body is not None else dict(headers or {})
    )
    return httpx.Response(
        status, headers=hdrs, content=content, request=httpx.Request(method, f"http://h{PREFIX}{path}")
    )


PAGE_HEADERS = {
    "link": '<http://h/a?current_page=1>; rel="first", <http://h/a?current_page=1>; rel="last"',
    "x-bt-pagination-current-page": "1",
    "x-bt-pagination-per-page": "5",
    "x-bt-pagination-last-page": "1",
    "x-bt-pagination-total": "1",
}
GROUP = {"id": 1, "name": "Servers", "code_name": "servers", "comments": None}


@pytest.mark.parametrize(
    ("response", "complaint"),
    [
        (_fake("GET", "/jump-group", 200, [GROUP], {**PAGE_HEADERS, "x-bt-pagination-total": "-1"}), "Total"),
        (
            _fake("GET", "/jump-group", 200, [GROUP], {k: v for k, v in PAGE_HEADERS.items() if k != "link"}),
            "Link",
        ),
        (
            _fake("GET", "/jump-group", 200, [GROUP], {**PAGE_HEADERS, "link": "<http://h/a>; rel=next"}),
            "Link",
        ),
        (_fake("GET", "/jump-group", 200, [{**GROUP, "extra": 1}], PAGE_HEADERS), "extra"),
        (_fake("GET", "/jump-group", 200, [{**GROUP, "id": "1"}], PAGE_HEADERS), "'1'"),
        (_fake("GET", "/jump-group/1", 200, {k: v for k, v in GROUP.items() if k != "comments"}), "comments"),
        (_fake("GET", "/jump-group/1", 201, GROUP), "undocumented status"),
        (_fake("GET", "/jump-group/1", 500, {"message": "boom"}), "500"),
        (_fake("GET", "/jump-group/1", 404, {"error": "not found"}), "message"),
        (_fake("GET", "/jump-group/1", 422, {"message": "bad"}), "errors"),
        (_fake("DELETE", "/jump-group/1", 204, {"message": "done"}), "a body"),
        (_fake("POST", "/jump-group", 201, GROUP), "Location"),
        (_fake("GET", "/user/5", 200, {"id": 5}), "required"),
        (_fake("GET", "/jump-client/1", 401, {"error": "invalid_token", "message": "x"}), "invalid_token"),
        (_fake("PUT", "/jump-group", 405, {"message": "no"}, {"allow": "GET,POST"}), "allow"),
        (_fake("GET", "/nowhere", 200, []), "404"),
        (_fake("OPTIONS", "/user", 204, None, {"allow": "GET,HEAD,POST"}), "allow"),
    ],
)
def test_conformance_check_rejects_what_the_document_does_not_allow(response, complaint) -> None:
    with pytest.raises(AssertionError) as failure:
        CONFORMANCE.check(response)
    assert complaint.lower() in str(failure.value).lower()


def test_conformance_check_accepts_a_documented_response() -> None:
    CONFORMANCE.check(_fake("GET", "/jump-group", 200, [GROUP], PAGE_HEADERS))
    CONFORMANCE.check(
        _fake("POST", "/jump-group", 201, GROUP, {"location": "http://h/api/config/v1/jump-group/1"})
    )


# --- authentication and permission --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "template"), _operations())
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwdw==", "Bearer"])
def test_missing_or_invalid_token_gets_the_guides_access_denied(
    served, method, template, authorization
) -> None:
    _, url = served
    headers = {"Authorization": authorization} if authorization else {}
    with _client(url, None) as client:
        r = client.request(method, _concrete(template), headers=headers, json={} if method != "GET" else None)
    assert (r.status_code, r.json()) == (401, ACCESS_DENIED)


@pytest.mark.parametrize(("method", "template"), _operations())
def test_account_without_configuration_permission_gets_403(served, method, template) -> None:
    appliance, url = served
    with _client(url, _token(url, appliance, "reporting_only")) as client:
        r = client.request(method, _concrete(template), json={} if method != "GET" else None)
    assert r.status_code == 403
    assert "permission" in r.json()["message"]


def test_accounts_with_configuration_permission_get_in(served) -> None:
    appliance, url = served
    for name in ("full", "configuration_only", "no_command"):
        with _client(url, _token(url, appliance, name)) as client:
            assert client.get("/user").status_code == 200


# --- pagination ---------------------------------------------------------------------------------------------


def _links(r: httpx.Response) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', r.headers["link"])}


def _page_of(url: str) -> tuple[int, int]:
    q = parse_qs(urlsplit(url).query)
    return int(q["per_page"][0]), int(q["current_page"][0])


def test_pagination_headers_and_link_follow_the_vendor(api) -> None:
    r = api.get("/jump-client", params={"per_page": 5, "current_page": 2})
    assert [c["id"] for c in r.json()] == [6, 7, 8, 9, 10]
    pages = {k.lower(): v for k, v in r.headers.items() if k.lower().startswith("x-bt-pagination")}
    assert pages == {
        "x-bt-pagination-current-page": "2",
        "x-bt-pagination-per-page": "5",
        "x-bt-pagination-last-page": "3",
        "x-bt-pagination-total": "12",
    }
    links = _links(r)
    assert list(links) == ["first", "previous", "next", "last"]
    assert {rel: _page_of(u) for rel, u in links.items()} == {
        "first": (5, 1),
        "previous": (5, 1),
        "next": (5, 3),
        "last": (5, 3),
    }
    assert all(u.startswith(f"{_base(api)}/jump-client?") for u in links.values())
    assert ", <" in r.headers["link"] and "\n" not in r.headers["link"]


def test_first_and_last_pages_leave_out_previous_and_next(api) -> None:
    first = _links(api.get("/jump-client", params={"per_page": 5}))
    assert list(first) == ["first", "next", "last"]
    last = _links(api.get("/jump-client", params={"per_page": 5, "current_page": 3}))
    assert list(last) == ["first", "previous", "last"]
    only = api.get("/jump-group")
    assert list(_links(only)) == ["first", "last"] and only.headers["x-bt-pagination-per-page"] == "100"


def test_following_next_links_visits_every_item_once_and_keeps_filters(api) -> None:
    seen: list[int] = []
    url: str | None = f"{_base(api)}/jump-client?jump_group_type=shared&per_page=5"
    while url:
        r = api.get(url)
        seen += [c["id"] for c in r.json()]
        assert all(c["jump_group_type"] == "shared" for c in r.json())
        assert all("jump_group_type=shared" in u for u in _links(r).values())
        url = _links(r).get("next")
    assert seen == list(range(1, 10))


def test_page_past_the_end_is_empty_and_nothing_matching_has_one_page(api) -> None:
    r = api.get("/jump-client", params={"per_page": 5, "current_page": 9})
    assert r.json() == [] and r.headers["x-bt-pagination-last-page"] == "3"
    assert list(_links(r)) == ["first", "last"]
    r = api.get("/jump-client", params={"name": "no-such-client"})
    assert r.json() == [] and r.headers["x-bt-pagination-total"] == "0"
    assert r.headers["x-bt-pagination-last-page"] == "1"


@pytest.mark.parametrize(
    "params",
    [
        {"per_page": "4"},
        {"per_page": "101"},
        {"per_page": "ten"},
        {"per_page": ""},
        {"per_page": "5.0"},
        {"current_page": "0"},
        {"current_page": "-1"},
        {"current_page": "2147483648"},
        {"current_page": "9" * 5000},
        {"per_page": ["5", "10"]},
    ],
)
def test_bad_pagination_parameters_get_422(api, params) -> None:
    (name,) = params
    assert name in _bag(api.get("/user", params=params))


def test_head_answers_the_get_headers_without_a_body(api) -> None:
    get, head = api.get("/user", params={"per_page": 5}), api.head("/user", params={"per_page": 5})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["link"] == get.headers["link"]
    assert head.headers["x-bt-pagination-total"] == get.headers["x-bt-pagination-total"]


# --- filters ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "ids"),
    [
        ("/jump-client", {"name": "srv-001"}, [1]),  # case-insensitive, exact
        ("/jump-client", {"name": "SRV-00"}, []),  # no partial matches
        ("/jump-client", {"jump_group_type": "personal"}, [10, 11, 12]),
        ("/jump-client", {"jump_group_id": 2, "jump_group_type": "shared"}, [5, 6, 7, 8, 9]),
        ("/jump-client", {"connection_type": "uninstalled", "tag": "PROD"}, [3]),
        ("/jump-client", {"console_user": "corp\\USER2"}, [2]),
        ("/jumpoint", {"hostname": "LX-JP02"}, [2]),  # any node matches
        ("/jumpoint", {"public_ip": "203.0.113.10"}, [1]),
        ("/jumpoint", {"code_name": "BRANCH_OFFICE"}, [3]),
        ("/jump-group", {"name": "network devices"}, [3]),
        ("/jump-item/shell-jump", {"jumpoint_id": 1}, [1, 2]),
        ("/jump-item/shell-jump", {"jump_group_type": "personal", "jump_group_id": 2}, [4]),
        ("/user", {"security_provider_id": 2}, [5]),
        ("/user", {"username": "JSmith"}, [2]),
        ("/user", {"email_address": "AKIM@example.com"}, [4]),
    ],
)
def test_filters_match_case_insensitively_and_exactly(api, path, params, ids) -> None:
    r = api.get(path, params=params)
    assert [item["id"] for item in r.json()] == ids
    assert r.headers["x-bt-pagination-total"] == str(len(ids))


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/jump-client", {"jump_group_type": "team"}),
        ("/jump-client", {"jump_group_id": "0"}),
        ("/jump-client", {"jump_group_id": "x"}),
        ("/jump-client", {"name": ""}),
        ("/jump-client", {"tag": "t" * 65}),
        ("/jump-group", {"code_name": "not a code name"}),
        ("/jump-item/shell-jump", {"hostname": "ab"}),
        ("/user", {"email_address": "ab"}),
    ],
)
def test_invalid_filters_get_422(api, path, params) -> None:
    (name,) = params
    assert name in _bag(api.get(path, params=params))


@pytest.mark.parametrize("path", ["/user", "/user/1", "/openapi.yaml", "/jump-group"])
def test_unrecognized_query_parameters_get_401_naming_them(api, path) -> None:
    r = api.get(path, params={"sort": "name", "per_page": 5} if path == "/jump-group" else {"sort": "name"})
    assert r.status_code == 401
    assert r.json()["errors"] == {"sort": ["The sort query parameter is not recognized."]}


# --- jump groups --------------------------------------------------------------------------------------------


def test_jump_group_crud(api) -> None:
    r = api.post("/jump-group", json={"name": "Lab Machines", "comments": "temporary"})
    assert r.status_code == 201
    group = r.json()
    assert group == {
        "id": group["id"],
        "name": "Lab Machines",
        "code_name": "lab_machines",
        "comments": "temporary",
    }
    assert r.headers["location"] == f"{_base(api)}/jump-group/{group['id']}"
    assert api.get(r.headers["location"]).json() == group
    r = api.patch(f"/jump-group/{group['id']}", json={"name": "Lab", "comments": None})
    assert r.json() == {**group, "name": "Lab", "comments": None}
    assert api.delete(f"/jump-group/{group['id']}").status_code == 204
    assert api.get(f"/jump-group/{group['id']}").status_code == 404
    assert api.delete(f"/jump-group/{group['id']}").status_code == 404
    assert api.patch(f"/jump-group/{group['id']}", json={"name": "x"}).status_code == 404


def test_jump_group_names_and_code_names_are_unique(api) -> None:
    assert _bag(api.post("/jump-group", json={"name": "SERVERS"})) == {
        "name": ["The name has already been taken."]
    }
    bag = _bag(api.post("/jump-group", json={"name": "Other", "code_name": "Servers"}))
    assert bag == {"code_name": ["The code name has already been taken."]}
    a = api.post("/jump-group", json={"name": "Servers!"}).json()  # free name, taken code name: a suffix
    assert a["code_name"] == "servers_2"
    assert (
        api.patch(f"/jump-group/{a['id']}", json={"name": "Servers!", "code_name": "servers_2"}).status_code
        == 200
    )
    assert "name" in _bag(api.patch(f"/jump-group/{a['id']}", json={"name": "workstations"}))
    assert api.delete(f"/jump-group/{a['id']}").status_code == 204


def test_concurrent_creates_of_one_name_make_one_group(api) -> None:
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(lambda _: api.post("/jump-group", json={"name": "Race"}).status_code, range(8))
        )
    assert sorted(statuses) == [201] + [422] * 7
    (group,) = api.get("/jump-group", params={"name": "race"}).json()
    assert api.delete(f"/jump-group/{group['id']}").status_code == 204


def test_deleting_a_jump_group_deletes_the_jump_items_it_owns(fresh) -> None:
    api, _ = fresh
    assert [
        c["id"]
        for c in api.get("/jump-client", params={"jump_group_id": 1, "jump_group_type": "shared"}).json()
    ] == [1, 2, 3, 4]
    assert api.get("/jump-item/shell-jump/3").json()["jump_group_id"] == 1
    personal = api.get("/jump-client/10").json()  # owned by user 2, whose id equals Jump Group 2's
    assert api.delete("/jump-group/1").status_code == 204
    for path in ("/jump-client/1", "/jump-client/4", "/jump-item/shell-jump/3"):
        assert api.get(path).status_code == 404
    assert api.delete("/jump-group/2").status_code == 204
    assert api.get("/jump-client/10").json() == personal
    assert api.get("/jump-client").headers["x-bt-pagination-total"] == "3"


# --- jumpoints ----------------------------------------------------------------------------------------------


def test_jumpoint_crud_and_fixed_fields(api) -> None:
    r = api.post("/jumpoint", json={"name": "Test Site", "platform": "linux-x86", "clustered": True})
    assert r.status_code == 201
    jp = r.json()
    assert jp | {"id": 0} == {
        "id": 0, "name": "Test Site", "platform": "linux-x86", "code_name": "test_site", "comments": "",
        "enabled": True, "connected": False, "clustered": True, "shell_jump_enabled": False,
        "external_jump_item_network_id": "",
    }  # fmt: skip
    url = f"/jumpoint/{jp['id']}"
    assert (
        api.patch(url, json={"platform": "linux-x86", "clustered": True, "enabled": False}).json()["enabled"]
        is False
    )
    bag = _bag(api.patch(url, json={"platform": "windows-x86", "clustered": False}))
    assert set(bag) == {"platform", "clustered"}
    assert "external_jump_item_network_id" in _bag(
        api.patch(url, json={"external_jump_item_network_id": "DC1"})
    )
    assert api.patch(url, json={"connected": True}).json()["connected"] is False  # read-only: ignored
    assert api.delete(url).status_code == 204


def test_jumpoint_requires_name_and_platform(api) -> None:
    bag = _bag(api.post("/jumpoint", json={"comments": "x"}))
    assert bag == {"name": ["The name field is required."], "platform": ["The platform field is required."]}
    assert _bag(api.post("/jumpoint", json={"name": "x", "platform": "solaris"})) == {
        "platform": ["The selected platform is invalid."]
    }


def test_deleting_a_jumpoint_deletes_its_shell_jump_items(fresh) -> None:
    api, _ = fresh
    assert api.delete("/jumpoint/1").status_code == 204
    assert [s["id"] for s in api.get("/jump-item/shell-jump").json()] == [3, 4]
    assert api.get("/jumpoint", params={"hostname": "dc1-jp01"}).json() == []


# --- jump clients -------------------------------------------------------------------------------------------


def test_jump_clients_are_not_created_through_the_api(api) -> None:
    r = api.post("/jump-client", json={"jump_group_id": 1})
    assert r.status_code == 405 and r.headers["allow"] == "GET,HEAD"


def test_jump_client_update_and_read_only_round_trip(api) -> None:
    client = api.get("/jump-client/5").json()
    r = api.patch("/jump-client/5", json={**client, "tag": "moved", "hostname": "ignored", "is_lost": True})
    assert r.status_code == 200
    assert r.json() == {**client, "tag": "moved"}
    r = api.patch("/jump-client/5", json={"jump_group_type": "personal", "jump_group_id": 3})
    assert (r.json()["jump_group_type"], r.json()["jump_group_id"]) == ("personal", 3)
    assert api.patch("/jump-client/5", json=client).json() == client


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"jump_group_id": 99}, "jump_group_id"),
        ({"jump_group_type": "personal", "jump_group_id": 99}, "jump_group_id"),
        ({"public_site_address": "evil.example.net"}, "public_site_address"),
        ({"customer_client_start_mode": "fullscreen"}, "customer_client_start_mode"),
        ({"max_offline_minutes": -1}, "max_offline_minutes"),
        ({"name": ""}, "name"),
        ({"hostname": ""}, "hostname"),  # read-only values are still checked
        ({"last_connect_timestamp": "2021-10-04T09:41:17Z"}, "last_connect_timestamp"),
    ],
)
def test_jump_client_update_is_validated(api, body, field) -> None:
    assert field in _bag(api.patch("/jump-client/6", json=body))


# --- shell jump items ---------------------------------------------------------------------------------------


def test_shell_jump_defaults_references_and_delete(api) -> None:
    body = {
        "name": "fw",
        "jumpoint_id": 2,
        "hostname": "fw.corp.example.com",
        "protocol": "telnet",
        "jump_group_id": 3,
    }
    r = api.post("/jump-item/shell-jump", json=body)
    assert r.status_code == 201
    item = r.json()
    assert (item["port"], item["terminal"], item["keep_alive"], item["jump_group_type"]) == (
        23,
        "xterm",
        0,
        "shared",
    )
    assert api.patch(f"/jump-item/shell-jump/{item['id']}", json={"protocol": "ssh"}).json()["port"] == 23
    bag = _bag(
        api.patch(
            f"/jump-item/shell-jump/{item['id']}",
            json={"jumpoint_id": 42, "jump_group_type": "personal", "jump_group_id": 42},
        )
    )
    assert set(bag) == {"jumpoint_id", "jump_group_id"}
    assert api.delete(f"/jump-item/shell-jump/{item['id']}").status_code == 204


def test_shell_jump_create_lists_every_missing_field(api) -> None:
    bag = _bag(api.post("/jump-item/shell-jump", json={"port": 22}))
    assert set(bag) == {"name", "jumpoint_id", "hostname", "protocol", "jump_group_id"}


# --- users --------------------------------------------------------------------------------------------------


def test_users_are_listed_in_creation_order_and_local_only_fields_stay_local(api) -> None:
    users = api.get("/user").json()
    assert [u["username"] for u in users] == [
        "admin", "jsmith", "asmith", "akim", "ppatel", "pnovak", "contractor.lee", "cwong"
    ]  # fmt: skip
    ldap = next(u for u in users if u["security_provider_id"] != 1)
    assert not set(config_api.LOCAL_ONLY) & set(ldap)
    assert all("password" not in u and "password_hash" not in u for u in users)


def test_user_update_rules(api) -> None:
    assert api.patch("/user/4", json={"failed_logins": 0}).json()["failed_logins"] == 0
    assert "failed_logins" in _bag(api.patch("/user/4", json={"failed_logins": 2}))
    r = api.patch(
        "/user/3", json={"password": "correct horse", "password_expiration": "2030-01-02T03:04:05.678Z"}
    )
    assert r.json()["password_expiration"] == "2030-01-02T03:04:05+00:00" and "password" not in r.json()
    assert api.patch("/user/3", json={"password_expiration": ""}).json()["password_expiration"] is None
    assert "password" in _bag(api.patch("/user/3", json={"password": "short"}))
    for value in ("2030-01-02T03:04:05", "2030-01-02T03:04:05-08:00", "2030-02-30T00:00:00Z"):
        assert "password_expiration" in _bag(api.patch("/user/3", json={"password_expiration": value}))
    bag = _bag(api.patch("/user/5", json={"username": "x", "password": "longenough", "failed_logins": 0}))
    assert set(bag) == {"username", "password", "failed_logins"}
    assert api.patch("/user/5", json={"public_display_name": "Priya P."}).status_code == 200
    ldap = api.get("/user/5").json()
    assert api.patch("/user/5", json=ldap).json() == ldap  # a GET body sent back, unchanged username and all
    assert _bag(api.patch("/user/3", json={"username": "JSMITH"})) == {
        "username": ["The username has already been taken."]
    }
    assert "preferred_email_language" in _bag(api.patch("/user/3", json={"preferred_email_language": "xx"}))


def test_users_are_not_created_and_administrators_not_deleted(fresh) -> None:
    api, _ = fresh
    assert api.post("/user", json={"username": "new"}).status_code == 405
    assert _bag(api.delete("/user/1")) == {"id": ["Only non-administrators can be deleted."]}
    assert api.get("/jump-item/shell-jump/4").status_code == 200  # user 2's personal Shell Jump Item
    assert api.delete("/user/2").status_code == 204
    assert api.get("/user/2").status_code == 404
    assert (
        api.get("/jump-client/10").status_code == 404
        and api.get("/jump-item/shell-jump/4").status_code == 404
    )
    assert api.get("/jump-client/5").status_code == 200  # Jump Group 2's, not the user's


def test_seed_is_deterministic_and_happens_once(tmp_path) -> None:
    dumps = []
    for name in ("a", "b"):
        for appliance, url in _serve(tmp_path / name):
            with _client(url, _token(url, appliance, "full")) as client:
                dumps.append(
                    [client.get(p).json() for p in ("/jump-group", "/jump-client", "/jumpoint", "/user")]
                )
                assert client.delete("/jump-client/1").status_code == 204
    assert dumps[0] == dumps[1]
    for appliance, url in _serve(tmp_path / "a"):  # a restart keeps the deletion
        with _client(url, _token(url, appliance, "full")) as client:
            assert client.get("/jump-client/1").status_code == 404
    ours = re.findall(r"CREATE (?:TABLE|INDEX) IF NOT EXISTS (\w+)", config_api.DDL)
    assert ours and all(name.startswith("config_") for name in ours)
    with sqlite3.connect(tmp_path / "a" / "appliance.sqlite") as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert set(ours) <= tables


# --- hostile input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": 123}, "name"),
        ({"name": None}, "name"),
        ({"name": ["x"]}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"name": "\ud800"}, "name"),  # a lone surrogate: no UTF-8 store can hold it
        ({"name": "ok", "code_name": "has space"}, "code_name"),
        ({"name": "ok", "code_name": ""}, "code_name"),
        ({"name": "ok", "comments": "c" * 4097}, "comments"),
        ({"name": "ok", "id": "1"}, "id"),  # read-only, still typed
    ],
)
def test_wrong_types_and_sizes_get_422_bags(api, body, field) -> None:
    assert field in _bag(api.post("/jump-group", content=_raw(body), headers=JSON))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"jumpoint_id": "1"}, "jumpoint_id"),  # vendor: integers are JSON numbers, not strings
        ({"jumpoint_id": 1.0}, "jumpoint_id"),
        ({"jumpoint_id": True}, "jumpoint_id"),
        ({"port": 10**30}, "port"),
        ({"port": 2**31}, "port"),
        ({"keep_alive": -1}, "keep_alive"),
        ({"jump_group_id": 2147483648}, "jump_group_id"),
    ],
)
def test_integers_are_json_numbers_in_range(api, body, field) -> None:
    assert field in _bag(api.patch("/jump-item/shell-jump/1", json=body))


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        (b"{not json", JSON, 422),
        (b'{"name": NaN}', JSON, 422),
        (b'{"name": Infinity}', JSON, 422),
        (b"[1, 2]", JSON, 422),
        (b'"Servers"', JSON, 422),
        (b"null", JSON, 422),
        (b"", JSON, 422),
        (b"   ", JSON, 422),
        (b"\xff\xfe{}", JSON, 422),
        (b"\xef\xbb\xbf{}", JSON, 422),
        (b"[" * 200_000, JSON, 422),
        (b'{"port": 1' + b"0" * 10_000 + b"}", JSON, 422),
        (b'{"name": "x"}', {"content-type": "text/plain"}, 415),
        (b'{"name": "x"}', {}, 415),
        (b'{"name": "x"}', {"content-type": "application/json; charset=latin-1"}, 415),
        (b'{"name": "' + b"x" * (config_api.MAX_BODY + 1) + b'"}', JSON, 413),
    ],
)
def test_malformed_bodies_get_json_errors(api, content, headers, status) -> None:
    for method, path in (("POST", "/jump-group"), ("PATCH", "/jump-item/shell-jump/1")):
        r = api.request(method, path, content=content, headers=headers)
        assert r.status_code == status, (method, r.text[:200])


def test_chunked_body_too_large_gets_413(api) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b" " * 10_000

    assert api.post("/jump-group", content=chunks(), headers=JSON).status_code == 413


def test_unrecognized_body_fields_get_401_naming_them(api) -> None:
    r = api.post(
        "/jump-group", content=_raw({"name": "x", "jump_policy_id": None, "\ud800": 1}), headers=JSON
    )
    assert r.status_code == 401
    assert set(r.json()["errors"]) == {"jump_policy_id", "\ufffd"}
    assert api.patch("/user/2", json={"is_admin": True}).status_code == 401
    assert api.get("/jump-group", params={"name": "x"}).json() == []  # nothing was created


@pytest.mark.parametrize(
    "path",
    ["/jump-group/0", "/jump-group/-1", "/jump-group/abc", "/jump-group/1.5", "/jump-group/2147483648",
     "/jump-group/" + "9" * 400, "/jump-group/%F0%9F%92%A5", "/user/1%00"],
)  # fmt: skip
def test_bad_ids_get_422(api, path) -> None:
    assert "id" in _bag(api.get(path))


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/jump-group/",
        "/jump-group/1/x",
        "/users",
        "/jump-item",
        "/jump-group/..%2F..%2Foauth2%2Ftoken",
        "/%00",
        "/x%0Ay",  # Starlette's {path:path} stops at a newline
        "/jump-group/1/%0A",
    ],
)
def test_unknown_paths_get_json_404(api, path) -> None:
    r = api.get(path)
    assert r.status_code == 404 and r.json()["message"]
    assert api.post(path, json={}).status_code == 404


def test_the_bare_prefix_is_a_json_404_too(api) -> None:
    assert api.get(_base(api)).status_code == 404  # conformance: the documented error body


def test_hostile_host_header_does_not_reach_links(api) -> None:
    r = api.get("/user", headers={"Host": 'evil"><script>'})
    assert r.status_code == 200
    assert "evil" not in r.headers["link"] and "script" not in r.headers["link"]


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)
TARGETS = [("POST", "/jump-group"), ("PATCH", "/jump-client/7"), ("PATCH", "/user/6"), ("POST", "/jumpoint")]


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.sampled_from(TARGETS),
    body=st.dictionaries(
        st.sampled_from(
            ["name", "comments", "jump_group_id", "platform", "enabled", "display_number", "tag"]
        ),
        JSON_VALUES,
        max_size=4,
    ),
)
def test_arbitrary_json_never_breaks_the_server(fresh, target, body) -> None:
    api, _ = fresh
    method, path = target
    if method == "POST":
        body = {**body, "name": f"fuzz {len(body)} {hash(str(body))}"} if "name" not in body else body
    r = api.request(method, path, json=body)  # the conformance hook checks status, headers and body
    assert r.status_code in (200, 201, 401, 422)
    if r.status_code == 201:
        assert api.delete(urlsplit(r.headers["location"]).path.removeprefix(PREFIX)).status_code == 204


# --- schemathesis -------------------------------------------------------------------------------------------


# Every stateless check but positive_data_acceptance: whether valid data is accepted depends on state (a
# generated DELETE removes the Jump Group a later generated POST names; names must be unique).
SCHEMATHESIS_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "ignored_auth",
)


def test_schemathesis_stateless_checks(tmp_path) -> None:
    schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (test extra)")
    checks = [getattr(schemathesis.checks, name) for name in SCHEMATHESIS_CHECKS]
    for appliance, url in _serve(tmp_path):  # its own appliance: generated DELETEs remove seeded rows
        # The token goes in through schemathesis's auth, so a negative case that drops it stays negative.
        auth = {"auth": {"openapi": {"bearerAuth": {"bearer": _token(url, appliance, "full")}}}}
        schema = schemathesis.openapi.from_dict(DOC, config=schemathesis.Config.from_dict(auth))
        for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
            _schemathesis_run(schema.as_strategy(generation_mode=mode), url + PREFIX, checks)


def _schemathesis_run(strategy, base_url: str, checks: list) -> None:
    @settings(max_examples=250, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case) -> None:
        case.validate_response(case.call(base_url=base_url), checks=checks)

    run()
