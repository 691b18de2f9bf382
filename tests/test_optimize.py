import math
import signal
import time

import pytest

import evotune as et
from evotune import InvalidParameterError

from .mixed_problem import SPACE, objective, random_search_best


@pytest.mark.parametrize("seed", range(5))
def test_it_actually_optimizes_beating_random_search_on_every_seed(seed):
    result = et.optimize(objective, SPACE, max_evaluations=200, seed=seed)
    assert result.n_evaluations == 200
    assert result.best_value < 0.5 * random_search_best(200, seed)  # observed: 0.06-7.3 against 19-34


def test_max_evaluations_counts_real_evaluations():
    calls = []
    result = et.optimize(lambda p: calls.append(1) or objective(p), SPACE, max_evaluations=77, seed=0)
    assert len(calls) == result.n_evaluations == 77
    assert sum(row.evaluated for row in result.history) == 77
    assert result.stop_reason == "max_evaluations reached (77)"


def test_generations_stop_rule():
    result = et.optimize(objective, SPACE, generations=4, population_size=10, seed=0)
    assert len(result.history) == 4 and result.n_evaluations == 40
    assert result.stop_reason == "generations reached (4)"


def test_time_budget_is_checked_between_evaluations():
    start = time.monotonic()
    result = et.optimize(lambda p: time.sleep(0.01) or objective(p), SPACE, time_budget=0.3, population_size=50, seed=0)
    assert time.monotonic() - start < 1.0
    assert 5 < result.n_evaluations < 50  # stopped inside the first generation
    assert result.stop_reason == "time_budget reached (0.3 s)"


def test_finite_space_stops_and_says_so():
    space = {"n_estimators": [10, 50, 100, 200], "max_depth": [None, 10, 20, 30]}
    result = et.optimize(lambda p: p["n_estimators"], space, max_evaluations=300, seed=0)
    assert result.n_evaluations == 16
    assert result.stop_reason == "space exhausted: all 16 points evaluated"


def test_callbacks_stop_the_run_with_their_reason():
    seen = []
    result = et.optimize(
        objective,
        SPACE,
        generations=50,
        population_size=10,
        callbacks=[lambda ev, stats: seen.append(stats.generation), lambda ev, stats: stats.generation == 2],
        seed=0,
    )
    assert seen == [0, 1, 2] and len(result.history) == 3
    assert result.stop_reason.startswith("stopped by <function")


def test_error_score_raise_propagates_the_original_exception():
    def broken(p):
        raise ZeroDivisionError("boom")

    with pytest.raises(ZeroDivisionError, match="boom"):
        et.optimize(broken, SPACE, max_evaluations=10, error_score="raise", seed=0)


def test_a_broken_objective_fails_fast_with_its_error():
    with pytest.raises(et.AllEvaluationsFailedError, match="KeyError: 'lr'"):
        et.optimize(lambda p: p["lr"], SPACE, max_evaluations=500, seed=0)


def test_ctrl_c_returns_what_finished():
    def interrupting(p):
        if len(done) == 30:
            raise KeyboardInterrupt
        done.append(p)
        return objective(p)

    done = []
    result = et.optimize(interrupting, SPACE, max_evaluations=500, population_size=20, seed=0)
    assert result.stop_reason == "interrupted"
    assert result.n_evaluations == 30 and [t.params for t in result.trials] == done


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({}, "give at least one of `max_evaluations`, `generations` or `time_budget`"),
        ({"max_evaluations": 0}, "`max_evaluations` must be an integer >= 1 or None; got 0"),
        ({"max_evaluations": 2.5}, "`max_evaluations` must be an integer >= 1"),
        ({"time_budget": -1}, "`time_budget` must be a number of seconds > 0 or None; got -1"),
        ({"generations": 3, "error_score": 0.0}, "`error_score` must be 'raise' or nan"),
        ({"generations": 3, "callbacks": [3]}, "`callbacks` must hold callables; got 3"),
    ],
)
def test_bad_arguments_are_named(kwargs, fragment):
    with pytest.raises(InvalidParameterError) as info:
        et.optimize(objective, SPACE, **kwargs)
    assert fragment in str(info.value)


