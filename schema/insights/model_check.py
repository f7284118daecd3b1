"""The model check on the admin API: held-out weeks, predicted vs actual repeat orders per group."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry

from insights.model_check import ModelCheckStatus

strawberry.enum(
    ModelCheckStatus,
    name="ModelCheckStatus",
    description="Whether the history sufficed for a model check, or why there are no figures",
)


@strawberry.type(description="People with the same number of repeat orders before the held-out weeks")
class ModelCheckGroup:
    repeat_orders: int = strawberry.field(
        description="repeat orders before the held-out weeks; the last group is this many or more"
    )
    customers: int
    predicted: float = strawberry.field(description="mean orders per person the model expected in the held-out weeks")
    actual: float = strawberry.field(description="mean orders per person placed in the held-out weeks")


@strawberry.type(
    description="The purchase model fitted without the last weeks and compared with what happened in them, in one currency"
)
class ModelCheck:
    currency_code: str
    status: ModelCheckStatus
    model: str = strawberry.field(description="the purchase model checked, e.g. mbgnbd")
    holdout_weeks: int
    calibration_end: date = strawberry.field(description="the last day the check's fit saw")
    as_of: date = strawberry.field(description="the end of the held-out weeks")
    customers: int = strawberry.field(description="people with a purchase by the calibration end")
    repeat_buyers: int
    predicted_total: float | None = strawberry.field(
        description="repeat orders the model expected in the held-out weeks; null without figures"
    )
    actual_total: float | None
    groups: list[ModelCheckGroup] = strawberry.field(description="0, 1, ... 7+ repeat orders; empty without figures")

    @classmethod
    def of(cls, stored: dict[str, Any]) -> ModelCheck:
        return cls(
            currency_code=stored["currency"],
            status=ModelCheckStatus(stored["status"]),
            model=stored["model"],
            holdout_weeks=int(stored["holdout_weeks"]),
            calibration_end=date.fromisoformat(stored["calibration_end"]),
            as_of=date.fromisoformat(stored["as_of"]),
            customers=int(stored["customers"]),
            repeat_buyers=int(stored["repeat_buyers"]),
            predicted_total=stored["predicted_total"],
            actual_total=stored["actual_total"],
            groups=[
                ModelCheckGroup(
                    repeat_orders=int(g["repeat_orders"]),
                    customers=int(g["customers"]),
                    predicted=float(g["predicted"]),
                    actual=float(g["actual"]),
                )
                for g in stored["groups"]
            ],
        )
