"""The `sellerbot` command group and what its commands share: settings, clock, store, logging."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path
from typing import Any

import click
from imapclient.exceptions import IMAPClientError

from bot import __version__
from bot.edges.clock import ClockStartError, SystemClock, clock_from_env
from bot.edges.config import ConfigError, Settings, load_settings


def load_config(config: str) -> Settings:
    """The settings, or the configuration errors as a ClickException."""
    try:
        return load_settings(config)
    except ConfigError as exc:
        raise click.ClickException(f"configuration error:\n{exc}") from None


def command_clock() -> SystemClock:
    """Wall time, or from SELLERBOT_CLOCK_START (replays, simulations, time-shifted tests)."""
    try:
        return clock_from_env()
    except ClockStartError as exc:
        raise click.ClickException(str(exc)) from None


def setup_logging(verbose: bool, fmt: str = "human") -> None:
    """Human lines, or one JSON object per line (journald, log shippers)."""
    level = logging.DEBUG if verbose else logging.INFO
    if fmt == "json":
        class _Json(logging.Formatter):
            def format(self, record: logging.LogRecord) -> str:
                return json.dumps({"time": self.formatTime(record), "level": record.levelname,
                                   "logger": record.name, "message": record.getMessage()},
                                  ensure_ascii=False)
        handler = logging.StreamHandler()
        handler.setFormatter(_Json())
        logging.basicConfig(level=level, handlers=[handler])
    else:
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def open_store(config: str, readonly: bool = False) -> Any:
    """(settings, Store) of the configured database."""
    from bot.edges.store import Store

    settings = load_config(config)
    return settings, Store(settings.bot.database, readonly=readonly)


def explain_start_error(config: str, exc: Exception) -> str:
    """A start-up failure as one line for the operator, not a traceback."""
    if isinstance(exc, ConfigError):
        text = str(exc)
        return text if text.startswith(config) else f"{config}: {text}"
    if isinstance(exc, IMAPClientError):
        return f"IMAP login refused ({exc}); check [imap] username and password in {config}"
    return f"cannot connect: {exc} (check host and port in {config})"


def private_copy(database: str, copy: str) -> None:
    """A 0600 copy of the database (if it exists) for a trial that must not touch it."""
    if Path(database).exists():
        from bot.edges.store import private_file

        private_file(copy)
        os.chmod(copy, 0o600)
        with sqlite3.connect(database) as src, sqlite3.connect(copy) as dst:
            src.backup(dst)


@click.group()
@click.version_option(__version__, prog_name="sellerbot")
def main() -> None:
    """sellerbot: never miss an Amazon return-request or A-to-Z claim deadline."""
    # Private by default: the database, its -wal/-shm, dry-run copies, evidence zips and
    # calendars hold buyer mails, addresses and order data. Nothing sellerbot creates is
    # readable by others, whatever umask cron or a shell left us.
    os.umask(0o077)
