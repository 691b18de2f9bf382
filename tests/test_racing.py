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


def test_a_candidate_is_tested_after_each_part_from_min_parts_or_when_they_double():
    assert et.Racing(min_parts=3).checkpoints(10) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert et.Racing(min_parts=3).checkpoints(5) == [3, 4, 5]
    assert et.Racing(min_parts=5).checkpoints(5) == [5]  # too few parts to race: one wave
    doubling = et.Racing(schedule="doubling")
    assert doubling.checkpoints(10) == [3, 6, 10] and doubling.checkpoints(5) == [3, 5]
    assert et.Racing(min_parts=2, schedule="doubling").checkpoints(16) == [2, 4, 8, 16]
    assert et.Racing(min_parts=5, schedule="doubling").checkpoints(5) == [5]
    message = "Racing: `schedule` must be one of 'each', 'doubling'; got 'every'"
    with pytest.raises(et.InvalidParameterError, match=message):
        et.Racing(schedule="every")


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


def test_the_population_pools_the_spread_so_that_three_folds_can_show_a_small_steady_margin():
    racing = et.Racing()
    best = [0.10, 0.30, 0.20, 0.25, 0.15, 0.12]
    members = [best, [0.11, 0.33, 0.20, 0.27, 0.16, 0.13], [0.12, 0.31, 0.23, 0.25, 0.17, 0.15],
               list(best), [b + 0.05 for b in best]]  # the last two: no spread (the same model, a steady shift)
    pool = racing.pool(members)
    assert pool[1] == 10 and pool[0] == pytest.approx(racing.pool(members[:3])[0])  # only members that vary count
    child = [0.14, 0.30, 0.22]  # 0.02 worse on average, spread as wide as the mean: 3 folds alone cannot tell
    assert not racing.worse(child, best) and racing.worse(child, best, pool)
    assert not racing.worse([0.05, 0.40, 0.20], best, pool)  # worse on average, not consistently: still not
    assert racing.pool([best]) is None and et.Racing(pooled=False).pool(members) is None
    with pytest.raises(et.InvalidParameterError, match="Racing: `pooled` must be True or False; got 1"):
        et.Racing(pooled=1)


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


def test_by_default_optimize_races_an_objective_of_twice_min_parts_and_nothing_else():
    """``racing="auto"`` (the default): ``Racing()`` for a parts objective of 6 folds or more and one
    objective; every part for 5, for an objective called whole, and in an Evolution of your own."""
    from tests.data.make_run_file import Folds, space

    def racing(objective, **kwargs):
        return et.optimize(objective, space, max_evaluations=4, seed=0, **kwargs).settings["racing"]

    six, five = type("Six", (Folds,), {"parts": 6})(), type("Five", (Folds,), {"parts": 5})()
    assert racing(six) == repr(et.Racing()) == racing(five, racing=True)
    assert racing(six, racing=None) is None
    assert racing(five) is None and racing(lambda p: p["x"]) is None
    assert et.Evolution({"x": et.Float(0, 1)}).config.racing is None
    refusal = (r"`racing` must be a Racing \(e.g. Racing\(min_parts=3\)\), True, False, None or \"auto\"; "
               r"got 'fast'")
    with pytest.raises(et.InvalidParameterError, match=refusal):
        et.Settings(racing="fast")


def test_racing_an_objective_that_is_not_split_into_parts_is_refused():
    with pytest.raises(et.InvalidParameterError, match="`racing` needs an objective evaluated fold by fold"):
        et.optimize(lambda p: p["x"], {"x": et.Float(0, 1)}, max_evaluations=5, racing=True)


@pytest.mark.parametrize("args, message", [
    ((0, 10), "Fidelity: `min_budget` must be a number > 0; got 0."),
    ((5, 5), "Fidelity: `max_budget` must be a number > min_budget (5); got 5."),
    ((1, 9, 1), "Fidelity: `eta` must be a number > 1; got 1."),
    ((1, 9, 3, 0), "Fidelity: `share` must be a number in (0, 1]; got 0."),
    (("1", 9), "Fidelity: `min_budget` must be a number > 0; got '1'."),
])
def test_bad_fidelities_are_refused_with_their_name(args, message):
    with pytest.raises(et.InvalidParameterError) as info:
        et.Fidelity(*args)
    assert str(info.value) == message


