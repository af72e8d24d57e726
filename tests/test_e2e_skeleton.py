"""Walking skeleton on real servers: Dovecot (IMAP IDLE), aiosmtpd sink, HTTP stand-in.

APPEND a French return request -> notice in the sink -> reminder when the injected clock
reaches it -> seller's AUTORISER reply APPENDed -> authorize link requested on the stand-in ->
confirmation in the sink, in the same thread. Time is a FixedClock; waits are on events.
"""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from timeshift import at, paris, ref, shift_mail

from bot.edges.clock import FixedClock
from bot.edges.config import Settings, settings_from_dict
from bot.app.daemon import AlreadyRunning, Daemon
from bot.edges.store import Store

pytestmark = pytest.mark.servers

CORPUS = Path(__file__).parent / "corpus"
SELLER = "claire.martin@lumen-et-cie.fr"
BOT = "assistant@lumen-et-cie.fr"
START = at(2026, 11, 22, 7, 42)  # 1 min after the request
DEADLINE = f"{paris(at(2026, 11, 24, 7, 41)):%d/%m %H:%M}"  # 48 h later, Paris time
WAIT = 15.0


def make_settings(db: Path, dovecot, smtp_sink, link_standin, **sections) -> Settings:  # type: ignore[no-untyped-def]
    data = {
        "seller": {"name": "Lumen & Co", "addresses": [SELLER],
                   "backup": "hugo.petit@lumen-et-cie.fr"},
        "bot": {"address": BOT, "name": "Assistant Retours Lumen", "database": str(db),
                "secret": "test-secret-0123456789", "subject_tag": "Lumen-Bot"},
        "imap": {"host": dovecot.host, "port": dovecot.port, "security": "none",
                 "username": dovecot.user, "password": dovecot.password},
        "smtp": {"host": smtp_sink.host, "port": smtp_sink.port, "security": "none"},
        "links": {"mode": "follow", "stand_in": link_standin.base_url},
        "reminders": {"quiet_hours": None},
        "digest": {"enabled": False},  # tests that want it turn it on
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return settings_from_dict(data, source="<test>")


class Running:
    """A daemon in this process: watcher threads + a worker thread."""

    def __init__(self, settings: Settings, clock: FixedClock) -> None:
        self.daemon = Daemon(settings, clock)
        self.daemon.start()
        self.worker = threading.Thread(target=self.daemon.serve, daemon=True)
        self.worker.start()
        assert self.daemon.ready.wait(WAIT), "IMAP watcher never completed a first sync"

    def settle(self) -> None:
        assert self.daemon.barrier(WAIT)

    def stop(self) -> None:
        self.daemon.stop()
        self.worker.join(WAIT)
        self.daemon.close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def settings(tmp_path: Path, dovecot, smtp_sink, link_standin) -> Settings:  # type: ignore[no-untyped-def]
    return make_settings(tmp_path / "state.db", dovecot, smtp_sink, link_standin)


@pytest.fixture
def running(settings: Settings, clock: FixedClock) -> Iterator[Running]:
    bot = Running(settings, clock)
    yield bot
    bot.stop()


def seller_reply(original: email.message.Message, body: str, when: datetime,
                 sender: str = SELLER) -> bytes:
    """A Thunderbird-style top-posted reply quoting sellerbot's mail."""
    quoted_src = original.get_body(("plain",))  # type: ignore[attr-defined]
    quoted = "\n".join("> " + line for line in quoted_src.get_content().splitlines())
    msg = EmailMessage()
    msg["From"] = f"Claire Martin <{sender}>"
    msg["To"] = str(original["Reply-To"])
    msg["Subject"] = "Re: " + str(original["Subject"])
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="lumen-et-cie.fr")
    msg["In-Reply-To"] = str(original["Message-ID"])
    msg["References"] = str(original["Message-ID"])
    msg.set_content(f"{body}\n\nClaire\n\nLe 22/11/2026 à 10:15, Assistant Retours Lumen "
                    f"a écrit :\n{quoted}\n")
    return msg.as_bytes()


def _message(captured) -> email.message.EmailMessage:  # type: ignore[no-untyped-def]
    return email.message_from_bytes(captured.raw, policy=email.policy.default)  # type: ignore[return-value]


