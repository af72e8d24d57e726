"""`sellerbot doctor`: the local state: versions, database, sync, outbox, tokens, the lock."""

from __future__ import annotations

import fcntl
import importlib.metadata
import os
import platform
import sqlite3
import sys
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.app.ops.checks import CheckResult

PACKAGES = ("sellerbot", "imapclient", "aiosmtpd", "jinja2", "apscheduler", "sqlite-utils",
            "pydantic", "click", "authlib", "prometheus-client")


def _age(seconds: float) -> str:
    """A duration in the unit a person reads it in (s, min, h, d)."""
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _size(n: int) -> str:
    """A byte count in binary units."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def _lock_state(db_path: str) -> CheckResult:
    """Whether a daemon holds the lock beside the database (probed, never kept)."""
    path = Path(f"{db_path}.lock")
    if not path.exists():
        return CheckResult("daemon lock", True, f"{path}: no lock file (never ran here)",
                           warning=True)
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError as exc:
        return CheckResult("daemon lock", False, f"{path}: {exc.strerror}")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = os.pread(fd, 32, 0).decode(errors="replace").strip()
            if pid.isdigit() and not Path(f"/proc/{pid}").exists() and Path("/proc").is_dir():
                return CheckResult("daemon lock", True,
                                   f"held by a leftover process of sellerbot pid {pid}, which "
                                   "is gone: the next start ends it and takes the lock",
                                   warning=True)
            return CheckResult("daemon lock", True,
                               "held: a sellerbot is running" + (f" (pid {pid})" if pid else ""))
        fcntl.flock(fd, fcntl.LOCK_UN)
        return CheckResult("daemon lock", True, "free: no sellerbot daemon is running on this "
                           "database", warning=True)
    finally:
        os.close(fd)


def permission_check(db_path: str | Path) -> CheckResult | None:
    """A database (or its -wal/-shm) readable by others exposes buyer mails and addresses."""
    from bot.edges.store import exposed_mode

    exposed = [(p, m) for p in (Path(db_path), Path(f"{db_path}-wal"), Path(f"{db_path}-shm"))
               if (m := exposed_mode(p)) is not None]
    if not exposed:
        return None
    names = ", ".join(f"{p} is {m:04o}" for p, m in exposed)
    return CheckResult("database permissions", True,
                       f"{names}: buyer data readable by others; run "
                       f"`chmod 600 {' '.join(str(p) for p, _ in exposed)}`", warning=True)


def doctor(settings: Any, now: datetime, *, db_path: str | None = None) -> list[CheckResult]:
    """Local health: versions, database, sync, outbox, quarantine, cases, tokens, lock."""
    from bot.core.domain import OPEN_STATES

    results = _runtime_checks()
    db_path = db_path or settings.bot.database
    db = Path(db_path)
    if not db.exists():
        results.append(CheckResult("database", False, f"{db}: does not exist (created by "
                                   "`sellerbot run`)"))
        results.append(_lock_state(db_path))
        results += _oauth_checks(settings, now)
        return results
    size = sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())
    try:
        conn = sqlite3.connect(f"file:{db.resolve()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        results.append(CheckResult("database", False, f"{db}: cannot open: {exc}"))
        results.append(_lock_state(db_path))
        return results
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        results.append(_integrity_check(conn, db, size))
        if (perms := permission_check(db)) is not None:
            results.append(perms)
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        results.append(_migrations_check(conn, tables))
        if "sync_state" not in tables:
            return results + [_lock_state(db_path)] + _oauth_checks(settings, now)
        results += _sync_checks(conn, settings, now)
        results += _queue_checks(conn, OPEN_STATES)
        results += _seller_mail_check(conn, settings, now)
    except sqlite3.Error as exc:
        results.append(CheckResult("database", False, f"{db}: {exc}"))
    finally:
        conn.close()
    results += _oauth_checks(settings, now)
    results.append(_lock_state(db_path))
    return results


def _runtime_checks() -> list[CheckResult]:
    """The interpreter, the installed packages and SQLite's version."""
    results: list[CheckResult] = [
        CheckResult("python", sys.version_info >= (3, 11),
                    f"{platform.python_version()} ({sys.executable}) on {platform.platform()}")]
    versions = []
    missing = []
    for name in PACKAGES:
        try:
            versions.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    results.append(CheckResult("packages", not [m for m in missing if m != "sellerbot"],
                               ", ".join(versions)
                               + (f"; NOT INSTALLED: {', '.join(missing)}" if missing else ""),
                               warning=bool(missing)))
    results.append(CheckResult("sqlite", sqlite3.sqlite_version_info >= (3, 24),
                               f"SQLite {sqlite3.sqlite_version}"))
    return results


def _integrity_check(conn: sqlite3.Connection, db: Path, size: int) -> CheckResult:
    """SQLite's quick_check, the size on disk and the journal mode (WAL expected)."""
    journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
    check = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    healthy = check == ["ok"]
    return CheckResult(
        "database", healthy,
        f"{db} ({_size(size)}, journal_mode={journal}, quick_check "
        + ("ok)" if healthy else f"FAILED: {'; '.join(check[:3])})"),
        warning=journal != "wal")


