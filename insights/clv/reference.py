"""Fits and heuristic pools as plain JSON, so a later run predicts new people exactly as the run
that fitted them would have (an incremental refresh predicts against the last full run's fits).

Floats are written as JSON numbers, whose shortest decimal form reads back as the same double;
the few values JSON cannot hold (NaN, infinities: a covariance the Hessian could not give, a pool
without repeat buyers) are written as the strings "nan", "inf" and "-inf".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from insights.clv.bgnbd import BgNbdFit, PurchaseModel
from insights.clv.forecast import ClvFits
from insights.clv.gamma_gamma import GammaGammaFit
from insights.clv.heuristic import HeuristicPool
from insights.clv.sufficiency import ClvStatus

_NOT_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


def _number(value: float) -> float | str:
    value = float(value)
    if math.isfinite(value):
        return value
    return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")


def _float(value: float | int | str) -> float:
    return _NOT_FINITE[value] if isinstance(value, str) else float(value)


def _matrix(rows: list[list[float | str]]) -> np.ndarray:
    return np.array([[_float(v) for v in row] for row in rows], dtype=np.float64)


def fits_to_json(fits: ClvFits) -> dict[str, Any]:
    """``fits`` (status, both fits or the heuristic pool) as a JSON-able dict."""
    out: dict[str, Any] = {"status": str(fits.status)}
    if fits.bgnbd is not None:
        bg = fits.bgnbd
        out["bgnbd"] = {
            **{name: _number(getattr(bg, name)) for name in (*bg.PARAM_NAMES, "log_likelihood", "n_customers")},
            "log_covariance": [[_number(v) for v in row] for row in bg.log_covariance.tolist()],
            "converged": bool(bg.converged),
            "model": str(bg.model),
        }
    if fits.gamma_gamma is not None:
        gg = fits.gamma_gamma
        out["gamma_gamma"] = {
            **{name: _number(getattr(gg, name)) for name in (*gg.PARAM_NAMES, "log_likelihood")},
            "n_customers": int(gg.n_customers),
            "log_covariance": [[_number(v) for v in row] for row in gg.log_covariance.tolist()],
            "converged": bool(gg.converged),
        }
    if fits.pool is not None:
        pool = fits.pool
        out["pool"] = {
            name: _number(getattr(pool, name)) for name in ("gap", "mean_spend", "spend_low", "spend_high", "level")
        }
    return out


def fits_from_json(value: dict[str, Any]) -> ClvFits:
    """The ``ClvFits`` that ``fits_to_json`` wrote, every float the same double."""
    bg = gg = pool = None
    if (b := value.get("bgnbd")) is not None:
        bg = BgNbdFit(
            r=_float(b["r"]),
            alpha=_float(b["alpha"]),
            a=_float(b["a"]),
            b=_float(b["b"]),
            log_likelihood=_float(b["log_likelihood"]),
            n_customers=_float(b["n_customers"]),
            log_covariance=_matrix(b["log_covariance"]),
            converged=bool(b["converged"]),
            model=PurchaseModel(b["model"]),
        )
    if (g := value.get("gamma_gamma")) is not None:
        gg = GammaGammaFit(
            p=_float(g["p"]),
            q=_float(g["q"]),
            gamma=_float(g["gamma"]),
            log_likelihood=_float(g["log_likelihood"]),
            n_customers=int(g["n_customers"]),
            log_covariance=_matrix(g["log_covariance"]),
            converged=bool(g["converged"]),
        )
    if (p := value.get("pool")) is not None:
        pool = HeuristicPool(*(_float(p[name]) for name in ("gap", "mean_spend", "spend_low", "spend_high", "level")))
    return ClvFits(ClvStatus(value["status"]), bg, gg, pool)
