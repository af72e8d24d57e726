"""The words of the digest's attachments (calendar events, CSV columns), per language."""

from __future__ import annotations

SUMMARY: dict[str, dict[str, str]] = {  # the digest templates' "to do" labels
    "fr": {"decide_return": "Décider du retour",
           "answer_claim": "Répondre à la réclamation A à Z",
           "appeal": "Faire appel de la réclamation A à Z",
           "reply_buyer": "Répondre à l'acheteur", "other": "Échéance", "order": "commande"},
    "en": {"decide_return": "Decide on the return", "answer_claim": "Answer the A-to-z claim",
           "appeal": "Appeal the A-to-z claim", "reply_buyer": "Reply to the buyer",
           "other": "Deadline", "order": "order"},
    "de": {"decide_return": "Über die Rücksendung entscheiden",
           "answer_claim": "A-bis-z-Garantieantrag beantworten",
           "appeal": "Einspruch gegen den A-bis-z-Garantieantrag",
           "reply_buyer": "Dem Käufer antworten", "other": "Frist", "order": "Bestellung"},
    "it": {"decide_return": "Decidere sul reso",
           "answer_claim": "Rispondere al reclamo dalla A alla Z",
           "appeal": "Presentare ricorso sul reclamo dalla A alla Z",
           "reply_buyer": "Rispondere all'acquirente", "other": "Scadenza", "order": "ordine"},
    "es": {"decide_return": "Decidir sobre la devolución",
           "answer_claim": "Responder a la reclamación de la A a la Z",
           "appeal": "Recurrir la reclamación de la A a la Z",
           "reply_buyer": "Responder al comprador", "other": "Plazo", "order": "pedido"},
}

DESCRIPTION: dict[str, dict[str, str]] = {
    "fr": {
        "decide_return": "Autorisez ou clôturez la demande de retour dans Seller Central, ou "
                         "répondez AUTORISER ou CLORE à l'e-mail de {bot}.",
        "answer_claim": "Répondez à Amazon dans Seller Central (Performances > Réclamations "
                        "au titre de la Garantie A à Z). Sans réponse, la réclamation est "
                        "accordée et son montant débité. Puis répondez FAIT à l'e-mail de "
                        "{bot}.",
        "appeal": "Dernier délai pour faire appel dans Seller Central. Répondez FAIT à "
                  "l'e-mail de {bot} une fois l'appel déposé.",
        "reply_buyer": "Répondez à l'acheteur dans Seller Central, puis répondez FAIT (ou "
                       "IGNORER) à l'e-mail de {bot}.",
        "other": "Traitez ce dossier dans Seller Central.",
        "case": "Dossier", "deadline": "Échéance", "overdue": "Échéance dépassée.",
    },
    "en": {
        "decide_return": "Authorize or close the return request in Seller Central, or reply "
                         "AUTHORIZE or CLOSE to {bot}'s email.",
        "answer_claim": "Respond to Amazon in Seller Central (Performance > A-to-z Guarantee "
                        "Claims). Without an answer the claim is granted and its amount "
                        "debited. Then reply DONE to {bot}'s email.",
        "appeal": "Last day to appeal in Seller Central. Reply DONE to {bot}'s email once the "
                  "appeal is filed.",
        "reply_buyer": "Reply to the buyer in Seller Central, then reply DONE (or IGNORE) to "
                       "{bot}'s email.",
        "other": "Handle this case in Seller Central.",
        "case": "Case", "deadline": "Deadline", "overdue": "Deadline passed.",
    },
    "de": {
        "decide_return": "Genehmigen oder schließen Sie die Rücksendeanfrage in Seller "
                         "Central, oder antworten Sie AUTHORIZE oder CLOSE auf die E-Mail von "
                         "{bot}.",
        "answer_claim": "Antworten Sie Amazon in Seller Central (Leistung > A-bis-z-"
                        "Garantieanträge). Ohne Antwort wird dem Antrag stattgegeben und der "
                        "Betrag abgebucht. Antworten Sie danach DONE auf die E-Mail von {bot}.",
        "appeal": "Letzte Frist für einen Einspruch in Seller Central. Antworten Sie DONE auf "
                  "die E-Mail von {bot}, sobald der Einspruch eingereicht ist.",
        "reply_buyer": "Antworten Sie dem Käufer in Seller Central, dann DONE (oder IGNORE) "
                       "auf die E-Mail von {bot}.",
        "other": "Bearbeiten Sie diesen Fall in Seller Central.",
        "case": "Fall", "deadline": "Frist", "overdue": "Frist überschritten.",
    },
    "it": {
        "decide_return": "Autorizzi o chiuda la richiesta di reso in Seller Central, oppure "
                         "risponda AUTHORIZE o CLOSE all'e-mail di {bot}.",
        "answer_claim": "Risponda ad Amazon in Seller Central (Prestazioni > Reclami dalla A "
                        "alla Z). Senza risposta il reclamo viene accolto e l'importo "
                        "addebitato. Poi risponda DONE all'e-mail di {bot}.",
        "appeal": "Ultimo termine per presentare ricorso in Seller Central. Risponda DONE "
                  "all'e-mail di {bot} una volta presentato il ricorso.",
        "reply_buyer": "Risponda all'acquirente in Seller Central, poi risponda DONE (o "
                       "IGNORE) all'e-mail di {bot}.",
        "other": "Gestisca questa pratica in Seller Central.",
        "case": "Pratica", "deadline": "Scadenza", "overdue": "Scadenza superata.",
    },
    "es": {
        "decide_return": "Autorice o cierre la solicitud de devolución en Seller Central, o "
                         "responda AUTHORIZE o CLOSE al correo de {bot}.",
        "answer_claim": "Responda a Amazon en Seller Central (Rendimiento > Reclamaciones de "
                        "la A a la Z). Sin respuesta, la reclamación se concede "
                        "y se le cobra el importe. Después responda DONE al correo de {bot}.",
        "appeal": "Último plazo para recurrir en Seller Central. Responda DONE al correo de "
                  "{bot} una vez presentado el recurso.",
        "reply_buyer": "Responda al comprador en Seller Central y después DONE (o IGNORE) al "
                       "correo de {bot}.",
        "other": "Gestione este caso en Seller Central.",
        "case": "Caso", "deadline": "Plazo", "overdue": "Plazo vencido.",
    },
}
