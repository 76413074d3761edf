"""The reporting API's reports as data: the one table of report names, the permission each needs, the root
of its successful answer (or the file it downloads), the API version it came with, and its parameters.

Sources: the BeyondTrust RS 21.3 API guide (API 1.21.1), "Reporting API" and each "Download Reports with
<report>", its change log for `since`; the Bomgar 12.1 API guide (API 1.7.0), "About the Reporting API"
("Report types can be any of the following"). The embedded appliance (appliance/reporting.py,
legacy_reporting.py) serves these reports and the checks (checks/reporting.py) judge them from this table.
"""

from __future__ import annotations

from dataclasses import dataclass

# "Each report needs its permission": the API account permissions of "Reporting API" (21.3 guide).
SUPPORT = "perm_reporting_support"
PRESENTATION = "perm_reporting_presentation"
LICENSE = "perm_reporting_license"
ARCHIVE = "perm_reporting_archive"

# Media types of the downloads. The 12.1 guide calls every recording "Flash (.flv) video", the 21.3 guide
# the archives gzip-compressed JSON; neither names a media type, so these are the formats' usual ones.
RECORDING_MEDIA_TYPE = "video/x-flv"
ARCHIVE_MEDIA_TYPE = "application/gzip"

# The guide's parameter sets. A time window: one of start_date, start_time, end_date, end_time, with duration.
WINDOW = ("start_date", "start_time", "end_date", "end_time", "duration")
START_WINDOW = ("start_date", "start_time", "duration")  # LicenseUsage: no end_* sets
SESSIONS = ("lsid", "lsids")

OLDEST = "1.7.0"  # the oldest guide held (Bomgar 12.1): its reports may be older still


@dataclass(frozen=True)
class Report:
    """One report (`generate_report=<name>`)."""

    name: str
    permission: str
    root: str | None  # the root element of its successful XML answer; None: the answer is a file
    since: str  # the API version it came with (OLDEST: it is in the 12.1 guide)
    params: tuple[str, ...] = ()  # the 21.3 guide's parameters for it (besides generate_report)
    media_type: str | None = None  # of the file, when root is None
    deprecated_by: str | None = None  # the report that replaces it (still served)
    answer_req: str | None = None  # the 21.3 requirement stating its answer: another root breaks it


def _recording(name: str, permission: str, since: str, params=("lsid",), **kw) -> Report:
    return Report(name, permission, None, since, params, media_type=RECORDING_MEDIA_TYPE, **kw)


REPORTS: tuple[Report, ...] = (
    Report("SupportSession", SUPPORT, "session_list", OLDEST, (*WINDOW, *SESSIONS, "limit"),
           answer_req="RPT-SS-001"),
    Report("SupportSessionListing", SUPPORT, "session_summary_list", OLDEST, WINDOW, answer_req="RPT-SSL-001"),
    Report("SupportSessionSummary", SUPPORT, "summary_list", OLDEST, (*WINDOW, "report_type"),
           answer_req="RPT-SSS-001"),
    # 12.1: the window sets only (no lsid or lsids); site_id's default is the default public site there
    Report("SupportCustExitSurvey", SUPPORT, "exit_survey_list", OLDEST,
           (*WINDOW, "report_type", "id", "site_id", *SESSIONS), answer_req="RPT-SVY-001"),
    Report("SupportRepExitSurvey", SUPPORT, "exit_survey_list", OLDEST,
           (*WINDOW, "report_type", "id", "site_id", *SESSIONS), answer_req="RPT-SVY-001"),
    Report("SupportTeam", SUPPORT, "team_activity_list", OLDEST, (*WINDOW, "team_id"), answer_req="RPT-ST-001"),
    _recording("SupportSessionRecording", SUPPORT, OLDEST),
    # Not in the 12.1 guide, and the 21.3 change log (back to 1.11.0) does not list it: newer than 1.7.0,
    # by no guide's word exactly when; 1.8.0 is the first version after the 12.1 guide's.
    _recording("ShowMyScreenRecording", SUPPORT, "1.8.0", ("lsid", "instance")),
    _recording("CommandShellRecording", SUPPORT, OLDEST, ("lsid", "instance")),
    Report("PresentationSession", PRESENTATION, "session_list", "1.15.0", (*WINDOW, *SESSIONS, "limit"),
           answer_req="RPT-PS-001"),
    Report("PresentationSessionListing", PRESENTATION, "presentation_summary_list", "1.15.0", WINDOW,
           answer_req="RPT-PSL-001"),
    _recording("PresentationSessionRecording", PRESENTATION, "1.15.0"),
    # "As of 16.1, PresentationRecording has been deprecated ... still available for backward compatibility."
    _recording("PresentationRecording", PRESENTATION, OLDEST, deprecated_by="PresentationSessionRecording"),
    Report("LicenseUsage", LICENSE, "license_usage", "1.11.0", (*START_WINDOW, "group_by"), answer_req="RPT-LU-001"),
    # Both need "Enable State Archive API" (Management > API Configuration) as well as the permission.
    Report("ArchiveListing", ARCHIVE, "archives", "1.13.0", ("date",)),
    Report("Archive", ARCHIVE, None, "1.13.0", ("type", "date", "index"), media_type=ARCHIVE_MEDIA_TYPE),
)  # fmt: skip
BY_NAME: dict[str, Report] = {r.name: r for r in REPORTS}

# The 12.1 guide's "Report types can be any of the following": the reports of API 1.7.0.
LEGACY_NAMES: tuple[str, ...] = tuple(r.name for r in REPORTS if r.since == OLDEST)
