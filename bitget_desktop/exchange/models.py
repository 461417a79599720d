"""Small client-side result values that are not domain objects: order acks, batch results, key and account facts."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from bitget_desktop.domain.errors import BitgetError
from bitget_desktop.domain.market import ProductType
from bitget_desktop.domain.trading import HoldSide, MarginMode, PositionMode

__all__ = [
    "AccountFamily",
    "BatchFailure",
    "BatchResult",
    "KeyPermissions",
    "LeverageInfo",
    "OrderAck",
    "TpslPlan",
    "UnifiedAccountSettings",
    "UnifiedAssets",
    "UnifiedCoinAsset",
    "UnifiedSymbolConfig",
]


class AccountFamily(StrEnum):
    CLASSIC = "classic"   # API v2
    UNIFIED = "unified"   # Unified Trading Account, API v3


@dataclass(frozen=True, slots=True)
class OrderAck:
    """Bitget's answer to a place/cancel: ids only (fetch the order for its state)."""

    order_id: str | None
    client_oid: str | None
    symbol: str | None = None


@dataclass(frozen=True, slots=True)
class TpslPlan:
    """A pending take-profit or stop-loss trigger order on a futures position (v2 orders-plan-pending, profit_loss).

    `plan_type` is Bitget's: pos_profit / pos_loss cover the whole position, profit_plan / loss_plan a part of it
    (`size`), moving_plan is a trailing stop (its trigger moves and is not drawn as a fixed price)."""

    order_id: str
    symbol: str
    product_type: ProductType
    plan_type: str
    hold_side: HoldSide
    trigger_price: Decimal
    size: Decimal | None
    c_time: int

    @property
    def take_profit(self) -> bool:
        return self.plan_type in ("pos_profit", "profit_plan")

    @property
    def stop_loss(self) -> bool:
        return self.plan_type in ("pos_loss", "loss_plan")


@dataclass(frozen=True, slots=True)
class BatchFailure:
    order_id: str | None
    client_oid: str | None
    error: BitgetError


@dataclass(frozen=True, slots=True)
class BatchResult:
    succeeded: list[OrderAck] = field(default_factory=list)
    failed: list[BatchFailure] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class KeyPermissions:
    """What an API key may do, as Bitget reports it (v2 `authorities` or v3 `permissions`)."""

    user_id: str
    permissions: frozenset[str]
    ips: tuple[str, ...] = ()
    family: AccountFamily = AccountFamily.CLASSIC

    @property
    def can_withdraw(self) -> bool:
        """True if the key may withdraw: the wizard warns the user to use a key without it.

        v3 says "withdraw"; v2 `authorities` use short codes where "ww.." is wallet withdrawal (e.g. "wwow").
        """
        return any("withdraw" in p or p.startswith("ww") for p in self.permissions)

    @property
    def can_trade(self) -> bool:
        """v3 "uta_trade"; v2 read-write spot/futures order codes ("stow", "coow")."""
        return any("trade" in p or p in ("stow", "coow", "cpow") for p in self.permissions)

    @property
    def ip_bound(self) -> bool:
        return bool(self.ips)


@dataclass(frozen=True, slots=True)
class LeverageInfo:
    """Leverage and margin mode of one futures symbol as returned by set-leverage / set-margin-mode."""

    symbol: str
    margin_coin: str | None
    long_leverage: int | None
    short_leverage: int | None
    cross_leverage: int | None
    margin_mode: MarginMode | None


@dataclass(frozen=True, slots=True)
class UnifiedSymbolConfig:
    """One entry of the settings' `symbolConfigList`: a futures symbol's margin mode and leverage."""

    product_type: ProductType
    symbol: str
    margin_mode: MarginMode | None
    leverage: int | None


@dataclass(frozen=True, slots=True)
class UnifiedAccountSettings:
    """GET /api/v3/account/settings: `account_mode` is hybrid | unified | upgrading | switching."""

    uid: str
    account_mode: str
    asset_mode: str | None
    account_level: str | None
    hold_mode: PositionMode | None
    symbol_configs: tuple[UnifiedSymbolConfig, ...] = ()

    @property
    def is_switching(self) -> bool:
        """An upgrade or a switch back to classic is in progress: trading should pause."""
        return self.account_mode in ("upgrading", "switching")


@dataclass(frozen=True, slots=True)
class UnifiedCoinAsset:
    coin: str
    equity: Decimal
    balance: Decimal
    available: Decimal
    locked: Decimal
    debt: Decimal
    usd_value: Decimal


@dataclass(frozen=True, slots=True)
class UnifiedAssets:
    """GET /api/v3/account/assets: one wallet for spot and futures."""

    account_equity: Decimal
    usdt_equity: Decimal
    unrealized_pl: Decimal
    effective_equity: Decimal
    assets: tuple[UnifiedCoinAsset, ...]
    initial_margin: Decimal = Decimal(0)
    maintenance_margin: Decimal = Decimal(0)
