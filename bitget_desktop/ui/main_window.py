"""MainWindow: docks and layout over a Session (chart, book, trades, blotter, symbol picker, status bar)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractProxyModel,
    QByteArray,
    QModelIndex,
    QPoint,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QGuiApplication, QKeySequence, QScreen, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from bitget_desktop.domain.trading import Order
from bitget_desktop.ui import theme
from bitget_desktop.ui.book_ladder import BookLadder
from bitget_desktop.ui.log_folder import open_log_folder
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
from bitget_desktop.ui.models.records import RecordTableModel, fmt_decimal
from bitget_desktop.ui.models.symbols import symbol_key
from bitget_desktop.ui.trading.base import market_title
from bitget_desktop.ui.widgets import EnvironmentBadge, MessageBar, describe_error

if TYPE_CHECKING:
    from bitget_desktop.domain.market import Instrument, Ticker
    from bitget_desktop.exchange.candle_cache import CandleCache
    from bitget_desktop.settings import Settings, SettingsStore
    from bitget_desktop.terminal.desk import Action
    from bitget_desktop.terminal.health import HealthView
    from bitget_desktop.ui.chart_panel import ChartPanel
    from bitget_desktop.ui.session import Session
    from bitget_desktop.ui.trading.panel import TradingPanel

LAYOUT_VERSION = 1


def _table(model: QAbstractItemModel, name: str, *, sortable: bool = False, stretch_last: bool = True) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    if sortable:
        proxy = QSortFilterProxyModel(view)
        proxy.setSourceModel(model)
        proxy.setSortRole(Qt.ItemDataRole.UserRole + 1)
        view.setModel(proxy)
        view.setSortingEnabled(True)
    else:
        view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(22)
    view.horizontalHeader().setStretchLastSection(stretch_last)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setHighlightSections(False)
    return view


def _fixed_columns(view: QTableView, *, stretch: int, widths: dict[int, int]) -> None:
    """One column takes the spare width, the others keep a fixed width (cheap with fast-updating rows)."""
    header = view.horizontalHeader()
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(30)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    for col, width in widths.items():
        header.setSectionResizeMode(col, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(col, width)


class ChartPlaceholder(QLabel):
    """Stands in for the chart until the chart widget is available."""

    def __init__(self) -> None:
        super().__init__("Chart")
        self.setObjectName("placeholder")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(420, 260)

    def set_instrument(self, inst: Instrument) -> None:
        self.setText(f"{inst.symbol} · chart")


def _steady_text(label: QLabel, text: str) -> None:
    """Set a label that changes several times a second without re-laying out the window each time: it keeps a fixed
    size that only grows (a fixed-size widget posts no layout request when its text changes)."""
    if label.text() == text:
        return
    label.setText(text)
    hint = label.sizeHint()
    if hint.width() > label.maximumWidth() or label.minimumHeight() != label.maximumHeight():
        label.setFixedSize(hint.width() + 12, hint.height())


def make_chart(theme_mode: str, cache: CandleCache | None = None) -> ChartPanel | ChartPlaceholder:
    """The chart engineer's ChartWidget (bound through ChartPanel), or a placeholder if it cannot load."""
    try:
        from bitget_desktop.ui.chart_panel import ChartPanel
    except ImportError:  # pragma: no cover - the chart package is part of the app
        return ChartPlaceholder()
    return ChartPanel(theme_mode=theme_mode, cache=cache)


def make_trading_panel(settings: Settings | None, theme_mode: str) -> TradingPanel | QLabel:
    """The order-entry panel (spot and perp tickets), or a placeholder if it cannot load."""
    try:
        from bitget_desktop.ui.trading.panel import TradingPanel
    except ImportError:  # pragma: no cover - the trading package is part of the app
        label = QLabel("Order ticket unavailable")
        label.setObjectName("placeholder")
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label
    return TradingPanel(None, settings=settings, theme_mode=theme_mode)


