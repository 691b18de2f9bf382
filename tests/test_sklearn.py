import math
import os
import inspect
import pickle
import re
import time

import numpy as np
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, load_wine
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, GroupKFold, RandomizedSearchCV, cross_validate
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

import evotune as et
from evotune import EvolutionarySearchCV

X_iris, y_iris = load_iris(return_X_y=True)
X_bc, y_bc = load_breast_cancer(return_X_y=True)
X_wine, y_wine = load_wine(return_X_y=True)
X_diabetes, y_diabetes = load_diabetes(return_X_y=True)

RF_GRID = {"n_estimators": [10, 20, 30, 40], "max_depth": [None, 2, 4, 8]}


def same_results(a, b):
    """cv_results_ equal apart from timings."""
    assert set(a) == set(b)
    for key in a:
        if "time" in key:
            continue
        if key == "params":
            assert a[key] == b[key]
        else:
            np.testing.assert_array_equal(np.asarray(a[key]), np.asarray(b[key]), err_msg=key)


def test_the_gridsearch_example_with_the_class_swapped():
    search = EvolutionarySearchCV(RandomForestClassifier(random_state=0), RF_GRID, cv=5, random_state=0)
    search.fit(X_iris, y_iris)
    params = search.cv_results_["params"]
    assert len(params) == 16 and len({tuple(p.items()) for p in params}) == 16  # the grid, once, then stop
    assert search.stop_reason_ == "space exhausted: all 16 points evaluated"
    assert search.best_score_ == max(search.cv_results_["mean_test_score"]) > 0.9
    assert search.best_params_ in params and search.predict(X_iris[:3]).shape == (3,)


@pytest.mark.parametrize(
    "scoring, refit",
    [(None, True), ("f1_macro", True), (["accuracy", "f1_macro"], "f1_macro"), ({"acc": "accuracy", "bal": "balanced_accuracy"}, "bal")],
)
def test_cv_results_have_randomized_search_keys_and_dtypes(scoring, refit):
    space = {"C": stats.loguniform(1e-2, 1e2), "fit_intercept": [True, False], "tol": [1e-4, 1e-3, 1e-2]}
    common = dict(scoring=scoring, refit=refit, cv=3, return_train_score=True, random_state=0)
    ours = EvolutionarySearchCV(LogisticRegression(max_iter=500), space, max_evaluations=12, **common).fit(X_iris, y_iris)
    theirs = RandomizedSearchCV(LogisticRegression(max_iter=500), space, n_iter=12, **common).fit(X_iris, y_iris)
    a, b = ours.cv_results_, theirs.cv_results_
    assert set(a) - set(b) == {"generation", "state"} and set(b) <= set(a)
    for key in b:
        assert type(a[key]) is type(b[key]), key
        assert getattr(a[key], "dtype", None) == getattr(b[key], "dtype", None), key
        if isinstance(b[key], np.ma.MaskedArray):
            assert a[key].mask.dtype == b[key].mask.dtype
    assert a["state"].tolist() == ["complete"] * 12
    assert sorted(set(a["generation"].tolist())) == list(range(max(a["generation"]) + 1))
    for attribute in ("best_params_", "best_score_", "best_index_", "refit_time_", "scorer_", "n_splits_", "multimetric_", "classes_"):
        assert type(getattr(ours, attribute)) is type(getattr(theirs, attribute)), attribute


def test_the_rich_form_pipelines_scipy_and_evotune_parameters():
    pipeline = Pipeline([("scale", StandardScaler()), ("svc", SVC())])
    search = EvolutionarySearchCV(
        pipeline,
        {"svc__C": et.Float(1e-3, 1e3, log=True), "svc__kernel": ["rbf", "poly"], "svc__gamma": stats.loguniform(1e-5, 1e-1)},
        scoring=["accuracy", "f1_macro"], refit="f1_macro", population_size=8, generations=3, n_jobs=2,
        random_state=0, timeout=60, cv=3,
    ).fit(X_bc[::3], y_bc[::3])
    assert len(search.cv_results_["params"]) == 24 and len(search.history_) == 3
    assert search.best_score_ == search.cv_results_["mean_test_f1_macro"][search.best_index_]
    assert search.hall_of_fame_[0].value == pytest.approx(search.best_score_)
    assert 1e-3 <= search.best_params_["svc__C"] <= 1e3
    assert search.score(X_bc, y_bc) > 0.8
    assert search.decision_function(X_bc[:4]).shape == (4,) and list(search.classes_) == [0, 1]


