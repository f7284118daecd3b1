"""BG/NBD purchase models: the original (Fader, Hardie & Lee 2005, "Counting your customers the
easy way") and the modified MBG/NBD (Batislam, Denizel & Filiztekin 2007).

While alive, a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha);
after every *repeat* purchase they drop out with probability p ~ Beta(a, b). MBG/NBD also
lets them drop out right after the *first* purchase, so a one-time buyer silent for years is
probably gone (BG/NBD says alive with probability 1, by construction). The two differ only in
how many dropout chances a customer with x repeat purchases has survived (x or x + 1), so
one set of formulas serves both with ``k = fit.first_purchase_dropouts`` (0 or 1): the
posterior of p is Beta(a, b + x + k).

Each customer is summarised by (x, t_x, T): repeat purchases, time of the last one and length
of observation, all measured from their first purchase in one time unit (the unit of the fit,
e.g. weeks). Every prediction below is in that same unit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from insights.clv.mle import maximise_likelihood
from insights.clv.validation import FloatArray, customer_history, horizon_time, weights_for


class PurchaseModel(StrEnum):
    """Which member of the BG/NBD family a fit is."""

    BGNBD = "bgnbd"
    """Dropout only after repeat purchases: kept for the paper's checks."""
    MBGNBD = "mbgnbd"
    """Dropout also right after the first purchase: the model Rapport predicts with."""


@dataclass(frozen=True, eq=False)
class BgNbdFit:
    """Fitted BG/NBD parameters.

    ``n_customers`` is the number of customers fitted (the sum of the weights, if
    given). ``log_covariance`` is the covariance of (log r, log alpha, log a, log b): the
    inverse Hessian of the negative log-likelihood at the optimum, on the scale the
    model was fitted on and the interval draws use. ``covariance`` gives the
    natural-scale version by the delta method.
    """

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: float
    log_covariance: FloatArray
    converged: bool
    model: PurchaseModel = PurchaseModel.BGNBD

    PARAM_NAMES: ClassVar[tuple[str, ...]] = ("r", "alpha", "a", "b")

    @property
    def first_purchase_dropouts(self) -> int:
        """Dropout chances before the first repeat purchase: 0 (BG/NBD) or 1 (MBG/NBD)."""
        return 1 if self.model == PurchaseModel.MBGNBD else 0

    @property
    def params(self) -> FloatArray:
        return np.array([self.r, self.alpha, self.a, self.b])

    @property
    def covariance(self) -> FloatArray:
        scale = self.params
        return self.log_covariance * np.outer(scale, scale)

    @property
    def standard_errors(self) -> FloatArray:
        return np.sqrt(np.diag(self.covariance))


def _log_likelihood_terms(
    log_params: FloatArray,
    x: FloatArray,
    t_x: FloatArray,
    T: FloatArray,
    gradient: bool,
    k: int = 0,
) -> tuple[FloatArray, FloatArray | None]:
    """Per-customer log-likelihood and (optionally) its gradient w.r.t. log-parameters.

    L = B(a, b+x+k)/B(a, b) G(r+x)/G(r) alpha^r / (alpha+T)^(r+x)
        + [x+k > 0] B(a+1, b+x+k-1)/B(a, b) G(r+x)/G(r) alpha^r / (alpha+t_x)^(r+x),
    combined with logaddexp so that neither term under- or overflows; k = 0 is BG/NBD,
    k = 1 MBG/NBD (module docstring).
    """
    r, alpha, a, b = np.exp(log_params)
    n = x + k  # dropout chances survived, as the Beta terms count them
    second = n > 0
    n_safe = np.where(second, n, 1.0)  # keeps b + n - 1 > 0 where the second term is masked
    log_alpha_t = np.log(alpha + T)
    log_alpha_tx = np.log(alpha + t_x)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    beta_ab = betaln(a, b)
    term_a = betaln(a, b + n) - beta_ab - (r + x) * log_alpha_t
    term_b = np.where(second, betaln(a + 1, b + n_safe - 1) - beta_ab - (r + x) * log_alpha_tx, -np.inf)
    mix = np.logaddexp(term_a, term_b)
    ll = common + mix
    if not gradient:
        return ll, None

    w_a = np.exp(term_a - mix)
    w_b = np.exp(term_b - mix)  # 0 where n == 0
    psi_ab, psi_abn = digamma(a + b), digamma(a + b + n)
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w_a * log_alpha_t - w_b * log_alpha_tx
    d_alpha = r / alpha - (r + x) * (w_a / (alpha + T) + w_b / (alpha + t_x))
    d_a = psi_ab - psi_abn + w_b / a
    d_b = w_a * digamma(b + n) + w_b * np.where(second, digamma(b + n_safe - 1), 0.0) - psi_abn - digamma(b) + psi_ab
    grad = np.stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return ll, grad


