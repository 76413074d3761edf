"""The archive reports' session events as data ("JSON Tables and Fields for session_event"): the data fields
each event carries. The embedded appliance writes its event archives from this table and the archive checks
judge an appliance's against it, so the guide's table is written once.
"""

from __future__ import annotations

# "The decompressed file never exceeds 4 GB." (Download Reports with Archive); read as 4 GiB, the larger.
ARCHIVE_MAX_BYTES = 4 << 30

# "JSON Tables and Fields for session_event": name -> documented data fields; OPTIONAL ones say "Optional:"
SESSION_EVENTS: dict[str, tuple[str, ...]] = {
    "callback_button_deployed": ("callback_button_id", "description", "expiration", "profile_id",
                                 "profile_name", "representative_id"),
    "callback_button_removed": ("callback_button_id", "representative_id"),
    "canned_script_executed": ("script_name",),
    "chat_message": ("body", "destination", "performed_by"),
    "command_shell_session_started": ("download_url", "instance", "representative_id", "view_url"),
    "customer_exit_survey": ("responses",),
    "directory_created": ("destination", "failure_reason", "path", "performed_by"),
    "file_deleted": ("destination", "failure_reason", "name", "performed_by", "size"),
    "file_download": ("destination", "name", "performed_by", "size"),
    "file_download_incomplete": ("bytes_transferred", "destination", "failure_reason", "name", "performed_by"),
    "file_moved": ("destination", "failure_reason", "new_path", "old_path", "performed_by"),
    "file_upload": ("destination", "name", "performed_by", "size"),
    "file_upload_incomplete": ("bytes_transferred", "destination", "failure_reason", "name", "performed_by"),
    "files_shared": ("files", "performed_by"),
    "legal_agreement_response": ("response", "text", "title"),
    "registry_exported": ("representative_id", "root_path"),
    "registry_imported": ("representative_id",),
    "registry_key_added": ("key", "path", "representative_id"),
    "registry_key_deleted": ("key", "path", "representative_id"),
    "registry_key_renamed": ("new_key", "old_key", "path", "representative_id"),
    "registry_value_added": ("data", "name", "path", "representative_id", "type"),
    "registry_value_deleted": ("name", "path", "representative_id"),
    "registry_value_modified": ("name", "new_data", "old_data", "path", "representative_id", "type"),
    "registry_value_renamed": ("new_name", "old_name", "path", "representative_id"),
    "representative_survey": ("responses",),
    "screen_recording": ("download_url", "representative_id", "view_url"),
    "screenshot_captured": ("representative_id",),
    "session_assigned": ("representative_id", "timeout"),
    "session_assignment_response": ("response",),
    "session_foreground_window_changed": ("exe_name", "window_name"),
    "session_note_added": ("body", "number", "representative_id"),
    "show_my_screen_recording": ("download_url", "instance", "representative_id", "view_url"),
    "special_action_executed": ("action_name",),
    "system_information_retrieved": ("system_information",),
}  # fmt: skip
OPTIONAL_DATA = frozenset({"failure_reason", "timeout"})  # "Optional:": present only when known
