"""Every private scikit-learn name evotune uses, in one place.

scikit-learn's searches are built from these; EvolutionarySearchCV reuses them so
that its ``cv_results_``, failure warnings and refit behave exactly like
GridSearchCV's. When a scikit-learn release moves one, only this file changes.
"""

from __future__ import annotations

import inspect
from typing import Any

from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import (
    _fit_and_score,
    _insert_error_scores,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_method_params

from sklearn.metrics._scorer import _MultimetricScorer


def get_scorers(search: BaseSearchCV) -> tuple[Any, Any]:
    """``search``'s scorer (a ``_MultimetricScorer`` for several metrics) and its refit metric.

    scikit-learn 1.4 asks whether to wrap several metrics in a ``_MultimetricScorer``;
    1.5 and later always do.
    """
    if "convert_multimetric" in inspect.signature(search._get_scorers).parameters:
        return search._get_scorers(convert_multimetric=True)
    return search._get_scorers()


def scorer_names(scorers: Any) -> list[str] | None:
    """The metric names of a multi-metric scorer; None for one metric."""
    return list(scorers._scorers) if isinstance(scorers, _MultimetricScorer) else None


def public_scorer(scorers: Any) -> Any:
    """What ``scorer_`` holds: the dict of scorers for several metrics, else the scorer."""
    return scorers._scorers if isinstance(scorers, _MultimetricScorer) else scorers


def check_input_parameters(search: BaseSearchCV, X: Any, y: Any, split_params: dict) -> None:
    """scikit-learn's own input checks of a search's ``fit`` (1.9 and later have them)."""
    check = getattr(search, "_check_input_parameters", None)
    if check is not None:
        check(X=X, y=y, split_params=split_params)

__all__ = [
    "BaseSearchCV",
    "_fit_and_score",
    "_insert_error_scores",
    "_safe_indexing",
    "_warn_or_raise_about_fit_failures",
    "_check_method_params",
    "check_input_parameters",
    "get_scorers",
    "public_scorer",
    "scorer_names",
]
