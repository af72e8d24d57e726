"""Ship on time, valid tracking (issue 19), on real servers: Dovecot, aiosmtpd sink, stand-in.

Three "Vendu, expédiez maintenant" mails APPENDed -> nothing before the morning -> one
morning list at 08:00 (SIGNATURE on the high-value ones) -> the seller's EXPÉDIÉ reply with an
invalid and a valid tracking number (one order per line) -> refused with the reason / recorded
-> the corrected line, recorded with the missing-signature warning -> at 15:00 one reminder
naming only the order still not shipped -> the next morning it is listed late, and its
shipment is recorded with the late warning.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from timeshift import PARIS, at, shift_mail

from bot.edges.clock import FixedClock
from bot.edges.config import Settings
from bot.edges.store import Store
from tests.test_abuse import rewrite
from tests.test_e2e_skeleton import WAIT, Running, make_settings, seller_reply

pytestmark = pytest.mark.servers

CORPUS = Path(__file__).parent / "corpus"
ORDER_MAIL = shift_mail((CORPUS / "14_fr_order_placed.eml").read_bytes())
A, B, C = "405-5529184-0713326", "405-5529184-0713327", "405-5529184-0713328"
START = at(2026, 11, 24, 7, 0, tz=PARIS)  # before the 08:00 list, in any season
SHIP_DAY = START.astimezone(PARIS).date()
SHIP_BY = datetime.combine(SHIP_DAY, time(23, 59, 59), PARIS)


def order_mail(order: str, unit_price: str = "19,90", ship_day: date = SHIP_DAY,
               sent: datetime = START - timedelta(hours=1)) -> bytes:
    """Corpus 14 for `order`, due to ship on `ship_day` (the test's shifted day): the ship-by
    date is written in the body, so it is rebuilt from the clock, not shifted by shift_mail."""
    def body(text: str, _subtype: str) -> str:
        text = text.replace("405-5529184-0713326", order)
        text = text.replace("Expédier avant le : 24 nov. 2026",
                            f"Expédier avant le : {ship_day:%d/%m/%Y}")
        return text.replace("19,90", unit_price)
    return rewrite(ORDER_MAIL, body, {"Message-ID": f"<order-{order}@amazonses.com>",
                                      "Date": email.utils.format_datetime(sent)})


def _message(captured) -> EmailMessage:  # type: ignore[no-untyped-def]
    return email.message_from_bytes(captured.raw, policy=email.policy.default)  # type: ignore[return-value]


def _text(msg: EmailMessage) -> str:
    return msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(tmp_path: Path, dovecot, smtp_sink, link_standin) -> Settings:  # type: ignore[no-untyped-def]
    return make_settings(tmp_path / "state.db", dovecot, smtp_sink, link_standin,
                         policy={"signature_threshold": {
                             "amazon.fr": {"amount": 30.0, "currency": "EUR"}}})


@pytest.fixture
def running(settings: Settings, clock: FixedClock) -> Iterator[Running]:
    bot = Running(settings, clock)
    yield bot
    bot.stop()


def _at_paris(day_offset: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(SHIP_DAY + timedelta(days=day_offset), time(hour, minute), PARIS)


def test_morning_list_shipped_reply_and_reminder(running: Running, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                                 clock: FixedClock, settings: Settings) -> None:
    for order, price in ((A, "19,90"), (B, "19,90"), (C, "9,90")):  # C: 19,80 € < 30 €
        dovecot.append(order_mail(order, price))
    assert running.daemon.wait_processed(3, WAIT)  # nothing is mailed: wait on the count
    running.settle()
    store = Store(settings.bot.database, readonly=True)
    for order in (A, B, C):
        stored = store.order(order)
        assert stored is not None, order
        assert datetime.fromisoformat(stored["data"]["ship_by"]) == SHIP_BY
    assert smtp_sink.messages == []  # orders are listed in the morning, not one mail each

    # 08:00: one list for the three orders, the high-value ones marked SIGNATURE.
    clock.set(_at_paris(0, 8))
    running.daemon.wake()
    morning = _message(smtp_sink.wait_for(1, WAIT)[0])
    subject = str(morning["Subject"])
    assert subject.startswith("[Lumen-Bot] À expédier aujourd'hui : ")
    assert A in subject and "et 2 autre(s)" in subject
    assert f"avant le {SHIP_BY:%d/%m} 23:59" in subject
    body = _text(morning)
    for order in (A, B, C):
        assert f"{order} (amazon.fr)" in body
        assert f"https://sellercentral.amazon.fr/orders-v3/order/{order}/confirm-shipment" in body
    assert body.count("– SIGNATURE") == 2
    line_c = next(line for line in body.splitlines() if line.startswith(f"- {C}"))
    assert "SIGNATURE" not in line_c
    running.daemon.wake()
    running.settle()
    assert len(smtp_sink.messages) == 1  # once a morning

    # EXPÉDIÉ once, then one order a line: A's UPS number has a wrong check digit.
    clock.advance(minutes=20)
    dovecot.append(seller_reply(morning, f"EXPÉDIÉ {A} UPS 1Z999AA10123456785\n"
                                         f"{B} Colissimo 6A12345678901 signature",
                                clock.now()))
    answer = _text(_message(smtp_sink.wait_for(2, WAIT)[1]))
    running.settle()
    assert f"EXPÉDIÉ {A} : NON enregistré : la clé de contrôle de « 1Z999AA10123456785 » " \
           "est fausse pour UPS" in answer
    assert f"https://sellercentral.amazon.fr/orders-v3/order/{A}/confirm-shipment" in answer
    assert f"EXPÉDIÉ {B} : enregistré (Colissimo 6A12345678901)." in answer
    assert f"confirmer l'expédition dans Seller Central (je ne peux pas le faire à votre " \
           f"place) : https://sellercentral.amazon.fr/orders-v3/order/{B}/confirm-shipment" \
           in answer
    assert "sans confirmation de signature" not in answer  # B ships with a signature
    assert not store.order(A)["data"].get("tracking")  # type: ignore[index]  # nothing recorded
    b = store.order(B)["data"]  # type: ignore[index]
    assert (b["carrier"], b["tracking"], b["signature"]) == ("Colissimo", "6A12345678901", True)
    assert b["ship_date"] == SHIP_DAY.isoformat()

    # The corrected line: recorded, check digit verified, but no signature on a 39,80 € order.
    clock.advance(minutes=5)
    dovecot.append(seller_reply(morning, f"SHIPPED {A} 1Z 999 AA1 01 2345 678 4", clock.now()))
    answer = _text(_message(smtp_sink.wait_for(3, WAIT)[2]))
    running.settle()
    assert f"EXPÉDIÉ {A} : enregistré (UPS 1Z999AA10123456784, clé de contrôle vérifiée)." \
        in answer
    assert "commande de valeur élevée enregistrée sans confirmation de signature" in answer
    assert store.order(A)["data"]["tracking"] == "1Z999AA10123456784"  # type: ignore[index]

    # 15:00: one reminder, for C only.
    clock.set(_at_paris(0, 15))
    running.daemon.wake()
    reminder = _message(smtp_sink.wait_for(4, WAIT)[3])
    assert str(reminder["Subject"]).startswith(f"[Lumen-Bot] Rappel expédition : {C} – avant le")
    text = _text(reminder)
    assert C in text and A not in text and B not in text

    # Next morning C is late; shipped now, it is recorded with the late warning.
    clock.set(_at_paris(1, 8, 30))
    running.daemon.wake()
    late = _message(smtp_sink.wait_for(5, WAIT)[4])
    text = _text(late)
    assert "EN RETARD (date limite dépassée) :" in text and C in text and A not in text
    clock.advance(minutes=5)
    dovecot.append(seller_reply(late, f"EXPÉDIÉ {C} GLS 12345678901", clock.now()))
    answer = _text(_message(smtp_sink.wait_for(6, WAIT)[5]))
    running.settle()
    assert f"EXPÉDIÉ {C} : enregistré (GLS 12345678901)." in answer
    assert "Amazon la comptera en retard" in answer
    assert len(smtp_sink.messages) == 6
    store.close()


def test_refund_asking_buyer_message_notice_on_dovecot(running: Running, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                                       clock: FixedClock) -> None:
    """A buyer message asking to be refunded, APPENDed to the real mailbox: the notice says
    what Amazon advises and when the 24 h run out (Paris time)."""
    from tests.test_shipping_flow import _buyer_message

    clock.set(at(2026, 11, 22, 7, 42))  # corpus 13 arrived minutes ago
    dovecot.append(_buyer_message("Bonjour, la lanterne ne marche pas : je voudrais être "
                                  "remboursée s'il vous plaît."))
    notice = _message(smtp_sink.wait_for(1, WAIT)[0])
    text = _text(notice)
    assert "405-1178254-6630917" in str(notice["Subject"])
    assert "Risque de réclamation A à Z : l'acheteur demande un remboursement." in text
    assert "remboursez sans attendre si la demande est fondée : REMBOURSER" in text
    assert "dans les 24 heures (avant le " in text and "week-ends compris" in text


def test_out_of_stock_on_dovecot_reaches_the_buyer_after_confirmation(  # type: ignore[no-untyped-def]
        tmp_path: Path, dovecot, smtp_sink, link_standin) -> None:
    """RUPTURE from the morning list: the buyer's relay alias comes from her earlier message on
    the same order; the cancellation mail leaves only after CONFIRMER <code>."""
    from tests.test_shipping_flow import RELAY_13

    order = "405-1178254-6630917"  # corpus 13's order
    day = at(2026, 11, 22, 12, tz=PARIS).date()
    clock = FixedClock(datetime.combine(day, time(7, 10), PARIS))
    settings = make_settings(tmp_path / "state.db", dovecot, smtp_sink, link_standin,
                             buyer={"sender": "ventes@lumen-et-cie.fr"})
    bot = Running(settings, clock)
    try:
        dovecot.append(shift_mail((CORPUS / "13_fr_buyer_message.eml").read_bytes()))
        smtp_sink.wait_for(1, WAIT)  # the message's notice
        dovecot.append(order_mail(order, ship_day=day,
                                  sent=datetime.combine(day, time(6, 0), PARIS)))
        assert bot.daemon.wait_processed(2, WAIT)
        bot.settle()
        clock.set(datetime.combine(day, time(8, 0), PARIS))
        bot.daemon.wake()
        ship_list = _message(smtp_sink.wait_for(2, WAIT)[1])
        assert order in str(ship_list["Subject"])

        clock.advance(minutes=5)
        dovecot.append(seller_reply(ship_list, f"RUPTURE {order}", clock.now()))
        draft = _text(_message(smtp_sink.wait_for(3, WAIT)[2]))
        code = re.search(r"répondez : CONFIRMER ([0-9A-F]{6})", draft)
        assert code, draft
        assert f"https://sellercentral.amazon.fr/orders-v3/order/{order}/cancel-order" in draft
        bot.settle()
        assert not any(RELAY_13 in m.rcpt_tos for m in smtp_sink.messages)

        clock.advance(minutes=5)
        dovecot.append(seller_reply(ship_list, f"CONFIRMER {code.group(1)}", clock.now()))
        mails = smtp_sink.wait_for(5, WAIT)
        bot.settle()
        to_buyer = _message(next(m for m in mails if RELAY_13 in m.rcpt_tos))
        assert str(to_buyer["Subject"]).startswith(f"Commande {order} : annulation")
        assert "n'est plus disponible" in _text(to_buyer)
        assert sum(RELAY_13 in m.rcpt_tos for m in smtp_sink.messages) == 1
    finally:
        bot.stop()
