"""The single-file HTML certification report: what a vendor reads (DESIGN.md, "Verdicts and traceability").

One self-contained file: inline CSS, a few lines of inline JS for filtering (the report reads the same with
JS off: the filters stay hidden and the expandable parts are <details>). Everything shown comes from the
appliance or from the run and is untrusted: every value goes through `_e`, which redacts (the last line of
defence for secrets; the evidence is already redacted) and then HTML-escapes. Redaction works on the plain
value, never on the assembled markup, where its patterns could eat tags.
"""

from __future__ import annotations

import html
import os
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from harness import verdicts
from harness.redact import REDACTOR

EMBEDDED_NOTICE = "This run certified the embedded reference appliance, not a real appliance."
SHORT_REASON = 300  # characters of a reason in the compact tables; the full text is in the check's entry

BASES = {
    "documented": "the guide states it. A FAIL here is a departure from the published API.",
    "field": "seen in real appliance traffic or real client code, where the guide is silent or differs. "
    "A FAIL here means the target behaves unlike deployed appliances that clients rely on.",
    "inferred": "the harness's reading where the guide is silent. A FAIL here rests on inference: "
    "it may be a question of interpretation rather than a defect.",
}
LEVELS = {
    "MUST": "an explicit rule of the guide; not meeting it is a FAIL.",
    "SHOULD": "a soft rule; not meeting it is a WARN and does not fail the run.",
}
VERDICT_HELP = {
    verdicts.FAIL: "the target does not meet the requirement",
    verdicts.WARN: "a SHOULD not met, or a deviation within known real-world variants",
    verdicts.PASS: "the target meets the requirement",
    verdicts.NA: "the feature is absent, unlicensed or disabled on this build, or predates its API version",
    verdicts.NOT_TESTED: "the harness could not or may not test it here (profile, account, no check yet)",
}
RANK = {v: i for i, v in enumerate(verdicts.VERDICTS)}


def _e(value: object) -> str:
    """Redacted, then escaped: the only way a value reaches the page."""
    return html.escape(REDACTOR.text("" if value is None else str(value)), quote=True)


def _short(text: str, limit: int = SHORT_REASON) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _badge(verdict: str) -> str:
    return f'<span class="badge v-{_e(verdict)}" title="{_e(VERDICT_HELP.get(verdict, ""))}">{_e(verdict)}</span>'


def _utc(ts: float | None) -> str:
    if ts is None:
        return "unknown"
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return (f"{hours} h " if hours else "") + f"{minutes} min {secs:02d} s"


def _yes_no(value: object) -> object:
    return ("yes" if value else "no") if isinstance(value, bool) else value


class _Index:
    """Lookups shared by the sections, built once so no section scans the whole run per row."""

    def __init__(self, data: dict) -> None:
        self.checks: list[dict] = data["checks"]
        self.anchor = {c["id"]: f"c{n}" for n, c in enumerate(self.checks)}
        self.by_id = {c["id"]: c for c in self.checks}
        self.reqs: list[dict] = data["requirements"]
        self.req = {r["id"]: r for r in self.reqs}
        self.areas = list(dict.fromkeys(r["area"] for r in self.reqs))
        self.detailed = {c["id"] for c in self.checks if c["verdict"] in (verdicts.FAIL, verdicts.WARN)}

    def check_link(self, check_id: str) -> str:
        check = self.by_id.get(check_id)
        name = check["name"] if check else check_id
        return (
            f'<a href="#{self.anchor[check_id]}" title="{_e(check_id)}">{_e(name)}</a>' if check else _e(name)
        )

    def req_link(self, req_id: str) -> str:
        if req_id in self.req:
            return f'<a href="#req-{_e(req_id)}">{_e(req_id)}</a>'
        return _e(req_id)  # not in the catalogue: the plugin refuses such checks, but never link nowhere

    def accepted_only(self, req: dict) -> bool:
        """A FAILed requirement whose every FAILed check the expected-failures file accepts."""
        failed = [self.by_id[c] for c in req["checks"] if self.by_id[c]["verdict"] == verdicts.FAIL]
        return bool(failed) and all(c["expected_failure"] is not None for c in failed)


# -- sections -----------------------------------------------------------------------------------------------


