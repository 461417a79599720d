"""Hostile values and JSON surgery shared by the hostile-input tests: what a broken server could send anywhere."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

# Values a broken or hostile server could put anywhere.
HOSTILE = [
    "NaN", "nan", "Infinity", "-Infinity", "inf", "1e999", "-1", "-0.5", "abc", "", " ", "1.2.3", "0x10", "1_000",
    "١٢٣", "\u0000", None, True, False, 0, -7, 1.5, float("1e308"), [], {}, [[]], ["1"], {"a": "b"}, "[]", "{}",
    2**70, -(2**70),
]


def json_paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (the root excluded) where a value can be swapped."""
    out = []
    items = doc.items() if isinstance(doc, dict) else enumerate(doc) if isinstance(doc, list) else ()
    for k, v in items:
        out.append((*prefix, k))
        out.extend(json_paths(v, (*prefix, k)))
    return out


def mutate(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    """Put `value` at `path` in `doc` (in place), or delete the key there when `delete` and it is a key."""
    parent = doc
    for k in path[:-1]:
        parent = parent[k]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


def finite(value: Any) -> bool:
    """Every Decimal reachable in a delivered domain value is finite."""
    if isinstance(value, Decimal):
        return value.is_finite()
    if dataclasses.is_dataclass(value):
        return all(finite(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, (list, tuple)):
        return all(finite(v) for v in value)
    return True
