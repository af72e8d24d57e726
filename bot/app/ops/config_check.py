"""`check-config` without a network: what the daemon will need that the file alone cannot prove."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def config_problems(settings: Any, source: str) -> list[str]:
    """Everything the daemon will need that the file alone cannot prove, all at once: every
    secret, the database folder, the approved buyer sender. One line per problem."""
    return [*_secret_problems(settings, source), *_database_problems(settings, source),
            *_buyer_problems(settings, source)]


def _secret_problems(settings: Any, source: str) -> list[str]:
    """The secret key and every password the mailboxes and the relay log in with."""
    from bot.edges.config import ConfigError

    problems: list[str] = []
    try:
        settings.secret_key()
    except ConfigError as exc:
        text = str(exc)
        problems.append(text if text.startswith(source) else f"{source}: {text}")
    labels = (["imap"] if settings.imap else []) + \
        [f"accounts[{i}]" for i in range(len(settings.accounts))]
    sections = [(label, box, "imap") for label, box in zip(labels, settings.mailboxes())]
    sections.append(("smtp", settings.smtp, "smtp"))
    for label, section, kind in sections:
        if getattr(section, "oauth2", None) is not None:
            continue  # a token file, checked by --connect
        if kind == "smtp" and not section.username:
            continue  # no login
        try:
            password = section.resolve_password(label)
        except ConfigError as exc:
            problems.append(f"{source}: {exc}")
            continue
        if password is None:
            problems.append(f"{source}: {label}: no password (set password_env, "
                            "password_command or password)")
    return problems


def _database_problems(settings: Any, source: str) -> list[str]:
    """SQLite writes the database and its -wal and -shm beside it: the folder must take them."""
    database = Path(settings.bot.database).expanduser()
    folder = database.parent if str(database.parent) else Path(".")
    if not folder.is_dir():
        return [f"{source}: bot.database: folder {folder} does not exist "
                f"(create it: mkdir -p {folder})"]
    if not os.access(folder, os.W_OK | os.X_OK):
        return [f"{source}: bot.database: folder {folder} is not writable by this "
                "user (SQLite also writes its -wal and -shm files there)"]
    if database.exists() and not os.access(database, os.W_OK):
        return [f"{source}: bot.database: {database} is not writable by this user"]
    return []


def _buyer_problems(settings: Any, source: str) -> list[str]:
    buyer = settings.buyer
    if buyer.answers and not buyer.sender:
        return [f"{source}: buyer.sender: not set, so RÉPONDRE and GARDER cannot reach "
                "buyers. Set it to the address you approved in Seller Central "
                "(Settings > Notification preferences > Approved senders), or set "
                "buyer.answers = false to get the text to paste instead"]
    return []
