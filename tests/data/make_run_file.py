"""Makes a run file with the evotune to keep a file of: tests/data/run-ac1d4e8.db (commit ac1d4e8),
tests/data/run-0.2.0.db (commit 84937b2, release 0.2.0) and tests/data/run-0.3.0.db (commit 43dcb37,
release 0.3.0) were made so:

    git worktree add /tmp/prev 84937b2
    PYTHONPATH=/tmp/prev python tests/data/make_run_file.py tests/data/run-0.2.0.db

and, by commit 5420c68 (release 0.4.0), tests/data/run-0.4.0-union.db (a list of sub-spaces, encoded
before they became conditions: ``... make_run_file.py tests/data/run-0.4.0-union.db union``) and
tests/data/run-0.4.0-two-objectives.db (``... two-objectives``: ranked with 4 children per evaluation).
"""

import sys

import evotune as et

space = {"x": et.Float(-5, 5), "n": et.Integer(1, 20, log=True), "k": ["a", "b", "c"]}
union = [{"k": ["a"], "x": et.Float(-5, 5)}, {"k": ["b", "c"], "x": et.Float(-5, 5), "n": et.Integer(1, 20, log=True)}]


def f(p):
    return (p["x"] - 1) ** 2 + abs(p.get("n", 1) - 7) + (p["k"] != "b")


def two(p):
    return f(p), abs(p["x"])


if __name__ == "__main__":
    if sys.argv[2:] == ["two-objectives"]:
        et.optimize(two, space, directions=["minimize", "minimize"], max_evaluations=20, population_size=8,
                    storage=sys.argv[1], run_name="previous", seed=3)
    else:
        chosen = union if sys.argv[2:] == ["union"] else space
        et.optimize(f, chosen, max_evaluations=20, population_size=8, storage=sys.argv[1], run_name="previous", seed=3)
