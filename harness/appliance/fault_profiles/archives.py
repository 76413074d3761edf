"""Fault profiles of the state and event archives (guide: "Download Reports with Archive")."""

from __future__ import annotations

from harness.appliance.faults import (
    ARCHIVE,
    AS_JSON_BOOLEANS,
    Body,
    Gunzipped,
    Header,
    Increment,
    Replace,
    Status,
    Where,
    WsReplace,
    corrupted,
    fault,
    gzip_bomb,
)

LISTING = Where("/api/reporting", has=b"<archives")
EMPTY_LISTING = b'reporting"></archives>'  # ArchiveListing of a date without archives
UNKNOWN_ARCHIVE = Where("/api/reporting", query="generate_report=Archive&", has=b"No archives found")
EMPTY_OBJECT_GZ = (
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xab\xae\x05\x00C\xbf\xa6\xa3\x02\x00\x00\x00"  # {}
)
TRUNCATE = b'{"type":"truncate_model","timestamp":'
NO_PERMISSION = Where("/api/reporting", has=b"perm_reporting_archive for ArchiveListing")

PROFILES = (
    fault(
        "archive-booleans-as-json",
        "State and event archives write [boolean] fields as JSON true/false instead of 1/0.",
        {"ARC-JSON-003": "WARN"},
        Gunzipped(ARCHIVE, AS_JSON_BOOLEANS),
    ),
    fault(
        "archive-past-4-gb",
        "Every archive a 16 MB gzip file of 4.5 GB, past the guide's 'never exceeds 4 GB'.",
        {"ARC-GET-002": "FAIL"},
        Body(ARCHIVE, gzip_bomb),
    ),
    fault(
        "archive-corrupt-gzip",
        "Every archive's deflate data damaged after the gzip header.",
        {"ARC-GET-001": "FAIL"},
        Body(ARCHIVE, corrupted),
    ),
    fault(
        "archive-listing-empty-days-list-one",
        "ArchiveListing of a date without archives lists a state archive of 2000-01-02.",
        {"ARC-LIST-002": "FAIL", "ARC-GEN-003": "FAIL"},
        Replace(
            Where("/api/reporting", has=EMPTY_LISTING),
            EMPTY_LISTING,
            b'reporting"><state_archive><time timestamp="946771200">2000-01-02T00:00:00+00:00</time>'
            b"<index>1</index><event_archive_index>1</event_archive_index></state_archive></archives>",
        ),
    ),
    fault(
        "archive-index-from-2",
        "ArchiveListing numbers each day's state and event archives from 2, not 1.",
        {"ARC-LIST-003": "FAIL"},
        Increment(LISTING, "index"),
    ),
    fault(
        "archive-end-time-ms",
        "ArchiveListing's <end_time> timestamp attribute is in milliseconds' worth of digits (a 1 prefixed).",
        {"ARC-LIST-004": "FAIL"},
        Replace(LISTING, b'<end_time timestamp="', b'<end_time timestamp="1'),
    ),
    fault(
        "archive-event-index-next-one",
        "A state archive's <event_archive_index> names the event archive after the one that follows it.",
        {"ARC-LIST-005": "FAIL"},
        Increment(LISTING, "event_archive_index"),
    ),
    fault(
        "archive-time-attribute-other-instant",
        "ArchiveListing's <time> timestamp attribute names another instant than its ISO 8601 text.",
        {"ARC-LIST-007": "FAIL"},
        Replace(LISTING, b'<time timestamp="', b'<time timestamp="1'),
    ),
    fault(
        "archive-unknown-as-gzip",
        "An archive ArchiveListing does not list is answered with a gzip file of an empty JSON object.",
        {"ARC-GET-003": "FAIL"},
        Header(UNKNOWN_ARCHIVE, "content-type", "application/gzip"),
        Body(UNKNOWN_ARCHIVE, lambda _: EMPTY_OBJECT_GZ),
    ),
    fault(
        "archive-listing-without-permission",
        "ArchiveListing answers an account without perm_reporting_archive an <archives> list, HTTP 200.",
        {"ARC-GEN-002": "FAIL"},
        Status(NO_PERMISSION, 200),
        Replace(NO_PERMISSION, b"</error>", b"</archives>"),
        Replace(NO_PERMISSION, b"<error xmlns", b"<archives xmlns"),
    ),
    fault(
        "archive-empty-table-as-object",
        "State archives write a table without rows as {} instead of null.",
        {"ARC-JSON-001": "FAIL"},
        Gunzipped(ARCHIVE, ((b'"attendee":null', b'"attendee":{}'),)),
    ),
    fault(
        "archive-client-without-connected",
        "Archives leave the connected field out of customer_client rows.",
        {"ARC-JSON-004": "FAIL"},
        Gunzipped(ARCHIVE, ((b'"connected":1,"created_timestamp"', b'"created_timestamp"'),)),
    ),
    fault(
        "archive-insert-line-not-json",
        "Event archives write model_insert lines with an unquoted type key, which is not JSON.",
        {"ARC-JSON-006": "FAIL"},
        Gunzipped(ARCHIVE, ((b'{"type":"model_insert"', b'{type:"model_insert"'),)),
    ),
    fault(
        "archive-truncate-type-renamed",
        "Event archives name truncate_model lines restart_model.",
        {"ARC-JSON-007": "FAIL"},
        Gunzipped(ARCHIVE, ((b'"type":"truncate_model"', b'"type":"restart_model"'),)),
    ),
    fault(
        "archive-insert-timestamp-outside",
        "Event archives' model_insert lines have a timestamp outside the archive's interval (a 1 prefixed).",
        {"ARC-JSON-008": "FAIL"},
        Gunzipped(
            ARCHIVE, ((b'"type":"model_insert","timestamp":', b'"type":"model_insert","timestamp":1'),)
        ),
    ),
    fault(
        "archive-insert-without-code-name",
        "Archives leave code_name out of the General queue's row (model_insert without all its fields).",
        {"ARC-JSON-009": "FAIL"},
        Gunzipped(ARCHIVE, ((b'"code_name":"general",', b""),)),
    ),
    fault(
        "archive-session-event-without-lsid",
        "Event archives write a chat_message session_event without its lsid where the truncate_model was.",
        {"ARC-JSON-010": "FAIL"},
        Gunzipped(
            ARCHIVE, ((TRUNCATE, b'{"type":"session_event","name":"chat_message","data":null,"timestamp":'),)
        ),
    ),
    fault(
        "archive-public-ip-hostname",
        "Archives write customer_client public_ip as a host name (host-198.51.100.N:port).",
        {"ARC-JSON-015": "FAIL"},
        Gunzipped(ARCHIVE, ((b'"public_ip":"198.51.100', b'"public_ip":"host-198.51.100'),)),
        select="test_state_archive",
    ),
    fault(
        "archive-state-queue-code-name",
        "State archives (not event archives) give the General queue the code_name general_queue.",
        {"ARC-REPLAY-001": "FAIL"},
        Gunzipped(
            ARCHIVE,
            (
                (
                    b'null,"queue":{"1":{"code_name":"general"',
                    b'null,"queue":{"1":{"code_name":"general_queue"',
                ),
                (b'},"queue":{"1":{"code_name":"general"', b'},"queue":{"1":{"code_name":"general_queue"'),
            ),
        ),
    ),
    fault(
        "archive-realtime-user-id-other",
        "The real-time model gives the representative of user 1 user_id 101, which the archives do not.",
        {"ARC-REPLAY-002": "FAIL"},
        WsReplace(b'"user_id":1,', b'"user_id":101,'),
    ),
)

# MUST requirements of this area no fault breaks, each with why (tests/test_faults.py holds the list whole)
UNBROKEN: dict[str, str] = {
    "ARC-GEN-001": "the harness does not test it: the harness cannot switch the Enable State Archive API "
    "setting; an <error> saying the API is disabled makes the archive checks NA",
    "ARC-GEN-004": "the harness does not test it: advice to integrations; the harness only downloads "
    "archives ArchiveListing lists",
    "ARC-LIST-006": "the harness does not test it: gaps depend on when the appliance's processes ran, which "
    "no answer reports",
    "ARC-LIST-001": "the schema already refuses every deviation, so XML-SCHEMA-002 is charged instead: "
    "<snapshot_archive> in <archives> failed reporting.xsd before the listing rules ran",
    "ARC-JSON-012": "needs a presentation's lsid in the event archives the check reads (oldest and newest: a "
    "truncate_model and queue rows, or empty); a fixed byte rewrite cannot name a presentation of the history",
    "ARC-JSON-013": "judged only as a replay across a truncate_model that succeeds; a wrong replay across it "
    "is charged to ARC-REPLAY-001 (archive-state-queue-code-name's oldest pair holds the truncate)",
}
