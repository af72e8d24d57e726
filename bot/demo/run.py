"""`sellerbot demo`: the whole loop in one process, no account, no network.

An SMTP intake (aiosmtpd) receives a shipped French return request; the daemon opens a case and
mails a notice to an SMTP sink; the clock jumps to the first reminder; a seller reply
(AUTORISER) comes back through the intake; the authorize link is requested on a loopback
stand-in for Seller Central; the confirmation lands in the sink. Then an order notification
arrives and the clock jumps to the next ship list, which reminds the seller to ship it. A FixedClock drives time: it
starts now (or at SELLERBOT_CLOCK_START) and the sample is dated a minute before, so the demo
shows real deadlines on any date.
"""

from __future__ import annotations

import email
import email.policy
import re
import smtplib
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click

from bot.edges.clock import FixedClock, clock_from_env
from bot.edges.config import settings_from_dict
from bot.app.daemon import Daemon
from bot.edges.intake import SmtpIntake
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from bot.app.service import Origin

SELLER = "claire.martin@lumen-et-cie.fr"
BOT = "assistant@lumen-et-cie.fr"


def demo_settings(db: Path, sink: SmtpSink, standin: ActionLinkStandIn) -> Any:
    return settings_from_dict({
        "seller": {"name": "Lumen & Co", "addresses": [SELLER], "backup": "hugo.petit@lumen-et-cie.fr"},
        "bot": {"address": BOT, "name": "Assistant Retours Lumen", "database": str(db),
                "secret": "demo-secret-not-for-production", "subject_tag": "Lumen-Bot"},
        "smtp": {"host": sink.host, "port": sink.port, "security": "none"},
        "links": {"mode": "follow", "stand_in": standin.base_url},
        "reminders": {"quiet_hours": "22:00-07:30"},
        "digest": {"enabled": False},
    }, source="<demo>")


def _sample(name: str) -> bytes:
    return resources.files("bot.demo.data").joinpath(name).read_bytes()


def redated(raw: bytes, when: datetime) -> bytes:
    """The sample as if Amazon had sent it at `when` (its top-level Date header replaced)."""
    head, sep, body = raw.partition(b"\r\n\r\n" if b"\r\n\r\n" in raw else b"\n\n")
    date = format_datetime(when.astimezone(timezone.utc)).encode()
    head = re.sub(rb"(?im)^Date:[^\r\n]*(\r?\n[ \t][^\r\n]*)*", b"Date: " + date, head, count=1)
    return head + sep + body


def seller_reply(to_reply: email.message.Message, command: str, when: datetime) -> bytes:
    """A top-posted reply as Thunderbird writes it, quoting the bot's mail."""
    body = to_reply.get_body(("plain",)) if hasattr(to_reply, "get_body") else None
    quoted = "\n".join("> " + line for line in (body.get_content() if body else "").splitlines())
    msg = EmailMessage()
    msg["From"] = f"Claire Martin <{SELLER}>"
    msg["To"] = to_reply["Reply-To"]
    msg["Subject"] = "Re: " + str(to_reply["Subject"])
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="lumen-et-cie.fr")
    msg["In-Reply-To"] = to_reply["Message-ID"]
    msg["References"] = to_reply["Message-ID"]
    msg.set_content(f"{command}\n\nClaire\n\nLe {when:%d/%m/%Y à %H:%M}, Assistant Retours "
                    f"Lumen a écrit :\n{quoted}\n")
    return msg.as_bytes(policy=email.policy.SMTP)


def _show(echo: Any, title: str, msg: email.message.Message) -> None:
    echo(click.style(f"\n── {title} " + "─" * max(0, 60 - len(title)), fg="cyan"))
    for header in ("From", "To", "Subject", "Message-ID", "In-Reply-To"):
        if msg[header]:
            echo(f"{header}: {str(msg[header]).strip()}")
    body = msg.get_body(("plain",)) if hasattr(msg, "get_body") else None
    text = body.get_content() if body else ""
    echo("")
    for line in text.strip().splitlines()[:28]:
        echo("  " + line)


def _next_ship_slot(settings: Any, now: datetime) -> datetime:
    """The next ship-list time (shipping.morning_time / reminder_time, seller's zone)."""
    zone = ZoneInfo(settings.seller.timezone)
    day = now.astimezone(zone).date()
    slots = sorted(datetime.combine(day + timedelta(days=d), time(*map(int, t.split(":"))),
                                    zone)
                   for d in (0, 1) for t in (settings.shipping.morning_time,
                                             settings.shipping.reminder_time))
    return next(s for s in slots if s > now)


@dataclass
class _Scene:
    """What every step of the demo acts on: the daemon, its clock, the servers around it."""

    echo: Any
    daemon: Daemon
    clock: FixedClock
    settings: Any
    sink: SmtpSink
    standin: ActionLinkStandIn
    intake: tuple[str, int]  # host, port of the daemon's SMTP intake
    timeout: float

    def say(self, text: str, *, paragraph: bool = True) -> None:
        """A line stamped with the demo clock (after a blank line, unless the first)."""
        self.echo(("\n" if paragraph else "") + f"[{self.clock.now():%Y-%m-%d %H:%M} UTC] {text}")

    def send(self, sender: str, to: str, raw: bytes) -> None:
        """Mail `raw` to the daemon's intake, as Amazon or the seller would."""
        with smtplib.SMTP(*self.intake) as smtp:
            smtp.sendmail(sender, [to], raw)


