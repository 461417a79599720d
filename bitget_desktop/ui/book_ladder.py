"""BookLadder: the order book dock — tick aggregation, cumulative depth bars, spread and mid, stale marking."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from bitget_desktop.exchange.stream import BookEvent, Subscription
from bitget_desktop.ui.models.book import BookModel
from bitget_desktop.ui.models.records import fmt_decimal

if TYPE_CHECKING:
    from bitget_desktop.domain.book import OrderBook
    from bitget_desktop.domain.market import Instrument
    from bitget_desktop.ui.session import Session

TICK_MULTIPLES = (1, 10, 100, 1000)
STALE_HOLD_MS = 600  # a re-snapshot takes a round trip; keep the mark up long enough to be seen


class DepthBarDelegate(QStyledItemDelegate):
    """Paints each row's cumulative-size bar behind its text: the bar grows leftwards from the right edge.

    The ladder repaints every cell on each book flush, so a plain cell (not hovered, selected or focused) is drawn
    here from one lookup of its level: the bar, then its text as the style would place it. The style's own item
    painting (about ten role lookups through Qt and the style sheet machinery per cell) was most of the terminal's
    CPU at rest; the other states still go through it."""

    _ALIGN = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    _STYLED = QStyle.StateFlag.State_MouseOver | QStyle.StateFlag.State_Selected | QStyle.StateFlag.State_HasFocus

    def __init__(self, model: BookModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.alpha = 60
        self._margin_of: tuple[Any, int] = (None, 0)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        m = self.model
        row, col = index.row(), index.column()
        found = m.level(row) if 0 <= col < 3 else None
        view = self.parent()
        cell = option.rect
        state = option.state
        if found is not None and isinstance(view, QAbstractItemView):
            side = found[0]
            share = m.data(index, BookModel.DEPTH_ROLE) or 0.0
            rect = QRectF(cell)
            left = view.viewport().width() * (1.0 - share)
            x0, x1 = max(rect.left(), left), rect.left() + rect.width()  # cells abut: no overlap, no seam
            if share and x0 < x1:
                colour = QColor(m.stale_colour if m.stale else m.ask_colour if side == "ask" else m.bid_colour)
                colour.setAlpha(self.alpha)
                painter.fillRect(QRectF(x0, rect.top() + 1, x1 - x0, rect.height() - 2), colour)
        if state & self._STYLED or not isinstance(view, QAbstractItemView):
            super().paint(painter, option, index)
            return
        if found is None:
            return  # an empty row: the style would draw nothing either
        text = m.data(index, Qt.ItemDataRole.DisplayRole)
        if not text:
            return
        fg = m.data(index, Qt.ItemDataRole.ForegroundRole)
        if fg is None:
            enabled = state & QStyle.StateFlag.State_Enabled
            group = QPalette.ColorGroup.Active if enabled else QPalette.ColorGroup.Disabled
            fg = option.palette.color(group, QPalette.ColorRole.Text)
        margin = self._margin(view)
        box = cell.adjusted(margin, 0, -margin, 0)
        shown = option.fontMetrics.elidedText(text, option.textElideMode, box.width())
        painter.save()
        painter.setFont(option.font)
        painter.setPen(fg)
        painter.drawText(box, self._ALIGN, shown)
        painter.restore()

    def _margin(self, view: QWidget) -> int:
        """The style's text margin in an item (as QCommonStyle places item text), looked up once per style."""
        style = view.style()
        if self._margin_of[0] is not style:
            self._margin_of = (style, style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1)
        return self._margin_of[1]


class _OutOfLayout(QWidget):
    """Holds one single-line label outside any layout, as tall as the label wants and as wide as it is given.

    A label's new text asks every layout up to the main window to run again (Qt relays out the whole window, the
    dock title bars included, for a label that only changed its digits); the spread line changes with each book
    refresh, several times a second. Here the request stops at this widget, which has no layout, and the text
    change repaints the label alone."""

    def __init__(self, label: QLabel, parent: QWidget) -> None:
        super().__init__(parent)
        self.label = label
        label.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        return QSize(0, self.label.sizeHint().height())  # one line of the label's font, whatever its text

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def resizeEvent(self, event: Any) -> None:
        self.label.setGeometry(self.rect())
        super().resizeEvent(event)


