"""What every part of the shell shares: settings, store, clock, renderer, secrets.

`Service` is assembled from one class per step of the flow (cases, replies, reminders,
notify, outbox); each of them inherits these attributes from `Runtime` and nothing else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.edges.clock import Clock
    from bot.edges.config import Settings
    from bot.core.deadlines import QuietHours
    from bot.core.decide import Policy
    from bot.edges.links import LinkPolicy
    from bot.edges.mailer import SmtpTarget
    from bot.edges.render import Renderer
    from bot.edges.store import Store


@dataclass(frozen=True)
class Origin:
    """Where a message came from: the intake progress key."""

    account: str = "local"
    folder: str = "-"
    uidvalidity: int = 0
    uid: int | None = None
    source: str = "imap"


def normalize_eol(raw: bytes) -> bytes:
    """IMAP and SMTP deliver CRLF; hash and parse one form."""
    return raw.replace(b"\r\n", b"\n")


def body_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


def mask(addr: str | None) -> str:
    """Buyer and seller addresses are not logged in full at info level."""
    if not addr or "@" not in addr:
        return addr or "-"
    local, domain = addr.split("@", 1)
    return f"{local[:2]}…@{domain}"


class Runtime:
    settings: Settings
    store: Store
    clock: Clock
    renderer: Renderer
    secret: bytes
    policy: Policy
    quiet: QuietHours | None
    link_policy: LinkPolicy
    smtp_target: SmtpTarget
    dry_run_dir: str | None
    backfill: bool
    hold_notices: bool
    catch_up_threshold: int
