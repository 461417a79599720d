"""CredentialStore: API keys kept only in the OS keyring, one entry per named account."""

from __future__ import annotations

import json
import logging
import os
import sys

import keyring
import keyring.errors
from keyring.backend import KeyringBackend

from bitget_desktop.exchange.signing import Credentials

log = logging.getLogger(__name__)

SERVICE = "bitget-desktop"

# Backends that would keep the secret in plain text or not at all: refused.
_UNSAFE_BACKENDS = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt")


class KeyringUnavailable(RuntimeError):
    """No secure OS keyring is usable; secrets are not stored anywhere else."""


def _backend_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def keyring_help(platform: str = sys.platform, environ: os._Environ[str] | dict[str, str] | None = None) -> str:
    """What to install or start so that a secure keyring is available on this kind of machine, in plain words."""
    env = os.environ if environ is None else environ
    if platform == "darwin":
        return ("The macOS Keychain could not be reached. Log in to a desktop session (not only over SSH) "
                "and try again.")
    if platform == "win32":
        return "The Windows Credential Manager could not be reached. Log in to a desktop session and try again."
    text = ("Install GNOME Keyring (Debian, Ubuntu: sudo apt install gnome-keyring; Fedora: sudo dnf install "
            "gnome-keyring) or KDE's KWallet, then log in to your desktop again.")
    if not env.get("DBUS_SESSION_BUS_ADDRESS"):
        text += (" This session also has no D-Bus session bus, which a keyring needs: start bitget-desktop from "
                 "your desktop, not from SSH or a bare console.")
    return text


class CredentialStore:
    """Saves, loads and deletes Credentials in the OS keyring (never in a file or a log)."""

    def __init__(self, service: str = SERVICE, backend: KeyringBackend | None = None) -> None:
        self._service = service
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        return self._backend or keyring.get_keyring()

    def check_available(self) -> str:
        """Return the backend's name, or raise KeyringUnavailable with a plain explanation."""
        backend = self.backend
        name = _backend_name(backend)
        chainer = getattr(backend, "backends", None)
        names = [_backend_name(b) for b in chainer] if chainer else [name]
        if not names or all(n.startswith(_UNSAFE_BACKENDS) for n in names) or backend.priority <= 0:
            log.info("no usable keyring: the backends found were %s", ", ".join(names))
            raise KeyringUnavailable(
                "No secure system keyring is available, so an API key cannot be stored (bitget-desktop keeps "
                "secrets only there, never in plain text). " + keyring_help()
            )
        return name

    def save(self, account: str, creds: Credentials) -> None:
        self.check_available()
        blob = json.dumps({"api_key": creds.api_key, "secret": creds.secret, "passphrase": creds.passphrase})
        try:
            self.backend.set_password(self._service, account, blob)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"The system keyring refused to store the key: {type(exc).__name__}") from None
        log.info("stored API key %s for account %r in the system keyring", creds.key_hint, account)

    def load(self, account: str) -> Credentials | None:
        try:
            blob = self.backend.get_password(self._service, account)
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(f"The system keyring could not be read: {type(exc).__name__}") from None
        if blob is None:
            return None
        try:
            data = json.loads(blob)
            return Credentials(data["api_key"], data["secret"], data["passphrase"])
        except (ValueError, KeyError, TypeError):
            # Never echo the blob: it holds the secret.
            raise KeyringUnavailable(
                f"The keyring entry for account {account!r} is damaged; remove and re-add it") from None

    def delete(self, account: str) -> bool:
        try:
            self.backend.delete_password(self._service, account)
        except keyring.errors.PasswordDeleteError:
            return False
        log.info("removed the API key of account %r from the system keyring", account)
        return True
