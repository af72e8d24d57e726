"""Which fields a label names: the lexicon (one list of folded labels per field and language)
and the normalisation that lets "Votre n° de commande :" match "numero de commande"."""

from __future__ import annotations

import re
import unicodedata

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


# Decoration around a label: bullets before, ':' / '.' after, '(RMA)' or 'n°' at the end.
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
