"""The single-file HTML certification report (placeholder until the report lands)."""

from __future__ import annotations

import html
from pathlib import Path


def write_html(results, directory) -> Path:
    path = Path(directory) / "report.html"
    data = results.to_json()
    path.write_text(f"<!doctype html><pre>{html.escape(str(data['counts']))}</pre>", encoding="utf-8")
    return path
