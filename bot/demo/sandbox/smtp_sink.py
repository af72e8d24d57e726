"""The SMTP sink: a real aiosmtpd server on loopback that keeps every message it accepts."""

from __future__ import annotations

import email.policy
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from types import TracebackType
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from .loopback import CLOCK, LOOPBACK, free_port

log = logging.getLogger(__name__)


class _DropAuthNags(logging.Filter):
    """aiosmtpd logs this at WARNING on every authenticated connection (its own use)."""

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        return "login_data is deprecated" not in text


logging.getLogger("mail.log").addFilter(_DropAuthNags())


@dataclass(frozen=True)
class ReceivedMessage:
    """One message as the sink accepted it.

    Unpacks as ``envelope_from, rcpt_tos, raw, message = received`` so tests can destructure it;
    the other fields are there for assertions about when and from whom.
    """

    envelope_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    message: EmailMessage
    received_at: float = field(default_factory=lambda: CLOCK.now().timestamp())
    peer: str = ""
    auth_user: str | None = None

    def __iter__(self) -> Iterator[Any]:
        return iter((self.envelope_from, list(self.rcpt_tos), self.raw, self.message))


Stage = Literal["mail", "rcpt", "data"]


class _SinkHandler:
    """aiosmtpd handler; all state lives on the owning SmtpSink."""

    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_MAIL(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, mail_options: list[str]) -> str:
        if self.sink.auth is not None and not session.authenticated:
            # Enforced here rather than with aiosmtpd's auth_required, which warns on every
            # connection that AUTH without TLS is unsafe: on loopback that is the point.
            return "530 5.7.0 Authentication required"
        failure = self.sink._take_failure("mail")
        if failure:
            return failure
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        failure = self.sink._take_failure("rcpt")
        if failure:
            return failure
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        failure = self.sink._take_failure("data")
        if failure:
            return failure
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):  # only if someone flips decode_data on
            raw = raw.encode("utf-8", "surrogateescape")
        auth_user = None
        if session.auth_data is not None:
            login = getattr(session.auth_data, "login", session.auth_data)
            auth_user = login.decode() if isinstance(login, bytes) else str(login)
        peer = session.peer
        received = ReceivedMessage(
            envelope_from=envelope.mail_from or "",
            rcpt_tos=tuple(envelope.rcpt_tos),
            raw=bytes(raw),
            message=BytesParser(policy=email.policy.default).parsebytes(bytes(raw)),
            peer=f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer),
            auth_user=auth_user,
        )
        return self.sink._deliver(received)


class _Authenticator:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user, password

    def __call__(self, server: SMTP, session: Session, envelope: Envelope,
                 mechanism: str, auth_data: Any) -> AuthResult:
        if isinstance(auth_data, LoginPassword):
            ok = (auth_data.login.decode() == self.user
                  and auth_data.password.decode() == self.password)
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
        return AuthResult(success=False, handled=False)


