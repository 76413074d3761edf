"""The rs-harness command line."""

from __future__ import annotations

import json
import sys

import click

from harness import __version__
from harness.namespaces import API_VERSIONS
from harness.validate import Result, validate_file
from harness.xmlsafe import Limits

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2


def _exit_code(statuses: list[str]) -> int:
    """0 when all are valid, 2 when any input is unusable, else 1 when any is invalid."""
    if "unusable" in statuses:
        return EXIT_UNUSABLE
    return EXIT_INVALID if "invalid" in statuses else EXIT_OK


def _size(text: str) -> int:
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    text = text.strip().upper().removesuffix("B")
    unit = text[-1:] if text[-1:] in units else ""
    try:
        return int(float(text[: len(text) - len(unit)]) * units[unit])
    except ValueError:
        raise click.BadParameter(f"not a size: {text!r} (examples: 512M, 16G)") from None


def _print_result(r: Result) -> None:
    what = " ".join(x for x in (r.kind, r.root) if x)
    if r.status == "unusable":
        click.echo(f"{r.source}: unusable: {r.reason}")
        return
    ns = f", namespace {r.namespace.found or '(none)'} {r.namespace.status}" if r.namespace else ""
    click.echo(f"{r.source}: {r.status} ({what}, API {r.api_version}{ns})")
    for warning in r.warnings:
        click.echo(f"  WARN {warning}")
    for error in r.errors:
        click.echo(f"  {error}")
    if r.more_errors:
        click.echo(f"  ... more errors not listed (first {len(r.errors)} shown)")


@click.group()
@click.version_option(__version__, prog_name="rs-harness")
def main() -> None:
    """Conformance and load test harness for the BeyondTrust Remote Support appliance APIs."""


@main.command()
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--schema",
    "kind",
    type=click.Choice(["auto", "command", "reporting"]),
    default="auto",
    show_default=True,
    help="Which reference schema; auto picks it from the root element.",
)
@click.option("--api-version", type=click.Choice(API_VERSIONS), default="1.21.1", show_default=True)
@click.option("--namespace", help="The namespace to expect instead of the one the API version documents.")
@click.option("--max-size", default="16G", show_default=True, help="Refuse documents larger than this.")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def validate(files: tuple[str, ...], kind: str, api_version: str, namespace: str | None, max_size: str,
             as_json: bool) -> None:
    """Validate API responses (files, or - for standard input) against the reference schemas.

    Exit 0 when all are valid, 1 when any is invalid, 2 when any cannot be used (unreadable, not XML,
    hostile constructs).
    """
    limits = Limits(max_bytes=_size(max_size))
    results = [
        validate_file(name, kind=kind, api_version=api_version, namespace=namespace, limits=limits)
        for name in files
    ]
    code = _exit_code([r.status for r in results])
    if as_json:
        click.echo(json.dumps({"results": [r.to_json() for r in results], "exit_code": code}, indent=2))
    else:
        for r in results:
            _print_result(r)
    sys.exit(code)


if __name__ == "__main__":
    main()
