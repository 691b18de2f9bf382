"""EvolutionarySearchCV: GridSearchCV / RandomizedSearchCV, searching by evolution.

Swap the class name and keep the rest: the same inputs (``param_distributions``
may hold plain lists, scipy.stats distributions or evotune parameters), the
same ``cv_results_`` (plus ``generation`` and ``state`` columns), the same
``best_*`` attributes and delegated methods. Each candidate's whole cross-
validation is one evotune evaluation: candidates run in parallel (``n_jobs``, a
free worker gets the next one at once), under a ``timeout``, isolated from
crashes, on Dask, and journaled in ``storage`` to resume.

Why ``fit`` is evotune's own: ``BaseSearchCV.fit``'s hook, ``_run_search
(evaluate_candidates)``, fits each batch of candidates with joblib and waits for
the whole batch, which would undo the asynchronous pool, the per-fold timeouts and
the journal. So ``fit`` follows ``BaseSearchCV.fit`` step by step with the same
scikit-learn helpers (routing, ``_fit_and_score``, ``_format_results``, the
failure warning, ``_select_best_index``), every private one reached through
``_sklearn_compat``; the tests compare it with GridSearchCV on the oldest
(.ci/oldest.txt) and the newest scikit-learn. Not followed: scikit-learn 1.9's
experimental fit callbacks.
"""

from __future__ import annotations

import contextlib
import copy
import difflib
import functools
import hashlib
import numbers
import os
import pickle
import time
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils.validation import indexable

from ._checks import check_int
from ._sklearn_compat import (
    BaseSearchCV,
    _check_method_params,
    _fit_and_score,
    _insert_error_scores,
    _safe_indexing,
    _warn_or_raise_about_fit_failures,
    check_input_parameters,
    get_scorers,
    public_scorer,
    scorer_names,
)
from .evolution import default_population_size
from .exceptions import AllEvaluationsFailedError, FailedEvaluationWarning, InvalidParameterError
from .optimize import optimize
from .racing import AUTO
from .settings import Settings
from .storage import run_names
from .trial import COMPLETE, FAILED, PRUNED
from .space import Space

__all__ = [
    "EvolutionarySearchCV", "cross_validation", "check_parameter_names", "check_scoring_name", "check_space_names",
    "check_objectives",
]


class _CrossValidation:
    """J(params): the mean cross-validated score of one candidate, with every fold's result.

    Each fold is a part (:mod:`evotune.evaluation.parts`): a task of its own in the
    worker processes, so a few candidates keep many workers busy. Plain data in (a
    params dict), plain data out.
    """

    def __init__(self, estimator, X, y, splits, fit_kwargs, metric, about, objectives=None):
        self.estimator, self.X, self.y, self.splits = estimator, X, y, splits
        self.fit_kwargs, self.metric, self.about = fit_kwargs, metric, about
        self.parts = len(splits)
        #: How many first folds also return a fingerprint of the fitted model (:meth:`keying`).
        self.keyed = 0
        #: Several objectives: metric names and costs (:data:`COSTS`), each averaged over the folds.
        self.objectives = objectives
        if objectives and "model_size" in objectives:
            self.fit_kwargs = {**fit_kwargs, "return_estimator": True}

    @property
    def directions(self) -> list[str] | None:
        """With several objectives, one direction each: metrics maximized, :data:`COSTS` minimized."""
        return None if not self.objectives else ["minimize" if n in COSTS else "maximize" for n in self.objectives]

    def describe(self) -> dict[str, Any]:
        """What is tuned, for the run file and the report: estimator, data, folds, scoring."""
        data = f"X {_shape(self.X)}" + ("" if self.y is None else f", y {_shape(self.y)}")
        return {"estimator": _short_repr(self.estimator), **self.about, "data": data, "cv": f"{self.parts} folds"}

    def keying(self, folds: int) -> _CrossValidation:
        """This objective, its first ``folds`` folds also fingerprinting their fitted model (``part_key``:
        racing stops a candidate that repeats an earlier trial's models, see :class:`evotune.Racing`)."""
        keyed = copy.copy(self)
        keyed.keyed = folds
        return keyed

    def part(self, params: dict[str, Any], i: int) -> dict[str, Any]:
        """Fit and score fold ``i`` (and fingerprint its fitted model, for the first :attr:`keyed` folds)."""
        train, test = self.splits[i]
        keyed = i < self.keyed
        fit_kwargs = {**self.fit_kwargs, "return_estimator": True} if keyed else self.fit_kwargs
        estimator = clone(self.estimator)
        if keyed:
            _remember_outputs(estimator)
        out = _fit_and_score(
            estimator, self.X, self.y, train=train, test=test, parameters=params, **fit_kwargs
        )
        out.pop("parameters", None)
        fitted = out.pop("estimator", None)  # measured here: the fitted model never leaves the worker
        if keyed and fitted is not None and out.get("fit_error") is None:
            out["fingerprint"] = _fingerprint(*_fingerprinted(fitted, self.X, test))
        if keyed:
            _forget_outputs(estimator)
        if fitted is not None and self.objectives and "model_size" in self.objectives:
            out["model_size"] = len(pickle.dumps(fitted))
        return out

    def part_value(self, fold: dict[str, Any]) -> float | tuple[float, ...]:
        """A fold's score (what racing compares); with several objectives, the fold's value of each."""
        if self.objectives:
            return tuple(_objective_value(fold, name) for name in self.objectives)
        return _metric_score(fold["test_scores"], self.metric)

    @staticmethod
    def part_key(fold: dict[str, Any]) -> str | None:
        """A fold's fingerprint of its fitted model (None unless keyed): equal ones, the same model."""
        return fold.get("fingerprint")

    def combine(self, params: dict[str, Any], folds: list[dict[str, Any]]) -> tuple[Any, dict[str, Any]]:
        """The mean score over the folds (the first ones, for a candidate racing stopped), with every fold's
        result (its fingerprint left to the trial's ``part_keys``); with several objectives, the mean of each."""
        folds = [{k: v for k, v in fold.items() if k != "fingerprint"} for fold in folds]
        if self.objectives:
            values = tuple(float(np.mean([_objective_value(fold, name) for fold in folds]))
                           for name in self.objectives)
            return values, {"splits": folds}
        return float(np.mean([self.part_value(fold) for fold in folds])), {"splits": folds}

    def __call__(self, params: dict[str, Any]) -> tuple[float, dict[str, Any]]:
        return self.combine(params, [self.part(params, i) for i in range(self.parts)])


