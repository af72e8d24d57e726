"""The daily digest: open cases by time left, what sellerbot did in the last 24 h, claims and
amounts debited this month, and an iCalendar of every open deadline.

A shell-level module next to `bot.app.service`: it reads the store but never the clock (`now` is a
parameter) and sends nothing. The numbers given to open cases (1..n, overdue first, then by
deadline) are the ones the seller's `AUTORISER 1 3` / `AUTHORIZE ALL` refer to; `numbering`
is the mapping to persist with the digest that carried them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from bot.core.deadlines import humanize_remaining
from bot.core.domain import OPEN_STATES, CaseState
from bot.edges.mailer import max_message_size
from bot.edges.render import LOCALES, long_date
from bot.edges.store import Store, iso, parse_iso
from bot.flows.health import digest_health
from bot.flows.runtime import Runtime

#: What the seller has to do for a case in an open state (the label key used by templates).
AWAITING: dict[str, str] = {
    CaseState.RETURN_REQUESTED: "decide_return",
    CaseState.CLAIM_INFO_REQUESTED: "answer_claim",
    CaseState.CLAIM_GRANTED: "appeal",
    CaseState.MESSAGE_AWAITING_REPLY: "reply_buyer",
}

_OPEN_SQL = ",".join(f"'{s}'" for s in sorted(OPEN_STATES))
_FAR = datetime.max.replace(tzinfo=timezone.utc)
#: Overdue first (most overdue first), then by deadline, no deadline last; ISO UTC text sorts
#: as time, so SQLite orders (and limits) without Python ever seeing every case.
_URGENCY = "deadline is null, deadline, ref"

#: The digest always arrives: at most this many of the most urgent cases are shown in full
#: (fewer if the mail would not fit), the rest counted per kind and listed in the attachment.
FULL_CASES = 200
#: Entries of "what I did in the last 24 h" shown; the rest are counted.
RECENT_DONE = 60
#: Our own ceiling for the whole message, below any common server limit (the server's SIZE
#: from EHLO lowers it further).
MAX_DIGEST_BYTES = 5_000_000
#: Above this many rows the case list is attached zipped (a CSV of 100,000 cases is ~10 MB).
CSV_PLAIN_MAX_ROWS = 5000


@dataclass
class Digest:
    """`open_cases` are the cases shown in full (the most urgent); `total_open` counts all of
    them and `more_by_kind` the ones not shown, per thing to do."""

    open_cases: list[dict[str, Any]] = field(default_factory=list)
    done_last_24h: list[dict[str, Any]] = field(default_factory=list)
    claims_this_month: int = 0
    debited_this_month: list[dict[str, Any]] = field(default_factory=list)
    numbering: dict[int, str] = field(default_factory=dict)
    total_open: int = 0
    overdue_total: int = 0
    more_by_kind: list[dict[str, Any]] = field(default_factory=list)
    done_more: int = 0
    attachment: str | None = None

    @property
    def more_count(self) -> int:
        return self.total_open - len(self.open_cases)

    def to_context(self) -> dict[str, Any]:
        """The `digest` template variable."""
        return {"open_cases": self.open_cases, "done_last_24h": self.done_last_24h,
                "claims_this_month": self.claims_this_month,
                "debited_this_month": self.debited_this_month,
                # not copied: 100,000 entries for a large shop, and templates only read it
                "numbering": self.numbering, "total_open": self.total_open,
                "overdue_total": self.overdue_total, "more_by_kind": self.more_by_kind,
                "more_count": self.more_count, "done_more": self.done_more,
                "attachment": self.attachment}


# ---------------------------------------------------------------------------- open cases
def open_case_rows(store: Store, now: datetime, limit: int | None = None
                   ) -> list[dict[str, Any]]:
    """Open cases numbered 1..n by time left: overdue first (most overdue first), then by
    deadline; cases without a deadline last. Shared by the digest and the calendar;
    `limit` keeps only the most urgent (ordered and cut by SQLite)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    rows = store.cases_where(f"state in ({_OPEN_SQL})", [], order_by=_URGENCY, limit=limit)
    out: list[dict[str, Any]] = []
    for r in rows:
        deadline = parse_iso(r["deadline"])
        data = r["data"] or {}
        items = data.get("items") or []
        title = next((i.get("title") or i.get("asin") for i in items
                      if i.get("title") or i.get("asin")), None)
        out.append({
            "ref": r["ref"], "kind": r["kind"], "state": r["state"],
            "order_id": r["order_id"], "marketplace": r["marketplace"],
            "deadline": deadline,
            "overdue": deadline is not None and deadline <= now,
            "awaiting": AWAITING.get(r["state"], "other"),
            "minutes_left": (int((deadline - now).total_seconds() // 60)
                             if deadline is not None else None),
            "time_left": ({loc: humanize_remaining(deadline - now, loc) for loc in LOCALES}
                          if deadline is not None else {loc: "" for loc in LOCALES}),
            "title": title,
            "amount": data.get("amount"),
            "uncertain": bool(r.get("uncertain")),
        })
    out.sort(key=lambda c: (c["deadline"] is None, c["deadline"] or _FAR, c["ref"]))
    for number, row in enumerate(out, start=1):
        row["number"] = number
    return out


def open_case_counts(store: Store, now: datetime) -> tuple[int, int, dict[str, int]]:
    """(open cases, overdue ones, count per thing to do) in one grouped query."""
    total = overdue = 0
    by_awaiting: dict[str, int] = defaultdict(int)
    for state, n, late in store.db.execute(
            f"select state, count(*), sum(deadline <= ?) from cases where state in "
            f"({_OPEN_SQL}) group by state", [iso(now)]):
        total += n
        overdue += late or 0
        by_awaiting[AWAITING.get(state, "other")] += n
    return total, overdue, dict(by_awaiting)


def iter_open_refs(store: Store) -> Iterator[str]:
    """Refs of the open cases in digest order: the numbering, without loading the cases."""
    for (ref,) in store.db.execute(
            f"select ref from cases where state in ({_OPEN_SQL}) order by {_URGENCY}"):
        yield ref


def open_cases_csv(store: Store, now: datetime, tz: str, lang: str,
                   max_rows: int | None = None, zip_as: str | None = None
                   ) -> tuple[bytes, int]:
    """Every open case, numbered as in the digest, as CSV (UTF-8 with BOM so spreadsheets
    read the accents), streamed from SQLite; with `zip_as`, written row by row into a zip
    under that name (only compressed bytes are ever held). Returns (bytes, rows written)."""
    zone = ZoneInfo(tz)
    words = _SUMMARY.get(lang, _SUMMARY["en"])
    texts = _DESCRIPTION.get(lang, _DESCRIPTION["en"])
    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) \
        if zip_as else None
    binary = archive.open(zipfile.ZipInfo(zip_as, date_time=(2000, 1, 1, 0, 0, 0)), "w") \
        if archive is not None and zip_as else raw
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")  # type: ignore[arg-type]
    out = csv.writer(text, lineterminator="\r\n")
    out.writerow(["n", texts["case"].lower(), words["order"], "marketplace", "todo",
                  texts["deadline"].lower(), "time_left"])
    rows = 0
    for number, (ref, state, order_id, marketplace, deadline) in enumerate(store.db.execute(
            f"select ref, state, order_id, marketplace, deadline from cases where state in "
            f"({_OPEN_SQL}) order by {_URGENCY}"), start=1):
        if max_rows is not None and rows >= max_rows:
            break
        when = parse_iso(deadline)
        out.writerow([number, ref, order_id or "", marketplace or "",
                      words.get(AWAITING.get(state, "other"), words["other"]),
                      when.astimezone(zone).strftime("%Y-%m-%d %H:%M") if when else "",
                      humanize_remaining(when - now, lang) if when else ""])
        rows += 1
    text.flush()
    text.detach()
    if archive is not None:
        binary.close()
        archive.close()
    return raw.getvalue(), rows


