"""Session generation at /api/start_session, the session key URL (/?ak=...) and start_session.js (guide:
"Session Generation API", "Start Sessions with Session Key Acceptance", "Use JavaScript to Start
Click-To-Chat, Collaborative Browser Sharing, or Full Client Sessions", "Click-to-Chat Without Using
JavaScript", "Start Sessions with External Keys").

GET or POST (application/x-www-form-urlencoded: the guide's forms use both); one of three start methods:
- representative: `id` and `name` (the representative's public display name); start_method `rep_list`;
- session key: `short_key`, a valid unexpired key, or the key URL `https://host/?ak=<access key>` that
  generate_session_key answers; start_method `session_key`;
- issue submission: `issue_menu=1` with `id` or `codeName`, not both; start_method `issue_submission`.
Optional parameters: c2cjs, customer.name/company/company_code (at most 100 characters), customer.details
(at most 1024 bytes of UTF-8), locale, chat_locale, platform (winNT-32, winNT-64), session.custom.external_key
and session.custom.[custom field] (1024 characters each, 10KB in all: World.check_fields), session.priority
(1-3; overrides the issue's), session.skills (overrides the issue's), timezone_offset. Values given here
override those the session key was generated with (the guide's note on generate_session_key).

A successful request puts the session in the live model and the history at once: in this simulation the
customer client "connects" the moment it is handed out, and the session waits in its queue. The answer is the
customer client download (application/octet-stream, `Content-Disposition: attachment`, a file name per
platform such as `bomgar-scc-winNT-64-<code>.exe`), or the click-to-chat page (text/html) for c2cjs=1, whose
session then has a customer client of type `web_chat`. The download's content is SYNTHETIC: a short text
naming the session (lsid, platform, locale, site) behind the two bytes `MZ` that mark Windows executables,
so that a type sniffer sees what it would see on a real appliance; it is not a program.
Failures answer a small HTML page with a clear message and a 4xx status (see below); never a stack trace.

Choices where the guide is silent (recorded in the issue note):
- "Display Reps in Issues Menu" is off in this appliance, so with issue_menu=1 `id` is an issue ID (as
  get_support_teams lists them), never a representative's; `name` is then ignored, like the other form
  inputs the guide says the server ignores.
- The representative must be logged in and showing on the representative list, and `name` must equal their
  public display name exactly (case included); otherwise 404.
- Statuses: 400 for missing, malformed, conflicting or over-limit parameters (two start methods, none,
  both `id` and `codeName` for an issue, an unknown custom field or skill, a body cut short); 404 when what
  the request names is not there (no such or no available representative, an invalid or expired session
  key, no such issue); 405 for HEAD (it would start a session); 413 for a body over 1 MiB; 415 for a POST
  body that is not application/x-www-form-urlencoded (multipart included).
- A repeated parameter keeps its first value (as the command API does). An optional parameter with an empty
  value counts as not given (an empty External Key box in the guide's form does not clear the key's external
  key). Unknown parameters are ignored. Text containing characters XML 1.0 forbids (NUL, other C0 controls but
  tab, LF and CR) is refused with 400: it would reach the reports.
- Lengths "in characters" count Unicode code points; customer.details counts UTF-8 bytes.
- locale: the 16 language packages the guide lists are installed; a locale is matched case-insensitively
  and an unknown one falls back to the default language, en-us (as a public site shows its default
  language). chat_locale (GeoFluent) must look like a language tag (letters, digits and hyphens, at most
  35 characters) and is shown on the click-to-chat page.
- platform: without one, the download is for winNT-64; anything but winNT-32 or winNT-64 is refused (400).
- c2cjs must be an integer; 1 asks for click-to-chat, any other integer for the full client download.
- timezone_offset must be an integer from -720 to 840 minutes (UTC-12:00 to UTC+14:00, the offsets in use);
  it is then ignored: this appliance is not an Atlas cluster.
- session.priority must be 1, 2 or 3; session.skills is a comma-separated list, blanks around names and
  empty items dropped, duplicates kept once.
- The option to prompt customers before downloading the customer client is off in this appliance, so every
  parameter may come with a session key.
- Public sites: the session belongs to the site whose hostname matches the request's Host header (port
  dropped, case ignored): site 1 "Default" is `appliance.config.hostname`, site 2 "Partners" is
  `partners.<that hostname>`; any other Host gets site 1. The key URL starts the session on the site of the
  key's url_hostname, as the guide describes ("the session key URL points to the hostname designated by the
  url_hostname parameter").
- `/` without `ak` answers a tiny public site page: the session key form, the representatives showing on
  the list, and the issue form.
- start_session.js is served: a minimal BG object (BG.setSite, BG.START_TYPE, BG.start) that turns its
  options into a start_session URL. FULL downloads the client in the current window; CHAT opens the
  click-to-chat page in a small pop-up window, or in the current window when the pop-up is blocked unless
  uiOptions.fallbackToFullWindow is false (it defaults to true). BROWSER starts the same web customer
  client as CHAT: this appliance has no collaborative browser sharing client of its own. It uses the scheme
  the script itself was served with (https on a TLS appliance).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from harness.appliance import directory
from harness.appliance import params as params_module
from harness.appliance.world import Active, Arrival, Target, WorldError
from harness.appliance.xmlresponse import attachment
from harness.catalogue import limits

MAX_CUSTOMER = limits.CUSTOMER_FIELD_MAX  # customer.name, customer.company, customer.company_code
MAX_DETAILS = limits.CUSTOMER_DETAILS_MAX_BYTES  # customer.details (bytes of UTF-8)
CUSTOMER_FIELDS = ("name", "company", "company_code")
# "Available language packages may include ..." (all of them are installed here).
LOCALES = (
    "en-us", "de", "es", "es-sp", "fi", "fr", "it", "nl", "pt-br", "pt-pt", "sv-se", "tr", "ja", "zh-hans",
    "zh", "ru",
)  # fmt: skip
DEFAULT_LOCALE = "en-us"
PLATFORMS = {  # platform -> the customer's operating system as the live model shows it
    "winNT-32": "Windows 10 Enterprise",
    "winNT-64": "Windows 10 Enterprise x64 Edition",
}
DEFAULT_PLATFORM = "winNT-64"
TIMEZONE_OFFSETS = (-720, 840)  # minutes: UTC-12:00 .. UTC+14:00
CUSTOM_PREFIX = "session.custom."
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_INTEGER = re.compile(r"[+-]?[0-9]{1,18}")
_ID = re.compile(r"[0-9]{1,18}")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")


class StartError(Exception):
    """Why no session starts; the message is shown on the error page."""

    def __init__(self, message: str, status_code: int = 400):
        super().__init__(message)
        self.status_code = status_code


def _shown(value: str, limit: int = 60) -> str:
    """A value quoted in a message, shortened."""
    return repr(value if len(value) <= limit else value[:limit] + "…")


# --- reading the request ------------------------------------------------------------------------------------


async def read_params(request: Request) -> dict[str, str]:
    """The request's parameters (params.read_params), refusing text XML 1.0 forbids: it would reach the
    reports."""
    try:
        params = await params_module.read_params(request)
    except params_module.ParamError as exc:
        raise StartError(str(exc), exc.status) from None
    for key, value in params.items():
        if _FORBIDDEN.search(key) or _FORBIDDEN.search(value):
            raise StartError(f"The parameter {_shown(key)} contains control characters")
    return params


@dataclass
class Plan:
    """A checked start_session request."""

    method: str  # session_key, rep_list or issue_submission
    short_key: str | None = None
    access_key: str | None = None
    rep_id: int | None = None
    rep_name: str | None = None
    issue: directory.Issue | None = None
    arrival: Arrival = field(default_factory=Arrival)
    fields: dict[str, str] = field(default_factory=dict)
    priority: int | None = None
    skills: tuple[str, ...] | None = None
    c2c: bool = False
    platform: str = DEFAULT_PLATFORM
    chat_locale: str = ""


def _optional(params: dict[str, str], name: str) -> str | None:
    value = params.get(name)
    return value if value else None


def _integer(params: dict[str, str], name: str) -> int | None:
    value = _optional(params, name)
    if value is None:
        return None
    if not _INTEGER.fullmatch(value):
        raise StartError(f"{name} must be an integer, not {_shown(value)}")
    return int(value)


def _start_method(params: dict[str, str], via_key_url: bool, general_queue: bool = False) -> Plan:
    methods = []
    if via_key_url:
        methods.append("the session key URL (ak)")
    if "short_key" in params:
        methods.append("a session key (short_key)")
    if "issue_menu" in params or "codeName" in params:
        methods.append("an issue (issue_menu)")
    elif "id" in params or "name" in params:
        methods.append("a representative (id and name)")
    if not methods:
        raise StartError(
            "No start method: give id and name (a representative), short_key (a session key) or issue_menu=1"
            " with id or codeName (an issue)"
        )
    if len(methods) > 1:
        raise StartError(f"Use one start method, not {' and '.join(methods)}")
    if via_key_url:
        return Plan("session_key", access_key=params["ak"])
    if "short_key" in params:
        short_key = params["short_key"].strip()
        if not short_key:
            raise StartError("short_key is empty: enter the seven-character session key")
        return Plan("session_key", short_key=short_key)
    if "issue_menu" in params or "codeName" in params:
        if params.get("issue_menu") != "1":
            raise StartError("issue_menu must be 1 to start a session for an issue")
        if "id" in params and "codeName" in params:
            raise StartError("Use either codeName or id for the issue, not both")
        if general_queue and params.get("id", "") in ("", "0") and "codeName" not in params:
            return Plan("issue_submission")  # no issue: the general queue (legacy_start_session)
        if "codeName" in params:
            issue = directory.issue_named(params["codeName"])
            if issue is None:
                raise StartError(f"No issue with the code name {_shown(params['codeName'])}", 404)
        elif "id" in params:
            if not _ID.fullmatch(params["id"]):
                raise StartError(f"The issue id must be a number, not {_shown(params['id'])}")
            issue = directory.issue(int(params["id"]))
            if issue is None:
                raise StartError(f"No issue with the ID {params['id']}", 404)
        else:
            raise StartError("issue_menu=1 needs the issue's id or codeName")
        return Plan("issue_submission", issue=issue)
    if "id" not in params or "name" not in params:
        raise StartError("A session with a representative needs both id and name")
    if not _ID.fullmatch(params["id"]):
        raise StartError(f"The representative id must be a number, not {_shown(params['id'])}")
    return Plan("rep_list", rep_id=int(params["id"]), rep_name=params["name"])


def plan(params: dict[str, str], via_key_url: bool = False, general_queue: bool = False) -> Plan:
    """Check every parameter; raise StartError with the first problem found. `general_queue`: issue_menu=1
    without an issue (no id, or 0) starts a session in the general queue (the 12.1 guide)."""
    p = _start_method(params, via_key_url, general_queue)
    customer = {}
    for name in CUSTOMER_FIELDS:
        value = _optional(params, f"customer.{name}") or ""
        if len(value) > MAX_CUSTOMER:
            raise StartError(f"customer.{name} is longer than {MAX_CUSTOMER} characters")
        customer[name] = value
    details = _optional(params, "customer.details") or ""
    if len(details.encode("utf-8")) > MAX_DETAILS:
        raise StartError(f"customer.details is longer than {MAX_DETAILS} bytes (UTF-8)")
    locale = (_optional(params, "locale") or DEFAULT_LOCALE).lower()
    if locale not in LOCALES:
        locale = DEFAULT_LOCALE
    chat_locale = _optional(params, "chat_locale") or ""
    if chat_locale and (len(chat_locale) > 35 or not _LANGUAGE_TAG.fullmatch(chat_locale)):
        raise StartError(f"chat_locale must be a language tag such as cs-cs, not {_shown(chat_locale)}")
    platform = _optional(params, "platform") or DEFAULT_PLATFORM
    if platform not in PLATFORMS:
        raise StartError(f"platform must be winNT-32 or winNT-64, not {_shown(platform)}")
    c2cjs = _integer(params, "c2cjs")
    offset = _integer(params, "timezone_offset")
    low, high = TIMEZONE_OFFSETS
    if offset is not None and not low <= offset <= high:
        raise StartError(f"timezone_offset must be between {low} and {high} minutes")
    priority = _integer(params, "session.priority")
    if priority is not None and priority not in (1, 2, 3):
        raise StartError("session.priority must be 1 (high), 2 (medium) or 3 (low)")
    skills = None
    if _optional(params, "session.skills") is not None:
        names = [s.strip() for s in params["session.skills"].split(",")]
        skills = tuple(dict.fromkeys(s for s in names if s))
        unknown = [s for s in skills if s not in directory.SKILLS]
        if unknown:
            raise StartError(f"Unknown skill code name: {_shown(unknown[0])}")
    fields = {
        k.removeprefix(CUSTOM_PREFIX): v for k, v in params.items() if k.startswith(CUSTOM_PREFIX) and v
    }
    unknown = [k for k in fields if k not in directory.CUSTOM_FIELDS]
    if unknown:
        raise StartError(f"Unknown custom field: {_shown(unknown[0])}")
    c2c = c2cjs == 1
    p.arrival = Arrival(
        name=customer["name"], company=customer["company"], company_code=customer["company_code"],
        details=details, client_type="web_chat" if c2c else "desktop", locale=locale,
        operating_system=PLATFORMS[platform],
    )  # fmt: skip
    p.fields, p.priority, p.skills, p.c2c, p.platform, p.chat_locale = (
        fields,
        priority,
        skills,
        c2c,
        platform,
        chat_locale,
    )
    return p


# --- public sites -------------------------------------------------------------------------------------------


def site_hostnames(appliance) -> dict[str, int]:
    hostname = appliance.config.hostname.lower()
    return {hostname: 1, f"partners.{hostname}": 2}


def site_for(appliance, host: str) -> int:
    """The public site whose hostname is `host` (a Host header or a hostname; port ignored), else site 1."""
    host = host.strip().lower()
    if host.startswith("["):  # [IPv6]:port
        host = host[: host.find("]") + 1]
    elif host.count(":") == 1:
        host = host.split(":")[0]
    return site_hostnames(appliance).get(host, 1)


def _client_address(request: Request) -> str:
    if request.client is None:
        return "Unknown"
    host, port = request.client.host, request.client.port
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


# --- starting -----------------------------------------------------------------------------------------------


def start(appliance, p: Plan) -> Active:
    """Start the planned session (blocking: World writes SQLite)."""
    world = appliance.world
    with world._lock:  # the representative stays logged in (the key stays valid) until the session exists
        if p.method == "rep_list":
            user = directory.user(p.rep_id)
            if user is None or user.public_display_name != p.rep_name:
                raise StartError(
                    f"No representative with the ID {p.rep_id} and the name {_shown(p.rep_name)}", 404
                )
            rep = world.logged_in.get(user.id)
            if rep is None:
                raise StartError(f"{user.public_display_name} is not available: not logged in", 404)
            if not rep.showing_on_rep_list:
                raise StartError(
                    f"{user.public_display_name} is not available on the representative list", 404
                )
            return world.start_session(
                "rep_list", Target("rep", user.id), p.arrival, p.fields, p.priority, p.skills
            )
        if p.method == "issue_submission":
            target = Target("team", p.issue.team_id, p.issue) if p.issue else Target("general", 1)
            return world.start_session("issue_submission", target, p.arrival, p.fields, p.priority, p.skills)
        if p.short_key is not None:
            key = world.key(short_key=p.short_key)
            if key is None:
                raise StartError(
                    f"The session key {_shown(p.short_key, 20)} is not valid or has expired", 404
                )
        else:
            key = world.key(access_key=p.access_key)
            if key is None:
                raise StartError("This session key link is not valid or has expired", 404)
            p.arrival.site_id = site_for(appliance, key.url_hostname)
        extra = {}
        if p.priority is not None:
            extra["priority"] = p.priority
        if p.skills is not None:
            extra["skills"] = p.skills
        return world.start_from_key(key, p.arrival, p.fields, **extra)


_PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head><meta charset="utf-8"><title>{title}</title></head>
<body>
{body}
</body>
</html>
"""


