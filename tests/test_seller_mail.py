"""Failed is not final for what the seller must know (issue 15), on a real SMTP server.

A sink that answers 535 (a rotated password, a provider hiccup) and then accepts: the notice
arrives once. Until then it waits as `retrying` (never `failed`), the operator is told where
they look (CRITICAL log, `doctor` non-zero, the metrics gauge), and a reload, a login that
works again or `sellerbot outbox retry` makes it due at once. Buyer answers and link requests
keep their at-most-once rules.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.edges.clock import FixedClock
from bot.edges.metrics import store_metrics
from bot.edges.store import Store
from bot.app.ops import doctor
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from bot.app.service import Origin, Service
from tests.test_abuse import return_request_for, service_settings
from tests.timeshift import at

pytestmark = pytest.mark.servers

USER, GOOD, BAD = "bot@lumen-et-cie.fr", "right-password", "rotated-away"
_PAUSE = threading.Event()


def _settings(tmp_path: Path, sink: SmtpSink, standin: ActionLinkStandIn, password: str
              ) -> Any:
    return service_settings(tmp_path / "state.db", sink, standin,
                            smtp={"username": USER, "password": password},
                            bot={"smtp_alert_minutes": 30}, digest={"enabled": False})


def _statuses(store: Store) -> list[str]:
    return [e["status"] for e in store.effects() if e["status"] not in ("released", "held")]


def test_535_then_accepting_delivers_once_and_tells_the_operator(
        tmp_path: Path, link_standin: ActionLinkStandIn, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    notify_dir = tempfile.mkdtemp(prefix="sb-notify-", dir="/tmp")  # AF_UNIX: a short path
    systemd = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    systemd.bind(f"{notify_dir}/notify")
    systemd.settimeout(0)
    monkeypatch.setenv("NOTIFY_SOCKET", f"{notify_dir}/notify")
    start = at(2026, 11, 22, 7, 42)
    clock = FixedClock(start)
    with SmtpSink(auth=(USER, GOOD)) as sink:
        settings = _settings(tmp_path, sink, link_standin, BAD)
        svc = Service(settings, Store(settings.bot.database), clock)
        svc.ingest(return_request_for("405-1111111-0000001", start - timedelta(minutes=1),
                                      "<rr1@amazon.fr>"), Origin("t", "INBOX", 1, 1))
        svc.tick()
        assert sink.messages == []
        assert _statuses(svc.store) == ["retrying"], "535 must not fail the notice for good"
        assert "535" in (svc.store.effects(("retrying",))[0]["last_error"] or "")

        # Hours of a wrong password: retried with backoff, never given up before the deadline.
        with caplog.at_level(logging.WARNING, logger="sellerbot"):
            for _ in range(12):
                clock.advance(timedelta(minutes=20))
                svc.tick()
        assert _statuses(svc.store) == ["retrying"]
        assert [r for r in caplog.records if r.levelno == logging.CRITICAL
                and "cannot be mailed" in r.getMessage()], "one CRITICAL line for the outage"
        assert len([r for r in caplog.records if r.levelno == logging.CRITICAL]) == 1
        status = []
        while True:
            try:
                status.append(systemd.recv(4096).decode())
            except BlockingIOError:
                break
        systemd.close()
        os.unlink(f"{notify_dir}/notify")
        os.rmdir(notify_dir)
        assert any(m.startswith("STATUS=CRITICAL: seller unreachable") for m in status), status
        checks = {r.name: r for r in doctor(settings, clock.now())}
        assert not checks["seller mail"].ok and "535" in checks["seller mail"].detail
        conn = sqlite3.connect(settings.bot.database)
        gauges = {m.name: m.samples for m in store_metrics(conn, clock.now())}
        conn.close()
        assert gauges["sellerbot_seller_unreachable_seconds"][0].value >= 30 * 60

        # The password is fixed and the config reloaded: due at once, not at the next backoff.
        svc = Service(_settings(tmp_path, sink, link_standin, GOOD), svc.store, clock)
        assert svc.rearm_seller_mail()
        svc.tick()
        assert len(sink.messages) == 1
        svc.tick()
        clock.advance(timedelta(hours=1))
        svc.tick()
        subjects = [str(m.message["Subject"]) for m in sink.messages]
        assert len({m.message["Message-ID"] for m in sink.messages}) == len(sink.messages)
        assert len([s for s in subjects if "405-1111111-0000001" in s]) >= 1
        first = sink.messages[0].message["Message-ID"]
        assert [m.message["Message-ID"] for m in sink.messages].count(first) == 1
        assert all(e["status"] == "done" for e in svc.store.effects()
                   if e["status"] not in ("released",))
        checks = {r.name: r for r in doctor(settings, clock.now())}
        assert "seller mail" not in checks
        svc.store.close()


def test_seller_mail_gives_up_only_after_its_deadline(tmp_path: Path,
                                                       link_standin: ActionLinkStandIn) -> None:
    start = at(2026, 11, 22, 7, 42)
    clock = FixedClock(start)
    with SmtpSink(auth=(USER, GOOD)) as sink:
        settings = _settings(tmp_path, sink, link_standin, BAD)
        svc = Service(settings, Store(settings.bot.database), clock)
        svc.ingest(return_request_for("405-1111111-0000002", start - timedelta(minutes=1),
                                      "<rr2@amazon.fr>"), Origin("t", "INBOX", 1, 1))
        svc.tick()
        notice = svc.store.effects(("retrying",))[0]
        deadline = datetime.fromisoformat(svc.store.case(notice["case_id"])["deadline"])
        clock.set(deadline - timedelta(minutes=1))
        svc.tick()
        assert svc.store.effects(("retrying",))[0]["id"] == notice["id"]
        clock.set(deadline + timedelta(hours=25))
        svc.tick()
        svc.tick()
        row = next(e for e in svc.store.effects() if e["id"] == notice["id"])
        assert row["status"] == "failed" and "deadline has passed" in row["last_error"]
        # by then the deadline reminder queued the missed-deadline notice, which keeps trying
        assert any(e["effect_key"].startswith("missed:")
                   for e in svc.store.effects(("pending", "retrying")))
        svc.store.close()


def _fresh_return(order: str, msgid: str) -> bytes:
    """A return request dated a minute before the suite's clock start (conftest sets
    SELLERBOT_CLOCK_START for every subprocess): news, not history."""
    return return_request_for(order, at(2026, 11, 22, 8, 59), msgid)


def _config(tmp_path: Path, dovecot: Any, sink: SmtpSink, password: str) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(f"""
[seller]
name = "Lumen & Co"
addresses = ["claire.martin@lumen-et-cie.fr"]

