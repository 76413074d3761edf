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
    """0 when all are valid, 2 when any input is unusable or another product's answer (the RS schemas cannot
    judge it: the input is wrong, not the answer), else 1 when any is invalid."""
    if "unusable" in statuses or "other-product" in statuses:
        return EXIT_UNUSABLE
    return EXIT_INVALID if "invalid" in statuses else EXIT_OK


def _size(text: str) -> int:
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    text = text.strip().upper().removesuffix("B")
    unit = text[-1:] if text[-1:] in units else ""
    try:
        size = int(float(text[: len(text) - len(unit)]) * units[unit])
    except (ValueError, OverflowError):
        size = 0
    if size <= 0:
        raise click.BadParameter(f"not a size: {text!r} (examples: 512M, 16G)")
    return size


def _print_result(r: Result) -> None:
    what = " ".join(x for x in (r.kind, r.root) if x)
    if r.status == "unusable":
        click.echo(f"{r.source}: unusable: {r.reason}")
        return
    if r.status == "other-product":
        click.echo(f"{r.source}: {r.reason}")
        return
    ns = f", namespace {r.namespace.found or '(none)'} {r.namespace.status}" if r.namespace else ""
    click.echo(f"{r.source}: {r.status} ({what}, API {r.api_version}{ns})")
    for warning in r.warnings:
        click.echo(f"  WARN {warning}")
    for error in r.errors:
        click.echo(f"  {error}")
    if r.more_errors:
        click.echo(f"  ... listing stopped after {len(r.errors)} errors: there may be more")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
