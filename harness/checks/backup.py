"""Semantic checks of the plain health probe (guide: "API Command: check_health", "Alternative Method - HTTP
Status Check") and of the backup API (guide: "Backup API").

The guide does not name the backup file's format. A download in a format the harness recognises (gzip,
tar, zip, bzip2, xz) is read to its end in bounded memory and time, so a truncated or corrupt backup FAILs;
another format is a WARN (only its size can be judged).
"""

from __future__ import annotations

import bz2
import gzip
import html
import json
import lzma
import re
import tarfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import IO

from harness.validate import one_line
from harness.verdicts import CheckFailed, defect, warn

# -- the plain health probe ---------------------------------------------------------------------------------

MESSAGE_MAX = 1000  # characters of text: beyond, it is no longer "a simple human-readable message"
MESSAGE_LONG = 200  # a WARN beyond this
FAILURE_WORDS = re.compile(r"\b(fail\w*|error|unhealthy|down)\b", re.IGNORECASE)
SUCCESS_WORDS = re.compile(r"\b(succe\w*|ok|okay|healthy|pass\w*|up|good|running)\b", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def probe_status(status: int, healthy: bool | None) -> None:
    """/check_health: 200 when the probe succeeds (HLT-001), 500 if not (HLT-002). `healthy` is what the
    command API's check_health said before and after the probe (None when it changed or could not be read);
    a status that is neither is charged to the requirement `healthy` calls for (HLT-001 unless it is False).
    """
    due = "HLT-002" if healthy is False else "HLT-001"
    if status not in (200, 500):
        raise CheckFailed(
            f"HTTP {status}; the guide answers 200 (probe successful) or 500 (probe failed)", due
        )
    if healthy is True and status != 200:
        raise CheckFailed(
            "HTTP 500 while the command API's check_health said <success>1 before and after", "HLT-001"
        )
    if healthy is False and status != 500:
        raise CheckFailed(
            f"HTTP {status} while the command API's check_health said <success>0 before and after", "HLT-002"
        )


def message_text(body: bytes) -> str:
    """The human-readable text of a probe answer (tags of an HTML page removed).

    FAIL (defect(), the check goes on): not UTF-8 text or control characters (HLT-003), structured data
    (HLT-004)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        defect("the health message is not UTF-8 text", req="HLT-003")
        text = body.decode("utf-8", "replace")
    if CONTROL.search(text):
        defect("the health message contains control characters: not human-readable text", req="HLT-003")
    stripped = text.lstrip()
    if stripped[:1] in ("{", "[") or stripped[:5].lower() == "<?xml":
        defect(f"structured data, not a simple human-readable message: {one_line(text, 120)}", req="HLT-004")
    if stripped[:1] == "<":
        text = re.sub(r"<(script|style)\b.*?</\1\s*>", " ", text, flags=re.IGNORECASE | re.DOTALL)
        text = html.unescape(re.sub(r"<[^>]*>", " ", text))
    return " ".join(text.split())


def probe_message(status: int, body: bytes, hidden: dict[str, str]) -> str:
    """A simple human-readable message showing success or failure (HLT-003), and no other data (HLT-004):
    none of the `hidden` values (label -> value: GUID, version, secrets…) may appear. Returns the text.

    Each defect is recorded with defect() and the check goes on, so one requirement's defect leaves the
    other judged. WARN (HLT-003): a long message, words that contradict the status."""
    text = message_text(body)
    if not text:
        defect(f"HTTP {status} without a human-readable message", req="HLT-003")
    elif len(text) > MESSAGE_MAX:
        defect(f"a {len(text)}-character text, not a simple message ({one_line(text, 80)})", req="HLT-003")
    lowered = body.decode("utf-8", "replace").lower()
    exposed = [
        label
        for label, value in hidden.items()
        if value and len(value.strip()) >= 4 and value.strip().lower() in lowered
    ]
    if exposed:
        labels = ", the ".join(exposed)
        defect(
            f"the health message exposes the {labels}; the guide says no other data is exposed", req="HLT-004"
        )
    if MESSAGE_LONG < len(text) <= MESSAGE_MAX:
        warn(f"the health message is {len(text)} characters long: {one_line(text, 80)}", req="HLT-003")
    if status == 200 and FAILURE_WORDS.search(text) and not SUCCESS_WORDS.search(text):
        warn(f"HTTP 200 but the message reads as a failure: {one_line(text, 120)}", req="HLT-003")
    if status == 500 and SUCCESS_WORDS.search(text) and not FAILURE_WORDS.search(text):
        warn(f"HTTP 500 but the message reads as a success: {one_line(text, 120)}", req="HLT-003")
    return text


# -- the backup file ----------------------------------------------------------------------------------------

EXPANDED_MAX = 64 << 30  # decompressed bytes read before the harness stops (a bomb, or a huge backup)
READ_SECONDS = 300.0  # wall-clock bound on reading an archive through
CHUNK = 1 << 16

MAGIC = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # an empty zip
)


SUFFIX = {"gzip": "gz", "bzip2": "bz2", "xz": "xz"}


@dataclass
class ArchiveSummary:
    """What the harness saw of a backup file."""

    kind: str  # gzip, bzip2, xz, zip, tar, "tar.<compression>", or "unknown"
    size: int
    members: int = 0
    member_bytes: int = 0
    names: list[str] = field(default_factory=list)  # the first few
    complete: bool = True  # read to its end (False: a bound stopped the reading; a WARN says so)
    intact: bool = True  # False: corrupt, truncated or empty (a FAIL of BAK-003 says so)


class _Stop(Exception):
    """A bound was reached: stop reading, judge what was read."""


class _Damaged(Exception):
    """The file cannot be read through: a FAIL of BAK-003."""


class _Capped:
    """A decompressed stream read within EXPANDED_MAX bytes and READ_SECONDS."""

    def __init__(self, stream: IO[bytes], limit: int, deadline: float):
        self.stream, self.limit, self.deadline, self.total = stream, limit, deadline, 0

    def read(self, n: int = -1) -> bytes:
        data = self.stream.read(n if n and n > 0 else CHUNK)
        self.total += len(data)
        if self.total > self.limit:
            raise _Stop(f"it expands beyond {self.limit} bytes")
        if time.monotonic() > self.deadline:
            raise _Stop(f"reading it took more than {READ_SECONDS:.0f} s")
        return data

    def drain(self) -> None:
        while self.read(CHUNK):
            pass


def sniff(head: bytes) -> str:
    """The archive kind from the first bytes (at least 262 for tar), or "unknown"."""
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if head[257:262] == b"ustar" or (len(head) >= 512 and not head[:512].strip(b"\0")):
        return "tar"  # a ustar header, or the zero block that ends a tar (an empty one)
    return "unknown"


def _head(fileobj: IO[bytes], n: int = 512) -> bytes:
    fileobj.seek(0)
    head = fileobj.read(n)
    fileobj.seek(0)
    return head


def _size(fileobj: IO[bytes]) -> int:
    size = fileobj.seek(0, 2)
    fileobj.seek(0)
    return size


def _shown(head: bytes, limit: int = 160) -> str:
    return one_line(head[:limit].decode("utf-8", "replace"), limit)


NOT_SERVED = (404, 405, 501)  # the URL or the request method is not served: BAK-001
REFUSED = "BAK-006"  # an account without backup access is refused


def not_an_error_document(head: bytes) -> None:
    """FAIL (BAK-002) when what came back is an error page or message (JSON, HTML, <error>) rather than a
    file."""
    start = head.lstrip()[:200].lower()
    shown = _shown(head)
    if start.startswith((b"{", b"[")):
        raise CheckFailed(f"a JSON document instead of a backup file: {shown}", "BAK-002")
    if start.startswith(b"<") and (b"<html" in start or b"<!doctype html" in start or b"<error" in start):
        raise CheckFailed(f"an HTML/XML error page instead of a backup file: {shown}", "BAK-002")


def backup_download(status: int, fileobj: IO[bytes]) -> str:
    """The backup answer: HTTP 200, a non-empty file, not an error document (BAK-002; a 404, 405 or 501 is
    the URL or the method not served, BAK-001). Returns its kind (sniffed). Nothing follows a FAIL here."""
    head = _head(fileobj)
    if status in NOT_SERVED:
        raise CheckFailed(
            f"HTTP {status}: /api/backup is not served for this request method: {_shown(head)}", "BAK-001"
        )
    if status != 200:
        raise CheckFailed(
            f"HTTP {status} for a backup by an account with backup access: {_shown(head)}", "BAK-002"
        )
    if _size(fileobj) == 0:
        raise CheckFailed("HTTP 200 with an empty body: no backup file", "BAK-002")
    not_an_error_document(head)
    return sniff(head)


def _read_tar(stream, summary: ArchiveSummary) -> None:
    try:
        with tarfile.open(fileobj=stream, mode="r|") as tar:
            for member in tar:
                summary.members += 1
                if member.isfile():
                    summary.member_bytes += member.size
                if len(summary.names) < 10:
                    summary.names.append(member.name)
    except tarfile.TarError as exc:
        raise _Damaged(f"the {summary.kind} backup is not a readable tar: {exc}") from None


def backup_archive(fileobj: IO[bytes], *, limit: int = EXPANDED_MAX) -> ArchiveSummary:
    """Read a backup file through: a compressed stream must decompress to its end (checksums verified),
    a tar must list its members, a zip must pass its CRC test; it must hold some content (BAK-003).

    A defect is recorded with defect() (the check goes on to the backup's other requirements) and the
    summary says `intact` False.
    WARN: an unrecognised format (BAK-004: only its size is judged), or a bound reached before the end
    (BAK-003)."""
    head = _head(fileobj)
    kind = sniff(head)
    summary = ArchiveSummary(kind, _size(fileobj))
    if kind == "unknown":
        warn(
            "the backup file is not a gzip, tar, zip, bzip2 or xz archive: only its size was checked",
            req="BAK-004",
        )
        return summary
    deadline = time.monotonic() + READ_SECONDS
    try:
        if kind == "zip":
            _read_zip(fileobj, summary, limit)
        elif kind == "tar":
            _read_tar(_Capped(fileobj, limit, deadline), summary)
        else:
            with _decompressed(kind, fileobj) as raw:
                stream = _Capped(raw, limit, deadline)
                inner = stream.read(512)
                if sniff(inner) == "tar":
                    summary.kind = f"tar.{SUFFIX[kind]}"
                    _read_tar(_Prefixed(inner, stream), summary)
                    stream.drain()  # to the trailer, so the compressed stream's checksum is verified
                else:
                    stream.drain()
                    summary.member_bytes = stream.total
                    summary.members = 1 if stream.total else 0
    except _Stop as exc:
        summary.complete = False
        warn(f"the backup file was not read to its end: {exc}", req="BAK-003")
        return summary
    except _Damaged as exc:
        return _damaged(summary, str(exc))
    except (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile) as exc:
        return _damaged(summary, f"the {kind} backup file is corrupt or truncated: {exc}")
    finally:
        fileobj.seek(0)
    if summary.member_bytes == 0:
        return _damaged(
            summary, f"the {summary.kind} backup file holds no content ({summary.members} members, 0 bytes)"
        )
    return summary


def _damaged(summary: ArchiveSummary, reason: str) -> ArchiveSummary:
    summary.intact = False
    defect(reason, req="BAK-003")
    return summary


def _decompressed(kind: str, fileobj: IO[bytes]):
    if kind == "gzip":
        return gzip.GzipFile(fileobj=fileobj, mode="rb")
    return bz2.BZ2File(fileobj) if kind == "bzip2" else lzma.LZMAFile(fileobj)


class _Prefixed:
    """Bytes already read, then the rest of the stream."""

    def __init__(self, prefix: bytes, stream: _Capped):
        self.prefix, self.stream = prefix, stream

    def read(self, n: int = -1) -> bytes:
        if self.prefix:
            n = n if n and n > 0 else CHUNK
            out, self.prefix = self.prefix[:n], self.prefix[n:]
            return out
        return self.stream.read(n)


def _read_zip(fileobj: IO[bytes], summary: ArchiveSummary, limit: int) -> None:
    with zipfile.ZipFile(fileobj) as archive:
        infos = archive.infolist()
        summary.members = len(infos)
        summary.member_bytes = sum(i.file_size for i in infos)
        summary.names = [i.filename for i in infos[:10]]
        if summary.member_bytes > limit:
            raise _Stop(f"its members declare {summary.member_bytes} bytes")
        bad = archive.testzip()
        if bad is not None:
            raise _Damaged(f"the zip backup file's member {bad!r} fails its CRC check")


def attachment(headers) -> None:
    """WARN (BAK-005) unless the backup is served as a download: Content-Disposition: attachment with a
    file name."""
    disposition = headers.get("content-disposition", "")
    if not disposition:
        warn("the backup has no Content-Disposition header (a download without a file name)", req="BAK-005")
    elif "attachment" not in disposition.lower() or "filename" not in disposition.lower():
        warn(
            f"Content-Disposition is {one_line(disposition, 120)!r}, not an attachment with a file name",
            req="BAK-005",
        )


def backup_refused(status: int, head: bytes) -> None:
    """A backup asked for by an account without backup access: a 4xx and no backup file (BAK-006).

    WARN (BAK-006): not the guide's access_denied JSON (the only API refusal the guide documents), or a
    status other than 401/403."""
    kind = sniff(head)
    if 200 <= status < 300:
        shown = f"a {kind} file" if kind != "unknown" else _shown(head, 120)
        raise CheckFailed(
            f"HTTP {status}: the backup was served to an account without backup access ({shown})", REFUSED
        )
    if not 400 <= status < 500:
        raise CheckFailed(f"HTTP {status} where a 4xx refusal was expected", REFUSED)
    if kind != "unknown":
        raise CheckFailed(
            f"HTTP {status}, but the body is a {kind} file: a backup must not leave the appliance", REFUSED
        )
    try:
        parsed = json.loads(head)
    except (ValueError, UnicodeDecodeError):
        parsed = None
    if not isinstance(parsed, dict) or parsed.get("error") != "access_denied":
        warn(f"HTTP {status} refusal is not the guide's access_denied JSON: {_shown(head)}", req=REFUSED)
    if status not in (401, 403):
        warn(f"HTTP {status} refusal; 403 (or 401) was expected", req=REFUSED)
