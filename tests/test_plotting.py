import math
import re
import warnings

import matplotlib
import pytest

import evotune as et
from evotune import InvalidParameterError, plotting
from evotune.sklearn import EvolutionarySearchCV

from .mixed_problem import SPACE, objective


@pytest.fixture(autouse=True)
def close_figures():
    """The figures a test drew are closed after it (pyplot keeps every figure it made open)."""
    yield
    plotting.pyplot().close("all")


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    path = tmp_path_factory.mktemp("plots") / "run.db"

    def flaky(p):
        if p["c0"] == "e" and p["n0"] > 5:
            raise ValueError("unstable")
        return objective(p)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", et.FailedEvaluationWarning)
        space = {**SPACE, "lr": et.Float(1e-5, 1e-1, log=True)}
        result = et.optimize(flaky, space, max_evaluations=120, population_size=20, n_jobs=2, seed=0, storage=path)
    return path, result


@pytest.mark.parametrize("name", list(plotting.FIGURES))
@pytest.mark.parametrize("source", ["result", "path"])
def test_every_figure_draws_from_a_result_or_a_run_file(stored, name, source, tmp_path):
    path, result = stored
    fig = plotting.FIGURES[name](result if source == "result" else str(path))
    assert isinstance(fig, matplotlib.figure.Figure)
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_title()  # labelled, for a report
    for extension in ("png", "svg", "pdf") if source == "result" else ("png",):  # the formats do not depend on the source
        plotting.save(fig if extension == "png" else plotting.FIGURES[name](result), tmp_path / f"{name}.{extension}")
        assert (tmp_path / f"{name}.{extension}").stat().st_size > 1000


def test_figures_use_log_axes_for_log_parameters_and_show_failures(stored):
    _, result = stored
    fig = plotting.plot_parameters(result)
    scales = {ax.get_title(): ax.get_yscale() for ax in fig.axes if ax.get_title()}
    assert scales["lr"] == "log" and scales["x0"] == "linear"
    assert [t.get_text() for t in next(ax for ax in fig.axes if ax.get_title() == "c0").get_yticklabels()] == list("abcde")
    diversity = plotting.plot_diversity(result)
    assert "failed evaluations" in [t.get_text() for ax in diversity.axes for t in (ax.get_legend().get_texts() if ax.get_legend() else [])]
    workers = plotting.plot_workers(result)
    assert len(workers.axes[0].get_yticklabels()) == 2 and "busy" in workers.axes[0].get_title()


def test_a_fitted_search_can_be_plotted():
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    search = EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": et.Integer(1, 10), "criterion": ["gini", "entropy"]},
                                  cv=3, max_evaluations=20, random_state=0).fit(X, y)
    fig = plotting.plot_hall_of_fame(search)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["max_depth", "criterion"]


def test_wrong_sources_and_formats_are_named(stored, tmp_path):
    with pytest.raises(InvalidParameterError, match="`source` must be a Result, a fitted EvolutionarySearchCV or the path of a run file; got int"):
        plotting.plot_evolution(3)
    with pytest.raises(et.InvalidParameterError, match=r"must end in .png, .svg or .pdf; got .*\.jpg"):
        plotting.save(plotting.plot_evolution(stored[1]), tmp_path / "x.jpg")


def test_parameter_names_with_colons_are_plotted_under_their_own_names():
    result = et.optimize(lambda p: p["clf:C"], {"clf:C": et.Float(1e-3, 1, log=True), "k": ["a", "b"]},
                         max_evaluations=16, surrogate=None, seed=0)
    fig = plotting.plot_parameters(result)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()][:2] == ["clf:C", "k"]


