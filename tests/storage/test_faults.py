"""Run files under attack: damaged, foreign, linked, read-only, full. Nothing is lost, nothing
hangs, no foreign file is touched, and every refusal is a StorageError naming the file."""

import collections
import os
import re
import shutil
import sqlite3
import subprocess
import sys

import pytest

import evotune as et
from evotune import StorageError
from evotune.storage import Storage, run_names

from ..mixed_problem import SPACE, objective
from ..test_storage import digest, start_run, wait_for_trials

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data")
# One objective, release 0.20 and earlier: a generation of a whole population (stored as the run's
# offspring_size), its children the first of one ranking (read back as ``believer=False``)
BEFORE_0_21 = {"offspring_size": 8, "surrogate": et.GaussianProcessSurrogate(believer=False)}
# One objective, a space without conditions, release 0.23 and earlier: every gene mutated alike (read back
# as ``relevance=False``)
UNIFORM = {"surrogate": et.GaussianProcessSurrogate(relevance=False)}


def stored_run(tmp_path, n=30):
    path = tmp_path / "runs.db"
    et.optimize(objective, SPACE, max_evaluations=n, seed=0, storage=path, run_name="r")
    return path


@pytest.mark.slow  # a resume campaign: in CI's first job
def test_a_run_file_of_the_previous_release_opens_and_is_not_resumed(tmp_path):
    """Made by evotune at commit 593b966 (the generational engine): tests/data/run-0.1.0.db."""
    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.1.0.db"), path)
    run = et.load_run(path, "previous-release")
    assert len(run.trials) == 40 and len(run.history) == 5
    assert run.best_value == min(t.value for t in run.trials) and run.best_params is not None
    report = et.report.write_report(path, tmp_path / "report", run_name="previous-release") if hasattr(et, "report") \
        else None
    before = digest(path)
    with pytest.raises(StorageError, match="written by an earlier evotune, whose search ran in generations"):
        et.optimize(objective, SPACE, max_evaluations=60, population_size=8, seed=1, storage=path,
                    run_name="previous-release", resume=True)
    assert digest(path) == before
    # a new run goes into the same file beside it
    et.optimize(objective, SPACE, max_evaluations=10, seed=1, storage=path, run_name="new")
    assert run_names(path) == ["previous-release", "new"]
    del report


def test_a_file_sqlite_reads_is_never_called_truncated(tmp_path):
    """After a full disk, a header can count pages the file does not have; SQLite still reads it."""
    path = stored_run(tmp_path)
    with open(path, "r+b") as f:
        header = bytearray(f.read(100))
        header[28:32] = (int.from_bytes(header[28:32], "big") + 50).to_bytes(4, "big")  # more pages than exist
        header[92:96] = (int.from_bytes(header[92:96], "big") + 1).to_bytes(4, "big")  # SQLite ignores the count
        f.seek(0)
        f.write(header)
    assert len(et.load_run(path, "r").trials) == 30
    resumed = et.optimize(objective, SPACE, max_evaluations=40, seed=0, storage=path, run_name="r", resume=True)
    assert resumed.n_evaluations == 40


def test_a_full_disk_stops_the_run_with_what_is_safe_and_it_resumes(tmp_path):
    path = tmp_path / "runs.db"
    store = Storage(path)
    store._conn.execute("PRAGMA max_page_count=12")  # SQLite's own "database or disk is full"

    def slow(p):  # >= 10 ms: every trial is committed at once
        import time

        time.sleep(0.01)
        return objective(p)

    with pytest.raises(StorageError, match="database or disk is full.*every trial committed before is safe"):
        et.optimize(slow, SPACE, max_evaluations=400, seed=0, storage=store, run_name="r")
    store.close()
    saved = len(et.load_run(path, "r").trials)
    assert saved > 0
    resumed = et.optimize(objective, SPACE, max_evaluations=saved + 20, seed=0, storage=path, run_name="r", resume=True)
    reference = et.optimize(objective, SPACE, max_evaluations=saved + 20, population_size=12, seed=0)
    assert [t.params for t in resumed.trials] == [t.params for t in reference.trials]


@pytest.mark.parametrize("kind", ["symlink", "hardlink"])
def test_a_second_writer_through_a_link_is_refused(tmp_path, kind):
    path = tmp_path / "runs.db"
    proc = start_run(tmp_path, path, 1, 0.05, evaluations=400)
    try:
        wait_for_trials(path, 2, proc)
        link = tmp_path / "link.db"
        (os.symlink if kind == "symlink" else os.link)(path, link)
        expected = "is being written by another process" if kind == "symlink" else "has 2 hard links"
        with pytest.raises(StorageError, match=expected):
            et.optimize(objective, SPACE, max_evaluations=400, population_size=12, seed=3, storage=link,
                        run_name="killed", resume=True)
    finally:
        proc.kill()
        proc.wait()


