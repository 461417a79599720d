"""Credentials go to the configured host only: redirects are never followed (REST and websocket), and live and
demo verify TLS certificates. Two loopback servers: the configured one redirects, the other records what it gets.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import ipaddress
import ssl
import time
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bitget_desktop.domain.errors import BitgetError, NetworkError, UncertainOrderState
from bitget_desktop.domain.market import Instrument, ProductType
from bitget_desktop.domain.trading import OrderRequest, OrderType, Side
from bitget_desktop.exchange.client import BitgetClient
from bitget_desktop.exchange.environments import DEMO, LIVE, Environment, local
from bitget_desktop.exchange.signing import Credentials
from bitget_desktop.exchange.stream import Subscription

KEY, SECRET, PASSPHRASE = "bg_wire_key", "wire-secret-do-not-send", "wire-passphrase-do-not-send"
CREDS = Credentials(KEY, SECRET, PASSPHRASE)
TIME = b'{"code":"00000","msg":"success","requestTime":1,"data":{"serverTime":"%d"}}'


class Recorder:
    """The other host: records every request (path, headers, body) and every websocket message it receives."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.ws_messages: list[str] = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.headers), await request.read()))
        if request.headers.get("Upgrade", "").lower() == "websocket":
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            async for msg in ws:
                self.ws_messages.append(str(msg.data))
                await ws.send_str('{"event":"login","code":0}')
            return ws
        return web.Response(body=b'{"code":"00000","msg":"success","requestTime":1,"data":[]}',
                            content_type="application/json")

    def saw_credentials(self) -> bool:
        text = repr(self.requests) + repr(self.ws_messages)
        return any(secret in text for secret in (KEY, PASSPHRASE)) or "ACCESS-SIGN" in text.upper()


async def _serve(handler: Any, ssl_context: ssl.SSLContext | None = None) -> tuple[web.AppRunner, int]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


@pytest.fixture
async def hosts() -> AsyncIterator[tuple[str, Recorder, list[str]]]:
    """(configured REST URL, the other host's recorder, paths the configured host redirected)."""
    other = Recorder()
    other_runner, other_port = await _serve(other.handle)
    redirected: list[str] = []

    async def configured(request: web.Request) -> web.StreamResponse:
        if request.path == "/api/v2/public/time":
            return web.Response(body=TIME % _now_ms(), content_type="application/json")
        redirected.append(request.path)
        # 307 keeps a POST a POST with its body and headers: the worst case for a signed order.
        status = 307 if request.method == "POST" else 302
        scheme = "ws" if request.headers.get("Upgrade", "").lower() == "websocket" else "http"
        raise _redirect(status, f"{scheme}://127.0.0.1:{other_port}{request.path_qs}")

    runner, port = await _serve(configured)
    try:
        yield f"http://127.0.0.1:{port}", other, redirected
    finally:
        await runner.cleanup()
        await other_runner.cleanup()


def _redirect(status: int, location: str) -> web.HTTPException:
    return (web.HTTPTemporaryRedirect if status == 307 else web.HTTPFound)(location)


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def _spot_instrument() -> Instrument:
    return Instrument.from_spot_symbol({"symbol": "BTCUSDT", "baseCoin": "BTC", "quoteCoin": "USDT",
                                        "minTradeAmount": "0", "maxTradeAmount": "1000", "pricePrecision": "2",
                                        "quantityPrecision": "6", "quotePrecision": "8", "status": "online",
                                        "minTradeUSDT": "1", "takerFeeRate": "0.001", "makerFeeRate": "0.001"})


async def test_signed_rest_requests_never_follow_a_redirect(hosts: tuple[str, Recorder, list[str]]) -> None:
    url, other, redirected = hosts
    async with BitgetClient(local(url), CREDS, timeout=2.0, get_retries=0, resolve_attempts=2,
                            resolve_initial_delay=0.01, resolve_settle=0.0) as client:
        with pytest.raises(BitgetError) as info:
            await client.spot_balances()
        assert "redirect" in info.value.msg
        req = OrderRequest.build(_spot_instrument(), side=Side.BUY, order_type=OrderType.LIMIT, size=Decimal("0.01"),
                                 price=Decimal("10000"))
        with pytest.raises(UncertainOrderState):  # a redirect is no answer: the order is looked up, never re-aimed
            await client.place_spot_order(req)
    assert "/api/v2/spot/account/assets" in redirected and "/api/v2/spot/trade/place-order" in redirected
    assert other.requests == [] and not other.saw_credentials()


async def test_the_private_websocket_never_follows_a_redirect(hosts: tuple[str, Recorder, list[str]]) -> None:
    url, other, redirected = hosts
    async with BitgetClient(local(url), CREDS, ws_reconnect_initial=0.05) as client:
        await client.stream.subscribe(Subscription.orders(ProductType.SPOT), lambda ev: None)
        for _ in range(100):  # several connect attempts, each answered with a redirect
            await asyncio.sleep(0.02)
            if redirected.count("/v2/ws/private") >= 2:
                break
    assert redirected.count("/v2/ws/private") >= 2
    assert other.requests == [] and other.ws_messages == [] and not other.saw_credentials()


# -- TLS ---------------------------------------------------------------------------------------------------------


def _self_signed(tmp: Path) -> ssl.SSLContext:
    """A server context with a freshly made self-signed certificate for 127.0.0.1 (trusted by nobody)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                    serialization.NoEncryption()))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")
    return ctx


@pytest.mark.parametrize("base", [LIVE, DEMO], ids=["live", "demo"])
async def test_live_and_demo_verify_tls_certificates(base: Environment, tmp_path: Path) -> None:
    seen = Recorder()
    runner, port = await _serve(seen.handle, _self_signed(tmp_path))
    env = dataclasses.replace(base, rest_url=f"https://127.0.0.1:{port}",
                              ws_public_url=f"wss://127.0.0.1:{port}/v2/ws/public",
                              ws_private_url=f"wss://127.0.0.1:{port}/v2/ws/private")
    try:
        async with BitgetClient(env, CREDS, timeout=2.0, get_retries=0, ws_reconnect_initial=0.05) as client:
            with pytest.raises(NetworkError):
                await client.server_time()
            with pytest.raises(NetworkError):
                await client.spot_balances()
            await client.stream.subscribe(Subscription.orders(ProductType.SPOT), lambda ev: None)
            await asyncio.sleep(0.3)
            assert not client.stream.connection(True).connected.is_set()
    finally:
        await runner.cleanup()
    assert seen.requests == [] and seen.ws_messages == []  # the handshake failed before any request was sent
