"""What every operator check shares: the result, its rendering, secret scrubbing and wording."""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.edges.clock import SystemClock

#: Hosts where a login without TLS does not cross a network.
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


class Scrubber:
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


def describe_exc(exc: BaseException) -> str:
    """An exception as the operator should read it: the server's words, not a class path."""
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


def tls_context() -> ssl.SSLContext:
    """Certificate verification on, as the daemon connects."""
    return ssl.create_default_context()


def provider_time(now_fn: Callable[[], datetime] | None) -> Callable[[], datetime]:
    """The given clock, else wall time: OAuth token lifetimes are the provider's wall time."""
    return now_fn or (SystemClock().now)


def token_source(section: Any, now_fn: Callable[[], datetime]) -> Callable[[], str] | None:
    """A fresh-token callable if the section has `oauth2` configured (forward compatible: the
    settings may not have the field yet)."""
    from bot.edges.oauth import token_source_for

    return token_source_for(section, now_fn)
