"""One clock: the injected one. Unit tests of bot.edges.clock, and a scan that keeps every other
module of bot/ from reading the wall clock behind its back (like the layering test)."""

from __future__ import annotations

import ast
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from timeshift import at

from bot.edges.clock import (CLOCK_START_ENV, ClockStartError, FixedClock, SystemClock,
                       clock_from_env, parse_clock_start, wall_after)
from bot.edges.scheduler import WakeScheduler

BOT = Path(__file__).resolve().parent.parent / "bot"

# Calls that read the wall clock. Monotonic timers (time.monotonic, Event.wait) are fine.
WALL_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
              ("date", "today"), ("time", "time"), ("time", "time_ns"),
              ("time", "localtime"), ("time", "gmtime"), ("time", "ctime")}
# Where a plain SystemClock() (wall time, ignoring SELLERBOT_CLOCK_START) is right, and why.
WALL_CLOCK_ALLOWED = {  # path under bot/ (a folder ends with /)
    "edges/oauth/": "token lifetimes are the provider's wall time",
    "app/ops/checks.py": "the OAuth check of `check-config --connect` (provider wall time)",
    "edges/metrics.py": "only a default; the daemon hands its own clock",
    "demo/sandbox/loopback.py": "the loopback stand-in servers keep the real clock, as servers do",
}


def _wall_clock_allowed(path: Path) -> bool:
    rel = path.relative_to(BOT).as_posix() if path.is_relative_to(BOT) else path.name
    return any(rel == key or (key.endswith("/") and rel.startswith(key))
               for key in WALL_CLOCK_ALLOWED)


def _wall_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and \
                (func.value.id, func.attr) in WALL_READS:
            if func.attr in ("localtime", "gmtime", "ctime") and node.args:
                continue  # converting a given timestamp, not reading the clock
            found.append(f"{func.value.id}.{func.attr}() line {node.lineno}")
        if isinstance(func, ast.Name) and func.id == "SystemClock" and not node.args and \
                not _wall_clock_allowed(path):
            found.append(f"SystemClock() line {node.lineno} (use the injected clock, or "
                         "bot.edges.clock.clock_from_env at the command line)")
    return found


@pytest.mark.parametrize("path", sorted(p for p in BOT.rglob("*.py") if p.name != "clock.py"),
                         ids=lambda p: str(p.relative_to(BOT)))
def test_no_wall_clock_outside_bot_clock(path: Path) -> None:
    assert _wall_reads(path) == [], f"{path.relative_to(BOT)} reads the wall clock"


def test_the_scan_sees_a_wall_read(tmp_path: Path) -> None:
    """The scan above would catch the habit it forbids (so it cannot pass by seeing nothing)."""
    sample = tmp_path / "sample.py"
    sample.write_text("from datetime import datetime\nimport time\n"
                      "def f():\n    return datetime.now(), time.time(), SystemClock()\n")
    assert len(_wall_reads(sample)) == 3


def test_clock_start_sets_the_first_instant_and_runs_at_wall_speed() -> None:
    start = at(2026, 11, 22, 9, 0)
    clock = SystemClock(start)
    first = clock.now()
    assert timedelta(0) <= first - start < timedelta(seconds=5)
    threading.Event().wait(0.02)
    assert clock.now() > first


def test_clock_from_env_reads_the_documented_variable() -> None:
    start = at(2027, 3, 28, 1, 30)  # the night clocks change in Paris
    clock = clock_from_env({CLOCK_START_ENV: start.isoformat()})
    assert abs(clock.now() - start) < timedelta(seconds=5)
    zulu = clock_from_env({CLOCK_START_ENV: "2027-03-28T01:30:00Z"}).now()
    assert zulu.tzinfo is not None and zulu.utcoffset() == timedelta(0)


@pytest.mark.parametrize("value, problem", [("tomorrow", "not an ISO 8601 instant"),
                                            ("2027-01-05T09:00:00", "has no time zone")])
def test_a_bad_clock_start_says_what_is_wrong(value: str, problem: str) -> None:
    with pytest.raises(ClockStartError, match=problem):
        parse_clock_start(value)


def test_fixed_clock_refuses_naive_and_moves_only_when_told() -> None:
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 11, 22))
    clock = FixedClock(at(2026, 11, 22, 9, 0))
    assert clock.now() == clock.now()
    assert clock.advance(hours=2) == at(2026, 11, 22, 11, 0)


def test_wall_after_never_schedules_in_the_past() -> None:
    assert wall_after(-3600) >= datetime.now(timezone.utc) - timedelta(seconds=1)


def test_scheduler_wakes_when_the_injected_clock_says_so() -> None:
    """A wake-up 0.1 s ahead by a clock far from the wall (any shift) fires in about 0.1 s: the
    scheduler is handed a delay, never an instant it would compare with wall time."""
    woke = threading.Event()
    scheduler = WakeScheduler(woke.set, sweep_seconds=3600)
    scheduler.start()
    try:
        clock = FixedClock(at(2026, 11, 22, 9, 0))
        due = clock.now() + timedelta(seconds=0.1)
        scheduler.wake_in((due - clock.now()).total_seconds())
        assert woke.wait(10), "the wake-up never fired"
        woke.clear()
        for _ in range(50):  # replacing a job that just fired is never an error
            scheduler.wake_in(0)
        assert woke.wait(10)
        woke.clear()
        scheduler.wake_in(0.3)
        scheduler.wake_in(None)  # nothing due any more: only the sweep is left
        assert not woke.wait(1.0)
    finally:
        scheduler.stop()
