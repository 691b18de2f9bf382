"""Objectives made of parts: each part a task of its own, one outcome per candidate."""

import math
import os
import time

import pytest

import evotune as et
from evotune.evaluation import PartsEvaluator, ProcessPoolEvaluator, SerialEvaluator
from evotune.trial import Candidate


class Folds:
    parts = 3

    def part(self, params, i):
        time.sleep(0.2)
        if params["x"] < 0 and i == 2:
            raise ValueError("fold 2 failed")
        return {"pid": os.getpid(), "score": params["x"] + i}

    def combine(self, params, results):
        return sum(r["score"] for r in results) / len(results), {"pids": sorted({r["pid"] for r in results})}

    def __call__(self, params):  # the whole objective in one call, as when it is not split
        return self.combine(params, [self.part(params, i) for i in range(self.parts)])


def test_the_parts_of_one_candidate_run_on_several_workers_and_combine_in_order():
    with PartsEvaluator(ProcessPoolEvaluator(n_jobs=3)) as evaluator:
        outcomes = sorted(evaluator.evaluate(Folds(), [Candidate(0, 0, {"x": 1.0}), Candidate(1, 0, {"x": -1.0})]),
                          key=lambda o: o.candidate.number)
    value, info = outcomes[0].value
    assert value == 2.0 and len(info["pids"]) > 1  # the three folds did not all run in one worker
    assert outcomes[0].duration >= 0.6  # the parts' durations add up
    assert isinstance(outcomes[1].value, ValueError) and str(outcomes[1].value) == "fold 2 failed"


def test_optimize_runs_an_objective_part_by_part_with_the_same_trials_as_a_plain_one():
    class Plain:
        def __call__(self, params):
            return Folds().combine(params, [{"pid": 0, "score": params["x"] + i} for i in range(3)])[0]

    class Fast(Folds):
        def part(self, params, i):
            return {"pid": os.getpid(), "score": params["x"] + i}

    space = {"x": et.Float(0, 1)}
    split = et.optimize(Fast(), space, max_evaluations=16, n_jobs=2, seed=0)
    plain = et.optimize(Plain(), space, max_evaluations=16, seed=0)
    assert [(t.params, t.value) for t in split.trials] == [(t.params, t.value) for t in plain.trials]
    assert isinstance(PartsEvaluator(SerialEvaluator()).capacity, int)


class Ten:
    """Ten folds; each fold run leaves a file, so the test counts the folds that ran (in any process)."""

    parts = 10

    def __init__(self, folder):
        self.folder = folder

    def part(self, params, i):
        open(os.path.join(self.folder, f"{params['x']}-{i}"), "w").close()
        return {"score": params["x"] + 0.01 * i}

    def part_value(self, result):
        return result["score"]

    def combine(self, params, results):
        return sum(r["score"] for r in results) / len(results), {"folds": len(results)}


def _race(reference):
    from evotune.racing import Race

    return Race(et.Racing(min_parts=3), tuple(reference), 1)  # minimizing: part values are losses


def test_a_raced_candidate_runs_in_waves_and_stops_once_a_wave_shows_it_worse(tmp_path):
    reference = [0.2 + 0.01 * i for i in range(10)]
    worse = Candidate(0, 1, {"x": 0.5}, race=_race(reference))  # 0.3 worse on every fold
    close = Candidate(1, 1, {"x": 0.2}, race=_race([r + 0.001 * (-1) ** i for i, r in enumerate(reference)]))
    better = Candidate(2, 1, {"x": 0.1}, race=_race(reference))
    with PartsEvaluator(ProcessPoolEvaluator(n_jobs=2)) as evaluator:
        outcomes = {o.candidate.number: o for o in evaluator.evaluate(Ten(str(tmp_path)), [worse, close, better])}
    stopped = outcomes[0]
    assert isinstance(stopped.value, et.trial.Pruned)
    assert stopped.value.info == {"folds": 3, "stopped": "worse than the best on the first 3 parts (paired t-test, 95%)"}
    assert stopped.value.value == pytest.approx(0.51) and stopped.parts == pytest.approx((0.5, 0.51, 0.52))
    assert sorted(os.listdir(tmp_path)).count("0.5-3") == 0  # the folds after the first wave never ran
    assert len([f for f in os.listdir(tmp_path) if f.startswith("0.5-")]) == 3
    for number in (1, 2):  # a tie and a better candidate run every fold
        value, info = outcomes[number].value
        assert info == {"folds": 10} and len(outcomes[number].parts) == 10
    assert len(os.listdir(tmp_path)) == 23


