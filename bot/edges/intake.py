"""SMTP intake (aiosmtpd): notifications pushed by a forwarding rule or an MTA transport.

The handler only hands the raw bytes to `submit`; processing happens in the single worker.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger("sellerbot.intake")


class _Handler:
    def __init__(self, submit: Callable[[bytes], None],
                 allowed_clients: tuple[str, ...]) -> None:
        self.submit = submit
        self.allowed = [ipaddress.ip_network(c, strict=False) for c in allowed_clients]

    async def handle_CONNECT(self, server: SMTP, session: Session, envelope: Envelope,  # noqa: N802
                             hostname: str, port: int) -> str:
        peer = ipaddress.ip_address(session.peer[0])
        if self.allowed and not any(peer in net for net in self.allowed):
            log.warning("intake: refused client %s", peer)
            return "554 5.7.1 client not allowed"
        return "220 sellerbot intake ready"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        self.submit(bytes(raw))
        return "250 2.0.0 queued"


class SmtpIntake:
    def __init__(self, submit: Callable[[bytes], None], *, host: str = "127.0.0.1",
                 port: int = 0, max_bytes: int = 30 * 1024 * 1024,
                 allowed_clients: tuple[str, ...] = ("127.0.0.0/8", "::1/128")) -> None:
        self.controller = Controller(_Handler(submit, allowed_clients), hostname=host,
                                     port=port or _free_port(host), data_size_limit=max_bytes,
                                     decode_data=False)

    @property
    def address(self) -> tuple[str, int]:
        return self.controller.hostname, self.controller.port

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def _free_port(host: str) -> int:
    import socket
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])