class SmtpSink:
    """An SMTP server on loopback that keeps every message it accepts.

    Why: the bot's outbox must be tested against a real SMTP conversation (pipelining, dot
    stuffing, 4xx handling) and the demo needs somewhere to send mail. `fail_next` plays a
    greylisting or overloaded relay; stop()/start() on the same port plays an outage.

    `on_message(received)` runs in the server thread before the client gets its 250; if it
    raises, the client gets a 451 (the message stays recorded in `messages`), which is what a
    real intake would answer when it cannot take the mail right now.
    """

    def __init__(self, host: str = LOOPBACK, port: int = 0, *,
                 on_message: Callable[[ReceivedMessage], None] | None = None,
                 auth: tuple[str, str] | None = None,
                 server_hostname: str = "sink.sellerbot.test",
                 data_size_limit: int | None = None) -> None:
        self.host = host
        #: SIZE advertised in EHLO and enforced (552), as a real relay's limit; None: aiosmtpd's
        self.data_size_limit = data_size_limit
        self.port = port or free_port(host)
        self.on_message = on_message
        self.auth = auth
        self.server_hostname = server_hostname
        self._cond = threading.Condition()
        self._messages: list[ReceivedMessage] = []
        self._failures: list[tuple[Stage, int]] = []  # queue of (stage, code), one per use
        self._controller: Controller | None = None

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def start(self) -> SmtpSink:
        """Start listening (again) on the same host and port."""
        if self._controller is not None:
            return self
        kwargs: dict[str, Any] = {"server_hostname": self.server_hostname,
                                  "ident": "sellerbot SmtpSink"}
        if self.data_size_limit is not None:
            kwargs["data_size_limit"] = self.data_size_limit
        if self.auth is not None:
            kwargs.update(authenticator=_Authenticator(*self.auth), auth_require_tls=False)
        controller = Controller(_SinkHandler(self), hostname=self.host, port=self.port,
                                ready_timeout=10.0, **kwargs)
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening; clients get connection refused until start()."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- behaviour ------------------------------------------------------------------------
    def fail_next(self, n: int = 1, code: int = 451, stage: Stage = "data") -> None:
        """Answer the next `n` commands of `stage` (MAIL, RCPT or end of DATA) with `code`.

        4xx is a temporary failure the sender must retry; 5xx is a permanent refusal.
        """
        if stage not in ("mail", "rcpt", "data"):
            raise ValueError(f"stage must be mail, rcpt or data, not {stage!r}")
        if not 400 <= code <= 599:
            raise ValueError(f"code must be a 4xx or 5xx SMTP reply, not {code}")
        with self._cond:
            self._failures.extend([(stage, code)] * n)

    def _take_failure(self, stage: Stage) -> str | None:
        with self._cond:
            for i, (s, code) in enumerate(self._failures):
                if s == stage:
                    del self._failures[i]
                    if code < 500:
                        return f"{code} 4.3.0 Temporary failure, try again later (sandbox)"
                    return f"{code} 5.7.1 Refused (sandbox)"
        return None

    def _deliver(self, received: ReceivedMessage) -> str:
        with self._cond:
            self._messages.append(received)
            self._cond.notify_all()
        if self.on_message is not None:
            try:
                self.on_message(received)
            except Exception:  # noqa: BLE001 - reported to the client as a 451, and logged
                log.exception("SmtpSink on_message callback failed")
                return "451 4.3.0 Intake failed, try again later"
        return "250 2.0.0 OK queued"

    # -- inspection -----------------------------------------------------------------------
    @property
    def messages(self) -> list[ReceivedMessage]:
        """A snapshot copy of everything accepted so far, oldest first."""
        with self._cond:
            return list(self._messages)

    def clear(self) -> None:
        with self._cond:
            self._messages.clear()
            self._failures.clear()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ReceivedMessage]:
        """Block until at least `count` messages were accepted; return them all.

        Raises TimeoutError (saying how many did arrive) rather than returning short, so a test
        fails at the line that waited.
        """
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(
                    f"SmtpSink got {len(self._messages)} message(s), expected {count} "
                    f"within {timeout}s: {self._describe()}")
            return list(self._messages)

    def wait_for_match(self, predicate: Callable[[ReceivedMessage], bool],
                       timeout: float = 10.0) -> ReceivedMessage:
        """Block until a message (already received or not) satisfies `predicate`; return it."""
        found: list[ReceivedMessage] = []

        def match() -> bool:
            for m in self._messages:
                if predicate(m):
                    found.append(m)
                    return True
            return False

        with self._cond:
            if not self._cond.wait_for(match, timeout):
                raise TimeoutError(f"no matching message within {timeout}s among "
                                   f"{len(self._messages)}: {self._describe()}")
            return found[0]

    def _describe(self) -> str:
        return "; ".join(f"{m.envelope_from} -> {','.join(m.rcpt_tos)}: "
                         f"{m.message.get('Subject', '')!s}" for m in self._messages[-5:])

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SmtpSink {self.host}:{self.port} {state} messages={len(self._messages)}>"