def _outcome(data: dict) -> str:
    """PASS only for a run that finished with nothing FAILed: INTERRUPTED and NOT_CERTIFIED are their own."""
    outcome = data.get("outcome")
    if outcome in ("PASS", "FAIL", "NOT_CERTIFIED", "INTERRUPTED"):
        return outcome
    return verdicts.PASS if data.get("passed") else verdicts.FAIL


def _header(data: dict, index: _Index) -> str:
    target = data["target"] or {}
    passed = data["passed"]
    overall = _outcome(data)
    failed = [c for c in index.checks if c["verdict"] == verdicts.FAIL]
    accepted = [c for c in failed if c["expected_failure"] is not None]
    gate = data["expected_failures"]["gate_problems"]
    if overall == "NOT_CERTIFIED":
        why = f"Nothing was judged: {data.get('not_certified')}"
    elif overall == "INTERRUPTED":
        planned = data.get("planned_checks")
        of = f" of {planned}" if planned else ""
        why = (
            f"The run was interrupted by {data.get('interrupted_by')} after {len(index.checks)}{of} checks: "
            "it is incomplete and certifies nothing. What it found so far is listed below."
        )
        if len(failed) > len(accepted):
            why += f" {len(failed) - len(accepted)} check(s) FAILed before the interruption."
    elif passed:
        tested = sum(n for v, n in (data.get("requirement_counts") or {}).items() if v != verdicts.NOT_TESTED)
        why = f"Nothing FAILed; {tested} of {len(data['requirements'])} requirements tested."
        if accepted:
            why += f" {len(accepted)} failure(s) accepted by the expected-failures file (listed below)."
    else:
        parts = []
        if len(failed) > len(accepted):
            parts.append(f"{len(failed) - len(accepted)} check(s) FAILed")
        if gate:
            parts.append(f"the expected-failures gate reported {len(gate)} problem(s)")
        if data.get("min_tested_problem"):
            parts.append(data["min_tested_problem"])
        why = "; ".join(parts) + "." if parts else "The run did not pass."
        why = why[0].upper() + why[1:]
    out = [
        "<header>",
        "<h1>rs-harness certification report</h1>",
        f'<div class="overall v-{overall}" id="overall" role="status">{overall.replace("_", " ")}</div>',
        f'<p class="why" id="overall-why">{_e(why)}</p>',
    ]
    if target.get("embedded"):
        notice = EMBEDDED_NOTICE
        if target.get("faults"):  # a test of the tester: the appliance deviated from the guide on purpose
            notice += f" It served with fault profiles: {', '.join(target['faults'])}."
        out.append(f'<p class="embedded" id="embedded-notice"><strong>{_e(notice)}</strong></p>')
    namespaces = target.get("namespaces") or {}
    rows = [
        ("Target", target.get("name")),
        ("URL", target.get("url")),
        ("Embedded reference appliance", "yes" if target.get("embedded") else "no"),
        ("Company name", target.get("company_name")),
        ("API version", target.get("api_version")),
        ("Build", target.get("build")),
        ("Namespaces", "; ".join(f"{k}: {v or 'none'}" for k, v in namespaces.items()) or None),
        ("Profile", target.get("profile")),
        ("TLS verification", _yes_no(target.get("tls_verify"))),
        ("API accounts", ", ".join(target.get("accounts") or []) or None),
        ("Run ID", data["run_id"]),
        ("Started (UTC)", _utc(data["started"])),
        ("Finished (UTC)", _utc(data["finished"])),
        ("Duration", _duration(data["seconds"])),
        ("Harness", f"{data['harness']['name']} {data['harness']['version']}"),
    ]
    out.append('<table class="identity" id="identity">')
    out += [f"<tr><th>{_e(k)}</th><td>{_e('unknown' if v is None else v)}</td></tr>" for k, v in rows]
    out += ["</table>", "</header>"]
    return "\n".join(out)


