"""Shipments through the service (real SQLite, SMTP sink, stand-in; no IMAP): a shipment
recorded with Buy Shipping shows up in a later A-to-Z claim draft on the same order, with
whether it shipped on time; ship lists are sent once per slot and not at all when empty."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from timeshift import PARIS, at, shift_mail

from bot.edges.clock import FixedClock
from bot.edges.render import long_date
from bot.flows.orders_import import import_orders
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from tests.test_abuse import (
    CORPUS,
    SELLER,
    WAIT,
    make_service,
    parsed,
    rewrite,
    seller_reply,
)
from tests.test_shipping_e2e import order_mail

CLAIM_ORDER = "405-9051873-3386621"  # the order of corpus 09 (claim information request)
CLAIM_INFO = shift_mail((CORPUS / "09_fr_claim_info_requested.eml").read_bytes())
SHIP_DAY = at(2026, 11, 19, 12, tz=PARIS).date()  # two days before the claim mail (21/11)


def _paris(day_offset: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(SHIP_DAY + timedelta(days=day_offset), time(hour, minute), PARIS)


@pytest.mark.parametrize("ship_offset, on_time", [(0, True), (1, False)])
def test_claim_draft_says_buy_shipping_and_whether_it_shipped_on_time(
        tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn,
        ship_offset: int, on_time: bool) -> None:
    clock = FixedClock(_paris(0, 7))
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False})
    assert svc.ingest(order_mail(CLAIM_ORDER, ship_day=SHIP_DAY,
                                 sent=_paris(0, 6))) == "order"
    clock.set(_paris(ship_offset, 8))
    svc.tick()
    ship_list = parsed(smtp_sink.wait_for(1, WAIT)[0])
    assert CLAIM_ORDER in str(ship_list["Subject"])
    clock.advance(minutes=30)
    assert svc.ingest(seller_reply(ship_list, f"EXPÉDIÉ {CLAIM_ORDER} Colissimo "
                                              "6A12345678901 buy shipping",
                                   clock.now())) == "commands"
    svc.tick()
    answer = parsed(smtp_sink.wait_for(2, WAIT)[1]).get_body(("plain",)).get_content()
    assert "Étiquette achetée via Amazon (Buy Shipping) : c'est noté" in answer
    assert ("Amazon la comptera en retard" in answer) is not on_time
    stored = svc.store.order(CLAIM_ORDER)["data"]  # type: ignore[index]
    assert stored["buy_shipping"] is True
    assert stored["ship_date"] == (SHIP_DAY + timedelta(days=ship_offset)).isoformat()

    clock.set(at(2026, 11, 21, 11, 30))  # the claim information request arrives
    assert svc.ingest(CLAIM_INFO) == "case"
    svc.tick()
    mails = smtp_sink.wait_for(4, WAIT)
    draft = next(parsed(m) for m in mails if "Projet de réponse" in str(m.message["Subject"]))
    text = draft.get_body(("plain",)).get_content()
    assert "par Colissimo, numéro de suivi 6A12345678901" in text
    if on_time:
        assert "(Buy Shipping) et le colis a été expédié à temps" in text
        assert "après la date limite" not in text
    else:
        assert "(Buy Shipping) et le colis a été expédié à temps" not in text
        assert ("Attention : l'expédition a eu lieu après la date limite ; la protection Buy "
                "Shipping ne s'applique pas.") in text
    svc.store.close()


def test_no_list_without_orders_and_one_per_slot(tmp_path: Path, smtp_sink: SmtpSink,
                                                  link_standin: ActionLinkStandIn) -> None:
    clock = FixedClock(_paris(0, 8, 5))
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False})
    svc.tick()
    assert smtp_sink.messages == []  # nothing to ship: no mail
    # An order arriving after the morning slot waits for the 15:00 reminder.
    assert svc.ingest(order_mail(CLAIM_ORDER, ship_day=SHIP_DAY, sent=_paris(0, 9))) == "order"
    clock.set(_paris(0, 9, 30))
    svc.tick()
    assert smtp_sink.messages == []
    assert svc.next_wakeup() == _paris(0, 15)
    clock.set(_paris(0, 16))  # started late: only the latest slot is sent
    svc.tick()
    svc.tick()
    mails = smtp_sink.wait_for(1, WAIT)
    assert len(mails) == 1 and "Rappel expédition" in str(mails[0].message["Subject"])
    svc.store.close()


def test_out_of_stock_mail_goes_to_the_buyer_after_confirmation(
        tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn) -> None:
    """RUPTURE on an imported amazon.de order: the German cancellation mail is drafted, sent
    through the relay only after CONFIRMER <code>, and both answers link to the cancellation."""
    order, relay = "302-1111111-2222222", "q8w7e6r5t4@marketplace.amazon.de"
    clock = FixedClock(_paris(0, 7))
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False},
                       buyer={"sender": "ventes@lumen-et-cie.fr"})
    report = tmp_path / "orders.txt"
    ship_by = _paris(0, 23, 59).isoformat()
    report.write_text(
        "amazon-order-id\tpurchase-date\tsales-channel\tproduct-name\tsku\tquantity\tcurrency"
        "\titem-price\tbuyer-email\tlatest-ship-date\n"
        f"{order}\t{_paris(-1, 18).isoformat()}\tAmazon.de\tKlemmleuchte USB\tLMN-CLIP\t1\tEUR"
        f"\t19.90\t{relay}\t{ship_by}\n", encoding="utf-8")
    assert import_orders(svc.store, report, clock.now()).loaded == 1
    clock.set(_paris(0, 8))
    svc.tick()
    ship_list = parsed(smtp_sink.wait_for(1, WAIT)[0])
    assert order in str(ship_list["Subject"])

    clock.advance(minutes=10)
    assert svc.ingest(seller_reply(ship_list, f"RUPTURE {order}", clock.now())) == "commands"
    svc.tick()
    answer = parsed(smtp_sink.wait_for(2, WAIT)[1]).get_body(("plain",)).get_content()
    assert f"RUPTURE {order} : voici le message" in answer and "(dans sa langue : de)" in answer
    assert "Klemmleuchte USB" in answer  # the German template, with the order's item
    cancel = f"https://sellercentral.amazon.de/orders-v3/order/{order}/cancel-order"
    assert cancel in answer
    assert not any(relay in m.rcpt_tos for m in smtp_sink.messages)  # not before confirmation
    code = re.search(r"CONFIRMER ([0-9A-F]{6})", answer)
    assert code, answer

    clock.advance(minutes=5)
    assert svc.ingest(seller_reply(ship_list, f"CONFIRMER {code.group(1)}",
                                   clock.now())) == "commands"
    svc.tick()
    mails = smtp_sink.wait_for(4, WAIT)
    to_buyer = parsed(next(m for m in mails if relay in m.rcpt_tos))
    assert to_buyer["From"].addresses[0].addr_spec == "ventes@lumen-et-cie.fr"
    assert order in str(to_buyer["Subject"]) and to_buyer["Content-Language"] == "de"
    assert "Klemmleuchte USB" in to_buyer.get_body(("plain",)).get_content()
    to_seller = [m for m in mails if m.rcpt_tos == (SELLER,)]
    confirmed = parsed(to_seller[-1]).get_body(("plain",)).get_content()
    assert f"RUPTURE {order} : message envoyé à l'acheteur" in confirmed and cancel in confirmed
    # the code is spent: a second CONFIRMER sends nothing more
    clock.advance(minutes=5)
    assert svc.ingest(seller_reply(ship_list, f"CONFIRMER {code.group(1)}",
                                   clock.now())) == "commands"
    svc.tick()
    smtp_sink.wait_for(5, WAIT)
    assert sum(relay in m.rcpt_tos for m in smtp_sink.messages) == 1
    svc.store.close()


RELAY_13 = "k7f3m2xq9wd1bvz@marketplace.amazon.fr"  # corpus 13's buyer


def paris_long(dt: datetime) -> str:
    """The long date the notice writes (Paris time): a formatting helper, not the logic."""
    return long_date(dt, "fr", "Europe/Paris")


def _buyer_message(text: str) -> bytes:
    """Corpus 13 (a French buyer message) with other words from the buyer."""
    original = ("J'ai reçu les lanternes mardi mais l'une des deux ne se recharge pas,\n"
                "même après deux jours en plein soleil. Est-ce que vous pouvez m'en envoyer\n"
                "une autre ou dois-je faire un retour ? Je préférerais un échange.")

    def body(part: str, subtype: str) -> str:
        flat = " ".join(part.split())
        old = " ".join(original.split())
        assert old in flat or subtype == "html", subtype
        return flat.replace(old, text) if old in flat else part.replace("dois-je faire un "
                                                                        "retour", text)
    return rewrite(shift_mail((CORPUS / "13_fr_buyer_message.eml").read_bytes()), body)


def test_refund_asking_buyer_message_gets_the_advice_and_return_sends_the_template(
        tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn) -> None:
    clock = FixedClock(at(2026, 11, 22, 7, 42))
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False},
                       buyer={"sender": "ventes@lumen-et-cie.fr"})
    raw = _buyer_message("Le colis n'est jamais arrivé. Je veux être remboursée, ou je "
                         "vous retourne tout.")
    assert svc.ingest(raw) == "case"
    svc.tick()
    notice = parsed(smtp_sink.wait_for(1, WAIT)[0])
    text = notice.get_body(("plain",)).get_content()
    case = svc.store.cases_where("kind = 'message'", [])[0]
    assert case["data"]["claim_risks"] == ["not_received", "refund", "return"]
    deadline = datetime.fromisoformat(case["deadline"])
    assert "Risque de réclamation A à Z : l'acheteur dit ne pas avoir reçu sa commande ; " \
           "l'acheteur demande un remboursement ; l'acheteur veut retourner l'article." in text
    assert f"dans les 24 heures (avant le {paris_long(deadline)})" in text
    assert "REMBOURSER" in text and "répondez RETOUR" in text
    assert "aucun numéro de suivi enregistré pour cette commande" in text
    html = next(p.get_content() for p in notice.walk() if p.get_content_type() == "text/html")
    assert "Risque de réclamation A à Z" in html

    clock.advance(minutes=3)
    assert svc.ingest(seller_reply(notice, "RETOUR", clock.now())) == "commands"
    svc.tick()
    mails = smtp_sink.wait_for(3, WAIT)
    to_buyer = parsed(next(m for m in mails if RELAY_13 in m.rcpt_tos))
    body = to_buyer.get_body(("plain",)).get_content()
    assert "faire une demande de retour depuis votre compte Amazon" in body
    assert "405-1178254-6630917" in str(to_buyer["Subject"])
    answer = parsed(next(m for m in mails if m.rcpt_tos == (SELLER,) and
                         "Re:" in str(m.message["Subject"]))).get_body(("plain",)).get_content()
    assert "RETOUR : message envoyé à l'acheteur" in answer
    svc.store.close()


def test_shipped_and_authorize_in_one_reply_are_answered_together(
        tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn) -> None:
    """A reply that also asks for a link waits in the outbox (JSON) for the link's outcome:
    the shipment's result must survive that trip."""
    order = "405-2290417-6638150"  # corpus 02's return request
    clock = FixedClock(at(2026, 11, 22, 7, 42))
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False},
                       shipping={"enabled": False})
    late_day = (clock.now() - timedelta(days=2)).astimezone(PARIS).date()
    assert svc.ingest(order_mail(order, ship_day=late_day,
                                 sent=clock.now() - timedelta(days=3))) == "order"
    assert svc.ingest(shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes())
                      ) == "case"
    svc.tick()
    notice = parsed(smtp_sink.wait_for(1, WAIT)[0])
    clock.advance(minutes=2)
    assert svc.ingest(seller_reply(notice, f"AUTORISER\nEXPÉDIÉ {order} UPS "
                                           "1Z999AA10123456784", clock.now())) == "commands"
    svc.tick()
    link_standin.wait_for_hits(1, WAIT)
    svc.tick()
    answer = parsed(smtp_sink.wait_for(2, WAIT)[1]).get_body(("plain",)).get_content()
    assert "AUTORISER : fait" in answer
    assert f"EXPÉDIÉ {order} : enregistré (UPS 1Z999AA10123456784, clé de contrôle vérifiée)" \
        in answer
    assert f"expédition après la date limite ({long_date(end_of(late_day), 'fr', 'Europe/Paris')})" \
        in answer
    svc.store.close()


def end_of(day: object) -> datetime:
    return datetime.combine(day, time(23, 59, 59), PARIS)  # type: ignore[arg-type]
