"""The benchmark problems: scikit-learn models on bundled datasets, a mixed-choice suite, and
cheap synthetic mixed-variable functions. Every problem is minimized.

sklearn suite: Bayesmark's models and search spaces (NeurIPS 2020 black-box optimization
challenge), adapted to current scikit-learn. Substitutions, all noted here:
- Bayesmark's "logit" warping of fractions is replaced by a linear Float (evotune has no logit);
- DecisionTree / RandomForest `min_impurity_decrease` is kept in [0, 0.5], `max_features` a
  fraction in [0.01, 1.0]; RandomForest uses 10 trees, as Bayesmark;
- MLP-adam: `hidden_layer_sizes` is one layer of 50-200 units; `max_iter` 40 to bound time;
- lasso / ridge for regression; for classification Bayesmark's "linear" (liblinear's one-vs-rest
  logistic regression over `C` and `intercept_scaling`), through `OneVsRestClassifier` because
  `LogisticRegression` no longer does one-vs-rest itself (class `LiblinearOvR`);
- loss: classification 1 - mean 3-fold accuracy, regression mean 3-fold MSE / variance of y;
  folds are fixed (KFold(3, shuffle, random_state=0)).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification, make_friedman1, make_hastie_10_2

import evotune as et


@dataclass
class Problem:
    name: str
    suite: str
    space: dict[str, Any]
    objective: Callable[[dict[str, Any]], float]
    estimator: Any = None  # for GASearchCV: (factory, X, y, scoring)
    union: Any = None  # cash suite: the same choices as a list of sub-spaces (the encoding before when=)


#: Generated data sets (fixed seeds) where model families are far apart: scikit-learn's bundled ones
#: are small and easy, and every family reaches about the same accuracy on them.
SYNTHETIC_DATA = {
    # Hastie et al. (2009), ex. 10.2: a spherical boundary in 10 dimensions; linear models at chance
    "hastie": lambda: make_hastie_10_2(n_samples=1000, random_state=0),
    # 3 classes of 2 clusters each, 8 informative of 30 features, 3 % labels flipped
    "classification": lambda: make_classification(n_samples=1000, n_features=30, n_informative=8, n_redundant=6,
                                                  n_classes=3, n_clusters_per_class=2, flip_y=0.03, random_state=0),
    # Friedman (1991): a smooth nonlinear regression of 5 of 10 features, noise sd 1
    "friedman1": lambda: make_friedman1(n_samples=800, n_features=10, noise=1.0, random_state=0),
}
REGRESSION = ("diabetes", "friedman1")


def _dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A bundled scikit-learn data set by name (``load_<name>``), or one of :data:`SYNTHETIC_DATA`."""
    from sklearn import datasets

    if name in SYNTHETIC_DATA:
        return SYNTHETIC_DATA[name]()
    return getattr(datasets, f"load_{name}")(return_X_y=True)


class SklearnObjective:
    """Loss of a model with given hyperparameters, by 3-fold cross-validation on fixed folds."""

    def __init__(self, make, dataset: str, fixed: dict | None = None):
        from sklearn.model_selection import KFold, StratifiedKFold

        self.make, self.fixed = make, dict(fixed or {})
        self.X, self.y = _dataset(dataset)
        self.regression = dataset in REGRESSION
        splitter = KFold if self.regression else StratifiedKFold
        self.cv = splitter(3, shuffle=True, random_state=0)
        self.scale = float(np.var(self.y)) if self.regression else 1.0

    def __call__(self, params: dict[str, Any]) -> float:
        from sklearn.model_selection import cross_val_score
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        model = make_pipeline(StandardScaler(), self.make(**self.fixed, **params))
        scoring = "neg_mean_squared_error" if self.regression else "accuracy"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score = cross_val_score(model, self.X, self.y, cv=self.cv, scoring=scoring, error_score=np.nan).mean()
        if not math.isfinite(score):
            raise ValueError("every fold failed")
        return -score / self.scale if self.regression else 1.0 - score


class LiblinearOvR(ClassifierMixin, BaseEstimator):
    """Bayesmark's "linear" classifier: L2 logistic regression by liblinear, one-vs-rest."""

    def __init__(self, C: float = 1.0, intercept_scaling: float = 1.0):
        self.C, self.intercept_scaling = C, intercept_scaling

    def fit(self, X, y):
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        model = LogisticRegression(C=self.C, intercept_scaling=self.intercept_scaling, solver="liblinear",
                                   random_state=0)
        self.model_ = OneVsRestClassifier(model).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X)