def test_budgets_grow_by_eta_from_the_full_budget_down():
    assert et.Fidelity(1, 81).budgets == (1, 3, 9, 27, 81)
    assert et.Fidelity(5, 100).budgets == (11, 33, 100)  # never below min_budget
    assert et.Fidelity(2, 3).budgets == (3,)  # too narrow for two budgets: the full one only
    assert et.Fidelity(0.25, 1.0, eta=2).budgets == (0.25, 0.5, 1.0)


def test_fidelity_goes_on_only_within_the_populations_best_share_at_equal_budget():
    members = [(0.9, 0.5, 0.2), (0.3, 0.2, 0.1), (0.5, 0.4, 0.3), (0.6, 0.45, 0.35)]
    assert et.Fidelity(1, 9).reference(members) == (0.9, 0.5, 0.35)  # by default: beat the worst member
    rule = et.Fidelity(1, 9, share=1 / 3)  # successive halving's rule: the best third goes on
    reference = rule.reference(members)  # the 2nd best of 4 at each budget
    assert reference == (0.5, 0.4, 0.2)
    assert not rule.worse([0.5], reference) and rule.worse([0.51], reference)
    assert rule.worse([0.1, 0.45], reference) and not rule.worse([math.nan], reference)
    assert rule.estimate([0.1, 0.45], reference) == pytest.approx(0.2 + 0.05)


def spread(params, budget):
    """A loss that a larger budget lowers, and that ranks candidates alike at every budget."""
    return (params["x"] - 0.3) ** 2 + 1.0 / budget


def test_optimize_with_a_fidelity_stops_candidates_the_population_beats_at_equal_budget(tmp_path):
    space = {"x": et.Float(0, 1)}
    fidelity = et.Fidelity(1, 27)
    runs = [et.optimize(spread, space, max_evaluations=40, population_size=6, lag=1, fidelity=fidelity, n_jobs=n,
                        seed=2) for n in (1, 2)]
    trials = runs[0].trials
    assert [(t.params, t.value, t.state, t.parts) for t in trials] == [
        (t.params, t.value, t.state, t.parts) for t in runs[1].trials]
    pruned = [t for t in trials if t.state == "pruned"]
    complete = [t for t in trials if t.state == "complete"]
    assert pruned and all(len(t.parts) < 4 for t in pruned) and all(len(t.parts) == 4 for t in complete)
    for t in trials:  # each part was evaluated at its budget, and the value is the last one's
        assert t.parts == pytest.approx([spread(t.params, b) for b in fidelity.budgets[: len(t.parts)]])
        assert t.value == t.parts[-1]
    assert {t.number for t in runs[0].hall_of_fame} <= {t.number for t in complete}
    assert runs[0].best_value == pytest.approx(1 / 27, abs=2e-3)
    # stopped and resumed: the same trials
    path = tmp_path / "runs.db"
    et.optimize(spread, space, generations=3, population_size=6, lag=1, fidelity=fidelity, seed=2, storage=path)
    resumed = et.optimize(spread, space, max_evaluations=40, population_size=6, lag=1, fidelity=fidelity, seed=2,
                          storage=path, resume=True)
    assert [(t.params, t.state, t.parts) for t in resumed.trials] == [(t.params, t.state, t.parts) for t in trials]


def test_a_fidelity_needs_an_objective_that_takes_the_budget():
    with pytest.raises(et.InvalidParameterError, match=r"objective\(params, budget\)"):
        et.optimize(lambda p: p["x"], {"x": et.Float(0, 1)}, max_evaluations=5, fidelity=et.Fidelity(1, 9))
    with pytest.raises(et.InvalidParameterError, match="give `racing` .* or `fidelity` .*, not both"):
        et.optimize(spread, {"x": et.Float(0, 1)}, max_evaluations=5, fidelity=et.Fidelity(1, 9), racing=True)


