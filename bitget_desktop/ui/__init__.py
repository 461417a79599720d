"""Qt user interface: PySide6, pyqtgraph and qasync live only under this package."""
