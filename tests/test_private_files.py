"""Private by default (issue 15): every file sellerbot creates is 0600, even under umask 022.

Real processes on the real servers: the daemon (its database, -wal, -shm and lock while it
runs), `run --once --dry-run` (the copy and the mail written instead of sent), `evidence -o`
and `calendar -o`. `doctor` and `check-config` warn about a database others can read.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.test_abuse import return_request_for
from tests.test_outbox_crash import CLOCK_START, write_config
from tests.timeshift import clock_env

pytestmark = pytest.mark.servers

ROOT = Path(__file__).parent.parent
_PAUSE = threading.Event()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          timeout=60, check=False, umask=0o022, env=clock_env(CLOCK_START),
                          cwd=str(ROOT))


def test_files_are_0600_under_umask_022(tmp_path: Path, dovecot: Any, smtp_sink: Any,
                                         link_standin: Any) -> None:
    config = write_config(tmp_path, dovecot, smtp_sink, link_standin)
    db = tmp_path / "state.db"
    dovecot.append(return_request_for("405-9100000-0000001", CLOCK_START - timedelta(minutes=2), "<private-1@amazonses.com>"))
    log = open(tmp_path / "daemon.log", "wb")
    daemon = subprocess.Popen([sys.executable, "-m", "bot", "run", "--config", str(config)],
                              stdout=log, stderr=log, umask=0o022, env=clock_env(CLOCK_START),
                              start_new_session=True, cwd=str(ROOT))
    try:
        deadline = time.monotonic() + 60
        while b"watching " not in (tmp_path / "daemon.log").read_bytes():
            assert time.monotonic() < deadline and daemon.poll() is None, \
                (tmp_path / "daemon.log").read_text(errors="replace")
            _PAUSE.wait(0.05)
        smtp_sink.wait_for(1, timeout=30)
        running = {p: _mode(p) for p in (db, Path(f"{db}-wal"), Path(f"{db}-shm"),
                                         Path(f"{db}.lock"))}
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.wait(timeout=30)
        log.close()
    assert running == dict.fromkeys(running, 0o600), {str(p): oct(m) for p, m in running.items()}

    dry = tmp_path / "dry"
    out = _cli("run", "--once", "--config", str(config), "--dry-run", str(dry))
    assert out.returncode == 0, out.stderr
    dry_files = sorted(p for p in dry.iterdir() if p.is_file())
    assert dry / "dry-run-state.db" in dry_files
    assert {p.name: _mode(p) for p in dry_files} == {p.name: 0o600 for p in dry_files}

    from tests.timeshift import ref
    zip_path = tmp_path / "evidence.zip"
    out = _cli("evidence", "--config", str(config), "-o", str(zip_path), ref("R", 1))
    assert out.returncode == 0, out.stderr
    assert _mode(zip_path) == 0o600
    ics = tmp_path / "deadlines.ics"
    out = _cli("calendar", "--config", str(config), "-o", str(ics))
    assert out.returncode == 0, out.stderr
    assert _mode(ics) == 0o600 and ics.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert _mode(db) == 0o600


def test_doctor_and_check_config_warn_about_a_database_others_can_read(
        tmp_path: Path, dovecot: Any, smtp_sink: Any, link_standin: Any) -> None:
    config = write_config(tmp_path, dovecot, smtp_sink, link_standin)
    db = tmp_path / "state.db"
    assert _cli("run", "--once", "--config", str(config)).returncode == 0
    quiet = _cli("doctor", "--config", str(config))
    assert "database permissions" not in quiet.stdout
    os.chmod(db, 0o644)  # created by an older sellerbot, or copied around
    doctor = _cli("doctor", "--config", str(config))
    assert "WARN" in doctor.stdout and "database permissions" in doctor.stdout
    assert "0644" in doctor.stdout and f"chmod 600 {db}" in doctor.stdout
    check = _cli("check-config", "--config", str(config))
    assert "WARN" in check.stdout and "readable by others" in check.stdout, check.stdout
