"""Objectives made of independent parts (cross-validation folds): each part is its own task.

A (callable) objective with an integer ``parts`` attribute and the methods
``part(params, i)`` and ``combine(params, results)`` is evaluated as ``parts`` tasks, so a few
candidates of 5 folds each keep 16 workers busy. :class:`PartsEvaluator` wraps any
evaluator: it submits the parts, collects them whatever order they finish in, and
returns one outcome per candidate, ``combine`` of the parts in part order (so the
value is the same for any number of workers). A part that raises, crashes or times
out makes its candidate's outcome; the candidate's other parts are then ignored.

Each part's value is recorded (:attr:`Outcome.parts`): ``part_value(result)`` when the
objective defines it, else the part's result itself (with several objectives, a sequence of
values, one per direction: racing then compares them objective by objective). An objective may also define
``part_key(result)``, a hashable fingerprint of what the part computed (None when it has
none): the keys go in the trial's info as ``"part_keys"``, and racing stops a candidate whose
first parts repeat an earlier trial's (:class:`~evotune.Racing`'s ``repeats``). A candidate that carries a
race (:mod:`evotune.racing`) runs its parts in waves and is stopped when a wave
shows it worse than its reference: its outcome is then a :class:`~evotune.trial.Pruned`
holding ``combine`` of the parts that ran, the reason in its info as ``"stopped"``. A worker
that would idle runs a candidate's next part ahead of its wave; each decision still sees only
its wave's parts, so the outcome is the same for any number of workers.

An objective that trains on (a :class:`Stepped` one: a generator yielding a value per budget)
is one task per candidate; :class:`SteppedEvaluator` sends the candidate's race with it,
and the worker stops the generator where a budget shows the candidate worse.
"""

from __future__ import annotations

import dataclasses
import heapq
import inspect
import math
import numbers
from collections.abc import Callable
from typing import Any

from ..exceptions import EvaluationFailedError
from ..trial import Candidate, Pruned, split_info
from . import _worker
from .base import Evaluator, Outcome

__all__ = ["PartsEvaluator", "has_parts", "Budgeted", "Stepped", "SteppedEvaluator", "budgeted"]

_PART = "__evotune_part__"
_RACE = "__evotune_race__"


def budgeted(objective: Callable[..., Any], fidelity: Any) -> Budgeted | Stepped:
    """The objective ``optimize`` evaluates for a fidelity: :class:`Stepped` for a generator
    function (it trains on from budget to budget), else :class:`Budgeted` (trained anew at each).

    Examples
    --------
    >>> from evotune.racing import Fidelity
    >>> def epochs(params, budgets):
    ...     yield from (params["x"] / b for b in budgets)
    >>> type(budgeted(epochs, Fidelity(1, 9))).__name__, type(budgeted(lambda p, b: 0.0, Fidelity(1, 9))).__name__
    ('Stepped', 'Budgeted')
    """
    stepped = inspect.isgeneratorfunction(objective) or inspect.isgeneratorfunction(getattr(objective, "__call__", None))
    return (Stepped if stepped else Budgeted)(objective, fidelity)


def has_parts(objective: Any) -> bool:
    """Whether ``objective`` is evaluated part by part (``parts`` > 1, ``part`` and ``combine``)."""
    parts = getattr(objective, "parts", None)
    return (isinstance(parts, int) and parts > 1 and callable(getattr(objective, "part", None))
            and callable(getattr(objective, "combine", None)))


class _Budgets:
    """An objective that takes a budget, with a fidelity's budgets (smallest first)."""

    def __init__(self, objective: Callable[..., Any], fidelity: Any):
        self.objective, self.fidelity = objective, fidelity
        self.budgets = fidelity.budgets
        self.parts = len(self.budgets)

    def describe(self) -> dict[str, Any]:
        from .._about import describe

        return {**describe(self.objective), "fidelity": repr(self.fidelity)}

    @staticmethod
    def part_value(result: Any) -> Any:
        """A budget's value: the result, or the value of a ``(value, info)`` pair (with several objectives
        the value is a sequence: :func:`_number` makes it a tuple)."""
        return split_info(result)[0]


