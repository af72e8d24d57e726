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
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from bot.core.domain import Item

from .links import RawLink, unwrap
from .mime import find_money

# --------------------------------------------------------------------------- lexicon
# Folded labels (lower case, accents removed, straight apostrophes), one list per field and
# language. A label matches when the whole (normalised) label text equals one of them.

LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "order_id": {
        "fr": ("n° commande", "numero commande", "reference commande", "commande amazon", "id commande", "n° de la commande", "numero de commande", "n° de commande", "no de commande", "commande",
               "id de commande", "identifiant de commande", "reference de commande",
               "numero de la commande", "commande n°", "commande numero"),
        "en": ("order id", "order number", "order #", "order", "order no", "order no.",
               "amazon order id", "amazon order number", "order ref"),
        "de": ("bestellnummer", "bestell-nr", "bestell-nr.", "bestellung", "bestell-id",
               "auftragsnummer", "bestellnr", "bestellnr."),
        "it": ("numero d'ordine", "numero ordine", "n. ordine", "ordine", "id ordine",
               "numero dell'ordine", "id dell'ordine"),
        "es": ("numero de pedido", "n.º de pedido", "n.o de pedido", "pedido", "id del pedido",
               "id de pedido", "numero del pedido"),
        "nl": ("bestelnummer", "ordernummer", "bestelling", "bestel-id"),
        "sv": ("ordernummer", "bestallningsnummer", "order-id", "bestallning"),
        "pl": ("numer zamowienia", "zamowienie", "identyfikator zamowienia", "nr zamowienia"),
    },
    "rma_id": {
        "fr": ("n° d'autorisation", "n° d'autorisation de retour (rma)", "autorisation de retour", "identifiant rma", "id rma", "rma n°", "code rma", "numero d'autorisation de retour", "n° rma", "numero rma", "rma",
               "numero d'autorisation de retour (rma)", "numero d'autorisation",
               "autorisation de retour n°", "n° d'autorisation de retour",
               "code d'autorisation de retour"),
        "en": ("return authorization id", "return authorization number", "rma number", "rma #",
               "rma id", "rma no", "return authorisation id", "return authorisation number",
               "return merchandise authorization", "return authorization (rma)"),
        "de": ("rucksendegenehmigungsnummer", "rma-nummer", "rucksendenummer",
               "genehmigungsnummer", "rucksendegenehmigung", "rma nummer"),
        "it": ("numero di autorizzazione al reso", "numero rma", "autorizzazione al reso n.",
               "numero di autorizzazione del reso", "codice di autorizzazione al reso"),
        "es": ("numero de autorizacion de devolucion", "numero rma", "n.º rma",
               "autorizacion de devolucion", "numero de autorizacion"),
        "nl": ("retourautorisatienummer", "rma-nummer", "rma nummer"),
        "sv": ("returauktoriseringsnummer", "rma-nummer", "rma nummer"),
        "pl": ("numer autoryzacji zwrotu", "numer rma", "nr rma"),
    },
    "return_request_id": {
        "fr": ("identifiant de la demande de retour", "id de la demande de retour",
               "id de la demande", "numero de la demande de retour", "identifiant de la demande",
               "numero de demande de retour"),
        "en": ("return request id", "return id", "return request number", "request id"),
        "de": ("rucksendeantrags-id", "rucksendeanfrage-id", "rucksende-id", "antrags-id"),
        "it": ("id della richiesta di reso", "id richiesta di reso", "id richiesta reso",
               "id della richiesta"),
        "es": ("id de la solicitud de devolucion", "id de solicitud de devolucion",
               "id de la solicitud"),
        "nl": ("retourverzoek-id", "id van het retourverzoek"),
        "sv": ("returbegaran-id", "id for returbegaran"),
        "pl": ("identyfikator zadania zwrotu", "id zadania zwrotu"),
    },
    "claim_id": {
        "fr": ("id de reclamation a-z", "reference de la reclamation", "numero de reclamation a-z", "numero de la reclamation a-z", "numero de reclamation", "identifiant de la reclamation", "id de la reclamation",
               "identifiant de reclamation", "reclamation n°", "n° de reclamation",
               "numero de la reclamation", "id de reclamation"),
        "en": ("claim id", "claim number", "claim #", "claim no", "a-to-z claim id",
               "claim reference"),
        "de": ("anspruchs-id", "anspruch-id", "antragsnummer", "garantieantrag-id",
               "reklamationsnummer", "anspruchsnummer", "antrags-id"),
        "it": ("numero del reclamo", "id del reclamo", "numero reclamo", "id reclamo",
               "numero della richiesta di rimborso"),
        "es": ("numero de reclamacion", "id de la reclamacion", "id de reclamacion",
               "numero de la reclamacion"),
        "nl": ("claimnummer", "claim-id", "claim id"),
        "sv": ("anspraksnummer", "reklamationsnummer", "ansprak-id"),
        "pl": ("numer roszczenia", "identyfikator roszczenia", "nr roszczenia"),
    },
    "reason": {
        "fr": ("motif du retour indique par l'acheteur", "motif indique", "raison invoquee", "motif de la demande", "motif de la demande de retour", "motif du retour", "raison du retour", "motif", "raison", "motif de retour",
               "raison de retour", "motif indique par le client"),
        "en": ("return reason", "reason for return", "reason", "reason for the return",
               "reason given by the buyer", "reason given by the customer"),
        "de": ("rucksendegrund", "grund der rucksendung", "grund", "ruckgabegrund",
               "grund fur die rucksendung"),
        "it": ("motivo del reso", "motivo", "motivo di reso", "motivo indicato dal cliente"),
        "es": ("motivo de la devolucion", "motivo", "motivo de devolucion"),
        "nl": ("reden van retour", "retourreden", "reden", "reden voor retour"),
        "sv": ("returorsak", "anledning", "orsak", "anledning till retur"),
        "pl": ("powod zwrotu", "powod"),
    },
    "claim_reason": {
        "fr": ("raison de la reclamation", "motif de reclamation indique", "motif de la reclamation", "motif indique par le client", "motif",
               "raison de la reclamation", "motif de reclamation"),
        "en": ("claim reason", "reason for claim", "reason for the claim",
               "reason given by the buyer", "reason given by the customer", "reason"),
        "de": ("grund des anspruchs", "anspruchsgrund", "vom kaufer angegebener grund", "grund",
               "grund der reklamation"),
        "it": ("motivo del reclamo", "motivo indicato dal cliente", "motivo"),
        "es": ("motivo de la reclamacion", "motivo"),
        "nl": ("reden van claim", "reden van de claim", "reden"),
        "sv": ("orsak till ansprak", "anledning", "orsak"),
        "pl": ("powod roszczenia", "powod"),
    },
    "asin": {lang: ("asin", "asin/isbn", "isbn/asin") for lang in
             ("fr", "en", "de", "it", "es", "nl", "sv", "pl")},
    "sku": {
        "fr": ("sku", "msku", "sku vendeur", "ref. vendeur", "reference vendeur", "ref vendeur"),
        "en": ("sku", "msku", "seller sku", "merchant sku"),
        "de": ("sku", "verkaufer-sku", "handler-sku", "msku"),
        "it": ("sku", "sku del venditore", "msku"),
        "es": ("sku", "sku del vendedor", "referencia sku", "msku"),
        "nl": ("sku", "verkopers-sku"), "sv": ("sku", "saljar-sku"), "pl": ("sku", "sku sprzedawcy"),
    },
    "qty": {
        "fr": ("quantite demandee", "nombre d'unites", "quantite a retourner", "unites", "qte retournee", "quantite", "quantite retournee", "quantite de retour", "quantite a retourner",
               "qte", "nombre d'articles"),
        "en": ("quantity", "return quantity", "quantity returned", "qty", "returned quantity",
               "quantity to return"),
        "de": ("menge", "anzahl", "rucksendemenge", "zuruckgesendete menge", "zuruckgegebene menge"),
        "it": ("quantita", "quantita restituita", "quantita reso", "quantita da restituire",
               "quantita di reso"),
        "es": ("cantidad", "cantidad devuelta", "cantidad a devolver", "cantidad de devolucion"),
        "nl": ("aantal", "geretourneerd aantal", "hoeveelheid", "retouraantal"),
        "sv": ("antal", "returnerat antal", "kvantitet"),
        "pl": ("ilosc", "ilosc zwracana", "zwracana ilosc"),
    },
    "price": {
        "fr": ("prix ttc", "prix (ttc)", "prix unitaire ttc", "valeur", "montant de l'article", "prix", "prix de l'article", "prix unitaire", "prix de vente", "valeur de l'article"),
        "en": ("price", "item price", "unit price", "item value", "sale price"),
        "de": ("preis", "artikelpreis", "stuckpreis", "verkaufspreis"),
        "it": ("prezzo", "prezzo dell'articolo", "prezzo unitario"),
        "es": ("precio", "precio del articulo", "precio unitario"),
        "nl": ("prijs", "artikelprijs"), "sv": ("pris", "artikelpris"), "pl": ("cena", "cena produktu"),
    },
    "title": {
        "fr": ("titre de l'article", "designation", "libelle", "titre du produit", "titre", "article", "article de la commande", "produit", "nom de l'article", "nom du produit",
               "article commande", "intitule de l'article"),
        "en": ("item", "order item", "product", "product name", "item name", "title", "item title"),
        "de": ("artikel", "bestellter artikel", "artikelbezeichnung", "produkt", "artikelname",
               "produktname"),
        "it": ("articolo", "articolo dell'ordine", "prodotto", "nome articolo", "nome del prodotto",
               "articolo ordinato"),
        "es": ("articulo", "articulo del pedido", "producto", "nombre del producto"),
        "nl": ("artikel", "product", "productnaam", "artikelnaam"),
        "sv": ("artikel", "produkt", "produktnamn", "vara"),
        "pl": ("produkt", "przedmiot", "nazwa produktu", "artykul"),
    },
    "comment": {
        "fr": ("commentaire client", "remarques du client", "remarque du client", "commentaires", "message du client", "commentaire du client", "commentaire", "commentaires du client",
               "commentaire de l'acheteur", "commentaires de l'acheteur", "commentaires"),
        "en": ("customer comment", "customer comments", "buyer comment", "buyer comments",
               "comments", "comment", "customer's comment", "buyer's comment"),
        "de": ("kommentar des kaufers", "kundenkommentar", "kommentar", "kommentar des kunden",
               "anmerkung des kaufers"),
        "it": ("commento del cliente", "commento", "commenti del cliente", "commento dell'acquirente"),
        "es": ("comentario del cliente", "comentario", "comentarios del cliente",
               "comentario del comprador"),
        "nl": ("opmerking van de klant", "opmerking", "opmerkingen"),
        "sv": ("kundens kommentar", "kommentar"),
        "pl": ("komentarz klienta", "komentarz", "komentarz kupujacego"),
    },
    "status": {
        "fr": ("statut du retour", "etat du retour", "statut de l'autorisation de retour", "statut d'autorisation", "autorisation de retour", "autorisation", "statut", "statut de la demande", "etat", "etat de la demande",
               "statut de l'autorisation", "statut de la demande de retour"),
        "en": ("authorization", "authorisation", "status", "authorization status",
               "request status", "return status", "return request status",
               "authorisation status"),
        "de": ("genehmigung", "status", "genehmigungsstatus", "status des antrags"),
        "it": ("autorizzazione", "stato", "stato della richiesta", "stato dell'autorizzazione"),
        "es": ("autorizacion", "estado", "estado de la solicitud"),
        "nl": ("autorisatie", "status"), "sv": ("auktorisering", "status"),
        "pl": ("autoryzacja", "status"),
    },
    "amount": {
        "fr": ("montant", "montant de la reclamation", "montant rembourse", "montant du remboursement",
               "montant total"),
        "en": ("amount", "claim amount", "refund amount", "amount refunded", "total"),
        "de": ("betrag", "erstattungsbetrag", "anspruchsbetrag"),
        "it": ("importo", "importo del reclamo", "importo rimborsato"),
        "es": ("importe", "importe de la reclamacion", "importe reembolsado"),
        "nl": ("bedrag",), "sv": ("belopp",), "pl": ("kwota",),
    },
}

