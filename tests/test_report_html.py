"""The HTML certification report: one self-contained file, the right overall verdict, every requirement,
and nothing from the appliance or the run's secrets reaching the page unescaped or unredacted."""

from __future__ import annotations

import re
import time

import lxml.html
import pytest

from harness import verdicts
from harness.catalogue.requirements import catalogue
from harness.redact import REDACTOR
from harness.report_html import EMBEDDED_NOTICE, write_html
from harness.results import Record, RunResults

HOSTILE = "<script>alert(1)</script>"
SECRET = "s3cr3t-value-123"
EMBEDDED_TARGET = {
    "name": "embedded",
    "url": "http://127.0.0.1:8443",
    "embedded": True,
    "profile": "destructive",
    "tls_verify": False,
    "accounts": ["full", "read_only"],
    "api_version": "1.21.1",
    "namespaces": {"command": "https://www.beyondtrust.com/namespaces/API/command"},
    "company_name": "example",
    "build": "21.3.1",
}
REAL_TARGET = {**EMBEDDED_TARGET, "name": "lab", "url": "https://rs.example.test", "embedded": False}


def req_ids(n: int) -> list[str]:
    return list(catalogue())[:n]


def exchange(
    body: str = "<ok/>", status: int = 200, url: str = "https://rs.example.test/api/command"
) -> dict:
    return {
        "request": {"method": "POST", "url": url, "headers": {"Accept": "text/xml"}, "body": "action=x"},
        "response": {"status": status, "headers": {"Content-Type": "text/xml"}, "body": body},
        "error": None,
        "seconds": 0.01,
    }


def record(n: int, verdict: str, reqs: list[str], reason: str = "", **kw) -> Record:
    """A check's record; a FAIL or WARN is charged to its primary requirement, and a FAIL stopped it."""
    rec = Record(f"suites/test_x.py::test_{n}", f"test_{n}", reqs, verdict, reason, 0.25, **kw)
    if verdict in (verdicts.FAIL, verdicts.WARN):
        rec.charge(reqs[0], verdict, reason)
        rec.stopped_at = reqs[0] if verdict == verdicts.FAIL else None
    return rec


def results(records: list[Record], target: dict = EMBEDDED_TARGET, gate=(), expected_file=None) -> RunResults:
    return RunResults(
        run_id="20240101T000000Z",
        started=1_700_000_000.0,
        finished=1_700_000_042.5,
        target=target,
        records=records,
        requirements=catalogue(),
        gate_problems=list(gate),
        expected_file=expected_file,
    )


def passing() -> RunResults:
    a, b, c = req_ids(3)
    return results([record(1, verdicts.PASS, [a]), record(2, verdicts.PASS, [b, c])])


def failing() -> RunResults:
    a, b, c, d = req_ids(4)
    return results(
        [
            record(1, verdicts.PASS, [a]),
            record(
                2, verdicts.FAIL, [b], "api_version missing", evidence=[exchange(), exchange("<bad/>", 500)]
            ),
            record(3, verdicts.WARN, [c], "a SHOULD not met", evidence=[exchange()]),
            record(4, verdicts.NA, [d], "feature disabled on this build"),
            record(5, verdicts.NOT_TESTED, [a], "needs the standard profile; this run is read-only"),
        ]
    )


def render(run: RunResults, tmp_path) -> tuple[str, lxml.html.HtmlElement]:
    path = write_html(run, tmp_path)
    assert path == tmp_path / "report.html"
    text = path.read_text(encoding="utf-8")
    return text, lxml.html.document_fromstring(text)


def overall(doc) -> str:
    return doc.get_element_by_id("overall").text_content().strip()


