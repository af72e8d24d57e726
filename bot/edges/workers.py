"""A pure, CPU-bound function run in worker processes, with a wall-time budget per item.

Why: no mail may stall the daemon (issue 15). Parsing runs in a worker; a worker still busy
when its item's budget is spent is killed (SIGKILL) and replaced, and the item comes back as
`OverBudget`, so the caller can quarantine it and go on.

Workers are fresh interpreters (`python -c`, exec'd with close_fds), never bare forks of the
daemon: they hold no inherited descriptor (not the instance lock, not the SQLite WAL) and no
copy of its threads' locks. They die with the daemon: PR_SET_PDEATHSIG(SIGKILL) on Linux,
and a thread that exits as soon as the parent process is gone (reparented) or their request
pipe closes. They stay in the daemon's process group and cgroup (KillMode=control-group).
"""

from __future__ import annotations

import importlib
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

log = logging.getLogger("sellerbot.workers")

_CHILD = "from bot.edges.workers import _child_main; _child_main()"
STARTUP_TIMEOUT = 60.0


@dataclass(frozen=True)
class OverBudget:
    """The item took longer than the budget (its worker was killed), or killed its worker."""

    reason: str


class _Worker:
    def __init__(self, target: str) -> None:
        r_req, w_req = os.pipe()
        r_res, w_res = os.pipe()
        env = dict(os.environ, SELLERBOT_WORKER_PARENT=str(os.getpid()),
                   SELLERBOT_WORKER_TARGET=target,
                   SELLERBOT_WORKER_FDS=f"{r_req},{w_res}")
        self.proc = subprocess.Popen([sys.executable, "-c", _CHILD], env=env,
                                     stdin=subprocess.DEVNULL, close_fds=True,
                                     pass_fds=(r_req, w_res))
        os.close(r_req)
        os.close(w_res)
        self.requests = Connection(w_req, readable=False)
        self.results = Connection(r_res, writable=False)
        self.started_at: float | None = None  # monotonic start of the item in progress
        self.index: int | None = None

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        self.proc.wait()
        self.requests.close()
        self.results.close()


class WorkerPool:
    """`size` workers running `target` ("module:function"), `budget` seconds per item.

    map(items, kwargs) returns, in order, target(item, **kwargs) or OverBudget. Not thread
    safe: one caller (the daemon's single writer) at a time."""

    def __init__(self, target: str, size: int, budget: float) -> None:
        self.target = target
        self.size = max(1, size)
        self.budget = budget
        self._idle: list[_Worker] = []
        self._lock = threading.Lock()

    def _spawn(self) -> _Worker:
        """A new worker, once it has imported its target: start-up (a fresh interpreter,
        slow on a loaded machine) never counts against an item's budget."""
        worker = _Worker(self.target)
        if not worker.results.poll(STARTUP_TIMEOUT):
            worker.kill()
            raise OSError(f"a worker for {self.target} did not start in {STARTUP_TIMEOUT} s")
        try:
            ready = worker.results.recv_bytes()
        except (EOFError, OSError):
            ready = b""
        if ready != b"ready":
            code = worker.proc.poll()
            worker.kill()
            raise OSError(f"a worker for {self.target} failed to start (exit status {code})")
        return worker

    def _take(self) -> _Worker:
        while self._idle:
            worker = self._idle.pop()
            if worker.proc.poll() is None:
                return worker
            worker.kill()
        return self._spawn()

    def map(self, items: Sequence[Any], kwargs: dict[str, Any]) -> list[Any]:
        with self._lock:
            return self._map(list(items), kwargs)

    def _map(self, items: list[Any], kwargs: dict[str, Any]) -> list[Any]:
        results: list[Any] = [None] * len(items)
        todo = list(range(len(items)))[::-1]
        busy: list[_Worker] = []
        while todo or busy:
            while todo and len(busy) < self.size:
                index = todo.pop()
                worker = self._take()
                try:
                    worker.requests.send_bytes(pickle.dumps((items[index], kwargs)))
                except OSError:  # died idle (killed from outside): a fresh one takes it
                    worker.kill()
                    todo.append(index)
                    continue
                worker.index, worker.started_at = index, time.monotonic()
                busy.append(worker)
            now = time.monotonic()
            timeout = min(w.started_at + self.budget for w in busy  # type: ignore[operator]
                          ) - now
            ready = wait([w.results for w in busy], timeout=max(0.0, timeout))
            now = time.monotonic()
            for worker in list(busy):
                assert worker.index is not None and worker.started_at is not None
                if worker.results in ready:
                    try:
                        results[worker.index] = pickle.loads(worker.results.recv_bytes())
                    except (EOFError, OSError):
                        code = worker.proc.wait()
                        results[worker.index] = OverBudget(
                            f"the parse worker died on this mail (exit status {code})")
                        busy.remove(worker)
                        worker.kill()
                        continue
                    busy.remove(worker)
                    worker.index = worker.started_at = None
                    self._idle.append(worker)
                elif now - worker.started_at >= self.budget:
                    results[worker.index] = OverBudget(
                        f"parsing took more than the {self.budget:g} s budget (stopped)")
                    busy.remove(worker)
                    worker.kill()
        return results

    def close(self) -> None:
        with self._lock:
            for worker in self._idle:
                worker.kill()
            self._idle = []

    def pids(self) -> list[int]:
        return [w.proc.pid for w in self._idle]


def _die_with_parent(parent: int, requests: Connection) -> None:
    """Never outlive the daemon: a parent-death signal, and a thread watching for it."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(0)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _child_main() -> None:
    """The worker's loop: one item in, one pickled result out, until the pipe closes."""
    # Stopping is the daemon's business: a Ctrl-C or a unit-wide SIGTERM (KillMode=
    # control-group) must not kill a worker mid-mail, or that mail would look too complex.
    # The daemon ends its workers when it closes; if it dies, they die with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    parent = int(os.environ["SELLERBOT_WORKER_PARENT"])
    r_req, w_res = (int(fd) for fd in os.environ["SELLERBOT_WORKER_FDS"].split(","))
    requests = Connection(r_req, writable=False)
    results = Connection(w_res, readable=False)
    _die_with_parent(parent, requests)
    module, _, name = os.environ["SELLERBOT_WORKER_TARGET"].partition(":")
    func: Callable[..., Any] = getattr(importlib.import_module(module), name)
    results.send_bytes(b"ready")
    while True:
        try:
            item, kwargs = pickle.loads(requests.recv_bytes())
        except (EOFError, OSError):
            os._exit(0)
        results.send_bytes(pickle.dumps(func(item, **kwargs)))
