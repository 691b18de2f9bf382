"""Objectives that experiment files name as "objectives:<function>"."""

from __future__ import annotations

import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

_X, _y = load_breast_cancer(return_X_y=True)


def mlp_breast_cancer(params: dict) -> float:
    """Mean 5-fold accuracy of a scaled MLP with ``layers`` hidden layers of ``width`` units."""
    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(
            hidden_layer_sizes=(params["width"],) * params["layers"],
            activation=params["activation"],
            alpha=params["alpha"],
            learning_rate_init=params["learning_rate_init"],
            max_iter=300,
            random_state=0,
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return float(cross_val_score(model, _X, _y, cv=5).mean())


def forest_accuracy_and_size(params: dict) -> tuple[float, float]:
    """Two objectives: the mean 3-fold accuracy of a random forest on breast_cancer, and its size
    (the number of tree nodes it keeps, averaged over the folds)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_validate

    scores = cross_validate(RandomForestClassifier(random_state=0, **params), _X, _y, cv=3, return_estimator=True)
    nodes = [sum(tree.tree_.node_count for tree in forest.estimators_) for forest in scores["estimator"]]
    return float(scores["test_score"].mean()), float(sum(nodes) / len(nodes))
