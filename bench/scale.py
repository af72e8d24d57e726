"""The daemon on a big database after downtime: start, RSS, the start-up sweep, the
catch-up mail, the digest, `sellerbot status` time.

Builds a database with 100,000 open cases and 300,000 processed messages (schema from
bot.edges.store.Store, rows bulk-inserted with sqlite-utils insert_all): cases in
return_requested / message_awaiting_reply / claim_info_requested / claim_granted, deadlines
spread over the next days, pending reminders for every case (3 reminders + the deadline), ~1 %
of the reminder rows already due (they fell due while the daemon was down), two events per
case and a done outbox row per case. Then starts `sellerbot run --config …` (no [imap]
section; digest due at start; SMTP -> an in-process SmtpSink advertising SIZE, 10 MB by
default) with NOTIFY_SOCKET pointing at a datagram socket of ours, and measures:
  start   : exec -> READY=1                                            target <= 2 s
  sweep   : READY=1 -> no reminder due and the outbox empty            target <= 10 s
  catch-up: catch-up summaries received per seller                     target 1
  digest  : delivered, and its size                                    target <= 5 MB
  RSS     : VmRSS at READY=1, after the sweep; peak = max(VmHWM, /proc polling, ru_maxrss
            from wait4 when the daemon is stopped)                     target <= 120 MB
  status  : wall time of `sellerbot status --config …` (stdout piped)  target <= 0.5 s
Figures only; nothing is asserted. `--json` prints them as one JSON object, last line.

Run: python bench/scale.py [--cases 100000] [--messages 300000] [--due 0.01] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlite_utils

from common import (ROOT, SELLER, emit_json, median, rss_kb,
                    stop_and_reap, table, verdict, write_config)
from latency import NotifyListener

sys.path.insert(0, str(ROOT))
from bot.edges.store import Store, iso  # noqa: E402
from bot.demo.sandbox import SmtpSink  # noqa: E402

STATES = (("return", "return_requested", "R", 45), ("message", "message_awaiting_reply", "M", 40),
          ("claim", "claim_info_requested", "C", 10), ("claim", "claim_granted", "C", 5))
MARKETS = (("amazon.fr", "fr", "405"), ("amazon.de", "de", "302"), ("amazon.it", "it", "403"),
           ("amazon.es", "es", "404"), ("amazon.co.uk", "en", "202"))
OFFSETS = {"return": (24, 6, 2), "message": (12, 3, 1), "claim": (48, 24, 6)}


def build(db_path: Path, n_cases: int, n_messages: int, due_fraction: float,
          now: datetime, seed: int) -> dict[str, int]:
    rnd = random.Random(seed)
    store = Store(db_path)  # creates the schema through the real migrations
    store.close()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")
    db = sqlite_utils.Database(conn)
    kinds = [s for s in STATES for _ in range(s[3])]
    cases, events, reminders, outbox = [], [], [], []
    counters: dict[str, int] = {}
    n_rem_total = n_cases * 4
    due_cases = set(rnd.sample(range(n_cases), int(n_rem_total * due_fraction)))
    for i in range(1, n_cases + 1):
        kind, state, prefix, _ = rnd.choice(kinds)
        mp, lang, pfx = rnd.choice(MARKETS)
        order = f"{pfx}-{rnd.randint(0, 9999999):07d}-{rnd.randint(0, 9999999):07d}"
        # second precision, as real deadlines (event time + 48 h…) have
        opened = now - timedelta(seconds=rnd.randint(600, 3600 * 20))
        deadline = now + timedelta(seconds=rnd.randint(3600 * 4, 86400 * 6))
        name = f"{prefix}-2026"
        counters[name] = counters.get(name, 0) + 1
        ref = f"{name}-{counters[name]:06d}"
        alias = f"{rnd.getrandbits(60):015x}@marketplace.{mp}" if kind == "message" else None
        data = {
            "items": [{"title": "Ruban LED 5 m RGB avec télécommande", "asin": "B0BQ8NLM4P",
                       "sku": "LMN-STRIP-5M-RGB", "qty": 1, "price": None}],
            "reason": "Ne correspond pas à la description", "reason_normalized":
                "not_as_described", "customer_comment": "Les couleurs ne ressemblent pas à la "
                                                        "photo.",
            "amount": None, "links": {
                "authorize": f"https://sellercentral.{mp}/gp/returns/list/v2?searchBy=orderId&"
                             f"searchString={order}&action=authorize",
                "close": f"https://sellercentral.{mp}/gp/returns/list/v2?searchBy=orderId&"
                         f"searchString={order}&action=close"} if kind == "return" else {},
            "policy_status": "out_of_policy", "message_text": None, "buyer_name": None,
            "decision": None, "source_message_id": f"{rnd.getrandbits(96):024x}@amazonses.com",
            "subject": f"Demande d’autorisation de retour pour la commande {order}",
            "thread_root": f"<r-{i}@lumen-et-cie.fr>",
        }
        cases.append({"id": i, "ref": ref, "kind": kind, "state": state, "marketplace": mp,
                      "language": lang, "order_id": order, "return_request_id": None,
                      "claim_id": None, "buyer_alias": alias, "opened_at": iso(opened),
                      "deadline": iso(deadline),
                      "deadline_soft": iso(deadline - timedelta(hours=24))
                      if kind == "return" else None,
                      "updated_at": iso(opened), "linked_case_id": None, "uncertain": 0,
                      "snoozed_until": None, "data": json.dumps(data, ensure_ascii=False)})
        events.append({"case_id": i, "at": iso(opened), "kind": f"{kind}_request"
                       if kind == "return" else state, "source_message_id": data[
                           "source_message_id"], "from_state": None, "to_state": state,
                       "reason": f"new --{kind}--> {state}", "data": "{}"})
        events.append({"case_id": i, "at": iso(opened), "kind": "decision",
                       "source_message_id": data["source_message_id"], "from_state": None,
                       "to_state": None, "reason": "rule notify_new: new case", "data": "{}"})
        offsets = OFFSETS[kind]
        for seq, hours in enumerate(offsets, start=1):
            due = deadline - timedelta(hours=hours)
            if seq == 1 and (i - 1) in due_cases:
                due = now - timedelta(seconds=rnd.randint(60, 3000))
            elif due <= now:
                due = now + timedelta(seconds=rnd.randint(300, 36000))
            reminders.append({"case_id": i, "due_at": iso(due), "kind": "reminder", "seq": seq,
                              "status": "pending", "sent_at": None})
        reminders.append({"case_id": i, "due_at": iso(deadline), "kind": "deadline",
                          "seq": len(offsets) + 1, "status": "pending", "sent_at": None})
        outbox.append({"case_id": i, "kind": "email", "effect_key": f"email:new_case:{ref}",
                       "message_id": f"<n-{i}@lumen-et-cie.fr>",
                       "payload": json.dumps({"from": "assistant@lumen-et-cie.fr",
                                              "to": ["claire.martin@lumen-et-cie.fr"],
                                              "raw": "(sent)", "template": "new_case"}),
                       "status": "done", "attempts": 1, "next_attempt_at": iso(opened),
                       "last_error": None, "response": None, "created_at": iso(opened),
                       "done_at": iso(opened)})
    with conn:
        db["cases"].insert_all(cases, batch_size=2000)
        db["events"].insert_all(events, batch_size=2000)
        db["reminders"].insert_all(reminders, batch_size=5000)
        db["outbox"].insert_all(outbox, batch_size=2000)
        db["counters"].insert_all([{"name": k, "value": v} for k, v in counters.items()],
                                  replace=True)
        del cases, events, reminders, outbox

        def message_rows():  # noqa: ANN202
            statuses = ("processed",) * 7 + ("ignored",) * 3
            for uid in range(1, n_messages + 1):
                status = rnd.choice(statuses)
                yield {"source": "imap", "account": "seller@127.0.0.1", "folder": "INBOX",
                       "uidvalidity": 1700000000, "uid": uid,
                       "message_id": f"{rnd.getrandbits(96):024x}@amazonses.com",
                       "body_hash": f"{rnd.getrandbits(128):032x}",
                       "kind": "return_request" if status == "processed" else "ignore",
                       "case_id": rnd.randint(1, n_cases) if status == "processed" else None,
                       "status": status, "reason": None if status == "processed" else "ignore",
                       "subject": "Demande d’autorisation de retour pour la commande "
                                  f"405-{uid:07d}-0000000",
                       "processed_at": iso(now - timedelta(seconds=n_messages - uid))}
        db["messages"].insert_all(message_rows(), batch_size=5000)
        db["sync_state"].insert({"account": "seller@127.0.0.1", "folder": "INBOX",
                                 "uidvalidity": 1700000000, "last_uid": n_messages,
                                 "last_sync_at": iso(now)})
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    counts = {t: conn.execute(f"select count(*) from {t}").fetchone()[0]
              for t in ("cases", "messages", "events", "reminders", "outbox")}
    counts["distinct_pending_times"] = conn.execute(
        "select count(distinct due_at) from reminders where status = 'pending'").fetchone()[0]
    counts["due_reminders"] = conn.execute(
        "select count(*) from reminders where status = 'pending' and due_at <= ?",
        [iso(now)]).fetchone()[0]
    conn.close()
    return counts


def sweep_done(db_path: Path) -> tuple[int, int]:
    """(due pending reminders, pending/retrying outbox rows that are due) right now."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        now = iso(datetime.now(timezone.utc))
        due = con.execute("select count(*) from reminders where status = 'pending' and "
                          "due_at <= ?", [now]).fetchone()[0]
        out = con.execute("select count(*) from outbox where status in ('pending','retrying') "
                          "and next_attempt_at <= ?", [now]).fetchone()[0]
        return due, out
    finally:
        con.close()


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    except (OSError, IndexError, ValueError):
        return -1


