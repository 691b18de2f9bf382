"""Racing with several objectives: fold fits saved and front lost, accuracy against model size.

    pip install -e ".[bench]"
    python -m experiments.benchmarks.bench_racing_objectives                   # the table from its results
    python -m experiments.benchmarks.bench_racing_objectives --run --seeds 10  # run what is missing (~40 min)

Models whose size is a real trade-off, each with a wide space: a decision tree (depth, leaf size,
cost-complexity pruning; on wine, breast_cancer and digits), a random forest (2-64 trees, depth, features,
leaf size; wine and breast_cancer), an RBF SVM (C, gamma: its support vectors; wine, breast_cancer, digits),
standardised inputs, 10 fixed stratified folds, budget 128 candidates, one worker each.
EvolutionarySearchCV with ``scoring="accuracy", objectives=["accuracy", "model_size"]`` (the fitted
pipeline's pickled size in bytes): ``evotune`` runs every candidate on every fold, ``evotune-racing``
passes ``racing=True`` (a candidate stops once a trial of the population's front is shown better in both
objectives by paired t-tests on the same folds, at 95 % over the front, or once its first 2 folds fit the same
models as an earlier trial's), ``random`` evaluates 128 random candidates (the scale's anchor). Ablations:
``evotune-racing-0.14`` (a repeat told by its first 3 folds: release 0.14's racing), ``-unadjusted`` (below).

Score: the hypervolume of the front of a run's *complete* trials (their full 10-fold values; a stopped
candidate never counts), on losses (1 - accuracy; log10 of the size) scaled per problem from the best
value any run reached (0) to the worst on the front of every run's trials together (1), reference point
(1.1, 1.1), divided by that common front's (1 = every trade-off any run found). Paired by problem and seed.
"""

from __future__ import annotations

import math
import os
import pickle
import time
import warnings
from collections import defaultdict

import numpy as np

import evotune as et
from evotune import pareto

from .methods import _draw
from .run import bench_main

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results", "racing-objectives.jsonl")
METHODS = ("evotune", "evotune-racing", "random")
#: Ablation, scored against the main methods' common front: each front member tested at the full confidence
#: (no correction for their number).
ABLATIONS = ("evotune-racing-0.14", "evotune-racing-unadjusted")
BUDGET, FOLDS = 128, 10
SPACES = {
    "DT": {
        "max_depth": et.Integer(1, 20),
        "min_samples_leaf": et.Integer(1, 50, log=True),
        "ccp_alpha": et.Float(1e-5, 0.1, log=True),
        "criterion": ["gini", "entropy"],
    },
    "RF": {
        "n_estimators": et.Integer(2, 64, log=True),
        "max_depth": et.Integer(1, 16),
        "max_features": et.Float(0.05, 1.0, log=True),
        "min_samples_leaf": et.Integer(1, 32, log=True),
    },
    "SVM": {"C": et.Float(1e-2, 1e3, log=True), "gamma": et.Float(1e-5, 1.0, log=True)},
}


def problems() -> list[str]:
    return [
        f"{model}-{data}"
        for data in ("wine", "breast_cancer", "digits")
        for model in SPACES
        if (model, data) != ("RF", "digits")
    ]  # left out for time


class Problem:
    """A model after a scaler in a pipeline, its space (names prefixed with the step's), 10 fixed folds."""

    def __init__(self, name: str):
        from sklearn import datasets
        from sklearn.ensemble import RandomForestClassifier
        from sklearn.model_selection import StratifiedKFold
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler
        from sklearn.svm import SVC
        from sklearn.tree import DecisionTreeClassifier

        model, data = name.split("-", 1)
        make = {
            "DT": DecisionTreeClassifier(random_state=0),
            "RF": RandomForestClassifier(random_state=0),
            "SVM": SVC(),
        }[model]
        self.X, self.y = getattr(datasets, f"load_{data}")(return_X_y=True)
        self.pipeline = Pipeline([("scale", StandardScaler()), ("model", make)])
        self.space = {f"model__{k}": v for k, v in SPACES[model].items()}
        self.cv = list(StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(self.X, self.y))
        self.scoring = "accuracy"

    @staticmethod
    def loss(score: float) -> float:
        return 1.0 - score


class Unadjusted(et.Racing):
    """Racing that tests each member of the front at the full confidence (no correction for their number)."""

    def dominator(self, losses, reference, pool=None):
        return next(
            (
                i
                for i, member in enumerate(reference)
                if super().dominator(losses, (member,), pool) is not None
            ),
            None,
        )


def run_evotune(problem: Problem, seed: int, method: str) -> dict:
    racing = None
    if "racing" in method:  # evotune-racing, evotune-racing-0.14, evotune-racing-unadjusted
        # before 0.15 a repeat was told by its first 3 folds (repeat_parts=3); -0.14's rows were run as evotune-racing
        racing = (Unadjusted if "-unadjusted" in method else et.Racing)(
            repeat_parts=2 if method == "evotune-racing" else 3)
    search = et.EvolutionarySearchCV(
        problem.pipeline,
        problem.space,
        cv=problem.cv,
        scoring=problem.scoring,
        objectives=["accuracy", "model_size"],
        max_evaluations=BUDGET,
        random_state=seed,
        n_jobs=1,
        racing=racing,
    )
    search.fit(problem.X, problem.y)
    trials = search.trials_
    points = [[problem.loss(t.values[0]), math.log10(t.values[1])] if t.ok else None for t in trials]
    return {
        "points": points,
        "fits": sum(len(t.parts) if t.parts is not None else FOLDS for t in trials),
        "pruned": sum(t.state == "pruned" for t in trials),
    }


