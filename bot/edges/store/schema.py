"""The schema: ordered migrations, each applied once and recorded in `_migrations`."""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from .connection import transaction


def _m001_initial(db: sqlite_utils.Database) -> None:
    db["sync_state"].create({"account": str, "folder": str, "uidvalidity": int,
                             "last_uid": int, "last_sync_at": str},
                            pk=("account", "folder"))
    db["messages"].create({
        "id": int, "source": str, "account": str, "folder": str, "uidvalidity": int,
        "uid": int, "message_id": str, "body_hash": str, "kind": str, "case_id": int,
        "status": str, "reason": str, "subject": str, "processed_at": str,
    }, pk="id")
    db["messages"].create_index(["account", "folder", "uidvalidity", "uid"], unique=True)
    db["messages"].create_index(["message_id"])
    db["messages"].create_index(["body_hash"])
    db["quarantine"].create({"id": int, "message_row": int, "reason": str, "raw": bytes,
                             "created_at": str, "alerted": int}, pk="id")
    db["cases"].create({
        "id": int, "ref": str, "kind": str, "state": str, "marketplace": str,
        "language": str, "order_id": str, "return_request_id": str, "claim_id": str,
        "buyer_alias": str, "opened_at": str, "deadline": str, "deadline_soft": str,
        "updated_at": str, "linked_case_id": int, "uncertain": int, "snoozed_until": str,
        "data": str,
    }, pk="id", defaults={"uncertain": 0, "data": "{}"})
    db["cases"].create_index(["ref"], unique=True)
    db["cases"].create_index(["order_id"])
    db["cases"].create_index(["state", "deadline"])
    db["events"].create({"id": int, "case_id": int, "at": str, "kind": str,
                         "source_message_id": str, "from_state": str, "to_state": str,
                         "reason": str, "data": str}, pk="id")
    db["events"].create_index(["case_id"])
    db["reminders"].create({"id": int, "case_id": int, "due_at": str, "kind": str,
                            "seq": int, "status": str, "sent_at": str}, pk="id")
    db["reminders"].create_index(["status", "due_at"])
    db["reminders"].create_index(["case_id", "kind", "seq"], unique=True)
    db["outbox"].create({
        "id": int, "case_id": int, "kind": str, "effect_key": str, "message_id": str,
        "payload": str, "status": str, "attempts": int, "next_attempt_at": str,
        "last_error": str, "response": str, "created_at": str, "done_at": str,
    }, pk="id", defaults={"attempts": 0})
    db["outbox"].create_index(["effect_key"], unique=True)
    db["outbox"].create_index(["status", "next_attempt_at"])
    db["counters"].create({"name": str, "value": int}, pk="name")
    db["orders"].create({"order_id": str, "marketplace": str, "data": str,
                         "updated_at": str}, pk="order_id")


def _m002_digests(db: sqlite_utils.Database) -> None:
    """The numbering each daily digest showed: `AUTORISER 1 3` in a reply to a digest
    refers to that digest's numbers (found by the reply's In-Reply-To/References)."""
    db["digests"].create({"message_id": str, "local_date": str, "created_at": str,
                          "numbering": str}, pk="message_id")
    db["digests"].create_index(["local_date"], unique=True)


def _m003_open_by_urgency(db: sqlite_utils.Database) -> None:
    """`sellerbot status` and the digest read open cases most urgent first: a covering
    partial index in that order answers them without a sort or a table lookup."""
    from bot.core.domain import OPEN_STATES_SQL
    db.execute("create index if not exists idx_cases_open_urgency on cases("
               "deadline is null, deadline, ref, kind, state, order_id, marketplace) "
               f"where state in ({OPEN_STATES_SQL})")


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_initial", _m001_initial),
    ("002_digests", _m002_digests),
    ("003_open_by_urgency", _m003_open_by_urgency),
]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet recorded, in one transaction; their names, in order."""
    applied: list[str] = []
    with transaction(db.conn):
        if "_migrations" not in db.table_names():
            db["_migrations"].create({"name": str, "applied_at": str}, pk="name")
        done = {row["name"] for row in db["_migrations"].rows}
        for name, func in MIGRATIONS:
            if name not in done:
                func(db)
                db.execute("insert into _migrations(name, applied_at) "
                           "values (?, datetime('now'))", [name])
                applied.append(name)
    return applied
