"""sd_notify without a dependency: READY, STATUS, WATCHDOG and STOPPING on $NOTIFY_SOCKET."""

from __future__ import annotations

import os
import socket


def notify(message: str) -> bool:
    """Send one notification; False (and nothing else) when not run by systemd."""
    address = os.environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
        return True
    except OSError:
        return False


def watchdog_interval() -> float | None:
    """Half of WatchdogSec, in seconds, when systemd asked for keep-alives."""
    usec = os.environ.get("WATCHDOG_USEC")
    if not usec or (os.environ.get("WATCHDOG_PID") not in (None, str(os.getpid()))):
        return None
    return int(usec) / 2_000_000