def _counts(data: dict, index: _Index) -> str:
    checks = data["counts"]
    reqs = Counter(r["verdict"] for r in index.reqs)
    accepted = sum(1 for c in index.checks if c["expected_failure"] is not None)
    head = "".join(f"<th>{_badge(v)}</th>" for v in verdicts.VERDICTS)
    check_cells = "".join(f"<td>{checks.get(v, 0)}</td>" for v in verdicts.VERDICTS)
    req_cells = "".join(f"<td>{reqs.get(v, 0)}</td>" for v in verdicts.VERDICTS)
    out = [
        '<section id="counts"><h2>Verdicts</h2>',
        f'<table class="counts"><tr><th></th>{head}<th>total</th></tr>',
        f'<tr id="count-checks"><th>Checks</th>{check_cells}<td>{len(index.checks)}</td></tr>',
        f'<tr id="count-requirements"><th>Requirements</th>{req_cells}<td>{len(index.reqs)}</td></tr>',
        "</table>",
    ]
    if accepted:
        out.append(f"<p>{accepted} of the FAILed checks are accepted by the expected-failures file.</p>")
    failed_bases = Counter(r["basis"] for r in index.reqs if r["verdict"] == verdicts.FAIL)
    if failed_bases:
        by_basis = ", ".join(f"{_e(b)} {n}" for b, n in sorted(failed_bases.items()))
        out.append(f"<p>FAILed requirements by basis (see the legend below): {by_basis}.</p>")
    out.append("</section>")
    return "\n".join(out)


def _expected(data: dict, index: _Index) -> str:
    info = data["expected_failures"]
    accepted = [c for c in index.checks if c["expected_failure"] is not None]
    out = ['<section id="expected"><h2>Expected failures</h2>']
    out.append(f"<p>Expected-failures file: {_e(info['file'] or 'none')}</p>")
    if info["gate_problems"]:
        out.append('<h3 class="gate">Gate problems (each fails the run)</h3><ul id="gate-problems">')
        out += [f"<li>{_e(p)}</li>" for p in info["gate_problems"]]
        out.append("</ul>")
    elif info["file"]:
        out.append("<p>The expected-failures gate found no problem.</p>")
    if accepted:
        out.append(
            '<h3>Accepted failures</h3><table id="accepted"><tr><th>Check</th><th>Requirements</th>'
            "<th>Accepted because</th></tr>"
        )
        for c in accepted:
            reqs = " ".join(index.req_link(r) for r in c["requirements"])
            out.append(
                f"<tr><td>{index.check_link(c['id'])}</td><td>{reqs}</td>"
                f"<td>{_e(c['expected_failure'])}</td></tr>"
            )
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


def _legend() -> str:
    out = ['<details class="legend" id="legend" open><summary>Legend: basis, level, verdicts</summary><dl>']
    out += [f"<dt>basis <b>{_e(k)}</b></dt><dd>{_e(v)}</dd>" for k, v in BASES.items()]
    out += [f"<dt>level <b>{_e(k)}</b></dt><dd>{_e(v)}</dd>" for k, v in LEVELS.items()]
    out += [f"<dt>{_badge(k)}</dt><dd>{_e(v)}</dd>" for k, v in VERDICT_HELP.items()]
    out.append("</dl></details>")
    return "\n".join(out)


def _filters(table_id: str, values: dict[str, list[str]]) -> str:
    """Filter controls for a table; hidden until the inline script shows them (useless with JS off)."""
    selects = []
    for key, options in values.items():
        opts = '<option value="">all</option>' + "".join(
            f'<option value="{_e(o)}">{_e(o)}</option>' for o in options
        )
        selects.append(f'<label>{_e(key)} <select data-key="{_e(key)}">{opts}</select></label>')
    return (
        f'<div class="filters" data-for="{table_id}" hidden>{" ".join(selects)} '
        '<span class="shown"></span></div>'
    )


