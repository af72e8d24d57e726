"""Buyer messages that lead to claims (bot.core.intent): refund, return, not received, in the
five languages; ordinary messages (thanks, questions) raise nothing."""

from __future__ import annotations

import pytest

from bot.core.intent import claim_risks


@pytest.mark.parametrize("text, risks", [
    ("Bonjour, je n'ai toujours pas reçu ma commande, où est mon colis ?", ["not_received"]),
    ("Je souhaite être remboursée au plus vite.", ["refund"]),
    ("Je voudrais retourner la lampe, elle ne marche pas.", ["return"]),
    ("Colis jamais arrivé, je veux être remboursé !", ["not_received", "refund"]),
    ("Hi, I haven't received my order yet.", ["not_received"]),
    ("The tracking says delivered but nothing here.", ["not_received"]),
    ("I want a refund please.", ["refund"]),
    ("I would like to return it and get my money back.", ["refund", "return"]),
    ("Ich habe das Paket noch nicht erhalten.", ["not_received"]),
    ("Ich möchte eine Rückerstattung.", ["refund"]),
    ("Kann ich den Artikel zurücksenden?", ["return"]),
    ("Non ho ancora ricevuto il pacco.", ["not_received"]),
    ("Vorrei un rimborso.", ["refund"]),
    ("Come faccio a fare il reso?", ["return"]),
    ("No he recibido mi pedido.", ["not_received"]),
    ('El paquete pone "entregado" pero no lo tengo.', ["not_received"]),
    ("Quiero un reembolso.", ["refund"]),
    ("Quiero devolver el artículo.", ["return"]),
])
def test_claim_risks(text: str, risks: list[str]) -> None:
    assert claim_risks(text) == risks


@pytest.mark.parametrize("text", [
    "Merci, tout est parfait, très belle lampe !",
    "Thanks, it arrived quickly.",
    "Danke, alles gut angekommen.",
    "Grazie, arrivato in perfette condizioni.",
    "Gracias, ha llegado bien.",
    "Can I change the shipping address to my office?",
    "",
    None,
])
def test_ordinary_messages_raise_nothing(text: str | None) -> None:
    assert claim_risks(text) == []
