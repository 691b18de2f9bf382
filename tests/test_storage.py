import hashlib
import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import tracemalloc

import pytest

import evotune as et
from evotune import StorageError
from evotune.storage import SCHEMA_VERSION, Storage

from .mixed_problem import SPACE, objective

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def key(trials):
    return [(t.number, t.generation, t.params, None if math.isnan(t.value) else t.value, t.state, t.error) for t in trials]


def history(result):
    return [{k: v for k, v in vars(h).items() if k != "elapsed"} for h in result.history]


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def count_trials(path):
    if not os.path.exists(path):
        return 0
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return 0


class Model:
    def __repr__(self):
        return "Model(depth=3)"


def test_a_stored_run_reads_back_exactly(tmp_path):
    path = tmp_path / "runs.db"
    space = {**SPACE, "model": et.Categorical([None, Model(), "linear"])}
    result = et.optimize(objective, space, max_evaluations=90, population_size=15, seed=2, storage=path, run_name="mixed")
    memory = et.optimize(objective, space, max_evaluations=90, population_size=15, seed=2)
    assert key(result.trials) == key(memory.trials)
    run = et.load_run(path, "mixed")
    assert len(run.trials) == 90 and run.trials[-1].number == 89
    stored = key(run.trials)
    assert [row[:2] + row[3:] for row in stored] == [row[:2] + row[3:] for row in key(memory.trials)]
    assert {t.params["model"] for t in run.trials} <= {None, "Model(depth=3)", "linear"}  # objects by repr
    assert history(run) == history(memory)
    assert [t.number for t in run.hall_of_fame] == [t.number for t in memory.hall_of_fame]
    assert run.best_value == memory.best_value and run.stop_reason == "max_evaluations reached (90)"
    assert run.settings["status"] == "finished"
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == str(SCHEMA_VERSION)
    params, genes = conn.execute("SELECT params, genes FROM trials WHERE number=0").fetchone()
    assert set(json.loads(params)) == set(space) and len(json.loads(genes)) == len(space)


def test_every_evaluation_is_committed_before_the_next_one_starts(tmp_path):
    path = str(tmp_path / "runs.db")
    seen = []

    def checks_the_journal(p):
        seen.append(count_trials(path))
        time.sleep(0.015)  # a real evaluation: longer than the group-commit threshold
        return objective(p)

    et.optimize(checks_the_journal, SPACE, max_evaluations=25, population_size=10, seed=0, storage=path)
    assert seen == list(range(25))


def test_exports_from_a_stored_run(tmp_path):
    path = tmp_path / "runs.db"
    et.optimize(objective, SPACE, max_evaluations=30, seed=0, storage=path, run_name="x")
    run = et.load_run(path)
    run.save_trials(tmp_path / "trials.csv")
    run.save_hall_of_fame(tmp_path / "hof.json")
    assert len((tmp_path / "trials.csv").read_text().splitlines()) == 31
    assert [row["number"] for row in json.loads((tmp_path / "hof.json").read_text())] == [t.number for t in run.hall_of_fame]


def test_one_file_holds_many_runs_and_names_are_checked(tmp_path):
    path = tmp_path / "runs.db"
    et.optimize(objective, SPACE, max_evaluations=10, seed=0, storage=path, run_name="a")
    et.optimize(objective, SPACE, max_evaluations=12, seed=1, storage=path, run_name="b")
    assert Storage(path).run_names() == ["a", "b"]
    assert len(et.load_run(path, "b").trials) == 12
    with pytest.raises(et.InvalidParameterError, match=r"holds 2 runs \['a', 'b'\]; name one"):
        et.load_run(path)
    with pytest.raises(et.InvalidParameterError, match="no run 'c'"):
        et.load_run(path, "c")


def test_an_existing_run_is_not_overwritten(tmp_path):
    path = tmp_path / "runs.db"
    et.optimize(objective, SPACE, max_evaluations=10, seed=0, storage=path, run_name="a")
    with pytest.raises(StorageError, match="run 'a' already exists .* pass resume=True to continue it, or choose another run_name"):
        et.optimize(objective, SPACE, max_evaluations=10, seed=0, storage=path, run_name="a")


