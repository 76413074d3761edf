"""Fault profiles: named deviations from the guide, each with the verdicts it must get (test the tester).

A fault is data: its `name`, what it does (`doc`), the requirements it breaks and the verdict each must
get (`breaks = {"AUTH-004": "FAIL"}`), and how it is made:

- wire transforms (`wire`): FaultMiddleware rewrites what the reference appliance sends, one small
  transform each (a body's bytes, an element's number, a header, a status, a JSON member, the bytes inside a
  gzip file, the whole body; the websocket handshake's subprotocol);
- settings (`settings`): parameters of the reference objects, by attribute path from the Appliance
  (`{"tokens.max_valid": 31}`), set while the fault is on and restored after.

The reference handlers never ask whether a fault is on. `Faults` holds the ones in use; a long-lived
appliance switches them between runs (`use`), so the detection matrix needs one appliance, not one a fault.
`select`: the checks that judge the fault (a pytest -k expression) where the requirement IDs alone do not
pick them (a requirement judged by every check, such as an answer's Content-Type).
"""

from __future__ import annotations

import dataclasses
import functools
import gzip
import json
import re
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.appliance.realtime import SUBPROTOCOL
from harness.namespaces import DOCUMENTED

# -- what a transform sees and changes ---------------------------------------------------------------------


@dataclass
class Answer:
    """One HTTP answer on its way out: the request's path and query, the status, headers and whole body."""

    path: str
    query: str
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes

    def header(self, name: str) -> str:
        key = name.lower().encode()
        return next((v.decode("latin-1") for k, v in self.headers if k.lower() == key), "")

    def set_header(self, name: str, value: str | None) -> None:
        key = name.lower().encode()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != key]
        if value is not None:
            self.headers.append((key, value.encode("latin-1")))


@dataclass(frozen=True)
class Where:
    """Which answers a transform rewrites: the request path (a regular expression matched from its start,
    so a plain path is a prefix), a substring of the query string (GET), of the Content-Type, of the body."""

    path: str = "/"
    query: str = ""
    media: str = ""
    has: bytes = b""

    def on(self, path: str) -> bool:
        return re.match(self.path, path) is not None

    def matches(self, answer: Answer) -> bool:
        return (
            self.on(answer.path)
            and self.query in answer.query
            and self.media in answer.header("content-type").lower()
            and self.has in answer.body
        )


# -- wire transforms ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Replace:
    """Body bytes `old` become `new` (every occurrence)."""

    where: Where
    old: bytes
    new: bytes

    def apply(self, answer: Answer) -> None:
        answer.body = answer.body.replace(self.old, self.new)


@dataclass(frozen=True)
class Increment:
    """Each <element>N</element> becomes N + `by`."""

    where: Where
    element: str
    by: int = 1

    def apply(self, answer: Answer) -> None:
        tag = re.escape(self.element.encode())
        pattern = rb"(<" + tag + rb">\s*)(\d+)"
        answer.body = re.sub(pattern, lambda m: m[1] + str(int(m[2]) + self.by).encode(), answer.body)


@dataclass(frozen=True)
class Header:
    """Header `name` set to `value` (None: removed)."""

    where: Where
    name: str
    value: str | None

    def apply(self, answer: Answer) -> None:
        answer.set_header(self.name, self.value)


@dataclass(frozen=True)
class EditHeader:
    """In header `name`, `old` becomes `new`."""

    where: Where
    name: str
    old: str
    new: str

    def apply(self, answer: Answer) -> None:
        value = answer.header(self.name)
        if value:
            answer.set_header(self.name, value.replace(self.old, self.new))


@dataclass(frozen=True)
class Status:
    where: Where
    status: int

    def apply(self, answer: Answer) -> None:
        answer.status = self.status


@dataclass(frozen=True)
class JsonMember:
    """A top-level member of a JSON object answer set to `value` (a JSON value)."""

    where: Where
    member: str
    value: Any

    def apply(self, answer: Answer) -> None:
        try:
            doc = json.loads(answer.body)
        except ValueError:
            return
        if isinstance(doc, dict) and self.member in doc:
            doc[self.member] = self.value
            answer.body = json.dumps(doc).encode()


