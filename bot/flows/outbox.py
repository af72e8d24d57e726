"""Execute the outbox after the commit: mail by SMTP, action links by HTTP.

Emails keep the Message-ID fixed in their row, so a retry is the same mail. A link request
is marked in flight before it starts; one found in flight at start is never repeated: the
case is marked uncertain and the seller asked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import tenacity

from bot.edges import links, mailer, systemd
from bot.edges.clock import Clock
from bot.edges.config import Settings
from bot.edges.store import Store, parse_iso, private_file
from bot.flows import failpoints
from bot.flows.seller_mail import SellerMail

log = logging.getLogger("sellerbot")

#: Backoff for transient failures (persisted between attempts, so it survives restarts).
_BACKOFF = tenacity.wait_exponential(multiplier=15, min=15, max=3600)
MAX_ATTEMPTS = 12
#: Mail the seller must read (notices, reminders, escalations) is never given up while it
#: still matters: retried on any SMTP error, at most 15 min apart, until its case's deadline
#: has passed and at least this long after it was queued (a missed-deadline notice matters
#: after the deadline; by then the reminders have queued that one).
_SELLER_BACKOFF = tenacity.wait_exponential(multiplier=15, min=15, max=900)
SELLER_MIN_RETRY = timedelta(hours=24)


@dataclass
class _Attempt:
    attempt_number: int


def for_seller(eff: dict[str, Any]) -> bool:
    """A mail to the seller, as opposed to an answer to a buyer (which carries `on_sent`)
    or a link request to Amazon: those keep their at-most-once rules."""
    return eff["kind"] == "email" and not eff["payload"].get("on_sent")


@dataclass(frozen=True)
class Completions:
    """What the flows do once an effect's outcome is known (inside its transaction)."""

    #: (effect, ok, detail, now): an action link answered, or was given up.
    link_finished: Callable[[dict[str, Any], bool, dict[str, Any], datetime], None]
    #: (effect, now): the relay accepted a mail to a buyer.
    buyer_mail_sent: Callable[[dict[str, Any], datetime], None]
    #: (effect, error, now): a mail to a buyer was refused for good.
    buyer_mail_failed: Callable[[dict[str, Any], str, datetime], None]


