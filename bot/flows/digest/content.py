"""The digest's content: open cases numbered by time left (the numbers `AUTORISER 1 3` refers
to), the CSV of every open case, and claims and amounts debited this month.

Reads the store, never the clock (`now` is a parameter), sends nothing.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo


from bot.core.deadlines import humanize_remaining
from bot.core.domain import OPEN_STATES, CaseState
from bot.edges.render import LOCALES
from bot.edges.store import Store, iso, parse_iso

from bot.flows.digest.recent import done_since
from bot.flows.digest.words import DESCRIPTION, SUMMARY

#: What the seller has to do for a case in an open state (the label key used by templates).
AWAITING: dict[str, str] = {
    CaseState.RETURN_REQUESTED: "decide_return",
    CaseState.CLAIM_INFO_REQUESTED: "answer_claim",
    CaseState.CLAIM_GRANTED: "appeal",
    CaseState.MESSAGE_AWAITING_REPLY: "reply_buyer",
}

_OPEN_SQL = ",".join(f"'{s}'" for s in sorted(OPEN_STATES))
_FAR = datetime.max.replace(tzinfo=timezone.utc)
#: Overdue first (most overdue first), then by deadline, no deadline last; ISO UTC text sorts
#: as time, so SQLite orders (and limits) without Python ever seeing every case.
_URGENCY = "deadline is null, deadline, ref"

#: The digest always arrives: at most this many of the most urgent cases are shown in full
#: (fewer if the mail would not fit), the rest counted per kind and listed in the attachment.
FULL_CASES = 200
#: Entries of "what I did in the last 24 h" shown; the rest are counted.
RECENT_DONE = 60
#: Our own ceiling for the whole message, below any common server limit (the server's SIZE
#: from EHLO lowers it further).
MAX_DIGEST_BYTES = 5_000_000
#: Above this many rows the case list is attached zipped (a CSV of 100,000 cases is ~10 MB).
CSV_PLAIN_MAX_ROWS = 5000


@dataclass
class Digest:
    """`open_cases` are the cases shown in full (the most urgent); `total_open` counts all of
    them and `more_by_kind` the ones not shown, per thing to do."""

    open_cases: list[dict[str, Any]] = field(default_factory=list)
    done_last_24h: list[dict[str, Any]] = field(default_factory=list)
    claims_this_month: int = 0
    debited_this_month: list[dict[str, Any]] = field(default_factory=list)
    numbering: dict[int, str] = field(default_factory=dict)
    total_open: int = 0
    overdue_total: int = 0
    more_by_kind: list[dict[str, Any]] = field(default_factory=list)
    done_more: int = 0
    attachment: str | None = None

    @property
    def more_count(self) -> int:
        return self.total_open - len(self.open_cases)

    def to_context(self) -> dict[str, Any]:
        """The `digest` template variable."""
        return {"open_cases": self.open_cases, "done_last_24h": self.done_last_24h,
                "claims_this_month": self.claims_this_month,
                "debited_this_month": self.debited_this_month,
                # not copied: 100,000 entries for a large shop, and templates only read it
                "numbering": self.numbering, "total_open": self.total_open,
                "overdue_total": self.overdue_total, "more_by_kind": self.more_by_kind,
                "more_count": self.more_count, "done_more": self.done_more,
                "attachment": self.attachment}


# ---------------------------------------------------------------------------- open cases
def open_case_rows(store: Store, now: datetime, limit: int | None = None
                   ) -> list[dict[str, Any]]:
    """Open cases numbered 1..n by time left: overdue first (most overdue first), then by
    deadline; cases without a deadline last. Shared by the digest and the calendar;
    `limit` keeps only the most urgent (ordered and cut by SQLite)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rows = store.cases_where(f"state in ({_OPEN_SQL})", [], order_by=_URGENCY, limit=limit)
    out: list[dict[str, Any]] = []
    for r in rows:
        deadline = parse_iso(r["deadline"])
        data = r["data"] or {}
        items = data.get("items") or []
        title = next((i.get("title") or i.get("asin") for i in items
                      if i.get("title") or i.get("asin")), None)
        out.append({
            "ref": r["ref"], "kind": r["kind"], "state": r["state"],
            "order_id": r["order_id"], "marketplace": r["marketplace"],
            "deadline": deadline,
            "overdue": deadline is not None and deadline <= now,
            "awaiting": AWAITING.get(r["state"], "other"),
            "minutes_left": (int((deadline - now).total_seconds() // 60)
                             if deadline is not None else None),
            "time_left": ({loc: humanize_remaining(deadline - now, loc) for loc in LOCALES}
                          if deadline is not None else {loc: "" for loc in LOCALES}),
            "title": title,
            "amount": data.get("amount"),
            "uncertain": bool(r.get("uncertain")),
        })
    out.sort(key=lambda c: (c["deadline"] is None, c["deadline"] or _FAR, c["ref"]))
    for number, row in enumerate(out, start=1):
        row["number"] = number
    return out


def open_case_counts(store: Store, now: datetime) -> tuple[int, int, dict[str, int]]:
    """(open cases, overdue ones, count per thing to do) in one grouped query."""
    total = overdue = 0
    by_awaiting: dict[str, int] = defaultdict(int)
    for state, n, late in store.db.execute(
            f"select state, count(*), sum(deadline <= ?) from cases where state in "
            f"({_OPEN_SQL}) group by state", [iso(now)]):
        total += n
        overdue += late or 0
        by_awaiting[AWAITING.get(state, "other")] += n
    return total, overdue, dict(by_awaiting)


def iter_open_refs(store: Store) -> Iterator[str]:
    """Refs of the open cases in digest order: the numbering, without loading the cases."""
    for (ref,) in store.db.execute(
            f"select ref from cases where state in ({_OPEN_SQL}) order by {_URGENCY}"):
        yield ref


def open_cases_csv(store: Store, now: datetime, tz: str, lang: str,
                   max_rows: int | None = None, zip_as: str | None = None
                   ) -> tuple[bytes, int]:
    """Every open case, numbered as in the digest, as CSV (UTF-8 with BOM so spreadsheets
    read the accents), streamed from SQLite; with `zip_as`, written row by row into a zip
    under that name (only compressed bytes are ever held). Returns (bytes, rows written)."""
    zone = ZoneInfo(tz)
    words = SUMMARY.get(lang, SUMMARY["en"])
    texts = DESCRIPTION.get(lang, DESCRIPTION["en"])
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) \
        if zip_as else None
    binary = archive.open(zipfile.ZipInfo(zip_as, date_time=(2000, 1, 1, 0, 0, 0)), "w") \
        if archive is not None and zip_as else raw
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
    out = csv.writer(text, lineterminator="\r\n")
    out.writerow(["n", texts["case"].lower(), words["order"], "marketplace", "todo",
                  texts["deadline"].lower(), "time_left"])
    rows = 0
    for number, (ref, state, order_id, marketplace, deadline) in enumerate(store.db.execute(
            f"select ref, state, order_id, marketplace, deadline from cases where state in "
            f"({_OPEN_SQL}) order by {_URGENCY}"), start=1):
        if max_rows is not None and rows >= max_rows:
            break
        when = parse_iso(deadline)
        out.writerow([number, ref, order_id or "", marketplace or "",
                      words.get(AWAITING.get(state, "other"), words["other"]),
                      when.astimezone(zone).strftime("%Y-%m-%d %H:%M") if when else "",
                      humanize_remaining(when - now, lang) if when else ""])
        rows += 1
    text.flush()
    text.detach()
    if archive is not None:
        binary.close()
        archive.close()
    return raw.getvalue(), rows


