"""When is there enough data to fit the models, and the statuses that say why not."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import ArrayLike

from insights.clv.validation import as_float_array

#: Below this many customers the four BG/NBD parameters are poorly determined: on
#: random subsamples of 200 CDNOW customers the median standard error of a and b is
#: already about as large as the estimate, and roughly one fit in seven runs off to
#: a -> inf, b -> inf (reported as not converged); at 500 customers both are halved.
MIN_CUSTOMERS_TO_FIT = 200
#: The dropout parameters (a, b) and all of Gamma-Gamma are learnt from repeat
#: buyers only, so a large store of one-time buyers is not enough on its own.
MIN_REPEAT_BUYERS_TO_FIT = 50


class ClvStatus(StrEnum):
    """Whether the data sufficed to fit BG/NBD + Gamma-Gamma, or why the heuristic was used."""

    SUFFICIENT = "sufficient"
    TOO_FEW_CUSTOMERS = "too_few_customers"
    TOO_FEW_REPEAT_BUYERS = "too_few_repeat_buyers"
    FIT_NOT_CONVERGED = "fit_not_converged"
    SPEND_MEAN_UNBOUNDED = "spend_mean_unbounded"
    HEURISTIC_REQUESTED = "heuristic_requested"


@dataclass(frozen=True)
class DataSufficiency:
    """Counts behind the decision, and ``status``: ``SUFFICIENT`` or the reason it is not."""

    n_customers: int
    n_repeat_buyers: int
    status: ClvStatus

    @property
    def enough(self) -> bool:
        return self.status == ClvStatus.SUFFICIENT


def assess_data(frequency: ArrayLike) -> DataSufficiency:
    """Whether the models can be fitted; callers fall back to the heuristic otherwise."""
    x = as_float_array(frequency, "frequency")
    n_customers, n_repeat = int(x.shape[0]), int(np.count_nonzero(x > 0))
    if n_customers < MIN_CUSTOMERS_TO_FIT:
        status = ClvStatus.TOO_FEW_CUSTOMERS
    elif n_repeat < MIN_REPEAT_BUYERS_TO_FIT:
        status = ClvStatus.TOO_FEW_REPEAT_BUYERS
    else:
        status = ClvStatus.SUFFICIENT
    return DataSufficiency(n_customers=n_customers, n_repeat_buyers=n_repeat, status=status)
