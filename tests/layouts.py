"""Layout-mutation harness: the same facts rendered through many layouts.

A `Facts` instance is what the seller sees in Seller Central (order id, RMA, item, reason...).
`render(facts, layout, rng)` writes it as an Amazon-style mail in the facts' language and one
layout: label lines in random order with random separators, label and value on two lines,
HTML two-column table, HTML definition list, HTML-only paragraphs, plain + marketing HTML,
reflowed text, quoted-printable / base64, ids only in wrapped links, prose, forwards.

The labels, phrases and reason wordings below are written here, by hand, from Amazon's
wording in each language -- never imported from the parser -- so a label the parser's
lexicon lacks shows up as a miss. Expected values are the facts themselves.
"""

from __future__ import annotations

import base64
import random
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import format_datetime
from html import escape

from tests.timeshift import at

LANGS = ("fr", "en", "de", "it", "es", "nl", "sv", "pl")
FAMILIES = ("return_request", "return_authorized", "claim_filed", "claim_info_requested",
            "buyer_message")

MARKET = {  # lang -> (marketplace, marketplace id, tld, currency renderer)
    "fr": ("amazon.fr", "A13V1IB3VIYZZH", "fr"), "en": ("amazon.co.uk", "A1F83G8C2ARO7P", "co.uk"),
    "de": ("amazon.de", "A1PA6795UKMFR9", "de"), "it": ("amazon.it", "APJ6JRA9NG5V4", "it"),
    "es": ("amazon.es", "A1RKKUPIHCS9HS", "es"), "nl": ("amazon.nl", "A1805IZSGTT6HS", "nl"),
    "sv": ("amazon.se", "A2NODRKZP88ZB9", "se"), "pl": ("amazon.pl", "A1C3SOZRARQ6R3", "pl"),
}
CURRENCY = {"fr": "EUR", "en": "GBP", "de": "EUR", "it": "EUR", "es": "EUR", "nl": "EUR",
            "sv": "SEK", "pl": "PLN"}

# label synonyms per fact and language (Amazon's wordings, several per fact)
LABELS: dict[str, dict[str, list[str]]] = {
    "fr": {"order": ["Numéro de commande", "N° de commande", "Commande", "ID de commande"],
           "rma": ["Numéro d'autorisation de retour", "N° RMA", "Numéro d'autorisation de retour (RMA)"],
           "reason": ["Motif du retour", "Raison du retour"],
           "asin": ["ASIN"], "sku": ["SKU", "SKU vendeur"],
           "qty": ["Quantité retournée", "Quantité"], "price": ["Prix", "Prix de l'article"],
           "title": ["Article", "Article de la commande", "Produit"],
           "comment": ["Commentaire du client", "Commentaires de l'acheteur"],
           "status": ["Statut", "Autorisation", "Statut de la demande"],
           "claim": ["Numéro de réclamation", "Identifiant de la réclamation"],
           "claim_reason": ["Motif de la réclamation", "Motif indiqué par le client"],
           "amount": ["Montant de la réclamation", "Montant"]},
    "en": {"order": ["Order ID", "Order number", "Order #"],
           "rma": ["Return authorization ID", "RMA number", "Return authorisation number"],
           "reason": ["Return reason", "Reason for return"],
           "asin": ["ASIN"], "sku": ["SKU", "Seller SKU"],
           "qty": ["Return quantity", "Quantity", "Qty"], "price": ["Item price", "Price"],
           "title": ["Item", "Order item", "Product name"],
           "comment": ["Customer comments", "Buyer comment"],
           "status": ["Status", "Authorization status", "Request status"],
           "claim": ["Claim ID", "Claim number"],
           "claim_reason": ["Claim reason", "Reason given by the buyer"],
           "amount": ["Claim amount", "Amount"]},
    "de": {"order": ["Bestellnummer", "Bestell-Nr.", "Bestellung"],
           "rma": ["Rücksendegenehmigungsnummer", "RMA-Nummer"],
           "reason": ["Rücksendegrund", "Grund der Rücksendung"],
           "asin": ["ASIN"], "sku": ["SKU", "Verkäufer-SKU"],
           "qty": ["Menge", "Rücksendemenge", "Anzahl"], "price": ["Preis", "Artikelpreis"],
           "title": ["Artikel", "Bestellter Artikel", "Produkt"],
           "comment": ["Kommentar des Käufers", "Kundenkommentar"],
           "status": ["Status", "Genehmigung"],
           "claim": ["Anspruchs-ID", "Antragsnummer"],
           "claim_reason": ["Grund des Anspruchs", "Vom Käufer angegebener Grund"],
           "amount": ["Betrag", "Anspruchsbetrag"]},
    "it": {"order": ["Numero d'ordine", "Numero ordine", "ID ordine"],
           "rma": ["Numero di autorizzazione al reso", "Numero RMA"],
           "reason": ["Motivo del reso", "Motivo"],
           "asin": ["ASIN"], "sku": ["SKU", "SKU del venditore"],
           "qty": ["Quantità", "Quantità restituita"], "price": ["Prezzo", "Prezzo dell'articolo"],
           "title": ["Articolo", "Articolo dell'ordine", "Prodotto"],
           "comment": ["Commento del cliente", "Commenti del cliente"],
           "status": ["Stato", "Autorizzazione", "Stato della richiesta"],
           "claim": ["Numero del reclamo", "ID reclamo"],
           "claim_reason": ["Motivo del reclamo", "Motivo indicato dal cliente"],
           "amount": ["Importo", "Importo del reclamo"]},
    "es": {"order": ["Número de pedido", "N.º de pedido", "ID del pedido"],
           "rma": ["Número de autorización de devolución", "Número RMA"],
           "reason": ["Motivo de la devolución", "Motivo"],
           "asin": ["ASIN"], "sku": ["SKU", "SKU del vendedor"],
           "qty": ["Cantidad", "Cantidad devuelta"], "price": ["Precio", "Precio del artículo"],
           "title": ["Artículo", "Producto", "Nombre del producto"],
           "comment": ["Comentario del cliente", "Comentarios del cliente"],
           "status": ["Estado", "Autorización", "Estado de la solicitud"],
           "claim": ["Número de reclamación", "ID de la reclamación"],
           "claim_reason": ["Motivo de la reclamación", "Motivo"],
           "amount": ["Importe", "Importe de la reclamación"]},
    "nl": {"order": ["Bestelnummer", "Ordernummer"],
           "rma": ["Retourautorisatienummer", "RMA-nummer"],
           "reason": ["Reden van retour", "Retourreden"],
           "asin": ["ASIN"], "sku": ["SKU"],
           "qty": ["Aantal", "Geretourneerd aantal"], "price": ["Prijs", "Artikelprijs"],
           "title": ["Artikel", "Product", "Productnaam"],
           "comment": ["Opmerking van de klant", "Opmerking"],
           "status": ["Status", "Autorisatie"],
           "claim": ["Claimnummer", "Claim-ID"],
           "claim_reason": ["Reden van claim", "Reden"],
           "amount": ["Bedrag"]},
    "sv": {"order": ["Ordernummer", "Beställningsnummer"],
           "rma": ["Returauktoriseringsnummer", "RMA-nummer"],
           "reason": ["Returorsak", "Anledning"],
           "asin": ["ASIN"], "sku": ["SKU"],
           "qty": ["Antal", "Returnerat antal"], "price": ["Pris", "Artikelpris"],
           "title": ["Artikel", "Produkt", "Produktnamn"],
           "comment": ["Kundens kommentar", "Kommentar"],
           "status": ["Status", "Auktorisering"],
           "claim": ["Anspråksnummer", "Reklamationsnummer"],
           "claim_reason": ["Orsak till anspråk", "Anledning"],
           "amount": ["Belopp"]},
    "pl": {"order": ["Numer zamówienia", "Nr zamówienia"],
           "rma": ["Numer autoryzacji zwrotu", "Numer RMA"],
           "reason": ["Powód zwrotu", "Powód"],
           "asin": ["ASIN"], "sku": ["SKU"],
           "qty": ["Ilość", "Ilość zwracana"], "price": ["Cena", "Cena produktu"],
           "title": ["Produkt", "Nazwa produktu"],
           "comment": ["Komentarz klienta", "Komentarz"],
           "status": ["Status", "Autoryzacja"],
           "claim": ["Numer roszczenia", "Identyfikator roszczenia"],
           "claim_reason": ["Powód roszczenia", "Powód"],
           "amount": ["Kwota"]},
}

