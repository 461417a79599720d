"""The error tree and the one code table."""

import pickle

import pytest

from bitget_desktop.domain import errors as e


@pytest.mark.parametrize(
    "code,cls",
    [
        ("40006", e.InvalidApiKey),
        ("40009", e.InvalidSignature),
        ("40012", e.InvalidPassphrase),
        ("40004", e.TimestampError),
        ("40005", e.TimestampError),
        ("40008", e.TimestampError),
        ("429", e.RateLimited),
        ("43012", e.InsufficientFunds),
        ("40762", e.InsufficientFunds),
        ("45110", e.BelowMinimum),
        ("41103", e.PrecisionError),
        ("40808", e.PrecisionError),
        ("40768", e.OrderNotFound),
        ("43001", e.OrderNotFound),
        ("40109", e.OrderNotFound),
        ("40774", e.PositionModeMismatch),
        ("40085", e.UnifiedAccountError),
        ("40084", e.ClassicAccountError),
        ("25245", e.ClassicAccountError),
        ("40014", e.PermissionDenied),
        ("30015", e.InvalidSignature),
        ("30001", e.BadRequest),
    ],
)
def test_table(code, cls):
    err = e.error_from(code, "msg", 400)
    assert type(err) is cls
    assert err.code == code and err.msg == "msg" and err.hint and err.http_status == 400


def test_subclass_relations():
    assert issubclass(e.InvalidPassphrase, e.AuthenticationError)
    assert issubclass(e.TimestampError, e.AuthenticationError)
    assert issubclass(e.BelowMinimum, e.InvalidOrder) and issubclass(e.PrecisionError, e.InvalidOrder)
    assert all(issubclass(cls, e.BitgetError) for cls, _ in e.CODES.values())


def test_str_has_code_message_and_hint():
    err = e.error_from("43012", "Insufficient balance")
    assert str(err) == "[43012] Insufficient balance — Not enough available balance for this order."


def test_http_status_fallbacks():
    assert isinstance(e.error_from("", "Too Many Requests", 429), e.RateLimited)
    assert isinstance(e.error_from("", "Bad Gateway", 502), e.ExchangeUnavailable)
    unknown = e.error_from("99999", "new thing", 400)
    assert type(unknown) is e.BitgetError and unknown.code == "99999"


def test_numeric_codes_from_websocket():
    assert isinstance(e.ws_error_from(30012, "bad"), e.InvalidPassphrase)


def test_pickle_round_trip():
    err = e.error_from("40012", "apikey/password is incorrect", 400)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is e.InvalidPassphrase and back.code == "40012" and back.http_status == 400
    u = pickle.loads(pickle.dumps(e.UncertainOrderState("", "lost", client_oid="abc")))
    assert u.client_oid == "abc"
