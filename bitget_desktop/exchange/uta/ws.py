"""Sans-I/O codec for Bitget websocket v3 private topics (unified account): subscription args and pushes.

The client keeps the v2 `Subscription` values (orders/fill/positions/account per product type) so callers do
not change; on a unified account they map onto the four account-wide topics (`instType: "UTA"`), and each push
is split back by the category of its items into (product type, v2 channel) groups.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bitget_desktop.domain.market import ProductType
from bitget_desktop.exchange.classic.ws import Subscription
from bitget_desktop.exchange.uta import codec
from bitget_desktop.exchange.wire import parser

__all__ = ["TOPICS", "topic_arg", "decode_push", "routes_to", "as_requested"]

as_requested = codec.as_requested

# v2 private channel -> v3 topic
TOPICS = {"orders": "order", "fill": "fill", "positions": "position", "account": "account"}
_CHANNEL_OF = {v: k for k, v in TOPICS.items()}
# ⚠ the recorded `position` push carries no `category`: USDT perpetuals are assumed then.
DEFAULT_POSITION_CATEGORY = ProductType.USDT_FUTURES


def topic_arg(sub: Subscription) -> dict[str, str]:
    """The v3 subscribe arg a v2 private subscription maps to."""
    topic = TOPICS.get(sub.channel)
    if topic is None:
        raise ValueError(f"{sub.channel!r} has no v3 private topic")
    return {"instType": "UTA", "topic": topic}


def routes_to(sub: Subscription, product: ProductType, channel: str) -> bool:
    """Whether items of (product, channel) belong to `sub` (demo product types match their real category)."""
    return sub.channel == channel and codec.category(sub.product_type) == product.value


@parser
def decode_push(topic: str, data: Sequence[Mapping[str, Any]]) -> list[tuple[ProductType, str, list[Any]]]:
    """A v3 private push -> [(product type, v2 channel, domain items)], one group per category present.

    `account` yields the wallet twice: as spot balances and as the USDT futures account (one wallet).
    """
    channel = _CHANNEL_OF.get(topic)
    if channel is None:
        return []
    if topic == "account":
        out: list[tuple[ProductType, str, list[Any]]] = []
        for d in data:
            assets = codec.parse_assets(d)
            out.append((ProductType.SPOT, channel, codec.parse_balances(assets)))
            out.append((ProductType.USDT_FUTURES, channel, [codec.parse_futures_account(assets, "USDT")]))
        return out
    groups: dict[ProductType, list[Any]] = {}
    for d in data:
        if topic == "order":
            item: Any = codec.parse_order(d)
        elif topic == "fill":
            item = codec.parse_fill(d)
        else:
            pt = codec.product_type(d["category"]) if d.get("category") else DEFAULT_POSITION_CATEGORY
            item = codec.parse_position(d, pt)
        groups.setdefault(item.product_type, []).append(item)
    if topic == "position" and not groups:
        groups[DEFAULT_POSITION_CATEGORY] = []  # "no open positions" is news too
    return [(pt, channel, items) for pt, items in groups.items()]
