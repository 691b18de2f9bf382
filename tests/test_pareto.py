import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from evotune import InvalidParameterError
from evotune.pareto import chebyshev, gain, hypervolume, knee, nondominated, survival_order

points = arrays(float, st.tuples(st.integers(1, 12), st.integers(2, 3)), elements=st.integers(0, 6).map(float))


def dominates(a, b):
    return bool(np.all(a <= b) and np.any(a < b))


@settings(max_examples=60, deadline=None)
@given(points)
def test_nondominated_is_the_set_no_point_dominates(losses):
    expected = [not any(dominates(other, p) for other in losses) for p in losses]
    assert nondominated(losses).tolist() == expected


@settings(max_examples=40, deadline=None)
@given(points)
def test_hypervolume_is_the_dominated_volume(losses):
    """Against counting the unit cells below the reference that some point dominates (integer points)."""
    reference = np.full(losses.shape[1], 7.0)
    cells = itertools.product(*[range(7)] * losses.shape[1])
    expected = sum(any(np.all(p <= np.array(cell)) for p in losses) for cell in cells)
    assert hypervolume(losses, reference) == pytest.approx(expected)


many = arrays(float, st.tuples(st.integers(0, 30), st.integers(2, 6)), elements=st.integers(0, 6).map(float))


@settings(max_examples=80, deadline=None)
@given(many, st.data())
def test_gain_is_what_the_point_adds_to_the_fronts_hypervolume(front, data):
    """Integer points in up to six objectives: dominated, equal, beyond the reference and on an empty front
    included; the limited front gives the difference of the two hypervolumes, exactly."""
    k = front.shape[1]
    point = np.array(data.draw(st.lists(st.integers(0, 8), min_size=k, max_size=k)), dtype=float)
    reference = np.full(k, 7.0)
    expected = hypervolume(np.vstack([front, point]), reference) - hypervolume(front, reference)
    assert gain(front, point, reference) == pytest.approx(expected, abs=1e-9)
    if any(np.all(p <= point) for p in front) or np.any(point >= reference):
        assert gain(front, point, reference) == 0.0


def test_gain_on_a_large_front_of_many_objectives_agrees_with_the_hypervolumes():
    """Eight objectives, 60 points on a sphere (all on the front): the case it is for."""
    rng = np.random.default_rng(0)
    front = np.abs(rng.normal(size=(60, 8)))
    front /= np.linalg.norm(front, axis=1, keepdims=True)
    front = front[nondominated(front)]
    reference = np.full(8, 1.1)
    for point in np.abs(rng.normal(size=(3, 8))) / 3:
        expected = hypervolume(np.vstack([front, point]), reference) - hypervolume(front, reference)
        assert gain(front, point, reference) == pytest.approx(expected, rel=1e-9)


def test_hypervolume_checks_the_reference_length():
    with pytest.raises(InvalidParameterError, match="one value per objective"):
        hypervolume([[1, 2]], reference=[3, 3, 3])


@settings(max_examples=60, deadline=None)
@given(points, st.data())
def test_survival_order_puts_fronts_in_order_infeasible_after_and_failed_last(losses, data):
    n = len(losses)
    violations = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.0, 1.0, 2.0]), min_size=n, max_size=n)))
    failed = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    losses = losses.copy()
    losses[np.array(failed, dtype=bool)] = np.nan
    order = survival_order(losses, violations).tolist()
    assert sorted(order) == list(range(n))
    position = {i: k for k, i in enumerate(order)}
    for i, j in itertools.permutations(range(n), 2):
        if failed[i] and not failed[j]:
            assert position[i] > position[j]
        elif not failed[i] and not failed[j] and violations[i] > violations[j]:
            assert position[i] > position[j]
        elif not failed[i] and not failed[j] and violations[i] == violations[j] == 0 and dominates(losses[i], losses[j]):
            assert position[i] < position[j]


def test_survival_order_keeps_the_extremes_and_drops_the_most_crowded_point():
    front = np.array([[0.0, 1.0], [0.5, 0.5], [0.52, 0.48], [1.0, 0.0], [0.25, 0.8]])
    order = survival_order(front).tolist()
    assert set(order[:2]) == {0, 3}  # the extremes first
    assert order[-1] in (1, 2)  # one of the two neighbours adds the least hypervolume


def test_an_extreme_is_kept_once_and_its_twins_add_nothing():
    """Many settings of a saturated model give the same losses: one of them is the front's extreme, the
    others are twins that add nothing, so the population keeps the rest of the front instead of copies."""
    from evotune.pareto import survivors

    losses = np.array([[0.0, 1.0], [0.5, 0.5], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.25, 0.8], [0.75, 0.2]])
    assert survivors(losses, size=5).tolist() == [0, 3, 1, 6, 5]  # was [0, 2, 3, 4, 1]: every twin kept
    assert survival_order(losses).tolist() == [0, 3, 1, 6, 5, 2, 4]
    three = np.array([[0.0, 1.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.5, 0.5, 0.5]])
    assert survivors(three, size=4, keep_extremes=True).tolist() == [0, 2, 3, 4]


