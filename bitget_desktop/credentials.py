"""CredentialStore: API keys kept only in the OS keyring, one entry per named account."""

from __future__ import annotations

import json
import logging

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
            raise KeyringUnavailable(
                "No secure system keyring is available (found: "
                + ", ".join(names)
                + "). Start your desktop's keyring (GNOME Keyring, KWallet, macOS Keychain or Windows Credential "
                "Manager) and try again; bitget-desktop does not store API secrets in plain text."
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
