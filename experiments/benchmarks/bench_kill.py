"""Crash campaign: kill -9 a run at random moments, resume it, and compare with an uninterrupted run.

    python -m experiments.benchmarks.bench_kill --kills 50          # ~5 min on 2 cores
    python -m experiments.benchmarks.bench_kill --kills 30 --folds 4  # candidates as 4 folds (parts)

Each round starts a run in a subprocess (a 10-gene mixed space, evaluations that sleep 5-40 ms
depending on their parameters, so results arrive out of order; the default surrogate; n_jobs
drawn from 1, 2 and 4), SIGKILLs it after a random number of journaled trials, then resumes it in
this process until the budget is reached, possibly killing the resumed run again (a second kill in
a third of the rounds). A round is identical when the resumed run's trials (number, parameters,
value), history rows and hall of fame equal those of an uninterrupted run with the same seed.
"Evaluations lost" counts finished evaluations that the resumed run had to compute again (they
finished before the kill but were not yet committed): 0 expected for evaluations >= 10 ms,
at most about a second's worth below that. Prints one line per round and a summary.

With ``--folds k`` each candidate is k folds (an objective with parts, as cross-validation is run;
each fold sleeps 10-40 ms, as real folds are committed at once; the kill comes 0-50 ms after the
trial, as folds of the candidates after it finish), and the round counts the folds computed twice
instead: folds finished in any session (before its kill), less the k per trial the finished run holds.
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
run(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), counter=sys.argv[5],
    folds=int(sys.argv[6]))
"""


def objective(p: dict) -> float:
    time.sleep(0.005 + 0.035 * (p["x0"] + 5) / 10)
    from tests.mixed_problem import objective as mixed

    return mixed(p)


class Folds:
    """``objective`` as ``parts`` folds of 10-40 ms each; the value is the mean of the folds' (the
    objective's value plus a fold offset). Completions are logged as ``objective``'s are."""

    def __init__(self, parts: int, counter: str | None):
        self.parts, self.counter = parts, counter

    def part(self, p: dict, i: int) -> float:
        from tests.mixed_problem import objective as mixed

        begin = time.perf_counter()
        time.sleep(0.01 + 0.03 * (p["x0"] + 5) / 10)
        _log(self.counter, begin)
        return mixed(p) + 0.1 * i

    def combine(self, p: dict, results: list) -> float:
        return sum(results) / len(results)

    def __call__(self, p: dict) -> float:
        return self.combine(p, [self.part(p, i) for i in range(self.parts)])


def _log(counter: str | None, begin: float) -> None:
    if counter:
        with open(counter, "a") as f:  # workers are other processes: log completions in a file
            f.write(f"{time.time()} {time.perf_counter() - begin}\n")


def run(path: str | None, n_jobs: int, budget: int, seed: int, counter: str | None = None,
        folds: int = 0) -> et.Result:
    from tests.mixed_problem import SPACE

    def counted(p):
        begin = time.perf_counter()
        value = objective(p)
        _log(counter, begin)
        return value

    return et.optimize(Folds(folds, counter) if folds else counted, SPACE, max_evaluations=budget,
                       n_jobs=n_jobs, lag=12, seed=seed, storage=path, run_name="campaign", resume=True)


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


def kill_at(script: str, path: str, n_jobs: int, budget: int, seed: int, at: int, counter: str,
            folds: int = 0, delay: float = 0.0) -> tuple | None:
    """Start (or resume) the run in a subprocess and SIGKILL it ``delay`` seconds after ``at`` trials are
    journaled.
    Returns the evaluations that finished before the kill and are not in the journal, how many of
    those finished before the last journaled one of 10 ms or more started its commit, and all that
    finished before the kill (None: the run finished before the kill)."""
    start, before = time.time(), durations(path)
    proc = subprocess.Popen(
        [sys.executable, script, path, str(n_jobs), str(budget), str(seed), counter, str(folds)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while journaled(path) < at and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    if proc.poll() is not None:
        return None
    proc.send_signal(signal.SIGKILL)
    killed = time.time()
    proc.wait()
    finished, costly = completions(counter, start, killed)
    new = [seconds for number, seconds in durations(path).items() if number not in before]
    return finished - len(new), costly - sum(seconds >= 0.01 for seconds in new), finished


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
    parser.add_argument("--folds", type=int, default=0, help="candidates as this many folds; 0: whole")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    references: dict[int, tuple] = {}
    identical = lost_total = costly_total = kills_total = rounds = twice_total = 0
    with tempfile.TemporaryDirectory() as tmp:
        script = os.path.join(tmp, "run.py")
        with open(script, "w") as f:
            f.write(SCRIPT.format(root=ROOT))
        for round_ in range(args.kills):
            seed, n_jobs = rng.randrange(3), rng.choice([1, 2, 4])
            if seed not in references:
                references[seed] = key(run(None, 1, args.budget, seed, folds=args.folds))
            path = os.path.join(tmp, f"r{round_}.db")
            kills = lost = lost_costly = finished = 0
            for k in range(2 if rng.random() < 1 / 3 else 1):
                at = rng.randrange(journaled(path) + 1, args.budget - 5)
                delay = rng.uniform(0, 0.05) if args.folds else 0.0  # not just as a trial is journaled
                # a log per session: a killed run's workers may log what they finish after the kill
                counter = os.path.join(tmp, f"c{round_}-{k}.txt")
                outcome = kill_at(script, path, n_jobs, args.budget, seed, at, counter, args.folds, delay)
                if outcome is not None:
                    kills, lost, lost_costly = kills + 1, lost + outcome[0], lost_costly + outcome[1]
                    finished += outcome[2]
            before, counter = journaled(path), os.path.join(tmp, f"c{round_}.txt")
            result = run(path, n_jobs, args.budget, seed, counter, args.folds)
            same = key(result) == references[seed]
            finished += completions(counter, 0, time.time())[0]  # before a kill, or in the last session
            twice = finished - max(args.folds, 1) * args.budget
            twice_total += twice
            identical += same
            lost_total, costly_total, kills_total = lost_total + lost, costly_total + lost_costly, kills_total + kills
            rounds += 1
            lost_text = f"folds computed twice={twice:2d}" if args.folds else \
                f"lost={lost:2d} (of 10 ms or more: {lost_costly})"
            print(f"round {round_:3d}: n_jobs={n_jobs} seed={seed} kills={kills} journaled at the last kill={before:3d} "
                  f"{lost_text} identical={same}", flush=True)
    print(f"\n{identical}/{rounds} resumed runs identical to an uninterrupted run, after {kills_total} kills; "
          + (f"{twice_total} folds computed twice (finished in a killed session, run again after the resume)"
             if args.folds else
             f"{lost_total} evaluations that had finished in a worker were not journaled (recomputed after "
             f"the resume), {costly_total} of them of 10 ms or more (their results were on their way to the "
             f"killed process)"))


if __name__ == "__main__":
    main()
