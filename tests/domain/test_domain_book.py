"""OrderBook merge, ordering, seq/pseq continuity and the signed CRC32 checksum."""

from __future__ import annotations

import zlib
from decimal import Decimal

import pytest

from bitget_desktop.domain.book import BookChecksumError, BookDataError, BookGapError, OrderBook, crc32_signed

from .conftest import load_fixture

D = Decimal


def test_crc32_signed_doc_vectors() -> None:
    assert crc32_signed("43231.1:4:43232.8:9:43231:6:43232.9:8") == -1504501796
    assert crc32_signed("3366.1:7:3366.8:9:3368:8:3372:8") == 831078360
    assert crc32_signed("") == 0


def test_checksum_of_doc_example_book() -> None:
    ob = OrderBook("BTCUSDT")
    ob.apply_snapshot([["43231.1", "4"], ["43231", "6"]], [["43232.8", "9"], ["43232.9", "8"]])
    assert ob.checksum() == -1504501796
    ob2 = OrderBook("ETHUSDT")
    ob2.apply_snapshot([["3366.1", "7"]], [["3366.8", "9"], ["3368", "8"], ["3372", "8"]])
    assert ob2.checksum() == 831078360  # one bid, three asks: bid1:ask1:ask2:ask3


def test_checksum_uses_received_strings_and_top_25_only() -> None:
    bids = [[f"{100 - i}.10", f"{i + 1}.000"] for i in range(30)]
    asks = [[f"{101 + i}.20", f"{i + 2}.50"] for i in range(3)]
    ob = OrderBook("X")
    ob.apply_snapshot(bids, asks)
    parts: list[str] = []
    for i in range(25):
        parts += bids[i]
        if i < len(asks):
            parts += asks[i]
    c = zlib.crc32(":".join(parts).encode())
    assert ob.checksum() == (c - 2**32 if c >= 2**31 else c)


def test_merge_ordering_replace_delete() -> None:
    ob = OrderBook("BTCUSDT")
    assert ob.stale and ob.best_bid() is None and ob.mid() is None
    ob.apply_snapshot(
        [["99", "1"], ["100", "2"], ["98.5", "3"]],
        [["102", "1"], ["101", "4"], ["103", "0"]],  # zero sizes in a snapshot are dropped
        seq=10,
        ts=1000,
    )
    assert not ob.stale and ob.seq == 10 and ob.ts == 1000
    assert ob.bids() == [(D("100"), D("2")), (D("99"), D("1")), (D("98.5"), D("3"))]
    assert ob.asks() == [(D("101"), D("4")), (D("102"), D("1"))]
    assert ob.best_bid() == (D("100"), D("2")) and ob.best_ask() == (D("101"), D("4"))
    assert ob.mid() == D("100.5") and ob.spread() == D("1")
    assert ob.apply_update([["100", "0"], ["99", "5"], ["99.5", "0.1"]], [["100.5", "7"], ["102", "0.000"]],
                           seq=11, pseq=10)
    assert ob.bids() == [(D("99.5"), D("0.1")), (D("99"), D("5")), (D("98.5"), D("3"))]
    assert ob.asks() == [(D("100.5"), D("7")), (D("101"), D("4"))]
    assert ob.bids(1) == [(D("99.5"), D("0.1"))] and ob.asks(0) == []
    assert ob.depth == (3, 2)
    # deleting an absent level is harmless
    ob.apply_update([["1", "0"]], [], seq=12, pseq=11)
    assert ob.depth == (3, 2) and ob.seq == 12


def test_prices_with_different_spellings_are_one_level() -> None:
    ob = OrderBook("X")
    ob.apply_snapshot([["100.10", "1"]], [])
    ob.apply_update([["100.1", "2"]], [])
    assert ob.bids() == [(D("100.1"), D("2"))]
    assert ob.checksum() == crc32_signed("100.1:2")


