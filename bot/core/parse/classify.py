"""Which family is this email, and the whole parse pipeline around the family parsers.

Order of decisions (first match wins), as one readable table in `_parse_msg`:
bounce -> genuine Amazon notification -> auto-reply -> forwarded notification ->
seller command -> claims to be Amazon (suspicious) -> ignore.
"""

from __future__ import annotations

import hashlib
import re
from email.message import Message
from zoneinfo import ZoneInfo

from bot.core.domain import Kind, Notice

from . import auth
from .claims import parse_claim
from .common import ORDER_ID, detect_language, find_order_id
from .context import Ctx
from .forward import FWD_SUBJECT, find_inline_forward
from .links import action_links, host_of, is_amazon_link_host
from .messages import parse_buyer_message, parse_seller_reply_copy
from .mime import (
    Bodies,
    add_calendar_days,
    add_hours,
    address,
    addresses,
    collect_bodies,
    domain_of,
    header,
    message_ids,
    parse_date_header,
)
from .orders import MARKETPLACE_TZ
from .orders import SUBJECT as ORDER_SUBJECT
from .orders import parse_order
from .returns import parse_cancellation, parse_refund, parse_return
from .seller_reply import parse_seller_command
from .stated import stated_deadline

MARKETPLACE_IDS = {
    "A13V1IB3VIYZZH": "amazon.fr", "A1PA6795UKMFR9": "amazon.de", "APJ6JRA9NG5V4": "amazon.it",
    "A1RKKUPIHCS9HS": "amazon.es", "A1F83G8C2ARO7P": "amazon.co.uk", "ATVPDKIKX0DER": "amazon.com",
    "A1805IZSGTT6HS": "amazon.nl", "AMEN7PMS3EDWL": "amazon.com.be", "A1C3SOZRARQ6R3": "amazon.pl",
    "A2NODRKZP88ZB9": "amazon.se", "A2EUQ1WTGCTBG2": "amazon.ca", "A1AM78C64UM0Y8": "amazon.com.mx",
}
MARKETPLACE_BY_DOMAIN = {v: k for k, v in MARKETPLACE_IDS.items()}

SPACE_TYPES = {
    "RETURN_REQUEST": "return",
    "REFUND_ISSUED": "refund",
    "A_Z_CLAIM_RESPONDENT_NOTIFY": "claim_notify",
    "A_Z_CLAIM_RESPONDENT_CLOSE": "claim_close",
    "BRC_SELLER_NOTIFICATION": "cancellation",
    "BBC_MESSAGE_SENT_TO_MERCHANT": "buyer_message",
    "BBC_MESSAGE_CONFIRMATION_TO_MERCHANT": "seller_reply_copy",
    "BUYER_OPTED_OUT_BSM_MESSAGES": "ignore",
}

_OOO_SUBJECT = re.compile(
    r"out of (?:the )?office|r[ée]ponse automatique|absence|automatic reply|auto(?:matische)?[- ]?"
    r"(?:reply|antwort)|abwesenheit|risposta automatica|fuori (?:sede|ufficio)|"
    r"respuesta autom[áa]tica|fuera de la oficina|vacation|cong[ée]s", re.I)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver(?:ed|able)|delivery status notification|mail delivery (?:failed|failure|system)|"
    r"returned mail|non remis|[ée]chec de (?:la )?(?:remise|distribution)|unzustellbar|"
    r"mancato recapito|no se puede entregar|message not delivered", re.I)
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|r|rif|sv|antw)\s*:", re.I)
_RETURN_HINT = re.compile(r"retour|return|r[üu]cksend|r[üu]ckgabe|\breso\b|devoluci|\bretur|zwrot", re.I)
_REFUND_HINT = re.compile(r"remboursement (?:effectu|[ée]mis)|refund (?:issued|processed)|"
                          r"erstattung|rimborso (?:emesso|effettuato)|reembolso (?:emitido|realizado)",
                          re.I)
_CANCEL_HINT = re.compile(r"demande d.annulation|cancellation request|stornierungsanfrage|"
                          r"richiesta di cancellazione|richiesta di annullamento|"
                          r"solicitud de cancelaci", re.I)
