"""Storage cost: throughput with and without the journal, memory of a long run, resume time.

    python experiments/benchmarks/bench_storage.py        # ~1 min on 2 cores

(1) evaluations per second on a trivial objective, 5,000 evaluations, storage off vs on
    (best of 7 interleaved runs each);
(2) peak memory (max RSS) of a 100,000-evaluation run with storage, and without, each in a
    fresh process;
(3) time to resume a stored 10,000-evaluation run.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time

import evotune as et

SPACE = {
    "x": et.Float(-5.0, 5.0),
    "lr": et.Float(1e-5, 1e-1, log=True),
    "n": et.Integer(1, 100),
    "batch": et.Integer(16, 512, log=True),
    "kind": et.Categorical(["a", "b", "c", "d"]),
    "act": et.Categorical(["relu", "tanh", "gelu"]),
}


def trivial(p: dict) -> float:
    return (p["x"] - 1) ** 2 + p["n"] + p["lr"] + (p["kind"] != "b")


def run(evaluations: int, storage: str | None, resume: bool = False) -> float:
    start = time.perf_counter()
    et.optimize(trivial, SPACE, max_evaluations=evaluations, population_size=50, seed=0,
                storage=storage, run_name="bench", resume=resume)
    return time.perf_counter() - start


def peak_rss_mb(evaluations: int, storage: bool) -> float:
    """Max RSS of a fresh process that runs the search (MB)."""
    code = (
        "import sys, resource; sys.path.insert(0, {here!r}); import bench_storage as b; "
        "b.run({n}, {path}); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    ).format(here=os.path.dirname(os.path.abspath(__file__)), n=evaluations,
             path=repr(os.path.join(tempfile.mkdtemp(), "mem.db")) if storage else "None")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return float(out.split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=5000)
    parser.add_argument("--long", type=int, default=100_000)
    parser.add_argument("--resume-size", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    import sqlite3

    print(f"python {platform.python_version()}, evotune {et.__version__}, SQLite {sqlite3.sqlite_version}")

    offs, ons = [], []
    for _ in range(args.repeats):  # interleaved, so both see the same machine load
        offs.append(run(args.evaluations, None))
        ons.append(run(args.evaluations, os.path.join(tempfile.mkdtemp(), "on.db")))
    off, on = min(offs), min(ons)
    cost = 1 - off / on
    print(f"\n(1) {args.evaluations} evaluations: storage off {args.evaluations / off:,.0f} evals/s, "
          f"on {args.evaluations / on:,.0f} evals/s -> storage costs {cost:.0%} of throughput (target < 30%)")

    with_storage = peak_rss_mb(args.long, True)
    without = peak_rss_mb(args.long, False)
    baseline = peak_rss_mb(100, False)
    print(f"\n(2) peak RSS of a {args.long:,}-evaluation run: with storage {with_storage:.0f} MB, "
          f"without {without:.0f} MB (a 100-evaluation run: {baseline:.0f} MB; target < 300 MB)")

    path = os.path.join(tempfile.mkdtemp(), "resume.db")
    first = run(args.resume_size, path)
    resumed = run(args.resume_size, path, resume=True)
    print(f"\n(3) a stored {args.resume_size:,}-evaluation run ({first:.1f} s to make) resumes in {resumed:.2f} s "
          f"({os.path.getsize(path) / 2**20:.1f} MB file)")


if __name__ == "__main__":
    main()
