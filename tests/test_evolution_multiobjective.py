"""Several objectives and constraints: the engine, its results and their storage."""

import json
import math
import sqlite3
import warnings

import numpy as np
import pytest

import evotune as et
from evotune import Evolution, InfeasibleWarning, InvalidParameterError
from evotune.exceptions import AllEvaluationsFailedError, FailedEvaluationWarning
from evotune.genome import Genome
from evotune.pareto import hypervolume, nondominated
from evotune.result import best_trials

SPACE = {"x": et.Float(0, 1), "y": et.Float(0, 1), "k": et.Integer(0, 5), "c": ["a", "b", "c"]}
TWO = ["minimize", "minimize"]


def zdt1(p):
    """ZDT1 with mixed genes: the front needs y = 0, k = 0 and c = "a"."""
    g = 1 + 9 * (p["y"] + p["k"] / 5 + (p["c"] != "a")) / 3
    return p["x"], g * (1 - math.sqrt(p["x"] / g))


def run(ev, objective, generations):
    for _ in range(generations):
        batch = ev.ask()
        ev.tell(batch, [objective(c.params) for c in batch])
    return ev


def test_the_hall_of_fame_is_the_front_of_every_trial_and_beats_random_search():
    result = et.optimize(zdt1, SPACE, directions=TWO, max_evaluations=150, seed=0)
    front = result.pareto_front
    assert [t.number for t in front] == [t.number for t in best_trials(result.trials, TWO)]
    losses = np.array([t.values for t in result.trials])
    for t in front:  # nothing evaluated dominates a trial of the front
        assert not np.any(np.all(losses <= t.values, axis=1) & np.any(losses < t.values, axis=1))
    genome = Genome(et.Space(SPACE))
    random = [zdt1(genome.decode(genes)) for genes in genome.sample(np.random.default_rng(0), 150)]

    random_hv = hypervolume(np.array(random)[nondominated(random)], [1.1, 11])
    assert result.hypervolume([1.1, 11]) > random_hv


def test_maximize_and_minimize_mixed_directions():
    result = et.optimize(lambda p: (p["x"], p["x"] ** 2 - p["y"]), SPACE, directions=["maximize", "minimize"],
                         max_evaluations=40, seed=1)
    # maximizing x while minimizing x² - y: the front trades a large x for a small x² - y
    assert result.directions == (et.Direction.MAXIMIZE, et.Direction.MINIMIZE)
    front = result.pareto_front
    assert all(a.values[0] <= b.values[0] for a, b in zip(front, front[1:])) or \
        all(a.values[0] >= b.values[0] for a, b in zip(front, front[1:]))
    best = result.select(weights=[1, 0])
    assert best.values[0] == max(t.values[0] for t in result.trials if t.ok)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_same_seed_same_trials_for_any_number_of_workers(n_jobs):
    straight = et.optimize(zdt1, SPACE, directions=TWO, max_evaluations=36, seed=4, lag=2)
    other = et.optimize(zdt1, SPACE, directions=TWO, max_evaluations=36, seed=4, lag=2, n_jobs=n_jobs)
    assert [(t.params, t.values) for t in other.trials] == [(t.params, t.values) for t in straight.trials]


def test_the_population_does_not_depend_on_the_budget_so_a_short_run_is_the_start_of_a_long_one():
    """With two or three objectives the default population is 6 whatever the budget (one objective: 8 at 64,
    11 at 128): the first 64 trials of a run of 128 are those of a run of 64."""
    short = et.optimize(zdt1, SPACE, directions=TWO, max_evaluations=64, seed=1)
    long = et.optimize(zdt1, SPACE, directions=TWO, max_evaluations=128, seed=1)
    assert [(t.params, t.values) for t in long.trials[:64]] == [(t.params, t.values) for t in short.trials]
    assert Evolution(SPACE, directions=TWO, max_evaluations=128).config.population_size == 6
    assert Evolution(SPACE, directions=["minimize"] * 4, max_evaluations=128).config.population_size == 11
    assert Evolution(SPACE, max_evaluations=128).config.population_size == 11
    with pytest.raises(InvalidParameterError, match="n_objectives"):
        et.default_population_size(64, n_objectives=0)


