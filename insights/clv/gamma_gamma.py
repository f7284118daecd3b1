"""Gamma-Gamma spend model (Fader & Hardie, "The Gamma-Gamma Model of Monetary Value", 2013).

Each transaction value is Gamma(p, nu) with a customer-specific nu ~ Gamma(q, gamma),
so a customer's mean spend E[Z] = p/nu shrinks from their own average towards the
population mean the fewer transactions they have. The model assumes spend is
independent of purchase frequency; check that correlation before relying on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import digamma, gammaln

from insights.clv.mle import maximise_likelihood
from insights.clv.validation import FloatArray, as_float_array, same_length


@dataclass(frozen=True, eq=False)
class GammaGammaFit:
    """Fitted Gamma-Gamma parameters; ``log_covariance`` is for (log p, log q, log gamma)."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    n_customers: int
    log_covariance: FloatArray
    converged: bool

    PARAM_NAMES: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")

    @property
    def params(self) -> FloatArray:
        return np.array([self.p, self.q, self.gamma])

    @property
    def covariance(self) -> FloatArray:
        scale = self.params
        return self.log_covariance * np.outer(scale, scale)

    @property
    def standard_errors(self) -> FloatArray:
        return np.sqrt(np.diag(self.covariance))

    @property
    def population_mean_value(self) -> float:
        """p gamma / (q - 1): expected spend per transaction of a customer we know nothing about."""
        if self.q <= 1:
            return float("inf")
        return self.p * self.gamma / (self.q - 1)


def _spend_history(frequency: ArrayLike, monetary_value: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = as_float_array(frequency, "frequency")
    m = as_float_array(monetary_value, "monetary_value")
    same_length(frequency=x, monetary_value=m)
    if np.any(x < 0) or np.any(x != np.round(x)):
        raise ValueError("frequency must be non-negative whole numbers of repeat purchases")
    if np.any((x > 0) & (m <= 0)):
        raise ValueError(
            "monetary_value must be positive for customers with repeat purchases "
            "(the Gamma-Gamma model has no zero or negative spend)"
        )
    return x, m


def _log_likelihood_terms(log_params: FloatArray, x: FloatArray, m: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Log-density of each repeat buyer's mean spend m over x transactions, and its log-gradient."""
    p, q, gamma = np.exp(log_params)
    px = p * x
    log_pool = np.log(gamma + x * m)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_pool
    )
    psi_all = digamma(px + q)
    d_p = x * (psi_all - digamma(px) + np.log(m) + np.log(x) - log_pool)
    d_q = psi_all - digamma(q) + np.log(gamma) - log_pool
    d_gamma = q / gamma - (px + q) / (gamma + x * m)
    return ll, np.stack([d_p * p, d_q * q, d_gamma * gamma])


def fit_gamma_gamma(frequency: ArrayLike, monetary_value: ArrayLike) -> GammaGammaFit:
    """Maximum-likelihood Gamma-Gamma fit on the repeat buyers.

    Only customers with frequency > 0 are used: with the usual convention that
    ``monetary_value`` averages the *repeat* transactions, one-time buyers carry no
    spend information (their monetary value is 0 and is ignored). Repeat buyers must
    have a positive monetary value.
    """
    x_all, m_all = _spend_history(frequency, monetary_value)
    repeat = x_all > 0
    if not np.any(repeat):
        raise ValueError("fit_gamma_gamma needs at least one customer with frequency > 0")
    x, m = x_all[repeat], m_all[repeat]

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        ll, grad = _log_likelihood_terms(log_params, x, m)
        return -float(ll.sum()), -grad.sum(axis=1)

    # Start with q = 2 and gamma chosen so the population mean p gamma/(q-1) equals the data's.
    start = np.log([1.0, 2.0, float(np.mean(m))])
    optimum = maximise_likelihood(objective, start, float(x.shape[0]))
    p, q, gamma = np.exp(optimum.log_params)
    return GammaGammaFit(
        p=float(p),
        q=float(q),
        gamma=float(gamma),
        log_likelihood=optimum.log_likelihood,
        n_customers=int(x.shape[0]),
        log_covariance=optimum.log_covariance,
        converged=optimum.converged,
    )


def expected_average_value(fit: GammaGammaFit, frequency: ArrayLike, monetary_value: ArrayLike) -> FloatArray:
    """E[spend per transaction | x, m] = p (gamma + x m) / (p x + q - 1).

    A weighted average of the population mean p gamma/(q-1) and the customer's own
    mean m, with weight p x/(p x + q - 1) on m. Customers with x = 0 get the
    population mean. Finite only for q > 1, otherwise a ValueError is raised.
    """
    x, m = _spend_history(frequency, monetary_value)
    if fit.q <= 1:
        raise ValueError(f"q={fit.q:g} <= 1: the fitted spend distribution has no finite mean")
    return fit.p * (fit.gamma + x * m) / (fit.p * x + fit.q - 1)
