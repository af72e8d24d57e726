"""Order facts from files the seller downloads or writes: pure, no I/O, no clock.

Two formats, told apart by their header line (see docs/orders-import.md):

1. **Amazon's order reports** (Seller Central › Reports › Fulfilment / Order reports: "All
   Orders", "Unshipped orders", …): tab-separated, one line per *item*, first line is the
   header. Column names vary between reports (``amazon-order-id`` or ``order-id``,
   ``quantity`` or ``quantity-purchased``); unknown columns are ignored. Used columns:
   order id, ``purchase-date`` (ISO 8601 with offset), ``sales-channel`` ("Amazon.fr" ->
   marketplace "amazon.fr"), ``order-status``, ``fulfillment-channel``,
   ``ship-service-level``, ``product-name``, ``sku``, ``asin``, ``quantity``, ``currency``,
   ``item-price`` (the *line* total: unit price × quantity, as Amazon reports it),
   ``shipping-price``, ``ship-city``, ``ship-postal-code``, ``ship-country``, and when a report
   has them ``carrier-name``/``carrier``, ``tracking-number``, ``ship-date``.

2. **sellerbot's shipments CSV**, written by the seller (or exported from a shipping tool)::

       order_id,carrier,tracking,ship_date,signature,buy_shipping
       405-2290417-6638150,Colissimo,6A12345678901,2026-11-18,yes,no

   Comma- or semicolon-separated (Excel in France writes ``;``), optional quotes, any column
   order; only ``order_id`` is required. ``ship_date`` is ``YYYY-MM-DD`` (``DD/MM/YYYY``, what
   a French Excel writes back, is accepted too). ``signature`` and ``buy_shipping`` are
   yes/no/true/false/1/0 (also oui/non, y/n); empty means unknown. Several lines for one order
   (several parcels) accumulate their tracking numbers; other fields: the last non-empty
   value wins.

Both: UTF-8 (with or without BOM) or Windows-1252 (`decode_order_file`), LF or CRLF. Order ids
must match ``\\d{3}-\\d{7}-\\d{7}``. A bad line is reported as ``RowError(line, message)`` with
its 1-based physical line number and skipped; the other lines are loaded. In an order report,
an order with one bad item line is skipped entirely (with an error naming it) so that an
order is never stored with part of its items.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")

FORMAT_REPORT = "order_report"
FORMAT_SHIPMENTS = "shipments"
FORMAT_UNKNOWN = "unknown"

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

SHIPMENT_COLUMNS: dict[str, str] = {
    "order-id": "order_id", "amazon-order-id": "order_id",
    "carrier": "carrier", "carrier-name": "carrier",
    "tracking": "tracking", "tracking-number": "tracking",
    "ship-date": "ship_date", "shipping-date": "ship_date",
    "signature": "signature", "signature-confirmation": "signature",
    "buy-shipping": "buy_shipping",
}

_TRUE = {"yes", "y", "true", "1", "oui", "o", "vrai", "ja", "si", "sí"}
_FALSE = {"no", "n", "false", "0", "non", "faux", "nein"}
_TZ_WORDS = {"UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00", "PST": "-08:00",
             "PDT": "-07:00", "CET": "+01:00", "CEST": "+02:00", "BST": "+01:00"}


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


class _Bad(ValueError):
    """One field of one line is wrong; the message is shown to the seller."""


# ---------------------------------------------------------------------------- decoding
def decode_order_file(data: bytes) -> str:
    """Bytes -> text: UTF-16 or UTF-8 (BOM or not), else Windows-1252 (Excel, Amazon EU)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16").lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


# ---------------------------------------------------------------------------- values
def _norm_header(name: str) -> str:
    return re.sub(r"[\s_]+", "-", name.strip().strip('"').strip().lower())


def _order_id(value: str) -> str:
    value = value.strip()
    if not ORDER_ID.match(value):
        raise _Bad(f"bad order id {value!r} (expected 123-1234567-1234567)")
    return value


def parse_decimal(value: str, what: str) -> Decimal | None:
    """'119.00', '119,00', '1,119.00', '1.119,00', '1 119,00' -> Decimal; '' -> None."""
    v = value.strip().replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if not v:
        return None
    if "," in v and "." in v:
        if v.rfind(",") > v.rfind("."):
            v = v.replace(".", "").replace(",", ".")
        else:
            v = v.replace(",", "")
    elif "," in v:
        v = v.replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", v):
        raise _Bad(f"bad number in {what}: {value.strip()!r}")
    try:
        return Decimal(v)
    except InvalidOperation:
        raise _Bad(f"bad number in {what}: {value.strip()!r}") from None