class Budgeted(_Budgets):
    """``objective(params, budget)`` at each of a fidelity's budgets, smallest first: each budget a part.

    Its value is the one at the largest budget run (with its info, when the objective
    returns ``(value, info)``); every budget trains anew.

    Examples
    --------
    >>> from evotune.racing import Fidelity
    >>> objective = Budgeted(lambda params, budget: params["x"] / budget, Fidelity(1, 9))
    >>> objective.parts, objective.part({"x": 9.0}, 1), objective({"x": 9.0})
    (3, 3.0, 1.0)
    """

    def part(self, params: dict, i: int) -> Any:
        return self.objective(params, self.budgets[i])

    def combine(self, params: dict, results: list) -> Any:
        return results[-1]

    def __call__(self, params: dict) -> Any:
        return self.combine(params, [self.part(params, i) for i in range(self.parts)])


class Stepped(_Budgets):
    """A generator ``objective(params, budgets)`` that yields its value at each budget, smallest first,
    training on from one to the next (``warm_start=True``, ``partial_fit``): one task per candidate.

    :meth:`run` iterates it and stops at the first budget where the candidate's race (if
    any) shows it worse; the value is the one at the last budget run (with its info, when
    the objective yields ``(value, info)``).

    Examples
    --------
    >>> from evotune.racing import Fidelity, Race
    >>> def objective(params, budgets):
    ...     for budget in budgets:
    ...         yield params["x"] / budget
    >>> stepped = Stepped(objective, Fidelity(1, 9))
    >>> stepped({"x": 9.0})
    1.0
    >>> race = Race(Fidelity(1, 9), reference=(2.0, 1.0, 0.5), sign=1)  # the population's worst, per budget
    >>> stepped.run({"x": 9.0}, race)  # 9.0 > 2.0 at budget 1: stopped there
    _Steps(result=9.0, values=(9.0,), pruned=True)
    """

    def __call__(self, params: dict) -> Any:
        return self.run(params).result

    def run(self, params: dict, race: Any = None) -> _Steps:
        """Iterate the objective's budgets until the last, or until ``race`` shows the candidate worse."""
        checkpoints = set(race.racing.checkpoints(self.parts)) if race is not None else set()
        values: list[float] = []
        steps = self.objective(params, self.budgets)
        try:
            for result in steps:
                values.append(_number(self.part_value, result))
                if len(values) == self.parts or (len(values) in checkpoints and race.worse(values)):
                    return _Steps(result, tuple(values), len(values) < self.parts)
        finally:
            steps.close()
        raise EvaluationFailedError(
            f"the objective stopped after {len(values)} of the budgets {self.budgets}; it must yield one value per budget")


@dataclasses.dataclass(frozen=True)
class _Steps:
    """What a :class:`Stepped` objective's task returns: the last budget's result, every budget's value,
    and whether its race stopped it."""

    result: Any
    values: tuple[float, ...]
    pruned: bool


def _number(value_of: Callable[[Any], Any], result: Any) -> Any:
    """A part's value as a float, NaN if it is not a number; a sequence of values (several objectives) as a
    tuple of such floats."""
    try:
        value = value_of(result)
    except Exception:
        return math.nan
    if isinstance(value, (list, tuple)) or getattr(value, "ndim", 0) == 1:  # a list, a tuple, a 1-D array
        if len(value) and all(isinstance(v, numbers.Real) for v in value):
            return tuple(float(v) for v in value)
        return math.nan
    try:
        return float(value)
    except Exception:
        return math.nan


