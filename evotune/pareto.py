"""Several objectives: dominance, the survival order, hypervolume, and picking one trial of a front.

Everything here works on *losses*: arrays of shape ``(n, k)``, smaller is better in every
column (the engine multiplies each objective by its direction's sign). A point dominates
another when it is no worse in every objective and better in one. Hypervolume is
computed by `moocore <https://multi-objective.github.io/moocore/python/>`_ (the library DEAP
uses for it).

A leaf module: numpy and moocore only, so the engine and the results both use it.
"""

from __future__ import annotations

import bisect
import heapq
import math
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from .exceptions import InvalidParameterError

#: Up to this many objectives a front is small: a population of 6 holds it
#: (:func:`evotune.default_population_size`) and its model waits for more trials
#: (``GaussianProcessSurrogate(front_min_trials=...)``); from four it needs more parents and an
#: early model (DTLZ2 with five objectives, docs/benchmarks.md).
SMALL_FRONT = 3

__all__ = ["Front", "nondominated", "hypervolume", "gain", "survival_order", "survivors",
           "default_keep_extremes", "knee", "chebyshev", "normalise"]


def _losses(points: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    array = np.asarray(points, dtype=float)
    return array.reshape(0, 0) if array.size == 0 else np.atleast_2d(array)


def nondominated(points: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """A boolean mask of the points no other point dominates (duplicates all kept).

    Examples
    --------
    >>> nondominated([[1, 3], [2, 2], [3, 3], [1, 3]]).tolist()
    [True, True, False, True]
    """
    import moocore

    losses = _losses(points)
    if len(losses) == 0:
        return np.zeros(0, dtype=bool)
    if losses.shape[1] == 1:  # one objective: the smallest (moocore wants two columns or more)
        return losses[:, 0] == losses[:, 0].min()
    return np.asarray(moocore.is_nondominated(losses, keep_weakly=True), dtype=bool)


def hypervolume(points: Sequence[Sequence[float]] | np.ndarray, reference: Sequence[float]) -> float:
    """The volume that ``points`` dominate up to ``reference`` (all losses; points beyond it add nothing).

    Examples
    --------
    >>> hypervolume([[1, 2], [2, 1]], reference=[3, 3])
    3.0
    >>> hypervolume([[4, 0]], reference=[3, 3])
    0.0
    >>> hypervolume([[1], [2]], reference=[3])
    2.0
    """
    import moocore

    losses, reference = _losses(points), np.asarray(reference, dtype=float)
    if losses.size and losses.shape[1] != len(reference):
        raise InvalidParameterError(
            f"`reference` must have one value per objective ({losses.shape[1]}); got {len(reference)}."
        )
    losses = losses[np.all(losses < reference, axis=1)] if losses.size else losses
    if len(losses) == 0:
        return 0.0
    if losses.shape[1] == 1:  # one objective: a length
        return float(reference[0] - losses[:, 0].min())
    return float(moocore.hypervolume(losses, ref=reference))


def gain(front: np.ndarray, point: Sequence[float], reference: Sequence[float]) -> float:
    """The hypervolume ``point`` adds to ``front`` (both losses) up to ``reference``.

    Computed as the volume of the point's box up to the reference minus the part of it the front
    already dominates: the front *limited* to the box (each of its points raised to at least
    ``point``, WFG's limit set), whose non-dominated part is much smaller than the front. With
    many objectives that is what keeps it fast: the hypervolume's cost grows exponentially with
    them and fast with the points (50 points of a sphere in ten objectives: 0.23 s instead of 2.9 s
    for the difference of two hypervolumes; the same value up to rounding).

    Examples
    --------
    >>> front = np.array([[1.0, 3.0], [3.0, 1.0]])
    >>> gain(front, [2.0, 2.0], reference=[4.0, 4.0])  # hypervolume([[1, 3], [2, 2], [3, 1]]) - 5
    1.0
    >>> gain(front, [3.0, 3.0], reference=[4.0, 4.0]), gain(front, [5.0, 0.0], reference=[4.0, 4.0])
    (0.0, 0.0)
    """
    point, reference = np.asarray(point, dtype=float), np.asarray(reference, dtype=float)
    front = _losses(front).reshape(-1, len(point))  # an empty front: no rows, one column per objective
    if not np.all(point < reference) or np.all(front <= point, axis=1).any():
        return 0.0  # beyond the reference, or dominated (or equalled) by a point of the front
    box = float(np.prod(reference - point))
    limited = np.maximum(front, point)
    limited = limited[np.all(limited < reference, axis=1)]
    if len(limited) == 0:
        return box
    return box - hypervolume(limited[nondominated(limited)], reference)


def normalise(losses: np.ndarray) -> np.ndarray:
    """Each column scaled to [0, 1] over its finite values (a constant column becomes 0; NaN stays)."""
    losses = np.asarray(losses, dtype=float)
    low, high = np.nanmin(losses, axis=0), np.nanmax(losses, axis=0)
    span = np.where(high > low, high - low, 1.0)
    return (losses - low) / span


def survival_order(losses: np.ndarray, violations: np.ndarray | None = None,
                   keep_extremes: bool | None = None) -> np.ndarray:
    """Indices of the points, best first: feasible before infeasible (less violation first), then
    by non-dominated front, and within a front by hypervolume contribution, largest first.

    That is SMS-EMOA's survival (Beume et al., 2007), with Deb's constraint rules: removing the
    last point of this order loses the least hypervolume. Contributions are measured on the
    losses normalised over the front, up to 1.1 in each objective. With ``keep_extremes`` (by
    default: with two objectives only) a front's extremes (best in some objective) come first, as
    NSGA-II's crowding distance keeps them, so a front's span never shrinks (one of twins, points with
    equal losses: the first; the others add nothing). From three objectives
    such a point can be far from the front (best in one objective, poor in the others: nothing
    dominates it), and kept whatever it adds it would hold a small population back, so by default
    it is ranked by its contribution like any other. Ties keep the given order. A row with a NaN
    (a failed trial) comes last.

    Examples
    --------
    >>> survival_order(np.array([[3.0, 3.0], [1.0, 3.0], [2.0, 2.0], [3.0, 1.0], [1.5, 2.9]])).tolist()
    [1, 3, 2, 4, 0]
    >>> survival_order(np.array([[0.0, 0.0], [1.0, 1.0]]), violations=np.array([0.5, 0.0])).tolist()
    [1, 0]
    >>> far = np.array([[0.0, 3.0, 3.0], [0.2, 0.6, 0.7], [0.7, 0.1, 0.5], [0.5, 0.7, 0.1]])
    >>> survival_order(far).tolist(), survival_order(far, keep_extremes=True).tolist()
    ([1, 3, 2, 0], [0, 2, 3, 1])
    """
    losses = np.atleast_2d(np.asarray(losses, dtype=float))
    violations = np.zeros(len(losses)) if violations is None else np.asarray(violations, dtype=float)
    return _ranked(losses, violations, default_keep_extremes(losses.shape[1], keep_extremes))[0]


def default_keep_extremes(objectives: int, keep_extremes: bool | None = None) -> bool:
    """Whether survival keeps each front's extremes first: ``keep_extremes``, by default with two objectives only.

    Examples
    --------
    >>> default_keep_extremes(2), default_keep_extremes(3), default_keep_extremes(3, True)
    (True, False, True)
    """
    return objectives == 2 if keep_extremes is None else bool(keep_extremes)


def _ranked(losses: np.ndarray, violations: np.ndarray, keep_extremes: bool,
            size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`survival_order`'s order, and each point's front (0: the first; failed and infeasible points: 0
    too). With ``size`` (fewer than the points), only the first ``size`` of the order are in it: the fronts
    after them are left unordered, and so, with two objectives, is the front the cut falls in (by index:
    :func:`survivors` orders what it keeps of it, :func:`_thin_2d` the rest)."""
    n = len(losses)
    failed = np.isnan(losses).any(axis=1)
    ok = np.flatnonzero(~failed & (violations <= 0))
    rank = np.zeros(n, dtype=int)
    contribution = np.zeros(n)
    if len(ok) and losses.shape[1] == 1:  # one objective: the fronts are the distinct values
        rank[ok] = np.unique(losses[ok, 0], return_inverse=True)[1].ravel()
    elif len(ok):
        import moocore

        rank[ok] = moocore.pareto_rank(losses[ok])
        ahead = 0  # feasible points in the better fronts: they come first in the order
        for front in np.unique(rank[ok]):
            if size is not None and ahead >= size:
                break
            members = ok[rank[ok] == front]
            ahead += len(members)
            if size is None or ahead < size or losses.shape[1] > 2:
                contribution[members] = _contributions(losses[members], keep_extremes)
    # failed last, then infeasible by violation, then front, then contribution (np.lexsort: last key first)
    order = np.lexsort((np.arange(n), -contribution, rank, np.where(failed, np.inf, np.maximum(violations, 0)),
                        failed))
    return order, rank


def _scaled(front: np.ndarray) -> np.ndarray:
    """:func:`normalise` for points without NaN (a front), without its NaN-aware reductions."""
    low, high = front.min(axis=0), front.max(axis=0)
    return (front - low) / np.where(high > low, high - low, 1.0)


def _contributions(front: np.ndarray, keep_extremes: bool) -> np.ndarray:
    """Each point's hypervolume contribution to its front, normalised, up to 1.1; extremes infinite if kept."""
    if len(front) < 2:
        return np.full(len(front), np.inf)
    scaled = _scaled(front)
    if front.shape[1] == 2:  # exact and cheap: sorted by the first loss, each point's box up to its neighbours
        order = np.lexsort((scaled[:, 1], scaled[:, 0]))
        points = scaled[order]
        width = np.append(points[1:, 0], 1.1) - points[:, 0]
        height = np.concatenate(([1.1], points[:-1, 1])) - points[:, 1]
        contribution = np.empty(len(front))
        contribution[order] = width * height
    else:
        import moocore

        contribution = np.asarray(moocore.hv_contributions(scaled, ref=np.full(front.shape[1], 1.1)), dtype=float)
    if keep_extremes:
        contribution[_extremes(scaled)] = np.inf
    return contribution


def _extremes(scaled: np.ndarray) -> np.ndarray:
    """Which points of a front (scaled) are its extremes, best in some objective: one of each set of twins
    (equal losses), the first. Its twins add nothing to the front (NSGA-II's crowding distance, too, makes
    one point infinite at each end): kept as extremes, copies of a model saturated by many settings filled
    the population (SVC-digits, docs/benchmarks.md)."""
    extreme = (scaled == 0).any(axis=1)
    candidates = np.flatnonzero(extreme)  # a few points; a twin of one is one of them too
    first: set[tuple] = set()
    for i, row in zip(candidates.tolist(), map(tuple, scaled[candidates].tolist())):
        extreme[i] = row not in first
        first.add(row)
    return extreme


def survivors(losses: np.ndarray, violations: np.ndarray | None = None, size: int | None = None,
              keep_extremes: bool | None = None) -> np.ndarray:
    """Indices of the ``size`` points that survive, best first (:func:`survival_order` on them).

    When the cut falls inside a front, its points leave one at a time, the one that adds the
    least hypervolume first, contributions measured again after each (SMS-EMOA's rule applied
    to a whole generation at once).

    Examples
    --------
    >>> survivors(np.array([[0.0, 1.0], [0.5, 0.5], [0.52, 0.52], [1.0, 0.0], [0.45, 0.55]]), size=3).tolist()
    [0, 3, 1]
    """
    losses = np.atleast_2d(np.asarray(losses, dtype=float))
    n = len(losses)
    violations = np.zeros(n) if violations is None else np.asarray(violations, dtype=float)
    keep_extremes = default_keep_extremes(losses.shape[1], keep_extremes)
    if size is None or size >= n:
        return _ranked(losses, violations, keep_extremes)[0]
    order, rank = _ranked(losses, violations, keep_extremes, size)
    last = order[size - 1]
    if np.isnan(losses[last]).any() or violations[last] > 0 or losses.shape[1] == 1:
        return order[:size]  # the cut falls among failed or infeasible points, or one objective: plain order
    ok = (~np.isnan(losses).any(axis=1) & (violations <= 0)).tolist()
    cut = rank[last]
    front = [i for i, r in zip(order.tolist(), rank[order].tolist()) if ok[i] and r == cut]
    in_front = set(front)
    kept = [i for i in order[:size].tolist() if i not in in_front]
    thinned = None
    if losses.shape[1] == 2:  # the cut front comes by index (_ranked left it unordered), leaves in its order
        front, thinned = _thin_2d(losses[front], size - len(kept), front, keep_extremes)
    # drop the least contributor (ties: the later point): 3+ objectives, or where _thin_2d stopped early
    while len(kept) + len(front) > size:
        contribution = _contributions(losses[front], keep_extremes)
        front.pop(len(front) - 1 - int(np.argmin(contribution[::-1])))
    # the better fronts keep their order and contributions; the cut front is ordered by what is left of it
    front.sort()
    if thinned is not None and len(front) > 1:  # what _contributions would measure again (same scaling)
        contribution = np.array([thinned[i] for i in front])
    else:
        contribution = _contributions(losses[front], keep_extremes)
    return np.array(kept + [front[i] for i in np.lexsort((np.arange(len(front)), -contribution))], dtype=int)


def _thin_2d(points: np.ndarray, size: int, names: list[int],
             keep_extremes: bool) -> tuple[list[int], dict | None]:
    """:func:`survivors`' removal loop for two objectives, with the same contributions (same
    normalisation, same products) updated for the two neighbours of each point removed instead
    of measured again; stops early, leaving the rest to the loop, if only extremes are left or
    the next removal would move the front's bounds (an end, with ``keep_extremes=False``).

    ``names`` come by index; they leave in :func:`survival_order`'s order (contribution, then
    index), and ties go to the later in it. Returns the names kept, in that order, and, unless it
    stopped early, each one's contribution as the kept front's own: its bounds did not move."""
    scaled = _scaled(points)
    order = np.lexsort((scaled[:, 1], scaled[:, 0])).tolist()  # along the front: x up, y down
    extreme = (_extremes(scaled) & keep_extremes).tolist()
    xy = scaled.tolist()  # a short loop over Python floats: numpy's products, without its overhead

    def contribution(at: int) -> float:  # of the point at position ``at`` of ``order``
        i = order[at]
        if extreme[i]:
            return math.inf
        right = xy[order[at + 1]][0] if at + 1 < len(order) else 1.1
        above = xy[order[at - 1]][1] if at > 0 else 1.1
        return (right - xy[i][0]) * (above - xy[i][1])

    contributions = [0.0] * len(points)
    for at, i in enumerate(order):
        contributions[i] = contribution(at)
    ranked = sorted(range(len(points)), key=lambda i: (-contributions[i], i))  # survival_order's order
    later = {i: position for position, i in enumerate(ranked)}
    alive = [True] * len(points)
    heap = [(c, -later[i]) for i, c in enumerate(contributions)]  # the least first; ties: the later point
    heapq.heapify(heap)
    stopped = False
    while len(order) > size:
        least, gone = heapq.heappop(heap)
        gone = ranked[-gone]
        if not alive[gone] or least != contributions[gone]:
            continue  # an entry made stale by a removal next to it (the point's new one is in the heap too)
        if least == math.inf:
            stopped = True
            break
        at = order.index(gone)
        if at in (0, len(order) - 1) and not any(xy[order[near]] == xy[gone]
                                                 for near in (at - 1, at + 1) if 0 <= near < len(order)):
            stopped = True
            break  # an end of the front without a twin: its removal moves the bounds the front is scaled by
        order.pop(at)
        alive[gone] = False
        for near in (at - 1, at):
            if 0 <= near < len(order):
                contributions[order[near]] = contribution(near)
                heapq.heappush(heap, (contributions[order[near]], -later[order[near]]))
    kept = [i for i in ranked if alive[i]]
    return [names[i] for i in kept], None if stopped else {names[i]: contributions[i] for i in kept}


class Front:
    """The non-dominated points of a stream (losses, each with a number and an item), ordered by losses then
    number; points with equal losses are all kept. What the engine's hall of fame is with several objectives.

    Each point is compared with the front only: with two objectives by bisection along it (sorted by the
    first loss, the second does not increase), with more by one vectorised comparison.

    Examples
    --------
    >>> front = Front(2)
    >>> points = [(2, 2), (1, 3), (3, 3), (2, 1)]
    >>> [front.add(losses, number, f"trial {number}") for number, losses in enumerate(points)]
    [True, True, False, True]
    >>> list(front)  # (2, 2) was dominated by (2, 1)
    ['trial 1', 'trial 3']
    """

    def __init__(self, objectives: int):
        self._keys: list[tuple[tuple, int]] = []  # (losses, number), sorted: compared as tuples, in C
        self._items: list[Any] = []  # in the same order
        self._losses = None if objectives == 2 else np.empty((0, objectives))  # their rows (3+ objectives)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items)

    def add(self, losses: tuple, number: int, item: Any) -> bool:
        """Add a point unless a point of the front dominates it (removing those it dominates); whether it
        was added."""
        keys = self._keys
        if self._losses is None:
            a, b = losses
            before = bisect.bisect(keys, ((a, math.inf),))  # the points whose first loss is at most a
            if before and keys[before - 1][0][1] <= b and keys[before - 1][0] != losses:
                return False  # dominated by the last of them, which has the least second loss
            start = end = bisect.bisect_left(keys, ((a, -math.inf),))
            while end < len(keys) and keys[end][0][1] >= b:  # no better anywhere: dominated, or equal
                end += 1
            kept = [i for i in range(start, end) if keys[i][0] == losses]
            keys[start:end] = [keys[i] for i in kept]
            self._items[start:end] = [self._items[i] for i in kept]
        else:
            front, point = self._losses, np.array(losses)
            no_worse, better = front <= point, front < point
            if (no_worse.all(axis=1) & better.any(axis=1)).any():
                return False
            # dominated: the point is no worse everywhere and better somewhere
            kept = ~((~better).all(axis=1) & (~no_worse).any(axis=1))
            self._keys = keys = [key for key, keep in zip(keys, kept) if keep]
            self._items = [item for item, keep in zip(self._items, kept) if keep]
            self._losses = front[kept]
        at = bisect.bisect(keys, (losses, number))
        keys.insert(at, (losses, number))
        self._items.insert(at, item)
        if self._losses is not None:
            self._losses = np.insert(self._losses, at, losses, axis=0)
        return True


def chebyshev(losses: np.ndarray, weights: np.ndarray, rho: float = 0.05) -> np.ndarray:
    """ParEGO's augmented Chebyshev scalarisation of normalised losses: ``max(w * f) + rho * sum(w * f)``.

    Minimising it for a weight vector finds the point of the front in that direction, the
    convex and the concave parts of a front alike (Knowles, 2006). NaN rows stay NaN.

    Examples
    --------
    >>> chebyshev(np.array([[0.0, 1.0], [0.5, 0.5]]), np.array([0.5, 0.5])).round(3).tolist()
    [0.525, 0.275]
    """
    weighted = np.asarray(losses, dtype=float) * weights
    return weighted.max(axis=1) + rho * weighted.sum(axis=1)


def knee(losses: Sequence[Sequence[float]] | np.ndarray) -> int:
    """The index of a front's knee: the point closest (Euclidean) to the ideal point once each
    objective is scaled to [0, 1] over the front — the balanced compromise.

    Examples
    --------
    >>> knee([[0.0, 10.0], [0.2, 0.3], [1.0, 0.0]])
    1
    """
    scaled = normalise(_losses(losses))
    return int(np.argmin(np.sqrt((scaled**2).sum(axis=1))))