def test_same_random_state_same_results_for_any_n_jobs():
    space = {"max_depth": et.Integer(1, 10), "min_samples_leaf": et.Integer(1, 20), "criterion": ["gini", "entropy"]}
    runs = [
        EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), space, cv=3, random_state=7, max_evaluations=30, n_jobs=n).fit(X_bc, y_bc)
        for n in (1, 2)
    ]
    same_results(runs[0].cv_results_, runs[1].cv_results_)
    other = EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), space, cv=3, random_state=8, max_evaluations=30).fit(X_bc, y_bc)
    assert other.cv_results_["params"] != runs[0].cv_results_["params"]


def test_behaves_as_an_estimator_clone_params_pickle_nested_cv():
    search = EvolutionarySearchCV(Ridge(), {"alpha": et.Float(1e-3, 10, log=True)}, cv=3, max_evaluations=10, random_state=0)
    assert clone(search).get_params()["max_evaluations"] == 10
    search.set_params(max_evaluations=12, estimator__tol=1e-5)
    assert search.max_evaluations == 12 and search.estimator.tol == 1e-5
    X, y = load_diabetes(return_X_y=True)
    fitted = pickle.loads(pickle.dumps(search.fit(X, y)))
    np.testing.assert_allclose(fitted.predict(X[:5]), search.predict(X[:5]))
    assert not hasattr(search.estimator, "coef_")  # the user's estimator is cloned, never fitted
    scores = cross_validate(clone(search), X, y, cv=3)["test_score"]
    assert len(scores) == 3 and np.all(scores > 0.2)


# the two checks scikit-learn also expects GridSearchCV to fail
_EXPECTED_FAILED_CHECKS = {
    "check_supervised_y_2d": "DataConversionWarning not caught",
    "check_requires_y_none": "Doesn't fail gracefully",
}
_ESTIMATORS = [
    EvolutionarySearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=2, error_score="raise", random_state=0),
    EvolutionarySearchCV(
        Pipeline([("pca", PCA()), ("logisticregression", LogisticRegression())]),
        {"logisticregression__C": [0.1, 1.0]}, cv=2, error_score="raise", random_state=0,
    ),
]
if "expected_failed_checks" in inspect.signature(parametrize_with_checks).parameters:  # scikit-learn >= 1.6
    _with_checks = parametrize_with_checks(_ESTIMATORS, expected_failed_checks=lambda _: _EXPECTED_FAILED_CHECKS)
else:
    _with_checks = parametrize_with_checks(_ESTIMATORS)


@_with_checks
def test_passes_the_estimator_checks_gridsearchcv_passes(estimator, check):
    name = getattr(check, "func", check).__name__
    if name in _EXPECTED_FAILED_CHECKS:
        pytest.xfail(_EXPECTED_FAILED_CHECKS[name])
    check(estimator)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_groups_and_sample_weight_are_routed_like_gridsearchcv():
    X = StandardScaler().fit_transform(X_bc)  # lbfgs converges in a few steps (unscaled: ~1 s a fit)
    groups = np.arange(len(y_bc)) % 5
    weights = np.where(y_bc == 1, 3.0, 1.0)
    ours = EvolutionarySearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1.0]}, cv=GroupKFold(5), random_state=0)
    ours.fit(X, y_bc, groups=groups, sample_weight=weights)
    theirs = GridSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1.0]}, cv=GroupKFold(5))
    theirs.fit(X, y_bc, groups=groups, sample_weight=weights)
    by_c = {p["C"]: s for p, s in zip(ours.cv_results_["params"], ours.cv_results_["mean_test_score"])}
    for p, s in zip(theirs.cv_results_["params"], theirs.cv_results_["mean_test_score"]):
        assert by_c[p["C"]] == pytest.approx(s)
    unweighted = GridSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1.0]}, cv=GroupKFold(5)).fit(X, y_bc, groups=groups)
    assert not np.allclose(unweighted.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"])


def test_regressors_and_column_transformers():
    X, y = load_diabetes(return_X_y=True)
    model = Pipeline([("columns", ColumnTransformer([("scaled", StandardScaler(), [0, 1, 2]), ("rest", "passthrough", list(range(3, 10)))])), ("ridge", Ridge())])
    search = EvolutionarySearchCV(model, {"ridge__alpha": et.Float(1e-3, 1e2, log=True), "columns__scaled": [StandardScaler(), "passthrough"]},
                                  scoring="neg_mean_squared_error", cv=3, max_evaluations=16, random_state=0).fit(X, y)
    assert search.best_score_ < 0 and search.cv_results_["param_columns__scaled"].dtype == object
    assert search.predict(X[:2]).shape == (2,)


class Fragile(ClassifierMixin, BaseEstimator):
    """Fails to fit when ``mode`` says so; otherwise predicts the majority class."""

    def __init__(self, mode="ok"):
        self.mode = mode

    def fit(self, X, y):
        if self.mode == "fail":
            raise ValueError("this configuration cannot be fitted")
        if self.mode == "sleep":
            time.sleep(60)
        if self.mode == "crash":
            os._exit(7)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)


