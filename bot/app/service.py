"""The imperative shell: raw mail in, state + outbox out, then effects executed.

ingest(raw) = parse -> dedupe -> dispatch (a notice to `cases`, a seller reply to `replies`,
an order to the store) -> state, events, reminders and outbox rows in ONE transaction; then
`tick` executes the outbox and marks each row done. The constructor builds every flow with
exactly what it uses; this module is the only one that wires the core to the adapters.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.core import deadlines
from bot.core.decide import Policy
from bot.core.domain import Kind, Notice
from bot.core.parse import parse_message
from bot.core.state import CASE_KIND_OF
from bot.edges import links, mailer
from bot.edges.clock import Clock
from bot.edges.config import Settings, load_sku_overrides
from bot.edges.oauth import token_source_for
from bot.edges.render import Renderer
from bot.edges.store import Store, iso, parse_iso
from bot.flows import failpoints
from bot.flows.action_links import ActionLinks
from bot.flows.answers import Answers
from bot.flows.cases import Cases
from bot.flows.digest import Digests
from bot.flows.outbox import Completions, Outbox
from bot.flows.reminders import Reminders
from bot.flows.replies import Replies
from bot.flows.seller_commands import SellerCommands
from bot.flows.seller_mail import SellerMail
from bot.flows.shared import IntakeMode, Origin, body_hash, normalize_eol
from bot.flows.shipments import Shipments
from bot.flows.transitions import SellerSteps

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


def seller_policy(settings: Settings) -> Policy:
    """The pure policy the decision table reads, from the seller's [policy] and [links]."""
    p = settings.policy
    return Policy(
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


class Service:
    """One seller's sellerbot: the flows, built on one store and one clock, and the one
    place that says which flow handles what."""

    def __init__(self, settings: Settings, store: Store, clock: Clock, *,
                 renderer: Renderer | None = None, dry_run_dir: str | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.mode = IntakeMode()
        self.policy = seller_policy(settings)
        self.link_policy = links.LinkPolicy(
            allowed_hosts=tuple(h.lower() for h in settings.links.allowed_hosts),
            timeout=settings.links.timeout_seconds, stand_in=settings.links.stand_in,
            headers=_session_headers(settings))
        smtp = settings.smtp
        self.smtp_target = mailer.SmtpTarget(
            smtp.host, smtp.port, smtp.security, smtp.username,
            smtp.resolve_password("smtp"), smtp.timeout_seconds, token=token_source_for(smtp))
        renderer = renderer or Renderer(settings.templates_dir)
        secret = settings.secret_key()
        q = settings.reminders.quiet_window()
        quiet = deadlines.QuietHours(q[0], q[1]) if q else None

        self.seller_mail = SellerMail(settings, store, clock, renderer, secret,
                                      away=self.policy.away)
        self.reminders = Reminders(settings, store, clock, quiet, self.seller_mail, self.mode)
        self.answers = Answers(settings, store, renderer, self.seller_mail)
        self.shipments = Shipments(settings, store, clock, renderer, secret, self.seller_mail,
                                   self.mode)
        steps = SellerSteps(settings, store, self.reminders)
        self.links = ActionLinks(store, self.seller_mail, steps)
        self.cases = Cases(settings, store, clock, self.policy, self.mode,
                           seller_mail=self.seller_mail, reminders=self.reminders,
                           answers=self.answers, shipments=self.shipments, links=self.links)
        commands = SellerCommands(settings, store, secret, answers=self.answers,
                                  shipments=self.shipments, steps=steps)
        self.replies = Replies(settings, store, secret, seller_mail=self.seller_mail,
                               commands=commands, links=self.links)
        self.digests = Digests(settings, store, clock, renderer, self.seller_mail,
                               self.smtp_target, dry_run_dir)
        self.outbox = Outbox(settings, store, clock, smtp_target=self.smtp_target,
                             link_policy=self.link_policy, seller_mail=self.seller_mail,
                             completions=Completions(link_finished=self.links.finished,
                                                     buyer_mail_sent=self.answers.sent,
                                                     buyer_mail_failed=self.answers.failed),
                             dry_run_dir=dry_run_dir)

    # ------------------------------------------------------------------ intake mode
    @property
    def backfill(self) -> bool:
        """First sync of a mailbox: rebuild state from history without mailing about the past."""
        return self.mode.backfill

    @backfill.setter
    def backfill(self, value: bool) -> None:
        self.mode.backfill = value

    @property
    def hold_notices(self) -> bool:
        """During a bulk pass new-case notices are held; `flush_notices` releases them."""
        return self.mode.hold_notices

    @hold_notices.setter
    def hold_notices(self, value: bool) -> None:
        self.mode.hold_notices = value

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
            self.seller_mail.alert_quarantine(notice, reason, now)
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
            if self.mode.backfill:  # an old reply found in history is never executed again
                self.store.set_message_status(msg_row, "ignored",
                                              "seller reply read as history: not executed")
                return "ignored"
            return self.replies.handle(notice, msg_row, now)
        if notice.kind in CASE_KIND_OF:
            return self.cases.apply_notice(notice, msg_row, now)
        return "recorded"

    # ------------------------------------------------------------------ time
    def tick(self) -> None:
        """Held notices, reminders that are due, the digest and ship lists when their hour
        has come, then everything the outbox can send now."""
        self.cases.flush_notices()
        self.reminders.send_due()
        self.digests.maybe_send()
        self.shipments.maybe_send()
        self.outbox.execute()

    def next_wakeup(self) -> datetime | None:
        times = [t for t in (self.store.next_reminder_at(),) if t]
        due = self.digests.due_at()
        if due is not None:
            times.append(due if due > self.clock.now() else due + timedelta(days=1))
        ship = self.shipments.due_at()
        if ship is not None:
            times.append(ship)
        row = self.store.db.execute("select min(next_attempt_at) from outbox where status in "
                                    "('pending','retrying')").fetchone()
        if row and row[0]:
            times.append(parse_iso(row[0]))  # type: ignore[arg-type]
        return min(times) if times else None

    # ------------------------------------------------------------------ for the daemon and CLI
    def flush_notices(self) -> int:
        return self.cases.flush_notices()

    def execute_outbox(self) -> int:
        return self.outbox.execute()

    def recover_inflight(self) -> int:
        return self.outbox.recover_inflight()

    def rearm_seller_mail(self, *, include_failed: bool = True,
                          only: list[int] | None = None) -> list[int]:
        return self.outbox.rearm_seller_mail(include_failed=include_failed, only=only)

    def check_seller_reachable(self) -> None:
        self.outbox.check_seller_reachable()

    def alert_intake_down(self, minutes: int, reason: str) -> None:
        self.seller_mail.alert_intake_down(minutes, reason)

    def send_digest(self, alarms_hours: tuple[float, ...] = (24, 2)) -> bool:
        return self.digests.send(alarms_hours)
