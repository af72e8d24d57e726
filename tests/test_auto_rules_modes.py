"""Every automatic-authorization rule in both links modes: what sellerbot says is what it did.

In `follow` mode the rule requests Amazon's authorize link and says so once it answered; in
`notify` mode nothing can be requested, so no mail, `explain` line or `show` output may claim an
authorization: the seller gets the link to click, then FAIT, and the reminders stay armed.
Real SQLite, real SMTP sink, real Seller Central stand-in; the notice is corpus 02, adjusted
(policy status, price, SKU) so that each rule is the one that fires.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.edges.clock import FixedClock
from bot.core.domain import Item, Money, Notice
from bot.edges.store import parse_iso
from bot.app.explain import explain_case
from bot.flows.shared import Origin
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from tests.test_abuse import RETURN_02, WAIT, make_service, parsed
from tests.timeshift import at

RAW = RETURN_02  # already dated by the suite clock (timeshift)
NOW = at(2026, 11, 22, 7, 42)  # a minute after corpus 02 was sent

#: rule -> (policy section, how the notice must look for this rule to be the one that fires)
RULES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "all": ({"auto_authorize": "all"}, {}),
    "in_policy": ({"auto_authorize": "in_policy"}, {"policy_status": "in_policy"}),
    "reason": ({"auto_authorize_reasons": ["not_as_described"]}, {}),
    "seller_fault": ({"auto_authorize_reasons": ["seller_fault"]}, {}),
    "max_value": ({"auto_authorize_max_value": 15.0}, {"price": "9.90"}),
    "sku_override": ({"sku_overrides_file": "SKUS"}, {}),
    "away": ({"away": [{"start": (NOW - timedelta(days=1)).date(),
                        "end": (NOW + timedelta(days=2)).date()}]},
             {"policy_status": "in_policy"}),
}

#: Words that claim an authorization happened, in the seller's language (fr).
CLAIMS_DONE = ("autorisation envoyée", "Traité automatiquement", "retour autorisé")


def _notice(svc: Any, shape: dict[str, Any]) -> Notice:
    notice = svc.parse(RAW)
    if "policy_status" in shape:
        notice.policy_status = shape["policy_status"]
    if "price" in shape:
        notice.items = [dataclasses.replace(i, price=Money(Decimal(shape["price"]), "EUR"))
                        for i in notice.items]
    assert isinstance(notice.items[0], Item)
    return notice


@pytest.mark.parametrize("mode", ["follow", "notify"])
@pytest.mark.parametrize("rule", sorted(RULES))
def test_every_rule_in_every_links_mode(rule: str, mode: str, tmp_path: Path,
                                        smtp_sink: SmtpSink,
                                        link_standin: ActionLinkStandIn) -> None:
    policy, shape = RULES[rule]
    if policy.get("sku_overrides_file"):
        skus = tmp_path / "skus.csv"
        skus.write_text("LMN-STRIP-5M-RGB,authorize\n", encoding="utf-8")
        policy = {"sku_overrides_file": str(skus)}
    clock = FixedClock(NOW)
    links = {"mode": mode} if mode == "follow" else {"mode": mode, "stand_in": None}
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False},
                       links=links, policy=policy)
    assert svc.apply(RAW, _notice(svc, shape), Origin()) == "case"
    svc.tick()
    case = svc.store.cases_where("kind = 'return'", [])[0]
    events = svc.store.events(case["id"])
    decision = next(e["reason"] for e in events if e["kind"] == "decision")
    explained = "\n".join(explain_case(svc.store, case["ref"]))
    if mode == "follow":
        mails = smtp_sink.wait_for(2, WAIT)  # "I am handling it", then "done"
        assert decision.startswith("rule auto_authorize:"), decision
        assert len(link_standin.hits) == 1
        assert case["state"] == "return_authorized"
        assert not [r for r in svc.store.reminders(case["id"]) if r["status"] == "pending"]
        done = parsed(mails[-1]).get_body(("plain",)).get_content()
        assert "autorisation envoyée" in done
        assert "link requested" in explained
        return
    mails = smtp_sink.wait_for(1, WAIT)
    assert decision.startswith("rule recommend_authorize:"), decision
    assert link_standin.hits == []
    assert case["state"] == "return_requested"
    pending = [r for r in svc.store.reminders(case["id"]) if r["status"] == "pending"]
    assert pending, "the reminders stay armed until FAIT or Amazon's confirmation"
    mail = parsed(mails[0])
    text = mail.get_body(("plain",)).get_content()
    subject = str(mail["Subject"])
    for claim in CLAIMS_DONE:
        assert claim not in text and claim not in subject, (claim, subject, text)
    assert "action=authorize" in text and "FAIT" in text
    assert "405-2290417-6638150" in subject and "échéance" in subject
    assert "recommended (not done)" in explained
    assert "requested Amazon's authorize link" not in explained
    assert "link requested" not in explained
    # The first reminder still asks for the decision, and says nothing was done.
    clock.set(parse_iso(pending[0]["due_at"]) + timedelta(minutes=1))  # type: ignore[operator]
    svc.tick()
    reminder = parsed(smtp_sink.wait_for(2, WAIT)[1]).get_body(("plain",)).get_content()
    for claim in CLAIMS_DONE:
        assert claim not in reminder, (claim, reminder)
