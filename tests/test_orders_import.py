"""Order import: the pure parser on text, then the shell on a real temporary SQLite file."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from bot.core.orders import (
    FORMAT_REPORT, FORMAT_SHIPMENTS, FORMAT_UNKNOWN, decode_order_file, order_value,
    parse_order_file,
)
from bot.edges.store import Store
from bot.flows.orders_import import case_evidence, import_orders

FIXTURES = Path(__file__).parent / "fixtures" / "orders"
REPORT = FIXTURES / "all_orders_fr.txt"
SHIPMENTS = FIXTURES / "shipments_fr.csv"
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)


def _report(path: Path = REPORT):  # type: ignore[no-untyped-def]
    return parse_order_file(decode_order_file(path.read_bytes()), path.name)


# ---------------------------------------------------------------------------- pure parser
def test_order_report_merges_items_per_order_and_reports_bad_lines() -> None:
    result = _report()
    assert result.format == FORMAT_REPORT
    assert [(e.line, e.message) for e in result.errors] == [
        (4, "bad order id '40X-1111111-2222222' (expected 123-1234567-1234567)")]
    orders = {o.order_id: o for o in result.rows}
    assert set(orders) == {"405-2290417-6638150", "171-5550123-9876543"}
    two = orders["405-2290417-6638150"]
    assert two.marketplace == "amazon.fr"
    assert two.purchase_date == datetime(2026, 11, 18, 9, 12, 44, tzinfo=timezone.utc)
    assert two.lines == [2, 3]
    assert two.items == [
        {"title": "Ruban LED 5 m RGB avec télécommande", "sku": "LMN-STRIP-5M-RGB",
         "asin": "B0BQ8NLM4P", "qty": 1, "price": {"value": 39.9, "currency": "EUR"}},
        {"title": 'Ampoule E27 "Filament" 8 W', "sku": "LMN-E27-FIL8", "asin": "B0C1F2G3H4",
         "qty": 3, "price": {"value": 14.9, "currency": "EUR"}},  # item-price is the line total
    ]
    assert two.value == {"value": 84.6, "currency": "EUR"}
    assert two.shipping_price == {"value": 4.9, "currency": "EUR"}
    assert (two.ship_city, two.ship_postal_code, two.ship_country) == ("LYON", "69003", "FR")
    assert two.carrier is None and two.tracking is None and two.signature is None


HEADER_UNSHIPPED = ("order-id\torder-item-id\tpurchase-date\tpayments-date\tsku\tproduct-name\t"
                    "quantity-purchased\tcurrency\titem-price\tship-service-level\tship-city\t"
                    "ship-postal-code\tship-country\tsales-channel")


def test_unshipped_report_header_variants_crlf_and_decimal_comma() -> None:
    text = (HEADER_UNSHIPPED + "\r\n"
            "302-1234567-7654321\t11111\t2026-11-20T08:00:00Z\t2026-11-20T08:05:00Z\tSKU-A\t"
            "Lampe\t2\tEUR\t1.119,80\tStandard\tBerlin\t10115\tDE\tAmazon.de\r\n")
    result = parse_order_file(text, "unshipped.txt")
    assert result.format == FORMAT_REPORT and result.errors == []
    (order,) = result.rows
    assert order.marketplace == "amazon.de"
    assert order.purchase_date == datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
    assert order.items[0]["qty"] == 2
    assert order.items[0]["price"] == {"value": 559.9, "currency": "EUR"}
    assert order.value == {"value": 1119.8, "currency": "EUR"}


@pytest.mark.parametrize("cells, message", [
    ({"date": "20/11/2026"}, "bad date in purchase-date: '20/11/2026'"),
    ({"date": "2026-11-20T08:00:00"}, "date without time zone in purchase-date"),
    ({"qty": "deux"}, "bad number in quantity: 'deux'"),
    ({"price": "12.5.1"}, "bad number in item-price: '12.5.1'"),
])
def test_bad_field_rejects_the_whole_order_not_the_file(cells: dict[str, str],
                                                        message: str) -> None:
    good = {"date": "2026-11-20T08:00:00+01:00", "qty": "1", "price": "10.00"}

    def line(order_id: str, **over: str) -> str:
        v = {**good, **over}
        return f"{order_id}\t{v['date']}\tSKU\t{v['qty']}\tEUR\t{v['price']}"

    text = "\n".join(["amazon-order-id\tpurchase-date\tsku\tquantity\tcurrency\titem-price",
                      line("405-0000000-0000001"),
                      line("405-0000000-0000002"),
                      line("405-0000000-0000002", **cells),
                      line("405-0000000-0000003")])
    result = parse_order_file(text, "r.txt")
    assert [o.order_id for o in result.rows] == ["405-0000000-0000001", "405-0000000-0000003"]
    assert [e.line for e in result.errors] == [3, 4]  # the bad line, and its order's good line
    assert message in result.errors[1].message
    assert "not loaded" in result.errors[0].message


def test_wrong_column_count_is_a_row_error() -> None:
    text = "amazon-order-id\tpurchase-date\tsku\n405-0000000-0000001\t2026-11-20T08:00:00Z\n"
    result = parse_order_file(text, "r.txt")
    assert result.rows == []
    assert [(e.line, e.message) for e in result.errors] == [(2, "expected 3 columns, found 2")]


def test_shipments_csv_semicolons_cp1252_and_french_booleans() -> None:
    raw = SHIPMENTS.read_bytes()
    assert b"Priv\xe9" in raw  # really Windows-1252, as Excel in France writes it
    result = parse_order_file(decode_order_file(raw), SHIPMENTS.name)
    assert result.format == FORMAT_SHIPMENTS
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "bad yes/no value in signature: 'peut-être'")]
    orders = {o.order_id: o for o in result.rows}
    first = orders["405-2290417-6638150"]
    assert (first.carrier, first.tracking, first.ship_date, first.signature,
            first.buy_shipping) == ("Colissimo", "6A23456789012", date(2026, 11, 19), False, True)
    second = orders["171-5550123-9876543"]
    assert second.carrier == "Colis Privé" and second.signature is True
    assert second.lines == [4]


def test_shipments_csv_commas_quotes_parcels_and_spreadsheet_damage() -> None:
    text = ("\ufeffOrder_ID,Tracking,Carrier,Ship_Date,Signature,Buy_Shipping\n"
            '405-0000000-0000001,"1Z999",UPS,2026-11-18,true,1\n'
            "405-0000000-0000001,1Z998,UPS,2026-11-18,,\n"
            "405-0000000-0000002,1.23457E+11,DHL,2026-11-18,no,0\n"
            "405-0000000-0000003,X1,DHL,2026-13-45,no,0\n"
            "405-0000000-0000004,X2,DHL\n")
    result = parse_order_file(text, "s.csv")
    assert result.format == FORMAT_SHIPMENTS
    (order,) = result.rows
    assert order.tracking == "1Z999, 1Z998"  # two parcels
    assert order.signature is True and order.buy_shipping is True  # empty = unknown
    assert [e.line for e in result.errors] == [4, 5, 6]
    assert "spreadsheet" in result.errors[0].message
    assert "bad date in ship_date" in result.errors[1].message
    assert "expected 6 columns, found 3" in result.errors[2].message


def test_unknown_header_and_empty_file() -> None:
    assert parse_order_file("name,price\nfoo,1\n", "x.csv").format == FORMAT_UNKNOWN
    assert parse_order_file("name,price\nfoo,1\n", "x.csv").errors[0].line == 1
    assert parse_order_file("", "x.csv").errors[0].message == "x.csv is empty"


def test_decoding() -> None:
    assert decode_order_file("\ufeffé".encode("utf-8")) == "é"
    assert decode_order_file("é".encode("cp1252")) == "é"
    assert decode_order_file("é\t".encode("utf-16")) == "é\t"  # Excel "Unicode text"


def test_order_value_from_value_or_items() -> None:
    assert order_value({"value": {"value": 84.6, "currency": "EUR"}}) == (Decimal("84.6"), "EUR")
    items = [{"qty": 2, "price": {"value": 10.0, "currency": "EUR"}}, {"qty": 1, "price": None}]
    assert order_value({"items": items}) == (20, "EUR")
    assert order_value({"items": [{"qty": 1}]}) is None


# ---------------------------------------------------------------------------- shell + SQLite
@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "state.db")
    yield s  # type: ignore[misc]
    s.close()


def test_import_report_then_reimport_changes_nothing(store: Store) -> None:
    first = import_orders(store, REPORT, NOW)
    assert (first.loaded, first.changed, first.unchanged) == (2, 2, 0)
    assert [e.line for e in first.errors] == [4]
    assert first.lines()[0] == ("order_report: loaded 2 order(s), changed 2, unchanged 0, "
                                "1 bad row(s)")
    again = import_orders(store, REPORT, NOW + timedelta(hours=1))
    assert (again.loaded, again.changed, again.unchanged) == (2, 0, 2)
    row = store.order("405-2290417-6638150")
    assert row is not None and row["updated_at"] == "2026-11-22T09:00:00+00:00"
    assert row["marketplace"] == "amazon.fr"
    assert row["data"]["ordered_at"] == "2026-11-18T09:12:44+00:00"
    assert len(row["data"]["items"]) == 2


def test_shipments_merge_into_report_orders(store: Store) -> None:
    import_orders(store, REPORT, NOW)
    ship = import_orders(store, SHIPMENTS, NOW + timedelta(hours=1))
    assert (ship.loaded, ship.changed, ship.unchanged) == (2, 2, 0)
    assert [e.line for e in ship.errors] == [3]
    row = store.order("405-2290417-6638150")
    assert row is not None
    assert row["marketplace"] == "amazon.fr"  # kept: the CSV knows no marketplace
    data = row["data"]
    assert len(data["items"]) == 2 and data["value"]["value"] == pytest.approx(84.6)
    assert (data["carrier"], data["tracking"], data["ship_date"], data["signature"],
            data["buy_shipping"]) == ("Colissimo", "6A23456789012", "2026-11-19", False, True)
    assert import_orders(store, SHIPMENTS, NOW + timedelta(hours=2)).changed == 0
    assert import_orders(store, REPORT, NOW + timedelta(hours=3)).changed == 0  # no erasure
    row = store.order("405-2290417-6638150")
    assert row is not None and row["data"]["tracking"] == "6A23456789012"


def test_import_is_one_transaction(store: Store, tmp_path: Path) -> None:
    calls = []
    real = store.upsert_order

    def failing(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[0])
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    store.upsert_order = failing  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        import_orders(store, REPORT, NOW)
    assert store.order(calls[0]) is None  # the first upsert was rolled back


def test_case_evidence_gathers_order_facts_events_and_message_ids(store: Store) -> None:
    import_orders(store, REPORT, NOW)
    import_orders(store, SHIPMENTS, NOW)
    with store.transaction():
        case = store.insert_case({"ref": "C-2026-0001", "kind": "claim",
                                  "state": "claim_info_requested", "marketplace": "amazon.fr",
                                  "order_id": "171-5550123-9876543",
                                  "opened_at": "2026-11-22T08:00:00+00:00",
                                  "deadline": "2026-11-25T08:00:00+00:00", "data": {}})
        msg = store.record_message(source="imap", account="a", folder="INBOX", uidvalidity=1,
                                   uid=7, message_id="<claim@amazon.fr>", body_hash="h",
                                   kind="claim_info_requested", status="processed",
                                   case_id=case["id"], processed_at="2026-11-22T08:00:00+00:00")
        assert msg
        store.add_event(case["id"], NOW, "claim_info_requested",
                        source_message_id="<claim@amazon.fr>", from_state=None,
                        to_state="claim_info_requested", reason="new")
    ev = case_evidence(store, "C-2026-0001")
    assert ev["order"]["known"] is True
    assert ev["order"]["carrier"] == "Colis Privé"
    assert ev["order"]["tracking"] == "CP123456789FR"
    assert ev["order"]["signature"] is True and ev["order"]["buy_shipping"] is False
    assert ev["order"]["ship_date"] == "2026-11-21"
    assert ev["order"]["delivery"] == {"ship_city": "BORDEAUX", "ship_postal_code": "33000",
                                       "ship_country": "FR"}
    assert ev["missing"] == []
    assert ev["message_ids"] == ["<claim@amazon.fr>"]
    assert [e["kind"] for e in ev["events"]] == ["claim_info_requested"]
