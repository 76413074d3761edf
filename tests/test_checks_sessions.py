"""The session key and session checks (harness.checks.sessions) PASS on good answers and FAIL on bad ones."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import crafted
import pytest
from conftest import examples

from harness.checks.sessions import (
    Attribute,
    attributes_hold,
    available_is,
    custom_attributes,
    default_lifetime,
    expires_agrees,
    external_key_echoed,
    key_url_host,
    keys_distinct,
    lifetime_at_most,
    logged_in_rep_ids,
    mail_carries_key,
    public_hostnames,
    queue_matches,
    server_time,
    session_key,
    success_message,
    support_teams,
    virtual_customer,
)
from harness.checks.xml import Expect, command_ok, parse
from harness.verdicts import CheckFailed

EXPECT = Expect("1.21.1")
URL = "https://support.example.com/?ak=3893f3dad96e61ce73d292ef83216468"
KEY = (
    "<session_key><type> support </type><ttl>3600</ttl><expires>1700003600</expires>"
    '<queue available="1"> team </queue><queue_id>2</queue_id><external_key> ABC1234 </external_key>'
    f"<short_key>\n 4720931 \n</short_key><key_url>{URL}</key_url>"
    "<mail_subject>Remote Support Invitation</mail_subject>"
    f"<mail_body>Click:\n{URL}\n</mail_body></session_key>"
)


@contextmanager
def fails(match: str, req: str | None):
    """The block FAILs with `match`, charged to `req` (None: the calling check's primary requirement)."""
    with pytest.raises(CheckFailed, match=match) as info:
        yield
    assert info.value.req == req, f"charged to {info.value.req}, expected {req}: {info.value}"


def root(body: str):
    """A crafted answer as the checks get it (namespaces stripped), without schema validation, so that
    answers the schema would already refuse still reach the semantic checks."""
    return parse(crafted.command(body).content)


def key(body: str = KEY):
    return session_key(root(body))


# --- session_key -----------------------------------------------------------------------------------------


def test_session_key_reads_a_valid_answer():
    got = session_key(command_ok(crafted.command(KEY), EXPECT, "session_key"))
    assert (got.type, got.ttl, got.expires, got.queue, got.available) == (
        "support",
        3600,
        1700003600,
        "team",
        "1",
    )
    assert (got.queue_id, got.external_key, got.short_key, got.key_url) == (2, "ABC1234", "4720931", URL)


@pytest.mark.parametrize(
    "path", [p for p in examples("1.21.1", "command") if "generate_session_key" in p.name]
)
def test_session_key_reads_the_bundled_examples(path):
    got = session_key(command_ok(crafted.Response(200, path.read_bytes()), EXPECT, "session_key"))
    mail_carries_key(got)


@pytest.mark.parametrize(
    "old, new, reason, req",
    [
        ("session_key>", "session_keys>", "expected <session_key>", "CMD-GSK-001"),
        ("<type> support </type>", "<type>presentation</type>", "only supported value is support", "CMD-GSK-001"),
        ("4720931", "472093", "seven-digit", "CMD-GSK-022"),
        ("4720931", "47209a1", "seven-digit", "CMD-GSK-022"),
        (f"<key_url>{URL}</key_url>", "<key_url>/?ak=1</key_url>", "not an absolute", "CMD-GSK-001"),
        ('<queue available="1"> team </queue>', "", "<queue> is missing", "CMD-GSK-001"),
        ('available="1"', 'available="yes"', "not 0 or 1", "CMD-GSK-007"),
        ("<ttl>3600</ttl>", "<ttl>0</ttl>", "valid for some time", "CMD-GSK-017"),
        ("<ttl>3600</ttl>", "<ttl>an hour</ttl>", "not an integer", "CMD-GSK-017"),
        ("<expires>1700003600</expires>", "", "<expires> is missing", "CMD-GSK-001"),
        ("<queue_id>2</queue_id>", "<queue_id>two</queue_id>", "not an integer", "CMD-GSK-006"),
    ],
)  # fmt: skip
def test_session_key_fails_a_bad_answer(old, new, reason, req):
    """Whichever check reads a session key, its defects are charged to the generate_session_key rules."""
    with fails(reason, req):
        key(KEY.replace(old, new))


def test_queue_matches():
    queue_matches(key(), "team", 2)
    queue_matches(key(), "team")
    queue_matches(key(KEY.replace("> team <", ">general<")), "general")
    queue_matches(key(), "general")  # a general queue answered as team
    with fails("for queue_id=general", 'CMD-GSK-006'):
        queue_matches(key(KEY.replace("> team <", ">rep<")), "general")
    with fails("expected 'rep'", 'CMD-GSK-006'):
        queue_matches(key(), "rep", 2)
    with fails("<queue_id> is 2, expected 5", 'CMD-GSK-006'):
        queue_matches(key(), "team", 5)
    with fails("<queue_id> is missing", 'CMD-GSK-006'):
        queue_matches(key(KEY.replace("<queue_id>2</queue_id>", "")), "team", 2)


def test_available_is():
    available_is(key(), True, "someone is logged in")
    with fails('available="1"> although nobody', 'CMD-GSK-007'):
        available_is(key(), False, "nobody is logged in")


def test_expires_agrees():
    expires_agrees(key(), 3600, 1699999999, 1700000001)
    expires_agrees(key(KEY.replace("<ttl>3600</ttl>", "")), 3600, 1700000000, 1700000000)
    with fails("<ttl> is 3600, but ttl=60", 'CMD-GSK-017'):
        expires_agrees(key(), 60, 1700000000, 1700000000)
    with fails("expected about ttl=3600 s ahead", 'CMD-GSK-017'):
        expires_agrees(key(), 3600, 1700000100, 1700000101)


def test_default_lifetime():
    assert default_lifetime(key(), 1700000000, 1700000001) == 3600
    assert default_lifetime(key(KEY.replace("<ttl>3600</ttl>", "")), 1700000000, 1700000001) == 3600
    with fails("not after the appliance's clock", 'CMD-GSK-018'):
        default_lifetime(key(), 1700003600, 1700003601)
    with fails("expected about ttl=3600", 'CMD-GSK-017'):
        default_lifetime(key(), 1700001000, 1700001001)  # <ttl> disagrees with <expires>


def test_lifetime_at_most():
    lifetime_at_most(key(), 3600, 1700000000)
    with fails("longer than the 1800 s", 'CMD-GSK-018'):
        lifetime_at_most(key(), 1800, 1700000000)


def test_key_url_host():
    key_url_host(key(), {"SUPPORT.example.com", "other.example.com"}, "asked")
    with fails("names host 'support.example.com', expected remote.example.com", None):
        key_url_host(key(), {"remote.example.com"}, "url_hostname was given")
    with fails("expected remote.example.com", "CMD-GSK-020"):
        key_url_host(key(), {"remote.example.com"}, "url_hostname was given", req="CMD-GSK-020")
    with fails("names host", "CMD-GSK-021"):
        key_url_host(key(), {"appliance.example.com"}, "the default", req="CMD-GSK-021")


def test_external_key_echoed():
    external_key_echoed(key(), "ABC1234")
    with fails("not the key given", 'CMD-GSK-011'):
        external_key_echoed(key(), "ABC12345")
    with fails("<external_key> is missing", 'CMD-GSK-011'):
        external_key_echoed(key(KEY.replace("<external_key> ABC1234 </external_key>", "")), "ABC1234")


def test_keys_distinct():
    first = key()
    keys_distinct(first, dataclasses.replace(first, short_key="1111111", key_url=URL + "0"))
    with fails("same short key", 'CMD-GSK-023'):
        keys_distinct(first, dataclasses.replace(first, key_url=URL + "0"))
    with fails("same key URL", 'CMD-GSK-023'):
        keys_distinct(first, dataclasses.replace(first, short_key="1111111"))


def test_mail_carries_key():
    mail_carries_key(key())
    mail_carries_key(dataclasses.replace(key(), mail_body="Enter 4720931 on our site"))
    with fails("neither the key URL nor the short key", 'CMD-GSK-024'):
        mail_carries_key(dataclasses.replace(key(), mail_body="Click on the link below."))
    with fails("<mail_subject> is empty", 'CMD-GSK-024'):
        mail_carries_key(dataclasses.replace(key(), mail_subject=""))


# --- <success> -------------------------------------------------------------------------------------------


def test_success_message():
    success_message(
        root("<success>Representative successfully added</success>"), "Representative successfully added"
    )
    success_message(root("<success>\n  successfully   TERMINATED. </success>"), "Successfully terminated")
    with fails("the guide's message is 'Successfully transferred'", None):
        success_message(root("<success>Done</success>"), "Successfully transferred")
    with fails("expected <success>", None):
        success_message(root("<error>Successfully transferred</error>"), "Successfully transferred")
    with fails("the guide's message is 'Session attributes were set'", "CMD-SSA-002"):
        success_message(root("<success>ok</success>"), "Session attributes were set", req="CMD-SSA-002")


# --- create_virtual_customer -----------------------------------------------------------------------------

LSID = "c69a8e10bea9428f816cfababe9815fe"
DOWNLOAD = f"https://support.example.com/download_client_connector?ak=4720931&amp;lsid={LSID}"


def test_virtual_customer_finds_the_lsid():
    answer = command_ok(
        crafted.command(f"<virtual_customer><download_url>{DOWNLOAD}</download_url></virtual_customer>"),
        EXPECT,
        "virtual_customer",
    )
    assert virtual_customer(answer) == (DOWNLOAD.replace("&amp;", "&"), LSID)
    elsewhere = root(
        "<virtual_customer><download_url>https://x.example/d</download_url>"
        f"<lsid> {LSID} </lsid></virtual_customer>"
    )
    assert virtual_customer(elsewhere)[1] == LSID
    none = root(
        "<virtual_customer><download_url>https://x.example/d?c2cjs=1</download_url></virtual_customer>"
    )
    assert virtual_customer(none) == ("https://x.example/d?c2cjs=1", None)


@pytest.mark.parametrize(
    "body, reason, req",
    [
        ("<virtual_customer><download_url>/download</download_url></virtual_customer>", "not an absolute",
         "CMD-VC-002"),
        ("<virtual_customer><download_url> </download_url></virtual_customer>", "missing or empty", "CMD-VC-002"),
        ("<virtual_customer/>", "missing or empty", "CMD-VC-002"),
        ("<session_key/>", "expected <virtual_customer>", "CMD-VC-002"),
        ("<virtual_customer><download_url>https://x.example/d?lsid=%3Cb%3E</download_url></virtual_customer>",
         "is not a session ID", "CMD-VC-007"),
    ],
)  # fmt: skip
def test_virtual_customer_fails_a_bad_answer(body, reason, req):
    with fails(reason, req):
        virtual_customer(root(body))


# --- get_session_attributes ------------------------------------------------------------------------------

ATTRS = (
    '<custom_attributes><custom_attribute display_name="External Key" code_name="external_key">ABC123'
    '</custom_attribute><custom_attribute display_name="Custom Field 1" code_name=" custom_field1 ">'
    " Custom Value </custom_attribute></custom_attributes>"
)


def test_custom_attributes():
    found = custom_attributes(command_ok(crafted.command(ATTRS), EXPECT, "custom_attributes"))
    assert found == {
        "external_key": Attribute("External Key", "ABC123"),
        "custom_field1": Attribute("Custom Field 1", "Custom Value"),
    }
    assert custom_attributes(root("<custom_attributes></custom_attributes>")) == {}
    with fails("custom_field1' is listed twice", 'CMD-GSA-002'):
        custom_attributes(root(ATTRS.replace("external_key", "custom_field1")))
    with fails("expected <custom_attributes>", 'CMD-GSA-002'):
        custom_attributes(root("<success/>"))


def test_attributes_hold():
    found = custom_attributes(root(ATTRS))
    attributes_hold(found, {"external_key": "ABC123", "custom_field1": "Custom Value", "asset_tag": ""})
    attributes_hold({"asset_tag": Attribute("Asset Tag", "")}, {"asset_tag": ""})
    with fails("is 'ABC123' \\(6 chars\\), not the value set", None):
        attributes_hold(found, {"external_key": "ABC124"})
    with fails("asset_tag was set but is not answered", None):
        attributes_hold(found, {"asset_tag": "T-1"})
    with fails("custom_field1 was cleared but is still 'Custom Value'", None):
        attributes_hold(found, {"custom_field1": ""})
    with fails("custom_field1 was cleared", "CMD-SSA-005"):
        attributes_hold(found, {"custom_field1": ""}, req="CMD-SSA-005")
    with fails("asset_tag was set but is not answered", "CMD-SSA-004"):
        attributes_hold(found, {"asset_tag": "kept"}, req="CMD-SSA-004")


# --- reading the target ----------------------------------------------------------------------------------


def test_server_time():
    assert (
        server_time(root("<api_information><timestamp> 1700000000 </timestamp></api_information>"))
        == 1700000000
    )
    with fails("not an integer", 'CMD-GAI-003'):
        server_time(root("<api_information><timestamp>2023-11-14</timestamp></api_information>"))
    with fails("<timestamp> is missing", 'CMD-GAI-003'):
        server_time(root("<api_information/>"))


def test_readers_skip_what_they_cannot_read():
    reps = root('<logged_in_reps><rep id="5"/><rep id=" 1 "/><rep id="x"/><rep/></logged_in_reps>')
    assert logged_in_rep_ids(reps) == [5, 1]
    listing = root(
        '<support_teams><support_team id="1"><members><representative id="2"><username> jsmith </username>'
        '</representative><representative id="?"/></members></support_team><support_team id="two"/>'
        '<support_team id="5"/></support_teams>'
    )
    assert [(t.id, t.members) for t in support_teams(listing)] == [(1, {2: "jsmith"}), (5, {})]
    appliances = root(
        "<appliances><appliance><public_hostname> support.example.com </public_hostname></appliance>"
        "<appliance><public_hostname/></appliance></appliances>"
    )
    assert public_hostnames(appliances) == {"support.example.com"}
