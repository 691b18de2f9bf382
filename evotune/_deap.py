"""The one module that imports DEAP.

Fitness and individual classes are defined here once, at module level, so they
pickle and never collide when a search runs twice (no ``creator.create`` inside
a call). DEAP's operators draw from the global :mod:`random` module;
:func:`engine_random` swaps the engine's own state in around those calls and
puts the user's back afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager

from deap import base, tools

__all__ = ["FitnessMin", "FitnessMax", "Individual", "engine_random", "tools"]


class _Fitness(base.Fitness):
    """DEAP's fitness with one weight, a constant of its class, made cheap: DEAP's ``__init__`` checks the
    weights on every instance (an abstract-class ``isinstance``) and its setter checks the values' length, on
    the engine's path of an instance per trial. The values are weighted the same way (one product)."""

    def __init__(self, values: tuple = ()):
        if values:
            self.values = values

    def _set_values(self, values: tuple) -> None:
        (value,) = values
        self.wvalues = (value * self.weights[0],)

    values = property(base.Fitness.getValues, _set_values, base.Fitness.delValues)


class FitnessMin(_Fitness):
    """Single-objective fitness, smaller is better."""

    weights = (-1.0,)


class FitnessMax(_Fitness):
    """Single-objective fitness, larger is better."""

    weights = (1.0,)


class Individual(list):
    """A gene vector with a DEAP fitness and the number of the trial that evaluated it."""

    def __init__(self, genes, fitness_class: type[base.Fitness], number: int = -1):
        super().__init__(genes)
        self.fitness = fitness_class()
        self.number = number
        self.parts: tuple[float, ...] | None = None  # the trial's losses part by part (racing)
        self.estimated = False  # a pruned trial's estimated fitness


@contextmanager
def engine_random(state: random.Random) -> Iterator[None]:
    """Run the block with the global :mod:`random` module drawing from ``state``.

    The user's global state is restored on exit and ``state`` advances by exactly
    the numbers drawn inside the block.
    """
    saved = random.getstate()
    random.setstate(state.getstate())
    try:
        yield
    finally:
        state.setstate(random.getstate())
        random.setstate(saved)
