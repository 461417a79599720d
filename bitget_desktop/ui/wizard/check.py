"""The key wizard's live check: reach Bitget, clock, signature and passphrase, account family, permissions, modes.

No Qt here: `run_key_check` is a coroutine that reports each step through a callback and returns a KeyCheckReport.
Nothing is stored; the caller stores the key only when the report passes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bitget_desktop.domain.errors import (
    BadRequest,
    BitgetError,
    ClassicAccountError,
    ExchangeUnavailable,
    InvalidApiKey,
    InvalidPassphrase,
    InvalidSignature,
    NetworkError,
    PermissionDenied,
    RateLimited,
    TimestampError,
    UnifiedAccountError,
)
from bitget_desktop.domain.market import ProductType
from bitget_desktop.exchange.environments import Environment
from bitget_desktop.exchange.models import AccountFamily, KeyPermissions
from bitget_desktop.exchange.signing import Credentials

if TYPE_CHECKING:
    from bitget_desktop.exchange.client import BitgetClient

MAX_CLOCK_OFFSET_MS = 30_000  # Bitget refuses requests whose timestamp is further than this from its clock

OK, WARN, FAIL, PENDING, SKIPPED = "ok", "warn", "fail", "pending", "skipped"

STEPS = (
    ("reach", "Reach Bitget"),
    ("clock", "Clock within Bitget's 30 s window"),
    ("auth", "Key, secret and passphrase accepted"),
    ("family", "Account type"),
    ("permissions", "Key permissions"),
    ("modes", "Futures position modes"),
)


@dataclass
class Step:
    """The outcome of one check step, worded for the user."""

    key: str
    title: str
    status: str = PENDING
    detail: str = ""
    code: str = ""  # Bitget's error code when a refusal caused the status


@dataclass
class KeyCheckReport:
    """All steps plus the facts learnt: account family, permissions and position modes."""

    steps: dict[str, Step] = field(default_factory=lambda: {k: Step(k, t) for k, t in STEPS})
    family: AccountFamily | None = None
    permissions: KeyPermissions | None = None
    position_modes: dict[str, str] = field(default_factory=dict)
    clock_offset_ms: int | None = None

    @property
    def passed(self) -> bool:
        return all(s.status in (OK, WARN, SKIPPED) for s in self.steps.values())

    @property
    def failed(self) -> Step | None:
        return next((s for s in self.steps.values() if s.status == FAIL), None)

    @property
    def warnings(self) -> list[Step]:
        return [s for s in self.steps.values() if s.status == WARN]

    @property
    def withdrawal_enabled(self) -> bool:
        return bool(self.permissions and self.permissions.can_withdraw)


def explain(exc: BaseException, environment: Environment | None = None) -> str:
    """A precise, plain sentence for a failed check; wrong passphrase, wrong secret and network stay distinct."""
    code = getattr(exc, "code", "")
    tail = f" (Bitget code {code}: {getattr(exc, 'msg', '')})" if code else ""
    if isinstance(exc, InvalidPassphrase):
        return ("Wrong passphrase: Bitget accepted the key but not the passphrase" + tail + ". Enter the passphrase "
                "you chose when you created this API key (it is not your account password).")
    if isinstance(exc, InvalidSignature):
        return ("Wrong secret key: the request signature did not verify" + tail + ". Copy the secret key again "
                "from Bitget; it is shown only once, when the key is created.")
    if isinstance(exc, InvalidApiKey):
        other = ""
        if environment is not None and not environment.is_local:
            other = (" Demo-trading keys work only with Bitget demo trading, and live keys only with live trading;"
                     " check the environment you picked.")
        return "Bitget does not know this API key" + tail + "." + other
    if isinstance(exc, TimestampError):
        return ("Bitget refused the request time" + tail + ": this computer's clock is too far from Bitget's. "
                "Turn on automatic time (NTP) and run the check again.")
    if isinstance(exc, PermissionDenied):
        if code == "40018":
            return "This computer's IP address is not on the key's IP whitelist" + tail + ". Add it on Bitget."
        return "Bitget refused the key's access" + tail + ". " + getattr(exc, "hint", "")
    if isinstance(exc, NetworkError):
        return ("Network error: no answer from Bitget" + (f" ({exc.msg})" if exc.msg else "") +
                ". Check the internet connection, proxy or firewall.")
    if isinstance(exc, ExchangeUnavailable):
        return "Bitget is unavailable or under maintenance" + tail + ". Try again later."
    if isinstance(exc, RateLimited):
        return "Bitget asked to slow down" + tail + ". Wait a moment and run the check again."
    if isinstance(exc, BitgetError):
        return str(exc)
    return f"Unexpected error: {type(exc).__name__}"


def futures_product_types(environment: Environment) -> tuple[ProductType, ...]:
    if environment.is_demo:
        return (ProductType.SUSDT_FUTURES, ProductType.SUSDC_FUTURES, ProductType.SCOIN_FUTURES)
    return (ProductType.USDT_FUTURES, ProductType.USDC_FUTURES, ProductType.COIN_FUTURES)


PRODUCT_LABELS = {
    "USDT-FUTURES": "USDT-M perpetuals", "USDC-FUTURES": "USDC-M perpetuals", "COIN-FUTURES": "Coin-M perpetuals",
    "SUSDT-FUTURES": "USDT-M perpetuals (demo)", "SUSDC-FUTURES": "USDC-M perpetuals (demo)",
    "SCOIN-FUTURES": "Coin-M perpetuals (demo)",
}

# Bitget v2 authority codes: two letters name the area, "or" = read-only, "ow" = read and write.
_V2_AREAS = {"co": "futures orders", "cp": "futures positions", "st": "spot", "wt": "transfers", "ww": "withdrawals"}
_V3_WORDS = {"uta_trade": "trading", "uta_mgt": "account management", "withdraw": "withdrawals",
             "transfer": "transfers", "read": "read", "trade": "trading"}


def describe_permissions(perms: KeyPermissions) -> str:
    """The key's permissions in words, e.g. 'spot: trade, futures orders: trade, WITHDRAWALS'."""
    areas: dict[str, str] = {}
    other: list[str] = []
    for p in sorted(perms.permissions):
        if len(p) == 4 and p[:2] in _V2_AREAS and p[2:] in ("or", "ow"):
            name = _V2_AREAS[p[:2]]
            if areas.get(name) != "trade":
                areas[name] = "trade" if p[2:] == "ow" else "read"
        else:
            other.append(_V3_WORDS.get(p, p))
    words = [f"{name}: {level}" for name, level in areas.items() if name != "withdrawals"]
    if "withdrawals" in areas or "withdrawals" in other:
        words.append("WITHDRAWALS")
    words += [w for w in other if w != "withdrawals"]
    return ", ".join(words) or "none reported"


