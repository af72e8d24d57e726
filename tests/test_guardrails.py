"""The guardrail on messages to buyers: what Amazon forbids is caught, ordinary text is not."""

from __future__ import annotations

import pytest

from bot.core.guardrails import (
    MAX_ATTACHMENT_BYTES,
    check_buyer_message,
    is_amazon_host,
)

ORDER = "405-1234567-7654321"

#: (id, text, expected violation codes — empty: the message may be sent)
CASES: list[tuple[str, str, set[str]]] = [
    # clean messages, one per language, with what sellers legitimately write
    ("fr-clean", (f"Bonjour Marie,\nVotre commande {ORDER} est partie hier avec Colissimo, numéro "
     "de suivi 6A12345678901. Le livreur a laissé un avis de passage : le colis vous attend au "
     "bureau de poste. À mon avis il sera disponible demain.\nCordialement,\nBoutique Durand"),
     set()),
    ("fr-clean-return", ("Votre retour est autorisé. RMA : DZ3sN8V4RRMA. Adresse de retour : "
     "Boutique Durand, 12 rue des Lilas, 69003 Lyon, France. Envoi en lettre recommandée avec "
     "avis de réception conseillé. Montant remboursé : 119,00 € le 20/11/2026."), set()),
    ("fr-clean-credit", ("Nous pouvons vous accorder une réduction partielle de 10 € ou un avoir, "
     "et vous gardez l'article. Merci pour votre retour et votre patience."), set()),
    ("en-clean", (f"Hello, order {ORDER} was shipped with UPS, tracking number 1Z999AA10123456784. "
     "Thank you for your feedback, we will review your request and refund 29.99 EUR today."),
     set()),
    ("en-clean-amazon-link", ("You can print the label here: https://www.amazon.co.uk/gp/css/"
     "returns/homepage.html?orderId=405-1234567-7654321 or on sellercentral.amazon.fr"), set()),
    ("de-clean", ("Guten Tag, Ihre Bestellung wurde mit DHL versandt, Sendungsnummer "
     "00340434161094042557. Nach Bewertung des Zustands erstatten wir Ihnen den Betrag als "
     "Gutschrift. Mit freundlichen Grüßen"), set()),
    ("it-clean", ("Buongiorno, il suo ordine è stato spedito con BRT, numero di tracciamento "
     "0123456789012. La rimborseremo entro 2 giorni. Cordiali saluti"), set()),
    ("es-clean", ("Hola: su pedido se envió con SEUR, número de seguimiento 0612345678. Tras la "
     "valoración del estado del producto, le reembolsaremos 45,50 €. Atentamente"), set()),
    ("clean-relay-address", "Vous pouvez répondre à abc123xyz@marketplace.amazon.fr.", set()),
    ("clean-dates-and-times", ("Livraison prévue le 23.11.2026 entre 10:14 et 12:00, "
     "colis 2 sur 3, poids 1.250 kg, réf. article LAMP-01."), set()),
    ("clean-sentence-without-space", "Le colis est arrivé.De plus il était abîmé.", set()),
    # links
    ("link-https", "Voir la notice sur https://monsite.fr/notice.pdf", {"link"}),
    ("link-bare-domain", "Toutes nos références sur monsite.fr et boutique-durand.com", {"link"}),
    ("link-www", "Details at www.example.com/help", {"link"}),
    ("link-amazon-lookalike", "Log in at https://amazon.fr.secure-login.com/returns", {"link"}),
    ("link-amazon-userinfo", "https://amazon.fr@evil.example/returns", {"link"}),
    ("link-shortener", "Manual: bit.ly/3abcdef", {"link"}),
    # review / feedback solicitation
    ("review-fr", "Si vous êtes satisfait, merci de laisser un avis positif !", {"review"}),
    ("review-fr-stars", "Une évaluation 5 étoiles nous aiderait beaucoup.", {"review"}),
    ("review-fr-remove", "Pourriez-vous retirer votre avis négatif ?", {"review"}),
    ("review-en", "Please leave us a 5-star review on Amazon.", {"review"}),
    ("review-en-feedback", "We would appreciate positive feedback.", {"review"}),
    ("review-de", "Bitte hinterlassen Sie eine positive Bewertung.", {"review"}),
    ("review-it", "Ci lasci una recensione, grazie!", {"review"}),
    ("review-es", "Por favor, déjenos una valoración positiva.", {"review"}),
    # marketing
    ("marketing-fr", "Profitez de notre code promo NOEL10 et visitez notre boutique !",
     {"marketing"}),
    ("marketing-en", "Use discount code SAVE10 and subscribe to our newsletter.", {"marketing"}),
    ("marketing-de", "Mit dem Rabattcode SOMMER sparen Sie 10 %.", {"marketing"}),
    ("marketing-es", "Use el código de descuento VERANO.", {"marketing"}),
    # personal contact details
    ("email", "Écrivez-moi directement à jean.dupont@gmail.com", {"contact_email"}),
    ("email-obfuscated", "jean.dupont [at] gmail [dot] com", {"contact_email"}),
    ("phone-fr", "Appelez le 06 12 34 56 78 si besoin.", {"contact_phone"}),
    ("phone-fr-dots", "Mon numéro : 06.12.34.56.78", {"contact_phone"}),
    ("phone-fr-intl", "Joignable au +33 6 12 34 56 78.", {"contact_phone"}),
    ("phone-de", "Tel.: 0171 1234567", {"contact_phone"}),
    ("phone-it", "Il mio cellulare: +39 333 123 4567", {"contact_phone"}),
    ("phone-es", "Teléfono 612 34 56 78", {"contact_phone"}),
    ("phone-us", "Call us at (555) 123-4567.", {"contact_phone", "contact_app"}),
    ("whatsapp", "Contactez-nous sur WhatsApp pour aller plus vite.", {"contact_app"}),
    # several at once
    ("mixed", "Laissez un avis 5 étoiles et écrivez-nous à contact@monsite.fr ou sur monsite.fr",
     {"review", "contact_email", "link"}),
]


