"""Orders to ship: ship-by dates, the morning list, shipment lines, signature thresholds.

Pure: stored order facts (the JSON of the `orders` table) and an instant in, plain data out.
Amazon counts a shipment confirmed after the ship-by date as late (target < 4 %), and an order
never confirmed is cancelled after 30 days; the seller gets one bundled list a day, never one
mail per order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.orders import order_value
from bot.core.tracking import CARRIERS, TrackingCheck, canonical_carrier, check_tracking

__all__ = [
    "ShipmentLine",
    "cancel_order_url",
    "confirm_shipment_url",
    "default_ship_by",
    "is_shipped",
    "parse_shipment_text",
    "seller_central_host",
    "ship_by_of",
    "shipped_on_time",
    "signature_needed",
    "to_ship",
]

#: Late orders are listed this long after their ship-by date, no longer: sellerbot learns of
#: most shipments only from EXPÉDIÉ or an import, so after a first sync of a mailbox's history
#: older unconfirmed orders are far more likely shipped than forgotten (Amazon cancels an order
#: never confirmed within 30 days anyway).
LATE_LISTED = timedelta(days=3)

_SIGNATURE_WORDS = {"SIGNATURE", "SIG", "SIGNE", "SIGNEE", "AR", "UNTERSCHRIFT", "FIRMA"}
_BUY_SHIPPING_WORDS = {"BUYSHIPPING", "BUY-SHIPPING", "BS", "ACHATEXPEDITION", "AMAZONLABEL"}
_MULTI_WORD_FLAGS = {("BUY", "SHIPPING"): "buy_shipping", ("AVEC", "SIGNATURE"): "signature",
                     ("WITH", "SIGNATURE"): "signature", ("MIT", "UNTERSCHRIFT"): "signature",
                     ("CON", "FIRMA"): "signature"}


@dataclass(frozen=True, slots=True)
class ShipmentLine:
    """What one `EXPÉDIÉ <order> …` line says, and the verdict on its tracking number."""

    carrier: str | None  # as written ("la poste"), None when not given
    tracking: str  # as written, spaces removed
    signature: bool
    buy_shipping: bool
    check: TrackingCheck
    extra: tuple[str, ...] = field(default=())  # words not understood


def _fold(word: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFD", word)
                   if not unicodedata.combining(c))
    return base.upper().strip(".,;:!?()[]\"'«»")


def parse_shipment_text(text: str) -> ShipmentLine:
    """'Colissimo 6A12345678901 signature' or '1Z999AA10123456784 UPS buy shipping':
    carrier (one or two words) anywhere, flags anywhere, the rest is the tracking number
    (UPS numbers are often written in groups: '1Z 999 AA1 01 2345 678 4')."""
    words = [w for w in text.split() if _fold(w)]
    folded = [_fold(w) for w in words]
    used = [False] * len(words)
    signature = buy_shipping = False
    for i in range(len(words) - 1):
        flag = _MULTI_WORD_FLAGS.get((folded[i], folded[i + 1]))
        if flag and not used[i] and not used[i + 1]:
            used[i] = used[i + 1] = True
            signature |= flag == "signature"
            buy_shipping |= flag == "buy_shipping"
    for i, f in enumerate(folded):
        if used[i]:
            continue
        if f in _SIGNATURE_WORDS:
            used[i], signature = True, True
        elif f.replace("-", "") in _BUY_SHIPPING_WORDS:
            used[i], buy_shipping = True, True
    carrier: str | None = None
    for size in (2, 1):  # "Mondial Relay", "DHL Paket", "La Poste" before "DHL", "Poste"
        for i in range(len(words) - size + 1):
            if carrier or any(used[i:i + size]):
                continue
            joined = " ".join(words[i:i + size])
            if canonical_carrier(joined) and not any(ch.isdigit() for ch in joined):
                carrier = joined
                for k in range(i, i + size):
                    used[k] = True
    rest = [w for w, u in zip(words, used) if not u]
    tracking = "".join(rest)
    return ShipmentLine(carrier, tracking, signature, buy_shipping,
                        check_tracking(tracking, carrier))


def known_carriers() -> list[str]:
    return [name for name in CARRIERS if "(" not in name]


# ------------------------------------------------------------------ ship-by
def _add_business_days(day: date, n: int) -> date:
    while n > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def default_ship_by(ordered_at: datetime, handling_days: int, tz: str) -> datetime:
    """Amazon's default handling time when neither the mail nor the import gives a ship-by
    date: `handling_days` business days after the order, end of that day, marketplace time."""
    zone = ZoneInfo(tz)
    day = _add_business_days(ordered_at.astimezone(zone).date(), handling_days)
    return datetime.combine(day, time(23, 59, 59), zone)


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt if dt.tzinfo else None


def ship_by_of(data: dict[str, Any], handling_days: int, tz: str) -> datetime | None:
    """The order's ship-by instant: from the mail or the report, else the marketplace rule."""
    stated = _parse(data.get("ship_by"))
    if stated:
        return stated
    ordered = _parse(data.get("ordered_at"))
    return default_ship_by(ordered, handling_days, tz) if ordered else None


