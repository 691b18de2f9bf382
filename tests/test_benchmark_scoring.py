"""The benchmark suite's scoring (experiments/benchmarks/report.py) on rows whose answer is known.

The one test module that imports benchmark code, on purpose: the published tables (docs/benchmark-*.md)
are only as right as this scoring, and a wrong score would pass unnoticed anywhere else.
"""

import math

from experiments.benchmarks.report import complete, score, versus


def rows(method, runs):
    return [{"suite": "s", "problem": p, "method": method, "budget": 4, "seed": seed, "losses": losses}
            for p, seed, losses in runs]


def test_bayesmark_normalization_ranks_and_matching():
    data = rows("random", [("a", 0, [4, 3, 2, 1])]) + rows("good", [("a", 0, [1, 0, None, 0])])
    table = score(data)[("s", 4)]
    # best ever 0, median random evaluation 2.5: random ends at 1 -> 0.4 -> score 60; good ends at 0 -> 100
    assert math.isclose(table["random"]["score"], 60.0) and math.isclose(table["good"]["score"], 100.0)
    assert table["good"]["rank"] == 1 and table["random"]["rank"] == 2
    assert table["good"]["to_match"] == 0.25 and table["random"]["to_match"] == 1.0


def test_only_problems_every_method_finished_on_the_same_seeds_are_scored():
    data = (rows("random", [("a", 0, [1]), ("a", 1, [1]), ("b", 0, [1]), ("c", 0, [1])])
            + rows("good", [("a", 0, [0]), ("a", 1, [0]), ("b", 0, [0])]))  # c: not run yet
    data += rows("good", [("b", 1, [0])])  # b: seed 1 only for one method
    kept, left_out = complete(data)
    assert {(r["problem"], r["seed"]) for r in kept} == {("a", 0), ("a", 1)}
    assert left_out == ["b @ 4", "c @ 4"]


def test_versus_pairs_runs_by_problem_and_seed():
    data = (rows("random", [("a", 0, [4, 3, 2, 1]), ("a", 1, [4, 3, 2, 1])])
            + rows("good", [("a", 0, [0]), ("a", 1, [1])]))
    # normalized final losses: random 0.4 and 0.4, good 0 and 0.4 -> differences 40 and 0 score points
    assert versus(score(data), "good", "random") == [
        "s @ 4: good - random = +20.00 ± 20.00 score points over 2 problem × seed pairs; better 1, worse 0, level 1"]
    assert versus(score(data), "good", "absent") == []


def test_a_yardstick_s_random_rows_normalise_runs_of_other_seeds():
    """Two methods on seeds random never ran are scored against random's rows of another file: the same
    scores as with those rows beside them, and random itself is not scored."""
    yardstick = rows("random", [("a", 0, [4, 3, 2, 1])])
    data = rows("good", [("a", 5, [1, 0, None, 0])]) + rows("fair", [("a", 5, [2, 1])])
    table = score(data, yardstick)[("s", 4)]
    assert math.isclose(table["good"]["score"], 100.0) and math.isclose(table["fair"]["score"], 60.0)
    assert "random" not in table
    assert score(data)[("s", 4)] == {}  # without random's rows nothing is scored


def test_racing_objectives_scores_each_front_against_the_front_of_every_run():
    from experiments.benchmarks.bench_racing_objectives import scores

    def row(method, seed, points):
        return {"problem": "DT-wine", "method": method, "seed": seed, "points": points}

    best = [[0.0, 1.0], [0.5, 0.5], [1.0, 0.0]]
    rows = [row("evotune", 0, best + [None]), row("evotune-racing", 0, [[0.0, 1.0], [1.0, 0.0]]),
            row("random", 0, [[1.0, 1.0], [1.0, 0.0]]), row("evotune", 1, best)]  # seed 1: not every method
    hv = scores(rows)
    assert list(hv) == [("DT-wine", 0)] and hv[("DT-wine", 0)]["evotune"] == 1.0
    assert 0 < hv[("DT-wine", 0)]["random"] < hv[("DT-wine", 0)]["evotune-racing"] < 1.0


def test_the_racing_trace_records_each_decision_and_stops_nothing():
    """racing_trace's figures hold only if its racing stops nothing (it once overrode a method the engine no
    longer asked, and stopped children as Racing() does)."""
    import evotune as et
    from experiments.benchmarks import racing_trace
    from tests.data.make_run_file import Folds, space

    racing_trace._ASKED.clear()
    raced = et.optimize(Folds(), space, racing=racing_trace._Tracing(repeats=False), max_evaluations=40,
                        population_size=8, seed=3)
    assert all(t.state == "complete" and len(t.parts) == 4 for t in raced.trials)
    assert len(racing_trace._ASKED) == 32  # every child of generations 1-4, after its first 3 folds
    stopping = et.optimize(Folds(), space, racing=et.Racing(repeats=False), max_evaluations=40,
                           population_size=8, seed=3)
    assert any(t.state == "pruned" for t in stopping.trials)  # the same run, raced, stops some


def test_racing_at_equal_wall_time_reads_each_run_at_the_time_racing_took():
    from experiments.benchmarks.bench_racing import _curve, equal_time

    # a candidate that improves nothing leaves no point; the curve is in time order whatever the trials' order
    assert _curve([(3.0, 0.2), (1.0, 0.5), (2.0, 0.6), (4.0, 0.1)]) == [[1.0, 0.5], [3.0, 0.2], [4.0, 0.1]]

    def row(method, loss, seconds, curve=None):
        return {"problem": "p", "method": method, "seed": 0, "loss": loss, "seconds": seconds,
                **({"curve": curve} if curve is not None else {})}

    rows = [row("random", 1.0, 1, None) | {"losses": [1.0, 2.0, 3.0]},  # median random loss 2: score 0
            row("evotune-racing", 0.0, 10.0),  # the best loss: 100, in 10 s
            row("evotune", 0.0, 20.0, [[2.0, 1.0], [15.0, 0.0]]),  # at 10 s its best was 1.0: 50
            row("optuna-wilcoxon", 0.0, 30.0, [[11.0, 0.5]]),  # nothing by 10 s: 0
            row("halving", 0.0, 12.0), row("halving-64", 0.5, 9.0),  # the 128 candidates took too long
            row("halving-32", 1.5, 5.0), row("halving-16", 2.0, 3.0)]
    text = equal_time(rows)
    assert "| evotune-racing | 100.00 |" in text and "| evotune | 50.00 | -50.00" in text
    assert "| optuna-wilcoxon | 0.00 |" in text and "| halving | 75.00 |" in text
    assert "none fit in 0 pairs" in text
    assert equal_time(rows[:-1]) == ""  # a halving row missing: nothing to compare
