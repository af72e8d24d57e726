"""Seller commands beyond AUTORISER, through the service with a real SMTP sink and stand-in:
answers to buyers through the relay (and the guardrail), keep-item offers, REÇU and the refund
clock, refunds above the threshold with a confirmation code, claim drafts, digest numbers."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest
from timeshift import PARIS, at, paris, ref, shift_mail

from bot.edges.clock import FixedClock
from bot.edges.store import parse_iso
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from bot.app.service import Service
from tests.test_abuse import (CORPUS, SELLER, START, WAIT, make_service, parsed,
                              return_request_for, seller_reply)

RELAY = "k7f3m2xq9wd1bvz@marketplace.amazon.fr"
MESSAGE = shift_mail((CORPUS / "13_fr_buyer_message.eml").read_bytes())
RETURN = shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes())
CLAIM_INFO = shift_mail((CORPUS / "09_fr_claim_info_requested.eml").read_bytes())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def svc(tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn,
        clock: FixedClock) -> Service:
    return make_service(tmp_path, smtp_sink, link_standin, clock,
                        buyer={"sender": "ventes@lumen-et-cie.fr"},
                        digest={"enabled": False})


def _notice_for(svc: Service, smtp_sink: SmtpSink, raw: bytes, count: int = 1):  # type: ignore[no-untyped-def]
    assert svc.ingest(raw) == "case"
    svc.tick()
    return parsed(smtp_sink.wait_for(count, WAIT)[count - 1])


def _answer(svc: Service, smtp_sink: SmtpSink, notice, body: str, clock: FixedClock,  # type: ignore[no-untyped-def]
            count: int) -> str:
    clock.advance(minutes=1)
    assert svc.ingest(seller_reply(notice, body, clock.now())) == "commands"
    svc.tick()
    mails = smtp_sink.wait_for(count, WAIT)
    answer = [m for m in mails if m.rcpt_tos == (SELLER,) and "Re:" in str(m.message["Subject"])]
    return parsed(answer[-1]).get_body(("plain",)).get_content()


def test_reply_to_buyer_goes_through_the_relay_threaded(svc: Service, smtp_sink: SmtpSink,
                                                        clock: FixedClock) -> None:
    notice = _notice_for(svc, smtp_sink, MESSAGE)
    body = _answer(svc, smtp_sink, notice, "RÉPONDRE Bonjour Julie, je vous envoie une "
                   "nouvelle lanterne dès demain.", clock, 3)
    assert "message envoyé à l'acheteur" in body
    to_buyer = next(m for m in smtp_sink.messages if RELAY in m.rcpt_tos)
    msg = parsed(to_buyer)
    assert msg["From"].addresses[0].addr_spec == "ventes@lumen-et-cie.fr"
    assert msg["In-Reply-To"] == "<9544a9bdbb2f-987814@marketplace.amazon.fr>"
    assert "nouvelle lanterne" in msg.get_body(("plain",)).get_content()
    assert msg["Auto-Submitted"] is None  # a person's answer, not an automated mail
    case = svc.store.cases_where("kind = 'message'", [])[0]
    assert case["state"] == "message_replied"
    assert all(r["status"] != "pending" for r in svc.store.reminders(case["id"]))


def test_reply_with_its_own_greeting_is_sent_as_written(svc: Service, smtp_sink: SmtpSink,
                                                        clock: FixedClock) -> None:
    notice = _notice_for(svc, smtp_sink, MESSAGE)
    body = _answer(svc, smtp_sink, notice, "RÉPONDRE Bonjour Julie,\n\nje vous envoie une "
                   "nouvelle lanterne dès demain.\n\nBien cordialement,\nClaire", clock, 3)
    text = parsed(next(m for m in smtp_sink.messages if RELAY in m.rcpt_tos)) \
        .get_body(("plain",)).get_content()
    assert text.count("Bonjour") == 1 and text.lstrip().startswith("Bonjour Julie,"), text
    assert text.lower().count("cordialement") == 1, text
    # The confirmation comes after the send and shows the state after it.
    assert "message envoyé à l'acheteur" in body
    assert "répondu" in body and "en attente de réponse" not in body, body


def test_reply_refused_by_the_relay_is_answered_once_as_failed(
        svc: Service, smtp_sink: SmtpSink, clock: FixedClock) -> None:
    notice = _notice_for(svc, smtp_sink, MESSAGE)
    clock.advance(minutes=1)
    assert svc.ingest(seller_reply(notice, "RÉPONDRE Merci, c'est reparti.", clock.now())) \
        == "commands"
    smtp_sink.fail_next(1, code=550, stage="mail")  # the relay refuses the sender for good
    svc.tick()
    answers = [m for m in smtp_sink.wait_for(2, WAIT) if "Re:" in str(m.message["Subject"])]
    assert len(answers) == 1
    body = parsed(answers[0]).get_body(("plain",)).get_content()
    assert "n'a pas pu être remis" in body and "message envoyé" not in body, body
    assert "en attente de réponse" in body
    case = svc.store.cases_where("kind = 'message'", [])[0]
    assert case["state"] == "message_awaiting_reply"


def test_reply_without_greeting_gets_one(svc: Service, smtp_sink: SmtpSink,
                                         clock: FixedClock) -> None:
    notice = _notice_for(svc, smtp_sink, MESSAGE)
    _answer(svc, smtp_sink, notice, "RÉPONDRE je vous envoie une nouvelle lanterne.", clock, 3)
    text = parsed(next(m for m in smtp_sink.messages if RELAY in m.rcpt_tos)) \
        .get_body(("plain",)).get_content()
    assert text.lstrip().startswith("Bonjour") and "Cordialement" in text, text


def test_guardrail_blocks_a_review_request_and_says_why(svc: Service, smtp_sink: SmtpSink,
                                                        clock: FixedClock) -> None:
    notice = _notice_for(svc, smtp_sink, MESSAGE)
    body = _answer(svc, smtp_sink, notice, "RÉPONDRE Merci ! Laissez-nous un avis 5 étoiles "
                   "sur www.lumen-boutique.fr", clock, 2)
    assert "NON envoyé" in body
    assert not any(RELAY in m.rcpt_tos for m in smtp_sink.messages)
    case = svc.store.cases_where("kind = 'message'", [])[0]
    assert case["state"] == "message_awaiting_reply"  # still waiting: nothing was sent


def test_keep_item_without_relay_hands_the_text_to_paste(svc: Service, smtp_sink: SmtpSink,
                                                         clock: FixedClock) -> None:
    notice = _notice_for(svc, smtp_sink, RETURN)
    body = _answer(svc, smtp_sink, notice, "GARDER", clock, 2)
    assert "Copiez ce texte" in body
    assert "messaging/contact/returns" in body  # the return's contact-buyer link
    assert not any("marketplace.amazon" in r for m in smtp_sink.messages for r in m.rcpt_tos)


def test_received_starts_the_refund_clock(svc: Service, smtp_sink: SmtpSink,
                                          clock: FixedClock) -> None:
    notice = _notice_for(svc, smtp_sink, RETURN)
    _answer(svc, smtp_sink, notice, "FAIT", clock, 2)  # authorized in Seller Central
    body = _answer(svc, smtp_sink, notice, "REÇU", clock, 3)
    assert "REÇU : c'est noté" in body
    case = svc.store.cases_where("kind = 'return'", [])[0]
    assert case["state"] == "return_received"
    deadline = parse_iso(case["deadline"])
    assert deadline is not None and clock.now() < deadline <= clock.now() + timedelta(days=5)
    pending = [r for r in svc.store.reminders(case["id"]) if r["status"] == "pending"]
    assert pending, "the 2-business-day refund deadline gets reminders"


def test_refund_above_threshold_needs_the_confirmation_code(svc: Service, smtp_sink: SmtpSink,
                                                            clock: FixedClock) -> None:
    notice = _notice_for(svc, smtp_sink, RETURN)
    body = _answer(svc, smtp_sink, notice, "REMBOURSER 150,00 €", clock, 2)
    code = re.search(r"CONFIRMER ([0-9A-F]{6})", body)
    assert code, body
    case = svc.store.cases_where("kind = 'return'", [])[0]
    assert not [e for e in svc.store.events(case["id"]) if e["kind"] == "refund_requested"]
    wrong = _answer(svc, smtp_sink, notice, "CONFIRMER 000000", clock, 3)
    assert "code inconnu" in wrong
    right = _answer(svc, smtp_sink, notice, f"CONFIRMER {code.group(1)}", clock, 4)
    assert "remboursez 150.00" in right and "/orders-v3/order/405-2290417-6638150/" in right
    assert [e for e in svc.store.events(case["id"]) if e["kind"] == "refund_requested"]


def test_claim_information_request_brings_a_draft_to_paste(svc: Service,
                                                           smtp_sink: SmtpSink) -> None:
    assert svc.ingest(CLAIM_INFO) == "case"
    svc.tick()
    mails = smtp_sink.wait_for(2, WAIT)
    draft = next(parsed(m) for m in mails if "Projet de réponse" in str(m.message["Subject"]))
    assert "405-9051873-3386621" in str(draft["Subject"])
    text = draft.get_body(("plain",)).get_content()
    assert "405-9051873-3386621" in text
    assert "suivi" in text.lower()  # no tracking imported: the draft says what is missing


def test_digest_numbers_let_the_seller_act_on_several_cases(tmp_path: Path,
                                                            smtp_sink: SmtpSink,
                                                            link_standin: ActionLinkStandIn
                                                            ) -> None:
    start = at(2026, 11, 22, 8, 30, tz=PARIS)  # before the 09:00 digest, in any season
    clock = FixedClock(start)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock,
                       digest={"enabled": True, "time": "09:00"})
    for n in (1, 2):
        raw = return_request_for(f"405-229041{n}-663815{n}", start - timedelta(minutes=5),
                                 f"<rr-{n}@amazonses.com>")
        assert svc.ingest(raw) == "case"
    svc.tick()
    assert len(smtp_sink.wait_for(2, WAIT)) == 2  # two notices, no digest before 09:00
    clock.set(at(2026, 11, 22, 9, 0, tz=PARIS))
    svc.tick()
    digest = parsed(smtp_sink.wait_for(3, WAIT)[2])
    assert "2 dossiers" in str(digest["Subject"]) or "2 dossier" in str(digest["Subject"])
    ics = next(p for p in digest.walk() if p.get_content_type() == "text/calendar")
    calendar = icalendar.Calendar.from_ical(ics.get_payload(decode=True))
    assert len(calendar.walk("VEVENT")) == 2
    assert all(ev.walk("VALARM") for ev in calendar.walk("VEVENT"))
    svc.tick()
    assert len(smtp_sink.messages) == 3  # one digest a day

    assert svc.ingest(seller_reply(digest, "AUTORISER 1 2", clock.now())) == "commands"
    svc.tick()
    hits = link_standin.wait_for_hits(2, WAIT)
    assert {h.params["searchString"][0] for h in hits} == {"405-2290411-6638151",
                                                          "405-2290412-6638152"}
    answer = parsed(smtp_sink.wait_for(4, WAIT)[3]).get_body(("plain",)).get_content()
    assert answer.count("AUTORISER : fait") == 2
    assert f"[{ref('R', 1)}]" in answer and f"[{ref('R', 2)}]" in answer


def test_claim_on_an_order_with_an_open_return_links_both(svc: Service,
                                                          smtp_sink: SmtpSink) -> None:
    order = "405-9051873-3386621"  # the claim corpus mails' order
    raw = return_request_for(order, START - timedelta(hours=2), "<rr-claim@amazonses.com>")
    assert svc.ingest(raw) == "case"
    assert svc.ingest(shift_mail((CORPUS / "08_fr_claim_filed.eml").read_bytes())) == "case"
    assert svc.ingest(CLAIM_INFO) == "case"
    ret = svc.store.cases_where("kind = 'return'", [])[0]
    claim = svc.store.cases_where("kind = 'claim'", [])[0]
    assert claim["linked_case_id"] == ret["id"] and ret["linked_case_id"] == claim["id"]
    assert claim["state"] == "claim_info_requested"  # filed, then information requested
    assert "escalated" in [e["kind"] for e in svc.store.events(ret["id"])]
    assert len(svc.store.cases_where("kind = 'claim'", [])) == 1  # one claim, two mails


def test_buyer_cancellation_request_is_a_case_with_a_deadline(svc: Service,
                                                              smtp_sink: SmtpSink,
                                                              clock: FixedClock) -> None:
    raw = shift_mail((Path(__file__).parent / "fixtures" / "unseen" / "b01_fr_brc.eml").read_bytes())
    clock.set(at(2026, 11, 21, 19))
    notice = _notice_for(svc, smtp_sink, raw)
    assert "Demande d'annulation 405-8812093-1120394" in str(notice["Subject"])
    # 24 h after the request, Paris time
    assert f"{paris(at(2026, 11, 22, 18, 30)):%d/%m %H:%M}" in str(notice["Subject"])
    body = notice.get_body(("plain",)).get_content()
    assert "/orders-v3/order/405-8812093-1120394/cancel-order" in body
    answer = _answer(svc, smtp_sink, notice, "FAIT", clock, 2)
    assert "annulation traitée" in answer
    case = svc.store.cases_where("kind = 'order'", [])[0]
    assert case["state"] == "cancel_handled"


def test_away_mode_sends_mail_to_the_backup_too(tmp_path: Path, smtp_sink: SmtpSink,
                                                link_standin: ActionLinkStandIn) -> None:
    clock = FixedClock(START)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False},
                       policy={"away": [{"start": START.date() - timedelta(days=1),
                                         "end": START.date() + timedelta(days=3)}]})
    assert svc.ingest(RETURN) == "case"  # out of policy: not authorized, the seller is asked
    svc.tick()
    notice = smtp_sink.wait_for(1, WAIT)[0]
    assert set(notice.rcpt_tos) == {SELLER, "hugo.petit@lumen-et-cie.fr"}
    assert link_standin.hits == []


def test_auto_authorize_in_notify_mode_sends_the_link_and_keeps_reminders(
        tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn) -> None:
    svc = make_service(tmp_path, smtp_sink, link_standin, FixedClock(START),
                       digest={"enabled": False},
                       links={"mode": "notify", "stand_in": None},
                       policy={"auto_authorize": "all"})
    assert svc.ingest(RETURN) == "case"
    svc.tick()
    mail = parsed(smtp_sink.wait_for(1, WAIT)[0])
    assert "action=authorize" in mail.get_body(("plain",)).get_content()
    assert link_standin.hits == []  # notify mode never clicks
    case = svc.store.cases_where("kind = 'return'", [])[0]
    assert case["state"] == "return_requested"
    assert [r for r in svc.store.reminders(case["id"]) if r["status"] == "pending"]


def test_rate_limited_replies_are_still_executed(tmp_path: Path, smtp_sink: SmtpSink,
                                                 link_standin: ActionLinkStandIn) -> None:
    clock = FixedClock(START)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False},
                       bot={"max_replies_per_thread_per_hour": 1})
    notice = _notice_for(svc, smtp_sink, RETURN)
    _answer(svc, smtp_sink, notice, "STATUT", clock, 2)  # the one answer this hour
    clock.advance(minutes=1)
    assert svc.ingest(seller_reply(notice, "FAIT", clock.now())) == "commands"
    svc.tick()
    case = svc.store.cases_where("kind = 'return'", [])[0]
    assert case["state"] == "return_authorized"  # executed
    assert len(smtp_sink.messages) == 2  # but not answered


def test_a_backlog_of_50_commands_in_an_hour_is_answered_every_time(
        svc: Service, smtp_sink: SmtpSink, clock: FixedClock) -> None:
    notice = _notice_for(svc, smtp_sink, RETURN)
    for n in range(50):
        clock.advance(seconds=60)
        assert svc.ingest(seller_reply(notice, "STATUT", clock.now())) == "commands"
        svc.tick()
    answers = [m for m in smtp_sink.wait_for(51, WAIT) if m.rcpt_tos == (SELLER,)
               and "Re:" in str(m.message["Subject"])]
    assert len(answers) == 50
    assert not any("Limite atteinte" in parsed(m).get_body(("plain",)).get_content()
                   for m in answers)


def test_a_reply_loop_gets_one_mail_saying_the_limit_is_reached(
        tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn) -> None:
    clock = FixedClock(START)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False},
                       bot={"max_replies_per_thread_per_hour": 3})
    notice = _notice_for(svc, smtp_sink, RETURN)
    for body in ("STATUT", "STATUT", "STATUT", "STATUT", "FAIT"):
        clock.advance(minutes=1)
        assert svc.ingest(seller_reply(notice, body, clock.now())) == "commands"
        svc.tick()
    answers = [parsed(m).get_body(("plain",)).get_content() for m in smtp_sink.messages
               if "Re:" in str(m.message["Subject"])]
    assert len(answers) == 3, answers
    assert ["Limite atteinte" in a for a in answers] == [False, False, True]
    case = svc.store.cases_where("kind = 'return'", [])[0]
    assert case["state"] == "return_authorized"  # the silent FAIT was still executed


def test_numbers_outside_a_digest_are_explained(svc: Service, smtp_sink: SmtpSink,
                                                clock: FixedClock) -> None:
    notice = _notice_for(svc, smtp_sink, RETURN)
    body = _answer(svc, smtp_sink, notice, "AUTORISER 2", clock, 2)
    assert "récapitulatif quotidien" in body


def test_appeal_draft_is_dated_from_the_decision(svc: Service, smtp_sink: SmtpSink,
                                                 clock: FixedClock) -> None:
    clock.set(START + timedelta(days=1))  # read a few days after Amazon decided (18/11)
    raw = shift_mail((CORPUS / "10_fr_claim_decided_buyer_favour.eml").read_bytes())
    assert svc.ingest(raw) == "case"
    svc.tick()
    draft = next(parsed(m) for m in smtp_sink.wait_for(2, WAIT)
                 if "Projet d'appel" in str(m.message["Subject"]))
    text = draft.get_body(("plain",)).get_content()
    decided, read = paris(at(2026, 11, 18, 8, 12, 3)), paris(START + timedelta(days=1))
    assert f"{decided:%d/%m/%Y}" in text and f"{read:%d/%m/%Y}" not in text
