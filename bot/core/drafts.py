"""Drafts of the seller's answer to Amazon for an A-to-Z claim, and of an appeal. Pure.

Amazon's claim mails come from a no-reply address: the answer is typed in Seller Central
(Performance › A-to-Z claims › Respond), whose box takes no attachments. sellerbot drafts it
from the case and the order evidence (`bot.flows.orders_import.case_evidence`) and mails it to the
seller, ready to paste. The draft is factual and short; every fact sellerbot does not know
is left as a visible "[TO COMPLETE: …]" placeholder and listed in `Draft.missing`, and the
draft is then "weak": the seller must add it before pasting.

What a claim answer needs (docs/domain.md): carrier, tracking number with proof of delivery,
ship date against the promised date, signature, Buy Shipping protection (label bought through
Amazon and shipped on time: Amazon funds the claim), for return-related claims the return
request history and why a request was closed, the correspondence, and refunds given.

`evidence` is the dict `case_evidence` returns ({"order": {...}, "linked_case": {...},
"events": [...], ...}); facts it does not carry yet may be given at its top level or in
"order": `promised_date` (latest promised delivery), `ship_by`, `delivered_at` (carrier's
delivery scan), `delivery_proof` (e.g. "photo", "signature"), `messages_exchanged` (int),
`refunds` ([{"amount": {"value", "currency"}, "at"}]), `return` ({"state", "rma",
"authorized_at", "closed_at", "close_reason"}), `decided_at` (claim decision, for appeals).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

LANGS = ("fr", "en", "de", "it", "es")
APPEAL_WINDOW = timedelta(days=30)

#: Facts a not-received answer cannot do without.
SHIPPING_REQUIRED = ("carrier", "tracking", "ship_date")


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    missing: list[str]  # facts the seller must add (placeholders left in the text)
    strength: str  # "strong" | "weak"
    category: str = "other"  # not_received | not_as_described | return | other
    warnings: list[str] = field(default_factory=list)  # shipped_late, delivered_late, …


# ---------------------------------------------------------------- phrase tables

_T: dict[str, dict[str, str]] = {
    "fr": {
        "hello": "Bonjour,",
        "intro": "Voici notre réponse à la réclamation concernant la commande {order}{reason}.",
        "intro_appeal": "Nous faisons appel de la décision{decided} sur la réclamation concernant "
                        "la commande {order}{reason}. Voici les éléments du dossier.",
        "reason": " (motif : {reason})",
        "decided": " du {date}",
        "shipped": "La commande a été expédiée le {ship_date} par {carrier}, numéro de suivi "
                   "{tracking}.",
        "service": "Mode d'expédition : {service}.",
        "promised_ok": "Elle a été livrée le {delivered}, avant la date de livraison promise "
                       "({promised}).",
        "promised": "Date de livraison promise : {promised}.",
        "delivered": "Le suivi du transporteur indique que le colis a été livré le {delivered}"
                     "{place}.",
        "place": " à {place}",
        "proof": "Preuve de livraison disponible : {proof}.",
        "no_proof": "Preuve de livraison : {todo}.",
        "signature": "La livraison a été faite contre signature.",
        "buy_shipping": "L'étiquette a été achetée via le service d'achat d'étiquettes "
                        "d'expédition d'Amazon (Buy Shipping) et le colis a été expédié à temps : "
                        "cette commande bénéficie de la protection contre les réclamations "
                        "pour non-réception.",
        "buy_shipping_late": "L'étiquette a été achetée via le service d'achat d'étiquettes "
                             "d'expédition d'Amazon (Buy Shipping).",
        "return_authorized": "La demande de retour a été autorisée{on}{rma}.",
        "return_closed": "La demande de retour a été close{on} : {why}.",
        "return_refunded": "Le retour a été remboursé{on}.",
        "return_cancelled": "L'acheteur a lui-même annulé sa demande de retour{on}.",
        "return_unknown": "Historique de la demande de retour : {todo}.",
        "on": " le {date}",
        "rma": " (RMA {rma})",
        "messages": "Nous avons échangé {n} message(s) avec l'acheteur par la messagerie "
                    "Amazon (voir l'historique de la commande).",
        "no_messages": "L'acheteur ne nous a pas contactés avant de déposer sa réclamation.",
        "refund": "Remboursement déjà accordé : {amount}{on}.",
        "no_refund": "Aucun remboursement n'a été émis à ce jour.",
        "close_strong": "Au vu de ces éléments, nous vous remercions de bien vouloir refuser "
                        "cette réclamation.",
        "close_weak": "Nous vous remercions d'examiner ces éléments.",
        "close_appeal": "Nous vous remercions de bien vouloir réexaminer cette réclamation.",
        "regards": "Cordialement,",
        "todo": "[À COMPLÉTER : {what}]",
        "f_carrier": "transporteur", "f_tracking": "numéro de suivi",
        "f_ship_date": "date d'expédition", "f_delivery_proof": "statut de livraison du suivi",
        "f_return_history": "historique du retour (autorisé, clos et pourquoi)",
        "f_close_reason": "motif de clôture",
    },
    "en": {
        "hello": "Hello,",
        "intro": "Please find our response to the claim on order {order}{reason}.",
        "intro_appeal": "We appeal the decision{decided} on the claim for order {order}{reason}. "
                        "Here are the facts of the case.",
        "reason": " (reason: {reason})",
        "decided": " of {date}",
        "shipped": "The order was shipped on {ship_date} with {carrier}, tracking number "
                   "{tracking}.",
        "service": "Shipping method: {service}.",
        "promised_ok": "It was delivered on {delivered}, before the promised delivery date "
                       "({promised}).",
        "promised": "Promised delivery date: {promised}.",
        "delivered": "The carrier's tracking shows the parcel delivered on {delivered}{place}.",
        "place": " in {place}",
        "proof": "Proof of delivery available: {proof}.",
        "no_proof": "Proof of delivery: {todo}.",
        "signature": "The parcel was delivered against signature.",
        "buy_shipping": "The label was bought through Amazon Buy Shipping and the parcel was "
                        "shipped on time: this order is protected against non-delivery claims.",
        "buy_shipping_late": "The label was bought through Amazon Buy Shipping.",
        "return_authorized": "The return request was authorized{on}{rma}.",
        "return_closed": "The return request was closed{on}: {why}.",
        "return_refunded": "The return was refunded{on}.",
        "return_cancelled": "The buyer cancelled the return request{on}.",
        "return_unknown": "Return request history: {todo}.",
        "on": " on {date}",
        "rma": " (RMA {rma})",
        "messages": "We exchanged {n} message(s) with the buyer through Amazon messaging "
                    "(see the order's message history).",
        "no_messages": "The buyer did not contact us before filing the claim.",
        "refund": "Refund already issued: {amount}{on}.",
        "no_refund": "No refund has been issued so far.",
        "close_strong": "Given these facts, we kindly ask you to deny this claim.",
        "close_weak": "Thank you for reviewing these facts.",
        "close_appeal": "Thank you for reviewing this claim again.",
        "regards": "Kind regards,",
        "todo": "[TO COMPLETE: {what}]",
        "f_carrier": "carrier", "f_tracking": "tracking number", "f_ship_date": "ship date",
        "f_delivery_proof": "delivery status from tracking",
        "f_return_history": "return history (authorized, closed and why)",
        "f_close_reason": "reason for closing",
    },
    "de": {
        "hello": "Guten Tag,",
        "intro": "hier unsere Antwort auf den Antrag zur Bestellung {order}{reason}.",
        "intro_appeal": "wir legen Widerspruch gegen die Entscheidung{decided} zum Antrag für "
                        "die Bestellung {order}{reason} ein. Hier die Fakten.",
        "reason": " (Grund: {reason})",
        "decided": " vom {date}",
        "shipped": "Die Bestellung wurde am {ship_date} mit {carrier} versandt, "
                   "Sendungsnummer {tracking}.",
        "service": "Versandart: {service}.",
        "promised_ok": "Sie wurde am {delivered} zugestellt, vor dem zugesagten Lieferdatum "
                       "({promised}).",
        "promised": "Zugesagtes Lieferdatum: {promised}.",
        "delivered": "Laut Sendungsverfolgung wurde das Paket am {delivered}{place} zugestellt.",
        "place": " in {place}",
        "proof": "Zustellnachweis vorhanden: {proof}.",
        "no_proof": "Zustellnachweis: {todo}.",
        "signature": "Die Zustellung erfolgte gegen Unterschrift.",
        "buy_shipping": "Das Etikett wurde über Amazon Versand kaufen (Buy Shipping) gekauft "
                        "und das Paket pünktlich versandt: Diese Bestellung ist gegen Anträge "
                        "wegen Nichterhalt geschützt.",
        "buy_shipping_late": "Das Etikett wurde über Amazon Versand kaufen (Buy Shipping) "
                             "gekauft.",
        "return_authorized": "Die Rücksendeanfrage wurde{on} genehmigt{rma}.",
        "return_closed": "Die Rücksendeanfrage wurde{on} geschlossen: {why}.",
        "return_refunded": "Die Rücksendung wurde{on} erstattet.",
        "return_cancelled": "Der Käufer hat die Rücksendeanfrage{on} selbst storniert.",
        "return_unknown": "Verlauf der Rücksendeanfrage: {todo}.",
        "on": " am {date}",
        "rma": " (RMA {rma})",
        "messages": "Wir haben {n} Nachricht(en) mit dem Käufer über das Amazon-Nachrichtensystem "
                    "ausgetauscht (siehe Nachrichtenverlauf der Bestellung).",
        "no_messages": "Der Käufer hat uns vor dem Antrag nicht kontaktiert.",
        "refund": "Bereits erstattet: {amount}{on}.",
        "no_refund": "Bisher wurde keine Erstattung geleistet.",
        "close_strong": "Wir bitten Sie daher, diesen Antrag abzulehnen.",
        "close_weak": "Vielen Dank für die Prüfung.",
        "close_appeal": "Wir bitten Sie, diesen Antrag erneut zu prüfen.",
        "regards": "Mit freundlichen Grüßen",
        "todo": "[ERGÄNZEN: {what}]",
        "f_carrier": "Versanddienstleister", "f_tracking": "Sendungsnummer",
        "f_ship_date": "Versanddatum", "f_delivery_proof": "Zustellstatus laut Tracking",
        "f_return_history": "Verlauf der Rücksendung (genehmigt, geschlossen und warum)",
        "f_close_reason": "Grund für das Schließen",
    },
    "it": {
        "hello": "Buongiorno,",
        "intro": "ecco la nostra risposta al reclamo relativo all'ordine {order}{reason}.",
        "intro_appeal": "presentiamo ricorso contro la decisione{decided} sul reclamo relativo "
                        "all'ordine {order}{reason}. Ecco i fatti.",
        "reason": " (motivo: {reason})",
        "decided": " del {date}",
        "shipped": "L'ordine è stato spedito il {ship_date} con {carrier}, numero di "
                   "tracciamento {tracking}.",
        "service": "Metodo di spedizione: {service}.",
        "promised_ok": "È stato consegnato il {delivered}, prima della data di consegna "
                       "prevista ({promised}).",
        "promised": "Data di consegna prevista: {promised}.",
        "delivered": "Il tracciamento del corriere indica la consegna del pacco il "
                     "{delivered}{place}.",
        "place": " a {place}",
        "proof": "Prova di consegna disponibile: {proof}.",
        "no_proof": "Prova di consegna: {todo}.",
        "signature": "La consegna è avvenuta con firma.",
        "buy_shipping": "L'etichetta è stata acquistata tramite Acquista spedizione di Amazon "
                        "(Buy Shipping) e il pacco è stato spedito in tempo: questo ordine è "
                        "protetto dai reclami per mancata consegna.",
        "buy_shipping_late": "L'etichetta è stata acquistata tramite Acquista spedizione di "
                             "Amazon (Buy Shipping).",
        "return_authorized": "La richiesta di reso è stata autorizzata{on}{rma}.",
        "return_closed": "La richiesta di reso è stata chiusa{on}: {why}.",
        "return_refunded": "Il reso è stato rimborsato{on}.",
        "return_cancelled": "L'acquirente ha annullato la richiesta di reso{on}.",
        "return_unknown": "Storico della richiesta di reso: {todo}.",
        "on": " il {date}",
        "rma": " (RMA {rma})",
        "messages": "Abbiamo scambiato {n} messaggi con l'acquirente tramite la messaggistica "
                    "Amazon (vedere lo storico dell'ordine).",
        "no_messages": "L'acquirente non ci ha contattato prima di presentare il reclamo.",
        "refund": "Rimborso già effettuato: {amount}{on}.",
        "no_refund": "Finora non è stato emesso alcun rimborso.",
        "close_strong": "Alla luce di questi elementi, vi chiediamo di respingere il reclamo.",
        "close_weak": "Vi ringraziamo per l'esame di questi elementi.",
        "close_appeal": "Vi chiediamo di riesaminare il reclamo.",
        "regards": "Cordiali saluti,",
        "todo": "[DA COMPLETARE: {what}]",
        "f_carrier": "corriere", "f_tracking": "numero di tracciamento",
        "f_ship_date": "data di spedizione", "f_delivery_proof": "stato di consegna dal tracciamento",
        "f_return_history": "storico del reso (autorizzato, chiuso e perché)",
        "f_close_reason": "motivo della chiusura",
    },
    "es": {
        "hello": "Hola:",
        "intro": "Esta es nuestra respuesta a la reclamación sobre el pedido {order}{reason}.",
        "intro_appeal": "Recurrimos la decisión{decided} sobre la reclamación del pedido "
                        "{order}{reason}. Estos son los hechos.",
        "reason": " (motivo: {reason})",
        "decided": " del {date}",
        "shipped": "El pedido se envió el {ship_date} con {carrier}, número de seguimiento "
                   "{tracking}.",
        "service": "Método de envío: {service}.",
        "promised_ok": "Se entregó el {delivered}, antes de la fecha de entrega prometida "
                       "({promised}).",
        "promised": "Fecha de entrega prometida: {promised}.",
        "delivered": "El seguimiento del transportista indica que el paquete se entregó el "
                     "{delivered}{place}.",
        "place": " en {place}",
        "proof": "Prueba de entrega disponible: {proof}.",
        "no_proof": "Prueba de entrega: {todo}.",
        "signature": "La entrega se realizó con firma.",
        "buy_shipping": "La etiqueta se compró con Comprar envío de Amazon (Buy Shipping) y el "
                        "paquete se envió a tiempo: este pedido está protegido frente a "
                        "reclamaciones por no recepción.",
        "buy_shipping_late": "La etiqueta se compró con Comprar envío de Amazon (Buy Shipping).",
        "return_authorized": "La solicitud de devolución se autorizó{on}{rma}.",
        "return_closed": "La solicitud de devolución se cerró{on}: {why}.",
        "return_refunded": "La devolución se reembolsó{on}.",
        "return_cancelled": "El comprador canceló la solicitud de devolución{on}.",
        "return_unknown": "Historial de la solicitud de devolución: {todo}.",
        "on": " el {date}",
        "rma": " (RMA {rma})",
        "messages": "Intercambiamos {n} mensaje(s) con el comprador por la mensajería de "
                    "Amazon (ver el historial del pedido).",
        "no_messages": "El comprador no nos contactó antes de presentar la reclamación.",
        "refund": "Reembolso ya realizado: {amount}{on}.",
        "no_refund": "Hasta la fecha no se ha emitido ningún reembolso.",
        "close_strong": "A la vista de estos hechos, les rogamos que denieguen esta reclamación.",
        "close_weak": "Gracias por revisar estos hechos.",
        "close_appeal": "Les rogamos que revisen de nuevo esta reclamación.",
        "regards": "Atentamente,",
        "todo": "[COMPLETAR: {what}]",
        "f_carrier": "transportista", "f_tracking": "número de seguimiento",
        "f_ship_date": "fecha de envío", "f_delivery_proof": "estado de entrega del seguimiento",
        "f_return_history": "historial de la devolución (autorizada, cerrada y por qué)",
        "f_close_reason": "motivo del cierre",
    },
}

#: Claim categories from the claim's reason, in any of the five languages.
_CATEGORIES: list[tuple[str, re.Pattern[str]]] = [
    ("return", re.compile(
        r"return|retour|r[üu]cksend|reso\b|resi\b|devoluci|refund not|remboursement non|"
        r"erstattung|rimborso|reembolso", re.IGNORECASE)),
    ("not_received", re.compile(
        r"not (?:been )?received|never (?:arrived|received)|not delivered|undelivered|"
        r"non re[çc]u|pas re[çc]u|jamais re[çc]u|non livr|pas [ée]t[ée] livr|"
        r"nicht (?:erhalten|angekommen|geliefert|zugestellt)|"
        r"non (?:ricevuto|consegnat|arrivat)|mai arrivat|"
        r"no (?:recibido|entregado|ha llegado|lleg[óo])|item_not_received|inr", re.IGNORECASE)),
    ("not_as_described", re.compile(
        r"not as described|different|damaged|defect|broken|wrong|counterfeit|"
        r"non conforme|ne correspond|endommag|ab[iî]m|d[ée]fectu|cass|mauvais|contrefa|"
        r"beschädigt|besch[aä]digt|defekt|falsch|entspricht nicht|"
        r"danneggiat|difettos|rott|sbagliat|non corrisponde|"
        r"dañad|defectuos|rot[oa]|equivocad|no coincide|no corresponde|snad", re.IGNORECASE)),
]


# ---------------------------------------------------------------- helpers

def _get(d: dict[str, Any] | None, *keys: str) -> Any:
    for key in keys:
        if d and d.get(key) not in (None, ""):
            return d[key]
    return None


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        return None


_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]


def _fmt_date(value: Any, lang: str) -> str:
    d = _as_date(value)
    if d is None:
        return str(value)
    if lang == "en":
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    if lang == "de":
        return d.strftime("%d.%m.%Y")
    return d.strftime("%d/%m/%Y")


def _fmt_money(amount: Any, lang: str) -> str:
    if not isinstance(amount, dict) or amount.get("value") is None:
        return str(amount)
    text = f"{float(amount['value']):.2f}"
    if lang != "en":
        text = text.replace(".", ",")
    return f"{text} {amount.get('currency') or ''}".strip()


def _yes(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "oui", "ja", "si", "sí", "x")
    return bool(value)


def categorize(reason: str | None) -> str:
    """not_received | return | not_as_described | other, from a claim's reason text."""
    for code, rx in _CATEGORIES:
        if reason and rx.search(reason):
            return code
    return "other"


