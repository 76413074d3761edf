"""The expected-failures gate: accepted FAILs pass; a stale entry or one that now passes fails the gate."""

from __future__ import annotations

import re

import pytest

from harness.expected import ExpectedFailures, ExpectedFailuresError, describe_unknown, unknown_entries
from harness.results import Record
from harness.target import Target

EMBEDDED = Target(url="http://127.0.0.1:1", embedded=True, name="embedded")
REAL = Target(url="https://support.example.com", embedded=False, name="staging")


def load(tmp_path, text):
    path = tmp_path / "expected.toml"
    path.write_text(text)
    return ExpectedFailures.load(str(path))


def rec(nodeid, reqs, verdict, charged=None):
    """A check's record; a FAIL is charged to `charged` (default: its primary requirement)."""
    record = Record(nodeid, nodeid.split("::")[-1], reqs, verdict)
    if verdict == "FAIL":
        record.charge(charged or reqs[0], "FAIL", "broken")
    return record


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
    # a check that names B-001 but FAILs at another requirement does not keep B-001's entry alive
    records[1] = rec("t::b", ["B-001", "E-001"], "FAIL", charged="E-001")
    assert ef.gate(records, EMBEDDED)[0] == "expected failure 'B-001' now passes; remove it from the file"


@pytest.mark.parametrize(
    "text, message",
    [
        ("[[expected]]\nid = 'X-001'\n", "needs an id and a reason"),
        ("[[expected]]\nid = 'X-001'\nreason = 'r'\nowner = 'me'\n",
         "entry 1: unknown key 'owner' (known: id, reason, target)"),
        ("[[expected]]\nid = 'X-001'\nreson = 'r'\n", "unknown key 'reson' (did you mean 'reason'?)"),
        ("[[expected]]\nid = 'X-001'\nreason = 'r'\ntarge = 'x'\n",
         "unknown key 'targe' (did you mean 'target'?)"),
        ("[[expectd]]\nid = 'X-001'\nreason = 'r'\n", "unknown key 'expectd' (did you mean 'expected'?)"),
        ("[expected]\nid = 'X-001'\nreason = 'r'\n", "expected must be entries: [[expected]]"),
        ("[[expected]]\nid = 4711\nreason = 'r'\n", "entry 1: id must be a string"),
        ("[[expected", "expected-failures file"),
    ],
)  # fmt: skip
def test_unusable_files_are_refused(tmp_path, text, message):
    with pytest.raises(ExpectedFailuresError, match=re.escape(message)):
        load(tmp_path, text)
    with pytest.raises(ExpectedFailuresError, match="No such file"):
        ExpectedFailures.load(str(tmp_path / "absent.toml"))


def test_an_unknown_key_is_named_with_the_file(tmp_path):
    with pytest.raises(ExpectedFailuresError) as error:
        load(tmp_path, "[[expected]]\nid = 'X-001'\nreason = 'r'\n[[expected]]\nid = 'Y-001'\nresaon = 'r'\n")
    path = tmp_path / "expected.toml"
    assert str(error.value) == (
        f"expected-failures file {path}: entry 2: unknown key 'resaon' (did you mean 'reason'?)"
    )


CHECKS = [
    "test_command_api_info.py::test_api_info_answer",
    "test_command_api_info.py::test_api_info_permissions",
    "test_reporting.py::test_support_session[xml]",
]
REQUIREMENTS = {"CMD-GAI-001", "CMD-GAI-002", "CMD-GSK-004"}


def test_entries_that_name_nothing_known_are_found_with_the_nearest_id(tmp_path):
    ef = load(tmp_path, """
[[expected]]
id = "CMD-GSK-004"
reason = "a requirement"
[[expected]]
id = "test_api_info_answer"
reason = "a check by name"
[[expected]]
id = "test_command_api_info.py::test_api_info_permissions"
reason = "a check by file and name"
[[expected]]
id = "test_reporting.py::test_support_session[xml]"
reason = "a parametrized check"
[[expected]]
id = "CMD-GSK-04"
reason = "typo of a requirement"
[[expected]]
id = "test_api_info_anwser"
reason = "typo of a check"
[[expected]]
id = "api_info_answer"
reason = "part of a name is not a test id"
[[expected]]
id = "ZZZ"
target = "elsewhere"
reason = "nothing near, and checked whatever its target"
""")  # fmt: skip
    stray = unknown_entries(ef.entries, REQUIREMENTS, CHECKS)
    assert [(entry.id, near) for entry, near in stray] == [
        ("CMD-GSK-04", "CMD-GSK-004"),
        ("test_api_info_anwser", "test_api_info_answer"),
        ("api_info_answer", "test_api_info_answer"),
        ("ZZZ", None),
    ]
    assert unknown_entries(ef.entries[:4], REQUIREMENTS, CHECKS) == []
    message = describe_unknown(stray, ef.source)
    assert message.splitlines()[0] == (
        f"expected-failures file {ef.source}: entries that name no known requirement or check:"
    )
    assert (
        "  expected failure 'CMD-GSK-04': not a requirement ID nor a check's test ID "
        "(did you mean 'CMD-GSK-004'?)" in message.splitlines()
    )
    assert message.splitlines()[-1] == "  expected failure 'ZZZ': not a requirement ID nor a check's test ID"