class Timed:
    """Ten folds of 0.2 s; each returns when it ran."""

    parts = 10

    def part(self, params, i):
        start = time.time()
        time.sleep(0.2)
        return {"score": params["x"] + 0.01 * i, "ran": (start, time.time())}

    def part_value(self, result):
        return result["score"]

    def combine(self, params, results):
        return sum(r["score"] for r in results) / len(results), {"ran": [r["ran"] for r in results]}


def test_a_lone_raced_candidate_runs_ahead_on_idle_workers_with_the_outcome_of_one_worker():
    """After its first 3 folds a raced candidate is tested after each fold, so alone it would run them one
    at a time: a worker that would idle runs its next fold ahead, and the outcome is the serial one."""
    reference = [0.5 + 0.01 * i for i in range(10)]  # worse than the candidate: it runs every fold
    candidate = Candidate(0, 1, {"x": 0.2}, race=_race(reference))
    with PartsEvaluator(ProcessPoolEvaluator(n_jobs=2)) as evaluator:
        [pooled] = evaluator.evaluate(Timed(), [candidate])
    [serial] = PartsEvaluator(SerialEvaluator()).evaluate(Timed(), [candidate])
    assert pooled.parts == serial.parts and pooled.value[0] == serial.value[0]
    later = pooled.value[1]["ran"][3:]  # the folds tested one by one
    assert any(a[0] < b[1] and b[0] < a[1] for n, a in enumerate(later) for b in later[n + 1:])  # two at once


def test_parts_without_a_number_are_not_raced_and_a_failing_combine_fails_the_candidate():
    class Opaque(Ten):
        def part(self, params, i):
            return {"score": params["x"]}

        def part_value(self, result):
            raise KeyError("no score")

    class Broken(Opaque):
        def combine(self, params, results):
            raise ZeroDivisionError("combine failed")

    bad = Candidate(0, 1, {"x": 9.0}, race=_race([0.0] * 10))
    outcome, = PartsEvaluator(SerialEvaluator()).evaluate(Opaque(""), [bad])
    assert outcome.value == (9.0, {"folds": 10}) and all(math.isnan(v) for v in outcome.parts)
    outcome, = PartsEvaluator(SerialEvaluator()).evaluate(Broken(""), [bad])
    assert isinstance(outcome.value, ZeroDivisionError)


class Noisy:
    """Five folds of a smooth loss, with fold offsets that pairing cancels."""

    parts = 5

    def part(self, params, i):
        return (params["x"] - 0.3) ** 2 + 0.05 * i + 0.002 * math.cos(7 * i + 40 * params["x"])

    def combine(self, params, results):
        return sum(results) / len(results)

    def __call__(self, params):
        return self.combine(params, [self.part(params, i) for i in range(self.parts)])


class Binned(Noisy):
    """``Noisy`` of x rounded to 0.02: the same "model" for every x of a bin, which ``part_key`` names."""

    def part(self, params, i):
        x = round(params["x"] / 0.02) * 0.02
        return {"loss": super().part({"x": x}, i), "model": f"{x:.2f}"}

    def part_value(self, result):
        return result["loss"]

    def part_key(self, result):
        return result["model"]

    def combine(self, params, results):
        return sum(r["loss"] for r in results) / len(results)