class SymbolPicker(QWidget):
    """Search across spot and USDT-M perpetual instruments; Enter or double-click picks one."""

    picked = Signal(str)

    def __init__(self, model: SymbolsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.proxy = SymbolFilterModel(self)
        self.proxy.setSourceModel(model)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        self.search = QLineEdit(self)
        self.search.setObjectName("symbolSearch")
        self.search.setPlaceholderText("Search symbols (Ctrl+K)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_search)
        self.search.returnPressed.connect(self._pick_first)
        lay.addWidget(self.search)
        row = QHBoxLayout()
        self.market_buttons = QButtonGroup(self)
        for label, market in (("All", None), ("Spot", "Spot"), ("USDT-M perp", "Perp")):
            b = QPushButton(label, self)
            b.setCheckable(True)
            b.setFlat(True)
            b.setChecked(market is None)
            b.clicked.connect(lambda _=False, m=market: self.proxy.set_market(m))
            self.market_buttons.addButton(b)
            row.addWidget(b)
        row.addStretch(1)
        lay.addLayout(row)
        self.view = _table(self.proxy, "symbolsView", stretch_last=False)
        self.view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        _fixed_columns(self.view, stretch=0, widths={1: 48, 2: 84, 3: 64, 4: 70})
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(4, Qt.SortOrder.DescendingOrder)
        # a single click selects the market (chart, book, tape and ticket follow); Enter does too
        self.view.clicked.connect(lambda idx: self._pick_row(idx.row()))
        self.view.activated.connect(lambda idx: self._pick_row(idx.row()))
        lay.addWidget(self.view, 1)

    def _pick_row(self, proxy_row: int) -> None:
        src = self.proxy.mapToSource(self.proxy.index(proxy_row, 0))
        if src.isValid():
            self.picked.emit(symbol_key(self.model.record(src.row())))

    def _pick_first(self) -> None:
        if self.proxy.rowCount() > 0:
            self._pick_row(self.view.currentIndex().row() if self.view.currentIndex().isValid() else 0)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()


class StatusPanel(QWidget):
    """Status bar content: per-stream state, last message age, REST latency, clock offset."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.streams = QLabel("connecting…", self)
        self.age = QLabel("", self)
        self.latency = QLabel("", self)
        self.clock = QLabel("", self)
        for w in (self.streams, self.age, self.latency, self.clock):
            lay.addWidget(w)

    def show_health(self, health: HealthView) -> None:
        dots = {"live": "●", "connecting": "◌", "reconnecting": "◐", "down": "○"}
        parts = [f"{dots.get(s.state, '?')} {name} {s.state}"
                 + (f" ({s.dropped_frames} bad frame{'s' if s.dropped_frames != 1 else ''} dropped)"
                    if s.dropped_frames else "")
                 for name, s in sorted(health.streams.items())]
        self.streams.setText("   ".join(parts) or "no streams")
        reasons = [f"{name}: last dropped frame — {s.last_drop_reason}" for name, s in sorted(health.streams.items())
                   if s.last_drop_reason]
        self.streams.setToolTip("\n".join(["Websocket streams and their state", *reasons]))
        age = health.last_message_age_ms
        self.age.setText("" if age is None else f"last msg {age / 1000:.1f}s ago")
        lat = health.rest_latency_ms
        self.latency.setText("" if lat is None else f"REST {lat} ms")
        off = health.clock_offset_ms
        self.clock.setText("" if off is None else f"clock {off:+d} ms")
        self.clock.setToolTip("Bitget's clock minus this computer's clock")


class MainWindow(QMainWindow):
    """The terminal window; it shows a Session's state and asks the app for account changes."""

    accounts_requested = Signal()  # open the account manager
    add_account_requested = Signal()  # open the key wizard
    switch_requested = Signal(object)  # account name, or None for the simulator
    reset_demo_requested = Signal()  # put the simulator's paper account back to its starting funds
    closed = Signal()

    def __init__(self, session: Session | None, *, settings: Settings | None = None,
                 settings_store: SettingsStore | None = None, layout_path: str | None = None,
                 theme_mode: str = "system", candle_cache: CandleCache | None = None) -> None:
        """`candle_cache` (an exchange CandleCache, optional) keeps the candles every chart has seen."""
        super().__init__()
        self.setObjectName("mainWindow")
        self.session: Session | None = None
        self.settings = settings
        self.settings_store = settings_store
        self.theme_mode = theme_mode
        self._qsettings = QSettings(layout_path, QSettings.Format.IniFormat) if layout_path else None
        self._current_key: str | None = None
        self._last_price: Decimal | None = None
        self.candle_cache = candle_cache
        self.chart_docks: list[QDockWidget] = []
        self._chart_serial = 0
        self.setWindowTitle("Bitget Desktop")
        self._fit_to_screen()
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
                            | QMainWindow.DockOption.AllowNestedDocks)

        self.symbols_model = SymbolsModel(self)
        self.book_model = BookModel(10, self)
        self.trades_model = TradesModel(parent=self)
        self.open_orders_model = OpenOrdersModel(self)
        self.history_model = OrderHistoryModel(self)
        self.fills_model = FillsModel(self)
        self.positions_model = PositionsModel(self)
        self.balances_model = BalancesModel(self)
        for m in (self.open_orders_model, self.history_model, self.fills_model, self.positions_model):  # precision
            m.instrument_of = lambda key: self.session.instruments.get(key) if self.session is not None else None
        self.positions_model.protection_of = lambda p: (  # the position's TP/SL (terminal/protection.py)
            None if self.session is None else self.session.state.protections.of(p, self.session.state.orders.values()))

        self._build_toolbar()
        self._build_central()
        self._build_docks()
        self._build_status()
        self._build_menus()
        self._build_shortcuts()
        self.apply_theme_colours()
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(self._on_os_scheme_changed)
        self._default_state = self.saveState(LAYOUT_VERSION)
        self.restore_layout()
        self.bind(session)

    # -- construction ------------------------------------------------------------------------------------------
    def _fit_to_screen(self) -> None:
        """First-run size: most of the screen (the saved geometry replaces it later)."""
        screen: QScreen | None = self.screen()  # None before the window is on a screen (the stubs say never)
        if screen is None:
            self.resize(1440, 900)
            return
        avail = screen.availableGeometry()
        self.resize(max(1024, int(avail.width() * 0.94)), max(700, int(avail.height() * 0.94)))
        self.move(avail.center() - self.rect().center())

    def _build_toolbar(self) -> None:
        bar = QToolBar("Market", self)
        bar.setObjectName("marketBar")
        bar.setMovable(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.badge = EnvironmentBadge("local", self)
        bar.addWidget(self.badge)
        spacer = QLabel("  ")
        bar.addWidget(spacer)
        self.symbol_title = QLabel("—", self)
        self.symbol_title.setObjectName("symbolTitle")
        bar.addWidget(self.symbol_title)
        bar.addWidget(QLabel("   "))
        self.last_price = QLabel("", self)
        self.last_price.setObjectName("lastPrice")
        bar.addWidget(self.last_price)
        bar.addWidget(QLabel("   "))
        self.ticker_stats = QLabel("", self)
        self.ticker_stats.setObjectName("muted")
        bar.addWidget(self.ticker_stats)
        stretch = QWidget(self)
        stretch.setSizePolicy(stretch.sizePolicy().horizontalPolicy().Expanding,
                              stretch.sizePolicy().verticalPolicy().Preferred)
        bar.addWidget(stretch)
        self.add_key_button = QPushButton("Add Bitget API key…", self)
        self.add_key_button.setToolTip("Connect a Bitget live or demo-trading account")
        self.add_key_button.clicked.connect(self.add_account_requested)
        bar.addWidget(self.add_key_button)

    def _build_central(self) -> None:
        central = QWidget(self)
        lay = QVBoxLayout(central)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        self.banner = MessageBar("banner", central)
        self.error_bar = MessageBar("errorBar", central)
        self.welcome_bar = MessageBar("welcomeBar", central)
        self.welcome_bar.action_clicked.connect(self.add_account_requested)
        self.welcome_bar.action_clicked.connect(self.welcome_bar.hide)
        lay.addWidget(self.welcome_bar)
        lay.addWidget(self.banner)
        lay.addWidget(self.error_bar)
        self.chart: ChartPanel | ChartPlaceholder = ChartPlaceholder()
        self._chart_holder = QVBoxLayout()
        self._chart_holder.addWidget(self.chart)
        lay.addLayout(self._chart_holder, 1)
        self.setCentralWidget(central)

    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_docks(self) -> None:
        left, right, bottom = (Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea,
                               Qt.DockWidgetArea.BottomDockWidgetArea)
        self.picker = SymbolPicker(self.symbols_model, self)
        self.picker.picked.connect(self.pick_symbol)
        self.symbols_dock = self._dock("Markets", "symbolsDock", self.picker, left)

        self.book_ladder = BookLadder(self.book_model, self)
        self.book_view = self.book_ladder.view
        self.spread_label = self.book_ladder.spread_label
        self.book_dock = self._dock("Order book", "bookDock", self.book_ladder, right)

        self.trades_view = _table(self.trades_model, "tradesView")
        self.trades_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        _fixed_columns(self.trades_view, stretch=1, widths={0: 64, 2: 72})
        self.trades_view.setMinimumWidth(230)
        self.trades_dock = self._dock("Trades", "tradesDock", self.trades_view, right)
        self.splitDockWidget(self.book_dock, self.trades_dock, Qt.Orientation.Horizontal)

        self.trading = make_trading_panel(self.settings, self.theme_mode)
        self.ticket_dock = self._dock("Order ticket", "ticketDock", self.trading, left)
        self.book_view.clicked.connect(self._book_clicked)
        self.splitDockWidget(self.symbols_dock, self.ticket_dock, Qt.Orientation.Vertical)

        self.blotter = QTabWidget(self)
        self.blotter.setObjectName("blotter")
        self.blotter.setDocumentMode(True)
        self.blotter_views: dict[str, QTableView] = {}
        for title, model, name in (
            ("Open orders", self.open_orders_model, "openOrders"),
            ("Order history", self.history_model, "orderHistory"),
            ("Fills", self.fills_model, "fills"),
            ("Positions", self.positions_model, "positions"),
            ("Balances", self.balances_model, "balances"),
        ):
            view = _table(model, name + "View", sortable=True)
            # Blotter rows change rarely: columns fit their contents, the last one takes the rest.
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            view.horizontalHeader().setStretchLastSection(True)
            self.blotter_views[name] = view
            self.blotter.addTab(view, title)
        # Right-click on a position: Close (market), Close limit, Reverse.
        if hasattr(self.trading, "install_position_menu"):
            self.position_menu = self.trading.install_position_menu(self.blotter_views["positions"])
        # Right-click on an open order: cancel it, or every open order of its symbol; Delete cancels the selected one.
        orders_view = self.blotter_views["openOrders"]
        orders_view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        orders_view.customContextMenuRequested.connect(self._show_order_menu)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), orders_view, self.cancel_selected_order,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.blotter_dock = self._dock("Blotter", "blotterDock", self.blotter, bottom)
        self.resizeDocks([self.symbols_dock, self.book_dock, self.trades_dock], [400, 300, 260],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.blotter_dock], [220], Qt.Orientation.Vertical)
        self.resizeDocks([self.symbols_dock, self.ticket_dock], [250, 520], Qt.Orientation.Vertical)

    def _build_status(self) -> None:
        bar = self.statusBar()
        self.status_badge = EnvironmentBadge("local", self)
        bar.addWidget(self.status_badge)
        self.status_panel = StatusPanel(self)
        bar.addWidget(self.status_panel, 1)
        self.status_account = QLabel("", self)
        bar.addPermanentWidget(self.status_account)

    def _build_menus(self) -> None:
        m = self.menuBar()
        account = m.addMenu("&Account")
        self.act_add = account.addAction("&Add API key…", self.add_account_requested.emit)
        self.act_accounts = account.addAction("&Manage accounts…", self.accounts_requested.emit)
        self.act_accounts.setShortcut(QKeySequence("Ctrl+Shift+A"))
        self.switch_menu = account.addMenu("&Switch to")
        self.switch_menu.aboutToShow.connect(self._fill_switch_menu)
        account.addSeparator()
        self.act_reset_demo = account.addAction("&Reset simulator account…", self.confirm_reset_demo)
        account.addSeparator()
        quit_act = account.addAction("&Quit", self.close)
        quit_act.setShortcut(QKeySequence.StandardKey.Quit)

        view = m.addMenu("&View")
        for dock in (self.symbols_dock, self.book_dock, self.trades_dock, self.ticket_dock, self.blotter_dock):
            view.addAction(dock.toggleViewAction())
        view.addSeparator()
        self.act_new_chart = view.addAction("&New chart", self.open_chart_dock)
        self.act_new_chart.setShortcut(QKeySequence("Ctrl+Shift+N"))
        view.addSeparator()
        theme_menu = view.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for mode, label in (("system", "Follow the system"), ("light", "Light"), ("dark", "Dark")):
            act = theme_menu.addAction(label)
            act.setCheckable(True)
            act.setChecked(mode == self.theme_mode)
            act.triggered.connect(lambda _=False, md=mode: self.set_theme(md))
            group.addAction(act)
            self.theme_actions[mode] = act
        view.addAction("&Reset layout", self.reset_layout)

        help_menu = m.addMenu("&Help")
        help_menu.addAction("&Keyboard shortcuts", self.show_shortcuts)
        self.act_open_logs = help_menu.addAction("Open &log folder", open_log_folder)

    SHORTCUTS = (
        ("Ctrl+K", "Search symbols"),
        ("Ctrl+1 … Ctrl+5", "Blotter: open orders, history, fills, positions, balances"),
        ("Ctrl+Shift+A", "Manage accounts"),
        ("Ctrl+Shift+L", "Switch light / dark theme"),
        ("Ctrl+Shift+N", "New chart (its own symbol and interval)"),
        ("Ctrl+Shift+X", "Cancel all open orders (order-ticket symbols)"),
        ("Delete", "Open orders: cancel the selected order (right-click for more)"),
        ("End", "Chart: follow the newest candle"),
        ("← → ↑ ↓ Home", "Chart: pan and zoom"),
        ("Click / double-click", "Book level / chart price pane: that price into the order ticket"),
        ("Esc", "Dismiss the message bar"),
        ("Ctrl+Q", "Quit"),
    )

    def _build_shortcuts(self) -> None:
        QShortcut(QKeySequence("Ctrl+K"), self, self.picker.focus_search)
        for i in range(5):
            QShortcut(QKeySequence(f"Ctrl+{i + 1}"), self, lambda i=i: self._show_blotter(i))
        QShortcut(QKeySequence("Ctrl+Shift+L"), self,
                  lambda: self.set_theme("light" if theme.resolve(self.theme_mode) == "dark" else "dark"))
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, self._dismiss_bars)

    def _show_blotter(self, i: int) -> None:
        self.blotter_dock.show()
        self.blotter_dock.raise_()
        self.blotter.setCurrentIndex(i)

    def _dismiss_bars(self) -> None:
        self.error_bar.hide()

    # -- open-order actions -------------------------------------------------------------------------------------
    def _order_at(self, index: QModelIndex) -> Order | None:
        if not index.isValid():
            return None
        model = index.model()
        while isinstance(model, QAbstractProxyModel):
            index = model.mapToSource(index)
            model = model.sourceModel()
        rec = model.record(index.row()) if isinstance(model, RecordTableModel) else None
        return rec if isinstance(rec, Order) else None

    def order_menu(self, point: QPoint) -> QMenu | None:
        """The open-orders context menu for the row under `point` (viewport coordinates), or None."""
        view = self.blotter_views["openOrders"]
        order = self._order_at(view.indexAt(point))
        if order is None or self.session is None:
            return None
        menu = QMenu(view)
        menu.setObjectName("orderMenu")
        menu.addAction(f"Cancel order {order.order_id}", lambda: self.cancel_order(order))
        menu.addAction(f"Cancel all {order.symbol} orders", lambda: self.cancel_symbol_orders(order))
        menu.aboutToHide.connect(menu.deleteLater)
        return menu

    def _show_order_menu(self, point: QPoint) -> None:
        menu = self.order_menu(point)
        if menu is not None:
            menu.popup(self.blotter_views["openOrders"].viewport().mapToGlobal(point))

    def cancel_selected_order(self) -> None:
        view = self.blotter_views["openOrders"]
        order = self._order_at(view.currentIndex())
        if order is not None:
            self.cancel_order(order)

    def cancel_order(self, order: Order) -> None:
        """Ask the exchange to cancel `order` through the desk; the row changes when the exchange reports it."""
        session = self.session
        if session is not None:
            session.spawn(self._desk_action(session.desk.cancel(order)), f"cancel:{order.order_id}")

    def cancel_symbol_orders(self, order: Order) -> None:
        """Cancel every open order of `order`'s symbol and market (spot or the futures product type)."""
        session = self.session
        if session is None:
            return
        inst = session.instruments.get(f"{order.product_type.value}:{order.symbol}")
        if inst is not None:
            session.spawn(self._desk_action(session.desk.cancel_all(inst)), f"cancel-all:{order.symbol}")

    async def _desk_action(self, pending: Awaitable[Action]) -> None:
        """Await a desk action; a refusal is shown with Bitget's code, message and hint."""
        action = await pending
        if action.error is not None and action.state in ("rejected", "cancel-refused", "not-sent"):
            self.show_error(action.error)

    def confirm_reset_demo(self) -> None:
        """Ask, then reset the simulator's paper account (balances, orders, positions, history)."""
        if self.session is None or not self.session.environment.is_local:
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Reset simulator account",
                          "Put the simulator account back to its starting funds?\n\nEvery open order, position and "
                          "the trade history of this paper account are removed. Nothing on Bitget is affected.",
                          QMessageBox.StandardButton.Reset | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("resetDemoBox")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda b: self.reset_demo_requested.emit()
            if box.standardButton(b) == QMessageBox.StandardButton.Reset else None)
        box.open()

    def show_shortcuts(self) -> None:
        text = "\n".join(f"{k:<18} {v}" for k, v in self.SHORTCUTS)
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", text, QMessageBox.StandardButton.Ok, self)
        box.setStyleSheet("QLabel { font-family: monospace; }")
        box.open()

    # -- session binding ---------------------------------------------------------------------------------------
    def bind(self, session: Session | None) -> None:
        """Show `session` (replacing any previous one)."""
        if self.session is not None:
            for sig, slot in self._connections:
                try:
                    sig.disconnect(slot)
                except (RuntimeError, TypeError):
                    pass
        self.session = session
        self._connections: list[tuple[SignalInstance, Callable[..., object]]] = []
        for model in (self.open_orders_model, self.history_model, self.fills_model, self.positions_model,
                      self.balances_model, self.trades_model):
            model.clear()
        self.book_model.clear()
        # nothing of the previous account stays on screen: markets, header, error and banner go too
        self.symbols_model.set_records([])
        self._current_key = None
        self._last_price = None
        self.symbol_title.setText("")
        self.last_price.setText("")
        self.ticker_stats.setText("")
        self.book_dock.setWindowTitle("Order book")
        self.trades_dock.setWindowTitle("Trades")
        self.error_bar.hide()
        self.banner.hide()
        self.book_ladder.bind_session(session)
        self.close_chart_docks()
        if session is None:
            if hasattr(self.trading, "bind"):
                self.trading.bind(None)
            return
        env = session.environment
        kind = env.kind.value
        self.badge.set_kind(kind, session.account_name)
        self.status_badge.set_kind(kind)
        self.add_key_button.setVisible(env.is_local)
        self.act_reset_demo.setEnabled(env.is_local)
        self.status_account.setText(
            f"{env.name}" + (f" · {session.account_name}" if session.account_name else "")
        )
        self.setWindowTitle(f"Bitget Desktop — {theme.BADGES[kind][0]}"
                            + (f" · {session.account_name}" if session.account_name else ""))
        self._swap_chart(session)
        if hasattr(self.trading, "bind"):
            self.trading.bind(session)
        pairs = (
            (session.instruments_changed, self._on_instruments),
            (session.tickers_changed, self._on_tickers),
            (session.book_changed, self._on_book),
            (session.trades_added, self._on_trades),
            (session.orders_changed, self._on_orders),
            (session.fills_changed, self._on_fills),
            (session.positions_changed, self._on_positions),
            (session.balances_changed, self._on_balances),
            (session.health_changed, self.status_panel.show_health),
            (session.banner_changed, self._on_banner),
            (session.error_raised, self.show_error),
            (session.symbol_changed, self._on_symbol),
            (session.status_changed, self._on_status),
        )
        for sig, slot in pairs:
            sig.connect(slot)
            self._connections.append((sig, slot))
        if session.instruments:
            self._on_instruments()
        if session.instrument is not None:
            self._on_symbol(session.instrument)
        self._on_status(session.status)

    def _on_status(self, status: str) -> None:
        """The account connected, failed or is connecting: the account tables show exactly what is known now."""
        if self.session is None:
            return
        for refresh in (self._on_orders, self._on_fills, self._on_positions, self._on_balances):
            refresh()

    def _swap_chart(self, session: Session | None) -> None:
        new = make_chart(theme.resolve(self.theme_mode), self.candle_cache)
        if not isinstance(new, ChartPlaceholder):
            new.bind_session(session)
            new.new_chart_requested.connect(self.open_chart_dock)
            new.price_picked.connect(self._chart_price_picked)
            new.pick_symbol = self.pick_symbol
            if self.settings is not None:
                new.restore_view(self.settings.extra.get("chart"))
            new.view_changed.connect(self._remember_chart_view)
        if not isinstance(self.chart, ChartPlaceholder):
            self.chart.bind_session(None)  # ends its feed
        self._chart_holder.replaceWidget(self.chart, new)
        self.chart.deleteLater()
        self.chart = new

    def open_chart_dock(self) -> QDockWidget | None:
        """Another chart in its own dock, starting on the current symbol; its symbol and interval are its own."""
        s = self.session
        try:
            from bitget_desktop.ui.chart_panel import ChartDock, ChartPanel
        except ImportError:  # pragma: no cover - the chart package is part of the app
            return None
        panel = ChartPanel(theme_mode=theme.resolve(self.theme_mode), follow_session=False, cache=self.candle_cache)
        panel.new_chart_requested.connect(self.open_chart_dock)
        # an extra chart on another symbol than the ticket's does not set the ticket's price
        panel.price_picked.connect(lambda price, p=panel: self._chart_price_picked(price) if self.session is not None
                                   and p.instrument == self.session.instrument else None)
        self._chart_serial += 1
        dock = ChartDock(panel, f"chartDock{self._chart_serial}", self)
        dock.destroyed.connect(lambda *_, d=dock: self.chart_docks.remove(d) if d in self.chart_docks else None)
        self.chart_docks.append(dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        if self.chart_docks[:-1]:
            self.tabifyDockWidget(self.chart_docks[-2], dock)
        else:
            # beside the main chart: [chart dock, book, trades] (the second split moves the book after the dock)
            self.splitDockWidget(self.book_dock, dock, Qt.Orientation.Horizontal)
            self.splitDockWidget(dock, self.book_dock, Qt.Orientation.Horizontal)
        dock.show()
        dock.raise_()
        if len(self.chart_docks) == 1:
            self.resizeDocks([dock], [max(380, self.width() // 4)], Qt.Orientation.Horizontal)
        if s is not None:
            panel.bind_session(s)
            if s.instrument is not None:
                panel.set_instrument(s.instrument)
        return dock

    def close_chart_docks(self) -> None:
        for dock in list(self.chart_docks):
            dock.close()  # ends the panel's feed
        self.chart_docks.clear()

    def _on_instruments(self) -> None:
        if self.session is None:
            return
        self.symbols_model.set_records(self.session.instrument_list())
        self.symbols_model.update_tickers(self.session.tickers.values())

    def _on_tickers(self, tickers: list[Ticker]) -> None:
        self.symbols_model.update_tickers(tickers)
        inst = self.session.instrument if self.session is not None else None
        if inst is None:
            return
        for t in tickers:
            if t.symbol == inst.symbol and t.product_type == inst.product_type:
                self._show_ticker(t, inst)

    def _show_ticker(self, t: Ticker, inst: Instrument) -> None:
        previous = self._last_price
        self._last_price = t.last
        _steady_text(self.last_price, fmt_decimal(t.last, inst.price_places))
        c = theme.colours(self.theme_mode)
        if previous is not None and t.last != previous:
            sheet = f"color: {c.up if t.last > previous else c.down};"
            if self.last_price.styleSheet() != sheet:  # a new style sheet re-polishes the label: only on a change
                self.last_price.setStyleSheet(sheet)
        change = ""
        if t.open_24h:
            pct = (t.last - t.open_24h) / t.open_24h * 100
            change = f"24h {pct:+.2f}%   "
        high, low = fmt_decimal(t.high_24h, inst.price_places), fmt_decimal(t.low_24h, inst.price_places)
        _steady_text(self.ticker_stats,
                     f"{change}H {high}   L {low}   Vol {fmt_decimal(t.base_volume, 2)} {inst.base_coin}")

    def _on_symbol(self, inst: Instrument) -> None:
        self._current_key = symbol_key(inst)
        self._last_price = None
        self.symbol_title.setText(market_title(inst).replace(" · ", "  ·  "))
        self.last_price.setText("")
        self.last_price.setStyleSheet("")
        self.ticker_stats.setText("")
        self.book_ladder.set_instrument(inst)
        self.trades_model.clear()
        self.trades_model.price_places, self.trades_model.size_places = inst.price_places, inst.size_places
        self.book_dock.setWindowTitle(f"Order book · {inst.symbol}")
        self.trades_dock.setWindowTitle(f"Trades · {inst.symbol}")
        if hasattr(self.chart, "set_instrument"):
            self.chart.set_instrument(inst)
        t = self.session.tickers.get(self._current_key) if self.session is not None else None
        if t is not None:
            self._show_ticker(t, inst)
        row = self.symbols_model.find(self._current_key)
        if row >= 0:
            idx = self.picker.proxy.mapFromSource(self.symbols_model.index(row, 0))
            if idx.isValid():
                self.picker.view.setCurrentIndex(idx)

    def _on_book(self) -> None:
        if self.session is None:
            return
        self.book_ladder.show_book(self.session.book)

    def _book_clicked(self, index: QModelIndex) -> None:
        """A click on a book level puts its price into the ticket on show."""
        found = self.book_model.level(index.row())
        if found is not None and hasattr(self.trading, "set_price"):
            self.trading.set_price(found[1][0])

    def _remember_chart_view(self, state: dict[str, Any]) -> None:
        """The main chart's interval and indicators are kept in the settings for the next start."""
        if self.settings is None or self.settings.extra.get("chart") == state:
            return
        self.settings.extra["chart"] = state
        if self.settings_store is not None:
            self.settings_store.save(self.settings)

    def _chart_price_picked(self, price: Decimal) -> None:
        """A double-click on a chart's price pane puts that price into the ticket on show."""
        if hasattr(self.trading, "set_price"):
            self.trading.set_price(price)

    def _on_trades(self, trades: list[Any]) -> None:
        self.trades_model.add_trades(trades)

    def _on_orders(self) -> None:
        if self.session is None:
            return
        self.open_orders_model.set_records(self.session.open_orders())
        self.history_model.set_records(self.session.order_history())

    def _on_fills(self) -> None:
        if self.session is None:
            return
        self.fills_model.set_records(self.session.fill_list())

    def _on_positions(self) -> None:
        if self.session is None:
            return
        self.positions_model.set_records(self.session.position_list())

    def _on_balances(self) -> None:
        if self.session is None:
            return
        self.balances_model.set_records(self.session.balance_list())

    def _on_banner(self, text: str) -> None:
        if text:
            self.banner.show_message(text)
        else:
            self.banner.hide()

    def show_welcome(self) -> None:
        """First run: say where the data comes from and how to connect a Bitget key."""
        self.welcome_bar.show_message(
            "Welcome! This is the built-in simulator: live-looking markets and demo funds, all on this computer. "
            "Connect a Bitget demo-trading or live API key whenever you like.", action="Add API key…")

    def show_error(self, exc: BaseException | str) -> None:
        """Show an error as one line with Bitget's code, message and hint."""
        self.error_bar.show_message(exc if isinstance(exc, str) else describe_error(exc))

    # -- actions -----------------------------------------------------------------------------------------------
    def pick_symbol(self, key: str) -> None:
        if self.session is not None:
            self.session.set_symbol(key)
        self._remember_symbol(key)

    def _remember_symbol(self, key: str) -> None:
        if self.settings is None:
            return
        recent = [key] + [k for k in self.settings.last_symbols if k != key]
        self.settings.last_symbols = recent[:8]
        if self.settings_store is not None:
            self.settings_store.save(self.settings)

    def _fill_switch_menu(self) -> None:
        self.switch_menu.clear()
        act = self.switch_menu.addAction("Simulator (local)", lambda: self.switch_requested.emit(None))
        act.setCheckable(True)
        act.setChecked(self.session is not None and self.session.account_name is None)
        for info in (self.settings.accounts if self.settings is not None else []):
            label = f"{info.name}  ({'LIVE' if info.environment == 'live' else 'demo'}, {info.family})"

            def switch(n: str = info.name) -> None:
                self.switch_requested.emit(n)

            a = self.switch_menu.addAction(label, switch)
            a.setCheckable(True)
            a.setChecked(self.session is not None and self.session.account_name == info.name)

    def set_theme(self, mode: str) -> None:
        from PySide6.QtWidgets import QApplication

        self.theme_mode = mode
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, mode)
        if mode in self.theme_actions:
            self.theme_actions[mode].setChecked(True)
        self.apply_theme_colours()
        if self.settings is not None:
            self.settings.theme = mode
            if self.settings_store is not None:
                self.settings_store.save(self.settings)

    def _on_os_scheme_changed(self, *_: object) -> None:
        """The OS switched light/dark: follow it unless the user picked a theme."""
        if self.theme_mode == "system":
            self.set_theme("system")

    def apply_theme_colours(self) -> None:
        c = theme.colours(self.theme_mode)
        from PySide6.QtGui import QColor

        for model in (self.symbols_model, self.trades_model, self.open_orders_model, self.history_model,
                      self.fills_model, self.positions_model, self.balances_model):
            model.set_colours(QColor(c.up), QColor(c.down))
        self.book_model.ask_colour, self.book_model.bid_colour = QColor(c.down), QColor(c.up)
        self.book_ladder.view.viewport().update()
        for chart in [self.chart, *(d.widget() for d in self.chart_docks)]:
            if hasattr(chart, "set_theme_mode"):
                chart.set_theme_mode(theme.resolve(self.theme_mode))
        if hasattr(self.trading, "apply_theme"):
            self.trading.apply_theme(theme.resolve(self.theme_mode))

    # -- layout persistence ------------------------------------------------------------------------------------
    def restore_layout(self) -> None:
        qs = self._qsettings
        if qs is None:
            return
        geometry = qs.value("window/geometry")
        state = qs.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state, LAYOUT_VERSION)
        tab = qs.value("window/blotterTab")
        if tab is not None:
            self.blotter.setCurrentIndex(int(tab))

    def save_layout(self) -> None:
        qs = self._qsettings
        if qs is None:
            return
        qs.setValue("window/geometry", self.saveGeometry())
        qs.setValue("window/state", self.saveState(LAYOUT_VERSION))
        qs.setValue("window/blotterTab", self.blotter.currentIndex())
        qs.sync()

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_layout()
        super().closeEvent(event)
        self.closed.emit()
