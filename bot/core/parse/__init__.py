"""Raw email bytes -> `Notice`. Pure: no I/O, no clock, never raises.

One module per notification family (returns, claims, messages, orders, seller_reply),
common helpers (mime, links, common, auth, forward) and the decision order in classify.
"""

from __future__ import annotations

from bot.core.domain import Kind, Notice

from .classify import parse_msg
from .mime import TooComplex, parse_bytes

__all__ = ["parse_message"]


def parse_message(raw: bytes, *, trusted_authserv_ids: tuple[str, ...] = (),
                  bot_addresses: tuple[str, ...] = (), seller_addresses: tuple[str, ...] = (),
                  default_tz: str = "Europe/Paris") -> Notice:
    """Understand one email. Any failure -> Notice(kind=UNRECOGNIZED, error=...)."""
    try:
        if not isinstance(raw, (bytes, bytearray, memoryview)):
            raise TypeError(f"expected bytes, got {type(raw).__name__}")
        raw = bytes(raw)
        msg = parse_bytes(raw)
        return parse_msg(msg, raw, trusted=tuple(trusted_authserv_ids),
                         bots=tuple(bot_addresses), sellers=tuple(seller_addresses),
                         default_tz=default_tz)
    except TooComplex as exc:  # bounded work per mail: quarantined with the reason
        return Notice(kind=Kind.UNRECOGNIZED, error=f"too_complex: {exc}")
    except Exception as exc:  # noqa: BLE001 - the caller quarantines the message
        return Notice(kind=Kind.UNRECOGNIZED, error=f"{type(exc).__name__}: {exc}")
