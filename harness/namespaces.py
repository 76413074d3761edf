"""The XML namespaces of the Remote Support API family, and the verdict on the one a response declares.

A response in the namespace its API version documents is ok; one in another namespace of the known family
(seen on real appliances or printed in a guide) for the same API is a WARN; no namespace, an unknown one, or
the other API's (a command answer in a reporting namespace) is a FAIL. A
response of the sibling product Privileged Remote Access is no Remote Support response at all (OTHER_PRODUCTS,
PRA_SESSION): harness.validate reports it as such instead of judging it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

API_VERSIONS = ("1.21.1", "1.7.0")
KINDS = ("command", "reporting")

# What each guide documents (21.3 guide: "Command API: https://www.beyondtrust.com/namespaces/API/command";
# 12.1 guide: `<session_summary_list xmlns="http://www.networkstreaming.com/namespaces/API">`).
DOCUMENTED: dict[tuple[str, str], str] = {
    ("1.21.1", "command"): "https://www.beyondtrust.com/namespaces/API/command",
    ("1.21.1", "reporting"): "https://www.beyondtrust.com/namespaces/API/reporting",
    ("1.7.0", "command"): "http://www.networkstreaming.com/namespaces/API",
    ("1.7.0", "reporting"): "http://www.networkstreaming.com/namespaces/API",
}

# The known family: namespace -> (the kinds it is used for, where it was seen).
KNOWN_FAMILY: dict[str, tuple[tuple[str, ...], str]] = {
    "http://www.networkstreaming.com/namespaces/API": (KINDS, "legacy Bomgar (API 1.5 to 1.7)"),
    "http://www.bomgar.com/namespaces/API/command": (("command",), "Bomgar-era Remote Support cloud"),
    "http://www.bomgar.com/namespaces/API/reporting": (("reporting",), "Bomgar-era Remote Support cloud"),
    "https://www.beyondtrust.com/namespaces/API/command": (("command",), "BeyondTrust RS 21.3 guide"),
    "https://www.beyondtrust.com/namespaces/API/reporting": (("reporting",), "BeyondTrust RS 21.3 guide"),
    "https://support.example.com/namespaces/API/command": (("command",), "misprint in the RS 21.3 guide"),
    # The 21.3 guide prints this one on a reporting root (PresentationSessionListing).
    "http://support.example.com/namespaces/API/command": (KINDS, "misprint in the RS 21.3 guide"),
}

# Another product's answers (basis: field, DESIGN.md "Facts from the field": the sibling product PRA uses
# this namespace; captured PRA cloud reports share RS's listing and session structure, but "a PRA answer has
# jump_group and no public_site"). Not a variant of the family: a PRA answer says nothing of Remote Support.
PRA = "Privileged Remote Access"
OTHER_PRODUCTS: dict[str, str] = {"http://www.beyondtrust.com/sra/namespaces/API/reporting": PRA}
# A PRA report in any namespace: its <session> (a child of this root) has the first child and not the second.
PRA_SESSION = ("session_list", "session", "jump_group", "public_site")

Status = Literal["ok", "WARN", "FAIL"]


@dataclass(frozen=True)
class NamespaceVerdict:
    status: Status
    found: str | None
    expected: str
    reason: str

    def to_json(self) -> dict:
        return {"status": self.status, "found": self.found, "expected": self.expected, "reason": self.reason}


def kinds_of(namespace: str | None) -> tuple[str, ...]:
    """The kinds of response (command, reporting) a namespace of the family is used for; () if unknown."""
    if namespace is None:
        return ()
    return KNOWN_FAMILY.get(namespace, ((), ""))[0]


def product_of(namespace: str | None) -> str | None:
    """The other product whose namespace this is (PRA), or None."""
    return OTHER_PRODUCTS.get(namespace) if namespace is not None else None


def judge(found: str | None, kind: str, api_version: str, expected: str | None = None) -> NamespaceVerdict:
    """Judge the namespace of a `kind` response; `expected` overrides the one the API version documents."""
    want = expected or DOCUMENTED[(api_version, kind)]
    basis = "given with --namespace" if expected else f"documented for API {api_version} {kind} responses"
    if found == want:
        return NamespaceVerdict("ok", found, want, f"the namespace {basis}")
    if found is None:
        return NamespaceVerdict("FAIL", None, want, f"no namespace; expected {want} ({basis})")
    product = product_of(found)
    if product is not None:  # validate() reports such an answer as PRA's; judged by its name alone, a WARN
        reason = f"the namespace of {product}, another product, not the namespace {basis} ({want})"
        return NamespaceVerdict("WARN", found, want, reason)
    if found in KNOWN_FAMILY:
        kinds, seen = KNOWN_FAMILY[found]
        if kind not in kinds:  # the other API's namespace: a client that dispatches on it is misled
            other = " and ".join(kinds)
            reason = f"the namespace of the {other} API ({seen}), not of {kind} answers; expected {want}"
            return NamespaceVerdict("FAIL", found, want, reason)
        return NamespaceVerdict(
            "WARN", found, want, f"known variant ({seen}), not the namespace {basis} ({want})"
        )
    return NamespaceVerdict("FAIL", found, want, f"unknown namespace; expected {want} ({basis})")
