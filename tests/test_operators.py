import math
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evotune import (
    Categorical,
    Float,
    Integer,
    InvalidParameterError,
    MixedCrossover,
    MixedMutation,
    Space,
    Tournament,
)
from evotune._deap import FitnessMin, Individual, engine_random
from evotune.genome import CAT, Genome

GENOME = Genome(
    Space(
        {
            "x": Float(-5, 5),
            "lr": Float(1e-5, 1, log=True),
            "n": Integer(1, 8),
            "bs": Integer(16, 512, log=True),
            "act": Categorical(["relu", "tanh", "gelu"]),
            "flag": [True, False],
            "one": ["only"],
            "trees": [10, 50, 100, 200],
        }
    )
)


def _random_genes(seed):
    import numpy as np

    return GENOME.sample(np.random.default_rng(seed), 1)[0]


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.floats(0.5, 100), st.floats(0.5, 100))
def test_children_never_leave_the_space(seed_a, seed_b, eta_c, eta_m):
    a, b = _random_genes(seed_a), _random_genes(seed_b)
    # as the engine does: crossover, repair, mutation, repair
    with engine_random(random.Random(seed_a ^ seed_b)):
        MixedCrossover(eta=eta_c)(GENOME, a, b)
        _check_within_bounds(a, b)
        for child in (a, b):
            GENOME.repair(child)
            MixedMutation(eta=eta_m)(GENOME, child)
        _check_within_bounds(a, b)
    for child in (a, b):
        GENOME.repair(child)
        assert all(type(child[i]) is int for i, kind in enumerate(GENOME.kinds) if kind in ("int", "cat", "ord"))
        GENOME.space.check_point(GENOME.decode(child))


CANONICAL_SPACES = [GENOME, Genome(Space({  # ordered choices, a log float and genes with conditions
    "model": ["a", "b"], "depth": Integer(1, 9).when(model="a"),
    "C": Float(1e-3, 1e3, log=True).when(model="b"),
    "rank": Categorical([1, 2, 4, 8], ordered=True), "k": Integer(2, 300, log=True)}))]


@pytest.mark.parametrize("genome", CANONICAL_SPACES, ids=["mixed", "conditional"])
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.floats(0.5, 100))
def test_evotune_s_operators_leave_canonical_genes_so_the_engine_may_skip_its_repair(genome, seed_a, seed_b,
                                                                                     eta):
    """``canonical = True`` is a promise: repairing what the operators leave changes nothing (value, type)."""
    import numpy as np

    a, b = (genome.sample(np.random.default_rng(seed), 1)[0] for seed in (seed_a, seed_b))
    assert MixedCrossover.canonical and MixedMutation.canonical
    with engine_random(random.Random(seed_a ^ seed_b)):
        MixedCrossover(eta=eta)(genome, a, b)
        crossed = [list(a), list(b)]
        for child in (a, b):
            MixedMutation(eta=eta)(genome, child)
    for child in (*crossed, a, b):
        repaired = genome.repair(list(child))
        assert [(g, type(g)) for g in repaired] == [(g, type(g)) for g in child]


def _check_within_bounds(*children):
    for child in children:
        assert all(GENOME.low[i] <= g <= GENOME.high[i] for i, g in enumerate(child))


@given(st.integers(0, 2**32 - 1))
def test_mutated_integers_move_by_a_step_and_categoricals_change(seed):
    genes = _random_genes(seed)
    with engine_random(random.Random(seed)):
        for i, kind in enumerate(GENOME.kinds):
            child = list(genes)
            MixedMutation()._mutate_gene(GENOME, child, i)
            before, after = GENOME.decode(genes), GENOME.decode(child)
            name = GENOME.names[i]
            if kind in ("int", "log_int"):
                assert abs(after[name] - before[name]) >= 1
            elif kind == "ord":
                assert abs(GENOME.params[i].index(after[name]) - GENOME.params[i].index(before[name])) >= 1
            elif kind == CAT and GENOME.n_choices[i] > 1:
                assert after[name] != before[name]


def test_mutation_always_changes_at_least_one_gene():
    genome = Genome(Space({f"n{i}": Integer(0, 100) for i in range(20)}))
    parent = [50] * 20
    with engine_random(random.Random(0)):
        for _ in range(200):
            child = list(parent)
            MixedMutation(gene_prob=0.0)(genome, child)
            assert sum(c != p for c, p in zip(child, parent)) == 1


WIDE = Genome(Space({f"n{i}": Integer(0, 100) for i in range(8)}))
BRANCHED = Genome(Space({"model": ["a", "b"], "x": Float(0, 1).when(model="a"),
                         "y": Float(0, 1).when(model="a"), "z": Float(0, 1).when(model="b")}))


def _mutated_counts(genome, parent, weights, seed=0, **settings):
    """How often each gene changed in 2,000 mutations of ``parent`` with ``weights``."""
    counts = [0] * genome.size
    with engine_random(random.Random(seed)):
        for _ in range(2000):
            child = list(parent)
            MixedMutation(bound_prob=0.0, **settings)(genome, child, weights=weights)
            counts = [n + (c != p) for n, c, p in zip(counts, child, parent)]
    return counts


