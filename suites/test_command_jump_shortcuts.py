"""import_jump_shortcut (guide: "API Command: import_jump_shortcut"). Every call may create a Jump Item the
command API cannot remove, so every check here is destructive. The Jump Group and Jumpoint code names come
from the configuration API (the command API lists neither); without it the checks are NOT_TESTED.

The action is in the change log from API 1.15.0; the `name` parameter these checks send came with 1.16.0."""

from __future__ import annotations

import itertools

import pytest

from harness.catalogue.limits import JUMP_NAME_MAX, JUMP_TEXT_MAX
from harness.checks.command import error_or_answer, success_text
from harness.checks.xml import command_error, command_ok
from harness.verdicts import not_tested, warn

pytestmark = [pytest.mark.api_version(since="1.16.0"), pytest.mark.profile("destructive")]

IMPORTED = "Successfully imported Jump Item shortcut"
CONFIG = "/api/config/v1"
HOST = "rsh-endpoint.invalid"
# item type -> (its hostname parameter, needs a Jumpoint, other required parameters)
TYPES: dict[str, tuple[str, bool, dict[str, str]]] = {
    "local_jump": ("local_jump_hostname", False, {}),
    "remote_jump": ("remote_jump_hostname", True, {}),
    "remote_vnc": ("remote_vnc_hostname", True, {}),
    "local_vnc": ("local_vnc_hostname", False, {}),
    "remote_rdp": ("remote_rdp_hostname", True, {}),
    "local_rdp": ("rdp_hostname", False, {}),
    "shell_jump": ("shelljump_hostname", True, {"protocol": "ssh"}),
    "vpro": ("vpro_hostname", True, {}),
}
_CODES: dict[str, tuple[str, str]] = {}
_SERIAL = itertools.count(1)


def _code_names(client, path: str) -> list[dict]:
    response = client.call(f"{CONFIG}/{path}")
    try:
        rows = response.json() if response.status_code == 200 else None
    except ValueError:
        rows = None
    if not isinstance(rows, list):
        not_tested(
            f"the configuration API does not list {path}s (HTTP {response.status_code}): no code names"
        )
    return [r for r in rows if isinstance(r, dict) and isinstance(r.get("code_name"), str) and r["code_name"]]


@pytest.fixture
def codes(rs_api, rs_target) -> tuple[str, str]:
    """(Jump Group code name, Jumpoint code name) of the target, asked once per run."""
    key = rs_target.target.url
    if key not in _CODES:
        groups = _code_names(rs_api, "jump-group")
        jumpoints = _code_names(rs_api, "jumpoint")
        if not groups or not jumpoints:
            not_tested("the target has no Jump Group or no Jumpoint to import shortcuts into")
        # a Jumpoint that takes Shell Jump, if there is one, so every item type can use it
        jumpoints.sort(key=lambda r: (not r.get("enabled", True), not r.get("shell_jump_enabled", True)))
        _CODES[key] = (groups[0]["code_name"], jumpoints[0]["code_name"])
    return _CODES[key]


def shortcut(kind: str, codes: tuple[str, str], prefix: str, **changes: str | None) -> dict[str, str]:
    """The parameters of a valid shortcut of `kind`; a change to None leaves that parameter out."""
    hostname, via_jumpoint, required = TYPES[kind]
    params = {"name": f"{prefix}-{kind}-{next(_SERIAL)}", hostname: HOST, "group": codes[0], **required}
    if via_jumpoint:
        params["jumpoint"] = codes[1]
    params.update(changes)
    return {k: v for k, v in params.items() if v is not None}


def imported(client, expect, params: dict[str, str]) -> None:
    success_text(command_ok(client.command("import_jump_shortcut", params), expect, "success"), IMPORTED)