def test_foreign_empty_and_table_less_files_are_refused_byte_for_byte(tmp_path):
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:  # a meta table with a schema_version, and nothing else of ours
        conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    conn.close()
    tableless = tmp_path / "tableless.db"
    with sqlite3.connect(tableless) as conn:
        conn.execute("PRAGMA user_version=3")
    conn.close()
    for path, fragment in ((foreign, "an SQLite database but not an evotune run file"),
                           (tableless, "an empty SQLite database but not an evotune run file")):
        before = digest(path)
        for attempt in (lambda: Storage(path), lambda: et.load_run(path), lambda: run_names(path)):
            with pytest.raises(StorageError, match=fragment):
                attempt()
        assert digest(path) == before and not os.path.exists(f"{path}-wal")
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    status = subprocess.run([sys.executable, "-m", "evotune.cli", "status", str(empty)], capture_output=True, text=True)
    assert status.returncode != 0 and "is empty" in status.stderr
    assert os.path.getsize(empty) == 0  # status never writes


@pytest.mark.parametrize(
    "table, column, text",
    [
        ("runs", "settings", "{not json"),
        ("runs", "space", '[{"name": "x", "type": "Banana"}]'),
        ("trials", "params", "\udcff"),
        ("trials", "genes", "[1, 2]"),
        ("trials", "info", "{]"),
    ],
)
def test_tampered_data_is_a_storage_error_naming_the_file_and_the_row(tmp_path, table, column, text):
    path = stored_run(tmp_path)
    with sqlite3.connect(path) as conn:
        where = "" if table == "runs" else " WHERE number=3"
        conn.execute(f"UPDATE {table} SET {column}=?{where}", (text.encode("utf-8", "surrogatepass"),))
    conn.close()
    before = digest(path)

    def read_everything():
        run = et.load_run(path, "r")
        [t.info for t in run.trials]
        run.save_trials(tmp_path / "out.csv")

    attempts = [] if column == "genes" else [read_everything]  # readers decode params, not genes
    if column in ("settings", "genes"):
        attempts.append(lambda: et.optimize(objective, SPACE, max_evaluations=40, seed=0, storage=path, run_name="r",
                                            resume=True))
    for attempt in attempts:
        with pytest.raises(StorageError, match=f"{path}.* is damaged: table {table}"):
            attempt()
    assert digest(path) == before


def test_a_run_file_in_a_folder_nobody_can_write_reads_and_exports(tmp_path):
    """As on a read-only mount: the folder is made immutable (chattr +i), which stops root too."""
    folder = tmp_path / "frozen"
    folder.mkdir()
    path = stored_run(folder)
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available on this file system")
    try:
        with pytest.raises(OSError):
            (folder / "probe").write_text("x")
        run = et.load_run(path, "r")
        assert len(run.trials) == 30 and run.best_value == min(t.value for t in run.trials)
        assert run_names(path) == ["r"]
        run.save_trials(tmp_path / "trials.csv")
        status = subprocess.run([sys.executable, "-m", "evotune.cli", "status", str(path)], capture_output=True,
                                text=True)
        assert status.returncode == 0 and "evaluations: 30" in status.stdout, status.stderr
    finally:
        subprocess.run(["chattr", "-i", str(folder)])


@pytest.mark.parametrize("name, version, sessions", [
    ("run-ac1d4e8.db", "1", [20]),  # the sessions before the table are unknown
    ("run-0.2.0.db", "2", [20, 20]),
    ("run-0.3.0.db", "3", [20, 20]),
    ("run-0.15.0.db", "4", [20, 20]),
])
def test_a_run_file_of_a_previous_release_is_migrated_and_resumed_exactly(tmp_path, name, version, sessions):
    """Made with tests/data/make_run_file.py by evotune at commit ac1d4e8 (schema version 1, no sessions
    table), at 84937b2 (release 0.2.0: schema version 2, no parts column), at 43dcb37 (release 0.3.0:
    schema version 3, no objective_values and constraints columns) and at e55e830 (release 0.15.0: schema
    version 4, no parts table): 20 trials of run "previous". Reading leaves it as it is; resuming migrates
    it to schema version 5 and goes on with the same trials as a straight run."""
    from tests.data.make_run_file import f, space

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, name), path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == version
    before = digest(path)
    run = et.load_run(path, "previous")
    assert len(run.trials) == 20 and len(run.sessions) == len(sessions) - 1
    assert all(t.parts is None for t in run.trials) and run.best_value == min(t.value for t in run.trials)
    assert digest(path) == before  # a reader never migrates
    resumed = et.optimize(f, space, max_evaluations=40, population_size=8, storage=path, run_name="previous",
                          resume=True, seed=3)
    straight = et.optimize(f, space, max_evaluations=40, population_size=8, seed=3, **UNIFORM)
    assert [(t.params, t.value) for t in resumed.trials] == [(t.params, t.value) for t in straight.trials]
    assert [s["evaluations"] for s in resumed.sessions] == sessions
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "5"
        assert conn.execute("SELECT COUNT(*) FROM parts").fetchone()[0] == 0


