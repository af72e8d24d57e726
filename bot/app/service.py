"""The imperative shell: raw mail in, state + outbox out, then effects executed.

handle(raw) = parse -> dedupe -> match -> transition -> decide -> save state, events,
reminders and outbox rows in ONE transaction -> execute the outbox -> mark each row done.
Only this module combines the pure core with the adapters.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.flows import failpoints
from bot.flows.answers import AnswerFlow
from bot.flows.cases import CaseFlow
from bot.edges.clock import Clock
from bot.edges.config import Settings, load_sku_overrides
from bot.core import deadlines
from bot.core.decide import Policy
from bot.core.parse import parse_message
from bot.core.state import CASE_KIND_OF
from bot.flows.digest import DigestFlow
from bot.core.domain import Kind, Notice
from bot.edges import links, mailer
from bot.edges.oauth import token_source_for
from bot.edges.render import Renderer
from bot.edges.store import Store, iso, parse_iso
from bot.flows.notify import SellerMail
from bot.flows.outbox import OutboxRunner
from bot.flows.reminders import ReminderFlow
from bot.flows.replies import ReplyFlow
from bot.flows.runtime import Origin, body_hash, normalize_eol
from bot.flows.shipments import ShipmentFlow

log = logging.getLogger("sellerbot")


def _session_headers(settings: Settings) -> dict[str, str]:
    """The Seller Central session cookie for `follow` mode, from the environment."""
    name = settings.links.session_cookie_env
    cookie = os.environ.get(name, "") if name else ""
    return {"Cookie": cookie} if cookie else {}


def parse_options(settings: Settings) -> dict[str, Any]:
    """The parser's view of a seller's settings; `sellerbot parse --config` uses the same, so
    the debugging tool classifies exactly as the daemon."""
    return {
        "trusted_authserv_ids": tuple(settings.authentication.trusted_authserv_ids),
        "bot_addresses": (settings.bot.address,),
        "seller_addresses": tuple(settings.seller.addresses),
        "default_tz": settings.seller.timezone,
    }


def away_window(start: date, end: date, tz: str) -> tuple[datetime, datetime]:
    """[start 00:00, day after end 00:00) in the seller's zone, as aware datetimes."""
    zone = ZoneInfo(tz)
    return (datetime.combine(start, time(0), zone),
            datetime.combine(end + timedelta(days=1), time(0), zone))


