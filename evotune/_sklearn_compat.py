"""Every private scikit-learn name evotune uses, in one place.

scikit-learn's searches are built from these; EvolutionarySearchCV reuses them so
that its ``cv_results_``, failure warnings and refit behave exactly like
GridSearchCV's. When a scikit-learn release moves one, only this file changes.
"""

from __future__ import annotations

from sklearn.model_selection._search import BaseSearchCV
from sklearn.model_selection._validation import (
    _fit_and_score,
    _insert_error_scores,
    _warn_or_raise_about_fit_failures,
)
from sklearn.utils.validation import _check_method_params

try:  # scikit-learn >= 1.4
    from sklearn.metrics._scorer import _MultimetricScorer
except ImportError:  # pragma: no cover
    _MultimetricScorer = ()

__all__ = [
    "BaseSearchCV",
    "_fit_and_score",
    "_insert_error_scores",
    "_warn_or_raise_about_fit_failures",
    "_check_method_params",
    "_MultimetricScorer",
]
