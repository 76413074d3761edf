"""API accounts: OAuth client credentials and the permissions get_api_info lists, and the legacy username
and password of the same account (a 1.7.0 appliance, Bomgar 12.1, has no OAuth: its API accounts are users).

Guide ("API Command: get_api_info", /get_api_info/permissions/permission): perm_command is full_access,
read_only or deny; every other permission is 1 or 0.

The 12.1 guide's permissions ("/get_api_info/permissions/permission") follow from the same account's
1.21.1 permissions (legacy_permissions), so one role means the same thing in both families: the command API
is perm_command other than deny; remote support (generate_session_key) is full access; administrator
(transfer_session, the backup API) is full access with the backup permission; the reporting API, viewing all
sessions' reports and their recordings come with the support-session reporting permission.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

COMMAND_ACCESS = ("full_access", "read_only", "deny")
FLAG_PERMISSIONS = (
    "perm_backup",
    "perm_configuration",
    "perm_configuration_vault_account",
    "perm_ecm",
    "perm_real_time_state",
    "perm_reporting_archive",
    "perm_reporting_license",
    "perm_reporting_presentation",
    "perm_reporting_support",
    "perm_reporting_vault",
    "perm_vault_backup",
)
PERMISSIONS = ("perm_command", *FLAG_PERMISSIONS)


# The 12.1 guide's permissions, in its table's order.
LEGACY_PERMISSIONS = (
    "perm_use_command_api",
    "perm_use_reporting_api",
    "perm_admin",
    "perm_view_reports",
    "perm_view_sd_recordings",
    "perm_sd_allowed",
)


@dataclass
class Account:
    name: str
    client_id: str
    client_secret: str
    permissions: dict[str, str] = field(default_factory=dict)
    username: str = ""  # the legacy (API 1.7.0) login; "" for an account without one
    password: str = ""

    def __post_init__(self) -> None:
        unknown = set(self.permissions) - set(PERMISSIONS)
        if unknown:
            raise ValueError(f"account {self.name}: unknown permissions {sorted(unknown)}")
        self.permissions = {
            "perm_command": self.permissions.get("perm_command", "deny"),
            **{p: str(self.permissions.get(p, "0")) for p in FLAG_PERMISSIONS},
        }
        if self.permissions["perm_command"] not in COMMAND_ACCESS:
            raise ValueError(f"account {self.name}: perm_command must be one of {COMMAND_ACCESS}")
        if any(self.permissions[p] not in ("0", "1") for p in FLAG_PERMISSIONS):
            raise ValueError(f"account {self.name}: flag permissions are 0 or 1")
        if bool(self.username) != bool(self.password):
            raise ValueError(f"account {self.name}: a legacy login needs both username and password")

    @functools.cached_property
    def permission_items(self) -> tuple[tuple[str, str], ...]:
        """(name, value) in get_api_info order; permissions do not change while the appliance runs."""
        return tuple((name, self.permissions[name]) for name in PERMISSIONS)

    def allows(self, permission: str) -> bool:
        """A flag permission is 1; perm_command allows anything but deny."""
        value = self.permissions[permission]
        return value != "deny" if permission == "perm_command" else value == "1"

    @property
    def command_access(self) -> str:
        return self.permissions["perm_command"]

    @functools.cached_property
    def legacy_permissions(self) -> dict[str, str]:
        """The 12.1 guide's permissions of this account (module docstring), values as get_api_info answers
        them: 1 or 0, and perm_view_reports none or all_sessions."""
        command = self.permissions["perm_command"]
        admin = command == "full_access" and self.allows("perm_backup")
        reports = self.allows("perm_reporting_support")
        flags = {
            "perm_use_command_api": command != "deny",
            "perm_use_reporting_api": reports,
            "perm_admin": admin,
            "perm_view_sd_recordings": reports,
            "perm_sd_allowed": command == "full_access",
        }
        values = {name: str(int(flag)) for name, flag in flags.items()}
        values["perm_view_reports"] = "all_sessions" if reports else "none"
        return {name: values[name] for name in LEGACY_PERMISSIONS}

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "permissions": self.permissions,
            "username": self.username,
            "password": self.password,
        }


def _everything() -> dict[str, str]:
    return {"perm_command": "full_access", **{p: "1" for p in FLAG_PERMISSIONS}}


# The seeded accounts: one per access profile the conformance suites need.
SEED_PROFILES: dict[str, dict[str, str]] = {
    "full": _everything(),
    "read_only": {**_everything(), "perm_command": "read_only", "perm_backup": "0"},
    "no_command": {**_everything(), "perm_command": "deny"},
    "reporting_only": {
        "perm_reporting_support": "1",
        "perm_reporting_presentation": "1",
        "perm_reporting_license": "1",
        "perm_reporting_archive": "1",
        "perm_reporting_vault": "1",
    },
    "real_time_only": {"perm_real_time_state": "1"},
    "configuration_only": {"perm_configuration": "1", "perm_configuration_vault_account": "1"},
    "nothing": {},
}


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def legacy_username(name: str) -> str:
    """The seeded legacy login of the account named `name` (usernames are not secret)."""
    return f"api-{name}".replace("_", "-")


def seed_accounts() -> list[Account]:
    """Fresh accounts with random client ids, secrets and passwords (never derived from --seed: they are
    secrets)."""
    return [
        Account(name, secrets.token_hex(16), new_secret(), dict(perms), legacy_username(name), new_secret())
        for name, perms in SEED_PROFILES.items()
    ]


def save_accounts(path: Path, accounts: list[Account]) -> None:
    """Write accounts.json readable by its owner only (it holds secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump({"accounts": [a.to_json() for a in accounts]}, f, indent=2)
    os.chmod(path, 0o600)  # O_CREAT's mode does not apply to a file that already existed


def load_accounts(path: Path) -> list[Account]:
    """The accounts of an accounts file; one without `username` and `password` (written before legacy logins
    existed, or by hand) has no legacy login."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    accounts = [
        Account(
            a["name"],
            a["client_id"],
            a["client_secret"],
            dict(a.get("permissions", {})),
            a.get("username", ""),
            a.get("password", ""),
        )
        for a in data["accounts"]
    ]
    usernames = [a.username.casefold() for a in accounts if a.username]
    if len(usernames) != len(set(usernames)):  # logins ignore case: two accounts could not be told apart
        raise ValueError(f"{path}: two accounts have the same username")
    return accounts
