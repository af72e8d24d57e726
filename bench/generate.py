"""Deterministic generator of a seller's mailbox: Amazon notifications + newsletters.

    generate(n, seed, now) -> list[(kind, raw bytes)]          (sorted by Date, oldest first)
    generate_detailed(n, seed, now) -> list[Generated]          (same, with Message-ID / case key)

Mix (by message count): ~28 % return requests, ~12 % A-to-Z claim notifications (filed, info
requested, decided; chains on one order), ~30 % buyer messages (threads: some buyers write
twice), ~30 % newsletters (non-Amazon bulk mail with List-Unsubscribe). Languages fr/de/it/es/en
with their marketplaces. Layouts follow tests/corpus 02 (SPACE HTML return request), 08/09/10/11
(claims) and 13 (buyer relay), QP-encoded multipart/alternative, ~9 KB on average.
Dates are spread over the 60 days before `now`. Same (n, seed, now) -> same bytes.
"""

from __future__ import annotations

import base64
import quopri
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.header import Header
from email.utils import format_datetime

SELLER_MAILBOX = "ventes@lumen-et-cie.fr"
AUTHSERV = "mx.lumen-et-cie.fr"
RELEVANT = ("return_request", "claim_filed", "claim_info_requested", "claim_decided",
            "buyer_message")


@dataclass(frozen=True)
class Generated:
    kind: str
    raw: bytes
    message_id: str          # without <>
    case_key: str | None     # which case it must land in (None: newsletter)
    at: datetime


# ------------------------------------------------------------------------------ languages

MP = {  # lang -> (tld, marketplace id, order prefixes, currency format)
    "fr": ("fr", "A13V1IB3VIYZZH", ("405", "407", "171"), "{:.2f} €"),
    "de": ("de", "A1PA6795UKMFR9", ("302", "303", "028"), "{:.2f} €"),
    "it": ("it", "APJ6JRA9NG5V4", ("403", "408", "171"), "{:.2f} €"),
    "es": ("es", "A1RKKUPIHCS9HS", ("404", "406", "171"), "{:.2f} €"),
    "en": ("co.uk", "A1F83G8C2ARO7P", ("202", "203", "026"), "£{:.2f}"),
}
LANG_WEIGHTS = (("fr", 45), ("de", 20), ("it", 12), ("es", 12), ("en", 11))

PRODUCTS = {
    "fr": ["Ruban LED 5 m RGB avec télécommande", "Lampe de bureau LED pliable, noir",
           "Ampoule E27 connectée 9 W, blanc chaud", "Lanterne solaire d'extérieur, lot de 2",
           "Spot GU10 LED 6 W, lot de 4", "Guirlande lumineuse 10 m, 100 LED",
           "Veilleuse enfant à détecteur de mouvement", "Applique murale LED design laiton"],
    "de": ["GU10 LED Spot 6 W warmweiß, 4er-Pack", "LED-Streifen 5 m RGB mit Fernbedienung",
           "Schreibtischlampe LED dimmbar, schwarz", "Solar-Laterne für außen, 2er-Set",
           "E27 Smart-Glühbirne 9 W", "Lichterkette 10 m, 100 LEDs"],
    "it": ["Striscia LED 5 m RGB con telecomando", "Lampada da scrivania LED pieghevole",
           "Lampadina E27 smart 9 W", "Lanterna solare da esterno, set di 2",
           "Faretto GU10 LED 6 W, confezione da 4", "Catena luminosa 10 m, 100 LED"],
    "es": ["Tira LED 5 m RGB con mando", "Lámpara de escritorio LED plegable",
           "Bombilla E27 inteligente 9 W", "Farol solar de exterior, pack de 2",
           "Foco GU10 LED 6 W, pack de 4", "Guirnalda de luces 10 m, 100 LED"],
    "en": ["LED strip 5 m RGB with remote", "Foldable LED desk lamp, black",
           "E27 smart bulb 9 W, warm white", "Outdoor solar lantern, set of 2",
           "GU10 LED spotlight 6 W, pack of 4", "Fairy lights 10 m, 100 LEDs"],
}
REASONS = {
    "fr": ["Ne correspond pas à la description", "Article défectueux ou ne fonctionne pas",
           "Article endommagé à la réception", "N'est plus nécessaire", "Erreur de commande"],
    "de": ["Defekt oder funktioniert nicht richtig", "Artikel beschädigt angekommen",
           "Entspricht nicht der Beschreibung", "Nicht mehr benötigt"],
    "it": ["Difettoso o non funzionante", "Articolo danneggiato", "Non conforme alla descrizione",
           "Non più necessario"],
    "es": ["Defectuoso o no funciona", "Artículo dañado", "No coincide con la descripción",
           "Ya no lo necesito"],
    "en": ["Defective or does not work properly", "Item arrived damaged",
           "Not as described", "No longer needed"],
}
COMMENTS = {
    "fr": ["Les couleurs ne ressemblent pas à la photo, le blanc tire sur le bleu.",
           "La lampe clignote dès qu'on la règle sur la luminosité maximale.",
           "Le colis est arrivé ouvert et l'article est rayé.",
           "Je me suis trompé de culot, il me faut du E14."],
    "de": ["Zwei der vier Lampen flackern nach dem Einschalten.",
           "Die Fernbedienung funktioniert nicht.", "Verpackung war beschädigt."],
    "it": ["La luce sfarfalla dopo pochi minuti.", "Il telecomando non funziona.",
           "La confezione era danneggiata."],
    "es": ["La luz parpadea después de unos minutos.", "El mando no funciona.",
           "El paquete llegó roto."],
    "en": ["The light flickers after a few minutes.", "The remote does not work.",
           "The box arrived crushed and the lamp is scratched."],
}
BUYERS = {
    "fr": ["Julie", "Marc", "Sophie", "Nicolas", "Camille", "Thomas", "Léa", "Hugo"],
    "de": ["Hans", "Anna", "Lukas", "Marie", "Jonas", "Lena"],
    "it": ["Marco", "Giulia", "Luca", "Francesca", "Matteo"],
    "es": ["Lucía", "Javier", "Carmen", "Pablo", "Elena"],
    "en": ["John", "Emma", "Oliver", "Amelia", "Harry"],
}
BUYER_TEXTS = {
    "fr": ["J'ai reçu les lanternes mardi mais l'une des deux ne se recharge pas, même après "
           "deux jours en plein soleil. Est-ce que vous pouvez m'en envoyer une autre ou dois-je "
           "faire un retour ? Je préférerais un échange.",
           "Bonjour, le colis indique livré mais je n'ai rien reçu. Pouvez-vous vérifier avec "
           "le transporteur s'il vous plaît ?",
           "Est-ce que cette ampoule est compatible avec un variateur ? Merci pour votre "
           "réponse rapide."],
    "de": ["Hallo, wann kommt mein Paket? Die Sendungsverfolgung zeigt seit Tagen nichts an.",
           "Ist die Lampe dimmbar? Ich möchte sie mit meinem bestehenden Dimmer verwenden.",
           "Eine der Lampen ist defekt. Können Sie mir Ersatz schicken?"],
    "it": ["Buongiorno, il pacco risulta consegnato ma non l'ho ricevuto. Potete verificare?",
           "La lampadina è compatibile con un dimmer? Grazie.",
           "Una delle lampade non funziona, potete inviarmene un'altra?"],
    "es": ["Hola, el paquete aparece como entregado pero no lo he recibido. ¿Pueden revisarlo?",
           "¿La bombilla es compatible con un regulador? Gracias.",
           "Una de las lámparas no funciona, ¿me pueden enviar otra?"],
    "en": ["Hello, the parcel shows as delivered but I have not received it. Could you check "
           "with the carrier please?", "Is this bulb compatible with a dimmer switch? Thanks.",
           "One of the lamps does not work, could you send me a replacement?"],
}