def test_objective_must_be_callable():
    with pytest.raises(InvalidParameterError, match="`objective` must be callable; got 'f'"):
        et.optimize("f", SPACE, max_evaluations=3)


@pytest.mark.parametrize("objective, fidelity, message", [
    (lambda a, b: 0.0, None, "the objective is called as objective(params), params a dict of parameter name -> "
                             "value; <lambda>(a, b) does not take one argument."),
    (lambda: 0.0, None, "<lambda>() does not take one argument."),
    (lambda params: 0.0, et.Fidelity(1, 9), "with `fidelity`, the objective is called as objective(params, budget); "
                                            "<lambda>(params) does not take two arguments."),
])
def test_an_objective_that_cannot_take_its_arguments_is_refused_before_any_evaluation(objective, fidelity, message,
                                                                                       tmp_path):
    with pytest.raises(InvalidParameterError) as info:
        et.optimize(objective, SPACE, max_evaluations=3, fidelity=fidelity, storage=tmp_path / "run.db")
    assert str(info.value).endswith(message)
    assert not (tmp_path / "run.db").exists() or et.run_names(tmp_path / "run.db") == []


def test_the_issue_example_runs():
    space = {
        "learning_rate": et.Float(1e-4, 1e-1, log=True),
        "n_layers": et.Integer(1, 8),
        "batch_size": et.Integer(16, 512, log=True),
        "activation": et.Categorical(["relu", "tanh", "gelu"]),
        "max_depth": et.Categorical([None, 10, 20, 30]),
    }

    def loss(p):
        return (
            abs(math.log10(p["learning_rate"]) + 2)
            + abs(p["n_layers"] - 4)
            + abs(math.log2(p["batch_size"]) - 7)
            + (p["activation"] != "gelu")
            + (p["max_depth"] is not None)
        )

    result = et.optimize(loss, space, direction="minimize", max_evaluations=300, seed=0)
    assert result.best_value < 0.5
    assert result.best_params["activation"] == "gelu" and result.best_params["max_depth"] is None
    assert len(result.trials) == 300 and result.history and len(result.hall_of_fame) == 10


def test_progress_bar_shows_evaluations_and_best(capsys):
    et.optimize(objective, SPACE, max_evaluations=30, progress=True, seed=0)
    err = capsys.readouterr().err
    assert "30/30" in err and "best=" in err


def test_a_resumed_runs_progress_bar_counts_the_whole_run(tmp_path, capsys):
    path = tmp_path / "runs.db"
    et.optimize(objective, SPACE, max_evaluations=20, storage=path, seed=0)
    capsys.readouterr()
    et.optimize(objective, SPACE, max_evaluations=48, storage=path, resume=True, progress=True, seed=0)
    last = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert "48/48" in last  # not 28/48: the stored evaluations count


def test_all_cores_and_where_each_trial_ran_are_recorded():
    result = et.optimize(objective, SPACE, max_evaluations=20, n_jobs=-1, seed=0)
    assert result.n_evaluations == 20
    assert all(t.worker.startswith("pid-") and t.started > 0 and t.duration >= 0 for t in result.trials)


def test_an_objective_can_return_extra_information_with_its_value():
    def with_info(p):
        return objective(p), {"penalty": abs(p["n0"]), "fold_scores": [0.5, 0.7]}

    result = et.optimize(with_info, SPACE, max_evaluations=12, seed=0)
    assert all(t.info["fold_scores"] == [0.5, 0.7] and t.info["penalty"] == abs(t.params["n0"]) for t in result.trials)
    assert result.best_value == min(objective(t.params) for t in result.trials)


