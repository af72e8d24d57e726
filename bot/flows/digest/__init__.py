"""The daily digest: open cases by time left, what sellerbot did in the last 24 h, claims and
amounts debited this month, and an iCalendar of every open deadline (`flow` sends it;
`content`, `recent` and `calendar` build it from the store)."""

from bot.flows.digest.calendar import calendar_ics, event_uid
from bot.flows.digest.content import (CSV_PLAIN_MAX_ROWS, FULL_CASES, Digest, build_digest,
                                      open_case_rows)
from bot.flows.digest.flow import Digests

__all__ = ["CSV_PLAIN_MAX_ROWS", "FULL_CASES", "Digest", "Digests", "build_digest",
           "calendar_ics", "event_uid", "open_case_rows"]
