import math

import numpy as np
import pytest

import evotune as et
from evotune import Evolution, InvalidParameterError
from evotune.genome import Genome
from evotune.surrogate import GaussianProcessSurrogate, _normal_scores

from .mixed_problem import SPACE, objective


def trained(surrogate, n=60, seed=0):
    """A surrogate's ranking of 200 fresh points after seeing ``n`` evaluated ones."""
    genome = Genome(et.Space(SPACE))
    rng = np.random.default_rng(seed)
    genes = genome.sample(rng, n)
    losses = np.array([objective(genome.decode(g)) for g in genes])
    children = genome.sample(rng, 200)
    truth = np.array([objective(genome.decode(c)) for c in children])
    return surrogate.rank(genome, genes, losses, children, seed=seed), truth


@pytest.mark.parametrize(
    "surrogate, margin",
    # the predicted mean alone must rank well; expected improvement also rewards uncertainty, so by less
    [(GaussianProcessSurrogate(acquisition="lcb", kappa=0.0), 0.5), (GaussianProcessSurrogate(), 0.25)],
)
def test_the_surrogate_ranks_better_points_first(surrogate, margin):
    order, truth = trained(surrogate)
    assert sorted(order.tolist()) == list(range(200))  # a permutation of the children
    picked = truth[order[:25]]
    assert picked.mean() < truth.mean() - margin * truth.std()  # the top eighth is better than average


def test_failed_trials_count_as_worst_and_too_few_trials_keep_the_bred_order():
    surrogate = GaussianProcessSurrogate()
    genome = Genome(et.Space({"x": et.Float(0, 1)}))
    genes = [[x] for x in np.linspace(0, 1, 20)]
    losses = np.array([math.nan if x > 0.5 else x for x, in genes])  # failures right of 0.5
    order = surrogate.rank(genome, genes, losses, [[0.9], [0.1], [0.7]], seed=0)
    assert order[0] == 1
    assert surrogate.rank(genome, genes[:3], losses[:3], [[0.9], [0.1]], seed=0).tolist() == [0, 1]


def test_equal_losses_get_equal_scores():
    """An accuracy plateau is flat to the model: tied trials are not ordered by when they ran."""
    scores = _normal_scores(np.array([0.3, 0.1, 0.3, math.nan, 0.3, 0.2, 0.3, 0.5]), min_trials=2)
    assert len(set(scores[[0, 2, 4, 6]])) == 1
    assert scores[1] < scores[5] < scores[0] < scores[7] == scores[3]  # a failure ties with the worst


def test_expected_improvement_leaves_a_known_plateau_for_an_unexplored_region():
    """Children on a well-sampled plateau equal to the best are worth little; an unexplored one is not."""
    genome = Genome(et.Space({"x": et.Float(0, 1)}))
    genes = [[x] for x in np.linspace(0.1, 0.5, 14)] + [[0.0], [0.05]]
    losses = np.array([1.0] * 14 + [2.0, 2.0])  # [0.1, 0.5] is a plateau of the best value
    children = [[0.2], [0.3], [0.95]]
    assert GaussianProcessSurrogate().rank(genome, genes, losses, children, seed=0)[0] == 2


def test_same_seed_same_trials_whatever_the_order_of_tells():
    """With the surrogate on, the trials depend on the seed only: not on which evaluation finished first."""
    def run(shuffle):
        ev = Evolution(SPACE, population_size=10, surrogate=GaussianProcessSurrogate(window=25, fit_size=12), seed=1)
        rng = np.random.default_rng(7)
        for _ in range(6):
            batch = ev.ask()
            order = rng.permutation(len(batch)) if shuffle else range(len(batch))
            for i in order:
                ev.tell([batch[i]], [objective(batch[i].params)])
        return [t.params for t in ev.trials]

    assert run(shuffle=False) == run(shuffle=True)