def test_weighted_mutation_varies_the_heavy_genes_more_and_still_moves_every_gene():
    """Gene i mutates with probability p_i = 0.25 / 8 + 0.75 * w_i / sum(w): the gene of weight 7 (of 14)
    at 0.41, the others at 0.085; when none does (p = 0.32), one is drawn by those p: 0.53 and 0.11 in all.
    As many genes a child as without weights (1 / 8 each, one drawn when none: 1.34)."""
    counts = _mutated_counts(WIDE, [50] * 8, [7.0, 1, 1, 1, 1, 1, 1, 1])
    assert 0.49 < counts[0] / 2000 < 0.58
    assert all(0.08 < n / 2000 < 0.14 for n in counts[1:])
    assert 1.25 < sum(counts) / 2000 < 1.43


def test_weighted_mutation_without_a_usable_weight_or_with_a_fixed_rate_is_the_unweighted_one():
    """Weights that sum to nothing (a model that found no gene relevant) and a ``gene_prob`` the user set
    leave the mutation as it is without weights: the same children from the same random state."""
    for weights, settings in [([0.0] * 8, {}), ([5.0, 0, 0, 0, 0, 0, 0, 1], {"gene_prob": 0.2})]:
        children = []
        for passed in (weights, None):
            with engine_random(random.Random(1)):
                children.append([MixedMutation(**settings)(WIDE, child, weights=passed) or child
                                 for child in ([50] * 8 for _ in range(50))])
        assert children[0] == children[1]


def test_weighted_mutation_with_conditions_weighs_the_active_genes_and_always_moves_one():
    """In branch ``a`` (model, x, y active; z inactive), x weighs 3, y 1 and the model gene 0: x mutates
    at p = 0.25 / 3 + 0.75 * 3 / 4 = 0.65, y at 0.27, the model at 0.08, and when none of them does (0.24),
    one is drawn by those p (x: 0.80 in all; y: 0.34); the inactive z at 1 / n_genes whatever its weight.
    An active gene changes in every child."""
    parent = [0, 0.5, 0.5, 0.5]
    counts = _mutated_counts(BRANCHED, parent, [0.0, 3.0, 1.0, 50.0])
    x, y, z = (n / 2000 for n in counts[1:])
    assert 0.76 < x < 0.84 and 0.29 < y < 0.38 and 0.21 < z < 0.29
    with engine_random(random.Random(2)):
        for _ in range(300):
            child = list(parent)
            MixedMutation(bound_prob=0.0)(BRANCHED, child, weights=[0.0, 3.0, 1.0, 50.0])
            assert child[:3] != parent[:3]


BOUNDED = Genome(Space({"x": Float(0, 0.5), "n": Integer(1, 15), "lr": Float(1e-4, 1, log=True)}))


def _mutate_often(parent, i, bound_prob):
    """The values gene ``i`` of ``parent`` takes in 200 mutations."""
    with engine_random(random.Random(i)):
        for _ in range(200):
            child = list(parent)
            MixedMutation(bound_prob=bound_prob)._mutate_gene(BOUNDED, child, i)
            yield BOUNDED.decode(child)[BOUNDED.names[i]]


@pytest.mark.parametrize("i", range(3))
def test_bound_mutation_puts_a_numeric_gene_on_a_bound_or_else_moves_it_as_usual(i):
    low = BOUNDED.decode(BOUNDED.repair(list(BOUNDED.low)))[BOUNDED.names[i]]
    high = BOUNDED.decode(BOUNDED.repair(list(BOUNDED.high)))[BOUNDED.names[i]]
    middle = [0.2, 7, -4.0]
    assert set(_mutate_often(middle, i, 1.0)) == {low, high}
    # on the lower bound: the upper one, or a usual move
    from_low = list(_mutate_often([0.0, 1, math.log(1e-4)], i, 1.0))
    assert high in from_low and any(low < v < high for v in from_low)
    if i != 1:  # a float never lands exactly on a bound by a polynomial step
        assert not {low, high} & set(_mutate_often(middle, i, 0.0))


def test_crossover_swaps_categories_and_blends_numbers():
    genome = Genome(Space({"x": Float(0, 1), "c": ["a", "b", "c"]}))
    seen_swap = seen_blend = False
    with engine_random(random.Random(1)):
        for _ in range(50):
            a, b = [0.2, 0], [0.8, 2]
            MixedCrossover(swap_prob=0.5)(genome, a, b)
            assert {a[1], b[1]} == {0, 2}
            seen_swap |= a[1] == 2
            seen_blend |= a[0] not in (0.2, 0.8)
    assert seen_swap and seen_blend


def test_tournament_prefers_fitter_individuals():
    population = []
    for i in range(10):
        ind = Individual([i], FitnessMin, i)
        ind.fitness.values = (float(i),)
        population.append(ind)
    with engine_random(random.Random(0)):
        picks = Tournament(size=5)(population, 1000)
    assert sum(p[0] for p in picks) / 1000 < 2.5


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: MixedCrossover(eta=0), "MixedCrossover: `eta` must be a number > 0; got 0"),
        (lambda: MixedCrossover(swap_prob=2), "`swap_prob` must be a probability in [0, 1]; got 2"),
        (lambda: MixedMutation(eta=-1), "MixedMutation: `eta` must be a number > 0"),
        (lambda: MixedMutation(gene_prob=1.5), "`gene_prob` must be a probability"),
        (lambda: MixedMutation(bound_prob=-0.1), "`bound_prob` must be a probability in [0, 1]; got -0.1"),
        (lambda: Tournament(size=0), "Tournament: `size` must be an integer >= 1; got 0"),
    ],
)
def test_operator_settings_are_validated(make, fragment):
    with pytest.raises(InvalidParameterError) as info:
        make()
    assert fragment in str(info.value)
