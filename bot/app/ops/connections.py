"""`check-config --connect`'s logins: every configured mailbox and the SMTP relay, from settings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.app.ops.checks import CheckResult, provider_time, token_source
from bot.app.ops.imap_check import check_imap
from bot.app.ops.smtp_check import check_smtp


def check_connections(settings: Any, now_fn: Callable[[], datetime] | None = None
                      ) -> list[CheckResult]:
    """Log in to IMAP (and list folders) and SMTP as configured. Sends and changes nothing."""
    now_fn = provider_time(now_fn)
    results: list[CheckResult] = []
    mailboxes = settings.mailboxes() if hasattr(settings, "mailboxes") else \
        [m for m in (settings.imap,) if m is not None]
    if not mailboxes:
        results.append(CheckResult("imap", True, "not configured (mail arrives by SMTP intake)",
                                   warning=True))
    for imap in mailboxes:
        results += _check_mailbox(imap, now_fn)
    return results + _check_relay(settings.smtp, now_fn)


def _secret(section: Any, name: str) -> tuple[str | None, str | None]:
    """(password, error)."""
    from bot.edges.config import ConfigError

    try:
        return section.resolve_password(name), None
    except ConfigError as exc:
        return None, str(exc)


def _check_mailbox(imap: Any, now_fn: Callable[[], datetime]) -> list[CheckResult]:
    try:
        token = token_source(imap, now_fn)
    except Exception as exc:  # noqa: BLE001 - OAuthError: bad oauth2 section
        return [CheckResult("imap login", False, f"oauth2: {exc}")]
    password, error = (None, None) if token else _secret(imap, "imap")
    if error:
        return [CheckResult("imap login", False, error)]
    return check_imap(imap.host, imap.port, imap.security, imap.username, password=password,
                      token=token, folders=imap.folders,
                      optional_folders=[imap.move_processed_to, imap.quarantine_folder],
                      timeout=imap.timeout_seconds)


def _check_relay(smtp: Any, now_fn: Callable[[], datetime]) -> list[CheckResult]:
    try:
        token = token_source(smtp, now_fn)
    except Exception as exc:  # noqa: BLE001
        return [CheckResult("smtp login", False, f"oauth2: {exc}")]
    password, error = (None, None) if token or not smtp.username else _secret(smtp, "smtp")
    if error:
        return [CheckResult("smtp login", False, error)]
    return check_smtp(smtp.host, smtp.port, smtp.security, smtp.username,
                      password=password, token=token, timeout=smtp.timeout_seconds)