def test_failed_fits_follow_error_score_with_sklearns_aggregated_warning():
    search = EvolutionarySearchCV(Fragile(), {"mode": ["ok", "fail"]}, cv=3, random_state=0)
    with pytest.warns(FitFailedWarning, match=re.escape("3 fits failed out of a total of 6")):
        search.fit(X_iris, y_iris)
    by_mode = dict(zip([p["mode"] for p in search.cv_results_["params"]], search.cv_results_["state"]))
    assert by_mode == {"ok": "complete", "fail": "failed"} and search.best_params_ == {"mode": "ok"}
    scored = EvolutionarySearchCV(Fragile(), {"mode": ["ok", "fail"]}, cv=3, error_score=-1.0, random_state=0)
    with pytest.warns(FitFailedWarning):
        scored.fit(X_iris, y_iris)
    assert -1.0 in scored.cv_results_["mean_test_score"]
    with pytest.raises(ValueError, match="this configuration cannot be fitted"):
        EvolutionarySearchCV(Fragile(), {"mode": ["fail", "ok"]}, cv=3, error_score="raise", random_state=0).fit(X_iris, y_iris)
    with pytest.raises(ValueError, match=re.escape("All the 3 fits failed")):
        EvolutionarySearchCV(Fragile(), {"mode": ["fail"]}, cv=3, random_state=0).fit(X_iris, y_iris)


def test_timeouts_and_crashes_are_recorded_as_such():
    search = EvolutionarySearchCV(Fragile(), {"mode": ["ok", "sleep", "crash"]}, cv=2, timeout=2, n_jobs=2, random_state=0)
    start = time.monotonic()
    with pytest.warns(FitFailedWarning, match="4 fits failed out of a total of 6"):
        search.fit(X_iris, y_iris)
    assert time.monotonic() - start < 20
    states = dict(zip([p["mode"] for p in search.cv_results_["params"]], search.cv_results_["state"]))
    assert states == {"ok": "complete", "sleep": "timeout", "crash": "crashed"}
    assert math.isnan(search.cv_results_["mean_test_score"][list(states).index("sleep")])


def test_verbose_prints_one_line_per_generation(capsys):
    EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": et.Integer(1, 12)}, cv=2,
                         population_size=4, generations=3, verbose=1, random_state=0).fit(X_iris, y_iris)
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("Fitting 2 folds for each of up to")
    assert [line.split(":")[0] for line in lines[1:]] == [f"[EvolutionarySearchCV] generation {g}" for g in range(3)]


def test_verbose_2_and_3_add_a_line_per_candidate_and_its_folds(capsys):
    search = EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": et.Integer(1, 12)}, cv=2,
                                  population_size=4, generations=2, verbose=3, random_state=0).fit(X_iris, y_iris)
    lines = capsys.readouterr().out.strip().splitlines()
    candidates = [line for line in lines if " candidate " in line]
    assert len(candidates) == len(search.cv_results_["params"]) == 8
    first = candidates[0]
    assert first.startswith("[EvolutionarySearchCV] candidate 0 (generation 0) END max_depth=") and "(folds: " in first
    assert first.count(",", first.index("(folds: ")) == 1  # two folds


def test_progress_initial_points_and_time_budget(capsys):
    search = EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": et.Integer(1, 12)}, cv=2,
                                  initial_points=[{"max_depth": 7}], time_budget=1.0, progress=True,
                                  random_state=0).fit(X_iris, y_iris)
    assert search.cv_results_["params"][0] == {"max_depth": 7}
    assert search.stop_reason_.startswith(("time_budget reached", "space exhausted"))
    assert "evotune (maximize)" in capsys.readouterr().err  # the bar


def test_misspelled_parameters_are_refused_before_any_fit():
    search = EvolutionarySearchCV(DecisionTreeClassifier(), {"min_sample_leaf": [1, 2]}, cv=2, n_jobs=2)
    with pytest.raises(et.InvalidParameterError, match="no parameter 'min_sample_leaf'; did you mean 'min_samples_leaf'"):
        search.fit(X_iris, y_iris)
    assert not hasattr(search, "cv_results_")