def _matrix(index: _Index) -> str:
    area_rank = {a: i for i, a in enumerate(index.areas)}
    order = sorted(
        range(len(index.reqs)),
        key=lambda i: (area_rank[index.reqs[i]["area"]], RANK.get(index.reqs[i]["verdict"], 99), i),
    )
    present = [v for v in verdicts.VERDICTS if any(r["verdict"] == v for r in index.reqs)]
    out = [
        '<section id="traceability"><h2>Requirement traceability</h2>',
        (
            "<p>One row per requirement of the catalogue, by area; within an area the worst verdicts first. "
            "A failure is charged to the requirement it breaks; a check's other requirements are PASS when it "
            "ran to its end and NOT_TESTED (not reached) when it stopped first. A requirement takes the worst "
            "verdict its checks give it.</p>"
        ),
        _legend(),
        _filters("matrix", {"verdict": present, "area": index.areas}),
        (
            '<table class="matrix" id="matrix"><thead><tr><th>ID</th><th>Area</th><th>Guide section</th>'
            "<th>Level</th><th>Basis</th><th>Verdict</th><th>Reason</th><th>Checks</th></tr></thead><tbody>"
        ),
    ]
    for i in order:
        r = index.reqs[i]
        note = (
            ' <span class="tag">accepted</span>'
            if r["verdict"] == verdicts.FAIL and index.accepted_only(r)
            else ""
        )
        checks = "<br>".join(index.check_link(c) for c in r["checks"]) or "—"
        out.append(
            f'<tr id="req-{_e(r["id"])}" data-verdict="{_e(r["verdict"])}" data-area="{_e(r["area"])}">'
            f'<td class="id" title="{_e(r["text"])}">{_e(r["id"])}</td><td>{_e(r["area"])}</td>'
            f"<td>{_e(r['section'])}<br><small>{_e(r['guide'])}</small></td><td>{_e(r['level'])}</td>"
            f'<td class="basis-{_e(r["basis"])}">{_e(r["basis"])}</td><td>{_badge(r["verdict"])}{note}</td>'
            f'<td class="reason">{_e(_short(r["reason"]))}</td><td>{checks}</td></tr>'
        )
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _headers_text(headers: object) -> str:
    items = headers.items() if isinstance(headers, dict) else (headers or [])
    return "".join(f"{k}: {v}\n" for k, v in items)


def _exchange(number: int, ex: dict, is_open: bool) -> str:
    req, resp = ex.get("request") or {}, ex.get("response") or {}
    status = resp.get("status")
    summary = (
        f"#{number} {req.get('method', '?')} {req.get('url', '?')} → "
        f"{status if status is not None else 'no response'} ({ex.get('seconds', 0)} s)"
    )
    request = f"{req.get('method', '?')} {req.get('url', '?')}\n{_headers_text(req.get('headers'))}"
    if req.get("body"):
        request += f"\n{req['body']}"
    response = f"HTTP {status if status is not None else '—'}\n{_headers_text(resp.get('headers'))}"
    if resp.get("body"):
        response += f"\n{resp['body']}"
    out = [f'<details class="exchange"{" open" if is_open else ""}><summary>{_e(summary)}</summary>']
    if ex.get("error"):
        out.append(f'<p class="error">Error: {_e(ex["error"])}</p>')
    out.append(f'<h5>Request</h5><pre class="request">{_e(request)}</pre>')
    out.append(f'<h5>Response</h5><pre class="response">{_e(response)}</pre></details>')
    return "\n".join(out)


def _detail(check: dict, index: _Index) -> str:
    out = [
        f'<article class="detail v-{_e(check["verdict"])}" id="d{index.anchor[check["id"]][1:]}">',
        f"<h3>{_badge(check['verdict'])} {_e(check['name'])}</h3>",
        (
            f'<p class="nodeid"><code>{_e(check["id"])}</code> · {check["seconds"]} s · '
            f'<a href="#{index.anchor[check["id"]]}">in the table of checks</a></p>'
        ),
    ]
    if check["expected_failure"] is not None:
        out.append(
            f'<p class="accepted">Accepted by the expected-failures file: {_e(check["expected_failure"])}</p>'
        )
    out.append(f'<p class="reason">{_e(check["reason"] or "no reason given")}</p><ul class="reqs">')
    for req_id in check["requirements"]:
        r = index.req.get(req_id)
        if r is None:
            out.append(f"<li>{_e(req_id)} (not in the catalogue)</li>")
            continue
        out.append(
            f"<li>{index.req_link(req_id)} {_e(r['level'])} · basis {_e(r['basis'])} · {_e(r['section'])} "
            f"({_e(r['guide'])})<blockquote>{_e(r['text'])}</blockquote></li>"
        )
    out.append("</ul>")
    evidence = check["evidence"] or []
    if evidence:
        out.append(f"<h4>Evidence: {len(evidence)} exchange(s), the latest last</h4>")
        out += [_exchange(n + 1, ex, n == len(evidence) - 1) for n, ex in enumerate(evidence)]
    else:
        out.append('<p class="muted">No HTTP exchange was recorded for this check.</p>')
    out.append("</article>")
    return "\n".join(out)


