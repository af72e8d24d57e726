"""Loopback plumbing the stand-in servers share: the address, free ports, the wall clock."""

from __future__ import annotations

import socket

from bot.edges.clock import SystemClock

#: Wall time for the records tests and benchmarks compare (servers keep the real clock).
CLOCK = SystemClock()
LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A port the kernel just called free on `host`.

    aiosmtpd's Controller cannot be started on port 0 (it connects to its own port to see that
    it is up), and servers that restart on the same port need a fixed number anyway.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])
