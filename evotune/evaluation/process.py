"""Local process pool: all cores busy, hard per-evaluation timeouts, crash isolation.

Built on pebble's ``ProcessPool``: it kills a worker whose task runs past its
timeout or is cancelled, notices a worker that died, and starts a replacement
either way; concurrent.futures' pool instead breaks as a whole on the first
dead worker and cannot stop a running task.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import logging
import logging.handlers
import multiprocessing
import os
import queue
import sys
import time
from collections.abc import Callable
from typing import Any

from .._checks import check_int, check_number
from ..exceptions import EvaluationTimeoutError, EvotuneError, InvalidParameterError, WorkerCrashedError, warn
from ..trial import Candidate
from . import _worker
from .base import Evaluator, Outcome, dump_objective

__all__ = ["ProcessPoolEvaluator", "default_start_method", "fork_hazard", "resolve_n_jobs"]

_START_METHODS = ("fork", "forkserver", "spawn", "loky")


def resolve_n_jobs(n_jobs: int) -> int:
    """Number of workers for ``n_jobs``: -1 is every usable core, -2 all but one, and so on.

    Examples
    --------
    >>> resolve_n_jobs(3)
    3
    >>> resolve_n_jobs(-1) == len(os.sched_getaffinity(0))
    True
    """
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int) or n_jobs == 0:
        raise InvalidParameterError(f"`n_jobs` must be a non-zero integer (-1 = all cores); got {n_jobs!r}.")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return n_jobs if n_jobs > 0 else max(1, cores + 1 + n_jobs)


class _Relay(logging.Handler):
    """Hands records from workers to the parent's loggers, as if logged here."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


def _gnu_openmp_loaded() -> bool:
    """Whether this process has loaded GNU OpenMP (libgomp: scikit-learn's wheels ship it).

    A child forked after this process ran an OpenMP region can hang in its own first
    region with several threads (libgomp keeps no fork handlers; LLVM's and Intel's do).
    """
    from threadpoolctl import threadpool_info

    return any(info.get("prefix") == "libgomp" for info in threadpool_info())


def default_start_method(blas_threads: int | None) -> str:
    """How workers start when the user does not say: "fork" where it is safe, else "loky".

    Forked workers start at once and share captured data without a copy. Forking is unsafe
    on macOS (its system libraries, Accelerate among them, may run threads that a forked
    child inherits locked: CPython itself stopped forking there by default), and after this
    process loaded GNU OpenMP when workers may run it on several threads (``blas_threads``
    other than 1; see :func:`fork_hazard`). Then workers start as fresh interpreters
    (loky's fork + exec: like "spawn", but without importing ``__main__`` again, so no
    ``if __name__ == "__main__":`` guard is needed). Platforms without fork: "spawn".

    Examples
    --------
    >>> default_start_method(1) in ("fork", "loky", "spawn")
    True
    """
    if "fork" not in multiprocessing.get_all_start_methods():
        return "spawn"
    return "fork" if fork_hazard(blas_threads) is None else "loky"


def fork_hazard(blas_threads: int | None, platform: str = sys.platform) -> str | None:
    """Why forking workers is unsafe here (None: it is safe).

    Examples
    --------
    >>> fork_hazard(1, platform="darwin")
    "macOS's system libraries (Accelerate among them) are not safe in a forked child"
    >>> fork_hazard(1, platform="linux") is None  # one thread per worker: even GNU OpenMP is safe
    True
    """
    if platform == "darwin":
        return "macOS's system libraries (Accelerate among them) are not safe in a forked child"
    if blas_threads != 1 and _gnu_openmp_loaded():
        return (f"with blas_threads={blas_threads!r}, this process has loaded GNU OpenMP, and a forked worker "
                "that runs OpenMP on several threads can hang (with blas_threads=1 forking is safe)")
    return None


def _context(start_method: str) -> Any:
    if start_method == "loky":
        from joblib.externals.loky.backend import get_context

        return get_context("loky")
    context = multiprocessing.get_context(start_method)
    if start_method == "forkserver":
        context.set_forkserver_preload(["evotune.evaluation._worker"])
    return context


def _configured_levels() -> dict[str, int]:
    levels = {"": logging.getLogger().level}
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level != logging.NOTSET:
            levels[name] = logger.level
    return levels


_logger = logging.getLogger("evotune")