def test_worker_busy_share_leaves_out_the_time_between_sessions():
    def trial(number, worker, started):
        return et.Trial(number, 0, {"x": 0.0}, 1.0, duration=10.0, worker=worker, started=started)

    # two sessions an hour apart, two workers each (new processes, new names), busy all the time
    trials = [trial(0, "pid-1", 0), trial(1, "pid-2", 0), trial(2, "pid-1", 10), trial(3, "pid-2", 10),
              trial(4, "pid-3", 3600), trial(5, "pid-4", 3600)]
    result = et.Result(trials=trials, history=[], hall_of_fame=[], direction="minimize", seed=0)
    title = plotting.plot_workers(result).axes[0].get_title()
    assert "workers busy 100% of the time (2 sessions" in title
    half = et.Result(trials=trials[:2] + trials[3:4], history=[], hall_of_fame=[], direction="minimize", seed=0)
    assert "busy 75% of the time" in plotting.plot_workers(half).axes[0].get_title()


def test_tied_values_are_coloured_as_the_best_bands_stay_within_the_population_and_generations_are_whole():
    # an accuracy-like objective that is 1.0 for most candidates: ties, and a band that would pass 1
    result = et.optimize(lambda p: 1.0 if p["x"] > -0.9 else 0.2, {"x": et.Float(-1, 1)}, max_evaluations=40,
                         direction="maximize", population_size=8, seed=0)
    fig = plotting.plot_hall_of_fame(result)
    colours = {tuple(line.get_color()) for line in fig.axes[0].lines if line.get_marker() == "o"}
    best = plotting.pyplot().get_cmap("viridis")(1.0)
    assert colours == {tuple(best)}  # ten tied candidates: all painted as the best, not the worst
    left = plotting.plot_evolution(result).axes[0]
    band = left.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() <= 1.0
    assert all(float(t).is_integer() for t in left.get_xticks())


def test_the_hall_of_fame_figure_says_what_a_gap_means():
    space = {"kernel": ["rbf", "poly"], "degree": et.Integer(2, 5).when(kernel="poly"), "C": et.Float(0.1, 10)}
    result = et.optimize(lambda p: p["C"] + p.get("degree", 0), space, max_evaluations=30, seed=0)
    assert "a gap: the candidate has no such parameter" in plotting.plot_hall_of_fame(result).axes[0].get_title()
    plain = et.optimize(lambda p: p["C"], {"C": et.Float(0.1, 10)}, max_evaluations=10, seed=0)
    assert "gap" not in plotting.plot_hall_of_fame(plain).axes[0].get_title()


def test_parameter_importance_finds_the_parameter_that_matters():
    result = et.optimize(lambda p: (p["x"] - 1) ** 2 + (p["k"] == "b") * 0.001, {"x": et.Float(-5, 5), "k": ["a", "b"],
                         "n": et.Integer(1, 100, log=True)}, max_evaluations=60, seed=0)
    importance = result.parameter_importance()
    assert list(importance)[0] == "x" and importance["x"] > 0.8 and abs(sum(importance.values()) - 1) < 1e-9
    fig = plotting.plot_importance(result)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()][0] == "x"
    few = et.optimize(lambda p: p["x"], {"x": et.Float(0, 1)}, max_evaluations=5, seed=0)
    assert few.parameter_importance() == {}
    assert "too few" in plotting.plot_importance(few).axes[0].get_title()


def test_the_parts_figure_shows_stopped_candidates_and_where_the_compute_went(tmp_path):
    from evotune.report import write_report

    def loss(params, budget):
        return (params["x"] - 0.3) ** 2 + 1.0 / budget

    result = et.optimize(loss, {"x": et.Float(0, 1)}, max_evaluations=40, population_size=6,
                         fidelity=et.Fidelity(1, 27), seed=2)
    pruned = sum(t.state == "pruned" for t in result.trials)
    fig = plotting.plot_parts(result)
    left, right = fig.axes
    assert f"{pruned} stopped early" in left.get_title() and pruned > 0
    assert len(left.get_lines()) == 40  # a line per candidate
    assert [t.get_text() for t in right.get_xticklabels()] == ["complete", "pruned"]
    page = write_report(result, tmp_path)
    assert 'alt="parts"' in open(page, encoding="utf-8").read()