def test_a_union_of_sub_spaces_is_searched_and_exhausted():
    space = [{"kernel": ["linear"], "C": [1, 10, 100]}, {"kernel": ["rbf"], "C": [1, 10], "gamma": [0.1, 1.0]}]
    result = et.optimize(lambda p: p["C"] * p.get("gamma", 1.0), space, max_evaluations=100, seed=0)
    assert result.n_evaluations == 7 and result.stop_reason == "space exhausted: all 7 points evaluated"
    assert result.best_params == {"kernel": "rbf", "C": 1, "gamma": 0.1}
    assert {frozenset(t.params) for t in result.trials} == {frozenset({"kernel", "C"}), frozenset({"kernel", "C", "gamma"})}


def test_a_budget_smaller_than_the_workers_starts_no_more_evaluations(tmp_path):
    calls = tmp_path / "calls.txt"

    def counted(p):
        with open(calls, "a") as f:
            f.write("1\n")
        return objective(p)

    result = et.optimize(counted, SPACE, max_evaluations=3, n_jobs=4, seed=0)
    assert result.n_evaluations == 3 and len(calls.read_text().split()) == 3


def test_more_workers_than_the_population_are_all_used():
    """n_jobs is not capped by the population: with 6 workers and a population of 4, 6 run at once."""
    def sleepy(p):
        time.sleep(0.2)
        return objective(p)

    result = et.optimize(sleepy, SPACE, max_evaluations=24, population_size=4, n_jobs=6, seed=0)
    spans = [(t.started, t.started + t.duration) for t in result.trials]
    most = max(sum(start <= moment < end for start, end in spans) for moment, _ in spans)
    assert most == 6
    assert result.settings["lag"] == 12  # 2 x workers


def test_explicit_lag_gives_the_same_trials_for_any_n_jobs():
    serial = et.optimize(objective, SPACE, max_evaluations=40, lag=8, seed=2)
    pooled = et.optimize(objective, SPACE, max_evaluations=40, lag=8, n_jobs=3, seed=2)
    assert [(t.number, t.params) for t in serial.trials] == [(t.number, t.params) for t in pooled.trials]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"seed": 2**63}, "`seed` must be an integer >= 0 and < 9223372036854775808"),
        ({"storage": 123}, "`storage` must be a path (str or os.PathLike) or a Storage; got 123"),
        ({"callbacks": 5}, "`callbacks` must be a list of callables; got 5"),
        ({"dask_client": "nonsense"}, "`dask_client`: cannot connect to a Dask scheduler at 'nonsense'"),
        ({"population_sise": 8}, "unknown setting 'population_sise'; the settings are: constraints, crossover"),
    ],
)
def test_bad_arguments_name_the_parameter(kwargs, fragment):
    with pytest.raises(InvalidParameterError) as info:
        et.optimize(objective, SPACE, max_evaluations=4, **kwargs)
    assert fragment in str(info.value)


# -- conditional spaces ------------------------------------------------------------------------------
COND_SPACE = {
    "kernel": ["linear", "rbf", "poly"],
    "C": et.Float(1e-2, 1e3, log=True),
    "gamma": et.Float(1e-5, 1e-1, log=True).when(kernel=["rbf", "poly"]),
    "degree": et.Integer(2, 5).when(kernel="poly"),
}


def cond_objective(p):
    assert ("gamma" in p) == (p["kernel"] != "linear") and ("degree" in p) == (p["kernel"] == "poly")
    return (math.log10(p["C"]) - 1) ** 2 + (math.log10(p.get("gamma", 1e-2)) + 2) ** 2 + abs(p.get("degree", 3) - 3)


