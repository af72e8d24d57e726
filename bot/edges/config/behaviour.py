"""Sections for whom sellerbot works and how it acts: seller, bot, reminders, answers, policy."""

from __future__ import annotations

import re
from datetime import date, time
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from .base import Section, check_email, check_hhmm, is_hhmm_range


class SellerSettings(Section):
    name: str = "Seller"
    addresses: list[str] = Field(min_length=1, description="who may send commands")
    notify: list[str] = Field(default_factory=list, description="who receives notices")
    backup: str | None = None
    language: Literal["fr", "en", "de", "it", "es"] = "fr"
    timezone: str = "Europe/Paris"

    _emails = field_validator("addresses", "notify", mode="after")(
        lambda v: [check_email(a) for a in v])

    @field_validator("backup")
    @classmethod
    def _backup(cls, v: str | None) -> str | None:
        return check_email(v) if v else v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (e.g. 'Europe/Paris')") from None
        return v

    @property
    def recipients(self) -> list[str]:
        return self.notify or self.addresses[:1]


class BotSettings(Section):
    address: str
    secret: str | None = None
    secret_env: str | None = None
    secret_command: str | None = None
    name: str = "sellerbot"
    database: str = "sellerbot.db"
    token_days: int = Field(default=21, ge=1, le=365)
    subject_tag: str = "sellerbot"
    #: Loop guards on the answers to seller replies (commands are always executed): high
    #: enough that a seller clearing a backlog of 50 commands in an hour never reaches them.
    max_replies_per_thread_per_hour: int = Field(default=60, ge=1)
    max_replies_per_sender_per_hour: int = Field(default=200, ge=1)
    watchdog_minutes: int = Field(default=30, ge=1)
    #: No mail has reached the seller for this long while some wait: CRITICAL, doctor fails.
    smtp_alert_minutes: int = Field(default=30, ge=1)
    #: Wall time one message may take to parse (in a worker); beyond: quarantined too_complex.
    parse_budget_seconds: float = Field(default=5.0, gt=0, le=600)

    _addr = field_validator("address")(lambda v: check_email(v))

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


class AuthSettings(Section):
    trusted_authserv_ids: list[str] = Field(default_factory=list)
    require_dmarc_for_commands: bool = False


class ReminderSettings(Section):
    quiet_hours: str | None = "22:00-07:30"
    return_offsets_hours: list[float] = Field(default_factory=lambda: [24, 6, 2])
    claim_offsets_hours: list[float] = Field(default_factory=lambda: [48, 24, 6])
    message_offsets_hours: list[float] = Field(default_factory=lambda: [12, 3, 1])
    appeal_offsets_hours: list[float] = Field(default_factory=lambda: [168, 48, 24])
    refund_offsets_hours: list[float] = Field(default_factory=lambda: [24, 4])

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, v: str | None) -> str | None:
        if v and not is_hhmm_range(v):
            raise ValueError("expected 'HH:MM-HH:MM', e.g. '22:00-07:30'")
        return v or None

    def quiet_window(self) -> tuple[time, time] | None:
        if not self.quiet_hours:
            return None
        start, end = self.quiet_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)


class BuyerSettings(Section):
    """Answers to buyers go through Amazon's relay, which only accepts the address the seller
    approved in Seller Central (Settings > Notification preferences > Approved senders)."""

    #: RÉPONDRE / GARDER reach the buyer through Amazon's relay (needs `sender`); false:
    #: sellerbot mails you the text to paste in Seller Central instead.
    answers: bool = True
    sender: str | None = None
    sender_name: str | None = None
    allowed_hosts: list[str] = Field(default_factory=list,
                                     description="extra hosts a buyer message may link to")

    @field_validator("sender")
    @classmethod
    def _sender(cls, v: str | None) -> str | None:
        return check_email(v) if v else v


class DigestSettings(Section):
    """A daily summary mail with every open deadline as an iCalendar attachment."""

    enabled: bool = True
    time: str = "08:00"  # seller's local time
    alarms_hours: list[float] = Field(default_factory=lambda: [24, 2])

    _time = field_validator("time")(check_hhmm)


class ShippingSettings(Section):
    """Orders to ship: one list a morning, one reminder before the ship-by date passes."""

    enabled: bool = True
    morning_time: str = "08:00"  # seller's local time: "to ship today"
    reminder_time: str = "15:00"  # orders due today still not confirmed shipped
    handling_days: int = Field(default=2, ge=0, le=30)  # when no ship-by date is known

    _times = field_validator("morning_time", "reminder_time")(check_hhmm)


class AwayPeriod(Section):
    """Days the seller is away (inclusive, seller's time zone)."""

    start: date
    end: date

    @model_validator(mode="after")
    def _order(self) -> "AwayPeriod":
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class SignatureThreshold(Section):
    """Orders worth at least `amount` (in `currency`) ship with signature confirmation."""

    amount: float = Field(ge=0)
    currency: str = "EUR"

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z]{3}", v):
            raise ValueError("expected a 3-letter currency code, e.g. 'EUR'")
        return v.upper()


class PolicySettings(Section):
    auto_authorize: Literal["none", "in_policy", "all"] = "none"
    auto_authorize_reasons: list[str] = Field(default_factory=list)
    auto_authorize_max_value: float | None = Field(default=None, ge=0)
    keep_item_factor: float = Field(default=1.0, gt=0)
    return_shipping_cost: dict[str, float] = Field(default_factory=dict)
    high_value_threshold: float | None = Field(default=None, ge=0)
    confirm_refunds_above: float = Field(default=100.0, ge=0)
    #: marketplace ("amazon.fr", or "default") -> {amount, currency}: ship with signature.
    signature_threshold: dict[str, SignatureThreshold] = Field(default_factory=dict)
    #: SKU -> authorize | manual, like Seller Central's own return settings per SKU.
    sku_overrides_file: str | None = None
    #: Away mode: in-policy requests authorized automatically, the backup gets the mails.
    away: list[AwayPeriod] = Field(default_factory=list)
