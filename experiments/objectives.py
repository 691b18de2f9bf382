"""Objectives that experiment files name as "objectives:<function>"."""

from __future__ import annotations

import warnings

from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

_X, _y = load_breast_cancer(return_X_y=True)
_X_train, _X_valid, _y_train, _y_valid = train_test_split(_X, _y, test_size=0.3, stratify=_y, random_state=0)
_scaler = StandardScaler().fit(_X_train)


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


def mlp_epochs(params: dict, budgets) -> object:
    """Holdout accuracy of a scaled MLP after each budget of epochs, smallest first: a generator that
    trains on (``partial_fit``) from one budget to the next, for ``fidelity = {...}``."""
    model = MLPClassifier(
        hidden_layer_sizes=(params["width"],) * params["layers"],
        activation=params["activation"],
        alpha=params["alpha"],
        learning_rate_init=params["learning_rate_init"],
        random_state=0,
    )
    X_train, X_valid = _scaler.transform(_X_train), _scaler.transform(_X_valid)
    done = 0
    for budget in budgets:
        for _ in range(int(budget) - done):
            model.partial_fit(X_train, _y_train, classes=[0, 1])
        done = int(budget)
        yield float(model.score(X_valid, _y_valid))


def forest_accuracy_and_size(params: dict) -> tuple[float, float]:
    """Two objectives: the mean 3-fold accuracy of a random forest on breast_cancer, and its size
    (the number of tree nodes it keeps, averaged over the folds)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import cross_validate

    scores = cross_validate(RandomForestClassifier(random_state=0, **params), _X, _y, cv=3, return_estimator=True)
    nodes = [sum(tree.tree_.node_count for tree in forest.estimators_) for forest in scores["estimator"]]
    return float(scores["test_score"].mean()), float(sum(nodes) / len(nodes))
