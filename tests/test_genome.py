import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from evotune import Categorical, Float, Integer, Space
from evotune.genome import CAT, Genome

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def parameters(draw):
    kind = draw(st.sampled_from(["float", "log_float", "int", "log_int", "cat"]))
    if kind in ("float", "log_float"):
        log = kind == "log_float"
        low = draw(st.floats(1e-8, 1e4) if log else finite)
        width = draw(st.floats(1e-6, 1e6))
        high = low * (1 + width) if log else low + width
        if not low < high:
            high = low + 1.0
        return Float(low, high, log=log)
    if kind in ("int", "log_int"):
        low = draw(st.integers(1, 1000) if kind == "log_int" else st.integers(-1000, 1000))
        return Integer(low, low + draw(st.integers(1, 5000)), log=kind == "log_int")
    choices = draw(st.lists(st.one_of(st.none(), st.text(max_size=3), st.integers()), min_size=1, max_size=6, unique_by=lambda v: (type(v), v)))
    return Categorical(choices, ordered=draw(st.booleans()))


spaces = st.lists(parameters(), min_size=1, max_size=6).map(
    lambda ps: Space({f"p{i}": p for i, p in enumerate(ps)})
)


def _value(draw, p):
    if isinstance(p, Categorical):
        return draw(st.sampled_from(p.choices))
    if isinstance(p, Integer):
        return draw(st.integers(p.low, p.high))
    x = draw(st.floats(p.low, p.high))
    if not p.log:
        return x
    # log-scale floats are resolved to 12 significant digits: the nearest such number inside the bounds
    # (a bound itself is one only if it has 12 digits or fewer: 869922690.6815002 is not)
    v = float(f"{x:.11e}")
    unit = 10.0 ** (math.floor(math.log10(v)) - 11)
    if v > p.high:
        v = float(f"{v - unit:.11e}")
    elif v < p.low:
        v = float(f"{v + unit:.11e}")
    return v


@st.composite
def space_and_point(draw):
    space = draw(spaces)
    return space, {name: _value(draw, p) for name, p in space.items()}


def _same(a, b):
    return a is b or (type(a) is type(b) and a == b)


@settings(max_examples=300)
@given(space_and_point())
def test_decode_encode_round_trip(case):
    space, point = case
    genome = Genome(space)
    genes = genome.encode(point)
    decoded = genome.decode(genes)
    assert all(_same(decoded[n], point[n]) for n in point), (point, decoded)
    assert genome.encode(decoded) == genes


@settings(max_examples=300)
@given(spaces, st.data())
def test_every_gene_vector_within_bounds_decodes_to_a_valid_point(space, data):
    genome = Genome(space)
    genes = [
        data.draw(st.integers(0, genome.n_choices[i] - 1)) if kind == CAT else data.draw(st.floats(genome.low[i], genome.high[i]))
        for i, kind in enumerate(genome.kinds)
    ]
    point = genome.decode(genes)
    space.check_point(point)
    for name, p in space.items():
        if isinstance(p, Integer):
            assert type(point[name]) is int
        if isinstance(p, Float):
            assert type(point[name]) is float
    repaired = genome.repair(list(genes))
    assert genome.decode(repaired) == point or all(_same(genome.decode(repaired)[n], point[n]) for n in point)
    assert genome.repair(list(repaired)) == repaired  # canonical form is a fixed point


def test_integer_genes_stay_integral_and_log_genes_live_in_log_space():
    genome = Genome(Space({"n": Integer(1, 8), "bs": Integer(16, 512, log=True), "lr": Float(1e-4, 1e-1, log=True)}))
    genes = genome.encode({"n": 3, "bs": 64, "lr": 1e-3})
    assert genes[0] == 3 and type(genes[0]) is int
    assert genes[1] == math.log(64)
    assert genes[2] == math.log(1e-3)
    assert genome.repair([3.4, math.log(63.7), -3.0]) == [3, math.log(64), -3.0]


def test_sample_spreads_over_the_space():
    genome = Genome(Space({"x": Float(0, 1), "c": ["a", "b", "c", "d"]}))
    genes = genome.sample(np.random.default_rng(0), 40)
    xs = sorted(g[0] for g in genes)
    # Latin hypercube: exactly one sample per tenth of the range, per 10 samples
    assert [int(x * 40) for x in xs] == list(range(40))
    assert sorted(np.bincount([g[1] for g in genes]).tolist()) == [10, 10, 10, 10]


def test_point_enumerates_a_finite_space():
    genome = Genome(Space({"a": [1, 2, 3], "n": Integer(4, 5), "k": Integer(1, 4, log=True)}))
    points = {tuple(genome.point(i)) for i in range(int(genome.cardinality))}
    assert len(points) == 24
    assert all(tuple(genome.repair(list(p))) == p for p in points)


