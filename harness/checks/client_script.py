"""Semantic checks of client scripting API answers (guide: "The BeyondTrust Client Scripting API" and each
"API Script Command: <action>"): the answer is a BRCS file download, the file obeys the BRCS rules (the
project's linter, harness.brcs), and it carries the command and parameters the request asked for.

The guide documents no error answer for this API, so a refusal is judged by what it must not be: a script,
or a server error. Its status (a 4xx) is a SHOULD, reported with `warn`.

Each condition charges the requirement it breaks: the download SCR-003, each lint issue its own BRCS rule
(the rule's level makes it a FAIL or a WARN), a script no command can be read from SCR-004, the automatic
login SCR-LOGIN-001, delete_script_file SCR-006 (its place SCR-007), the requested command and its
parameters SCR-005. A refusal's conditions (no script, no server error) are the caller's primary
requirement (each refusal check names first the rule that refuses it), its status SCR-021.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from harness import brcs
from harness.catalogue import brcs as cat
from harness.catalogue.versions import is_version
from harness.verdicts import CheckFailed, defect, warn

AUTO_ADDED = ("login", "delete_script_file")  # "Two actions are automatically added to the BRCS file"
_FILENAME = re.compile(r"""filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]+))""", re.IGNORECASE)
_FILENAME_STAR = re.compile(r"filename\*\s*=\s*([^']*)'[^']*'([^;\s]+)", re.IGNORECASE)

DOWNLOAD_REQ = "SCR-003"
FILE_REQ = "SCR-004"
CARRIES_REQ = "SCR-005"
AUTO_REQ = "SCR-006"
ORDER_REQ = "SCR-007"
LOGIN_REQ = "SCR-LOGIN-001"
STATUS_REQ = "SCR-021"
ONE_REQ = "SCR-014"
LEFT_OUT_REQ = "SCR-022"


def shown(data: bytes | str, limit: int = 120) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[:limit] + "…")


def attachment_filename(headers) -> str | None:
    """The file name a Content-Disposition: attachment header gives (filename* preferred); None if the answer
    is not an attachment or names no file."""
    value = headers.get("content-disposition") or ""
    if value.split(";")[0].strip().lower() != "attachment":
        return None
    star = _FILENAME_STAR.search(value)
    if star:
        try:
            return unquote(star[2], encoding=star[1] or "utf-8", errors="strict") or None
        except (UnicodeDecodeError, LookupError):
            return None
    plain = _FILENAME.search(value)
    if plain:
        name = plain[1] if plain[1] is not None else plain[2]
        return re.sub(r"\\(.)", r"\1", name) or None
    return None


def looks_like_script(response) -> bool:
    """Whether an answer hands out a script: an attachment, or a body that starts with the BRCS header."""
    if attachment_filename(response.headers) is not None:
        return True
    return response.content[:4] == b"BRCS"


def script_download(response) -> tuple[bytes, str]:
    """SCR-003: HTTP 200, Content-Disposition: attachment with a file name, a body. (body, file name)"""
    if response.status_code != 200:
        raise CheckFailed(
            f"HTTP {response.status_code}, not 200 with the script file: {shown(response.content)}",
            DOWNLOAD_REQ,
        )
    disposition = response.headers.get("content-disposition")
    name = attachment_filename(response.headers)
    if name is None:
        raise CheckFailed(
            f"not a download: Content-Disposition is {disposition!r}, expected attachment with a filename",
            DOWNLOAD_REQ,
        )
    if not response.content:
        raise CheckFailed(f"the download {name!r} is empty", DOWNLOAD_REQ)
    return response.content, name


def script_clean(data: bytes, api_version: str, filename: str | None = None) -> brcs.Script:
    """SCR-004 and the BRCS rules: lint the file, each issue a defect of its own rule (a FAIL of a MUST
    rule, a WARN of a SHOULD one), then read its commands, leniently where the grammar is broken, so that
    what the script carries is still judged. FAIL (SCR-004) only when no command can be read at all."""
    if not is_version(api_version):
        api_version = cat.DEFAULT_API_VERSION
    issues = brcs.lint(data, api_version=api_version, filename=filename)
    for issue in issues:
        defect(f"BRCS: {issue}", req=issue.rule)
    try:
        return brcs.parse(data)
    except brcs.BrcsSyntaxError as exc:
        if not any(i.rule == exc.rule for i in issues):  # lint reports every syntax rule: belt and braces
            defect(f"BRCS: {exc}", req=exc.rule)
    script = _read_leniently(data)
    if not script.commands:
        raise CheckFailed(f"no command can be read from the file: {shown(data)}", FILE_REQ)
    return script


def _read_leniently(data: bytes) -> brcs.Script:
    """The commands of a file that breaks the grammar, as lint reads them (a bad header skipped, a blank
    line or a malformed pair left out). The linter's own reader; harness.brcs has no public lenient parse."""
    commands: list[brcs.Command] = []
    try:
        version, newline = brcs._analyse(data, brcs._Issues(strict=False), lambda _, c: commands.append(c))
    except brcs._Full:  # over MAX_ISSUES grammar issues: what was read so far
        version, newline = None, "\n"
    return brcs.Script(version or "", tuple(commands), newline)