#: Fields describing one item; a repeated field starts the next item.
ITEM_FIELDS = ("title", "asin", "sku", "qty", "price")

_LABEL_TO_FIELDS: dict[str, tuple[str, ...]] = {}
for _field, _langs in LEXICON.items():
    for _labels in _langs.values():
        for _label in _labels:
            if _field not in _LABEL_TO_FIELDS.get(_label, ()):
                _LABEL_TO_FIELDS[_label] = _LABEL_TO_FIELDS.get(_label, ()) + (_field,)

# --------------------------------------------------------------------------- shapes

_ORDER = re.compile(r"(?<![\d-])(\d{3}-\d{7}-\d{7})(?![\d-])")
_ASIN = re.compile(r"(?<![A-Z0-9])(B0[A-Z0-9]{8}|\d{9}[\dX])(?![A-Z0-9])")
_TOKEN = re.compile(r"^#?\s*([A-Za-z0-9][A-Za-z0-9._/-]{3,39})(?=$|[\s,;)])")
_QTY = re.compile(r"^\s*(\d{1,3})(?!\d|[.,]\d)")
_URLISH = re.compile(r"https?://|www\.", re.IGNORECASE)


def _id_token(v: str) -> str | None:
    """An identifier: one token of letters/digits with at least one digit."""
    m = _TOKEN.match(v.strip())
    if not m:
        return None
    tok = m.group(1).rstrip(".")
    if _ORDER.fullmatch(tok):
        return None
    # ids carry a digit, or are long all-capital codes (Amazon RMAs: "MGVGFDSYKRMA")
    return tok if any(c.isdigit() for c in tok) or (len(tok) >= 8 and tok.isupper()) else None


