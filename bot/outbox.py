"""Execute the outbox after the commit: mail by SMTP, action links by HTTP.

Emails keep the Message-ID fixed in their row, so a retry is the same mail. A link request
is marked in flight before it starts; one found in flight at start is never repeated: the
case is marked uncertain and the seller asked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import tenacity

from bot import failpoints
from bot.edges import links, mailer
from bot.runtime import Runtime

log = logging.getLogger("sellerbot")

#: Backoff for transient failures (persisted between attempts, so it survives restarts).
_BACKOFF = tenacity.wait_exponential(multiplier=15, min=15, max=3600)
MAX_ATTEMPTS = 12


@dataclass
class _Attempt:
    attempt_number: int


class OutboxRunner(Runtime):
    """Sends what the outbox holds, with retries and backoff."""

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
                    self._email_seller(case, "uncertain", now,
                                       effect_key=f"uncertain:{eff['id']}",
                                       extra={"link_url": eff["payload"]["url"],
                                              "role": eff["payload"]["role"]})
                count += 1
        return count

    def execute_outbox(self) -> int:
        done = 0
        while True:
            batch = self.store.ready_effects(self.clock.now())
            if not batch:
                return done
            progressed = False
            for eff in batch:
                if self._execute(eff):
                    done += 1
                    progressed = True
            if not progressed:
                return done

    def _retry_later(self, eff: dict[str, Any], error: str, now: datetime) -> None:
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
                    self._link_done(eff, False, {"error": error}, now)
        log.error("effect %s %s failed: %s", eff["id"], eff["effect_key"], error)

    def _execute(self, eff: dict[str, Any]) -> bool:
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
            except mailer.TransientSendError as exc:
                self._retry_later(eff, str(exc), now)
                return False
            except mailer.PermanentSendError as exc:
                self._fail(eff, str(exc), now)
                return True
            with self.store.transaction():
                self.store.mark_effect(eff["id"], "done", now, attempt=True)
            log.info("effect %s email %s sent (%s) case=%s", eff["id"], eff["message_id"],
                     payload.get("template"), eff["case_id"] or "-")
            return True
        if eff["kind"] == "http":
            with self.store.transaction():
                self.store.mark_effect(eff["id"], "inflight", now, attempt=True)
            failpoints.reach("during_link")
            try:
                if self.dry_run_dir:
                    links.check_url(payload["url"], self.link_policy)
                    result = links.LinkResult(payload["url"], payload["url"], 0, "dry-run")
                else:
                    result = links.follow(payload["url"], self.link_policy)
            except links.LinkTransientError as exc:
                self._retry_later({**eff, "attempts": eff["attempts"]}, str(exc), now)
                return False
            except (links.LinkRefused, links.LinkPermanentError) as exc:
                self._fail(eff, f"{type(exc).__name__}: {exc}", now)
                return True
            detail = {"status": result.status, "final_url": result.final_url}
            with self.store.transaction():
                self.store.mark_effect(eff["id"], "done", now, response=detail)
                self._link_done(eff, True, detail, now)
            log.info("effect %s link %s -> HTTP %s", eff["id"], payload["role"], result.status)
            return True
        self._fail(eff, f"unknown effect kind {eff['kind']}", now)
        return True

    def _write_dry_run(self, eff: dict[str, Any]) -> None:
        from pathlib import Path
        folder = Path(self.dry_run_dir or ".")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{eff['id']:06d}.eml").write_text(eff["payload"]["raw"], encoding="utf-8")