def test_the_parts_figure_of_a_run_raced_on_several_objectives_draws_the_first_one(tmp_path):
    from evotune.report import write_report

    class Folds:  # (error, size), fold by fold
        parts = 6

        def part(self, params, i):
            return (params["x"] + 0.01 * (i % 3), 1 - params["x"] ** 0.5 + params["y"])

        def combine(self, params, results):
            return tuple(sum(column) / len(results) for column in zip(*results))

        def __call__(self, params):
            return self.combine(params, [self.part(params, i) for i in range(self.parts)])

    result = et.optimize(Folds(), {"x": et.Float(0, 1), "y": et.Float(0, 1)}, directions=["minimize", "minimize"],
                         max_evaluations=60, racing=True, seed=0)
    assert any(t.state == "pruned" for t in result.trials)
    left, _ = plotting.plot_parts(result).axes
    assert len(left.get_lines()) == 60 and left.get_ylabel() == "objective 0 (lower is better)"
    assert 'alt="parts"' in open(write_report(result, tmp_path), encoding="utf-8").read()


@pytest.mark.parametrize("k", [2, 3])
def test_the_pareto_and_hypervolume_figures(k, tmp_path):
    def objective(p):
        return (p["x"], 1 - p["x"] ** 0.5 + p["y"], p["y"] + p["x"])[:k]

    result = et.optimize(objective, {"x": et.Float(0, 1), "y": et.Float(0, 1)}, directions=["minimize"] * k,
                         constraints=lambda p, v, i: 0.05 - p["x"], max_evaluations=40, seed=0, storage=tmp_path / "r.db")
    assert {"pareto", "hypervolume"} <= set(plotting.figures(result)) and "evolution" not in plotting.figures(result)
    for source in (result, str(tmp_path / "r.db")):
        fig = plotting.plot_pareto(source)
        axes = [ax for ax in fig.axes if ax.axison]
        assert len(axes) == (1 if k == 2 else 3)  # a panel per pair of objectives
        assert fig.axes[0].get_title() == f"Pareto front: {len(result.pareto_front)} of 40 trials"
        front_line = next(line for line in fig.axes[0].get_lines() if line.get_label() == "Pareto front")
        assert len(front_line.get_xdata()) == len(result.pareto_front)
        curve = plotting.plot_hypervolume(source).axes[1].get_lines()[0].get_ydata()
        assert len(curve) == 40 and curve[-1] == pytest.approx(1.0) and all(a <= b for a, b in zip(curve, curve[1:]))


def _run(values, started=None, duration=10.0, direction="minimize"):
    """A finished run whose trials returned ``values`` (None: failed), started at ``started`` seconds."""
    starts = started or [10.0 * i for i in range(len(values))]
    trials = [et.Trial(i, 0, {"x": 0.0}, math.nan if v is None else v, state="failed" if v is None else "complete",
                       duration=duration, started=s) for i, (v, s) in enumerate(zip(values, starts))]
    return et.Result(trials=trials, history=[], hall_of_fame=[], direction=direction, seed=0)


def test_the_comparison_draws_each_labels_median_and_quartiles_of_its_runs():
    runs = {"a": [_run([5, 3, 4, 1]), _run([None, 6, 2, 2]), _run([4, 4, 4, 0.5])], "b": _run([2, 2, 2, 2])}
    fig = plotting.plot_comparison(runs)
    ax = fig.axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["a (3 runs)", "b (1 run)"]
    # from evaluation 2 on, when every run of "a" has a best: bests (3, 6, 4), (3, 2, 4), (1, 2, 0.5)
    assert list(lines["a (3 runs)"].get_xdata()) == [2, 3, 4] and list(lines["a (3 runs)"].get_ydata()) == [4, 3, 1]
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    assert min(band) == pytest.approx(0.75) and max(band) == pytest.approx(5)  # quartiles (0.75, 5) at 4 and 2
    assert list(lines["b (1 run)"].get_ydata()) == [2, 2, 2, 2]
    assert ax.get_xlabel() == "evaluations" and "quartiles" in ax.get_title()