def test_return_request_end_to_end(running: Running, dovecot, smtp_sink, link_standin,  # type: ignore[no-untyped-def]
                                   clock: FixedClock, settings: Settings) -> None:
    dovecot.append(shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes()))

    notice = _message(smtp_sink.wait_for(1, WAIT)[0])
    assert "405-2290417-6638150" in notice["Subject"]
    assert DEADLINE in notice["Subject"]  # hard deadline, Paris time
    assert notice["Auto-Submitted"] == "auto-generated"
    assert notice["Reply-To"].startswith(f"assistant+{ref('r', 1)}.")
    assert "AUTORISER" in notice.get_body(("plain",)).get_content()

    # The clock reaches the first reminder (deadline - 24 h): one reminder, in the thread.
    store = Store(settings.bot.database, readonly=True)
    first = store.next_reminder_at()
    assert first == at(2026, 11, 23, 7, 41, 9)
    clock.set(first + timedelta(seconds=1))
    running.daemon.wake()
    reminder = _message(smtp_sink.wait_for(2, WAIT)[1])
    assert reminder["Subject"].startswith("[Lumen-Bot] Rappel")
    assert f"6638150 – échéance {DEADLINE}" in reminder["Subject"]  # no space lost in folding
    assert reminder["In-Reply-To"] == notice["Message-ID"]

    # The seller answers AUTORISER; the quote repeats every command word and must be ignored.
    clock.advance(minutes=10)
    dovecot.append(seller_reply(reminder, "AUTORISER", clock.now()))
    hits = link_standin.wait_for_hits(1, WAIT)
    query = parse_qs(hits[0].query)
    assert hits[0].path == "/gp/returns/list/v2"
    assert query["action"] == ["authorize"]
    assert query["searchString"] == ["405-2290417-6638150"]

    confirmation = _message(smtp_sink.wait_for(3, WAIT)[2])
    running.settle()
    assert confirmation["In-Reply-To"] is not None
    assert confirmation["To"] == SELLER
    body = confirmation.get_body(("plain",)).get_content()
    assert "AUTORISER : fait" in body

    case = store.case_by_ref(ref("R", 1))
    assert case is not None and case["state"] == "return_authorized"
    events = [e["kind"] for e in store.events(case["id"])]
    assert "link_followed" in events
    followed = next(e for e in store.events(case["id"]) if e["kind"] == "link_followed")
    assert "action=authorize" in followed["reason"]
    assert '"status": 200' in followed["data"]
    # nothing else left: later reminders were cancelled with the case settled
    assert all(r["status"] != "pending" for r in store.reminders(case["id"]))
    assert len(smtp_sink.messages) == 3
    assert len(link_standin.hits) == 1
    store.close()


def test_restart_after_notice_sends_no_second_notice(dovecot, smtp_sink, link_standin,  # type: ignore[no-untyped-def]
                                                     clock: FixedClock,
                                                     settings: Settings) -> None:
    first = Running(settings, clock)
    dovecot.append(shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes()))
    smtp_sink.wait_for(1, WAIT)
    first.settle()
    first.stop()

    second = Running(settings, clock)
    try:
        second.settle()
        assert second.daemon.stats.processed == 0, "the notification was processed once"
        assert len(smtp_sink.messages) == 1, "restart must not resend the notice"
        # The reminder time passes while the daemon runs: it fires exactly once.
        clock.advance(hours=25)
        second.daemon.wake()
        smtp_sink.wait_for(2, WAIT)
        second.daemon.wake()
        second.settle()
        assert len(smtp_sink.messages) == 2
    finally:
        second.stop()


def test_reminder_due_while_down_goes_out_at_start(dovecot, smtp_sink, link_standin,  # type: ignore[no-untyped-def]
                                                   clock: FixedClock,
                                                   settings: Settings) -> None:
    first = Running(settings, clock)
    dovecot.append(shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes()))
    smtp_sink.wait_for(1, WAIT)
    first.stop()
    clock.advance(hours=30)  # two reminders (deadline-24 h and -6 h… ) due while down
    second = Running(settings, clock)
    try:
        reminder = _message(smtp_sink.wait_for(2, WAIT)[1])
        second.settle()
        assert "Rappel" in reminder["Subject"]
        assert len(smtp_sink.messages) == 2, "one reminder after downtime, not a burst"
    finally:
        second.stop()