def validate(
    files: tuple[str, ...], kind: str, api_version: str, namespace: str | None, max_size: str, as_json: bool
) -> None:
    """Validate API responses (files, or - for standard input) against the reference schemas.

    Exit 0 when all are valid, 1 when any is invalid, 2 when any cannot be used (unreadable, not XML,
    hostile constructs) or is another product's answer (Privileged Remote Access).
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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=0, show_default=True, help="0 picks a free port.")
@click.option(
    "--tls", is_flag=True, help="HTTPS and WSS with a self-signed certificate made in the data dir."
)
@click.option(
    "--data", "data_dir", type=click.Path(file_okay=False), help="Data directory (default: a new one)."
)
@click.option(
    "--accounts",
    "accounts_file",
    type=click.Path(dir_okay=False),
    help="API accounts JSON (default: <data>/accounts.json, seeded on first start).",
)
@click.option(
    "--seed", default=0, show_default=True, help="Seed of the generated history and of the simulation driver."
)
@click.option(
    "--speed",
    default=1.0,
    show_default=True,
    type=click.FloatRange(min=0.001),
    help="Pace of the simulation driver (2 is twice as busy).",
)
@click.option(
    "--simulation/--no-simulation",
    default=True,
    show_default=True,
    help="Run the simulation driver (representatives and customers coming and going).",
)
@click.option(
    "--state-archive-api/--no-state-archive-api",
    default=True,
    show_default=True,
    help='The /login setting "Enable State Archive API" (the ArchiveListing and Archive reports).',
)
@click.option(
    "--api-version",
    type=click.Choice(API_VERSIONS),
    default="1.21.1",
    show_default=True,
    help="The personality: 1.21.1 (BeyondTrust RS 21.3 guide) or 1.7.0 (Bomgar 12.1 guide: the .ns APIs with"
    " username/password parameters, nothing newer).",
)
@click.option("--namespace", help="Namespace of the XML answers: a family base or its /command URI.")
@click.option(
    "--tidy",
    is_flag=True,
    help="Compact XML with every optional element, instead of the field's shape (blank line after the "
    "declaration, irregular indentation, optional elements left out as real appliances do).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="Serve with this fault profile, a named deviation from the guide (repeatable; `rs-harness faults` lists them).",
)
def serve(
    host: str,
    port: int,
    tls: bool,
    data_dir: str | None,
    accounts_file: str | None,
    seed: int,
    speed: float,
    simulation: bool,
    state_archive_api: bool,
    api_version: str,
    namespace: str | None,
    tidy: bool,
    faults: tuple[str, ...],
) -> None:
    """Run the embedded reference appliance (first line: `listening on <base URL>`; second:
    `target file: <data>/target.toml`, a target file for `rs-harness certify --target-file`)."""
    import tempfile
    from pathlib import Path

    from harness.appliance.app import Appliance, ApplianceConfig, namespaces_for
    from harness.appliance.server import serve as run_server

    config = ApplianceConfig(
        data_dir=Path(data_dir) if data_dir else Path(tempfile.mkdtemp(prefix="rs-harness-appliance-")),
        hostname=host,
        accounts_file=Path(accounts_file) if accounts_file else None,
        seed=seed,
        speed=speed,
        simulate=simulation,
        state_archive_api=state_archive_api,
        api_version=api_version,
        tidy=tidy,
        faults=faults,
    )
    if namespace:
        config.namespaces = namespaces_for(namespace)
    try:
        appliance = Appliance(config)
    except (OSError, ValueError, KeyError) as exc:
        raise click.ClickException(f"cannot start the appliance: {exc}") from None
    run_server(appliance, host=host, port=port, tls=tls)


@main.command()
@click.option(
    "--target", help="'embedded' (the default) or the appliance's base URL [env RS_HARNESS_TARGET]."
)
@click.option(
    "--target-file", type=click.Path(dir_okay=False), help="TOML target file [env RS_HARNESS_TARGET_FILE]."
)
@click.option(
    "--profile",
    type=click.Choice(["read-only", "standard", "destructive"]),
    help="What the checks may do to the target (default: read-only; destructive for the embedded one).",
)
@click.option(
    "--ca-bundle", type=click.Path(dir_okay=False), help="CA bundle to verify the target's TLS with."
)
@click.option(
    "--insecure", is_flag=True, help="Do not verify the target's TLS certificate (explicit opt-out)."
)
@click.option(
    "--expected-failures", type=click.Path(dir_okay=False), help="TOML file of accepted failures (CI gate)."
)
@click.option("--reports", default="reports", show_default=True, help="Where run directories are written.")
@click.option("--run-id", help="Name of this run's report directory (default: a UTC timestamp).")
@click.option("-k", "select", help="Only the checks matching this pytest -k expression.")
@click.option(
    "--min-tested",
    type=click.FloatRange(0, 100),
    metavar="PCT",
    help="FAIL a run that tests fewer than PCT % of the catalogue's requirements.",
)
@click.option(
    "--api-version",
    type=click.Choice(API_VERSIONS),
    help="The API family to certify: the embedded appliance's personality (serve --api-version); a real"
    " target must report it (default: whatever get_api_info says).",
)
@click.option(
    "--req",
    "requirements",
    multiple=True,
    metavar="ID",
    help="Only the checks that name this requirement (repeatable).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="NAME",
    help="The embedded appliance serves with this fault profile (repeatable; `rs-harness faults` lists them): the run must FAIL what the fault breaks.",
)
@click.option("-v", "--verbose", is_flag=True, help="One line per check, and every NOT_TESTED and NA reason.")
def certify(
    target: str | None,
    target_file: str | None,
    profile: str | None,
    ca_bundle: str | None,
    insecure: bool,
    expected_failures: str | None,
    reports: str,
    run_id: str | None,
    select: str | None,
    min_tested: float | None,
    api_version: str | None,
    requirements: tuple[str, ...],
    faults: tuple[str, ...],
    verbose: bool,
) -> None:
    """Certify an appliance: run the conformance suites and write reports/<run id>/ (results.json,
    junit.xml, allure-results/, report.html). Exit 0 PASS (nothing FAILed); 1 FAIL (a check FAILed, the
    expected-failures gate failed, or less than --min-tested was tested); 2 NOT CERTIFIED (a usage or
    target error: nothing judged); 130, 143, 129 INTERRUPTED by SIGINT, SIGTERM, SIGHUP.
    Secrets come from the target file's secret_env/secret_file, never from the command line."""
    from harness.certify import certify as run

    code, _ = run(
        reports=reports,
        run_id=run_id,
        target=target,
        target_file=target_file,
        profile=profile,
        ca_bundle=ca_bundle,
        insecure=insecure,
        expected_failures=expected_failures,
        select=select,
        verbose=verbose,
        min_tested=min_tested,
        api_version=api_version,
        requirements=requirements,
        faults=faults,
    )
    sys.exit(code)


