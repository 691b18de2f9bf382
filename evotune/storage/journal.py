"""The writer: a run file, and the journal of one run in it.

Trials are appended as evaluations finish; each generation's statistics are
committed with the generation's last trials. What is journaled waits in memory
until the next commit: a commit comes at once after an evaluation that took
GROUP_BELOW seconds or more, and at the end of a generation that held one; cheaper
work is grouped into one commit per GROUP_WINDOW seconds, or per GROUP_ROWS trials if
those come first. So real evaluations are never at risk, while a trivial objective does
not pay a commit per evaluation, and what waits in memory is bounded whatever the speed.
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from collections.abc import Callable, Iterator
from typing import Any

from ..exceptions import InvalidParameterError, StorageError
from ..evaluation.base import Outcome
from ..genome import Genome
from ..space import Space
from ..trial import Candidate, GenerationStats, Trial
from ._codec import (
    STATS_FIELDS, RowEncoder, decode, differences, dumps, exact_json, finite_or_none, is_legacy_union,
    space_to_json, stats_from_row, trial_from_row, with_legacy_believer, with_legacy_branches,
    with_legacy_extremes, with_legacy_front_min_trials, with_legacy_front_scale, with_legacy_racing,
    with_legacy_relevance, with_legacy_screen,
)  # fmt: skip
from ._file import check_file, connect, create_schema, has_sessions, migrate, trial_columns
from .lock import RunLock

__all__ = ["Storage", "RunJournal", "GROUP_BELOW", "GROUP_WINDOW", "SETTINGS_DIFFER"]

#: How the refusal to resume a run with other settings begins after the run's name (the CLI adds its
#: own way on to the errors that say it).
SETTINGS_DIFFER = "its settings differ from the stored ones"

#: Evaluations shorter than this, finishing within GROUP_WINDOW seconds of the last
#: commit, are committed together with the next ones.
GROUP_BELOW = 0.01
GROUP_WINDOW = 1.0
#: At most this many trials wait for a commit (a trivial objective may finish tens of thousands a second).
GROUP_ROWS = 1000


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
        if not isinstance(path, (str, os.PathLike)):
            raise InvalidParameterError(f"`storage` must be a path (str or os.PathLike) or a Storage; got {path!r}.")
        self.path = os.fspath(path)
        if os.path.isfile(self.path) and os.stat(self.path).st_nlink > 1:  # a folder: check_file names it
            raise StorageError(
                f"{self.path!r} has {os.stat(self.path).st_nlink} hard links; evotune writes a run file through one "
                f"name only (a writer through another link could not be detected). Copy the file, or remove the "
                f"other links."
            )
        check_file(self.path, create=True)
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        new = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        self._conn = connect(self.path)
        if new:
            create_schema(self._conn)

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
        session: dict[str, Any] | None = None,
    ) -> RunJournal:
        """Create run ``name``, or with ``resume=True`` continue it (settings must match).

        ``session`` describes this session (``workers``, ``environment``, ``objective``);
        it is recorded with its start, and its end and evaluations when the journal finishes.
        """
        if not isinstance(name, str) or not name:
            raise InvalidParameterError(f"`run_name` must be a non-empty string; got {name!r}.")
        row = self._conn.execute("SELECT run_id, space, settings FROM runs WHERE name=?", (name,)).fetchone()
        lock = RunLock(self.path, name)
        try:
            description = space_to_json(space)
            if row is None:
                now = time.time()
                migrate(self._conn)  # a file of an earlier schema: only once a run is written into it
                self._conn.execute("BEGIN IMMEDIATE")
                cursor = self._conn.execute(
                    "INSERT INTO runs (name, created, updated, status, direction, seed, space, settings) "
                    "VALUES (?, ?, ?, 'running', ?, ?, ?, ?)",
                    (name, now, now, direction, seed, dumps(description), dumps(settings)),
                )
                self._start_session(cursor.lastrowid, session or {})
                self._conn.execute("COMMIT")
                return RunJournal(self, cursor.lastrowid, name, lock, space)
            if not resume:
                raise StorageError(
                    f"run {name!r} already exists in {self.path!r}; pass resume=True to continue it, or choose "
                    f"another run_name."
                )
            run_id = row[0]
            stored = self._as_written(name, row)
            if "lag" not in stored:
                raise StorageError(
                    f"run {name!r} in {self.path!r} was written by an earlier evotune, whose search ran in "
                    f"generations; this version reads it (load_run, report, export) but cannot continue it. "
                    f"Start a new run_name (its trials stay in the file)."
                )
            if is_legacy_union(stored["space"]):
                raise StorageError(
                    f"run {name!r} in {self.path!r} was written by evotune 0.4 or earlier, which encoded a list "
                    f"of sub-spaces otherwise; this version reads it (load_run, report, export) but cannot "
                    f"continue it. Start a new run_name (its trials stay in the file; pass its best as "
                    f"initial_points to start from them)."
                )
            if len(stored.get("directions") or ()) > 1 and _written_before(self._conn, run_id, self.path, (0, 5)):
                raise StorageError(
                    f"run {name!r} in {self.path!r} was written by evotune 0.4, whose search with several "
                    f"objectives ranked fewer children per evaluation; this version reads it (load_run, report, "
                    f"export) but cannot continue it. Start a new run_name (its trials stay in the file)."
                )
            given = {**decode(dumps(settings), "", ""), "space": decode(dumps(description), "", "")}
            diff = differences(stored, given)
            if diff:
                # a stored GaussianProcessSurrogate is taken back when none is given (Settings.restorable)
                takes_back = str(stored.get("surrogate")).startswith(("GaussianProcessSurrogate(", "None"))
                hint = " (or leave `surrogate` out: the run takes back its own)" if takes_back and any(
                    line.startswith("surrogate:") for line in diff) else ""
                raise StorageError(
                    f"cannot resume run {name!r}: {SETTINGS_DIFFER}:\n  " + "\n  ".join(diff)
                    + f"\nPass the stored settings to continue it{hint}, or another run_name to start anew "
                    "(the stored run stays in the file)."
                )
            journal = RunJournal(self, run_id, name, lock, space)
            for _ in journal.stored_trials():  # every stored trial must read back before the file changes
                pass
            journal.history()
            migrate(self._conn)
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute("UPDATE runs SET status='running', updated=? WHERE run_id=?", (time.time(), run_id))
            self._start_session(run_id, session or {})
            self._conn.execute("COMMIT")
            return journal
        except BaseException:
            lock.release()
            raise

    def _start_session(self, run_id: int, session: dict[str, Any]) -> None:
        number = self._conn.execute("SELECT COALESCE(MAX(session) + 1, 0) FROM sessions WHERE run_id=?",
                                    (run_id,)).fetchone()[0]
        self._conn.execute(
            "INSERT INTO sessions (run_id, session, started, workers, environment, objective) VALUES (?,?,?,?,?,?)",
            (run_id, number, time.time(), session.get("workers"), dumps(session.get("environment")),
             dumps(session.get("objective"))),
        )

    def rename_run(self, name: str) -> str:
        """Give run ``name`` the first free name ``name-1``, ``name-2``...; returns it."""
        names = set(self.run_names())
        new = next(f"{name}-{k}" for k in range(1, len(names) + 2) if f"{name}-{k}" not in names)
        lock = RunLock(self.path, name)  # not while a process writes it
        try:
            self._conn.execute("UPDATE runs SET name=? WHERE name=?", (new, name))
        finally:
            lock.release()
        return new

    def stored_evaluations(self, name: str) -> int:
        """How many evaluations run ``name`` holds (0 if there is no such run)."""
        row = self._conn.execute(
            "SELECT COUNT(*) FROM trials JOIN runs USING (run_id) WHERE runs.name=?", (name,)
        ).fetchone()
        return int(row[0])

    def stored_settings(self, name: str) -> dict[str, Any] | None:
        """The settings of run ``name``, or None if there is no such run."""
        row = self._conn.execute("SELECT run_id, space, settings FROM runs WHERE name=?", (name,)).fetchone()
        return None if row is None else self._as_written(name, row)

    def _as_written(self, name: str, row: tuple) -> dict[str, Any]:
        """A run's stored settings and space (``row``: its run_id, space and settings) read as the release
        that wrote them searched: a setting added since reads as that release's behaviour, not today's
        default."""
        run_id, space, settings = row
        where = f"table runs, run {name!r}"
        stored = {**decode(settings, self.path, where), "space": decode(space, self.path, where)}
        stored = with_legacy_extremes(with_legacy_racing(stored))
        if _written_before(self._conn, run_id, self.path, (0, 7), session=0):
            stored = with_legacy_branches(stored)
        if _written_before(self._conn, run_id, self.path, (0, 13), session=0):
            stored = with_legacy_front_scale(stored)  # after the branches: the repr's order
        if _written_before(self._conn, run_id, self.path, (0, 18), session=0):
            stored = with_legacy_front_min_trials(stored)
        if _written_before(self._conn, run_id, self.path, (0, 21), session=0):
            stored = with_legacy_believer(stored)  # the repr's last
        if _written_before(self._conn, run_id, self.path, (0, 23), session=0):
            stored = with_legacy_screen(stored)
        if _written_before(self._conn, run_id, self.path, (0, 24), session=0):
            stored = with_legacy_relevance(stored)  # after the believer: the repr's order
        return stored


class RunJournal:
    """Writes one run: trials as they finish, generation ends, the final status."""

    def __init__(self, storage: Storage, run_id: int, name: str, lock: RunLock, space: Space):
        self.storage = storage
        self.run_id = run_id
        self.name = name
        self._lock = lock
        self._conn = storage._conn
        self._genome = Genome(space)
        self._encode = RowEncoder(self._genome)
        self._trials: list[tuple] = []
        self._parts: list[tuple] = []
        self._parted: set[int] = set()  # candidates with parts in the file (their rows go with their trials)
        self._generations: list[tuple] = []
        self._state: tuple | None = None
        self._costly = False  # a costly evaluation since the last state commit
        self._last_commit = time.monotonic()
        self._evaluations = 0  # this session's

    # -- writing (see the module docstring for when commits come) ---------------------------

    def add_trial(self, trial: Trial, genes: list) -> None:
        """Journal a finished evaluation."""
        self._evaluations += 1
        self._trials.append((
            self.run_id, trial.number, trial.generation, self._encode.params(trial.params, genes),
            self._encode.genes(genes), finite_or_none(trial.value), trial.state, trial.duration, trial.error,
            trial.worker, trial.started, None if trial.info is None else dumps(trial.info),
            None if trial.parts is None else dumps([finite_or_none(v) for v in trial.parts]),
            None if len(trial.values) == 1 else dumps([finite_or_none(v) for v in trial.values]),
            None if trial.constraints is None else dumps(list(trial.constraints)),
        ))  # fmt: skip
        self._costly = self._costly or trial.duration >= GROUP_BELOW
        self._commit_if_due(trial.duration)

    def add_part(self, candidate: Candidate, i: int, outcome: Outcome) -> None:
        """Journal part ``i`` of a candidate not decided yet (a fold that finished), so that a stop or a crash
        before its trial is journaled does not lose it: :meth:`stored_parts` gives it back on resume.
        Committed as a trial would be; a result JSON cannot hold exactly is not kept (it runs again)."""
        result = exact_json(outcome.value)
        if result is None:
            return
        self._parts.append((self.run_id, candidate.number, i, self._encode.genes(candidate.genes), result,
                            outcome.duration, outcome.worker, outcome.started))
        self._parted.add(candidate.number)
        self._commit_if_due(outcome.duration)

    def _commit_if_due(self, duration: float) -> None:
        """Commit after what took ``duration`` seconds if that is GROUP_BELOW or more, or if GROUP_WINDOW
        seconds have passed or GROUP_ROWS rows (trials and parts) wait (the module docstring's rule)."""
        if duration >= GROUP_BELOW or len(self._trials) + len(self._parts) >= GROUP_ROWS \
                or time.monotonic() - self._last_commit >= GROUP_WINDOW:
            self.flush()

    def end_generation(self, stats: GenerationStats, state: Callable[[], dict[str, Any]]) -> None:
        """Journal a generation's statistics and the engine state after it (committed together).

        ``state`` makes the engine state; it is called only when the state is committed.
        """
        self._generations.append((self.run_id, *[finite_or_none(getattr(stats, f)) for f in STATS_FIELDS]))
        self._state = (stats.generation, state)
        if self._costly or time.monotonic() - self._last_commit >= GROUP_WINDOW:
            self.flush()

    def flush(self) -> None:
        """Commit everything journaled, in one transaction."""
        if self._trials or self._parts or self._generations or self._state:
            self._transaction(self._write)
        self._last_commit = time.monotonic()

    def _transaction(self, write: Callable[[], None]) -> None:
        """Run ``write`` in one transaction; a failure (a full disk) rolls it back and says what is safe."""
        try:
            self._conn.execute("BEGIN")
            write()
            self._conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise StorageError(
                f"cannot write to {self.storage.path!r} ({exc}); every trial committed before is safe in it. "
                f"Free space (or fix the cause) and resume the run."
            ) from exc

    def _write(self) -> None:
        self._conn.executemany("INSERT OR REPLACE INTO parts VALUES (?,?,?,?,?,?,?,?)", self._parts)
        self._conn.executemany("INSERT OR REPLACE INTO trials VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", self._trials)
        # a trial holds its parts' results (in its info): their rows are done with
        parted = [row[:2] for row in self._trials if row[1] in self._parted]
        self._conn.executemany("DELETE FROM parts WHERE run_id=? AND number=?", parted)
        self._parted.difference_update(number for _, number in parted)
        self._conn.executemany("INSERT OR REPLACE INTO generations VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", self._generations)
        if self._state is not None:
            generation, state = self._state
            self._conn.execute("INSERT OR REPLACE INTO states VALUES (?,?,?)", (self.run_id, generation, dumps(state())))
            self._costly = False
        self._trials.clear()
        self._parts.clear()
        self._generations.clear()
        self._state = None

    def finish(self, status: str, stop_reason: str) -> None:
        """Commit everything and record how the run ended ("finished", "interrupted", "failed")."""

        def write() -> None:
            self._write()
            now = time.time()
            self._conn.execute(
                "UPDATE runs SET status=?, stop_reason=?, updated=? WHERE run_id=?",
                (status, stop_reason, now, self.run_id),
            )
            self._conn.execute(
                "UPDATE sessions SET ended=?, evaluations=?, status=? WHERE run_id=? AND session="
                "(SELECT MAX(session) FROM sessions WHERE run_id=?)",
                (now, self._evaluations, status, self.run_id, self.run_id),
            )

        self._transaction(write)

    def close(self) -> None:
        """Release the run (the file stays open for reading)."""
        self._lock.release()

    # -- reading (resume) ----------------------------------------------------------------------
    def history(self) -> list[GenerationStats]:
        return history(self._conn, self.run_id)

    def sessions(self) -> list[dict[str, Any]]:
        return sessions(self._conn, self.run_id, self.storage.path)

    def stored_parts(self) -> dict[int, tuple[list, dict[int, Outcome]]]:
        """The finished parts of candidates whose trials were not journaled (the session stopped or crashed
        first): ``{number: (genes, {part: outcome})}``, for :meth:`PartsEvaluator.restore`."""
        kept: dict[int, tuple[list, dict[int, Outcome]]] = {}
        rows = self._conn.execute("SELECT number, part, genes, result, duration, worker, started FROM parts "
                                  "WHERE run_id=? ORDER BY number, part", (self.run_id,))
        for number, part, genes, result, duration, worker, started in rows:
            where = f"table parts, run {self.run_id}, trial {number}, part {part}"
            genes, result = decode(genes, self.storage.path, where), decode(result, self.storage.path, where)
            outcome = Outcome(Candidate(number, -1, {}), result, duration, worker, started)
            kept.setdefault(number, (genes, {}))[1][part] = outcome
        self._parted.update(kept)
        return kept

    def stored_trials(self) -> Iterator[tuple[Trial, list]]:
        """Every journaled trial with its genes, by number, read in chunks (memory stays flat)."""
        last, columns = -1, trial_columns(self._conn)  # read before the file is migrated, too
        while True:
            rows = self._conn.execute(
                f"SELECT {columns} FROM trials WHERE run_id=? AND number>? ORDER BY number LIMIT 1000",
                (self.run_id, last),
            ).fetchall()
            if not rows:
                return
            path = self.storage.path
            yield from ((trial_from_row(row, path, self.run_id, self._genome),
                         decode(row[-1], path, f"table trials, run {self.run_id}, trial {row[0]}")) for row in rows)
            last = rows[-1][0]




def _written_before(conn: sqlite3.Connection, run_id: int, path: str, version: tuple[int, ...], session: int = -1) -> bool:
    """Whether session ``session`` (the last by default; 0: the one that stored the settings) of run
    ``run_id`` ran an evotune older than ``version``; True for a run without sessions (a file of schema
    version 1, written before release 0.2)."""
    recorded = sessions(conn, run_id, path)
    if not recorded:
        return True
    written = str((recorded[session]["environment"] or {}).get("evotune", ""))
    numbers = [int(part) for part in re.findall(r"\d+", written)[:len(version)]]
    return bool(numbers) and tuple(numbers) < version


def sessions(conn: sqlite3.Connection, run_id: int, path: str) -> list[dict[str, Any]]:
    """The sessions of run ``run_id`` (none in a file of schema version 1), oldest first."""
    if not has_sessions(conn):
        return []
    rows = conn.execute(
        "SELECT session, started, ended, evaluations, status, workers, environment, objective FROM sessions "
        "WHERE run_id=? ORDER BY session", (run_id,),
    )
    where = f"table sessions, run {run_id}"
    return [
        {"session": s, "started": started, "ended": ended, "evaluations": evaluations, "status": status,
         "workers": workers, "environment": decode(environment, path, where), "objective": decode(objective, path, where)}
        for s, started, ended, evaluations, status, workers, environment, objective in rows
    ]  # fmt: skip


def history(conn: sqlite3.Connection, run_id: int) -> list[GenerationStats]:
    """The history rows of run ``run_id``, by generation."""
    rows = conn.execute(
        f"SELECT {', '.join(STATS_FIELDS)} FROM generations WHERE run_id=? ORDER BY generation", (run_id,)
    )
    return [stats_from_row(row) for row in rows]
