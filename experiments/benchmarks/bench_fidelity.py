"""Multi-fidelity: evotune with a Fidelity against evotune at full budget and the peers, at equal wall time.

    pip install -e ".[bench]"
    python -m experiments.benchmarks.bench_fidelity                       # the table from results/fidelity.jsonl
    python -m experiments.benchmarks.bench_fidelity --run --seeds 5       # run what is missing (resumable)

Problems with a natural budget, each scored by 3-fold cross-validation on fixed folds (loss: 1 - accuracy):
- ``HGB-digits``: HistGradientBoostingClassifier, budget = boosting iterations (3 .. 81);
- ``MLP-digits``: MLPClassifier (adam), budget = epochs of ``partial_fit`` (1 .. 27);
- ``SVC-digits-samples``: SVC, budget = the share of each training fold used (1/27 .. 1);
- ``SGD-digits``: SGDClassifier (logistic loss, elastic net, ``invscaling`` learning rate), budget = epochs
  (1 .. 27), one ``partial_fit`` per epoch.
A model trained on from a smaller budget (``warm_start=True`` for the boosting, ``partial_fit`` for the
MLP and the SGD) is the model trained anew at the larger one, so every method scores the same function; the
SVC is trained anew at each share of the data.

Every method gets the same wall time (``--seconds``, one worker each; two jobs run at once):
- ``evotune``: every candidate at the full budget;
- ``evotune-fidelity``: ``fidelity=et.Fidelity(min, max, eta=3, screen=1)`` (0.22's default: the first
  generation runs every budget), the objective a generator that trains on;
- ``evotune-fidelity-screen-3``: the same with ``screen=3`` (0.23's default in a run of unknown length): the
  first generation screens three times the population at the smallest budget, the best go on;
- ``optuna-hyperband``: Optuna TPE with HyperbandPruner, the same budgets reported as training goes on;
- ``dehb``: DEHB 0.1 (differential evolution over Hyperband brackets; the same budgets, each trained anew:
  its objective takes a configuration and a fidelity);
- ``random``: random candidates at the full budget.
``halving`` (scikit-learn's HalvingRandomSearchCV, factor 3, the same budgets as its resource, each
trained anew by ``fit``) runs to its end and reports its own time. The result is the full-budget loss
of the best candidate each method returns, and when (seconds) it was found.
Ablations: ``evotune-fidelity-anew`` and ``optuna-hyperband-anew`` train anew at each budget
(``objective(params, budget)``); ``evotune-fidelity-share-0.5`` and ``evotune-fidelity-halving``: ``share=0.5``
and ``share=1/eta`` (successive halving's rule). Any evotune method with ``-believer`` appended picks a
generation's children one by one (``GaussianProcessSurrogate(believer=True)``, as in a space with conditions).
Rows of release 0.5 (its MLP trained by ``fit(max_iter=budget)``, methods trained anew) are in
results/fidelity-0.5.jsonl.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from collections import defaultdict

import numpy as np

import evotune as et

from .methods import _draw, suggest
from .run import bench_main

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results", "fidelity.jsonl")
METHODS = ("evotune", "evotune-fidelity", "evotune-fidelity-screen-3", "optuna-hyperband", "dehb", "random",
           "halving")
#: Ablations: trained anew at each budget; ``share=1/eta`` (successive halving's rule) in place of
#: ``share=1.0``; screens of 2 and 6 times the population in place of 3.
ABLATIONS = ("evotune-fidelity-anew", "optuna-hyperband-anew", "evotune-fidelity-share-0.5",
             "evotune-fidelity-halving", "evotune-fidelity-screen-2", "evotune-fidelity-screen-6")
PROBLEMS = ("HGB-digits", "MLP-digits", "SVC-digits-samples", "SGD-digits")


class Problem:
    def __init__(self, name: str):
        from sklearn.datasets import load_digits
        from sklearn.model_selection import StratifiedKFold
        from sklearn.preprocessing import StandardScaler

        self.name = name
        self.X, self.y = load_digits(return_X_y=True)
        self.X = StandardScaler().fit_transform(self.X)
        self.cv = list(StratifiedKFold(3, shuffle=True, random_state=0).split(self.X, self.y))
        if name == "HGB-digits":
            self.space = {"learning_rate": et.Float(1e-3, 1.0, log=True), "max_leaf_nodes": et.Integer(4, 64, log=True),
                          "l2_regularization": et.Float(1e-4, 10, log=True), "min_samples_leaf": et.Integer(2, 64, log=True)}
            self.fidelity, self.resource = et.Fidelity(3, 81, screen=1), "max_iter"
        elif name == "MLP-digits":
            self.space = {"hidden_layer_sizes": et.Integer(16, 256, log=True), "alpha": et.Float(1e-6, 1.0, log=True),
                          "learning_rate_init": et.Float(1e-4, 1e-1, log=True), "batch_size": et.Integer(16, 256, log=True)}
            self.fidelity, self.resource = et.Fidelity(1, 27, screen=1), "max_iter"
        elif name == "SGD-digits":
            self.space = {"alpha": et.Float(1e-7, 1e-1, log=True), "l1_ratio": et.Float(0.0, 1.0),
                          "eta0": et.Float(1e-4, 1.0, log=True), "power_t": et.Float(0.1, 1.0)}
            self.fidelity, self.resource = et.Fidelity(1, 27, screen=1), "max_iter"
        else:
            self.space = {"C": et.Float(1e-2, 1e3, log=True), "gamma": et.Float(1e-5, 1.0, log=True)}
            self.fidelity, self.resource = et.Fidelity(1 / 27, 1.0, screen=1), "n_samples"

    def model(self, params: dict, budget: float):
        from sklearn.ensemble import HistGradientBoostingClassifier
        from sklearn.linear_model import SGDClassifier
        from sklearn.neural_network import MLPClassifier
        from sklearn.svm import SVC

        if self.name == "HGB-digits":
            return HistGradientBoostingClassifier(max_iter=int(budget), early_stopping=False, random_state=0,
                                                  warm_start=True, **params)
        if self.name == "MLP-digits":
            return MLPClassifier(max_iter=int(budget), random_state=0, **params)
        if self.name == "SGD-digits":
            return SGDClassifier(loss="log_loss", penalty="elasticnet", learning_rate="invscaling",
                                 max_iter=int(budget), tol=None, random_state=0, **params)
        return SVC(**params)

    def steps(self, params: dict, budgets) -> object:
        """The loss at each budget, training on from one to the next (the SVC anew on more samples)."""
        folds = [(train, test, self.model(params, budgets[0])) for train, test in self.cv]
        done = 0
        for budget in budgets:
            scores = []
            for train, test, model in folds:
                X, y = self.X[train], self.y[train]
                try:
                    if self.resource == "n_samples":  # the first share of a fixed shuffle of the training fold
                        keep = np.random.default_rng(0).permutation(len(train))[: max(20, int(budget * len(train)))]
                        model.fit(X[keep], y[keep])
                    elif self.name in ("MLP-digits", "SGD-digits"):  # an epoch per call
                        for _ in range(int(budget) - done):
                            model.partial_fit(X, y, classes=np.unique(self.y))
                    else:
                        model.set_params(max_iter=int(budget)).fit(X, y)
                    scores.append(model.score(self.X[test], self.y[test]))
                except Exception:
                    scores.append(math.nan)
            done = budget
            yield 1.0 - float(np.mean(scores))

    def loss(self, params: dict, budget: float | None = None) -> float:
        budget = self.fidelity.max_budget if budget is None else budget
        return list(self.steps(params, (budget,)))[-1]


def run_evotune(problem: Problem, seed: int, seconds: float, method: str) -> dict:
    start = time.time()
    settings = {}
    if method.endswith("-believer"):  # a generation's children picked one by one (as with conditions)
        method = method.removesuffix("-believer")
        settings = {"surrogate": et.GaussianProcessSurrogate(believer=True)}
    objective, fidelity = (lambda p: problem.loss(p)), None  # evotune: every candidate at the full budget
    if method != "evotune":
        fidelity = problem.fidelity
        if method == "evotune-fidelity-halving" or method.startswith("evotune-fidelity-share-"):
            share = 1 / fidelity.eta if method.endswith("halving") else float(method.rsplit("-", 1)[1])
            fidelity = et.Fidelity(fidelity.min_budget, fidelity.max_budget, fidelity.eta, share=share,
                                   screen=1)
        elif method.startswith("evotune-fidelity-screen-"):  # e.g. evotune-fidelity-screen-3
            fidelity = et.Fidelity(fidelity.min_budget, fidelity.max_budget, fidelity.eta,
                                   screen=int(method.rsplit("-", 1)[1]))
        objective = problem.loss if method == "evotune-fidelity-anew" else problem.steps  # a generator trains on
    result = et.optimize(objective, problem.space, time_budget=seconds, fidelity=fidelity, seed=seed,
                         **settings)
    trials = [t for t in result.trials if t.ok]
    found = [(t.started + t.duration - start, t.value) for t in trials]
    return {"found": found, "evaluations": len(result.trials),
            "pruned": sum(t.state == "pruned" for t in result.trials)}


def run_random(problem: Problem, seed: int, seconds: float) -> dict:
    rng, start, found = np.random.default_rng(seed), time.time(), []
    while time.time() - start < seconds:
        params = {k: _draw(p, rng) for k, p in et.Space(problem.space).items()}
        found.append((time.time() - start, problem.loss(params)))
    return {"found": found, "evaluations": len(found)}


def run_optuna(problem: Problem, seed: int, seconds: float, anew: bool = False) -> dict:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    budgets, start, found = problem.fidelity.budgets, time.time(), []

    def objective(trial):
        params = suggest(trial, problem.space)
        losses = (problem.loss(params, b) for b in budgets) if anew else problem.steps(params, budgets)
        for step, loss in enumerate(losses):
            if not math.isfinite(loss):
                return math.inf
            trial.report(loss, step)
            if step < len(budgets) - 1 and trial.should_prune():
                raise optuna.TrialPruned()
        found.append((time.time() - start, loss))
        return loss

    pruner = optuna.pruners.HyperbandPruner(min_resource=1, max_resource=len(budgets), reduction_factor=3)
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed), pruner=pruner)
    study.optimize(objective, timeout=seconds)
    return {"found": found, "evaluations": len(study.trials),
            "pruned": sum(t.state == optuna.trial.TrialState.PRUNED for t in study.trials)}


def run_dehb(problem: Problem, seed: int, seconds: float) -> dict:
    import tempfile

    import ConfigSpace as CS
    from dehb import DEHB
    from loguru import logger

    logger.disable("dehb")  # it logs every bracket
    cs = CS.ConfigurationSpace(seed=seed)
    for name, p in problem.space.items():
        kind = CS.UniformIntegerHyperparameter if isinstance(p, et.Integer) else CS.UniformFloatHyperparameter
        cs.add(kind(name, p.low, p.high, log=p.log))
    budgets, start, found = problem.fidelity.budgets, time.time(), []

    def objective(config, fidelity, **kwargs):
        began = time.time()
        budget = min(budgets, key=lambda b: abs(math.log(b / fidelity)))  # its schedule is ours: max / eta ** k
        loss = problem.loss(dict(config), budget)
        if budget == budgets[-1] and math.isfinite(loss):
            found.append((time.time() - start, loss))
        return {"fitness": loss if math.isfinite(loss) else 1.0, "cost": time.time() - began}

    with tempfile.TemporaryDirectory() as output:
        search = DEHB(f=objective, cs=cs, min_fidelity=budgets[0], max_fidelity=budgets[-1], eta=3, n_workers=1,
                      output_path=output, seed=seed, save_freq="end")
        search.run(total_cost=seconds)
    return {"found": found, "evaluations": len(search.history)}


def run_halving(problem: Problem, seed: int, seconds: float) -> dict:
    from scipy import stats
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    space = {k: stats.randint(p.low, p.high + 1) if isinstance(p, et.Integer)
             else stats.loguniform(p.low, p.high) if p.log else stats.uniform(p.low, p.high - p.low)
             for k, p in problem.space.items()}
    budgets = problem.fidelity.budgets
    resources = {} if problem.resource == "n_samples" else {"min_resources": budgets[0], "max_resources": budgets[-1]}
    start = time.time()
    search = HalvingRandomSearchCV(problem.model({}, budgets[-1]), space, resource=problem.resource, factor=3,
                                   cv=problem.cv, random_state=seed, refit=False, n_jobs=1, **resources)
    search.fit(problem.X, problem.y)
    took = time.time() - start
    best = {k: v for k, v in search.best_params_.items() if k != problem.resource}  # it holds the resource too
    return {"found": [(took, problem.loss(best))], "evaluations": int(sum(search.n_candidates_))}


def run_job(name: str, method: str, seed: int, seconds: float) -> dict:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    problem, start = Problem(name), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method.startswith("evotune"):
            out = run_evotune(problem, seed, seconds, method)
        else:
            out = {"random": run_random, "optuna-hyperband": run_optuna, "halving": run_halving, "dehb": run_dehb,
                   "optuna-hyperband-anew": lambda *a: run_optuna(*a, anew=True)}[method](problem, seed, seconds)
    found = [(t, v) for t, v in out["found"] if v is not None and math.isfinite(v)]
    best = min((v for _, v in found), default=math.nan)
    return {"problem": name, "method": method, "seed": seed, "seconds": time.perf_counter() - start,
            "budget_seconds": seconds, "loss": best, **{**out, "found": found}}


def _reached(found: list, target: float) -> float:
    """When a run's best full-budget loss first reached ``target`` (inf: never)."""
    return min((t for t, v in found if v <= target + 1e-12), default=math.inf)


