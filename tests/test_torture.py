"""Torture tests on real servers (run alone with `pytest -m torture`).

* Crash: `sellerbot run` (daemon mode) as a subprocess, SIGKILLed 20 times at random points
  (chosen by watching its SQLite db) while 300 return requests arrive over IMAP and their
  effects (notices, authorize links) run; then run to quiescence and check nothing was lost
  or doubled.
* Outages: Dovecot stopped during IDLE, SMTP sink down, link stand-in answering 500 or
  hanging; nothing lost, nothing doubled, the seller told when it matters.
* Hostile input: hypothesis-generated and handcrafted monster emails through
  `Service.ingest` + `tick` with a real store and SMTP sink: no exception, a known status,
  bounded memory.

Bounded waits only: conditions, events and subprocess waits with timeouts (polling the db
file uses `threading.Event().wait(0.05)` between reads).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import pytest
from timeshift import at, clock_env, shift_mail
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from bot.edges.clock import FixedClock
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from bot.app.service import Origin
from tests.test_abuse import (CORPUS, RETURN_02, SELLER, make_service, parsed,
                              return_request_for)
from tests.test_e2e_skeleton import Running, make_settings
from tests.test_outbox_crash import write_config

pytestmark = pytest.mark.torture

SEED = int(os.environ.get("SELLERBOT_TORTURE_SEED", "20261122"))
N_MESSAGES = 300
N_KILLS = 20
WAIT = 30.0
CLOCK_START = at(2026, 11, 22, 9, 0)  # every daemon started here runs from this instant
_PAUSE = threading.Event()  # never set: .wait(x) is a bounded pause between db polls


def _poll(predicate: Callable[[], bool], timeout: float, what: str,
          proc: subprocess.Popen[bytes] | None = None, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            pytest.fail(f"daemon exited with {proc.returncode} while waiting for {what}\n{tail}")
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log else ""
            pytest.fail(f"timed out after {timeout}s waiting for {what}\n{tail}")
        _PAUSE.wait(0.05)


def _query(db: Path, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if not db.exists():
        return []
    conn = sqlite3.connect(db, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    except sqlite3.OperationalError:  # schema not created yet
        return []
    finally:
        conn.close()


def _count(db: Path, sql: str, args: tuple[Any, ...] = ()) -> int:
    rows = _query(db, sql, args)
    return int(rows[0][0]) if rows else 0


class DaemonProcess:
    """`python -m bot run --config F` in its own process group (killed as a whole)."""

    def __init__(self, config: Path, log: Path) -> None:
        env = {k: v for k, v in clock_env(CLOCK_START).items() if k != "SELLERBOT_FAILPOINT"}
        self.log = log
        self._out = open(log, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--config", str(config)],
            env=env, stdin=subprocess.DEVNULL, stdout=self._out, stderr=self._out,
            start_new_session=True, cwd=str(Path(__file__).parent.parent))

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=30)
        self._out.close()

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=30)
        finally:
            self.kill()
        return code


def _append_all(dovecot, raws: list[bytes]) -> None:  # type: ignore[no-untyped-def]
    client = dovecot.client()
    try:
        for raw in raws:
            client.append("INBOX", raw)
    finally:
        client.logout()


def test_kill_minus_9_twenty_times_loses_and_doubles_nothing(  # type: ignore[no-untyped-def]
        tmp_path: Path, dovecot, smtp_sink: SmtpSink,
        link_standin: ActionLinkStandIn) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "state.db"
    log = tmp_path / "daemon.log"
    when = CLOCK_START - timedelta(minutes=2)
    orders = [f"405-{3300000 + n:07d}-{7700000 + n:07d}" for n in range(N_MESSAGES)]
    raws = [return_request_for(order, when, f"<rr-{n}@amazonses.com>")
            for n, order in enumerate(orders)]
    wave = N_MESSAGES // N_KILLS
    kills_at: list[str] = []

    for round_no in range(N_KILLS):
        # Half the rounds authorize automatically, so links are in flight at kill time too.
        policy = "all" if round_no % 2 == 0 else "none"
        config = write_config(tmp_path, dovecot, smtp_sink, link_standin, policy=policy)
        watching = log.read_text(errors="replace").count("watching ") if log.exists() else 0
        daemon = DaemonProcess(config, log)
        try:
            if round_no == 0:  # empty mailbox: its history starts now, later mail is news
                _poll(lambda: _count(db, "select count(*) from sync_state") > 0, WAIT,
                      "first sync", daemon.proc, log)
            if rng.random() < 0.5:
                # appended while the watcher IDLEs: per-case notices; otherwise the mail is
                # found by the start-up catch-up (held notices, a summary above 10)
                _poll(lambda: log.read_text(errors="replace").count("watching ") > watching,
                      WAIT, "IMAP watcher", daemon.proc, log)
            base = _count(db, "select count(*) from messages")
            done_base = _count(db, "select count(*) from outbox where status = 'done'")
            _append_all(dovecot, raws[round_no * wave:(round_no + 1) * wave])
            if rng.random() < 0.5:
                k = rng.randint(1, wave)
                kills_at.append(f"messages>={base + k}")
                _poll(lambda: _count(db, "select count(*) from messages") >= base + k,
                      WAIT, f"{k} messages", daemon.proc, log)
            else:
                k = rng.randint(1, wave)
                kills_at.append(f"outbox_done>={done_base + k}")
                # (or everything settled: a catch-up summary may merge the notices)
                appended = (round_no + 1) * wave
                _poll(lambda: _count(db, "select count(*) from outbox where status = 'done'")
                      >= done_base + k or (
                          _count(db, "select count(*) from messages") >= appended
                          and _count(db, "select count(*) from outbox where status in "
                                         "('pending','retrying','held','inflight')") == 0),
                      WAIT, f"{k} effects done", daemon.proc, log)
        finally:
            daemon.kill()

    # Run to quiescence: every message in, nothing left to send or request.
    config = write_config(tmp_path, dovecot, smtp_sink, link_standin, policy="none")
    watching = log.read_text(errors="replace").count("watching ")
    daemon = DaemonProcess(config, log)
    try:
        # up and past its catch-up (and its SIGTERM handler installed) before we stop it
        _poll(lambda: log.read_text(errors="replace").count("watching ") > watching, WAIT,
              "IMAP watcher", daemon.proc, log)
        _poll(lambda: _count(db, "select count(*) from messages") >= N_MESSAGES
              and _count(db, "select count(*) from outbox where status in "
                             "('pending','retrying','held','inflight')") == 0,
              60, "quiescence", daemon.proc, log)
        code = daemon.terminate()
        assert code == 0, f"exit {code}\n" + log.read_text(errors="replace")[-3000:]
    finally:
        daemon.kill()

    context = f"seed={SEED} kills={kills_at}"
    # every notification recorded exactly once, and opened exactly one case
    rows = _query(db, "select message_id, count(*) from messages group by message_id")
    assert len(rows) == N_MESSAGES and all(c == 1 for _, c in rows), context
    assert _count(db, "select count(*) from cases") == N_MESSAGES, context
    assert _count(db, "select count(distinct order_id) from cases") == N_MESSAGES, context
    per_case = _query(db, "select c.id, count(e.id) from cases c left join events e on "
                          "e.case_id = c.id and e.kind = 'return_request' group by c.id")
    assert all(n == 1 for _, n in per_case), context
    assert _count(db, "select count(*) from outbox where status = 'failed'") == 0, context

    # every email left exactly once: distinct Message-IDs in the sink == emails marked done
    done_ids = [r[0] for r in _query(db, "select message_id from outbox where kind = 'email' "
                                         "and status = 'done'")]
    assert len(done_ids) == len(set(done_ids)), context
    sink_ids = Counter(str(m.message["Message-ID"]).strip() for m in smtp_sink.messages)
    assert set(sink_ids) == set(done_ids), context
    resent = {mid: n for mid, n in sink_ids.items() if n > 1}
    # a resend happens only when the kill fell between SMTP's 250 and the commit: rare
    assert len(resent) <= N_KILLS, (resent, context)

    # no link requested twice; every request is accounted for by a done / uncertain effect
    hits = Counter(h.url for h in link_standin.hits)
    assert all(n == 1 for n in hits.values()), ([u for u, n in hits.items() if n > 1], context)
    http = _query(db, "select id, status, payload from outbox where kind = 'http'")
    by_url: dict[str, tuple[int, str]] = {}
    for effect_id, status, payload in http:
        url = json.loads(payload)["url"]
        path = url.split("amazon.fr", 1)[1]
        assert path not in by_url, context  # one effect per link
        by_url[path] = (effect_id, status)
        assert status in ("done", "uncertain"), (effect_id, status, context)
        if status == "done":
            assert hits[path] == 1, (path, context)
    assert set(hits) <= set(by_url), context
    uncertain = [eid for eid, status in by_url.values() if status == "uncertain"]
    told = {r[0] for r in _query(db, "select effect_key from outbox where kind = 'email' "
                                     "and status = 'done' and effect_key like 'uncertain:%'")}
    assert {f"uncertain:{eid}" for eid in uncertain} <= told, context
    assert http, "some rounds authorized automatically: links were exercised"
    templates = Counter(json.loads(p)["template"] for (p,) in _query(
        db, "select payload from outbox where kind = 'email' and status = 'done'"))
    print(f"torture {context}: emails {dict(templates)}, resent {len(resent)}, "
          f"links {len(hits)} requested / {len(uncertain)} uncertain")


# ------------------------------------------------------------------------------ outages
def test_outages_lose_and_double_nothing(tmp_path: Path, dovecot,  # type: ignore[no-untyped-def]
                                         smtp_sink: SmtpSink,
                                         link_standin: ActionLinkStandIn) -> None:
    now = at(2026, 11, 22, 9, 0)
    clock = FixedClock(now)
    settings = make_settings(tmp_path / "s.db", dovecot, smtp_sink, link_standin,
                             policy={"auto_authorize": "all"},
                             links={"timeout_seconds": 1})
    bot = Running(settings, clock)
    try:
        def rr(n: int) -> bytes:
            return return_request_for(f"405-{4400000 + n:07d}-{8800000 + n:07d}",
                                      now - timedelta(minutes=5), f"<out-{n}@amazonses.com>")

        # 1. Dovecot stops while the watcher IDLEs, mail arrives after it is back
        dovecot.stop()
        dovecot.start()
        dovecot.append(rr(1))
        assert bot.daemon.wait_processed(1, WAIT)

        # 2. the SMTP sink is down while mail comes in: effects wait, nothing is lost
        smtp_sink.stop()
        dovecot.append(rr(2))
        assert bot.daemon.wait_processed(2, WAIT)
        bot.settle()
        db = Path(settings.bot.database)
        assert _count(db, "select count(*) from outbox where kind = 'email' and status = "
                          "'retrying'") >= 1, "the SMTP outage was seen and the mail kept"
        smtp_sink.start()
        clock.advance(hours=1)  # past the persisted backoff
        bot.daemon.wake()
        bot.settle()

        # 3. the link stand-in answers 500, then hangs past the timeout, then recovers
        link_standin.respond("/gp/returns", 500, times=1)
        dovecot.append(rr(3))
        assert bot.daemon.wait_processed(3, WAIT)
        bot.settle()
        assert _count(db, "select count(*) from outbox where kind = 'http' and status = "
                          "'retrying'") == 1, "HTTP 500 is retried later"
        link_standin.delay("/gp/returns", 5, times=1)
        clock.advance(hours=1)
        bot.daemon.wake()
        bot.settle()
        link_standin.release()
        for _ in range(3):
            clock.advance(hours=1)
            bot.daemon.wake()
            bot.settle()
        store = bot.daemon.store
        assert store is not None
        effects = store.effects()
        statuses = Counter((e["kind"], e["status"]) for e in effects)
        assert set(statuses) <= {("email", "done"), ("http", "done")}, statuses
        assert statuses[("http", "done")] == 3
        hits = Counter(h.url for h in link_standin.hits)
        # the 500 and the timeout were retried: the link of case 3 has 3 requests, but the
        # links of cases 1 and 2 exactly one each
        assert sorted(hits.values()) == [1, 1, 3], hits
        ids = Counter(str(m.message["Message-ID"]).strip() for m in smtp_sink.messages)
        done = {e["message_id"] for e in effects if e["kind"] == "email"}
        assert set(ids) == done and all(n == 1 for n in ids.values()), ids
        assert bot.daemon.stats.processed == 3
    finally:
        bot.stop()


# ------------------------------------------------------------------------------ hostile input
STATUSES = {"quarantined", "ignored", "case", "recorded", "order", "commands", "duplicate",
            "already-processed", "own-mail", "refused-sender", "rate-limited",
            "refused-dmarc", "refused-token-malformed", "refused-token-bad_signature",
            "refused-token-expired", "refused-token-missing"}


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@pytest.fixture
def hostile(tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn):  # type: ignore[no-untyped-def]
    svc = make_service(tmp_path, smtp_sink, link_standin,
                       FixedClock(at(2026, 11, 22, 7, 42)))
    counter = iter(range(1, 10**9))

    def feed(raw: bytes) -> str:
        status = svc.ingest(raw, Origin("hostile", "INBOX", 1, next(counter)))
        svc.tick()
        assert status in STATUSES, status
        return status

    yield feed
    svc.store.close()


CORPUS_RAWS = [shift_mail(p.read_bytes()) for p in sorted(CORPUS.glob("*.eml"))]


@st.composite
def mutated_corpus(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(CORPUS_RAWS)))
    for _ in range(draw(st.integers(0, 8))):
        op = draw(st.sampled_from(["flip", "cut", "dup", "insert"]))
        if not raw:
            break
        at = draw(st.integers(0, len(raw) - 1))
        if op == "flip":
            raw[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del raw[at:at + draw(st.integers(1, 400))]
        elif op == "dup":
            raw[at:at] = raw[at:at + draw(st.integers(1, 400))]
        else:
            raw[at:at] = draw(st.sampled_from([
                b"\n\n", b"\r\n", b"=?UTF-8?Q?=0D=0A?=", b"--", b"boundary=\"x\"\n",
                b"Content-Type: multipart/mixed; boundary=\"\"\n", b"=\n", b"<script>",
                b"https://203.0.113.9/gp/returns?action=authorize ", b"\x00", b"\xff\xfe",
                b"Content-Transfer-Encoding: base64\n", b"=?x-unknown?B?////?=",
            ]))
    return bytes(raw)


@hsettings(max_examples=100, deadline=None, database=None,
           suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                  HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(mutated_corpus(), st.binary(max_size=4096),
                     st.text(max_size=2000).map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_hypothesis_hostile_bytes_never_crash(hostile, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    hostile(raw)


def _headers_then(body: bytes, extra: bytes = b"") -> bytes:
    return (b"From: Amazon Seller Central <donotreply@amazon.fr>\nTo: ventes@lumen-et-cie.fr\n"
            b"Subject: Demande de retour 405-1234567-7654321\nMessage-ID: <monster@x>\n"
            b"MIME-Version: 1.0\n" + extra + body)


def _deep_multipart(depth: int) -> bytes:
    head = b""
    tail = b""
    for i in range(depth):
        head += (f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n').encode()
        tail = f"\n--b{i}--\n".encode() + tail
    return head + b"Content-Type: text/plain\n\nAutoriser le retour\n" + tail


def _monsters() -> list[tuple[str, bytes]]:
    big_b64 = base64.encodebytes(os.urandom(20 * 1024 * 1024))
    bomb = base64.encodebytes(gzip.compress(b"\0" * (200 * 1024 * 1024), 9))
    return [
        ("100 KB header", _headers_then(b"\nbody\n", b"X-Long: " + b"a" * 100_000 + b"\n")),
        ("100 KB folded subject", _headers_then(b"\nbody\n", b"Subject: " + b" x\n" * 30_000)),
        ("10k headers", _headers_then(b"\nbody\n", b"X-H: v\n" * 10_000)),
        ("1000-deep multipart", _headers_then(_deep_multipart(1000))),
        ("20 MB base64 attachment", _headers_then(
            b'Content-Type: multipart/mixed; boundary="m"\n\n--m\nContent-Type: text/plain\n\n'
            b"Numero de commande : 405-1234567-7654321\n--m\nContent-Type: application/zip\n"
            b"Content-Transfer-Encoding: base64\n\n" + big_b64 + b"\n--m--\n")),
        ("10 MB of QP '='", _headers_then(
            b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: "
            b"quoted-printable\n\n" + b"=" * (10 * 1024 * 1024) + b"\n")),
        ("gzip bomb part", _headers_then(
            b'Content-Type: multipart/mixed; boundary="m"\n\n--m\nContent-Type: text/html\n'
            b"Content-Encoding: gzip\nContent-Transfer-Encoding: base64\n\n" + bomb
            + b"\n--m\nContent-Type: application/gzip\nContent-Transfer-Encoding: base64\n\n"
            + bomb + b"\n--m--\n")),
        ("5 MB single line html", _headers_then(
            b"Content-Type: text/html\n\n<a href='https://sellercentral.amazon.fr/x'>"
            + b"<b>" * 1_000_000 + b"</a>\n")),
        ("corpus 02 with 20 MB attachment", RETURN_02.replace(
            b"Content-Type: multipart/alternative;", b"X-Was: multipart/alternative;") +
            b"\n" + big_b64[:1024]),
    ]


def test_monster_emails_are_handled_with_bounded_memory(hostile) -> None:  # type: ignore[no-untyped-def]
    seen: dict[str, str] = {}
    for name, raw in _monsters():
        before = _rss_kb()
        seen[name] = hostile(raw)
        grown_mb = (_rss_kb() - before) / 1024
        assert grown_mb < 300, f"{name}: RSS grew by {grown_mb:.0f} MB"
    assert all(s in STATUSES for s in seen.values()), seen


def test_mutated_corpus_through_daemon_sends_only_clean_mail(hostile, smtp_sink) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(SEED)
    for n in range(60):
        raw = bytearray(rng.choice(CORPUS_RAWS))
        for _ in range(rng.randint(1, 5)):
            at = rng.randrange(len(raw))
            raw[at:at + rng.randint(0, 50)] = bytes(rng.randrange(256)
                                                    for _ in range(rng.randint(0, 20)))
        hostile(bytes(raw))
    for m in smtp_sink.messages:
        assert m.rcpt_tos and all(r.endswith("@lumen-et-cie.fr") for r in m.rcpt_tos)
        assert parsed(m)["Message-ID"]
    assert SELLER  # noqa: the sink only ever wrote to the seller's domain
