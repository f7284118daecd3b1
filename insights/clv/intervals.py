"""Prediction intervals from the uncertainty of the fitted parameters.

Parameters are drawn from a multivariate normal on the log scale (the scale they
were fitted on) with the inverse-Hessian covariance, every prediction is
recomputed for each draw, and the interval is the central ``level`` range of the
results. This reflects estimation uncertainty only: it says how sure we are about a
customer's *expected* purchases or value, not how much an individual customer's
actual purchases will scatter around it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, TypeVar, cast

import numpy as np

from insights.clv.validation import FloatArray

DEFAULT_LEVEL = 0.9
DEFAULT_DRAWS = 200


class FittedModel(Protocol):
    PARAM_NAMES: ClassVar[tuple[str, ...]]

    @property
    def log_covariance(self) -> FloatArray: ...

    @property
    def params(self) -> FloatArray: ...


FitT = TypeVar("FitT", bound=FittedModel)


@dataclass(frozen=True, eq=False)
class Interval:
    """Point estimate (at the fitted parameters) and the central ``level`` interval around it."""

    point: FloatArray
    lower: FloatArray
    upper: FloatArray
    level: float


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError("level must be strictly between 0 and 1 (e.g. 0.9 for a 90% interval)")


def draw_fits(fit: FitT, n_draws: int, rng: np.random.Generator) -> list[FitT]:
    """``n_draws`` copies of ``fit`` with parameters drawn from its log-scale normal approximation."""
    if n_draws < 1:
        raise ValueError("n_draws must be at least 1")
    covariance = fit.log_covariance
    if not np.all(np.isfinite(covariance)):
        raise ValueError(
            "the fit has no usable covariance (its Hessian was not positive definite), so no interval can be drawn"
        )
    draws = np.exp(rng.multivariate_normal(np.log(fit.params), covariance, size=n_draws))
    return [
        dataclasses.replace(cast(Any, fit), **dict(zip(fit.PARAM_NAMES, map(float, row), strict=True))) for row in draws
    ]


def interval_from_draws(point: FloatArray, draws: FloatArray, level: float) -> Interval:
    """Central ``level`` percentile range over the first axis of ``draws``.

    Draws whose prediction is not finite (e.g. a Gamma-Gamma draw with q <= 1, whose
    mean spend is infinite) are left out. The range is widened to include the point
    estimate where needed: for strongly non-linear predictions the percentile range
    of the draws can miss the value at the fitted parameters, and an interval that
    excludes its own point estimate would only confuse.
    """
    _check_level(level)
    usable = draws[np.all(np.isfinite(draws.reshape(draws.shape[0], -1)), axis=1)]
    if usable.shape[0] == 0:
        raise ValueError("no parameter draw gave a finite prediction; the fit is too uncertain")
    tail = 100 * (1 - level) / 2
    lower, upper = np.percentile(usable, [tail, 100 - tail], axis=0)
    return Interval(
        point=point,
        lower=np.minimum(lower, point),
        upper=np.maximum(upper, point),
        level=level,
    )


def predict_with_interval(
    predict: Callable[..., FloatArray],
    fits: FittedModel | Sequence[FittedModel],
    *args: Any,
    level: float = DEFAULT_LEVEL,
    n_draws: int = DEFAULT_DRAWS,
    seed: int | np.random.Generator = 0,
    **kwargs: Any,
) -> Interval:
    """Run ``predict(*fits, *args, **kwargs)`` at the fit and over parameter draws.

    ``fits`` is one fit or a sequence of fits passed first, in order, e.g.
    ``predict_with_interval(probability_alive, bg, x, t_x, T)`` or
    ``predict_with_interval(customer_lifetime_value, (bg, gg), x, t_x, T, m, horizon=52,
    discount_rate=0.0)``. Fits are drawn independently (they come from separate
    likelihoods). A given ``seed`` always gives the same interval.
    """
    _check_level(level)
    models: list[FittedModel] = [cast(FittedModel, fits)] if hasattr(fits, "PARAM_NAMES") else list(fits)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    point = np.asarray(predict(*models, *args, **kwargs), dtype=np.float64)
    drawn = [draw_fits(model, n_draws, rng) for model in models]
    results = []
    for sampled in zip(*drawn, strict=True):
        try:
            results.append(np.asarray(predict(*sampled, *args, **kwargs), dtype=np.float64))
        except (ValueError, FloatingPointError):
            results.append(np.full_like(point, np.nan))
    return interval_from_draws(point, np.stack(results), level)
