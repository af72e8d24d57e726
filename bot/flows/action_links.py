"""Seller Central action links: queued in the outbox, and what follows their outcome (the
case's step, then one answer to the seller per reply once every link of it is known)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.domain import LinkRole
from bot.edges.store import Store
from bot.flows.seller_mail import SellerMail
from bot.flows.transitions import SellerSteps


class ActionLinks:
    """Link requests in, link outcomes out; the HTTP itself is the outbox's."""

    def __init__(self, store: Store, seller_mail: SellerMail, steps: SellerSteps) -> None:
        self.store = store
        self.seller_mail = seller_mail
        self.steps = steps

    def queue(self, case: dict[str, Any], role: LinkRole, now: datetime, *,
              on_success: str, reply: dict[str, Any] | None, source: str) -> None:
        url = case["data"].get("links", {}).get(str(role))
        if not url:
            return
        self.store.enqueue(kind="http", effect_key=f"link:{case['ref']}:{role}:{source}",
                           now=now,
                           case_id=case["id"], payload={"url": url, "role": str(role),
                                                        "on_success": on_success,
                                                        "reply": reply})

    def finished(self, effect: dict[str, Any], ok: bool, detail: dict[str, Any],
                 now: datetime) -> None:
        """Record the request on the case, move the state, confirm to the seller."""
        case = self.store.case(effect["case_id"])
        if case is None:
            return
        payload = effect["payload"]
        self.store.add_event(case["id"], now, "link_followed" if ok else "link_failed",
                             source_message_id=None, from_state=case["state"], to_state=None,
                             reason=f"{payload['role']} {payload['url']}", data=detail)
        entry = {"command": "authorize" if payload["role"] == "authorize" else payload["role"],
                 "ok": ok, "text": "link_ok" if ok else "link_failed", "ref": case["ref"],
                 "url": payload["url"], "detail": detail.get("error") or detail.get("status")}
        if ok:
            self.steps.apply(case, payload["on_success"], entry["command"], now, [])
            case = self.store.case(case["id"])
        self.store.mark_effect(effect["id"], "done" if ok else "failed", now,
                               response={**detail, "entry": entry})
        reply = payload.get("reply")
        if not reply:
            self.seller_mail.send(case, "auto_action", now,
                                  effect_key=f"auto-result:{effect['id']}",
                                  extra={"results": [entry]})
            return
        self._answer_reply(reply, now)

    def _answer_reply(self, reply: dict[str, Any], now: datetime) -> None:
        """One answer per reply: sent when the last link of the same reply has its outcome."""
        group = self.store.effects_for_reply(reply["in_reply_to"])
        if any(e["status"] in ("pending", "retrying", "inflight") for e in group):
            return
        if not reply.get("answer", True):
            return  # loop guard: executed, not answered
        results = list(reply["results"])
        for other in group:
            response = json.loads(other["response"] or "{}")
            results.append(response.get("entry") or {
                "command": other["payload"]["role"], "ok": False, "text": "link_failed",
                "url": other["payload"]["url"], "detail": other["status"]})
        self.seller_mail.command_result(reply, results, now)
