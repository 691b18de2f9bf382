"""The readers: a stored run, its trials read as they are used, the runs of a file.

Readers open the file read-only and never write: no schema, no write-ahead log,
no lock file. They can read a run while another process writes it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from ..exceptions import InvalidParameterError, StorageError
from ..genome import Genome
from ..result import Result, best_trials
from ..trial import Direction, Trial
from ._codec import decode, space_from_json, trial_from_row
from ._file import check_file, connect, has_table, trial_columns
from .journal import history, sessions

__all__ = ["StoredTrials", "kept_parts", "load_run", "run_names"]


def run_names(path: str | os.PathLike) -> list[str]:
    """Names of the runs in a run file, oldest first (reads only).

    Examples
    --------
    >>> import os, tempfile, evotune as et
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.db")
    >>> _ = et.optimize(lambda p: p["x"], {"x": et.Float(0, 1)}, max_evaluations=8, storage=path, run_name="a")
    >>> run_names(path)
    ['a']
    """
    path = os.fspath(path)
    check_file(path)
    conn = connect(path, readonly=True)
    try:
        return [row[0] for row in conn.execute("SELECT name FROM runs ORDER BY run_id")]
    finally:
        conn.close()


class StoredTrials(Sequence):
    """A run's trials, read from its file in chunks as they are used (memory stays flat)."""

    def __init__(self, path: str, run_id: int, limit: int, genome: Genome | None = None):
        self._path, self._run_id, self._limit, self._genome = path, run_id, limit, genome
        self._conn: sqlite3.Connection | None = None
        self._columns = ""

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = connect(self._path, readonly=True)
            self._columns = trial_columns(self._conn)
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
            f"SELECT {self._columns} FROM trials WHERE run_id=? AND number<? ORDER BY number LIMIT 1 OFFSET ?",
            (self._run_id, self._limit, index),
        ).fetchone()
        return trial_from_row(row, self._path, self._run_id, self._genome)

    def __iter__(self) -> Iterator[Trial]:
        last = -1
        while True:
            rows = self._db().execute(
                f"SELECT {self._columns} FROM trials WHERE run_id=? AND number>? AND number<? "
                f"ORDER BY number LIMIT 1000",
                (self._run_id, last, self._limit),
            ).fetchall()
            if not rows:
                return
            yield from (trial_from_row(row, self._path, self._run_id, self._genome) for row in rows)
            last = rows[-1][0]

    def __repr__(self) -> str:
        return f"<{len(self)} trials stored in {self._path!r}>"


def kept_parts(path: str | os.PathLike, run_name: str) -> tuple[int, int]:
    """The finished parts (folds) run ``run_name`` holds of candidates not yet decided, and how many
    candidates they belong to: what a resume takes from the file instead of running again (none in a file
    of a schema before version 5). Reads only.

    Examples
    --------
    >>> import os, tempfile, evotune as et
    >>> path = os.path.join(tempfile.mkdtemp(), "runs.db")
    >>> _ = et.optimize(lambda p: p["x"], {"x": et.Float(0, 1)}, max_evaluations=8, storage=path,
    ...                 run_name="a")
    >>> kept_parts(path, "a")  # it ran to its end: every candidate decided
    (0, 0)
    """
    path = os.fspath(path)
    check_file(path)
    conn = connect(path, readonly=True)
    try:
        if not has_table(conn, "parts"):
            return 0, 0
        parts, candidates = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT number) FROM parts JOIN runs USING (run_id) WHERE runs.name=?",
            (run_name,)).fetchone()
        return int(parts), int(candidates)
    finally:
        conn.close()


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
    check_file(path)
    conn = connect(path, readonly=True)
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
        rows = history(conn, run_id)
        run_sessions = sessions(conn, run_id, path)
        # the hall of fame: the best completed trials, ties to the lower number (as the engine ranks them)
        order = "ASC" if Direction.parse(direction) is Direction.MINIMIZE else "DESC"
        where = f"table runs, run {run_name!r}"
        settings = decode(settings, path, where)
        size = settings.get("hall_of_fame_size", 10)
        directions = settings.get("directions") or [direction]
        # several objectives or constraints: every completed trial counts (the front, or the least infeasible)
        ranked = len(directions) > 1 or settings.get("constraints") is not None
        hall = [
            trial_from_row(row, path, run_id)
            for row in conn.execute(
                f"SELECT {trial_columns(conn)} FROM trials WHERE run_id=? AND state='complete' "
                f"ORDER BY value {order}, number LIMIT ?",
                (run_id, 2**62 if ranked else size),
            )
        ]
        if ranked:
            hall = best_trials(hall, directions, size)
    finally:
        conn.close()
    return Result(
        trials=StoredTrials(path, run_id, 2**62),
        history=rows,
        hall_of_fame=hall,
        direction=direction,
        seed=seed,
        stop_reason=stop_reason or "",
        settings={**settings, "status": status, "run_name": run_name},
        space=_space(path, where, space),
        sessions=run_sessions,
        directions=directions,
    )



def _space(path: str, where: str, text: str) -> Any:
    try:
        return space_from_json(decode(text, path, where))
    except StorageError:
        raise
    except Exception as exc:  # a tampered description: any error of Space's own checks
        raise StorageError(f"{path!r} is damaged: {where} holds a space that cannot be rebuilt ({exc}).") from None
