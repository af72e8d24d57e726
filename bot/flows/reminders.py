"""Reminders: scheduled from a case's deadline, and when due one per case even after
downtime, or one missed-deadline notice; after a long downtime (more cases due than
`catch_up_threshold`) one catch-up summary.

The store is the source of truth; a reminder re-reads its case and does nothing for a case
that no longer needs the seller.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from bot.core import deadlines
from bot.core.deadlines import QuietHours, humanize_remaining
from bot.core.decide import due_reminder_plan, reminder_kind_for
from bot.core.state import is_open
from bot.core.domain import OPEN_STATES_SQL, CaseState
from bot.edges.clock import Clock
from bot.edges.config import Settings
from bot.edges.store import Store, iso, parse_iso
from bot.flows.seller_mail import SellerMail
from bot.flows.shared import IntakeMode

log = logging.getLogger("sellerbot")


class DueCases:
    """The cases of a catch-up summary, numbered by urgency, read from SQLite row by row.

    Re-iterable (each pass is a new query) so the template can loop over it without the
    shell ever holding one object per case; `first` is the most urgent row, for the subject.
    """

    def __init__(self, store: Store, now: datetime, lang: str) -> None:
        self.store, self.now, self.lang = store, now, lang

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for number, (ref, kind, state, order_id, marketplace, deadline) in enumerate(
                self.store.due_cases_by_urgency(self.now), start=1):
            when = parse_iso(deadline)
            yield {"number": number, "ref": ref, "kind": kind, "state": state,
                   "order_id": order_id, "marketplace": marketplace, "deadline": when,
                   "overdue": when is not None and when <= self.now,
                   "time_left": humanize_remaining(when - self.now, self.lang)
                   if when is not None else ""}

    def first(self) -> dict[str, Any] | None:
        return next(iter(self), None)


class Reminders:
    """A case's reminder rows; due rows -> reminder or missed-deadline mails, or one
    catch-up summary."""

    def __init__(self, settings: Settings, store: Store, clock: Clock,
                 quiet: QuietHours | None, seller_mail: SellerMail, mode: IntakeMode) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.quiet = quiet
        self.seller_mail = seller_mail
        self.mode = mode

    def schedule(self, case: dict[str, Any], now: datetime,
                 since: datetime | None = None) -> None:
        """Replace the case's pending reminders by those its deadline calls for (offsets
        per case kind from the config, out of quiet hours), then the deadline row."""
        deadline = parse_iso(case["deadline"])
        if deadline is None:
            return
        kind = reminder_kind_for(CaseState(case["state"]))
        r = self.settings.reminders
        hours = {"return": r.return_offsets_hours, "claim": r.claim_offsets_hours,
                 "message": r.message_offsets_hours, "appeal": r.appeal_offsets_hours,
                 "refund": r.refund_offsets_hours}[kind]
        zone = deadlines.marketplace_zone(case["marketplace"], self.settings.seller.timezone)
        times = deadlines.reminder_times(since or parse_iso(case["opened_at"]) or now, deadline,
                                         [timedelta(hours=h) for h in hours], now, self.quiet,
                                         zone)
        self.store.cancel_reminders(case["id"], now)
        base = len(self.store.reminders(case["id"]))
        for seq, at in enumerate(sorted(times), start=base + 1):
            self.store.add_reminder(case["id"], at, "reminder", seq)
        self.store.add_reminder(case["id"], deadline, "deadline", base + len(times) + 1)

    def send_due(self) -> int:
        now = self.clock.now()
        if self.store.due_case_count(now, OPEN_STATES_SQL) > self.mode.catch_up_threshold:
            return self._catch_up(now)
        by_case: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in self.store.due_reminders(now):
            by_case[row["case_id"]].append(row)
        sent = 0
        for case_id, rows in by_case.items():
            with self.store.transaction():
                sent += self._remind(case_id, rows, now)
        return sent

    def _remind(self, case_id: int, rows: list[dict[str, Any]], now: datetime) -> int:
        case = self.store.case(case_id)
        if case is None or not is_open(case["state"]):
            for r in rows:
                self.store.set_reminder_status(r["id"], "cancelled", now)
            return 0
        snoozed = parse_iso(case.get("snoozed_until"))
        if snoozed and now < snoozed:
            for r in rows:
                self.store.set_reminder_status(r["id"], "snoozed", now)
            return 0
        deadline = parse_iso(case["deadline"])
        plan, latest = due_reminder_plan(deadline, rows, now)
        if plan == "missed":
            for r in rows:
                self.store.set_reminder_status(r["id"], "merged", now)
            self.store.cancel_reminders(case_id, now)
            self.seller_mail.send(case, "missed", now, effect_key=f"missed:{case['ref']}:"
                               f"{case['deadline']}", to=self.seller_mail.recipients(with_backup=True))
            self.store.add_event(case_id, now, "deadline_missed", source_message_id=None,
                                 from_state=case["state"], to_state=None,
                                 reason="deadline passed without a decision")
            return 1
        assert latest is not None
        for r in rows:
            self.store.set_reminder_status(r["id"], "sent" if r is latest else "merged", now)
        remaining = [r for r in self.store.reminders(case_id)
                     if r["status"] == "pending" and r["kind"] != "deadline"]
        last = not remaining
        self.seller_mail.send(case, "reminder", now,
                           effect_key=f"reminder:{case['ref']}:{latest['seq']}",
                           to=self.seller_mail.recipients(with_backup=last), extra={"last": last})
        return 1

    def _catch_up(self, now: datetime) -> int:
        """Many cases due at once (the daemon was down): one summary listing every one of
        them, most urgent first, numbered so `AUTORISER 1 3` in a reply acts on them.

        Set-wise SQL in one transaction: settled cases' reminders are cancelled, snoozed
        ones kept for later, missed deadlines get their deadline_missed event; reminders
        still ahead stay pending, so escalations before a deadline still go out.
        """
        lang = self.settings.seller.language
        with self.store.transaction():
            self.store.settle_unneeded_due(now, OPEN_STATES_SQL)
            rows = DueCases(self.store, now, lang)
            count = self.store.due_case_count(now, OPEN_STATES_SQL)
            late = self.store.due_case_overdue(now)
            numbering = dict(enumerate((r[0] for r in self.store.due_cases_by_urgency(now)),
                                       start=1))
            message_id = self.seller_mail.send(
                None, "catch_up_reminders", now, effect_key=f"catch-up-reminders:{iso(now)}",
                to=self.seller_mail.recipients(with_backup=late > 0),
                extra={"cases": rows, "count": count, "late": late, "first": rows.first()})
            # Replies resolve numbers through the digests table (by Message-ID); the
            # local_date column is unique per digest day, so the summary gets its own key.
            self.store.save_digest(message_id, f"catch-up {iso(now)}", numbering, now)
            self.store.close_due_after_catch_up(
                now, "deadline passed while sellerbot was stopped: listed in the catch-up "
                     "summary")
        log.info("catch-up summary: %d case(s) due at once, %d overdue", count, late)
        return 1
