"""Scalar conversions both API families' codecs share: wire strings <-> Decimal, int ms, enums, flags and levels."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

__all__ = ["dec", "opt_dec", "ms", "opt_int", "level_strings", "enum_or_none", "yes", "dec_text"]

_ZERO = Decimal(0)


def dec(value: Any, default: Decimal = _ZERO) -> Decimal:
    """Decimal from a wire string or number ("" / None -> default); floats go through str() to stay exact-ish."""
    if value is None or value == "":
        return default
    if isinstance(value, Decimal):
        return value
    return Decimal(value if isinstance(value, str) else str(value))


def opt_dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    return dec(value)


def ms(value: Any, default: int = 0) -> int:
    if value is None or value == "":
        return default
    return int(value)


def opt_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return int(Decimal(str(value)))


def level_strings(levels: Iterable[Sequence[Any]]) -> list[list[str]]:
    """Book levels as [[price_str, size_str]]; numbers (mix merge-depth) are turned into their text."""
    out = []
    for lvl in levels:
        p, s = lvl[0], lvl[1]
        out.append([p if isinstance(p, str) else repr(p), s if isinstance(s, str) else repr(s)])
    return out


def enum_or_none(enum: Any, value: Any) -> Any:
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