def _problems(index: _Index) -> str:
    def key(c: dict) -> tuple:
        # new failures, then accepted ones, then warnings
        return (RANK[c["verdict"]], c["expected_failure"] is not None)

    problems = sorted((c for c in index.checks if c["id"] in index.detailed), key=key)
    out = ['<section id="problems"><h2>Failures and warnings</h2>']
    if not problems:
        out.append("<p>No check FAILed or WARNed.</p>")
    out += [_detail(c, index) for c in problems]
    out.append("</section>")
    return "\n".join(out)


def _all_checks(index: _Index) -> str:
    present = [v for v in verdicts.VERDICTS if any(c["verdict"] == v for c in index.checks)]
    out = [
        '<section id="checks"><h2>All checks</h2>',
        _filters("checks-table", {"verdict": present}),
        (
            '<table class="checks" id="checks-table"><thead><tr><th>Verdict</th><th>Check</th>'
            "<th>Requirements</th><th>Seconds</th><th>Reason</th></tr></thead><tbody>"
        ),
    ]
    for c in index.checks:
        anchor = index.anchor[c["id"]]
        name = _e(c["name"])
        if c["id"] in index.detailed:
            name = f'<a href="#d{anchor[1:]}">{name}</a>'
        reqs = " ".join(index.req_link(r) for r in c["requirements"])
        out.append(
            f'<tr id="{anchor}" data-verdict="{_e(c["verdict"])}"><td>{_badge(c["verdict"])}</td>'
            f'<td title="{_e(c["id"])}">{name}</td><td>{reqs}</td><td class="num">{c["seconds"]}</td>'
            f'<td class="reason">{_e(_short(c["reason"]))}</td></tr>'
        )
    out.append("</tbody></table></section>")
    return "\n".join(out)


def _untested(index: _Index) -> str:
    skipped = (verdicts.NOT_TESTED, verdicts.NA)
    checks = sorted((c for c in index.checks if c["verdict"] in skipped), key=lambda c: RANK[c["verdict"]])
    reqs = sorted((r for r in index.reqs if r["verdict"] in skipped), key=lambda r: RANK[r["verdict"]])
    out = [
        '<section id="untested"><h2>Not tested and not applicable</h2>',
        "<p>What this run did not establish, and why: a vendor should read these as open, not as passed.</p>",
        f"<h3>Checks ({len(checks)})</h3>",
    ]
    if checks:
        out.append(
            '<table id="untested-checks"><tr><th>Verdict</th><th>Check</th><th>Requirements</th>'
            "<th>Reason</th></tr>"
        )
        out += [
            f"<tr><td>{_badge(c['verdict'])}</td><td>{index.check_link(c['id'])}</td>"
            f"<td>{' '.join(index.req_link(r) for r in c['requirements'])}</td>"
            f'<td class="reason">{_e(c["reason"])}</td></tr>'
            for c in checks
        ]
        out.append("</table>")
    out.append(f"<h3>Requirements ({len(reqs)})</h3>")
    if reqs:
        out.append(
            '<table id="untested-requirements"><tr><th>Verdict</th><th>ID</th><th>Area</th><th>Level</th>'
            "<th>Basis</th><th>Reason</th></tr>"
        )
        out += [
            f"<tr><td>{_badge(r['verdict'])}</td><td>{index.req_link(r['id'])}</td><td>{_e(r['area'])}</td>"
            f'<td>{_e(r["level"])}</td><td>{_e(r["basis"])}</td><td class="reason">{_e(r["reason"])}</td></tr>'
            for r in reqs
        ]
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


