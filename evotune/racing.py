"""Racing: stop a candidate's cross-validation once its first folds show it cannot enter the population.

A child of the evolution is only worth finishing if it can enter the population it
was bred from, that is, beat the population's worst member (the *reference*). Its
folds run in waves (the first ``min_parts`` folds, then twice as many, and so on);
after each wave, a one-sided paired t-test on the folds run so far compares the
candidate with the reference's scores on the same folds. A candidate shown worse at
the test's ``confidence`` is stopped and recorded as ``"pruned"``, with the mean of
the folds it ran; it never enters the population or the hall of fame, and the
surrogate sees its paired estimate (the reference's mean plus the mean difference).

Decisions are deterministic: each is taken on a fixed prefix of the folds against a
reference fixed when the candidate was proposed, so the same seed prunes the same
candidates whatever the number of workers or the order in which folds finish.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ._checks import check_int, check_number

__all__ = ["Racing", "Race"]


@dataclass(frozen=True)
class Racing:
    """Stop cross-validations that their first folds show worse than the population they would enter.

    Parameters
    ----------
    min_parts : int
        Folds every candidate runs before it can be stopped (at least 2: a paired
        test needs a spread). Then it is tested after ``2 * min_parts``,
        ``4 * min_parts``... folds, and finishes the rest.
    confidence : float
        Confidence, in (0.5, 1), of the one-sided paired t-test that must show
        the candidate worse than the reference before it is stopped: higher stops
        fewer candidates and loses fewer good ones.

    Examples
    --------
    >>> racing = Racing(min_parts=3)
    >>> racing.checkpoints(10)
    [3, 6, 10]
    >>> reference = [0.10, 0.12, 0.08]  # the population's worst member, fold by fold (losses)
    >>> racing.worse([0.30, 0.35, 0.28], reference), racing.worse([0.09, 0.14, 0.08], reference)
    (True, False)
    """

    min_parts: int = 3
    confidence: float = 0.95

    def __post_init__(self) -> None:
        check_int("min_parts", self.min_parts, 2, owner="Racing")
        check_number("confidence", self.confidence, "a number in (0.5, 1)", lambda v: 0.5 < v < 1, owner="Racing")

    def checkpoints(self, parts: int) -> list[int]:
        """How many parts have run at each decision (the last is all of them: no decision)."""
        out, k = [], self.min_parts
        while k < parts:
            out.append(k)
            k *= 2
        return out + [parts]

    def worse(self, losses: Sequence[float], reference: Sequence[float]) -> bool:
        """Whether ``losses`` (lower is better) are worse than the reference's on the same parts,
        by a one-sided paired t-test. Non-finite values are never judged."""
        k = len(losses)
        differences = [a - b for a, b in zip(losses, reference[:k])]
        if k < 2 or len(differences) < k or not all(math.isfinite(d) for d in differences):
            return False
        mean = sum(differences) / k
        if mean <= 0:
            return False
        spread = math.sqrt(sum((d - mean) ** 2 for d in differences) / (k - 1))
        return spread == 0 or mean / (spread / math.sqrt(k)) > _critical(self.confidence, k - 1)


@lru_cache(maxsize=None)
def _critical(confidence: float, df: int) -> float:
    from scipy.stats import t

    return float(t.ppf(confidence, df))


@dataclass(frozen=True)
class Race:
    """What a candidate is raced against: the rule and the reference's losses, part by part.

    The engine attaches one to each candidate it proposes from a full population
    (:attr:`evotune.Candidate.race`); an evaluator that runs parts applies it.
    ``sign`` turns the objective's values into losses (+1 minimizing, -1 maximizing).
    """

    racing: Racing
    reference: tuple[float, ...]
    sign: int

    def estimate(self, losses: Sequence[float]) -> float:
        """The paired estimate of a stopped candidate's full loss: the reference's mean loss plus
        the mean difference on the parts it ran."""
        k = len(losses)
        return sum(self.reference) / len(self.reference) + sum(a - b for a, b in zip(losses, self.reference)) / k