def test_the_trials_kept_for_the_surrogate_stay_bounded():
    seen = []

    class Window(GaussianProcessSurrogate):
        def rank(self, genome, genes, losses, children, seed):
            seen.append(len(genes))
            return super().rank(genome, genes, losses, children, seed)

    ev = Evolution({"x": et.Float(0, 1)}, population_size=10, surrogate=Window(window=15), seed=0)
    for _ in range(40):
        batch = ev.ask()
        ev.tell(batch, [c.params["x"] for c in batch])
        assert len(ev._archive) <= 2 * 15
    count = ev._view.count
    assert [number for number, _, _ in ev._archive][-15:] == list(range(count - 15, count))
    assert seen[0] == 10 and set(seen[1:]) == {15}  # the model sees the latest 15 trials at most


def test_the_surrogate_changes_which_children_are_evaluated_and_helps():
    plain, assisted = [], []
    for seed in range(4):
        plain.append(et.optimize(objective, SPACE, max_evaluations=150, surrogate=None, seed=seed).best_value)
        assisted.append(et.optimize(objective, SPACE, max_evaluations=150, seed=seed).best_value)
    assert np.mean(assisted) < np.mean(plain)


def test_gene_weights_rank_the_genes_by_how_much_they_move_the_loss():
    """The categorical c moves the loss most (choice "b" adds 2), x less (at most 1.96), the noise gene not at
    all; with ``relevance=False``, or before ``min_trials`` completed trials, no weights. In a space with
    conditions, weights only when asked for (``relevance=True``)."""
    genome = Genome(et.Space({"noise": et.Float(0, 1), "x": et.Float(0, 1), "c": ["a", "b", "c"]}))
    genes = genome.sample(np.random.default_rng(1), 60)
    losses = np.array([4 * (g[1] - 0.3) ** 2 + 2 * (g[2] == 1) for g in genes])
    noise, x, c = GaussianProcessSurrogate().gene_weights(genome, genes, losses)
    assert c > x > 5 * noise
    assert GaussianProcessSurrogate(relevance=False).gene_weights(genome, genes, losses) is None
    assert GaussianProcessSurrogate().gene_weights(genome, genes[:7], losses[:7]) is None
    branched = Genome(et.Space({"x": et.Float(0, 1), "c": ["a", "b"], "y": et.Float(0, 1).when(c="b")}))
    genes = branched.sample(np.random.default_rng(1), 40)
    losses = np.array([g[0] for g in genes])
    assert GaussianProcessSurrogate().gene_weights(branched, genes, losses) is None
    x, c, y = GaussianProcessSurrogate(relevance=True).gene_weights(branched, genes, losses)
    assert x > 5 * max(c, y)


def test_a_generation_fits_the_model_once_and_a_copy_leaves_the_fit_behind():
    """The weights and the ranking of a generation share one kernel fit (the same trials: kept); pickling or
    copying a surrogate drops it (a cache, not a setting)."""
    import copy
    import pickle

    genome = Genome(et.Space(SPACE))
    genes = genome.sample(np.random.default_rng(0), 40)
    losses = np.array([objective(genome.decode(g)) for g in genes])
    surrogate = GaussianProcessSurrogate()
    surrogate.gene_weights(genome, genes, losses)
    fitted = surrogate._last_fit[1]
    surrogate.rank(genome, genes, losses, genome.sample(np.random.default_rng(1), 8), seed=5)
    assert surrogate._last_fit[1] is fitted
    surrogate.rank(genome, genes[1:], losses[1:], genome.sample(np.random.default_rng(1), 8), seed=5)
    assert surrogate._last_fit[1] is not fitted
    for clone in (pickle.loads(pickle.dumps(surrogate)), copy.deepcopy(surrogate)):
        assert clone._last_fit is None and clone == surrogate


def test_oversample_1_turns_the_model_off_weights_included():
    """With one candidate per child evaluated the model ranks nothing, so it fits nothing: the trials are
    those of uniform mutation."""
    def trials(surrogate):
        return [t.params for t in et.optimize(objective, SPACE, max_evaluations=40, seed=2,
                                              surrogate=surrogate).trials]

    off = trials(GaussianProcessSurrogate(oversample=1))
    assert off == trials(GaussianProcessSurrogate(oversample=1, relevance=False))
    assert trials(GaussianProcessSurrogate()) != off


