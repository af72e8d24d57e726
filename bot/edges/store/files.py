"""The database file's permissions: it holds buyer mails, addresses and order data."""

from __future__ import annotations

import os
from pathlib import Path


def private_file(path: str | Path) -> None:
    """Create `path` empty with mode 0600 if it does not exist yet, whatever the umask: it
    will hold buyer mails, addresses and order data. SQLite gives the -wal and -shm files the
    database file's mode, so they are 0600 too. An existing file is left as it is (doctor
    and check-config warn when it is readable by others)."""
    if str(path) == ":memory:" or str(path).startswith("file:"):
        return
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.fchmod(fd, 0o600)  # O_CREAT's mode is masked by the umask; this is not
    os.close(fd)


def exposed_mode(path: str | Path) -> int | None:
    """The permission bits of an existing file when group or others may read or write it."""
    try:
        mode = os.stat(path).st_mode & 0o777
    except OSError:
        return None
    return mode if mode & 0o077 else None
