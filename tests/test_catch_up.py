"""Catch-up after downtime: reminders that fell due while sellerbot was stopped become one
summary (real store, real SMTP sink, real Seller Central stand-in), never a burst and never
silence; the summary's numbers answer `AUTORISER 1 3`; escalations still ahead stay armed."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from timeshift import PARIS, at, paris

from bot.edges.clock import FixedClock
from bot.edges.store import parse_iso
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from bot.app.service import Service
from tests.test_abuse import (BACKUP, SELLER, WAIT, make_service, parsed, return_request_for,
                              seller_reply)

START = at(2026, 11, 22, 7, 0, tz=PARIS)


def _order(n: int) -> str:
    return f"405-33{n:05d}-7{n:06d}"


def _open(svc: Service, clock: FixedClock, smtp_sink: SmtpSink, numbers: range) -> None:
    for n in numbers:
        raw = return_request_for(_order(n), clock.now() - timedelta(minutes=1),
                                 f"<cu-{n}@amazonses.com>")
        assert svc.ingest(raw) == "case"
    svc.tick()


def _deadlines(svc: Service) -> dict[str, object]:
    return {c["order_id"]: parse_iso(c["deadline"])
            for c in svc.store.cases_where("kind = 'return'", [])}


def test_downtime_gives_one_summary_then_escalations_go_on(tmp_path: Path, smtp_sink: SmtpSink,
                                                          link_standin: ActionLinkStandIn
                                                          ) -> None:
    clock = FixedClock(START)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False})
    _open(svc, clock, smtp_sink, range(1, 7))        # six cases, deadline D
    clock.advance(hours=24)
    _open(svc, clock, smtp_sink, range(7, 13))       # six more, deadline D + 24 h
    smtp_sink.wait_for(12, WAIT)
    before = len(smtp_sink.messages)
    deadlines = _deadlines(svc)
    first_batch = max(deadlines[_order(n)] for n in range(1, 7))
    second_batch = min(deadlines[_order(n)] for n in range(7, 13))
    # Down from here until just after the first batch's deadlines: those are missed, the
    # second batch's deadline-24 h reminder fell due, its deadline-6 h one is still ahead.
    clock.set(first_batch + timedelta(minutes=30))
    assert clock.now() < second_batch - timedelta(hours=6)
    svc.tick()
    mails = smtp_sink.wait_for(before + 1, WAIT)
    svc.tick()
    assert len(smtp_sink.messages) == before + 1, "one summary, not one mail per case"
    summary = parsed(mails[before])
    subject = str(summary["Subject"])
    assert "12 dossiers" in subject and "dont 6 en retard" in subject
    assert _order(1) in subject or any(_order(n) in subject for n in range(1, 7))
    assert f"{paris(min(deadlines.values())):%d/%m %H:%M}" in subject
    assert BACKUP in str(summary["To"]) and SELLER in str(summary["To"])
    text = summary.get_body(("plain",)).get_content()
    lines = [ln for ln in text.splitlines() if ln[:6].strip().rstrip(".").isdigit()]
    assert len(lines) == 12, text
    assert all("EN RETARD" in ln for ln in lines[:6]) and not any("EN RETARD" in ln
                                                                  for ln in lines[6:])
    assert "en retard de 30 min" in text and "dans " in text
    # Missed deadlines are recorded today; the cases still ahead keep their later reminders.
    for c in svc.store.cases_where("kind = 'return'", []):
        kinds = [e["kind"] for e in svc.store.events(c["id"])]
        pending = [r for r in svc.store.reminders(c["id"]) if r["status"] == "pending"]
        if parse_iso(c["deadline"]) <= clock.now():
            assert kinds.count("deadline_missed") == 1 and not pending
        else:
            assert "deadline_missed" not in kinds and pending
            assert all(parse_iso(r["due_at"]) > clock.now() for r in pending)

    # The summary is answerable: its number 7 is the first case whose deadline is ahead.
    clock.advance(minutes=1)
    assert svc.ingest(seller_reply(summary, "AUTORISER 7", clock.now())) == "commands"
    svc.tick()
    hits = link_standin.wait_for_hits(1, WAIT)
    number7 = re.search(r"commande (\S+)", lines[6])
    assert number7 and hits[0].params["searchString"][0] == number7.group(1)

    # Later, the deadline-6 h escalation of the five others goes out one by one.
    clock.set(second_batch - timedelta(hours=5, minutes=30))
    sent = len(smtp_sink.wait_for(before + 2, WAIT))
    svc.tick()
    reminders = [parsed(m) for m in smtp_sink.wait_for(sent + 5, WAIT)[sent:]]
    assert len(reminders) == 5
    assert all("Rappel" in str(m["Subject"]) for m in reminders)


def test_a_few_due_reminders_still_go_out_one_per_case(tmp_path: Path, smtp_sink: SmtpSink,
                                                      link_standin: ActionLinkStandIn) -> None:
    clock = FixedClock(START)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False})
    _open(svc, clock, smtp_sink, range(1, 4))
    smtp_sink.wait_for(3, WAIT)
    deadline = min(_deadlines(svc).values())
    clock.set(deadline - timedelta(hours=20))  # the deadline-24 h reminders are due
    svc.tick()
    mails = smtp_sink.wait_for(6, WAIT)
    assert all("Rappel" in str(parsed(m)["Subject"]) for m in mails[3:])
    assert not any("Rattrapage" in str(parsed(m)["Subject"]) for m in mails)
