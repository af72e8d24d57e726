"""`sellerbot status` data: open cases by time left, overdue first, computed by SQLite.

Why here and not in the CLI: 100,000 open cases must list in well under a second, so the
local deadline, the hours left and the overdue flag are computed in one query over the
(state, deadline) index and come back as ready-made lines (TSV) or one JSON text; Python
never builds an object per case. The seller's zone is applied in SQL as a CASE over the
UTC offsets in force between the earliest and the latest deadline (found with zoneinfo).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.domain import OPEN_STATES_SQL

_ORDER = "deadline is null, deadline, ref"


def open_readonly(path: str) -> sqlite3.Connection:
    """A read-only connection without the store layer (sqlite-utils pulls in numpy: a
    quarter of a second before the first row)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(timezone.utc)


def offset_segments(zone: ZoneInfo, first: datetime, last: datetime
                    ) -> list[tuple[datetime, int]]:
    """[(from this UTC instant, UTC offset in seconds)] covering first..last: a day walk
    finds each change of offset, a bisection pins it to the second."""
    def off(t: datetime) -> int:
        return int(t.astimezone(zone).utcoffset().total_seconds())  # type: ignore[union-attr]

    segments = [(first, off(first))]
    t = first
    while t < last:
        nxt = min(t + timedelta(days=1), last)
        if off(nxt) != segments[-1][1]:
            lo, hi = t, nxt
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                lo, hi = (mid, hi) if off(mid) == segments[-1][1] else (lo, mid)
            segments.append((hi.replace(microsecond=0), off(hi)))
        t = nxt
    return segments


def _suffix(seconds: int) -> str:
    sign = "-" if seconds < 0 else "+"
    h, m = divmod(abs(seconds) // 60, 60)
    return f"{sign}{h:02d}:{m:02d}"


def _local_sql(conn: sqlite3.Connection, zone: ZoneInfo) -> tuple[str, list[Any]]:
    """SQL expression for `deadline` as local ISO 8601 with offset (as datetime.isoformat)."""
    lo, hi = conn.execute(f"select min(deadline), max(deadline) from cases where state in "
                          f"({OPEN_STATES_SQL})").fetchone()
    if lo is None:
        return "null", []
    segments = offset_segments(zone, _utc(lo), _utc(hi))
    later = [(start.isoformat(timespec="seconds"), sec) for start, sec in reversed(segments[1:])]
    pick = ("case" + " when deadline >= ? then ?" * len(later) + " else ? end") if later else "?"
    shift = suffix = pick
    args: list[Any] = [x for b, sec in later for x in (b, f"{sec:+d} seconds")]
    args.append(f"{segments[0][1]:+d} seconds")
    args += [x for b, sec in later for x in (b, _suffix(sec))]
    args.append(_suffix(segments[0][1]))
    return f"(strftime('%Y-%m-%dT%H:%M:%S', deadline, {shift}) || {suffix})", args


def _query(conn: sqlite3.Connection, now: datetime, tz: str, select: str
           ) -> tuple[str, list[Any]]:
    local, args = _local_sql(conn, ZoneInfo(tz))
    now_iso = now.astimezone(timezone.utc).isoformat(timespec="seconds")
    inner = (f"select ref, kind, state, order_id, {local} as local_deadline, "
             "deadline is not null and deadline <= ? as overdue, "
             "round((strftime('%s', deadline) - ?) / 3600.0, 1) as hours_left, deadline "
             f"from cases where state in ({OPEN_STATES_SQL}) order by {_ORDER}")
    return (select.format(inner=inner),
            [*args, now_iso, int(now.timestamp())])


def status_tsv(conn: sqlite3.Connection, now: datetime, tz: str) -> str:
    """One line per open case: ref, kind, state, order id, local deadline, hours left
    (tab-separated, empty for none: what `sellerbot status | cut` expects)."""
    sql, args = _query(conn, now, tz, "select ref || char(9) || kind || char(9) || state || "
                       "char(9) || coalesce(order_id, '') || char(9) || "
                       "coalesce(local_deadline, '') || char(9) || "
                       "coalesce(nullif(hours_left, 0.0), '') from ({inner})")
    return "\n".join(line for (line,) in conn.execute(sql, args))


def status_json(conn: sqlite3.Connection, now: datetime, tz: str) -> str:
    """The same list as one JSON array of objects, each built by SQLite."""
    sql, args = _query(conn, now, tz, "select json_object('ref', ref, 'kind', kind, 'state', "
                       "state, 'order_id', order_id, 'deadline', local_deadline, 'overdue', "
                       "json(case when overdue then 'true' else 'false' end), 'hours_left', "
                       "hours_left) from ({inner})")
    return "[" + ", ".join(obj for (obj,) in conn.execute(sql, args)) + "]"


def status_rows(conn: sqlite3.Connection, now: datetime, tz: str) -> list[dict[str, Any]]:
    """As dicts, for the terminal table (a person reads it: the list is theirs to scroll)."""
    sql, args = _query(conn, now, tz, "select ref, kind, state, order_id, local_deadline, "
                       "overdue, hours_left from ({inner})")
    keys = ("ref", "kind", "state", "order_id", "deadline", "overdue", "hours_left")
    return [{**dict(zip(keys, r)), "overdue": bool(r[5])}
            for r in conn.execute(sql, args)]
