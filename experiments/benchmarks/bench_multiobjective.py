"""Several objectives: evotune's Pareto search against Optuna NSGA-II, Optuna TPE and random search.

    pip install -e ".[bench]"
    python -m experiments.benchmarks.bench_multiobjective                     # the tables from results/multiobjective.jsonl
    python -m experiments.benchmarks.bench_multiobjective --run --seeds 5     # run what is missing (resumable)
    python -m experiments.benchmarks.bench_multiobjective --overhead          # engine time per evaluation

Problems (each ``name@budget``):
- mixed-variable test functions, budgets 200 and 1,000: ZDT1, ZDT2, ZDT3 (10 variables: ``x0`` a float,
  then 5 floats, 2 integers 0..10 read as tenths and 2 categoricals over {0, .25, .5, .75, 1} in a
  shuffled order; the front needs every other variable at 0), ZDT1-shifted (the same, each other
  variable best at a value inside its range) and DTLZ2 with 3 objectives (7 variables: 2 floats on
  the front, then 3 floats, an integer 0..10 and a categorical, 0.5 optimal);
- model problems, budget 128 (and 64: the first 64 trials of those runs), 3-fold cross-validation
  on fixed folds, (1 - accuracy, a cost): ``RF-digits`` (log10 of the forest's nodes: its size),
  ``HGB-breast_cancer`` (log10 of iterations x leaves), ``SVC-digits`` (number of support vectors
  / 100: prediction cost); ``MLP-digits`` (log10 of the weights) with ``--problems MLP-digits@128``.
Methods: ``evotune`` (``directions=[...]``, defaults), ``optuna-nsga2`` (NSGAIISampler, population
as the single-objective suite gives it: about 1.5 sqrt(budget), in [8, 50]), ``optuna-tpe``
(TPESampler, multi-objective), ``random``. Ablations: ``evotune-ga`` (``surrogate=None``),
``evotune-front-oversample-4`` (the default of release 0.4: 4 children ranked per evaluation, not 8),
``evotune-keep-extremes`` (``keep_extremes=True``: survival as release 0.9 made it, which kept each front's
extremes first with three objectives too; the DTLZ2 rows of 0.9's ``evotune``, identical trial for trial),
``evotune-front-scale-ranks`` (``GaussianProcessSurrogate(front_scale="ranks")``: each objective's model
fitted to the normal scores of its ranks, as release 0.12 and earlier did; their ``evotune`` rows, identical
trial for trial in one environment), ``evotune-population-8`` (``population_size=8``: a population and
generation of 8 at every budget, where the default is 6), ``evotune-population-by-budget`` (sized as with one
objective, the default until release 0.16: 8 at 64, 11 at 128, 12 from 133; 0.16's ``evotune`` rows, identical
trial for trial), ``evotune-front-min-trials-8`` (``GaussianProcessSurrogate(front_min_trials=8)``: the
model used from 8 trials on, as with one objective, release 0.17's default; its ``evotune`` rows, identical
trial for trial), ``evotune-front-min-trials-N`` for other N. The ablations that reproduce a release before
0.18 (0.9's, 0.12's, 0.16's) use its model from 8 trials too.

Score: the hypervolume of the front of every trial a run evaluated, against a fixed reference
point per problem, divided by the true front's (test functions) or by the best any run reached
(model problems); also at 10 %, 20 %, ... of the budget, to see when a method reaches NSGA-II's
final hypervolume.
"""

from __future__ import annotations

import math
import os
import sys
import time
import warnings
from collections import defaultdict

import numpy as np

import evotune as et
from evotune import pareto

from .methods import _draw, _population, suggest
from .run import bench_main

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results", "multiobjective.jsonl")
METHODS = ("evotune", "optuna-nsga2", "optuna-tpe", "random")
ABLATIONS = ("evotune-ga", "evotune-front-oversample-4", "evotune-keep-extremes", "evotune-population-8",
             "evotune-front-scale-ranks", "evotune-population-by-budget", "evotune-front-min-trials-8")