def _int(value: str, what: str) -> int | None:
    v = value.strip()
    if not v:
        return None
    if not re.fullmatch(r"\d+", v):
        raise _Bad(f"bad number in {what}: {v!r}")
    return int(v)


def parse_datetime(value: str, what: str) -> datetime | None:
    """ISO 8601 with an offset ('2026-11-20T14:03:12+00:00', '…Z', '2026-11-20 14:03:12 UTC')."""
    v = value.strip()
    if not v:
        return None
    m = re.fullmatch(r"(.*?)\s*\b(UTC|GMT|Z|PST|PDT|CET|CEST|BST)", v)
    if m:
        v = m.group(1) + _TZ_WORDS[m.group(2)]
    try:
        dt = datetime.fromisoformat(v)
    except ValueError:
        raise _Bad(f"bad date in {what}: {value.strip()!r}") from None
    if dt.tzinfo is None:
        raise _Bad(f"date without time zone in {what}: {value.strip()!r}")
    return dt


def parse_ship_date(value: str, what: str = "ship_date") -> date | None:
    """'2026-11-18' (or an ISO date-time) or '18/11/2026' -> date; '' -> None."""
    v = value.strip()
    if not v:
        return None
    try:
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", v)
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
            return date.fromisoformat(v)
        return datetime.fromisoformat(v.replace("Z", "+00:00")).date()
    except ValueError:
        raise _Bad(f"bad date in {what}: {v!r} (expected YYYY-MM-DD)") from None


def parse_bool(value: str, what: str) -> bool | None:
    v = value.strip().lower()
    if not v:
        return None
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise _Bad(f"bad yes/no value in {what}: {value.strip()!r}")


def _tracking(value: str) -> str | None:
    v = value.strip()
    if not v:
        return None
    if re.fullmatch(r"\d(?:[.,]\d+)?E\+\d+", v, re.I):
        raise _Bad(f"tracking number {v!r} was turned into a number by a spreadsheet; "
                   "format the column as text and export again")
    return v


def marketplace_of(sales_channel: str) -> str | None:
    """'Amazon.fr' -> 'amazon.fr'; 'Non-Amazon' or '' -> None."""
    v = sales_channel.strip().lower()
    return v if re.fullmatch(r"amazon(\.[a-z]{2,3}){1,2}", v) else None


def _money(value: Decimal | None, currency: str | None) -> dict[str, Any] | None:
    if value is None:
        return None
    return {"value": float(value), "currency": currency or None}


