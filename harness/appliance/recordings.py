"""Session recordings (and chat transcripts): which exist, their URLs, and their content, made on demand.

Guide: SupportSessionRecording, ShowMyScreenRecording, CommandShellRecording and PresentationSessionRecording
return "the video recording" of a session; the Bomgar 12.1 guide names the container for all four, command
shells included: "Flash (.flv) video". So every recording here is an FLV file (`video/x-flv`) holding
Screen Video frames (FLV codec 3: zlib-compressed BGR blocks, which any FLV player decodes).

The content is SYNTHETIC: small, deterministic frames drawn from the session ID (a desktop with a moving
window; a terminal filling with lines for command shells), as long as the recording. No file is stored:
each download renders it again, identically.

Which recordings exist (history store, see history.py):
- the session recording: `has_recording` of a session that ended ("available only for sessions that have
  successfully ended"); the same for presentations;
- Show My Screen instance n (0-based): the n-th "Show My Screen Recording" event of a session that ended;
- command shell instance n (0-based): the n-th "Command Shell Session Started" event of a session that ended.

Choices where the guide is silent:
- URLs (report elements and archive events) have the form of the chat URLs the reports already carry:
  `https://<public site>/session_download?lsid=...&dl_action=<chat|recording|show_my_screen|command_shell>`
  `&sessionType=<sd|pres>[&instance=n][&view=1]`; this appliance serves that path, with the reporting
  API's bearer token and permission (a 1.7.0 appliance: its username and password, legacy_reporting.py;
  no /login session exists here); `view=1` answers inline, else as an attachment; a missing file answers
  a root <error> with HTTP 404, a malformed request 400 (download URLs, not the XML API: on 1.7.0 too);
- the SupportSession report numbers <show_my_screen_recording>/<command_shell_recording> instances from 0,
  like the API (its own table says "starting with 0"; the CommandShellRecording section says the report
  starts at 1: read as the /login web report);
- file names: `<lsid>.flv`, `<lsid>-show-my-screen-<n>.flv`, `<lsid>-command-shell-<n>.flv`; chat transcripts
  are UTF-8 text, one line per chat message.
"""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from harness.appliance import db
from harness.appliance.history import Event
from harness.appliance.params import xml_api_call
from harness.appliance.xmlresponse import attachment, error_response
from harness.catalogue import reports as catalogue

VIDEO_TYPE = catalogue.RECORDING_MEDIA_TYPE
TEXT_TYPE = "text/plain; charset=UTF-8"
SESSION, SHOW_MY_SCREEN, COMMAND_SHELL, CHAT = "recording", "show_my_screen", "command_shell", "chat"
EVENT_OF = {SHOW_MY_SCREEN: "Show My Screen Recording", COMMAND_SHELL: "Command Shell Session Started"}
WIDTH, HEIGHT, BLOCK = 160, 96, 32
MAX_FRAMES = 48
LSID = re.compile(r"[0-9a-fA-F]{32}")
INSTANCE = re.compile(r"\d{1,9}")


@dataclass(frozen=True)
class Recording:
    kind: str  # SESSION, SHOW_MY_SCREEN, COMMAND_SHELL or CHAT
    lsid: str
    presentation: bool
    instance: int | None
    start: int
    end: int

    @property
    def filename(self) -> str:
        if self.kind == CHAT:
            return f"{self.lsid}-chat.txt"
        if self.kind == SESSION:
            return f"{self.lsid}.flv"
        return f"{self.lsid}-{self.kind.replace('_', '-')}-{self.instance}.flv"


def url(hostname: str, lsid: str, kind: str, presentation: bool = False, instance=None, view=False) -> str:
    out = f"https://{hostname}/session_download?lsid={quote(lsid)}&dl_action={kind}"
    out += "&sessionType=" + ("pres" if presentation else "sd")
    if instance is not None:
        out += f"&instance={instance}"
    return out + ("&view=1" if view else "")


# --- which recordings exist ------------------------------------------------------------------------


def instances(conn, lsid: str, kind: str) -> list[int]:
    """The event timestamps of a session's Show My Screen or command shell recordings, instance order."""
    sql = "SELECT ts FROM hist_session_event WHERE lsid = ? AND event_type = ? ORDER BY seq"
    return [row[0] for row in conn.execute(sql, (lsid, EVENT_OF[kind]))]


