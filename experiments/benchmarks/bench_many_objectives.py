"""Many objectives: the search's own time per evaluation as the number of objectives grows, next to Optuna.

    pip install -e ".[bench]"
    python -m experiments.benchmarks.bench_many_objectives              # ~5 min on 2 cores
    PYTHONPATH=<a worktree of another commit> python -m experiments.benchmarks.bench_many_objectives
                                                                          # the same for that commit's evotune

DTLZ2 with k objectives and k + 4 variables in [0, 1] (its front is the unit sphere's positive part), 200
evaluations, seed 0; the objective is instant, so the time is the search's own. evotune runs its default
(the surrogate ranks each generation's children by the hypervolume they promise to add); Optuna's TPE
(multi-objective) and NSGA-II run in the same process for scale. Besides the seconds per evaluation, the
table gives the front's size and its mean distance to the true front (mean ||f|| - 1 over the front's points,
lower is better): the speed is not bought with a worse search.
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np

import evotune as et


def dtlz2(k: int):
    def objective(params: dict) -> list[float]:
        x = np.array([params[f"x{i}"] for i in range(k + 4)])
        g = float(np.sum((x[k - 1:] - 0.5) ** 2))
        values = []
        for m in range(k):
            v = 1.0 + g
            for j in range(k - 1 - m):
                v *= math.cos(x[j] * math.pi / 2)
            if m > 0:
                v *= math.sin(x[k - 1 - m] * math.pi / 2)
            values.append(v)
        return values

    return objective, {f"x{i}": et.Float(0.0, 1.0) for i in range(k + 4)}


def distance(front: list[list[float]]) -> float:
    """Mean distance of the front's points to DTLZ2's front, the unit sphere."""
    return float(np.mean([np.linalg.norm(v) - 1.0 for v in front])) if front else math.nan


def run_evotune(k: int, n: int, seed: int) -> list[list[float]]:
    objective, space = dtlz2(k)
    result = et.optimize(objective, space, directions=["minimize"] * k, max_evaluations=n, seed=seed)
    return [list(t.values) for t in result.pareto_front]


def run_optuna(k: int, n: int, seed: int, sampler: str) -> list[list[float]]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    objective, space = dtlz2(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make = optuna.samplers.TPESampler if sampler == "tpe" else optuna.samplers.NSGAIISampler
        study = optuna.create_study(directions=["minimize"] * k, sampler=make(seed=seed))
    study.optimize(lambda trial: objective({name: trial.suggest_float(name, 0.0, 1.0) for name in space}), n_trials=n)
    return [list(t.values) for t in study.best_trials]


METHODS = {"evotune": run_evotune, "optuna-tpe": lambda k, n, s: run_optuna(k, n, s, "tpe"),
           "optuna-nsga2": lambda k, n, s: run_optuna(k, n, s, "nsga2")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objectives", default="2,3,5,8,10")
    parser.add_argument("--evaluations", type=int, default=200)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(f"evotune {et.__version__}, DTLZ2, {args.evaluations} evaluations, seed {args.seed}\n")
    print("| objectives | method | ms per evaluation | front | mean distance to the true front |")
    print("|---:|---|---:|---:|---:|")
    for k in (int(v) for v in args.objectives.split(",")):
        for method in args.methods.split(","):
            start = time.perf_counter()
            front = METHODS[method](k, args.evaluations, args.seed)
            ms = 1000 * (time.perf_counter() - start) / args.evaluations
            print(f"| {k} | {method} | {ms:.1f} | {len(front)} | {distance(front):.3f} |", flush=True)


if __name__ == "__main__":
    main()
