"""Order facts gathered from Amazon's mails and imports, merged key by key."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import sqlite_utils

from .rows import iso


class Orders:
    """The `orders` table: one row per order id, its facts as JSON in `data`."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self._db = db

    def upsert_order(self, order_id: str, marketplace: str | None, data: dict[str, Any],
                     now: datetime) -> bool:
        """Merge order facts (None and '' never overwrite); returns True when something
        changed."""
        rows = list(self._db["orders"].rows_where("order_id = ?", [order_id]))
        old = json.loads(rows[0]["data"]) if rows else {}
        merged = {**old, **{k: v for k, v in data.items() if v not in (None, "")}}
        if rows and merged == old and (not marketplace or marketplace == rows[0]["marketplace"]):
            return False
        if rows and not marketplace:
            marketplace = rows[0]["marketplace"]
        self._db["orders"].upsert({"order_id": order_id, "marketplace": marketplace,
                                   "data": json.dumps(merged, ensure_ascii=False, default=str),
                                   "updated_at": iso(now)}, pk="order_id")
        return True

    def order(self, order_id: str) -> dict[str, Any] | None:
        rows = list(self._db["orders"].rows_where("order_id = ?", [order_id]))
        return {**rows[0], "data": json.loads(rows[0]["data"])} if rows else None
