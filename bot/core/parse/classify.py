"""Which family is this email, and the whole parse pipeline around the family parsers.

Order of decisions (first match wins), as one readable table in `parse_msg`:
bounce -> genuine Amazon notification -> auto-reply -> forwarded notification ->
seller command -> claims to be Amazon (suspicious) -> ignore.
Genuine notifications are taken apart in `amazon`; bounces, auto-replies and mail to the bot
are told by `senders`; the marketplace tables live in `marketplace`.
"""

from __future__ import annotations

import hashlib
import re
from email.message import Message

from bot.core.domain import Kind, Notice

from . import auth
from .amazon import SPACE_TYPES, parse_amazon
from .common import find_order_id
from .context import Ctx
from .forward import FWD_SUBJECT, find_inline_forward
from .marketplace import MARKETPLACE_BY_DOMAIN, MARKETPLACE_IDS
from .mime import (
    Bodies,
    address,
    addresses,
    collect_bodies,
    domain_of,
    header,
    message_ids,
    parse_date_header,
)
from .seller_reply import parse_seller_command
from .senders import is_auto_reply, is_bounce, out_of_office_subject, points_at_bot

__all__ = ["MARKETPLACE_BY_DOMAIN", "MARKETPLACE_IDS", "SPACE_TYPES", "parse_msg"]

#: (Authentication-Results by method, domains whose DKIM signature passed): auth.auth_results
Authn = tuple[dict[str, str], list[str]]


def _body_hash(raw: bytes) -> str:
    i = raw.find(b"\r\n\r\n")
    j = raw.find(b"\n\n")
    cut = min(x for x in (i, j, len(raw)) if x >= 0)
    return hashlib.sha256(raw[cut:].strip()).hexdigest()


def _notice(msg: Message, raw: bytes | None, default_tz: str,
            forwarded: bool) -> tuple[Notice, tuple[str, ...]]:
    """The Notice as far as the headers tell, and the ids of the thread the mail is in."""
    subject = header(msg, "Subject")
    from_name, from_addr = address(msg, "From")
    _rn, reply_to = address(msg, "Reply-To")
    to_addrs = addresses(msg, "To", "Cc")
    irt = message_ids(header(msg, "In-Reply-To"))
    refs = message_ids(header(msg, "References"))
    date = parse_date_header(header(msg, "Date"), default_tz)
    n = Notice(kind=Kind.UNRECOGNIZED, message_id=(message_ids(header(msg, "Message-ID")) or
                                                   (None,))[0],
               subject=subject, from_addr=from_addr, from_name=from_name, reply_to=reply_to,
               to_addrs=to_addrs, in_reply_to=irt[0] if irt else None, references=refs,
               event_time=date, forwarded=forwarded)
    if raw is not None:
        n.body_hash = _body_hash(raw)
    return n, irt + refs


def parse_msg(msg: Message, raw: bytes | None, *, trusted: tuple[str, ...],
              bots: tuple[str, ...], sellers: tuple[str, ...], default_tz: str,
              forwarded: bool = False, depth: int = 0) -> Notice:
    """One parsed Message -> Notice, deciding in the order of the table above."""
    n, thread_ids = _notice(msg, raw, default_tz, forwarded)
    bodies = collect_bodies(msg)
    ctx = Ctx(msg=msg, subject=n.subject, from_name=n.from_name, from_addr=n.from_addr,
              bodies=bodies, date=n.event_time, default_tz=default_tz, forwarded=forwarded)
    from_domain = domain_of(n.from_addr)
    authn = auth.auth_results(msg, trusted if not forwarded else ())
    n.auth_results = authn[0]
    ntype = header(msg, "X-Space-Notification-Type").upper()
    mp_id = header(msg, "X-Marketplace-ID").upper()

    # 1. bounces
    if is_bounce(msg, bodies, n.from_addr, n.subject):
        n.kind, n.layout = Kind.BOUNCE, "dsn" if bodies.has_delivery_status else "bounce"
        return n

    claims_amazon = bool(ntype or mp_id or auth.mentions_amazon(n.from_name or "") or
                         auth.mentions_amazon(from_domain))

    # 2. genuine Amazon notification (authentication checked inside)
    if auth.is_genuine_amazon_sender(from_domain):
        return _genuine_amazon(ctx, n, ntype, mp_id, authn, from_domain)

    # 3. auto-replies (never answer them)
    if is_auto_reply(msg, n.subject, n.in_reply_to):
        n.kind, n.layout = Kind.AUTO_REPLY, "auto_reply"
        return n

    # 4. forwarded notifications
    if depth < 3:
        inner = _forwarded(ctx, n, trusted=trusted, bots=bots, sellers=sellers,
                           default_tz=default_tz, depth=depth)
        if inner is not None:
            return inner

    # 5. seller commands (unless the mail claims to be Amazon: then 6.)
    sellers_l = tuple(s.lower() for s in sellers)
    if ((n.from_addr and n.from_addr in sellers_l) or points_at_bot(n.to_addrs, thread_ids, bots)) \
            and not claims_amazon:
        parse_seller_command(ctx, n)
        if reasons := auth.auth_reasons(*authn, from_domain):
            n.suspicious_reasons.extend(reasons)
            n.kind = Kind.SUSPICIOUS
        return n

    # 6. looks like Amazon, is not; 7. everything else
    return _claims_amazon(n, from_domain) if claims_amazon else _unrelated(msg, n)