def test_racing_with_no_more_folds_than_its_minimum_is_refused_before_any_fit():
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    search = et.EvolutionarySearchCV(DecisionTreeClassifier(), {"max_depth": et.Integer(1, 5)}, cv=3, racing=True)
    with pytest.raises(et.InvalidParameterError, match="`racing`: min_parts=3 leaves nothing to stop with 3 folds"):
        search.fit(*load_iris(return_X_y=True))


def trained_on(params, budgets):
    """``spread`` as a generator over the budgets (a model trained on from one budget to the next)."""
    for budget in budgets:
        yield spread(params, budget), {"budget": budget}


def test_a_generator_objective_trains_on_through_the_budgets_with_the_same_trials_as_one_called_per_budget(tmp_path):
    space, fidelity = {"x": et.Float(0, 1)}, et.Fidelity(1, 27, screen=1)  # every stop by the reference
    anew = et.optimize(spread, space, max_evaluations=40, population_size=6, lag=1, fidelity=fidelity, seed=2)
    runs = [et.optimize(trained_on, space, max_evaluations=40, population_size=6, lag=1, fidelity=fidelity, seed=2,
                        n_jobs=n) for n in (1, 2)]
    for run in runs:
        assert [(t.params, t.value, t.state, t.parts) for t in run.trials] == [
            (t.params, t.value, t.state, t.parts) for t in anew.trials]
    pruned = [t for t in runs[1].trials if t.state == "pruned"]
    assert pruned and all(t.info == {"budget": fidelity.budgets[len(t.parts) - 1],
                                     "stopped": f"worse than the reference at budget {len(t.parts)} of 4"}
                          for t in pruned)
    reasons = [t.info["stopped"] for t in runs[1].trials if t.state == "pruned"]
    assert reasons == [t.info["stopped"] for t in anew.trials if t.state == "pruned"]  # as when trained anew
    # stopped and resumed: the same trials
    path = tmp_path / "runs.db"
    et.optimize(trained_on, space, generations=3, population_size=6, lag=1, fidelity=fidelity, seed=2, storage=path)
    resumed = et.optimize(trained_on, space, max_evaluations=40, population_size=6, lag=1, fidelity=fidelity, seed=2,
                          storage=path, resume=True)
    assert [(t.params, t.state, t.parts) for t in resumed.trials] == [(t.params, t.state, t.parts) for t in anew.trials]


class Epochs:
    """A callable object whose ``__call__`` is a generator: trained on, too; it stops early for x > 0.9."""

    def __call__(self, params, budgets):
        for budget in budgets:
            if params["x"] > 0.9 and budget > 1:
                return
            yield (params["x"] - 0.5) ** 2


def test_a_generator_that_yields_too_few_values_fails_its_trial_with_the_reason():
    with pytest.warns(et.FailedEvaluationWarning, match="stopped after 1 of the budgets"):
        result = et.optimize(Epochs(), {"x": et.Float(0, 1)}, max_evaluations=30, fidelity=et.Fidelity(1, 9),
                             seed=0, initial_points=[{"x": 0.95}], error_score=math.nan)
    [first] = [t for t in result.trials if t.params == {"x": 0.95}]
    assert first.state == "failed"
    assert "stopped after 1 of the budgets (1, 3, 9); it must yield one value per budget" in first.error
    assert result.best_value == pytest.approx(0, abs=0.01)


def test_a_generator_objective_that_crashes_or_hangs_mid_budgets_is_one_crashed_or_timed_out_trial():
    import os
    import time

    def objective(params, budgets):
        for budget in budgets:
            if budget == 9 and params["x"] < 0.1:
                os._exit(1)  # the worker dies after two budgets
            if budget == 9 and params["x"] > 0.9:
                time.sleep(600)
            yield spread(params, budget)

    with pytest.warns(et.FailedEvaluationWarning):
        result = et.optimize(objective, {"x": et.Float(0, 1)}, max_evaluations=30, population_size=10, n_jobs=2,
                             timeout=1, fidelity=et.Fidelity(1, 27), seed=0)
    states = {t.state for t in result.trials}
    assert {"complete", "crashed", "timeout"} <= states and result.n_evaluations == 30
    assert all(t.parts is None for t in result.trials if t.state in ("crashed", "timeout"))
    assert result.best_value == pytest.approx(1 / 27, abs=0.01)


