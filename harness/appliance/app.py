"""The appliance object (configuration, clock, accounts, tokens) and its Starlette application.

Each API surface lives in its own module exposing `routes(appliance) -> list[BaseRoute]`; create_app puts
them together on one port (HTTP and websocket).

The API version is the appliance's personality: 1.21.1 (the default) serves the BeyondTrust RS 21.3 guide's
APIs; 1.7.0 serves what the Bomgar 12.1 guide documents and nothing newer (legacy_routes): the `.ns`
endpoints with username/password parameters, in the networkstreaming.com namespace. What 12.1 does not have
(OAuth2, the real-time websocket, the configuration API, /check_health, the URLs without `.ns`) is answered
404, as a 12.1 appliance would.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from harness.appliance import accounts as acc
from harness.appliance import (
    client_script,
    command,
    config_api,
    health,
    legacy_command,
    legacy_reporting,
    legacy_start_session,
    realtime,
    reporting,
    start_session,
)
from harness.appliance.clock import SystemClock
from harness.appliance.fault_profiles import named
from harness.appliance.faults import FaultMiddleware, Faults
from harness.appliance.oauth import TokenStore, token_endpoint
from harness.appliance.simulation import Simulation
from harness.appliance.state import LiveState
from harness.appliance.world import World
from harness.appliance.xmlresponse import ShapeMiddleware
from harness.appliance.xsd_route import routes as xsd_routes
from harness.namespaces import API_VERSIONS, DOCUMENTED, KINDS

log = logging.getLogger("harness.appliance")

# The product release whose guide each API version follows (get_api_info, check_health and backups name it).
PRODUCT_VERSIONS = {"1.21.1": "21.3.1", "1.7.0": "12.1.3"}
LEGACY = "1.7.0"  # the API version of the Bomgar 12.1 guide


@dataclass
class ApplianceConfig:
    data_dir: Path
    accounts_file: Path | None = None  # default: <data_dir>/accounts.json, seeded on first start
    seed: int = 0
    speed: float = 1.0
    simulate: bool = False  # the simulation driver (serve turns it on; tests drive it themselves)
    state_archive_api: bool = True  # "Enable State Archive API" (off: ArchiveListing and Archive answer 403)
    company_name: str = "example"
    company_site: str = "example"  # the site name BRCS file names end with (*.brcs-<companySiteName>)
    hostname: str = "localhost"  # the public site name the appliance reports
    product_version: str = ""  # default: the release whose guide api_version follows (PRODUCT_VERSIONS)
    api_version: str = "1.21.1"  # the personality: 1.21.1 or 1.7.0 (serve --api-version)
    tidy: bool = False  # serve --tidy: compact XML with every optional element; default: the field's shape
    namespaces: dict[str, str] = field(default_factory=dict)  # default: those api_version documents
    faults: tuple[str, ...] = ()  # serve --fault: names of harness.appliance.faults.FAULTS to serve with

    def __post_init__(self) -> None:
        if self.api_version not in API_VERSIONS:
            known = ", ".join(API_VERSIONS)
            raise ValueError(f"api_version must be one of {known}, not {self.api_version!r}")
        self.product_version = self.product_version or PRODUCT_VERSIONS[self.api_version]
        self.namespaces = self.namespaces or {k: DOCUMENTED[(self.api_version, k)] for k in KINDS}

    @property
    def legacy(self) -> bool:
        """Is this a 1.7.0 (Bomgar 12.1) appliance: username/password `.ns` calls, no OAuth?"""
        return self.api_version == LEGACY


def namespaces_for(uri: str) -> dict[str, str]:
    """The command and reporting namespaces for --namespace: a family base, or either of its two members.

    `.../API/command` or `.../API/reporting` names the pair; the legacy single namespace serves both.
    """
    base = uri.removesuffix("/command").removesuffix("/reporting")
    if base == uri and not uri.endswith("/API"):
        return {"command": uri, "reporting": uri}  # one namespace for both, as legacy Bomgar did
    return {"command": f"{base}/command", "reporting": f"{base}/reporting"}


class Appliance:
    """Everything the API surfaces share."""

    def __init__(self, config: ApplianceConfig, clock=None):
        self.config = config
        self.clock = clock or SystemClock()
        self._lock = threading.Lock()
        config.data_dir.mkdir(parents=True, exist_ok=True)
        self.accounts_file = config.accounts_file or config.data_dir / "accounts.json"
        if self.accounts_file.exists():
            self.accounts = acc.load_accounts(self.accounts_file)
        else:
            self.accounts = acc.seed_accounts()
            acc.save_accounts(self.accounts_file, self.accounts)
        self.tokens = TokenStore(self.clock)
        self.state = LiveState(self.clock)  # the live model behind the real-time API and the commands
        self.db_path = config.data_dir / "appliance.sqlite"
        self.guid = self._identity()["guid"]
        self.failover_role = "none"  # none, primary or backup: set_failover_role sets it (command API)
        self.last_data_sync: int | None = None  # when set_failover_role data_sync_first=1 last synced
        self.world = World(self)  # what happens on the appliance: logins, keys, sessions
        # Background services (simulation driver, archiver): objects with start() and stop(), run for as
        # long as the application is served (Starlette lifespan).
        self.services: list = [Simulation(self)] if config.simulate else []
        self.realtime = realtime.RealtimeService(self)  # /nw: one service, it counts the subscribers
        self.faults = Faults(self)  # the deviations served with (none: the reference behaviour)
        self.faults.use(named(config.faults))

    def start_services(self) -> None:
        for service in self.services:
            service.start()

    def stop_services(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def _identity(self) -> dict:
        """The appliance's lasting identity (its GUID), made on first start in the data directory."""
        path = self.config.data_dir / "appliance.json"
        if path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        identity = {"guid": uuid.uuid4().hex}
        path.write_text(json.dumps(identity), encoding="utf-8")
        return identity

    def account_by_client_id(self, client_id: str) -> acc.Account | None:
        for account in self.accounts:
            if account.client_id == client_id:
                return account
        return None

    def account(self, name: str) -> acc.Account:
        return next(a for a in self.accounts if a.name == name)

    def regenerate_secret(self, client_id: str) -> str:
        """The /login "Generate New Client Secret" + Save: a new secret, and every token of the account dies."""
        with self._lock:
            account = self.account_by_client_id(client_id)
            if account is None:
                raise KeyError(client_id)
            account.client_secret = acc.new_secret()
            acc.save_accounts(self.accounts_file, self.accounts)
            self.tokens.revoke_client(client_id)
            return account.client_secret


