"""Racing, traced: how a search's children compare with the best fold by fold, and what stop rules would save.

    pip install -e ".[bench]"
    python -m experiments.benchmarks.racing_trace --run --seeds 5   # trace the runs (resumable; ~15 min on 2 cores)
    python -m experiments.benchmarks.racing_trace                   # the tables from results/racing-trace.jsonl

The runs are bench_racing's ``evotune-racing-no-repeats`` (16 problems, cv=10, budget 128, one worker) with a
``Racing()`` that records every decision it is asked for (the folds so far, the reference, the pooled
spread) and never stops a candidate, and a scorer that also fingerprints each fold's fitted model, so
each child's ten folds, the reference it raced against and the models it repeats are known. From them:

- **ties**: how many children match the best trial fold for fold on the first ``min_parts`` folds, how
  many of those match it on all ten, how many are an earlier trial's fitted model on those folds, and
  how many end better than the best (the children a stop rule must keep);
- **rules, offline**: the fold fits a stop rule would run and the score it would lose *with the
  trajectories held fixed* (a stopped child is dropped; the search is not re-run). This ranks rules in
  seconds instead of an hour, but it understates the loss: a real run also feeds the stopped
  children's estimates to the population and the surrogate, and diverges. Calibration rows compare the
  offline figures with bench_racing's real ones where both exist.

Score: bench_racing's (100 x (1 - (loss - best) / (median random loss - best)), from its results file).
"""

from __future__ import annotations

import functools
import hashlib
import math
import os
import warnings
from collections import defaultdict, deque
from functools import lru_cache

import numpy as np

import evotune as et

from . import bench_racing
from .run import bench_main, read_results

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results", "racing-trace.jsonl")
#: bench_racing's rows for commit 3ae9c8c's racing of the first generation (see docs/benchmarks.md)
FIRST_GENERATION = os.path.join(HERE, "results", "racing-first-generation.jsonl")
FOLDS = bench_racing.FOLDS


#: The decisions asked of :class:`_Tracing` in this process (the search may copy its settings).
_ASKED: list = []


class _Tracing(et.Racing):
    """A ``Racing()`` that records each decision asked of it after ``min_parts`` folds and stops nothing."""

    def verdict(self, losses, reference, pool=None):  # what Race asks (since 0.12): never a reason to stop
        if len(losses) == self.min_parts:
            _ASKED.append((tuple(losses), tuple(reference), pool))
        return None


def _fingerprinting(problem: bench_racing.Problem, functions: dict):
    """The problem's scorer, also recording a fingerprint of each fitted model's continuous output on
    the fold's test set (probabilities, decision function or regression predictions, to 1e-9):
    ``functions[(params, fold)]``. Equal fingerprints: the same fitted function on that fold."""
    from sklearn.metrics import get_scorer

    scorer = get_scorer(problem.scoring)
    folds = {hashlib.sha1(problem.X[test].tobytes()).hexdigest(): i for i, (_, test) in enumerate(problem.cv)}

    def score(estimator, X, y) -> float:
        output = estimator.predict(X)
        for method in ("predict_proba", "decision_function") if not problem.regression else ():
            if hasattr(estimator, method):
                output = getattr(estimator, method)(X)
                break
        fold = folds[hashlib.sha1(np.ascontiguousarray(X).tobytes()).hexdigest()]
        output = np.ascontiguousarray(np.round(np.asarray(output, dtype=float), 9))
        functions[(_key(estimator.get_params(), problem.space), fold)] = hashlib.sha1(output.tobytes()).hexdigest()[:16]
        return scorer(estimator, X, y)

    return score


def _key(params: dict, space: dict) -> str:
    return repr(sorted((k, v.item() if hasattr(v, "item") else v) for k, v in params.items() if k in space))


