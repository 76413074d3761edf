"""Fault profiles of client scripting (BRCS files)."""

from __future__ import annotations

from harness.appliance.faults import EditHeader, Replace, Where, fault

PROFILES = (
    fault(
        "brcs-name-without-site",
        "Client script files named *.brcs.<site>, not with the guide's extension brcs-<companySiteName>.",
        {"BRCS-040": "FAIL"},
        EditHeader(Where("/api/client_script"), "content-disposition", ".brcs-", ".brcs."),
    ),
    fault(
        "brcs-header-spaced",
        "Client script files begin 'BRCS 1.0', not the format's 'BRCS1.0'.",
        {"BRCS-001": "FAIL"},
        Replace(Where("/api/client_script"), b"BRCS1.0\n", b"BRCS 1.0\n"),
    ),
    fault(
        "brcs-without-delete-script-file",
        "Client script files lack the automatically added delete_script_file command.",
        {"SCR-006": "FAIL"},
        Replace(Where("/api/client_script"), b"action=delete_script_file", b""),
    ),
)
