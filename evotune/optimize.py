"""optimize(): the driver that ties space, evolution, evaluator and callbacks together."""

from __future__ import annotations

import dataclasses
import inspect
import logging
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ._about import describe, environment
from ._checks import check_int, check_number
from .evaluation import Evaluator, Outcome, PartsEvaluator, has_parts, make_evaluator
from .evaluation.parts import Stepped, SteppedEvaluator, budgeted
from .evolution import Evolution
from .exceptions import (
    AllEvaluationsFailedError,
    InfeasibleWarning,
    InvalidParameterError,
    StorageError,
    warn,
)
from .racing import AUTO, Fidelity, Racing
from .result import Result
from .settings import Settings
from .space import Space
from .storage import RunJournal, Storage, StoredTrials
from .trial import Candidate, Direction, Trial

__all__ = ["optimize", "default_lag"]

logger = logging.getLogger("evotune")


def optimize(
    objective: Callable[[dict[str, Any]], float],
    space: Space | Mapping[str, Any],
    settings: Settings | None = None,
    *,
    max_evaluations: int | None = None,
    generations: int | None = None,
    time_budget: float | None = None,
    callbacks: Sequence[Callable[..., Any]] = (),
    error_score: str | float = math.nan,
    n_jobs: int = 1,
    backend: str | Evaluator | None = None,
    timeout: float | None = None,
    dask_client: Any = None,
    blas_threads: int | None = 1,
    progress: bool = False,
    storage: str | os.PathLike | Storage | None = None,
    run_name: str = "default",
    resume: bool = False,
    **changes: Any,
) -> Result:
    """Search ``space`` for the parameters that optimize ``objective``.

    Parameters
    ----------
    objective : callable
        ``objective(params) -> float``, where ``params`` is a dict of parameter
        values (with several ``directions``: a sequence of floats, one per
        direction; any objective may also return ``(value, info_dict)``). An exception, NaN, an infinity or a non-number is recorded as a
        failed trial and ranked worst. An objective made of independent parts
        (``parts``, ``part(params, i)``, ``combine(params, results)``: see
        :mod:`evotune.evaluation.parts`) runs each part as a task of its own,
        and is raced by default when it has 6 parts or more and one objective
        (``racing="auto"``; ``racing=None`` runs every part). With ``fidelity``, it is called as
        ``objective(params, budget)`` at each budget, or, if it is a generator
        function, once as ``objective(params, budgets)`` yielding the value at each
        budget as it trains on (see :class:`evotune.evaluation.parts.Stepped`).
    space : Space or dict
        Parameter names mapped to :class:`Float`, :class:`Integer`,
        :class:`Categorical` (or a plain list of choices).
    settings : Settings, optional
        The search's settings (:class:`Settings`: ``direction`` or ``directions``,
        ``constraints``, ``population_size``,
        ``offspring_size``, ``lag``, ``crossover``, ``mutation``, ``selection``,
        ``crossover_prob``, ``surrogate``, ``racing``, ``fidelity``,
        ``initial_points``, ``hall_of_fame_size``, ``seed``). Keyword arguments set single ones: ``optimize(f, space,
        direction="maximize", seed=0, ...)``. The population size follows
        ``max_evaluations`` by default; ``seed=None`` draws one (kept in ``Result.seed``).

        ``lag``: generation *g* is bred from trials ``0 .. start(g) - lag`` (see
        :class:`Evolution`), so about ``lag`` evaluations can run while a
        generation waits for its parents. The trials depend on the seed and
        ``lag`` only: never on ``n_jobs`` or on the order in which evaluations
        finish. By default :func:`default_lag` of the backend's workers: 1 (a
        generational search) for 1 or 2 workers, ``2 * workers`` beyond, which
        keeps every worker busy but gives other trials than a run on 1 or 2
        workers. Pass ``lag`` to get the same trials for any ``n_jobs``.
    max_evaluations, generations, time_budget :
        Stop after this many evaluations of the objective, generations, or
        seconds (checked after every evaluation). At least one is required. A
        finite space also stops once every point has been evaluated.
    callbacks : list of callables
        Called as ``callback(evolution, stats)`` after every generation; a true
        return value stops the run. A callback with an ``on_trial(evolution,
        trial)`` method also hears of every evaluation as it is recorded (see
        :mod:`evotune.callbacks`).
    error_score : "raise" or nan
        ``"raise"`` re-raises the first exception of the objective; by default
        failures are recorded and the search goes on.
    n_jobs : int
        Evaluations run at once: 1 (default) in this process, more in a pool
        of worker processes, -1 for every core. A worker that finishes gets the
        next candidate at once (no waiting for the rest of a generation).
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
    storage : str, path or Storage, optional
        An SQLite run file to journal the run in: every finished evaluation and
        every generation's statistics. A killed run then loses at most its
        evaluations in flight.
    run_name : str
        The run's name in the file (one file holds many runs).
    resume : bool
        Continue run ``run_name`` from where its journal ends (or start it, if
        the file has no such run): the same search, finished evaluations reused
        (the search is replayed from its journal, then goes on as if never
        stopped). Settings not given are taken from the stored run (its seed,
        direction, sizes, ``lag``, its :class:`GaussianProcessSurrogate` or none...); the space
        and the given settings must match the stored ones. Budgets (``max_evaluations``, ``generations``,
        ``time_budget``), ``n_jobs``, ``backend`` and ``timeout`` may change.
        ``max_evaluations`` counts the evaluations of every session.

    Returns
    -------
    Result
        Trials, per-generation history, hall of fame and best parameters. A run
        stopped with Ctrl-C returns what it finished, with ``stop_reason``
        "interrupted". With ``storage``, ``trials`` are read from the file as
        they are used.

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
    check_budgets(max_evaluations=max_evaluations, generations=generations, time_budget=time_budget)
    if max_evaluations is None and generations is None and time_budget is None:
        raise InvalidParameterError(
            "optimize(): give at least one of `max_evaluations`, `generations` or `time_budget`."
        )
    if not (error_score == "raise" or (isinstance(error_score, float) and math.isnan(error_score))):
        raise InvalidParameterError(
            f"`error_score` must be 'raise' or nan (record failures); got {error_score!r}."
        )
    if not isinstance(callbacks, (list, tuple)):
        raise InvalidParameterError(f"`callbacks` must be a list of callables; got {callbacks!r}.")
    callbacks = list(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise InvalidParameterError(f"`callbacks` must hold callables; got {cb!r}.")
    # on resume, what the user did not give comes from the stored run ("auto" racing is not a choice)
    given = {name for name, value in changes.items() if not (name == "racing" and value == AUTO)}
    settings = Settings.of(changes, settings)
    _check_arguments(objective, fidelity=settings.fidelity is not None)
    if settings.fidelity is not None:  # objective(params, budget): each budget a part, or a generator over budgets
        objective = budgeted(objective, settings.fidelity)
    if isinstance(settings.racing, Racing) and not has_parts(objective):
        raise InvalidParameterError(
            "`racing` needs an objective evaluated fold by fold (`parts`, `part(params, i)` and `combine(params, "
            "results)`, as evotune.sklearn.cross_validation and EvolutionarySearchCV make); this one is called whole."
        )
    if isinstance(settings.racing, Racing) and objective.parts <= settings.racing.min_parts:
        raise InvalidParameterError(
            f"`racing`: min_parts={settings.racing.min_parts} leaves nothing to stop with {objective.parts} folds; "
            f"use more folds (cv=10) or a smaller min_parts (at least 2)."
        )
    evaluator = make_evaluator(
        n_jobs=n_jobs, backend=backend, timeout=timeout, dask_client=dask_client, blas_threads=blas_threads
    )
    owned = not isinstance(backend, Evaluator)
    if has_parts(objective):  # e.g. cross-validation folds: each its own task
        evaluator = PartsEvaluator(evaluator)
    elif isinstance(objective, Stepped):  # budgets trained on in one task
        evaluator = SteppedEvaluator(evaluator)
    store = None
    try:
        store = None if storage is None else storage if isinstance(storage, Storage) else Storage(storage)
        return _optimize(
            objective, space, settings, given, store, evaluator, callbacks, run_name=run_name, resume=resume,
            progress=progress, raise_errors=error_score == "raise",
            budgets={"max_evaluations": max_evaluations, "generations": generations, "time_budget": time_budget},
        )
    finally:
        if owned:  # ours to close; a user's evaluator stays open
            evaluator.close()
        else:
            evaluator.cancel()
        if store is not None and store is not storage:
            store.close()


def _check_arguments(objective: Callable[..., Any], fidelity: bool) -> None:
    """Refuse, before any evaluation, an objective that cannot be called as evotune will call it."""
    try:
        signature = inspect.signature(objective)
    except (TypeError, ValueError):  # a builtin without a signature: it will tell when called
        return
    try:
        signature.bind({}, 1) if fidelity else signature.bind({})
    except TypeError:
        call = "with `fidelity`, the objective is called as objective(params, budget)" if fidelity else (
            "the objective is called as objective(params), params a dict of parameter name -> value")
        name = getattr(objective, "__qualname__", type(objective).__name__)
        raise InvalidParameterError(
            f"{call}; {name}{signature} does not take {'two arguments' if fidelity else 'one argument'}."
        ) from None


def check_budgets(*, max_evaluations: Any = None, generations: Any = None, time_budget: Any = None) -> None:
    """Refuse a budget :func:`optimize` would refuse (the CLI checks experiment files with it)."""
    check_int("max_evaluations", max_evaluations, 1, allow_none=True)
    check_int("generations", generations, 1, allow_none=True)
    check_number("time_budget", time_budget, "a number of seconds > 0", lambda v: v > 0, allow_none=True)


def default_lag(workers: int) -> int:
    """``lag`` for a number of workers: 1 (a generational search: the most information per
    proposal) for 1 or 2 workers, who then stay busy 95 % of the time; ``2 * workers`` beyond, where
    a generation's slowest evaluation would idle the others (4 workers: 82 % busy with ``lag=1``).

    Examples
    --------
    >>> [default_lag(w) for w in (1, 2, 4, 8, 16)]
    [1, 1, 8, 16, 32]
    """
    return 1 if workers <= 2 else 2 * workers


def _optimize(
    objective: Callable[[dict[str, Any]], Any],
    space: Any,
    settings: Settings,
    given: set[str],
    store: Storage | None,
    evaluator: Evaluator,
    callbacks: list[Callable[..., Any]],
    *,
    run_name: str,
    resume: bool,
    progress: bool,
    raise_errors: bool,
    budgets: dict[str, Any],
) -> Result:
    """optimize() once its arguments are checked and its resources open."""
    if store is not None and resume:  # settings the user did not give come from the stored run
        held, budget = store.stored_evaluations(run_name), budgets["max_evaluations"]
        if budget is not None and held > budget:
            raise InvalidParameterError(
                f"`max_evaluations` is {budget}, but run {run_name!r} already holds {held} evaluations: resuming "
                f"it needs a budget of at least {held} (budgets count every session); to read it, use "
                f"evotune.load_run({store.path!r}, {run_name!r})."
            )
        written = store.stored_settings(run_name) or {}
        stored = Settings.restorable(written)
        default = Settings()
        settings = settings.replace(**{
            name: value for name, value in stored.items()
            if name not in given and getattr(settings, name) == getattr(default, name)
        })  # fmt: skip
        screened = Fidelity.from_repr(written.get("fidelity"))  # its screen, unless given: 1 before 0.23
        if settings.fidelity is not None and settings.fidelity.screen is None and screened is not None:
            taken = dataclasses.replace(settings.fidelity, screen=screened.screen)
            settings = settings.replace(fidelity=taken)
    if settings.racing == AUTO:  # a resumed run took back its own above
        parts = objective.parts if has_parts(objective) and settings.fidelity is None else None
        settings = settings.replace(racing=Racing.auto(parts, settings.n_objectives))
    racing = settings.racing
    if racing is not None and racing.repeats and callable(getattr(objective, "keying", None)):
        objective = objective.keying(racing.repeat_parts)  # its first folds fingerprint their models
    evolution = Evolution(
        Space(space),
        settings.replace(lag=settings.lag or default_lag(evaluator.capacity)),
        max_evaluations=budgets["max_evaluations"],
        keep_trials=store is None,
    )
    journal = None
    session = {"workers": evaluator.capacity, "environment": environment(), "objective": describe(objective)}
    started = time.time()
    if store is not None:
        journal = store.open_run(
            run_name,
            space=evolution.space,
            direction=evolution.direction,
            seed=evolution.seed,
            settings=evolution.settings(),
            resume=resume,
            session=session,
        )
    bar = _progress_bar(budgets["max_evaluations"], evolution.directions) if progress else None
    run = _Run(evolution, objective, evaluator, journal=journal, callbacks=callbacks, raise_errors=raise_errors, bar=bar)
    status = "failed"
    try:
        reason = run.loop(**budgets)
        status = "interrupted" if reason == "interrupted" else "finished"
    except BaseException as exc:
        reason = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, AllEvaluationsFailedError):  # what was computed travels with the error
            exc.result = _result(evolution, journal, reason)
        raise
    finally:
        run.close(status, reason)
        session.update(session=0, started=started, ended=time.time(), evaluations=run.evaluated, status=status)
    logger.info("stopped after %d evaluations: %s", evolution.n_told, reason)
    result = _result(evolution, journal, reason)
    result.sessions = [session] if journal is None else journal.sessions()
    if result.hall_of_fame and not result.feasible:
        warn(f"no trial met the constraints; result.hall_of_fame holds the {len(result.hall_of_fame)} least "
             "infeasible (best_trial is None)", InfeasibleWarning)
    return result


def _result(evolution: Evolution, journal: RunJournal | None, reason: str) -> Result:
    """The run's result; with a journal, its trials are read from the run file."""
    result = evolution.result(stop_reason=reason)
    if journal is not None:
        result.trials = StoredTrials(journal.storage.path, journal.run_id, evolution.next_number, evolution.genome)
    return result


