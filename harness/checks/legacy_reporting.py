"""Semantic checks of the legacy reporting API (Bomgar 12.1 guide, API 1.7.0) where its rules are its own:
the supplement's "LSID and LSEQ: For Users of the Bomgar API" (a GUID string lsid, an lseq number), the exit
surveys' default public site, and what a report shows an account with fewer viewing rights. The rules the
21.3 guide states the same way are harness.checks.reporting's (their charges restated, see
harness.catalogue.requirements). Each condition charges the L17 requirement it breaks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from harness.checks import reporting as rpt
from harness.checks.reporting import SessionFacts, SurveyFacts
from harness.checks.xml import Expect, error_text
from harness.verdicts import CheckFailed

# "session.lsid is defined as varchar(32)", "the LSID field has become a GUID": the guide's
# c69a8e10bea9428f816cfababe9815fe, 32 hexadecimal digits (the sequential integers of before 10.6 are not).
GUID = re.compile(r"[0-9a-fA-F]{32}")
DEFAULT_SITE = 1  # "The default public site always has an ID of 1."


def lsid_is_a_guid(lsid: str, report: str) -> None:
    """L17-RPT-LSID-001: an lsid is a 32-character GUID string."""
    if not GUID.fullmatch(lsid):
        raise CheckFailed(
            f"{report}: lsid {lsid!r} is not a GUID of 32 hexadecimal digits (varchar(32))",
            "L17-RPT-LSID-001",
        )


def lseq_given(facts: SessionFacts) -> None:
    """L17-RPT-LSID-002: every SupportSession <session> has its <lseq> (an integer: session_facts reads it)."""
    if facts.lseq is None:
        raise CheckFailed(f"session {facts.lsid} has no <lseq>", "L17-RPT-LSID-002")


def default_site_only(surveys: Iterable[SurveyFacts], report: str) -> None:
    """L17-RPT-SVY-005: without site_id, only the default public site's surveys (site 1) are returned."""
    others = sorted({f"{f.lsid} (site {f.site})" for f in surveys if f.site not in (None, DEFAULT_SITE)})
    if others:
        more = f" (+{len(others) - 3} more)" if len(others) > 3 else ""
        raise CheckFailed(
            f"{report} without site_id returned surveys of other public sites: {', '.join(others[:3])}{more}",
            "L17-RPT-SVY-005",
        )


def no_more_than(listed: Iterable[str], everything: set[str], role: str) -> None:
    """L17-RPT-SS-016: an account with fewer viewing rights sees no session that the one viewing all
    sessions (`everything`) does not."""
    extra = sorted(set(listed) - everything)
    if extra:
        raise CheckFailed(
            f"the {role} account's listing holds {len(extra)} session(s) the account viewing all sessions"
            f" does not see: {', '.join(extra[:3])}",
            "L17-RPT-SS-016",
        )


def refused(response, expect: Expect) -> str | None:
    """A request outside a report's parameter sets, refused in either form the 12.1 guide gives: a root
    <error>, or the report's own root holding an <error> ("If an error occurs during the search, it will
    contain an <error> element describing the problem"). Its text; otherwise judged as
    harness.checks.reporting.refused judges it (a report answered instead is a WARN of the caller's). The
    answer is judged once: a variant namespace is one WARN."""
    root = rpt.refusal_root(response, expect)
    inner = root.find("error") if root.tag != "error" else None
    if inner is not None and len(root) == 1 and error_text(inner):
        return error_text(inner)
    return rpt.refusal_text(response, root)