# (reason as Amazon writes it, sellerbot's code)
REASONS: dict[str, list[tuple[str, str]]] = {
    "fr": [("Article défectueux ou ne fonctionne pas", "defective"), ("N'est plus nécessaire", "no_longer_needed"),
           ("Article endommagé à la livraison", "damaged"), ("Mauvais article envoyé", "wrong_item")],
    "en": [("Item defective or doesn't work", "defective"), ("No longer needed", "no_longer_needed"),
           ("Item arrived damaged", "damaged"), ("Wrong item was sent", "wrong_item")],
    "de": [("Artikel defekt oder funktioniert nicht", "defective"), ("Wird nicht mehr benötigt", "no_longer_needed"),
           ("Artikel beschädigt angekommen", "damaged"), ("Falscher Artikel geliefert", "wrong_item")],
    "it": [("Articolo difettoso o non funziona", "defective"), ("Non più necessario", "no_longer_needed"),
           ("Articolo danneggiato alla consegna", "damaged"), ("Articolo sbagliato", "wrong_item")],
    "es": [("Artículo defectuoso o no funciona", "defective"), ("Ya no lo necesito", "no_longer_needed"),
           ("El artículo llegó dañado", "damaged"), ("Artículo equivocado", "wrong_item")],
    "nl": [("Artikel defect of werkt niet", "defective"), ("Niet meer nodig", "no_longer_needed"),
           ("Artikel beschadigd aangekomen", "damaged"), ("Verkeerd artikel ontvangen", "wrong_item")],
    "sv": [("Artikeln är defekt eller fungerar inte", "defective"), ("Behövs inte längre", "no_longer_needed"),
           ("Artikeln kom skadad", "damaged"), ("Fel artikel skickades", "wrong_item")],
    "pl": [("Produkt wadliwy lub nie działa", "defective"), ("Już niepotrzebny", "no_longer_needed"),
           ("Produkt dotarł uszkodzony", "damaged"), ("Wysłano niewłaściwy produkt", "wrong_item")],
}

TITLES = {"fr": "Lampe de bureau LED pliable, noir", "en": "Folding LED desk lamp, black",
          "de": "Faltbare LED-Schreibtischlampe, schwarz", "it": "Lampada da scrivania LED pieghevole",
          "es": "Lámpara de escritorio LED plegable", "nl": "Opvouwbare LED-bureaulamp, zwart",
          "sv": "Hopfällbar LED-skrivbordslampa", "pl": "Składana lampka biurkowa LED"}
COMMENTS = {"fr": "La lampe clignote dès la première utilisation.", "en": "The lamp flickers from day one.",
            "de": "Die Lampe flackert seit dem ersten Tag.", "it": "La lampada sfarfalla dal primo giorno.",
            "es": "La lámpara parpadea desde el primer día.", "nl": "De lamp knippert vanaf dag één.",
            "sv": "Lampan flimrar från första dagen.", "pl": "Lampka miga od pierwszego dnia."}

