"""Semantic checks of command API answers (what the schema cannot say).

Each condition names the requirement it belongs to (harness/catalogue/requirements/command.toml): these
functions are called by checks of many requirements (get_logged_in_reps is read by the set_rep_status and
get_support_teams checks too), so a defect is charged to the requirement it breaks, not to the caller's.
Generic helpers (unique ids, times) take the requirement from their caller.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from urllib.parse import urlsplit

from lxml import etree

from harness.catalogue.versions import is_version, release, releases_of, ships_in, version_tuple
from harness.verdicts import CheckFailed, defect, not_tested

CLOCK_SKEW_S = 300.0  # how far the appliance's clock may be from ours
GEN_ERROR = "CMD-GEN-014"  # a refusal is a schema-valid <error>, never a server error


@contextmanager
def charged_to(req: str) -> Iterator[None]:
    """A CheckFailed raised inside that names no requirement of its own is charged to `req`."""
    try:
        yield
    except CheckFailed as exc:
        if exc.req is None:
            exc.req = req
        raise


@contextmanager
def as_defect(req: str | None = None) -> Iterator[None]:
    """A CheckFailed raised inside becomes a defect() of its own requirement (else `req`, else the check's
    primary one) and the check goes on: for a step that later steps do not depend on."""
    try:
        yield
    except CheckFailed as exc:
        defect(str(exc), req=exc.req or req)


def api_info_permissions(root: etree._Element) -> dict[str, str]:
    """get_api_info's permissions by name; FAIL on a name given twice or a value out of its domain."""
    found: dict[str, str] = {}
    for perm in root.iterfind("permissions/permission"):
        name, value = perm.get("name"), (perm.text or "").strip()
        if name in found:
            raise CheckFailed(f"permission {name} listed twice", "CMD-GAI-002")
        domain = ("full_access", "read_only", "deny") if name == "perm_command" else ("0", "1")
        if value not in domain:
            raise CheckFailed(f"permission {name} is {value!r}, not one of {domain}", "CMD-GAI-002")
        found[name] = value
    return found


def timestamp_near(text: str | None, before: float, after: float, skew: float = CLOCK_SKEW_S) -> int:
    """A Unix timestamp the appliance took between `before` and `after` (give or take the clock skew)."""
    try:
        value = int((text or "").strip())
    except ValueError:
        raise CheckFailed(f"timestamp {text!r} is not an integer", "CMD-GAI-003") from None
    if not before - skew <= value <= after + skew:
        raise CheckFailed(
            f"timestamp {value} is {value - after:+.0f} s from our clock (allowed ±{skew:.0f} s)",
            "CMD-GAI-003",
        )
    return value


# --- shared helpers ----------------------------------------------------------------------------------------

CLIENT_TYPES = ("representative", "support_customer", "presentation_attendee", "push_agent")
GUIDE_PERMISSIONS = (
    "perm_backup", "perm_command", "perm_configuration", "perm_configuration_vault_account", "perm_ecm",
    "perm_real_time_state", "perm_reporting_archive", "perm_reporting_license", "perm_reporting_presentation",
    "perm_reporting_support", "perm_reporting_vault", "perm_vault_backup",
)  # fmt: skip
# "API Version Reference": every API version the 21.3 guide lists.
GUIDE_API_VERSIONS = (
    "1.21.1", "1.21.0", "1.19.2", "1.19.0", "1.18.0", "1.16.0", "1.15.1", "1.15.0", "1.13.1", "1.13.0",
    "1.12.0", "1.11.0", "1.10.0", "1.9.0", "1.8.0", "1.7.1", "1.7.0", "1.6.0", "1.5.0", "1.4.2", "1.4.1",
    "1.4.0", "1.3.2", "1.3.0", "1.2.2", "1.2.1", "1.2.0", "1.1.1", "1.1.0", "1.0.0",
)  # fmt: skip
MAX_EVENTS = 20  # get_connected_clients: "Up to the last 20 events are returned."


def _text(el: etree._Element | None, path: str) -> str | None:
    found = el.find(path) if el is not None else None
    return None if found is None else (found.text or "").strip()


