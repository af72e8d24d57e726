"""The notice's command lines say what each command does in the configured links mode, and the
notice carries the facts of Amazon's mail that bear on the decision (policy check, case link).
Through the service, with a real SMTP sink and Seller Central stand-in."""

from __future__ import annotations

from pathlib import Path

import pytest

from timeshift import ref, shift_mail

from bot.edges.clock import FixedClock
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from tests.test_abuse import CORPUS, START, WAIT, make_service, parsed, seller_reply

RETURN = shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes())
MESSAGE = shift_mail((CORPUS / "13_fr_buyer_message.eml").read_bytes())


def _first_mail(tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn,
                raw: bytes, **sections: dict) -> tuple[str, object, FixedClock]:  # type: ignore[type-arg]
    clock = FixedClock(START)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False},
                       **sections)
    assert svc.ingest(raw) == "case"
    svc.tick()
    mail = parsed(smtp_sink.wait_for(1, WAIT)[0])
    return mail.get_body(("plain",)).get_content(), (svc, mail), clock


@pytest.mark.parametrize("mode", ["follow", "notify"])
def test_authorize_line_matches_what_authorize_does(mode: str, tmp_path: Path,
                                                    smtp_sink: SmtpSink,
                                                    link_standin: ActionLinkStandIn) -> None:
    links = {"mode": mode} if mode == "follow" else {"mode": mode, "stand_in": None}
    text, (svc, mail), clock = _first_mail(tmp_path, smtp_sink, link_standin, RETURN,
                                           links=links)
    line = next(x for x in text.splitlines() if x.strip().startswith("AUTORISER"))
    clock.advance(minutes=1)
    assert svc.ingest(seller_reply(mail, "AUTORISER", clock.now())) == "commands"  # type: ignore[attr-defined]
    svc.tick()  # type: ignore[attr-defined]
    answer = parsed(smtp_sink.wait_for(2, WAIT)[1]).get_body(("plain",)).get_content()
    if mode == "notify":
        assert "cliquez" in line and "FAIT" in line, line
        assert "Autoriser le retour : https://sellercentral.amazon.fr/" in text
        assert "cliquez sur ce lien" in answer and link_standin.hits == []
    else:
        assert "j'autorise le retour" in line, line
        assert "AUTORISER : fait" in answer and len(link_standin.hits) == 1


def test_return_notice_carries_policy_check_and_case_link(
        tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn) -> None:
    clock = FixedClock(START)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False},
                       policy={"return_shipping_cost": {"default": 6.5}})
    # Amazon's mail states no price: the imported order report's does (5 € < 6.50 € postage).
    svc.store.upsert_order("405-2290417-6638150", "amazon.fr", {
        "items": [{"sku": "LMN-STRIP-5M-RGB", "qty": 1,
                   "price": {"value": 5.0, "currency": "EUR"}}]}, clock.now())
    assert svc.ingest(RETURN) == "case"
    svc.tick()
    text = parsed(smtp_sink.wait_for(1, WAIT)[0]).get_body(("plain",)).get_content()
    assert "le retour coûterait plus cher que l'article" in text
    assert "Politique de retour : hors politique selon Amazon (« Hors politique de retour »)" \
        in text  # Amazon's own words too
    assert "Le dossier dans Seller Central : https://sellercentral.amazon.fr/" in text
    assert any(x.strip().startswith("GARDER") for x in text.splitlines()), text


def test_buyer_message_notice_offers_repondre(tmp_path: Path, smtp_sink: SmtpSink,
                                              link_standin: ActionLinkStandIn) -> None:
    text, _, _ = _first_mail(tmp_path, smtp_sink, link_standin, MESSAGE,
                             buyer={"sender": "ventes@lumen-et-cie.fr"})
    line = next(x for x in text.splitlines() if x.strip().startswith("RÉPONDRE"))
    assert "messagerie d'Amazon" in line, line


def test_a_buyers_earlier_returns_are_in_the_notice(tmp_path: Path, smtp_sink: SmtpSink,
                                                    link_standin: ActionLinkStandIn) -> None:
    from tests.test_abuse import return_request_for

    clock = FixedClock(START)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False})
    assert svc.ingest(RETURN) == "case"  # R-2026-0001, same buyer (buyerID in the links)
    later = return_request_for("405-0000000-0000002", START, "<later@amazon.fr>")
    assert svc.ingest(later) == "case"
    svc.tick()
    first, second = (parsed(m).get_body(("plain",)).get_content()
                     for m in smtp_sink.wait_for(2, WAIT)[:2])
    assert "Retours précédents" not in first
    assert f"Retours précédents de cet acheteur : 1 ({ref('R', 1)})" in second, second