def _migrations_check(conn: sqlite3.Connection, tables: set[str]) -> CheckResult:
    """Pending migrations are applied at the next start; unknown ones mean a newer sellerbot."""
    from bot.edges.store import MIGRATIONS

    applied = {r[0] for r in conn.execute("select name from _migrations")} \
        if "_migrations" in tables else set()
    pending = [name for name, _ in MIGRATIONS if name not in applied]
    unknown = sorted(applied - {name for name, _ in MIGRATIONS})
    return CheckResult(
        "migrations", not unknown,
        f"{len(applied)} applied"
        + (f"; pending {', '.join(pending)} (applied at next start)" if pending else "")
        + (f"; UNKNOWN {', '.join(unknown)}: database from a newer sellerbot" if unknown
           else ""), warning=bool(pending))


def _sync_checks(conn: sqlite3.Connection, settings: Any, now: datetime) -> list[CheckResult]:
    results = []
    rows = conn.execute("select account, folder, uidvalidity, last_uid, last_sync_at "
                        "from sync_state order by account, folder").fetchall()
    seen = set()
    for account, folder, uidvalidity, last_uid, last_sync_at in rows:
        seen.add(folder)
        age = ""
        if last_sync_at:
            at = datetime.fromisoformat(last_sync_at)
            if at.tzinfo is None:
                at = at.replace(tzinfo=timezone.utc)
            age = f", last change {last_sync_at} ({_age((now - at).total_seconds())} ago)"
        results.append(CheckResult(f"sync {folder}", True,
                                   f"{account}: UIDVALIDITY {uidvalidity}, last UID "
                                   f"{last_uid}{age}"))
    imap = getattr(settings, "imap", None)
    for folder in (imap.folders if imap is not None else []):
        if folder not in seen:
            results.append(CheckResult(f"sync {folder}", True, "never synced yet",
                                       warning=True))
    return results


def _queue_checks(conn: sqlite3.Connection, open_states: Iterable[Any]) -> list[CheckResult]:
    outbox = dict(conn.execute("select status, count(*) from outbox group by status").fetchall())
    waiting = {k: v for k, v in outbox.items() if k != "done"}
    bad = {k: v for k, v in waiting.items() if k in ("failed", "uncertain")}
    results = [CheckResult(
        "outbox", True,
        (", ".join(f"{k} {v}" for k, v in sorted(waiting.items())) or "nothing pending")
        + f" ({outbox.get('done', 0)} done)"
        + ("; see `sellerbot outbox`" if bad else ""), warning=bool(bad))]
    quarantined = conn.execute("select count(*) from quarantine").fetchone()[0]
    results.append(CheckResult("quarantine", True, f"{quarantined} message(s)",
                               warning=quarantined > 0))
    states = sorted(str(s) for s in open_states)
    marks = ",".join("?" * len(states))
    by_kind = conn.execute(f"select kind, count(*) from cases where state in ({marks}) "
                           "group by kind order by kind", states).fetchall()
    total = sum(n for _, n in by_kind)
    results.append(CheckResult("open cases", True, f"{total}"
                               + (f" ({', '.join(f'{k} {n}' for k, n in by_kind)})"
                                  if by_kind else "")))
    return results


def _seller_mail_check(conn: sqlite3.Connection, settings: Any, now: datetime
                       ) -> list[CheckResult]:
    """FAIL when no mail has reached the seller for `bot.smtp_alert_minutes` while some wait:
    deadlines are running and the seller does not know."""
    from bot.edges.store import SELLER_MAIL_DOWN_SINCE_SQL

    row = conn.execute(SELLER_MAIL_DOWN_SINCE_SQL).fetchone()
    if not row or not row[0]:
        return []
    since = datetime.fromisoformat(row[0])
    age = (now - since).total_seconds()
    error = conn.execute("select last_error from outbox where kind = 'email' and status = "
                         "'retrying' order by id desc limit 1").fetchone()
    down = age >= settings.bot.smtp_alert_minutes * 60
    return [CheckResult("seller mail", not down,
                        f"no mail reached the seller for {_age(age)}; last error: "
                        f"{error[0] if error else '?'}; fix [smtp], then SIGHUP the daemon or "
                        "run `sellerbot outbox retry --all`", warning=not down)]


def _oauth_checks(settings: Any, now: datetime) -> list[CheckResult]:
    from bot.edges.oauth import describe_token

    results = []
    done: set[str] = set()
    for name in ("imap", "smtp"):
        section = getattr(settings, name, None)
        oauth = getattr(section, "oauth2", None) if section is not None else None
        if oauth is None:
            continue
        path = str(oauth.token_file)
        if path in done:
            continue
        done.add(path)
        ok, detail = describe_token(path, now)
        results.append(CheckResult(f"oauth token ({name})", ok, detail))
    return results
