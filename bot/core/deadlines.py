"""Due dates and reminder times for the clocks Amazon runs against the seller.

Pure: no I/O and no clock reads — "now" is always a parameter.

Decision: two kinds of clock, because Amazon states them in two kinds of unit.

* Clocks stated in **hours** are ELAPSED time: an aware instant plus a ``timedelta``. A 48 h return
  request clock that crosses a daylight-saving change is still 48 real hours (the local wall
  time of the deadline shifts by one hour). Return request: 48 h hard / 24 h soft; claim
  information request: the N hours read from the mail (72 h when the mail says nothing);
  buyer message: 24 h, weekends and holidays included.
* Clocks stated in **days** are CALENDAR arithmetic in the marketplace's time zone: the same local
  wall time N days later (DST-safe through ``zoneinfo``). Appeal: 30 calendar days. Refund after
  the returned item arrives: the end (23:59:59 local) of the 2nd business day after the day of
  receipt; business days skip Saturday, Sunday and the public holidays of the marketplace's
  country (``holidays`` library; nationwide holidays only).

Every function takes aware datetimes (``ValueError`` on naive ones) and returns aware datetimes in
UTC, the storage form; callers convert to the marketplace zone for display. A local wall time that
does not exist (spring-forward gap) is read with the offset in force before the change, so
02:30 on a spring-forward night becomes 03:30 local (as a clock would show it); an ambiguous one
(fall-back) resolves to its first occurrence (``fold=0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "deadline_for_state",
    "MARKETPLACE_TZ",
    "MARKETPLACE_COUNTRY",
    "RETURN_SOFT",
    "RETURN_HARD",
    "CLAIM_INFO_DEFAULT_HOURS",
    "BUYER_MESSAGE",
    "APPEAL_DAYS",
    "REFUND_BUSINESS_DAYS",
    "QuietHours",
    "marketplace_zone",
    "marketplace_country",
    "return_request_deadlines",
    "claim_info_deadline",
    "appeal_deadline",
    "buyer_message_deadline",
    "refund_deadline",
    "add_calendar_days",
    "add_business_days",
    "is_business_day",
    "reminder_times",
    "default_reminder_offsets",
    "humanize_remaining",
]

#: Marketplace host -> IANA zone in which its deadlines are shown and its days are counted.
MARKETPLACE_TZ: dict[str, str] = {
    "amazon.fr": "Europe/Paris",
    "amazon.de": "Europe/Berlin",
    "amazon.it": "Europe/Rome",
    "amazon.es": "Europe/Madrid",
    "amazon.co.uk": "Europe/London",
    "amazon.com": "America/Los_Angeles",
    "amazon.nl": "Europe/Amsterdam",
    "amazon.com.be": "Europe/Brussels",
    "amazon.be": "Europe/Brussels",
    "amazon.pl": "Europe/Warsaw",
    "amazon.se": "Europe/Stockholm",
}

#: Marketplace host -> ISO country code whose public holidays are not business days.
MARKETPLACE_COUNTRY: dict[str, str] = {
    "amazon.fr": "FR",
    "amazon.de": "DE",
    "amazon.it": "IT",
    "amazon.es": "ES",
    "amazon.co.uk": "GB",
    "amazon.com": "US",
    "amazon.nl": "NL",
    "amazon.com.be": "BE",
    "amazon.be": "BE",
    "amazon.pl": "PL",
    "amazon.se": "SE",
}

RETURN_SOFT = timedelta(hours=24)  # Amazon's advice
RETURN_HARD = timedelta(hours=48)  # the buyer may file an A-to-Z claim after this
CLAIM_INFO_DEFAULT_HOURS = 72  # 2026 FR/IT; older EN pages say 48 h: read it from the mail
BUYER_MESSAGE = timedelta(hours=24)
APPEAL_DAYS = 30
REFUND_BUSINESS_DAYS = 2

_END_OF_DAY = time(23, 59, 59)


def _normalize_marketplace(marketplace: str) -> str:
    """Accept "amazon.fr", "www.amazon.fr", "sellercentral.amazon.fr" or "AMAZON.FR"."""
    host = marketplace.strip().lower().rstrip(".")
    idx = host.find("amazon.")
    return host[idx:] if idx >= 0 else host


def marketplace_zone(marketplace: str | None, default: str = "Europe/Paris") -> ZoneInfo:
    """The zone of a marketplace; `default` when it is unknown (the seller's home market)."""
    if marketplace:
        key = MARKETPLACE_TZ.get(_normalize_marketplace(marketplace))
        if key:
            return ZoneInfo(key)
    return ZoneInfo(default)


def marketplace_country(marketplace: str | None, default: str | None = "FR") -> str | None:
    """The holiday country of a marketplace; `default` when it is unknown."""
    if marketplace:
        code = MARKETPLACE_COUNTRY.get(_normalize_marketplace(marketplace))
        if code:
            return code
    return default


def _aware(value: datetime, name: str = "datetime") -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")
    return value


def _zone(zone: tzinfo | str) -> tzinfo:
    return ZoneInfo(zone) if isinstance(zone, str) else zone


def _utc(value: datetime) -> datetime:
    return value.astimezone(timezone.utc)


def _localize(day: date, wall: time, zone: tzinfo) -> datetime:
    """Local wall time -> aware UTC instant (gap: shifted forward by its length, 02:30 ->
    03:30; ambiguous: first occurrence)."""
    naive = datetime.combine(day, wall.replace(tzinfo=None))
    # Round-tripping through UTC resolves a non-existent wall time (fold=0 uses the offset
    # in force before the transition, which lands after the gap).
    return _utc(naive.replace(tzinfo=zone, fold=0))


# --- hour clocks: elapsed time ------------------------------------------------------------


def return_request_deadlines(requested_at: datetime) -> tuple[datetime, datetime]:
    """(soft, hard): answer within 24 h; after 48 h the buyer may file an A-to-Z claim."""
    start = _utc(_aware(requested_at, "requested_at"))
    return start + RETURN_SOFT, start + RETURN_HARD


def claim_info_deadline(requested_at: datetime, stated_hours: int | None) -> datetime:
    """Information request: the window the mail states, else 72 h (missing it loses the claim)."""
    start = _utc(_aware(requested_at, "requested_at"))
    if stated_hours is None:
        stated_hours = CLAIM_INFO_DEFAULT_HOURS
    if stated_hours <= 0:
        raise ValueError(f"stated_hours must be positive, got {stated_hours}")
    return start + timedelta(hours=stated_hours)


def buyer_message_deadline(received_at: datetime) -> datetime:
    """24 h, weekends and holidays included: Amazon measures it in elapsed hours."""
    return _utc(_aware(received_at, "received_at")) + BUYER_MESSAGE


# --- day clocks: calendar arithmetic in the marketplace zone ------------------------------


def add_calendar_days(start: datetime, days: int, zone: tzinfo | str) -> datetime:
    """Same local wall time `days` later in `zone` (so a DST change does not shift it)."""
    tz = _zone(zone)
    local = _aware(start, "start").astimezone(tz)
    return _localize(local.date() + timedelta(days=days), local.timetz(), tz)


def appeal_deadline(decided_at: datetime, zone: tzinfo | str) -> datetime:
    """30 calendar days after the claim decision, at the same local wall time."""
    return add_calendar_days(_aware(decided_at, "decided_at"), APPEAL_DAYS, zone)


@lru_cache(maxsize=64)
def _holidays_for(country: str, year: int) -> frozenset[date]:
    """Nationwide public holidays; an unknown country has none (weekends only), which errs
    on the early side: the deadline can only come sooner than the real one."""
    try:
        return frozenset(holidays.country_holidays(country, years=year).keys())
    except NotImplementedError:
        return frozenset()


def is_business_day(day: date, country: str | None) -> bool:
    """Monday to Friday and not a public holiday of `country` (None: weekends only)."""
    if day.weekday() >= 5:
        return False
    return country is None or day not in _holidays_for(country.upper(), day.year)


def add_business_days(day: date, count: int, country: str | None) -> date:
    """The `count`-th business day strictly after `day`."""
    if count < 0:
        raise ValueError("count must be >= 0")
    current = day
    found = 0
    while found < count:
        current += timedelta(days=1)
        if is_business_day(current, country):
            found += 1
    return current


def refund_deadline(received_at: datetime, zone: tzinfo | str, country: str | None) -> datetime:
    """End (23:59:59 local) of the 2nd business day after the day the return arrived."""
    tz = _zone(zone)
    local_day = _aware(received_at, "received_at").astimezone(tz).date()
    due_day = add_business_days(local_day, REFUND_BUSINESS_DAYS, country)
    return _localize(due_day, _END_OF_DAY, tz)


# --- reminders ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local hours during which the seller is not to be woken; `start > end` spans midnight.

    `start` is inside the quiet period, `end` is not. `start == end` means no quiet hours.
    """

    start: time
    end: time

    def contains(self, wall: time) -> bool:
        wall = wall.replace(tzinfo=None)
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= wall < self.end
        return wall >= self.start or wall < self.end

    def period(self, instant: datetime, zone: tzinfo) -> tuple[datetime, datetime] | None:
        """(start, end) in UTC of the quiet period containing `instant`, or None."""
        local = instant.astimezone(zone)
        wall = local.time()
        if not self.contains(wall):
            return None
        day = local.date()
        if self.start < self.end:
            start_day, end_day = day, day
        elif wall >= self.start:  # evening part of a period spanning midnight
            start_day, end_day = day, day + timedelta(days=1)
        else:  # morning part
            start_day, end_day = day - timedelta(days=1), day
        return _localize(start_day, self.start, zone), _localize(end_day, self.end, zone)


def reminder_times(
    opened_at: datetime,
    deadline: datetime,
    offsets: list[timedelta],
    now: datetime,
    quiet: QuietHours | None,
    zone: tzinfo | str,
) -> list[datetime]:
    """When to remind the seller of `deadline`, sorted, deduplicated, in UTC.

    One reminder at `deadline - offset` per positive offset, kept only if it falls strictly
    after both `opened_at` and `now` (earlier ones are covered by the notice that opens the
    case) and before the deadline. A reminder inside quiet hours moves to the START of the
    quiet period — earlier, so a deadline that falls during the night is announced before it —
    unless that start is not after `opened_at`/`now`; then it moves to the END of the quiet
    period if that is still before the deadline, else it stays where it is.
    """
    opened = _utc(_aware(opened_at, "opened_at"))
    due = _utc(_aware(deadline, "deadline"))
    floor = max(opened, _utc(_aware(now, "now")))
    tz = _zone(zone)
    result: set[datetime] = set()
    for offset in offsets:
        if offset <= timedelta(0):
            continue
        when = due - offset
        if when <= floor:
            continue
        if quiet is not None:
            period = quiet.period(when, tz)
            if period is not None:
                q_start, q_end = period
                if q_start > floor:
                    when = q_start
                elif q_end < due:
                    when = q_end
        result.add(when)
    return sorted(result)


_DEFAULT_OFFSETS: dict[int, tuple[timedelta, ...]] = {
    24: (timedelta(hours=12), timedelta(hours=3), timedelta(hours=1)),
    48: (timedelta(hours=24), timedelta(hours=6), timedelta(hours=2)),
    72: (timedelta(hours=48), timedelta(hours=24), timedelta(hours=6)),
    APPEAL_DAYS * 24: (timedelta(days=7), timedelta(days=2), timedelta(days=1)),
}


def default_reminder_offsets(clock_hours: int) -> list[timedelta]:
    """Reminder offsets before the deadline, largest first: early, a working day, last call.

    The usual clocks have hand-picked values; any other clock gets reminders at 1/2, 1/8 and
    1/24 of its length, rounded to whole hours (at least one hour).
    """
    if clock_hours <= 0:
        raise ValueError(f"clock_hours must be positive, got {clock_hours}")
    if clock_hours in _DEFAULT_OFFSETS:
        return list(_DEFAULT_OFFSETS[clock_hours])
    hours = {max(1, round(clock_hours / d)) for d in (2, 8, 24)}
    return [timedelta(hours=h) for h in sorted(hours, reverse=True) if h < clock_hours]


# --- display -------------------------------------------------------------------------------

# lang -> (future template, past template, now, day unit, hour unit, minute unit)
_HUMAN: dict[str, tuple[str, str, str, str, str, str]] = {
    "fr": ("dans {}", "en retard de {}", "maintenant", "j", "h", "min"),
    "en": ("in {}", "overdue by {}", "now", "d", "h", "min"),
    "de": ("in {}", "seit {} überfällig", "jetzt", "T.", "Std.", "Min."),
    "it": ("tra {}", "scaduto da {}", "ora", "g", "h", "min"),
    "es": ("en {}", "vencido hace {}", "ahora", "d", "h", "min"),
}


def humanize_remaining(delta: timedelta, lang: str) -> str:
    """Time left before a deadline, short enough for a subject line ("dans 2 j 4 h").

    Rounds DOWN (telling the seller there is less time than there is is the safe error):
    minutes under an hour, hours and minutes under 6 h, hours under a day, then days and hours.
    Negative deltas read as overdue. Unknown languages fall back to English.
    """
    key = (lang or "en").lower().replace("_", "-").split("-")[0]
    future, past, now_word, d_unit, h_unit, m_unit = _HUMAN.get(key, _HUMAN["en"])
    total_minutes = int(abs(delta).total_seconds() // 60)
    if total_minutes == 0:
        return now_word
    days, rem = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rem, 60)
    if days:
        parts = [f"{days} {d_unit}"] + ([f"{hours} {h_unit}"] if hours else [])
    elif hours >= 6:
        parts = [f"{hours} {h_unit}"]
    elif hours:
        parts = [f"{hours} {h_unit}"] + ([f"{minutes} {m_unit}"] if minutes else [])
    else:
        parts = [f"{minutes} {m_unit}"]
    return (future if delta > timedelta(0) else past).format(" ".join(parts))


def deadline_for_state(state: str, at: datetime, marketplace: str | None,
                       stated_hours: int | None = None, default_tz: str = "Europe/Paris"
                       ) -> tuple[datetime | None, datetime | None]:
    """(hard, soft) deadline of the step a case just entered, from the event's time."""
    zone = marketplace_zone(marketplace, default_tz)
    if state == "return_requested":
        soft, hard = return_request_deadlines(at)
        return hard, soft
    if state == "return_received":
        return refund_deadline(at, zone, marketplace_country(marketplace)), None
    if state == "claim_info_requested":
        return claim_info_deadline(at, stated_hours), None
    if state == "claim_granted":
        return appeal_deadline(at, zone), None
    if state in ("message_awaiting_reply", "cancel_requested"):
        # A cancellation request must be handled before the order ships; sellerbot gives it
        # the buyer-message clock (24 h) rather than guess the ship date.
        return buyer_message_deadline(at), None
    return None, None
