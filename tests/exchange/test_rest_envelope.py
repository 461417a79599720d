"""Envelope checks and request encoding of the REST transport (no sockets)."""

from decimal import Decimal

import pytest

from bitget_desktop.domain import errors as e
from bitget_desktop.exchange.rest import encode_body, encode_query, parse_envelope


def test_success_returns_data():
    assert parse_envelope(b'{"code":"00000","msg":"success","requestTime":"1706653719498","data":[1]}', 200) == [1]
    assert parse_envelope(b'{"code":"00000","msg":"success","requestTime":1,"data":null}', 200) is None


def test_error_code_wins_even_with_http_200():
    with pytest.raises(e.InsufficientFunds) as info:
        parse_envelope(b'{"code":"43012","msg":"Insufficient balance","requestTime":1,"data":null}', 200)
    assert info.value.http_status == 200


def test_auth_error_body():
    with pytest.raises(e.InvalidSignature):
        parse_envelope(b'{"code":"40009","msg":"sign signature error","requestTime":1,"data":null}', 400)


@pytest.mark.parametrize("status,cls", [(502, e.ExchangeUnavailable), (503, e.ExchangeUnavailable),
                                        (429, e.RateLimited), (403, e.PermissionDenied)])
def test_non_json_answers_map_by_status(status, cls):
    with pytest.raises(cls):
        parse_envelope(b"<html>gateway</html>", status)


def test_malformed_success_envelopes():
    with pytest.raises(e.BitgetError):
        parse_envelope(b'{"msg":"no code"}', 200)
    with pytest.raises(e.BitgetError):
        parse_envelope(b'{"code":"00000","requestTime":[1],"data":1}', 200)


def test_query_keeps_insertion_order_and_drops_none():
    assert encode_query({"symbol": "BTCUSDT", "limit": 10, "orderId": None, "x": True}) == \
        "symbol=BTCUSDT&limit=10&x=true"
    assert encode_query({"clientOid": "a b/c"}) == "clientOid=a%20b%2Fc"
    assert encode_query(None) == ""


def test_body_is_compact_json_without_none():
    assert encode_body({"symbol": "BTCUSDT", "price": None, "size": "0.1"}) == '{"symbol":"BTCUSDT","size":"0.1"}'
    assert encode_body({"n": Decimal("1.50")}) == '{"n":"1.50"}'
    assert encode_body(None) == ""