class _Run:
    """One session of a run: keep the evaluator busy, tell results, journal them, until a stop rule fires.

    Candidates are submitted ahead (twice the evaluator's capacity), so a worker
    that frees up starts its next evaluation at once, while this process proposes
    the following one. On resume, the engine is rebuilt by proposing the trials
    again from trial 0: a proposal the journal already holds (same number) is told
    from the journal instead of being evaluated. Where the journal holds other genes
    at that number (written by a version or an environment that searched otherwise),
    the stored trial is kept and told as it is: nothing evaluated is evaluated again
    or overwritten, and the search goes on from what the journal holds.
    """

    def __init__(
        self,
        evolution: Evolution,
        objective: Callable[[dict[str, Any]], Any],
        evaluator: Evaluator,
        *,
        journal: RunJournal | None,
        callbacks: list[Callable[..., Any]],
        raise_errors: bool,
        bar: Any,
    ):
        self.evolution = evolution
        self.objective = objective
        self.evaluator = evaluator
        self.journal = journal
        self.callbacks = callbacks
        self.raise_errors = raise_errors
        self.bar = bar
        self.replay = journal.stored_trials() if journal is not None else iter(())
        self.replayed: tuple[Trial, list] | None = next(self.replay, None)
        self.stored_generations = len(journal.history()) if journal is not None else 0
        self.evaluated = 0  # this session's evaluations
        self.diverged: int | None = None  # the first stored trial this version proposed otherwise

    def loop(self, *, max_evaluations: int | None, generations: int | None, time_budget: float | None) -> str:
        """Evaluate until a stop rule fires; returns the stop reason."""
        evolution, evaluator = self.evolution, self.evaluator
        start = time.monotonic()
        interrupts = _Interrupts()
        keeps_parts = self.journal is not None and isinstance(evaluator, PartsEvaluator)
        try:
            interrupts.install()
            evaluator.waits = interrupts.waiting  # a Ctrl-C is raised only while the evaluator blocks
            if keeps_parts:  # finished folds are journaled at once; those of an earlier session run no more
                evaluator.restore(self.journal.stored_parts())
                evaluator.on_part = self.journal.add_part
            evaluator.start(self.objective)
            while True:
                interrupts.check()  # a Ctrl-C held while the driver was busy: before more is submitted
                verdict = self._fill(2 * evaluator.capacity, max_evaluations, generations)
                if verdict is None and not evaluator.n_submitted:
                    if evolution.exhausted or evolution.next_number >= evolution.genome.cardinality:
                        return f"space exhausted: all {evolution.next_number} points evaluated"
                    if max_evaluations is not None and evolution.next_number >= max_evaluations:
                        return f"max_evaluations reached ({max_evaluations})"
                    return f"generations reached ({generations})"
                if verdict is None:
                    outcome = evaluator.next_outcome()
                    if self.raise_errors and isinstance(outcome.value, BaseException):
                        self._keep_finished()
                        raise outcome.value
                    verdict = self._receive(outcome)
                if not verdict and time_budget is not None and time.monotonic() - start >= time_budget:
                    verdict = f"time_budget reached ({time_budget} s)"
                if verdict:
                    self._keep_finished()
                    return verdict
        except KeyboardInterrupt:
            if interrupts.installed:  # raised while waiting, so nothing was half done
                self._keep_finished()
            logger.warning("interrupted; returning the %d finished evaluations", evolution.n_told)
            return "interrupted"
        finally:
            interrupts.restore()
            evaluator.waits = Evaluator.waits  # as it was: a user's evaluator may serve other runs
            if keeps_parts:
                evaluator.on_part = None
            evaluator.cancel()

    def _keep_finished(self) -> None:
        """Before a stop (or an error raised with ``error_score="raise"``) cancels what runs: judge, journal
        and tell the evaluations that finished meanwhile (while the driver proposed, journaled or ran
        callbacks), so that no finished work is lost."""
        for outcome in self.evaluator.finished_outcomes():
            self._receive(outcome)

    def _receive(self, outcome: Outcome) -> str | None:
        """Judge, journal and tell an evaluation's outcome; returns a callback's stop verdict, if any."""
        trial = self.evolution.judge(outcome.candidate, outcome.value, outcome.duration, outcome.worker,
                                     outcome.started, outcome.parts)
        return self._tell(trial, outcome.candidate.genes, outcome.value)

    def _fill(self, target: int, max_evaluations: int | None, generations: int | None) -> str | None:
        """Submit candidates until ``target`` are out (or none can be proposed now); tell the ones
        the journal already holds. Returns a callback's stop verdict, if one fired."""
        evolution, evaluator = self.evolution, self.evaluator
        while evaluator.n_submitted < target:
            number = evolution.next_number
            if max_evaluations is not None and number >= max_evaluations:
                return None
            if generations is not None and evolution.generation_of(number) >= generations:
                return None
            candidate = evolution.ask_one()
            if candidate is None:
                return None
            stored = self._stored(candidate)
            if stored is None:
                evaluator.submit(candidate)
                continue
            trial, genes = stored
            if genes != candidate.genes and self.diverged is None:
                self.diverged = trial.number
                logger.warning(
                    "resuming: this search proposes trial %d otherwise than the run file holds (it was written by "
                    "another evotune or environment); the stored trials are kept as they are and the search goes "
                    "on from them", trial.number)
            verdict = self._tell(trial, genes, None, journaled=True)
            if verdict:
                return verdict
        return None

    def _stored(self, candidate: Candidate) -> tuple[Trial, list] | None:
        """The journal's trial at ``candidate``'s number and its genes, if it holds one."""
        while self.replayed is not None and self.replayed[0].number < candidate.number:
            self.replayed = next(self.replay, None)
        if self.replayed is not None and self.replayed[0].number == candidate.number:
            return self.replayed
        return None

    def _tell(self, trial: Trial, genes: list, value: Any, journaled: bool = False) -> str | None:
        """Journal a trial (unless it came from the journal), tell the engine, end finished generations."""
        if not journaled:
            self.evaluated += 1
            if self.journal is not None:
                self.journal.add_trial(trial, genes)
        done = self.evolution.generation
        try:
            self.evolution.told(trial, genes, cause=value if isinstance(value, BaseException) else None)
        finally:
            if self.bar is not None:
                _advance(self.bar, trial, self.evolution)
        if not journaled:
            for callback in self.callbacks:
                if hasattr(callback, "on_trial"):
                    callback.on_trial(self.evolution, trial)
        verdict = None
        for stats in self.evolution.history[done:]:
            verdict = verdict or self._end_generation(stats)
        return verdict

    def _end_generation(self, stats: Any) -> str | None:
        """Run the callbacks on a generation just ended, journal it; returns a stop reason or None."""
        verdict = None
        for callback in self.callbacks:
            verdict = callback(self.evolution, stats)
            if verdict:
                verdict = verdict if isinstance(verdict, str) else f"stopped by {callback!r}"
                break
        # a resumed run rewrites its last stored row: a budget may have cut that generation short
        if self.journal is not None and stats.generation >= self.stored_generations - 1:
            state = {"generation": stats.generation, "next_number": self.evolution.next_number}
            self.journal.end_generation(stats, lambda: state)
        return verdict

    def close(self, status: str, reason: str) -> None:
        if self.journal is not None:
            try:
                self.journal.finish(status, reason)
            except StorageError:
                if status != "failed":  # the run's own error, if any, is the one to report
                    raise
                logger.warning("could not record the run's end in %s", self.journal.storage.path)
            finally:
                self.journal.close()
        if self.bar is not None:
            self.bar.close()


