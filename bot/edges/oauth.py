"""OAuth2 for IMAP and SMTP (SASL XOAUTH2): token file, refresh, and the first authorization.

Gmail and Microsoft 365 are ending password logins for IMAP/SMTP; both take an OAuth2 access
token instead, sent as the SASL XOAUTH2 string. Access tokens live about an hour; a refresh
token (kept in a JSON file, mode 0600) gets new ones from the provider's token endpoint with a
plain `grant_type=refresh_token` POST. `ensure_fresh()` is all the daemon needs; it refreshes
under a file lock, so IMAP watchers and the SMTP sender never race each other into spending a
rotated refresh token twice.

The first authorization is interactive (`sellerbot auth`):
- Microsoft: the device code flow — the seller opens https://microsoft.com/devicelogin on any
  device, types a short code and signs in; sellerbot polls the token endpoint meanwhile.
- Google: its device flow does not allow the Gmail scope, so it is the installed-app flow with
  PKCE: the seller opens a URL, Google redirects to http://127.0.0.1:<port>/ where a one-shot
  `http.server` catches the code; on a headless machine the seller pastes the URL the browser
  ended on (it fails to load, but its address carries the code).

Only urllib and http.server from the standard library; no secret is ever logged or put into an
exception message.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

from bot.clock import SystemClock

__all__ = [
    "PROVIDERS",
    "DeviceCode",
    "LoopbackReceiver",
    "OAuthError",
    "OAuthProvider",
    "OAuthToken",
    "TokenSource",
    "authorization_url",
    "authorize",
    "describe_token",
    "device_flow_instructions",
    "device_flow_poll",
    "device_flow_start",
    "ensure_fresh",
    "exchange_code",
    "load_token",
    "parse_redirect",
    "pkce_pair",
    "provider",
    "provider_from_settings",
    "refresh",
    "save_token",
    "smtp_authenticate_xoauth2",
    "token_source_for",
    "xoauth2_string",
]

GMAIL_SCOPES = ("https://mail.google.com/",)
MICROSOFT_SCOPES = ("https://outlook.office.com/IMAP.AccessAsUser.All",
                    "https://outlook.office.com/SMTP.Send", "offline_access")

#: Endpoints per provider; `{tenant}` is filled in by `provider()`.
PROVIDERS: dict[str, dict[str, Any]] = {
    "gmail": {
        "token_endpoint": "https://oauth2.googleapis.com/token",
        "authorize_endpoint": "https://accounts.google.com/o/oauth2/v2/auth",
        "device_endpoint": None,  # Google's device flow refuses the Gmail scope
        "scopes": GMAIL_SCOPES,
        "imap": ("imap.gmail.com", 993, "ssl"),
        "smtp": ("smtp.gmail.com", 587, "starttls"),
    },
    "microsoft": {
        "token_endpoint": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
        "authorize_endpoint": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
        "device_endpoint": "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
        "scopes": MICROSOFT_SCOPES,
        "imap": ("outlook.office365.com", 993, "ssl"),
        "smtp": ("smtp.office365.com", 587, "starttls"),
    },
}


class OAuthError(Exception):
    """A token could not be obtained. `permanent`: retrying will not help (re-run `auth`)."""

    def __init__(self, message: str, *, permanent: bool = False, code: str | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.code = code


# ---------------------------------------------------------------------------------------------
# SASL
# ---------------------------------------------------------------------------------------------


def xoauth2_string(user: str, access_token: str) -> str:
    """The SASL XOAUTH2 initial response (before base64), as Google and Microsoft define it."""
    return f"user={user}\x01auth=Bearer {access_token}\x01\x01"


def smtp_authenticate_xoauth2(client: Any, user: str, access_token: str) -> Any:
    """AUTH XOAUTH2 on a connected (and EHLO'd) `smtplib.SMTP`.

    smtplib calls the auth object with no challenge for the initial response; if the server
    then answers 334 with a JSON error, the client must reply with an empty line, after which
    the server sends the final 5xx (raised by smtplib as SMTPAuthenticationError).
    """
    def auth_object(challenge: bytes | None = None) -> str:
        return xoauth2_string(user, access_token) if challenge is None else ""

    return client.auth("XOAUTH2", auth_object, initial_response_ok=True)


# ---------------------------------------------------------------------------------------------
# tokens and their file
# ---------------------------------------------------------------------------------------------


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
        """A token endpoint's JSON answer; Google keeps the refresh token, Microsoft rotates it."""
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


# ---------------------------------------------------------------------------------------------
# providers
# ---------------------------------------------------------------------------------------------


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
    extra: dict[str, str] = field(default_factory=dict)

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
    """(token file, provider) from an `[imap.oauth2]`/`[smtp.oauth2]`-like settings object with
    provider, client_id, client_secret / client_secret_env, tenant, token_file and optional
    token_endpoint."""
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


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------


def _post_form(url: str, form: dict[str, str], timeout: float) -> dict[str, Any]:
    """POST a form, return the JSON answer; OAuth error answers become OAuthError."""
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
        "User-Agent": "sellerbot-oauth"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw = response.read()
            status = response.status
    except urllib.error.HTTPError as exc:
        raw, status = exc.read(), exc.code
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise OAuthError(f"cannot reach {_host(url)}: {reason}") from None
    try:
        data = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, ValueError):
        raise OAuthError(f"{_host(url)} answered HTTP {status} with non-JSON") from None
    if not isinstance(data, dict):
        raise OAuthError(f"{_host(url)} answered HTTP {status} with unexpected JSON")
    if status >= 400 or "error" in data:
        code = str(data.get("error") or f"http_{status}")
        desc = str(data.get("error_description") or "").splitlines()[0][:200] \
            if data.get("error_description") else ""
        # invalid_grant: refresh token revoked/expired/password changed -> re-run `auth`
        permanent = code in ("invalid_grant", "invalid_client", "unauthorized_client",
                             "invalid_scope", "access_denied", "expired_token")
        err = OAuthError(f"{_host(url)}: {code}" + (f" ({desc})" if desc else ""),
                         permanent=permanent, code=code)
        err.data = data  # type: ignore[attr-defined]
        raise err
    return data


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url


