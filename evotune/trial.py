"""The plain data the layers exchange: candidates, trials, history rows, states, directions.

A leaf module: it imports nothing from evotune, so the engine, the evaluators,
storage and the drivers can all depend on it without depending on each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from .exceptions import InvalidParameterError

__all__ = [
    "Candidate", "Trial", "GenerationStats", "TrialState", "Direction", "Pruned",
    "COMPLETE", "FAILED", "TIMEOUT", "CRASHED", "PRUNED",
]  # fmt: skip


class TrialState(str, Enum):
    """How an evaluation ended. A ``str``: ``TrialState.COMPLETE == "complete"``.

    Examples
    --------
    >>> TrialState("timeout") is TrialState.TIMEOUT, TrialState.COMPLETE == "complete"
    (True, True)

    ``"pruned"``: racing stopped the evaluation after some of its folds, or a
    fidelity after some of its budgets (see :class:`~evotune.Racing`,
    :class:`~evotune.Fidelity`); its value is that of what it ran.
    """

    COMPLETE = "complete"
    FAILED = "failed"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    PRUNED = "pruned"

    def __str__(self) -> str:
        return self.value


COMPLETE, FAILED, TIMEOUT, CRASHED, PRUNED = (
    TrialState.COMPLETE, TrialState.FAILED, TrialState.TIMEOUT, TrialState.CRASHED, TrialState.PRUNED
)


class Direction(str, Enum):
    """Whether smaller or larger objective values are better. A ``str``: ``Direction.MINIMIZE == "minimize"``.

    Examples
    --------
    >>> Direction.parse("maximize").sign
    -1
    >>> Direction.parse("max")
    Traceback (most recent call last):
    ...
    evotune.exceptions.InvalidParameterError: `direction` must be one of ('minimize', 'maximize'); got 'max'.
    """

    MINIMIZE = "minimize"
    MAXIMIZE = "maximize"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: Any, name: str = "direction") -> Direction:
        """The direction ``value`` names, or an error that says what is allowed (``name``: the parameter)."""
        try:
            return cls(value)
        except ValueError:
            allowed = tuple(d.value for d in cls)
            raise InvalidParameterError(f"`{name}` must be one of {allowed}; got {value!r}.") from None

    @property
    def sign(self) -> int:
        """+1 when minimizing, -1 when maximizing: ``sign * value`` is a loss."""
        return 1 if self is Direction.MINIMIZE else -1

    def best(self, *values: Any) -> Any:
        """The best of ``values``, as ``min``/``max`` take them: ``Direction.MAXIMIZE.best(1, 3) == 3``."""
        return (min if self is Direction.MINIMIZE else max)(*values)

    def worst(self, *values: Any) -> Any:
        """The worst of ``values``, as ``max``/``min`` take them."""
        return (max if self is Direction.MINIMIZE else min)(*values)


@dataclass(frozen=True)
class Candidate:
    """A point to evaluate: its trial number, generation and parameters.

    ``seed`` is a 32-bit seed for the evaluation's own randomness, derived from
    the run's seed and the trial number only (the same whatever the order or the
    process in which candidates are evaluated).
    """

    number: int
    generation: int
    params: dict[str, Any]
    _entropy: int = field(repr=False, compare=False, default=0)
    #: The candidate's canonical gene vector (for the journal; never sent to workers).
    genes: list = field(repr=False, compare=False, default_factory=list)
    #: What racing compares its folds with (an :class:`evotune.racing.Race`), or None: not raced.
    race: Any = field(repr=False, compare=False, default=None)

    @property
    def seed(self) -> int:
        """Seed for this evaluation (e.g. a model's ``random_state``)."""
        sequence = np.random.SeedSequence(self._entropy, spawn_key=(1, self.number))
        return int(sequence.generate_state(1)[0])


@dataclass(frozen=True)
class Trial:
    """One evaluation of the objective.

    ``value`` is ``nan`` unless ``state`` is ``"complete"``; ``error`` then holds a
    short description of what went wrong. ``duration`` is in seconds; ``worker``
    names the process that ran the evaluation and ``started`` is its start time
    (seconds since the epoch), when known. ``info`` holds what the objective
    returned beside its value (``return value, {"train_loss": ...}``). ``parts``
    holds the value of each part (cross-validation fold) that ran, in order, for an
    objective evaluated part by part (with several objectives, a tuple of values per
    part); a pruned trial ran only the first ones.

    ``values`` holds every objective's value, in the order of the run's ``directions``
    (``(value,)`` with one objective; with several, ``value`` is the first of them), and
    ``constraints`` the constraint values of a constrained run: the trial is
    :attr:`feasible` when none is above 0.

    Examples
    --------
    >>> trial = Trial(0, 0, {"x": 1}, 0.25, values=(0.25, 3.0), constraints=(-1.0, 0.5))
    >>> trial.values, trial.feasible, trial.violation
    ((0.25, 3.0), False, 0.5)
    """

    number: int
    generation: int
    params: dict[str, Any]
    value: float
    state: TrialState = COMPLETE
    duration: float = 0.0
    error: str | None = None
    worker: str | None = None
    started: float | None = None
    info: dict[str, Any] | None = None
    parts: tuple[float, ...] | tuple[tuple[float, ...], ...] | None = None
    values: tuple[float, ...] = ()
    constraints: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        if type(self.state) is not TrialState:  # a name given as text (the members are the usual case)
            object.__setattr__(self, "state", TrialState(self.state))
        if self.parts is not None:
            parts = (tuple(map(float, p)) if isinstance(p, (list, tuple)) else float(p) for p in self.parts)
            object.__setattr__(self, "parts", tuple(parts))
        if self.constraints is not None:
            object.__setattr__(self, "constraints", tuple(float(v) for v in self.constraints))
        object.__setattr__(self, "values", tuple(map(float, self.values)) or (float(self.value),))

    @property
    def feasible(self) -> bool:
        """Whether every constraint holds (no constraint value above 0; True without constraints)."""
        return self.violation == 0

    @property
    def violation(self) -> float:
        """How far the trial is from feasible: the sum of its positive constraint values."""
        return sum(max(c, 0.0) for c in self.constraints) if self.constraints else 0.0

    @property
    def ok(self) -> bool:
        """Whether the evaluation completed with a finite value."""
        return self.state is COMPLETE


def split_info(result: Any) -> tuple[Any, Any]:
    """An objective's result as ``(value, info)``: a ``(value, info)`` pair (info a mapping) split, anything
    else with no info.

    >>> split_info((0.5, {"epochs": 3})), split_info((0.5, 2.0)), split_info(0.5)
    ((0.5, {'epochs': 3}), ((0.5, 2.0), None), (0.5, None))
    """
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], Mapping):
        return result[0], result[1]
    return result, None


@dataclass(frozen=True)
class Pruned:
    """An evaluation stopped by racing: the objective's ``combine`` of the parts that ran.

    What an evaluator returns, in place of a value, for a candidate it stopped.
    """

    value: float
    info: dict[str, Any] | None = None


@dataclass(frozen=True)
class GenerationStats:
    """One row of a run's history.

    ``best``, ``mean``, ``std`` and ``worst`` describe the population after
    the generation (completed members only); ``best_so_far`` is the best value of the
    run up to this generation; ``evaluated`` counts this generation's new
    evaluations, ``failed`` those that failed, ``cached`` the children that
    repeated an already evaluated point (re-varied instead of re-evaluated);
    ``diversity`` is the population's spread in [0, 1].
    """

    generation: int
    best: float
    mean: float
    std: float
    worst: float
    best_so_far: float
    evaluated: int
    failed: int
    cached: int
    diversity: float
    elapsed: float
