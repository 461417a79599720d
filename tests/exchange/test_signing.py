"""Signers pinned by fixed known vectors (not by re-running the recipe)."""

import pytest

from bitget_desktop.exchange.signing import (
    Credentials,
    prehash,
    rest_headers,
    sign_rest,
    sign_ws_login,
    ws_login_args,
)

SECRET = "test-secret"


def test_get_vector():
    sig = sign_rest(SECRET, "1700000000000", "GET", "/api/v2/spot/trade/unfilled-orders", "limit=10&symbol=BTCUSDT")
    assert sig == "aEGW9OUOWDZHUCQHorDpGwwYqgimMreoCf4RH3LbM4Q="


def test_post_vector():
    body = ('{"symbol":"BTCUSDT","side":"buy","orderType":"limit","force":"gtc","price":"20000","size":"0.001",'
            '"clientOid":"abc123"}')
    sig = sign_rest(SECRET, "1700000000000", "post", "/api/v2/spot/trade/place-order", "", body)
    assert sig == "9JfFw+cUmK4cO7ZjI8Yl7Ieh238oSCB41TSwuKluQ9M="


def test_ws_login_vector():
    assert sign_ws_login(SECRET, "1700000000") == "QKXMEacdjBcrVZaxWVJypn62KNrQGzBErbiQtYn6KO8="


def test_prehash_matches_docs_shape():
    assert prehash("16273667805456", "get", "/api/mix/v2/market/depth", "limit=20&symbol=BTCUSDT") == (
        "16273667805456GET/api/mix/v2/market/depth?limit=20&symbol=BTCUSDT"
    )
    assert prehash("1", "POST", "/p", "", "") == "1POST/p"


def test_headers_and_demo_flag():
    creds = Credentials("bg_key", SECRET, "pass")
    h = rest_headers(creds, 1700000000000, "GET", "/api/v2/spot/trade/unfilled-orders", "limit=10&symbol=BTCUSDT")
    assert h["ACCESS-SIGN"] == "aEGW9OUOWDZHUCQHorDpGwwYqgimMreoCf4RH3LbM4Q="
    assert h["ACCESS-TIMESTAMP"] == "1700000000000" and h["ACCESS-PASSPHRASE"] == "pass"
    assert "paptrading" not in h
    assert rest_headers(creds, 1, "GET", "/x", demo=True)["paptrading"] == "1"


def test_ws_login_args():
    args = ws_login_args(Credentials("k", SECRET, "p"), 1700000000)
    assert args == {"apiKey": "k", "passphrase": "p", "timestamp": "1700000000",
                    "sign": "QKXMEacdjBcrVZaxWVJypn62KNrQGzBErbiQtYn6KO8="}


def test_credentials_never_show_secrets():
    creds = Credentials(" bg_abcdef123 ", "super-secret-value", "my-passphrase\n")
    assert creds.api_key == "bg_abcdef123" and creds.passphrase == "my-passphrase"
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert "super-secret-value" not in text and "my-passphrase" not in text
    with pytest.raises(ValueError) as info:
        Credentials("k", "", "p")
    assert "secret" in str(info.value)
