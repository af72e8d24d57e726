"""The Seller Central stand-in: a loopback HTTP server that records and answers action links."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .loopback import CLOCK, LOOPBACK, free_port

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hit:
    """One request the stand-in received. `query` is the raw query string, `params` parsed."""

    method: str
    path: str
    query: str
    params: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    at: float  # Unix time when the request line arrived
    client: str

    @property
    def url(self) -> str:
        return self.path + ("?" + self.query if self.query else "")


@dataclass
class _Rule:
    status: int = 200
    body: bytes | None = None
    delay: float = 0.0
    location: str | None = None
    content_type: str = "text/html; charset=utf-8"
    remaining: int | None = None  # None: forever


OK_PAGE = (b"<!doctype html><html><head><meta charset=\"utf-8\"><title>OK</title></head>"
           b"<body><p>OK</p></body></html>")


class ActionLinkStandIn:
    """An HTTP server on loopback standing in for Seller Central's action links.

    Why: the bot follows "authorize return" links; tests need to see exactly which requests it
    made (and that it made them once), and to make the far end fail, hang or redirect. Rules
    are matched by the longest path prefix; `times=n` makes a rule apply n times and then fall
    back, which plays "500 once, then fine" for retry tests.
    """

    def __init__(self, host: str = LOOPBACK, port: int = 0) -> None:
        self.host = host
        self.port = port or free_port(host)
        self._cond = threading.Condition()
        self._hits: list[Hit] = []
        self._rules: dict[str, _Rule] = {}
        self._release = threading.Event()  # set to end every pending delay at once
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> ActionLinkStandIn:
        """Start serving (again) on the same host and port."""
        if self._server is not None:
            return self
        self._release = threading.Event()
        server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"standin-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; pending delayed requests are released and their clients dropped."""
        server, self._server = self._server, None
        self._release.set()
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ActionLinkStandIn:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- behaviour ------------------------------------------------------------------------
    def respond(self, path_prefix: str, status: int = 500, body: bytes | str | None = None, *,
                content_type: str = "text/html; charset=utf-8", times: int | None = None) -> None:
        """Answer requests under `path_prefix` with `status` (and `body`)."""
        self._set(path_prefix, _Rule(status=status, body=_bytes(body), content_type=content_type,
                                     remaining=times))

    def delay(self, path_prefix: str, seconds: float, *, status: int = 200,
              times: int | None = None) -> None:
        """Hold requests under `path_prefix` for `seconds` before answering (client timeouts).

        The wait is on an Event, so stop() or release() ends it at once.
        """
        self._set(path_prefix, _Rule(status=status, delay=seconds, remaining=times))

    def redirect(self, path_prefix: str, location: str, status: int = 302, *,
                 times: int | None = None) -> None:
        """Redirect requests under `path_prefix` to `location` (absolute or a path here)."""
        self._set(path_prefix, _Rule(status=status, location=location, remaining=times))

    def release(self) -> None:
        """End every delay now in progress (later delayed requests wait again)."""
        with self._cond:
            self._release.set()
            self._release = threading.Event()

    def reset(self) -> None:
        """Forget rules and hits: back to 200 OK everywhere."""
        with self._cond:
            self._rules.clear()
            self._hits.clear()

    def _set(self, prefix: str, rule: _Rule) -> None:
        if not prefix.startswith("/"):
            prefix = "/" + prefix
        with self._cond:
            self._rules[prefix] = rule

    def _rule_for(self, path: str) -> tuple[_Rule, threading.Event]:
        with self._cond:
            best = ""
            for prefix, rule in self._rules.items():
                if path.startswith(prefix) and len(prefix) > len(best) and rule.remaining != 0:
                    best = prefix
            if not best:
                return _Rule(), self._release
            rule = self._rules[best]
            if rule.remaining is not None:
                rule.remaining -= 1
            return rule, self._release

    def _record(self, hit: Hit) -> None:
        with self._cond:
            self._hits.append(hit)
            self._cond.notify_all()

    # -- inspection -----------------------------------------------------------------------
    @property
    def hits(self) -> list[Hit]:
        """A snapshot copy of every request so far, oldest first."""
        with self._cond:
            return list(self._hits)

    def wait_for_hits(self, n: int, timeout: float = 10.0) -> list[Hit]:
        """Block until at least `n` requests arrived; return them all (TimeoutError if not)."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._hits) >= n, timeout):
                seen = ", ".join(f"{h.method} {h.url}" for h in self._hits[-5:])
                raise TimeoutError(f"stand-in got {len(self._hits)} request(s), expected {n} "
                                   f"within {timeout}s: {seen}")
            return list(self._hits)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<ActionLinkStandIn {self.base_url} {state} hits={len(self._hits)}>"


def _bytes(body: bytes | str | None) -> bytes | None:
    return body.encode("utf-8") if isinstance(body, str) else body


def _handler_for(standin: ActionLinkStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "SellerCentralStandIn/1.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            log.debug("stand-in %s: " + format, self.address_string(), *args)

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            standin._record(Hit(
                method=self.command, path=parts.path, query=parts.query,
                params=parse_qs(parts.query, keep_blank_values=True),
                headers={k: v for k, v in self.headers.items()}, body=body, at=CLOCK.now().timestamp(),
                client=f"{self.client_address[0]}:{self.client_address[1]}"))
            rule, released = standin._rule_for(parts.path)
            if rule.delay > 0 and released.wait(rule.delay):
                self.close_connection = True  # stopped or released: drop the client
                return
            payload = rule.body if rule.body is not None else (
                OK_PAGE if rule.status < 400 and rule.location is None
                else f"<!doctype html><title>{rule.status}</title><p>{rule.status}</p>".encode())
            try:
                self.send_response(rule.status)
                if rule.location is not None:
                    location = rule.location
                    if location.startswith("/"):
                        location = standin.base_url + location
                    self.send_header("Location", location)
                self.send_header("Content-Type", rule.content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (timed out) first

        do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _handle

    return Handler
