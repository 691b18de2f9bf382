"""Many objectives: the search's own time per evaluation as the number of objectives grows, next to Optuna.

    pip install -e ".[bench]"
    python -m experiments.benchmarks.bench_many_objectives              # ~5 min on 2 cores
    python -m experiments.benchmarks.bench_many_objectives --survival   # survival alone: seconds to keep half
    PYTHONPATH=<a worktree of another commit> python -m experiments.benchmarks.bench_many_objectives
                                                                          # the same for that commit's evotune

DTLZ2 with k objectives and k + 4 variables in [0, 1] (its front is the unit sphere's positive part), 200
evaluations, seed 0 (``--seeds 5``: seeds 0-4, means); the objective is instant, so the time is the search's
own. evotune runs its default (the surrogate ranks each generation's children by the hypervolume they promise
to add) and, with ``--methods ...,evotune-keep-extremes``, ``keep_extremes=True`` (release 0.9's survival,
which kept each front's extremes first whatever the number of objectives); Optuna's TPE
(multi-objective) and NSGA-II run in the same process for scale. Besides the seconds per evaluation, the
table gives the front's size, its mean distance to the true front (mean ||f|| - 1 over the front's points,
lower is better) and its hypervolume up to 1.5 in every objective (higher is better; the true front's is
1.5^k minus the volume of the unit ball's positive part): the speed is not bought with a worse search.
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


def hypervolume(front: list[list[float]], k: int) -> float:
    """The front's hypervolume up to 1.5 in each of its ``k`` objectives."""
    from evotune import pareto

    points = np.array(front, dtype=float).reshape(-1, k)
    return pareto.hypervolume(points[pareto.nondominated(points)], [1.5] * k) if len(points) else 0.0


def run_evotune(k: int, n: int, seed: int, **settings) -> list[list[float]]:
    objective, space = dtlz2(k)
    result = et.optimize(objective, space, directions=["minimize"] * k, max_evaluations=n, seed=seed, **settings)
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


METHODS = {"evotune": run_evotune,
           "evotune-keep-extremes": lambda k, n, s, **settings: run_evotune(k, n, s, keep_extremes=True, **settings),
           "optuna-tpe": lambda k, n, s: run_optuna(k, n, s, "tpe"),
           "optuna-nsga2": lambda k, n, s: run_optuna(k, n, s, "nsga2")}


def survival(objectives: list[int], sizes=(24, 48, 80)) -> None:
    """Seconds :func:`evotune.pareto.survivors` takes to keep half of ``n`` points of DTLZ2's front (one front:
    with many objectives nearly every point is non-dominated, and survival thins it one point at a time)."""
    from evotune import pareto

    print("| objectives | " + " | ".join(f"{n} -> {n // 2}" for n in sizes) + " |")
    print("|---:|" + "---:|" * len(sizes))
    for k in objectives:
        x = np.random.default_rng(0).random((max(sizes), k))
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        seconds = []
        for n in sizes:
            start = time.perf_counter()
            pareto.survivors(x[:n], size=n // 2)
            seconds.append(time.perf_counter() - start)
        print(f"| {k} | " + " | ".join(f"{s:.3f}" for s in seconds) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objectives", default="2,3,5,8,10")
    parser.add_argument("--evaluations", type=int, default=200)
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=1, help="run seeds seed, seed + 1, ...; report their means")
    parser.add_argument("--population", type=int, help="evotune's population_size (default: evotune's)")
    parser.add_argument("--survival", action="store_true", help="time the survival step alone (pareto.survivors)")
    args = parser.parse_args()
    if args.survival:
        return survival([int(v) for v in args.objectives.split(",")])
    settings = {} if args.population is None else {"population_size": args.population}
    seeds = range(args.seed, args.seed + args.seeds)
    print(f"evotune {et.__version__}, DTLZ2, {args.evaluations} evaluations, seeds {list(seeds)}"
          f"{'' if args.population is None else f', population {args.population}'}\n")
    print("| objectives | method | ms per evaluation | front | mean distance to the true front (per seed) "
          "| hypervolume |")
    print("|---:|---|---:|---:|---|---:|")
    for k in (int(v) for v in args.objectives.split(",")):
        for method in args.methods.split(","):
            ms, sizes, distances, volumes = [], [], [], []
            for seed in seeds:
                start = time.perf_counter()
                front = METHODS[method](k, args.evaluations, seed, **(settings if "evotune" in method else {}))
                ms.append(1000 * (time.perf_counter() - start) / args.evaluations)
                sizes.append(len(front))
                distances.append(distance(front))
                volumes.append(hypervolume(front, k))
            each = " / ".join(f"{d:.3f}" for d in distances) if len(distances) > 1 else ""
            print(f"| {k} | {method} | {np.mean(ms):.1f} | {np.mean(sizes):.0f} | {np.mean(distances):.3f}"
                  f"{f' ({each})' if each else ''} | {np.mean(volumes):.3f} |", flush=True)


if __name__ == "__main__":
    main()
