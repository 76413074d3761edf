"""The detection matrix: each fault profile served in turn by one long-lived embedded appliance, certified by
the checks of the requirements it breaks; a fault is caught when the run gives exactly its declared verdicts
and nothing else FAILs. `rs-harness faults --matrix DIR` writes it as fault-matrix.json and
fault-matrix.html, the evidence that the harness detects what it claims; tests/test_faults.py asserts it.
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from harness.appliance.fault_profiles import FAULTS
from harness.appliance.faults import Fault
from harness.verdicts import FAIL


@dataclass
class Detection:
    fault: str
    declared: dict[str, str]  # requirement -> the verdict the fault must get
    got: dict[str, str]  # those requirements -> the verdicts the run gave
    other_fails: list[str]  # requirements that FAILed although the fault does not declare them
    exit_code: int
    reasons: list[str]  # the reasons of the checks that did not PASS (for a reader, shortened)

    @property
    def caught(self) -> bool:
        return self.got == self.declared and not self.other_fails


@contextlib.contextmanager
def live_appliance(data_dir: Path) -> Iterator[tuple[object, Path]]:
    """An embedded appliance like certify's own (seed 7, speed 4, the simulation on) in this process, so its
    faults can be switched between runs; (appliance, its target file)."""
    from harness.appliance.app import Appliance, ApplianceConfig
    from harness.appliance.server import running
    from harness.appliance.target_file import write_target_file
    from harness.target import EMBEDDED_SEED, EMBEDDED_SPEED

    appliance = Appliance(ApplianceConfig(data_dir, seed=EMBEDDED_SEED, speed=EMBEDDED_SPEED, simulate=True))
    with running(appliance) as url:
        yield appliance, write_target_file(data_dir, url, appliance.accounts)


def detect(
    appliance,
    target_file: Path,
    fault: Fault,
    reports: Path,
    full: bool = False,
    by_req: dict[str, set[str]] | None = None,
) -> Detection:
    """Certify the checks that judge `fault` (its `select`, else the checks naming its requirements; `full`:
    every check, which also shows that no other check charges a neighbour) while the appliance serves it.
    `by_req` (footprints): only the suite files holding those checks are collected. The console output is
    kept out of the caller's. (Certifying independent faults together was tried: their checks' shared
    fixtures let one fault's deviation reach another's checks, so each fault has a run of its own.)"""
    from harness.certify import certify

    files: tuple[str, ...] = ()
    if by_req is not None and not full and not fault.select:
        files = tuple(sorted({c.split("::")[0] for r in fault.breaks for c in by_req.get(r, ())}))
    appliance.faults.use([fault])
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            code, report_dir = certify(
                reports=str(reports),
                run_id=fault.name,
                target_file=str(target_file),
                profile="destructive",
                select=None if full else fault.select,
                requirements=() if full or fault.select else tuple(fault.breaks),
                files=files,
            )
    finally:
        appliance.faults.use([])
    data = json.loads((report_dir / "results.json").read_text(encoding="utf-8"))
    verdicts = {r["id"]: r["verdict"] for r in data["requirements"]}
    return Detection(
        fault=fault.name,
        declared=dict(fault.breaks),
        got={req_id: verdicts.get(req_id, "absent") for req_id in fault.breaks},
        other_fails=sorted(r for r, v in verdicts.items() if v == FAIL and r not in fault.breaks),
        exit_code=code,
        reasons=[
            f"{c['id']} {c['verdict']}: {c['reason'][:300]}" for c in data["checks"] if c["verdict"] != "PASS"
        ],
    )


def footprints(target_file: Path, reports: Path) -> dict[str, set[str]]:
    """Requirement -> the checks (test functions, parameters left out) that name it, by collecting the
    suites once."""
    import pytest

    from harness.certify import pytest_args
    from harness.plugin import requirement_ids

    class Collector:
        def __init__(self) -> None:
            self.by_req: dict[str, set[str]] = {}

        def pytest_collection_finish(self, session) -> None:
            for item in session.items:
                for req_id in requirement_ids(item):
                    self.by_req.setdefault(req_id, set()).add(item.nodeid.split("[")[0])

    collector = Collector()
    args = pytest_args(reports, run_id="collect", target_file=str(target_file)) + ["--collect-only"]
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main(args, plugins=[collector])
    return collector.by_req


def coverage(detections: list[Detection]) -> dict:
    """The 21.3 guide's MUST requirements some caught fault breaks, how many there are, and those no fault
    breaks with the reason (fault_profiles.UNBROKEN)."""
    from harness.appliance.fault_profiles import UNBROKEN
    from harness.catalogue.requirements import catalogue

    musts = sorted(r.id for r in catalogue().values() if r.level == "MUST" and r.guide == "21.3")
    broken = sorted({req for d in detections if d.caught for req in d.declared} & set(musts))
    unbroken = {req: UNBROKEN.get(req, "no caught fault breaks it") for req in musts if req not in broken}
    return {"must_requirements": len(musts), "broken_by_a_fault": len(broken), "broken": broken,
            "unbroken": unbroken}  # fmt: skip


def run_matrix(out_dir: Path, full: bool = False) -> list[Detection]:
    """Every fault, one appliance; writes fault-matrix.json and fault-matrix.html into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="rs-harness-faults-") as tmp,
        live_appliance(Path(tmp) / "appliance") as (appliance, target_file),
    ):
        reports = Path(tmp) / "reports"
        by_req = footprints(target_file, reports)
        found = [detect(appliance, target_file, f, reports, full, by_req) for f in FAULTS.values()]
    summary = coverage(found)
    checks = "every check" if full else "the checks that judge each fault"
    doc = {"checks": checks, "faults": [asdict(d) | {"caught": d.caught} for d in found], "coverage": summary}
    (out_dir / "fault-matrix.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    (out_dir / "fault-matrix.html").write_text(matrix_html(found, summary, checks), encoding="utf-8")
    return found


def matrix_html(found: list[Detection], summary: dict, checks: str) -> str:
    """A page whose <section id="fault-matrix"> is the matrix: fault, what it does, declared and given
    verdicts, caught or not."""
    e = html.escape
    rows = []
    for d in found:
        fault = FAULTS[d.fault]
        declared = ", ".join(f"{r} {v}" for r, v in d.declared.items())
        got = ", ".join(f"{r} {v}" for r, v in d.got.items())
        extra = f"; also FAILed: {', '.join(d.other_fails)}" if d.other_fails else ""
        rows.append(
            f'<tr class="{"caught" if d.caught else "missed"}"><td><code>{e(d.fault)}</code></td>'
            f"<td>{e(fault.doc)}</td><td>{e(declared)}</td><td>{e(got + extra)}</td>"
            f"<td>{'caught' if d.caught else 'MISSED'}</td></tr>"
        )
    caught = sum(d.caught for d in found)
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>rs-harness fault matrix</title>'
        "<style>body{font:14px sans-serif;margin:2em}td,th{border:1px solid #ccc;padding:4px;vertical-align:top}"
        "table{border-collapse:collapse}.missed{background:#fdd}</style>"
        '<section id="fault-matrix"><h2>Detection matrix</h2>'
        f"<p>Run with {e(checks)}: {caught} of {len(found)} fault profiles caught with exactly their declared "
        f"verdicts and nothing else FAILed. {summary['broken_by_a_fault']} of the guide's {summary['must_requirements']} MUST "
        "requirements are broken by a caught fault.</p>"
        "<table><tr><th>Fault</th><th>Deviation</th><th>Must give</th><th>Gave</th><th>Result</th></tr>"
        + "".join(rows)
        + "</table><h3>MUST requirements no caught fault breaks</h3><table><tr><th>Requirement</th><th>Why</th></tr>"
        + "".join(f"<tr><td>{e(r)}</td><td>{e(why)}</td></tr>" for r, why in summary["unbroken"].items())
        + "</table></section></html>\n"
    )
