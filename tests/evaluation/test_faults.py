"""What user code can do to a run, and how the run takes it: every case is a failed trial with its
text (or a result), never an aborted, hung or n_jobs-dependent run."""

import logging
import sys

import pytest

import evotune as et

SPACE = {"x": et.Float(0.0, 1.0), "k": et.Categorical(["a", "b"])}


class TwoArgumentError(Exception):
    """Pickles, then fails to unpickle (its __init__ needs two arguments): the classic pool killer."""

    def __init__(self, code, detail):
        super().__init__(f"{code}: {detail}")
        self.code, self.detail = code, detail


def raises_two_argument_error(p):
    if p["x"] > 0.5:
        raise TwoArgumentError(7, "diverged")
    return p["x"]


def exits(p):
    if p["x"] > 0.5:
        sys.exit(3)
    return p["x"]


def unpicklable_info(p):
    return p["x"], {"loss_curve": [1.0, 0.5], "callback": lambda: None}


def overflows(p):
    return 10**400 if p["x"] > 0.5 else p["x"]


def huge_log_record(p):
    logging.getLogger("user.model").warning("x" * (20 * 1024 * 1024))
    return p["x"]


def outcomes(objective, n_jobs):
    result = et.optimize(objective, SPACE, max_evaluations=12, population_size=6, n_jobs=n_jobs, seed=0)
    return [(t.number, t.state, t.value if t.ok else None, t.error) for t in result.trials], result


@pytest.mark.filterwarnings("ignore::evotune.exceptions.FailedEvaluationWarning")
@pytest.mark.parametrize(
    "objective, error",
    [
        (raises_two_argument_error, "TwoArgumentError: 7: diverged"),
        (exits, "SystemExit: 3"),
        (overflows, "objective returned 1000000000"),
    ],
)
def test_what_user_code_raises_or_returns_is_a_failed_trial_whatever_n_jobs(objective, error):
    serial, _ = outcomes(objective, 1)
    pooled, result = outcomes(objective, 2)
    assert pooled == serial and len(pooled) == 12
    failed = [row for row in pooled if row[1] == "failed"]
    assert failed and all(row[3].startswith(error) for row in failed)
    assert result.stop_reason == "max_evaluations reached (12)"


def test_info_that_cannot_cross_a_process_keeps_its_trial_and_its_picklable_part():
    serial, _ = outcomes(unpicklable_info, 1)
    pooled, result = outcomes(unpicklable_info, 2)
    assert pooled == serial and all(row[1] == "complete" for row in pooled)
    info = result.trials[0].info
    assert info["loss_curve"] == [1.0, 0.5] and info["callback"].startswith("<function")


def test_a_huge_log_record_is_cut_and_the_run_returns(caplog):
    caplog.set_level(logging.WARNING)
    _, result = outcomes(huge_log_record, 2)
    assert result.n_evaluations == 12
    messages = [r.getMessage() for r in caplog.records if r.name == "user.model"]
    assert messages and all(len(m) < 70_000 and m.endswith("more characters cut]") for m in messages)