def _models(regression: bool) -> dict[str, tuple[Any, dict[str, Any], dict[str, Any]]]:
    from sklearn import ensemble, linear_model, neighbors, neural_network, svm, tree

    fraction = et.Float(0.01, 0.99)
    models = {
        "kNN": (neighbors.KNeighborsRegressor if regression else neighbors.KNeighborsClassifier,
                {"n_neighbors": et.Integer(1, 25), "p": et.Integer(1, 4)}, {}),
        "SVM": (svm.SVR if regression else svm.SVC,
                {"C": et.Float(1.0, 1e3, log=True), "gamma": et.Float(1e-4, 1e-3, log=True),
                 "tol": et.Float(1e-5, 1e-1, log=True)}, {}),
        "DT": (tree.DecisionTreeRegressor if regression else tree.DecisionTreeClassifier,
               {"max_depth": et.Integer(1, 15), "min_samples_split": fraction,
                "min_samples_leaf": et.Float(0.01, 0.49), "min_weight_fraction_leaf": et.Float(0.01, 0.49),
                "max_features": et.Float(0.01, 1.0), "min_impurity_decrease": et.Float(0.0, 0.5)},
               {"random_state": 0}),
        "RF": (ensemble.RandomForestRegressor if regression else ensemble.RandomForestClassifier,
               {"max_depth": et.Integer(1, 15), "max_features": et.Float(0.01, 1.0),
                "min_samples_split": fraction, "min_samples_leaf": et.Float(0.01, 0.49),
                "min_weight_fraction_leaf": et.Float(0.01, 0.49), "min_impurity_decrease": et.Float(0.0, 0.5)},
               {"n_estimators": 10, "random_state": 0}),
        "MLP-adam": (neural_network.MLPRegressor if regression else neural_network.MLPClassifier,
                     {"hidden_layer_sizes": et.Integer(50, 200), "alpha": et.Float(1e-5, 1e1, log=True),
                      "batch_size": et.Integer(10, 250), "learning_rate_init": et.Float(1e-5, 1e-1, log=True),
                      "tol": et.Float(1e-5, 1e-1, log=True), "validation_fraction": et.Float(0.1, 0.9),
                      "beta_1": et.Float(0.5, 0.99), "beta_2": et.Float(0.9, 1 - 1e-6),
                      "epsilon": et.Float(1e-9, 1e-6, log=True)},
                     {"solver": "adam", "early_stopping": True, "max_iter": 40, "random_state": 0}),
        "ada": (ensemble.AdaBoostRegressor if regression else ensemble.AdaBoostClassifier,
                {"n_estimators": et.Integer(10, 100), "learning_rate": et.Float(1e-4, 1e1, log=True)},
                {"random_state": 0}),
    }
    if regression:
        models["lasso"] = (linear_model.Lasso, {"alpha": et.Float(1e-2, 1e2, log=True), "fit_intercept": [True, False]},
                           {"max_iter": 5000, "random_state": 0})
        models["ridge"] = (linear_model.Ridge, {"alpha": et.Float(1e-2, 1e2, log=True), "fit_intercept": [True, False],
                                                "solver": ["svd", "cholesky", "lsqr", "sag"]}, {"random_state": 0})
    else:
        models["linear"] = (LiblinearOvR, {"C": et.Float(1e-2, 1e2, log=True),
                                           "intercept_scaling": et.Float(1e-2, 1e2, log=True)}, {})
    return models


def sklearn_suite() -> list[Problem]:
    problems = []
    for dataset in ("iris", "wine", "breast_cancer", "digits", "diabetes"):
        for model, (make, space, fixed) in _models(dataset == "diabetes").items():
            problems.append(Problem(f"{model}-{dataset}", "sklearn", space, SklearnObjective(make, dataset, fixed),
                                    (make, dataset, fixed)))
    return problems