class Service(CaseFlow, ReplyFlow, AnswerFlow, ReminderFlow, DigestFlow, SellerMail,
              OutboxRunner, ShipmentFlow):
    """One seller's sellerbot: every step of the flow, on one store, one clock."""

    def __init__(self, settings: Settings, store: Store, clock: Clock, *,
                 renderer: Renderer | None = None, dry_run_dir: str | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.renderer = renderer or Renderer(settings.templates_dir)
        self.secret = settings.secret_key()
        self.dry_run_dir = dry_run_dir
        #: First sync of a mailbox: rebuild state from history without mailing about the past.
        self.backfill = False
        #: During a bulk pass, new-case notices are written to the outbox as "held";
        #: flush_notices() releases them, or sends one summary when there are many (a first
        #: run must not send the seller 300 mails). Held rows survive a crash.
        self.hold_notices = False
        self.catch_up_threshold = 10
        p = settings.policy
        self.policy = Policy(
            auto_authorize=p.auto_authorize,
            auto_authorize_reasons=frozenset(p.auto_authorize_reasons),
            auto_authorize_max_value=(Decimal(str(p.auto_authorize_max_value))
                                      if p.auto_authorize_max_value is not None else None),
            keep_item_factor=Decimal(str(p.keep_item_factor)),
            return_shipping_cost={k: Decimal(str(v)) for k, v in p.return_shipping_cost.items()},
            high_value_threshold=(Decimal(str(p.high_value_threshold))
                                  if p.high_value_threshold is not None else None),
            away=tuple(away_window(a.start, a.end, settings.seller.timezone) for a in p.away),
            sku_overrides=(load_sku_overrides(p.sku_overrides_file)
                           if p.sku_overrides_file else {}),
            links_mode=settings.links.effective_mode,
        )
        q = settings.reminders.quiet_window()
        self.quiet = deadlines.QuietHours(q[0], q[1]) if q else None
        self.link_policy = links.LinkPolicy(
            allowed_hosts=tuple(h.lower() for h in settings.links.allowed_hosts),
            timeout=settings.links.timeout_seconds, stand_in=settings.links.stand_in,
            headers=_session_headers(settings))
        smtp = settings.smtp
        self.smtp_target = mailer.SmtpTarget(
            smtp.host, smtp.port, smtp.security, smtp.username,
            smtp.resolve_password("smtp"), smtp.timeout_seconds, token=token_source_for(smtp))

    # ------------------------------------------------------------------ intake
    def parse(self, raw: bytes) -> Notice:
        """Pure parse with this seller's settings (safe to run in a worker process)."""
        return parse_message(raw, **self.parse_options())

    def parse_options(self) -> dict[str, Any]:
        return parse_options(self.settings)

    def ingest(self, raw: bytes, origin: Origin = Origin(),
               parse: Callable[[bytes], Notice] | None = None) -> str:
        """Process one raw email exactly once. Returns what happened (for logs and tests).
        `parse`: the daemon's bounded parse (a worker with a time budget) instead of this
        thread's."""
        raw = normalize_eol(raw)
        if origin.uid is not None and self.store.seen_uid(origin.account, origin.folder,
                                                          origin.uidvalidity, origin.uid):
            return "already-processed"
        return self.apply(raw, (parse or self.parse)(raw), origin)

    def apply(self, raw: bytes, notice: Notice, origin: Origin) -> str:
        """Record, decide and queue effects for a parsed message, in one transaction."""
        digest = body_hash(raw)
        now = self.clock.now()
        with self.store.transaction():
            if origin.uid is not None and self.store.seen_uid(
                    origin.account, origin.folder, origin.uidvalidity, origin.uid):
                return "already-processed"
            status = self._ingest_locked(raw, notice, origin, digest, now)
            if origin.uid is not None:
                self.store.save_sync_state(origin.account, origin.folder, origin.uidvalidity,
                                           origin.uid, now)
        failpoints.reach("after_commit")
        case_ref = self.store.message_case_ref(notice.message_id) if status == "case" else "-"
        log.info("message %s kind=%s status=%s case=%s", notice.message_id, notice.kind, status,
                 case_ref)
        return status

    def quarantine_failed(self, raw: bytes, origin: Origin, error: str) -> None:
        """Processing raised (a broken custom template, a locked database…): keep the mail,
        mark its UID processed as quarantined with the error, and tell the seller."""
        raw = normalize_eol(raw)
        now = self.clock.now()
        with self.store.transaction():
            if origin.uid is not None and self.store.seen_uid(
                    origin.account, origin.folder, origin.uidvalidity, origin.uid):
                return
            row = self.store.record_message(
                source=origin.source, account=origin.account, folder=origin.folder,
                uidvalidity=origin.uidvalidity, uid=origin.uid, message_id=None,
                body_hash=body_hash(raw), kind=str(Kind.UNRECOGNIZED), subject=None,
                processed_at=iso(now), status="quarantined", reason=error[:500])
            self.store.quarantine(row, error[:500], raw, now)
            if origin.uid is not None:
                self.store.save_sync_state(origin.account, origin.folder, origin.uidvalidity,
                                           origin.uid, now)
        log.error("quarantined after a processing error: %s", error)

    def record_skipped(self, origin: Origin, message_id: str | None, header_hash: str,
                       reason: str) -> None:
        """A message triaged out on its headers: recorded as ignored, body never fetched."""
        now = self.clock.now()
        self.store.record_message(source=origin.source, account=origin.account,
                                  folder=origin.folder, uidvalidity=origin.uidvalidity,
                                  uid=origin.uid, message_id=message_id, body_hash=header_hash,
                                  kind=str(Kind.IGNORE), subject=None, processed_at=iso(now),
                                  status="ignored", reason=reason)
        if origin.uid is not None:
            self.store.save_sync_state(origin.account, origin.folder, origin.uidvalidity,
                                       origin.uid, now)

    def _ingest_locked(self, raw: bytes, notice: Notice, origin: Origin, digest: str,
                       now: datetime) -> str:
        row = dict(source=origin.source, account=origin.account, folder=origin.folder,
                   uidvalidity=origin.uidvalidity, uid=origin.uid, message_id=notice.message_id,
                   body_hash=digest, kind=str(notice.kind), subject=notice.subject[:300],
                   processed_at=iso(now))
        earlier = self.store.seen_content(notice.message_id, digest)
        if earlier is not None:
            self.store.record_message(**row, status="duplicate",
                                      reason=f"same Message-ID and body as message #{earlier['id']}")
            return "duplicate"
        if notice.error or notice.kind in (Kind.UNRECOGNIZED, Kind.SUSPICIOUS):
            reason = notice.error or "; ".join(notice.suspicious_reasons) or "unrecognized"
            msg_row = self.store.record_message(**row, status="quarantined", reason=reason)
            self.store.quarantine(msg_row, reason, raw, now)
            self._alert_quarantine(notice, reason, now)
            log.warning("quarantined %s: %s", notice.message_id, reason)
            return "quarantined"
        if notice.kind in (Kind.AUTO_REPLY, Kind.BOUNCE, Kind.IGNORE):
            self.store.record_message(**row, status="ignored", reason=str(notice.kind))
            return "ignored"
        msg_row = self.store.record_message(**row, status="processed", reason=None)
        if notice.kind == Kind.ORDER_PLACED:
            if notice.order_id:
                self.store.upsert_order(notice.order_id, notice.marketplace, {
                    "items": [i.to_json() for i in notice.items],
                    "ship_by": iso(notice.ship_by) if notice.ship_by else None,
                    "ordered_at": iso(notice.event_time) if notice.event_time else None,
                }, now)
            return "order"
        if notice.kind == Kind.SELLER_COMMAND:
            if self.backfill:  # an old reply found in history is never executed again
                self.store.set_message_status(msg_row, "ignored",
                                              "seller reply read as history: not executed")
                return "ignored"
            return self._handle_reply(notice, msg_row, now)
        if notice.kind in CASE_KIND_OF:
            return self._apply_notice(notice, msg_row, now)
        return "recorded"

    def tick(self) -> None:
        """Reminders that are due, then everything the outbox can send now."""
        self.flush_notices()
        self.send_due_reminders()
        self.maybe_send_digest()
        self.maybe_send_ship_lists()
        self.execute_outbox()

    def next_wakeup(self) -> datetime | None:
        times = [t for t in (self.store.next_reminder_at(),) if t]
        due = self.digest_due_at()
        if due is not None:
            times.append(due if due > self.clock.now() else due + timedelta(days=1))
        ship = self.ship_list_due_at()
        if ship is not None:
            times.append(ship)
        row = self.store.db.execute("select min(next_attempt_at) from outbox where status in "
                                    "('pending','retrying')").fetchone()
        if row and row[0]:
            times.append(parse_iso(row[0]))  # type: ignore[arg-type]
        return min(times) if times else None