# Return request texts: (greeting, intro, order label, date label, policy label, policy value,
# auth label, auth value, table heads (title, asin, sku, qty, reason, comment), link texts
# (authorize, close, reply, view), respond, regards, subject)
RET = {
    "fr": dict(hello="Bonjour Lumen &amp; Co,", hello_t="Bonjour Lumen & Co,",
               intro="Un client souhaite retourner le ou les articles ci-dessous. Cette demande "
                     "nécessite votre autorisation.",
               order="Numéro de commande", date="Date de la demande de retour",
               policy="Vérification de la politique de retour",
               policy_v=("Hors politique de retour", "Conforme à la politique de retour"),
               auth="Autorisation", auth_v="En attente de votre autorisation",
               heads=("Article de la commande", "ASIN", "SKU", "Quantité retournée",
                      "Motif du retour", "Commentaire du client"),
               links=("Autoriser le retour", "Clore la demande", "Envoyer un message",
                      "Ouvrir la demande dans Gérer les retours"),
               can="Depuis la page Gérer les retours ou à l'aide des liens ci-dessous, vous "
                   "pouvez :",
               respond="Merci de répondre dans les 24 heures. Passé 48 heures sans "
                       "autorisation, le client pourra déposer une réclamation au titre de la "
                       "Garantie A à Z.",
               regards="Cordialement,", sender="Communications Amazon Seller Central (ne pas "
                                                "répondre)",
               subject="Demande d’autorisation de retour pour la commande {order}",
               note="Remarque : cet e-mail provient d&#x27;une adresse réservée aux "
                    "notifications, qui ne peut pas recevoir de messages. Merci de ne pas y "
                    "répondre."),
    "de": dict(hello="Guten Tag Lumen &amp; Co,", hello_t="Guten Tag Lumen & Co,",
               intro="ein Käufer möchte die unten aufgeführten Artikel zurücksenden. Der Antrag "
                     "erfordert Ihre Genehmigung:",
               order="Bestellnummer", date="Datum des Rücksendeantrags",
               policy="Prüfung der Rückgabebedingungen",
               policy_v=("Kategorie von der automatischen Genehmigung ausgenommen",
                         "Innerhalb der Rückgabebedingungen"),
               auth="Genehmigung", auth_v="Ausstehend",
               heads=("Bestellter Artikel", "ASIN", "SKU", "Rücksendemenge", "Rücksendegrund",
                      "Kommentar des Käufers"),
               links=("Antrag genehmigen", "Antrag schließen", "Käufer kontaktieren",
                      "Antrag anzeigen"),
               can="Auf der Seite Rücksendungen verwalten oder über die folgenden Links können "
                   "Sie:",
               respond="Bitte antworten Sie innerhalb von 24 Stunden. Nach 48 Stunden ohne "
                       "Genehmigung kann der Käufer einen Garantieantrag stellen.",
               regards="Freundliche Grüße", sender="Amazon Seller Central Mitteilungen (bitte "
                                                   "nicht antworten)",
               subject="Rücksendeantrag für Bestellung {order}",
               note="Hinweis: Diese E-Mail wurde von einer Adresse gesendet, die keine "
                    "eingehenden Nachrichten empfangen kann."),
    "it": dict(hello="Gentile Lumen &amp; Co,", hello_t="Gentile Lumen & Co,",
               intro="un cliente ha richiesto il reso degli articoli indicati di seguito. La "
                     "richiesta necessita della tua autorizzazione.",
               order="Numero ordine", date="Data della richiesta di reso",
               policy="Verifica della politica di reso",
               policy_v=("Fuori dalla politica di reso", "Conforme alla politica di reso"),
               auth="Autorizzazione", auth_v="In attesa della tua autorizzazione",
               heads=("Articolo dell'ordine", "ASIN", "SKU", "Quantità restituita",
                      "Motivo del reso", "Commento del cliente"),
               links=("Autorizza la richiesta", "Chiudi la richiesta", "Invia un messaggio",
                      "Visualizza la richiesta"),
               can="Dalla pagina Gestisci resi o tramite i link seguenti puoi:",
               respond="Ti preghiamo di rispondere entro 24 ore. Dopo 48 ore senza "
                       "autorizzazione il cliente potrà presentare un reclamo.",
               regards="Cordiali saluti,", sender="Comunicazioni Amazon Seller Central (non "
                                                  "rispondere)",
               subject="Richiesta di autorizzazione al reso per l'ordine {order}",
               note="Nota: questa e-mail è stata inviata da un indirizzo che non può ricevere "
                    "messaggi."),
    "es": dict(hello="Hola Lumen &amp; Co,", hello_t="Hola Lumen & Co,",
               intro="un cliente ha solicitado la devolución de los artículos del pedido "
                     "indicado. La solicitud necesita tu autorización.",
               order="Número de pedido", date="Fecha de la solicitud de devolución",
               policy="Comprobación de la política de devolución",
               policy_v=("Fuera de la política de devolución",
                         "Conforme a la política de devolución"),
               auth="Autorización", auth_v="Pendiente de tu autorización",
               heads=("Artículo del pedido", "ASIN", "SKU", "Cantidad devuelta",
                      "Motivo de la devolución", "Comentario del cliente"),
               links=("Autorizar la solicitud", "Cerrar la solicitud", "Enviar un mensaje",
                      "Ver la solicitud"),
               can="Desde la página Gestionar devoluciones o con los enlaces siguientes puedes:",
               respond="Responde en un plazo de 24 horas. Pasadas 48 horas sin autorización, el "
                       "cliente podrá presentar una reclamación.",
               regards="Atentamente,", sender="Comunicaciones de Amazon Seller Central (no "
                                              "responder)",
               subject="Solicitud de autorización de devolución para el pedido {order}",
               note="Nota: este correo se ha enviado desde una dirección que no puede recibir "
                    "mensajes."),
    "en": dict(hello="Dear Lumen &amp; Co,", hello_t="Dear Lumen & Co,",
               intro="A customer would like to return the item(s) below. This request needs "
                     "your authorisation.",
               order="Order ID", date="Return request date", policy="Return policy check",
               policy_v=("Outside return policy", "Within return policy"),
               auth="Authorisation", auth_v="Pending your authorisation",
               heads=("Order item", "ASIN", "SKU", "Return quantity", "Return reason",
                      "Customer comment"),
               links=("Authorise the request", "Close the request", "Send a message",
                      "View the request in Manage Returns"),
               can="From Manage Returns or with the links below you can:",
               respond="Please respond within 24 hours. After 48 hours without authorisation "
                       "the customer may file an A-to-z Guarantee claim.",
               regards="Kind regards,", sender="Amazon Seller Central Communications (do not "
                                               "reply)",
               subject="Return authorisation request for order {order}",
               note="Note: this e-mail was sent from a notification-only address that cannot "
                    "accept incoming e-mail."),
}

