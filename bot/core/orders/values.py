"""An order file's cells: header names, separators, quotes, and each cell read as a value."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")

_TRUE = {"yes", "y", "true", "1", "oui", "o", "vrai", "ja", "si", "sí"}
_FALSE = {"no", "n", "false", "0", "non", "faux", "nein"}
_TZ_WORDS = {"UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00", "PST": "-08:00",
             "PDT": "-07:00", "CET": "+01:00", "CEST": "+02:00", "BST": "+01:00"}


class BadValue(ValueError):
    """One field of one line is wrong; the message is shown to the seller."""


def normalize_header(name: str) -> str:
    """'Amazon Order ID', 'order_id' -> 'amazon-order-id', 'order-id': one spelling to look up."""
    return re.sub(r"[\s_]+", "-", name.strip().strip('"').strip().lower())


def order_id_of(value: str) -> str:
    """The order id of a cell, checked against Amazon's 123-1234567-1234567."""
    value = value.strip()
    if not ORDER_ID.match(value):
        raise BadValue(f"bad order id {value!r} (expected 123-1234567-1234567)")
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
        raise BadValue(f"bad number in {what}: {value.strip()!r}")
    try:
        return Decimal(v)
    except InvalidOperation:
        raise BadValue(f"bad number in {what}: {value.strip()!r}") from None


def parse_int(value: str, what: str) -> int | None:
    """'3' -> 3; '' -> None; anything else is a bad value."""
    v = value.strip()
    if not v:
        return None
    if not re.fullmatch(r"\d+", v):
        raise BadValue(f"bad number in {what}: {v!r}")
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
        raise BadValue(f"bad date in {what}: {value.strip()!r}") from None
    if dt.tzinfo is None:
        raise BadValue(f"date without time zone in {what}: {value.strip()!r}")
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
        raise BadValue(f"bad date in {what}: {v!r} (expected YYYY-MM-DD)") from None


def parse_bool(value: str, what: str) -> bool | None:
    v = value.strip().lower()
    if not v:
        return None
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise BadValue(f"bad yes/no value in {what}: {value.strip()!r}")


def tracking_of(value: str) -> str | None:
    """A tracking number, refused when a spreadsheet has turned it into '6.1E+12'."""
    v = value.strip()
    if not v:
        return None
    if re.fullmatch(r"\d(?:[.,]\d+)?E\+\d+", v, re.I):
        raise BadValue(f"tracking number {v!r} was turned into a number by a spreadsheet; "
                   "format the column as text and export again")
    return v


def marketplace_of(sales_channel: str) -> str | None:
    """'Amazon.fr' -> 'amazon.fr'; 'Non-Amazon' or '' -> None."""
    v = sales_channel.strip().lower()
    return v if re.fullmatch(r"amazon(\.[a-z]{2,3}){1,2}", v) else None


def money(value: Decimal | None, currency: str | None) -> dict[str, Any] | None:
    """The JSON form of an amount stored with the order: {"value", "currency"}."""
    if value is None:
        return None
    return {"value": float(value), "currency": currency or None}



def join_tracking(existing: str | None, new: str) -> str:
    """Several parcels: "A, B", each tracking number once."""
    parts = [p.strip() for p in (existing or "").split(",") if p.strip()]
    if new not in parts:
        parts.append(new)
    return ", ".join(parts)



def unquote(cell: str) -> str:
    """A cell without its surrounding double quotes ('""' inside stands for one)."""
    cell = cell.strip()
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        return cell[1:-1].replace('""', '"')
    return cell


def delimiter_of(header: str) -> str:
    """Tab for Amazon's reports, else ';' or ',' (whichever the header uses more, outside
    quotes: a French Excel writes ';')."""
    if "\t" in header:
        return "\t"
    outside = re.sub(r'"[^"]*"', "", header)
    return ";" if outside.count(";") > outside.count(",") else ","