def test_resuming_with_other_settings_lists_the_differences(tmp_path):
    path = tmp_path / "runs.db"
    et.optimize(objective, SPACE, max_evaluations=10, seed=0, storage=path, run_name="a")
    other = {**SPACE, "x0": et.Float(-1.0, 1.0)}
    with pytest.raises(StorageError) as info:
        et.optimize(objective, other, direction="maximize", max_evaluations=10, storage=path, run_name="a", resume=True)
    message = str(info.value)
    assert "cannot resume run 'a': its settings differ from the stored ones" in message
    assert "direction: stored 'minimize', given 'maximize'" in message
    assert "space: parameter 'x0': low stored -5.0, given -1.0; high stored 5.0, given 1.0" in message
    assert "or another run_name to start anew" in message
    fewer = {name: SPACE[name] for name in list(SPACE)[1:]}
    with pytest.raises(StorageError, match="space: parameter 'x0' stored, not given"):
        et.optimize(objective, fewer, max_evaluations=10, storage=path, run_name="a", resume=True)


@pytest.mark.parametrize("surrogate", [None, et.GaussianProcessSurrogate(oversample=2, min_trials=5)])
def test_a_resumed_run_takes_back_the_surrogate_it_stored(tmp_path, surrogate):
    """Resumed without a surrogate, a run goes on with the one it ran with (none: a plain GA); given
    another, the refusal names the difference and says it may be left out."""
    path = tmp_path / "runs.db"
    et.optimize(objective, SPACE, max_evaluations=24, seed=4, surrogate=surrogate, storage=path)
    with pytest.raises(StorageError, match=r"surrogate: stored .*\n.*or leave `surrogate` out"):
        et.optimize(objective, SPACE, max_evaluations=48, storage=path, resume=True, surrogate=True)
    more = et.optimize(objective, SPACE, max_evaluations=48, storage=path, resume=True)
    reference = et.optimize(objective, SPACE, max_evaluations=48, seed=4, surrogate=surrogate)
    assert key(more.trials) == key(reference.trials)
    assert key(reference.trials) != key(et.optimize(objective, SPACE, max_evaluations=48, seed=4).trials)


def test_resume_of_a_finished_run_extends_it_with_a_larger_budget(tmp_path):
    path = tmp_path / "runs.db"
    et.optimize(objective, SPACE, max_evaluations=60, population_size=12, seed=4, storage=path)
    calls = []
    more = et.optimize(lambda p: calls.append(1) or objective(p), SPACE, max_evaluations=120, storage=path, resume=True)
    reference = et.optimize(objective, SPACE, max_evaluations=120, population_size=12, seed=4)
    assert len(calls) == 60  # budgets count every session's evaluations
    assert key(more.trials) == key(reference.trials) and history(more) == history(reference)
    assert more.seed == 4


def test_resume_with_a_budget_below_what_the_run_holds_is_refused_and_a_folder_is_not_a_run_file(tmp_path):
    path = tmp_path / "runs.db"
    et.optimize(objective, SPACE, max_evaluations=16, population_size=8, seed=3, storage=path, run_name="r")
    with pytest.raises(et.InvalidParameterError, match=r"`max_evaluations` is 10, but run 'r' already holds 16 "
                                                         r"evaluations: .* at least 16 .* evotune.load_run\("):
        et.optimize(objective, SPACE, max_evaluations=10, storage=path, run_name="r", resume=True)
    assert len(et.optimize(objective, SPACE, max_evaluations=16, storage=path, run_name="r", resume=True).trials) == 16
    for call in (lambda: et.optimize(objective, SPACE, max_evaluations=4, storage=tmp_path),
                 lambda: et.load_run(tmp_path, "r")):
        with pytest.raises(et.StorageError, match=r"is a folder; give a run file's path \(e.g. .*runs.db'\)"):
            call()