def host_of(length: int) -> str:
    """A syntactically valid hostname of `length` characters (labels of 62; 128 and 129 end in a label)."""
    name = ".".join(["h" * 62] * (length // 63 + 1))[:length]
    assert not name.endswith("."), length
    return name


@pytest.mark.req("CMD-IJS-001")
@pytest.mark.parametrize("kind", list(TYPES))
def test_import_each_item_type(rs_api, rs_expect, codes, rs_run_prefix, kind):
    imported(rs_api, rs_expect, shortcut(kind, codes, rs_run_prefix))


MISSING = [
    ("local_jump", "name"),
    ("local_jump", "group"),
    ("local_jump", "local_jump_hostname"),
    ("remote_jump", "jumpoint"),
    ("remote_rdp", "jumpoint"),
    ("shell_jump", "protocol"),
    ("vpro", "jumpoint"),
]


@pytest.mark.req("CMD-IJS-002", "CMD-GEN-014")
@pytest.mark.parametrize("kind, dropped", MISSING, ids=[f"{k}-without-{d}" for k, d in MISSING])
def test_import_without_a_required_parameter_is_an_error(
    rs_api, rs_expect, codes, rs_run_prefix, kind, dropped
):
    params = shortcut(kind, codes, rs_run_prefix, **{dropped: None})
    command_error(rs_api.command("import_jump_shortcut", params), rs_expect)


@pytest.mark.req("CMD-IJS-002", "CMD-GEN-014")
@pytest.mark.parametrize("kind, change", [("local_jump", "group"), ("remote_jump", "jumpoint")])
def test_import_into_an_unknown_group_or_jumpoint_is_an_error(
    rs_api, rs_expect, codes, rs_run_prefix, kind, change
):
    params = shortcut(kind, codes, rs_run_prefix, **{change: "rsh_no_such_code_name"})
    command_error(rs_api.command("import_jump_shortcut", params), rs_expect)


@pytest.mark.req("CMD-IJS-003")
@pytest.mark.parametrize("field", ["name", "local_jump_hostname"])
def test_import_takes_128_characters(rs_api, rs_expect, codes, rs_run_prefix, field):
    n = JUMP_NAME_MAX
    value = host_of(n) if field.endswith("hostname") else (rs_run_prefix + "-" + "n" * n)[:n]
    imported(rs_api, rs_expect, shortcut("local_jump", codes, rs_run_prefix, **{field: value}))


@pytest.mark.req("CMD-IJS-005")
@pytest.mark.parametrize("field", ["tag", "comments"])
def test_import_takes_1024_characters(rs_api, rs_expect, codes, rs_run_prefix, field):
    imported(rs_api, rs_expect, shortcut("local_jump", codes, rs_run_prefix, **{field: "t" * JUMP_TEXT_MAX}))


OVER = [("name", JUMP_NAME_MAX + 1), ("local_jump_hostname", JUMP_NAME_MAX + 1), ("tag", JUMP_TEXT_MAX + 1),
        ("comments", JUMP_TEXT_MAX + 1)]  # fmt: skip


@pytest.mark.req("CMD-IJS-004", "CMD-GEN-014")
@pytest.mark.parametrize("field, length", OVER, ids=[f"{f}-{n}" for f, n in OVER])
def test_import_refuses_longer_values(rs_api, rs_expect, codes, rs_run_prefix, field, length):
    value = host_of(length) if field.endswith("hostname") else (rs_run_prefix + "-" + "n" * length)[:length]
    params = shortcut("local_jump", codes, rs_run_prefix, **{field: value})
    if error_or_answer(rs_api.command("import_jump_shortcut", params), rs_expect, "success") is None:
        maximum = JUMP_TEXT_MAX if field in ("tag", "comments") else JUMP_NAME_MAX
        warn(f"{field} of {length} characters was imported (the maximum is {maximum})")


ACCEPTED = [
    ("shell_jump", {"shelljump_username": "admin", "port": "25", "terminal": "vt100", "keep_alive": "120"}),
    ("shell_jump", {"protocol": "telnet", "terminal": "VT100", "port": "1", "keep_alive": "0"}),
    ("shell_jump", {"terminal": "xterm", "port": "65535", "keep_alive": "300"}),
    ("remote_vnc", {"port": "100"}),
    ("remote_vnc", {"port": "65535"}),
    ("local_rdp", {"rdp_username": "admin", "domain": "example", "display_size": "1280x720",
                   "quality": "more_colors", "console": "1", "ignore_untrusted": "1"}),
    ("remote_rdp", {"display_size": "all", "quality": "black_white", "console": "0", "ignore_untrusted": "0"}),
    ("local_rdp", {"display_size": "primary", "quality": "few_colors"}),
    ("local_rdp", {"quality": "full_colors"}),
    ("remote_rdp", {"quality": "video_opt"}),
]  # fmt: skip


@pytest.mark.req("CMD-IJS-006")
@pytest.mark.parametrize("kind, options", ACCEPTED, ids=[f"{k}-{'-'.join(o)}" for k, o in ACCEPTED])
def test_import_takes_the_documented_options(rs_api, rs_expect, codes, rs_run_prefix, kind, options):
    imported(rs_api, rs_expect, shortcut(kind, codes, rs_run_prefix, **options))


REFUSED = [
    ("shell_jump", {"protocol": "ftp"}),
    ("shell_jump", {"port": "0"}),
    ("shell_jump", {"port": "65536"}),
    ("shell_jump", {"keep_alive": "301"}),
    ("shell_jump", {"terminal": "vt220"}),
    ("remote_vnc", {"port": "99"}),
    ("local_rdp", {"quality": "ultra"}),
]


@pytest.mark.req("CMD-IJS-007", "CMD-GEN-014")
@pytest.mark.parametrize(
    "kind, options", REFUSED, ids=[f"{k}-{'-'.join(f'{n}={v}' for n, v in o.items())}" for k, o in REFUSED]
)
def test_import_refuses_values_out_of_range(rs_api, rs_expect, codes, rs_run_prefix, kind, options):
    command_error(
        rs_api.command("import_jump_shortcut", shortcut(kind, codes, rs_run_prefix, **options)), rs_expect
    )


@pytest.mark.req("CMD-IJS-010")
@pytest.mark.parametrize("role", ["read_only", "no_command", "reporting_only"])
def test_import_is_refused_without_full_access(rs_client, rs_expect, codes, rs_run_prefix, role):
    """A well-formed shortcut, so only the access can refuse it."""
    params = shortcut("local_jump", codes, rs_run_prefix)
    command_error(rs_client(role).command("import_jump_shortcut", params), rs_expect)
