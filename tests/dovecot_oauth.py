"""A private Dovecot that also accepts OAuth2 bearer tokens (SASL XOAUTH2 and OAUTHBEARER).

Dovecot's `oauth2` passdb does not know tokens itself: for each login it asks a token
introspection endpoint (RFC 7662) whether the token is active and whose it is. Here that
endpoint is `IntrospectionEndpoint`, an `http.server` on 127.0.0.1 holding a dict
token -> username, so a test decides which tokens are valid and sees every lookup Dovecot made.

Only the oauth2 parts are added to tests/dovecot.py's configuration: passwords still work for
PLAIN/LOGIN (the passwd-file passdb is restricted to those mechanisms, so a token is never
compared with a password), and mail is still found through the passwd-file userdb.

Dovecot 2.3.19 behaviour this relies on (checked against its log, `auth_debug = yes`):
- `introspection_mode = post` sends `POST <introspection_url>` with the form body
  `token=<token>`;
- the answer must be JSON; `active_attribute`/`active_value` reject inactive tokens, and
  the `username_attribute` value must equal the user named in the XOAUTH2 string, otherwise
  the login fails;
- with no `tokeninfo_url`, the introspection URL is the only lookup.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from dovecot import DovecotServer


class IntrospectionEndpoint:
    """RFC 7662 token introspection on 127.0.0.1: `tokens` maps a token to its user."""

    def __init__(self, tokens: dict[str, str] | None = None, host: str = "127.0.0.1") -> None:
        self.tokens: dict[str, str] = dict(tokens or {})
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, token: str | None) -> None:
                with endpoint._lock:
                    endpoint.requests.append({"method": self.command, "path": self.path,
                                              "token": token,
                                              "headers": dict(self.headers.items())})
                    user = endpoint.tokens.get(token or "")
                body = json.dumps({"active": "true", "username": user} if user
                                  else {"active": "false"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802 - http.server naming
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                self._answer((form.get("token") or [None])[0])

            def do_GET(self) -> None:  # noqa: N802 - introspection_mode = auth
                auth = self.headers.get("Authorization", "")
                self._answer(auth[7:] if auth.lower().startswith("bearer ") else None)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.host, self.port = self.server.server_address[:2]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/introspect"

    def start(self) -> IntrospectionEndpoint:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05},
                                        name="introspection")
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> IntrospectionEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class OAuthDovecotServer(DovecotServer):
    """DovecotServer plus an `oauth2` passdb for XOAUTH2/OAUTHBEARER against `introspection_url`."""

    def __init__(self, introspection_url: str, root: Path | str | None = None,
                 **kwargs: Any) -> None:
        self.introspection_url = introspection_url
        super().__init__(root, **kwargs)

    @property
    def oauth2_conf_path(self) -> Path:
        return self.root / "dovecot-oauth2.conf.ext"

    def _configure(self) -> None:
        super()._configure()
        self.oauth2_conf_path.write_text(f"""\
# Written by tests/dovecot_oauth.py
introspection_url = {self.introspection_url}
introspection_mode = post
username_attribute = username
active_attribute = active
active_value = true
timeout_msecs = 5000
""")
        os_text = self.config_path.read_text()
        replaced = os_text.replace(
            "auth_mechanisms = plain login\n",
            "auth_mechanisms = plain login xoauth2 oauthbearer\nauth_debug = yes\n", 1)
        replaced = replaced.replace(
            "passdb {\n  driver = passwd-file\n",
            "passdb {\n  driver = passwd-file\n  mechanisms = plain login\n", 1)
        if replaced == os_text or "mechanisms = plain login\n" not in replaced:
            raise RuntimeError("tests/dovecot.py's config changed shape; update dovecot_oauth.py")
        replaced += f"""
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {self.oauth2_conf_path}
}}
"""
        self.config_path.write_text(replaced)


__all__ = ["IntrospectionEndpoint", "OAuthDovecotServer"]
