"""Racing cross-validation folds: fold fits saved and score lost, against evotune without racing and peers.

    pip install -e ".[bench]"
    python -m experiments.benchmarks.bench_racing                   # the table from results/racing.jsonl
    python -m experiments.benchmarks.bench_racing --run --seeds 5   # run what is missing (resumable; ~1 h on 2 cores)
    python -m experiments.benchmarks.bench_racing --run --seeds 10 --methods evotune,evotune-racing,random  # seeds 5-9
    python -m experiments.benchmarks.bench_racing --run --seeds 20 --methods evotune,evotune-racing  # 10-19

The sklearn suite's models (Bayesmark's spaces, experiments/benchmarks/problems.py; the MLP and
AdaBoost left out for time) on wine, breast_cancer and diabetes, scored by 10-fold cross-validation (stratified for the
classifiers, fixed folds), budget 128 candidates, each run with one worker. Methods:
- ``evotune``: EvolutionarySearchCV, every candidate on every fold;
- ``evotune-racing``: the same with ``racing=True`` (evotune.Racing(): 3 folds, then tested after each;
  one-sided paired t-test at 95 % against the best candidate its generation was bred from, its
  variance pooled with the population's; a candidate whose first 2 folds fit the same models as an
  earlier trial's stops there, one that ties the best on each of the first 6 folds there, and one
  with less than a 2 % chance left of ending better than the best where that shows);
- ``random``: 128 random candidates, every fold (the score's normalisation, as in the suite);
- ``halving``: scikit-learn's HalvingRandomSearchCV (factor 3, samples as the resource,
  ``min_resources="exhaust"``) over the same distributions, 128 candidates;
- ``optuna-wilcoxon``: Optuna TPE with WilcoxonPruner (its defaults), a fold reported per step, 128 trials;
- ``halving-64``, ``-32``, ``-16``: HalvingRandomSearchCV with fewer candidates (a shorter run).
At equal wall time (the last table; ``--methods evotune-racing,evotune,optuna-wilcoxon,halving,halving-64,
halving-32,halving-16``, results in racing-equal-time.jsonl): each method given racing's time on the same
problem and seed: evotune and Optuna at that time of their run (the ``curve`` of their rows: when the best
loss of the candidates that ran every fold improved), HalvingRandomSearchCV with the most candidates whose
run took no longer.
Ablations (``--methods``; each but ``-0.14`` tests after 3, 6 and 10 folds, ``schedule="doubling"``, and
each tells a repeat by its first 3 folds, ``repeat_parts=3``): ``-0.14`` (``Racing(repeat_parts=3)``: the
racing of release 0.14; its rows were run as ``evotune-racing``), ``-0.13``
(``Racing(schedule="doubling")``: the racing of releases 0.12 and 0.13; its rows were run as
``evotune-racing``), ``-0.11`` (``futility=0.0``: the racing of releases 0.9 to 0.11; its rows were
run as ``evotune-racing`` and ``evotune-racing-90``), ``-no-futility`` (the same), ``-futility-5``
(``futility=0.05``),
``-no-repeats`` (``Racing(repeats=False, ties=False, futility=0.0)``: release 0.8's racing; its
rows were run as ``evotune-racing``, ``evotune-racing-80``...),
``evotune-racing-unpooled`` (``Racing(pooled=False)``: the variance from the
candidate's folds alone, release 0.5's test; its rows were run as ``evotune-racing``), ``-80`` / ``-90`` (confidence 0.8 / 0.9), ``-no-ties`` (``ties=False``),
``evotune-racing-min2`` (``min_parts=2``: 2, 4, 8, then 10 folds),
``evotune-ga`` / ``evotune-ga-racing-unpooled`` (``surrogate=None``: every bred child is evaluated, so more of
them are clearly worse). The number of
folds is 10, or ``EVOTUNE_BENCH_FOLDS`` (e.g. 5, scikit-learn's default; results in racing-cv5.jsonl).

Loss: 1 - mean accuracy, or MSE / var(y); a method's result is the full 10-fold loss of the
candidate it returns. Score: as the suite's, 100 x (1 - (loss - best) / (median random loss - best)).
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
from .problems import _models

HERE = os.path.dirname(os.path.abspath(__file__))

DATASETS = ("wine", "breast_cancer", "diabetes")
METHODS = ("evotune", "evotune-racing", "random", "halving", "optuna-wilcoxon")
#: Ablations: racing at a lower confidence; racing a plain GA (no surrogate: more children clearly worse).
ABLATIONS = ("evotune-racing-no-repeats", "evotune-racing-no-ties", "evotune-racing-80-no-repeats",
             "evotune-racing-unpooled-no-repeats", "evotune-racing-min2-no-repeats",
             "evotune-racing-80-unpooled-no-repeats", "evotune-ga", "evotune-ga-racing-unpooled-no-repeats")
BUDGET, FOLDS = 128, int(os.environ.get("EVOTUNE_BENCH_FOLDS", 10))
RESULTS = os.path.join(HERE, "results", "racing.jsonl" if FOLDS == 10 else f"racing-cv{FOLDS}.jsonl")


def problems() -> list[str]:
    return [f"{model}-{data}" for data in DATASETS for model in _models(data == "diabetes")
            if model not in ("MLP-adam", "ada")]


class Problem:
    """A model, its space (names prefixed for the pipeline's step) and 10 fixed folds."""

    def __init__(self, name: str):
        from sklearn import datasets
        from sklearn.model_selection import KFold, StratifiedKFold
        from sklearn.pipeline import Pipeline
        from sklearn.preprocessing import StandardScaler

        model, data = name.rsplit("-", 1)
        self.regression = data == "diabetes"
        make, space, fixed = _models(self.regression)[model]
        self.X, self.y = getattr(datasets, f"load_{data}")(return_X_y=True)
        self.pipeline = Pipeline([("scale", StandardScaler()), ("model", make(**fixed))])
        self.space = {f"model__{k}": v for k, v in et.Space(space).items()}
        splitter = KFold if self.regression else StratifiedKFold
        self.cv = list(splitter(FOLDS, shuffle=True, random_state=0).split(self.X, self.y))
        self.scoring = "neg_mean_squared_error" if self.regression else "accuracy"
        self.scale = float(np.var(self.y)) if self.regression else 1.0

    def loss(self, score: float) -> float:
        return -score / self.scale if self.regression else 1.0 - score

    def fold_scores(self, params: dict) -> list[float]:
        from sklearn.base import clone
        from sklearn.metrics import get_scorer

        scorer, out = get_scorer(self.scoring), []
        for train, test in self.cv:
            model = clone(self.pipeline).set_params(**params)
            try:
                model.fit(self.X[train], self.y[train])
                out.append(float(scorer(model, self.X[test], self.y[test])))
            except Exception:
                out.append(math.nan)
        return out


def run_evotune(problem: Problem, seed: int, method: str) -> dict:
    racing = None
    if "racing" in method:  # e.g. evotune-racing, evotune-racing-80-unpooled, evotune-racing-min2-no-repeats
        confidence = 0.8 if "-80" in method else 0.9 if "-90" in method else 0.95
        legacy = "-no-repeats" in method or "-no-ties" in method or "-0.11" in method  # rows made before 0.12
        racing = et.Racing(min_parts=2 if "-min2" in method else 3, confidence=confidence,
                           pooled="-unpooled" not in method, repeats="-no-repeats" not in method,
                           ties="-no-ties" not in method and "-no-repeats" not in method,
                           futility=0.0 if legacy or "-no-futility" in method
                           else 0.05 if "-futility-5" in method else 0.02,
                           # every ablation's rows but 0.14's were made before it, testing after 3, 6 and 10 folds
                           schedule="each" if method in ("evotune-racing", "evotune-racing-0.14") else "doubling",
                           # and before 0.15, telling a repeat by its first 3 folds
                           repeat_parts=2 if method == "evotune-racing" else 3)
    search = et.EvolutionarySearchCV(problem.pipeline, problem.space, cv=problem.cv, scoring=problem.scoring,
                                     max_evaluations=BUDGET, random_state=seed, n_jobs=1,
                                     racing=racing, surrogate=None if "-ga" in method else True)
    start = time.time()
    search.fit(problem.X, problem.y)
    fits = sum(len(t.parts) if t.parts is not None else FOLDS for t in search.trials_)
    finished = [(t.started + t.duration - start, problem.loss(t.value))
                for t in search.trials_ if t.state == "complete"]
    return {"loss": problem.loss(search.best_score_), "fits": fits,
            "pruned": sum(t.state == "pruned" for t in search.trials_), "curve": _curve(finished)}


def _curve(finished: list[tuple[float, float]]) -> list[list[float]]:
    """[seconds, loss] each time the best loss of the candidates that ran every fold improved, from
    (seconds since the search started, loss) of each such candidate."""
    curve, best = [], math.inf
    for seconds, loss in sorted(finished):
        if loss < best:
            best = loss
            curve.append([round(seconds, 3), loss])
    return curve


def run_random(problem: Problem, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(BUDGET):
        params = {k: _draw(p, rng) for k, p in et.Space(problem.space).items()}
        losses.append(problem.loss(float(np.mean(problem.fold_scores(params)))))
    finite = [v for v in losses if math.isfinite(v)]
    return {"loss": min(finite), "fits": BUDGET * FOLDS, "losses": [v if math.isfinite(v) else None for v in losses]}


def _distribution(p: et.Float | et.Integer | et.Categorical):
    from scipy import stats

    if isinstance(p, et.Categorical):
        return list(p.choices)
    if isinstance(p, et.Integer):
        return stats.randint(p.low, p.high + 1)
    return stats.loguniform(p.low, p.high) if p.log else stats.uniform(p.low, p.high - p.low)


def run_halving(problem: Problem, seed: int, candidates: int = BUDGET) -> dict:
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import HalvingRandomSearchCV

    search = HalvingRandomSearchCV(problem.pipeline, {k: _distribution(p) for k, p in problem.space.items()},
                                   n_candidates=candidates, factor=3, min_resources="exhaust", cv=problem.cv,
                                   scoring=problem.scoring, random_state=seed, refit=False, n_jobs=1)
    search.fit(problem.X, problem.y)
    loss = problem.loss(float(np.mean(problem.fold_scores(search.best_params_))))
    return {"loss": loss, "fits": int(sum(search.n_candidates_) * FOLDS), "iterations": int(search.n_iterations_)}


def run_optuna_wilcoxon(problem: Problem, seed: int) -> dict:
    import optuna
    from sklearn.base import clone
    from sklearn.metrics import get_scorer

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    scorer, fits = get_scorer(problem.scoring), 0

    def objective(trial):
        nonlocal fits
        params = suggest(trial, problem.space)
        losses = []
        for step, (train, test) in enumerate(problem.cv):
            model = clone(problem.pipeline).set_params(**params)
            fits += 1
            try:
                model.fit(problem.X[train], problem.y[train])
                loss = problem.loss(float(scorer(model, problem.X[test], problem.y[test])))
            except Exception:
                loss = math.inf
            losses.append(loss)
            trial.report(loss, step)
            if trial.should_prune():
                return float(np.mean(losses))  # WilcoxonPruner's documented use: return the partial mean
        return float(np.mean(losses))

    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed),
                                pruner=optuna.pruners.WilcoxonPruner())
    start = time.time()
    study.optimize(objective, n_trials=BUDGET)
    complete = [t for t in study.trials if len(t.intermediate_values) == FOLDS and math.isfinite(t.value)]
    best = min(complete, key=lambda t: t.value)
    return {"loss": best.value, "fits": fits,
            "curve": _curve([(t.datetime_complete.timestamp() - start, t.value) for t in complete])}