def table(rows: list[dict], methods: tuple) -> str:
    """Per problem, the (problem, seed) pairs every one of ``methods`` ran (those with results)."""
    by = defaultdict(dict)
    for r in rows:
        by[(r["problem"], r["seed"])][r["method"]] = r
    methods = [m for m in methods if any(m in d for d in by.values())]
    if not methods:
        return ""
    done = {k: d for k, d in by.items() if all(m in d for m in methods)}
    lines = []
    for problem in PROBLEMS:
        pairs = [d for (p, _), d in done.items() if p == problem]
        if not pairs:
            continue
        seconds = pairs[0][methods[0]]["budget_seconds"]
        lines += [f"**{problem}** ({len(pairs)} seeds, {seconds:.0f} s each)", "",
                  "| method | loss (mean) | evaluations | pruned | reached evotune's final loss at |", "|---|---|---|---|---|"]
        for m in methods:  # the last column needs evotune's rows (every candidate at the full budget)
            reached = [_reached(d[m]["found"], d["evotune"]["loss"]) / seconds if "evotune" in d else math.nan
                       for d in pairs]
            share = np.median(reached)
            when = ("-" if math.isnan(share) else "never" if math.isinf(share)
                    else f"{share:.0%} of the time (median)")
            lines.append(f"| {m} | {np.mean([d[m]['loss'] for d in pairs]):.4f} | "
                         f"{np.mean([d[m]['evaluations'] for d in pairs]):.0f} | "
                         f"{np.mean([d[m].get('pruned', 0) for d in pairs]):.0f} | "
                         f"{when} |")
        lines.append("")
    return "\n".join(lines)


def _line(row: dict) -> str:
    return f"{row['problem']} {row['method']} {row['seed']}: loss {row['loss']:.4f}, {row['evaluations']} evaluations, {row['seconds']:.0f} s"


def _seconds(parser):
    parser.add_argument("--seconds", type=float, default=90.0, help="wall time of each run")
    return lambda args: (args.seconds,)


def main() -> None:
    rows = bench_main(__doc__, run_job, problems=list(PROBLEMS), methods=METHODS, seeds=5, results=RESULTS,
                      line=_line, more=_seconds)
    print(table(rows, METHODS))
    print(table(rows, METHODS + ABLATIONS))


if __name__ == "__main__":
    main()
