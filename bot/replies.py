"""Seller replies: authenticate (allowlist + reply token), run the commands, answer once.

A command that needs an action link is answered when the link's outcome is known, so the
seller gets one reply saying what was done.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from bot.core import tokens
from bot.core.state import is_open, transition
from bot.domain import CaseKind, CaseState, Command, LinkRole, Notice
from bot.edges.store import iso, parse_iso
from bot.runtime import Runtime, mask

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
        reply_refs = (notice.message_id, *notice.references)
        recent = self.store.count_replies_since(sender, now - timedelta(hours=1))
        if recent >= s.bot.max_replies_per_thread_per_hour:
            log.warning("reply rate limit reached for %s: not answering (loop guard)",
                        mask(sender))
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
            log.warning("command refused from %s: token %s", mask(sender), why)
            self.store.set_message_status(msg_row, "refused", f"reply token {why}")
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