def run_random(problem: Problem, seed: int) -> dict:
    from sklearn.base import clone
    from sklearn.metrics import get_scorer

    rng, space, scorer = np.random.default_rng(seed), et.Space(problem.space), get_scorer(problem.scoring)
    points = []
    for _ in range(BUDGET):
        params = {k: _draw(p, rng) for k, p in space.items()}
        scores, sizes = [], []
        for train, test in problem.cv:
            model = clone(problem.pipeline).set_params(**params)
            try:
                model.fit(problem.X[train], problem.y[train])
                scores.append(float(scorer(model, problem.X[test], problem.y[test])))
                sizes.append(len(pickle.dumps(model)))
            except Exception:
                scores.append(math.nan)
        ok = all(math.isfinite(s) for s in scores)
        points.append([problem.loss(float(np.mean(scores))), math.log10(np.mean(sizes))] if ok else None)
    return {"points": points, "fits": BUDGET * FOLDS, "pruned": 0}


def run_job(name: str, method: str, seed: int) -> dict:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    problem, start = Problem(name), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = run_random(problem, seed) if method == "random" else run_evotune(problem, seed, method)
    return {"problem": name, "method": method, "seed": seed, **out, "seconds": time.perf_counter() - start}


def scores(rows: list[dict]) -> dict[tuple[str, int], dict[str, float]]:
    """(problem, seed) -> method -> the normalised hypervolume of its complete trials' front (see the module
    docstring), for the pairs every method finished."""
    by = defaultdict(dict)
    for r in rows:
        by[(r["problem"], r["seed"])][r["method"]] = r
    done = {k: d for k, d in by.items() if all(m in d for m in METHODS)}
    out: dict[tuple[str, int], dict[str, float]] = defaultdict(dict)
    for problem in {p for p, _ in done}:
        pairs = {seed: d for (p, seed), d in done.items() if p == problem}
        points = np.array(
            [pt for d in pairs.values() for m in METHODS for pt in d[m]["points"] if pt is not None]
        )
        low, high = points.min(axis=0), points[pareto.nondominated(points)].max(axis=0)

        def volume(pts: np.ndarray) -> float:
            scaled = (pts - low) / np.maximum(high - low, 1e-12)
            return pareto.hypervolume(scaled[pareto.nondominated(scaled)], [1.1, 1.1])

        best = volume(points)
        for seed, d in pairs.items():
            for m, r in d.items():
                out[(problem, seed)][m] = (
                    volume(np.array([pt for pt in r["points"] if pt is not None])) / best
                )
    return dict(out)


def table(rows: list[dict]) -> str:
    """Per method, over the (problem, seed) pairs it ran (an ablation: perhaps a few problems): mean
    hypervolume, the paired difference from evotune, fold fits and time against evotune's on the same
    pairs; then per problem."""
    hv = scores(rows)
    if not hv:
        return ""
    by = {(r["problem"], r["seed"], r["method"]): r for r in rows}
    shown = METHODS + tuple(m for m in ABLATIONS if any(m in d for d in hv.values()))
    lines = [
        f"{len(hv)} (problem, seed) pairs, {len({p for p, _ in hv})} problems, budget {BUDGET}, cv={FOLDS}",
        "",
        "| method | pairs | hypervolume | vs evotune (paired, ± s.e.) | fold fits vs evotune "
        "| time vs evotune |",
        "|---|---|---|---|---|---|",
    ]

    def ratio(key: str, m: str, pairs: list) -> float:
        return sum(by[(*k, m)][key] for k in pairs) / sum(by[(*k, "evotune")][key] for k in pairs)

    for m in shown:
        pairs = [k for k, d in hv.items() if m in d]
        differences = np.array([hv[k][m] - hv[k]["evotune"] for k in pairs])
        lines.append(
            f"| {m} | {len(pairs)} | {np.mean([hv[k][m] for k in pairs]):.3f} | {differences.mean():+.3f} "
            f"± {differences.std() / math.sqrt(len(differences)):.3f} | {ratio('fits', m, pairs):.3f} | "
            f"{ratio('seconds', m, pairs):.2f} |"
        )
    lines += [
        "",
        "| problem | " + " | ".join(shown) + " | racing's fold fits |",
        "|---|" + "---|" * (len(shown) + 1),
    ]
    for problem in problems():
        pairs = [k for k in hv if k[0] == problem]
        if pairs:
            cells = [
                f"{np.mean([hv[k][m] for k in pairs if m in hv[k]]):.3f}"
                if any(m in hv[k] for k in pairs)
                else "—"
                for m in shown
            ]
            lines.append(
                f"| {problem} | " + " | ".join(cells) + f" | {ratio('fits', 'evotune-racing', pairs):.2f} |"
            )
    return "\n".join(lines)


def _line(row: dict) -> str:
    return (f"{row['problem']} {row['method']} {row['seed']}: {row['fits']} fits, {row['pruned']} pruned, "
            f"{row['seconds']:.0f} s")


def main() -> None:
    rows = bench_main(
        __doc__, run_job, problems=problems(), methods=METHODS, seeds=5, results=RESULTS, line=_line
    )
    print(table(rows))


if __name__ == "__main__":
    main()
