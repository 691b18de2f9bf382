import re
import math

import pytest

import evotune as et
from evotune import Categorical, Float, Integer, InvalidSpaceError, Space


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: Float(1.0, 0.5), "`low` must be smaller than `high`; got low=1.0, high=0.5"),
        (lambda: Float(1.0, 1.0), "`low` must be smaller than `high`"),
        (lambda: Float(0.0, 1.0, log=True), "a log scale needs `low` > 0; got low=0.0"),
        (lambda: Float(-1.0, 1.0, log=True), "a log scale needs `low` > 0"),
        (lambda: Float(0.0, math.inf), "`high` must be finite; got inf"),
        (lambda: Float(math.nan, 1.0), "`low` must be finite; got nan"),
        (lambda: Float("0", 1.0), "`low` must be a real number; got '0' (str)"),
        (lambda: Float(True, 2.0), "`low` must be a real number"),
        (lambda: Float(0, 1, log="yes"), "`log` must be True or False"),
        (lambda: Integer(1.5, 8), "Integer: `low` must be a whole number; got 1.5"),
        (lambda: Integer(1, 8.2), "`high` must be a whole number"),
        (lambda: Integer(8, 1), "`low` must be smaller than `high`; got low=8, high=1"),
        (lambda: Integer(0, 10, log=True), "a log scale needs `low` > 0; got low=0"),
        (lambda: Categorical([]), "`choices` must not be empty"),
        (lambda: Categorical(["a", "b", "a"]), "`choices` must be distinct; 'a' appears twice"),
        (lambda: Categorical([None, None]), "None appears twice"),
        (lambda: Categorical("abc"), "`choices` must be a list or tuple"),
    ],
)
def test_invalid_parameters_name_what_is_wrong(make, fragment):
    with pytest.raises(InvalidSpaceError) as info:
        make()
    assert fragment in str(info.value)
    assert isinstance(info.value, ValueError)


def test_integer_bounds_become_ints():
    p = Integer(1.0, 8.0)
    assert (p.low, p.high) == (1, 8) and isinstance(p.low, int)
    assert p.cardinality == 8


def test_categorical_accepts_mixed_and_arbitrary_objects():
    class Estimator:
        pass

    est_a, est_b = Estimator(), Estimator()
    cat = Categorical([None, True, 1, 1.5, "x", est_a, est_b, len])
    assert cat.index(est_b) == 6
    assert cat.index(1) == 2  # 1 and True are different choices
    assert cat.index(True) == 1
    assert cat.contains(len) and not cat.contains(Estimator())
    with pytest.raises(InvalidSpaceError, match="is not one of the choices"):
        cat.index("y")


def test_categorical_equality_is_by_choices():
    assert Categorical(["a", None]) == Categorical(("a", None))
    assert Categorical(["a", None]) != Categorical([None, "a"])


def test_space_reads_lists_as_categoricals_and_keeps_order():
    space = Space({"b": [1, 2, 3], "a": Float(0, 1), "c": ("x",), "d": [3, 1, 2], "e": [None, 1, 2]})
    assert list(space) == ["b", "a", "c", "d", "e"]
    assert space["b"] == Categorical([1, 2, 3], ordered=True)  # increasing numbers: a scale
    assert space["d"] == Categorical([3, 1, 2]) and space["e"] == Categorical([None, 1, 2])
    assert space.cardinality == math.inf
    assert Space({"a": [1, 2], "b": Integer(0, 3)}).cardinality == 8
    assert Space(space) == space


@pytest.mark.parametrize(
    "spec, fragment",
    [
        ({}, "at least one parameter"),
        ({"a": 3}, "parameter 'a': expected Float, Integer, Categorical, a list of choices or a scipy.stats distribution; got 3 (int)"),
        ({"a": [1, 1]}, "parameter 'a': Categorical: `choices` must be distinct"),
        ({1: Float(0, 1)}, "parameter names must be strings; got 1"),
        ([("a", Float(0, 1))], "a list must hold dicts of parameter name -> parameter"),
        (3, "expected a dict of parameter name -> parameter, or a list of such dicts; got int"),
    ],
)
def test_invalid_spaces(spec, fragment):
    with pytest.raises(InvalidSpaceError, match=None) as info:
        Space(spec)
    assert fragment in str(info.value)


def test_check_point_names_unknown_and_out_of_range_parameters():
    space = Space({"lr": Float(1e-4, 1e-1, log=True), "act": ["relu", "tanh"]})
    space.check_point({"lr": 0.01})
    with pytest.raises(InvalidSpaceError, match=r"unknown parameter name\(s\) \['depth'\]; the space has \['lr', 'act'\]"):
        space.check_point({"depth": 3})
    with pytest.raises(InvalidSpaceError, match="'lr'=1.0 is outside Float"):
        space.check_point({"lr": 1.0})
    with pytest.raises(InvalidSpaceError, match="'act'='gelu' is outside Categorical"):
        space.check_point({"act": "gelu"})


