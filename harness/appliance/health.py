"""Health (command check_health and the plain /check_health probe) and the backup API.

Guide, "API Command: check_health": the appliance's hostname and GUID, its version, success 1 or 0, an
error_message only when a problem is found, the failover role (none until set_failover_role sets one: see
command_actions.py), no shared IPs, and the data sync elements once a data sync has been asked for.
"Alternative Method": /check_health answers 200 when the probe succeeds, 500 if not, with a short
human-readable message and nothing else.

The probe is real: the data store must take a write and give it back.

Guide, "Backup API": GET or POST /api/backup, an account with access to the backup API; the answer is a
backup file. Ours is a gzip'd tar (named *.nsb like the vendor's) of a consistent snapshot of the data store
(SQLite's online backup) and a manifest; API account secrets are left out. Choices where the guide is
silent: an account without perm_backup gets the guide's access_denied JSON with HTTP 403.

12.1 guide, "The Backup API": GET or POST /api/backup.ns with `username` and `password` ("Must be an
administrator"); the same file. A wrong login is answered <error>Login failed</error>, a user who is not an
administrator a root <error> saying so (legacy_auth), both HTTP 200.
"""

from __future__ import annotations

import io
import json
import sqlite3
import tarfile
import tempfile
import time
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from harness import __version__
from harness.appliance import db, legacy_auth
from harness.appliance.oauth import ACCESS_DENIED, authenticate
from harness.appliance.xmlresponse import Node, attachment, xml_response

_PROBE_DDL = (
    "CREATE TABLE IF NOT EXISTS health_probe (id INTEGER PRIMARY KEY CHECK (id = 1), at REAL NOT NULL)"
)


def probe(appliance) -> str | None:
    """None when healthy, else what is wrong."""
    try:
        conn = db.connect(appliance.db_path)
        conn.execute(_PROBE_DDL)
        now = appliance.clock.now()
        conn.execute("INSERT OR REPLACE INTO health_probe (id, at) VALUES (1, ?)", (now,))
        (back,) = conn.execute("SELECT at FROM health_probe WHERE id = 1").fetchone()
    except (sqlite3.Error, OSError) as exc:
        return f"data store unavailable: {exc}"
    return None if back == now else "data store returned another value than it was given"


def software_version(appliance) -> str:
    return f"{appliance.config.product_version} (rs-harness {__version__})"


async def check_health_action(call) -> Response:
    appliance = call.appliance
    problem = probe(appliance)
    root = Node("health_check")
    root.add("appliance", appliance.config.hostname, id=appliance.guid)
    root.add("version", software_version(appliance))
    root.add("success", 0 if problem else 1)
    if problem:
        root.add("error_message", problem)
    root.add("failover_role", appliance.failover_role)
    if appliance.last_data_sync is not None:  # set_failover_role data_sync_first=1 (command_actions.py)
        synced = appliance.last_data_sync
        root.add(
            "last_data_sync_time", time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(synced)), ts=synced
        )
        root.add("last_data_sync_status", "Success")
    return xml_response(root, call.namespace)


async def check_health_probe(request: Request) -> Response:
    problem = probe(request.app.state.appliance)
    if problem:
        return PlainTextResponse("Health check failed.\n", status_code=500)
    return PlainTextResponse("Health check succeeded.\n")


def backup_file(appliance) -> tuple[str, bytes]:
    """(file name, gzip'd tar of a snapshot of the data store and a manifest)."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(appliance.clock.now()))
    manifest = {
        "product": "rs-harness embedded appliance",
        "version": software_version(appliance),
        "api_version": appliance.config.api_version,
        "company_name": appliance.config.company_name,
        "appliance_guid": appliance.guid,
        "created": stamp,
        "contents": ["appliance.sqlite"],
        "excluded": "API account secrets",
    }
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = Path(tmp) / "appliance.sqlite"
        target = sqlite3.connect(snapshot)
        try:
            db.connect(appliance.db_path).backup(target)  # consistent even while others write
        finally:
            target.close()
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w:gz") as tar:
            tar.add(snapshot, arcname="appliance.sqlite")
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size, info.mtime = len(data), int(appliance.clock.now())
            tar.addfile(info, io.BytesIO(data))
    safe_company = "".join(c if c.isalnum() or c in "-_" else "_" for c in appliance.config.company_name)
    return f"{safe_company}-backup-{stamp}.nsb", out.getvalue()


async def backup_endpoint(request: Request) -> Response:
    account = authenticate(request)
    if account is None:
        return await legacy_auth.no_token(request, request.app.state.appliance.config.namespaces["command"])
    if not account.allows("perm_backup"):
        return JSONResponse(ACCESS_DENIED, status_code=403)
    name, data = backup_file(request.app.state.appliance)
    return attachment(data, name)


async def legacy_backup_endpoint(request: Request) -> Response:
    call = await legacy_auth.legacy_call(request, "backup")
    if isinstance(call, Response):
        return call
    name, data = backup_file(request.app.state.appliance)
    return attachment(data, name)


def routes(appliance) -> list:
    return [
        Route("/check_health", check_health_probe, methods=["GET", "HEAD"]),
        Route("/api/backup", backup_endpoint, methods=["GET", "POST"]),
        Route("/api/backup.ns", backup_endpoint, methods=["GET", "POST"]),
    ]
