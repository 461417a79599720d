"""Bitget API v3 (Unified Trading Account): the small part needed to detect the family and read account facts."""
