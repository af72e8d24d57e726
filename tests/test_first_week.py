"""A seller's first week, on real servers, from config.example.toml's MINIMAL part only.

The config is the example's MINIMAL part with the test servers filled in (Dovecot for the
mailbox, an aiosmtpd "MTA" with a login for sending). The MTA delivers mail for bot.address,
+tag included, into the seller's Dovecot INBOX — the alias routing the README asks for — so
the seller's replies travel the way they would in life: her SMTP -> bot.address+token ->
the watched mailbox -> the daemon. The daemon runs in this process on a FixedClock.

Walked: three notifications (return request, A-to-Z information request, buyer message), then
AUTORISER, FAIT, RÉPONDRE, a typo and 20 commands in an hour, each with its confirmation; the
buyer's answer goes out once, with one greeting. Then the same start with an auto-authorize
rule in the default links mode (notify): no mail claims an authorization that was not made.
"""

from __future__ import annotations

import email
import email.policy
import smtplib
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from bot.edges.clock import FixedClock
from bot.edges.config import load_settings
from bot.edges.store import Store, parse_iso
from bot.app.explain import explain_case
from bot.demo.sandbox import ReceivedMessage, SmtpSink
from tests.test_check_config import filled_minimal
from tests.test_e2e_skeleton import Running, seller_reply
from tests.timeshift import at, shift_mail

pytestmark = pytest.mark.servers

CORPUS = Path(__file__).parent / "corpus"
SELLER = "claire.martin@lumen-et-cie.fr"
BOT_LOCAL = "assistant"
RELAY = "k7f3m2xq9wd1bvz@marketplace.amazon.fr"
SMTP_LOGIN = ("assistant@lumen-et-cie.fr", "smtp-secret")
START = at(2026, 11, 22, 7, 42)  # a minute after the return request
WAIT = 20.0
RETURN_ORDER, CLAIM_ORDER, MESSAGE_ORDER = ("405-2290417-6638150", "405-9051873-3386621",
                                            "405-1178254-6630917")


def _parsed(m: ReceivedMessage) -> EmailMessage:
    return email.message_from_bytes(m.raw, policy=email.policy.default)  # type: ignore[return-value]


def _text(m: ReceivedMessage) -> str:
    return _parsed(m).get_body(("plain",)).get_content()  # type: ignore[union-attr]


class Week:
    """The daemon, the mailbox, the MTA and the seller's side of the conversation."""

    def __init__(self, tmp_path: Path, dovecot: Any, monkeypatch: pytest.MonkeyPatch,
                 **extra_sections: str) -> None:
        self.dovecot = dovecot

        def deliver(received: ReceivedMessage) -> None:
            if any(r.split("@")[0].split("+")[0] == BOT_LOCAL for r in received.rcpt_tos):
                dovecot.append(received.raw)  # alias + plus-addressing into the INBOX

        self.mta = SmtpSink(on_message=deliver, auth=SMTP_LOGIN).start()
        (tmp_path / "db").mkdir()
        config = filled_minimal(tmp_path, dovecot, self.mta)
        if extra_sections:
            config.write_text(config.read_text() + "".join(extra_sections.values()))
        monkeypatch.setenv("SELLERBOT_SECRET", "first-week-secret-0123456789")
        monkeypatch.setenv("SELLERBOT_IMAP_PASSWORD", dovecot.password)
        monkeypatch.setenv("SELLERBOT_SMTP_PASSWORD", SMTP_LOGIN[1])
        self.settings = load_settings(config)
        self.clock = FixedClock(START)
        self.bot = Running(self.settings, self.clock)

    def close(self) -> None:
        self.bot.stop()
        self.mta.stop()

    def wait(self, pred: Callable[[ReceivedMessage], bool]) -> ReceivedMessage:
        return self.mta.wait_for_match(pred, WAIT)

    def notice_for(self, order: str) -> EmailMessage:
        return _parsed(self.wait(lambda m: SELLER in m.rcpt_tos and order in
                                 str(_parsed(m)["Subject"]) and "Re:" not in
                                 str(_parsed(m)["Subject"])))

    def reply(self, original: EmailMessage, body: str) -> str:
        """The seller answers from her mail client through her SMTP; returns the answer."""
        self.clock.advance(minutes=2)
        msg = email.message_from_bytes(seller_reply(original, body, self.clock.now()),
                                       policy=email.policy.default)
        # A mail client encodes the long quoted lines (links) for the wire.
        msg.set_content(msg.get_content(), cte="quoted-printable")  # type: ignore[attr-defined]
        raw = msg.as_bytes().replace(b"\n", b"\r\n")  # smtplib sends bytes as they are
        reply_id = msg["Message-ID"]
        with smtplib.SMTP(self.mta.host, self.mta.port, timeout=10) as client:
            client.login(*SMTP_LOGIN)  # the MTA only relays for logged-in users
            client.sendmail(SELLER, [str(original["Reply-To"])], raw)
        answer = self.wait(lambda m: SELLER in m.rcpt_tos
                           and _parsed(m)["In-Reply-To"] == reply_id)
        return _text(answer)

    def case(self, order: str) -> dict[str, Any]:
        store = Store(self.settings.bot.database, readonly=True)
        try:
            return store.cases_where("order_id = ?", [order])[0]
        finally:
            store.close()


