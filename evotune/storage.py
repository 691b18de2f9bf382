"""The run journal: an SQLite file with every evaluation, every generation and the engine state.

One file holds any number of runs. Trials are appended as evaluations finish;
at each generation's end, the generation's statistics and the engine state
(population, hall of fame, random states, stop-rule states) are committed in
one transaction with the last trials, so a run can continue exactly where the
journal ends. Nothing is pickled: parameters, genes and states are JSON.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import math
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from .exceptions import EvotuneError, InvalidParameterError
from .genome import Genome
from .result import GenerationStats, Result, Trial
from .space import Categorical, Float, Integer, Space

__all__ = [
    "Storage", "RunJournal", "StoredTrials", "StorageError", "load_run", "is_being_written", "space_to_json",
    "SCHEMA_VERSION",
]

SCHEMA_VERSION = 1
_HEADER = b"SQLite format 3\x00"

#: Evaluations shorter than this, finishing within GROUP_WINDOW seconds of the last
#: commit, are committed together with the next ones (see RunJournal, "writing").
GROUP_BELOW = 0.01
GROUP_WINDOW = 1.0

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
"""

_STATS_FIELDS = [
    "generation", "best", "mean", "std", "worst", "best_so_far",
    "evaluated", "failed", "cached", "diversity", "elapsed",
]  # fmt: skip
_TRIAL_COLUMNS = "number, generation, params, value, state, duration, error, worker, started, info, genes"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


class StorageError(EvotuneError, RuntimeError):
    """A run file cannot be used: not an evotune file, another version, corrupt, or busy."""


# -- JSON helpers ----------------------------------------------------------------------------
def _jsonable(value: Any) -> Any:
    """``value`` if JSON holds it exactly, else ``{"repr": ...}`` (memory addresses removed)."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    return {"repr": _ADDRESS.sub("", repr(value))}


def _json_default(value: Any) -> Any:
    """numpy scalars and arrays as plain numbers and lists; anything else as its repr."""
    if hasattr(value, "tolist"):
        return value.tolist()
    return {"repr": _ADDRESS.sub("", repr(value))}


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), default=_json_default)


def _finite_or_none(value: Any) -> Any:
    """SQLite has no NaN: non-finite floats are stored as NULL."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


class _RowEncoder:
    """Turns a trial's params and genes into JSON text fast: fragments for every choice are made once.

    Numbers are written with ``repr``, which is valid JSON for finite floats and ints
    and round-trips exactly.
    """

    def __init__(self, genome: Genome):
        self._union = genome.branches is not None  # its params are not one per gene
        self._keys = [json.dumps(name) + ":" for name in genome.names]
        self._choices = [
            [_dumps(_jsonable(c)) for c in p.choices] if isinstance(p, Categorical) else None for p in genome.params
        ]

    def params(self, params: dict[str, Any], genes: list) -> str:
        if self._union:
            return _dumps({name: _jsonable(value) for name, value in params.items()})
        items = zip(self._keys, self._choices, params.values(), genes)
        return "{" + ",".join([k + (repr(v) if c is None else c[g]) for k, c, v, g in items]) + "}"

    @staticmethod
    def genes(genes: list) -> str:
        return "[" + ",".join(map(repr, genes)) + "]"


def space_to_json(space: Space) -> list[dict[str, Any]]:
    """A JSON description of a space (choices JSON cannot hold become ``{"repr": ...}``).

    Examples
    --------
    >>> space_to_json(Space({"lr": Float(1e-3, 1.0, log=True), "act": ["relu", None]}))
    [{'name': 'lr', 'type': 'Float', 'low': 0.001, 'high': 1.0, 'log': True}, {'name': 'act', 'type': 'Categorical', 'choices': ['relu', None]}]
    """
    out = []
    for name, p in space.items():
        if isinstance(p, Categorical):
            out.append({"name": name, "type": "Categorical", "choices": [_jsonable(c) for c in p.choices]})
            if p.ordered:
                out[-1]["ordered"] = True
        else:
            out.append({"name": name, "type": type(p).__name__, "low": p.low, "high": p.high, "log": p.log})
    return out