def bgnbd_log_likelihood(fit: BgNbdFit, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
    """Per-customer log-likelihood under ``fit`` (e.g. to compare models or spot outliers)."""
    x, t_x, big_t = customer_history(frequency, recency, T)
    return _log_likelihood_terms(np.log(fit.params), x, t_x, big_t, gradient=False, k=fit.first_purchase_dropouts)[0]


def _collapse_duplicates(
    x: FloatArray, t_x: FloatArray, T: FloatArray, w: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Merge identical (x, t_x, T) rows into one weighted row: exact, and fewer special-function calls."""
    rows = np.stack([x, t_x, T], axis=1)
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=w, minlength=unique.shape[0])
    return unique[:, 0], unique[:, 1], unique[:, 2], np.asarray(counts, dtype=np.float64)


def fit_bgnbd(
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    model: PurchaseModel = PurchaseModel.BGNBD,
) -> BgNbdFit:
    """Maximum-likelihood BG/NBD (or, with ``model=MBGNBD``, MBG/NBD) fit.

    ``weights`` lets a caller pass de-duplicated histories with their counts. The
    start point (r=1, a=1, b=1, alpha matching the average purchase rate) is inside
    the usual basin for retail data; the optimisation runs on log-parameters so all
    four stay positive. ``converged`` is False when the optimum sits on a parameter
    bound or the gradient is not small, in which case the estimates (and any
    prediction from them) should not be trusted.
    """
    x, t_x, big_t = customer_history(frequency, recency, T)
    w = weights_for(weights, x.shape[0])
    keep = w > 0
    x, t_x, big_t, w = _collapse_duplicates(x[keep], t_x[keep], big_t[keep], w[keep])
    n = float(w.sum())
    k = 1 if model == PurchaseModel.MBGNBD else 0

    def objective(log_params: FloatArray) -> tuple[float, FloatArray]:
        ll, grad = _log_likelihood_terms(log_params, x, t_x, big_t, gradient=True, k=k)
        assert grad is not None
        return -float(w @ ll), -(grad @ w)

    mean_rate = (w @ x + 1.0) / max(float(w @ big_t), 1e-12)
    start = np.array([0.0, np.log(1.0 / mean_rate), 0.0, 0.0])
    optimum = maximise_likelihood(objective, start, n)
    r, alpha, a, b = np.exp(optimum.log_params)
    return BgNbdFit(
        r=float(r),
        alpha=float(alpha),
        a=float(a),
        b=float(b),
        log_likelihood=optimum.log_likelihood,
        n_customers=n,
        log_covariance=optimum.log_covariance,
        converged=optimum.converged,
        model=model,
    )


def probability_alive(fit: BgNbdFit, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
    """P(customer still active at T | x, t_x, T).

    BG/NBD customers can only drop out right after a repeat purchase, so anyone without
    one (x = 0) is alive with probability 1 by construction; under MBG/NBD a one-time
    buyer's P(alive) falls with the silence since their first purchase.
    """
    x, t_x, big_t = customer_history(frequency, recency, T)
    return _probability_alive(fit, x, t_x, big_t)


def _probability_alive(fit: BgNbdFit, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    n = x + fit.first_purchase_dropouts
    could_drop = n > 0
    n_safe = np.where(could_drop, n, 1.0)
    log_odds_dead = (
        np.log(fit.a) - np.log(fit.b + n_safe - 1) + (fit.r + x) * (np.log(fit.alpha + T) - np.log(fit.alpha + t_x))
    )
    return np.where(could_drop, expit(-log_odds_dead), 1.0)


# The closed form below is 0/0 at a = 1, and scipy's hyp2f1 loses digits when
# c - a - b of its arguments (= x + r - a + 1) is an integer, i.e. when r - a is.
# Within these distances of such points the (smooth) expectation is interpolated
# linearly from both sides, which costs ~distance^2 in accuracy instead of digits.
_A_NEAR_ONE = 1e-4
_R_MINUS_A_NEAR_INTEGER = 1e-6
_SERIES_MAX_TERMS = 100_000


def _interpolate(value: float, low: float, high: float, f: Callable[[float], FloatArray]) -> FloatArray:
    f_low, f_high = f(low), f(high)
    return f_low + (value - low) / (high - low) * (f_high - f_low)


def _purchases_if_alive(fit: BgNbdFit, t: FloatArray, x: FloatArray, T: FloatArray) -> FloatArray:
    """E[purchases in (T, T+t]] for a customer known to be alive at T.

    The paper's form is (a+b+x-1)/(a-1) [1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]
    with z = t/(alpha+T+t). Euler's transformation rewrites the product as
    (1-z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z). Each 2F1 stays finite as z -> 1 only
    while its c-a-b is positive: x + r - a + 1 for the Euler form, a - 1 - r - x for
    the paper's. Each customer gets the form that converges for them, so neither a
    diverging 2F1 nor an underflowing power ever meets its counterpart; in practice
    that is the Euler form, except when a exceeds x + r + 1.

    Under MBG/NBD one more dropout chance has been survived, which is the same formula with
    b + 1 in place of b (the posterior of p is Beta(a, b + x + 1)).
    """
    r, alpha, a = fit.r, fit.alpha, fit.a
    b = fit.b + fit.first_purchase_dropouts

    def at_a(a_value: float) -> FloatArray:
        gap = r - a_value - round(r - a_value)
        if abs(gap) >= _R_MINUS_A_NEAR_INTEGER:
            return _alive_expectation(r, alpha, a_value, b, t, x, T)
        low = r - gap - _R_MINUS_A_NEAR_INTEGER
        low = low if low > 0 else r / 2
        high = r - gap + _R_MINUS_A_NEAR_INTEGER
        return _interpolate(r, low, high, lambda r_value: _alive_expectation(r_value, alpha, a_value, b, t, x, T))

    if abs(a - 1.0) < _A_NEAR_ONE:
        return _interpolate(a, 1.0 - _A_NEAR_ONE, 1.0 + _A_NEAR_ONE, at_a)
    return at_a(a)


def _alive_expectation(
    r: float, alpha: float, a: float, b: float, t: FloatArray, x: FloatArray, T: FloatArray
) -> FloatArray:
    z = t / (alpha + T + t)
    log_one_minus_z = np.log(alpha + T) - np.log(alpha + T + t)
    c = np.broadcast_to(a + b + x - 1, z.shape)
    euler = np.broadcast_to(x + r - a + 1 > 0, z.shape)
    first = np.where(euler, a + b - 1 - r, r + x)
    second = np.where(euler, a - 1, b + x)
    power = np.where(euler, a - 1, r + x)
    hyper = np.asarray(hyp2f1(first, second, c, z), dtype=np.float64)
    failed = ~np.isfinite(hyper)
    if np.any(failed):
        hyper = hyper.copy()
        hyper[failed] = _hyp2f1_series(first[failed], second[failed], c[failed], z[failed])
    result = c / (a - 1) * (1 - np.exp(power * log_one_minus_z) * hyper)
    if not np.all(np.isfinite(result)):
        raise FloatingPointError(
            f"expected purchases are not finite for these parameters (r={r:g}, alpha={alpha:g}, a={a:g}, b={b:g})"
        )
    return result


def _hyp2f1_series(A: FloatArray, B: FloatArray, C: FloatArray, z: FloatArray) -> FloatArray:
    """Gauss series sum_k (A)_k (B)_k / ((C)_k k!) z^k where scipy's hyp2f1 overflows.

    Near z = 1 scipy uses the 1-z connection formula, whose Gamma-function factors
    overflow once C passes ~100 (e.g. customers with ~100 repeat purchases and a
    long horizon). The form chosen above makes C - A - B large there too, so the
    terms fall off like k^(A+B-C-1) z^k and the plain series converges quickly even
    as z -> 1.
    """
    total = np.ones_like(z)
    term = np.ones_like(z)
    # A term can be tiny just before (A+k) or (B+k) changes sign: do not stop there.
    settle = max(0.0, float(np.max(-A)), float(np.max(-B))) + 1
    for k in range(_SERIES_MAX_TERMS):
        term = term * ((A + k) * (B + k) / ((C + k) * (k + 1)) * z)
        total = total + term
        if k > settle and np.all(np.abs(term) <= 1e-17 * np.abs(total)):
            return total
    raise FloatingPointError("the hypergeometric series did not converge")


def expected_purchases(
    fit: BgNbdFit, t: ArrayLike, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> FloatArray:
    """E[number of purchases in the next t periods | x, t_x, T] (conditional expectation).

    ``t`` may be a scalar or broadcast against the customers (e.g. ``t[:, None]`` for a
    table of horizons).
    """
    x, t_x, big_t = customer_history(frequency, recency, T)
    horizon = horizon_time(t)
    return _probability_alive(fit, x, t_x, big_t) * _purchases_if_alive(fit, horizon, x, big_t)


def expected_purchases_new_customer(fit: BgNbdFit, t: ArrayLike) -> FloatArray:
    """E[X(t)]: expected repeat purchases in the first t periods of a newly acquired customer.

    This is the unconditional expectation used for population forecasts (e.g. the
    tracking plots of the paper: sum it over cohorts by their time since
    acquisition). It is the alive-customer expectation at x = 0, T = 0, times the chance of
    surviving the first purchase (1 under BG/NBD). The result has the shape of ``t``.
    """
    horizon = horizon_time(t)
    zero = np.zeros(1)
    survive = _probability_alive(fit, zero, zero, zero)
    return (survive * _purchases_if_alive(fit, horizon, zero, zero)).reshape(horizon.shape)


def next_purchase_time(
    fit: BgNbdFit,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    *,
    quantile: float = 0.5,
) -> FloatArray:
    """Time after T by which an *alive* customer makes the next purchase with probability ``quantile``.

    Given the customer is alive at T, their rate has the posterior Gamma(r+x, alpha+T)
    (dropout only happens right after a purchase, so it does not shorten the wait),
    and the waiting time is Lomax: P(W > w) = ((alpha+T)/(alpha+T+w))^(r+x). The
    median (default) is returned rather than the mean because the mean,
    (alpha+T)/(r+x-1), is infinite whenever r+x <= 1, which is common for
    one-time buyers. Add the result to the observation end to get a date; combine
    with ``probability_alive`` for how much to trust it. ``recency`` does not
    change the answer (given alive) but is validated like everywhere else.
    """
    if not 0.0 < quantile < 1.0:
        raise ValueError("quantile must be strictly between 0 and 1")
    x, _, big_t = customer_history(frequency, recency, T)
    return (fit.alpha + big_t) * np.expm1(-np.log1p(-quantile) / (fit.r + x))


def probability_of_order_within(
    fit: BgNbdFit, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, horizon: float
) -> FloatArray:
    """P(at least one purchase in (T, T + horizon]), dropout included.

    Dropout happens only right after a purchase, so an alive customer's wait for the next one
    is Lomax (see ``next_purchase_time``): P = P(alive) (1 - ((alpha+T)/(alpha+T+h))^(r+x)).
    """
    x, t_x, big_t = customer_history(frequency, recency, T)
    return _probability_of_order_within(fit, x, t_x, big_t, float(horizon))


def _probability_of_order_within(
    fit: BgNbdFit, x: FloatArray, t_x: FloatArray, T: FloatArray, horizon: float
) -> FloatArray:
    if not (np.isfinite(horizon) and horizon > 0):
        raise ValueError("horizon must be a positive number of time units")
    silent_if_alive = np.exp((fit.r + x) * (np.log(fit.alpha + T) - np.log(fit.alpha + T + horizon)))
    return _probability_alive(fit, x, t_x, T) * -np.expm1(np.log(silent_if_alive))


def median_next_order(fit: BgNbdFit, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> FloatArray:
    """Time after T by which the next purchase has happened with probability 1/2, over all
    outcomes (the customer may have dropped out: then there is none). Infinite when
    P(alive) <= 1/2, since even an endless wait does not reach even odds.
    """
    x, t_x, big_t = customer_history(frequency, recency, T)
    return _median_next_order(fit, x, t_x, big_t)


def _median_next_order(fit: BgNbdFit, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    alive = _probability_alive(fit, x, t_x, T)
    reachable = alive > 0.5
    # P(alive) (1 - ((alpha+T)/(alpha+T+w))^(r+x)) = 1/2  =>  w = (alpha+T) ((1 - 1/(2 P))^(-1/(r+x)) - 1)
    remaining = np.where(reachable, 1.0 - 0.5 / np.where(reachable, alive, 1.0), 1.0)
    wait = (fit.alpha + T) * np.expm1(-np.log(remaining) / (fit.r + x))
    return np.where(reachable, wait, np.inf)
