"""Makes tests/data/run-ac1d4e8.db when run with the evotune to keep a file of (here commit ac1d4e8):

    git worktree add /tmp/prev ac1d4e8
    PYTHONPATH=/tmp/prev python tests/data/make_run_file.py tests/data/run-ac1d4e8.db
"""

import sys

import evotune as et

space = {"x": et.Float(-5, 5), "n": et.Integer(1, 20, log=True), "k": ["a", "b", "c"]}


def f(p):
    return (p["x"] - 1) ** 2 + abs(p["n"] - 7) + (p["k"] != "b")


if __name__ == "__main__":
    et.optimize(f, space, max_evaluations=20, population_size=8, storage=sys.argv[1], run_name="previous", seed=3)
