"""Family-by-family tests over our own fixtures (tests/fixtures/parse/*.eml).

The fixtures were generated once (languages fr/en/de/it/es, QP/base64/8bit, latin-1, cp1252,
mislabelled charset, RFC 2047 split inside a character, truncated MIME, HTML-only, forwards,
Safe Links, lookalikes, auto-replies, DSN, newsletters) and are committed as plain .eml files.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.parse import parse_message
from bot.core.parse.links import unwrap
from bot.core.parse.mime import find_money
from bot.core.domain import Kind, LinkRole, Money

FIX = Path(__file__).parent / "fixtures" / "parse"
PARIS = ZoneInfo("Europe/Paris")


def parse(name: str, **kw):
    kw.setdefault("trusted_authserv_ids", ("mx.test",))
    kw.setdefault("seller_addresses", ("claire@example.fr",))
    kw.setdefault("bot_addresses", ("assistant@example.fr",))
    return parse_message((FIX / name).read_bytes(), **kw)


@pytest.mark.parametrize(("name", "mp", "lang", "order", "norm", "qty"), [
    ("return_fr_qp.eml", "amazon.fr", "fr", "405-1111111-2222222", "damaged", 1),
    ("return_en_qp.eml", "amazon.co.uk", "en", "203-1111111-2222222", "wrong_item", 2),
    ("return_de_qp.eml", "amazon.de", "de", "302-1111111-2222222", "damaged", 1),
    ("return_it_qp.eml", "amazon.it", "it", "403-1111111-2222222", "no_longer_needed", 1),
    ("return_es_qp.eml", "amazon.es", "es", "404-1111111-2222222", "arrived_late", 1),
])
def test_return_request_languages(name, mp, lang, order, norm, qty):
    n = parse(name)
    assert n.kind is Kind.RETURN_REQUEST
    assert (n.marketplace, n.language, n.order_id, n.reason_normalized) == (mp, lang, order, norm)
    assert n.items[0].qty == qty
    assert n.link(LinkRole.AUTHORIZE) is not None
    assert n.deadline == n.event_time + timedelta(hours=48)
    assert n.suspicious_reasons == []


@pytest.mark.parametrize("name", ["return_fr_base64_latin1.eml", "return_fr_cp1252.eml",
                                  "return_fr_mislabelled.eml", "return_fr_rfc2047_split.eml"])
def test_messy_encodings_decode_to_the_same_notice(name):
    n = parse(name)
    assert n.kind is Kind.RETURN_REQUEST
    assert "Demande d" in n.subject and "405-1111111-2222222" in n.subject
    assert "\ufffd" not in n.subject
    assert n.items[0].title == "Lampe LED"
    assert n.reason == "Article endommagé"
    assert n.customer_comment and n.customer_comment.startswith("Arrivé cassé")


def test_truncated_mime_does_not_raise():
    n = parse("return_fr_truncated.eml")
    assert n.error is None
    assert n.kind is Kind.RETURN_REQUEST and n.order_id == "405-1111111-2222222"


def test_html_only_auto_authorized():
    n = parse("return_authorized_en_html.eml")
    assert n.kind is Kind.RETURN_AUTHORIZED
    assert n.rma_id == "D1abcdefRMA"
    assert n.items[0].asin == "B0ABCDEFGH" and n.items[0].sku == "SKU-1"
    assert n.reason_normalized == "no_longer_needed"
    assert [str(link.role) for link in n.links] == ["details"]  # optout link excluded
    assert n.deadline is None


def test_safe_links_and_nms_are_unwrapped():
    n = parse("return_fr_safelinks.eml")
    link = n.link(LinkRole.AUTHORIZE)
    assert link.url.startswith("https://eur01.safelinks.protection.outlook.com/")
    assert link.target == ("https://sellercentral.amazon.fr/gp/returns/list/v2"
                           "?searchString=405-1111111-2222222&action=authorize")


def test_off_amazon_target_is_never_an_action_link():
    n = parse("return_fr_offamazon_link.eml")
    assert n.kind is Kind.SUSPICIOUS
    assert n.links == []
    assert any("evil.example.com" in r for r in n.suspicious_reasons)


@pytest.mark.parametrize(("name", "mp", "lang", "cur"), [
    ("claim_info_fr.eml", "amazon.fr", "fr", "EUR"),
    ("claim_info_en.eml", "amazon.co.uk", "en", "GBP"),
    ("claim_info_de.eml", "amazon.de", "de", "EUR"),
    ("claim_info_it.eml", "amazon.it", "it", "EUR"),
    ("claim_info_es.eml", "amazon.es", "es", "EUR"),
])
def test_claim_info_requested_languages(name, mp, lang, cur):
    n = parse(name)
    assert n.kind is Kind.CLAIM_INFO_REQUESTED
    assert (n.marketplace, n.language) == (mp, lang)
    assert n.amount == Money(Decimal("12.50"), cur)
    assert n.deadline_hours == 72
    assert n.deadline == n.event_time + timedelta(hours=72)


def test_claim_window_in_hours():
    assert parse("claim_info_fr_72h.eml").deadline_hours == 72


def test_claim_granted_en_usd_and_appeal_window():
    n = parse("claim_granted_en.eml")
    assert n.kind is Kind.CLAIM_DECIDED and n.decision == "granted_to_buyer"
    assert n.amount == Money(Decimal("19.99"), "USD")
    assert n.deadline == datetime(2026, 12, 23, 10, 0, tzinfo=PARIS)


@pytest.mark.parametrize(("name", "text", "mp"), [
    ("buyer_message_de.eml", "Hallo, wann kommt mein Paket?", "amazon.de"),
    ("buyer_message_en.eml", "Hello, where is my parcel?", "amazon.co.uk"),
])
def test_buyer_messages(name, text, mp):
    n = parse(name)
    assert n.kind is Kind.BUYER_MESSAGE and n.marketplace == mp
    assert n.message_text.startswith(text)
    assert n.buyer_name == "Hans"
    assert n.items[0].asin == "B0ABCDEFGH"
    # the buyer pasted a no-response link in the text: only the footer one counts
    assert [link.target for link in n.links] == [n.links[0].target]
    assert "fake=1" not in n.links[0].target
    assert n.deadline == n.event_time + timedelta(hours=24)


def test_order_placed_de_price_and_ship_by():
    n = parse("order_placed_de.eml")
    assert n.kind is Kind.ORDER_PLACED
    assert n.items[0].price == Money(Decimal("1234.56"), "EUR")
    assert n.items[0].sku == "LMN-1"
    assert n.deadline == datetime(2026, 11, 25, 23, 59, 59, tzinfo=PARIS)


@pytest.mark.parametrize("name", ["fwd_gmail.eml", "fwd_outlook_tr.eml", "fwd_rfc822.eml"])
def test_forwards_use_the_original_mail(name):
    n = parse(name)
    assert n.forwarded is True
    assert n.kind is Kind.RETURN_REQUEST
    assert n.order_id == "405-1111111-2222222"
    assert n.marketplace == "amazon.fr"
    assert n.link(LinkRole.AUTHORIZE) is not None
    if name != "fwd_rfc822.eml":  # inline forwards: original date, local time of the forwarder
        assert n.event_time == datetime(2026, 11, 21, 10, 14, tzinfo=PARIS)


def test_forward_from_unknown_colleague_is_recognised_but_needs_confirmation():
    """Issue 14: Amazon's content is intact, only the forwarder is unknown."""
    known = parse("fwd_gmail.eml")
    n = parse("fwd_gmail.eml", seller_addresses=("someone.else@example.fr",))
    assert n.kind is known.kind and n.kind is not Kind.SUSPICIOUS
    assert n.order_id == known.order_id and n.deadline == known.deadline
    assert n.needs_confirmation and not known.needs_confirmation
    assert n.suspicious_reasons == []


