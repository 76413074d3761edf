"""Streaming validation throughput and memory on a large SupportSession report.

Generates a SupportSession report of at least --size-mb MB (default 256) from the bundled example, then
measures, each in a fresh process so peak RSS is the validator's own:
  - plain:    lxml iterparse over the file, elements cleared as they go, no schema;
  - validate: harness.validate.validate() on the same file (streaming pass with the schema).
Both loops clear elements identically, so the ratio is the cost of schema validation and of the harness's
safety checks. Last line: throughput_ratio=<validate/plain> peak_rss_mb=<validate's peak RSS>.
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

PLAIN = """
import json, resource, sys, time
from lxml import etree
t = time.perf_counter()
for _, elem in etree.iterparse(sys.argv[1], events=("end",)):
    parent = elem.getparent()
    if parent is None:
        continue
    elem.clear()
    while elem.getprevious() is not None:
        del parent[0]
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

LSID = re.compile(rb'lsid="[0-9a-fA-F]{32}"')

VALIDATE = """
import json, resource, sys, time
from harness.validate import validate_file
t = time.perf_counter()
result = validate_file(sys.argv[1])
elapsed = time.perf_counter() - t
assert result.status == "valid", result.to_json()
print(json.dumps({"seconds": elapsed, "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
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


def measure(code: str, path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


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
        size = generate(path, args.size_mb)
        mb = size / 1_000_000
        print(f"report: {path.name} {mb:.1f} MB")
        plain, valid = [], []
        for _ in range(args.repeat):  # interleaved, so drift in machine load hits both alike
            plain.append(measure(PLAIN, path))
            valid.append(measure(VALIDATE, path))
        best_plain = min(plain, key=lambda r: r["seconds"])
        best_valid = min(valid, key=lambda r: r["seconds"])
        plain_mbs = mb / best_plain["seconds"]
        valid_mbs = mb / best_valid["seconds"]
        peak_mb = max(r["rss_kb"] for r in valid) / 1024
        print(
            f"plain iterparse: {plain_mbs:.1f} MB/s ({best_plain['seconds']:.2f} s, "
            f"peak RSS {best_plain['rss_kb'] / 1024:.1f} MB)"
        )
        print(
            f"validate:        {valid_mbs:.1f} MB/s ({best_valid['seconds']:.2f} s, peak RSS {peak_mb:.1f} MB)"
        )
        if not args.keep:
            os.unlink(path)
    print(f"throughput_ratio={valid_mbs / plain_mbs:.2f} peak_rss_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
