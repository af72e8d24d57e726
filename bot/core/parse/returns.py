"""Return requests (SPACE table layout and older plain layout), auto-authorised returns,
returns cancelled by the buyer, refunds, and buyer cancellation requests."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bot.domain import Item, Kind, Notice

from .common import clean_value, field, find_order_id, fold, normalize_reason, rx
from .context import Ctx
from .fastre import FoldRx
from .mime import find_money

TITLE = rx(r"^(?:article(?: de la commande| command[ée])?|order item|item|product|"
           r"bestellter artikel|artikel|articolo(?: dell'ordine| ordinato)?|"
           r"articulo(?: del pedido)?|producto)$")
QTY = rx(r"^(?:quantite(?: retournee)?|(?:return )?quantity|(?:rucksende)?menge|anzahl|"
         r"quantita(?: (?:restituita|reso|da restituire))?|cantidad(?: devuelta| a devolver)?)$")
REASON = rx(r"^(?:motif|raison|reason|return reason|(?:rucksende|ruckgabe)?grund|motivo)"
            r"(?: du retour| de retour| del reso| de (?:la )?devolucion)?$")
COMMENT = rx(r"comment|kommentar|commento|comentario")
ASIN = rx(r"^asin$")
SKU = rx(r"^(?:sku|msku|seller sku|referencia|ref\.? vendeur)$")
RMA = rx(r"\brma\b|numero d'autorisation|authori[sz]ation number|genehmigungsnummer|"
         r"numero di autorizzazione|numero de autorizacion")
RRID = rx(r"return request id|identifiant de (?:la )?demande|id de la demande|"
          r"rucksendeantrags-?id|id (?:della )?richiesta|id de (?:la )?solicitud")
POLICY = rx(r"politique de retour|return policy|ruckgabebedingungen|ruckgaberichtlinie|"
            r"politica (?:di reso|de devolucion)|verifica|comprobacion")
AUTH = rx(r"^(?:autorisation|authori[sz]ation|genehmigung|autorizzazione|autorizacion)$")
CARRIER = rx(r"transporteur|carrier|versand(?:dienst|unternehmen)|spediteur|corriere|transportista")
TRACKING = rx(r"numero de suivi|tracking|sendungsnummer|sendungsverfolgung|tracciamento|"
              r"tracking number|numero di (?:tracking|spedizione)|(?:numero de )?seguimiento")

_AUTO = re.compile(r"automati|automatic", re.I)
_CLOSED_BY_BUYER = re.compile(
    r"annul[ée] sa demande de retour|demande de retour annul[ée]e|annul[ée]e? par l.acheteur|"
    r"(?:buyer|customer) (?:has )?(?:cancell?ed|withdrawn|closed) (?:the|their|his|her) return|"
    r"return request (?:was )?cancell?ed by the (?:buyer|customer)|"
    r"r[üu]cksendeantrag (?:wurde )?(?:vom k[äa]ufer )?(?:storniert|zur[üu]ckgezogen)|"
    r"hat (?:seinen|ihren|den) r[üu]cksendeantrag (?:storniert|zur[üu]ckgezogen)|"
    r"ha annullato (?:la sua|la) richiesta di reso|richiesta di reso annullata|"
    r"ha cancelado (?:su|la) solicitud de devoluci[óo]n|solicitud de devoluci[óo]n cancelada",
    re.I)
_CLOSED_BY_BUYER = FoldRx(_CLOSED_BY_BUYER)
_ASIN_INLINE = re.compile(r"\bASIN\s*:?\s*([A-Z0-9]{10})\b")
_SKU_INLINE = re.compile(r"\bSKU\s*:\s*(\S+)")
_QTY_INLINE = re.compile(r"(?:menge|quantit[éyàa]|cantidad)\s*:\s*(\d+)", re.I)
_OUT_POLICY = re.compile(r"hors|outside|out of|au[ßs]erhalb|fuori|fuera|ausgenommen|exempt|"
                         r"exclu|esclus|exclu[ií]d", re.I)


def _int(v: str | None) -> int | None:
    m = re.search(r"\d+", v or "")
    return int(m.group(0)) if m else None


def _table_items(ctx: Ctx) -> tuple[list[Item], list[tuple[str | None, str | None]]]:
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
        if len(ths) < 2:
            continue
        heads = [fold(th.text(strip=True).strip(" |")) for th in ths]
        cols: dict[str, int] = {}
        for i, h in enumerate(heads):
            for key, pat in (("asin", ASIN), ("sku", SKU), ("qty", QTY), ("reason", REASON),
                             ("comment", COMMENT), ("title", TITLE)):
                if key not in cols and pat.search(h):
                    cols[key] = i
                    break
        if "title" not in cols and "asin" not in cols:
            continue
        container = header_tr.parent
        items, extra = [], []
        for tr in (container.iter() if container is not None else ()):
            if tr.tag != "tr" or tr.mem_id == header_tr.mem_id:
                continue
            cells = [c.text(strip=True) for c in tr.iter() if c.tag in ("td", "th")]
            if not cells:
                continue

            def cell(key: str, cells: list[str] = cells) -> str | None:
                i = cols.get(key)
                return clean_value(cells[i]) if i is not None and i < len(cells) else None
            items.append(Item(title=cell("title"), asin=cell("asin"), sku=cell("sku"),
                              qty=_int(cell("qty"))))
            extra.append((cell("reason"), cell("comment")))
        if items:
            return items, extra
    return [], []


def _text_items(ctx: Ctx) -> list[Item]:
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


def _param(links, name: str) -> str | None:  # noqa: ANN001
    lname = name.lower()
    for link in links:
        try:
            query = urlsplit(link.target).query
            if "%" not in query and lname not in query.lower():
                continue  # no key can decode to `name`
            q = parse_qs(query)
        except ValueError:
            continue
        for k, v in q.items():
            if k.lower() == name.lower() and v:
                return v[0]
    return None


def parse_return(ctx: Ctx, n: Notice) -> None:
    f = ctx.fields
    n.order_id = find_order_id(ctx.subject, ctx.text)
    items, extra = _table_items(ctx)
    reason = comment = None
    if items:
        reason, comment = extra[0]
    else:
        items = _text_items(ctx)
    n.items = items
    n.reason = reason or clean_value(field(f, REASON))
    n.reason_normalized = normalize_reason(n.reason)
    n.customer_comment = comment or clean_value(field(f, COMMENT))
    n.rma_id = clean_value(field(f, RMA))
    n.return_request_id = clean_value(field(f, RRID)) or _param(n.links, "returnRequestId")
    policy = field(f, POLICY)
    if policy:
        n.policy_status = "out_of_policy" if _OUT_POLICY.search(policy) else "in_policy"
    n.authorization_status = clean_value(field(f, AUTH))
    carrier, number = field(f, CARRIER), field(f, TRACKING)
    if carrier or number:
        n.tracking = {"carrier": clean_value(carrier) or "", "number": clean_value(number) or ""}
    head = ctx.subject + "\n" + ctx.text[:700]
    if _CLOSED_BY_BUYER.search(head):
        n.kind = Kind.RETURN_CLOSED_BY_BUYER
    elif n.authorization_status and _AUTO.search(n.authorization_status):
        n.kind = Kind.RETURN_AUTHORIZED
    else:
        n.kind = Kind.RETURN_REQUEST
    n.layout = "return_space_table" if extra else "return_plain"


def parse_refund(ctx: Ctx, n: Notice) -> None:
    n.kind = Kind.REFUND_ISSUED
    n.order_id = find_order_id(ctx.subject, ctx.text)
    n.amount = find_money(ctx.text) or find_money(ctx.subject)
    items, _ = _table_items(ctx)
    n.items = items or _text_items(ctx)
    n.reason = clean_value(field(ctx.fields, REASON))
    n.reason_normalized = normalize_reason(n.reason)
    n.layout = "refund"


def parse_cancellation(ctx: Ctx, n: Notice) -> None:
    n.kind = Kind.CANCELLATION_REQUEST
    n.order_id = find_order_id(ctx.subject, ctx.text)
    items, _ = _table_items(ctx)
    n.items = items or _text_items(ctx)
    n.reason = clean_value(field(ctx.fields, REASON))
    n.layout = "cancellation_request"
