"""The methods compared, each as run(problem, budget, seed) -> losses in evaluation order."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

import evotune as et


def _safe(objective, params) -> float:
    try:
        value = float(objective(params))
    except Exception:
        return math.nan
    return value if math.isfinite(value) else math.nan


def run_evotune(problem, budget: int, seed: int, **settings: Any) -> list[float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = et.optimize(problem.objective, problem.space, max_evaluations=budget, seed=seed, **settings)
        except et.AllEvaluationsFailedError as exc:  # a broken problem: its losses are all missing
            result = exc.result
    return [t.value for t in result.trials]


def _population(budget: int, scale: float, most: int) -> int:
    """A population of about ``scale * sqrt(budget)``, between 8 and ``most``."""
    return int(min(most, max(8, round(scale * math.sqrt(budget)))))


#: evotune 0.1's population and operators: population ~1.5 sqrt(budget) in [8, 50], SBX eta 15, mutation eta 20.
def _plain_ga(budget: int) -> dict[str, Any]:
    return {"population_size": _population(budget, 1.5, 50),
            "crossover": et.MixedCrossover(eta=15), "mutation": et.MixedMutation(eta=20, bound_prob=0.0)}


def _bred_only(acquisition: str = "ei") -> et.GaussianProcessSurrogate:
    """The surrogate without immigrants: it ranks bred children only (as before commit 34aa6e5)."""
    return et.GaussianProcessSurrogate(immigrants=0.0, acquisition=acquisition)


class _ImmigrantsWhenStalled(et.GaussianProcessSurrogate):
    """The default surrogate, with immigrants only after a generation that did not improve the best loss
    (it learns that at ranking time, after the generation's immigrants were drawn: one generation late)."""

    def __init__(self, share: float = 0.25):
        super().__init__(immigrants=0.0)
        self.share, self.best = share, math.inf

    def rank(self, genome, genes, losses, children, seed):
        best = float(np.nanmin(losses)) if np.isfinite(losses).any() else math.inf
        self.immigrants = 0.0 if best < self.best else self.share
        self.best = min(best, self.best)
        return super().rank(genome, genes, losses, children, seed)


class _ForestSurrogate(et.GaussianProcessSurrogate):
    """Ablation (issue #17): the default's ranking (expected improvement) on a random forest instead of
    the Gaussian process, as SMAC models conditional spaces: mean and spread of 64 trees' predictions."""

    def predict(self, genome, genes, losses, children, seed):
        from sklearn.ensemble import RandomForestRegressor

        from evotune.surrogate import _normal_scores

        y = _normal_scores(losses, self.min_trials)
        if y is None:
            return None
        forest = RandomForestRegressor(64, min_samples_split=3, max_features=5 / 6, random_state=seed % 2**32)
        forest.fit(genome.features(genes), y)
        trees = np.stack([tree.predict(genome.features(children)) for tree in forest.estimators_])
        return trees.mean(axis=0), trees.std(axis=0), y


class _GroupedSurrogate(et.GaussianProcessSurrogate):
    """Ablation (issue #17): a Gaussian process per group of trials with the same active parameters (as
    Optuna's TPE with group=True), on those parameters only; a child of a group with fewer than
    ``min_trials`` trials gets the whole window's model."""

    def predict(self, genome, genes, losses, children, seed):
        from evotune._gp import GaussianProcess, fit_hyperparameters

        whole = super().predict(genome, genes, losses, children, seed)
        if whole is None:
            return None
        mean, std, y = whole
        groups = [tuple(genome.active(g)) for g in genes]
        X, Xc = genome.features(genes), genome.features(children)
        columns = np.ptp(np.vstack([X, Xc]), axis=0) > 0
        for key in set(tuple(genome.active(c)) for c in children):
            rows = np.array([g == key for g in groups])
            if rows.sum() < self.min_trials or np.ptp(y[rows]) == 0:
                continue
            mine = np.array([tuple(genome.active(c)) == key for c in children])
            used = columns & (np.ptp(X[rows], axis=0) > 0)
            if not used.any():
                continue
            theta = fit_hyperparameters(X[rows][:, used], y[rows], max_steps=50)
            mean[mine], std[mine] = GaussianProcess(theta, X[rows][:, used], y[rows]).predict(Xc[mine][:, used])
        return mean, std, y


def _half_population(budget: int) -> int:
    """The population of commit e626449: ~0.5 sqrt(budget) in [8, 24] (8 at budgets 64 and 128)."""
    return _population(budget, 0.5, 24)


#: Ablation: evotune with parts of its default strategy taken away (method name -> settings for a budget).
#: (The results files also hold "evotune-0.1": evotune 0.1 itself, run at commit 3b5f2ee; and
#: results/full-evotune-e626449.jsonl the full-suite rows of the default of commit e626449.)
#: The last four rank bred children only (they were measured before the immigrants came). Every variant
#: but "evotune-no-bound" (the default up to commit af2b926) was measured before bound mutation, and every one
#: before 0.21 with generations of a whole population, the first of one ranking: re-run today on a space with
#: conditions, a variant that does not set them has 0.21's (half the population, picked one by one).
VARIANTS = {
    "evotune-no-bound": lambda budget: {"mutation": et.MixedMutation(bound_prob=0.0)},
    "evotune-no-surrogate": lambda budget: {"surrogate": None},
    "evotune-gp-plain-ga": _plain_ga,
    "evotune-no-immigrants": lambda budget: {"surrogate": _bred_only()},
    "evotune-stalled-immigrants": lambda budget: {"surrogate": _ImmigrantsWhenStalled()},
    "evotune-lcb": lambda budget: {"surrogate": _bred_only("lcb")},
    "evotune-forest": lambda budget: {"surrogate": _ForestSurrogate()},
    "evotune-grouped-gp": lambda budget: {"surrogate": _GroupedSurrogate()},
    # release 0.6's default on conditional spaces: every child evaluated is the best-ranked (issue #17)
    "evotune-no-branch-slots": lambda budget: {"surrogate": et.GaussianProcessSurrogate(branch_share=0.0)},
    "evotune-branch-share-0.125": lambda budget: {"surrogate": et.GaussianProcessSurrogate(branch_share=0.125)},
    "evotune-branch-mutants-4": lambda budget: {"surrogate": et.GaussianProcessSurrogate(branch_mutants=4)},
    # release 0.20's default (a generation of a whole population, the first of one ranking), and the variants
    # measured against it on the way to 0.21's (in a space with conditions: half the population, picked one
    # by one; "-offspring-half" is that on every space)
    "evotune-0.20": lambda budget: {"offspring_size": et.default_population_size(budget),
                                    "surrogate": et.GaussianProcessSurrogate(believer=False)},
    "evotune-believer": lambda budget: {"offspring_size": et.default_population_size(budget),
                                        "surrogate": et.GaussianProcessSurrogate(believer=True)},
    "evotune-offspring-4": lambda budget: {"offspring_size": 4,
                                           "surrogate": et.GaussianProcessSurrogate(believer=False)},
    "evotune-believer-offspring-4": lambda budget: {"offspring_size": 4,
                                                    "surrogate": et.GaussianProcessSurrogate(believer=True)},
    "evotune-believer-offspring-half": lambda budget: {
        "offspring_size": et.default_offspring_size(et.default_population_size(budget), conditional=True),
        "surrogate": et.GaussianProcessSurrogate(believer=True)},
    # release 0.23's search: every gene mutated alike, the kernel fitted on the best half and a random rest
    "evotune-uniform": lambda budget: {"surrogate": et.GaussianProcessSurrogate(relevance=False)},
    # 0.24's weighed mutation in spaces with conditions too (the default weighs it only without)
    "evotune-relevance": lambda budget: {"surrogate": et.GaussianProcessSurrogate(relevance=True)},
    "evotune-half-population": lambda budget: {"surrogate": _bred_only(),
                                               "population_size": _half_population(budget)},
    "evotune-lcb-half-population": lambda budget: {"surrogate": _bred_only("lcb"),
                                                   "population_size": _half_population(budget)},
}


def _variant(name: str):
    def run(problem, budget: int, seed: int) -> list[float]:
        return run_evotune(problem, budget, seed, **VARIANTS[name](budget))

    return run


def _draw(param: Any, rng: np.random.Generator) -> Any:
    if isinstance(param, et.Categorical):
        return param.choices[rng.integers(len(param.choices))]
    if param.log:
        value = math.exp(rng.uniform(math.log(param.low), math.log(param.high)))
    else:
        value = rng.uniform(param.low, param.high)
    if isinstance(param, et.Integer):
        return int(min(max(round(value), param.low), param.high))
    return float(value)


def run_random(problem, budget: int, seed: int) -> list[float]:
    rng = np.random.default_rng(seed)
    space = et.Space(problem.space)

    def point() -> dict[str, Any]:
        values = {k: _draw(p, rng) for k, p in space.items()}
        on = space.active(values) if space.conditional else values
        return {k: v for k, v in values.items() if k in on}

    return [_safe(problem.objective, point()) for _ in range(budget)]


def run_evotune_union(problem, budget: int, seed: int, **settings: Any) -> list[float]:
    """evotune on the cash suite's choices written as a list of sub-spaces (the encoding before when=)."""
    from dataclasses import replace

    return run_evotune(replace(problem, space=problem.union), budget, seed, **settings)


def suggest(trial: Any, space: Any) -> dict[str, Any]:
    """An Optuna trial's parameters for an evotune space (define-by-run: a parameter only where its condition holds)."""
    space, params = et.Space(space), {}  # plain lists become Categorical
    for name in space.order or list(space):
        p = space[name]
        if any(parent not in params or not any(params[parent] is v or params[parent] == v for v in values)
               for parent, values in p.condition):
            continue
        if isinstance(p, et.Categorical):
            params[name] = p.choices[trial.suggest_categorical(name, list(range(len(p.choices))))]
        elif isinstance(p, et.Integer):
            params[name] = trial.suggest_int(name, p.low, p.high, log=p.log)
        else:
            params[name] = trial.suggest_float(name, p.low, p.high, log=p.log)
    return params


def _optuna(problem, budget: int, seed: int, sampler: Any) -> list[float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)

    def objective(trial):
        value = _safe(problem.objective, suggest(trial, problem.space))
        return value if not math.isnan(value) else float("inf")

    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=budget)
    return [t.value if t.value is not None and math.isfinite(t.value) else math.nan for t in study.trials]


