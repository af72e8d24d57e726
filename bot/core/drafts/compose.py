"""Writing a draft from a claim's facts: one section per kind of evidence, one strength rule per
claim type, the deadline and appeal-window warnings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core.drafts.evidence import ClaimFacts, as_date
from bot.core.drafts.phrases import PHRASES

APPEAL_WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    missing: list[str]  # facts the seller must add (placeholders left in the text)
    strength: str  # "strong" | "weak"
    category: str = "other"  # not_received | not_as_described | return | other
    warnings: list[str] = field(default_factory=list)  # shipped_late, delivered_late, …


# ---------------------------------------------------------------- formatting

_MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]


def format_date(value: Any, lang: str) -> str:
    """A date as a reader in `lang` writes it; a value that is no date is shown as is."""
    d = as_date(value)
    if d is None:
        return str(value)
    if lang == "en":
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    if lang == "de":
        return d.strftime("%d.%m.%Y")
    return d.strftime("%d/%m/%Y")


def format_money(amount: Any, lang: str) -> str:
    """{"value", "currency"} with two decimals (a decimal comma outside English)."""
    if not isinstance(amount, dict) or amount.get("value") is None:
        return str(amount)
    text = f"{float(amount['value']):.2f}"
    if lang != "en":
        text = text.replace(".", ",")
    return f"{text} {amount.get('currency') or ''}".strip()


@dataclass(slots=True)
class _Writer:
    """The phrases of one language, and what the draft has found missing or worrying so far."""

    lang: str
    t: dict[str, str]
    missing: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def for_language(cls, lang: str) -> _Writer:
        """English when sellerbot has no phrases for `lang`."""
        return cls(lang if lang in PHRASES else "en", PHRASES.get(lang, PHRASES["en"]))

    def todo(self, key: str) -> str:
        """A visible placeholder for a fact the seller must add, listed in `missing`."""
        if key not in self.missing:
            self.missing.append(key)
        return self.t["todo"].format(what=self.t[f"f_{key}"])

    def date(self, value: Any) -> str:
        return format_date(value, self.lang)

    def on(self, value: Any) -> str:
        """The phrase "on <date>" in this language, or nothing when the date is unknown."""
        return self.t["on"].format(date=self.date(value)) if value else ""


# ---------------------------------------------------------------- sections

def _shipped_late(f: ClaimFacts) -> bool:
    """Shipped after the ship-by date: a warning, and no Buy Shipping protection."""
    ship_date, ship_by = as_date(f.ship_date), as_date(f.ship_by)
    return ship_date is not None and ship_by is not None and ship_date > ship_by


def _shipping_lines(w: _Writer, f: ClaimFacts, protected: bool) -> list[str]:
    """Carrier, tracking and ship date, delivery against the promise, proof, signature, Buy
    Shipping. `protected`: Buy Shipping and shipped on time, so Amazon funds the claim."""
    t = w.t
    lines = [t["shipped"].format(
        ship_date=w.date(f.ship_date) if f.ship_date else w.todo("ship_date"),
        carrier=f.carrier or w.todo("carrier"), tracking=f.tracking or w.todo("tracking"))]
    if f.service:
        lines.append(t["service"].format(service=f.service))
    lines += _delivery_lines(w, f)
    if f.delivery_proof:
        lines.append(t["proof"].format(proof=f.delivery_proof))
    elif f.category == "not_received" and not f.delivered_at and not protected:
        lines.append(t["no_proof"].format(todo=w.todo("delivery_proof")))
    if f.signature:
        lines.append(t["signature"])
    if f.buy_shipping:
        lines.append(t["buy_shipping"] if protected else t["buy_shipping_late"])
    return lines


def _delivery_lines(w: _Writer, f: ClaimFacts) -> list[str]:
    """The carrier's delivery scan against the promised date; delivered late is a warning."""
    t = w.t
    delivered, promised = as_date(f.delivered_at), as_date(f.promised_date)
    if delivered and promised and delivered <= promised:
        return [t["promised_ok"].format(delivered=w.date(delivered), promised=w.date(promised))]
    if delivered and promised:
        w.warnings.append("delivered_late")
    lines: list[str] = []
    if f.delivered_at:
        lines.append(t["delivered"].format(
            delivered=w.date(f.delivered_at),
            place=t["place"].format(place=f.place) if f.place else ""))
    if promised and not delivered:
        lines.append(t["promised"].format(promised=w.date(promised)))
    return lines


_AUTHORIZED_STATES = ("return_authorized", "return_refunded", "authorized")


def _return_lines(w: _Writer, f: ClaimFacts) -> list[str]:
    """The return request: authorized, closed and why, refunded, cancelled by the buyer."""
    t, ret = w.t, f.ret
    if not ret:
        if f.category in ("not_as_described", "return"):
            return [t["return_unknown"].format(todo=w.todo("return_history"))]
        return []
    state = ret.get("state") or ""
    lines: list[str] = []
    if ret.get("authorized_at") or state in _AUTHORIZED_STATES:
        lines.append(t["return_authorized"].format(
            on=w.on(ret.get("authorized_at")),
            rma=t["rma"].format(rma=ret["rma"]) if ret.get("rma") else ""))
    if state in ("return_closed", "closed"):
        why = ret.get("close_reason") or w.todo("close_reason")
        lines.append(t["return_closed"].format(on=w.on(ret.get("closed_at")), why=why))
    if state in ("return_refunded", "refunded"):
        lines.append(t["return_refunded"].format(on=w.on(ret.get("refunded_at"))))
    if state in ("return_cancelled", "cancelled"):
        lines.append(t["return_cancelled"].format(on=w.on(ret.get("cancelled_at"))))
    return lines