def test_public_parameters_are_reexported():
    assert et.Float is Float and et.Space is Space


def test_scipy_distributions_become_bounded_parameters():
    from scipy import stats

    space = Space({
        "C": stats.loguniform(1e-3, 1e3),
        "alpha": stats.uniform(0.5, 2.0),
        "n": stats.randint(1, 10),
    })
    assert space["C"] == Float(1e-3, 1e3, log=True)
    assert space["alpha"] == Float(0.5, 2.5)
    assert space["n"] == Integer(1, 9)
    with pytest.raises(InvalidSpaceError, match=r"parameter 'w': scipy.stats.norm has unbounded support \[-inf, inf\]; evotune searches bounded ranges"):
        Space({"w": stats.norm(0, 1)})


def test_ordered_categoricals_compare_and_validate():
    assert Categorical([1, 2], ordered=True) != Categorical([1, 2])
    with pytest.raises(InvalidSpaceError, match="`ordered` must be True or False; got 'yes'"):
        Categorical([1, 2], ordered="yes")


def test_a_list_of_dicts_is_a_union_of_sub_spaces():
    union = Space([{"kernel": ["linear"], "C": Float(0.1, 10)}, {"kernel": ["rbf"], "gamma": [0.1, 1.0, 10.0], "C": Float(1, 2)}])
    assert [list(b) for b in union.branches] == [["kernel", "C"], ["kernel", "gamma", "C"]]
    # one space with conditions: kernel picks the sub-space, C is defined twice (a gene each), gamma once
    assert dict(union) == {
        "kernel": Categorical(["linear", "rbf"]),
        "0:C": Float(0.1, 10).when(kernel="linear"),
        "1:C": Float(1, 2).when(kernel="rbf"),
        "gamma": Categorical([0.1, 1.0, 10.0], ordered=True).when(kernel="rbf"),
    }
    assert union.labels == {"0:C": "C", "1:C": "C"} and union.conditional
    assert Space([{"a": [1, 2]}, {"b": [1, 2, 3]}]).cardinality == 5
    assert Space([{"a": [1, 2]}]).branches is None  # one dict is just a space
    union.check_point({"kernel": "rbf", "gamma": 1.0})
    with pytest.raises(InvalidSpaceError, match=r"fits none of the sub-spaces: sub-space 0: .*'gamma'.*; sub-space 1: 'C'=50 is outside"):
        union.check_point({"gamma": 1.0, "C": 50})
    with pytest.raises(InvalidSpaceError, match="a list must hold dicts"):
        Space([{"a": [1]}, 3])


def test_a_union_shares_the_genes_of_names_its_sub_spaces_define_alike():
    c, gamma = Float(1e-2, 1e3, log=True), Float(1e-5, 1e-1, log=True)
    union = Space([{"kernel": ["linear"], "C": c}, {"kernel": ["rbf", "sigmoid"], "C": c, "gamma": gamma},
                   {"kernel": ["poly"], "C": c, "gamma": gamma, "degree": Integer(2, 5)}])
    assert dict(union) == {"kernel": Categorical(["linear", "rbf", "sigmoid", "poly"]), "C": c,
                           "gamma": gamma.when(kernel=["rbf", "sigmoid", "poly"]), "degree": Integer(2, 5).when(kernel="poly")}
    assert union.labels == {}
    # no parameter picks the sub-space (here `a` is in both with a shared choice): a gene "__space__" does
    picked = Space([{"a": [1, 2], "b": Float(0, 1)}, {"a": [2, 3]}])
    assert list(picked) == ["__space__", "0:a", "1:a", "b"]
    assert picked.labels == {"__space__": None, "0:a": "a", "1:a": "a"}
    assert picked["b"] == Float(0, 1).when(__space__=0)
    assert picked.gene_values({"a": 3}) == {"__space__": 1, "1:a": 3}
    with pytest.raises(InvalidSpaceError, match="names clash: '1:a' is used twice"):
        Space([{"a": [1]}, {"a": [2], "1:a": [5]}, {"a": [1], "z": [0]}])


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: et.Float(-1e308, 1e308), "`high - low` must be a finite number"),
        (lambda: et.Float(0, 10**400), "`high` must be finite; got 1000"),
        (lambda: et.Integer(0, 10**400), "`high`"),
    ],
)
def test_spans_and_bounds_past_floats_range_are_refused_where_given(make, fragment):
    with pytest.raises(et.InvalidSpaceError, match=re.escape(fragment)):
        make()


