"""Commands that run the daemon: `run` (or one pass), `backfill` of past mail, the `demo`."""

from __future__ import annotations

import logging
import signal
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from imapclient.exceptions import IMAPClientError

from bot.app.cli.group import command_clock, explain_start_error, load_config, main, \
    private_copy, setup_logging
from bot.edges.config import ConfigError, load_settings


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False),
              help="TOML configuration file.")
@click.option("--once", is_flag=True, help="Sync, process, send what is due, exit.")
@click.option("--dry-run", "dry_run", type=click.Path(file_okay=False), default=None,
              help="Send nothing; write outgoing mail into this folder.")
@click.option("--log-format", type=click.Choice(["human", "json"]), default="human")
@click.option("-v", "--verbose", is_flag=True)
def run(config: str, once: bool, dry_run: str | None, log_format: str, verbose: bool) -> None:
    """Run the daemon (or one pass with --once)."""
    from bot.app.daemon import AlreadyRunning, Daemon

    setup_logging(verbose, log_format)
    settings = load_config(config)
    db_path = None
    if dry_run:
        # Nothing leaves, and nothing sticks: the run works on a copy of the database, so a
        # trial never marks mail as processed or effects as done in the real one.
        Path(dry_run).mkdir(parents=True, exist_ok=True)
        db_path = str(Path(dry_run) / "dry-run-state.db")
        private_copy(settings.bot.database, db_path)
    daemon = Daemon(settings, command_clock(), db_path=db_path, dry_run_dir=dry_run)
    try:
        if once:
            stats = daemon.run_once()
            click.echo(f"processed {stats.processed} message(s)"
                       + "".join(f", {k}={v}" for k, v in sorted(stats.by_status.items())))
            return
        signal.signal(signal.SIGTERM, lambda *_: daemon.stop_event.set())
        signal.signal(signal.SIGINT, lambda *_: daemon.stop_event.set())
        signal.signal(signal.SIGHUP, lambda *_: daemon.request_reload(
            lambda: load_settings(config)))
        daemon.run_forever()
    except AlreadyRunning as exc:
        raise click.ClickException(str(exc)) from None
    except (ConfigError, IMAPClientError, OSError) as exc:
        raise click.ClickException(explain_start_error(config, exc)) from None


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.option("--since", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day to read (YYYY-MM-DD), by the server's arrival date "
                   "(IMAP SEARCH SINCE), not the mails' Date header.")
@click.option("--dry-run", is_flag=True,
              help="Work on a copy of the database and only show what would be sent.")
def backfill(config: str, since: Any, dry_run: bool) -> None:
    """Rebuild case state from past notifications (nothing sent for past deadlines)."""
    import tempfile

    from bot.app.daemon import Daemon

    settings = load_config(config)
    work = tempfile.TemporaryDirectory(prefix="sellerbot-backfill-") if dry_run else None
    db_path = settings.bot.database
    out_dir = None
    if work is not None:
        db_path = str(Path(work.name) / "copy.db")
        out_dir = str(Path(work.name) / "would-send")
        private_copy(settings.bot.database, db_path)
    daemon = Daemon(settings, command_clock(), db_path=db_path, dry_run_dir=out_dir)
    stats = _backfill_with_progress(daemon, since.date(), config)
    if stats.processed:
        click.echo("backfill: " + ", ".join(f"{k}={v}"
                                            for k, v in sorted(stats.by_status.items())))
    else:
        click.echo(f"backfill: nothing new since {since.date()}")
    if work is not None:
        _echo_would_send(out_dir)
        work.cleanup()


def _backfill_with_progress(daemon: Any, since: date, config: str) -> Any:
    """The daemon's backfill with a progress bar per folder; start-up failures as one line."""
    from rich.progress import Progress

    from bot.app.daemon import AlreadyRunning

    with Progress(transient=False) as bar:
        tasks: dict[str, Any] = {}

        def progress(folder: str, done: int, total: int) -> None:
            if folder not in tasks:
                tasks[folder] = bar.add_task(f"{folder}", total=total or 1)
            bar.update(tasks[folder], completed=done if total else 1)

        try:
            return daemon.backfill(since, progress)
        except AlreadyRunning as exc:
            raise click.ClickException(f"{exc} (stop it first, or use --dry-run)") from None
        except (ConfigError, IMAPClientError, OSError) as exc:
            raise click.ClickException(explain_start_error(config, exc)) from None


def _echo_would_send(out_dir: str | None) -> None:
    """A dry run's outgoing mail, by recipient and subject."""
    import email

    files = sorted(Path(out_dir or ".").glob("*.eml")) if out_dir else []
    click.echo(f"dry run: {len(files)} mail(s) would be sent; the database is unchanged")
    for f in files:
        msg = email.message_from_bytes(f.read_bytes())
        click.echo(f"  to {msg['To']}: {msg['Subject']}")


@main.command()
def demo() -> None:
    """Run the whole flow in one process on an embedded default (no account, no network)."""
    from bot.demo.run import run_demo

    logging.basicConfig(level=logging.WARNING)
    sys.exit(run_demo(start=command_clock().now()))