def page(title: str, body: str, status_code: int = 200, lang: str = "en") -> HTMLResponse:
    return HTMLResponse(
        _PAGE.format(lang=html.escape(lang), title=html.escape(title), body=body), status_code=status_code
    )


def error_page(error: StartError) -> HTMLResponse:
    message = html.escape(str(error)[:500])
    body = f'<h1>Unable to start a session</h1>\n<p class="error">{message}</p>'
    response = page("Unable to start a session", body, error.status_code)
    response.headers["Cache-Control"] = "no-store"
    return response


def client_download(appliance, active: Active, p: Plan) -> Response:
    site = dict(directory.SITES)[active.arrival.site_id]
    code = active.lsid[:12]
    text = (
        "rs-harness embedded appliance: a synthetic BeyondTrust customer client, not a program\n"
        f"lsid: {active.lsid}\nplatform: {p.platform}\nlocale: {active.arrival.locale}\n"
        f"public site: {active.arrival.site_id} {site}\nappliance: {appliance.config.hostname}\n"
    )
    return attachment(b"MZ\r\n" + text.encode("utf-8"), f"bomgar-scc-{p.platform}-{code}.exe")


def chat_page(active: Active, p: Plan) -> HTMLResponse:
    chat_locale = f' data-chat-locale="{html.escape(p.chat_locale)}"' if p.chat_locale else ""
    body = (
        f'<main id="bomgar-c2c" data-lsid="{active.lsid}"{chat_locale}>\n'
        "<h1>Click-To-Chat</h1>\n"
        "<p>Your support session has started. A representative will be with you shortly.</p>\n"
        '<p class="note">rs-harness embedded appliance: a click-to-chat page, no live chat behind it.</p>\n'
        "</main>"
    )
    response = page("Click-To-Chat", body, lang=active.arrival.locale)
    response.headers["Cache-Control"] = "no-store"
    return response