def run_job(name: str, method: str, seed: int) -> dict:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    problem, racing, functions = bench_racing.Problem(name), _Tracing(repeats=False), {}
    _ASKED.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = et.EvolutionarySearchCV(problem.pipeline, problem.space, cv=problem.cv,
                                         scoring=_fingerprinting(problem, functions),
                                         max_evaluations=bench_racing.BUDGET, random_state=seed, n_jobs=1,
                                         racing=racing)
        search.fit(problem.X, problem.y)
    asked = defaultdict(deque)  # a decision is matched to the trial whose first folds it saw, in order
    for losses, reference, pool in _ASKED:
        asked[losses].append((reference, pool))
    children = []
    for trial in search.trials_:
        if trial.parts is None or len(trial.parts) < FOLDS:
            continue  # failed
        signed = tuple(-v for v in trial.parts)  # the race's losses: the scores with their sign turned
        first = asked[signed[:racing.min_parts]]  # the first generation is not raced: no decision of its own
        decision = first.popleft() if trial.generation > 0 and first else None
        child = {"generation": trial.generation, "losses": [problem.loss(-v) for v in signed],
                 "functions": [functions.get((_key(trial.params, problem.space), fold)) for fold in range(FOLDS)]}
        if decision is not None:
            reference, pool = decision
            child["reference"] = [problem.loss(-v) for v in reference]
            child["pool"] = None if pool is None else [pool[0] / problem.scale**2, pool[1]]
        children.append(child)
    return {"problem": name, "method": method, "seed": seed, "loss": problem.loss(search.best_score_),
            "children": children}


# -- offline stop rules ----------------------------------------------------------------------------------------
#: Racing as it was before 0.12: no futility (a candidate ran on however far behind, unless shown worse)
_old = functools.partial(et.Racing, futility=0.0)
RULES = {  # name: (the rule, the fold counts at which it is asked)
    "Racing() (3, 6)": (_old(ties=False), (3, 6)),
    "confidence 0.9 (3, 6)": (_old(ties=False, confidence=0.9), (3, 6)),
    "confidence 0.8 (3, 6)": (_old(ties=False, confidence=0.8), (3, 6)),
    "min_parts=2 (2, 4, 8)": (_old(ties=False, min_parts=2), (2, 4, 8)),
    "every fold from 3": (_old(ties=False), tuple(range(3, FOLDS))),
    "every fold from 2": (_old(ties=False, min_parts=2), tuple(range(2, FOLDS))),
    "every fold from 2, confidence 0.9": (_old(ties=False, min_parts=2, confidence=0.9), tuple(range(2, FOLDS))),
    # and stopping, after k folds, children that tie the best exactly, or repeat an earlier trial's fitted model
    "Racing() + stop exact ties at 3": (("ties", _old(ties=False), 3), (3, 6)),
    "Racing() + stop repeats of an earlier model at 3": (("repeats", _old(ties=False), 3), (3, 6)),
    "confidence 0.9 + stop repeats at 3": (("repeats", _old(ties=False, confidence=0.9), 3), (3, 6)),
    "Racing() + stop repeats at 2": (("repeats", _old(ties=False), 2), (2, 3, 6)),
    # as evotune.Racing(repeats=True) does: only trials of the generations a child was bred from count, and
    # no fingerprint for a classifier's labels
    "Racing() + repeats of earlier generations at 3": (("repeats-bred", _old(ties=False), 3), (3, 6)),
    "confidence 0.9 + repeats of earlier generations": (("repeats-bred", _old(ties=False, confidence=0.9), 3), (3, 6)),
    "confidence 0.8 + repeats of earlier generations": (("repeats-bred", _old(ties=False, confidence=0.8), 3), (3, 6)),
    "every fold from 3 + repeats of earlier generations": (("repeats-bred", _old(ties=False), 3), tuple(range(3, FOLDS))),
    "Racing(ties=True): + ties with the best on 6 folds": (("repeats-bred", _old(ties=True), 3), (3, 6)),
    "Racing(ties=True, confidence=0.9)": (("repeats-bred", _old(ties=True, confidence=0.9), 3), (3, 6)),
    # and stopping what has less than a 2 % (5 %) chance left of ending better than the best (futility, 0.12)
    "Racing(): + futility 0.02": (("repeats-bred", et.Racing(), 3), (3, 6)),
    "Racing(futility=0.05)": (("repeats-bred", et.Racing(futility=0.05), 3), (3, 6)),
    # and tested after each fold from the third, not only after 3 and 6 (0.14's schedule="each")
    "Racing(): tested after each fold": (("repeats-bred", et.Racing(), 3), tuple(range(3, FOLDS))),
    "the same, after 3, 4, 6 and 8 folds": (("repeats-bred", et.Racing(), 3), (3, 4, 6, 8)),
    "the same, after each fold, futility 0.01": (("repeats-bred", et.Racing(futility=0.01), 3),
                                                 tuple(range(3, FOLDS))),
    # and the first generation raced too, each child from the fourth against those before it that ran every
    # fold (commit 3ae9c8c's Racing(first_generation=True), not kept: see docs/benchmarks.md)
    "the same, the first generation raced too": (("repeats-bred-first", et.Racing(), 3),
                                                 tuple(range(3, FOLDS))),
    # and a repeat told by its first 2 folds, before the first test (0.15's Racing(repeat_parts=2))
    "Racing(): a repeat told after 2 folds": (("repeats-bred", et.Racing(), 2), tuple(range(2, FOLDS))),
    "the same, after 1 fold": (("repeats-bred", et.Racing(), 1), tuple(range(1, FOLDS))),
}
#: bench_racing's real rows for rules traced here: (method, rule)
CALIBRATION = (("evotune-racing-no-repeats", "Racing() (3, 6)"), ("evotune-racing-80-no-repeats", "confidence 0.8 (3, 6)"),
               ("evotune-racing-min2-no-repeats", "min_parts=2 (2, 4, 8)"),
               ("evotune-racing-no-ties", "Racing() + repeats of earlier generations at 3"),
               ("evotune-racing-90-no-ties", "confidence 0.9 + repeats of earlier generations"),
               ("evotune-racing-80-no-ties", "confidence 0.8 + repeats of earlier generations"),
               ("evotune-racing-0.11", "Racing(ties=True): + ties with the best on 6 folds"),
               ("evotune-racing-90-0.11", "Racing(ties=True, confidence=0.9)"),
               ("evotune-racing-0.13", "Racing(): + futility 0.02"),
               ("evotune-racing-0.14", "Racing(): tested after each fold"),
               ("evotune-racing", "Racing(): a repeat told after 2 folds"),
               ("evotune-racing-first-generation", "the same, the first generation raced too"),
               ("evotune-racing-futility-5", "Racing(futility=0.05)"))


