"""Stopping evaluations early: racing cross-validation folds, and growing budgets (multi-fidelity).

Both run a candidate's parts in waves and, after each wave, compare what it has shown with
a *reference* the engine fixed when it proposed the candidate's generation:

- :class:`Racing` (folds): the first ``min_parts`` folds, then one more at a time (or twice
  as many: ``schedule``); after each wave a one-sided paired t-test compares the candidate
  with the best trial of the population on the same folds (the spread of the differences
  pooled with the population's own, so that three folds can already decide). A candidate
  shown worse at the test's ``confidence`` is stopped; so is one whose first ``repeat_parts``
  folds fit the same models as an earlier trial's (``repeats``: the same output on those
  folds' test data; told before the first test), one that ties the best on each of its
  first ``2 * min_parts`` folds or more (``ties``), and one too far behind to end better
  (``futility``).
- :class:`Fidelity` (budgets: epochs, trees, iterations, samples): the objective is
  called as ``objective(params, budget)`` at budgets that grow by ``eta`` (or, a generator,
  yields its value at each as it trains on); a candidate
  goes on to the next budget only while it beats the population's worst member at the
  same budget (it would enter the population; ``share=1 / eta`` is successive halving's rule).

With several objectives each part's value is a tuple: racing stops a candidate that a member of
the population's front is shown better than in every objective, a fidelity one that enough
members dominate at equal budget.

A stopped candidate is recorded as ``"pruned"`` with the value of what it ran; it never
enters the hall of fame, and the population and the surrogate see an estimate of its full
value (the reference's, shifted by how much worse it was on the same parts; a repeat's: the value
of the trial it repeats).

Decisions are deterministic: each is taken on a fixed prefix of the parts against a
reference fixed when the candidate was proposed, so the same seed prunes the same
candidates whatever the number of workers or the order in which parts finish.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ._checks import check_int, check_number, from_literal_repr
from .exceptions import InvalidParameterError

__all__ = ["Racing", "Fidelity", "Race", "stop_summary"]

#: When :class:`Racing` tests a candidate after its first ``min_parts`` parts (the first is the default).
_SCHEDULES = ("each", "doubling")
#: ``Settings.racing``'s default: :func:`evotune.optimize` races what :meth:`Racing.auto` says.
AUTO = "auto"


@dataclass(frozen=True)
class Racing:
    """Stop cross-validations that their first folds show worse than the population's best trial.

    The best trial's fold scores are the reference: being shown worse than it on the
    same folds means a candidate cannot become the best (the F-race and Optuna
    WilcoxonPruner choice; the population's worst member, the other candidate,
    stopped about as many at the same loss: see docs/benchmarks.md).

    Parameters
    ----------
    min_parts : int
        Folds every candidate runs before it can be stopped (at least 2: a paired
        test needs a spread). Then it is tested again as ``schedule`` says.
    confidence : float
        Confidence, in (0.5, 1), of the one-sided paired t-test that must show
        the candidate worse than the reference before it is stopped: higher stops
        fewer candidates and loses fewer good ones.
    pooled : bool
        Estimate the spread of the candidate's fold-by-fold differences from the
        best together with those of the population's other members (a pooled
        variance: the folds' noise is much the same for neighbouring models), not
        from the candidate's few folds alone, whose spread is so uncertain after 3
        folds that the test then stops only what is far worse.
    repeats : bool
        Also stop a candidate whose first ``repeat_parts`` folds fitted the same models as
        an earlier trial's (the same output on each fold's test data: a regularisation
        beyond saturation, a tree depth never reached), with that trial's value as its
        estimate. In the benchmark 23 % of the children raced were such repeats;
        the t-test cannot stop them, as they tie the best more often than not. Only
        objectives that fingerprint their folds (``part_key``: EvolutionarySearchCV's,
        the CLI's estimators) have repeats.
    ties : bool
        Also stop a candidate that ties the reference exactly on each of its parts,
        once it has run ``2 * min_parts`` or more: indistinguishable from the best
        on that much of the data, it is estimated at the best's value (in the
        benchmark, 17 of 2,563 such children ended better than the best; stopping
        them took racing from 0.716 to 0.661 of the fold fits and changed no score
        measurably). One objective only: see :meth:`dominator`.
    futility : float
        Also stop a candidate whose chance of ending better than the best, predicted
        from the parts it ran (their mean difference from the best's, with the paired
        test's spread and the uncertainty of that mean), is below this (0: off): the
        curtailment of sequential trials. After 6 of 10 folds, with the spread pooled
        over 50 degrees of freedom, a candidate more than 0.55 standard deviations (of a
        fold's difference) behind the best per fold has under a 2 % chance; the paired test
        needs 0.68 to show it worse. One objective only.
    schedule : str
        When a candidate is tested after its first ``min_parts`` folds: ``"each"``
        (after every further fold, F-race's schedule: 3, 4, 5... 9, then all 10) or
        ``"doubling"`` (after ``2 * min_parts``, ``4 * min_parts``... folds, then all:
        3, 6, 10; evotune 0.13 and earlier). Each test is the same rule on the folds run
        so far; testing more often stops a candidate as soon as its folds show it, which
        in the benchmark took racing from 0.650 to 0.616 of the fold fits and from 0.70
        to 0.64 of the time (see docs/benchmarks.md). A candidate's folds after its first
        ``min_parts`` then run one at a time; other candidates' folds, or its own next
        ones run ahead, keep the workers busy (:mod:`evotune.evaluation.parts`).
    repeat_parts : int
        How many first folds tell a repeat (``repeats``), from 1 to ``min_parts``; with
        fewer than ``min_parts``, a candidate is checked for one after that many folds,
        before its first test. Two folds fitting bit for bit the models an earlier
        trial fitted on them seldom differ on the third: in the benchmark 76 of the
        2,167 children that repeated a trial on 2 folds did not on 3. Stopping them
        after 2 folds (the default since 0.15; evotune 0.14 and earlier: ``min_parts``)
        took racing from 0.616 to 0.591 of the fold fits and from 0.65 to 0.62 of the
        time, at 0.09 ± 0.08 score points (see docs/benchmarks.md); 1 fold stops
        different models too often.

    Examples
    --------
    >>> racing = Racing(min_parts=3)
    >>> racing.checkpoints(10), Racing(schedule="doubling").checkpoints(10)
    ([3, 4, 5, 6, 7, 8, 9, 10], [3, 6, 10])
    >>> racing.checkpoints(10, keyed=True)  # folds with fingerprints: repeats are told after 2
    [2, 3, 4, 5, 6, 7, 8, 9, 10]
    >>> reference = [0.10, 0.12, 0.08]  # the population's best, fold by fold (losses)
    >>> racing.worse([0.30, 0.35, 0.28], reference), racing.worse([0.09, 0.14, 0.08], reference)
    (True, False)
    >>> members = [reference, [0.11, 0.13, 0.10], [0.14, 0.12, 0.09]]  # the population, best first
    >>> pool = racing.pool(members)  # the differences' sum of squares about their mean, and its degrees of freedom
    >>> racing.worse([0.15, 0.12, 0.10], reference), racing.worse([0.15, 0.12, 0.10], reference, pool)
    (False, True)

    With several objectives each part is a tuple of losses, and the reference is every
    member on the population's front (:meth:`reference`): a candidate stops when some
    member of it is shown better in *every* objective, each by the paired test above
    (an intersection-union test: the candidate is then dominated), at a confidence
    corrected for the number of members it is compared with (:meth:`dominator`).

    >>> front = racing.reference([[(0.10, 5.0), (0.12, 5.2), (0.08, 4.9)],    # accurate, large
    ...                           [(0.20, 1.0), (0.22, 1.1), (0.19, 0.9)],    # small, less accurate
    ...                           [(0.25, 3.0), (0.26, 3.1), (0.24, 2.9)]])   # dominated: not a reference
    >>> len(front)
    2
    >>> racing.worse([(0.30, 2.0), (0.33, 2.2), (0.29, 1.9)], front)  # worse than the small one in both
    True
    >>> racing.worse([(0.30, 0.5), (0.33, 0.6), (0.29, 0.4)], front)  # the smallest yet: on the front
    False
    """

    min_parts: int = 3
    confidence: float = 0.95
    pooled: bool = True
    repeats: bool = True
    ties: bool = True
    futility: float = 0.02
    schedule: str = "each"
    repeat_parts: int = 2

    def __post_init__(self) -> None:
        check_int("min_parts", self.min_parts, 2, owner="Racing")
        check_int("repeat_parts", self.repeat_parts, 1, owner="Racing")
        if self.repeat_parts > self.min_parts:
            raise InvalidParameterError(f"Racing: `repeat_parts` must be at most min_parts "
                                        f"({self.min_parts}); got {self.repeat_parts}.")
        if self.schedule not in _SCHEDULES:
            allowed = ", ".join(map(repr, _SCHEDULES))
            raise InvalidParameterError(f"Racing: `schedule` must be one of {allowed}; "
                                        f"got {self.schedule!r}.")
        check_number("confidence", self.confidence, "a number in (0.5, 1)", lambda v: 0.5 < v < 1, owner="Racing")
        check_number("futility", self.futility, "a number in [0, 0.5)", lambda v: 0 <= v < 0.5,
                     owner="Racing")
        for name in ("pooled", "repeats", "ties"):
            if not isinstance(getattr(self, name), bool):
                raise InvalidParameterError(f"Racing: `{name}` must be True or False; got {getattr(self, name)!r}.")

    @classmethod
    def auto(cls, parts: int | None, n_objectives: int = 1) -> Racing | None:
        """What ``racing="auto"`` (the default) races with: ``Racing()`` for an objective of ``parts`` folds,
        at least twice its ``min_parts`` (6), and one objective; None (every fold) for an objective called
        whole (``parts`` None), one of fewer folds, or several objectives.

        Measured (docs/benchmarks.md, "Racing cross-validation folds"): with 10 folds, 41 % fewer fold fits
        and 40 % less time at -0.18 ± 0.19 score points over 40 seeds, and the best at equal wall time;
        with 5 folds (a stop after 3 saves 2 folds at most), 23 % fewer fits at -0.50 ± 0.24 points: not
        raced unless asked.

        >>> Racing.auto(10) == Racing(), Racing.auto(6) == Racing()
        (True, True)
        >>> Racing.auto(5), Racing.auto(None), Racing.auto(10, n_objectives=2)
        (None, None, None)
        """
        racing = cls()
        return racing if parts is not None and parts >= 2 * racing.min_parts and n_objectives == 1 else None

    @classmethod
    def from_repr(cls, text: Any) -> Racing | None:
        """The racing a run file describes by its repr (literals only), or None when ``text`` is not one.

        >>> Racing.from_repr(repr(Racing(confidence=0.9))) == Racing(confidence=0.9)
        True
        """
        return from_literal_repr(cls, text)

    def checkpoints(self, parts: int, keyed: bool = False) -> list[int]:
        """How many parts have run at each decision (the last is all of them: no decision); with ``keyed``
        parts (their models fingerprinted, and ``repeats``), also after the first ``repeat_parts``."""
        out = [self.repeat_parts] if keyed and self.repeats and self.repeat_parts < self.min_parts else []
        if self.schedule == "each":
            return out + list(range(self.min_parts, parts)) + [parts]
        k = self.min_parts
        while k < parts:
            out.append(k)
            k *= 2
        return out + [parts]

    def reference(self, members: Sequence[Sequence[Any]]) -> tuple:
        """What candidates race against, from the population's losses part by part (best first): the best's;
        with several objectives (each part a tuple of losses), the parts of each member whose mean losses
        no other member's dominate, in the members' order."""
        if not _several(members):
            return tuple(members[0])
        means = [_column_means(member) for member in members]
        return tuple(tuple(member) for member, mean in zip(members, means)
                     if not any(_dominates(other, mean) for other in means))

    def pool(self, members: Sequence[Sequence[Any]]) -> Any:
        """What the population says of the folds' noise (None unless ``pooled``): the sum of squares of its
        members' differences from the best (the first) about their means, and its degrees of freedom.
        Members that differ from the best by the same amount on every fold (the same model) are left out.
        With several objectives, a tuple of these, one per objective."""
        if _several(members):
            objectives = range(len(members[0][0]))
            return tuple(self.pool([_column(member, j) for member in members]) for j in objectives)
        squares, df = 0.0, 0
        for member in members[1:] if self.pooled else ():
            differences = [a - b for a, b in zip(member, members[0])]
            ss, k = _squares(differences)
            if math.isfinite(ss) and ss > 1e-9 * sum(d * d for d in differences):  # not a steady shift
                squares, df = squares + ss, df + k - 1
        return (squares, df) if df else None

    def worse(self, losses: Sequence[Any], reference: Sequence[Any], pool: Any = None) -> bool:
        """Whether ``losses`` (lower is better) are worse than the reference's on the same parts,
        by a one-sided paired t-test (its variance pooled with ``pool``, see :meth:`pool`), or too far
        behind to end better (:meth:`futile`). Non-finite values are never judged. With several
        objectives: whether a member of the reference is shown better in every objective
        (:meth:`dominator`)."""
        return self.verdict(losses, reference, pool) is not None

    def verdict(self, losses: Sequence[Any], reference: Sequence[Any], pool: Any = None) -> str | None:
        """Which rule of :meth:`worse` stops ``losses``: ``"dominated"`` (several objectives), ``"ties"``,
        ``"worse"`` (the paired test) or ``"futile"``; None when none does.

        >>> Racing().verdict([0.30, 0.35, 0.28], [0.10, 0.12, 0.08]), Racing().verdict([0.1, 0.1], [0.2, 0.2])
        ('worse', None)
        """
        if _tuples(losses):
            return None if self.dominator(losses, reference, pool) is None else "dominated"
        k = len(losses)
        differences = [a - b for a, b in zip(losses, reference[:k])]
        if k < 2 or len(differences) < k or not all(math.isfinite(d) for d in differences):
            return None
        if self.tied(losses, reference):
            return "ties"
        mean = sum(differences) / k
        if mean <= 0:
            return None
        squares, df = _squares(differences)[0], k - 1
        if pool is not None:
            squares, df = squares + pool[0], df + pool[1]
        spread = math.sqrt(squares / df)
        if spread == 0 or mean / (spread / math.sqrt(k)) > _critical(self.confidence, df):
            return "worse"
        return "futile" if self.futile(mean, spread, df, k, len(reference)) else None

    def futile(self, mean: float, spread: float, df: int, k: int, n: int) -> bool:
        """Whether a candidate ``mean`` worse per part than the reference after ``k`` of ``n`` parts (the
        differences' ``spread``, with ``df`` degrees of freedom) has less than a ``futility`` chance of ending
        better: the sum of its ``n - k`` remaining differences, predicted from its ``k`` (their mean and its
        uncertainty), would have to undo ``k * mean`` (stochastic curtailment).

        >>> Racing().futile(mean=0.6, spread=1.0, df=50, k=6, n=10), Racing().futile(0.5, 1.0, 50, 6, 10)
        (True, False)
        """
        rest = n - k
        if not self.futility or rest <= 0:
            return False
        return n * mean / (spread * math.sqrt(rest * (1 + rest / k))) > _critical(1 - self.futility, df)

    def first_keys(self, keys: Sequence[Any] | None) -> tuple | None:
        """The keys of the first ``repeat_parts`` parts (what ``repeats`` compares), None unless all are
        known."""
        n = self.repeat_parts
        if keys is None or len(keys) < n or any(k is None for k in keys[:n]):
            return None
        return tuple(keys[:n])

    def tied(self, losses: Sequence[float], reference: Sequence[float]) -> bool:
        """Whether ``ties`` stops these losses: equal to the reference's on each of at least
        ``2 * min_parts`` parts."""
        k = len(losses)
        return self.ties and 2 * self.min_parts <= k <= len(reference) and list(losses) == list(reference[:k])

    def dominator(self, losses: Sequence[tuple], reference: Sequence[Sequence[tuple]],
                  pool: Any = None) -> int | None:
        """With several objectives: the position in ``reference`` of the first member shown better than
        ``losses`` in every objective (each by :meth:`worse`'s test on that objective's column, with its
        ``pool``), or None. With ``k`` members each test is at confidence ``1 - (1 - confidence) / k``
        (Bonferroni's), so that the chance of calling a candidate dominated by *some* member when none
        dominates it stays below ``1 - confidence``, however large the front. ``ties`` does not apply: a
        tie in one objective (an accuracy equal on a few folds) with the other worse is not evidence
        that the candidate is dominated on every fold (in the benchmark, stopping such children cost
        the fronts 0.011 of hypervolume against 0.003 without)."""
        columns = range(len(losses[0]))
        pools = pool if pool is not None else (None,) * len(losses[0])
        confidence = 1 - (1 - self.confidence) / max(1, len(reference))
        test = dataclasses.replace(self, confidence=confidence, ties=False, futility=0.0)
        for i, member in enumerate(reference):
            if all(test.worse(_column(losses, j), _column(member, j), pools[j]) for j in columns):
                return i
        return None

    def estimate(self, losses: Sequence[Any], reference: Sequence[Any], pool: Any = None) -> Any:
        """The paired estimate of a stopped candidate's full loss: the reference's mean loss plus
        the mean difference on the parts it ran. With several objectives, one per objective (a
        tuple), against the member that dominates it (:meth:`dominator`; else the first)."""
        if _tuples(losses):
            member = reference[self.dominator(losses, reference, pool) or 0]
            return tuple(self.estimate(_column(losses, j), _column(member, j)) for j in range(len(losses[0])))
        return sum(reference) / len(reference) + sum(a - b for a, b in zip(losses, reference)) / len(losses)


def _tuples(parts: Sequence[Any]) -> bool:
    """Whether the parts' losses are tuples (several objectives)."""
    return bool(parts) and isinstance(parts[0], tuple)


def _several(members: Sequence[Sequence[Any]]) -> bool:
    """Whether the members' parts are tuples of losses (several objectives)."""
    return bool(members) and _tuples(members[0])


def _column(parts: Sequence[tuple], j: int) -> list[float]:
    """Objective ``j``'s loss on each part."""
    return [part[j] for part in parts]


def _column_means(parts: Sequence[tuple]) -> tuple[float, ...]:
    """Each objective's mean loss over the parts."""
    return tuple(sum(_column(parts, j)) / len(parts) for j in range(len(parts[0])))


def _dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether losses ``a`` are no worse than ``b`` in each objective and better in one."""
    return all(x <= y for x, y in zip(a, b)) and any(x < y for x, y in zip(a, b))


@dataclass(frozen=True)
class Fidelity:
    """Evaluate candidates at growing budgets; stop those the whole population beats at equal budget.

    The objective is called as ``objective(params, budget)``: at ``min_budget``, then
    ``eta`` times more, up to ``max_budget`` (each budget a task of its own: a model
    is trained anew at each); a generator function ``objective(params, budgets)``
    instead yields its value at each budget, training on in between (one task per
    candidate). After each budget a candidate goes on only if its
    value is as good as that of the population's ``ceil(share * n)``-th best member
    at the same budget; only candidates that reach ``max_budget`` complete. The
    first generation runs every budget (it makes the references).

    Parameters
    ----------
    min_budget, max_budget : int or float
        The smallest and the full budget; integers give integer budgets.
    eta : float
        Ratio between successive budgets.
    share : float
        How high in the population, at the same budget, a candidate must rank to
        go on: 1.0 (the default) asks it to beat the population's worst member
        (at equal budgets it would enter the population); ``1 / eta`` is
        successive halving's rule, which stops many more, and lost on every
        problem of the benchmark (docs/benchmarks.md), where small budgets rank
        candidates poorly.
    screen : int, optional
        The first generation screens ``screen`` times the population: each of its
        candidates runs the smallest budget only (trial state ``"pruned"``), and the
        population's worth of the best there go on to every budget, as the next
        generations (trained anew). Hyperband's first rung: little is spent on the
        random points that a small budget already shows to be poor, and the search
        starts from better ones (docs/benchmarks.md). 1: the first generation runs
        every budget (evotune 0.22 and earlier). None (the default): 3, or less so that
        the screen takes at most half of ``max_evaluations`` (:meth:`resolved`); a
        resumed run takes back its own.

    Examples
    --------
    >>> Fidelity(1, 81).budgets
    (1, 3, 9, 27, 81)
    >>> Fidelity(0.1, 1.0, eta=2).budgets  # e.g. a share of the training data
    (0.125, 0.25, 0.5, 1.0)
    >>> members = [(0.5, 0.3, 0.1), (0.4, 0.35, 0.2), (0.6, 0.5, 0.3)]  # the population's losses per budget
    >>> Fidelity(1, 9).reference(members)  # the worst member's value at each budget
    (0.6, 0.5, 0.3)
    >>> Fidelity(1, 9, share=1 / 3).reference(members)  # successive halving: the best third
    (0.4, 0.3, 0.1)
    >>> Fidelity(1, 9).worse([0.65], (0.6, 0.5, 0.3))
    True

    With several objectives (each budget's value a tuple) a candidate goes on unless at
    least ``ceil(share * n)`` members dominate it at the same budget (with ``share=1``:
    every member), the same count as above with one objective.

    >>> members = [((0.5, 2.0), (0.3, 2.0)), ((0.4, 3.0), (0.35, 3.0))]  # (loss, size) per budget
    >>> rule = Fidelity(1, 3)
    >>> rule.worse([(0.6, 3.5)], rule.reference(members)), rule.worse([(0.6, 1.0)], rule.reference(members))
    (True, False)
    """

    min_budget: float
    max_budget: float
    eta: float = 3
    share: float = 1.0
    screen: int | None = None

    def __post_init__(self) -> None:
        check_number("min_budget", self.min_budget, "a number > 0", lambda v: v > 0, owner="Fidelity")
        check_number("max_budget", self.max_budget, f"a number > min_budget ({self.min_budget})",
                     lambda v: v > self.min_budget, owner="Fidelity")
        check_number("eta", self.eta, "a number > 1", lambda v: v > 1, owner="Fidelity")
        check_number("share", self.share, "a number in (0, 1]", lambda v: 0 < v <= 1, owner="Fidelity")
        check_int("screen", self.screen, 1, owner="Fidelity", allow_none=True)

    def __repr__(self) -> str:  # ``screen`` named only when set: the repr of a run before 0.23 stays its own
        screen = f", screen={self.screen}" if self.screen is not None else ""
        return (f"Fidelity(min_budget={self.min_budget!r}, max_budget={self.max_budget!r}, eta={self.eta!r}, "
                f"share={self.share!r}{screen})")

    @classmethod
    def from_repr(cls, text: Any) -> Fidelity | None:
        """The fidelity a run file describes by its repr (literals only), or None when ``text`` is not one."""
        return from_literal_repr(cls, text)

    def resolved(self, population_size: int, max_evaluations: int | None = None) -> Fidelity:
        """This fidelity with ``screen`` set: as given, or by default 3, less when the screen of ``screen``
        times the population would take more than half of ``max_evaluations`` (1: none; also with one budget).

        Examples
        --------
        >>> [Fidelity(1, 9).resolved(8, n).screen for n in (None, 64, 40, 20)]
        [3, 3, 2, 1]
        """
        if self.screen is not None:
            return self
        screen = 3 if max_evaluations is None else max(1, min(3, max_evaluations // (2 * population_size)))
        screen = screen if len(self.budgets) > 1 else 1  # one budget: nothing smaller to screen at
        return dataclasses.replace(self, screen=screen)

    @property
    def budgets(self) -> tuple:
        """The budgets, smallest first: ``max_budget / eta ** k`` down to no less than ``min_budget``."""
        steps = int(math.floor(math.log(self.max_budget / self.min_budget, self.eta) + 1e-9))
        values = [self.max_budget / self.eta**k for k in range(steps, -1, -1)]
        if isinstance(self.min_budget, int) and isinstance(self.max_budget, int):
            values = [max(self.min_budget, round(v)) for v in values]
        return tuple(dict.fromkeys(values))

    def checkpoints(self, parts: int, keyed: bool = False) -> list[int]:
        """One budget per wave: a decision after each (``keyed`` changes nothing: no repeats here)."""
        return list(range(1, parts + 1))

    def pool(self, members: Sequence[Sequence[float]]) -> None:
        """Nothing: a budget's decision compares values at one budget, not a spread."""
        return None

    def needed(self, n: int) -> int:
        """How many members of a population of ``n`` must beat a candidate to stop it: ``ceil(share * n)``."""
        return max(1, math.ceil(self.share * n - 1e-9))

    def reference(self, members: Sequence[Sequence[Any]]) -> tuple:
        """At each budget, the loss of the population's ``ceil(share * n)``-th best member there; with several
        objectives, every member's losses per budget."""
        if _several(members):
            return tuple(tuple(member) for member in members)
        rank = self.needed(len(members)) - 1
        return tuple(sorted(column)[rank] for column in zip(*members))

    def worse(self, losses: Sequence[Any], reference: Sequence[Any], pool: None = None) -> bool:
        """Whether the loss at the last budget run is worse than the reference's there (NaN is never judged);
        with several objectives, whether ``ceil(share * n)`` members dominate it there."""
        k = len(losses)
        if _tuples(losses):
            return (0 < k <= len(reference[0]) and all(map(math.isfinite, losses[-1]))
                    and len(self._dominators(losses, reference)) >= self.needed(len(reference)))
        return 0 < k <= len(reference) and math.isfinite(losses[-1]) and losses[-1] > reference[k - 1]

    def estimate(self, losses: Sequence[Any], reference: Sequence[Any]) -> Any:
        """A stopped candidate's full loss: the reference's at the full budget, plus how much worse it was
        at the last budget it ran. With several objectives, its losses there plus the mean change to the
        full budget of the members that dominate it (or of all)."""
        k = len(losses)
        if _tuples(losses):
            members = self._dominators(losses, reference) or list(reference)
            return tuple(v + sum(m[-1][j] - m[k - 1][j] for m in members) / len(members)
                         for j, v in enumerate(losses[-1]))
        return reference[-1] + losses[-1] - reference[k - 1]

    @staticmethod
    def _dominators(losses: Sequence[tuple], reference: Sequence[Sequence[tuple]]) -> list:
        """The members whose losses at the candidate's last budget dominate the candidate's there."""
        return [member for member in reference if _dominates(member[len(losses) - 1], losses[-1])]


@dataclass(frozen=True)
class Screen:
    """The rule of a screening first generation (:attr:`Fidelity.screen`): every candidate stops after the
    smallest budget (:meth:`Race.why` says so at the first decision), with no estimate of its full loss; the
    engine sends the best on to every budget. Its race's ``reference`` is the fidelity's budgets.

    >>> race = Race(Screen(), reference=(1, 3, 9), sign=1)
    >>> race.why([0.4]), race.estimate([0.4])
    ('screened at budget 1: the best of the first generation there go on to every budget', nan)
    """

    def checkpoints(self, parts: int, keyed: bool = False) -> list[int]:
        """A decision after the first budget, which stops the candidate."""
        return list(range(1, parts + 1))

    def estimate(self, losses: Sequence[Any], reference: Sequence[Any]) -> Any:
        """None known (NaN): a screened trial ranks worst, and the model does not learn from it."""
        return tuple(math.nan for _ in losses[-1]) if _tuples(losses) else math.nan


def _squares(values: Sequence[float]) -> tuple[float, int]:
    """The sum of squares of ``values`` about their mean, and how many there are."""
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values), len(values)


@lru_cache(maxsize=None)
def _critical(confidence: float, df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(confidence, df))


@dataclass(frozen=True)
class Race:
    """What a candidate is raced against: the rule (:class:`Racing` or :class:`Fidelity`) and the
    reference's losses, part by part.

    The engine attaches one to each candidate it proposes from a population with
    complete trials (:attr:`evotune.Candidate.race`); an evaluator that runs parts
    applies it. ``sign`` turns the objective's values into losses (+1 minimizing,
    -1 maximizing; with several objectives a tuple, one per objective, and each part's value a
    sequence of values); ``pool`` is what the population says of the parts' noise (:meth:`Racing.pool`).
    ``repeats`` maps the keys of a trial's first ``repeat_parts`` parts (the objective's
    ``part_key``: a fingerprint of each fold's fitted model) to that trial's number and loss (losses),
    the earliest trial first; only trials numbered below ``before`` (those the candidate's
    generation was proposed from) count, so the decision does not depend on when
    later trials finish.

    Examples
    --------
    >>> race = Race(Racing(), reference=(0.10, 0.12, 0.08), sign=1, repeats={("a", "b"): (4, 0.11)},
    ...             before=10)
    >>> race.worse([0.10, 0.12, 0.08]), race.why([0.10, 0.12], keys=("a", "b", None))
    (False, 'repeats trial 4: the same models on the first 2 parts')
    >>> race.why([0.30, 0.35, 0.28])
    'worse than the best on the first 3 parts (paired t-test, 95%)'
    >>> race.estimate([0.10, 0.12], keys=("a", "b"))  # the value of trial 4, which it repeats
    0.11
    >>> front = (((-0.90, 5.0), (-0.88, 5.0), (-0.92, 5.0)),)  # a member's losses: -accuracy, size
    >>> several = Race(Racing(), reference=front, sign=(-1, 1))  # (accuracy, size): maximize, minimize
    >>> several.why([(0.70, 6.0), (0.68, 6.0), (0.71, 6.0)])  # less accurate and larger, fold by fold
    'dominated by a front trial on the first 3 parts (paired t-tests, one per objective, 95% over the front)'
    >>> several.estimate(several.losses([(0.70, 6.0), (0.68, 6.0), (0.71, 6.0)]))  # full losses, estimated
    (-0.6966666666666667, 6.0)
    """

    racing: Racing | Fidelity | Screen
    reference: tuple
    sign: int | tuple[int, ...]
    pool: Any = None
    repeats: Mapping[tuple, tuple[int, Any]] | None = field(default=None, compare=False, repr=False)
    before: int = 0

    def checkpoints(self, parts: int, keyed: bool = False) -> list[int]:
        """How many parts have run at each decision (:meth:`Racing.checkpoints`; ``keyed``: the objective
        fingerprints its parts, so a repeat can be told after the first ``repeat_parts``)."""
        return self.racing.checkpoints(parts, keyed and self.repeats is not None)

    def repeat(self, keys: Sequence[Any] | None) -> tuple[int, Any] | None:
        """The number and loss of the earlier trial whose first parts have the same keys as ``keys``'s, if any."""
        first = self.racing.first_keys(keys) if self.repeats else None  # repeats: only with a Racing
        found = None if first is None else self.repeats.get(first)
        return found if found is not None and found[0] < self.before else None

    def why(self, values: Sequence[float], keys: Sequence[Any] | None = None) -> str | None:
        """Why the candidate stops after the parts' values so far (the objective's direction) and their
        ``keys``, or None: it goes on."""
        found = self.repeat(keys)
        if found is not None:
            return f"repeats trial {found[0]}: the same models on the first {self.racing.repeat_parts} parts"
        losses = self.losses(values)
        if isinstance(self.racing, Screen):
            return (f"screened at budget {self.reference[0]}: the best of the first generation there go on "
                    "to every budget")
        if not isinstance(self.racing, Racing):
            if not self.racing.worse(losses, self.reference, self.pool):
                return None
            if isinstance(self.sign, tuple):
                n = len(self.reference)
                return (f"dominated by {self.racing.needed(n)} or more of the population's {n} members "
                        f"at budget {len(losses)} of {len(self.reference[0])}")
            return f"worse than the reference at budget {len(losses)} of {len(self.reference)}"
        if len(losses) < self.racing.min_parts:
            return None  # before its first test a candidate is told only whether it repeats a trial
        verdict = self.racing.verdict(losses, self.reference, self.pool)
        if verdict == "dominated":
            return (f"dominated by a front trial on the first {len(losses)} parts "
                    f"(paired t-tests, one per objective, {self.racing.confidence:.0%} over the front)")
        if verdict == "ties":
            return f"ties the best on each of the first {len(losses)} parts"
        if verdict == "futile":
            return (f"cannot end better than the best: below a {self.racing.futility:.0%} chance after "
                    f"the first {len(losses)} of {len(self.reference)} parts")
        if verdict == "worse":
            return (f"worse than the best on the first {len(losses)} parts "
                    f"(paired t-test, {self.racing.confidence:.0%})")
        return None

    def worse(self, values: Sequence[float], keys: Sequence[Any] | None = None) -> bool:
        """Whether the candidate stops after these parts (see :meth:`why`)."""
        return self.why(values, keys) is not None

    def estimate(self, losses: Sequence[Any], keys: Sequence[Any] | None = None) -> Any:
        """The estimated full loss of a candidate stopped after these losses (with these keys); with several
        objectives, a tuple of them."""
        found = self.repeat(keys)
        if found is not None:
            return found[1]
        if isinstance(self.racing, Racing):
            return self.racing.estimate(losses, self.reference, self.pool)
        return self.racing.estimate(losses, self.reference)

    def losses(self, values: Sequence[Any]) -> list:
        """The parts' values (the objective's directions) as losses (:func:`part_losses`)."""
        return part_losses(values, self.sign)


#: The first word of a stopped trial's ``info["stopped"]`` (:meth:`Race.why`) -> the rule that stopped it.
_STOP_RULES = {"repeats": "repeats", "worse": "worse", "ties": "ties", "cannot": "futility",
               "dominated": "dominated", "screened": "screened"}


def stop_summary(trials: Sequence[Any]) -> str | None:
    """What racing or a fidelity did in a run: the trials stopped early, by the rule that stopped them, and
    with racing the folds run of all the trials' folds (a fidelity's budgets differ in cost: not counted);
    None if no trial was stopped.

    Examples
    --------
    >>> from evotune.trial import Trial
    >>> done = Trial(0, 0, {}, 0.9, parts=(0.9,) * 10)
    >>> repeat = Trial(1, 1, {}, 0.9, "pruned", info={"stopped": "repeats trial 0: ..."}, parts=(0.9, 0.9))
    >>> worse = Trial(2, 1, {}, 0.5, "pruned", info={"stopped": "worse than the best ..."}, parts=(0.5,) * 3)
    >>> stop_summary([done, repeat, worse])
    '2 stopped early (repeats 1, worse 1); 15 of 30 parts run (50%)'
    >>> budget = Trial(1, 1, {}, 0.7, "pruned", info={"stopped": "worse than the reference at budget 1 of 3"},
    ...                parts=(0.7,))
    >>> stop_summary([done, budget])  # a fidelity's budgets are not counted: they differ in cost
    '1 stopped early (worse 1)'
    """
    stopped = [t for t in trials if t.state == "pruned"]
    if not stopped:
        return None
    why = [str((t.info or {}).get("stopped", "")) for t in stopped]
    rules = Counter(_STOP_RULES.get(reason.split(" ", 1)[0], "other") for reason in why)
    text = f"{len(stopped)} stopped early ({', '.join(f'{rule} {n}' for rule, n in rules.most_common())})"
    racing = not any(" at budget " in reason for reason in why)  # Race.why's words for a fidelity's stops
    complete = [len(t.parts) for t in trials if t.state == "complete" and t.parts] if racing else []
    full = max(complete, default=0)
    ran = [len(t.parts) for t in trials if t.parts and t.state in ("complete", "pruned")]
    if full:
        text += f"; {sum(ran)} of {full * len(ran)} parts run ({sum(ran) / (full * len(ran)):.0%})"
    return text


def part_losses(values: Sequence[Any], sign: int | tuple[int, ...]) -> list:
    """Parts' values (the objective's directions) as losses: each times ``sign``; with several objectives
    (``sign`` a tuple), each part's values times the signs. A part of the wrong shape is NaN.

    >>> part_losses([0.9, 0.8], -1), part_losses([(0.9, 3.0), "?"], (-1, 1))
    ([-0.9, -0.8], [(-0.9, 3.0), (nan, nan)])
    """
    if isinstance(sign, tuple):
        return [tuple(s * v for s, v in zip(sign, part)) if isinstance(part, tuple) and len(part) == len(sign)
                else (math.nan,) * len(sign) for part in values]
    return [sign * v if not isinstance(v, tuple) else math.nan for v in values]