def test_weighted_mutation_finds_a_narrow_valley_among_irrelevant_genes_sooner():
    """One gene of six sets the loss, in a valley a twentieth of its range wide: the default (mutation
    weighed by the model's relevance) ends lower than every gene mutated alike, over the same seeds."""
    space = {f"g{i}": et.Float(0, 1) for i in range(6)}

    def valley(p):
        return min(abs(p["g0"] - 0.63) * 20, 1.0) + 0.01 * p["g1"]

    def best(surrogate):
        return [et.optimize(valley, space, max_evaluations=80, seed=s, surrogate=surrogate).best_value
                for s in range(6)]

    weighted, uniform = best(GaussianProcessSurrogate()), best(GaussianProcessSurrogate(relevance=False))
    assert np.mean(weighted) < np.mean(uniform)


@pytest.mark.parametrize("acquisition", ["ei", "lcb"])
def test_a_believer_spreads_the_children_a_generation_evaluates(acquisition):
    """Eight near copies of one unexplored point, and 24 children among the trials: ranked once, the copies
    (all uncertain) take most of the eight places evaluated; picked one by one, each believed at its
    predicted mean, the first copy explains the others' uncertainty and they are worth little after it."""
    genome = Genome(et.Space({"x": et.Float(0, 1), "y": et.Float(0, 1)}))
    rng = np.random.default_rng(0)
    genes = [[x / 2, y / 2] for x, y in genome.sample(rng, 30)]  # trials in [0, 0.5] x [0, 0.5]
    losses = np.array([(x - 0.3) ** 2 + (y - 0.4) ** 2 for x, y in genes])
    children = [[0.9 + 1e-3 * i, 0.9] for i in range(8)] + [[x / 2, y / 2] for x, y in genome.sample(rng, 24)]
    once = GaussianProcessSurrogate(acquisition=acquisition)  # the default, in a space without conditions
    believer = GaussianProcessSurrogate(acquisition=acquisition, believer=True)
    order = once.rank(genome, genes, losses, children, seed=0)
    picked = believer.rank(genome, genes, losses, children, seed=0)
    assert sorted(picked.tolist()) == list(range(32))  # a permutation of the children
    assert picked[0] == order[0]  # the first pick is the ranking's first
    copies_evaluated = [int(np.sum(ranking[:8] < 8)) for ranking in (order, picked)]
    assert copies_evaluated[0] >= 5 and copies_evaluated[1] == 1, copies_evaluated
    # several objectives rank as before: their "closer" ranking is not a believer's
    two = np.stack([losses, (1 - np.array(genes)[:, 0]) ** 2], axis=1)
    assert once.rank_front(genome, genes, two, children, seed=0) == believer.rank_front(
        genome, genes, two, children, seed=0)


def test_the_default_surrogate_is_a_believer_in_a_space_with_conditions_only():
    """``believer=None``: the same near copies of an unexplored point in a space with conditions are spread
    as ``believer=True`` spreads them (one evaluated of eight), not as one ranking takes them (five)."""
    genome = Genome(et.Space({"m": ["a", "b"], "x": et.Float(0, 1).when(m="a"), "y": et.Float(0, 1)}))
    rng = np.random.default_rng(0)
    genes = [[m, x / 2, y / 2] for m, x, y in genome.sample(rng, 30)]
    losses = np.array([(x - 0.3) ** 2 + (y - 0.4) ** 2 + 0.1 * m for m, x, y in genes])
    children = [[0, 0.9 + 1e-3 * i, 0.9] for i in range(8)]
    children += [[m, x / 2, y / 2] for m, x, y in genome.sample(rng, 24)]
    default, believer, once = (GaussianProcessSurrogate(believer=b).rank(genome, genes, losses, children, 0)
                               for b in (None, True, False))
    assert default.tolist() == believer.tolist() != once.tolist()
    assert [int(np.sum(ranking[:8] < 8)) for ranking in (once, default)] == [5, 1]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"oversample": 0}, "`oversample` must be an integer >= 1; got 0"),
        ({"window": 1.5}, "`window` must be an integer >= 2; got 1.5"),
        ({"acquisition": "lcb", "kappa": -1}, "`kappa` must be a number >= 0; got -1"),
        ({"kappa": 2.0}, "pass it with acquisition='lcb' (got acquisition='ei', kappa=2.0)"),
        ({"immigrants": 1.0}, "`immigrants` must be a share in [0, 1); got 1.0"),
        ({"branch_share": -0.1}, "`branch_share` must be a share in [0, 1); got -0.1"),
        ({"branch_mutants": -1}, "`branch_mutants` must be an integer >= 0; got -1"),
        ({"acquisition": "ucb"}, "`acquisition` must be one of ('ei', 'lcb'); got 'ucb'"),
        ({"front_scale": "normal"}, "`front_scale` must be one of ('values', 'ranks'); got 'normal'"),
        ({"front_min_trials": 1}, "`front_min_trials` must be an integer >= 2 or None; got 1"),
        ({"believer": 1}, "`believer` must be True, False or None; got 1"),
        ({"relevance": 1}, "`relevance` must be True, False or None; got 1"),
    ],
)
def test_settings_are_validated(kwargs, fragment):
    with pytest.raises(InvalidParameterError, match="GaussianProcessSurrogate") as info:
        GaussianProcessSurrogate(**kwargs)
    assert fragment in str(info.value)


