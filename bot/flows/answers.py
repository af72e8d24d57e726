"""Answers that leave sellerbot for someone other than the seller.

To a buyer: through Amazon's relay alias, from the sender the seller approved in Seller
Central, threaded to the buyer's message, and only after the guardrail check passes. To Amazon:
A-to-Z answers are typed in Seller Central, so sellerbot drafts them from the case and the
order evidence and mails the draft to the seller with the claim's link.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.core.courtesy import has_greeting, has_signoff
from bot.core.drafts import appeal_draft, claim_answer_draft
from bot.core.guardrails import check_buyer_message
from bot.core.state import transition
from bot.core.domain import CaseKind, CaseState
from bot.edges.config import Settings
from bot.edges.render import Renderer, wire
from bot.edges.store import Store, iso
from bot.flows.orders_import import case_evidence
from bot.flows.relay import buyer_language, relay_mail, relay_target
from bot.flows.seller_mail import SellerMail
from bot.flows.shared import mask

log = logging.getLogger("sellerbot")


class Answers:
    """Buyer messages through the relay, and claim drafts for Amazon."""

    def __init__(self, settings: Settings, store: Store, renderer: Renderer,
                 seller_mail: SellerMail) -> None:
        self.settings = settings
        self.store = store
        self.renderer = renderer
        self.seller_mail = seller_mail

    def to_buyer(self, case: dict[str, Any], template: str, extra: dict[str, Any],
                 now: datetime, results: list[dict[str, Any]], command: str,
                 source: str) -> None:
        s = self.settings
        lang = buyer_language(case)
        data = case["data"]
        ctx = {"order_id": case.get("order_id"), "buyer_name": data.get("buyer_name"),
               "seller_name": s.seller.name, "text": "", "rma": None, "return_address": None,
               "refund_amount": data.get("amount"), "items": data.get("items") or [],
               "ref": case["ref"], "lang": lang, "bot_name": s.bot.name, **extra}
        own = str(extra.get("text") or "")
        # Sent as written: the template adds a greeting or sign-off only where it is missing.
        ctx.update(own_greeting=has_greeting(own), own_signoff=has_signoff(own))
        subject, text, _html = self.renderer.render_parts(template, lang, ctx)
        violations = check_buyer_message(f"{subject}\n{text}",
                                         allowed_hosts=tuple(s.buyer.allowed_hosts))
        if violations:
            results.append({"command": command, "ok": False, "text": "guardrail",
                            "violations": [v.message(s.seller.language) for v in violations]})
            return None
        alias, thread = relay_target(self.store, case)
        contact = data.get("links", {}).get("reply")
        if alias is None or not s.buyer.sender or not s.buyer.answers:
            # No relay address known (return mails carry a contact link, not an alias), or
            # no approved sender configured: hand the seller the text to paste.
            results.append({"command": command, "ok": True, "text": "paste",
                            "url": contact, "message": text,
                            "why": "no_sender" if alias else "no_relay"})
            return None
        msg, message_id = relay_mail(s, alias, subject, text, now, thread=thread)
        key = f"buyer:{case['ref']}:{command}:{source}"
        self.store.enqueue(kind="email", effect_key=key,
                           now=now, case_id=case["id"], message_id=message_id,
                           payload={"from": s.buyer.sender, "to": [alias],
                                    "raw": wire(msg), "template": template,
                                    "on_sent": {"command": command, "seller_reply": source}})
        self.store.add_event(case["id"], now, "buyer_answer_queued", source_message_id=source,
                             from_state=case["state"], to_state=None,
                             reason=f"{template} to {mask(alias)}")
        results.append({"command": command, "ok": True, "text": "buyer_sent",
                        "to": mask(alias), "effect": key})
        return None

    def sent(self, effect: dict[str, Any], now: datetime) -> None:
        """The relay accepted the answer: only now is the buyer's message answered."""
        case = self.store.case(effect["case_id"])
        if case is None:
            return
        self.store.add_event(case["id"], now, "buyer_answer_sent",
                             source_message_id=effect["message_id"], from_state=case["state"],
                             to_state=None, reason=effect["payload"].get("template", ""))
        if case["kind"] != "message":
            return
        outcome = transition(CaseKind.MESSAGE, CaseState(case["state"]), "replied")
        if outcome.to_state is not None:
            self.store.update_case(case["id"], state=str(outcome.to_state), updated_at=iso(now))
            self.store.cancel_reminders(case["id"], now)
        self._answer_after_buyer_mail(effect, now)

    def _answer_after_buyer_mail(self, effect: dict[str, Any], now: datetime) -> None:
        """The seller's confirmation, once every buyer mail of her reply has its outcome:
        it then tells what happened and the state after the send, not before."""
        reply = (effect["payload"].get("on_sent") or {}).get("reply")
        if not reply:
            return
        group = self.store.buyer_effects_for_reply(reply["in_reply_to"])
        if any(e["status"] in ("pending", "retrying", "inflight") for e in group):
            return
        failed = {e["effect_key"]: e.get("last_error") or e["status"] for e in group
                  if e["status"] != "done"}
        results = [({"command": r["command"], "ok": False, "text": "send_failed",
                     "detail": failed[r["effect"]], "ref": r.get("ref")}
                    if r.get("effect") in failed else r) for r in reply["results"]]
        self.seller_mail.command_result(reply, results, now)

    def failed(self, effect: dict[str, Any], error: str, now: datetime) -> None:
        """Refused for good (e.g. sender not approved): the case stays open, reminders keep
        running, and the seller hears why."""
        case = self.store.case(effect["case_id"])
        on_sent = effect["payload"]["on_sent"]
        if on_sent.get("reply"):
            self._answer_after_buyer_mail(effect, now)  # one answer saying it failed
            return
        self.seller_mail.send(case, "command_result", now,
                           effect_key=f"buyer-failed:{effect['id']}",
                           extra={"results": [{"command": on_sent["command"], "ok": False,
                                               "text": "send_failed", "detail": error,
                                               "ref": case["ref"] if case else None}],
                                  "errors": []})

    def send_claim_draft(self, case: dict[str, Any], now: datetime, *, answer: str = "",
                         effect_key: str | None = None) -> None:
        """The answer to Amazon, drafted from the evidence, ready to paste before the
        deadline; the seller's own text (RÉPONSE AZ) goes first when given."""
        lang = buyer_language(case)
        evidence = case_evidence(self.store, case)
        appeal = case["state"] == str(CaseState.CLAIM_GRANTED)
        if appeal:  # dated from Amazon's decision mail, not from when sellerbot read it
            decided = case["data"].get("event_time")
            draft = appeal_draft(case, evidence, lang, now, seller_name=self.settings.seller.name,
                                 decided_at=datetime.fromisoformat(decided) if decided else None)
        else:
            draft = claim_answer_draft(case, evidence, lang, now,
                                       seller_name=self.settings.seller.name)
        text = f"{answer.strip()}\n\n{draft.text}" if answer.strip() else draft.text
        links = case["data"].get("links") or {}
        self.seller_mail.send(case, "claim_draft", now,
                           effect_key=effect_key or f"claim-draft:{case['ref']}:{case['state']}",
                           extra={"draft_text": text, "missing": draft.missing,
                                  "strength": draft.strength, "warnings": draft.warnings,
                                  "appeal": appeal,
                                  "link_url": links.get("appeal" if appeal else "respond")})