def _client_form(prov: OAuthProvider) -> dict[str, str]:
    form = {"client_id": prov.client_id}
    if prov.client_secret:
        form["client_secret"] = prov.client_secret
    return form


# ---------------------------------------------------------------------------------------------
# refresh
# ---------------------------------------------------------------------------------------------


def refresh(token_endpoint: str, client_id: str, client_secret: str | None,
            refresh_token: str, timeout: float = 30.0, *, now: datetime | None = None,
            scope: str | None = None) -> OAuthToken:
    """grant_type=refresh_token; the returned token keeps the old refresh token if none came."""
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token,
            "client_id": client_id}
    if client_secret:
        form["client_secret"] = client_secret
    if scope:
        form["scope"] = scope
    data = _post_form(token_endpoint, form, timeout)
    return OAuthToken.from_response(data, now or SystemClock().now(), refresh_token)


_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(path: Path) -> threading.Lock:
    key = str(path.resolve())
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(key, threading.Lock())


def ensure_fresh(path: str | Path, prov: OAuthProvider, now: datetime,
                 margin: float | timedelta = 300, timeout: float = 30.0) -> OAuthToken:
    """The token in `path`, refreshed first if it expires within `margin` seconds.

    Holds a thread lock and an flock on `<path>.lock` while reading, refreshing and writing,
    so concurrent users (threads or processes) refresh once and all see the new token.
    """
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
                                 "(run `sellerbot auth` again)", permanent=True,
                                 code="no_refresh_token")
            fresh = refresh(prov.token_endpoint, prov.client_id, prov.client_secret,
                            token.refresh_token, timeout, now=now,
                            scope=prov.scope if prov.name == "microsoft" else None)
            save_token(path, fresh)
            return fresh
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


# ---------------------------------------------------------------------------------------------
# first authorization: device code (Microsoft)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceCode:
    device_code: str
    user_code: str
    verification_uri: str
    expires_in: int
    interval: int
    message: str | None = None


def device_flow_start(prov: OAuthProvider, timeout: float = 30.0) -> DeviceCode:
    if not prov.device_endpoint:
        raise OAuthError(f"{prov.name} has no device code flow usable for mail; use the "
                         "browser flow", permanent=True)
    data = _post_form(prov.device_endpoint, {"client_id": prov.client_id, "scope": prov.scope},
                      timeout)
    try:
        return DeviceCode(device_code=str(data["device_code"]), user_code=str(data["user_code"]),
                          verification_uri=str(data.get("verification_uri")
                                               or data["verification_url"]),
                          expires_in=int(data.get("expires_in") or 900),
                          interval=int(data.get("interval") or 5),
                          message=data.get("message"))
    except (KeyError, ValueError):
        raise OAuthError("device code answer lacks device_code/user_code/verification_uri"
                         ) from None


