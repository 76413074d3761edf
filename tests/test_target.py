"""The target model: embedded by default; a real target from a TOML file, the environment and the command
line (in that order of precedence); secrets only from environment variables or files."""

from __future__ import annotations

import pytest

from harness.redact import REDACTOR
from harness.target import TargetConfigError, resolve

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


@pytest.fixture
def target_file(tmp_path):
    (tmp_path / "ro.secret").write_text("read-only-secret-value\n")
    path = tmp_path / "target.toml"
    path.write_text(FILE)
    return path


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


def test_precedence_command_line_over_environment_over_file(target_file):
    env = {
        "RSH_TEST_FULL_SECRET": "x" * 10,
        "RS_HARNESS_TARGET": "https://env.example.com",
        "RS_HARNESS_PROFILE": "standard",
        "RS_HARNESS_CA_BUNDLE": "/env/ca.pem",
    }
    target = resolve(target_file=str(target_file), environ=env)
    assert (target.url, target.profile, target.verify) == (
        "https://env.example.com",
        "standard",
        "/env/ca.pem",
    )
    target = resolve(
        target="https://cli.example.com", target_file=str(target_file), profile="read-only",
        ca_bundle="/cli/ca.pem", environ=env,
    )  # fmt: skip
    assert (target.url, target.profile, target.verify) == (
        "https://cli.example.com",
        "read-only",
        "/cli/ca.pem",
    )
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
        (FILE.replace('"standard"]', '"chaos"]'), {}, "unknown profiles"),
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
