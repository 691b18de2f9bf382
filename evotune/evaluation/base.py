"""The evaluator protocol, the serial evaluator, and what crosses a process boundary.

An evaluator is a stream: :meth:`Evaluator.submit` hands it one candidate,
:meth:`Evaluator.next_outcome` returns the next evaluation to finish (in any
order). A driver keeps every worker busy by submitting a new candidate whenever
an outcome comes back. Only plain data crosses it: a candidate's parameters go
in; a value (or the exception raised), the time it took and where it ran come out.
"""

from __future__ import annotations

import queue
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..exceptions import EvotuneError, InvalidParameterError
from ..trial import Candidate
from . import _worker

__all__ = ["Evaluator", "SerialEvaluator", "Outcome", "dump_objective"]


@dataclass(frozen=True)
class Outcome:
    """The result of one evaluation: the objective's value, or the exception it raised.

    ``worker`` names the process that ran it and ``started`` is its start time
    (seconds since the epoch); both are None when unknown (a worker that died).
    ``parts`` holds each part's value for an objective evaluated part by part
    (:mod:`evotune.evaluation.parts`), and ``value`` is then a
    :class:`~evotune.trial.Pruned` when racing stopped it.
    """

    candidate: Candidate
    value: Any
    duration: float
    worker: str | None = None
    started: float | None = None
    parts: tuple[float, ...] | None = None


class Evaluator(ABC):
    """Runs an objective over candidates, as a stream: submit one, receive results as they finish.

    A backend implements :meth:`start`, :meth:`submit`, :meth:`next_outcome` and
    :meth:`cancel`; :meth:`evaluate` runs a whole batch on top of them.
    """

    #: Evaluations that run at once; a driver keeps at least this many submitted.
    capacity: int = 1

    #: How :meth:`next_outcome` blocks on its workers: ``waits(block)`` returns ``block()``. A driver that
    #: lets a Ctrl-C through only there (``optimize``) sets it: an interrupt elsewhere could land inside a
    #: pool's own bookkeeping, between taking one of its locks and letting it go, and stop the pool for good.
    waits: Callable[[Callable[[], Any]], Any] = staticmethod(lambda block: block())

    def _rung(self, doorbell: queue.SimpleQueue) -> Any:
        """What rang ``doorbell`` next (a future's done-callback puts it there), or None after half a second:
        the wait is where a Ctrl-C may land (:attr:`waits`), short because on Windows a Ctrl-C waits for a
        wait to end."""
        try:
            return self.waits(lambda: doorbell.get(timeout=0.5))
        except queue.Empty:
            return None

    @abstractmethod
    def start(self, objective: Callable[[dict], Any]) -> None:
        """Prepare to evaluate ``objective`` (start workers, ship it to them); cheap when already done."""

    @abstractmethod
    def submit(self, candidate: Candidate) -> None:
        """Queue one evaluation of the started objective."""

    @abstractmethod
    def next_outcome(self) -> Outcome:
        """Wait for the next submitted evaluation to finish (any order) and return its outcome."""

    @property
    @abstractmethod
    def n_submitted(self) -> int:
        """Evaluations submitted whose outcome has not been returned yet."""

    @abstractmethod
    def cancel(self) -> None:
        """Drop every evaluation not yet returned (running ones are stopped where the backend can)."""

    def finished_outcomes(self) -> list[Outcome]:
        """The outcomes of submitted evaluations that have finished, without waiting for the others
        (returned here, not by :meth:`next_outcome`), in candidate-number order. A driver that stops
        (a budget, a callback, a Ctrl-C) keeps these before it cancels the rest. None here: a serial
        evaluator runs each evaluation inside :meth:`next_outcome`."""
        return []

    def evaluate(self, objective: Callable[[dict], Any], candidates: Iterable[Candidate]) -> Iterator[Outcome]:
        """Yield one :class:`Outcome` per candidate as its evaluation finishes (any order).

        Closing the iterator early stops the evaluations still running.
        """
        self.start(objective)
        for candidate in candidates:
            self.submit(candidate)
        try:
            while self.n_submitted:
                yield self.next_outcome()
        finally:
            self.cancel()

    def close(self) -> None:
        """Release workers; a later :meth:`start` starts them again."""

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialEvaluator(Evaluator):
    """Evaluates candidates one after another in this process, in the order submitted.

    Examples
    --------
    >>> from evotune.trial import Candidate
    >>> outcomes = SerialEvaluator().evaluate(lambda p: p["x"] * 2, [Candidate(0, 0, {"x": 3})])
    >>> [o.value for o in outcomes]
    [6]
    """

    def __init__(self) -> None:
        self._objective: Any = None
        self._queue: deque[Candidate] = deque()

    def start(self, objective: Callable[[dict], Any]) -> None:
        _worker.install_trial_records()
        self._objective = objective

    def submit(self, candidate: Candidate) -> None:
        if self._objective is None:
            raise EvotuneError("submit(): call start(objective) first.")
        self._queue.append(candidate)

    def next_outcome(self) -> Outcome:
        if not self._queue:
            raise EvotuneError("next_outcome(): nothing was submitted.")
        candidate = self._queue.popleft()
        objective, number, params = self._objective, candidate.number, candidate.params
        result = self.waits(lambda: _worker.call(objective, number, params, portable=False))
        return Outcome(candidate, *result)

    @property
    def n_submitted(self) -> int:
        return len(self._queue)

    def cancel(self) -> None:
        self._queue.clear()


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
