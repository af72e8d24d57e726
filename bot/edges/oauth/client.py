"""Providers, the authlib session, and refresh under a file lock.

authlib's `OAuth2Session` (on requests) builds the token requests, authenticates the client,
parses RFC 6749 error answers, keeps the old refresh token when the provider sends none back
(Google) and calls an `update_token` hook when it sends a new one (Microsoft rotates them);
the hook is where the rotated token is written to disk, still inside our lock. What authlib does
not do is ours: one refresh across threads *and* processes (flock on `<file>.lock`), expiry on
the injected clock, and errors that name the fix and never carry a secret.
"""

from __future__ import annotations

import fcntl
import os
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session

from bot.edges.clock import SystemClock

from .tokens import REAUTH, OAuthError, OAuthToken, load_token, save_token

__all__ = ["PROVIDERS", "OAuthProvider", "TokenSource", "ensure_fresh", "oauth_call", "provider",
           "provider_from_settings", "refresh", "session", "token_source_for"]

GMAIL_SCOPES = ("https://mail.google.com/",)
MICROSOFT_SCOPES = ("https://outlook.office.com/IMAP.AccessAsUser.All",
                    "https://outlook.office.com/SMTP.Send", "offline_access")
MS = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0"

#: Endpoints per provider; `{tenant}` is filled in by `provider()`.
PROVIDERS: dict[str, dict[str, Any]] = {
    "gmail": {"token_endpoint": "https://oauth2.googleapis.com/token",
              "authorize_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
              "device_endpoint": None,  # Google's device flow refuses the Gmail scope
              "scopes": GMAIL_SCOPES},
    "microsoft": {"token_endpoint": f"{MS}/token", "authorize_endpoint": f"{MS}/authorize",
                  "device_endpoint": f"{MS}/devicecode", "scopes": MICROSOFT_SCOPES},
}
#: Answers after which retrying cannot help: the seller must sign in again.
PERMANENT = {"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope",
             "access_denied", "expired_token"}


@dataclass(frozen=True)
class OAuthProvider:
    """Where and as whom to ask for tokens. Endpoints are overridable (tests, other IdPs)."""

    name: str
    client_id: str
    client_secret: str | None
    token_endpoint: str
    scopes: tuple[str, ...]
    authorize_endpoint: str | None = None
    device_endpoint: str | None = None

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)

    def __repr__(self) -> str:
        return f"OAuthProvider({self.name!r}, client_id={self.client_id!r})"


def provider(name: str, client_id: str, client_secret: str | None = None, *,
             tenant: str = "common", token_endpoint: str | None = None,
             authorize_endpoint: str | None = None, device_endpoint: str | None = None,
             scopes: tuple[str, ...] | None = None) -> OAuthProvider:
    """`gmail` or `microsoft` with their public endpoints (tenant: 'common', 'organizations',
    a domain or a tenant id), any of which may be overridden."""
    try:
        known = PROVIDERS[name]
    except KeyError:
        raise OAuthError(f"unknown OAuth provider {name!r} (gmail or microsoft)",
                         permanent=True) from None

    def fill(url: str | None) -> str | None:
        return url.format(tenant=urllib.parse.quote(tenant, safe="")) if url else None

    return OAuthProvider(
        name=name, client_id=client_id, client_secret=client_secret,
        token_endpoint=token_endpoint or fill(known["token_endpoint"]),  # type: ignore[arg-type]
        scopes=tuple(scopes or known["scopes"]),
        authorize_endpoint=authorize_endpoint or fill(known["authorize_endpoint"]),
        device_endpoint=device_endpoint or fill(known["device_endpoint"]))


def provider_from_settings(section: Any) -> tuple[Path, OAuthProvider]:
    """(token file, provider) from an `[imap.oauth2]`/`[smtp.oauth2]` settings object."""
    secret = getattr(section, "client_secret", None)
    env = getattr(section, "client_secret_env", None)
    if secret is None and env:
        secret = os.environ.get(env)
        if secret is None:
            raise OAuthError(f"client_secret_env: environment variable {env} is not set",
                             permanent=True)
    prov = provider(section.provider, section.client_id, secret,
                    tenant=getattr(section, "tenant", None) or "common",
                    token_endpoint=getattr(section, "token_endpoint", None))
    return Path(section.token_file), prov


def session(prov: OAuthProvider, timeout: float, **kwargs: Any) -> OAuth2Session:
    """An authlib session for `prov`; the secret goes in the form body (client_secret_post),
    which Google and Microsoft both accept, and a public client (no secret) sends only its id."""
    return OAuth2Session(prov.client_id, prov.client_secret, default_timeout=timeout,
                         token_endpoint_auth_method="client_secret_post"
                         if prov.client_secret else "none", **kwargs)


