"""The daily digest flow: once a day at the seller's hour, the digest mail with its calendar
or case list attached, always small enough to be delivered."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


from bot.edges.mailer import max_message_size
from bot.edges.store import Store
from bot.flows.health import digest_health

from bot.edges.clock import Clock
from bot.edges.config import Settings
from bot.edges.render import Renderer
from bot.edges.mailer import SmtpTarget
from bot.flows.digest.calendar import calendar_ics
from bot.flows.digest.content import (CSV_PLAIN_MAX_ROWS, FULL_CASES, MAX_DIGEST_BYTES,
                                      RECENT_DONE, Digest, build_digest, open_case_counts,
                                      open_case_rows, open_cases_csv)
from bot.flows.seller_mail import SellerMail

class Digests:
    """Once a day, at the seller's hour: the digest mail with its calendar."""

    def __init__(self, settings: Settings, store: Store, clock: Clock, renderer: Renderer,
                 seller_mail: SellerMail, smtp_target: SmtpTarget,
                 dry_run_dir: str | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.renderer = renderer
        self.seller_mail = seller_mail
        self.smtp_target = smtp_target
        self.dry_run_dir = dry_run_dir

    def due_at(self) -> datetime | None:
        """Today's digest time (aware) if the digest is on, for the scheduler and the tick."""
        d = self.settings.digest
        if not d.enabled:
            return None
        zone = ZoneInfo(self.settings.seller.timezone)
        local = self.clock.now().astimezone(zone)
        hour, minute = (int(x) for x in d.time.split(":"))
        return local.replace(hour=hour, minute=minute, second=0, microsecond=0)

    def maybe_send(self) -> bool:
        """Once per local day, at or after the configured time (also after downtime)."""
        due = self.due_at()
        if due is None or self.clock.now() < due:
            return False
        return self.send(tuple(self.settings.digest.alarms_hours))

    def send(self, alarms_hours: tuple[float, ...] = (24, 2)) -> bool:
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
            message_id = self.seller_mail.send(None, "digest", now, effect_key=key,
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
            self.seller_mail.context(None, self.clock.now(), digest=digest.to_context()))
        return _encoded(len(text.encode()) + len(html.encode()))


def _encoded(n: int) -> int:
    """Upper bound of n bytes once base64-encoded in 76-column lines."""
    return (n + 2) // 3 * 4 * 78 // 76 + 4
