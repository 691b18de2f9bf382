"""evotune: evolutionary hyperparameter optimization with mixed integer, float and categorical genes.

Examples
--------
>>> import evotune as et
>>> result = et.optimize(lambda p: (p["x"] - 2) ** 2, {"x": et.Float(-10, 10)},
...                      max_evaluations=60, seed=0)
>>> round(result.best_params["x"])
2
"""

import logging as _logging

from .callbacks import NoImprovement, TargetValue
from .evaluation import DaskEvaluator, Evaluator, Outcome, ProcessPoolEvaluator, SerialEvaluator
from .evolution import Evolution, default_offspring_size, default_population_size
from .trial import Candidate
from .exceptions import (
    AllEvaluationsFailedError,
    EvaluationFailedError,
    EvaluationTimeoutError,
    EvotuneError,
    FailedEvaluationWarning,
    InfeasibleWarning,
    InvalidParameterError,
    InvalidSpaceError,
    WorkerCrashedError,
)
from .operators import Crossover, MixedCrossover, MixedMutation, Mutation, Selection, Tournament
from .optimize import default_lag, optimize
from .racing import Fidelity, Racing
from .result import Result
from .settings import Settings
from .trial import Direction, GenerationStats, Trial, TrialState
from .space import Categorical, Float, Integer, Space
from .storage import Storage, StorageError, load_run, run_names
from .surrogate import GaussianProcessSurrogate, Surrogate

__version__ = "0.24.0"


def __getattr__(name: str):
    # scikit-learn is an optional dependency: the adapter is imported on first use
    if name == "EvolutionarySearchCV":
        from .sklearn import EvolutionarySearchCV

        return EvolutionarySearchCV
    raise AttributeError(f"module 'evotune' has no attribute {name!r}")

# A library prints nothing by itself: records reach the user's handlers, if any.
_logging.getLogger("evotune").addHandler(_logging.NullHandler())

__all__ = [
    "AllEvaluationsFailedError",
    "Candidate",
    "Categorical",
    "Crossover",
    "DaskEvaluator",
    "Direction",
    "EvaluationFailedError",
    "EvaluationTimeoutError",
    "Evaluator",
    "Evolution",
    "EvolutionarySearchCV",
    "EvotuneError",
    "FailedEvaluationWarning",
    "Fidelity",
    "Float",
    "GaussianProcessSurrogate",
    "GenerationStats",
    "InfeasibleWarning",
    "Integer",
    "InvalidParameterError",
    "InvalidSpaceError",
    "MixedCrossover",
    "MixedMutation",
    "Mutation",
    "NoImprovement",
    "Outcome",
    "ProcessPoolEvaluator",
    "Racing",
    "Result",
    "Selection",
    "SerialEvaluator",
    "Settings",
    "Space",
    "Storage",
    "StorageError",
    "Surrogate",
    "TargetValue",
    "Tournament",
    "Trial",
    "TrialState",
    "WorkerCrashedError",
    "default_lag",
    "default_offspring_size",
    "default_population_size",
    "load_run",
    "optimize",
    "run_names",
]
