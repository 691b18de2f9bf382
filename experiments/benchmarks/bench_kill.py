"""Crash campaign: kill -9 a run at random moments, resume it, and compare with an uninterrupted run.

    python -m experiments.benchmarks.bench_kill --kills 50          # ~5 min on 2 cores

Each round starts a run in a subprocess (a 10-gene mixed space, evaluations that sleep 5-40 ms
depending on their parameters, so results arrive out of order; the default surrogate; n_jobs
drawn from 1, 2 and 4), SIGKILLs it after a random number of journaled trials, then resumes it in
this process until the budget is reached, possibly killing the resumed run again (a second kill in
a third of the rounds). A round is identical when the resumed run's trials (number, parameters,
value), history rows and hall of fame equal those of an uninterrupted run with the same seed.
"Evaluations lost" counts finished evaluations that the resumed run had to compute again (they
finished before the kill but were not yet committed): 0 expected for evaluations >= 10 ms,
at most about a second's worth below that. Prints one line per round and a summary.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

import evotune as et

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = """
import sys, time
sys.path.insert(0, {root!r})
from experiments.benchmarks.bench_kill import run
run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), counter=sys.argv[5])
"""


def objective(p: dict) -> float:
    time.sleep(0.005 + 0.035 * (p["x0"] + 5) / 10)
    from tests.mixed_problem import objective as mixed

    return mixed(p)


def run(path: str | None, n_jobs: int, budget: int, seed: int, counter: str | None = None) -> et.Result:
    from tests.mixed_problem import SPACE

    def counted(p):
        begin = time.perf_counter()
        value = objective(p)
        if counter:
            with open(counter, "a") as f:  # workers are other processes: log completions in a file
                f.write(f"{time.time()} {time.perf_counter() - begin}\n")
        return value

    return et.optimize(counted, SPACE, max_evaluations=budget, n_jobs=n_jobs, lag=12, seed=seed,
                       storage=path, run_name="campaign", resume=True)


def journaled(path: str) -> int:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
    except sqlite3.Error:
        return 0


def completions(counter: str, after: float, before: float) -> tuple[int, int]:
    """Evaluations that finished between ``after`` and ``before``: (all, those of 10 ms or more)."""
    if not os.path.exists(counter):
        return 0, 0
    with open(counter) as f:
        rows = [tuple(map(float, line.split())) for line in f]
    done = [seconds for at, seconds in rows if after <= at < before]
    return len(done), sum(seconds >= 0.01 for seconds in done)


def kill_at(script: str, path: str, n_jobs: int, budget: int, seed: int, at: int, counter: str) -> tuple | None:
    """Start (or resume) the run in a subprocess and SIGKILL it once ``at`` trials are journaled.
    Returns the evaluations that finished before the kill and are not in the journal, and how
    many of those finished before the last journaled one of 10 ms or more started its commit
    (None: the run finished before the kill)."""
    start, before = time.time(), durations(path)
    proc = subprocess.Popen([sys.executable, script, path, str(n_jobs), str(budget), str(seed), counter],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while journaled(path) < at and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    if proc.poll() is not None:
        return None
    proc.send_signal(signal.SIGKILL)
    killed = time.time()
    proc.wait()
    finished, costly = completions(counter, start, killed)
    new = [seconds for number, seconds in durations(path).items() if number not in before]
    return finished - len(new), costly - sum(seconds >= 0.01 for seconds in new)


def durations(path: str) -> dict[int, float]:
    """Trial number -> duration of every journaled trial."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            return dict(conn.execute("SELECT number, duration FROM trials").fetchall())
    except sqlite3.Error:
        return {}


def key(result: et.Result) -> tuple:
    return ([(t.number, t.params, t.value, t.state) for t in result.trials],
            [(h.generation, h.best, h.evaluated, h.failed) for h in result.history],
            [t.number for t in result.hall_of_fame])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kills", type=int, default=50, help="rounds (each kills at least once)")
    parser.add_argument("--budget", type=int, default=120)
    parser.add_argument("--seed", type=int, default=0, help="seed of the campaign's own choices")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    references: dict[int, tuple] = {}
    identical = lost_total = costly_total = kills_total = rounds = 0
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "run.py")
        with open(script, "w") as f:
            f.write(SCRIPT.format(root=ROOT))
        for round_ in range(args.kills):
            seed, n_jobs = rng.randrange(3), rng.choice([1, 2, 4])
            if seed not in references:
                references[seed] = key(run(None, 1, args.budget, seed))
            path, counter = os.path.join(tmp, f"r{round_}.db"), os.path.join(tmp, f"c{round_}.txt")
            kills = lost = lost_costly = 0
            for _ in range(2 if rng.random() < 1 / 3 else 1):
                at = rng.randrange(journaled(path) + 1, args.budget - 5)
                outcome = kill_at(script, path, n_jobs, args.budget, seed, at, counter)
                if outcome is not None:
                    kills, lost, lost_costly = kills + 1, lost + outcome[0], lost_costly + outcome[1]
            before = journaled(path)
            result = run(path, n_jobs, args.budget, seed)
            same = key(result) == references[seed]
            identical += same
            lost_total, costly_total, kills_total = lost_total + lost, costly_total + lost_costly, kills_total + kills
            rounds += 1
            print(f"round {round_:3d}: n_jobs={n_jobs} seed={seed} kills={kills} journaled at the last kill={before:3d} "
                  f"lost={lost:2d} (of 10 ms or more: {lost_costly}) identical={same}", flush=True)
    print(f"\n{identical}/{rounds} resumed runs identical to an uninterrupted run, after {kills_total} kills; "
          f"{lost_total} evaluations that had finished in a worker were not journaled (recomputed after the "
          f"resume), {costly_total} of them of 10 ms or more (their results were on their way to the killed process)")


if __name__ == "__main__":
    main()