def test_lookalike_sender():
    n = parse("lookalike_sender.eml")
    assert n.kind is Kind.SUSPICIOUS
    assert n.suspicious_reasons == ["lookalike sender domain amaz0n-seller.com"]
    assert n.links == []


def test_relay_lookalike():
    assert parse("relay_lookalike.eml").kind is Kind.SUSPICIOUS


def test_trusted_dkim_fail_is_suspicious_untrusted_is_not_judged():
    n = parse("dkim_fail.eml")
    assert n.kind is Kind.SUSPICIOUS and "DMARC fail" in n.suspicious_reasons
    n = parse("dkim_fail.eml", trusted_authserv_ids=())
    assert n.kind is Kind.RETURN_REQUEST and n.auth_results == {}


def test_corpus_ar_ignored_when_authserv_not_trusted():
    raw = (Path(__file__).parent / "corpus" / "02_fr_return_request_multipart.eml").read_bytes()
    raw = raw.replace(b"dkim=pass header.d=amazon.com", b"dkim=fail header.d=amazon.com")
    assert parse_message(raw, trusted_authserv_ids=("other.mx",)).kind is Kind.RETURN_REQUEST


@pytest.mark.parametrize(("name", "kind"), [
    ("auto_reply_header.eml", Kind.AUTO_REPLY),
    ("auto_reply_subject.eml", Kind.AUTO_REPLY),
    ("bounce_dsn.eml", Kind.BOUNCE),
    ("newsletter_en.eml", Kind.IGNORE),
])
def test_automated_mail(name, kind):
    n = parse(name)
    assert n.kind is kind
    assert n.order_id is None and n.links == []


def test_seller_reply_outlook_block_is_stripped():
    n = parse("seller_reply_outlook_fr.eml")
    assert n.kind is Kind.SELLER_COMMAND
    assert "AUTORISER" not in (n.reply_text or "")
    assert [c.name for c in n.commands] == ["ignore"]


def test_seller_reply_html_only():
    n = parse("seller_reply_html_only.eml")
    assert n.kind is Kind.SELLER_COMMAND
    assert "AUTORISER" not in (n.reply_text or "")
    assert len(n.commands) == 1


def test_unknown_amazon_layout_is_unrecognized_with_reason():
    n = parse("amazon_unknown_layout.eml")
    assert n.kind is Kind.UNRECOGNIZED and n.layout is None
    assert "SELLER_PERFORMANCE_DIGEST" in n.error


@pytest.mark.parametrize(("text", "value", "cur"), [
    ("54,90 €", "54.90", "EUR"), ("54,90\u00a0€", "54.90", "EUR"), ("169.01 EUR", "169.01", "EUR"),
    ("£12.50", "12.50", "GBP"), ("$19.99", "19.99", "USD"), ("1.234,56 €", "1234.56", "EUR"),
    ("EUR 7,5", "7.5", "EUR"),
])
def test_money(text, value, cur):
    assert find_money(f"montant : {text} ;") == Money(Decimal(value), cur)


def test_unwrap_nested():
    assert unwrap("https://example.com/x") == "https://example.com/x"
