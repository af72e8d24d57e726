"""OAuth2 for IMAP and SMTP (SASL XOAUTH2), on authlib: one edge, split in five modules.

Gmail and Microsoft 365 are ending password logins for IMAP/SMTP; both take an OAuth2 access
token instead, sent as the SASL XOAUTH2 string. Access tokens live about an hour; a refresh
token kept in a JSON file (mode 0600) gets new ones. `TokenSource`/`ensure_fresh()` is all the
daemon needs; `authorize()` is the interactive first sign-in (`sellerbot auth`).

- `tokens`: the token, its file, XOAUTH2 (ours: no library does this part for us)
- `client`: providers, the authlib session, refresh under a file lock
- `signin`: device code grant (Microsoft), authorization code + PKCE (Google)
- `loopback`: the one-shot 127.0.0.1 server catching Google's redirect
- `help`: what the seller reads

No secret is ever logged or put into an exception message.
"""

from .client import (PROVIDERS, OAuthProvider, TokenSource, ensure_fresh, provider,
                     provider_from_settings, refresh, token_source_for)
from .help import device_flow_instructions
from .loopback import LoopbackReceiver
from .signin import (DeviceCode, authorization_url, authorize, device_flow_poll,
                     device_flow_start, exchange_code, parse_redirect, pkce_pair)
from .tokens import (OAuthError, OAuthToken, describe_token, load_token, save_token,
                     smtp_authenticate_xoauth2, xoauth2_string)

__all__ = ["PROVIDERS", "DeviceCode", "LoopbackReceiver", "OAuthError", "OAuthProvider",
           "OAuthToken", "TokenSource", "authorization_url", "authorize", "describe_token",
           "device_flow_instructions", "device_flow_poll", "device_flow_start", "ensure_fresh",
           "exchange_code", "load_token", "parse_redirect", "pkce_pair", "provider",
           "provider_from_settings", "refresh", "save_token", "smtp_authenticate_xoauth2",
           "token_source_for", "xoauth2_string"]
