"""What a run produces: trials, per-generation statistics and the hall of fame (its exports)."""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any

from .exceptions import InvalidParameterError
from .trial import COMPLETE, CRASHED, FAILED, TIMEOUT, Direction, GenerationStats, Trial

__all__ = ["Trial", "GenerationStats", "Result", "COMPLETE", "FAILED", "TIMEOUT", "CRASHED"]

def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    return repr(value)


def _trial_row(trial: Trial) -> dict[str, Any]:
    row = asdict(trial)
    row["params"] = {k: _jsonable(v) for k, v in trial.params.items()}
    row["value"] = _jsonable(trial.value)
    if trial.parts is not None:
        row["parts"] = [_jsonable(v) for v in trial.parts]
    return row


def _table(trials: Sequence[Trial]) -> tuple[list[str], list[list[Any]]]:
    """The trials as a table: one row each, one ``param_<name>`` column per parameter any trial has."""
    names = list(dict.fromkeys(name for t in trials for name in t.params))
    columns = ["number", "generation", "value", "state", "duration", "error", "worker", "started"]
    rows = [
        [t.number, t.generation, t.value, str(t.state), t.duration, t.error, t.worker, t.started]
        + [t.params.get(name) for name in names]
        for t in trials
    ]
    return columns + [f"param_{name}" for name in names], rows


def _write(path: str | os.PathLike, trials: Sequence[Trial], fmt: str | None) -> None:
    fmt = fmt or os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if fmt == "json":
        with open(path, "w", encoding="utf-8") as f:
            json.dump([_trial_row(t) for t in trials], f, indent=2)
            f.write("\n")
    elif fmt == "csv":
        columns, rows = _table(trials)
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

    def __post_init__(self) -> None:
        self.direction = Direction.parse(self.direction)

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
        """The best completed trial, or ``None`` if no evaluation completed."""
        return self.hall_of_fame[0] if self.hall_of_fame else None

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
        _write(path, self.trials, format)

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