def test_a_candidate_repeating_an_earlier_trials_first_parts_is_stopped_with_that_trials_value():
    repeats = {("a", "b", "c"): (4, 0.11), ("d", "e", "f"): (12, 0.05)}
    race = Race(et.Racing(repeat_parts=3), (0.10, 0.12, 0.08), 1, repeats=repeats, before=10)
    same = [0.10, 0.12, 0.08]  # ties the best: the paired test cannot stop it
    assert race.worse(same, ("a", "b", "c")) and race.estimate(same, ("a", "b", "c")) == 0.11
    assert race.why(same, ("a", "b", "c")) == "repeats trial 4: the same models on the first 3 parts"
    assert not race.worse(same, ("d", "e", "f"))  # trial 12 was not among those its generation was bred from
    assert not race.worse(same, ("a", "b")) and not race.worse(same, ("a", "b", None)) and not race.worse(same)
    assert race.estimate([0.2, 0.22, 0.18]) == pytest.approx(0.2)  # not a repeat: the paired estimate
    off = Race(et.Racing(repeats=False), (0.10, 0.12, 0.08), 1)
    assert not off.worse(same, ("a", "b", "c"))


def test_by_default_a_repeat_is_told_after_two_parts_and_nothing_else_is_judged_before_min_parts():
    race = Race(et.Racing(), (0.10, 0.12, 0.08, 0.11), 1, repeats={("a", "b"): (4, 0.11)}, before=10)
    assert race.checkpoints(4, keyed=True) == [2, 3, 4] and race.checkpoints(4) == [3, 4]
    assert race.why([0.5, 0.6], ("a", "b")) == "repeats trial 4: the same models on the first 2 parts"
    assert race.estimate([0.5, 0.6], ("a", "b")) == 0.11
    assert race.why([0.5, 0.6], ("a", "x")) is None  # far worse, but the paired test waits for 3 parts
    assert race.why([0.5, 0.6, 0.55], ("a", "x", "y")).startswith("worse than the best on the first 3 parts")
    unkeyed = Race(et.Racing(repeats=False), (0.10, 0.12, 0.08, 0.11), 1)
    assert unkeyed.checkpoints(4, keyed=True) == [3, 4]  # no repeats to tell: no earlier decision
    assert et.Racing(min_parts=2, repeat_parts=1).checkpoints(4, keyed=True) == [1, 2, 3, 4]
    assert et.Racing(schedule="doubling").checkpoints(10, keyed=True) == [2, 3, 6, 10]
    for bad, match in ((0, "an integer >= 1"), (4, r"at most min_parts \(3\); got 4"), (2.0, "an integer >= 1")):
        with pytest.raises(et.InvalidParameterError, match=r"Racing: `repeat_parts`.*" + match):
            et.Racing(repeat_parts=bad)


def test_the_engine_races_against_the_first_parts_of_every_trial_its_generation_was_bred_from():
    def keys(x):  # two models: x below or above 0.5
        return ["low" if x < 0.5 else "high", "k", "k"]

    def run(racing):
        ev = et.Evolution({"x": et.Float(0, 1)}, population_size=4, racing=racing, seed=0)
        first = ev.ask()
        for c in first:
            x = c.params["x"]
            ev.tell_one(c, (x, {"part_keys": keys(x)}), parts=[x] * 3)
        return ev, first, ev.ask()

    ev, first, second = run(True)
    earliest = {}
    for c in first:
        earliest.setdefault(tuple(keys(c.params["x"])), c)
    for c in second:
        known = earliest.get(tuple(keys(c.params["x"])))
        assert c.race.repeat(keys(c.params["x"])) == (None if known is None else (known.number, known.params["x"]))
    child = next(c for c in second if tuple(keys(c.params["x"])) in earliest)
    trial = ev.tell_one(child, (et.trial.Pruned(0.7, {"part_keys": keys(child.params["x"])})), parts=[0.7] * 3)
    assert trial.state is et.TrialState.PRUNED and trial.info["part_keys"] == keys(child.params["x"])
    # its estimate, what selection sees, is the value of the trial it repeats
    assert ev._results[child.number].losses == (earliest[tuple(keys(child.params["x"]))].params["x"],)
    _, _, second = run(et.Racing(repeats=False))
    assert all(c.race.repeat(keys(c.params["x"])) is None for c in second)


