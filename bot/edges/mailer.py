"""SMTP submission of messages already rendered and stored in the outbox.

The message bytes (and so the Message-ID) are fixed before the first attempt, so a resend
after a crash is the same mail, never a second distinct one.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass


class TransientSendError(Exception):
    """Try again later: 4xx, connection refused, timeout."""


class PermanentSendError(Exception):
    """Will never work as is: 5xx, bad recipient."""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    security: str = "starttls"  # ssl | starttls | none
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0


def send(target: SmtpTarget, sender: str, recipients: list[str], raw: bytes) -> None:
    # smtplib sends bytes as they are: SMTP wants CRLF line ends on the wire.
    raw = re.sub(rb"\r?\n", b"\r\n", raw)
    try:
        if target.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port,
                                                    timeout=target.timeout,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(target.host, target.port, timeout=target.timeout)
        with client:
            if target.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if target.username:
                client.login(target.username, target.password or "")
            refused = client.sendmail(sender, recipients, raw)
            if refused and len(refused) == len(recipients):
                raise PermanentSendError(f"all recipients refused: {refused}")
    except smtplib.SMTPResponseException as exc:
        err = f"SMTP {exc.smtp_code} {exc.smtp_error!r}"
        if 400 <= exc.smtp_code < 500:
            raise TransientSendError(err) from exc
        raise PermanentSendError(err) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if all(400 <= c < 500 for c in codes):
            raise TransientSendError(f"recipients deferred: {exc.recipients}") from exc
        raise PermanentSendError(f"recipients refused: {exc.recipients}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
