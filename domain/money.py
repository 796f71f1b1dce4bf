"""Money as the business states it: whole minor units (cents) of an ISO 4217 currency, never floats."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from domain.values import NoNul

__all__ = ["CURRENCIES", "Currency", "CurrencyCode", "MinorUnits", "require_currency"]

CURRENCIES = frozenset({
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF", "BMD",
    "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUP",
    "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP",
    "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD",
    "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD",
    "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN",
    "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB",
    "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL",
    "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VED", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
})
"""The circulating currencies of ISO 4217 (list one, 2026): no funds, precious metals or test codes."""


def require_currency(code: str) -> str:
    """The code, if it is a circulating currency's; a ValueError saying what is expected otherwise."""
    if code not in CURRENCIES:
        raise ValueError(f"{code} is not a circulating ISO 4217 currency code (such as EUR, USD, GBP)")
    return code


CurrencyCode = Annotated[str, StringConstraints(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$"), NoNul]
"""Three capital letters, as an event stores a currency (the list of currencies is checked when recorded)."""

Currency = Annotated[CurrencyCode, AfterValidator(require_currency)]
"""An ISO 4217 alphabetic code of a circulating currency, in capitals (`EUR`), as a command takes it."""

MinorUnits = Annotated[int, Field(strict=True, ge=1, le=10**13)]
"""A positive amount in the currency's minor unit (cents for EUR): an integer, never a float."""
