"""Commands about cases: `status`, `show`, `explain`, `evidence`, `calendar` and `health`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from bot.app.cli.group import command_clock, load_config, main, open_store


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def status(config: str, as_json: bool) -> None:
    """Open cases sorted by time left, overdue first."""
    from bot.app.status import open_readonly, status_json, status_rows, status_tsv

    settings = load_config(config)
    if not _has_cases_table(settings.bot.database):
        click.echo("[]" if as_json else f"no cases yet ({settings.bot.database} has not been "
                   "created by the daemon yet)")
        return
    conn = open_readonly(str(settings.bot.database))
    now = command_clock().now()
    # Computed by SQLite (bot.app.status): fast on 100,000 open cases; written as is.
    tz = settings.seller.timezone
    if as_json:
        sys.stdout.write(status_json(conn, now, tz) + "\n")
        return
    if sys.stdout.isatty():
        out = status_rows(conn, now, tz)
        if not out:
            click.echo("no open cases")
            return
        from rich.console import Console

        Console().print(status_table(out))
    else:
        text = status_tsv(conn, now, tz)
        sys.stdout.write(text + "\n" if text else "")


#: What the seller is expected to do, by open state (the `status` table's words).
AWAITING = {"return_requested": "your decision", "return_received": "refund",
            "claim_info_requested": "A-to-Z info", "claim_granted": "appeal?",
            "message_awaiting_reply": "buyer reply", "cancel_requested": "cancel order"}


def _has_cases_table(database: str) -> bool:
    """False for a database the daemon has not created yet (and do not create it)."""
    import sqlite3

    if not Path(database).exists():
        return False
    with sqlite3.connect(f"file:{Path(database).resolve()}?mode=ro", uri=True) as conn:
        return conn.execute("select 1 from sqlite_master where type = 'table' and "
                            "name = 'cases'").fetchone() is not None


def status_table(rows: list[dict[str, Any]]) -> Any:
    """Open cases as a table that fits 80 columns: order ids and deadlines never wrap."""
    from rich import box
    from rich.table import Table

    table = Table(title=f"{len(rows)} open case(s)", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("ref", no_wrap=True)
    table.add_column("awaiting", overflow="fold")
    table.add_column("order", no_wrap=True)
    table.add_column("deadline", no_wrap=True)
    table.add_column("left", no_wrap=True, justify="right")
    for o in rows:
        from datetime import datetime

        deadline = datetime.fromisoformat(o["deadline"]).strftime("%d/%m %H:%M") \
            if o["deadline"] else ""
        table.add_row(o["ref"], AWAITING.get(o["state"], o["state"].replace("_", " ")),
                      o["order_id"] or "", deadline,
                      "OVERDUE" if o["overdue"] else f"{o['hours_left']} h")
    return table


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.argument("ref")
def show(config: str, ref: str) -> None:
    """The timeline of a case (by case ref or order id)."""
    from zoneinfo import ZoneInfo

    from bot.edges.store import parse_iso

    settings, store = open_store(config, readonly=True)
    zone = ZoneInfo(settings.seller.timezone)

    def local(value: str | None) -> str:
        when = parse_iso(value)
        return when.astimezone(zone).strftime("%Y-%m-%d %H:%M") if when else "-"

    case = store.case_by_ref(ref)
    if case is None:
        found = store.cases_where("order_id = ?", [ref])
        case = found[0] if found else None
    if case is None:
        raise click.ClickException(f"no case {ref}")
    click.echo(f"{case['ref']}  {case['kind']}  {case['state']}  order {case['order_id']}  "
               f"deadline {local(case['deadline'])} ({settings.seller.timezone})")
    for ev in store.events(case["id"]):
        click.echo(f"  {local(ev['at'])}  {ev['kind']:<22} {ev['from_state'] or '':>22} -> "
                   f"{ev['to_state'] or '':<22} {ev['reason']}")
    for rem in store.reminders(case["id"]):
        what = "deadline alarm" if rem["kind"] == "deadline" else f"{rem['kind']} #{rem['seq']}"
        click.echo(f"  {what} due {local(rem['due_at'])}: {rem['status']}")
    for eff in store.effects():
        if eff["case_id"] == case["id"]:
            click.echo(f"  effect {eff['kind']} {eff['effect_key']}: {eff['status']}")


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.argument("ref")
def explain(config: str, ref: str) -> None:
    """Why sellerbot did or did not act on a case (by case ref or order id)."""
    from bot.app.explain import explain_case

    settings, store = open_store(config)
    try:
        lines = explain_case(store, ref, tz=settings.seller.timezone,
                             high_value_threshold=settings.policy.high_value_threshold)
    except KeyError:
        raise click.ClickException(f"no case {ref}") from None
    for line in lines:
        click.echo(line)


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Zip file to write.")
@click.option("--eml-dir", "eml_dirs", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of .eml files exported from the mailbox (searched by Message-ID).")
@click.argument("ref")
def evidence(config: str, output: Path, eml_dirs: tuple[Path, ...], ref: str) -> None:
    """Write a zip with a case's timeline, order facts and the raw emails available."""
    import zipfile

    from bot.app.explain import eml_folder_lookup, export_evidence

    settings, store = open_store(config)
    lookups = [eml_folder_lookup(d) for d in eml_dirs]

    def lookup(message_id: str) -> Path | None:
        return next((p for p in (f(message_id) for f in lookups) if p is not None), None)

    try:
        path = export_evidence(store, ref, output, lookup if lookups else None,
                               tz=settings.seller.timezone,
                               high_value_threshold=settings.policy.high_value_threshold)
    except KeyError:
        raise click.ClickException(f"no case {ref}") from None
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        data = json.loads(zf.read("summary.json"))
    click.echo(f"wrote {path}: {len(names)} file(s), "
               f"{len(data['messages']) - len(data['not_included'])} of "
               f"{len(data['messages'])} message(s) included as .eml")
    for message_id in data["not_included"]:
        click.echo(f"  not stored, find it in the mailbox: {message_id}")
    if data["missing"]:
        click.echo(f"  missing order facts: {', '.join(data['missing'])} "
                   "(sellerbot import-orders)")


@main.command()
@click.option("--config", "config", default="config.toml", show_default=True,
              envvar="SELLERBOT_CONFIG", type=click.Path(dir_okay=False))
@click.option("--alarm", "alarms", multiple=True, type=float, default=(24.0, 2.0),
              show_default=True, help="Alert this many hours before each deadline.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write to this file (mode 0600) instead of stdout.")
def calendar(config: str, alarms: tuple[float, ...], output: Path | None) -> None:
    """Every open deadline as iCalendar: sellerbot calendar > deadlines.ics"""
    from bot.flows.digest import calendar_ics, open_case_rows

    settings, store = open_store(config)
    now = command_clock().now()
    ics = calendar_ics(open_case_rows(store, now), now, settings.seller.timezone,
                       alarms_hours=alarms, prodid_domain=settings.bot.domain,
                       lang=settings.seller.language, bot_name=settings.bot.name)
    if output is not None:
        from bot.edges.store import private_file

        private_file(output)  # order ids and deadlines: not for other local users
        os.chmod(output, 0o600)
        output.write_bytes(ics)
        return
    click.echo(ics, nl=False)  # bytes, written as is: CRLF lines, UTF-8


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def health(config: str, as_json: bool) -> None:
    """Late shipments, valid tracking, 24 h answers and claims over 7 and 30 days."""
    from bot.flows.health import health_lines, store_health

    settings, store = open_store(config, readonly=True)
    report = store_health(store, command_clock().now(), settings.seller.timezone)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo("\n".join(health_lines(report)))
