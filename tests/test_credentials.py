"""CredentialStore against the real OS keyring (Secret Service in CI), and its refusal of unsafe backends."""

import logging
import uuid

import keyring
import pytest
from keyring.backends import fail, null

from bitget_desktop.credentials import CredentialStore, KeyringUnavailable, keyring_help
from bitget_desktop.exchange.signing import Credentials


@pytest.fixture
def store():
    s = CredentialStore(service=f"bitget-desktop-test-{uuid.uuid4().hex[:8]}")
    s.check_available()  # the suite runs with a real keyring; failing here means CI's keyring is not up
    return s


def test_real_backend_is_secret_service():
    # CI starts gnome-keyring on a private D-Bus session; the store must be using it, not a fallback.
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"


def test_round_trip_and_delete(store, caplog):
    caplog.set_level(logging.DEBUG)
    creds = Credentials("bg_roundtrip_key", "s3cr3t-" + uuid.uuid4().hex, "pass-" + uuid.uuid4().hex)
    store.save("main", creds)
    assert store.load("main") == creds
    # read back straight from the backend: one entry, holding the three parts
    assert creds.secret in keyring.get_password(store._service, "main")
    assert store.delete("main") is True
    assert store.load("main") is None
    assert store.delete("main") is False
    assert creds.secret not in caplog.text and creds.passphrase not in caplog.text


def test_accounts_are_separate(store):
    a, b = Credentials("key_a", "sa", "pa"), Credentials("key_b", "sb", "pb")
    store.save("a", a)
    store.save("b", b)
    assert store.load("a") == a and store.load("b") == b
    store.delete("a")
    assert store.load("b") == b
    store.delete("b")


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_refuses_unsafe_backends(backend):
    store = CredentialStore(backend=backend)
    with pytest.raises(KeyringUnavailable) as info:
        store.save("x", Credentials("k", "very-secret", "pp"))
    assert "plain text" in str(info.value) and "very-secret" not in str(info.value)


@pytest.mark.parametrize(
    ("platform", "environ", "words"),
    [
        ("linux", {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}, ["sudo apt install gnome-keyring"]),
        ("linux", {}, ["sudo apt install gnome-keyring", "no D-Bus session bus"]),
        ("darwin", {}, ["macOS Keychain"]),
        ("win32", {}, ["Windows Credential Manager"]),
    ],
    ids=["linux-desktop", "linux-no-dbus", "macos", "windows"],
)
def test_keyring_help_names_what_to_install_or_start(platform, environ, words):
    text = keyring_help(platform, environ)
    for word in words:
        assert word in text
    if "DBUS_SESSION_BUS_ADDRESS" in environ or platform != "linux":
        assert "D-Bus" not in text