def _shown(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def unique_ids(elements, what: str, req: str | None = None) -> list[str]:
    """The id attributes of `elements`, in order; FAIL (of `req`) on one missing or given twice."""
    ids: list[str] = []
    for el in elements:
        value = (el.get("id") or "").strip()
        if not value:
            raise CheckFailed(f"a {what} has no id attribute", req)
        if value in ids:
            raise CheckFailed(f"{what} id {value} is listed twice (ids are unique)", req)
        ids.append(value)
    return ids


def iso_time(text: str | None, what: str, req: str | None = None) -> float:
    """An ISO 8601 date and time as a Unix time; one without a UTC offset is read as UTC."""
    try:
        value = datetime.fromisoformat((text or "").strip())
    except ValueError:
        raise CheckFailed(f"{what} {_shown(text)} is not an ISO 8601 date and time", req) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def not_later(
    value: float, after: float, what: str, skew: float = CLOCK_SKEW_S, req: str | None = None
) -> None:
    """`value` (a Unix time the appliance gave) is not after the answer came (give or take the skew)."""
    if value > after + skew:
        raise CheckFailed(
            f"{what} is {value - after:.0f} s in the future (allowed {skew:.0f} s of clock skew)", req
        )


def ts_agrees(el: etree._Element, what: str, req: str | None = None) -> int:
    """An ISO 8601 element with a ts attribute: both say the same instant (to the second). Returns ts."""
    raw = (el.get("ts") or "").strip()
    if not raw.isdigit():
        raise CheckFailed(f"{what} ts attribute {_shown(raw)} is not a UNIX timestamp", req)
    ts = int(raw)
    iso = iso_time(el.text, what, req)
    if abs(iso - ts) >= 1:
        raise CheckFailed(
            f"{what} says {(el.text or '').strip()} but its ts attribute {ts} is {ts - iso:+.0f} s away", req
        )
    return ts


def display_name_alias(el: etree._Element, what: str, req: str | None = None) -> None:
    """The deprecated <display_name>, where present, equals <public_display_name> (API 1.10.0 and later).
    `req`: CMD-GLR-003 for a logged-in representative, CMD-GST-006 for a team member."""
    public = _text(el, "public_display_name")
    if public is None:
        raise CheckFailed(f"{what} has no <public_display_name>", req)
    legacy = _text(el, "display_name")
    if legacy is not None and legacy != public:
        raise CheckFailed(
            f"{what}: <display_name> {_shown(legacy)} differs from <public_display_name> {_shown(public)}",
            req,
        )


def success_text(root: etree._Element, expected: str, req: str | None = None) -> None:
    """A <success> answer with the guide's message (whitespace and a final full stop aside). `req`: the
    requirement that documents the message (default: the caller's primary one)."""

    def norm(text: str) -> str:
        return " ".join(text.split()).rstrip(".")

    got = "".join(root.itertext())
    if root.tag != "success":
        raise CheckFailed(f"root <{root.tag}>, expected <success>", req)
    if norm(got) != norm(expected):
        raise CheckFailed(
            f"<success>{_shown(got.strip())}</success>, the guide's message is {expected!r}", req
        )


def stable(first: dict, last: dict) -> dict:
    """Entries equal in two snapshots taken around a call: what the live target kept meanwhile."""
    return {k: v for k, v in first.items() if k in last and last[k] == v}


# --- get_api_info ------------------------------------------------------------------------------------------


def missing_permissions(permissions: dict[str, str]) -> list[str]:
    """The guide's permission names get_api_info did not list."""
    return [name for name in GUIDE_PERMISSIONS if name not in permissions]


def api_version_listed(version: str | None) -> str:
    """An API version of the guide's API Version Reference, or one newer than the guide."""
    text = (version or "").strip()
    if is_version(text):  # "1.8" is the guide's 1.8.0
        have = version_tuple(text)
        if have > version_tuple(GUIDE_API_VERSIONS[0]) or any(
            have == version_tuple(v) for v in GUIDE_API_VERSIONS
        ):
            return text
    raise CheckFailed(
        f"API version {_shown(text)} is not in the guide's API Version Reference (1.0.0 to 1.21.1)",
        "CMD-GAI-005",
    )


# --- get_logged_in_reps and get_support_teams ----------------------------------------------------------------


def direct_link(text: str | None) -> str:
    """<direct_link>: an HTML anchor tag containing an absolute http(s) URL; returns the URL."""
    from html.parser import HTMLParser

    class Anchor(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.hrefs: list[str | None] = []

        def handle_starttag(self, tag, attrs) -> None:
            if tag == "a":
                self.hrefs.append(dict(attrs).get("href"))

    parser = Anchor()
    parser.feed(text or "")
    parser.close()
    if len(parser.hrefs) != 1:
        raise CheckFailed(f"<direct_link> {_shown(text)} is not one HTML anchor tag", "CMD-GLR-005")
    href = (parser.hrefs[0] or "").strip()
    parts = urlsplit(href)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise CheckFailed(
            f"<direct_link> anchor's href {_shown(href)} is not an absolute http(s) URL", "CMD-GLR-005"
        )
    return href


def logged_in_reps(root: etree._Element, after: float) -> dict[str, dict]:
    """get_logged_in_reps by rep id: ids unique, links anchors, login times not in the future."""
    reps: dict[str, dict] = {}
    for rep, rep_id in zip(root.iterfind("rep"), unique_ids(root.iterfind("rep"), "rep", "CMD-GLR-002")):
        direct_link(_text(rep, "direct_link"))
        since = iso_time(_text(rep, "logged_in_since"), f"rep {rep_id} <logged_in_since>", "CMD-GLR-006")
        not_later(since, after, f"rep {rep_id} <logged_in_since>", req="CMD-GLR-006")
        reps[rep_id] = {
            "since": since,
            "public": _text(rep, "public_display_name"),
            "private": _text(rep, "private_display_name"),
        }
    return reps


def support_teams(root: etree._Element, members: bool, unasked_req: str = "CMD-GST-003") -> dict[str, dict]:
    """get_support_teams by team id: unique ids; <members> on every team exactly when asked for.
    `unasked_req`: the requirement <members> without showmembers=1 breaks (CMD-GST-004 for showmembers=0)."""
    teams: dict[str, dict] = {}
    for team, team_id in zip(
        root.iterfind("support_team"), unique_ids(root.iterfind("support_team"), "team", "CMD-GST-005")
    ):
        issues = team.find("issues")
        if issues is None:
            raise CheckFailed(f"team {team_id} has no <issues>", "CMD-GST-001")
        issue_ids = unique_ids(issues.iterfind("issue"), f"team {team_id} issue", "CMD-GST-005")
        listing = team.find("members")
        if members and listing is None:
            raise CheckFailed(
                f"team {team_id} has no <members> although showmembers=1 was asked for", "CMD-GST-002"
            )
        if not members and listing is not None:
            raise CheckFailed(
                f"team {team_id} has <members> although showmembers was not asked for", unasked_req
            )
        found: dict[str, dict] | None = None
        if listing is not None:
            found = {}
            reps = list(listing.iterfind("representative"))
            for rep, rep_id in zip(reps, unique_ids(reps, f"team {team_id} member", "CMD-GST-005")):
                found[rep_id] = {
                    "public": _text(rep, "public_display_name"),
                    "private": _text(rep, "private_display_name"),
                    "element": rep,
                }
        teams[team_id] = {
            "name": _text(team, "name"),
            "issues": tuple((i, _text(e, "title")) for i, e in zip(issue_ids, issues.iterfind("issue"))),
            "members": found,
        }
    return teams


def same_teams(plain: dict[str, dict], with_members: dict[str, dict]) -> None:
    """showmembers only adds members: the same teams, names and issues."""
    if set(plain) != set(with_members):
        raise CheckFailed(
            f"teams without showmembers {sorted(plain)} differ from those with it {sorted(with_members)}",
            "CMD-GST-007",
        )
    for team_id, team in plain.items():
        other = with_members[team_id]
        for key in ("name", "issues"):
            if team[key] != other[key]:
                raise CheckFailed(
                    f"team {team_id} {key} is {_shown(team[key])} without showmembers, {_shown(other[key])} with it",
                    "CMD-GST-007",
                )


# --- get_appliances and check_health -----------------------------------------------------------------------


def appliances(root: etree._Element) -> dict[str, dict]:
    """get_appliances by GUID: at least one, unique, accepting connections when not in a cluster."""
    found: dict[str, dict] = {}
    listed = list(root.iterfind("appliance"))
    if not listed:
        raise CheckFailed(
            "get_appliances lists no appliance (the answering one is always configured)", "CMD-GAP-001"
        )
    for el, guid in zip(listed, unique_ids(listed, "appliance", "CMD-GAP-002")):
        cluster_role = _text(el, "cluster_role")
        accepting = _text(el, "accepting_connections")
        if cluster_role == "single" and accepting != "1":
            raise CheckFailed(
                f"appliance {guid} is not part of a cluster but <accepting_connections> is {_shown(accepting)}"
                " (always 1 outside a cluster)",
                "CMD-GAP-003",
            )
        found[guid] = {"cluster_role": cluster_role, "failover_role": _text(el, "failover_role")}
    return found


def clustered(found: dict[str, dict]) -> bool:
    return len(found) > 1 or any(a["cluster_role"] != "single" for a in found.values())


def health(root: etree._Element, after: float) -> dict:
    """check_health: success and error_message agree; a data sync time says one instant, not in the future."""
    success = _text(root, "success")
    message = _text(root, "error_message")
    if success == "1" and message is not None:
        raise CheckFailed(
            f"<success>1</success> with <error_message>{_shown(message)}</error_message>", "CMD-CHK-002"
        )
    if success == "0" and not message:
        raise CheckFailed(
            "<success>0</success> without an <error_message> saying what problem was found", "CMD-CHK-002"
        )
    if success not in ("0", "1"):
        raise CheckFailed(f"<success> is {_shown(success)}, not 1 or 0", "CMD-CHK-002")
    sync = root.find("last_data_sync_time")
    if sync is not None:
        stamp = ts_agrees(sync, "<last_data_sync_time>", "CMD-CHK-003")
        not_later(stamp, after, "<last_data_sync_time>", req="CMD-CHK-003")
    appliance = root.find("appliance")
    guid = (appliance.get("id") or "").strip() if appliance is not None else ""
    if not guid or not (appliance.text or "").strip():
        raise CheckFailed("<appliance> lacks the hostname or its id attribute (the GUID)", "CMD-CHK-001")
    return {
        "id": guid,
        "success": success,
        "error_message": message,
        "failover_role": _text(root, "failover_role"),
    }


RELEASE_REQ = "CMD-CHK-006"  # check_health's release is one the API version ships in


def release_matches_api(root: etree._Element, api_version: str | None) -> None:
    """check_health's <version> begins with a release the guide's API Version Reference lists for the API
    version get_api_info names (a build 19.1.0 beside API 1.21.1 is a FAIL). An API version the table does
    not list (newer than the guide) is NOT_TESTED: nothing says which release it ships in."""
    text = _text(root, "version")
    if not text:
        raise CheckFailed(
            "check_health has no <version> (the version and build number of the software)", RELEASE_REQ
        )
    product = release(text)
    if product is None:
        raise CheckFailed(
            f"check_health's <version> {_shown(text)} does not begin with a release (e.g. 21.3.1)",
            RELEASE_REQ,
        )
    if not is_version(api_version):
        not_tested(f"get_api_info's <api_version> {_shown(api_version)} is not an API version to look up")
    rows = releases_of(api_version)
    if rows is None:
        not_tested(f"the guide's API Version Reference does not list API {api_version} (release {text!r})")
    if not ships_in(api_version, product):
        raise CheckFailed(
            f"check_health says release {_shown(text)} but get_api_info says API {api_version}, which the guide's"
            f" API Version Reference has in {', '.join(rows)}",
            RELEASE_REQ,
        )


def shared_ips_need_failover(root: etree._Element) -> None:
    """<enabled_shared_ips> only where failover is configured (IPs shared between primary and backup)."""
    if root.find("enabled_shared_ips") is not None and _text(root, "failover_role") == "none":
        raise CheckFailed(
            "<enabled_shared_ips> listed although <failover_role> is none (no backup to share with)",
            "CMD-CHK-004",
        )


# --- get_connected_client_list and get_connected_clients ---------------------------------------------------


def client_list(root: etree._Element, types: tuple[str, ...] | None, summary_only: bool) -> dict[str, str]:
    """get_connected_client_list: {id: type}. `types` None means all (the default). Checks the type filter
    (CMD-GCCL-002; a pinned_client count when not all were asked for: CMD-GCCL-004), summary_only
    (CMD-GCCL-005), unique ids (CMD-GCCL-007), and that the counts agree with the listed clients
    (CMD-GCCL-006)."""
    summary = root.find("connected_client_summary")
    if summary is None:
        raise CheckFailed("no <connected_client_summary>", "CMD-GCCL-006")
    allowed = set(types) if types is not None else {*CLIENT_TYPES, "pinned_client", "web_console"}
    counts: dict[str, int] = {}
    for appliance in summary.iterfind("appliance_summary"):
        seen: set[str] = set()
        for count in appliance.iterfind("count"):
            kind = count.get("type", "")
            if kind in seen:
                raise CheckFailed(f"appliance {appliance.get('id')} counts {kind} twice", "CMD-GCCL-006")
            seen.add(kind)
            if kind not in allowed:
                raise CheckFailed(
                    f"a {kind} count although only {sorted(allowed)} were asked for",
                    "CMD-GCCL-004" if kind == "pinned_client" else "CMD-GCCL-002",
                )
            try:
                counts[kind] = counts.get(kind, 0) + int((count.text or "").strip())
            except ValueError:
                raise CheckFailed(
                    f"{kind} count {_shown(count.text)} is not a number", "CMD-GCCL-006"
                ) from None
    clients = list(root.iterfind("connected_client"))
    if summary_only and clients:
        raise CheckFailed(
            f"summary_only=1 but {len(clients)} <connected_client> elements are listed", "CMD-GCCL-005"
        )
    listed: dict[str, str] = {}
    for el, client_id in zip(clients, unique_ids(clients, "connected_client", "CMD-GCCL-007")):
        kind = el.get("type", "")
        if kind not in allowed:
            raise CheckFailed(
                f"client {client_id} is a {kind} although only {sorted(allowed)} were asked for",
                "CMD-GCCL-002",
            )
        listed[client_id] = kind
    if not summary_only:
        for kind in sorted(set(listed.values()) | (set(counts) - {"pinned_client"})):
            n = sum(1 for t in listed.values() if t == kind)
            if counts.get(kind, 0) != n:
                raise CheckFailed(
                    f"the summary counts {counts.get(kind, 0)} {kind} clients, the list has {n}",
                    "CMD-GCCL-006",
                )
    return listed


def connected_clients(
    root: etree._Element,
    after: float,
    *,
    types: tuple[str, ...] | None = None,
    ids: set[str] | None = None,
    connections: bool = False,
    appliance_ids: set[str] | None = None,
    in_cluster: bool | None = None,
    unasked_req: str = "CMD-GCC-006",
) -> dict[str, dict]:
    """get_connected_clients: {id: {"type", "user_id", "routing_busy"}}. Checks the type (CMD-GCC-002) and
    id (CMD-GCC-003) filters, include_connections (CMD-GCC-006; `unasked_req` is the requirement connections
    listed without include_connections=1 break: CMD-GCC-007 for include_connections=0), the ts attributes
    (CMD-GCC-008), a representative's session count (CMD-GCC-009), and the connections' appliance, purpose
    and traffic node outside a cluster (CMD-GCC-010) and their events (CMD-GCC-011)."""
    out: dict[str, dict] = {}
    children = [el for el in root if isinstance(el.tag, str)]
    for el, client_id in zip(children, unique_ids(children, "connected client", "CMD-GCC-001")):
        kind = el.tag.removeprefix("connected_")
        what = f"{el.tag} {client_id}"
        if types is not None and kind not in types:
            raise CheckFailed(f"{what} returned although only {list(types)} were asked for", "CMD-GCC-002")
        if ids is not None and client_id not in ids:
            raise CheckFailed(f"{what} returned although its id was not among those asked for", "CMD-GCC-003")
        links = el.find("client_connections")
        since = el.find("connected_since")
        if connections and (links is None or since is None):
            raise CheckFailed(
                f"{what} lacks <client_connections> or <connected_since> with include_connections=1",
                "CMD-GCC-006",
            )
        if not connections and (links is not None or since is not None):
            raise CheckFailed(
                f"{what} has <client_connections> or <connected_since> without include_connections",
                unasked_req,
            )
        if since is not None:
            stamp = ts_agrees(since, f"{what} <connected_since>", "CMD-GCC-008")
            not_later(stamp, after, f"{what} <connected_since>", req="CMD-GCC-008")
        if links is not None:
            _connections(links, what, after, appliance_ids, in_cluster)
        if kind == "representative":
            lsids = el.findall("support_session_lsids/lsid")
            count = _text(el, "support_session_count")
            if count != str(len(lsids)):
                raise CheckFailed(
                    f"{what}: <support_session_count> {_shown(count)} but {len(lsids)} <lsid> elements",
                    "CMD-GCC-009",
                )
        out[client_id] = {
            "type": kind,
            "user_id": _text(el, "user_id"),
            "routing_busy": _text(el, "routing_busy"),
        }
    return out


def _connections(links, what: str, after: float, appliance_ids, in_cluster) -> None:
    for link in links.iterfind("client_connection"):
        guid = _text(link, "appliance_id")
        if appliance_ids is not None and guid not in appliance_ids:
            raise CheckFailed(
                f"{what} is connected to appliance {_shown(guid)}, which get_appliances does not list",
                "CMD-GCC-010",
            )
        if in_cluster is False:
            purpose, traffic = _text(link, "purpose"), _text(link, "receive_traffic_node")
            if purpose != "primary" or traffic != "0":
                raise CheckFailed(
                    f"{what}: purpose {_shown(purpose)}, receive_traffic_node {_shown(traffic)} outside a cluster"
                    " (always primary and 0)",
                    "CMD-GCC-010",
                )
        since = link.find("connected_since")
        if since is not None:
            stamp = ts_agrees(since, f"{what} connection <connected_since>", "CMD-GCC-008")
            not_later(stamp, after, f"{what} connection", req="CMD-GCC-008")
    events = links.findall("event_log/event")
    if len(events) > MAX_EVENTS:
        raise CheckFailed(
            f"{what} has {len(events)} events; up to the last {MAX_EVENTS} are returned", "CMD-GCC-011"
        )
    for event in events:
        raw = (event.get("ts") or "").strip()
        if not raw.isdigit():
            raise CheckFailed(
                f"{what} event without a UNIX timestamp ts attribute: {_shown(raw)}", "CMD-GCC-011"
            )
        not_later(int(raw), after, f"{what} event", req="CMD-GCC-011")


# --- answers that may be either ----------------------------------------------------------------------------


def error_or_answer(response, expect, roots: str | tuple[str, ...]) -> str | None:
    """A valid <error> (its text) or a valid answer with one of `roots` (None); a server error or an
    <error> without a message FAIL CMD-GEN-014, an invalid answer its XML requirement, an unexpected root or
    a success without HTTP 200 the caller's."""
    from harness.checks.xml import error_text, xml_response

    if response.status_code >= 500:
        raise CheckFailed(
            f"HTTP {response.status_code}: a server error where an <error> or an answer was due", GEN_ERROR
        )
    roots = (roots,) if isinstance(roots, str) else tuple(roots)
    root = xml_response(response, expect, "command", (*roots, "error"))
    if root.tag == "error":
        text = error_text(root)
        if not text:
            raise CheckFailed("<error> without a message", GEN_ERROR)
        return text
    if response.status_code != 200:
        raise CheckFailed(f"HTTP {response.status_code} for a successful answer")
    return None
