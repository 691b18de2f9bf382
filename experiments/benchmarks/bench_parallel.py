"""Parallel evaluation: speed-up, dispatch overhead, and large captured data.

    python experiments/benchmarks/bench_parallel.py        # ~2 min on 2 cores; needs the `bench` extra

(a) a CPU-bound objective of ~50 ms, 200 evaluations: wall time with n_jobs=1 and n_jobs=2;
    the same for sklearn-genetic-opt's GASearchCV (its n_jobs parallelizes CV folds).
(b) a trivial objective, 2,000 evaluations: extra wall time per evaluation of the process
    pool and of Dask (LocalCluster, 2 worker processes) over serial evaluation, start-up included.
(c) the same with an objective that captures a 200 MB array.
The evaluators are measured with ``surrogate=None``; (a) also shows the speed-up with the default
surrogate, whose ranking runs in the main process between generations while the workers wait.
"""

from __future__ import annotations

import argparse
import platform
import time

import numpy as np

import evotune as et

SPACE = {
    "x": et.Float(-5.0, 5.0),
    "y": et.Float(1e-3, 1e3, log=True),
    "n": et.Integer(1, 100),
    "kind": et.Categorical(["a", "b", "c", "d"]),
}


def _spin(seconds: float) -> float:
    """Pure-Python busy loop of about ``seconds`` of CPU."""
    end = time.process_time() + seconds
    total = 0.0
    while time.process_time() < end:
        for i in range(1000):
            total += i * 1e-9
    return total


def cpu_bound(p: dict) -> float:
    _spin(0.05)
    return (p["x"] - 1) ** 2 + abs(np.log10(p["y"])) + p["n"] / 100 + (p["kind"] != "b")


def trivial(p: dict) -> float:
    return (p["x"] - 1) ** 2 + p["n"]


def wall(**kwargs) -> tuple[float, et.Result]:
    start = time.perf_counter()
    result = et.optimize(seed=0, **{"surrogate": None, **kwargs})
    return time.perf_counter() - start, result


def part_a(evaluations: int) -> None:
    print(f"\n(a) CPU-bound objective (~50 ms), {evaluations} evaluations, population 20")
    t1, _ = wall(objective=cpu_bound, space=SPACE, max_evaluations=evaluations, population_size=20)
    t2, r2 = wall(objective=cpu_bound, space=SPACE, max_evaluations=evaluations, population_size=20, n_jobs=2)
    print(f"    evotune n_jobs=1: {t1:6.2f} s   n_jobs=2: {t2:6.2f} s   speed-up {t1 / t2:.2f}x (target >= 1.85)")
    busy = sum(t.duration for t in r2.trials) / (2 * t2)
    print(f"    worker utilisation with n_jobs=2: {busy:.0%}")
    t1, _ = wall(objective=cpu_bound, space=SPACE, max_evaluations=evaluations, population_size=20, surrogate=True)
    t2, r2 = wall(objective=cpu_bound, space=SPACE, max_evaluations=evaluations, population_size=20, n_jobs=2,
                  surrogate=True)
    busy = sum(t.duration for t in r2.trials) / (2 * t2)
    print(f"    with the default surrogate: n_jobs=1: {t1:6.2f} s   n_jobs=2: {t2:6.2f} s   speed-up {t1 / t2:.2f}x, "
          f"workers busy {busy:.0%}")


def part_a_gasearchcv(candidates: int) -> None:
    try:
        from sklearn_genetic import GASearchCV
        from sklearn_genetic.space import Continuous, Integer
    except ImportError:
        print("    sklearn-genetic-opt is not installed; skipping GASearchCV")
        return
    from sklearn.base import BaseEstimator, RegressorMixin

    class Spin(RegressorMixin, BaseEstimator):
        """A regressor whose fit burns ~10 ms of CPU: 5 folds = ~50 ms per candidate."""

        def __init__(self, x=0.0, n=1):
            self.x, self.n = x, n

        def fit(self, X, y):
            _spin(0.01)
            self.mean_ = float(np.mean(y))
            return self

        def predict(self, X):
            return np.full(len(X), self.mean_ + self.x * 1e-3)

    X, y = np.random.default_rng(0).normal(size=(200, 3)), np.random.default_rng(1).normal(size=200)
    params = {"x": Continuous(-5.0, 5.0), "n": Integer(1, 100)}
    times = {}
    for n_jobs in (1, 2):
        search = GASearchCV(Spin(), cv=5, param_grid=params, population_size=10, generations=candidates // 10 - 1,
                            n_jobs=n_jobs, verbose=False, scoring="neg_mean_squared_error")
        start = time.perf_counter()
        search.fit(X, y)
        times[n_jobs] = time.perf_counter() - start
    print(f"    GASearchCV (5 folds x 10 ms) n_jobs=1: {times[1]:6.2f} s   n_jobs=2: {times[2]:6.2f} s   "
          f"speed-up {times[1] / times[2]:.2f}x")


def part_bc(evaluations: int) -> None:
    from distributed import Client, LocalCluster

    big = np.ones(200 * 2**20 // 8)  # 200 MB

    def captures_big(p: dict) -> float:
        return (p["x"] - 1) ** 2 + p["n"] + big[p["n"]]

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        for label, objective in (("(b) trivial objective", trivial), ("(c) objective capturing 200 MB", captures_big)):
            print(f"\n{label}, {evaluations} evaluations, population 50")
            common = dict(objective=objective, space=SPACE, max_evaluations=evaluations, population_size=50)
            serial, _ = wall(**common)
            print(f"    serial: {serial:6.2f} s ({serial / evaluations * 1e6:.0f} us per evaluation)")
            for name, extra in (("process pool, n_jobs=2", {"n_jobs": 2}), ("Dask, 2 workers", {"dask_client": client})):
                seconds, _ = wall(**common, **extra)
                overhead = (seconds - serial) / evaluations
                print(f"    {name:<24} {seconds:6.2f} s   overhead {overhead * 1e6:7.0f} us per evaluation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu-evaluations", type=int, default=200)
    parser.add_argument("--evaluations", type=int, default=2000)
    parser.add_argument("--skip-gasearchcv", action="store_true")
    args = parser.parse_args()
    import deap

    print(f"python {platform.python_version()}, evotune {et.__version__}, deap {deap.__version__}, numpy {np.__version__}")
    part_a(args.cpu_evaluations)
    if not args.skip_gasearchcv:
        part_a_gasearchcv(args.cpu_evaluations)
    part_bc(args.evaluations)


if __name__ == "__main__":
    main()
