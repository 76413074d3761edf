"""Endpoint addresses in the field's shape (DESIGN.md, "Facts from the field": real reports and state archives
carry `public_ip` with a port, an IPv6 address bracketed, `203.0.113.7:56722`, `[2a01:db8::7]:56722`;
`private_ip` and the operating system may be `Unknown`). The seeded history and the simulation draw them
from their own seeded generators, so a seed gives the same addresses every time."""

from __future__ import annotations

import random

UNKNOWN = "Unknown"


def public_ip(rng: random.Random) -> str:
    """An address with the port it connected from; now and then a bracketed IPv6 address."""
    if rng.random() < 0.25:
        return f"[2a01:4f8::{rng.randrange(1, 0xFFFF):x}]:{rng.randrange(49152, 65535)}"
    return f"198.51.100.{rng.randrange(1, 254)}:{rng.randrange(49152, 65535)}"


def private_ip(rng: random.Random) -> str:
    """A LAN address, or Unknown (about three times in ten)."""
    return UNKNOWN if rng.random() < 0.3 else f"192.168.{rng.randrange(256)}.{rng.randrange(1, 255)}"
