"""Type-aware variation: crossover and mutation over mixed gene vectors.

Numeric genes (Float, Integer) blend and move in the transformed space with
DEAP's bounded simulated binary crossover and polynomial mutation; categorical
genes swap (uniform crossover) or reset to another choice. Children are repaired
into the space by the engine after every operator, so user operators may return
any numbers and integers never drift to floats.

An operator is an object with one method, ``__call__``; it changes the gene
lists it is given in place. Draw randomness from the :mod:`random` module (as
DEAP's operators do): evotune seeds it and swaps its state in around every call.
"""

from __future__ import annotations

import random
from abc import ABC, abstractmethod

from ._checks import check_int, check_number
from ._deap import tools
from .genome import CAT, STEPPED, Genome

__all__ = ["Crossover", "Mutation", "Selection", "MixedCrossover", "MixedMutation", "Tournament"]

#: Weighted mutation: the share of the mutation rate spread evenly over the genes (none is ever frozen).
_EVEN = 0.25


def _check_eta(owner: str, eta: float) -> None:
    check_number("eta", eta, "a number > 0", lambda v: v > 0, owner=owner)


def _check_probability(owner: str, name: str, value: float | None, allow_none: bool = False) -> None:
    check_number(name, value, "a probability in [0, 1]", lambda v: 0 <= v <= 1, owner=owner,
                 allow_none=allow_none)


class Crossover(ABC):
    """Recombines two parents' gene lists in place."""

    #: Whether the children it leaves are canonical (every gene in bounds, whole where it must be): the
    #: engine then skips its repair. False unless an operator guarantees it; a subclass of evotune's own
    #: operators that changes genes otherwise must set it back to False.
    canonical = False

    @abstractmethod
    def __call__(self, genome: Genome, child1: list, child2: list) -> None:
        """Change ``child1`` and ``child2`` (copies of the parents) in place."""


class Mutation(ABC):
    """Perturbs one gene list in place."""

    #: Whether the child it leaves is canonical (see :attr:`Crossover.canonical`).
    canonical = False

    @abstractmethod
    def __call__(self, genome: Genome, child: list) -> None:
        """Change ``child`` in place."""


class Selection(ABC):
    """Picks parents from the evaluated population."""

    @abstractmethod
    def __call__(self, population: list, k: int) -> list:
        """Return ``k`` individuals of ``population`` (with repetition)."""


class MixedCrossover(Crossover):
    """Simulated binary crossover on numeric genes, uniform crossover on categorical ones.

    Parameters
    ----------
    eta : float
        SBX distribution index: larger keeps children closer to their parents.
    swap_prob : float
        Chance that a categorical gene is swapped between the children.

    Examples
    --------
    >>> from evotune import Space, Float, Categorical
    >>> from evotune.genome import Genome
    >>> genome = Genome(Space({"x": Float(0, 1), "c": Categorical(["a", "b", "c"])}))
    >>> a, b = [0.1, 0], [0.9, 2]
    >>> MixedCrossover()(genome, a, b)
    >>> all(0 <= x <= 1 for x in (a[0], b[0])) and {a[1], b[1]} == {0, 2}
    True
    """

    canonical = True  # SBX keeps numeric genes in bounds; the whole-step ones are rounded here

    def __init__(self, eta: float = 5.0, swap_prob: float = 0.5):
        _check_eta("MixedCrossover", eta)
        _check_probability("MixedCrossover", "swap_prob", swap_prob)
        self.eta = eta
        self.swap_prob = swap_prob

    def __repr__(self) -> str:
        return f"MixedCrossover(eta={self.eta!r}, swap_prob={self.swap_prob!r})"

    def __call__(self, genome: Genome, child1: list, child2: list) -> None:
        if genome.numeric:
            x1 = [child1[i] for i in genome.numeric]
            x2 = [child2[i] for i in genome.numeric]
            tools.cxSimulatedBinaryBounded(x1, x2, self.eta, genome.numeric_low, genome.numeric_high)
            for j, i in enumerate(genome.numeric):
                child1[i], child2[i] = x1[j], x2[j]
            for i in genome.stepped:
                child1[i], child2[i] = genome.repair_gene(i, child1[i]), genome.repair_gene(i, child2[i])
        for i in genome.categorical:
            if random.random() < self.swap_prob:
                child1[i], child2[i] = child2[i], child1[i]