def test_with_ties_a_candidate_equal_to_the_best_on_every_part_of_its_second_wave_is_stopped():
    reference = (0.10, 0.12, 0.08, 0.11, 0.09, 0.10, 0.12)
    ties = et.Racing()
    assert not ties.worse(reference[:3], reference)  # the first wave: a tie goes on
    assert ties.worse(reference[:6], reference) and not et.Racing(ties=False).worse(reference[:6], reference)
    assert not ties.worse([*reference[:5], 0.099], reference)  # better on one part: not a tie
    assert Race(ties, reference, 1).why(reference[:6]) == "ties the best on each of the first 6 parts"
    assert Race(ties, reference, 1).estimate(reference[:6]) == pytest.approx(sum(reference) / 7)


def test_futility_stops_a_candidate_too_far_behind_to_end_better_than_the_best():
    reference = (0.10, 0.12, 0.08, 0.11, 0.09, 0.10, 0.12, 0.10, 0.11, 0.09)
    child = [r + d for r, d in zip(reference, (0.03, -0.01, 0.05, 0.0, 0.03, 0.0))]  # 0.017 a part behind
    assert not et.Racing(futility=0.0).worse(child, reference)  # the paired test cannot show it worse...
    # ... but 4 parts would have to win back 0.1 where it lost 0.017 a part, give or take 0.023: under 2 %
    assert et.Racing().worse(child, reference)
    assert Race(et.Racing(), reference, 1).why(child) == (
        "cannot end better than the best: below a 2% chance after the first 6 of 10 parts")
    assert not et.Racing().worse(child, reference[:6])  # no part left: only the paired test decides
    close = [r + d for r, d in zip(reference, (0.01, -0.01, 0.0, 0.01, -0.01, 0.005))]  # 0.001 a part behind
    assert not et.Racing().worse(close, reference)
    with pytest.raises(et.InvalidParameterError, match=r"`futility` must be a number in \[0, 0.5\); got 0.5"):
        et.Racing(futility=0.5)


def test_with_several_objectives_a_candidate_stops_only_when_a_front_member_is_shown_better_in_every_one():
    racing = et.Racing()
    accurate = [(0.10, 5.0), (0.12, 5.2), (0.08, 4.9)]  # losses part by part: (error, size)
    small = [(0.20, 1.0), (0.22, 1.1), (0.19, 0.9)]
    dominated = [(0.25, 3.0), (0.26, 3.1), (0.24, 2.9)]
    front = racing.reference([accurate, small, dominated])
    assert front == (tuple(accurate), tuple(small))  # the members no other member's mean losses dominate
    assert racing.worse([(0.30, 2.0), (0.33, 2.2), (0.29, 1.9)], front)  # the small one is better in both
    assert not racing.worse([(0.30, 0.5), (0.33, 0.6), (0.29, 0.4)], front)  # smaller than any: it may join
    assert not racing.worse([(0.05, 9.0), (0.07, 9.1), (0.04, 9.2)], front)  # the most accurate yet
    assert not racing.worse([(0.30, 2.0), (0.10, 2.2), (0.29, 1.9)], front)  # worse on average, not always
    assert not racing.worse([(math.nan, 2.0), (0.33, 2.2), (0.29, 1.9)], front)  # a failed part: never judged
    # the estimate: the member that dominates it, shifted by the paired difference in each objective
    estimate = racing.estimate([(0.30, 2.0), (0.33, 2.2)], front)  # after 2 of the member's 3 parts
    means = [sum(column) / 3 for column in zip(*small)]
    assert estimate == pytest.approx((means[0] + 0.105, means[1] + 1.05))
    # compared with more members, each test is stricter (Bonferroni): a narrow margin stops it against one only
    narrow = [(0.22, 2.0), (0.255, 2.2), (0.215, 1.9)]  # 0.02 to 0.035 less accurate than the small one
    assert racing.worse(narrow, (tuple(small),))
    assert not racing.worse(narrow, (tuple(small),) + (tuple(accurate),) * 9)
    # a tie in one objective and worse in the other is not shown dominated: ties are a one-objective rule
    six = [(0.10, 1.0), (0.12, 1.1), (0.08, 0.9), (0.11, 1.0), (0.09, 1.0), (0.10, 1.2)]
    tied = [(e, s + 0.5) for e, s in six]
    assert not racing.worse(tied, (tuple(six),)) and not racing.worse(six, (tuple(six),))  # nor a tie in both
    # one pool per objective, from the members' differences with the first
    pool = racing.pool([accurate, small, dominated])
    errors = [[e for e, _ in member] for member in (accurate, small, dominated)]
    assert len(pool) == 2 and pool[0] == racing.pool(errors)
    assert et.Racing(pooled=False).pool([accurate, small]) == (None, None)


