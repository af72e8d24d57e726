"""`export_evidence`: a case's timeline, order facts and available raw emails as one zip."""

from __future__ import annotations

import email
import email.policy
import json
import re
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from bot.app.explain.timeline import explain_case, find_case
from bot.edges.store import Store, parse_iso, private_file
from bot.flows.orders_import import case_evidence, case_messages

RawLookup = Callable[[str], "bytes | Path | None"]
Entry = dict[str, Any]  # one message listed in the summary
ORDER_FACTS = ("ordered_at", "status", "ship_service_level", "carrier", "tracking",
               "ship_date", "signature", "buy_shipping", "value", "delivery")


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
    case = find_case(store, ref)
    lookup: RawLookup | None
    if isinstance(raw_dir_lookup, (str, Path)):
        lookup = eml_folder_lookup(raw_dir_lookup)
    else:
        lookup = raw_dir_lookup
    lines = explain_case(store, case["ref"], high_value_threshold=high_value_threshold, tz=tz)
    evidence = case_evidence(store, case)
    files: dict[str, bytes] = {}  # zip member name -> raw mail
    messages = _case_mails(store, case, evidence["message_ids"], lookup, files)
    quarantined = _quarantined_mails(store, case, files)
    sent = _sent_mails(store, case, files)
    missing = [m["message_id"] for m in messages if m["file"] is None]
    note = ("sellerbot does not keep processed emails (only quarantined ones are stored raw). "
            f"{len(messages) - len(missing)} of {len(messages)} message(s) of this case are "
            "included as .eml")
    if missing:
        note += "; the others are listed by Message-ID: find them in the mailbox by that header"
    text = _summary_text(case, lines, evidence, note, messages, quarantined, sent)
    summary = {"case": evidence["case"], "order": evidence["order"],
               "missing": evidence["missing"], "reason": evidence["reason"],
               "customer_comment": evidence["customer_comment"],
               "linked_case": evidence["linked_case"], "events": evidence["events"],
               "explanation": lines, "messages": messages, "messages_note": note,
               "not_included": missing, "quarantined": quarantined, "sent": sent}
    return _write_zip(Path(out_zip), case, text, summary, files)


def _case_mails(store: Store, case: dict[str, Any], message_ids: list[str],
                lookup: RawLookup | None, files: dict[str, bytes]) -> list[Entry]:
    """Every message of the case, with its raw .eml added to `files` when the lookup has it."""
    rows = {m["message_id"]: m for m in case_messages(store, case["id"]) if m["message_id"]}
    messages: list[Entry] = []
    for n, mid in enumerate(message_ids, start=1):
        row = rows.get(mid) or {}
        raw = _raw_from_lookup(lookup, mid)
        name = None
        if raw is not None:
            name = f"messages/{n:02d}-{_safe_name(mid)}.eml"
            files[name] = raw
        messages.append({"message_id": mid, "kind": row.get("kind"), "status": row.get("status"),
                         "subject": row.get("subject"), "processed_at": row.get("processed_at"),
                         "file": name})
    return messages


def _quarantined_mails(store: Store, case: dict[str, Any], files: dict[str, bytes]
                       ) -> list[Entry]:
    """Quarantined messages (stored raw) that mention the case's order id."""
    quarantined: list[Entry] = []
    if not case.get("order_id"):
        return quarantined
    for qid, reason, raw, created, mid in store.db.execute(
            "select q.id, q.reason, q.raw, q.created_at, m.message_id from quarantine q "
            "left join messages m on m.id = q.message_row "
            "where instr(q.raw, ?) > 0 order by q.id",
            [case["order_id"].encode()]).fetchall():
        name = f"quarantine/{qid:04d}-{_safe_name(mid or str(qid))}.eml"
        files[name] = bytes(raw)
        quarantined.append({"message_id": mid, "reason": reason, "created_at": created,
                            "file": name})
    return quarantined


def _sent_mails(store: Store, case: dict[str, Any], files: dict[str, bytes]) -> list[Entry]:
    """The emails sellerbot sent about the case, as kept in the outbox."""
    sent: list[Entry] = []
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
    return sent


def _summary_text(case: dict[str, Any], lines: list[str], evidence: dict[str, Any], note: str,
                  messages: list[Entry], quarantined: list[Entry], sent: list[Entry]
                  ) -> list[str]:
    """summary.txt: the explanation, the order facts for a claim answer, what is included."""
    text = [f"Evidence for {case['ref']} (order {case['order_id'] or '-'})", "", *lines, "",
            "order facts for a claim answer:"]
    order = evidence["order"]
    for key in ORDER_FACTS:
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
    return text


def _write_zip(out_zip: Path, case: dict[str, Any], text: list[str], summary: dict[str, Any],
               files: dict[str, bytes]) -> Path:
    """Written beside the target, 0600, then renamed; member times are the case's, so the
    same case gives the same zip."""
    stamp = parse_iso(case.get("updated_at")) or parse_iso(case.get("opened_at"))
    date_time = (stamp.timetuple()[:6] if stamp and stamp.year >= 1980
                 else (1980, 1, 1, 0, 0, 0))
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
