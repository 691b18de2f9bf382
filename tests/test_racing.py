"""Racing: the rule (waves, the paired test, the estimate) and what the engine races against."""

import math

import pytest

import evotune as et
from evotune.racing import Race


@pytest.mark.parametrize("kwargs, message", [
    ({"min_parts": 1}, "`min_parts` must be an integer >= 2; got 1"),
    ({"min_parts": 2.5}, "`min_parts` must be an integer >= 2; got 2.5"),
    ({"confidence": 1.0}, "`confidence` must be a number in (0.5, 1); got 1.0"),
    ({"confidence": 0.5}, "`confidence` must be a number in (0.5, 1); got 0.5"),
])
def test_bad_settings_are_refused_with_their_name(kwargs, message):
    with pytest.raises(et.InvalidParameterError, match=f"Racing: {message}".replace("(", r"\(").replace(")", r"\)")):
        et.Racing(**kwargs)


def test_waves_double_from_min_parts_and_end_with_every_part():
    assert et.Racing(min_parts=3).checkpoints(10) == [3, 6, 10]
    assert et.Racing(min_parts=3).checkpoints(5) == [3, 5]
    assert et.Racing(min_parts=2).checkpoints(16) == [2, 4, 8, 16]
    assert et.Racing(min_parts=5).checkpoints(5) == [5]  # too few parts to race: one wave


def test_the_paired_test_stops_only_what_is_clearly_worse():
    racing = et.Racing()
    reference = [0.10, 0.30, 0.20]  # folds of very different difficulty: pairing removes that
    assert racing.worse([0.15, 0.36, 0.24], reference)  # worse on every fold, by a steady margin
    assert not racing.worse([0.05, 0.40, 0.20], reference)  # worse on average, not consistently
    assert not racing.worse([0.10, 0.30, 0.20], reference)  # a tie
    assert not racing.worse([0.00, 0.20, 0.10], reference)  # better
    assert racing.worse([0.2, 0.4, 0.3], reference)  # the same margin everywhere: no spread at all
    assert not racing.worse([math.nan, 0.9, 0.9], reference)  # a failed fold is never judged
    assert not racing.worse([0.9], reference)  # one fold: no spread to test with
    # a stricter confidence stops less
    margin = [0.13, 0.34, 0.21]
    assert et.Racing(confidence=0.8).worse(margin, reference) and not et.Racing(confidence=0.99).worse(margin, reference)


def test_the_estimate_of_a_stopped_candidate_is_the_reference_mean_plus_the_paired_difference():
    race = Race(et.Racing(), (0.1, 0.3, 0.2, 0.4), 1)
    assert race.estimate([0.2, 0.4]) == pytest.approx(0.25 + 0.1)


def test_the_engine_races_each_generation_against_the_best_trial_it_was_bred_from():
    ev = et.Evolution({"x": et.Float(0, 1)}, population_size=4, racing=True, seed=0)
    first = ev.ask()
    assert all(c.race is None for c in first)  # nothing to race against yet
    for c in first:  # parts in the objective's direction (minimize: losses)
        ev.tell_one(c, c.params["x"], parts=[c.params["x"] + d for d in (0.0, 0.1, 0.2)])
    best = min(first, key=lambda c: c.params["x"])
    second = ev.ask()
    assert {c.race.reference for c in second} == {tuple(best.params["x"] + d for d in (0.0, 0.1, 0.2))}
    # maximizing: references are losses (sign -1), what the evaluator compares part values with
    ev = et.Evolution({"x": et.Float(0, 1)}, population_size=4, racing=True, direction="maximize", seed=0)
    for c in ev.ask():
        ev.tell_one(c, c.params["x"], parts=[c.params["x"]] * 3)
    top = max(t.value for t in ev.trials)
    assert {c.race.reference for c in ev.ask()} == {(-top,) * 3} and ev.ask() == []
    # no racing: no race
    ev = et.Evolution({"x": et.Float(0, 1)}, population_size=4, seed=0)
    for c in ev.ask():
        ev.tell_one(c, c.params["x"], parts=[c.params["x"]] * 3)
    assert all(c.race is None for c in ev.ask())


def test_a_pruned_trial_ranks_by_its_estimate_and_never_enters_the_hall_of_fame():
    ev = et.Evolution({"x": et.Float(0, 1)}, population_size=4, racing=True, seed=0)
    for c in ev.ask():
        ev.tell_one(c, c.params["x"], parts=[c.params["x"]] * 3)
    child, *others = ev.ask()
    trial = ev.tell_one(child, et.trial.Pruned(0.95), parts=[0.9, 1.0])
    assert trial.state is et.TrialState.PRUNED and trial.value == 0.95 and trial.parts == (0.9, 1.0)
    for c in others:
        ev.tell_one(c, c.params["x"], parts=[c.params["x"]] * 3)
    assert not trial.ok and child.number not in [t.number for t in ev.hall_of_fame]
    assert (ev.history[1].evaluated, ev.history[1].failed) == (4, 0)  # pruned is not failed
    assert child.number not in [ind.number for ind in ev.population]  # its estimate is past the best's 1.0 loss


def test_racing_an_objective_that_is_not_split_into_parts_is_refused():
    with pytest.raises(et.InvalidParameterError, match="`racing` needs an objective evaluated fold by fold"):
        et.optimize(lambda p: p["x"], {"x": et.Float(0, 1)}, max_evaluations=5, racing=True)
