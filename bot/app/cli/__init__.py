"""Command line: run | demo | parse | status | show | outbox | check-config.

`group` holds the `sellerbot` group and what commands share; each theme registers its commands
on it: `running` (run, backfill, demo), `cases` (status, show, explain, evidence, calendar,
health), `outbox`, `setup` (check-config, doctor, auth) and `inputs` (parse, import-orders).
"""

from __future__ import annotations

from bot.app.cli import cases, inputs, outbox, running, setup  # noqa: F401 - registers commands
from bot.app.cli.cases import AWAITING, status_table
from bot.app.cli.group import main

__all__ = ["AWAITING", "main", "status_table"]