def test_immigrants_are_ranked_with_the_bred_children():
    """A share of the candidates come from anywhere in the space, not from the population's neighbourhood."""
    class Recording(et.Surrogate):
        oversample, immigrants = 4, 0.5

        def rank(self, genome, genes, losses, children, seed):
            pools.append(np.array(children)[:, 0])
            return np.arange(len(children))

    pools = []
    near_zero = [{"x": x} for x in (0.01, 0.02, 0.03, 0.04)]  # every parent close to 0
    ev = Evolution({"x": et.Float(0, 1)}, population_size=4, offspring_size=20, initial_points=near_zero,
                   surrogate=Recording(), seed=0)
    batch = ev.ask()
    ev.tell(batch, [c.params["x"] for c in batch])
    ev.ask()  # 20 children, chosen among 80 candidates: 40 bred from those four, 40 immigrants
    pools = np.array(pools)
    assert pools.shape == (1, 80)
    far = pools[0] > 0.3
    assert far[40:].mean() > 0.5 > 0.3 > far[:40].mean()


def _families(params):
    """Family ``wide`` is fine almost anywhere (0.5 or better); ``narrow`` is far better, in a fifth of its range."""
    if params["model"] == "wide":
        return 0.5 + 0.1 * params["a"]
    if params["model"] == "narrow":
        return 0.1 if abs(params["b"] - 0.77) < 0.1 else 1.0
    return 1.0


FAMILIES = {"model": ["wide", "narrow", "other"], "a": et.Float(0, 1).when(model="wide"),
            "b": et.Float(0, 1).when(model="narrow"), "c": et.Float(0, 1).when(model="other")}


def test_in_a_space_with_conditions_every_generation_spends_children_on_the_least_tried_branches():
    """Ranked alone, the children are bred from the family that did well first and the far better one is
    never found; ``branch_share`` sends a quarter of each generation to the branches with the fewest trials
    (their best-ranked candidates), which finds it."""
    def run(surrogate, seed):
        result = et.optimize(_families, FAMILIES, max_evaluations=64, population_size=8, offspring_size=8,
                             surrogate=surrogate, seed=seed)
        models = [t.params["model"] for t in result.trials]
        return [sum(m != "wide" for m in models[i:i + 8]) for i in range(8, 64, 8)], result.best_value

    spread = [run(GaussianProcessSurrogate(believer=False), seed) for seed in range(1, 5)]
    ranked = [run(GaussianProcessSurrogate(branch_share=0, believer=False), seed) for seed in range(1, 5)]
    assert all(min(counts) >= 1 for counts, _ in spread)  # round(8 * 0.25) = 2 slots, one may go to "wide"
    assert all(sum(counts) == 0 for counts, _ in ranked)
    assert sum(best == 0.1 for _, best in spread) >= 2 > sum(best == 0.1 for _, best in ranked) == 0
    assert repr(GaussianProcessSurrogate(branch_share=0)).endswith(", branch_share=0.0)")
    assert "branch_share" not in repr(GaussianProcessSurrogate())  # the default: as run files of 0.6 wrote it


