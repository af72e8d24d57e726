"""`sellerbot demo` as a newcomer runs it: a subprocess, on the suite's (shifted) clock."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from timeshift import at, clock_env, paris

pytestmark = pytest.mark.servers


def test_demo_runs_clean_on_its_own_clock() -> None:
    start = at(2026, 11, 22, 23, 50)  # late evening: the reminder falls in quiet hours
    done = subprocess.run([sys.executable, "-m", "bot", "demo"], env=clock_env(start),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout + done.stderr
    for bad in ("WARNING", "ERROR", "CRITICAL", "Traceback", "missed by"):
        assert bad not in out, out
    assert f"[{start:%Y-%m-%d %H:%M} UTC] Amazon sends a French return request" in out
    request = start - timedelta(minutes=1)  # the demo dates its sample a minute before
    deadline = paris(request + timedelta(hours=48))
    assert f"échéance {deadline:%d/%m %H:%M}" in out  # 48 h after the request, Paris time
    assert f"R-{start.year}-0001: return_authorized" in out
    assert "3 mails sent, 1 link request(s)" in out