async def answer(
    request: Request, params: dict[str, str] | None, via_key_url: bool, general_queue: bool = False
) -> Response:
    """Start the session the request asks for (`params`: None to read them from it) and answer it."""
    appliance = request.app.state.appliance
    try:
        if request.method == "HEAD":
            raise StartError("HEAD does not start sessions: use GET or POST", 405)
        if params is None:
            params = await read_params(request)
        p = plan(params, via_key_url, general_queue)
        p.arrival.site_id = site_for(appliance, request.headers.get("host", ""))
        p.arrival.public_ip = _client_address(request)
        active = await run_in_threadpool(start, appliance, p)
    except StartError as exc:
        response = error_page(exc)
        if exc.status_code == 405:
            response.headers["Allow"] = "GET, POST"
        return response
    except WorldError as exc:
        return error_page(StartError(str(exc)))
    return chat_page(active, p) if p.c2c else client_download(appliance, active, p)


async def start_session_endpoint(request: Request) -> Response:
    return await answer(request, None, via_key_url=False)


async def public_site_endpoint(request: Request) -> Response:
    """/?ak=<access key> is the session key URL; / alone, the public site's page."""
    try:
        params = await read_params(request)
    except StartError as exc:
        return error_page(exc)
    if "ak" in params:
        return await answer(request, params, via_key_url=True)
    reps = await run_in_threadpool(_listed_reps, request.app.state.appliance)
    return _public_site_page(reps, request.app.state.appliance.config.legacy)


