"""ISO 4217 codes a store can sell in: what program, earn-rate and exchange-rate currencies are checked against.

Funds, precious metals and test codes (XAU, XTS, XXX ...) are left out: nobody sells in them.
"""

from __future__ import annotations

import re

CURRENCIES = frozenset(
    """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN
BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS
GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW
KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD
NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD
SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES
VED VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
""".split()
)

_SHAPE = re.compile(r"^[A-Za-z]{3}$")


def currency_problem(code: str) -> str | None:
    """Why ``code`` is not a currency a program can use, or ``None`` when it is one."""
    if not _SHAPE.match(code):
        return f"{code!r} is not a currency code: use three letters, e.g. USD"
    if code.upper() not in CURRENCIES:
        return f"{code.upper()} is not an ISO 4217 currency code"
    return None
