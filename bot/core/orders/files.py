"""An order file as a whole: bytes to text, its lines, which format it is, and its parsing."""

from __future__ import annotations

from bot.core.orders.model import (
    FORMAT_REPORT, FORMAT_SHIPMENTS, FORMAT_UNKNOWN, ImportResult, RowError,
)
from bot.core.orders.report import parse_report
from bot.core.orders.shipments import parse_shipments
from bot.core.orders.values import delimiter_of, normalize_header


def decode_order_file(data: bytes) -> str:
    """Bytes -> text: UTF-16 or UTF-8 (BOM or not), else Windows-1252 (Excel, Amazon EU)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16").lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def physical_lines(text: str) -> list[tuple[int, str]]:
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


def detect_format(header_line: str) -> str:
    """FORMAT_REPORT, FORMAT_SHIPMENTS or FORMAT_UNKNOWN, from the columns the header names."""
    delim = delimiter_of(header_line)
    names = {normalize_header(h) for h in header_line.lstrip("\ufeff").split(delim)}
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


def parse_order_file(text: str, filename: str = "") -> ImportResult:
    """Parse an Amazon order report or a sellerbot shipments CSV (told apart by the header)."""
    lines = physical_lines(text)
    if not lines:
        return ImportResult(FORMAT_UNKNOWN, errors=[RowError(1, f"{filename or 'file'} is empty")])
    first_no, header = lines[0]
    fmt = detect_format(header)
    if fmt == FORMAT_REPORT:
        return parse_report(lines)
    if fmt == FORMAT_SHIPMENTS:
        return parse_shipments(text, header)
    return ImportResult(FORMAT_UNKNOWN, errors=[RowError(first_no, (
        f"{filename or 'file'}: header not recognised: expected an Amazon order report "
        "(tab-separated, with amazon-order-id or order-id and purchase-date) or a shipments CSV "
        "(order_id,carrier,tracking,ship_date,signature,buy_shipping)"))])