def _listed_reps(appliance) -> list[tuple[int, str]]:
    world = appliance.world
    with world._lock:
        return sorted(
            (r.user.id, r.user.public_display_name) for r in world.logged_in.values() if r.showing_on_rep_list
        )


def _public_site_page(reps: list[tuple[int, str]], legacy: bool = False) -> HTMLResponse:
    """The public site's page; `legacy`: with the 12.1 guide's URL and form names (legacy_start_session)."""
    e = html.escape
    url = "/api/start_session.ns" if legacy else "/api/start_session"
    links = "\n".join(
        f'<li><a href="{url}?id={rep_id}&amp;name={e(name)}">{e(name)}</a></li>' for rep_id, name in reps
    )
    issue, value, customer = ("id", "id", "customer_") if legacy else ("codeName", "code_name", "customer.")
    issues = "\n".join(f'<option value="{getattr(i, value)}">{e(i.title)}</option>' for i in directory.ISSUES)
    details = "customer_desc" if legacy else "customer.details"
    body = f"""<h1>Support</h1>
<form action="{url}" method="get">
  Session Key: <input type="text" name="short_key" /> <input type="submit" value="Submit" />
</form>
<h2>Representatives</h2>
<ul id="reps">
{links}
</ul>
<h2>Issue</h2>
<form action="{url}" method="post">
  <input type="hidden" name="issue_menu" value="1" />
  <select name="{issue}">
{issues}
  </select>
  Name: <input type="text" name="{customer}name" maxlength="{MAX_CUSTOMER}" />
  Company: <input type="text" name="{customer}company" maxlength="{MAX_CUSTOMER}" />
  Description: <textarea name="{details}"></textarea>
  <input type="submit" value="Submit" />
</form>"""
    return page("Support", body)


