"""The appliance's SQLite store: one file in the data directory, WAL, foreign keys on.

Each API surface creates its own tables (CREATE TABLE IF NOT EXISTS) through `ensure_schema`.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

_local = threading.local()


def connect(path: Path) -> sqlite3.Connection:
    """A connection for this thread (sqlite3 connections are not shared across threads)."""
    key = str(path)
    conns = getattr(_local, "conns", None)
    if conns is None:
        conns = _local.conns = {}
    conn = conns.get(key)
    if conn is None:
        # Autocommit (isolation_level=None): a module wanting a transaction says BEGIN itself.
        conn = sqlite3.connect(key, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across a process kill
        conn.execute("PRAGMA foreign_keys=ON")
        conns[key] = conn
    return conn


def ensure_schema(path: Path, ddl: str) -> None:
    connect(path).executescript(ddl)
