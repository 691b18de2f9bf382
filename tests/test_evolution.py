import math
import pickle
import random

import numpy as np
import pytest

import evotune as et
from evotune import Evolution, InvalidParameterError, InvalidSpaceError
from evotune.exceptions import (
    AllEvaluationsFailedError,
    EvaluationTimeoutError,
    FailedEvaluationWarning,
    WorkerCrashedError,
)

from .mixed_problem import SPACE, objective


def run(ev, objective, generations):
    for _ in range(generations):
        batch = ev.ask()
        if not batch:
            break
        ev.tell(batch, [objective(c.params) for c in batch])
    return ev


def test_same_seed_same_trials_other_seed_other_trials():
    a = run(Evolution(SPACE, seed=3), objective, 6).trials
    b = run(Evolution(SPACE, seed=3), objective, 6).trials
    c = run(Evolution(SPACE, seed=4), objective, 6).trials
    assert [t.params for t in a] == [t.params for t in b]
    assert [t.params for t in a] != [t.params for t in c]


def test_users_global_random_state_is_untouched():
    random.seed(123)
    np.random.seed(123)
    expected = (random.random(), np.random.random())
    random.seed(123)
    np.random.seed(123)
    run(Evolution(SPACE, seed=0), objective, 4)
    assert (random.random(), np.random.random()) == expected


def test_runs_do_not_depend_on_users_global_random_draws():
    random.seed(1)
    a = run(Evolution(SPACE, seed=0), lambda p: objective(p) + 0 * random.random(), 4).trials
    random.seed(2)
    b = run(Evolution(SPACE, seed=0), lambda p: objective(p) + 0 * random.random(), 4).trials
    assert [t.params for t in a] == [t.params for t in b]


def test_no_point_is_evaluated_twice():
    space = {"a": et.Integer(0, 5), "b": ["x", "y", "z"], "c": et.Float(0, 1)}
    ev = run(Evolution(space, population_size=10, seed=0), lambda p: p["a"] + p["c"], 30)
    keys = [(t.params["a"], t.params["b"], t.params["c"]) for t in ev.trials]
    assert len(keys) == len(set(keys))
    assert sum(row.cached for row in ev.history) > 0  # repeats were bred and re-varied


def test_finite_space_stops_at_exhaustion_without_repeats():
    space = {"n_estimators": [10, 50, 100, 200], "max_depth": [None, 10, 20, 30]}
    ev = Evolution(space, population_size=6, seed=0)
    run(ev, lambda p: p["n_estimators"] + (p["max_depth"] or 0), 100)
    assert len(ev.trials) == 16
    assert len({(t.params["n_estimators"], t.params["max_depth"]) for t in ev.trials}) == 16
    assert ev.exhausted and ev.ask() == []


def test_population_smaller_than_space_with_tiny_finite_space():
    ev = Evolution({"a": [1, 2, 3]}, population_size=8, seed=0)
    assert len(ev.ask()) == 3


def test_maximize_keeps_the_largest():
    ev = run(Evolution({"x": et.Float(0, 10)}, direction="maximize", population_size=8, seed=0), lambda p: p["x"], 10)
    result = ev.result()
    assert result.best_value == max(t.value for t in ev.trials) > 9.5
    assert [t.value for t in result.hall_of_fame] == sorted((t.value for t in result.hall_of_fame), reverse=True)
    assert all(row.best >= row.worst for row in ev.history)


def test_history_has_one_row_per_generation_and_a_deap_logbook():
    ev = run(Evolution(SPACE, population_size=10, seed=0), objective, 5)
    assert [row.generation for row in ev.history] == [0, 1, 2, 3, 4]
    assert all(row.evaluated == 10 for row in ev.history)
    bests = [row.best_so_far for row in ev.history]
    assert bests == sorted(bests, reverse=True)
    assert ev.logbook.select("best_so_far") == bests
    assert ev.history[0].diversity > ev.history[-1].diversity


def test_candidates_carry_seeds_that_depend_on_run_seed_and_number_only():
    a = Evolution(SPACE, seed=0).ask()
    b = Evolution(SPACE, seed=0).ask()
    assert [c.seed for c in a] == [c.seed for c in b]
    assert len({c.seed for c in a}) == len(a)
    assert a[0].seed != Evolution(SPACE, seed=1).ask()[0].seed


def test_failures_are_recorded_ranked_worst_and_warned_once_per_generation():
    def flaky(p):
        if p["x0"] > 3:
            raise ValueError("diverged")
        return objective(p)

    ev = Evolution(SPACE, population_size=20, seed=0)
    with pytest.warns(FailedEvaluationWarning, match=r"\d+ of 20 evaluations failed in generation 0 .*ValueError: diverged") as record:
        batch = ev.ask()
        ev.tell(batch, [_safe(flaky, c.params) for c in batch])
    assert len(record) == 1
    failed = [t for t in ev.trials if t.state == "failed"]
    assert failed and all(math.isnan(t.value) and t.error == "ValueError: diverged" for t in failed)
    assert all(t.state == "complete" for t in ev.result().hall_of_fame)