@pytest.mark.parametrize("returned, fragment", [
    (0.5, "objective returned 0.5; expected 2 finite numbers, one per direction (minimize, minimize)"),
    ((1.0, 2.0, 3.0), "objective returned (1.0, 2.0, 3.0); expected 2 finite numbers"),
    ((1.0, math.nan), "objective returned (1.0, nan); expected 2 finite numbers"),
    (("a", 1.0), "objective returned ('a', 1.0); expected 2 finite numbers"),
])
def test_a_wrong_return_fails_its_trial_with_the_reason(returned, fragment):
    ev = Evolution(SPACE, directions=TWO, population_size=4, seed=0)
    batch = ev.ask()
    with pytest.warns(FailedEvaluationWarning, match="1 of 4 evaluations failed") as record:
        ev.tell(batch, [returned] + [zdt1(c.params) for c in batch[1:]])
    # the warning points at the user's line, not evotune's
    assert [w.filename for w in record if w.category is FailedEvaluationWarning] == [__file__]
    assert ev.trials[0].state == "failed" and fragment in ev.trials[0].error
    assert all(math.isnan(v) for v in ev.trials[0].values) and len(ev.trials[0].values) == 2


def test_values_with_info_and_numpy_arrays_are_accepted():
    ev = Evolution(SPACE, directions=TWO, population_size=4, seed=0)
    batch = ev.ask()
    ev.tell(batch, [(np.array([0.1, 0.2]), {"note": 1})] + [list(zdt1(c.params)) for c in batch[1:]])
    assert ev.trials[0].values == (0.1, 0.2) and ev.trials[0].info == {"note": 1} and ev.trials[0].value == 0.1


def test_every_first_generation_evaluation_failing_names_the_reason():
    with pytest.raises(AllEvaluationsFailedError, match="expected 2 finite numbers"):
        et.optimize(lambda p: p["x"], SPACE, directions=TWO, max_evaluations=20, seed=0)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"directions": "minimize"}, "`directions` must be a non-empty list"),
    ({"directions": []}, "`directions` must be a non-empty list"),
    ({"directions": ["minimize", "max"]}, "`directions` must be one of ('minimize', 'maximize'); got 'max'"),
    ({"directions": TWO, "direction": "maximize"}, "`direction` (maximize) and `directions`"),
    ({"constraints": 3}, "`constraints` must be a callable"),
    ({"directions": TWO, "keep_extremes": "yes"}, "`keep_extremes` must be True, False or None; got 'yes'."),
])
def test_bad_settings_name_the_parameter(kwargs, fragment):
    with pytest.raises(InvalidParameterError) as info:
        et.Settings(**kwargs)
    assert fragment in str(info.value)


def test_keep_extremes_defaults_to_two_objectives_only_and_is_stored_resolved():
    def keep(**settings):
        return Evolution(SPACE, seed=0, **settings).settings()["keep_extremes"]

    assert (keep(directions=TWO), keep(directions=["minimize"] * 3), keep()) == (True, False, None)
    assert keep(directions=["minimize"] * 3, keep_extremes=True) is True
    assert keep(keep_extremes=True) is None  # one objective: nothing to keep