# --- start_session.js ---------------------------------------------------------------------------------------

START_SESSION_JS = r"""/* start_session.js of the rs-harness embedded appliance: a minimal BG object for
   BG.setSite(hostname) and BG.start(startType, options), as the BeyondTrust API guide describes them. It
   builds the /api/start_session URL from the options. FULL downloads the customer client in this window;
   CHAT opens click-to-chat in a small pop-up window (in this window when the pop-up is blocked, unless
   uiOptions.fallbackToFullWindow is false); BROWSER starts the same web customer client as CHAT (this
   appliance has no collaborative browser sharing client). */
(function (root) {
  "use strict";
  var scheme = "__SCHEME__";
  var site = null;

  function add(query, name, value) {
    if (value !== undefined && value !== null) {
      query.push(encodeURIComponent(name) + "=" + encodeURIComponent(String(value)));
    }
  }

  function formInputs(form, query) {
    var elements = form.elements || form.querySelectorAll("input, select, textarea");
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      if (!el.name || el.disabled) { continue; }
      add(query, el.name === "skills" ? "session.skills" : el.name, el.value);
    }
  }

  function url(startType, options) {
    if (site === null) { throw new Error("BG.setSite(hostname) must be called first"); }
    if (startType !== BG.START_TYPE.CHAT && startType !== BG.START_TYPE.BROWSER &&
        startType !== BG.START_TYPE.FULL) {
      throw new Error("startType must be BG.START_TYPE.CHAT, BG.START_TYPE.BROWSER or BG.START_TYPE.FULL");
    }
    options = options || {};
    var given = ["sessionKey", "rep", "issue"].filter(function (k) { return options[k] !== undefined; });
    if (given.length !== 1) { throw new Error("give exactly one start method: sessionKey, rep or issue"); }
    var query = [];
    if (options.sessionKey !== undefined) {
      add(query, "short_key", options.sessionKey);
    } else if (options.rep !== undefined) {
      add(query, "id", options.rep.id);
      add(query, "name", options.rep.name);
    } else {
      add(query, "issue_menu", 1);
      if (options.issue.nodeType === 1) {
        formInputs(options.issue, query);
      } else {
        add(query, "id", options.issue.id);
        add(query, "codeName", options.issue.codeName);
      }
    }
    if (options.skills !== undefined) {
      add(query, "session.skills", [].concat(options.skills).join(","));
    }
    var customer = options.customer || {};
    ["name", "company", "company_code", "details"].forEach(function (k) {
      add(query, "customer." + k, customer[k]);
    });
    add(query, "locale", options.locale);
    var attributes = options.attributes || {};
    Object.keys(attributes).forEach(function (k) { add(query, "session.custom." + k, attributes[k]); });
    if (startType !== BG.START_TYPE.FULL) { add(query, "c2cjs", 1); }
    return scheme + "://" + site + "/api/start_session?" + query.join("&");
  }

  var BG = {
    START_TYPE: { CHAT: "chat", BROWSER: "browser", FULL: "full" },
    setSite: function (hostname) { site = String(hostname); },
    start: function (startType, options) {
      var target = url(startType, options);
      if (startType === BG.START_TYPE.FULL) {
        root.location.href = target;
        return;
      }
      var ui = (options && options.uiOptions) || {};
      var popup = root.open(target, "bomgar_c2c", "width=420,height=580,resizable=yes,scrollbars=yes");
      if (!popup && ui.fallbackToFullWindow !== false) {
        root.location.href = target;
      }
    }
  };
  root.BG = BG;
})(typeof window !== "undefined" ? window : this);
"""


async def start_session_js(request: Request) -> Response:
    scheme = "https" if request.url.scheme == "https" else "http"
    return Response(
        START_SESSION_JS.replace("__SCHEME__", scheme), media_type="application/javascript; charset=utf-8"
    )


def routes(appliance) -> list:
    return [
        Route("/api/start_session", start_session_endpoint, methods=["GET", "POST"]),
        # API 1.12.0: ".ns has been deprecated from the API calls. It is still available for backward
        # compatibility" (start_session.ns is now start_session)
        Route("/api/start_session.ns", start_session_endpoint, methods=["GET", "POST"]),
        Route("/api/start_session.js", start_session_js, methods=["GET"]),
        Route("/", public_site_endpoint, methods=["GET", "POST"]),
    ]
