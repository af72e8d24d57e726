"""The daemon as systemd runs it: a subprocess, SIGTERM during a batch, SIGHUP with a broken
configuration. Waits are bounded polls of the SQLite file, never sleeps."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from timeshift import at, clock_env

from tests.test_intake import return_request
from tests.test_outbox_crash import run_once, write_config

pytestmark = pytest.mark.servers
NOW = at(2026, 11, 22, 9, 0)  # the daemons' clock starts here; the mails are dated before


def until(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    tick = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return True
        tick.wait(0.05)
    return predicate()


def count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # schema not created yet
        return 0


def start(config: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                            stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            env={k: v for k, v in clock_env(NOW).items()
                                 if k != "SELLERBOT_FAILPOINT"})


def test_sigterm_during_a_batch_stops_cleanly_and_loses_nothing(tmp_path: Path, dovecot,  # type: ignore[no-untyped-def]
                                                                smtp_sink, link_standin) -> None:
    config = write_config(tmp_path, dovecot, smtp_sink, link_standin)
    db = tmp_path / "state.db"
    daemon = start(config, tmp_path / "run.log")
    try:
        assert until(lambda: count(db, "select count(*) from sync_state") == 1)
        for n in range(60):
            dovecot.append(return_request(n, NOW - timedelta(minutes=60 - n)))
        assert until(lambda: count(db, "select count(*) from messages") >= 5)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=15) == 0, (tmp_path / "run.log").read_text()
    finally:
        if daemon.poll() is None:
            daemon.kill()
    again = run_once(config, start=NOW)
    assert again.returncode == 0, again.stderr
    assert count(db, "select count(*) from messages") == 60
    assert count(db, "select count(distinct message_id) from messages") == 60
    assert count(db, "select count(*) from cases") == 60
    assert count(db, "select count(*) from outbox where status != 'done' "
                     "and status != 'merged'") == 0
    sent = {m.message["Message-ID"] for m in smtp_sink.messages}
    assert len(sent) == count(db, "select count(*) from outbox where kind = 'email' "
                                  "and status = 'done'")


def test_sighup_with_a_broken_config_keeps_the_running_one(tmp_path: Path, dovecot,  # type: ignore[no-untyped-def]
                                                           smtp_sink, link_standin) -> None:
    config = write_config(tmp_path, dovecot, smtp_sink, link_standin)
    db = tmp_path / "state.db"
    log = tmp_path / "run.log"
    daemon = start(config, log)
    try:
        assert until(lambda: count(db, "select count(*) from sync_state") == 1)
        good = config.read_text()
        config.write_text(good.replace(f"port = {dovecot.port}", 'port = "imap"'))
        daemon.send_signal(signal.SIGHUP)
        assert until(lambda: "reload refused" in log.read_text()), log.read_text()
        assert "imap.port" in log.read_text()  # says which key is wrong
        assert daemon.poll() is None  # still running, on the old configuration
        dovecot.append(return_request(1, NOW - timedelta(minutes=5)))
        smtp_sink.wait_for(1, 20)
        config.write_text(good.replace('name = "Lumen & Co"', 'name = "Lumen et Cie"'))
        daemon.send_signal(signal.SIGHUP)
        assert until(lambda: "configuration and templates reloaded" in log.read_text())
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=15)
        finally:
            if daemon.poll() is None:
                daemon.kill()
