"""Surrogate-assisted selection of offspring: breed many children, evaluate the promising ones.

In every generation after the first, the engine breeds ``oversample`` times
more children than it evaluates. A model fitted on the trials evaluated so far
ranks them, and only the best ``offspring_size`` are evaluated. The search stays
evolutionary (children still come from selection, crossover and mutation of the
population, and a generation is still one batch of evaluations); the model only
spends fewer trainings on children it can already tell are poor.

A surrogate is an object with ``oversample`` and ``window`` attributes and a
``rank`` method; :class:`GaussianProcessSurrogate` is the default. Pass
``surrogate=None`` for a plain genetic algorithm (for objectives that take
less time than the model, about 0.1-1 s per generation).
"""

from __future__ import annotations

import numbers
import warnings
from abc import ABC, abstractmethod

import numpy as np

from .exceptions import InvalidParameterError
from .genome import Genome

__all__ = ["Surrogate", "GaussianProcessSurrogate"]


class Surrogate(ABC):
    """Ranks bred children before any of them is evaluated."""

    #: Children bred per child evaluated.
    oversample: int = 1
    #: How many of the latest trials the engine keeps to fit the model on.
    window: int = 1000

    @abstractmethod
    def rank(
        self, genome: Genome, genes: list[list], losses: np.ndarray, children: list[list], seed: int
    ) -> np.ndarray:
        """Indices of ``children``, most promising first.

        ``genes`` and ``losses`` are the evaluated trials (lower is better; a failed
        trial's loss is NaN), oldest first; ``seed`` seeds any randomness.
        """


#: Most L-BFGS-B steps of a kernel fit (more buys nothing measurable in the ranking; see the benchmarks).
_KERNEL_FIT_STEPS = 50


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise InvalidParameterError(
            f"GaussianProcessSurrogate: `{name}` must be an integer >= {minimum}; got {value!r}."
        )


class GaussianProcessSurrogate(Surrogate):
    """A Gaussian process on the evaluated trials; children are ranked by a lower confidence bound.

    The losses are turned into normal scores of their ranks (robust to outliers
    and to the loss's scale; a failed trial counts as the worst). The kernel is a
    Matern 5/2 with one length scale per feature (irrelevant parameters get long
    ones) plus a noise term; its hyperparameters are fitted by maximum likelihood
    on at most ``fit_size`` trials (the best half and a random rest), then the
    process is conditioned on the whole window. A child's score is
    ``mean - kappa * std``: ``kappa`` trades exploring uncertain regions
    against exploiting predicted good ones.

    Parameters
    ----------
    oversample : int
        Children bred per child evaluated (1 turns the surrogate off).
    kappa : float
        Weight of the predicted standard deviation.
    window : int
        Condition on at most this many of the latest trials.
    fit_size : int
        Trials used to fit the kernel's hyperparameters.
    min_trials : int
        Completed trials needed before the model is used; until then children
        are evaluated in the order they were bred.

    Examples
    --------
    >>> import evotune as et
    >>> result = et.optimize(lambda p: (p["x"] - 1) ** 2, {"x": et.Float(-5, 5)}, max_evaluations=40,
    ...                      surrogate=et.GaussianProcessSurrogate(oversample=2), seed=0)
    >>> result.best_value < 0.01
    True
    """

    def __init__(self, oversample: int = 4, kappa: float = 1.0, window: int = 300, fit_size: int = 100,
                 min_trials: int = 8):
        _check_int("oversample", oversample, 1)
        _check_int("window", window, 2)
        _check_int("fit_size", fit_size, 2)
        _check_int("min_trials", min_trials, 2)
        if isinstance(kappa, bool) or not isinstance(kappa, numbers.Real) or not 0 <= kappa < float("inf"):
            raise InvalidParameterError(
                f"GaussianProcessSurrogate: `kappa` must be a number >= 0; got {kappa!r}."
            )
        self.oversample, self.kappa, self.window = int(oversample), float(kappa), int(window)
        self.fit_size, self.min_trials = int(fit_size), int(min_trials)

    def __repr__(self) -> str:
        return (f"GaussianProcessSurrogate(oversample={self.oversample}, kappa={self.kappa}, "
                f"window={self.window}, fit_size={self.fit_size}, min_trials={self.min_trials})")

    def rank(
        self, genome: Genome, genes: list[list], losses: np.ndarray, children: list[list], seed: int
    ) -> np.ndarray:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

        y = _normal_scores(losses, self.min_trials)
        if y is None:
            return np.arange(len(children))
        X = genome.features(genes)
        kernel = ConstantKernel(1.0, (1e-2, 1e2)) * Matern(np.full(X.shape[1], 0.5), (1e-2, 1e2), nu=2.5) + \
            WhiteKernel(1e-2, (1e-6, 1.0))
        rng = np.random.default_rng(seed)
        subset = np.arange(len(y))
        if len(y) > self.fit_size:  # the best half, and a random draw of the rest
            best = np.argsort(y, kind="stable")[: self.fit_size // 2]
            rest = rng.choice(np.setdiff1d(subset, best), self.fit_size - len(best), replace=False)
            subset = np.sort(np.concatenate([best, rest]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence notes of the kernel fit
            model = GaussianProcessRegressor(kernel, normalize_y=True, optimizer=_fit_kernel)
            model.fit(X[subset], y[subset])
            if len(subset) < len(y):  # the fitted kernel, conditioned on every trial of the window
                model = GaussianProcessRegressor(model.kernel_, normalize_y=True, optimizer=None).fit(X, y)
        mean, std = model.predict(genome.features(children), return_std=True)
        return np.argsort(mean - self.kappa * std, kind="stable")


def _fit_kernel(objective, theta, bounds):
    """L-BFGS-B on the kernel's negative log marginal likelihood, at most _KERNEL_FIT_STEPS steps."""
    from scipy.optimize import minimize

    found = minimize(objective, theta, method="L-BFGS-B", jac=True, bounds=bounds,
                     options={"maxiter": _KERNEL_FIT_STEPS})
    return found.x, found.fun


def _normal_scores(losses: np.ndarray, min_trials: int) -> np.ndarray | None:
    """Normal scores of the losses' ranks (failures: worst); None when too few trials or all equal."""
    from scipy.stats import norm

    losses = np.asarray(losses, dtype=float)
    finite = np.isfinite(losses)
    if finite.sum() < min_trials or np.ptp(losses[finite]) == 0:
        return None
    losses = np.where(finite, losses, losses[finite].max())
    ranks = np.argsort(np.argsort(losses, kind="stable"), kind="stable")
    return norm.ppf((ranks + 0.5) / len(ranks))
