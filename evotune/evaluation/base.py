"""The evaluator protocol, the serial evaluator, and what crosses a process boundary.

An evaluator implements one method, :meth:`Evaluator.evaluate`. Only plain data
crosses it: a candidate's parameters go in; a value (or the exception raised),
the time it took and where it ran come out.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..evolution import Candidate
from ..exceptions import InvalidParameterError
from . import _worker

__all__ = ["Evaluator", "SerialEvaluator", "Outcome", "dump_objective"]


@dataclass(frozen=True)
class Outcome:
    """The result of one evaluation: the objective's value, or the exception it raised.

    ``worker`` names the process that ran it and ``started`` is its start time
    (seconds since the epoch); both are None when unknown (a worker that died).
    """

    candidate: Candidate
    value: Any
    duration: float
    worker: str | None = None
    started: float | None = None


class Evaluator(ABC):
    """Runs an objective over candidates."""

    @abstractmethod
    def evaluate(self, objective: Callable[[dict], Any], candidates: Iterable[Candidate]) -> Iterator[Outcome]:
        """Yield one :class:`Outcome` per candidate as its evaluation finishes (any order).

        Closing the iterator early stops the evaluations still running.
        """

    def close(self) -> None:
        """Release workers; a later :meth:`evaluate` starts them again."""

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

    def evaluate(self, objective: Callable[[dict], Any], candidates: Iterable[Candidate]) -> Iterator[Outcome]:
        _worker.install_trial_records()
        for candidate in candidates:
            yield Outcome(candidate, *_worker.call(objective, candidate.number, candidate.params, portable=False))


def dump_objective(objective: Callable[[dict], Any]) -> bytes:
    """Serialize ``objective`` for worker processes, or explain why it cannot be sent."""
    import cloudpickle

    try:
        return cloudpickle.dumps(objective)
    except Exception as exc:
        raise InvalidParameterError(
            f"`objective` cannot be sent to worker processes: {type(exc).__name__}: {exc}. It, or "
            f"something it captures, cannot be serialized (open files, locks, database connections, "
            f"clients). Create such resources inside the objective, or use n_jobs=1."
        ) from exc
