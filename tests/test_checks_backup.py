"""The health probe and backup checks PASS on good answers and FAIL (or WARN) on bad ones."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import re
import tarfile
import zipfile

import pytest

from harness.checks.backup import (
    attachment,
    backup_archive,
    backup_download,
    backup_refused,
    message_text,
    not_an_error_document,
    probe_message,
    probe_status,
    sniff,
)
from harness.verdicts import CheckFailed

GUID = "3d8e0fd4a8d74c0f9a2b6d1e5c7f9a0b"
HIDDEN = {"appliance GUID": GUID, "software version": "21.3.1 (build 4242)", "company name": "Example Corp"}


# -- the plain health probe ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status, healthy", [(200, True), (200, None), (500, None), (500, False)])
def test_probe_status_passes(ctx, status, healthy):
    probe_status(status, healthy)
    assert not ctx.charges


@pytest.mark.parametrize(
    "status, healthy, reason, req",
    [
        (500, True, "HTTP 500 while", "HLT-001"),
        (200, False, "HTTP 200 while", "HLT-002"),
        (503, None, "HTTP 503", "HLT-001"),
        (401, True, "HTTP 401", "HLT-001"),
        (302, True, "HTTP 302", "HLT-001"),
        (503, False, "HTTP 503", "HLT-002"),
    ],
)
def test_probe_status_fails(status, healthy, reason, req):
    """Charged to the status due: 200 when healthy (HLT-001), 500 when not (HLT-002)."""
    with pytest.raises(CheckFailed, match=reason) as e:
        probe_status(status, healthy)
    assert e.value.req == req


XML_HEALTH = b'<?xml version="1.0"?><health_check><success>1</success></health_check>'
HTML_PAGE = b"<!DOCTYPE html><html><head><style>p{x:1}</style></head><body><p>OK &amp; well</p></body></html>"


@pytest.mark.parametrize(
    "status, body, text",
    [
        (200, b"Health check succeeded.\n", "Health check succeeded."),
        (500, b"Health check failed.", "Health check failed."),
        (200, HTML_PAGE, "OK & well"),
    ],
)
def test_probe_message_passes_a_simple_message(ctx, status, body, text):
    assert probe_message(status, body, HIDDEN) == text
    assert not ctx.charges


@pytest.mark.parametrize(
    "body, reason, charged",
    [
        (b"", "without a human-readable message", ["HLT-003"]),
        (b"<html><body>  </body></html>", "without a human-readable message", ["HLT-003"]),
        (b"\xffOK", "not UTF-8", ["HLT-003"]),
        (b"\xff\xfe\x00", "not UTF-8", ["HLT-003", "HLT-003"]),  # and a control character
        (b"OK\x00\x01", "control characters", ["HLT-003"]),
        (b'{"status": "ok", "version": "21.3.1"}', "structured data", ["HLT-004"]),
        (XML_HEALTH, "structured data", ["HLT-004"]),
        (b"OK " + b"x" * 1200, "not a simple message", ["HLT-003"]),
        (f"OK, appliance {GUID}".encode(), "exposes the appliance GUID", ["HLT-004"]),
        (b"Healthy: BeyondTrust 21.3.1 (build 4242)", "exposes the software version", ["HLT-004"]),
        (b"<p>example corp is healthy</p>", "exposes the company name", ["HLT-004"]),
    ],
)
def test_probe_message_fails(ctx, body, reason, charged):
    """Each defect FAILs its requirement (defect()): HLT-003 the message, HLT-004 other data; the check
    goes on to judge the other."""
    probe_message(200, body, HIDDEN)
    assert ctx.charged() == charged and ctx.charged("FAIL") == charged
    assert reason in ctx.failures[0], ctx.failures


def test_probe_message_judges_both_requirements(ctx):
    """A long message that also exposes the GUID: one FAIL of each requirement."""
    probe_message(200, f"OK {GUID} ".encode() + b"z" * 1200, HIDDEN)
    assert ctx.charged() == ["HLT-003", "HLT-004"]
    assert "not a simple message" in ctx.failures[0] and "appliance GUID" in ctx.failures[1]


@pytest.mark.parametrize(
    "status, body, warning",
    [
        (200, b"Health check failed.", "reads as a failure"),
        (500, b"Everything OK.", "reads as a success"),
        (200, b"OK " + b"y" * 300, "characters long"),
    ],
)
def test_probe_message_warns(ctx, status, body, warning):
    probe_message(status, body, HIDDEN)
    assert len(ctx.warnings) == 1 and warning in ctx.warnings[0], ctx.warnings
    assert ctx.charged() == ["HLT-003"]


def test_message_text_ignores_short_hidden_values():
    assert probe_message(200, b"OK", {"company name": "OK"}) == "OK"  # too short to be a leak
    assert message_text(b"<b>Up</b>") == "Up"


# -- the backup file ----------------------------------------------------------------------------------------

SNAPSHOT = b"SQLite format 3\x00" + bytes(range(256)) * 64


def tar_bytes(members: dict[str, bytes], compression: str = "") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=f"w:{compression}") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


BACKUP = {"appliance.sqlite": SNAPSHOT, "manifest.json": json.dumps({"product": "x"}).encode()}
TGZ = tar_bytes(BACKUP, "gz")


@pytest.mark.parametrize(
    "data, kind",
    [
        (TGZ, "tar.gz"),
        (tar_bytes(BACKUP), "tar"),
        (tar_bytes(BACKUP, "bz2"), "tar.bz2"),
        (tar_bytes(BACKUP, "xz"), "tar.xz"),
        (zip_bytes(BACKUP), "zip"),
        (gzip.compress(SNAPSHOT), "gzip"),
        (gzip.compress(SNAPSHOT[:100]) + gzip.compress(SNAPSHOT[100:]), "gzip"),  # concatenated members
        (bz2.compress(SNAPSHOT), "bzip2"),
        (lzma.compress(SNAPSHOT), "xz"),
    ],
    ids=["tgz", "tar", "tbz2", "txz", "zip", "gzip", "gzip-concatenated", "bzip2", "xz"],
)
def test_backup_archive_reads_a_good_file_through(ctx, data, kind):
    summary = backup_archive(io.BytesIO(data))
    assert summary.kind == kind and summary.complete and summary.intact and summary.member_bytes > 0
    assert summary.size == len(data)
    if kind.startswith(("tar", "zip")):
        assert summary.members == 2 and summary.names == list(BACKUP)
    assert not ctx.charges


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


@pytest.mark.parametrize(
    "data, reason",
    [
        (TGZ[: len(TGZ) // 2], "corrupt or truncated"),
        (TGZ[:-4], "corrupt or truncated"),  # the gzip trailer cut: its length field is missing
        (_flip(TGZ, len(TGZ) - 6), "corrupt or truncated"),  # a CRC that does not match
        (_flip(TGZ, 40), "corrupt or truncated|not a readable tar"),
        (tar_bytes(BACKUP)[:700], "not a readable tar|corrupt or truncated"),
        (_flip(tar_bytes(BACKUP), 150), "not a readable tar"),  # a header checksum that does not match
        (zip_bytes(BACKUP)[:-30], "corrupt or truncated"),
        (_flip(zip_bytes(BACKUP), 60), "CRC check|corrupt or truncated"),
        (lzma.compress(SNAPSHOT)[:-10], "corrupt or truncated"),
        (tar_bytes({}, "gz"), "holds no content"),
        (tar_bytes({"empty.txt": b""}, "gz"), "holds no content"),
        (gzip.compress(b""), "holds no content"),
        (zip_bytes({}), "holds no content"),
    ],
    ids=[
        "tgz-half",
        "tgz-no-trailer",
        "tgz-bad-crc",
        "tgz-bad-deflate",
        "tar-cut",
        "tar-bad-header",
        "zip-cut",
        "zip-bad-member",
        "xz-cut",
        "tgz-empty",
        "tgz-empty-file",
        "gzip-empty",
        "zip-empty",
    ],
)
def test_backup_archive_fails_a_damaged_file(ctx, data, reason):
    """A FAIL of BAK-003 that lets the check go on (to the attachment, BAK-005)."""
    summary = backup_archive(io.BytesIO(data))
    assert not summary.intact
    assert ctx.charged() == ["BAK-003"] and len(ctx.failures) == 1
    assert re.search(reason, ctx.failures[0]), ctx.failures


def test_backup_archive_warns_on_an_unknown_format(ctx):
    summary = backup_archive(io.BytesIO(b"NSB\x01" + SNAPSHOT))
    assert summary.kind == "unknown"
    assert len(ctx.warnings) == 1 and "only its size" in ctx.warnings[0]
    assert ctx.charged() == ["BAK-004"]


@pytest.mark.parametrize(
    "data",
    [gzip.compress(bytes(1 << 20)), TGZ, zip_bytes({"big": bytes(1 << 20)})],
    ids=["gzip", "tgz", "zip"],
)
def test_backup_archive_stops_at_its_bound_with_a_warning(ctx, data):
    summary = backup_archive(io.BytesIO(data), limit=4096)
    assert not summary.complete
    assert len(ctx.warnings) == 1 and "not read to its end" in ctx.warnings[0]
    assert ctx.charged() == ["BAK-003"] and not ctx.failures


NOT_FOUND_PAGE = b"  <!DOCTYPE html><html><body>Document Not Found</body></html>"


def test_backup_download_passes_a_file(ctx):
    assert backup_download(200, io.BytesIO(TGZ)) == "gzip"
    assert backup_download(200, io.BytesIO(b"NSB\x01 vendor format")) == "unknown"
    assert not ctx.charges


@pytest.mark.parametrize(
    "status, data, reason, req",
    [
        (403, b'{"error": "access_denied"}', "HTTP 403", "BAK-002"),
        (500, b"", "HTTP 500", "BAK-002"),
        (405, b"Method Not Allowed", "HTTP 405: /api/backup is not served", "BAK-001"),
        (404, b"<html>Not Found</html>", "HTTP 404: /api/backup is not served", "BAK-001"),
        (200, b"", "empty body", "BAK-002"),
        (200, b'{"error": "access_denied", "message": "denied"}', "a JSON document", "BAK-002"),
        (200, NOT_FOUND_PAGE, "HTML/XML error page", "BAK-002"),
        (200, b'<?xml version="1.0"?><error>No permission</error>', "HTML/XML error page", "BAK-002"),
    ],
)
def test_backup_download_fails(status, data, reason, req):
    with pytest.raises(CheckFailed, match=reason) as e:
        backup_download(status, io.BytesIO(data))
    assert e.value.req == req


def test_not_an_error_document_lets_binary_through():
    not_an_error_document(TGZ[:512])
    not_an_error_document(b"<backup-format-v2 binary=\x00")  # XML-ish, but not an error page


def test_sniff():
    assert sniff(TGZ) == "gzip" and sniff(tar_bytes(BACKUP)) == "tar" and sniff(zip_bytes(BACKUP)) == "zip"
    assert sniff(b"") == "unknown" and sniff(b"plain text") == "unknown"


def test_attachment(ctx):
    attachment({"content-disposition": 'attachment; filename="example-backup-20240101.nsb"'})
    assert not ctx.charges
    attachment({})
    attachment({"content-disposition": "inline"})
    attachment({"content-disposition": "attachment"})
    assert len(ctx.warnings) == 3
    assert "no Content-Disposition" in ctx.warnings[0] and "'inline'" in ctx.warnings[1]
    assert ctx.charged() == ["BAK-005"] * 3


DENIED = (
    b'{"error": "access_denied", "message": "The resource owner or authorization server denied the request."}'
)


@pytest.mark.parametrize("status", [401, 403])
def test_backup_refused_passes_access_denied(ctx, status):
    backup_refused(status, DENIED)
    assert not ctx.charges


@pytest.mark.parametrize(
    "status, body, reason",
    [
        (200, TGZ, "served to an account without backup access \\(a gzip file\\)"),
        (200, b"NSB\x01", "served to an account without backup access"),
        (204, b"", "HTTP 204"),
        (500, DENIED, "HTTP 500"),
        (302, b"", "HTTP 302"),
        (403, TGZ, "the body is a gzip file"),
    ],
)
def test_backup_refused_fails(status, body, reason):
    with pytest.raises(CheckFailed, match=reason) as e:
        backup_refused(status, body)
    assert e.value.req == "BAK-006"


@pytest.mark.parametrize(
    "status, body, warning",
    [
        (403, b"<error>Permission denied</error>", "not the guide's access_denied JSON"),
        (403, b'{"error": "forbidden"}', "not the guide's access_denied JSON"),
        (404, DENIED, "HTTP 404 refusal"),
    ],
)
def test_backup_refused_warns(ctx, status, body, warning):
    backup_refused(status, body)
    assert len(ctx.warnings) == 1 and warning in ctx.warnings[0], ctx.warnings
    assert ctx.charged() == ["BAK-006"]