def _space_from_json(description: list[dict[str, Any]]) -> Space:
    """The space a description stands for (choices stored as repr come back as their repr text)."""
    params: dict[str, Any] = {}
    for d in description:
        if d["type"] == "Categorical":
            choices = [c["repr"] if isinstance(c, dict) else c for c in d["choices"]]
            params[d["name"]] = Categorical(choices, ordered=d.get("ordered", False))
        else:
            params[d["name"]] = {"Float": Float, "Integer": Integer}[d["type"]](d["low"], d["high"], log=d["log"])
    return Space(params)


def differences(stored: dict[str, Any], given: dict[str, Any]) -> list[str]:
    """Human-readable differences between two settings dicts."""
    def normal(value: Any) -> Any:  # default reprs carry memory addresses that change every run
        return _ADDRESS.sub("", value) if isinstance(value, str) else value

    out = []
    for key in sorted(set(stored) | set(given)):
        if normal(stored.get(key)) != normal(given.get(key)):
            out.append(f"{key}: stored {stored.get(key)!r}, given {given.get(key)!r}")
    return out


# -- the file ----------------------------------------------------------------------------------
def _check_file(path: str) -> None:
    """Raise StorageError unless ``path`` is absent, empty, or an intact SQLite file. Reads only."""
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return
    with open(path, "rb") as f:
        header = f.read(100)
    if len(header) < 100 or not header.startswith(_HEADER):
        raise StorageError(f"{path!r} is not an evotune run file (not an SQLite database); it was left untouched.")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if os.path.getsize(path) < page_size * pages:
        raise StorageError(
            f"{path!r} is truncated ({os.path.getsize(path)} bytes, its header says {page_size * pages}); "
            f"it was left untouched."
        )
    # without a live write-ahead log, read the file as immutable: no -wal/-shm files appear
    immutable = "" if os.path.exists(f"{path}-wal") else "&immutable=1"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro{immutable}", uri=True)
        try:
            check = conn.execute("PRAGMA quick_check").fetchone()[0]
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            version = None
            if "meta" in tables:
                row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
                version = int(row[0]) if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise StorageError(f"{path!r} cannot be read as an evotune run file ({exc}); it was left untouched.") from exc
    if check != "ok":
        raise StorageError(f"{path!r} is corrupt (SQLite integrity check: {check}); it was left untouched.")
    if tables and version is None:
        raise StorageError(f"{path!r} is an SQLite database but not an evotune run file; it was left untouched.")
    if version is not None and version != SCHEMA_VERSION:
        newer = "a newer" if version > SCHEMA_VERSION else "an older"
        raise StorageError(
            f"{path!r} was written by {newer} evotune (schema version {version}; this evotune reads version "
            f"{SCHEMA_VERSION}). Open it with a matching evotune version."
        )


