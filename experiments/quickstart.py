"""Quickstart: tune an SVC on scikit-learn's digits with evotune.

    python experiments/quickstart.py            # ~10 s on 2 cores

Expected: best 3-fold accuracy about 0.97-0.98 (kernel "rbf", gamma around 1e-3).
"""

from __future__ import annotations

import argparse

from sklearn.datasets import load_digits
from sklearn.model_selection import cross_val_score
from sklearn.svm import SVC

import evotune as et

X, y = load_digits(return_X_y=True)


def accuracy(params: dict) -> float:
    """J(omega): mean 3-fold cross-validated accuracy of an SVC."""
    return cross_val_score(SVC(**params), X, y, cv=3).mean()


SPACE = {
    "C": et.Float(1e-2, 1e3, log=True),
    "gamma": et.Float(1e-5, 1e-1, log=True),
    "kernel": et.Categorical(["rbf", "poly", "sigmoid"]),
    "degree": et.Integer(2, 5).when(kernel="poly"),  # only a polynomial kernel has a degree
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--evaluations", type=int, default=80)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hall-of-fame", default=None, help="write the hall of fame here (.json/.csv)")
    args = parser.parse_args()

    result = et.optimize(
        accuracy, SPACE, direction="maximize", max_evaluations=args.evaluations, seed=args.seed
    )
    print(f"{'gen':>3} {'best':>7} {'mean':>7} {'evaluated':>9} {'diversity':>9}")
    for row in result.history:
        print(f"{row.generation:>3} {row.best:7.4f} {row.mean:7.4f} {row.evaluated:>9} {row.diversity:9.2f}")
    print(f"stopped: {result.stop_reason}")
    print(f"best accuracy {result.best_value:.4f} with {result.best_params}")
    if args.hall_of_fame:
        result.save_hall_of_fame(args.hall_of_fame)
        print(f"hall of fame written to {args.hall_of_fame}")


if __name__ == "__main__":
    main()
