"""The facts a draft is written from, gathered from the case and the order evidence."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

#: Facts a not-received answer cannot do without.
SHIPPING_REQUIRED = ("carrier", "tracking", "ship_date")


def _get(d: dict[str, Any] | None, *keys: str) -> Any:
    """The first of `keys` `d` holds a value for ("" counts as none)."""
    for key in keys:
        if d and d.get(key) not in (None, ""):
            return d[key]
    return None


def as_date(value: Any) -> date | None:
    """A date from a date, a datetime or an ISO string; None when there is none to read."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        return None


def _yes(value: Any) -> bool:
    """A yes/no fact as the order files and the seller write it ("oui", "x", True, 1…)."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "oui", "ja", "si", "sí", "x")
    return bool(value)


#: Claim categories from the claim's reason, in any of the five languages.
_CATEGORIES: list[tuple[str, re.Pattern[str]]] = [
    ("return", re.compile(
        r"return|retour|r[üu]cksend|reso\b|resi\b|devoluci|refund not|remboursement non|"
        r"erstattung|rimborso|reembolso", re.IGNORECASE)),
    ("not_received", re.compile(
        r"not (?:been )?received|never (?:arrived|received)|not delivered|undelivered|"
        r"non re[çc]u|pas re[çc]u|jamais re[çc]u|non livr|pas [ée]t[ée] livr|"
        r"nicht (?:erhalten|angekommen|geliefert|zugestellt)|"
        r"non (?:ricevuto|consegnat|arrivat)|mai arrivat|"
        r"no (?:recibido|entregado|ha llegado|lleg[óo])|item_not_received|inr", re.IGNORECASE)),
    ("not_as_described", re.compile(
        r"not as described|different|damaged|defect|broken|wrong|counterfeit|"
        r"non conforme|ne correspond|endommag|ab[iî]m|d[ée]fectu|cass|mauvais|contrefa|"
        r"beschädigt|besch[aä]digt|defekt|falsch|entspricht nicht|"
        r"danneggiat|difettos|rott|sbagliat|non corrisponde|"
        r"dañad|defectuos|rot[oa]|equivocad|no coincide|no corresponde|snad", re.IGNORECASE)),
]


def categorize(reason: str | None) -> str:
    """not_received | return | not_as_described | other, from a claim's reason text."""
    for code, rx in _CATEGORIES:
        if reason and rx.search(reason):
            return code
    return "other"


@dataclass
class ClaimFacts:
    """What sellerbot knows about a claim, flattened from the case and its evidence; a draft
    is written from this alone. `None` is "not known"."""

    order_id: str
    reason: str | None
    category: str
    carrier: Any = None
    tracking: Any = None
    ship_date: Any = None
    ship_by: Any = None
    promised_date: Any = None
    delivered_at: Any = None
    delivery_proof: Any = None
    place: str | None = None
    signature: bool = False
    buy_shipping: bool = False
    service: str | None = None
    ret: dict[str, Any] | None = None
    messages: int | None = None
    refunds: list[dict[str, Any]] | None = None
    decided_at: Any = None
    deadline: Any = None


def _return_facts(evidence: dict[str, Any]) -> dict[str, Any] | None:
    """The return request's history: given explicitly, else read from the linked return case
    and its events."""
    explicit = evidence.get("return")
    if isinstance(explicit, dict):
        return explicit
    linked = evidence.get("linked_case")
    if not isinstance(linked, dict) or linked.get("kind") not in (None, "return"):
        return None
    out: dict[str, Any] = {"state": linked.get("state"), "rma": linked.get("rma"),
                           "close_reason": linked.get("close_reason")}
    for ev in linked.get("events") or []:
        kind = str(ev.get("kind") or "")
        reason = ev.get("reason") or ""
        if kind in ("return_authorized", "authorized", "link_followed") or \
                kind.endswith("authorize"):
            out.setdefault("authorized_at", ev.get("at"))
        if kind in ("closed", "command:close", "return_closed"):
            out.setdefault("closed_at", ev.get("at"))
            if reason and "-->" not in reason and not out.get("close_reason"):
                out["close_reason"] = reason
        if kind == "refund_issued":
            out.setdefault("refunded_at", ev.get("at"))
    return out


def gather_facts(case: dict[str, Any], evidence: dict[str, Any]) -> ClaimFacts:
    """The claim's facts: the case's own fields (and its `data`), then the evidence's top
    level, then its order."""
    data = case.get("data") if isinstance(case.get("data"), dict) else {}
    c = {**case, **data}
    ev = evidence or {}
    order = ev.get("order") if isinstance(ev.get("order"), dict) else {}

    def fact(*keys: str) -> Any:
        return _get(ev, *keys) if _get(ev, *keys) is not None else _get(order, *keys)

    reason = _get(c, "claim_type", "reason") or ev.get("reason")
    delivery = fact("delivery") or {}
    place = " ".join(str(delivery[k]) for k in ("ship_postal_code", "ship_city")
                     if isinstance(delivery, dict) and delivery.get(k)) or None
    messages = fact("messages_exchanged")
    refunds = fact("refunds")
    return ClaimFacts(
        order_id=c.get("order_id") or _get(ev.get("case"), "order_id") or "?",
        reason=reason, category=categorize(_get(c, "reason_normalized") or reason),
        carrier=fact("carrier"), tracking=fact("tracking"), ship_date=fact("ship_date"),
        ship_by=fact("ship_by", "latest_ship_date"),
        promised_date=fact("promised_date", "latest_delivery_date", "promised_delivery_date"),
        delivered_at=fact("delivered_at", "delivery_date", "delivery_scan"),
        delivery_proof=fact("delivery_proof"), place=place,
        signature=_yes(fact("signature")), buy_shipping=_yes(fact("buy_shipping")),
        service=fact("ship_service_level"), ret=_return_facts(ev),
        messages=messages if isinstance(messages, int) else None,
        refunds=refunds if isinstance(refunds, list) else None,
        decided_at=_get(c, "decided_at") or ev.get("decided_at") or _decision_time(ev),
        deadline=c.get("deadline"),
    )


def _decision_time(evidence: dict[str, Any]) -> Any:
    """When the claim was decided, from the latest decision event."""
    for ev in reversed(evidence.get("events") or []):
        if str(ev.get("kind") or "").startswith(("decided", "claim_decided")):
            return ev.get("at")
    return None

