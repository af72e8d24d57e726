"""Apply a parsed notification to the seller's cases: match, transition, decide, schedule.

The rules themselves are pure (bot.core.state, bot.core.decide); this is where their
result is written to the store, inside the caller's transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.core import deadlines
from bot.core.decide import Change, Policy, decide
from bot.core.match import pick_case
from bot.core.orders import order_value
from bot.core.state import CASE_KIND_OF, REF_PREFIX, event_name, is_open, transition
from bot.core.domain import OPEN_STATES_SQL, CaseKind, CaseState, LinkRole, Notice
from bot.edges.clock import Clock
from bot.edges.config import Settings
from bot.edges.store import Store, iso, parse_iso
from bot.flows.action_links import ActionLinks
from bot.flows.answers import Answers
from bot.flows.reminders import Reminders
from bot.flows.seller_mail import SellerMail
from bot.flows.shared import IntakeMode
from bot.flows.shipments import Shipments

log = logging.getLogger("sellerbot")

#: At first sync, an open case whose deadline passed less than this long ago is still
#: reported (it can often be saved); older history is rebuilt silently.
RECENTLY_MISSED = timedelta(days=7)


class Cases:
    """Notification -> case changes, events, reminders and notices."""

    def __init__(self, settings: Settings, store: Store, clock: Clock, policy: Policy,
                 mode: IntakeMode, *, seller_mail: SellerMail, reminders: Reminders,
                 answers: Answers, shipments: Shipments, links: ActionLinks) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.policy = policy
        self.mode = mode
        self.seller_mail = seller_mail
        self.reminders = reminders
        self.answers = answers
        self.shipments = shipments
        self.links = links

    def _match(self, case_kind: CaseKind, notice: Notice) -> dict[str, Any] | None:
        """Candidates by order id, else by relay alias; the choice is bot.core.match's."""
        rows: list[dict[str, Any]] = []
        if notice.order_id:
            rows = self.store.cases_where("kind = ? and order_id = ?",
                                          [str(case_kind), notice.order_id], order_by="id desc",
                                          limit=20)
        if not rows and case_kind == CaseKind.MESSAGE and notice.buyer_alias:
            rows = self.store.cases_where("kind = ? and buyer_alias = ?",
                                          ["message", notice.buyer_alias], order_by="id desc",
                                          limit=20)
        return pick_case(notice.kind, notice.event_time,
                         notice.return_request_id or notice.claim_id, rows)

    def _notice_data(self, notice: Notice) -> dict[str, Any]:
        return {
            "items": [i.to_json() for i in notice.items],
            "reason": notice.reason, "reason_normalized": notice.reason_normalized,
            "customer_comment": notice.customer_comment,
            "amount": notice.amount.to_json() if notice.amount else None,
            "links": {str(link.role): link.target for link in notice.links},
            "policy_status": notice.policy_status, "policy_remark": notice.policy_remark,
            "message_text": notice.message_text, "buyer_name": notice.buyer_name,
            "decision": notice.decision, "source_message_id": notice.message_id,
            "subject": notice.subject, "tracking": notice.tracking,
            "rma_id": notice.rma_id, "event_time": iso(notice.event_time),
            **self.shipments.claim_risk_facts(notice),
            "deadline_source": notice.deadline_source,
            "needs_confirmation": notice.needs_confirmation or None,
        }

    def apply_notice(self, notice: Notice, msg_row: int, now: datetime) -> str:
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
        deadline, soft = deadlines.deadline_for_state(
            after, notice.event_time or now, notice.marketplace, notice.deadline_hours,
            self.settings.seller.timezone)
        if notice.deadline_source == "mail" and notice.deadline is not None and deadline:
            deadline = notice.deadline  # stated in the mail: wins over the rule
            soft = min(soft, deadline) if soft else None
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
                                 parse_iso(case["opened_at"]) or now, now,
                                 known_value=self._known_value(notice.order_id)), self.policy)
        self.store.add_event(case["id"], now, "decision", source_message_id=notice.message_id,
                             from_state=None, to_state=None,
                             reason=f"rule {decision.rule}: {decision.reason}")
        self._run_actions(case, decision.actions, now)
        log.info("case %s %s -> %s (rule %s)", case["ref"], before, after, decision.rule)
        return "case"

    def _known_value(self, order_id: str | None) -> Decimal | None:
        """The order's value from an imported order report, if any."""
        order = self.store.order(order_id) if order_id else None
        valued = order_value(order["data"]) if order else None
        return valued[0] if valued else None

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
        if self.mode.backfill and (past or not is_open(case["state"])):
            recent = deadline is not None and now - deadline < RECENTLY_MISSED
            if past and is_open(case["state"]) and recent:
                # Missed shortly before sellerbot started: still worth doing now. Held, so a
                # first run lists it in its one summary rather than mailing it alone.
                self.seller_mail.send(case, "missed", now, hold=True,
                                   effect_key=f"missed:{case['ref']}:{case['deadline']}",
                                   to=self.seller_mail.recipients(with_backup=True))
                return
            self.store.add_event(case["id"], now, "backfill", source_message_id=None,
                                 from_state=None, to_state=None,
                                 reason="history rebuilt at first sync: nothing sent for a "
                                        "step that is over")
            return
        if past and is_open(case["state"]):
            # Arrived (or processed) after its deadline: one notice saying what to do now.
            self.seller_mail.send(case, "missed", now, effect_key=f"missed:{case['ref']}:"
                               f"{case['deadline']}", to=self.seller_mail.recipients(with_backup=True))
            self.store.add_event(case["id"], now, "deadline_missed", source_message_id=None,
                                 from_state=case["state"], to_state=None,
                                 reason="processed after its deadline")
            return
        for action in actions:
            if action.name == "notify":
                extra = {k: v for k, v in action.args.items() if k != "template"}
                if extra.get("recommend"):
                    # Recorded first, so the mail, `show` and `explain` tell the same story:
                    # a recommendation, nothing requested from Amazon.
                    url = case["data"].get("links", {}).get("authorize")
                    extra["recommend"] = {"url": url}
                    self.store.add_event(case["id"], now, "recommended",
                                         source_message_id=None, from_state=case["state"],
                                         to_state=None,
                                         reason=f"authorize recommended to the seller (click "
                                                f"{url}, then FAIT); nothing requested")
                self.seller_mail.send(case, action.args["template"], now, extra=extra,
                                   hold=self.mode.hold_notices
                                   and action.args["template"] == "new_case")
            elif action.name == "schedule_reminders":
                self.reminders.schedule(case, now)
            elif action.name == "draft_claim":
                self.answers.send_claim_draft(case, now)
            elif action.name == "cancel_reminders":
                self.store.cancel_reminders(case["id"], now)
            elif action.name == "follow_link":
                if self.settings.links.effective_mode != "follow":
                    continue  # notify mode: the auto_action mail carries the link to click
                self.links.queue(case, LinkRole(action.args["role"]), now,
                                 on_success=action.args.get("on_success", "authorized"),
                                 reply=None, source="auto")

    def flush_notices(self) -> int:
        """After a bulk pass (or a crash during one): release held notices, or replace them
        by one summary when there are more than `catch_up_threshold`."""
        held = self.store.effects(("held",))
        if not held:
            return 0
        now = self.clock.now()
        with self.store.transaction():
            if len(held) <= self.mode.catch_up_threshold:
                for eff in held:
                    self.store.mark_effect(eff["id"], "released", now)
                    case = self.store.case(eff["case_id"]) if eff["case_id"] else None
                    spec = eff["payload"]["held"]
                    self.seller_mail.send(case, spec["template"], now, extra=spec["extra"],
                                       to=spec.get("to"),
                                       effect_key=f"{eff['effect_key']}:released")
                return len(held)
            cases = [c for c in (self.store.case(e["case_id"]) for e in held) if c]
            for eff in held:
                self.store.mark_effect(eff["id"], "merged", now)
            opened = sorted((c for c in cases if is_open(c["state"])),
                            key=lambda c: c["deadline"] or "9999")
            self.seller_mail.send(None, "catch_up", now,
                               effect_key=f"catch-up:{iso(now)}:{len(cases)}",
                               extra={"cases": [
                                   {"ref": c["ref"], "kind": c["kind"], "state": c["state"],
                                    "order_id": c["order_id"],
                                    "deadline": parse_iso(c["deadline"])} for c in opened]})
        return 1


def open_cases_summary(store: Store) -> list[dict[str, Any]]:
    """Every open case, soonest deadline first: the STATUT answer."""
    rows = store.cases_where(f"state in ({OPEN_STATES_SQL})", [], order_by="deadline")
    return [{"ref": r["ref"], "kind": r["kind"], "state": r["state"],
             "order_id": r["order_id"], "deadline": parse_iso(r["deadline"])} for r in rows]