# ---------------------------------------------------------------------------- this month
def _month_bounds(now: datetime, tz: str) -> tuple[datetime, datetime]:
    local = now.astimezone(ZoneInfo(tz))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (start.replace(year=start.year + 1, month=1) if start.month == 12
           else start.replace(month=start.month + 1))
    return start.astimezone(timezone.utc), nxt.astimezone(timezone.utc)


def _claims_this_month(store: Store, now: datetime, tz: str
                       ) -> tuple[int, list[dict[str, Any]]]:
    start, end = _month_bounds(now, tz)
    opened = store.db.execute(
        "select count(*) from cases where kind = 'claim' and opened_at >= ? and opened_at < ?",
        [iso(start), iso(end)]).fetchone()[0]
    # A claim is debited when it was first granted to the buyer: its earliest claim_granted
    # event falls in this month (a repeated notice later does not count it twice).
    granted = store.db.execute(
        "select g.first_at, json_extract(c.data, '$.amount.value'), "
        "json_extract(c.data, '$.amount.currency') from (select case_id, min(at) as first_at "
        "from events where to_state = ? group by case_id) g join cases c on c.id = g.case_id "
        "where c.kind = 'claim' and g.first_at >= ? and g.first_at < ?",
        [str(CaseState.CLAIM_GRANTED), iso(start), iso(end)])
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for _first_at, raw_value, raw_currency in granted:
        if raw_value is None:
            continue
        try:
            value = Decimal(str(raw_value))
            currency = str(raw_currency or "").upper()
        except (TypeError, InvalidOperation):
            continue
        if not currency:
            continue
        sums[currency] += value
        counts[currency] += 1
    debited = [{"currency": cur, "value": float(sums[cur].quantize(Decimal("0.01"))),
                "claims": counts[cur]} for cur in sorted(sums)]
    return int(opened), debited


def build_digest(store: Store, now: datetime, tz: str, full: int | None = None,
                 recent: int | None = None) -> Digest:
    """The digest's content; `full` bounds the cases shown in full (the most urgent) and
    `recent` the last-24-h entries, the rest being counted. Numbering covers every case."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ZoneInfo(tz)  # an unknown zone fails here, not half-way through a template
    cases = open_case_rows(store, now, limit=full)
    total, overdue, by_awaiting = open_case_counts(store, now)
    for c in cases:
        by_awaiting[c["awaiting"]] -= 1
    claims, debited = _claims_this_month(store, now, tz)
    done, done_more = done_since(store, now - timedelta(hours=24), now, recent)
    numbering = ({c["number"]: c["ref"] for c in cases} if total == len(cases)
                 else dict(enumerate(iter_open_refs(store), start=1)))
    return Digest(open_cases=cases, done_last_24h=done, done_more=done_more,
                  claims_this_month=claims, debited_this_month=debited, numbering=numbering,
                  total_open=total, overdue_total=overdue,
                  more_by_kind=[{"awaiting": k, "count": n} for k, n in sorted(
                      by_awaiting.items(), key=lambda kv: (-kv[1], kv[0])) if n > 0],
                  attachment=None if not total else "sellerbot-deadlines.ics"
                  if total <= FULL_CASES else "sellerbot-cases.csv"
                  if total <= CSV_PLAIN_MAX_ROWS else "sellerbot-cases.zip")