def mixed_suite() -> list[Problem]:
    """Problems where categorical and integer choices matter: kernels, activations, solvers, losses."""
    from sklearn import ensemble, linear_model, neural_network, svm

    specs = [
        ("svc-kernel", "wine", svm.SVC, {"kernel": ["rbf", "poly", "sigmoid", "linear"], "C": et.Float(1e-2, 1e3, log=True),
                                           "gamma": et.Float(1e-5, 1e0, log=True), "degree": et.Integer(2, 5)}, {}),
        ("mlp-activation", "breast_cancer", neural_network.MLPClassifier,
         {"activation": ["relu", "tanh", "logistic", "identity"], "solver": ["adam", "sgd", "lbfgs"],
          "hidden_layer_sizes": et.Integer(4, 128, log=True), "alpha": et.Float(1e-6, 1e1, log=True),
          "learning_rate_init": et.Float(1e-4, 1e-1, log=True)}, {"max_iter": 60, "random_state": 0}),
        ("gbm-loss", "diabetes", ensemble.GradientBoostingRegressor,
         {"loss": ["squared_error", "absolute_error", "huber", "quantile"], "criterion": ["friedman_mse", "squared_error"],
          "n_estimators": et.Integer(10, 200, log=True), "learning_rate": et.Float(1e-3, 1.0, log=True),
          "max_depth": et.Integer(1, 8), "subsample": et.Float(0.3, 1.0)}, {"random_state": 0}),
        ("logistic-penalty", "wine", linear_model.LogisticRegression,
         {"l1_ratio": [0.0, 1.0], "C": et.Float(1e-3, 1e3, log=True), "fit_intercept": [True, False]},
         {"solver": "saga", "max_iter": 2000, "random_state": 0}),
        ("rf-criterion", "wine", ensemble.RandomForestClassifier,
         {"criterion": ["gini", "entropy", "log_loss"], "max_features": ["sqrt", "log2", None],
          "max_depth": et.Integer(1, 20), "min_samples_leaf": et.Integer(1, 20), "bootstrap": [True, False]},
         {"n_estimators": 20, "random_state": 0}),
    ]
    problems = []
    for name, dataset, make, space, fixed in specs:
        problems.append(Problem(name, "mixed", space, SklearnObjective(make, dataset, fixed)))
    return problems


# -- synthetic mixed-variable functions ----------------------------------------------------------
class MixedRastrigin:
    """Rastrigin over floats + L1 over integers + a penalty per wrong category; 0 at the optimum."""

    def __init__(self, n_float: int, n_int: int, n_cat: int, seed: int):
        rng = np.random.default_rng(seed)
        self.target_x = rng.uniform(-4, 4, n_float)
        self.target_n = rng.integers(-8, 9, n_int)
        self.target_c = rng.integers(0, 5, n_cat)
        self.n_float, self.n_int, self.n_cat = n_float, n_int, n_cat

    def space(self) -> dict[str, Any]:
        return {**{f"x{i}": et.Float(-5.0, 5.0) for i in range(self.n_float)},
                **{f"n{i}": et.Integer(-10, 10) for i in range(self.n_int)},
                **{f"c{i}": et.Categorical(list("abcde")) for i in range(self.n_cat)}}

    def __call__(self, p: dict[str, Any]) -> float:
        d = np.array([p[f"x{i}"] for i in range(self.n_float)]) - self.target_x
        total = float(np.sum(d * d + 1.0 - np.cos(2 * np.pi * d)))
        total += sum(abs(p[f"n{i}"] - self.target_n[i]) for i in range(self.n_int))
        total += sum(3.0 * (p[f"c{i}"] != "abcde"[self.target_c[i]]) for i in range(self.n_cat))
        return total


