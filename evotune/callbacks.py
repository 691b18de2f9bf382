"""Stopping rules and hooks, called after every generation (and, if they wish, every evaluation).

A callback is any callable ``callback(evolution, stats)``; ``stats`` is the
:class:`~evotune.result.GenerationStats` row just written. Returning a true
value stops the run; a string return value is used as the stop reason. A
callback with an ``on_trial(evolution, trial)`` method is also called with every
:class:`~evotune.Trial` this session evaluates, as it is recorded (trials a resumed
run reads back from its journal are not announced again): the place to log to an
experiment tracker. A callback with state defines ``state_dict()`` and
``load_state_dict(state)`` (JSON-able), so that a resumed run carries on where it
stopped.

Examples
--------
A tracker callback (here a list; with MLflow, ``mlflow.log_metric("value",
trial.value, step=trial.number)`` and ``mlflow.log_metric("best", stats.best_so_far,
step=stats.generation)`` in the same places):

>>> import evotune as et
>>> class Tracker:
...     def __init__(self):
...         self.logged = []
...     def on_trial(self, evolution, trial):
...         self.logged.append(("trial", trial.number, trial.value))
...     def __call__(self, evolution, stats):
...         self.logged.append(("generation", stats.generation, stats.best_so_far))
>>> tracker = Tracker()
>>> result = et.optimize(lambda p: p["x"] ** 2, {"x": et.Float(-1, 1)}, max_evaluations=12,
...                      population_size=4, callbacks=[tracker], seed=0)
>>> sum(kind == "trial" for kind, *_ in tracker.logged), sum(kind == "generation" for kind, *_ in tracker.logged)
(12, 3)
"""

from __future__ import annotations

import math
from typing import Any

from ._checks import check_int, check_number
from .result import GenerationStats
from .trial import Direction

__all__ = ["NoImprovement", "TargetValue"]


class NoImprovement:
    """Stop when the best value has not improved by more than ``min_delta`` for ``generations``.

    Examples
    --------
    >>> import evotune as et
    >>> result = et.optimize(lambda p: abs(p["k"]), {"k": et.Integer(-50, 50)},
    ...                      generations=100, callbacks=[et.NoImprovement(3)], seed=1)
    >>> result.stop_reason
    'no improvement for 3 generations'
    """

    def __init__(self, generations: int, min_delta: float = 0.0):
        check_int("generations", generations, 1, owner="NoImprovement")
        check_number("min_delta", min_delta, "a number >= 0", lambda v: v >= 0, owner="NoImprovement")
        self.generations = int(generations)
        self.min_delta = float(min_delta)
        self.best = math.nan
        self.stale = 0

    def __repr__(self) -> str:
        return f"NoImprovement(generations={self.generations!r}, min_delta={self.min_delta!r})"

    def state_dict(self) -> dict[str, float]:
        """What a resumed run needs to go on counting (saved in the journal)."""
        return {"best": self.best, "stale": self.stale}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.best, self.stale = float(state["best"]), int(state["stale"])

    def __call__(self, evolution: Any, stats: GenerationStats) -> str | None:
        value = stats.best_so_far * Direction.parse(evolution.direction).sign
        if math.isnan(self.best) or value < self.best - self.min_delta:
            self.best, self.stale = value, 0
            return None
        self.stale += 1
        if self.stale >= self.generations:
            return f"no improvement for {self.generations} generations"
        return None


class TargetValue:
    """Stop as soon as the best value reaches ``value`` (at or below it when minimizing).

    Examples
    --------
    >>> import evotune as et
    >>> result = et.optimize(lambda p: p["x"] ** 2, {"x": et.Float(-1, 1)}, generations=50,
    ...                      callbacks=[et.TargetValue(1e-2)], seed=0)
    >>> result.best_value <= 1e-2, result.stop_reason
    (True, 'target value 0.01 reached')
    """

    def __init__(self, value: float):
        check_number("value", value, "a finite number", math.isfinite, owner="TargetValue")
        self.value = float(value)

    def __repr__(self) -> str:
        return f"TargetValue({self.value!r})"

    def __call__(self, evolution: Any, stats: GenerationStats) -> str | None:
        best = stats.best_so_far
        reached = Direction.parse(evolution.direction).best([best, self.value]) == best
        return f"target value {self.value!r} reached" if reached else None