def run_optuna_tpe(problem, budget: int, seed: int) -> list[float]:
    import optuna

    return _optuna(problem, budget, seed, optuna.samplers.TPESampler(seed=seed))


def run_optuna_tpe_group(problem, budget: int, seed: int) -> list[float]:
    """TPE as Optuna advises for conditional spaces: multivariate, grouped by which parameters a trial has."""
    import optuna

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # multivariate and group are "experimental"
        sampler = optuna.samplers.TPESampler(seed=seed, multivariate=True, group=True)
    return _optuna(problem, budget, seed, sampler)


def run_optuna_nsga2(problem, budget: int, seed: int) -> list[float]:
    import optuna

    population = _population(budget, 1.5, 50)  # Optuna's default is 50: too big for 64
    return _optuna(problem, budget, seed, optuna.samplers.NSGAIISampler(population_size=population, seed=seed))


def run_hyperopt(problem, budget: int, seed: int) -> list[float]:
    from hyperopt import STATUS_OK, Trials, fmin, hp, tpe

    params_space = et.Space(problem.space)  # plain lists become Categorical

    def expression(name: str, p: Any, label: str) -> Any:
        if isinstance(p, et.Categorical):
            return hp.choice(label, list(p.choices))
        if isinstance(p, et.Integer):
            return (hp.qloguniform(label, math.log(p.low), math.log(p.high), 1) if p.log
                    else hp.quniform(label, p.low, p.high, 1))
        return hp.loguniform(label, math.log(p.low), math.log(p.high)) if p.log else hp.uniform(label, p.low, p.high)

    def nested(parents: dict[str, Any], path: str) -> dict[str, Any]:
        """The parameters active under ``parents`` (a choice made for each conditioning parameter), with
        a nested hp.choice for each categorical parameter others depend on (hyperopt's nested choices)."""
        out: dict[str, Any] = {}
        for name in params_space.order or list(params_space):
            p = params_space[name]
            clauses = dict(p.condition)
            if set(clauses) - set(parents) or any(parents[k] not in v for k, v in clauses.items()):
                continue
            if name in parents:
                continue
            children = [n for n in params_space if name in dict(params_space[n].condition)]
            if children and isinstance(p, et.Categorical):
                out[name] = hp.choice(f"{name}{path}", [
                    {name: c, **nested({**parents, name: c}, f"{path}|{name}={i}")} for i, c in enumerate(p.choices)
                ])
            else:
                out[name] = expression(name, p, f"{name}{path}")
        return out

    space = nested({}, "")
    losses: list[float] = []

    def flat(params: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for k, v in params.items():
            out.update(flat(v) if isinstance(v, dict) else {k: v})
        return out

    def objective(params):
        params = {k: (int(min(max(round(v), params_space[k].low), params_space[k].high))
                      if isinstance(params_space[k], et.Integer) else v) for k, v in flat(params).items()}
        value = _safe(problem.objective, params)
        losses.append(value)
        return {"loss": value if not math.isnan(value) else float("inf"), "status": STATUS_OK}

    fmin(objective, space, algo=tpe.suggest, max_evals=budget, trials=Trials(),
         rstate=np.random.default_rng(seed), show_progressbar=False)
    return losses


def run_gasearchcv(problem, budget: int, seed: int) -> list[float]:
    """sklearn-genetic-opt's GASearchCV on the same model, data and folds (sklearn problems only)."""
    from sklearn.preprocessing import StandardScaler
    from sklearn_genetic import GASearchCV
    from sklearn_genetic.space import Categorical, Continuous, Integer

    objective = problem.objective
    space = {}
    for name, p in et.Space(problem.space).items():
        key = f"model__{name}"
        if isinstance(p, et.Categorical):
            space[key] = Categorical(list(p.choices))
        elif isinstance(p, et.Integer):
            space[key] = Integer(p.low, p.high)
        else:
            space[key] = Continuous(p.low, p.high, distribution="log-uniform" if p.log else "uniform")
    make, _, fixed = problem.estimator
    from sklearn.pipeline import Pipeline

    pipeline = Pipeline([("scale", StandardScaler()), ("model", make(**fixed))])
    population = max(4, round(budget / 3))
    scoring = "neg_mean_squared_error" if objective.regression else "accuracy"
    np.random.seed(seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = GASearchCV(pipeline, cv=objective.cv, param_grid=space, scoring=scoring, population_size=population,
                            generations=1, n_jobs=1, verbose=False, error_score=np.nan)
        search.fit(objective.X, objective.y)
    scores = np.asarray(search.cv_results_["mean_test_score"], dtype=float)
    losses = (-scores / objective.scale) if objective.regression else (1.0 - scores)
    out = [float(v) if math.isfinite(v) else math.nan for v in losses][:budget]
    return out + [out[-1]] * (budget - len(out)) if out else [math.nan] * budget


METHODS = {
    "evotune": run_evotune,
    "random": run_random,
    "optuna-tpe": run_optuna_tpe,
    "optuna-tpe-group": run_optuna_tpe_group,
    "evotune-union": run_evotune_union,
    "evotune-union-no-branch-slots": lambda problem, budget, seed: run_evotune_union(
        problem, budget, seed, **VARIANTS["evotune-no-branch-slots"](budget)),
    "optuna-nsga2": run_optuna_nsga2,
    "hyperopt-tpe": run_hyperopt,
    "gasearchcv": run_gasearchcv,
    **{name: _variant(name) for name in VARIANTS},
}
#: Methods that only run on the sklearn suite (they tune an estimator, not a function).
SKLEARN_ONLY = {"gasearchcv"}
#: The methods of a default run (the variants are asked for by name, with --methods).
DEFAULT_METHODS = ["evotune", "random", "optuna-tpe", "optuna-nsga2", "hyperopt-tpe", "gasearchcv"]