def test_gap_marks_stale_until_next_snapshot() -> None:
    ob = OrderBook("X")
    ob.apply_snapshot([["1", "1"]], [["2", "1"]], seq=5)
    with pytest.raises(BookGapError, match="pseq 6 does not follow seq 5"):
        ob.apply_update([["1", "3"]], [], seq=7, pseq=6)
    assert ob.stale
    assert ob.bids() == [(D("1"), D("1"))]  # the gapped update was not applied
    assert ob.apply_update([["1", "9"]], [], seq=8, pseq=7) is False  # ignored while stale
    assert ob.bids() == [(D("1"), D("1"))]
    ob.apply_snapshot([["1", "4"]], [["2", "1"]], seq=20)
    assert not ob.stale
    assert ob.apply_update([["1", "5"]], [], seq=21, pseq=20)
    assert ob.best_bid() == (D("1"), D("5"))


def test_string_seq_values_are_accepted() -> None:
    ob = OrderBook("X")
    ob.apply_snapshot([], [], seq="1343064377779269632")
    assert ob.apply_update([], [["2", "1"]], seq="1343064377779269633", pseq="1343064377779269632")
    assert ob.seq == 1343064377779269633


def test_checksum_mismatch_marks_stale() -> None:
    ob = OrderBook("X")
    ob.apply_snapshot([["43231.1", "4"], ["43231", "6"]], [["43232.8", "9"]])
    assert ob.apply_update([], [["43232.9", "8"]], checksum=-1504501796)
    with pytest.raises(BookChecksumError) as info:
        ob.apply_update([["43231", "7"]], [], checksum=-1504501796)
    assert info.value.expected == -1504501796 and info.value.actual == ob.checksum()
    assert ob.stale
    ob.apply_snapshot([["1", "1"]], [["2", "2"]])
    assert not ob.stale


def test_update_before_snapshot_is_ignored_and_invalidate() -> None:
    ob = OrderBook("X")
    assert ob.apply_update([["1", "1"]], []) is False
    assert ob.depth == (0, 0)
    ob.apply_snapshot([["1", "1"]], [])
    ob.invalidate()
    assert ob.stale and "stale=True" in repr(ob)


def test_futures_fixture_chain() -> None:
    snap = load_fixture("ws_books_snapshot_usdt_futures.json")
    u1 = load_fixture("ws_books_update_usdt_futures_1.json")
    u2 = load_fixture("ws_books_update_usdt_futures_2.json")
    ob = OrderBook(snap["arg"]["instId"], snap["arg"]["instType"])
    assert ob.apply_push(snap["action"], snap["data"][0])
    assert ob.seq == 427583461144 and ob.ts == 1789456510736
    assert ob.apply_push(u1["action"], u1["data"][0])
    assert ob.apply_push(u2["action"], u2["data"][0])
    assert ob.seq == 427583480664 and not ob.stale
    assert ob.best_bid() == (D("0.01038"), D("4311.15"))
    assert ob.best_ask() == (D("0.01039"), D("4499.23"))
    assert ob.bids() == [
        (D("0.01038"), D("4311.15")),
        (D("0.01037"), D("175152.28")),
        (D("0.01036"), D("463711.3")),
        (D("0.01035"), D("175053.47")),
        (D("0.00519"), D("30828.52")),
    ]
    assert ob.asks() == [(D("0.01039"), D("4499.23")), (D("0.0104"), D("116536.86")), (D("0.01042"), D("382403.68"))]


def test_futures_fixture_out_of_order_is_a_gap() -> None:
    snap = load_fixture("ws_books_snapshot_usdt_futures.json")
    u2 = load_fixture("ws_books_update_usdt_futures_2.json")
    ob = OrderBook("MAVUSDT")
    ob.apply_push("snapshot", snap["data"][0])
    with pytest.raises(BookGapError):
        ob.apply_push("update", u2["data"][0])
    assert ob.stale