@pytest.mark.slow
def test_from_three_objectives_survival_does_not_hold_on_to_extremes_far_from_the_front():
    """The default (``keep_extremes=False`` from three objectives) converges closer than keeping each front's
    extremes (evotune 0.9's survival: a trial best in one objective and poor in the others stayed for good)."""
    from experiments.benchmarks.bench_many_objectives import distance, dtlz2

    objective, space = dtlz2(3)  # the front is the unit sphere's positive part

    def mean_distance(**settings):  # the fronts' mean distance to the true front, over three seeds
        runs = [et.optimize(objective, space, directions=["minimize"] * 3, max_evaluations=100, seed=seed,
                            **settings) for seed in range(3)]
        return distance([t.values for r in runs for t in r.pareto_front])

    default, kept = mean_distance(), mean_distance(keep_extremes=True)
    assert default < 0.7 * kept


def test_constraints_rank_feasible_first_and_keep_infeasible_out_of_the_hall_of_fame():
    # minimize x + y subject to x + y >= 1: the best is on the line x + y = 1
    result = et.optimize(lambda p: p["x"] + p["y"], SPACE, constraints=lambda p, v, i: 1 - p["x"] - p["y"],
                         max_evaluations=60, seed=0)
    assert all(t.feasible for t in result.hall_of_fame)
    assert 1.0 <= result.best_value < 1.05
    assert any(not t.feasible for t in result.trials)
    assert [t.number for t in result.hall_of_fame] == [t.number for t in best_trials(result.trials, ["minimize"])]


def test_constraints_with_several_objectives():
    result = et.optimize(zdt1, SPACE, directions=TWO, constraints=lambda p, v, i: [0.3 - v[0], v[1] - 5],
                         max_evaluations=60, seed=0)
    assert result.pareto_front and all(t.values[0] >= 0.3 and t.values[1] <= 5 for t in result.pareto_front)
    assert all(len(t.constraints) == 2 for t in result.trials if t.ok)


def test_no_feasible_trial_says_so_and_keeps_the_least_infeasible():
    with pytest.warns(InfeasibleWarning, match="no trial met the constraints") as record:
        result = et.optimize(lambda p: p["x"], SPACE, constraints=lambda p, v, i: 2 - p["x"],
                             max_evaluations=20, seed=0)
    assert [w.filename for w in record if w.category is InfeasibleWarning] == [__file__]
    assert result.best_trial is None and result.best_params is None and not result.feasible
    assert result.pareto_front == []
    violations = [t.violation for t in result.hall_of_fame]
    assert violations == sorted(violations) and violations[0] == min(t.violation for t in result.trials)


@pytest.mark.parametrize("constraints, fragment", [
    (lambda p, v, i: 1 / 0, "constraints raised ZeroDivisionError"),
    (lambda p, v, i: "no", "constraints returned 'no'"),
    (lambda p, v, i: [0.0] * (1 + (p["x"] > 0.5)), "expected 1 number(s), as for earlier trials"),
])
def test_a_failing_constraint_fails_its_trial(constraints, fragment):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = et.optimize(lambda p: p["x"], SPACE, constraints=constraints, max_evaluations=16, seed=0)
        except AllEvaluationsFailedError as exc:
            result = exc.result
    assert any(t.state == "failed" and fragment in t.error for t in result.trials)


def test_hypervolume_and_select_check_their_arguments():
    result = et.optimize(zdt1, SPACE, directions=TWO, max_evaluations=30, seed=0)
    with pytest.raises(InvalidParameterError, match="must be worse than every trial of the front"):
        result.hypervolume([0.5, 0.5])
    with pytest.raises(InvalidParameterError, match="must hold 2 numbers"):
        result.hypervolume([1.1])
    with pytest.raises(InvalidParameterError, match="`weights` must have 2 entries"):
        result.select(weights=[1])
    with pytest.raises(InvalidParameterError, match="`weights` must have 2 entries"):
        result.select("knee")  # a method's name where weights go
    with pytest.raises(InvalidParameterError, match=r"select: `weights\[1\]` must be a number >= 0; got -1"):
        result.select(weights=[1, -1])
    with pytest.raises(InvalidParameterError, match=r"select: `limits\[0\]` must be a number or None; got nan"):
        result.select(limits=[float("nan"), None])
    assert result.select(weights=np.array([1.0, 0.0])) == result.select(weights=[1, 0])
    with pytest.raises(InvalidParameterError, match="no trial of the front meets limits"):
        result.select(limits=[-1, None])
    assert result.best_trial == result.select() and result.best_trial in result.pareto_front


