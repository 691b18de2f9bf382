"""Which parameters mattered: permutation importance of a random forest fitted to the trials.

A forest (scikit-learn's RandomForestRegressor) learns the objective from the completed
trials; a parameter's importance is how much the forest's fit to those trials worsens
when that parameter's column is shuffled (sklearn.inspection.permutation_importance),
as a share of the sum over parameters. Unlike impurity importance, it does not favour
parameters with many distinct values. Float and integer parameters enter on their
search scale (log for log parameters), categorical ones as their choice's index; a
parameter a trial does not have (a union space) enters as a value outside its range.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .space import Categorical

#: Fewer completed trials than this give no importance (a forest on fewer says little).
MIN_TRIALS = 10


def _column(parameter: Any, values: list[Any]) -> np.ndarray:
    if isinstance(parameter, Categorical):
        return np.array([-1.0 if v is _ABSENT else float(parameter.index(v)) for v in values])
    scale = math.log if parameter.log else float  # Float or Integer: a space holds nothing else
    low, high = scale(parameter.low), scale(parameter.high)
    return np.array([low - (high - low) if v is _ABSENT else scale(v) for v in values])


_ABSENT = object()


def parameter_importance(parameters: dict[str, Any], trials: list[Any], seed: int = 0) -> dict[str, float]:
    """Parameter name -> share of importance (summing to 1), most important first; empty with fewer
    than MIN_TRIALS completed trials or when the objective did not vary."""
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.inspection import permutation_importance

    done = [t for t in trials if t.ok]
    names = [n for n in parameters if any(n in t.params for t in done)]
    if len(done) < MIN_TRIALS or not names:
        return {}
    y = np.array([t.value for t in done])
    if np.ptp(y) == 0:
        return {}
    X = np.column_stack([_column(parameters[n], [t.params.get(n, _ABSENT) for t in done]) for n in names])
    forest = RandomForestRegressor(n_estimators=64, min_samples_leaf=2, random_state=seed, n_jobs=1).fit(X, y)
    drops = permutation_importance(forest, X, y, n_repeats=5, random_state=seed).importances_mean
    drops = np.clip(drops, 0, None)
    if drops.sum() == 0:
        return {}
    shares = drops / drops.sum()
    return dict(sorted(zip(names, map(float, shares)), key=lambda item: -item[1]))