def test_a_stored_search_resumes_to_the_same_results(tmp_path):
    space = {"max_depth": et.Integer(1, 12), "min_samples_split": et.Integer(2, 20), "criterion": ["gini", "entropy", "log_loss"]}
    make = lambda **kw: EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), space, cv=3, random_state=3, population_size=8, **kw)
    make(max_evaluations=16, storage=tmp_path / "s.db").fit(X_bc, y_bc)
    resumed = make(max_evaluations=40, storage=tmp_path / "s.db", resume=True).fit(X_bc, y_bc)
    straight = make(max_evaluations=40).fit(X_bc, y_bc)
    same_results(resumed.cv_results_, straight.cv_results_)
    assert len(et.load_run(tmp_path / "s.db").trials) == 40


def test_a_stored_search_resumed_with_a_larger_budget_keeps_its_population(tmp_path):
    """The default population follows the budget (8 for 16, 9 for 80): a search resumed with more
    ``max_evaluations`` keeps the 8 it stored (until 0.16 the resume was refused, "population_size: stored 8,
    given 9") and goes on as a straight run with 8."""
    space = {"max_depth": et.Integer(1, 12), "min_samples_split": et.Integer(2, 20)}
    tree = DecisionTreeClassifier(random_state=0)
    make = lambda **kw: EvolutionarySearchCV(tree, space, cv=3, random_state=3, **kw)
    make(max_evaluations=16, storage=tmp_path / "s.db").fit(X_bc, y_bc)
    resumed = make(max_evaluations=80, storage=tmp_path / "s.db", resume=True).fit(X_bc, y_bc)
    assert [s["evaluations"] for s in resumed.result_.sessions] == [16, 64]
    straight = make(max_evaluations=80, population_size=8).fit(X_bc, y_bc)
    same_results(resumed.cv_results_, straight.cv_results_)
    with pytest.raises(et.StorageError, match="population_size: stored 8, given 10"):  # given: checked
        make(max_evaluations=80, population_size=10, storage=tmp_path / "s.db", resume=True).fit(X_bc, y_bc)


def test_bad_settings_are_named():
    with pytest.raises(et.InvalidParameterError, match="give `max_evaluations` or its alias `n_iter`, not both"):
        EvolutionarySearchCV(Ridge(), {"alpha": [1.0, 2.0]}, max_evaluations=3, n_iter=3).fit(X_iris, y_iris[:150].astype(float))
    with pytest.raises(et.InvalidSpaceError, match="parameter 'alpha': scipy.stats.norm has unbounded support"):
        EvolutionarySearchCV(Ridge(), {"alpha": stats.norm()}).fit(X_iris, y_iris.astype(float))
    with pytest.raises(et.InvalidParameterError, match=r"^`n_iter` must be an integer >= 1 or None; got 0\.$"):
        EvolutionarySearchCV(Ridge(), {"alpha": [1.0, 2.0]}, n_iter=0).fit(X_iris, y_iris.astype(float))
    with pytest.raises(et.InvalidSpaceError, match=r"got 'auto' \(str\); a fixed value is a list of one: \['auto'\]\.$"):
        EvolutionarySearchCV(Ridge(), {"solver": "auto"}).fit(X_iris, y_iris.astype(float))
    for scoring in ["acc", {"a": "accuracy", "b": "acc"}, ["accuracy", "acc"]]:
        with pytest.raises(et.InvalidParameterError, match="no scorer 'acc'; did you mean 'accuracy'"):
            EvolutionarySearchCV(SVC(), {"C": [1.0, 2.0]}, scoring=scoring).fit(X_iris, y_iris)


def test_a_list_of_grids_is_searched_as_gridsearchcv_does():
    grids = [{"kernel": ["linear"], "C": [0.1, 1.0]}, {"kernel": ["rbf"], "C": [1.0, 10.0], "gamma": [1e-3, 1e-4]}]
    ours = EvolutionarySearchCV(SVC(), grids, cv=3, random_state=0).fit(X_bc[::2], y_bc[::2])
    theirs = GridSearchCV(SVC(), grids, cv=3).fit(X_bc[::2], y_bc[::2])
    key = lambda p: tuple(sorted(p.items()))  # noqa: E731
    ours_scores = {key(p): s for p, s in zip(ours.cv_results_["params"], ours.cv_results_["mean_test_score"])}
    theirs_scores = {key(p): s for p, s in zip(theirs.cv_results_["params"], theirs.cv_results_["mean_test_score"])}
    assert ours_scores == pytest.approx(theirs_scores)
    gamma = ours.cv_results_["param_gamma"]
    assert list(gamma.mask) == ["gamma" not in p for p in ours.cv_results_["params"]]
    assert ours.best_params_ == theirs.best_params_


