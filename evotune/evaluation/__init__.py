"""Evaluation backends: serial, a local process pool, and Dask.

:func:`make_evaluator` picks one from ``optimize``'s arguments.
"""

from __future__ import annotations

from typing import Any

from ..exceptions import InvalidParameterError
from ._worker import install_trial_records
from .base import Evaluator, Outcome, SerialEvaluator
from .dask import DaskEvaluator
from .parts import PartsEvaluator, has_parts
from .process import ProcessPoolEvaluator, check_timeout, resolve_n_jobs

__all__ = [
    "Evaluator", "Outcome", "SerialEvaluator", "ProcessPoolEvaluator", "DaskEvaluator", "make_evaluator",
    "install_trial_records", "PartsEvaluator", "has_parts",
]  # fmt: skip

_BACKENDS = ("serial", "process", "dask")


def make_evaluator(
    *,
    n_jobs: int = 1,
    backend: str | Evaluator | None = None,
    timeout: float | None = None,
    dask_client: Any = None,
    blas_threads: int | None = 1,
) -> Evaluator:
    """The evaluator for ``optimize``'s settings.

    ``backend=None`` means "serial" for ``n_jobs=1`` without a timeout, else
    "process" (a timeout can only be enforced on another process). An
    :class:`Evaluator` instance is used as it is.

    Examples
    --------
    >>> type(make_evaluator(n_jobs=1)).__name__, type(make_evaluator(n_jobs=2)).__name__
    ('SerialEvaluator', 'ProcessPoolEvaluator')
    """
    if isinstance(backend, Evaluator):
        return backend
    resolve_n_jobs(n_jobs)
    check_timeout(timeout)
    if backend is None:
        backend = "dask" if dask_client is not None else "serial" if n_jobs == 1 and timeout is None else "process"
    if backend not in _BACKENDS:
        raise InvalidParameterError(f"`backend` must be one of {_BACKENDS} or an Evaluator; got {backend!r}.")
    if backend == "serial":
        if timeout is not None:
            raise InvalidParameterError(
                "`timeout` cannot be enforced with backend='serial'; use backend='process' (n_jobs=1 is fine)."
            )
        return SerialEvaluator()
    if backend == "process":
        return ProcessPoolEvaluator(n_jobs, timeout=timeout, blas_threads=blas_threads)
    return DaskEvaluator(dask_client, timeout=timeout, blas_threads=blas_threads)
