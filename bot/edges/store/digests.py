"""The numbering each daily digest showed, so a reply `AUTORISER 1 3` means that digest's."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from .rows import iso


class Digests:
    """The `digests` table: one row per digest mail, found again by its Message-ID."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def save_digest(self, message_id: str, local_date: str, numbering: dict[int, str],
                    now: datetime) -> None:
        self._conn.execute("insert or ignore into digests(message_id, local_date, created_at, "
                           "numbering) values (?, ?, ?, ?)",
                           [message_id, local_date, iso(now),  # no second dict of 100,000 keys
                            "{" + ",".join(f'"{k}":{json.dumps(v)}' for k, v in numbering.items())
                            + "}"])

    def digest_numbering(self, message_ids: list[str]) -> dict[int, str] | None:
        """{number: case ref} of the digest one of `message_ids` names (a reply's
        In-Reply-To, then References), or None when the reply answers no digest."""
        for mid in message_ids:
            row = self._conn.execute("select numbering from digests where message_id = ?",
                                     [mid]).fetchone()
            if row:
                return {int(k): v for k, v in json.loads(row[0]).items()}
        return None
