"""Fault profiles of the state and event archives (guide: "Download Reports with Archive")."""

from __future__ import annotations

from harness.appliance.faults import ARCHIVE, AS_JSON_BOOLEANS, Body, Gunzipped, corrupted, fault, gzip_bomb

PROFILES = (
    fault(
        "archive-booleans-as-json",
        "State and event archives write [boolean] fields as JSON true/false instead of 1/0.",
        {"ARC-JSON-003": "WARN"},
        Gunzipped(ARCHIVE, AS_JSON_BOOLEANS),
    ),
    fault(
        "archive-past-4-gb",
        "Every archive a 16 MB gzip file of 4.5 GB, past the guide's 'never exceeds 4 GB'.",
        {"ARC-GET-002": "FAIL"},
        Body(ARCHIVE, gzip_bomb),
    ),
    fault(
        "archive-corrupt-gzip",
        "Every archive's deflate data damaged after the gzip header.",
        {"ARC-GET-001": "FAIL"},
        Body(ARCHIVE, corrupted),
    ),
)