def _correspondence_lines(w: _Writer, f: ClaimFacts) -> list[str]:
    """Messages exchanged with the buyer and refunds already given, when known."""
    t = w.t
    lines: list[str] = []
    if f.messages is not None:
        lines.append(t["messages"].format(n=f.messages) if f.messages > 0 else t["no_messages"])
    if f.refunds is not None:
        lines += [t["refund"].format(amount=format_money(r.get("amount"), w.lang),
                                     on=w.on(r.get("at"))) for r in f.refunds]
        if not f.refunds:
            lines.append(t["no_refund"])
    return lines


# ---------------------------------------------------------------- strength per claim type

def _strong_not_received(f: ClaimFacts, protected: bool) -> bool:
    """Not received: a delivery scan or proof, a signature, or Buy Shipping protection."""
    return bool(f.delivered_at or f.delivery_proof or protected or f.signature)


def _strong_return(f: ClaimFacts, protected: bool) -> bool:
    """Not as described, return: the return was authorized, closed with a reason, or
    refunded."""
    ret = f.ret
    authorized = bool(ret and (ret.get("authorized_at") or ret.get("state") in (
        *_AUTHORIZED_STATES, "refunded")))
    closed_with_reason = bool(ret and ret.get("state") in ("return_closed", "closed")
                              and ret.get("close_reason"))
    return authorized or closed_with_reason or bool(f.refunds)


def _strong_other(f: ClaimFacts, protected: bool) -> bool:
    """Any other claim: at least the parcel can be followed."""
    return bool(f.tracking)


_STRONG_WHEN: dict[str, Callable[[ClaimFacts, bool], bool]] = {
    "not_received": _strong_not_received,
    "not_as_described": _strong_return,
    "return": _strong_return,
    "other": _strong_other,
}


# ---------------------------------------------------------------- clocks

def _as_datetime(value: Any) -> datetime | None:
    """A datetime, or an ISO string of one; None for anything else."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, datetime) else None


def _deadline_passed(deadline_value: Any, now: datetime) -> bool:
    """The 3-day answer deadline is behind `now` (only compared when both carry a zone)."""
    deadline = _as_datetime(deadline_value)
    return (deadline is not None and deadline.tzinfo is not None and now.tzinfo is not None
            and deadline < now)


def _decision(decided_at: Any, now: datetime) -> tuple[datetime | None, bool]:
    """When the appealed decision was made, and whether its 30-day appeal window has closed
    (compared without zones when either side has none)."""
    decided = _as_datetime(decided_at) if decided_at else None
    if decided is None:
        return None, False
    if decided.tzinfo is None or now.tzinfo is None:
        then, now_cmp = decided.replace(tzinfo=None), now.replace(tzinfo=None)
    else:
        then, now_cmp = decided, now
    return decided, now_cmp > then + APPEAL_WINDOW


# ---------------------------------------------------------------- the draft

def _frame(w: _Writer, f: ClaimFacts, lines: list[str], *, strong: bool, appeal: bool,
           decided_on: datetime | None, seller_name: str | None) -> str:
    """Greeting, introduction, the facts as a list, the closing request, the signature."""
    t = w.t
    reason = t["reason"].format(reason=f.reason) if f.reason else ""
    if appeal:
        decided_text = t["decided"].format(date=w.date(decided_on)) if decided_on else ""
        intro = t["intro_appeal"].format(order=f.order_id, reason=reason, decided=decided_text)
        closing = t["close_appeal"]
    else:
        intro = t["intro"].format(order=f.order_id, reason=reason)
        closing = t["close_strong"] if strong else t["close_weak"]
    body = [t["hello"], "", intro, ""] + [f"- {line}" for line in lines]
    body += ["", closing, "", t["regards"]]
    if seller_name:
        body.append(seller_name)
    return "\n".join(body).replace("\n\n\n", "\n\n") + "\n"


def compose(f: ClaimFacts, lang: str, now: datetime, *, appeal: bool,
            seller_name: str | None) -> Draft:
    """The claim answer (or appeal) for `f` in `lang`; strong when no fact is missing and the
    evidence its claim type needs is there."""
    w = _Writer.for_language(lang)
    shipped_late = _shipped_late(f)
    if shipped_late:
        w.warnings.append("shipped_late")
    protected = f.buy_shipping and not shipped_late
    lines: list[str] = []
    # shipping: always for not-received claims; for the others when sellerbot knows it
    if f.category in ("not_received", "other") or f.tracking or f.carrier:
        lines += _shipping_lines(w, f, protected)
    lines += _return_lines(w, f)
    lines += _correspondence_lines(w, f)
    strong = not w.missing and _STRONG_WHEN.get(f.category, _strong_other)(f, protected)
    if _deadline_passed(f.deadline, now):
        w.warnings.append("deadline_passed")
    decided_on = None
    if appeal:
        decided_on, window_closed = _decision(f.decided_at, now)
        if window_closed:
            w.warnings.append("appeal_window_closed")
    text = _frame(w, f, lines, strong=strong, appeal=appeal, decided_on=decided_on,
                  seller_name=seller_name)
    return Draft(text=text, missing=w.missing, strength="strong" if strong else "weak",
                 category=f.category, warnings=w.warnings)