def test_with_several_objectives_the_engine_races_against_the_populations_front_and_estimates_each_loss():
    two = ["maximize", "minimize"]  # (accuracy, size): parts in the objective's directions
    ev = et.Evolution({"x": et.Float(0, 1)}, directions=two, population_size=4, racing=True, seed=0)
    first = ev.ask()
    for c in first:  # a trade-off: larger x, more accurate and larger
        x = c.params["x"]
        ev.tell_one(c, (x, 10 * x), parts=[(x, 10 * x), (x - 0.01, 10 * x), (x + 0.01, 10 * x)])
    child, *others = ev.ask()
    race = child.race
    assert race.sign == (-1, 1) and len(race.reference) == 4  # every member is on this front
    parts = {tuple((-(c.params["x"] + d), 10 * c.params["x"]) for d in (0.0, -0.01, 0.01)) for c in first}
    assert set(race.reference) == parts
    worst = min(c.params["x"] for c in first)  # a child less accurate and larger than the least accurate
    values = [(worst - 0.2, 10 * worst + 1), (worst - 0.21, 10 * worst + 1), (worst - 0.19, 10 * worst + 1)]
    assert race.why(values).startswith("dominated by a front trial on the first 3 parts")
    trial = ev.tell_one(child, et.trial.Pruned((worst - 0.2, 10 * worst + 1)), parts=values)
    assert trial.state is et.TrialState.PRUNED and trial.parts == tuple(values)
    assert trial.values == (worst - 0.2, 10 * worst + 1)
    estimate = ev._results[child.number].losses
    assert estimate == pytest.approx((-(worst - 0.2), 10 * worst + 1))  # losses: -accuracy, size
    for c in others:
        x = c.params["x"]
        ev.tell_one(c, (x, 10 * x), parts=[(x, 10 * x)] * 3)
    assert child.number not in [t.number for t in ev.hall_of_fame]


def test_a_fidelity_with_several_objectives_stops_what_enough_members_dominate_at_equal_budget():
    members = [((0.5, 2.0), (0.3, 2.0), (0.2, 2.0)), ((0.4, 3.0), (0.35, 3.0), (0.1, 3.0)),
               ((0.7, 1.0), (0.6, 1.0), (0.5, 1.0))]  # (loss, size) at budgets 1, 3, 9
    rule, halving = et.Fidelity(1, 9), et.Fidelity(1, 9, share=1 / 3)
    reference = rule.reference(members)
    assert reference == tuple(members)
    assert not rule.worse([(0.6, 2.5)], reference)  # only the first two dominate it: not every member
    assert halving.worse([(0.6, 2.5)], reference)  # one of three is enough with share 1/3
    assert not halving.worse([(0.3, 2.5)], reference) and not rule.worse([(math.nan, 9.0)], reference)
    assert rule.worse([(0.8, 3.5)], reference)  # every member dominates it
    # the estimate: its losses plus the mean change to the full budget of the members that dominate it
    assert rule.estimate([(0.8, 3.5)], reference) == pytest.approx((0.8 + (-0.3 - 0.3 - 0.2) / 3, 3.5))
    assert halving.estimate([(0.6, 2.5)], reference) == pytest.approx((0.6 - 0.3, 2.5))  # the first alone