def test_spot_fixtures() -> None:
    snap = load_fixture("ws_books5_spot_snapshot.json")
    ob = OrderBook("BTCUSDT")
    ob.apply_push(snap["action"], snap["data"][0])
    assert ob.best_bid() == (D("83715.69"), D("0.074435")) and ob.best_ask() == (D("83715.7"), D("2.145777"))
    assert ob.spread() == D("0.01")
    upd = load_fixture("ws_books_spot_update.json")
    # this update belongs to a different chain: continuity catches it
    with pytest.raises(BookGapError):
        ob.apply_push(upd["action"], upd["data"][0])


def test_cointr_checksum_fixture() -> None:
    msg = load_fixture("ws_books_update_with_checksum_cointr_clone.json")
    data = msg["data"][0]
    # The real checksum covers the whole (unrecorded) book: a local book missing those levels must be rejected.
    ob = OrderBook("BTCUSDT")
    ob.apply_snapshot([["86784.70", "0.5"]], [["86784.80", "0.1"]])
    with pytest.raises(BookChecksumError) as info:
        ob.apply_push(msg["action"], data)
    assert info.value.expected == -945116999
    # The delete of "86784.80" and the insert of "190000.00" were applied with the received strings.
    assert ob.asks() == [(D("190000.00"), D("0.00001"))]
    assert ob.checksum() == crc32_signed("86784.70:0.5:190000.00:0.00001")
    # Build a book in which the message's checksum must verify: compute it with the same rule, then replay.
    ok = OrderBook("BTCUSDT")
    ok.apply_snapshot([["86784.70", "0.5"]], [["86784.80", "0.1"]])
    shadow = OrderBook("BTCUSDT")
    shadow.apply_snapshot([["86784.70", "0.5"]], [["86784.80", "0.1"]])
    shadow.apply_update(data["bids"], data["asks"])
    assert ok.apply_push("update", dict(data, checksum=shadow.checksum()))


def test_snapshot_checksum_zero_is_not_checked() -> None:
    ob = OrderBook("X")
    assert ob.apply_push("snapshot", {"bids": [["1", "1"]], "asks": [], "checksum": 0, "ts": "5"})
    assert not ob.stale and ob.ts == 5


def test_large_random_stream_matches_reference_model() -> None:
    import random

    rnd = random.Random(3)
    ob = OrderBook("X")
    ref_b: dict[str, str] = {}
    ref_a: dict[str, str] = {}
    ob.apply_snapshot([], [], seq=0)
    for n in range(3000):
        bids, asks = [], []
        for _ in range(rnd.randint(0, 5)):
            side_is_bid = rnd.random() < 0.5
            cents = rnd.randint(1, 400) if side_is_bid else rnd.randint(401, 800)
            p = f"{cents // 100}.{cents % 100:02d}"
            s = "0" if rnd.random() < 0.35 else str(rnd.randint(1, 9999))
            (bids if side_is_bid else asks).append([p, s])
            ref = ref_b if side_is_bid else ref_a
            if s == "0":
                ref.pop(p, None)
            else:
                ref[p] = s
        rb = sorted(ref_b.items(), key=lambda kv: -D(kv[0]))
        ra = sorted(ref_a.items(), key=lambda kv: D(kv[0]))
        parts: list[str] = []
        for i in range(25):
            if i < len(rb):
                parts += rb[i]
            if i < len(ra):
                parts += ra[i]
        assert ob.apply_update(bids, asks, seq=n + 1, pseq=n, checksum=crc32_signed(":".join(parts)))
    assert ob.bids() == [(D(p), D(s)) for p, s in sorted(ref_b.items(), key=lambda kv: -D(kv[0]))]
    assert ob.asks() == [(D(p), D(s)) for p, s in sorted(ref_a.items(), key=lambda kv: D(kv[0]))]


