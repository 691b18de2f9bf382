from evotune import SerialEvaluator
from evotune.trial import Candidate


def test_serial_evaluator_turns_exceptions_into_outcomes():
    def f(p):
        if p["x"] < 0:
            raise ValueError("negative")
        return p["x"]

    candidates = [Candidate(0, 0, {"x": 1}), Candidate(1, 0, {"x": -1})]
    with SerialEvaluator() as evaluator:
        outcomes = list(evaluator.evaluate(f, candidates))
    assert outcomes[0].value == 1 and outcomes[0].candidate is candidates[0]
    assert isinstance(outcomes[1].value, ValueError) and outcomes[1].duration >= 0
