"""Value types shared by the pure core and the adapters.

Everything here is plain data: no I/O, no clock reads. The core turns raw bytes into a
`Notice`, a `Notice` plus the stored `Case` into events and `Action`s; the adapters persist
and execute them.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any


class Kind(enum.StrEnum):
    """What an incoming email is. Names follow shared/corpus/dev/MANIFEST.json."""

    RETURN_REQUEST = "return_request"
    RETURN_AUTHORIZED = "return_authorized"
    RETURN_RECEIVED = "return_received"  # item back: refund due within 2 business days
    RETURN_CLOSED_BY_BUYER = "return_closed_by_buyer"
    REFUND_ISSUED = "refund_issued"
    CANCELLATION_REQUEST = "cancellation_request"
    CLAIM_FILED = "claim_filed"
    CLAIM_INFO_REQUESTED = "claim_info_requested"
    CLAIM_DECIDED = "claim_decided"
    CLAIM_APPEAL_DECIDED = "claim_appeal_decided"
    BUYER_MESSAGE = "buyer_message"
    SELLER_REPLY_COPY = "seller_reply_copy"
    ORDER_PLACED = "order_placed"
    SELLER_COMMAND = "seller_command"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    IGNORE = "ignore"
    SUSPICIOUS = "suspicious"
    UNRECOGNIZED = "unrecognized"


class LinkRole(enum.StrEnum):
    AUTHORIZE = "authorize"
    CLOSE = "close"
    REPLY = "reply"
    DETAILS = "details"
    RESPOND = "respond"  # A-to-Z claim response page
    APPEAL = "appeal"
    NO_RESPONSE_NEEDED = "no_response_needed"
    REPORT = "report"
    CANCEL_ORDER = "cancel_order"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Money:
    value: Decimal
    currency: str

    def to_json(self) -> dict[str, Any]:
        return {"value": float(self.value), "currency": self.currency}


@dataclass(frozen=True, slots=True)
class Item:
    title: str | None = None
    asin: str | None = None
    sku: str | None = None
    qty: int | None = None
    price: Money | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "asin": self.asin,
            "sku": self.sku,
            "qty": self.qty,
            "price": self.price.to_json() if self.price else None,
        }


@dataclass(frozen=True, slots=True)
class Link:
    """An action link: `url` as written in the mail, `target` once every wrapper is removed."""

    role: LinkRole
    url: str
    target: str

    def to_json(self) -> dict[str, Any]:
        return {"role": str(self.role), "url": self.url, "target": self.target}


@dataclass(frozen=True, slots=True)
class Command:
    """One seller command from a reply, e.g. Command("authorize", ("RMA123",))."""

    name: str
    args: tuple[str, ...] = ()
    text: str = ""  # free text (message to the buyer, closing comment, answer to Amazon)
    targets: tuple[str, ...] = ()  # digest numbers or case refs the command applies to

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "args": list(self.args), "text": self.text or None,
                "targets": list(self.targets)}


@dataclass(slots=True)
class Notice:
    """Everything sellerbot understood from one email. Built by `bot.core.parse`."""

    kind: Kind
    message_id: str | None = None
    subject: str = ""
    from_addr: str | None = None
    from_name: str | None = None
    reply_to: str | None = None
    to_addrs: tuple[str, ...] = ()
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    marketplace: str | None = None  # "amazon.fr"
    marketplace_id: str | None = None
    language: str | None = None
    order_id: str | None = None
    return_request_id: str | None = None
    rma_id: str | None = None
    claim_id: str | None = None
    items: list[Item] = field(default_factory=list)
    reason: str | None = None
    reason_normalized: str | None = None
    customer_comment: str | None = None
    amount: Money | None = None
    decision: str | None = None  # claims: granted_to_buyer | denied | withdrawn | appeal_*
    event_time: datetime | None = None
    deadline: datetime | None = None
    deadline_hours: int | None = None  # a response window stated in the mail ("3 jours")
    deadline_source: str | None = None  # "mail" (stated in the mail) | "rule" (sellerbot's rule)
    # A genuine-looking notification forwarded by someone not in the config: the case is
    # opened and the seller told, but no link is followed until the seller confirms by reply.
    needs_confirmation: bool = False
    ship_by: datetime | None = None
    links: list[Link] = field(default_factory=list)
    suspicious_reasons: list[str] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    command_errors: list[str] = field(default_factory=list)
    reply_text: str | None = None  # seller reply with quotes and signature removed
    message_text: str | None = None  # buyer's own words (relay messages)
    buyer_alias: str | None = None
    buyer_name: str | None = None
    tracking: dict[str, str] | None = None  # {"carrier": ..., "number": ...}
    policy_status: str | None = None  # in_policy | out_of_policy
    policy_remark: str | None = None  # Amazon's own words on the policy check, for the notice
    authorization_status: str | None = None
    auth_results: dict[str, str] = field(default_factory=dict)  # {"dkim": "pass", ...}
    layout: str | None = None  # which layout matched, for drift alerts
    error: str | None = None  # quarantine reason when parsing failed
    body_hash: str | None = None
    forwarded: bool = False

    def link(self, role: LinkRole) -> Link | None:
        return next((link for link in self.links if link.role == role), None)

    def to_json(self) -> dict[str, Any]:
        """The `sellerbot parse --json` shape (issue #3's interface)."""
        first = self.commands[0] if self.commands else None
        return {
            "kind": str(self.kind),
            "marketplace": self.marketplace,
            "marketplace_id": self.marketplace_id,
            "language": self.language,
            "order_id": self.order_id,
            "return_request_id": self.return_request_id,
            "rma_id": self.rma_id,
            "claim_id": self.claim_id,
            "items": [item.to_json() for item in self.items],
            "reason": self.reason,
            "reason_normalized": self.reason_normalized,
            "customer_comment": self.customer_comment,
            "amount": self.amount.to_json() if self.amount else None,
            "decision": self.decision,
            "event_time": self.event_time.isoformat() if self.event_time else None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "deadline_source": self.deadline_source if self.deadline else None,
            "needs_confirmation": self.needs_confirmation,
            "ship_by": self.ship_by.isoformat() if self.ship_by else None,
            "links": [link.to_json() for link in self.links],
            "suspicious_reasons": list(self.suspicious_reasons),
            "command": ({"name": first.name, "args": list(first.args) or None}
                        if first else None),
            "commands": [c.to_json() for c in self.commands],
            "command_errors": list(self.command_errors),
            "in_reply_to": self.in_reply_to,
            "message_id": self.message_id,
            "subject": self.subject,
            "from": self.from_addr,
            "buyer_alias": self.buyer_alias,
            "message_text": self.message_text,
            "tracking": self.tracking,
            "policy_status": self.policy_status,
            "layout": self.layout,
            "error": self.error,
        }


class CaseKind(enum.StrEnum):
    RETURN = "return"
    CLAIM = "claim"
    MESSAGE = "message"
    ORDER = "order"  # a buyer asked to cancel an order


class CaseState(enum.StrEnum):
    # returns
    RETURN_REQUESTED = "return_requested"  # awaiting the seller's decision
    RETURN_AUTHORIZED = "return_authorized"
    RETURN_RECEIVED = "return_received"  # item back: refund due within 2 business days
    RETURN_CLOSED = "return_closed"
    RETURN_CANCELLED = "return_cancelled"  # by the buyer
    RETURN_REFUNDED = "return_refunded"
    # claims
    CLAIM_FILED = "claim_filed"
    CLAIM_INFO_REQUESTED = "claim_info_requested"
    CLAIM_ANSWERED = "claim_answered"
    CLAIM_GRANTED = "claim_granted"  # appeal window open
    CLAIM_DENIED = "claim_denied"
    CLAIM_APPEALED = "claim_appealed"
    CLAIM_APPEAL_DECIDED = "claim_appeal_decided"
    # buyer messages
    MESSAGE_AWAITING_REPLY = "message_awaiting_reply"
    MESSAGE_REPLIED = "message_replied"
    MESSAGE_NO_RESPONSE_NEEDED = "message_no_response_needed"
    # orders
    CANCEL_REQUESTED = "cancel_requested"  # cancel in Seller Central before shipping
    CANCEL_HANDLED = "cancel_handled"


#: States in which the seller still has something to do before a deadline.
OPEN_STATES: frozenset[CaseState] = frozenset({
    CaseState.RETURN_REQUESTED,
    CaseState.RETURN_RECEIVED,
    CaseState.CLAIM_INFO_REQUESTED,
    CaseState.CLAIM_GRANTED,
    CaseState.MESSAGE_AWAITING_REPLY,
    CaseState.CANCEL_REQUESTED,
})

#: The same, ready for an SQL `state in (...)` clause.
OPEN_STATES_SQL = ",".join(f"'{s}'" for s in sorted(OPEN_STATES))
