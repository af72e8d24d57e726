"""Command line: run | demo | parse | status | show | outbox | check-config."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

import click
from imapclient.exceptions import IMAPClientError

from bot import __version__
from bot.edges.clock import ClockStartError, SystemClock, clock_from_env
from bot.edges.config import ConfigError, Settings, load_settings


def _load(config: str) -> Settings:
    try:
        return load_settings(config)
    except ConfigError as exc:
        raise click.ClickException(f"configuration error:\n{exc}") from None


def _clock() -> SystemClock:
    """Wall time, or from SELLERBOT_CLOCK_START (replays, simulations, time-shifted tests)."""
    try:
        return clock_from_env()
    except ClockStartError as exc:
        raise click.ClickException(str(exc)) from None


def _setup_logging(verbose: bool, fmt: str = "human") -> None:
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


@click.group()
@click.version_option(__version__, prog_name="sellerbot")
def main() -> None:
    """sellerbot: never miss an Amazon return-request or A-to-Z claim deadline."""
    # Private by default: the database, its -wal/-shm, dry-run copies, evidence zips and
    # calendars hold buyer mails, addresses and order data. Nothing sellerbot creates is
    # readable by others, whatever umask cron or a shell left us.
    os.umask(0o077)


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

    _setup_logging(verbose, log_format)
    settings = _load(config)
    db_path = None
    if dry_run:
        # Nothing leaves, and nothing sticks: the run works on a copy of the database, so a
        # trial never marks mail as processed or effects as done in the real one.
        import sqlite3

        Path(dry_run).mkdir(parents=True, exist_ok=True)
        db_path = str(Path(dry_run) / "dry-run-state.db")
        if Path(settings.bot.database).exists():
            from bot.edges.store import private_file

            private_file(db_path)
            os.chmod(db_path, 0o600)
            with sqlite3.connect(settings.bot.database) as src, sqlite3.connect(db_path) as dst:
                src.backup(dst)
    daemon = Daemon(settings, _clock(), db_path=db_path, dry_run_dir=dry_run)
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
        raise click.ClickException(_explain_start_error(config, exc)) from None


def _explain_start_error(config: str, exc: Exception) -> str:
    """A start-up failure as one line for the operator, not a traceback."""
    if isinstance(exc, ConfigError):
        text = str(exc)
        return text if text.startswith(config) else f"{config}: {text}"
    if isinstance(exc, IMAPClientError):
        return f"IMAP login refused ({exc}); check [imap] username and password in {config}"
    return f"cannot connect: {exc} (check host and port in {config})"


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.option("--since", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="First day to read (YYYY-MM-DD), by the server's arrival date "
                   "(IMAP SEARCH SINCE), not the mails' Date header.")
@click.option("--dry-run", is_flag=True,
              help="Work on a copy of the database and only show what would be sent.")
def backfill(config: str, since: Any, dry_run: bool) -> None:
    """Rebuild case state from past notifications (nothing sent for past deadlines)."""
    import sqlite3
    import tempfile

    from rich.progress import Progress

    from bot.app.daemon import AlreadyRunning, Daemon

    settings = _load(config)
    work = tempfile.TemporaryDirectory(prefix="sellerbot-backfill-") if dry_run else None
    db_path = settings.bot.database
    out_dir = None
    if work is not None:
        db_path = str(Path(work.name) / "copy.db")
        out_dir = str(Path(work.name) / "would-send")
        if Path(settings.bot.database).exists():
            from bot.edges.store import private_file

            private_file(db_path)
            os.chmod(db_path, 0o600)
            with sqlite3.connect(settings.bot.database) as src, sqlite3.connect(db_path) as dst:
                src.backup(dst)
    daemon = Daemon(settings, _clock(), db_path=db_path, dry_run_dir=out_dir)
    with Progress(transient=False) as bar:
        tasks: dict[str, Any] = {}

        def progress(folder: str, done: int, total: int) -> None:
            if folder not in tasks:
                tasks[folder] = bar.add_task(f"{folder}", total=total or 1)
            bar.update(tasks[folder], completed=done if total else 1)

        try:
            stats = daemon.backfill(since.date(), progress)
        except AlreadyRunning as exc:
            raise click.ClickException(f"{exc} (stop it first, or use --dry-run)") from None
        except (ConfigError, IMAPClientError, OSError) as exc:
            raise click.ClickException(_explain_start_error(config, exc)) from None
    if stats.processed:
        click.echo("backfill: " + ", ".join(f"{k}={v}"
                                            for k, v in sorted(stats.by_status.items())))
    else:
        click.echo(f"backfill: nothing new since {since.date()}")
    if work is not None:
        import email

        files = sorted(Path(out_dir or ".").glob("*.eml")) if out_dir else []
        click.echo(f"dry run: {len(files)} mail(s) would be sent; the database is unchanged")
        for f in files:
            msg = email.message_from_bytes(f.read_bytes())
            click.echo(f"  to {msg['To']}: {msg['Subject']}")
        work.cleanup()


@main.command()
def demo() -> None:
    """Run the whole flow in one process on an embedded default (no account, no network)."""
    from bot.demo.run import run_demo

    logging.basicConfig(level=logging.WARNING)
    sys.exit(run_demo(start=_clock().now()))


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


def _store(config: str, readonly: bool = False) -> Any:
    from bot.edges.store import Store

    settings = _load(config)
    return settings, Store(settings.bot.database, readonly=readonly)


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def status(config: str, as_json: bool) -> None:
    """Open cases sorted by time left, overdue first."""
    from bot.app.status import open_readonly, status_json, status_rows, status_tsv

    settings = _load(config)
    if not _has_cases_table(settings.bot.database):
        click.echo("[]" if as_json else f"no cases yet ({settings.bot.database} has not been "
                   "created by the daemon yet)")
        return
    conn = open_readonly(str(settings.bot.database))
    now = _clock().now()
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

    settings, store = _store(config, readonly=True)
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


@main.group(invoke_without_command=True)
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def outbox(ctx: click.Context, config: str | None, as_json: bool) -> None:
    """What is pending, retrying, failed or uncertain in the outbox (`retry`: send again)."""
    ctx.obj = {"config": config}
    if ctx.invoked_subcommand is not None:
        return
    if config is None:
        raise click.UsageError("Missing option '--config'.")
    _settings, store = _store(config)
    rows = [{k: e[k] for k in ("id", "kind", "effect_key", "status", "attempts",
                               "next_attempt_at", "last_error")}
            for e in store.effects(("pending", "retrying", "inflight", "failed", "uncertain"))]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False))
    else:
        for r in rows:
            click.echo(f"{r['id']:>5} {r['kind']:<6} {r['status']:<9} tries={r['attempts']} "
                       f"{r['effect_key']}  {r['last_error'] or ''}")
        if not rows:
            click.echo("outbox empty: everything was delivered")


@outbox.command("retry")
@click.option("--config", "config", type=click.Path(dir_okay=False), default=None)
@click.option("--all", "every", is_flag=True,
              help="Every mail to the seller that is failed or retrying and still matters.")
@click.argument("effect_id", type=int, required=False)
@click.pass_context
def outbox_retry(ctx: click.Context, config: str | None, every: bool,
                 effect_id: int | None) -> None:
    """Send a failed or retrying mail again now (a running daemon takes it at its next
    sweep, within 30 s). Link requests and uncertain effects are never repeated."""
    from bot.app.service import Service

    config = config or (ctx.obj or {}).get("config")
    if config is None:
        raise click.UsageError("Missing option '--config'.")
    if every == (effect_id is not None):
        raise click.UsageError("give one effect ID or --all")
    settings, store = _store(config)
    service = Service(settings, store, _clock())
    if every:
        ids = service.rearm_seller_mail()
    else:
        row = next((e for e in store.effects() if e["id"] == effect_id), None)
        if row is None:
            raise click.ClickException(f"no effect {effect_id} in the outbox")
        if row["kind"] != "email" or row["status"] not in ("failed", "retrying"):
            raise click.ClickException(
                f"effect {effect_id} is {row['kind']} {row['status']}: only failed or retrying "
                "mails are sent again (a link request to Amazon is never repeated blindly: "
                "reply to the case instead)")
        with store.transaction():
            store.rearm([effect_id], service.clock.now())
        ids = [effect_id]
    click.echo(f"{len(ids)} mail(s) due again now" + (f": {', '.join(map(str, ids))}"
                                                      if ids else ""))


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

    settings, store = _store(config)
    now = _clock().now()
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


@main.command("check-config")
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.option("--connect", is_flag=True,
              help="Also log in to IMAP (and list folders) and SMTP, and check that mail to "
                   "the bot's reply address reaches a watched mailbox (one probe mail, "
                   "deleted once found).")
@click.option("--probe-timeout", type=float, default=60.0, show_default=True,
              help="Seconds to wait for the probe mail.")
def check_config(config: str, connect: bool, probe_timeout: float) -> None:
    """Validate the configuration file and report every problem at once (with --connect,
    the logins and the routing of replies too)."""
    from bot.app.ops import all_ok, config_problems

    try:
        settings = load_settings(config, resolve_secrets=False)
    except ConfigError as exc:
        raise click.ClickException(f"configuration error:\n{exc}") from None
    problems = config_problems(settings, config)
    if not problems:
        click.echo(f"{config}: OK (seller {settings.seller.name}, links mode "
                   f"{settings.links.effective_mode})")
    from bot.app.ops import permission_check

    if (perms := permission_check(settings.bot.database)) is not None:
        click.echo(f"WARN  {perms.detail}")
    ok = True
    if connect:
        from bot.app.ops import check_connections, check_reply_routing, render_checks

        results = check_connections(settings)
        if all_ok(results):
            results += check_reply_routing(settings, timeout=probe_timeout)
        else:
            from bot.app.ops import CheckResult
            results.append(CheckResult("reply routing", False, "not checked: fix the logins "
                                       "above first"))
        click.echo(render_checks(results))
        ok = all_ok(results)
    if problems:
        click.echo(f"configuration error ({len(problems)} problem(s)):", err=True)
        for line in problems:
            click.echo(f"  {line}", err=True)
    if problems or not ok:
        sys.exit(1)


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def doctor(config: str, as_json: bool) -> None:
    """Versions, database health, last sync, outbox, quarantine, open cases, tokens, lock."""
    import json as _json

    from bot.app.ops import all_ok, render_checks
    from bot.app.ops import doctor as run_doctor

    settings = _load(config)
    results = run_doctor(settings, _clock().now())
    if as_json:
        click.echo(_json.dumps([{"name": r.name, "ok": r.ok, "warning": r.warning,
                                 "detail": r.detail} for r in results], ensure_ascii=False))
    else:
        click.echo(render_checks(results))
    if not all_ok(results):
        sys.exit(1)


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.option("--for", "which", type=click.Choice(["imap", "smtp"]), default="imap",
              show_default=True, help="Whose [*.oauth2] section to authorize.")
@click.option("--manual", is_flag=True,
              help="Google, no browser on this machine: paste the address you end on.")
@click.option("--no-browser", is_flag=True, help="Print the URL, do not open a browser.")
def auth(config: str, which: str, manual: bool, no_browser: bool) -> None:
    """Sign in once with OAuth2 (Gmail, Microsoft 365) and store the refresh token."""
    from bot.edges.oauth import OAuthError, authorize, provider_from_settings

    settings = _load(config)
    section = getattr(settings, which, None)
    oauth2 = getattr(section, "oauth2", None) if section is not None else None
    if oauth2 is None:
        raise click.ClickException(f"no [{which}.oauth2] section in {config}")
    try:
        path, prov = provider_from_settings(oauth2)
        opener = None
        if not (no_browser or manual):
            import webbrowser
            opener = webbrowser.open
        authorize(prov, path, echo=click.echo,
                  prompt=lambda text: click.prompt(text, prompt_suffix=": "),
                  open_browser=opener, manual=manual, login_hint=section.username)
    except OAuthError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Next: sellerbot check-config --config {config} --connect")


@main.command("import-orders")
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_orders_cmd(config: str, file: Path) -> None:
    """Load an Amazon order report or a shipments CSV (docs/orders-import.md)."""
    from bot.flows.orders_import import import_orders

    _settings, store = _store(config)
    summary = import_orders(store, file, _clock().now())
    for line in summary.lines():
        click.echo(line)
    if summary.errors:
        sys.exit(1)  # the good rows are loaded; the bad ones are listed above


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
def health(config: str, as_json: bool) -> None:
    """Late shipments, valid tracking, 24 h answers and claims over 7 and 30 days."""
    from bot.flows.health import health_lines, store_health

    settings, store = _store(config, readonly=True)
    report = store_health(store, _clock().now(), settings.seller.timezone)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    click.echo("\n".join(health_lines(report)))


@main.command()
@click.option("--config", "config", required=True, type=click.Path(dir_okay=False))
@click.argument("ref")
def explain(config: str, ref: str) -> None:
    """Why sellerbot did or did not act on a case (by case ref or order id)."""
    from bot.app.explain import explain_case

    settings, store = _store(config)
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

    settings, store = _store(config)
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
