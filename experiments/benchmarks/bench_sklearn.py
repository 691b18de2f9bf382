"""EvolutionarySearchCV against RandomizedSearchCV and GASearchCV: wall time and best score.

    pip install -e ".[bench]"
    python experiments/benchmarks/bench_sklearn.py            # ~10 min on 2 cores

Two problems, each method given the same number of candidates and n_jobs=2:
- the GridSearchCV example: RandomForest, n_estimators x max_depth (a 16-point grid), cv=5,
  on breast cancer;
- SVC on digits: C and gamma log-uniform, kernel categorical (rbf/poly/sigmoid), cv=3.
Repeated over --seeds seeds; wall time includes worker start-up.
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np
import sklearn
from scipy import stats
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import RandomizedSearchCV
from sklearn.svm import SVC

import evotune as et
from evotune import EvolutionarySearchCV


def problems():
    X_bc, y_bc = load_breast_cancer(return_X_y=True)
    X_d, y_d = load_digits(return_X_y=True)
    X_d = X_d / 16.0
    rf_grid = {"n_estimators": [10, 50, 100, 200], "max_depth": [None, 10, 20, 30]}
    svc_space = {"C": stats.loguniform(1e-2, 1e3), "gamma": stats.loguniform(1e-5, 1e-1), "kernel": ["rbf", "poly", "sigmoid"]}
    return [
        ("RandomForest grid (16 points), breast cancer, cv=5", RandomForestClassifier, rf_grid, X_bc, y_bc, 5, 16),
        ("SVC (C, gamma log-uniform; kernel), digits, cv=3", SVC, svc_space, X_d, y_d, 3, 40),
    ]


def gasearch_space(space):
    from sklearn_genetic.space import Categorical, Continuous

    out = {}
    for name, spec in space.items():
        if isinstance(spec, list):  # the same grid points
            out[name] = Categorical(spec)
        else:
            low, high = spec.support()
            out[name] = Continuous(low, high, distribution="log-uniform")
    return out


def _distinct(search) -> int:
    """Distinct candidates evaluated (GASearchCV lists cached repeats again in cv_results_)."""
    return len({repr(sorted(p.items())) for p in search.cv_results_["params"]})


def run_evotune(model, space, X, y, cv, n, seed):
    search = EvolutionarySearchCV(model(random_state=seed) if model is RandomForestClassifier else model(),
                                  space, cv=cv, max_evaluations=n, n_jobs=2, random_state=seed)
    search.fit(X, y)
    return search.best_score_, _distinct(search)


def run_randomized(model, space, X, y, cv, n, seed):
    search = RandomizedSearchCV(model(random_state=seed) if model is RandomForestClassifier else model(),
                                space, cv=cv, n_iter=n, n_jobs=2, random_state=seed)
    search.fit(X, y)
    return search.best_score_, _distinct(search)


def run_gasearchcv(model, space, X, y, cv, n, seed):
    from sklearn_genetic import GASearchCV

    # its (mu + lambda) loop evaluates the population, then 2 x population per generation
    population = max(2, round(n / 3))
    search = GASearchCV(model(random_state=seed) if model is RandomForestClassifier else model(),
                        cv=cv, param_grid=gasearch_space(space), population_size=population,
                        generations=1, n_jobs=2, verbose=False)
    np.random.seed(seed)
    search.fit(X, y)
    return search.best_score_, _distinct(search)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--skip-gasearchcv", action="store_true")
    parser.add_argument("--problem", type=int, default=None, help="run only this problem (0 or 1)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    print(f"python {platform.python_version()}, evotune {et.__version__}, scikit-learn {sklearn.__version__}")
    methods = [("EvolutionarySearchCV", run_evotune), ("RandomizedSearchCV", run_randomized)]
    if not args.skip_gasearchcv:
        methods.append(("GASearchCV", run_gasearchcv))
    for index, (title, model, space, X, y, cv, n) in enumerate(problems()):
        if args.problem is not None and index != args.problem:
            continue
        print(f"\n{title}: {n} candidates, n_jobs=2, {args.seeds} seeds")
        rows = {}
        for name, fn in methods:
            times, scores, counts = [], [], []
            for seed in range(args.seeds):
                start = time.perf_counter()
                score, count = fn(model, space, X, y, cv, n, seed)
                times.append(time.perf_counter() - start)
                scores.append(score)
                counts.append(count)
            rows[name] = (np.mean(times), np.mean(scores), np.mean(counts))
        base = rows["RandomizedSearchCV"][0]
        print(f"    {'method':<22} {'distinct':>10} {'wall s':>8} {'x Randomized':>13} {'best score':>11}")
        for name, (seconds, score, count) in rows.items():
            print(f"    {name:<22} {count:>10.0f} {seconds:8.2f} {seconds / base:13.2f} {score:11.4f}")


if __name__ == "__main__":
    main()
