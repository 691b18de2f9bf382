"""A small Gaussian process: Matern 5/2 kernel with one length scale per feature, plus noise.

Written for the surrogate's hot path (fitted and queried once per proposal), in
plain numpy and scipy: the kernel's hyperparameters are fitted by L-BFGS-B on the
log marginal likelihood with its analytic gradient; predictions solve against one
Cholesky factor. The same model as scikit-learn's
``ConstantKernel * Matern(nu=2.5) + WhiteKernel`` with ``normalize_y=True``, at a
fraction of its overhead.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_solve, cholesky, solve_triangular
from scipy.optimize import minimize

__all__ = ["GaussianProcess", "fit_hyperparameters"]

_SQRT5 = np.sqrt(5.0)
#: log-space bounds of (amplitude, length scales..., noise)
_AMPLITUDE, _LENGTH, _NOISE = (1e-2, 1e2), (1e-2, 1e2), (1e-6, 1.0)


def _squared_distances(A: np.ndarray, B: np.ndarray, scale: np.ndarray) -> np.ndarray:
    A, B = A / scale, B / scale
    d = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * A @ B.T
    return np.maximum(d, 0.0)


def _matern(r: np.ndarray) -> np.ndarray:
    s = _SQRT5 * r
    return (1.0 + s + s * s / 3.0) * np.exp(-s)


def _standardize(y: np.ndarray) -> tuple[np.ndarray, float, float]:
    mean, std = float(y.mean()), float(y.std())
    std = std if std > 0 else 1.0
    return (y - mean) / std, mean, std


def _nll_and_gradient(theta: np.ndarray, D: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative log marginal likelihood and its gradient; ``D`` holds the squared differences
    of every pair of inputs, feature by feature (n x n x d)."""
    amplitude, inverse2, noise = np.exp(theta[0]), np.exp(-2.0 * theta[1:-1]), np.exp(theta[-1])
    n = len(y)
    s = _SQRT5 * np.sqrt(D @ inverse2)
    e = np.exp(-s)
    base = amplitude * (1.0 + s + s * s / 3.0) * e
    K = base.copy()
    K[np.diag_indices(n)] += noise
    try:
        L = cholesky(K, lower=True)
    except np.linalg.LinAlgError:
        return 1e25, np.zeros_like(theta)
    alpha = cho_solve((L, True), y)
    nll = 0.5 * y @ alpha + np.log(np.diag(L)).sum() + 0.5 * n * np.log(2 * np.pi)
    W = np.outer(alpha, alpha) - cho_solve((L, True), np.eye(n))
    grad = np.empty_like(theta)
    grad[0] = -0.5 * np.sum(W * base)
    # d K / d log(length_k) = amplitude * 5/3 * (1 + s) * exp(-s) * (x_ik - x_jk)^2 / length_k^2
    common = W * (amplitude * (5.0 / 3.0) * (1.0 + s) * e)
    grad[1:-1] = -0.5 * np.tensordot(common, D, axes=2) * inverse2
    grad[-1] = -0.5 * noise * np.trace(W)
    return float(nll), grad


def fit_hyperparameters(X: np.ndarray, y: np.ndarray, max_steps: int = 50) -> np.ndarray:
    """Log hyperparameters (amplitude, length scales, noise) maximizing the marginal likelihood of
    standardized ``y``, from the same start as scikit-learn's default (1, 0.5, 1e-2)."""
    y, _, _ = _standardize(np.asarray(y, dtype=float))
    d = X.shape[1]
    theta0 = np.log(np.concatenate([[1.0], np.full(d, 0.5), [1e-2]]))
    bounds = np.log([_AMPLITUDE] + [_LENGTH] * d + [_NOISE])
    D = (X[:, None, :] - X[None, :, :]) ** 2
    found = minimize(_nll_and_gradient, theta0, args=(D, y), method="L-BFGS-B", jac=True, bounds=bounds,
                     options={"maxiter": max_steps})
    return found.x


class GaussianProcess:
    """The process with hyperparameters ``theta`` (from :func:`fit_hyperparameters`), conditioned on X, y.

    Examples
    --------
    >>> X = np.linspace(0, 1, 12)[:, None]
    >>> y = (X[:, 0] - 0.3) ** 2
    >>> gp = GaussianProcess(fit_hyperparameters(X, y), X, y)
    >>> mean, std = gp.predict(np.array([[0.3], [0.9]]))
    >>> bool(mean[0] < mean[1]), bool(abs(mean[0]) < 0.05)
    (True, True)
    """

    def __init__(self, theta: np.ndarray, X: np.ndarray, y: np.ndarray):
        self.amplitude, self.length, self.noise = np.exp(theta[0]), np.exp(theta[1:-1]), np.exp(theta[-1])
        self.X = X
        ys, self.y_mean, self.y_std = _standardize(np.asarray(y, dtype=float))
        K = self.amplitude * _matern(np.sqrt(_squared_distances(X, X, self.length)))
        K[np.diag_indices_from(K)] += self.noise
        jitter = 0.0
        while True:  # a nearly singular kernel (repeated inputs, tiny noise) gets a little more noise
            try:
                self.L = cholesky(K + jitter * np.eye(len(K)), lower=True)
                break
            except np.linalg.LinAlgError:
                jitter = max(1e-10, 10 * jitter)
        self.alpha = cho_solve((self.L, True), ys)

    def predict(self, Xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation (noise included) at the rows of ``Xs``."""
        mean, v = self._conditioned(Xs)
        var = np.maximum(self.amplitude + self.noise - (v * v).sum(0), 1e-12)
        return mean, np.sqrt(var) * self.y_std

    def posterior(self, Xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Mean at the rows of ``Xs`` and the covariance between them of the function itself (the noise,
        ``self.noise * self.y_std ** 2``, not included).

        >>> X = np.linspace(0, 1, 12)[:, None]
        >>> gp = GaussianProcess(fit_hyperparameters(X, np.sin(6 * X[:, 0])), X, np.sin(6 * X[:, 0]))
        >>> mean, cov = gp.posterior(np.array([[0.5], [2.0]]))
        >>> bool(np.allclose(mean, gp.predict(np.array([[0.5], [2.0]]))[0])), bool(cov[0, 0] < cov[1, 1])
        (True, True)
        """
        mean, v = self._conditioned(Xs)
        prior = self.amplitude * _matern(np.sqrt(_squared_distances(Xs, Xs, self.length)))
        return mean, (prior - v.T @ v) * self.y_std**2

    def _conditioned(self, Xs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The mean at the rows of ``Xs``, and ``L^-1 k(X, Xs)`` (the variance the trials explain)."""
        k = self.amplitude * _matern(np.sqrt(_squared_distances(Xs, self.X, self.length)))
        return (k @ self.alpha) * self.y_std + self.y_mean, solve_triangular(self.L, k.T, lower=True)
