"""ChartPanel: one chart with its toolbar (symbol, interval, indicators, follow-live), fed by its own CandleFeed."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QDockWidget, QVBoxLayout, QWidget

from bitget_desktop.domain.market import Instrument, ProductType, Timeframe
from bitget_desktop.domain.trading import Fill, Order, Position
from bitget_desktop.exchange.candle_cache import CandleCache
from bitget_desktop.exchange.candle_feed import CandleFeed, FeedState
from bitget_desktop.ui.chart import DARK, LIGHT, ChartWidget, PriceLine
from bitget_desktop.ui.chart_toolbar import LOWER, OVERLAYS, ChartToolbar, Overlay
from bitget_desktop.ui.models.records import fmt_decimal

__all__ = ["ChartDock", "ChartPanel", "Overlay", "OVERLAYS", "LOWER"]

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from bitget_desktop.ui.session import Session

DEFAULT_TIMEFRAME = Timeframe.M1


def _key(inst: Instrument) -> str:
    return f"{ProductType.parse(str(inst.product_type)).value}:{inst.symbol}"


def _market(inst: Instrument) -> str:
    return "Spot" if str(inst.product_type) == "SPOT" else "Perp"


class ChartPanel(QWidget):
    """A price + volume chart of one symbol and interval, bound to a Session.

    The panel owns a ``CandleFeed`` (cache, REST history, paging back, live bars, gap repair) through a task of
    the session; changing the symbol or the interval replaces the feed. With ``follow_session`` the panel shows
    the session's current symbol (the main chart); otherwise it keeps its own (extra chart docks). The user's open
    orders, positions (entry, liquidation) and fills on this symbol are drawn over the candles.
    """

    new_chart_requested = Signal()
    instrument_changed = Signal(object)  # Instrument
    price_picked = Signal(object)  # Decimal on the instrument's tick: a double-click on the price pane
    view_changed = Signal(dict)  # the user's interval / indicator choice, as `view_state()`

    def __init__(
        self,
        parent: QWidget | None = None,
        theme_mode: str = "dark",
        *,
        follow_session: bool = True,
        timeframe: Timeframe = DEFAULT_TIMEFRAME,
        cache: CandleCache | None = None,
        feed_window: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.follow_session = follow_session
        self.timeframe = timeframe
        self.cache = cache
        self.feed_window = feed_window
        self.session: Session | None = None
        self._instrument: Instrument | None = None
        self.feed: CandleFeed | None = None
        self._feed_task: asyncio.Task[Any] | None = None
        self._connections: list[tuple[SignalInstance, Callable[..., None]]] = []
        self.overlays: list[Overlay] = []
        self.lower_pane = "none"
        self.pick_symbol: Callable[[str], None] | None = None  # the window's symbol pick (remembers it), if any

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.toolbar = ChartToolbar(self)
        lay.addWidget(self.toolbar)
        tb = self.toolbar
        self.symbol_box, self.interval_box = tb.symbol_box, tb.interval_box
        self.indicator_button, self.indicator_menu = tb.indicator_button, tb.indicator_menu
        self.overlay_actions, self.lower_actions = tb.overlay_actions, tb.lower_actions
        self.loading_label, self.state_label = tb.loading_label, tb.state_label
        self.live_button, self.new_chart_button = tb.live_button, tb.new_chart_button
        self.symbol_box.activated.connect(self._on_symbol_picked)
        self.interval_box.currentIndexChanged.connect(self._on_interval_picked)
        for act in self.overlay_actions.values():
            act.toggled.connect(self._apply_indicators)
        tb.clear_action.triggered.connect(self.clear_overlays)
        for name, act in self.lower_actions.items():
            act.toggled.connect(lambda on, n=name: self._on_lower_toggled(n, on))
        self.live_button.clicked.connect(self._on_live_clicked)
        self.new_chart_button.clicked.connect(self.new_chart_requested)

        self.chart = ChartWidget(self, theme=DARK if theme_mode == "dark" else LIGHT, refresh_hz=10.0)
        self.chart.setMinimumSize(320, 240)
        lay.addWidget(self.chart, 1)
        self.chart.needs_older.connect(self._load_older)
        self.chart.scene().sigMouseClicked.connect(self._on_click)
        self.chart.follow_live_changed.connect(self.live_button.setChecked)
        end = QShortcut(QKeySequence(Qt.Key.Key_End), self, lambda: self.chart.set_follow_live(True))
        end.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._fill_intervals(ProductType.SPOT)

    # -- toolbar -----------------------------------------------------------------------------------------------
    def _fill_intervals(self, product_type: ProductType | str) -> None:
        pt = ProductType.parse(str(product_type))
        frames = Timeframe.for_product(pt)
        if self.timeframe not in frames:
            self.timeframe = DEFAULT_TIMEFRAME
        self.interval_box.blockSignals(True)
        self.interval_box.clear()
        for tf in frames:
            self.interval_box.addItem(tf.label, tf)
        self.interval_box.setCurrentIndex(frames.index(self.timeframe))
        self.interval_box.blockSignals(False)

    def _fill_symbols(self) -> None:
        s = self.session
        if s is None:
            return
        current = _key(self._instrument) if self._instrument is not None else None
        self.symbol_box.blockSignals(True)
        self.symbol_box.clear()
        for inst in sorted(s.instrument_list(), key=lambda i: (i.symbol, _market(i))):
            self.symbol_box.addItem(f"{inst.symbol} · {_market(inst)}", _key(inst))
        if current is not None:
            self.symbol_box.setCurrentIndex(max(0, self.symbol_box.findData(current)))
        self.symbol_box.blockSignals(False)

    def _on_symbol_picked(self, index: int) -> None:
        key = self.symbol_box.itemData(index)
        s = self.session
        if key is None or s is None:
            return
        if self.follow_session:  # the whole window follows; symbol_changed comes back here
            (self.pick_symbol or s.set_symbol)(key)
        else:
            inst = s.instruments.get(key)
            if inst is not None:
                self.set_instrument(inst)

    def _on_interval_picked(self, index: int) -> None:
        tf = self.interval_box.itemData(index)
        if isinstance(tf, Timeframe):
            self.set_timeframe(tf)
            self.view_changed.emit(self.view_state())

    def _on_live_clicked(self, on: bool) -> None:
        self.chart.set_follow_live(on)
        self.live_button.setChecked(self.chart.follow_live)

    # -- binding -----------------------------------------------------------------------------------------------
    def bind_session(self, session: Session | None) -> None:
        for sig, slot in self._connections:
            try:
                sig.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self._connections = []
        self.stop()
        self.session = session
        if session is None:
            return
        pairs: list[tuple[SignalInstance, Callable[..., None]]] = [
            (session.orders_changed, self.show_order_lines),
            (session.positions_changed, self.show_order_lines),
            (session.fills_changed, self.show_fills),
            (session.instruments_changed, self._fill_symbols),
        ]
        if self.follow_session:
            pairs.append((session.symbol_changed, self.set_instrument))
        for sig, slot in pairs:
            sig.connect(slot)
            self._connections.append((sig, slot))
        self._fill_symbols()

    @property
    def instrument(self) -> Instrument | None:
        return self._instrument

    def set_instrument(self, inst: Instrument) -> None:
        """Show ``inst`` (keeping the interval when the product offers it) and open its feed."""
        if inst == self._instrument and self.feed is not None:
            return  # the window and the panel may both pass the session's new symbol on
        self._instrument = inst
        self.chart.price_decimals = inst.price_places
        self._fill_intervals(inst.product_type)
        i = self.symbol_box.findData(_key(inst))
        if i >= 0:
            self.symbol_box.blockSignals(True)
            self.symbol_box.setCurrentIndex(i)
            self.symbol_box.blockSignals(False)
        else:
            self.symbol_box.setEditText(f"{inst.symbol} · {_market(inst)}")
        self._reopen()
        self.show_order_lines()
        self.show_fills()
        self.instrument_changed.emit(inst)

    def set_timeframe(self, tf: Timeframe) -> None:
        """Switch the interval in place (a new feed; the chart keeps its indicators)."""
        if tf is self.timeframe and self.feed is not None:
            return
        self.timeframe = tf
        i = self.interval_box.findData(tf)
        if i >= 0 and i != self.interval_box.currentIndex():
            self.interval_box.blockSignals(True)
            self.interval_box.setCurrentIndex(i)
            self.interval_box.blockSignals(False)
        if self._instrument is not None:
            self._reopen()
            self.show_fills()

    def view_state(self) -> dict[str, Any]:
        """Interval and indicators as plain data (kept in the settings)."""
        return {"interval": self.timeframe.label,
                "overlays": [[ov.kind, ov.period, ov.k] for ov in self.overlays], "lower": self.lower_pane}

    def restore_view(self, state: object) -> None:
        """Apply a `view_state()`; unknown or broken entries are skipped."""
        if not isinstance(state, dict):
            return
        try:
            self.timeframe = Timeframe.parse(str(state.get("interval", self.timeframe.label)))
        except ValueError:
            pass
        known = {(ov.kind, ov.period, ov.k): ov for ov in OVERLAYS}
        wanted = []
        for item in state.get("overlays") or []:
            try:
                ov = known.get((str(item[0]), int(item[1]), float(item[2])))
            except (TypeError, ValueError, IndexError):
                ov = None
            if ov is not None:
                wanted.append(ov)
        self.set_overlays(wanted)
        lower = str(state.get("lower", "none"))
        if lower in self.lower_actions:
            self.set_lower(lower)

    def set_theme_mode(self, mode: str) -> None:
        self.chart.set_theme(DARK if mode == "dark" else LIGHT)

    # -- feed --------------------------------------------------------------------------------------------------
    def _reopen(self) -> None:
        self.stop()
        inst, s = self._instrument, self.session
        empty_ts = np.empty(0, dtype=np.int64)
        self.chart.set_data(empty_ts, np.empty(0), np.empty(0), np.empty(0), np.empty(0), np.empty(0),
                            interval_ms=self.timeframe.ms)
        self.chart.set_loading(False)
        if inst is None or s is None or s.closed:
            return
        kw: dict[str, Any] = {}
        if self.feed_window is not None:
            kw["window"] = self.feed_window
        feed = CandleFeed(
            s.client, inst.product_type, inst.symbol, self.timeframe, cache=self.cache,
            on_reset=lambda: self._on_reset(feed), on_history=lambda n: self._on_history(feed, n),
            on_live=lambda kind: self._on_live(feed, kind),
            on_state=lambda state, msg: self._on_state(feed, state, msg), **kw,
        )
        self.feed = feed
        self._feed_task = s.spawn(self._run_feed(feed), f"chart:{inst.symbol}:{self.timeframe.label}")

    async def _run_feed(self, feed: CandleFeed) -> None:
        """Own the feed for as long as this task lives (cancelled on a switch or when the session closes)."""
        try:
            await feed.open()
            await asyncio.Event().wait()
        finally:
            await feed.close()

    def stop(self) -> None:
        """Close the current feed (its task ends and unsubscribes)."""
        task, self._feed_task, self.feed = self._feed_task, None, None
        if task is not None:
            task.cancel()
        self.loading_label.setVisible(False)

    def _on_reset(self, feed: CandleFeed) -> None:
        if feed is self.feed:
            self.chart.sync_from(feed.series)
            self.show_fills()  # markers sit on candles: place them again once the candles are there

    def _on_history(self, feed: CandleFeed, n: int) -> None:
        if feed is self.feed:
            self.chart.sync_from(feed.series)

    def _on_live(self, feed: CandleFeed, kind: str) -> None:
        if feed is self.feed:
            self.chart.sync_from(feed.series, feed.series.last_ts)

    def _on_state(self, feed: CandleFeed, state: FeedState, message: str) -> None:
        if feed is not self.feed:
            return
        self.loading_label.setVisible(state is FeedState.LOADING)
        if state is FeedState.ERROR:
            self.state_label.setText(f"⚠ {message}")
            self.state_label.setToolTip(message)
        else:
            self.state_label.setText("start of history" if state is FeedState.EXHAUSTED else "")
            self.state_label.setToolTip("")

    def _load_older(self, first_ts: int) -> None:
        """The user scrolled to the left edge: the feed fetches one older page (a task owned by the session)."""
        feed, s = self.feed, self.session
        if feed is None or s is None or s.closed or feed.exhausted:
            self.chart.no_older_data()
            return
        self.chart.set_loading(True)
        s.spawn(self._fetch_older(feed, int(first_ts)), f"older:{feed.symbol}")

    async def _fetch_older(self, feed: CandleFeed, first_ts: int) -> None:
        """Page until the feed holds a candle older than ``first_ts`` or has nothing older; the feed's
        ``on_history`` prepends the candles to the chart."""
        try:
            for _ in range(3):  # a request made while a page was landing shares that page: ask once more
                n = await feed.load_older()
                if feed is not self.feed:
                    return
                first = feed.series.first_ts
                if feed.exhausted or n == 0 or (first is not None and first < first_ts):
                    break
        except Exception:
            if feed is self.feed:
                self.chart.no_older_data()
            raise
        first = feed.series.first_ts
        if first is None or first >= first_ts:
            self.chart.no_older_data()  # nothing older arrived: the exchange has no more
        # else the chart got the page through on_history (prepend clears its loading mark)

    def _on_click(self, ev: Any) -> None:
        """A double-click on the price pane picks that price (snapped to the tick) for the order ticket."""
        inst = self._instrument
        if inst is None or not ev.double():
            return
        vb = self.chart.price_vb
        pos = ev.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        y = vb.mapSceneToView(pos).y()
        if y > 0:
            self.price_picked.emit(inst.snap_price(Decimal(repr(y))))
            ev.accept()

    # -- indicators --------------------------------------------------------------------------------------------
    def set_overlays(self, overlays: list[Overlay]) -> None:
        """Show exactly these price-pane indicators (menu checks follow)."""
        wanted = set(overlays)
        for ov, act in self.overlay_actions.items():
            act.blockSignals(True)
            act.setChecked(ov in wanted)
            act.blockSignals(False)
        self._apply_indicators()

    def clear_overlays(self) -> None:
        self.set_overlays([])

    def _on_lower_toggled(self, name: str, on: bool) -> None:
        if on:
            self.set_lower(name)

    def set_lower(self, name: str) -> None:
        """Lower pane: "rsi", "macd" or "none"."""
        name = name.lower()
        if name not in self.lower_actions:
            raise ValueError(f"unknown lower indicator {name!r}")
        act = self.lower_actions[name]
        if not act.isChecked():
            act.setChecked(True)  # comes back here through toggled
            return
        if name != self.lower_pane:
            self.lower_pane = name
            self.chart.set_lower_indicator(None if name == "none" else name)
            self.chart.flush()
            self.view_changed.emit(self.view_state())

    def _apply_indicators(self, *_: object) -> None:
        self.overlays = [ov for ov, act in self.overlay_actions.items() if act.isChecked()]
        self.chart.clear_indicators()
        for ov in self.overlays:
            if ov.kind == "sma":
                self.chart.add_sma(ov.period)
            elif ov.kind == "ema":
                self.chart.add_ema(ov.period)
            else:
                self.chart.add_bollinger(ov.period, ov.k)
        self.chart.flush()
        self.view_changed.emit(self.view_state())

    # -- account overlays --------------------------------------------------------------------------------------
    def _mine(self, rec: Order | Position | Fill) -> bool:
        inst = self._instrument
        return (inst is not None and rec.symbol == inst.symbol
                and str(rec.product_type) == str(inst.product_type))

    def show_order_lines(self) -> None:
        """Open orders (with their TP/SL presets), position entries, TP/SL and (perps) liquidation prices of this
        symbol as horizontal lines."""
        inst, s = self._instrument, self.session
        if inst is None or s is None:
            return
        lines: list[PriceLine] = []
        pp = inst.price_places

        def px(value: Decimal | None) -> str:
            return fmt_decimal(value, pp)

        for o in s.open_orders():
            if self._mine(o) and o.price is not None:
                side = str(o.side)
                lines.append(PriceLine(float(o.price), f"{side.upper()} {fmt_decimal(o.remaining)} @ {px(o.price)}",
                                       side))
                who = f"{side} {px(o.price)}"
                if o.preset_take_profit is not None:
                    lines.append(PriceLine(float(o.preset_take_profit), f"TP {px(o.preset_take_profit)} ({who})",
                                           "take_profit"))
                if o.preset_stop_loss is not None:
                    lines.append(PriceLine(float(o.preset_stop_loss), f"SL {px(o.preset_stop_loss)} ({who})",
                                           "stop_loss"))
        for p in s.position_list():
            if self._mine(p):
                hold = str(p.hold_side)
                lines.append(PriceLine(float(p.entry_price),
                                       f"{hold.upper()} {fmt_decimal(p.size)} entry {px(p.entry_price)}", "position"))
                if p.liquidation_price:
                    lines.append(PriceLine(float(p.liquidation_price), f"liq. {hold} {px(p.liquidation_price)}",
                                           "liquidation"))
                protection = s.state.protections.of(p, s.state.orders.values())
                if protection is not None:
                    note = " (preset)" if protection.source == "preset" else ""
                    lines.extend(PriceLine(float(tp), f"TP {hold} {px(tp)}{note}", "take_profit")
                                 for tp in protection.take_profit)
                    lines.extend(PriceLine(float(sl), f"SL {hold} {px(sl)}{note}", "stop_loss")
                                 for sl in protection.stop_loss)
        self.chart.set_order_lines(lines)

    def show_fills(self) -> None:
        """Markers at this symbol's fills (buy ▲, sell ▼)."""
        s = self.session
        if self._instrument is None or s is None:
            return
        self.chart.set_fills([(f.ts, float(f.price), str(f.side)) for f in s.fill_list() if self._mine(f)])


class ChartDock(QDockWidget):
    """A dock holding an extra ChartPanel: closing it ends the panel's feed and deletes both."""

    def __init__(self, panel: ChartPanel, name: str, parent: QWidget | None = None) -> None:
        super().__init__("Chart", parent)
        self.panel = panel
        self.setObjectName(name)
        self.setWidget(panel)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        panel.instrument_changed.connect(self._retitle)

    def _retitle(self, inst: Instrument) -> None:
        self.setWindowTitle(f"Chart · {inst.symbol} {_market(inst)}")

    def closeEvent(self, event: QCloseEvent) -> None:
        self.panel.bind_session(None)
        super().closeEvent(event)
