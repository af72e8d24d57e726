"""The reply-routing probe: does mail to the bot's +tag reply address reach a watched folder?"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.app.ops.checks import CheckResult, Scrubber, describe_exc, provider_time, \
    tls_context, token_source

PROBE_HEADER = "X-Sellerbot-Probe"
Watched = list[tuple[Any, str]]  # (mailbox settings, folder)


def check_reply_routing(settings: Any, timeout: float = 60.0,
                        now_fn: Callable[[], datetime] | None = None,
                        wait: Callable[[float], Any] | None = None) -> list[CheckResult]:
    """Does mail to the bot's reply address land in a watched mailbox? Sends one probe to a
    reply address shaped like the real ones (bot.address plus a +tag) through the configured
    SMTP, looks for it in every watched folder until `timeout`, then deletes it."""
    import threading

    from bot.core.tokens import reply_address

    now_fn = provider_time(now_fn)
    wait = wait or threading.Event().wait
    bot_address = settings.bot.address
    probe_id = "probe-" + os.urandom(6).hex()
    to = reply_address(bot_address, probe_id)
    refused = _send_probe(settings, to, probe_id, now_fn)
    if refused is not None:
        return [refused]
    watched = [(box, folder) for box in settings.mailboxes() for folder in box.folders]
    if not watched:
        return [CheckResult("reply routing", True, f"probe sent to {to}; no IMAP mailbox "
                            "configured, so it cannot be looked for (SMTP intake only)",
                            warning=True)]
    found, errors = _look_for_probe(watched, probe_id, timeout, now_fn, wait)
    if found is not None:
        box, folder = found
        return [CheckResult("reply routing", True, f"a mail to {to} arrived in {box.username} "
                            f"{folder}: seller replies will be read")]
    return [_not_arrived(watched, to, bot_address, timeout, errors)]


def _probe(settings: Any, to: str, probe_id: str, now: datetime) -> bytes:
    """A marked, auto-generated test mail, found again by its header."""
    from email.message import EmailMessage
    from email.utils import format_datetime

    bot_address = settings.bot.address
    msg = EmailMessage()
    msg["From"] = bot_address
    msg["To"] = to
    msg["Subject"] = f"sellerbot check-config probe {probe_id}"
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = f"<{probe_id}@{settings.bot.domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg[PROBE_HEADER] = probe_id
    msg.set_content("A test sent by `sellerbot check-config --connect`; it is deleted once "
                    "found. Nothing to do.\n")
    return msg.as_bytes()


def _send_probe(settings: Any, to: str, probe_id: str, now_fn: Callable[[], datetime]
                ) -> CheckResult | None:
    """Send the probe through the configured relay; a failing result if it could not go."""
    from bot.edges import mailer

    raw = _probe(settings, to, probe_id, now_fn())
    smtp = settings.smtp
    try:
        password = None if getattr(smtp, "oauth2", None) or not smtp.username else \
            smtp.resolve_password("smtp")
        target = mailer.SmtpTarget(smtp.host, smtp.port, smtp.security, smtp.username,
                                   password, smtp.timeout_seconds,
                                   token=token_source(smtp, now_fn))
        mailer.send(target, settings.bot.address, [to], raw)
    except Exception as exc:  # noqa: BLE001 - any failure is the operator's to read
        return CheckResult("reply routing", False,
                           Scrubber(smtp.password)(f"probe to {to} not sent: "
                                                   f"{describe_exc(exc)}"))
    return None


def _imap_login(box: Any, now_fn: Callable[[], datetime]) -> Any:
    import imapclient

    client = imapclient.IMAPClient(box.host, port=box.port, ssl=box.security == "ssl",
                                   ssl_context=tls_context() if box.security == "ssl"
                                   else None, timeout=box.timeout_seconds)
    if box.security == "starttls":
        client.starttls(tls_context())
    token = token_source(box, now_fn)
    if token is not None:
        client.oauth2_login(box.username, token())
    else:
        client.login(box.username, box.resolve_password("imap") or "")
    return client


def _look_for_probe(watched: Watched, probe_id: str, timeout: float,
                    now_fn: Callable[[], datetime], wait: Callable[[float], Any]
                    ) -> tuple[tuple[Any, str] | None, list[str]]:
    """Search every watched folder until `timeout`: where the probe arrived (deleted there),
    or None, with the errors met while looking."""
    deadline = now_fn().timestamp() + timeout
    errors: list[str] = []
    while True:
        for box, folder in watched:
            if _found_and_deleted(box, folder, probe_id, now_fn, errors):
                return (box, folder), errors
        if now_fn().timestamp() >= deadline:
            return None, errors
        wait(min(1.0, timeout / 10 or 0.1))


def _found_and_deleted(box: Any, folder: str, probe_id: str, now_fn: Callable[[], datetime],
                       errors: list[str]) -> bool:
    try:
        client = _imap_login(box, now_fn)
    except Exception as exc:  # noqa: BLE001
        errors.append(f"{box.username}: {describe_exc(exc)}")
        return False
    try:
        client.select_folder(folder)
        uids = client.search(["HEADER", PROBE_HEADER, probe_id])
        if uids:
            client.delete_messages(uids)
            client.expunge()
            return True
    except Exception as exc:  # noqa: BLE001
        errors.append(f"{box.username} {folder}: {describe_exc(exc)}")
    finally:
        with contextlib.suppress(Exception):  # closing only
            client.logout()
    return False


def _not_arrived(watched: Watched, to: str, bot_address: str, timeout: float,
                 errors: list[str]) -> CheckResult:
    """What to change so that replies reach a mailbox sellerbot reads."""
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
    return CheckResult("reply routing", False, detail)