PHRASES: dict[str, dict[str, str]] = {
    "fr": {"hello": "Bonjour Lumen & Co,",
           "ret_subject": "Demande de retour pour la commande {order}",
           "ret_intro": "Un client a demandé le retour d'articles de votre commande.",
           "ret_prose": "Un client a demandé le retour de {qty} articles de la commande {order}.",
           "auto": "Autorisée automatiquement par Amazon", "pending": "En attente de votre autorisation",
           "auto_sentence": "Cette demande de retour a été autorisée automatiquement par Amazon.",
           "pending_sentence": "Cette demande de retour est en attente de votre autorisation.",
           "claim_subject": "Réclamation au titre de la Garantie A à Z pour la commande {order}",
           "claim_intro": "Nous avons reçu une réclamation au titre de la Garantie A à Z.",
           "filed_note": "Aucune action n'est nécessaire pour l'instant. Si nous avons besoin "
                         "d'informations, vous devrez répondre dans un délai de 3 jours calendaires.",
           "info_subject": "Action requise : réclamation Garantie A à Z pour la commande {order}",
           "info_note": "Nous avons besoin d'informations complémentaires. Merci de répondre "
                        "dans un délai de {days} jours.",
           "info_note_date": "Nous avons besoin d'informations complémentaires. Merci de répondre "
                             "avant le {date}.",
           "msg_subject": "Question d'un client Amazon concernant la commande {order}",
           "msg_intro": "Vous avez reçu un message.",
           "msg_start": "------------- Message : -------------",
           "msg_end": "------------- Fin du message -------------",
           "msg_text": "Bonjour, quand mon colis sera-t-il expédié ?",
           "promo": "Nouveau ! Économisez 20 % sur l'expédition jusqu'au 31 décembre avec Buy Shipping."},
    "en": {"hello": "Dear Lumen & Co,",
           "ret_subject": "Return request for order {order}",
           "ret_intro": "A buyer has requested a return of items from your order.",
           "ret_prose": "A buyer has requested the return of {qty} items from order {order}.",
           "auto": "Automatically authorized by Amazon", "pending": "Awaiting your authorization",
           "auto_sentence": "This return request was automatically authorized by Amazon.",
           "pending_sentence": "This return request is awaiting your authorization.",
           "claim_subject": "A-to-z Guarantee claim for order {order}",
           "claim_intro": "We have received an A-to-z Guarantee claim.",
           "filed_note": "No action is required at this time. If we need information, you will "
                         "have to respond within 3 calendar days.",
           "info_subject": "Action required: A-to-z Guarantee claim for order {order}",
           "info_note": "We need additional information. Please respond within {days} days.",
           "info_note_date": "We need additional information. Please respond by {date}.",
           "msg_subject": "Inquiry from Amazon customer about order {order}",
           "msg_intro": "You have received a message.",
           "msg_start": "------------- Message: -------------",
           "msg_end": "------------- End message -------------",
           "msg_text": "Hello, when will my parcel be shipped?",
           "promo": "New! Save 20% on shipping until 31 December with Buy Shipping."},
    "de": {"hello": "Guten Tag Lumen & Co,",
           "ret_subject": "Rücksendeantrag für Bestellung {order}",
           "ret_intro": "Ein Käufer hat die Rücksendung von Artikeln aus Ihrer Bestellung beantragt.",
           "ret_prose": "Ein Käufer möchte {qty} Artikel zurücksenden (Bestellung {order}).",
           "auto": "Automatisch genehmigt von Amazon", "pending": "Wartet auf Ihre Genehmigung",
           "auto_sentence": "Dieser Rücksendeantrag wurde von Amazon automatisch genehmigt.",
           "pending_sentence": "Dieser Rücksendeantrag wartet auf Ihre Genehmigung.",
           "claim_subject": "A-bis-z-Garantieantrag für Bestellung {order}",
           "claim_intro": "Wir haben einen Antrag auf A-bis-z-Garantie erhalten.",
           "filed_note": "Derzeit ist keine Aktion erforderlich. Wenn wir Informationen benötigen, "
                         "müssen Sie innerhalb von 3 Kalendertagen antworten.",
           "info_subject": "Handlungsbedarf: A-bis-z-Garantieantrag für Bestellung {order}",
           "info_note": "Wir benötigen weitere Informationen. Bitte antworten Sie innerhalb von "
                        "{days} Tagen.",
           "info_note_date": "Wir benötigen weitere Informationen. Bitte antworten Sie bis zum {date}.",
           "msg_subject": "Anfrage von Amazon-Kunde zu Bestellung {order}",
           "msg_intro": "Sie haben eine Nachricht erhalten.",
           "msg_start": "------------- Nachricht: -------------",
           "msg_end": "------------- Ende der Nachricht -------------",
           "msg_text": "Hallo, wann wird mein Paket versendet?",
           "promo": "Neu! Sparen Sie 20 % beim Versand bis zum 31. Dezember mit Buy Shipping."},
    "it": {"hello": "Gentile Lumen & Co,",
           "ret_subject": "Richiesta di reso per l'ordine {order}",
           "ret_intro": "Un cliente ha richiesto il reso di articoli del tuo ordine.",
           "ret_prose": "Un cliente ha richiesto il reso di {qty} articoli dell'ordine {order}.",
           "auto": "Autorizzato automaticamente da Amazon", "pending": "In attesa della tua autorizzazione",
           "auto_sentence": "Questa richiesta di reso è stata autorizzata automaticamente da Amazon.",
           "pending_sentence": "Questa richiesta di reso è in attesa della tua autorizzazione.",
           "claim_subject": "Reclamo Garanzia dalla A alla Z per l'ordine {order}",
           "claim_intro": "Abbiamo ricevuto un reclamo relativo alla Garanzia dalla A alla Z.",
           "filed_note": "Al momento non è richiesta alcuna azione. Se avremo bisogno di "
                         "informazioni, dovrai rispondere entro 3 giorni.",
           "info_subject": "Azione richiesta: reclamo Garanzia dalla A alla Z per l'ordine {order}",
           "info_note": "Abbiamo bisogno di ulteriori informazioni. Ti preghiamo di rispondere "
                        "entro {days} giorni.",
           "info_note_date": "Abbiamo bisogno di ulteriori informazioni. Ti preghiamo di "
                             "rispondere entro il {date}.",
           "msg_subject": "Domanda da un cliente Amazon sull'ordine {order}",
           "msg_intro": "Hai ricevuto un messaggio.",
           "msg_start": "------------- Messaggio: -------------",
           "msg_end": "------------- Fine del messaggio -------------",
           "msg_text": "Buongiorno, quando verrà spedito il mio pacco?",
           "promo": "Novità! Risparmia il 20% sulla spedizione fino al 31 dicembre con Buy Shipping."},
    "es": {"hello": "Hola Lumen & Co,",
           "ret_subject": "Solicitud de devolución para el pedido {order}",
           "ret_intro": "Un cliente ha solicitado la devolución de artículos de tu pedido.",
           "ret_prose": "Un cliente ha solicitado la devolución de {qty} artículos del pedido {order}.",
           "auto": "Autorizada automáticamente por Amazon", "pending": "Pendiente de tu autorización",
           "auto_sentence": "Esta solicitud de devolución ha sido autorizada automáticamente por Amazon.",
           "pending_sentence": "Esta solicitud de devolución está pendiente de tu autorización.",
           "claim_subject": "Reclamación de la Garantía de la A a la Z para el pedido {order}",
           "claim_intro": "Hemos recibido una reclamación de la Garantía de la A a la Z.",
           "filed_note": "No se requiere ninguna acción por ahora. Si necesitamos información, "
                         "deberás responder en un plazo de 3 días.",
           "info_subject": "Acción requerida: reclamación de la Garantía de la A a la Z, pedido {order}",
           "info_note": "Necesitamos información adicional. Responde en un plazo de {days} días.",
           "info_note_date": "Necesitamos información adicional. Responde antes del {date}.",
           "msg_subject": "Consulta de un cliente de Amazon sobre el pedido {order}",
           "msg_intro": "Ha recibido un mensaje.",
           "msg_start": "------------- Mensaje: -------------",
           "msg_end": "------------- Fin del mensaje -------------",
           "msg_text": "Hola, ¿cuándo se enviará mi paquete?",
           "promo": "¡Novedad! Ahorra un 20 % en envíos hasta el 31 de diciembre con Buy Shipping."},
    "nl": {"hello": "Beste Lumen & Co,",
           "ret_subject": "Retourverzoek voor bestelling {order}",
           "ret_intro": "Een klant heeft een retour aangevraagd voor artikelen uit je bestelling.",
           "ret_prose": "Een klant wil {qty} artikelen retour sturen van bestelling {order}.",
           "auto": "Automatisch goedgekeurd door Amazon", "pending": "Wacht op je goedkeuring",
           "auto_sentence": "Dit retourverzoek is automatisch goedgekeurd door Amazon.",
           "pending_sentence": "Dit retourverzoek wacht op je goedkeuring.",
           "claim_subject": "A-tot-Z-garantieclaim voor bestelling {order}",
           "claim_intro": "We hebben een claim onder de A-tot-Z-garantie ontvangen.",
           "filed_note": "Er is op dit moment geen actie vereist. Als we informatie nodig hebben, "
                         "moet je binnen 3 dagen reageren.",
           "info_subject": "Actie vereist: A-tot-Z-garantieclaim voor bestelling {order}",
           "info_note": "We hebben aanvullende informatie nodig. Reageer binnen {days} dagen.",
           "info_note_date": "We hebben aanvullende informatie nodig. Reageer uiterlijk op {date}.",
           "msg_subject": "Vraag van een Amazon-klant over bestelling {order}",
           "msg_intro": "Je hebt een bericht ontvangen.",
           "msg_start": "------------- Bericht: -------------",
           "msg_end": "------------- Einde bericht -------------",
           "msg_text": "Hallo, wanneer wordt mijn pakket verzonden?",
           "promo": "Nieuw! Bespaar 20% op verzending tot 31 december met Buy Shipping."},
    "sv": {"hello": "Hej Lumen & Co,",
           "ret_subject": "Returbegäran för beställning {order}",
           "ret_intro": "En kund har begärt retur av artiklar från din beställning.",
           "ret_prose": "En kund vill returnera {qty} artiklar från beställning {order}.",
           "auto": "Automatiskt godkänd av Amazon", "pending": "Väntar på ditt godkännande",
           "auto_sentence": "Denna returbegäran har automatiskt godkänts av Amazon.",
           "pending_sentence": "Denna returbegäran väntar på ditt godkännande.",
           "claim_subject": "A-till-Ö-garantianspråk för beställning {order}",
           "claim_intro": "Vi har tagit emot ett anspråk enligt A-till-Ö-garantin.",
           "filed_note": "Ingen åtgärd krävs just nu. Om vi behöver information måste du svara "
                         "inom 3 dagar.",
           "info_subject": "Åtgärd krävs: A-till-Ö-garantianspråk för beställning {order}",
           "info_note": "Vi behöver ytterligare information. Svara inom {days} dagar.",
           "info_note_date": "Vi behöver ytterligare information. Svara senast den {date}.",
           "msg_subject": "Fråga från en Amazon-kund om beställning {order}",
           "msg_intro": "Du har fått ett meddelande.",
           "msg_start": "------------- Meddelande: -------------",
           "msg_end": "------------- Slut på meddelandet -------------",
           "msg_text": "Hej, när skickas mitt paket?",
           "promo": "Nyhet! Spara 20 % på frakt till 31 december med Buy Shipping."},
    "pl": {"hello": "Dzień dobry Lumen & Co,",
           "ret_subject": "Prośba o zwrot dla zamówienia {order}",
           "ret_intro": "Klient poprosił o zwrot produktów z Twojego zamówienia.",
           "ret_prose": "Klient poprosił o zwrot {qty} produktów z zamówienia {order}.",
           "auto": "Automatycznie zatwierdzony przez Amazon", "pending": "Oczekuje na Twoją autoryzację",
           "auto_sentence": "Ta prośba o zwrot została automatycznie zatwierdzona przez Amazon.",
           "pending_sentence": "Ta prośba o zwrot oczekuje na Twoją autoryzację.",
           "claim_subject": "Roszczenie z gwarancji od A do Z dla zamówienia {order}",
           "claim_intro": "Otrzymaliśmy roszczenie z gwarancji od A do Z.",
           "filed_note": "Obecnie nie jest wymagane żadne działanie. Jeśli będziemy potrzebować "
                         "informacji, musisz odpowiedzieć w ciągu 3 dni.",
           "info_subject": "Wymagane działanie: roszczenie z gwarancji od A do Z, zamówienie {order}",
           "info_note": "Potrzebujemy dodatkowych informacji. Odpowiedz w ciągu {days} dni.",
           "info_note_date": "Potrzebujemy dodatkowych informacji. Odpowiedz do dnia {date}.",
           "msg_subject": "Pytanie od klienta Amazon dotyczące zamówienia {order}",
           "msg_intro": "Otrzymałeś wiadomość.",
           "msg_start": "------------- Wiadomość: -------------",
           "msg_end": "------------- Koniec wiadomości -------------",
           "msg_text": "Dzień dobry, kiedy moja paczka zostanie wysłana?",
           "promo": "Nowość! Oszczędź 20% na wysyłce do 31 grudnia dzięki Buy Shipping."},
}
MONTHS = {
    "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
    "de": ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
           "Oktober", "November", "Dezember"],
    "it": ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto",
           "settembre", "ottobre", "novembre", "dicembre"],
    "es": ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
           "octubre", "noviembre", "diciembre"],
}
ZONES = {"fr": "Europe/Paris", "en": "Europe/London", "de": "Europe/Berlin", "it": "Europe/Rome",
         "es": "Europe/Madrid", "nl": "Europe/Amsterdam", "sv": "Europe/Stockholm",
         "pl": "Europe/Warsaw"}
