"""What is under test: the embedded reference appliance (the default) or a real appliance by URL.

A real target is described by a TOML file (accounts, TLS, the profiles it allows); command-line values
override environment variables, which override the file. The file is read strictly: an unknown key or role
(a typo) or a value of the wrong type is refused, naming the nearest known key; a real target needs at least
one account, and a CA bundle must be a readable file of certificates. Secrets come from environment variables
or files named in the target file, never from the command line, and are registered with the redactor as soon
as read.

    url = "https://support.example.com"
    name = "staging"                       # optional, shown in reports
    ca_bundle = "/etc/ssl/our-ca.pem"      # or: insecure = true
    profiles = ["read-only", "standard"]   # what this target allows; "destructive" must be listed to run it

    [accounts.full]                        # roles: full, read_only, no_command, reporting_only, real_time_only
    client_id = "..."
    secret_env = "RS_FULL_SECRET"          # or: secret_file = "/run/secrets/rs-full"

A legacy appliance (Bomgar 12.1, API 1.7.0) has no OAuth: its accounts are users, with a username and a
password sent on every call. Such an account gives `username` (or `username_env`, the variable holding it)
and `password_env` or `password_file`, and no client_id:

    [accounts.full]
    username = "api-full"
    password_env = "BOMGAR_FULL_PASSWORD"  # or: password_file = "/run/secrets/bomgar-full"

An account is one kind or the other, and so is every account of a target file (one appliance speaks one API
family). `api_version` (certify --api-version) names the family to certify: the embedded appliance is started
with that personality (`serve --api-version`); for a real target, the family get_api_info reports must be
that one (checked after the pre-flight), and the accounts must be of its kind.
"""

from __future__ import annotations

import difflib
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from harness.client.login import Login
from harness.client.oauth import Credentials
from harness.redact import REDACTOR
from harness.schemas import schema_family

PROFILES = ("read-only", "standard", "destructive")
ROLES = (
    "full",
    "read_only",
    "no_command",
    "reporting_only",
    "real_time_only",
    "configuration_only",
    "nothing",
)
EMBEDDED = "embedded"
ENV = {
    "target": "RS_HARNESS_TARGET",
    "target_file": "RS_HARNESS_TARGET_FILE",
    "profile": "RS_HARNESS_PROFILE",
    "ca_bundle": "RS_HARNESS_CA_BUNDLE",
    "insecure": "RS_HARNESS_INSECURE",
}
EMBEDDED_SEED = 7
# A busier simulation than real time, so a short watch of the real-time model sees updates on every run.
EMBEDDED_SPEED = 4
START_TIMEOUT_S = 60.0


# What a target file may say; anything else is a typo, refused with the nearest known name.
FILE_KEYS = ("url", "name", "ca_bundle", "insecure", "profiles", "accounts")
OAUTH_KEYS = ("client_id", "secret_env", "secret_file")
LOGIN_KEYS = ("username", "username_env", "password_env", "password_file")  # a legacy (API 1.7.0) account
ACCOUNT_KEYS = OAUTH_KEYS + LOGIN_KEYS
LEGACY_FAMILY = "1.7.0"  # the API family whose accounts are users with passwords (Bomgar 12.1 guide)


class TargetConfigError(Exception):
    """The target description is unusable (a usage error: exit 2, nothing run)."""


def did_you_mean(word: str, known) -> str:
    """' (did you mean 'x'?)' for the nearest known name, else ' (known: a, b, c)'."""
    known = list(known)
    near = difflib.get_close_matches(word, known, n=1)
    if near:
        return f" (did you mean {near[0]!r}?)"
    return f" (known: {', '.join(known)})"


