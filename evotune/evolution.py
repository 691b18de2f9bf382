"""Evolution: an asynchronous, deterministic ask/tell population loop.

Generation 0 is a space-filling sample (plus any starting points the user
gives). Every later generation is ``offspring_size`` children bred from the
population: tournament selection, crossover, mutation, repair into the space.
With a surrogate (the default), ``oversample`` times more candidates are bred (a
share of them random immigrants) and a model of the trials so far picks the ones
to evaluate (see :mod:`evotune.surrogate`).

**Asynchronous.** Candidates are asked one at a time and told in any order, so
a driver can hand a new candidate to every worker as soon as it frees up; the
hall of fame and the statistics follow every tell.

**Deterministic.** Generation *g* is bred from the first ``start(g) - lag + 1``
trials (``start(g)`` being its first trial number), applied in number order:
never from whichever evaluations happened to finish first. So the same seed and
``lag`` give the same trials for any number of workers and any completion order.
``lag=1`` is a generational algorithm (each generation bred from every trial
before it); a larger ``lag`` lets about ``lag`` evaluations run while a
generation waits for its parents, at the price of breeding from older trials (a
generation whose view would hold less than half of generation 0 is drawn at random).
When a needed trial is still running, :meth:`Evolution.ask_one` returns None and
the driver waits for a result. Survival keeps the best ``population_size``
trials of the view (elitism).

**Several objectives** (``directions=[...]``): the objective returns one value
per direction; survival keeps trials by non-dominated front and hypervolume
contribution (SMS-EMOA's rule, :func:`evotune.pareto.survivors`), tournaments
compare positions in that order, the surrogate ranks children by the hypervolume
they promise and by their predicted non-dominated rank, in turns
(:meth:`evotune.Surrogate.rank_front`), and the hall of
fame is the Pareto front of every trial. **Constraints** (``constraints=``):
feasible trials beat infeasible ones, less violation beats more.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
import numbers
import operator
import random
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import pareto
from ._checks import check_int
from ._deap import FitnessMax, FitnessMin, Individual, engine_random, tools
from .breeding import Breeder
from .exceptions import (
    AllEvaluationsFailedError,
    EvaluationFailedError,
    EvotuneError,
    FailedEvaluationWarning,
    InvalidParameterError,
    warn,
)
from .genome import Genome
from .operators import MixedCrossover, MixedMutation, Tournament
from .result import Result
from .space import Space
from .settings import Settings
from .surrogate import Surrogate
from .racing import AUTO, Race, Screen, part_losses
from .trial import COMPLETE, FAILED, PRUNED, Candidate, Direction, GenerationStats, Pruned, Trial, split_info

__all__ = ["Evolution", "Candidate", "default_population_size", "trial_state"]

_ERROR_TEXT_LIMIT = 500
# SeedSequence spawn keys: (1, i) is trial i's evaluation seed (Candidate.seed),
# (2,) the initial design, (3, g) the proposal of generation g.
_DESIGN, _BLOCK = 2, 3


def default_population_size(max_evaluations: int | None = None, n_objectives: int = 1) -> int:
    """Population size: about ``sqrt(max_evaluations)``, between 8 and 12; 6 with two or three objectives.

    Small populations give many generations of selection, and the surrogate a
    model refitted often; 12 when the budget is unknown. The benchmark suite
    chose these numbers (docs/benchmarks.md): 11 beat 8 at budget 128, and 11 beat
    22 on the synthetic functions at budget 500. With two or three objectives the
    surrogate ranks 8 children per evaluation against the whole front, and a parent
    pool of 6 was as good or better at every budget of the multi-objective suite (64
    to 1,000 trials); it does not depend on the budget, so a run's first 64 trials
    are those of a run with budget 64. From four objectives the front needs more
    parents (DTLZ2 with five: 6 well below 12), and the size follows the budget.

    Examples
    --------
    >>> [default_population_size(n) for n in (None, 64, 128, 500, 2000)]
    [12, 8, 11, 12, 12]
    >>> [default_population_size(128, n_objectives=k) for k in (2, 3, 5)]
    [6, 6, 11]
    """
    check_int("n_objectives", n_objectives, 1)
    if 1 < n_objectives <= pareto.SMALL_FRONT:
        return 6
    if max_evaluations is None:
        return 12
    return int(min(12, max(8, round(math.sqrt(max_evaluations)))))


def default_offspring_size(population_size: int, n_objectives: int = 1, surrogate: bool = True,
                           conditional: bool = False) -> int:
    """Children per generation after the first: half the population (rounded up) when a surrogate picks
    them for one objective in a space with conditions, the whole population otherwise.

    In a space with conditions (model selection) the model is then refitted twice as often, and its
    believer (:class:`~evotune.GaussianProcessSurrogate`) spreads each generation over the branches it
    is unsure of: on the benchmark's model selection problems this gained 1.4 points over 0.20's whole
    generations at 64 trainings and was level at 128. Without conditions the scikit-learn problems were
    no better with it (trees and forests lost; docs/benchmarks.md), so such spaces keep whole
    generations, as do a plain genetic algorithm and several objectives (survival compares fronts).

    Examples
    --------
    >>> [default_offspring_size(p, conditional=True) for p in (8, 11, 12)]
    [4, 6, 6]
    >>> default_offspring_size(11), default_offspring_size(6, n_objectives=2, conditional=True)
    (11, 6)
    """
    check_int("population_size", population_size, 1)
    check_int("n_objectives", n_objectives, 1)
    halved = surrogate and conditional and n_objectives == 1
    return (population_size + 1) // 2 if halved else population_size


def trial_state(error: BaseException) -> str:
    """The trial state an evaluation error stands for: "timeout", "crashed" or "failed"."""
    return getattr(error, "trial_state", FAILED)


def _number(value: Any) -> float | None:
    """``value`` as a float (an int past float's range: infinity), or None when it is no real number."""
    if type(value) is float:  # the usual case, without the abstract-class check below
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return None
    try:
        return float(value)
    except OverflowError:
        return math.inf


def _flat(parts: tuple) -> list[float]:
    """Parts' losses in one list (several objectives: each part's, in turn)."""
    return [v for part in parts for v in (part if isinstance(part, tuple) else (part,))]


def _is_sequence(value: Any) -> bool:
    return (isinstance(value, Sequence) and not isinstance(value, (str, bytes))) or (
        isinstance(value, np.ndarray) and value.ndim == 1)


def _error_text(error: BaseException) -> str:
    if isinstance(error, EvaluationFailedError):  # already the text of an error from elsewhere
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}".strip()
    return text if len(text) <= _ERROR_TEXT_LIMIT else text[: _ERROR_TEXT_LIMIT - 3] + "..."