def test_the_comparison_in_seconds_leaves_out_the_time_between_sessions_and_reads_every_run_of_a_file(tmp_path):
    # a resumed run: two trials, an hour of nothing, two more; each trial takes 10 s, one at a time
    resumed = _run([4, 3, 2, 1], started=[0, 10, 3600, 3610])
    line = plotting.plot_comparison({"resumed": resumed}, x="seconds").axes[0].get_lines()[0]
    assert list(line.get_xdata()) == [10, 20, 30, 40]
    path = tmp_path / "runs.db"
    for seed in (0, 1):
        et.optimize(lambda p: p["x"] ** 2, {"x": et.Float(-1, 1)}, max_evaluations=12, seed=seed, storage=path,
                    run_name=f"seed-{seed}")
    fig = plotting.plot_comparison({"file": str(path)}, x="seconds")
    assert fig.axes[0].get_lines()[0].get_label() == "file (2 runs)"
    assert fig.axes[0].get_xlabel() == "seconds since the run's first evaluation started"


@pytest.mark.parametrize("runs, x, message", [
    ({"a": _run([1])}, "time", "`x` must be 'evaluations' or 'seconds'; got 'time'"),
    ({}, "evaluations", "`runs` must be a dict of label -> run or list of runs; got {}"),
    ({"a": _run([1]), "b": _run([1], direction="maximize")}, "evaluations", "the runs minimize and maximize"),
    ({"a": []}, "evaluations", "'a' has no runs"),
    ({"a": 3}, "evaluations", "`source` must be a Result"),
])
def test_the_comparison_refuses_runs_it_cannot_draw(runs, x, message):
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        plotting.plot_comparison(runs, x=x)


def test_the_comparison_refuses_a_run_with_several_objectives():
    two = et.optimize(lambda p: (p["x"], 1 - p["x"]), {"x": et.Float(0, 1)}, directions=["minimize"] * 2,
                      max_evaluations=8, seed=0)
    with pytest.raises(InvalidParameterError, match="the runs of 'two' must have one objective each"):
        plotting.plot_comparison({"two": two})


def test_the_figures_leave_the_users_matplotlib_settings_alone(stored):
    font = matplotlib.rcParams["font.size"]
    fig = plotting.plot_evolution(stored[1])
    assert matplotlib.rcParams["font.size"] == font  # was set to 9 for good
    assert fig.axes[0].xaxis.label.get_fontsize() == 9 and fig.axes[0].title.get_fontsize() == 10
    fig.canvas.draw()  # tick labels are made when drawn: in the figures' size too
    assert {label.get_fontsize() for label in fig.axes[0].get_xticklabels()} == {9}


NOTEBOOK = [
    "import evotune as et\nfrom evotune import plotting\n"
    "r = et.optimize(lambda p: (p['x'] - 1) ** 2, {'x': et.Float(-5, 5)}, max_evaluations=20, seed=0)",
    "plotting.plot_evolution(r)",  # the cell's value
    "fig = plotting.plot_diversity(r)",
    "import matplotlib.pyplot as plt\nplotting.plot_evolution(r)\nplt.show()",
    "fig",  # a figure of an earlier cell, again
]


def test_a_notebook_shows_each_figure_once():
    """In a Jupyter kernel (pyplot's inline backend), each figure shows once: as the cell's value (before:
    twice, as the value and again when the cell ended), assigned, with plt.show(), and again later."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in NOTEBOOK])
    nbclient.NotebookClient(notebook, kernel_name="python3", timeout=180).execute()
    shown = [sum("image/png" in output.get("data", {}) for output in cell.outputs) for cell in notebook.cells]
    assert shown == [0, 1, 1, 1, 1]
