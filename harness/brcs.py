"""BeyondTrust Representative Console Script (BRCS) files: parse, serialize and lint.

The format (RS 21.3 guide, "The BeyondTrust Representative Console Script File"):

    brcs_file = header , newline , commands ;      header  = "BRCS" , digit , "." , digit ;
    commands  = command { newline , command } ;     newline = "\\n" | "\\r\\n" ;
    command   = "action=" , value , { "&" , url_encoded_string , "=" , url_encoded_string } ;

at most 10 commands, keys and values percent-encoded per RFC 3986 section 2.1. The actions, their
parameters and the rules (`RULES`: every check has a rule ID there) come from `harness.catalogue.brcs`.

Choices where the guide is silent (each also noted where it is made):
- Characters allowed unencoded: those RFC 3986 allows in a query (unreserved, sub-delims, ":", "@", "/", "?")
  except the two delimiters "&" and "="; anything else (space, non-ASCII, controls, "#", "[", "%" not
  starting an escape, ...) must be percent-encoded. A raw "=" inside a value is therefore an error.
- Percent-decoded bytes are UTF-8 (RFC 3986 section 2.5 for new schemes); "+" is a literal plus, not a space
  (that is HTML form encoding, not RFC 3986), and linted as ambiguous.
- One newline after the last command is tolerated (the grammar has none; editors add one): parse accepts it,
  lint warns, and the canonical form has none. A blank line anywhere else is an empty command: an error.
- Mixed newline styles are grammatical (each newline is "\\n" or "\\r\\n"): parse accepts them and keeps the
  header's style, lint warns, the canonical form uses one style.
- More than 10 commands is an error for parse too: the limit is part of the file format.
- Keys, the action name and documented values are case-sensitive.

Canonical form (what `serialize` writes): "BRCS" + version, one newline style throughout, no newline after
the last command, "action=" first, and in every key and value the RFC 3986 unreserved characters
(A-Z a-z 0-9 - . _ ~) as they are and every other character as its UTF-8 bytes in upper-case %XX.
"""

from __future__ import annotations

import difflib
import re
import string
from collections.abc import Callable
from dataclasses import dataclass

from harness.catalogue import brcs as cat
from harness.catalogue.brcs import MAX_BYTES, MAX_ISSUES, RULE_BY_ID, RULES  # noqa: F401 (RULES: re-exported)
from harness.catalogue.versions import version_tuple

UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
# RFC 3986 query characters other than the BRCS delimiters "&" and "=" (see the module docstring).
_RAW_OK = UNRESERVED | frozenset("!$'()*+,;:@/?")
_HEX = frozenset(string.hexdigits)
_HEADER = re.compile(r"BRCS([0-9]\.[0-9])")  # [0-9], not \d: \d matches non-ASCII digits too
_RESOLUTION = re.compile(r"[1-9][0-9]{0,5}x[1-9][0-9]{0,5}")


# ---------------------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Command:
    action: str
    params: tuple[tuple[str, str], ...] = ()  # decoded (key, value) pairs in file order, action excluded


@dataclass(frozen=True)
class Script:
    version: str
    commands: tuple[Command, ...]
    newline: str = "\n"


@dataclass(frozen=True)
class LintIssue:
    line: int | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.rule} {self.message}"


class BrcsSyntaxError(ValueError):
    def __init__(self, message: str, *, rule: str, line: int | None = None) -> None:
        self.message, self.rule, self.line = message, rule, line
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{message} [{rule}]")


class _Full(Exception):
    """The lint report reached MAX_ISSUES."""


class _Issues:
    """Collects issues; in strict mode (parse) raises on the first syntax rule and drops the rest."""

    def __init__(self, strict: bool) -> None:
        self.strict = strict
        self.items: list[LintIssue] = []

    def add(self, line: int | None, rule: str, message: str) -> None:
        if self.strict:
            if RULE_BY_ID[rule].syntax:
                raise BrcsSyntaxError(message, rule=rule, line=line)
            return
        if len(self.items) >= MAX_ISSUES:
            raise _Full
        self.items.append(LintIssue(line, rule, message))