SPACE_TYPE = {"return_request": "RETURN_REQUEST", "return_authorized": "RETURN_REQUEST",
              "claim_filed": "A_Z_CLAIM_RESPONDENT_NOTIFY",
              "claim_info_requested": "A_Z_CLAIM_RESPONDENT_NOTIFY",
              "buyer_message": "BBC_MESSAGE_SENT_TO_MERCHANT"}

SELLER = "claire.martin@lumen-et-cie.fr"
COLLEAGUE = "paul.durand@lumen-et-cie.fr"
BOT = "assistant@lumen-et-cie.fr"
AUTHSERV = "mx.lumen-et-cie.fr"

#: Layouts used while developing the parser.
DEV_LAYOUTS = ("plain_colon", "plain_next_line", "html_table", "html_only_paragraphs",
               "plain_with_marketing_html", "qp", "base64", "ids_in_links", "prose",
               "forwarded_by_seller")
#: Layouts kept out of development, checked at the end.
HELD_OUT_LAYOUTS = ("html_dl", "reflowed", "forwarded_by_colleague", "label_tab_spacing_mix",
                    "html_item_table")
LAYOUTS = DEV_LAYOUTS + HELD_OUT_LAYOUTS


@dataclass
class Facts:
    family: str
    lang: str
    order_id: str
    event: datetime
    rma_id: str | None = None
    claim_id: str | None = None
    asin: str | None = None
    sku: str | None = None
    qty: int | None = None
    price: Decimal | None = None
    title: str | None = None
    reason: str | None = None
    reason_code: str | None = None
    comment: str | None = None
    amount: Decimal | None = None
    info_days: int | None = None
    info_by_date: bool = False
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def marketplace(self) -> str:
        return MARKET[self.lang][0]


