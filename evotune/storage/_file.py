"""The run file itself: its schema, the checks before it is used, and connections to it.

A file is used only when SQLite can read it and it holds evotune's tables; anything
else gets a StorageError and is left byte for byte as it was. Readers open it
read-only, and never create a file, a schema or a write-ahead log.
"""

from __future__ import annotations

import os
import sqlite3

from ..exceptions import StorageError
from ._codec import TRIAL_COLUMNS

__all__ = [
    "SCHEMA_VERSION", "TABLES", "check_file", "connect", "create_schema", "has_table", "migrate", "trial_columns",
]

#: Version 2 added the sessions table, version 3 the trials' ``parts`` column (racing), version 4 their
#: ``objective_values`` and ``constraints`` (several objectives, constraints), version 5 the ``parts``
#: table (the finished parts of candidates not yet decided); a file of an earlier version is read as it
#: is and migrated by its next writer.
SCHEMA_VERSION = 5
_READABLE = (1, 2, 3, 4, 5)
_HEADER = b"SQLite format 3\x00"
#: The tables every evotune run file has (version 2 adds ``sessions``).
TABLES = {"meta", "runs", "trials", "generations", "states"}

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    status TEXT NOT NULL,
    stop_reason TEXT,
    direction TEXT NOT NULL,
    seed INTEGER NOT NULL,
    space TEXT NOT NULL,
    settings TEXT NOT NULL
);
CREATE TABLE trials (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    number INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    params TEXT NOT NULL,
    genes TEXT NOT NULL,
    value REAL,
    state TEXT NOT NULL,
    duration REAL NOT NULL,
    error TEXT,
    worker TEXT,
    started REAL,
    info TEXT,
    parts TEXT,
    objective_values TEXT,
    constraints TEXT,
    PRIMARY KEY (run_id, number)
) WITHOUT ROWID;
CREATE TABLE generations (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    generation INTEGER NOT NULL,
    best REAL, mean REAL, std REAL, worst REAL, best_so_far REAL,
    evaluated INTEGER NOT NULL, failed INTEGER NOT NULL, cached INTEGER NOT NULL,
    diversity REAL NOT NULL, elapsed REAL NOT NULL,
    PRIMARY KEY (run_id, generation)
) WITHOUT ROWID;
CREATE TABLE states (
    run_id INTEGER PRIMARY KEY REFERENCES runs(run_id),
    generation INTEGER NOT NULL,
    state TEXT NOT NULL
);
""" + """
CREATE TABLE sessions (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    session INTEGER NOT NULL,
    started REAL NOT NULL,
    ended REAL,
    evaluations INTEGER NOT NULL DEFAULT 0,
    status TEXT,
    workers INTEGER,
    environment TEXT,
    objective TEXT,
    PRIMARY KEY (run_id, session)
) WITHOUT ROWID;
"""  # the sessions table: version 2
_SESSIONS_TABLE = _SCHEMA[_SCHEMA.index("CREATE TABLE sessions"):]
_PARTS_TABLE = """
CREATE TABLE parts (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    number INTEGER NOT NULL,
    part INTEGER NOT NULL,
    genes TEXT NOT NULL,
    result TEXT NOT NULL,
    duration REAL NOT NULL,
    worker TEXT,
    started REAL,
    PRIMARY KEY (run_id, number, part)
) WITHOUT ROWID
"""  # version 5: a candidate's finished parts, until its trial is journaled
_SCHEMA += _PARTS_TABLE + ";"



def check_file(path: str, *, create: bool = False) -> None:
    """Raise StorageError unless ``path`` is an evotune run file that SQLite reads intact; with
    ``create``, an absent or empty file is accepted too (a writer makes it). Reads only."""
    shown, path = path, os.path.realpath(path)  # a symlink: its target's -wal file is the live one
    if os.path.isdir(path):
        raise StorageError(f"{shown!r} is a folder; give a run file's path (e.g. {os.path.join(shown, 'runs.db')!r}).")
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        if create:
            return
        raise StorageError(f"{shown!r} " + ("does not exist." if not os.path.exists(path) else "is empty: no runs stored."))
    with open(path, "rb") as f:
        header = f.read(100)
    if len(header) < 100 or not header.startswith(_HEADER):
        raise StorageError(f"{shown!r} is not an evotune run file (not an SQLite database); it was left untouched.")
    page_size = int.from_bytes(header[16:18], "big")
    expected = (65536 if page_size == 1 else page_size) * int.from_bytes(header[28:32], "big")
    try:
        conn = _open_readonly(path, immutable=not os.path.exists(f"{path}-wal"))
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            version = None
            if TABLES <= tables:
                row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                version = int(row[0]) if row and str(row[0]).isdigit() else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        short = os.path.getsize(path) < expected
        what = f"is truncated ({os.path.getsize(path)} bytes, its header says {expected})" if short else \
            f"cannot be read as an evotune run file ({exc})"
        raise StorageError(f"{shown!r} {what}; it was left untouched.") from exc
    if check != "ok":
        raise StorageError(f"{shown!r} is corrupt (SQLite integrity check: {check}); it was left untouched.")
    # a file SQLite reads intact is never called truncated: after a full disk, its header may
    # count pages that were never written, and what it holds is still there
    if version is None:
        what = "an empty SQLite database" if not tables else "an SQLite database"
        raise StorageError(f"{shown!r} is {what} but not an evotune run file; it was left untouched.")
    if version not in _READABLE:
        newer = "a newer" if version > SCHEMA_VERSION else "an older"
        raise StorageError(
            f"{shown!r} was written by {newer} evotune (schema version {version}; this evotune reads versions "
            f"{', '.join(map(str, _READABLE))}). Open it with a matching evotune version."
        )


def _open_readonly(path: str, immutable: bool = False) -> sqlite3.Connection:
    """A read-only connection; ``immutable`` when no process writes the file (no -wal or -shm file
    appears). A file on a read-only mount, or in a folder the user cannot write, where SQLite
    cannot make the -shm file it reads a WAL database with, is opened as immutable too."""
    path = os.path.realpath(path)
    uri = f"file:{path}?mode=ro" + ("&immutable=1" if immutable else "")
    conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False)
    if not immutable:
        try:
            conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone()
        except sqlite3.OperationalError:
            conn.close()
            return _open_readonly(path, immutable=True)
    return conn


def connect(path: str, readonly: bool = False) -> sqlite3.Connection:
    """A connection to a checked run file: read-only, or the writer's (WAL mode)."""
    if readonly:
        conn = _open_readonly(path)
    else:
        conn = sqlite3.connect(os.path.realpath(path), isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def create_schema(conn: sqlite3.Connection) -> None:
    """Write evotune's tables into a new, empty database."""
    conn.execute("BEGIN IMMEDIATE")
    if not conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection) -> None:
    """Bring a file of an earlier schema version to this one, in one transaction (its writer does this)."""
    version = int(conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0])
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    if version < 2:
        conn.execute(_SESSIONS_TABLE.strip().rstrip(";"))
    if version < 3:
        conn.execute("ALTER TABLE trials ADD COLUMN parts TEXT")
    if version < 4:
        conn.execute("ALTER TABLE trials ADD COLUMN objective_values TEXT")
        conn.execute("ALTER TABLE trials ADD COLUMN constraints TEXT")
    if version < 5:
        conn.execute(_PARTS_TABLE)
    conn.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(SCHEMA_VERSION),))
    conn.execute("COMMIT")


def trial_columns(conn: sqlite3.Connection) -> str:
    """The columns a trial is read from (``trial_from_row``): a file before version 3 has no ``parts``, one
    before version 4 no ``objective_values`` and ``constraints`` (NULL is read in their place)."""
    names = {row[1] for row in conn.execute("PRAGMA table_info(trials)")}
    return ", ".join(c if c in names else "NULL" for c in TRIAL_COLUMNS.split(", "))


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    """Whether the file has table ``name`` (``sessions``: schema version 2 and later; ``parts``: 5 and
    later)."""
    query = "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?"
    return conn.execute(query, (name,)).fetchone() is not None


def has_sessions(conn: sqlite3.Connection) -> bool:
    """Whether the file has the sessions table (schema version 2 and later)."""
    return has_table(conn, "sessions")