def test_every_engine_setting_is_reachable_through_settings():
    """EvolutionarySearchCV lists a few settings; the rest (operators included) come in an evotune.Settings."""
    from sklearn.base import clone
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    class Counting(et.MixedMutation):
        calls = 0

        def __call__(self, genome, child):
            Counting.calls += 1
            super().__call__(genome, child)

    X, y = load_iris(return_X_y=True)
    settings = et.Settings(mutation=Counting(), crossover_prob=0.5, offspring_size=6, hall_of_fame_size=3)
    search = EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": list(range(1, 30))},
                                  cv=3, max_evaluations=20, population_size=6, settings=settings, random_state=0)
    clone(search).fit(X, y)
    search.fit(X, y)
    assert Counting.calls > 0 and len(search.hall_of_fame_) == 3
    assert {row.evaluated for row in search.history_[1:-1]} == {6}
    with pytest.raises(et.InvalidParameterError, match="`settings` must be an evotune.Settings or None"):
        EvolutionarySearchCV(DecisionTreeClassifier(), {"max_depth": [1, 2]}, settings={"seed": 1}).fit(X, y)


def test_param_grid_is_accepted_as_gridsearchcvs_name_for_the_space():
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    X, y = load_iris(return_X_y=True)
    grid = {"max_depth": [1, 2, 3, 4, None], "criterion": ["gini", "entropy"]}
    by_grid = EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), param_grid=grid, cv=3, random_state=0)
    by_distributions = EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), grid, cv=3, random_state=0)
    assert by_grid.fit(X, y).cv_results_["params"] == by_distributions.fit(X, y).cv_results_["params"]
    assert clone(by_grid).get_params()["param_grid"] == grid
    for bad in ({}, {"param_distributions": grid, "param_grid": grid}):
        with pytest.raises(et.InvalidParameterError, match="`param_distributions` or as `param_grid`"):
            EvolutionarySearchCV(DecisionTreeClassifier(), cv=3, **bad).fit(X, y)


def test_model_selection_with_estimators_as_choices_and_conditions():
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    families = [SVC(), LogisticRegression(max_iter=500), KNeighborsClassifier()]
    space = {
        "clf": families,
        "clf__C": et.Float(1e-2, 1e2, log=True).when(clf=["SVC", "LogisticRegression"]),
        "clf__gamma": et.Float(1e-4, 1, log=True).when(clf="SVC"),
        "clf__n_neighbors": et.Integer(1, 30).when(clf="KNeighborsClassifier"),
    }
    search = EvolutionarySearchCV(pipe, space, cv=3, max_evaluations=24, n_jobs=2, random_state=0).fit(X_iris, y_iris)
    expected = {"SVC": {"clf", "clf__C", "clf__gamma"}, "LogisticRegression": {"clf", "clf__C"},
                "KNeighborsClassifier": {"clf", "clf__n_neighbors"}}
    for params in search.cv_results_["params"]:
        assert set(params) == expected[type(params["clf"]).__name__]
    assert {type(p["clf"]).__name__ for p in search.cv_results_["params"]} == set(expected)
    assert all(f is not search.best_estimator_.named_steps["clf"] for f in families)  # cloned, never fitted in place
    assert not any(hasattr(f, "classes_") for f in families)
    assert search.best_score_ > 0.9
    # a masked param_ column, as sklearn has for parameters a grid does not set
    column = search.cv_results_["param_clf__n_neighbors"]
    assert column.mask.sum() == sum(type(p["clf"]).__name__ != "KNeighborsClassifier" for p in search.cv_results_["params"])
    with pytest.raises(et.InvalidParameterError, match="none of the estimators 'clf' takes here .KNeighborsClassifier. "
                                                       "has a parameter 'n_neighbor'; did you mean clf__n_neighbors"):
        EvolutionarySearchCV(pipe, {**space, "clf__n_neighbor": et.Integer(1, 3).when(clf="KNeighborsClassifier")},
                             cv=2).fit(X_iris, y_iris)


def test_sklearns_list_of_grids_with_estimators_maps_onto_the_same_conditions():
    """The list-of-grids form of the model choice above: `clf` picks the grid, `clf__C` (defined alike
    in two grids) is one gene, so both forms search the same candidates."""
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC

    pipe = Pipeline([("scale", StandardScaler()), ("clf", SVC())])
    svc, logreg, knn = SVC(), LogisticRegression(max_iter=500), KNeighborsClassifier()
    c = et.Float(1e-2, 1e2, log=True)
    grids = [{"clf": [svc], "clf__C": c, "clf__gamma": et.Float(1e-4, 1, log=True)},
             {"clf": [logreg], "clf__C": c}, {"clf": [knn], "clf__n_neighbors": et.Integer(1, 30)}]
    space = {"clf": [svc, logreg, knn], "clf__C": c.when(clf=["SVC", "LogisticRegression"]),
             "clf__gamma": et.Float(1e-4, 1, log=True).when(clf="SVC"),
             "clf__n_neighbors": et.Integer(1, 30).when(clf="KNeighborsClassifier")}
    assert dict(et.Space(grids)) == dict(et.Space(space))
    runs = [EvolutionarySearchCV(pipe, s, cv=3, max_evaluations=16, random_state=0).fit(X_iris, y_iris)
            for s in (grids, space)]
    assert runs[0].cv_results_["params"] == runs[1].cv_results_["params"]


