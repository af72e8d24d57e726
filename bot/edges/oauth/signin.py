"""The first sign-in (`sellerbot auth`), on authlib's client.

- Microsoft: the device code grant (RFC 8628) — the seller opens https://microsoft.com/devicelogin
  on any device and types a short code while we poll the token endpoint, backing off on
  `slow_down` and stopping on `expired_token`/`access_denied`.
- Google (its device flow refuses the Gmail scope): the authorization code grant with PKCE; a
  one-shot `http.server` on 127.0.0.1 catches the redirect, or on a headless machine the seller
  pastes the address the browser ended on. authlib builds the URL and the S256 challenge, checks
  `state` and exchanges the code.
"""

from __future__ import annotations

import secrets
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.errors import (
    MismatchingStateException,
    MissingCodeException,
)
from authlib.oauth2.rfc6749.parameters import parse_authorization_code_response
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from bot.edges.clock import SystemClock

from .client import OAuthProvider, oauth_call, session
from .help import device_flow_instructions
from .loopback import LoopbackReceiver
from .tokens import REAUTH, OAuthError, OAuthToken, save_token

__all__ = ["DeviceCode", "authorization_url", "authorize", "device_flow_poll",
           "device_flow_start", "exchange_code", "parse_redirect", "pkce_pair"]

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


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
    with session(prov, timeout) as client, oauth_call(prov.device_endpoint):
        answer = client.post(prov.device_endpoint, withhold_token=True,
                             data={"client_id": prov.client_id, "scope": prov.scope})
        data = client.parse_response_token(answer)  # RFC 6749 error answers -> OAuthError
    try:
        return DeviceCode(device_code=str(data["device_code"]), user_code=str(data["user_code"]),
                          verification_uri=str(data.get("verification_uri")
                                               or data["verification_url"]),
                          expires_in=int(data.get("expires_in") or 900),
                          interval=int(data.get("interval") or 5), message=data.get("message"))
    except (KeyError, ValueError):
        raise OAuthError("device code answer lacks device_code/user_code/verification_uri"
                         ) from None


