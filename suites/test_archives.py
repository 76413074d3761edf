"""State and event archives (guide: "Download Reports with ArchiveListing", "Download Reports with Archive"):
the listings of the last days, checked against their dates and each other; listed archives downloaded as
gzip and read as the guide's JSON (state tables, event lines); unknown archives and malformed requests
refused; accounts without "Allow Access to Archive Reports" refused.

Which archives exist is taken from ArchiveListing itself, never assumed; each listed archive is downloaded
once. The replay checks rebuild the model as the guide tells integrations to: a state archive and the event
archives after it give the next state archive (the newest and the oldest such pair listed), and, for the
live day, the model the real-time API shows. An appliance without the archives a check needs (a fresh
appliance has no event archive until ten minutes and a few have passed; the embedded appliance starts with
a week of them) makes that check NOT_TESTED, with the reason.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field

import pytest

from harness import verdicts
from harness.checks import archives as arc
from harness.checks import realtime as rt
from harness.checks import reporting as rpt
from harness.checks.xml import error_text, reporting_ok, xml_response
from harness.client.realtime import Mirror, RealtimeClient, authenticate_message, subscribe_message

DAY = rpt.DAY_S
DECOMPRESSED_MAX = 512 << 20  # what the harness reads into memory; the guide's bound is 4 GB
NO_ARCHIVES = "No archives found for the given search criteria."


@pytest.fixture(scope="module")
def api(rs_target, rs_client):
    return rs_client("full")


@dataclass
class Listings:
    """ArchiveListing of nine consecutive dates: tomorrow (an appliance east of UTC) back to a week ago."""

    days: dict[str, list[arc.ArchiveEntry]] = field(default_factory=dict)

    def newest(self, kind: str) -> tuple[str, arc.ArchiveEntry] | None:
        found = [(e.time, d, e) for d, entries in self.days.items() for e in entries if e.kind == kind]
        return (max(found)[1], max(found)[2]) if found else None

    def oldest(self, kind: str) -> tuple[str, arc.ArchiveEntry] | None:
        found = [(e.time, d, e) for d, entries in self.days.items() for e in entries if e.kind == kind]
        return (min(found)[1], min(found)[2]) if found else None

    def day_of(self, entry: arc.ArchiveEntry) -> str:
        return next(d for d, entries in self.days.items() if entry in entries)

    def all(self) -> list[arc.ArchiveEntry]:
        return [e for entries in self.days.values() for e in entries]


def listing(client, expect, date: str) -> list[arc.ArchiveEntry]:
    response = client.report("ArchiveListing", {"date": date})
    if response.status_code < 500:
        root = xml_response(response, expect, "reporting", ("archives", "error"))
        text = error_text(root) if root.tag == "error" else ""
        if "disabled" in text.lower() or "enable" in text.lower():
            verdicts.na(
                f"ArchiveListing answered <error>{text}</error>: the state archive API looks disabled"
            )
    return arc.listing_entries(reporting_ok(response, expect, "archives"))


@pytest.fixture(scope="module")
def listings(api, rs_expect) -> Listings:
    now = time.time()
    out = Listings()
    for back in range(-1, 8):
        date = rpt.day(now - back * DAY)
        out.days[date] = listing(api, rs_expect, date)
    return out


def fetch(client, date: str, entry: arc.ArchiveEntry):
    """(response, compressed bytes) of a listed archive."""
    response, spool = client.report_stream(
        "Archive", {"type": entry.kind, "date": date, "index": entry.index}
    )
    with spool:
        return response, spool.read()


def chosen(listings: Listings, kind: str, which: str) -> tuple[str, arc.ArchiveEntry]:
    found = listings.newest(kind) if which == "newest" else listings.oldest(kind)
    if found is None:
        verdicts.not_tested(
            f"ArchiveListing lists no {kind} archive for the last days"
            + (
                " (the first is written ten minutes and more after the appliance starts)"
                if kind == "event"
                else ""
            )
        )
    return found


# --- ArchiveListing ---------------------------------------------------------------------------------------


@pytest.mark.req(
    "ARC-LIST-001", "ARC-LIST-002", "ARC-LIST-003", "ARC-LIST-004", "ARC-LIST-005", "ARC-LIST-007"
)
def test_archive_listings(listings):
    for date, entries in listings.days.items():
        arc.listing_rules(entries, date)


@pytest.mark.req("ARC-GEN-003")
def test_history_is_kept_for_seven_active_days(listings):
    arc.seven_days({date: len(entries) for date, entries in listings.days.items()})


@pytest.mark.req("ARC-LIST-002", "ARC-LIST-001")  # "a date without archives lists none" is ARC-LIST-002
def test_a_date_without_archives_lists_none(api, rs_expect):
    response = api.report("ArchiveListing", {"date": "2000-01-01"})
    root = xml_response(response, rs_expect, "reporting", ("archives", "error"))
    if root.tag == "error":
        verdicts.warn(
            f"<error>{error_text(root)}</error> for a date without archives; the guide documents zero or more"
        )
        return
    assert len(root) == 0, f"ArchiveListing date=2000-01-01 lists {len(root)} archive(s)"


# --- Archive ----------------------------------------------------------------------------------------------


class Downloads:
    """Listed archives, downloaded and read once: a state archive as its JSON object, an event archive as
    its lines (their form is judged where they are read)."""

    def __init__(self, client, listings: Listings):
        self.client, self.listings = client, listings
        self._read: dict[arc.ArchiveEntry, object] = {}

    def __call__(self, entry: arc.ArchiveEntry):
        if entry not in self._read:
            response, data = fetch(self.client, self.listings.day_of(entry), entry)
            text = arc.decompressed(response, data, DECOMPRESSED_MAX)
            if entry.kind == "state":
                self._read[entry] = arc.state_archive(text, entry.time)
            else:
                self._read[entry] = arc.event_lines(text)
        return self._read[entry]


@pytest.fixture(scope="module")
def downloads(api, listings) -> Downloads:
    return Downloads(api, listings)


@pytest.fixture(scope="module")
def newest_state(listings, downloads) -> tuple[arc.ArchiveEntry, dict]:
    _, entry = chosen(listings, "state", "newest")
    return entry, downloads(entry)


@pytest.mark.req("ARC-GET-001", "ARC-GET-002", "ARC-JSON-001", "ARC-JSON-002", "ARC-JSON-003", "ARC-JSON-004")
@pytest.mark.parametrize("which", ["newest", "oldest"])
def test_state_archive(listings, downloads, which):
    """Tables and fields the guide does not list, and documented tables left out, are WARNs."""
    date, entry = chosen(listings, "state", which)
    doc = downloads(entry)
    missing = sorted(set(arc.TABLES) - set(doc))
    if missing:
        verdicts.warn(
            f"state archive {date} {entry.index} without the tables {', '.join(missing)} (null when empty)",
            req="ARC-JSON-001",
        )


@pytest.mark.req("ARC-JSON-005")
def test_state_archive_references(newest_state):
    arc.state_references(newest_state[1])


@pytest.fixture(scope="module")
def presentation_lsids(api, rs_expect) -> set[str]:
    params = {"start_time": int(time.time()) - 8 * DAY, "duration": 0}
    root = reporting_ok(
        api.report("PresentationSessionListing", params), rs_expect, "presentation_summary_list"
    )
    return set(rpt.listing_entries(root))


@pytest.mark.req("ARC-GET-001", "ARC-GET-002", "ARC-JSON-002", "ARC-JSON-006", "ARC-JSON-007", "ARC-JSON-008",
                 "ARC-JSON-009", "ARC-JSON-010", "ARC-JSON-011", "ARC-JSON-012")  # fmt: skip
@pytest.mark.parametrize("which", ["newest", "oldest"])
def test_event_archive(listings, downloads, presentation_lsids, which):
    """Tables, session events and data fields the guide does not list are WARNs."""
    _, entry = chosen(listings, "event", which)
    arc.event_archive(downloads(entry), entry.time, entry.end, presentation_lsids)


# --- replay -----------------------------------------------------------------------------------------------


def replayable(listings: Listings) -> list[tuple[arc.ArchiveEntry, arc.ArchiveEntry, list[arc.ArchiveEntry]]]:
    """(state archive, the next one, the event archives between), oldest first: the pairs with no gap
    between them (the processes ran all along, and every event archive between is listed)."""
    entries = listings.all()
    states = sorted((e for e in entries if e.kind == "state"), key=lambda e: e.time)
    pairs = []
    for before, after in itertools.pairwise(states):
        run = arc.chain(entries, before, after.time)
        if run:
            pairs.append((before, after, run))
    return pairs


@pytest.mark.req("ARC-REPLAY-001")
@pytest.mark.parametrize("which", ["newest", "oldest"])
def test_replaying_event_archives_gives_the_next_state_archive(listings, downloads, which):
    """The state archive, its event archives replayed on it, and the state archive taken where they end."""
    pairs = replayable(listings)
    if not pairs:
        verdicts.not_tested(
            "ArchiveListing lists no two state archives with every event archive between them (30 minutes"
            " and more of an appliance's history)"
        )
    before, after, run = pairs[-1] if which == "newest" else pairs[0]
    lines = [line for e in run for line in downloads(e)]
    where = f"state archive {listings.day_of(before)} {before.index} + {len(run)} event archive(s)"
    arc.replay_to_state(downloads(before), lines, downloads(after), after.time, where)


@pytest.fixture(scope="module")
def realtime_model(rs_target, rs_client, listings) -> dict:
    """The real-time API's model, copied after the listings were taken (so it is the later one)."""
    role = next((r for r in ("real_time_only", "full") if r in rs_target.target.accounts), None)
    if role is None:
        verdicts.not_tested("the target file gives no real_time_only or full API account")
    token = rs_client(role).tokens.token()
    with RealtimeClient(rs_target.target.url, verify=rs_target.target.verify).connect() as client:
        client.send(authenticate_message(token), subscribe_message("all"))
        for kind in ("authenticate_response", "subscribe_response"):
            rt.phase_answer(client.receive(), kind, success=True)
        mirror = Mirror()
        client.follow(mirror, seconds=2.0, quiet=0.3)
    return mirror.rows


