"""Small values the flows pass around: where a message came from, the intake mode, hashes.

Nothing here holds a flow's state: each flow is built with what it uses (see
`bot.app.service.Service`), and the few facts they share are these plain values.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


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



@dataclass
class IntakeMode:
    """How mail is being read right now, shared by reference between the flows that care.

    `backfill`: first sync of a mailbox, history is rebuilt without mailing about the past.
    `hold_notices`: during a bulk pass new-case notices are written to the outbox as "held";
    `Cases.flush_notices` releases them, or sends one summary when there are more than
    `catch_up_threshold` (a first run must not send the seller 300 mails).
    """

    backfill: bool = False
    hold_notices: bool = False
    catch_up_threshold: int = 10
