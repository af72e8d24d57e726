"""Issue 14: facts by meaning, not by layout.

The same facts (tests/layouts.py, labels and wordings written by hand per language) are
rendered through many layouts; the parser must extract the same facts from every one.
Expected values come from the facts, never from a parse. `HELD_OUT_LAYOUTS` were kept out of
development and are checked in their own test.
"""

from __future__ import annotations

import random
import zlib
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.parse import parse_message
from bot.core.domain import Kind
from tests.layouts import (
    COLLEAGUE,
    DEV_LAYOUTS,
    FAMILIES,
    HELD_OUT_LAYOUTS,
    LANGS,
    PARSE_KW,
    actual,
    compare,
    expected,
    make_facts,
    render,
)

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _misses(family: str, lang: str, layout: str, seed: int) -> dict:
    rng = random.Random(seed)
    f = make_facts(family, lang, rng)
    n = parse_message(render(f, layout, rng), **PARSE_KW)
    return compare(expected(f, layout), actual(n))


@SETTINGS
@given(st.sampled_from(FAMILIES), st.sampled_from(LANGS), st.sampled_from(DEV_LAYOUTS),
       st.integers(0, 2**32))
def test_every_layout_yields_the_facts(family: str, lang: str, layout: str, seed: int) -> None:
    assert _misses(family, lang, layout, seed) == {}


@SETTINGS
@given(st.sampled_from(FAMILIES), st.sampled_from(LANGS), st.integers(0, 2**32))
def test_same_facts_through_all_layouts(family: str, lang: str, seed: int) -> None:
    """One set of facts, every layout: the extracted facts are identical."""
    seen = []
    for layout in DEV_LAYOUTS + HELD_OUT_LAYOUTS:
        rng = random.Random(seed)
        f = make_facts(family, lang, rng)
        got = actual(parse_message(render(f, layout, rng), **PARSE_KW))
        got.pop("needs_confirmation")
        seen.append((layout, got))
    first = seen[0][1]
    for layout, got in seen[1:]:
        assert compare(first, got) == {}, layout


@pytest.mark.parametrize("layout", HELD_OUT_LAYOUTS)
@pytest.mark.parametrize("family", FAMILIES)
def test_held_out_layouts(layout: str, family: str) -> None:
    bad = {lang: m for lang in LANGS for i in range(3)
           if (m := _misses(family, lang, layout, zlib.crc32(f"{layout}{family}{lang}{i}".encode())))}
    assert bad == {}


# --------------------------------------------------------------------------- hard cases

def test_forward_by_unknown_colleague_needs_confirmation() -> None:
    rng = random.Random(5)
    f = make_facts("return_request", "fr", rng)
    n = parse_message(render(f, "forwarded_by_colleague", rng), **PARSE_KW)
    assert n.kind is Kind.RETURN_REQUEST and n.order_id == f.order_id
    assert n.needs_confirmation and n.suspicious_reasons == []
    assert n.deadline == f.event + timedelta(hours=48)
    assert n.from_addr != COLLEAGUE  # the notice is Amazon's, the forwarder is only recorded


def test_forward_of_a_lookalike_by_a_colleague_stays_suspicious() -> None:
    rng = random.Random(6)
    f = make_facts("return_request", "fr", rng)
    raw = render(f, "forwarded_by_colleague", rng).replace(b"donotreply@amazon.com",
                                                            b"donotreply@amaz0n-seller.com")
    n = parse_message(raw, **PARSE_KW)
    assert n.kind is Kind.SUSPICIOUS and n.links == [] and not n.needs_confirmation


def test_return_not_authorized_automatically_is_pending() -> None:
    rng = random.Random(7)
    f = make_facts("return_request", "fr", rng)
    raw = render(f, "plain_colon", rng).replace(
        b"En attente de votre autorisation",
        "N'a pas été autorisée automatiquement".encode())
    assert parse_message(raw, **PARSE_KW).kind is Kind.RETURN_REQUEST


