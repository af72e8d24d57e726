"""The parse workers' budget and lifetime (bot.edges.workers), on real processes.

`time:sleep` stands in for a parser stuck on a hostile mail: deterministic (30 s asleep
against a 0.5 s budget), and the items behind it are still done."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from bot.edges.workers import OverBudget, WorkerPool

_PAUSE = threading.Event()


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state in ("Z", "X")


def test_an_item_over_budget_is_stopped_and_the_others_are_done() -> None:
    pool = WorkerPool("time:sleep", 2, budget=0.5)
    try:
        out = pool.map([0, 30, 0, 0, 0], {})
        assert out[0] is None and out[2:] == [None, None, None]
        assert isinstance(out[1], OverBudget) and "0.5 s budget" in out[1].reason
        assert pool.map([0], {}) == [None]  # the pool goes on with a fresh worker
    finally:
        pool.close()


def test_a_worker_that_dies_on_an_item_is_reported_and_replaced() -> None:
    pool = WorkerPool("os:_exit", 1, budget=30)
    try:
        out = pool.map([3], {})
        assert isinstance(out[0], OverBudget) and "died" in out[0].reason
    finally:
        pool.close()


def test_workers_hold_no_descriptor_of_the_parent(tmp_path: Path) -> None:
    secret = os.open(tmp_path / "state.db.lock", os.O_RDWR | os.O_CREAT, 0o600)
    pool = WorkerPool("time:sleep", 1, budget=30)
    try:
        pool.map([0], {})
        (pid,) = pool.pids()
        target = os.stat(tmp_path / "state.db.lock")
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                st = os.stat(fd)
            except OSError:
                continue
            assert (st.st_dev, st.st_ino) != (target.st_dev, target.st_ino)
    finally:
        pool.close()
        os.close(secret)
    deadline = time.monotonic() + 10
    while not _gone(pid) and time.monotonic() < deadline:
        _PAUSE.wait(0.05)
    assert _gone(pid)
