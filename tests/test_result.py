import csv
import json

import pytest

import evotune as et
from evotune import InvalidParameterError


class Model:
    def __repr__(self):
        return "Model()"


@pytest.fixture(scope="module")
def result():
    space = {"x": et.Float(-1, 1), "n": et.Integer(0, 3), "m": et.Categorical([None, Model(), "plain"])}

    def f(p):
        if p["n"] == 3:
            raise ValueError("n=3 is not allowed")
        return p["x"] ** 2 + p["n"]

    with pytest.warns(et.FailedEvaluationWarning):
        return et.optimize(f, space, max_evaluations=60, population_size=12, hall_of_fame_size=5, seed=0)


def test_hall_of_fame_is_unique_best_first_and_complete(result):
    hof = result.hall_of_fame
    assert len(hof) == 5
    assert [t.value for t in hof] == sorted(t.value for t in hof)
    assert len({t.number for t in hof}) == 5 and all(t.ok for t in hof)
    assert result.best_value == min(t.value for t in result.trials if t.ok)
    assert result.best_trial is hof[0] and result.best_params == hof[0].params


def test_the_repr_is_a_summary_of_the_states_the_best_and_the_stop(result):
    failed = sum(t.state == "failed" for t in result.trials)
    assert repr(result) == (f"Result(60 trials (complete {60 - failed}, failed {failed}), best {result.best_value:.4g} "
                            f"at {{'x': {result.best_params['x']:.4g}, 'n': 0, 'm': {result.best_params['m']!r}}}; "
                            f"max_evaluations reached (60))")
    two = et.optimize(lambda p: (p["x"] ** 2, (p["x"] - 1) ** 2), {"x": et.Float(-1, 2)},
                      directions=["minimize", "minimize"], max_evaluations=20, seed=0)
    assert repr(two).startswith(f"Result(20 trials (complete 20), a front of {len(two.pareto_front)}, knee (")
    with pytest.warns(et.InfeasibleWarning):
        none = et.optimize(lambda p: p["x"], {"x": et.Float(0, 1)}, constraints=lambda p, v, i: 2 - p["x"],
                           max_evaluations=10, seed=0)
    assert "no feasible trial" in repr(none)


def test_trials_are_in_number_order_with_generation_and_duration(result):
    assert [t.number for t in result.trials] == list(range(60))
    assert all(t.duration >= 0 for t in result.trials)
    assert {t.generation for t in result.trials} == set(range(len(result.history)))
    assert any(t.state == "failed" and t.error == "ValueError: n=3 is not allowed" for t in result.trials)


def test_json_export_round_trips_plain_values_and_reprs_objects(result, tmp_path):
    result.save_hall_of_fame(tmp_path / "hof.json")
    rows = json.loads((tmp_path / "hof.json").read_text())
    assert [r["number"] for r in rows] == [t.number for t in result.hall_of_fame]
    assert [r["value"] for r in rows] == [t.value for t in result.hall_of_fame]
    assert {r["params"]["m"] for r in rows} <= {None, "Model()", "plain"}

    result.save_trials(tmp_path / "trials.json")
    rows = json.loads((tmp_path / "trials.json").read_text())
    failed = [r for r in rows if r["state"] == "failed"]
    assert len(rows) == 60 and failed and all(r["value"] is None for r in failed)


def test_csv_export_has_one_column_per_parameter(result, tmp_path):
    result.save_hall_of_fame(tmp_path / "hof.csv")
    with open(tmp_path / "hof.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["number", "generation", "value", "state", "duration", "error", "worker", "started", "param_x", "param_n", "param_m"]
    assert [float(r["value"]) for r in rows] == [t.value for t in result.hall_of_fame]
    assert [int(r["param_n"]) for r in rows] == [t.params["n"] for t in result.hall_of_fame]


def test_csv_started_is_a_utc_time_and_a_union_space_leaves_absent_parameters_empty(tmp_path):
    from datetime import datetime

    space = [{"kind": ["a"], "x": et.Float(0, 1)}, {"kind": ["b"], "n": et.Integer(1, 5)}]
    result = et.optimize(lambda p: p.get("x", 0) + p.get("n", 0), space, max_evaluations=12, n_jobs=2, seed=0)
    result.save_trials(tmp_path / "trials.csv")
    with open(tmp_path / "trials.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    started = datetime.fromisoformat(rows[0]["started"])
    assert started.utcoffset().total_seconds() == 0 and abs(started.timestamp() - result.trials[0].started) < 1e-3
    assert {r["param_kind"] for r in rows} == {"a", "b"}
    assert all((r["param_x"] == "") == (r["param_kind"] == "b") for r in rows)


def test_to_dataframe_has_a_row_per_trial_with_typed_columns(result):
    frame = result.to_dataframe()
    assert len(frame) == 60 and list(frame["number"]) == list(range(60))
    assert str(frame["started"].dt.tz) == "UTC"
    assert set(frame["state"]) == {"complete", "failed"}
    failed = frame[frame["state"] == "failed"]
    assert failed["value"].isna().all() and failed["error"].str.contains("n=3").all()
    assert frame["param_n"].dtype.kind == "i"


def test_unknown_export_format_is_named(result, tmp_path):
    with pytest.raises(InvalidParameterError, match="format: must be 'json' or 'csv'.*got 'xlsx'"):
        result.save_trials(tmp_path / "trials.xlsx")
    result.save_trials(tmp_path / "trials.txt", format="csv")
    assert (tmp_path / "trials.txt").read_text().startswith("number,")


def test_a_run_without_completed_trials_has_no_best():
    empty = et.Result(trials=[], history=[], hall_of_fame=[], direction="minimize", seed=0)
    assert empty.best_params is None and empty.best_value is None and empty.n_evaluations == 0
    assert empty.best_trial is None and empty.hall_of_fame == []
