"""Amazon's buyer relay: which alias reaches a case's buyer, in which language, and the one
builder of a mail to it (from the sender the seller approved in Seller Central)."""

from __future__ import annotations

from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from bot.edges.config import Settings
from bot.edges.render import header_safe
from bot.edges.store import Store

#: Marketplace -> language Amazon and the buyer use there.
MARKETPLACE_LANG = {"amazon.fr": "fr", "amazon.de": "de", "amazon.it": "it",
                    "amazon.es": "es", "amazon.co.uk": "en", "amazon.com": "en",
                    "amazon.com.be": "fr", "amazon.nl": "en", "amazon.pl": "en",
                    "amazon.se": "en"}


def buyer_language(case: dict[str, Any]) -> str:
    return case.get("language") or MARKETPLACE_LANG.get(case.get("marketplace") or "", "en")


def relay_target(store: Store, case: dict[str, Any]) -> tuple[str | None, str | None]:
    """(relay alias, buyer message to thread to): the case's own, or the buyer's message
    case on the same order."""
    if case.get("buyer_alias"):
        return case["buyer_alias"], case["data"].get("source_message_id")
    if case.get("order_id"):
        for other in store.cases_where("kind = 'message' and order_id = ? and "
                                       "buyer_alias is not null",
                                       [case["order_id"]], order_by="id desc"):
            return other["buyer_alias"], other["data"].get("source_message_id")
    return None, None


def relay_mail(settings: Settings, alias: str, subject: str, text: str, now: datetime, *,
               thread: str | None = None, lang: str | None = None) -> tuple[EmailMessage, str]:
    """A mail to a buyer through Amazon's relay, from the sender the seller approved: the one
    builder for every buyer answer (headers checked, threaded when there is a thread)."""
    msg = EmailMessage()
    local, domain = settings.buyer.sender.split("@", 1)
    msg["From"] = Address(header_safe(settings.buyer.sender_name or settings.seller.name, 80),
                          local, domain)
    msg["To"] = alias
    msg["Subject"] = header_safe(subject, 200)
    msg["Date"] = format_datetime(now)
    message_id = make_msgid(domain=domain)
    msg["Message-ID"] = message_id
    if thread:
        msg["In-Reply-To"] = thread
        msg["References"] = thread
    msg.set_content(text)
    if lang:
        msg["Content-Language"] = lang  # after set_content, which drops Content-* headers
    return msg, message_id