@dataclass
class _Facts:
    order_id: str
    reason: str | None
    category: str
    carrier: Any = None
    tracking: Any = None
    ship_date: Any = None
    ship_by: Any = None
    promised_date: Any = None
    delivered_at: Any = None
    delivery_proof: Any = None
    place: str | None = None
    signature: bool = False
    buy_shipping: bool = False
    service: str | None = None
    ret: dict[str, Any] | None = None
    messages: int | None = None
    refunds: list[dict[str, Any]] | None = None
    decided_at: Any = None
    deadline: Any = None


def _return_facts(evidence: dict[str, Any]) -> dict[str, Any] | None:
    explicit = evidence.get("return")
    if isinstance(explicit, dict):
        return explicit
    linked = evidence.get("linked_case")
    if not isinstance(linked, dict) or linked.get("kind") not in (None, "return"):
        return None
    out: dict[str, Any] = {"state": linked.get("state"), "rma": linked.get("rma"),
                           "close_reason": linked.get("close_reason")}
    for ev in linked.get("events") or []:
        kind = str(ev.get("kind") or "")
        reason = ev.get("reason") or ""
        if kind in ("return_authorized", "authorized", "link_followed") or \
                kind.endswith("authorize"):
            out.setdefault("authorized_at", ev.get("at"))
        if kind in ("closed", "command:close", "return_closed"):
            out.setdefault("closed_at", ev.get("at"))
            if reason and "-->" not in reason and not out.get("close_reason"):
                out["close_reason"] = reason
        if kind == "refund_issued":
            out.setdefault("refunded_at", ev.get("at"))
    return out


