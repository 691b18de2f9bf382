"""Dask distributed: the same evaluations on a cluster.

The objective is serialized once and held as a task's result on the cluster
(recomputed if the worker holding it dies); each worker fetches it once, and tasks
then carry a trial number and a params dict. Worker log records are forwarded to
this process (``Client.forward_logging``).
"""

from __future__ import annotations

import hashlib
import queue
import time
from concurrent.futures import CancelledError
from collections.abc import Callable
from typing import Any

from ..exceptions import EvotuneError, InvalidParameterError, WorkerCrashedError
from ..trial import Candidate
from . import _worker
from .base import Evaluator, Outcome, dump_objective

__all__ = ["DaskEvaluator"]


def _import_distributed() -> Any:
    try:
        import distributed
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise InvalidParameterError(
            "backend='dask' needs dask.distributed: pip install 'evotune[dask]'"
        ) from exc
    return distributed


class DaskEvaluator(Evaluator):
    """Evaluates candidates as tasks on a Dask cluster.

    Parameters
    ----------
    client : distributed.Client or str
        A connected client, or a scheduler address ("tcp://10.0.0.5:8786") to
        connect to (that connection is closed with the evaluator).
    timeout : float, optional
        Seconds an evaluation may run. Dask cannot kill a running task: past the
        limit the trial is recorded as "timeout" and the run moves on, while the
        task's thread finishes in the background on its worker.
    blas_threads : int or None
        BLAS/OpenMP threads per task (default 1); None leaves them alone.

    Examples
    --------
    >>> from distributed import Client, LocalCluster
    >>> from evotune.trial import Candidate
    >>> with LocalCluster(n_workers=1, processes=False, dashboard_address=None) as cluster, \\
    ...         Client(cluster) as client, DaskEvaluator(client) as dask_eval:
    ...     [o.value for o in dask_eval.evaluate(lambda p: p["x"] + 1, [Candidate(0, 0, {"x": 1})])]
    [2.0]
    """

    def __init__(self, client: Any, *, timeout: float | None = None, blas_threads: int | None = 1):
        distributed = _import_distributed()
        if isinstance(client, str):
            try:
                client, self._owns_client = distributed.Client(client, timeout="10s"), True
            except Exception as exc:
                raise InvalidParameterError(
                    f"`dask_client`: cannot connect to a Dask scheduler at {client!r} "
                    f"({type(exc).__name__}: {exc}); give a distributed.Client or a scheduler address "
                    f"such as 'tcp://10.0.0.5:8786'."
                ) from None
        elif isinstance(client, distributed.Client):
            self._owns_client = False
        else:
            raise InvalidParameterError(
                f"`dask_client` must be a distributed.Client or a scheduler address; got {client!r}."
            )
        self.client = client
        self.timeout = timeout
        self.blas_threads = blas_threads
        self._objective: Any = None
        self._payload: Any = None
        self._key = ""
        self._forwarding = False
        self._futures: dict[Any, tuple[Candidate, float]] = {}
        # rung with each future as it finishes (its done-callback, in a thread of the client's): a queue's
        # get is where a Ctrl-C may land (``waits``); distributed.as_completed's wait takes a lock in a
        # `with`, and an interrupt there could keep it (the stress test hung so)
        self._doorbell: queue.SimpleQueue = queue.SimpleQueue()
        self._capacity: int | None = None
        self._retries: dict[int, int] = {}
        self._data = b""

    @property
    def capacity(self) -> int:
        """The cluster's worker threads (asked of the scheduler when first needed)."""
        if self._capacity is None:
            self._capacity = max(1, sum(self.client.nthreads().values()))
        return self._capacity

    def start(self, objective: Callable[[dict], Any]) -> None:
        if objective is self._objective:
            return
        self._data = dump_objective(objective)
        self._key = hashlib.sha1(self._data).hexdigest()
        self._payload = self._hold()
        self._objective = objective
        if not self._forwarding:
            self.client.forward_logging()
            self._forwarding = True

    def _hold(self) -> Any:
        """The serialized objective as the result of a task, not scattered data: when the worker
        holding it dies, the scheduler recomputes it instead of cancelling every evaluation."""
        return self.client.submit(_worker.hold, self._data, pure=False, key=f"evotune-objective-{self._key[:8]}-"
                                  f"{time.monotonic_ns()}")

    def submit(self, candidate: Candidate) -> None:
        if self._objective is None:
            raise EvotuneError("submit(): call start(objective) first.")
        if self._payload.status in ("lost", "cancelled", "error"):
            self._payload = self._hold()
        future = self.client.submit(
            _worker.run_dask, self._payload, self._key, self.blas_threads, self.timeout, candidate.number,
            candidate.params, pure=False, key=f"evotune-{self._key[:8]}-{candidate.number}-{time.monotonic_ns()}",
        )
        self._futures[future] = (candidate, time.time())
        future.add_done_callback(self._doorbell.put)

    def next_outcome(self) -> Outcome:
        if not self._futures:
            raise EvotuneError("next_outcome(): nothing was submitted.")
        while True:
            future = self._rung(self._doorbell)
            if future not in self._futures:  # none yet, one cancelled, or one finished_outcomes returned
                continue
            try:
                return self._pop(future)
            except CancelledError as exc:
                candidate, submitted = self._futures.pop(future)
                # cancelled by the cluster, not by us: a worker that died took the objective's data
                # (or the task) with it; the evaluation never ran, so it runs again (a few times at most)
                tries = self._retries.get(candidate.number, 0)
                if tries >= 3:
                    error = WorkerCrashedError(f"the Dask cluster lost the evaluation {tries + 1} times ({exc})")
                    return Outcome(candidate, error, time.time() - submitted)
                self._retries[candidate.number] = tries + 1
                self.submit(candidate)

    def finished_outcomes(self) -> list[Outcome]:
        finished = sorted((f for f in self._futures if f.status in ("finished", "error")),
                          key=lambda f: self._futures[f][0].number)  # next_outcome skips them later
        return [self._pop(future) for future in finished]

    def _pop(self, future: Any) -> Outcome:
        """A finished future's outcome, then forgotten (if interrupted before, finished_outcomes has it)."""
        candidate, submitted = self._futures[future]
        outcome = self._outcome(candidate, future, submitted)
        del self._futures[future]
        return outcome

    @staticmethod
    def _outcome(candidate: Candidate, future: Any, submitted: float) -> Outcome:
        """A finished future's outcome: its value, or the error it raised (a cancelled one's is raised)."""
        distributed = _import_distributed()
        try:
            value, duration, worker, started = future.result()
            return Outcome(candidate, value, duration, worker, started)
        except distributed.KilledWorker as exc:
            error = WorkerCrashedError(f"the Dask worker running the evaluation died ({exc})")
            return Outcome(candidate, error, time.time() - submitted)
        except CancelledError:
            raise
        except Exception as exc:
            return Outcome(candidate, exc, time.time() - submitted)

    @property
    def n_submitted(self) -> int:
        return len(self._futures)

    def cancel(self) -> None:
        if self._futures:
            self.client.cancel(list(self._futures))
        self._futures.clear()
        # a fresh doorbell: the old one holds the futures that rang it (returned by finished_outcomes, or
        # cancelled), and a held future keeps its key, and a result, on the cluster
        self._doorbell = queue.SimpleQueue()

    def close(self) -> None:
        """Forget the broadcast objective; close the client if this evaluator opened it."""
        self.cancel()
        self._objective = self._payload = None
        if self._owns_client:
            self.client.close()