class _SteppedCall:
    """What workers run for a :class:`Stepped` objective: the candidate's race travels in its params."""

    def __init__(self, objective: Stepped):
        self.objective = objective

    def __call__(self, params: dict) -> _Steps:
        params = dict(params)
        race = params.pop(_RACE)
        steps = self.objective.run(params, race)
        return dataclasses.replace(steps, result=_worker.make_portable(steps.result))


class _PartCall:
    """What workers run: one part of the objective, its index carried in the params."""

    def __init__(self, objective: Any):
        self.objective = objective

    def __call__(self, params: dict) -> Any:
        params = dict(params)
        return self.objective.part(params, params.pop(_PART))


class _Entry:
    """A candidate whose parts are running: their outcomes so far and the waves left."""

    def __init__(self, candidate: Candidate, parts: int, keyed: bool):
        self.candidate = candidate
        self.outcomes: list[Outcome | None] = [None] * parts
        race = candidate.race
        self.checkpoints = race.checkpoints(parts, keyed) if race is not None else [parts]
        self.wave = 0
        self.unlocked = 0  # parts queued so far: 0 .. unlocked - 1


class _Wrapper(Evaluator):
    """An evaluator that runs ``inner`` on the objective wrapped by ``_call`` (what its workers run)."""

    _call: Callable[[Any], Callable[[dict], Any]]

    def __init__(self, inner: Evaluator):
        self.inner = inner
        self._objective: Any = None

    @property
    def capacity(self) -> int:
        return self.inner.capacity

    @property
    def waits(self) -> Callable[[Callable[[], Any]], Any]:  # type: ignore[override]
        """The inner evaluator's: it is the one that blocks (see :attr:`Evaluator.waits`)."""
        return self.inner.waits

    @waits.setter
    def waits(self, waits: Callable[[Callable[[], Any]], Any]) -> None:
        self.inner.waits = waits

    def start(self, objective: Any) -> None:
        if objective is not self._objective:  # cheap when already done, as the protocol asks
            self._objective = objective
            self.inner.start(self._call(objective))

    def close(self) -> None:
        self.cancel()
        self._objective = None
        self.inner.close()