def test_a_resume_that_proposes_otherwise_keeps_the_stored_trials_and_goes_on_from_them(tmp_path, caplog):
    """A run file written by another version of the search (or another environment) holds trials this one
    would not propose; simulated by changing trial 10's point in the file. Resuming keeps every stored
    trial as it is (none evaluated again, none overwritten) and the search goes on from them."""
    path = tmp_path / "runs.db"
    et.optimize(objective, SPACE, max_evaluations=24, population_size=8, seed=3, storage=path, run_name="r")
    with sqlite3.connect(path) as conn:  # trial 10 becomes trial 3's point, with another value
        params, genes = conn.execute("SELECT params, genes FROM trials WHERE number = 3").fetchone()
        conn.execute("UPDATE trials SET params = ?, genes = ?, value = 0.5 WHERE number = 10", (params, genes))
    conn.close()
    stored = [(t.number, t.params, t.value) for t in et.load_run(path, "r").trials]
    assert stored[10][1:] == (stored[3][1], 0.5)
    calls = []
    with caplog.at_level("WARNING", logger="evotune"):
        more = et.optimize(lambda p: calls.append(p) or objective(p), SPACE, max_evaluations=40, population_size=8,
                           seed=3, storage=path, run_name="r", resume=True)
    assert len(calls) == 16 and [s["evaluations"] for s in more.sessions] == [24, 16]
    assert [(t.number, t.params, t.value) for t in more.trials][:24] == stored
    assert [(t.number, t.params, t.value) for t in et.load_run(path, "r").trials][:24] == stored
    assert "proposes trial 10 otherwise than the run file holds" in caplog.text
    assert more.trials[3].params not in [t.params for t in more.trials[24:]]  # a stored point is not proposed again


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"this is a CSV file, not a database\n" * 10, "is not an evotune run file (not an SQLite database)"),
        ("truncate", "is truncated"),
        ("newer", "was written by a newer evotune (schema version 99"),
        ("foreign", "is an SQLite database but not an evotune run file"),
    ],
)
def test_unusable_files_get_a_clear_error_and_stay_untouched(tmp_path, content, fragment):
    path = tmp_path / "runs.db"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE customers (id INTEGER)")
        conn.commit()
        conn.close()
    else:
        et.optimize(objective, SPACE, max_evaluations=300, seed=0, storage=path)
        if content == "truncate":
            with open(path, "r+b") as f:
                f.truncate(os.path.getsize(path) // 2)
        else:
            conn = sqlite3.connect(path)
            conn.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
            conn.commit()
            conn.close()
    before = digest(path)
    for attempt in (
        lambda: et.optimize(objective, SPACE, max_evaluations=5, storage=path, resume=True),
        lambda: et.load_run(path),
    ):
        with pytest.raises(StorageError, match=re.escape(fragment)):
            attempt()
    assert digest(path) == before
    assert not os.path.exists(f"{path}-wal")


RUN_SCRIPT = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C as in a terminal, even in the background
sys.path.insert(0, {root!r})
import evotune as et
from tests.mixed_problem import SPACE, objective

path, n_jobs, delay, resume, n = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4] == "1", int(sys.argv[5])
lag = int(sys.argv[6]) or None

def slow(p):
    time.sleep(delay * (1 + 3 * (p["x0"] + 5) / 10))  # uneven: results arrive out of order
    return objective(p)

if __name__ == "__main__":
    result = et.optimize(slow, SPACE, max_evaluations=n, population_size=12, seed=3, n_jobs=n_jobs, lag=lag,
                         storage=path, run_name="killed", resume=resume)
    print(result.stop_reason, flush=True)
