"""bitget-desktop: a desktop trading terminal for the Bitget exchange."""

__version__ = "0.1.0"
