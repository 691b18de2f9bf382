import math

import numpy as np
import pytest

from evotune import InvalidParameterError
from evotune._checks import check_int, check_number


@pytest.mark.parametrize("value", [3, np.int64(3), 10**20])
def test_check_int_accepts_integers_at_or_above_the_minimum(value):
    check_int("n", value, 3)


@pytest.mark.parametrize("value", [2, True, 3.0, "3", None])
def test_check_int_refuses_and_says_what_was_given(value):
    with pytest.raises(InvalidParameterError) as info:
        check_int("n", value, 3, owner="Thing")
    assert str(info.value) == f"Thing: `n` must be an integer >= 3; got {value!r}."


def test_none_is_accepted_only_when_allowed_and_the_message_says_so():
    check_int("n", None, 1, allow_none=True)
    check_number("t", None, "a number > 0", lambda v: v > 0, allow_none=True)
    with pytest.raises(InvalidParameterError, match=r"^`n` must be an integer >= 1 or None; got 0\.$"):
        check_int("n", 0, 1, allow_none=True)


@pytest.mark.parametrize("value", [math.nan, -1.0, True, "0.5", 1.0])
def test_check_number_refuses_nan_bools_strings_and_values_outside(value):
    with pytest.raises(InvalidParameterError, match=r"^Op: `p` must be a share in \[0, 1\); got "):
        check_number("p", value, "a share in [0, 1)", lambda v: 0 <= v < 1, owner="Op")


@pytest.mark.parametrize("value", [0, 0.5, np.float32(0.25)])
def test_check_number_accepts_real_numbers_that_pass(value):
    check_number("p", value, "a share in [0, 1)", lambda v: 0 <= v < 1)
