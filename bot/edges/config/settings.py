"""The whole config: every section, the checks that span sections, the reply-token secret."""

from __future__ import annotations

from pydantic import Field, model_validator

from .base import ConfigError, Section
from .behaviour import (AuthSettings, BotSettings, BuyerSettings, DigestSettings,
                        PolicySettings, ReminderSettings, SellerSettings, ShippingSettings)
from .connections import (ImapSettings, IntakeSettings, LinkSettings, MetricsSettings,
                          SmtpSettings)
from .secret import resolve_secret


class Settings(Section):
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
            key = resolve_secret("bot.secret", self.bot.secret, self.bot.secret_env,
                                 self.bot.secret_command)
        except ConfigError as exc:
            raise ConfigError(f"{self.source}: {exc}") from None
        if not key or len(key) < 16:
            raise ConfigError(f"{self.source}: bot.secret: the reply-token secret is missing "
                              "or shorter than 16 characters (use secret_env or secret_command)")
        return key.encode()
