"""Operator checks: `sellerbot check-config --connect` and `sellerbot doctor`.

`check_connections` logs in to IMAP and SMTP exactly as the daemon would (same TLS modes,
certificate verification on) and lists the folders, but never sends or changes anything.
`doctor` looks at the local state: versions, database health, last sync per folder, outbox,
quarantine, open cases, OAuth token expiry and whether a daemon holds the lock.

No secret is ever put in a result: each detail is scrubbed of the password and token in use
(also in base64, as SASL would carry them) before it is returned.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import importlib.metadata
import os
import platform
import smtplib
import socket
import sqlite3
import ssl
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bot.edges.clock import SystemClock

__all__ = ["CheckResult", "check_connections", "check_imap", "check_reply_routing",
           "check_smtp", "config_problems", "doctor", "render_checks"]

PACKAGES = ("sellerbot", "imapclient", "aiosmtpd", "jinja2", "apscheduler", "sqlite-utils",
            "pydantic", "click", "authlib", "prometheus-client")
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str = ""
    warning: bool = False  # ok, but worth a look

    @property
    def label(self) -> str:
        if not self.ok:
            return "FAIL"
        return "WARN" if self.warning else "OK"


def render_checks(results: Iterable[CheckResult]) -> str:
    results = list(results)
    width = max((len(r.name) for r in results), default=0)
    lines = [f"{r.label:<4}  {r.name:<{width}}  {r.detail}".rstrip() for r in results]
    failed = sum(not r.ok for r in results)
    warned = sum(r.ok and r.warning for r in results)
    lines.append(f"{len(results)} check(s): {failed} failed, {warned} warning(s)")
    return "\n".join(lines)


def all_ok(results: Iterable[CheckResult]) -> bool:
    return all(r.ok for r in results)


class _Scrubber:
    """Removes secrets (and their SASL/base64 forms) from text shown to the operator."""

    def __init__(self, *secrets_: str | None) -> None:
        self.secrets = [s for s in secrets_ if s and len(s) >= 3]

    def add(self, secret: str | None) -> None:
        if secret and len(secret) >= 3:
            self.secrets.append(secret)

    def __call__(self, text: str) -> str:
        for s in self.secrets:
            for form in (s, base64.b64encode(s.encode()).decode()):
                text = text.replace(form, "***")
        return text


def _describe_exc(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        err = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) \
            else str(exc.smtp_error)
        return f"SMTP {exc.smtp_code} {err}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {exc.verify_message or exc}"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "timed out"
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if not isinstance(exc, OSError) else text


def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


# ---------------------------------------------------------------------------------------------
# IMAP
# ---------------------------------------------------------------------------------------------


def check_imap(host: str, port: int, security: str, username: str, *,
               password: str | None = None, token: Callable[[], str] | str | None = None,
               folders: Iterable[str] = ("INBOX",), optional_folders: Iterable[str] = (),
               timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None
               ) -> list[CheckResult]:
    """Connect, log in (password or XOAUTH2 token), list folders, check the configured ones."""
    import imapclient
    from imapclient.exceptions import IMAPClientError, LoginError

    scrub = _Scrubber(password, token if isinstance(token, str) else None)
    where = f"{host}:{port} ({security})"
    results: list[CheckResult] = []
    if security == "none" and host not in LOOPBACK:
        results.append(CheckResult("imap tls", True, f"{where}: no TLS, the login travels in "
                                   "clear text", warning=True))
    context = ssl_context or _tls_context()
    try:
        client = imapclient.IMAPClient(host, port=port, ssl=security == "ssl",
                                       ssl_context=context if security == "ssl" else None,
                                       timeout=timeout)
        if security == "starttls":
            client.starttls(context)
    except (IMAPClientError, OSError, ssl.SSLError) as exc:
        results.append(CheckResult("imap connect", False, scrub(f"{where}: {_describe_exc(exc)}")))
        return results
    try:
        results.append(CheckResult("imap connect", True, f"{where}"))
        try:
            if token is not None:
                access = token() if callable(token) else token
                scrub.add(access)
                client.oauth2_login(username, access)
                how = "XOAUTH2"
            else:
                client.login(username, password or "")
                how = "password"
        except LoginError as exc:
            hint = " (check the username and the password)" if token is None else \
                " (token refused: expired, revoked, or missing the IMAP scope)"
            results.append(CheckResult("imap login", False,
                                       scrub(f"{username} refused: {_describe_exc(exc)}{hint}")))
            return results
        except Exception as exc:  # noqa: BLE001 - OAuthError from the token source, too
            results.append(CheckResult("imap login", False, scrub(f"{username}: "
                                                                  f"{_describe_exc(exc)}")))
            return results
        caps = sorted(c.decode() for c in client.capabilities())
        results.append(CheckResult("imap login", True, f"{username} ({how})"))
        idle = "IDLE" in caps
        results.append(CheckResult("imap idle", True, "IDLE supported" if idle else
                                   "no IDLE: sellerbot will poll", warning=not idle))
        existing = {str(name) for _flags, _sep, name in client.list_folders()}
        wanted = list(dict.fromkeys(folders))
        missing = [f for f in wanted if f not in existing and
                   not (f.upper() == "INBOX" and "INBOX" in {e.upper() for e in existing})]
        if missing:
            results.append(CheckResult("imap folders", False,
                                       f"missing: {', '.join(missing)} (server has: "
                                       f"{', '.join(sorted(existing)[:20])})"))
        else:
            results.append(CheckResult("imap folders", True,
                                       f"{', '.join(wanted)} present ({len(existing)} on server)"))
        for extra in dict.fromkeys(f for f in optional_folders if f):
            if extra not in existing:
                results.append(CheckResult(f"imap folder {extra}", True,
                                           "does not exist yet: created at first use",
                                           warning=True))
    except (IMAPClientError, OSError, ssl.SSLError) as exc:
        results.append(CheckResult("imap session", False, scrub(_describe_exc(exc))))
    finally:
        try:
            client.logout()
        except (IMAPClientError, OSError, ssl.SSLError):
            pass
    return results


# ---------------------------------------------------------------------------------------------
# SMTP
# ---------------------------------------------------------------------------------------------


def check_smtp(host: str, port: int, security: str, username: str | None = None, *,
               password: str | None = None, token: Callable[[], str] | str | None = None,
               timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None
               ) -> list[CheckResult]:
    """EHLO, STARTTLS or implicit TLS, AUTH if a username is set; QUIT. Sends nothing."""
    from bot.edges.oauth import smtp_authenticate_xoauth2

    scrub = _Scrubber(password, token if isinstance(token, str) else None)
    where = f"{host}:{port} ({security})"
    results: list[CheckResult] = []
    if security == "none" and host not in LOOPBACK and username:
        results.append(CheckResult("smtp tls", True, f"{where}: no TLS, the login travels in "
                                   "clear text", warning=True))
    if security == "starttls" and port == 465:
        results.append(CheckResult("smtp tls", True, "port 465 normally wants security = "
                                   "\"ssl\" (implicit TLS)", warning=True))
    if security == "ssl" and port == 587:
        results.append(CheckResult("smtp tls", True, "port 587 normally wants security = "
                                   "\"starttls\"", warning=True))
    context = ssl_context or _tls_context()
    try:
        if security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        results.append(CheckResult("smtp connect", False, scrub(f"{where}: {_describe_exc(exc)}")))
        return results
    try:
        client.ehlo()
        if security == "starttls":
            if not client.has_extn("starttls"):
                results.append(CheckResult("smtp connect", False,
                                           f"{where}: server does not offer STARTTLS"))
                return results
            client.starttls(context=context)
            client.ehlo()
        results.append(CheckResult("smtp connect", True, where))
        if username:
            mechanisms = (client.esmtp_features.get("auth") or "").upper().split()
            try:
                if token is not None:
                    access = token() if callable(token) else token
                    scrub.add(access)
                    if mechanisms and "XOAUTH2" not in mechanisms:
                        results.append(CheckResult("smtp login", False,
                                                   f"server offers AUTH {' '.join(mechanisms)},"
                                                   " not XOAUTH2"))
                        return results
                    smtp_authenticate_xoauth2(client, username, access)
                    how = "XOAUTH2"
                else:
                    client.login(username, password or "")
                    how = "password"
            except smtplib.SMTPAuthenticationError as exc:
                hint = " (check the username and the password)" if token is None else \
                    " (token refused: expired, revoked, or SMTP AUTH disabled for the mailbox)"
                results.append(CheckResult("smtp login", False,
                                           scrub(f"{username} refused: {_describe_exc(exc)}"
                                                 f"{hint}")))
                return results
            except smtplib.SMTPNotSupportedError:
                results.append(CheckResult("smtp login", False,
                                           f"{where} offers no AUTH"
                                           + (" before STARTTLS" if security == "none" else "")))
                return results
            except Exception as exc:  # noqa: BLE001 - OAuthError from the token source, too
                results.append(CheckResult("smtp login", False,
                                           scrub(f"{username}: {_describe_exc(exc)}")))
                return results
            results.append(CheckResult("smtp login", True, f"{username} ({how})"))
        else:
            results.append(CheckResult("smtp login", True, "no username: sending without AUTH",
                                       warning=host not in LOOPBACK))
    except (OSError, smtplib.SMTPException) as exc:
        results.append(CheckResult("smtp session", False, scrub(_describe_exc(exc))))
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return results


# ---------------------------------------------------------------------------------------------
# from settings
# ---------------------------------------------------------------------------------------------


def _token_source(section: Any, now_fn: Callable[[], datetime]) -> Callable[[], str] | None:
    """A fresh-token callable if the section has `oauth2` configured (forward compatible: the
    settings may not have the field yet)."""
    from bot.edges.oauth import token_source_for

    return token_source_for(section, now_fn)


def _secret(section: Any, name: str) -> tuple[str | None, str | None]:
    """(password, error)."""
    from bot.edges.config import ConfigError

    try:
        return section.resolve_password(name), None
    except ConfigError as exc:
        return None, str(exc)


def check_connections(settings: Any, now_fn: Callable[[], datetime] | None = None
                      ) -> list[CheckResult]:
    """Log in to IMAP (and list folders) and SMTP as configured. Sends and changes nothing."""
    now_fn = now_fn or (SystemClock().now)
    results: list[CheckResult] = []
    mailboxes = settings.mailboxes() if hasattr(settings, "mailboxes") else \
        [m for m in (settings.imap,) if m is not None]
    if not mailboxes:
        results.append(CheckResult("imap", True, "not configured (mail arrives by SMTP intake)",
                                   warning=True))
    for imap in mailboxes:
        try:
            token = _token_source(imap, now_fn)
        except Exception as exc:  # noqa: BLE001 - OAuthError: bad oauth2 section
            results.append(CheckResult("imap login", False, f"oauth2: {exc}"))
        else:
            password, error = (None, None) if token else _secret(imap, "imap")
            if error:
                results.append(CheckResult("imap login", False, error))
            else:
                results += check_imap(
                    imap.host, imap.port, imap.security, imap.username, password=password,
                    token=token, folders=imap.folders,
                    optional_folders=[imap.move_processed_to, imap.quarantine_folder],
                    timeout=imap.timeout_seconds)
    smtp = settings.smtp
    try:
        token = _token_source(smtp, now_fn)
    except Exception as exc:  # noqa: BLE001
        results.append(CheckResult("smtp login", False, f"oauth2: {exc}"))
        return results
    password, error = (None, None) if token or not smtp.username else _secret(smtp, "smtp")
    if error:
        results.append(CheckResult("smtp login", False, error))
        return results
    results += check_smtp(smtp.host, smtp.port, smtp.security, smtp.username,
                          password=password, token=token, timeout=smtp.timeout_seconds)
    return results


def config_problems(settings: Any, source: str) -> list[str]:
    """Everything the daemon will need that the file alone cannot prove, all at once: every
    secret, the database folder, the approved buyer sender. One line per problem."""
    from bot.edges.config import ConfigError

    problems: list[str] = []
    try:
        settings.secret_key()
    except ConfigError as exc:
        text = str(exc)
        problems.append(text if text.startswith(source) else f"{source}: {text}")
    labels = (["imap"] if settings.imap else []) + \
        [f"accounts[{i}]" for i in range(len(settings.accounts))]
    sections = [(label, box, "imap") for label, box in zip(labels, settings.mailboxes())]
    sections.append(("smtp", settings.smtp, "smtp"))
    for label, section, kind in sections:
        if getattr(section, "oauth2", None) is not None:
            continue  # a token file, checked by --connect
        if kind == "smtp" and not section.username:
            continue  # no login
        try:
            password = section.resolve_password(label)
        except ConfigError as exc:
            problems.append(f"{source}: {exc}")
            continue
        if password is None:
            problems.append(f"{source}: {label}: no password (set password_env, "
                            "password_command or password)")
    database = Path(settings.bot.database).expanduser()
    folder = database.parent if str(database.parent) else Path(".")
    if not folder.is_dir():
        problems.append(f"{source}: bot.database: folder {folder} does not exist "
                        f"(create it: mkdir -p {folder})")
    elif not os.access(folder, os.W_OK | os.X_OK):
        problems.append(f"{source}: bot.database: folder {folder} is not writable by this "
                        "user (SQLite also writes its -wal and -shm files there)")
    elif database.exists() and not os.access(database, os.W_OK):
        problems.append(f"{source}: bot.database: {database} is not writable by this user")
    buyer = settings.buyer
    if buyer.answers and not buyer.sender:
        problems.append(f"{source}: buyer.sender: not set, so RÉPONDRE and GARDER cannot reach "
                        "buyers. Set it to the address you approved in Seller Central "
                        "(Settings > Notification preferences > Approved senders), or set "
                        "buyer.answers = false to get the text to paste instead")
    return problems


def _imap_login(box: Any, now_fn: Callable[[], datetime]) -> Any:
    import imapclient

    client = imapclient.IMAPClient(box.host, port=box.port, ssl=box.security == "ssl",
                                   ssl_context=_tls_context() if box.security == "ssl"
                                   else None, timeout=box.timeout_seconds)
    if box.security == "starttls":
        client.starttls(_tls_context())
    token = _token_source(box, now_fn)
    if token is not None:
        client.oauth2_login(box.username, token())
    else:
        client.login(box.username, box.resolve_password("imap") or "")
    return client


def check_reply_routing(settings: Any, timeout: float = 60.0,
                        now_fn: Callable[[], datetime] | None = None,
                        wait: Callable[[float], Any] | None = None) -> list[CheckResult]:
    """Does mail to the bot's reply address land in a watched mailbox? Sends one probe to a
    reply address shaped like the real ones (bot.address plus a +tag) through the configured
    SMTP, looks for it in every watched folder until `timeout`, then deletes it."""
    import threading
    from email.message import EmailMessage
    from email.utils import format_datetime

    from bot.core.tokens import reply_address
    from bot.edges import mailer

    now_fn = now_fn or (SystemClock().now)
    wait = wait or threading.Event().wait
    bot_address = settings.bot.address
    probe_id = "probe-" + os.urandom(6).hex()
    to = reply_address(bot_address, probe_id)
    msg = EmailMessage()
    msg["From"] = bot_address
    msg["To"] = to
    msg["Subject"] = f"sellerbot check-config probe {probe_id}"
    msg["Date"] = format_datetime(now_fn())
    msg["Message-ID"] = f"<{probe_id}@{settings.bot.domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Sellerbot-Probe"] = probe_id
    msg.set_content("A test sent by `sellerbot check-config --connect`; it is deleted once "
                    "found. Nothing to do.\n")
    smtp = settings.smtp
    try:
        password = None if getattr(smtp, "oauth2", None) or not smtp.username else \
            smtp.resolve_password("smtp")
        target = mailer.SmtpTarget(smtp.host, smtp.port, smtp.security, smtp.username,
                                   password, smtp.timeout_seconds,
                                   token=_token_source(smtp, now_fn))
        mailer.send(target, bot_address, [to], msg.as_bytes())
    except Exception as exc:  # noqa: BLE001 - any failure is the operator's to read
        return [CheckResult("reply routing", False,
                            _Scrubber(smtp.password)(f"probe to {to} not sent: "
                                                     f"{_describe_exc(exc)}"))]
    watched = [(box, folder) for box in settings.mailboxes() for folder in box.folders]
    if not watched:
        return [CheckResult("reply routing", True, f"probe sent to {to}; no IMAP mailbox "
                            "configured, so it cannot be looked for (SMTP intake only)",
                            warning=True)]
    deadline = now_fn().timestamp() + timeout
    errors: list[str] = []
    while True:
        for box, folder in watched:
            try:
                client = _imap_login(box, now_fn)
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{box.username}: {_describe_exc(exc)}")
                continue
            try:
                client.select_folder(folder)
                uids = client.search(["HEADER", "X-Sellerbot-Probe", probe_id])
                if uids:
                    client.delete_messages(uids)
                    client.expunge()
                    return [CheckResult("reply routing", True,
                                        f"a mail to {to} arrived in {box.username} "
                                        f"{folder}: seller replies will be read")]
            except Exception as exc:  # noqa: BLE001
                errors.append(f"{box.username} {folder}: {_describe_exc(exc)}")
            finally:
                with contextlib.suppress(Exception):  # closing only
                    client.logout()
        if now_fn().timestamp() >= deadline:
            break
        wait(min(1.0, timeout / 10 or 0.1))
    where = ", ".join(f"{b.username} {f}" for b, f in watched)
    detail = (f"a probe mail to {to} did not arrive in a watched folder ({where}) within "
              f"{timeout:g} s. Seller replies go to bot.address with a +tag "
              f"({bot_address.replace('@', '+r-2026-0001.<token>@')}), so that address "
              "must be delivered to a mailbox sellerbot reads: make bot.address an alias of "
              "the [imap] mailbox that keeps the +tag (plus-addressing / subaddressing: "
              "Postfix recipient_delimiter = +; Gmail and Microsoft 365 support it for a "
              "mailbox's addresses and aliases), or add bot.address's own mailbox as "
              "an [[accounts]] entry.")
    if errors:
        detail += " Errors while looking: " + "; ".join(dict.fromkeys(errors))[:500]
    return [CheckResult("reply routing", False, detail)]


# ---------------------------------------------------------------------------------------------
# doctor
# ---------------------------------------------------------------------------------------------


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 172800:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"


def _lock_state(db_path: str) -> CheckResult:
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
    from bot.edges.store import MIGRATIONS

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
    try:
        import sqlite3 as _sq
        results.append(CheckResult("sqlite", _sq.sqlite_version_info >= (3, 24),
                                   f"SQLite {_sq.sqlite_version}"))
    except ImportError:  # pragma: no cover
        pass

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
        journal = conn.execute("PRAGMA journal_mode").fetchone()[0]
        check = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        healthy = check == ["ok"]
        results.append(CheckResult(
            "database", healthy,
            f"{db} ({_size(size)}, journal_mode={journal}, quick_check "
            + ("ok)" if healthy else f"FAILED: {'; '.join(check[:3])})"),
            warning=journal != "wal"))
        if (perms := permission_check(db)) is not None:
            results.append(perms)
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        applied = {r[0] for r in conn.execute("select name from _migrations")} \
            if "_migrations" in tables else set()
        pending = [name for name, _ in MIGRATIONS if name not in applied]
        unknown = sorted(applied - {name for name, _ in MIGRATIONS})
        results.append(CheckResult(
            "migrations", not unknown,
            f"{len(applied)} applied"
            + (f"; pending {', '.join(pending)} (applied at next start)" if pending else "")
            + (f"; UNKNOWN {', '.join(unknown)}: database from a newer sellerbot" if unknown
               else ""), warning=bool(pending)))
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
