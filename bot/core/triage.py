"""Decide from a few headers whether a message needs its body fetched and parsed.

A seller's mailbox is mostly other mail (newsletters, suppliers, customers outside Amazon).
Fetching and parsing those bodies is most of the cost of a sync, so the intake first fetches a
handful of header fields and sends only candidates to the full parser. The rule is
conservative: anything that mentions Amazon anywhere in its sender fields, answers sellerbot,
comes from the seller, bounces, or looks forwarded, is a candidate. A message that is not a
candidate is recorded as ignored, never lost.
"""

from __future__ import annotations

import re
from email.header import decode_header
from email.parser import BytesHeaderParser
from email.policy import compat32

#: Header fields fetched for triage (IMAP BODY.PEEK[HEADER.FIELDS (...)]).
TRIAGE_FIELDS = (
    "FROM", "SENDER", "REPLY-TO", "TO", "CC", "SUBJECT", "MESSAGE-ID", "IN-REPLY-TO",
    "REFERENCES", "X-SPACE-NOTIFICATION-TYPE", "X-MARKETPLACE-ID", "CONTENT-TYPE",
    "RETURN-PATH",
)

_AMAZONISH = re.compile(r"amaz|a\s*m\s*a\s*z\s*o\s*n|seller\s*central|a-?to-?z|marketplace",
                        re.IGNORECASE)
_FORWARD = re.compile(r"^\s*(fwd?|tr|wg|rv|i|enc)\s*:", re.IGNORECASE)
_BOUNCE_SENDER = re.compile(r"mailer-daemon|postmaster", re.IGNORECASE)
_parser = BytesHeaderParser(policy=compat32)


def _decoded(value: str | None) -> str:
    if not value:
        return ""
    try:
        return "".join(part.decode(charset or "latin-1", "replace") if isinstance(part, bytes)
                       else part for part, charset in decode_header(value))
    except (ValueError, LookupError):
        return value


def is_candidate(header_bytes: bytes, bot_addresses: tuple[str, ...],
                 seller_addresses: tuple[str, ...]) -> bool:
    """True when the message may matter to sellerbot and must be fully parsed."""
    try:
        headers = _parser.parsebytes(header_bytes)
    except Exception:  # noqa: BLE001 - unparsable headers: let the full parser judge
        return True
    if headers.get("X-Space-Notification-Type") or headers.get("X-Marketplace-ID"):
        return True
    senders = " ".join(_decoded(headers.get(name)) for name in
                       ("From", "Sender", "Reply-To", "Return-Path"))
    if _AMAZONISH.search(senders) or _BOUNCE_SENDER.search(senders):
        return True
    lowered = senders.lower()
    if any(addr in lowered for addr in seller_addresses):
        return True
    recipients = " ".join(headers.get(name, "") for name in ("To", "Cc")).lower()
    bot_locals = [a.split("@", 1) for a in bot_addresses]
    if any(local in recipients and domain in recipients for local, domain in bot_locals):
        return True
    threading = " ".join(headers.get(name, "") for name in ("In-Reply-To", "References"))
    if any(domain in threading.lower() for _, domain in bot_locals):
        return True
    subject = _decoded(headers.get("Subject"))
    if _FORWARD.search(subject) or _AMAZONISH.search(subject):
        return True
    content_type = headers.get("Content-Type", "").lower()
    return "multipart/report" in content_type
