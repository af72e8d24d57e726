"""The sentences of a draft in each of the five languages, keyed by what they state."""

from __future__ import annotations

LANGS = ("fr", "en", "de", "it", "es")

#: Language -> phrase key -> template; "f_<fact>" names a missing fact in a placeholder.
PHRASES: dict[str, dict[str, str]] = {
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
        "f_ship_date": "data di spedizione",
        "f_delivery_proof": "stato di consegna dal tracciamento",
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
