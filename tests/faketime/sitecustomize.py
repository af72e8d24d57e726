"""Loaded only by scripts/test-faketime: works around libfaketime 0.9.10 on CPython 3.11.

With the monotonic clock faked, threading's timed waits (sem_clockwait) never return
(wolfcw/libfaketime#390); with FAKETIME_DONT_FAKE_MONOTONIC=1 they work, but time.sleep's
absolute clock_nanosleep gets a deadline 400 days off and fails with EINVAL. A relative
select() timeout is not translated, so sleep goes through it. Nothing of the product changes.
"""

import select
import time


def _sleep(seconds: float) -> None:
    if seconds < 0:
        raise ValueError("sleep length must be non-negative")
    select.select([], [], [], seconds)


time.sleep = _sleep