def test_each_session_is_recorded_with_its_evaluations_environment_and_objective(tmp_path):
    path = tmp_path / "runs.db"
    first = et.optimize(objective, SPACE, max_evaluations=12, seed=0, storage=path, run_name="r")
    second = et.optimize(objective, SPACE, max_evaluations=30, n_jobs=2, seed=0, storage=path, run_name="r",
                         resume=True)
    assert [s["session"] for s in first.sessions] == [0]
    sessions = et.load_run(path, "r").sessions
    assert sessions == second.sessions
    assert [(s["evaluations"], s["workers"], s["status"]) for s in sessions] == [(12, 1, "finished"), (18, 2, "finished")]
    assert all(s["started"] <= s["ended"] for s in sessions) and sessions[0]["ended"] <= sessions[1]["started"]
    assert sessions[1]["environment"]["python"] == sys.version.split()[0]
    assert sessions[1]["environment"]["evotune"] == et.__version__  # the code that ran, whatever pip recorded
    assert sessions[1]["objective"] == {"objective": "tests.mixed_problem.objective"}
    memory = et.optimize(objective, SPACE, max_evaluations=5, seed=0)
    assert [(s["session"], s["evaluations"], s["status"]) for s in memory.sessions] == [(0, 5, "finished")]


def test_a_union_run_of_release_0_4_is_read_in_full_and_refused_a_resume_with_the_reason(tmp_path):
    """tests/data/run-0.4.0-union.db: 20 trials over a list of sub-spaces, made by release 0.4.0
    (5420c68), which encoded it as a gene per sub-space and name. This version reads it with the
    sub-spaces' names, refuses to continue it (its genes mean something else now) and leaves it as it
    was; a new run in the same file works."""
    from tests.data.make_run_file import f, union

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.4.0-union.db"), path)
    before = digest(path)
    run = et.load_run(path, "previous")
    assert len(run.trials) == 20 and run.best_value == min(t.value for t in run.trials)
    assert run.space == et.Space(union) and set(run.parameters) == {"k", "x", "n"}
    assert {frozenset(t.params) for t in run.trials} == {frozenset("kx"), frozenset("kxn")}
    with pytest.raises(et.StorageError, match="written by evotune 0.4 or earlier.*cannot continue it"):
        et.optimize(f, union, max_evaluations=40, population_size=8, storage=path, run_name="previous",
                    resume=True, seed=3)
    assert digest(path) == before
    again = et.optimize(f, union, max_evaluations=20, population_size=8, storage=path, run_name="again", seed=3,
                        initial_points=[run.best_params])
    assert again.trials[0].params == run.best_params and et.load_run(path, "again").space == et.Space(union)


def test_a_two_objective_run_of_release_0_4_is_read_in_full_and_refused_a_resume_with_the_reason(tmp_path):
    """tests/data/run-0.4.0-two-objectives.db: 20 trials with two objectives, made by release 0.4.0
    (5420c68), which ranked 4 children per evaluation where this version ranks 8 (its surrogate's
    description is the same): continuing it would not give the trials it would have had."""
    from tests.data.make_run_file import space, two

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.4.0-two-objectives.db"), path)
    before = digest(path)
    run = et.load_run(path, "previous")
    assert len(run.trials) == 20 and run.directions == (et.Direction.MINIMIZE,) * 2 and run.pareto_front
    with pytest.raises(et.StorageError, match="written by evotune 0.4, whose search with several objectives"):
        et.optimize(two, space, directions=["minimize", "minimize"], max_evaluations=40, population_size=8,
                    storage=path, run_name="previous", resume=True, seed=3)
    assert digest(path) == before


# release 0.12 and earlier, with several objectives (0.17 and earlier: the model from 8 trials, as with one)
RANKS = et.GaussianProcessSurrogate(front_scale="ranks", front_min_trials=None)
TODAY = {"surrogate": et.GaussianProcessSurrogate()}