def test_the_objective_gets_only_the_active_parameters_and_so_do_results(tmp_path):
    result = et.optimize(cond_objective, COND_SPACE, max_evaluations=60, population_size=10, n_jobs=2, seed=0,
                         storage=tmp_path / "c.db")
    assert all(set(t.params) == {"kernel", "C", *(["gamma"] if t.params["kernel"] != "linear" else []),
                                 *(["degree"] if t.params["kernel"] == "poly" else [])} for t in result.trials)
    stored = et.load_run(tmp_path / "c.db")
    assert [t.params for t in stored.trials] == [t.params for t in result.trials]
    assert stored.space == et.Space(COND_SPACE)  # conditions round-trip through the run file
    result.save_trials(tmp_path / "t.csv")
    assert result.to_dataframe()["param_degree"].isna().sum() == sum("degree" not in t.params for t in result.trials)
    resumed = et.optimize(cond_objective, COND_SPACE, max_evaluations=90, n_jobs=2, seed=0, storage=tmp_path / "c.db",
                          resume=True)
    straight = et.optimize(cond_objective, COND_SPACE, max_evaluations=90, population_size=10, n_jobs=2, seed=0)
    assert [(t.params, t.value) for t in resumed.trials] == [(t.params, t.value) for t in straight.trials]


def test_a_list_of_sub_spaces_is_searched_as_its_conditional_form_and_resumes(tmp_path):
    """Issue #17: sklearn's list of grids maps onto conditions (C shared by the three kernels, gamma
    by two), so it gives the same trials as the space written with when=."""
    c, gamma = et.Float(1e-2, 1e3, log=True), et.Float(1e-5, 1e-1, log=True)
    union = [{"kernel": ["linear"], "C": c}, {"kernel": ["rbf"], "C": c, "gamma": gamma},
             {"kernel": ["poly"], "C": c, "gamma": gamma, "degree": et.Integer(2, 5)}]
    assert dict(et.Space(union)) == dict(et.Space(COND_SPACE))
    first = et.optimize(cond_objective, union, max_evaluations=30, population_size=8, seed=2, storage=tmp_path / "u.db")
    stored = et.load_run(tmp_path / "u.db")
    assert stored.space == et.Space(union) and stored.space.branches is not None
    assert [t.params for t in stored.trials] == [t.params for t in first.trials]
    resumed = et.optimize(cond_objective, union, max_evaluations=60, seed=2, storage=tmp_path / "u.db", resume=True)
    conditional = et.optimize(cond_objective, COND_SPACE, max_evaluations=60, population_size=8, seed=2)
    assert [(t.params, t.value) for t in resumed.trials] == [(t.params, t.value) for t in conditional.trials]


def test_stored_params_name_the_active_parameters_whatever_their_order(tmp_path):
    space = {"model": ["tree", "knn"], "depth": et.Integer(1, 5).when(model="tree"), "k": et.Integer(1, 9).when(model="knn")}
    result = et.optimize(lambda p: p.get("depth", 0) + p.get("k", 0), space, max_evaluations=20, seed=0,
                         storage=tmp_path / "o.db")
    assert [t.params for t in et.load_run(tmp_path / "o.db").trials] == [t.params for t in result.trials]
    assert any("k" in t.params for t in result.trials)


def test_points_that_differ_only_in_inactive_parameters_are_evaluated_once():
    space = {"kernel": ["rbf", "poly"], "degree": et.Integer(2, 5).when(kernel="poly"), "c": [1, 2, 3]}
    result = et.optimize(lambda p: p["c"] + p.get("degree", 0), space, max_evaluations=100, population_size=4, seed=0)
    points = [tuple(sorted(t.params.items())) for t in result.trials]
    assert len(points) == len(set(points)) == 15 and result.stop_reason.startswith("space exhausted")


def test_forbidden_points_are_never_proposed_and_an_empty_space_is_refused():
    space = et.Space({"low": et.Integer(0, 9), "high": et.Integer(0, 9)}, forbidden=lambda p: p["low"] >= p["high"])
    result = et.optimize(lambda p: p["high"] - p["low"], space, max_evaluations=200, population_size=8, seed=0)
    assert all(t.params["low"] < t.params["high"] for t in result.trials)
    assert len(result.trials) == 45 and result.stop_reason.startswith("space exhausted")
    with pytest.raises(et.InvalidSpaceError, match="`forbidden` rules out all 1000 points sampled"):
        et.optimize(lambda p: 0.0, et.Space({"x": et.Float(0, 1)}, forbidden=lambda p: True), max_evaluations=5)
    with pytest.raises(et.InvalidSpaceError, match="initial_points: .* is ruled out by the space's `forbidden` rule"):
        et.optimize(lambda p: 0.0, space, max_evaluations=5, initial_points=[{"low": 5, "high": 1}])
    with pytest.raises(et.InvalidSpaceError, match="`forbidden` must be a callable"):
        et.Space({"x": et.Float(0, 1)}, forbidden="x > 1")


