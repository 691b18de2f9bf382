"""Evolution: the ask/tell population loop.

Generation 0 is a space-filling sample (plus any starting points the user
gives). Every later generation breeds ``offspring_size`` new children from the
evaluated population: tournament selection, crossover, mutation, repair into the
space. A child that repeats an evaluated point is a cache hit: it is counted and
bred again, so the budget only buys new points. With a surrogate (the default),
several times more children are bred than evaluated, and a model fitted on the
trials so far picks the most promising ones (see :mod:`evotune.surrogate`).
When all of a generation's children are told, (mu + lambda) survival keeps the
best ``population_size`` of parents and children (elitism), the hall of fame is
updated and a history row is written.
"""

from __future__ import annotations

import math
import numbers
import random
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._checks import check_int, check_number
from ._deap import FitnessMax, FitnessMin, Individual, engine_random, tools
from .exceptions import (
    AllEvaluationsFailedError,
    EvaluationFailedError,
    EvotuneError,
    FailedEvaluationWarning,
    InvalidParameterError,
)
from .genome import ENUMERATION_LIMIT, Genome
from .operators import Crossover, MixedCrossover, MixedMutation, Mutation, Tournament
from .result import COMPLETE, FAILED, GenerationStats, Result, Trial
from .space import Space
from .surrogate import GaussianProcessSurrogate, Surrogate

__all__ = ["Evolution", "Candidate", "default_population_size", "trial_state"]

_DIRECTIONS = ("minimize", "maximize")
_ERROR_TEXT_LIMIT = 500


def default_population_size(max_evaluations: int | None = None) -> int:
    """Population size for a budget: about ``sqrt(max_evaluations)``, between 8 and 12.

    Small populations give many generations of selection, and the surrogate a
    model refitted often; 12 when the budget is unknown. The benchmark suite
    chose these numbers (docs/benchmarks.md): 11 beat 8 at budget 128, and 11 beat
    22 on the synthetic functions at budget 500.

    Examples
    --------
    >>> [default_population_size(n) for n in (None, 64, 128, 500, 2000)]
    [12, 8, 11, 12, 12]
    """
    if max_evaluations is None:
        return 12
    return int(min(12, max(8, round(math.sqrt(max_evaluations)))))


def trial_state(error: BaseException) -> str:
    """The trial state an evaluation error stands for: "timeout", "crashed" or "failed"."""
    return getattr(error, "trial_state", FAILED)


def _error_text(error: BaseException) -> str:
    if isinstance(error, EvaluationFailedError):  # already the text of an error from elsewhere
        text = str(error)
    else:
        text = f"{type(error).__name__}: {error}".strip()
    return text if len(text) <= _ERROR_TEXT_LIMIT else text[: _ERROR_TEXT_LIMIT - 3] + "..."


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

    @property
    def seed(self) -> int:
        """Seed for this evaluation (e.g. a model's ``random_state``)."""
        sequence = np.random.SeedSequence(self._entropy, spawn_key=(1, self.number))
        return int(sequence.generate_state(1)[0])


