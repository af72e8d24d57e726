"""Golden outputs of every seller and buyer message, in every shipped language.

Run once, from the project root, BEFORE a change to the templates that must not change a word:
    PYTHONPATH=$PWD python3 tests/golden/make_golden.py
It renders every template name in every locale with the contexts below (those of
tests/test_templates.py, tests/test_buyer_templates.py and tests/test_drafts.py, plus the
branches they leave out: a cancellation request, a forwarded notice to confirm, a claim draft
with and without a draft, link or case) and writes tests/golden/<locale>/<name>.golden.
tests/test_golden.py then compares each rendering with its file byte for byte. The files
committed first were generated from the per-locale templates (templates/<locale>/), before the
templates became one set with translation catalogs: they are what the seller read then. One
change was regenerated deliberately, before the move: en/de/it/es uncertain.golden, where a case
with no role read "(NONE)" and now reads "(?)" as French always did.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.core.drafts import appeal_draft, claim_answer_draft
from bot.edges.render import LOCALES, Renderer, long_date

GOLDEN = Path(__file__).resolve().parent
SEPARATOR = "\n\u2063==== {index} {part} ====\n"  # an invisible separator no template writes


def _extra_cases() -> list[dict[str, Any]]:
    from tests.test_templates import DEADLINE, ITEM, XSS, _case
    return [
        _case("O-2026-0003", "order", "cancel_requested", items=[ITEM],
              message_text="Annulez svp " + XSS, buyer_name="Ana",
              links={"cancel_order": "https://sellercentral.amazon.fr/orders-v3/c?o=1&x=2",
                     "details": "https://sellercentral.amazon.fr/orders-v3/order/405-1"}),
        _case("R-2026-0104", "return", "return_requested", items=[ITEM],
              policy_status="in_policy", reason="No longer needed",
              links={"details": "javascript:alert(1)"}),
        _case("M-2026-0045", "message", "message_awaiting_reply",
              message_text="refund " + XSS, claim_risks=["refund", "return", "not_received"],
              order_tracking="6A12345678901", order_carrier=None, deadline=DEADLINE),
        _case("C-2026-0010", "claim", "claim_granted", deadline=DEADLINE,
              amount={"value": 1234.5, "currency": "EUR"}, links={}),
        _case("R-2026-0105", "return", "return_closed", deadline=DEADLINE),
    ]


def _claim_draft_contexts(lang: str) -> list[dict[str, Any]]:
    from tests.test_drafts import NOW as DNOW
    from tests.test_drafts import TRACKED, _claim, _evidence
    case = _claim()
    ctx_case = {**case, **case["data"], "items": [],
                "deadline": datetime(2026, 11, 23, 9, 14, tzinfo=UTC),
                "deadline_soft": None, "customer_comment": None, "message_text": None,
                "marketplace": "amazon.fr", "buyer_name": None}
    base = {"seller_name": "Durand", "bot_name": "SellerBot", "tag": "SB",
            "tz": "Europe/Paris", "lang": lang, "now": DNOW, "case": ctx_case,
            "time_left": "3 j", "flags": []}
    weak = claim_answer_draft(case, _evidence(), lang, DNOW, seller_name="Durand")
    strong = claim_answer_draft(case, _evidence(**TRACKED), lang, DNOW, seller_name="Durand")
    granted = _claim(state="claim_granted")
    appeal = appeal_draft(granted, _evidence(**TRACKED), lang, DNOW, seller_name="Durand",
                          decided_at=DNOW - timedelta(days=2))
    link = case["data"]["links"]["respond"]
    return [
        {**base, "draft_text": weak.text, "missing": weak.missing, "strength": weak.strength,
         "link_url": link},
        {**base, "draft_text": strong.text, "missing": [], "strength": strong.strength,
         "link_url": link, "warnings": ["shipped_late"]},
        {**base, "draft_text": appeal.text, "missing": appeal.missing, "appeal": True,
         "warnings": ["appeal_window_closed"],
         "case": {**ctx_case, "links": {"appeal": "https://x.example/ap"}}},
        {**base, "draft_text": "", "missing": ["carrier", "delivery_proof", "odd_key"],
         "time_left": ""},
        {**base, "draft_text": "", "case": {**ctx_case, "links": {}}, "appeal": True},
        {**base, "case": None},
    ]


def contexts(name: str, lang: str) -> list[dict[str, Any]]:
    """Every context rendered for template `name` in `lang`, in a fixed order."""
    from tests import test_buyer_templates as buyer
    from tests import test_templates as seller
    out = list(seller._contexts(name, lang))
    if name.startswith("buyer_"):
        out += buyer._contexts(lang)
        out.append({**buyer._contexts(lang)[1], "text": "Votre colis est en route.\nIl arrivera "
                    "jeudi.", "buyer_name": "Jean", "items": [{"title": None, "asin": "B0X",
                                                                "qty": 3}, {"title": "T"}]})
    if name == "claim_draft":
        out += _claim_draft_contexts(lang)
    if name in ("new_case", "reminder", "missed", "info", "uncertain"):
        for case in _extra_cases():
            ctx = seller._context(lang, case, last=True, flags=["needs_confirmation"],
                                  link_url="https://x.example/l", role="close")
            out.append(ctx)
            out.append(seller._context(lang, case, last=False, flags=[], time_left="",
                                       role="snooze", link_url="https://x.example/l"))
        bare = seller._case("C-2026-0001", "claim", "claim_info_requested")
        for key in ("reason", "customer_comment", "amount", "message_text"):
            del bare[key]
        if lang != "fr":  # the French templates read case.reason: a bare case is an error there
            out.append(seller._context(lang, bare, last=True))
    return out


def render(renderer: Renderer, name: str, lang: str) -> str:
    """The golden text of `name` in `lang`: each context's subject, text and HTML in turn."""
    chunks = []
    for index, ctx in enumerate(contexts(name, lang)):
        for part, value in zip(("subject", "text", "html"),
                               renderer.render_parts(name, lang, ctx)):
            chunks.append(SEPARATOR.format(index=index, part=part) + value)
    return "".join(chunks)


def long_dates(lang: str) -> str:
    """long_date on every weekday and month, both sides of a DST change, and None."""
    start = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    days = [start + timedelta(days=n, hours=n % 24) for n in range(0, 370, 3)]
    lines = [long_date(d, lang, tz) for d in days for tz in ("Europe/Paris", "UTC")]
    return "\n".join(lines + [long_date(None, lang)]) + "\n"


def template_names(renderer: Renderer) -> list[str]:
    return renderer.template_names("fr")


def golden_path(lang: str, name: str) -> Path:
    return GOLDEN / lang / f"{name}.golden"


def main() -> None:
    renderer = Renderer()
    for lang in LOCALES:
        (GOLDEN / lang).mkdir(exist_ok=True)
        for name in template_names(renderer):
            golden_path(lang, name).write_text(render(renderer, name, lang), encoding="utf-8")
        golden_path(lang, "long_date").write_text(long_dates(lang), encoding="utf-8")
    print(f"wrote goldens for {len(LOCALES)} locales under {GOLDEN}", file=sys.stderr)


if __name__ == "__main__":
    main()
