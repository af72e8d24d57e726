"""A notification from a genuine Amazon sender: which family it is (X-Space-Notification-Type,
else the sender and the wording), its marketplace, the family parser, and the checks every
notification gets afterwards (an order id where one is due, links leaving Amazon, language,
deadline)."""

from __future__ import annotations

import re

from bot.core.domain import Kind, Notice

from .claims import parse_claim
from .common import ORDER_ID, detect_language, find_order_id
from .context import Ctx
from .deadline import set_deadline
from .headers import domain_of
from .links import LinkResult, action_links
from .marketplace import marketplace_of
from .messages import parse_buyer_message, parse_seller_reply_copy
from .orders import SUBJECT as ORDER_SUBJECT
from .orders import parse_order
from .returns import parse_cancellation, parse_refund, parse_return

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


def guess_family(ctx: Ctx, from_domain: str) -> str | None:
    """The family of a notification without X-Space-Notification-Type: the sender, then the
    subject's wording, then the opening of the body."""
    local = (ctx.from_addr or "").split("@")[0]
    head = ctx.subject
    if local.startswith(("atoz-guarantee", "seller-guarantee")) or _CLAIM_HINT.search(head):
        return "claim"
    if from_domain.startswith("marketplace."):
        return "buyer_message"
    if ORDER_SUBJECT.search(head):
        return "order"
    if _CANCEL_HINT.search(head):
        return "cancellation"
    if _REFUND_HINT.search(head):
        return "refund"
    if _RETURN_HINT.search(head):
        return "return"
    body = ctx.text[:2000]
    if _CLAIM_HINT.search(body) and re.search(r"r[ée]clamation|claim|anspruch|reclamo|"
                                              r"reclamaci", body, re.I):
        return "claim"
    if ORDER_SUBJECT.search(body):
        return "order"
    return None


def parse_amazon(ctx: Ctx, n: Notice, ntype: str, mp_id: str) -> None:
    """A notification from a genuine Amazon sender: pick the family, parse, finish."""
    from_domain = domain_of(ctx.from_addr)
    if ctx.bodies.plain and ctx.bodies.html and not ctx.prefer_plain and \
            ORDER_ID.search(ctx.bodies.plain) and not ORDER_ID.search(ctx.text):
        ctx.use_plain()  # the HTML part is marketing only; the facts are in the plain part
    family = SPACE_TYPES.get(ntype) if ntype else None
    if ntype and family is None:
        n.kind, n.layout = Kind.UNRECOGNIZED, None
        n.error = f"unknown X-Space-Notification-Type {ntype}"
    if family is None and not ntype:
        family = guess_family(ctx, from_domain)
    if family is None:
        if n.error is None:
            n.kind, n.layout = Kind.UNRECOGNIZED, None
            n.error = f"unknown Amazon notification layout (from {ctx.from_addr}, subject " \
                      f"{ctx.subject[:80]!r})"
        n.marketplace, n.marketplace_id = marketplace_of(mp_id, from_domain)
        return
    link_res = None
    if family != "buyer_message":
        link_res = action_links(ctx.raw_links)
        n.links = link_res.links
    n.marketplace, n.marketplace_id = marketplace_of(mp_id, from_domain, n.links)
    link_res = _parse_family(family, ctx, n, link_res)
    _require_order_id(family, ctx, n)
    if link_res is not None:
        off = [h for h in link_res.off_amazon if not _SAFE_OFF_HOSTS.search(h)]
        for h in dict.fromkeys(off):
            n.suspicious_reasons.append(f"link to off-Amazon host {h}")
    n.language = detect_language(n.message_text or ctx.text) if n.kind is not Kind.BUYER_MESSAGE \
        else detect_language(ctx.text)
    set_deadline(n, ctx.default_tz, ctx.text)


def _parse_family(family: str, ctx: Ctx, n: Notice,
                  link_res: LinkResult | None) -> LinkResult | None:
    """Run the family's parser; returns the links whose hosts are checked (a buyer message's
    are its footer's, not the buyer's own)."""
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
    return link_res


def _require_order_id(family: str, ctx: Ctx, n: Notice) -> None:
    """Families that always name an order: look in the link parameters too, and a mail that
    still has none is layout drift (unrecognized), never a case without an order."""
    if n.order_id is None and family in _NEEDS_ORDER:
        # the id may only be in a link parameter (orderId=..., /orders-v3/order/<id>)
        n.order_id = ctx.facts(("order_id",)).get("order_id")  # type: ignore[assignment]
    if n.order_id is None and family in _NEEDS_ORDER:
        # layout drift: a known family whose mail no longer shows an order id where we look
        n.error = (f"layout drift: {family} notification without an order id (from "
                   f"{ctx.from_addr}, subject {ctx.subject[:80]!r})")
        n.kind, n.layout, n.links, n.deadline_hours = Kind.UNRECOGNIZED, None, [], None
        n.items = []
