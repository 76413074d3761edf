"""What allure-pytest cannot know about a run, added to its results directory when the run ends.

allure-pytest writes one `*-result.json` a check with pytest's outcome. The harness's verdicts are richer:
a WARN is reported to pytest as passed (a SHOULD not met does not fail the run), and the evidence of a
FAIL or WARN (the redacted exchanges) lives in the plugin's records. So, at the end of the run, each check's
result file (found by the `rs_check` label the plugin gives every check) gets:

- a WARN as Allure's `unknown` status with the message "WARN: …", and a category named WARN for it
  (`categories.json`), so it is its own visible status and not a pass;
- its evidence as a JSON attachment on every FAIL and WARN;
- the verdict and the charged requirements as labels.

`environment.properties` gets the target's identity and the harness's version.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

from harness import verdicts

CHECK_LABEL = "rs_check"
CATEGORIES = [
    {
        "name": "FAIL: the target does not meet a requirement",
        "matchedStatuses": ["failed", "broken"],
    },
    {
        "name": "WARN: a SHOULD not met, or a known real-world variant",
        "matchedStatuses": ["unknown"],
        "messageRegex": "WARN: .*",
    },
    {"name": "NA / NOT_TESTED", "matchedStatuses": ["skipped"]},
]


def _result_files(directory: Path) -> dict[str, list[Path]]:
    by_check: dict[str, list[Path]] = {}
    for path in directory.glob("*-result.json"):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for label in data.get("labels", []):
            if label.get("name") == CHECK_LABEL:
                by_check.setdefault(label.get("value", ""), []).append(path)
    return by_check


def finish(directory: str | Path, records, identity: dict, harness_version: str, outcome: str) -> None:
    directory = Path(directory)
    if not directory.is_dir():
        return
    files = _result_files(directory)
    for record in records:
        for path in files.get(record.nodeid, []):
            _amend(path, record)
    (directory / "categories.json").write_text(json.dumps(CATEGORIES, indent=2), encoding="utf-8")
    env = {
        "harness": f"rs-harness {harness_version}",
        "outcome": outcome,
        **{f"target.{k}": v for k, v in identity.items() if k != "namespaces"},
        **{f"target.namespace.{k}": v for k, v in (identity.get("namespaces") or {}).items()},
    }
    lines = [f"{key}={_prop(value)}" for key, value in env.items()]
    (directory / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _prop(value) -> str:
    text = " ".join(value) if isinstance(value, list) else str(value)
    return text.replace("\\", "\\\\").replace("\n", " ")


def _amend(path: Path, record) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    verdict = record.verdict or verdicts.NOT_TESTED
    labels = [label for label in data.get("labels", []) if label.get("name") != "rs_verdict"]
    labels.append({"name": "rs_verdict", "value": verdict})
    for req_id in dict.fromkeys(c["requirement"] for c in record.charges):
        if {"name": "requirement", "value": req_id} not in labels:
            labels.append({"name": "requirement", "value": req_id})
    data["labels"] = labels
    if verdict == verdicts.WARN:
        data["status"] = "unknown"
        data["statusDetails"] = {"message": f"WARN: {record.reason}"}
    if verdict in (verdicts.FAIL, verdicts.WARN) and record.evidence:
        source = f"{uuid.uuid4()}-attachment.json"
        (path.parent / source).write_text(json.dumps(record.evidence, indent=2), encoding="utf-8")
        attachments = [a for a in data.get("attachments", []) if a.get("name") != "evidence"]
        attachments.append({"name": "evidence", "source": source, "type": "application/json"})
        data["attachments"] = attachments
    path.write_text(json.dumps(data), encoding="utf-8")
