"""The IMAP accounts the daemon reads, as the mailbox adapter wants them, from the settings."""

from __future__ import annotations

from bot.edges.config import ImapSettings, Settings
from bot.edges.mailbox import ImapAccount
from bot.edges.oauth import token_source_for


def imap_account(imap: ImapSettings) -> ImapAccount:
    token = token_source_for(imap)  # XOAUTH2 (Gmail, Microsoft 365) instead of a password
    return ImapAccount(name=f"{imap.username}@{imap.host}", host=imap.host, port=imap.port,
                       security=imap.security, username=imap.username,
                       password="" if token else (imap.resolve_password("imap") or ""),
                       timeout=imap.timeout_seconds, token=token,
                       move_processed_to=imap.move_processed_to,
                       quarantine_folder=imap.quarantine_folder)


def watched_folders(settings: Settings) -> set[str]:
    """Every folder a watcher syncs, as account/folder: readiness waits for all of them."""
    return {f"{imap_account(m).name}/{f}" for m in settings.mailboxes() for f in m.folders}