@main.command("faults")
@click.option(
    "--matrix",
    "matrix_dir",
    type=click.Path(file_okay=False),
    help="Serve each fault in turn, certify the checks that judge it, and write DIR/fault-matrix.json and "
    "DIR/fault-matrix.html (fault -> the verdicts it got). Exit 1 if a fault is missed.",
)
@click.option(
    "--full",
    is_flag=True,
    help="With --matrix: every check against every fault (about 25 s a fault), so a charge to a neighbouring "
    "requirement shows as well.",
)
def faults_command(matrix_dir: str | None, full: bool) -> None:
    """List the fault profiles: each a named deviation from the guide, and the verdicts it must get
    (`rs-harness serve --fault NAME`, `rs-harness certify --fault NAME`)."""
    from pathlib import Path

    from harness import fault_matrix

    if matrix_dir is None:
        for fault in fault_matrix.FAULTS.values():
            breaks = ", ".join(f"{req} {verdict}" for req, verdict in fault.breaks.items())
            click.echo(f"{fault.name}: {fault.doc} Breaks {breaks}.")
        return
    found = fault_matrix.run_matrix(Path(matrix_dir), full)
    for d in found:
        also = f"; also FAILed {', '.join(d.other_fails)}" if d.other_fails else ""
        click.echo(f"{'caught' if d.caught else 'MISSED'} {d.fault}: {d.got}{also}")
    caught = sum(d.caught for d in found)
    click.echo(f"fault matrix: {caught} of {len(found)} caught; {Path(matrix_dir) / 'fault-matrix.html'}")
    sys.exit(0 if caught == len(found) else 1)


@main.group()
def brcs() -> None:
    """BRCS client-script files (Representative Console Scripting and Client Scripting API)."""


@brcs.command("lint")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--api-version",
    default="1.21.1",
    show_default=True,
    help="The appliance's API version: it decides which actions are documented.",
)
@click.option(
    "--company-site", help="The site's company name, to check file names (*.brcs-<companySiteName>)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def brcs_lint(files: tuple[str, ...], api_version: str, company_site: str | None, as_json: bool) -> None:
    """Check BRCS files (or - for standard input) against the guide's grammar, actions and parameters.

    Exit 0 when no MUST rule is broken (SHOULD rules are warnings), 1 when any is, 2 when a file cannot be
    used (unreadable, or over the size bound).
    """
    from harness import brcs as brcs_module
    from harness.catalogue.versions import version_tuple

    try:
        version_tuple(api_version)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--api-version") from None
    results = [_lint_one(brcs_module, name, api_version, company_site) for name in files]
    code = _exit_code([r["status"] for r in results])
    if as_json:
        click.echo(json.dumps({"results": results, "exit_code": code}, indent=2))
    else:
        for r in results:
            click.echo(f"{r['source']}: {r['status']}" + (f": {r['reason']}" if r["reason"] else ""))
            for issue in r["issues"]:
                where = f"line {issue['line']}: " if issue["line"] else ""
                click.echo(f"  {issue['level']} {where}{issue['rule']} {issue['message']}")
    sys.exit(code)


def _lint_one(brcs_module, name: str, api_version: str, company_site: str | None) -> dict:
    result: dict = {"source": name, "status": "unusable", "reason": None, "issues": []}
    try:
        if name == "-":
            data = sys.stdin.buffer.read(brcs_module.MAX_BYTES + 1)
        else:
            with open(name, "rb") as f:
                data = f.read(brcs_module.MAX_BYTES + 1)
    except OSError as exc:
        result["reason"] = f"cannot read: {exc.strerror or exc}"
        return result
    filename = None if name == "-" else name
    issues = brcs_module.lint(data, api_version=api_version, filename=filename, company_site=company_site)
    levels = [brcs_module.RULE_BY_ID[i.rule].level for i in issues]
    result["issues"] = [
        {"line": i.line, "rule": i.rule, "level": level, "message": i.message}
        for i, level in zip(issues, levels)
    ]
    if len(data) > brcs_module.MAX_BYTES:
        result["reason"] = f"larger than the limit of {brcs_module.MAX_BYTES} bytes"
    else:
        result["status"] = "invalid" if "MUST" in levels else "valid"
    return result


if __name__ == "__main__":
    main()