# -- page ---------------------------------------------------------------------------------------------------

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1400px;
padding:1em 2em;color:#1a1a1a}
h1{font-size:1.4em;margin:.2em 0}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0;width:100%}th,td{border:1px solid #ddd;padding:3px 6px;
text-align:left;vertical-align:top}thead th{background:#f3f3f3;position:sticky;top:0}
table.identity,table.counts{width:auto}table.counts td{text-align:right;min-width:4em}
.overall{font-size:3.5em;font-weight:800;letter-spacing:.08em;color:#fff;display:inline-block;
padding:.1em .6em;border-radius:8px;margin:.2em 0}
.why{font-size:1.2em;font-weight:600}
.embedded{background:#fff3cd;border:2px solid #b26a00;padding:.6em 1em;font-size:1.15em;border-radius:6px}
.badge{display:inline-block;color:#fff;font-weight:700;font-size:.8em;padding:1px 6px;border-radius:4px;
white-space:nowrap}
.v-FAIL.badge,.overall.v-FAIL{background:#b00020}.v-WARN.badge{background:#a85d00}
.v-PASS.badge,.overall.v-PASS{background:#1b7f3b}.overall.v-INTERRUPTED{background:#5b2a86}
.overall.v-NOT_CERTIFIED{background:#444}.v-NA.badge{background:#6b7280}
.v-NOT_TESTED.badge{background:#3b5b8c}
.tag{font-size:.75em;border:1px solid #888;border-radius:3px;padding:0 3px;color:#555}
.reason{white-space:pre-wrap;overflow-wrap:anywhere}.id{white-space:nowrap;font-family:monospace}
.basis-inferred{font-style:italic;color:#7a3e00}.num{text-align:right}
pre{background:#f6f8fa;border:1px solid #ddd;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere;
max-height:40em;overflow:auto;font-size:12px}
article.detail{border-left:5px solid #ccc;padding:.2em 1em;margin:1em 0}
article.v-FAIL{border-color:#b00020}article.v-WARN{border-color:#a85d00}
blockquote{margin:.3em 0 .3em 1em;padding-left:.6em;border-left:3px solid #ccc;color:#333}
summary{cursor:pointer;overflow-wrap:anywhere}.gate{color:#b00020}.accepted{color:#555;font-style:italic}
.error{color:#b00020}.muted{color:#666}.filters{margin:.5em 0}.filters label{margin-right:1em}
.legend dt{font-weight:normal;margin-top:.3em}.legend dd{margin-left:1.5em}
@media print{.filters{display:none}thead th{position:static}}
"""

# Filtering only: each .filters bar narrows the rows of its table by their data-* attributes.
SCRIPT = """
document.querySelectorAll('.filters').forEach(function (bar) {
  var rows = document.querySelectorAll('#' + bar.dataset.for + ' tbody tr');
  var selects = bar.querySelectorAll('select'), shown = bar.querySelector('.shown');
  function apply() {
    var n = 0;
    rows.forEach(function (row) {
      var ok = true;
      selects.forEach(function (s) { if (s.value && row.dataset[s.dataset.key] !== s.value) ok = false; });
      row.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + ' of ' + rows.length + ' shown';
  }
  selects.forEach(function (s) { s.addEventListener('change', apply); });
  bar.hidden = false;
  apply();
});
"""


def render(results) -> str:
    """The report page for a harness.results.RunResults."""
    data = results.to_json()
    index = _Index(data)
    overall = _outcome(data).replace("_", " ")
    title = (
        f"rs-harness {overall}: {(data['target'] or {}).get('name') or 'unknown target'} ({data['run_id']})"
    )
    body = [
        _header(data, index),
        (
            '<nav><a href="#counts">Verdicts</a> · <a href="#expected">Expected failures</a> · '
            '<a href="#traceability">Traceability</a> · <a href="#problems">Failures and warnings</a> · '
            '<a href="#checks">All checks</a> · <a href="#untested">Not tested / NA</a></nav>'
        ),
        "<main>",
        _counts(data, index),
        _expected(data, index),
        _matrix(index),
        _problems(index),
        _all_checks(index),
        _untested(index),
        "</main>",
    ]
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + f"\n<script>{SCRIPT}</script>\n</body></html>\n"
    )


def write_html(results, directory: str | os.PathLike) -> Path:
    """Write <directory>/report.html and return its path."""
    path = Path(directory) / "report.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(results), encoding="utf-8")
    return path
