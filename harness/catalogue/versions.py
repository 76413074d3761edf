"""API versions: the one parser every version comparison in the project uses.

The guides write MAJOR.MINOR.PATCH ("1.21.1"); appliances and people also write "1.8". A missing patch is 0,
so "1.8" equals "1.8.0" (a target reporting "1.8" meets a check marked since="1.8.0"). Anything else (a
suffix, a build, a word) is not an API version: ValueError, so each caller decides what an unreadable
version means instead of a parser guessing digits out of it.

Also the guide's table of the BeyondTrust releases each API version ships in, and its reading of a release.
"""

from __future__ import annotations

import re

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?")


def version_tuple(api_version: str) -> tuple[int, int, int]:
    """'1.21.1' -> (1, 21, 1); '1.8' -> (1, 8, 0); ValueError if it is not an API version."""
    m = _VERSION.fullmatch(api_version.strip())
    if not m:
        raise ValueError(f"not an API version: {api_version!r} (expected e.g. 1.21.1)")
    return int(m[1]), int(m[2]), int(m[3] or 0)


def is_version(text: str | None) -> bool:
    try:
        version_tuple(text or "")
    except ValueError:
        return False
    return True


# The guide's "API Version Reference": the BeyondTrust releases each API version ships in, as the guide
# writes them ("21.3.x" any patch, "12.1.4+" that patch or later, "10.2.(0-4)" a range, "10.4.0" exactly).
RELEASES: dict[str, tuple[str, ...]] = {
    "1.21.1": ("21.3.x",),
    "1.21.0": ("21.1.x", "21.2.x"),
    "1.19.2": ("19.2.x", "20.1.x"),
    "1.19.0": ("19.1.x",),
    "1.18.0": ("18.2.x",),
    "1.16.0": ("17.1.x",),
    "1.15.1": ("16.2.x",),
    "1.15.0": ("16.1.x",),
    "1.13.1": ("15.2.x",),
    "1.13.0": ("15.1.x",),
    "1.12.0": ("14.2.x", "14.3.x"),
    "1.11.0": ("14.1.x",),
    "1.10.0": ("13.1.x",),
    "1.9.0": ("12.3.x",),
    "1.8.0": ("12.2.x",),
    "1.7.1": ("12.1.4+",),
    "1.7.0": ("12.1.x",),
    "1.6.0": ("11.1.x",),
    "1.5.0": ("10.6.x",),
    "1.4.2": ("10.5.2+",),
    "1.4.1": ("10.5.1",),
    "1.4.0": ("10.5.0",),
    "1.3.2": ("10.4.1+",),
    "1.3.0": ("10.4.0",),
    "1.2.2": ("10.3.4+",),
    "1.2.1": ("10.3.2", "10.3.3"),
    "1.2.0": ("10.3.0", "10.3.1"),
    "1.1.1": ("10.2.5+",),
    "1.1.0": ("10.2.(0-4)",),
    "1.0.0": ("10.1.x",),
}

_RELEASE = re.compile(r"(\d+)\.(\d+)\.(\d+)(?!\d)")  # a release at the start of a version text
_ROW = re.compile(r"(\d+)\.(\d+)\.(?:(x)|(\d+)(\+)?|\((\d+)-(\d+)\))")


def release(text: str) -> tuple[int, int, int] | None:
    """The release a check_health <version> begins with ("21.3.1 (build 4567)" and "21.3.1.4567" ->
    (21, 3, 1)); None if it begins with none."""
    m = _RELEASE.match(text.strip())
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def releases_of(api_version: str) -> tuple[str, ...] | None:
    """The releases the guide's table lists for an API version ("1.8" is 1.8.0); None if it lists none."""
    wanted = version_tuple(api_version)
    return next((rows for v, rows in RELEASES.items() if version_tuple(v) == wanted), None)


def ships_in(api_version: str, product: tuple[int, int, int]) -> bool:
    """Whether the table has the API version ship in that release (False for an API version it lacks)."""
    for row in releases_of(api_version) or ():
        m = _ROW.fullmatch(row)
        if (int(m[1]), int(m[2])) != product[:2]:
            continue
        patch = product[2]
        if m[3] or (m[5] and patch >= int(m[4])) or (m[4] and not m[5] and patch == int(m[4])):
            return True
        if m[6] and int(m[6]) <= patch <= int(m[7]):
            return True
    return False
