"""Semantic checks of the legacy command API (Bomgar 12.1 guide, API 1.7.0, "About the Command API" to "The
get_api_info Request") where its rules differ from the 21.3 guide's; where they are the same, the 1.7.0 suites
call harness.checks.command and harness.checks.sessions, and a charge to a 21.3 requirement goes to the 12.1
requirement that restates it (harness.catalogue.requirements, `restates`).

What differs: a username/password login answered `<error>Login failed</error>`; get_api_info's six
permissions and its timestamp (a UNIX time or an ISO 8601 date: the guide gives no format); the session key's
<expires> (the same ambiguity) and its queue without an `available` attribute; the permissions each command
needs (command API, remote support, administrator). Each condition charges the L17 requirement it breaks
(harness/catalogue/requirements/legacy_*.toml).
"""

from __future__ import annotations

from datetime import UTC, datetime

from lxml import etree

from harness.catalogue.versions import is_version, version_tuple
from harness.checks.command import timestamp_near
from harness.checks.sessions import SHORT_KEY, SessionKey, _absolute_url
from harness.checks.xml import Expect, command_error, reporting_error
from harness.client.login import LOGIN_FAILED, login_failed
from harness.verdicts import CheckFailed, warn

# What each role of a target file stands for on a 1.7.0 appliance (README, "Targets"): the permissions the
# checks of what a permission allows rely on. Roles not listed hold none of the 12.1 API's.
ROLE_PERMISSIONS: dict[str, dict[str, str]] = {
    "full": {"perm_use_command_api": "1", "perm_admin": "1", "perm_sd_allowed": "1"},
    "read_only": {"perm_use_command_api": "1", "perm_admin": "0", "perm_sd_allowed": "0"},
}
NO_COMMAND_API = ("no_command", "reporting_only", "real_time_only", "configuration_only", "nothing")

GUIDE_VERSION = (1, 7)  # "API Programmer's Guide, Version 1.7.0 (for Bomgar 12.1.x)"

KEY_REQ = "L17-CMD-GSK-001"
SHORT_KEY_REQ = "L17-CMD-GSK-011"
TTL_REQ = "L17-CMD-GSK-006"