def _connect(path: str, readonly: bool = False) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None, check_same_thread=False)
    else:
        conn = sqlite3.connect(path, isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


_held_locks: set[tuple[str, str]] = set()
_held_guard = threading.Lock()


class Storage:
    """An evotune run file (SQLite, WAL mode), created (with its folder) if absent.

    Examples
    --------
    >>> import tempfile, os, evotune as et
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.db")
    >>> storage = Storage(path)
    >>> storage.run_names()
    []
    """

    def __init__(self, path: str | os.PathLike):
        self.path = os.fspath(path)
        _check_file(self.path)
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        self._conn = _connect(self.path)
        if not self._conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
            self._conn.execute("BEGIN IMMEDIATE")
            if not self._conn.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        self._conn.execute(statement)
                self._conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self._conn.execute("COMMIT")

    def run_names(self) -> list[str]:
        """Names of the runs in the file, oldest first."""
        return [row[0] for row in self._conn.execute("SELECT name FROM runs ORDER BY run_id")]

    def close(self) -> None:
        self._conn.close()

    def open_run(
        self,
        name: str,
        *,
        space: Space,
        direction: str,
        seed: int,
        settings: dict[str, Any],
        resume: bool,
    ) -> RunJournal:
        """Create run ``name``, or with ``resume=True`` continue it (settings must match)."""
        if not isinstance(name, str) or not name:
            raise InvalidParameterError(f"`run_name` must be a non-empty string; got {name!r}.")
        row = self._conn.execute("SELECT run_id, space, settings FROM runs WHERE name=?", (name,)).fetchone()
        lock = _RunLock(self.path, name)
        try:
            description = space_to_json(space)
            if row is None:
                now = time.time()
                self._conn.execute("BEGIN IMMEDIATE")
                cursor = self._conn.execute(
                    "INSERT INTO runs (name, created, updated, status, direction, seed, space, settings) "
                    "VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
                    (name, now, now, direction, seed, _dumps(description), _dumps(settings)),
                )
                self._conn.execute("COMMIT")
                return RunJournal(self, cursor.lastrowid, name, lock, space)
            if not resume:
                raise StorageError(
                    f"run {name!r} already exists in {self.path!r}; pass resume=True to continue it, or choose "
                    f"another run_name."
                )
            run_id, stored_space, stored_settings = row
            stored = {**json.loads(stored_settings), "space": json.loads(stored_space)}
            if "lag" not in stored:
                raise StorageError(
                    f"run {name!r} in {self.path!r} was written by an earlier evotune, whose search ran in "
                    f"generations; this version reads it (load_run, report, export) but cannot continue it. "
                    f"Start a new run_name (its trials stay in the file)."
                )
            given = {**json.loads(_dumps(settings)), "space": json.loads(_dumps(description))}
            diff = differences(stored, given)
            if diff:
                raise StorageError(
                    f"cannot resume run {name!r}: its settings differ from the stored ones:\n  " + "\n  ".join(diff)
                )
            self._conn.execute("UPDATE runs SET status='running', updated=? WHERE run_id=?", (time.time(), run_id))
            return RunJournal(self, run_id, name, lock, space)
        except BaseException:
            lock.release()
            raise

    def stored_settings(self, name: str) -> dict[str, Any] | None:
        """The settings of run ``name``, or None if there is no such run."""
        row = self._conn.execute("SELECT settings FROM runs WHERE name=?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])


class _RunLock:
    """One writer per run: an exclusive OS lock, released by the OS if the process dies."""

    def __init__(self, path: str, name: str):
        self.key = (os.path.realpath(path), name)
        with _held_guard:
            if self.key in _held_locks:
                raise StorageError(f"run {name!r} in {path!r} is already being written by this process.")
            lock_path = f"{path}.lock"
            self._fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            self._offset = _stable_hash(name)  # one lock byte per run, in a shared lock file
            try:
                fcntl.lockf(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, self._offset)
            except OSError:
                os.close(self._fd)
                raise StorageError(
                    f"run {name!r} in {path!r} is being written by another process; two writers would mix their "
                    f"trials. Wait for it to finish, or stop it (it resumes later with resume=True)."
                ) from None
            _held_locks.add(self.key)

    def release(self) -> None:
        with _held_guard:
            if self.key in _held_locks:
                _held_locks.discard(self.key)
                fcntl.lockf(self._fd, fcntl.LOCK_UN, 1, self._offset)
                os.close(self._fd)


def is_being_written(path: str | os.PathLike, name: str) -> bool:
    """Whether a process holds run ``name`` of ``path`` for writing right now.

    A run whose status says "running" but that no process holds was killed; resume it.
    """
    try:
        _RunLock(os.fspath(path), name).release()
    except (StorageError, OSError):  # held; or the lock file cannot be opened (read-only folder): assume it runs
        return True
    return False


def _stable_hash(name: str) -> int:
    """A 40-bit number for a run name, the same in every process (str hashes are salted)."""
    return int.from_bytes(hashlib.sha1(name.encode()).digest()[:5], "big")


class RunJournal:
    """Writes one run: trials as they finish, generation ends, the final status."""

    def __init__(self, storage: Storage, run_id: int, name: str, lock: _RunLock, space: Space):
        self.storage = storage
        self.run_id = run_id
        self.name = name
        self._lock = lock
        self._conn = storage._conn
        self._genome = Genome(space)
        self._encode = _RowEncoder(self._genome)
        self._trials: list[tuple] = []
        self._generations: list[tuple] = []
        self._state: tuple | None = None
        self._costly = False  # a costly evaluation since the last state commit
        self._last_commit = time.monotonic()

    # -- writing ---------------------------------------------------------------------------
    # What is journaled waits in memory until the next commit. A commit comes at once after
    # an evaluation that took GROUP_BELOW seconds or more, and at the end of a generation
    # that held one; cheaper work is grouped into one commit per GROUP_WINDOW seconds.
    # So real evaluations are never at risk, while a trivial objective does not pay a
    # commit per evaluation; a crash loses at most about GROUP_WINDOW seconds of cheap
    # evaluations, which a resume recomputes (trials committed after the last state are
    # replayed, not recomputed).

    def add_trial(self, trial: Trial, genes: list) -> None:
        """Journal a finished evaluation."""
        self._trials.append((
            self.run_id, trial.number, trial.generation, self._encode.params(trial.params, genes),
            self._encode.genes(genes), _finite_or_none(trial.value), trial.state, trial.duration, trial.error,
            trial.worker, trial.started, None if trial.info is None else _dumps(trial.info),
        ))  # fmt: skip
        if trial.duration >= GROUP_BELOW:
            self._costly = True
            self.flush()
        elif time.monotonic() - self._last_commit >= GROUP_WINDOW:
            self.flush()

    def end_generation(self, stats: GenerationStats, state: Callable[[], dict[str, Any]]) -> None:
        """Journal a generation's statistics and the engine state after it (committed together).

        ``state`` makes the engine state; it is called only when the state is committed.
        """
        self._generations.append((self.run_id, *[_finite_or_none(getattr(stats, f)) for f in _STATS_FIELDS]))
        self._state = (stats.generation, state)
        if self._costly or time.monotonic() - self._last_commit >= GROUP_WINDOW:
            self.flush()

    def flush(self) -> None:
        """Commit everything journaled, in one transaction."""
        if self._trials or self._generations or self._state:
            self._conn.execute("BEGIN")
            self._write()
            self._conn.execute("COMMIT")
        self._last_commit = time.monotonic()

    def _write(self) -> None:
        self._conn.executemany("INSERT OR REPLACE INTO trials VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self._trials)
        self._conn.executemany("INSERT OR REPLACE INTO generations VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self._generations)
        if self._state is not None:
            generation, state = self._state
            self._conn.execute("INSERT OR REPLACE INTO states VALUES (?,?,?)", (self.run_id, generation, _dumps(state())))
            self._costly = False
        self._trials.clear()
        self._generations.clear()
        self._state = None

    def finish(self, status: str, stop_reason: str) -> None:
        """Commit everything and record how the run ended ("finished", "interrupted", "failed")."""
        self._conn.execute("BEGIN")
        self._write()
        self._conn.execute(
            "UPDATE runs SET status=?, stop_reason=?, updated=? WHERE run_id=?",
            (status, stop_reason, time.time(), self.run_id),
        )
        self._conn.execute("COMMIT")

    def close(self) -> None:
        """Release the run (the file stays open for reading)."""
        self._lock.release()

    # -- reading (resume) ----------------------------------------------------------------------
    def history(self) -> list[GenerationStats]:
        return _history(self._conn, self.run_id)

    def stored_trials(self) -> Iterator[tuple[Trial, list]]:
        """Every journaled trial with its genes, by number, read in chunks (memory stays flat)."""
        last = -1
        while True:
            rows = self._conn.execute(
                f"SELECT {_TRIAL_COLUMNS} FROM trials WHERE run_id=? AND number>? ORDER BY number LIMIT 1000",
                (self.run_id, last),
            ).fetchall()
            if not rows:
                return
            yield from ((_trial(row, self._genome), json.loads(row[-1])) for row in rows)
            last = rows[-1][0]


# -- reading ---------------------------------------------------------------------------------
def _trial(row: Sequence[Any], genome: Genome | None = None) -> Trial:
    """A trial from a row of _TRIAL_COLUMNS; with the run's genome, params are decoded exactly."""
    number, generation, params_json, value, state, duration, error, worker, started, info, genes = row
    if genome is not None:
        params = genome.decode(json.loads(genes))
    else:
        params = {k: v["repr"] if isinstance(v, dict) else v for k, v in json.loads(params_json).items()}
    return Trial(
        number=number,
        generation=generation,
        params=params,
        value=math.nan if value is None else value,
        state=state,
        duration=duration,
        error=error,
        worker=worker,
        started=started,
        info=None if info is None else json.loads(info),
    )


def _history(conn: sqlite3.Connection, run_id: int) -> list[GenerationStats]:
    rows = conn.execute(
        f"SELECT {', '.join(_STATS_FIELDS)} FROM generations WHERE run_id=? ORDER BY generation", (run_id,)
    )
    return [
        GenerationStats(**{f: (math.nan if v is None else v) for f, v in zip(_STATS_FIELDS, row)}) for row in rows
    ]


class StoredTrials(Sequence):
    """A run's trials, read from its file in chunks as they are used (memory stays flat)."""

    def __init__(self, path: str, run_id: int, limit: int, genome: Genome | None = None):
        self._path, self._run_id, self._limit, self._genome = path, run_id, limit, genome
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = _connect(self._path, readonly=True)
        return self._conn

    def __len__(self) -> int:
        return self._db().execute(
            "SELECT COUNT(*) FROM trials WHERE run_id=? AND number<?", (self._run_id, self._limit)
        ).fetchone()[0]

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        n = len(self)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("trial index out of range")
        row = self._db().execute(
            f"SELECT {_TRIAL_COLUMNS} FROM trials WHERE run_id=? AND number<? ORDER BY number LIMIT 1 OFFSET ?",
            (self._run_id, self._limit, index),
        ).fetchone()
        return _trial(row, self._genome)

    def __iter__(self) -> Iterator[Trial]:
        last = -1
        while True:
            rows = self._db().execute(
                f"SELECT {_TRIAL_COLUMNS} FROM trials WHERE run_id=? AND number>? AND number<? "
                f"ORDER BY number LIMIT 1000",
                (self._run_id, last, self._limit),
            ).fetchall()
            if not rows:
                return
            yield from (_trial(row, self._genome) for row in rows)
            last = rows[-1][0]

    def __repr__(self) -> str:
        return f"<{len(self)} trials stored in {self._path!r}>"


def load_run(path: str | os.PathLike, run_name: str | None = None) -> Result:
    """Read a stored run, also while another process is writing it.

    Trials are read from the file as they are used, so even a very long run loads
    at once. ``run_name`` may be omitted when the file holds a single run.

    Examples
    --------
    >>> import os, tempfile, evotune as et
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.db")
    >>> _ = et.optimize(lambda p: p["x"] ** 2, {"x": et.Float(-1, 1)}, max_evaluations=20,
    ...                 storage=path, run_name="demo", seed=0)
    >>> run = et.load_run(path, "demo")
    >>> len(run.trials), run.best_value == min(t.value for t in run.trials), run.stop_reason
    (20, True, 'max_evaluations reached (20)')
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise StorageError(f"{path!r} does not exist.")
    _check_file(path)
    conn = _connect(path, readonly=True)
    try:
        names = [row[0] for row in conn.execute("SELECT name FROM runs ORDER BY run_id")]
        if run_name is None:
            if len(names) != 1:
                raise InvalidParameterError(f"`run_name`: {path!r} holds {len(names)} runs {names}; name one.")
            run_name = names[0]
        row = conn.execute(
            "SELECT run_id, direction, seed, status, stop_reason, settings, space FROM runs WHERE name=?", (run_name,)
        ).fetchone()
        if row is None:
            raise InvalidParameterError(f"`run_name`: no run {run_name!r} in {path!r}; it holds {names}.")
        run_id, direction, seed, status, stop_reason, settings, space = row
        history = _history(conn, run_id)
        # the hall of fame: the best completed trials, ties to the lower number (as the engine ranks them)
        order = "ASC" if direction == "minimize" else "DESC"
        size = json.loads(settings)["hall_of_fame_size"]
        hall = [
            _trial(row)
            for row in conn.execute(
                f"SELECT {_TRIAL_COLUMNS} FROM trials WHERE run_id=? AND state='complete' "
                f"ORDER BY value {order}, number LIMIT ?",
                (run_id, size),
            )
        ]
    finally:
        conn.close()
    return Result(
        trials=StoredTrials(path, run_id, 2**62),
        history=history,
        hall_of_fame=hall,
        direction=direction,
        seed=seed,
        stop_reason=stop_reason or "",
        settings={**json.loads(settings), "status": status, "run_name": run_name},
        space=_space_from_json(json.loads(space)),
    )

