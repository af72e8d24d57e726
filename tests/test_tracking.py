"""Tracking numbers and order lists (bot.core.tracking, bot.core.shipping): pure, no clock.

Every valid number's check digit is worked out by hand below from the carrier's published
algorithm (the arithmetic is in the comment), never taken from the code under test; the
invalid ones differ by one digit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.core.shipping import (
    confirm_shipment_url,
    default_ship_by,
    parse_shipment_text,
    shipped_on_time,
    signature_needed,
    to_ship,
)
from bot.core.tracking import check_tracking

PARIS = ZoneInfo("Europe/Paris")


# UPU S10: weights 8 6 4 2 3 5 9 7 on the 8 serial digits, c = 11 - (sum mod 11), 10->0, 11->5.
@pytest.mark.parametrize("number, carrier", [
    # 4*8 + 7*6 + 3*4 + 1*2 + 2*3 + 4*5 + 8*9 + 2*7 = 200; 200 mod 11 = 2; 11 - 2 = 9
    ("AA473124829GB", None),
    # 1*8 + 2*6 + 3*4 + 4*2 + 5*3 + 6*5 + 7*9 + 8*7 = 204; 204 mod 11 = 6; 11 - 6 = 5
    ("CB123456785FR", "Colissimo"),
    ("CB 123 456 785 FR", "la poste"),  # written in groups, carrier in lower case
    # 1*9 + 2*7 = 23; 23 mod 11 = 1; 11 - 1 = 10 -> 0
    ("RR000000120IT", "Poste Italiane"),
    # 1*3 + 2*5 + 1*9 = 22; 22 mod 11 = 0; 11 - 0 = 11 -> 5
    ("RR000012105ES", "Correos"),
    ("CB123456785FR", "Chronopost"),
])
def test_s10_numbers_with_a_good_check_digit(number: str, carrier: str | None) -> None:
    result = check_tracking(number, carrier)
    assert result.ok, result
    assert result.check == "s10"


@pytest.mark.parametrize("number", ["AA473124828GB", "CB123456784FR", "RR000000121IT"])
def test_s10_numbers_with_a_wrong_check_digit(number: str) -> None:
    result = check_tracking(number)
    assert not result.ok and result.reason == "bad_check_digit"


# UPS 1Z: the 15 characters after 1Z, letters as (position in alphabet + 1) mod 10 (A=2),
# odd positions once, even positions twice, c = (10 - sum mod 10) mod 10.
# UPS's own sample 1Z999AA10123456784: 9 9 9 A=2 A=2 1 0 1 2 3 4 5 6 7 8
#   odd positions 9+9+2+0+2+4+6+8 = 40, even 9+2+1+1+3+5+7 = 28, x2 = 56; 96 -> 10 - 6 = 4
def test_ups_sample_number() -> None:
    for written in ("1Z999AA10123456784", "1Z 999 AA1 01 2345 678 4", "1z999aa10123456784"):
        result = check_tracking(written)
        assert result.ok and result.carrier == "UPS" and result.check == "ups", written
    bad = check_tracking("1Z999AA10123456785")
    assert not bad.ok and bad.reason == "bad_check_digit" and bad.carrier == "UPS"
    assert check_tracking("1Z999AA1012345678", "UPS").reason == "bad_format"  # 17 chars


# DHL Express: 10 digits, the last = the first nine mod 7.
#   123456789 = 7 * 17636684 + 1 -> 1234567891; 331881002 = 7 * 47411571 + 5 -> 3318810025
def test_dhl_express_mod7() -> None:
    assert check_tracking("1234567891", "DHL").ok
    assert check_tracking("3318810025", "DHL Express").ok
    wrong = check_tracking("1234567892", "DHL")
    assert not wrong.ok and wrong.reason == "bad_check_digit" and wrong.check == "mod7"


# DHL Paket SSCC (20 digits, "00" + 17 data digits + check), GS1: weights 3,1,3… from the right.
#   data 34043416109400000 reversed 0 0 0 0 0 4 9 0 1 6 1 4 3 4 0 4 3
#   x 3 1 3 1 …: 0+0+0+0+0+4+27+0+3+6+3+4+9+4+0+4+9 = 73 -> 10 - 3 = 7
def test_dhl_paket_sscc() -> None:
    ok = check_tracking("00340434161094000007", "DHL")  # "DHL" + a Paket number: DHL Paket
    assert ok.ok and ok.carrier == "DHL Paket" and ok.check == "sscc"
    bad = check_tracking("00340434161094000008", "DHL Paket")
    assert not bad.ok and bad.reason == "bad_check_digit"
    assert check_tracking("JJD000390007880000001", None).carrier == "DHL Paket"


def _iso7064_mod37_36_valid(text: str) -> bool:
    """The standard's verification rule, independent of the generator: run the recursion
    over data AND check character; the result must be 1."""
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    p = 36
    for i, ch in enumerate(text):
        s = (p + alphabet.index(ch)) % 36
        if s == 0:
            s = 36
        if i == len(text) - 1:
            return s == 1
        p = (s * 2) % 37
    return False


def test_dpd_check_character() -> None:
    assert check_tracking("01234567890123", "DPD").ok  # 14 digits, no check character
    good = next(c for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                if _iso7064_mod37_36_valid("01234567890123" + c))
    result = check_tracking("01234567890123" + good, "DPD")
    assert result.ok and result.check == "mod37_36"
    other = "0" if good != "0" else "1"
    assert check_tracking("01234567890123" + other, "DPD").reason == "bad_check_digit"


@pytest.mark.parametrize("number, carrier, expected", [
    ("6A12345678901", None, "Colissimo"),  # domestic Colissimo: format only
    ("8R 1234 5678 901", "Colissimo", "Colissimo"),
    ("12345678901", "GLS", "GLS"),
    ("12345678", "Mondial Relay", "Mondial Relay"),
    ("PQ4C1F0700123450128001", None, "Correos"),
    ("1UW1234567890", "Poste Italiane", "Poste Italiane"),
])
def test_format_only_carriers(number: str, carrier: str | None, expected: str) -> None:
    result = check_tracking(number, carrier)
    assert result.ok and result.carrier == expected and result.check in ("format", "s10")


def test_refusals_say_why() -> None:
    assert check_tracking("6A12345678901", "FedEx").reason == "unknown_carrier"
    assert check_tracking("", "UPS").reason == "empty"
    assert check_tracking("ABC", "GLS").reason == "bad_format"
    assert check_tracking("12345", "Mondial Relay").reason == "bad_format"
    ambiguous = check_tracking("123456789012")
    assert ambiguous.reason == "ambiguous" and "GLS" in ambiguous.candidates
    assert check_tracking("1Z999AA10123456784", "GLS").reason == "bad_format"


def test_shipment_line_words_in_any_order() -> None:
    line = parse_shipment_text("Mondial Relay 12345678 signature")
    assert (line.carrier, line.tracking, line.signature, line.buy_shipping) == \
        ("Mondial Relay", "12345678", True, False)
    assert line.check.ok
    line = parse_shipment_text("1Z 999 AA1 01 2345 678 4 UPS buy shipping")
    assert line.check.ok and line.check.number == "1Z999AA10123456784" and line.buy_shipping
    assert not parse_shipment_text("La Poste").check.ok  # no number
    assert parse_shipment_text("").check.reason == "empty"


# ------------------------------------------------------------------ ship-by and lists
def test_default_ship_by_counts_business_days() -> None:
    # Friday 20 Nov 2026 15:00 Paris + 2 business days = Tuesday 24, end of day
    friday = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    assert default_ship_by(friday, 2, "Europe/Paris") == \
        datetime(2026, 11, 24, 23, 59, 59, tzinfo=PARIS)


def test_to_ship_lists_due_and_late_unshipped_orders() -> None:
    now = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
    rows = [
        {"order_id": "405-0000001-0000001", "marketplace": "amazon.fr",
         "data": {"ship_by": "2026-11-24T22:59:59+00:00"}},  # today
        {"order_id": "405-0000002-0000002", "marketplace": "amazon.fr",
         "data": {"ship_by": "2026-11-23T22:59:59+00:00"}},  # yesterday: late
        {"order_id": "405-0000003-0000003", "marketplace": "amazon.fr",
         "data": {"ship_by": "2026-11-25T22:59:59+00:00"}},  # tomorrow
        {"order_id": "405-0000004-0000004", "marketplace": "amazon.fr",
         "data": {"ship_by": "2026-11-24T22:59:59+00:00", "tracking": "6A12345678901"}},
        {"order_id": "405-0000005-0000005", "marketplace": "amazon.fr",  # imported, no ship-by:
         "data": {"ordered_at": "2026-11-20T14:00:00+00:00"}},  # Friday + 2 business days
        {"order_id": "405-0000006-0000006", "marketplace": "amazon.fr",
         "data": {"ordered_at": "2026-11-20T14:00:00+00:00", "fulfillment_channel": "Amazon"}},
        {"order_id": "405-0000007-0000007", "marketplace": "amazon.fr",
         "data": {"ship_by": "2026-11-20T22:59:59+00:00"}},  # late over 3 days: not listed
    ]
    due, late = to_ship(rows, now, "Europe/Paris", 2)
    assert [e["order_id"] for e in due] == ["405-0000001-0000001", "405-0000005-0000005"]
    assert [e["order_id"] for e in late] == ["405-0000002-0000002"]


def test_signature_threshold_per_marketplace_and_currency() -> None:
    thresholds = {"amazon.fr": (Decimal(150), "EUR"), "default": (Decimal(100), "GBP")}
    order = {"value": {"value": 150.0, "currency": "EUR"}}
    assert signature_needed(order, "amazon.fr", thresholds)
    assert not signature_needed({"value": {"value": 149.99, "currency": "EUR"}}, "amazon.fr",
                                thresholds)
    assert not signature_needed(order, "amazon.co.uk", thresholds)  # EUR vs a GBP threshold
    items = {"items": [{"price": {"value": 60.0, "currency": "GBP"}, "qty": 2}]}
    assert signature_needed(items, "amazon.co.uk", thresholds)
    assert not signature_needed(order, "amazon.fr", {})


def test_shipped_on_time_compares_days_in_the_marketplace_zone() -> None:
    ship_by = "2026-11-24T22:59:59+00:00"  # 24 Nov 23:59:59 Paris
    assert shipped_on_time("2026-11-24", ship_by, "Europe/Paris") is True
    assert shipped_on_time("2026-11-25", ship_by, "Europe/Paris") is False
    assert shipped_on_time(None, ship_by, "Europe/Paris") is None


def test_confirm_shipment_url_uses_the_marketplace_host() -> None:
    assert confirm_shipment_url("405-1-1", "amazon.de") == \
        "https://sellercentral.amazon.de/orders-v3/order/405-1-1/confirm-shipment"
    assert confirm_shipment_url("405-1-1", None).startswith("https://sellercentral.amazon.fr/")
