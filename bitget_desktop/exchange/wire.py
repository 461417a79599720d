"""Scalar conversions both API families' codecs share: wire strings <-> Decimal, int ms, enums, flags and levels."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any, ParamSpec, Protocol, TypeVar

from bitget_desktop.domain.errors import MalformedResponse

__all__ = ["dec", "opt_dec", "ms", "opt_int", "level_strings", "enum_or_none", "yes", "dec_text", "parser",
           "PARSE_ERRORS"]

_ZERO = Decimal(0)
MAX_EXPONENT = 30  # no price, size or amount on Bitget is near 1e30 or 1e-30
# What reading a wrong-typed or incomplete answer raises in Python: each becomes a MalformedResponse.
PARSE_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, ArithmeticError)

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


def parser(fn: Callable[P, R]) -> Callable[P, R]:
    """Mark a wire -> domain function as a boundary: it returns its value or raises MalformedResponse, nothing else."""

    @functools.wraps(fn)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except PARSE_ERRORS as exc:
            raise MalformedResponse("", f"{fn.__name__}: {type(exc).__name__}: {str(exc)[:120]}") from None

    return checked


def dec(value: Any, default: Decimal = _ZERO) -> Decimal:
    """Decimal from a wire string or number ("" / None -> default); floats go through str() to stay exact-ish."""
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise TypeError(f"a number was expected, not {type(value).__name__}")
    out = value if isinstance(value, Decimal) else Decimal(value if isinstance(value, str) else str(value))
    if not out.is_finite():
        raise ValueError(f"non-finite number {value!r:.30}")
    if out and not -MAX_EXPONENT <= out.adjusted() <= MAX_EXPONENT:
        raise ValueError(f"number out of range {value!r:.30}")  # finite as a Decimal, infinite as a float
    return out


def opt_dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return dec(value)


def opt_price(value: Any) -> Decimal | None:
    """A price Bitget may leave unset: "" or 0 (an attached TP/SL that was not given, a liquidation price of a
    position that cannot be liquidated) is None."""
    price = opt_dec(value)
    return price if price is not None and price > 0 else None


def ms(value: Any, default: int = 0) -> int:
    """Integer milliseconds from an int or digit text ("" / None -> default)."""
    if value is None or value == "":
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"a time in ms was expected, not {type(value).__name__}")
    return int(value)


def opt_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(dec(value))


def level_strings(levels: Iterable[Sequence[Any]]) -> list[list[str]]:
    """Book levels as [[price_str, size_str]]; numbers (mix merge-depth) are turned into their text."""
    out = []
    for lvl in levels:
        p, s = lvl[0], lvl[1]
        out.append([p if isinstance(p, str) else repr(p), s if isinstance(s, str) else repr(s)])
    return out


class Parses(Protocol[T_co]):
    """A domain enum class: `parse(text)` gives a member or raises ValueError."""

    def parse(self, value: str, /) -> T_co: ...


def enum_or_none(enum: Parses[T], value: Any) -> T | None:
    """`enum.parse(value)`, or None for an empty or unknown value."""
    if value is None or value == "":
        return None
    try:
        return enum.parse(value)
    except ValueError:
        return None


def yes(value: Any) -> bool:
    """Bitget's yes/no flags ("yes", "true", "1" in any case) as a bool."""
    return str(value).strip().lower() in ("yes", "true", "1")


def dec_text(value: Decimal) -> str:
    """Plain decimal text (never exponent notation) for the wire."""
    return format(value, "f")
