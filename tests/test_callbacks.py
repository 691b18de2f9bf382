import math

import pytest

import evotune as et
from evotune import InvalidParameterError
from evotune.result import GenerationStats


class _Ev:
    def __init__(self, direction):
        self.direction = direction


def _stats(best):
    return GenerationStats(0, best, best, 0.0, best, best, 1, 0, 0, 0.0, 0.0)


@pytest.mark.parametrize("direction, values", [("minimize", [5, 4, 4, 3.95, 4]), ("maximize", [-5, -4, -4, -3.95, -4])])
def test_no_improvement_counts_stale_generations_with_min_delta(direction, values):
    rule = et.NoImprovement(3, min_delta=0.1)
    verdicts = [rule(_Ev(direction), _stats(v)) for v in values]
    assert verdicts == [None, None, None, None, "no improvement for 3 generations"]


def test_target_value_respects_direction():
    assert et.TargetValue(1.0)(_Ev("minimize"), _stats(0.5))
    assert not et.TargetValue(1.0)(_Ev("minimize"), _stats(1.5))
    assert et.TargetValue(1.0)(_Ev("maximize"), _stats(1.5))
    assert not et.TargetValue(1.0)(_Ev("minimize"), _stats(math.nan))


@pytest.mark.parametrize(
    "make, fragment",
    [
        (lambda: et.NoImprovement(0), "NoImprovement: `generations` must be an integer >= 1; got 0"),
        (lambda: et.NoImprovement(3, min_delta=-1), "`min_delta` must be a number >= 0; got -1"),
        (lambda: et.TargetValue(math.inf), "TargetValue: `value` must be a finite number; got inf"),
    ],
)
def test_callback_settings_are_validated(make, fragment):
    with pytest.raises(InvalidParameterError) as info:
        make()
    assert fragment in str(info.value)
