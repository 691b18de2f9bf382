"""Run the benchmark suite; results are appended to a JSON-lines file, so a stopped run resumes.

    python -m experiments.benchmarks.run --quick          # <= 20 min on 2 cores
    python -m experiments.benchmarks.run                  # the full suite (hours; resumable)
    python -m experiments.benchmarks.report               # tables + convergence plot
    python -m experiments.benchmarks.run --methods evotune --suites mixed --budgets 64 --seeds 3
                                                          # a part of the full suite (filters)

Quick: 8 cheap sklearn problems and 3 mixed ones at budget 64, the two 20-dimensional synthetic
functions at budget 500; 3 seeds. Full: every problem, budgets 64 and 128 (synthetic: 500 and
2,000), 5 seeds.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

from .methods import DEFAULT_METHODS, METHODS, SKLEARN_ONLY
from .problems import SUITES

HERE = os.path.dirname(os.path.abspath(__file__))
QUICK_PROBLEMS = {
    "sklearn": ["kNN-iris", "SVM-wine", "DT-breast_cancer", "linear-wine", "ada-wine", "kNN-diabetes",
                "ridge-diabetes", "RF-iris"],
    "mixed": ["logistic-penalty", "rf-criterion", "svc-kernel"],
    "synthetic": ["rastrigin-20d", "ellipsoid-20d"],
    "cash": ["cash-wine"],
}


def jobs(quick: bool, methods: list[str], suites=(), only_budgets=(), problems=(), seeds=None) -> list[tuple]:
    """(suite, problem, method, budget, seed) of every job, in run order; the filters keep what they name."""
    out = []
    for suite, make in SUITES.items():
        if suites and suite not in suites:
            continue
        names = [p.name for p in make()]
        if quick:
            names = [n for n in names if n in QUICK_PROBLEMS[suite]]
        if problems:
            names = [n for n in names if n in problems]
        budgets = ((500,) if quick else (500, 2000)) if suite == "synthetic" else ((64,) if quick else (64, 128))
        for name in names:
            for budget in budgets:
                if only_budgets and budget not in only_budgets:
                    continue
                for method in methods:
                    if method in SKLEARN_ONLY and suite != "sklearn":
                        continue
                    for seed in range(seeds or (3 if quick else 5)):
                        out.append((suite, name, method, budget, seed))
    return out


def read_results(path: str) -> list[dict]:
    """The finished jobs of a results file (a line cut short by a kill is left out: it runs again)."""
    rows = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return rows


def run_missing(run_job, todo: list[tuple], path: str, workers: int, line) -> list[dict]:
    """Run ``run_job(*job)`` for each job of ``todo`` in ``workers`` processes; each row is appended to the
    JSON-lines file ``path`` as it finishes (a stopped run resumes) and printed with ``line(row)``."""
    rows = []
    print(f"{len(todo)} jobs to run", flush=True)
    with ProcessPoolExecutor(workers) as pool, open(path, "a") as out:
        for i, future in enumerate(as_completed([pool.submit(run_job, *job) for job in todo]), start=1):
            rows.append(future.result())
            out.write(json.dumps(rows[-1]) + "\n")
            out.flush()
            print(f"{i}/{len(todo)} {line(rows[-1])}", flush=True)
    return rows


def bench_main(doc: str, run_job, *, problems: list[str], methods: tuple, seeds: int, results: str, line,
               more=None) -> list[dict]:
    """The command line of a benchmark script (bench_racing, bench_fidelity): its results file's rows, after
    running, with --run, the missing (problem, method, seed) jobs. ``more(parser)`` adds the script's own
    options; it returns what they add to each job's arguments."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run the jobs missing from the results file")
    parser.add_argument("--seeds", type=int, default=seeds)
    parser.add_argument("--methods", default=",".join(methods))
    parser.add_argument("--problems", default=",".join(problems), help="comma-separated (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--results", default=results)
    extra = more(parser) if more else lambda args: ()
    args = parser.parse_args()
    rows = read_results(args.results)
    if args.run:
        done = {(r["problem"], r["method"], r["seed"]) for r in rows}
        todo = [(p, m, s, *extra(args)) for s in range(args.seeds) for p in args.problems.split(",")
                for m in args.methods.split(",") if (p, m, s) not in done]
        rows += run_missing(run_job, todo, args.results, args.workers, line)
    return rows


def run_job(suite: str, name: str, method: str, budget: int, seed: int) -> dict:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    problem = next(p for p in SUITES[suite]() if p.name == name)
    start = time.perf_counter()
    row = {"suite": suite, "problem": name, "method": method, "budget": budget, "seed": seed}
    try:
        losses = METHODS[method](problem, budget, seed)
    except Exception as exc:  # a method that breaks on a problem is recorded, not fatal to the run
        return {**row, "error": f"{type(exc).__name__}: {exc}"[:500], "seconds": time.perf_counter() - start}
    return {**row, "losses": [None if v != v else v for v in losses], "seconds": time.perf_counter() - start}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                        help=f"comma-separated, of: {', '.join(METHODS)}")
    parser.add_argument("--results", default=None, help="JSON-lines file (default: results/<quick|full>.jsonl)")
    parser.add_argument("--suites", default="", help=f"comma-separated, of: {', '.join(SUITES)} (default: all)")
    parser.add_argument("--problems", default="", help="comma-separated problem names (default: all)")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per problem (default: 3 quick, 5 full)")
    parser.add_argument("--budgets", default="", help="comma-separated budgets to run (default: all)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    results = args.results or os.path.join(HERE, "results", "quick.jsonl" if args.quick else "full.jsonl")
    os.makedirs(os.path.dirname(results), exist_ok=True)
    done = {(r["suite"], r["problem"], r["method"], r["budget"], r["seed"]) for r in read_results(results)}
    suites = [s for s in args.suites.split(",") if s]
    budgets = [int(b) for b in args.budgets.split(",") if b]
    problems = [p for p in args.problems.split(",") if p]
    todo = [job for job in jobs(args.quick, args.methods.split(","), suites, budgets, problems, args.seeds) if job not in done]
    print(f"{len(done)} jobs already in {results}; {len(todo)} to run", flush=True)
    start = time.monotonic()
    with ProcessPoolExecutor(args.workers) as pool, open(results, "a") as out:
        futures = {pool.submit(run_job, *job): job for job in todo}
        for i, future in enumerate(as_completed(futures), start=1):
            out.write(json.dumps(future.result()) + "\n")
            out.flush()
            if i % 20 == 0 or i == len(todo):
                print(f"{i}/{len(todo)} jobs, {time.monotonic() - start:.0f} s", flush=True)


if __name__ == "__main__":
    main()
