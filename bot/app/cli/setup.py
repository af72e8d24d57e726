"""Setting sellerbot up and keeping it healthy: `check-config`, `doctor`, `auth`."""

from __future__ import annotations

import sys

import click

from bot.app.cli.group import command_clock, load_config, main
from bot.edges.config import ConfigError, load_settings


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

    settings = load_config(config)
    results = run_doctor(settings, command_clock().now())
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

    settings = load_config(config)
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
