"""Crash injection for the torture tests: `SELLERBOT_FAILPOINT=name` makes the process die
(os._exit, like kill -9: no cleanup, no flush) when it reaches the point called `name`.

Points: after_commit (decision and outbox rows committed, nothing sent), after_send (an email
accepted by SMTP, row not yet marked done), during_link (a link request marked in flight).
Unset in production: the check is one dict lookup.
"""

from __future__ import annotations

import os

_ARMED = os.environ.get("SELLERBOT_FAILPOINT", "")


def reach(name: str) -> None:
    if _ARMED and _ARMED == name:
        os._exit(137)
