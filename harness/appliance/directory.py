"""The appliance's configured directory: users, support teams, issues, skills, custom fields, rep statuses and
public sites. One place for these facts: the command API, session generation, the simulation, the history
seed and the configuration API's users all read them from here, so every API tells the same story.

The guide's query examples name some of these (representative 1 "Admin", representative 5 with the status
`busy`, team 1, issue `other`, skills `codename1,codename2`, custom field `custom_field1`, the issue code name
`issue_code_name`); they exist here so that those examples succeed as printed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class User:
    id: int
    username: str
    private_display_name: str
    public_display_name: str
    security_provider: str = "local"  # "local" or "ldap" (the configuration API's two providers)
    admin: bool = False
    locked: bool = False  # locked out after three failed logins
    enabled: bool = True  # disabled users never log in
    invited: bool = False  # an invited representative (rep type "Invited")
    skills: tuple[str, ...] = ()
    # The representative console's machine, as reports show it.
    public_ip: str = "Unknown"
    private_ip: str = "Unknown"
    hostname: str | None = None
    os: str = "Unknown"

    @property
    def can_log_in(self) -> bool:
        return self.enabled and not self.locked


USERS: tuple[User, ...] = (
    User(1, "admin", "Administrator", "Admin", admin=True, skills=("windows", "networking"),
         public_ip="203.0.113.5:50122", private_ip="10.0.0.5", hostname="SD-WS-01",
         os="Windows 10 Pro x64 Edition"),
    User(2, "jsmith", "John Smith", "John", skills=("windows",), public_ip="203.0.113.9:50544",
         private_ip="10.0.0.9", hostname="SD-WS-03", os="Windows 11 Pro x64 Edition"),
    User(3, "asmith", "Alex Smith", "Alex", skills=("windows", "macos"), public_ip="203.0.113.7:61234",
         private_ip="10.0.0.15", hostname="SD-WS-07", os="Windows 10 Pro x64 Edition"),
    User(4, "akim", "Alex Kim", "Alex K.", locked=True),
    User(5, "ppatel", "Priya Patel", "Priya", security_provider="ldap", skills=("networking", "codename1"),
         public_ip="[2a01:4f8:c0c:1234::2]:51200", private_ip="fd00::1b2", hostname="NOC-WS-02",
         os="Ubuntu 20.04.3"),
    User(6, "pnovak", "Petra Novak", "Petra", enabled=False),
    User(7, "contractor.lee", "Sam Lee (invited)", "Sam", invited=True, skills=("codename2",),
         public_ip="198.51.100.44:50211"),
    User(8, "cwong", "Chris Wong", "Chris", skills=("macos", "codename1", "codename2"),
         public_ip="203.0.113.7:61290", private_ip="10.0.0.21", hostname="SD-WS-11", os="macOS 11.6"),
)  # fmt: skip


@dataclass(frozen=True)
class Team:
    id: int
    name: str
    code_name: str
    members: tuple[tuple[int, str], ...]  # (user id, role: member, lead or manager)


TEAMS: tuple[Team, ...] = (
    Team(1, "General", "general", ((1, "lead"), (2, "member"), (3, "member"), (5, "member"), (8, "member"))),
    Team(2, "Service Desk", "service_desk", ((3, "member"), (5, "member"), (8, "manager"))),
    Team(5, "Messaging", "messaging", ((7, "member"), (8, "member"))),
)


@dataclass(frozen=True)
class Issue:
    id: int
    code_name: str
    title: str
    team_id: int  # the team queue a session for this issue waits in
    priority: int = 2
    skills: tuple[str, ...] = ()


ISSUES: tuple[Issue, ...] = (
    Issue(1, "other", "Other", 1),
    Issue(2, "password_reset", "Password reset", 2, skills=("windows",)),
    Issue(3, "printer", "Printer problem", 1, priority=3),
    Issue(4, "vpn", "VPN access", 2, priority=1, skills=("networking",)),
    Issue(5, "chat", "Chat with us", 5),
    Issue(6, "issue_code_name", "Something else", 1),
)

SKILLS = ("windows", "macos", "networking", "codename1", "codename2")

# Custom session attributes configured in /login > Management > API Configuration: code name -> display name.
EXTERNAL_KEY = "external_key"
CUSTOM_FIELDS = {
    EXTERNAL_KEY: "External Key",
    "custom_field1": "Custom Field 1",
    "custom_field2": "Custom Field 2",
    "asset_tag": "Asset Tag",
}

# Representative statuses for set_rep_status: code name -> (routing_available, routing_busy).
REP_STATUSES = {"available": (1, 0), "busy": (1, 1), "away": (0, 0), "lunch": (0, 0)}

SITES = ((1, "Default"), (2, "Partners"))  # public sites: (id, name)

SESSION_KEY_MAX_TTL = 86400  # the administrative "maximum session key timeout" (ttl when none is given)


def user(user_id: int) -> User | None:
    return next((u for u in USERS if u.id == user_id), None)


def user_named(username: str) -> list[User]:
    """Users with this username (case-insensitive, as logins are); the guide's rep_username forms need one."""
    return [u for u in USERS if u.username.casefold() == username.casefold()]


def team(team_id: int) -> Team | None:
    return next((t for t in TEAMS if t.id == team_id), None)


def teams_of(user_id: int) -> list[Team]:
    return [t for t in TEAMS if any(member == user_id for member, _ in t.members)]


def issue(issue_id: int) -> Issue | None:
    return next((i for i in ISSUES if i.id == issue_id), None)


def issue_named(code_name: str) -> Issue | None:
    return next((i for i in ISSUES if i.code_name == code_name), None)


def issues_of(team_id: int) -> list[Issue]:
    return [i for i in ISSUES if i.team_id == team_id]
