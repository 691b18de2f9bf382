"""Code that runs inside worker processes (local pool and Dask workers).

Kept small and import-light: workers import this module, load the objective
once, and then only receive a trial number and a params dict per evaluation.
"""

from __future__ import annotations

import logging
import logging.handlers
import math
import numbers
import os
import pickle
import signal
import sys
import threading
import time
from typing import Any

from ..exceptions import EvaluationFailedError, EvaluationTimeoutError

#: Environment variables that cap the threads of BLAS / OpenMP libraries.
THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)

#: How often a pool worker checks that the process that started it is still there (seconds).
PARENT_CHECK = 1.0

_objective: Any = None
_load_error: str | None = None
_current = threading.local()  # the trial number being evaluated, for log records
_dask_objectives: dict[str, Any] = {}


#: Longest log message a worker sends to the parent; longer ones are cut, with a marker.
LOG_MESSAGE_LIMIT = 64 * 1024


class BoundedQueueHandler(logging.handlers.QueueHandler):
    """Sends records to the parent with their message cut to LOG_MESSAGE_LIMIT characters:
    one huge record must not fill the pipe the parent's relay thread reads."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record = super().prepare(record)  # formats the message, traceback included, and drops args
        if len(record.msg) > LOG_MESSAGE_LIMIT:
            cut = len(record.msg) - LOG_MESSAGE_LIMIT
            record.msg = f"{record.msg[:LOG_MESSAGE_LIMIT]}... [evotune: {cut} more characters cut]"
            record.message = record.msg
        return record


def current_trial() -> int | None:
    """The number of the trial this thread is evaluating, or None."""
    return getattr(_current, "trial", None)


def install_trial_records() -> None:
    """Make every log record carry ``record.trial``: the trial being evaluated, or None."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "evotune", False):
        return

    def make_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        record.trial = current_trial()
        return record

    make_record.evotune = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_record)


def limit_threads(n: int | None) -> None:
    """Cap BLAS/OpenMP threads: environment for libraries loaded later, threadpoolctl for loaded ones."""
    if n is None:
        return
    for name in THREAD_VARIABLES:
        os.environ[name] = str(n)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n)


def initialize(payload: Any, log_queue: Any, log_levels: dict[str, int], blas_threads: int | None,
               driver: int | None = None) -> None:
    """Pool-worker initializer: logging to the parent, thread limits, the objective (once), and a watch on
    ``driver``, the process of the pool (:func:`_watch_driver`).

    ``payload`` is the objective serialized by cloudpickle, or the objective itself
    (inherited by a forked worker).
    """
    global _objective, _load_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, _stop)
    _watch_driver(driver)
    if blas_threads is not None:
        for name in THREAD_VARIABLES:
            os.environ[name] = str(blas_threads)
    if log_queue is not None:  # every record goes to the parent, once (no inherited handlers)
        for logger in logging.Logger.manager.loggerDict.values():
            if isinstance(logger, logging.Logger):
                logger.handlers.clear()
        root = logging.getLogger()
        root.handlers[:] = [BoundedQueueHandler(log_queue)]
        for name, level in log_levels.items():
            logging.getLogger(name or None).setLevel(level)
    install_trial_records()
    try:
        import cloudpickle

        _objective = cloudpickle.loads(payload) if isinstance(payload, bytes) else payload
    except BaseException as exc:  # reported with every evaluation, so the run says why
        _load_error = f"could not load the objective in the worker: {type(exc).__name__}: {exc}"
    limit_threads(blas_threads)


def _watch_driver(driver: int | None) -> None:
    """Stop this worker (as a timeout does: :func:`_stop`) once the process of its pool, ``driver``, is
    gone, killed (``kill -9``, the out-of-memory killer) or crashed: a worker of a killed run otherwise went
    on with its evaluation, and the next one it held, for as long as they took (hours, for a long training),
    on a core (or a GPU's memory) the resumed run needs. Gone: this process was given another parent (a
    worker the driver started), or ``driver`` no longer runs (a forkserver's worker: the forkserver lives as
    long as its workers). Not on Windows, which keeps no such link."""
    if sys.platform == "win32":
        return
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent and (driver is None or _runs(driver)):
            time.sleep(PARENT_CHECK)
        _stop(signal.SIGTERM, None)

    threading.Thread(target=watch, name="evotune-driver-watch", daemon=True).start()


