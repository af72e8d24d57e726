"""The daily digest: numbering, what sellerbot did, claims this month, templates, calendar.

A real SQLite store in a temp directory; nothing is mocked. `now` is fixed: the digest never
reads the clock.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from bot.flows.digest import build_digest, calendar_ics, event_uid, open_case_rows
from bot.edges.render import LOCALES, Renderer, _fmt_dt
from bot.edges.store import Store, iso

TZ = "Europe/Paris"
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)  # 09:00 in Paris
EVIL_ORDER = '405-<script>alert(1)</script>"&'
RENDERER = Renderer()

D_CLAIM = NOW - timedelta(hours=3)  # overdue: number 1
D_MESSAGE = NOW + timedelta(hours=21)  # number 2
D_RETURN = NOW + timedelta(days=2, hours=3)  # number 3
D_RETURN2 = NOW + timedelta(days=2, hours=3)  # same deadline as R-0101: ordered by ref


def _case(store: Store, ref: str, kind: str, state: str, *, deadline: datetime | None,
          opened: datetime, order_id: str | None = "405-0000000-0000000",
          marketplace: str | None = "amazon.fr", **data: Any) -> dict[str, Any]:
    return store.insert_case({
        "ref": ref, "kind": kind, "state": state, "marketplace": marketplace,
        "language": "fr", "order_id": order_id, "opened_at": iso(opened),
        "deadline": iso(deadline), "updated_at": iso(opened), "data": data,
    })


def _event(store: Store, case: dict[str, Any], at: datetime, kind: str,
           from_state: str | None = None, to_state: str | None = None,
           reason: str = "") -> None:
    store.add_event(case["id"], at, kind, source_message_id=None, from_state=from_state,
                    to_state=to_state, reason=reason)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "s.db")
    # open cases, inserted out of order on purpose
    r1 = _case(s, "R-2026-0101", "return", "return_requested", deadline=D_RETURN,
               opened=NOW - timedelta(days=1), order_id="405-1111111-1111111",
               items=[{"title": "Lampe de bureau", "asin": "B0ABCDEF12"}])
    r2 = _case(s, "R-2026-0102", "return", "return_requested", deadline=D_RETURN2,
               opened=NOW - timedelta(days=1), order_id=EVIL_ORDER)
    c1 = _case(s, "C-2026-0007", "claim", "claim_granted", deadline=D_CLAIM,
               opened=NOW - timedelta(days=5), order_id="405-2222222-2222222",
               amount={"value": 129.5, "currency": "EUR"}, decision="granted_to_buyer")
    m1 = _case(s, "M-2026-0042", "message", "message_awaiting_reply", deadline=D_MESSAGE,
               opened=NOW - timedelta(hours=3), order_id=None, marketplace="amazon.de")
    # settled cases: not in the digest's list
    r0 = _case(s, "R-2026-0100", "return", "return_closed", deadline=NOW + timedelta(days=1),
               opened=NOW - timedelta(days=2), order_id="405-3333333-3333333")
    # granted this month in GBP; opened 1 Nov 00:30 Paris = 31 Oct 23:30 UTC (local month!)
    c2 = _case(s, "C-2026-0008", "claim", "claim_appealed", deadline=None,
               opened=datetime(2026, 10, 31, 23, 30, tzinfo=timezone.utc),
               amount={"value": 12.0, "currency": "gbp"})
    # denied: counted as a claim, never debited
    c3 = _case(s, "C-2026-0009", "claim", "claim_denied", deadline=None,
               opened=NOW - timedelta(days=10), amount={"value": 99.0, "currency": "EUR"})
    # granted last month; a repeated notice this month must not count it again
    c4 = _case(s, "C-2026-0005", "claim", "claim_appealed", deadline=None,
               opened=datetime(2026, 10, 2, 10, 0, tzinfo=timezone.utc),
               amount={"value": 50.0, "currency": "EUR"})
    # opened 31 Oct 22:30 UTC = 31 Oct 23:30 Paris: last month
    _case(s, "C-2026-0004", "claim", "claim_denied", deadline=None,
          opened=datetime(2026, 10, 31, 22, 30, tzinfo=timezone.utc))

    _event(s, c1, NOW - timedelta(hours=5), "claim_decided", "claim_filed", "claim_granted")
    _event(s, c1, NOW - timedelta(hours=5), "decision", reason="rule x")  # internal: hidden
    _event(s, c2, datetime(2026, 11, 3, 9, 0, tzinfo=timezone.utc), "claim_decided",
           "claim_filed", "claim_granted")
    _event(s, c3, NOW - timedelta(days=3), "claim_decided", "claim_filed", "claim_denied")
    _event(s, c4, datetime(2026, 10, 20, 9, 0, tzinfo=timezone.utc), "claim_decided",
           "claim_filed", "claim_granted")
    _event(s, c4, datetime(2026, 11, 5, 9, 0, tzinfo=timezone.utc), "claim_decided",
           "claim_granted", "claim_granted")
    _event(s, m1, NOW - timedelta(hours=3), "buyer_message", None, "message_awaiting_reply")
    _event(s, r1, NOW - timedelta(hours=30), "return_request", None, "return_requested")
    _event(s, r0, NOW - timedelta(hours=2), "link_followed", "return_requested", None,
           reason="authorize https://sellercentral.amazon.fr/returns/a")
    _event(s, r0, NOW - timedelta(hours=2), "command:authorize", "return_requested",
           "return_authorized")
    _event(s, r0, NOW - timedelta(hours=1), "command:done", "return_authorized",
           "return_closed")
    _event(s, r2, NOW - timedelta(minutes=30), "link_failed", "return_requested", None,
           reason="close https://sellercentral.amazon.fr/returns/c")
    _event(s, r2, NOW - timedelta(minutes=20), "seller_reply", "return_requested", None,
           reason="commands: snooze")
    s.enqueue(kind="email", effect_key="reminder:R-2026-0101:1", payload={},
              now=NOW - timedelta(hours=4), case_id=r1["id"])
    s.enqueue(kind="email", effect_key="reminder:R-2026-0101:2", payload={},
              now=NOW - timedelta(hours=4), case_id=r1["id"])  # still pending: not sent
    s.enqueue(kind="email", effect_key="missed:C-2026-0007:x", payload={},
              now=NOW - timedelta(hours=3), case_id=c1["id"])
    s.enqueue(kind="email", effect_key="reminder:C-2026-0007:1", payload={},
              now=NOW - timedelta(hours=30), case_id=c1["id"])  # sent yesterday: too old
    for key, at in (("reminder:R-2026-0101:1", NOW - timedelta(hours=4)),
                    ("missed:C-2026-0007:x", NOW - timedelta(hours=3)),
                    ("reminder:C-2026-0007:1", NOW - timedelta(hours=30))):
        s.db.execute("update outbox set status = 'done', done_at = ? where effect_key = ?",
                     [iso(at), key])
    return s


def _ctx(lang: str, digest: dict[str, Any]) -> dict[str, Any]:
    """What Service._context(None, now) gives, plus `digest` (as tests/test_templates.py)."""
    return {
        "seller_name": "Boutique <Durand> & Fils", "bot_name": "SellerBot", "tag": "SB",
        "tz": TZ, "lang": lang, "now": NOW, "link_mode": "notify", "case": None,
        "time_left": "", "flags": [], "suggest_keep_item": False, "results": [], "errors": [],
        "help": "Commands (one per line):\n  HELP  this help\n", "reason": "", "cases": [],
        "link_url": None, "role": None, "digest": digest,
    }


# ---------------------------------------------------------------------------- digest data
def test_numbering_overdue_first_then_by_deadline(store: Store) -> None:
    d = build_digest(store, NOW, TZ)
    assert d.numbering == {1: "C-2026-0007", 2: "M-2026-0042", 3: "R-2026-0101",
                           4: "R-2026-0102"}
    assert [c["number"] for c in d.open_cases] == [1, 2, 3, 4]
    first, second = d.open_cases[0], d.open_cases[1]
    assert first["overdue"] is True and first["deadline"] == D_CLAIM
    assert first["awaiting"] == "appeal" and first["time_left"]["fr"] == "en retard de 3 h"
    assert second["overdue"] is False and second["awaiting"] == "reply_buyer"
    assert second["time_left"]["en"] == "in 21 h" and second["order_id"] is None
    assert {c["awaiting"] for c in d.open_cases[2:]} == {"decide_return"}
    assert d.open_cases[2]["title"] == "Lampe de bureau"
    assert all(c["deadline"].tzinfo is not None for c in d.open_cases)
    assert "R-2026-0100" not in d.numbering.values()
    assert open_case_rows(store, NOW) == d.open_cases


def test_overdue_cases_sorted_most_overdue_first(tmp_path: Path) -> None:
    s = Store(tmp_path / "o.db")
    for ref, hours in (("R-2026-0001", -1), ("R-2026-0002", -30), ("R-2026-0003", 5)):
        _case(s, ref, "return", "return_requested", deadline=NOW + timedelta(hours=hours),
              opened=NOW - timedelta(days=2))
    rows = open_case_rows(s, NOW)
    assert [(r["number"], r["ref"], r["overdue"]) for r in rows] == [
        (1, "R-2026-0002", True), (2, "R-2026-0001", True), (3, "R-2026-0003", False)]


def test_done_last_24h(store: Store) -> None:
    done = build_digest(store, NOW, TZ).done_last_24h
    got = [(e["what"], e["ref"]) for e in done]
    assert got == [
        ("transition", "C-2026-0007"),  # -5 h, Amazon granted the claim
        ("reminder", "R-2026-0101"),  # -4 h
        ("opened", "M-2026-0042"),  # -3 h
        ("missed_alert", "C-2026-0007"),  # -3 h, the email after the change
        ("link", "R-2026-0100"),  # -2 h, with the transition it caused
        ("command", "R-2026-0100"),  # -1 h, FAIT
        ("link", "R-2026-0102"),  # -30 min, failed
    ]
    link = done[4]
    assert link["ok"] is True and link["role"] == "authorize"
    assert link["to_state"] == "return_authorized"
    assert done[5]["command"] == "done" and done[5]["to_state"] == "return_closed"
    assert done[6]["ok"] is False and done[6]["role"] == "close"
    assert done[0]["from_state"] == "claim_filed" and done[0]["to_state"] == "claim_granted"
    assert [e["at"] for e in done] == sorted(e["at"] for e in done)
    assert all(NOW - timedelta(hours=24) < e["at"] <= NOW for e in done)


def test_claims_and_debits_this_month(store: Store) -> None:
    d = build_digest(store, NOW, TZ)
    # C-0007, C-0008 (1 Nov 00:30 Paris), C-0009 this month; C-0005 and C-0004 last month
    assert d.claims_this_month == 3
    assert d.debited_this_month == [
        {"currency": "EUR", "value": 129.5, "claims": 1},
        {"currency": "GBP", "value": 12.0, "claims": 1},
    ]
    # In UTC the 31 Oct 23:30 claim is last month's, and the month starts an hour later.
    assert build_digest(store, NOW, "UTC").claims_this_month == 2
    # Next month: nothing debited yet.
    december = build_digest(store, datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc), TZ)
    assert december.claims_this_month == 0 and december.debited_this_month == []


def test_debits_summed_per_currency(tmp_path: Path) -> None:
    s = Store(tmp_path / "d.db")
    for i, (value, cur) in enumerate(((10.1, "EUR"), (20.2, "EUR"), (5.0, "SEK"))):
        c = _case(s, f"C-2026-00{i + 10}", "claim", "claim_granted",
                  deadline=NOW + timedelta(days=20), opened=NOW - timedelta(days=1),
                  amount={"value": value, "currency": cur})
        _event(s, c, NOW - timedelta(hours=1), "claim_decided", "claim_filed", "claim_granted")
    nothing = _case(s, "C-2026-0020", "claim", "claim_granted", deadline=None,
                    opened=NOW - timedelta(days=1))  # no amount known: not summed
    _event(s, nothing, NOW - timedelta(hours=1), "claim_decided", "claim_filed", "claim_granted")
    d = build_digest(s, NOW, TZ)
    assert d.debited_this_month == [{"currency": "EUR", "value": 30.3, "claims": 2},
                                    {"currency": "SEK", "value": 5.0, "claims": 1}]
    assert d.claims_this_month == 4


def test_naive_now_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        build_digest(store, NOW.replace(tzinfo=None), TZ)
    with pytest.raises(ValueError):
        calendar_ics([], NOW.replace(tzinfo=None), TZ)


# ---------------------------------------------------------------------------- templates
KEYWORDS_FR = ("AUTORISER 1 3", "AUTORISER TOUT", "FAIT 2")
KEYWORDS_EN = ("AUTHORIZE 1 3", "AUTHORIZE ALL", "DONE 2")
FRENCH_ONLY = ("AUTORISER", "TOUT", "FAIT", "CLORE", "REPORTER", "STATUT", "AIDE", "IGNORER")


@pytest.mark.parametrize("loc", LOCALES)
def test_digest_templates_render(store: Store, loc: str) -> None:
    d = build_digest(store, NOW, TZ).to_context()
    subject, text, html = RENDERER.render_parts("digest", loc, _ctx(loc, d))
    assert "\n" not in subject and subject.startswith("[SB] ")
    assert " 4 " in subject and _fmt_dt(D_CLAIM, TZ) in subject and "20/11 06:00" in subject
    raw_subject = RENDERER.env_for(loc).get_template("digest.subject.j2").render(**_ctx(loc, d))
    assert "\n" not in raw_subject.strip()
    for part in (text, html):
        assert "None" not in part and "Undefined" not in part
        for c in d["open_cases"][:3]:
            assert c["ref"] in part
            assert c["time_left"][loc] in part
            assert _fmt_dt(c["deadline"], TZ) in part
        for e in d["done_last_24h"]:
            assert e["ref"] in part
        for kw in (KEYWORDS_FR if loc == "fr" else KEYWORDS_EN):
            assert kw in part, kw
        assert "sellerbot-deadlines.ics" in part
    # numbered, in order of time left
    lines = [line.strip() for line in text.splitlines()]
    numbered = [line.split(".", 1)[0] for line in lines if line[:2] in ("1.", "2.", "3.", "4.")]
    assert numbered == ["1", "2", "3", "4"]
    assert text.index("C-2026-0007") < text.index("M-2026-0042") < text.index("R-2026-0101")
    money = "129.50 EUR" if loc == "en" else "129,50 EUR"
    assert money in text and money in html
    assert ("12.00 GBP" if loc == "en" else "12,00 GBP") in text
    assert re.search(r": 3$", text, re.M)  # claims this month
    if loc != "fr":
        for word in FRENCH_ONLY:
            assert word not in text and word not in html, word
    # HTML: a real document in the seller's language, order ids escaped
    assert html.lstrip().startswith("<!DOCTYPE html>") and f'lang="{loc}"' in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<strong>1</strong>" in html and "<strong>4</strong>" in html
    assert "color:#b00020" in html  # the overdue row


@pytest.mark.parametrize("loc", LOCALES)
def test_empty_digest_renders(tmp_path: Path, loc: str) -> None:
    d = build_digest(Store(tmp_path / "e.db"), NOW, TZ)
    assert d.open_cases == [] and d.numbering == {} and d.debited_this_month == []
    subject, text, html = RENDERER.render_parts("digest", loc, _ctx(loc, d.to_context()))
    assert subject.startswith("[SB] ") and "\n" not in subject
    assert "None" not in text and "sellerbot-deadlines.ics" not in text
    assert ("STATUT" if loc == "fr" else "STATUS") in text
    assert html.lstrip().startswith("<!DOCTYPE html>") and f'lang="{loc}"' in html


# ---------------------------------------------------------------------------- calendar
def _events(ics: bytes) -> list[icalendar.Event]:
    cal = icalendar.Calendar.from_ical(ics)
    return list(cal.walk("VEVENT"))


def test_calendar_one_event_per_open_deadline(store: Store) -> None:
    rows = open_case_rows(store, NOW)
    ics = calendar_ics(rows, NOW, TZ, lang="fr", bot_name="SellerBot")
    cal = icalendar.Calendar.from_ical(ics)
    assert str(cal["method"]) == "PUBLISH" and str(cal["version"]) == "2.0"
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == [TZ]
    events = _events(ics)
    assert len(events) == len(rows) == 4
    for ev, row in zip(events, rows):
        start = ev.decoded("dtstart")
        assert start == row["deadline"]
        assert start.tzinfo is not None and str(start.tzinfo) == TZ
        assert ev["dtstart"].params["TZID"] == TZ
        assert ev.decoded("duration") == timedelta(minutes=15)
        assert ev.decoded("dtstamp") == NOW
        assert str(ev["uid"]) == event_uid(row["ref"], row["deadline"])
        assert str(ev["x-sellerbot-ref"]) == row["ref"]
        if row["order_id"]:
            assert row["order_id"] in str(ev["summary"])
        assert row["ref"] in str(ev["description"])
        triggers = sorted(a.decoded("trigger") for a in ev.walk("VALARM"))
        assert triggers == [timedelta(hours=-24), timedelta(hours=-2)]
        assert all(str(a["action"]) == "DISPLAY" for a in ev.walk("VALARM"))
    assert "Faire appel" in str(events[0]["summary"])
    assert "Décider du retour" in str(events[2]["summary"])
    assert "AUTORISER" in str(events[2]["description"])
    assert "SellerBot" in str(events[2]["description"])


def test_calendar_uids_stable_and_distinct(store: Store) -> None:
    rows = open_case_rows(store, NOW)
    first = calendar_ics(rows, NOW, TZ)
    later = NOW + timedelta(hours=5)
    second = calendar_ics(open_case_rows(store, later), later, TZ)
    uids1 = [str(e["uid"]) for e in _events(first)]
    uids2 = [str(e["uid"]) for e in _events(second)]
    assert uids1 == uids2 and len(set(uids1)) == len(uids1)
    assert calendar_ics(rows, NOW, TZ) == first  # same input, same bytes
    # a new deadline for the same case is a new event
    moved = [{**rows[0], "deadline": rows[0]["deadline"] + timedelta(days=1)}]
    assert str(_events(calendar_ics(moved, NOW, TZ))[0]["uid"]) not in uids1


def test_calendar_utc_alarms_languages_and_skips(store: Store) -> None:
    rows = open_case_rows(store, NOW)
    rows.append({**rows[0], "ref": "C-2026-0999", "deadline": None})
    ics = calendar_ics(rows, NOW, "UTC", alarms_hours=(48, 1.5), prodid_domain="shop.example",
                       lang="de")
    cal = icalendar.Calendar.from_ical(ics)
    assert cal.walk("VTIMEZONE") == []
    assert "shop.example" in str(cal["prodid"])
    events = _events(ics)
    assert len(events) == 4  # the case without a deadline has no event
    for ev, row in zip(events, rows):
        start = ev.decoded("dtstart")
        assert start == row["deadline"] and start.utcoffset() == timedelta(0)
        assert str(ev["uid"]).endswith("@shop.example")
        assert sorted(a.decoded("trigger") for a in ev.walk("VALARM")) == [
            timedelta(hours=-48), timedelta(minutes=-90)]
    assert "Bestellung" in str(events[0]["summary"])
    assert "AUTHORIZE" in str(events[2]["description"])
    assert "AUTORISER" not in str(events[2]["description"])


def test_calendar_across_dst(tmp_path: Path) -> None:
    """A deadline after the October change keeps its wall time in the seller's zone."""
    s = Store(tmp_path / "dst.db")
    deadline = datetime(2026, 10, 26, 10, 0, tzinfo=ZoneInfo(TZ))  # CET, after the change
    now = datetime(2026, 10, 24, 8, 0, tzinfo=timezone.utc)  # CEST
    _case(s, "R-2026-0200", "return", "return_requested", deadline=deadline,
          opened=now - timedelta(days=1))
    (ev,) = _events(calendar_ics(open_case_rows(s, now), now, TZ))
    assert ev.decoded("dtstart") == deadline
    assert ev.decoded("dtstart").astimezone(ZoneInfo(TZ)).hour == 10
    assert calendar_ics([], now, TZ).count(b"BEGIN:VEVENT") == 0
