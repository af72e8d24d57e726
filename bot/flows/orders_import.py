"""Import order facts from a file into the store; gather a case's evidence for claim answers.

The thin shell around `bot.core.orders`: read bytes, decode, parse (pure), then write every
order in ONE transaction. `Store.upsert_order` merges keys and ignores unknown (None) values,
so importing the same file twice changes nothing, and a shipments CSV imported after an order
report adds carrier and tracking without losing the items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.core.orders import ImportResult, RowError, decode_order_file, parse_order_file
from bot.edges.store import Store

#: The facts a claim answer needs about a shipment (domain.md, "Claim answers need").
SHIPPING_FACTS = ("carrier", "tracking", "ship_date", "signature", "buy_shipping")


@dataclass(frozen=True)
class ImportSummary:
    loaded: int  # orders read from the file without error
    changed: int  # of those, orders new or different in the store
    unchanged: int
    errors: list[RowError] = field(default_factory=list)
    format: str = "unknown"
    changed_ids: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Human summary (what `sellerbot import-orders` prints)."""
        out = [f"{self.format}: loaded {self.loaded} order(s), changed {self.changed}, "
               f"unchanged {self.unchanged}, {len(self.errors)} bad row(s)"]
        out += [f"  line {e.line}: {e.message}" for e in self.errors]
        return out


def import_orders(store: Store, path: Path, now: datetime) -> ImportSummary:
    """Parse `path` and upsert its orders in one transaction."""
    path = Path(path)
    result: ImportResult = parse_order_file(decode_order_file(path.read_bytes()), path.name)
    changed: list[str] = []
    with store.transaction():
        for facts in result.rows:
            existing = store.order(facts.order_id)
            # A shipments CSV knows no marketplace: keep the one already stored.
            marketplace = facts.marketplace or (existing or {}).get("marketplace")
            if store.upsert_order(facts.order_id, marketplace, facts.to_data(), now):
                changed.append(facts.order_id)
    loaded = len(result.rows)
    return ImportSummary(loaded=loaded, changed=len(changed), unchanged=loaded - len(changed),
                         errors=list(result.errors), format=result.format,
                         changed_ids=changed)


def _resolve_case(store: Store, case: dict[str, Any] | str) -> dict[str, Any] | None:
    if isinstance(case, dict):
        return case
    found = store.case_by_ref(case)
    if found is None:
        rows = store.cases_where("order_id = ?", [case], order_by="id desc")
        found = rows[0] if rows else None
    return found


def case_messages(store: Store, case_id: int) -> list[dict[str, Any]]:
    """The messages rows attached to a case (Message-ID, kind, status, when)."""
    return list(store.db["messages"].rows_where("case_id = ?", [case_id], order_by="id"))


def case_evidence(store: Store, case: dict[str, Any] | str) -> dict[str, Any]:
    """Everything sellerbot knows that an A-to-Z claim answer can cite, as plain JSON data.

    `case` is a case row or a ref/order id. `missing` lists the shipping facts nobody has
    imported yet (a claim answer without tracking is weak: see docs/orders-import.md).
    """
    row = _resolve_case(store, case)
    if row is None:
        raise KeyError(f"no case {case}")
    order = store.order(row["order_id"]) if row.get("order_id") else None
    data = (order or {}).get("data") or {}
    shipping = {k: data.get(k) for k in SHIPPING_FACTS}
    delivery = {k: data.get(k) for k in ("ship_city", "ship_postal_code", "ship_country")
                if data.get(k)}
    message_ids: list[str] = []
    for m in case_messages(store, row["id"]):
        if m["message_id"] and m["message_id"] not in message_ids:
            message_ids.append(m["message_id"])
    events = store.events(row["id"])
    for ev in events:
        mid = ev.get("source_message_id")
        if mid and mid not in message_ids:
            message_ids.append(mid)
    linked = store.case(row["linked_case_id"]) if row.get("linked_case_id") else None
    return {
        "case": {k: row.get(k) for k in ("ref", "kind", "state", "marketplace", "order_id",
                                         "return_request_id", "claim_id", "opened_at",
                                         "deadline", "uncertain")},
        "order": {
            "known": order is not None,
            "marketplace": (order or {}).get("marketplace"),
            "ordered_at": data.get("ordered_at"),
            "status": data.get("status"),
            "items": data.get("items") or row["data"].get("items") or [],
            "value": data.get("value"),
            "ship_service_level": data.get("ship_service_level"),
            "ship_by": data.get("ship_by"),  # shipped on time? (Buy Shipping protection)
            "delivery": delivery,
            **shipping,
            "updated_at": (order or {}).get("updated_at"),
        },
        "missing": [k for k, v in shipping.items() if v is None],
        "reason": row["data"].get("reason"),
        "customer_comment": row["data"].get("customer_comment"),
        "events": [{"at": e["at"], "kind": e["kind"], "from_state": e["from_state"],
                    "to_state": e["to_state"], "reason": e["reason"],
                    "source_message_id": e["source_message_id"]} for e in events],
        "message_ids": message_ids,
        "linked_case": ({"ref": linked["ref"], "kind": linked["kind"], "state": linked["state"],
                         "events": [{"at": e["at"], "kind": e["kind"], "reason": e["reason"]}
                                    for e in store.events(linked["id"])]}
                        if linked else None),
    }
