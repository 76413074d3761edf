"""The requirement catalogue: every rule the suites check, with its ID, the guide's wording, the section,
the level (MUST/SHOULD) and the basis (documented / field / inferred; DESIGN.md).

One TOML file per area in `requirements/`; the BRCS linter's rules (harness.catalogue.brcs.RULES) join as
they are, so a rule is written once. A requirement the suites deliberately do not check says why in
`not_tested`.

Each requirement comes from one guide, and a run judges one API family: the 21.3 guide's requirements for
API 1.8 and later, the Bomgar 12.1 guide's for API 1.7.0 (FAMILY_GUIDES). A 12.1 requirement that states the
same rule as a 21.3 one says so (`restates`): a check function written for the 21.3 rule charges the 21.3 ID,
and a check of the 1.7.0 family that calls it is charged the 12.1 requirement instead (counterparts()).
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from importlib import resources

from harness.catalogue.brcs import HARNESS_SECTION, RULES

LEVELS = ("MUST", "SHOULD")
BASES = ("documented", "field", "inferred")
ID_PATTERN = re.compile(r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$")  # CMD-GSK-004, L17-CMD-GSK-001
GUIDES = {"21.3": "BeyondTrust RS 21.3 API guide (API 1.21.1)", "12.1": "Bomgar 12.1 API guide (API 1.7.0)"}
FAMILY_GUIDES = {"1.21.1": "21.3", "1.7.0": "12.1"}  # the API family (harness.schemas.schema_family) -> guide


@dataclass(frozen=True)
class Requirement:
    id: str
    area: str
    section: str
    level: str
    basis: str
    text: str
    guide: str = "21.3"
    not_tested: str | None = None  # why no check covers it
    restates: str | None = None  # the requirement of the other guide that states the same rule

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "area": self.area,
            "section": self.section,
            "guide": GUIDES[self.guide],
            "level": self.level,
            "basis": self.basis,
            "text": self.text,
            "not_tested": self.not_tested,
            "restates": self.restates,
        }


class CatalogueError(Exception):
    pass


def _from_toml(area: str, text: str) -> list[Requirement]:
    data = tomllib.loads(text)
    out = []
    for entry in data.get("requirement", []):
        try:
            req = Requirement(area=area, **entry)
        except TypeError as exc:
            raise CatalogueError(f"{area}: {entry.get('id')}: {exc}") from None
        problems = []
        if not ID_PATTERN.match(req.id):
            problems.append("malformed id")
        if req.level not in LEVELS:
            problems.append(f"level {req.level!r}")
        if req.basis not in BASES:
            problems.append(f"basis {req.basis!r}")
        if req.guide not in GUIDES:
            problems.append(f"guide {req.guide!r}")
        if not req.text.strip() or not req.section.strip():
            problems.append("empty text or section")
        if problems:
            raise CatalogueError(f"{area}: {req.id}: {', '.join(problems)}")
        out.append(req)
    return out


def _brcs() -> list[Requirement]:
    # A bound of the linter itself (BRCS-091) is no requirement on an appliance.
    own = "a bound of the harness's BRCS linter, not a requirement on the appliance"
    return [
        Requirement(
            r.id,
            "brcs",
            r.section,
            r.level,
            r.basis,
            r.wording,
            not_tested=own if r.section == HARNESS_SECTION else None,
        )
        for r in RULES
    ]


@functools.cache
def catalogue() -> dict[str, Requirement]:
    """Every requirement by ID, in file order."""
    found: dict[str, Requirement] = {}
    folder = resources.files("harness.catalogue") / "requirements"
    loaded = _brcs()
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".toml"):
            loaded += _from_toml(item.name.removesuffix(".toml"), item.read_text(encoding="utf-8"))
    for req in loaded:
        if req.id in found:
            raise CatalogueError(f"duplicate requirement id {req.id}")
        found[req.id] = req
    _check_restates(found)
    return found


def _check_restates(found: dict[str, Requirement]) -> None:
    """`restates` names a requirement of another guide, restated by at most one requirement of each guide."""
    seen: dict[tuple[str, str], str] = {}
    for req in found.values():
        if req.restates is None:
            continue
        other = found.get(req.restates)
        if other is None or other.guide == req.guide:
            raise CatalogueError(
                f"{req.id}: restates {req.restates}, which is no requirement of another guide"
            )
        key = (req.guide, req.restates)
        if key in seen:
            raise CatalogueError(f"{req.id} and {seen[key]} both restate {req.restates}")
        seen[key] = req.id


@functools.cache
def counterparts(guide: str) -> dict[str, str]:
    """Requirement ID of another guide -> the requirement of `guide` that restates it."""
    return {r.restates: r.id for r in catalogue().values() if r.guide == guide and r.restates is not None}


def for_family(
    requirements: dict[str, Requirement], family: str, named: set[str] | frozenset[str] = frozenset()
) -> dict[str, Requirement]:
    """The requirements a run of `family` judges: its guide's, a user's own (--rs-requirements), and any
    other that the run's checks name (so no check's requirement is left out of the traceability matrix)."""
    guide = FAMILY_GUIDES[family]
    return {
        i: r for i, r in requirements.items() if r.guide == guide or r.area.startswith("user:") or i in named
    }


def get(req_id: str) -> Requirement:
    try:
        return catalogue()[req_id]
    except KeyError:
        raise CatalogueError(f"unknown requirement id {req_id}") from None


def load_user(path: str) -> dict[str, Requirement]:
    """A user's own requirements (`[[requirement]]` entries, as in the catalogue's files), for checks of
    their own; their area is the file's name. An ID the catalogue already has is refused."""
    from pathlib import Path

    file = Path(path).expanduser()
    try:
        text = file.read_text(encoding="utf-8")
        reqs = _from_toml(f"user:{file.stem}", text)
    except OSError as exc:
        raise CatalogueError(f"requirements file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"requirements file {path}: {exc}") from None
    except CatalogueError as exc:
        raise CatalogueError(f"requirements file {path}: {exc}") from None
    found: dict[str, Requirement] = {}
    for req in reqs:
        if req.id in catalogue() or req.id in found:
            raise CatalogueError(f"requirements file {path}: {req.id} is already a requirement")
        found[req.id] = req
    return found