def test_a_categorical_of_twenty_thousand_choices_builds_and_finds_duplicates():
    """The duplicate check is linear (it was quadratic: 35 s for 20,000 choices)."""
    choices = [f"c{i}" for i in range(20_000)]
    assert et.Categorical(choices).index("c19999") == 19_999
    with pytest.raises(et.InvalidSpaceError, match="'c7' appears twice in '20001 choices'"):
        et.Categorical(choices + ["c7"])
    unhashable = [[1], [2], [1]]
    with pytest.raises(et.InvalidSpaceError, match=re.escape("[1] appears twice")):
        et.Categorical(unhashable)


# -- conditions (when=) ----------------------------------------------------------------------------
SVC_SPACE = {
    "kernel": ["linear", "rbf", "poly"],
    "C": et.Float(1e-2, 1e3, log=True),
    "gamma": et.Float(1e-5, 1e-1, log=True).when(kernel=["rbf", "poly"]),
    "degree": et.Integer(2, 5).when(kernel="poly"),
}


def test_conditions_say_which_parameters_a_point_has():
    space = et.Space(SVC_SPACE)
    assert space.conditional and space.order.index("kernel") < space.order.index("degree")
    assert space.active({"kernel": "linear", "C": 1.0, "gamma": 1e-3, "degree": 3}) == {"kernel", "C"}
    assert space.active({"kernel": "poly", "C": 1.0, "gamma": 1e-3, "degree": 3}) == set(SVC_SPACE)
    nested = et.Space({**SVC_SPACE, "coef0": et.Float(0, 1).when(degree=[4, 5])})  # a condition on a conditional one
    assert "coef0" not in nested.active({"kernel": "rbf", "C": 1.0, "gamma": 1e-3, "degree": 5, "coef0": 0.5})
    assert "coef0" in nested.active({"kernel": "poly", "C": 1.0, "gamma": 1e-3, "degree": 5, "coef0": 0.5})
    assert repr(space["degree"]) == "Integer(low=2, high=5, log=False).when(kernel=['poly'])"
    assert space == et.Space(SVC_SPACE) and space != et.Space({**SVC_SPACE, "degree": et.Integer(2, 5)})


def test_a_condition_on_an_integer_takes_whole_numbers_written_as_floats():
    space = et.Space({"layers": et.Integer(1, 3), "width2": et.Integer(8, 64).when(layers=[2.0, 3])})
    assert space["width2"].condition == (("layers", (2, 3)),)
    assert "width2" in space.active({"layers": 2, "width2": 16})


def test_a_finite_conditional_space_counts_points_that_differ_in_active_parameters():
    space = et.Space({"kernel": ["rbf", "poly"], "degree": et.Integer(2, 5).when(kernel="poly"), "c": [1, 2, 3]})
    assert space.cardinality == 3 + 4 * 3
    assert len({tuple(sorted(p.items())) for p in space.distinct_points()}) == 15


def test_a_condition_may_name_the_class_of_an_object_choice():
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    svc, logreg = SVC(), LogisticRegression()
    space = et.Space({"clf": [svc, logreg], "clf__gamma": et.Float(1e-4, 1, log=True).when(clf="SVC")})
    assert space["clf__gamma"].condition == (("clf", (svc,)),)
    assert space.active({"clf": logreg, "clf__gamma": 0.1}) == {"clf"}


@pytest.mark.parametrize("spec, message", [
    ({"a": et.Float(0, 1).when(b=1)}, "parameter 'a': when(b=...): the space has no parameter 'b'; it has ['a']."),
    ({"a": ["x"], "b": et.Float(0, 1).when(a="y")}, "parameter 'b': when(a=...): 'y' is not a value it can take; it takes ['x']."),
    ({"a": et.Integer(0, 3), "b": et.Float(0, 1).when(a=7)}, "'b': when(a=...): 7 is not a value it can take; it takes 0..3."),
    ({"a": et.Float(0, 1), "b": et.Integer(0, 2).when(a=0.5)}, "'a' is a Float, whose values are never exactly equal"),
    ({"a": et.Categorical([1, 2]).when(b=1), "b": et.Categorical([1, 2]).when(a=1)}, "the conditions form a cycle: a -> b -> a."),
    ({"a": et.Categorical([1, 2]).when(a=1)}, "a parameter cannot depend on itself"),
    ([{"k": ["x"], "a": et.Float(0, 1).when(k="x")}, {"b": [1]}], "a list of sub-spaces cannot also hold when= conditions"),
])
def test_bad_conditions_are_named_before_any_evaluation(spec, message):
    with pytest.raises(et.InvalidSpaceError, match=re.escape(message)):
        et.Space(spec)


def test_when_needs_a_name_and_a_value():
    with pytest.raises(et.InvalidSpaceError, match=r"Float.when\(\): name at least one parameter"):
        et.Float(0, 1).when()
    with pytest.raises(et.InvalidSpaceError, match="`k` needs at least one value"):
        et.Float(0, 1).when(k=[])
