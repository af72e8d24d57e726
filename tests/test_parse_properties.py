"""parse_message never raises: arbitrary bytes and mutated corpus mails."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.parse import parse_message
from bot.core.domain import Kind, Notice

CORPUS = sorted((Path(__file__).parent / "corpus").glob("*.eml"))
FIXTURES = sorted((Path(__file__).parent / "fixtures" / "parse").glob("*.eml"))
SAMPLES = [p.read_bytes() for p in CORPUS + FIXTURES]
KW = dict(trusted_authserv_ids=("mx.lumen-et-cie.fr",), bot_addresses=("assistant@lumen-et-cie.fr",),
          seller_addresses=("claire.martin@lumen-et-cie.fr",))
SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _check(n: Notice) -> None:
    assert isinstance(n, Notice)
    assert isinstance(n.kind, Kind)
    n.to_json()  # serialisable


@SETTINGS
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(raw):
    _check(parse_message(raw, **KW))


@SETTINGS
@given(st.sampled_from(SAMPLES), st.data())
def test_mutated_corpus(raw, data):
    ops = data.draw(st.lists(st.tuples(st.sampled_from(["flip", "cut", "insert", "dup"]),
                                       st.integers(0, len(raw) - 1),
                                       st.binary(min_size=1, max_size=40)), max_size=6))
    buf = bytearray(raw)
    for op, pos, blob in ops:
        pos = min(pos, max(len(buf) - 1, 0))
        if op == "flip" and buf:
            buf[pos] ^= blob[0] or 0x80
        elif op == "cut":
            del buf[pos: pos + len(blob) * 8]
        elif op == "insert":
            buf[pos:pos] = blob
        elif op == "dup":
            buf[pos:pos] = buf[pos: pos + 200]
    _check(parse_message(bytes(buf), **KW))


@SETTINGS
@given(st.sampled_from(SAMPLES), st.text(max_size=200))
def test_header_injection(raw, text):
    hdr = b"Subject: " + text.encode("utf-8", "surrogatepass") + b"\r\nX-Space-Notification-Type: "
    _check(parse_message(hdr + text.encode("utf-8", "surrogatepass")[:40] + b"\n" + raw, **KW))


def test_not_bytes_is_unrecognized():
    n = parse_message("not bytes")  # type: ignore[arg-type]
    assert n.kind is Kind.UNRECOGNIZED and n.error.startswith("TypeError")