def test_racing_stops_repeats_of_earlier_models_the_same_for_any_workers_and_across_a_resume(tmp_path):
    space, path = {"x": et.Float(0, 1)}, tmp_path / "runs.db"
    settings = dict(max_evaluations=60, population_size=6, lag=1, racing=True, seed=1)
    runs = [et.optimize(Binned(), space, n_jobs=n, **settings) for n in (1, 2)]
    keys = [[(t.params, t.value, t.state, t.parts, t.info) for t in run.trials] for run in runs]
    assert keys[0] == keys[1]
    first = {}
    for t in runs[0].trials:  # a repeat: its first 2 folds' models are those of a trial it was bred from
        earlier = first.setdefault(tuple(t.info["part_keys"][:2]), t)
        if earlier.generation < t.generation - 1:  # (with lag=1, the previous generation's last is not)
            assert t.state == "pruned" and len(t.parts) == 2  # told after 2 folds, before the first test
            assert t.info["stopped"].startswith(f"repeats trial {earlier.number}: ")
    assert sum(t.state == "pruned" and first[tuple(t.info["part_keys"][:2])] is not t for t in runs[0].trials) >= 3
    et.optimize(Binned(), space, storage=path, **{**settings, "max_evaluations": 24})
    resumed = et.optimize(Binned(), space, storage=path, resume=True, **settings)
    assert [(t.params, t.value, t.state, t.parts, t.info) for t in resumed.trials] == keys[0]


def test_racing_prunes_the_same_trials_for_any_number_of_workers_and_resumes_exactly(tmp_path):
    space = {"x": et.Float(0, 1)}
    runs = [et.optimize(Noisy(), space, max_evaluations=48, population_size=6, lag=1, racing=True, n_jobs=n, seed=1)
            for n in (1, 2)]
    keys = [[(t.params, t.value, t.state, t.parts) for t in run.trials] for run in runs]
    assert keys[0] == keys[1]
    pruned = [t for t in runs[0].trials if t.state == "pruned"]
    assert pruned and all(len(t.parts) in (3, 4) for t in pruned)  # tested after 3 and 4 parts, then all 5
    assert {t.number for t in pruned}.isdisjoint(t.number for t in runs[0].hall_of_fame)
    plain = et.optimize(Noisy(), space, max_evaluations=48, population_size=6, lag=1, seed=1)
    assert runs[0].best_value == pytest.approx(plain.best_value, abs=1e-3)
    # stopped after 3 generations and resumed: the same trials, pruned ones read back from the file
    path = tmp_path / "runs.db"
    et.optimize(Noisy(), space, generations=3, population_size=6, lag=1, racing=True, seed=1, storage=path)
    resumed = et.optimize(Noisy(), space, max_evaluations=48, population_size=6, lag=1, racing=True, seed=1,
                          storage=path, resume=True)
    assert [(t.params, t.value, t.state, t.parts) for t in resumed.trials] == keys[0]
    assert et.load_run(path).trials[pruned[0].number].parts == pruned[0].parts


class Logged(Noisy):
    """``Noisy``, each fold that runs noted in a file (the test counts what ran, in any process)."""

    def __init__(self, folder):
        self.folder = folder

    def part(self, params, i):
        with open(os.path.join(self.folder, "ran.txt"), "a") as f:
            f.write(f"{params['x']!r} {i}\n")
        return super().part(params, i)


