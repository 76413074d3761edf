"""Session generation of a 1.7.0 appliance (Bomgar 12.1 guide, "About the Session Generation API" to
"Starting Sessions with External Keys"): /api/start_session.ns and click-to-chat's /api/clicktochat.js.

The 12.1 parameters are start_session.py's under their 12.1 names (RENAMED; KEPT keep theirs): a
representative (`id`, `name`, `external_key`, `platform`), an issue submission survey (`issue_menu=1`,
`customer_name`, `customer_company`, `customer_company_code`, `customer_desc`, `id`, `external_key`), a
session key (`short_key`, `external_key`). Parameters 12.1 does not have (the session.custom.*, customer.*,
locale, codeName, priority and skills of later guides) are ignored, as the guide's appliance ignores unknown
form inputs. The rest is start_session.py's behaviour and answers (download or click-to-chat page, error
pages and statuses), with one difference the 12.1 guide states: issue_menu=1 without an issue (no `id`, or
`id=0`) starts the session in the general queue ("If not specified, the session will go to the general
queue if this queue is enabled"; "0 for the general queue (if enabled)"; it is enabled here).

Choices where the guide is silent: customer_desc is limited as customer.details is (1024 bytes of UTF-8;
the guide says 1024 characters, the same for ASCII); click-to-chat is asked with `c2cjs=1`, the parameter
start_session.py reads, which the clicktochat.js served here sends (the 12.1 guide documents only the
JavaScript functions).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from harness.appliance import start_session
from harness.appliance.start_session import StartError, error_page

RENAMED = {
    "customer_name": "customer.name",
    "customer_company": "customer.company",
    "customer_company_code": "customer.company_code",
    "customer_desc": "customer.details",
    "external_key": "session.custom.external_key",
}
KEPT = ("id", "name", "issue_menu", "short_key", "platform", "c2cjs")


def translate(params: dict[str, str]) -> dict[str, str]:
    """A 12.1 request's parameters under the names start_session.plan reads; the others dropped."""
    return {RENAMED.get(k, k): v for k, v in params.items() if k in RENAMED or k in KEPT}


async def endpoint(request: Request) -> Response:
    try:
        params = await start_session.read_params(request)
    except StartError as exc:
        return error_page(exc)
    return await start_session.answer(request, translate(params), via_key_url=False, general_queue=True)


# The 12.1 guide's click-to-chat functions (its "BG.startChatWithRepldName" is an OCR slip of RepIdName,
# the spelling of its own example). Each opens /api/start_session.ns with c2cjs=1 in a small pop-up window;
# when the pop-up is blocked and fallbackToFullWindow is true, the page itself goes there.
CLICKTOCHAT_JS = r"""/* clicktochat.js of the rs-harness embedded appliance (Bomgar 12.1 API guide, "Starting
   Sessions with Click-To-Chat"). */
(function (root) {
  "use strict";
  var site = null;

  function query(pairs) {
    return pairs.filter(function (p) { return p[1] !== undefined && p[1] !== null; }).map(function (p) {
      return encodeURIComponent(p[0]) + "=" + encodeURIComponent(String(p[1]));
    }).join("&");
  }

  function start(pairs, fallbackToFullWindow) {
    if (site === null) { throw new Error("BG.setSite(url) must be called first"); }
    var url = site + "/api/start_session.ns?" + query(pairs.concat([["c2cjs", 1]]));
    var popup = root.open(url, "bomgar_c2c", "width=420,height=580,resizable=yes,scrollbars=yes");
    if (!popup && fallbackToFullWindow) { root.location.href = url; }
    return url;
  }

  function formPairs(form) {
    var pairs = [];
    var elements = form.elements || form.querySelectorAll("input, select, textarea");
    for (var i = 0; i < elements.length; i++) {
      var el = elements[i];
      if (el.name && !el.disabled && el.type !== "submit") { pairs.push([el.name, el.value]); }
    }
    return pairs;
  }

  root.BG = {
    setSite: function (url) { site = String(url).replace(/\/+$/, ""); },
    startChatWithSessionKey: function (sessionKey, fallbackToFullWindow) {
      return start([["short_key", sessionKey]], fallbackToFullWindow);
    },
    startChatWithSessionKeyAndExternalKey: function (sessionKey, externalKey, fallbackToFullWindow) {
      return start([["short_key", sessionKey], ["external_key", externalKey]], fallbackToFullWindow);
    },
    startChatWithRepIdName: function (repId, repName, fallbackToFullWindow) {
      return start([["id", repId], ["name", repName]], fallbackToFullWindow);
    },
    startChatWithIssueId: function (issueId, fallbackToFullWindow) {
      return start([["issue_menu", 1], ["id", issueId]], fallbackToFullWindow);
    },
    startChatWithIssueForm: function (formElement, fallbackToFullWindow) {
      var pairs = formPairs(formElement).filter(function (p) { return p[0] !== "issue_menu"; });
      return start([["issue_menu", 1]].concat(pairs), fallbackToFullWindow);
    }
  };
})(typeof window !== "undefined" ? window : this);
"""


async def clicktochat_js(request: Request) -> Response:
    return Response(CLICKTOCHAT_JS, media_type="application/javascript; charset=utf-8")
