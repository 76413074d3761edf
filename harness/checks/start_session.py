"""Semantic checks of session generation (guide: "Session Generation API" and its subsections): what a start
answers (the customer client download, the click-to-chat page, or a refusal), what the session it created
carries (read back through the command and reporting APIs), and start_session.js.

The guide documents no error answer for this API: a refusal is judged by what it must not be (a download, a
server error, a session on the appliance), and its 4xx status is a SHOULD, reported with `warn`.

Each condition charges the requirement it breaks. A start refused where it should be accepted, or accepted
where it should be refused, is the caller's primary requirement (each check names first the rule it tries);
the answer's form is SS-004 (a download), SS-007 (a refusal's status), SS-PLAT-002 (a Windows program),
SS-JS-002/003 (start_session.js); what the session carries SS-008, its external key SS-EXT-001, its team
SS-ISS-006; and the command API answers read on the way their own CMD-* requirements.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from harness.checks.client_script import attachment_filename, shown
from harness.verdicts import CheckFailed, defect, warn

JS_NAMES = ("BG", "setSite", "start", "START_TYPE", "CHAT", "BROWSER", "FULL")  # the guide's JavaScript API
JS_TYPES = ("javascript", "ecmascript")

DOWNLOAD_REQ = "SS-004"
STATUS_REQ = "SS-007"


def client_download(response) -> str:
    """SS-004: the customer client download: HTTP 200 (else a refusal: the caller's primary requirement),
    Content-Disposition: attachment with a file name, a body that is not an HTML page. The file name."""
    if response.status_code != 200:
        raise CheckFailed(
            f"HTTP {response.status_code}, not 200 with the customer client: {shown(response.content)}"
        )
    name = attachment_filename(response.headers)
    if name is None:
        disposition = response.headers.get("content-disposition")
        raise CheckFailed(
            f"no customer client download: Content-Disposition is {disposition!r} "
            f"({response.headers.get('content-type')!r}: {shown(response.content)})",
            DOWNLOAD_REQ,
        )
    if not response.content:
        raise CheckFailed(f"the download {name!r} is empty", DOWNLOAD_REQ)
    if "html" in (response.headers.get("content-type") or "").lower():
        raise CheckFailed(f"the download {name!r} is an HTML page: {shown(response.content)}", DOWNLOAD_REQ)
    return name


def windows_executable(response) -> None:
    """SS-PLAT-002 (a SHOULD: a WARN that lets the check go on): a download for a Windows platform starts
    with the 'MZ' executable signature."""
    if response.content[:2] != b"MZ":
        defect(
            f"the winNT download does not start with 'MZ' (a Windows program): {response.content[:8]!r}",
            "SS-PLAT-002",
        )


def chat_page(response) -> None:
    """SS-C2C-001: the click-to-chat page instead of the customer client: HTTP 200, HTML, not a download."""
    if response.status_code != 200:
        raise CheckFailed(f"HTTP {response.status_code}, not 200 with the click-to-chat page")
    name = attachment_filename(response.headers)
    if name is not None:
        raise CheckFailed(f"c2cjs=1 answered a download ({name!r}), not the click-to-chat page")
    ctype = (response.headers.get("content-type") or "").lower()
    if "html" not in ctype:
        raise CheckFailed(f"the click-to-chat answer is {ctype or 'untyped'!r}, not an HTML page")
    if b"<" not in response.content:
        raise CheckFailed(f"the click-to-chat page has no markup: {shown(response.content)}")


def start_refused(response) -> None:
    """SS-006 and the rule that refuses the request (the caller's primary requirement): no customer client
    download, no server error; SS-007 (a SHOULD, a WARN): a 4xx status."""
    if response.status_code >= 500:
        raise CheckFailed(f"HTTP {response.status_code}: a server error where a refusal was expected")
    name = attachment_filename(response.headers)
    if response.status_code == 200 and name is not None:
        raise CheckFailed(f"the customer client was downloaded ({name!r}) where a refusal was expected")
    if not 400 <= response.status_code < 500:
        warn(f"refused with HTTP {response.status_code}; a 4xx status was expected", STATUS_REQ)


def accepted(response) -> None:
    """SS-KEY-005: the session key URL is a page or a download to start from: a 2xx, or a redirect."""
    if response.status_code >= 400:
        raise CheckFailed(
            f"HTTP {response.status_code}: the session key URL was refused: {shown(response.content)}"
        )
    if 300 <= response.status_code < 400 and not response.headers.get("location"):
        raise CheckFailed(f"HTTP {response.status_code} redirect without a Location")


def start_session_js(response) -> None:
    """SS-JS-001: start_session.js is served; SS-JS-002: it names the guide's BG API; SS-JS-003 (a SHOULD,
    a WARN): with a JavaScript media type."""
    if response.status_code != 200:
        raise CheckFailed(f"HTTP {response.status_code} for start_session.js", "SS-JS-001")
    text = response.content.decode("utf-8", "replace")
    missing = [n for n in JS_NAMES if n not in text]
    if missing:
        defect(
            f"start_session.js does not mention {', '.join(missing)} (BG.setSite, BG.start, BG.START_TYPE)",
            "SS-JS-002",
        )
    ctype = (response.headers.get("content-type") or "").lower()
    if not any(t in ctype for t in JS_TYPES):
        warn(
            f"start_session.js is served as {ctype or 'untyped'!r}, not a JavaScript media type", "SS-JS-003"
        )


# -- reading the target's directory --------------------------------------------------------------------------


@dataclass(frozen=True)
class Rep:
    id: str
    public_display_name: str
    showing: bool


def logged_in_reps(root: etree._Element) -> list[Rep]:
    """get_logged_in_reps: each <rep> with its id (CMD-GLR-002), public display name (CMD-GLR-001) and
    showing_on_rep_list."""
    reps = []
    for rep in root.iterfind("rep"):
        rep_id = (rep.get("id") or "").strip()
        if not rep_id.isdigit():
            raise CheckFailed(f"a <rep> has the id {rep_id!r}, not a numeric ID", "CMD-GLR-002")
        name = rep.findtext("public_display_name")
        if name is None:
            raise CheckFailed(f"<rep id={rep_id}> has no <public_display_name>", "CMD-GLR-001")
        reps.append(Rep(rep_id, name, (rep.findtext("showing_on_rep_list") or "").strip() == "1"))
    return reps


def support_issues(root: etree._Element) -> list[tuple[str, str]]:
    """get_support_teams: (issue id, team id) for every issue of every team (CMD-GST-006: numeric ids)."""
    found = []
    for team in root.iterfind("support_team"):
        team_id = (team.get("id") or "").strip()
        for issue in team.iterfind("issues/issue"):
            issue_id = (issue.get("id") or "").strip()
            if not issue_id.isdigit() or not team_id.isdigit():
                raise CheckFailed(
                    f"an issue {issue_id!r} of team {team_id!r} lacks a numeric id", "CMD-GST-006"
                )
            found.append((issue_id, team_id))
    return found


def key_url_path(url: str) -> str:
    """The path and query of a session key URL, to request from the target (the URL may name another host)."""
    parts = urlsplit(url)
    return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def customer_lsid(root: etree._Element, name: str) -> str | None:
    """get_connected_clients: the lsid of the support customer named `name` (None if there is none); FAIL on
    two of them (each check names its customer uniquely: the start under test made two sessions, the caller's
    primary requirement) or one without an lsid (CMD-GCC-001)."""
    found = [c for c in root.iterfind("connected_support_customer") if (c.findtext("name") or "") == name]
    if len(found) > 1:
        raise CheckFailed(f"{len(found)} support customers named {name!r}; one session was started")
    if not found:
        return None
    lsid = (found[0].findtext("lsid") or "").strip()
    if not lsid:
        raise CheckFailed(f"the support customer {name!r} has no <lsid>", "CMD-GCC-001")
    return lsid


CUSTOMER_INFO = ("name", "company", "company_code", "details")


def session_carries(
    root: etree._Element, lsid: str, sent: dict[str, str], *, external_key_req: str = "SS-EXT-001"
) -> etree._Element:
    """SS-008: the SupportSession report shows the session of `lsid`, with the customer.<field> values sent
    in customer_list/customer/info; SS-EXT-001 (or `external_key_req`, e.g. SS-KEY-006 where the value sent
    must override the key's): session.custom.external_key in <external_key>. The two are defects of their
    own, so that each is judged. The <session>."""
    sessions = [s for s in root.iterfind("session") if s.get("lsid") == lsid]
    if len(sessions) != 1:
        raise CheckFailed(
            f"the SupportSession report has {len(sessions)} sessions with lsid {lsid}, not one", "SS-008"
        )
    session = sessions[0]
    info = session.find("customer_list/customer/info")
    problems = []
    for field in CUSTOMER_INFO:
        if f"customer.{field}" not in sent:
            continue
        got = info.findtext(field) if info is not None else None
        if got != sent[f"customer.{field}"]:
            problems.append(f"customer {field} is {shown(got or '', 40) if got is not None else 'absent'}")
    if problems:
        defect(f"session {lsid} does not carry what was sent: {'; '.join(problems)}", "SS-008")
    if "session.custom.external_key" in sent:
        got = session.findtext("external_key")
        if got != sent["session.custom.external_key"]:
            shown_key = shown(got, 40) if got is not None else "absent"
            defect(
                f"session {lsid} does not carry the external key sent: <external_key> is {shown_key}",
                external_key_req,
            )
    return session


def session_in_team(session: etree._Element, team_id: str) -> None:
    """SS-ISS-006: the session's <team_list> names the team whose issue it was started for."""
    teams = [t.get("id") for t in session.iterfind("team_list/team")]
    if team_id not in teams:
        raise CheckFailed(
            f"the session's teams are {teams}, not including team {team_id} (the issue's team)", "SS-ISS-006"
        )
