"""Bitget API v2 (classic accounts): endpoint paths and a sans-I/O codec between wire payloads and domain values."""
