"""Mail to the seller: context for the templates, reply tokens, threading, the outbox row.

Every flow that tells the seller something hands `SellerMail.send` a template and a case;
this is the one place that knows the seller's addresses, the reply token and the thread.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import datetime, timedelta
from email.headerregistry import Address
from typing import Any

from bot.core import deadlines, tokens
from bot.core.commands import help_text, notice_actions
from bot.core.domain import Kind, Notice
from bot.edges.clock import Clock
from bot.edges.config import Settings
from bot.edges.render import Renderer, header_safe, wire
from bot.edges.store import Store, iso, parse_iso
from bot.flows.relay import relay_target
from bot.flows.shared import body_hash

log = logging.getLogger("sellerbot")


class SellerMail:
    """Renders a template into an outbox row addressed to the seller."""

    def __init__(self, settings: Settings, store: Store, clock: Clock, renderer: Renderer,
                 secret: bytes, away: tuple[tuple[datetime, datetime], ...] = ()) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.renderer = renderer
        self.secret = secret
        #: The seller's away windows: the backup address is copied on everything meanwhile.
        self.away_windows = away

    def token_for(self, case_ref: str, now: datetime) -> str:
        return tokens.make_token(self.secret, case_ref,
                                 now + timedelta(days=self.settings.bot.token_days))

    def context(self, case: dict[str, Any] | None, now: datetime, **extra: Any) -> dict[str, Any]:
        s = self.settings
        ctx: dict[str, Any] = {
            "seller_name": s.seller.name, "bot_name": s.bot.name, "tag": s.bot.subject_tag,
            "tz": s.seller.timezone, "lang": s.seller.language, "now": now,
            "link_mode": s.links.effective_mode, "case": None, "time_left": "",
            "flags": [], "suggest_keep_item": False, "results": [], "errors": [],
            "help": help_text(s.seller.language, s.links.effective_mode), "reason": "", "cases": [],
            "link_url": None, "role": None, "recommend": None, "limited": None,
            "actions": [],
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
            if case["kind"] == "return" and case["state"] == "return_requested":
                ctx["case"]["prior_returns"] = self.prior_returns(case)
        ctx.update(extra)
        if case is not None:
            # The same test Answers.to_buyer makes, so GARDER/RÉPONDRE lines cannot lie.
            alias = relay_target(self.store, case)[0]
            can_relay = bool(s.buyer.answers and s.buyer.sender and alias)
            ctx["actions"] = notice_actions(case["state"], s.links.effective_mode,
                                            ctx["case"]["links"],
                                            suggest_keep_item=bool(ctx["suggest_keep_item"]),
                                            can_relay=can_relay)
        return ctx

    def prior_returns(self, case: dict[str, Any]) -> list[str]:
        """Earlier return cases of the same buyer (Amazon's contact-buyer link names the
        buyer): a fact that bears on the seller's decision."""
        link = (case["data"].get("links") or {}).get("reply") or ""
        m = re.search(r"[?&]buyerID=([A-Z0-9]{6,20})(?:&|$)", link)
        if not m:
            return []
        rows = self.store.cases_where(
            "kind = 'return' and id != ? and id < ? and "
            "json_extract(data, '$.links.reply') like ?",
            [case["id"], case["id"], f"%buyerID={m.group(1)}%"], order_by="id")
        return [r["ref"] for r in rows]

    def send(self, case: dict[str, Any] | None, template: str, now: datetime, *,
              extra: dict[str, Any] | None = None, effect_key: str | None = None,
              to: list[str] | None = None, in_reply_to: str | None = None,
              references: tuple[str, ...] = (), hold: bool = False,
              attachments: tuple[tuple[bytes, dict[str, Any]], ...] = ()) -> str:
        s = self.settings
        ref = case["ref"] if case else "GENERAL"
        key = effect_key or f"email:{template}:{ref}:{case['state'] if case else ''}:" \
                            f"{iso(now)}"
        if hold:
            # Held during a bulk pass: most become one summary, so render only if released.
            self.store.enqueue(kind="email", effect_key=key, now=now, status="held",
                               case_id=case["id"] if case else None,
                               payload={"held": {"template": template, "extra": extra or {},
                                                 "to": to}})
            return ""
        token = self.token_for(ref, now)
        seq = int(hashlib.sha1(key.encode()).hexdigest()[:8], 16)
        message_id = tokens.message_id_for(token, template.replace("_", ""), seq, s.bot.domain)
        local, domain = s.bot.address.split("@", 1)
        thread_root = case["data"].get("thread_root") if case else None
        refs = tuple(r for r in (thread_root, *references) if r)
        msg = self.renderer.email(
            template, s.seller.language, self.context(case, now, **(extra or {})),
            sender=Address(header_safe(s.bot.name, 80), local, domain),
            to=to or self.recipients(with_backup=False), message_id=message_id, date=now,
            reply_to=tokens.reply_address(s.bot.address, token),
            in_reply_to=in_reply_to or thread_root, references=refs)
        for data, options in attachments:  # text+html alternative -> multipart/mixed
            msg.add_attachment(data, **options)
        rowid = self.store.enqueue(kind="email", effect_key=key, now=now,
                                   case_id=case["id"] if case else None, message_id=message_id,
                                   payload={"from": s.bot.address,
                                            "to": list(to or self.recipients(False)),
                                            "raw": wire(msg), "template": template})
        if rowid and case is not None and not thread_root:
            data = dict(case["data"], thread_root=message_id)
            self.store.update_case(case["id"], data=data)
            case["data"] = data
        return message_id

    def command_result(self, reply: dict[str, Any], results: list[dict[str, Any]],
                       now: datetime) -> None:
        """The one answer to a seller's reply that waited for its effects (links, buyer
        mail), in the reply's thread, once: keyed by the reply's Message-ID."""
        thread_case = self.store.case(reply["case_id"]) if reply.get("case_id") else None
        self.send(thread_case, "command_result", now,
                  effect_key=f"result:{reply['in_reply_to']}", to=reply["to"],
                  in_reply_to=reply["in_reply_to"], references=tuple(reply["references"]),
                  extra={"results": results, "errors": reply.get("errors", []),
                         "limited": reply.get("limited")})

    def alert_quarantine(self, notice: Notice, reason: str, now: datetime) -> None:
        """Seller alerted once per layout (unrecognized) or per message (suspicious)."""
        if notice.kind == Kind.SUSPICIOUS:
            key = f"alert:suspicious:{notice.message_id or body_hash(reason.encode())}"
        else:
            shape = re.sub(r"\d+", "#", notice.subject or "")[:80]
            key = f"alert:unrecognized:{(notice.from_addr or '').split('@')[-1]}:{shape}"
        self.send(None, "alert", now, effect_key=key, extra={
            "reason": reason, "alert_kind": str(notice.kind),
            "alert_subject": header_safe(notice.subject or "", 120),
            "alert_from": notice.from_addr or "?"})

    def alert_intake_down(self, minutes: int, reason: str) -> None:
        """The mailbox cannot be read: the seller must watch Seller Central meanwhile."""
        now = self.clock.now()
        mailboxes = ", ".join(f"{m.username}@{m.host}" for m in self.settings.mailboxes())
        with self.store.transaction():
            self.send(None, "intake_down", now,
                               effect_key=f"intake-down:{iso(now)}",
                               to=self.recipients(with_backup=True),
                               extra={"minutes": minutes, "mailbox": mailboxes,
                                      "reason": header_safe(reason or "unknown", 300)})
        log.error("intake down for %d min: seller alerted", minutes)

    def away(self, now: datetime) -> bool:
        return any(start <= now < end for start, end in self.away_windows)

    def recipients(self, with_backup: bool) -> list[str]:
        to = list(self.settings.seller.recipients)
        with_backup = with_backup or self.away(self.clock.now())
        if with_backup and self.settings.seller.backup and self.settings.seller.backup not in to:
            to.append(self.settings.seller.backup)
        return to

