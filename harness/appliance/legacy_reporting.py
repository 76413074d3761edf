"""The reporting API of a 1.7.0 (Bomgar 12.1) appliance: /api/reporting.ns, from the same history store.

12.1 guide, "About the Reporting API" to "Query Examples for SupportTeam": GET or POST, `username` and
`password` ("This user must have permission to use the reporting API"), `generate_report` one of the nine
report types of harness.catalogue.reports.LEGACY_NAMES (SupportTeam "Requires enterprise licensing": this
appliance has it). The reports are reporting.py's builders run with a LegacyReport, so both API versions
read the same history:
- only the 12.1 guide's elements: no custom attributes, file move and delete counts, public and private
  display names, or Show My Screen recordings (newer than API 1.7.0);
- only the 12.1 guide's event types, the enumeration of schemas/1.7.0/reporting.xsd, matched without case
  (the history's "Session Transferred Away from Queue", the 21.3 spelling, is 12.1's "Session Transferred
  away from Queue"); an event of a newer type ("File Deleted", "Show My Screen Recording") is not reported;
- exit surveys: the four time-window sets only (no lsid or lsids), and "If this parameter [site_id] is not
  specified, results from only the default public site will be returned" (the 21.3 guide: all sites).

Errors: the guide words only the shape ("If an error occurs during the search, it will contain an <error>
element describing the problem"), so the 1.21.1 messages are kept, and:
- a wrong or missing username or password: `<error>Login failed</error>` (legacy_auth), an account without
  the reporting API permission: a root <error> saying so, as is a request naming no report or an unknown
  one (rejected before any search);
- a parameter error of a named report: its root holding the <error> (`<session_list><error>...`), as the
  guide describes each report's answer; the recording reports have no XML root, so their parameter errors
  and their "No recording found ..." answers are a root <error>;
- every <error> with HTTP 200, as Login failed: a 12.1 appliance reports failures in the body, and legacy
  clients read it (some HTTP libraries drop the body of a 4xx).
Choices: the guide's SupportSession examples `sid=` and `ids=`, and SupportSessionListing's "date and
duration" set, are read as misprints of lsid, lsids and start_date (the parameter tables) and not accepted;
"Isid" is lsid (OCR). Recording URLs in the reports point at /session_download, served here with the same
username and password parameters (recordings.py).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from lxml import etree
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness import schemas
from harness.appliance import history, recordings, reporting
from harness.appliance.legacy_auth import legacy_call
from harness.appliance.reporting import BadRequest, Report
from harness.appliance.xmlresponse import Node, error_response, xml_response
from harness.catalogue import reports as catalogue

FAMILY = "1.7.0"  # the schemas of the 12.1 guide (app.LEGACY; app imports this module)
DEFAULT_SITE = "1"  # "The default public site always has an ID of 1."


@functools.cache
def event_types() -> dict[str, str]:
    """The 12.1 guide's event types (the 1.7.0 reporting schema's enumeration), by their lower-case name."""
    tree = etree.parse(str(schemas.xsd_path(FAMILY, "reporting")))
    values = tree.xpath(
        "//xs:simpleType[@name='eventType']//xs:enumeration/@value", namespaces={"xs": schemas.XS}
    )
    return {value.lower(): value for value in values}


class LegacyReport(Report):
    """A report as a 1.7.0 appliance answers it (module docstring)."""

    legacy = True

    def event_type(self, name: str) -> str | None:
        return event_types().get(name.lower())


def _default_site(build: Callable[[Report], Node]) -> Callable[[Report], Node]:
    """An exit survey report of the default public site unless site_id names another (12.1 guide)."""

    def build_for_site(report: Report) -> Node:
        if report.get("site_id") is None:
            report.params["site_id"] = DEFAULT_SITE
        return build(report)

    return build_for_site


def _built(name: str) -> Callable:
    build = reporting.REPORTS[name][1]
    return _default_site(build) if name in _SURVEYS else build


_SURVEYS = ("SupportCustExitSurvey", "SupportRepExitSurvey")
# The 12.1 guide's report types (harness.catalogue.reports), each with the root its search errors are
# answered in (None: a recording, a file, whose errors are a root <error>).
REPORTS: dict[str, tuple[str | None, Callable]] = {
    name: (catalogue.BY_NAME[name].root, _built(name)) for name in catalogue.LEGACY_NAMES
}


def _in_root(namespace: str, root: str | None, exc: BadRequest) -> Response:
    if root is None:
        return error_response(namespace, str(exc))
    answer = Node(root)
    answer.add("error", str(exc))
    return xml_response(answer, namespace)


def _namespace(request: Request) -> str:
    return request.app.state.appliance.config.namespaces["reporting"]


async def endpoint(request: Request) -> Response:
    call = await legacy_call(request, "reporting")
    if isinstance(call, Response):
        return call
    _, params = call
    namespace = _namespace(request)
    try:
        _, (root, build) = reporting.requested(params, REPORTS)
    except BadRequest as exc:
        return error_response(namespace, str(exc))
    refuse = functools.partial(_in_root, namespace, root)
    return await reporting.answer(LegacyReport(request.app.state.appliance, params), build, namespace, refuse)


async def session_download(request: Request) -> Response:
    """The reports' chat and recording URLs. Viewing recordings ("the requesting user must have permission
    to view support session recordings") comes with the reporting API permission on these accounts
    (accounts.legacy_permissions), as do presentations: that permission is the whole check."""
    call = await legacy_call(request, "reporting")
    if isinstance(call, Response):
        return call
    _, params = call
    return await recordings.download(request.app.state.appliance, params, _namespace(request), lambda _: True)


def routes(appliance) -> list:
    history.ensure(appliance.db_path)
    history.seed_history(appliance)
    return [
        Route("/api/reporting.ns", endpoint, methods=["GET", "POST"]),
        Route("/session_download", session_download, methods=["GET"]),
    ]
