"""The optional Prometheus endpoint, on prometheus-client.

A custom collector reads the counts from SQLite at scrape time: each scrape opens its own
read-only connection (`mode=ro`), so it never touches the single writer's connection, never
blocks it (WAL readers do not block the writer), never creates a missing database, and always
shows committed state, also right after a restart (nothing is kept in process memory). The
library brings the rest: the text format with correct escaping, OpenMetrics when the scraper
asks for it (Accept header), gzip, `?name[]=` filtering, and process metrics (CPU, memory, open
file descriptors, start time) next to ours. The names are listed in the README ("Metrics").
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from bot.edges.clock import SystemClock
from bot.core.domain import OPEN_STATES

__all__ = ["MetricsServer", "StoreCollector", "registry_for"]

log = logging.getLogger("sellerbot.metrics")

OUTBOX_STATUSES = ("pending", "retrying", "inflight", "held", "failed", "uncertain")
MESSAGE_STATUSES = ("processed", "ignored", "duplicate", "quarantined")
_OPEN = tuple(sorted(str(s) for s in OPEN_STATES))
_OPEN_SQL = ",".join("?" * len(_OPEN))

#: Same as bot.edges.store.SELLER_MAIL_DOWN_SINCE_SQL (edges do not import each other).
_DOWN_SINCE_SQL = (
    "select max(w.at, coalesce(d.at, '')) from "
    "(select min(created_at) as at from outbox where kind = 'email' and status = 'retrying' "
    "and attempts > 0 and json_extract(payload, '$.on_sent') is null) as w, "
    "(select max(done_at) as at from outbox where kind = 'email' and status = 'done') as d "
    "where w.at is not null")


def _connect_ro(db_path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True, timeout=5,
                           check_same_thread=False)
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


def _seconds(value: Any, now: datetime) -> float | None:
    """now - an ISO timestamp from the store, in seconds (None if unreadable)."""
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    at = at if at.tzinfo else at.replace(tzinfo=timezone.utc)
    return round((now - at).total_seconds(), 3)


def _up(value: int) -> GaugeMetricFamily:
    return GaugeMetricFamily("sellerbot_up", "1 if the database could be read.", value=value)


def store_metrics(conn: sqlite3.Connection, now: datetime) -> list[Metric]:
    """Every sellerbot metric from one read-only connection (pure apart from the reads)."""
    messages = CounterMetricFamily("sellerbot_messages", "Messages recorded, by processing "
                                   "status.", labels=["status"])
    by_status = dict.fromkeys(MESSAGE_STATUSES, 0)
    for status, n in _rows(conn, "select status, count(*) from messages group by status"):
        by_status[str(status)] = int(n)
    for status, n in sorted(by_status.items()):
        messages.add_metric([status], n)
    quarantined = _rows(conn, "select count(*) from quarantine") or [(0,)]
    reminders = _rows(conn, "select count(*) from reminders where status = 'sent'") or [(0,)]
    outbox = GaugeMetricFamily("sellerbot_outbox_depth", "Outbox effects not done yet, by "
                               "status.", labels=["status"])
    depth = dict.fromkeys(OUTBOX_STATUSES, 0)
    for status, n in _rows(conn, "select status, count(*) from outbox where status != 'done' "
                                 "group by status"):
        depth[str(status)] = int(n)
    for status, n in sorted(depth.items()):
        outbox.add_metric([status], n)
    sync = GaugeMetricFamily("sellerbot_seconds_since_last_sync", "Seconds since the last "
                             "recorded IMAP sync of a folder.", labels=["folder"])
    for folder, last in _rows(conn, "select folder, max(last_sync_at) from sync_state where "
                                    "last_sync_at is not null group by folder order by folder"):
        age = _seconds(last, now)
        if age is not None:
            sync.add_metric([str(folder)], max(0.0, age))
    cases = GaugeMetricFamily("sellerbot_open_cases", "Cases waiting for the seller, by kind "
                              "and state.", labels=["kind", "state"])
    for kind, state, n in _rows(conn, f"select kind, state, count(*) from cases where state in "
                                      f"({_OPEN_SQL}) group by kind, state order by kind, state",
                                _OPEN):
        cases.add_metric([str(kind), str(state)], n)
    nearest = GaugeMetricFamily("sellerbot_seconds_to_nearest_deadline", "Seconds until the "
                                "nearest deadline of an open case, by kind (negative: overdue).",
                                labels=["kind"])
    for kind, deadline in _rows(conn, f"select kind, min(deadline) from cases where state in "
                                      f"({_OPEN_SQL}) and deadline is not null group by kind "
                                      "order by kind", _OPEN):
        left = _seconds(deadline, now)
        if left is not None:
            nearest.add_metric([str(kind)], -left)
    unreachable = 0.0
    for (since,) in _rows(conn, _DOWN_SINCE_SQL):
        waited = _seconds(since, now) if since else None
        if waited is not None:
            unreachable = max(0.0, round(waited))
    seller = GaugeMetricFamily("sellerbot_seller_unreachable_seconds", "Seconds since a mail "
                               "last reached the seller, while some wait (0: none waiting).",
                               value=unreachable)
    return [_up(1), seller, messages,
            CounterMetricFamily("sellerbot_quarantined", "Messages put in quarantine.",
                                value=int(quarantined[0][0])),
            CounterMetricFamily("sellerbot_reminders_sent", "Reminders sent to the seller.",
                                value=int(reminders[0][0])),
            outbox, sync, cases, nearest]


class StoreCollector(Collector):
    """Reads the database at each scrape; an unreadable one gives sellerbot_up 0, not a 500."""

    def __init__(self, db_path: str, now_fn: Callable[[], datetime]) -> None:
        self.db_path, self.now_fn = str(db_path), now_fn

    def collect(self) -> Iterator[Metric]:
        try:
            conn = _connect_ro(self.db_path)
        except sqlite3.Error as exc:
            log.warning("metrics: cannot open %s: %s", self.db_path, exc)
            yield _up(0)
            return
        try:
            metrics = store_metrics(conn, self.now_fn())
        except sqlite3.Error as exc:
            log.warning("metrics: cannot read %s: %s", self.db_path, exc)
            metrics = [_up(0)]
        finally:
            conn.close()
        yield from metrics


def registry_for(db_path: str, now_fn: Callable[[], datetime]) -> CollectorRegistry:
    """A registry of its own (not the global one: two daemons in a test process must not
    collide) with our collector and the library's process, platform and GC collectors."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(db_path, now_fn))
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry


class MetricsServer:
    """prometheus-client's own HTTP server on host:port only (default 127.0.0.1:9464; port 0
    picks a free one). It answers on any path, /metrics included, as the library does."""

    def __init__(self, db_path: str, host: str = "127.0.0.1", port: int = 9464,
                 now_fn: Callable[[], datetime] = SystemClock().now) -> None:
        self.host, self.port = host, port
        self.registry = registry_for(db_path, now_fn)
        self._server: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/metrics"

    def start(self) -> MetricsServer:
        if self._server is None:
            self._server, self._thread = start_http_server(self.port, self.host, self.registry)
            self.port = int(self._server.server_address[1])
            log.info("metrics on %s", self.url)
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            self._thread.join(timeout=5)

    def __enter__(self) -> MetricsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