def _sku(v: str) -> str | None:
    m = _TOKEN.match(v.strip()) or re.match(r"^([A-Za-z0-9][A-Za-z0-9._/-]{0,39})$", v.strip())
    return m.group(1) if m else None


def _text(v: str) -> str | None:
    v = " ".join(v.split()).strip(" |-–")
    if not v or len(v) > 300 or _URLISH.search(v):
        return None
    return v


def _qty(v: str) -> int | None:
    m = _QTY.match(v)
    return int(m.group(1)) if m and 0 < int(m.group(1)) < 1000 else None


def validate(name: str, value: str) -> object | None:
    """The value in the shape of its field, or None: a stray match cannot pass."""
    if not value:
        return None
    if name == "order_id":
        m = _ORDER.search(value)
        return m.group(1) if m else None
    if name == "asin":
        m = _ASIN.search(value.upper())
        return m.group(1) if m else None
    if name in ("rma_id", "return_request_id", "claim_id"):
        return _id_token(value)
    if name == "sku":
        return _sku(value)
    if name == "qty":
        return _qty(value)
    if name in ("price", "amount"):
        return find_money(value)
    return _text(value)


# --------------------------------------------------------------------------- labels

_LEAD = re.compile(r"^[\s\-*•·▪►>|]+")
_TRAIL = re.compile(r"[\s:：.|*]+$")
_PAREN = re.compile(r"\s*\([^()]{1,30}\)\s*$")
_NUMSIGN = re.compile(r"\s*(?:#|n°|nº|no\.?|nr\.?|n\.)\s*$")


