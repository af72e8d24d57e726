"""A seller's step on a case (FAIT, IGNORER, REÇU, an authorize link that worked): the
transition, its event, and the new clock and reminders when the case stays open."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core import deadlines
from bot.core.domain import CaseKind, CaseState
from bot.core.state import is_open, transition
from bot.edges.config import Settings
from bot.edges.store import Store, iso
from bot.flows.reminders import Reminders


class SellerSteps:
    """Moves a case on the seller's word, inside the caller's transaction."""

    def __init__(self, settings: Settings, store: Store, reminders: Reminders) -> None:
        self.settings = settings
        self.store = store
        self.reminders = reminders

    def apply(self, case: dict[str, Any], event: str, command: str, now: datetime,
              results: list[dict[str, Any]]) -> str:
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
        case["state"] = str(outcome.to_state)
        self.store.cancel_reminders(case["id"], now)
        if is_open(outcome.to_state):  # a new clock starts (REÇU: refund within 2 days)
            hard, soft = deadlines.deadline_for_state(
                outcome.to_state, now, case.get("marketplace"), None,
                self.settings.seller.timezone)
            self.store.update_case(case["id"], deadline=iso(hard), deadline_soft=iso(soft))
            case.update(deadline=iso(hard), deadline_soft=iso(soft))
            self.reminders.schedule(case, now, since=now)
        results.append({"command": command, "ok": True, "text": "state",
                        "state": str(outcome.to_state)})
        return "ok"
