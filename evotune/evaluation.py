"""Evaluators: run the objective on candidates and report each outcome as it finishes.

An evaluator implements one method, :meth:`Evaluator.evaluate`. Only plain data
crosses it: a candidate's parameters go in; a value (or the exception raised),
and the time it took, come out.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .evolution import Candidate

__all__ = ["Evaluator", "SerialEvaluator", "Outcome"]


@dataclass(frozen=True)
class Outcome:
    """The result of one evaluation: the objective's value, or the exception it raised."""

    candidate: Candidate
    value: Any
    duration: float


class Evaluator(ABC):
    """Runs an objective over candidates."""

    @abstractmethod
    def evaluate(
        self, objective: Callable[[dict], Any], candidates: Iterable[Candidate]
    ) -> Iterator[Outcome]:
        """Yield one :class:`Outcome` per candidate as its evaluation finishes (any order)."""

    def close(self) -> None:
        """Release workers; the evaluator must not be used afterwards."""

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialEvaluator(Evaluator):
    """Evaluates candidates one after another in this process.

    Examples
    --------
    >>> from evotune.evolution import Candidate
    >>> outcomes = SerialEvaluator().evaluate(lambda p: p["x"] * 2, [Candidate(0, 0, {"x": 3})])
    >>> [o.value for o in outcomes]
    [6]
    """

    def evaluate(
        self, objective: Callable[[dict], Any], candidates: Iterable[Candidate]
    ) -> Iterator[Outcome]:
        for candidate in candidates:
            start = time.perf_counter()
            try:
                value = objective(candidate.params)
            except Exception as exc:  # a failing evaluation is data, not a crash of the run
                value = exc
            yield Outcome(candidate, value, time.perf_counter() - start)
