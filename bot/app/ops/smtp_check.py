"""The SMTP login check: EHLO, TLS as configured, AUTH if a username is set; sends nothing."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable

from bot.app.ops.checks import LOOPBACK, CheckResult, Scrubber, describe_exc, tls_context

Token = Callable[[], str] | str | None


def check_smtp(host: str, port: int, security: str, username: str | None = None, *,
               password: str | None = None, token: Token = None,
               timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None
               ) -> list[CheckResult]:
    """EHLO, STARTTLS or implicit TLS, AUTH if a username is set; QUIT. Sends nothing."""
    scrub = Scrubber(password, token if isinstance(token, str) else None)
    where = f"{host}:{port} ({security})"
    results = _tls_warnings(host, port, security, username, where)
    context = ssl_context or tls_context()
    try:
        if security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        results.append(CheckResult("smtp connect", False, scrub(f"{where}: {describe_exc(exc)}")))
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
            results.append(_log_in(client, security, where, username, password, token, scrub))
        else:
            results.append(CheckResult("smtp login", True, "no username: sending without AUTH",
                                       warning=host not in LOOPBACK))
    except (OSError, smtplib.SMTPException) as exc:
        results.append(CheckResult("smtp session", False, scrub(describe_exc(exc))))
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return results


def _tls_warnings(host: str, port: int, security: str, username: str | None,
                  where: str) -> list[CheckResult]:
    """Clear-text logins, and TLS modes that do not match the usual port."""
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
    return results


def _log_in(client: smtplib.SMTP, security: str, where: str, username: str,
            password: str | None, token: Token, scrub: Scrubber) -> CheckResult:
    """AUTH with the password or an XOAUTH2 token; one result, passing or not."""
    from bot.edges.oauth import smtp_authenticate_xoauth2

    mechanisms = (client.esmtp_features.get("auth") or "").upper().split()
    try:
        if token is not None:
            access = token() if callable(token) else token
            scrub.add(access)
            if mechanisms and "XOAUTH2" not in mechanisms:
                return CheckResult("smtp login", False,
                                   f"server offers AUTH {' '.join(mechanisms)}, not XOAUTH2")
            smtp_authenticate_xoauth2(client, username, access)
            how = "XOAUTH2"
        else:
            client.login(username, password or "")
            how = "password"
    except smtplib.SMTPAuthenticationError as exc:
        hint = " (check the username and the password)" if token is None else \
            " (token refused: expired, revoked, or SMTP AUTH disabled for the mailbox)"
        return CheckResult("smtp login", False,
                           scrub(f"{username} refused: {describe_exc(exc)}{hint}"))
    except smtplib.SMTPNotSupportedError:
        return CheckResult("smtp login", False, f"{where} offers no AUTH"
                           + (" before STARTTLS" if security == "none" else ""))
    except Exception as exc:  # noqa: BLE001 - OAuthError from the token source, too
        return CheckResult("smtp login", False, scrub(f"{username}: {describe_exc(exc)}"))
    return CheckResult("smtp login", True, f"{username} ({how})")
