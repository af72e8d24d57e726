"""Drafts of A-to-Z claim answers and appeals (bot.core.drafts), and their mail to the seller."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.core.drafts import appeal_draft, categorize, claim_answer_draft
from bot.edges.render import LOCALES, Renderer

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ORDER = "405-1234567-7654321"


def _claim(reason: str = "Item not received", state: str = "claim_info_requested",
           **data: Any) -> dict[str, Any]:
    """A case row as the store returns it (data nested)."""
    return {"id": 3, "ref": "C-2026-0007", "kind": "claim", "state": state, "order_id": ORDER,
            "deadline": "2026-11-23T09:14:00+00:00",
            "data": {"reason": reason, "amount": {"value": 129.5, "currency": "EUR"},
                     "links": {"respond": "https://sellercentral.amazon.fr/claims/r?id=9"},
                     **data}}


def _evidence(**order: Any) -> dict[str, Any]:
    """The shape of bot.flows.orders_import.case_evidence."""
    base = {"known": True, "carrier": None, "tracking": None, "ship_date": None,
            "signature": None, "buy_shipping": None, "items": [], "value": None,
            "delivery": {"ship_city": "Lyon", "ship_postal_code": "69003"}}
    base.update(order)
    return {"case": {"ref": "C-2026-0007", "order_id": ORDER}, "order": base,
            "missing": [k for k in ("carrier", "tracking", "ship_date", "signature",
                                    "buy_shipping") if base.get(k) is None],
            "reason": "Item not received", "events": [], "message_ids": [], "linked_case": None}


TRACKED = {"carrier": "Colissimo", "tracking": "6A12345678901", "ship_date": "2026-11-10",
               "buy_shipping": True}


def test_not_received_with_tracking_and_buy_shipping_is_strong() -> None:
    d = claim_answer_draft(_claim(), _evidence(**TRACKED), "fr", NOW, seller_name="Durand")
    assert d.strength == "strong" and d.missing == [] and d.category == "not_received"
    assert "6A12345678901" in d.text and "Colissimo" in d.text and "10/11/2026" in d.text
    assert "Buy Shipping" in d.text and "protection" in d.text
    assert ORDER in d.text and d.text.rstrip().endswith("Durand")
    assert "[À COMPLÉTER" not in d.text
    assert "refuser cette réclamation" in d.text


def test_not_received_without_tracking_is_weak_and_says_what_is_missing() -> None:
    d = claim_answer_draft(_claim(), _evidence(), "fr", NOW)
    assert d.strength == "weak"
    assert {"tracking", "carrier", "ship_date"} <= set(d.missing)
    assert "[À COMPLÉTER : numéro de suivi]" in d.text
    assert "Buy Shipping" not in d.text


def test_tracking_without_delivery_proof_or_protection_is_weak() -> None:
    d = claim_answer_draft(_claim(), _evidence(carrier="DHL", tracking="JJD0001",
                                               ship_date="2026-11-10"), "en", NOW)
    assert d.strength == "weak" and d.missing == ["delivery_proof"]
    d = claim_answer_draft(_claim(), {**_evidence(carrier="DHL", tracking="JJD0001",
                                                  ship_date="2026-11-10"),
                                      "delivered_at": "2026-11-12",
                                      "promised_date": "2026-11-14"}, "en", NOW)
    assert d.strength == "strong"
    assert "12 November 2026" in d.text and "14 November 2026" in d.text


def test_late_shipment_does_not_claim_buy_shipping_protection() -> None:
    ev = {**_evidence(**TRACKED), "ship_by": "2026-11-08"}
    d = claim_answer_draft(_claim(), ev, "en", NOW)
    assert "shipped_late" in d.warnings
    assert "protected" not in d.text and "Buy Shipping" in d.text
    assert d.strength == "weak"


def test_return_history_correspondence_and_refunds_are_cited() -> None:
    ev = _evidence()
    ev["linked_case"] = {"ref": "R-2026-0101", "kind": "return", "state": "return_closed",
                         "events": [{"at": "2026-11-05T10:00:00+00:00", "kind": "command:close",
                                     "reason": "article renvoyé incomplet"}]}
    ev["messages_exchanged"] = 3
    ev["refunds"] = [{"amount": {"value": 20.0, "currency": "EUR"}, "at": "2026-11-06"}]
    d = claim_answer_draft(_claim("Article endommagé"), ev, "fr", NOW)
    assert d.category == "not_as_described" and d.strength == "strong"
    assert "close le 05/11/2026 : article renvoyé incomplet" in d.text
    assert "3 message(s)" in d.text and "20,00 EUR le 06/11/2026" in d.text
    # no return request known: the seller must say what happened
    d = claim_answer_draft(_claim("Article endommagé"), _evidence(), "fr", NOW)
    assert d.strength == "weak" and "return_history" in d.missing


@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("tracked", [True, False])
def test_every_language(lang: str, tracked: bool) -> None:
    ev = _evidence(**TRACKED) if tracked else _evidence()
    d = claim_answer_draft(_claim(), ev, lang, NOW, seller_name="Durand")
    assert ORDER in d.text and "None" not in d.text and "{" not in d.text
    assert ("6A12345678901" in d.text) is tracked
    assert d.strength == ("strong" if tracked else "weak")
    assert ("[" in d.text) is (not tracked)  # placeholders only when facts are missing
    a = appeal_draft(_claim(state="claim_granted"), ev, lang, NOW, seller_name="Durand",
                     decided_at=NOW - timedelta(days=2))
    assert a.text != d.text and ORDER in a.text and "None" not in a.text


def test_appeal_draft_and_its_30_day_window() -> None:
    ev = _evidence(**TRACKED)
    ev["events"] = [{"at": "2026-11-15T10:00:00+00:00", "kind": "decided:granted_to_buyer"}]
    a = appeal_draft(_claim(state="claim_granted"), ev, "fr", NOW)
    assert a.text.startswith("Bonjour,\n\nNous faisons appel de la décision du 15/11/2026")
    assert "6A12345678901" in a.text and a.strength == "strong" and a.warnings == []
    late = appeal_draft(_claim(state="claim_granted"), ev, "fr", NOW + timedelta(days=31))
    assert "appeal_window_closed" in late.warnings


@pytest.mark.parametrize(("reason", "category"), [
    ("Item not received", "not_received"), ("Article non reçu", "not_received"),
    ("Artikel nicht erhalten", "not_received"), ("Articolo non ricevuto", "not_received"),
    ("Artículo no recibido", "not_received"), ("Refund not received after return", "return"),
    ("Article défectueux", "not_as_described"), ("Artikel beschädigt", "not_as_described"),
    (None, "other"), ("Autre", "other"),
])
def test_categorize(reason: str | None, category: str) -> None:
    assert categorize(reason) == category


@pytest.mark.parametrize("lang", LOCALES)
def test_claim_draft_mail_to_the_seller(lang: str) -> None:
    """The seller's mail carries the draft, the respond link, the deadline and what to add."""
    case = _claim()
    d = claim_answer_draft(case, _evidence(), lang, NOW, seller_name="Durand")
    ctx_case = {**case, **case["data"], "items": [],
                "deadline": datetime(2026, 11, 23, 9, 14, tzinfo=UTC),
                "deadline_soft": None, "customer_comment": None, "message_text": None,
                "marketplace": "amazon.fr", "buyer_name": None}
    ctx = {"seller_name": "Durand", "bot_name": "SellerBot", "tag": "SB", "tz": "Europe/Paris",
           "lang": lang, "now": NOW, "case": ctx_case, "time_left": "3 j", "flags": [],
           "draft_text": d.text, "missing": d.missing, "strength": d.strength,
           "link_url": case["data"]["links"]["respond"]}
    subject, text, _ = Renderer().render_parts("claim_draft", lang, ctx)
    assert "C-2026-0007" in subject and ORDER in subject and "23/11 10:14" in subject
    assert d.text.strip() in text
    assert "https://sellercentral.amazon.fr/claims/r?id=9" in text
    assert "10:14" in text and "None" not in text
    assert ("FAIT" if lang == "fr" else "DONE") in text