class MixedEllipsoid:
    """An ill-conditioned ellipsoid in log-scaled floats, with integer and categorical shifts."""

    def __init__(self, n_float: int, n_int: int, n_cat: int, seed: int):
        rng = np.random.default_rng(seed)
        self.target = rng.uniform(-3, 1, n_float)  # log10 of the best value
        self.weights = 10 ** np.linspace(0, 3, n_float)
        self.target_n = rng.integers(1, 64, n_int)
        self.cat_cost = rng.uniform(0, 2, (n_cat, 4))
        self.n_float, self.n_int, self.n_cat = n_float, n_int, n_cat

    def space(self) -> dict[str, Any]:
        return {**{f"lr{i}": et.Float(1e-4, 1e2, log=True) for i in range(self.n_float)},
                **{f"k{i}": et.Integer(1, 256, log=True) for i in range(self.n_int)},
                **{f"c{i}": et.Categorical(["w", "x", "y", "z"]) for i in range(self.n_cat)}}

    def __call__(self, p: dict[str, Any]) -> float:
        d = np.log10([p[f"lr{i}"] for i in range(self.n_float)]) - self.target
        total = float(np.sum(self.weights * d * d))
        total += sum(abs(math.log2(p[f"k{i}"]) - math.log2(self.target_n[i])) for i in range(self.n_int))
        total += sum(self.cat_cost[i]["wxyz".index(p[f"c{i}"])] for i in range(self.n_cat))
        return total


def synthetic_suite() -> list[Problem]:
    problems = []
    for dims, (n_float, n_int, n_cat) in ((20, (10, 5, 5)), (30, (16, 7, 7)), (40, (20, 10, 10))):
        for name, cls in (("rastrigin", MixedRastrigin), ("ellipsoid", MixedEllipsoid)):
            function = cls(n_float, n_int, n_cat, seed=dims)
            problems.append(Problem(f"{name}-{dims}d", "synthetic", function.space(), function))
    return problems


# -- CASH: choose the model family and its parameters together ------------------------------------
def _families(regression: bool = False, svm_max_iter: int = -1) -> dict[str, tuple[Any, dict[str, Any], dict[str, Any]]]:
    """Six model families, each with its own parameters (SVC's nested on its kernel). ``svm_max_iter``
    caps libsvm's iterations (on 1,000 generated samples a poly kernel may otherwise take 20 s a fit)."""
    from sklearn import ensemble, linear_model, neighbors, neural_network, svm

    cap = {"max_iter": svm_max_iter} if svm_max_iter > 0 else {}
    if regression:  # the same families for a continuous loss (diabetes: MSE / var(y))
        return {
            "svr": (svm.SVR, {"kernel": ["linear", "rbf", "poly"], "C": et.Float(1e-2, 1e3, log=True),
                              "epsilon": et.Float(1e-3, 1.0, log=True),
                              "gamma": et.Float(1e-5, 1e0, log=True).when(kernel=["rbf", "poly"]),
                              "degree": et.Integer(2, 4).when(kernel="poly")}, cap),
            "rf": (ensemble.RandomForestRegressor,
                   {"max_depth": et.Integer(1, 20), "max_features": et.Float(0.05, 1.0),
                    "min_samples_leaf": et.Integer(1, 30)}, {"n_estimators": 20, "random_state": 0}),
            "gb": (ensemble.HistGradientBoostingRegressor,
                   {"max_iter": et.Integer(10, 100, log=True), "learning_rate": et.Float(1e-2, 1.0, log=True),
                    "max_leaf_nodes": et.Integer(4, 31, log=True), "min_samples_leaf": et.Integer(2, 60, log=True),
                    "l2_regularization": et.Float(1e-6, 10.0, log=True)}, {"early_stopping": False, "random_state": 0}),
            "ridge": (linear_model.Ridge, {"alpha": et.Float(1e-3, 1e3, log=True)}, {}),
            "knn": (neighbors.KNeighborsRegressor,
                    {"n_neighbors": et.Integer(1, 50), "weights": ["uniform", "distance"], "p": et.Integer(1, 2)}, {}),
            "mlp": (neural_network.MLPRegressor,
                    {"hidden_layer_sizes": et.Integer(8, 128, log=True), "alpha": et.Float(1e-6, 10.0, log=True),
                     "learning_rate_init": et.Float(1e-4, 1e-1, log=True)}, {"max_iter": 200, "random_state": 0}),
        }
    return {
        "svc": (svm.SVC, {"kernel": ["linear", "rbf", "poly"], "C": et.Float(1e-2, 1e3, log=True),
                          "gamma": et.Float(1e-5, 1e0, log=True).when(kernel=["rbf", "poly"]),
                          "degree": et.Integer(2, 5).when(kernel="poly")}, cap),
        "rf": (ensemble.RandomForestClassifier,
               {"max_depth": et.Integer(1, 20), "max_features": et.Float(0.05, 1.0),
                "min_samples_leaf": et.Integer(1, 20), "criterion": ["gini", "entropy"]},
               {"n_estimators": 20, "random_state": 0}),
        "gb": (ensemble.HistGradientBoostingClassifier,
               {"max_iter": et.Integer(10, 40, log=True), "learning_rate": et.Float(1e-2, 1.0, log=True),
                "max_leaf_nodes": et.Integer(4, 31, log=True), "l2_regularization": et.Float(1e-6, 10.0, log=True)},
               {"early_stopping": False, "random_state": 0}),
        "logreg": (linear_model.LogisticRegression, {"C": et.Float(1e-3, 1e3, log=True), "fit_intercept": [True, False]},
                   {"max_iter": 1000}),
        "knn": (neighbors.KNeighborsClassifier,
                {"n_neighbors": et.Integer(1, 30), "weights": ["uniform", "distance"], "p": et.Integer(1, 2)}, {}),
        "mlp": (neural_network.MLPClassifier,
                {"hidden_layer_sizes": et.Integer(8, 128, log=True), "alpha": et.Float(1e-6, 1.0, log=True),
                 "learning_rate_init": et.Float(1e-4, 1e-1, log=True)}, {"max_iter": 50, "random_state": 0}),
    }