def test_an_estimator_choice_that_cannot_be_cloned_is_refused_before_any_fit():
    class Uncloneable(BaseEstimator, ClassifierMixin):
        def __init__(self, depth=1):
            self.depth = depth + 1  # changes its parameter: clone() refuses it

        def fit(self, X, y):
            return self

    pipe = Pipeline([("clf", LogisticRegression())])
    with pytest.raises(et.InvalidParameterError, match="'clf': the choice .* cannot be cloned"):
        EvolutionarySearchCV(pipe, {"clf": [LogisticRegression(), Uncloneable()]}, cv=2).fit(X_iris, y_iris)

    class Unreadable(Uncloneable):  # does not store its parameter: even its repr (get_params) fails
        def __init__(self, depth=1):
            self.levels = depth

    with pytest.raises(et.InvalidParameterError, match="'clf': the choice a Unreadable cannot be cloned .*'depth'"):
        EvolutionarySearchCV(pipe, {"clf": [LogisticRegression(), Unreadable()]}, cv=2).fit(X_iris, y_iris)


def test_racing_stops_candidates_early_marks_them_as_sklearn_users_expect_and_never_picks_one(recwarn):
    from sklearn.neighbors import KNeighborsClassifier

    def search(n_jobs, racing=True):
        estimator = Pipeline([("scale", StandardScaler()), ("knn", KNeighborsClassifier())])
        space = {"knn__n_neighbors": et.Integer(1, 60), "knn__weights": ["uniform", "distance"],
                 "knn__p": et.Integer(1, 3)}
        return EvolutionarySearchCV(estimator, space, cv=10, max_evaluations=40, random_state=0, n_jobs=n_jobs,
                                    racing=racing).fit(X_wine, y_wine)

    raced = search(1)
    results, states = raced.cv_results_, np.array(raced.cv_results_["state"])
    pruned = np.flatnonzero(states == "pruned")
    assert len(pruned) > 0
    folds = np.array([results[f"split{i}_test_score"] for i in range(10)]).T
    for i in pruned:  # the folds it ran, then NaN; a NaN mean, ranked last
        ran = len(raced.trials_[i].parts)
        assert 3 <= ran < 10 and np.isfinite(folds[i, :ran]).all() and np.isnan(folds[i, ran:]).all()
        assert math.isnan(results["mean_test_score"][i]) and results["rank_test_score"][i] == results["rank_test_score"].max()
    assert states[raced.best_index_] == "complete" and raced.best_score_ == np.nanmax(results["mean_test_score"])
    assert not [w for w in recwarn if "non-finite" in str(w.message)]  # not a failure: nothing to warn about
    fits = sum(len(t.parts) for t in raced.trials_)
    assert fits < 40 * 10
    same_results(raced.cv_results_, search(2).cv_results_)  # the same candidates pruned, whatever n_jobs
    plain = search(1, racing=None)
    assert "pruned" not in plain.cv_results_["state"] and plain.best_score_ - raced.best_score_ < 0.01


@pytest.mark.slow  # many searches: in CI's first job only
def test_a_search_of_6_folds_or_more_and_one_objective_is_raced_by_default():
    """``racing="auto"``: ``Racing()`` with 10 folds; every fold with scikit-learn's 5 or with several
    objectives."""
    space = {"max_depth": et.Integer(1, 30), "min_samples_leaf": et.Integer(1, 20)}

    def trials(**kwargs):
        search = EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), space, max_evaluations=16,
                                      random_state=0, **kwargs).fit(X_bc, y_bc)
        return [(t.params, t.value, t.state, t.parts) for t in search.trials_]

    default = trials(cv=10)
    assert "pruned" in {state for _, _, state, _ in default} and default == trials(cv=10, racing=True)
    five = trials()  # scikit-learn's default
    assert "pruned" not in {state for _, _, state, _ in five} and five == trials(racing=None)
    two = dict(cv=10, scoring=["accuracy", "balanced_accuracy"], objectives=["accuracy", "balanced_accuracy"])
    assert trials(**two) == trials(**two, racing=None)


