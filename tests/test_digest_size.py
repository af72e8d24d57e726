"""The digest always arrives: a large shop's digest stays under our 5 MB ceiling and the
server's SIZE from EHLO (a real aiosmtpd sink enforcing it), shows the most urgent cases in
full, counts the rest per kind and attaches the full numbered list; its numbers still work."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from timeshift import at

from bot.edges.clock import FixedClock
from bot.flows.digest import CSV_PLAIN_MAX_ROWS, FULL_CASES
from bot.edges.mailer import PermanentSendError, SmtpTarget, max_message_size, send
from bot.edges.store import iso
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from bot.app.service import Service
from tests.test_abuse import WAIT, make_service, parsed

NOW = at(2026, 11, 22, 9, 0)


def _shop(svc: Service, n: int) -> None:
    """n open cases (a tenth overdue), written as the case flow writes them."""
    kinds = (("return", "return_requested", "R"), ("claim", "claim_info_requested", "C"),
             ("message", "message_awaiting_reply", "M"))
    with svc.store.transaction():
        for i in range(n):
            kind, state, prefix = kinds[i % 3]
            deadline = NOW + timedelta(minutes=37 * i - 3 * n)
            svc.store.insert_case({
                "ref": f"{prefix}-{NOW.year}-{i:06d}", "kind": kind, "state": state,
                "marketplace": "amazon.fr", "language": "fr",
                "order_id": f"405-{i:07d}-{(i * 7919) % 10_000_000:07d}",
                "opened_at": iso(NOW - timedelta(days=1)), "deadline": iso(deadline),
                "updated_at": iso(NOW), "data": {"items": [{"title": "Lampe LED « Pro »"}]}})


def _digest(tmp_path: Path, sink: SmtpSink, standin: ActionLinkStandIn, n: int):  # type: ignore[no-untyped-def]
    svc = make_service(tmp_path, sink, standin, FixedClock(NOW), digest={"enabled": True})
    _shop(svc, n)
    assert svc.send_digest()
    svc.execute_outbox()
    received = sink.wait_for(1, WAIT)[0]
    return svc, received, parsed(received)


def _rows(msg) -> list[list[str]]:  # type: ignore[no-untyped-def]
    part = next(p for p in msg.walk() if p.get_filename()
                and p.get_filename().startswith("sellerbot-cases"))
    data = part.get_payload(decode=True)
    if part.get_filename().endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            data = zf.read("sellerbot-cases.csv")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_large_digest_shows_the_most_urgent_and_attaches_the_rest(
        tmp_path: Path, link_standin: ActionLinkStandIn) -> None:
    n = FULL_CASES * 3
    with SmtpSink() as sink:
        svc, received, msg = _digest(tmp_path, sink, link_standin, n)
    text = msg.get_body(("plain",)).get_content()
    assert f"DOSSIERS OUVERTS ({n})" in text and f"{n} dossiers ouverts" in str(msg["Subject"])
    shown = [ln for ln in text.splitlines() if ln[:4].strip().rstrip(".").isdigit()]
    assert len(shown) == FULL_CASES
    assert shown[0].lstrip().startswith("1. EN RETARD")
    assert f"et {n - FULL_CASES} autres dossiers" in text
    assert "Décider du retour : 133" in text and "sellerbot-cases.csv" in text
    rows = _rows(msg)
    assert len(rows) == n + 1 and rows[1][0] == "1" and rows[-1][0] == str(n)
    # most urgent first (case i's deadline grows with i), as numbered in the digest
    assert [int(r[1].rsplit("-", 1)[1]) for r in rows[1:]] == list(range(n))
    numbering = svc.store.digest_numbering([str(msg["Message-ID"])])
    assert numbering is not None and len(numbering) == n
    assert numbering[n] == rows[-1][1]  # "AUTORISER 600" names the last row of the file


def test_digest_honours_the_servers_size(tmp_path: Path,
                                         link_standin: ActionLinkStandIn) -> None:
    limit = 120_000
    n = CSV_PLAIN_MAX_ROWS + 500  # the list is zipped
    with SmtpSink(data_size_limit=limit) as sink:
        assert max_message_size(SmtpTarget(sink.host, sink.port, security="none")) == limit
        svc, received, msg = _digest(tmp_path, sink, link_standin, n)
    assert len(received.raw) <= limit
    text = msg.get_body(("plain",)).get_content()
    shown = [ln for ln in text.splitlines() if ln[:4].strip().rstrip(".").isdigit()]
    assert 0 < len(shown) < FULL_CASES
    assert f"et {n - len(shown)} autres dossiers" in text
    rows = _rows(msg)
    assert rows[1][0] == "1" and len(rows) > 1


def test_a_message_over_the_servers_size_is_refused_before_data(tmp_path: Path) -> None:
    with SmtpSink(data_size_limit=10_000) as sink:
        target = SmtpTarget(sink.host, sink.port, security="none")
        raw = b"Subject: big\r\n\r\n" + (b"x" * 76 + b"\r\n") * 200
        with pytest.raises(PermanentSendError, match="SIZE 10000"):  # ours, not a bare 552
            send(target, "a@example.com", ["b@example.com"], raw)
        send(target, "a@example.com", ["b@example.com"], raw[:2000])
        assert len(sink.messages) == 1
