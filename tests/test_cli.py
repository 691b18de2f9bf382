import os
import re
import shutil
import subprocess
import sys

import pytest

import evotune as et
from evotune.cli import ConfigError, load_experiment, main

EXPERIMENT = """
# a fast experiment for the tests
[objective]
function = "tests.mixed_problem:partial_objective"

[space]
x0 = {{ type = "float", low = -5.0, high = 5.0 }}
x1 = {{ type = "float", low = -5.0, high = 5.0 }}
n0 = {{ type = "integer", low = -10, high = 10 }}
c0 = ["a", "b", "c", "d", "e"]

[search]
max_evaluations = {n}
population_size = 10
seed = 0

[storage]
path = "{path}"
run_name = "fast"
"""

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def experiment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(ROOT)
    path = tmp_path / "fast.toml"

    def write(n=40):
        path.write_text(EXPERIMENT.format(n=n, path=(tmp_path / "runs" / "fast.db").as_posix()))
        return str(path)

    return write


@pytest.mark.slow  # many searches: in CI's first job only
def test_run_resume_status_report_export_plot(experiment, tmp_path, capsys):
    assert main(["run", experiment(40), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "stopped: max_evaluations reached (40)" in out and "best value" in out
    assert main(["run", experiment(60), "--no-progress"]) == 0  # the same command, a larger budget: resumes
    assert "max_evaluations reached (60)" in capsys.readouterr().out
    run_file = str(tmp_path / "runs" / "fast.db")
    assert main(["status", run_file]) == 0
    status = capsys.readouterr().out
    assert "run 'fast': finished" in status and "evaluations: 60 (complete 60)" in status
    assert main(["report", run_file, "-o", str(tmp_path / "report")]) == 0
    assert os.path.exists(tmp_path / "report" / "index.html")
    assert main(["export", run_file, "--hall-of-fame", "hof.csv", "--trials", "trials.json"]) == 0
    assert len((tmp_path / "hof.csv").read_text().splitlines()) == 11
    assert main(["plot", run_file, "--kind", "diversity", "--format", "pdf", "-o", "figs"]) == 0
    assert (tmp_path / "figs" / "diversity.pdf").stat().st_size > 1000
    assert main(["plot", run_file, "--format", "svg", "-o", "all"]) == 0  # every figure with something to show
    assert sorted(os.listdir(tmp_path / "all")) == sorted(f"{k}.svg" for k in et.plotting.FIGURES
                                                          if k not in ("parts", "pareto", "hypervolume"))
    assert main(["export", run_file]) == 2  # nothing asked for: bad usage
    assert "give --trials FILE and/or --hall-of-fame FILE" in capsys.readouterr().err
    assert main(["run", experiment(20), "--no-progress", "--restart"]) == 0  # the file now holds two runs
    capsys.readouterr()
    assert main(["compare", run_file, "--x", "seconds", "-o", "figs/comparison.svg"]) == 0
    assert (tmp_path / "figs" / "comparison.svg").stat().st_size > 1000
    assert main(["compare", run_file, "--each-run", "-o", "each.png"]) == 0
    assert main(["compare", "missing.db"]) == 1 and "missing.db: no such run file" in capsys.readouterr().err


TREE = ("[objective]\nestimator = 'sklearn.tree.DecisionTreeClassifier'\ndataset = 'iris'\ncv = 3\n"
        "[space]\nmax_depth = [2, 4]\n")


@pytest.mark.parametrize(
    "content, message",
    [
        ("[objective]\nfunction = 'x:y'\n[space]\nx = [1, 2]\n[search]\nmax_evaluation = 3\n",
         ":6: [search] max_evaluation: unknown key; allowed: "),
        ("[objective]\nfunction = 'x:y'\n[space]\nx = { type = 'float', low = 2, high = 1 }\n[search]\nmax_evaluations = 3\n",
         ":4: [space] x: Float: `low` must be smaller than `high`; got low=2.0, high=1.0."),
        ("[objective]\nfunction = 'x:y'\n[space]\nx = { type = 'real', low = 0, high = 1 }\n[search]\nmax_evaluations = 3\n",
         ":4: [space] x: `type` must be 'float', 'integer' or 'categorical'; got 'real'."),
        ("[objective]\nfunction = 'no_such_module:f'\n[space]\nx = [1, 2]\n[search]\nmax_evaluations = 3\n",
         ":2: [objective] function: cannot import 'no_such_module:f': No module named 'no_such_module'"),
        ("[objective]\nestimator = 'sklearn.svm.SVC'\ndataset = 'mnist'\n[space]\nC = [1, 2]\n[search]\nmax_evaluations = 3\n",
         ":3: [objective] dataset: scikit-learn has no load_mnist()"),
        ("[objective\n", "not valid TOML: "),
        ("[objective]\nfunction = 'x:y'\n[space]\nx = [1, 2]\n", "[search]: give `max_evaluations`, `generations` or `time_budget`."),
        # found before the first evaluation, not after a generation of failed ones
        (f"{TREE}[search]\ndirection = 'max'\nmax_evaluations = 3\n",
         ":8: [search] direction: `direction` must be one of ('minimize', 'maximize'); got 'max'."),
        (f"{TREE}[search]\nmax_evaluations = 3\nn_jobs = 'two'\n",
         ":9: [search] n_jobs: `n_jobs` must be a non-zero integer (-1 = all cores); got 'two'."),
        (f"{TREE}[search]\nmax_evaluations = 3\ntimeout = -1\n", ":9: [search] timeout: `timeout` must be"),
        (f"{TREE}[search]\nmax_evaluations = 3.5\n", ":8: [search] max_evaluations: `max_evaluations` must be"),
        (TREE.replace("cv = 3", "cv = 3\nscoring = 'R2'") + "[search]\nmax_evaluations = 3\n",
         ":5: [objective] scoring: `scoring`: scikit-learn has no scorer 'R2'; did you mean 'r2'?"),
        (TREE + "min_sample_leaf = [1, 2]\n[search]\nmax_evaluations = 3\n",
         ":7: [space] min_sample_leaf: DecisionTreeClassifier has no parameter 'min_sample_leaf'; "
         "did you mean 'min_samples_leaf'?"),
        ("[objective]\nfunction = 'x:y'\n[space]\nk = ['a', 'b']\nx = { type = 'float', low = 0, high = 1, when = { k = 'z' } }\n"
         "[search]\nmax_evaluations = 3\n", ":5: [space] x: parameter 'x': when(k=...): 'z' is not a value it can take"),
        (f"{TREE}[search]\nmax_evaluations = 3\nracing = {{ min_part = 3 }}\n",
         ":9: [search] racing: unknown racing setting 'min_part'; they are: min_parts, confidence, pooled, repeats, "
         "ties, futility, schedule, repeat_parts."),
        (f"{TREE}[search]\nmax_evaluations = 3\nsurrogate = {{ front_scal = 'ranks' }}\n",
         ":9: [search] surrogate: unknown surrogate setting 'front_scal'; they are: oversample, "),
        (f"{TREE}[search]\nmax_evaluations = 3\nsurrogate = {{ front_scale = 'rank' }}\n",
         ":9: [search] surrogate: GaussianProcessSurrogate: `front_scale` must be one of ('values', "
         "'ranks'); got 'rank'."),
        (f"{TREE}[search]\nmax_evaluations = 3\nfidelity = {{ min_budget = 9, max_budget = 3 }}\n",
         ":9: [search] fidelity: Fidelity: `max_budget` must be a number > min_budget (9); got 3."),
        (f"{TREE}[search]\nmax_evaluations = 3\nracing = {{ confidence = 2 }}\n",
         ":9: [search] racing: Racing: `confidence` must be a number in (0.5, 1); got 2."),
        (TREE.replace("cv = 3", "cv = 3\nparams = { max_dept = 3 }") + "[search]\nmax_evaluations = 3\n",
         ":5: [objective] params: DecisionTreeClassifier has no parameter 'max_dept'; did you mean 'max_depth'?"),
    ],
)
def test_bad_experiment_files_name_the_line_and_key(tmp_path, capsys, monkeypatch, content, message):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_experiment(str(path))
    assert message in str(info.value)
    assert main(["run", str(path)]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()  # refused before a run file is made


def test_none_in_toml_choices_and_estimator_objectives(tmp_path):
    path = tmp_path / "rf.toml"
    path.write_text(
        "[objective]\nestimator = 'sklearn.tree.DecisionTreeClassifier'\ndataset = 'iris'\ncv = 3\n"
        "[space]\nmax_depth = ['None', 2, 4]\n[search]\ndirection = 'maximize'\nmax_evaluations = 3\n"
    )
    settings = load_experiment(str(path))
    assert settings["space"]["max_depth"] == [None, 2, 4]
    assert settings["storage"] == os.path.join("runs", "rf.db") and settings["run_name"] == "rf"
    value, info = settings["objective"]({"max_depth": 4})
    assert 0.9 < value <= 1.0 and len(info["splits"]) == 3


def test_the_surrogate_can_be_turned_off_in_an_experiment_file(tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text("[objective]\nfunction = 'math:fabs'\n[space]\nx = { type = 'float', low = -1, high = 1 }\n"
                    "[search]\nmax_evaluations = 30\nsurrogate = false\n")
    settings = load_experiment(str(path))
    assert settings["surrogate"] is False


def test_a_two_objective_run_of_release_0_12_resumes_from_an_experiment_file_with_the_ranks(
        tmp_path, monkeypatch, capsys):
    """tests/data/run-0.12.0-two-objectives.db, made by release 0.12.0 through optimize(). An experiment file
    that names the surrogate's ``front_scale = "ranks"`` (0.12's models per objective) is refused: the stored
    surrogate also used its model from 8 trials (``front_min_trials=None``, which TOML cannot write), and the
    refusal says to leave the surrogate out; without it, the run takes back its own and goes on from its 20
    stored trials as a run of this version with that surrogate does."""
    from tests.data.make_run_file import space, two

    monkeypatch.chdir(tmp_path)
    shutil.copy(os.path.join(ROOT, "tests", "data", "run-0.12.0-two-objectives.db"), tmp_path / "old.db")
    path = tmp_path / "old.toml"
    path.write_text(
        "[objective]\nfunction = 'tests.data.make_run_file:two'\n"
        "[space]\nx = { type = 'float', low = -5, high = 5 }\n"
        "n = { type = 'integer', low = 1, high = 20, log = true }\nk = ['a', 'b', 'c']\n"
        "[storage]\npath = 'old.db'\nrun_name = 'previous'\n[search]\ndirections = ['minimize', 'minimize']\n"
        "max_evaluations = 32\npopulation_size = 8\nseed = 3\nsurrogate = { front_scale = 'ranks' }\n")
    monkeypatch.syspath_prepend(ROOT)
    assert main(["run", str(path), "--no-progress"]) == 1
    assert "or leave `surrogate` out: the run takes back its own" in capsys.readouterr().err
    path.write_text(path.read_text().replace("surrogate = { front_scale = 'ranks' }\n", ""))
    assert main(["run", str(path), "--no-progress"]) == 0
    resumed = et.load_run("old.db", "previous")
    ranks = et.GaussianProcessSurrogate(front_scale="ranks", front_min_trials=None)
    fresh = et.optimize(two, space, directions=["minimize"] * 2, max_evaluations=32, population_size=8,
                        seed=3, surrogate=ranks)
    key = [(t.params, t.values) for t in fresh.trials]
    assert [(t.params, t.values) for t in resumed.trials] == key
    assert [s["evaluations"] for s in resumed.sessions] == [20, 12]


def test_an_experiment_file_races_its_folds(tmp_path):
    path = tmp_path / "raced.toml"
    path.write_text(TREE.replace("cv = 3", "cv = 10") + "[search]\nmax_evaluations = 3\nracing = { min_parts = 4 }\n")
    assert load_experiment(str(path))["racing"] == et.Racing(min_parts=4)
    path.write_text(TREE + "[search]\nmax_evaluations = 3\nracing = true\n")
    assert load_experiment(str(path))["racing"] is True
    path.write_text("[objective]\nfunction = 'math:pow'\n[space]\nx = { type = 'float', low = 0, high = 1 }\n"
                    "[search]\nmax_evaluations = 3\nfidelity = { min_budget = 1, max_budget = 9 }\n")
    assert load_experiment(str(path))["fidelity"] == et.Fidelity(1, 9)


def test_the_console_script_is_installed_and_follows_conventions(tmp_path):
    done = subprocess.run([sys.executable, "-m", "evotune.cli", "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("evotune ")
    script = os.path.join(os.path.dirname(sys.executable), "evotune")  # installed beside this Python
    missing = subprocess.run([script, "status", str(tmp_path / "none.db")], capture_output=True, text=True)
    assert missing.returncode == 1 and "evotune: error:" in missing.stderr
    usage = subprocess.run([script, "frobnicate"], capture_output=True, text=True)
    assert usage.returncode == 2 and "invalid choice" in usage.stderr


def test_status_tells_a_killed_run_from_a_running_one(tmp_path, capsys):
    import signal
    import time

    run_file = tmp_path / "runs.db"
    script = tmp_path / "slow.py"
    script.write_text(
        "import sys, time\nsys.path.insert(0, %r)\nimport evotune as et\n"
        "et.optimize(lambda p: time.sleep(0.05) or p['x'], {'x': et.Float(0, 1)}, max_evaluations=10000,"
        " storage=sys.argv[1], run_name='slow', seed=0)\n" % ROOT
    )
    proc = subprocess.Popen([sys.executable, str(script), str(run_file)])
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if run_file.exists() and main(["status", str(run_file)]) == 0 and "evaluations: 0" not in capsys.readouterr().out:
                break
            time.sleep(0.2)
        assert main(["status", str(run_file)]) == 0
        assert "run 'slow': running" in capsys.readouterr().out
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert main(["status", str(run_file)]) == 0
    assert "run 'slow': stopped: no process is running it (killed?)" in capsys.readouterr().out


def test_status_says_what_racing_stopped_and_the_folds_it_saved(tmp_path, capsys):
    from tests.evaluation.test_parts import Binned

    run_file = tmp_path / "raced.db"
    result = et.optimize(Binned(), {"x": et.Float(0, 1)}, max_evaluations=60, population_size=6, racing=True,
                         seed=1, storage=run_file)
    pruned = [t for t in result.trials if t.state == "pruned"]
    ran, every = sum(len(t.parts) for t in result.trials), 5 * len(result.trials)
    assert main(["status", str(run_file)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "early stops:" in line)
    assert line.startswith(f"  early stops: {len(pruned)} stopped early (repeats ")
    assert line.endswith(f"; {ran} of {every} parts run ({ran / every:.0%})")
    unraced = tmp_path / "plain.db"
    et.optimize(Binned(), {"x": et.Float(0, 1)}, max_evaluations=12, seed=1, storage=unraced)
    assert main(["status", str(unraced)]) == 0 and "early stops:" not in capsys.readouterr().out


def test_status_counts_the_folds_a_stopped_run_keeps_for_its_resume(tmp_path, capsys):
    from tests.evaluation.test_parts import Noisy

    run_file, settings = tmp_path / "stopped.db", dict(population_size=6, lag=2, racing=True, seed=1)
    stop = lambda evolution, stats: "enough" if stats.generation == 3 else None  # noqa: E731
    et.optimize(Noisy(), {"x": et.Float(0, 1)}, max_evaluations=48, storage=run_file, callbacks=[stop],
                **settings)
    assert main(["status", str(run_file)]) == 0
    kept = "  kept for a resume: 3 finished parts (folds) of 1 candidate not yet decided\n"
    assert kept in capsys.readouterr().out
    et.optimize(Noisy(), {"x": et.Float(0, 1)}, max_evaluations=48, storage=run_file, resume=True, **settings)
    assert main(["status", str(run_file)]) == 0 and "kept for a resume" not in capsys.readouterr().out


def test_the_command_leaves_the_root_logger_as_it_found_it():
    import logging

    from evotune.cli import main

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    main(["status", "no-such-file.db"])
    assert root.handlers == handlers and root.level == level


def test_a_failed_run_is_not_resumed_silently_and_restart_keeps_it(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "scoring.toml"
    broken = ("[objective]\nestimator = 'sklearn.tree.DecisionTreeClassifier'\ndataset = 'iris'\ncv = 3\n"
              "params = {{ criterion = '{criterion}' }}\n[space]\nmax_depth = [1, 2, 3, 4]\n[search]\ndirection = 'maximize'\n"
              "max_evaluations = 4\n")
    path.write_text(broken.format(criterion="ginni"))  # a value only fit() refuses: every fit fails
    assert main(["run", str(path), "--no-progress"]) == 1
    path.write_text(broken.format(criterion="gini"))  # fixed
    capsys.readouterr()
    assert main(["run", str(path), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "ended in failure" in err and "--restart" in err
    assert main(["run", str(path), "--no-progress", "--restart"]) == 0
    from evotune import load_run, run_names

    assert run_names("runs/scoring.db") == ["scoring-1", "scoring"]  # the failed run is kept, renamed
    assert load_run("runs/scoring.db", "scoring").best_value > 0.9
    path.write_text(broken.format(criterion="gini").replace("[1, 2, 3, 4]", "[1, 2, 3]"))  # changed: not resumed
    assert main(["run", str(path), "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "space: parameter 'max_depth': choices stored [1, 2, 3, 4], given [1, 2, 3]" in err
    assert f"`evotune run {path} --restart` starts anew" in err


def test_conditions_in_an_experiment_file(tmp_path):
    path = tmp_path / "svc.toml"
    path.write_text(
        "[objective]\nestimator = 'sklearn.svm.SVC'\ndataset = 'iris'\ncv = 3\n[space]\nkernel = ['rbf', 'poly']\n"
        "degree = { type = 'integer', low = 2, high = 4, when = { kernel = 'poly' } }\n"
        "[search]\nmax_evaluations = 12\ndirection = 'maximize'\n"
    )
    settings = load_experiment(str(path))
    assert repr(settings["space"]["degree"]).endswith(".when(kernel=['poly'])")
    settings["storage"] = str(tmp_path / "svc.db")
    result = __import__("evotune").optimize(**settings)
    assert all(("degree" in t.params) == (t.params["kernel"] == "poly") for t in result.trials)
    assert len(result.trials) == 4  # rbf, and poly with degree 2, 3 or 4: the space's distinct points


def test_an_experiment_file_can_choose_among_estimators(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (
        "[objective]\nestimator = ['sklearn.tree.DecisionTreeClassifier', 'sklearn.neighbors.KNeighborsClassifier']\n"
        "dataset = 'iris'\ncv = 3\n[space]\n"
        "estimator__max_depth = { type = 'integer', low = 1, high = 5, when = { estimator = 'DecisionTreeClassifier' } }\n"
        "estimator__n_neighbors = { type = 'integer', low = 1, high = 9, when = { estimator = 'KNeighborsClassifier' } }\n"
        "[search]\ndirection = 'maximize'\nmax_evaluations = 10\n"
    )
    path = tmp_path / "choose.toml"
    path.write_text(text)
    assert main(["run", str(path), "--no-progress"]) == 0
    trials = __import__("evotune").load_run("runs/choose.db").trials
    names = {t.params["estimator"].split("(")[0]: set(t.params) for t in trials}  # stored estimators: their repr
    assert names == {"DecisionTreeClassifier": {"estimator", "estimator__max_depth"},
                     "KNeighborsClassifier": {"estimator", "estimator__n_neighbors"}}
    path.write_text(text.replace("estimator__n_neighbors =", "estimator__n_neighbor ="))
    assert main(["run", str(path), "--restart"]) == 2
    assert ":7: [space] estimator__n_neighbor: 'estimator__n_neighbor': none of the estimators" in capsys.readouterr().err
    assert __import__("evotune").run_names("runs/choose.db") == ["choose"]  # refused before --restart renamed it
    path.write_text(text.replace("cv = 3", "cv = 3\nparams = { estimator__max_depth = 2 }"))
    assert main(["run", str(path), "--restart"]) == 2
    assert ":5: [objective] params: with a list of estimators, give fixed values in [space]" in capsys.readouterr().err


def test_an_experiment_with_several_objectives_runs_and_reports_its_front(experiment, tmp_path, capsys):
    path = experiment(30)
    with open(path) as f:
        text = f.read().replace("partial_objective", "two_objectives").replace("seed = 0", "seed = 0\ndirections = ['minimize', 'minimize']")
    with open(path, "w") as f:
        f.write(text)
    assert main(["run", path, "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "Pareto front:" in out and "knee of the front: values [" in out
    assert main(["status", str(tmp_path / "runs" / "fast.db")]) == 0
    assert "directions: minimize, minimize" in capsys.readouterr().out
    example = load_experiment(os.path.join(ROOT, "experiments", "accuracy_vs_size.toml"))
    assert example["directions"] == ["maximize", "minimize"]


def test_an_estimator_experiment_races_its_folds_on_several_objectives(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "raced.toml"
    path.write_text("[objective]\nestimator = 'sklearn.tree.DecisionTreeClassifier'\ndataset = 'breast_cancer'\n"
                    "cv = 10\nscoring = 'accuracy'\nobjectives = ['accuracy', 'model_size']\n"
                    "params = { random_state = 0 }\n[space]\nmax_depth = { type = 'integer', low = 1, high = 20 }\n"
                    "[search]\nmax_evaluations = 30\nseed = 0\nracing = true\n")
    assert main(["run", str(path), "--no-progress"]) == 0
    trials = et.load_run("runs/raced.db").trials
    pruned = [t for t in trials if t.state == "pruned"]
    assert pruned and all(len(t.parts) < 10 and len(t.parts[0]) == 2 for t in pruned)


def test_an_estimator_experiment_takes_several_objectives(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = TREE.replace("cv = 3", "cv = 3\nscoring = 'accuracy'\nobjectives = ['accuracy', 'model_size']")
    path = tmp_path / "small.toml"
    path.write_text(text + "[search]\nmax_evaluations = 12\nseed = 0\n")
    assert load_experiment(str(path))["directions"] == ["maximize", "minimize"]  # a metric up, a cost down
    assert main(["run", str(path), "--no-progress"]) == 0
    run = et.load_run("runs/small.db")
    assert run.directions == (et.Direction.MAXIMIZE, et.Direction.MINIMIZE)
    assert all(len(t.values) == 2 and t.values[1] > 100 for t in run.trials)  # bytes of a pickled tree
    assert "Pareto front:" in capsys.readouterr().out
    for bad, message in [
        (text.replace("'model_size']", "'size']"), ":6: [objective] objectives: `objectives`: 'size' is neither a "
                                                   "metric of `scoring` (accuracy) nor one of fit_time"),
        (text + "[search]\nmax_evaluations = 3\ndirections = ['maximize', 'maximize']\n",
         "[search] directions: the objectives ['accuracy', 'model_size'] set the directions ['maximize', 'minimize']"),
    ]:
        path.write_text(bad if "[search]" in bad else bad + "[search]\nmax_evaluations = 3\n")
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_experiment(str(path))


def test_an_experiment_file_gives_constraints_and_initial_points(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "limits.py").write_text(
        "def depth_at_most_3(params, values, info):\n    return [params['max_depth'] - 3]\n")
    text = TREE.replace("max_depth = [2, 4]", "max_depth = { type = 'integer', low = 1, high = 8 }") + (
        "[search]\ndirection = 'maximize'\nmax_evaluations = 10\nseed = 0\nconstraints = 'limits:depth_at_most_3'\n"
        "initial_points = [{ max_depth = 3 }]\n")
    path = tmp_path / "limited.toml"
    path.write_text(text)
    settings = load_experiment(str(path))
    assert settings["constraints"].__name__ == "depth_at_most_3" and settings["initial_points"] == [{"max_depth": 3}]
    assert main(["run", str(path), "--no-progress"]) == 0
    run = et.load_run("runs/limited.db")
    assert run.trials[0].params == {"max_depth": 3} and run.best_params["max_depth"] <= 3
    assert {t.feasible for t in run.trials} == {True, False}  # depths above 3 were tried, and are infeasible
    for bad, message in [
        (text.replace("limits:depth_at_most_3", "limits:no_such"),
         ":11: [search] constraints: cannot import 'limits:no_such'"),
        (text.replace("max_depth = 3 }", "max_depth = 30 }"),
         ":12: [search] initial_points: initial_points[0]: 'max_depth'=30 is outside Integer(low=1, high=8"),
    ]:
        path.write_text(bad)
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_experiment(str(path))


def test_space_tables_are_a_list_of_sub_spaces(tmp_path, capsys, monkeypatch):
    """[[space]] tables are GridSearchCV's list of grids: searched as the conditional space they stand for."""
    monkeypatch.chdir(tmp_path)
    text = ("[objective]\nestimator = 'sklearn.svm.SVC'\ndataset = 'iris'\ncv = 3\n"
            "[[space]]\nkernel = ['linear']\nC = { type = 'float', low = 0.01, high = 100, log = true }\n"
            "[[space]]\nkernel = ['rbf']\nC = { type = 'float', low = 0.01, high = 100, log = true }\n"
            "gamma = { type = 'float', low = 1e-4, high = 1, log = true }\n"
            "[search]\ndirection = 'maximize'\nmax_evaluations = 12\nseed = 0\n")
    path = tmp_path / "grids.toml"
    path.write_text(text)
    settings = load_experiment(str(path))
    assert dict(et.Space(settings["space"])) == {
        "kernel": et.Categorical(["linear", "rbf"]), "C": et.Float(0.01, 100, log=True),
        "gamma": et.Float(1e-4, 1, log=True).when(kernel="rbf")}
    assert main(["run", str(path), "--no-progress"]) == 0
    trials = et.load_run("runs/grids.db").trials
    assert {frozenset(t.params) for t in trials} == {frozenset({"kernel", "C"}), frozenset({"kernel", "C", "gamma"})}
    path.write_text(text.replace("gamma =", "gama ="))
    with pytest.raises(ConfigError, match=re.escape("[space] gama: SVC has no parameter 'gama'; did you mean 'gamma'?")):
        load_experiment(str(path))


def test_the_epochs_example_trains_on_through_its_fidelity(tmp_path, monkeypatch, capsys):
    """experiments/mlp_epochs.toml: a generator objective named in an experiment file, shortened."""
    import shutil

    monkeypatch.chdir(tmp_path)
    shutil.copy(os.path.join(ROOT, "experiments", "objectives.py"), tmp_path / "objectives.py")
    text = open(os.path.join(ROOT, "experiments", "mlp_epochs.toml")).read()
    path = tmp_path / "mlp_epochs.toml"
    path.write_text(text.replace("max_evaluations = 80", "max_evaluations = 14").replace("n_jobs = 2", "n_jobs = 1"))
    assert load_experiment(str(path))["fidelity"] == et.Fidelity(1, 81, 3)
    assert main(["run", str(path), "--no-progress"]) == 0
    trials = et.load_run("runs/mlp_epochs.db").trials
    assert all(len(t.parts) == 5 and t.value == t.parts[-1] for t in trials if t.ok)
    assert all(len(t.parts) < 5 for t in trials if t.state == "pruned") and max(t.value for t in trials if t.ok) > 0.95
    assert "best value: 0.9" in capsys.readouterr().out
