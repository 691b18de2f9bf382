"""What a run produces: trials, per-generation statistics and the hall of fame (its exports)."""

from __future__ import annotations

import csv
import json
import math
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np

from . import pareto
from ._checks import check_number
from .exceptions import InvalidParameterError
from .trial import COMPLETE, CRASHED, FAILED, TIMEOUT, Direction, GenerationStats, Trial

__all__ = ["Trial", "GenerationStats", "Result", "COMPLETE", "FAILED", "TIMEOUT", "CRASHED", "best_trials"]


def _losses(rows: Sequence[Sequence[float]], directions: Sequence[Direction]) -> np.ndarray:
    """Rows of objective values as losses: each value times its direction's sign (smaller is better); a row
    longer than ``directions`` is read up to their number."""
    signs = np.array([d.sign for d in directions], dtype=float)
    return np.array([list(row)[: len(signs)] for row in rows], dtype=float).reshape(len(rows), len(signs)) * signs


def best_trials(trials: Sequence[Trial], directions: Sequence[Any], size: int = 10) -> list[Trial]:
    """The hall of fame of ``trials``: with one objective the ``size`` best completed ones, best first
    (ties: lower number first); with several, the Pareto front of the completed ones, ordered by the
    objectives. Feasible trials only, unless none is: then the ``size`` least infeasible.

    What :class:`~evotune.Evolution` keeps as it goes, computed at once (for a stored run).

    Examples
    --------
    >>> trials = [Trial(i, 0, {}, v[0], values=v) for i, v in enumerate([(1, 5), (2, 2), (3, 3), (5, 1)])]
    >>> [t.number for t in best_trials(trials, ["minimize", "minimize"])]
    [0, 1, 3]
    >>> [t.number for t in best_trials(trials, ["maximize"], size=2)]
    [3, 2]
    """
    directions = [Direction.parse(d, "directions") for d in directions]
    done = [t for t in trials if t.ok]
    pool = [t for t in done if t.feasible] or done
    losses = _losses([t.values for t in pool], directions)
    order = sorted(range(len(pool)), key=lambda i: (pool[i].violation, tuple(losses[i]), pool[i].number))
    if len(directions) == 1 or not pool or not pool[0].feasible:
        return [pool[i] for i in order[:size]]
    mask = pareto.nondominated(losses)
    return [pool[i] for i in order if mask[i]]

def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return repr(value)


def _trial_row(trial: Trial, front: set[int] | None) -> dict[str, Any]:
    row = asdict(trial)
    row["params"] = {k: _jsonable(v) for k, v in trial.params.items()}
    row["value"] = _jsonable(trial.value)
    for name in ("parts", "values", "constraints"):
        if row[name] is not None:  # with several objectives, each part's values: a list
            row[name] = [[_jsonable(x) for x in v] if isinstance(v, tuple) else _jsonable(v)
                         for v in row[name]]
    if len(trial.values) == 1:
        del row["values"]
    if trial.constraints is None:
        del row["constraints"]
    if front is not None:
        row["front"] = trial.number in front
    return row


def _table(trials: Sequence[Trial], front: set[int] | None = None) -> tuple[list[str], list[list[Any]]]:
    """The trials as a table: one row each, one ``param_<name>`` column per parameter any trial has
    (with several objectives, a ``value_<i>`` column per objective and ``front``: on the Pareto front;
    with constraints, ``violation``)."""
    names = list(dict.fromkeys(name for t in trials for name in t.params))
    columns = ["number", "generation", "value", "state", "duration", "error", "worker", "started"]
    k = max((len(t.values) for t in trials), default=1)
    constrained = any(t.constraints is not None for t in trials)
    extra = [f"value_{i}" for i in range(k)] * (k > 1) + ["violation"] * constrained + ["front"] * (front is not None)
    rows = [
        [t.number, t.generation, t.value, str(t.state), t.duration, t.error, t.worker, t.started]
        + (list(t.values) if k > 1 else []) + ([t.violation] if constrained else [])
        + ([t.number in front] if front is not None else [])
        + [t.params.get(name) for name in names]
        for t in trials
    ]
    return columns + extra + [f"param_{name}" for name in names], rows


