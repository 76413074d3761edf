"""Fault profiles of the XML of both APIs: namespaces, Content-Type, the served schemas."""

from __future__ import annotations

from harness.appliance.faults import (
    ANSWERS,
    COMMAND,
    COMMAND_NS,
    REPORTING,
    REPORTING_NS,
    Header,
    Replace,
    Where,
    fault,
)

PROFILES = (
    fault(
        "namespaces-swapped",
        "Command answers and command.xsd in the reporting namespace, reporting answers and reporting.xsd "
        "in the command namespace.",
        {"XML-NS-001": "FAIL"},
        Replace(COMMAND, COMMAND_NS.encode(), REPORTING_NS.encode()),
        Replace(REPORTING, REPORTING_NS.encode(), COMMAND_NS.encode()),
    ),
    fault(
        "namespace-unknown",
        "Every XML answer in a namespace no guide or appliance has used.",
        {"XML-NS-001": "FAIL"},
        Replace(COMMAND, COMMAND_NS.encode(), b"urn:elsewhere"),
        Replace(REPORTING, REPORTING_NS.encode(), b"urn:elsewhere"),
    ),
    fault(
        "xml-as-text-plain",
        "XML answers of the command and reporting APIs labelled Content-Type: text/plain.",
        {"XML-CTYPE-001": "FAIL"},
        Header(Where(ANSWERS, media="xml"), "content-type", "text/plain; charset=utf-8"),
        select="test_get_and_form_post_give_the_same_answer or test_support_session_listing_window",
    ),
    fault(
        "permission-renamed",
        "get_api_info lists perm_reporting_archive as perm_archive.",
        {"XML-SCHEMA-001": "FAIL"},
        Replace(COMMAND, b'"perm_reporting_archive"', b'"perm_archive"'),
        select="test_api_info_lists_every_documented_permission",
    ),
    fault(
        "permission-value-2",
        "get_api_info gives perm_backup the value 2, not 1 or 0.",
        {"XML-SCHEMA-001": "FAIL"},
        Replace(COMMAND, b'<permission name="perm_backup">1<', b'<permission name="perm_backup">2<'),
        select="test_api_info_permissions_match_the_account",
    ),
    fault(
        "api-info-extra-element",
        "get_api_info answers an element the schema does not allow (<build> after <permissions>).",
        {"XML-SCHEMA-001": "FAIL"},
        Replace(
            Where("/api/command", has=b"<api_information"),
            b"</permissions>",
            b"</permissions><build>1</build>",
        ),
        select="test_api_info_answer",
    ),
    fault(
        "health-success-2",
        "check_health answers <success>2</success>.",
        {"XML-SCHEMA-001": "FAIL"},
        Replace(Where("/api/command", has=b"<health_check"), b"<success>1<", b"<success>2<"),
        select="check_health",
    ),
    fault(
        "short-key-eight-digits",
        "generate_session_key's <short_key> has eight digits, not seven.",
        {"XML-SCHEMA-001": "FAIL"},
        Replace(Where("/api/command", has=b"<session_key"), b"<short_key>", b"<short_key>9"),
        select="test_generate_session_key_queue_forms",
    ),
    fault(
        "listing-extra-element",
        "SupportSessionListing entries carry an element the schema does not allow (<recorded> after <lseq>).",
        {"XML-SCHEMA-002": "FAIL"},
        Replace(
            Where("/api/reporting", has=b"<session_summary_list"),
            b"</lseq>",
            b"</lseq><recorded>1</recorded>",
        ),
        select="test_support_session_listing_window",
    ),
    fault(
        "command-xsd-truncated",
        "/api/command.xsd is served without its closing </xs:schema>.",
        {"XML-XSD-001": "FAIL"},
        Replace(Where("/api/command.xsd"), b"</xs:schema>", b""),
    ),
    fault(
        "reporting-xsd-truncated",
        "/api/reporting.xsd is served without its closing </xs:schema>.",
        {"XML-XSD-002": "FAIL"},
        Replace(Where("/api/reporting.xsd"), b"</xs:schema>", b""),
    ),
    fault(
        "command-xsd-api-info-renamed",
        "/api/command.xsd names the get_api_info root element api_info, not api_information.",
        {"XML-XSD-004": "FAIL"},
        Replace(Where("/api/command.xsd"), b'name="api_information"', b'name="api_info"'),
    ),
    fault(
        "reporting-xsd-without-presentations",
        "/api/reporting.xsd names the PresentationSessionListing root presentation_list.",
        {"XML-XSD-005": "FAIL"},
        Replace(
            Where("/api/reporting.xsd"), b'name="presentation_summary_list"', b'name="presentation_list"'
        ),
    ),
)

# MUST requirements of this area no fault breaks, each with why (tests/test_faults.py holds the list whole)
UNBROKEN: dict[str, str] = {}
