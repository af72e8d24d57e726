"""More than 10 new cases in one sync (issue 15): only history is summarized.

The first sync of a mailbox is history: above 10 open cases, one summary (tests/test_intake.py).
A later catch-up (the daemon was stopped, IMAP was down) is news with deadlines running: each
case gets its own notice, so each can be answered by replying to it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.edges.clock import FixedClock
from tests.test_e2e_skeleton import WAIT, Running, make_settings
from tests.test_intake import NOW, return_request

pytestmark = pytest.mark.servers


def test_catch_up_after_downtime_sends_one_notice_per_case(tmp_path: Path, dovecot: Any,
                                                            smtp_sink: Any,
                                                            link_standin: Any) -> None:
    settings = make_settings(tmp_path / "state.db", dovecot, smtp_sink, link_standin)
    clock = FixedClock(NOW)
    bot = Running(settings, clock)  # empty mailbox: its history starts now
    bot.stop()
    for n in range(12):  # arrives while sellerbot is stopped
        dovecot.append(return_request(n, NOW + timedelta(minutes=n)))
    clock.advance(timedelta(minutes=30))
    bot = Running(settings, clock)
    try:
        mails = smtp_sink.wait_for(12, WAIT)
        bot.settle()
        mails = smtp_sink.messages
        assert len(mails) == 12, [str(m.message["Subject"]) for m in mails]
        assert not any("dossier(s)" in str(m.message["Subject"]) for m in mails)
        reply_to = {str(m.message["Reply-To"]) for m in mails}
        assert len(reply_to) == 12, "each notice carries its own case's reply token"
    finally:
        bot.stop()