SYNTHETIC = ("ZDT1", "ZDT2", "ZDT3", "DTLZ2", "ZDT1-shifted")
#: ZDT1-shifted: the distance variables' optimum inside their ranges (ZDT's is at their lower bound, which
#: evotune's mutation, jumping to a bound a quarter of the time, finds at once)
_SHIFT = np.array([0.3, 0.7, 0.45, 0.6, 0.35, 0.5, 0.7, 0.25, 0.75])
MODELS = ("RF-digits", "MLP-digits", "HGB-breast_cancer", "SVC-digits")
#: Model problems run at budget 128; their budget-64 score is that of the first 64 trials of the same runs
#: (evotune's are those of a run of 64: its population does not depend on the budget; NSGA-II's is sized for
#: 128). MLP-digits (the slowest) on request.
PROBLEMS = tuple(f"{p}@{b}" for p in SYNTHETIC for b in (200, 1000)) + tuple(f"{p}@128" for p in MODELS[::-1] if p != "MLP-digits")
#: The model used from 8 trials, as with one objective: the ablations reproducing a release before 0.18 add it
BEFORE_0_18 = {"surrogate": et.GaussianProcessSurrogate(front_min_trials=None)}
_LEVELS = [0.0, 0.25, 0.5, 0.75, 1.0]
_ORDER = [2, 0, 4, 1, 3]  # categorical choices listed out of order: index 0 is not the optimum


class TestFunction:
    """A mixed-variable ZDT or DTLZ2 function; its true front is known."""

    def __init__(self, name: str):
        self.name = name
        categorical = et.Categorical([_LEVELS[i] for i in _ORDER])
        if name == "DTLZ2":
            self.space = {**{f"x{i}": et.Float(0, 1) for i in range(5)}, "n5": et.Integer(0, 10), "c6": categorical}
            self.directions, self.reference = ["minimize"] * 3, [1.1, 1.1, 1.1]
        else:
            self.space = {**{f"x{i}": et.Float(0, 1) for i in range(6)}, "n6": et.Integer(0, 10),
                          "n7": et.Integer(0, 10), "c8": categorical,
                          "c9": et.Categorical([_LEVELS[i] for i in _ORDER[::-1]])}
            self.directions, self.reference = ["minimize"] * 2, [1.1, 1.1]
        self.normaliser = pareto.hypervolume(self.true_front(), self.reference)

    def objective(self, params: dict) -> tuple[float, ...]:
        x = np.array([params[k] / 10 if k.startswith("n") else params[k] for k in self.space], dtype=float)
        if self.name == "DTLZ2":
            g = float(np.sum((x[2:] - 0.5) ** 2))
            a, b = x[0] * math.pi / 2, x[1] * math.pi / 2
            return ((1 + g) * math.cos(a) * math.cos(b), (1 + g) * math.cos(a) * math.sin(b), (1 + g) * math.sin(a))
        rest = np.abs(x[1:] - _SHIFT) / np.maximum(_SHIFT, 1 - _SHIFT) if self.name == "ZDT1-shifted" else x[1:]
        f1, g = x[0], 1 + 9 * float(np.mean(rest))
        h = {"ZDT1": 1 - math.sqrt(f1 / g), "ZDT1-shifted": 1 - math.sqrt(f1 / g), "ZDT2": 1 - (f1 / g) ** 2,
             "ZDT3": 1 - math.sqrt(f1 / g) - f1 / g * math.sin(10 * math.pi * f1)}[self.name]
        return f1, g * h

    def true_front(self) -> np.ndarray:
        if self.name == "DTLZ2":
            a, b = np.meshgrid(np.linspace(0, math.pi / 2, 300), np.linspace(0, math.pi / 2, 300))
            points = np.stack([np.cos(a) * np.cos(b), np.cos(a) * np.sin(b), np.sin(a)], axis=-1).reshape(-1, 3)
        else:
            f1 = np.linspace(0, 1, 20001)
            f2 = {"ZDT1": 1 - np.sqrt(f1), "ZDT1-shifted": 1 - np.sqrt(f1), "ZDT2": 1 - f1**2,
                  "ZDT3": 1 - np.sqrt(f1) - f1 * np.sin(10 * math.pi * f1)}[self.name]
            points = np.stack([f1, f2], axis=1)
        return points[pareto.nondominated(points)]


