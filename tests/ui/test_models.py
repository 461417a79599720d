"""The blotter, book, trades and symbol models hold plain records and pass qtmodeltester."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D
from typing import Any

from PySide6.QtCore import Qt

from bitget_desktop.domain.market import Instrument, ProductType, PublicTrade, Ticker
from bitget_desktop.domain.trading import (
    Balance,
    Fill,
    FuturesAccount,
    HoldSide,
    MarginMode,
    Order,
    OrderStatus,
    OrderType,
    Position,
    PositionMode,
    Side,
    TimeInForce,
    TradeSide,
)
from bitget_desktop.ui.models import (
    BalancesModel,
    BookModel,
    FillsModel,
    OpenOrdersModel,
    OrderHistoryModel,
    PositionsModel,
    SymbolFilterModel,
    SymbolsModel,
    TradesModel,
)

T0 = 1_700_000_000_000


def order(i: int, status: OrderStatus = OrderStatus.LIVE, pt: ProductType = ProductType.SPOT) -> Order:
    return Order(
        order_id=f"o{i}", client_oid=f"c{i}", symbol="BTCUSDT", product_type=pt, side=Side.BUY if i % 2 else Side.SELL,
        order_type=OrderType.LIMIT, force=TimeInForce.GTC, price=D("50000.5") + i, size=D("0.01"),
        filled_size=D("0"), avg_price=None, status=status, trade_side=TradeSide.OPEN if pt.is_futures else None,
        pos_side=None, reduce_only=False, fee=D("0"), c_time=T0 + i, u_time=T0 + i,
    )


def fill(i: int) -> Fill:
    return Fill(trade_id=f"t{i}", order_id=f"o{i}", symbol="BTCUSDT", product_type=ProductType.SPOT, side=Side.BUY,
                price=D("50000"), size=D("0.001"), fee=D("-0.05"), fee_coin="USDT", maker=bool(i % 2), ts=T0 + i,
                profit=D("1.5") if i % 2 else None)


def position(side: HoldSide) -> Position:
    return Position(symbol="BTCUSDT", product_type=ProductType.USDT_FUTURES, hold_side=side, size=D("0.5"),
                    available=D("0.5"), entry_price=D("50000"), mark_price=D("50100"), unrealized_pl=D("-12.5"),
                    margin=D("2500"), leverage=10, liquidation_price=D("45000"), margin_mode=MarginMode.CROSSED,
                    pos_mode=PositionMode.HEDGE, c_time=T0)


def instrument(symbol: str, pt: ProductType) -> Instrument:
    return Instrument(symbol=symbol, product_type=pt, base_coin=symbol[:-4], quote_coin="USDT", tick_size=D("0.1"),
                      lot_size=D("0.0001"), min_size=D("0.0001"), min_notional=D("5"), price_places=1,
                      size_places=4, maker_fee_rate=D("0.001"), taker_fee_rate=D("0.001"))


def ticker(symbol: str, pt: ProductType, last: str) -> Ticker:
    return Ticker(symbol=symbol, product_type=pt, last=D(last), bid=D(last), ask=D(last), bid_size=D(1),
                  ask_size=D(1), high_24h=D(last), low_24h=D(last), open_24h=D("100"), base_volume=D("10"),
                  quote_volume=D("1234567"), ts=T0)


def check(qtmodeltester: Any, model: Any) -> None:
    qtmodeltester.check(model, force_py=True)


def test_order_models(qtmodeltester: Any) -> None:
    m = OpenOrdersModel()
    m.set_records([order(i) for i in range(5)])
    check(qtmodeltester, m)  # also watches every later change
    assert m.rowCount() == 5
    assert m.data(m.index(0, 5)) == "50000.5"
    assert m.data(m.index(0, 3), Qt.ItemDataRole.ForegroundRole) is not None
    m.set_records([order(i) for i in range(5)])  # same keys: only dataChanged
    m.set_records([order(i) for i in range(2)])
    assert m.rowCount() == 2


def test_order_history(qtmodeltester: Any) -> None:
    h = OrderHistoryModel()
    h.set_records([order(i, OrderStatus.FILLED, ProductType.USDT_FUTURES) for i in range(3)])
    check(qtmodeltester, h)
    assert h.data(h.index(0, 3)) == "Open short"  # intent, with the raw fields in the tooltip
    assert h.data(h.index(0, 3), Qt.ItemDataRole.ToolTipRole) == "side=sell · tradeSide=open · reduceOnly=no"


def test_fills(qtmodeltester: Any) -> None:
    f = FillsModel()
    f.set_records([fill(i) for i in range(4)])
    check(qtmodeltester, f)
    assert f.data(f.index(0, 6)) == "-0.05 USDT"


def test_positions(qtmodeltester: Any) -> None:
    p = PositionsModel()
    p.set_records([position(HoldSide.LONG), position(HoldSide.SHORT)])
    check(qtmodeltester, p)
    assert p.data(p.index(0, 7)) == "10x"


def test_balances(qtmodeltester: Any) -> None:
    b = BalancesModel()
    b.set_records([Balance("USDT", D("1000"), D("10"), D("0")),
                   FuturesAccount("USDT", D("500"), D("600"), D("100"), D("500"))])
    check(qtmodeltester, b)
    assert [b.data(b.index(r, 0)) for r in range(2)] == ["Spot", "Futures"]
    b.set_records([Balance("USDT", D("159436.12376377629"), D("0"), D("0")),
                   Balance("BTC", D("0.123456789123"), D("0"), D("0"))])
    assert [b.data(b.index(r, 2)) for r in range(2)] == ["159436.12", "0.12345678"]  # never shown larger


def test_fills_and_positions_at_instrument_precision(qtmodeltester: Any) -> None:
    inst = instrument("BTCUSDT", ProductType.USDT_FUTURES)
    f = FillsModel()
    f.instrument_of = lambda key: inst if key == "USDT-FUTURES:BTCUSDT" else None
    f.set_records([replace(fill(0), product_type=ProductType.USDT_FUTURES, price=D("120995.47406742"),
                           fee=D("-6.29382240333"), fee_coin="USDT", profit=D("12.345678"))])
    check(qtmodeltester, f)
    assert [f.data(f.index(0, c)) for c in (4, 6, 8)] == ["120995.5", "-6.2938 USDT", "12.3457 USDT"]


def test_book_model_ladder(qtmodeltester: Any) -> None:
    m = BookModel(depth=3)
    m.set_levels([(D("99"), D("1")), (D("98"), D("2"))], [(D("101"), D("1")), (D("102"), D("3")), (D("103"), D("1"))])
    check(qtmodeltester, m)
    prices = [m.data(m.index(r, 0)) for r in range(6)]
    assert prices == ["103", "102", "101", "99", "98", None]
    assert m.data(m.index(3, 2)) == "1" and m.data(m.index(4, 2)) == "3"  # cumulative
    m.set_places(2, 3)
    assert m.data(m.index(2, 0)) == "101.00"


def test_trades_model_caps_and_orders_newest_first(qtmodeltester: Any) -> None:
    m = TradesModel(limit=5)
    trades = [PublicTrade("BTCUSDT", f"x{i}", D("100") + i, D("1"), Side.BUY if i % 2 else Side.SELL, T0 + i)
              for i in range(8)]
    m.add_trades(trades[:3])
    m.add_trades(trades[3:])
    m.add_trades(trades[3:])  # duplicates ignored
    check(qtmodeltester, m)
    assert m.rowCount() == 5
    assert [m.record(r).trade_id for r in range(5)] == ["x7", "x6", "x5", "x4", "x3"]


def test_symbols_search_across_spot_and_perps(qtmodeltester: Any) -> None:
    m = SymbolsModel()
    m.set_records([instrument("BTCUSDT", ProductType.SPOT), instrument("ETHUSDT", ProductType.SPOT),
                   instrument("BTCUSDT", ProductType.USDT_FUTURES)])
    m.update_tickers([ticker("BTCUSDT", ProductType.SPOT, "110"), ticker("BTCUSDT", ProductType.USDT_FUTURES, "90")])
    assert m.data(m.index(0, 3)) == "+10.00%"
    assert m.data(m.index(2, 3)) == "-10.00%"
    proxy = SymbolFilterModel()
    proxy.setSourceModel(m)
    check(qtmodeltester, proxy)  # the proxy over the source: both are exercised
    proxy.set_search("btc")
    assert proxy.rowCount() == 2
    proxy.set_search("btc/usdt")
    assert proxy.rowCount() == 2
    proxy.set_market("Perp")
    assert proxy.rowCount() == 1
    proxy.set_search("")
    proxy.set_market("Spot")
    assert proxy.rowCount() == 2
