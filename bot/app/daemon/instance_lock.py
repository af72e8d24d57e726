"""The instance lock beside the database: one daemon per database, leftovers of a dead one ended."""

from __future__ import annotations

import fcntl
import logging
import os
import signal
import time
from pathlib import Path

log = logging.getLogger("sellerbot.daemon")


class AlreadyRunning(Exception):
    """Another sellerbot runs on this database, or a stranger holds its lock."""


def _alive(pid: int) -> bool:
    """The process exists (maybe another user's)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _holders(path: Path) -> list[int]:
    """Other processes (that we may inspect) with this file open, from /proc."""
    try:
        target = os.stat(path)
    except OSError:
        return []
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                try:
                    st = os.stat(fd)
                except OSError:
                    continue
                if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
                    found.append(pid)
                    break
        except OSError:  # gone, or not ours to look at
            continue
    return found


def _cmdline(pid: int) -> str:
    """Its command line from /proc, "" when it cannot be read."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(
            errors="replace").strip()
    except OSError:
        return ""


def _is_sellerbot(cmdline: str) -> bool:
    """A sellerbot process (the CLI, `python -m bot`, a parse worker), not e.g. an editor that
    has the lock file open: only those are ended when reclaiming."""
    argv = cmdline.split()
    if not argv:
        return False
    exe = Path(argv[0]).name
    return exe == "sellerbot" or (exe.startswith("python") and "bot" in cmdline)


class InstanceLock:
    """An flock beside the database: a second daemon on the same data is refused.

    The file records the daemon's pid. A lock held while that daemon is gone (a process that
    inherited the descriptor from an older sellerbot, e.g. a forked worker left behind by a
    kill -9) is reclaimed: the leftover is ended, with a log line. Its descriptor is
    close-on-exec and parse workers are exec'd, so this sellerbot's children never hold it."""

    def __init__(self, db_path: str) -> None:
        self.path = Path(f"{db_path}.lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock (reclaiming it from leftovers) and record our pid; AlreadyRunning if
        a live daemon or a stranger holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self._reclaim(fd)
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def _reclaim(self, fd: int) -> None:
        """Held: by a live daemon (refuse), or by leftovers of a dead one (end them)."""
        text = os.pread(fd, 32, 0).decode(errors="replace").strip()
        owner = int(text) if text.isdigit() else None
        holders = _holders(self.path)
        if owner is not None and (owner == os.getpid() or
                                  (_alive(owner) and owner in holders)):
            raise AlreadyRunning(f"another sellerbot is running on {self.path.with_suffix('')}"
                                 f" (pid {owner})")
        leftovers = [(pid, _cmdline(pid)) for pid in holders]
        strangers = [(pid, cmd) for pid, cmd in leftovers if not _is_sellerbot(cmd)]
        if strangers or not leftovers:
            raise AlreadyRunning(
                f"the lock {self.path} is held by " + (", ".join(
                    f"pid {pid} ({cmd or '?'})" for pid, cmd in strangers) or
                    "a process this user cannot see") + "; not a sellerbot daemon, not ended")
        for pid, cmd in leftovers:
            log.warning("reclaiming %s: sellerbot %s is gone, its leftover process %d (%s) "
                        "still holds the lock; ending it", self.path,
                        owner if owner is not None else "?", pid, cmd[:120])
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10.0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise AlreadyRunning(f"the lock {self.path} is still held after ending "
                                         "the leftover processes") from None
                time.sleep(0.05)

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
