"""Intake on a real Dovecot: first-sync backfill, catch-up summary, UIDVALIDITY reset,
server restart during IDLE, triage on headers."""

from __future__ import annotations

import threading
import re
import sqlite3
from datetime import datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from timeshift import at, shift_mail

from bot.edges.clock import FixedClock
from bot.core.triage import is_candidate
from bot.app.daemon import Daemon
from tests.test_e2e_skeleton import WAIT, Running, make_settings

CORPUS = Path(__file__).parent / "corpus"
RETURN = shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes())
NOW = at(2026, 11, 22, 9, 0)


def return_request(n: int, when: datetime) -> bytes:
    """Corpus 02 with its own order id, Message-ID and date."""
    order = f"405-{2290000 + n:07d}-{6638000 + n:07d}"
    raw = RETURN.replace(b"405-2290417-6638150", order.encode())
    raw = re.sub(rb"Message-ID: <[^>]+>", f"Message-ID: <rr-{n}@amazonses.com>".encode(), raw)
    return re.sub(rb"\nDate: [^\n]+", f"\nDate: {format_datetime(when)}".encode(), raw)


def newsletter(n: int) -> bytes:
    return (f"From: Deals <news@shop-{n}.example>\nTo: ventes@lumen-et-cie.fr\n"
            f"Subject: Promo {n}\nMessage-ID: <news-{n}@shop.example>\n"
            f"List-Unsubscribe: <mailto:u@shop.example>\n\nBuy now.\n").encode()


@pytest.mark.servers
def test_first_sync_is_backfill_with_one_summary(tmp_path: Path, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                                 link_standin) -> None:
    settings = make_settings(tmp_path / "s.db", dovecot, smtp_sink, link_standin)
    for n in range(12):  # open: deadline after NOW
        dovecot.append(return_request(n, NOW - timedelta(hours=1 + n)))
    for n in range(3):   # history: deadline long past
        dovecot.append(return_request(100 + n, NOW - timedelta(days=20 + n)))
    for n in range(5):
        dovecot.append(newsletter(n))

    stats = Daemon(settings, FixedClock(NOW)).run_once()
    assert stats.by_status == {"case": 15, "ignored": 5}
    mails = smtp_sink.wait_for(1, WAIT)
    assert len(mails) == 1, "a first run sends one summary, not one mail per case"
    summary = mails[0].message
    assert "12 dossier(s)" in str(summary["Subject"])
    body = summary.get_body(("plain",)).get_content()
    assert body.count(f"R-{NOW.year}-") == 12
    with sqlite3.connect(tmp_path / "s.db") as conn:
        assert conn.execute("select count(*) from cases").fetchone()[0] == 15
        merged = conn.execute("select count(*) from outbox where status = 'merged'").fetchone()
        assert merged[0] == 12
        backfilled = conn.execute("select count(*) from events where kind = 'backfill'")
        assert backfilled.fetchone()[0] == 3
        pending = conn.execute("select count(distinct case_id) from reminders "
                               "where status = 'pending'").fetchone()[0]
        assert pending == 12  # every open case still gets its reminders

    # A second pass finds nothing new and sends nothing.
    Daemon(settings, FixedClock(NOW)).run_once()
    assert len(smtp_sink.messages) == 1


@pytest.mark.servers
def test_few_new_cases_get_individual_notices(tmp_path: Path, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                              link_standin) -> None:
    settings = make_settings(tmp_path / "s.db", dovecot, smtp_sink, link_standin)
    Daemon(settings, FixedClock(NOW)).run_once()  # empty mailbox: history starts now
    dovecot.append(return_request(1, NOW - timedelta(hours=1)))
    dovecot.append(return_request(2, NOW - timedelta(days=5)))  # arrived late: missed
    Daemon(settings, FixedClock(NOW)).run_once()
    subjects = sorted(str(m.message["Subject"]) for m in smtp_sink.wait_for(2, WAIT))
    assert any("ÉCHÉANCE DÉPASSÉE" in s and "405-2290002" in s for s in subjects)
    assert any(s.startswith("[Lumen-Bot] Demande de retour 405-2290001") for s in subjects)