def test_nan_inf_and_non_numbers_are_failures():
    ev = Evolution({"x": et.Float(0, 1)}, population_size=4, seed=0)
    batch = ev.ask()
    with pytest.warns(FailedEvaluationWarning, match="3 of 4"):
        ev.tell(batch, [math.nan, math.inf, "oops", 1.0])
    assert [t.state for t in ev.trials] == ["failed", "failed", "failed", "complete"]
    assert ev.trials[2].error == "objective returned 'oops' (str); expected a number"
    assert ev.result().best_value == 1.0


def test_all_of_first_generation_failing_raises_with_the_first_error():
    ev = Evolution({"x": et.Float(0, 1)}, population_size=4, seed=0)
    batch = ev.ask()
    first = KeyError("missing column")
    with pytest.raises(AllEvaluationsFailedError, match="all 4 evaluations .* KeyError: 'missing column'") as info:
        ev.tell(batch, [first, ZeroDivisionError(), ZeroDivisionError(), ZeroDivisionError()])
    assert info.value.__cause__ is first
    assert len(ev.trials) == 4  # recorded before raising


def test_timeouts_and_crashes_get_their_state():
    ev = Evolution({"x": et.Float(0, 1)}, population_size=4, seed=0)
    batch = ev.ask()
    with pytest.warns(FailedEvaluationWarning):
        ev.tell(batch, [EvaluationTimeoutError("120 s"), WorkerCrashedError("SIGSEGV"), TimeoutError("own"), 0.5])
    assert [t.state for t in ev.trials] == ["timeout", "crashed", "failed", "complete"]
    assert ev.trials[1].error == "WorkerCrashedError: SIGSEGV"


def test_partial_tells_in_any_order_end_the_generation_once():
    ev = Evolution({"x": et.Float(0, 1)}, population_size=4, seed=0)
    batch = ev.ask()
    ev.tell([batch[2]], [0.3])
    assert ev.ask() == []  # generation 1 is bred from generation 0: nothing to propose yet
    ev.tell([batch[3], batch[0]], [0.1, 0.2])
    assert ev.generation == 0 and ev.n_pending == 1
    ev.tell([batch[1]], [0.4])
    assert ev.generation == 1
    assert [t.number for t in ev.trials] == [0, 1, 2, 3]
    with pytest.raises(InvalidParameterError, match=r"candidate number\(s\) \[0\] are not pending"):
        ev.tell([batch[0]], [0.1])


def test_ask_n_limits_the_batch():
    ev = Evolution(SPACE, population_size=10, seed=0)
    assert len(ev.ask(3)) == 3


def test_initial_points_are_evaluated_first_and_completed_by_sampling():
    start = {"x0": 1.3, "n0": 4, "c0": "b"}
    ev = Evolution(SPACE, population_size=6, initial_points=[start], seed=0)
    first = ev.ask()[0].params
    assert {k: first[k] for k in start} == start and set(first) == set(SPACE)


def test_initial_points_with_unknown_names_are_refused():
    with pytest.raises(InvalidSpaceError, match=r"initial_points\[0\]: unknown parameter name\(s\) \['depth'\]"):
        Evolution(SPACE, initial_points=[{"depth": 3}])


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"direction": "min"}, "`direction` must be one of ('minimize', 'maximize'); got 'min'"),
        ({"population_size": 1}, "`population_size` must be an integer >= 2 or None; got 1"),
        ({"offspring_size": 0}, "`offspring_size` must be an integer >= 1"),
        ({"crossover_prob": 1.5}, "`crossover_prob` must be a probability in [0, 1]; got 1.5"),
        ({"seed": -1}, "`seed` must be an integer >= 0"),
        ({"mutation": "gaussian"}, "`mutation` must be callable; got 'gaussian'"),
    ],
)
def test_settings_are_validated(kwargs, fragment):
    with pytest.raises(InvalidParameterError) as info:
        Evolution(SPACE, **kwargs)
    assert fragment in str(info.value)


def test_user_operators_plug_in():
    class Nudge(et.Mutation):
        calls = 0

        def __call__(self, genome, child):
            Nudge.calls += 1
            i = random.randrange(genome.size)
            child[i] = genome.high[i]

    ev = run(Evolution(SPACE, mutation=Nudge(), population_size=8, seed=0), objective, 3)
    assert Nudge.calls >= 16 and len(ev.trials) == 24
    for t in ev.trials:
        ev.space.check_point(t.params)


def test_seed_is_drawn_and_kept_when_not_given():
    ev = run(Evolution(SPACE, population_size=8), objective, 2)
    replay = run(Evolution(SPACE, population_size=8, seed=ev.seed), objective, 2)
    assert [t.params for t in ev.trials] == [t.params for t in replay.trials]


def test_individuals_and_candidates_pickle():
    ev = Evolution(SPACE, seed=0)
    batch = ev.ask()
    ev.tell(batch, [objective(c.params) for c in batch])
    assert pickle.loads(pickle.dumps(ev.population))[0].fitness.values == ev.population[0].fitness.values
    assert pickle.loads(pickle.dumps(batch[0])) == batch[0]


