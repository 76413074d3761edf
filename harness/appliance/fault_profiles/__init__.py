"""The fault profiles, one module an area of the API, and the registry of them by name.

Each module's PROFILES is a tuple of harness.appliance.faults.Fault (the mechanism lives there; this package
only holds the data, so the two never import each other in a circle), and its UNBROKEN the MUST requirements
of its area that no fault breaks, each with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.appliance.fault_profiles import (
    archives,
    auth,
    client_script,
    command,
    health_backup,
    realtime,
    reporting,
    start_session,
    xml,
)
from harness.appliance.faults import Fault

AREAS = (xml, auth, command, reporting, archives, realtime, health_backup, client_script, start_session)
# The requirement areas (harness.catalogue.requirements) each module answers for in UNBROKEN.
REQUIREMENT_AREAS = {
    "xml": xml, "auth": auth, "command": command, "command_sessions": command, "reporting": reporting,
    "archives": archives, "realtime": realtime, "health_backup": health_backup, "client_script": client_script,
    "brcs": client_script, "start_session": start_session,
}  # fmt: skip


def _registry() -> dict[str, Fault]:
    found: dict[str, Fault] = {}
    for area in AREAS:
        for fault in area.PROFILES:
            if fault.name in found:
                raise ValueError(f"two fault profiles are named {fault.name!r}")
            found[fault.name] = fault
    return found


FAULTS: dict[str, Fault] = _registry()
# Every MUST requirement of the 21.3 guide that no fault breaks, with the reason (each module's UNBROKEN).
UNBROKEN: dict[str, str] = {req: why for area in AREAS for req, why in area.UNBROKEN.items()}


class UnknownFault(ValueError):
    pass


def named(names: Iterable[str]) -> list[Fault]:
    """The faults of these names; UnknownFault for one that is not."""
    out = []
    for name in names:
        if name not in FAULTS:
            raise UnknownFault(f"unknown fault {name!r} (rs-harness faults lists them)")
        out.append(FAULTS[name])
    return out