class Outbox:
    """Sends what the outbox holds, with retries and backoff."""

    def __init__(self, settings: Settings, store: Store, clock: Clock, *,
                 smtp_target: mailer.SmtpTarget, link_policy: links.LinkPolicy,
                 seller_mail: SellerMail, completions: Completions,
                 dry_run_dir: str | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.smtp_target = smtp_target
        self.link_policy = link_policy
        self.seller_mail = seller_mail
        self.completions = completions
        self.dry_run_dir = dry_run_dir
        #: SMTP failed since the last mail that got through (a success re-arms the others).
        self._smtp_failing = False
        #: The CRITICAL "seller cannot be mailed" was said for the current outage.
        self._unreachable_said = False

    def retry_until(self, eff: dict[str, Any]) -> datetime:
        """When a seller mail stops mattering: its case's deadline, but never sooner than
        SELLER_MIN_RETRY after it was queued."""
        until = (parse_iso(eff["created_at"]) or self.clock.now()) + SELLER_MIN_RETRY
        case = self.store.case(eff["case_id"]) if eff["case_id"] else None
        deadline = parse_iso(case["deadline"]) if case else None
        return max(until, deadline) if deadline else until

    def rearm_seller_mail(self, *, include_failed: bool = True,
                          only: list[int] | None = None) -> list[int]:
        """Make waiting seller mails due now (a reload, a login that works again, `sellerbot
        outbox retry`); failed ones too while they still matter. Returns the ids."""
        now = self.clock.now()
        statuses = ("retrying", "failed") if include_failed else ("retrying",)
        ids = [e["id"] for e in self.store.seller_mail(statuses)
               if (only is None or e["id"] in only)
               and (e["status"] == "retrying" or self.retry_until(e) > now)]
        if ids:
            with self.store.transaction():
                self.store.rearm(ids, now)
            log.info("outbox: %d mail(s) to the seller due again now", len(ids))
        return ids

    def recover_inflight(self) -> int:
        """At start: a link request that may or may not have happened is never repeated."""
        now = self.clock.now()
        count = 0
        for eff in self.store.inflight_effects():
            with self.store.transaction():
                self.store.mark_effect(eff["id"], "uncertain", now,
                                       error="process stopped during the request")
                if eff["kind"] == "http" and eff["case_id"]:
                    self.store.update_case(eff["case_id"], uncertain=1)
                    case = self.store.case(eff["case_id"])
                    self.store.add_event(eff["case_id"], now, "link_uncertain",
                                         source_message_id=None, from_state=None, to_state=None,
                                         reason=f"{eff['payload']['url']} may or may not have "
                                                "been requested")
                    self.seller_mail.send(case, "uncertain", now,
                                          effect_key=f"uncertain:{eff['id']}",
                                    extra={"link_url": eff["payload"]["url"],
                                           "role": eff["payload"]["role"]})
                count += 1
        return count

    def execute(self) -> int:
        """Send what is due. When SMTP cannot be reached, the other mails wait for the next
        round instead of each blocking the worker for a whole timeout."""
        done = 0
        smtp_down = False
        while True:
            batch = [e for e in self.store.ready_effects(self.clock.now())
                     if not (smtp_down and e["kind"] == "email")]
            if not batch:
                self.check_seller_reachable()
                return done
            progressed = False
            for eff in batch:
                if smtp_down and eff["kind"] == "email":
                    continue
                outcome = self._execute_safely(eff)
                if outcome == "done":
                    done += 1
                    progressed = True
                elif outcome == "smtp_down":
                    smtp_down = True
            if not progressed:
                self.check_seller_reachable()
                return done

    def _execute_safely(self, eff: dict[str, Any]) -> str:
        """One bad row must never stall the others: anything unexpected is retried later
        (and gives up after MAX_ATTEMPTS), with the error on the row."""
        try:
            return self._execute(eff)
        except Exception as exc:  # noqa: BLE001 - recorded on the row, never lost
            log.exception("effect %s %s: unexpected error", eff["id"], eff["effect_key"])
            self._retry_later(eff, f"{type(exc).__name__}: {exc}", self.clock.now())
            return "retry"

    def check_seller_reachable(self) -> None:
        """No mail has reached the seller for `bot.smtp_alert_minutes` while some wait: say it
        where an operator looks (CRITICAL log, systemd status; doctor and metrics read the
        same state from the database). Said once per outage, and again when it is over."""
        since = self.store.seller_mail_down_since()
        now = self.clock.now()
        limit = timedelta(minutes=self.settings.bot.smtp_alert_minutes)
        if since is not None and now - since >= limit:
            if not self._unreachable_said:
                self._unreachable_said = True
                waiting = len(self.store.seller_mail(("retrying",)))
                minutes = int((now - since).total_seconds() // 60)
                log.critical("the seller cannot be mailed: no mail got through for %d min, %d "
                             "waiting (see `sellerbot outbox`; fix [smtp], then SIGHUP or "
                             "`sellerbot outbox retry --all`)", minutes, waiting)
                systemd.notify(f"STATUS=CRITICAL: seller unreachable by mail for {minutes} min,"
                               f" {waiting} mail(s) waiting")
        elif self._unreachable_said and since is None:
            self._unreachable_said = False
            log.warning("mail reaches the seller again")
            systemd.notify("STATUS=mail reaches the seller again")

    def _retry_seller(self, eff: dict[str, Any], error: str, now: datetime) -> None:
        """Seller mail: backoff until it no longer matters, whatever the SMTP error."""
        attempts = (eff["attempts"] or 0) + 1
        until = self.retry_until(eff)
        if now >= until:
            self._fail(eff, f"gave up after {attempts} attempts, its deadline has passed: "
                            f"{error}", now)
            return
        delay = timedelta(seconds=_SELLER_BACKOFF(_Attempt(attempts)))  # type: ignore[arg-type]
        with self.store.transaction():
            self.store.mark_effect(eff["id"], "retrying", now, error=error, attempt=True,
                                   next_attempt_at=min(now + delay, until))
        log.warning("effect %s mail to the seller: retry in %ss: %s", eff["id"],
                    int(delay.total_seconds()), error)

    def _retry_later(self, eff: dict[str, Any], error: str, now: datetime) -> None:
        if for_seller(eff):
            self._retry_seller(eff, error, now)
            return
        attempts = (eff["attempts"] or 0) + 1
        if attempts >= MAX_ATTEMPTS:
            self._fail(eff, f"gave up after {attempts} attempts: {error}", now)
            return
        delay = _BACKOFF(_Attempt(attempts))  # type: ignore[arg-type]
        with self.store.transaction():
            self.store.mark_effect(eff["id"], "retrying", now, error=error, attempt=True,
                                   next_attempt_at=now + timedelta(seconds=delay))
        log.warning("effect %s %s retry in %ss: %s", eff["id"], eff["kind"], int(delay), error)

    def _fail(self, eff: dict[str, Any], error: str, now: datetime) -> None:
        with self.store.transaction():
            self.store.mark_effect(eff["id"], "failed", now, error=error, attempt=True)
            if eff["case_id"]:
                self.store.add_event(eff["case_id"], now, "effect_failed",
                                     source_message_id=None, from_state=None, to_state=None,
                                     reason=f"{eff['kind']} {eff['effect_key']}: {error}")
                if eff["kind"] == "http":
                    self.completions.link_finished(eff, False, {"error": error}, now)
                elif eff["payload"].get("on_sent"):
                    self.completions.buyer_mail_failed(eff, error, now)
        log.error("effect %s %s failed: %s", eff["id"], eff["effect_key"], error)

    def _execute(self, eff: dict[str, Any]) -> str:
        now = self.clock.now()
        payload = eff["payload"]
        if eff["kind"] == "email":
            try:
                if self.dry_run_dir:
                    self._write_dry_run(eff)
                else:
                    mailer.send(self.smtp_target, payload["from"], payload["to"],
                                payload["raw"].encode("utf-8"))
                    failpoints.reach("after_send")
            except (mailer.TransientSendError, mailer.LoginRefused) as exc:
                self._smtp_failing = True
                self._retry_later(eff, str(exc), now)
                return "smtp_down"
            except mailer.PermanentSendError as exc:
                if for_seller(eff) and not isinstance(exc, mailer.Unsendable):
                    self._retry_later(eff, str(exc), now)  # a 5xx can be a provider hiccup
                    return "retry"
                self._fail(eff, str(exc), now)
                return "done"
            with self.store.transaction():
                self.store.mark_effect(eff["id"], "done", now, attempt=True)
                if payload.get("on_sent") and eff["case_id"]:
                    self.completions.buyer_mail_sent(eff, now)
            if self._smtp_failing:  # the login works again: the others need not wait
                self._smtp_failing = False
                self.rearm_seller_mail(include_failed=False)
            log.info("effect %s email %s sent (%s) case=%s", eff["id"], eff["message_id"],
                     payload.get("template"), eff["case_id"] or "-")
            return "done"
        if eff["kind"] == "http":
            with self.store.transaction():
                self.store.mark_effect(eff["id"], "inflight", now)
            failpoints.reach("during_link")
            try:
                if self.dry_run_dir:
                    links.check_url(payload["url"], self.link_policy)
                    result = links.LinkResult(payload["url"], payload["url"], 0, "dry-run")
                else:
                    result = links.follow(payload["url"], self.link_policy)
            except links.LinkTransientError as exc:
                self._retry_later(eff, str(exc), now)
                return "retry"
            except (links.LinkRefused, links.LinkPermanentError) as exc:
                self._fail(eff, f"{type(exc).__name__}: {exc}", now)
                return "done"
            detail = {"status": result.status, "final_url": result.final_url}
            with self.store.transaction():
                self.store.mark_effect(eff["id"], "done", now, response=detail)
                self.completions.link_finished(eff, True, detail, now)
            log.info("effect %s link %s -> HTTP %s case=%s", eff["id"], payload["role"],
                     result.status, eff["case_id"])
            return "done"
        self._fail(eff, f"unknown effect kind {eff['kind']}", now)
        return "done"

    def _write_dry_run(self, eff: dict[str, Any]) -> None:
        from pathlib import Path
        folder = Path(self.dry_run_dir or ".")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{eff['id']:06d}.eml"
        private_file(path)  # the seller's mail, buyer data included: 0600
        path.write_text(eff["payload"]["raw"], encoding="utf-8")

