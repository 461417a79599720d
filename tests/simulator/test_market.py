"""MarketData as the engine sees it: books, prices, listeners, funding; and its determinism from the seed."""

from __future__ import annotations

from decimal import Decimal

from bitget_desktop.simulator.market import FUNDING_INTERVAL_MS, MarketData

T0 = 1_795_000_123_456


def make(seed: int = 7) -> tuple[MarketData, list[int]]:
    clock = [T0]
    m = MarketData(seed, clock=lambda: clock[0])
    m.advance(T0)
    return m, clock


def test_book_levels_for_the_engine():
    m, _ = make()
    for s in m.specs:
        bids, asks = m.book(s.product_type, s.symbol)
        assert len(bids) == len(asks) == 200
        assert all(isinstance(p, Decimal) and isinstance(q, Decimal) and q > 0 for p, q in bids + asks)
        assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
        assert [p for p, _ in asks] == sorted(p for p, _ in asks)
        assert bids[0][0] < asks[0][0]
        inst = s.to_instrument()
        assert all(inst.price_on_tick(p) and inst.size_on_lot(q) for p, q in bids[:20] + asks[:20])
        last = m.last_price(s.product_type, s.symbol)
        assert bids[0][0] <= last <= asks[0][0]
        assert abs(m.mark_price(s.product_type, s.symbol) / last - 1) < Decimal("0.002")
        assert abs(m.index_price(s.product_type, s.symbol) / last - 1) < Decimal("0.003")
    assert m.instrument_spec("usdt-futures", "btcusdt").max_leverage == 125
    assert m.instrument_spec("SPOT", "DOGEUSDT") is None


def test_listeners_see_every_trade_and_tick():
    m, clock = make()
    trades, ticks = [], []

    class Engine:
        def on_trade(self, product, symbol, price, size, side, ts):
            trades.append((product, symbol, price, size, side, ts))

        def on_tick(self, ts):
            ticks.append(ts)

    m.add_listener(Engine())
    for i in range(1, 51):
        clock[0] = T0 + i * 200
        m.advance(clock[0])
    assert ticks == [T0 + i * 200 for i in range(1, 51)]
    assert {(p, s) for p, s, *_ in trades} == {(s.product_type, s.symbol) for s in m.specs}
    assert all(isinstance(px, Decimal) and isinstance(q, Decimal) and side in ("buy", "sell")
               for _, _, px, q, side, _ in trades)
    tape = m.recent_trades("SPOT", "BTCUSDT", 1000)
    assert [t.ts for t in tape] == sorted((t.ts for t in tape), reverse=True)
    assert len({t.trade_id for t in tape}) == len(tape)


def test_same_seed_same_market():
    a, ca = make(5)
    b, cb = make(5)
    for i in range(1, 101):
        ca[0] = cb[0] = T0 + i * 200
        a.advance(ca[0])
        b.advance(cb[0])
    for s in a.specs:
        assert a.book_strings(s.product_type, s.symbol) == b.book_strings(s.product_type, s.symbol)
        assert a.recent_trades(s.product_type, s.symbol, 50) == b.recent_trades(s.product_type, s.symbol, 50)


def test_funding_schedule():
    m, _ = make()
    nxt = m.next_funding_time(T0)
    assert nxt % FUNDING_INTERVAL_MS == 0 and 0 < nxt - T0 <= FUNDING_INTERVAL_MS
    hist = m.funding_history("BTCUSDT", 10, now=T0)
    assert [t for t, _ in hist] == [nxt - (i + 1) * FUNDING_INTERVAL_MS for i in range(10)]
    assert all(Decimal("-0.003") <= r <= Decimal("0.003") for _, r in hist)
    assert m.funding_rate("BTCUSDT", T0) == m.funding_rate_at("BTCUSDT", nxt // FUNDING_INTERVAL_MS)


def test_long_pause_is_jumped_not_replayed():
    m, clock = make()
    clock[0] = T0 + 3_600_000
    m.advance(clock[0])
    assert m.now == clock[0]
    bids, asks = m.book("SPOT", "ETHUSDT")
    assert bids[0][0] < asks[0][0]
