"""Facts by meaning, not by layout.

Amazon reorders lines, renames labels and sends the plain part instead of the HTML one
without notice. Every fact is therefore found wherever it stands -- `label : value` lines
(any spacing, `:`/`：`/tab, label before or after the value), a label line with its value on
the next line, HTML two-cell rows and definition lists, header-row tables, prose, and link
parameters after unwrapping redirects -- using one lexicon per field and language, and every
value is checked against the shape of its field before it is kept.

Pure: text and links in, `Facts` out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from bot.core.domain import Item

from .lexicon import ITEM_FIELDS, LEXICON, label_fields
from .links import RawLink, unwrap
from .pairs import Pair, field_pairs, text_pairs
from .shapes import _qty, validate
from .tables import html_pairs

__all__ = ["ITEM_FIELDS", "LEXICON", "Facts", "Pair", "extract", "field_pairs", "html_pairs",
           "label_fields", "link_facts", "prose_qty", "text_pairs", "validate"]

# --------------------------------------------------------------------------- links

_PARAM_FIELDS = {"orderid": "order_id", "order_id": "order_id", "orderids": "order_id",
                 "searchstring": "order_id", "claimid": "claim_id", "claim_id": "claim_id",
                 "returnrequestid": "return_request_id", "rmaid": "rma_id", "rma": "rma_id",
                 "asin": "asin", "sku": "sku"}
_ORDER_PATH = re.compile(r"/orders?(?:-v\d)?/(?:order/|details/)?(\d{3}-\d{7}-\d{7})(?:/|$)")


def link_facts(links: list[RawLink]) -> dict[str, object]:
    """Facts carried by link parameters (orderId, claimId, returnRequestId, rmaId, asin, sku),
    read after unwrapping Amazon and Safe Links redirects."""
    out: dict[str, object] = {}
    for rl in links:
        url = rl.url.strip()
        target = unwrap(url) if ("/nms/" in url or "safelinks" in url or "u=" in url) else url
        try:
            parts = urlsplit(target)
            ql = parts.query.lower()
            query = parse_qsl(parts.query) if any(k in ql for k in _PARAM_FIELDS) else []
        except ValueError:
            continue
        for k, v in query:
            name = _PARAM_FIELDS.get(k.lower())
            if name and name not in out:
                val = validate(name, v)
                if val is not None:
                    out[name] = val
        if "order_id" not in out:
            m = _ORDER_PATH.search(parts.path)
            if m:
                out["order_id"] = m.group(1)
    return out


# --------------------------------------------------------------------------- prose

_PROSE_QTY = [re.compile(p, re.IGNORECASE) for p in (
    r"(?:retour|retourner)\s+(?:de\s+)?(\d{1,3})\s+articles?",
    r"return(?:ing)?\s+(?:of\s+|for\s+)?(\d{1,3})\s+(?:items?|units?)",
    r"(\d{1,3})\s+(?:artikel|einheiten)\s+zur[üu]ck",
    r"(?:reso|restituire|restituzione)\s+(?:di\s+)?(\d{1,3})\s+articol",
    r"devol(?:ución|ucion|ver)\s+(?:de\s+)?(\d{1,3})\s+art[íi]culos?",
    r"(\d{1,3})\s+artikel(?:en)?\s+(?:te\s+)?retour",
    r"returnera\s+(\d{1,3})\s+artik",
    r"zwrot\s+(\d{1,3})\s+(?:produkt|przedmiot|artyku)",
)]


def prose_qty(text: str) -> int | None:
    for rx in _PROSE_QTY:
        m = rx.search(text)
        if m:
            return _qty(m.group(1))
    return None


# --------------------------------------------------------------------------- facts


@dataclass
class Facts:
    """Validated facts of one mail: first good value per field, items in document order;
    link parameters are read only when a field is missing from the text."""

    values: dict[str, object] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    raw_links: list[RawLink] = field(default_factory=list)
    _links: dict[str, object] | None = None

    @property
    def links(self) -> dict[str, object]:
        if self._links is None:
            self._links = link_facts(self.raw_links) if self.raw_links else {}
        return self._links

    def get(self, name: str) -> object | None:
        v = self.values.get(name)
        return v if v is not None else self.links.get(name)


def _items_from(seq: list[tuple[str, object]]) -> list[Item]:
    """Group item fields in document order; a field seen again starts the next item."""
    items: list[dict[str, object]] = []
    cur: dict[str, object] = {}
    for name, val in seq:
        if name in cur:
            items.append(cur)
            cur = {}
        cur[name] = val
    if cur:
        items.append(cur)
    out = []
    for it in items:
        if not (set(it) & {"title", "asin", "sku"}):
            continue
        out.append(Item(title=it.get("title"), asin=it.get("asin"), sku=it.get("sku"),  # type: ignore[arg-type]
                        qty=it.get("qty"), price=it.get("price")))  # type: ignore[arg-type]
    return out


def _resolve(p: Pair, want: tuple[str, ...]) -> list[tuple[str, object]]:
    out = []
    for name in p.fields:
        if name in want:
            val = validate(name, p.value)
            if val is not None:
                out.append((name, val))
    return out


def extract(texts: list[str], tree, links: list[RawLink],
            want: tuple[str, ...], extra: list[Pair] | None = None) -> Facts:
    """Facts named in `want` from the HTML tree, every text body (in order), `extra` pairs
    and the links."""
    facts = Facts()
    record_items: list[Item] = []
    seqs: list[list[tuple[str, object]]] = []
    hpairs, records = html_pairs(tree)
    for rec in records:
        vals = dict(x for p in rec for x in _resolve(p, want))
        if set(vals) & {"title", "asin", "sku"}:
            record_items.append(Item(title=vals.get("title"), asin=vals.get("asin"),  # type: ignore[arg-type]
                                     sku=vals.get("sku"), qty=vals.get("qty"),  # type: ignore[arg-type]
                                     price=vals.get("price")))  # type: ignore[arg-type]
        for k, v in vals.items():
            if k not in ITEM_FIELDS:
                facts.values.setdefault(k, v)
    sources = [hpairs] + [text_pairs(t) for t in texts if t] + ([extra] if extra else [])
    for pairs in sources:
        seq: list[tuple[str, object]] = []
        for p in pairs:
            for name, val in _resolve(p, want):
                if name in ITEM_FIELDS:
                    seq.append((name, val))
                else:
                    facts.values.setdefault(name, val)
                break
        seqs.append(seq)
    items = record_items
    if not items:
        for seq in seqs:
            items = _items_from(seq)
            if items:
                break
    facts.items = items
    facts.raw_links = links
    return facts
