"""Ingest throughput: `sellerbot run --once` over a big mailbox vs bare imaplib + email parsing.

Generates N notifications (bench/generate.py: ~28 % return requests, 12 % A-to-Z claims, 30 %
buyer messages, 30 % newsletters, ~9 KB each), writes them straight into the Maildir of a
private Dovecot (tests/dovecot.py) before it starts, then times, on the same warm server:

  (a) baseline: imaplib `UID FETCH 1:* BODY.PEEK[]` + email.message_from_bytes (compat32)
  (b) `sellerbot run --once --config <generated>` as a subprocess, from an empty database
      (IMAP -> this Dovecot, SMTP -> an in-process aiosmtpd SmtpSink, links mode notify)

and prints both wall times, msgs/s, the ratio b/a (target <= 1.0), then checks that every
return request / claim / buyer message became a case or a case event in the SQLite database.
Seeding is not timed in (a) or (b). Figures only; nothing is asserted.

Run: python bench/ingest.py [--n 10000] [--seed 1] [--seed-method maildir|append]
"""

from __future__ import annotations

import argparse
import email
import imaplib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from common import (ROOT, emit_json, seed_maildir, self_peak_rss_mb, sellerbot_cmd, table,
                    verdict, write_config)

sys.path.insert(0, str(ROOT))
from generate import RELEVANT, generate_detailed  # noqa: E402
from bot.demo.sandbox import SmtpSink  # noqa: E402
from tests.dovecot import DovecotServer  # noqa: E402


def baseline(host: str, port: int, user: str, password: str) -> tuple[float, float, int, int]:
    """(total seconds, fetch seconds, messages, bytes): imaplib fetch-all + compat32 parse."""
    t0 = time.perf_counter()
    imap = imaplib.IMAP4(host, port)
    imap.login(user, password)
    imap.select("INBOX", readonly=True)
    typ, data = imap.uid("FETCH", "1:*", "(BODY.PEEK[])")
    t_fetch = time.perf_counter() - t0
    raws = [part[1] for part in data if isinstance(part, tuple)]
    for raw in raws:
        email.message_from_bytes(raw)
    total = time.perf_counter() - t0
    imap.logout()
    return total, t_fetch, len(raws), sum(map(len, raws))


def seed_append(server: DovecotServer, items: list) -> None:  # noqa: ANN001
    c = server.client()
    try:
        for g in items:
            c.append("INBOX", g.raw, msg_time=g.at)
    finally:
        c.logout()