class ModelProblem:
    """A scikit-learn model on a bundled dataset: (1 - accuracy, a cost), 3-fold cross-validation."""

    def __init__(self, name: str):
        from sklearn.datasets import load_breast_cancer, load_digits
        from sklearn.model_selection import StratifiedKFold
        from sklearn.preprocessing import StandardScaler

        self.name = name
        self.X, self.y = (load_breast_cancer if name.endswith("breast_cancer") else load_digits)(return_X_y=True)
        self.X = StandardScaler().fit_transform(self.X)
        self.cv = list(StratifiedKFold(3, shuffle=True, random_state=0).split(self.X, self.y))
        self.directions, self.normaliser = ["minimize", "minimize"], None
        if name == "RF-digits":
            self.space = {"n_estimators": et.Integer(4, 128, log=True), "max_depth": et.Integer(2, 32, log=True),
                          "max_features": et.Float(0.02, 1.0, log=True), "min_samples_leaf": et.Integer(1, 32, log=True),
                          "criterion": ["gini", "entropy"]}
            self.reference = [1.0, 5.5]
        elif name == "MLP-digits":
            self.space = {"hidden_layer_sizes": et.Integer(2, 256, log=True), "alpha": et.Float(1e-6, 1.0, log=True),
                          "learning_rate_init": et.Float(1e-4, 1e-1, log=True), "activation": ["relu", "tanh"]}
            self.reference = [1.0, 5.0]
        elif name == "HGB-breast_cancer":
            self.space = {"max_iter": et.Integer(5, 100, log=True), "max_leaf_nodes": et.Integer(2, 32, log=True),
                          "learning_rate": et.Float(1e-3, 1.0, log=True), "l2_regularization": et.Float(1e-4, 10, log=True)}
            self.reference = [1.0, 4.0]
        else:
            self.space = {"C": et.Float(1e-2, 1e3, log=True), "gamma": et.Float(1e-5, 1.0, log=True),
                          "kernel": ["rbf", "poly", "sigmoid"]}
            self.reference = [1.0, 13.0]

    def objective(self, params: dict) -> tuple[float, float]:
        from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
        from sklearn.neural_network import MLPClassifier
        from sklearn.svm import SVC

        errors, costs = [], []
        for train, test in self.cv:
            X, y = self.X[train], self.y[train]
            if self.name == "RF-digits":
                model = RandomForestClassifier(random_state=0, **params).fit(X, y)
                cost = math.log10(sum(t.tree_.node_count for t in model.estimators_))
            elif self.name == "MLP-digits":
                model = MLPClassifier(max_iter=60, random_state=0, **params).fit(X, y)
                cost = math.log10(sum(w.size + b.size for w, b in zip(model.coefs_, model.intercepts_)))
            elif self.name == "HGB-breast_cancer":
                model = HistGradientBoostingClassifier(early_stopping=False, random_state=0, **params).fit(X, y)
                cost = math.log10(params["max_iter"] * params["max_leaf_nodes"])
            else:
                model = SVC(**params).fit(X, y)
                cost = len(model.support_) / 100
            errors.append(1 - model.score(self.X[test], self.y[test]))
            costs.append(cost)
        return float(np.mean(errors)), float(np.mean(costs))


def make(name: str):
    base = name.split("@")[0]
    return TestFunction(base) if base in SYNTHETIC else ModelProblem(base)


# -- methods: each returns the objective vectors of its trials, in evaluation order (None: failed) --------------
def run_evotune(problem, budget: int, seed: int, **settings) -> list:
    result = et.optimize(problem.objective, problem.space, directions=problem.directions, max_evaluations=budget,
                         seed=seed, **settings)
    return [list(t.values) if t.ok else None for t in result.trials]


def run_random(problem, budget: int, seed: int) -> list:
    rng, space = np.random.default_rng(seed), et.Space(problem.space)
    return [list(problem.objective({k: _draw(p, rng) for k, p in space.items()})) for _ in range(budget)]


def run_optuna(problem, budget: int, seed: int, sampler) -> list:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = optuna.create_study(directions=problem.directions, sampler=sampler)
    study.optimize(lambda trial: problem.objective(suggest(trial, problem.space)), n_trials=budget)
    return [list(t.values) if t.values is not None else None for t in study.trials]