def test_deadline_missed_while_down_gives_one_missed_notice(dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                                            link_standin, clock: FixedClock,
                                                            settings: Settings) -> None:
    first = Running(settings, clock)
    dovecot.append(shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes()))
    smtp_sink.wait_for(1, WAIT)
    first.stop()
    clock.advance(days=3)
    second = Running(settings, clock)
    try:
        missed = _message(smtp_sink.wait_for(2, WAIT)[1])
        second.daemon.wake()
        second.settle()
        assert "ÉCHÉANCE DÉPASSÉE" in missed["Subject"]
        assert "hugo.petit@lumen-et-cie.fr" in missed["To"]
        assert len(smtp_sink.messages) == 2
    finally:
        second.stop()


def test_second_instance_is_refused(running: Running, settings: Settings,
                                    clock: FixedClock) -> None:
    with pytest.raises(AlreadyRunning):
        Daemon(settings, clock).start()


@pytest.mark.parametrize("sender, token_ok, expect_reply", [
    ("mallory@evil.example", True, False),   # forged sender: refused, no answer (no backscatter)
    (SELLER, False, True),                   # allowlisted sender, no valid token: told why
])
def test_reply_failing_a_check_is_not_executed(running: Running, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                               link_standin, clock: FixedClock,
                                               sender: str, token_ok: bool,
                                               expect_reply: bool) -> None:
    dovecot.append(shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes()))
    notice = _message(smtp_sink.wait_for(1, WAIT)[0])
    if not token_ok:
        del notice["Reply-To"]
        notice["Reply-To"] = BOT
        del notice["Message-ID"]
        notice["Message-ID"] = "<not-ours@lumen-et-cie.fr>"
    dovecot.append(seller_reply(notice, "AUTORISER", clock.now(), sender=sender))
    assert running.daemon.wait_processed(2, WAIT)
    running.daemon.wake()
    running.settle()
    assert link_standin.hits == []
    if expect_reply:
        answer = _message(smtp_sink.wait_for(2, WAIT)[1])
        assert "Réponse refusée" in answer["Subject"]
    else:
        assert len(smtp_sink.messages) == 1


def test_smtp_intake_feeds_the_same_pipeline(tmp_path: Path, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                             link_standin, clock: FixedClock) -> None:
    import smtplib

    from bot.demo.sandbox import free_port

    port = free_port()
    settings = make_settings(tmp_path / "i.db", dovecot, smtp_sink, link_standin,
                             intake={"listen": f"127.0.0.1:{port}"})
    bot = Running(settings, clock)
    try:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.sendmail("donotreply@amazon.com", ["ventes@lumen-et-cie.fr"],
                            shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes()))
        notice = _message(smtp_sink.wait_for(1, WAIT)[0])
        assert "405-2290417-6638150" in notice["Subject"]
    finally:
        bot.stop()


def test_mailbox_unreadable_for_too_long_alerts_the_seller_once(tmp_path: Path, dovecot,  # type: ignore[no-untyped-def]
                                                                 smtp_sink, link_standin,
                                                                 clock: FixedClock) -> None:
    settings = make_settings(tmp_path / "w.db", dovecot, smtp_sink, link_standin,
                             bot={"watchdog_minutes": 1}, imap={"idle_renew_seconds": 30})
    bot = Running(settings, clock)
    try:
        dovecot.stop()
        bot.daemon.last_sync_ok = 0.0  # as if the last good sync was long ago
        bot.daemon._check_intake()
        bot.daemon._check_intake()  # still down: no second alert
        alert = _message(smtp_sink.wait_for(1, WAIT)[0])
        assert "ATTENTION" in alert["Subject"]
        assert "hugo.petit@lumen-et-cie.fr" in alert["To"]
        bot.settle()
        assert len(smtp_sink.messages) == 1
    finally:
        dovecot.start()
        bot.stop()
