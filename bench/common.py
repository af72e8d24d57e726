"""Shared bits of the bench scripts: import paths, config files, Maildir seeding, the table."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for p in (str(ROOT), str(ROOT / "bench")):
    if p not in sys.path:
        sys.path.insert(0, p)

SELLER = "claire.martin@lumen-et-cie.fr"
BOT = "assistant@lumen-et-cie.fr"


def sellerbot_cmd() -> list[str]:
    """`sellerbot` from PATH (the installed entry point), else `python -m bot`."""
    exe = shutil.which("sellerbot")
    return [exe] if exe else [sys.executable, "-m", "bot"]


def write_config(path: Path, *, database: Path, smtp: tuple[str, int] | None,
                 imap: tuple[str, int, str, str] | None, extra: str = "") -> Path:
    lines = [
        "[seller]", 'name = "Lumen & Co"', f'addresses = ["{SELLER}"]', f'notify = ["{SELLER}"]',
        'backup = "hugo.petit@lumen-et-cie.fr"', 'language = "fr"',
        'timezone = "Europe/Paris"', "",
        "[bot]", f'address = "{BOT}"', 'name = "Assistant Retours Lumen"',
        f'database = "{database}"', 'secret = "bench-secret-0123456789abcdef"',
        'subject_tag = "Lumen-Bot"', "",
    ]
    if imap is not None:
        host, port, user, password = imap
        lines += ["[imap]", f'host = "{host}"', f"port = {port}", 'security = "none"',
                  f'username = "{user}"', f'password = "{password}"', ""]
    smtp_host, smtp_port = smtp or ("127.0.0.1", 9)  # discard port: nothing must be sent
    lines += ["[smtp]", f'host = "{smtp_host}"', f"port = {smtp_port}", 'security = "none"', "",
              "[links]", 'mode = "notify"', "",
              "[authentication]", 'trusted_authserv_ids = ["mx.lumen-et-cie.fr"]', ""]
    path.write_text("\n".join(lines) + extra + "\n", encoding="utf-8")
    return path


def seed_maildir(maildir: Path, messages: Iterable[tuple[datetime, bytes]], uid: int,
                 gid: int) -> int:
    """Write messages straight into <maildir>/new before Dovecot starts (the fastest way in).

    Names sort in delivery order (Dovecot gives UIDs to new/ files in name order) and carry
    S= (size) and W= (size with CRLF) so Dovecot does not have to read them to know them.
    """
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True, exist_ok=True)
    count = 0
    new = maildir / "new"
    for i, (at, raw) in enumerate(messages):
        ts = int(at.timestamp())
        vsize = len(raw) + raw.count(b"\n")
        name = f"{ts}.M{i:07d}P{os.getpid()}.bench,S={len(raw)},W={vsize}"
        path = new / name
        with open(path, "wb") as f:
            f.write(raw)
        os.utime(path, (ts, ts))
        os.chown(path, uid, gid)
        count += 1
    for d in (maildir, *(maildir / s for s in ("cur", "new", "tmp"))):
        os.chown(d, uid, gid)
    return count


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    xs = sorted(values)
    k = (len(xs) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(rows: list[tuple[str, str, str, str]]) -> str:
    head = ("measure", "value", "target", "verdict")
    allrows = [head, *rows]
    widths = [max(len(r[i]) for r in allrows) for i in range(4)]
    sep = "-+-".join("-" * w for w in widths)
    out = [" | ".join(c.ljust(w) for c, w in zip(head, widths)), sep]
    out += [" | ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(out)


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("MET" if ok else "NOT MET")


def wait_port(host: str, port: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.02)
    return False


def emit_json(figures: dict[str, object]) -> None:
    """The last line of a bench run: one JSON object (NaN -> null) to compare across commits."""
    import json
    import math

    def clean(v: object) -> object:
        if isinstance(v, float):
            return None if math.isnan(v) or math.isinf(v) else round(v, 4)
        return v

    print(json.dumps({k: clean(v) for k, v in figures.items()}, sort_keys=True), flush=True)


def self_peak_rss_mb() -> float:
    """This process's peak RSS (ru_maxrss, kB on Linux), measured by the kernel."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stop_and_reap(proc: subprocess.Popen[bytes], timeout: float = 20.0) -> float | None:
    """SIGTERM the child, reap it with wait4 and return its peak RSS in MB (ru_maxrss)."""
    import signal

    if proc.returncode is not None:
        return None
    proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return ru.ru_maxrss / 1024
        time.sleep(0.05)
    proc.kill()
    _, status, ru = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ru.ru_maxrss / 1024
