"""Makes a run file with the evotune to keep a file of: tests/data/run-ac1d4e8.db (commit ac1d4e8),
tests/data/run-0.2.0.db (commit 84937b2, release 0.2.0) and tests/data/run-0.3.0.db (commit 43dcb37,
release 0.3.0) were made so:

    git worktree add /tmp/prev 84937b2
    PYTHONPATH=/tmp/prev python tests/data/make_run_file.py tests/data/run-0.2.0.db

and, by commit 5420c68 (release 0.4.0), tests/data/run-0.4.0-union.db (a list of sub-spaces, encoded
before they became conditions: ``... make_run_file.py tests/data/run-0.4.0-union.db union``) and
tests/data/run-0.4.0-two-objectives.db (``... two-objectives``: ranked with 4 children per evaluation);
by commit 21520df (release 0.5.0), tests/data/run-0.5.0-racing.db (``... racing``: raced with the
candidate's folds' spread alone); by commit 7606e85 (release 0.6.0), tests/data/run-0.6.0-conditional.db
(``... conditional``: a space with conditions, every child evaluated the surrogate's best-ranked); by
commit 6ef1f76 (release 0.7.0), tests/data/run-0.7.0-conditional.db (``... conditional``: the same, with
branch slots); by commit 59a21ad (release 0.8.0), tests/data/run-0.8.0-racing-cv.db (``... racing-cv``: a
decision tree's cross-validation raced, repeats of an earlier trial's models and ties with the best running
every fold); by commit b391ec0 (release 0.9.2), tests/data/run-0.9.2-three-objectives.db (``... three-objectives``:
survival kept each front's extremes first with three objectives too); by commit d0ff572 (release 0.11.0),
tests/data/run-0.11.0-racing-cv.db (``... racing-cv``: candidates too far behind to end better ran every
fold); by commit 8d6dd89 (release 0.12.0), tests/data/run-0.12.0-two-objectives.db (``... two-objectives``:
each objective's model fitted to the normal scores of its ranks); by commit 7a4521e (release 0.13.0),
tests/data/run-0.13.0-racing-cv.db (``... racing-cv``: candidates tested after 3 and 6 folds, not after each);
by commit 6b2e1d4 (release 0.14.0), tests/data/run-0.14.0-racing-cv.db (``... racing-cv``: a repeat of an earlier
trial's models told by its first 3 folds, not 2); by commit e55e830 (release 0.15.0), tests/data/run-0.15.0.db
(schema version 4: no table for the folds of candidates not yet decided); by commit b8f88ad (release 0.16.0),
tests/data/run-0.16.0-two-objectives-default.db (``... two-objectives-default``: the population left to the
default, 8 for 20 trials where 0.17 gives 6 with two objectives) and
tests/data/run-0.16.0-sklearn-two-objectives.db (``... sklearn-two-objectives``: the same through
EvolutionarySearchCV, 16 trials); by commit 5f1ffe5 (release 0.17.0),
tests/data/run-0.17.0-two-objectives-10.db (``... two-objectives-10``: 10 trials, a population of 6, its model
used from 8 trials where 0.18 waits for 13); by commit c6a95e3 (release 0.18.0), tests/data/run-0.18.0.db (the
default kind) and tests/data/run-0.18.0-two-objectives-default.db (``... two-objectives-default``), the trials
the faster engine of 0.19 must go on from as it makes them; by commit 962d087 (release 0.20.0),
tests/data/run-0.20.0-conditional.db (``... conditional``: generations of a whole population, each the first
of one ranking, where 0.21 halves them and picks one by one in a space with conditions) and
tests/data/run-0.20.0-believer.db (``... believer``: generations of 4, picked one by one, as asked for); by
commit eb841d4 (release 0.21.0), tests/data/run-0.21.0-cv.db (``... cv``: a 10-fold cross-validation run
whole, where 0.22 races it by default) and tests/data/run-0.21.0-sklearn-cv.db (``... sklearn-cv``: the
same through EvolutionarySearchCV); by commit 66e7256 (release 0.22.0), tests/data/run-0.22.0-fidelity.db
(``... fidelity``: a fidelity whose first generation ran every budget, where 0.23 screens it by default);
by commit 59843ac (release 0.23.0), tests/data/run-0.23.0-screened.db (``... screened``: a screen and the
generation it promoted).
"""

import functools
import operator
import sys

import evotune as et

space = {"x": et.Float(-5, 5), "n": et.Integer(1, 20, log=True), "k": ["a", "b", "c"]}
conditional = {"k": ["a", "b", "c"], "x": et.Float(-5, 5), "n": et.Integer(1, 20, log=True).when(k=["b", "c"])}
union = [{"k": ["a"], "x": et.Float(-5, 5)}, {"k": ["b", "c"], "x": et.Float(-5, 5), "n": et.Integer(1, 20, log=True)}]


def f(p):
    return (p["x"] - 1) ** 2 + abs(p.get("n", 1) - 7) + (p["k"] != "b")


tree_space = {"max_depth": et.Integer(1, 30), "min_samples_leaf": et.Integer(1, 20), "criterion": ["gini", "entropy"]}


