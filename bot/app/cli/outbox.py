"""The `outbox` command: what is pending, failed or uncertain, and `retry` to send again."""

from __future__ import annotations

import json

import click

from bot.app.cli.group import command_clock, main, open_store


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
    _settings, store = open_store(config)
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
    settings, store = open_store(config)
    service = Service(settings, store, command_clock())
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