class CashObjective:
    """Loss (1 - mean 3-fold accuracy, fixed folds) of the family ``params["model"]`` with the parameters
    named ``<family>__<parameter>``; the others are not there (or, in the union encoding, ignored)."""

    def __init__(self, dataset: str, train_size: float | None = None, svm_max_iter: int = -1):
        self.families = _families(dataset in REGRESSION, svm_max_iter)
        self.inner = SklearnObjective(lambda **kw: kw, dataset)  # data, folds, scoring
        if train_size is not None:  # a small training set: harder, and a large test set: a finer loss
            from sklearn.model_selection import StratifiedShuffleSplit

            self.inner.cv = StratifiedShuffleSplit(3, train_size=train_size, random_state=0)

    def __call__(self, params: dict[str, Any]) -> float:
        name = params["model"]
        make, space, fixed = self.families[name]
        own = {key.split("__", 1)[1]: value for key, value in params.items() if key.startswith(f"{name}__")}
        if own.get("kernel") == "linear":  # the union encoding carries SVC's nested parameters along
            own = {k: v for k, v in own.items() if k not in ("gamma", "degree")}
        self.inner.make = lambda **kw: make(**fixed, **own)
        return self.inner({})


def _cash_spaces(families: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The families as one conditional space, and as a list of sub-spaces (the encoding before when=)."""
    space: dict[str, Any] = {"model": list(families)}
    union = []
    for name, (_, params, _) in families.items():
        own = {}
        for key, p in et.Space(params).items():
            conditions = {f"{name}__{parent}": values for parent, values in p.condition}
            space[f"{name}__{key}"] = p.when(model=[name], **conditions)
            own[f"{name}__{key}"] = replace(p, condition=())  # a sub-space holds no conditions
        union.append({"model": [name], **own})
    return space, union


def cash_suite() -> list[Problem]:
    """Classification on wine, breast_cancer and digits (1 - accuracy: a loss in steps of one test
    sample), digits from a 20 % training set (a finer loss), and regression on diabetes (MSE / var(y));
    then generated data where the families are far apart (:data:`SYNTHETIC_DATA`): hastie and
    classification (1 - accuracy on 1,000 samples), friedman1 (MSE / var(y))."""
    problems = []
    for dataset in ("wine", "breast_cancer", "digits", "diabetes", *SYNTHETIC_DATA):
        space, union = _cash_spaces(_families(regression=dataset in REGRESSION))
        objective = CashObjective(dataset, svm_max_iter=100_000 if dataset in SYNTHETIC_DATA else -1)
        problems.append(Problem(f"cash-{dataset}", "cash", space, objective, union=union))
    # digits learned from 20 % of its samples and tested on 80 %: a loss in steps of 0.0007, models far apart
    space, union = _cash_spaces(_families())
    problems.append(Problem("cash-digits-small", "cash", space, CashObjective("digits", train_size=0.2), union=union))
    return problems


SUITES = {"sklearn": sklearn_suite, "mixed": mixed_suite, "synthetic": synthetic_suite, "cash": cash_suite}