def _objective_value(fold: dict[str, Any], name: str) -> float:
    """A fold's value of one of several objectives: a cost (:data:`COSTS`) as measured, else the metric's."""
    return fold[name] if name in COSTS else _metric_score(fold["test_scores"], name)


#: The methods a fingerprint reads (:func:`_fingerprint`), and a scorer calls.
_OUTPUTS = ("predict_proba", "decision_function", "predict")


class _Remembered:
    """A fitted model's method (one of :data:`_OUTPUTS`) that remembers its first output, and returns it
    again when called on equal data: the fingerprint, computed after the scorer, reuses what the scorer
    predicted (a regressor's ``predict``; the probabilities a kNN's or a forest's ``predict`` goes
    through)."""

    def __init__(self, method: Any):
        self.method, self.first = method, None
        functools.update_wrapper(self, method)  # its name: scikit-learn reads it

    def __call__(self, X: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs:
            return self.method(X, *args, **kwargs)
        if self.first is not None and _equal_data(X, self.first[0]):
            return self.first[1]
        out = self.method(X)
        if self.first is None:
            self.first = (X, out)
        return out


def _equal_data(a: Any, b: Any) -> bool:
    """Whether ``a`` and ``b`` are the same data (a dense array or a frame; False for anything else)."""
    if a is b:
        return True
    if type(a) is not type(b) or not hasattr(a, "shape") or a.shape != getattr(b, "shape", None):
        return False
    try:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    except Exception:  # noqa: BLE001 - e.g. sparse: not compared, computed again
        return False


def _remembering(estimator: Any) -> list[Any]:
    """The models whose outputs a fingerprint can reuse: ``estimator``, and a pipeline's last step."""
    from sklearn.pipeline import Pipeline

    last = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else None
    return [estimator] + ([last] if hasattr(last, "fit") else [])


def _fingerprinted(fitted: Any, X: Any, test: Any) -> tuple[Any, Any]:
    """What a fold's fingerprint reads, the model and its test data: a pipeline's last step and the data the
    scorer gave it (the pipeline's transform of the fold's test data: not computed again), else ``fitted``
    and the test data. The fingerprint is the same either way."""
    models = _remembering(fitted)
    if len(models) == 2:
        methods = getattr(models[1], "__dict__", {}).values()
        seen = [m.first[0] for m in methods if isinstance(m, _Remembered) and m.first is not None]
        if seen:
            return models[1], seen[0]
    return fitted, _safe_indexing(X, test)


def _remember_outputs(estimator: Any) -> None:
    """Make ``estimator``'s fit give it (and a pipeline's last step) :class:`_Remembered` methods: those it
    has once fitted, so what it offers to the scorer stays what it would without them."""
    fit = estimator.fit

    @functools.wraps(fit)
    def fit_and_remember(*args: Any, **kwargs: Any) -> Any:
        fitted = fit(*args, **kwargs)
        for model in _remembering(estimator):
            for name in _OUTPUTS:
                if hasattr(model, name):
                    with contextlib.suppress(AttributeError, TypeError):
                        setattr(model, name, _Remembered(getattr(model, name)))
        return fitted

    with contextlib.suppress(AttributeError, TypeError):  # no instance attributes: predicted again
        estimator.fit = fit_and_remember


def _forget_outputs(estimator: Any) -> None:
    """Undo :func:`_remember_outputs` (before the model is measured or pickled)."""
    for model in _remembering(estimator):
        for name in ("fit",) + _OUTPUTS:
            getattr(model, "__dict__", {}).pop(name, None)


def _fingerprint(fitted: Any, X: Any) -> str | None:
    """What tells a fitted model apart from another on data ``X``: a hash of its continuous output there
    (probabilities, decision function, a regressor's predictions) rounded to 1e-9; None if it has none.
    Output, not fitted attributes: two kNN models hold the same data, and two regularisations beyond
    saturation different coefficients for the same function. Not a classifier's labels: many different
    models predict the same labels on a fold (in the benchmark, stopping those lost the runs' bests)."""
    for method in ("predict_proba", "decision_function") + (() if is_classifier(fitted) else ("predict",)):
        if hasattr(fitted, method):
            try:
                output = np.round(np.asarray(getattr(fitted, method)(X), dtype=float), 9) + 0.0  # no -0.0
            except Exception:  # noqa: BLE001 - no fingerprint: never called a repeat
                continue
            return hashlib.sha1(np.ascontiguousarray(output).tobytes()).hexdigest()[:16]
    return None


def cross_validation(
    estimator: Any, X: Any, y: Any, *, cv: Any = 5, scoring: Any = None, data: str | None = None,
    objectives: Sequence[str] | None = None,
) -> _CrossValidation:
    """J(params) = the mean cross-validated score of ``estimator`` with ``params``, folds as tasks.

    What ``evotune run`` tunes for an experiment file's ``estimator`` (one scorer, no
    fit parameters); the same objective EvolutionarySearchCV builds. ``objectives`` makes it
    return several values, each a mean over the folds: the score (named as ``scoring``, or
    ``"score"``) and any of :data:`COSTS` (see :func:`check_objectives`).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> objective = cross_validation(DecisionTreeClassifier(random_state=0), *load_iris(return_X_y=True), cv=3)
    >>> value, info = objective({"max_depth": 2})
    >>> round(value, 3), len(info["splits"])
    (0.933, 3)
    >>> both = cross_validation(DecisionTreeClassifier(random_state=0), *load_iris(return_X_y=True), cv=3,
    ...                         objectives=["score", "model_size"])
    >>> (accuracy, size), _ = both({"max_depth": 2})
    >>> round(accuracy, 3), size > 500  # the pickled tree's bytes
    (0.933, True)
    """
    from sklearn.metrics import check_scoring

    check_parameter_names(estimator, [])
    if objectives is not None:
        objectives = check_objectives(objectives, [scoring if isinstance(scoring, str) else "score"])
    splits = list(check_cv(cv, y, classifier=is_classifier(estimator)).split(X, y))
    fit_kwargs = dict(
        scorer=check_scoring(estimator, scoring=check_scoring_name(scoring)), verbose=0, fit_params=None, score_params=None,
        return_n_test_samples=True, return_times=True, error_score=np.nan,
    )
    about = {"dataset": data} if data else {}
    about["scoring"] = _short_repr(scoring) if scoring is not None else "the estimator's score method"
    if objectives:
        about["objectives"] = ", ".join(objectives)
    return _CrossValidation(clone(estimator), X, y, splits, fit_kwargs, None, about, objectives)


def check_parameter_names(estimator: Any, names: Sequence[str]) -> None:
    """Refuse parameter names ``estimator.set_params`` would refuse, before any fit.

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> check_parameter_names(DecisionTreeClassifier(), ["min_sample_leaf"])
    Traceback (most recent call last):
    ...
    evotune.exceptions.InvalidParameterError: DecisionTreeClassifier has no parameter 'min_sample_leaf'; did you mean 'min_samples_leaf'? ...
    """
    if not hasattr(estimator, "get_params"):
        raise InvalidParameterError(f"`estimator` must be a scikit-learn estimator (with get_params); got {estimator!r}.")
    valid = estimator.get_params(deep=True)
    for name in names:
        if name not in valid:
            close = difflib.get_close_matches(name, list(valid), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InvalidParameterError(
                f"{type(estimator).__name__} has no parameter {name!r}; {hint}its parameters: {', '.join(sorted(valid))}."
            )


def _shown(estimator: Any) -> str:
    """``repr(estimator)``, or its class's name when that fails (sklearn's repr reads every parameter)."""
    try:
        return repr(estimator)
    except Exception:
        return f"a {type(estimator).__name__}"


def check_space_names(estimator: Any, space: Space) -> None:
    """Every name of the space must be a parameter of ``estimator``, or of the estimators a searched
    parameter chooses among (``clf__C`` when ``clf`` chooses among SVC() and LogisticRegression();
    with a when= condition on ``clf``, of the estimators it names); every estimator choice must clone.

    Examples
    --------
    >>> from sklearn.pipeline import Pipeline
    >>> from sklearn.svm import SVC
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> import evotune as et
    >>> space = et.Space({"clf": [SVC(), KNeighborsClassifier()],
    ...                   "clf__k": et.Integer(1, 9).when(clf="KNeighborsClassifier")})
    >>> check_space_names(Pipeline([("clf", SVC())]), space)
    Traceback (most recent call last):
    ...
    evotune.exceptions.InvalidParameterError: 'clf__k': none of the estimators 'clf' takes here (KNeighborsClassifier) has a parameter 'k'; ...
    """
    for branch in space.branches or [space]:
        for name in branch:
            for choice in getattr(branch[name], "choices", ()):
                if hasattr(choice, "get_params"):
                    try:
                        clone(choice)
                    except Exception as exc:  # sklearn raises TypeError or RuntimeError, a custom class anything
                        raise InvalidParameterError(
                            f"{name!r}: the choice {_shown(choice)} cannot be cloned ({type(exc).__name__}: {exc}); "
                            f"every candidate gets a clone of it."
                        ) from None
            parts = name.split("__")
            owner = next(("__".join(parts[:k]) for k in range(len(parts) - 1, 0, -1)
                          if "__".join(parts[:k]) in branch), None)
            if owner is None:
                check_parameter_names(estimator, [name])
                continue
            choices = dict(branch[name].condition).get(owner, getattr(branch[owner], "choices", ()))
            estimators = [c for c in choices if hasattr(c, "get_params")]
            rest = name[len(owner) + 2:]
            if estimators and not any(rest in c.get_params(deep=True) for c in estimators):
                valid = sorted({p for c in estimators for p in c.get_params(deep=True)})
                close = difflib.get_close_matches(rest, valid, n=1)
                hint = f"did you mean {owner}__{close[0]}? " if close else ""
                names = ", ".join(type(c).__name__ for c in estimators)
                raise InvalidParameterError(
                    f"{name!r}: none of the estimators {owner!r} takes here ({names}) has a parameter {rest!r}; {hint}"
                    f"their parameters: {', '.join(valid)}."
                )


def check_scoring_name(scoring: Any) -> Any:
    """``scoring`` itself; a string must name one of scikit-learn's scorers.

    Examples
    --------
    >>> check_scoring_name("R2")
    Traceback (most recent call last):
    ...
    evotune.exceptions.InvalidParameterError: `scoring`: scikit-learn has no scorer 'R2'; did you mean 'r2'? (the names: sklearn.metrics.get_scorer_names())
    >>> check_scoring_name("acc")
    Traceback (most recent call last):
    ...
    evotune.exceptions.InvalidParameterError: `scoring`: scikit-learn has no scorer 'acc'; did you mean 'accuracy'? (the names: sklearn.metrics.get_scorer_names())
    """
    from sklearn.metrics import get_scorer_names

    if isinstance(scoring, str) and scoring not in get_scorer_names():
        names = get_scorer_names()
        close = ([n for n in names if n.startswith(scoring.lower())][:1]
                 or difflib.get_close_matches(scoring, names, n=1)
                 or difflib.get_close_matches(scoring.lower(), names, n=1))
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise InvalidParameterError(
            f"`scoring`: scikit-learn has no scorer {scoring!r}; {hint}(the names: sklearn.metrics.get_scorer_names())"
        )
    return scoring


def _shape(data: Any) -> str:
    shape = getattr(data, "shape", None)
    return "×".join(str(n) for n in shape) if shape is not None else str(len(data))


def _short_repr(value: Any, limit: int = 300) -> str:
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: What ``objectives=`` can minimise beside the scorers: per fold, the fit and the scoring time (seconds)
#: and the fitted estimator's size (bytes, pickled).
COSTS = ("fit_time", "score_time", "model_size")


def check_objectives(objectives: Any, metrics: Sequence[str]) -> list[str]:
    """``objectives`` as a list of names, each a metric of ``scoring`` (maximized) or one of :data:`COSTS`
    (minimized); an error that names what is allowed otherwise.

    Examples
    --------
    >>> check_objectives(["accuracy", "fit_time"], ["accuracy"])
    ['accuracy', 'fit_time']
    >>> check_objectives(["acc", "fit_time"], ["accuracy"])
    Traceback (most recent call last):
    ...
    evotune.exceptions.InvalidParameterError: `objectives`: 'acc' is neither a metric of `scoring` (accuracy) nor one of fit_time, score_time, model_size.
    >>> check_objectives(["accuracy", "fit_time"], ["score"])  # scoring=None: one metric, named "score"
    Traceback (most recent call last):
    ...
    evotune.exceptions.InvalidParameterError: `objectives`: 'accuracy' is neither a metric of `scoring` (score) nor one of fit_time, score_time, model_size. One `scoring` (a scorer or None) is named 'score', as in cv_results_'s 'mean_test_score'; a dict names each of several.
    """
    if isinstance(objectives, str) or not isinstance(objectives, Sequence) or len(objectives) < 2:
        raise InvalidParameterError(
            f"`objectives` must list two or more of: the metrics of `scoring` ({', '.join(metrics)}), "
            f"{', '.join(COSTS)}; got {objectives!r}."
        )
    for name in objectives:
        if name not in metrics and name not in COSTS:
            hint = (" One `scoring` (a scorer or None) is named 'score', as in cv_results_'s "
                    "'mean_test_score'; a dict names each of several.") if list(metrics) == ["score"] else ""
            raise InvalidParameterError(
                f"`objectives`: {name!r} is neither a metric of `scoring` ({', '.join(metrics)}) nor one of "
                f"{', '.join(COSTS)}.{hint}"
            )
    return list(objectives)


def _metric_score(scores: Any, metric: str | None) -> float:
    if isinstance(scores, Mapping):
        return float(scores[metric] if metric in scores else next(iter(scores.values())))
    return float(scores)


def _default_budget(space: Space) -> int:
    """10 evaluations per parameter, at least 30, never more than a finite space has points."""
    return int(min(max(30, 10 * len(space)), space.cardinality))


class _Verbose:
    """scikit-learn-like output: a line per generation (``verbose >= 1``), a line per candidate
    (``>= 2``) with its fold scores (``>= 3``)."""

    def __init__(self, level: int, n_splits: int):
        self.level, self.n_splits = level, n_splits
        self.start = time.monotonic()

    def __call__(self, evolution: Any, stats: Any) -> None:
        print(
            f"[EvolutionarySearchCV] generation {stats.generation}: {stats.evaluated} candidates x "
            f"{self.n_splits} folds, best score {stats.best_so_far:.4g} (generation mean {stats.mean:.4g}), "
            f"{stats.failed} failed; {time.monotonic() - self.start:.1f} s",
            flush=True,
        )

    def on_trial(self, evolution: Any, trial: Any) -> None:
        if self.level < 2:
            return
        params = ", ".join(f"{name}={value!r}" for name, value in trial.params.items())
        if trial.ok:
            score = f"score={trial.value:.4g}"
        elif trial.state is PRUNED:
            score = f"pruned after {len(trial.parts or ())} of {self.n_splits} folds, score={trial.value:.4g}"
        else:
            score = f"{trial.state}: {trial.error}"
        folds = (trial.info or {}).get("splits", [])
        if self.level >= 3 and folds:
            score += " (folds: " + ", ".join(f"{_metric_score(f['test_scores'], None):.4g}" for f in folds) + ")"
        print(f"[EvolutionarySearchCV] candidate {trial.number} (generation {trial.generation}) END {params}; "
              f"{score}; total time={trial.duration:.2f} s", flush=True)


class EvolutionarySearchCV(BaseSearchCV):
    """Search over parameter settings by evolution, with cross-validated scores.

    A drop-in replacement for :class:`~sklearn.model_selection.GridSearchCV` and
    :class:`~sklearn.model_selection.RandomizedSearchCV`: the shared arguments mean
    the same and the fitted attributes have the same form.

    Parameters
    ----------
    estimator : estimator object
        The estimator to tune; it is cloned, never changed.
    param_distributions, param_grid : dict or list of dicts
        Parameter names mapped to evotune parameters (``et.Float(1e-3, 1e3,
        log=True)``), lists of choices (as in ``param_grid``; increasing numbers
        are searched as a scale) or scipy.stats distributions with bounded
        support (``loguniform``, ``uniform``, ``randint``). ``param_grid=`` is
        the same argument under GridSearchCV's name; give one of the two.
    scoring, cv, refit, error_score, return_train_score, pre_dispatch :
        As in GridSearchCV (``pre_dispatch`` is accepted and not needed: a free
        worker gets the next fold at once).
    verbose : int
        0 silent; 1 a line per generation; 2 also a line per candidate; 3 also
        its fold scores.
    progress : bool
        Show a progress bar (tqdm) over the candidates, with the best score so far.
    n_jobs : int, optional
        Candidates evaluated at once (each a whole cross-validation), in worker
        processes; -1 for every core.
    random_state : int, RandomState or None
        Seed of the search: the same seed (and ``lag``) gives the same
        ``cv_results_`` for any ``n_jobs``.
    lag : int, optional
        A generation is bred from the candidates up to ``lag`` before its first,
        so about ``lag`` cross-validations run while it waits for its parents
        (see :func:`evotune.optimize`). Default: 1 for 1 or 2 workers, ``2 * n_jobs``
        beyond (every worker stays busy); pass it to get the same ``cv_results_``
        whatever ``n_jobs``.
    time_budget : float, optional
        Stop starting candidates after this many seconds (the search then
        refits the best so far); given alone, the search runs until it is spent.
    initial_points : list of dict, optional
        Candidates to evaluate first (known good settings, the defaults),
        before the evolution proposes its own.
    population_size, generations, max_evaluations :
        Size of the search. By default ``max_evaluations`` is 10 per parameter
        (at least 30), never more than a finite space has points, and the
        population follows it (6 with two or three ``objectives``; a resumed search
        keeps the one it stored). ``n_iter`` is accepted as ``RandomizedSearchCV``
        users know it, for ``max_evaluations``.
    surrogate : Surrogate, True or None
        Which children of a generation are worth a cross-validation (see
        :mod:`evotune.surrogate`); ``None`` evaluates every bred child.
    racing : Racing, True, None or "auto"
        Stop a candidate's cross-validation once its first folds show it worse
        than the best candidate so far (a paired test on the same folds), fit the
        same models as an earlier candidate's, tie the best fold for fold, or leave
        it too far behind to still end better (see :class:`evotune.Racing`). A
        stopped candidate has ``state`` ``"pruned"`` in ``cv_results_``, NaN for
        the folds it did not run and so a NaN mean
        (ranked last: it is never ``best_params_``). ``"auto"`` (the default since
        0.22) races with ``Racing()`` a search of one objective and 6 folds or
        more (``cv=10``: 41 % fewer fits at the same score in the benchmark), and
        runs every fold otherwise (``cv=5``, scikit-learn's default, saved 23 %
        for a loss of 0.50 ± 0.24 points: pass ``racing=True`` to race it);
        ``None`` or ``False`` always runs every fold (what 0.21 and earlier did by
        default; a resumed search keeps what it stored). ``Racing(...)`` is refused
        with no more folds than its ``min_parts``. With
        ``objectives``, a candidate stops once a candidate on the front is shown
        better in every objective (or it repeats an earlier one's models); it is
        never on the front. A measured time among the objectives varies fold by
        fold and run by run: race on ``"model_size"`` or metrics for the same trials.
    settings : evotune.Settings, optional
        Every other setting of the search (operators, ``crossover_prob``,
        ``offspring_size``, ``initial_points``, ``hall_of_fame_size``...); the
        arguments above, when given, take precedence over it.
    timeout : float, optional
        Seconds one fold's fit and score may take (each fold is a task of its
        own); past it the worker is killed and the candidate scored ``error_score``.
    dask_client : distributed.Client or str, optional
        Evaluate the candidates on a Dask cluster instead of local processes.
    storage, run_name, resume :
        Journal the search in an SQLite run file, and resume it (see
        :func:`evotune.optimize`).
    callbacks : list, optional
        evotune callbacks, called after every generation.
    objectives : list of str, optional
        Search for the trade-offs between several objectives (a Pareto front; see
        :mod:`evotune.pareto`): metrics of ``scoring`` (maximized; ``"score"`` when
        ``scoring`` names one metric, or that metric's string, e.g. ``"accuracy"``)
        and costs, minimized: ``"fit_time"``,
        ``"score_time"`` (seconds per fold), ``"model_size"`` (bytes of the pickled
        fitted estimator). ``refit=True`` then refits the knee of the front
        (:meth:`evotune.Result.select`), a metric name the best candidate by that
        metric, a callable what it picks from ``cv_results_`` (which gains a
        ``pareto_front`` column, and ``mean_model_size``). Times are measured, not
        computed: with ``"fit_time"`` or ``"score_time"`` among the objectives, the
        same seed no longer gives the same candidates (``"model_size"`` does).

    Attributes
    ----------
    cv_results_, best_estimator_, best_score_, best_params_, best_index_, scorer_, n_splits_, \
refit_time_, multimetric_ :
        As in GridSearchCV. ``cv_results_`` also has ``generation`` and ``state``
        (``"complete"``, ``"failed"``, ``"timeout"``, ``"crashed"``, ``"pruned"``) columns.
    trials_ : list of Trial
        Every evaluated candidate, in order (its ``info`` holds the per-fold results).
    hall_of_fame_ : list of Trial
        The best distinct candidates, best first.
    history_ : list of GenerationStats
        One row per generation.
    result_ : evotune.Result
        The search's result, as :func:`evotune.optimize` returns it (the figures
        of :mod:`evotune.plotting` take it, or the search itself).

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> search = EvolutionarySearchCV(
    ...     DecisionTreeClassifier(random_state=0),
    ...     {"max_depth": [1, 2, 3, 4, None], "criterion": ["gini", "entropy"]},
    ...     cv=3, random_state=0)
    >>> bool(search.fit(X, y).best_score_ > 0.9)
    True
    >>> len(search.cv_results_["params"])  # a 10-point grid: searched once, then stopped
    10
    """

    def __init__(
        self,
        estimator: Any,
        param_distributions: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        *,
        param_grid: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
        random_state: Any = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        population_size: int | None = None,
        generations: int | None = None,
        max_evaluations: int | None = None,
        n_iter: int | None = None,
        lag: int | None = None,
        surrogate: Any = True,
        racing: Any = "auto",
        timeout: float | None = None,
        dask_client: Any = None,
        storage: Any = None,
        run_name: str = "default",
        resume: bool = False,
        callbacks: Sequence[Any] | None = None,
        settings: Any = None,
        progress: bool = False,
        time_budget: float | None = None,
        initial_points: Sequence[Mapping[str, Any]] | None = None,
        objectives: Sequence[str] | None = None,
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.param_grid = param_grid
        self.random_state = random_state
        self.population_size = population_size
        self.generations = generations
        self.max_evaluations = max_evaluations
        self.n_iter = n_iter
        self.lag = lag
        self.surrogate = surrogate
        self.racing = racing
        self.timeout = timeout
        self.dask_client = dask_client
        self.storage = storage
        self.run_name = run_name
        self.resume = resume
        self.callbacks = callbacks
        self.settings = settings
        self.progress = progress
        self.time_budget = time_budget
        self.initial_points = initial_points
        self.objectives = objectives

    def _check_refit_for_multimetric(self, scores: Any) -> None:
        """scikit-learn's rule (refit names a metric, or is a callable or False), and with ``objectives``
        also ``refit=True``: the knee of the front."""
        if self.objectives is None or self.refit is not True:
            super()._check_refit_for_multimetric(scores)

    def _run_search(self, evaluate_candidates: Any) -> None:  # pragma: no cover - fit is overridden
        raise NotImplementedError("EvolutionarySearchCV runs its own search in fit().")

    def fit(self, X: Any, y: Any = None, **params: Any) -> EvolutionarySearchCV:
        """Run the evolutionary search with cross-validation, then refit the best candidate.

        ``params`` are routed as in GridSearchCV: ``groups`` to the CV splitter,
        ``sample_weight`` and other fit parameters to the estimator's ``fit``.
        """
        space = Space(self._parameters())
        check_space_names(self.estimator, space)
        budget = self._budget(space)
        for scoring in self.scoring.values() if isinstance(self.scoring, dict) else (
                self.scoring if isinstance(self.scoring, (list, tuple, set)) else [self.scoring]):
            check_scoring_name(scoring)
        scorers, refit_metric = get_scorers(self)
        X, y = indexable(X, y)
        params = _check_method_params(X, params=params)
        routed_params = self._get_routed_params_for_fit(params)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        self._checked_cv_orig = cv
        check_input_parameters(self, X, y, routed_params.splitter.split)
        self.n_splits_ = cv.get_n_splits(X, y, **routed_params.splitter.split)
        splits = list(cv.split(X, y, **routed_params.splitter.split))
        if len(splits) != self.n_splits_:
            raise ValueError(
                f"cv.split and cv.get_n_splits return inconsistent results. Expected {self.n_splits_} splits, "
                f"got {len(splits)}"
            )
        base_estimator = clone(self.estimator)
        metric = refit_metric if isinstance(refit_metric, str) else None
        if metric is None and scorer_names(scorers):
            metric = scorer_names(scorers)[0]
        # one metric is "score" (cv_results_'s name), or its scoring string (as the CLI names it)
        metrics = scorer_names(scorers) or (["score"] + [self.scoring] * isinstance(self.scoring, str))
        objectives = None if self.objectives is None else check_objectives(self.objectives, metrics)
        objective = _CrossValidation(
            base_estimator,
            X,
            y,
            splits,
            dict(
                scorer=scorers,
                verbose=0,
                fit_params=routed_params.estimator.fit,
                score_params=routed_params.scorer.score,
                return_train_score=self.return_train_score,
                return_n_test_samples=True,
                return_times=True,
                error_score=self.error_score,
            ),
            metric,
            {"scoring": "the estimator's score method" if self.scoring is None else _short_repr(self.scoring),
             **({"objectives": ", ".join(objectives)} if objectives else {})},
            objectives,
        )
        callbacks = list(self.callbacks or [])
        if self.verbose > 0:
            print(f"Fitting {self.n_splits_} folds for each of up to {budget} candidates, totalling up to "
                  f"{budget * self.n_splits_} fits")
            callbacks.append(_Verbose(self.verbose, self.n_splits_))
        seed = self.random_state
        if seed is not None and not isinstance(seed, numbers.Integral):
            seed = int(check_random_state(seed).randint(2**31 - 1))
        in_settings = self.settings.population_size if isinstance(self.settings, Settings) else None
        given = self.population_size or in_settings
        default = default_population_size(budget, len(objectives) if objectives else 1)
        changes: dict[str, Any] = {"directions": objective.directions} if objectives else {"direction": "maximize"}
        if given or not self._stored():  # a resumed run keeps the population it had
            changes["population_size"] = given or max(2, min(default, int(min(budget, space.cardinality))))
        if self.lag is not None:
            changes["lag"] = self.lag
        if self.initial_points is not None:
            changes["initial_points"] = self.initial_points
        if seed is not None:
            changes["seed"] = seed
        if self.surrogate is not True:  # the argument, when given, wins (True: the settings' or stored one)
            changes["surrogate"] = self.surrogate
        if self.racing != AUTO:  # "auto": the settings' own (by default "auto"), or the stored run's
            changes["racing"] = self.racing
        with warnings.catch_warnings():
            # failed fits are reported once, in scikit-learn's own words, below
            warnings.simplefilter("ignore", FailedEvaluationWarning)
            try:
                result = optimize(
                    objective,
                    space,
                    self.settings,
                    max_evaluations=budget if self._budget_given() or (self.generations, self.time_budget) == (None, None) else None,
                    generations=self.generations,
                    time_budget=self.time_budget,
                    progress=self.progress,
                    **changes,
                    callbacks=callbacks,
                    error_score="raise" if self.error_score == "raise" else np.nan,
                    n_jobs=1 if self.n_jobs is None else self.n_jobs,
                    timeout=self.timeout,
                    dask_client=self.dask_client,
                    storage=self.storage,
                    run_name=self.run_name,
                    resume=self.resume,
                )
            except AllEvaluationsFailedError as exc:
                result = exc.result  # scikit-learn's "All the N fits failed" error, below, says why
        trials = list(result.trials)
        folds = [self._folds(trial, scorers, splits) for trial in trials]
        out = [fold for trial_folds in folds for fold in trial_folds]
        _warn_or_raise_about_fit_failures(out, self.error_score)
        if callable(self.scoring):
            _insert_error_scores(out, self.error_score)
        more_results = {
            "generation": [t.generation for t in trials],
            "state": [self._state(t) for t in trials],
        }
        if objectives:
            front = {t.number for t in result.pareto_front}
            more_results["pareto_front"] = [t.number in front for t in trials]
            if "model_size" in objectives:
                more_results["mean_model_size"] = [float(np.mean([fold.get("model_size", np.nan) for fold in f]))
                                                   for f in folds]
        with warnings.catch_warnings():
            if any(t.state is PRUNED for t in trials):  # their NaN means are the folds racing skipped
                warnings.filterwarnings("ignore", "One or more of the (test|train) scores are non-finite")
            results = self._format_results([t.params for t in trials], self.n_splits_, out, more_results)
        self.multimetric_ = isinstance(out[0]["test_scores"], dict)
        if callable(self.scoring) and self.multimetric_:
            self._check_refit_for_multimetric(out[0]["test_scores"])
            refit_metric = self.refit
        self.trials_ = trials
        self.result_ = result
        self.hall_of_fame_ = list(result.hall_of_fame)
        self.history_ = list(result.history)
        self.stop_reason_ = result.stop_reason
        self._finish(X, y, routed_params, base_estimator, scorers, refit_metric, results)
        return self

    def _parameters(self) -> Any:
        """The search space: ``param_distributions``, or ``param_grid`` as GridSearchCV users pass it."""
        if (self.param_distributions is None) == (self.param_grid is None):
            raise InvalidParameterError(
                "give the parameters to search as `param_distributions` or as `param_grid` (its alias, as in "
                f"GridSearchCV), not {'both' if self.param_grid is not None else 'neither'}."
            )
        return self.param_distributions if self.param_grid is None else self.param_grid

    def _stored(self) -> bool:
        """Whether ``fit`` resumes a run its run file holds."""
        return bool(self.resume) and self.storage is not None and os.path.exists(self.storage) and (
            self.run_name in run_names(self.storage))

    def _budget_given(self) -> bool:
        return self.max_evaluations is not None or self.n_iter is not None

    def _budget(self, space: Space) -> int:
        if self.max_evaluations is not None and self.n_iter is not None:
            raise InvalidParameterError("give `max_evaluations` or its alias `n_iter`, not both.")
        budget = self.max_evaluations if self.max_evaluations is not None else self.n_iter
        check_int("max_evaluations" if self.n_iter is None else "n_iter", budget, 1, allow_none=True)
        return _default_budget(space) if budget is None else budget

    def _folds(self, trial: Any, scorers: Any, splits: list) -> list[dict[str, Any]]:
        """The fold results of a trial; for an evaluation that never returned, failed folds; for one
        racing stopped, NaN scores for the folds it did not run."""
        done = trial.info["splits"] if trial.info and "splits" in trial.info else []
        if len(done) == len(splits):
            return done
        pruned = trial.state is PRUNED
        score: Any = np.nan if pruned else self.error_score
        if scorer_names(scorers):
            score = {name: score for name in scorer_names(scorers)}
        folds = list(done)
        for _, test in splits[len(done):]:
            fold = {
                "fit_error": None if pruned else trial.error or trial.state,
                "test_scores": score,
                "n_test_samples": len(test),
                "fit_time": 0.0 if pruned else trial.duration / len(splits),
                "score_time": 0.0,
            }
            if self.return_train_score:
                fold["train_scores"] = score
            fold.update({key: np.nan for key in (done[0] if done else {}) if key not in fold})  # model_size
            folds.append(fold)
        return folds

    @staticmethod
    def _state(trial: Any) -> str:
        if trial.state is COMPLETE or not trial.info:
            return trial.state
        return FAILED if any(f.get("fit_error") for f in trial.info["splits"]) else trial.state

    def _finish(self, X, y, routed_params, base_estimator, scorers, refit_metric, results) -> None:
        """Best candidate, refit and fitted attributes, as BaseSearchCV.fit sets them."""
        knee = self.objectives is not None and self.refit is True
        if knee:  # the knee of the front (none: every candidate failed)
            best = self.result_.best_trial
            self.best_index_ = [t.number for t in self.trials_].index(best.number) if best else 0
        elif self.refit or not self.multimetric_:
            self.best_index_ = self._select_best_index(self.refit, refit_metric, results)
        if self.refit or not self.multimetric_:
            if not callable(self.refit) and not knee:
                self.best_score_ = results[f"mean_test_{refit_metric}"][self.best_index_]
            self.best_params_ = results["params"][self.best_index_]
        if self.refit:
            self.best_estimator_ = clone(base_estimator).set_params(**clone(self.best_params_, safe=False))
            start = time.time()
            if y is not None:
                self.best_estimator_.fit(X, y, **routed_params.estimator.fit)
            else:
                self.best_estimator_.fit(X, **routed_params.estimator.fit)
            self.refit_time_ = time.time() - start
            if hasattr(self.best_estimator_, "feature_names_in_"):
                self.feature_names_in_ = self.best_estimator_.feature_names_in_
        self.scorer_ = public_scorer(scorers)
        self.cv_results_ = results
