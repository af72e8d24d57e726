"""Every shipped template, in every locale, renders with realistic contexts and is safe.

StrictUndefined makes any variable a template uses but the service does not provide an error.
Buyer-supplied text (comment, message) must come out escaped in HTML and never reach a header.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from email.headerregistry import Address
from typing import Any

import jinja2
import pytest

from bot.core.commands import notice_actions
from bot.edges.render import LOCALES, Renderer, _fmt_dt

TZ = "Europe/Paris"
NOW = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)
DEADLINE = datetime(2026, 11, 23, 9, 14, tzinfo=timezone.utc)
XSS = '<script>alert(1)</script> "& co'
INJECT = "Great product\r\nBcc: evil@example.com\r\n\r\nhello"
# command_result's HTML is the text part in the layout: its many result kinds stay in one place.
HAND_WRITTEN_HTML = ("new_case", "reminder")
CASE_TEMPLATES = ("new_case", "reminder", "missed")
MAILBOX_WIDE = ("catch_up", "catch_up_reminders", "digest", "ship_list")  # about several cases at once: no single ref in the subject

ITEM = {"title": "Lampe de bureau LED <Pro> & co", "asin": "B0ABCDEF12", "sku": "LAMP-01",
        "qty": 2, "price": {"value": 39.9, "currency": "EUR"}}


def _case(ref: str, kind: str, state: str, **data: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 7, "ref": ref, "kind": kind, "state": state, "order_id": "405-1234567-7654321",
        "marketplace": "amazon.fr", "language": "fr", "opened_at": "2026-11-20T08:00:00+00:00",
        "items": [], "reason": None, "reason_normalized": None, "customer_comment": None,
        "amount": None, "links": {}, "policy_status": None, "message_text": None,
        "buyer_name": None, "decision": None, "subject": "", "thread_root": None,
        "deadline": DEADLINE, "deadline_soft": None, "prior_returns": [],
    }
    base.update(data)
    return base


def _cases() -> dict[str, dict[str, Any]]:
    return {
        "return": _case("R-2026-0101", "return", "return_requested",
                        items=[ITEM, {"title": None, "asin": "B0ZZZZZZZZ", "sku": None,
                                      "qty": None, "price": None}],
                        reason="Defective", customer_comment=XSS,
                        deadline_soft=DEADLINE - timedelta(days=1),
                        links={"authorize": "https://sellercentral.amazon.fr/returns/a?x=1&y=2",
                               "close": "https://sellercentral.amazon.fr/returns/c"}),
        "claim_info": _case("C-2026-0007", "claim", "claim_info_requested",
                            items=[ITEM], reason="Item not received",
                            amount={"value": 129.5, "currency": "EUR"},
                            links={"respond": "https://sellercentral.amazon.fr/claims/r?id=9"}),
        "claim_granted": _case("C-2026-0008", "claim", "claim_granted",
                               amount={"value": 12.0, "currency": "GBP"},
                               links={"appeal": "https://sellercentral.amazon.fr/claims/ap"}),
        "message": _case("M-2026-0042", "message", "message_awaiting_reply",
                         message_text="Bonjour,\nwhere is my parcel?\n" + XSS,
                         buyer_name="Jean"),
        "message_risky": _case("M-2026-0043", "message", "message_awaiting_reply",
                               message_text="Je n'ai pas reçu ma commande " + XSS,
                               claim_risks=["not_received", "refund", "return"],
                               order_tracking=XSS, order_carrier="Colissimo"),
        "message_return": _case("M-2026-0044", "message", "message_awaiting_reply",
                                message_text="retourner " + XSS, claim_risks=["not_received"],
                                order_tracking=None, order_carrier=None),
        "settled": _case("R-2026-0100", "return", "return_authorized", deadline=None),
        "no_order": _case("C-2026-0009", "claim", "claim_filed", order_id=None,
                          marketplace=None, deadline=None),
    }


def _results() -> list[dict[str, Any]]:
    url = "https://sellercentral.amazon.fr/returns/a?x=1&y=2"
    return [
        {"command": "authorize", "ok": True, "text": "link_ok", "url": url, "detail": 200},
        {"command": "authorize", "ok": False, "text": "link_failed", "url": url,
         "detail": "HTTP 500"},
        {"command": "authorize", "ok": True, "text": "click", "url": url},
        {"command": "close", "ok": True, "text": "close_click",
         "url": "https://sellercentral.amazon.fr/returns/c", "reason": "policy",
         "message": XSS},
        {"command": "close", "ok": True, "text": "close_click",
         "url": "https://sellercentral.amazon.fr/returns/c", "reason": "", "message": ""},
        {"command": "done", "ok": True, "text": "state", "state": "return_closed"},
        {"command": "ignore", "ok": True, "text": "state",
         "state": "message_no_response_needed"},
        {"command": "snooze", "ok": True, "text": "snoozed",
         "until": NOW + timedelta(hours=2)},
        {"command": "status", "ok": True, "text": "status", "cases": [
            {"ref": "R-2026-0101", "kind": "return", "state": "return_requested",
             "order_id": "405-1234567-7654321", "deadline": DEADLINE},
            {"ref": "M-2026-0042", "kind": "message", "state": "message_awaiting_reply",
             "order_id": None, "deadline": None},
        ]},
        {"command": "status", "ok": True, "text": "status", "cases": []},
        {"command": "help", "ok": True, "text": "help"},
        {"command": "authorize", "ok": False, "text": "not_pending", "state": "claim_granted"},
        {"command": "authorize", "ok": False, "text": "no_link"},
        {"command": "done", "ok": False, "text": "no_case"},
        {"command": "claim_answer", "ok": False, "text": "not_available"},
        *_shipped_results(),
    ]


def _shipped_results() -> list[dict[str, Any]]:
    """EXPÉDIÉ answers (bot.flows.shipments): recorded with every note, and each refusal."""
    base = {"command": "shipped", "order_id": "405-1234567-7654321", "known": True,
            "url": "https://sellercentral.amazon.fr/orders-v3/order/405-1234567-7654321/"
                   "confirm-shipment", "tracking": "1Z999AA10123456784", "carrier": "UPS",
            "carrier_given": XSS, "check_kind": "ups", "candidates": ["GLS", "DPD"],
            "signature": False, "buy_shipping": True, "missing": ["signature"], "late": True,
            "already": True, "signature_needed": True,
            "ship_by": "lundi 23 novembre 2026 à 10:14"}
    out = [{**base, "ok": True, "text": "ship_recorded"},
           {**base, "ok": True, "text": "ship_recorded", "known": False, "missing": [],
            "late": False, "already": False, "buy_shipping": False, "check_kind": "format"}]
    out += [{**base, "ok": False, "text": "ship_refused", "why": why, "carrier": carrier}
            for why, carrier in (("empty", None), ("unknown_carrier", None),
                                 ("bad_format", None), ("bad_format", "GLS"),
                                 ("bad_check_digit", "UPS"), ("ambiguous", None))]
    oos = {"command": "out_of_stock", "order_id": "405-1234567-7654321", "known": True,
           "lang": "de", "message": "Guten Tag,\n" + XSS, "ok": True,
           "cancel_url": "https://sellercentral.amazon.fr/orders-v3/order/405-1234567-7654321/"
                         "cancel-order"}
    out += [{**oos, "text": "oos_draft", "code": "A1B2C3", "relay": True},
            {**oos, "text": "oos_draft", "code": "A1B2C3", "relay": False},
            {**oos, "text": "oos_sent", "to": "k7…@marketplace.amazon.de"},
            {**oos, "text": "oos_paste", "why": "no_relay",
             "url": "https://sellercentral.amazon.fr/messaging/contact?orderID=405-1"},
            {**oos, "text": "oos_paste", "why": "no_sender", "url": "https://x.example/c"},
            {**oos, "ok": False, "text": "guardrail", "violations": ["lien externe", XSS]}]
    return out


def _ship_lists() -> list[dict[str, Any]]:
    """`ship` as bot.flows.shipments builds it: a morning list, and a reminder with late orders only."""
    def order(n: int, hours: float, signature: bool) -> dict[str, Any]:
        oid = f"405-123456{n}-765432{n}"
        return {"order_id": oid, "marketplace": "amazon.fr", "ship_by": NOW + timedelta(hours=hours),
                "items": [ITEM, {"title": None, "asin": "B0ZZZZZZZZ", "sku": None, "qty": None,
                                 "price": None}],
                "value": {"value": 199.0, "currency": "EUR"}, "signature": signature,
                "confirm_url": f"https://sellercentral.amazon.fr/orders-v3/order/{oid}/"
                               "confirm-shipment"}
    due, late = [order(1, 10, True), order(2, 12, False)], [order(3, -20, False)]
    return [{"slot": "morning", "due": due, "late": late, "count": 3, "first": due[0],
             "signature_any": True},
            {"slot": "reminder", "due": [], "late": late, "count": 1, "first": late[0],
             "signature_any": False}]


def _digests() -> list[dict[str, Any]]:
    """`digest` as bot.flows.digest.Digest.to_context() gives it: full, and empty."""
    def row(number: int, ref: str, kind: str, state: str, awaiting: str, hours: float,
            order_id: str | None) -> dict[str, Any]:
        deadline = NOW + timedelta(hours=hours)
        return {"number": number, "ref": ref, "kind": kind, "state": state,
                "order_id": order_id, "marketplace": "amazon.fr", "deadline": deadline,
                "overdue": hours <= 0, "awaiting": awaiting, "minutes_left": int(hours * 60),
                "time_left": {loc: f"{hours} h" for loc in LOCALES}, "title": XSS,
                "amount": None, "uncertain": False}
    open_cases = [
        row(1, "C-2026-0007", "claim", "claim_granted", "appeal", -3, XSS),
        row(2, "M-2026-0042", "message", "message_awaiting_reply", "reply_buyer", 21, None),
        row(3, "R-2026-0101", "return", "return_requested", "decide_return", 73.25,
            "405-1234567-7654321"),
        row(4, "C-2026-0008", "claim", "claim_info_requested", "answer_claim", 90, "405-1"),
    ]
    at = NOW - timedelta(hours=2)
    base = {"at": at, "ref": "R-2026-0101", "order_id": "405-1234567-7654321",
            "case_kind": "return", "from_state": None, "to_state": None, "command": None,
            "role": None, "ok": True}
    done = [
        {**base, "what": "opened", "to_state": "return_requested"},
        {**base, "what": "transition", "from_state": "claim_filed", "to_state": "claim_granted",
         "order_id": XSS},
        {**base, "what": "link", "role": "authorize", "to_state": "return_authorized"},
        {**base, "what": "link", "role": "close", "ok": False},
        {**base, "what": "reminder", "order_id": None},
        {**base, "what": "missed_alert"},
        {**base, "what": "command", "command": "done", "from_state": "return_authorized",
         "to_state": "return_closed"},
    ]
    return [
        {"open_cases": open_cases, "done_last_24h": done, "claims_this_month": 3,
         "debited_this_month": [{"currency": "EUR", "value": 129.5, "claims": 2},
                                {"currency": "GBP", "value": 12.0, "claims": 1}],
         "numbering": {c["number"]: c["ref"] for c in open_cases}, "total_open": 4,
         "overdue_total": 1, "more_by_kind": [], "more_count": 0, "done_more": 0,
         "attachment": "sellerbot-deadlines.ics"},
        # a large shop: the most urgent in full, the rest counted, the list attached
        {"open_cases": open_cases[:2], "done_last_24h": done, "claims_this_month": 3,
         "debited_this_month": [], "numbering": {c["number"]: c["ref"] for c in open_cases},
         "total_open": 1002, "overdue_total": 1,
         "more_by_kind": [{"awaiting": "decide_return", "count": 900},
                          {"awaiting": "answer_claim", "count": 100}],
         "more_count": 1000, "done_more": 1, "attachment": "sellerbot-cases.zip"},
        {"open_cases": [], "done_last_24h": [], "claims_this_month": 0,
         "debited_this_month": [], "numbering": {}, "total_open": 0, "overdue_total": 0,
         "more_by_kind": [], "more_count": 0, "done_more": 0, "attachment": None},
    ]


def _health() -> dict[str, Any]:
    """`health` as bot.flows.health.digest_health gives it (a figure with no data, a crossed one
    naming 12 orders, one near its target)."""
    def fig(metric: str, value: float | None, kind: str, target: float, warning: str | None,
            names: list[str]) -> dict[str, Any]:
        return {"metric": metric, "value": value, "target": target, "target_kind": kind,
                "count": len(names), "of": 20 if value is not None else 0,
                "warning": warning, "names": names}
    figures = [fig("late_shipment", 0.25, "max", 0.04, "crossed",
                   [XSS] + [f"405-000000{n}-000000{n}" for n in range(11)]),
               fig("valid_tracking", 0.96, "min", 0.95, "near", ["405-1"]),
               fig("response_24h", None, "min", 0.9, None, []),
               fig("order_defect", 0.0, "max", 0.01, None, [])]
    window = {"days": 7, "orders": 20, "claims_open": ["405-1"], "claims_lost": [],
              "figures": figures}
    return {"windows": [window, {**window, "days": 30}], "warnings": []}


def _context(lang: str, case: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "seller_name": "Boutique <Durand> & Fils", "bot_name": "SellerBot", "tag": "SB",
        "tz": TZ, "lang": lang, "now": NOW, "link_mode": "notify", "case": case,
        "time_left": "dans 3 j 1 h" if case and case.get("deadline") else "",
        "flags": [], "suggest_keep_item": False, "results": [], "errors": [],
        "help": "Commands (one per line):\n  AUTHORIZE  authorize the return\n  HELP  this help\n",
        "reason": "", "cases": [], "link_url": None, "role": None, "recommend": None,
        "limited": None,
        "actions": notice_actions(case["state"], "notify", case.get("links") or {},
                                  suggest_keep_item=bool(extra.get("suggest_keep_item")))
        if case else [],
    }
    ctx.update(extra)
    return ctx


def _contexts(name: str, lang: str) -> list[dict[str, Any]]:
    """Every context the service can build for template `name` (see BotService)."""
    cases = _cases()
    if name == "digest":
        return [_context(lang, None, digest=d) for d in _digests()] + [
            _context(lang, None, digest=_digests()[1], health=_health())]
    if name == "ship_list":
        return [_context(lang, None, ship=ship) for ship in _ship_lists()]
    if name == "catch_up_reminders":  # as bot.flows.reminders.DueCases yields them
        rows = [{**c, "number": n, "overdue": n == 1,
                 "time_left": "en retard de 2 h" if n == 1 else "dans 3 j 1 h"}
                for n, c in enumerate((cases["claim_granted"], cases["message"],
                                       cases["return"]), start=1)]
        rows[0]["order_id"] = XSS
        return [_context(lang, None, cases=rows, count=len(rows), late=1, first=rows[0]),
                _context(lang, None, cases=rows[2:], count=1, late=0, first=rows[2])]
    if name == "intake_down":
        return [_context(lang, None, minutes=42, mailbox="ventes@imap.example.net",
                         reason="ConnectionRefusedError: " + XSS)]
    if name == "alert":
        return [_context(lang, None, reason=r, alert_kind=k, alert_subject=XSS,
                         alert_from="no-reply@amazon.fr")
                for k, r in (("suspicious", "dmarc=fail"), ("unknown", "unrecognized"))]
    if name == "command_refused":
        return [_context(lang, None, reason=r)
                for r in ("token_expired", "dmarc", "token_missing", "token_bad_mac")]
    if name == "command_result":
        return [
            _context(lang, cases["return"], results=_results(),
                     errors=["Ligne 2 : commande inconnue / Line 2: unknown command <x>"]),
            _context(lang, None, results=[], errors=["empty"]),
            _context(lang, None, results=_results()[8:11], errors=[]),
            _context(lang, cases["return"], results=_results()[:2], errors=[],
                     limited="thread"),
            _context(lang, None, results=[], errors=["empty"], limited="sender"),
            _context(lang, cases["no_order"], results=[], errors=["empty"]),
        ]
    if name == "auto_action":
        return [_context(lang, cases["return"], results=[]),
                _context(lang, cases["return"], recommend={
                    "url": cases["return"]["links"]["authorize"]}),
                _context(lang, cases["return"], recommend={"url": None}),
                _context(lang, cases["return"], results=_results()[:2]),
                _context(lang, cases["return"], results=[
                    {"command": "authorize", "ok": False, "text": "link_failed",
                     "url": "https://x.example/a", "detail": None}])]
    if name == "uncertain":
        return [_context(lang, c, link_url=c["links"].get("authorize", "https://x.example/l"),
                         role="authorize") for c in (cases["return"], cases["claim_info"])]
    if name == "reminder":
        return [_context(lang, c, last=last)
                for c in cases.values() if c["deadline"] for last in (False, True)]
    if name == "new_case":
        open_cases = [c for c in cases.values() if c["deadline"]]
        return [_context(lang, c) for c in open_cases] + [
            _context(lang, cases["return"], suggest_keep_item=True, flags=["high_value"]),
            _context(lang, dict(cases["return"], prior_returns=["R-2026-0003", "R-2026-0007"],
                                policy_status="out_of_policy",
                                policy_remark="délai de retour dépassé <b>"))]
    if name == "missed":  # only sent when a deadline has passed
        return [_context(lang, c, time_left="en retard de 2 h")
                for c in cases.values() if c["deadline"]]
    # info and any template added later: every case shape
    return [_context(lang, c) for c in cases.values()]


RENDERER = Renderer()
ALL = [(loc, name) for loc in LOCALES for name in RENDERER.template_names(loc)]


def _param(loc: str, name: str) -> Any:
    return pytest.param(loc, name, id=f"{loc}-{name}")


def test_every_locale_has_the_french_template_set() -> None:
    fr = set(RENDERER.template_names("fr"))
    for loc in LOCALES:
        assert set(RENDERER.template_names(loc)) == fr, loc
        for partial in ("_macros.j2", "_layout.html.j2"):
            RENDERER.env_for(loc).get_template(partial)
        for name in HAND_WRITTEN_HTML:
            RENDERER.env_for(loc).get_template(f"{name}.html.j2")


def test_every_template_compiles() -> None:
    bad = []
    for loc in LOCALES:
        env = RENDERER.env_for(loc)
        for tname in env.list_templates(extensions=["j2"]):
            try:
                env.get_template(tname)
            except jinja2.TemplateSyntaxError as exc:
                bad.append(f"{tname}: {exc}")
    assert not bad


@pytest.mark.parametrize(("loc", "name"), [_param(loc, n) for loc, n in ALL])
def test_renders(loc: str, name: str) -> None:
    for ctx in _contexts(name, loc):
        before = copy.deepcopy(ctx)
        subject, text, html = RENDERER.render_parts(name, loc, ctx)
        assert ctx == before
        assert subject and "\n" not in subject and "\r" not in subject
        raw_subject = RENDERER.env_for(loc).get_template(f"{name}.subject.j2").render(**ctx)
        assert "\n" not in raw_subject.strip(), raw_subject
        assert text.strip() and "None" not in text, text
        assert "Undefined" not in text and "Undefined" not in html
        assert html.lstrip().startswith("<!DOCTYPE html>")
        assert f'lang="{loc}"' in html
        assert "<script>" not in html
        if XSS in text:
            assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&amp; co" in html
        case = ctx["case"]
        if case is not None and name not in MAILBOX_WIDE:
            assert case["ref"] in subject
        if name == "catch_up_reminders":  # the most urgent case's order and deadline
            assert ctx["first"]["order_id"] in subject or "\n" in ctx["first"]["order_id"]
            assert _fmt_dt(ctx["first"]["deadline"], TZ) in subject
            assert all(c["ref"] in text for c in ctx["cases"])
        if name in CASE_TEMPLATES:
            assert case["order_id"] in subject
            assert _fmt_dt(case["deadline"], TZ) in subject
            assert "23/11 10:14" in subject
        if name in HAND_WRITTEN_HTML and case is not None and case["deadline"]:
            assert "<strong>" in html and "10:14</strong>" in html


@pytest.mark.parametrize("loc", [loc for loc in LOCALES])
@pytest.mark.parametrize("name", HAND_WRITTEN_HTML)
def test_hand_written_html_escapes_buyer_text(loc: str, name: str) -> None:
    """Rendered on its own, without the text part."""
    template = RENDERER.env_for(loc).get_template(f"{name}.html.j2")
    for ctx in _contexts(name, loc):
        html = template.render(**ctx)
        assert "<script>" not in html
        assert '"& co' not in html
        assert "{{" not in html and "{%" not in html
        case = ctx["case"]
        if name != "command_result" and case is not None:
            assert "<table" in html
            if case.get("customer_comment") or case.get("message_text"):
                assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;&amp; co" in html
            if case["state"] == "return_requested":
                for keyword in (("AUTORISER", "CLORE", "FAIT", "REPORTER") if loc == "fr"
                                else ("AUTHORIZE", "CLOSE", "DONE", "SNOOZE 2h")):
                    assert keyword in html, keyword
        if name == "command_result" and any(r.get("message") for r in ctx["results"]):
            assert "&lt;script&gt;" in html  # the CLOSE message to the buyer
            # links keep their query string, escaped as an attribute should be
            assert 'href="https://sellercentral.amazon.fr/returns/a?x=1&amp;y=2"' in html


@pytest.mark.parametrize("loc", [loc for loc in LOCALES if loc != "fr"])
def test_english_keywords_in_other_locales(loc: str) -> None:
    ctx = _context(loc, _cases()["return"])
    _, text, html = RENDERER.render_parts("new_case", loc, ctx)
    for keyword in ("AUTHORIZE", "CLOSE", "DONE", "SNOOZE 2h", "STATUS", "HELP"):
        assert keyword in text and keyword in html, keyword
    for french in ("AUTORISER", "CLORE", "FAIT", "REPORTER", "STATUT", "AIDE", "IGNORER"):
        assert french not in text, french
    ctx = _context(loc, _cases()["message"])
    _, text, _ = RENDERER.render_parts("reminder", loc, {**ctx, "last": False})
    assert "IGNORE" in text and "DONE" in text


@pytest.mark.parametrize("loc", [loc for loc in LOCALES if loc != "fr"])
def test_missing_optional_data_is_not_an_error(loc: str) -> None:
    """A case whose data lacks links or optional fields (old rows) still renders."""
    for state, kind in (("claim_info_requested", "claim"), ("claim_granted", "claim"),
                        ("return_requested", "return")):
        case = _case("C-2026-0001", kind, state)
        for key in ("reason", "customer_comment", "amount", "message_text"):
            del case[key]
        for name in ("new_case", "reminder", "missed", "info"):
            RENDERER.render_parts(name, loc, _context(loc, case, last=True))


@pytest.mark.parametrize("loc", LOCALES)
def test_header_injection_through_buyer_text(loc: str) -> None:
    case = _case("R-2026-0102", "return", "return_requested", customer_comment=INJECT,
                 reason=INJECT, message_text=INJECT, items=[ITEM])
    ctx = _context(loc, case, last=False)
    for name in ("new_case", "reminder", "missed", "info"):
        msg = RENDERER.email(name, loc, ctx,
                             sender=Address("SellerBot", "bot", "example.com"),
                             to=["seller@example.com"], message_id="<x1@example.com>",
                             date=NOW, reply_to="bot+tok@example.com")
        assert msg["Bcc"] is None
        assert "\r" not in msg["Subject"] and "\n" not in msg["Subject"]
        assert "evil@example.com" not in msg["Subject"]
        raw = msg.as_string()
        head = raw.split("\n\n", 1)[0]
        assert "Bcc:" not in head and "evil@example.com" not in head
        assert [k for k in msg.keys() if k.lower() == "bcc"] == []
        for part in msg.walk():
            assert part["Bcc"] is None


@pytest.mark.parametrize("loc", [loc for loc in LOCALES if loc != "fr"])
def test_subject_injection_through_case_fields(loc: str) -> None:
    case = _case("R-2026-0103", "return", "return_requested",
                 order_id="405-1\r\nBcc: evil@example.com")
    msg = RENDERER.email("new_case", loc, _context(loc, case),
                         sender=Address("SellerBot", "bot", "example.com"),
                         to=["seller@example.com"], message_id="<x2@example.com>", date=NOW)
    assert msg["Bcc"] is None
    assert "\r" not in msg["Subject"] and "\n" not in msg["Subject"]