def settle(pid: int, timeout: float, quiet: float = 2.0) -> tuple[float, int]:
    """Wait until the process has used (almost) no CPU for `quiet` seconds.

    Returns (seconds waited, peak VmRSS kB seen meanwhile)."""
    t0 = time.monotonic()
    peak = rss_kb(pid) or 0
    last, since = cpu_ticks(pid), time.monotonic()
    while time.monotonic() - t0 < timeout:
        time.sleep(0.25)
        peak = max(peak, rss_kb(pid) or 0)
        now_ticks = cpu_ticks(pid)
        if now_ticks < 0:
            break
        if now_ticks - last > 2:  # > 20 ms of CPU: still busy
            last, since = now_ticks, time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
    return time.monotonic() - t0, peak


def hwm_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--cases", type=int, default=100_000, help="open cases (100000)")
    ap.add_argument("--messages", type=int, default=300_000, help="processed messages (300000)")
    ap.add_argument("--due", type=float, default=0.01, help="fraction of reminders due (0.01)")
    ap.add_argument("--status-runs", type=int, default=3, help="`status` runs, median kept (3)")
    ap.add_argument("--sweep-timeout", type=float, default=600.0)
    ap.add_argument("--smtp-size", type=int, default=10_000_000,
                    help="SIZE the SMTP sink advertises and enforces (10000000)")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="last line: the figures as JSON")
    args = ap.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="sb-bench-scale-", dir="/tmp"))
    proc = sink = notify = None
    try:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        db = tmp / "sellerbot.db"
        t0 = time.perf_counter()
        # built in a spawned process: a daemon forked from a big bench process would carry
        # the bench's pages until exec, and its ru_maxrss would report them
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as ex:
            counts = ex.submit(build, db, args.cases, args.messages, args.due, now,
                               args.seed).result()
        print(f"built {db.stat().st_size / 1e6:.0f} MB database in {time.perf_counter() - t0:.1f}s:"
              f" " + ", ".join(f"{k}={v}" for k, v in counts.items()))

        sink = SmtpSink(data_size_limit=args.smtp_size).start()
        config = write_config(tmp / "config.toml", database=db, smtp=sink.address, imap=None,
                              extra='\n[digest]\nenabled = true\ntime = "00:00"\n')
        notify = NotifyListener(tmp / "notify.sock")
        env = {**os.environ, "NOTIFY_SOCKET": notify.path}
        env.pop("WATCHDOG_USEC", None)
        log = open(tmp / "sellerbot.log", "wb")
        t0 = time.monotonic()
        # python -m bot, not the console script: a pyenv shim is a bash script whose own
        # children would count in ru_maxrss and add ~0.1 s to every `status`
        cmd = [sys.executable, "-m", "bot"]
        proc = subprocess.Popen([*cmd, "run", "--config", str(config)], stdout=log,
                                stderr=log, env=env, cwd=tmp, start_new_session=True)
        t_ready = notify.wait_for("READY=1", 120)
        start_s = (t_ready - t0) if t_ready else float("nan")
        rss_ready = rss_kb(proc.pid)
        if t_ready is None:
            print("no READY=1 within 120 s; log tail:\n"
                  + (tmp / "sellerbot.log").read_text(errors="replace")[-2000:])
        # the sweep: wait until nothing due is left (reminders handled, outbox sent)
        t_sweep = time.monotonic()
        due = out = -1
        rss_peak = 0
        while time.monotonic() - t_sweep < args.sweep_timeout and proc.poll() is None:
            rss_peak = max(rss_peak, rss_kb(proc.pid) or 0)
            due, out = sweep_done(db)
            if due == 0 and out == 0:
                break
            time.sleep(0.1)
        sweep_s = time.monotonic() - t_sweep
        rss_db_done = rss_kb(proc.pid)
        # after its tick the worker re-syncs the scheduler: wait until the process is idle
        settle_s, peak2 = settle(proc.pid, args.sweep_timeout)
        rss_peak = max(rss_peak, peak2)
        rss_sweep = rss_kb(proc.pid)
        hwm = hwm_kb(proc.pid)
        mails = list(sink.messages)
        sent = len(mails)
        subjects = [str(m.message["Subject"] or "") for m in mails]
        catch_up = [m for m, subj in zip(mails, subjects) if "Rattrapage" in subj]
        per_seller: dict[str, int] = {}
        for m in catch_up:
            for rcpt in m.rcpt_tos:
                per_seller[rcpt] = per_seller.get(rcpt, 0) + 1
        seller_catch_up = per_seller.get(SELLER, 0)
        digests = [m for m, subj in zip(mails, subjects) if "Récapitulatif" in subj]
        digest_bytes = len(digests[0].raw) if digests else 0

        status_times = []
        lines = 0
        for _ in range(args.status_runs):
            s0 = time.perf_counter()
            done = subprocess.run([*cmd, "status", "--config", str(config)],
                                  capture_output=True, cwd=tmp)
            status_times.append(time.perf_counter() - s0)
            lines = done.stdout.count(b"\n")
            if done.returncode != 0:
                print("status failed:", done.stderr.decode(errors="replace")[-1000:])
        status_s = median(status_times)
        alive = proc.poll() is None
        hwm = max(hwm or 0, hwm_kb(proc.pid) or 0)  # VmHWM covers the status runs too
        ru_peak_mb = stop_and_reap(proc) if alive else None

        mb = (lambda kb: kb / 1024 if kb else float("nan"))
        log.flush()
        errors = [ln for ln in (tmp / "sellerbot.log").read_text(errors="replace").splitlines()
                  if " ERROR " in ln or "Traceback" in ln]
        if errors:
            print(f"daemon log: {len(errors)} ERROR/Traceback line(s), first: {errors[0][:300]}")
        peak_mb = max(x for x in (mb(rss_peak), mb(hwm), ru_peak_mb or 0.0)
                      if x == x)  # NaN-safe
        rows = [
            ("start: exec -> READY=1", f"{start_s:.2f} s", "<= 2 s", verdict(start_s <= 2.0)),
            ("RSS at READY=1", f"{mb(rss_ready):.1f} MB", "<= 120 MB",
             verdict(mb(rss_ready) <= 120)),
            ("start-up sweep (due reminders + outbox)",
             f"{sweep_s:.1f} s, {sent} mails, left due={due} outbox={out}", "<= 10 s",
             verdict(sweep_s <= 10 and due == 0 and out == 0)),
            ("catch-up summaries to the seller", f"{seller_catch_up} (for "
                                                 f"{counts['due_reminders']} due reminders)",
             "1", verdict(seller_catch_up == 1)),
            ("digest delivered / size", f"{bool(digests)} / {digest_bytes / 1e6:.2f} MB",
             "True / <= 5 MB", verdict(bool(digests) and digest_bytes <= 5_000_000)),
            ("RSS when the db shows the sweep done", f"{mb(rss_db_done):.1f} MB", "", "-"),
            ("process idle again after", f"{settle_s:.1f} s more", "", "-"),
            ("RSS after the sweep (idle)", f"{mb(rss_sweep):.1f} MB", "<= 120 MB",
             verdict(mb(rss_sweep) <= 120)),
            ("RSS peak (polled, VmHWM, ru_maxrss)", f"{mb(rss_peak):.1f}, {mb(hwm):.1f}, "
                                                    f"{ru_peak_mb or float('nan'):.1f} MB",
             "<= 120 MB", verdict(peak_mb <= 120)),
            ("sellerbot status (median)", f"{status_s:.2f} s ({lines} lines; runs "
                                          + ", ".join(f"{t:.2f}" for t in status_times) + ")",
             "<= 0.5 s", verdict(status_s <= 0.5)),
            ("daemon still running", str(alive), "True", verdict(alive)),
        ]
        print(table(rows))
        if args.json:
            emit_json({
                "bench": "scale", "cases": args.cases, "messages": args.messages,
                "due_reminders": counts["due_reminders"], "start_s": start_s,
                "sweep_s": sweep_s, "settle_s": settle_s, "mails_sent": sent,
                "catch_up_mails": seller_catch_up, "catch_up_mails_per_seller": per_seller,
                "due_left": due, "outbox_left": out, "digest_delivered": bool(digests),
                "digest_bytes": digest_bytes, "smtp_size": args.smtp_size,
                "rss_ready_mb": mb(rss_ready), "rss_mb": mb(rss_sweep),
                "rss_peak_mb": peak_mb, "rss_peak_polled_mb": mb(rss_peak),
                "vmhwm_mb": mb(hwm), "ru_maxrss_mb": ru_peak_mb, "status_s": status_s,
                "status_runs": status_times, "status_lines": lines, "alive": alive,
                "log_errors": len(errors)})
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if notify is not None:
            notify.close()
        if sink is not None:
            sink.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