def run_job(name: str, method: str, seed: int) -> dict:
    import optuna
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    problem, budget, start = make(name), int(name.split("@")[1]), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "evotune":
            values = run_evotune(problem, budget, seed)
        elif method == "evotune-keep-extremes":  # ablation: 0.9's survival (from three objectives too)
            values = run_evotune(problem, budget, seed, keep_extremes=True, **BEFORE_0_18)
        elif method == "evotune-population-by-budget":  # ablation: sized as with one objective (0.16)
            values = run_evotune(problem, budget, seed, population_size=et.default_population_size(budget),
                                 **BEFORE_0_18)
        elif method.startswith("evotune-population-"):  # ablation: the population (and generation) size
            values = run_evotune(problem, budget, seed, population_size=int(method.rsplit("-", 1)[1]))
        elif method.startswith("evotune-front-min-trials-"):  # ablation: trials the model waits for (0.17: 8)
            surrogate = et.GaussianProcessSurrogate(front_min_trials=int(method.rsplit("-", 1)[1]))
            values = run_evotune(problem, budget, seed, surrogate=surrogate)
        elif method == "evotune-ga":
            values = run_evotune(problem, budget, seed, surrogate=None)
        elif method.startswith("evotune-front-oversample-"):  # ablation: children ranked per evaluation (0.4: 4)
            surrogate = et.GaussianProcessSurrogate(front_oversample=int(method.rsplit("-", 1)[1]))
            values = run_evotune(problem, budget, seed, surrogate=surrogate)
        elif method == "evotune-front-scale-ranks":  # ablation: each objective's model on its ranks (0.12's)
            ranks = et.GaussianProcessSurrogate(front_scale="ranks", front_min_trials=None)
            values = run_evotune(problem, budget, seed, surrogate=ranks)
        elif method == "random":
            values = run_random(problem, budget, seed)
        elif method == "optuna-nsga2":
            population = _population(budget, 1.5, 50)
            values = run_optuna(problem, budget, seed, optuna.samplers.NSGAIISampler(population_size=population, seed=seed))
        else:
            values = run_optuna(problem, budget, seed, optuna.samplers.TPESampler(seed=seed))
    return {"problem": name, "method": method, "seed": seed, "seconds": time.perf_counter() - start, "values": values}


# -- scores -------------------------------------------------------------------------------------------------
def hypervolume(problem, values: list, n: int | None = None) -> float:
    points = np.array([v for v in values[:n] if v is not None], dtype=float).reshape(-1, len(problem.directions))
    return pareto.hypervolume(points[pareto.nondominated(points)], problem.reference) if len(points) else 0.0