@pytest.mark.parametrize("release, kind, stored_trials, today, refusal, old", [
    ("0.9.2", "three-objectives", 24, {"keep_extremes": False, **TODAY},
     r"keep_extremes: stored True, given False\n.*'ranks'", {"keep_extremes": True, "surrogate": RANKS}),
    ("0.12.0", "two-objectives", 20, TODAY,
     r"surrogate: stored .*, front_scale='ranks', front_min_trials=None\)\", given", {"surrogate": RANKS}),
])
def test_a_run_with_several_objectives_of_an_earlier_release_resumes_with_the_search_it_ran_with(
        release, kind, stored_trials, today, refusal, old, tmp_path):
    """tests/data/run-0.9.2-three-objectives.db: 24 trials with three objectives by release 0.9.2 (b391ec0),
    whose survival kept each front's extremes first whatever the number of objectives (read back as
    ``keep_extremes=True``); tests/data/run-0.12.0-two-objectives.db: 20 trials with two objectives by
    release 0.12.0 (8d6dd89). Both ranked children on models of the normal scores of each objective's ranks
    (read back as ``front_scale='ranks'``), from 8 trials on (``front_min_trials=None``). Resumed without
    those settings, each takes them back and continues as a run of this version with them does; given
    today's defaults, the refusal names the difference."""
    from tests.data import make_run_file

    objective, n = (make_run_file.three, 3) if kind == "three-objectives" else (make_run_file.two, 2)
    run = dict(directions=["minimize"] * n, max_evaluations=48, population_size=8, seed=3)
    stored = dict(storage=tmp_path / "old.db", run_name="previous", resume=True)
    shutil.copy(os.path.join(DATA, f"run-{release}-{kind}.db"), stored["storage"])
    before = digest(stored["storage"])
    with pytest.raises(et.StorageError, match=refusal):
        et.optimize(objective, make_run_file.space, **stored, **run, **today)
    assert digest(stored["storage"]) == before
    resumed = et.optimize(objective, make_run_file.space, **stored, **run)
    assert [s["evaluations"] for s in resumed.sessions] == [stored_trials, 48 - stored_trials]  # none again
    assert resumed.settings["surrogate"] == repr(RANKS)
    key = [(t.params, t.values) for t in et.optimize(objective, make_run_file.space, **run, **old).trials]
    assert [(t.params, t.values) for t in resumed.trials] == key
    today_trials = et.optimize(objective, make_run_file.space, **run, **today).trials
    assert [(t.params, t.values) for t in today_trials] != key


EARLY = {"surrogate": et.GaussianProcessSurrogate(front_min_trials=None)}  # 0.17 and earlier


def test_a_run_with_several_objectives_of_release_0_17_keeps_its_model_from_8_trials(tmp_path):
    """tests/data/run-0.17.0-two-objectives-10.db: 10 trials with two objectives by release 0.17.0 (5f1ffe5),
    a population of 6, whose model ranked children from 8 completed trials on (the third generation); since
    0.18 it waits for 13 with several objectives. Resumed with nothing given, the run takes its surrogate back
    and goes on as a straight run with ``front_min_trials=None`` does; a surrogate given otherwise is refused
    by name, the file untouched."""
    from tests.data import make_run_file

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.17.0-two-objectives-10.db"), path)
    before = digest(path)
    run = dict(directions=["minimize", "minimize"], max_evaluations=30, seed=3)
    with pytest.raises(et.StorageError, match=r"surrogate: stored .*front_min_trials=None\)\", given"):
        et.optimize(make_run_file.two, make_run_file.space, storage=path, run_name="previous", resume=True,
                    **run, **TODAY)
    assert digest(path) == before
    resumed = et.optimize(make_run_file.two, make_run_file.space, storage=path, run_name="previous",
                          resume=True, **run)
    assert [s["evaluations"] for s in resumed.sessions] == [10, 20]
    straight = et.optimize(make_run_file.two, make_run_file.space, **run, **EARLY)
    key = [(t.params, t.values) for t in straight.trials]
    assert [(t.params, t.values) for t in resumed.trials] == key
    today = et.optimize(make_run_file.two, make_run_file.space, **run)  # the model from 13 trials on
    assert [(t.params, t.values) for t in today.trials][:12] == key[:12]
    assert [(t.params, t.values) for t in today.trials] != key


@pytest.mark.parametrize("name, objective, run", [
    ("run-0.18.0.db", "f", dict(population_size=8)),
    ("run-0.18.0-two-objectives-default.db", "two", dict(directions=["minimize", "minimize"])),
])
def test_a_run_of_release_0_18_goes_on_as_a_straight_run_of_today(tmp_path, name, objective, run):
    """tests/data/run-0.18.0.db (one objective) and tests/data/run-0.18.0-two-objectives-default.db (two,
    the model used from 13 trials): 20 trials each by release 0.18.0 (c6a95e3). Release 0.19 made the engine
    faster without changing a trial, so each resumes to 40 trials as a straight run of today makes them, the
    stored 20 included, and the 0.18 session stays on record."""
    from tests.data import make_run_file

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, name), path)
    objective = getattr(make_run_file, objective)
    resumed = et.optimize(objective, make_run_file.space, storage=path, run_name="previous", resume=True,
                          max_evaluations=40, seed=3, **run)
    assert [(s["evaluations"], s["environment"]["evotune"]) for s in resumed.sessions] == [
        (20, "0.18.0"), (20, et.__version__)]
    straight = et.optimize(objective, make_run_file.space, max_evaluations=40, seed=3, **run, **UNIFORM)
    assert [(t.params, t.values) for t in resumed.trials] == [(t.params, t.values) for t in straight.trials]


