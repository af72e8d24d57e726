"""No orphans (issue 15): parse workers die with their daemon and never hold its lock; a lock
left held by a dead daemon's leftover process is reclaimed.

Real processes, real signals: `sellerbot run` as a subprocess over the private Dovecot and the
SMTP sink, killed with SIGKILL on its own pid only (not its process group: that is what a
crash, the OOM killer or a careless `kill -9` does), then started again.
"""

from __future__ import annotations

import logging
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app.daemon import InstanceLock
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from tests.test_abuse import return_request_for
from tests.test_outbox_crash import CLOCK_START, write_config
from tests.timeshift import clock_env

pytestmark = pytest.mark.servers

_PAUSE = threading.Event()  # never set: a bounded pause between polls
ROOT = Path(__file__).parent.parent


def _poll(predicate: Callable[[], bool], timeout: float, what: str, log: Path | None = None
          ) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{tail}")
        _PAUSE.wait(0.05)


def _state(pid: int) -> str | None:
    """The process's state letter, None once it is gone (a zombie counts as gone: it holds
    nothing, and in a container nobody may reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    state = stat.rsplit(")", 1)[1].split()[0]
    return None if state in ("Z", "X") else state


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
            out.append(int(entry.name))
    return out


def _count(db: Path, sql: str) -> int:
    import sqlite3
    if not db.exists():
        return 0
    conn = sqlite3.connect(db, timeout=30)
    try:
        return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0
    finally:
        conn.close()


class Daemon:
    """`python -m bot run`, killable on its own pid."""

    def __init__(self, config: Path, log: Path) -> None:
        self.log = log
        self._out = open(log, "ab")
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", "run", "--config",
                                      str(config)], env=clock_env(CLOCK_START),
                                     stdin=subprocess.DEVNULL, stdout=self._out,
                                     stderr=self._out, start_new_session=True, cwd=str(ROOT))

    def kill_main_only(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        finally:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._out.close()


def test_a_leftover_of_a_dead_daemon_holding_the_lock_is_reclaimed(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """What issue 15 saw once in ten kills: a forked worker of the killed daemon, PPID 1,
    still holding the lock. The next start ends it, says so, and runs."""
    db = tmp_path / "state.db"
    script = textwrap.dedent("""
        import os, sys, time
        from bot.app.daemon import InstanceLock
        InstanceLock(sys.argv[1]).acquire()
        child = os.fork()
        if child == 0:            # an old-style forked worker: inherits the locked descriptor
            os.close(1); os.close(2)
            time.sleep(120)
            os._exit(0)
        print(child, flush=True)
        os._exit(0)               # the daemon dies like kill -9, its worker lives on
    """)
    out = subprocess.run([sys.executable, "-c", script, str(db)], capture_output=True,
                         text=True, timeout=30, check=True, cwd=str(ROOT))
    orphan = int(out.stdout.strip())
    assert _state(orphan) is not None
    from bot.app.ops import _lock_state
    assert "leftover" in _lock_state(str(db)).detail  # what doctor shows meanwhile
    with caplog.at_level(logging.WARNING, logger="sellerbot.daemon"):
        lock = InstanceLock(str(db))
        lock.acquire()
    try:
        _poll(lambda: _state(orphan) is None, 10, "the leftover to be ended")
        assert any("reclaiming" in r.getMessage() and str(orphan) in r.getMessage()
                   for r in caplog.records), [r.getMessage() for r in caplog.records]
        assert Path(f"{db}.lock").read_text() == str(os.getpid())
    finally:
        lock.release()


def test_a_live_daemon_is_never_reclaimed(tmp_path: Path) -> None:
    from bot.app.daemon import AlreadyRunning
    db = tmp_path / "state.db"
    script = ("import sys, time\nfrom bot.app.daemon import InstanceLock\n"
              "InstanceLock(sys.argv[1]).acquire()\nprint('locked', flush=True)\n"
              "time.sleep(120)\n")
    holder = subprocess.Popen([sys.executable, "-c", script, str(db)], stdout=subprocess.PIPE,
                              text=True, cwd=str(ROOT))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        with pytest.raises(AlreadyRunning, match=f"pid {holder.pid}"):
            InstanceLock(str(db)).acquire()
        assert holder.poll() is None
    finally:
        holder.kill()
        holder.wait()


def _raws(first: int, n: int) -> list[bytes]:
    when = CLOCK_START - timedelta(minutes=2)
    return [return_request_for(f"405-{5500000 + k:07d}-{8800000 + k:07d}", when,
                               f"<orphan-{k}@amazonses.com>") for k in range(first, first + n)]


def _append(dovecot: Any, raws: list[bytes]) -> None:
    client = dovecot.client()
    try:
        for raw in raws:
            client.append("INBOX", raw)
    finally:
        client.logout()


def _kill_rounds(tmp_path: Path, dovecot: Any, smtp_sink: SmtpSink,
                 link_standin: ActionLinkStandIn, rounds: int, wave: int) -> None:
    rng = random.Random(15)
    db = tmp_path / "state.db"
    log = tmp_path / "daemon.log"
    config = write_config(tmp_path, dovecot, smtp_sink, link_standin)
    for n in range(rounds):
        starts = log.read_text(errors="replace").count("watching ") if log.exists() else 0
        daemon = Daemon(config, log)
        try:
            # the start succeeds: past the lock, the catch-up and into IDLE
            _poll(lambda: log.read_text(errors="replace").count("watching ") > starts
                  or daemon.proc.poll() is not None, 60, "the daemon to start", log)
            assert daemon.proc.poll() is None, log.read_text(errors="replace")[-3000:]
            base = _count(db, "select count(*) from messages")
            _append(dovecot, _raws(n * wave, wave))
            k = rng.randint(1, wave - 1)
            _poll(lambda: _count(db, "select count(*) from messages") >= base + k, 60,
                  f"{k} messages", log)
            workers = _children(daemon.proc.pid)
            assert workers, "parsing runs in worker processes"
            daemon.kill_main_only()
            # no orphan: every worker of the killed daemon is gone, none holds the lock
            _poll(lambda: all(_state(w) is None for w in workers), 10,
                  f"workers {workers} to die with their daemon", log)
        finally:
            if daemon.proc.poll() is None:
                daemon.stop()
    # quiescence: everything in, everything sent, once
    starts = log.read_text(errors="replace").count("watching ")
    daemon = Daemon(config, log)
    try:
        _poll(lambda: log.read_text(errors="replace").count("watching ") > starts, 60,
              "the last start", log)
        _poll(lambda: _count(db, "select count(*) from messages") >= rounds * wave
              and _count(db, "select count(*) from outbox where status in "
                             "('pending','retrying','held','inflight')") == 0, 60,
              "quiescence", log)
        workers = _children(daemon.proc.pid)
        assert daemon.stop() == 0
        _poll(lambda: all(_state(w) is None for w in workers), 10, "workers to stop", log)
    finally:
        if daemon.proc.poll() is None:
            daemon.stop()
    assert _count(db, "select count(distinct message_id) from messages") == rounds * wave
    assert _count(db, "select count(*) from messages") == rounds * wave
    assert _count(db, "select count(*) from cases") == rounds * wave
    assert _count(db, "select count(*) from outbox where status = 'failed'") == 0
    import sqlite3
    with sqlite3.connect(db) as conn:
        done = [r[0] for r in conn.execute("select message_id from outbox where kind = 'email' "
                                           "and status = 'done'")]
    sent = Counter(str(m.message["Message-ID"]).strip() for m in smtp_sink.messages)
    assert len(done) == len(set(done)) and set(sent) == set(done)
    # a mail is sent again only if the kill fell between SMTP's 250 and the commit
    assert sum(1 for c in sent.values() if c > 1) <= rounds


def test_kill_minus_9_of_the_daemon_leaves_no_worker_and_restarts(
        tmp_path: Path, dovecot: Any, smtp_sink: SmtpSink,
        link_standin: ActionLinkStandIn) -> None:
    _kill_rounds(tmp_path, dovecot, smtp_sink, link_standin, rounds=2, wave=8)


@pytest.mark.torture
def test_kill_minus_9_twenty_times_no_orphan_nothing_lost_or_doubled(
        tmp_path: Path, dovecot: Any, smtp_sink: SmtpSink,
        link_standin: ActionLinkStandIn) -> None:
    _kill_rounds(tmp_path, dovecot, smtp_sink, link_standin, rounds=20, wave=10)
