"""The trials of a fixed set of searches, as JSON: run it at two commits and compare the outputs to show
that a change leaves the search as it was ("the benchmark scores do not drop" by construction).

    git worktree add /tmp/before <commit>
    PYTHONPATH=/tmp/before python experiments/benchmarks/same_trials.py > /tmp/before.json
    python experiments/benchmarks/same_trials.py > /tmp/after.json && cmp /tmp/before.json /tmp/after.json

Run as a file (not with -m, which would put this checkout's evotune first): the engine comes from
PYTHONPATH, else from the installed evotune; the problems from tests/ and experiments/.
Single objective: 120 trials of the mixed problem, 80 of a conditional SVC space with an initial point, a
24-candidate EvolutionarySearchCV on digits; ``--several``: the multi-objective benchmark's ZDT1/ZDT3/DTLZ2
(with and without surrogate), a 2,000-evaluation ask/tell run and a constrained run.
"""

from __future__ import annotations

import json
import math
import os
import sys
import warnings

import evotune as et

sys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))  # after the engine


def single() -> dict:
    from sklearn.datasets import load_digits
    from sklearn.svm import SVC

    from tests.mixed_problem import SPACE, objective

    out = {"mixed": [[repr(sorted(t.params.items())), t.value]
                     for t in et.optimize(objective, SPACE, max_evaluations=120, seed=5).trials]}
    conditional = {"kernel": ["linear", "rbf", "poly"], "C": et.Float(1e-2, 1e3, log=True),
                   "gamma": et.Float(1e-5, 1e-1, log=True).when(kernel=["rbf", "poly"]),
                   "degree": et.Integer(2, 5).when(kernel="poly")}

    def bowl(p):
        return (math.log10(p["C"]) - 1) ** 2 + (math.log10(p.get("gamma", 1e-2)) + 2) ** 2 + abs(p.get("degree", 3) - 3)

    result = et.optimize(bowl, conditional, max_evaluations=80, seed=1, initial_points=[{"kernel": "poly", "C": 1.0}])
    out["conditional"] = [[repr(sorted(t.params.items())), t.value] for t in result.trials]
    X, y = load_digits(return_X_y=True)
    search = et.EvolutionarySearchCV(SVC(), {"C": et.Float(1e-2, 1e3, log=True), "gamma": et.Float(1e-5, 1e-1, log=True),
                                             "kernel": ["rbf", "poly"]},
                                     cv=3, max_evaluations=24, random_state=0, n_jobs=2).fit(X[:600], y[:600])
    out["sklearn"] = [[repr(sorted(p.items())), v] for p, v in
                      zip(search.cv_results_["params"], search.cv_results_["mean_test_score"].tolist())]
    return out


def several() -> dict:
    from experiments.benchmarks.bench_multiobjective import make, run_evotune
    from experiments.benchmarks.bench_overhead import SPACE, trivial

    out = {}
    for name in ("ZDT1", "ZDT3", "DTLZ2"):
        out[name] = run_evotune(make(name), 150, 1)
        out[name + "-ga"] = run_evotune(make(name), 600, 2, surrogate=None)

    def two(p):
        return trivial(p), (p["f0"] - 1) ** 2 + p["n0"]

    evolution = et.Evolution(SPACE, directions=["minimize", "minimize"], population_size=50, surrogate=None, seed=0,
                             max_evaluations=2000)
    while evolution.n_told < 2000:
        batch = evolution.ask()
        evolution.tell(batch, [two(c.params) for c in batch])
    out["ask-tell"] = [list(t.values) for t in evolution.result().trials]
    result = et.optimize(lambda p: (p["f0"], (p["f0"] - 1) ** 2), SPACE, directions=["minimize", "minimize"],
                         max_evaluations=200, seed=4, constraints=lambda p, v, i: [p["n0"] - 5])
    out["constrained"] = [list(t.values) for t in result.trials]
    return out


def main() -> None:
    warnings.simplefilter("ignore")
    print(f"evotune {et.__version__} from {os.path.dirname(et.__file__)}", file=sys.stderr)
    print(json.dumps(several() if "--several" in sys.argv else single(), default=str))


if __name__ == "__main__":
    main()