def run_job(name: str, method: str, seed: int) -> dict:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    problem, start = Problem(name), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method.startswith("evotune"):
            out = run_evotune(problem, seed, method)
        elif method.startswith("halving-"):  # e.g. halving-32: fewer candidates, to fit in racing's time
            out = run_halving(problem, seed, int(method.split("-")[1]))
        else:
            out = {"random": run_random, "halving": run_halving, "optuna-wilcoxon": run_optuna_wilcoxon}[method](
                problem, seed)
    return {"problem": name, "method": method, "seed": seed, **out, "seconds": time.perf_counter() - start}


def scorer(rows: list[dict]):
    """``score(problem, loss)``: 100 x (1 - (loss - best) / (median random loss - best)), the best over
    ``rows``' losses and the median over their random candidates' (100 the best, 0 the median random one)."""
    best, randoms = defaultdict(lambda: math.inf), defaultdict(list)
    for r in rows:
        best[r["problem"]] = min(best[r["problem"]], r["loss"])
        if r["method"] == "random":
            randoms[r["problem"]] += [v for v in r["losses"] if v is not None]

    def score(problem: str, loss: float) -> float:
        span = float(np.median(randoms[problem])) - best[problem]
        return 100 * (1 - min(1.0, (loss - best[problem]) / (span if span > 0 else 1.0)))

    return score


