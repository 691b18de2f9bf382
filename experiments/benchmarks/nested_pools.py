"""An objective that runs its own pool (scikit-learn's ``n_jobs=2``) inside evotune's workers,
one evaluation timing out.

    time (python -m experiments.benchmarks.nested_pools 8 | cat)

The pipeline's time is how long the processes holding its stdout live: until 0.9.2 the pools
of stopped workers (joblib's loky workers, idle for 300 s before they exit) outlived the run.
"""

import collections
import sys
import time

from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

import evotune as et

X, y = load_digits(return_X_y=True)


def objective(p):
    if p["C"] > 5:
        time.sleep(1000)  # past the timeout
    return 1 - cross_val_score(SVC(C=p["C"]), X, y, cv=4, n_jobs=2).mean()


if __name__ == "__main__":
    start = time.time()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    result = et.optimize(objective, {"C": et.Float(0.01, 10, log=True)}, max_evaluations=n, seed=0, n_jobs=2, timeout=20)
    states = collections.Counter(t.state.value for t in result.trials)
    print(dict(states), round(result.best_value, 4), f"{time.time() - start:.1f} s", flush=True)
