"""Sections for what sellerbot connects to: mailboxes, the relay, the intake, links, metrics."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator, model_validator

from .base import Section, is_loopback_url
from .secret import Secret

#: Seller Central hosts sellerbot may request (after unwrapping Amazon's redirects).
DEFAULT_ALLOWED_HOSTS = (
    "sellercentral.amazon.fr", "sellercentral.amazon.de", "sellercentral.amazon.it",
    "sellercentral.amazon.es", "sellercentral.amazon.co.uk", "sellercentral.amazon.com",
    "sellercentral.amazon.nl", "sellercentral.amazon.com.be", "sellercentral.amazon.pl",
    "sellercentral.amazon.se", "sellercentral-europe.amazon.com",
)


class OAuthSettings(Section):
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
        if v and not is_loopback_url(v, path="/"):
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


class MetricsSettings(Section):
    """Prometheus text endpoint (GET /metrics); off unless enabled."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)


class IntakeSettings(Section):
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
        for net in v:
            try:
                ipaddress.ip_network(net, strict=False)
            except ValueError:
                raise ValueError(f"not an IP network: {net!r}") from None
        return v


class LinkSettings(Section):
    mode: Literal["follow", "notify"] | None = None
    allowed_hosts: list[str] = Field(default_factory=lambda: list(DEFAULT_ALLOWED_HOSTS))
    timeout_seconds: float = Field(default=15, gt=0, le=120)
    session_cookie_env: str | None = None
    stand_in: str | None = Field(default=None, description="TEST ONLY: base URL replacing Amazon")

    @field_validator("stand_in")
    @classmethod
    def _stand_in(cls, v: str | None) -> str | None:
        if v and not is_loopback_url(v, path="/?$"):
            raise ValueError("stand_in must be http://127.0.0.1:<port> (tests and demo only)")
        return v.rstrip("/") if v else v

    @property
    def effective_mode(self) -> str:
        if self.mode:
            return self.mode
        return "follow" if (self.session_cookie_env or self.stand_in) else "notify"
