"""What is ours in OAuth2: the token type, its file (mode 0600) and the SASL XOAUTH2 string.

The token keeps an absolute, aware `expires_at` computed from the injected clock when the
provider answered, so expiry is a comparison with the caller's `now` (tests on a FixedClock,
the `doctor` report) and never a hidden `time.time()`. Secrets never reach a repr or an error.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

__all__ = ["OAuthError", "OAuthToken", "describe_token", "load_token", "save_token",
           "smtp_authenticate_xoauth2", "xoauth2_string"]

REAUTH = "run `sellerbot auth` again"


class OAuthError(Exception):
    """A token could not be obtained. `permanent`: retrying will not help (re-run `auth`)."""

    def __init__(self, message: str, *, permanent: bool = False, code: str | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


def xoauth2_string(user: str, access_token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64), as Google and Microsoft define it."""
    return f"user={user}\x01auth=Bearer {access_token}\x01\x01"


def smtp_authenticate_xoauth2(client: Any, user: str, access_token: str) -> Any:
    """AUTH XOAUTH2 on a connected (and EHLO'd) `smtplib.SMTP`.

    On a refused token the server answers 334 with a JSON error; the client must reply with an
    empty line, after which the server sends the final 5xx (smtplib raises it)."""
    def auth_object(challenge: bytes | None = None) -> str:
        return xoauth2_string(user, access_token) if challenge is None else ""

    return client.auth("XOAUTH2", auth_object, initial_response_ok=True)


@dataclass(frozen=True)
class OAuthToken:
    access_token: str
    refresh_token: str | None
    expires_at: datetime  # aware, UTC
    scope: str | None = None
    token_type: str = "Bearer"

    def expires_in(self, now: datetime) -> float:
        return (self.expires_at - now).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {"access_token": self.access_token, "refresh_token": self.refresh_token,
                "expires_at": self.expires_at.astimezone(timezone.utc).isoformat(
                    timespec="seconds"),
                "scope": self.scope, "token_type": self.token_type}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OAuthToken:
        expires = datetime.fromisoformat(data["expires_at"])
        if expires.tzinfo is None:
            expires = expires.replace(tzinfo=timezone.utc)
        return cls(access_token=data["access_token"], refresh_token=data.get("refresh_token"),
                   expires_at=expires, scope=data.get("scope"),
                   token_type=data.get("token_type") or "Bearer")

    @classmethod
    def from_response(cls, data: dict[str, Any], now: datetime,
                      previous_refresh: str | None = None) -> OAuthToken:
        """A token endpoint's answer; Google keeps the refresh token, Microsoft rotates it.
        `expires_in` is relative, so it is anchored on the caller's clock, not the library's."""
        if not data.get("access_token"):
            raise OAuthError("token endpoint answered without an access_token")
        try:
            lifetime = float(data.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        return cls(access_token=str(data["access_token"]),
                   refresh_token=data.get("refresh_token") or previous_refresh,
                   expires_at=now.astimezone(timezone.utc) + timedelta(seconds=lifetime),
                   scope=data.get("scope"), token_type=data.get("token_type") or "Bearer")

    def __repr__(self) -> str:  # never print the secrets
        return (f"OAuthToken(expires_at={self.expires_at.isoformat()}, "
                f"refresh_token={'set' if self.refresh_token else 'none'}, scope={self.scope!r})")


def load_token(path: str | Path) -> OAuthToken:
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OAuthError(f"{path}: no token file (run `sellerbot auth`)", permanent=True,
                         code="no_token") from None
    except (OSError, ValueError) as exc:
        raise OAuthError(f"{path}: unreadable token file: {type(exc).__name__}",
                         permanent=True) from None
    try:
        return OAuthToken.from_json(data)
    except (KeyError, TypeError, ValueError):
        raise OAuthError(f"{path}: token file lacks access_token/expires_at", permanent=True
                         ) from None


def save_token(path: str | Path, token: OAuthToken) -> None:
    """Write atomically (temp file + rename) with mode 0600 from the first byte on."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(token.to_json(), f, indent=2)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)  # in case of an odd umask/ACL
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def describe_token(path: str | Path, now: datetime) -> tuple[bool, str]:
    """(ok, one line) about a token file, for `doctor`: exists, mode, expiry, refresh token."""
    path = Path(path)
    try:
        token = load_token(path)
    except OAuthError as exc:
        return False, str(exc)
    mode = path.stat().st_mode & 0o777
    left = token.expires_in(now)
    parts = [f"{path}: access token "
             + (f"valid {int(left // 60)} min more" if left > 0
                else f"expired {int(-left // 60)} min ago")]
    ok = True
    if token.refresh_token:
        parts.append("refresh token present (refreshed automatically)")
    else:
        parts.append("NO refresh token: run `sellerbot auth`")
        ok = left > 0
    if mode & 0o077:
        parts.append(f"mode {mode:o} is readable by others: chmod 600")
        ok = False
    return ok, "; ".join(parts)