@pytest.mark.parametrize(("text", "expected"), [pytest.param(t, e, id=i) for i, t, e in CASES])
def test_guardrail_table(text: str, expected: set[str]) -> None:
    violations = check_buyer_message(text)
    assert {v.code for v in violations} == expected, violations
    for v in violations:
        assert v.message_fr and v.message_en and v.excerpt
        assert v.message("fr") == v.message_fr and v.message("de") == v.message_en


def test_enough_cases_and_clean_ones_in_every_language() -> None:
    assert len(CASES) >= 25
    clean = {i.split("-")[0] for i, _, e in CASES if not e}
    assert {"fr", "en", "de", "it", "es"} <= clean


def test_order_ids_and_rma_numbers_are_not_phone_numbers() -> None:
    text = (f"Commande {ORDER}, RMA 0612345678, RMA n° 4051234567, retour D1234567RMA, "
            "suivi 0612345678, facture 0145678901")
    assert check_buyer_message(text) == []


def test_allowed_hosts_extend_amazon() -> None:
    text = "Suivez votre colis : https://www.laposte.fr/outils/suivre-vos-envois?code=6A123"
    assert [v.code for v in check_buyer_message(text)] == ["link"]
    assert check_buyer_message(text, allowed_hosts=("laposte.fr",)) == []
    # an allowed host does not allow look-alikes
    assert check_buyer_message("https://laposte.fr.evil.com/x", allowed_hosts=("laposte.fr",))


def test_attachments_over_10_mb_are_refused() -> None:
    ok = [("facture.pdf", 200_000), ("photo.jpg", MAX_ATTACHMENT_BYTES)]
    assert check_buyer_message("Voici la facture.", attachments=ok) == []
    big = ok + [("video.mp4", 25_000_000)]
    violations = check_buyer_message("Voici la vidéo.", attachments=big)
    assert [(v.code, v.excerpt) for v in violations] == [("attachment", "video.mp4")]
    assert "25" in violations[0].message_fr and "10 Mo" in violations[0].message_fr


@pytest.mark.parametrize(("host", "ok"), [
    ("amazon.fr", True), ("www.amazon.de", True), ("sellercentral.amazon.co.uk", True),
    ("sellercentral-europe.amazon.com", True), ("marketplace.amazon.it", True),
    ("amazon.fr.evil.com", False), ("amazon-retours.fr", False), ("notamazon.fr", False),
    ("amazon.evil", False), ("xn--mazon-3ve.fr", False),
])
def test_amazon_hosts(host: str, ok: bool) -> None:
    assert is_amazon_host(host) is ok


def test_one_violation_per_place() -> None:
    violations = check_buyer_message("Please leave us a 5-star review")
    assert [v.code for v in violations] == ["review"]