def _finished(rows: list[dict], methods: tuple) -> dict:
    """(problem, seed) -> method -> row, for the pairs every one of ``methods`` and random finished."""
    by = defaultdict(dict)
    for r in rows:
        by[(r["problem"], r["seed"])][r["method"]] = r
    return {k: d for k, d in by.items() if all(m in d for m in (*methods, "random"))}


def _versus(scores: list[float], base: list[float]) -> str:
    """The mean paired difference of two methods' scores, ± its standard error."""
    differences = np.subtract(scores, base)
    return f"{differences.mean():+.2f} ± {differences.std() / math.sqrt(len(differences)):.2f}"


def table(rows: list[dict], methods: tuple = METHODS) -> str:
    """Mean score, fold fits and seconds per method, over the (problem, seed) pairs every one of ``methods``
    (and random, the score's normalisation) finished."""
    done = _finished(rows, methods)
    if not done:
        return ""
    score = scorer([r for d in done.values() for r in d.values()])
    scores, fits, seconds = defaultdict(list), defaultdict(list), defaultdict(list)
    for (problem, _), d in done.items():
        for m in methods:
            scores[m].append(score(problem, d[m]["loss"]))
            fits[m].append(d[m]["fits"])
            seconds[m].append(d[m]["seconds"])
    base_fits, base_seconds = np.sum(fits["evotune"]), np.sum(seconds["evotune"])
    lines = [f"{len(done)} (problem, seed) pairs, {len({p for p, _ in done})} problems, budget {BUDGET}, cv={FOLDS}",
             "", "| method | score | score vs evotune (paired, ± s.e.) | fold fits | fits vs evotune | seconds "
             "| time vs evotune |", "|---|---|---|---|---|---|---|"]
    for m in methods:
        versus = _versus(scores[m], scores["evotune"])
        lines.append(f"| {m} | {np.mean(scores[m]):.2f} | {versus} | {np.mean(fits[m]):.0f} | "
                     f"{np.sum(fits[m]) / base_fits:.3f} | {np.mean(seconds[m]):.1f} | {np.sum(seconds[m]) / base_seconds:.2f} |")
    return "\n".join(lines)


