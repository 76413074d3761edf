"""The target model: embedded by default; a real target from a TOML file, the environment and the command
line (in that order of precedence); secrets only from environment variables or files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.appliance.accounts import SEED_PROFILES
from harness.appliance.tls import certificate
from harness.redact import REDACTOR
from harness.target import ROLES, TargetConfigError, resolve

FILE = """
url = "https://file.example.com"
name = "staging"
profiles = ["read-only", "standard"]
[accounts.full]
client_id = "full-id"
secret_env = "RSH_TEST_FULL_SECRET"
[accounts.read_only]
client_id = "ro-id"
secret_file = "ro.secret"
"""


def written(tmp_path, text: str, name: str = "target.toml") -> Path:
    """A target file of `text`, beside the secret and password files it names."""
    (tmp_path / "ro.secret").write_text("read-only-secret-value\n")
    (tmp_path / "ro.password").write_text("read-only-password\n")
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.fixture
def target_file(tmp_path):
    return written(tmp_path, FILE)


def test_embedded_is_the_default_and_allows_everything():
    target = resolve(environ={})
    assert target.embedded and target.profile == "destructive"
    assert target.allows("destructive")


def test_a_real_target_from_a_file(target_file):
    env = {"RSH_TEST_FULL_SECRET": "full-secret-value"}
    target = resolve(target_file=str(target_file), environ=env, profile=None)
    assert (target.url, target.name, target.embedded) == ("https://file.example.com", "staging", False)
    assert target.profile == "read-only" and target.verify is True
    assert target.accounts["full"].secret == "full-secret-value"
    assert target.accounts["read_only"].secret == "read-only-secret-value"  # relative to the file
    assert "full-secret-value" in REDACTOR.secrets  # registered as soon as read
    assert "full-secret-value" not in repr(target)


@pytest.fixture
def ca_bundles(tmp_path):
    """Two CA bundles that exist (a CA bundle is checked when the target is resolved)."""
    paths = []
    for name in ("env", "cli"):
        (tmp_path / name).mkdir()
        paths.append(str(certificate(tmp_path / name, "localhost")[0]))
    return paths


def test_precedence_command_line_over_environment_over_file(target_file, ca_bundles):
    env_ca, cli_ca = ca_bundles
    env = {
        "RSH_TEST_FULL_SECRET": "x" * 10,
        "RS_HARNESS_TARGET": "https://env.example.com",
        "RS_HARNESS_PROFILE": "standard",
        "RS_HARNESS_CA_BUNDLE": env_ca,
    }
    target = resolve(target_file=str(target_file), environ=env)
    assert (target.url, target.profile, target.verify) == ("https://env.example.com", "standard", env_ca)
    target = resolve(
        target="https://cli.example.com", target_file=str(target_file), profile="read-only",
        ca_bundle=cli_ca, environ=env,
    )  # fmt: skip
    assert (target.url, target.profile, target.verify) == ("https://cli.example.com", "read-only", cli_ca)
    env["RS_HARNESS_TARGET_FILE"] = str(target_file)
    assert resolve(environ=env).name == "staging"


def test_insecure_is_explicit(target_file):
    env = {"RSH_TEST_FULL_SECRET": "x" * 10}
    assert resolve(target_file=str(target_file), insecure=True, environ=env).verify is False
    assert resolve(target_file=str(target_file), environ={**env, "RS_HARNESS_INSECURE": "1"}).verify is False
    with pytest.raises(TargetConfigError, match="either a CA bundle or --insecure"):
        resolve(target_file=str(target_file), insecure=True, ca_bundle="/ca.pem", environ=env)


@pytest.mark.parametrize(
    "text, environ, message",
    [
        (FILE, {}, "RSH_TEST_FULL_SECRET is not set"),
        (FILE.replace('secret_env = "RSH_TEST_FULL_SECRET"', 'secret = "inline"'), {}, "never written"),
        (FILE.replace('secret_file = "ro.secret"', 'secret_file = "missing"'), {"RSH_TEST_FULL_SECRET": "x" * 9},
         "cannot read secret_file"),
        (FILE.replace("[accounts.full]", "[accounts.superuser]"), {"RSH_TEST_FULL_SECRET": "x" * 9}, "unknown role"),
        (FILE.replace('"standard"]', '"chaos"]'), {}, "unknown profile 'chaos'"),
        ("url = ", {}, "target file"),
        ('url = "ftp://x"', {}, "http"),
    ],
)  # fmt: skip
def test_unusable_target_files_are_refused_with_a_reason(tmp_path, text, environ, message):
    (tmp_path / "ro.secret").write_text("read-only-secret-value")
    path = tmp_path / "t.toml"
    path.write_text(text)
    with pytest.raises(TargetConfigError, match=message):
        resolve(target_file=str(path), environ=environ)


def test_destructive_needs_the_target_file_to_allow_it(target_file):
    env = {"RSH_TEST_FULL_SECRET": "x" * 10}
    with pytest.raises(TargetConfigError, match="not allowed for this target"):
        resolve(target_file=str(target_file), profile="destructive", environ=env)
    assert resolve(target_file=str(target_file), profile="standard", environ=env).allows("standard")


# -- strict files: a typo is an error naming the key and the nearest known one ----------------------------

ENV = {"RSH_TEST_FULL_SECRET": "x" * 10}


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("[accounts.full]", "[acounts.full]", "unknown key 'acounts' (did you mean 'accounts'?)"),
        ('name = "staging"', 'name = "staging"\nca_bundel = "/etc/ca.pem"',
         "unknown key 'ca_bundel' (did you mean 'ca_bundle'?)"),
        ("[accounts.full]", "[accounts.ful]", "unknown role 'ful' in [accounts.ful] (did you mean 'full'?)"),
        ("[accounts.read_only]", "[accounts.readonly]", "unknown role 'readonly' in [accounts.readonly] "
         "(did you mean 'read_only'?)"),
        ('client_id = "full-id"', 'clientid = "full-id"',
         "unknown key 'clientid' in [accounts.full] (did you mean 'client_id'?)"),
        ('secret_file = "ro.secret"', 'secret_flie = "ro.secret"',
         "unknown key 'secret_flie' in [accounts.read_only] (did you mean 'secret_file'?)"),
        ('"read-only", "standard"', '"read_only", "standard"',
         "unknown profile 'read_only' in profiles (did you mean 'read-only'?)"),
        ('name = "staging"', 'name = "staging"\ncolour = "blue"',
         "unknown key 'colour' (known: url, name, ca_bundle, insecure, profiles, accounts)"),
    ],
)  # fmt: skip
def test_a_typo_in_the_target_file_names_the_nearest_known_key(tmp_path, old, new, message):
    path, problem = refused(tmp_path, FILE, old, new, ENV)
    assert problem == f"target file {path}: {message}"


def refused(tmp_path, text: str, old: str, new: str, environ: dict) -> tuple[Path, str]:
    """(the target file, why it is refused): `text` with `old` replaced by `new`."""
    assert old in text
    path = written(tmp_path, text.replace(old, new), "staging.toml")
    with pytest.raises(TargetConfigError) as error:
        resolve(target_file=str(path), environ=environ)
    return path, str(error.value)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('profiles = ["read-only", "standard"]', 'profiles = "standard"', "profiles must be a list"),
        ('profiles = ["read-only", "standard"]', 'profiles = ["read-only", 2]', "profiles must be a list"),
        ('url = "https://file.example.com"', "url = 443", "url must be a string, not an integer"),
        ('name = "staging"', 'name = "staging"\ninsecure = "yes"', "insecure must be true or false, not a"),
        ('name = "staging"', 'name = "staging"\nca_bundle = ["/a.pem"]', "ca_bundle must be a string"),
        ('client_id = "full-id"', "client_id = 17", "accounts.full.client_id must be a string"),
        ('client_id = "full-id"', 'client_id = "full-id"\nsecret_file = "ro.secret"',
         "give secret_env or secret_file, not both"),
    ],
)  # fmt: skip
def test_values_of_the_wrong_type_are_refused(tmp_path, old, new, message):
    (tmp_path / "ro.secret").write_text("read-only-secret-value")
    path = tmp_path / "staging.toml"
    assert old in FILE
    path.write_text(FILE.replace(old, new))
    with pytest.raises(TargetConfigError, match=re.escape(message)):
        resolve(target_file=str(path), environ=ENV)


def test_a_real_target_needs_an_account(tmp_path):
    message = (
        "target https://127.0.0.1:1 has no API accounts: give a target file with [accounts.full] (see README)"
    )
    with pytest.raises(TargetConfigError) as error:
        resolve(target="https://127.0.0.1:1", environ={})
    assert str(error.value) == message
    with pytest.raises(TargetConfigError) as error:
        resolve(environ={"RS_HARNESS_TARGET": "https://127.0.0.1:1"})
    assert str(error.value) == message
    path = tmp_path / "t.toml"
    path.write_text('url = "https://127.0.0.1:1"\n[accounts]\n')
    with pytest.raises(TargetConfigError, match="has no API accounts"):
        resolve(target_file=str(path), environ={})


def test_a_ca_bundle_must_be_a_readable_file_of_certificates(target_file, tmp_path, ca_bundles):
    for bundle, message in (
        (tmp_path / "absent.pem", "no such file"),
        (tmp_path, "not a file"),
        (target_file, "no usable certificate"),
    ):
        with pytest.raises(TargetConfigError) as error:
            resolve(target_file=str(target_file), ca_bundle=str(bundle), environ=ENV)
        assert str(error.value).startswith(f"CA bundle {bundle}: {message}")
    missing = f'name = "staging"\nca_bundle = "{tmp_path}/no"'
    target_file.write_text(target_file.read_text().replace('name = "staging"', missing))
    with pytest.raises(TargetConfigError, match=re.escape(f"CA bundle {tmp_path}/no: no such file")):
        resolve(target_file=str(target_file), environ=ENV)
    assert resolve(target_file=str(target_file), ca_bundle=ca_bundles[0], environ=ENV).verify == ca_bundles[0]


def test_an_embedded_run_still_refuses_a_mistyped_file(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('url = "embedded"\nprofile = ["standard"]\n')
    with pytest.raises(TargetConfigError, match="unknown key 'profile' \\(did you mean 'profiles'\\?\\)"):
        resolve(target_file=str(path), environ={})


def test_the_roles_are_the_embedded_appliance_accounts():
    assert set(ROLES) == set(SEED_PROFILES)


def test_a_relative_ca_bundle_in_the_file_is_relative_to_the_file(target_file, ca_bundles, monkeypatch, tmp_path):
    bundle = Path(ca_bundles[0])
    target_file.write_text(
        target_file.read_text().replace('name = "staging"', f'name = "staging"\nca_bundle = "{bundle.parent.name}/{bundle.name}"')
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert resolve(target_file=str(target_file), environ=ENV).verify == str(bundle)


# -- legacy accounts (API 1.7.0): a username and a password, no client id ------------------------------------

LEGACY_FILE = """
url = "https://bomgar.example.com"
[accounts.full]
username = "api-full"
password_env = "RSH_TEST_FULL_PASSWORD"
[accounts.read_only]
username_env = "RSH_TEST_RO_USERNAME"
password_file = "ro.password"
"""
LEGACY_ENV = {"RSH_TEST_FULL_PASSWORD": "full password&=%", "RSH_TEST_RO_USERNAME": "api-ro"}


@pytest.fixture
def legacy_file(tmp_path):
    return written(tmp_path, LEGACY_FILE, "bomgar.toml")


def test_a_legacy_target_has_username_accounts(legacy_file):
    from urllib.parse import quote_plus

    from harness.client import Login

    target = resolve(target_file=str(legacy_file), environ=LEGACY_ENV)
    assert target.accounts == {
        "full": Login("api-full", "full password&=%"),
        "read_only": Login("api-ro", "read-only-password"),  # relative to the file, stripped
    }
    assert target.legacy
    # registered as soon as read, with the forms it travels in (a query or a form body)
    assert {"full password&=%", quote_plus("full password&=%"), "read-only-password"} <= REDACTOR.secrets
    assert "read-only-password" not in repr(target) and "api-ro" in repr(target)
    asked = resolve(target_file=str(legacy_file), environ=LEGACY_ENV, api_version="1.7.0")
    assert asked.api_version == "1.7.0"


@pytest.mark.parametrize(
    "old, new, message",
    [
        ('password_env = "RSH_TEST_FULL_PASSWORD"', 'password = "inline"',
         "accounts.full: a password is never written in the target file; use password_env or password_file"),
        ('username = "api-full"', 'username = "api-full"\nclient_id = "x"',
         "accounts.full mixes a client account (client_id) and a username account (username, password_env)"),
        ('password_env = "RSH_TEST_FULL_PASSWORD"', 'secret_env = "RSH_TEST_FULL_PASSWORD"',
         "accounts.full mixes a client account (secret_env) and a username account (username)"),
        ('password_env = "RSH_TEST_FULL_PASSWORD"', 'password_env = "X"\npassword_file = "ro.password"',
         "accounts.full: give password_env or password_file (one of them)"),
        ('password_env = "RSH_TEST_FULL_PASSWORD"', "",
         "accounts.full: give password_env or password_file (one of them)"),
        ('username = "api-full"', 'username = "api-full"\nusername_env = "U"',
         "accounts.full: give username or username_env (one of them)"),
        ('username = "api-full"', 'username = ""',
         "accounts.full: give username or username_env (one of them)"),
        ('username = "api-full"', 'usrname = "api-full"',
         "unknown key 'usrname' in [accounts.full] (did you mean 'username'?)"),
        ('password_file = "ro.password"', 'pasword_file = "ro.password"',
         "unknown key 'pasword_file' in [accounts.read_only] (did you mean 'password_file'?)"),
        ('username_env = "RSH_TEST_RO_USERNAME"\npassword_file = "ro.password"',
         'client_id = "ro"\nsecret_env = "S"', "accounts full are username accounts (API 1.7.0) and read_only client accounts: one appliance speaks"
         " one API family"),
    ],
)  # fmt: skip
def test_a_legacy_account_is_one_kind_and_never_holds_its_password(tmp_path, old, new, message):
    path, problem = refused(tmp_path, LEGACY_FILE, old, new, LEGACY_ENV)
    assert problem.startswith(f"target file {path}: {message}"), problem


def test_a_legacy_password_comes_from_its_variable_or_file(legacy_file, tmp_path):
    with pytest.raises(TargetConfigError, match="environment variable RSH_TEST_FULL_PASSWORD is not set"):
        resolve(target_file=str(legacy_file), environ={"RSH_TEST_RO_USERNAME": "api-ro"})
    with pytest.raises(TargetConfigError, match="environment variable RSH_TEST_RO_USERNAME is not set"):
        resolve(target_file=str(legacy_file), environ={"RSH_TEST_FULL_PASSWORD": "p" * 8})
    (tmp_path / "ro.password").unlink()
    with pytest.raises(TargetConfigError, match="accounts.read_only: cannot read password_file"):
        resolve(target_file=str(legacy_file), environ=LEGACY_ENV)


def test_api_version_must_match_the_kind_of_accounts(legacy_file, target_file):
    with pytest.raises(TargetConfigError, match="--api-version 1.21.1: the target file gives username"):
        resolve(target_file=str(legacy_file), environ=LEGACY_ENV, api_version="1.21.1")
    with pytest.raises(TargetConfigError, match="API 1.7.0 accounts are given as username with password_env"):
        resolve(target_file=str(target_file), environ=ENV, api_version="1.7.0")
    embedded = resolve(environ={}, api_version="1.7.0")
    assert embedded.embedded and embedded.api_version == "1.7.0" and embedded.legacy
    assert not resolve(environ={}).legacy