CLAIM = {
    "fr": dict(sender="Garantie A à Z d'Amazon",
               filed_s="Demande de remboursement reçue pour la commande {order}",
               filed=("Nous avons reçu une réclamation au titre de la Garantie A à Z d'un montant "
                      "de {amount} pour la commande {order}.",
                      "<b>Que dois-je faire ?</b><br>Pour l'instant, aucune action n'est "
                      "nécessaire : notre équipe examine la réclamation. Nous vous informerons "
                      "de notre décision par e-mail."),
               info_s="Action requise : informations demandées pour la réclamation sur la "
                      "commande {order}",
               info=("Dans le cadre de la réclamation au titre de la Garantie A à Z concernant la "
                     "commande {order} (montant : {amount} ; motif indiqué par le client : "
                     "article non reçu), nous avons besoin d'informations complémentaires.",
                     "<b>Important :</b> vous devez répondre dans un délai de 3 jours "
                     "calendaires. Sans réponse dans ce délai, la réclamation sera accordée au "
                     "client."),
               respond="Répondre à Amazon",
               dec_s="Décision concernant la réclamation au titre de la Garantie A à Z pour la "
                     "commande {order}",
               granted="Nous avons accordé au client la réclamation au titre de la Garantie A à "
                       "Z d'un montant de {amount} concernant la commande {order}. Ce montant "
                       "a été débité de votre compte vendeur.",
               denied="Après examen, nous avons refusé la réclamation au titre de la Garantie A "
                      "à Z de {amount} déposée pour la commande {order}. Aucun montant ne sera "
                      "débité de votre compte.",
               hello="Bonjour Lumen &amp; Co,", sign="Amazon.fr"),
    "de": dict(sender="Amazon A-bis-z-Garantie",
               filed_s="Erstattungsantrag eingegangen für Bestellung {order}",
               filed=("Wir haben einen A-bis-z-Garantieantrag über {amount} für die Bestellung "
                      "{order} erhalten.",
                      "Derzeit ist keine Aktion erforderlich: Unser Team prüft den Antrag und "
                      "informiert Sie per E-Mail über die Entscheidung."),
               info_s="Handlungsbedarf: Informationen angefordert für Bestellung {order}",
               info=("Wir benötigen weitere Informationen zum A-bis-z-Garantieantrag über "
                     "{amount} für die Bestellung {order}.",
                     "Bitte antworten Sie innerhalb von 3 Kalendertagen."),
               respond="Amazon antworten",
               dec_s="Entscheidung zum A-bis-z-Garantieantrag für Bestellung {order}",
               granted="Wir haben zugunsten des Käufers entschieden: Der A-bis-z-Garantieantrag "
                       "über {amount} für die Bestellung {order} wurde erstattet.",
               denied="Wir haben den A-bis-z-Garantieantrag über {amount} für die Bestellung "
                      "{order} abgelehnt. Ihrem Konto wird nichts belastet.",
               hello="Guten Tag Lumen &amp; Co,", sign="Amazon.de"),
    "it": dict(sender="Garanzia dalla A alla Z di Amazon",
               filed_s="Richiesta di rimborso ricevuta per l'ordine {order}",
               filed=("Abbiamo ricevuto un reclamo Garanzia dalla A alla Z di {amount} per "
                      "l'ordine {order}.",
                      "Al momento nessuna azione è richiesta: il nostro team sta esaminando il "
                      "reclamo."),
               info_s="Azione richiesta: richiesta di informazioni per l'ordine {order}",
               info=("Abbiamo bisogno di ulteriori informazioni sul reclamo Garanzia dalla A "
                     "alla Z di {amount} per l'ordine {order}.",
                     "Devi rispondere entro 3 giorni di calendario."),
               respond="Rispondi ad Amazon",
               dec_s="Decisione sul reclamo Garanzia dalla A alla Z per l'ordine {order}",
               granted="Abbiamo deciso a favore del cliente il reclamo Garanzia dalla A alla Z "
                       "di {amount} per l'ordine {order}.",
               denied="Abbiamo respinto il reclamo Garanzia dalla A alla Z di {amount} per "
                      "l'ordine {order}.",
               hello="Gentile Lumen &amp; Co,", sign="Amazon.it"),
    "es": dict(sender="Garantía de la A a la Z de Amazon",
               filed_s="Solicitud de reembolso recibida para el pedido {order}",
               filed=("Hemos recibido una reclamación de la Garantía de la A a la Z de {amount} "
                      "para el pedido {order}.",
                      "Por ahora no se requiere ninguna acción: nuestro equipo está revisando "
                      "la reclamación."),
               info_s="Acción requerida: información solicitada para el pedido {order}",
               info=("Necesitamos información adicional sobre la reclamación de la Garantía de "
                     "la A a la Z de {amount} del pedido {order}.",
                     "Debes responder en un plazo de 3 días naturales."),
               respond="Responder a Amazon",
               dec_s="Decisión sobre la reclamación de la Garantía de la A a la Z del pedido "
                     "{order}",
               granted="Hemos resuelto a favor del cliente la reclamación de la Garantía de la A "
                       "a la Z de {amount} del pedido {order}.",
               denied="Hemos rechazado la reclamación de la Garantía de la A a la Z de {amount} "
                      "del pedido {order}.",
               hello="Hola Lumen &amp; Co,", sign="Amazon.es"),
    "en": dict(sender="Amazon A-to-z Guarantee",
               filed_s="Refund request received for order {order}",
               filed=("We have received an A-to-z Guarantee claim for {amount} on order {order}.",
                      "At this time, no action is required: our team is reviewing the claim "
                      "and will inform you of the decision by e-mail."),
               info_s="Action required: information requested for order {order}",
               info=("We need additional information about the A-to-z Guarantee claim for "
                     "{amount} on order {order}.", "You must respond within 3 calendar days."),
               respond="Respond to Amazon",
               dec_s="Decision on A-to-z Guarantee claim for order {order}",
               granted="We granted the claim in favour of the buyer for {amount} on order "
                       "{order}. This amount has been debited from your account.",
               denied="After review, we have denied the claim for {amount} on order {order}. "
                      "No amount will be debited from your account.",
               hello="Dear Lumen &amp; Co,", sign="Amazon.co.uk"),
}