def _best(members: list[Individual], size: int) -> list[Individual]:
    """DEAP's ``selBest``: a stable sort by fitness, best first; by the weighted values its fitness
    comparisons compare, as tuples (a third of the time of calling those methods for every pair)."""
    return sorted(members, key=lambda member: member.fitness.wvalues, reverse=True)[:size]


def _rank_positions(members: list[Individual]) -> None:
    """Each member's fitness set to its position in ``members`` (best first): what tournaments compare with
    several objectives or constraints."""
    for position, member in enumerate(members):
        member.fitness.values = (float(position),)


class _Survivors:
    """The best ``size`` of a prefix of the trials, applied in number order (ties: lower number first).

    ``select(members, size)`` returns the best ``size``, best first (and may rewrite their fitness
    to their position); by default DEAP's ``selBest`` on their fitness. Trials added wait until
    the members are read, then are selected with them at once."""

    def __init__(self, size: int, select: Any = None):
        self.size = size
        self.select = select or _best
        self._members: list[Individual] = []
        self._added: list[Individual] = []
        self.count = 0  # trials applied: numbers 0 .. count - 1

    def add(self, ind: Individual) -> None:
        self._added.append(ind)
        self.count += 1

    @property
    def members(self) -> list[Individual]:
        if self._added:
            self._members, self._added = self.select(self._members + self._added, self.size), []
        return self._members


class _Generation:
    """What a generation's row needs while its trials come in."""

    def __init__(self) -> None:
        self.evaluated = self.failed = self.cached = 0
        self.first_error: tuple[int, str, BaseException | None] | None = None


