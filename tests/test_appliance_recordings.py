"""Recording reports on the embedded appliance: SupportSessionRecording, ShowMyScreenRecording,
CommandShellRecording, PresentationSessionRecording (and PresentationRecording) return an FLV video when the
session has that recording and the documented <error> when not; the SupportSession and PresentationSession
reports' recording and chat URLs download."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from conftest import bearers
from conftest import valid_xml as valid
from lxml import etree

from harness.appliance import history, server
from harness.appliance.accounts import Account
from harness.appliance.app import Appliance, ApplianceConfig
from harness.appliance.clock import ManualClock

NOW = 1_700_000_000.0
GUIDE = history.GUIDE_LSIDS[0]  # c69a8e10bea9428f816cfababe9815fe, the lsid of every recording example
# The guide's "Query Example"s of the four recording reports (its `Isid` is an OCR error for lsid), and
# what each gives on the seeded appliance: the guide's session is a support session with three recordings
# of each kind; it is not a presentation.
GUIDE_EXAMPLES = {
    f"generate_report=SupportSessionRecording&lsid={GUIDE}": f"{GUIDE}.flv",
    f"generate_report=ShowMyScreenRecording&lsid={GUIDE}&instance=0": f"{GUIDE}-show-my-screen-0.flv",
    f"generate_report=ShowMyScreenRecording&lsid={GUIDE}&instance=2": f"{GUIDE}-show-my-screen-2.flv",
    f"generate_report=CommandShellRecording&lsid={GUIDE}&instance=0": f"{GUIDE}-command-shell-0.flv",
    f"generate_report=CommandShellRecording&lsid={GUIDE}&instance=2": f"{GUIDE}-command-shell-2.flv",
    f"generate_report=PresentationSessionRecording&lsid={GUIDE}": None,
    f"generate_report=PresentationRecording&lsid={GUIDE}": None,
}
NOT_FOUND = {
    "SupportSessionRecording": b"No recording found for the given session.",
    "ShowMyScreenRecording": b"No Show My Screen recording found for the given session and instance.",
    "CommandShellRecording": b"No command shell recording found for the given session and instance.",
    "PresentationSessionRecording": b"No recording found for the given presentation.",
    "PresentationRecording": b"No recording found for the given presentation.",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[Appliance, str, dict]]:
    appliance = Appliance(
        ApplianceConfig(tmp_path_factory.mktemp("recordings"), seed=7), clock=ManualClock(NOW)
    )
    # One kind each: "Allow Access to Support (Presentation) Session Reports and Recordings".
    for kind in ("support", "presentation"):
        perms = {f"perm_reporting_{kind}": "1"}
        appliance.accounts.append(Account(f"{kind}_only", f"{kind}-only", f"{kind}-secret", perms))
    with server.running(appliance) as url:
        yield appliance, url, bearers(appliance, url)


def get(served, query: str | dict, account: str = "full", path: str = "/api/reporting") -> httpx.Response:
    _, url, tokens = served
    params = dict(parse_qsl(query)) if isinstance(query, str) else query
    return httpx.get(url + path, params=params, headers=tokens.get(account, {}))


def local_tree(body: bytes) -> etree._Element:
    """An XML answer parsed as integrations do: the namespace stripped from every tag."""
    tree = etree.fromstring(body)
    for el in tree.iter():
        el.tag = etree.QName(el).localname
    return tree


# --- an FLV reader (Adobe FLV spec v10), written here to check the files -----------------------------


def _amf_metadata(body: bytes) -> dict[str, float]:
    assert body[:13] == b"\x02\x00\x0aonMetaData" and body[13] == 8
    pos, out = 18, {}
    while body[pos : pos + 3] != b"\x00\x00\x09":
        (n,) = struct.unpack(">H", body[pos : pos + 2])
        key = body[pos + 2 : pos + 2 + n].decode()
        assert body[pos + 2 + n] == 0  # AMF0 number
        (out[key],) = struct.unpack(">d", body[pos + 3 + n : pos + 11 + n])
        pos += 11 + n
    assert pos + 3 == len(body)
    return out


def _screen_video(body: bytes, previous: bytearray | None) -> tuple[bool, bytearray]:
    """Decode one SCREENVIDEOPACKET onto the previous image: (keyframe, image as bottom-up BGR rows)."""
    frame_type, codec = body[0] >> 4, body[0] & 15
    assert codec == 3 and frame_type in (1, 2)
    a, b = struct.unpack(">HH", body[1:5])
    bw, width, bh, height = 16 * ((a >> 12) + 1), a & 0xFFF, 16 * ((b >> 12) + 1), b & 0xFFF
    image = bytearray(width * height * 3) if previous is None else bytearray(previous)
    assert frame_type == 1 or previous is not None
    pos = 5
    for y0 in range(0, height, bh):
        for x0 in range(0, width, bw):
            (size,) = struct.unpack(">H", body[pos : pos + 2])
            pos += 2
            if size == 0:
                assert frame_type == 2, "a keyframe has every block"
                continue
            pixels = zlib.decompress(body[pos : pos + size])
            pos += size
            w, h = min(bw, width - x0), min(bh, height - y0)
            assert len(pixels) == w * h * 3
            for row in range(h):
                at = ((y0 + row) * width + x0) * 3
                image[at : at + w * 3] = pixels[row * w * 3 : (row + 1) * w * 3]
    assert pos == len(body)
    return frame_type == 1, image


def read_flv(data: bytes) -> tuple[dict[str, float], list[tuple[int, bool, bytes]]]:
    """(onMetaData, [(timestamp ms, keyframe, image)]); AssertionError on anything malformed."""
    assert data[:5] == b"FLV\x01\x01" and struct.unpack(">II", data[5:13]) == (9, 0)
    pos, meta, frames, image = 13, None, [], None
    while pos < len(data):
        assert pos + 11 <= len(data)
        kind, size = data[pos], int.from_bytes(data[pos + 1 : pos + 4], "big")
        ts = int.from_bytes(data[pos + 4 : pos + 7], "big") | data[pos + 7] << 24
        assert data[pos + 8 : pos + 11] == b"\0\0\0" and pos + 15 + size <= len(data)
        body = data[pos + 11 : pos + 11 + size]
        assert struct.unpack(">I", data[pos + 11 + size : pos + 15 + size]) == (11 + size,)
        pos += 15 + size
        if kind == 18:
            meta = _amf_metadata(body)
        else:
            assert kind == 9 and meta is not None
            key, image = _screen_video(body, image)
            frames.append((ts, key, bytes(image)))
    return meta, frames


def check_flv(data: bytes, seconds: int) -> list[tuple[int, bool, bytes]]:
    meta, frames = read_flv(data)
    assert meta["duration"] == seconds and meta["videocodecid"] == 3
    assert len(frames) >= 2 and frames[0][1] and frames[0][0] == 0 and frames[-1][0] == seconds * 1000
    assert [t for t, *_ in frames] == sorted({t for t, *_ in frames})
    assert len({img for *_, img in frames}) == len(frames)  # the picture moves
    assert all(len(img) == meta["width"] * meta["height"] * 3 for *_, img in frames)
    return frames


def session_length(appliance: Appliance, lsid: str, table: str = "hist_support_session") -> int:
    row = history.ensure(appliance.db_path).execute(
        f"SELECT start_ts, end_ts FROM {table} WHERE lsid = ?", (lsid,)
    )
    start, end = row.fetchone()
    return end - start


# --- the guide's examples --------------------------------------------------------------------------


@pytest.mark.parametrize("query", GUIDE_EXAMPLES)
def test_guide_examples_give_the_file_or_the_documented_error(served, query) -> None:
    r = get(served, query)
    assert r.status_code == 200
    filename = GUIDE_EXAMPLES[query]
    if filename is None:
        assert NOT_FOUND[dict(parse_qsl(query))["generate_report"]] in valid(r, "error")
        return
    assert r.headers["content-type"] == "video/x-flv"
    assert r.headers["content-disposition"] == f'attachment; filename="{filename}"'
    length = session_length(served[0], GUIDE)
    instance_start = 0 if "instance" not in query else None
    frames = read_flv(r.content)[1]
    if instance_start == 0:
        check_flv(r.content, length)  # the whole session
    else:
        assert frames[0][1] and frames[-1][0] < length * 1000  # from the instance's start to the end


def test_the_flv_reader_refuses_broken_files(served) -> None:
    data = get(served, f"generate_report=SupportSessionRecording&lsid={GUIDE}").content
    check_flv(data, session_length(served[0], GUIDE))
    block = 13 + 15 + int.from_bytes(data[14:17], "big") + 11 + 5 + 2 + 4  # inside the first zlib block
    flipped = data[:block] + bytes([data[block] ^ 0xFF]) + data[block + 1 :]
    for broken in (data[:-1], data[:200], data.replace(b"FLV\x01", b"FLV\x02", 1), flipped):
        with pytest.raises((AssertionError, zlib.error, struct.error, KeyError)):
            check_flv(broken, session_length(served[0], GUIDE))


def test_recordings_are_deterministic_and_distinct(served) -> None:
    shell = "generate_report=CommandShellRecording&lsid={}&instance={}"
    first = get(served, shell.format(GUIDE, 1)).content
    assert first == get(served, shell.format(GUIDE, 1)).content
    assert first != get(served, shell.format(GUIDE, 0)).content
    assert first != get(served, f"generate_report=ShowMyScreenRecording&lsid={GUIDE}&instance=1").content
    assert get(served, shell.format(GUIDE.upper(), 1)).content == first  # hex digits in either case


def test_a_presentation_with_a_recording_answers_under_both_names(served) -> None:
    lsid = history.GUIDE_PRESENTATION
    new = get(served, f"generate_report=PresentationSessionRecording&lsid={lsid}")
    old = get(served, f"generate_report=PresentationRecording&lsid={lsid}")
    assert new.headers["content-type"] == "video/x-flv" and new.content == old.content
    check_flv(new.content, session_length(served[0], lsid, "hist_presentation"))


@pytest.mark.parametrize(
    "query",
    [
        f"generate_report=ShowMyScreenRecording&lsid={GUIDE}&instance=3",
        f"generate_report=CommandShellRecording&lsid={GUIDE}&instance=999999999999",
        f"generate_report=SupportSessionRecording&lsid={history.IN_PROGRESS_LSID}",  # not ended yet
        f"generate_report=CommandShellRecording&lsid={history.IN_PROGRESS_LSID}&instance=0",
        f"generate_report=SupportSessionRecording&lsid={'0' * 32}",
        f"generate_report=PresentationSessionRecording&lsid={'0' * 32}",
    ],
)
def test_absent_recordings_answer_the_documented_error(served, query) -> None:
    r = get(served, query)
    assert r.status_code == 200
    assert NOT_FOUND[dict(parse_qsl(query))["generate_report"]] in valid(r, "error")


def test_a_recording_is_there_once_the_session_has_ended(served) -> None:
    appliance = served[0]
    lsid, start = "e" * 32, int(NOW) - 600
    customer = history.Customer(12, "jdoe", "198.51.100.7:50000", "10.0.0.7", "pc", "Unknown")
    rep = history.Entity(101, "representative", "Alex Smith")
    s = history.SupportSession(lsid, start, None, "session_key", [customer], has_recording=1)
    s.events = [history.Event(start + 5, "Show My Screen Recording", rep)]
    history.record_support_session(appliance.db_path, s)
    queries = [
        f"generate_report=SupportSessionRecording&lsid={lsid}",
        f"generate_report=ShowMyScreenRecording&lsid={lsid}&instance=0",
    ]
    for query in queries:  # in progress: not yet
        assert NOT_FOUND[dict(parse_qsl(query))["generate_report"]] in valid(get(served, query), "error")
    s.end_ts = start + 300
    history.record_support_session(appliance.db_path, s)
    whole, shown = (get(served, query) for query in queries)
    check_flv(whole.content, 300)
    assert read_flv(shown.content)[1][-1][0] == 295_000  # from its start to the session's end


def test_has_recording_matches_what_downloads(served) -> None:
    body = valid(
        get(served, "generate_report=SupportSessionListing&start_date=2016-10-01&duration=0"),
        "session_summary_list",
    )
    flags = dict(re.findall(rb'lsid="([0-9a-f]{32})" has_recording="([01])"', body))
    assert set(flags.values()) == {b"0", b"1"} and len(flags) > 20
    _, url, tokens = served
    client = httpx.Client(headers=tokens["full"])
    for lsid, flag in flags.items():
        r = client.get(
            f"{url}/api/reporting",
            params={"generate_report": "SupportSessionRecording", "lsid": lsid.decode()},
        )
        ended = lsid.decode() != history.IN_PROGRESS_LSID
        assert (r.headers["content-type"] == "video/x-flv") == (flag == b"1" and ended), lsid
    client.close()


# --- the reports' URLs ---------------------------------------------------------------------------------


def _urls(body: bytes) -> list[tuple[str, str]]:
    tags = rb"session_chat_view_url|session_chat_download_url|session_recording_view_url|"
    tags += rb"session_recording_download_url|download_url|view_url"
    return [
        (m[0].decode(), unescape(m[1].decode())) for m in re.findall(rb"<(" + tags + rb")>([^<]+)</", body)
    ]


@pytest.mark.parametrize("report", ["SupportSession", "PresentationSession"])
def test_every_url_in_the_session_reports_downloads(served, report) -> None:
    appliance, url, tokens = served
    body = b""
    for window in ("start_date=2016-10-01&duration=1", f"start_time={int(NOW) - 2 * 86400}&duration=0"):
        body += valid(get(served, f"generate_report={report}&{window}"), "session_list")
    urls = _urls(body)
    kinds = {tag for tag, _ in urls}
    assert {
        "session_recording_view_url",
        "session_recording_download_url",
        "session_chat_download_url",
    } <= kinds
    if report == "SupportSession":
        for window_body in body.split(b"<?xml")[1:]:
            tree = local_tree(b"<?xml" + window_body)
            if tree.find(".//show_my_screen_recordings/show_my_screen_recording[@instance='0']") is not None:
                break
        else:
            raise AssertionError("no <show_my_screen_recording instance='0'> in either window")
        assert tree.find(".//command_shell_recording[@instance='2']") is not None
    decoded = set()
    client = httpx.Client(headers=tokens["full"])
    for tag, link in urls:
        parts = urlsplit(link)
        assert parts.scheme == "https" and parts.netloc == appliance.config.hostname
        r = client.get(f"{url}{parts.path}?{parts.query}")
        assert r.status_code == 200, (link, r.text)
        disposition = r.headers["content-disposition"]
        assert disposition.startswith("inline;" if "view" in tag else "attachment;"), (tag, disposition)
        if "chat" in tag:
            assert r.headers["content-type"].startswith("text/plain")
        else:
            assert r.headers["content-type"] == "video/x-flv" and r.content.startswith(b"FLV\x01\x01")
            if tag not in decoded:  # one of each fully (decoding in Python is slow)
                decoded.add(tag)
                assert read_flv(r.content)[1]
    client.close()
    assert len(urls) >= 8


def test_an_instance_in_the_report_is_the_instance_of_the_api(served) -> None:
    body = get(served, f"generate_report=SupportSession&lsid={GUIDE}").content
    _, url, tokens = served
    link = local_tree(body).findtext(".//command_shell_recording[@instance='2']/download_url")
    parts = urlsplit(link)
    via_url = httpx.get(f"{url}{parts.path}?{parts.query}", headers=tokens["full"]).content
    assert via_url == get(served, f"generate_report=CommandShellRecording&lsid={GUIDE}&instance=2").content


def test_chat_transcripts_hold_the_chat(served) -> None:
    _, url, tokens = served
    params = {"lsid": history.GUIDE_PRESENTATION, "dl_action": "chat", "sessionType": "pres"}
    r = httpx.get(f"{url}/session_download", params=params, headers=tokens["full"])
    assert r.status_code == 200 and b"Welcome, we'll start in a minute." in r.content


# --- hostile requests --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "generate_report=SupportSessionRecording",
        "generate_report=SupportSessionRecording&lsid=",
        "generate_report=SupportSessionRecording&lsid=zz" + "0" * 30,
        f"generate_report=SupportSessionRecording&lsid={GUIDE}0",
        f"generate_report=SupportSessionRecording&lsid=../{GUIDE[3:]}",
        f"generate_report=ShowMyScreenRecording&lsid={GUIDE}",
        f"generate_report=ShowMyScreenRecording&lsid={GUIDE}&instance=-1",
        f"generate_report=ShowMyScreenRecording&lsid={GUIDE}&instance=x",
        f"generate_report=CommandShellRecording&lsid={GUIDE}&instance=1.0",
        f"generate_report=CommandShellRecording&lsid={GUIDE}&instance=99999999999999999999",
        f"generate_report=CommandShellRecording&lsid={GUIDE}&instance=%EF%BC%91",  # a full-width digit one
        "generate_report=PresentationSessionRecording&lsid=%00" + "0" * 31,
        "generate_report=PresentationRecording",
    ],
)
def test_bad_recording_parameters_answer_a_400_error(served, query) -> None:
    r = get(served, query)
    assert r.status_code == 400, r.text
    valid(r, "error")


@pytest.mark.parametrize(
    ("report", "lsid", "account", "status"),
    [
        ("SupportSessionRecording", GUIDE, "real_time_only", 403),
        ("SupportSessionRecording", GUIDE, "presentation_only", 403),
        ("SupportSessionRecording", GUIDE, "support_only", 200),
        ("PresentationSessionRecording", history.GUIDE_PRESENTATION, "support_only", 403),
        ("PresentationSessionRecording", history.GUIDE_PRESENTATION, "presentation_only", 200),
    ],
)
def test_recordings_need_their_permission(served, report, lsid, account, status) -> None:
    r = get(served, {"generate_report": report, "lsid": lsid}, account=account)
    assert r.status_code == status
    if status == 403:
        valid(r, "error")
    else:
        assert r.headers["content-type"] == "video/x-flv"


@pytest.mark.parametrize(
    ("params", "account", "status"),
    [
        ({"lsid": GUIDE, "dl_action": "recording"}, None, 401),
        ({"lsid": GUIDE, "dl_action": "recording"}, "real_time_only", 403),
        (
            {"lsid": history.GUIDE_PRESENTATION, "dl_action": "recording", "sessionType": "pres"},
            "support_only",
            403,
        ),
        (
            {"lsid": history.GUIDE_PRESENTATION, "dl_action": "recording", "sessionType": "pres"},
            "presentation_only",
            200,
        ),
        ({"lsid": GUIDE, "dl_action": "command_shell", "instance": "0"}, "presentation_only", 403),
        ({"lsid": GUIDE, "dl_action": "command_shell", "instance": "0"}, "support_only", 200),
        ({"lsid": "x", "dl_action": "recording"}, "full", 400),
        ({"lsid": GUIDE, "dl_action": "format_c"}, "full", 400),
        ({"lsid": GUIDE, "dl_action": "recording", "sessionType": "other"}, "full", 400),
        ({"lsid": GUIDE, "dl_action": "show_my_screen"}, "full", 400),
        ({"lsid": GUIDE, "dl_action": "show_my_screen", "instance": "-1"}, "full", 400),
        ({"lsid": GUIDE, "dl_action": "show_my_screen", "instance": "7"}, "full", 404),
        ({"lsid": "0" * 32, "dl_action": "chat"}, "full", 404),
        ({"lsid": GUIDE, "dl_action": "recording", "sessionType": "pres"}, "full", 404),
        ({"lsid": GUIDE, "dl_action": "recording"}, "full", 200),  # the same URL with nothing wrong
    ],
)
def test_session_download_refuses_what_it_must(served, params, account, status) -> None:
    r = get(served, params, account=account or "", path="/session_download")
    assert r.status_code == status, r.text
    if status == 401:
        assert r.json()["error"] == "access_denied"
    elif status == 200:
        assert r.headers["content-type"] == "video/x-flv"
    else:
        valid(r, "error")
