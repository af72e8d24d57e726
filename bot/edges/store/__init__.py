"""SQLite state through sqlite-utils: the source of truth for messages, cases, reminders, outbox.

Migrations are an ordered list applied once each (recorded in `_migrations`). Every public
method is a thin query; business rules live in `bot.core`. Times are stored as ISO 8601 UTC
strings so they sort as text.

- `facade`: `Store`, the one object callers hold; it hands each query to the part below
- `connection`: opening the file (WAL, 0600) and BEGIN IMMEDIATE transactions
- `schema`: the migrations
- `messages`: intake progress, messages seen, quarantine
- `cases`: cases, their events, ref counters
- `reminders`: reminders, and the set-wise catch-up after downtime
- `outbox`: effects queued once by key, their retries
- `digests`, `orders`: digest numberings, merged order facts
- `rows`, `files`: ISO times and plain INSERTs; the database file's permissions
"""

from .facade import Store
from .files import exposed_mode, private_file
from .outbox import SELLER_MAIL_DOWN_SINCE_SQL
from .rows import iso, parse_iso
from .schema import MIGRATIONS

__all__ = ["MIGRATIONS", "SELLER_MAIL_DOWN_SINCE_SQL", "Store", "exposed_mode", "iso",
           "parse_iso", "private_file"]