# ---------------------------------------------------------------------------------------------------------
# Percent-encoding


def encode(s: str) -> str:
    """Canonical encoding: unreserved characters as they are, everything else as upper-case %XX of UTF-8."""
    return "".join(c if c in UNRESERVED else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in s)


def _why_unencoded(c: str) -> str:
    hint = "".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass"))
    if c == " ":
        return "raw space; encode it as %20"
    if c == "\r":
        return 'lone carriage return (a newline is "\\n" or "\\r\\n"); encode it as %0D'
    if c == "=":
        return 'raw "=" inside a value ("&" and "=" delimit pairs); encode it as %3D'
    if not c.isascii():
        return f"raw non-ASCII character {c!r}; percent-encode its UTF-8 bytes as {hint}"
    return f"{c!r} must be percent-encoded as {hint}"


def _decode(raw: str, what: str, line: int, col: int, out: _Issues, *, value: bool) -> str:
    """Percent-decode one key or value, reporting each kind of problem once per string."""
    seen: set[str] = set()

    def report(rule: str, at: int, message: str) -> None:
        if rule not in seen:
            seen.add(rule)
            out.add(line, rule, f"{what} (column {col + at}): {message}")

    buf = bytearray()
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == "%":
            h = raw[i + 1 : i + 3]
            if len(h) == 2 and _HEX.issuperset(h):
                octet = int(h, 16)
                if h != h.upper():
                    report("BRCS-015", i, f"%{h} has lower-case hex digits; write %{h.upper()}")
                if chr(octet) in UNRESERVED:
                    report("BRCS-016", i, f"%{h} encodes the unreserved character {chr(octet)!r}")
                buf.append(octet)
                i += 3
                continue
            report("BRCS-013", i, f'"%" is not followed by two hex digits ({raw[i : i + 3]!r}); write %25')
        elif "\udc80" <= c <= "\udcff":  # a byte that was not UTF-8 (decoded with surrogateescape)
            report("BRCS-014", i, "raw bytes that are not UTF-8")
            buf.append(ord(c) - 0xDC00)
            i += 1
            continue
        elif c not in _RAW_OK or (c == "=" and value):
            report("BRCS-012", i, _why_unencoded(c))
        elif c == "+":
            report("BRCS-017", i, 'raw "+" reads as a space to form decoders; write %2B or %20')
        buf += c.encode("utf-8", "surrogatepass")
        i += 1
    try:
        return buf.decode("utf-8")
    except UnicodeDecodeError:
        report("BRCS-014", 0, "the percent-decoded bytes are not UTF-8")
        return buf.decode("utf-8", "replace")


# ---------------------------------------------------------------------------------------------------------
# Grammar


def _text(data: bytes | str, out: _Issues) -> str | None:
    """The file as text (undecodable bytes kept as surrogate escapes, reported where they occur)."""
    if isinstance(data, str):
        if len(data) > MAX_BYTES or len(data.encode("utf-8", "surrogatepass")) > MAX_BYTES:
            out.add(None, "BRCS-090", f"more than {MAX_BYTES} bytes; not read")
            return None
        return data
    if len(data) > MAX_BYTES:
        out.add(None, "BRCS-090", f"{len(data)} bytes, more than {MAX_BYTES}; not read")
        return None
    return bytes(data).decode("utf-8", "surrogateescape")


def _split_lines(text: str) -> list[tuple[str, str]]:
    """(content, newline) per line; the last line's newline is ""."""
    pieces = text.split("\n")
    lines = []
    for piece in pieces[:-1]:
        if piece.endswith("\r"):
            lines.append((piece[:-1], "\r\n"))
        else:
            lines.append((piece, "\n"))
    lines.append((pieces[-1], ""))
    return lines