@pytest.mark.req("ARC-REPLAY-002")
def test_the_live_days_archives_replay_to_the_real_time_model(listings, downloads, realtime_model):
    """The newest state archive and the event archives after it, against the real-time API's copy."""
    _, state = chosen(listings, "state", "newest")
    run = arc.chain(listings.all(), state)
    model, _ = arc.replay(downloads(state), [line for e in run for line in downloads(e)])
    at = run[-1].end if run else state.time
    where = f"state archive {listings.day_of(state)} {state.index} + {len(run)} event archive(s)"
    if not arc.replay_to_realtime(model, at, realtime_model, where):
        verdicts.not_tested(
            f"no row of the real-time model is in the archives' model of {at}: it has changed entirely since"
        )


def _unknown(listings: Listings) -> list[dict]:
    date = max(listings.days)
    asked = []
    for kind in ("state", "event"):
        indexes = [e.index for e in listings.days[date] if e.kind == kind]
        asked.append({"type": kind, "date": date, "index": max(indexes, default=0) + 1000})
    return [*asked, {"type": "state", "date": "2000-01-01", "index": 1}]


@pytest.mark.req("ARC-GET-003", "RPT-GEN-012")
def test_an_unknown_archive_is_an_error(api, rs_expect, listings):
    for params in _unknown(listings):
        response, spool = api.report_stream("Archive", params)
        with spool:
            rpt.download_error(response, spool, rs_expect)


