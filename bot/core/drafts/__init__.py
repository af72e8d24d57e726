"""Drafts of the seller's answer to Amazon for an A-to-Z claim, and of an appeal. Pure.

Amazon's claim mails come from a no-reply address: the answer is typed in Seller Central
(Performance › A-to-Z claims › Respond), whose box takes no attachments. sellerbot drafts it
from the case and the order evidence (`bot.flows.orders_import.case_evidence`) and mails it to the
seller, ready to paste. The draft is factual and short; every fact sellerbot does not know
is left as a visible "[TO COMPLETE: …]" placeholder and listed in `Draft.missing`, and the
draft is then "weak": the seller must add it before pasting.

What a claim answer needs (docs/domain.md): carrier, tracking number with proof of delivery,
ship date against the promised date, signature, Buy Shipping protection (label bought through
Amazon and shipped on time: Amazon funds the claim), for return-related claims the return
request history and why a request was closed, the correspondence, and refunds given.

`evidence` is the dict `case_evidence` returns ({"order": {...}, "linked_case": {...},
"events": [...], ...}); facts it does not carry yet may be given at its top level or in
"order": `promised_date` (latest promised delivery), `ship_by`, `delivered_at` (carrier's
delivery scan), `delivery_proof` (e.g. "photo", "signature"), `messages_exchanged` (int),
`refunds` ([{"amount": {"value", "currency"}, "at"}]), `return` ({"state", "rma",
"authorized_at", "closed_at", "close_reason"}), `decided_at` (claim decision, for appeals).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.drafts.compose import APPEAL_WINDOW, Draft, compose
from bot.core.drafts.evidence import SHIPPING_REQUIRED, categorize, gather_facts
from bot.core.drafts.phrases import LANGS

__all__ = ["APPEAL_WINDOW", "LANGS", "SHIPPING_REQUIRED", "Draft", "appeal_draft", "categorize",
           "claim_answer_draft"]


def claim_answer_draft(case: dict[str, Any], evidence: dict[str, Any], lang: str,
                       now: datetime, *, seller_name: str | None = None) -> Draft:
    """The answer to Amazon for an A-to-Z claim, in `lang` (fr, en, de, it, es)."""
    return compose(gather_facts(case, evidence), lang, now, appeal=False, seller_name=seller_name)


def appeal_draft(case: dict[str, Any], evidence: dict[str, Any], lang: str, now: datetime,
                 *, seller_name: str | None = None, decided_at: datetime | None = None) -> Draft:
    """An appeal of a claim decision (within 30 days of it; else warning
    "appeal_window_closed"). `decided_at` overrides what the case and evidence say."""
    facts = gather_facts(case, evidence)
    if decided_at is not None:
        facts.decided_at = decided_at
    return compose(facts, lang, now, appeal=True, seller_name=seller_name)