def test_diversity_is_zero_for_clones_and_high_for_uniform_samples():
    genome = Genome(Space({"x": Float(0, 1), "c": ["a", "b"]}))
    assert genome.diversity([[0.5, 1]] * 10) == 0.0
    assert genome.diversity(genome.sample(np.random.default_rng(0), 200)) > 0.9


def test_union_spaces_decode_to_one_sub_space_and_remember_the_others_genes():
    space = Space([{"kernel": ["linear"], "C": Float(0.1, 10, log=True)}, {"kernel": ["rbf"], "gamma": [0.1, 1.0, 10.0], "C": Float(1, 2)}])
    genome = Genome(space)
    point = {"kernel": "rbf", "gamma": 10.0, "C": 1.5}
    genes = genome.encode(point)
    assert genome.decode(genes) == point and genes[0] == 1
    samples = genome.sample(np.random.default_rng(0), 50)
    decoded = [genome.decode(g) for g in samples]
    assert {frozenset(p) for p in decoded} == {frozenset({"kernel", "C"}), frozenset({"kernel", "gamma", "C"})}
    for genes in samples:  # the other sub-space's genes keep their values, and do not tell points apart
        again = genome.encode(genome.decode(genes))
        assert genome.decode(again) == genome.decode(genes)
        switched = genome.repair([1 - genes[0], *genes[1:]])
        assert genome.decode(genome.repair([genes[0], *switched[1:]])) == genome.decode(genes)
    finite = Genome(Space([{"a": [1, 2]}, {"b": ["x", "y", "z"]}]))
    assert [finite.decode(finite.point(i)) for i in range(5)] == [{"a": 1}, {"a": 2}, {"b": "x"}, {"b": "y"}, {"b": "z"}]
    rng = np.random.default_rng(1)
    assert finite.decode(finite.complete({"b": "y"}, rng)) == {"b": "y"}
    assert finite.decode(finite.complete({}, rng)).keys() in ({"a"}, {"b"})


# -- conditions: genes that remember ------------------------------------------------------------
def svc_genome():
    return Genome(Space({
        "kernel": Categorical(["linear", "rbf", "poly"]),
        "C": Float(1e-2, 1e3, log=True),
        "gamma": Float(1e-5, 1e-1, log=True).when(kernel=["rbf", "poly"]),
        "degree": Integer(2, 5).when(kernel="poly"),
    }))


def test_inactive_genes_keep_their_values_and_do_not_tell_points_apart():
    g = svc_genome()
    genes = g.encode({"kernel": "poly", "C": 1.0, "gamma": 1e-3, "degree": 4})
    genes[0] = 0  # switch to linear: gamma and degree go quiet
    g.repair(genes)
    assert g.decode(genes) == {"kernel": "linear", "C": 1.0}
    assert math.isclose(math.exp(genes[2]), 1e-3) and genes[3] == 4  # remembered
    genes[0] = 2  # and back
    assert g.decode(genes) == {"kernel": "poly", "C": 1.0, "gamma": 1e-3, "degree": 4}
    linear = g.encode({"kernel": "linear", "C": 1.0})  # inactive parameters may be left out
    assert g.key(linear) == g.key([0, *genes[1:]])  # the same point, whatever its quiet genes hold
    assert g.active(linear) == [True, True, False, False]


def test_the_surrogate_sees_inactive_genes_as_absent_not_as_a_bound():
    g = svc_genome()
    X = g.features([g.encode({"kernel": "linear", "C": 1e-2}), g.encode({"kernel": "rbf", "C": 1e-2, "gamma": 1e-5})])
    # columns: C, gamma, degree (scaled), then kernel one-hot
    assert X[0, 1] == -0.5 and X[0, 2] == -0.5 and X[1, 1] == 0.0 and X[1, 2] == -0.5
    assert X[0, 3:].tolist() == [1.0, 0.0, 0.0]


def test_children_switching_branch_do_not_land_on_the_new_branchs_bounds():
    """Issue #17: with a union of sub-spaces, 93 % of the children that switched from a linear to an
    rbf kernel had gamma on its lower bound. experiments/benchmarks/bench_branch_switch.py measures it."""
    import random

    from evotune import MixedCrossover, MixedMutation

    g = svc_genome()
    rng = np.random.default_rng(0)
    random.seed(0)
    parents = [g.repair([0, *genes[1:]]) for genes in g.sample(rng, 600)]
    crossover, mutation = MixedCrossover(), MixedMutation()
    switched = []
    for a, b in zip(parents[::2], parents[1::2]):
        pair = [list(a), list(b)]
        crossover(g, *pair)
        for child in pair:
            mutation(g, child)
            params = g.decode(g.repair(child))
            if params["kernel"] == "rbf":
                switched.append(params["gamma"])
    assert len(switched) > 30
    assert np.mean([gamma <= 1e-5 for gamma in switched]) < 0.15
