"""Surrogate-assisted selection of offspring: breed many children, evaluate the promising ones.

In every generation after the first, the engine proposes ``oversample`` times
more candidates than it evaluates: children bred by selection, crossover and
mutation of the population, and a share (``immigrants``) of random points of
the space. A model fitted on the trials evaluated so far ranks them, and only
the best ``offspring_size`` are evaluated. The search stays evolutionary (a
generation is still one batch of evaluations, and most candidates are bred);
the model only spends fewer trainings on candidates it can already tell are
poor, and the immigrants give it a way off a plateau every bred child sits on.

A surrogate is an object with ``oversample``, ``immigrants`` and ``window``
attributes and a ``rank`` method; :class:`GaussianProcessSurrogate` is the default. Pass
``surrogate=None`` for a plain genetic algorithm (for objectives that take
less time than the model: a few tens of milliseconds per generation, on one
core, in evotune's own numpy Gaussian process, :mod:`evotune._gp`).
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from typing import Any

import numpy as np

from . import pareto
from ._gp import GaussianProcess, fit_hyperparameters
from ._checks import check_int, check_number, from_literal_repr
from .exceptions import InvalidParameterError
from .genome import Genome

__all__ = ["Surrogate", "GaussianProcessSurrogate"]


class Surrogate(ABC):
    """Ranks bred children before any of them is evaluated."""

    #: Children bred per child evaluated.
    oversample: int = 1
    #: Children bred per child evaluated with several objectives (None: ``oversample``).
    front_oversample: int | None = None
    #: How many of the latest trials the engine keeps to fit the model on.
    window: int = 1000
    #: Share of the ranked candidates that are random points of the space instead of bred children.
    immigrants: float = 0.0
    #: In a space with conditions, share of the children evaluated that go to the branches (sets of active
    #: parameters: a model family, a kernel) with the fewest trials, each its branch's best-ranked candidate.
    branch_share: float = 0.0
    #: In a space with conditions and one objective, mutants of each branch's best trial ranked with the bred
    #: children (how many per branch).
    branch_mutants: int = 0

    @abstractmethod
    def rank(
        self, genome: Genome, genes: list[list], losses: np.ndarray, children: list[list], seed: int
    ) -> np.ndarray:
        """Indices of ``children``, most promising first.

        ``genes`` and ``losses`` are the evaluated trials (lower is better; a failed
        trial's loss is NaN), oldest first; ``seed`` seeds any randomness.
        """

    def gene_weights(self, genome: Genome, genes: list[list], losses: np.ndarray) -> list[float] | None:
        """With one objective: how much each gene matters to the loss (one weight >= 0 per gene), which a
        mutation that supports it (:class:`~evotune.MixedMutation`) uses to vary the genes that matter more
        often; None (the default): every gene alike. Called once per generation, before breeding."""
        return None

    def bred_per_evaluation(self, objectives: int) -> int:
        """Children bred per child evaluated in a search of ``objectives`` objectives: ``oversample``,
        or with several ``front_oversample`` when it is set.

        Examples
        --------
        >>> from evotune import GaussianProcessSurrogate
        >>> GaussianProcessSurrogate().bred_per_evaluation(1), GaussianProcessSurrogate().bred_per_evaluation(2)
        (4, 8)
        """
        return self.oversample if objectives == 1 else self.front_oversample or self.oversample

    def rank_front(
        self, genome: Genome, genes: list[list], losses: np.ndarray, children: list[list], seed: int
    ) -> list[int]:
        """Indices of ``children``, most promising first, for several objectives: ``losses`` has a
        column per objective (a failed or infeasible trial's row is NaN).

        By default ParEGO (Knowles, 2006): :meth:`rank` on the augmented Chebyshev
        scalarisation of the normalised losses for a few random weight vectors (directions
        along the front), the rankings taking turns.
        """
        with warnings.catch_warnings(), np.errstate(all="ignore"):  # all-NaN columns: failures only
            warnings.simplefilter("ignore", RuntimeWarning)
            scaled = pareto.normalise(losses)
        weights = np.random.default_rng(seed).dirichlet(np.ones(losses.shape[1]), size=4)
        rankings = [self.rank(genome, genes, pareto.chebyshev(scaled, w), children, seed) for w in weights]
        return list(dict.fromkeys(int(i) for picks in zip(*rankings) for i in picks))


_controller: Any = None


def _one_thread() -> Any:
    """Cap BLAS at one thread around the model's small matrix work: threads only add overhead
    there, and this process shares the machine with its busy workers."""
    global _controller
    if _controller is None:
        from threadpoolctl import ThreadpoolController

        _controller = ThreadpoolController()
    return _controller.limit(limits=1)


#: How children are ranked: expected improvement, or lower confidence bound.
_ACQUISITIONS = ("ei", "lcb")
#: Most L-BFGS-B steps of a kernel fit (more buys nothing measurable in the ranking; see the benchmarks).
_KERNEL_FIT_STEPS = 50
#: Several objectives: weight of the predicted standard deviation in each objective's optimistic value
#: (0, 0.5 and 1 were compared on the multi-objective suite at budget 200: 0.5 was best on average).
_FRONT_KAPPA = 0.5
#: Several objectives: what each objective's model is fitted to (``front_scale``), and how far beyond the
#: worst trial, in those units, the "wider" ranking's reference point lies (with values, 1 instead of 0.1
#: lowered DTLZ2's hypervolume at budget 200 by 0.044 ± 0.009; docs/benchmarks.md).
_FRONT_SCALES = {"values": 0.1, "ranks": 1.0}


class GaussianProcessSurrogate(Surrogate):
    """A Gaussian process on the evaluated trials; children are ranked by expected improvement.

    The losses are turned into normal scores of their ranks (robust to outliers
    and to the loss's scale; equal losses get equal scores, a failed trial counts
    as the worst). The kernel is a Matern 5/2 with one length scale per feature
    (irrelevant parameters get long ones) plus a noise term; its hyperparameters
    are fitted by maximum likelihood on at most ``fit_size`` trials (the best ones;
    with ``relevance=False`` the best half and a random rest), then the process is
    conditioned on the whole window. With one objective the same fit also tells
    mutation which genes matter (``relevance``).

    Children are ranked by their expected improvement over the best trial
    (``acquisition="ei"``): a child predicted as good as the best, with little
    uncertainty, is worth little, so a run on a plateau of equal scores (common
    with accuracies) moves on instead of re-evaluating it. ``"lcb"`` ranks by
    ``mean - kappa * std`` instead.

    Parameters
    ----------
    oversample : int
        Candidates ranked per child evaluated (1 turns the surrogate off).
    front_oversample : int
        The same with several objectives, where the children evaluated must spread along a
        front: a wider choice pays there (8 against 4 raised the hypervolume of every
        multi-objective test function; docs/benchmarks.md).
    immigrants : float
        Share of those candidates drawn at random from the space instead of bred:
        the way off a plateau that every bred child sits on.
    branch_share : float
        In a space with conditions (model choice, a kernel's own parameters): share of
        the children evaluated per generation that go to the *branches* (sets of active
        parameters) with the fewest trials so far, each the best-ranked candidate of its
        branch; the rest are the best-ranked overall (``round(size * share)`` children a
        generation; when that is under one, one every ``1 / (size * share)`` generations).
        A model fitted mostly on one family cannot tell how good a family it has barely
        seen may be, and ranked alone it keeps breeding from the first family that did
        well (on the CASH
        benchmark's ``cash-hastie``, without the slots, 3 of 5 runs spent ~110 of 128
        evaluations on gradient boosting and missed an SVC four times better;
        docs/benchmarks.md). Spaces without conditions have one branch and are unaffected.
    branch_mutants : int
        In a space with conditions and one objective: mutants of each branch's best trial
        added to the candidates ranked (0, the default: none). Once the population has
        settled on one family, every bred child is of that family, and a slot of
        ``branch_share`` can only pick a random point of another one; with these it can
        pick a refinement of that family's best. On ``cash-diabetes`` a ridge regression
        plateau (one parameter) took 35 of 64 trainings (seed 0) while an MLP that ends better was
        tried six times. Off by default until the CASH benchmark shows it at both budgets
        (docs/benchmarks.md).
    front_scale : {"values", "ranks"}
        With several objectives, what the model of each objective (the "wider" ranking of
        :meth:`rank_front`) is fitted to: the objective's values, standardised, so that the
        hypervolume a child promises is measured on the scale the front is judged on (a value
        far beyond the others on the bad side, past Tukey's far-out fence, counts as at the fence);
        or, as release 0.12 and earlier did, the normal scores of their ranks, which stretch the
        ends of a front and bunch its middle. Values raised the hypervolume of every test function at
        budget 200 (DTLZ2 at 100 evaluations, 50 seeds: 0.486 → 0.551) and left the model problems
        within a few thousandths (docs/benchmarks.md).
    relevance : bool or None
        With one objective, mutate the genes the model finds relevant more often (since 0.24): the
        kernel's hyperparameters are fitted on the window's best ``fit_size`` trials (the region the
        population breeds in), and a gene's weight is how far a full change of it moves a point in
        the kernel's metric (``1 / length``; a categorical gene: the root mean square of that distance
        over pairs of its choices).
        :class:`~evotune.MixedMutation` then mutates gene ``i`` with probability
        ``0.25 / n + 0.75 * w_i / sum(w)`` (as many genes on average as its ``1 / n``, at least one,
        none ever frozen), and the same fit ranks the children. On the SVC benchmark's
        valley (``svc_collapse.py``, 16 seeds of 600 trials), where only gamma matters above a C of
        ~10, uniform mutation spends most children on C and the population settles on a plateau:
        best errors 23.31 against 0.23's 24.19 (Optuna's TPE: 23.00); the quick scikit-learn problems
        +2.7 ± 1.9 score points, the synthetic functions +1.4 ± 0.5 (docs/benchmarks.md). ``None`` (the
        default): in a space without conditions; in one with conditions (CASH) it was level with 0.23
        (-0.60 ± 0.59 points at 64 trainings, 20 seeds), so those keep 0.23's search. ``False`` is release
        0.23's search: uniform mutation, and the kernel fitted on the best half and a random rest.
    believer : bool or None
        With one objective, pick the children a generation evaluates one by one (the "kriging
        believer" of Ginsbourger et al., 2010): each pick's outcome is believed to be its predicted
        mean, so the uncertainty it explains leaves the children near it and the best so far is at
        most that mean, and the next pick is ranked again. Without it the generation's children are
        the first of one ranking, and on a plateau of equal losses they are often near copies of one
        point (five of one generation's six on ``cash-breast_cancer``, seed 1). ``None`` (the default,
        since 0.21): in a space with conditions, where it spreads a generation over the branches the
        model is unsure of; there, with generations of half the population
        (:func:`~evotune.default_offspring_size`), it gained 1.4 points on the CASH benchmark at 64
        trainings and was level at 128. Not in a space without conditions: there the best trees sit on
        a plateau of equal accuracies that wants near copies, and the scikit-learn problems were no
        better with it (docs/benchmarks.md). ``False`` is release 0.20's single ranking.
    acquisition : {"ei", "lcb"}
        Expected improvement, or lower confidence bound.
    kappa : float, optional
        Weight of the predicted standard deviation in the lower confidence bound
        (``acquisition="lcb"`` only; default 1).
    window : int
        Condition on at most this many of the latest trials.
    fit_size : int
        Trials used to fit the kernel's hyperparameters.
    min_trials : int
        Completed trials needed before the model is used; until then children
        are evaluated in the order they were bred.
    front_min_trials : int or None
        The same with two or three objectives (at least ``min_trials``; None: ``min_trials``,
        as until release 0.17). A model of a front wants more trials than one of a single
        loss: on SVC-digits (two objectives, a population of 6, 50 seeds) children picked by
        a model of the first 6 or 12 trials did worse than the genetic algorithm's own
        (hypervolume -0.019 at 12 trials, -0.006 at 18), one of 18 trials did better
        (+0.018 at 24); with 13 (the model from the fourth generation of 6 on) the hypervolume
        at 64 trials is +0.006 over waiting for 8 (docs/benchmarks.md). From four objectives
        (a population of 12) ``min_trials`` alone: DTLZ2 with five lost 0.24 of its
        hypervolume when the model skipped the second generation.

    Examples
    --------
    >>> import evotune as et
    >>> result = et.optimize(lambda p: (p["x"] - 1) ** 2, {"x": et.Float(-5, 5)}, max_evaluations=40,
    ...                      surrogate=et.GaussianProcessSurrogate(oversample=2), seed=0)
    >>> result.best_value < 0.05
    True
    """

    def __init__(self, oversample: int = 4, immigrants: float = 0.25, acquisition: str = "ei",
                 kappa: float | None = None, window: int = 300, fit_size: int = 100, min_trials: int = 8,
                 front_oversample: int = 8, branch_share: float = 0.25, branch_mutants: int = 0,
                 front_scale: str = "values", front_min_trials: int | None = 13,
                 believer: bool | None = None, relevance: bool | None = None):
        owner = "GaussianProcessSurrogate"
        check_int("oversample", oversample, 1, owner=owner)
        check_int("front_oversample", front_oversample, 1, owner=owner)
        check_int("window", window, 2, owner=owner)
        check_int("fit_size", fit_size, 2, owner=owner)
        check_int("min_trials", min_trials, 2, owner=owner)
        check_int("front_min_trials", front_min_trials, 2, allow_none=True, owner=owner)
        check_int("branch_mutants", branch_mutants, 0, owner=owner)
        check_number("immigrants", immigrants, "a share in [0, 1)", lambda v: 0 <= v < 1, owner=owner)
        check_number("branch_share", branch_share, "a share in [0, 1)", lambda v: 0 <= v < 1, owner=owner)
        if acquisition not in _ACQUISITIONS:
            raise InvalidParameterError(
                f"GaussianProcessSurrogate: `acquisition` must be one of {_ACQUISITIONS}; "
                f"got {acquisition!r}."
            )
        if kappa is not None and acquisition != "lcb":
            raise InvalidParameterError(
                f"GaussianProcessSurrogate: `kappa` weighs the lower confidence bound; pass it with "
                f"acquisition='lcb' (got acquisition={acquisition!r}, kappa={kappa!r})."
            )
        if front_scale not in _FRONT_SCALES:
            raise InvalidParameterError(
                f"GaussianProcessSurrogate: `front_scale` must be one of {tuple(_FRONT_SCALES)}; "
                f"got {front_scale!r}."
            )
        if believer is not None and not isinstance(believer, bool):
            raise InvalidParameterError(
                f"GaussianProcessSurrogate: `believer` must be True, False or None; got {believer!r}."
            )
        if relevance is not None and not isinstance(relevance, bool):
            raise InvalidParameterError(
                f"GaussianProcessSurrogate: `relevance` must be True, False or None; got {relevance!r}."
            )
        kappa = 1.0 if kappa is None else kappa
        check_number("kappa", kappa, "a number >= 0", lambda v: 0 <= v < math.inf, owner=owner)
        self.oversample, self.acquisition, self.kappa = int(oversample), acquisition, float(kappa)
        self.front_oversample, self.front_scale = int(front_oversample), front_scale
        self.immigrants, self.branch_share = float(immigrants), float(branch_share)
        self.branch_mutants, self.believer, self.relevance = int(branch_mutants), believer, relevance
        self.window = int(window)
        self.fit_size, self.min_trials = int(fit_size), int(min_trials)
        self.front_min_trials = None if front_min_trials is None else int(front_min_trials)
        self._last_fit: tuple | None = None  # (inputs, fit): a generation's weights and ranking share one

    def __getstate__(self) -> dict[str, Any]:  # the last fit is a cache: copies and pickles leave it out
        return {**self.__dict__, "_last_fit": None}

    def __repr__(self) -> str:
        kappa = f"kappa={self.kappa}, " if self.acquisition == "lcb" else ""
        # the default left out: run files written before it existed keep their surrogate's description
        front = f", front_oversample={self.front_oversample}" if self.front_oversample != 8 else ""
        branch = f", branch_share={self.branch_share}" if self.branch_share != 0.25 else ""
        branch += f", branch_mutants={self.branch_mutants}" if self.branch_mutants else ""
        # last, where the reader of older run files adds it (storage/_codec.py)
        branch += f", front_scale={self.front_scale!r}" if self.front_scale != "values" else ""
        branch += f", front_min_trials={self.front_min_trials}" if self.front_min_trials != 13 else ""
        branch += f", believer={self.believer}" if self.believer is not None else ""
        branch += f", relevance={self.relevance}" if self.relevance is not None else ""
        return (f"GaussianProcessSurrogate(oversample={self.oversample}, immigrants={self.immigrants}, "
                f"acquisition={self.acquisition!r}, {kappa}window={self.window}, fit_size={self.fit_size}, "
                f"min_trials={self.min_trials}{front}{branch})")

    def __eq__(self, other: object) -> bool:  # the same settings rank the same way
        return type(other) is type(self) and repr(other) == repr(self)

    def __hash__(self) -> int:
        return hash(repr(self))

    @classmethod
    def from_repr(cls, text: Any) -> GaussianProcessSurrogate | None:
        """The surrogate a run file describes by its repr (each setting a literal), or None when ``text`` is
        not such a description: a resumed run takes back the surrogate it ran with, and nothing but literals
        is read from a file.

        Examples
        --------
        >>> surrogate = GaussianProcessSurrogate(front_min_trials=None)
        >>> GaussianProcessSurrogate.from_repr(repr(surrogate)) == surrogate
        True
        >>> GaussianProcessSurrogate.from_repr("GaussianProcessSurrogate(window=__import__('os'))") is None
        True
        """
        return from_literal_repr(cls, text)

    def rank(
        self, genome: Genome, genes: list[list], losses: np.ndarray, children: list[list], seed: int
    ) -> np.ndarray:
        believer = genome.conditional if self.believer is None else self.believer
        best = self._weighs(genome)  # the kernel the weights were drawn from
        return self._rank_by_improvement(genome, genes, losses, children, seed, believer, best)

    def gene_weights(self, genome: Genome, genes: list[list], losses: np.ndarray) -> list[float] | None:
        """Each gene's relevance (see ``relevance`` in the class docstring); None when ``relevance`` is off
        (by default: in a space with conditions) or there are too few completed trials.

        Examples
        --------
        >>> import evotune as et
        >>> from evotune.genome import Genome
        >>> genome = Genome(et.Space({"x": et.Float(0, 1), "noise": et.Float(0, 1)}))
        >>> genes = np.random.default_rng(0).random((40, 2)).tolist()
        >>> x, noise = GaussianProcessSurrogate().gene_weights(genome, genes, np.array([g[0] for g in genes]))
        >>> bool(x > 10 * noise)
        True
        """
        fitted = self._fit(genome, genes, losses, 0, best=True) if self._weighs(genome) else None
        if fitted is None:
            return None
        inverse = 1 / fitted[0].length  # the features: numeric genes, then each categorical's one-hot columns
        weights = dict(zip(genome.numeric, inverse[: len(genome.numeric)].tolist()))
        start = len(genome.numeric)
        for i in genome.categorical:
            k = genome.n_choices[i]
            # a change a -> b moves two one-hot columns by 1: sqrt(inv_a^2 + inv_b^2), RMS over the pairs
            weights[i] = math.sqrt(2 * float(np.mean(inverse[start : start + k] ** 2))) if k > 1 else 0.0
            start += k
        return [weights[i] for i in range(genome.size)]

    def _weighs(self, genome: Genome) -> bool:
        """Whether mutation is weighed by relevance in ``genome``'s space (``relevance``; None: without
        conditions)."""
        return not genome.conditional if self.relevance is None else self.relevance

    def _rank_by_improvement(
        self, genome: Genome, genes: list[list], losses: np.ndarray, children: list[list], seed: int,
        believer: bool, best: bool = False,
    ) -> np.ndarray:
        """Children by their acquisition (see the class docstring); with ``believer`` the ones the engine
        evaluates (the first ``1 / oversample``) are picked one by one, each pick's outcome believed to be
        its predicted mean. ``best``: the kernel fitted on the best trials (see :meth:`_fit`)."""
        fitted = self._fit(genome, genes, losses, seed, best=best)
        if fitted is None:
            return np.arange(len(children))
        gp, y = fitted
        X = genome.features(children)
        if not believer:
            with _one_thread():
                mean, std = gp.predict(X)
            return np.argsort(-self._acquisition(mean, std, y.min()), kind="stable")
        with _one_thread():
            mean, cov = gp.posterior(X)
        noise, best = gp.noise * gp.y_std**2, float(y.min())
        picked: list[int] = []
        for _ in range(-(-len(children) // self.oversample)):
            std = np.sqrt(np.maximum(np.diag(cov), 0.0) + noise)  # as predict's: the noise included
            score = self._acquisition(mean, std, best)
            score[picked] = -np.inf
            order = np.argsort(-score, kind="stable")
            pick = int(order[0])
            picked.append(pick)
            # the pick's value believed to be its mean: the variance it explains leaves every child's
            # (a near copy of it keeps little), and the best so far is at most that mean
            column = cov[:, pick].copy()
            cov -= np.outer(column, column) / (cov[pick, pick] + noise)
            best = min(best, float(mean[pick]))
        return np.array(list(dict.fromkeys(picked + order.tolist())))

    def _acquisition(self, mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
        """What a child is worth, higher first: expected improvement over ``best``, or minus the lower
        confidence bound."""
        if self.acquisition == "lcb":
            return -(mean - self.kappa * std)
        return _expected_improvement(mean, std, best)

    def rank_front(
        self, genome: Genome, genes: list[list], losses: np.ndarray, children: list[list], seed: int
    ) -> list[int]:
        """Children ranked for several objectives, two rankings taking turns: one for widening the front,
        one for getting closer to it.

        - Closer: :meth:`rank` (expected improvement) on each trial's non-dominated rank (0 on the front,
          1 on the next one...), the split multi-objective TPE makes between good and bad trials.
        - Wider (after SMS-EGO, Ponweiser et al., 2008): a Gaussian process per objective predicts each
          child's values (standardised; see ``front_scale``); the child whose optimistic prediction
          (``mean - 0.5 std`` in every objective) adds the most hypervolume to the front of the trials
          (against a reference just beyond the worst trial) comes first, then its
          predicted mean joins the front (so the next pick goes elsewhere along it), and so on for the
          children the engine evaluates (the rest follow as the last pick ranked them). Children that
          add nothing are ordered by the Chebyshev distance of their optimistic prediction to the ideal
          point, along a random direction per pick.

        One model fit per objective, and one on the ranks, per generation.

        Examples
        --------
        >>> import evotune as et
        >>> result = et.optimize(lambda p: (p["x"], 1 - p["x"] ** 0.5 + p["y"]), {"x": et.Float(0, 1), "y": et.Float(0, 1)},
        ...                      directions=["minimize", "minimize"], max_evaluations=60, seed=0)
        >>> result.hypervolume([1.1, 2.1]) > 1.5  # the front is y = 0: hypervolume at most 1.98
        True
        """
        ok = ~np.isnan(losses).any(axis=1)
        if losses.shape[1] <= pareto.SMALL_FRONT and ok.sum() < (self.front_min_trials or 0):
            return list(range(len(children)))  # too few trials to model a front: as bred
        ranks = np.full(len(losses), np.nan)  # a failed or infeasible trial: NaN, ranked worst
        if ok.sum() > 1:
            import moocore

            ranks[ok] = moocore.pareto_rank(losses[ok])
        closer = self._rank_by_improvement(genome, genes, ranks, children, seed, believer=False).tolist()
        wider = self._rank_by_gain(genome, genes, losses, children, seed)
        return list(dict.fromkeys(i for pair in zip(wider, closer) for i in pair))

    def _rank_by_gain(
        self, genome: Genome, genes: list[list], losses: np.ndarray, children: list[list], seed: int
    ) -> list[int]:
        """The "wider" ranking of :meth:`rank_front`: by the hypervolume each child promises to add."""
        values = self.front_scale == "values"
        predictions = [self.predict(genome, genes, losses[:, j], children, seed, values=values)
                       for j in range(losses.shape[1])]
        if any(p is None for p in predictions):
            return list(range(len(children)))
        scores = np.stack([y for _, _, y in predictions], axis=1)
        mean = np.stack([m for m, _, _ in predictions], axis=1)
        optimistic = np.stack([m - _FRONT_KAPPA * s for m, s, _ in predictions], axis=1)
        reference = scores.max(axis=0) + _FRONT_SCALES[self.front_scale]
        front = scores[pareto.nondominated(scores)]
        # the engine evaluates the first 1 / oversample of the ranking: those are picked one by one
        picks = -(-len(children) // self.bred_per_evaluation(losses.shape[1]))
        weights = np.random.default_rng(seed).dirichlet(np.ones(losses.shape[1]), size=picks)
        picked: list[int] = []
        for w in weights:
            gains = np.array([-1.0 if i in picked else pareto.gain(front, optimistic[i], reference)
                              for i in range(len(children))])
            distance = pareto.chebyshev(optimistic - scores.min(axis=0), w)
            order = np.lexsort((distance, -gains))
            picked.append(int(order[0]))
            front = np.vstack([front, mean[picked[-1]]])
            front = front[pareto.nondominated(front)]
        return list(dict.fromkeys(picked + order.tolist()))  # then the rest, as the last pick ranked them

    def predict(
        self, genome: Genome, genes: list[list], losses: np.ndarray, children: list[list], seed: int,
        values: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The model's mean and standard deviation for each child, and the trials' scores it was fitted to
        (lower is better): the normal scores of the losses' ranks, or with ``values`` the losses standardised;
        None when there are too few completed trials or all are equal."""
        fitted = self._fit(genome, genes, losses, seed, values)
        if fitted is None:
            return None
        gp, y = fitted
        with _one_thread():
            mean, std = gp.predict(genome.features(children))
        return mean, std, y

    def _fit(
        self, genome: Genome, genes: list[list], losses: np.ndarray, seed: int, values: bool = False,
        best: bool = False,
    ) -> tuple[GaussianProcess, np.ndarray] | None:
        """The process fitted to the trials' scores (see :meth:`predict`), and the scores; None when there
        are too few completed trials or all are equal. The kernel's hyperparameters are fitted on at most
        ``fit_size`` trials: the best ones with ``best`` (``seed`` unused), else the best half and a
        random rest. The last fit is kept: the same inputs again (a generation's ranking after its
        weights) cost nothing."""
        y = (_standard_scores if values else _normal_scores)(losses, self.min_trials)
        if y is None:
            return None
        X = genome.features(genes)
        key = (values, best, None if best else seed, X.shape, X.tobytes(), y.tobytes())
        last = self._last_fit
        if last is not None and last[0] == key:
            return last[1]
        subset = np.arange(len(y))
        if len(y) > self.fit_size:
            order = np.argsort(y, kind="stable")
            if best:
                subset = np.sort(order[: self.fit_size])
            else:  # the best half, and a random draw of the rest
                rest = np.random.default_rng(seed).choice(
                    np.setdiff1d(subset, order[: self.fit_size // 2]), self.fit_size - self.fit_size // 2,
                    replace=False)
                subset = np.sort(np.concatenate([order[: self.fit_size // 2], rest]))
        with _one_thread():
            theta = fit_hyperparameters(X[subset], y[subset], max_steps=_KERNEL_FIT_STEPS)
            # the fitted kernel, conditioned on every trial of the window
            fitted = GaussianProcess(theta, X, y), y
        self._last_fit = (key, fitted)
        return fitted


def _expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """E[max(best - Y, 0)] for Y ~ N(mean, std^2) (lower is better)."""
    from scipy.stats import norm

    std = np.maximum(std, 1e-12)
    z = (best - mean) / std
    return (best - mean) * norm.cdf(z) + std * norm.pdf(z)


def _standard_scores(losses: np.ndarray, min_trials: int) -> np.ndarray | None:
    """The losses standardised (failures tie with the worst; a loss past Tukey's far-out fence, three
    interquartile ranges above the upper quartile, counts as at the fence: one slow or diverged trial
    does not flatten the rest).

    None when there are too few completed trials, or all are equal.

    >>> _standard_scores(np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 1000.0, np.nan]), 2).round(2).tolist()
    [-1.04, -0.87, -0.69, -0.51, -0.33, -0.15, 0.03, 1.78, 1.78]
    """
    completed = _completed(losses, min_trials)
    if completed is None:
        return None
    losses, finite = completed
    q1, q3 = np.percentile(losses[finite], [25, 75])
    fence = q3 + 3 * (q3 - q1) if q3 > q1 else np.inf  # above the lower quartile: some losses stay below it
    losses = np.minimum(losses, fence)
    return (losses - losses.mean()) / losses.std()


def _normal_scores(losses: np.ndarray, min_trials: int) -> np.ndarray | None:
    """Normal scores of the losses' ranks (ties share their mean rank; failures tie with the worst).

    None when there are too few completed trials, or all are equal.
    """
    from scipy.stats import norm, rankdata

    completed = _completed(losses, min_trials)
    if completed is None:
        return None
    losses = completed[0]
    return norm.ppf((rankdata(losses) - 0.5) / len(losses))


def _completed(losses: np.ndarray, min_trials: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The losses with each failure (NaN) tied with the worst, and which trials completed; None when there
    are too few completed trials, or all are equal (nothing for a model to learn)."""
    losses = np.asarray(losses, dtype=float)
    finite = np.isfinite(losses)
    if finite.sum() < min_trials or np.ptp(losses[finite]) == 0:
        return None
    return np.where(finite, losses, losses[finite].max()), finite
