"""Scaling: how busy the workers stay, and what a proposal costs, next to Optuna TPE in the same run.

    python -m experiments.benchmarks.bench_scaling scaling   # sleep objective; ~25 min with the defaults
    python -m experiments.benchmarks.bench_scaling sampler   # ms per evaluation, idle and under load; ~3 min
    python -m experiments.benchmarks.bench_scaling sklearn   # EvolutionarySearchCV, n_jobs=16, cv=5; ~2 min

scaling: a 10-gene mixed space; each evaluation sleeps 0.2-2.0 s, the time depending on its parameters
(like a training whose cost depends on its hyperparameters), then returns a mixed test function
(``tests/mixed_problem.py``: 0 at its optimum). Worker utilisation = time spent in evaluations /
(workers x wall time), start-up and the last evaluations' tail included. evotune runs a process pool
(or a Dask LocalCluster: --dask), Optuna TPE (defaults, seeded) ``study.optimize(n_jobs=...)``, whose
threads sleep as well as processes do. A sleep needs no core, so 16 workers fit on 2 cores.

sampler: a trivial objective on the same space; milliseconds of the proposing process per evaluation
(wall time / evaluations), evotune's default (Gaussian-process surrogate) and Optuna TPE's default, at
100, 400 and 1,000 evaluations (both warmed up first: imports and first calls are not counted),
once on an idle machine and once while every core is busy with another process's work.

sklearn: EvolutionarySearchCV and RandomizedSearchCV with the same number of candidates, an estimator
whose ``fit`` sleeps 0.05-0.5 s (by its parameter), n_jobs=16, cv=5.
Needs the ``bench`` extra. Prints markdown tables.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import os
import platform
import statistics
import time

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

import evotune as et

SPACE = {
    **{f"x{i}": et.Float(-5.0, 5.0) for i in range(4)},
    **{f"n{i}": et.Integer(-10, 10) for i in range(3)},
    **{f"c{i}": et.Categorical(["a", "b", "c", "d", "e"]) for i in range(3)},
}
TARGET = {"x0": 1.3, "x1": -2.1, "x2": 0.4, "x3": 3.3, "n0": 4, "n1": -7, "n2": 0, "c0": "b", "c1": "e", "c2": "a"}


def loss(p: dict) -> float:
    """Rastrigin on the floats, L1 distance on the integers, 5 per wrong category; 0 at TARGET."""
    total = 0.0
    for i in range(4):
        d = p[f"x{i}"] - TARGET[f"x{i}"]
        total += d * d + 1.0 - math.cos(2.0 * math.pi * d)
    total += sum(abs(p[f"n{i}"] - TARGET[f"n{i}"]) for i in range(3))
    return total + sum(5.0 * (p[f"c{i}"] != TARGET[f"c{i}"]) for i in range(3))


def seconds(p: dict, scale: float = 1.0) -> float:
    """0.2-2.0 s (times ``scale``): longer for larger x0 and n0, as larger models train longer."""
    share = 0.5 * (p["x0"] + 5.0) / 10.0 + 0.5 * (p["n0"] + 10) / 20.0
    return scale * (0.2 + 1.8 * share)


class Sleeper:
    """The scaling objective (a class, so it pickles for every backend)."""

    def __init__(self, scale: float):
        self.scale = scale

    def __call__(self, p: dict) -> float:
        time.sleep(seconds(p, self.scale))
        return loss(p)


def run_evotune(budget: int, n_jobs: int, seed: int, scale: float, dask_client=None, lag=None) -> tuple:
    start = time.perf_counter()
    result = et.optimize(Sleeper(scale), SPACE, max_evaluations=budget, n_jobs=n_jobs, seed=seed, lag=lag,
                         dask_client=dask_client)
    wall = time.perf_counter() - start
    busy = sum(t.duration for t in result.trials)
    return wall, busy / (n_jobs * wall), result.best_value


def _suggest(trial) -> dict:
    p = {f"x{i}": trial.suggest_float(f"x{i}", -5.0, 5.0) for i in range(4)}
    p.update({f"n{i}": trial.suggest_int(f"n{i}", -10, 10) for i in range(3)})
    p.update({f"c{i}": trial.suggest_categorical(f"c{i}", list("abcde")) for i in range(3)})
    return p


def run_optuna(budget: int, n_jobs: int, seed: int, scale: float) -> tuple:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    durations = []

    def objective(trial):
        p = _suggest(trial)
        begin = time.perf_counter()
        time.sleep(seconds(p, scale))
        durations.append(time.perf_counter() - begin)
        return loss(p)

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
    start = time.perf_counter()
    study.optimize(objective, n_trials=budget, n_jobs=n_jobs)
    wall = time.perf_counter() - start
    return wall, sum(durations) / (n_jobs * wall), study.best_value


def part_scaling(args) -> None:
    print(f"\n## Scaling: sleep 0.2-2.0 s x {args.scale:g} per evaluation, seeds {args.seeds}\n")
    print("| budget | n_jobs | evotune wall (s) | evotune utilisation | evotune best (median) "
          "| TPE wall (s) | TPE utilisation | TPE best (median) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for budget in args.budgets:
        for n_jobs in args.n_jobs:
            seeds = range(args.seeds if n_jobs > 1 else args.serial_seeds)
            ours = [run_evotune(budget, n_jobs, seed, args.scale) for seed in seeds]
            theirs = [run_optuna(budget, n_jobs, seed, args.scale) for seed in seeds]
            print(f"| {budget} | {n_jobs} | {_mean(ours, 0):.1f} | {_mean(ours, 1):.2f} | {_median(ours, 2):.2f} "
                  f"| {_mean(theirs, 0):.1f} | {_mean(theirs, 1):.2f} | {_median(theirs, 2):.2f} |", flush=True)
    if args.dask:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, threads_per_worker=8, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            rows = [run_evotune(args.budgets[0], 16, seed, args.scale, dask_client=client)
                    for seed in range(args.serial_seeds)]
        print(f"| {args.budgets[0]} | 16 (Dask LocalCluster, 2 x 8 threads) | {_mean(rows, 0):.1f} "
              f"| {_mean(rows, 1):.2f} | {_median(rows, 2):.2f} | | | |")


def _mean(rows, i):
    return statistics.mean(row[i] for row in rows)


def _median(rows, i):
    return statistics.median(row[i] for row in rows)


def _trivial(p: dict) -> float:
    return loss(p)


def _burn(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10000))


def part_sampler(args) -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    print("\n## Proposal cost: ms per evaluation of a trivial objective (wall time / evaluations)\n")
    print("| evaluations | machine | evotune default | Optuna TPE | ratio |")
    print("|---:|---|---:|---:|---:|")
    et.optimize(_trivial, SPACE, max_evaluations=30, seed=0)  # imports and first calls, for both, outside the timing
    optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0)).optimize(
        lambda trial: _trivial(_suggest(trial)), n_trials=30)
    for loaded in (False, True):
        stop = multiprocessing.Event()
        burners = [multiprocessing.Process(target=_burn, args=(stop,)) for _ in range(os.cpu_count() if loaded else 0)]
        for p in burners:
            p.start()
        try:
            for n in args.evaluations:
                begin = time.perf_counter()
                et.optimize(_trivial, SPACE, max_evaluations=n, seed=0)
                ours = (time.perf_counter() - begin) / n * 1e3
                study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
                begin = time.perf_counter()
                study.optimize(lambda trial: _trivial(_suggest(trial)), n_trials=n)
                theirs = (time.perf_counter() - begin) / n * 1e3
                print(f"| {n} | {'every core busy' if loaded else 'idle'} | {ours:.2f} | {theirs:.2f} "
                      f"| {ours / theirs:.2f} |", flush=True)
        finally:
            stop.set()
            for p in burners:
                p.join()


def part_sklearn(args) -> None:
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import RandomizedSearchCV

    print("\n## EvolutionarySearchCV: an estimator whose fit sleeps 0.05-0.5 s, n_jobs=16, cv=5\n")
    X, y = load_diabetes(return_X_y=True)
    grid = {"alpha": [0.0, 0.25, 0.5, 0.75, 1.0], "beta": list(range(10))}
    print("| search | candidates | fits | wall (s) | utilisation |")
    print("|---|---:|---:|---:|---:|")
    for name, search in (
        ("EvolutionarySearchCV", et.EvolutionarySearchCV(SleepyRegressor(), grid, max_evaluations=args.candidates,
                                                         cv=5, n_jobs=16, random_state=0)),
        ("RandomizedSearchCV", RandomizedSearchCV(SleepyRegressor(), grid, n_iter=args.candidates, cv=5,
                                                  n_jobs=16, random_state=0)),
    ):
        begin = time.perf_counter()
        search.fit(X, y)
        wall = time.perf_counter() - begin
        fits = len(search.cv_results_["params"]) * 5
        busy = float(np.sum(search.cv_results_["mean_fit_time"]) * 5)
        print(f"| {name} | {len(search.cv_results_['params'])} | {fits} | {wall:.1f} | {busy / (16 * wall):.2f} |",
              flush=True)


class SleepyRegressor(RegressorMixin, BaseEstimator):
    """Fits by sleeping 0.05-0.5 s (longer for larger alpha), predicts the training mean."""

    def __init__(self, alpha=0.5, beta=0):
        self.alpha, self.beta = alpha, beta

    def fit(self, X, y):
        time.sleep(0.05 + 0.45 * self.alpha)
        self.mean_ = float(np.mean(y)) + 0.1 * self.beta
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("part", choices=["scaling", "sampler", "sklearn"])
    parser.add_argument("--budgets", type=int, nargs="+", default=[96, 256])
    parser.add_argument("--n-jobs", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--serial-seeds", type=int, default=2, help="seeds for n_jobs=1 (its runs are long)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every sleep")
    parser.add_argument("--dask", action="store_true", help="also a Dask LocalCluster row")
    parser.add_argument("--evaluations", type=int, nargs="+", default=[100, 400, 1000])
    parser.add_argument("--candidates", type=int, default=48)
    args = parser.parse_args()
    import optuna

    print(f"python {platform.python_version()}, evotune {et.__version__}, optuna {optuna.__version__}, "
          f"{os.cpu_count()} cores")
    {"scaling": part_scaling, "sampler": part_sampler, "sklearn": part_sklearn}[args.part](args)


if __name__ == "__main__":
    main()
