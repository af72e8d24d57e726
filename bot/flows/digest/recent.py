"""What sellerbot did in the last 24 hours, for the digest: transitions, links followed,
commands applied, reminders and missed-deadline alerts sent; counted by SQLite past a limit."""

from __future__ import annotations

from datetime import datetime
from typing import Any


from bot.edges.store import Store, iso, parse_iso


# ---------------------------------------------------------------------------- last 24 h
def _entry(at: datetime, what: str, row: Any, **extra: Any) -> dict[str, Any]:
    entry = {"at": at, "what": what, "ref": row["ref"], "order_id": row["order_id"],
             "case_kind": row["case_kind"], "from_state": None, "to_state": None,
             "command": None, "role": None, "ok": True}
    entry.update(extra)
    return entry


_DONE_EVENT = ("(e.kind in ('link_followed', 'link_failed') or (e.to_state is not null and "
               "(e.kind like 'command:%' or e.from_state is null or "
               "e.to_state != e.from_state)))")


_SENT_WHERE = ("o.status = 'done' and o.done_at > ? and o.done_at <= ? and "
               "(o.effect_key like 'reminder:%' or o.effect_key like 'missed:%')")
Entry = tuple[str, int, dict[str, Any]]  # (sort time, sort id, entry)


def _event_entries(rows: list[dict[str, Any]]) -> list[Entry]:
    """Links followed, commands applied and transitions; a link and the transition it
    caused are one line."""
    out: list[Entry] = []
    links: dict[tuple[int, str], dict[str, Any]] = {}
    for r in rows:
        at = parse_iso(r["at"])
        assert at is not None
        kind = r["kind"] or ""
        if kind in ("link_followed", "link_failed"):
            role = (r["reason"] or "").split(" ", 1)[0] or None
            entry = _entry(at, "link", r, role=role, ok=kind == "link_followed",
                           from_state=r["from_state"])
            links[(r["case_id"], r["at"])] = entry
            out.append((r["at"], r["id"], entry))
        elif kind.startswith("command:"):
            if not r["to_state"]:
                continue
            linked = links.get((r["case_id"], r["at"]))
            if linked is not None:  # the transition a followed link caused: one line
                linked["to_state"] = r["to_state"]
                continue
            out.append((r["at"], r["id"], _entry(
                at, "command", r, command=kind.split(":", 1)[1],
                from_state=r["from_state"], to_state=r["to_state"])))
        elif r["to_state"] and r["to_state"] != r["from_state"]:
            what = "opened" if not r["from_state"] else "transition"
            out.append((r["at"], r["id"], _entry(at, what, r, from_state=r["from_state"],
                                                 to_state=r["to_state"])))
    return out


def _sent_entries(sent: list[Any]) -> list[Entry]:
    out: list[Entry] = []
    for oid, done_at, key, ref, order_id, case_kind in sent:
        at = parse_iso(done_at)
        assert at is not None
        row = {"ref": ref, "order_id": order_id, "case_kind": case_kind}
        what = "reminder" if key.startswith("reminder:") else "missed_alert"
        # outbox rows sort after events at the same second (the email follows the change)
        out.append((done_at, 1 << 40 | oid, _entry(at, what, row)))
    return out


def done_since(store: Store, since: datetime, now: datetime,
               limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Transitions, links followed, seller commands applied, reminders and missed-deadline
    alerts actually sent, oldest first; with `limit`, only the latest, and how many of the
    period's entries were left out (counted by SQLite, never loaded)."""
    db = store.db
    cut = f" order by e.at desc, e.id desc limit {int(limit) * 3}" if limit else ""
    events = db.execute(
        "select * from (select e.id, e.at, e.kind, e.from_state, e.to_state, e.reason, "
        "e.case_id, c.ref, c.order_id, c.kind as case_kind from events e join cases c on "
        f"c.id = e.case_id where e.at > ? and e.at <= ? and {_DONE_EVENT}{cut}) "
        "order by at, id", [iso(since), iso(now)]).fetchall()
    cols = ("id", "at", "kind", "from_state", "to_state", "reason", "case_id", "ref",
            "order_id", "case_kind")
    sent = db.execute(
        "select * from (select o.id, o.done_at, o.effect_key, c.ref, c.order_id, c.kind "
        f"from outbox o join cases c on c.id = o.case_id where {_SENT_WHERE}"
        + (f" order by o.done_at desc, o.id desc limit {int(limit)}" if limit else "")
        + ") order by done_at, id", [iso(since), iso(now)]).fetchall()
    out = _event_entries([dict(zip(cols, e)) for e in events]) + _sent_entries(sent)
    out.sort(key=lambda t: (t[0], t[1]))
    entries = [e for _, _, e in out]
    if limit is None or len(entries) <= limit and len(events) < limit * 3 \
            and len(sent) < limit:
        return entries, 0
    total = db.execute(
        "select (select count(*) from events e where e.at > ? and e.at <= ? and "
        f"{_DONE_EVENT}) + (select count(*) from outbox o where {_SENT_WHERE})",
        [iso(since), iso(now), iso(since), iso(now)]).fetchone()[0]
    return entries[-limit:], max(0, int(total) - min(len(entries), limit))