def device_flow_poll(prov: OAuthProvider, device: DeviceCode, *,
                     now_fn: Callable[[], datetime] = SystemClock().now,
                     sleep: Callable[[float], None] = time.sleep,
                     timeout: float = 30.0) -> OAuthToken:
    """Poll until the seller signs in (RFC 8628 §3.4/3.5): `authorization_pending` waits,
    `slow_down` adds 5 s to the interval for good, anything else ends the sign-in."""
    interval = max(1, device.interval)
    deadline = time.monotonic() + device.expires_in  # a timeout, not a business date
    expired = OAuthError(f"the code {device.user_code} expired before the sign-in; {REAUTH}",
                         permanent=True, code="expired_token")
    with session(prov, timeout) as client:
        while True:
            try:
                with oauth_call(prov.token_endpoint):
                    data = client.fetch_token(prov.token_endpoint, grant_type=DEVICE_GRANT,
                                              device_code=device.device_code)
                return OAuthToken.from_response(data, now_fn())
            except OAuthError as exc:
                if exc.code == "expired_token":
                    raise expired from None
                if exc.code not in ("authorization_pending", "slow_down"):
                    raise
                interval += 5 if exc.code == "slow_down" else 0
            if time.monotonic() + interval > deadline:
                raise expired
            sleep(interval)


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, code_challenge) for PKCE S256 (RFC 7636), by authlib."""
    verifier = generate_token(96)
    return verifier, create_s256_code_challenge(verifier)


def authorization_url(prov: OAuthProvider, redirect_uri: str, state: str,
                      code_verifier: str, login_hint: str | None = None) -> str:
    """The URL the seller opens; Google gives a refresh token only with offline + consent."""
    if not prov.authorize_endpoint:
        raise OAuthError(f"{prov.name}: no authorization endpoint", permanent=True)
    extra = {"access_type": "offline", "prompt": "consent"} if prov.name == "gmail" else {}
    if login_hint:
        extra["login_hint"] = login_hint
    with session(prov, 30.0, scope=prov.scope, redirect_uri=redirect_uri,
                 code_challenge_method="S256") as client:
        url, _ = client.create_authorization_url(prov.authorize_endpoint, state=state,
                                                 code_verifier=code_verifier, **extra)
    return str(url)


def parse_redirect(pasted: str, state: str | None) -> str:
    """The authorization code from a pasted redirect URL (or a bare code); checks `state`."""
    pasted = pasted.strip()
    if "?" not in pasted and "=" not in pasted:
        if not pasted:
            raise OAuthError("nothing pasted")
        return pasted  # a bare code
    url = pasted if "?" in pasted else "?" + pasted
    error = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("error")
    if error:
        raise OAuthError(f"authorization refused: {error[0]}", permanent=True, code=error[0])
    try:
        return str(parse_authorization_code_response(url, state=state)["code"])
    except MismatchingStateException:
        raise OAuthError("the pasted address does not belong to this sign-in (state differs); "
                         "start again", permanent=True, code="state_mismatch") from None
    except MissingCodeException:
        raise OAuthError("no code= in the pasted address") from None


def exchange_code(prov: OAuthProvider, code: str, redirect_uri: str, code_verifier: str, *,
                  now: datetime, timeout: float = 30.0) -> OAuthToken:
    with session(prov, timeout, redirect_uri=redirect_uri) as client, \
            oauth_call(prov.token_endpoint):
        data = client.fetch_token(prov.token_endpoint, grant_type="authorization_code",
                                  code=code, code_verifier=code_verifier)
    return OAuthToken.from_response(data, now)


def _browser_code(prov: OAuthProvider, echo: Callable[[str], None],
                  prompt: Callable[[str], str], open_browser: Callable[[str], Any] | None,
                  manual: bool, login_hint: str | None, wait_seconds: float
                  ) -> tuple[str, str, str]:
    """(code, redirect_uri, verifier) from the browser flow, loopback or pasted."""
    verifier, _ = pkce_pair()
    state = secrets.token_urlsafe(16)
    if manual:
        redirect_uri = "http://127.0.0.1:1/"
        url = authorization_url(prov, redirect_uri, state, verifier, login_hint)
        echo(f"Open this address in a browser and sign in:\n\n  {url}\n")
        return (parse_redirect(prompt("Paste the address the browser ended on"), state),
                redirect_uri, verifier)
    with LoopbackReceiver() as receiver:
        url = authorization_url(prov, receiver.redirect_uri, state, verifier, login_hint)
        echo(f"Open this address in a browser and sign in:\n\n  {url}\n")
        if open_browser is not None:
            try:
                open_browser(url)
            except Exception:  # noqa: BLE001 - the URL is printed anyway
                pass
        echo(f"Waiting up to {int(wait_seconds)} s for the redirect to "
             f"{receiver.redirect_uri} ...")
        result = receiver.wait(wait_seconds)
    if result is None:
        raise OAuthError("no redirect arrived; run `sellerbot auth --manual` to paste "
                         "the address instead", code="timeout")
    return (parse_redirect("?" + urllib.parse.urlencode(result), state),
            receiver.redirect_uri, verifier)


def authorize(prov: OAuthProvider, token_file: str | Path, *,
              echo: Callable[[str], None] = print, prompt: Callable[[str], str] = input,
              open_browser: Callable[[str], Any] | None = None, manual: bool = False,
              login_hint: str | None = None, wait_seconds: float = 300.0,
              now_fn: Callable[[], datetime] = SystemClock().now,
              sleep: Callable[[float], None] = time.sleep, timeout: float = 30.0) -> OAuthToken:
    """Walk the seller through the first sign-in and save the token file (mode 0600)."""
    echo(device_flow_instructions(prov))
    echo("")
    if prov.device_endpoint:  # already headless: any browser, any device
        device = device_flow_start(prov, timeout)
        echo(device_flow_instructions(prov, device=device).split("\n\n", 1)[-1])
        token = device_flow_poll(prov, device, now_fn=now_fn, sleep=sleep, timeout=timeout)
    else:
        code, redirect_uri, verifier = _browser_code(prov, echo, prompt, open_browser, manual,
                                                     login_hint, wait_seconds)
        token = exchange_code(prov, code, redirect_uri, verifier, now=now_fn(), timeout=timeout)
    if not token.refresh_token:
        raise OAuthError("the provider gave no refresh token (revoke sellerbot's access in the "
                         "account's security page, check offline_access, and authorize again)",
                         permanent=True, code="no_refresh_token")
    save_token(token_file, token)
    echo(f"Token saved to {token_file} (mode 0600); access token valid until "
         f"{token.expires_at.isoformat(timespec='minutes')}, refreshed automatically.")
    return token
