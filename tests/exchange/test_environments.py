import pytest

from bitget_desktop.exchange.environments import DEMO, LIVE, local


def test_live_and_demo():
    assert LIVE.is_live and LIVE.rest_url == "https://api.bitget.com"
    assert LIVE.ws_public_url == "wss://ws.bitget.com/v2/ws/public" and not LIVE.headers
    assert DEMO.is_demo and DEMO.headers["paptrading"] == "1"
    assert DEMO.ws_private_url == "wss://wspap.bitget.com/v2/ws/private"


def test_local_builds_ws_urls():
    env = local("http://127.0.0.1:8123/")
    assert env.is_local and env.rest_url == "http://127.0.0.1:8123"
    assert env.ws_public_url == "ws://127.0.0.1:8123/v2/ws/public"
    assert env.ws_private_url == "ws://127.0.0.1:8123/v2/ws/private"
    with pytest.raises(ValueError):
        local("127.0.0.1:80")