def _fits(child: dict, rule, counts: tuple, repeat: bool) -> int:
    """The folds a rule would have run of this child; ``repeat``: its first folds' fitted functions
    are those of an earlier trial (as many folds as the rule compares)."""
    losses, reference = child["losses"], child.get("reference")
    if reference is None:
        return len(losses)  # the first generation: nothing to race against
    pool = tuple(child["pool"]) if child["pool"] else None
    kind, racing, after = rule if isinstance(rule, tuple) else (None, rule, None)
    for k in counts:
        stop = k == after and (repeat if kind.startswith("repeats") else losses[:k] == reference[:k])
        if stop or (k >= racing.min_parts and racing.worse(losses[:k], reference, pool)):
            return k
    return len(losses)


def _first_race(child: dict, i: int, complete: list, racing: et.Racing) -> dict:
    """The ``i``-th child of the first generation raced as commit 3ae9c8c's ``Racing(first_generation=True)``
    raced it with ``lag=1``: from the fourth on, against the best of the children before it that ran every
    fold."""
    if i < 3 or not complete:
        return child
    members = sorted(complete, key=np.mean)
    return dict(child, reference=members[0], pool=racing.pool(members))


def _repeats(children: list[dict], folds: int = 3, bred: bool = False) -> list[bool]:
    """For each child (in evaluation order), whether its fitted functions on the first ``folds`` folds
    are those of an earlier child (``bred``: of a child of an earlier generation)."""
    seen, out = {}, []  # first folds' functions -> the earliest generation that fitted them
    for c in children:
        first = tuple(c["functions"][:folds])
        known = seen.get(first)
        out.append(None not in first and known is not None and (known < c["generation"] or not bred))
        seen.setdefault(first, c["generation"])
    return out


@lru_cache(maxsize=None)
def _labels_only(name: str) -> bool:
    """Whether the problem's model is a classifier with neither probabilities nor a decision function
    (its traced fingerprints are its predicted labels, which evotune does not take for one)."""
    problem = bench_racing.Problem(name)
    return not problem.regression and not any(hasattr(problem.pipeline, m) for m in ("predict_proba", "decision_function"))