def check(db: Path, items: list) -> dict:  # noqa: ANN001
    """Every relevant message: a processed row attached to a case, and an event citing it."""
    con = sqlite3.connect(db)
    try:
        rows = {mid: (status, case_id) for mid, status, case_id in con.execute(
            "select message_id, status, case_id from messages")}
        evented = {r[0] for r in con.execute(
            "select distinct source_message_id from events where source_message_id is not null")}
        cases = Counter(dict(con.execute("select kind, count(*) from cases group by kind")))
        outbox = Counter(dict(con.execute("select status, count(*) from outbox group by status")))
        templates = Counter()
        import json
        for (payload,) in con.execute("select payload from outbox where kind = 'email'"):
            templates[json.loads(payload).get("template")] += 1
        statuses = Counter(r[0] for r in rows.values())
    finally:
        con.close()

    def norm(mid: str | None) -> str:
        return (mid or "").strip("<>")

    rows = {norm(k): v for k, v in rows.items()}
    evented = {norm(k) for k in evented}
    relevant = [g for g in items if g.kind in RELEVANT]
    ok = [g for g in relevant if rows.get(g.message_id, (None, None))[1] is not None
          and rows[g.message_id][0] == "processed" and g.message_id in evented]
    missing = Counter(g.kind for g in relevant if g not in ok)
    news = [g for g in items if g.kind == "newsletter"]
    news_ok = sum(1 for g in news if rows.get(g.message_id, (None,))[0] == "ignored")
    expected_cases = Counter(g.case_key.split(":")[0] for g in relevant)
    distinct = Counter(k.split(":")[0] for k in {g.case_key for g in relevant})
    return {"ok": len(ok), "relevant": len(relevant), "missing": dict(missing),
            "news_ok": news_ok, "news": len(news), "cases": dict(cases),
            "expected_cases": dict(distinct), "by_kind": dict(expected_cases),
            "statuses": dict(statuses), "outbox": dict(outbox), "templates": dict(templates)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--n", type=int, default=10_000, help="messages to generate (10000)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (1)")
    ap.add_argument("--now", default=None,
                    help="ISO time the mailbox ends at (default: now, floored to the hour)")
    ap.add_argument("--seed-method", choices=("maildir", "append"), default="maildir",
                    help="maildir: files into new/ before Dovecot starts (default); "
                         "append: IMAP APPEND one by one")
    ap.add_argument("--json", action="store_true", help="last line: the figures as JSON")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (db, logs, config)")
    ap.add_argument("--profile", action="store_true",
                    help="run (b) under cProfile and print the top cumulative functions")
    args = ap.parse_args()

    now = datetime.fromisoformat(args.now) if args.now else \
        datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)

    tmp = Path(tempfile.mkdtemp(prefix="sb-bench-ingest-", dir="/tmp"))
    os.chmod(tmp, 0o755)  # Dovecot's mail processes (nobody) must reach the maildir
    server: DovecotServer | None = None
    sink: SmtpSink | None = None
    proc: subprocess.Popen | None = None
    rows: list[tuple[str, str, str, str]] = []
    try:
        t0 = time.perf_counter()
        items = generate_detailed(args.n, args.seed, now)
        t_gen = time.perf_counter() - t0
        total_bytes = sum(len(g.raw) for g in items)
        kinds = Counter(g.kind for g in items)
        print(f"generated {len(items)} messages, {total_bytes / 1e6:.1f} MB "
              f"(avg {total_bytes / len(items) / 1024:.1f} KB) in {t_gen:.1f}s; now={now.isoformat()}")
        print("  mix: " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())))

        server = DovecotServer(root=tmp / "dovecot")
        t0 = time.perf_counter()
        if args.seed_method == "maildir":
            seed_maildir(server.mail_dir / server.user, ((g.at, g.raw) for g in items),
                         server.mail_uid, server.mail_gid)
            server.start()
        else:
            server.start()
            seed_append(server, items)
        t_seed = time.perf_counter() - t0
        # First SELECT: Dovecot scans new/ and builds its index (not part of (a) or (b)).
        t0 = time.perf_counter()
        c = server.client(timeout=600)
        info = c.select_folder("INBOX", readonly=True)
        uids = c.search("ALL")
        first = c.fetch(uids[:1], ["ENVELOPE"])
        c.logout()
        t_index = time.perf_counter() - t0
        first_mid = first[uids[0]][b"ENVELOPE"].message_id.decode().strip("<>") if uids else ""
        in_order = first_mid == items[0].message_id
        print(f"seeded via {args.seed_method} in {t_seed:.1f}s; first SELECT (index build) "
              f"{t_index:.1f}s; EXISTS={info[b'EXISTS']}; UID 1 is the oldest mail: {in_order}")

        # (a) baseline, twice: the first pass warms the page cache and Dovecot's caches.
        baseline(server.host, server.port, server.user, server.password)
        a_total, a_fetch, a_count, a_bytes = baseline(server.host, server.port, server.user,
                                                      server.password)
        print(f"(a) imaplib fetch {a_fetch:.2f}s + compat32 parse {a_total - a_fetch:.2f}s = "
              f"{a_total:.2f}s for {a_count} messages ({a_bytes / 1e6:.1f} MB)")

        # (b) sellerbot run --once from an empty database
        sink = SmtpSink().start()
        db = tmp / "state" / "sellerbot.db"
        db.parent.mkdir()
        config = write_config(tmp / "config.toml", database=db, smtp=sink.address,
                              imap=(server.host, server.port, server.user, server.password))
        cmd = sellerbot_cmd()
        prof = tmp / "once.prof"
        if args.profile:
            cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), "-m", "bot"]
        cmd += ["run", "--once", "--config", str(config)]
        # GNU time reports the daemon's peak RSS (ru_maxrss, its parse workers included)
        rss_file = tmp / "maxrss.txt"
        if shutil.which("time") or Path("/usr/bin/time").exists():
            cmd = ["/usr/bin/time", "-f", "%M", "-o", str(rss_file), *cmd]
        log_path = tmp / "sellerbot.log"
        with open(log_path, "wb") as log:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=log, cwd=tmp)
            out, _ = proc.communicate()
            b_total = time.perf_counter() - t0
        code = proc.returncode
        proc = None
        try:
            rss_peak_mb: float | None = int(rss_file.read_text().split()[-1]) / 1024
        except (OSError, ValueError, IndexError):
            rss_peak_mb = None
        print(f"(b) {' '.join(Path(cmd[0]).name if i == 0 else x for i, x in enumerate(cmd[:4]))}"
              f" ... exit {code} in {b_total:.2f}s: {out.decode().strip()}")
        if code != 0:
            print(log_path.read_text(errors="replace")[-3000:])
        sent = len(sink.messages)

        res = check(db, items)
        ratio = b_total / a_total
        rows += [
            ("messages / MB", f"{len(items)} / {total_bytes / 1e6:.1f}", "10000 / ~88", "-"),
            ("(a) imaplib + compat32 wall", f"{a_total:.2f} s  ({a_count / a_total:.0f} msg/s)",
             "", "-"),
            ("(b) sellerbot run --once wall", f"{b_total:.2f} s  ({len(items) / b_total:.0f} "
                                              f"msg/s)", "", "-"),
            ("ratio b/a", f"{ratio:.2f}", "<= 1.0", verdict(ratio <= 1.0)),
            ("correct: relevant -> case + event", f"{res['ok']}/{res['relevant']}",
             f"{res['relevant']}/{res['relevant']}", verdict(res["ok"] == res["relevant"])),
            ("newsletters ignored", f"{res['news_ok']}/{res['news']}", f"{res['news']}/"
                                                                      f"{res['news']}",
             verdict(res["news_ok"] == res["news"])),
            ("cases (db vs expected)", ", ".join(f"{k}={res['cases'].get(k, 0)}/"
                                                 f"{res['expected_cases'].get(k, 0)}"
                                                 for k in ("return", "claim", "message")),
             "equal", verdict(all(res["cases"].get(k, 0) == v
                                  for k, v in res["expected_cases"].items()))),
            ("mails received by the SMTP sink", str(sent), "", "-"),
        ]
        print()
        print(table(rows))
        print(f"\nmessage statuses: {res['statuses']}; outbox: {res['outbox']}; "
              f"templates: {res['templates']}")
        if res["missing"]:
            print(f"missing (kind: count): {res['missing']}")
        if args.profile and prof.exists():
            import pstats
            print("\ncProfile of (b), top 25 by cumulative time:")
            stats = pstats.Stats(str(prof))
            stats.sort_stats("cumulative").print_stats(30)
            print("top 20 by own time (main process only; forked parse workers are not seen):")
            stats.sort_stats("tottime").print_stats(20)
        if args.keep:
            print(f"kept {tmp}")
        if args.json:
            emit_json({"bench": "ingest", "messages": len(items), "mb": total_bytes / 1e6,
                       "baseline_s": a_total, "seconds": b_total, "ratio": ratio,
                       "relevant": res["relevant"], "ok": res["ok"],
                       "missing": sum(res["missing"].values()) if isinstance(
                           res["missing"], dict) else len(res["missing"] or ()),
                       "newsletters": res["news"], "newsletters_ignored": res["news_ok"],
                       "mails_sent": sent, "exit": code, "rss_peak_mb": rss_peak_mb,
                       "bench_rss_peak_mb": self_peak_rss_mb()})
        return 0
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        if sink is not None:
            sink.stop()
        if server is not None:
            server.stop()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
