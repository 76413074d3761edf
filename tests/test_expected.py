"""The expected-failures gate: accepted FAILs pass; a stale entry or one that now passes fails the gate."""

from __future__ import annotations

import pytest

from harness.expected import ExpectedFailures, ExpectedFailuresError
from harness.results import Record
from harness.target import Target

EMBEDDED = Target(url="http://127.0.0.1:1", embedded=True, name="embedded")
REAL = Target(url="https://support.example.com", embedded=False, name="staging")


def load(tmp_path, text):
    path = tmp_path / "expected.toml"
    path.write_text(text)
    return ExpectedFailures.load(str(path))


def rec(nodeid, reqs, verdict):
    return Record(nodeid, nodeid.split("::")[-1], reqs, verdict)


def test_matching_by_requirement_test_id_and_target(tmp_path):
    ef = load(tmp_path, """
[[expected]]
id = "CMD-GSK-004"
reason = "ticket 1"
[[expected]]
id = "test_mod.py::test_b"
target = "https://support.example.com"
reason = "ticket 2"
""")  # fmt: skip
    assert ef.match(["CMD-GSK-004"], "test_mod.py::test_a", EMBEDDED).reason == "ticket 1"
    assert ef.match([], "suites/test_mod.py::test_b", REAL).reason == "ticket 2"
    assert ef.match([], "suites/test_mod.py::test_b", EMBEDDED) is None  # another target
    assert ef.match(["CMD-X-001"], "test_mod.py::test_c", REAL) is None


def test_gate(tmp_path):
    ef = load(tmp_path, """
[[expected]]
id = "A-001"
reason = "fails"
[[expected]]
id = "B-001"
reason = "fixed since"
[[expected]]
id = "C-001"
reason = "typo"
[[expected]]
id = "D-001"
target = "staging"
reason = "other target"
""")  # fmt: skip
    records = [rec("t::a", ["A-001"], "FAIL"), rec("t::b", ["B-001"], "PASS"), rec("t::n", ["C-001"], "NA")]
    problems = ef.gate(records, EMBEDDED)
    assert problems == [
        "expected failure 'B-001' now passes; remove it from the file",
        "expected failure 'C-001' matched no check that ran",
    ]


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[expected]]\nid = 'X-001'\n", "needs an id and a reason"),
        ("[[expected]]\nid = 'X-001'\nreason = 'r'\nowner = 'me'\n", "unknown keys"),
        ("[[expected", "expected-failures file"),
    ],
)
def test_unusable_files_are_refused(tmp_path, text, message):
    with pytest.raises(ExpectedFailuresError, match=message):
        load(tmp_path, text)
    with pytest.raises(ExpectedFailuresError, match="No such file"):
        ExpectedFailures.load(str(tmp_path / "absent.toml"))