def test_the_finished_folds_of_a_candidate_a_stop_leaves_undecided_are_kept_and_never_run_again(tmp_path):
    """A stop (here a callback's) cancels the candidates not yet decided, but the folds they finished are in
    the run file: the resumed run takes them from it, runs only the others, and its trials are those of a
    run never stopped. Before, those folds ran again (and were lost for good if the run was not resumed)."""
    import sqlite3

    space, path = {"x": et.Float(0, 1)}, tmp_path / "runs.db"
    settings = dict(population_size=6, lag=2, racing=True, seed=1)  # the next generation starts 2 early
    straight = et.optimize(Noisy(), space, max_evaluations=48, **settings)
    stop = lambda evolution, stats: "enough" if stats.generation == 3 else None  # noqa: E731
    stopped = et.optimize(Logged(tmp_path), space, max_evaluations=48, storage=path, callbacks=[stop],
                          **settings)
    assert stopped.stop_reason == "enough"
    with sqlite3.connect(path) as conn:
        kept = conn.execute("SELECT number, part FROM parts").fetchall()
    assert kept and all(number >= len(stopped.trials) for number, _ in kept)  # undecided candidates' folds
    resumed = et.optimize(Logged(tmp_path), space, max_evaluations=48, storage=path, resume=True, **settings)
    assert [(t.params, t.value, t.state, t.parts) for t in resumed.trials] == \
        [(t.params, t.value, t.state, t.parts) for t in straight.trials]
    ran = (tmp_path / "ran.txt").read_text().split("\n")[:-1]
    assert len(ran) == len(set(ran))  # no fold ran twice
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM parts").fetchone()[0] == 0  # each now in its trial


class SlowFolds:
    """Four folds of ``delay`` seconds each, each that runs noted in the file ``log``; once the file ``hold``
    exists, the last fold of each candidate never ends (its other folds do)."""

    parts = 4

    def __init__(self, log, delay=0.05, hold=None):
        self.log, self.delay, self.hold = log, delay, hold

    def part(self, params, i):
        time.sleep(600 if i == 3 and self.hold and os.path.exists(self.hold) else self.delay)
        with open(self.log, "a") as f:
            f.write(f"{params['x']!r} {i}\n")
        return (params["x"] - 0.3) ** 2 + 0.05 * i

    def combine(self, params, results):
        return sum(results) / len(results)

    def __call__(self, params):
        return self.combine(params, [self.part(params, i) for i in range(self.parts)])


KILLED = """
import sys
sys.path.insert(0, {root!r})
import evotune as et
from tests.evaluation.test_parts import SlowFolds
et.optimize(SlowFolds(sys.argv[2], hold=sys.argv[3]), {{"x": et.Float(0, 1)}}, max_evaluations=40,
            population_size=8, n_jobs=2, seed=1, storage=sys.argv[1], run_name="r")
"""


@pytest.mark.slow
def test_a_run_killed_with_folds_finished_resumes_without_running_them_again(tmp_path):
    """kill -9 while candidates have some folds finished (on a process pool): the resumed run runs exactly
    the folds the file does not hold (all folds of the trials not journaled, but the kept ones), and ends
    with the trials of a run never killed."""
    import signal
    import sqlite3
    import subprocess
    import sys

    path, script = tmp_path / "runs.db", tmp_path / "run.py"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    script.write_text(KILLED.format(root=root))
    hold = tmp_path / "hold"
    proc = subprocess.Popen([sys.executable, str(script), str(path), str(tmp_path / "killed.txt"), str(hold)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def count(table):
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
                return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        except sqlite3.OperationalError:  # not made yet
            return 0

    deadline = time.monotonic() + 60
    while count("trials") < 8:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.002)
    hold.touch()  # from now on candidates finish their first 3 folds, not the 4th: the kill finds them so
    kept = []
    while len(kept) < 10 or kept[-1] < 3 or kept[-10] != kept[-1]:  # until both workers are held
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.05)
        kept.append(count("parts"))
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    trials, kept = count("trials"), count("parts")
    assert 8 <= trials < 40 and kept >= 3
    log = tmp_path / "resumed.txt"
    settings = dict(max_evaluations=40, population_size=8, n_jobs=2, seed=1)
    resumed = et.optimize(SlowFolds(str(log)), {"x": et.Float(0, 1)}, storage=path, run_name="r", resume=True,
                          **settings)
    assert len(log.read_text().split("\n")) - 1 == 4 * (40 - trials) - kept
    straight = et.optimize(SlowFolds(str(tmp_path / "straight.txt"), delay=0), {"x": et.Float(0, 1)},
                           **settings)
    assert [(t.params, t.value) for t in resumed.trials] == [(t.params, t.value) for t in straight.trials]