def _reply(body: str) -> bytes:
    return (
        "From: Claire <claire.martin@lumen-et-cie.fr>\r\nTo: assistant@lumen-et-cie.fr\r\n"
        "Subject: Re: [R-2026-0007] Demande de retour 405-1111111-2222222\r\n"
        "Date: Sat, 21 Nov 2026 10:00:00 +0100\r\nMessage-ID: <r1@lumen-et-cie.fr>\r\n"
        "In-Reply-To: <n1@lumen-et-cie.fr>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        + body).encode()


QUOTE = ("Le ven. 20 nov. 2026 à 18:02, sellerbot <assistant@lumen-et-cie.fr> a écrit :\n"
         "> Nouvelle demande de retour R-2026-0007 (commande 405-1111111-2222222).\n"
         "> Répondez AUTORISER pour l'autoriser, ou CLORE pour la clore.\n"
         "> FAIT\n")


def test_bottom_posted_command_is_read() -> None:
    n = parse_message(_reply(QUOTE + "\nAUTORISER\n\nClaire\n"), **PARSE_KW)
    assert n.kind is Kind.SELLER_COMMAND
    assert [c.name for c in n.commands] == ["authorize"]


def test_interleaved_commands_are_read_and_quoted_ones_ignored() -> None:
    body = ("Le ven. 20 nov. 2026 à 18:02, sellerbot <assistant@lumen-et-cie.fr> a écrit :\n"
            "> Nouvelle demande de retour R-2026-0007.\n> Répondez AUTORISER pour l'autoriser.\n"
            "AUTORISER\n> Ou CLORE pour la clore.\n> FAIT\n")
    n = parse_message(_reply(body), **PARSE_KW)
    assert [c.name for c in n.commands] == ["authorize"]


def test_only_quoted_commands_do_nothing() -> None:
    n = parse_message(_reply(QUOTE + "\nMerci !\n"), **PARSE_KW)
    assert n.commands == []


def test_top_posted_command_still_wins() -> None:
    n = parse_message(_reply("FAIT\n\n" + QUOTE), **PARSE_KW)
    assert [c.name for c in n.commands] == ["done"]


def test_drift_is_still_noticed() -> None:
    """A genuine return with no order id anywhere (body, subject, links) is unrecognized."""
    rng = random.Random(8)
    f = make_facts("return_request", "en", rng)
    raw = render(f, "plain_colon", rng).replace(f.order_id.encode(), b"(see Seller Central)")
    raw = b"\n".join(ln for ln in raw.split(b"\n") if b"https://" not in ln)  # links carry it too
    n = parse_message(raw, **PARSE_KW)
    assert n.kind is Kind.UNRECOGNIZED and "drift" in (n.error or "")


def test_stated_deadline_wins_in_a_return_request() -> None:
    rng = random.Random(9)
    f = make_facts("return_request", "fr", rng)
    raw = render(f, "plain_colon", rng).replace(
        "Un client a demandé le retour d'articles de votre commande.".encode(),
        "Un client a demandé le retour d'articles. Vous devez autoriser ou clôturer cette "
        "demande dans un délai de 3 jours.".encode())
    n = parse_message(raw, **PARSE_KW)
    assert n.kind is Kind.RETURN_REQUEST
    assert n.deadline == f.event + timedelta(hours=72) and n.deadline_source == "mail"
    assert n.to_json()["deadline_source"] == "mail"


CLOSED_BY_BUYER = {
    "fr": "La demande de retour a été clôturée par l'acheteur.",
    "en": "The return request was closed by the buyer.",
    "de": "Der Rücksendeantrag wurde vom Käufer geschlossen.",
    "it": "La richiesta di reso è stata chiusa dal cliente.",
    "es": "La solicitud de devolución ha sido cerrada por el comprador.",
}


@pytest.mark.parametrize("lang", sorted(CLOSED_BY_BUYER))
def test_closed_by_buyer_status_decides_the_kind(lang: str) -> None:
    from tests.layouts import PHRASES

    rng = random.Random(10)
    f = make_facts("return_request", lang, rng)
    raw = render(f, "plain_colon", rng)
    for key in ("pending", "pending_sentence", "ret_intro"):
        raw = raw.replace(PHRASES[lang][key].encode(), CLOSED_BY_BUYER[lang].encode())
    n = parse_message(raw, **PARSE_KW)
    assert n.kind is Kind.RETURN_CLOSED_BY_BUYER and n.order_id == f.order_id


def test_two_items_in_label_lines_and_in_a_header_row_table() -> None:
    """Items repeat their label block (plain) or a row (HTML): one Item each, in order."""
    head = ("From: Amazon <donotreply@amazon.com>\r\nTo: ventes@lumen-et-cie.fr\r\n"
            "Subject: Demande de retour pour la commande 402-1234567-7654321\r\n"
            "Date: Fri, 20 Nov 2026 09:00:00 +0000\r\nMessage-ID: <two@amazonses.com>\r\n"
            "X-Space-Notification-Type: RETURN_REQUEST\r\nX-Marketplace-ID: A13V1IB3VIYZZH\r\n")
    plain = ("Numéro de commande : 402-1234567-7654321\n\nProduit : Lampe A\nASIN : B0AAAAAAA1\n"
             "SKU vendeur : SKU-A\nQuantité retournée : 1\n\nProduit : Ampoule B\n"
             "ASIN : B0BBBBBBB2\nSKU vendeur : SKU-B\nQuantité retournée : 2\n")
    html = ("<ul><li>Numéro de commande : 402-1234567-7654321</li></ul><table><tr><th>Produit</th>"
            "<th>ASIN</th><th>SKU vendeur</th><th>Quantité retournée</th></tr>"
            "<tr><td>Lampe A</td><td>B0AAAAAAA1</td><td>SKU-A</td><td>1</td></tr>"
            "<tr><td>Ampoule B</td><td>B0BBBBBBB2</td><td>SKU-B</td><td>2</td></tr></table>")
    want = [("Lampe A", "B0AAAAAAA1", "SKU-A", 1), ("Ampoule B", "B0BBBBBBB2", "SKU-B", 2)]
    for ctype, body in (("plain", plain), ("html", html)):
        raw = (head + f"Content-Type: text/{ctype}; charset=utf-8\r\n\r\n" + body).encode()
        n = parse_message(raw, **PARSE_KW)
        assert [(i.title, i.asin, i.sku, i.qty) for i in n.items] == want, ctype


#: The `sellerbot parse --json` keys before issue 14 (the interface other tools read).
JSON_KEYS_BEFORE = {
    "kind", "marketplace", "marketplace_id", "language", "order_id", "return_request_id",
    "rma_id", "claim_id", "items", "reason", "reason_normalized", "customer_comment", "amount",
    "decision", "event_time", "deadline", "ship_by", "links", "suspicious_reasons", "command",
    "commands", "command_errors", "in_reply_to", "message_id", "subject", "from",
    "buyer_alias", "message_text", "tracking", "policy_status", "layout", "error"}


def test_parse_json_keeps_its_keys_and_adds_deadline_source() -> None:
    rng = random.Random(11)
    f = make_facts("return_request", "fr", rng)
    j = parse_message(render(f, "plain_colon", rng), **PARSE_KW).to_json()
    assert JSON_KEYS_BEFORE <= set(j)
    assert set(j) - JSON_KEYS_BEFORE == {"deadline_source", "needs_confirmation"}
    assert j["deadline_source"] == "rule"
