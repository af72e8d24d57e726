"""'Sold, ship now' order notifications."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.domain import Item, Kind, Notice

from .common import ORDER_ID, clean_value, field, find_order_id, rx
from .context import Ctx
from .mime import find_date, find_money

SUBJECT = re.compile(
    r"sold,? (?:ship|dispatch) now|vendu,? exp[ée]diez(?: maintenant)?|verkauft,? jetzt versenden|"
    r"venduto,? spedi(?:zione immediata|sci ora)|vendido,? env[íi]e ahora|vendido,? env[íi]alo ya",
    re.I)
SHIP_BY = rx(r"exp[ée]dier avant|a exp[ée]dier avant|ship by|dispatch by|versand bis|versenden bis|"
             r"spedire entro|spedizione entro|enviar antes|env[íi]o antes|fecha l[íi]mite de env|"
             r"date d'expedition (?:prevue|limite)|expedier avant le")
TITLE = rx(r"^(?:article|item|artikel|articolo|articulo|producto|product)$")
SKU = rx(r"^(?:sku|msku)$")
ASIN = rx(r"^asin$")
QTY = rx(r"^(?:quantite|quantity|menge|anzahl|quantita|cantidad)")
PRICE = rx(r"prix unitaire|prix de l'article|^prix$|^price$|item price|unit price|^preis$|"
           r"artikelpreis|stuckpreis|prezzo(?: unitario| dell'articolo)?$|precio(?: unitario| del "
           r"articulo)?$")

MARKETPLACE_TZ = {
    "amazon.fr": "Europe/Paris", "amazon.de": "Europe/Berlin", "amazon.it": "Europe/Rome",
    "amazon.es": "Europe/Madrid", "amazon.co.uk": "Europe/London", "amazon.com": "America/New_York",
    "amazon.nl": "Europe/Amsterdam", "amazon.com.be": "Europe/Brussels", "amazon.pl": "Europe/Warsaw",
    "amazon.se": "Europe/Stockholm", "amazon.ca": "America/Toronto",
}


def _items(f: list[tuple[str, str]]) -> list[Item]:
    """One item per 'Article :' block (multi-item orders repeat the block)."""
    items: list[dict] = []
    cur: dict | None = None
    for label, value in f:
        if TITLE.search(label):
            cur = {"title": clean_value(value)}
            items.append(cur)
            continue
        for key, pat in (("sku", SKU), ("asin", ASIN), ("qty", QTY), ("price", PRICE)):
            if pat.search(label):
                if cur is None:
                    cur = {}
                    items.append(cur)
                if key not in cur:
                    cur[key] = value
                break
    out = []
    for it in items:
        q = re.search(r"\d+", it.get("qty") or "")
        out.append(Item(title=it.get("title"), asin=clean_value(it.get("asin")),
                        sku=clean_value(it.get("sku")), qty=int(q.group(0)) if q else None,
                        price=find_money(it["price"]) if it.get("price") else None))
    return out


def parse_order(ctx: Ctx, n: Notice) -> None:
    n.kind = Kind.ORDER_PLACED
    f = ctx.fields
    n.order_id = find_order_id(ctx.subject, ctx.text)
    n.items = _items(f)
    if not n.items or not n.items[0].title:
        m = re.search(r":\s*(.+)$", ctx.subject)
        title = m.group(1).strip() if m and not ORDER_ID.search(m.group(1)) else None
        first = n.items[0] if n.items else Item()
        n.items = [Item(title=title, asin=first.asin, sku=first.sku, qty=first.qty,
                        price=first.price)] + n.items[1:]
    ship = field(f, SHIP_BY)
    ymd = find_date(ship, us=n.marketplace == "amazon.com") if ship else None
    if ymd:
        tz = ZoneInfo(MARKETPLACE_TZ.get(n.marketplace or "", ctx.default_tz))
        n.ship_by = datetime(*ymd, 23, 59, 59, tzinfo=tz).astimezone(ZoneInfo(ctx.default_tz))
    n.layout = "order_sold_ship_now"