@dataclass
class Target:
    url: str
    embedded: bool
    name: str
    accounts: dict[str, Credentials | Login] = field(default_factory=dict)
    verify: bool | str = True
    profiles: tuple[str, ...] = ("read-only",)
    profile: str = "read-only"
    api_version: str | None = None  # the API version asked for (certify --api-version), if any
    faults: tuple[str, ...] = ()  # the fault profiles the embedded appliance serves with (certify --fault)
    _process: subprocess.Popen | None = field(default=None, repr=False)
    _data_dir: str | None = field(default=None, repr=False)

    def allows(self, profile: str) -> bool:
        """Does this run's profile include checks of `profile`? (read-only < standard < destructive)"""
        return PROFILES.index(profile) <= PROFILES.index(self.profile)

    @property
    def legacy(self) -> bool:
        """Does the target speak the 12.1 guide's API (username/password accounts, `.ns` URLs)? Its accounts
        say so, or, before an embedded appliance has any, the API version asked for."""
        if self.accounts:
            return any(isinstance(a, Login) for a in self.accounts.values())
        return self.api_version is not None and schema_family(self.api_version) == LEGACY_FAMILY

    def identity(self) -> dict:
        return {
            "name": self.name,
            "url": self.url,
            "embedded": self.embedded,
            "profile": self.profile,
            "tls_verify": self.verify if isinstance(self.verify, bool) else f"CA bundle {self.verify}",
            "accounts": sorted(self.accounts),
            "faults": list(self.faults),
        }

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._data_dir is not None:
            shutil.rmtree(self._data_dir, ignore_errors=True)
            self._data_dir = None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def _secret(role: str, entry: dict, base: Path, env, kind: str = "secret") -> str:
    """The account's secret (`kind` "secret") or password (`kind` "password"), from its _env or _file key."""
    if f"{kind}_env" in entry:
        value = env.get(entry[f"{kind}_env"])
        if not value:
            raise TargetConfigError(
                f"accounts.{role}: environment variable {entry[f'{kind}_env']} is not set"
            )
        return value
    if f"{kind}_file" in entry:
        path = Path(entry[f"{kind}_file"]).expanduser()
        path = path if path.is_absolute() else base / path
        try:
            return path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise TargetConfigError(f"accounts.{role}: cannot read {kind}_file: {exc.strerror}") from None
    raise TargetConfigError(f"accounts.{role}: needs {kind}_env or {kind}_file")


def _account(role: str, entry: dict, base: Path, env) -> Credentials | Login:
    """One account of a target file (already checked), its secret read and registered with the redactor."""
    if not _is_login(entry):
        secret = _secret(role, entry, base, env)
        REDACTOR.add_credentials(entry["client_id"], secret)
        return Credentials(entry["client_id"], secret)
    username = entry.get("username")
    if "username_env" in entry:
        username = env.get(entry["username_env"])
        if not username:
            raise TargetConfigError(
                f"accounts.{role}: environment variable {entry['username_env']} is not set"
            )
    return Login(username, _secret(role, entry, base, env, "password"))  # Login registers the password


def _is_login(entry: dict) -> bool:
    return any(key in entry for key in LOGIN_KEYS)


def _check_account(where: str, role: str, entry: dict) -> None:
    """One kind of account: client_id with secret_env or secret_file (OAuth), or a username (or
    username_env) with password_env or password_file (API 1.7.0); never a mix, never the secret itself."""
    for secret in ("secret", "password"):
        if secret in entry:
            raise TargetConfigError(
                f"{where}: accounts.{role}: a {secret} is never written in the target file; "
                f"use {secret}_env or {secret}_file"
            )
    for key, value in entry.items():
        if key not in ACCOUNT_KEYS:
            raise TargetConfigError(
                f"{where}: unknown key {key!r} in [accounts.{role}]{did_you_mean(key, ACCOUNT_KEYS)}"
            )
        if not isinstance(value, str):
            raise TargetConfigError(
                f"{where}: accounts.{role}.{key} must be a string, not {_toml_type(value)}"
            )
    oauth, login = [k for k in OAUTH_KEYS if k in entry], [k for k in LOGIN_KEYS if k in entry]
    if oauth and login:
        raise TargetConfigError(
            f"{where}: accounts.{role} mixes a client account ({', '.join(oauth)}) and a username account"
            f" ({', '.join(login)}): give client_id with secret_env or secret_file, or username with"
            " password_env or password_file"
        )
    if not login:
        if not entry.get("client_id"):
            raise TargetConfigError(f"{where}: accounts.{role}: needs client_id (or username, for API 1.7.0)")
        if "secret_env" in entry and "secret_file" in entry:
            raise TargetConfigError(f"{where}: accounts.{role}: give secret_env or secret_file, not both")
        return
    if ("username" in entry) == ("username_env" in entry) or not (
        entry.get("username") or entry.get("username_env")
    ):
        raise TargetConfigError(f"{where}: accounts.{role}: give username or username_env (one of them)")
    if ("password_env" in entry) == ("password_file" in entry):
        raise TargetConfigError(f"{where}: accounts.{role}: give password_env or password_file (one of them)")