class PartsEvaluator(_Wrapper):
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

    _call = _PartCall

    #: Called with each part that finishes, ``on_part(candidate, i, outcome)``, before the part decides
    #: anything: ``optimize`` journals it, so that a stop or a crash loses no finished part (:meth:`restore`).
    on_part: Callable[[Candidate, int, Outcome], None] | None = None

    def __init__(self, inner: Evaluator):
        super().__init__(inner)
        self._entries: dict[int, _Entry] = {}  # candidate number -> its parts so far
        self._queue: list[tuple[int, int, int]] = []  # parts to submit: (wave, candidate number, part), a heap
        self._kept: dict[int, tuple[list, dict[int, Outcome]]] = {}  # restored: number -> (genes, parts)
        self._decided: list[Outcome] = []  # candidates their restored parts decided, not yet returned

    def restore(self, kept: dict[int, tuple[list, dict[int, Outcome]]]) -> None:
        """Parts that finished in an earlier session, ``{number: (genes, {part: outcome})}``: a candidate
        submitted with that number and those genes runs only its other parts."""
        self._kept = dict(kept)

    def submit(self, candidate: Candidate) -> None:
        keyed = getattr(self._objective, "part_key", None) is not None
        entry = self._entries[candidate.number] = _Entry(candidate, self._objective.parts, keyed)
        genes, kept = self._kept.pop(candidate.number, (None, {}))
        if genes != candidate.genes:  # proposed otherwise than in the session that ran them
            kept = {}
        for i, outcome in kept.items():
            entry.outcomes[i] = dataclasses.replace(outcome, candidate=self._part(candidate, i))
        self._unlock(entry)
        if kept:
            done = self._decide(entry)
            if done is not None:
                self._decided.append(done)

    @staticmethod
    def _part(candidate: Candidate, i: int) -> Candidate:
        """What runs part ``i`` of ``candidate``: the candidate, the part's index in its params."""
        return dataclasses.replace(candidate, params={**candidate.params, _PART: i})

    def _unlock(self, entry: _Entry) -> None:
        """Queue the parts of the entry's current wave that have not run; earlier waves (of any candidate)
        run first."""
        end = entry.checkpoints[entry.wave]
        for i in range(entry.unlocked, end):
            if entry.outcomes[i] is None:
                heapq.heappush(self._queue, (entry.wave, entry.candidate.number, i))
        entry.unlocked = end
        self._feed()

    def _feed(self) -> None:
        """Keep the inner evaluator's queue at twice its workers (the rest waits here, in wave order). When
        nothing waits and a worker would idle (racing's last parts run one at a time: say, a generation's
        last candidate), run ahead: queue the next part of the earliest candidate that has parts left. Its
        result waits for the decisions before it, which see only their own parts, so the trials are the
        same; the part is wasted if the candidate stops first."""
        while self.inner.n_submitted < 2 * self.inner.capacity:
            if self._queue:
                _, number, i = heapq.heappop(self._queue)
                entry = self._entries.get(number)
            elif self.inner.n_submitted < self.inner.capacity:
                entry = next((e for e in self._entries.values() if e.unlocked < len(e.outcomes)), None)
                if entry is None:
                    return
                i, entry.unlocked = entry.unlocked, entry.unlocked + 1
                if entry.outcomes[i] is not None:  # restored
                    continue
            else:
                return
            if entry is not None:
                self.inner.submit(self._part(entry.candidate, i))

    def next_outcome(self) -> Outcome:
        while not self._decided:
            done = self._receive(self.inner.next_outcome())
            self._feed()
            if done is not None:
                return done
        return self._decided.pop(0)

    def finished_outcomes(self) -> list[Outcome]:
        """The candidates that the parts finished so far decide (all run, or stopped)."""
        done = self._decided + [self._receive(outcome) for outcome in self.inner.finished_outcomes()]
        self._decided = []
        return sorted((o for o in done if o is not None), key=lambda o: o.candidate.number)

    def _receive(self, outcome: Outcome) -> Outcome | None:
        """Record a part's outcome; its candidate's outcome if that decides it (see :meth:`_decide`)."""
        entry = self._entries.get(outcome.candidate.number)
        if entry is None:
            return None
        i = outcome.candidate.params[_PART]
        entry.outcomes[i] = outcome
        if self.on_part is not None and not isinstance(outcome.value, BaseException):
            self.on_part(entry.candidate, i, outcome)
        return self._decide(entry)

    def _decide(self, entry: _Entry) -> Outcome | None:
        """The entry's outcome, if its parts so far decide it (all run, stopped, or one of the parts a
        decision needs failed); else None, with the next wave queued. A part run ahead may let several
        decisions be taken at once; its failure counts only once the decisions reach it."""
        while True:
            ran = entry.checkpoints[entry.wave]
            outcomes = entry.outcomes[:ran]
            failed = next((o for o in outcomes if o is not None and isinstance(o.value, BaseException)), None)
            if failed is not None:
                return self._finish(entry, failed.value, [failed])
            if any(o is None for o in outcomes):
                return None
            race, values, keys = entry.candidate.race, tuple(self._value(o.value) for o in outcomes), self._keys(outcomes)
            noted = {} if keys is None else {"part_keys": list(keys)}
            if ran == len(entry.outcomes):
                return self._finish(entry, self._combine(entry, outcomes, noted), outcomes, values)
            reason = race.why(values, keys)
            if reason is not None:
                noted["stopped"] = reason
                return self._finish(entry, self._combine(entry, outcomes, noted, Pruned), outcomes, values)
            entry.wave += 1
            self._unlock(entry)

    def _value(self, result: Any) -> Any:
        """A part's value: ``part_value(result)`` if the objective has it, else the result (NaN if neither
        is a number; with several objectives, a tuple of values)."""
        return _number(getattr(self._objective, "part_value", lambda r: r), result)

    def _keys(self, outcomes: list) -> tuple | None:
        """The parts' keys (``part_key(result)``: e.g. a fingerprint of a fold's fitted model), None for an
        objective without them or parts it did not key (a repeat of an earlier trial's is raced out)."""
        part_key = getattr(self._objective, "part_key", None)
        if part_key is None:
            return None
        keys = [part_key(o.value) for o in outcomes]
        while keys and keys[-1] is None:
            keys.pop()
        return tuple(keys) or None

    def _combine(self, entry: _Entry, outcomes: list, noted: dict, make: Callable[..., Any] | None = None) -> Any:
        """``combine`` of the parts' results, ``noted`` added to its info (the parts' keys, why racing stopped
        it; a :class:`Pruned` with ``make``); what it raises is the candidate's error."""
        try:
            value = self._objective.combine(entry.candidate.params, [o.value for o in outcomes])
        except Exception as exc:
            return exc
        value, info = split_info(value)
        if noted:
            info = {**(info or {}), **noted}
        if make is not None:
            return make(value, info)
        return value if info is None else (value, info)

    def _finish(self, entry: _Entry, value: Any, outcomes: list, values: tuple | None = None) -> Outcome:
        del self._entries[entry.candidate.number]
        starts = [o.started for o in outcomes if o.started is not None]
        return Outcome(entry.candidate, value, sum(o.duration for o in outcomes), outcomes[0].worker,
                       min(starts) if starts else None, values)

    @property
    def n_submitted(self) -> int:
        return len(self._entries) + len(self._decided)

    def cancel(self) -> None:
        self.inner.cancel()
        self._entries.clear()
        self._queue.clear()
        self._decided.clear()


