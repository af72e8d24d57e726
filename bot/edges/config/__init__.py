"""TOML -> validated, frozen settings.

A bad config must stop sellerbot at start with the file, the key and what is wrong, never
surface later as a KeyError deep in the daemon. pydantic does the checking; this package only
shapes its errors and resolves secrets (env var or `password_command`).

- `base`: ConfigError, the strict section model, shared value checks (addresses, HH:MM)
- `secret`: secrets from the file, an environment variable or a command
- `connections`: [imap], [[accounts]], [smtp], oauth2, [intake], [links], [metrics]
- `behaviour`: [seller], [bot], [reminders], [buyer], [digest], [shipping], [policy]
- `settings`: the whole file and the checks spanning sections
- `loading`: reading the TOML and the SKU overrides file, error messages
"""

from .base import EMAIL_RE, ConfigError, Email
from .behaviour import (AuthSettings, AwayPeriod, BotSettings, BuyerSettings, DigestSettings,
                        PolicySettings, ReminderSettings, SellerSettings, ShippingSettings,
                        SignatureThreshold)
from .connections import (DEFAULT_ALLOWED_HOSTS, ImapSettings, IntakeSettings, LinkSettings,
                          MetricsSettings, OAuthSettings, SmtpSettings)
from .loading import load_settings, load_sku_overrides, settings_from_dict
from .secret import Secret
from .settings import Settings

__all__ = [
    "DEFAULT_ALLOWED_HOSTS", "EMAIL_RE", "AuthSettings", "AwayPeriod", "BotSettings",
    "BuyerSettings", "ConfigError", "DigestSettings", "Email", "ImapSettings", "IntakeSettings",
    "LinkSettings", "MetricsSettings", "OAuthSettings", "PolicySettings", "ReminderSettings",
    "Secret", "SellerSettings", "Settings", "ShippingSettings", "SignatureThreshold",
    "SmtpSettings", "load_settings", "load_sku_overrides", "settings_from_dict",
]
