"""What the seller reads during `sellerbot auth`: pure text, no network."""

from __future__ import annotations

from typing import Any

from .tokens import OAuthError

__all__ = ["device_flow_instructions"]


def device_flow_instructions(prov: Any, client_id: str | None = None,
                             device: Any | None = None) -> str:
    """The app registration the provider needs and, once a device code exists, what to type.
    `prov`: an OAuthProvider or its name; `device`: a signin.DeviceCode."""
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
