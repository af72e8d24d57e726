"""Why sellerbot did (or did not) act on a case, and an evidence bundle for claim answers.

`explain_case` turns the stored record — decision events ("rule <name>: <why>"), state
transitions, reminders, outbox effects, the uncertain flag and the order facts — into plain
English lines. `export_evidence` writes a zip with that timeline (`summary.txt`), the same
data as JSON (`summary.json`) and every raw email that is available.

sellerbot does not keep processed mail: only quarantined messages are stored raw. So the zip
holds the raw .eml of a case's messages only when `raw_dir_lookup` finds them (a folder of
.eml files exported from the mailbox, or a function), plus quarantined messages that mention
the order id and the emails sellerbot itself sent about the case (kept in the outbox); every
other message is listed by Message-ID, and the summary says so.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.deadlines import marketplace_zone
from bot.core.orders import order_value
from bot.edges.store import Store, parse_iso, private_file
from bot.flows.orders_import import case_evidence, case_messages

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

RawLookup = Callable[[str], "bytes | Path | None"]
_DECISION = re.compile(r"^rule (?P<rule>[\w-]+):\s*(?P<why>.*)$", re.S)


def _find_case(store: Store, ref: str) -> dict[str, Any]:
    case = store.case_by_ref(ref)
    if case is None:
        rows = store.cases_where("order_id = ?", [ref.strip()], order_by="id desc")
        case = rows[0] if rows else None
    if case is None:
        raise KeyError(f"no case {ref}")
    return case


def _fmt(value: str | datetime | None, zone: ZoneInfo) -> str:
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
    case = _find_case(store, ref)
    zone = ZoneInfo(tz) if tz else marketplace_zone(case["marketplace"])
    data = case["data"]
    out = [f"{case['ref']}: {case['kind']} case on order {case['order_id'] or '-'} "
           f"({case['marketplace'] or 'marketplace unknown'}), state {case['state']}",
           f"opened {_fmt(case['opened_at'], zone)}; deadline {_fmt(case['deadline'], zone)}"
           + (f" (answer advised by {_fmt(case['deadline_soft'], zone)})"
              if case.get("deadline_soft") else "")]
    if data.get("deadline_source") == "mail":
        out.append("deadline: the one stated in Amazon's mail (it wins over sellerbot's rule)")
    elif data.get("deadline_source") == "rule" and case.get("deadline"):
        out.append("deadline: sellerbot's rule for this step (the mail states none)")
    if data.get("needs_confirmation"):
        out.append("NEEDS CONFIRMATION: forwarded by an address not in the config; no link is "
                   "followed and no buyer mail sent until the seller confirms by reply")
    if case.get("snoozed_until"):
        out.append(f"snoozed by the seller until {_fmt(case['snoozed_until'], zone)}")
    if case.get("linked_case_id"):
        linked = store.case(case["linked_case_id"])
        if linked:
            out.append(f"linked to {linked['ref']} ({linked['kind']}, {linked['state']})")

    # -- flags first: they are what the seller must look at.
    if case.get("uncertain"):
        out.append("UNCERTAIN: a request to Amazon was in flight when sellerbot stopped; it may "
                   "or may not have happened, so sellerbot did not repeat it. Check Seller "
                   "Central, then reply FAIT/DONE (done) or AUTORISER/AUTHORIZE (not done).")
    out += _order_lines(store, case, high_value_threshold)
    if case["kind"] == "return" and case["state"] == "return_requested":
        links = sorted((data.get("links") or {}).keys())
        if "authorize" not in links:
            out.append("Amazon's mail had no authorize link"
                       + (f" (links found: {', '.join(links)})" if links else "")
                       + ": sellerbot cannot authorize this return itself, the seller must do "
                         "it in Seller Central")

    # -- timeline
    out.append("timeline:")
    events = store.events(case["id"])
    if not any(e["kind"] == "decision" for e in events):
        out.append("  no decision recorded: sellerbot applied no rule to this case")
    for ev in events:
        out.append("  " + _fmt(ev["at"], zone) + "  " + _event_line(ev))

    # -- reminders
    reminders = store.reminders(case["id"])
    counts: dict[str, int] = {}
    for r in reminders:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    out.append("reminders: " + (", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                                or "none scheduled"))
    for r in reminders:
        what = "deadline alarm" if r["kind"] == "deadline" else f"{r['kind']} #{r['seq']}"
        status = REMINDER_STATUS.get(r["status"], r["status"])
        when = f" at {_fmt(r['sent_at'], zone)}" if r.get("sent_at") and \
            r["status"] != "pending" else ""
        out.append(f"  {what} due {_fmt(r['due_at'], zone)}: {status}{when}")

    # -- outbox effects
    effects = [e for e in store.effects() if e["case_id"] == case["id"]]
    out.append(f"effects: {len(effects) or 'none'}")
    for eff in effects:
        out.append("  " + _effect_line(eff, zone))
    return out


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
        detail = f"done at {_fmt(eff['done_at'], zone)}"
    elif status in ("pending", "retrying"):
        detail = f"{status}, next attempt {_fmt(eff['next_attempt_at'], zone)}{tries}"
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


# ---------------------------------------------------------------------------- evidence zip
def _message_id_of(raw: bytes) -> str | None:
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    msg = email.message_from_bytes(head + b"\n\n", policy=email.policy.compat32)
    value = msg.get("Message-ID")
    return str(value).strip() if value else None


def eml_folder_lookup(folder: str | Path) -> RawLookup:
    """A lookup over every *.eml under `folder` (e.g. a mailbox export), by Message-ID."""
    index: dict[str, Path] = {}
    for path in sorted(Path(folder).rglob("*.eml")):
        try:
            mid = _message_id_of(path.read_bytes()[:65536])
        except OSError:
            continue
        if mid:
            index.setdefault(_norm_mid(mid), path)
    return lambda mid: index.get(_norm_mid(mid))


def _norm_mid(mid: str) -> str:
    return mid.strip().strip("<>").strip().lower()


def _safe_name(mid: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@+-]+", "_", mid.strip().strip("<>"))[:100] or "message"


def _raw_from_lookup(lookup: RawLookup | None, mid: str) -> bytes | None:
    if lookup is None:
        return None
    found = lookup(mid)
    if found is None:
        return None
    return found.read_bytes() if isinstance(found, Path) else bytes(found)


def export_evidence(store: Store, ref: str, out_zip: Path,
                    raw_dir_lookup: RawLookup | str | Path | None = None, *,
                    high_value_threshold: float | Decimal | None = None,
                    tz: str | None = None) -> Path:
    """Write `out_zip`: summary.txt, summary.json, messages/*.eml, quarantine/*.eml, sent/*.eml.

    `raw_dir_lookup` finds a case message's raw bytes by Message-ID: a folder of .eml files,
    a function `(message_id) -> bytes | Path | None`, or None (nothing but what the store
    holds).
    """
    case = _find_case(store, ref)
    lookup: RawLookup | None
    if isinstance(raw_dir_lookup, (str, Path)):
        lookup = eml_folder_lookup(raw_dir_lookup)
    else:
        lookup = raw_dir_lookup
    lines = explain_case(store, case["ref"], high_value_threshold=high_value_threshold, tz=tz)
    evidence = case_evidence(store, case)
    files: dict[str, bytes] = {}

    rows = {m["message_id"]: m for m in case_messages(store, case["id"]) if m["message_id"]}
    messages: list[dict[str, Any]] = []
    for n, mid in enumerate(evidence["message_ids"], start=1):
        row = rows.get(mid) or {}
        raw = _raw_from_lookup(lookup, mid)
        name = None
        if raw is not None:
            name = f"messages/{n:02d}-{_safe_name(mid)}.eml"
            files[name] = raw
        messages.append({"message_id": mid, "kind": row.get("kind"), "status": row.get("status"),
                         "subject": row.get("subject"), "processed_at": row.get("processed_at"),
                         "file": name})

    quarantined: list[dict[str, Any]] = []
    if case.get("order_id"):
        for qid, reason, raw, created, mid in store.db.execute(
                "select q.id, q.reason, q.raw, q.created_at, m.message_id from quarantine q "
                "left join messages m on m.id = q.message_row "
                "where instr(q.raw, ?) > 0 order by q.id",
                [case["order_id"].encode()]).fetchall():
            name = f"quarantine/{qid:04d}-{_safe_name(mid or str(qid))}.eml"
            files[name] = bytes(raw)
            quarantined.append({"message_id": mid, "reason": reason, "created_at": created,
                                "file": name})

    sent: list[dict[str, Any]] = []
    for eff in store.effects():
        if eff["case_id"] != case["id"] or eff["kind"] != "email":
            continue
        raw_text = (eff.get("payload") or {}).get("raw")
        name = f"sent/{eff['id']:04d}-{eff['payload'].get('template', 'email')}.eml"
        if raw_text:
            files[name] = raw_text.encode("utf-8")
        sent.append({"message_id": eff["message_id"], "template": eff["payload"].get("template"),
                     "status": eff["status"], "done_at": eff["done_at"],
                     "file": name if raw_text else None})

    missing = [m["message_id"] for m in messages if m["file"] is None]
    note = ("sellerbot does not keep processed emails (only quarantined ones are stored raw). "
            f"{len(messages) - len(missing)} of {len(messages)} message(s) of this case are "
            "included as .eml")
    if missing:
        note += "; the others are listed by Message-ID: find them in the mailbox by that header"

    text = [f"Evidence for {case['ref']} (order {case['order_id'] or '-'})", "", *lines, "",
            "order facts for a claim answer:"]
    order = evidence["order"]
    for key in ("ordered_at", "status", "ship_service_level", "carrier", "tracking",
                "ship_date", "signature", "buy_shipping", "value", "delivery"):
        text.append(f"  {key}: {order.get(key) if order.get(key) not in (None, {}) else 'unknown'}")
    for item in order["items"]:
        price = item.get("price") or {}
        text.append(f"  item: {item.get('qty') or '?'} x {item.get('title') or '?'} "
                    f"(SKU {item.get('sku') or '-'}, ASIN {item.get('asin') or '-'}"
                    + (f", {price.get('value')} {price.get('currency') or ''}".rstrip()
                       if price.get("value") is not None else "") + ")")
    if evidence["missing"]:
        text.append(f"  missing: {', '.join(evidence['missing'])}")
    text += ["", "messages:", f"  {note}."]
    for m in messages:
        text.append(f"  {m['message_id']}  {m['kind'] or '-'}  "
                    + (f"included as {m['file']}" if m["file"] else "NOT included (not stored)"))
    if quarantined:
        text.append("quarantined messages mentioning the order (stored raw):")
        text += [f"  {q['message_id'] or '-'}  {q['reason']}  -> {q['file']}" for q in quarantined]
    if sent:
        text.append("emails sellerbot sent about this case:")
        text += [f"  {s['message_id']}  {s['template']}  {s['status']}"
                 + (f"  -> {s['file']}" if s["file"] else "") for s in sent]

    summary = {"case": evidence["case"], "order": order, "missing": evidence["missing"],
               "reason": evidence["reason"], "customer_comment": evidence["customer_comment"],
               "linked_case": evidence["linked_case"], "events": evidence["events"],
               "explanation": lines, "messages": messages, "messages_note": note,
               "not_included": missing, "quarantined": quarantined, "sent": sent}
    stamp = parse_iso(case.get("updated_at")) or parse_iso(case.get("opened_at"))
    date_time = (stamp.timetuple()[:6] if stamp and stamp.year >= 1980
                 else (1980, 1, 1, 0, 0, 0))
    out_zip = Path(out_zip)
    out_zip.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_zip.with_name(out_zip.name + ".part")
    tmp.unlink(missing_ok=True)
    private_file(tmp)  # buyer mails and addresses: 0600 whatever the umask
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, content in [("summary.txt", ("\n".join(text) + "\n").encode("utf-8")),
                              ("summary.json", json.dumps(summary, ensure_ascii=False, indent=2,
                                                          default=str).encode("utf-8")),
                              *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, content)
    tmp.replace(out_zip)
    return out_zip
