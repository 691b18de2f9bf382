"""Objectives made of parts: each part a task of its own, one outcome per candidate."""

import os
import time

import evotune as et
from evotune.evaluation import PartsEvaluator, ProcessPoolEvaluator, SerialEvaluator
from evotune.trial import Candidate


class Folds:
    parts = 3

    def part(self, params, i):
        time.sleep(0.2)
        if params["x"] < 0 and i == 2:
            raise ValueError("fold 2 failed")
        return {"pid": os.getpid(), "score": params["x"] + i}

    def combine(self, params, results):
        return sum(r["score"] for r in results) / len(results), {"pids": sorted({r["pid"] for r in results})}

    def __call__(self, params):  # the whole objective in one call, as when it is not split
        return self.combine(params, [self.part(params, i) for i in range(self.parts)])


def test_the_parts_of_one_candidate_run_on_several_workers_and_combine_in_order():
    with PartsEvaluator(ProcessPoolEvaluator(n_jobs=3)) as evaluator:
        outcomes = sorted(evaluator.evaluate(Folds(), [Candidate(0, 0, {"x": 1.0}), Candidate(1, 0, {"x": -1.0})]),
                          key=lambda o: o.candidate.number)
    value, info = outcomes[0].value
    assert value == 2.0 and len(info["pids"]) > 1  # the three folds did not all run in one worker
    assert outcomes[0].duration >= 0.6  # the parts' durations add up
    assert isinstance(outcomes[1].value, ValueError) and str(outcomes[1].value) == "fold 2 failed"


def test_optimize_runs_an_objective_part_by_part_with_the_same_trials_as_a_plain_one():
    class Plain:
        def __call__(self, params):
            return Folds().combine(params, [{"pid": 0, "score": params["x"] + i} for i in range(3)])[0]

    class Fast(Folds):
        def part(self, params, i):
            return {"pid": os.getpid(), "score": params["x"] + i}

    space = {"x": et.Float(0, 1)}
    split = et.optimize(Fast(), space, max_evaluations=16, n_jobs=2, seed=0)
    plain = et.optimize(Plain(), space, max_evaluations=16, seed=0)
    assert [(t.params, t.value) for t in split.trials] == [(t.params, t.value) for t in plain.trials]
    assert isinstance(PartsEvaluator(SerialEvaluator()).capacity, int)