@dataclass(frozen=True)
class Gunzipped:
    """`pairs` of (old, new) bytes replaced inside a gzip answer, which is compressed again."""

    where: Where
    pairs: tuple[tuple[bytes, bytes], ...]

    def apply(self, answer: Answer) -> None:
        try:
            text = gzip.decompress(answer.body)
        except (OSError, EOFError, zlib.error):
            return
        for old, new in self.pairs:
            text = text.replace(old, new)
        answer.body = gzip.compress(text, mtime=0)


@dataclass(frozen=True)
class Body:
    """The whole body replaced by `make(body)`."""

    where: Where
    make: Callable[[bytes], bytes]

    def apply(self, answer: Answer) -> None:
        answer.body = self.make(answer.body)


@dataclass(frozen=True)
class Subprotocol:
    """The websocket handshake answers `answers[offered form]` instead of the form offered."""

    answers: Mapping[str, str]


@dataclass(frozen=True)
class WsReplace:
    """In each websocket message the appliance sends that holds `has`, bytes `old` become `new` (a message
    split into parts is rewritten part by part: keep both short)."""

    old: bytes
    new: bytes
    has: bytes = b""

    def apply(self, message: dict) -> dict:
        data = message.get("bytes")
        if data is None or self.has not in data:
            return message
        return {**message, "bytes": data.replace(self.old, self.new)}


@dataclass(frozen=True)
class WsAsText:
    """The appliance's messages sent as text websocket messages instead of binary ones."""

    def apply(self, message: dict) -> dict:
        data = message.get("bytes")
        return message if data is None else {"type": message["type"], "text": data.decode("utf-8", "replace")}


WEBSOCKET = (Subprotocol, WsReplace, WsAsText)  # applied by the send wrapper, not to HTTP answers