def test_exports_mark_the_front(tmp_path):
    result = et.optimize(zdt1, SPACE, directions=TWO, max_evaluations=30, seed=0)
    result.save_trials(tmp_path / "t.json")
    rows = json.loads((tmp_path / "t.json").read_text())
    assert {r["number"] for r in rows if r["front"]} == {t.number for t in result.pareto_front}
    assert rows[0]["values"] == list(result.trials[0].values)
    result.save_trials(tmp_path / "t.csv")
    header = (tmp_path / "t.csv").read_text().splitlines()[0].split(",")
    assert header[8:11] == ["value_0", "value_1", "front"]


def test_a_stored_run_resumes_exactly_and_reads_back_its_front(tmp_path):
    path = tmp_path / "runs.db"
    constraints = lambda p, v, i: v[1] - 6  # noqa: E731
    et.optimize(zdt1, SPACE, directions=TWO, constraints=constraints, max_evaluations=30, seed=2, storage=path,
                run_name="mo")
    resumed = et.optimize(zdt1, SPACE, directions=TWO, constraints=constraints, max_evaluations=60, seed=2,
                          storage=path, run_name="mo", resume=True)
    straight = et.optimize(zdt1, SPACE, directions=TWO, constraints=constraints, max_evaluations=60, seed=2)
    assert [(t.params, t.values, t.constraints) for t in resumed.trials] == \
        [(t.params, t.values, t.constraints) for t in straight.trials]
    stored = et.load_run(path, "mo")
    assert stored.directions == straight.directions
    assert [t.number for t in stored.pareto_front] == [t.number for t in straight.pareto_front]
    assert stored.best_trial.number == straight.best_trial.number
    with sqlite3.connect(path) as conn:
        values, constraints_json = conn.execute(
            "SELECT objective_values, constraints FROM trials WHERE number=0").fetchone()
    assert json.loads(values) == list(straight.trials[0].values)
    assert json.loads(constraints_json) == list(straight.trials[0].constraints)


def test_many_objectives_with_a_large_population_warn_that_survival_will_be_slow(recwarn):
    eight = ["minimize"] * 8
    Evolution(SPACE, directions=eight, seed=0)  # the default population: a cut of at most 24 trials
    Evolution(SPACE, directions=["minimize"] * 3, population_size=40, seed=0)
    assert not [w for w in recwarn if "survival" in str(w.message)]
    with pytest.warns(UserWarning, match=r"with 8 objectives, survival .* keeps 24 of 48 trials can take minutes"):
        Evolution(SPACE, directions=eight, population_size=24, seed=0)


def test_the_population_s_fitness_is_its_own_order_when_the_view_selects_other_trials():
    """The proposals' view and the reported population share their individuals, and with several objectives
    each selection writes its own positions into their fitness. With ``lag=3`` a generation is bred from fewer
    trials than the population holds, so the view's selection (in ask) ranks the shared ones otherwise: read
    after it, the population must still hold its own order, 0, 1, 2, ..."""
    ev = Evolution(SPACE, directions=TWO, population_size=6, lag=3, seed=2)
    checked = 0
    for _ in range(40):
        batch = ev.ask()  # breeds from the view: its selection writes the view's positions
        members = ev.population
        assert [m.fitness.values[0] for m in members] == [float(i) for i in range(len(members))]
        order = et.pareto.survivors(np.array([m.losses for m in members]), size=len(members))
        assert order.tolist() == list(range(len(members)))  # and that is its survival order
        checked += ev.generation > 1
        for candidate in batch:
            ev.tell_one(candidate, zdt1(candidate.params))
    assert checked > 30
