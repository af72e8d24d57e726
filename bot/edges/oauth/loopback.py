"""The one-shot redirect catcher of the Google sign-in: authlib has no server side for a
desktop client, so this stays on the standard library's http.server (loopback only)."""

from __future__ import annotations

import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

__all__ = ["LoopbackReceiver"]


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
                body = ("sellerbot: authorization received, you can close this tab."
                        if "code" in params else "sellerbot: authorization refused.").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                receiver._got.set()

            def log_message(self, *args: Any) -> None:  # the query holds the code
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