def test_a_conditional_run_of_release_0_20_keeps_its_whole_generations_and_its_single_ranking(tmp_path):
    """tests/data/run-0.20.0-conditional.db: 24 trials of a space with conditions by release 0.20.0 (a2da459),
    a population of 8 and generations of 8 children, each generation's the first of one ranking; since 0.21
    such a space gets generations of half the population, picked one by one (``believer=None``). Resumed with
    nothing given, the run takes back its generation size (stored) and its ranking (read back as
    ``believer=False``) and goes on as a straight run of 0.20's search; given today's surrogate, the refusal
    names the difference, the file untouched. tests/data/run-0.20.0-believer.db (a space without conditions,
    ``believer=True`` and generations of 4 asked for) goes on with those."""
    from tests.data.make_run_file import conditional, f, space

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.20.0-conditional.db"), path)
    before = digest(path)
    run = dict(max_evaluations=40, population_size=8, seed=3)
    with pytest.raises(et.StorageError, match=r"surrogate: stored .*min_trials=8, believer=False\)\", given"):
        et.optimize(f, conditional, storage=path, run_name="previous", resume=True, **run, **TODAY)
    assert digest(path) == before
    resumed = et.optimize(f, conditional, storage=path, run_name="previous", resume=True, **run)
    assert [(s["evaluations"], s["environment"]["evotune"]) for s in resumed.sessions] == [
        (24, "0.20.0"), (16, et.__version__)]
    assert resumed.settings["offspring_size"] == 8 and "believer=False" in resumed.settings["surrogate"]
    key = [(t.params, t.value) for t in et.optimize(f, conditional, **run, **BEFORE_0_21).trials]
    assert [(t.params, t.value) for t in resumed.trials] == key
    today = et.optimize(f, conditional, **run)  # 4 children a generation, picked one by one
    assert today.settings["offspring_size"] == 4
    assert [(t.params, t.value) for t in today.trials][:8] == key[:8]
    assert [(t.params, t.value) for t in today.trials] != key

    path = tmp_path / "believer.db"
    shutil.copy(os.path.join(DATA, "run-0.20.0-believer.db"), path)
    asked = dict(offspring_size=4, surrogate=et.GaussianProcessSurrogate(believer=True, relevance=False))
    resumed = et.optimize(f, space, storage=path, run_name="previous", resume=True, **run)
    assert [s["evaluations"] for s in resumed.sessions] == [20, 20]
    key = [(t.params, t.value) for t in et.optimize(f, space, **run, **asked).trials]
    assert [(t.params, t.value) for t in resumed.trials] == key
    assert [(t.params, t.value) for t in et.optimize(f, space, **run).trials] != key


@pytest.mark.slow  # a resume campaign: in CI's first job
def test_a_run_with_several_objectives_of_release_0_16_keeps_the_population_it_started_with(tmp_path):
    """tests/data/run-0.16.0-two-objectives-default.db: 20 trials with two objectives by release 0.16.0
    (b8f88ad), the population left to its default (8 for 20 trials; since 0.17, 6 with two or three
    objectives), and tests/data/run-0.16.0-sklearn-two-objectives.db: 16 trials of EvolutionarySearchCV with
    two metrics.
    Resumed without a population size, each goes on with the 8 it stored: the first as a straight run with 8
    does (and with the model from 8 trials on: ``front_min_trials=None``), the second in generations of 8."""
    from tests.data import make_run_file

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.16.0-two-objectives-default.db"), path)
    run = dict(directions=["minimize", "minimize"], max_evaluations=48, seed=3)
    resumed = et.optimize(make_run_file.two, make_run_file.space, storage=path, run_name="previous",
                          resume=True, **run)
    assert [s["evaluations"] for s in resumed.sessions] == [20, 28]
    straight = et.optimize(make_run_file.two, make_run_file.space, population_size=8, **run, **EARLY)
    assert [(t.params, t.values) for t in resumed.trials] == [(t.params, t.values) for t in straight.trials]
    today = et.optimize(make_run_file.two, make_run_file.space, **run)  # today's default: 6
    assert [(t.params, t.values) for t in today.trials] != [(t.params, t.values) for t in straight.trials]

    path = tmp_path / "search.db"
    shutil.copy(os.path.join(DATA, "run-0.16.0-sklearn-two-objectives.db"), path)
    X, y = make_run_file.breast_cancer()
    resumed = make_run_file.tree_search(max_evaluations=32, storage=path, resume=True).fit(X, y)
    assert [s["evaluations"] for s in resumed.result_.sessions] == [16, 16]
    # its settings and generations of 8; not compared trial for trial with a straight run: the file's children
    # of equal values (trees deeper than the data, the same model) are ranked in an order an ulp of the
    # surrogate's BLAS decides (an AMD EPYC's kernels swap two of them), and the runs part from there
    assert resumed.result_.settings["population_size"] == 8
    assert set(collections.Counter(t.generation for t in resumed.trials_).values()) == {8}
    stored = et.load_run(shutil.copy(os.path.join(DATA, "run-0.16.0-sklearn-two-objectives.db"),
                                     tmp_path / "stored.db"), "default").trials
    assert [(t.params, t.values) for t in resumed.trials_[:16]] == [(t.params, t.values) for t in stored]
    fresh = make_run_file.tree_search(max_evaluations=32, storage=tmp_path / "new.db", resume=True).fit(X, y)
    # a resume with nothing stored starts as a run without storage
    assert [(t.params, t.values) for t in fresh.trials_] == [
        (t.params, t.values) for t in make_run_file.tree_search(max_evaluations=32).fit(X, y).trials_]