def _write(path: str | os.PathLike, trials: Sequence[Trial], fmt: str | None, front: set[int] | None = None) -> None:
    fmt = fmt or os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if fmt == "json":
        with open(path, "w", encoding="utf-8") as f:
            json.dump([_trial_row(t, front) for t in trials], f, indent=2)
            f.write("\n")
    elif fmt == "csv":
        columns, rows = _table(trials, front)
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for row in rows:
                started = row[7]
                row[7] = "" if started is None else datetime.fromtimestamp(started, timezone.utc).isoformat()
                writer.writerow(["" if v is None else _jsonable(v) for v in row])
    else:
        raise InvalidParameterError(
            f"format: must be 'json' or 'csv' (or a path ending in .json or .csv); got {fmt!r} "
            f"for {os.fspath(path)!r}."
        )


def _short(value: Any) -> Any:
    """``value`` with its floats to 4 significant digits, for a summary's repr."""
    if isinstance(value, float):
        return float(f"{value:.4g}")
    if isinstance(value, dict):
        return {k: _short(v) for k, v in value.items()}
    return tuple(_short(v) for v in value) if isinstance(value, (tuple, list)) else value


@dataclass
class Result:
    """The outcome of a run.

    Examples
    --------
    >>> import evotune as et
    >>> result = et.optimize(lambda p: (p["x"] - 1) ** 2, {"x": et.Float(-5, 5)},
    ...                      max_evaluations=40, seed=0)
    >>> len(result.trials), result.best_value < 0.1
    (40, True)
    >>> result.hall_of_fame[0] == result.best_trial
    True
    >>> result  # a summary; the trials are in result.trials
    Result(40 trials (complete 40), best 0.0002317 at {'x': 1.015}; max_evaluations reached (40))
    """

    trials: list[Trial]
    history: list[GenerationStats]
    hall_of_fame: list[Trial]
    direction: Direction
    seed: int
    stop_reason: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    #: The search space (for plots: scales and choices), when known.
    space: Any = None
    #: The run's sessions, oldest first: a dict each with ``started`` and ``ended`` (seconds since
    #: the epoch), ``evaluations`` (new ones), ``status``, ``workers``, ``environment`` (versions,
    #: platform, cores) and ``objective`` (what was tuned). Empty for a run file written before 0.2.
    sessions: list[dict[str, Any]] = field(default_factory=list)
    #: One direction per objective (by default ``(direction,)``).
    directions: tuple[Direction, ...] = ()

    def __post_init__(self) -> None:
        self.direction = Direction.parse(self.direction)
        self.directions = tuple(Direction.parse(d, "directions") for d in self.directions) or (self.direction,)

    def __repr__(self) -> str:  # a run holds thousands of trials: a summary, not dataclass's every field
        states = Counter(str(t.state) for t in self.trials)
        counts = ", ".join(f"{state} {n}" for state, n in states.most_common())
        if not self.feasible:
            best = "no feasible trial" if self.hall_of_fame else "no completed trial"
        elif len(self.directions) > 1:
            knee = self.best_trial
            best = f"a front of {len(self.pareto_front)}, knee {_short(knee.values)} at {_short(knee.params)}"
        else:
            best = f"best {_short(self.best_value)} at {_short(self.best_params)}"
        return f"Result({len(self.trials)} trials ({counts}), {best}; {self.stop_reason or 'not finished'})"

    @property
    def parameters(self) -> dict[str, Any]:
        """Parameter name -> parameter (its scale or choices), the sub-spaces of a union merged
        (the first one's wins); empty when the space is not known."""
        if self.space is None:
            return {}
        out: dict[str, Any] = {}
        for branch in self.space.branches if self.space.branches is not None else [self.space]:
            for name, p in branch.items():
                out.setdefault(name, p)
        return out

    @property
    def best_trial(self) -> Trial | None:
        """The best completed feasible trial (with several objectives: :meth:`select`'s knee of the
        front), or ``None`` if no evaluation completed or none is feasible (see :attr:`feasible`)."""
        if not self.feasible:
            return None
        return self.hall_of_fame[0] if len(self.directions) == 1 else self.select()

    @property
    def feasible(self) -> bool:
        """Whether some trial completed and met every constraint. When none did, the hall of fame
        holds the least infeasible trials, and :attr:`best_trial` is None."""
        return bool(self.hall_of_fame) and self.hall_of_fame[0].feasible

    @property
    def pareto_front(self) -> list[Trial]:
        """The completed feasible trials no other one beats in every objective, ordered by the
        objectives (with one objective: the best trial). Empty when no trial is feasible.

        Examples
        --------
        >>> import evotune as et
        >>> result = et.optimize(lambda p: (p["x"] ** 2, (p["x"] - 2) ** 2), {"x": et.Float(-5, 5)},
        ...                      directions=["minimize", "minimize"], max_evaluations=60, seed=0)
        >>> front = result.pareto_front
        >>> len(front) > 10, all(-0.1 < t.params["x"] < 2.1 for t in front)  # the front: 0 <= x <= 2
        (True, True)
        >>> round(result.hypervolume(reference=[9, 9]), 2)  # at most 81 - 8/3 = 78.33
        78.15
        """
        if not self.feasible:
            return []
        return list(self.hall_of_fame) if len(self.directions) > 1 else self.hall_of_fame[:1]

    def hypervolume(self, reference: Sequence[float]) -> float:
        """The hypervolume of :attr:`pareto_front` up to ``reference``: a point in the objectives' own
        values, worse than every trial of the front in every objective (the larger, the better the front).

        A ``reference`` that some trial of the front does not beat in every objective is an error
        (that trial would silently count for nothing).
        """
        front = self.pareto_front
        if not isinstance(reference, Sequence) or len(reference) != len(self.directions) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in reference
        ):
            raise InvalidParameterError(
                f"hypervolume: `reference` must hold {len(self.directions)} numbers, one per objective; "
                f"got {reference!r}."
            )
        point = self.losses([reference])[0]
        losses = self.losses([t.values for t in front])
        for trial, row in zip(front, losses):
            if not np.all(row < point):
                raise InvalidParameterError(
                    f"hypervolume: `reference` {list(reference)} must be worse than every trial of the front in "
                    f"every objective; trial {trial.number} has values {list(trial.values)}."
                )
        return pareto.hypervolume(losses, point)

    def losses(self, values: Sequence[Sequence[float]]) -> np.ndarray:
        """Rows of objective values (trials' ``values``, a reference point) as losses: each value times
        its direction's sign, so smaller is better in every column (what :mod:`evotune.pareto` takes).

        Examples
        --------
        >>> import evotune as et
        >>> result = et.optimize(lambda p: (p["x"], p["x"] ** 2), {"x": et.Float(0, 1)},
        ...                      directions=["maximize", "minimize"], max_evaluations=10, seed=0)
        >>> result.losses([[0.5, 0.25]]).tolist()
        [[-0.5, 0.25]]
        """
        return _losses(values, self.directions)

    def select(self, weights: Sequence[float] | None = None, *,
               limits: Sequence[float | None] | None = None) -> Trial | None:
        """One trial of the Pareto front: its knee (the point nearest the ideal one once each objective is
        scaled to [0, 1] over the front), or the one with the smallest ``weights``-weighted sum of scaled
        losses; ``limits`` first keeps the trials no worse than each given bound (an ε-constraint; None:
        no bound). None when the front is empty; an error when no trial of the front meets ``limits``.

        Examples
        --------
        >>> import evotune as et
        >>> result = et.optimize(lambda p: (p["x"] ** 2, (p["x"] - 2) ** 2), {"x": et.Float(-5, 5)},
        ...                      directions=["minimize", "minimize"], max_evaluations=60, seed=0)
        >>> round(result.select().params["x"], 1), abs(round(result.select(weights=[1, 0]).params["x"], 1))
        (1.0, 0.0)
        >>> round(result.select(limits=[None, 0.5]).params["x"], 1)  # the knee of those with (x - 2)² <= 0.5
        1.6
        """
        front, k = self.pareto_front, len(self.directions)
        for name, given in (("weights", weights), ("limits", limits)):
            if given is not None and (isinstance(given, str) or len(given) != k):
                raise InvalidParameterError(
                    f"select: `{name}` must have {k} entries, one per objective; got {given!r}."
                )
        for i, weight in enumerate(() if weights is None else weights):
            check_number(f"weights[{i}]", weight, "a number >= 0", lambda v: v >= 0, owner="select")
        for i, bound in enumerate(() if limits is None else limits):
            check_number(f"limits[{i}]", bound, "a number", math.isfinite, owner="select", allow_none=True)
        if limits is not None:
            front = [t for t in front if all(bound is None or d.sign * (v - bound) <= 0
                                             for d, v, bound in zip(self.directions, t.values, limits))]
            if not front:
                raise InvalidParameterError(f"select: no trial of the front meets limits {list(limits)}.")
        if not front:
            return None
        scaled = pareto.normalise(self.losses([t.values for t in front]))
        if weights is None:
            return front[pareto.knee(scaled)]
        return front[int(np.argmin(scaled @ np.asarray(weights, dtype=float)))]

    @property
    def best_params(self) -> dict[str, Any] | None:
        """Parameters of the best trial."""
        return None if self.best_trial is None else self.best_trial.params

    @property
    def best_value(self) -> float | None:
        """Objective value of the best trial."""
        return None if self.best_trial is None else self.best_trial.value

    @property
    def n_evaluations(self) -> int:
        """Number of evaluations of the objective (cache hits are not evaluations)."""
        return len(self.trials)

    def save_hall_of_fame(self, path: str | os.PathLike, format: str | None = None) -> None:
        """Write the hall of fame, best first, as JSON or CSV (chosen by ``format`` or extension).

        Parameter values that JSON cannot hold (an estimator, a function) are written as their ``repr``.
        """
        _write(path, self.hall_of_fame, format)

    def save_trials(self, path: str | os.PathLike, format: str | None = None) -> None:
        """Write every trial, in order, as JSON or CSV (chosen by ``format`` or extension).

        The CSV's ``started`` column is an ISO 8601 time in UTC."""
        front = {t.number for t in self.pareto_front} if len(self.directions) > 1 else None
        _write(path, self.trials, format, front)

    def parameter_importance(self) -> dict[str, float]:
        """How much each parameter mattered to the objective, as shares summing to 1, most important first.

        The permutation importance of a random forest fitted to the completed trials (see
        :mod:`evotune._importance`); empty with fewer than 10 completed trials or a constant
        objective. The space must be known (runs and run files always have it).

        Examples
        --------
        >>> import evotune as et
        >>> result = et.optimize(lambda p: (p["x"] - 1) ** 2 + 0.01 * p["noise"],
        ...                      {"x": et.Float(-5, 5), "noise": et.Float(0, 1)}, max_evaluations=60, seed=0)
        >>> importance = result.parameter_importance()
        >>> list(importance), importance["x"] > 0.9
        (['x', 'noise'], True)
        """
        from ._importance import parameter_importance

        if self.space is None:
            raise InvalidParameterError("parameter_importance: this result does not know its space.")
        return parameter_importance(self.parameters, list(self.trials), seed=self.seed)

    def to_dataframe(self) -> Any:
        """Every trial as a pandas DataFrame, one row each (pandas is needed for this method only).

        Columns: ``number``, ``generation``, ``value``, ``state``, ``duration`` (s),
        ``error``, ``worker``, ``started`` (a UTC timestamp) and one ``param_<name>``
        per parameter (a parameter a trial does not have is missing there).

        Examples
        --------
        >>> import evotune as et
        >>> result = et.optimize(lambda p: p["x"] ** 2, {"x": et.Float(-1, 1), "k": ["a", "b"]},
        ...                      max_evaluations=20, seed=0)
        >>> frame = result.to_dataframe()
        >>> frame.shape, list(frame.columns[-2:])
        ((20, 10), ['param_x', 'param_k'])
        >>> frame.groupby("param_k")["value"].min().index.tolist()
        ['a', 'b']
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError("Result.to_dataframe() needs pandas: pip install pandas") from None
        columns, rows = _table(self.trials)
        frame = pd.DataFrame(rows, columns=columns)
        frame["started"] = pd.to_datetime(frame["started"], unit="s", utc=True)
        return frame
