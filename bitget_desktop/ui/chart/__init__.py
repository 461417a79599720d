"""Candlestick chart: store, items drawing only the visible range, indicators and the chart widget."""

from .candle_item import CandlestickItem
from .store import CandleStore
from .theme import DARK, LIGHT, ChartTheme
from .volume_item import VolumeItem
from .widget import ChartWidget, PriceLine, Readout

__all__ = [
    "CandleStore",
    "CandlestickItem",
    "ChartTheme",
    "ChartWidget",
    "DARK",
    "LIGHT",
    "PriceLine",
    "Readout",
    "VolumeItem",
]
