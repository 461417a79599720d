"""The minimal v3 (UTA) codec against recorded payloads."""

from decimal import Decimal

from bitget_desktop.domain.trading import PositionMode
from bitget_desktop.exchange.models import AccountFamily
from bitget_desktop.exchange.uta import codec

from exchange_payloads import data


def test_settings():
    s = codec.parse_settings(data("rest_account_settings.json", "bitget-v3"))
    assert s.account_mode == "hybrid" and s.hold_mode is PositionMode.ONE_WAY and s.uid == "1111111111"
    assert s.account_level == "advanced" and not s.is_switching


def test_assets():
    a = codec.parse_assets(data("rest_account_assets.json", "bitget-v3"))
    assert a.account_equity == Decimal("11.13919278") and a.effective_equity == Decimal("6.19299777")
    assert [c.coin for c in a.assets] == ["USDT", "BGB"] and a.assets[0].available == Decimal("6.19300826")


def test_key_info_flags_withdrawal():
    k = codec.parse_key_permissions(data("rest_account_info.json", "bitget-v3"))
    assert k.family is AccountFamily.UNIFIED and k.can_withdraw and k.can_trade
    assert k.ips == ("192.168.1.1", "192.168.1.2")
