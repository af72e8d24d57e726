"""Return requests (SPACE table layout and older plain layout), auto-authorised returns,
returns cancelled by the buyer, refunds, and buyer cancellation requests."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from bot.core.domain import Item, Kind, Notice

from .common import clean_value, field, find_order_id, fold, normalize_reason, rx
from .context import Ctx
from .facts import prose_qty
from .links import RawLink
from .fastre import FoldRx
from .mime import find_money

# Label tables (folded: lower case, no accents). One alternation per language family of
# wordings; extend here when Amazon changes a label.
TITLE = rx(r"^(?:article(?: de la commande| command[ée])?|order item|item(?: name)?|product(?: name)?|"
           r"titre|bestellter artikel|artikel(?:bezeichnung|name)?|titel|"
           r"articolo(?: dell'ordine| ordinato)?|titolo|articulo(?: del pedido)?|producto|"
           r"nombre del producto)$")
QTY = rx(r"quantit|quantity|\bqty\b|menge|anzahl|cantidad|aantal")
REASON = rx(r"^(?:motif|raison|reason|(?:return|refund|cancellation) reason|"
            r"(?:rucksende|ruckgabe|storno|stornierungs|erstattungs)?grund|motivo)\b")
CANCEL_REASON = rx(r"^(?:motif (?:de l'|d')annulation|reason for cancell?ation|"
                   r"cancell?ation reason|stornierungsgrund|grund der stornierung|"
                   r"motivo (?:della|dell')(?:cancellazione|annullamento)|"
                   r"motivo de (?:la )?cancelacion)")
COMMENT = rx(r"comment|kommentar|commento|comentario|opmerking")
ASIN = rx(r"^asin$")
SKU = rx(r"^(?:sku|msku|seller sku|referencia|ref\.? vendeur)$")
PRICE = rx(r"^(?:prix|price|preis|prezzo|precio|prijs|item price|unit price|montant)")
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
REFUND_TOTAL = rx(r"total|montant (?:du |total du )?rembours|refund(?:ed)? amount|amount refunded|"
                  r"erstattungsbetrag|erstatteter betrag|importo (?:del )?rimborso|importo rimborsato|"
                  r"importe (?:del )?reembolso|importe reembolsado")

_AUTO = re.compile(r"automati|automatic|automatisch|automaticamente|automaticamente", re.I)
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
                         r"exclu|esclus|exclu[ií]d|\bnon\b|\bnot\b|\bnicht\b|\bno\b|\bniet\b|"
                         r"\bpas\b|\bkein", re.I)
# Policy stated in a sentence of the older plain layouts ("This request is outside Amazon's
# return policy", "ne relève pas de la politique de retour d'Amazon").
_OUT_POLICY_SENTENCE = FoldRx(
    r"outside (?:of )?(?:amazon's |the )?return policy|not (?:covered by|eligible under) "
    r"(?:amazon's |the )?return policy|ne rel[eè]ve pas de la politique de retour|"
    r"hors (?:de la )?politique de retour|au[ßs]erhalb (?:der )?(?:r[üu]ckgaberichtlinie|"
    r"r[üu]ckgabebedingungen)|fuori dalla politica di reso|non (?:rientra|[èe] conforme)"
    r"[^.]{0,30}politica di reso|fuera de la pol[ií]tica de devoluci")
# Buyer closed/cancelled the request: a sentence with an actor, a past cancel verb and the
# return noun, in any order (Amazon rewords this one often).
_ACTOR = r"(?:buyer|customer|acheteur|client|k[äa]ufer|kunde|kundin|cliente|acquirente|comprador)"
_CANCELLED = (r"(?:cancell?ed|withdrawn|withdrew|closed|annul[ée]e?|retir[ée]e?|cl[ôo]tur[ée]e?|"
              r"geschlossen|chius[oa]|cerrad[oa]|storniert|"
              r"zur[üu]ckgezogen|annullat[oa]|ritirat[oa]|cancelad[oa]|retirad[oa]|anulad[oa])")
_RETURN_NOUN = (r"(?:return|retour|r[üu]cksend|r[üu]ckgabe|\breso\b|devoluci[óo]n)")


_ACTOR_RX = re.compile(_ACTOR, re.I)
_CANCELLED_RX = re.compile(r"\b" + _CANCELLED + r"\b", re.I)
_RETURN_NOUN_RX = re.compile(_RETURN_NOUN, re.I)
_BY_ACTOR = re.compile(r"\b(?:by|par|vom|von|dal|dall'|por|de la part)\s+(?:the |l'|le |la |el |dem |der )?"
                       + _ACTOR, re.I)
_CONDITIONAL = re.compile(r"\b(?:if|si|s'il|wenn|falls|se|cuando|qualora)\b", re.I)
_SENTENCE = re.compile(r"[^.!?\n]+")


def _closed_by_buyer(text: str) -> bool:
    """A sentence saying the buyer cancelled/closed/withdrew the return (any word order)."""
    if not _CANCELLED_RX.search(text):
        return False
    for m in _SENTENCE.finditer(text):
        sent = m.group(0)
        if len(sent) < 12 or not _CANCELLED_RX.search(sent):
            continue
        a, v = _ACTOR_RX.search(sent), _CANCELLED_RX.search(sent)
        if a is None or not _RETURN_NOUN_RX.search(sent) or _CONDITIONAL.search(sent):
            continue
        if a.start() < v.start() or _BY_ACTOR.search(sent):
            return True
    return False


def _cell_text(node) -> str:  # noqa: ANN001 - selectolax node
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


def _pipe_items(text: str) -> tuple[list[Item], list[tuple[str | None, str | None]]]:
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
        items, extra = [], []
        for row in lines[i + 1:]:
            if row.count("|") < 2:
                if row.strip():
                    break
                if items:
                    break
                continue
            cells = [c.strip() for c in row.strip().strip("|").split("|")]
            it, reason, comment = _row_item(cols, cells)
            items.append(it)
            extra.append((reason, comment))
        if items:
            return items, extra
    return [], []


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
        if len(ths) < 2 or (len(ths) == 2 and ths[1].tag == "td"):
            continue  # a 'label | value' row of a vertical table, not a header row
        heads = [fold(_cell_text(th)) for th in ths]
        cols = _columns(heads)
        if "title" not in cols and "asin" not in cols:
            continue
        container = header_tr.parent
        items, extra = [], []
        for tr in (container.iter() if container is not None else ()):
            if tr.tag != "tr" or tr.mem_id == header_tr.mem_id:
                continue
            cells = [_cell_text(c) for c in tr.iter() if c.tag in ("td", "th")]
            if not cells:
                continue
            it, reason, comment = _row_item(cols, cells)
            items.append(it)
            extra.append((reason, comment))
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


# Status of the request, read before the subject: Amazon's own words for "already authorized"
# and "waiting for you" (folded text: no accents, lower case).
_AUTO_STATUS = FoldRx(
    r"autoris[ée]e?\s+automatiquement|automatiquement\s+autoris|accept[ée]e?\s+automatiquement|"
    r"approuv[ée]e?\s+automatiquement|autorisation\s+automatique|auto-?authori[sz]ed|auto-?approved|"
    r"automatic\s+authori[sz]ation|automatische\s+genehmigung|autorizzazione\s+automatica|"
    r"autorizaci[óo]n\s+autom[áa]tica|automatische\s+goedkeuring|automatiskt\s+godk[äa]nnande|"
    r"automatyczn[aey]\s+(?:autoryzacj|zatwierdzeni)|"
    r"automatically\s+(?:authori[sz]ed|approved|accepted)|(?:authori[sz]ed|approved)\s+automatically|"
    r"automatisch\s+(?:genehmigt|autorisiert|akzeptiert|freigegeben)|"
    r"(?:autorizzat[ao]|approvat[ao])\s+automaticamente|automaticamente\s+(?:autorizzat|approvat)|"
    r"autorizad[ao]\s+autom[áa]ticamente|aprobad[ao]\s+autom[áa]ticamente|"
    r"autom[áa]ticamente\s+(?:autorizad|aprobad)|automatisch\s+(?:goedgekeurd|geautoriseerd)|"
    r"automatiskt\s+(?:godk[äa]n|auktoriser)|automatycznie\s+(?:zatwierdz|autoryzowan|zaakceptowan)")
_PENDING_STATUS = FoldRx(
    r"en\s+attente\s+(?:de\s+(?:votre\s+|l'|)|d')autorisation|en\s+attente\s+de\s+votre\s+(?:d[ée]cision|approbation)|"
    r"n[ée]cessite\s+votre\s+autorisation|requiert\s+votre\s+autorisation|doit\s+[êe]tre\s+autoris[ée]e\s+par\s+vous|"
    r"(?:awaiting|pending|requires|needs)\s+(?:your\s+)?(?:authori[sz]ation|approval|decision)|"
    r"wartet\s+auf\s+ihre\s+(?:genehmigung|entscheidung)|erfordert\s+ihre\s+genehmigung|"
    r"ausstehende\s+genehmigung|genehmigung\s+ausstehend|"
    r"in\s+attesa\s+(?:della\s+tua|della\s+vostra|di)\s+(?:autorizzazione|approvazione)|"
    r"richiede\s+la\s+tua\s+autorizzazione|pendiente\s+de\s+(?:tu\s+|su\s+)?(?:autorizaci[óo]n|aprobaci[óo]n)|"
    r"requiere\s+(?:tu|su)\s+autorizaci[óo]n|wacht\s+op\s+(?:uw|je|jouw)\s+(?:goedkeuring|autorisatie)|"
    r"v[äa]ntar\s+p[åa]\s+ditt\s+godk[äa]nnande|oczekuje\s+na\s+(?:twoj[aą]\s+|)(?:autoryzacj|zatwierdzeni)")
# A bare status value (from the status field only, never from prose: "vous pouvez autoriser")
_AUTHORIZED_VALUE = FoldRx(r"^(?:autoris[ée]e?|approuv[ée]e?|authori[sz]ed|approved|genehmigt|"
                           r"autorizzat[oa]|approvat[oa]|autorizad[oa]|aprobad[oa]|goedgekeurd|"
                           r"geautoriseerd|godk[äa]nd|auktoriserad|zatwierdzon[ya]|autoryzowan[ya])\b")
_NEGATED = re.compile(r"(?:\bpas\b|\bnot\b|\bnicht\b|\bnon\b|\bno\b|\bniet\b|\binte\b|"
                      r"\bnie\b|\bjamais\b|\bnever\b)[^.\n]{0,25}$", re.I)


def _status_kind(status: str | None, text: str) -> Kind | None:
    """RETURN_AUTHORIZED / RETURN_REQUEST from the request's stated status, else None.
    The status field wins over prose; a pending phrase wins over an auto one; a negated
    'not authorized automatically' is pending."""
    for i, src in enumerate(((status or ""), text)):
        if not src:
            continue
        if _PENDING_STATUS.search(src):
            return Kind.RETURN_REQUEST
        m = _AUTO_STATUS.search(src)
        if m and not _NEGATED.search(src[max(0, m.start() - 40): m.start()]):
            return Kind.RETURN_AUTHORIZED
        if m:
            return Kind.RETURN_REQUEST
        if i == 0 and _AUTHORIZED_VALUE.search(src.strip()):
            return Kind.RETURN_AUTHORIZED
    return None


_RETURN_WANT = ("order_id", "rma_id", "return_request_id", "reason", "comment", "status",
                "title", "asin", "sku", "qty", "price")


def _targets(n: Notice) -> list[RawLink]:
    """The action links, already unwrapped, as link-parameter sources."""
    return [RawLink("", link.target) for link in n.links]


def _merge_items(items: list[Item], extra: list[Item]) -> list[Item]:
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


def parse_return(ctx: Ctx, n: Notice) -> None:
    """Layout-specific tables first for items (their columns are unambiguous), then facts
    read by meaning, then the older label-line reading for what is still missing."""
    f = ctx.fields
    fx = ctx.facts(_RETURN_WANT, _targets(n))
    n.order_id = find_order_id(ctx.subject, ctx.text) or fx.get("order_id")  # type: ignore[assignment]
    items, extra = _table_items(ctx)
    if not items:
        items, extra = _pipe_items(ctx.text)
    reason = comment = None
    if items:
        reason, comment = extra[0]
        items = _merge_items(items, fx.items)
    elif fx.items:
        items = _merge_items(fx.items, _text_items(ctx))
    else:
        items = _text_items(ctx)
    n.items = items
    n.reason = reason or fx.get("reason") or clean_value(field(f, REASON))  # type: ignore[assignment]
    n.reason_normalized = normalize_reason(n.reason)
    n.customer_comment = comment or fx.get("comment") or \
        clean_value(field(f, COMMENT))  # type: ignore[assignment]
    n.rma_id = fx.values.get("rma_id") or clean_value(field(f, RMA)) or \
        _param(n.links, "rmaId")  # type: ignore[assignment]
    n.return_request_id = fx.values.get("return_request_id") or clean_value(field(f, RRID)) or \
        _param(n.links, "returnRequestId")  # type: ignore[assignment]
    policy = field(f, POLICY)
    if policy:
        n.policy_status = "out_of_policy" if _OUT_POLICY.search(policy) else "in_policy"
        n.policy_remark = clean_value(policy)
    n.authorization_status = fx.get("status") or clean_value(field(f, AUTH))  # type: ignore[assignment]
    carrier, number = field(f, CARRIER), field(f, TRACKING)
    if carrier or number:
        n.tracking = {"carrier": clean_value(carrier) or "", "number": clean_value(number) or ""}
    if len(n.items) == 1 and n.items[0].qty is None:
        q = prose_qty(ctx.text[:1500])
        if q:
            it = n.items[0]
            n.items = [Item(title=it.title, asin=it.asin, sku=it.sku, qty=q, price=it.price)]
    head = ctx.subject + "\n" + ctx.text[:700]
    if policy is None and _OUT_POLICY_SENTENCE.search(ctx.text[:1200]):
        n.policy_status = "out_of_policy"
    status_kind = _status_kind(n.authorization_status, ctx.text[:2500])
    if _CLOSED_BY_BUYER.search(head) or _closed_by_buyer(head):
        n.kind = Kind.RETURN_CLOSED_BY_BUYER
    elif status_kind is not None:
        n.kind = status_kind
    elif n.authorization_status and _AUTO.search(fold(n.authorization_status)):
        n.kind = Kind.RETURN_AUTHORIZED
    else:
        n.kind = Kind.RETURN_REQUEST
    n.layout = "return_space_table" if extra else "return_plain"


_REFUND_WANT = ("order_id", "reason", "title", "asin", "sku", "qty", "price")


def parse_refund(ctx: Ctx, n: Notice) -> None:
    n.kind = Kind.REFUND_ISSUED
    n.order_id = find_order_id(ctx.subject, ctx.text)
    total = field(ctx.fields, REFUND_TOTAL)
    n.amount = (find_money(total) if total else None) or find_money(ctx.text) or \
        find_money(ctx.subject)
    items, _ = _table_items(ctx)
    n.items = items or _text_items(ctx)
    n.reason = clean_value(field(ctx.fields, REASON))
    fx = ctx.facts(_REFUND_WANT, _targets(n))
    n.order_id = n.order_id or fx.get("order_id")  # type: ignore[assignment]
    n.items = _merge_items(n.items, fx.items)
    n.reason = n.reason or fx.get("reason")  # type: ignore[assignment]
    n.reason_normalized = normalize_reason(n.reason)
    n.layout = "refund"


def parse_cancellation(ctx: Ctx, n: Notice) -> None:
    n.kind = Kind.CANCELLATION_REQUEST
    n.order_id = find_order_id(ctx.subject, ctx.text)
    items, _ = _table_items(ctx)
    n.items = items or _text_items(ctx)
    n.reason = clean_value(field(ctx.fields, CANCEL_REASON, REASON))
    fx = ctx.facts(_REFUND_WANT, _targets(n))
    n.order_id = n.order_id or fx.get("order_id")  # type: ignore[assignment]
    n.items = _merge_items(n.items, fx.items)
    n.reason = n.reason or fx.get("reason")  # type: ignore[assignment]
    n.reason_normalized = normalize_reason(n.reason)
    n.layout = "cancellation_request"
