"""What an order file says: the facts per order, the bad lines, and an order's goods value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

FORMAT_REPORT = "order_report"
FORMAT_SHIPMENTS = "shipments"
FORMAT_UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # 1-based physical line number in the file (the header is line 1)
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(slots=True)
class OrderFacts:
    """What a file says about one order. `None` means "the file does not say"."""

    order_id: str
    marketplace: str | None = None
    purchase_date: datetime | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    carrier: str | None = None
    tracking: str | None = None
    ship_date: date | None = None
    signature: bool | None = None
    buy_shipping: bool | None = None
    status: str | None = None
    fulfillment_channel: str | None = None
    ship_service_level: str | None = None
    ship_city: str | None = None
    ship_postal_code: str | None = None
    ship_country: str | None = None
    buyer_email: str | None = None  # the relay alias, for out-of-stock mails
    ship_by: datetime | None = None
    value: dict[str, Any] | None = None  # sum of item lines {value, currency}
    shipping_price: dict[str, Any] | None = None
    lines: list[int] = field(default_factory=list)

    def to_data(self) -> dict[str, Any]:
        """JSON-native facts for `Store.upsert_order` (None = unknown, never overwrites)."""
        return {
            "marketplace": self.marketplace,
            "ordered_at": (self.purchase_date.astimezone(timezone.utc).isoformat(
                timespec="seconds") if self.purchase_date else None),
            "items": self.items or None,
            "value": self.value,
            "shipping_price": self.shipping_price,
            "status": self.status,
            "fulfillment_channel": self.fulfillment_channel,
            "ship_service_level": self.ship_service_level,
            "ship_city": self.ship_city,
            "ship_postal_code": self.ship_postal_code,
            "ship_country": self.ship_country,
            "carrier": self.carrier,
            "tracking": self.tracking,
            "ship_date": self.ship_date.isoformat() if self.ship_date else None,
            "signature": self.signature,
            "buy_shipping": self.buy_shipping,
            "buyer_email": self.buyer_email,
            "ship_by": (self.ship_by.astimezone(timezone.utc).isoformat(timespec="seconds")
                        if self.ship_by else None),
        }


@dataclass(slots=True)
class ImportResult:
    format: str
    rows: list[OrderFacts] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)



def order_value(data: dict[str, Any]) -> tuple[Decimal, str | None] | None:
    """The goods value of stored order facts: `value`, else the sum of item price × qty."""
    if data.get("value") and data["value"].get("value") is not None:
        return Decimal(str(data["value"]["value"])), data["value"].get("currency")
    total, currency, seen = Decimal(0), None, False
    for item in data.get("items") or []:
        price = item.get("price") or {}
        if price.get("value") is None:
            continue
        total += Decimal(str(price["value"])) * (item.get("qty") or 1)
        currency = currency or price.get("currency")
        seen = True
    return (total, currency) if seen else None

