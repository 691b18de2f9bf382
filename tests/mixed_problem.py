"""A 10-gene mixed test function (4 floats, 3 integers, 3 categoricals) and a random-search baseline."""

import math

import numpy as np

import evotune as et

SPACE = {
    **{f"x{i}": et.Float(-5.0, 5.0) for i in range(4)},
    **{f"n{i}": et.Integer(-10, 10) for i in range(3)},
    **{f"c{i}": et.Categorical(["a", "b", "c", "d", "e"]) for i in range(3)},
}
TARGET = {"x0": 1.3, "x1": -2.1, "x2": 0.4, "x3": 3.3, "n0": 4, "n1": -7, "n2": 0, "c0": "b", "c1": "e", "c2": "a"}


def objective(p):
    """Rastrigin on the floats, L1 distance on the integers, a penalty of 5 per wrong category; 0 at TARGET."""
    total = 0.0
    for i in range(4):
        d = p[f"x{i}"] - TARGET[f"x{i}"]
        total += d * d + 1.0 - math.cos(2.0 * math.pi * d)
    total += sum(abs(p[f"n{i}"] - TARGET[f"n{i}"]) for i in range(3))
    total += sum(5.0 * (p[f"c{i}"] != TARGET[f"c{i}"]) for i in range(3))
    return total


def random_search_best(n, seed):
    rng = np.random.default_rng(seed)
    best = math.inf
    for _ in range(n):
        p = {f"x{i}": rng.uniform(-5, 5) for i in range(4)}
        p.update({f"n{i}": int(rng.integers(-10, 11)) for i in range(3)})
        p.update({f"c{i}": "abcde"[rng.integers(5)] for i in range(3)})
        best = min(best, objective(p))
    return best


def partial_objective(p):
    """The objective over any subset of the parameters (the others at their target)."""
    return objective({**TARGET, **p})


def two_objectives(p):
    """Two objectives over the same space: their front is 0 <= x0 <= 2."""
    return p["x0"] ** 2 + abs(p["n0"]), (p["x0"] - 2) ** 2 + abs(p["n0"])
