"""Orders to ship: the morning list, the reminder before ship-by, and the EXPÉDIÉ reply.

Orders live in the `orders` table (order notifications and `import-orders`), not as cases:
a shop with 300 orders a day gets one list a morning and, at `shipping.reminder_time`, one
reminder naming those still not confirmed, never a mail per order. Which slot was sent for
which local day is kept in the `counters` table (`ship-list:<date>:<slot>`), so a restart or a
second tick sends nothing twice, and a daemon started late sends only the latest slot.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.guardrails import check_buyer_message
from bot.core.intent import claim_risks
from bot.core.shipping import (
    cancel_order_url,
    confirm_shipment_url,
    is_shipped,
    parse_shipment_text,
    seller_central_host,
    ship_by_of,
    signature_needed,
    to_ship,
)
from bot.core.tracking import normalise
from bot.core.domain import Command, Kind, Notice
from bot.edges.clock import Clock
from bot.edges.config import Settings
from bot.edges.render import Renderer, long_date, wire
from bot.edges.store import Store, iso
from bot.flows.relay import MARKETPLACE_LANG, relay_mail
from bot.flows.seller_mail import SellerMail
from bot.flows.shared import IntakeMode, mask

log = logging.getLogger("sellerbot")

SLOTS = ("morning", "reminder")


class Shipments:
    """Ship lists in the tick; EXPÉDIÉ and RUPTURE commands from the seller's replies."""

    def __init__(self, settings: Settings, store: Store, clock: Clock, renderer: Renderer,
                 secret: bytes, seller_mail: SellerMail, mode: IntakeMode) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.renderer = renderer
        self.secret = secret
        self.seller_mail = seller_mail
        self.mode = mode

    # ------------------------------------------------------------------ settings
    def signature_thresholds(self) -> dict[str, tuple[Decimal, str]]:
        return {m: (Decimal(str(t.amount)), t.currency)
                for m, t in self.settings.policy.signature_threshold.items()}

    def _slot_times(self, now: datetime) -> list[tuple[str, datetime]]:
        sh = self.settings.shipping
        zone = ZoneInfo(self.settings.seller.timezone)
        day = now.astimezone(zone).date()
        out = []
        for slot, hhmm in (("morning", sh.morning_time), ("reminder", sh.reminder_time)):
            hour, minute = (int(x) for x in hhmm.split(":"))
            out.append((slot, datetime.combine(day, time(hour, minute), zone)))
        return sorted(out, key=lambda s: s[1])

    def due_at(self) -> datetime | None:
        """The next slot time (today's, else tomorrow's morning) for the scheduler."""
        if not self.settings.shipping.enabled:
            return None
        now = self.clock.now()
        for _slot, when in self._slot_times(now):
            if when > now:
                return when
        return self._slot_times(now + timedelta(days=1))[0][1]

    # ------------------------------------------------------------------ the lists
    def _slot_done(self, key: str) -> bool:
        return self.store.db.execute("select 1 from counters where name = ?",
                                     [key]).fetchone() is not None

    def _mark_slot(self, key: str) -> None:
        self.store.db.execute("insert or ignore into counters(name, value) values (?, 1)", [key])

    def open_orders(self, now: datetime) -> list[dict[str, Any]]:
        """Orders that can be on today's list (ship-by from 4 days ago on, or no ship-by and
        ordered in the last 40 days): a year of orders is not decoded twice a day."""
        rows = self.store.db.execute(
            "select order_id, marketplace, data from orders where "
            "json_extract(data, '$.ship_by') >= ? or (json_extract(data, '$.ship_by') is null "
            "and json_extract(data, '$.ordered_at') >= ?)",
            [iso(now - timedelta(days=4)), iso(now - timedelta(days=40))]).fetchall()
        return [{"order_id": r[0], "marketplace": r[1], "data": json.loads(r[2] or "{}")}
                for r in rows]

    def maybe_send(self) -> int:
        """The latest slot of today that is due and not yet handled: its list, if any order
        is due today or late. Earlier slots of the day are marked handled with it."""
        if not self.settings.shipping.enabled or self.mode.backfill:
            return 0
        now = self.clock.now()
        due_slots = [(slot, when) for slot, when in self._slot_times(now) if when <= now]
        if not due_slots:
            return 0
        slot, _when = due_slots[-1]
        local_date = now.astimezone(ZoneInfo(self.settings.seller.timezone)).date().isoformat()
        key = f"ship-list:{local_date}:{slot}"
        if self._slot_done(key):
            return 0
        with self.store.transaction():
            for earlier, _ in due_slots:
                self._mark_slot(f"ship-list:{local_date}:{earlier}")
            return self._queue_ship_list(slot, key, now)

    def _queue_ship_list(self, slot: str, key: str, now: datetime) -> int:
        tz = self.settings.seller.timezone
        due, late = to_ship(self.open_orders(now), now, tz, self.settings.shipping.handling_days)
        if not due and not late:
            return 0
        thresholds = self.signature_thresholds()
        for entry in due + late:
            order = self.store.order(entry["order_id"]) or {"data": {}}
            entry["signature"] = signature_needed(order["data"], entry["marketplace"],
                                                  thresholds)
            entry["confirm_url"] = confirm_shipment_url(entry["order_id"], entry["marketplace"])
        first = (due or late)[0]
        self.seller_mail.send(None, "ship_list", now, effect_key=key, extra={"ship": {
            "slot": slot, "due": due, "late": late, "count": len(due) + len(late),
            "first": first, "signature_any": any(e["signature"] for e in due + late)}})
        log.info("ship list (%s): %d due today, %d late", slot, len(due), len(late))
        return 1

    # ------------------------------------------------------------------ EXPÉDIÉ
    def command(self, command: Command, now: datetime,
                results: list[dict[str, Any]], source: str) -> None:
        """Record a shipment whose tracking number is valid; refuse it, saying why, if not."""
        if command.name == "out_of_stock":
            return self._out_of_stock(command.args[0], now, results, source)
        if command.name == "confirm":
            return self._confirm_out_of_stock(command, now, results, source)
        if command.name != "shipped":
            results.append({"command": command.name, "ok": False, "text": "not_available"})
            return None
        order_id = command.args[0]
        order = self.store.order(order_id)
        marketplace = order["marketplace"] if order else None
        data = order["data"] if order else {}
        line = parse_shipment_text(command.text)
        check = line.check
        entry: dict[str, Any] = {
            "command": "shipped", "order_id": order_id, "known": order is not None,
            "url": confirm_shipment_url(order_id, marketplace), "tracking": check.number,
            "carrier": check.carrier, "carrier_given": line.carrier,
            "check_kind": check.check, "candidates": list(check.candidates),
            "signature": line.signature, "buy_shipping": line.buy_shipping, "missing": [],
            "late": False, "already": False, "signature_needed": False}
        if not check.ok:
            entry.update(ok=False, text="ship_refused", why=check.reason)
            results.append(entry)
            return None
        tz = self.settings.seller.timezone
        ship_by = ship_by_of(data, self.settings.shipping.handling_days, tz)
        previous = [normalise(t) for t in (data.get("tracking") or "").split(",") if t.strip()]
        entry["already"] = check.number in previous
        tracking = ", ".join(dict.fromkeys([*previous, check.number]))
        self.store.upsert_order(order_id, marketplace, {
            "carrier": check.carrier, "tracking": tracking,
            "ship_date": data.get("ship_date") or now.astimezone(ZoneInfo(tz)).date().isoformat(),
            "shipped_at": data.get("shipped_at") or iso(now),
            "signature": True if line.signature else None,
            "buy_shipping": True if line.buy_shipping else None,
            "tracking_check": check.check, "shipment_source": source,
        }, now)
        needs_signature = signature_needed(data, marketplace, self.signature_thresholds())
        entry["signature_needed"] = needs_signature
        if needs_signature and not line.signature and not data.get("signature"):
            entry["missing"].append("signature")
        if ship_by is not None and now > ship_by and not is_shipped(data):
            entry["late"] = True
        # as text: results may wait in an outbox row (JSON) for a link of the same reply
        entry["ship_by"] = long_date(ship_by, self.settings.seller.language, tz) \
            if ship_by else None
        entry.update(ok=True, text="ship_recorded")
        results.append(entry)
        return None

    # ------------------------------------------------------------------ buyer messages
    def claim_risk_facts(self, notice: Notice) -> dict[str, Any]:
        """A buyer message asking for a refund, a return or saying the parcel did not arrive:
        the risks, and the tracking sellerbot recorded for the order (to check first)."""
        if notice.kind != Kind.BUYER_MESSAGE:
            return {}
        risks = claim_risks(notice.message_text)
        if not risks:
            return {}
        order = self.store.order(notice.order_id) if notice.order_id else None
        data = (order or {}).get("data") or {}
        return {"claim_risks": risks, "order_tracking": data.get("tracking"),
                "order_carrier": data.get("carrier")}

    # ------------------------------------------------------------------ RUPTURE
    def _oos_order(self, code: str) -> dict[str, Any] | None:
        """The order whose out-of-stock draft waits for this confirmation code."""
        row = self.store.db.execute(
            "select order_id from orders where json_extract(data, '$.pending_oos.code') = ?",
            [code.upper()]).fetchone()
        return self.store.order(row[0]) if row else None

    def is_out_of_stock_code(self, command: Command) -> bool:
        return bool(command.args) and self._oos_order(command.args[0]) is not None

    def _oos_relay(self, order_id: str, data: dict[str, Any]) -> str | None:
        """The buyer's relay alias: from the order report, else a buyer message on the order."""
        if data.get("buyer_email"):
            return str(data["buyer_email"])
        for case in self.store.cases_where("kind = 'message' and order_id = ? and "
                                           "buyer_alias is not null", [order_id],
                                           order_by="id desc", limit=1):
            return str(case["buyer_alias"])
        return None

    def _oos_render(self, order_id: str, order: dict[str, Any] | None
                    ) -> tuple[str, str, str]:
        """(language, subject, text) of the buyer mail, in the marketplace's language."""
        data = (order or {}).get("data") or {}
        marketplace = (order or {}).get("marketplace")
        lang = MARKETPLACE_LANG.get(marketplace or "", self.settings.seller.language)
        ctx = {"order_id": order_id, "buyer_name": data.get("buyer_name"),
               "seller_name": self.settings.seller.name, "text": "", "rma": None,
               "return_address": None, "refund_amount": None,
               "items": data.get("items") or [], "ref": None, "lang": lang,
               "bot_name": self.settings.bot.name}
        subject, text, _html = self.renderer.render_parts("buyer_out_of_stock", lang, ctx)
        return lang, subject, text

    def _out_of_stock(self, order_id: str, now: datetime, results: list[dict[str, Any]],
                      source: str) -> None:
        """Draft the buyer's cancellation mail; it leaves only after CONFIRMER <code>."""
        order = self.store.order(order_id)
        marketplace = order["marketplace"] if order else None
        lang, subject, text = self._oos_render(order_id, order)
        entry: dict[str, Any] = {"command": "out_of_stock", "order_id": order_id,
                                 "known": order is not None, "lang": lang,
                                 "message": text, "cancel_url": cancel_order_url(
                                     order_id, marketplace)}
        violations = check_buyer_message(f"{subject}\n{text}",
                                         allowed_hosts=tuple(self.settings.buyer.allowed_hosts))
        if violations:  # a seller's own template may break Amazon's rules
            entry.update(ok=False, text="guardrail",
                         violations=[v.message(self.settings.seller.language)
                                     for v in violations])
            results.append(entry)
            return
        code = hashlib.sha256(f"oos|{order_id}|{source}".encode()
                              + self.secret).hexdigest()[:6].upper()
        self.store.upsert_order(order_id, marketplace, {"pending_oos": {
            "code": code, "asked_at": iso(now), "source": source}}, now)
        relay = self._oos_relay(order_id, (order or {}).get("data") or {})
        entry.update(ok=True, text="oos_draft", code=code,
                     relay=bool(relay and self.settings.buyer.sender))
        results.append(entry)
        return

    def _confirm_out_of_stock(self, command: Command, now: datetime,
                              results: list[dict[str, Any]], source: str) -> None:
        order = self._oos_order(command.args[0]) if command.args else None
        if order is None:
            results.append({"command": "confirm", "ok": False, "text": "bad_code"})
            return
        order_id, marketplace = order["order_id"], order["marketplace"]
        data = {k: v for k, v in order["data"].items() if k != "pending_oos"}
        lang, subject, text = self._oos_render(order_id, order)
        alias = self._oos_relay(order_id, data)
        entry: dict[str, Any] = {"command": "out_of_stock", "order_id": order_id,
                                 "known": True, "lang": lang, "message": text,
                                 "cancel_url": cancel_order_url(order_id, marketplace)}
        s = self.settings
        if alias is None or not s.buyer.sender or not s.buyer.answers:
            entry.update(ok=True, text="oos_paste", why="no_sender" if alias else "no_relay",
                         url=f"https://{seller_central_host(marketplace)}/messaging/contact?"
                             f"orderID={order_id}")
        else:
            msg, message_id = relay_mail(s, alias, subject, text, now, lang=lang)
            self.store.enqueue(kind="email", effect_key=f"buyer-oos:{order_id}:{source}",
                               now=now, message_id=message_id,
                               payload={"from": s.buyer.sender, "to": [alias], "raw": wire(msg),
                                        "template": "buyer_out_of_stock"})
            data["oos_mail_queued_at"] = iso(now)
            entry.update(ok=True, text="oos_sent", to=mask(alias))
        # upsert_order merges: clear the pending draft explicitly
        self.store.db.execute("update orders set data = json_remove(data, '$.pending_oos') "
                              "where order_id = ?", [order_id])
        self.store.upsert_order(order_id, marketplace, {
            "oos_confirmed_at": iso(now), "oos_mail_queued_at": data.get("oos_mail_queued_at")},
            now)
        results.append(entry)
        return