"""


def start_run(tmp_path, path, n_jobs, delay, evaluations=120, lag=None):
    script = tmp_path / "run.py"
    script.write_text(RUN_SCRIPT.format(root=ROOT))
    return subprocess.Popen(
        [sys.executable, str(script), str(path), str(n_jobs), str(delay), "0", str(evaluations), str(lag or 0)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_trials(path, count, proc, limit=60):
    deadline = time.monotonic() + limit
    while count_trials(path) < count:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)


def reference_run(evaluations=120, lag=None):
    return et.optimize(objective, SPACE, max_evaluations=evaluations, population_size=12, seed=3, lag=lag)


@pytest.fixture(scope="module")
def reference():
    return reference_run()


@pytest.mark.slow
@pytest.mark.parametrize(
    "n_jobs, delay, evaluations, kill_at, lag",
    [
        (1, 0.02, 120, 5, None),
        (1, 0.02, 120, 40, None),
        (2, 0.02, 120, 13, None),
        (2, 0.02, 120, 61, None),
        # cheap evaluations (< 10 ms) are committed in groups about once a second
        (1, 0.004, 300, 100, None),
        (2, 0.004, 400, 150, None),
        # four workers, a lag of 8, twice as many submitted: several evaluations in flight at the kill
        (4, 0.01, 160, 57, 8),
    ],
)
def test_killed_with_sigkill_and_resumed_equals_an_uninterrupted_run(tmp_path, n_jobs, delay, evaluations, kill_at,
                                                                     lag):
    path = tmp_path / "runs.db"
    proc = start_run(tmp_path, path, n_jobs, delay, evaluations, lag)
    wait_for_trials(path, kill_at, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    done = count_trials(path)
    assert 0 < done < evaluations
    calls = tmp_path / "calls.txt"

    def counted(p):
        with open(calls, "a") as f:  # workers are other processes: count in a file
            f.write("1\n")
        return objective(p)

    resumed = et.optimize(counted, SPACE, max_evaluations=evaluations, n_jobs=n_jobs, storage=path, run_name="killed", resume=True)
    assert len(calls.read_text().split()) == evaluations - done  # finished evaluations are reused, not recomputed
    reference = reference_run(evaluations, lag)  # a resume takes the stored lag back
    assert key(resumed.trials) == key(reference.trials)
    assert history(resumed) == history(reference)
    assert [(t.number, t.value) for t in resumed.hall_of_fame] == [(t.number, t.value) for t in reference.hall_of_fame]


@pytest.mark.slow
def test_two_writers_are_refused_and_readers_see_the_run_live(tmp_path, reference):
    path = tmp_path / "runs.db"
    proc = start_run(tmp_path, path, 1, 0.02)
    wait_for_trials(path, 10, proc)
    with pytest.raises(StorageError, match="run 'killed' in .* is being written by another process"):
        et.optimize(objective, SPACE, max_evaluations=120, storage=path, run_name="killed", resume=True)
    live = et.load_run(path, "killed")
    first = len(live.trials)
    wait_for_trials(path, first + 10, proc)
    assert len(live.trials) >= first + 10 and live.settings["status"] == "running"
    assert live.best_value is not None
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    finished = et.load_run(path, "killed")
    assert key(finished.trials) == key(reference.trials) and finished.settings["status"] == "finished"


def test_the_same_process_cannot_write_a_run_twice(tmp_path):
    path = tmp_path / "runs.db"
    inner = []

    def nested(p):
        if not inner:
            with pytest.raises(StorageError, match="already being written by this process"):
                et.optimize(objective, SPACE, max_evaluations=5, storage=path, run_name="a", resume=True)
            inner.append(1)
        return objective(p)

    et.optimize(nested, SPACE, max_evaluations=5, storage=path, run_name="a")
    assert inner == [1]


@pytest.mark.slow
def test_ctrl_c_commits_and_the_run_resumes(tmp_path, reference):
    path = tmp_path / "runs.db"
    proc = start_run(tmp_path, path, 2, 0.02)
    wait_for_trials(path, 30, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out.strip() == "interrupted", err
    stopped = et.load_run(path, "killed")
    assert stopped.settings["status"] == "interrupted" and len(stopped.trials) >= 30
    resumed = et.optimize(objective, SPACE, max_evaluations=120, storage=path, run_name="killed", resume=True)
    assert key(resumed.trials) == key(reference.trials)


@pytest.mark.slow
def test_memory_stays_flat_when_trials_live_in_the_journal(tmp_path):
    def peak(evaluations, storage):
        tracemalloc.start()
        et.optimize(lambda p: p["x"] + p["n"], {"x": et.Float(0, 1), "n": et.Integer(0, 9), "c": ["a", "b"]},
                    max_evaluations=evaluations, population_size=50, surrogate=None, seed=0, storage=storage,
                    run_name=str(evaluations))
        result = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return result

    path = tmp_path / "runs.db"
    growth_stored = peak(6_000, path) - peak(1_500, path)
    growth_memory = peak(6_000, None) - peak(1_500, None)
    assert growth_stored < 1.25e6  # 4,500 more evaluations: only their genome hashes stay (~0.5 MB measured)
    assert growth_memory > 3 * growth_stored  # trials kept in memory: ~3.5 MB measured


def test_stop_rule_state_survives_a_resume(tmp_path):
    path = tmp_path / "runs.db"
    flat = lambda p: float(p["n0"] > -100)  # never improves after the first generation
    first = et.optimize(flat, SPACE, generations=3, population_size=8, seed=0, storage=path,
                        callbacks=[et.NoImprovement(4)])
    assert first.stop_reason == "generations reached (3)"
    resumed = et.optimize(flat, SPACE, generations=50, storage=path, resume=True, callbacks=[et.NoImprovement(4)])
    straight = et.optimize(flat, SPACE, generations=50, population_size=8, seed=0, callbacks=[et.NoImprovement(4)])
    assert resumed.stop_reason == straight.stop_reason == "no improvement for 4 generations"
    assert len(resumed.history) == len(straight.history) == 5


def test_resume_true_starts_a_run_that_does_not_exist_yet(tmp_path):
    result = et.optimize(objective, SPACE, max_evaluations=10, seed=0, storage=tmp_path / "runs.db", resume=True)
    assert result.n_evaluations == 10


def test_extra_information_is_journaled(tmp_path):
    import numpy as np

    def with_info(p):
        return objective(p), {"n": np.int64(p["n0"]), "scores": np.array([0.5, 0.25])}

    et.optimize(with_info, SPACE, max_evaluations=6, seed=0, storage=tmp_path / "runs.db", n_jobs=2)
    run = et.load_run(tmp_path / "runs.db")
    assert [t.info for t in run.trials] == [{"n": t.params["n0"], "scores": [0.5, 0.25]} for t in run.trials]