def test_a_forbidden_rule_that_raises_or_never_returns_is_refused_before_any_evaluation():
    evaluated = []

    def objective(params):
        evaluated.append(params)
        return params["x"]

    conditional = {"x": et.Float(0, 1), "kernel": ["rbf", "poly"], "degree": et.Integer(2, 5).when(kernel="poly")}
    with pytest.raises(et.InvalidSpaceError, match=r"`forbidden` raised KeyError: 'degree' on \{.*use params.get"):
        et.optimize(objective, et.Space(conditional, forbidden=lambda p: p["degree"] > 3), max_evaluations=5)

    def no_return(params):
        params["x"] > 0.5

    with pytest.raises(et.InvalidSpaceError, match="returned None for all 1000 points .* `return` missing"):
        et.optimize(objective, et.Space({"x": et.Float(0, 1)}, forbidden=no_return), max_evaluations=5)
    assert evaluated == []
    # a rule answering None for some points (Python's `and`) is read by its truth
    space = et.Space(conditional, forbidden=lambda p: p.get("degree") and p["degree"] > 3)
    result = et.optimize(objective, space, max_evaluations=30, seed=0)
    assert all(t.params.get("degree", 2) <= 3 for t in result.trials)
    assert {t.params["kernel"] for t in result.trials} == {"rbf", "poly"}


def test_a_conditional_space_gives_the_same_trials_for_any_number_of_workers():
    runs = [et.optimize(cond_objective, COND_SPACE, max_evaluations=40, population_size=8, lag=4, n_jobs=n, seed=3)
            for n in (1, 2)]
    assert [(t.params, t.value) for t in runs[0].trials] == [(t.params, t.value) for t in runs[1].trials]


def test_a_second_ctrl_c_while_the_first_unwinds_is_held_not_raised():
    from evotune.optimize import _Interrupts

    interrupts = _Interrupts()

    def wait():
        with pytest.raises(KeyboardInterrupt):
            interrupts._handle(signal.SIGINT, None)  # Ctrl-C while the driver waits: raised
        try:
            interrupts._handle(signal.SIGINT, None)  # a second one at once, while the first unwinds: held
        except KeyboardInterrupt:
            pytest.fail("a second Ctrl-C was raised into the first one's unwinding")
        raise KeyboardInterrupt  # the first one's unwinding goes on

    with pytest.raises(KeyboardInterrupt):
        interrupts.waiting(wait)
    assert interrupts.pending and not interrupts.active
    with pytest.raises(KeyboardInterrupt):  # the held one, at the next wait
        interrupts.waiting(lambda: pytest.fail("waited"))


def test_a_ctrl_c_lost_in_a_destructor_does_not_disarm_the_next_one():
    """A KeyboardInterrupt raised in a destructor is printed as "Exception ignored" and the wait goes on
    (seen with Dask's Future.__del__): a Ctrl-C a second later, in the same wait, is raised."""
    from evotune.optimize import _Interrupts

    interrupts = _Interrupts()

    def wait():
        try:
            interrupts._handle(signal.SIGINT, None)
        except KeyboardInterrupt:
            pass  # lost, as in a destructor
        time.sleep(1.05)
        interrupts._handle(signal.SIGINT, None)  # pressed again
        pytest.fail("the second Ctrl-C was not raised")

    with pytest.raises(KeyboardInterrupt):
        interrupts.waiting(wait)
