"""Buyer messages through the anonymised relay, and copies of the seller's own replies."""

from __future__ import annotations

import re

from bot.core.domain import Item, Kind, Notice

from .common import ORDER_ID, find_order_id
from .context import Ctx
from .facts import extract
from .links import RawLink, html_links, plain_links
from .mime import header, html_tree

_START = re.compile(
    r"^[ \t]*-{3,}[ \t]*(?:message|nachricht|messaggio|mensaje|mensagem)[ \t]*:?[ \t]*-{3,}[ \t]*$",
    re.I | re.M)
_END = re.compile(
    r"^[ \t]*-{3,}[ \t]*(?:fin du message|end(?: of)? message|ende der nachricht|"
    r"fine (?:del )?messaggio|fin del mensaje|fim da mensagem)[ \t]*-{3,}[ \t]*$", re.I | re.M)
_FOOTER = re.compile(
    r"^(?:cet e-mail vous a-t-il [ée]t[ée] utile|was this (?:e-?mail|message) helpful|"
    r"war diese e-mail hilfreich|questa e-mail ti [èe] stata utile|"
    r"(?:te|le) ha resultado [úu]til este (?:e-?mail|correo)|-{10,})", re.I | re.M)
_HEADER_LINES = re.compile(
    r"^(?:vous avez re[çc]u un message\.?|you have received a message\.?|"
    r"sie haben eine nachricht erhalten\.?|hai ricevuto un messaggio\.?|"
    r"ha(?:s)? recibido un mensaje\.?)\s*$", re.I | re.M)
_ITEM = re.compile(r"^\s*(\d+)\s*/\s*(.+?)\s*\[ASIN:\s*([A-Z0-9]{10})\]\s*$", re.M)
_NAME_SUBJECT = re.compile(
    r"(?:client amazon|amazon customer|amazon-kunde|amazon-kundin|cliente amazon|"
    r"cliente de amazon)\s+(.+?)\s*\(", re.I)
_NAME_DISPLAY = re.compile(r"^(.*?)\s*-\s*amazon(?: marketplace)?\s*$", re.I)


def _split_html_at_end(html: str) -> str | None:
    m = re.search(r"-{3,}\s*(?:fin du message|end(?: of)? message|ende der nachricht|"
                  r"fine (?:del )?messaggio|fin del mensaje)\s*-{3,}", html, re.I)
    return html[m.end():] if m else None


def _original_case(ctx: Ctx, addr: str | None) -> str | None:
    """The address as written: the relay's '+<case id>' part may be case-sensitive."""
    if not addr:
        return addr
    for name in ("Reply-To", "From"):
        raw = header(ctx.msg, name)
        i = raw.lower().find(addr)
        if i >= 0:
            return raw[i: i + len(addr)]
    return addr


def parse_buyer_message(ctx: Ctx, n: Notice) -> None:
    n.kind = Kind.BUYER_MESSAGE
    text = ctx.bodies.plain or ctx.text
    reply_to = n.reply_to or ""
    alias = reply_to if "marketplace.amazon." in reply_to else (n.from_addr or None)
    n.buyer_alias = _original_case(ctx, alias)
    m = _NAME_DISPLAY.match(ctx.from_name or "")
    name = m.group(1).strip() if m and m.group(1).strip() else None
    if not name:
        m = _NAME_SUBJECT.search(ctx.subject)
        name = m.group(1).strip() if m else None
    n.buyer_name = name
    start = _START.search(text)
    end = _END.search(text, start.end() if start else 0)
    if start:
        body = text[start.end(): end.start() if end else None]
        if not end:
            f = _FOOTER.search(body)
            body = body[: f.start()] if f else body
        footer_text = text[end.end():] if end else ""
        layout = "buyer_message_markers"
    else:
        h = _HEADER_LINES.search(text)
        f = _FOOTER.search(text, h.end() if h else 0)
        body = text[h.end() if h else 0: f.start() if f else None]
        footer_text = text[f.start():] if f else ""
        layout = "buyer_message_nomarkers"
    head = text[: start.start()] if start else ""
    body = body.strip("\n").strip()
    n.message_text = body or None
    n.items = [Item(title=t.strip(), asin=a, qty=int(q)) for q, t, a in _ITEM.findall(head)][:20]
    n.order_id = find_order_id(ctx.subject, head) or (
        (ORDER_ID.search(ctx.subject) or [None])[0] if ORDER_ID.search(ctx.subject) else None)
    # action links only from the footer (buyers paste links in their text)
    raw: list[RawLink]
    if ctx.bodies.html:
        tail = _split_html_at_end(ctx.bodies.html)
        raw = html_links(html_tree(tail)) if tail else []
        if not raw and footer_text:
            raw = plain_links(footer_text)
    else:
        raw = plain_links(footer_text)
    ctx.extra["footer_links"] = raw
    if n.order_id is None:
        # "Numéro de commande : ..." in Amazon's part, or orderId=... in a footer link; never
        # from the buyer's own words (they quote other orders).
        amazon_part = head + "\n" + (footer_text or "") if start else \
            text[: h.end() if h else 0] + "\n" + footer_text
        fx = extract([amazon_part], None, raw, ("order_id",))
        n.order_id = fx.get("order_id") or \
            extract([text], None, [], ("order_id",)).get("order_id")  # type: ignore[assignment]
    n.layout = layout


def parse_seller_reply_copy(ctx: Ctx, n: Notice) -> None:
    n.kind = Kind.SELLER_REPLY_COPY
    text = ctx.bodies.plain or ctx.text
    n.order_id = find_order_id(ctx.subject, text)
    start = _START.search(text)
    end = _END.search(text, start.end() if start else 0)
    if start:
        n.message_text = text[start.end(): end.start() if end else None].strip() or None
    n.layout = "seller_reply_copy"
    ctx.extra["footer_links"] = []