async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
    return JSONResponse({"error": "http_error", "message": exc.detail}, status_code=exc.status_code)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # A bug in the appliance, never an answer the guide documents: say so without a stack trace.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse({"error": "server_error", "message": "internal error"}, status_code=500)


def legacy_routes(appliance: Appliance) -> list:
    """What a 1.7.0 appliance serves: the Bomgar 12.1 guide's endpoints, nothing newer."""
    routes = legacy_command.routes(appliance)
    routes += legacy_reporting.routes(appliance)  # /api/reporting.ns (and its /session_download URLs)
    routes += xsd_routes(appliance)  # /api/command.xsd and /api/reporting.xsd, the 1.7.0 schemas
    calls = ["GET", "POST"]
    routes += [
        Route("/api/backup.ns", health.legacy_backup_endpoint, methods=calls),
        Route("/api/client_script.ns", client_script.endpoint, methods=calls),  # its catalogue: 1.7.0's
        Route("/api/start_session.ns", legacy_start_session.endpoint, methods=calls),
        Route("/api/clicktochat.js", legacy_start_session.clicktochat_js, methods=["GET"]),
        Route("/", start_session.public_site_endpoint, methods=calls),  # the session key URL, /?ak=...
    ]
    return routes


def create_app(appliance: Appliance) -> Starlette:
    if appliance.config.legacy:
        return _application(appliance, legacy_routes(appliance))
    routes = command.routes(appliance)  # the hot path first: Starlette tries routes in order
    routes += health.routes(appliance) + client_script.routes(appliance) + realtime.routes(appliance)
    routes += reporting.routes(appliance) + config_api.routes(appliance)
    routes += start_session.routes(appliance)  # session generation, the key URL and the / page
    routes += xsd_routes(appliance)  # /api/command.xsd and /api/reporting.xsd
    routes.append(Route("/oauth2/token", token_endpoint, methods=["GET", "POST", "PUT", "DELETE", "PATCH"]))
    return _application(appliance, routes)


def _application(appliance: Appliance, routes: list) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app):
        appliance.start_services()
        try:
            yield
        finally:
            appliance.stop_services()

    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(FaultMiddleware, faults=appliance.faults),  # outermost: it sees the bytes sent
            Middleware(ShapeMiddleware, tidy=appliance.config.tidy),
        ],
        exception_handlers={HTTPException: _http_error, Exception: _unexpected},
    )
    app.state.appliance = appliance
    return app