@pytest.fixture
def week(tmp_path: Path, dovecot: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Week]:
    w = Week(tmp_path, dovecot, monkeypatch)
    yield w
    w.close()


def test_first_week_from_the_minimal_example(week: Week) -> None:
    assert week.settings.links.effective_mode == "notify"  # the default a new seller gets
    for name in ("02_fr_return_request_multipart.eml", "09_fr_claim_info_requested.eml",
                 "13_fr_buyer_message.eml"):
        week.dovecot.append(shift_mail((CORPUS / name).read_bytes()))
    ret, claim, msg = (week.notice_for(o) for o in (RETURN_ORDER, CLAIM_ORDER, MESSAGE_ORDER))
    ret_text = ret.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "hors politique selon Amazon" in ret_text
    assert "Autoriser le retour : https://sellercentral.amazon.fr/" in ret_text
    assert "RÉPONDRE" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]

    # AUTORISER in notify mode does what its line in the notice said: the link, then FAIT.
    line = next(x for x in ret_text.splitlines() if x.strip().startswith("AUTORISER"))
    assert "cliquez" in line
    answer = week.reply(ret, "AUTORISER")
    assert "cliquez sur ce lien" in answer and "puis répondez FAIT" in answer
    assert week.case(RETURN_ORDER)["state"] == "return_requested"
    answer = week.reply(ret, "FAIT")
    assert "« retour autorisé »" in answer
    assert week.case(RETURN_ORDER)["state"] == "return_authorized"

    # RÉPONDRE with the seller's own greeting and sign-off: sent as written, once.
    answer = week.reply(msg, "RÉPONDRE Bonjour Julie,\n\nla lanterne de remplacement part "
                             "demain.\n\nBien cordialement,\nClaire")
    to_buyer = [m for m in week.mta.messages if RELAY in m.rcpt_tos]
    assert len(to_buyer) == 1
    buyer_text = _text(to_buyer[0])
    assert buyer_text.count("Bonjour") == 1 and buyer_text.lower().count("cordialement") == 1
    assert _parsed(to_buyer[0])["From"].addresses[0].addr_spec == "ventes@lumen-et-cie.fr"
    assert "message envoyé à l'acheteur" in answer and "répondu" in answer
    assert "en attente de réponse" not in answer
    assert week.case(MESSAGE_ORDER)["state"] == "message_replied"

    # A typo is answered with a suggestion, in French only; nothing is executed.
    answer = week.reply(claim, "FAIR")
    assert "Vouliez-vous dire FAIT" in answer and "Did you mean" not in answer
    assert week.case(CLAIM_ORDER)["state"] == "claim_info_requested"

    # 20 commands in an hour, each confirmed (the loop guard is not for a busy seller).
    for _ in range(20):
        answer = week.reply(claim, "STATUT")
        assert "STATUT : " in answer and "Limite atteinte" not in answer
    assert len([m for m in week.mta.messages if RELAY in m.rcpt_tos]) == 1  # still once


def test_auto_rule_in_notify_mode_never_claims_an_authorization(
        tmp_path: Path, dovecot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    week = Week(tmp_path, dovecot, monkeypatch,
                policy='\n[policy]\nauto_authorize_reasons = ["seller_fault"]\n')
    try:
        week.dovecot.append(shift_mail(
            (CORPUS / "02_fr_return_request_multipart.eml").read_bytes()))
        notice = week.notice_for(RETURN_ORDER)
        text = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "je vous recommande d'autoriser" in text and "répondez FAIT" in text
        case = week.case(RETURN_ORDER)
        assert case["state"] == "return_requested"
        store = Store(week.settings.bot.database, readonly=True)
        try:
            pending = [r for r in store.reminders(case["id"]) if r["status"] == "pending"]
            explained = "\n".join(explain_case(store, case["ref"]))
        finally:
            store.close()
        assert pending and "recommended (not done)" in explained
        # The next reminder still asks for the decision.
        week.clock.set(parse_iso(pending[0]["due_at"]) + timedelta(seconds=1))  # type: ignore[operator]
        week.bot.daemon.wake()
        week.wait(lambda m: "Rappel" in str(_parsed(m)["Subject"]))
        week.bot.settle()
        to_seller = [m for m in week.mta.messages if SELLER in m.rcpt_tos]
        for m in to_seller:
            words = f"{_parsed(m)['Subject']}\n{_text(m)}"
            for claim in ("autorisation envoyée", "Traité automatiquement", "AUTORISER : fait"):
                assert claim not in words, words
    finally:
        week.close()