def _safe(fn, params):
    try:
        return fn(params)
    except Exception as exc:
        return exc


def simulate(ev, objective, budget, workers, seed):
    """Drive ``ev`` like a pool of ``workers`` whose evaluations take random times: a free worker gets
    the next candidate at once, results are told in the order they finish."""
    rng = random.Random(seed)
    clock, running = 0.0, []  # (finish time, candidate)
    while ev.n_told < budget:
        while len(running) < workers and ev.next_number < budget:
            candidate = ev.ask_one()
            if candidate is None:
                break
            running.append((clock + rng.expovariate(1.0), candidate))
        assert running, "nothing running and nothing to ask: the engine would deadlock"
        running.sort(key=lambda item: item[0])
        clock, candidate = running.pop(0)
        ev.tell_one(candidate, objective(candidate.params))
    return ev


@pytest.mark.parametrize("surrogate", [None, True])
def test_same_trials_for_any_number_of_workers_and_any_completion_order(surrogate):
    runs = [
        simulate(Evolution(SPACE, population_size=8, lag=12, surrogate=surrogate, seed=5), objective, 80, workers, s)
        for workers, s in ((1, 0), (3, 1), (12, 2), (12, 3), (40, 4))
    ]
    first = [(t.number, t.params, t.value) for t in runs[0].trials]
    for ev in runs[1:]:
        assert [(t.number, t.params, t.value) for t in ev.trials] == first
        assert [row.best_so_far for row in ev.history] == [row.best_so_far for row in runs[0].history]
        assert [t.number for t in ev.result().hall_of_fame] == [t.number for t in runs[0].result().hall_of_fame]


def test_a_space_with_conditions_gets_generations_of_half_the_population():
    """With a surrogate and one objective, a space with conditions breeds half the population per generation
    (0.21: the model refitted twice as often, its picks spread by the believer); any other search keeps whole
    generations, and an explicit offspring_size wins."""
    flat = {"kernel": ["rbf", "poly"], "degree": et.Integer(2, 5)}
    conditional = {"kernel": ["rbf", "poly"], "degree": et.Integer(2, 5).when(kernel="poly")}
    sizes = {
        "conditional": Evolution(conditional, max_evaluations=128).offspring_size,
        "flat": Evolution(flat, max_evaluations=128).offspring_size,
        "no surrogate": Evolution(conditional, max_evaluations=128, surrogate=None).offspring_size,
        "two objectives": Evolution(conditional, directions=["minimize"] * 2).offspring_size,
        "given": Evolution(conditional, max_evaluations=128, offspring_size=3).offspring_size,
    }
    assert sizes == {"conditional": 6, "flat": 11, "no surrogate": 11, "two objectives": 6, "given": 3}


def test_a_generation_is_bred_from_the_trials_up_to_its_start_minus_lag():
    """Generation g may be asked once trials 0 .. start(g) - lag are told, and not before."""
    ev = Evolution({"x": et.Float(0, 1)}, population_size=4, lag=3, seed=0)
    first = ev.ask()
    assert [c.number for c in first] == [0, 1, 2, 3]  # the initial design needs nothing
    for c in first[1:]:
        ev.tell_one(c, c.params["x"])
    assert ev.ask() == [] and ev.ready(4) is False  # generation 1 (from 4) needs trials 0 .. 1
    ev.tell_one(first[0], first[0].params["x"])
    second = ev.ask()
    assert [c.number for c in second] == [4, 5, 6, 7]  # generation 2 (from 8) needs 0 .. 5
    ev.tell_one(second[1], 0.5)
    assert ev.ask() == [] and not ev.ready(8)
    ev.tell_one(second[0], 0.5)
    assert [c.number for c in ev.ask()] == [8, 9, 10, 11] and not ev.ready(12)


def test_a_wide_lag_draws_the_first_generations_at_random():
    """Generation 1 would be bred from less than half of generation 0: it is drawn without waiting."""
    ev = Evolution({"x": et.Float(0, 1)}, population_size=4, lag=10, seed=0)
    assert [c.number for c in ev.ask()] == list(range(12))  # generations 0, 1 and 2: nothing to wait for


def test_lag_is_validated():
    with pytest.raises(InvalidParameterError, match="`lag` must be an integer >= 1 or None; got 0"):
        Evolution(SPACE, lag=0)
    with pytest.raises(InvalidParameterError, match="`lag` must be an integer >= 1 or None; got 2.5"):
        Evolution(SPACE, lag=2.5)


def test_an_overflowing_value_is_a_failed_trial_not_a_crash():
    ev = Evolution({"x": et.Float(0, 1)}, population_size=2, seed=0)
    batch = ev.ask()
    with pytest.warns(FailedEvaluationWarning):
        ev.tell(batch, [10**400, 1.0])
    assert ev.trials[0].state == "failed" and "objective returned 1000" in ev.trials[0].error
