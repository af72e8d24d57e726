"""Mail-to-notice latency of the daemon in IMAP IDLE, next to Dovecot's own IDLE push time.

A private Dovecot (tests/dovecot.py), an in-process SmtpSink, and `sellerbot run --config …`
(a subprocess by default; `--in-process` runs bot.app.daemon.Daemon with SystemClock in this
process instead). For each sample a fresh French return request (unique order id, Date = now)
is APPENDed over a connection kept open; we time from APPEND returning to:
  push   : the EXISTS seen by another imapclient connection in IDLE (Dovecot alone), two ways:
           "daemon-like" SELECTs read-write, leaves IDLE after each EXISTS, SEARCHes and
           FETCHes the new mail and enters IDLE again, exactly as the daemon's watcher does
           (Dovecot then delivers EXISTS ~0.5 s after the APPEND, every time);
           "continuous" EXAMINEs and never leaves IDLE (the brief's definition; Dovecot's
           delay then depends on the phase of its notify timer, 0-0.5 s)
  notice : the new-case notice for that order arriving in the SmtpSink (the whole bot)
Prints p50/p95. Target: p95(notice) <= p95(push) + 100 ms, judged against both listeners.
Figures only.

Run: python bench/latency.py [--samples 50] [--in-process]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from common import (ROOT, emit_json, median, percentile, rss_kb, sellerbot_cmd, table,
                    verdict, write_config)

sys.path.insert(0, str(ROOT))
from generate import _Rand, return_request  # noqa: E402
from bot.demo.sandbox import SmtpSink  # noqa: E402
from tests.dovecot import DovecotServer  # noqa: E402


class IdleListener(threading.Thread):
    """A second client in IDLE on INBOX: records time.time() of every EXISTS."""

    def __init__(self, server: DovecotServer, reidle: bool) -> None:
        super().__init__(daemon=True, name=f"idle-listener-{reidle}")
        self.reidle = reidle
        self.last_uid = 0
        self.client = server.client(timeout=30)
        # the daemon's watcher SELECTs read-write (FolderWatcher.open); do the same
        self.client.select_folder("INBOX", readonly=not reidle)
        self.stop_event = threading.Event()
        self.cond = threading.Condition()
        self.exists: list[tuple[int, float]] = []  # (EXISTS count, time)
        self.client.idle()

    def run(self) -> None:
        while not self.stop_event.is_set():
            responses = self.client.idle_check(timeout=0.5)
            now = time.time()
            for r in responses:
                if len(r) > 1 and r[1] == b"EXISTS":
                    with self.cond:
                        self.exists.append((int(r[0]), now))
                        self.cond.notify_all()
                    if self.reidle:  # like the daemon: leave IDLE, fetch the new mail, IDLE
                        self.client.idle_done()
                        uids = self.client.search(["UID", f"{self.last_uid + 1}:*"])
                        uids = [u for u in uids if u > self.last_uid]
                        if uids:
                            self.client.fetch(uids, ["BODY.PEEK[]"])
                            self.last_uid = max(uids)
                        self.client.idle()

    def wait_exists(self, count: int, timeout: float) -> float | None:
        with self.cond:
            ok = self.cond.wait_for(lambda: any(c >= count for c, _ in self.exists), timeout)
            if not ok:
                return None
            return next(t for c, t in self.exists if c >= count)

    def close(self) -> None:
        self.stop_event.set()
        self.join(5)
        try:
            self.client.idle_done()
            self.client.logout()
        except Exception:  # noqa: BLE001
            pass


class NotifyListener:
    """A unix datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)

    def wait_for(self, word: str, timeout: float) -> float | None:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096).decode(errors="replace")
            except socket.timeout:
                return None
            if word in data.split("\n"):
                return time.monotonic()
        return None

    def close(self) -> None:
        self.sock.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--samples", type=int, default=50, help="measured samples (50)")
    ap.add_argument("--warmup", type=int, default=3, help="unmeasured samples first (3)")
    ap.add_argument("--in-process", action="store_true",
                    help="run the Daemon in this process (SystemClock) instead of a subprocess")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", action="store_true", help="last line: the figures as JSON")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sb-bench-lat-", dir="/tmp"))
    os.chmod(tmp, 0o755)
    server = sink = listener = steady = appender = proc = daemon = worker = notify = None
    try:
        server = DovecotServer(root=tmp / "dovecot").start()
        sink = SmtpSink().start()
        db = tmp / "sellerbot.db"
        config = write_config(tmp / "config.toml", database=db, smtp=sink.address,
                              imap=(server.host, server.port, server.user, server.password))
        if args.in_process:
            from bot.edges.clock import SystemClock
            from bot.edges.config import load_settings
            from bot.app.daemon import Daemon

            daemon = Daemon(load_settings(config), SystemClock())
            daemon.start()
            worker = threading.Thread(target=daemon.serve, daemon=True, name="worker")
            worker.start()
            if not daemon.ready.wait(15):
                raise SystemExit("daemon never completed its first IMAP sync")
        else:
            notify = NotifyListener(tmp / "notify.sock")
            env = {**os.environ, "NOTIFY_SOCKET": notify.path}
            log = open(tmp / "sellerbot.log", "wb")
            proc = subprocess.Popen([*sellerbot_cmd(), "run", "--config", str(config)],
                                    stdout=log, stderr=log, env=env, cwd=tmp,
                                    start_new_session=True)
            if notify.wait_for("READY=1", 30) is None:
                raise SystemExit("no READY=1 from sellerbot within 30 s:\n"
                                 + (tmp / "sellerbot.log").read_text()[-2000:])
        listener = IdleListener(server, reidle=True)
        listener.start()
        steady = IdleListener(server, reidle=False)
        steady.start()
        appender = server.client(timeout=30)
        rng = _Rand(args.seed)
        rnd = random.Random(args.seed)
        exists = 0
        push: list[float] = []
        push_steady: list[float] = []
        over: list[float] = []
        notice: list[float] = []
        missed = 0
        for i in range(args.warmup + args.samples):
            order = f"405-{9000000 + i:07d}-{rnd.randint(0, 9999999):07d}"
            _mid, raw = return_request(rng, "fr", order, datetime.now(timezone.utc)
                                       .replace(microsecond=0))
            appender.append("INBOX", raw)
            t0 = time.time()
            exists += 1
            t_push = listener.wait_exists(exists, 10)
            t_steady = steady.wait_exists(exists, 10)

            def is_ours(m, order=order) -> bool:  # noqa: ANN001
                return order in str(m.message.get("Subject", "")) or order.encode() in m.raw
            try:
                got = sink.wait_for_match(is_ours, timeout=15)
                t_notice = got.received_at
            except TimeoutError:
                t_notice = None
            if i >= args.warmup:
                if t_push is not None:
                    push.append((t_push - t0) * 1000)
                if t_steady is not None:
                    push_steady.append((t_steady - t0) * 1000)
                if t_notice is not None:
                    notice.append((t_notice - t0) * 1000)
                    if t_push is not None:
                        over.append((t_notice - t_push) * 1000)
                else:
                    missed += 1
            time.sleep(0.2 + rnd.random() * 0.2)  # let the daemon go back to IDLE
        p95_push = percentile(push, 0.95)
        p95_notice = percentile(notice, 0.95)
        p95_steady = percentile(push_steady, 0.95)
        mode = "in-process Daemon" if args.in_process else "subprocess sellerbot run"
        print(f"{args.samples} samples ({args.warmup} warm-up not counted), daemon: {mode}")
        rows = [
            ("Dovecot push, daemon-like client p50 / p95",
             f"{median(push):.1f} / {p95_push:.1f} ms", "", "-"),
            ("Dovecot push, continuous IDLE p50 / p95",
             f"{median(push_steady):.1f} / {p95_steady:.1f} ms", "", "-"),
            ("APPEND -> notice in sink p50 / p95",
             f"{median(notice):.1f} / {p95_notice:.1f} ms", "", "-"),
            ("  vs daemon-like push + 100 ms", f"{p95_notice:.1f} ms",
             f"<= {p95_push + 100:.1f} ms", verdict(p95_notice <= p95_push + 100
                                                   and missed == 0)),
            ("  vs continuous-IDLE push + 100 ms", f"{p95_notice:.1f} ms",
             f"<= {p95_steady + 100:.1f} ms", verdict(p95_notice <= p95_steady + 100
                                                     and missed == 0)),
            ("notice - daemon-like push p50 / p95",
             f"{median(over):.1f} / {percentile(over, 0.95):.1f} ms", "<= 100 ms", "-"),
            ("notice min / max", f"{min(notice, default=float('nan')):.1f} / "
                                 f"{max(notice, default=float('nan')):.1f} ms", "", "-"),
            ("samples without a notice (15 s)", str(missed), "0", verdict(missed == 0)),
        ]
        print(table(rows))
        if args.json:
            hwm = None
            if proc is not None:
                try:
                    hwm = next(int(ln.split()[1]) / 1024 for ln in Path(
                        f"/proc/{proc.pid}/status").read_text().splitlines()
                        if ln.startswith("VmHWM:"))
                except (OSError, StopIteration):
                    hwm = None
            rss = rss_kb(proc.pid) if proc is not None else None
            emit_json({"bench": "latency", "samples": args.samples, "mode": mode,
                       "push_p50_ms": median(push), "push_p95_ms": p95_push,
                       "push_steady_p95_ms": p95_steady, "notice_p50_ms": median(notice),
                       "notice_p95_ms": p95_notice, "over_push_p95_ms": percentile(over, 0.95),
                       "missing": missed, "met": p95_notice <= p95_push + 100 and missed == 0,
                       "rss_mb": rss / 1024 if rss else None, "rss_peak_mb": hwm})
        return 0
    finally:
        if appender is not None:
            try:
                appender.logout()
            except Exception:  # noqa: BLE001
                pass
        for lst in (listener, steady):
            if lst is not None:
                lst.close()
        if proc is not None:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        if daemon is not None:
            daemon.stop()
            if worker is not None:
                worker.join(10)
            daemon.close()
        if notify is not None:
            notify.close()
        if sink is not None:
            sink.stop()
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