def table(rows: list[dict]) -> str:
    """Mean normalised hypervolume per problem and method; mean ranks among the main methods (ablations
    shown where they ran, not ranked); when evotune reaches NSGA-II's final hypervolume."""
    by = defaultdict(dict)
    for r in rows:
        by[(r["problem"], r["seed"])][r["method"]] = r
    done = {k: d for k, d in by.items() if all(m in d for m in METHODS)}
    shown = list(METHODS) + [m for m in ABLATIONS if any(m in d for d in done.values())]
    problems, scores = {}, defaultdict(dict)  # (problem, seed) -> method -> hypervolume per tenth of the budget
    for (name, seed), d in done.items():
        problem = problems.setdefault(name, make(name))
        budget = int(name.split("@")[1])
        for m in [m for m in shown if m in d]:
            scores[(name, seed)][m] = [hypervolume(problem, d[m]["values"], round(budget * k / 10)) for k in range(1, 11)]
            if name.split("@")[0] in MODELS:  # the first half of the runs: budget 64
                scores[(name.replace("@128", "@64"), seed)][m] = [
                    hypervolume(problem, d[m]["values"], round(budget * k / 20)) for k in range(1, 11)]
    bases = {name.split("@")[0]: problem for name, problem in problems.items()}
    for base, problem in bases.items():  # model problems: normalised by the best any run reached
        best = problem.normaliser or max(s[-1] for (p, _), d in scores.items() if p.split("@")[0] == base
                                         for s in d.values())
        for (p, _), d in scores.items():
            if p.split("@")[0] == base:
                for m in d:
                    d[m] = [v / best for v in d[m]]
    lines = ["| problem | budget | seeds | " + " | ".join(shown) + " |", "|---|---|---|" + "---|" * len(shown)]
    ranks = defaultdict(list)  # (small or large budget, method) -> ranks among METHODS
    names = PROBLEMS + tuple(p.replace("@128", "@64") for p in PROBLEMS if p.split("@")[0] in MODELS)
    for name in names:
        pairs = [d for (p, _), d in scores.items() if p == name]
        if not pairs:
            continue
        cells = [f"{np.mean([d[m][-1] for d in pairs]):.3f}" if all(m in d for d in pairs) else "—" for m in shown]
        lines.append(f"| {name.split('@')[0]} | {name.split('@')[1]} | {len(pairs)} | " + " | ".join(cells) + " |")
        kind = "small" if int(name.split("@")[1]) in (64, 200) else "large"
        for d in pairs:
            order = sorted(METHODS, key=lambda m: -d[m][-1])
            for m in METHODS:
                ranks[(kind, m)].append(order.index(m) + 1)
    lines += ["", "Mean rank among " + ", ".join(METHODS) + " (1 = best), budgets 200/64 and 1,000/128:", ""]
    for m in METHODS:
        lines.append(f"- {m}: {np.mean(ranks[('small', m)]):.2f} / {np.mean(ranks[('large', m)]):.2f}")
    reached = [next(((k + 1) / 10 for k, v in enumerate(d["evotune"]) if v >= d["optuna-nsga2"][-1] - 1e-12), math.inf)
               for d in scores.values()]
    lines += ["", f"evotune reached NSGA-II's final hypervolume within half the budget in "
                  f"{sum(r <= 0.5 for r in reached)} of {len(reached)} runs (median share of the budget: "
                  f"{np.median(reached):.1f}; never: {sum(not math.isfinite(r) for r in reached)})."]
    per_problem = defaultdict(list)  # the same on each problem's means over its seeds
    for (name, _), d in scores.items():
        per_problem[name].append(d)
    missed = [f"{name} ({np.mean([d['evotune'][4] for d in ds]):.3f} against "
              f"{np.mean([d['optuna-nsga2'][-1] for d in ds]):.3f})" for name, ds in per_problem.items()
              if np.mean([d["evotune"][4] for d in ds]) < np.mean([d["optuna-nsga2"][-1] for d in ds])]
    lines += ["", "On the means over seeds: evotune's hypervolume at half the budget reaches NSGA-II's final "
                  f"one on {len(per_problem) - len(missed)} of {len(per_problem)} problems; not on "
                  + (", ".join(missed) or "none") + "."]
    return "\n".join(lines)


def overhead(n: int = 5000, population: int = 50) -> str:
    """Engine time per evaluation on a trivial two-objective function, bench_overhead.py's protocol (its
    10-gene mixed space, 5,000 evaluations, population 50, evotune's best of 3 runs): evotune's ask/tell
    loop without surrogate against Optuna's NSGA-II sampler."""
    import optuna

    from .bench_overhead import SPACE, trivial

    optuna.logging.set_verbosity(optuna.logging.ERROR)

    def f(p):
        return trivial(p), (p["f0"] - 1) ** 2 + p["n0"]

    times = []
    for _ in range(3):  # the best of 3, as bench_overhead.py times evotune (Optuna: one run)
        start = time.perf_counter()
        evolution = et.Evolution(SPACE, directions=["minimize", "minimize"], population_size=population,
                                 surrogate=None, seed=0, max_evaluations=n)
        while evolution.n_told < n:
            batch = evolution.ask()
            evolution.tell(batch, [f(c.params) for c in batch])
        times.append((time.perf_counter() - start) / n)
    ours = min(times)
    start = time.perf_counter()
    study = optuna.create_study(directions=["minimize", "minimize"],
                                sampler=optuna.samplers.NSGAIISampler(population_size=population, seed=0))
    study.optimize(lambda trial: f(suggest(trial, SPACE)), n_trials=n)
    theirs = (time.perf_counter() - start) / n
    return (f"{n} evaluations, population {population}: evotune (Evolution, surrogate=None) {ours * 1e3:.3f} ms per "
            f"evaluation, Optuna NSGA-II {theirs * 1e3:.3f} ms: {theirs / ours:.1f}x")


def _line(row: dict) -> str:
    return f"{row['problem']} {row['method']} {row['seed']}: {len(row['values'])} trials, {row['seconds']:.0f} s"


def main() -> None:
    if "--overhead" in sys.argv:
        print(overhead())
        return
    rows = bench_main(__doc__, run_job, problems=list(PROBLEMS), methods=METHODS, seeds=5, results=RESULTS, line=_line)
    print(table(rows))


if __name__ == "__main__":
    main()
