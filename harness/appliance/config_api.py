"""The configuration API (/api/config/v1): jump groups, jumpoints, jump clients, shell jump items and users.

A subset of the vendor's Configuration API (OpenAPI document 1.10) with the project's own OpenAPI document,
openapi/config-v1.yaml, served at /api/config/v1/openapi.yaml; the tests hold the two together.

Vendor facts followed: OAuth bearer tokens (a bad token gets the guide's access_denied JSON 401), 403 for an
account without Configuration API permission, pagination with `per_page` (5..100, default 100) and
`current_page` (1-based) answered with a `Link` header (rel first/previous/next/last) and the four
`X-BT-Pagination-*` headers, 404 for an unknown id, 422 with `{"message", "errors": {field: [messages]}}` for
invalid data, 401 for unrecognized query parameters or body fields (the vendor's status-code table says so),
integers only as JSON numbers, RFC 3339 UTC date-times answered with "+00:00", HEAD wherever GET is, OPTIONS
answering an `Allow` header, 405 for other methods, `Location` on 201, cascading deletes of what a Jump Group
or a Jumpoint owns, and no deleting of administrators.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
import secrets
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import Receive, Scope, Send

from harness.appliance import db, directory
from harness.appliance.oauth import access_denied, authenticate

log = logging.getLogger("harness.appliance.config_api")

PREFIX = "/api/config/v1"
SPEC_PATH = Path(__file__).parent / "openapi" / "config-v1.yaml"
INT32_MAX = 2_147_483_647
MAX_BODY = 256 << 10
PER_PAGE_DEFAULT, PER_PAGE_MIN, PER_PAGE_MAX = 100, 5, 100
UNKNOWN_FIELD_STATUS = 401  # the vendor's status-code table: unrecognized query parameters or body fields
LOCAL_PROVIDER, LDAP_PROVIDER = 1, 2
PASSWORD_MIN = 8  # the vendor leaves it to Management > Security > Passwords; this appliance's setting
LOCALES = ("en-us", "de", "es", "fr", "ja")
CODE_NAME = r"^[a-zA-Z0-9_-]+$"
METHOD_ORDER = ("GET", "HEAD", "POST", "PATCH", "DELETE")

Errors = dict[str, list[str]]


# --- fields and their checks --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One property of a resource as requests may carry it (the document's request schemas say the same)."""

    name: str
    kind: str  # int | str | bool | time (answered form, "+00:00") | time_in (what requests may send)
    lo: int | None = None  # minimum, or minLength for strings
    hi: int | None = None  # maximum, or maxLength for strings
    enum: tuple[Any, ...] | None = None
    pattern: str | None = None
    nullable: bool = False
    read_only: bool = False  # accepted in requests (a GET body sent back), checked, and ignored
    write_only: bool = False  # never answered
    required: bool = False  # on create
    fixed: bool = False  # settable on create only
    unique: bool = False  # case-insensitively unique among non-empty values

    @property
    def label(self) -> str:
        return self.name.replace("_", " ")


_TIME_OUT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
# RFC 3339 in UTC: "Z" or "+00:00", milliseconds optional (and ignored).
_TIME_IN = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:[Zz]|\+00:00)$")


def _parse_time(text: str) -> str | None:
    """The canonical "+00:00" form of a request date-time, or None if it is not RFC 3339 UTC."""
    m = _TIME_IN.fullmatch(text)
    if m is None:
        return None
    try:
        return datetime(*map(int, m.groups()), tzinfo=UTC).isoformat()
    except ValueError:
        return None