MSG = {
    "fr": dict(got="Vous avez reçu un message.", start="------------- Message : -------------",
               end="------------- Fin du message -------------",
               useful="Cet e-mail vous a-t-il été utile ?", resolve="Résoudre le cas",
               report="Signaler une activité suspecte",
               subject="Demande de renseignements du client Amazon {name} (Commande : {order})"),
    "de": dict(got="Sie haben eine Nachricht erhalten.",
               start="------------- Nachricht: -------------",
               end="------------- Ende der Nachricht -------------",
               useful="War diese E-Mail hilfreich?", resolve="Fall lösen",
               report="Verdächtige Aktivität melden",
               subject="Anfrage von Amazon-Kunde {name} (Bestellung: {order})"),
    "it": dict(got="Hai ricevuto un messaggio.", start="------------- Messaggio: -------------",
               end="------------- Fine del messaggio -------------",
               useful="Questa e-mail ti è stata utile?", resolve="Risolvi il caso",
               report="Segnala attività sospetta",
               subject="Richiesta di informazioni dal cliente Amazon {name} (Ordine: {order})"),
    "es": dict(got="Has recibido un mensaje.", start="------------- Mensaje: -------------",
               end="------------- Fin del mensaje -------------",
               useful="¿Te ha resultado útil este correo?", resolve="Resolver el caso",
               report="Informar de actividad sospechosa",
               subject="Consulta del cliente de Amazon {name} (Pedido: {order})"),
    "en": dict(got="You have received a message.", start="------------- Message: -------------",
               end="------------- End message -------------",
               useful="Was this email helpful?", resolve="Resolve case",
               report="Report suspicious activity",
               subject="Enquiry from Amazon customer {name} (Order: {order})"),
}

NEWSLETTERS = [  # (display name, domain, language)
    ("Boxéo Emballages", "boxeo-emballages.fr", "fr"), ("Colissimo Pro", "pro-colis.example.fr",
                                                         "fr"),
    ("Packlink PRO", "news.packlink-pro.example", "en"), ("Sendcloud", "mail.sendcloud.example",
                                                          "en"),
    ("Verpackungsprofi", "verpackungsprofi.example.de", "de"),
    ("Imballaggi Rossi", "imballaggi-rossi.example.it", "it"),
    ("Cajas Express", "cajas-express.example.es", "es"), ("Shopify Tips", "tips.shop.example",
                                                          "en"),
]
NEWS_SUBJECTS = {
    "fr": ["Black Friday : -30 % sur les cartons d’expédition 📦", "Nouveautés : étiquettes "
           "thermiques et rubans adhésifs", "Préparez vos envois de fin d’année"],
    "en": ["Black Friday: 30% off shipping boxes 📦", "New: thermal labels and tape",
           "Get ready for the holiday rush", "Your weekly seller digest"],
    "de": ["Black Friday: -30 % auf Versandkartons", "Neu: Thermoetiketten und Klebeband"],
    "it": ["Black Friday: -30% sulle scatole", "Novità: etichette termiche"],
    "es": ["Black Friday: -30 % en cajas de envío", "Novedades: etiquetas térmicas"],
}


# ------------------------------------------------------------------------------ helpers

def _qp(text: str) -> str:
    return quopri.encodestring(text.encode("utf-8")).decode("ascii")


def _hdr(value: str) -> str:
    try:
        value.encode("ascii")
        return value
    except UnicodeEncodeError:
        return Header(value, "utf-8", maxlinelen=76).encode()


def _addr(name: str, addr: str) -> str:
    return f"{_hdr(name)} <{addr}>" if any(ord(c) > 127 for c in name) else f'"{name}" <{addr}>'


class _Rand:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def hex(self, n: int) -> str:
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def token(self, n: int) -> str:
        return "".join(self.r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                     "0123456789_-") for _ in range(n))

    def uuid(self) -> str:
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def digits(self, n: int) -> str:
        return "".join(self.r.choice("0123456789") for _ in range(n))

    def asin(self) -> str:
        return "B0" + "".join(self.r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789")
                              for _ in range(8))

    def ses_id(self, at: datetime) -> str:
        return (f"0102019{self.hex(9)}-{self.hex(8)}-{self.hex(4)}-{self.hex(4)}-{self.hex(4)}-"
                f"{self.hex(12)}-000000@eu-west-1.amazonses.com")


def _nms(rng: _Rand, tld: str, ntype: str, target: str) -> str:
    u = base64.urlsafe_b64encode(target.encode()).decode().rstrip("=")
    return (f"https://sellercentral.amazon.{tld}/nms/redirect/{rng.uuid()}?nt={ntype}"
            f"&sk={rng.token(86)}&n=1&u={u}")


def _received(rng: _Rand, at: datetime, host: str) -> str:
    return (f"Received: from {host} ({host} [54.240.{rng.r.randint(0, 15)}."
            f"{rng.r.randint(1, 254)}])\n\tby mx.lumen-et-cie.fr (Postfix) with ESMTPS id "
            f"4Q{rng.token(12)}\n\tfor <{SELLER_MAILBOX}>; {format_datetime(at)}\n")