_CLAIM_HINT = re.compile(r"garantie a (?:[àa] )?z|a-to-z|a-z[- ]garantie|garanzia dalla a alla z|"
                         r"garant[íi]a de la a a la z|atoz", re.I)
# Families whose mails always name an order: none found = the layout changed under us.
_NEEDS_ORDER = frozenset({"return", "refund", "cancellation", "claim", "claim_notify",
                          "claim_close", "order"})
_SAFE_OFF_HOSTS = re.compile(r"(?:^|\.)(?:media-amazon\.com|images-amazon\.com|amzn\.(?:to|eu)|"
                             r"a\.co|amazonses\.com|amazon\.jobs)$")


def _marketplace_from_domain(domain: str) -> str | None:
    d = domain.lower()
    for mp in sorted(MARKETPLACE_BY_DOMAIN, key=len, reverse=True):
        if d == mp or d.endswith("." + mp):
            return mp
    m = re.search(r"amazon\.((?:co|com)\.[a-z]{2}|[a-z]{2,3})$", d)
    return f"amazon.{m.group(1)}" if m else None


def _body_hash(raw: bytes) -> str:
    i = raw.find(b"\r\n\r\n")
    j = raw.find(b"\n\n")
    cut = min(x for x in (i, j, len(raw)) if x >= 0)
    return hashlib.sha256(raw[cut:].strip()).hexdigest()


def _is_auto_reply(msg: Message, subject: str, in_reply_to: str | None) -> bool:
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
    return bool(_OOO_SUBJECT.search(subject[:80]))


def _is_bounce(msg: Message, bodies: Bodies, from_addr: str | None, subject: str) -> bool:
    if bodies.has_delivery_status or (bodies.is_report and "delivery-status" in
                                      header(msg, "Content-Type").lower()):
        return True
    local = (from_addr or "").split("@")[0]
    if local in ("mailer-daemon", "postmaster", "mail-daemon") and (
            bodies.is_report or _BOUNCE_SUBJECT.search(subject)):
        return True
    return local in ("mailer-daemon", "mail-daemon")


def _points_at_bot(to_addrs: tuple[str, ...], ids: tuple[str, ...], bots: tuple[str, ...]) -> bool:
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


def parse_msg(msg: Message, raw: bytes | None, *, trusted: tuple[str, ...],
              bots: tuple[str, ...], sellers: tuple[str, ...], default_tz: str,
              forwarded: bool = False, depth: int = 0) -> Notice:
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
    bodies = collect_bodies(msg)
    ctx = Ctx(msg=msg, subject=subject, from_name=from_name, from_addr=from_addr, bodies=bodies,
              date=date, default_tz=default_tz, forwarded=forwarded)
    from_domain = domain_of(from_addr)
    results, dkim_pass = auth.auth_results(msg, trusted if not forwarded else ())
    n.auth_results = results
    ntype = header(msg, "X-Space-Notification-Type").upper()
    mp_id = header(msg, "X-Marketplace-ID").upper()

    # 1. bounces
    if _is_bounce(msg, bodies, from_addr, subject):
        n.kind, n.layout = Kind.BOUNCE, "dsn" if bodies.has_delivery_status else "bounce"
        return n

    genuine = auth.is_genuine_amazon_sender(from_domain)
    claims_amazon = bool(ntype or mp_id or auth.mentions_amazon(from_name or "") or
                         auth.mentions_amazon(from_domain))

    # 2. genuine Amazon notification (authentication checked inside)
    if genuine:
        if from_domain.startswith("marketplace.") and _OOO_SUBJECT.search(subject[:80]) and \
                not ntype:
            n.kind, n.layout = Kind.AUTO_REPLY, "relay_auto_reply"
            return n
        _amazon(ctx, n, ntype, mp_id)
        reasons = auth.auth_reasons(results, dkim_pass, from_domain)
        if reasons:
            n.suspicious_reasons.extend(reasons)
        if n.suspicious_reasons:
            n.kind = Kind.SUSPICIOUS
            n.links = []
        return n

    # 3. auto-replies (never answer them)
    if _is_auto_reply(msg, subject, n.in_reply_to):
        n.kind, n.layout = Kind.AUTO_REPLY, "auto_reply"
        return n

    # 4. forwarded notifications
    if depth < 3:
        inner = _forwarded(ctx, n, trusted=trusted, bots=bots, sellers=sellers,
                           default_tz=default_tz, depth=depth)
        if inner is not None:
            return inner

    # 5. seller commands
    sellers_l = tuple(s.lower() for s in sellers)
    if (from_addr and from_addr in sellers_l) or _points_at_bot(to_addrs, irt + refs, bots):
        if not claims_amazon:
            parse_seller_command(ctx, n)
            reasons = auth.auth_reasons(results, dkim_pass, from_domain)
            if reasons:
                n.suspicious_reasons.extend(reasons)
                n.kind = Kind.SUSPICIOUS
            return n

    # 6. looks like Amazon, is not
    if claims_amazon:
        n.kind = Kind.SUSPICIOUS
        n.suspicious_reasons = auth.sender_reasons(from_name, from_addr, claims_amazon=True) or [
            f"claims to be Amazon from {from_domain}"]
        n.order_id = find_order_id(subject, "")
        n.layout = "claims_amazon"
        return n

    # 7. everything else
    n.kind = Kind.IGNORE
    n.layout = "newsletter" if (header(msg, "List-Unsubscribe") or header(msg, "List-Id") or
                                header(msg, "Precedence").lower() in ("bulk", "list")) \
        else "unrelated"
    return n


