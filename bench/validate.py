"""Streaming validation throughput and memory on a large SupportSession report.

Generates a SupportSession report of at least --size-mb MB (default 256) from the bundled example, then
measures, each in a fresh process so that peak RSS (VmHWM: ru_maxrss would include the parent's) is the
measured code's own:
  - plain:    lxml iterparse over the file with the usual memory-safe loop (every element's end event,
              element cleared and earlier siblings deleted), no schema;
  - validate: harness.validate.validate_file() on the same file: the streaming pass with the schema, in
              which libxml2 validates every element and only the repeatable ones (sessions, events, ...)
              reach Python to be cleared (see harness.schemas.repeatable);
  - for reference, the plain loop with the schema attached (every element through Python, and validated).
Last line: throughput_ratio=<validate/plain> peak_rss_mb=<validate's peak RSS>.
Goal: ratio >= 0.7 and peak RSS <= 64 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from lxml import etree

from harness import schemas

LSID = re.compile(rb'lsid="[0-9a-fA-F]{32}"')

PLAIN = """
import json, re, sys, time
from lxml import etree
from harness import schemas
schema = None
if sys.argv[2:] == ["--schema"]:
    schema = schemas.lxml_schema("1.21.1", "reporting", "https://www.beyondtrust.com/namespaces/API/reporting")
t = time.perf_counter()
for _, elem in etree.iterparse(sys.argv[1], events=("end",), schema=schema):
    parent = elem.getparent()
    if parent is None:
        continue
    elem.clear()
    while elem.getprevious() is not None:
        del parent[0]
elapsed = time.perf_counter() - t
hwm = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
print(json.dumps({"seconds": elapsed, "rss_kb": hwm}))
"""

VALIDATE = """
import json, re, sys, time
from harness.validate import validate_file
t = time.perf_counter()
result = validate_file(sys.argv[1])
elapsed = time.perf_counter() - t
assert result.status == "valid", result.to_json()
hwm = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
print(json.dumps({"seconds": elapsed, "rss_kb": hwm}))
"""


def generate(path: Path, size_mb: int) -> int:
    """Write a report of at least size_mb MB: the example's sessions repeated, each with a fresh lsid."""
    example = schemas.schema_dir() / "examples" / "1.21.1" / "reporting" / "SupportSession.xml"
    root = etree.parse(str(example)).getroot()
    declaration = f' xmlns="{etree.QName(root).namespace}"'.encode()
    sessions = [
        etree.tostring(child).replace(declaration, b"", 1) for child in root if child.tag is not etree.Comment
    ]
    open_tag = etree.tostring(root).split(b">", 1)[0] + b">"
    close_tag = f"</{etree.QName(root).localname}>".encode()
    written, n = 0, 0
    with path.open("wb") as out:
        out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n' + open_tag + b"\n")
        while written < size_mb * 1_000_000:
            for body in sessions:
                n += 1
                chunk = LSID.sub(f'lsid="{n:032x}"'.encode(), body, count=1)
                out.write(chunk)
                written += len(chunk)
        out.write(close_tag + b"\n")
    return path.stat().st_size


def measure(code: str, path: Path, *args: str) -> dict:
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path), *args], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def fastest(runs: list[dict]) -> dict:
    return min(runs, key=lambda r: r["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size-mb", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the fastest counts")
    parser.add_argument("--keep", type=Path, help="write the report here and keep it")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep or Path(tmp) / "SupportSession-large.xml"
        mb = generate(path, args.size_mb) / 1_000_000
        print(f"report: {path.name} {mb:.1f} MB")
        runs: dict[str, list[dict]] = {"plain": [], "validate": [], "plain+schema": []}
        for _ in range(args.repeat):  # interleaved, so drift in machine load hits all alike
            runs["plain"].append(measure(PLAIN, path))
            runs["validate"].append(measure(VALIDATE, path))
            runs["plain+schema"].append(measure(PLAIN, path, "--schema"))
        if not args.keep:
            os.unlink(path)
    best = {name: fastest(r) for name, r in runs.items()}
    for name, r in best.items():
        print(
            f"{name:13} {mb / r['seconds']:6.1f} MB/s  {r['seconds']:6.2f} s  peak RSS {r['rss_kb'] / 1024:5.1f} MB"
        )
    ratio = best["plain"]["seconds"] / best["validate"]["seconds"]
    peak_mb = max(r["rss_kb"] for r in runs["validate"]) / 1024
    print(f"throughput_ratio={ratio:.2f} peak_rss_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