# ---------------------------------------------------------------------------- splitting
def _physical_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) for non-blank lines; CR, BOM stripped. Not str.splitlines(): a
    product name may hold U+2028 or a form feed, which are not line ends in a TSV."""
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if number == 1:
            line = line.lstrip("\ufeff")
        if line.strip():
            out.append((number, line))
    return out


def _unquote(cell: str) -> str:
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        return cell[1:-1].replace('""', '"')
    return cell


def _delimiter(header: str) -> str:
    if "\t" in header:
        return "\t"
    outside = re.sub(r'"[^"]*"', "", header)
    return ";" if outside.count(";") > outside.count(",") else ","


def detect_format(header_line: str) -> str:
    delim = _delimiter(header_line)
    names = {_norm_header(h) for h in header_line.lstrip("\ufeff").split(delim)}
    if not names & {"order-id", "amazon-order-id"}:
        return FORMAT_UNKNOWN
    if delim == "\t" and names & {"purchase-date", "product-name", "sku", "asin",
                                  "order-status", "quantity-purchased"}:
        return FORMAT_REPORT
    if names & {"carrier", "tracking", "ship-date", "signature", "buy-shipping",
                "tracking-number"}:
        return FORMAT_SHIPMENTS
    if delim == "\t":
        return FORMAT_REPORT
    return FORMAT_UNKNOWN


# ---------------------------------------------------------------------------- entry point
def parse_order_file(text: str, filename: str = "") -> ImportResult:
    """Parse an Amazon order report or a sellerbot shipments CSV (told apart by the header)."""
    lines = _physical_lines(text)
    if not lines:
        return ImportResult(FORMAT_UNKNOWN, errors=[RowError(1, f"{filename or 'file'} is empty")])
    first_no, header = lines[0]
    fmt = detect_format(header)
    if fmt == FORMAT_REPORT:
        return _parse_report(lines)
    if fmt == FORMAT_SHIPMENTS:
        return _parse_shipments(text, header)
    return ImportResult(FORMAT_UNKNOWN, errors=[RowError(first_no, (
        f"{filename or 'file'}: header not recognised: expected an Amazon order report "
        "(tab-separated, with amazon-order-id or order-id and purchase-date) or a shipments CSV "
        "(order_id,carrier,tracking,ship_date,signature,buy_shipping)"))])


# ---------------------------------------------------------------------------- order reports
def _parse_report(lines: list[tuple[int, str]]) -> ImportResult:
    result = ImportResult(FORMAT_REPORT)
    _header_no, header = lines[0]
    names = [_norm_header(h) for h in header.split("\t")]
    index: dict[str, int] = {}
    for i, name in enumerate(names):
        key = REPORT_COLUMNS.get(name)
        if key and key not in index:
            index[key] = i
    width = len(names)
    parsed: dict[str, OrderFacts] = {}
    bad_orders: dict[str, int] = {}  # order id -> first bad line
    for number, line in lines[1:]:
        cells = [_unquote(c) for c in line.split("\t")]
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
            order_id = _order_id(raw_id)
        except _Bad as exc:
            result.errors.append(RowError(number, str(exc)))
            continue
        try:
            _merge_report_line(parsed, order_id, get, number)
        except _Bad as exc:
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


def _merge_report_line(parsed: dict[str, OrderFacts], order_id: str, get: Any,
                       number: int) -> None:
    purchase = parse_datetime(get("purchase_date"), "purchase-date")
    qty = _int(get("qty"), "quantity")
    currency = get("currency").upper() or None
    line_price = parse_decimal(get("item_price"), "item-price")
    shipping = parse_decimal(get("shipping_price"), "shipping-price")
    ship_date = parse_ship_date(get("ship_date"), "ship-date")
    tracking = _tracking(get("tracking"))
    unit = None
    if line_price is not None:
        unit = (line_price / qty).quantize(Decimal("0.01")) if qty else line_price
    item = {"title": get("title") or None, "sku": get("sku") or None,
            "asin": get("asin") or None, "qty": qty, "price": _money(unit, currency)}

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
        facts.tracking = _join(facts.tracking, tracking)
    facts.ship_date = ship_date or facts.ship_date
    if line_price is not None:
        total = Decimal(str(facts.value["value"])) if facts.value else Decimal(0)
        facts.value = _money(total + line_price, currency)
    if shipping is not None:
        total = Decimal(str(facts.shipping_price["value"])) if facts.shipping_price else Decimal(0)
        facts.shipping_price = _money(total + shipping, currency)


def _join(existing: str | None, new: str) -> str:
    parts = [p.strip() for p in (existing or "").split(",") if p.strip()]
    if new not in parts:
        parts.append(new)
    return ", ".join(parts)


# ---------------------------------------------------------------------------- shipments CSV
def _parse_shipments(text: str, header_line: str) -> ImportResult:
    result = ImportResult(FORMAT_SHIPMENTS)
    text = text.lstrip("\ufeff")
    delim = _delimiter(header_line)
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
            header = [_norm_header(c) for c in cells]
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
            order_id = _order_id(get("order_id"))
            carrier = get("carrier") or None
            tracking = _tracking(get("tracking"))
            ship_date = parse_ship_date(get("ship_date"), "ship_date")
            signature = parse_bool(get("signature"), "signature")
            buy_shipping = parse_bool(get("buy_shipping"), "buy_shipping")
        except _Bad as exc:
            result.errors.append(RowError(number, str(exc)))
            continue
        facts = parsed.get(order_id)
        if facts is None:
            facts = parsed[order_id] = OrderFacts(order_id)
        facts.lines.append(number)
        facts.carrier = carrier or facts.carrier
        if tracking:
            facts.tracking = _join(facts.tracking, tracking)
        facts.ship_date = ship_date or facts.ship_date
        facts.signature = signature if signature is not None else facts.signature
        facts.buy_shipping = buy_shipping if buy_shipping is not None else facts.buy_shipping
    result.rows = list(parsed.values())
    return result


# ---------------------------------------------------------------------------- order value
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