def _check_file(path: Path, data: dict) -> None:
    """Refuse what a target file cannot mean: unknown keys, unknown roles, values of the wrong type."""
    where = f"target file {path}"
    for key in data:
        if key not in FILE_KEYS:
            raise TargetConfigError(f"{where}: unknown key {key!r}{did_you_mean(key, FILE_KEYS)}")
    for key in ("url", "name", "ca_bundle"):
        if key in data and not isinstance(data[key], str):
            raise TargetConfigError(f"{where}: {key} must be a string, not {_toml_type(data[key])}")
    if "insecure" in data and not isinstance(data["insecure"], bool):
        raise TargetConfigError(
            f"{where}: insecure must be true or false, not {_toml_type(data['insecure'])}"
        )
    profiles = data.get("profiles", [])
    if not isinstance(profiles, list) or not all(isinstance(p, str) for p in profiles):
        raise TargetConfigError(f'{where}: profiles must be a list of strings: ["read-only", "standard"]')
    for profile in profiles:
        if profile not in PROFILES:
            raise TargetConfigError(
                f"{where}: unknown profile {profile!r} in profiles{did_you_mean(profile, PROFILES)}"
            )
    accounts = data.get("accounts", {})
    if not isinstance(accounts, dict):
        raise TargetConfigError(f"{where}: accounts must be tables, e.g. [accounts.full]")
    for role, entry in accounts.items():
        if role not in ROLES:
            raise TargetConfigError(
                f"{where}: unknown role {role!r} in [accounts.{role}]{did_you_mean(role, ROLES)}"
            )
        if not isinstance(entry, dict):
            raise TargetConfigError(f"{where}: accounts.{role} must be a table ([accounts.{role}])")
        _check_account(where, role, entry)
    kinds = {role: _is_login(entry) for role, entry in accounts.items()}
    if len(set(kinds.values())) > 1:
        logins = [r for r, login in kinds.items() if login]
        clients = [r for r, login in kinds.items() if not login]
        raise TargetConfigError(
            f"{where}: accounts {', '.join(logins)} are username accounts (API 1.7.0) and"
            f" {', '.join(clients)} client accounts: one appliance speaks one API family, so every account is the same kind"
        )


def _toml_type(value) -> str:
    for kind, name in ((bool, "a boolean"), (int, "an integer"), (float, "a number"), (str, "a string"),
                       (list, "an array"), (dict, "a table")):  # fmt: skip
        if isinstance(value, kind):
            return name
    return "a date or time"


def _check_ca_bundle(ca_bundle: str) -> str:
    """The CA bundle's path, once it is known to be a readable file of certificates."""
    path = Path(ca_bundle).expanduser()
    if not path.exists():
        raise TargetConfigError(f"CA bundle {path}: no such file")
    if not path.is_file():
        raise TargetConfigError(f"CA bundle {path}: not a file")
    try:
        with path.open("rb") as f:
            f.read(1)
    except OSError as exc:
        raise TargetConfigError(f"CA bundle {path}: cannot read it: {exc.strerror}") from None
    try:
        ssl.create_default_context(cafile=str(path))
    except (ssl.SSLError, ValueError) as exc:
        raise TargetConfigError(f"CA bundle {path}: no usable certificate in it ({exc})") from None
    return str(path)