def test_from_three_objectives_an_extreme_far_from_the_front_is_not_kept_by_default():
    """Best in the first objective, poor in the others: nothing dominates it, but it adds the least."""
    from evotune.pareto import survivors

    losses = np.array([[0.2, 0.6, 0.7], [0.0, 3.0, 3.0], [0.7, 0.1, 0.5], [0.5, 0.7, 0.1], [0.4, 0.4, 0.4]])
    assert 1 not in survivors(losses, size=4).tolist()
    assert 1 in survivors(losses, size=4, keep_extremes=True).tolist()
    two = losses[:, :2]  # with two objectives the extremes are kept by default
    assert {1, 2} <= set(survivors(two, size=3).tolist())
    assert not {1, 2} <= set(survivors(two, size=3, keep_extremes=False).tolist())


def test_knee_and_chebyshev():
    assert knee([[0.0, 1.0], [0.1, 0.1], [1.0, 0.0]]) == 1
    values = chebyshev(np.array([[0.0, 1.0], [1.0, 0.0]]), np.array([0.9, 0.1]))
    assert values[1] > values[0]  # weight on the first objective: the point good in it wins


@settings(max_examples=60, deadline=None)
@given(arrays(float, st.tuples(st.integers(2, 12), st.just(2)), elements=st.floats(0, 10, allow_nan=False)))
def test_two_objective_contributions_match_moocore(losses):
    import moocore

    from evotune.pareto import _contributions, normalise

    front = losses[nondominated(losses)]
    if len(front) < 2:
        return
    ours = _contributions(front, True)
    scaled = normalise(front)
    theirs = moocore.hv_contributions(scaled, ref=[1.1, 1.1])
    finite = np.isfinite(ours)
    assert np.allclose(ours[finite], theirs[finite])


def test_a_two_objective_front_thinned_without_its_extremes_is_scaled_again_when_an_end_leaves():
    """With ``keep_extremes=False`` an end of the front can leave; the front's bounds then move, and the
    contributions are measured on the front scaled anew (found by the hypothesis test below: the
    neighbour update kept the first scaling, and kept (1, 1) where measuring again keeps (2, 0))."""
    from evotune.pareto import survivors

    losses = np.array([[1.0, 1.0], [0.0, 2.0], [0.0, 2.0], [2.0, 0.0], [0.0, 2.0], [1.0, 1.0]])
    measured_again = _survivors_measured_again(losses, 1, False).tolist()
    assert survivors(losses, size=1, keep_extremes=False).tolist() == [3] == measured_again


def _survivors_measured_again(losses, size, keep_extremes):
    """pareto.survivors as first written: the cut front's contributions measured again after each removal,
    then the survivors' whole order computed again."""
    from evotune.pareto import _contributions, _ranked

    order, rank = _ranked(losses, np.zeros(len(losses)), keep_extremes)
    if size >= len(losses):
        return order
    last = order[size - 1]
    front = [i for i in order.tolist() if rank[i] == rank[last]]
    kept = [i for i in order[:size].tolist() if i not in front]
    while len(kept) + len(front) > size:
        contribution = _contributions(losses[front], keep_extremes)
        front.pop(len(front) - 1 - int(np.argmin(contribution[::-1])))
    chosen = np.array(sorted(kept + front))
    return chosen[survival_order(losses[chosen], keep_extremes=keep_extremes)]


@settings(max_examples=80, deadline=None)
@given(arrays(float, st.tuples(st.integers(2, 30), st.integers(2, 3)), elements=st.integers(0, 8).map(float)),
       st.data())
def test_survivors_update_contributions_as_measuring_them_again_would(losses, data):
    """The two-objective removal updates the neighbours' contributions only, and the survivors' order is
    assembled from the fronts already ranked: the same survivors, in the same order, as measuring again."""
    from evotune.pareto import survivors

    size, keep = data.draw(st.integers(1, len(losses))), data.draw(st.booleans())
    assert (survivors(losses, size=size, keep_extremes=keep).tolist()
            == _survivors_measured_again(losses, size, keep).tolist())


@settings(max_examples=150, deadline=None)
@given(arrays(float, st.tuples(st.integers(1, 40), st.integers(2, 3)), elements=st.integers(0, 5).map(float)))
def test_a_front_fed_point_by_point_is_the_nondominated_set_in_order(losses):
    """Front.add, point by point (two objectives: by bisection), against the non-dominated points of the
    whole stream, ordered by losses then number; each add says whether the point joined."""
    from evotune.pareto import Front

    front = Front(losses.shape[1])
    for number, row in enumerate(losses):
        joined = front.add(tuple(row.tolist()), number, number)
        assert joined == nondominated(losses[: number + 1])[number]
    mask = nondominated(losses)
    expected = sorted((tuple(row.tolist()), number) for number, row in enumerate(losses) if mask[number])
    assert list(front) == [number for _, number in expected] and len(front) == len(expected)