def _return_request(scene: _Scene) -> None:
    """Amazon's return request comes in; the seller gets a notice."""
    scene.say("Amazon sends a French return request (02_fr_return_request_multipart.eml) "
              "to the intake", paragraph=False)
    scene.send("donotreply@amazon.com", "ventes@lumen-et-cie.fr",
               redated(_sample("02_fr_return_request_multipart.eml"),
                       scene.clock.now() - timedelta(minutes=1)))
    notice = scene.sink.wait_for(1, scene.timeout)[-1]
    _show(scene.echo, "notice sent to the seller", notice.message)


def _first_reminder(scene: _Scene) -> email.message.Message:
    """The clock jumps to the case's first reminder; the reminder mail is returned."""
    scene.clock.advance(hours=1)
    assert scene.daemon.store is not None
    first = scene.daemon.store.next_reminder_at()
    if first is not None:
        scene.clock.set(first + timedelta(seconds=1))
    scene.say("the clock jumps to the first reminder")
    scene.daemon.wake()
    reminder = scene.sink.wait_for(2, scene.timeout)[-1]
    _show(scene.echo, "reminder", reminder.message)
    return reminder.message


def _seller_authorizes(scene: _Scene, reminder: email.message.Message) -> None:
    """The seller replies AUTORISER; the link is requested and confirmed in the thread."""
    scene.clock.advance(minutes=5)
    scene.say("the seller answers the reminder with AUTORISER (quoted text below her reply "
              "is ignored)")
    scene.send(SELLER, str(reminder["Reply-To"]),
               seller_reply(reminder, "AUTORISER", scene.clock.now()))
    hits = scene.standin.wait_for_hits(1, scene.timeout)
    scene.echo(click.style("\n── Seller Central stand-in", fg="cyan"))
    for hit in hits:
        scene.echo(f"  {hit.method} {hit.path}?{hit.query}")
    confirmation = scene.sink.wait_for(3, scene.timeout)[-1]
    _show(scene.echo, "confirmation, in the same thread", confirmation.message)


def _ship_by_reminder(scene: _Scene) -> None:
    """An order mail ("Vendu, expédiez maintenant") due the day of the next ship list; the
    clock jumps there and the list reminds the seller to ship it and reply EXPÉDIÉ."""
    clock, settings = scene.clock, scene.settings
    slot = _next_ship_slot(settings, clock.now())
    raw = _sample("14_fr_order_placed.eml").replace(
        "Exp=C3=A9dier avant le : 24 nov. 2026".encode(),
        f"Exp=C3=A9dier avant le : {slot:%d/%m/%Y}".encode())
    clock.advance(minutes=1)
    scene.say("Amazon sends an order notification (14_fr_order_placed.eml), to ship by the "
              "end of the next ship-list day")
    scene.send("seller-notification@amazon.fr", "ventes@lumen-et-cie.fr",
               redated(raw, clock.now() - timedelta(minutes=1)))
    scene.daemon.barrier(scene.timeout)  # the order is stored before the clock moves
    before = len(scene.sink.messages)
    clock.set(slot + timedelta(seconds=1))
    scene.say("the clock jumps to the ship list "
              f"({slot.astimezone(ZoneInfo(settings.seller.timezone)):%H:%M} local time)")
    scene.daemon.wake()
    reminder = scene.sink.wait_for(before + 1, scene.timeout)[-1]
    _show(scene.echo, "ship-by reminder", reminder.message)


def _summary(scene: _Scene) -> None:
    assert scene.daemon.store is not None
    cases = scene.daemon.store.cases_where("1", [])
    case = cases[0] if cases else None
    scene.echo(click.style(f"\nCase {case['ref']}: {case['state']}" if case else "no case",
                           bold=True))
    scene.echo(f"{len(scene.sink.messages)} mails sent, {len(scene.standin.hits)} link "
               "request(s); nothing sent twice.")


def run_demo(echo: Any = click.echo, timeout: float = 15.0, start: datetime | None = None) -> int:
    """`start`: the demo clock's first instant (default: now, or SELLERBOT_CLOCK_START)."""
    with tempfile.TemporaryDirectory(prefix="sellerbot-demo-") as tmp, \
            SmtpSink() as sink, ActionLinkStandIn() as standin:
        settings = demo_settings(Path(tmp) / "demo.db", sink, standin)
        clock = FixedClock((start or clock_from_env().now()).replace(microsecond=0))
        daemon = Daemon(settings, clock)
        intake = SmtpIntake(lambda raw: daemon.submit(raw, Origin(source="smtp")))
        daemon.start()
        worker = threading.Thread(target=daemon.serve, name="worker", daemon=True)
        worker.start()
        intake.start()
        scene = _Scene(echo, daemon, clock, settings, sink, standin, intake.address, timeout)
        try:
            host, port = intake.address
            echo(click.style("sellerbot demo", bold=True) + " — everything in this process: "
                 f"SMTP intake {host}:{port}, outgoing mail sink {sink.host}:{sink.port}, "
                 f"Seller Central stand-in {standin.base_url}")
            _return_request(scene)
            _seller_authorizes(scene, _first_reminder(scene))
            _ship_by_reminder(scene)
            _summary(scene)
        finally:
            intake.stop()
            daemon.stop()
            worker.join(timeout=5)
            daemon.close()
    return 0