@contextmanager
def oauth_call(url: str) -> Iterator[None]:
    """Turn authlib/requests failures into OAuthError: the host and the OAuth error code with
    its description's first line, nothing from the request (which holds the secrets)."""
    host = urllib.parse.urlsplit(url).netloc or url
    try:
        yield
    except AuthlibBaseError as exc:
        code = str(exc.error or "oauth_error")
        desc = str(exc.description or "").strip().splitlines()[0][:200] \
            if exc.description else ""
        permanent = code in PERMANENT
        hint = f"; the saved sign-in no longer works: {REAUTH}" if code == "invalid_grant" else ""
        raise OAuthError(f"{host}: {code}" + (f" ({desc})" if desc else "") + hint,
                         permanent=permanent, code=code) from None
    except requests.HTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise OAuthError(f"{host} answered HTTP {status}", code=f"http_{status}") from None
    except requests.JSONDecodeError:  # older authlib: resp.json() on a gateway's HTML page
        raise OAuthError(f"{host} answered with something else than a JSON object") from None
    except requests.RequestException as exc:
        raise OAuthError(f"cannot reach {host}: {type(exc).__name__}") from None
    except ValueError:  # a body that is not a JSON object (a gateway's error page)
        raise OAuthError(f"{host} answered with something else than a JSON object") from None


def refresh(prov: OAuthProvider, refresh_token: str, now: datetime, timeout: float = 30.0,
            on_update: Callable[[OAuthToken], None] | None = None) -> OAuthToken:
    """grant_type=refresh_token. `on_update` is authlib's token-update hook: it gets the new
    token (rotated refresh token, or the old one kept) before this returns."""
    result: list[OAuthToken] = []

    def update_token(token: dict[str, Any], refresh_token: str | None = None,
                     access_token: str | None = None) -> None:
        result.append(OAuthToken.from_response(token, now, refresh_token))
        if on_update is not None:
            on_update(result[-1])

    # Microsoft wants the scopes again on refresh; Google refuses a changed scope list.
    scope = prov.scope if prov.name == "microsoft" else None
    with session(prov, timeout, scope=scope, update_token=update_token) as client, \
            oauth_call(prov.token_endpoint):
        client.refresh_token(prov.token_endpoint, refresh_token=refresh_token)
    return result[-1]


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(path: Path) -> threading.Lock:
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(str(path.resolve()), threading.Lock())


def ensure_fresh(path: str | Path, prov: OAuthProvider, now: datetime,
                 margin: float | timedelta = 300, timeout: float = 30.0) -> OAuthToken:
    """The token in `path`, refreshed first if it expires within `margin` seconds.

    Holds a thread lock and an flock on `<path>.lock` while reading, refreshing and writing,
    so concurrent users (threads or processes) refresh once and all see the new token."""
    path = Path(path)
    margin_s = margin.total_seconds() if isinstance(margin, timedelta) else float(margin)
    with _thread_lock(path):
        token = load_token(path)
        if token.expires_in(now) > margin_s:
            return token
        lock_fd = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            token = load_token(path)  # another process may have refreshed meanwhile
            if token.expires_in(now) > margin_s:
                return token
            if not token.refresh_token:
                raise OAuthError(f"{path}: access token expired and no refresh token "
                                 f"({REAUTH})", permanent=True, code="no_refresh_token")
            return refresh(prov, token.refresh_token, now, timeout,
                           on_update=lambda fresh: save_token(path, fresh))
        finally:
            fcntl.flock(lock_fd, fcntl.LOCK_UN)
            os.close(lock_fd)


class TokenSource:
    """A callable giving a fresh access token: what mailbox.connect() and mailer.send() take."""

    def __init__(self, path: str | Path, prov: OAuthProvider,
                 now_fn: Callable[[], datetime] = SystemClock().now,
                 margin: float = 300, timeout: float = 30.0) -> None:
        self.path, self.provider, self.now_fn = Path(path), prov, now_fn
        self.margin, self.timeout = margin, timeout

    def __call__(self) -> str:
        return ensure_fresh(self.path, self.provider, self.now_fn(), self.margin,
                            self.timeout).access_token

    def __repr__(self) -> str:
        return f"TokenSource({str(self.path)!r}, {self.provider!r})"


def token_source_for(section: Any, now_fn: Callable[[], datetime] | None = None
                     ) -> TokenSource | None:
    """A TokenSource for an imap/smtp settings section with `oauth2` set, else None.

    The clock defaults to the wall clock on purpose: token expiry is real time, also when
    the rest of sellerbot runs on a FixedClock (tests, demo)."""
    oauth2 = getattr(section, "oauth2", None)
    if oauth2 is None:
        return None
    path, prov = provider_from_settings(oauth2)
    return TokenSource(path, prov, now_fn) if now_fn else TokenSource(path, prov)
