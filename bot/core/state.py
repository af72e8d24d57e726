"""The life of a case as one literal transition table.

`transition(kind, state, event)` answers what an event does to a case in a given state. An event
that does not fit (a decision for a claim sellerbot never saw opened, a duplicate) is not an
error: it yields `Outcome(to_state=None, ...)` with a reason, and the caller records it as an
event without changing the state.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.domain import OPEN_STATES, CaseKind, CaseState, Kind

S = CaseState

#: Which kind of case a notification belongs to (None: it opens or touches no case).
CASE_KIND_OF: dict[Kind, CaseKind] = {
    Kind.RETURN_REQUEST: CaseKind.RETURN,
    Kind.RETURN_AUTHORIZED: CaseKind.RETURN,
    Kind.RETURN_CLOSED_BY_BUYER: CaseKind.RETURN,
    Kind.REFUND_ISSUED: CaseKind.RETURN,
    Kind.CLAIM_FILED: CaseKind.CLAIM,
    Kind.CLAIM_INFO_REQUESTED: CaseKind.CLAIM,
    Kind.CLAIM_DECIDED: CaseKind.CLAIM,
    Kind.CLAIM_APPEAL_DECIDED: CaseKind.CLAIM,
    Kind.BUYER_MESSAGE: CaseKind.MESSAGE,
    Kind.SELLER_REPLY_COPY: CaseKind.MESSAGE,
    Kind.CANCELLATION_REQUEST: CaseKind.ORDER,
}

REF_PREFIX = {CaseKind.RETURN: "R", CaseKind.CLAIM: "C", CaseKind.MESSAGE: "M",
              CaseKind.ORDER: "A"}

ANY = "*"

#: (case kind, from state or ANY or None for "no case yet", event) -> to state.
#: Events are notification kinds ("return_request"…), "decided:<decision>" for claim
#: decisions, and seller/effect outcomes ("authorized", "closed", "done", "replied"…).
TABLE: dict[tuple[CaseKind, str | None, str], CaseState] = {
    # returns
    (CaseKind.RETURN, None, "return_request"): S.RETURN_REQUESTED,
    (CaseKind.RETURN, None, "return_authorized"): S.RETURN_AUTHORIZED,
    (CaseKind.RETURN, S.RETURN_REQUESTED, "return_authorized"): S.RETURN_AUTHORIZED,
    (CaseKind.RETURN, S.RETURN_REQUESTED, "authorized"): S.RETURN_AUTHORIZED,
    (CaseKind.RETURN, S.RETURN_REQUESTED, "closed"): S.RETURN_CLOSED,
    (CaseKind.RETURN, S.RETURN_REQUESTED, "done"): S.RETURN_AUTHORIZED,
    (CaseKind.RETURN, S.RETURN_REQUESTED, "return_closed_by_buyer"): S.RETURN_CANCELLED,
    (CaseKind.RETURN, S.RETURN_AUTHORIZED, "return_closed_by_buyer"): S.RETURN_CANCELLED,
    (CaseKind.RETURN, None, "return_closed_by_buyer"): S.RETURN_CANCELLED,
    (CaseKind.RETURN, S.RETURN_AUTHORIZED, "received"): S.RETURN_RECEIVED,
    (CaseKind.RETURN, S.RETURN_RECEIVED, "done"): S.RETURN_REFUNDED,
    (CaseKind.RETURN, S.RETURN_RECEIVED, "refunded"): S.RETURN_REFUNDED,
    (CaseKind.RETURN, S.RETURN_AUTHORIZED, "refunded"): S.RETURN_REFUNDED,
    (CaseKind.RETURN, S.RETURN_REQUESTED, "refunded"): S.RETURN_REFUNDED,
    (CaseKind.RETURN, ANY, "refund_issued"): S.RETURN_REFUNDED,
    (CaseKind.RETURN, None, "refund_issued"): S.RETURN_REFUNDED,
    # A-to-Z claims
    (CaseKind.CLAIM, None, "claim_filed"): S.CLAIM_FILED,
    (CaseKind.CLAIM, None, "claim_info_requested"): S.CLAIM_INFO_REQUESTED,
    (CaseKind.CLAIM, S.CLAIM_FILED, "claim_info_requested"): S.CLAIM_INFO_REQUESTED,
    (CaseKind.CLAIM, S.CLAIM_ANSWERED, "claim_info_requested"): S.CLAIM_INFO_REQUESTED,
    (CaseKind.CLAIM, S.CLAIM_APPEALED, "claim_info_requested"): S.CLAIM_INFO_REQUESTED,
    (CaseKind.CLAIM, S.CLAIM_INFO_REQUESTED, "answered"): S.CLAIM_ANSWERED,
    (CaseKind.CLAIM, S.CLAIM_INFO_REQUESTED, "done"): S.CLAIM_ANSWERED,
    (CaseKind.CLAIM, ANY, "decided:granted_to_buyer"): S.CLAIM_GRANTED,
    (CaseKind.CLAIM, None, "decided:granted_to_buyer"): S.CLAIM_GRANTED,
    (CaseKind.CLAIM, ANY, "decided:denied"): S.CLAIM_DENIED,
    (CaseKind.CLAIM, None, "decided:denied"): S.CLAIM_DENIED,
    (CaseKind.CLAIM, ANY, "decided:withdrawn"): S.CLAIM_DENIED,
    (CaseKind.CLAIM, S.CLAIM_GRANTED, "done"): S.CLAIM_APPEALED,
    (CaseKind.CLAIM, S.CLAIM_GRANTED, "appealed"): S.CLAIM_APPEALED,
    (CaseKind.CLAIM, ANY, "claim_appeal_decided"): S.CLAIM_APPEAL_DECIDED,
    (CaseKind.CLAIM, None, "claim_appeal_decided"): S.CLAIM_APPEAL_DECIDED,
    # buyer messages
    (CaseKind.MESSAGE, None, "buyer_message"): S.MESSAGE_AWAITING_REPLY,
    (CaseKind.MESSAGE, S.MESSAGE_REPLIED, "buyer_message"): S.MESSAGE_AWAITING_REPLY,
    (CaseKind.MESSAGE, S.MESSAGE_NO_RESPONSE_NEEDED, "buyer_message"): S.MESSAGE_AWAITING_REPLY,
    (CaseKind.MESSAGE, S.MESSAGE_AWAITING_REPLY, "seller_reply_copy"): S.MESSAGE_REPLIED,
    (CaseKind.MESSAGE, S.MESSAGE_AWAITING_REPLY, "replied"): S.MESSAGE_REPLIED,
    (CaseKind.MESSAGE, S.MESSAGE_AWAITING_REPLY, "done"): S.MESSAGE_REPLIED,
    (CaseKind.MESSAGE, S.MESSAGE_AWAITING_REPLY, "no_response_needed"): S.MESSAGE_NO_RESPONSE_NEEDED,
    # buyer cancellation requests
    (CaseKind.ORDER, None, "cancellation_request"): S.CANCEL_REQUESTED,
    (CaseKind.ORDER, S.CANCEL_REQUESTED, "done"): S.CANCEL_HANDLED,
    (CaseKind.ORDER, S.CANCEL_REQUESTED, "no_response_needed"): S.CANCEL_HANDLED,
}

#: Final states: a notification arriving late never reopens them.
FINAL_STATES = frozenset({S.RETURN_CLOSED, S.RETURN_CANCELLED, S.RETURN_REFUNDED,
                          S.CLAIM_DENIED, S.CLAIM_APPEAL_DECIDED, S.CANCEL_HANDLED})


@dataclass(frozen=True, slots=True)
class Outcome:
    to_state: CaseState | None  # None: the event is recorded, the state does not change
    reason: str


def event_name(kind: Kind, decision: str | None = None) -> str:
    if kind == Kind.CLAIM_DECIDED:
        return f"decided:{decision or 'granted_to_buyer'}"
    return str(kind)


def transition(case_kind: CaseKind, state: CaseState | None, event: str) -> Outcome:
    """Pure: what `event` does to a case of `case_kind` currently in `state`."""
    exact = TABLE.get((case_kind, state, event))
    if exact is not None:
        return Outcome(exact, f"{state or 'new'} --{event}--> {exact}")
    if state is not None and state not in FINAL_STATES:
        wildcard = TABLE.get((case_kind, ANY, event))
        if wildcard is not None:
            return Outcome(wildcard, f"{state} --{event}--> {wildcard}")
    if state is None:
        return Outcome(None, f"{event} for an unknown {case_kind} case: recorded, no case opened")
    return Outcome(None, f"{event} does not apply to a {case_kind} case in state {state}: "
                         "recorded, state unchanged")


def is_open(state: CaseState | str) -> bool:
    return CaseState(state) in OPEN_STATES