def tree_folds():
    """A decision tree's 10-fold cross-validation on breast_cancer (its fitted models fingerprinted when raced)."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.tree import DecisionTreeClassifier

    from evotune.sklearn import cross_validation

    return cross_validation(DecisionTreeClassifier(random_state=0), *load_breast_cancer(return_X_y=True), cv=10)


def breast_cancer():
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(return_X_y=True)


def tree_search(**kwargs):
    """A decision tree's accuracy and balanced accuracy, 3-fold cross-validated (by EvolutionarySearchCV)."""
    from sklearn.tree import DecisionTreeClassifier

    from evotune.sklearn import EvolutionarySearchCV

    return EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), tree_space, cv=3, random_state=3,
                                scoring={"acc": "accuracy", "bacc": "balanced_accuracy"},
                                objectives=["acc", "bacc"], **kwargs)


def tree_cv_search(**kwargs):
    """A decision tree's accuracy, 10-fold cross-validated by EvolutionarySearchCV, a population of 8."""
    from sklearn.tree import DecisionTreeClassifier

    from evotune.sklearn import EvolutionarySearchCV

    return EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), tree_space, cv=10, random_state=3,
                                population_size=8, **kwargs)


def epochs(p, budgets):
    """``f`` trained on through a fidelity's budgets: lower at each."""
    for budget in budgets:
        yield f(p) + 4.0 / budget


def two(p):
    return f(p), abs(p["x"])


def three(p):
    return f(p), abs(p["x"] + 2), (p["x"] - 3) ** 2 + p["n"] / 4


class Folds:
    """``f`` as 4 folds that differ by a fold-dependent offset and a little noise."""

    parts = 4

    def part(self, p, i):
        return f(p) + 0.5 * i + 0.1 * ((p["x"] * 7 + i) % 1)

    def combine(self, p, results):
        # summed left to right, as sum() did before Python 3.12 (which compensates): the values the files hold
        return functools.reduce(operator.add, results) / len(results)

    def __call__(self, p):
        return self.combine(p, [self.part(p, i) for i in range(self.parts)])


if __name__ == "__main__":
    if sys.argv[2:] == ["racing"]:
        et.optimize(Folds(), space, racing=et.Racing(min_parts=2), max_evaluations=20, population_size=8,
                    storage=sys.argv[1], run_name="previous", seed=3)
    elif sys.argv[2:] == ["racing-cv"]:
        et.optimize(tree_folds(), tree_space, racing=et.Racing(), max_evaluations=32, population_size=8,
                    storage=sys.argv[1], run_name="previous", seed=3)
    elif sys.argv[2:] == ["conditional"]:
        et.optimize(f, conditional, max_evaluations=24, population_size=8, storage=sys.argv[1], run_name="previous",
                    seed=3)
    elif sys.argv[2:] == ["three-objectives"]:
        et.optimize(three, space, directions=["minimize"] * 3, max_evaluations=24, population_size=8,
                    storage=sys.argv[1], run_name="previous", seed=3)
    elif sys.argv[2:] == ["two-objectives-default"]:  # the population left to the default of the release
        et.optimize(two, space, directions=["minimize", "minimize"], max_evaluations=20, storage=sys.argv[1],
                    run_name="previous", seed=3)
    elif sys.argv[2:] == ["two-objectives-10"]:  # the default population, 10 trials: before the model is used
        et.optimize(two, space, directions=["minimize", "minimize"], max_evaluations=10, storage=sys.argv[1],
                    run_name="previous", seed=3)
    elif sys.argv[2:] == ["cv"]:  # 10 folds, every fold run: 0.21 and earlier raced nothing by default
        et.optimize(tree_folds(), tree_space, max_evaluations=32, population_size=8, storage=sys.argv[1],
                    run_name="previous", seed=3)
    elif sys.argv[2:] == ["sklearn-cv"]:  # the same through EvolutionarySearchCV
        tree_cv_search(max_evaluations=24, storage=sys.argv[1]).fit(*breast_cancer())
    elif sys.argv[2:] == ["sklearn-two-objectives"]:
        tree_search(max_evaluations=16, storage=sys.argv[1]).fit(*breast_cancer())
    elif sys.argv[2:] == ["two-objectives"]:
        et.optimize(two, space, directions=["minimize", "minimize"], max_evaluations=20, population_size=8,
                    storage=sys.argv[1], run_name="previous", seed=3)
    elif sys.argv[2:] == ["fidelity"]:  # its first generation ran every budget: 0.23 screens by default
        et.optimize(epochs, space, fidelity=et.Fidelity(1, 27), max_evaluations=24, population_size=8,
                    storage=sys.argv[1], run_name="previous", seed=3)
    elif sys.argv[2:] == ["screened"]:  # 0.23's screen and the generation it promoted
        et.optimize(epochs, space, fidelity=et.Fidelity(1, 27, screen=3), max_evaluations=32,
                    population_size=8, storage=sys.argv[1], run_name="previous", seed=3)
    elif sys.argv[2:] == ["believer"]:  # 0.20's believer, asked for, with generations of 4
        et.optimize(f, space, max_evaluations=20, population_size=8, offspring_size=4, storage=sys.argv[1],
                    surrogate=et.GaussianProcessSurrogate(believer=True), run_name="previous", seed=3)
    else:
        chosen = union if sys.argv[2:] == ["union"] else space
        et.optimize(f, chosen, max_evaluations=20, population_size=8, storage=sys.argv[1], run_name="previous", seed=3)
