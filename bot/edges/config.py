"""TOML -> validated, frozen settings.

A bad config must stop sellerbot at start with the file, the key and what is wrong, never
surface later as a KeyError deep in the daemon. pydantic does the checking; this module only
shapes its errors and resolves secrets (env var or `password_command`).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import tomllib
from datetime import date, time
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")

#: Seller Central hosts sellerbot may request (after unwrapping Amazon's redirects).
DEFAULT_ALLOWED_HOSTS = (
    "sellercentral.amazon.fr", "sellercentral.amazon.de", "sellercentral.amazon.it",
    "sellercentral.amazon.es", "sellercentral.amazon.co.uk", "sellercentral.amazon.com",
    "sellercentral.amazon.nl", "sellercentral.amazon.com.be", "sellercentral.amazon.pl",
    "sellercentral.amazon.se", "sellercentral-europe.amazon.com",
)


class ConfigError(Exception):
    """Raised at start: names the file, the key and the problem."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_email(value: str) -> str:
    if not EMAIL_RE.match(value):
        raise ValueError(f"not an email address: {value!r}")
    if not value.isascii():
        raise ValueError(f"use the ASCII (punycode) form of the address: {value!r}")
    return value.lower()


Email = Annotated[str, Field(min_length=3)]


def _resolve(what: str, inline: str | None, env: str | None, command: str | None) -> str | None:
    if inline is not None:
        return inline
    if env:
        value = os.environ.get(env)
        if value is None:
            raise ConfigError(f"{what}_env: environment variable {env} is not set")
        return value
    if command:
        try:
            done = subprocess.run(shlex.split(command), capture_output=True, text=True,
                                  timeout=30, check=False)
        except OSError as exc:
            raise ConfigError(f"{what}_command: cannot run: {exc}") from None
        if done.returncode != 0:
            raise ConfigError(f"{what}_command: exited {done.returncode}: "
                              f"{done.stderr.strip()[:200]}")
        return done.stdout.rstrip("\n")
    return None


class Secret(_Section):
    """A login secret given inline, by environment variable, or by a command's output."""

    password: str | None = None
    password_env: str | None = None
    password_command: str | None = None

    def resolve_password(self, section: str) -> str | None:
        return _resolve(f"{section}.password", self.password, self.password_env,
                        self.password_command)


class SellerSettings(_Section):
    name: str = "Seller"
    addresses: list[str] = Field(min_length=1, description="who may send commands")
    notify: list[str] = Field(default_factory=list, description="who receives notices")
    backup: str | None = None
    language: Literal["fr", "en", "de", "it", "es"] = "fr"
    timezone: str = "Europe/Paris"

    _emails = field_validator("addresses", "notify", mode="after")(
        lambda v: [_check_email(a) for a in v])

    @field_validator("backup")
    @classmethod
    def _backup(cls, v: str | None) -> str | None:
        return _check_email(v) if v else v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (e.g. 'Europe/Paris')") from None
        return v

    @property
    def recipients(self) -> list[str]:
        return self.notify or self.addresses[:1]


class BotSettings(_Section):
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

    _addr = field_validator("address")(lambda v: _check_email(v))

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[1]


class OAuthSettings(_Section):
    """[imap.oauth2] / [smtp.oauth2]: XOAUTH2 instead of a password (Gmail, Microsoft 365).
    The token file is written by `sellerbot auth` (mode 0600) and refreshed automatically."""

    provider: Literal["gmail", "microsoft"]
    client_id: str = Field(min_length=1)
    client_secret: str | None = None
    client_secret_env: str | None = None
    tenant: str = "common"  # microsoft: common | organizations | <domain> | <tenant id>
    token_file: str
    token_endpoint: str | None = Field(default=None,
                                       description="TEST ONLY: a loopback token endpoint")

    @field_validator("token_endpoint")
    @classmethod
    def _loopback(cls, v: str | None) -> str | None:
        if v and not re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\]):\d+/", v):
            raise ValueError("token_endpoint must be http://127.0.0.1:<port>/... (tests only)")
        return v


