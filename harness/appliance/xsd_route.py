"""/api/command.xsd and /api/reporting.xsd: the schemas of the appliance's answers.

Guide, "Command API": "An XML schema describing the command API response format is available at
https://support.example.com/api/command.xsd"; "Reporting API": "An XML schema which formally describes the
format of the returned reporting data is available at https://support.example.com/api/reporting.xsd". The
12.1 guide adds "Check the xsd file to see the namespace that should be returned", so each schema is the
reference one instantiated for the namespace this appliance answers in. The guide asks no token for them
(nothing in it says the schemas are behind OAuth), so none is asked.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.appliance.xmlresponse import XML_TYPE
from harness.schemas import schema_family, xsd_text


def _endpoint(kind: str):
    async def schema(request: Request) -> Response:
        config = request.app.state.appliance.config
        body = xsd_text(schema_family(config.api_version), kind, config.namespaces[kind])
        return Response(body, media_type=XML_TYPE)

    return schema


def routes(appliance) -> list:
    return [Route(f"/api/{kind}.xsd", _endpoint(kind), methods=["GET"]) for kind in ("command", "reporting")]