def test_a_raced_run_of_release_0_5_resumes_with_the_test_it_was_raced_with(tmp_path):
    """tests/data/run-0.5.0-racing.db: 20 trials raced by release 0.5.0 (21520df), whose paired test took
    the spread from the candidate's folds alone; it reads back as ``Racing(..., pooled=False)``: resumed
    with that, it continues as a run of this version with that test does, and with today's default the
    refusal names the difference."""
    from tests.data.make_run_file import Folds, space

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.5.0-racing.db"), path)
    before = digest(path)
    with pytest.raises(et.StorageError, match=r"racing: stored \"Racing\(min_parts=2, confidence=0.95, "
                                              r"pooled=False, repeats=False, ties=False, futility=0.0, "
                                              r"schedule='doubling', repeat_parts=2\)\""):
        et.optimize(Folds(), space, racing=et.Racing(min_parts=2), max_evaluations=40, population_size=8,
                    storage=path, run_name="previous", resume=True, seed=3)
    assert digest(path) == before
    unpooled = et.Racing(min_parts=2, pooled=False, repeats=False, ties=False, futility=0.0,
                         schedule="doubling")
    resumed = et.optimize(Folds(), space, racing=unpooled, max_evaluations=40, population_size=8, storage=path,
                          run_name="previous", resume=True, seed=3)
    fresh = et.optimize(Folds(), space, racing=unpooled, max_evaluations=40, population_size=8, seed=3,
                        **UNIFORM)
    key = [(t.params, t.value, t.state, t.parts) for t in fresh.trials]
    assert [(t.params, t.value, t.state, t.parts) for t in resumed.trials] == key
    assert sum(state == "pruned" for _, _, state, _ in key) > 10


@pytest.mark.slow  # a resume campaign: in CI's first job
@pytest.mark.parametrize("release, stored, old", [
    ("0.8.0", "repeats=False, ties=False, futility=0.0, schedule='doubling', repeat_parts=3",
     et.Racing(repeats=False, ties=False, futility=0.0, schedule="doubling", repeat_parts=3)),
    ("0.11.0", "repeats=True, ties=True, futility=0.0, schedule='doubling', repeat_parts=3",
     et.Racing(futility=0.0, schedule="doubling", repeat_parts=3)),
    ("0.13.0", "repeats=True, ties=True, futility=0.02, schedule='doubling', repeat_parts=3",
     et.Racing(schedule="doubling", repeat_parts=3)),
    ("0.14.0", "repeats=True, ties=True, futility=0.02, schedule='each', repeat_parts=3",
     et.Racing(repeat_parts=3)),
])
def test_a_raced_cross_validation_of_an_earlier_release_resumes_with_its_rules(release, stored, old,
                                                                              tmp_path):
    """tests/data/run-<release>-racing-cv.db: a decision tree's 10-fold cross-validation, 32 trials raced by
    release 0.8.0 (59a21ad), which ran every fold of a candidate that repeats an earlier trial's models or
    ties the best, by 0.11.0 (d0ff572), which ran every fold of one too far behind to end better, by 0.13.0
    (7a4521e), which tested candidates after 3 and 6 folds only, or by 0.14.0 (6b2e1d4), which told a repeat
    by its first 3 folds; each
    reads back as the ``Racing`` it raced with: resumed with that, it continues as this version does with
    it, and with today's default the refusal names the difference."""
    from tests.data.make_run_file import tree_folds, tree_space

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, f"run-{release}-racing-cv.db"), path)
    before = digest(path)
    with pytest.raises(et.StorageError, match=r"racing: stored \"Racing\(min_parts=3, confidence=0.95, "
                                              r"pooled=True, " + re.escape(stored) + r"\)\""):
        et.optimize(tree_folds(), tree_space, racing=True, max_evaluations=48, population_size=8, storage=path,
                    run_name="previous", resume=True, seed=3)
    assert digest(path) == before
    resumed = et.optimize(tree_folds(), tree_space, racing=old, max_evaluations=48, population_size=8,
                          storage=path, run_name="previous", resume=True, seed=3)
    assert [s["evaluations"] for s in resumed.sessions] == [32, 16]  # nothing stored was evaluated again
    fresh = et.optimize(tree_folds(), tree_space, racing=old, max_evaluations=48, population_size=8, seed=3,
                        **UNIFORM)
    key = [(t.params, t.value, t.state, t.parts) for t in fresh.trials]
    assert [(t.params, t.value, t.state, t.parts) for t in resumed.trials] == key
    shutil.copy(os.path.join(DATA, f"run-{release}-racing-cv.db"), path)  # given none: it takes its own back
    taken = et.optimize(tree_folds(), tree_space, max_evaluations=48, population_size=8, storage=path,
                        run_name="previous", resume=True, seed=3)
    assert [(t.params, t.value, t.state, t.parts) for t in taken.trials] == key