def _auth(d: str, from_domain: str) -> str:
    return (f"Authentication-Results: {AUTHSERV}; dkim=pass header.d={d}\n"
            f" header.s=sp5xyq7p3lzfo2nrdmz7lb3tlt5ggwg7; dkim=pass header.d=amazonses.com\n"
            f" header.s=ihchhvubuqgjsxyuhssfvqohv7z3u4hn; spf=pass\n"
            f" smtp.mailfrom=eu-west-1.amazonses.com; dmarc=pass (p=QUARANTINE)\n"
            f" header.from={from_domain}\n")


def _multipart(rng: _Rand, headers: str, plain: str, html: str) -> bytes:
    boundary = f"----=_Part_{rng.digits(7)}_{rng.digits(9)}.{rng.digits(13)}"
    body = (f"{headers}MIME-Version: 1.0\nContent-Type: multipart/alternative; \n"
            f"\tboundary=\"{boundary}\"\n\n--{boundary}\n"
            f"Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: "
            f"quoted-printable\n\n{_qp(plain)}\n\n--{boundary}\n"
            f"Content-Type: text/html; charset=UTF-8\nContent-Transfer-Encoding: "
            f"quoted-printable\n\n{_qp(html)}\n\n--{boundary}--\n")
    return body.encode("ascii")


def _space_html(rng: _Rand, tld: str, ntype: str, preheader: str, content: str) -> str:
    """SPACE notification shell as in tests/corpus/02 (header, content, footer, pixel)."""
    delivery = rng.digits(16)
    return f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title></title>
