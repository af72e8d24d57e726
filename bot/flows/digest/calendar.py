"""The deadlines calendar: one iCalendar event per open deadline, with alarms before each,
in the seller's language and zone; the same cases and `now` give the same bytes."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from bot.edges.render import long_date
from bot.flows.digest.words import DESCRIPTION, SUMMARY


# ---------------------------------------------------------------------------- calendar
def event_uid(ref: str, deadline: datetime, domain: str = "sellerbot.local") -> str:
    """Stable per case and deadline: re-importing the calendar updates, never duplicates."""
    stamp = deadline.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{ref.lower()}-{stamp}@{domain}"


def _texts(case: dict[str, Any], deadline: datetime, now: datetime, lang: str, tz: str,
           bot_name: str) -> tuple[str, str]:
    """(summary, description) of one case's event, in the seller's language."""
    words = SUMMARY.get(lang, SUMMARY["en"])
    texts = DESCRIPTION.get(lang, DESCRIPTION["en"])
    awaiting = case.get("awaiting") or "other"
    label = words.get(awaiting, words["other"])
    order = case.get("order_id")
    summary = f"{label} – {words['order']} {order}" if order else f"{label} – {case['ref']}"
    lines = [f"{texts['case']} {case['ref']}"
             + (f" – {words['order']} {order}" if order else "")
             + (f" ({case['marketplace']})" if case.get("marketplace") else "")]
    if case.get("title"):
        lines.append(str(case["title"]))
    lines.append(f"{texts['deadline']} : {long_date(deadline, lang, tz)}" if lang == "fr"
                 else f"{texts['deadline']}: {long_date(deadline, lang, tz)}")
    if deadline <= now:
        lines.append(texts["overdue"])
    lines.append(texts.get(awaiting, texts["other"]).format(bot=bot_name))
    return summary, "\n".join(lines)


def _event(case: dict[str, Any], deadline: datetime, summary: str, description: str, *,
           stamp: datetime, zone: tzinfo, alarms_hours: tuple[float, ...],
           prodid_domain: str) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", event_uid(case["ref"], deadline, prodid_domain))
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline.astimezone(zone))
    event.add("duration", timedelta(minutes=15))
    event.add("summary", summary)
    event.add("description", description)
    event.add("categories", [case.get("kind") or "case"])
    event.add("transp", "TRANSPARENT")
    event.add("x-sellerbot-ref", case["ref"])
    for hours in sorted(set(alarms_hours), reverse=True):
        alarm = icalendar.Alarm()
        alarm.add("uid", hashlib.sha1(f"{event['uid']}|{hours}".encode()).hexdigest()
                  + f"@{prodid_domain}")
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -timedelta(hours=hours))
        alarm.add("description", summary)
        event.add_component(alarm)
    return event


def calendar_ics(cases: list[dict[str, Any]], now: datetime, tz: str,
                 alarms_hours: tuple[float, ...] = (24, 2),
                 prodid_domain: str = "sellerbot.local", *, lang: str = "fr",
                 bot_name: str = "sellerbot") -> bytes:
    """One VEVENT per open deadline (rows from `open_case_rows`), alarms before each.

    DTSTART carries the seller's zone (TZID, with its VTIMEZONE) or UTC when `tz` is "UTC".
    Output depends only on the arguments: the same cases and `now` give the same bytes.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//{bot_name}//{prodid_domain}//{lang.upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", bot_name)
    cal.add("x-wr-timezone", tz)
    # TZID needs a VTIMEZONE; icalendar < 6.1 cannot build one, so fall back to UTC there.
    utc = (tz.upper() in ("UTC", "ETC/UTC", "Z")
           or not hasattr(icalendar.Calendar, "add_missing_timezones"))
    zone: tzinfo = timezone.utc if utc else ZoneInfo(tz)
    for case in cases:
        deadline: datetime | None = case.get("deadline")
        if deadline is None:
            continue
        summary, description = _texts(case, deadline, now, lang, tz, bot_name)
        cal.add_component(_event(case, deadline, summary, description,
                                 stamp=now.astimezone(timezone.utc), zone=zone,
                                 alarms_hours=alarms_hours, prodid_domain=prodid_domain))
    starts = [c["deadline"] for c in cases if c.get("deadline") is not None]
    if not utc and starts:
        # A VTIMEZONE covering a year either side of the deadlines, not 1970–2038.
        first = (min(*starts, now) - timedelta(days=366)).date()
        last = (max(starts) + timedelta(days=366)).date()
        try:
            cal.add_missing_timezones(first_date=first, last_date=last)
        except TypeError:  # icalendar 6.1: no date range
            cal.add_missing_timezones()
    return cal.to_ical()
