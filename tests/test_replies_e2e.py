"""Seller replies the way real mail clients write them, through Dovecot, to the daemon.

Each test: a return request arrives, the notice reaches the sink, a reply built like Gmail,
Outlook (HTML only), Apple Mail or an iPhone writes it is APPENDed, and the one answer
sellerbot sends (or does not send) is checked, with the link stand-in's hits.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import Callable
from datetime import timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from timeshift import shift_mail

from bot.edges.clock import FixedClock
from tests.test_e2e_skeleton import (BOT, CORPUS, SELLER, START, WAIT, Running, _message,
                                     make_settings)

pytestmark = pytest.mark.servers
GMAIL = "claire.lumen.boutique@gmail.com"


def _headers(notice: email.message.EmailMessage, sender: str, subject_prefix: str = "Re: ",
             message_id: str = "<reply-1@lumen-et-cie.fr>") -> str:
    return (f"From: Claire Martin <{sender}>\n"
            f"To: {notice['Reply-To']}\n"
            f"Subject: {subject_prefix}{notice['Subject']}\n"
            f"Date: {format_datetime(START + timedelta(hours=2))}\n"
            f"Message-ID: {message_id}\n"
            f"In-Reply-To: {notice['Message-ID']}\n"
            f"References: {notice['Message-ID']}\n"
            "MIME-Version: 1.0\n")


def gmail(notice: email.message.EmailMessage, command: str) -> bytes:
    return (_headers(notice, GMAIL) + 'Content-Type: multipart/alternative; boundary="b1"\n\n'
            "--b1\nContent-Type: text/plain; charset=UTF-8\n\n"
            f"{command}\n\nLe dim. 22 nov. 2026 à 08:41, Assistant Retours Lumen <{BOT}> a "
            "écrit :\n\n> Bonjour,\n> CLORE <motif> <texte>\n> FAIT\n>\n"
            "--b1\nContent-Type: text/html; charset=UTF-8\n\n"
            f'<div dir="ltr">{command}</div><br><div class="gmail_quote">'
            '<div class="gmail_attr">Le dim. 22 nov. 2026, Assistant a écrit :</div>'
            '<blockquote class="gmail_quote">CLORE x<br>FAIT</blockquote></div>\n'
            "--b1--\n").encode()


def outlook_html_only(notice: email.message.EmailMessage, command: str) -> bytes:
    return (_headers(notice, SELLER, "RE: ") +
            'Content-Type: text/html; charset="utf-8"\n\n'
            f'<html><body><div class="WordSection1"><p class="MsoNormal">{command}<o:p></o:p></p>'
            '<p class="MsoNormal">&nbsp;</p><div style="border:none;border-top:solid #E1E1E1 '
            '1.0pt"><p class="MsoNormal"><b>De&nbsp;:</b> Assistant Retours Lumen &lt;'
            f'{BOT}&gt;<br><b>Envoyé&nbsp;:</b> dimanche 22 novembre 2026 08:41<br>'
            '<b>À&nbsp;:</b> Claire Martin<br><b>Objet&nbsp;:</b> Rappel</p></div>'
            '<p class="MsoNormal">AUTORISER -&gt; autoriser<br>CLORE &lt;motif&gt;</p>'
            '</div></body></html>\n').encode()


def apple_mail(notice: email.message.EmailMessage, command: str) -> bytes:
    return (_headers(notice, SELLER) + "Content-Type: text/plain; charset=utf-8\n\n"
            f"{command}\n\n> Le 22 nov. 2026 à 08:41, Assistant Retours Lumen <{BOT}> a "
            "écrit :\n> \n> AUTORISER -> autoriser le retour\n").encode()


def iphone(notice: email.message.EmailMessage, command: str) -> bytes:
    return (_headers(notice, SELLER) + "Content-Type: text/plain; charset=utf-8\n\n"
            f"{command} \n\nEnvoyé de mon iPhone\n\n> Le 22 nov. 2026 à 08:41, Assistant "
            f"Retours Lumen <{BOT}> a écrit :\n> \n> CLORE\n").encode()


Style = Callable[[email.message.EmailMessage, str], bytes]


@pytest.fixture
def bot(tmp_path: Path, dovecot, smtp_sink, link_standin):  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path / "s.db", dovecot, smtp_sink, link_standin,
                             seller={"addresses": [SELLER, GMAIL]})
    running = Running(settings, FixedClock(START))
    yield running
    running.stop()


def _notice(dovecot, smtp_sink) -> email.message.EmailMessage:  # type: ignore[no-untyped-def]
    dovecot.append(shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes()))
    return _message(smtp_sink.wait_for(1, WAIT)[0])


@pytest.mark.parametrize("style", [gmail, outlook_html_only, apple_mail, iphone],
                         ids=lambda f: f.__name__)
def test_authorize_from_every_client(bot: Running, dovecot, smtp_sink, link_standin,  # type: ignore[no-untyped-def]
                                     style: Style) -> None:
    notice = _notice(dovecot, smtp_sink)
    dovecot.append(style(notice, "Autoriser"))
    hit = link_standin.wait_for_hits(1, WAIT)[0]
    assert "action=authorize" in hit.query
    answer = _message(smtp_sink.wait_for(2, WAIT)[1])
    assert answer["In-Reply-To"] == "<reply-1@lumen-et-cie.fr>"
    assert "AUTORISER : fait" in answer.get_body(("plain",)).get_content()
    bot.settle()
    assert len(smtp_sink.messages) == 2 and len(link_standin.hits) == 1


def test_done_and_snooze_in_one_reply(bot: Running, dovecot, smtp_sink, link_standin) -> None:  # type: ignore[no-untyped-def]
    notice = _notice(dovecot, smtp_sink)
    dovecot.append(apple_mail(notice, "REPORTER 3h\nFAIT"))
    answer = _message(smtp_sink.wait_for(2, WAIT)[1])
    body = answer.get_body(("plain",)).get_content()
    assert "REPORTER : prochain rappel" in body
    assert "FAIT : c'est noté" in body
    assert link_standin.hits == []


def test_command_only_in_quote_is_not_executed(bot: Running, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                               link_standin) -> None:
    notice = _notice(dovecot, smtp_sink)
    dovecot.append(apple_mail(notice, ""))  # nothing above the quote, AUTORISER inside it
    answer = _message(smtp_sink.wait_for(2, WAIT)[1])
    assert "aucune commande" in answer.get_body(("plain",)).get_content().lower()
    assert link_standin.hits == []


def test_unknown_word_gets_did_you_mean(bot: Running, dovecot, smtp_sink, link_standin) -> None:  # type: ignore[no-untyped-def]
    notice = _notice(dovecot, smtp_sink)
    dovecot.append(iphone(notice, "AUTORISR"))
    body = _message(smtp_sink.wait_for(2, WAIT)[1]).get_body(("plain",)).get_content()
    assert "AUTORISER" in body and "Vouliez-vous dire" in body
    assert link_standin.hits == []


def test_out_of_office_answer_to_a_notice_is_never_answered(bot: Running, dovecot,  # type: ignore[no-untyped-def]
                                                            smtp_sink, link_standin) -> None:
    notice = _notice(dovecot, smtp_sink)
    ooo = (_headers(notice, SELLER, "Réponse automatique : ", "<ooo-1@lumen-et-cie.fr>") +
           "Auto-Submitted: auto-replied\nX-Autoreply: yes\n"
           "Content-Type: text/plain; charset=utf-8\n\n"
           "Je suis absente jusqu'au 30 novembre.\nAUTORISER\n").encode()
    dovecot.append(ooo)
    assert bot.daemon.wait_processed(2, WAIT)
    bot.daemon.wake()
    bot.settle()
    assert len(smtp_sink.messages) == 1 and link_standin.hits == []


def test_bounce_of_a_notice_is_never_answered(bot: Running, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                              link_standin) -> None:
    notice = _notice(dovecot, smtp_sink)
    dsn = ("From: Mail Delivery System <MAILER-DAEMON@mx.lumen-et-cie.fr>\n"
           f"To: {BOT}\nSubject: Undelivered Mail Returned to Sender\n"
           "Message-ID: <dsn-1@mx.lumen-et-cie.fr>\nAuto-Submitted: auto-replied\n"
           "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
           'boundary="r"\n\n--r\nContent-Type: text/plain\n\nDelivery failed.\n'
           "--r\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx\n\n"
           f"Final-Recipient: rfc822; {SELLER}\nAction: failed\nStatus: 5.1.1\n\n"
           f"--r\nContent-Type: text/rfc822-headers\n\nMessage-ID: {notice['Message-ID']}\n"
           f"Subject: {notice['Subject']}\n\n--r--\n").encode()
    dovecot.append(dsn)
    assert bot.daemon.wait_processed(2, WAIT)
    bot.daemon.wake()
    bot.settle()
    assert len(smtp_sink.messages) == 1 and link_standin.hits == []


def test_expired_token_is_refused_and_explained(tmp_path: Path, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                                link_standin) -> None:
    settings = make_settings(tmp_path / "s.db", dovecot, smtp_sink, link_standin,
                             bot={"token_days": 1})
    clock = FixedClock(START)
    running = Running(settings, clock)
    try:
        notice = _notice(dovecot, smtp_sink)
        clock.advance(timedelta(days=2))  # past the token's life (reminders aside)
        dovecot.append(iphone(notice, "AUTORISER"))
        refused = smtp_sink.wait_for_match(
            lambda m: "Réponse refusée" in str(m.message["Subject"]), WAIT)
        assert "trop ancien" in _message(refused).get_body(("plain",)).get_content()
        running.settle()
        assert link_standin.hits == []
    finally:
        running.stop()


def test_replayed_reply_is_executed_once(bot: Running, dovecot, smtp_sink, link_standin) -> None:  # type: ignore[no-untyped-def]
    notice = _notice(dovecot, smtp_sink)
    reply = gmail(notice, "AUTORISER")
    dovecot.append(reply)
    smtp_sink.wait_for(2, WAIT)
    dovecot.append(reply)  # the very same message delivered again
    assert bot.daemon.wait_processed(3, WAIT)
    bot.daemon.wake()
    bot.settle()
    assert len(link_standin.hits) == 1
    assert len(smtp_sink.messages) == 2