class ImapSettings(Secret):
    name: str | None = None  # a label for logs and `doctor` (e.g. "amazon.de mailbox")
    host: str
    port: int = Field(default=993, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "ssl"
    username: str
    folders: list[str] = Field(default_factory=lambda: ["INBOX"], min_length=1)
    move_processed_to: str | None = None
    quarantine_folder: str | None = None
    idle: bool = True
    idle_renew_seconds: int = Field(default=1500, ge=30, le=1740)
    poll_seconds: int = Field(default=60, ge=5)
    batch_size: int = Field(default=200, ge=1, le=5000)
    timeout_seconds: float = Field(default=60, gt=0)
    oauth2: OAuthSettings | None = None


class SmtpSettings(Secret):
    host: str
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["ssl", "starttls", "none"] = "starttls"
    username: str | None = None
    timeout_seconds: float = Field(default=30, gt=0)
    oauth2: OAuthSettings | None = None

    @model_validator(mode="after")
    def _oauth_needs_user(self) -> "SmtpSettings":
        if self.oauth2 is not None and not self.username:
            raise ValueError("smtp.oauth2 needs smtp.username (the mailbox address)")
        return self


class MetricsSettings(_Section):
    """Prometheus text endpoint (GET /metrics); off unless enabled."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class IntakeSettings(_Section):
    """SMTP intake: Amazon mail pushed by a forwarding rule or an MTA transport."""

    listen: str = "127.0.0.1:2525"
    max_bytes: int = Field(default=30 * 1024 * 1024, ge=1024)
    allowed_clients: list[str] = Field(default_factory=lambda: ["127.0.0.0/8", "::1/128"])

    @field_validator("listen")
    @classmethod
    def _listen(cls, v: str) -> str:
        host, _, port = v.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("expected 'HOST:PORT', e.g. '127.0.0.1:2525'")
        return v

    @field_validator("allowed_clients")
    @classmethod
    def _clients(cls, v: list[str]) -> list[str]:
        import ipaddress
        for net in v:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValueError(f"not an IP network: {net!r}") from None
        return v


class LinkSettings(_Section):
    mode: Literal["follow", "notify"] | None = None
    allowed_hosts: list[str] = Field(default_factory=lambda: list(DEFAULT_ALLOWED_HOSTS))
    timeout_seconds: float = Field(default=15, gt=0, le=120)
    session_cookie_env: str | None = None
    stand_in: str | None = Field(default=None, description="TEST ONLY: base URL replacing Amazon")

    @field_validator("stand_in")
    @classmethod
    def _stand_in(cls, v: str | None) -> str | None:
        if v and not re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\]):\d+/?$", v):
            raise ValueError("stand_in must be http://127.0.0.1:<port> (tests and demo only)")
        return v.rstrip("/") if v else v

    @property
    def effective_mode(self) -> str:
        if self.mode:
            return self.mode
        return "follow" if (self.session_cookie_env or self.stand_in) else "notify"


class AuthSettings(_Section):
    trusted_authserv_ids: list[str] = Field(default_factory=list)
    require_dmarc_for_commands: bool = False


class ReminderSettings(_Section):
    quiet_hours: str | None = "22:00-07:30"
    return_offsets_hours: list[float] = Field(default_factory=lambda: [24, 6, 2])
    claim_offsets_hours: list[float] = Field(default_factory=lambda: [48, 24, 6])
    message_offsets_hours: list[float] = Field(default_factory=lambda: [12, 3, 1])
    appeal_offsets_hours: list[float] = Field(default_factory=lambda: [168, 48, 24])
    refund_offsets_hours: list[float] = Field(default_factory=lambda: [24, 4])

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, v: str | None) -> str | None:
        if v and not re.match(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$", v):
            raise ValueError("expected 'HH:MM-HH:MM', e.g. '22:00-07:30'")
        return v or None

    def quiet_window(self) -> tuple[time, time] | None:
        if not self.quiet_hours:
            return None
        start, end = self.quiet_hours.split("-")
        return time.fromisoformat(start), time.fromisoformat(end)


class BuyerSettings(_Section):
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
        return _check_email(v) if v else v


class DigestSettings(_Section):
    """A daily summary mail with every open deadline as an iCalendar attachment."""

    enabled: bool = True
    time: str = "08:00"  # seller's local time
    alarms_hours: list[float] = Field(default_factory=lambda: [24, 2])

    @field_validator("time")
    @classmethod
    def _time(cls, v: str) -> str:
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", v):
            raise ValueError("expected 'HH:MM', e.g. '08:00'")
        return v


class AwayPeriod(_Section):
    """Days the seller is away (inclusive, seller's time zone)."""

    start: date
    end: date

    @model_validator(mode="after")
    def _order(self) -> "AwayPeriod":
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


def load_sku_overrides(path: str | Path) -> dict[str, str]:
    """`sku,action` lines (action: authorize | manual), '#' comments; errors name the line."""
    out: dict[str, str] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8-sig").splitlines()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    for number, line in enumerate(lines, start=1):
        line = line.split("#", 1)[0].strip()
        if not line or line.lower().replace(" ", "") in ("sku,action", "sku;action"):
            continue
        sku, sep, action = line.replace(";", ",").partition(",")
        action = action.strip().lower()
        if not sep or not sku.strip() or action not in ("authorize", "manual"):
            raise ConfigError(f"{path}: line {number}: expected 'SKU,authorize' or "
                              f"'SKU,manual', got {line!r}")
        out[sku.strip()] = action
    return out


class SignatureThreshold(_Section):
    """Orders worth at least `amount` (in `currency`) ship with signature confirmation."""

    amount: float = Field(ge=0)
    currency: str = "EUR"

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if not re.fullmatch(r"[A-Za-z]{3}", v):
            raise ValueError("expected a 3-letter currency code, e.g. 'EUR'")
        return v.upper()


class ShippingSettings(_Section):
    """Orders to ship: one list a morning, one reminder before the ship-by date passes."""

    enabled: bool = True
    morning_time: str = "08:00"  # seller's local time: "to ship today"
    reminder_time: str = "15:00"  # orders due today still not confirmed shipped
    handling_days: int = Field(default=2, ge=0, le=30)  # when no ship-by date is known

    @field_validator("morning_time", "reminder_time")
    @classmethod
    def _time(cls, v: str) -> str:
        if not re.match(r"^([01]\d|2[0-3]):[0-5]\d$", v):
            raise ValueError("expected 'HH:MM', e.g. '08:00'")
        return v


class PolicySettings(_Section):
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


class Settings(_Section):
    seller: SellerSettings
    bot: BotSettings
    imap: ImapSettings | None = None
    #: More mailboxes watched by the same process ([[accounts]], same keys as [imap]):
    #: one per marketplace, or a Gmail and an Outlook box.
    accounts: list[ImapSettings] = Field(default_factory=list)
    intake: IntakeSettings | None = None
    smtp: SmtpSettings
    links: LinkSettings = LinkSettings()
    authentication: AuthSettings = AuthSettings()
    reminders: ReminderSettings = ReminderSettings()
    policy: PolicySettings = PolicySettings()
    metrics: MetricsSettings = MetricsSettings()
    digest: DigestSettings = DigestSettings()
    buyer: BuyerSettings = BuyerSettings()
    shipping: ShippingSettings = ShippingSettings()
    templates_dir: str | None = None
    source: str = Field(default="<memory>", exclude=True)

    @model_validator(mode="after")
    def _bot_not_seller(self) -> "Settings":
        if self.bot.address in self.seller.addresses:
            raise ValueError("bot.address must differ from every seller.addresses entry "
                             "(sellerbot never executes its own mail)")
        return self

    @model_validator(mode="after")
    def _watchdog_after_idle(self) -> "Settings":
        for box in self.mailboxes():
            if box.idle and self.bot.watchdog_minutes * 60 <= box.idle_renew_seconds:
                raise ValueError(
                    f"bot.watchdog_minutes ({self.bot.watchdog_minutes}) must be longer than "
                    f"imap.idle_renew_seconds ({box.idle_renew_seconds} s): a quiet mailbox "
                    "only reports a sync at each IDLE renewal")
        return self

    def mailboxes(self) -> list[ImapSettings]:
        return ([self.imap] if self.imap else []) + list(self.accounts)

    def secret_key(self) -> bytes:
        try:
            key = _resolve("bot.secret", self.bot.secret, self.bot.secret_env,
                           self.bot.secret_command)
        except ConfigError as exc:
            raise ConfigError(f"{self.source}: {exc}") from None
        if not key or len(key) < 16:
            raise ConfigError(f"{self.source}: bot.secret: the reply-token secret is missing "
                              "or shorter than 16 characters (use secret_env or secret_command)")
        return key.encode()


def _format_error(source: str, err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key (typo?)"
        elif e["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{source}: {key}: {msg}")
    return "\n".join(lines)


def load_settings(path: str | Path, overrides: dict[str, Any] | None = None, *,
                  resolve_secrets: bool = True) -> Settings:
    """Read and validate a TOML config; raise ConfigError naming file, key and problem."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    return settings_from_dict(data, str(path), resolve_secrets=resolve_secrets)


def settings_from_dict(data: dict[str, Any], source: str = "<memory>", *,
                       resolve_secrets: bool = True) -> Settings:
    """Validate; `resolve_secrets=False` lets check-config list every missing secret at once
    instead of stopping at the first."""
    try:
        settings = Settings.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise ConfigError(_format_error(source, exc)) from None
    if resolve_secrets:
        settings.secret_key()  # fail now, not at the first reply
    if settings.policy.sku_overrides_file:
        try:
            load_sku_overrides(settings.policy.sku_overrides_file)
        except ConfigError as exc:
            raise ConfigError(f"{source}: policy.sku_overrides_file: {exc}") from None
    return settings
