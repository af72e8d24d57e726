"""Commands that read files the operator gives: `parse` mails, `import-orders` reports."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from bot.app.cli.group import command_clock, main, open_store
from bot.edges.config import ConfigError, load_settings


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--authserv-id", "authserv", multiple=True,
              help="Trust Authentication-Results from this authserv-id.")
@click.option("--seller", multiple=True, help="Seller address (commands come from it).")
@click.option("--bot", "bot_address", multiple=True, help="sellerbot's own address.")
@click.option("--config", "config", default=None, type=click.Path(dir_okay=False),
              help="Classify exactly as the daemon does: seller and bot addresses, trusted "
                   "authserv-ids and time zone from this configuration.")
def parse(files: tuple[str, ...], as_json: bool, authserv: tuple[str, ...],
          seller: tuple[str, ...], bot_address: tuple[str, ...], config: str | None) -> None:
    """Parse emails without touching any state or network."""
    from bot.core.parse import parse_message

    options: dict[str, Any] = {}
    if config:
        from bot.app.service import parse_options

        try:
            options = parse_options(load_settings(config, resolve_secrets=False))
        except ConfigError as exc:
            raise click.ClickException(f"configuration error:\n{exc}") from None
    elif not (seller or bot_address):
        click.echo("note: without --config (or --seller/--bot) a seller's reply is not "
                   "recognized as a command", err=True)
    options["trusted_authserv_ids"] = (*options.get("trusted_authserv_ids", ()), *authserv)
    options["seller_addresses"] = (*options.get("seller_addresses", ()),
                                   *(s.lower() for s in seller))
    options["bot_addresses"] = (*options.get("bot_addresses", ()),
                                *(b.lower() for b in bot_address))
    for name in files:
        notice = parse_message(Path(name).read_bytes(), **options)
        data = {"file": name, **notice.to_json()}
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False))
            continue
        click.echo(click.style(f"{name}: {data['kind']}", bold=True))
        for key in ("marketplace", "language", "order_id", "reason", "event_time", "deadline",
                    "deadline_source", "needs_confirmation"):
            if data.get(key):
                click.echo(f"  {key}: {data[key]}")
        for link in data["links"]:
            click.echo(f"  link {link['role']}: {link['target']}")
        for reason in data["suspicious_reasons"]:
            click.echo(f"  suspicious: {reason}")
        if data.get("error"):
            click.echo(f"  error: {data['error']}")


@main.command("import-orders")
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_orders_cmd(config: str, file: Path) -> None:
    """Load an Amazon order report or a shipments CSV (docs/orders-import.md)."""
    from bot.flows.orders_import import import_orders

    _settings, store = open_store(config)
    summary = import_orders(store, file, command_clock().now())
    for line in summary.lines():
        click.echo(line)
    if summary.errors:
        sys.exit(1)  # the good rows are loaded; the bad ones are listed above
