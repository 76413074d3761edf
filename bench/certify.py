"""A full default certification of the embedded appliance, timed as a user runs it.

Runs `rs-harness certify` in a child process (the appliance's start and stop included) into a temporary
report directory and reads its results.json. Goal (issue 4): <= 60 s on a 2-core machine.
Last line: certify_s=<wall seconds> checks=<n>
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="rs-harness-bench-") as tmp:
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-c", "from harness.cli import main; main()", "certify", "--reports", tmp,
             "--run-id", "bench"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        results = Path(tmp) / "bench" / "results.json"
        if not results.exists():
            print(proc.stdout[-3000:], proc.stderr[-3000:], sep="\n")
            print(f"certify produced no results (exit {proc.returncode})")
            return 1
        data = json.loads(results.read_text())
    counts = "  ".join(f"{k} {v}" for k, v in data["counts"].items())
    print(f"exit {proc.returncode}; checks: {counts}; pytest session {data['seconds']:.1f} s")
    print(f"certify_s={seconds:.1f} checks={sum(data['counts'].values())}")
    return 0 if proc.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
