"""Breeding: new, never-evaluated gene vectors from a population, or from the space itself.

Parents are selected from the population, recombined (with probability
``crossover_prob``), mutated and repaired into the space. A child that repeats an
evaluated (or already asked) point is a cache hit: it is counted and bred again,
so the budget only buys new points. Random points of the space ("fresh" ones)
come from :meth:`Genome.sample`, or from enumerating a finite space that
sampling no longer finds new points in.

Every draw comes from the generators passed in (numpy's for sampling, the global
:mod:`random` module for DEAP's operators, swapped in by the engine), so a
breeder holds no random state of its own.
"""

from __future__ import annotations

import functools
import inspect
import math
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import numpy as np

from .exceptions import InvalidSpaceError
from .genome import ENUMERATION_LIMIT, Genome

__all__ = ["Breeder"]


class Breeder:
    """Selection, crossover, mutation and repair over one genome.

    ``seen`` is the set of ``hash(genome.key(genes))`` of every point already asked;
    nothing it holds is returned again.
    """

    def __init__(self, genome: Genome, *, selection: Callable, crossover: Callable, mutation: Callable,
                 crossover_prob: float):
        self.genome = genome
        self.selection, self.crossover, self.mutation = selection, crossover, mutation
        self.crossover_prob = crossover_prob
        #: Whether the mutation takes the surrogate's gene weights (a ``weights`` keyword: MixedMutation's).
        self.weighted = _takes(mutation, "weights")
        #: Children that repeated a seen point since the counter was last reset.
        self.cache_hits = 0

    def variations(self, population: list, size: int, seen: set[int], weights: list[float] | None = None
                   ) -> list[list]:
        """Up to ``size`` distinct unseen children of ``population``: selection, crossover, mutation
        (with the genes' ``weights`` if it takes them)."""
        genome, children, taken = self.genome, [], set()
        mutate = self.mutation
        if weights is not None and self.weighted:
            mutate = functools.partial(self.mutation, weights=weights)
        # an operator that leaves canonical genes (evotune's own) spares the repair after it
        crossed, mutated = (getattr(op, "canonical", False) for op in (self.crossover, self.mutation))
        tries = 0
        while len(children) < size and tries < 10 * size + 20:
            parents = self.selection(population, 2)
            pair = [list(parents[0]), list(parents[1])]
            if random.random() < self.crossover_prob:
                self.crossover(genome, *pair)
                if not crossed:
                    genome.repair(pair[0])
                    genome.repair(pair[1])
            for child in pair:
                tries += 1
                mutate(genome, child)
                key = genome.key(child if mutated else genome.repair(child))
                if hash(key) in seen:
                    self.cache_hits += 1
                elif len(children) < size and self._admit(child, seen, taken, key):
                    children.append(child)
        return children

    def _admit(self, genes: list, seen: set[int], taken: set[tuple], key: tuple | None = None) -> bool:
        """Whether ``genes`` make a new candidate: not seen, not already in ``taken`` (its key joins it),
        and allowed by the space's ``forbidden`` rule. ``key``: ``genome.key(genes)``, if already known."""
        key = self.genome.key(genes) if key is None else key
        if hash(key) in seen or key in taken or not self.genome.allowed(genes):
            return False
        taken.add(key)
        return True

    def fresh(self, rng: np.random.Generator, n: int, seen: set[int], taken: set[tuple] | None = None) -> list[list]:
        """Up to ``n`` points neither seen nor in ``taken`` (their keys are added to it): sampled, or enumerated
        when the space is finite."""
        taken = set() if taken is None else taken
        out: list[list] = []
        if n <= 0:  # the usual case once breeding fills a generation (sampling nothing draws nothing)
            return out
        for _ in range(10):
            for genes in self.genome.sample(rng, n):
                if len(out) < n and self._admit(genes, seen, taken):
                    out.append(genes)
            if len(out) == n:
                return out
        if self.genome.cardinality <= ENUMERATION_LIMIT:
            for index in rng.permutation(int(self.genome.cardinality)):
                genes = self.genome.point(int(index))
                if self._admit(genes, seen, taken):
                    out.append(genes)
                    if len(out) == n:
                        break
        return out

    def branch_mutants(self, trials: list[list], losses: list[float], n: int, seen: set[int],
                       taken: set[tuple]) -> list[list]:
        """Up to ``n`` unseen mutants of the best trial of each branch (the lowest finite of ``losses``,
        one per trial; ties: the first), so a branch the population left behind is bred from what it
        did best instead of only sampled afresh. ``taken``: keys of candidates already proposed; the
        mutants' keys are added to it.

        Examples
        --------
        >>> from evotune import Space, Float
        >>> from evotune.operators import MixedMutation
        >>> breeder = Breeder(Genome(Space({"model": ["a", "b"], "x": Float(0, 1).when(model="a"),
        ...                                 "y": Float(0, 1).when(model="b")})),
        ...                   selection=None, crossover=None, mutation=MixedMutation(), crossover_prob=0.5)
        >>> trials, losses = [[0, 0.2, 0.5], [1, 0.2, 0.9], [1, 0.2, 0.1]], [0.3, 0.8, 0.6]
        >>> import random; random.seed(0)  # the engine swaps in its own generator (module docstring)
        >>> mutants = breeder.branch_mutants(trials, losses, 2, seen=set(), taken=set())
        >>> len(mutants)  # two of [0, 0.2, 0.5] (model a's best) and two of [1, 0.2, 0.1] (model b's)
        4
        """
        best: dict[tuple, tuple[float, list]] = {}
        for genes, loss in zip(trials, losses):
            branch = self.genome.branch(genes)
            if math.isfinite(loss) and (branch not in best or loss < best[branch][0]):
                best[branch] = (loss, genes)
        out: list[list] = []
        for _, genes in best.values():
            made = 0
            for _ in range(3 * n):
                child = list(genes)
                self.mutation(self.genome, child)
                if self._admit(self.genome.repair(child), seen, taken):
                    out.append(child)
                    made += 1
                    if made == n:
                        break
        return out

    def over_branches(self, ranked: list[list], trials: list[list], size: int, share: float,
                      generation: int = 1) -> list[list]:
        """The ``size`` children to evaluate of ``ranked`` (most promising first): the first ones, but for
        :func:`branch_slots` of them that go one by one to the branch (the set of active parameters) with
        the fewest ``trials`` and picks so far, as its best-ranked candidate. Without conditions a space
        has one branch: the first ``size``.

        Examples
        --------
        >>> from evotune import Space, Float
        >>> breeder = Breeder(Genome(Space({"model": ["a", "b"], "x": Float(0, 1).when(model="a"),
        ...                                 "y": Float(0, 1).when(model="b")})),
        ...                   selection=None, crossover=None, mutation=None, crossover_prob=0.5)
        >>> ranked = [[0, 0.1, 0.5], [0, 0.2, 0.5], [0, 0.3, 0.5], [1, 0.5, 0.9]]  # model a's children first
        >>> breeder.over_branches(ranked, trials=[[0, 0.4, 0.5]] * 9, size=4, share=0.25)
        [[0, 0.1, 0.5], [0, 0.2, 0.5], [0, 0.3, 0.5], [1, 0.5, 0.9]]
        >>> breeder.over_branches(ranked, trials=[[0, 0.4, 0.5]] * 9, size=2, share=0.25)
        [[0, 0.1, 0.5], [1, 0.5, 0.9]]
        """
        slots = branch_slots(size, share, generation)
        if not slots or not self.genome.conditional or len(ranked) <= size:
            return ranked[:size]
        branches = [self.genome.branch(genes) for genes in ranked]
        counts = Counter(self.genome.branch(genes) for genes in trials)
        picked, rest = list(range(size - slots)), list(range(size - slots, len(ranked)))
        for _ in range(slots):  # ties: the branch of the best-ranked candidate
            branch = min(dict.fromkeys(branches[i] for i in rest), key=counts.__getitem__)
            pick = next(i for i in rest if branches[i] == branch)
            picked.append(pick)
            rest.remove(pick)
            counts[branch] += 1
        return [ranked[i] for i in picked]

    def design(self, rng: np.random.Generator, points: list[dict[str, Any]], size: int, seen: set[int]) -> list[list]:
        """The initial design: the user's ``points`` (missing parameters sampled), then a
        space-filling sample, ``size`` distinct points in all (fewer only if the space has fewer)."""
        self.genome.check_forbidden(np.random.default_rng(0))
        genomes = [self.genome.complete(point, rng) for point in points[:size]]
        for point, genes in zip(points, genomes):
            if not self.genome.allowed(genes):
                raise InvalidSpaceError(f"initial_points: {dict(point)!r} is ruled out by the space's `forbidden` rule.")
        genomes += self.genome.sample(rng, size - len(genomes))
        taken: set[tuple] = set()
        out = [genes for genes in genomes if self._admit(genes, seen, taken)]
        if len(out) < size:
            out += self.fresh(rng, size - len(out), seen, taken)
        return out


def branch_slots(size: int, share: float, generation: int) -> int:
    """How many of ``size`` children of bred generation ``generation`` (1, 2, ...) go to the least-tried
    branches: ``round(size * share)``, or when that is under one, one every ``1 / (size * share)``
    generations, starting with the first (so ``offspring_size=1`` is not all exploration).

    Examples
    --------
    >>> [branch_slots(8, 0.25, g) for g in (1, 2, 3)], [branch_slots(11, 0.25, g) for g in (1, 2)]
    ([2, 2, 2], [3, 3])
    >>> [branch_slots(1, 0.25, g) for g in range(1, 10)]
    [1, 0, 0, 0, 1, 0, 0, 0, 1]
    >>> branch_slots(8, 0.0, 1)
    0
    """
    share_of_size = size * share
    if share_of_size >= 1:
        return round(share_of_size)
    return math.ceil(generation * share_of_size - 1e-9) - math.ceil((generation - 1) * share_of_size - 1e-9)


def _takes(function: Any, name: str) -> bool:
    """Whether ``function`` takes a keyword argument ``name`` (False if its signature cannot be read)."""
    try:
        return name in inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