def _facts(case: dict[str, Any], evidence: dict[str, Any]) -> _Facts:
    data = case.get("data") if isinstance(case.get("data"), dict) else {}
    c = {**case, **data}
    ev = evidence or {}
    order = ev.get("order") if isinstance(ev.get("order"), dict) else {}

    def fact(*keys: str) -> Any:
        return _get(ev, *keys) if _get(ev, *keys) is not None else _get(order, *keys)

    reason = _get(c, "claim_type", "reason") or ev.get("reason")
    delivery = fact("delivery") or {}
    place = " ".join(str(delivery[k]) for k in ("ship_postal_code", "ship_city")
                     if isinstance(delivery, dict) and delivery.get(k)) or None
    messages = fact("messages_exchanged")
    refunds = fact("refunds")
    return _Facts(
        order_id=c.get("order_id") or _get(ev.get("case"), "order_id") or "?",
        reason=reason, category=categorize(_get(c, "reason_normalized") or reason),
        carrier=fact("carrier"), tracking=fact("tracking"), ship_date=fact("ship_date"),
        ship_by=fact("ship_by", "latest_ship_date"),
        promised_date=fact("promised_date", "latest_delivery_date", "promised_delivery_date"),
        delivered_at=fact("delivered_at", "delivery_date", "delivery_scan"),
        delivery_proof=fact("delivery_proof"), place=place,
        signature=_yes(fact("signature")), buy_shipping=_yes(fact("buy_shipping")),
        service=fact("ship_service_level"), ret=_return_facts(ev),
        messages=messages if isinstance(messages, int) else None,
        refunds=refunds if isinstance(refunds, list) else None,
        decided_at=_get(c, "decided_at") or ev.get("decided_at") or _decision_time(ev),
        deadline=c.get("deadline"),
    )


