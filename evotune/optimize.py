"""optimize(): the driver that ties space, evolution, evaluator and callbacks together."""

from __future__ import annotations

import logging
import math
import numbers
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .evaluation import Evaluator, make_evaluator
from .evolution import Evolution
from .exceptions import InvalidParameterError
from .result import Result
from .space import Space

__all__ = ["optimize"]

logger = logging.getLogger("evotune")


def _check_budget(name: str, value: Any, kind: type) -> None:
    if value is None:
        return
    ok = isinstance(value, kind) and not isinstance(value, bool) and value > 0
    if not ok:
        what = "an integer >= 1" if kind is numbers.Integral else "a number of seconds > 0"
        raise InvalidParameterError(f"`{name}` must be {what} or None; got {value!r}.")


def optimize(
    objective: Callable[[dict[str, Any]], float],
    space: Space | Mapping[str, Any],
    *,
    direction: str = "minimize",
    max_evaluations: int | None = None,
    generations: int | None = None,
    time_budget: float | None = None,
    population_size: int | None = None,
    offspring_size: int | None = None,
    crossover: Any = None,
    mutation: Any = None,
    selection: Any = None,
    crossover_prob: float = 0.9,
    initial_points: Sequence[Mapping[str, Any]] | None = None,
    hall_of_fame_size: int = 10,
    callbacks: Sequence[Callable[..., Any]] = (),
    error_score: str | float = math.nan,
    n_jobs: int = 1,
    backend: str | Evaluator | None = None,
    timeout: float | None = None,
    dask_client: Any = None,
    blas_threads: int | None = 1,
    progress: bool = False,
    seed: int | None = None,
) -> Result:
    """Search ``space`` for the parameters that optimize ``objective``.

    Parameters
    ----------
    objective : callable
        ``objective(params) -> float``, where ``params`` is a dict of parameter
        values. An exception, NaN, an infinity or a non-number is recorded as a
        failed trial and ranked worst.
    space : Space or dict
        Parameter names mapped to :class:`Float`, :class:`Integer`,
        :class:`Categorical` (or a plain list of choices).
    direction : {"minimize", "maximize"}
    max_evaluations, generations, time_budget :
        Stop after this many evaluations of the objective, generations, or
        seconds (checked after every evaluation). At least one is required. A
        finite space also stops once every point has been evaluated.
    population_size, offspring_size, crossover, mutation, selection, crossover_prob, \
initial_points, hall_of_fame_size :
        See :class:`Evolution`. The population size follows ``max_evaluations``
        by default.
    callbacks : list of callables
        Called as ``callback(evolution, stats)`` after every generation; a true
        return value stops the run (see :mod:`evotune.callbacks`).
    error_score : "raise" or nan
        ``"raise"`` re-raises the first exception of the objective; by default
        failures are recorded and the search goes on.
    n_jobs : int
        Evaluations run at once: 1 (default) in this process, more in a pool
        of worker processes, -1 for every core. A whole generation is
        submitted at once.
    backend : {"serial", "process", "dask"} or Evaluator, optional
        Where evaluations run; by default "serial" for ``n_jobs=1`` without a
        timeout, "process" otherwise, "dask" when ``dask_client`` is given.
    timeout : float, optional
        Seconds one evaluation may run. Past it, the worker process is killed
        and replaced and the trial is recorded as "timeout".
    dask_client : distributed.Client or str, optional
        The Dask cluster to evaluate on (a client or a scheduler address).
    blas_threads : int or None
        BLAS/OpenMP threads per worker (default 1: no oversubscription).
    progress : bool
        Show a progress bar (tqdm) with the best value so far.
    seed : int, optional
        Same seed, same trials. ``None`` draws one; it is kept in ``Result.seed``.

    Returns
    -------
    Result
        Trials, per-generation history, hall of fame and best parameters. A run
        stopped with Ctrl-C returns what it finished, with ``stop_reason``
        "interrupted".

    Examples
    --------
    >>> import evotune as et
    >>> def loss(p):
    ...     return (p["lr"] - 0.01) ** 2 + (p["layers"] - 3) ** 2 + (p["act"] != "relu")
    >>> space = {"lr": et.Float(1e-4, 1e-1, log=True), "layers": et.Integer(1, 8),
    ...          "act": et.Categorical(["relu", "tanh", "gelu"])}
    >>> result = et.optimize(loss, space, max_evaluations=200, seed=0)
    >>> result.best_params["layers"], result.best_params["act"]
    (3, 'relu')
    >>> result.stop_reason
    'max_evaluations reached (200)'
    """
    if not callable(objective):
        raise InvalidParameterError(f"`objective` must be callable; got {objective!r}.")
    _check_budget("max_evaluations", max_evaluations, numbers.Integral)
    _check_budget("generations", generations, numbers.Integral)
    _check_budget("time_budget", time_budget, numbers.Real)
    if max_evaluations is None and generations is None and time_budget is None:
        raise InvalidParameterError(
            "optimize(): give at least one of `max_evaluations`, `generations` or `time_budget`."
        )
    if not (error_score == "raise" or (isinstance(error_score, float) and math.isnan(error_score))):
        raise InvalidParameterError(
            f"`error_score` must be 'raise' or nan (record failures); got {error_score!r}."
        )
    evaluator = make_evaluator(
        n_jobs=n_jobs, backend=backend, timeout=timeout, dask_client=dask_client, blas_threads=blas_threads
    )
    callbacks = list(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise InvalidParameterError(f"`callbacks` must hold callables; got {cb!r}.")
    evolution = Evolution(
        Space(space),
        direction=direction,
        population_size=population_size,
        offspring_size=offspring_size,
        crossover=crossover,
        mutation=mutation,
        selection=selection,
        crossover_prob=crossover_prob,
        initial_points=initial_points,
        hall_of_fame_size=hall_of_fame_size,
        max_evaluations=max_evaluations,
        seed=seed,
    )
    bar = _progress_bar(max_evaluations, direction) if progress else None
    try:
        reason = _run(
            evolution,
            objective,
            evaluator,
            max_evaluations=max_evaluations,
            generations=generations,
            time_budget=time_budget,
            callbacks=callbacks,
            raise_errors=error_score == "raise",
            bar=bar,
        )
    finally:
        if evaluator is not backend:  # ours to close; a user's evaluator stays open
            evaluator.close()
        if bar is not None:
            bar.close()
    logger.info("evotune: stopped after %d evaluations: %s", len(evolution.trials), reason)
    return evolution.result(stop_reason=reason)


def _run(
    evolution: Evolution,
    objective: Callable[[dict[str, Any]], Any],
    evaluator: Evaluator,
    *,
    max_evaluations: int | None,
    generations: int | None,
    time_budget: float | None,
    callbacks: list[Callable[..., Any]],
    raise_errors: bool,
    bar: Any = None,
) -> str:
    """Ask, evaluate and tell until a stop rule fires; returns the stop reason."""
    start = time.monotonic()
    evaluations = 0
    try:
        while True:
            if generations is not None and evolution.generation >= generations:
                return f"generations reached ({generations})"
            remaining = None if max_evaluations is None else max_evaluations - evaluations
            if remaining == 0:
                return f"max_evaluations reached ({max_evaluations})"
            batch = evolution.ask(remaining)
            if not batch:
                return f"space exhausted: all {evolution.genome.cardinality} points evaluated"
            generation = evolution.generation
            outcomes = evaluator.evaluate(objective, batch)
            for outcome in outcomes:
                if raise_errors and isinstance(outcome.value, BaseException):
                    raise outcome.value
                trial = evolution.record(
                    outcome.candidate, outcome.value, outcome.duration, outcome.worker, outcome.started
                )
                evaluations += 1
                if bar is not None:
                    _advance(bar, trial)
                if time_budget is not None and time.monotonic() - start >= time_budget:
                    outcomes.close()
                    return f"time_budget reached ({time_budget} s)"
            if evolution.generation > generation:
                stats = evolution.history[-1]
                for callback in callbacks:
                    verdict = callback(evolution, stats)
                    if verdict:
                        return verdict if isinstance(verdict, str) else f"stopped by {callback!r}"
    except KeyboardInterrupt:
        logger.warning("evotune: interrupted; returning the %d finished evaluations", evaluations)
        return "interrupted"


def _progress_bar(total: int | None, direction: str) -> Any:
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="eval", desc=f"evotune ({direction})", dynamic_ncols=True)
    bar.best = None
    bar.better = min if direction == "minimize" else max
    return bar


def _advance(bar: Any, trial: Any) -> None:
    if trial.ok:
        bar.best = trial.value if bar.best is None else bar.better(bar.best, trial.value)
    bar.set_postfix(generation=trial.generation, best=bar.best, refresh=False)
    bar.update(1)
