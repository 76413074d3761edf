"""Semantic checks of command API answers (what the schema cannot say)."""

from __future__ import annotations

from lxml import etree

from harness.verdicts import CheckFailed

CLOCK_SKEW_S = 300.0  # how far the appliance's clock may be from ours


def api_info_permissions(root: etree._Element) -> dict[str, str]:
    """get_api_info's permissions by name; FAIL on a name given twice or a value out of its domain."""
    found: dict[str, str] = {}
    for perm in root.iterfind("permissions/permission"):
        name, value = perm.get("name"), (perm.text or "").strip()
        if name in found:
            raise CheckFailed(f"permission {name} listed twice")
        domain = ("full_access", "read_only", "deny") if name == "perm_command" else ("0", "1")
        if value not in domain:
            raise CheckFailed(f"permission {name} is {value!r}, not one of {domain}")
        found[name] = value
    return found


def timestamp_near(text: str | None, before: float, after: float, skew: float = CLOCK_SKEW_S) -> int:
    """A Unix timestamp the appliance took between `before` and `after` (give or take the clock skew)."""
    try:
        value = int((text or "").strip())
    except ValueError:
        raise CheckFailed(f"timestamp {text!r} is not an integer") from None
    if not before - skew <= value <= after + skew:
        raise CheckFailed(
            f"timestamp {value} is {value - after:+.0f} s from our clock (allowed ±{skew:.0f} s)"
        )
    return value