def accurate_and_small(params, budget):  # (error, size): more budget, less error; size from the params alone
    return (params["x"] - 0.3) ** 2 + 1.0 / budget, 1 + params["y"] + 0.5 * params["x"]


def accurate_and_small_trained_on(params, budgets):
    for budget in budgets:
        yield accurate_and_small(params, budget)


@pytest.mark.parametrize("objective", [accurate_and_small, accurate_and_small_trained_on])
def test_optimize_with_a_fidelity_and_several_objectives_stops_dominated_candidates(objective, tmp_path):
    def run(n_jobs, **kwargs):
        return et.optimize(objective, {"x": et.Float(0, 1), "y": et.Float(0, 1)}, directions=["minimize"] * 2,
                           fidelity=et.Fidelity(1, 27, share=0.5), seed=0, n_jobs=n_jobs, population_size=8,
                           **{"max_evaluations": 60, **kwargs})

    result = run(1)
    pruned = [t for t in result.trials if t.state == "pruned"]
    assert pruned and all(len(t.parts) < 4 and len(t.parts[0]) == 2 for t in pruned)
    why = [t.info["stopped"].split(" ", 1)[0] for t in pruned]  # 24 screened (three times 8), then dominated
    assert why[:24] == ["screened"] * 24 and why[24:] and set(why[24:]) == {"dominated"}
    assert all(t.state == "complete" for t in result.pareto_front)
    assert [(t.params, t.state, t.parts) for t in result.trials] == [(t.params, t.state, t.parts)
                                                                     for t in run(2).trials]
    run(1, max_evaluations=None, generations=3, storage=tmp_path / "run.db")  # stopped, then resumed
    resumed = run(1, storage=tmp_path / "run.db", resume=True)
    assert [(t.params, t.state, t.parts) for t in resumed.trials] == [(t.params, t.state, t.parts)
                                                                      for t in result.trials]


class ErrorAndSize:
    """Six folds of (error, size), parts as tuples; picklable for worker processes."""

    parts = 6

    def part(self, params, i):
        return (params["x"] + 0.01 * (i % 3), 1 - params["x"] ** 0.5 + params["y"] + 0.002 * (i % 2))

    def combine(self, params, results):
        return tuple(sum(column) / len(results) for column in zip(*results))

    def __call__(self, params):
        return self.combine(params, [self.part(params, i) for i in range(self.parts)])


def test_racing_on_several_objectives_gives_the_same_trials_for_any_workers_and_across_a_resume(tmp_path):
    def run(n_jobs=1, **kwargs):
        return et.optimize(ErrorAndSize(), {"x": et.Float(0, 1), "y": et.Float(0, 1)}, racing=True,
                           directions=["minimize"] * 2, seed=0, n_jobs=n_jobs, population_size=8,
                           **{"max_evaluations": 60, **kwargs})

    def trials(result):
        return [(t.params, t.state, t.parts, (t.info or {}).get("stopped")) for t in result.trials]

    plain = run()
    assert any(t.state == "pruned" for t in plain.trials)
    assert trials(run(2)) == trials(plain)
    run(max_evaluations=None, generations=3, storage=tmp_path / "run.db")
    assert trials(run(storage=tmp_path / "run.db", resume=True)) == trials(plain)


