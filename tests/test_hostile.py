"""Hostile and broken inputs are refused with a clear reason, never a crash, a hang or a file read.

Each case runs the real console script in a subprocess with a generous timeout: the timeout guards against a
hang (it is not a performance assertion). The reasons asserted are the harness's own words (the prefix that
classifies the refusal), never libxml2's message, whose wording and timing change between releases.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HANG_GUARD_S = 120

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<error xmlns="https://www.beyondtrust.com/namespaces/API/command" attr="&lol9;">&lol9;</error>
"""

NS = b'xmlns="https://www.beyondtrust.com/namespaces/API/command"'


def _validate(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).with_name("rs-harness")
    return subprocess.run(
        [str(exe), "validate", *args, str(path)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        check=False,
    )


# The harness's reasons (harness.validate._reason, harness.xmlsafe): stable prefixes; libxml2's words follow.
DTD = "hostile construct: a DTD or markup declaration"
LIMIT = "hostile construct: exceeds a parser safety limit ("
NOT_WELL_FORMED = "not well-formed XML: "
NOT_XML = "not XML: "


def _refused(path: Path, reason: str, *args: str) -> str:
    """Refused as unusable, and the reason begins with `reason`."""
    proc = _validate(path, *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and ": unusable: " in lines[0], proc.stdout
    given = lines[0].split(": unusable: ", 1)[1]
    assert given.startswith(reason), lines[0]
    return given


def test_billion_laughs(tmp_path: Path) -> None:
    path = tmp_path / "lol.xml"
    path.write_bytes(BILLION_LAUGHS)
    _refused(path, DTD)


def test_external_entity_reads_no_file(tmp_path: Path) -> None:
    # A FIFO blocks whoever opens it for reading: if the parser tried to resolve the entity, the run
    # would hang (and hit the guard) instead of answering at once.
    fifo = tmp_path / "secret"
    os.mkfifo(fifo)
    path = tmp_path / "xxe.xml"
    path.write_bytes(
        f'<?xml version="1.0"?>\n<!DOCTYPE e [<!ENTITY x SYSTEM "file://{fifo}">]>\n'.encode()
        + b"<error "
        + NS
        + b">&x;</error>"
    )
    _refused(path, DTD)


def test_doctype_hidden_after_comments_and_in_utf16(tmp_path: Path) -> None:
    path = tmp_path / "hidden.xml"
    path.write_bytes(b"<?xml version='1.0'?>" + b"<!-- padding -->" * 5000 + b'<!DOCTYPE e SYSTEM "x"><e/>')
    _refused(path, DTD)
    path.write_bytes(
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE e [<!ENTITY x "y">]><e/>'.encode("utf-16")
    )
    _refused(path, DTD)


def test_huge_text_node(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    with path.open("wb") as f:
        f.write(b"<error " + NS + b">")
        for _ in range(50):
            f.write(b"x" * (1 << 20))
        f.write(b"</error>")
    _refused(path, LIMIT)


@pytest.mark.parametrize(
    "root,end",
    [(b"<error " + NS + b">", b"</error>"), (b"<a>", b"</a>")],
    ids=["response-root", "unknown-root"],
)
def test_deep_nesting(tmp_path: Path, root: bytes, end: bytes) -> None:
    path = tmp_path / "deep.xml"
    path.write_bytes(root + b"<a>" * 10_000 + b"</a>" * 10_000 + end)
    _refused(path, LIMIT)


def test_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "utf8.xml"
    path.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?><error ' + NS + b">caf\xe9 \xff\xfe</error>")
    _refused(path, NOT_WELL_FORMED)


@pytest.mark.parametrize(
    "content,reason",
    [
        (b'<?xml version="1.0"?><logged_in_reps ' + NS + b"><rep id='1'><display_name>x", NOT_WELL_FORMED),
        (b"<error " + NS + b">unterminated</err", NOT_WELL_FORMED),
        (b"", "not XML: empty document"),
        (b'{"error": "access_denied"}', NOT_XML),
        (b"<html><body>502 Bad Gateway</body>", NOT_WELL_FORMED),
        (b"<error " + NS + b">x</error><error/>", NOT_WELL_FORMED),
    ],
    ids=["truncated", "cut-tag", "empty", "json", "html-truncated", "two-roots"],
)
def test_broken_documents(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(content)
    _refused(path, reason)


def test_unreadable_input(tmp_path: Path) -> None:
    _refused(tmp_path / "missing.xml", "cannot read: ")
    _refused(tmp_path, "cannot read: ")


def test_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "error.xml"
    path.write_bytes(b"<error " + NS + b">" + b"x" * 4096 + b"</error>")
    _refused(path, "larger than the limit of 1024 bytes", "--max-size", "1K")


def test_an_endless_prolog_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "prolog.xml"
    path.write_bytes(b"<!-- " + b"x" * (2 << 20) + b" -->")
    _refused(path, "no root element within the first")


def test_a_flood_of_unexpected_elements_is_refused_in_flat_memory(tmp_path: Path) -> None:
    """Millions of tiny unexpected elements: a whole tree would take hundreds of MB; streaming stays small."""
    path = tmp_path / "flood.xml"
    with path.open("wb") as f:
        f.write(b'<session_list xmlns="https://www.beyondtrust.com/namespaces/API/reporting">')
        for _ in range(25):
            f.write(b"<x/>" * 100_000)
        f.write(b"</session_list>")
    # VmHWM, not ru_maxrss: Linux carries the forking parent's (pytest's) peak into ru_maxrss across exec.
    code = (
        "import json, re, sys\n"
        "from harness.validate import validate_file\n"
        "r = validate_file(sys.argv[1])\n"
        "hwm = int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
        "print(json.dumps([r.status, str(r.errors[0]), hwm]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_S,
        check=True,
    )
    status, first_error, rss_kb = json.loads(proc.stdout)
    assert status == "invalid"
    # Placed within the 64-byte window libxml2 found it in (harness.validate._stream_errors).
    assert first_error.startswith("line 1: /session_list/x[") and "not expected" in first_error
    assert rss_kb < 128 * 1024, f"peak RSS {rss_kb} kB"