def _fold(s: str) -> str:
    """common.fold without its cache: label candidates here are mostly one-off values, and
    they must not evict the labels the family parsers fold again and again."""
    s = s.replace("\u2019", "'").replace("\u2018", "'").lower()
    if s.isascii():
        return s
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


_LABEL_MEMO: dict[str, tuple[str, ...]] = {}
_HAS_DIGIT = re.compile(r"\d")


def label_fields(label: str) -> tuple[str, ...]:
    """Which fields a label names (() when none). Memoised: labels repeat across mails."""
    if len(label) > 60 or _HAS_DIGIT.search(label):
        return ()  # no label of the lexicon holds a digit: values (ids, prices) stop here
    hit = _LABEL_MEMO.get(label)
    if hit is None:
        hit = _label_fields(label)
        if len(_LABEL_MEMO) >= 20000:
            _LABEL_MEMO.clear()
        _LABEL_MEMO[label] = hit
    return hit


_POSSESSIVE = re.compile(r"^(?:votre|vos|your|ihre?|il tuo|la tua|tu|su|uw|je|din|ditt|twoj[ae]?|"
                         r"le|la|les|the|der|die|das|il|el)\s+|^l'")


def _label_fields(label: str) -> tuple[str, ...]:
    hit = _label_fields1(label)
    if not hit:  # "Votre numéro de commande", "Your order ID", "Le motif du retour"
        f = _fold(label).strip(" -*•")
        cut = _POSSESSIVE.sub("", f)
        if cut != f:
            hit = _label_fields1(cut)
    return hit


