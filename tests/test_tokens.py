"""Reply tokens: round trip, tampering, expiry, wrong key, case folding, where they are found."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from bot.core.tokens import (
    MAC_CHARS,
    TokenCheck,
    find_tokens,
    make_token,
    message_id_for,
    reply_address,
    verify_token,
)

KEY = b"k" * 32
OTHER_KEY = b"o" * 32
NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
EXPIRES = NOW + timedelta(days=14)
REF = "R-2026-0101"


@pytest.fixture
def token() -> str:
    return make_token(KEY, REF, EXPIRES)


def test_shape(token):
    ref, exp, mac = token.split(".")
    assert ref == "r-2026-0101"
    assert int(exp, 36) == int(EXPIRES.timestamp())
    assert len(mac) == MAC_CHARS and re.fullmatch(r"[a-z2-7]+", mac)
    assert token == token.lower()
    # safe as an email local part and Message-ID left part (dot-atom, no special characters)
    assert re.fullmatch(r"[a-z0-9-]+(?:\.[a-z0-9-]+)*", token)
    assert len(reply_address("assistant@lumen-et-cie.fr", token).split("@")[0]) <= 64


def test_deterministic(token):
    assert make_token(KEY, REF, EXPIRES) == token
    assert make_token(KEY, "r-2026-0101", EXPIRES) == token  # ref case does not matter


@pytest.mark.parametrize("ref", ["R-2026-0101", "C-2026-0002", "M-2026-0003", "X1"])
def test_round_trip(ref):
    check = verify_token(KEY, make_token(KEY, ref, EXPIRES), NOW)
    assert check == TokenCheck(True, ref.upper(), None)


def test_upper_cased_token_is_accepted(token):
    assert verify_token(KEY, token.upper(), NOW) == TokenCheck(True, REF, None)
    assert verify_token(KEY, f"  {token.title()} ", NOW).ok


def test_local_time_expiry_equivalent():
    paris_expiry = EXPIRES.astimezone(timezone(timedelta(hours=1)))
    assert make_token(KEY, REF, paris_expiry) == make_token(KEY, REF, EXPIRES)


@pytest.mark.parametrize("now, ok, reason", [
    (EXPIRES - timedelta(seconds=1), True, None),
    (EXPIRES, False, "expired"),
    (EXPIRES + timedelta(days=1), False, "expired"),
])
def test_expiry(token, now, ok, reason):
    check = verify_token(KEY, token, now)
    assert (check.ok, check.reason) == (ok, reason)
    assert check.case_ref == REF  # a genuine but expired token still names its case


def test_wrong_key(token):
    assert verify_token(OTHER_KEY, token, NOW) == TokenCheck(False, None, "bad_signature")


def _flip(char: str) -> str:
    return "b" if char != "b" else "c"


@pytest.mark.parametrize("tamper", [
    lambda t: t.replace("r-2026-0101", "r-2026-0102"),          # another case
    lambda t: t.replace("r-2026-0101", "c-2026-0101"),          # another kind of case
    lambda t: ".".join([t.split(".")[0], "zzzzzz", t.split(".")[2]]),  # later expiry
    lambda t: t[:-1] + _flip(t[-1]),                            # one MAC character
    lambda t: ".".join([*t.split(".")[:2], "a" * MAC_CHARS]),   # forged MAC
])
def test_tamper(token, tamper):
    forged = tamper(token)
    assert forged != token
    assert verify_token(KEY, forged, NOW) == TokenCheck(False, None, "bad_signature")


@pytest.mark.parametrize("bad", [
    "", "   ", "nonsense", "r-2026-0101", "r-2026-0101.abc", "r-2026-0101..abc",
    "r-2026-0101.tchmh4.short", "r-2026-0101.tchmh4." + "1" * MAC_CHARS,  # '1' not base32
    "r_2026.tchmh4." + "a" * MAC_CHARS, "-r.tchmh4." + "a" * MAC_CHARS,
    "r.tchmh4." + "a" * (MAC_CHARS + 1), "r.tch!h4." + "a" * MAC_CHARS,
])
def test_malformed(bad):
    assert verify_token(KEY, bad, NOW) == TokenCheck(False, None, "malformed")


@pytest.mark.parametrize("ref", ["", "R 1", "R.1", "R+1", "-R1", "R1-", "é1", "R" * 40])
def test_make_token_rejects_unsafe_refs(ref):
    with pytest.raises(ValueError):
        make_token(KEY, ref, EXPIRES)


def test_naive_datetimes_rejected(token):
    with pytest.raises(ValueError):
        make_token(KEY, REF, datetime(2026, 12, 1))
    with pytest.raises(ValueError):
        verify_token(KEY, token, datetime(2026, 12, 1))


def test_empty_secret_rejected():
    with pytest.raises(ValueError):
        make_token(b"", REF, EXPIRES)


# --- transport -----------------------------------------------------------------------------

def test_reply_address(token):
    assert reply_address("assistant@lumen-et-cie.fr", token) == \
        f"assistant+{token}@lumen-et-cie.fr"
    # an address that already has a sub-address gets ours instead
    assert reply_address("assistant+old@x.fr", token) == f"assistant+{token}@x.fr"
    with pytest.raises(ValueError):
        reply_address("no-at-sign", token)


def test_message_id_for(token):
    mid = message_id_for(token, "reminder", 3, "assistant.lumen-et-cie.fr")
    assert mid == f"<reminder-3.{token}@assistant.lumen-et-cie.fr>"
    assert message_id_for(token.upper(), "Reminder", 3, "ASSISTANT.lumen-et-cie.fr") == mid
    assert find_tokens([], [mid]) == [token]


@pytest.mark.parametrize("kind, seq, domain", [
    ("re minder", 1, "x.fr"), ("reminder.x", 1, "x.fr"), ("", 1, "x.fr"),
    ("reminder", -1, "x.fr"), ("reminder", 1, ""), ("reminder", 1, "a@b"),
])
def test_message_id_for_rejects_bad_parts(token, kind, seq, domain):
    with pytest.raises(ValueError):
        message_id_for(token, kind, seq, domain)


def test_message_id_for_rejects_non_token():
    with pytest.raises(ValueError):
        message_id_for("not-a-token", "notice", 1, "x.fr")


@pytest.mark.parametrize("addresses, message_ids, expect_token", [
    # plus-address, bare
    (["assistant+{t}@lumen-et-cie.fr"], [], True),
    # with display name, upper-cased by a mail system
    (["Assistant Retours <ASSISTANT+{T}@LUMEN-ET-CIE.FR>"], [], True),
    # several addresses in one header value
    (["claire@lumen-et-cie.fr, Assistant <assistant+{t}@lumen-et-cie.fr>"], [], True),
    # In-Reply-To with our Message-ID
    ([], ["<notice-1.{t}@assistant.lumen-et-cie.fr>"], True),
    # any prefix before the first dot
    ([], ["<anything.{t}@x.fr>"], True),
    # a References header: several ids, ours in the middle
    ([], ["<CAF=abc@mail.gmail.com> <digest-7.{t}@x.fr> <zzz@amazon.com>"], True),
    # an id without angle brackets
    ([], ["reminder-2.{t}@x.fr"], True),
    # upper-cased Message-ID
    ([], ["<REMINDER-2.{T}@X.FR>"], True),
    # nothing of ours
    (["claire@lumen-et-cie.fr", "assistant@lumen-et-cie.fr"],
     ["<32795923-44d3-01db@lumen-et-cie.fr>", "<rappel.R-2026-0101.1@assistant.x.fr>"], False),
    # a plus-address of someone else's system
    (["bob+newsletter@example.com"], [], False),
    ([], [], False),
])
def test_find_tokens(token, addresses, message_ids, expect_token):
    fill = {"t": token, "T": token.upper()}
    got = find_tokens([a.format(**fill) for a in addresses],
                      [m.format(**fill) for m in message_ids])
    assert got == ([token] if expect_token else [])
    for candidate in got:
        assert verify_token(KEY, candidate, NOW).ok


def test_find_tokens_order_and_dedup():
    t1 = make_token(KEY, "R-2026-0101", EXPIRES)
    t2 = make_token(KEY, "C-2026-0002", EXPIRES)
    got = find_tokens(
        [f"assistant+{t2}@x.fr"],
        [f"<reminder-1.{t1}@x.fr>", f"<reminder-1.{t1}@x.fr> <notice-1.{t2}@x.fr>"],
    )
    assert got == [t2, t1]


def test_find_tokens_returns_unverified_candidates():
    forged = make_token(OTHER_KEY, REF, EXPIRES)
    assert find_tokens([f"assistant+{forged}@x.fr"], []) == [forged]
    assert verify_token(KEY, forged, NOW).reason == "bad_signature"
