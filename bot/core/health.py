"""Account health, early: Amazon's seller performance figures, from sellerbot's own records.

Pure: stored orders, cases and their events in, figures out. Amazon computes these from its
own data and shows them in Seller Central › Account Health; sellerbot's copy only knows what
reached it (order mails, imports, EXPÉDIÉ replies, claim mails), but it knows it early, and it
can name the orders that push a rate over its target.

For a window of N days ending now (orders/cases counted when their date is in [now - N, now)):

* **late shipment rate** = orders whose ship-by date is in the window and that were confirmed
  shipped after that day (marketplace time zone), or not at all yet / orders with a ship-by date
  in the window. Cancelled orders, and shipped orders with no known ship date, are left out.
  Target: under 4 %.
* **valid tracking rate** = shipped orders (ship date in the window) whose every tracking
  number passes its carrier's format and check digit / shipped orders. Target: over 95 %.
* **buyer messages answered within 24 h** = message cases opened in the window and answered
  (or marked "no response needed") by their deadline / those whose deadline has passed or that
  are settled. Target: over 90 %.
* **claims**: A-to-Z claims opened in the window: open, and lost (granted to the buyer);
  lost claims / orders placed in the window approximates the Order Defect Rate (Amazon also
  counts negative feedback and chargebacks, which sellerbot does not see). Target: under 1 %.

A figure with nothing to count is None. `warning` is "crossed" past the target, "near" within
the margin before it, else None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.tracking import check_tracking

__all__ = ["TARGETS", "Figure", "health_report"]

#: metric -> (target, "max" | "min", warning margin). Amazon's published targets.
TARGETS: dict[str, tuple[float, str, float]] = {
    "late_shipment": (0.04, "max", 0.01),
    "valid_tracking": (0.95, "min", 0.02),
    "response_24h": (0.90, "min", 0.05),
    "order_defect": (0.01, "max", 0.005),
}

_ANSWERED = {"message_replied", "message_no_response_needed"}
_OPEN_CLAIMS = {"claim_filed", "claim_info_requested", "claim_answered", "claim_appealed"}
_LOST_CLAIMS = {"claim_granted"}


@dataclass
class Figure:
    metric: str
    numerator: int
    denominator: int
    names: list[str] = field(default_factory=list)  # orders / cases that count against it

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def value(self) -> float | None:
        """The rate as Amazon states it (good share for min-targets, bad share for max)."""
        rate = self.rate
        if rate is None:
            return None
        return 1 - rate if TARGETS[self.metric][1] == "min" else rate

    @property
    def warning(self) -> str | None:
        value = self.value
        if value is None:
            return None
        target, kind, margin = TARGETS[self.metric]
        if kind == "max":
            return "crossed" if value >= target else "near" if value >= target - margin else None
        return "crossed" if value < target else "near" if value < target + margin else None

    def to_json(self) -> dict[str, Any]:
        target, kind, _ = TARGETS[self.metric]
        return {"metric": self.metric, "value": self.value, "target": target,
                "target_kind": kind, "count": self.numerator, "of": self.denominator,
                "warning": self.warning, "names": list(self.names)}


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt if dt.tzinfo else None


def _day(value: Any, zone: ZoneInfo) -> date | None:
    if not value:
        return None
    text = str(value)
    if len(text) == 10:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    dt = _dt(text)
    return dt.astimezone(zone).date() if dt else None


def _tracking_ok(data: dict[str, Any]) -> bool:
    numbers = [t.strip() for t in str(data.get("tracking") or "").split(",") if t.strip()]
    return bool(numbers) and all(check_tracking(n, data.get("carrier")).ok for n in numbers)


def _window(orders: list[dict[str, Any]], cases: list[dict[str, Any]],
            events: dict[int, list[dict[str, Any]]], now: datetime, days: int, tz: str
            ) -> dict[str, Any]:
    zone = ZoneInfo(tz)
    start = now - timedelta(days=days)
    late = Figure("late_shipment", 0, 0)
    tracking = Figure("valid_tracking", 0, 0)
    placed = 0
    for row in orders:
        data = row.get("data") or {}
        oid = row["order_id"]
        if (data.get("status") or "").lower() in ("cancelled", "canceled"):
            continue
        ordered = _dt(data.get("ordered_at"))
        if ordered and start <= ordered < now:
            placed += 1
        ship_by = _dt(data.get("ship_by"))
        shipped = _day(data.get("ship_date") or data.get("shipped_at"), zone)
        if ship_by and start <= ship_by < now:
            known = shipped is not None or not (data.get("tracking")
                                                or (data.get("status") or "").lower() == "shipped")
            if known:
                late.denominator += 1
                if shipped is None or shipped > ship_by.astimezone(zone).date():
                    late.numerator += 1
                    late.names.append(oid)
        if shipped and start.astimezone(zone).date() <= shipped <= now.astimezone(zone).date():
            tracking.denominator += 1
            if not _tracking_ok(data):
                tracking.numerator += 1  # counted as the bad share
                tracking.names.append(oid)
    response = Figure("response_24h", 0, 0)
    claims_open: list[str] = []
    claims_lost: list[str] = []
    for case in cases:
        opened = _dt(case.get("opened_at"))
        if not opened or not start <= opened < now:
            continue
        if case["kind"] == "message":
            deadline = _dt(case.get("deadline"))
            answered = next((_dt(e["at"]) for e in events.get(case["id"], [])
                             if e.get("to_state") in _ANSWERED
                             or e.get("kind") == "buyer_answer_sent"), None)
            if answered is None and (deadline is None or deadline > now):
                continue  # still within its 24 h: not decided yet
            response.denominator += 1
            if answered is None or (deadline is not None and answered > deadline):
                response.numerator += 1
                response.names.append(case.get("order_id") or case["ref"])
        elif case["kind"] == "claim":
            name = case.get("order_id") or case["ref"]
            if case["state"] in _OPEN_CLAIMS:
                claims_open.append(name)
            elif case["state"] in _LOST_CLAIMS:
                claims_lost.append(name)
    defect = Figure("order_defect", len(claims_lost), placed, list(claims_lost))
    return {"days": days, "orders": placed, "claims_open": claims_open,
            "claims_lost": claims_lost,
            "figures": [f.to_json() for f in (late, tracking, response, defect)]}


def health_report(orders: list[dict[str, Any]], cases: list[dict[str, Any]],
                  events: dict[int, list[dict[str, Any]]], now: datetime, tz: str,
                  windows: tuple[int, ...] = (7, 30)) -> dict[str, Any]:
    """{"windows": [{days, orders, claims_open, claims_lost, figures: [...]}, …],
    "warnings": [figure of the widest window with a warning, …]}."""
    out = [_window(orders, cases, events, now, days, tz) for days in windows]
    warnings = []
    for window in out:
        for fig in window["figures"]:
            if fig["warning"]:
                warnings.append({**fig, "days": window["days"]})
    return {"windows": out, "warnings": warnings}