@pytest.mark.slow  # a resume campaign: in CI's first job
def test_a_cross_validation_of_release_0_21_resumes_running_every_fold(tmp_path):
    """tests/data/run-0.21.0-cv.db: a decision tree's 10-fold cross-validation, 32 trials by release 0.21.0
    (eb841d4), which ran every fold unless asked to race, and tests/data/run-0.21.0-sklearn-cv.db: 24 trials
    of EvolutionarySearchCV, 10 folds too. Since 0.22 both are raced by default (``racing="auto"``); resumed
    with nothing said of racing, each takes back the none it stored and goes on as a search that runs every
    fold does, while a fresh search races."""
    from tests.data.make_run_file import breast_cancer, tree_cv_search, tree_folds, tree_space

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.21.0-cv.db"), path)
    run = dict(max_evaluations=40, population_size=8, seed=3)
    resumed = et.optimize(tree_folds(), tree_space, storage=path, run_name="previous", resume=True, **run)
    assert [s["evaluations"] for s in resumed.sessions] == [32, 8]
    straight = et.optimize(tree_folds(), tree_space, racing=None, **run, **UNIFORM)
    key = [(t.params, t.value, t.state) for t in straight.trials]
    assert [(t.params, t.value, t.state) for t in resumed.trials] == key
    today = et.optimize(tree_folds(), tree_space, **{**run, "max_evaluations": 24})
    assert "pruned" in {t.state for t in today.trials}

    path = tmp_path / "search.db"
    shutil.copy(os.path.join(DATA, "run-0.21.0-sklearn-cv.db"), path)
    X, y = breast_cancer()
    resumed = tree_cv_search(max_evaluations=32, storage=path, resume=True).fit(X, y)
    assert [s["evaluations"] for s in resumed.result_.sessions] == [24, 8]
    straight = tree_cv_search(max_evaluations=32, racing=None, **UNIFORM).fit(X, y)
    assert [(t.params, t.value, t.state) for t in resumed.trials_] == [
        (t.params, t.value, t.state) for t in straight.trials_]
    assert "pruned" in {t.state for t in tree_cv_search(max_evaluations=24).fit(X, y).trials_}


def test_a_fidelity_run_of_release_0_22_resumes_without_screening(tmp_path):
    """tests/data/run-0.22.0-fidelity.db: 24 trials of a fidelity by release 0.22.0 (66e7256), whose first
    generation ran every budget. Since 0.23 a fidelity screens three times the population first by default;
    resumed with the same ``Fidelity(1, 27)``, the run takes back ``screen=1`` and goes on as a search that
    does not screen; the file is read as such by a reader too, and a fresh search screens."""
    from tests.data.make_run_file import epochs, space

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.22.0-fidelity.db"), path)
    run = dict(max_evaluations=40, population_size=8, seed=3)
    resumed = et.optimize(epochs, space, fidelity=et.Fidelity(1, 27), storage=path, run_name="previous",
                          resume=True, **run)
    assert [s["evaluations"] for s in resumed.sessions] == [24, 16]
    straight = et.optimize(epochs, space, fidelity=et.Fidelity(1, 27, screen=1), **run, **UNIFORM)
    key = [(t.params, t.value, t.state, t.parts) for t in straight.trials]
    assert [(t.params, t.value, t.state, t.parts) for t in resumed.trials] == key
    assert "pruned" in {t.state for t in straight.trials}  # the reference's stops: the file exercises them
    today = et.optimize(epochs, space, fidelity=et.Fidelity(1, 27), **run)  # 40 // 16: a screen of 16
    assert [t.state for t in today.trials[:16]] == ["pruned"] * 16 and today.trials[0].parts != key[0][3]


@pytest.mark.slow  # a resume campaign: in CI's first job
def test_a_screened_run_of_release_0_23_resumes_as_a_straight_run(tmp_path):
    """tests/data/run-0.23.0-screened.db: 24 screened trials and the 8 they promoted, by release 0.23.0
    (59843ac); resumed with the fidelity it stored (``screen=3``, taken back), it goes on as a straight run
    of 0.23's search (``relevance=False``, taken back too)."""
    from tests.data.make_run_file import epochs, space

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.23.0-screened.db"), path)
    run = dict(max_evaluations=48, population_size=8, seed=3)
    resumed = et.optimize(epochs, space, fidelity=et.Fidelity(1, 27), storage=path, run_name="previous",
                          resume=True, **run)
    assert [s["evaluations"] for s in resumed.sessions] == [32, 16]
    straight = et.optimize(epochs, space, fidelity=et.Fidelity(1, 27, screen=3), **run, **UNIFORM)
    assert [(t.params, t.value, t.state, t.parts) for t in resumed.trials] == [
        (t.params, t.value, t.state, t.parts) for t in straight.trials]


