"""What each seller command does to one case: one handler a command, results for the answer.

A handler returns the action link to request, if any; the reply flow queues it and answers
once its outcome is known. Commands that name an order rather than a case (EXPÉDIÉ, RUPTURE
and its CONFIRMER code) go to the shipments flow.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.core.commands import command_effect
from bot.core.domain import CaseState, Command, LinkRole
from bot.edges.config import Settings
from bot.edges.store import Store, iso, parse_iso
from bot.flows.answers import Answers
from bot.flows.cases import open_cases_summary
from bot.flows.shipments import Shipments
from bot.flows.transitions import SellerSteps

Results = list[dict[str, Any]]
Handler = Callable[[dict[str, Any], Command, datetime, Results, str], LinkRole | None]


class SellerCommands:
    """Runs one parsed command on one case (or on none: AIDE, STATUT, order commands)."""

    def __init__(self, settings: Settings, store: Store, secret: bytes, *, answers: Answers,
                 shipments: Shipments, steps: SellerSteps) -> None:
        self.settings = settings
        self.store = store
        self.secret = secret
        self.answers = answers
        self.shipments = shipments
        self.steps = steps
        self._on_case: dict[str, Handler] = {
            "return": self._return, "authorize": self._authorize, "close": self._close,
            "done": self._done, "ignore": self._done, "snooze": self._snooze,
            "reply": self._reply, "keep": self._keep, "received": self._received,
            "refund": self._refund, "confirm": self._confirm,
            "claim_answer": self._claim_answer,
        }

    def run(self, case: dict[str, Any] | None, command: Command, now: datetime,
            results: Results, source: str = "reply") -> LinkRole | None:
        """Run one command on one case; returns the link to request, if any."""
        start = len(results)
        link = self._dispatch(case, command, now, results, source)
        if case is not None:
            for entry in results[start:]:
                entry.setdefault("ref", case["ref"])
        return link

    def _dispatch(self, case: dict[str, Any] | None, command: Command, now: datetime,
                  results: Results, source: str) -> LinkRole | None:
        name = command.name
        if name == "help":
            results.append({"command": name, "ok": True, "text": "help"})
            return None
        if name == "status":
            results.append({"command": name, "ok": True, "text": "status",
                            "cases": open_cases_summary(self.store)})
            return None
        if name in ("shipped", "out_of_stock") or (  # by order number, from any sellerbot mail
                name == "confirm" and self.shipments.is_out_of_stock_code(command)):
            return self.shipments.command(command, now, results, source)
        if case is None:
            results.append({"command": name, "ok": False, "text": "no_case"})
            return None
        handler = self._on_case.get(name)
        if handler is None:
            results.append({"command": name, "ok": False, "text": "not_available"})
            return None
        return handler(case, command, now, results, source)

    @staticmethod
    def _not_pending(case: dict[str, Any], command: Command, results: Results) -> None:
        results.append({"command": command.name, "ok": False, "text": "not_pending",
                        "state": case["state"]})

    # ------------------------------------------------------------------ return requests
    def _return(self, case: dict[str, Any], command: Command, now: datetime,
                results: Results, source: str) -> None:
        """Amazon's advice: returns go through a return request."""
        return self.answers.to_buyer(case, "buyer_return_request", {}, now, results,
                                     command.name, source)

    def _authorize(self, case: dict[str, Any], command: Command, now: datetime,
                   results: Results, source: str) -> LinkRole | None:
        name = command.name
        if CaseState(case["state"]) != CaseState.RETURN_REQUESTED:
            self._not_pending(case, command, results)
            return None
        if not case["data"].get("links", {}).get("authorize"):
            results.append({"command": name, "ok": False, "text": "no_link"})
            return None
        if self.store.active_link(case["id"], str(LinkRole.AUTHORIZE)):
            # Another reply already asked for it: never request the same link twice.
            results.append({"command": name, "ok": True, "text": "in_progress"})
            return None
        if command_effect("authorize", self.settings.links.effective_mode) == "click":
            results.append({"command": name, "ok": True, "text": "click",
                            "url": case["data"]["links"]["authorize"]})
            return None
        return LinkRole.AUTHORIZE

    def _close(self, case: dict[str, Any], command: Command, now: datetime,
               results: Results, source: str) -> None:
        url = case["data"].get("links", {}).get("close")
        if CaseState(case["state"]) != CaseState.RETURN_REQUESTED or not url:
            self._not_pending(case, command, results)
            return
        results.append({"command": command.name, "ok": True, "text": "close_click", "url": url,
                        "reason": " ".join(command.args), "message": command.text})

    def _keep(self, case: dict[str, Any], command: Command, now: datetime,
              results: Results, source: str) -> None:
        if case["kind"] != "return":
            self._not_pending(case, command, results)
            return None
        return self.answers.to_buyer(case, "buyer_keep_item", {}, now, results, command.name,
                                     source)

    def _received(self, case: dict[str, Any], command: Command, now: datetime,
                  results: Results, source: str) -> None:
        self.steps.apply(case, "received", command.name, now, results)

    # ------------------------------------------------------------------ any case
    def _done(self, case: dict[str, Any], command: Command, now: datetime,
              results: Results, source: str) -> None:
        event = "done" if command.name == "done" else "no_response_needed"
        self.steps.apply(case, event, command.name, now, results)

    def _snooze(self, case: dict[str, Any], command: Command, now: datetime,
                results: Results, source: str) -> None:
        seconds = int(command.args[0]) if command.args else 3600
        deadline = parse_iso(case["deadline"])
        until = now + timedelta(seconds=seconds)
        if deadline is not None:
            until = min(until, deadline - timedelta(minutes=30))
        self.store.update_case(case["id"], snoozed_until=iso(until))
        self.store.add_reminder(case["id"], max(until, now), "snooze",
                                len(self.store.reminders(case["id"])) + 1)
        results.append({"command": command.name, "ok": True, "text": "snoozed", "until": until})

    def _reply(self, case: dict[str, Any], command: Command, now: datetime,
               results: Results, source: str) -> None:
        return self.answers.to_buyer(case, "buyer_answer", {"text": command.text}, now,
                                     results, command.name, source)

    def _claim_answer(self, case: dict[str, Any], command: Command, now: datetime,
                      results: Results, source: str) -> None:
        if case["kind"] != "claim":
            self._not_pending(case, command, results)
            return
        self.answers.send_claim_draft(case, now, answer=command.text,
                                      effect_key=f"claim-answer:{case['ref']}:{source}")
        results.append({"command": command.name, "ok": True, "text": "claim_ready"})

    # ------------------------------------------------------------------ money
    def _refund(self, case: dict[str, Any], command: Command, now: datetime,
                results: Results, source: str) -> None:
        """Refunds are made in Seller Central; above the configured amount sellerbot first
        asks for a confirmation code, so a mistyped amount never goes out unnoticed."""
        amount = Decimal(command.args[0]) if command.args else None
        limit = Decimal(str(self.settings.policy.confirm_refunds_above))
        if amount is not None and amount > limit:
            code = hashlib.sha256(f"{case['ref']}|{amount}|{source}".encode()
                                  + self.secret).hexdigest()[:6].upper()
            data = dict(case["data"], pending_refund={"amount": str(amount), "code": code,
                                                       "asked_at": iso(now)})
            self.store.update_case(case["id"], data=data)
            case["data"] = data
            results.append({"command": "refund", "ok": True, "text": "confirm_needed",
                            "amount": str(amount), "code": code})
            return None
        return self._refund_ready(case, amount, now, results, source)

    def _confirm(self, case: dict[str, Any], command: Command, now: datetime,
                 results: Results, source: str) -> None:
        pending = case["data"].get("pending_refund")
        code = command.args[0].upper() if command.args else ""
        if not pending or not hmac.compare_digest(pending["code"], code):
            results.append({"command": "confirm", "ok": False, "text": "bad_code"})
            return None
        data = {k: v for k, v in case["data"].items() if k != "pending_refund"}
        self.store.update_case(case["id"], data=data)
        case["data"] = data
        return self._refund_ready(case, Decimal(pending["amount"]), now, results, source)

    def _refund_ready(self, case: dict[str, Any], amount: Decimal | None, now: datetime,
                      results: Results, source: str) -> None:
        order = case.get("order_id") or ""
        host = (case.get("marketplace") or "amazon.fr").replace("amazon.", "sellercentral.amazon.")
        url = f"https://{host}/orders-v3/order/{order}/refund" if order else None
        self.store.add_event(case["id"], now, "refund_requested", source_message_id=source,
                             from_state=case["state"], to_state=None,
                             reason=f"seller asked to refund {amount or 'in full'}")
        results.append({"command": "refund", "ok": True, "text": "refund_click", "url": url,
                        "amount": str(amount) if amount is not None else None})
        return None