MODE_LABELS = {"one_way_mode": "one-way", "hedge_mode": "hedge (long and short)"}


async def run_key_check(
    environment: Environment,
    credentials: Credentials,
    *,
    client_factory: Callable[..., BitgetClient] | None = None,
    on_step: Callable[[Step], None] = lambda step: None,
) -> KeyCheckReport:
    """Run every step against `environment` with `credentials`; stops at the first failure."""
    if client_factory is None:
        from bitget_desktop.exchange.client import BitgetClient

        client_factory = BitgetClient
    report = KeyCheckReport()
    steps = report.steps

    def mark(key: str, status: str, detail: str, code: str = "") -> None:
        step = steps[key]
        step.status, step.detail, step.code = status, detail, code
        on_step(step)

    def fail_rest(key: str, exc: BaseException | None) -> KeyCheckReport:
        """Mark `key` failed by `exc` (None: already marked) and every later step skipped."""
        if exc is not None:
            mark(key, FAIL, explain(exc, environment), getattr(exc, "code", ""))
        for s in steps.values():
            if s.status == PENDING:
                s.status = SKIPPED
                on_step(s)
        return report

    client = client_factory(environment, credentials, get_retries=1, retry_initial_delay=0.1, timeout=10.0)
    try:
        # 1-2: reach the server and measure the clock offset (public; no key involved).
        try:
            offset = int(await client.sync_clock())
        except BitgetError as exc:
            return fail_rest("reach", exc)
        report.clock_offset_ms = offset
        mark("reach", OK, f"{environment.name} answered.")
        if abs(offset) > MAX_CLOCK_OFFSET_MS:
            way = "behind" if offset > 0 else "ahead of"
            mark("clock", FAIL,
                 f"This computer's clock is {abs(offset) / 1000:.0f} s {way} Bitget's; Bitget refuses signed "
                 "requests more than 30 s off. Turn on automatic time (NTP) and run the check again.")
            return fail_rest("auth", None)
        mark("clock", OK, f"Offset {offset / 1000:+.1f} s (Bitget allows ±30 s).")

        # 3-4: the v3 probe authenticates the key and tells the account family in one call.
        try:
            family = await client.detect_account_family()
        except (InvalidPassphrase, InvalidSignature, InvalidApiKey, TimestampError, PermissionDenied,
                NetworkError, ExchangeUnavailable, RateLimited) as exc:
            return fail_rest("auth", exc)
        except UnifiedAccountError:
            family = AccountFamily.UNIFIED
        except BitgetError as exc:
            # No v3 on this server (or the probe refused for another reason): a v2 call still authenticates.
            try:
                await client.key_permissions()
                family = AccountFamily.CLASSIC
            except UnifiedAccountError:
                family = AccountFamily.UNIFIED
            except BitgetError:
                return fail_rest("auth", exc)
        report.family = family
        mark("auth", OK, "Signature and passphrase verified by Bitget.")
        if family is AccountFamily.UNIFIED:
            mark("family", OK, "Unified Trading Account (UTA): spot and futures share one wallet (API v3).")
        else:
            mark("family", OK, "Classic account: separate spot and futures accounts (API v2).")

        # 5: permissions; withdrawal is a warning, not a refusal.
        try:
            perms = await client.key_permissions()
        except BitgetError as exc:
            return fail_rest("permissions", exc)
        report.permissions = perms
        shown = describe_permissions(perms)
        if perms.can_withdraw:
            mark("permissions", WARN,
                 f"This key can WITHDRAW funds ({shown}). A trading terminal never needs that: create a key "
                 "without the withdrawal permission, ideally bound to your IP address.")
        elif not perms.can_trade:
            mark("permissions", WARN, f"Read-only key ({shown}): you can watch the account but not place orders.")
        else:
            mark("permissions", OK, f"{shown}; no withdrawal permission."
                 + ("" if perms.ip_bound else " Tip: bind the key to your IP address on Bitget."))

        # 6: position mode of each futures product type.
        details: list[str] = []
        if family is AccountFamily.UNIFIED:
            try:
                settings = await client.unified_settings()
                mode = str(settings.hold_mode) if settings.hold_mode else "unknown"
                report.position_modes["UTA"] = mode
                details.append(f"all futures: {MODE_LABELS.get(mode, mode)}")
            except BitgetError as exc:
                return fail_rest("modes", exc)
        else:
            for pt in futures_product_types(environment):
                label = PRODUCT_LABELS.get(pt.value, pt.value)
                try:
                    mode = str(await client.position_mode(pt))
                except (BadRequest, ClassicAccountError, UnifiedAccountError):
                    report.position_modes[pt.value] = "unavailable"
                    details.append(f"{label}: not offered here")
                    continue
                except BitgetError as exc:
                    return fail_rest("modes", exc)
                report.position_modes[pt.value] = mode
                details.append(f"{label}: {MODE_LABELS.get(mode, mode)}")
        mark("modes", OK, "; ".join(details) + ".")
        return report
    finally:
        await client.close()
