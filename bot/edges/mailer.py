"""SMTP submission of messages already rendered and stored in the outbox.

The message bytes (and so the Message-ID) are fixed before the first attempt, so a resend
after a crash is the same mail, never a second distinct one.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field


class TransientSendError(Exception):
    """Try again later: 4xx, connection refused, timeout."""


class PermanentSendError(Exception):
    """Will never work as is: 5xx, bad recipient."""


class LoginRefused(PermanentSendError):
    """The server refused our credentials (535): every mail fails the same way until the
    password or token is fixed, so the caller stops trying the others this round."""


class Unsendable(PermanentSendError):
    """The message itself cannot be put on the wire (a non-ASCII address): no server and no
    retry can help."""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    security: str = "starttls"  # ssl | starttls | none
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    #: XOAUTH2 instead of the password: returns a fresh access token (bot.edges.oauth.TokenSource)
    token: Callable[[], str] | None = field(default=None, compare=False, repr=False)


def _connect(target: SmtpTarget) -> smtplib.SMTP:
    if target.security == "ssl":
        return smtplib.SMTP_SSL(target.host, target.port, timeout=target.timeout,
                                context=ssl.create_default_context())
    return smtplib.SMTP(target.host, target.port, timeout=target.timeout)


def _size_limit(client: smtplib.SMTP) -> int | None:
    """The server's SIZE (RFC 1870) from EHLO, None when it states none (or 0: no limit)."""
    client.ehlo_or_helo_if_needed()
    try:
        size = int(client.esmtp_features.get("size", "0").split()[0] or 0)
    except (ValueError, IndexError):
        return None
    return size or None


def max_message_size(target: SmtpTarget) -> int | None:
    """Ask the server its SIZE before building a big message (the digest); None when the
    server states no limit or cannot be reached now (the send will tell then)."""
    try:
        with _connect(target) as client:
            if target.security == "starttls":
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            return _size_limit(client)
    except (OSError, smtplib.SMTPException):
        return None


def send(target: SmtpTarget, sender: str, recipients: list[str], raw: bytes) -> None:
    # smtplib sends bytes as they are: SMTP wants CRLF line ends on the wire.
    raw = re.sub(rb"\r?\n", b"\r\n", raw)
    try:
        client = _connect(target)
        with client:
            if target.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            limit = _size_limit(client)
            if limit is not None and len(raw) > limit:
                # Never sendable to this server as it is: say so instead of a bare 552.
                raise PermanentSendError(f"message of {len(raw)} bytes is over the server's "
                                         f"SIZE {limit}")
            if target.username and target.token is not None:
                try:
                    token = target.token()
                except Exception as exc:  # revoked (permanent) or token endpoint down
                    kind = PermanentSendError if getattr(exc, "permanent", False) \
                        else TransientSendError
                    raise kind(f"OAuth2: {exc}") from exc
                client.ehlo_or_helo_if_needed()
                initial = f"user={target.username}\x01auth=Bearer {token}\x01\x01"
                # On failure the server sends a 334 JSON error; answering "" gets the final 535.
                client.auth("XOAUTH2", lambda challenge=None: initial if challenge is None else "",
                            initial_response_ok=True)
            elif target.username:
                client.login(target.username, target.password or "")
            refused = client.sendmail(sender, recipients, raw)
            if refused and len(refused) == len(recipients):
                raise PermanentSendError(f"all recipients refused: {refused}")
    except smtplib.SMTPAuthenticationError as exc:
        err = f"SMTP login refused: {exc.smtp_code} {exc.smtp_error!r}"
        if 400 <= exc.smtp_code < 500:
            raise TransientSendError(err) from exc
        raise LoginRefused(err) from exc
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
    except (UnicodeError, ValueError) as exc:  # e.g. a non-ASCII address: never sendable
        raise Unsendable(f"{type(exc).__name__}: {exc}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TransientSendError(f"{type(exc).__name__}: {exc}") from exc
