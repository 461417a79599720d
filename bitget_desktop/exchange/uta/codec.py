"""Sans-I/O codec for the few Bitget v3 (UTA) payloads the client reads: settings, assets, key info."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bitget_desktop.domain.trading import PositionMode
from bitget_desktop.exchange.classic.codec import dec
from bitget_desktop.exchange.models import (
    AccountFamily,
    KeyPermissions,
    UnifiedAccountSettings,
    UnifiedAssets,
    UnifiedCoinAsset,
)

Json = Mapping[str, Any]


def parse_settings(data: Json) -> UnifiedAccountSettings:
    hold = data.get("holdMode")
    try:
        hold_mode = PositionMode.parse(hold) if hold else None
    except ValueError:
        hold_mode = None
    return UnifiedAccountSettings(
        uid=str(data.get("uid", "")),
        account_mode=str(data.get("accountMode", "")),
        asset_mode=data.get("assetMode"),
        account_level=data.get("accountLevel"),
        hold_mode=hold_mode,
    )


def parse_assets(data: Json) -> UnifiedAssets:
    assets = tuple(
        UnifiedCoinAsset(
            coin=str(a["coin"]),
            equity=dec(a.get("equity")),
            balance=dec(a.get("balance")),
            available=dec(a.get("available")),
            locked=dec(a.get("locked")),
            debt=dec(a.get("debt")),
            usd_value=dec(a.get("usdValue")),
        )
        for a in data.get("assets") or []
    )
    return UnifiedAssets(
        account_equity=dec(data.get("accountEquity")),
        usdt_equity=dec(data.get("usdtEquity")),
        unrealized_pl=dec(data.get("unrealisedPnl")),
        effective_equity=dec(data.get("effEquity")),
        assets=assets,
    )


def parse_key_permissions(data: Json) -> KeyPermissions:
    perms = data.get("permissions") or []
    ips = data.get("ips") or ""
    ip_list = ips if isinstance(ips, list) else str(ips).split(",")
    return KeyPermissions(
        user_id=str(data.get("userId", "")),
        permissions=frozenset(str(p).strip().lower() for p in perms if str(p).strip()),
        ips=tuple(p.strip() for p in ip_list if str(p).strip()),
        family=AccountFamily.UNIFIED,
    )