def device_flow_poll(prov: OAuthProvider, device: DeviceCode, *,
                     now_fn: Callable[[], datetime] = SystemClock().now,
                     sleep: Callable[[float], None] = time.sleep,
                     timeout: float = 30.0) -> OAuthToken:
    """Poll the token endpoint until the seller signs in (RFC 8628 §3.4/3.5)."""
    interval = max(1, device.interval)
    deadline = time.monotonic() + device.expires_in
    form = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": device.device_code, **_client_form(prov)}
    while True:
        try:
            data = _post_form(prov.token_endpoint, form, timeout)
            return OAuthToken.from_response(data, now_fn())
        except OAuthError as exc:
            if exc.code == "authorization_pending":
                pass
            elif exc.code == "slow_down":
                interval += 5
            else:
                raise
        if time.monotonic() + interval > deadline:
            raise OAuthError("the device code expired before sign-in; run `sellerbot auth` "
                             "again", permanent=True, code="expired_token")
        sleep(interval)


def device_flow_instructions(prov: OAuthProvider | str, client_id: str | None = None,
                             device: DeviceCode | None = None) -> str:
    """What the seller must do, as text (pure: no network)."""
    name = prov if isinstance(prov, str) else prov.name
    client_id = client_id or (None if isinstance(prov, str) else prov.client_id)
    lines: list[str] = []
    if name == "microsoft":
        lines += [
            "Microsoft 365 / Outlook.com: sellerbot signs in with OAuth2 (XOAUTH2).",
            f"App (client) id: {client_id or '<register one>'}",
            "  The app registration (Entra ID > App registrations) needs: 'Allow public client "
            "flows' = Yes, and the delegated permissions IMAP.AccessAsUser.All, SMTP.Send and "
            "offline_access (Office 365 Exchange Online). SMTP AUTH must be enabled for the "
            "mailbox in the Exchange admin center.",
        ]
        if device is not None:
            lines += ["", device.message or
                      f"To sign in, open {device.verification_uri} and enter the code "
                      f"{device.user_code}.",
                      f"  (the code is valid {device.expires_in // 60} minutes; sellerbot waits)"]
        else:
            lines += ["  `sellerbot auth` then shows a short code to type at "
                      "https://microsoft.com/devicelogin from any browser."]
    elif name == "gmail":
        lines += [
            "Gmail / Google Workspace: sellerbot signs in with OAuth2 (XOAUTH2).",
            f"OAuth client id: {client_id or '<create one>'}",
            "  Create it in Google Cloud console > APIs & Services > Credentials as a "
            "'Desktop app' client; add the scope https://mail.google.com/ to the consent "
            "screen. Keep the client secret in an environment variable (client_secret_env).",
            "  `sellerbot auth` prints a URL: open it, sign in as the mailbox owner and accept.",
            "  Google then redirects to http://127.0.0.1:<port>/ — if the browser runs on "
            "another machine that page fails to load: copy the whole address from the "
            "address bar and paste it into sellerbot.",
        ]
    else:
        raise OAuthError(f"unknown OAuth provider {name!r}", permanent=True)
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# first authorization: authorization code + PKCE on a loopback redirect (Google)
# ---------------------------------------------------------------------------------------------


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge) for PKCE S256 (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)[:96]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()
                                         ).rstrip(b"=").decode()
    return verifier, challenge


def authorization_url(prov: OAuthProvider, redirect_uri: str, state: str,
                      code_challenge: str, login_hint: str | None = None) -> str:
    if not prov.authorize_endpoint:
        raise OAuthError(f"{prov.name}: no authorization endpoint", permanent=True)
    params = {"client_id": prov.client_id, "redirect_uri": redirect_uri,
              "response_type": "code", "scope": prov.scope, "state": state,
              "code_challenge": code_challenge, "code_challenge_method": "S256"}
    if prov.name == "gmail":
        params.update(access_type="offline", prompt="consent")  # else no refresh token
    if login_hint:
        params["login_hint"] = login_hint
    return f"{prov.authorize_endpoint}?{urllib.parse.urlencode(params)}"


def parse_redirect(pasted: str, state: str | None) -> str:
    """The authorization code from a pasted redirect URL (or a bare code); checks `state`."""
    pasted = pasted.strip()
    if "?" not in pasted and "=" not in pasted:
        if not pasted:
            raise OAuthError("nothing pasted")
        return pasted  # a bare code
    query = urllib.parse.urlsplit(pasted).query if "://" in pasted or pasted.startswith("/") \
        else pasted.lstrip("?")
    params = urllib.parse.parse_qs(query)
    if "error" in params:
        raise OAuthError(f"authorization refused: {params['error'][0]}", permanent=True,
                         code=params["error"][0])
    if state is not None and params.get("state", [None])[0] != state:
        raise OAuthError("the pasted address does not belong to this sign-in (state differs); "
                         "start again", permanent=True, code="state_mismatch")
    code = params.get("code", [None])[0]
    if not code:
        raise OAuthError("no code= in the pasted address")
    return code