class MixedMutation(Mutation):
    """Polynomial mutation on numeric genes, random reset on categorical ones.

    Each gene mutates with probability ``gene_prob`` (default ``1 / n_genes``), and
    at least one gene always does, so a mutated child is rarely a plain copy. With
    ``when=`` conditions, an active gene mutates with probability ``1 / n_active`` (the
    child's own dimension), an inactive one with ``1 / n_genes`` (it keeps moving), and
    the gene that always mutates is an active one. An
    integer gene that mutates moves by at least one whole step; a categorical gene
    that mutates takes a different choice. A numeric gene that mutates jumps to one
    of its bounds with probability ``bound_prob`` (when it already sits on that
    bound it moves as usual instead): many hyperparameters are best at a bound
    (no regularization, the smallest leaf, the deepest tree), and polynomial steps
    rarely get there.

    Given ``weights`` (one per gene, from the surrogate's
    :meth:`~evotune.GaussianProcessSurrogate.gene_weights`) and ``gene_prob=None``, the
    genes that matter more mutate more often: gene ``i`` with probability
    ``0.25 / n + 0.75 * w_i / sum(w)`` over the ``n`` (active) genes, so as many on
    average as with ``1 / n``, and at least one, drawn by those probabilities.

    Parameters
    ----------
    eta : float
        Polynomial-mutation distribution index: larger makes smaller moves.
    gene_prob : float or None
        Per-gene mutation probability; ``None`` means ``1 / n_genes`` (or by ``weights``).
    bound_prob : float
        Chance that a mutating numeric gene goes to its lower or upper bound (either, at random).

    Examples
    --------
    >>> from evotune import Space, Integer
    >>> from evotune.genome import Genome
    >>> genome = Genome(Space({"n": Integer(1, 8)}))
    >>> child = [4]
    >>> MixedMutation()(genome, child)
    >>> genome.repair(child)[0] != 4
    True
    >>> genome = Genome(Space({"x": Integer(0, 99), "y": Integer(0, 99)}))
    >>> children = [[50, 50] for _ in range(200)]
    >>> for child in children:
    ...     MixedMutation()(genome, child, weights=[9.0, 1.0])  # x matters nine times as much as y
    >>> sum(c[0] != 50 for c in children) > 2 * sum(c[1] != 50 for c in children)
    True
    """

    canonical = True  # every gene it changes is repaired

    def __init__(self, eta: float = 5.0, gene_prob: float | None = None, bound_prob: float = 0.25):
        _check_eta("MixedMutation", eta)
        _check_probability("MixedMutation", "gene_prob", gene_prob, allow_none=True)
        _check_probability("MixedMutation", "bound_prob", bound_prob)
        self.eta = eta
        self.gene_prob = gene_prob
        self.bound_prob = bound_prob

    def __repr__(self) -> str:
        return (f"MixedMutation(eta={self.eta!r}, gene_prob={self.gene_prob!r}, "
                f"bound_prob={self.bound_prob!r})")

    def __call__(self, genome: Genome, child: list, weights: list[float] | None = None) -> None:
        if weights is not None and self.gene_prob is None:
            chosen = self._chosen_by_weight(genome, child, weights)
        else:
            chosen = self._chosen(genome, child)
        for i in chosen:
            self._mutate_gene(genome, child, i)

    def _chosen(self, genome: Genome, child: list) -> list[int]:
        """Genes to mutate without weights: each at ``gene_prob`` (or ``1 / n``), at least one."""
        if genome.conditional:
            return self._chosen_active(genome, child)
        prob = 1.0 / genome.size if self.gene_prob is None else self.gene_prob
        return [i for i in range(genome.size) if random.random() < prob] or [random.randrange(genome.size)]

    def _chosen_active(self, genome: Genome, child: list) -> list[int]:
        """With conditions, the child's dimension is its active genes: ``1 / n_active`` per active gene
        (inactive genes keep moving at ``1 / n_genes``), and at least one active gene mutates, so the
        child is a new point."""
        on = genome.active(child)
        active = [i for i in range(genome.size) if on[i]]
        if self.gene_prob is None:
            probs = [1.0 / len(active) if on[i] else 1.0 / genome.size for i in range(genome.size)]
        else:
            probs = [self.gene_prob] * genome.size
        chosen = [i for i in range(genome.size) if random.random() < probs[i]]
        if not set(chosen) & set(active):
            chosen.append(random.choice(active))
        return chosen

    def _chosen_by_weight(self, genome: Genome, child: list, weights: list[float]) -> list[int]:
        """Genes to mutate by ``weights`` (see the class docstring); an inactive gene (with conditions) at
        ``1 / n_genes``, as without weights; uniform when the active genes' weights sum to nothing."""
        on = genome.active(child) if genome.conditional else [True] * genome.size
        active = [i for i in range(genome.size) if on[i]]
        total = sum(weights[i] for i in active)
        if not 0 < total < float("inf"):
            return self._chosen(genome, child)
        probs = [_EVEN / len(active) + (1 - _EVEN) * weights[i] / total if on[i] else 1.0 / genome.size
                 for i in range(genome.size)]
        chosen = [i for i in range(genome.size) if random.random() < probs[i]]
        if not set(chosen) & set(active):
            chosen.append(random.choices(active, weights=[probs[i] for i in active])[0])
        return chosen

    def _mutate_gene(self, genome: Genome, child: list, i: int) -> None:
        old = child[i]
        if genome.kinds[i] == CAT:
            k = genome.n_choices[i]
            if k > 1:
                new = random.randrange(k - 1)
                child[i] = new + 1 if new >= old else new
            return
        if self.bound_prob and random.random() < self.bound_prob:
            child[i] = genome.repair_gene(i, random.choice((genome.low[i], genome.high[i])))
            if child[i] != old:
                return
        x = [old]
        tools.mutPolynomialBounded(x, self.eta, [genome.low[i]], [genome.high[i]], 1.0)
        child[i] = genome.repair_gene(i, x[0])
        if genome.kinds[i] in STEPPED and child[i] == old:
            child[i] = genome.step(i, old, random.choice((-1, 1)))


class Tournament(Selection):
    """Tournament selection (DEAP's ``selTournament``): the best of ``size`` random picks.

    Examples
    --------
    >>> Tournament(size=3)
    Tournament(size=3)
    """

    def __init__(self, size: int = 3):
        check_int("size", size, 1, owner="Tournament")
        self.size = size

    def __repr__(self) -> str:
        return f"Tournament(size={self.size!r})"

    def __call__(self, population: list, k: int) -> list:
        return tools.selTournament(population, k, tournsize=self.size)
