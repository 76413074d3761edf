"""The target file `rs-harness serve` writes for itself, so `rs-harness certify --target-file` certifies it
as a real target: `<data>/target.toml`, its secrets in `<data>/secrets/ROLE` (directory 0700, files 0600).

    url = "https://127.0.0.1:8443"
    name = "rs-harness serve (embedded reference appliance)"
    ca_bundle = "<data>/tls-cert.pem"      # under --tls; or insecure = true if the certificate cannot verify
    profiles = ["read-only", "standard", "destructive"]

    [accounts.full]
    client_id = "..."
    secret_file = "<data>/secrets/full"

A 1.7.0 appliance (serve --api-version 1.7.0, Bomgar 12.1) has no OAuth: each account is its legacy login,
the password in the secrets file, and no client_id:

    [accounts.full]
    username = "api-full"
    password_file = "<data>/secrets/full"
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from cryptography import x509

from harness.appliance.accounts import Account
from harness.target import PROFILES, ROLES

NAME = "rs-harness serve (embedded reference appliance)"


def toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def certificate_verifies(cert_path: Path, host: str) -> bool:
    """Can a client verify the server with `cert_path` as its CA bundle, for `host`? The certificate is
    self-signed, so it must be a CA, valid now, and name the host (an IP address or a DNS name)."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (OSError, ValueError, x509.ExtensionNotFound):
        return False
    now = datetime.datetime.now(datetime.UTC)
    if not constraints.ca or cert.issuer != cert.subject:
        return False
    if not cert.not_valid_before_utc <= now < cert.not_valid_after_utc:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host.lower() in (n.lower() for n in names.get_values_for_type(x509.DNSName))
    return address in names.get_values_for_type(x509.IPAddress)


def _write(path: Path, text: str, mode: int) -> None:
    """Write `text` to `path` atomically, with `mode` from the start (a reader never sees half a file)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_target_file(
    data_dir: Path, url: str, accounts: list[Account], tls_cert: Path | None = None, legacy: bool = False
) -> Path:
    """Write `<data>/target.toml` and `<data>/secrets/ROLE` for the accounts the harness has roles for;
    `legacy`: their username and password (a 1.7.0 appliance) instead of their client id and secret."""
    data_dir = Path(data_dir).resolve()
    secrets = data_dir / "secrets"
    secrets.mkdir(mode=0o700, exist_ok=True)
    os.chmod(secrets, 0o700)  # mkdir's mode does not apply to a directory that already existed
    lines = [f"url = {toml_string(url)}", f"name = {toml_string(NAME)}"]
    if tls_cert is not None:
        host = urlsplit(url).hostname or ""
        if certificate_verifies(Path(tls_cert), host):
            lines.append(f"ca_bundle = {toml_string(str(Path(tls_cert).resolve()))}")
        else:
            lines.append("insecure = true  # its certificate does not verify for this host")
    lines.append("profiles = [" + ", ".join(toml_string(p) for p in PROFILES) + "]")
    for account in accounts:
        if account.name not in ROLES or (legacy and not account.username):
            continue  # an account of --accounts the conformance suites have no role for, or no login
        secret_file = secrets / account.name
        if legacy:
            who, secret = f"username = {toml_string(account.username)}", account.password
            where = f"password_file = {toml_string(str(secret_file))}"
        else:
            who, secret = f"client_id = {toml_string(account.client_id)}", account.client_secret
            where = f"secret_file = {toml_string(str(secret_file))}"
        _write(secret_file, secret + "\n", 0o600)
        lines += ["", f"[accounts.{account.name}]", who, where]
    path = data_dir / "target.toml"
    _write(path, "\n".join(lines) + "\n", 0o644)
    return path
