"""The client scripting API and its script files (BRCS) as data: actions, their parameters, file limits,
and the rules the BRCS linter (harness.brcs) checks, which the requirement catalogue joins as they are.

Sources: the BeyondTrust RS 21.3 API guide (API 1.21.1), "Representative Console Scripting and Client
Scripting API" and each "API Script Command: <action>" after it; and, for older builds, the Bomgar 12.1 API
guide (API 1.7.0), "About the Client Scripting API" and the command sections after it. The linter, the
embedded appliance, the requirement catalogue and the hypothesis strategies all read this module; nothing
else restates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from harness.catalogue import limits
from harness.catalogue.versions import version_tuple

GUIDES: dict[str, str] = {
    "1.21.1": "BeyondTrust RS 21.3 API guide",
    "1.7.0": "Bomgar 12.1 API guide",
}
DEFAULT_API_VERSION = "1.21.1"

# 21.3 guide section names (the file format lives in the first two).
FILE_SECTION = "The BeyondTrust Representative Console Script File"
CLI_SECTION = "New and Deprecated Command Line Parameters for the Representative Console"
API_SECTION = "The BeyondTrust Client Scripting API"

MAX_COMMANDS = 10  # "script files can have a maximum of 10 commands"
DOCUMENTED_SCRIPT_VERSIONS = ("1.0",)  # the guide shows only "BRCS1.0"
# The custom fields' limits (1024 characters each, 10KB in all): harness.catalogue.limits, named here too.
CUSTOM_FIELD_MAX = limits.CUSTOM_FIELD_MAX
CUSTOM_TOTAL_MAX_BYTES = limits.CUSTOM_TOTAL_MAX_BYTES

# The HTTP side (https://<site>/api/client_script): client type -> the operation it takes. "If the type is
# rep, the operation should be generate. If the type is web_console, the operation should be execute."
CLIENT_TYPES: dict[str, str] = {"rep": "generate", "web_console": "execute"}
WEB_CONSOLE_SINCE = "1.18.0"  # change log: "Added web_console as a client type."

Kind = Literal["string", "integer", "enum", "display_size"]
GroupKind = Literal["all_or_none", "at_least_one"]


@dataclass(frozen=True)
class Param:
    """One documented parameter. A family (`family=True`) is a key prefix, e.g. session.custom.<field>."""

    name: str
    required: bool
    kind: Kind = "string"
    values: tuple[str, ...] = ()  # documented values: all of them for "enum", the named ones for display_size
    default: str | None = None
    max_length: int | None = None  # in characters of the decoded value
    minimum: int | None = None  # for "integer"
    maximum: int | None = None
    family: bool = False
    doc: str = ""

    @property
    def label(self) -> str:
        return f"{self.name}[custom field]" if self.family else self.name

    def matches(self, key: str) -> bool:
        if self.family:
            return key.startswith(self.name) and len(key) > len(self.name)
        return key == self.name


@dataclass(frozen=True)
class Group:
    """A rule that ties several parameters of one action together."""

    kind: GroupKind
    names: tuple[str, ...]
    doc: str


@dataclass(frozen=True)
class Action:
    name: str
    guide: str  # the API version whose guide documents this definition (a key of GUIDES)
    section: str
    params: tuple[Param, ...] = ()
    groups: tuple[Group, ...] = ()
    since: str | None = None  # first API version with it, where a guide says so
    # "The type web_console supports only the generate_session_key and start_jump_item_session actions."
    web_console: bool = False
    # "Two actions are automatically added to the BRCS file: login and delete_script_file."
    auto_added: bool = False
    doc: str = ""

    def param_for(self, key: str) -> Param | None:
        return next((p for p in self.params if p.matches(key)), None)

    @property
    def required(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.required)


def _section(action: str) -> str:
    return f"API Script Command: {action}"


_CUSTOM_DOC = (
    "The code name and value of any custom fields. Each custom field has a maximum length of 1024 "
    "characters. The maximum total size of all combined custom fields, including the external key, must be "
    "limited to 10KB."
)
CUSTOM = Param("session.custom.", False, max_length=CUSTOM_FIELD_MAX, family=True, doc=_CUSTOM_DOC)
_JUMPOINT_DOC = (
    "The Jumpoint through which to start the session. If not specified and the user has access to more than "
    "one Jumpoint, then a dialog will open from which the user must select a Jumpoint."
)


def _target(doc: str) -> Param:
    return Param("target", True, doc=doc)


def _jumpoint(required: bool = False) -> Param:
    return Param("jumpoint", required, doc=_JUMPOINT_DOC)


def _port(default: str) -> Param:
    # "[integer]" and "The port number on which to connect": we read a TCP port, 1-65535.
    return Param(
        "port",
        False,
        "integer",
        default=default,
        minimum=1,
        maximum=65535,
        doc=f"The port number on which to connect. Defaults to {default}.",
    )


_HOSTNAME_DOC = "The hostname of the computer that is the target of the push and start operation."
_PORTAL_DOC = "The hostname of the public portal selected by default on the Generate Session Key dialog."
_USERNAME_DOC = "The username to use when authenticating. If not specified, the representative must enter it."
_CLIENT_FIELDS = ("client.comments", "client.hostname", "client.private_ip", "client.public_ip", "client.tag")

ACTIONS_1_21_1: tuple[Action, ...] = (
    Action(
        "login",
        "1.21.1",
        _section("login"),
        auto_added=True,
        params=(
            Param(
                "mechanism",
                False,
                "enum",
                values=("username_password",),
                doc="The mechanism to use for authentication. Only username_password is supported.",
            ),
            Param("username", False, doc="The username of the account with which to log in."),
            Param("password", False, doc="The password of the account with which to log in."),
        ),
        groups=(
            Group(
                "all_or_none",
                ("mechanism", "username", "password"),
                "If this parameter is supplied, both other parameters must also be supplied.",
            ),
        ),
        doc="Opens the representative console and logs in; automatically added as the first command.",
    ),
    Action(
        "generate_session_key",
        "1.21.1",
        _section("generate_session_key"),
        web_console=True,
        params=(
            Param("public_portal_hostname", False, max_length=255, doc=_PORTAL_DOC),
            CUSTOM,
        ),
        doc="Shows the Generate Session Key dialog.",
    ),
    Action(
        "push_and_start_local",
        "1.21.1",
        _section("push_and_start_local"),
        since="1.6.0",
        params=(
            Param("hostname", True, max_length=255, doc=_HOSTNAME_DOC),
            CUSTOM,
        ),
        doc="Pushes the customer client to a computer on the local network (a local Jump).",
    ),
    Action(
        "push_and_start_remote",
        "1.21.1",
        _section("push_and_start_remote"),
        since="1.13.0",
        params=(_target("The hostname or IP address of the target machine."), _jumpoint(), CUSTOM),
        doc="Pushes the customer client to a computer on a remote network through a Jumpoint.",
    ),
    Action(
        "start_jump_item_session",
        "1.21.1",
        _section("start_jump_item_session"),
        web_console=True,
        params=(
            Param(
                "jump.method",
                False,
                "enum",
                values=("push", "local_push", "pinned", "rdp", "vnc", "shelljump"),
                doc="If specified, only Jump Items using the designated Jump method are included.",
            ),
            Param(
                "credential_id",
                False,
                max_length=255,
                doc="If specified, only a Jump Item with that credential ID associated is returned.",
            ),
            Param(
                "search_string",
                False,
                doc="The search criteria; required only if none of the client fields are specified.",
            ),
            Param("client.comments", False, max_length=255, doc="Jump Items with the given comments."),
            Param("client.hostname", False, max_length=255, doc="Jump Items with the given hostname."),
            Param("client.private_ip", False, max_length=255, doc="Jump Clients with the given private IP."),
            Param("client.public_ip", False, max_length=255, doc="Jump Clients with the given public IP."),
            Param("client.tag", False, max_length=255, doc="Jump Items with the given tag."),
            CUSTOM,
        ),
        # The guide contradicts itself: search_string "is required only if none of the client fields below
        # are specified", yet "At least one client.* parameter must be specified." We take the reading both
        # sentences allow together: search_string or at least one client.* parameter.
        groups=(
            Group(
                "at_least_one",
                ("search_string", *_CLIENT_FIELDS),
                "search_string is required only if none of the client fields are specified; "
                "at least one client.* parameter must be specified.",
            ),
        ),
        doc="Starts a session with a Jump Item the user may access.",
    ),
    Action(
        "start_rdp_session",
        "1.21.1",
        _section("start_rdp_session"),
        since="1.13.0",
        params=(
            _target("The hostname or IP address of the machine targeted for an RDP session."),
            _jumpoint(),
            Param("username", False, doc=_USERNAME_DOC),
            Param(
                "display_size",
                False,
                "display_size",
                values=("primary_display", "all_displays"),
                default="primary_display",
                doc="May be one of primary_display (default), all_displays, or <width>x<height>.",
            ),
            Param(
                "quality",
                False,
                "enum",
                values=("low", "performance", "performance_quality", "quality"),
                default="performance",
                doc="May be one of low, performance (default), performance_quality, or quality.",
            ),
            Param(
                "console",
                False,
                "enum",
                values=("no", "yes"),
                default="no",
                doc="Either no (default) or yes. If yes, the session connects to the physical console.",
            ),
            CUSTOM,
        ),
        doc="Starts a Microsoft Remote Desktop Protocol session through a Jumpoint.",
    ),
    Action(
        "start_vnc_session",
        "1.21.1",
        _section("start_vnc_session"),
        params=(
            _target("The hostname or IP address of the machine targeted for a VNC session."),
            _jumpoint(),
            _port("5900"),
            CUSTOM,
        ),
        doc="Starts a VNC session through a Jumpoint.",
    ),
    Action(
        "start_shell_jump_session",
        "1.21.1",
        _section("start_shell_jump_session"),
        since="1.13.0",
        params=(
            _target("The hostname or IP address of the machine targeted for a Shell Jump session."),
            _jumpoint(),
            Param("username", False, doc=_USERNAME_DOC),
            Param(
                "protocol",
                False,
                "enum",
                values=("ssh", "telnet"),
                default="ssh",
                doc="The network protocol to use. May be one of ssh (default) or telnet.",
            ),
            _port("22"),
            Param(
                "terminal",
                False,
                "enum",
                values=("xterm", "vt100"),
                default="xterm",
                doc="The terminal type to use. May be one of xterm (default) or vt100.",
            ),
            CUSTOM,
        ),
        doc="Starts a Shell Jump session (SSH or Telnet) to a remote network device.",
    ),
    Action(
        "start_vpro_session",
        "1.21.1",
        _section("start_vpro_session"),
        params=(
            _target("The hostname or IP address of the machine targeted for a vPro session."),
            Param("jumpoint", True, doc="The Jumpoint through which to start the vPro session."),
            CUSTOM,
        ),
        doc="Starts a vPro session through the specified Jumpoint.",
    ),
    Action(
        "delete_script_file",
        "1.21.1",
        API_SECTION,
        auto_added=True,
        doc="Automatically added to the BRCS file. The delete_script_file action has no parameters.",
    ),
)

# The 12.1 guide: "introduced in API version 1.6.0"; three actions, none of them with custom fields beyond
# session.custom.external_key. It does not describe the file format, nor login or delete_script_file.
_EXTERNAL_KEY = Param(
    "session.custom.external_key",
    False,
    max_length=limits.EXTERNAL_KEY_MAX,  # the 12.1 guide's 1024 characters too
    doc="The external key to associate with the support session.",
)
ACTIONS_1_7_0: tuple[Action, ...] = (
    Action(
        "start_pinned_client_session",
        "1.7.0",
        "The start_pinned_client_session Command",
        since="1.6.0",
        params=(
            Param(
                "search_string",
                True,
                max_length=1024,
                doc="The search criteria used to select a Jump Client (private IP, public IP, hostname, "
                "comments).",
            ),
            _EXTERNAL_KEY,
        ),
        doc="Starts a support session with a Jump Client.",
    ),
    Action(
        "generate_session_key",
        "1.7.0",
        "The generate_session_key Command",
        since="1.6.0",
        params=(
            _EXTERNAL_KEY,
            Param("public_portal_hostname", False, max_length=255, doc=_PORTAL_DOC),
        ),
        doc="Shows the Generate Session Key dialog.",
    ),
    Action(
        "push_and_start_local",
        "1.7.0",
        "The push_and_start_local Command",
        since="1.6.0",
        params=(Param("hostname", True, max_length=255, doc=_HOSTNAME_DOC),),
        doc="Pushes the customer client to a computer on the local network.",
    ),
)

ACTIONS: dict[str, dict[str, Action]] = {
    "1.21.1": {a.name: a for a in ACTIONS_1_21_1},
    "1.7.0": {a.name: a for a in ACTIONS_1_7_0},
}

def actions_for(api_version: str = DEFAULT_API_VERSION) -> dict[str, Action]:
    """The actions a script may use on an appliance of `api_version`.

    Up to 1.7.x the 12.1 guide's set; from 1.21.1 on the 21.3 guide's. No guide documents the versions in
    between, so there we accept the union (21.3's definition where both have one), less what a change log
    dates later: lenient on purpose, so that no action is reported absent on the strength of a guess.
    """
    v = version_tuple(api_version)
    if v < (1, 8, 0):
        pool = ACTIONS["1.7.0"]
    elif v >= (1, 21, 1):
        pool = ACTIONS["1.21.1"]
    else:
        pool = {**ACTIONS["1.7.0"], **ACTIONS["1.21.1"]}
    return {n: a for n, a in pool.items() if a.since is None or version_tuple(a.since) <= v}


def documented_in(action: str) -> tuple[str, ...]:
    """The API versions whose guide documents `action` (empty if none does)."""
    return tuple(v for v, actions in ACTIONS.items() if action in actions)


# ---------------------------------------------------------------------------------------------------------
# The linter's rules, and the bounds of its own that two of them state. Data here, not in the linter, so
# that the requirement catalogue reads them without importing the linter.

MAX_BYTES = 1 << 20  # harness bound: a real script is a few KiB (10 commands, 10 KiB of custom fields each)
MAX_ISSUES = 1000  # harness bound on one lint report


@dataclass(frozen=True)
class Rule:
    id: str
    level: Literal["MUST", "SHOULD"]
    basis: Literal["documented", "inferred"]
    syntax: bool  # a rule of the file grammar: parse() raises on it; the others only lint reports
    wording: str
    section: str


_F = FILE_SECTION
_RFC = f"RFC 3986 section 2.1, cited by {FILE_SECTION}"
_CMD = "API Script Command: <action> (each)"
# The section of the linter's own bounds: the requirement catalogue marks those rules not_tested.
HARNESS_SECTION = "harness bound (no guide section)"

RULES: tuple[Rule, ...] = (
    Rule(
        "BRCS-001",
        "MUST",
        "documented",
        True,
        'The file begins with the header "BRCS" followed by a version digit "." digit.',
        _F,
    ),
    Rule("BRCS-002", "SHOULD", "inferred", False, 'Only script version 1.0 ("BRCS1.0") is documented.', _F),
    Rule(
        "BRCS-003",
        "SHOULD",
        "inferred",
        False,
        'Each newline is "\\n" or "\\r\\n"; a file should keep to one of them.',
        _F,
    ),
    Rule(
        "BRCS-004",
        "MUST",
        "documented",
        True,
        "The header is followed by a newline and at least one command (commands = command {...}).",
        _F,
    ),
    Rule(
        "BRCS-005",
        "MUST",
        "documented",
        True,
        "Commands are separated by one newline; a blank line is an empty command, which is not allowed.",
        _F,
    ),
    Rule("BRCS-006", "SHOULD", "documented", False, "The grammar has no newline after the last command.", _F),
    Rule("BRCS-007", "MUST", "documented", True, "Script files can have a maximum of 10 commands.", _F),
    Rule(
        "BRCS-010",
        "MUST",
        "documented",
        True,
        'A command begins with "action=" (action=<action>&parameter1=value1...).',
        _F,
    ),
    Rule(
        "BRCS-011",
        "MUST",
        "documented",
        True,
        'Parameters are key-value pairs separated by "&"; the key is separated from the value by "=".',
        _F,
    ),
    Rule(
        "BRCS-012",
        "MUST",
        "documented",
        True,
        "Keys and values use percent-encoding: characters outside the allowed set are %XX-encoded.",
        _RFC,
    ),
    Rule(
        "BRCS-013",
        "MUST",
        "documented",
        True,
        'A percent-encoded octet is "%" followed by two hexadecimal digits.',
        _RFC,
    ),
    Rule(
        "BRCS-014",
        "MUST",
        "inferred",
        True,
        "The file and the percent-decoded keys and values are UTF-8.",
        f"RFC 3986 section 2.5; {_F}",
    ),
    Rule(
        "BRCS-015",
        "SHOULD",
        "documented",
        False,
        "Producers should use uppercase hexadecimal digits for all percent-encodings.",
        _RFC,
    ),
    Rule(
        "BRCS-016",
        "SHOULD",
        "documented",
        False,
        "Unreserved characters should not be percent-encoded.",
        "RFC 3986 section 2.3, cited by " + _F,
    ),
    Rule(
        "BRCS-017",
        "SHOULD",
        "inferred",
        False,
        'A raw "+" is a plus in RFC 3986 but a space in form encoding; write %2B or %20.',
        _RFC,
    ),
    Rule(
        "BRCS-020",
        "MUST",
        "documented",
        False,
        "The action is one of the documented client scripting actions.",
        API_SECTION,
    ),
    Rule(
        "BRCS-021",
        "MUST",
        "documented",
        False,
        "The action is documented for the appliance's API version.",
        "API Change Log; 12.1 guide: About the Client Scripting API",
    ),
    Rule("BRCS-022", "MUST", "documented", False, "Every parameter is one the action documents.", _CMD),
    Rule(
        "BRCS-023",
        "MUST",
        "documented",
        False,
        "Every required parameter of the action is given, with a value.",
        _CMD,
    ),
    Rule(
        "BRCS-024",
        "MUST",
        "inferred",
        False,
        "A key appears at most once in a command (each custom field is a different parameter).",
        _CMD,
    ),
    Rule(
        "BRCS-025",
        "MUST",
        "documented",
        False,
        "A parameter with a documented list of values takes one of them.",
        _CMD,
    ),
    Rule(
        "BRCS-026",
        "MUST",
        "documented",
        False,
        "A parameter documented as [integer] takes an integer (a port: 1-65535).",
        _CMD,
    ),
    Rule(
        "BRCS-027",
        "MUST",
        "documented",
        False,
        "A value is no longer than its documented maximum length.",
        _CMD,
    ),
    Rule(
        "BRCS-028",
        "MUST",
        "documented",
        False,
        "The total size of all custom fields, including the external key, is limited to 10KB.",
        _CMD,
    ),
    Rule(
        "BRCS-029",
        "MUST",
        "documented",
        False,
        "login: if mechanism, username or password is supplied, both others must also be supplied.",
        "API Script Command: login",
    ),
    Rule(
        "BRCS-030",
        "MUST",
        "documented",
        False,
        "start_jump_item_session: search_string or at least one client.* parameter must be specified.",
        "API Script Command: start_jump_item_session",
    ),
    Rule(
        "BRCS-031",
        "SHOULD",
        "documented",
        False,
        "The login command is automatically added as the first command in the script file.",
        "API Script Command: login",
    ),
    Rule(  # MUST: the guide states the extension's format as a fact of the file, and the representative
        "BRCS-040",  # console opens BRCS files by that OS file-type association, so another name is not run
        "MUST",
        "documented",
        False,
        'The file extension is in the format "brcs-<companySiteName>".',
        _F,
    ),
    Rule(
        "BRCS-090",
        "MUST",
        "inferred",
        True,
        f"A script file is at most {MAX_BYTES} bytes (10 commands never come near it).",
        HARNESS_SECTION,
    ),
    Rule("BRCS-091", "SHOULD", "inferred", False, f"Lint stops after {MAX_ISSUES} issues.", HARNESS_SECTION),
)
RULE_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}