def _rand_id(rng: random.Random, n: int, alphabet: str = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789") -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def make_facts(family: str, lang: str, rng: random.Random) -> Facts:
    """Random facts for one family and language (ids with the shapes Amazon uses)."""
    order = f"{rng.randint(200, 499)}-{rng.randint(0, 9999999):07d}-{rng.randint(0, 9999999):07d}"
    event = at(2026, 11, 20, rng.randint(6, 20), rng.randint(0, 59), rng.randint(0, 59))
    f = Facts(family=family, lang=lang, order_id=order, event=event)
    f.labels = {k: rng.choice(v) for k, v in LABELS[lang].items()}
    if family.startswith("return"):
        f.asin = "B0" + _rand_id(rng, 8)
        f.sku = "LMN-" + _rand_id(rng, 4) + "-" + str(rng.randint(1, 99))
        f.qty = rng.randint(1, 4)
        f.price = Decimal(rng.randint(299, 9999)) / 100
        f.title = TITLES[lang]
        f.reason, f.reason_code = rng.choice(REASONS[lang])
        f.comment = COMMENTS[lang]
        if family == "return_authorized":
            f.rma_id = _rand_id(rng, 9) + "RMA"
    elif family.startswith("claim"):
        f.claim_id = f"{rng.randint(10, 99)}-{_rand_id(rng, 8, '0123456789')}"
        f.amount = Decimal(rng.randint(999, 25999)) / 100
        f.reason, f.reason_code = rng.choice(REASONS[lang])
        if family == "claim_info_requested":
            f.info_days = rng.choice((2, 3, 5))
            f.info_by_date = lang in MONTHS and rng.random() < 0.4
    return f


def money(value: Decimal, lang: str) -> str:
    cur = CURRENCY[lang]
    if cur == "GBP":
        return f"£{value:.2f}"
    s = f"{value:.2f}".replace(".", ",")
    return {"EUR": f"{s} €", "SEK": f"{s} kr", "PLN": f"{s} zł"}[cur]


def stated_date(f: Facts) -> tuple[str, datetime]:
    """'6 juillet 2026' style text for the info deadline, and the instant it means."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(ZONES[f.lang])
    day = (f.event.astimezone(zone) + timedelta(days=f.info_days or 3)).date()
    name = MONTHS[f.lang][day.month - 1]
    if f.lang == "en":
        text = f"{name} {day.day}, {day.year}"
    elif f.lang == "de":
        text = f"{day.day}. {name} {day.year}"
    elif f.lang == "es":
        text = f"{day.day} de {name} de {day.year}"
    else:
        text = f"{day.day} {name} {day.year}"
    # inclusive wordings ("by", "bis zum", "entro il") mean the end of that day; "avant le" /
    # "antes del" mean before it starts
    if f.lang in ("fr", "es"):
        when = datetime(day.year, day.month, day.day, tzinfo=zone)
    else:
        when = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=zone)
    return text, when


# --------------------------------------------------------------------------- expected

def expected(f: Facts, layout: str) -> dict[str, object]:
    """What `parse_message(...).to_json()` must say, from the facts alone."""
    exp: dict[str, object] = {"kind": f.family, "order_id": f.order_id,
                              "marketplace": f.marketplace}
    if f.family.startswith("return"):
        exp.update(rma_id=f.rma_id, reason=f.reason, reason_normalized=f.reason_code,
                   customer_comment=f.comment, asin=f.asin, sku=f.sku, qty=f.qty,
                   price=float(f.price) if f.price is not None else None, title=f.title)
        if f.family == "return_request":
            exp["deadline"] = f.event + timedelta(hours=48)
            exp["deadline_source"] = "rule"
        else:
            exp["deadline"] = None
    elif f.family.startswith("claim"):
        exp.update(claim_id=f.claim_id, reason=f.reason,
                   amount=float(f.amount) if f.amount is not None else None)
        if f.family == "claim_info_requested":
            if f.info_by_date:
                exp["deadline"] = stated_date(f)[1]
            else:
                exp["deadline"] = f.event + timedelta(hours=24 * (f.info_days or 3))
            exp["deadline_source"] = "mail"
        else:
            exp["deadline"] = None
    else:
        exp["deadline"] = f.event + timedelta(hours=24)
        exp["deadline_source"] = "rule"
    exp["needs_confirmation"] = layout == "forwarded_by_colleague"
    return exp


def actual(notice) -> dict[str, object]:
    from datetime import datetime as _dt

    j = notice.to_json()
    item = j["items"][0] if j["items"] else {}
    got: dict[str, object] = {k: j.get(k) for k in (
        "kind", "order_id", "marketplace", "rma_id", "claim_id", "reason", "reason_normalized",
        "customer_comment", "deadline_source")}
    got.update(asin=item.get("asin"), sku=item.get("sku"), qty=item.get("qty"),
               price=(item.get("price") or {}).get("value"), title=item.get("title"),
               amount=(j["amount"] or {}).get("value"),
               deadline=_dt.fromisoformat(j["deadline"]) if j["deadline"] else None,
               needs_confirmation=j.get("needs_confirmation", False))
    return got


def compare(exp: dict[str, object], got: dict[str, object]) -> dict[str, tuple[object, object]]:
    """Fields that differ (text compared with whitespace collapsed)."""
    out = {}
    for k, want in exp.items():
        have = got.get(k)
        if isinstance(want, str) and isinstance(have, str):
            if " ".join(want.split()) == " ".join(have.split()):
                continue
        elif isinstance(want, float) and isinstance(have, float):
            if abs(want - have) < 0.005:
                continue
        elif want == have:
            continue
        out[k] = (have, want)
    return out


# --------------------------------------------------------------------------- rendering

def _pairs(f: Facts) -> list[tuple[str, str]]:
    """(label, value) lines Amazon shows for these facts (random order is the caller's)."""
    L, P = f.labels, PHRASES[f.lang]
    out = [(L["order"], f.order_id)]
    if f.family.startswith("return"):
        out += [(L["status"], P["auto"] if f.family == "return_authorized" else P["pending"])]
        if f.rma_id:
            out.append((L["rma"], f.rma_id))
        out += [(L["title"], f.title or ""), (L["asin"], f.asin or ""), (L["sku"], f.sku or ""),
                (L["qty"], str(f.qty)), (L["price"], money(f.price, f.lang)),  # type: ignore[arg-type]
                (L["reason"], f.reason or ""), (L["comment"], f.comment or "")]
    elif f.family.startswith("claim"):
        out += [(L["claim"], f.claim_id or ""), (L["amount"], money(f.amount, f.lang)),  # type: ignore[arg-type]
                (L["claim_reason"], f.reason or "")]
    return out


def _notes(f: Facts) -> list[str]:
    P = PHRASES[f.lang]
    if f.family.startswith("return"):
        return [P["ret_intro"]]
    if f.family == "claim_filed":
        return [P["claim_intro"], P["filed_note"]]
    if f.family == "claim_info_requested":
        if f.info_by_date:
            return [P["claim_intro"], P["info_note_date"].format(date=stated_date(f)[0])]
        return [P["claim_intro"], P["info_note"].format(days=f.info_days)]
    return []


def _subject(f: Facts) -> str:
    P = PHRASES[f.lang]
    key = {"return_request": "ret_subject", "return_authorized": "ret_subject",
           "claim_filed": "claim_subject", "claim_info_requested": "info_subject",
           "buyer_message": "msg_subject"}[f.family]
    return P[key].format(order=f.order_id)


def _sender(f: Facts) -> tuple[str, str]:
    tld = MARKET[f.lang][2]
    if f.family.startswith("claim"):
        return "Amazon", f"atoz-guarantee-no-reply@amazon.{tld}"
    if f.family == "buyer_message":
        return "Julie - Amazon Marketplace", f"k7f3m2xq9wd1bvz@marketplace.amazon.{tld}"
    return "Amazon Seller Central", "donotreply@amazon.com"


def _nms(target: str, tld: str, rng: random.Random) -> str:
    """An Amazon /nms/ redirect wrapping `target` (unpadded base64url in u=)."""
    u = base64.urlsafe_b64encode(target.encode()).decode().rstrip("=")
    return (f"https://sellercentral.amazon.{tld}/nms/redirect/{_rand_id(rng, 8).lower()}"
            f"?nt=RETURN_REQUEST&sk={_rand_id(rng, 12)}&n=1&u={u}")


def _links(f: Facts, rng: random.Random) -> list[tuple[str, str]]:
    tld = MARKET[f.lang][2]
    sc = f"https://sellercentral.amazon.{tld}"
    if f.family.startswith("return"):
        return [("Gérer les retours" if f.lang == "fr" else "Manage Returns",
                 _nms(f"{sc}/gp/returns/list/v2?searchBy=orderId&searchString={f.order_id}", tld, rng))]
    if f.family.startswith("claim"):
        return [("A-to-z", _nms(f"{sc}/gp/guarantee-claims/home.html?claimId={f.claim_id}"
                                f"&orderId={f.order_id}", tld, rng))]
    return [("Contact", _nms(f"{sc}/messaging/contact?orderID={f.order_id}&marketplaceID="
                             f"{MARKET[f.lang][1]}", tld, rng))]


def _plain_body(f: Facts, rng: random.Random, *, sep: str | None = None, next_line: bool = False,
                order_in_body: bool = True, prose: bool = False) -> str:
    P = PHRASES[f.lang]
    lines = [P["hello"], ""]
    if f.family == "buyer_message":
        lines += [P["msg_intro"], ""]
        if order_in_body:
            lines += [f"{f.labels['order']}{sep or ' : '}{f.order_id}", ""]
        lines += [P["msg_start"], P["msg_text"], P["msg_end"], ""]
        return "\n".join(lines)
    lines += _notes(f) + [""]
    pairs = _pairs(f)
    if not order_in_body:
        pairs = [p for p in pairs if p[0] != f.labels["order"]]
    if prose and f.family.startswith("return"):
        lines.insert(2, P["ret_prose"].format(qty=f.qty, order=f.order_id))
        pairs = [p for p in pairs if p[0] not in (f.labels["order"], f.labels["qty"])]
    if f.family.startswith("return") and rng.random() < 0.5:
        # the status as a sentence instead of a label line
        lines.insert(2, P["auto_sentence"] if f.family == "return_authorized" else P["pending_sentence"])
        pairs = [p for p in pairs if p[0] != f.labels["status"]]
    head, items = _split_item(f, pairs)
    rng.shuffle(head)
    rng.shuffle(items)
    for label, value in head + items:
        if next_line:
            lines += [label, value, ""]
        else:
            s = sep or rng.choice((" : ", ": ", " :\t", "\t", "： ", "   ", " :  "))
            lines.append(f"{label}{s}{value}")
    lines += [""] + [f"{text}: {url}" for text, url in _links(f, rng)] + ["", "Amazon"]
    return "\n".join(lines)


def _split_item(f: Facts, pairs: list[tuple[str, str]]) -> tuple[list, list]:
    item_labels = {f.labels[k] for k in ("title", "asin", "sku", "qty", "price", "reason", "comment")}
    head = [p for p in pairs if p[0] not in item_labels]
    items = [p for p in pairs if p[0] in item_labels]
    return head, items


def _html_body(f: Facts, rng: random.Random, style: str, *, order_in_body: bool = True) -> str:
    P = PHRASES[f.lang]
    parts = [f"<p>{escape(P['hello'])}</p>"]
    if f.family == "buyer_message":
        parts.append(f"<p>{escape(P['msg_intro'])}</p>")
        if order_in_body:
            parts.append(f"<table><tr><td>{escape(f.labels['order'])}</td>"
                         f"<td>{f.order_id}</td></tr></table>")
        parts.append(f"<p>{escape(P['msg_start'])}<br>{escape(P['msg_text'])}<br>"
                     f"{escape(P['msg_end'])}</p>")
    else:
        parts += [f"<p>{escape(x)}</p>" for x in _notes(f)]
        pairs = [p for p in _pairs(f) if order_in_body or p[0] != f.labels["order"]]
        rng.shuffle(pairs)
        if style == "table":
            rows = "".join(f"<tr><th style='text-align:left'>{escape(k)}</th><td>{escape(v)}</td></tr>"
                           for k, v in pairs)
            parts.append(f"<table cellpadding='4'>{rows}</table>")
        elif style == "dl":
            parts.append("<dl>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>"
                                          for k, v in pairs) + "</dl>")
        elif style == "items":
            # SPACE-like: bullets for the request, one header-row table for the item
            head, items = _split_item(f, pairs)
            parts.append("<ul>" + "".join(f"<li>{escape(k)} : {escape(v)}</li>" for k, v in head)
                         + "</ul>")
            if items:
                parts.append("<table><tr>" + "".join(f"<th>{escape(k)}</th>" for k, _ in items)
                             + "</tr><tr>" + "".join(f"<td>{escape(v)}</td>" for _, v in items)
                             + "</tr></table>")
        else:
            parts += [f"<p><b>{escape(k)} :</b> {escape(v)}</p>" for k, v in pairs]
    for text, url in _links(f, rng):
        parts.append(f'<p><a href="{escape(url)}">{escape(text)}</a></p>')
    parts.append("<p>Amazon</p>")
    return "<html><body>" + "\n".join(parts) + "</body></html>"


def _marketing_html(f: Facts) -> str:
    P = PHRASES[f.lang]
    return ("<html><body><table><tr><td><h1>Amazon Seller Central</h1>"
            f"<p>{escape(P['promo'])}</p><p><img src='https://m.media-amazon.com/x.png'></p>"
            "</td></tr></table></body></html>")


def _headers(msg: EmailMessage, f: Facts, *, space: bool = True) -> None:
    name, addr = _sender(f)
    msg["From"] = f"{name} <{addr}>"
    msg["To"] = "ventes@lumen-et-cie.fr"
    msg["Subject"] = _subject(f)
    msg["Date"] = format_datetime(f.event.astimezone(UTC))
    msg["Message-ID"] = f"<{abs(hash((f.order_id, f.family)))}@eu-west-1.amazonses.com>"
    dom = addr.split("@")[1]
    msg["Authentication-Results"] = (f"{AUTHSERV}; dkim=pass header.d={dom}; spf=pass "
                                     f"smtp.mailfrom=amazonses.com; dmarc=pass header.from={dom}")
    if space:
        msg["X-Space-Notification-Type"] = SPACE_TYPE[f.family]
        msg["X-Marketplace-ID"] = MARKET[f.lang][1]
    if f.family == "buyer_message":
        msg["Reply-To"] = f"{name} <{addr}>"


def _reflow(text: str, width: int) -> str:
    out = []
    for line in text.split("\n"):
        out += textwrap.wrap(line, width) or [""]
    return "\n".join(out)


def _forward(inner_plain: str, f: Facts, forwarder: str) -> EmailMessage:
    name, addr = _sender(f)
    body = ("\n\n---------- Forwarded message ---------\n"
            f"From: {name} <{addr}>\n"
            f"Date: {format_datetime(f.event.astimezone(UTC))}\n"
            f"Subject: {_subject(f)}\n"
            "To: <ventes@lumen-et-cie.fr>\n\n" + inner_plain)
    msg = EmailMessage()
    msg["From"] = f"Colleague <{forwarder}>"
    msg["To"] = BOT
    msg["Subject"] = "Fwd: " + _subject(f)
    msg["Date"] = format_datetime((f.event + timedelta(minutes=20)).astimezone(UTC))
    msg["Message-ID"] = f"<fwd-{abs(hash(f.order_id))}@lumen-et-cie.fr>"
    msg.set_content(body, cte="quoted-printable")
    return msg


def render(f: Facts, layout: str, rng: random.Random) -> bytes:
    """The facts as a mail in `layout`."""
    msg = EmailMessage()
    if layout == "plain_colon":
        _headers(msg, f)
        msg.set_content(_plain_body(f, rng), cte="8bit")
    elif layout == "label_tab_spacing_mix":
        _headers(msg, f)
        msg.set_content(_plain_body(f, rng, sep=rng.choice(("\t", "\t: ", " ：", "    "))), cte="8bit")
    elif layout == "plain_next_line":
        _headers(msg, f)
        msg.set_content(_plain_body(f, rng, next_line=True), cte="8bit")
    elif layout == "html_table":
        _headers(msg, f)
        msg.set_content(_html_body(f, rng, "table"), subtype="html", cte="quoted-printable")
    elif layout == "html_dl":
        _headers(msg, f)
        msg.set_content(_html_body(f, rng, "dl"), subtype="html", cte="quoted-printable")
    elif layout == "html_item_table":
        _headers(msg, f)
        msg.set_content(_html_body(f, rng, "items"), subtype="html", cte="quoted-printable")
    elif layout == "html_only_paragraphs":
        _headers(msg, f)
        msg.set_content(_html_body(f, rng, "p"), subtype="html", cte="base64")
    elif layout == "plain_with_marketing_html":
        _headers(msg, f)
        msg.set_content(_plain_body(f, rng), cte="quoted-printable")
        msg.add_alternative(_marketing_html(f), subtype="html")
    elif layout == "qp":
        _headers(msg, f)
        msg.set_content(_plain_body(f, rng), cte="quoted-printable")
        msg.add_alternative(_html_body(f, rng, "table"), subtype="html", cte="quoted-printable")
    elif layout == "base64":
        _headers(msg, f)
        msg.set_content(_plain_body(f, rng), cte="base64")
    elif layout == "ids_in_links":
        _headers(msg, f)
        msg.set_content(_html_body(f, rng, "table", order_in_body=False), subtype="html",
                        cte="quoted-printable")
    elif layout == "prose":
        _headers(msg, f)
        msg.set_content(_plain_body(f, rng, prose=True), cte="8bit")
    elif layout == "reflowed":
        _headers(msg, f)
        msg.set_content(_reflow(_plain_body(f, rng, sep=" : "), rng.choice((60, 66, 72))),
                        cte="quoted-printable")
    elif layout in ("forwarded_by_seller", "forwarded_by_colleague"):
        inner = _plain_body(f, rng)
        msg = _forward(inner, f, SELLER if layout == "forwarded_by_seller" else COLLEAGUE)
    else:
        raise ValueError(layout)
    return msg.as_bytes()


PARSE_KW = {"trusted_authserv_ids": (AUTHSERV,), "bot_addresses": (BOT,),
            "seller_addresses": (SELLER,), "default_tz": "Europe/Paris"}
