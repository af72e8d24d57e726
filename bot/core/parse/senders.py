"""Mail that is no notification by the way it was sent: bounces, auto-replies, and mail
addressed to the bot itself (a seller's command or an answer to one of its mails)."""

from __future__ import annotations

import re
from email.message import Message

from .mime import Bodies, header

_OOO_SUBJECT = re.compile(
    r"out of (?:the )?office|r[ée]ponse automatique|absence|automatic reply|auto(?:matische)?[- ]?"
    r"(?:reply|antwort)|abwesenheit|risposta automatica|fuori (?:sede|ufficio)|"
    r"respuesta autom[áa]tica|fuera de la oficina|vacation|cong[ée]s", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:ed|able)|delivery status notification|mail delivery (?:failed|failure|system)|"
    r"returned mail|non remis|[ée]chec de (?:la )?(?:remise|distribution)|unzustellbar|"
    r"mancato recapito|no se puede entregar|message not delivered", re.I)
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|r|rif|sv|antw)\s*:", re.I)


def out_of_office_subject(subject: str) -> bool:
    """The subject says "out of office" (in any of Amazon's languages), near its start."""
    return bool(_OOO_SUBJECT.search(subject[:80]))


def is_auto_reply(msg: Message, subject: str, in_reply_to: str | None) -> bool:
    """Auto-Submitted / X-Autoreply / Precedence headers, or an out-of-office subject."""
    auto = header(msg, "Auto-Submitted").strip().lower()
    if auto and not auto.startswith("no"):
        return True
    if header(msg, "X-Autoreply") or header(msg, "X-Autorespond") or header(msg, "X-Autoreply-From"):
        return True
    prec = header(msg, "Precedence").strip().lower()
    if prec == "auto_reply":
        return True
    if prec in ("bulk", "junk", "list") and (in_reply_to or _REPLY_SUBJECT.match(subject)):
        return True
    if header(msg, "X-Auto-Response-Suppress").strip().lower() in ("all", "oof") and \
            _OOO_SUBJECT.search(subject):
        return True
    return out_of_office_subject(subject)


def is_bounce(msg: Message, bodies: Bodies, from_addr: str | None, subject: str) -> bool:
    """A delivery status report, or mail from the mailer daemon."""
    if bodies.has_delivery_status or (bodies.is_report and "delivery-status" in
                                      header(msg, "Content-Type").lower()):
        return True
    local = (from_addr or "").split("@")[0]
    if local in ("mailer-daemon", "postmaster", "mail-daemon") and (
            bodies.is_report or _BOUNCE_SUBJECT.search(subject)):
        return True
    return local in ("mailer-daemon", "mail-daemon")


def points_at_bot(to_addrs: tuple[str, ...], ids: tuple[str, ...], bots: tuple[str, ...]) -> bool:
    """Sent to one of the bot's addresses, or in a thread one of its mails started."""
    bots_l = [b.lower() for b in bots if "@" in b]
    if any(a in bots_l for a in to_addrs):
        return True
    for mid in ids:
        right = mid.strip("<>").rsplit("@", 1)[-1].lower()
        for b in bots_l:
            local, dom = b.split("@", 1)
            if right in (dom, f"{local}.{dom}"):
                return True
    return False