def _genuine_amazon(ctx: Ctx, n: Notice, ntype: str, mp_id: str, authn: Authn,
                    from_domain: str) -> Notice:
    """From Amazon's own domains: the notification, suspicious when authentication fails."""
    if from_domain.startswith("marketplace.") and out_of_office_subject(n.subject) and \
            not ntype:
        n.kind, n.layout = Kind.AUTO_REPLY, "relay_auto_reply"
        return n
    parse_amazon(ctx, n, ntype, mp_id)
    reasons = auth.auth_reasons(*authn, from_domain)
    if reasons:
        n.suspicious_reasons.extend(reasons)
    if n.suspicious_reasons:
        n.kind = Kind.SUSPICIOUS
        n.links = []
    return n


def _claims_amazon(n: Notice, from_domain: str) -> Notice:
    """Looks like Amazon (name, domain, Amazon's headers) but is not from Amazon."""
    n.kind = Kind.SUSPICIOUS
    n.suspicious_reasons = auth.sender_reasons(n.from_name, n.from_addr, claims_amazon=True) or [
        f"claims to be Amazon from {from_domain}"]
    n.order_id = find_order_id(n.subject, "")
    n.layout = "claims_amazon"
    return n


def _unrelated(msg: Message, n: Notice) -> Notice:
    """Neither Amazon nor the seller: a newsletter or unrelated mail, ignored."""
    n.kind = Kind.IGNORE
    n.layout = "newsletter" if (header(msg, "List-Unsubscribe") or header(msg, "List-Id") or
                                header(msg, "Precedence").lower() in ("bulk", "list")) \
        else "unrelated"
    return n


def _forwarded(ctx: Ctx, n: Notice, *, trusted: tuple[str, ...], bots: tuple[str, ...],
               sellers: tuple[str, ...], default_tz: str, depth: int) -> Notice | None:
    """An Amazon notification forwarded to sellerbot (attached, or quoted inline), parsed as
    the original; None when this is no forwarded notification."""
    inner_msg = ctx.bodies.attached[0] if ctx.bodies.attached else None
    sellers_l = tuple(s.lower() for s in sellers)
    untrusted_forwarder = bool(sellers_l) and n.from_addr not in sellers_l
    if inner_msg is not None:
        _in, inner_addr = address(inner_msg, "From")
        if auth.is_genuine_amazon_sender(domain_of(inner_addr)) or auth.mentions_amazon(_in or ""):
            inner = parse_msg(inner_msg, None, trusted=(), bots=bots, sellers=sellers,
                              default_tz=default_tz, forwarded=True, depth=depth + 1)
            return _finish_forward(inner, n, untrusted_forwarder)
        return None
    text = ctx.bodies.plain or ctx.text
    fw = find_inline_forward(text, default_tz)
    if fw is None or not fw.from_addr:
        return None
    if not (auth.is_genuine_amazon_sender(domain_of(fw.from_addr)) or
            auth.mentions_amazon(fw.from_name or "") or auth.mentions_amazon(fw.from_addr)):
        return None
    fctx = Ctx(msg=ctx.msg, subject=fw.subject or re.sub(FWD_SUBJECT, "", ctx.subject).strip(),
               from_name=fw.from_name, from_addr=fw.from_addr,
               bodies=Bodies(plain=fw.body, html=ctx.bodies.html), date=fw.date or ctx.date,
               default_tz=default_tz, forwarded=True, prefer_plain=True)
    inner = Notice(kind=Kind.UNRECOGNIZED, message_id=n.message_id, subject=fctx.subject,
                   from_addr=fw.from_addr, from_name=fw.from_name, reply_to=None,
                   to_addrs=n.to_addrs, in_reply_to=n.in_reply_to, references=n.references,
                   event_time=fctx.date, forwarded=True, body_hash=n.body_hash)
    if auth.is_genuine_amazon_sender(domain_of(fw.from_addr)):
        parse_amazon(fctx, inner, "", "")
    else:
        inner.kind = Kind.SUSPICIOUS
        inner.suspicious_reasons = auth.sender_reasons(fw.from_name, fw.from_addr,
                                                       claims_amazon=True)
        inner.layout = "forwarded_claims_amazon"
    return _finish_forward(inner, n, untrusted_forwarder)


def _finish_forward(inner: Notice, outer: Notice, untrusted_forwarder: bool) -> Notice:
    inner.forwarded = True
    inner.message_id = outer.message_id
    inner.in_reply_to = outer.in_reply_to
    inner.references = outer.references
    inner.to_addrs = outer.to_addrs
    inner.body_hash = outer.body_hash
    inner.auth_results = outer.auth_results
    if inner.event_time is None:
        inner.event_time = outer.event_time
    if untrusted_forwarder and inner.kind not in (Kind.IGNORE, Kind.AUTO_REPLY, Kind.BOUNCE,
                                                  Kind.SUSPICIOUS, Kind.UNRECOGNIZED) \
            and not inner.suspicious_reasons:
        # Amazon's content is intact, only the forwarder is unknown: recognise it, but the
        # seller must confirm before sellerbot acts on it (no link, no buyer mail).
        inner.needs_confirmation = True
    if inner.suspicious_reasons:
        inner.kind = Kind.SUSPICIOUS
        inner.links = []
    return inner
