"""Operator checks: `sellerbot check-config --connect` and `sellerbot doctor`.

`check_connections` logs in to IMAP and SMTP exactly as the daemon would (same TLS modes,
certificate verification on) and lists the folders, but never sends or changes anything.
`doctor` looks at the local state: versions, database health, last sync per folder, outbox,
quarantine, open cases, OAuth token expiry and whether a daemon holds the lock.

No secret is ever put in a result: each detail is scrubbed of the password and token in use
(also in base64, as SASL would carry them) before it is returned.

One module per check: `checks` (the result and what every check shares), `imap_check`,
`smtp_check`, `connections` (both from settings), `reply_routing` (the probe mail),
`config_check` (offline problems) and `doctor` (local state).
"""

from __future__ import annotations

from bot.app.ops.checks import LOOPBACK, CheckResult, all_ok, render_checks
from bot.app.ops.config_check import config_problems
from bot.app.ops.connections import check_connections
from bot.app.ops.doctor import PACKAGES, doctor, permission_check
from bot.app.ops.doctor import _lock_state as _lock_state  # tests probe the lock with it
from bot.app.ops.imap_check import check_imap
from bot.app.ops.reply_routing import check_reply_routing
from bot.app.ops.smtp_check import check_smtp

__all__ = ["CheckResult", "LOOPBACK", "PACKAGES", "all_ok", "check_connections", "check_imap",
           "check_reply_routing", "check_smtp", "config_problems", "doctor",
           "permission_check", "render_checks"]
