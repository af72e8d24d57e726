"""Threads around the single writer.

IMAP watchers (one per account/folder) and the scheduler only put work on a queue; one worker
thread owns the database connection and processes mail, reminders and the outbox in order.

`daemon` builds the parts and runs the worker; `lifecycle` starts and stops what runs around
it; `watch` is the IDLE-and-poll loop of one folder; `bulk_sync` the catch-up and backfill
path; `parsing` the bounded parse workers; `timers` the scheduler; `intake_health` whether
mail still arrives; `instance_lock` one daemon per database; `accounts` settings to accounts.
"""

from __future__ import annotations

from bot.app.daemon.accounts import imap_account
from bot.app.daemon.bulk_sync import Stats
from bot.app.daemon.daemon import Daemon
from bot.app.daemon.instance_lock import AlreadyRunning, InstanceLock
from bot.app.daemon.parsing import PARSE_TARGET

__all__ = ["PARSE_TARGET", "AlreadyRunning", "Daemon", "InstanceLock", "Stats", "imap_account"]
