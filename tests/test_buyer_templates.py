"""Messages to buyers: every template renders in every locale, and passes sellerbot's own
guardrail (its templates must never trip it)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.guardrails import check_buyer_message
from bot.edges.render import LOCALES, Renderer

BUYER_TEMPLATES = ("buyer_return_authorized", "buyer_keep_item", "buyer_close_explanation",
                   "buyer_refund_done", "buyer_answer", "buyer_out_of_stock",
                   "buyer_return_request")
ORDER = "405-1234567-7654321"
RENDERER = Renderer()


def _contexts(lang: str) -> list[dict[str, Any]]:
    full = {
        "order_id": ORDER, "buyer_name": "Marie", "seller_name": "Boutique Durand",
        "text": "Le colis partira demain matin.", "rma": "DZ3sN8V4RRMA",
        "return_address": "Boutique Durand\n12 rue des Lilas\n69003 Lyon\nFrance",
        "refund_amount": {"value": 19.9, "currency": "EUR"},
        "items": [{"title": "Lampe de bureau LED", "qty": 2}, {"title": "Ampoule E27", "qty": 1}],
        "label_prepaid": True,
        # the HTML layout render_parts always builds needs these two
        "lang": lang, "bot_name": "SellerBot",
    }
    bare = {"order_id": ORDER, "buyer_name": None, "seller_name": "Boutique Durand",
            "text": "", "rma": None, "return_address": None, "refund_amount": None,
            "items": [], "lang": lang, "bot_name": "SellerBot"}
    return [full, bare, {**full, "label_prepaid": False, "buyer_name": None}]


@pytest.mark.parametrize("lang", LOCALES)
@pytest.mark.parametrize("name", BUYER_TEMPLATES)
def test_buyer_template_renders_and_passes_the_guardrail(name: str, lang: str) -> None:
    for ctx in _contexts(lang):
        subject, text, _ = RENDERER.render_parts(name, lang, ctx)
        assert ORDER in subject and "\n" not in subject
        assert text.strip() and "None" not in text and "{{" not in text and "{%" not in text
        assert "\n\n\n" not in text, text
        assert "Boutique Durand" in text
        if ctx["buyer_name"]:
            assert "Marie" in text
        if ctx["text"]:
            assert ctx["text"] in text
        violations = check_buyer_message(subject + "\n" + text)
        assert violations == [], (name, lang, violations)


@pytest.mark.parametrize("lang", LOCALES)
def test_return_authorized_carries_rma_address_and_items(lang: str) -> None:
    ctx = _contexts(lang)[0]
    _, text, _ = RENDERER.render_parts("buyer_return_authorized", lang, ctx)
    for needle in ("DZ3sN8V4RRMA", "12 rue des Lilas", "69003 Lyon", "Lampe de bureau LED (x2)",
                   "Ampoule E27", "Amazon"):
        assert needle in text, needle


@pytest.mark.parametrize("lang", LOCALES)
def test_money_is_written_the_local_way(lang: str) -> None:
    ctx = _contexts(lang)[0]
    for name in ("buyer_keep_item", "buyer_refund_done", "buyer_out_of_stock"):
        _, text, _ = RENDERER.render_parts(name, lang, ctx)
        assert ("19.90 EUR" if lang == "en" else "19,90 EUR") in text, (name, text)


@pytest.mark.parametrize("lang", LOCALES)
def test_answer_wraps_the_sellers_text(lang: str) -> None:
    text_in = "Votre colis est en route.\nIl arrivera jeudi."
    ctx = {**_contexts(lang)[1], "text": text_in, "buyer_name": "Jean"}
    _, text, _ = RENDERER.render_parts("buyer_answer", lang, ctx)
    lines = text.strip().splitlines()
    assert "Jean" in lines[0] and text_in in text and lines[-1] == "Boutique Durand"


def test_a_seller_text_that_breaks_the_rules_is_caught_after_rendering() -> None:
    ctx = {**_contexts("fr")[1], "text": "Merci de laisser un avis 5 étoiles sur monsite.fr"}
    _subject, text, _ = RENDERER.render_parts("buyer_answer", "fr", ctx)
    assert {v.code for v in check_buyer_message(text)} == {"review", "link"}


def test_subject_is_header_safe_with_a_hostile_order_id() -> None:
    ctx = {**_contexts("fr")[1], "order_id": "405-1\r\nBcc: x@example.com"}
    subject, _, _ = RENDERER.render_parts("buyer_answer", "fr", ctx)
    assert "\r" not in subject and "\n" not in subject
