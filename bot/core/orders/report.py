"""Amazon's order reports: tab-separated, one line per item, merged into one order each."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from bot.core.orders.model import FORMAT_REPORT, ImportResult, OrderFacts, RowError
from bot.core.orders.values import (
    BadValue, join_tracking, marketplace_of, money, normalize_header, order_id_of, parse_datetime,
    parse_decimal, parse_int, parse_ship_date, tracking_of, unquote,
)

#: header name (normalized: lower case, '_' and ' ' -> '-') -> canonical field
REPORT_COLUMNS: dict[str, str] = {
    "amazon-order-id": "order_id", "order-id": "order_id",
    "purchase-date": "purchase_date",
    "sales-channel": "sales_channel",
    "order-status": "status",
    "fulfillment-channel": "fulfillment_channel",
    "ship-service-level": "ship_service_level",
    "product-name": "title",
    "sku": "sku",
    "asin": "asin",
    "quantity": "qty", "quantity-purchased": "qty",
    "currency": "currency",
    "item-price": "item_price",
    "shipping-price": "shipping_price",
    "ship-city": "ship_city",
    "ship-postal-code": "ship_postal_code",
    "ship-country": "ship_country",
    "carrier-name": "carrier", "carrier": "carrier", "carrier-code": "carrier",
    "tracking-number": "tracking",
    "ship-date": "ship_date", "shipment-date": "ship_date",
    "buyer-email": "buyer_email",  # Amazon's relay alias (…@marketplace.amazon.fr)
    "latest-ship-date": "ship_by",
}


def parse_report(lines: list[tuple[int, str]]) -> ImportResult:
    """The orders of a report's (number, line) list, header first; an order with a bad item
    line is left out whole."""
    result = ImportResult(FORMAT_REPORT)
    _header_no, header = lines[0]
    names = [normalize_header(h) for h in header.split("\t")]
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        key = REPORT_COLUMNS.get(name)
        if key and key not in index:
            index[key] = i
    width = len(names)
    parsed: dict[str, OrderFacts] = {}
    bad_orders: dict[str, int] = {}  # order id -> first bad line
    for number, line in lines[1:]:
        cells = [unquote(c) for c in line.split("\t")]
        while len(cells) > width and cells[-1] == "":
            cells.pop()
        if len(cells) != width:
            result.errors.append(RowError(number, f"expected {width} columns, found "
                                                  f"{len(cells)}"))
            continue

        def get(key: str, cells: list[str] = cells) -> str:
            i = index.get(key)
            return cells[i].strip() if i is not None else ""

        raw_id = get("order_id")
        try:
            order_id = order_id_of(raw_id)
        except BadValue as exc:
            result.errors.append(RowError(number, str(exc)))
            continue
        try:
            _merge_report_line(parsed, order_id, get, number)
        except BadValue as exc:
            result.errors.append(RowError(number, f"order {order_id}: {exc}"))
            bad_orders.setdefault(order_id, number)
    for order_id, facts in parsed.items():
        if order_id in bad_orders:
            for number in facts.lines:
                result.errors.append(RowError(number, (
                    f"order {order_id} not loaded: its line {bad_orders[order_id]} is bad "
                    "(an order is loaded with all its items or not at all)")))
            continue
        result.rows.append(facts)
    result.errors.sort(key=lambda e: e.line)
    return result


def _merge_report_line(parsed: dict[str, OrderFacts], order_id: str,
                       get: Callable[[str], str], number: int) -> None:
    """Add one item line to its order: the item, and the order fields it is the first to say."""
    purchase = parse_datetime(get("purchase_date"), "purchase-date")
    qty = parse_int(get("qty"), "quantity")
    currency = get("currency").upper() or None
    line_price = parse_decimal(get("item_price"), "item-price")
    shipping = parse_decimal(get("shipping_price"), "shipping-price")
    ship_date = parse_ship_date(get("ship_date"), "ship-date")
    tracking = tracking_of(get("tracking"))
    unit = None
    if line_price is not None:
        unit = (line_price / qty).quantize(Decimal("0.01")) if qty else line_price
    item = {"title": get("title") or None, "sku": get("sku") or None,
            "asin": get("asin") or None, "qty": qty, "price": money(unit, currency)}

    facts = parsed.get(order_id)
    if facts is None:
        facts = parsed[order_id] = OrderFacts(order_id)
    facts.lines.append(number)
    facts.items.append(item)
    facts.marketplace = facts.marketplace or marketplace_of(get("sales_channel"))
    facts.purchase_date = facts.purchase_date or purchase
    facts.ship_by = facts.ship_by or parse_datetime(get("ship_by"), "latest-ship-date")
    email = get("buyer_email").lower()
    if email and re.fullmatch(r"[a-z0-9._+-]+@marketplace\.amazon\.[a-z.]{2,6}", email):
        facts.buyer_email = facts.buyer_email or email
    for attr in ("status", "fulfillment_channel", "ship_service_level", "ship_city",
                 "ship_postal_code", "ship_country", "carrier"):
        if get(attr) and not getattr(facts, attr):
            setattr(facts, attr, get(attr))
    if tracking:
        facts.tracking = join_tracking(facts.tracking, tracking)
    facts.ship_date = ship_date or facts.ship_date
    if line_price is not None:
        total = Decimal(str(facts.value["value"])) if facts.value else Decimal(0)
        facts.value = money(total + line_price, currency)
    if shipping is not None:
        total = Decimal(str(facts.shipping_price["value"])) if facts.shipping_price else Decimal(0)
        facts.shipping_price = money(total + shipping, currency)