def test_snapshot_accepts_numbers_from_rest() -> None:
    ob = OrderBook("BTCUSDT")
    ob.apply_snapshot([[26347.5, 0.25], [26347, 0]], [[26348.0, 1]])
    assert ob.bids() == [(D("26347.5"), D("0.25"))] and ob.asks() == [(D("26348.0"), D("1"))]


def test_rest_orderbook_fixture_as_snapshot() -> None:
    data = load_fixture("spot_market_orderbook.json")["data"]
    ob = OrderBook("BTCUSDT", "SPOT")
    ob.apply_push("snapshot", data)
    assert ob.best_bid() == (D("42604.36"), D("0.6160")) and ob.best_ask() == (D("42604.37"), D("0.6010"))
    assert ob.ts == 1706804094602 and ob.seq is None
    assert ob.checksum() == crc32_signed("42604.36:0.6160:42604.37:0.6010:42604.3:0.4400:42608.51:0.0127")


@pytest.mark.parametrize("level", [
    ["NaN", "1"], ["Infinity", "1"], ["-1", "1"], ["0", "1"], ["1e999", "1"], ["abc", "1"], ["", "1"], ["1.2.3", "1"],
    ["1", "NaN"], ["1", "-2"], ["1", "1e999"], ["1", "x"], ["1"], "1:1", "12", None, [True, "1"], [{}, "1"],
    ("1", None), [float("nan"), "1"],
])
def test_malformed_levels_never_enter_the_book(level) -> None:
    ob = OrderBook("X")
    ob.apply_snapshot([["10", "1"]], [["11", "1"]], seq=1)
    with pytest.raises(BookDataError):
        ob.apply_snapshot([["9", "1"], level], [["12", "1"]], seq=2)
    assert ob.stale and ob.seq == 1 and ob.bids() == [(D("10"), D("1"))]  # nothing of the bad snapshot was taken
    ob.apply_snapshot([["10", "1"]], [["11", "1"]], seq=3)
    with pytest.raises(BookDataError):
        ob.apply_update([["9", "5"]], [level], seq=4, pseq=3)
    assert ob.stale and ob.seq == 3  # stale: whatever of the update was merged is never shown
    ob.apply_snapshot([["10", "1"]], [["11", "1"]], seq=5)
    assert ob.bids() == [(D("10"), D("1"))] and ob.asks() == [(D("11"), D("1"))]


@pytest.mark.parametrize("fields", [{"seq": "x"}, {"pseq": "1.5"}, {"ts": "NaN"}, {"checksum": "abc"}, {"seq": -1},
                                    {"seq": True}, {"ts": [1]}])
def test_malformed_numbers_of_an_update_are_refused(fields) -> None:
    ob = OrderBook("X")
    ob.apply_snapshot([["10", "1"]], [["11", "1"]], seq=1)
    args = {"seq": 2, "pseq": 1, **fields}
    with pytest.raises(BookDataError):
        ob.apply_update([["9", "1"]], [], **args)
    assert ob.stale and ob.depth == (1, 1)  # the numbers are checked before any level is merged


def test_odd_spellings_of_a_number_are_that_number() -> None:
    """What float() reads as a finite number Decimal reads as the same one: such text is kept (for the checksum)."""
    ob = OrderBook("X")
    ob.apply_snapshot([[" 10", "1_0"]], [["+11", "١"]])
    assert ob.bids() == [(D("10"), D("10"))] and ob.asks() == [(D("11"), D("1"))]


def test_rest_numbers_and_digit_text_are_fine() -> None:
    ob = OrderBook("X")
    ob.apply_snapshot([[100, 1.5], ["99", "1e-05"]], [["101", 2]], seq="7", ts="1700000000000")
    assert ob.bids() == [(D("100"), D("1.5")), (D("99"), D("0.00001"))] and ob.seq == 7
    assert ob.apply_update([], [["101", "0"]], seq=8, pseq="7", checksum=str(crc32_signed("100:1.5:99:1e-05")))