@pytest.mark.req("ARC-GET-004")
def test_an_unknown_archive_says_none_was_found(api, rs_expect, listings):
    for params in _unknown(listings):
        response, spool = api.report_stream("Archive", params)
        with spool:
            text = rpt.download_error(response, spool, rs_expect)
        assert text == NO_ARCHIVES, (
            f"Archive {params}: <error>{text}</error>, real appliances say {NO_ARCHIVES!r}"
        )


@pytest.mark.req("ARC-GET-005", "RPT-GEN-012", "RPT-GEN-013")
@pytest.mark.parametrize(
    "name, params",
    [
        pytest.param("ArchiveListing", {}, id="listing-no-date"),
        pytest.param("ArchiveListing", {"date": "2016-13-45"}, id="listing-malformed-date"),
        pytest.param("Archive", {}, id="archive-no-parameters"),
        pytest.param(
            "Archive", {"type": "snapshot", "date": "2016-10-01", "index": 1}, id="archive-bad-type"
        ),
        pytest.param("Archive", {"type": "state", "index": 1}, id="archive-no-date"),
        pytest.param(
            "Archive", {"type": "state", "date": "2016-10-01", "index": "first"}, id="archive-bad-index"
        ),
    ],
)
def test_malformed_archive_requests_are_refused(api, rs_expect, name, params):
    response, spool = api.report_stream(name, params)
    with spool:
        head = spool.read(1 << 20)
    rpt.refused(rpt.Body(response.status_code, response.headers, head), rs_expect)


@pytest.mark.req("ARC-GEN-002")
@pytest.mark.parametrize("role", ["reporting_only", "real_time_only", "nothing"])
def test_archive_reports_need_their_permission(rs_target, rs_client, rs_expect, listings, role):
    client = rs_client(role)
    date, entry = chosen(listings, "state", "newest")
    allowed = role == "reporting_only"
    response = client.report("ArchiveListing", {"date": date})
    if allowed:
        reporting_ok(response, rs_expect, "archives")
    else:
        rpt.download_error(response, _spooled(response), rs_expect)
    response, spool = client.report_stream("Archive", {"type": "state", "date": date, "index": entry.index})
    with spool:
        if allowed:
            arc.gzip_file(response, spool.read(512))
        else:
            rpt.download_error(response, spool, rs_expect)


def _spooled(response):
    import io

    return io.BytesIO(response.content)