@pytest.mark.servers
def test_uidvalidity_reset_processes_nothing_twice(tmp_path: Path, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                                   link_standin) -> None:
    settings = make_settings(tmp_path / "s.db", dovecot, smtp_sink, link_standin)
    Daemon(settings, FixedClock(NOW)).run_once()
    dovecot.append(return_request(1, NOW - timedelta(hours=1)))
    dovecot.append(newsletter(1))
    Daemon(settings, FixedClock(NOW)).run_once()
    assert len(smtp_sink.wait_for(1, WAIT)) == 1
    old = dovecot.uidvalidity()
    assert dovecot.recreate_folder("INBOX") != old

    stats = Daemon(settings, FixedClock(NOW)).run_once()
    assert stats.by_status.get("case", 0) == 0
    assert stats.by_status.get("duplicate", 0) == 1
    assert len(smtp_sink.messages) == 1
    with sqlite3.connect(tmp_path / "s.db") as conn:
        assert conn.execute("select count(*) from cases").fetchone()[0] == 1


@pytest.mark.servers
def test_dovecot_restart_during_idle(tmp_path: Path, dovecot, smtp_sink,  # type: ignore[no-untyped-def]
                                     link_standin) -> None:
    settings = make_settings(tmp_path / "s.db", dovecot, smtp_sink, link_standin)
    bot = Running(settings, FixedClock(NOW))
    try:
        dovecot.append(return_request(1, NOW - timedelta(minutes=5)))
        smtp_sink.wait_for(1, WAIT)
        dovecot.stop()
        dovecot.start()
        dovecot.append(return_request(2, NOW - timedelta(minutes=1)))
        second = smtp_sink.wait_for(2, 30)[1]
        assert "405-2290002" in str(second.message["Subject"])
        assert bot.daemon.wait_processed(2, WAIT)
        bot.daemon.wake()
        bot.settle()
        assert len(smtp_sink.messages) == 2
        assert bot.daemon.stats.processed == 2, "each message processed exactly once"
    finally:
        bot.stop()


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.glob("*.eml")
                                         if p.name != "15_ignore_newsletter.eml"))
def test_every_relevant_corpus_mail_survives_triage(name: str) -> None:
    raw = shift_mail((CORPUS / name).read_bytes())
    header = raw.split(b"\n\n", 1)[0] + b"\n\n"
    assert is_candidate(header, ("assistant@lumen-et-cie.fr",),
                        ("claire.martin@lumen-et-cie.fr",))


def test_unrelated_mail_is_triaged_out() -> None:
    assert not is_candidate(newsletter(1), ("assistant@lumen-et-cie.fr",), ())
    lookalike = b"From: Amaz0n Seller <alerts@amaz0n-seller.com>\nSubject: urgent\n\n"
    assert is_candidate(lookalike, (), ())  # lookalikes go to the full parser to be flagged
    reply = b"From: x@y.z\nTo: assistant+tok@lumen-et-cie.fr\nSubject: Re: hi\n\n"
    assert is_candidate(reply, ("assistant@lumen-et-cie.fr",), ())


@pytest.mark.servers
def test_processed_mail_is_left_in_place_by_default_or_moved(tmp_path: Path, dovecot,  # type: ignore[no-untyped-def]
                                                             smtp_sink, link_standin) -> None:
    lookalike = (b"From: Amazon Seller Central <alerts@amaz0n-seller.com>\n"
                 b"To: ventes@lumen-et-cie.fr\nSubject: Action requise : demande de retour\n"
                 b"Message-ID: <fake-1@amaz0n-seller.com>\n\nCliquez ici.\n")
    for raw in (return_request(1, NOW - timedelta(hours=1)), newsletter(1), lookalike):
        dovecot.append(raw)
    plain = make_settings(tmp_path / "a.db", dovecot, smtp_sink, link_standin)
    Daemon(plain, FixedClock(NOW)).run_once()
    client = dovecot.client()
    assert client.select_folder("INBOX")[b"EXISTS"] == 3  # left in place, \Seen untouched
    assert all(b"\\Seen" not in flags for flags in client.get_flags(client.search()).values())

    moving = make_settings(tmp_path / "b.db", dovecot, smtp_sink, link_standin,
                           imap={"move_processed_to": "Done", "quarantine_folder": "Quarantine"})
    Daemon(moving, FixedClock(NOW)).run_once()
    assert client.select_folder("INBOX")[b"EXISTS"] == 0
    assert client.select_folder("Done")[b"EXISTS"] == 2
    assert client.select_folder("Quarantine")[b"EXISTS"] == 1
    client.logout()