class BookLadder(QWidget):
    """The order book of the session's symbol: a ladder over `BookModel`, refreshed by the session's book flush.

    Aggregation by tick multiples is picked in the header. The ladder watches the book subscription for the
    moment the book breaks (a gap or checksum mismatch) and greys it, with a label, until a fresh snapshot has
    been shown for ``STALE_HOLD_MS``.
    """

    stale_changed = Signal(bool)

    def __init__(self, model: BookModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.session: Session | None = None
        self.instrument: Instrument | None = None
        self._watch_task: asyncio.Task[Any] | None = None
        self._fresh_since: float | None = None
        self._stale = False
        self._last_book: OrderBook | None = None

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        head = QHBoxLayout()
        head.setContentsMargins(6, 3, 6, 3)
        head.addWidget(QLabel("Group", self))
        self.step_box = QComboBox(self)
        self.step_box.setObjectName("bookStep")
        self.step_box.setToolTip("Aggregate levels by a multiple of the tick size")
        self.step_box.currentIndexChanged.connect(self._on_step)
        head.addWidget(self.step_box)
        head.addStretch(1)
        self.stale_label = QLabel("stale — re-syncing", self)
        self.stale_label.setObjectName("staleLabel")
        self.stale_label.setToolTip("The book lost an update; it is greyed until a fresh snapshot arrives")
        self.stale_label.setStyleSheet("color: #d08700; font-weight: bold;")  # amber: readable on light and dark
        self.stale_label.setVisible(False)
        head.addWidget(self.stale_label)
        lay.addLayout(head)

        self.view = QTableView(self)
        self.view.setObjectName("bookView")
        self.view.setModel(model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setShowGrid(False)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(20)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setCursor(Qt.CursorShape.PointingHandCursor)
        self.view.setToolTip("Click a level to put its price into the order ticket")
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(30)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
            header.resizeSection(col, 78)
        self.delegate = DepthBarDelegate(model, self.view)
        self.view.setItemDelegate(self.delegate)
        lay.addWidget(self.view, 1)
        self.view.viewport().installEventFilter(self)

        self.spread_label = QLabel("", self)
        self.spread_label.setObjectName("muted")
        self.spread_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(_OutOfLayout(self.spread_label, self))

        self.setMinimumWidth(250)  # price, size and total stay readable when other docks want the room
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self._maybe_fresh)

    def eventFilter(self, watched: Any, event: Any) -> bool:
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_depth()
        return super().eventFilter(watched, event)

    def _fit_depth(self) -> None:
        """As many levels a side as the view has room for (at least 5): a tall dock shows a deeper book."""
        rows = self.view.viewport().height() // max(1, self.view.verticalHeader().defaultSectionSize())
        depth = max(5, rows // 2)
        if depth != self.model.depth:
            self.model.set_depth(depth)
            if self._last_book is not None and not self._last_book.stale:
                self.show_book(self._last_book)

    # -- binding ---------------------------------------------------------------------------------------------------
    def bind_session(self, session: Session | None) -> None:
        """Follow `session` (None: show nothing). The caller feeds `show_book` from the session's book flush."""
        self._stop_watch()
        self.session = session
        self.instrument = None
        self._last_book = None
        self._set_stale(False)
        self.model.clear()
        self.spread_label.setText("")

    def set_instrument(self, inst: Instrument) -> None:
        """A new symbol: steps in its ticks, an empty ladder until its book comes, and a new stale watch."""
        self.instrument = inst
        self._last_book = None
        self._set_stale(False)
        self.model.clear()
        self.model.set_places(inst.price_places, inst.size_places)
        multiple = self.multiple
        self.step_box.blockSignals(True)
        self.step_box.clear()
        for m in TICK_MULTIPLES:
            self.step_box.addItem(fmt_decimal(inst.tick_size * m), m)
        self.step_box.setCurrentIndex(max(0, TICK_MULTIPLES.index(multiple) if multiple in TICK_MULTIPLES else 0))
        self.step_box.blockSignals(False)
        self._apply_step()
        self._stop_watch()
        s = self.session
        if s is not None and not s.closed and hasattr(s, "spawn"):
            self._watch_task = s.spawn(self._watch(inst), f"book-watch:{inst.symbol}")

    @property
    def multiple(self) -> int:
        data = self.step_box.currentData()
        return int(data) if data is not None else 1

    def set_multiple(self, multiple: int) -> None:
        """Aggregate by ``multiple`` ticks (one of TICK_MULTIPLES)."""
        i = self.step_box.findData(multiple)
        if i >= 0:
            self.step_box.setCurrentIndex(i)

    def _on_step(self, _: int) -> None:
        self._apply_step()
        if self._last_book is not None:
            self.show_book(self._last_book)

    def _apply_step(self) -> None:
        inst, m = self.instrument, self.multiple
        self.model.set_step(None if inst is None or m == 1 else inst.tick_size * m)

    # -- data ------------------------------------------------------------------------------------------------------
    def show_book(self, book: OrderBook | None) -> None:
        """Show `book` (a domain OrderBook, or None): levels aggregated, spread and mid, stale state."""
        self._last_book = book
        if book is None:
            self.model.clear()
            self.spread_label.setText("")
            return
        if book.stale:
            self._set_stale(True)
        elif self._stale and self._fresh_since is None:
            self._fresh_since = time.monotonic()
            self._hold.start(STALE_HOLD_MS)
        if not book.stale:
            n = self.model.depth if self.model.step is None else None  # buckets may need every level
            self.model.set_book(book.bids(n), book.asks(n))
        inst = self.instrument
        places = inst.price_places if inst is not None else None
        spread, mid = book.spread(), book.mid()
        text = "" if spread is None else f"spread {fmt_decimal(spread, places)}"
        if mid is not None:
            text += f"   mid {fmt_decimal(mid, None if places is None else places + 1)}"
        self.spread_label.setText(text + ("   (stale)" if self._stale else ""))

    @property
    def stale(self) -> bool:
        return self._stale

    def _set_stale(self, on: bool) -> None:
        if on:
            self._fresh_since = None
            self._hold.stop()
        if on == self._stale:
            return
        self._stale = on
        self.model.set_stale(on)
        self.stale_label.setVisible(on)
        self.view.viewport().update()
        self.stale_changed.emit(on)

    def _maybe_fresh(self) -> None:
        book = self._last_book
        if book is not None and not book.stale:
            self._set_stale(False)
            self.show_book(book)

    # -- stale watch -----------------------------------------------------------------------------------------------
    def _stop_watch(self) -> None:
        task, self._watch_task = self._watch_task, None
        if task is not None:
            task.cancel()

    async def _watch(self, inst: Instrument) -> None:
        """Hear the book's own events (not the coalesced flush), so a short re-snapshot is never missed."""
        assert self.session is not None  # started by set_instrument with a session bound, cancelled on unbind
        stream = self.session.client.stream
        handle = await stream.subscribe(Subscription.book(inst.product_type, inst.symbol), self._on_event)
        try:
            await asyncio.Event().wait()
        finally:
            with contextlib.suppress(Exception):
                await handle.close()

    def _on_event(self, event: Any) -> None:
        inst = self.instrument
        if not isinstance(event, BookEvent) or not event.book.stale or inst is None:
            return
        if event.sub.inst_id.upper() == inst.symbol.upper() and str(event.sub.product_type) == str(
                inst.product_type):  # not a late event of the previous symbol
            self._set_stale(True)
            self._last_book = event.book
            self.spread_label.setText(self.spread_label.text().replace("   (stale)", "") + "   (stale)")