class Evolution:
    """An ask/tell evolutionary search over a mixed space; asynchronous and deterministic.

    Parameters
    ----------
    space : Space or dict
        The parameters to search.
    settings : Settings, optional
        The search's settings (see :class:`~evotune.Settings`: direction,
        population and offspring sizes, ``lag``, operators, surrogate, initial
        points, hall of fame size, seed); keyword arguments set single ones:
        ``Evolution(space, population_size=24, seed=0)``. ``lag`` is 1 here unless
        given: each generation is bred from every trial before it.
    max_evaluations : int, optional
        The run's budget: picks the default population size, and cuts the last
        generation short (trials past it are not refused).
    keep_trials : bool
        Keep every trial in memory (:attr:`trials`). A run with storage turns
        this off: its trials live in the journal, and memory stays flat.

    Examples
    --------
    >>> import evotune as et
    >>> ev = et.Evolution({"x": et.Float(-5, 5), "k": et.Categorical(["a", "b"])},
    ...                   population_size=8, seed=0)
    >>> for _ in range(5):
    ...     batch = ev.ask()  # every candidate that can be proposed now: a generation at a time
    ...     ev.tell(batch, [c.params["x"] ** 2 + (c.params["k"] == "b") for c in batch])
    >>> ev.generation, len(ev.trials), ev.result().best_params["k"]
    (5, 40, 'a')

    Results may arrive in any order; the trials stay the same:

    >>> ev = et.Evolution({"x": et.Float(-5, 5)}, population_size=4, lag=3, seed=0)
    >>> first = ev.ask()
    >>> for c in reversed(first):
    ...     _ = ev.tell_one(c, c.params["x"] ** 2)
    >>> [c.number for c in ev.ask()]  # generation 1 (trials 4 .. 7) is bred from trials 0 .. 1
    [4, 5, 6, 7]
    >>> ev.ask()  # generation 2 (trials 8 .. 11) needs trials 0 .. 5: 4 and 5 are running
    []
    """

    def __init__(
        self,
        space: Space | Mapping[str, Any],
        settings: Settings | None = None,
        *,
        max_evaluations: int | None = None,
        keep_trials: bool = True,
        **changes: Any,
    ):
        check_int("max_evaluations", max_evaluations, 1, allow_none=True)
        settings = Settings.of(changes, settings)
        self.space = Space(space)
        self.genome = Genome(self.space)
        population_size = settings.population_size or default_population_size(max_evaluations,
                                                                               settings.n_objectives)
        #: The search's :class:`Settings`, with every default resolved (the seed drawn if none was given).
        self.config = settings.replace(
            population_size=population_size,
            offspring_size=settings.offspring_size or default_offspring_size(
                population_size, settings.n_objectives, settings.surrogate is not None,
                conditional=self.space.conditional),
            lag=settings.lag or 1,
            keep_extremes=(pareto.default_keep_extremes(settings.n_objectives, settings.keep_extremes)
                           if settings.n_objectives > 1 else None),
            seed=int(np.random.SeedSequence().entropy % 2**63) if settings.seed is None else settings.seed,
            # "auto" looks at the objective (optimize()); an Evolution of your own races when given a Racing
            racing=None if settings.racing == AUTO else settings.racing,
            fidelity=settings.fidelity and settings.fidelity.resolved(population_size, max_evaluations),
        )
        config = self.config
        self.direction = config.direction
        #: One direction per objective (a tuple of one in a single-objective search).
        self.directions = config.directions or (config.direction,)
        self._signs = tuple(d.sign for d in self.directions)
        self._part_sign = self._signs if len(self._signs) > 1 else self.direction.sign  # racing's parts
        self.constraints = config.constraints
        self._n_constraints: int | None = None  # fixed by the first trial that computes them
        self.surrogate: Surrogate | None = config.surrogate
        self.population_size, self.offspring_size, self.lag = population_size, config.offspring_size, config.lag
        self.hall_of_fame_size = config.hall_of_fame_size
        self.max_evaluations = max_evaluations
        cut = population_size + config.offspring_size
        if len(self._signs) >= 8 and cut > 32:
            warn(
                f"with {len(self._signs)} objectives, survival measures each trial's hypervolume contribution "
                f"exactly, one removal at a time, at a cost exponential in the objectives: a generation that "
                f"keeps {population_size} of {cut} trials can take minutes (48 -> 24 took 8 s at 8 objectives "
                f"and 430 s at 10; docs/benchmarks.md). Keep population_size + offspring_size <= 32 (the "
                f"default population is at most 12).", UserWarning)
        self.crossover = config.crossover or MixedCrossover()
        self.mutation = config.mutation or MixedMutation()
        self.selection = config.selection or Tournament()
        self.crossover_prob = float(config.crossover_prob)
        self.breeder = Breeder(self.genome, selection=self.selection, crossover=self.crossover,
                               mutation=self.mutation, crossover_prob=self.crossover_prob)
        initial = list(config.initial_points or [])
        for i, point in enumerate(initial):
            self.space.check_point(point, what=f"initial_points[{i}]")

        #: The seed of the run (drawn when none was given, so any run can be replayed).
        self.seed = int(config.seed)
        # several objectives or constraints: members are selected by pareto.survivors, and their fitness
        # is their position in its order (what tournaments compare)
        self._ordered = len(self.directions) > 1 or self.constraints is not None
        self._fitness = FitnessMin if self.direction is Direction.MINIMIZE or self._ordered else FitnessMax
        self._random = random.Random()  # DEAP's draws, reseeded for every proposal

        self._seen: set[int] = set()  # hashes of every asked genome (numbers only: stable)
        design_rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(_DESIGN,)))
        fidelity = config.fidelity
        screen = 1 if fidelity is None else fidelity.screen
        size = max(self.population_size * screen, len(initial))
        self._design = self.breeder.design(design_rng, initial, size, set())
        # a screening fidelity: generation 0 runs the smallest budget (each candidate's race a Screen),
        # its loss(es) there and genes kept by number; the best go on in the first generations after it
        self._screen = None if screen == 1 else Race(Screen(), fidelity.budgets, self._part_sign)
        self._screened: dict[int, tuple[Any, list]] = {}
        self._promotions: list[list] | None = None
        #: Size of generation 0: the population (``screen`` times it with a fidelity that screens;
        #: fewer only in a tiny finite space).
        self.n_initial = max(1, len(self._design))

        self._next_number = 0
        self._pending: dict[int, Candidate] = {}  # asked, not yet told
        self._results: dict[int, Individual] = {}  # told, not yet applied to the view
        order = self._survivors if self._ordered else None
        self._survival_orders: dict[tuple, np.ndarray] = {}  # (size, member numbers) -> pareto.survivors
        self._view = _Survivors(self.population_size, order)  # what proposals see
        self._reported = _Survivors(self.population_size, order)  # what history rows describe
        self._generations: dict[int, _Generation] = {}
        # (violation, losses, number, trial), best first; with several objectives, infeasible trials only
        self._hall: list[tuple[float, tuple, int, Trial]] = []
        self._front = pareto.Front(len(self._signs))  # several objectives: the feasible Pareto front's trials
        self._all: list[Trial] | None = [] if keep_trials else None
        # trials (number, genes, losses) for the surrogate, in number order; trimmed to the latest
        self._archive: list[tuple[int, list, tuple]] = []
        # racing's repeats: the keys of a trial's first parts -> the earliest such trial's (number, loss(es))
        self._repeats: dict[tuple, tuple[int, Any]] = {}
        # the generation being asked, its genes, and what its candidates race against
        self._block: tuple[int, list[list], Race | None] = (0, [], None)
        #: Number of trials told so far.
        self.n_told = 0
        self.history: list[GenerationStats] = []
        self.logbook = tools.Logbook()
        self._started = time.perf_counter()
        sign = self.direction.sign  # statistics describe the (first) objective's values
        self._stats = tools.Statistics(key=lambda ind: ind.losses[0] * sign)
        for name, fn in (("best", self.direction.best), ("mean", np.mean), ("std", np.std), ("worst", self.direction.worst)):
            self._stats.register(name, lambda values, fn=fn: float(fn(values)) if values else math.nan)
        #: True once a finite space has no point left that was not asked.
        self.exhausted = False

    # -- generations -------------------------------------------------------------------------
    def generation_of(self, number: int) -> int:
        """The generation trial ``number`` belongs to."""
        if number < self.n_initial:
            return 0
        return 1 + (number - self.n_initial) // self.offspring_size

    def _end_of(self, generation: int, cut: bool = True) -> int:
        """One past the last trial number of ``generation`` (``cut``: the budget cuts the last one short)."""
        end = self.n_initial + generation * self.offspring_size
        return end if self.max_evaluations is None or not cut else min(end, self.max_evaluations)

    @property
    def generation(self) -> int:
        """Generations completed so far (every trial of each told)."""
        return len(self.history)

    # -- ask ---------------------------------------------------------------------------------
    def ask(self, n: int | None = None) -> list[Candidate]:
        """Every candidate that can be proposed now, in number order (at most ``n``).

        A candidate can be proposed once the trials it is bred from are told, so
        an empty list means: tell pending results first (or, when nothing is
        pending, that a finite space is :attr:`exhausted`).
        """
        check_int("n", n, 1, allow_none=True)
        out: list[Candidate] = []
        while n is None or len(out) < n:
            candidate = self.ask_one()
            if candidate is None:
                break
            out.append(candidate)
        return out

    def ask_one(self) -> Candidate | None:
        """The next candidate, or None when it must wait for results (or the space is exhausted)."""
        number = self._next_number
        if self.exhausted or not self.ready(number):
            return None
        generation = self.generation_of(number)
        race = None
        if generation == 0:
            genes = self._design[number] if number < len(self._design) else None
            race = self._screen
        else:
            if self._block[0] != generation:
                self._block = (generation, self._propose(generation), self._race())
            offset = number - self._end_of(generation - 1, cut=False)
            genes = self._block[1][offset] if offset < len(self._block[1]) else None
            race = self._block[2]
        if genes is None:
            self.exhausted = True
            return None
        self._seen.add(hash(self.genome.key(genes)))
        self._next_number += 1
        candidate = Candidate(number, generation, self.genome.decode(genes), self.seed, genes, race)
        self._pending[number] = candidate
        return candidate

    def ready(self, number: int) -> bool:
        """Whether every trial that trial ``number`` is bred from has been told."""
        return self._reported.count >= self._view_size(self.generation_of(number))

    def _view_size(self, generation: int) -> int:
        """How many of the first trials ``generation`` is bred from (0: it is drawn at random, as its
        view would hold less than half of generation 0)."""
        if generation == 0:
            return 0
        if generation == 1 and self._screen is not None:
            return self.n_initial  # the best of the whole screen go on
        size = self._end_of(generation - 1, cut=False) - self.lag + 1
        return size if 2 * size >= self.n_initial else 0

    def _propose(self, generation: int) -> list[list]:
        """The genes of every trial of ``generation``, bred from its view (or drawn at random when the
        view holds less than half of generation 0: a wide ``lag`` makes the first generations random)."""
        count = self._view_size(generation)
        self._advance_view(count)
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(_BLOCK, generation)))
        size = self.offspring_size
        if self._screen is not None and (generation - 1) * size < self.population_size:
            return self._promoted(generation, rng)
        if count == 0:
            return self.breeder.fresh(rng, size, self._seen)
        self._random.seed(int(rng.integers(2**63)))
        surrogate = self.surrogate
        oversample = 1 if surrogate is None else surrogate.bred_per_evaluation(len(self.directions))
        # a share of the candidates are random points, so the model can pick one off a plateau
        sampled = round(size * oversample * surrogate.immigrants) if surrogate else 0
        weights = None
        if surrogate is not None:
            rows = self._archive[-surrogate.window :]  # the latest trials of the view
            genes, losses = [genes for _, genes, _ in rows], np.array([loss for _, _, loss in rows])
            # which genes matter, so mutation varies them more often (only where the model ranks: 1 is off)
            if len(self.directions) == 1 and oversample > 1 and rows:
                weights = surrogate.gene_weights(self.genome, genes, losses[:, 0])
        hits = self.breeder.cache_hits
        with engine_random(self._random):
            children = self.breeder.variations(self._view.members, size * oversample - sampled, self._seen,
                                               weights)
        self._generation(generation).cached += self.breeder.cache_hits - hits
        taken = {self.genome.key(g) for g in children}  # fresh points and mutants add theirs
        children += self.breeder.fresh(rng, size * oversample - len(children), self._seen, taken)
        if surrogate is None:
            return children[:size]
        # with one objective, each branch's best trial also breeds (conditions: e.g. a model family the
        # population left behind), so the model can pick a refinement of it rather than a random point
        if surrogate.branch_mutants and self.genome.conditional and oversample > 1 and len(self.directions) == 1:
            with engine_random(self._random):
                children += self.breeder.branch_mutants(genes, losses[:, 0].tolist(), surrogate.branch_mutants,
                                                        self._seen, taken)
        if len(children) > size:
            seed = int(rng.integers(2**31))
            if losses.shape[1] == 1:
                order = surrogate.rank(self.genome, genes, losses[:, 0], children, seed=seed)
            else:
                order = surrogate.rank_front(self.genome, genes, losses, children, seed=seed)
            children = [children[i] for i in order]
            children = self.breeder.over_branches(children, genes, size, surrogate.branch_share, generation)
        return children[:size]

    def _promoted(self, generation: int, rng: np.random.Generator) -> list[list]:
        """A screening fidelity's next generation: its share of the population's worth of screened candidates
        best at the smallest budget (run anew at every budget), random points if too few were screened."""
        if self._promotions is None:
            numbers = sorted(self._screened)
            losses = np.array([np.atleast_1d(self._screened[n][0]) for n in numbers])
            losses = losses.reshape(len(numbers), -1)
            order = [] if not numbers else pareto.survivors(losses, None, self.population_size,
                                                            self.config.keep_extremes)
            self._promotions = [self._screened[numbers[i]][1] for i in order]
        start = (generation - 1) * self.offspring_size
        chunk = self._promotions[start : start + self.offspring_size]
        return chunk + self.breeder.fresh(rng, self.offspring_size - len(chunk), self._seen)

    def _race(self) -> Race | None:
        """What the generation just proposed races against (see :mod:`evotune.racing`): made by the
        rule from the parts of its view's completed members, best first; None when racing is off
        or no member ran every part."""
        rule = self.config.racing or self.config.fidelity
        if rule is None:
            return None
        members = [m for m in self._view.members
                   if m.parts is not None and all(map(math.isfinite, _flat(m.parts)))]
        several = len(self._signs) > 1
        if several:  # the front racing compares with: feasible members', if any
            members = [m for m in members if m.violation == 0] or members
        if not members:
            return None
        parts = [m.parts for m in members]
        repeats = self._repeats if getattr(rule, "repeats", False) else None
        return Race(rule, rule.reference(parts), self._part_sign, rule.pool(parts), repeats, self._view.count)

    def _advance_view(self, count: int) -> None:
        """Apply told trials, in number order, until the view holds the first ``count``."""
        view = self._view
        while view.count < count:
            number = view.count
            told = self._results.pop(number)
            view.add(told)
            racing = self.config.racing
            first = racing.first_keys(told.keys) if racing is not None and racing.repeats else None
            if first is not None and all(map(math.isfinite, told.losses)):
                loss = told.losses[0] if len(told.losses) == 1 else told.losses
                self._repeats.setdefault(first, (number, loss))
            if self.surrogate is not None and not (told.estimated and math.isnan(told.losses[0])):
                # infeasible trials count as failed; a screened one, with no estimate, tells nothing
                losses = told.losses if told.violation == 0 else (math.nan,) * len(told.losses)
                self._archive.append((number, list(told), losses))
                if len(self._archive) > 2 * self.surrogate.window:  # memory stays flat
                    del self._archive[: len(self._archive) - self.surrogate.window]

    # -- tell --------------------------------------------------------------------------------
    def tell(
        self,
        candidates: Sequence[Candidate],
        values: Sequence[Any],
        durations: Sequence[float] | None = None,
    ) -> None:
        """Record the values (and optionally the durations, in seconds) of asked candidates, in any order.

        A value is a number, a ``(number, info)`` pair whose ``info`` dict is kept
        in the trial (extra metrics, per-fold scores), or the exception the
        evaluation raised. Exceptions, NaN, infinities and non-numbers become
        failed trials, ranked worst.
        """
        if len(values) != len(candidates):
            raise InvalidParameterError(
                f"tell(): got {len(values)} value(s) for {len(candidates)} candidate(s)."
            )
        if durations is not None and len(durations) != len(candidates):
            raise InvalidParameterError(
                f"tell(): got {len(durations)} duration(s) for {len(candidates)} candidate(s)."
            )
        self._check_pending(candidates)
        for i, (candidate, value) in enumerate(zip(candidates, values)):
            self.tell_one(candidate, value, 0.0 if durations is None else float(durations[i]))

    def _check_pending(self, candidates: Sequence[Candidate]) -> None:
        unknown = [c.number for c in candidates if c.number not in self._pending]
        if unknown:
            raise InvalidParameterError(
                f"tell(): candidate number(s) {unknown} are not pending; pending: {sorted(self._pending)}."
            )

    def tell_one(
        self,
        candidate: Candidate,
        value: Any,
        duration: float = 0.0,
        worker: str | None = None,
        started: float | None = None,
        parts: Sequence[float] | None = None,
    ) -> Trial:
        """Tell one candidate's value, with where and when it ran (and its parts' values); returns its trial."""
        trial = self.judge(candidate, value, duration, worker, started, parts)
        self.told(trial, candidate.genes, cause=value if isinstance(value, BaseException) else None)
        return trial

    def judge(
        self,
        candidate: Candidate,
        value: Any,
        duration: float = 0.0,
        worker: str | None = None,
        started: float | None = None,
        parts: Sequence[float] | None = None,
    ) -> Trial:
        """The trial a pending candidate's value makes (nothing is recorded yet: see :meth:`told`)."""
        if candidate.number not in self._pending:
            self._check_pending([candidate])  # raises, naming it
        values, state, error, info = self._judge(value)
        constraints = None
        if state is COMPLETE and self.constraints is not None:
            constraints, error = self._constrain(candidate.params, values, info)
            if error is not None:
                values, state = (math.nan,) * len(values), FAILED
        return Trial(candidate.number, candidate.generation, candidate.params, values[0], state, duration, error,
                     worker, started, info, None if parts is None else tuple(parts), values, constraints)

    def told(self, trial: Trial, genes: list, cause: BaseException | None = None) -> None:
        """Record a finished trial of a pending candidate: from :meth:`tell_one`, or from a journal (resume).

        ``genes`` may differ from the candidate's: a journal written by another version of the
        search holds what it evaluated at that number, and that is what the search goes on from.
        Raises :class:`AllEvaluationsFailedError` when this tell completes a
        generation 0 in which every evaluation failed.
        """
        candidate = self._pending.pop(trial.number)
        params = candidate.params
        if genes is not candidate.genes and list(genes) != list(candidate.genes):
            params = self.genome.decode(genes)
            self._seen.add(hash(self.genome.key(genes)))
        if trial.params is not params or trial.generation != candidate.generation:
            trial = dataclasses.replace(trial, params=params, generation=candidate.generation)
        parts = None if trial.parts is None else tuple(part_losses(trial.parts, self._part_sign))
        estimated = trial.state is PRUNED and candidate.race is not None and bool(parts)
        info = trial.info
        keys = info.get("part_keys") if info is not None and isinstance(info, Mapping) else None
        keys = tuple(keys) if isinstance(keys, (list, tuple)) else None
        screened = self._screen is not None and candidate.race is self._screen and estimated
        if screened and all(map(math.isfinite, _flat(parts[:1]))):
            self._screened[trial.number] = (parts[0], genes)
        if trial.ok:
            losses = tuple(map(operator.mul, self._signs, trial.values))
        elif estimated:  # ranks it for selection and the surrogate, below the reference it did not beat
            estimate = candidate.race.estimate(parts, keys)
            losses = tuple(estimate) if isinstance(estimate, tuple) else (estimate,)
        else:
            losses = (math.nan,) * len(self._signs)
        if trial.constraints is not None:
            self._n_constraints = len(trial.constraints)
        self._results[trial.number] = self._individual(
            trial.number, genes, losses, parts if trial.ok else None, estimated, trial.violation, keys)
        if self._all is not None:
            self._all.append(trial)
        self.n_told += 1
        row = self._generation(trial.generation)
        row.evaluated += 1
        if trial.ok and len(losses) > 1 and trial.feasible:
            self._front.add(losses, trial.number, trial)
        elif trial.ok:
            # numbers differ: the trials themselves are never compared
            bisect.insort(self._hall, (trial.violation, losses, trial.number, trial))
            del self._hall[self.hall_of_fame_size :]
        elif trial.state is not PRUNED:
            row.failed += 1
            if row.first_error is None or trial.number < row.first_error[0]:
                row.first_error = (trial.number, trial.error or trial.state, cause)
        self._report()

    def _survivors(self, members: list[Individual], size: int) -> list[Individual]:
        """The ``size`` best of ``members``, best first (:func:`evotune.pareto.survivors`), each one's fitness
        set to its position."""
        key = (size, *(m.number for m in members))
        order = self._survival_orders.get(key)
        if order is None:  # the proposals' view and the reported one mostly select the same trials
            order = pareto.survivors(np.array([m.losses for m in members]), np.array([m.violation for m in members]),
                                     size, self.config.keep_extremes)
            if len(self._survival_orders) >= 4:
                self._survival_orders.clear()
            self._survival_orders[key] = order
        ranked = [members[i] for i in order]
        _rank_positions(ranked)
        return ranked

    def _generation(self, generation: int) -> _Generation:
        row = self._generations.get(generation)
        if row is None:
            row = self._generations[generation] = _Generation()
        return row

    def _report(self) -> None:
        """Apply the trials told in number order to the reported survivors; write finished generations' rows."""
        reported, results = self._reported, self._results
        while reported.count in results:
            reported.add(results[reported.count])  # the view takes the same individual later
            if reported.count == self._end_of(self.generation):
                self._end_generation()

    def _individual(self, number: int, genes: list, losses: tuple, parts: tuple | None, estimated: bool,
                    violation: float, keys: tuple | None) -> Individual:
        """A told trial as a DEAP individual, for the reported survivors and the proposals' view both.

        Its fitness is the trial's value (a failed trial's: the worst possible; with several objectives
        or constraints, its position in the survivors' order, set by each selection). ``losses``: one per
        objective (values times their direction's sign; NaN when it failed); ``parts``: a completed trial's
        parts' losses (a racing reference; several objectives: tuples); ``estimated``: the losses are a
        pruned trial's estimate, left out of the history's statistics; ``violation``: how far from
        feasible; ``keys``: its parts' keys (``info["part_keys"]``, fingerprints of the folds' models:
        racing's repeats)."""
        ind = Individual(genes, self._fitness, number)
        loss = losses[0]
        ind.fitness.values = ((math.inf if math.isnan(loss) else loss) * self.direction.sign,)
        ind.parts, ind.estimated, ind.losses, ind.violation = parts, estimated, losses, violation
        ind.keys = keys
        return ind

    def _end_generation(self) -> None:
        generation = self.generation
        row = self._generations.pop(generation, _Generation())
        first = row.first_error
        if row.failed and row.failed == row.evaluated and generation == 0:
            raise AllEvaluationsFailedError(
                f"all {row.failed} evaluations of the first generation failed; the first error was: {first[1]}"
            ) from first[2]
        if row.failed:
            warn(f"{row.failed} of {row.evaluated} evaluations failed in generation {generation} (ranked "
                 f"worst); first error: {first[1]}", FailedEvaluationWarning)
        population = self._reported.members
        completed = [ind for ind in population if math.isfinite(ind.losses[0]) and not ind.estimated]
        stats = self._stats.compile(completed)
        stats = GenerationStats(
            generation=generation,
            best=stats["best"],
            mean=stats["mean"],
            std=stats["std"],
            worst=stats["worst"],
            best_so_far=stats["best"],  # the population holds the best trials so far
            evaluated=row.evaluated,
            failed=row.failed,
            cached=row.cached,
            diversity=self.genome.diversity(population),
            elapsed=time.perf_counter() - self._started,
        )
        self.history.append(stats)
        self.logbook.record(**vars(stats))

    def _judge(self, value: Any) -> tuple[tuple[float, ...], str, str | None, dict | None]:
        """The values (one per objective; NaN unless complete), state, error text and info of an evaluation."""
        if type(value) is tuple and len(value) == len(self._signs) > 1 and all(
                type(v) is float and math.isfinite(v) for v in value):
            return value, COMPLETE, None, None  # the usual return with several objectives, checked at once
        info, failed = None, (math.nan,) * len(self._signs)
        if isinstance(value, Pruned):  # stopped by racing: the value of the parts it ran
            several = _is_sequence(value.value) and len(value.value) == len(self._signs) > 1
            numbers = [_number(v) for v in (value.value if several else [value.value])]
            return tuple(math.nan if v is None else v for v in numbers), PRUNED, None, value.info
        value, info = split_info(value)
        info = None if info is None else dict(info)
        if isinstance(value, BaseException):
            return failed, trial_state(value), _error_text(value), info
        if len(self._signs) == 1:
            number = _number(value)
            if number is not None and math.isfinite(number):
                return (number,), COMPLETE, None, info
            expected = "a number"
        else:
            numbers = [_number(v) for v in value] if _is_sequence(value) and len(value) == len(self._signs) else []
            if numbers and all(v is not None and math.isfinite(v) for v in numbers):
                return tuple(numbers), COMPLETE, None, info
            expected = f"{len(self._signs)} finite numbers, one per direction ({', '.join(map(str, self.directions))})"
        shown = f"{value!r}"[:200] + ("" if _is_sequence(value) or _number(value) is not None else f" ({type(value).__name__})")
        return failed, FAILED, _error_text(EvaluationFailedError(f"objective returned {shown}; expected {expected}")), info

    def _constrain(self, params: dict, values: tuple, info: dict | None) -> tuple[tuple | None, str | None]:
        """The constraint values of a completed evaluation, or the error that fails it."""
        try:
            got = self.constraints(params, values[0] if len(values) == 1 else values, info)
        except Exception as exc:  # noqa: BLE001 - a failing constraint fails its trial, not the run
            return None, _error_text(EvaluationFailedError(f"constraints raised {_error_text(exc)}"))
        numbers = [_number(v) for v in got] if _is_sequence(got) else [_number(got)]
        expected = self._n_constraints or len(numbers)
        if not numbers or len(numbers) != expected or not all(v is not None and not math.isnan(v) for v in numbers):
            what = f"{expected} number(s), as for earlier trials" if self._n_constraints else "a number or numbers"
            return None, _error_text(EvaluationFailedError(f"constraints returned {got!r}; expected {what}"))
        return tuple(numbers), None

    # -- results -----------------------------------------------------------------------------
    @property
    def population(self) -> list[Individual]:
        """The survivors: the best ``population_size`` of the trials told so far without a gap in
        their numbers (a generation is bred from those of its view: see the module docstring)."""
        members = self._reported.members
        if self._ordered:  # the view shares these individuals, and its selection gave them its own positions
            _rank_positions(members)
        return members

    @property
    def hall_of_fame(self) -> list[Trial]:
        """The best completed trials told so far, best first (ties: lower number first): feasible ones only,
        unless none is feasible (then the least infeasible). With several objectives, the Pareto front
        of every feasible trial, ordered by the first objective (all of it: no size limit)."""
        if self._front:
            return list(self._front)
        trials = [trial for _, _, _, trial in self._hall]
        return [t for t in trials if t.feasible] if trials and trials[0].feasible else trials

    @property
    def trials(self) -> list[Trial]:
        """Every told trial, by trial number."""
        if self._all is None:
            raise EvotuneError("trials are not kept in memory (keep_trials=False); read them from the storage.")
        return sorted(self._all, key=lambda t: t.number)

    @property
    def next_number(self) -> int:
        """The number the next asked candidate will get."""
        return self._next_number

    @property
    def n_pending(self) -> int:
        """Candidates asked but not yet told."""
        return len(self._pending)

    def result(self, stop_reason: str = "") -> Result:
        """A snapshot of the run so far."""
        return Result(
            trials=self.trials if self._all is not None else [],
            history=list(self.history),
            hall_of_fame=self.hall_of_fame,
            direction=self.direction,
            seed=self.seed,
            stop_reason=stop_reason,
            settings=self.settings(),
            space=self.space,
            directions=self.directions,
        )

    def settings(self) -> dict[str, Any]:
        """The settings that define this search, as the run file stores them (reports, resume checks)."""
        return {"space": repr(self.space), **self.config.stored()}
