"""Parsing what people type or paste into a money field into a Decimal, or a plain reason why not (no Qt)."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = ["FieldError", "parse_amount", "fmt", "MAX_INPUT_CHARS", "MAX_VALUE"]

MAX_INPUT_CHARS = 40
MAX_VALUE = Decimal("1e15")
MAX_DECIMALS = 18

# Thousands separators we accept when they group digits by three (pasted "1,234.5", "1 234.5", "1'234.5").
_SEPARATORS = ",' _\u00a0\u202f\u2009"
_PLAIN = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)\Z")
_GROUPED = {sep: re.compile(r"\d{1,3}(?:" + re.escape(sep) + r"\d{3})+(?:\.\d*)?\Z") for sep in _SEPARATORS}


class FieldError(ValueError):
    """A ticket field that cannot be used: ``field`` names it, ``reason`` is shown next to it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _ascii_digits(text: str) -> str:
    """NFKC (full-width digits and dots), then any other Unicode decimal digit to its ASCII digit."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        if ch.isdecimal() and not ("0" <= ch <= "9"):
            out.append(str(unicodedata.decimal(ch)))
        elif unicodedata.category(ch) == "Cf":  # zero-width and direction marks pasted along with numbers
            continue
        else:
            out.append(ch)
    return "".join(out)


def parse_amount(text: str | None, field: str) -> Decimal | None:
    """The number in ``text`` (None when the field is empty); raise FieldError for anything else.

    Accepts ASCII or other Unicode decimal digits, a '.' decimal point, a leading '+', surrounding whitespace and
    thousands separators that group by three. Rejects signs other than a leading '+', exponents, NaN/Infinity,
    a ',' used as a decimal point, more than MAX_DECIMALS decimals, values above MAX_VALUE and over-long input.
    """
    if text is None:
        return None
    if len(text) > 4 * MAX_INPUT_CHARS:
        raise FieldError(field, "too long to be a number")
    s = _ascii_digits(text).strip()
    if not s:
        return None
    if len(s) > MAX_INPUT_CHARS:
        raise FieldError(field, "too long to be a number")
    if s[0] in "-\u2212":
        raise FieldError(field, "must be positive")
    if s[0] == "+":
        s = s[1:].lstrip()
    if not _PLAIN.match(s):
        for sep, pattern in _GROUPED.items():
            if sep in s and pattern.match(s):
                s = s.replace(sep, "")
                break
        else:
            if re.fullmatch(r"\d+,\d+", s):
                raise FieldError(field, "use '.' as the decimal point")
            raise FieldError(field, "not a number")
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the patterns above only let plain decimals through
        raise FieldError(field, "not a number") from None
    if "." in s and len(s.split(".", 1)[1]) > MAX_DECIMALS:
        raise FieldError(field, f"more than {MAX_DECIMALS} decimals")
    if value > MAX_VALUE:
        raise FieldError(field, "too large")
    return value


def fmt(value: Decimal | None, places: int | None = None) -> str:
    """A Decimal as plain text (never scientific), fixed to ``places`` when given."""
    if value is None:
        return ""
    if places is not None:
        return f"{value:.{max(places, 0)}f}"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