def exchange_code(prov: OAuthProvider, code: str, redirect_uri: str, code_verifier: str, *,
                  now: datetime | None = None, timeout: float = 30.0) -> OAuthToken:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": code_verifier, **_client_form(prov)}
    data = _post_form(prov.token_endpoint, form, timeout)
    token = OAuthToken.from_response(data, now or SystemClock().now())
    if not token.refresh_token:
        raise OAuthError("the provider gave no refresh token (revoke sellerbot's access in the "
                         "account's security page and authorize again)", permanent=True,
                         code="no_refresh_token")
    return token


class LoopbackReceiver:
    """A one-shot http.server on 127.0.0.1 catching the authorization redirect."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.result: dict[str, str] = {}
        self._got = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                query = urllib.parse.urlsplit(self.path).query
                params = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
                if "code" not in params and "error" not in params:
                    self.send_response(404)
                    self.end_headers()
                    return
                receiver.result = params
                ok = "code" in params
                body = ("sellerbot: authorization received, you can close this tab."
                        if ok else "sellerbot: authorization refused.").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                receiver._got.set()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer((host, port), Handler)
        self.redirect_uri = f"http://{host}:{self.server.server_address[1]}/"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.1}, name="oauth-loopback")

    def __enter__(self) -> LoopbackReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, timeout: float) -> dict[str, str] | None:
        return self.result if self._got.wait(timeout) else None


def authorize(prov: OAuthProvider, token_file: str | Path, *,
              echo: Callable[[str], None] = print,
              prompt: Callable[[str], str] = input,
              open_browser: Callable[[str], Any] | None = None,
              manual: bool = False, login_hint: str | None = None,
              wait_seconds: float = 300.0,
              now_fn: Callable[[], datetime] = SystemClock().now,
              sleep: Callable[[float], None] = time.sleep,
              timeout: float = 30.0) -> OAuthToken:
    """Walk the seller through the first sign-in and save the token file (mode 0600).

    Microsoft (a device endpoint): device code flow. Google: browser + loopback redirect, or
    with `manual=True` (no browser on this machine) the seller pastes the address the browser
    ended on.
    """
    echo(device_flow_instructions(prov))
    echo("")
    if prov.device_endpoint:  # already headless: any browser, any device
        device = device_flow_start(prov, timeout)
        echo(device_flow_instructions(prov, device=device).split("\n\n", 1)[-1])
        token = device_flow_poll(prov, device, now_fn=now_fn, sleep=sleep, timeout=timeout)
    else:
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(16)
        if manual:
            redirect_uri = "http://127.0.0.1:1/"
            url = authorization_url(prov, redirect_uri, state, challenge, login_hint)
            echo(f"Open this address in a browser and sign in:\n\n  {url}\n")
            code = parse_redirect(prompt("Paste the address the browser ended on"), state)
        else:
            with LoopbackReceiver() as receiver:
                redirect_uri = receiver.redirect_uri
                url = authorization_url(prov, redirect_uri, state, challenge, login_hint)
                echo(f"Open this address in a browser and sign in:\n\n  {url}\n")
                if open_browser is not None:
                    try:
                        open_browser(url)
                    except Exception:  # noqa: BLE001 - the URL is printed anyway
                        pass
                echo(f"Waiting up to {int(wait_seconds)} s for the redirect to "
                     f"{redirect_uri} ...")
                result = receiver.wait(wait_seconds)
            if result is None:
                raise OAuthError("no redirect arrived; run `sellerbot auth --manual` to paste "
                                 "the address instead", code="timeout")
            code = parse_redirect("?" + urllib.parse.urlencode(result), state)
        token = exchange_code(prov, code, redirect_uri, verifier, now=now_fn(), timeout=timeout)
    if not token.refresh_token:
        raise OAuthError("the provider gave no refresh token (is offline_access granted?)",
                         permanent=True, code="no_refresh_token")
    save_token(token_file, token)
    echo(f"Token saved to {token_file} (mode 0600); access token valid until "
         f"{token.expires_at.isoformat(timespec='minutes')}, refreshed automatically.")
    return token


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
