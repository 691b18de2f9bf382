"""evotune: evolutionary hyperparameter optimization with mixed integer, float and categorical genes.

Examples
--------
>>> import evotune as et
>>> result = et.optimize(lambda p: (p["x"] - 2) ** 2, {"x": et.Float(-10, 10)},
...                      max_evaluations=60, seed=0)
>>> round(result.best_params["x"])
2
"""

from .callbacks import NoImprovement, TargetValue
from .evaluation import Evaluator, Outcome, SerialEvaluator
from .evolution import Candidate, Evolution, default_population_size
from .exceptions import (
    AllEvaluationsFailedError,
    EvaluationFailedError,
    EvotuneError,
    FailedEvaluationWarning,
    InvalidParameterError,
    InvalidSpaceError,
)
from .operators import Crossover, MixedCrossover, MixedMutation, Mutation, Selection, Tournament
from .optimize import optimize
from .result import GenerationStats, Result, Trial
from .space import Categorical, Float, Integer, Space

__version__ = "0.1.0"

__all__ = [
    "AllEvaluationsFailedError",
    "Candidate",
    "Categorical",
    "Crossover",
    "EvaluationFailedError",
    "Evaluator",
    "Evolution",
    "EvotuneError",
    "FailedEvaluationWarning",
    "Float",
    "GenerationStats",
    "Integer",
    "InvalidParameterError",
    "InvalidSpaceError",
    "MixedCrossover",
    "MixedMutation",
    "Mutation",
    "NoImprovement",
    "Outcome",
    "Result",
    "Selection",
    "SerialEvaluator",
    "Space",
    "TargetValue",
    "Tournament",
    "Trial",
    "default_population_size",
    "optimize",
]
