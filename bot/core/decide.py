"""What sellerbot does after a case changes: one ordered rule table, pure.

`decide(change, policy)` returns the actions for a case that just moved; the first policy rule
whose condition holds wins and its name and reason are recorded, so `sellerbot explain` can
say why sellerbot acted (or did not).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.core.domain import OPEN_STATES, CaseState, LinkRole, Notice

S = CaseState

#: Reasons Amazon treats as the seller's fault (auto-authorize and refund rules use them).
SELLER_FAULT_REASONS = frozenset({
    "damaged", "defective", "wrong_item", "missing_parts", "not_as_described",
    "arrived_late", "extra_item", "unauthorized_purchase", "bad_packaging",
})


@dataclass(frozen=True)
class Policy:
    """The part of the seller's settings the rules read (plain data, from config)."""

    auto_authorize: str = "none"  # none | in_policy | all
    auto_authorize_reasons: frozenset[str] = frozenset()
    auto_authorize_max_value: Decimal | None = None
    keep_item_factor: Decimal = Decimal("1")
    return_shipping_cost: dict[str, Decimal] = field(default_factory=dict)
    high_value_threshold: Decimal | None = None
    away: tuple[tuple[datetime, datetime], ...] = ()
    sku_overrides: dict[str, str] = field(default_factory=dict)  # SKU -> authorize | manual
    #: links.mode: in "notify" sellerbot never requests a link, so an automatic decision can
    #: only be a recommendation with the link to click (and the reminders stay armed).
    links_mode: str = "follow"