def _label_fields1(label: str) -> tuple[str, ...]:
    f = _fold(label)
    f = _TRAIL.sub("", _LEAD.sub("", f)).replace("\u00a0", " ")
    f = " ".join(f.split())
    hit = _LABEL_TO_FIELDS.get(f)
    if hit:
        return hit
    for cut in (_PAREN.sub("", f), _NUMSIGN.sub("", f), _NUMSIGN.sub("", _PAREN.sub("", f))):
        if cut != f and (hit := _LABEL_TO_FIELDS.get(cut.strip())):
            return hit
    return ()


# --------------------------------------------------------------------------- pairs



@dataclass
class Pair:
    fields: tuple[str, ...]
    value: str
    pos: float  # document order, for grouping items


# 'Label : value' with ':' / '：' / tab (greedy, no backtracking: the label holds no separator)
_COLON_LINE = re.compile(r"^[ \t\u00a0]*([^\n:：\t]{1,64})[:：\t][ \t\u00a0]*(?:[:：][ \t\u00a0]*)?"
                         r"([^\n]*)$", re.MULTILINE)
# short lines: a label alone, or 'Label   value' / 'Label | value' / 'Label = value'
_SHORT_LINE = re.compile(r"^[ \t\u00a0]*([^\n:：\t|][^\n:：\t]{0,90})$", re.MULTILINE)
_SPACE_SEP = re.compile(r"[ \u00a0]{3,}|[ \u00a0]+[|=–—][ \u00a0]+")


def text_pairs(text: str, base: float = 0.0) -> list[Pair]:
    """(fields, value) from label lines in any order, spacing or separator; a label alone on
    its line takes the next non-empty line; 'value : label' is read too."""
    hits: list[tuple[int, int, str, str | None]] = []  # (start, end, left, right or None)
    for m in _COLON_LINE.finditer(text):
        hits.append((m.start(), m.end(), m.group(1), m.group(2)))
    for m in _SHORT_LINE.finditer(text):
        line = m.group(1).strip()
        if not line:
            continue
        sm = _SPACE_SEP.search(line) if ("   " in line or " |" in line or " =" in line or
                                         " –" in line or " —" in line or "\u00a0" in line) \
            else None
        if sm and sm.start() > 0:
            hits.append((m.start(), m.end(), line[: sm.start()], line[sm.end():]))
        elif len(line) <= 64:
            hits.append((m.start(), m.end(), line, None))
    hits.sort()
    out: list[Pair] = []
    prev_bare = False
    for start, end, left, right in hits:
        if right is not None:
            right = right.strip()
            fl = label_fields(left)
            if fl:
                value = right or _next_value(text, end)
                if right and not _TEXT_FIELDS.isdisjoint(fl):
                    value = _continued(value, text, end)
                out.append(Pair(fl, value, base + start))
            elif right and len(right) <= 64 and left.strip() and (fr := label_fields(right)):
                out.append(Pair(fr, left.strip(), base + start))
            prev_bare = False
            continue
        if not left.strip("|").strip():
            continue
        fl = label_fields(left)
        if fl:
            # a run of bare labels is a linearised table header, not label/value lines
            if not prev_bare:
                value = _next_value(text, end)
                if value and not label_fields(value):
                    out.append(Pair(fl, value, base + start))
            prev_bare = True
        else:
            prev_bare = False
    return out


_TEXT_FIELDS = frozenset({"reason", "claim_reason", "comment", "title"})
_GENERIC_LABEL = re.compile(r"^[^:：\n]{1,40}[:：]")


