"""Seller replies: authenticate (allowlist + reply token), run the commands, answer once.

A command that needs an action link is answered when the link's outcome is known, so the
seller gets one reply saying what was done.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.core import tokens
from bot.core.commands import in_language
from bot.core.domain import Command, LinkRole, Notice
from bot.edges.config import Settings
from bot.edges.store import Store
from bot.flows.action_links import ActionLinks
from bot.flows.seller_commands import SellerCommands
from bot.flows.seller_mail import SellerMail
from bot.flows.shared import mask

log = logging.getLogger("sellerbot")


@dataclass
class _Thread:
    """An authenticated reply: whom to answer, in which thread, about which case."""

    sender: str
    reply_id: str
    references: tuple[str, ...]
    case: dict[str, Any] | None
    answer: bool
    limited: str | None


class Replies:
    """Seller command mail -> case changes, link requests and one answer."""

    def __init__(self, settings: Settings, store: Store, secret: bytes, *,
                 seller_mail: SellerMail, commands: SellerCommands,
                 links: ActionLinks) -> None:
        self.settings = settings
        self.store = store
        self.secret = secret
        self.seller_mail = seller_mail
        self.commands = commands
        self.links = links

    def handle(self, notice: Notice, msg_row: int, now: datetime) -> str:
        thread = self._authenticate(notice, msg_row, now)
        if isinstance(thread, str):
            return thread
        s = self.settings
        errors = [in_language(e, s.seller.language) for e in notice.command_errors]
        if not notice.commands and not errors:
            errors = ["empty"]
        results, links = self._run(notice, thread, now)
        if thread.case is not None:
            self.store.set_message_case(msg_row, thread.case["id"])
        reply = {"to": [thread.sender], "in_reply_to": thread.reply_id,
                 "answer": thread.answer, "references": list(thread.references),
                 "results": results, "errors": errors,
                 "case_id": thread.case["id"] if thread.case else None,
                 "limited": thread.limited}
        for target, role in links:
            self.links.queue(target, role, now, on_success="authorized", reply=reply,
                             source=thread.reply_id)
        if not links and thread.answer and self._defer_to_buyer_mail(reply):
            return "commands"  # answered once the buyer mail is sent (state after the send)
        if not links and thread.answer:  # else the answer waits for the links' outcome
            self.seller_mail.send(thread.case, "command_result", now,
                                  effect_key=f"result:{thread.reply_id}", to=[thread.sender],
                                  in_reply_to=thread.reply_id, references=thread.references,
                                  extra={"results": results, "errors": errors,
                                         "limited": thread.limited})
        return "commands"

    def _authenticate(self, notice: Notice, msg_row: int, now: datetime) -> _Thread | str:
        """The reply's thread if its sender and token hold, else why not (recorded, and
        answered only to an allowed sender: a forged one would make sellerbot a relay)."""
        s = self.settings
        sender = (notice.from_addr or "").lower()
        if sender == s.bot.address:
            return "own-mail"
        if sender not in s.seller.addresses:
            log.warning("command refused: sender %s not in seller.addresses", mask(sender))
            self.store.set_message_status(msg_row, "refused",
                                          f"sender {mask(sender)} not in seller.addresses")
            return "refused-sender"
        reply_id = notice.message_id or f"<row-{msg_row}@sellerbot.invalid>"  # keys stay unique
        candidates = tokens.find_tokens(list(notice.to_addrs),
                                        [m for m in (notice.in_reply_to, *notice.references) if m])
        checks = [tokens.verify_token(self.secret, t, now) for t in candidates]
        good = next((c for c in checks if c.ok), None)
        case = self.store.case_by_ref(good.case_ref) if good and \
            good.case_ref != "GENERAL" else None
        # Loop guard on the answers only: a reply with a valid token is always executed.
        answer, limited = self._answer_budget(sender, case, now)
        thread = _Thread(sender, reply_id, (reply_id, *notice.references), case, answer, limited)
        if s.authentication.require_dmarc_for_commands and \
                notice.auth_results.get("dmarc") != "pass":
            self.store.set_message_status(msg_row, "refused", "DMARC did not pass")
            self._refuse(thread, "dmarc", now)
            return "refused-dmarc"
        if good is None:
            why = checks[0].reason if checks else "missing"
            log.warning("command refused from %s: token %s", mask(sender), why)
            self.store.set_message_status(msg_row, "refused", f"reply token {why}")
            self._refuse(thread, f"token_{why}", now)
            return f"refused-token-{why}"
        return thread

    def _refuse(self, thread: _Thread, reason: str, now: datetime) -> None:
        if thread.answer:
            self.seller_mail.send(None, "command_refused", now,
                                  effect_key=f"refused:{thread.reply_id}", to=[thread.sender],
                                  in_reply_to=thread.reply_id, references=thread.references,
                                  extra={"reason": reason})

    def _run(self, notice: Notice, thread: _Thread, now: datetime
             ) -> tuple[list[dict[str, Any]], list[tuple[dict[str, Any], LinkRole]]]:
        """Every command on every case it targets: the results, and the links to request."""
        results: list[dict[str, Any]] = []
        links: list[tuple[dict[str, Any], LinkRole]] = []
        touched: dict[int, dict[str, Any]] = {}
        for command in notice.commands:
            targets, problem = self._targets(command, thread.case, notice)
            if problem:
                results.append({"command": command.name, "ok": False, "text": problem})
                continue
            for target in targets:
                if target is not None:
                    touched[target["id"]] = target
                link = self.commands.run(target, command, now, results, thread.reply_id)
                if link is not None and target is not None:
                    links.append((target, link))
        for target in touched.values():
            self.store.add_event(target["id"], now, "seller_reply",
                                 source_message_id=notice.message_id, from_state=None,
                                 to_state=None, reason="commands: " + ", ".join(
                                     c.name for c in notice.commands))
        return results, links

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
