"""An optional Prometheus endpoint: text exposition format over stdlib http.server.

Each scrape opens its own read-only SQLite connection (`mode=ro`), reads a handful of counts
and closes it, so the endpoint never touches the single writer's connection, never blocks it
for long (WAL readers do not block the writer) and always shows committed state, also right
after a restart (the counters are derived from the database, not from process memory).

    sellerbot_up                                 1 if the database could be read
    sellerbot_messages_total{status}             messages recorded, by status
    sellerbot_quarantined_total                  messages quarantined
    sellerbot_reminders_sent_total               reminders sent
    sellerbot_outbox_depth{status}               outbox rows not done, by status
    sellerbot_seconds_since_last_sync{folder}    now - sync_state.last_sync_at
    sellerbot_open_cases{kind}                   cases in an open state, by kind
    sellerbot_seller_unreachable_seconds         how long no mail has reached the seller while
                                                 some wait (0: fine)
"""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bot.clock import SystemClock
from bot.domain import OPEN_STATES

__all__ = ["CONTENT_TYPE", "MetricsServer", "collect", "render_metrics"]

log = logging.getLogger("sellerbot.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OUTBOX_STATUSES = ("pending", "retrying", "inflight", "held", "failed", "uncertain")
MESSAGE_STATUSES = ("processed", "ignored", "duplicate", "quarantined")

#: Same as bot.edges.store.SELLER_MAIL_DOWN_SINCE_SQL (edges do not import each other).
_DOWN_SINCE_SQL = (
    "select max(w.at, coalesce(d.at, '')) from "
    "(select min(created_at) as at from outbox where kind = 'email' and status = 'retrying' "
    "and attempts > 0 and json_extract(payload, '$.on_sent') is null) as w, "
    "(select max(done_at) as at from outbox where kind = 'email' and status = 'done') as d "
    "where w.at is not null")

Sample = tuple[dict[str, str], float]
Family = tuple[str, str, str, list[Sample]]  # name, type, help, samples


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def render_metrics(families: list[Family]) -> str:
    out: list[str] = []
    for name, kind, help_text, samples in families:
        out.append(f"# HELP {name} {help_text}")
        out.append(f"# TYPE {name} {kind}")
        for labels, value in samples:
            label_text = ",".join(f'{k}="{_escape(str(v))}"' for k, v in sorted(labels.items()))
            out.append(f"{name}{{{label_text}}} {_number(value)}" if label_text
                       else f"{name} {_number(value)}")
    return "\n".join(out) + "\n"


def _connect_ro(db_path: str) -> sqlite3.Connection:
    uri = f"file:{Path(db_path).resolve()}?mode=ro"
    conn = sqlite3.connect(uri, uri=True, timeout=5, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 5000")
    conn.execute("PRAGMA query_only = ON")
    return conn


def _rows(conn: sqlite3.Connection, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:
        if "no such table" in str(exc):  # fresh database before the first migration
            return []
        raise


def collect(conn: sqlite3.Connection, now: datetime) -> list[Family]:
    """Current values from the database (pure apart from the reads)."""
    messages = dict.fromkeys(MESSAGE_STATUSES, 0)
    for status, n in _rows(conn, "select status, count(*) from messages group by status"):
        messages[str(status)] = int(n)
    quarantined = sum(int(r[0]) for r in _rows(conn, "select count(*) from quarantine"))
    reminders = sum(int(r[0]) for r in _rows(
        conn, "select count(*) from reminders where status = 'sent'"))
    outbox = dict.fromkeys(OUTBOX_STATUSES, 0)
    for status, n in _rows(conn, "select status, count(*) from outbox where status != 'done' "
                                 "group by status"):
        outbox[str(status)] = int(n)
    ages: list[Sample] = []
    for folder, last in _rows(conn, "select folder, max(last_sync_at) from sync_state "
                                    "where last_sync_at is not null group by folder "
                                    "order by folder"):
        try:
            at = datetime.fromisoformat(last)
        except (TypeError, ValueError):
            continue
        if at.tzinfo is None:
            at = at.replace(tzinfo=timezone.utc)
        ages.append(({"folder": str(folder)}, max(0.0, round((now - at).total_seconds(), 3))))
    states = sorted(str(s) for s in OPEN_STATES)
    marks = ",".join("?" * len(states))
    open_cases = [({"kind": str(kind)}, float(n)) for kind, n in _rows(
        conn, f"select kind, count(*) from cases where state in ({marks}) group by kind "
              "order by kind", tuple(states))]
    unreachable = 0.0
    for (since,) in _rows(conn, _DOWN_SINCE_SQL):
        if since:
            unreachable = max(0.0, round((now - datetime.fromisoformat(since)).total_seconds()))
    return [
        ("sellerbot_up", "gauge", "1 if the database could be read.", [({}, 1)]),
        ("sellerbot_seller_unreachable_seconds", "gauge",
         "Seconds since a mail last reached the seller, while some wait (0: none waiting).",
         [({}, unreachable)]),
        ("sellerbot_messages_total", "counter", "Messages recorded, by processing status.",
         [({"status": s}, float(n)) for s, n in sorted(messages.items())]),
        ("sellerbot_quarantined_total", "counter", "Messages put in quarantine.",
         [({}, float(quarantined))]),
        ("sellerbot_reminders_sent_total", "counter", "Reminders sent to the seller.",
         [({}, float(reminders))]),
        ("sellerbot_outbox_depth", "gauge", "Outbox effects not done yet, by status.",
         [({"status": s}, float(n)) for s, n in sorted(outbox.items())]),
        ("sellerbot_seconds_since_last_sync", "gauge",
         "Seconds since the last recorded IMAP sync of a folder.", ages),
        ("sellerbot_open_cases", "gauge", "Cases waiting for the seller, by kind.", open_cases),
    ]


def scrape(db_path: str, now: datetime) -> str:
    """One scrape's text; a database that cannot be read gives sellerbot_up 0, not an error."""
    try:
        conn = _connect_ro(db_path)
    except sqlite3.Error as exc:
        log.warning("metrics: cannot open %s: %s", db_path, exc)
        return render_metrics([("sellerbot_up", "gauge", "1 if the database could be read.",
                                [({}, 0)])])
    try:
        return render_metrics(collect(conn, now))
    except sqlite3.Error as exc:
        log.warning("metrics: cannot read %s: %s", db_path, exc)
        return render_metrics([("sellerbot_up", "gauge", "1 if the database could be read.",
                                [({}, 0)])])
    finally:
        conn.close()


class MetricsServer:
    """GET /metrics on host:port (default 127.0.0.1:9464; port 0 picks a free one)."""

    def __init__(self, db_path: str, host: str = "127.0.0.1", port: int = 9464,
                 now_fn: Callable[[], datetime] = SystemClock().now) -> None:
        self.db_path = str(db_path)
        self.host = host
        self.port = port
        self.now_fn = now_fn
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def render(self) -> str:
        return scrape(self.db_path, self.now_fn())

    def start(self) -> MetricsServer:
        if self._server is not None:
            return self
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    body = owner.render().encode()
                    status, ctype = 200, CONTENT_TYPE
                elif path == "/":
                    body = b"sellerbot metrics: /metrics\n"
                    status, ctype = 200, "text/plain; charset=utf-8"
                else:
                    body, status, ctype = b"not found\n", 404, "text/plain; charset=utf-8"
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_HEAD = do_GET  # noqa: N815

            def log_message(self, fmt: str, *args: Any) -> None:
                log.debug("metrics %s " + fmt, self.client_address[0], *args)

        server = ThreadingHTTPServer((self.host, self.port), Handler)
        server.daemon_threads = True
        self.port = int(server.server_address[1])
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="metrics", daemon=True)
        self._thread.start()
        log.info("metrics on %s", self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> MetricsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