class SteppedEvaluator(_Wrapper):
    """Evaluates a :class:`Stepped` objective on ``inner``: one task per candidate, its race sent along,
    its value per budget returned as the outcome's ``parts``.

    Examples
    --------
    >>> from evotune.evaluation import SerialEvaluator
    >>> from evotune.racing import Fidelity
    >>> def objective(params, budgets):
    ...     yield from (params["x"] / b for b in budgets)
    >>> [outcome] = SteppedEvaluator(SerialEvaluator()).evaluate(Stepped(objective, Fidelity(1, 9)),
    ...                                                           [Candidate(0, 0, {"x": 9.0})])
    >>> outcome.value, outcome.parts
    (1.0, (9.0, 3.0, 1.0))
    """

    _call = _SteppedCall

    def __init__(self, inner: Evaluator):
        super().__init__(inner)
        self._candidates: dict[int, Candidate] = {}  # number -> the candidate as proposed

    def submit(self, candidate: Candidate) -> None:
        self._candidates[candidate.number] = candidate
        self.inner.submit(dataclasses.replace(candidate, params={**candidate.params, _RACE: candidate.race}))

    def next_outcome(self) -> Outcome:
        return self._converted(self.inner.next_outcome())

    def finished_outcomes(self) -> list[Outcome]:
        return [self._converted(outcome) for outcome in self.inner.finished_outcomes()]

    def _converted(self, outcome: Outcome) -> Outcome:
        """The inner outcome of a candidate's stepped run as the candidate's (its value, one per budget)."""
        candidate, steps = self._candidates.pop(outcome.candidate.number), outcome.value
        if not isinstance(steps, _Steps):  # it raised, crashed or timed out
            return dataclasses.replace(outcome, candidate=candidate)
        value = steps.result
        if steps.pruned:  # why, as PartsEvaluator notes it (the same decision, taken again here)
            value, info = split_info(value)
            value = Pruned(value, {**(info or {}), "stopped": candidate.race.why(steps.values)})
        return dataclasses.replace(outcome, candidate=candidate, value=value, parts=steps.values)

    @property
    def n_submitted(self) -> int:
        return len(self._candidates)

    def cancel(self) -> None:
        self.inner.cancel()
        self._candidates.clear()
