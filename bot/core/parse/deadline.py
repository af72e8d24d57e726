"""The deadline a parsed notice carries: the one the mail states, else Amazon's rule for its
kind (48 h for a return request, 72 h for a claim, 24 h for a buyer message...)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core.domain import Kind, Notice

from .dates import add_calendar_days, add_hours
from .orders import MARKETPLACE_TZ
from .stated import stated_deadline


def set_deadline(n: Notice, default_tz: str, text: str = "") -> None:
    """The rule-based deadline, unless the mail states one (then deadline_source = "mail")."""
    t = n.event_time
    if n.kind is Kind.ORDER_PLACED:
        n.deadline = n.ship_by
        n.deadline_source = "mail" if n.ship_by else None  # the ship-by date the mail states
        return
    if t is None:
        return
    if n.kind in (Kind.RETURN_REQUEST, Kind.CLAIM_INFO_REQUESTED) and text:
        stated = None
        if n.deadline_source != "mail":
            zone = MARKETPLACE_TZ.get(n.marketplace or "", default_tz)
            stated = stated_deadline(text, t, zone, us=n.marketplace == "amazon.com")
        if stated is not None and n.kind is Kind.RETURN_REQUEST and stated[1] is not None \
                and stated[1] < 48:
            # "please respond within 24 hours" is Amazon's advice (the soft deadline); the
            # buyer may file a claim only after 48 h, which stays the hard deadline
            stated = None
        if stated is not None:
            n.deadline = stated[0].astimezone(ZoneInfo(default_tz))
            n.deadline_hours = stated[1]
            n.deadline_source = "mail"
            return
    if n.kind is Kind.RETURN_REQUEST:
        n.deadline = add_hours(t, 48)
        n.deadline_source = "rule"
    elif n.kind is Kind.CLAIM_INFO_REQUESTED:
        n.deadline = add_hours(t, n.deadline_hours or 72)
        n.deadline_source = n.deadline_source or "rule"
    elif n.kind is Kind.CLAIM_DECIDED and n.decision == "granted_to_buyer":
        n.deadline = add_calendar_days(t.astimezone(ZoneInfo(default_tz)), 30)
        n.deadline_source = "rule"
    elif n.kind is Kind.BUYER_MESSAGE:
        n.deadline = add_hours(t, 24)
        n.deadline_source = "rule"
