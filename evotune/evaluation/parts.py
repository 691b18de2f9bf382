"""Objectives made of independent parts (cross-validation folds): each part is its own task.

A (callable) objective with an integer ``parts`` attribute and the methods
``part(params, i)`` and ``combine(params, results)`` is evaluated as ``parts`` tasks, so a few
candidates of 5 folds each keep 16 workers busy. :class:`PartsEvaluator` wraps any
evaluator: it submits the parts, collects them whatever order they finish in, and
returns one outcome per candidate, ``combine`` of the parts in part order (so the
value is the same for any number of workers). A part that raises, crashes or times
out makes its candidate's outcome; the candidate's other parts are then ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..trial import Candidate
from .base import Evaluator, Outcome

__all__ = ["PartsEvaluator", "has_parts"]

_PART = "__evotune_part__"


def has_parts(objective: Any) -> bool:
    """Whether ``objective`` is evaluated part by part (``parts`` > 1, ``part`` and ``combine``)."""
    parts = getattr(objective, "parts", None)
    return (isinstance(parts, int) and parts > 1 and callable(getattr(objective, "part", None))
            and callable(getattr(objective, "combine", None)))


class _PartCall:
    """What workers run: one part of the objective, its index carried in the params."""

    def __init__(self, objective: Any):
        self.objective = objective

    def __call__(self, params: dict) -> Any:
        params = dict(params)
        return self.objective.part(params, params.pop(_PART))


class PartsEvaluator(Evaluator):
    """Evaluates each candidate's parts as separate tasks of ``inner``; one outcome per candidate.

    Examples
    --------
    >>> from evotune.evaluation import SerialEvaluator
    >>> class Folds:
    ...     parts = 3
    ...     def part(self, params, i):
    ...         return params["x"] + i
    ...     def combine(self, params, results):
    ...         return sum(results) / len(results)
    >>> evaluator = PartsEvaluator(SerialEvaluator())
    >>> [o.value for o in evaluator.evaluate(Folds(), [Candidate(0, 0, {"x": 1.0})])]
    [2.0]
    """

    def __init__(self, inner: Evaluator):
        self.inner = inner
        self._objective: Any = None
        self._parts: dict[int, list] = {}  # candidate number -> results so far (None: not yet)
        self._candidates: dict[int, Candidate] = {}

    @property
    def capacity(self) -> int:
        return self.inner.capacity

    def start(self, objective: Callable[[dict], Any]) -> None:
        if objective is not self._objective:
            self._objective = objective
            self.inner.start(_PartCall(objective))

    def submit(self, candidate: Candidate) -> None:
        self._candidates[candidate.number] = candidate
        self._parts[candidate.number] = [None] * self._objective.parts
        for i in range(self._objective.parts):
            self.inner.submit(dataclasses.replace(candidate, params={**candidate.params, _PART: i}))

    def next_outcome(self) -> Outcome:
        while True:
            outcome = self.inner.next_outcome()
            number = outcome.candidate.number
            if number not in self._parts:
                continue  # a part of a candidate that already has its outcome
            index = outcome.candidate.params[_PART]
            results = self._parts[number]
            results[index] = outcome
            candidate = self._candidates[number]
            if isinstance(outcome.value, BaseException):
                return self._finish(number, Outcome(candidate, outcome.value, outcome.duration, outcome.worker,
                                                    outcome.started))
            if all(r is not None for r in results):
                value = self._objective.combine(candidate.params, [r.value for r in results])
                starts = [r.started for r in results if r.started is not None]
                return self._finish(number, Outcome(candidate, value, sum(r.duration for r in results),
                                                    results[0].worker, min(starts) if starts else None))

    def _finish(self, number: int, outcome: Outcome) -> Outcome:
        del self._parts[number], self._candidates[number]
        return outcome

    @property
    def n_submitted(self) -> int:
        return len(self._parts)

    def cancel(self) -> None:
        self.inner.cancel()
        self._parts.clear()
        self._candidates.clear()

    def close(self) -> None:
        self.cancel()
        self._objective = None
        self.inner.close()
