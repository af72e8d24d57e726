"""Which case a notification belongs to, among the candidates the store found. Pure.

Candidates come newest first (same order id, or same relay alias). A notification carrying a
return or claim id never matches a case with another id. A return request on an order whose
last return case is over starts a new case (a buyer may return another item later) — unless it
is older than that case, i.e. a late duplicate of what opened it. A-to-Z claims and
cancellation requests are one per order: they always go to the order's case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.core.state import FINAL_STATES
from bot.core.domain import CaseState, Kind

#: Notifications that may open a second case on the same order.
OPENING_KINDS = frozenset({Kind.RETURN_REQUEST})


def pick_case(kind: Kind, event_time: datetime | None, own_id: str | None,
              candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The case to update, or None to open a new one."""
    for row in candidates:
        theirs = row.get("return_request_id") or row.get("claim_id")
        if own_id and theirs:
            if own_id != theirs:
                continue
            return row  # same Amazon id: the same case, whatever its state
        if kind in OPENING_KINDS and CaseState(row["state"]) in FINAL_STATES:
            opened = row.get("opened_at")
            if event_time is not None and opened and \
                    event_time > datetime.fromisoformat(opened):
                return None  # a new request on an order whose earlier case is closed
        return row
    return None