class ProcessPoolEvaluator(Evaluator):
    """Evaluates candidates in a pool of worker processes on this machine.

    Each worker gets the objective once, when it starts: inherited as it is
    with "fork", serialized with cloudpickle (closures and lambdas work) with
    the other start methods. An evaluation then ships only a params dict. Log records from the objective reach this process's handlers
    with a ``trial`` attribute; workers' stdout and stderr go where this
    process's go.

    Parameters
    ----------
    n_jobs : int
        Number of workers; -1 for every core.
    timeout : float, optional
        Seconds an evaluation may run; past it the worker is killed and
        replaced, and the trial is recorded as "timeout".
    blas_threads : int or None
        Threads each worker's BLAS/OpenMP libraries may use (default 1, so that
        n_jobs workers do not oversubscribe the cores); None leaves them alone.
    start_method : {"fork", "forkserver", "spawn", "loky"}, optional
        How workers are started. "fork" is fast, shares captured data without a
        copy, and scripts need no ``if __name__ == "__main__":`` guard. "loky"
        (joblib's) starts each worker as a fresh interpreter, nothing inherited,
        and needs no guard either. With "forkserver" and "spawn", a script must
        guard its call to ``optimize``. Default: chosen when the workers start
        by :func:`default_start_method` ("fork" unless that is unsafe: on macOS,
        or when workers may run GNU OpenMP on several threads after this process
        loaded it, which can hang a forked worker; then "loky"; "spawn" where the
        platform has no fork).

    Examples
    --------
    >>> from evotune.trial import Candidate
    >>> with ProcessPoolEvaluator(n_jobs=2) as pool:
    ...     outcomes = pool.evaluate(lambda p: p["x"] ** 2, [Candidate(i, 0, {"x": i}) for i in range(4)])
    ...     sorted(o.value for o in outcomes)
    [0.0, 1.0, 4.0, 9.0]
    """

    def __init__(
        self,
        n_jobs: int = -1,
        *,
        timeout: float | None = None,
        blas_threads: int | None = 1,
        start_method: str | None = None,
    ):
        self.n_workers = resolve_n_jobs(n_jobs)
        check_timeout(timeout)
        check_int("blas_threads", blas_threads, 1, allow_none=True)
        if start_method is not None and start_method not in _START_METHODS:
            raise InvalidParameterError(f"`start_method` must be one of {_START_METHODS}; got {start_method!r}.")
        self.timeout = timeout
        self.blas_threads = blas_threads
        self.start_method = start_method
        self._pool: Any = None
        self._pool_args: dict[str, Any] = {}  # what the pool was made with (made again if its threads die)
        self._objective: Any = None
        self._listener: logging.handlers.QueueListener | None = None
        self._futures: dict[Any, tuple[Candidate, float]] = {}
        # futures finished and not yet returned, with their outcomes, added by the pool's threads (_finish)
        self._finished: dict[Any, Outcome] = {}
        self._doorbell: queue.SimpleQueue = queue.SimpleQueue()  # rung each time one finishes

    @property
    def capacity(self) -> int:
        return self.n_workers

    def start(self, objective: Callable[[dict], Any]) -> None:
        """Start the workers for ``objective`` (done by :meth:`evaluate` when needed)."""
        if self._pool is not None and objective is self._objective:
            return
        method = self.start_method or default_start_method(self.blas_threads)
        if self.start_method == "fork" and (hazard := fork_hazard(self.blas_threads)) is not None:
            warn(f"start_method='fork': {hazard}; start_method='loky' starts fresh workers.", RuntimeWarning)
        try:  # fork: workers inherit the objective, captured data included, without a copy
            payload = objective if method == "fork" else dump_objective(objective)
        except InvalidParameterError as exc:
            if self.start_method is not None or method != "loky":
                raise
            raise InvalidParameterError(
                f"{exc} (Workers start as fresh interpreters here, not forked: {fork_hazard(self.blas_threads)}; see "
                "default_start_method.)"
            ) from exc.__cause__
        self.close()
        from pebble import ProcessPool

        context = _context(method)
        atexit.register(self.close)  # a pool left open stops before the interpreter's own cleanup
        queue = context.Queue()
        self._listener = logging.handlers.QueueListener(queue, _Relay())
        self._listener.start()
        self._pool_args = dict(
            max_workers=self.n_workers,
            initializer=_worker.initialize,
            initargs=(payload, queue, _configured_levels(), self.blas_threads, os.getpid()),
            context=context,
        )
        self._pool = ProcessPool(**self._pool_args)
        self._objective = objective

    def _revive(self) -> None:
        """Replace a pool whose threads died; the evaluations it still held fail as crashed (none is lost, and
        nothing waits for them for good). Seen with pebble 5.2: an evaluation that finishes as :meth:`cancel`
        kills it has its result set, in the pool's thread, on a future just cancelled, and that thread dies of
        it (``InvalidStateError``; the pool then refuses every task: "Unexpected error within the Pool").
        pebble notices its own dead threads (``active``) from 5.2.3 on, evotune's minimum; before, such a pool
        took tasks and never finished them."""
        from pebble import ProcessPool

        for future, (candidate, submitted) in list(self._futures.items()):
            if future not in self._finished:
                error = WorkerCrashedError("the process pool failed during the evaluation (its threads died) "
                                           "and was replaced")
                self._finished[future] = Outcome(candidate, error, time.time() - submitted)
        broken, self._pool = self._pool, ProcessPool(**self._pool_args)
        _logger.warning("the process pool's threads died; a new pool runs the next evaluations")
        try:
            broken.stop()
            broken.join(timeout=10)
        except Exception:  # noqa: BLE001 - its workers are being stopped; the new pool does not need them
            _logger.warning("the failed process pool did not stop cleanly", exc_info=True)

    def submit(self, candidate: Candidate) -> None:
        if self._pool is None:
            raise EvotuneError("submit(): call start(objective) first.")
        try:
            future = self._schedule(candidate)
        except RuntimeError:  # its threads died after `active` was read (the race of _revive's docstring)
            if self._pool.active:
                raise
            future = self._schedule(candidate)
        self._futures[future] = (candidate, time.time())
        future.add_done_callback(self._finish)

    def _schedule(self, candidate: Candidate) -> Any:
        """The pool's future for ``candidate``, the pool replaced first if its threads died."""
        if not self._pool.active:
            self._revive()
        args = (candidate.number, candidate.params)
        return self._pool.schedule(_worker.run, args=args, timeout=self.timeout)

    def _finish(self, future: Any) -> None:  # in the thread that finished it (in cancel(): cancelled)
        entry = self._futures.get(future)
        if entry is not None and not future.cancelled():
            # its result read here, in the pool's thread: a Ctrl-C (raised in the main thread only) never
            # lands while the read holds the future's lock, between its `with` taking it and letting it go
            # (held for good: the pool cannot stop; seen once in a full run of the stress test)
            self._finished[future] = self._outcome(entry[0], future, entry[1])
        self._doorbell.put(None)

    def next_outcome(self) -> Outcome:
        if not self._futures:
            raise EvotuneError("next_outcome(): nothing was submitted.")
        # Not concurrent.futures.wait: a Ctrl-C while it takes the futures' locks one by one can leave some
        # held, and the pool's threads that finish those futures then block for good (the test: hundreds held
        # within 20 interrupts). Here no future's lock is taken (their results are read in _finish), and a
        # Ctrl-C lands only in a queue's get (``waits``).
        while not (ready := self._ready()):
            if self._rung(self._doorbell) is None and not self._pool.active:  # nothing for half a second
                self._revive()
        return self._pop(ready[0])

    def finished_outcomes(self) -> list[Outcome]:
        return [self._pop(future) for future in self._ready()]

    def _ready(self) -> list[Any]:
        """The finished futures not yet returned, by candidate number (several at once: a fixed order)."""
        finished = list(self._finished)  # a copy: the pool's threads add to it meanwhile
        for future in finished:
            if future not in self._futures:  # finished as cancel() dropped it
                self._finished.pop(future, None)
        return sorted((f for f in finished if f in self._futures), key=lambda f: self._futures[f][0].number)

    def _pop(self, future: Any) -> Outcome:
        """A finished future's outcome, then forgotten (if interrupted before, finished_outcomes has it)."""
        outcome = self._finished[future]
        del self._futures[future]
        del self._finished[future]
        return outcome

    @property
    def n_submitted(self) -> int:
        return len(self._futures)

    def cancel(self) -> None:
        for future in self._futures:  # running ones are killed, queued ones dropped
            future.cancel()
        self._futures.clear()
        self._finished.clear()

    def _outcome(self, candidate: Candidate, future: Any, submitted: float) -> Outcome:
        from pebble import ProcessExpired

        try:
            value, duration, worker, started = future.result()
            return Outcome(candidate, value, duration, worker, started)
        except (TimeoutError, concurrent.futures.TimeoutError):
            value = EvaluationTimeoutError(
                f"evaluation ran past the {self.timeout:g} s timeout; its worker was killed and replaced"
            )
            return Outcome(candidate, value, float(self.timeout or 0.0))
        except ProcessExpired as exc:
            value = WorkerCrashedError(
                f"the worker process died ({_worker.describe_exit(exc.exitcode)}) during the evaluation"
            )
        except Exception as exc:  # e.g. params that cannot be sent to a worker
            value = exc
        return Outcome(candidate, value, time.time() - submitted)

    def close(self) -> None:
        """Stop the workers (killing running evaluations) and wait for them to exit."""
        self.cancel()
        atexit.unregister(self.close)
        if self._pool is not None:
            self._pool.stop()
            self._pool.join(timeout=10)
            self._pool = None
            self._objective = None
        if self._listener is not None:
            self._listener.stop()
            self._listener = None


def check_timeout(timeout: Any) -> None:
    """Raise unless ``timeout`` is None or a positive number of seconds."""
    check_number("timeout", timeout, "a number of seconds > 0", lambda v: v > 0, allow_none=True)
