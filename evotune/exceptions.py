"""evotune's one error vocabulary.

Every class is also a builtin exception, so ``except ValueError`` keeps working
for users who do not know evotune's names.
"""

from __future__ import annotations

__all__ = [
    "EvotuneError",
    "InvalidSpaceError",
    "InvalidParameterError",
    "EvaluationFailedError",
    "AllEvaluationsFailedError",
    "FailedEvaluationWarning",
]


class EvotuneError(Exception):
    """Base class of every error raised by evotune."""


class InvalidSpaceError(EvotuneError, ValueError):
    """A search-space definition or a point in it is not valid."""


class InvalidParameterError(EvotuneError, ValueError):
    """An argument of an evotune function or class is not valid."""


class EvaluationFailedError(EvotuneError, RuntimeError):
    """An objective evaluation failed; stands in for the original error across processes."""


class AllEvaluationsFailedError(EvotuneError, RuntimeError):
    """Every evaluation of the first generation failed: the objective is likely broken."""


class FailedEvaluationWarning(UserWarning):
    """Some evaluations of a generation failed (they are recorded and ranked worst)."""