@pytest.mark.servers
def test_backfill_dry_run_then_real(tmp_path: Path, dovecot, smtp_sink, link_standin) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner

    from bot.app.cli import main

    for name in ("02_fr_return_request_multipart.eml", "08_fr_claim_filed.eml",
                 "13_fr_buyer_message.eml"):
        dovecot.append(shift_mail((CORPUS / name).read_bytes()))
    from tests.test_outbox_crash import write_config

    config = write_config(tmp_path, dovecot, smtp_sink, link_standin)
    db = tmp_path / "state.db"
    runner = CliRunner()
    dry = runner.invoke(main, ["backfill", "--config", str(config), "--since", "2026-01-01",
                               "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would be sent" in dry.output
    assert smtp_sink.messages == []
    assert not db.exists() or sqlite3.connect(db).execute(
        "select count(*) from sqlite_master where name = 'cases'").fetchone()[0] == 0

    real = runner.invoke(main, ["backfill", "--config", str(config), "--since", "2026-01-01"])
    assert real.exit_code == 0, real.output
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from cases").fetchone()[0] == 3
    again = runner.invoke(main, ["backfill", "--config", str(config), "--since", "2026-01-01"])
    assert again.exit_code == 0
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from cases").fetchone()[0] == 3
        assert conn.execute("select count(*) from messages").fetchone()[0] == 3


@pytest.mark.servers
def test_two_mailboxes_in_one_process(tmp_path: Path, dovecot, smtp_sink, link_standin) -> None:  # type: ignore[no-untyped-def]
    """[imap] plus an [[accounts]] entry (here another user of the same Dovecot)."""
    settings = make_settings(tmp_path / "two.db", dovecot, smtp_sink, link_standin)
    second = settings.imap.model_copy(update={"username": "other", "name": "amazon.de"})  # type: ignore[union-attr]
    settings = settings.model_copy(update={"accounts": [second]})
    bot = Running(settings, FixedClock(NOW))
    try:
        dovecot.append(return_request(1, NOW - timedelta(minutes=5)))
        dovecot.append(return_request(2, NOW - timedelta(minutes=4)), user="other")
        mails = smtp_sink.wait_for(2, WAIT)
        subjects = " ".join(str(m.message["Subject"]) for m in mails)
        assert "405-2290001" in subjects and "405-2290002" in subjects
        with sqlite3.connect(tmp_path / "two.db") as conn:
            accounts = {r[0] for r in conn.execute("select distinct account from messages")}
        assert accounts == {"seller@127.0.0.1", "other@127.0.0.1"}
    finally:
        bot.stop()


@pytest.mark.servers
def test_history_is_backfill_even_when_the_server_was_down_at_start(tmp_path: Path, dovecot,  # type: ignore[no-untyped-def]
                                                                    smtp_sink,
                                                                    link_standin) -> None:
    for n in range(12):
        dovecot.append(return_request(n, NOW - timedelta(hours=1 + n)))
    dovecot.stop()
    settings = make_settings(tmp_path / "late.db", dovecot, smtp_sink, link_standin)
    daemon = Daemon(settings, FixedClock(NOW))
    daemon.start()  # the catch-up fails: the server is down
    worker = threading.Thread(target=daemon.serve, daemon=True)
    worker.start()
    try:
        dovecot.start()
        assert daemon.ready.wait(60)
        summary = smtp_sink.wait_for(1, WAIT)[0]
        assert "12 dossier(s)" in str(summary.message["Subject"])
        assert daemon.barrier(WAIT)
        assert len(smtp_sink.messages) == 1, "history is summarized, not mailed case by case"
    finally:
        daemon.stop()
        worker.join(WAIT)
        daemon.close()


@pytest.mark.servers
def test_start_errors_are_one_clear_line(tmp_path: Path, dovecot, smtp_sink, link_standin,  # type: ignore[no-untyped-def]
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from bot.app.cli import main
    from tests.test_outbox_crash import write_config

    config = write_config(tmp_path, dovecot, smtp_sink, link_standin)
    text = config.read_text()
    monkeypatch.delenv("SB_NO_SUCH_PASSWORD", raising=False)
    config.write_text(text.replace(f'password = "{dovecot.password}"',
                                   'password_env = "SB_NO_SUCH_PASSWORD"'))
    runner = CliRunner()
    for args in (["check-config"], ["run", "--once"]):
        result = runner.invoke(main, [*args, "--config", str(config)])
        assert result.exit_code == 1, result.output
        assert "imap.password_env" in result.output and "SB_NO_SUCH_PASSWORD" in result.output
        assert "Traceback" not in result.output
    config.write_text(text.replace(f'password = "{dovecot.password}"', 'password = "wrong"'))
    result = runner.invoke(main, ["run", "--once", "--config", str(config)])
    assert result.exit_code == 1 and "IMAP login refused" in result.output, result.output
