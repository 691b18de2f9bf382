"""What a run produces: trials, per-generation statistics and the hall of fame (its exports)."""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
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
    return row


def _write(path: str | os.PathLike, trials: Sequence[Trial], fmt: str | None) -> None:
    fmt = fmt or os.path.splitext(os.fspath(path))[1].lstrip(".").lower()
    if fmt == "json":
        with open(path, "w", encoding="utf-8") as f:
            json.dump([_trial_row(t) for t in trials], f, indent=2)
            f.write("\n")
    elif fmt == "csv":
        names = list(trials[0].params) if trials else []
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(
                ["number", "generation", "value", "state", "duration", "error", "worker", "started"]
                + [f"param_{n}" for n in names]
            )
            for t in trials:
                params = [_jsonable(t.params[n]) for n in names]
                writer.writerow(
                    [t.number, t.generation, t.value, t.state, t.duration, t.error or "", t.worker or "", t.started or ""]
                    + params
                )
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

    def __post_init__(self) -> None:
        self.direction = Direction.parse(self.direction)

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
        """Write every trial, in order, as JSON or CSV (chosen by ``format`` or extension)."""
        _write(path, self.trials, format)