# -- bodies ------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def gzip_bomb(_: bytes = b"") -> bytes:
    """A 16 MB gzip file of 4.5 GiB of archive-like text (one deflate block repeated), its trailer's CRC 0:
    the size bound is judged before the end. Made once."""
    row = b'{"id":"12","hostname":"host-12.example","public_ip":"203.0.113.7:50432"},\n'
    unit = (row * ((16 << 20) // len(row) + 1))[: 16 << 20]
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = block.compress(unit) + block.flush(zlib.Z_FULL_FLUSH)
    count = (9 << 29) // len(unit)  # 4.5 GiB
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    trailer = struct.pack("<II", 0, count * len(unit) & 0xFFFFFFFF)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff" + piece * count + final + trailer


def corrupted(body: bytes) -> bytes:
    """The deflate data damaged after the 10-byte gzip header (every byte of 10..60 inverted)."""
    return body[:10] + bytes(b ^ 0xFF for b in body[10:60]) + body[60:]


# -- faults ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fault:
    name: str
    doc: str
    breaks: Mapping[str, str]  # requirement -> the verdict a run against this fault must give it
    wire: tuple[Any, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=dict)
    select: str | None = None  # a pytest -k expression of the checks that judge it (default: by `breaks`)


COMMAND_NS = DOCUMENTED[("1.21.1", "command")]
REPORTING_NS = DOCUMENTED[("1.21.1", "reporting")]
ENCODED = SUBPROTOCOL.replace(" ", "%20")
ANSWERS = r"/api/(command|reporting)(\.ns)?$"  # the two XML APIs' answers, not their .xsd files
COMMAND = Where("/api/command")
REPORTING = Where("/api/reporting")
ARCHIVE = Where("/api/reporting", media="gzip")


# Some [boolean] fields of the archive tables, 1/0 as JSON true/false (the archives are compact JSON).
AS_JSON_BOOLEANS = tuple(
    (f'"{name}":{number}'.encode(), f'"{name}":{word}'.encode())
    for name in ("connected", "elevated", "console_in_focus")
    for number, word in ((1, "true"), (0, "false"))
)


def _fault(name: str, doc: str, breaks: Mapping[str, str], *wire, **options) -> Fault:
    return Fault(name, doc, breaks, tuple(wire), **options)


FAULTS: dict[str, Fault] = {
    f.name: f
    for f in (
        # -- issue 15: deviations a full certify did not catch
        _fault(
            "namespaces-swapped",
            "Command answers and command.xsd in the reporting namespace, reporting answers and reporting.xsd "
            "in the command namespace.",
            {"XML-NS-001": "FAIL"},
            Replace(COMMAND, COMMAND_NS.encode(), REPORTING_NS.encode()),
            Replace(REPORTING, REPORTING_NS.encode(), COMMAND_NS.encode()),
        ),
        _fault(
            "namespace-unknown",
            "Every XML answer in a namespace no guide or appliance has used.",
            {"XML-NS-001": "FAIL"},
            Replace(COMMAND, COMMAND_NS.encode(), b"urn:elsewhere"),
            Replace(REPORTING, REPORTING_NS.encode(), b"urn:elsewhere"),
        ),
        _fault(
            "health-release-mismatch",
            "check_health names release 19.1.0 while get_api_info says API 1.21.1 (21.3.x).",
            {"CMD-CHK-006": "FAIL"},
            settings={"config.product_version": "19.1.0"},
        ),
        _fault(
            "xml-as-text-plain",
            "XML answers of the command and reporting APIs labelled Content-Type: text/plain.",
            {"XML-CTYPE-001": "FAIL"},
            Header(Where(ANSWERS, media="xml"), "content-type", "text/plain; charset=utf-8"),
            select="test_get_and_form_post_give_the_same_answer or test_support_session_listing_window",
        ),
        _fault(
            "expires-in-string",
            'The token answer\'s expires_in as the JSON string "3600".',
            {"AUTH-004": "FAIL"},
            JsonMember(Where("/oauth2/token"), "expires_in", "3600"),
        ),
        _fault(
            "summary-total-plus-one",
            "Every SupportSessionSummary <total_sessions> one higher than the sessions it counts.",
            {"RPT-SSS-003": "FAIL"},
            Increment(Where("/api/reporting", has=b"<summary_list"), "total_sessions"),
        ),
        _fault(
            "archive-booleans-as-json",
            "State and event archives write [boolean] fields as JSON true/false instead of 1/0.",
            {"ARC-JSON-003": "WARN"},
            Gunzipped(ARCHIVE, AS_JSON_BOOLEANS),
        ),
        _fault(
            "brcs-name-without-site",
            "Client script files named *.brcs.<site>, not with the guide's extension brcs-<companySiteName>.",
            {"BRCS-040": "FAIL"},
            EditHeader(Where("/api/client_script"), "content-disposition", ".brcs-", ".brcs."),
        ),
        _fault(
            "subprotocol-other-form",
            "The real-time handshake answers the subprotocol raw to a URL-encoded offer, and URL-encoded to a "
            "raw one.",
            {"RT-PROTO-027": "FAIL"},
            Subprotocol({ENCODED: SUBPROTOCOL, SUBPROTOCOL: ENCODED}),
        ),
        _fault(
            "realtime-text-messages",
            "The real-time API's messages sent as text websocket messages, not binary ones.",
            {"RT-PROTO-004": "FAIL"},
            WsAsText(),
        ),
        _fault(
            "realtime-auth-success-as-1",
            'authenticate_response says "success":1, not the JSON true the guide shows.',
            {"RT-PROTO-011": "FAIL"},
            WsReplace(b'"authenticate_response","success":true', b'"authenticate_response","success":1'),
        ),
        _fault(
            "realtime-subscribe-success-false",
            "subscribe_response says success false to a valid subscription, and streams the model all the same.",
            {"RT-PROTO-014": "FAIL"},
            WsReplace(b'"success":true', b'"success":false', has=b'"subscribe_response"'),
        ),
        _fault(
            "archive-past-4-gb",
            "Every archive a 16 MB gzip file of 4.5 GB, past the guide's 'never exceeds 4 GB'.",
            {"ARC-GET-002": "FAIL"},
            Body(ARCHIVE, gzip_bomb),
        ),
        _fault(
            "archive-corrupt-gzip",
            "Every archive's deflate data damaged after the gzip header.",
            {"ARC-GET-001": "FAIL"},
            Body(ARCHIVE, corrupted),
        ),
        # -- behaviour
        _fault(
            "token-cap-31",
            "An API account keeps 31 valid tokens, one more than the guide's 30.",
            {"AUTH-015": "FAIL"},
            settings={"tokens.max_valid": 31},
        ),
        _fault(
            "subscriber-cap-31",
            "A thirty-first integration receives model updates.",
            {"RT-CAP-001": "FAIL"},
            settings={"realtime.limits.max_subscribers": 31},
        ),
        _fault(
            "token-type-mac",
            'The token answer\'s token_type is "mac", not "Bearer".',
            {"AUTH-003": "FAIL"},
            JsonMember(Where("/oauth2/token"), "token_type", "mac"),
        ),
        # -- the token endpoint
        _fault(
            "expires-in-7200",
            "The token answer's expires_in is 7200 (two hours), not the guide's 3600.",
            {"AUTH-004": "FAIL"},
            JsonMember(Where("/oauth2/token"), "expires_in", 7200),
        ),
        _fault(
            "token-type-missing",
            "The token answer has no token_type member.",
            {"AUTH-003": "FAIL"},
            Replace(Where("/oauth2/token"), b'"token_type":"Bearer",', b""),
        ),
        _fault(
            "access-token-null-for-query-grant",
            "A token asked for with grant_type in the query string is answered with access_token null.",
            {"AUTH-002": "FAIL"},
            JsonMember(Where("/oauth2/token", query="grant_type"), "access_token", None),
        ),
        _fault(
            "bad-client-http-500",
            "A failed client authentication (wrong secret, unknown client, no Basic) is answered HTTP 500.",
            {"AUTH-007": "FAIL"},
            Status(Where("/oauth2/token", has=b'"invalid_client"'), 500),
        ),
        _fault(
            "token-as-text-html",
            "The token answer labelled Content-Type: text/html.",
            {"AUTH-006": "WARN"},
            Header(Where("/oauth2/token"), "content-type", "text/html; charset=utf-8"),
        ),
        # -- /check_health and backup
        _fault(
            "health-probe-500-while-healthy",
            "The plain /check_health probe answers HTTP 500 while check_health says <success>1.",
            {"HLT-001": "FAIL"},
            Status(Where("/check_health"), 500),
        ),
        _fault(
            "health-probe-asks-credentials",
            "The plain /check_health probe answers HTTP 401 to a request without an authorization header.",
            {"HLT-001": "FAIL", "HLT-005": "WARN"},
            Status(Where("/check_health"), 401),
        ),
        _fault(
            "health-probe-shows-version",
            "The plain /check_health message names the software version.",
            {"HLT-004": "FAIL"},
            Replace(Where("/check_health"), b"succeeded.", b"succeeded (21.3.1)."),
        ),
        _fault(
            "backup-not-an-attachment",
            "The backup file is served without a Content-Disposition header.",
            {"BAK-005": "WARN"},
            Header(Where("/api/backup"), "content-disposition", None),
        ),
        _fault(
            "backup-corrupt-gzip",
            "The backup file's deflate data damaged after the gzip header.",
            {"BAK-003": "FAIL"},
            Body(Where("/api/backup", has=b"\x1f\x8b"), corrupted),
        ),
        # -- command API answers
        _fault(
            "company-name-empty",
            "get_api_info's <company_name> is empty.",
            {"CMD-GAI-006": "WARN"},
            settings={"config.company_name": ""},
        ),
        _fault(
            "api-info-timestamp-hour-ahead",
            "get_api_info's <timestamp> one hour ahead of the appliance's clock.",
            {"CMD-GAI-003": "WARN"},
            Increment(Where("/api/command", has=b"<api_information"), "timestamp", 3600),
        ),
        _fault(
            "api-version-unlisted",
            "get_api_info names API 1.20.0, a version the guide's API Version Reference does not list.",
            {"CMD-GAI-005": "WARN"},
            Replace(
                Where("/api/command", has=b"<api_information"),
                b"<api_version>1.21.1<",
                b"<api_version>1.20.0<",
            ),
        ),
        _fault(
            "permission-renamed",
            "get_api_info lists perm_reporting_archive as perm_archive.",
            {"XML-SCHEMA-001": "FAIL"},
            Replace(COMMAND, b'"perm_reporting_archive"', b'"perm_archive"'),
            select="test_api_info_lists_every_documented_permission",
        ),
        _fault(
            "permission-value-2",
            "get_api_info gives perm_backup the value 2, not 1 or 0.",
            {"XML-SCHEMA-001": "FAIL"},
            Replace(COMMAND, b'<permission name="perm_backup">1<', b'<permission name="perm_backup">2<'),
            select="test_api_info_permissions_match_the_account",
        ),
        _fault(
            "api-info-extra-element",
            "get_api_info answers an element the schema does not allow (<build> after <permissions>).",
            {"XML-SCHEMA-001": "FAIL"},
            Replace(
                Where("/api/command", has=b"<api_information"),
                b"</permissions>",
                b"</permissions><build>1</build>",
            ),
            select="test_api_info_answer",
        ),
        _fault(
            "direct-link-relative",
            "get_logged_in_reps' <direct_link> anchors have a relative href (no https:// scheme).",
            {"CMD-GLR-005": "FAIL"},
            Replace(Where("/api/command", has=b"<logged_in_reps"), b'&lt;a href="https://', b'&lt;a href="'),
        ),
        _fault(
            "rep-display-name-private",
            "get_logged_in_reps gives the Admin representative's private name in the deprecated <display_name>.",
            {"CMD-GLR-003": "FAIL"},
            Replace(
                Where("/api/command", has=b"<logged_in_reps"),
                b"<display_name>Admin</display_name>",
                b"<display_name>Administrator</display_name>",
            ),
        ),
        _fault(
            "member-display-name-private",
            "get_support_teams gives the Admin member's private name in the deprecated <display_name>.",
            {"CMD-GST-006": "FAIL"},
            Replace(
                Where("/api/command", has=b"<support_teams"),
                b"<display_name>Admin</display_name>",
                b"<display_name>Administrator</display_name>",
            ),
        ),
        _fault(
            "appliance-not-accepting",
            "get_appliances says <accepting_connections>0 for an appliance not in a cluster.",
            {"CMD-GAP-003": "FAIL"},
            Replace(
                Where("/api/command", has=b"<appliances"),
                b"<accepting_connections>1<",
                b"<accepting_connections>0<",
            ),
        ),
        _fault(
            "appliances-failover-role-primary",
            "get_appliances gives the appliance failover role primary while check_health says none.",
            {"CMD-GAP-004": "FAIL"},
            Replace(
                Where("/api/command", has=b"<appliances"), b"<failover_role>none<", b"<failover_role>primary<"
            ),
        ),
        _fault(
            "health-success-2",
            "check_health answers <success>2</success>.",
            {"XML-SCHEMA-001": "FAIL"},
            Replace(Where("/api/command", has=b"<health_check"), b"<success>1<", b"<success>2<"),
            select="check_health",
        ),
        _fault(
            "health-success-with-error-message",
            "check_health answers <success>1</success> with an <error_message>.",
            {"CMD-CHK-002": "FAIL"},
            Replace(
                Where("/api/command", has=b"<health_check"),
                b"<success>1</success>",
                b"<success>1</success><error_message>Data sync failed</error_message>",
            ),
        ),
        _fault(
            "shared-ips-without-failover",
            "check_health lists <enabled_shared_ips> although <failover_role> is none.",
            {"CMD-CHK-004": "WARN"},
            Replace(
                Where("/api/command", has=b"<health_check"),
                b"<failover_role>none</failover_role>",
                b"<failover_role>none</failover_role><enabled_shared_ips><ip>192.0.2.10</ip></enabled_shared_ips>",
            ),
        ),
        _fault(
            "command-error-http-500",
            "Every command API <error> answered with HTTP 500.",
            {"CMD-GEN-014": "FAIL"},
            Status(Where("/api/command", has=b"<error"), 500),
        ),
        _fault(
            "session-key-queue-unavailable",
            'generate_session_key answers <queue available="0"> although the queue\'s representative is logged in.',
            {"CMD-GSK-007": "FAIL"},
            Replace(
                Where("/api/command", has=b"<session_key"), b'<queue available="1">', b'<queue available="0">'
            ),
        ),
        _fault(
            "short-key-eight-digits",
            "generate_session_key's <short_key> has eight digits, not seven.",
            {"XML-SCHEMA-001": "FAIL"},
            Replace(Where("/api/command", has=b"<session_key"), b"<short_key>", b"<short_key>9"),
            select="test_generate_session_key_queue_forms",
        ),
        # -- reporting answers
        _fault(
            "reporting-error-http-500",
            "Every reporting API <error> answered with HTTP 500.",
            {"RPT-GEN-012": "FAIL"},
            Status(Where("/api/reporting", has=b"<error"), 500),
        ),
        _fault(
            "listing-external-key-other",
            "SupportSessionListing's external_key attributes differ from the keys SupportSession gives.",
            {"RPT-SSL-004": "FAIL"},
            Replace(
                Where("/api/reporting", has=b"<session_summary_list"),
                b'external_key="INC',
                b'external_key="REQ',
            ),
        ),
        _fault(
            "listing-lseq-plus-one",
            "Every SupportSessionListing <lseq> one higher than SupportSession's.",
            {"RPT-SSL-005": "FAIL"},
            Increment(Where("/api/reporting", has=b"<session_summary_list"), "lseq"),
        ),
        _fault(
            "listing-extra-element",
            "SupportSessionListing entries carry an element the schema does not allow (<recorded> after <lseq>).",
            {"XML-SCHEMA-002": "FAIL"},
            Replace(
                Where("/api/reporting", has=b"<session_summary_list"),
                b"</lseq>",
                b"</lseq><recorded>1</recorded>",
            ),
            select="test_support_session_listing_window",
        ),
        _fault(
            "session-type-presentation",
            "SupportSession gives support sessions <session_type>presentation</session_type>.",
            {"RPT-SS-011": "FAIL"},
            Replace(
                Where("/api/reporting", has=b"<session_list"),
                b"<session_type>support<",
                b"<session_type>presentation<",
            ),
        ),
        _fault(
            "customer-survey-submitted-by-rep",
            "SupportCustExitSurvey's <submitted_by> has type rep, not cust.",
            {"RPT-SVY-006": "FAIL"},
            Replace(
                Where("/api/reporting", query="SupportCustExitSurvey"),
                b'<submitted_by type="cust">',
                b'<submitted_by type="rep">',
            ),
        ),
        _fault(
            "license-group-by-not-echoed",
            "LicenseUsage asked for group_by=hour answers <group_by>day</group_by>.",
            {"RPT-LU-002": "FAIL"},
            Replace(
                Where("/api/reporting", has=b"<license_usage"),
                b"<group_by>hour</group_by>",
                b"<group_by>day</group_by>",
            ),
        ),
        # -- client scripting and the real-time API
        _fault(
            "brcs-header-spaced",
            "Client script files begin 'BRCS 1.0', not the format's 'BRCS1.0'.",
            {"BRCS-001": "FAIL"},
            Replace(Where("/api/client_script"), b"BRCS1.0\n", b"BRCS 1.0\n"),
        ),
        _fault(
            "brcs-without-delete-script-file",
            "Client script files lack the automatically added delete_script_file command.",
            {"SCR-006": "FAIL"},
            Replace(Where("/api/client_script"), b"action=delete_script_file", b""),
        ),
        _fault(
            "subscriber-cap-29",
            "Only twenty-nine integrations receive model updates, not the guide's thirty.",
            {"RT-CAP-001": "WARN"},
            settings={"realtime.limits.max_subscribers": 29},
        ),
    )
}


# -- switching faults --------------------------------------------------------------------------------------


class UnknownFault(ValueError):
    pass


def named(names: Iterable[str]) -> list[Fault]:
    """The faults of these names; UnknownFault (with the known names) for one that is not."""
    out = []
    for name in names:
        if name not in FAULTS:
            raise UnknownFault(f"unknown fault {name!r} (rs-harness faults lists them)")
        out.append(FAULTS[name])
    return out


def _parent(root: object, path: str) -> tuple[object, str]:
    *walk, last = path.split(".")
    obj = root
    for step in walk:
        obj = getattr(obj, step)
    return obj, last


def _set(root: object, path: str, value: Any) -> Any:
    """Set the attribute at `path` from `root`; a frozen dataclass on the way is replaced by a copy."""
    obj, last = _parent(root, path)
    old = getattr(obj, last)
    if dataclasses.is_dataclass(obj) and obj.__dataclass_params__.frozen:
        holder, name = _parent(root, path.rsplit(".", 1)[0])
        setattr(holder, name, dataclasses.replace(obj, **{last: value}))
    else:
        setattr(obj, last, value)
    return old


class Faults:
    """The faults an appliance is serving with. `use` switches them: the settings of the old ones are
    restored, those of the new ones set."""

    def __init__(self, appliance: object):
        self.appliance = appliance
        self.active: tuple[Fault, ...] = ()
        self._restore: list[tuple[str, Any]] = []

    def use(self, faults: Iterable[Fault]) -> None:
        for path, old in reversed(self._restore):
            _set(self.appliance, path, old)
        self._restore = []
        self.active = tuple(faults)
        for fault in self.active:
            for path, value in fault.settings.items():
                self._restore.append((path, _set(self.appliance, path, value)))

    def transforms(self) -> list:
        return [t for f in self.active for t in f.wire if not isinstance(t, WEBSOCKET)]

    def messages(self) -> list:
        return [t for f in self.active for t in f.wire if isinstance(t, WsReplace | WsAsText)]

    def subprotocol(self, offered: str | None) -> str | None:
        for fault in self.active:
            for t in fault.wire:
                if isinstance(t, Subprotocol) and offered in t.answers:
                    return t.answers[offered]
        return offered


class FaultMiddleware:
    """Applies the active faults' wire transforms: an HTTP answer whose path one of them may rewrite is
    buffered whole, transformed and sent with its Content-Length; the websocket handshake's subprotocol is
    rewritten. Nothing is buffered while no fault is on."""

    def __init__(self, app, faults: Faults):
        self.app = app
        self.faults = faults

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "websocket" and self.faults.active:
            rewrites = self.faults.messages()

            async def rewritten(message) -> None:
                if message["type"] == "websocket.accept" and message.get("subprotocol"):
                    message = {**message, "subprotocol": self.faults.subprotocol(message["subprotocol"])}
                elif message["type"] == "websocket.send":
                    for t in rewrites:
                        message = t.apply(message)
                await send(message)

            return await self.app(scope, receive, rewritten)
        path = scope.get("path", "")
        transforms = [t for t in self.faults.transforms() if t.where.on(path)]
        if scope["type"] != "http" or not transforms:
            return await self.app(scope, receive, send)
        start: dict = {}
        chunks: list[bytes] = []

        async def buffered(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            if message["type"] != "http.response.body":
                return await send(message)
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            answer = Answer(
                path,
                scope.get("query_string", b"").decode("latin-1"),
                start["status"],
                list(start.get("headers", [])),
                b"".join(chunks),
            )
            for t in transforms:
                if t.where.matches(answer):
                    t.apply(answer)
            answer.set_header("content-length", str(len(answer.body)))
            await send({**start, "status": answer.status, "headers": answer.headers})
            await send({"type": "http.response.body", "body": answer.body})

        await self.app(scope, receive, buffered)