def _within(row: dict, seconds: float) -> float:
    """The loss of the best candidate a run with a ``curve`` had found ``seconds`` after it started (inf if
    none had run every fold by then)."""
    found = [loss for at, loss in row["curve"] if at <= seconds]
    return found[-1] if found else math.inf


def equal_time(rows: list[dict]) -> str:
    """Each method given the wall time of ``evotune-racing`` on the same problem and seed: evotune and Optuna
    at that time of their run (their ``curve``), HalvingRandomSearchCV with the most candidates (128, 64,
    32, 16) whose whole run took no longer. Pairs where every one of them ran, and random (the score)."""
    halvings = ("halving", "halving-64", "halving-32", "halving-16")
    done = _finished(rows, ("evotune-racing", "evotune", "optuna-wilcoxon", *halvings))
    if not done or not all("curve" in d["evotune"] for d in done.values()):
        return ""
    score = scorer([r for d in done.values() for r in d.values()])
    scores, over = defaultdict(list), 0
    for (problem, _), d in done.items():
        limit = d["evotune-racing"]["seconds"]
        fitting = [d[m] for m in halvings if d[m]["seconds"] <= limit]
        over += not fitting
        losses = {"evotune-racing": d["evotune-racing"]["loss"], "evotune": _within(d["evotune"], limit),
                  "optuna-wilcoxon": _within(d["optuna-wilcoxon"], limit),
                  "halving": (fitting or [d["halving-16"]])[0]["loss"]}
        for m, loss in losses.items():
            scores[m].append(score(problem, loss))
    lines = [f"At racing's wall time: {len(done)} (problem, seed) pairs; halving: the most candidates that "
             f"fit (none fit in {over} pairs: its 16-candidate row)", "",
             "| method | score | vs racing (paired, ± s.e.) |", "|---|---|---|"]
    for m, values in scores.items():
        lines.append(f"| {m} | {np.mean(values):.2f} | {_versus(values, scores['evotune-racing'])} |")
    return "\n".join(lines)


def _line(row: dict) -> str:
    return f"{row['problem']} {row['method']} {row['seed']}: loss {row['loss']:.4f}, {row['fits']} fits, {row['seconds']:.0f} s"


def main() -> None:
    rows = bench_main(__doc__, run_job, problems=problems(), methods=METHODS, seeds=5, results=RESULTS, line=_line)
    for methods in (("evotune", "evotune-racing", "random"),
                    ("evotune", "evotune-racing", "evotune-racing-0.14", "random"),
                    ("evotune", "evotune-racing-0.14", "evotune-racing-0.13", "random"),
                    ("evotune", "evotune-racing-0.13", "evotune-racing-0.11", "random"),
                    METHODS, ("evotune", "evotune-racing-0.13", "evotune-racing-0.11",
                              "evotune-racing-futility-5", "random"),
                    ("evotune", "evotune-racing-0.11", "evotune-racing-90-0.11", "evotune-racing-no-ties",
                     "evotune-racing-90-no-ties", "evotune-racing-80-no-ties", "evotune-racing-no-repeats",
                     "evotune-racing-80-no-repeats", "evotune-racing-unpooled-no-repeats", "random"),
                    ("evotune", "evotune-racing", "random", *ABLATIONS)):
        text = table(rows, methods)
        if text:
            print(text, end="\n\n")
    print(equal_time(rows))


if __name__ == "__main__":
    main()
