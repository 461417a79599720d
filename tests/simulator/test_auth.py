"""Authentication of private REST requests: every Bitget auth code in order, raw and percent-decoded queries,
raw bodies, permissions and account family; the key's authorities."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from tests.simulator.conftest import KEY, READ_KEY, UTA_KEY, auth_headers, now_ms, sign

ASSETS = "/api/v2/spot/account/assets"


async def get_with(http, headers, path=ASSETS, query=""):
    return await http.get(path, query, headers)


def good(path=ASSETS, query="", ts=None):
    return auth_headers(KEY, "GET", path, query, ts=ts)


@pytest.mark.parametrize("mutate,code", [
    (lambda h: h.pop("ACCESS-KEY"), "40001"),
    (lambda h: h.update({"ACCESS-KEY": ""}), "40001"),
    (lambda h: h.pop("ACCESS-SIGN"), "40003"),
    (lambda h: h.pop("ACCESS-TIMESTAMP"), "40005"),
    (lambda h: h.update({"ACCESS-TIMESTAMP": "16x9"}), "40005"),
    (lambda h: h.update({"ACCESS-KEY": "nobody"}), "40006"),
    (lambda h: h.pop("ACCESS-PASSPHRASE"), "40011"),
    (lambda h: h.update({"ACCESS-PASSPHRASE": "wrong"}), "40012"),
    (lambda h: h.update({"ACCESS-SIGN": "AAAA" + h["ACCESS-SIGN"][4:]}), "40009"),
])
async def test_each_auth_failure_has_its_code(http, mutate, code):
    h = good()
    mutate(h)
    status, body = await get_with(http, h)
    assert status == 400 and body["code"] == code and body["data"] is None


async def test_check_order_key_before_sign_before_timestamp(http):
    _, body = await get_with(http, {"ACCESS-TIMESTAMP": "x"})
    assert body["code"] == "40001"
    _, body = await get_with(http, {"ACCESS-KEY": KEY.api_key, "ACCESS-TIMESTAMP": "x"})
    assert body["code"] == "40003"
    _, body = await get_with(http, {"ACCESS-KEY": "nobody", "ACCESS-SIGN": "x", "ACCESS-TIMESTAMP": "x"})
    assert body["code"] == "40005"
    # unknown key is reported before an expired timestamp; a stale timestamp before a wrong passphrase
    h = good(ts=now_ms() - 60_000)
    h["ACCESS-KEY"] = "nobody"
    assert (await get_with(http, h))[1]["code"] == "40006"
    h = good(ts=now_ms() - 60_000)
    h["ACCESS-PASSPHRASE"] = "wrong"
    assert (await get_with(http, h))[1]["code"] == "40004"


async def test_timestamp_window_is_30_seconds(http):
    assert (await get_with(http, good(ts=now_ms() - 25_000)))[1]["code"] == "00000"
    assert (await get_with(http, good(ts=now_ms() + 25_000)))[1]["code"] == "00000"
    assert (await get_with(http, good(ts=now_ms() - 35_000)))[1]["code"] == "40004"
    assert (await get_with(http, good(ts=now_ms() + 35_000)))[1]["code"] == "40004"


async def test_clock_skew_fault_moves_the_window(http, sim):
    sim.faults.clock_skew_ms = 120_000
    assert (await get_with(http, good()))[1]["code"] == "40004"
    _, body = await http.get("/api/v2/public/time")
    assert abs(int(body["data"]["serverTime"]) - now_ms() - 120_000) < 2_000
    assert (await get_with(http, good(ts=now_ms() + 120_000)))[1]["code"] == "00000"
    sim.faults.clock_skew_ms = 0
    assert (await get_with(http, good()))[1]["code"] == "00000"


async def test_signature_over_raw_query_in_received_order(http):
    # unsorted parameters are signed in the order sent; the server must not re-sort
    q = "symbol=BTCUSDT&limit=5"
    status, body = await http.signed_get(KEY, "/api/v2/spot/trade/fills", q)
    assert status == 200 and body["code"] == "00000"
    # signing a sorted variant while sending the unsorted one fails
    h = auth_headers(KEY, "GET", "/api/v2/spot/trade/fills", "limit=5&symbol=BTCUSDT")
    assert (await http.get("/api/v2/spot/trade/fills", q, h))[1]["code"] == "40009"


async def test_signature_over_percent_decoded_query_is_accepted(http):
    # ccxt URL-encodes the URL but signs the decoded query (matters for non-ASCII symbols)
    raw = "coin=" + quote("USDT") + "&note=" + quote("a b/é")
    decoded = "coin=USDT&note=a b/é"
    h = auth_headers(KEY, "GET", ASSETS, decoded)
    status, body = await http.get(ASSETS, raw, h)
    assert status == 200 and body["code"] == "00000"
    h = auth_headers(KEY, "GET", ASSETS, raw)  # and the raw form, as HB and our client send it
    assert (await http.get(ASSETS, raw, h))[1]["code"] == "00000"


async def test_post_signature_is_over_the_raw_body_bytes(http, sim):
    path = "/api/v2/spot/trade/cancel-symbol-order"
    body = '{"symbol": "BTCUSDT"}'  # spaces as json.dumps writes them (Hummingbot)
    async with http.session.post(http.base + path, data=body.encode(),
                                 headers=auth_headers(KEY, "POST", path, "", body)) as r:
        assert (await r.json())["code"] == "00000"
    compact = json.dumps({"symbol": "BTCUSDT"}, separators=(",", ":"))
    async with http.session.post(http.base + path, data=body.encode(),
                                 headers=auth_headers(KEY, "POST", path, "", compact)) as r:
        assert (await r.json())["code"] == "40009"


async def test_permissions_and_account_family(http):
    status, body = await http.signed_post(READ_KEY, "/api/v2/spot/trade/cancel-symbol-order", {"symbol": "BTCUSDT"})
    assert status == 400 and body["code"] == "40014"
    status, body = await http.signed_get(READ_KEY, ASSETS)
    assert status == 200
    status, body = await http.signed_get(UTA_KEY, ASSETS)
    assert status == 400 and body["code"] == "40085"


async def test_account_info_reports_authorities(http):
    status, body = await http.signed_get(KEY, "/api/v2/spot/account/info")
    assert status == 200, body
    data = body["data"]
    assert {"userId", "inviterId", "ips", "authorities", "parentId", "traderType", "channelCode", "channel",
            "regisTime"} <= set(data)
    # Bitget codes: "...or" read-only, "...ow" read/write; wwow = wallet withdrawal
    assert {"stow", "coow", "cpow", "wwow"} <= set(data["authorities"])
    status, body = await http.signed_get(READ_KEY, "/api/v2/spot/account/info")
    assert set(body["data"]["authorities"]) == {"coor", "cpor", "stor"}


def test_key_repr_hides_secrets():
    text = repr(KEY) + str(KEY)
    assert KEY.secret not in text and KEY.passphrase not in text


def test_independent_signer_matches_the_reference_vector():
    pre = "1700000000000GET/api/v2/spot/trade/unfilled-orders?limit=10&symbol=BTCUSDT"
    assert sign("test-secret", pre) == "aEGW9OUOWDZHUCQHorDpGwwYqgimMreoCf4RH3LbM4Q="
