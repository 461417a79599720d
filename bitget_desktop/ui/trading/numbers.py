"""Parsing what people type or paste into a money field into a Decimal, or a plain reason why not (no Qt)."""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_DOWN, Context, Decimal, InvalidOperation

from bitget_desktop.domain.market import Instrument

__all__ = ["FieldError", "parse_amount", "fmt", "fmt_down", "fmt_size", "coin_places", "MAX_INPUT_CHARS", "MAX_VALUE"]

MAX_INPUT_CHARS = 40
MAX_VALUE = Decimal("1e15")
MAX_DECIMALS = 18
WIDE = Context(prec=80)  # quantizing a product of two MAX_VALUE inputs must not overflow the default 28 digits

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


def _ungroup(s: str, field: str) -> str:
    """``s`` without its thousands separators when that is its only reading; FieldError when it has none or two."""
    used = {ch for ch in s if ch in _SEPARATORS}
    if len(used) > 1:
        raise FieldError(field, "mixed separators: type digits and one '.', e.g. 1234.5")
    if "," in s and "." not in s and re.fullmatch(r"\d+,\d+", s):
        # "0,001" can only be a decimal comma; "1,000" is a thousand or a decimal one: neither is ours to guess.
        if s.startswith("0") or len(s.split(",")[1]) != 3:
            raise FieldError(field, f"use '.' as the decimal point: {s.replace(',', '.')}")
        raise FieldError(field, f"{s.replace(',', '')} or {s.replace(',', '.')}? Type it without ','")
    if re.search(r"\d\.\d+,", s) or re.fullmatch(r"\d+(?:\.\d{3})+", s):
        raise FieldError(field, "'.' is the decimal point only: type 1234.5, not 1.234,5")
    for sep in used:
        if _GROUPED[sep].match(s) and not s.startswith("0"):
            return s.replace(sep, "")
    raise FieldError(field, "not a number: type digits and one '.', e.g. 0.001")


def parse_amount(text: str | None, field: str) -> Decimal | None:
    """The number in ``text`` (None when the field is empty); raise FieldError for anything else.

    A number is accepted only when it has one reading: ASCII or other Unicode decimal digits, a '.' decimal point, a
    leading '+', surrounding whitespace and one kind of thousands separator grouping by three from a non-zero first
    group ("1,234.5", "1 234 567"). Refused with a way to write it: "0,001" and "1,5" (a decimal comma), "1,000" (a
    thousand or one?), "1.000.000" and "1.234,5" (a grouping dot), mixed separators, signs other than a leading '+',
    exponents, NaN/Infinity, more than MAX_DECIMALS decimals, values above MAX_VALUE and over-long input.
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
        s = _ungroup(s, field)
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the patterns above only let plain decimals through
        raise FieldError(field, "not a number") from None
    if "." in s and len(s.split(".", 1)[1]) > MAX_DECIMALS:
        raise FieldError(field, f"more than {MAX_DECIMALS} decimals")
    if value > MAX_VALUE:
        raise FieldError(field, "too large")
    return value


def fmt_size(value: Decimal | None, places: int) -> str:
    """A size at most ``places`` decimals, trailing zeros dropped (0.001, not 0.001000)."""
    if value is None:
        return ""
    return fmt(value.quantize(Decimal(1).scaleb(-max(places, 0)), rounding=ROUND_DOWN, context=WIDE))


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


def fmt_down(value: Decimal | None, places: int) -> str:
    """``value`` to ``places`` decimals rounded toward zero: an amount available is never shown larger than it is."""
    if value is None:
        return ""
    return fmt(value.quantize(Decimal(1).scaleb(-max(places, 0)), rounding=ROUND_DOWN, context=WIDE), places)


QUOTE_DISPLAY_PLACES = 4  # fees and PnL in a quote or margin coin: enough for a fee on the smallest order


def coin_places(inst: Instrument | None, coin: str | None) -> int:
    """Decimals an amount of ``coin`` is shown with on ``inst``: its size precision for the base coin; for the quote
    or margin coin (fees, PnL) the quote precision when the exchange gives it, at most QUOTE_DISPLAY_PLACES."""
    if inst is None:
        return QUOTE_DISPLAY_PLACES
    if coin and coin == inst.base_coin:
        return int(inst.size_places)
    quote = inst.quote_places if inst.quote_places is not None else QUOTE_DISPLAY_PLACES
    return min(int(quote), QUOTE_DISPLAY_PLACES)
