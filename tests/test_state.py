"""Transition table and decision rules: pure, table-driven, no I/O."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from bot.core.decide import Change, Policy, decide, due_reminder_plan
from bot.core.state import transition
from bot.core.domain import CaseKind, CaseState, Item, Kind, Link, LinkRole, Money, Notice

S = CaseState
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("kind, before, event, after", [
    (CaseKind.RETURN, None, "return_request", S.RETURN_REQUESTED),
    (CaseKind.RETURN, None, "return_authorized", S.RETURN_AUTHORIZED),
    (CaseKind.RETURN, S.RETURN_REQUESTED, "authorized", S.RETURN_AUTHORIZED),
    (CaseKind.RETURN, S.RETURN_REQUESTED, "return_authorized", S.RETURN_AUTHORIZED),
    (CaseKind.RETURN, S.RETURN_REQUESTED, "return_closed_by_buyer", S.RETURN_CANCELLED),
    (CaseKind.RETURN, S.RETURN_AUTHORIZED, "refund_issued", S.RETURN_REFUNDED),
    (CaseKind.RETURN, S.RETURN_REQUESTED, "done", S.RETURN_AUTHORIZED),
    (CaseKind.CLAIM, None, "claim_filed", S.CLAIM_FILED),
    (CaseKind.CLAIM, S.CLAIM_FILED, "claim_info_requested", S.CLAIM_INFO_REQUESTED),
    (CaseKind.CLAIM, S.CLAIM_INFO_REQUESTED, "done", S.CLAIM_ANSWERED),
    (CaseKind.CLAIM, S.CLAIM_ANSWERED, "decided:granted_to_buyer", S.CLAIM_GRANTED),
    (CaseKind.CLAIM, S.CLAIM_INFO_REQUESTED, "decided:denied", S.CLAIM_DENIED),
    (CaseKind.CLAIM, S.CLAIM_GRANTED, "done", S.CLAIM_APPEALED),
    (CaseKind.CLAIM, S.CLAIM_APPEALED, "claim_appeal_decided", S.CLAIM_APPEAL_DECIDED),
    (CaseKind.CLAIM, None, "decided:granted_to_buyer", S.CLAIM_GRANTED),
    (CaseKind.MESSAGE, None, "buyer_message", S.MESSAGE_AWAITING_REPLY),
    (CaseKind.MESSAGE, S.MESSAGE_AWAITING_REPLY, "seller_reply_copy", S.MESSAGE_REPLIED),
    (CaseKind.MESSAGE, S.MESSAGE_REPLIED, "buyer_message", S.MESSAGE_AWAITING_REPLY),
    (CaseKind.MESSAGE, S.MESSAGE_AWAITING_REPLY, "no_response_needed",
     S.MESSAGE_NO_RESPONSE_NEEDED),
])
def test_transitions(kind: CaseKind, before: CaseState | None, event: str,
                     after: CaseState) -> None:
    assert transition(kind, before, event).to_state == after


@pytest.mark.parametrize("kind, before, event", [
    (CaseKind.RETURN, S.RETURN_CLOSED, "refund_issued"),       # final state is never reopened
    (CaseKind.RETURN, S.RETURN_AUTHORIZED, "authorized"),      # duplicate authorization
    (CaseKind.CLAIM, S.CLAIM_DENIED, "decided:granted_to_buyer"),
    (CaseKind.CLAIM, None, "done"),
    (CaseKind.MESSAGE, S.MESSAGE_REPLIED, "seller_reply_copy"),
])
def test_events_that_do_not_fit_are_recorded_not_applied(kind: CaseKind,
                                                         before: CaseState | None,
                                                         event: str) -> None:
    outcome = transition(kind, before, event)
    assert outcome.to_state is None
    assert "recorded" in outcome.reason


def _return_notice(**kw: object) -> Notice:
    base: dict[str, object] = dict(
        kind=Kind.RETURN_REQUEST, marketplace="amazon.fr", order_id="405-1234567-1234567",
        reason_normalized="defective", policy_status="out_of_policy",
        items=[Item(title="Lampe", qty=1, price=Money(Decimal("5.00"), "EUR"))],
        links=[Link(LinkRole.AUTHORIZE, "https://sellercentral.amazon.fr/a",
                    "https://sellercentral.amazon.fr/a")])
    base.update(kw)
    return Notice(**base)  # type: ignore[arg-type]


def _change(notice: Notice) -> Change:
    return Change(None, S.RETURN_REQUESTED, notice, NOW + timedelta(hours=48), NOW, NOW)


def test_default_policy_asks_the_seller() -> None:
    decision = decide(_change(_return_notice()), Policy())
    assert decision.rule == "ask_seller"
    assert [a.name for a in decision.actions] == ["notify", "schedule_reminders"]


@pytest.mark.parametrize("policy, notice_kw, expected_rule", [
    (Policy(auto_authorize="all"), {}, "auto_authorize"),
    (Policy(auto_authorize="in_policy"), {"policy_status": "in_policy"}, "auto_authorize"),
    (Policy(auto_authorize="in_policy"), {}, "ask_seller"),
    (Policy(auto_authorize_reasons=frozenset({"defective"})), {}, "auto_authorize"),
    (Policy(auto_authorize_max_value=Decimal("10")), {}, "auto_authorize"),
    (Policy(auto_authorize_max_value=Decimal("4")), {}, "ask_seller"),
    (Policy(return_shipping_cost={"amazon.fr": Decimal("6.5")}), {}, "keep_item_suggestion"),
    (Policy(return_shipping_cost={"amazon.fr": Decimal("4")}), {}, "ask_seller"),
    # no authorize link in the mail: nothing to follow, the seller is asked
    (Policy(auto_authorize="all"), {"links": []}, "ask_seller"),
])
def test_policy_rules(policy: Policy, notice_kw: dict[str, object], expected_rule: str) -> None:
    assert decide(_change(_return_notice(**notice_kw)), policy).rule == expected_rule


def test_high_value_flag() -> None:
    notice = _return_notice(items=[Item(title="TV", qty=1,
                                        price=Money(Decimal("499"), "EUR"))])
    decision = decide(_change(notice), Policy(high_value_threshold=Decimal("150")))
    notify = next(a for a in decision.actions if a.name == "notify")
    assert notify.args["flags"] == ["high_value"]


def test_missed_deadline_collapses_due_reminders() -> None:
    due = [{"due_at": "2026-11-22T08:00:00+00:00"}, {"due_at": "2026-11-22T09:00:00+00:00"}]
    assert due_reminder_plan(NOW - timedelta(minutes=1), due, NOW) == ("missed", None)
    plan, latest = due_reminder_plan(NOW + timedelta(hours=2), due, NOW)
    assert plan == "remind" and latest == due[1]


def _row(state: str, opened: str, rid: str | None = None) -> dict[str, object]:
    return {"state": state, "opened_at": opened, "return_request_id": rid, "claim_id": None}


@pytest.mark.parametrize("kind, when, own_id, rows, expected", [
    # a duplicate of the open request: same case
    (Kind.RETURN_REQUEST, NOW, None, [_row("return_requested", "2026-11-22T08:00:00+00:00")], 0),
    # a new request after the earlier one was closed: a new case
    (Kind.RETURN_REQUEST, NOW, None, [_row("return_closed", "2026-10-01T08:00:00+00:00")], None),
    # a late duplicate of the request that opened a case now closed: that case
    (Kind.RETURN_REQUEST, NOW, None, [_row("return_closed", "2026-11-23T08:00:00+00:00")], 0),
    # another return id never matches
    (Kind.RETURN_REQUEST, NOW, "B", [_row("return_requested", "2026-11-22T08:00:00+00:00", "A")],
     None),
    # the same return id always matches, even closed
    (Kind.RETURN_REQUEST, NOW, "A", [_row("return_closed", "2026-10-01T08:00:00+00:00", "A")], 0),
    # a decision is never "opening": it goes to the claim it decides
    (Kind.CLAIM_DECIDED, NOW, None, [_row("claim_denied", "2026-10-01T08:00:00+00:00")], 0),
    (Kind.BUYER_MESSAGE, NOW, None, [], None),
])
def test_pick_case(kind: Kind, when: datetime, own_id: str | None,
                   rows: list[dict[str, object]], expected: int | None) -> None:
    from bot.core.match import pick_case

    picked = pick_case(kind, when, own_id, rows)  # type: ignore[arg-type]
    assert (picked is None) if expected is None else (picked is rows[expected])


@pytest.mark.parametrize("overrides, expected_rule", [
    ({"LAMP-1": "authorize"}, "auto_authorize"),
    ({"LAMP-1": "manual"}, "ask_seller"),
    ({}, "ask_seller"),
])
def test_sku_override_rule(overrides: dict[str, str], expected_rule: str) -> None:
    notice = _return_notice(items=[Item(title="Lampe", sku="LAMP-1", qty=1)])
    assert decide(_change(notice), Policy(sku_overrides=overrides)).rule == expected_rule


def test_manual_sku_beats_auto_authorize_all() -> None:
    notice = _return_notice(items=[Item(title="Lampe", sku="LAMP-1", qty=1)])
    policy = Policy(auto_authorize="all", sku_overrides={"LAMP-1": "manual"})
    assert decide(_change(notice), policy).rule == "ask_seller"


def test_away_mode_authorizes_in_policy_requests() -> None:
    notice = _return_notice(policy_status="in_policy")
    away = Policy(away=((NOW - timedelta(days=1), NOW + timedelta(days=1)),))
    assert decide(_change(notice), away).rule == "auto_authorize"
    over = Policy(away=((NOW - timedelta(days=3), NOW - timedelta(days=1)),))
    assert decide(_change(notice), over).rule == "ask_seller"


def test_a_claim_is_one_per_order() -> None:
    from bot.core.match import pick_case

    closed = [_row("claim_denied", "2026-10-01T08:00:00+00:00")]
    assert pick_case(Kind.CLAIM_FILED, NOW, None, closed) is closed[0]  # type: ignore[arg-type]


@pytest.mark.parametrize("reason, expected_rule", [
    ("defective", "auto_authorize"), ("wrong_item", "auto_authorize"),
    ("bought_by_mistake", "ask_seller"), (None, "ask_seller"),
])
def test_seller_fault_shortcut(reason: str | None, expected_rule: str) -> None:
    notice = _return_notice(reason_normalized=reason)
    policy = Policy(auto_authorize_reasons=frozenset({"seller_fault"}))
    assert decide(_change(notice), policy).rule == expected_rule