def _forwarded(ctx: Ctx, n: Notice, *, trusted, bots, sellers, default_tz, depth):  # noqa: ANN001,ANN202
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
        _amazon(fctx, inner, "", "")
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


def _amazon(ctx: Ctx, n: Notice, ntype: str, mp_id: str) -> None:
    """A notification from a genuine Amazon sender: pick the family, parse, finish."""
    from_domain = domain_of(ctx.from_addr)
    local = (ctx.from_addr or "").split("@")[0]
    if ctx.bodies.plain and ctx.bodies.html and not ctx.prefer_plain and \
            ORDER_ID.search(ctx.bodies.plain) and not ORDER_ID.search(ctx.text):
        ctx.use_plain()  # the HTML part is marketing only; the facts are in the plain part
    family = SPACE_TYPES.get(ntype) if ntype else None
    if ntype and family is None:
        n.kind, n.layout = Kind.UNRECOGNIZED, None
        n.error = f"unknown X-Space-Notification-Type {ntype}"
    if family is None and not ntype:
        head = ctx.subject
        if local.startswith(("atoz-guarantee", "seller-guarantee")) or _CLAIM_HINT.search(head):
            family = "claim"
        elif from_domain.startswith("marketplace."):
            family = "buyer_message"
        elif ORDER_SUBJECT.search(head):
            family = "order"
        elif _CANCEL_HINT.search(head):
            family = "cancellation"
        elif _REFUND_HINT.search(head):
            family = "refund"
        elif _RETURN_HINT.search(head):
            family = "return"
        else:
            body = ctx.text[:2000]
            if _CLAIM_HINT.search(body) and re.search(r"r[ée]clamation|claim|anspruch|reclamo|"
                                                      r"reclamaci", body, re.I):
                family = "claim"
            elif ORDER_SUBJECT.search(body):
                family = "order"
    # marketplace
    mp = MARKETPLACE_IDS.get(mp_id) if mp_id else None
    if not mp and from_domain and not from_domain.endswith("amazon.com"):
        mp = _marketplace_from_domain(from_domain)
    if family is None:
        if n.error is None:
            n.kind, n.layout = Kind.UNRECOGNIZED, None
            n.error = f"unknown Amazon notification layout (from {ctx.from_addr}, subject " \
                      f"{ctx.subject[:80]!r})"
        n.marketplace = mp or _marketplace_from_domain(from_domain)
        n.marketplace_id = mp_id or MARKETPLACE_BY_DOMAIN.get(n.marketplace or "")
        return
    link_res = None
    if family != "buyer_message":
        link_res = action_links(ctx.raw_links)
        n.links = link_res.links
    if not mp:
        for link in n.links:
            host = host_of(link.target)
            if is_amazon_link_host(host) and host.startswith("sellercentral."):
                mp = _marketplace_from_domain(host)
                if mp:
                    break
    n.marketplace = mp or _marketplace_from_domain(from_domain)
    n.marketplace_id = mp_id or MARKETPLACE_BY_DOMAIN.get(n.marketplace or "")

    if family == "return":
        parse_return(ctx, n)
    elif family == "refund":
        parse_refund(ctx, n)
    elif family == "cancellation":
        parse_cancellation(ctx, n)
    elif family in ("claim", "claim_notify", "claim_close"):
        parse_claim(ctx, n, {"claim_notify": False, "claim_close": True}.get(family))
    elif family == "buyer_message":
        parse_buyer_message(ctx, n)
        link_res = action_links(ctx.extra.get("footer_links", []))
        n.links = link_res.links
    elif family == "seller_reply_copy":
        parse_seller_reply_copy(ctx, n)
        n.links = []
    elif family == "order":
        parse_order(ctx, n)
    elif family == "ignore":
        n.kind, n.layout = Kind.IGNORE, "amazon_informational"
        n.links = []
        # e.g. a buyer opted out of messages: nothing to do, but say which order it is about
        n.order_id = find_order_id(ctx.subject, ctx.text) or \
            ctx.facts(("order_id",)).get("order_id")  # type: ignore[assignment]
    if n.order_id is None and family in _NEEDS_ORDER:
        # the id may only be in a link parameter (orderId=..., /orders-v3/order/<id>)
        n.order_id = ctx.facts(("order_id",)).get("order_id")  # type: ignore[assignment]
    if n.order_id is None and family in _NEEDS_ORDER:
        # layout drift: a known family whose mail no longer shows an order id where we look
        n.error = (f"layout drift: {family} notification without an order id (from "
                   f"{ctx.from_addr}, subject {ctx.subject[:80]!r})")
        n.kind, n.layout, n.links, n.deadline_hours = Kind.UNRECOGNIZED, None, [], None
        n.items = []
    if link_res is not None:
        off = [h for h in link_res.off_amazon if not _SAFE_OFF_HOSTS.search(h)]
        for h in dict.fromkeys(off):
            n.suspicious_reasons.append(f"link to off-Amazon host {h}")
    n.language = detect_language(n.message_text or ctx.text) if n.kind is not Kind.BUYER_MESSAGE \
        else detect_language(ctx.text)
    _deadline(n, ctx.default_tz, ctx.text)


