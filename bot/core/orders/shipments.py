"""sellerbot's shipments CSV: one line per parcel, accumulated per order."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

from bot.core.orders.model import FORMAT_SHIPMENTS, ImportResult, OrderFacts, RowError
from bot.core.orders.values import (
    BadValue, delimiter_of, join_tracking, normalize_header, order_id_of, parse_bool,
    parse_ship_date, tracking_of,
)

SHIPMENT_COLUMNS: dict[str, str] = {
    "order-id": "order_id", "amazon-order-id": "order_id",
    "carrier": "carrier", "carrier-name": "carrier",
    "tracking": "tracking", "tracking-number": "tracking",
    "ship-date": "ship_date", "shipping-date": "ship_date",
    "signature": "signature", "signature-confirmation": "signature",
    "buy-shipping": "buy_shipping",
}


def parse_shipments(text: str, header_line: str) -> ImportResult:
    """The orders of a shipments CSV; a bad line is reported and skipped."""
    result = ImportResult(FORMAT_SHIPMENTS)
    text = text.lstrip("\ufeff")
    delim = delimiter_of(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    header: list[str] | None = None
    index: dict[str, int] = {}
    parsed: dict[str, OrderFacts] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.errors.append(RowError(reader.line_num, f"unreadable line: {exc}"))
            continue
        number = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if header is None:
            header = [normalize_header(c) for c in cells]
            for i, name in enumerate(header):
                key = SHIPMENT_COLUMNS.get(name)
                if key and key not in index:
                    index[key] = i
            continue
        while len(cells) > len(header) and cells[-1].strip() == "":
            cells.pop()
        if len(cells) != len(header):
            result.errors.append(RowError(number, f"expected {len(header)} columns, found "
                                                  f"{len(cells)} (separator {delim!r})"))
            continue

        def get(key: str, cells: list[str] = cells) -> str:
            i = index.get(key)
            return cells[i].strip() if i is not None else ""

        try:
            _merge_shipment_line(parsed, get, number)
        except BadValue as exc:
            result.errors.append(RowError(number, str(exc)))
    result.rows = list(parsed.values())
    return result


def _merge_shipment_line(parsed: dict[str, OrderFacts], get: Callable[[str], str],
                         number: int) -> None:
    """Add one parcel line to its order: tracking numbers accumulate, the other fields take
    the last non-empty value. A bad cell raises before the order is touched."""
    order_id = order_id_of(get("order_id"))
    carrier = get("carrier") or None
    tracking = tracking_of(get("tracking"))
    ship_date = parse_ship_date(get("ship_date"), "ship_date")
    signature = parse_bool(get("signature"), "signature")
    buy_shipping = parse_bool(get("buy_shipping"), "buy_shipping")
    facts = parsed.get(order_id)
    if facts is None:
        facts = parsed[order_id] = OrderFacts(order_id)
    facts.lines.append(number)
    facts.carrier = carrier or facts.carrier
    if tracking:
        facts.tracking = join_tracking(facts.tracking, tracking)
    facts.ship_date = ship_date or facts.ship_date
    facts.signature = signature if signature is not None else facts.signature
    facts.buy_shipping = buy_shipping if buy_shipping is not None else facts.buy_shipping
