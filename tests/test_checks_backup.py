"""The health probe and backup checks PASS on good answers and FAIL (or WARN) on bad ones."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
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
from harness.verdicts import WARNINGS, CheckFailed

GUID = "3d8e0fd4a8d74c0f9a2b6d1e5c7f9a0b"
HIDDEN = {"appliance GUID": GUID, "software version": "21.3.1 (build 4242)", "company name": "Example Corp"}


@pytest.fixture(autouse=True)
def _no_warnings():
    WARNINGS.clear()
    yield
    WARNINGS.clear()


# -- the plain health probe ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status, healthy", [(200, True), (200, None), (500, None), (500, False)])
def test_probe_status_passes(status, healthy):
    probe_status(status, healthy)


@pytest.mark.parametrize(
    "status, healthy, reason",
    [
        (500, True, "HTTP 500 while"),
        (200, False, "HTTP 200 while"),
        (503, None, "HTTP 503"),
        (401, True, "HTTP 401"),
        (302, True, "HTTP 302"),
    ],
)
def test_probe_status_fails(status, healthy, reason):
    with pytest.raises(CheckFailed, match=reason):
        probe_status(status, healthy)


HTML_PAGE = b"<!DOCTYPE html><html><head><style>p{x:1}</style></head><body><p>OK &amp; well</p></body></html>"


@pytest.mark.parametrize(
    "status, body, text",
    [
        (200, b"Health check succeeded.\n", "Health check succeeded."),
        (500, b"Health check failed.", "Health check failed."),
        (200, HTML_PAGE, "OK & well"),
    ],
)
def test_probe_message_passes_a_simple_message(status, body, text):
    assert probe_message(status, body, HIDDEN) == text
    assert not WARNINGS


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"", "without a human-readable message"),
        (b"<html><body>  </body></html>", "without a human-readable message"),
        (b"\xff\xfe\x00", "not UTF-8"),
        (b"OK\x00\x01", "control characters"),
        (b'{"status": "ok", "version": "21.3.1"}', "structured data"),
        (b'<?xml version="1.0"?><health_check><success>1</success></health_check>', "structured data"),
        (b"OK " + b"x" * 1200, "not a simple message"),
        (f"OK, appliance {GUID}".encode(), "exposes the appliance GUID"),
        (b"Healthy: BeyondTrust 21.3.1 (build 4242)", "exposes the software version"),
        (b"<p>example corp is healthy</p>", "exposes the company name"),
    ],
)
def test_probe_message_fails(body, reason):
    with pytest.raises(CheckFailed, match=reason):
        probe_message(200, body, HIDDEN)


@pytest.mark.parametrize(
    "status, body, warning",
    [
        (200, b"Health check failed.", "reads as a failure"),
        (500, b"Everything OK.", "reads as a success"),
        (200, b"OK " + b"y" * 300, "characters long"),
    ],
)
def test_probe_message_warns(status, body, warning):
    probe_message(status, body, HIDDEN)
    assert len(WARNINGS) == 1 and warning in WARNINGS[0], WARNINGS


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
def test_backup_archive_reads_a_good_file_through(data, kind):
    summary = backup_archive(io.BytesIO(data))
    assert summary.kind == kind and summary.complete and summary.member_bytes > 0
    assert summary.size == len(data)
    if kind.startswith(("tar", "zip")):
        assert summary.members == 2 and summary.names == list(BACKUP)
    assert not WARNINGS


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
def test_backup_archive_fails_a_damaged_file(data, reason):
    with pytest.raises(CheckFailed, match=reason):
        backup_archive(io.BytesIO(data))


def test_backup_archive_warns_on_an_unknown_format():
    summary = backup_archive(io.BytesIO(b"NSB\x01" + SNAPSHOT))
    assert summary.kind == "unknown"
    assert len(WARNINGS) == 1 and "only its size" in WARNINGS[0]


@pytest.mark.parametrize(
    "data",
    [gzip.compress(bytes(1 << 20)), TGZ, zip_bytes({"big": bytes(1 << 20)})],
    ids=["gzip", "tgz", "zip"],
)
def test_backup_archive_stops_at_its_bound_with_a_warning(data):
    summary = backup_archive(io.BytesIO(data), limit=4096)
    assert not summary.complete
    assert len(WARNINGS) == 1 and "not read to its end" in WARNINGS[0]


def test_backup_download_passes_a_file():
    assert backup_download(200, io.BytesIO(TGZ)) == "gzip"
    assert backup_download(200, io.BytesIO(b"NSB\x01 vendor format")) == "unknown"


@pytest.mark.parametrize(
    "status, data, reason",
    [
        (403, b'{"error": "access_denied"}', "HTTP 403"),
        (500, b"", "HTTP 500"),
        (200, b"", "empty body"),
        (200, b'{"error": "access_denied", "message": "denied"}', "a JSON document"),
        (200, b"  <!DOCTYPE html><html><body>Document Not Found</body></html>", "HTML/XML error page"),
        (200, b'<?xml version="1.0"?><error>No permission</error>', "HTML/XML error page"),
    ],
)
def test_backup_download_fails(status, data, reason):
    with pytest.raises(CheckFailed, match=reason):
        backup_download(status, io.BytesIO(data))


def test_not_an_error_document_lets_binary_through():
    not_an_error_document(TGZ[:512])
    not_an_error_document(b"<backup-format-v2 binary=\x00")  # XML-ish, but not an error page


def test_sniff():
    assert sniff(TGZ) == "gzip" and sniff(tar_bytes(BACKUP)) == "tar" and sniff(zip_bytes(BACKUP)) == "zip"
    assert sniff(b"") == "unknown" and sniff(b"plain text") == "unknown"


def test_attachment():
    attachment({"content-disposition": 'attachment; filename="example-backup-20240101.nsb"'})
    assert not WARNINGS
    attachment({})
    attachment({"content-disposition": "inline"})
    attachment({"content-disposition": "attachment"})
    assert len(WARNINGS) == 3
    assert "no Content-Disposition" in WARNINGS[0] and "'inline'" in WARNINGS[1]


DENIED = (
    b'{"error": "access_denied", "message": "The resource owner or authorization server denied the request."}'
)


@pytest.mark.parametrize("status", [401, 403])
def test_backup_refused_passes_access_denied(status):
    backup_refused(status, DENIED)
    assert not WARNINGS


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
    with pytest.raises(CheckFailed, match=reason):
        backup_refused(status, body)


@pytest.mark.parametrize(
    "status, body, warning",
    [
        (403, b"<error>Permission denied</error>", "not the guide's access_denied JSON"),
        (403, b'{"error": "forbidden"}', "not the guide's access_denied JSON"),
        (404, DENIED, "HTTP 404 refusal"),
    ],
)
def test_backup_refused_warns(status, body, warning):
    backup_refused(status, body)
    assert len(WARNINGS) == 1 and warning in WARNINGS[0], WARNINGS
