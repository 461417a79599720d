"""Where the client connects: live Bitget, Bitget demo trading, or a local simulator, as data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from types import MappingProxyType
from urllib.parse import urlsplit


class EnvironmentKind(str, Enum):
    LIVE = "live"
    DEMO = "demo"
    LOCAL = "local"


@dataclass(frozen=True, slots=True)
class Environment:
    """Base URLs and extra headers of one Bitget environment."""

    name: str
    kind: EnvironmentKind
    rest_url: str
    ws_public_url: str
    ws_private_url: str
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    ws_public_v3_url: str = ""
    ws_private_v3_url: str = ""

    @property
    def is_live(self) -> bool:
        return self.kind is EnvironmentKind.LIVE

    @property
    def is_demo(self) -> bool:
        return self.kind is EnvironmentKind.DEMO

    @property
    def is_local(self) -> bool:
        return self.kind is EnvironmentKind.LOCAL


LIVE = Environment(
    name="Bitget live",
    kind=EnvironmentKind.LIVE,
    rest_url="https://api.bitget.com",
    ws_public_url="wss://ws.bitget.com/v2/ws/public",
    ws_private_url="wss://ws.bitget.com/v2/ws/private",
    ws_public_v3_url="wss://ws.bitget.com/v3/ws/public",
    ws_private_v3_url="wss://ws.bitget.com/v3/ws/private",
)

DEMO = Environment(
    name="Bitget demo trading",
    kind=EnvironmentKind.DEMO,
    rest_url="https://api.bitget.com",
    ws_public_url="wss://wspap.bitget.com/v2/ws/public",
    ws_private_url="wss://wspap.bitget.com/v2/ws/private",
    headers=MappingProxyType({"paptrading": "1"}),
    ws_public_v3_url="wss://wspap.bitget.com/v3/ws/public",
    ws_private_v3_url="wss://wspap.bitget.com/v3/ws/private",
)


def local(rest_url: str, name: str = "Simulator") -> Environment:
    """An environment for a Bitget-compatible server at `rest_url` (http://host:port)."""
    parts = urlsplit(rest_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) base URL: {rest_url!r}")
    ws_scheme = "wss" if parts.scheme == "https" else "ws"
    base = f"{ws_scheme}://{parts.netloc}"
    return Environment(
        name=name,
        kind=EnvironmentKind.LOCAL,
        rest_url=f"{parts.scheme}://{parts.netloc}",
        ws_public_url=f"{base}/v2/ws/public",
        ws_private_url=f"{base}/v2/ws/private",
        ws_public_v3_url=f"{base}/v3/ws/public",
        ws_private_v3_url=f"{base}/v3/ws/private",
    )