def _deadline(n: Notice, default_tz: str, text: str = "") -> None:
    """The rule-based deadline, unless the mail states one (then deadline_source = "mail")."""
    t = n.event_time
    if n.kind is Kind.ORDER_PLACED:
        n.deadline = n.ship_by
        n.deadline_source = "mail" if n.ship_by else None  # the ship-by date the mail states
        return
    if t is None:
        return
    if n.kind in (Kind.RETURN_REQUEST, Kind.CLAIM_INFO_REQUESTED) and text:
        stated = None
        if n.deadline_source != "mail":
            zone = MARKETPLACE_TZ.get(n.marketplace or "", default_tz)
            stated = stated_deadline(text, t, zone, us=n.marketplace == "amazon.com")
        if stated is not None and n.kind is Kind.RETURN_REQUEST and stated[1] is not None \
                and stated[1] < 48:
            # "please respond within 24 hours" is Amazon's advice (the soft deadline); the
            # buyer may file a claim only after 48 h, which stays the hard deadline
            stated = None
        if stated is not None:
            n.deadline = stated[0].astimezone(ZoneInfo(default_tz))
            n.deadline_hours = stated[1]
            n.deadline_source = "mail"
            return
    if n.kind is Kind.RETURN_REQUEST:
        n.deadline = add_hours(t, 48)
        n.deadline_source = "rule"
    elif n.kind is Kind.CLAIM_INFO_REQUESTED:
        n.deadline = add_hours(t, n.deadline_hours or 72)
        n.deadline_source = n.deadline_source or "rule"
    elif n.kind is Kind.CLAIM_DECIDED and n.decision == "granted_to_buyer":
        n.deadline = add_calendar_days(t.astimezone(ZoneInfo(default_tz)), 30)
        n.deadline_source = "rule"
    elif n.kind is Kind.BUYER_MESSAGE:
        n.deadline = add_hours(t, 24)
        n.deadline_source = "rule"
