"""Deadline arithmetic: elapsed hours vs calendar days, DST, month/year ends, holidays,
quiet hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.core import deadlines as dl
from bot.core.deadlines import QuietHours

UTC = timezone.utc
PARIS = ZoneInfo("Europe/Paris")
LONDON = ZoneInfo("Europe/London")
LA = ZoneInfo("America/Los_Angeles")


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- marketplaces --------------------------------------------------------------------------

@pytest.mark.parametrize("marketplace, zone", [
    ("amazon.fr", "Europe/Paris"),
    ("amazon.de", "Europe/Berlin"),
    ("amazon.it", "Europe/Rome"),
    ("amazon.es", "Europe/Madrid"),
    ("amazon.co.uk", "Europe/London"),
    ("amazon.com", "America/Los_Angeles"),
    ("amazon.nl", "Europe/Amsterdam"),
    ("amazon.com.be", "Europe/Brussels"),
    ("amazon.pl", "Europe/Warsaw"),
    ("amazon.se", "Europe/Stockholm"),
    ("sellercentral.amazon.de", "Europe/Berlin"),
    ("AMAZON.IT", "Europe/Rome"),
    (None, "Europe/Paris"),
    ("amazon.zz", "Europe/Paris"),
])
def test_marketplace_zone(marketplace, zone):
    assert dl.marketplace_zone(marketplace) == ZoneInfo(zone)


def test_marketplace_zone_default_override():
    assert dl.marketplace_zone(None, default="Europe/Berlin") == ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("marketplace, country", [
    ("amazon.fr", "FR"), ("amazon.de", "DE"), ("amazon.it", "IT"), ("amazon.es", "ES"),
    ("amazon.co.uk", "GB"), ("amazon.com", "US"), (None, "FR"), ("amazon.zz", "FR"),
])
def test_marketplace_country(marketplace, country):
    assert dl.marketplace_country(marketplace) == country


def test_every_marketplace_has_a_zone_and_a_country():
    assert set(dl.MARKETPLACE_TZ) == set(dl.MARKETPLACE_COUNTRY)
    for key in dl.MARKETPLACE_TZ.values():
        ZoneInfo(key)


# --- hour clocks ---------------------------------------------------------------------------

@pytest.mark.parametrize("requested, soft, hard", [
    # plain
    (utc(2026, 11, 21, 9, 14), utc(2026, 11, 22, 9, 14), utc(2026, 11, 23, 9, 14)),
    # local input is converted; output is UTC
    (paris(2026, 11, 21, 10, 14), utc(2026, 11, 22, 9, 14), utc(2026, 11, 23, 9, 14)),
    # month end
    (utc(2026, 4, 30, 20, 0), utc(2026, 5, 1, 20, 0), utc(2026, 5, 2, 20, 0)),
    # year end
    (utc(2026, 12, 31, 12, 0), utc(2027, 1, 1, 12, 0), utc(2027, 1, 2, 12, 0)),
    # leap day
    (utc(2028, 2, 28, 8, 0), utc(2028, 2, 29, 8, 0), utc(2028, 3, 1, 8, 0)),
])
def test_return_request_deadlines(requested, soft, hard):
    got_soft, got_hard = dl.return_request_deadlines(requested)
    assert (got_soft, got_hard) == (soft, hard)
    assert got_hard.tzinfo == UTC


@pytest.mark.parametrize("requested, local_hard", [
    # spring forward 2026-03-29 02:00 -> 03:00 Paris: 48 real hours read one hour later locally
    (paris(2026, 3, 28, 10, 0), paris(2026, 3, 30, 11, 0)),
    # fall back 2026-10-25 03:00 -> 02:00 Paris: 48 real hours read one hour earlier locally
    (paris(2026, 10, 24, 10, 0), paris(2026, 10, 26, 9, 0)),
])
def test_hour_clock_across_dst_is_elapsed_time(requested, local_hard):
    _, hard = dl.return_request_deadlines(requested)
    assert hard - requested == timedelta(hours=48)
    assert hard.astimezone(PARIS).replace(tzinfo=None) == local_hard.replace(tzinfo=None)


@pytest.mark.parametrize("stated, expected", [
    (None, utc(2026, 11, 27, 8, 0)),   # default 72 h
    (72, utc(2026, 11, 27, 8, 0)),
    (48, utc(2026, 11, 26, 8, 0)),
    (24, utc(2026, 11, 25, 8, 0)),
])
def test_claim_info_deadline(stated, expected):
    assert dl.claim_info_deadline(utc(2026, 11, 24, 8, 0), stated) == expected


@pytest.mark.parametrize("bad", [0, -5])
def test_claim_info_deadline_rejects_non_positive(bad):
    with pytest.raises(ValueError):
        dl.claim_info_deadline(utc(2026, 11, 24, 8, 0), bad)


def test_buyer_message_deadline_includes_weekends():
    # Saturday 23:30 -> Sunday 23:30, no skipping
    assert dl.buyer_message_deadline(paris(2026, 12, 26, 23, 30)) == paris(2026, 12, 27, 23, 30)


# --- day clocks ----------------------------------------------------------------------------

@pytest.mark.parametrize("decided, expected_local", [
    # plain
    (paris(2026, 6, 1, 14, 0), paris(2026, 7, 1, 14, 0)),
    # across spring forward: same local wall time, 719 real hours
    (paris(2026, 3, 10, 9, 0), paris(2026, 4, 9, 9, 0)),
    # across fall back: same local wall time, 721 real hours
    (paris(2026, 10, 10, 9, 0), paris(2026, 11, 9, 9, 0)),
    # year end
    (paris(2026, 12, 15, 18, 30), paris(2027, 1, 14, 18, 30)),
    # month end / February
    (paris(2027, 1, 31, 12, 0), paris(2027, 3, 2, 12, 0)),
    # decision stamped in UTC late evening = next local day
    (utc(2026, 6, 30, 22, 30), paris(2026, 7, 31, 0, 30)),
])
def test_appeal_deadline_keeps_local_wall_time(decided, expected_local):
    got = dl.appeal_deadline(decided, PARIS)
    assert got == expected_local
    assert got.tzinfo == UTC
    local = got.astimezone(PARIS)
    assert (local.hour, local.minute) == (expected_local.hour, expected_local.minute)


def test_appeal_deadline_real_hours_differ_across_dst():
    start = paris(2026, 3, 10, 9, 0)
    assert dl.appeal_deadline(start, PARIS) - start == timedelta(days=30, hours=-1)
    start = paris(2026, 10, 10, 9, 0)
    assert dl.appeal_deadline(start, "Europe/Paris") - start == timedelta(days=30, hours=1)


def test_calendar_days_landing_in_spring_gap_resolves_after_it():
    # 02:30 on 2026-03-29 does not exist in Paris: it resolves to 03:30 CEST (same instant
    # as 02:30 CET), never to an earlier time.
    got = dl.add_calendar_days(paris(2026, 3, 28, 2, 30), 1, PARIS)
    assert got == utc(2026, 3, 29, 1, 30)
    assert got.astimezone(PARIS).hour == 3


def test_calendar_days_landing_on_ambiguous_time_takes_first_occurrence():
    got = dl.add_calendar_days(paris(2026, 10, 24, 2, 30), 1, PARIS)
    assert got == utc(2026, 10, 25, 0, 30)  # 02:30 CEST, the first of the two


@pytest.mark.parametrize("received, zone, country, expected_local", [
    # Thursday 24 Dec: Fri 25 is Christmas, weekend skipped -> Mon 28 (1st), Tue 29 (2nd)
    (paris(2026, 12, 24, 15, 0), PARIS, "FR", paris(2026, 12, 29, 23, 59, 59)),
    # Monday -> Wednesday
    (paris(2026, 6, 1, 9, 0), PARIS, "FR", paris(2026, 6, 3, 23, 59, 59)),
    # Thursday -> Friday, Monday
    (paris(2026, 6, 4, 9, 0), PARIS, "FR", paris(2026, 6, 8, 23, 59, 59)),
    # Friday evening -> Monday, Tuesday
    (paris(2026, 6, 5, 22, 0), PARIS, "FR", paris(2026, 6, 9, 23, 59, 59)),
    # Saturday -> Monday, Tuesday
    (paris(2026, 6, 6, 10, 0), PARIS, "FR", paris(2026, 6, 9, 23, 59, 59)),
    # Tuesday 12 May 2026: Thu 14 May is Ascension in FR -> Wed 13, Fri 15
    (paris(2026, 5, 12, 10, 0), PARIS, "FR", paris(2026, 5, 15, 23, 59, 59)),
    # 14 July (Tuesday, national day) does not count when received on the 13th
    (paris(2026, 7, 13, 10, 0), PARIS, "FR", paris(2026, 7, 16, 23, 59, 59)),
    # year end: Wed 30 Dec -> Thu 31 Dec, (Fri 1 Jan holiday, weekend) -> Mon 4 Jan 2027
    (paris(2026, 12, 30, 10, 0), PARIS, "FR", paris(2027, 1, 4, 23, 59, 59)),
    # GB: 25, 26 (Sat) and 28 Dec (Boxing Day observed) -> Tue 29, Wed 30
    (datetime(2026, 12, 24, 15, 0, tzinfo=LONDON), LONDON, "GB",
     datetime(2026, 12, 30, 23, 59, 59, tzinfo=LONDON)),
    # no country: weekends only
    (paris(2026, 12, 24, 15, 0), PARIS, None, paris(2026, 12, 28, 23, 59, 59)),
    # unknown country: weekends only (earlier, never later)
    (paris(2026, 12, 24, 15, 0), PARIS, "XX", paris(2026, 12, 28, 23, 59, 59)),
    # receipt stamped in UTC that is already the next local day
    (utc(2026, 6, 1, 22, 30), PARIS, "FR", paris(2026, 6, 4, 23, 59, 59)),
])
def test_refund_deadline(received, zone, country, expected_local):
    got = dl.refund_deadline(received, zone, country)
    assert got == expected_local
    assert got.tzinfo == UTC


def test_refund_deadline_us_thanksgiving_in_los_angeles():
    received = datetime(2026, 11, 25, 9, 0, tzinfo=LA)  # Wednesday before Thanksgiving
    got = dl.refund_deadline(received, LA, "US")
    assert got.astimezone(LA).date().isoformat() == "2026-11-30"  # Fri 27, Mon 30


@pytest.mark.parametrize("func, args", [
    (dl.return_request_deadlines, (datetime(2026, 1, 1),)),
    (dl.claim_info_deadline, (datetime(2026, 1, 1), 72)),
    (dl.appeal_deadline, (datetime(2026, 1, 1), PARIS)),
    (dl.buyer_message_deadline, (datetime(2026, 1, 1),)),
    (dl.refund_deadline, (datetime(2026, 1, 1), PARIS, "FR")),
])
def test_naive_datetimes_rejected(func, args):
    with pytest.raises(ValueError):
        func(*args)


# --- reminders -----------------------------------------------------------------------------

QUIET = QuietHours(time(22, 0), time(7, 30))
H = timedelta(hours=1)


@pytest.mark.parametrize("label, opened, deadline, offsets, now, quiet, expected_local", [
    ("plain 48 h, no quiet hours",
     paris(2026, 6, 1, 10, 0), paris(2026, 6, 3, 10, 0), [24 * H, 6 * H, 2 * H],
     paris(2026, 6, 1, 10, 0), None,
     [paris(2026, 6, 2, 10, 0), paris(2026, 6, 3, 4, 0), paris(2026, 6, 3, 8, 0)]),
    ("quiet hours move a night reminder to the start of the night",
     paris(2026, 6, 1, 10, 0), paris(2026, 6, 3, 10, 0), [24 * H, 6 * H, 2 * H],
     paris(2026, 6, 1, 10, 0), QUIET,
     [paris(2026, 6, 2, 10, 0), paris(2026, 6, 2, 22, 0), paris(2026, 6, 3, 8, 0)]),
    ("deadline inside the night is announced before the night",
     paris(2026, 6, 1, 9, 0), paris(2026, 6, 2, 3, 0), [12 * H, 3 * H, 1 * H],
     paris(2026, 6, 1, 9, 0), QUIET,
     # 15:00 stays; 00:00 and 02:00 both move to 22:00 (deduplicated)
     [paris(2026, 6, 1, 15, 0), paris(2026, 6, 1, 22, 0)]),
    ("quiet start before opening: move to the end of the night",
     paris(2026, 6, 1, 23, 0), paris(2026, 6, 2, 11, 0), [3 * H, 1 * H, 10 * H],
     paris(2026, 6, 1, 23, 0), QUIET,
     # 01:00 -> 22:00 is before opening -> 07:30; 08:00 and 10:00 unchanged
     [paris(2026, 6, 2, 7, 30), paris(2026, 6, 2, 8, 0), paris(2026, 6, 2, 10, 0)]),
    ("neither start nor end usable: stays",
     paris(2026, 6, 1, 23, 0), paris(2026, 6, 2, 6, 0), [3 * H],
     paris(2026, 6, 1, 23, 0), QUIET,
     [paris(2026, 6, 2, 3, 0)]),
    ("reminders before opening are dropped",
     paris(2026, 6, 2, 9, 0), paris(2026, 6, 3, 10, 0), [48 * H, 24 * H, 6 * H],
     paris(2026, 6, 2, 9, 0), None,
     [paris(2026, 6, 2, 10, 0), paris(2026, 6, 3, 4, 0)]),
    ("reminders before now are dropped",
     paris(2026, 6, 1, 10, 0), paris(2026, 6, 3, 10, 0), [24 * H, 6 * H, 2 * H],
     paris(2026, 6, 2, 12, 0), None,
     [paris(2026, 6, 3, 4, 0), paris(2026, 6, 3, 8, 0)]),
    ("duplicate and unsorted offsets, zero/negative ignored",
     paris(2026, 6, 1, 10, 0), paris(2026, 6, 3, 10, 0), [2 * H, 24 * H, 2 * H, 0 * H, -H],
     paris(2026, 6, 1, 10, 0), None,
     [paris(2026, 6, 2, 10, 0), paris(2026, 6, 3, 8, 0)]),
    ("daytime quiet period (not spanning midnight)",
     paris(2026, 6, 1, 8, 0), paris(2026, 6, 1, 16, 0), [3 * H],
     paris(2026, 6, 1, 8, 0), QuietHours(time(12, 0), time(14, 0)),
     [paris(2026, 6, 1, 12, 0)]),
    ("empty quiet period means none",
     paris(2026, 6, 1, 8, 0), paris(2026, 6, 2, 2, 0), [3 * H],
     paris(2026, 6, 1, 8, 0), QuietHours(time(0, 0), time(0, 0)),
     [paris(2026, 6, 1, 23, 0)]),
    ("quiet night across spring forward",
     paris(2026, 3, 28, 12, 0), paris(2026, 3, 29, 9, 0), [6 * H],
     paris(2026, 3, 28, 12, 0), QUIET,
     # 03:00 CEST on the 29th is inside the night that started 22:00 CET on the 28th
     [paris(2026, 3, 28, 22, 0)]),
    ("morning part of the night moves to previous evening",
     paris(2026, 6, 1, 8, 0), paris(2026, 6, 2, 9, 0), [3 * H],
     paris(2026, 6, 1, 8, 0), QUIET,
     [paris(2026, 6, 1, 22, 0)]),
])
def test_reminder_times(label, opened, deadline, offsets, now, quiet, expected_local):
    got = dl.reminder_times(opened, deadline, offsets, now, quiet, PARIS)
    assert got == expected_local, label
    assert all(t.tzinfo == UTC for t in got)


@pytest.mark.parametrize("wall, inside", [
    (time(21, 59), False), (time(22, 0), True), (time(23, 59), True), (time(0, 0), True),
    (time(7, 29), True), (time(7, 30), False), (time(12, 0), False),
])
def test_quiet_hours_contains(wall, inside):
    assert QUIET.contains(wall) is inside


def test_reminder_times_rejects_naive():
    with pytest.raises(ValueError):
        dl.reminder_times(datetime(2026, 6, 1), paris(2026, 6, 2), [H], paris(2026, 6, 1),
                          None, PARIS)


@pytest.mark.parametrize("clock_hours, expected", [
    (24, [timedelta(hours=12), timedelta(hours=3), timedelta(hours=1)]),
    (48, [timedelta(hours=24), timedelta(hours=6), timedelta(hours=2)]),
    (72, [timedelta(hours=48), timedelta(hours=24), timedelta(hours=6)]),
    (720, [timedelta(days=7), timedelta(days=2), timedelta(days=1)]),
    (96, [timedelta(hours=48), timedelta(hours=12), timedelta(hours=4)]),
    (12, [timedelta(hours=6), timedelta(hours=2), timedelta(hours=1)]),
    (1, []),  # nothing fits before a one-hour clock except the opening notice
])
def test_default_reminder_offsets(clock_hours, expected):
    assert dl.default_reminder_offsets(clock_hours) == expected


def test_default_reminder_offsets_rejects_non_positive():
    with pytest.raises(ValueError):
        dl.default_reminder_offsets(0)


def test_default_offsets_fit_their_clock():
    for hours in (24, 48, 72, 720, 5, 100):
        offsets = dl.default_reminder_offsets(hours)
        assert offsets == sorted(offsets, reverse=True)
        assert all(timedelta(0) < o < timedelta(hours=hours) for o in offsets)


# --- humanize ------------------------------------------------------------------------------

@pytest.mark.parametrize("delta, lang, text", [
    (timedelta(hours=23), "fr", "dans 23 h"),
    (timedelta(hours=23, minutes=59), "fr", "dans 23 h"),
    (timedelta(days=2, hours=4), "fr", "dans 2 j 4 h"),
    (timedelta(days=2), "fr", "dans 2 j"),
    (timedelta(hours=2, minutes=30), "fr", "dans 2 h 30 min"),
    (timedelta(hours=2), "fr", "dans 2 h"),
    (timedelta(minutes=45), "fr", "dans 45 min"),
    (-timedelta(hours=3), "fr", "en retard de 3 h"),
    (-timedelta(days=1, hours=1), "fr", "en retard de 1 j 1 h"),
    (timedelta(seconds=20), "fr", "maintenant"),
    (timedelta(0), "en", "now"),
    (timedelta(hours=23), "en", "in 23 h"),
    (timedelta(days=2, hours=4), "en", "in 2 d 4 h"),
    (-timedelta(hours=3), "en", "overdue by 3 h"),
    (timedelta(hours=23), "de", "in 23 Std."),
    (-timedelta(hours=3), "de", "seit 3 Std. überfällig"),
    (timedelta(days=2, hours=4), "it", "tra 2 g 4 h"),
    (-timedelta(hours=3), "it", "scaduto da 3 h"),
    (timedelta(days=2, hours=4), "es", "en 2 d 4 h"),
    (-timedelta(hours=3), "es", "vencido hace 3 h"),
    (timedelta(hours=23), "fr-FR", "dans 23 h"),
    (timedelta(hours=23), "EN_gb", "in 23 h"),
    (timedelta(hours=23), "nl", "in 23 h"),  # unknown -> English
    (timedelta(hours=23), "", "in 23 h"),
])
def test_humanize_remaining(delta, lang, text):
    assert dl.humanize_remaining(delta, lang) == text