def test_a_conditional_run_of_release_0_6_resumes_with_the_surrogate_it_ran_with(tmp_path):
    """tests/data/run-0.6.0-conditional.db: 24 trials of a space with conditions by release 0.6.0 (7606e85),
    whose surrogate evaluated only its best-ranked children; its default surrogate reads back as
    ``branch_share=0.0``: resumed without a surrogate it takes that one back, and with it given too, it
    continues as this version does with it; given today's default, the refusal names the difference."""
    from tests.data.make_run_file import conditional, f

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.6.0-conditional.db"), path)
    before = digest(path)
    stored_surrogate = r'surrogate: stored "GaussianProcessSurrogate\(.*, branch_share=0.0, believer=False\)"'
    with pytest.raises(et.StorageError, match=stored_surrogate):
        et.optimize(f, conditional, max_evaluations=40, population_size=8, storage=path, run_name="previous",
                    resume=True, seed=3, surrogate=et.GaussianProcessSurrogate())
    assert digest(path) == before
    ranked = {**BEFORE_0_21, "surrogate": et.GaussianProcessSurrogate(branch_share=0.0, believer=False)}
    resumed = et.optimize(f, conditional, max_evaluations=40, population_size=8, storage=path, run_name="previous",
                          resume=True, seed=3)
    fresh = et.optimize(f, conditional, max_evaluations=40, population_size=8, seed=3, **ranked)
    assert [(t.params, t.value) for t in resumed.trials] == [(t.params, t.value) for t in fresh.trials]
    # the settings were stored by 0.6: a later session of this version does not make them today's
    again = et.optimize(f, conditional, max_evaluations=48, population_size=8, storage=path, run_name="previous",
                        resume=True, seed=3, **ranked)
    assert len(again.trials) == 48
    today = et.optimize(f, conditional, max_evaluations=40, population_size=8, seed=3)
    assert [t.params for t in today.trials[8:]] != [t.params for t in fresh.trials[8:]]


def test_a_conditional_run_of_release_0_7_resumes_exactly(tmp_path):
    """tests/data/run-0.7.0-conditional.db: 24 trials of a space with conditions by release 0.7.0 (6ef1f76):
    with its default surrogate (no mutants of each branch's best; read back with ``believer=False``) it
    resumes as a fresh run with it goes, and a surrogate that breeds them is refused with the difference
    named."""
    from tests.data.make_run_file import conditional, f

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.7.0-conditional.db"), path)
    before = digest(path)
    with pytest.raises(et.StorageError, match=r'given "GaussianProcessSurrogate\(.*, branch_mutants=4\)"'):
        et.optimize(f, conditional, max_evaluations=40, population_size=8, storage=path, run_name="previous",
                    resume=True, seed=3, surrogate=et.GaussianProcessSurrogate(branch_mutants=4))
    assert digest(path) == before
    resumed = et.optimize(f, conditional, max_evaluations=40, population_size=8, storage=path, run_name="previous",
                          resume=True, seed=3)
    fresh = et.optimize(f, conditional, max_evaluations=40, population_size=8, seed=3, **BEFORE_0_21)
    assert [(t.params, t.value) for t in resumed.trials] == [(t.params, t.value) for t in fresh.trials]


def test_a_run_of_release_0_23_resumes_with_every_gene_mutated_alike(tmp_path):
    """tests/data/run-0.23.1.db: 20 trials by release 0.23.1 (201df18), whose mutation varied every gene
    alike; since 0.24 the model's relevance weighs it in such a space (``relevance=None``). Resumed with
    nothing given, the
    run takes back ``relevance=False`` and goes on as a straight run of 0.23's search; given today's
    surrogate, the refusal names the difference, the file untouched."""
    from tests.data.make_run_file import f, space

    path = tmp_path / "old.db"
    shutil.copy(os.path.join(DATA, "run-0.23.1.db"), path)
    before = digest(path)
    run = dict(max_evaluations=40, population_size=8, seed=3)
    refusal = r"surrogate: stored .*min_trials=8, relevance=False\)\", given"
    with pytest.raises(et.StorageError, match=refusal):
        et.optimize(f, space, storage=path, run_name="previous", resume=True, **run, **TODAY)
    assert digest(path) == before
    resumed = et.optimize(f, space, storage=path, run_name="previous", resume=True, **run)
    assert [(s["evaluations"], s["environment"]["evotune"]) for s in resumed.sessions] == [
        (20, "0.23.1"), (20, et.__version__)]
    key = [(t.params, t.value) for t in et.optimize(f, space, **run, **UNIFORM).trials]
    assert [(t.params, t.value) for t in resumed.trials] == key
    assert [(t.params, t.value) for t in et.optimize(f, space, **run).trials] != key