def test_one_self_contained_file(tmp_path) -> None:
    _, doc = render(failing(), tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    ids = [e.get("id") for e in doc.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "element ids are unique"
    for element in doc.iter():
        for attr in ("src", "srcset", "action", "data", "poster", "background"):
            assert element.get(attr) is None, (element.tag, attr)
        href = element.get("href")
        if href is not None:
            assert href.startswith("#") and href[1:] in ids, f"href {href!r} is not an anchor on the page"
    assert not doc.xpath("//link|//iframe|//img|//object|//embed|//base|//script[@src]")
    styles = " ".join(s.text_content() for s in doc.xpath("//style"))
    assert "url(" not in styles and "@import" not in styles
    # URLs in text (the guide's wording, evidence) are content; nothing the page runs or styles fetches one
    scripts = " ".join(s.text_content() for s in doc.xpath("//script"))
    assert not re.search(r"https?://|//[a-z]", scripts + styles)


def test_overall_verdict(tmp_path) -> None:
    _, doc = render(passing(), tmp_path / "pass")
    assert overall(doc) == "PASS"
    _, doc = render(failing(), tmp_path / "fail")
    assert overall(doc) == "FAIL"
    assert "FAIL" in doc.find(".//title").text


def test_accepted_failure_passes_and_is_listed(tmp_path) -> None:
    (a,) = req_ids(1)
    run = results(
        [record(1, verdicts.FAIL, [a], "known deviation", expected="vendor ticket 42")],
        expected_file="expected.toml",
    )
    _, doc = render(run, tmp_path)
    assert overall(doc) == "PASS"
    accepted = doc.get_element_by_id("accepted")
    assert "vendor ticket 42" in accepted.text_content()
    row = doc.get_element_by_id(f"req-{a}")
    assert "accepted" in row.text_content()


def test_gate_problems_fail_the_run_and_appear(tmp_path) -> None:
    problem = "expected failure CMD-GAI-001 now passes"
    run = results(passing().records, gate=[problem], expected_file="expected.toml")
    _, doc = render(run, tmp_path)
    assert overall(doc) == "FAIL"
    items = [li.text_content() for li in doc.get_element_by_id("gate-problems").iter("li")]
    assert items == [problem]
    assert "gate" in doc.get_element_by_id("overall-why").text_content()


def test_embedded_notice_iff_embedded(tmp_path) -> None:
    text, doc = render(passing(), tmp_path / "embedded")
    assert doc.get_element_by_id("embedded-notice").text_content() == EMBEDDED_NOTICE
    real = results(passing().records, target=REAL_TARGET)
    text, doc = render(real, tmp_path / "real")
    assert EMBEDDED_NOTICE not in text
    assert doc.get_element_by_id("embedded-notice", None) is None
    assert "https://rs.example.test" in doc.get_element_by_id("identity").text_content()


def test_appliance_text_is_escaped(tmp_path) -> None:
    a, b = req_ids(2)
    hostile = exchange(body=f"<x>{HOSTILE}</x>", url=f"https://rs.example.test/?q={HOSTILE}")
    hostile["response"]["headers"]["X-Evil"] = f'"><img src=x onerror=alert(2)>{HOSTILE}'
    run = results(
        [
            record(1, verdicts.FAIL, [a], f"bad answer {HOSTILE}", evidence=[hostile]),
            record(2, verdicts.NA, [b], HOSTILE),
            Record(f"suites/t.py::test[{HOSTILE}]", f'test["{HOSTILE}"]', [a], verdicts.WARN, HOSTILE),
        ]
    )
    text, doc = render(run, tmp_path)
    scripts = doc.xpath("//script")
    assert len(scripts) == 1 and "alert(" not in scripts[0].text_content()
    assert not doc.xpath("//img") and not doc.xpath("//*[@onerror]")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert HOSTILE not in text
    # shown as text: in the reasons, the evidence body and the check name
    assert any(HOSTILE in pre.text_content() for pre in doc.xpath("//pre[@class='response']"))
    assert HOSTILE in doc.get_element_by_id("problems").text_content()
    assert HOSTILE in doc.get_element_by_id("untested").text_content()


def test_registered_secret_never_appears(tmp_path) -> None:
    REDACTOR.add(SECRET)
    (a,) = req_ids(1)
    leaky = exchange(body=f"<token>{SECRET}</token>", url=f"https://rs.example.test/api?key={SECRET}")
    leaky["request"]["headers"]["X-Key"] = SECRET
    leaky["request"]["body"] = f"client_secret={SECRET}"
    leaky["error"] = f"connection reset after {SECRET}"
    run = results(
        [record(1, verdicts.FAIL, [a], f"echoed {SECRET}", evidence=[leaky])],
        target={**REAL_TARGET, "name": f"lab {SECRET}"},
        gate=[f"gate {SECRET}"],
    )
    text, doc = render(run, tmp_path)
    assert SECRET not in text
    assert "«redacted»" in doc.get_element_by_id("problems").text_content()


def test_every_requirement_in_the_matrix(tmp_path) -> None:
    _, doc = render(failing(), tmp_path)
    rows = doc.xpath("//table[@id='matrix']/tbody/tr")
    assert [r.get("id") for r in rows if r.get("id")] and len(rows) == len(catalogue())
    assert {r.get("id").removeprefix("req-") for r in rows} == set(catalogue())
    by_id = {r.get("id").removeprefix("req-"): r for r in rows}
    _, b, c, d = req_ids(4)
    assert by_id[b].get("data-verdict") == verdicts.FAIL
    assert by_id[c].get("data-verdict") == verdicts.WARN
    assert by_id[d].get("data-verdict") == verdicts.NA
    # the covering check is linked to its entry in the table of checks
    link = by_id[b].xpath(".//a")[0]
    target = doc.get_element_by_id(link.get("href")[1:])
    assert target.tag == "tr" and "test_2" in target.text_content()
    # every basis is explained, so a vendor knows which failures rest on inference
    legend = doc.get_element_by_id("legend").text_content()
    assert all(basis in legend for basis in ("documented", "field", "inferred"))


def test_matrix_sorted_worst_first_within_area(tmp_path) -> None:
    _, doc = render(failing(), tmp_path)
    rows = doc.xpath("//table[@id='matrix']/tbody/tr")
    areas = [r.get("data-area") for r in rows]
    area_order = list(dict.fromkeys(req.area for req in catalogue().values()))
    assert list(dict.fromkeys(areas)) == area_order
    rank = {v: i for i, v in enumerate(verdicts.VERDICTS)}
    for area in area_order:
        ranks = [rank[r.get("data-verdict")] for r in rows if r.get("data-area") == area]
        assert ranks == sorted(ranks)
    assert rows[0].get("data-verdict") == verdicts.FAIL


def test_failures_and_warnings_with_evidence(tmp_path) -> None:
    _, doc = render(failing(), tmp_path)
    details = doc.xpath("//section[@id='problems']/article")
    assert [d.xpath(".//span[contains(@class,'badge')]")[0].text for d in details] == ["FAIL", "WARN"]
    fail = details[0]
    b = req_ids(2)[1]
    assert catalogue()[b].text in fail.xpath(".//blockquote")[0].text_content()
    assert "api_version missing" in fail.text_content()
    exchanges = fail.xpath(".//details[@class='exchange']")
    assert len(exchanges) == 2 and exchanges[-1].get("open") is not None
    response = exchanges[-1].xpath(".//pre[@class='response']")[0].text_content()
    assert response.startswith("HTTP 500") and "Content-Type: text/xml" in response and "<bad/>" in response
    # the table of checks has every check and links FAIL/WARN to their entries
    rows = doc.xpath("//table[@id='checks-table']/tbody/tr")
    assert len(rows) == 5
    assert rows[1].xpath(".//a")[0].get("href") == "#" + fail.get("id")


def test_not_tested_and_na_with_reasons(tmp_path) -> None:
    _, doc = render(failing(), tmp_path)
    section = doc.get_element_by_id("untested").text_content()
    assert "feature disabled on this build" in section
    assert "needs the standard profile" in section
    assert "no check covers it yet" in section  # an uncovered requirement
    assert len(doc.xpath("//table[@id='untested-checks']/tr")) == 1 + 2


def test_readable_without_js(tmp_path) -> None:
    _, doc = render(failing(), tmp_path)
    # the filters need the script, so they start hidden; expanding needs none
    bars = doc.xpath("//div[@class='filters']")
    assert bars and all(bar.get("hidden") is not None for bar in bars)
    assert doc.xpath("//details/summary")


def test_a_large_run_stays_linear(tmp_path) -> None:
    ids = list(catalogue())
    verdict_cycle = [verdicts.PASS] * 7 + [verdicts.FAIL, verdicts.WARN, verdicts.NA]
    records = [
        record(
            n,
            verdict_cycle[n % len(verdict_cycle)],
            [ids[n % len(ids)], ids[(n * 7) % len(ids)]],
            "reason " * 20,
            evidence=[exchange("<r>" + "x" * 4000 + "</r>")] * 6
            if verdict_cycle[n % 10] in (verdicts.FAIL, verdicts.WARN)
            else [],
        )
        for n in range(1000)
    ]
    start = time.monotonic()
    path = write_html(results(records), tmp_path)
    assert time.monotonic() - start < 20
    assert path.stat().st_size < 15_000_000
    doc = lxml.html.parse(str(path)).getroot()
    assert len(doc.xpath("//table[@id='checks-table']/tbody/tr")) == 1000


@pytest.mark.parametrize("target", [{}, {"name": None, "embedded": False}])
def test_unknown_target(tmp_path, target) -> None:
    _, doc = render(results(passing().records, target=target), tmp_path)
    assert overall(doc) == "PASS"
    assert "unknown" in doc.get_element_by_id("identity").text_content()
