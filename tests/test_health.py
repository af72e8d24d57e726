"""`sellerbot health` on a seeded history: every figure checked against values worked out by
hand from the seed below (the comments give the counts), over 7 and 30 days."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from timeshift import PARIS, at

from bot.app.cli import main
from bot.edges.store import Store, iso
from bot.flows.health import store_health

NOW = at(2026, 11, 22, 9, 0)  # the suite's CLI clock (tests/conftest.py)
TZ = "Europe/Paris"


def day(k: int) -> datetime:
    """k days before NOW, same time."""
    return NOW - timedelta(days=k)


def end_of(k: int) -> str:
    """The ship-by instant of the local day k days before NOW (23:59:59 Paris)."""
    local = datetime.combine(day(k).astimezone(PARIS).date(), time(23, 59, 59), PARIS)
    return iso(local)  # type: ignore[return-value]


def local_day(k: int) -> str:
    return day(k).astimezone(PARIS).date().isoformat()


def seed(store: Store) -> None:
    orders = {
        # id: (ordered k, ship-by k, shipped k or None, carrier, tracking, status)
        "405-0000001-0000001": (3, 2, 2, "UPS", "1Z999AA10123456784", None),  # on time, valid
        "405-0000002-0000002": (4, 3, 2, "Colissimo", "6A12345678901", None),  # late, valid
        "405-0000003-0000003": (6, 5, None, None, None, None),  # never shipped: late
        "405-0000004-0000004": (11, 10, 10, "UPS", "1Z999AA10123456785", None),  # bad digit
        "405-0000005-0000005": (22, 20, 21, "GLS", "12345678901", None),  # early, valid
        "405-0000006-0000006": (26, 25, 24, None, None, None),  # late, no tracking
        "405-0000007-0000007": (5, 4, None, None, None, "Cancelled"),  # not counted
        "405-0000008-0000008": (41, 40, 40, "UPS", "1Z999AA10123456784", None),  # too old
    }
    for oid, (ordered, ship_by, shipped, carrier, tracking, status) in orders.items():
        store.upsert_order(oid, "amazon.fr", {
            "ordered_at": iso(day(ordered)), "ship_by": end_of(ship_by),
            "ship_date": local_day(shipped) if shipped is not None else None,
            "carrier": carrier, "tracking": tracking, "status": status}, NOW)
    store.upsert_order("405-0000009-0000009", "amazon.fr", {  # placed an hour ago, due tomorrow
        "ordered_at": iso(NOW - timedelta(hours=1)), "ship_by": end_of(-1)}, NOW)

    def case(ref: str, kind: str, state: str, opened: datetime, order: str | None = None
             ) -> int:
        row = store.insert_case({"ref": ref, "kind": kind, "state": state,
                                 "marketplace": "amazon.fr", "order_id": order,
                                 "opened_at": iso(opened),
                                 "deadline": iso(opened + timedelta(hours=24)),
                                 "updated_at": iso(NOW), "data": {}})
        return int(row["id"])

    def answered(case_id: int, at_: datetime, kind: str = "seller_reply_copy",
                 to_state: str | None = "message_replied") -> None:
        store.add_event(case_id, at_, kind, source_message_id=None,
                        from_state="message_awaiting_reply", to_state=to_state, reason="")

    m1 = case("M-2026-0001", "message", "message_replied", day(1))
    answered(m1, day(1) + timedelta(hours=3))  # in time
    m2 = case("M-2026-0002", "message", "message_replied", day(2), "405-0000002-0000002")
    answered(m2, day(2) + timedelta(hours=30))  # late
    case("M-2026-0003", "message", "message_awaiting_reply", day(3))  # never: late
    case("M-2026-0004", "message", "message_awaiting_reply", NOW - timedelta(hours=2))  # open
    m5 = case("M-2026-0005", "message", "message_replied", day(12))
    answered(m5, day(12) + timedelta(hours=1), "buyer_answer_sent", None)  # in time
    m6 = case("M-2026-0006", "message", "message_no_response_needed", day(15))
    answered(m6, day(15) + timedelta(hours=20), "seller_reply",
             "message_no_response_needed")  # in time
    case("C-2026-0001", "claim", "claim_info_requested", day(2), "405-0000001-0000001")
    case("C-2026-0002", "claim", "claim_granted", day(5), "405-0000003-0000003")
    case("C-2026-0003", "claim", "claim_denied", day(20), "405-0000005-0000005")
    case("C-2026-0004", "claim", "claim_granted", day(25), "405-0000006-0000006")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "state.db"
    store = Store(path)
    with store.transaction():
        seed(store)
    store.close()
    return path


def _figures(window: dict) -> dict:  # type: ignore[type-arg]
    return {f["metric"]: f for f in window["figures"]}


def test_health_figures_match_the_hand_counts(db: Path) -> None:
    report = store_health(Store(db, readonly=True), NOW, TZ)
    week, month = report["windows"]
    assert (week["days"], month["days"]) == (7, 30)
    # 7 days. Ship-by in the window: orders 1, 2, 3 (7 cancelled) -> late: 2 and 3 = 2/3.
    w = _figures(week)
    assert (w["late_shipment"]["count"], w["late_shipment"]["of"]) == (2, 3)
    assert w["late_shipment"]["value"] == pytest.approx(2 / 3)
    assert set(w["late_shipment"]["names"]) == {"405-0000002-0000002", "405-0000003-0000003"}
    # shipped in the window: 1 and 2, both valid -> 100 %
    assert (w["valid_tracking"]["count"], w["valid_tracking"]["of"]) == (0, 2)
    assert w["valid_tracking"]["value"] == pytest.approx(1.0)
    # messages decided: M1 in time, M2 late, M3 late (M4 still within 24 h) -> 1/3
    assert (w["response_24h"]["count"], w["response_24h"]["of"]) == (2, 3)
    assert w["response_24h"]["value"] == pytest.approx(1 / 3)
    # orders placed: 1, 2, 3, 9 = 4; lost claims: C2 -> 1/4
    assert week["orders"] == 4
    assert week["claims_open"] == ["405-0000001-0000001"]
    assert week["claims_lost"] == ["405-0000003-0000003"]
    assert w["order_defect"]["value"] == pytest.approx(1 / 4)

    # 30 days. Ship-by: 1..6 -> late 2, 3, 6 = 3/6.
    m = _figures(month)
    assert (m["late_shipment"]["count"], m["late_shipment"]["of"]) == (3, 6)
    assert m["late_shipment"]["value"] == pytest.approx(0.5)
    # shipped: 1, 2, 4, 5, 6; bad: 4 (check digit), 6 (no tracking) -> 3/5 valid
    assert (m["valid_tracking"]["count"], m["valid_tracking"]["of"]) == (2, 5)
    assert m["valid_tracking"]["value"] == pytest.approx(3 / 5)
    assert set(m["valid_tracking"]["names"]) == {"405-0000004-0000004", "405-0000006-0000006"}
    # messages: + M5, M6 in time -> 3 of 5
    assert m["response_24h"]["value"] == pytest.approx(3 / 5)
    # orders placed: 1..6 and 9 = 7; lost C2, C4 -> 2/7
    assert month["orders"] == 7
    assert set(month["claims_lost"]) == {"405-0000003-0000003", "405-0000006-0000006"}
    assert m["order_defect"]["value"] == pytest.approx(2 / 7)
    for fig in (*w.values(), *m.values()):
        if fig["metric"] != "valid_tracking" or fig is m["valid_tracking"]:
            assert fig["warning"] == "crossed", fig
    assert w["valid_tracking"]["warning"] is None


def test_health_command_prints_the_figures(db: Path, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(f"""
[seller]
name = "Lumen & Co"
addresses = ["claire.martin@lumen-et-cie.fr"]
[bot]
address = "assistant@lumen-et-cie.fr"
database = "{db}"
secret = "health-secret-0123456789"
[smtp]
host = "127.0.0.1"
port = 2525
security = "none"
""", encoding="utf-8")
    result = CliRunner().invoke(main, ["health", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "last 7 days: 4 order(s) placed, 1 open claim(s), 1 lost claim(s)" in result.output
    assert "late shipment rate: 66.7 % (target < 4 %; 2 of 3)  TARGET CROSSED" in result.output
    assert "valid tracking rate: 60.0 % (target > 95 %; 3 of 5)  TARGET CROSSED" \
        in result.output
    assert "because of: 405-0000004-0000004, 405-0000006-0000006" in result.output
    as_json = CliRunner().invoke(main, ["health", "--config", str(config), "--json"])
    assert json.loads(as_json.output)["windows"][1]["orders"] == 7


def test_digest_warns_naming_the_orders(tmp_path: Path, smtp_sink, link_standin) -> None:  # type: ignore[no-untyped-def]
    from bot.edges.clock import FixedClock
    from tests.test_abuse import WAIT, make_service, parsed

    svc = make_service(tmp_path, smtp_sink, link_standin, FixedClock(NOW),
                       digest={"enabled": True, "time": "08:00"})
    with svc.store.transaction():
        seed(svc.store)
    assert svc.send_digest()
    svc.execute_outbox()
    digest = parsed(smtp_sink.wait_for(1, WAIT)[0])
    text = digest.get_body(("plain",)).get_content().replace("\r\n", "\n")
    section = text[text.index("SANTÉ DU COMPTE"):]
    week, month = section.split("30 derniers jours :")
    assert "taux d'expédition tardive : 66,7 % (objectif < 4 %) – OBJECTIF NON TENU" in week
    assert "à cause de : 405-0000002-0000002, 405-0000003-0000003" in week
    assert "taux de suivi valide : 100,0 % (objectif > 95 %)\n" in week
    assert "messages d'acheteurs répondus sous 24 h : 33,3 %" in week
    assert "réclamations perdues / commandes : 25,0 %" in week
    assert "taux de suivi valide : 60,0 % (objectif > 95 %) – OBJECTIF NON TENU" in month
    assert "Réclamations A à Z : 1 en cours, 2 perdue(s)" in month
    svc.store.close()


def test_no_health_section_without_data(tmp_path: Path, smtp_sink, link_standin) -> None:  # type: ignore[no-untyped-def]
    from bot.edges.clock import FixedClock
    from tests.test_abuse import WAIT, make_service, parsed

    svc = make_service(tmp_path, smtp_sink, link_standin, FixedClock(NOW),
                       digest={"enabled": True, "time": "08:00"})
    assert svc.send_digest()
    svc.execute_outbox()
    text = parsed(smtp_sink.wait_for(1, WAIT)[0]).get_body(("plain",)).get_content()
    assert "SANTÉ DU COMPTE" not in text
    svc.store.close()