@pytest.mark.slow  # many searches: in CI's first job only
def test_racing_stops_candidates_whose_first_folds_fit_an_earlier_trials_models(tmp_path):
    """A decision tree deeper than its data needs is the same model at any deeper max_depth: such repeats
    stop after their first 2 folds (the paired test cannot stop them: they tie), with the same trials
    whatever n_jobs, and their fingerprints kept in the run file, not in cv_results_."""
    space = {"max_depth": et.Integer(1, 30), "min_samples_leaf": et.Integer(1, 20), "criterion": ["gini", "entropy"]}

    def search(racing, n_jobs=1, **kwargs):
        return EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), space, cv=10, max_evaluations=64,
                                    random_state=0, racing=racing, n_jobs=n_jobs, **kwargs).fit(X_bc, y_bc)

    raced = search(True, storage=tmp_path / "run.db")
    trials, first = raced.trials_, {}
    assert not any(k.startswith("split") and "fingerprint" in k for k in raced.cv_results_)
    repeats = 0
    for t in trials:
        keys = tuple(t.info["part_keys"])
        assert len(keys) == 2 and all(isinstance(k, str) for k in keys)  # the first 2 folds are keyed
        assert "fingerprint" not in t.info["splits"][0]
        earlier = first.setdefault(keys, t)
        if t.state == "pruned" and earlier is not t and earlier.generation < t.generation:
            repeats += 1
            assert len(t.parts) == 2 and t.info["stopped"].startswith("repeats trial ")
        if t.state == "pruned":  # why it stopped: a repeat, a tie with the best, futility or worse
            assert t.info["stopped"].split()[0] in ("repeats", "ties", "cannot", "worse")
    assert repeats >= 5
    futile = [t for t in trials if t.state == "pruned" and t.info["stopped"].startswith("cannot end better")]
    assert futile and all(3 <= len(t.parts) < 10 for t in futile)  # behind the best, though not shown worse
    unkeyed = search(et.Racing(repeats=False))
    assert all("part_keys" not in t.info for t in unkeyed.trials_)
    fits = [sum(len(t.parts) for t in s.trials_) for s in (raced, unkeyed)]
    assert fits[0] < 0.85 * fits[1]
    same_results(raced.cv_results_, search(True, n_jobs=2).cv_results_)
    assert et.load_run(tmp_path / "run.db").trials[-1].info["part_keys"] == list(trials[-1].info["part_keys"])


class CountedForest(RandomForestClassifier):
    """A random forest that counts its probability computations (its predict goes through them)."""

    computed = 0

    def predict_proba(self, X):
        type(self).computed += 1
        return super().predict_proba(X)


class CountedRidge(Ridge):
    """A ridge regression that counts its predictions."""

    computed = 0

    def predict(self, X):
        type(self).computed += 1
        return super().predict(X)


@pytest.mark.parametrize("model", ["forest", "pipeline", "ridge"])
def test_a_fold_fingerprint_reuses_what_the_scorer_predicted(model):
    """Racing fingerprints a keyed fold's model by its output on the fold's test data; the scorer has just
    computed it (a regressor's predictions, the probabilities a forest's predict goes through), so the
    fingerprint reads it instead of predicting again: the same fingerprint, one prediction, and the model
    measured (model_size) as without it."""
    from evotune.sklearn import _fingerprint, cross_validation

    counted = CountedRidge if model == "ridge" else CountedForest
    estimator = counted() if model == "ridge" else counted(n_estimators=5, random_state=0)
    if model == "pipeline":
        estimator = Pipeline([("scale", StandardScaler()), ("forest", estimator)])
    X, y = (X_diabetes, y_diabetes) if model == "ridge" else (X_bc, y_bc)
    objective = cross_validation(estimator, X, y, cv=3, objectives=["score", "model_size"])
    counted.computed = 0
    fold = objective.keying(1).part({}, 0)
    assert counted.computed == 1  # the scorer's; 2 before: the fingerprint predicted again
    train, test = objective.splits[0]
    assert fold["fingerprint"] == _fingerprint(clone(estimator).fit(X[train], y[train]), X[test])
    unkeyed = objective.part({}, 0)
    assert "fingerprint" not in unkeyed and unkeyed["test_scores"] == fold["test_scores"]
    assert unkeyed["model_size"] == fold["model_size"]  # nothing of the fingerprint's left on the model


