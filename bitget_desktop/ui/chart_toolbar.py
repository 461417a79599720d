"""ChartToolbar: the row above a chart — symbol, interval, indicator menu, loading and state, follow-live, new chart."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox, QCompleter, QHBoxLayout, QLabel, QMenu, QSizePolicy, QToolButton, QWidget


@dataclass(frozen=True, slots=True)
class Overlay:
    """One price-pane indicator the menu offers: ``kind`` is sma, ema or bollinger."""

    kind: str
    period: int
    k: float = 2.0

    @property
    def label(self) -> str:
        if self.kind == "bollinger":
            return f"Bollinger {self.period}, {self.k:g}σ"
        return f"{self.kind.upper()} {self.period}"


OVERLAYS = (
    Overlay("sma", 20), Overlay("sma", 50), Overlay("sma", 200),
    Overlay("ema", 20), Overlay("ema", 50), Overlay("ema", 200),
    Overlay("bollinger", 20),
)
LOWER = (("none", "No lower pane"), ("rsi", "RSI 14"), ("macd", "MACD 12 26 9"))


class ChartToolbar(QWidget):
    """The controls of one chart; it holds no state of its own (ChartPanel connects and drives them)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartBar")
        bar = QHBoxLayout(self)
        bar.setContentsMargins(4, 2, 4, 2)
        bar.setSpacing(4)

        self.symbol_box = QComboBox(self)
        self.symbol_box.setObjectName("chartSymbol")
        self.symbol_box.setEditable(True)
        self.symbol_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.symbol_box.setMinimumContentsLength(11)
        self.symbol_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.symbol_box.setToolTip("Symbol of this chart")
        completer = self.symbol_box.completer()
        if completer is not None:
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        bar.addWidget(self.symbol_box)

        self.interval_box = QComboBox(self)
        self.interval_box.setObjectName("chartInterval")
        self.interval_box.setToolTip("Candle interval")
        bar.addWidget(self.interval_box)

        self.indicator_button = QToolButton(self)
        self.indicator_button.setText("Indicators")
        self.indicator_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.indicator_menu = QMenu(self.indicator_button)
        self.indicator_button.setMenu(self.indicator_menu)
        self.overlay_actions: dict[Overlay, QAction] = {}
        self.lower_actions: dict[str, QAction] = {}
        m = self.indicator_menu
        m.addSection("Price pane")
        for ov in OVERLAYS:
            act = m.addAction(ov.label)
            act.setCheckable(True)
            self.overlay_actions[ov] = act
        self.clear_action = m.addAction("Clear overlays")
        m.addSection("Lower pane")
        group = QActionGroup(m)
        for name, label in LOWER:
            act = m.addAction(label)
            act.setCheckable(True)
            act.setChecked(name == "none")
            group.addAction(act)
            self.lower_actions[name] = act
        bar.addWidget(self.indicator_button)

        self.loading_label = QLabel("loading…", self)
        self.loading_label.setObjectName("muted")
        self.loading_label.setVisible(False)
        bar.addWidget(self.loading_label)
        self.state_label = QLabel("", self)
        self.state_label.setObjectName("muted")
        self.state_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        bar.addWidget(self.state_label, 1)

        self.live_button = QToolButton(self)
        self.live_button.setObjectName("followLive")
        self.live_button.setText("Live ▸|")
        self.live_button.setCheckable(True)
        self.live_button.setChecked(True)
        self.live_button.setToolTip("Follow the newest candle (End)")
        bar.addWidget(self.live_button)
        self.new_chart_button = QToolButton(self)
        self.new_chart_button.setText("+ Chart")
        self.new_chart_button.setToolTip("Open another chart with its own symbol and interval")
        bar.addWidget(self.new_chart_button)
