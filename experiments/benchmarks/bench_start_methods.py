"""How workers start: fork against loky, with GNU OpenMP run in this process first.

    python -m experiments.benchmarks.bench_start_methods

Each case runs in a fresh interpreter. "openmp": this process fits a histogram gradient
boosting model (OpenMP threads run here), then optimize() runs 6 evaluations of one on
one worker with ``blas_threads=None`` and a 30 s timeout; the trials' states and the wall
time tell a hang (a timeout) from a run. "startup": 2 workers, 20 instant evaluations of an
objective that captures an array of ``--mb`` megabytes: what starting fresh costs
(interpreter, imports, the array's copy per worker) against forking.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

CASE = """
import json, sys, time
import numpy as np
import evotune as et
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingClassifier
case, method, mb = sys.argv[1], sys.argv[2], float(sys.argv[3])
method = None if method == "default" else method
if case == "openmp":
    X, y = load_digits(return_X_y=True)
    HistGradientBoostingClassifier(max_iter=10).fit(X, y)
    objective = lambda p: 1 - HistGradientBoostingClassifier(max_iter=p["n"]).fit(X, y).score(X, y)
    n, workers, threads = 6, 1, None
else:
    data = np.ones(int(mb * 2**20 / 8))
    objective = lambda p: p["n"] + data[0]
    n, workers, threads = 20, 2, 1
pool = et.ProcessPoolEvaluator(workers, blas_threads=threads, start_method=method, timeout=30)
start = time.perf_counter()
result = et.optimize(objective, {"n": et.Integer(2, 20)}, max_evaluations=n, seed=0, backend=pool)
pool.close()
states = [t.state.value for t in result.trials]
print(json.dumps({"seconds": round(time.perf_counter() - start, 2), "states": {s: states.count(s) for s in set(states)}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=200, help="size of the captured array in the startup case")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for case, methods in (("openmp", ("fork", "loky", "default")), ("startup", ("fork", "loky", "default"))):
        for method in methods:
            for _ in range(args.repeats):
                done = subprocess.run(
                    [sys.executable, "-c", CASE, case, method, str(args.mb)], capture_output=True, text=True
                )
                row = json.loads(done.stdout) if done.returncode == 0 else {"error": done.stderr[-300:]}
                print(json.dumps({"case": case, "start_method": method, **row}), flush=True)


if __name__ == "__main__":
    main()
