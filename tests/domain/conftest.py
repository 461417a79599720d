"""Shared helpers for the domain tests: fixture loading and sample instruments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bitget_desktop.domain.market import Instrument, ProductType

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "bitget"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def contract(symbol: str, product_type: ProductType = ProductType.USDT_FUTURES) -> Instrument:
    name = {
        ProductType.USDT_FUTURES: "mix_market_contracts_usdt_futures.json",
        ProductType.USDC_FUTURES: "mix_market_contracts_usdc_futures.json",
    }[product_type]
    row = next(d for d in load_fixture(name)["data"] if d["symbol"] == symbol)
    return Instrument.from_contract(row, product_type)


def spot(symbol: str) -> Instrument:
    row = next(d for d in load_fixture("spot_public_symbols.json")["data"] if d["symbol"] == symbol)
    return Instrument.from_spot_symbol(row)


@pytest.fixture
def btc_perp() -> Instrument:
    return contract("BTCUSDT")


@pytest.fixture
def eth_perp() -> Instrument:
    return contract("ETHUSDT")


@pytest.fixture
def btc_spot() -> Instrument:
    return spot("BTCUSDT")


@pytest.fixture
def eth_spot() -> Instrument:
    return spot("ETHUSDT")
