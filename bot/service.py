"""The imperative shell: raw mail in, state + outbox out, then effects executed.

handle(raw) = parse -> dedupe -> match -> transition -> decide -> save state, events,
reminders and outbox rows in ONE transaction -> execute the outbox -> mark each row done.
Only this module combines the pure core with the adapters.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.headerregistry import Address
from typing import Any

import tenacity

from bot import failpoints
from bot.clock import Clock
from bot.config import Settings
from bot.core import deadlines, tokens
from bot.core.commands import help_text
from bot.core.decide import Change, Policy, decide, due_reminder_plan, reminder_kind_for
from bot.core.parse import parse_message
from bot.core.state import CASE_KIND_OF, REF_PREFIX, event_name, is_open, transition
from bot.domain import CaseKind, CaseState, Command, Kind, LinkRole, Notice
from bot.edges import links, mailer
from bot.edges.render import Renderer, header_safe
from bot.edges.store import Store, iso, parse_iso

log = logging.getLogger("sellerbot")

#: Backoff for transient outbox failures (persisted between attempts, so it survives restarts).
_BACKOFF = tenacity.wait_exponential(multiplier=15, min=15, max=3600)
MAX_ATTEMPTS = 12


@dataclass(frozen=True)
class Origin:
    """Where a message came from: the intake progress key."""

    account: str = "local"
    folder: str = "-"
    uidvalidity: int = 0
    uid: int | None = None
    source: str = "imap"


@dataclass
class _Attempt:
    attempt_number: int


def normalize_eol(raw: bytes) -> bytes:
    """IMAP and SMTP deliver CRLF; hash and parse one form."""
    return raw.replace(b"\r\n", b"\n")


def body_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:32]


def _mask(addr: str | None) -> str:
    """Buyer addresses are not logged in full at info level."""
    if not addr or "@" not in addr:
        return addr or "-"
    local, domain = addr.split("@", 1)
    return f"{local[:2]}…@{domain}"


class Service:
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
        )
        q = settings.reminders.quiet_window()
        self.quiet = deadlines.QuietHours(q[0], q[1]) if q else None
        self.link_policy = links.LinkPolicy(
            allowed_hosts=tuple(h.lower() for h in settings.links.allowed_hosts),
            timeout=settings.links.timeout_seconds, stand_in=settings.links.stand_in)
        smtp = settings.smtp
        self.smtp_target = mailer.SmtpTarget(
            smtp.host, smtp.port, smtp.security, smtp.username,
            smtp.resolve_password("smtp"), smtp.timeout_seconds)

    # ------------------------------------------------------------------ intake
    def parse(self, raw: bytes) -> Notice:
        """Pure parse with this seller's settings (safe to run in a worker process)."""
        return parse_message(raw, **self.parse_options())

    def parse_options(self) -> dict[str, Any]:
        return {
            "trusted_authserv_ids": tuple(self.settings.authentication.trusted_authserv_ids),
            "bot_addresses": (self.settings.bot.address,),
            "seller_addresses": tuple(self.settings.seller.addresses),
            "default_tz": self.settings.seller.timezone,
        }

    def ingest(self, raw: bytes, origin: Origin = Origin()) -> str:
        """Process one raw email exactly once. Returns what happened (for logs and tests)."""
        raw = normalize_eol(raw)
        if origin.uid is not None and self.store.seen_uid(origin.account, origin.folder,
                                                          origin.uidvalidity, origin.uid):
            return "already-processed"
        return self.apply(raw, self.parse(raw), origin)

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
        log.info("message %s kind=%s status=%s", notice.message_id, notice.kind, status)
        return status

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
            return self._handle_reply(notice, msg_row, now)
        if notice.kind in CASE_KIND_OF:
            return self._apply_notice(notice, msg_row, now)
        self.store.record_message  # kinds with nothing to do (cancellation requests…)
        return "recorded"

    # ------------------------------------------------------------------ cases
    def _match(self, case_kind: CaseKind, notice: Notice) -> dict[str, Any] | None:
        """Order id first (with return/claim id when both sides have one), then relay alias."""
        if notice.order_id:
            rows = self.store.cases_where("kind = ? and order_id = ?",
                                          [str(case_kind), notice.order_id], order_by="id desc")
            for row in rows:
                rid = notice.return_request_id or notice.claim_id
                theirs = row.get("return_request_id") or row.get("claim_id")
                if rid and theirs and rid != theirs:
                    continue
                return row
        if case_kind == CaseKind.MESSAGE and notice.buyer_alias:
            rows = self.store.cases_where("kind = ? and buyer_alias = ?",
                                          ["message", notice.buyer_alias], order_by="id desc")
            if rows:
                return rows[0]
        return None

    def _notice_data(self, notice: Notice) -> dict[str, Any]:
        return {
            "items": [i.to_json() for i in notice.items],
            "reason": notice.reason, "reason_normalized": notice.reason_normalized,
            "customer_comment": notice.customer_comment,
            "amount": notice.amount.to_json() if notice.amount else None,
            "links": {str(link.role): link.target for link in notice.links},
            "policy_status": notice.policy_status,
            "message_text": notice.message_text, "buyer_name": notice.buyer_name,
            "decision": notice.decision, "source_message_id": notice.message_id,
            "subject": notice.subject,
        }

    def _deadline(self, state: CaseState, notice: Notice, now: datetime
                  ) -> tuple[datetime | None, datetime | None]:
        at = notice.event_time or now
        zone = deadlines.marketplace_zone(notice.marketplace, self.settings.seller.timezone)
        if state == CaseState.RETURN_REQUESTED:
            soft, hard = deadlines.return_request_deadlines(at)
            return hard, soft
        if state == CaseState.CLAIM_INFO_REQUESTED:
            return deadlines.claim_info_deadline(at, notice.deadline_hours), None
        if state == CaseState.CLAIM_GRANTED:
            return deadlines.appeal_deadline(at, zone), None
        if state == CaseState.MESSAGE_AWAITING_REPLY:
            return deadlines.buyer_message_deadline(at), None
        return None, None

    def _apply_notice(self, notice: Notice, msg_row: int, now: datetime) -> str:
        case_kind = CASE_KIND_OF[notice.kind]
        case = self._match(case_kind, notice)
        before = CaseState(case["state"]) if case else None
        outcome = transition(case_kind, before, event_name(notice.kind, notice.decision))
        if outcome.to_state is None:
            if case:
                self.store.add_event(case["id"], now, str(notice.kind),
                                     source_message_id=notice.message_id, from_state=before,
                                     to_state=None, reason=outcome.reason)
                self.store.set_message_case(msg_row, case["id"])
            return "recorded"
        after = outcome.to_state
        deadline, soft = self._deadline(after, notice, now)
        data = self._notice_data(notice)
        if case is None:
            year = (notice.event_time or now).year
            case = self.store.insert_case({
                "ref": self.store.next_ref(REF_PREFIX[case_kind], year),
                "kind": str(case_kind), "state": str(after),
                "marketplace": notice.marketplace, "language": notice.language,
                "order_id": notice.order_id, "return_request_id": notice.return_request_id,
                "claim_id": notice.claim_id, "buyer_alias": notice.buyer_alias,
                "opened_at": iso(notice.event_time or now), "deadline": iso(deadline),
                "deadline_soft": iso(soft), "updated_at": iso(now), "data": data,
            })
            self._link_related(case, now)
        else:
            merged = {**case["data"], **{k: v for k, v in data.items() if v}}
            changes: dict[str, Any] = {"state": str(after), "updated_at": iso(now),
                                       "data": merged}
            if after != before:
                changes["deadline"] = iso(deadline)
                changes["deadline_soft"] = iso(soft)
            self.store.update_case(case["id"], **changes)
            case = self.store.case(case["id"])
        assert case is not None
        self.store.set_message_case(msg_row, case["id"])
        self.store.add_event(case["id"], now, str(notice.kind),
                             source_message_id=notice.message_id, from_state=before,
                             to_state=after, reason=outcome.reason)
        decision = decide(Change(before, after, notice, parse_iso(case["deadline"]),
                                 parse_iso(case["opened_at"]) or now, now), self.policy)
        self.store.add_event(case["id"], now, "decision", source_message_id=notice.message_id,
                             from_state=None, to_state=None,
                             reason=f"rule {decision.rule}: {decision.reason}")
        self._run_actions(case, decision.actions, now)
        log.info("case %s %s -> %s (rule %s)", case["ref"], before, after, decision.rule)
        return "case"

    def _link_related(self, case: dict[str, Any], now: datetime) -> None:
        """A claim on an order with an open return: link both, note the escalation."""
        if case["kind"] != "claim" or not case["order_id"]:
            return
        for other in self.store.cases_where("kind = 'return' and order_id = ?",
                                            [case["order_id"]]):
            self.store.update_case(case["id"], linked_case_id=other["id"])
            self.store.update_case(other["id"], linked_case_id=case["id"])
            self.store.add_event(other["id"], now, "escalated", source_message_id=None,
                                 from_state=other["state"], to_state=None,
                                 reason=f"A-to-Z claim {case['ref']} filed on the same order")

    def _run_actions(self, case: dict[str, Any], actions: tuple[Any, ...], now: datetime) -> None:
        deadline = parse_iso(case["deadline"])
        past = deadline is not None and deadline <= now
        if self.backfill and (past or not is_open(case["state"])):
            self.store.add_event(case["id"], now, "backfill", source_message_id=None,
                                 from_state=None, to_state=None,
                                 reason="history rebuilt at first sync: nothing sent for a "
                                        "step that is over")
            return
        if past and is_open(case["state"]):
            # Arrived (or processed) after its deadline: one notice saying what to do now.
            self._email_seller(case, "missed", now, effect_key=f"missed:{case['ref']}:"
                               f"{case['deadline']}", to=self._recipients(with_backup=True))
            self.store.add_event(case["id"], now, "deadline_missed", source_message_id=None,
                                 from_state=case["state"], to_state=None,
                                 reason="processed after its deadline")
            return
        for action in actions:
            if action.name == "notify":
                extra = {k: v for k, v in action.args.items() if k != "template"}
                self._email_seller(case, action.args["template"], now, extra=extra,
                                   hold=self.hold_notices
                                   and action.args["template"] == "new_case")
            elif action.name == "schedule_reminders":
                self._schedule_reminders(case, now)
            elif action.name == "cancel_reminders":
                self.store.cancel_reminders(case["id"], now)
            elif action.name == "follow_link":
                self._queue_link(case, LinkRole(action.args["role"]), now,
                                 on_success=action.args.get("on_success", "authorized"),
                                 reply=None)

    def _schedule_reminders(self, case: dict[str, Any], now: datetime) -> None:
        deadline = parse_iso(case["deadline"])
        if deadline is None:
            return
        kind = reminder_kind_for(CaseState(case["state"]))
        r = self.settings.reminders
        hours = {"return": r.return_offsets_hours, "claim": r.claim_offsets_hours,
                 "message": r.message_offsets_hours, "appeal": r.appeal_offsets_hours}[kind]
        zone = deadlines.marketplace_zone(case["marketplace"], self.settings.seller.timezone)
        times = deadlines.reminder_times(parse_iso(case["opened_at"]) or now, deadline,
                                         [timedelta(hours=h) for h in hours], now, self.quiet,
                                         zone)
        self.store.cancel_reminders(case["id"], now)
        base = len(self.store.reminders(case["id"]))
        for seq, at in enumerate(sorted(times), start=base + 1):
            self.store.add_reminder(case["id"], at, "reminder", seq)
        self.store.add_reminder(case["id"], deadline, "deadline", base + len(times) + 1)

    def flush_notices(self) -> int:
        """After a bulk pass (or a crash during one): release held notices, or replace them
        by one summary when there are more than `catch_up_threshold`."""
        held = self.store.effects(("held",))
        if not held:
            return 0
        now = self.clock.now()
        with self.store.transaction():
            if len(held) <= self.catch_up_threshold:
                for eff in held:
                    self.store.mark_effect(eff["id"], "pending", now)
                return len(held)
            cases = [c for c in (self.store.case(e["case_id"]) for e in held) if c]
            for eff in held:
                self.store.mark_effect(eff["id"], "merged", now)
            opened = sorted((c for c in cases if is_open(c["state"])),
                            key=lambda c: c["deadline"] or "9999")
            self._email_seller(None, "catch_up", now,
                               effect_key=f"catch-up:{iso(now)}:{len(cases)}",
                               extra={"cases": [
                                   {"ref": c["ref"], "kind": c["kind"], "state": c["state"],
                                    "order_id": c["order_id"],
                                    "deadline": parse_iso(c["deadline"])} for c in opened]})
        return 1

    # ------------------------------------------------------------------ mail to the seller
    def _token_for(self, case_ref: str, now: datetime) -> str:
        return tokens.make_token(self.secret, case_ref,
                                 now + timedelta(days=self.settings.bot.token_days))

    def _context(self, case: dict[str, Any] | None, now: datetime, **extra: Any) -> dict[str, Any]:
        s = self.settings
        ctx: dict[str, Any] = {
            "seller_name": s.seller.name, "bot_name": s.bot.name, "tag": s.bot.subject_tag,
            "tz": s.seller.timezone, "lang": s.seller.language, "now": now,
            "link_mode": s.links.effective_mode, "case": None, "time_left": "",
            "flags": [], "suggest_keep_item": False, "results": [], "errors": [],
            "help": help_text(s.seller.language), "reason": "", "cases": [],
            "link_url": None, "role": None,
        }
        if case is not None:
            data = case["data"]
            deadline = parse_iso(case["deadline"])
            ctx["case"] = {**case, **data, "deadline": deadline,
                           "deadline_soft": parse_iso(case["deadline_soft"]),
                           "links": data.get("links") or {}, "items": data.get("items") or []}
            if deadline is not None:
                ctx["time_left"] = deadlines.humanize_remaining(deadline - now,
                                                                s.seller.language)
        ctx.update(extra)
        return ctx


    def _email_seller(self, case: dict[str, Any] | None, template: str, now: datetime, *,
                      extra: dict[str, Any] | None = None, effect_key: str | None = None,
                      to: list[str] | None = None, in_reply_to: str | None = None,
                      references: tuple[str, ...] = (), hold: bool = False) -> None:
        s = self.settings
        ref = case["ref"] if case else "GENERAL"
        token = self._token_for(ref, now)
        key = effect_key or f"email:{template}:{ref}:{case['state'] if case else ''}:" \
                            f"{iso(now)}"
        seq = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16)
        message_id = tokens.message_id_for(token, template.replace("_", ""), seq, s.bot.domain)
        local, domain = s.bot.address.split("@", 1)
        thread_root = case["data"].get("thread_root") if case else None
        refs = tuple(r for r in (thread_root, *references) if r)
        msg = self.renderer.email(
            template, s.seller.language, self._context(case, now, **(extra or {})),
            sender=Address(header_safe(s.bot.name, 80), local, domain),
            to=to or s.seller.recipients, message_id=message_id, date=now,
            reply_to=tokens.reply_address(s.bot.address, token),
            in_reply_to=in_reply_to or thread_root, references=refs)
        rowid = self.store.enqueue(kind="email", effect_key=key, now=now,
                                   status="held" if hold else "pending",
                                   case_id=case["id"] if case else None, message_id=message_id,
                                   payload={"from": s.bot.address,
                                            "to": list(to or s.seller.recipients),
                                            "raw": msg.as_string(), "template": template})
        if rowid and case is not None and not thread_root:
            data = dict(case["data"], thread_root=message_id)
            self.store.update_case(case["id"], data=data)
            case["data"] = data

    def _alert_quarantine(self, notice: Notice, reason: str, now: datetime) -> None:
        """Seller alerted once per layout (unrecognized) or per message (suspicious)."""
        if notice.kind == Kind.SUSPICIOUS:
            key = f"alert:suspicious:{notice.message_id or body_hash(reason.encode())}"
        else:
            shape = re.sub(r"\d+", "#", notice.subject or "")[:80]
            key = f"alert:unrecognized:{(notice.from_addr or '').split('@')[-1]}:{shape}"
        self._email_seller(None, "alert", now, effect_key=key, extra={
            "reason": reason, "alert_kind": str(notice.kind),
            "alert_subject": header_safe(notice.subject or "", 120),
            "alert_from": notice.from_addr or "?"})

    # ------------------------------------------------------------------ seller replies
    def _handle_reply(self, notice: Notice, msg_row: int, now: datetime) -> str:
        s = self.settings
        sender = (notice.from_addr or "").lower()
        if sender == s.bot.address:
            return "own-mail"
        if sender not in s.seller.addresses:
            log.warning("command refused: sender %s not in seller.addresses", _mask(sender))
            self.store.add_event(0, now, "command_refused", source_message_id=notice.message_id,
                                 from_state=None, to_state=None,
                                 reason=f"sender {_mask(sender)} not allowlisted")
            return "refused-sender"
        reply_refs = (notice.message_id, *notice.references)
        recent = self.store.count_replies_since(sender, now - timedelta(hours=1))
        if recent >= s.bot.max_replies_per_thread_per_hour:
            log.warning("reply rate limit reached for %s: not answering (loop guard)",
                        _mask(sender))
            return "rate-limited"
        if s.authentication.require_dmarc_for_commands and \
                notice.auth_results.get("dmarc") != "pass":
            self._email_seller(None, "command_refused", now,
                               effect_key=f"refused:{notice.message_id}", to=[sender],
                               in_reply_to=notice.message_id, references=reply_refs,
                               extra={"reason": "dmarc"})
            return "refused-dmarc"
        candidates = tokens.find_tokens(list(notice.to_addrs),
                                        [m for m in (notice.in_reply_to, *notice.references) if m])
        checks = [tokens.verify_token(self.secret, t, now) for t in candidates]
        good = next((c for c in checks if c.ok), None)
        if good is None:
            why = checks[0].reason if checks else "missing"
            log.warning("command refused from %s: token %s", _mask(sender), why)
            self._email_seller(None, "command_refused", now,
                               effect_key=f"refused:{notice.message_id}", to=[sender],
                               in_reply_to=notice.message_id, references=reply_refs,
                               extra={"reason": f"token_{why}"})
            return f"refused-token-{why}"
        case = self.store.case_by_ref(good.case_ref) if good.case_ref != "GENERAL" else None
        results: list[dict[str, Any]] = []
        deferred = False
        if not notice.commands:
            errors = list(notice.command_errors) or ["empty"]
        else:
            errors = list(notice.command_errors)
        reply_meta = {"to": [sender], "in_reply_to": notice.message_id,
                      "references": list(reply_refs)}
        for command in notice.commands:
            outcome = self._apply_command(case, command, now, reply_meta, results)
            deferred = deferred or outcome == "deferred"
        if case is not None:
            self.store.set_message_case(msg_row, case["id"])
            self.store.add_event(case["id"], now, "seller_reply",
                                 source_message_id=notice.message_id, from_state=case["state"],
                                 to_state=None, reason="commands: " + ", ".join(
                                     c.name for c in notice.commands) if notice.commands
                                 else "no command")
        if not deferred:
            self._email_seller(case, "command_result", now,
                               effect_key=f"result:{notice.message_id}", to=[sender],
                               in_reply_to=notice.message_id, references=reply_refs,
                               extra={"results": results, "errors": errors})
        return "commands"

    def _apply_command(self, case: dict[str, Any] | None, command: Command, now: datetime,
                       reply_meta: dict[str, Any], results: list[dict[str, Any]]) -> str:
        name = command.name
        if name == "help":
            results.append({"command": name, "ok": True, "text": "help"})
            return "ok"
        if name == "status":
            results.append({"command": name, "ok": True, "text": "status",
                            "cases": self.open_cases_summary(now)})
            return "ok"
        if case is None:
            results.append({"command": name, "ok": False, "text": "no_case"})
            return "error"
        state = CaseState(case["state"])
        if name == "authorize":
            if state != CaseState.RETURN_REQUESTED:
                results.append({"command": name, "ok": False, "text": "not_pending",
                                "state": str(state)})
                return "error"
            if not case["data"].get("links", {}).get("authorize"):
                results.append({"command": name, "ok": False, "text": "no_link"})
                return "error"
            if self.settings.links.effective_mode == "notify":
                results.append({"command": name, "ok": True, "text": "click",
                                "url": case["data"]["links"]["authorize"]})
                return "ok"
            self._queue_link(case, LinkRole.AUTHORIZE, now, on_success="authorized",
                             reply={**reply_meta, "results": results})
            return "deferred"
        if name == "close":
            url = case["data"].get("links", {}).get("close")
            if state != CaseState.RETURN_REQUESTED or not url:
                results.append({"command": name, "ok": False, "text": "not_pending",
                                "state": str(state)})
                return "error"
            results.append({"command": name, "ok": True, "text": "close_click", "url": url,
                            "reason": " ".join(command.args), "message": command.text})
            return "ok"
        if name in ("done", "ignore"):
            event = "done" if name == "done" else "no_response_needed"
            return self._seller_transition(case, event, name, now, results)
        if name == "snooze":
            seconds = int(command.args[0]) if command.args else 3600
            deadline = parse_iso(case["deadline"])
            until = now + timedelta(seconds=seconds)
            if deadline is not None:
                until = min(until, deadline - timedelta(minutes=30))
            self.store.update_case(case["id"], snoozed_until=iso(until))
            self.store.add_reminder(case["id"], max(until, now), "snooze",
                                    len(self.store.reminders(case["id"])) + 1)
            results.append({"command": name, "ok": True, "text": "snoozed", "until": until})
            return "ok"
        results.append({"command": name, "ok": False, "text": "not_available"})
        return "error"

    def _seller_transition(self, case: dict[str, Any], event: str, command: str,
                           now: datetime, results: list[dict[str, Any]]) -> str:
        before = CaseState(case["state"])
        outcome = transition(CaseKind(case["kind"]), before, event)
        if outcome.to_state is None:
            results.append({"command": command, "ok": False, "text": "not_pending",
                            "state": str(before)})
            return "error"
        self.store.update_case(case["id"], state=str(outcome.to_state), updated_at=iso(now))
        self.store.add_event(case["id"], now, f"command:{command}", source_message_id=None,
                             from_state=before, to_state=outcome.to_state,
                             reason=outcome.reason)
        if not is_open(outcome.to_state):
            self.store.cancel_reminders(case["id"], now)
        case["state"] = str(outcome.to_state)
        results.append({"command": command, "ok": True, "text": "state",
                        "state": str(outcome.to_state)})
        return "ok"

    # ------------------------------------------------------------------ action links
    def _queue_link(self, case: dict[str, Any], role: LinkRole, now: datetime, *,
                    on_success: str, reply: dict[str, Any] | None) -> None:
        url = case["data"].get("links", {}).get(str(role))
        if not url:
            return
        self.store.enqueue(kind="http", effect_key=f"link:{case['ref']}:{role}", now=now,
                           case_id=case["id"], payload={"url": url, "role": str(role),
                                                        "on_success": on_success,
                                                        "reply": reply})

    def _link_done(self, effect: dict[str, Any], ok: bool, detail: dict[str, Any],
                   now: datetime) -> None:
        """Record the request on the case, move the state, confirm to the seller."""
        case = self.store.case(effect["case_id"])
        if case is None:
            return
        payload = effect["payload"]
        self.store.add_event(case["id"], now, "link_followed" if ok else "link_failed",
                             source_message_id=None, from_state=case["state"], to_state=None,
                             reason=f"{payload['role']} {payload['url']}", data=detail)
        results = list((payload.get("reply") or {}).get("results") or [])
        entry = {"command": "authorize" if payload["role"] == "authorize" else payload["role"],
                 "ok": ok, "text": "link_ok" if ok else "link_failed",
                 "url": payload["url"], "detail": detail.get("error") or detail.get("status")}
        if ok:
            self._seller_transition(case, payload["on_success"], entry["command"], now, [])
            case = self.store.case(case["id"])
        results.append(entry)
        reply = payload.get("reply")
        if reply:
            self._email_seller(case, "command_result", now,
                               effect_key=f"result:{reply['in_reply_to']}", to=reply["to"],
                               in_reply_to=reply["in_reply_to"],
                               references=tuple(reply["references"]),
                               extra={"results": results, "errors": []})
        else:
            self._email_seller(case, "auto_action", now,
                               effect_key=f"auto-result:{effect['id']}",
                               extra={"results": results})

    # ------------------------------------------------------------------ reminders
    def send_due_reminders(self) -> int:
        now = self.clock.now()
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
            self._email_seller(case, "missed", now, effect_key=f"missed:{case['ref']}:"
                               f"{case['deadline']}", to=self._recipients(with_backup=True))
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
        self._email_seller(case, "reminder", now,
                           effect_key=f"reminder:{case['ref']}:{latest['seq']}",
                           to=self._recipients(with_backup=last), extra={"last": last})
        return 1

    def _recipients(self, with_backup: bool) -> list[str]:
        to = list(self.settings.seller.recipients)
        if with_backup and self.settings.seller.backup and self.settings.seller.backup not in to:
            to.append(self.settings.seller.backup)
        return to

    def open_cases_summary(self, now: datetime) -> list[dict[str, Any]]:
        rows = self.store.cases_where(
            "state in ('return_requested','claim_info_requested','claim_granted',"
            "'message_awaiting_reply')", [], order_by="deadline")
        return [{"ref": r["ref"], "kind": r["kind"], "state": r["state"],
                 "order_id": r["order_id"], "deadline": parse_iso(r["deadline"])} for r in rows]

    # ------------------------------------------------------------------ outbox
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
            log.info("effect %s email %s sent (%s)", eff["id"], eff["message_id"],
                     payload.get("template"))
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

    # ------------------------------------------------------------------ one step
    def tick(self) -> None:
        """Reminders that are due, then everything the outbox can send now."""
        self.flush_notices()
        self.send_due_reminders()
        self.execute_outbox()

    def next_wakeup(self) -> datetime | None:
        times = [t for t in (self.store.next_reminder_at(),) if t]
        row = self.store.db.execute("select min(next_attempt_at) from outbox where status in "
                                    "('pending','retrying')").fetchone()
        if row and row[0]:
            times.append(parse_iso(row[0]))  # type: ignore[arg-type]
        return min(times) if times else None