def find(db_path, kind: str, lsid: str, presentation: bool = False, instance: int | None = None):
    """The recording, or None when the session has no such recording."""
    conn = db.connect(db_path)
    table = "hist_presentation" if presentation else "hist_support_session"
    s = conn.execute(
        f"SELECT start_ts, end_ts, has_recording FROM {table} WHERE lsid = ?", (lsid,)
    ).fetchone()
    if s is None or s["end_ts"] is None:  # recordings are complete once the session has ended
        return None
    if kind == CHAT:
        return Recording(kind, lsid, presentation, None, s["start_ts"], s["end_ts"])
    if kind == SESSION:
        return (
            Recording(kind, lsid, presentation, None, s["start_ts"], s["end_ts"])
            if s["has_recording"]
            else None
        )
    if presentation or instance is None:
        return None
    starts = instances(conn, lsid, kind)
    if instance >= len(starts):
        return None
    return Recording(kind, lsid, presentation, instance, starts[instance], s["end_ts"])


def chat_transcript(db_path, r: Recording) -> bytes:
    table = "hist_presentation_event" if r.presentation else "hist_session_event"
    sql = f"SELECT ts, event_type, payload FROM {table} WHERE lsid = ? AND event_type = ? ORDER BY seq"
    lines = []
    for row in db.connect(db_path).execute(sql, (r.lsid, "Chat Message")):
        e = Event.from_row(row["ts"], row["event_type"], row["payload"])
        when = datetime.fromtimestamp(e.ts, UTC).isoformat()
        lines.append(f"[{when}] {e.performed_by.name or e.performed_by.type}: {e.body or ''}\n")
    return "".join(lines).encode("utf-8")


def render(db_path, r: Recording) -> tuple[bytes, str]:
    """The file's bytes and media type."""
    if r.kind == CHAT:
        return chat_transcript(db_path, r), TEXT_TYPE
    return flv(r), VIDEO_TYPE


# --- the FLV file (Adobe FLV spec v10: header, tags, onMetaData, SCREENVIDEOPACKET) ---------------------


def _palette(r: Recording) -> list[bytes]:
    seed = hashlib.sha256(f"{r.lsid}/{r.kind}/{r.instance}".encode()).digest()
    return [bytes(seed[i : i + 3]) for i in range(0, 30, 3)]  # BGR colours