def _header(content: str, out: _Issues) -> tuple[str | None, bool]:
    """(version, whether line 1 is a command rather than a header)."""
    m = _HEADER.fullmatch(content)
    if m:
        if m[1] not in cat.DOCUMENTED_SCRIPT_VERSIONS:
            out.add(1, "BRCS-002", f"script version {m[1]} is not documented (the guide shows BRCS1.0)")
        return m[1], False
    if content.startswith("action="):
        out.add(1, "BRCS-001", 'no "BRCS<digit>.<digit>" header: the file starts with a command')
        return None, True
    if content.startswith("\ufeff"):
        why = "a byte-order mark comes before the header"
    elif content.startswith(("\udcff\udcfe", "\udcfe\udcff")):
        why = "the file looks like UTF-16; a BRCS file is ASCII"
    elif not content:
        why = "the first line is empty"
    elif "\r" in content:
        why = 'a lone carriage return is not a newline ("\\n" or "\\r\\n")'
    else:
        why = f'{content[:40]!r} is not "BRCS" digit "." digit (e.g. BRCS1.0)'
    out.add(1, "BRCS-001", f"bad header: {why}")
    return None, False


def _command(content: str, line: int, out: _Issues) -> Command | None:
    """One command line; None when it has no action at all."""
    pairs: list[tuple[str, str]] = []
    col = 1
    for piece in content.split("&"):
        if "=" not in piece:
            what = f"{piece[:40]!r} has no '='" if piece else "empty parameter (a doubled or trailing '&')"
            out.add(line, "BRCS-011", f"column {col}: {what}")
        else:
            k, v = piece.split("=", 1)
            key = _decode(k, "key", line, col, out, value=False)
            pairs.append((key, _decode(v, f"value of {key!r}", line, col + len(k) + 1, out, value=True)))
        col += len(piece) + 1
    first = content.startswith("action=")
    if not first:
        if content.lower().startswith("action="):
            why = f'{content[:7]!r} is not "action=" (keys are case-sensitive)'
        elif any(k == "action" for k, _ in pairs):
            why = '"action=" must be the first pair; here it comes later'
        else:
            why = 'the command has no "action=" pair'
        out.add(line, "BRCS-010", f'a command begins with "action=": {why}')
    at = 0 if first else next((i for i, (k, _) in enumerate(pairs) if k == "action"), None)
    if at is None:
        return None
    return Command(pairs[at][1], tuple(pairs[:at] + pairs[at + 1 :]))


OnCommand = Callable[[int, Command], None]  # (line, command), called in file order


def _analyse(data: bytes | str, out: _Issues, on_command: OnCommand) -> tuple[str | None, str]:
    """The grammar pass: reports to `out`, hands each command to `on_command`; (version, header newline)."""
    text = _text(data, out)
    if text is None:
        return None, "\n"
    lines = _split_lines(text)
    version, first_is_command = _header(lines[0][0], out)
    newline = lines[0][1] or "\n"
    if len(lines) == 1 and not first_is_command:
        if version is not None:
            out.add(1, "BRCS-004", "no newline and no command after the header")
        return version, newline
    body = list(enumerate(lines, 1))[0 if first_is_command else 1 :]
    trailing = len(lines) > 1 and body[-1][1][0] == ""
    if trailing:
        body.pop()
    count = 0
    mixed_reported = False
    for n, (content, ending) in body:
        if ending and ending != newline and not mixed_reported:
            mixed_reported = True
            out.add(n, "BRCS-003", f"line ends with {ending!r} but the header line with {newline!r}")
        if not content.strip(" \t"):
            out.add(n, "BRCS-005", "blank line (an empty command)")
            continue
        count += 1
        if count == cat.MAX_COMMANDS + 1:
            total = sum(1 for _, (c, _) in body if c.strip(" \t"))
            out.add(n, "BRCS-007", f"command {count}: at most {cat.MAX_COMMANDS} allowed (this has {total})")
        cmd = _command(content, n, out)
        if cmd is not None:
            on_command(n, cmd)
    if count == 0:
        out.add(len(lines), "BRCS-004", "no command after the header")
    elif trailing:
        out.add(body[-1][0], "BRCS-006", "the file ends with a newline after the last command")
    return version, newline