def is_shipped(data: dict[str, Any]) -> bool:
    """Shipped as far as sellerbot knows: recorded by EXPÉDIÉ, imported, or Amazon's status."""
    status = (data.get("status") or "").lower()
    return bool(data.get("shipped_at") or data.get("ship_date") or data.get("tracking")
                or status in ("shipped", "cancelled", "canceled"))


def to_ship(orders: list[dict[str, Any]], now: datetime, tz: str, handling_days: int
            ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(due by the end of today, overdue): unshipped merchant-fulfilled orders, ship-by first.

    `orders` are rows of the orders table ({order_id, marketplace, data}); each returned entry
    is {order_id, marketplace, ship_by, items, value, signature}."""
    zone = ZoneInfo(tz)
    end_of_day = datetime.combine(now.astimezone(zone).date(), time(23, 59, 59), zone)
    due: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []
    for row in orders:
        data = row.get("data") or {}
        if is_shipped(data) or (data.get("fulfillment_channel") or "").lower() in (
                "amazon", "afn"):
            continue
        ship_by = ship_by_of(data, handling_days, tz)
        if ship_by is None or ship_by > end_of_day or now - ship_by > LATE_LISTED:
            continue
        entry = {"order_id": row["order_id"], "marketplace": row.get("marketplace"),
                 "ship_by": ship_by, "items": data.get("items") or [],
                 "value": data.get("value"), "signature": False}
        (late if ship_by < now else due).append(entry)
    due.sort(key=lambda e: (e["ship_by"], e["order_id"]))
    late.sort(key=lambda e: (e["ship_by"], e["order_id"]))
    return due, late


# ------------------------------------------------------------------ signature, Buy Shipping
def signature_needed(data: dict[str, Any], marketplace: str | None,
                     thresholds: dict[str, tuple[Decimal, str]]) -> bool:
    """The order is worth at least the seller's threshold for its marketplace (or
    "default"), in the threshold's currency; an order in another currency is not compared."""
    limit = thresholds.get(marketplace or "") or thresholds.get("default")
    value = order_value(data)
    if not limit or not value:
        return False
    amount, currency = value
    return (currency or limit[1]).upper() == limit[1].upper() and amount >= limit[0]


def shipped_on_time(ship_date: str | None, ship_by: str | None, tz: str) -> bool | None:
    """Ship date (YYYY-MM-DD, the seller's day) on or before the ship-by day; None if unknown."""
    by = _parse(ship_by)
    if not ship_date or by is None:
        return None
    try:
        day = date.fromisoformat(str(ship_date)[:10])
    except ValueError:
        return None
    return day <= by.astimezone(ZoneInfo(tz)).date()


# ------------------------------------------------------------------ Seller Central links
def seller_central_host(marketplace: str | None) -> str:
    m = marketplace or "amazon.fr"
    if not re.fullmatch(r"amazon(\.[a-z]{2,3}){1,2}", m):
        m = "amazon.fr"
    return m.replace("amazon.", "sellercentral.amazon.", 1)


def confirm_shipment_url(order_id: str, marketplace: str | None) -> str:
    """Where the seller confirms the shipment: sellerbot cannot do it for her."""
    return f"https://{seller_central_host(marketplace)}/orders-v3/order/{order_id}/confirm-shipment"


def cancel_order_url(order_id: str, marketplace: str | None) -> str:
    return f"https://{seller_central_host(marketplace)}/orders-v3/order/{order_id}/cancel-order"