def _runs(pid: int) -> bool:
    """Whether process ``pid`` runs (on Linux, a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: the pid was reused
        return False
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:  # no /proc (macOS): it runs
        return True


def _stop(signum: int, frame: Any) -> None:
    """SIGTERM (the pool stops, or an evaluation timed out): stop the processes the objective
    started, then exit as pebble does. Without this, the pools an objective runs (scikit-learn's
    ``n_jobs``: joblib's loky workers) outlived their worker by minutes, still computing
    after a timeout and holding the parent's stdout open."""
    import multiprocessing.util

    for child in multiprocessing.active_children():
        child.terminate()
    multiprocessing.util._exit_function()  # type: ignore[attr-defined]
    os._exit(signum)  # as pebble exits on SIGTERM


def _round_trips(value: Any) -> bool:
    """Whether ``value`` survives pickling both ways (an exception whose ``__init__`` takes other
    arguments than it stores pickles, then fails to unpickle in the parent)."""
    try:
        pickle.loads(pickle.dumps(value))
        return True
    except Exception:
        return False


def make_portable(value: Any) -> Any:
    """The value, made safe to send back to the parent: what cannot travel becomes its text.

    A ``(value, info)`` pair keeps its value; entries of ``info`` that cannot travel
    become their ``repr``, so a result never depends on the process that computed it.
    """
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            return float(value)
        except OverflowError:  # an int past float's range: the engine records it as a failure
            return value if _round_trips(value) else math.inf
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], dict):
        info = {key: item if _round_trips(item) else repr(item) for key, item in value[1].items()}
        return make_portable(value[0]), info
    if _round_trips(value):
        return value
    if isinstance(value, BaseException):
        return EvaluationFailedError(f"{type(value).__name__}: {value}")
    return EvaluationFailedError(f"objective returned {value!r} ({type(value).__name__}); expected a number")


def call(objective: Any, number: int, params: dict, portable: bool = True) -> tuple[Any, float, str, float]:
    """Evaluate one candidate: (value or exception, seconds, worker id, start time).

    Any exception is a result, ``SystemExit`` included (``sys.exit`` in an objective
    fails its trial, not the run); in a worker (``portable``) even ``KeyboardInterrupt``,
    which in this process is the user's Ctrl-C and stops the run.
    """
    started = time.time()
    start = time.perf_counter()
    _current.trial = number
    caught = BaseException if portable else (Exception, SystemExit)
    try:
        value = objective(params)
    except caught as exc:  # a failing evaluation is data
        value = exc
    finally:
        _current.trial = None
    duration = time.perf_counter() - start
    return (make_portable(value) if portable else value), duration, f"pid-{os.getpid()}", started


def run(number: int, params: dict) -> tuple[Any, float, str, float]:
    """Pool task: evaluate with the objective loaded by :func:`initialize`."""
    if _load_error is not None:
        return EvaluationFailedError(_load_error), 0.0, f"pid-{os.getpid()}", time.time()
    return call(_objective, number, params)


def run_dask(
    payload: bytes, key: str, blas_threads: int | None, timeout: float | None, number: int, params: dict
) -> tuple[Any, float, str, float]:
    """Dask task: load the objective once per worker (cached by key), evaluate with a time limit.

    Dask cannot kill a running task: past ``timeout`` the evaluation is reported as
    timed out and its thread is left to finish in the background.
    """
    if key not in _dask_objectives:
        import cloudpickle

        install_trial_records()
        limit_threads(blas_threads)
        _dask_objectives.clear()
        _dask_objectives[key] = cloudpickle.loads(payload)
    objective = _dask_objectives[key]
    if timeout is None:
        return call(objective, number, params)
    box: list = []
    thread = threading.Thread(target=lambda: box.append(call(objective, number, params)), daemon=True)
    started = time.time()
    thread.start()
    thread.join(timeout)
    if box:
        return box[0]
    error = EvaluationTimeoutError(f"evaluation ran past the {timeout:g} s timeout (left running on the Dask worker)")
    return error, float(timeout), f"pid-{os.getpid()}", started


def hold(data: bytes) -> bytes:
    """Dask task that holds the serialized objective (the cluster keeps, moves and recomputes it)."""
    return data


def describe_exit(exitcode: int | None) -> str:
    """'killed by SIGSEGV' / 'exit code 3' for a dead worker's exit code."""
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


__all__ = ["initialize", "run", "run_dask", "hold", "call", "install_trial_records", "describe_exit"]