def tables(rows: list[dict]) -> str:
    real = read_results(bench_racing.RESULTS)
    score = bench_racing.scorer(real + rows)  # bench_racing's normalisation, the traced runs' bests included

    lines = [f"{len(rows)} traced runs, {len({r['problem'] for r in rows})} problems, cv={FOLDS}", "",
             "| problem | children raced | tie the best on 3 folds | ... and on all | repeat an earlier model on 3 folds "
             "| end better | ... of the ties | ... of the repeats |", "|---|---|---|---|---|---|---|---|"]
    total = np.zeros(7, dtype=int)
    for problem in sorted({r["problem"] for r in rows}):
        counts = np.zeros(7, dtype=int)
        for r in (r for r in rows if r["problem"] == problem):
            for c, repeat in zip(r["children"], _repeats(r["children"])):
                if "reference" not in c:
                    continue
                tie = c["losses"][:3] == c["reference"][:3]
                better = sum(c["losses"]) < sum(c["reference"]) - 1e-12
                counts += [1, tie, tie and c["losses"] == c["reference"], repeat, better, tie and better, repeat and better]
        total += counts
        lines.append(f"| {problem} | " + " | ".join(str(v) for v in counts) + " |")
    lines.append("| all | " + " | ".join(str(v) for v in total) + " |")
    lines += ["", "Stop rules with the trajectories held fixed (score lost: mean over runs ± s.e.; runs that lose):", "",
              "| rule | fold fits (share) | score lost | runs that lose |", "|---|---|---|---|"]
    offline = {}
    for name, (rule, counts) in RULES.items():
        fits = base = 0
        lost = []
        kind = rule[0] if isinstance(rule, tuple) else ""
        folds = rule[2] if kind else 3
        bred, first = kind.startswith("repeats-bred"), kind.endswith("-first")
        for r in rows:
            kept = []
            children = r["children"]
            if bred and _labels_only(r["problem"]):  # as evotune fingerprints: not a classifier's labels
                children = [dict(c, functions=[None] * len(c["functions"])) for c in children]
            complete = []  # with ``first``: the first generation's children that ran every fold
            for i, (c, repeat) in enumerate(zip(children, _repeats(children, folds, bred))):
                if first and c["generation"] == 0:
                    c = _first_race(c, i, complete, rule[1])
                ran = _fits(c, rule, counts, repeat)
                if first and c["generation"] == 0 and ran == len(c["losses"]):
                    complete.append(c["losses"])
                fits, base = fits + ran, base + len(c["losses"])
                if ran == len(c["losses"]):
                    kept.append(float(np.mean(c["losses"])))
            lost.append(score(r["problem"], r["loss"]) - score(r["problem"], min(kept, default=math.inf)))
        offline[name] = (fits / base, float(np.mean(lost)))
        lines.append(f"| {name} | {fits / base:.3f} | {np.mean(lost):.2f} ± {np.std(lost) / math.sqrt(len(lost)):.2f} "
                     f"| {sum(v > 1e-9 for v in lost)} |")
    by = defaultdict(dict)
    for r in real + read_results(FIRST_GENERATION):  # the latter: a rule not kept (scored as the others)
        by[(r["problem"], r["seed"])][r["method"]] = r
    lines += ["", "Calibration: the same rule offline and in bench_racing's real runs (fold fits; score lost):", ""]
    for method, name in CALIBRATION:
        pairs = [d for d in by.values() if method in d and "evotune" in d]
        if pairs:
            fits = sum(d[method]["fits"] for d in pairs) / sum(d["evotune"]["fits"] for d in pairs)
            lost = np.mean([score(d["evotune"]["problem"], d["evotune"]["loss"])
                            - score(d[method]["problem"], d[method]["loss"]) for d in pairs])
            lines.append(f"- {name}: offline {offline[name][0]:.3f}; {offline[name][1]:.2f} — real ({len(pairs)} runs) "
                         f"{fits:.3f}; {lost:.2f}")
    return "\n".join(lines)


def _line(row: dict) -> str:
    return f"{row['problem']} {row['seed']}: loss {row['loss']:.4f}, {len(row['children'])} children"


def main() -> None:
    rows = bench_main(__doc__, run_job, problems=bench_racing.problems(), methods=("evotune-traced",), seeds=5,
                      results=RESULTS, line=_line)
    if rows:
        print(tables(rows))


if __name__ == "__main__":
    main()
