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

from bot.core.orders.files import decode_order_file, detect_format, parse_order_file
from bot.core.orders.model import (
    FORMAT_REPORT, FORMAT_SHIPMENTS, FORMAT_UNKNOWN, ImportResult, OrderFacts, RowError,
    order_value,
)
from bot.core.orders.report import REPORT_COLUMNS
from bot.core.orders.shipments import SHIPMENT_COLUMNS
from bot.core.orders.values import (
    ORDER_ID, marketplace_of, parse_bool, parse_datetime, parse_decimal, parse_ship_date,
)

__all__ = [
    "FORMAT_REPORT", "FORMAT_SHIPMENTS", "FORMAT_UNKNOWN", "ORDER_ID", "REPORT_COLUMNS",
    "SHIPMENT_COLUMNS", "ImportResult", "OrderFacts", "RowError", "decode_order_file",
    "detect_format", "marketplace_of", "order_value", "parse_bool", "parse_datetime",
    "parse_decimal", "parse_order_file", "parse_ship_date",
]