def _frame(r: Recording, colours: list[bytes], n: int, total: int) -> bytearray:
    """One image, rows bottom-up (the order Screen Video stores them)."""
    shell = r.kind == COMMAND_SHELL
    img = bytearray((b"\x10\x10\x10" if shell else colours[0]) * (WIDTH * HEIGHT))

    def rect(x0: int, y0: int, x1: int, y1: int, colour: bytes) -> None:
        x0, x1 = max(x0, 0), min(x1, WIDTH)
        for y in range(max(y0, 0), min(y1, HEIGHT)):
            img[(y * WIDTH + x0) * 3 : (y * WIDTH + x1) * 3] = colour * (x1 - x0)

    if shell:  # a terminal: one more line of "text" per frame, scrolling once full
        rows = HEIGHT // 8
        for line in range(max(0, n + 1 - rows), n + 1):
            y = HEIGHT - 8 * (line - max(0, n + 1 - rows) + 1)
            width = 16 + colours[line % 10][0] % (WIDTH - 24)
            rect(4, y + 2, 4 + width, y + 6, b"\x40\xe0\x40")
    else:  # a desktop: a taskbar, and a window moving across it
        rect(0, 0, WIDTH, 10, colours[1])
        x = (n * (WIDTH - 60)) // max(total - 1, 1)
        rect(x, 24, x + 60, 80, colours[2])
        rect(x, 72, x + 60, 80, colours[3])
    rect(0, 0, (WIDTH * (n + 1)) // total, 2, b"\xff\xff\xff")  # progress, so every frame differs
    return img


def _blocks(img: bytearray) -> list[bytes]:
    """The image's blocks, bottom-left to top-right in rows, each bottom-up rows of BGR pixels."""
    out = []
    for by in range(0, HEIGHT, BLOCK):
        for bx in range(0, WIDTH, BLOCK):
            x1 = min(bx + BLOCK, WIDTH)
            rows = (
                img[(y * WIDTH + bx) * 3 : (y * WIDTH + x1) * 3] for y in range(by, min(by + BLOCK, HEIGHT))
            )
            out.append(b"".join(rows))
    return out


def _tag(kind: int, ms: int, data: bytes) -> bytes:
    """An FLV tag (type, size, timestamp in ms with its extension byte, stream 0), then PreviousTagSize."""
    head = bytes([kind]) + len(data).to_bytes(3, "big")
    head += (ms & 0xFFFFFF).to_bytes(3, "big") + bytes([(ms >> 24) & 0xFF]) + b"\0\0\0"
    return head + data + struct.pack(">I", 11 + len(data))


def _amf_string(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def _metadata(duration: float, fps: float) -> bytes:
    values = {"duration": duration, "width": WIDTH, "height": HEIGHT, "videocodecid": 3, "framerate": fps}
    body = b"\x02" + _amf_string("onMetaData") + b"\x08" + struct.pack(">I", len(values))
    for key, value in values.items():
        body += _amf_string(key) + b"\x00" + struct.pack(">d", float(value))
    return body + b"\x00\x00\x09"


def flv(r: Recording) -> bytes:
    """The recording as FLV: a header, onMetaData, then Screen Video frames spread over its duration."""
    duration = max(r.end - r.start, 1)
    total = max(2, min(MAX_FRAMES, duration // 5 + 1))
    colours = _palette(r)
    out = [b"FLV\x01\x01" + struct.pack(">I", 9) + struct.pack(">I", 0)]
    out.append(_tag(18, 0, _metadata(duration, (total - 1) / duration)))
    size = ((BLOCK // 16 - 1) << 12 | WIDTH, (BLOCK // 16 - 1) << 12 | HEIGHT)
    key: list[bytes] = []
    previous: list[bytes] = []
    for n in range(total):
        blocks = _blocks(_frame(r, colours, n, total))
        keyframe = n % 24 == 0
        if keyframe:
            key = blocks
        packet = bytearray(b"\x13" if keyframe else b"\x23")  # frame type (1 key, 2 inter) | codec 3
        packet += struct.pack(">HH", *size)
        for i, block in enumerate(blocks):
            if not keyframe and block == previous[i] and block == key[i]:
                packet += b"\0\0"  # unchanged (since the previous frame and since the keyframe)
            else:
                data = zlib.compress(block, 9)
                packet += struct.pack(">H", len(data)) + data
        previous = blocks
        out.append(_tag(9, (n * duration * 1000) // (total - 1), bytes(packet)))
    return b"".join(out)


# --- serving -----------------------------------------------------------------------------------------


def response(db_path, r: Recording, view: bool = False) -> Response:
    data, media_type = render(db_path, r)
    return attachment(data, r.filename, media_type=media_type, disposition="inline" if view else "attachment")


def _bad(params: dict[str, str]) -> str | None:
    """Why a /session_download request is malformed, or None."""
    if not LSID.fullmatch(params.get("lsid", "")):
        return "Invalid value for parameter lsid: expected a session ID (32 hexadecimal digits)"
    if params.get("dl_action") not in (CHAT, SESSION, SHOW_MY_SCREEN, COMMAND_SHELL):
        return "Invalid value for parameter dl_action"
    if params.get("sessionType", "sd") not in ("sd", "pres"):
        return "Invalid value for parameter sessionType: expected sd or pres"
    if params.get("dl_action") in EVENT_OF and not INSTANCE.fullmatch(params.get("instance", "")):
        return "Invalid value for parameter instance: expected a non-negative integer"
    return None


async def session_download(request: Request) -> Response:
    """The download and view URLs the reports and archive events give (chat transcripts, recordings)."""
    call = await xml_api_call(request, "reporting")
    if isinstance(call, Response):
        return call
    account, params, namespace = call
    return await download(request.app.state.appliance, params, namespace, account.allows)


async def download(
    appliance, params: dict[str, str], namespace: str, allows: Callable[[str], bool]
) -> Response:
    """A /session_download answer to an authenticated request; `allows(permission)`: may its account have
    support (perm_reporting_support) or presentation (perm_reporting_presentation) files."""
    problem = _bad(params)
    if problem:
        return error_response(namespace, problem, 400)
    presentation = params.get("sessionType") == "pres"
    permission = catalogue.PRESENTATION if presentation else catalogue.SUPPORT
    if not allows(permission):
        return error_response(namespace, f"The API account does not have {permission}", 403)
    kind = params["dl_action"]
    instance = int(params["instance"]) if kind in EVENT_OF else None
    r = await run_in_threadpool(find, appliance.db_path, kind, params["lsid"].lower(), presentation, instance)
    if r is None:
        return error_response(namespace, "No file found for the given session.", 404)
    return await run_in_threadpool(response, appliance.db_path, r, params.get("view") == "1")


def routes() -> list[Route]:
    return [Route("/session_download", session_download, methods=["GET"])]