def _decision_time(evidence: dict[str, Any]) -> Any:
    for ev in reversed(evidence.get("events") or []):
        if str(ev.get("kind") or "").startswith(("decided", "claim_decided")):
            return ev.get("at")
    return None


# ---------------------------------------------------------------- composition

def _compose(f: _Facts, lang: str, now: datetime, *, appeal: bool,
             seller_name: str | None) -> Draft:
    t = _T.get(lang, _T["en"])
    lang = lang if lang in _T else "en"
    missing: list[str] = []
    warnings: list[str] = []

    def todo(key: str) -> str:
        if key not in missing:
            missing.append(key)
        return t["todo"].format(what=t[f"f_{key}"])

    def on(value: Any) -> str:
        return t["on"].format(date=_fmt_date(value, lang)) if value else ""

    reason = t["reason"].format(reason=f.reason) if f.reason else ""
    lines: list[str] = []
    shipped_late = bool(f.ship_by and f.ship_date and _as_date(f.ship_date) and _as_date(f.ship_by)
                        and _as_date(f.ship_date) > _as_date(f.ship_by))  # type: ignore[operator]
    if shipped_late:
        warnings.append("shipped_late")
    protected = f.buy_shipping and not shipped_late

    # shipping: always for not-received claims; for the others when sellerbot knows it
    shipping_needed = f.category in ("not_received", "other")
    if shipping_needed or f.tracking or f.carrier:
        lines.append(t["shipped"].format(
            ship_date=_fmt_date(f.ship_date, lang) if f.ship_date else todo("ship_date"),
            carrier=f.carrier or todo("carrier"), tracking=f.tracking or todo("tracking")))
        if f.service:
            lines.append(t["service"].format(service=f.service))
        delivered, promised = _as_date(f.delivered_at), _as_date(f.promised_date)
        if delivered and promised and delivered <= promised:
            lines.append(t["promised_ok"].format(delivered=_fmt_date(delivered, lang),
                                                 promised=_fmt_date(promised, lang)))
        else:
            if delivered and promised:
                warnings.append("delivered_late")
            if f.delivered_at:
                lines.append(t["delivered"].format(
                    delivered=_fmt_date(f.delivered_at, lang),
                    place=t["place"].format(place=f.place) if f.place else ""))
            if promised and not delivered:
                lines.append(t["promised"].format(promised=_fmt_date(promised, lang)))
        if f.delivery_proof:
            lines.append(t["proof"].format(proof=f.delivery_proof))
        elif f.category == "not_received" and not f.delivered_at and not protected:
            lines.append(t["no_proof"].format(todo=todo("delivery_proof")))
        if f.signature:
            lines.append(t["signature"])
        if f.buy_shipping:
            lines.append(t["buy_shipping"] if protected else t["buy_shipping_late"])

    # the return request: authorized, closed and why, refunded
    ret = f.ret
    if ret:
        state = ret.get("state") or ""
        if ret.get("authorized_at") or state in ("return_authorized", "return_refunded",
                                                 "authorized"):
            lines.append(t["return_authorized"].format(
                on=on(ret.get("authorized_at")),
                rma=t["rma"].format(rma=ret["rma"]) if ret.get("rma") else ""))
        if state in ("return_closed", "closed"):
            why = ret.get("close_reason") or todo("close_reason")
            lines.append(t["return_closed"].format(on=on(ret.get("closed_at")), why=why))
        if state in ("return_refunded", "refunded"):
            lines.append(t["return_refunded"].format(on=on(ret.get("refunded_at"))))
        if state in ("return_cancelled", "cancelled"):
            lines.append(t["return_cancelled"].format(on=on(ret.get("cancelled_at"))))
    elif f.category in ("not_as_described", "return"):
        lines.append(t["return_unknown"].format(todo=todo("return_history")))

    # correspondence and refunds
    if f.messages is not None:
        lines.append(t["messages"].format(n=f.messages) if f.messages > 0 else t["no_messages"])
    if f.refunds is not None:
        if f.refunds:
            for r in f.refunds:
                lines.append(t["refund"].format(amount=_fmt_money(r.get("amount"), lang),
                                                on=on(r.get("at"))))
        else:
            lines.append(t["no_refund"])

    # strength
    if f.category == "not_received":
        strong = not missing and bool(f.delivered_at or f.delivery_proof or protected
                                      or f.signature)
    elif f.category in ("not_as_described", "return"):
        authorized = bool(ret and (ret.get("authorized_at") or ret.get("state") in (
            "return_authorized", "return_refunded", "authorized", "refunded")))
        closed_with_reason = bool(ret and ret.get("state") in ("return_closed", "closed")
                                  and ret.get("close_reason"))
        strong = not missing and (authorized or closed_with_reason or bool(f.refunds))
    else:
        strong = not missing and bool(f.tracking)

    # clocks: the 3-day answer deadline, the 30-day appeal window
    deadline = f.deadline if isinstance(f.deadline, datetime) else None
    if isinstance(f.deadline, str):
        try:
            deadline = datetime.fromisoformat(f.deadline)
        except ValueError:
            deadline = None
    if deadline is not None and deadline.tzinfo is not None and now.tzinfo is not None \
            and deadline < now:
        warnings.append("deadline_passed")
    decided_on = None
    if appeal and f.decided_at:
        decided = f.decided_at
        if isinstance(decided, str):
            try:
                decided = datetime.fromisoformat(decided)
            except ValueError:
                decided = None
        if isinstance(decided, datetime):
            decided_on = decided
            if decided.tzinfo is None or now.tzinfo is None:
                decided, now_cmp = decided.replace(tzinfo=None), now.replace(tzinfo=None)
            else:
                now_cmp = now
            if now_cmp > decided + APPEAL_WINDOW:
                warnings.append("appeal_window_closed")

    if appeal:
        decided_text = t["decided"].format(date=_fmt_date(decided_on, lang)) if decided_on else ""
        intro = t["intro_appeal"].format(order=f.order_id, reason=reason, decided=decided_text)
        closing = t["close_appeal"]
    else:
        intro = t["intro"].format(order=f.order_id, reason=reason)
        closing = t["close_strong"] if strong else t["close_weak"]
    body = [t["hello"], "", intro, ""] + [f"- {line}" for line in lines]
    body += ["", closing, "", t["regards"]]
    if seller_name:
        body.append(seller_name)
    return Draft(text="\n".join(body).replace("\n\n\n", "\n\n") + "\n", missing=missing,
                 strength="strong" if strong else "weak", category=f.category,
                 warnings=warnings)


def claim_answer_draft(case: dict[str, Any], evidence: dict[str, Any], lang: str,
                       now: datetime, *, seller_name: str | None = None) -> Draft:
    """The answer to Amazon for an A-to-Z claim, in `lang` (fr, en, de, it, es)."""
    return _compose(_facts(case, evidence), lang, now, appeal=False, seller_name=seller_name)


def appeal_draft(case: dict[str, Any], evidence: dict[str, Any], lang: str, now: datetime,
                 *, seller_name: str | None = None, decided_at: datetime | None = None) -> Draft:
    """An appeal of a claim decision (within 30 days of it; else warning
    "appeal_window_closed"). `decided_at` overrides what the case and evidence say."""
    facts = _facts(case, evidence)
    if decided_at is not None:
        facts.decided_at = decided_at
    return _compose(facts, lang, now, appeal=True, seller_name=seller_name)