@pytest.mark.slow  # many searches: in CI's first job only
def test_racing_with_several_objectives_stops_candidates_a_front_member_beats_in_each(tmp_path):
    """Accuracy and model size, 10 folds: candidates a trial of the front is shown better than in both (or
    that repeat an earlier trial's models) stop early; they never join the front, their folds not run are
    NaN, the same trials whatever n_jobs, and their parts (one pair per fold) survive the run file."""
    space = {"max_depth": et.Integer(1, 20), "min_samples_leaf": et.Integer(1, 50, log=True),
             "ccp_alpha": et.Float(1e-5, 0.1, log=True)}

    def search(racing, n_jobs=1, **kwargs):
        return EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), space,
                                    objectives=["score", "model_size"], cv=10, max_evaluations=48,
                                    random_state=0, racing=racing, n_jobs=n_jobs, **kwargs).fit(X_bc, y_bc)

    raced = search(True, storage=tmp_path / "run.db")
    results, states = raced.cv_results_, np.array(raced.cv_results_["state"])
    pruned = np.flatnonzero(states == "pruned")
    reasons = {raced.trials_[i].info["stopped"].split()[0] for i in pruned}
    assert len(pruned) >= 5 and reasons <= {"repeats", "dominated"}
    for i in pruned:
        trial = raced.trials_[i]
        ran = len(trial.parts)
        assert (2 if trial.info["stopped"].startswith("repeats") else 3) <= ran < 10
        assert all(len(part) == 2 for part in trial.parts)
        assert math.isnan(results["mean_test_score"][i]) and math.isnan(results["mean_model_size"][i])
        assert not results["pareto_front"][i]
    assert states[raced.best_index_] == "complete"
    assert all(t.state == "complete" for t in raced.result_.pareto_front)
    fits = sum(len(t.parts) for t in raced.trials_)
    assert fits < 0.8 * 48 * 10
    same_results(raced.cv_results_, search(True, n_jobs=2).cv_results_)
    stored = et.load_run(tmp_path / "run.db").trials
    assert [t.parts for t in stored] == [t.parts for t in raced.trials_]


def test_several_objectives_give_a_front_and_refit_its_knee():
    X, y = X_bc, y_bc
    space = {"n_estimators": et.Integer(1, 60, log=True), "max_depth": et.Integer(1, 10)}
    search = EvolutionarySearchCV(RandomForestClassifier(random_state=0), space, scoring={"acc": "accuracy"},
                                  objectives=["acc", "model_size"], cv=3, max_evaluations=20, random_state=0)
    search.fit(X, y)
    results, front = search.cv_results_, search.result_.pareto_front
    assert search.result_.directions == (et.Direction.MAXIMIZE, et.Direction.MINIMIZE)
    assert [i for i, on in enumerate(results["pareto_front"]) if on] == [t.number for t in sorted(front, key=lambda t: t.number)]
    assert search.best_params_ == search.result_.best_trial.params and results["pareto_front"][search.best_index_]
    assert search.best_estimator_.get_params()["n_estimators"] == search.best_params_["n_estimators"]
    assert all(size > 1000 for size in results["mean_model_size"])
    knee = search.trials_[search.best_index_]
    assert knee.values == (results["mean_test_acc"][search.best_index_], results["mean_model_size"][search.best_index_])
    by_metric = EvolutionarySearchCV(RandomForestClassifier(random_state=0), space, scoring={"acc": "accuracy"},
                                     objectives=["acc", "fit_time"], refit="acc", cv=3, max_evaluations=12,
                                     random_state=0).fit(X, y)
    assert by_metric.best_score_ == max(by_metric.cv_results_["mean_test_acc"])


def test_settings_for_several_objectives_are_taken_with_the_objectives():
    """``Settings`` has no directions of its own here: the search adds them from ``objectives``."""
    search = EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": et.Integer(1, 8)},
                                  scoring={"acc": "accuracy"}, objectives=["acc", "model_size", "fit_time"], cv=3,
                                  max_evaluations=10, random_state=0, settings=et.Settings(keep_extremes=True))
    assert search.fit(X_iris, y_iris).result_.settings["keep_extremes"] is True


def test_one_scoring_string_names_its_objective_as_the_cli_does():
    def search(objectives):
        return EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": et.Integer(1, 8)},
                                    scoring="accuracy", objectives=objectives, cv=3, max_evaluations=10,
                                    random_state=0).fit(X_iris, y_iris)

    same_results(search(["accuracy", "model_size"]).cv_results_, search(["score", "model_size"]).cv_results_)


@pytest.mark.parametrize("kwargs, fragment", [
    ({"objectives": ["score"]}, "`objectives` must list two or more"),
    ({"objectives": ["accuracy", "size"]}, "'accuracy' is neither a metric of `scoring` (score)"),
    ({"objectives": "score"}, "`objectives` must list two or more"),
])
def test_bad_objectives_are_named_before_any_fit(kwargs, fragment):
    with pytest.raises(et.InvalidParameterError) as info:
        EvolutionarySearchCV(DecisionTreeClassifier(), {"max_depth": [1, 2, 3]}, cv=3, **kwargs).fit(X_iris, y_iris)
    assert fragment in str(info.value)