def parse(data: bytes | str) -> Script:
    """Parse a BRCS file by the strict grammar; BrcsSyntaxError (a ValueError) on the first violation."""
    commands: list[Command] = []
    version, newline = _analyse(data, _Issues(strict=True), lambda _, cmd: commands.append(cmd))
    assert version is not None  # a missing or bad header has raised
    return Script(version, tuple(commands), newline)


def serialize(script: Script) -> bytes:
    """The canonical bytes of a valid Script (see the module docstring); ValueError if it is not valid."""
    if not re.fullmatch(r"[0-9]\.[0-9]", script.version):
        raise ValueError(f"version {script.version!r} is not digit.digit")
    if script.newline not in ("\n", "\r\n"):
        raise ValueError(f"newline {script.newline!r} is neither \\n nor \\r\\n")
    if not 1 <= len(script.commands) <= cat.MAX_COMMANDS:
        raise ValueError(f"a script holds 1 to {cat.MAX_COMMANDS} commands, not {len(script.commands)}")
    lines = [f"BRCS{script.version}"]
    try:
        for c in script.commands:
            pairs = [f"action={encode(c.action)}", *(f"{encode(k)}={encode(v)}" for k, v in c.params)]
            lines.append("&".join(pairs))
    except UnicodeEncodeError as e:  # a lone surrogate has no UTF-8 form
        raise ValueError(f"not encodable as UTF-8: {e}") from e
    return script.newline.join(lines).encode("ascii")


# ---------------------------------------------------------------------------------------------------------
# Semantics


def _check_value(param: cat.Param, key: str, value: str, line: int, out: _Issues) -> None:
    if param.kind == "enum" and value not in param.values:
        hint = " (values are case-sensitive)" if value.lower() in param.values else ""
        out.add(line, "BRCS-025", f"{key}={value!r} is not one of {', '.join(param.values)}{hint}")
    elif param.kind == "display_size" and value not in param.values and not _RESOLUTION.fullmatch(value):
        out.add(line, "BRCS-025", f"{key}={value!r} is not {', '.join(param.values)} or <width>x<height>")
    elif param.kind == "integer":
        ok = value.isascii() and value.isdigit() and len(value) <= 9
        lo, hi = param.minimum, param.maximum
        if not ok or (lo is not None and int(value) < lo) or (hi is not None and int(value) > hi):
            out.add(line, "BRCS-026", f"{key}={value!r} is not an integer in {lo}-{hi}")
    if param.max_length is not None and len(value) > param.max_length:
        out.add(line, "BRCS-027", f"{key} is {len(value)} characters long; the maximum is {param.max_length}")


def _check_groups(spec: cat.Action, keys: set[str], line: int, out: _Issues) -> None:
    for g in spec.groups:
        given = [n for n in g.names if n in keys]
        if g.kind == "all_or_none" and given and len(given) < len(g.names):
            missing = [n for n in g.names if n not in keys]
            out.add(
                line,
                "BRCS-029",
                f"{spec.name}: {', '.join(given)} given without {', '.join(missing)}; "
                "give all of them or none",
            )
        elif g.kind == "at_least_one" and not given:
            out.add(line, "BRCS-030", f"{spec.name} needs at least one of {', '.join(g.names)}")