def _read_file(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TargetConfigError(f"target file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TargetConfigError(f"target file {path}: {exc}") from None


def resolve(
    target: str | None = None,
    target_file: str | None = None,
    profile: str | None = None,
    ca_bundle: str | None = None,
    insecure: bool | None = None,
    environ: dict[str, str] | None = None,
    api_version: str | None = None,
    faults: tuple[str, ...] = (),
) -> Target:
    """The target of this run from the command line, the environment and the target file, in that order.
    `api_version`: the API family to certify (None: whatever get_api_info says); `faults`: fault profiles
    for the embedded appliance to serve with (harness.appliance.faults)."""
    env = os.environ if environ is None else environ
    target_file = target_file or env.get(ENV["target_file"]) or None
    data: dict = {}
    base = Path.cwd()
    if target_file:
        path = Path(target_file).expanduser()
        data, base = _read_file(path), path.parent
        _check_file(path, data)
    url = target or env.get(ENV["target"]) or data.get("url") or EMBEDDED
    profile = profile or env.get(ENV["profile"]) or None

    if faults:
        _check_faults(faults, url)
    if url == EMBEDDED:
        return Target(
            url="(starting)",
            embedded=True,
            name="embedded reference appliance",
            profiles=PROFILES,
            profile=_check_profile(profile or "destructive", PROFILES),
            api_version=api_version,
            faults=tuple(faults),
        )

    if not url.startswith(("https://", "http://")):
        raise TargetConfigError(f"target {url!r}: give 'embedded' or an http(s):// URL")
    if not data.get("accounts"):
        raise TargetConfigError(
            f"target {url} has no API accounts: give a target file with [accounts.full] (see README)"
        )
    from_file = data.get("ca_bundle")
    if from_file and not Path(from_file).expanduser().is_absolute():
        from_file = str(base / from_file)  # relative to the target file, as secret_file is
    ca_bundle = ca_bundle or env.get(ENV["ca_bundle"]) or from_file
    if insecure is None:
        in_env = ENV["insecure"] in env
        insecure = _truthy(env.get(ENV["insecure"])) if in_env else data.get("insecure", False)
    if insecure and ca_bundle:
        raise TargetConfigError("give either a CA bundle or --insecure, not both")
    verify: bool | str = False if insecure else (_check_ca_bundle(ca_bundle) if ca_bundle else True)
    allowed = tuple(data.get("profiles", ["read-only"]))
    accounts = {role: _account(role, entry, base, env) for role, entry in data["accounts"].items()}
    found = Target(
        url=url.rstrip("/"),
        embedded=False,
        name=data.get("name") or url,
        accounts=accounts,
        verify=verify,
        profiles=allowed,
        profile=_check_profile(profile or "read-only", allowed),
        api_version=api_version,
    )
    if api_version is not None and found.legacy != (schema_family(api_version) == LEGACY_FAMILY):
        kind = "username accounts (API 1.7.0)" if found.legacy else "client accounts (OAuth)"
        want = (
            "username with password_env or password_file"
            if schema_family(api_version) == LEGACY_FAMILY
            else "client_id with secret_env or secret_file"
        )
        raise TargetConfigError(
            f"--api-version {api_version}: the target file gives {kind}; API {api_version} accounts are"
            f" given as {want}"
        )
    return found


def _check_faults(faults: tuple[str, ...], url: str) -> None:
    from harness.appliance.fault_profiles import FAULTS

    if url != EMBEDDED:
        raise TargetConfigError(
            f"--fault applies to the embedded appliance only, not to {url} (a real appliance has its own)"
        )
    unknown = [f for f in faults if f not in FAULTS]
    if unknown:
        raise TargetConfigError(f"unknown fault {unknown[0]!r}: `rs-harness faults` lists them")


def _check_profile(profile: str, allowed: tuple[str, ...]) -> str:
    if profile not in PROFILES:
        raise TargetConfigError(f"profile {profile!r}: known profiles are {list(PROFILES)}")
    if profile not in allowed:
        raise TargetConfigError(
            f"profile {profile!r} is not allowed for this target (its target file allows {list(allowed)})"
        )
    return profile


def start_embedded(target: Target, seed: int = EMBEDDED_SEED) -> Target:
    """Start the embedded appliance (`rs-harness serve` in a child process, so it has a core of its own)."""
    data_dir = tempfile.mkdtemp(prefix="rs-harness-embedded-")
    # -P: the installed harness, never a source tree that happens to be the current directory
    personality = ["--api-version", target.api_version] if target.api_version else []
    personality += [arg for name in target.faults for arg in ("--fault", name)]
    command = [
        sys.executable, "-P", "-c", "from harness.cli import main; main()", "serve", *personality,
        "--port", "0", "--data", data_dir, "--seed", str(seed), "--speed", str(EMBEDDED_SPEED),
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    )
    target._process, target._data_dir = process, data_dir  # target.stop() removes both, even mid-start
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline()), daemon=True)
    reader.start()
    reader.join(START_TIMEOUT_S)
    line = first[0] if first else ""
    if not line.startswith("listening on "):
        process.kill()
        rest = process.stdout.read() if process.poll() is not None else ""
        target.stop()
        raise TargetConfigError(f"the embedded appliance did not start: {(line + rest).strip()[:500]}")
    # keep draining its output so it never blocks on a full pipe
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    accounts = json.loads((Path(data_dir) / "accounts.json").read_text(encoding="utf-8"))["accounts"]
    legacy = target.legacy  # the personality asked for: its accounts are users with passwords
    for entry in accounts:
        REDACTOR.add_credentials(entry["client_id"], entry["client_secret"])
        if legacy:
            if entry.get("username"):  # an account without a legacy login is no 1.7.0 account
                target.accounts[entry["name"]] = Login(entry["username"], entry["password"])
        else:
            target.accounts[entry["name"]] = Credentials(entry["client_id"], entry["client_secret"])
    target.url = line.removeprefix("listening on ").strip()
    shown = " ".join([*personality, "--seed", str(seed), "--speed", str(EMBEDDED_SPEED)])
    target.name = f"embedded reference appliance (rs-harness serve {shown})"
    return target