def test_one_child_a_generation_is_not_all_exploration():
    """``round(1 * 0.25)`` is 0: a slot goes to the least-tried branch every fourth generation (before
    0.8 every child did, so the branches took turns, 12 children each of 36)."""
    from collections import Counter

    for seed in range(3):
        result = et.optimize(_families, FAMILIES, max_evaluations=40, population_size=4, offspring_size=1,
                             seed=seed)
        counts = Counter(t.params["model"] for t in result.trials[4:])
        assert max(counts.values()) >= 18, counts


def test_without_conditions_branch_share_changes_nothing():
    trials = [et.optimize(objective, SPACE, max_evaluations=40, seed=2,
                          surrogate=GaussianProcessSurrogate(branch_share=share)).trials for share in (0.0, 0.5)]
    assert [t.params for t in trials[0]] == [t.params for t in trials[1]]
    trials = [et.optimize(objective, SPACE, max_evaluations=40, seed=2,
                          surrogate=GaussianProcessSurrogate(branch_mutants=n)).trials for n in (0, 4)]
    assert [t.params for t in trials[0]] == [t.params for t in trials[1]]


def test_branch_mutants_are_ranked_with_the_bred_children():
    """With ``branch_mutants``, the candidates ranked also hold mutants of each branch's best trial: of the
    family the population left behind too, near its best point."""
    class Recording(GaussianProcessSurrogate):
        def rank(self, genome, genes, losses, children, seed):
            pools.append([genome.decode(c) for c in children])
            return np.arange(len(children))

    def loss(params):
        return 0.9 + abs(params["b"] - 0.5) if params["model"] == "narrow" else 0.5

    pools = []
    start = [{"model": "wide", "a": a} for a in (0.1, 0.2, 0.3)] + [{"model": "narrow", "b": 0.5}]
    for mutants in (0, 3):
        ev = Evolution(FAMILIES, population_size=4, initial_points=start, seed=0,
                       surrogate=Recording(branch_mutants=mutants, min_trials=2))
        batch = ev.ask()
        ev.tell(batch, [loss(c.params) for c in batch])
        ev.ask()
    without, with_mutants = pools
    assert len(with_mutants) == len(without) + 6  # three of each branch's best: "wide" and "narrow"
    narrow = [p["b"] for p in with_mutants[len(without):] if p["model"] == "narrow"]
    assert any(abs(b - 0.5) < 0.2 for b in narrow)  # moved from 0.5, not drawn anew
    assert repr(GaussianProcessSurrogate(branch_mutants=3)).endswith(", branch_mutants=3)")
    assert "branch_mutants" not in repr(GaussianProcessSurrogate())


def test_evolution_refuses_what_is_not_a_surrogate():
    with pytest.raises(InvalidParameterError, match="`surrogate` must be a Surrogate .* got 'trees'"):
        Evolution(SPACE, surrogate="trees")


class _ByFirstFeature(et.Surrogate):
    """A surrogate of one's own: it only ranks one loss column (no ``rank_front``)."""

    oversample = 4

    def rank(self, genome, genes, losses, children, seed):
        order = np.argsort(np.asarray([genome.features([c])[0, 0] for c in children]), kind="stable")
        return order if np.isfinite(losses).any() else np.arange(len(children))


@pytest.mark.parametrize("surrogate", [
    GaussianProcessSurrogate(), GaussianProcessSurrogate(front_scale="ranks"), _ByFirstFeature()])
def test_rank_front_ranks_children_that_extend_the_front_first(surrogate):
    """Two objectives: every child once, most promising first; the children the front gains most from
    (predicted by the model, or ParEGO over the surrogate's own rank) lead the ranking."""
    genome = Genome(et.Space({"x": et.Float(0, 1), "y": et.Float(0, 1)}))
    rng = np.random.default_rng(0)
    genes = genome.sample(rng, 40)

    def losses_of(points):
        return np.array([[p[0], 1 - math.sqrt(p[0]) + 4 * p[1]] for p in map(genome.decode, points)
                         for p in [[p["x"], p["y"]]]])

    children = genome.sample(rng, 100)
    order = surrogate.rank_front(genome, genes, losses_of(genes), children, seed=0)
    assert sorted(order) == list(range(100))
    if isinstance(surrogate, GaussianProcessSurrogate):
        y = np.array([genome.decode(c)["y"] for c in children])
        assert y[order[:10]].mean() < y.mean() / 2  # the front needs y = 0