class _Interrupts:
    """Ctrl-C during the loop, raised only while the evaluator blocks on its workers (its ``waits``).

    A ``KeyboardInterrupt`` raised at an arbitrary point could land inside the evaluator's
    own bookkeeping (a process pool's task queue, between its lock and its notify) and
    leave the pool unable to stop: the run then hung in ``ProcessPool.join`` (seen about
    once in 30 Ctrl-Cs). So a Ctrl-C that comes while the driver proposes, submits or
    journals, or while the evaluator submits (a candidate's next folds) or reads a result,
    is held and raised when it next blocks. Installed only in the main thread, and only over
    Python's default handler.

    One Ctrl-C is raised per wait: a second one at once would land in the first one's
    unwinding, so it is held. But a raised Ctrl-C can be lost (one that lands in a destructor
    the wait runs is printed as "Exception ignored" and the wait goes on: seen with Dask), so
    one that comes a second or more after it, in the same wait, is raised too.
    """

    def __init__(self) -> None:
        self.pending = self.active = self.installed = False
        self.raised_at: float | None = None  # when a Ctrl-C was raised in the current wait

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, self._handle)
            self.installed = True

    def restore(self) -> None:
        if self.installed:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            self.installed = False

    def _handle(self, signum: int, frame: Any) -> None:
        now = time.monotonic()
        if self.active and (self.raised_at is None or now - self.raised_at >= 1.0):
            self.raised_at = now
            raise KeyboardInterrupt
        self.pending = True

    def check(self) -> None:
        """Raise a Ctrl-C held since the last wait."""
        if self.pending:
            raise KeyboardInterrupt

    def waiting(self, wait: Callable[[], Any]) -> Any:
        """``wait()``, interruptible; a Ctrl-C held since the last wait is raised now."""
        self.check()
        self.active, self.raised_at = True, None
        try:
            return wait()
        finally:
            self.active = False


def _progress_bar(total: int | None, directions: Sequence[Direction]) -> Any:
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="eval", desc=f"evotune ({', '.join(map(str, directions))})", dynamic_ncols=True)
    bar.best = None
    bar.better = directions[0].best
    return bar


def _advance(bar: Any, trial: Any, evolution: Evolution) -> None:
    if len(evolution.directions) > 1:  # several objectives: how many trials the front holds
        bar.set_postfix(generation=trial.generation, front=len(evolution.hall_of_fame), refresh=False)
    else:
        if trial.ok and trial.feasible:
            bar.best = trial.value if bar.best is None else bar.better(bar.best, trial.value)
        bar.set_postfix(generation=trial.generation, best=bar.best, refresh=False)
    bar.update(1)