@dataclass(frozen=True)
class Action:
    """One thing to do. `name` is one of: notify, schedule_reminders, cancel_reminders,
    follow_link, suggest_keep_item, flag."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    rule: str
    reason: str
    actions: tuple[Action, ...]


@dataclass(frozen=True)
class Change:
    """A case transition as the rules see it."""

    before: CaseState | None
    after: CaseState
    notice: Notice
    deadline: datetime | None
    opened_at: datetime
    now: datetime
    #: The order's goods value from an imported order report, used when Amazon's mail
    #: states no price (its return requests usually do not).
    known_value: Decimal | None = None


def _item_value(notice: Notice, known: Decimal | None = None) -> Decimal | None:
    prices = [i.price.value * (i.qty or 1) for i in notice.items if i.price]
    if prices:
        return sum(prices, Decimal(0))
    return notice.amount.value if notice.amount else known


def _in_policy(notice: Notice) -> bool:
    return notice.policy_status == "in_policy"


def _away(policy: Policy, now: datetime) -> bool:
    return any(start <= now < end for start, end in policy.away)


def _auto_authorize(change: Change, policy: Policy) -> str | None:
    """Why this return request may be authorized without asking, or None."""
    n = change.notice
    if n.link(LinkRole.AUTHORIZE) is None:
        return None
    overrides = [policy.sku_overrides.get(i.sku or "") for i in n.items]
    if "manual" in overrides:
        return None  # the seller wants to decide on this SKU, whatever the other rules say
    if overrides and all(o == "authorize" for o in overrides):
        return "every SKU is set to authorize in the SKU override file"
    value = _item_value(n, change.known_value)
    if policy.auto_authorize == "all":
        return "policy auto_authorize = all"
    if policy.auto_authorize == "in_policy" and _in_policy(n):
        return "in Amazon's return policy and auto_authorize = in_policy"
    if n.reason_normalized and n.reason_normalized in policy.auto_authorize_reasons:
        return f"reason {n.reason_normalized} is in auto_authorize_reasons"
    if "seller_fault" in policy.auto_authorize_reasons and \
            n.reason_normalized in SELLER_FAULT_REASONS:
        return f"reason {n.reason_normalized} is the seller's fault (auto_authorize_reasons)"
    if policy.auto_authorize_max_value is not None and value is not None \
            and value <= policy.auto_authorize_max_value:
        return f"item value {value} ≤ auto_authorize_max_value {policy.auto_authorize_max_value}"
    if _away(policy, change.now) and _in_policy(n):
        return "away mode: in-policy request authorized automatically"
    return None


def _keep_item(change: Change, policy: Policy) -> str | None:
    n = change.notice
    value = _item_value(n, change.known_value)
    cost = policy.return_shipping_cost.get(n.marketplace or "") or \
        policy.return_shipping_cost.get("default")
    if value is None or cost is None:
        return None
    if cost >= value * policy.keep_item_factor:
        return (f"return shipping {cost} ≥ item value {value} × {policy.keep_item_factor}: "
                "offer a keep-item refund instead of a return")
    return None


RuleFn = Callable[[Change, Policy], "Decision | None"]


def _rule_auto_authorize(change: Change, policy: Policy) -> Decision | None:
    if change.after != S.RETURN_REQUESTED or change.before is not None:
        return None
    why = _auto_authorize(change, policy)
    if why is None:
        return None
    if policy.links_mode != "follow":
        # Nothing can be requested: say so, hand over the link, keep every reminder armed
        # until FAIT or Amazon's confirmation arrives.
        return Decision("recommend_authorize", f"{why}; links mode {policy.links_mode}: "
                        "sellerbot does not click, the seller does", (
                            Action("notify", {"template": "auto_action", "recommend": True}),
                            Action("schedule_reminders"),
                        ))
    # Reminders too: if the link fails or its outcome is uncertain, the deadline still counts.
    return Decision("auto_authorize", why, (
        Action("follow_link", {"role": str(LinkRole.AUTHORIZE), "on_success": "authorized"}),
        Action("notify", {"template": "auto_action"}),
        Action("schedule_reminders"),
    ))


def _rule_needs_confirmation(change: Change, policy: Policy) -> Decision | None:
    """A notification forwarded by an unknown address: tell the seller, act on nothing."""
    if not change.notice.needs_confirmation or change.after not in OPEN_STATES or \
            change.before == change.after:
        return None
    return Decision("needs_confirmation", "forwarded by an address not in the config: the seller "
                    "is alerted; no link followed, no buyer mail until the seller confirms", (
                        Action("notify", {"template": "new_case",
                                          "flags": ["needs_confirmation"]}),
                        Action("schedule_reminders"),
                    ))


def _rule_keep_item(change: Change, policy: Policy) -> Decision | None:
    if change.after != S.RETURN_REQUESTED or change.before is not None:
        return None
    why = _keep_item(change, policy)
    if why is None:
        return None
    return Decision("keep_item_suggestion", why, (
        Action("notify", {"template": "new_case", "suggest_keep_item": True}),
        Action("schedule_reminders"),
    ))


def _rule_needs_seller(change: Change, policy: Policy) -> Decision | None:
    if change.after not in OPEN_STATES:
        return None
    if change.before == change.after:
        return Decision("duplicate", "same state again (duplicate notification): nothing new "
                        "to ask", ())
    flags = _high_value_flags(change, policy)
    actions = [Action("notify", {"template": "new_case", "flags": flags}),
               Action("schedule_reminders")]
    if change.after in (S.CLAIM_INFO_REQUESTED, S.CLAIM_GRANTED):
        actions.append(Action("draft_claim"))  # the answer to Amazon, ready to paste
    return Decision("ask_seller", f"{change.after} needs the seller before the deadline",
                    tuple(actions))


def _rule_settled(change: Change, policy: Policy) -> Decision | None:
    if change.before is None and change.after not in (S.CLAIM_FILED,):
        if change.after in (S.RETURN_AUTHORIZED, S.RETURN_CANCELLED, S.RETURN_REFUNDED,
                            S.CLAIM_DENIED, S.CLAIM_APPEAL_DECIDED, S.MESSAGE_REPLIED):
            return Decision("informational", f"{change.after}: nothing for the seller to do",
                            (Action("notify", {"template": "info"}),))
        return None
    if change.after == S.CLAIM_FILED:
        return Decision("claim_watch", "claim filed: no action yet, watching for Amazon's "
                        "information request", (Action("notify", {"template": "info"}),))
    return Decision("settled", f"{change.before} -> {change.after}: the seller is no longer "
                    "needed for this step", (Action("cancel_reminders"),
                                              Action("notify", {"template": "info"})))


def _high_value_flags(change: Change, policy: Policy) -> list[str]:
    value = _item_value(change.notice, change.known_value)
    if policy.high_value_threshold is None or value is None:
        return []
    if value >= policy.high_value_threshold:
        return ["high_value"]
    return []


#: The decision order, first match wins (like Mailman's built-in chain).
RULES: tuple[tuple[str, RuleFn], ...] = (
    ("needs_confirmation", _rule_needs_confirmation),
    ("auto_authorize", _rule_auto_authorize),  # or recommend_authorize in notify mode
    ("keep_item_suggestion", _rule_keep_item),
    ("ask_seller", _rule_needs_seller),
    ("settled", _rule_settled),
)


def decide(change: Change, policy: Policy) -> Decision:
    for _name, rule in RULES:
        decision = rule(change, policy)
        if decision is not None:
            return decision
    return Decision("none", "no rule applies", ())


def reminder_kind_for(state: CaseState) -> str:
    return {S.RETURN_REQUESTED: "return", S.RETURN_RECEIVED: "refund",
            S.CLAIM_INFO_REQUESTED: "claim",
            S.CLAIM_GRANTED: "appeal", S.MESSAGE_AWAITING_REPLY: "message",
            S.CANCEL_REQUESTED: "message"}.get(state, "return")


def due_reminder_plan(deadline: datetime | None, due: list[dict[str, Any]],
                      now: datetime) -> tuple[str, dict[str, Any] | None]:
    """After downtime several reminders may be due at once: send one, not a burst.

    Returns ("missed", None) when the deadline has passed, ("remind", latest) otherwise.
    """
    if deadline is not None and now >= deadline:
        return "missed", None
    return "remind", max(due, key=lambda r: r["due_at"]) if due else None
