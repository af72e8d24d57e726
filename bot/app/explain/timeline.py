"""`explain_case`: a case's stored record (decisions, states, reminders, effects) as plain lines."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.deadlines import marketplace_zone
from bot.core.orders import order_value
from bot.edges.store import Store, parse_iso

#: What each decision rule (bot/core/decide.py RULES) means for the seller.
RULE_MEANING: dict[str, str] = {
    "auto_authorize": "acted on its own: queued Amazon's authorize link request (its outcome "
                      "is in the timeline and effects below) and told the seller",
    "recommend_authorize": "did not act on its own (links mode notify: sellerbot never "
                           "clicks): mailed the seller the authorize link to click, then FAIT; "
                           "reminders stay armed",
    "keep_item_suggestion": "did not act on its own: asked the seller, suggesting a keep-item "
                            "refund, and scheduled reminders",
    "ask_seller": "did not act on its own: asked the seller and scheduled reminders",
    "duplicate": "did nothing: same state again (duplicate notification)",
    "informational": "only informed the seller: nothing to do",
    "claim_watch": "only informed the seller: waiting for Amazon's information request",
    "settled": "cancelled the remaining reminders and informed the seller",
    "none": "did nothing: no rule applies",
}

REMINDER_STATUS = {
    "pending": "pending",
    "sent": "sent",
    "merged": "merged into a later reminder sent at the same time",
    "cancelled": "cancelled",
    "snoozed": "skipped (snoozed)",
}

_DECISION = re.compile(r"^rule (?P<rule>[\w-]+):\s*(?P<why>.*)$", re.S)


def find_case(store: Store, ref: str) -> dict[str, Any]:
    """A case by its ref, else the latest case on that order id; KeyError if neither."""
    case = store.case_by_ref(ref)
    if case is None:
        rows = store.cases_where("order_id = ?", [ref.strip()], order_by="id desc")
        case = rows[0] if rows else None
    if case is None:
        raise KeyError(f"no case {ref}")
    return case


def fmt_time(value: str | datetime | None, zone: ZoneInfo) -> str:
    """A stored time in the shown zone, "-" when there is none."""
    dt = parse_iso(value) if isinstance(value, str) else value
    if dt is None:
        return "-"
    return dt.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def _yes_no(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, "unknown")


def _money(value: Decimal, currency: str | None) -> str:
    return f"{value:.2f} {currency or ''}".strip()


def explain_case(store: Store, ref: str, *, high_value_threshold: float | Decimal | None = None,
                 tz: str | None = None) -> list[str]:
    """Human lines (English) saying why sellerbot did or did not act on a case.

    `ref` is a case ref ("R-2026-0001") or an order id (latest case). Times are shown in `tz`,
    else in the marketplace's zone. `high_value_threshold` is `policy.high_value_threshold`:
    an order at or above it without tracking or signature confirmation is flagged.
    """
    case = find_case(store, ref)
    zone = ZoneInfo(tz) if tz else marketplace_zone(case["marketplace"])
    # Flags come before the timeline: they are what the seller must look at.
    return [*_case_lines(store, case, zone), *_flag_lines(store, case, high_value_threshold),
            *_timeline_lines(store, case, zone), *_reminder_lines(store, case, zone),
            *_effect_lines(store, case, zone)]


def _case_lines(store: Store, case: dict[str, Any], zone: ZoneInfo) -> list[str]:
    """What the case is, its deadline and where that came from, snooze and linked case."""
    data = case["data"]
    out = [f"{case['ref']}: {case['kind']} case on order {case['order_id'] or '-'} "
           f"({case['marketplace'] or 'marketplace unknown'}), state {case['state']}",
           f"opened {fmt_time(case['opened_at'], zone)}; "
           f"deadline {fmt_time(case['deadline'], zone)}"
           + (f" (answer advised by {fmt_time(case['deadline_soft'], zone)})"
              if case.get("deadline_soft") else "")]
    if data.get("deadline_source") == "mail":
        out.append("deadline: the one stated in Amazon's mail (it wins over sellerbot's rule)")
    elif data.get("deadline_source") == "rule" and case.get("deadline"):
        out.append("deadline: sellerbot's rule for this step (the mail states none)")
    if data.get("needs_confirmation"):
        out.append("NEEDS CONFIRMATION: forwarded by an address not in the config; no link is "
                   "followed and no buyer mail sent until the seller confirms by reply")
    if case.get("snoozed_until"):
        out.append(f"snoozed by the seller until {fmt_time(case['snoozed_until'], zone)}")
    if case.get("linked_case_id"):
        linked = store.case(case["linked_case_id"])
        if linked:
            out.append(f"linked to {linked['ref']} ({linked['kind']}, {linked['state']})")
    return out


def _flag_lines(store: Store, case: dict[str, Any],
                threshold: float | Decimal | None) -> list[str]:
    """An uncertain effect, the order facts (high value), a return sellerbot cannot authorize."""
    out: list[str] = []
    if case.get("uncertain"):
        out.append("UNCERTAIN: a request to Amazon was in flight when sellerbot stopped; it may "
                   "or may not have happened, so sellerbot did not repeat it. Check Seller "
                   "Central, then reply FAIT/DONE (done) or AUTORISER/AUTHORIZE (not done).")
    out += _order_lines(store, case, threshold)
    if case["kind"] == "return" and case["state"] == "return_requested":
        links = sorted((case["data"].get("links") or {}).keys())
        if "authorize" not in links:
            out.append("Amazon's mail had no authorize link"
                       + (f" (links found: {', '.join(links)})" if links else "")
                       + ": sellerbot cannot authorize this return itself, the seller must do "
                         "it in Seller Central")
    return out


def _timeline_lines(store: Store, case: dict[str, Any], zone: ZoneInfo) -> list[str]:
    out = ["timeline:"]
    events = store.events(case["id"])
    if not any(e["kind"] == "decision" for e in events):
        out.append("  no decision recorded: sellerbot applied no rule to this case")
    for ev in events:
        out.append("  " + fmt_time(ev["at"], zone) + "  " + _event_line(ev))
    return out


def _reminder_lines(store: Store, case: dict[str, Any], zone: ZoneInfo) -> list[str]:
    reminders = store.reminders(case["id"])
    counts: dict[str, int] = {}
    for r in reminders:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    out = ["reminders: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                            or "none scheduled")]
    for r in reminders:
        what = "deadline alarm" if r["kind"] == "deadline" else f"{r['kind']} #{r['seq']}"
        status = REMINDER_STATUS.get(r["status"], r["status"])
        when = f" at {fmt_time(r['sent_at'], zone)}" if r.get("sent_at") and \
            r["status"] != "pending" else ""
        out.append(f"  {what} due {fmt_time(r['due_at'], zone)}: {status}{when}")
    return out


def _effect_lines(store: Store, case: dict[str, Any], zone: ZoneInfo) -> list[str]:
    effects = [e for e in store.effects() if e["case_id"] == case["id"]]
    return [f"effects: {len(effects) or 'none'}", *("  " + _effect_line(eff, zone)
                                                   for eff in effects)]


def _event_line(ev: dict[str, Any]) -> str:
    kind, reason = ev["kind"], ev["reason"] or ""
    source = f" [message {ev['source_message_id']}]" if ev.get("source_message_id") else ""
    if kind == "decision":
        m = _DECISION.match(reason)
        if m:
            rule = m.group("rule")
            meaning = RULE_MEANING.get(rule, "applied")
            return f"decision: rule {rule}: {meaning} — because {m.group('why')}"
        return f"decision: {reason}"
    if ev.get("to_state"):
        before = ev.get("from_state") or "(new case)"
        return f"{kind}: {before} -> {ev['to_state']} ({reason}){source}"
    label = {"link_followed": "link requested", "link_failed": "link request FAILED",
             "link_uncertain": "link request UNCERTAIN", "deadline_missed": "deadline MISSED",
             "effect_failed": "effect FAILED", "escalated": "escalated",
             "recommended": "recommended (not done)"}.get(kind, kind)
    state = f" while {ev['from_state']}" if ev.get("from_state") else ""
    return f"{label}{state}: {reason}{source}"


def _effect_line(eff: dict[str, Any], zone: ZoneInfo) -> str:
    payload = eff.get("payload") or {}
    held = payload.get("held")
    if eff["kind"] == "email" and held:
        what = f"notice {held.get('template', '?')} held during the first sync"
        if eff["status"] == "merged":
            return f"{what}: summarized in the one catch-up mail instead of sent alone"
        if eff["status"] == "released":
            return f"{what}: released and sent on its own"
    elif eff["kind"] == "email":
        what = f"email {payload.get('template', '?')} to {', '.join(payload.get('to') or [])}"
    elif eff["kind"] == "http":
        what = f"{payload.get('role', '?')} link request {payload.get('url', '')}"
    else:
        what = f"{eff['kind']} {eff['effect_key']}"
    status = eff["status"]
    tries = f", {eff['attempts']} attempt(s)" if eff.get("attempts") else ""
    if status == "done":
        detail = f"done at {fmt_time(eff['done_at'], zone)}"
    elif status in ("pending", "retrying"):
        detail = f"{status}, next attempt {fmt_time(eff['next_attempt_at'], zone)}{tries}"
    elif status == "uncertain":
        detail = "UNCERTAIN (may or may not have happened; not repeated)"
    else:
        detail = f"{status.upper()}{tries}"
    if eff.get("last_error"):
        detail += f"; last error: {eff['last_error']}"
    return f"{what}: {detail}"


def _order_lines(store: Store, case: dict[str, Any],
                 threshold: float | Decimal | None) -> list[str]:
    order_id = case.get("order_id")
    if not order_id:
        return []
    order = store.order(order_id)
    facts = (order or {}).get("data") or {}
    out: list[str] = []
    if order is None:
        out.append(f"no order facts for {order_id}: tracking, signature and Buy Shipping "
                   "unknown (import them with `sellerbot import-orders`)")
    else:
        out.append(f"order facts: carrier {facts.get('carrier') or 'unknown'}, tracking "
                   f"{facts.get('tracking') or 'unknown'}, shipped "
                   f"{facts.get('ship_date') or 'unknown'}, signature "
                   f"{_yes_no(facts.get('signature'))}, Buy Shipping "
                   f"{_yes_no(facts.get('buy_shipping'))}")
    if threshold is None:
        return out
    limit = Decimal(str(threshold))
    limit = limit.quantize(Decimal(1)) if limit == limit.to_integral_value() else limit
    valued = order_value(facts) if facts else None
    if valued is None:
        valued = order_value({"items": case["data"].get("items") or []})
    if valued is None and (case["data"].get("amount") or {}).get("value") is not None:
        amount = case["data"]["amount"]
        valued = (Decimal(str(amount["value"])), amount.get("currency"))
    if valued is None:
        out.append(f"high-value check: order value unknown (threshold {limit})")
        return out
    value, currency = valued
    if value < limit:
        return out
    head = f"HIGH VALUE: order {_money(value, currency)} ≥ threshold {limit}"
    if order is None:
        out.append(f"{head}; tracking and signature unknown (no order facts imported)")
        return out
    if not facts.get("tracking"):
        out.append(f"{head} shipped without a tracking number on record")
    if facts.get("signature") is not True:
        out.append(f"{head} without signature confirmation"
                   + (" on record" if facts.get("signature") is None else ""))
    return out
