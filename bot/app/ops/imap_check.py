"""The IMAP login check: connect as the daemon would, log in, look at IDLE and the folders."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable
from typing import Any

from bot.app.ops.checks import LOOPBACK, CheckResult, Scrubber, describe_exc, tls_context

Token = Callable[[], str] | str | None


def check_imap(host: str, port: int, security: str, username: str, *,
               password: str | None = None, token: Token = None,
               folders: Iterable[str] = ("INBOX",), optional_folders: Iterable[str] = (),
               timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None
               ) -> list[CheckResult]:
    """Connect, log in (password or XOAUTH2 token), list folders, check the configured ones."""
    from imapclient.exceptions import IMAPClientError

    scrub = Scrubber(password, token if isinstance(token, str) else None)
    where = f"{host}:{port} ({security})"
    results: list[CheckResult] = []
    if security == "none" and host not in LOOPBACK:
        results.append(CheckResult("imap tls", True, f"{where}: no TLS, the login travels in "
                                   "clear text", warning=True))
    context = ssl_context or tls_context()
    try:
        client = _connect(host, port, security, context, timeout)
    except (IMAPClientError, OSError, ssl.SSLError) as exc:
        results.append(CheckResult("imap connect", False, scrub(f"{where}: {describe_exc(exc)}")))
        return results
    try:
        results.append(CheckResult("imap connect", True, f"{where}"))
        login = _log_in(client, username, password, token, scrub)
        if not login.ok:
            results.append(login)
            return results
        caps = sorted(c.decode() for c in client.capabilities())
        results.append(login)
        results.append(_idle(caps))
        results += _folders(client, folders, optional_folders)
    except (IMAPClientError, OSError, ssl.SSLError) as exc:
        results.append(CheckResult("imap session", False, scrub(describe_exc(exc))))
    finally:
        _log_out(client)
    return results


def _connect(host: str, port: int, security: str, context: ssl.SSLContext,
             timeout: float) -> Any:
    """A connection in the configured TLS mode (implicit TLS, STARTTLS or none)."""
    import imapclient

    client = imapclient.IMAPClient(host, port=port, ssl=security == "ssl",
                                   ssl_context=context if security == "ssl" else None,
                                   timeout=timeout)
    if security == "starttls":
        client.starttls(context)
    return client


def _log_in(client: Any, username: str, password: str | None, token: Token,
            scrub: Scrubber) -> CheckResult:
    """The login step; a passing result says how (XOAUTH2 or password)."""
    from imapclient.exceptions import LoginError

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
        return CheckResult("imap login", False,
                           scrub(f"{username} refused: {describe_exc(exc)}{hint}"))
    except Exception as exc:  # noqa: BLE001 - OAuthError from the token source, too
        return CheckResult("imap login", False, scrub(f"{username}: {describe_exc(exc)}"))
    return CheckResult("imap login", True, f"{username} ({how})")


def _idle(caps: list[str]) -> CheckResult:
    idle = "IDLE" in caps
    return CheckResult("imap idle", True, "IDLE supported" if idle else
                       "no IDLE: sellerbot will poll", warning=not idle)


def _folders(client: Any, folders: Iterable[str], optional_folders: Iterable[str]
             ) -> list[CheckResult]:
    """The watched folders must exist; the optional ones (filing) are created at first use."""
    results: list[CheckResult] = []
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
    return results


def _log_out(client: Any) -> None:
    from imapclient.exceptions import IMAPClientError

    try:
        client.logout()
    except (IMAPClientError, OSError, ssl.SSLError):
        pass
