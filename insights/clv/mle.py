"""Maximum-likelihood machinery shared by the BG/NBD and Gamma-Gamma fits.

Both models have strictly positive parameters, so they are optimised on the log
scale: the optimiser is unconstrained in practice, and the curvature there is what
the interval draws need (a normal on log-parameters never proposes a negative
value).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from insights.clv.validation import FloatArray

#: Objective: log-parameters -> (negative log-likelihood, gradient w.r.t. log-parameters).
Objective = Callable[[FloatArray], tuple[float, FloatArray]]

# Log-parameters are kept inside +-LOG_BOUND so exp() cannot overflow; an optimum on
# the bound means the data push a parameter to 0 or infinity and the fit is not
# reported as converged.
LOG_BOUND = 25.0
# Convergence: largest gradient entry of the *per-customer* negative log-likelihood.
GRADIENT_TOLERANCE = 1e-6
# Central-difference step on the log scale: a relative step of 1e-4 on each parameter.
HESSIAN_STEP = 1e-4
NEWTON_POLISH_STEPS = 5


@dataclass(frozen=True, eq=False)
class MaximumLikelihood:
    """Optimum of a log-parameter likelihood and the curvature around it."""

    log_params: FloatArray
    log_likelihood: float
    log_covariance: FloatArray
    converged: bool


def numerical_hessian(objective: Objective, point: FloatArray) -> FloatArray:
    """Hessian by central differences of the analytic gradient.

    Differencing gradients (rather than function values twice) keeps the error at
    O(step^2) without the cancellation that second differences of a
    ~10^4-sized log-likelihood would suffer.
    """
    k = point.size
    hessian = np.empty((k, k))
    for i in range(k):
        shift = np.zeros(k)
        shift[i] = HESSIAN_STEP
        hessian[:, i] = (objective(point + shift)[1] - objective(point - shift)[1]) / (2 * HESSIAN_STEP)
    return 0.5 * (hessian + hessian.T)


def _inverse_if_positive_definite(hessian: FloatArray) -> FloatArray | None:
    try:
        np.linalg.cholesky(hessian)
    except np.linalg.LinAlgError:
        return None
    return np.asarray(np.linalg.inv(hessian), dtype=np.float64)


def maximise_likelihood(objective: Objective, start: FloatArray, n: float) -> MaximumLikelihood:
    """Minimise ``objective`` from ``start`` and return optimum, LL and log-scale covariance.

    L-BFGS-B does the bulk of the work on the per-customer objective (divided by
    ``n``, so tolerances do not depend on the sample size); a few Newton steps with
    the numerical Hessian then polish the optimum so published estimates are hit
    to their last printed digit. The covariance is the inverse Hessian of the total
    negative log-likelihood; it is NaN when the Hessian is not positive definite
    (a flat or boundary optimum), which the interval code refuses to sample from.
    """

    def scaled(point: FloatArray) -> tuple[float, FloatArray]:
        value, gradient = objective(point)
        return value / n, gradient / n

    bounds = [(-LOG_BOUND, LOG_BOUND)] * start.size
    result = minimize(
        scaled,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-10},
    )
    point = np.asarray(result.x, dtype=np.float64)
    value, gradient = objective(point)
    for _ in range(NEWTON_POLISH_STEPS):
        if np.max(np.abs(gradient)) / n < 1e-10:
            break
        inverse = _inverse_if_positive_definite(numerical_hessian(objective, point))
        if inverse is None:
            break
        candidate = np.clip(point - inverse @ gradient, -LOG_BOUND, LOG_BOUND)
        candidate_value, candidate_gradient = objective(candidate)
        if not np.isfinite(candidate_value) or candidate_value > value:
            break
        point, value, gradient = candidate, candidate_value, candidate_gradient

    inverse = _inverse_if_positive_definite(numerical_hessian(objective, point))
    on_bound = bool(np.any(np.abs(point) >= LOG_BOUND - 1e-9))
    converged = (
        bool(np.isfinite(value))
        and not on_bound
        and inverse is not None
        and float(np.max(np.abs(gradient))) / n < GRADIENT_TOLERANCE
    )
    covariance = inverse if inverse is not None else np.full((start.size, start.size), np.nan)
    return MaximumLikelihood(
        log_params=point,
        log_likelihood=-float(value),
        log_covariance=covariance,
        converged=converged,
    )