<style type="text/css">body{{margin:0;padding:0;background-color:#e4e3e4;}} td{{font-family:'Amazon Ember',Arial,sans-serif;}}</style>
</head>
<body style="margin:0;padding:0;">
<center class="wrapper" style="width:100%;table-layout:fixed;background-color:#e4e3e4;">
<div style="max-width:600px;margin:0 auto;">
<div style="display:none;font-size:1px;line-height:1px;max-height:0;max-width:0;opacity:0;overflow:hidden;">{preheader}</div>
<table border="0" cellpadding="0" cellspacing="0" width="100%" style="max-width:600px;background-color:#2a323a;" data-space-header>
<tr><td style="padding:20px 0 20px 40px;"><img alt="" src="https://m.media-amazon.com/images/G/01/SPACE/logo-selling_coach.png" width="200" style="max-width:200px;"></td></tr>
</table>
<table border="0" cellpadding="0" cellspacing="0" width="100%" style="max-width:600px;background-color:#ffffff;">
<tr><td class="endrTextContent" valign="top" style="padding:20px 30px;color:#333333;font-size:14px;line-height:1.6em;">
{content}
</td></tr>
</table>
<table border="0" cellpadding="0" cellspacing="0" width="100%" style="max-width:600px;background-color:#2a323a;" data-space-footer>
<tr><td style="padding:20px;text-align:center;color:#ffffff;font-size:13px;">
<a href="https://sellercentral.amazon.{tld}/notifications/feedback?deliveryId={delivery}&amp;communicationName={ntype}&amp;deliveryChannel=EMAIL" style="padding:7px 24px;background:#ffffff;border:1px solid #EC937C;border-radius:5px;color:#7F1809;text-decoration:none;display:inline-block;">Feedback</a>
<p style="color:#ffffff;"><a href="{_nms(rng, tld, ntype, f"https://sellercentral.amazon.{tld}")}" style="color:#ffffff;text-decoration:none;">Seller Central</a><br><br>
<a href="https://sellercentral.amazon.{tld}/notifications/preferences/ref=id_notifpref_dnav_xx_" style="color:#ffffff;">Notification preferences</a><br><br>
<a href="https://sellercentral.amazon.{tld}/notifications/preferences/optout?optoutId={rng.uuid()}" style="color:#ffffff;">Unsubscribe</a><br><br>
&copy; 2026 Amazon.com, Inc. Amazon EU S.&agrave; r.l., 38 avenue John F. Kennedy, L-1855 Luxembourg.</p>
</td></tr>
</table>
</div>
</center>
<img src="https://sellercentral.amazon.{tld}/nms/img/{rng.uuid()}?sk={rng.token(86)}&amp;n=1" height="1" width="1" border="0" alt="">
<div id="spc-watermark"><p style="font-size:10px;color:#a2a2a2;text-align:center;">SPC-EUAmazon-{delivery}</p></div>
</body>
</html>
"""


# ------------------------------------------------------------------------------ families

def _order_id(rng: _Rand, lang: str, used: set[str]) -> str:
    while True:
        oid = f"{rng.r.choice(MP[lang][2])}-{rng.digits(7)}-{rng.digits(7)}"
        if oid not in used:
            used.add(oid)
            return oid


def _amount(rng: _Rand, lang: str) -> str:
    value = rng.r.choice((12.5, 19.99, 24.9, 34.9, 42.0, 54.9, 89.9, 129.0)) \
        + rng.r.randint(0, 3)
    text = MP[lang][3].format(value)
    return text if lang == "en" else text.replace(".", ",")


def return_request(rng: _Rand, lang: str, order: str, at: datetime) -> tuple[str, bytes]:
    t = RET[lang]
    tld, mp_id = MP[lang][0], MP[lang][1]
    ntype = "RETURN_REQUEST"
    nitems = 1 if rng.r.random() < 0.8 else 2
    items = [(rng.r.choice(PRODUCTS[lang]), rng.asin(), f"LMN-{rng.token(6).upper()}",
              rng.r.randint(1, 2)) for _ in range(nitems)]
    reason, comment = rng.r.choice(REASONS[lang]), rng.r.choice(COMMENTS[lang])
    policy = rng.r.choice(t["policy_v"])
    buyer_id = "A" + rng.token(13).upper().replace("-", "X").replace("_", "Y")
    base = f"https://sellercentral.amazon.{tld}"
    rr = f"{base}/gp/returns/list/v2?searchBy=orderId&searchString={order}"
    targets = (f"{rr}&returnRequestState=pendingAuthorization&action=authorize",
               f"{rr}&returnRequestState=pendingAuthorization&action=close",
               f"{base}/messaging/contact/returns?buyerID={buyer_id}&custType=buyer&isMYR=1"
               f"&marketplaceId={mp_id}&orderID={order}",
               f"{rr}&tabId=viewAll&returnRequestState=viewAll&selectedDateRange=365")
    links = [_nms(rng, tld, ntype, x) for x in targets]
    day = at.date().isoformat()
    rows = "".join(
        "<tr>" + "".join(f'<td><p style="font-size:0.765em">{v}</p></td>'
                         for v in (title, asin, sku, qty, reason, comment)) + "</tr>\n"
        for title, asin, sku, qty in items)
    heads = "".join(f'<th><p style="font-size:0.765em">{h}</p></th>' for h in t["heads"])
    content = f"""<p>{t['hello']}</p>
<p>{t['intro']}</p>
<ul>
<li style="line-height:1.6em"><b>{t['order']} :</b> {order}</li>
<li style="line-height:1.6em"><b>{t['date']} :</b> {day}</li>
<li style="line-height:1.6em"><b>{t['policy']} :</b> {policy}</li>
<li style="line-height:1.6em"><b>{t['auth']} :</b> {t['auth_v']}</li>
</ul>
<table cellspacing="0" cellpadding="10" border="1">
<tbody><tr>{heads}</tr>
{rows}</tbody></table>
<p>{t['can']}</p>
<ol>""" + "".join(f'<li><b>{txt}</b><p><a href="{url.replace("&", "&amp;")}">{txt}</a></p></li>'
                  for txt, url in zip(t["links"], links)) + f"""</ol>
<p>{t['respond']}</p>
<p>{t['regards']}<br>Amazon Services</p>
<p style="font-size:0.765em;">{t['note']}</p>"""
    subject = t["subject"].format(order=order)
    html = _space_html(rng, tld, ntype, subject, content)
    h = t["heads"]
    plain = (f"{t['hello_t']}\n\n{t['intro']}\n\n{t['order']} : {order}\n{t['date']} : {day}\n"
             f"{t['policy']} : {policy}\n{t['auth']} : {t['auth_v']}\n\n"
             + "".join(f"{h[0]} : {title}\n{h[1]} : {asin}\n{h[2]} : {sku}\n{h[3]} : {qty}\n"
                       for title, asin, sku, qty in items)
             + f"{h[4]} : {reason}\n{h[5]} : {comment}\n\n"
             + "".join(f"{txt} : {url}\n" for txt, url in zip(t["links"], links))
             + f"\n{t['respond']}\n\n{t['regards']}\nAmazon Services\n")
    mid = rng.ses_id(at)
    headers = (f"Return-Path: <{rng.hex(16)}@eu-west-1.amazonses.com>\n"
               + _received(rng, at, f"a4-{rng.r.randint(1, 99)}.smtp-out.eu-west-1.amazonses.com")
               + _auth("amazon.com", "amazon.com")
               + f"Date: {format_datetime(at)}\n"
               f"From: {_addr(t['sender'], 'donotreply@amazon.com')}\n"
               f"Reply-To: {_addr(t['sender'], 'donotreply@amazon.com')}\n"
               f"To: {SELLER_MAILBOX}\nMessage-ID: <{mid}>\nSubject: {_hdr(subject)}\n"
               f"X-Marketplace-ID: {mp_id}\nX-Space-Notification-Type: {ntype}\n")
    return mid, _multipart(rng, headers, plain, html)


def claim(rng: _Rand, lang: str, order: str, at: datetime, step: str,
          granted: bool) -> tuple[str, bytes]:
    t = CLAIM[lang]
    tld, mp_id = MP[lang][0], MP[lang][1]
    amount = _amount(rng, lang)
    base = f"https://sellercentral.amazon.{tld}"
    if step == "claim_filed":
        ntype, subject = "A_Z_CLAIM_RESPONDENT_NOTIFY", t["filed_s"]
        paras = [p.format(order=order, amount=amount) for p in t["filed"]]
        extra = ""
    elif step == "claim_info_requested":
        ntype, subject = "A_Z_CLAIM_RESPONDENT_NOTIFY", t["info_s"]
        paras = [p.format(order=order, amount=amount) for p in t["info"]]
        url = _nms(rng, tld, ntype, f"{base}/gp/guarantee-claims/home.html?tab=actionRequired"
                                    f"&orderId={order}")
        extra = f'<p><a href="{url.replace("&", "&amp;")}">{t["respond"]}</a></p>'
    else:
        ntype, subject = "A_Z_CLAIM_RESPONDENT_CLOSE", t["dec_s"]
        paras = [(t["granted"] if granted else t["denied"]).format(order=order, amount=amount)]
        extra = ""
        if granted:
            url = _nms(rng, tld, ntype, f"{base}/gp/guarantee-claims/home.html?tab="
                                        f"optionToAppeal&orderId={order}")
            extra = f'<p><a href="{url.replace("&", "&amp;")}">Appeal</a></p>'
    subject = subject.format(order=order)
    content = (f"<p>{t['hello']}</p>" + "".join(f"<p>{p}</p>" for p in paras) + extra
               + f"<p>{t['sign']}</p>")
    html = _space_html(rng, tld, ntype, "", content)
    plain = "\n\n".join([t["hello"].replace("&amp;", "&")]
                        + [p.replace("<b>", "").replace("</b>", "").replace("<br>", "\n")
                           for p in paras] + [t["sign"]]) + "\n"
    sender = f"atoz-guarantee-no-reply@amazon.{tld}"
    mid = rng.ses_id(at)
    headers = (f"Return-Path: <{rng.hex(16)}@eu-west-1.amazonses.com>\n"
               + _received(rng, at, f"a4-{rng.r.randint(1, 99)}.smtp-out.eu-west-1.amazonses.com")
               + _auth(f"amazon.{tld}", f"amazon.{tld}")
               + f"Date: {format_datetime(at)}\nFrom: {_addr(t['sender'], sender)}\n"
               f"Reply-To: {_addr(t['sender'], sender)}\n"
               f"To: {SELLER_MAILBOX}\nMessage-ID: <{mid}>\nSubject: {_hdr(subject)}\n"
               f"X-Marketplace-ID: {mp_id}\nX-Space-Notification-Type: {ntype}\n")
    return mid, _multipart(rng, headers, plain, html)


def buyer_message(rng: _Rand, lang: str, order: str, alias: str, name: str,
                  at: datetime) -> tuple[str, bytes]:
    t = MSG[lang]
    tld, mp_id = MP[lang][0], MP[lang][1]
    text = rng.r.choice(BUYER_TEXTS[lang])
    title = rng.r.choice(PRODUCTS[lang])
    asin = rng.asin()
    base = f"https://sellercentral.amazon.{tld}"
    nrn = (f"{base}/messaging/no-response-needed?t={rng.token(20)}&m={rng.token(14)}"
           f"&mp={mp_id}&c={rng.token(13)}&h={rng.hex(40)}&s=1")
    survey = (f"{base}/gp/satisfaction/survey-form.html?ie=UTF8&HMDName=NotificationBusEmailHMD"
              f"&customAttribute1Value=BBC_MESSAGE_SENT_TO_MERCHANT")
    report = (f"https://www.amazon.{tld}/messaging/{rng.digits(19)}?marketplaceId={mp_id}"
              f"&ref_=bsm_email_report&report=true")
    legal = ("Copyright 2026 Amazon, Inc. or its affiliates. All rights reserved. To help "
             "resolve disputes and for trust and safety, messages between buyers and sellers "
             "are kept for two years.")
    plain = (f"{t['got']}\n\n# {order}:\n1 / {title} [ASIN: {asin}]\n\n{t['start']}\n\n"
             f"{text}\n\n{name}\n\n{t['end']}\n\n{t['useful']}\n{survey}\n\n{t['resolve']}\n"
             f"{nrn}\n\n{t['report']}\n{report}\n\n--------------------------\n\n{legal}\n\n"
             f"SPC-EUAmazon-{rng.digits(16)}\n")
    esc = (lambda s: s.replace("&", "&amp;"))
    html = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><style type="text/css">body{{font-family:Arial,sans-serif;font-size:14px;color:#111111;}} .msg{{border:1px solid #dddddd;padding:12px;margin:12px 0;background:#fafafa;}} .foot{{font-size:11px;color:#767676;}}</style></head>
<body><table width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:640px;margin:0 auto;"><tr><td style="padding:16px;">
<img src="https://m.media-amazon.com/images/G/01/rainier/nav/sc-unified.png" alt="" width="120">
<p>{t['got']}</p>
<p><b># {order}:</b><br>1 / {title} [ASIN: {asin}]</p>
<p>{t['start']}</p>
<div class="msg">{text.replace(chr(10), '<br>')}<br><br>{name}</div>
<p>{t['end']}</p>
<table cellpadding="0" cellspacing="0" border="0"><tr><td style="padding:8px 16px;background:#f0c14b;border:1px solid #a88734;border-radius:3px;"><a href="{esc(nrn)}" style="color:#111111;text-decoration:none;">{t['resolve']}</a></td></tr></table>
<p class="foot">{t['useful']} <a href="{esc(survey)}">Yes / No</a></p>
<p class="foot"><a href="{esc(report)}">{t['report']}</a></p>
<p class="foot">{legal}</p>
<p class="foot">SPC-EUAmazon-{rng.digits(16)}</p>
</td></tr></table></body></html>
"""
    domain = f"marketplace.amazon.{tld}"
    mid = f"{rng.hex(12)}-{rng.digits(6)}@{domain}"
    subject = t["subject"].format(name=name, order=order)
    disp = f"{name} - Amazon Marketplace"
    headers = (f"Return-Path: <no-reply@{domain}>\n"
               + _received(rng, at, f"a10-{rng.r.randint(1, 250)}.smtp-out.eu-west-1."
                                    f"amazonses.com")
               + _auth(domain, domain)
               + f"Date: {format_datetime(at)}\nFrom: {_addr(disp, alias)}\n"
               f"Reply-To: {alias}\nTo: {SELLER_MAILBOX}\nMessage-ID: <{mid}>\n"
               f"Subject: {_hdr(subject)}\nX-Marketplace-ID: {mp_id}\n"
               f"X-Space-Notification-Type: BBC_MESSAGE_SENT_TO_MERCHANT\n")
    return mid, _multipart(rng, headers, plain, html)


def newsletter(rng: _Rand, at: datetime) -> tuple[str, bytes]:
    name, domain, lang = rng.r.choice(NEWSLETTERS)
    subject = rng.r.choice(NEWS_SUBJECTS[lang])
    code = rng.token(10).upper()
    unsub = f"https://news.{domain}/u/{rng.token(40)}"
    click = f"https://click.{domain}/c/{rng.token(24)}"
    products = []
    for _ in range(rng.r.randint(7, 15)):
        pid = rng.digits(6)
        price = f"{rng.r.randint(2, 80)},{rng.r.randint(0, 99):02d}"
        products.append(
            f'<td width="33%" valign="top" style="padding:10px;border:1px solid #eeeeee;'
            f'text-align:center;"><a href="https://click.{domain}/p/{pid}?utm_source=newsletter'
            f'&amp;utm_medium=email&amp;utm_campaign={code}"><img src="https://cdn.{domain}/img/'
            f'{pid}.jpg" width="160" height="160" alt="" style="display:block;margin:0 auto;">'
            f'</a><p style="font-size:13px;color:#333333;margin:8px 0;">Carton double cannelure '
            f'{rng.r.randint(20, 60)}x{rng.r.randint(15, 40)}x{rng.r.randint(10, 30)} cm, lot de '
            f'{rng.r.choice((10, 25, 50))}</p><p style="font-size:16px;font-weight:bold;'
            f'color:#d35400;margin:4px 0;">{price}&nbsp;&euro;</p><a href="https://click.'
            f'{domain}/cart/{pid}" style="display:inline-block;padding:6px 14px;background:'
            f'#d35400;color:#ffffff;text-decoration:none;border-radius:3px;">Ajouter</a></td>')
    rows = "".join("<tr>" + "".join(products[i:i + 3]) + "</tr>\n"
                   for i in range(0, len(products), 3))
    html = f"""<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>{subject}</title>
<style>body{{margin:0;padding:0;background:#f4f4f4;font-family:Arial,Helvetica,sans-serif;}} a{{color:#d35400;}} @media only screen and (max-width:620px){{ td[width="33%"]{{display:block;width:100%!important;}} }}</style></head>
<body style="margin:0;padding:0;background:#f4f4f4;">
<table width="600" align="center" cellpadding="0" cellspacing="0" style="background:#ffffff;">
<tr><td style="padding:20px;text-align:center;background:#2c3e50;"><img src="https://cdn.{domain}/logo.png" width="180" alt="{name}"></td></tr>
<tr><td style="padding:20px;"><h1 style="color:#d35400;font-size:24px;">{subject}</h1>
<p>Vendeurs Amazon, préparez vos <b>retours</b> et vos envois de fin d'année ! Code <b>{code}</b>.</p>
<p><a href="{click}">Voir l'offre</a></p></td></tr>
<tr><td><table width="100%" cellpadding="0" cellspacing="0">{rows}</table></td></tr>
<tr><td style="padding:20px;font-size:11px;color:#888888;">Vous recevez cet e-mail car vous êtes client {name}. <a href="{unsub}">Se désabonner</a></td></tr>
</table>
<img src="https://click.{domain}/o/{rng.token(20)}.gif" width="1" height="1" alt="">
</body></html>
"""
    plain = (f"{subject}\n\nVendeurs Amazon, préparez vos retours et vos envois de fin "
             f"d'année !\nCode : {code}\n\nVoir l'offre : {click}\n\nSe désabonner : {unsub}\n")
    mid = f"{rng.hex(24)}@mail.{domain}"
    headers = (f"Return-Path: <bounce-{rng.digits(6)}@mail.{domain}>\n"
               f"Authentication-Results: {AUTHSERV}; dkim=pass\n header.d={domain}; spf=pass\n"
               f" smtp.mailfrom=mail.{domain}; dmarc=pass\n header.from={domain}\n"
               f"Date: {format_datetime(at)}\nFrom: {_addr(name, f'news@{domain}')}\n"
               f"To: {SELLER_MAILBOX}\nSubject: {_hdr(subject)}\nMessage-ID: <{mid}>\n"
               f"List-Unsubscribe: <{unsub}>,\n <mailto:unsubscribe@{domain}>\n"
               f"List-Unsubscribe-Post: List-Unsubscribe=One-Click\nPrecedence: bulk\n")
    return mid, _multipart(rng, headers, plain, html)


# ------------------------------------------------------------------------------ the mix

def generate_detailed(n: int, seed: int = 1, now: datetime | None = None) -> list[Generated]:
    now = (now or datetime(2026, 11, 22, tzinfo=timezone.utc)).astimezone(timezone.utc)
    now = now.replace(microsecond=0)
    rng = _Rand(seed)
    r = rng.r
    langs = [lang for lang, w in LANG_WEIGHTS for _ in range(w)]
    window = timedelta(days=60)
    used: set[str] = set()
    out: list[Generated] = []

    def when(latest_offset: timedelta = timedelta(0)) -> datetime:
        span = (window - latest_offset - timedelta(minutes=5)).total_seconds()
        return now - window + timedelta(seconds=int(r.random() * span))

    n_ret = round(n * 0.28)
    n_claim = round(n * 0.12)
    n_msg = round(n * 0.30)
    n_news = n - n_ret - n_claim - n_msg
    return_orders: list[tuple[str, str, datetime]] = []
    for i in range(n_ret):
        lang = r.choice(langs)
        order = _order_id(rng, lang, used)
        at = when()
        mid, raw = return_request(rng, lang, order, at)
        return_orders.append((lang, order, at))
        out.append(Generated("return_request", raw, mid, f"return:{order}", at))
    # claims: chains filed [-> info requested] [-> decided] on one order
    left = n_claim
    while left > 0:
        shape = r.choices((("claim_filed",), ("claim_filed", "claim_info_requested"),
                           ("claim_filed", "claim_decided"),
                           ("claim_filed", "claim_info_requested", "claim_decided")),
                          weights=(25, 25, 20, 30))[0][:left]
        left -= len(shape)
        if return_orders and r.random() < 0.3:  # escalation of an earlier return request
            lang, order, _ = r.choice(return_orders)
        else:
            lang = r.choice(langs)
            order = _order_id(rng, lang, used)
        offsets = [timedelta(0)]
        for step in shape[1:]:
            gap = timedelta(hours=r.randint(6, 60)) if step == "claim_info_requested" \
                else timedelta(days=r.randint(4, 12))
            offsets.append(offsets[-1] + gap)
        start = when(offsets[-1])
        granted = r.random() < 0.5
        for step, off in zip(shape, offsets):
            at = start + off
            mid, raw = claim(rng, lang, order, at, step, granted)
            out.append(Generated(step, raw, mid, f"claim:{order}", at))
    # buyer messages: threads (alias + order), ~30 % of messages are follow-ups
    threads: list[tuple[str, str, str, str, datetime]] = []
    for i in range(n_msg):
        if threads and r.random() < 0.3:
            lang, order, alias, name, last = r.choice(threads)
            at = min(last + timedelta(hours=r.randint(2, 72)), now - timedelta(minutes=1))
        else:
            lang = r.choice(langs)
            order = _order_id(rng, lang, used)
            alias = f"{''.join(r.choice('abcdefghijklmnopqrstuvwxyz0123456789') for _ in range(15))}" \
                    f"@marketplace.amazon.{MP[lang][0]}"
            name = r.choice(BUYERS[lang])
            at = when(timedelta(days=3))
            threads.append((lang, order, alias, name, at))
        mid, raw = buyer_message(rng, lang, order, alias, name, at)
        out.append(Generated("buyer_message", raw, mid, f"message:{order}", at))
    for i in range(n_news):
        at = when()
        mid, raw = newsletter(rng, at)
        out.append(Generated("newsletter", raw, mid, None, at))
    out.sort(key=lambda g: (g.at, g.message_id))
    return out


def generate(n: int, seed: int = 1, now: datetime | None = None) -> list[tuple[str, bytes]]:
    """[(kind, raw)] sorted by date; kind in RELEVANT or 'newsletter'."""
    return [(g.kind, g.raw) for g in generate_detailed(n, seed, now)]


if __name__ == "__main__":
    import argparse
    import collections
    import sys
    from pathlib import Path

    ap = argparse.ArgumentParser(description="Generate a mailbox and check it parses as meant.")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", help="write NNNNN_kind.eml files into this directory")
    args = ap.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bot.core.parse import parse_message

    items = generate_detailed(args.n, args.seed)
    sizes = sum(len(g.raw) for g in items)
    print(f"{len(items)} messages, {sizes / 1e6:.1f} MB, avg {sizes / len(items) / 1024:.1f} KB")
    print(collections.Counter(g.kind for g in items))
    expect = {"newsletter": "ignore"}
    bad = collections.Counter()
    for g in items:
        nt = parse_message(g.raw, trusted_authserv_ids=(AUTHSERV,))
        want = expect.get(g.kind, g.kind)
        got = str(nt.kind)
        if not (got == want or (want == "claim_decided" and got == "claim_decided")):
            bad[(g.kind, got, nt.error or ";".join(nt.suspicious_reasons))] += 1
    print("mismatches:", dict(bad) or "none")
    if args.out:
        d = Path(args.out)
        d.mkdir(parents=True, exist_ok=True)
        for i, g in enumerate(items):
            (d / f"{i:05d}_{g.kind}.eml").write_bytes(g.raw)