def script_carries(script: brcs.Script, action: str, sent: Iterable[tuple[str, str]]) -> brcs.Command:
    """SCR-LOGIN-001: login first; SCR-006: delete_script_file, without parameters; SCR-005: the requested
    command once with every parameter sent (decoded values equal), and nothing else; SCR-007 (a SHOULD):
    delete_script_file after the command. Each a defect of its own requirement, so that the others are
    still judged; FAIL (stop) only when no command carries what was sent. The command."""
    sent = list(sent)
    actions = [c.action for c in script.commands]
    if not actions or actions[0] != "login":
        defect(f"the first command is {actions[0] if actions else None!r}, not login: {actions}", LOGIN_REQ)
    deletes = [i for i, c in enumerate(script.commands) if c.action == "delete_script_file"]
    if not deletes:
        defect(f"no delete_script_file command (automatically added): {actions}", AUTO_REQ)
    elif any(script.commands[i].params for i in deletes):
        defect("delete_script_file has parameters; the guide says it has none", AUTO_REQ)
    extra = [a for a in actions if a not in (action, *AUTO_ADDED)]
    if extra:
        defect(f"commands nobody asked for: {extra} (asked: {action})", CARRIES_REQ)
    candidates = [(i, c) for i, c in enumerate(script.commands) if c.action == action]
    if not candidates:
        raise CheckFailed(f"0 {action} commands, expected one: {actions}", CARRIES_REQ)
    if action != "login" and len(candidates) != 1:
        defect(f"{len(candidates)} {action} commands, expected one: {actions}", CARRIES_REQ)
    carrying = [(i, c) for i, c in candidates if all(pair in c.params for pair in sent)]
    if not carrying:
        have = candidates[-1][1].params
        missing = [pair for pair in sent if pair not in have]
        raise CheckFailed(
            f"the {action} command lacks parameters sent: {_pairs(missing)}; it has {_pairs(have)}",
            CARRIES_REQ,
        )
    at, command = carrying[0]
    if deletes and max(deletes) < at:
        warn(
            f"delete_script_file comes before {action}: the script would delete itself before running it",
            ORDER_REQ,
        )
    return command


def _pairs(pairs, limit: int = 4) -> str:
    pairs = list(pairs)
    listed = ", ".join(f"{k}={shown(v, 40)}" for k, v in pairs[:limit])
    return "{" + listed + (", …" if len(pairs) > limit else "") + "}"


def script_refused(response) -> None:
    """SCR-010..014/020/031: no script handed out, no server error (the caller's primary requirement: the
    rule that refuses the request); SCR-021 (a SHOULD, a WARN): a 4xx status."""
    if response.status_code >= 500:
        raise CheckFailed(f"HTTP {response.status_code}: a server error where a refusal was expected")
    if response.status_code == 200 and looks_like_script(response):
        name = attachment_filename(response.headers)
        raise CheckFailed(
            f"a script was generated ({name or 'inline'}: {shown(response.content)}) "
            "where a refusal was expected"
        )
    if not 400 <= response.status_code < 500:
        warn(f"refused with HTTP {response.status_code}; a 4xx status was expected", STATUS_REQ)


def only_one_command(script: brcs.Script, actions: Iterable[str]) -> None:
    """SCR-014: of the commands asked for in one request, the script carries at most one."""
    asked = set(actions)
    present = {c.action for c in script.commands} & asked
    # login is always present (automatically added): it only counts when it carries credentials
    if "login" in present and not any(c.action == "login" and c.params for c in script.commands):
        present.discard("login")
    if len(present) > 1:
        raise CheckFailed(f"one request yielded a script with several commands: {sorted(present)}", ONE_REQ)


def parameter_left_out(script: brcs.Script, action: str, key: str) -> None:
    """SCR-022: a parameter the command does not document is not in the generated script."""
    for command in script.commands:
        if command.action == action and any(k == key for k, _ in command.params):
            raise CheckFailed(
                f"the {action} command carries the undocumented parameter {key!r}", LEFT_OUT_REQ
            )


def execute_accepted(response) -> None:
    """SCR-030: web_console execute of a supported action is accepted: a 2xx or a redirect, not an error."""
    if response.status_code >= 500:
        raise CheckFailed(f"HTTP {response.status_code}: a server error")
    if 300 <= response.status_code < 400:
        if not response.headers.get("location"):
            raise CheckFailed(f"HTTP {response.status_code} redirect without a Location")
        return
    if not 200 <= response.status_code < 300:
        raise CheckFailed(f"HTTP {response.status_code}: refused: {shown(response.content)}")
