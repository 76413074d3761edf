"""API versions: the one parser every version comparison in the project uses.

The guides write MAJOR.MINOR.PATCH ("1.21.1"); appliances and people also write "1.8". A missing patch is 0,
so "1.8" equals "1.8.0" (a target reporting "1.8" meets a check marked since="1.8.0"). Anything else (a
suffix, a build, a word) is not an API version: ValueError, so each caller decides what an unreadable
version means instead of a parser guessing digits out of it.
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