def test_a_screening_fidelity_runs_the_first_generation_at_the_smallest_budget_and_sends_its_best_on(
        tmp_path):
    """``screen=3``: generation 0 holds three times the population, each stopped after the smallest budget;
    its best there are the next generations (every budget, trained anew), in their order; then the search
    goes on as without screening. The same trials whatever n_jobs, trained on or anew, and when resumed
    mid-screen."""
    space, fidelity = {"x": et.Float(0, 1)}, et.Fidelity(1, 27, screen=3)  # as the default at 40 trials of 6
    settings = dict(max_evaluations=40, population_size=6, lag=1, fidelity=fidelity, seed=2)
    runs = [et.optimize(trained_on, space, n_jobs=n, **settings) for n in (1, 2)]
    runs.append(et.optimize(spread, space, **settings))
    key = [[(t.params, t.value, t.state, t.parts) for t in run.trials] for run in runs]
    assert key[0] == key[1] == key[2]
    trials = runs[0].trials
    screened, promoted = trials[:18], trials[18:24]
    assert all(t.generation == 0 and t.state == "pruned" and len(t.parts) == 1 for t in screened)
    assert screened[0].info["stopped"] == ("screened at budget 1: the best of the first generation there go "
                                           "on to every budget")
    best = sorted(screened, key=lambda t: (t.parts[0], t.number))[:6]
    assert [t.params for t in promoted] == [t.params for t in best]
    assert all(t.generation == 1 and t.state == "complete" and len(t.parts) == 4 for t in promoted)
    assert runs[0].best_value == pytest.approx(1 / 27, abs=2e-3)
    assert runs[0].history[1].best == min(t.value for t in promoted)  # the population: complete trials only
    stopped = sum(t.state == "pruned" for t in trials)
    assert et.racing.stop_summary(trials).startswith(f"{stopped} stopped early (screened 18")
    path = tmp_path / "runs.db"
    et.optimize(trained_on, space, storage=path, **{**settings, "max_evaluations": 10})
    resumed = et.optimize(trained_on, space, storage=path, resume=True, **settings)
    assert [(t.params, t.value, t.state, t.parts) for t in resumed.trials] == key[0]
    # generations of half the population: the best six go on over two generations
    halves = et.optimize(trained_on, space, offspring_size=3, **settings).trials
    assert [t.params for t in halves[18:24]] == [t.params for t in best]
    assert [t.generation for t in halves[18:24]] == [1, 1, 1, 2, 2, 2]


def test_the_screen_takes_at_most_half_the_evaluations_and_a_resumed_run_takes_its_own_back(tmp_path):
    """By default three times the population, less when that would take more than half of max_evaluations
    (none with 14: a small budget still completes trials); stored resolved, so that a resume with a larger
    budget screens as the run did. ``screen`` is a whole number >= 1; the repr names it only when set (0.22's
    did not)."""
    message = r"Fidelity: `screen` must be an integer >= 1 or None; got 0"
    with pytest.raises(et.InvalidParameterError, match=message):
        et.Fidelity(1, 9, screen=0)
    assert et.Fidelity(2, 3).resolved(8).screen == 1  # one budget (3): nothing smaller to screen at
    plain = "Fidelity(min_budget=1, max_budget=9, eta=3, share=1.0"
    assert repr(et.Fidelity(1, 9)) == plain + ")"  # as before 0.23
    assert repr(et.Fidelity(1, 9, screen=3)) == plain + ", screen=3)"
    space, fidelity = {"x": et.Float(0, 1)}, et.Fidelity(1, 27)
    small = et.optimize(trained_on, space, max_evaluations=14, population_size=6, fidelity=fidelity, seed=0)
    assert small.best_value is not None and small.settings["fidelity"] == repr(et.Fidelity(1, 27, screen=1))
    path = tmp_path / "runs.db"
    first = et.optimize(trained_on, space, max_evaluations=26, population_size=6, fidelity=fidelity, seed=0,
                        storage=path)
    assert [t.state for t in first.trials[:12]] == ["pruned"] * 12  # 26 // 12: a screen of twice the 6
    resumed = et.optimize(trained_on, space, max_evaluations=60, fidelity=fidelity, storage=path, resume=True)
    straight = et.optimize(trained_on, space, max_evaluations=60, population_size=6, seed=0,
                           fidelity=et.Fidelity(1, 27, screen=2))
    assert [(t.params, t.state) for t in resumed.trials] == [(t.params, t.state) for t in straight.trials]