def _is_unicode(text: str) -> bool:
    """JSON can carry lone surrogates ("\\ud800") that no UTF-8 store or answer can hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check(f: Field, value: Any) -> str | None:
    """Laravel-style message for an invalid value, or None. Integers are JSON numbers only (vendor)."""
    if value is None:
        return None if f.nullable else f"The {f.label} field may not be null."
    if f.kind == "int":
        if type(value) is not int:
            return f"The {f.label} must be an integer."
        if (f.lo is not None and value < f.lo) or (f.hi is not None and value > f.hi):
            return f"The {f.label} must be between {f.lo} and {f.hi}."
    elif f.kind == "bool":
        if type(value) is not bool:
            return f"The {f.label} field must be true or false."
    elif not isinstance(value, str) or not _is_unicode(value):
        return f"The {f.label} must be a string."
    elif f.kind == "time":
        if not _TIME_OUT.fullmatch(value) or _parse_time(value) is None:
            return f"The {f.label} must be a date-time in the form YYYY-MM-DDTHH:MM:SS+00:00."
    elif f.kind == "time_in":
        if _parse_time(value) is None and not (value == "" and f.nullable):  # vendor: empty means none
            return f"The {f.label} must be an RFC 3339 date-time in UTC (a Z or +00:00 suffix)."
    elif f.lo is not None and len(value) < f.lo:
        return f"The {f.label} must be at least {f.lo} characters."
    elif f.hi is not None and len(value) > f.hi:
        return f"The {f.label} may not be greater than {f.hi} characters."
    elif f.pattern is not None and not re.fullmatch(f.pattern, value):
        return f"The {f.label} format is invalid."
    if f.enum is not None and value not in f.enum:
        return f"The selected {f.label} is invalid."
    return None


def _str(name: str, lo: int | None, hi: int | None, **kw: Any) -> Field:
    return Field(name, "str", lo, hi, **kw)


def _int(name: str, lo: int | None = 1, hi: int | None = INT32_MAX, **kw: Any) -> Field:
    return Field(name, "int", lo, hi, **kw)


def _bool(name: str, **kw: Any) -> Field:
    return Field(name, "bool", **kw)


def _enum(name: str, *values: str, **kw: Any) -> Field:
    return Field(name, "str", enum=values, **kw)


def _ro(f: Field) -> Field:
    return Field(**{**f.__dict__, "read_only": True})


ID = _ro(_int("id"))
CODE_NAME_FIELD = _str("code_name", 1, 64, pattern=CODE_NAME, unique=True)


@dataclass(frozen=True)
class Filter:
    """A list query parameter: its check, and the SQL condition (one placeholder) it adds."""

    field: Field
    sql: str


def _text_filter(f: Field) -> Filter:
    # Vendor: "String parameters are always matched case-insensitively and exactly".
    return Filter(f, f"cf({f.name}) = cf(?)")


def _node_filter(name: str) -> Filter:
    # Vendor: a Jumpoint matches when any of its nodes does.
    sql = f"EXISTS (SELECT 1 FROM config_jumpoint_node n WHERE n.jumpoint_id = t.id AND cf(n.{name}) = cf(?))"
    return Filter(Field(name, "str"), sql)


# --- the store ----------------------------------------------------------------------------------------------

DDL = """
CREATE TABLE IF NOT EXISTS config_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS config_user (
    id INTEGER PRIMARY KEY, security_provider_id INTEGER NOT NULL, display_number INTEGER NOT NULL,
    username TEXT NOT NULL, password_hash TEXT, public_display_name TEXT NOT NULL,
    private_display_name TEXT NOT NULL, password_expiration TEXT, email_address TEXT NOT NULL,
    preferred_email_language TEXT NOT NULL, two_factor_required INTEGER NOT NULL, enabled INTEGER NOT NULL,
    last_authentication TEXT, failed_logins INTEGER NOT NULL, password_reset_next_login INTEGER NOT NULL,
    created_at TEXT NOT NULL, two_factor_enabled INTEGER NOT NULL, perm_admin INTEGER NOT NULL,
    perm_admin_pushagents INTEGER NOT NULL, perm_edit_jump_groups INTEGER NOT NULL,
    perm_jump_client INTEGER NOT NULL, perm_shell_jump INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS config_jump_group (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, code_name TEXT NOT NULL, comments TEXT
);
CREATE TABLE IF NOT EXISTS config_jumpoint (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, platform TEXT NOT NULL, code_name TEXT NOT NULL,
    comments TEXT NOT NULL, enabled INTEGER NOT NULL, connected INTEGER NOT NULL, clustered INTEGER NOT NULL,
    shell_jump_enabled INTEGER NOT NULL, external_jump_item_network_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS config_jumpoint_node (
    id INTEGER PRIMARY KEY,
    jumpoint_id INTEGER NOT NULL REFERENCES config_jumpoint(id) ON DELETE CASCADE,
    public_ip TEXT NOT NULL, private_ip TEXT NOT NULL, hostname TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS config_jump_client (
    id INTEGER PRIMARY KEY, jump_group_id INTEGER NOT NULL, jump_group_type TEXT NOT NULL, name TEXT NOT NULL,
    hostname TEXT NOT NULL, fqdn TEXT NOT NULL, tag TEXT NOT NULL, comments TEXT NOT NULL,
    public_site_address TEXT NOT NULL, customer_client_start_mode TEXT NOT NULL, is_quiet INTEGER NOT NULL,
    install_mode TEXT NOT NULL, connection_type TEXT NOT NULL, last_connect_timestamp TEXT,
    last_disconnect_timestamp TEXT, is_lost INTEGER NOT NULL, needs_update INTEGER NOT NULL,
    unavailable_reason TEXT NOT NULL, operating_system TEXT NOT NULL, public_ip TEXT NOT NULL,
    private_ip TEXT NOT NULL, console_user TEXT NOT NULL, expiration_timestamp TEXT,
    max_offline_minutes INTEGER NOT NULL, last_access_timestamp TEXT
);
CREATE TABLE IF NOT EXISTS config_shell_jump (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL,
    jumpoint_id INTEGER NOT NULL REFERENCES config_jumpoint(id) ON DELETE CASCADE,
    hostname TEXT NOT NULL, protocol TEXT NOT NULL, port INTEGER NOT NULL, jump_group_id INTEGER NOT NULL,
    jump_group_type TEXT NOT NULL, terminal TEXT NOT NULL, keep_alive INTEGER NOT NULL, tag TEXT NOT NULL,
    comments TEXT NOT NULL, username TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS config_jump_client_owner ON config_jump_client (jump_group_type, jump_group_id);
CREATE INDEX IF NOT EXISTS config_shell_jump_owner ON config_shell_jump (jump_group_type, jump_group_id);
CREATE INDEX IF NOT EXISTS config_jumpoint_node_jumpoint ON config_jumpoint_node (jumpoint_id);
"""


def _casefold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


class Store:
    """The configuration tables in <data_dir>/appliance.sqlite."""

    def __init__(self, path: Path, site: str):
        self.path = path
        db.ensure_schema(path, DDL)
        with self.write() as conn:
            if conn.execute("SELECT 1 FROM config_meta WHERE key = 'seeded'").fetchone() is None:
                _seed(conn, site)  # first start only: rows deleted later stay deleted across restarts
                conn.execute("INSERT INTO config_meta VALUES ('seeded', '1')")

    def conn(self) -> sqlite3.Connection:
        conn = db.connect(self.path)
        conn.create_function("cf", 1, _casefold, deterministic=True)  # Unicode-aware case-insensitivity
        return conn

    def _idle_conn(self) -> sqlite3.Connection:
        conn = self.conn()
        if conn.in_transaction:  # left open by a COMMIT that failed (busy): start clean
            conn.execute("ROLLBACK")
        return conn

    @contextlib.contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One serialized write transaction: checks (uniqueness, references) and writes see the same data."""
        conn = self._idle_conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A snapshot, so a page and its total agree."""
        conn = self._idle_conn()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")


# --- resources ----------------------------------------------------------------------------------------------


class Invalid(Exception):
    """422: the request is well-formed but its data is not acceptable."""

    def __init__(self, errors: Errors):
        super().__init__(errors)
        self.errors = errors


class NotFound(Exception):
    """404: no resource with that id."""

    def __init__(self, title: str):
        super().__init__(title)
        self.title = title


class Resource:
    """One collection: its fields, filters and SQL; subclasses add references and rules."""

    path: str
    table: str
    title: str
    fields: tuple[Field, ...]
    filters: tuple[Filter, ...] = ()
    creatable = True

    def __init__(self, site_address: str):
        self.site_address = site_address
        self.by_name = {f.name: f for f in self.fields}

    # answers
    def render(self, row: sqlite3.Row) -> dict[str, Any]:
        out = {}
        for f in self.fields:
            if f.write_only:
                continue
            value = row[f.name]
            out[f.name] = bool(value) if f.kind == "bool" and value is not None else value
        return out

    # reads
    def page(
        self, conn: sqlite3.Connection, where: list[tuple[Filter, Any]], limit: int, offset: int
    ) -> tuple[int, list[dict[str, Any]]]:
        clause = " AND ".join(flt.sql for flt, _ in where) or "1"
        args = [value for _, value in where]
        total = conn.execute(f"SELECT COUNT(*) FROM {self.table} t WHERE {clause}", args).fetchone()[0]
        rows = conn.execute(
            f"SELECT * FROM {self.table} t WHERE {clause} ORDER BY t.id LIMIT ? OFFSET ?",
            [*args, limit, offset],
        ).fetchall()
        return total, [self.render(r) for r in rows]

    def row(self, conn: sqlite3.Connection, id_: int) -> sqlite3.Row:
        row = conn.execute(f"SELECT * FROM {self.table} WHERE id = ?", (id_,)).fetchone()
        if row is None:
            raise NotFound(self.title)
        return row

    # writes
    def validate(self, body: dict[str, Any], current: sqlite3.Row | None) -> dict[str, Any]:
        """The stored values a create (current None) or update asks for; raises Invalid."""
        errors: Errors = {}
        values: dict[str, Any] = {}
        for f in self.fields:
            if f.name not in body:
                if current is None and f.required:
                    errors[f.name] = [f"The {f.label} field is required."]
                continue
            message = check(f, body[f.name])
            if message:
                errors[f.name] = [message]
            elif f.read_only:
                continue  # a read-only value sent back is ignored
            elif f.fixed and current is not None and body[f.name] != self.render(current)[f.name]:
                errors[f.name] = [f"The {f.label} cannot be changed after the {self.title} is created."]
            elif f.kind == "time_in":
                values[f.name] = _parse_time(body[f.name]) if body[f.name] else None  # "" means none (vendor)
            else:
                values[f.name] = body[f.name]
        if errors:
            raise Invalid(errors)
        return values

    def defaults(self, conn: sqlite3.Connection, values: dict[str, Any]) -> dict[str, Any]:
        return values

    def rules(self, conn: sqlite3.Connection, merged: dict[str, Any], changed: set[str]) -> Errors:
        """References and other rules over the whole resource as it would be after the write."""
        return {}

    def unique_errors(self, conn: sqlite3.Connection, merged: dict[str, Any], id_: int | None) -> Errors:
        errors: Errors = {}
        for f in self.fields:
            value = merged.get(f.name)
            if f.unique and value:
                found = conn.execute(
                    f"SELECT 1 FROM {self.table} WHERE cf({f.name}) = cf(?) AND id IS NOT ?", (value, id_)
                ).fetchone()
                if found:
                    errors[f.name] = [f"The {f.label} has already been taken."]
        return errors

    def create(self, conn: sqlite3.Connection, body: dict[str, Any]) -> dict[str, Any]:
        values = self.defaults(conn, self.validate(body, None))
        errors = self.unique_errors(conn, values, None) | self.rules(conn, values, set(values))
        if errors:
            raise Invalid(errors)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = conn.execute(f"INSERT INTO {self.table} ({columns}) VALUES ({marks})", list(values.values()))
        return self.render(self.row(conn, cur.lastrowid))

    def update(self, conn: sqlite3.Connection, id_: int, body: dict[str, Any]) -> dict[str, Any]:
        current = self.row(conn, id_)
        values = self.store_values(self.validate(body, current), current)
        merged = {**dict(current), **values}
        errors = self.unique_errors(conn, merged, id_) | self.rules(conn, merged, set(values))
        if errors:
            raise Invalid(errors)
        if values:
            assignments = ", ".join(f"{name} = ?" for name in values)
            conn.execute(f"UPDATE {self.table} SET {assignments} WHERE id = ?", [*values.values(), id_])
        return self.render(self.row(conn, id_))

    def store_values(self, values: dict[str, Any], current: sqlite3.Row) -> dict[str, Any]:
        return values

    def delete(self, conn: sqlite3.Connection, id_: int) -> None:
        self.before_delete(conn, self.row(conn, id_))
        conn.execute(f"DELETE FROM {self.table} WHERE id = ?", (id_,))

    def before_delete(self, conn: sqlite3.Connection, row: sqlite3.Row) -> None:
        pass


def _slug(name: str, fallback: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:64] or fallback


def _free_code_name(conn: sqlite3.Connection, table: str, name: str, fallback: str) -> str:
    """A code name made from the display name, unique in its table (vendor: "This value must be unique")."""
    base = _slug(name, fallback)
    candidate, n = base, 1
    while conn.execute(f"SELECT 1 FROM {table} WHERE cf(code_name) = cf(?)", (candidate,)).fetchone():
        n += 1
        suffix = f"_{n}"
        candidate = base[: 64 - len(suffix)] + suffix
    return candidate


def _owner_errors(conn: sqlite3.Connection, merged: dict[str, Any]) -> Errors:
    """A Jump Item's owner: a shared Jump Group, or the user whose personal Jump Group it is (vendor)."""
    table = "config_jump_group" if merged["jump_group_type"] == "shared" else "config_user"
    if conn.execute(f"SELECT 1 FROM {table} WHERE id = ?", (merged["jump_group_id"],)).fetchone() is None:
        return {"jump_group_id": ["The selected jump group id is invalid."]}
    return {}


def _delete_owned(conn: sqlite3.Connection, group_type: str, owner_id: int) -> None:
    for table in ("config_jump_client", "config_shell_jump"):
        conn.execute(
            f"DELETE FROM {table} WHERE jump_group_type = ? AND jump_group_id = ?", (group_type, owner_id)
        )


class JumpGroups(Resource):
    path, table, title = "jump-group", "config_jump_group", "Jump Group"
    fields = (
        ID,
        _str("name", 1, 255, required=True, unique=True),
        CODE_NAME_FIELD,
        _str("comments", 0, 4096, nullable=True),
    )
    filters = (_text_filter(_str("name", 1, 255)), _text_filter(CODE_NAME_FIELD))

    def defaults(self, conn: sqlite3.Connection, values: dict[str, Any]) -> dict[str, Any]:
        code_name = values.get("code_name") or _free_code_name(conn, self.table, values["name"], "jump_group")
        return {"comments": None, **values, "code_name": code_name}

    def before_delete(self, conn: sqlite3.Connection, row: sqlite3.Row) -> None:
        # Vendor: "all resources owned by this Jump Group, such as Jump Items, will also be deleted."
        _delete_owned(conn, "shared", row["id"])


class Jumpoints(Resource):
    path, table, title = "jumpoint", "config_jumpoint", "Jumpoint"
    fields = (
        ID,
        _str("name", 1, 255, required=True, unique=True),
        _enum("platform", "windows-x86", "linux-x86", required=True, fixed=True),
        CODE_NAME_FIELD,
        _str("comments", 0, 1024),
        _bool("enabled"),
        _ro(_bool("connected")),
        _bool("clustered", fixed=True),
        _bool("shell_jump_enabled"),
        _str("external_jump_item_network_id", 0, 1024, unique=True),
    )
    filters = (
        _text_filter(Field("name", "str")),
        _node_filter("public_ip"),
        _node_filter("private_ip"),
        _node_filter("hostname"),
        _text_filter(CODE_NAME_FIELD),
    )

    def defaults(self, conn: sqlite3.Connection, values: dict[str, Any]) -> dict[str, Any]:
        code_name = values.get("code_name") or _free_code_name(conn, self.table, values["name"], "jumpoint")
        base = {"comments": "", "enabled": True, "connected": False, "clustered": False}
        base |= {"shell_jump_enabled": False, "external_jump_item_network_id": ""}
        return {**base, **values, "code_name": code_name}  # a new Jumpoint has no node, so is not connected


class JumpClients(Resource):
    path, table, title = "jump-client", "config_jump_client", "Jump Client"
    creatable = False  # vendor: Jump Clients come from installers, not from POST
    fields = (
        ID,
        _int("jump_group_id"),
        _enum("jump_group_type", "shared", "personal"),
        _str("name", 1, 128),
        _ro(_str("hostname", 1, 255)),
        _ro(_str("fqdn", 1, 255)),
        _str("tag", 0, 64),
        _str("comments", 0, 1024),
        _str("public_site_address", 1, 128),
        _enum("customer_client_start_mode", "normal", "minimized", "hidden"),
        _bool("is_quiet"),
        _ro(_enum("install_mode", "unknown", "user", "service")),
        _ro(_enum("connection_type", "active", "passive", "uninstalled")),
        _ro(Field("last_connect_timestamp", "time", nullable=True)),
        _ro(Field("last_disconnect_timestamp", "time", nullable=True)),
        _ro(_bool("is_lost")),
        _ro(_bool("needs_update")),
        _ro(_enum("unavailable_reason", "none", "disabled")),
        _ro(_str("operating_system", None, None)),
        _ro(_str("public_ip", None, None)),
        _ro(_str("private_ip", None, None)),
        _ro(_str("console_user", None, None)),
        _ro(Field("expiration_timestamp", "time", nullable=True)),
        _int("max_offline_minutes", 0),
        _ro(Field("last_access_timestamp", "time", nullable=True)),
    )
    filters = (
        _text_filter(_str("name", 1, 128)),
        _text_filter(_str("hostname", 1, 255)),
        _text_filter(_str("fqdn", 1, 255)),
        _text_filter(_str("tag", 1, 64)),
        Filter(_int("jump_group_id"), "jump_group_id = ?"),
        Filter(_enum("jump_group_type", "shared", "personal"), "jump_group_type = ?"),
        _text_filter(_str("console_user", 1, None)),
        _text_filter(_str("public_ip", 1, None)),
        _text_filter(_str("private_ip", 1, None)),
        Filter(_enum("connection_type", "active", "passive", "uninstalled"), "connection_type = ?"),
    )

    def rules(self, conn: sqlite3.Connection, merged: dict[str, Any], changed: set[str]) -> Errors:
        errors = _owner_errors(conn, merged)
        # Vendor: one of the site addresses of the appliance's public sites; this appliance has one.
        if "public_site_address" in changed and merged["public_site_address"].casefold() != self.site_address:
            errors["public_site_address"] = ["The selected public site address is invalid."]
        return errors


class ShellJumps(Resource):
    path, table, title = "jump-item/shell-jump", "config_shell_jump", "Shell Jump Item"
    fields = (
        ID,
        _str("name", 1, 128, required=True),
        _int("jumpoint_id", required=True),
        _str("hostname", 1, 128, required=True),
        _enum("protocol", "ssh", "telnet", required=True),
        _int("port", 1, 65535),
        _int("jump_group_id", required=True),
        _enum("jump_group_type", "shared", "personal"),
        _enum("terminal", "xterm", "VT100"),
        _int("keep_alive", 0, 300),
        _str("tag", 0, 64),
        _str("comments", 0, 1024),
        _str("username", 0, 128),
    )
    filters = (
        _text_filter(_str("name", 1, 255)),
        _text_filter(_str("hostname", 3, 255)),
        Filter(_int("jump_group_id"), "jump_group_id = ?"),
        Filter(_enum("jump_group_type", "shared", "personal"), "jump_group_type = ?"),
        Filter(_int("jumpoint_id"), "jumpoint_id = ?"),
        _text_filter(_str("tag", 1, 64)),
    )

    def defaults(self, conn: sqlite3.Connection, values: dict[str, Any]) -> dict[str, Any]:
        port = 22 if values["protocol"] == "ssh" else 23  # vendor: "SSH: 22, Telnet: 23"
        base = {"port": port, "jump_group_type": "shared", "terminal": "xterm", "keep_alive": 0}
        return {**base, "tag": "", "comments": "", "username": "", **values}

    def rules(self, conn: sqlite3.Connection, merged: dict[str, Any], changed: set[str]) -> Errors:
        errors = _owner_errors(conn, merged)
        jumpoint = conn.execute("SELECT 1 FROM config_jumpoint WHERE id = ?", (merged["jumpoint_id"],))
        if jumpoint.fetchone() is None:
            errors["jumpoint_id"] = ["The selected jumpoint id is invalid."]
        return errors


LOCAL_ONLY = ("password", "password_expiration", "failed_logins", "password_reset_next_login")


def _hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, 200_000)
    return f"pbkdf2_sha256$200000${salt.hex()}${digest.hex()}"


class Users(Resource):
    path, table, title = "user", "config_user", "user"
    creatable = False  # vendor: users come from /login or a security provider, not from POST
    fields = (
        ID,
        _ro(_int("security_provider_id")),
        _int("display_number"),
        _str("username", 1, 64),
        _str("password", PASSWORD_MIN, 256, write_only=True),
        _str("public_display_name", 1, 64),
        _str("private_display_name", 1, 64),
        Field("password_expiration", "time_in", nullable=True),
        _str("email_address", 3, 255),
        Field("preferred_email_language", "str", 2, 10, enum=LOCALES),
        _bool("two_factor_required"),
        _bool("enabled"),
        _ro(Field("last_authentication", "time", nullable=True)),
        _int("failed_logins", 0, 0),  # vendor: may be set to 0 to unlock the account
        _bool("password_reset_next_login"),
        _ro(Field("created_at", "time")),
        _ro(_bool("two_factor_enabled")),
        _ro(_bool("perm_admin")),
        _ro(_bool("perm_admin_pushagents")),
        _ro(_bool("perm_edit_jump_groups")),
        _ro(_bool("perm_jump_client")),
        _ro(_bool("perm_shell_jump")),
    )
    filters = (
        Filter(_int("security_provider_id"), "security_provider_id = ?"),
        _text_filter(_str("username", 1, 255)),
        _text_filter(_str("email_address", 3, 255)),
    )

    def render(self, row: sqlite3.Row) -> dict[str, Any]:
        out = super().render(row)
        if row["security_provider_id"] != LOCAL_PROVIDER:
            for name in LOCAL_ONLY:  # vendor: "only returned for local users"
                out.pop(name, None)
        return out

    def validate(self, body: dict[str, Any], current: sqlite3.Row | None) -> dict[str, Any]:
        values = super().validate(body, current)
        if current is not None and current["security_provider_id"] != LOCAL_PROVIDER:
            errors = {
                n: [f"The {n.replace('_', ' ')} can only be set on local users."]
                for n in LOCAL_ONLY
                if n in values
            }
            if values.get("username", current["username"]) != current["username"]:
                errors["username"] = ["The username is read-only for users of this security provider."]
            if errors:
                raise Invalid(errors)
        return values

    def store_values(self, values: dict[str, Any], current: sqlite3.Row) -> dict[str, Any]:
        if "password" in values:
            hashed = _hash_password(values["password"])
            values = {k: v for k, v in values.items() if k != "password"} | {"password_hash": hashed}
        return values

    def unique_errors(self, conn: sqlite3.Connection, merged: dict[str, Any], id_: int | None) -> Errors:
        # Usernames are unique within a security provider.
        found = conn.execute(
            "SELECT 1 FROM config_user"
            " WHERE cf(username) = cf(?) AND security_provider_id = ? AND id IS NOT ?",
            (merged["username"], merged["security_provider_id"], id_),
        ).fetchone()
        return {"username": ["The username has already been taken."]} if found else {}

    def before_delete(self, conn: sqlite3.Connection, row: sqlite3.Row) -> None:
        if row["perm_admin"]:
            raise Invalid({"id": ["Only non-administrators can be deleted."]})
        _delete_owned(conn, "personal", row["id"])  # the user's personal Jump Group goes with the user


# --- seed ---------------------------------------------------------------------------------------------------


def _at(day: int, hour: int = 9) -> str:
    """A fixed instant in October 2021: the seed has no randomness, every new appliance has the same rows."""
    return f"2021-10-{day:02d}T{hour:02d}:{(7 * day) % 60:02d}:17+00:00"


def _insert(conn: sqlite3.Connection, table: str, columns: str, rows: list[tuple[Any, ...]]) -> None:
    marks = ", ".join("?" for _ in columns.split(","))
    conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def _seed_users(conn: sqlite3.Connection) -> None:
    rows = []
    for u in directory.USERS:
        provider = LDAP_PROVIDER if u.security_provider == "ldap" else LOCAL_PROVIDER
        n, never = u.id, not u.enabled  # a disabled user never logged in
        rows.append(
            (n, provider, n, u.username, u.public_display_name, u.private_display_name,
             f"{u.username}@example.com", "en-us", u.admin, u.enabled, None if never else _at(n + 10),
             3 if u.locked else 0, u.locked, _at(n), u.admin, u.admin, u.admin, u.admin or n == 2,
             True, u.enabled)
        )  # fmt: skip
    columns = (
        "id, security_provider_id, display_number, username, public_display_name, private_display_name,"
        " email_address, preferred_email_language, two_factor_required, enabled, last_authentication,"
        " failed_logins, password_reset_next_login, created_at, two_factor_enabled, perm_admin,"
        " perm_admin_pushagents, perm_edit_jump_groups, perm_jump_client, perm_shell_jump"
    )
    _insert(conn, "config_user", columns, rows)


def _seed_jump_clients(conn: sqlite3.Connection, site: str) -> None:
    os_names = (
        "Windows 10 Enterprise (x64)",
        "Windows Server 2019 (x64)",
        "Ubuntu 20.04 (x64)",
        "macOS 11.6",
    )
    owners = [("shared", 1)] * 4 + [("shared", 2)] * 5 + [("personal", 2), ("personal", 3), ("personal", 3)]
    rows = []
    for n, (group_type, group_id) in enumerate(owners, start=1):
        host = f"{'srv' if (group_type, group_id) == ('shared', 1) else 'ws'}-{n:03d}"
        connection = ("active", "active", "passive", "uninstalled")[n % 4]
        rows.append(
            (n, group_id, group_type, host.upper(), host, f"{host}.corp.example.com",
             "prod" if n % 3 == 0 else "", "", site, "normal", n % 5 == 0, "service" if n % 2 else "user",
             connection, _at(n), None if n % 4 == 1 else _at(n, 17), connection == "uninstalled", n == 7,
             "disabled" if n == 11 else "none", os_names[n % 4], f"198.51.100.{n}", f"10.20.0.{n}",
             "" if n % 6 == 0 else f"CORP\\user{n}", None, 0, None if n % 3 == 2 else _at(n, 12))
        )  # fmt: skip
    columns = (
        "id, jump_group_id, jump_group_type, name, hostname, fqdn, tag, comments, public_site_address,"
        " customer_client_start_mode, is_quiet, install_mode, connection_type, last_connect_timestamp,"
        " last_disconnect_timestamp, is_lost, needs_update, unavailable_reason, operating_system, public_ip,"
        " private_ip, console_user, expiration_timestamp, max_offline_minutes, last_access_timestamp"
    )
    _insert(conn, "config_jump_client", columns, rows)


def _seed(conn: sqlite3.Connection, site: str) -> None:
    _seed_users(conn)
    _insert(
        conn,
        "config_jump_group",
        "id, name, code_name, comments",
        [
            (1, "Servers", "servers", "Production servers"),
            (2, "Workstations", "workstations", ""),
            (3, "Network Devices", "network_devices", None),
        ],
    )
    _insert(
        conn,
        "config_jumpoint",
        "id, name, platform, code_name, comments, enabled, connected, clustered, shell_jump_enabled,"
        " external_jump_item_network_id",
        [
            (1, "DC1 Jumpoint", "windows-x86", "dc1_jumpoint", "", True, True, False, True, "dc1"),
            (2, "Linux Cluster", "linux-x86", "linux_cluster", "Two nodes", True, True, True, True, ""),
            (3, "Branch Office", "windows-x86", "branch_office", "", False, False, False, False, ""),
        ],
    )
    _insert(
        conn,
        "config_jumpoint_node",
        "id, jumpoint_id, public_ip, private_ip, hostname",
        [
            (1, 1, "203.0.113.10", "10.0.0.10", "dc1-jp01"),
            (2, 2, "203.0.113.20", "10.1.0.21", "lx-jp01"),
            (3, 2, "203.0.113.20", "10.1.0.22", "lx-jp02"),
        ],
    )
    _seed_jump_clients(conn, site)
    _insert(
        conn,
        "config_shell_jump",
        "id, name, jumpoint_id, hostname, protocol, port, jump_group_id, jump_group_type, terminal,"
        " keep_alive, tag, comments, username",
        [
            (1, "core-sw1", 1, "10.0.1.1", "ssh", 22, 3, "shared", "xterm", 0, "", "", "netops"),
            (2, "legacy-router", 1, "10.0.1.254", "telnet", 23, 3, "shared", "VT100", 0, "", "", ""),
            (3, "db-01", 2, "db-01.corp.example.com", "ssh", 2222, 1, "shared", "xterm", 60, "", "", ""),
            (4, "my-lab-box", 2, "lab.corp.example.com", "ssh", 22, 2, "personal", "xterm", 0, "lab", "", ""),
        ],
    )


# --- HTTP ---------------------------------------------------------------------------------------------------


def _json(status: int, content: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=headers)


def _message(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return _json(status, {"message": message}, headers)


def _invalid(errors: Errors) -> JSONResponse:
    return _json(422, {"message": "The given data was invalid.", "errors": errors})


def _printable(name: str) -> str:
    """A name from the request, safe to echo: JSON keys may hold lone surrogates that UTF-8 cannot."""
    return name.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _unrecognized(names: list[str], where: str) -> JSONResponse:
    names = sorted({_printable(name) for name in names})
    errors = {name: [f"The {name} {where} is not recognized."] for name in names}
    return _json(
        UNKNOWN_FIELD_STATUS, {"message": f"Unrecognized {where}s: {', '.join(names)}.", "errors": errors}
    )


class Reject(Exception):
    """Stop handling with this response."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


_HOST = re.compile(r"^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


def _origin(request: Request) -> str:
    """scheme://host[:port] for Link and Location; a Host header unfit for a URL falls back to the socket."""
    host = request.headers.get("host", "")
    if not _HOST.fullmatch(host):
        server_host, port = request.scope.get("server") or ("127.0.0.1", 80)
        host = f"[{server_host}]:{port}" if ":" in server_host else f"{server_host}:{port}"
    return f"{request.url.scheme}://{host}"


def _int_param(name: str, text: str, lo: int, hi: int) -> int:
    if not re.fullmatch(r"-?[0-9]{1,19}", text):
        raise Invalid({name: [f"The {name.replace('_', ' ')} must be an integer."]})
    value = int(text)
    if not lo <= value <= hi:
        raise Invalid({name: [f"The {name.replace('_', ' ')} must be between {lo} and {hi}."]})
    return value


def _query(request: Request, known: tuple[str, ...]) -> dict[str, str]:
    """The query parameters, each at most once; unknown ones are rejected (vendor: 401)."""
    items = request.query_params.multi_items()
    unknown = sorted({k for k, _ in items if k not in known})
    if unknown:
        raise Reject(_unrecognized(unknown, "query parameter"))
    repeated = sorted(k for k, n in Counter(k for k, _ in items).items() if n > 1)
    if repeated:
        raise Invalid({k: [f"The {k.replace('_', ' ')} may be given only once."] for k in repeated})
    return dict(items)


def _path_id(request: Request, name: str = "id") -> int:
    return _int_param(name, request.path_params[name], 1, INT32_MAX)


async def _body(request: Request) -> dict[str, Any]:
    """The JSON object a POST or PATCH carries."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_BODY:
        raise Reject(_message(413, f"The request body is larger than {MAX_BODY} bytes."))
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            raise Reject(_message(413, f"The request body is larger than {MAX_BODY} bytes."))
    if not raw.strip():
        raise Invalid({"body": ["A JSON object request body is required."]})
    media_type, _, params = request.headers.get("content-type", "").partition(";")
    charset = re.search(r"charset\s*=\s*\"?([^\";\s]+)", params, re.IGNORECASE)
    if media_type.strip().lower() != "application/json" or (charset and charset[1].lower() != "utf-8"):
        raise Reject(_message(415, "The request body must be sent as Content-Type: application/json."))
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)  # NaN and Infinity are not JSON
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise Invalid({"body": ["The request body is not valid JSON."]}) from None
    if not isinstance(body, dict):
        raise Invalid({"body": ["The request body must be a JSON object."]})
    return body


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


Handler = Callable[[Request], Awaitable[Response]]


class Endpoint:
    """One URL: routes methods, authenticates, and answers JSON whatever happens (never a stack trace)."""

    def __init__(self, handlers: dict[str, Handler]):
        self.handlers = handlers
        methods = set(handlers) | ({"HEAD"} if "GET" in handlers else set())
        self.allow = ",".join(m for m in METHOD_ORDER if m in methods)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            response = await self.respond(request)
        except Reject as stop:
            response = stop.response
        except Invalid as bad:
            response = _invalid(bad.errors)
        except NotFound as missing:
            response = _message(404, f"The {missing.title} was not found.")
        except ClientDisconnect:
            return  # nobody to answer
        except Exception:  # a bug: say so in JSON, keep the trace in the log
            log.exception("config API error on %s %s", request.method, request.url.path)
            response = _message(500, "An internal server error occurred.")
        if request.method == "HEAD":
            response = _headers_only(response)
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        method = request.method
        if method == "OPTIONS":  # vendor: lists the allowed methods; it reveals nothing the document does not
            return Response(status_code=204, headers={"Allow": self.allow})
        handler = self.handlers.get("GET" if method == "HEAD" else method)
        if handler is None:
            message = f"The {method} method is not supported here; supported methods: {self.allow}."
            return _message(405, message, {"Allow": self.allow})
        account = authenticate(request)
        if account is None:
            return access_denied()
        if not account.allows("perm_configuration"):
            return _message(403, "This API account does not have permission to use the Configuration API.")
        return await handler(request)


def _headers_only(response: Response) -> Response:
    """HEAD: the GET answer's status and headers, no body."""
    headers = {k: v for k, v in response.headers.items() if k != "content-length"}
    bare = Response(status_code=response.status_code, headers=headers)
    if response.status_code != 204:
        bare.headers["content-length"] = str(len(response.body))
    return bare


class Api:
    """The handlers of one appliance's configuration API."""

    def __init__(self, store: Store, resources: list[Resource], spec: bytes):
        self.store = store
        self.resources = resources
        self.spec = spec

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = [Route("/openapi.yaml", Endpoint({"GET": self.openapi}))]
        for res in self.resources:
            collection = {"GET": self._lister(res)}
            if res.creatable:
                collection["POST"] = self._creator(res)
            member = {"GET": self._shower(res), "PATCH": self._updater(res), "DELETE": self._deleter(res)}
            routes += [
                Route(f"/{res.path}", Endpoint(collection)),
                Route(f"/{res.path}/{{id}}", Endpoint(member)),
            ]
        routes.append(_any_char(Route("/{rest:path}", _NotFoundApp())))
        return routes

    async def openapi(self, request: Request) -> Response:
        _query(request, ())
        return Response(self.spec, media_type="application/yaml")

    def _lister(self, res: Resource) -> Handler:
        filters = {flt.field.name: flt for flt in res.filters}

        async def handler(request: Request) -> Response:
            params = _query(request, ("per_page", "current_page", *filters))
            per_page = _int_param(
                "per_page", params.pop("per_page", str(PER_PAGE_DEFAULT)), PER_PAGE_MIN, PER_PAGE_MAX
            )
            page = _int_param("current_page", params.pop("current_page", "1"), 1, INT32_MAX)
            where = [(filters[name], _filter_value(filters[name], text)) for name, text in params.items()]

            def read() -> tuple[int, list[dict[str, Any]]]:
                with self.store.read() as conn:
                    return res.page(conn, where, per_page, (page - 1) * per_page)

            total, items = await run_in_threadpool(read)
            return _json(200, items, _pagination_headers(request, per_page, page, total))

        return handler

    def _creator(self, res: Resource) -> Handler:
        async def handler(request: Request) -> Response:
            _query(request, ())
            body = await _body(request)
            unknown = sorted(set(body) - set(res.by_name))
            if unknown:
                return _unrecognized(unknown, "field")

            def write() -> dict[str, Any]:
                with self.store.write() as conn:
                    return res.create(conn, body)

            created = await run_in_threadpool(write)
            return _json(201, created, {"Location": f"{_origin(request)}{PREFIX}/{res.path}/{created['id']}"})

        return handler

    def _shower(self, res: Resource) -> Handler:
        async def handler(request: Request) -> Response:
            _query(request, ())
            id_ = _path_id(request)

            def read() -> dict[str, Any]:
                with self.store.read() as conn:
                    return res.render(res.row(conn, id_))

            return _json(200, await run_in_threadpool(read))

        return handler

    def _updater(self, res: Resource) -> Handler:
        async def handler(request: Request) -> Response:
            _query(request, ())
            id_ = _path_id(request)
            await run_in_threadpool(self._exists, res, id_)  # 404 before judging the body
            body = await _body(request)
            unknown = sorted(set(body) - set(res.by_name))
            if unknown:
                return _unrecognized(unknown, "field")

            def write() -> dict[str, Any]:
                with self.store.write() as conn:
                    return res.update(conn, id_, body)

            return _json(200, await run_in_threadpool(write))

        return handler

    def _deleter(self, res: Resource) -> Handler:
        async def handler(request: Request) -> Response:
            _query(request, ())
            id_ = _path_id(request)

            def write() -> None:
                with self.store.write() as conn:
                    res.delete(conn, id_)

            await run_in_threadpool(write)
            return Response(status_code=204)

        return handler

    def _exists(self, res: Resource, id_: int) -> None:
        with self.store.read() as conn:
            res.row(conn, id_)


class _NotFoundApp:
    """Any other path under the prefix, whatever the method (an ASGI app, so Route matches every method)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _message(404, "There is no such resource in the Configuration API.")(scope, receive, send)


def _filter_value(flt: Filter, text: str) -> Any:
    f = flt.field
    if f.kind == "int":
        return _int_param(f.name, text, f.lo or 0, f.hi or INT32_MAX)
    message = check(f, text)
    if message:
        raise Invalid({f.name: [message]})
    return text


def _pagination_headers(request: Request, per_page: int, page: int, total: int) -> dict[str, str]:
    """Vendor: Link always has first and last; previous and next only when those pages exist."""
    last = max(1, -(-total // per_page))
    rels = [("first", 1)]
    if 1 < page <= last + 1:
        rels.append(("previous", page - 1))
    if page < last:
        rels.append(("next", page + 1))
    rels.append(("last", last))
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("per_page", "current_page")]
    base = f"{_origin(request)}{request.url.path}"

    def url(n: int) -> str:
        return f"{base}?{urlencode([*kept, ('per_page', per_page), ('current_page', n)])}"

    return {
        "Link": ", ".join(f'<{url(n)}>; rel="{rel}"' for rel, n in rels),
        "X-BT-Pagination-Current-Page": str(page),
        "X-BT-Pagination-Per-Page": str(per_page),
        "X-BT-Pagination-Last-Page": str(last),
        "X-BT-Pagination-Total": str(total),
    }


def site_address(appliance) -> str:
    """The appliance's one public site address (the guide's examples use support.example.com)."""
    return f"support.{appliance.config.company_name}.com".casefold()


def routes(appliance) -> list[BaseRoute]:
    """The configuration API, mounted under /api/config/v1, backed by <data_dir>/appliance.sqlite."""
    site = site_address(appliance)
    store = Store(appliance.db_path, site)  # <data_dir>/appliance.sqlite, shared with the other surfaces
    resources = [cls(site) for cls in (JumpGroups, JumpClients, Jumpoints, ShellJumps, Users)]
    api = Api(store, resources, SPEC_PATH.read_bytes())
    return [_any_char(Mount(PREFIX, routes=api.routes())), Route(PREFIX, _NotFoundApp())]


def _any_char(route: Route | Mount) -> Route | Mount:
    """Starlette's `{path:path}` is `.*`, which stops at a newline: a path with %0A would slip past this API
    to the application's generic 404; match every character instead."""
    route.path_regex = re.compile(route.path_regex.pattern, re.DOTALL)
    return route
