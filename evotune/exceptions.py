"""evotune's one error vocabulary.

Every class is also a builtin exception, so ``except ValueError`` keeps working
for users who do not know evotune's names.
"""

from __future__ import annotations

import os
import sys
import warnings

__all__ = [
    "EvotuneError",
    "InvalidSpaceError",
    "InvalidParameterError",
    "EvaluationFailedError",
    "EvaluationTimeoutError",
    "WorkerCrashedError",
    "AllEvaluationsFailedError",
    "StorageError",
    "FailedEvaluationWarning",
    "InfeasibleWarning",
]


class EvotuneError(Exception):
    """Base class of every error raised by evotune."""


class InvalidSpaceError(EvotuneError, ValueError):
    """A search-space definition or a point in it is not valid."""


class InvalidParameterError(EvotuneError, ValueError):
    """An argument of an evotune function or class is not valid."""


class EvaluationFailedError(EvotuneError, RuntimeError):
    """An evaluation failed in a way that has no exception of its own to show.

    Stands in for an exception that could not cross a process boundary; its message
    is the trial's error text.
    """


class EvaluationTimeoutError(EvotuneError, TimeoutError):
    """An evaluation ran past its time limit and was stopped (trial state "timeout")."""

    trial_state = "timeout"


class WorkerCrashedError(EvotuneError, RuntimeError):
    """The process evaluating a candidate died: a segfault, ``os._exit``, an OOM kill (state "crashed")."""

    trial_state = "crashed"


class AllEvaluationsFailedError(EvotuneError, RuntimeError):
    """Every evaluation of the first generation failed: the objective is likely broken."""


class StorageError(EvotuneError, RuntimeError):
    """A run file cannot be used: not an evotune file, another version, damaged, or busy."""


class FailedEvaluationWarning(UserWarning):
    """Some evaluations of a generation failed (they are recorded and ranked worst)."""


class InfeasibleWarning(UserWarning):
    """A run ended without a trial that met its constraints (its hall of fame holds the least infeasible)."""


_PACKAGE = os.path.dirname(__file__) + os.sep


def warn(message: str, category: type[Warning]) -> None:
    """``warnings.warn`` pointed at the first caller outside evotune: the user's line, whichever of
    ``optimize``, ``Evolution`` or ``EvolutionarySearchCV`` led here (pandas' ``find_stack_level``)."""
    frame, level = sys._getframe(), 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
