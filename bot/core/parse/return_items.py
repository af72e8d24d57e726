"""The items of a return, refund or cancellation notice: SPACE header-row tables, plain-text
pipe tables and the older 'Item:' label blocks, with each row's reason and comment."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.core.domain import Item

from .common import clean_value, fold, rx
from .context import Ctx
from .money import find_money

if TYPE_CHECKING:
    from selectolax.lexbor import LexborNode

# Column and label names (folded: lower case, no accents). One alternation per language
# family of wordings; extend here when Amazon changes a label.
TITLE = rx(r"^(?:article(?: de la commande| command[ée])?|order item|item(?: name)?|product(?: name)?|"
           r"titre|bestellter artikel|artikel(?:bezeichnung|name)?|titel|"
           r"articolo(?: dell'ordine| ordinato)?|titolo|articulo(?: del pedido)?|producto|"
           r"nombre del producto)$")
QTY = rx(r"quantit|quantity|\bqty\b|menge|anzahl|cantidad|aantal")
REASON = rx(r"^(?:motif|raison|reason|(?:return|refund|cancellation) reason|"
            r"(?:rucksende|ruckgabe|storno|stornierungs|erstattungs)?grund|motivo)\b")
COMMENT = rx(r"comment|kommentar|commento|comentario|opmerking")
ASIN = rx(r"^asin$")
SKU = rx(r"^(?:sku|msku|seller sku|referencia|ref\.? vendeur)$")
PRICE = rx(r"^(?:prix|price|preis|prezzo|precio|prijs|item price|unit price|montant)")
_ASIN_INLINE = re.compile(r"\bASIN\s*:?\s*([A-Z0-9]{10})\b")
_SKU_INLINE = re.compile(r"\bSKU\s*:\s*(\S+)")
_QTY_INLINE = re.compile(r"(?:menge|quantit[éyàa]|cantidad)\s*:\s*(\d+)", re.I)


def _cell_text(node: LexborNode) -> str:
    """Cell text with its own line breaks (<br>, <p>) kept, other whitespace collapsed."""
    raw = node.text(strip=False)
    lines = [" ".join(line.split()) for line in raw.split("\n")]
    return "\n".join(line for line in lines if line).strip(" |")


_COLUMNS = (("asin", ASIN), ("sku", SKU), ("qty", QTY), ("comment", COMMENT), ("reason", REASON),
            ("title", TITLE), ("price", PRICE))


def _columns(heads: list[str]) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, h in enumerate(heads):
        for key, pat in _COLUMNS:
            if key not in cols and pat.search(h):
                cols[key] = i
                break
    return cols


def _row_item(cols: dict[str, int], cells: list[str]) -> tuple[Item, str | None, str | None]:
    def cell(key: str) -> str | None:
        i = cols.get(key)
        return clean_value(cells[i]) if i is not None and i < len(cells) else None
    price = cell("price")
    return (Item(title=cell("title"), asin=cell("asin"), sku=cell("sku"), qty=_int(cell("qty")),
                 price=find_money(price) if price else None), cell("reason"), cell("comment"))


def _items_of(cols: dict[str, int], rows: list[list[str]],
              ) -> tuple[list[Item], list[tuple[str | None, str | None]]]:
    """Each table row as an item, with its (reason, comment) kept beside it."""
    read = [_row_item(cols, cells) for cells in rows]
    return [item for item, _, _ in read], [(reason, comment) for _, reason, comment in read]


def pipe_items(text: str) -> tuple[list[Item], list[tuple[str | None, str | None]]]:
    """Plain-text tables: a 'Order Item | ASIN | SKU | ...' header line, one line per row."""
    if "|" not in text:
        return [], []
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.count("|") < 2:
            continue
        heads = [fold(c.strip()) for c in line.strip().strip("|").split("|")]
        cols = _columns(heads)
        if "title" not in cols and "asin" not in cols or len(cols) < 3:
            continue
        rows: list[list[str]] = []
        for row in lines[i + 1:]:
            if row.count("|") < 2:
                if row.strip() or rows:
                    break
                continue
            rows.append([c.strip() for c in row.strip().strip("|").split("|")])
        if rows:
            return _items_of(cols, rows)
    return [], []


def _int(v: str | None) -> int | None:
    m = re.search(r"\d+", v or "")
    return int(m.group(0)) if m else None


def table_items(ctx: Ctx) -> tuple[list[Item], list[tuple[str | None, str | None]]]:
    """Items from the SPACE table (header row of <th>), with (reason, comment) per row."""
    tree = ctx.tree
    if tree is None:
        return [], []
    seen: set[int] = set()
    for th0 in tree.css("th"):
        header_tr = th0.parent
        if header_tr is None or header_tr.tag != "tr" or header_tr.mem_id in seen:
            continue
        seen.add(header_tr.mem_id)
        ths = [c for c in header_tr.iter() if c.tag in ("th", "td")]
        if len(ths) < 2 or (len(ths) == 2 and ths[1].tag == "td"):
            continue  # a 'label | value' row of a vertical table, not a header row
        heads = [fold(_cell_text(th)) for th in ths]
        cols = _columns(heads)
        if "title" not in cols and "asin" not in cols:
            continue
        container = header_tr.parent
        rows = [cells for tr in (container.iter() if container is not None else ())
                if tr.tag == "tr" and tr.mem_id != header_tr.mem_id
                for cells in [[_cell_text(c) for c in tr.iter() if c.tag in ("td", "th")]]
                if cells]
        if rows:
            return _items_of(cols, rows)
    return [], []


def text_items(ctx: Ctx) -> list[Item]:
    """Older plain layout: 'Item:'/'Article :' lines, one block per item."""
    items: list[Item] = []
    cur: dict[str, object] = {}
    for label, value in ctx.fields:
        if TITLE.search(label):
            if cur.get("title"):
                items.append(Item(**cur))  # type: ignore[arg-type]
                cur = {}
            cur["title"] = clean_value(value)
        elif ASIN.search(label) and "title" in cur:
            m = _ASIN_INLINE.search("ASIN: " + value)
            cur["asin"] = m.group(1) if m else clean_value(value)
            m = _SKU_INLINE.search(value)
            if m:
                cur["sku"] = m.group(1)
            m = _QTY_INLINE.search(value)
            if m:
                cur["qty"] = int(m.group(1))
        elif SKU.search(label) and "title" in cur:
            cur["sku"] = clean_value(value.split()[0] if value else value)
        elif QTY.search(label) and "title" in cur:
            cur["qty"] = _int(value)
    if cur.get("title"):
        items.append(Item(**cur))  # type: ignore[arg-type]
    return items


def merge_items(items: list[Item], extra: list[Item]) -> list[Item]:
    """Fill what the layout-specific reading left empty from the facts read by meaning."""
    if not items:
        return extra
    if len(extra) != len(items):
        return items
    out = []
    for a, b in zip(items, extra):
        out.append(Item(title=a.title or b.title, asin=a.asin or b.asin, sku=a.sku or b.sku,
                        qty=a.qty if a.qty is not None else b.qty, price=a.price or b.price))
    return out