[bot]
address = "assistant@lumen-et-cie.fr"
database = "{tmp_path / 'state.db'}"
secret = "seller-mail-secret-0123456789"

[imap]
host = "{dovecot.host}"
port = {dovecot.port}
security = "none"
username = "{dovecot.user}"
password = "{dovecot.password}"

[smtp]
host = "{sink.host}"
port = {sink.port}
security = "none"
username = "{USER}"
password = "{password}"

[links]
mode = "notify"

[reminders]
quiet_hours = ""

[digest]
enabled = false
""", encoding="utf-8")
    return config


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          timeout=60, check=False)


def _outbox(config: Path) -> list[dict[str, Any]]:
    out = _cli("outbox", "--config", str(config), "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        _PAUSE.wait(0.1)


def test_run_once_535_then_outbox_retry_all(tmp_path: Path, dovecot: Any) -> None:
    with SmtpSink(auth=(USER, GOOD)) as sink:
        config = _config(tmp_path, dovecot, sink, BAD)
        dovecot.append(_fresh_return("405-2222222-0000001", "<once@amazon.fr>"))
        first = _cli("run", "--once", "--config", str(config))
        assert first.returncode == 0, first.stderr
        assert sink.messages == []
        rows = _outbox(config)
        assert [r["status"] for r in rows] == ["retrying"] and "535" in rows[0]["last_error"]
        refused = _cli("outbox", "retry", "--config", str(config), "999")
        assert refused.returncode != 0 and "no effect 999" in refused.stderr

        config = _config(tmp_path, dovecot, sink, GOOD)
        again = _cli("outbox", "retry", "--all", "--config", str(config))
        assert again.returncode == 0 and "1 mail(s) due again now" in again.stdout, again.stderr
        second = _cli("run", "--once", "--config", str(config))
        assert second.returncode == 0, second.stderr
        assert len(sink.messages) == 1, (second.stderr[-3000:], _outbox(config))
        assert _outbox(config) == []
        third = _cli("run", "--once", "--config", str(config))
        assert third.returncode == 0 and len(sink.messages) == 1


def test_daemon_sighup_resends_at_once_after_535(tmp_path: Path, dovecot: Any) -> None:
    with SmtpSink(auth=(USER, GOOD)) as sink:
        config = _config(tmp_path, dovecot, sink, BAD)
        log = open(tmp_path / "daemon.log", "wb")
        proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                                stdout=log, stderr=log, start_new_session=True)
        try:
            dovecot.append(_fresh_return("405-3333333-0000001", "<hup@amazon.fr>"))
            _wait(lambda: [r["status"] for r in _outbox(config)] == ["retrying"], 60,
                  "the notice to wait as retrying after 535")
            config = _config(tmp_path, dovecot, sink, GOOD)  # the password is fixed
            proc.send_signal(signal.SIGHUP)
            sink.wait_for(1, timeout=30)  # backoff would be 15 s or more; the reload is now
            _wait(lambda: _outbox(config) == [], 30, "the notice to be marked done")
            assert len(sink.messages) == 1
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
            log.close()
        assert len(sink.messages) == 1