def _unknown_action(
    cmd: Command, line: int, api_version: str, actions: dict[str, cat.Action], out: _Issues
) -> None:
    elsewhere = cat.documented_in(cmd.action)
    if elsewhere:
        guides = "; ".join(f"API {v} ({cat.GUIDES[v]})" for v in elsewhere)
        v = version_tuple(api_version)
        later = {
            a.since
            for g in elsewhere
            if (a := cat.ACTIONS[g][cmd.action]).since and version_tuple(a.since) > v
        }
        dated = f", since API {', '.join(sorted(later))}" if later else ""
        out.add(
            line,
            "BRCS-021",
            f"action {cmd.action!r} is documented for {guides}{dated}, not for API {api_version}",
        )
        return
    close = difflib.get_close_matches(cmd.action, list(actions), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    out.add(line, "BRCS-020", f"unknown action {cmd.action!r}{hint}")


def _check_command(
    cmd: Command, index: int, line: int, api_version: str, actions: dict[str, cat.Action], out: _Issues
) -> None:
    seen: set[str] = {"action"}
    for key, _ in cmd.params:
        if key in seen:
            out.add(line, "BRCS-024", f"duplicate key {key!r}")
        seen.add(key)
    spec = actions.get(cmd.action)
    if spec is None:
        _unknown_action(cmd, line, api_version, actions, out)
        return
    custom_bytes = 0
    for key, value in cmd.params:
        param = spec.param_for(key)
        if param is None:
            if not spec.params:
                out.add(line, "BRCS-022", f"{spec.name} takes no parameters; got {key!r}")
                continue
            close = difflib.get_close_matches(key, [p.name for p in spec.params if not p.family], n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            out.add(line, "BRCS-022", f"{spec.name} has no parameter {key!r}{hint}")
            continue
        _check_value(param, key, value, line, out)
        if key.startswith("session.custom."):
            custom_bytes += len(value.encode("utf-8", "replace"))
    given = {k for k, v in cmd.params if v}  # "supplied" means with a value
    for p in spec.required:
        values = [v for k, v in cmd.params if k == p.name]
        if not values:
            out.add(line, "BRCS-023", f"{spec.name} requires {p.name}")
        elif not any(values):
            out.add(line, "BRCS-023", f"{spec.name} requires a value for {p.name}")
    _check_groups(spec, given, line, out)
    if custom_bytes > cat.CUSTOM_TOTAL_MAX_BYTES:
        out.add(
            line,
            "BRCS-028",
            f"custom fields total {custom_bytes} bytes; the limit is {cat.CUSTOM_TOTAL_MAX_BYTES} (10KB)",
        )
    if spec.name == "login" and index > 0:
        out.add(line, "BRCS-031", f"login is command {index + 1}; it is added as the first command")


# ---------------------------------------------------------------------------------------------------------
# Lint and file names

# "The file extension is in the format brcs-<companySiteName>". The guide gives one site name ("beta60") and
# no character set: we accept letters, digits, "-" and "_", and "brcs" in any case (Windows associates file
# types case-insensitively). Its own example "my_script_file.brsc-beta60" misspells the extension and fails.
_FILENAME = re.compile(r"(?P<stem>.+)\.(?P<ext>[Bb][Rr][Cc][Ss])-(?P<site>[A-Za-z0-9_-]+)")


def filename_ok(name: str, company_site: str | None = None) -> bool:
    """Whether a file name (or path) has the extension .brcs-<companySiteName> (of that site, if given)."""
    base = re.split(r"[\\/]", name)[-1]
    m = _FILENAME.fullmatch(base)
    if m is None:
        return False
    return company_site is None or m["site"].lower() == company_site.lower()


def lint(
    data: bytes,
    *,
    api_version: str = cat.DEFAULT_API_VERSION,
    filename: str | None = None,
    company_site: str | None = None,
) -> list[LintIssue]:
    """Every grammar and semantic problem of a BRCS file, in file order; never raises on bad input.

    `api_version` (the appliance's, e.g. from get_api_info) picks the actions; a malformed one is a caller
    error (ValueError). `filename`, if given, is checked against the .brcs-<companySiteName> naming (of
    `company_site`, if given).
    """
    actions = cat.actions_for(api_version)
    if isinstance(data, (bytearray, memoryview)):
        data = bytes(data)
    if not isinstance(data, (bytes, str)):
        raise TypeError(f"lint takes bytes, not {type(data).__name__}")
    out = _Issues(strict=False)
    index = 0

    def check(line: int, cmd: Command) -> None:
        nonlocal index
        _check_command(cmd, index, line, api_version, actions, out)
        index += 1

    try:
        if filename is not None and not filename_ok(filename, company_site):
            site = company_site or "<companySiteName>"
            out.add(None, "BRCS-040", f"file name {filename!r} does not end in .brcs-{site}")
        _analyse(data, out, check)
    except _Full:
        out.items.append(LintIssue(None, "BRCS-091", f"over {MAX_ISSUES} issues; the rest go unreported"))
    return out.items
