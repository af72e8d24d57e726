"""Seller replies: authenticate (allowlist + reply token), run the commands, answer once.

A command that needs an action link is answered when the link's outcome is known, so the
seller gets one reply saying what was done.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from bot.core import deadlines, tokens
from bot.core.commands import command_effect, in_language
from bot.core.state import is_open, transition
from bot.core.domain import CaseKind, CaseState, Command, LinkRole, Notice
from bot.edges.store import iso, parse_iso
from bot.flows.runtime import Runtime, mask

log = logging.getLogger("sellerbot")


class ReplyFlow(Runtime):
    """Seller command mail -> case changes, link requests and one answer."""

    def _handle_reply(self, notice: Notice, msg_row: int, now: datetime) -> str:
        s = self.settings
        sender = (notice.from_addr or "").lower()
        if sender == s.bot.address:
            return "own-mail"
        if sender not in s.seller.addresses:
            # No answer: replying to a forged sender would make sellerbot a spam relay.
            log.warning("command refused: sender %s not in seller.addresses", mask(sender))
            self.store.set_message_status(msg_row, "refused",
                                          f"sender {mask(sender)} not in seller.addresses")
            return "refused-sender"
        reply_id = notice.message_id or f"<row-{msg_row}@sellerbot.invalid>"  # keys stay unique
        reply_refs = (reply_id, *notice.references)
        candidates = tokens.find_tokens(list(notice.to_addrs),
                                        [m for m in (notice.in_reply_to, *notice.references) if m])
        checks = [tokens.verify_token(self.secret, t, now) for t in candidates]
        good = next((c for c in checks if c.ok), None)
        case = self.store.case_by_ref(good.case_ref) if good and \
            good.case_ref != "GENERAL" else None
        # Loop guard on the answers only: a reply with a valid token is always executed.
        answer, limited = self._answer_budget(sender, case, now)
        if s.authentication.require_dmarc_for_commands and \
                notice.auth_results.get("dmarc") != "pass":
            self.store.set_message_status(msg_row, "refused", "DMARC did not pass")
            if answer:
                self._email_seller(None, "command_refused", now,
                                   effect_key=f"refused:{reply_id}", to=[sender],
                                   in_reply_to=reply_id, references=reply_refs,
                                   extra={"reason": "dmarc"})
            return "refused-dmarc"
        if good is None:
            why = checks[0].reason if checks else "missing"
            log.warning("command refused from %s: token %s", mask(sender), why)
            self.store.set_message_status(msg_row, "refused", f"reply token {why}")
            if answer:
                self._email_seller(None, "command_refused", now,
                                   effect_key=f"refused:{reply_id}", to=[sender],
                                   in_reply_to=reply_id, references=reply_refs,
                                   extra={"reason": f"token_{why}"})
            return f"refused-token-{why}"
        results: list[dict[str, Any]] = []
        links: list[tuple[dict[str, Any], LinkRole]] = []
        errors = [in_language(e, s.seller.language) for e in notice.command_errors]
        if not notice.commands and not errors:
            errors = ["empty"]
        touched: dict[int, dict[str, Any]] = {}
        for command in notice.commands:
            targets, problem = self._targets(command, case, notice)
            if problem:
                results.append({"command": command.name, "ok": False, "text": problem})
                continue
            for target in targets:
                if target is not None:
                    touched[target["id"]] = target
                link = self._apply_command(target, command, now, results, reply_id)
                if link is not None and target is not None:
                    links.append((target, link))
        for target in touched.values():
            self.store.add_event(target["id"], now, "seller_reply",
                                 source_message_id=notice.message_id, from_state=None,
                                 to_state=None, reason="commands: " + ", ".join(
                                     c.name for c in notice.commands))
        if case is not None:
            self.store.set_message_case(msg_row, case["id"])
        reply = {"to": [sender], "in_reply_to": reply_id, "answer": answer,
                 "references": list(reply_refs), "results": results, "errors": errors,
                 "case_id": case["id"] if case else None, "limited": limited}
        for target, role in links:
            self._queue_link(target, role, now, on_success="authorized", reply=reply,
                             source=reply_id)
        if not links and answer and self._defer_to_buyer_mail(reply):
            return "commands"  # answered once the buyer mail is sent (state after the send)
        if not links and answer:  # else the answer waits for the links' outcome (_link_done)
            self._email_seller(case, "command_result", now,
                               effect_key=f"result:{reply_id}", to=[sender],
                               in_reply_to=reply_id, references=reply_refs,
                               extra={"results": results, "errors": errors,
                                      "limited": limited})
        return "commands"

    def _answer_budget(self, sender: str, case: dict[str, Any] | None,
                       now: datetime) -> tuple[bool, str | None]:
        """(answer this reply?, which limit this answer reaches). The answer that reaches a
        limit says so; later ones in the hour are executed silently (a mail loop stops)."""
        b = self.settings.bot
        since = now - timedelta(hours=1)
        thread = self.store.count_replies_since(sender, since, case["id"] if case else None)
        total = self.store.count_replies_since(sender, since)
        if thread >= b.max_replies_per_thread_per_hour or \
                total >= b.max_replies_per_sender_per_hour:
            log.warning("reply rate limit reached for %s: executing without answering",
                        mask(sender))
            return False, None
        if thread + 1 >= b.max_replies_per_thread_per_hour:
            return True, "thread"
        if total + 1 >= b.max_replies_per_sender_per_hour:
            return True, "sender"
        return True, None

    def _defer_to_buyer_mail(self, reply: dict[str, Any]) -> bool:
        """Attach the answer to the buyer mails this reply queued, if any (and if it can be
        stored: results holding dates are answered at once)."""
        keys = [r["effect"] for r in reply["results"] if r.get("effect")]
        if not keys:
            return False
        try:
            json.dumps(reply)
        except TypeError:
            return False
        for eff in self.store.effects(("pending",)):
            if eff["effect_key"] in keys:
                payload = dict(eff["payload"])
                payload["on_sent"] = dict(payload["on_sent"], reply=reply)
                self.store.set_effect_payload(eff["effect_key"], payload)
        return True

    def _targets(self, command: Command, case: dict[str, Any] | None, notice: Notice
                 ) -> tuple[list[dict[str, Any] | None], str | None]:
        """The cases a command applies to: its own case, digest numbers, TOUT, or refs."""
        if not command.targets or command.name in ("help", "status"):
            return [case], None
        numbering = self.store.digest_numbering(
            [m for m in (notice.in_reply_to, *notice.references) if m])
        refs: list[str] = []
        for target in command.targets:
            if target == "all":
                if numbering is None:
                    return [], "no_digest"
                refs.extend(numbering[n] for n in sorted(numbering))
            elif target.isdigit():
                if numbering is None:
                    return [], "no_digest"
                if int(target) not in numbering:
                    return [], "bad_number"
                refs.append(numbering[int(target)])
            else:
                refs.append(target.upper())
        cases = [self.store.case_by_ref(ref) for ref in dict.fromkeys(refs)]
        if any(c is None for c in cases):
            return [], "bad_number"
        return list(cases), None

    def _apply_command(self, case: dict[str, Any] | None, command: Command, now: datetime,
                       results: list[dict[str, Any]], source: str = "reply") -> LinkRole | None:
        """Run one command on one case; returns the link to request, if any."""
        start = len(results)
        link = self._run_command(case, command, now, results, source)
        if case is not None:
            for entry in results[start:]:
                entry.setdefault("ref", case["ref"])
        return link

    def _run_command(self, case: dict[str, Any] | None, command: Command, now: datetime,
                     results: list[dict[str, Any]], source: str) -> LinkRole | None:
        name = command.name
        if name == "help":
            results.append({"command": name, "ok": True, "text": "help"})
            return None
        if name == "status":
            results.append({"command": name, "ok": True, "text": "status",
                            "cases": self.open_cases_summary(now)})
            return None
        if name in ("shipped", "out_of_stock") or (  # by order number, from any sellerbot mail
                name == "confirm" and self.is_out_of_stock_code(command)):  # type: ignore[attr-defined]
            return self._shipping_command(command, now, results, source)  # type: ignore[attr-defined]
        if case is None:
            results.append({"command": name, "ok": False, "text": "no_case"})
            return None
        state = CaseState(case["state"])
        if name == "return":  # Amazon's advice: returns go through a return request
            return self._to_buyer(case, "buyer_return_request", {}, now, results, name, source)
        if name == "authorize":
            if state != CaseState.RETURN_REQUESTED:
                results.append({"command": name, "ok": False, "text": "not_pending",
                                "state": str(state)})
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
        if name == "close":
            url = case["data"].get("links", {}).get("close")
            if state != CaseState.RETURN_REQUESTED or not url:
                results.append({"command": name, "ok": False, "text": "not_pending",
                                "state": str(state)})
                return None
            results.append({"command": name, "ok": True, "text": "close_click", "url": url,
                            "reason": " ".join(command.args), "message": command.text})
            return None
        if name in ("done", "ignore"):
            event = "done" if name == "done" else "no_response_needed"
            self._seller_transition(case, event, name, now, results)
            return None
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
            return None
        if name == "reply":
            return self._to_buyer(case, "buyer_answer", {"text": command.text}, now, results,
                                  name, source)
        if name == "keep":
            if case["kind"] != "return":
                results.append({"command": name, "ok": False, "text": "not_pending",
                                "state": str(state)})
                return None
            return self._to_buyer(case, "buyer_keep_item", {}, now, results, name, source)
        if name == "received":
            self._seller_transition(case, "received", name, now, results)
            return None
        if name == "refund":
            return self._refund(case, command, now, results, source)
        if name == "confirm":
            return self._confirm(case, command, now, results, source)
        if name == "claim_answer":
            if case["kind"] != "claim":
                results.append({"command": name, "ok": False, "text": "not_pending",
                                "state": str(state)})
                return None
            self._send_claim_draft(case, now, answer=command.text,
                                   effect_key=f"claim-answer:{case['ref']}:{source}")
            results.append({"command": name, "ok": True, "text": "claim_ready"})
            return None
        results.append({"command": name, "ok": False, "text": "not_available"})
        return None

    # ------------------------------------------------------------------ money
    def _refund(self, case: dict[str, Any], command: Command, now: datetime,
                results: list[dict[str, Any]], source: str) -> None:
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
                 results: list[dict[str, Any]], source: str) -> None:
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
                      results: list[dict[str, Any]], source: str) -> None:
        order = case.get("order_id") or ""
        host = (case.get("marketplace") or "amazon.fr").replace("amazon.", "sellercentral.amazon.")
        url = f"https://{host}/orders-v3/order/{order}/refund" if order else None
        self.store.add_event(case["id"], now, "refund_requested", source_message_id=source,
                             from_state=case["state"], to_state=None,
                             reason=f"seller asked to refund {amount or 'in full'}")
        results.append({"command": "refund", "ok": True, "text": "refund_click", "url": url,
                        "amount": str(amount) if amount is not None else None})
        return None

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
        case["state"] = str(outcome.to_state)
        self.store.cancel_reminders(case["id"], now)
        if is_open(outcome.to_state):  # a new clock starts (REÇU: refund within 2 days)
            hard, soft = deadlines.deadline_for_state(
                outcome.to_state, now, case.get("marketplace"), None,
                self.settings.seller.timezone)
            self.store.update_case(case["id"], deadline=iso(hard), deadline_soft=iso(soft))
            case.update(deadline=iso(hard), deadline_soft=iso(soft))
            self._schedule_reminders(case, now, since=now)
        results.append({"command": command, "ok": True, "text": "state",
                        "state": str(outcome.to_state)})
        return "ok"

    # ------------------------------------------------------------------ action links
    def _queue_link(self, case: dict[str, Any], role: LinkRole, now: datetime, *,
                    on_success: str, reply: dict[str, Any] | None, source: str) -> None:
        url = case["data"].get("links", {}).get(str(role))
        if not url:
            return
        self.store.enqueue(kind="http", effect_key=f"link:{case['ref']}:{role}:{source}",
                           now=now,
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
        entry = {"command": "authorize" if payload["role"] == "authorize" else payload["role"],
                 "ok": ok, "text": "link_ok" if ok else "link_failed", "ref": case["ref"],
                 "url": payload["url"], "detail": detail.get("error") or detail.get("status")}
        if ok:
            self._seller_transition(case, payload["on_success"], entry["command"], now, [])
            case = self.store.case(case["id"])
        self.store.mark_effect(effect["id"], "done" if ok else "failed", now,
                               response={**detail, "entry": entry})
        reply = payload.get("reply")
        if not reply:
            self._email_seller(case, "auto_action", now,
                               effect_key=f"auto-result:{effect['id']}", extra={"results": [entry]})
            return
        group = self.store.effects_for_reply(reply["in_reply_to"])
        if any(e["status"] in ("pending", "retrying", "inflight") for e in group):
            return  # one answer per reply: wait for the other links of the same reply
        if not reply.get("answer", True):
            return  # loop guard: executed, not answered
        results = list(reply["results"])
        for other in group:
            response = json.loads(other["response"] or "{}")
            results.append(response.get("entry") or {
                "command": other["payload"]["role"], "ok": False, "text": "link_failed",
                "url": other["payload"]["url"], "detail": other["status"]})
        thread_case = self.store.case(reply["case_id"]) if reply.get("case_id") else None
        self._email_seller(thread_case, "command_result", now,
                           effect_key=f"result:{reply['in_reply_to']}", to=reply["to"],
                           in_reply_to=reply["in_reply_to"],
                           references=tuple(reply["references"]),
                           extra={"results": results, "errors": reply.get("errors", []),
                                  "limited": reply.get("limited")})