class Evolution:
    """An ask/tell evolutionary search over a mixed space.

    Parameters
    ----------
    space : Space or dict
        The parameters to search.
    direction : {"minimize", "maximize"}
        Whether smaller or larger objective values are better.
    population_size : int, optional
        Number of survivors per generation (mu) and the size of generation 0.
        Default: :func:`default_population_size` of ``max_evaluations``.
    offspring_size : int, optional
        Children bred per generation (lambda); default ``population_size``.
    crossover, mutation, selection :
        Variation operators; defaults :class:`~evotune.operators.MixedCrossover`,
        :class:`~evotune.operators.MixedMutation`, :class:`~evotune.operators.Tournament`.
    crossover_prob : float
        Chance that two parents are recombined before mutation.
    surrogate : Surrogate, True or None
        Picks the children worth evaluating among ``oversample`` times as many
        bred (see :mod:`evotune.surrogate`). ``True``: the default
        :class:`~evotune.surrogate.GaussianProcessSurrogate`; ``None`` or ``False``:
        evaluate every bred child, as a plain genetic algorithm does.
    initial_points : list of dict, optional
        Points to evaluate in generation 0 (missing parameters are sampled).
    hall_of_fame_size : int
        How many of the best distinct trials to keep.
    max_evaluations : int, optional
        The run's budget; only used to pick the default population size.
    keep_trials : bool
        Keep every trial in memory (:attr:`trials`). A run with storage turns
        this off: its trials live in the journal, and memory stays flat.
    seed : int, optional
        Seed of every random choice; ``None`` draws one (see :attr:`seed`).

    Examples
    --------
    >>> import evotune as et
    >>> ev = et.Evolution({"x": et.Float(-5, 5), "k": et.Categorical(["a", "b"])},
    ...                   population_size=8, seed=0)
    >>> for _ in range(5):
    ...     batch = ev.ask()
    ...     ev.tell(batch, [c.params["x"] ** 2 + (c.params["k"] == "b") for c in batch])
    >>> ev.generation, len(ev.trials), ev.result().best_params["k"]
    (5, 40, 'a')
    """

    def __init__(
        self,
        space: Space | Mapping[str, Any],
        *,
        direction: str = "minimize",
        population_size: int | None = None,
        offspring_size: int | None = None,
        crossover: Crossover | None = None,
        mutation: Mutation | None = None,
        selection: Any = None,
        crossover_prob: float = 0.9,
        surrogate: Surrogate | bool | None = True,
        initial_points: Sequence[Mapping[str, Any]] | None = None,
        hall_of_fame_size: int = 10,
        max_evaluations: int | None = None,
        keep_trials: bool = True,
        seed: int | None = None,
    ):
        if direction not in _DIRECTIONS:
            raise InvalidParameterError(f"`direction` must be one of {_DIRECTIONS}; got {direction!r}.")
        check_int("population_size", population_size, 2, allow_none=True)
        check_int("offspring_size", offspring_size, 1, allow_none=True)
        check_int("hall_of_fame_size", hall_of_fame_size, 1)
        check_int("max_evaluations", max_evaluations, 1, allow_none=True)
        check_int("seed", seed, 0, allow_none=True)
        check_number("crossover_prob", crossover_prob, "a probability in [0, 1]", lambda v: 0 <= v <= 1)
        for name, op in (("crossover", crossover), ("mutation", mutation), ("selection", selection)):
            if op is not None and not callable(op):
                raise InvalidParameterError(f"`{name}` must be callable; got {op!r}.")
        if surrogate is True:
            surrogate = GaussianProcessSurrogate()
        if surrogate not in (None, False) and not isinstance(surrogate, Surrogate):
            raise InvalidParameterError(
                f"`surrogate` must be a Surrogate (e.g. GaussianProcessSurrogate()), True or None; "
                f"got {surrogate!r}."
            )
        self.surrogate: Surrogate | None = surrogate or None
        self.space = Space(space)
        self.genome = Genome(self.space)
        self.direction = direction
        self.population_size = population_size or default_population_size(max_evaluations)
        self.offspring_size = offspring_size or self.population_size
        self.crossover = crossover or MixedCrossover()
        self.mutation = mutation or MixedMutation()
        self.selection = selection or Tournament()
        self.crossover_prob = float(crossover_prob)
        initial = list(initial_points or [])
        for i, point in enumerate(initial):
            self.space.check_point(point, what=f"initial_points[{i}]")
        self._initial = initial

        #: The seed of the run (drawn when none was given, so any run can be replayed).
        self.seed = int(np.random.SeedSequence().entropy % 2**63) if seed is None else int(seed)
        sample_seed, deap_seed = np.random.SeedSequence(self.seed).spawn(2)
        self._rng = np.random.default_rng(sample_seed)
        # DEAP's operators draw from a random.Random, reseeded from this stream every
        # generation, so the whole engine state is two small numpy generator states.
        self._deap_rng = np.random.default_rng(deap_seed)
        self._random = random.Random()
        self._fitness = FitnessMin if direction == "minimize" else FitnessMax
        self._worst = math.inf if direction == "minimize" else -math.inf

        self.generation = 0
        self.population: list[Individual] = []
        self._all: list[Trial] | None = [] if keep_trials else None
        self._generation_trials: dict[int, Trial] = {}  # this generation's, by number
        self._hall_trials: dict[int, Trial] = {}  # the hall of fame's, by number
        self._next_number = 0
        #: Number of trials told so far.
        self.n_told = 0
        self.history: list[GenerationStats] = []
        self.logbook = tools.Logbook()
        self.hall_of_fame = tools.HallOfFame(hall_of_fame_size)
        self._seen: set[int] = set()  # hashes of every evaluated genome (numbers only: stable)
        # trials (number, genes, loss) for the surrogate; trimmed to the latest, so memory stays flat
        self._archive: list[tuple[int, list, float]] = []
        self._pending: dict[int, Individual] = {}
        self._offspring: list[Individual] = []
        self._errors: dict[int, BaseException | str] = {}  # this generation's, by trial number
        self._cache_hits = 0
        self._started = time.perf_counter()
        self._stats = tools.Statistics(key=lambda ind: ind.fitness.values[0])
        for name, fn in (("best", self._best), ("mean", np.mean), ("std", np.std), ("worst", self._worst_of)):
            self._stats.register(name, lambda values, fn=fn: float(fn(values)) if values else math.nan)
        self.exhausted = False

    # -- ask ---------------------------------------------------------------------------------
    def ask(self, n: int | None = None) -> list[Candidate]:
        """The next candidates to evaluate: a whole generation, or ``n`` of it.

        Returns an empty list when the space is finite and every point has been
        evaluated (:attr:`exhausted` is then True).
        """
        if self._pending:
            raise EvotuneError(
                f"ask(): {len(self._pending)} candidate(s) of generation {self.generation} are "
                f"still untold; tell() their values first."
            )
        check_int("n", n, 1, allow_none=True)
        if self.generation == 0:
            size = max(self.population_size, len(self._initial))
        else:
            size = self.offspring_size
        size = size if n is None else min(size, n)
        self._cache_hits = 0
        self._random.seed(int(self._deap_rng.integers(2**63)))
        with engine_random(self._random):
            if self.generation == 0 or not self.population:
                genomes = self._initial_genomes(size)
            else:
                genomes = self._breed(size)
        if len(genomes) < size:
            genomes += self._fresh(size - len(genomes), {tuple(g) for g in genomes})
        if not genomes:
            self.exhausted = True
            return []
        candidates = []
        for genes in genomes:
            number = self._next_number
            self._next_number += 1
            self._pending[number] = Individual(genes, self._fitness, number)
            candidates.append(Candidate(number, self.generation, self.genome.decode(genes), self.seed, genes))
        self._offspring = list(self._pending.values())
        return candidates

    def _initial_genomes(self, size: int) -> list[list]:
        genomes = [self.genome.complete(point, self._rng) for point in self._initial[:size]]
        genomes += self.genome.sample(self._rng, size - len(genomes))
        unique = {}
        for genes in genomes:
            key = tuple(genes)
            if hash(key) not in self._seen:
                unique.setdefault(key, genes)
        return list(unique.values())

    def _breed(self, size: int) -> list[list]:
        oversample = self.surrogate.oversample if self.surrogate else 1
        if oversample == 1:
            return self._variations(size)
        # a share of the candidates are random points, so the model can pick one off a plateau
        sampled = round(size * oversample * self.surrogate.immigrants)
        children = self._variations(size * oversample - sampled)
        children += self._fresh(sampled, {tuple(genes) for genes in children})
        if len(children) <= size:
            return children
        archive = self._latest_trials()
        order = self.surrogate.rank(
            self.genome,
            [genes for _, genes, _ in archive],
            np.array([loss for _, _, loss in archive]),
            children,
            seed=int(self._rng.integers(2**31)),
        )
        return [children[i] for i in order[:size]]

    def _variations(self, size: int) -> list[list]:
        """Up to ``size`` distinct children not evaluated before: selection, crossover, mutation."""
        genome, children, seen = self.genome, [], set()
        tries = 0
        while len(children) < size and tries < 10 * size + 20:
            parents = self.selection(self.population, 2)
            pair = [list(parents[0]), list(parents[1])]
            if random.random() < self.crossover_prob:
                self.crossover(genome, *pair)
                genome.repair(pair[0])
                genome.repair(pair[1])
            for child in pair:
                tries += 1
                self.mutation(genome, child)
                key = tuple(genome.repair(child))
                if hash(key) in self._seen:
                    self._cache_hits += 1
                elif key not in seen and len(children) < size:
                    seen.add(key)
                    children.append(child)
        return children

    def _fresh(self, n: int, taken: set[tuple]) -> list[list]:
        """Up to ``n`` points neither evaluated nor in ``taken``: sampled, or enumerated when finite."""
        out: list[list] = []
        for _ in range(10):
            for genes in self.genome.sample(self._rng, n):
                key = tuple(genes)
                if hash(key) not in self._seen and key not in taken and len(out) < n:
                    taken.add(key)
                    out.append(genes)
            if len(out) == n:
                return out
        if self.genome.cardinality <= ENUMERATION_LIMIT:
            for index in self._rng.permutation(int(self.genome.cardinality)):
                genes = self.genome.point(int(index))
                key = tuple(genes)
                if hash(key) not in self._seen and key not in taken:
                    taken.add(key)
                    out.append(genes)
                    if len(out) == n:
                        break
        return out

    # -- tell --------------------------------------------------------------------------------
    def tell(
        self,
        candidates: Sequence[Candidate],
        values: Sequence[Any],
        durations: Sequence[float] | None = None,
    ) -> None:
        """Record the values (and optionally the durations, in seconds) of asked candidates.

        A value is a number, a ``(number, info)`` pair whose ``info`` dict is kept
        in the trial (extra metrics, per-fold scores), or the exception the
        evaluation raised. Exceptions, NaN, infinities and non-numbers become
        failed trials, ranked worst. The generation ends when its last candidate
        is told.
        """
        if len(values) != len(candidates):
            raise InvalidParameterError(
                f"tell(): got {len(values)} value(s) for {len(candidates)} candidate(s)."
            )
        if durations is not None and len(durations) != len(candidates):
            raise InvalidParameterError(
                f"tell(): got {len(durations)} duration(s) for {len(candidates)} candidate(s)."
            )
        unknown = [c.number for c in candidates if c.number not in self._pending]
        if unknown:
            raise InvalidParameterError(
                f"tell(): candidate number(s) {unknown} are not pending; pending: {sorted(self._pending)}."
            )
        for i, (candidate, value) in enumerate(zip(candidates, values)):
            self.record(candidate, value, 0.0 if durations is None else float(durations[i]))

    def record(
        self,
        candidate: Candidate,
        value: Any,
        duration: float = 0.0,
        worker: str | None = None,
        started: float | None = None,
    ) -> Trial:
        """Tell one candidate's value, with where and when it ran; returns its trial."""
        ind = self._pending.pop(candidate.number, None)
        if ind is None:
            raise InvalidParameterError(
                f"tell(): candidate number(s) {[candidate.number]} are not pending; pending: {sorted(self._pending)}."
            )
        value, state, error, info = self._judge(candidate.number, value)
        trial = Trial(
            candidate.number, candidate.generation, candidate.params, value, state, duration, error, worker, started, info
        )
        self._store(ind, trial)
        return trial

    def replay(self, candidate: Candidate, trial: Trial) -> None:
        """Tell a candidate the trial a previous session recorded for it (resume)."""
        ind = self._pending.pop(candidate.number, None)
        if ind is None:
            raise InvalidParameterError(f"replay(): candidate number {candidate.number} is not pending.")
        if not trial.ok:
            self._errors[trial.number] = trial.error or trial.state
        self._store(ind, Trial(**{**vars(trial), "params": candidate.params}))

    def _store(self, ind: Individual, trial: Trial) -> None:
        ind.fitness.values = (trial.value if trial.ok else self._worst,)
        self._seen.add(hash(tuple(ind)))
        self._remember(trial.number, list(ind), trial.value if trial.ok else None)
        self._generation_trials[trial.number] = trial
        if self._all is not None:
            self._all.append(trial)
        self.n_told += 1
        if not self._pending and self._offspring:
            try:
                self._end_generation()
            except AllEvaluationsFailedError as exc:
                exc.trial = trial  # the trial whose tell ended the generation, for the journal
                raise

    def _remember(self, number: int, genes: list, value: float | None) -> None:
        if self.surrogate is not None:
            loss = math.nan if value is None else (value if self.direction == "minimize" else -value)
            self._archive.append((number, genes, loss))
            if len(self._archive) > 2 * self.surrogate.window:
                self._archive = self._latest_trials()

    def _latest_trials(self) -> list[tuple[int, list, float]]:
        """The surrogate's ``window`` highest-numbered trials, by number (whatever the order of tells)."""
        return sorted(self._archive, key=lambda entry: entry[0])[-self.surrogate.window :]

    def _judge(self, number: int, value: Any) -> tuple[float, str, str | None, dict | None]:
        info = None
        if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], Mapping):
            value, info = value[0], dict(value[1])
        return (*self._judge_value(number, value), info)

    def _judge_value(self, number: int, value: Any) -> tuple[float, str, str | None]:
        if isinstance(value, BaseException):
            self._errors[number] = value
            return math.nan, trial_state(value), _error_text(value)
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            text = f"objective returned {value!r} ({type(value).__name__}); expected a number"
        elif not math.isfinite(value):
            text = f"objective returned {float(value)!r}"
        else:
            return float(value), COMPLETE, None
        self._errors[number] = text
        return math.nan, FAILED, text

    def _end_generation(self) -> None:
        offspring, self._offspring = self._offspring, []
        trials, self._generation_trials = self._generation_trials, {}
        failed = sum(not trials[ind.number].ok for ind in offspring)
        errors, self._errors = self._errors, {}
        first = errors[min(errors)] if errors else None
        first_text = trials[min(errors)].error if errors else None
        if failed and failed == len(offspring) and self.generation == 0:
            raise AllEvaluationsFailedError(
                f"all {failed} evaluations of the first generation failed; the first error was: {first_text}"
            ) from (first if isinstance(first, BaseException) else None)
        if failed:
            warnings.warn(
                f"{failed} of {len(offspring)} evaluations failed in generation {self.generation} "
                f"(ranked worst); first error: {first_text}",
                FailedEvaluationWarning,
                stacklevel=3,
            )
        self.population = tools.selBest(self.population + offspring, self.population_size)
        self.hall_of_fame.update([ind for ind in offspring if trials[ind.number].ok])
        self._hall_trials = {
            ind.number: self._hall_trials.get(ind.number) or trials[ind.number] for ind in self.hall_of_fame
        }
        completed = [ind for ind in self.population if math.isfinite(ind.fitness.values[0])]
        row = self._stats.compile(completed)
        best_so_far = self.hall_of_fame[0].fitness.values[0] if len(self.hall_of_fame) else math.nan
        stats = GenerationStats(
            generation=self.generation,
            best=row["best"],
            mean=row["mean"],
            std=row["std"],
            worst=row["worst"],
            best_so_far=best_so_far,
            evaluated=len(offspring),
            failed=failed,
            cached=self._cache_hits,
            diversity=self.genome.diversity(self.population),
            elapsed=time.perf_counter() - self._started,
        )
        self.history.append(stats)
        self.logbook.record(**vars(stats))
        self.generation += 1

    def _best(self, values: list[float]) -> float:
        return min(values) if self.direction == "minimize" else max(values)

    def _worst_of(self, values: list[float]) -> float:
        return max(values) if self.direction == "minimize" else min(values)

    # -- results -----------------------------------------------------------------------------
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
        hall = [self._hall_trials[ind.number] for ind in self.hall_of_fame]
        return Result(
            trials=self.trials if self._all is not None else [],
            history=list(self.history),
            hall_of_fame=hall,
            direction=self.direction,
            seed=self.seed,
            stop_reason=stop_reason,
            settings=self.settings(),
            space=self.space,
        )

    # -- state (for storage and resume) ---------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue the search exactly, as JSON-able data.

        Taken between generations (no candidate pending). Trials, history and the
        set of evaluated genomes are not included: the storage journal holds them.
        """
        if self._pending:
            raise EvotuneError("state_dict(): candidates are pending; take the state between generations.")

        def members(individuals: Any) -> list:
            return [[list(ind), ind.fitness.values[0], ind.number] for ind in individuals]

        return {
            "generation": self.generation,
            "next_number": self._next_number,
            "n_told": self.n_told,
            "exhausted": self.exhausted,
            "population": members(self.population),
            "hall_of_fame": members(self.hall_of_fame),
            "sample_rng": self._rng.bit_generator.state,
            "deap_rng": self._deap_rng.bit_generator.state,
        }

    def load_state_dict(
        self,
        state: Mapping[str, Any],
        *,
        history: Sequence[GenerationStats],
        hall_of_fame_trials: Mapping[int, Trial],
        evaluated: Any,
    ) -> None:
        """Continue from :meth:`state_dict`, with the journal's history, hall-of-fame trials and
        evaluated trials (``(number, genes, value)`` triples by number; value None when failed)."""

        def individuals(rows: list) -> list[Individual]:
            out = []
            for genes, fitness, number in rows:
                ind = Individual(genes, self._fitness, number)
                ind.fitness.values = (fitness,)
                out.append(ind)
            return out

        self.generation = state["generation"]
        self._next_number = state["next_number"]
        self.n_told = state["n_told"]
        self.exhausted = state["exhausted"]
        self.population = individuals(state["population"])
        self.hall_of_fame.clear()
        for ind in reversed(individuals(state["hall_of_fame"])):  # DEAP puts a newcomer before its equals
            self.hall_of_fame.insert(ind)
        self._hall_trials = {ind.number: hall_of_fame_trials[ind.number] for ind in self.hall_of_fame}
        self._rng.bit_generator.state = state["sample_rng"]
        self._deap_rng.bit_generator.state = state["deap_rng"]
        self._seen = set()
        self._archive.clear()
        for number, genes, value in evaluated:
            self._seen.add(hash(tuple(genes)))
            self._remember(number, genes, value)
        self.history = list(history)
        self.logbook = tools.Logbook()
        for row in self.history:
            self.logbook.record(**vars(row))

    def settings(self) -> dict[str, Any]:
        """The settings that define this search (for reports and resume checks)."""
        return {
            "space": repr(self.space),
            "direction": self.direction,
            "population_size": self.population_size,
            "offspring_size": self.offspring_size,
            "crossover": repr(self.crossover),
            "mutation": repr(self.mutation),
            "selection": repr(self.selection),
            "crossover_prob": self.crossover_prob,
            "surrogate": repr(self.surrogate),
            "hall_of_fame_size": self.hall_of_fame.maxsize,
            "seed": self.seed,
        }
