"""Bitget API v3 (Unified Trading Account): paths and the sans-I/O codec the client routes unified keys through."""
