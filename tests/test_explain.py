"""explain_case and export_evidence on a case built by the real Service on a temp SQLite file.

Nothing is sent: effects are only queued (tick() is never called), so the SMTP settings point
at 127.0.0.1:1.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from timeshift import at, paris, ref, shift_mail

from bot.edges.clock import FixedClock
from bot.edges.config import Settings, settings_from_dict
from bot.edges.store import Store
from bot.app.explain import eml_folder_lookup, explain_case, export_evidence
from bot.flows.orders_import import import_orders
from bot.app.service import Service

CORPUS = Path(__file__).parent / "corpus"
REQUEST = CORPUS / "02_fr_return_request_multipart.eml"
REQUEST_ID = ("<0102019e40892dd0-5117729f-6b66-6cbd-bf50-4de0965c5dc8-000000"
              "@eu-west-1.amazonses.com>")
ORDER = "405-2290417-6638150"
START = at(2026, 11, 22, 7, 42)


def make_settings(db: Path) -> Settings:
    return settings_from_dict({
        "seller": {"name": "Lumen & Co", "addresses": ["claire.martin@lumen-et-cie.fr"]},
        "bot": {"address": "assistant@lumen-et-cie.fr", "database": str(db),
                "secret": "test-secret-0123456789", "subject_tag": "Lumen-Bot"},
        "smtp": {"host": "127.0.0.1", "port": 1, "security": "none"},
        "reminders": {"quiet_hours": None},
    }, source="<test>")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    settings = make_settings(tmp_path / "state.db")
    s = Store(settings.bot.database)
    service = Service(settings, s, FixedClock(START))
    assert service.ingest(shift_mail(REQUEST.read_bytes())) == "case"
    yield s
    s.close()


def test_explain_says_which_rule_decided_and_what_is_pending(store: Store) -> None:
    lines = explain_case(store, ref("R", 1))
    text = "\n".join(lines)
    assert lines[0] == (f"{ref('R', 1)}: return case on order {ORDER} (amazon.fr), "
                        "state return_requested")
    # Paris time, 48 h after the request
    assert f"deadline {paris(at(2026, 11, 24, 7, 41)):%Y-%m-%d %H:%M %Z}" in lines[1]
    decision = next(line for line in lines if "decision:" in line)
    assert "rule ask_seller" in decision and "did not act on its own" in decision
    assert "(new case) -> return_requested" in text
    assert "reminders: 4 pending" in text
    assert f"reminder #1 due {paris(at(2026, 11, 23, 7, 41)):%Y-%m-%d %H:%M %Z}: pending" in text
    assert f"deadline alarm due {paris(at(2026, 11, 24, 7, 41)):%Y-%m-%d %H:%M %Z}: pending" \
        in text
    assert "email new_case to claire.martin@lumen-et-cie.fr: pending" in text
    assert f"no order facts for {ORDER}" in text
    assert "UNCERTAIN" not in text
    assert explain_case(store, ORDER) == lines  # an order id finds the same case


def test_explain_flags_uncertain_and_high_value_without_signature(store: Store,
                                                                 tmp_path: Path) -> None:
    report = tmp_path / "orders.txt"
    report.write_text("amazon-order-id\tpurchase-date\tsales-channel\tsku\tquantity\tcurrency\t"
                      f"item-price\n{ORDER}\t2026-11-18T09:12:44+00:00\tAmazon.fr\tLMN\t1\tEUR\t"
                      "149.00\n", encoding="utf-8")
    assert import_orders(store, report, START).changed == 1
    with store.transaction():
        case = store.case_by_ref(ref("R", 1))
        assert case is not None
        store.update_case(case["id"], uncertain=1)
    text = "\n".join(explain_case(store, ref("R", 1), high_value_threshold=100))
    assert "UNCERTAIN" in text
    assert "order facts: carrier unknown, tracking unknown" in text
    assert ("HIGH VALUE: order 149.00 EUR ≥ threshold 100 shipped without a tracking "
            "number") in text
    assert "without signature confirmation on record" in text
    quiet = "\n".join(explain_case(store, ref("R", 1), high_value_threshold=200))
    assert "HIGH VALUE" not in quiet


def test_unknown_case() -> None:
    with pytest.raises(KeyError):
        explain_case(Store(":memory:"), "R-2026-9999")


def test_evidence_zip_lists_messages_it_cannot_include(store: Store, tmp_path: Path) -> None:
    out = export_evidence(store, ref("R", 1), tmp_path / "out" / "evidence.zip", None)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        summary = zf.read("summary.txt").decode("utf-8")
        data = json.loads(zf.read("summary.json"))
    assert names[:2] == ["summary.txt", "summary.json"]
    assert not any(n.startswith("messages/") for n in names)
    assert [n for n in names if n.startswith("sent/")] == ["sent/0001-new_case.eml"]
    assert "sellerbot does not keep processed emails" in summary
    assert f"{REQUEST_ID}  return_request  NOT included (not stored)" in summary
    assert "rule ask_seller" in summary
    assert data["not_included"] == [REQUEST_ID]
    assert data["case"]["ref"] == ref("R", 1)
    assert data["missing"] == ["carrier", "tracking", "ship_date", "signature", "buy_shipping"]
    assert data["order"]["items"][0]["sku"] == "LMN-STRIP-5M-RGB"
    assert not (tmp_path / "out" / "evidence.zip.part").exists()


def test_evidence_zip_includes_raw_mail_found_and_quarantined(store: Store,
                                                              tmp_path: Path) -> None:
    raw = b"From: x@example.com\nSubject: odd\nMessage-ID: <odd@x>\n\nabout " + \
        ORDER.encode() + b"\n"
    with store.transaction():
        row = store.record_message(source="imap", account="a", folder="INBOX", uidvalidity=1,
                                   uid=99, message_id="<odd@x>", body_hash="b",
                                   kind="unrecognized", status="quarantined",
                                   reason="unrecognized")
        store.quarantine(row, "unrecognized", raw, START)
    out = export_evidence(store, ref("R", 1), tmp_path / "e.zip", CORPUS)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        data = json.loads(zf.read("summary.json"))
        included = [n for n in names if n.startswith("messages/")]
        assert len(included) == 1
        assert zf.read(included[0]) == REQUEST.read_bytes()  # as found in the folder
        assert zf.read("quarantine/0001-odd@x.eml") == raw
    assert data["not_included"] == []
    assert data["quarantined"][0]["message_id"] == "<odd@x>"


def test_eml_folder_lookup_by_message_id() -> None:
    lookup = eml_folder_lookup(CORPUS)
    assert lookup(REQUEST_ID) == REQUEST
    assert lookup(REQUEST_ID.strip("<>").upper()) == REQUEST
    assert lookup("<nope@x>") is None
