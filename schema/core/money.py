"""Money as ``{amount, currencyCode}``: amount a decimal string in the currency's minor unit."""

from __future__ import annotations

from decimal import Decimal

import strawberry

# ISO 4217 currencies whose minor unit is not 2 digits; everything else has 2.
_EXPONENTS = {
    **dict.fromkeys(
        (
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ),
        0,
    ),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def minor_unit(currency: str) -> int:
    return _EXPONENTS.get(currency.upper(), 2)


@strawberry.type(description="An amount with its currency; amount is a decimal string, never a float")
class Money:
    amount: Decimal
    currency_code: str

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> Money:
        """Shown in the currency's minor unit, keeping any extra precision that is really there."""
        places = Decimal(10) ** -minor_unit(currency)
        shown = amount.quantize(places) if amount == amount.quantize(places) else amount.normalize()
        return cls(amount=shown, currency_code=currency.upper())