def test_with_several_objectives_the_model_waits_for_front_min_trials():
    """Two or three objectives and fewer completed trials than ``front_min_trials`` (failures not counted):
    the children keep their bred order; from that many on, the model ranks them. ``None`` waits for
    ``min_trials`` alone, as with one objective and from four."""
    genome = Genome(et.Space({"x": et.Float(0, 1), "y": et.Float(0, 1)}))
    rng = np.random.default_rng(0)
    genes, children = genome.sample(rng, 14), genome.sample(rng, 50)
    losses = np.array([[x, 1 - math.sqrt(x) + 4 * y] for x, y in genes])
    bred = list(range(50))
    assert GaussianProcessSurrogate().rank_front(genome, genes[:12], losses[:12], children, seed=0) == bred
    failed = losses.copy()
    failed[0] = math.nan
    assert GaussianProcessSurrogate().rank_front(genome, genes[:13], failed[:13], children, seed=0) == bred
    assert GaussianProcessSurrogate().rank_front(genome, genes[:13], losses[:13], children, seed=0) != bred
    early = GaussianProcessSurrogate(front_min_trials=None)
    assert early.rank_front(genome, genes[:8], losses[:8], children, seed=0) != bred
    assert early.rank_front(genome, genes[:7], losses[:7], children, seed=0) == bred
    four = np.hstack([losses, losses[:, ::-1] ** 2])  # from four objectives, min_trials alone
    assert GaussianProcessSurrogate().rank_front(genome, genes[:8], four[:8], children, seed=0) != bred


@pytest.mark.parametrize("text", [
    "GaussianProcessSurrogate(oversample=4, immigrants=0.25, acquisition='ei', window=300, fit_size=100, "
    "min_trials=8, front_scale='ranks', front_min_trials=None)",
    repr(GaussianProcessSurrogate(acquisition="lcb", kappa=2.0, branch_mutants=4)),
    repr(GaussianProcessSurrogate(believer=False)),
    repr(GaussianProcessSurrogate(believer=False, relevance=False)),
    repr(GaussianProcessSurrogate(relevance=True)),
])
def test_a_stored_surrogate_is_rebuilt_from_its_repr(text):
    assert repr(GaussianProcessSurrogate.from_repr(text)) == text
    assert GaussianProcessSurrogate.from_repr(text) == GaussianProcessSurrogate.from_repr(text)


@pytest.mark.parametrize("text", [
    None, 3, "GaussianProcessSurrogate(", "RandomSurrogate(oversample=4)", "GaussianProcessSurrogate(4)",
    "GaussianProcessSurrogate(oversample=__import__('os').getpid())",
    "GaussianProcessSurrogate(oversample=0)",
    "GaussianProcessSurrogate(colour='red')", "GaussianProcessSurrogate(oversample=4)",  # not its whole repr
])
def test_anything_but_a_surrogate_s_own_repr_is_not_rebuilt(text):
    assert GaussianProcessSurrogate.from_repr(text) is None


def test_one_diverged_trial_does_not_flatten_the_other_values_the_front_is_ranked_on():
    """``front_scale="values"``: a loss far beyond the others (a diverged training, a trial that took hours)
    counts as at Tukey's far-out fence, so how far beyond does not change the ranking; without the fence it
    would squeeze every other trial's standardised value together."""
    genome = Genome(et.Space({"x": et.Float(0, 1), "y": et.Float(0, 1)}))
    rng = np.random.default_rng(1)
    genes, children = genome.sample(rng, 30), genome.sample(rng, 64)
    points = np.array([[p["x"], p["y"]] for p in map(genome.decode, genes)])
    losses = np.column_stack([points[:, 0], 1 - np.sqrt(points[:, 0]) + 4 * points[:, 1]])
    orders = []
    for diverged in (1e3, 1e6):
        losses[0, 1] = diverged
        orders.append(GaussianProcessSurrogate()._rank_by_gain(genome, genes, losses, children, seed=0))
    assert orders[0] == orders[1]
    losses[0, 1] = np.median(losses[:, 1])
    assert GaussianProcessSurrogate()._rank_by_gain(genome, genes, losses, children, seed=0) != orders[0]