def _continued(value: str, text: str, pos: int) -> str:
    """A free-text value wrapped over the next lines (reflowed plain text): take them until a
    blank line, a URL, a table row or another label line."""
    if pos >= len(text) or text[pos] != "\n":
        return value
    parts = [value]
    for line in text[pos + 1: pos + 800].split("\n")[:6]:
        s = line.strip()
        if not s or "http" in s or "|" in s or _GENERIC_LABEL.match(s):
            break
        sm = _SPACE_SEP.search(s) or re.search(r"\t", s)
        if label_fields(s) or (sm and label_fields(s[: sm.start()])):
            break
        parts.append(s)
    return " ".join(parts)


def _next_value(text: str, pos: int) -> str:
    """The next non-empty line after `pos` (table pipes removed)."""
    for line in text[pos: pos + 600].split("\n")[1:8] if pos < len(text) and \
            text[pos] == "\n" else text[pos: pos + 600].split("\n")[:8]:
        v = line.strip().strip("|").strip()
        if v:
            return v
    return ""


def _node_text(node) -> str:
    return " ".join((node.text(separator=" ", strip=True) or "").split())


def _mem_id(node) -> int | None:
    return node.mem_id if node is not None else None


def html_pairs(tree) -> tuple[list[Pair], list[list[Pair]]]:
    """Two-cell rows and <dt>/<dd> as pairs; header-row tables as records (one per row)."""
    pairs: list[Pair] = []
    records: list[list[Pair]] = []
    if tree is None:
        return pairs, records
    root = tree.body or tree.root
    if root is None:
        return pairs, records
    pos = 0.0
    header: list[tuple[str, ...]] | None = None
    header_parent = None
    pending: tuple[str, ...] | None = None
    for tr in root.css("tr"):
        pos += 1
        cells = [c for c in tr.iter() if c.tag in ("td", "th")]
        if len(cells) == 1:
            # a one-column table: a label row, then its value row (layout rows that hold
            # nested tables are skipped without reading their text)
            cell = cells[0]
            if sum(1 for _ in cell.iter()) > 2:
                pending = None  # a layout cell (blocks inside), not a one-word label or value
                continue
            text = _node_text(cell)
            if pending is not None and text and not label_fields(text):
                pairs.append(Pair(pending, text, pos))
                pending = None
            else:
                pending = label_fields(text) or None
            continue
        pending = None
        if len(cells) > 12:
            continue
        in_records = header is not None and _mem_id(tr.parent) == header_parent and \
            len(cells) == len(header)
        if not in_records:
            # a label/value row or a header row starts with a label: read the first cell
            # only, so item rows and layout rows cost one short text each
            if sum(1 for _ in cells[0].iter()) > 2:
                continue  # a layout cell, not a label
            first = _node_text(cells[0])
            if not label_fields(first):
                continue
            texts = [first] + [_node_text(c) for c in cells[1:]]
        else:
            texts = [_node_text(c) for c in cells]
        if any(len(t) > 500 for t in texts):
            continue  # a layout cell holding the whole mail
        named = [label_fields(t) for t in texts] if not in_records else []
        if len(cells) >= 2 and sum(1 for x in named if x) >= max(2, len(cells) - 1) and \
                any(set(x) & set(ITEM_FIELDS) for x in named):
            header, header_parent = named, _mem_id(tr.parent)
            continue
        if in_records:
            rec = [Pair(h, t, pos) for h, t in zip(header, texts) if h and t]  # type: ignore[arg-type]
            if rec:
                records.append(rec)
            continue
        if len(cells) == 2 and named[0] and texts[1]:
            pairs.append(Pair(named[0], texts[1], pos))
    for dt in root.css("dt"):
        pos += 1
        dd = dt.next
        while dd is not None and dd.tag != "dd":
            if dd.tag == "dt":
                dd = None
                break
            dd = dd.next
        fl = label_fields(_node_text(dt))
        if fl and dd is not None:
            pairs.append(Pair(fl, _node_text(dd), pos))
    return pairs, records


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


def field_pairs(fields: list[tuple[str, str]]) -> list[Pair]:
    """Pairs from already-split 'label : value' lines (`common.labelled_fields`)."""
    out = []
    for i, (label, value) in enumerate(fields):
        fl = label_fields(label)
        if fl:
            out.append(Pair(fl, value, float(i)))
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