# ---------------------------------------------------------------------------- last 24 h
def _entry(at: datetime, what: str, row: Any, **extra: Any) -> dict[str, Any]:
    entry = {"at": at, "what": what, "ref": row["ref"], "order_id": row["order_id"],
             "case_kind": row["case_kind"], "from_state": None, "to_state": None,
             "command": None, "role": None, "ok": True}
    entry.update(extra)
    return entry


_DONE_EVENT = ("(e.kind in ('link_followed', 'link_failed') or (e.to_state is not null and "
               "(e.kind like 'command:%' or e.from_state is null or "
               "e.to_state != e.from_state)))")


def _done_since(store: Store, since: datetime, now: datetime,
                limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """Transitions, links followed, seller commands applied, reminders and missed-deadline
    alerts actually sent, oldest first; with `limit`, only the latest, and how many of the
    period's entries were left out (counted by SQLite, never loaded)."""
    db = store.db
    cut = f" order by e.at desc, e.id desc limit {int(limit) * 3}" if limit else ""
    events = db.execute(
        "select * from (select e.id, e.at, e.kind, e.from_state, e.to_state, e.reason, "
        "e.case_id, c.ref, c.order_id, c.kind as case_kind from events e join cases c on "
        f"c.id = e.case_id where e.at > ? and e.at <= ? and {_DONE_EVENT}{cut}) "
        "order by at, id", [iso(since), iso(now)]).fetchall()
    cols = ("id", "at", "kind", "from_state", "to_state", "reason", "case_id", "ref",
            "order_id", "case_kind")
    rows = [dict(zip(cols, e)) for e in events]
    out: list[tuple[str, int, dict[str, Any]]] = []
    links: dict[tuple[int, str], dict[str, Any]] = {}
    for r in rows:
        at = parse_iso(r["at"])
        assert at is not None
        kind = r["kind"] or ""
        if kind in ("link_followed", "link_failed"):
            role = (r["reason"] or "").split(" ", 1)[0] or None
            entry = _entry(at, "link", r, role=role, ok=kind == "link_followed",
                           from_state=r["from_state"])
            links[(r["case_id"], r["at"])] = entry
            out.append((r["at"], r["id"], entry))
        elif kind.startswith("command:"):
            if not r["to_state"]:
                continue
            linked = links.get((r["case_id"], r["at"]))
            if linked is not None:  # the transition a followed link caused: one line
                linked["to_state"] = r["to_state"]
                continue
            out.append((r["at"], r["id"], _entry(
                at, "command", r, command=kind.split(":", 1)[1],
                from_state=r["from_state"], to_state=r["to_state"])))
        elif r["to_state"] and r["to_state"] != r["from_state"]:
            what = "opened" if not r["from_state"] else "transition"
            out.append((r["at"], r["id"], _entry(at, what, r, from_state=r["from_state"],
                                                 to_state=r["to_state"])))
    sent_where = ("o.status = 'done' and o.done_at > ? and o.done_at <= ? and "
                  "(o.effect_key like 'reminder:%' or o.effect_key like 'missed:%')")
    sent = db.execute(
        "select * from (select o.id, o.done_at, o.effect_key, c.ref, c.order_id, c.kind "
        f"from outbox o join cases c on c.id = o.case_id where {sent_where}"
        + (f" order by o.done_at desc, o.id desc limit {int(limit)}" if limit else "")
        + ") order by done_at, id", [iso(since), iso(now)]).fetchall()
    for oid, done_at, key, ref, order_id, case_kind in sent:
        at = parse_iso(done_at)
        assert at is not None
        row = {"ref": ref, "order_id": order_id, "case_kind": case_kind}
        what = "reminder" if key.startswith("reminder:") else "missed_alert"
        # outbox rows sort after events at the same second (the email follows the change)
        out.append((done_at, 1 << 40 | oid, _entry(at, what, row)))
    out.sort(key=lambda t: (t[0], t[1]))
    entries = [e for _, _, e in out]
    if limit is None or len(entries) <= limit and len(events) < limit * 3 \
            and len(sent) < limit:
        return entries, 0
    total = db.execute(
        "select (select count(*) from events e where e.at > ? and e.at <= ? and "
        f"{_DONE_EVENT}) + (select count(*) from outbox o where {sent_where})",
        [iso(since), iso(now), iso(since), iso(now)]).fetchone()[0]
    return entries[-limit:], max(0, int(total) - min(len(entries), limit))


# ---------------------------------------------------------------------------- this month
def _month_bounds(now: datetime, tz: str) -> tuple[datetime, datetime]:
    local = now.astimezone(ZoneInfo(tz))
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (start.replace(year=start.year + 1, month=1) if start.month == 12
           else start.replace(month=start.month + 1))
    return start.astimezone(timezone.utc), nxt.astimezone(timezone.utc)


def _claims_this_month(store: Store, now: datetime, tz: str
                       ) -> tuple[int, list[dict[str, Any]]]:
    start, end = _month_bounds(now, tz)
    opened = store.db.execute(
        "select count(*) from cases where kind = 'claim' and opened_at >= ? and opened_at < ?",
        [iso(start), iso(end)]).fetchone()[0]
    # A claim is debited when it was first granted to the buyer: its earliest claim_granted
    # event falls in this month (a repeated notice later does not count it twice).
    granted = store.db.execute(
        "select g.first_at, json_extract(c.data, '$.amount.value'), "
        "json_extract(c.data, '$.amount.currency') from (select case_id, min(at) as first_at "
        "from events where to_state = ? group by case_id) g join cases c on c.id = g.case_id "
        "where c.kind = 'claim' and g.first_at >= ? and g.first_at < ?",
        [str(CaseState.CLAIM_GRANTED), iso(start), iso(end)])
    sums: dict[str, Decimal] = defaultdict(Decimal)
    counts: dict[str, int] = defaultdict(int)
    for _first_at, raw_value, raw_currency in granted:
        if raw_value is None:
            continue
        try:
            value = Decimal(str(raw_value))
            currency = str(raw_currency or "").upper()
        except (TypeError, InvalidOperation):
            continue
        if not currency:
            continue
        sums[currency] += value
        counts[currency] += 1
    debited = [{"currency": cur, "value": float(sums[cur].quantize(Decimal("0.01"))),
                "claims": counts[cur]} for cur in sorted(sums)]
    return int(opened), debited


def build_digest(store: Store, now: datetime, tz: str, full: int | None = None,
                 recent: int | None = None) -> Digest:
    """The digest's content; `full` bounds the cases shown in full (the most urgent) and
    `recent` the last-24-h entries, the rest being counted. Numbering covers every case."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    ZoneInfo(tz)  # an unknown zone fails here, not half-way through a template
    cases = open_case_rows(store, now, limit=full)
    total, overdue, by_awaiting = open_case_counts(store, now)
    for c in cases:
        by_awaiting[c["awaiting"]] -= 1
    claims, debited = _claims_this_month(store, now, tz)
    done, done_more = _done_since(store, now - timedelta(hours=24), now, recent)
    numbering = ({c["number"]: c["ref"] for c in cases} if total == len(cases)
                 else dict(enumerate(iter_open_refs(store), start=1)))
    return Digest(open_cases=cases, done_last_24h=done, done_more=done_more,
                  claims_this_month=claims, debited_this_month=debited, numbering=numbering,
                  total_open=total, overdue_total=overdue,
                  more_by_kind=[{"awaiting": k, "count": n} for k, n in sorted(
                      by_awaiting.items(), key=lambda kv: (-kv[1], kv[0])) if n > 0],
                  attachment=None if not total else "sellerbot-deadlines.ics"
                  if total <= FULL_CASES else "sellerbot-cases.csv"
                  if total <= CSV_PLAIN_MAX_ROWS else "sellerbot-cases.zip")


# ---------------------------------------------------------------------------- calendar
_SUMMARY: dict[str, dict[str, str]] = {  # the digest templates' "to do" labels
    "fr": {"decide_return": "Décider du retour",
           "answer_claim": "Répondre à la réclamation A à Z",
           "appeal": "Faire appel de la réclamation A à Z",
           "reply_buyer": "Répondre à l'acheteur", "other": "Échéance", "order": "commande"},
    "en": {"decide_return": "Decide on the return", "answer_claim": "Answer the A-to-z claim",
           "appeal": "Appeal the A-to-z claim", "reply_buyer": "Reply to the buyer",
           "other": "Deadline", "order": "order"},
    "de": {"decide_return": "Über die Rücksendung entscheiden",
           "answer_claim": "A-bis-z-Garantieantrag beantworten",
           "appeal": "Einspruch gegen den A-bis-z-Garantieantrag",
           "reply_buyer": "Dem Käufer antworten", "other": "Frist", "order": "Bestellung"},
    "it": {"decide_return": "Decidere sul reso",
           "answer_claim": "Rispondere al reclamo dalla A alla Z",
           "appeal": "Presentare ricorso sul reclamo dalla A alla Z",
           "reply_buyer": "Rispondere all'acquirente", "other": "Scadenza", "order": "ordine"},
    "es": {"decide_return": "Decidir sobre la devolución",
           "answer_claim": "Responder a la reclamación de la A a la Z",
           "appeal": "Recurrir la reclamación de la A a la Z",
           "reply_buyer": "Responder al comprador", "other": "Plazo", "order": "pedido"},
}

_DESCRIPTION: dict[str, dict[str, str]] = {
    "fr": {
        "decide_return": "Autorisez ou clôturez la demande de retour dans Seller Central, ou "
                         "répondez AUTORISER ou CLORE à l'e-mail de {bot}.",
        "answer_claim": "Répondez à Amazon dans Seller Central (Performances > Réclamations "
                        "au titre de la Garantie A à Z). Sans réponse, la réclamation est "
                        "accordée et son montant débité. Puis répondez FAIT à l'e-mail de "
                        "{bot}.",
        "appeal": "Dernier délai pour faire appel dans Seller Central. Répondez FAIT à "
                  "l'e-mail de {bot} une fois l'appel déposé.",
        "reply_buyer": "Répondez à l'acheteur dans Seller Central, puis répondez FAIT (ou "
                       "IGNORER) à l'e-mail de {bot}.",
        "other": "Traitez ce dossier dans Seller Central.",
        "case": "Dossier", "deadline": "Échéance", "overdue": "Échéance dépassée.",
    },
    "en": {
        "decide_return": "Authorize or close the return request in Seller Central, or reply "
                         "AUTHORIZE or CLOSE to {bot}'s email.",
        "answer_claim": "Respond to Amazon in Seller Central (Performance > A-to-z Guarantee "
                        "Claims). Without an answer the claim is granted and its amount "
                        "debited. Then reply DONE to {bot}'s email.",
        "appeal": "Last day to appeal in Seller Central. Reply DONE to {bot}'s email once the "
                  "appeal is filed.",
        "reply_buyer": "Reply to the buyer in Seller Central, then reply DONE (or IGNORE) to "
                       "{bot}'s email.",
        "other": "Handle this case in Seller Central.",
        "case": "Case", "deadline": "Deadline", "overdue": "Deadline passed.",
    },
    "de": {
        "decide_return": "Genehmigen oder schließen Sie die Rücksendeanfrage in Seller "
                         "Central, oder antworten Sie AUTHORIZE oder CLOSE auf die E-Mail von "
                         "{bot}.",
        "answer_claim": "Antworten Sie Amazon in Seller Central (Leistung > A-bis-z-"
                        "Garantieanträge). Ohne Antwort wird dem Antrag stattgegeben und der "
                        "Betrag abgebucht. Antworten Sie danach DONE auf die E-Mail von {bot}.",
        "appeal": "Letzte Frist für einen Einspruch in Seller Central. Antworten Sie DONE auf "
                  "die E-Mail von {bot}, sobald der Einspruch eingereicht ist.",
        "reply_buyer": "Antworten Sie dem Käufer in Seller Central, dann DONE (oder IGNORE) "
                       "auf die E-Mail von {bot}.",
        "other": "Bearbeiten Sie diesen Fall in Seller Central.",
        "case": "Fall", "deadline": "Frist", "overdue": "Frist überschritten.",
    },
    "it": {
        "decide_return": "Autorizzi o chiuda la richiesta di reso in Seller Central, oppure "
                         "risponda AUTHORIZE o CLOSE all'e-mail di {bot}.",
        "answer_claim": "Risponda ad Amazon in Seller Central (Prestazioni > Reclami dalla A "
                        "alla Z). Senza risposta il reclamo viene accolto e l'importo "
                        "addebitato. Poi risponda DONE all'e-mail di {bot}.",
        "appeal": "Ultimo termine per presentare ricorso in Seller Central. Risponda DONE "
                  "all'e-mail di {bot} una volta presentato il ricorso.",
        "reply_buyer": "Risponda all'acquirente in Seller Central, poi risponda DONE (o "
                       "IGNORE) all'e-mail di {bot}.",
        "other": "Gestisca questa pratica in Seller Central.",
        "case": "Pratica", "deadline": "Scadenza", "overdue": "Scadenza superata.",
    },
    "es": {
        "decide_return": "Autorice o cierre la solicitud de devolución en Seller Central, o "
                         "responda AUTHORIZE o CLOSE al correo de {bot}.",
        "answer_claim": "Responda a Amazon en Seller Central (Rendimiento > Reclamaciones de "
                        "la A a la Z). Sin respuesta, la reclamación se concede "
                        "y se le cobra el importe. Después responda DONE al correo de {bot}.",
        "appeal": "Último plazo para recurrir en Seller Central. Responda DONE al correo de "
                  "{bot} una vez presentado el recurso.",
        "reply_buyer": "Responda al comprador en Seller Central y después DONE (o IGNORE) al "
                       "correo de {bot}.",
        "other": "Gestione este caso en Seller Central.",
        "case": "Caso", "deadline": "Plazo", "overdue": "Plazo vencido.",
    },
}


def event_uid(ref: str, deadline: datetime, domain: str = "sellerbot.local") -> str:
    """Stable per case and deadline: re-importing the calendar updates, never duplicates."""
    stamp = deadline.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    return f"{ref.lower()}-{stamp}@{domain}"


def calendar_ics(cases: list[dict[str, Any]], now: datetime, tz: str,
                 alarms_hours: tuple[float, ...] = (24, 2),
                 prodid_domain: str = "sellerbot.local", *, lang: str = "fr",
                 bot_name: str = "sellerbot") -> bytes:
    """One VEVENT per open deadline (rows from `open_case_rows`), alarms before each.

    DTSTART carries the seller's zone (TZID, with its VTIMEZONE) or UTC when `tz` is "UTC".
    Output depends only on the arguments: the same cases and `now` give the same bytes.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = ZoneInfo(tz)
    words = _SUMMARY.get(lang, _SUMMARY["en"])
    texts = _DESCRIPTION.get(lang, _DESCRIPTION["en"])
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//{bot_name}//{prodid_domain}//{lang.upper()}")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", bot_name)
    cal.add("x-wr-timezone", tz)
    stamp = now.astimezone(timezone.utc)
    # TZID needs a VTIMEZONE; icalendar < 6.1 cannot build one, so fall back to UTC there.
    utc = (tz.upper() in ("UTC", "ETC/UTC", "Z")
           or not hasattr(icalendar.Calendar, "add_missing_timezones"))
    for case in cases:
        deadline: datetime | None = case.get("deadline")
        if deadline is None:
            continue
        awaiting = case.get("awaiting") or "other"
        label = words.get(awaiting, words["other"])
        order = case.get("order_id")
        summary = f"{label} – {words['order']} {order}" if order else f"{label} – {case['ref']}"
        lines = [f"{texts['case']} {case['ref']}"
                 + (f" – {words['order']} {order}" if order else "")
                 + (f" ({case['marketplace']})" if case.get("marketplace") else "")]
        if case.get("title"):
            lines.append(str(case["title"]))
        lines.append(f"{texts['deadline']} : {long_date(deadline, lang, tz)}" if lang == "fr"
                     else f"{texts['deadline']}: {long_date(deadline, lang, tz)}")
        if deadline <= now:
            lines.append(texts["overdue"])
        lines.append(texts.get(awaiting, texts["other"]).format(bot=bot_name))
        event = icalendar.Event()
        event.add("uid", event_uid(case["ref"], deadline, prodid_domain))
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.astimezone(timezone.utc if utc else zone))
        event.add("duration", timedelta(minutes=15))
        event.add("summary", summary)
        event.add("description", "\n".join(lines))
        event.add("categories", [case.get("kind") or "case"])
        event.add("transp", "TRANSPARENT")
        event.add("x-sellerbot-ref", case["ref"])
        for hours in sorted(set(alarms_hours), reverse=True):
            alarm = icalendar.Alarm()
            alarm.add("uid", hashlib.sha1(f"{event['uid']}|{hours}".encode()).hexdigest()
                      + f"@{prodid_domain}")
            alarm.add("action", "DISPLAY")
            alarm.add("trigger", -timedelta(hours=hours))
            alarm.add("description", summary)
            event.add_component(alarm)
        cal.add_component(event)
    starts = [c["deadline"] for c in cases if c.get("deadline") is not None]
    if not utc and starts:
        # A VTIMEZONE covering a year either side of the deadlines, not 1970–2038.
        first = (min(*starts, now) - timedelta(days=366)).date()
        last = (max(starts) + timedelta(days=366)).date()
        try:
            cal.add_missing_timezones(first_date=first, last_date=last)
        except TypeError:  # icalendar 6.1: no date range
            cal.add_missing_timezones()
    return cal.to_ical()