def _digits(text: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²" (which int() refuses) and other scripts' digits."""
    return text.isascii() and text.isdigit()


def _text(root: etree._Element, path: str) -> str | None:
    el = root.find(path)
    return None if el is None else (el.text or "").strip()


# --- logins ---------------------------------------------------------------------------------------------------


def login_refused(response, expect: Expect, kind: str = "command") -> str:
    """A call with a wrong or missing username/password: a valid <error>Login failed</error> (compared as
    text, case, spacing and a final period aside, as legacy clients compare it). Charged to the caller's
    requirement (L17-CMD-GEN-003, L17-RPT-GEN-003 or L17-BAK-007); its schema and a server error to theirs."""
    text = (reporting_error if kind == "reporting" else command_error)(response, expect)
    if not login_failed(text):
        raise CheckFailed(f"<error>{' '.join(text.split())[:120]}</error>, not <error>{LOGIN_FAILED}</error>")
    return text


def not_login_failed(text: str, why: str) -> None:
    """An <error> for an account whose login is good (`why`: what it lacks) is not Login failed: an
    integration could not tell a permission from a wrong password (L17-CMD-GEN-007, a SHOULD)."""
    if login_failed(text):
        warn(f"<error>{text.strip()}</error> for a good login that {why}", "L17-CMD-GEN-007")


def refusal_differs(refused: str, permitted: str, why: str) -> None:
    """The <error> an account without a permission gets differs from the one a permitted account gets to the
    same request (L17-CMD-GEN-007, a SHOULD: the refusal says what is missing)."""
    if " ".join(refused.split()).casefold() == " ".join(permitted.split()).casefold():
        warn(
            f"an account that {why} gets the same <error>{refused.strip()[:80]}</error> as a permitted one",
            "L17-CMD-GEN-007",
        )


# --- get_api_info ---------------------------------------------------------------------------------------------


def clock(text: str | None, what: str, req: str | None = None) -> int:
    """A time the guide calls a timestamp without a format: a UNIX timestamp, or an ISO 8601 date and time
    (one without a UTC offset read as UTC). As a UNIX time."""
    value = (text or "").strip()
    if _digits(value):
        return int(value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CheckFailed(f"{what} {value!r} is neither a UNIX timestamp nor an ISO 8601 time", req) from None
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())


def api_info_clock(root: etree._Element, before: float, after: float) -> int:
    """get_api_info's <timestamp>: the appliance's clock, within the clock skew of ours (CMD-GAI-003, whose
    12.1 counterpart is L17-CMD-GAI-002)."""
    value = clock(root.findtext("timestamp"), "<timestamp>", "CMD-GAI-003")
    return timestamp_near(str(value), before, after)


def api_version_documented(version: str | None) -> None:
    """L17-CMD-GAI-003 (a SHOULD): the guide's rules are written for 1.7.x."""
    text = (version or "").strip()
    if not is_version(text) or version_tuple(text)[:2] != GUIDE_VERSION:
        warn(
            f"API version {text!r}: the Bomgar 12.1 guide these checks follow documents 1.7.0",
            "L17-CMD-GAI-003",
        )


def permissions(root: etree._Element) -> dict[str, str]:
    """get_api_info's permissions by name: the children of <permissions> (the 1.7.0 schema, which the
    answer was validated against, has the guide's six, each once, in any order)."""
    found = root.find("permissions")
    if found is None:
        raise CheckFailed("<permissions> is missing", "L17-CMD-GAI-001")
    return {el.tag: (el.text or "").strip() for el in found if isinstance(el.tag, str)}


def role_permissions(role: str, perms: dict[str, str]) -> None:
    """L17-CMD-GAI-004: an account has the permissions its role stands for (ROLE_PERMISSIONS)."""
    wrong = {k: perms.get(k) for k, v in ROLE_PERMISSIONS.get(role, {}).items() if perms.get(k) != v}
    if wrong:
        wanted = {k: ROLE_PERMISSIONS[role][k] for k in wrong}
        raise CheckFailed(f"the {role} account has {wrong}; its role stands for {wanted}", "L17-CMD-GAI-004")


def user_id(root: etree._Element) -> int:
    """<user_id>: the numeric rep ID of the user making the call (L17-CMD-GAI-005)."""
    text = _text(root, "user_id") or ""
    if not _digits(text):
        raise CheckFailed(f"<user_id> is {text!r}, not a numeric rep ID", "L17-CMD-GAI-005")
    return int(text)


# --- generate_session_key -------------------------------------------------------------------------------------


def session_key(root: etree._Element) -> SessionKey:
    """The 12.1 <session_key>: type support, a seven-digit short key (the project's one judge, SHORT_KEY),
    an absolute key URL, an expiry (a UNIX time, or an ISO 8601 time whose timestamp attribute wins), a
    positive <ttl> when given. Charged to L17-CMD-GSK-001 (the answer), -011 (the short key), -006 (ttl);
    there is no `available` attribute in 12.1 (SessionKey.available is "")."""
    if root.tag != "session_key":
        raise CheckFailed(f"root <{root.tag}>, expected <session_key>", KEY_REQ)
    kind = _text(root, "type")
    if kind != "support":
        raise CheckFailed(f"<type> is {kind!r}; the only supported value is support", KEY_REQ)
    short = _text(root, "short_key") or ""
    if not SHORT_KEY.fullmatch(short):
        raise CheckFailed(
            f"<short_key> is {short!r}, not the seven-digit code a customer enters", SHORT_KEY_REQ
        )
    url = _text(root, "key_url") or ""
    _absolute_url(url, "<key_url>", KEY_REQ)
    expires = root.find("expires")
    if expires is None:
        raise CheckFailed("<expires> is missing", KEY_REQ)
    stamp = (expires.get("timestamp") or "").strip()
    when = int(stamp) if _digits(stamp) else clock(expires.text, "<expires>", KEY_REQ)
    ttl_text = _text(root, "ttl")
    ttl = None
    if ttl_text is not None:
        if not _digits(ttl_text) or int(ttl_text) <= 0:
            raise CheckFailed(f"<ttl> is {ttl_text!r}: a key must be valid for some seconds", TTL_REQ)
        ttl = int(ttl_text)
    queue_id = _text(root, "queue_id") or ""
    return SessionKey(
        type=kind,
        ttl=ttl,
        expires=when,
        queue=_text(root, "queue") or "",
        available="",
        queue_id=int(queue_id) if _digits(queue_id) else None,
        external_key=_text(root, "external_key"),
        short_key=short,
        key_url=url,
        mail_subject=_text(root, "mail_subject") or "",
        mail_body=_text(root, "mail_body") or "",
    )


def embassy_queue(key: SessionKey, team_id: int) -> None:
    """queue_id=embassy:[id]: <queue> embassy and <queue_id> that team (L17-CMD-GSK-003)."""
    if (key.queue, key.queue_id) != ("embassy", team_id):
        raise CheckFailed(
            f"<queue>{key.queue}</queue> <queue_id>{key.queue_id}</queue_id> for embassy:{team_id}",
            "L17-CMD-GSK-003",
        )


# --- get_logged_in_reps ---------------------------------------------------------------------------------------


def session_counted(root: etree._Element, rep_id: int, lsid: str) -> int:
    """L17-CMD-GLR-005: a representative in a session in progress (`lsid`, which the caller made them join)
    counts at least one in <support_session_count>. The count; a FAIL if it is less or the rep is not listed."""
    for rep in root.iterfind("rep"):
        if (rep.get("id") or "").strip() == str(rep_id):
            count = _text(rep, "support_session_count") or ""
            if not _digits(count) or int(count) < 1:
                raise CheckFailed(
                    f"representative {rep_id} is in session {lsid}, yet <support_session_count> is {count!r}",
                    "L17-CMD-GLR-005",
                )
            return int(count)
    raise CheckFailed(f"representative {rep_id} joined session {lsid} but is not listed", "L17-CMD-GLR-005")