class DigestFlow(Runtime):
    """Once a day, at the seller's hour: the digest mail with its calendar."""

    def digest_due_at(self) -> datetime | None:
        """Today's digest time (aware) if the digest is on, for the scheduler and the tick."""
        d = self.settings.digest
        if not d.enabled:
            return None
        zone = ZoneInfo(self.settings.seller.timezone)
        local = self.clock.now().astimezone(zone)
        hour, minute = (int(x) for x in d.time.split(":"))
        return local.replace(hour=hour, minute=minute, second=0, microsecond=0)

    def maybe_send_digest(self) -> bool:
        """Once per local day, at or after the configured time (also after downtime)."""
        due = self.digest_due_at()
        if due is None or self.clock.now() < due:
            return False
        return self.send_digest(tuple(self.settings.digest.alarms_hours))

    def send_digest(self, alarms_hours: tuple[float, ...] = (24, 2)) -> bool:
        """Queue today's digest (one per local day): open cases numbered by time left, what
        was done in the last 24 h, claims this month, every open deadline attached (.ics, or
        the full list as CSV when there are many). The numbering is stored under the
        digest's Message-ID. False if already queued.

        Always deliverable: the whole mail stays under MAX_DIGEST_BYTES and the server's
        SIZE from EHLO; a large shop gets its most urgent cases in full, the rest counted.
        """
        now = self.clock.now()
        s = self.settings
        tz = s.seller.timezone
        local_date = now.astimezone(ZoneInfo(tz)).date().isoformat()
        key = f"digest:{local_date}"
        if self.store.db.execute("select 1 from outbox where effect_key = ?",
                                 [key]).fetchone():
            return False
        budget = self._digest_budget()  # before the transaction: it may talk to the server
        with self.store.transaction():
            if self.store.db.execute("select 1 from outbox where effect_key = ?",
                                     [key]).fetchone():
                return False
            digest, attachments = self._bounded_digest(now, budget, alarms_hours)
            message_id = self._email_seller(None, "digest", now, effect_key=key,
                                            extra={"digest": digest.to_context(),
                                                   "health": digest_health(self.store, now, tz)},
                                            attachments=attachments)
            self.store.save_digest(message_id, local_date, digest.numbering, now)
        return True

    def _digest_budget(self) -> int:
        """Bytes the digest may take: our ceiling, lowered by the server's SIZE if it says."""
        limit = MAX_DIGEST_BYTES
        if self.dry_run_dir is None:
            server = max_message_size(self.smtp_target)
            if server:
                limit = min(limit, server)
        return limit - 8 * 1024  # headers, MIME boundaries, SMTP dot-stuffing margin

    def _bounded_digest(self, now: datetime, budget: int, alarms_hours: tuple[float, ...]
                        ) -> tuple[Digest, tuple[tuple[bytes, dict[str, Any]], ...]]:
        """Content and attachment that fit `budget` once encoded (base64 and quoted-
        printable take up to 4/3): fewer cases in full, zipped or shortened list if need be."""
        s = self.settings
        tz, lang = s.seller.timezone, s.seller.language
        total = open_case_counts(self.store, now)[0]
        full = FULL_CASES
        attachments: tuple[tuple[bytes, dict[str, Any]], ...] = ()
        name: str | None = None
        if 0 < total <= FULL_CASES:
            ics = calendar_ics(open_case_rows(self.store, now), now, tz,
                               alarms_hours=alarms_hours, prodid_domain=s.bot.domain,
                               lang=lang, bot_name=s.bot.name)
            name = "sellerbot-deadlines.ics"
            attachments = ((ics, {"maintype": "text", "subtype": "calendar", "filename": name,
                                  "params": {"method": "PUBLISH", "charset": "utf-8"}}),)
        elif total > FULL_CASES:
            rows_cap: int | None = None
            big = total > CSV_PLAIN_MAX_ROWS
            while True:
                data, rows = open_cases_csv(self.store, now, tz, lang, rows_cap,
                                            zip_as="sellerbot-cases.csv" if big else None)
                if big:
                    name = "sellerbot-cases.zip"
                    options: dict[str, Any] = {"maintype": "application", "subtype": "zip",
                                               "filename": name}
                else:
                    name = "sellerbot-cases.csv"
                    options = {"maintype": "text", "subtype": "csv", "filename": name}
                if _encoded(len(data)) <= budget // 2 or rows <= FULL_CASES:
                    break
                rows_cap = rows // 2  # a list cut short beats a digest that never arrives
            attachments = ((data, options),)
        used = sum(_encoded(len(d)) for d, _ in attachments)
        while True:
            digest = build_digest(self.store, now, tz, full=full, recent=RECENT_DONE)
            digest.attachment = name
            if full <= 10 or self._rendered_size(digest) + used <= budget:
                return digest, attachments
            full //= 2

    def _rendered_size(self, digest: Digest) -> int:
        """Encoded size of the digest's text and HTML parts (subject and headers aside)."""
        s = self.settings
        _, text, html = self.renderer.render_parts(
            "digest", s.seller.language,
            self._context(None, self.clock.now(), digest=digest.to_context()))
        return _encoded(len(text.encode()) + len(html.encode()))


def _encoded(n: int) -> int:
    """Upper bound of n bytes once base64-encoded in 76-column lines."""
    return (n + 2) // 3 * 4 * 78 // 76 + 4
