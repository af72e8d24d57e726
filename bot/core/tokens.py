"""Reply tokens: proof that a seller's email answers a message sellerbot sent about one case.

A token is ``<case ref, lower case>.<expiry, unix seconds in base 36>.<MAC>`` where MAC is the
first 20 characters (100 bits) of the lower-case, unpadded base32 of
HMAC-SHA256(secret, "<CASE REF>|<expiry seconds>"). Example: ``r-2026-0101.tchmh4.k3v…``.

Why this shape:
* Only ``a-z 0-9 - .`` and no leading/trailing/double dot: valid in an email local part and in
  the left part of a Message-ID (RFC 5322 dot-atom), and unchanged when a mail system lower-cases
  local parts — hence lower case only, and verification is case-insensitive.
* The case ref and expiry are readable, so a log line tells which case a reply is about; the
  MAC covers them, so neither can be changed.
* Short enough for the 64-character local part: ``assistant+`` plus about 40 characters.

Where tokens travel (both produced and parsed here, so the formats cannot drift apart):
* the reply address: ``reply_address("assistant@example.com", token)`` ->
  ``assistant+<token>@example.com``; `find_tokens` reads everything after the first "+";
* our own Message-IDs: ``message_id_for(token, kind, seq, domain)`` ->
  ``<kind-seq.token@domain>``; `find_tokens` reads the part after the FIRST "." up to the last
  "@" of any Message-ID in In-Reply-To / References. The same (token, kind, seq) always gives the
  same Message-ID, which makes a resent email idempotent.

Pure: no I/O, no clock reads (`now` is a parameter).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timezone

__all__ = [
    "TokenCheck",
    "make_token",
    "verify_token",
    "find_tokens",
    "message_id_for",
    "reply_address",
    "MAC_CHARS",
]

MAC_CHARS = 20  # 100 bits of base32
_MAX_REF = 32
_REF_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,%d}[A-Za-z0-9])?$" % (_MAX_REF - 2))
_TOKEN_RE = re.compile(
    r"^(?P<ref>[a-z0-9](?:[a-z0-9-]{0,%d}[a-z0-9])?)"
    r"\.(?P<exp>[0-9a-z]{1,13})\.(?P<mac>[a-z2-7]{%d})$"
    % (_MAX_REF - 2, MAC_CHARS)
)
_KIND_RE = re.compile(r"^[a-z0-9]+$")
_DIGITS36 = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class TokenCheck:
    """Outcome of `verify_token`. `reason` is "malformed", "bad_signature" or "expired"."""

    ok: bool
    case_ref: str | None = None
    reason: str | None = None


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value


def _base36(number: int) -> str:
    if number < 0:
        raise ValueError("expiry before 1970")
    digits = ""
    while True:
        number, rem = divmod(number, 36)
        digits = _DIGITS36[rem] + digits
        if number == 0:
            return digits


def _mac(secret: bytes, case_ref_upper: str, expiry: int) -> str:
    digest = hmac.new(secret, f"{case_ref_upper}|{expiry}".encode("ascii"), hashlib.sha256)
    return base64.b32encode(digest.digest()).decode("ascii").lower()[:MAC_CHARS]


def make_token(secret: bytes, case_ref: str, expires_at: datetime) -> str:
    """A token that lets a reply act on `case_ref` until `expires_at` (second precision)."""
    if not secret:
        raise ValueError("secret must not be empty")
    if not _REF_RE.match(case_ref):
        raise ValueError(f"case_ref must be letters, digits and inner dashes: {case_ref!r}")
    expiry = int(_aware(expires_at, "expires_at").astimezone(timezone.utc).timestamp())
    return f"{case_ref.lower()}.{_base36(expiry)}.{_mac(secret, case_ref.upper(), expiry)}"


def verify_token(secret: bytes, token: str, now: datetime) -> TokenCheck:
    """Check a token found in a reply (any letter case). Expiry is reported only for tokens
    whose signature is good, so a forger learns nothing from it."""
    now_ts = _aware(now, "now").astimezone(timezone.utc).timestamp()
    m = _TOKEN_RE.match((token or "").strip().lower())
    if not m:
        return TokenCheck(False, None, "malformed")
    ref_upper = m.group("ref").upper()
    expiry = int(m.group("exp"), 36)
    expected = _mac(secret, ref_upper, expiry)
    if not hmac.compare_digest(expected.encode("ascii"), m.group("mac").encode("ascii")):
        return TokenCheck(False, None, "bad_signature")
    if now_ts >= expiry:
        return TokenCheck(False, ref_upper, "expired")
    return TokenCheck(True, ref_upper, None)


def _looks_like_token(candidate: str) -> bool:
    return bool(_TOKEN_RE.match(candidate))


def reply_address(mailbox: str, token: str) -> str:
    """``assistant@example.com`` + token -> ``assistant+<token>@example.com``."""
    local, at, domain = mailbox.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(f"not an address: {mailbox!r}")
    return f"{local.split('+', 1)[0]}+{token}@{domain}"


def message_id_for(token: str, kind: str, seq: int, domain: str) -> str:
    """The Message-ID of the `seq`-th email of `kind` (e.g. "reminder") carrying `token`.

    Format ``<kind-seq.token@domain>``: the token is everything after the first "." and
    before the "@", which `find_tokens` reads back.
    """
    kind = kind.lower()
    if not _KIND_RE.match(kind):
        raise ValueError(f"kind must be lower-case letters and digits: {kind!r}")
    if seq < 0:
        raise ValueError("seq must be >= 0")
    if not _looks_like_token(token.lower()):
        raise ValueError(f"not a token: {token!r}")
    if not domain or any(c in domain for c in "<>@ \t"):
        raise ValueError(f"bad domain: {domain!r}")
    return f"<{kind}-{seq}.{token.lower()}@{domain.lower()}>"


_ADDR_RE = re.compile(r"([^\s<>\"',;:()]+)@([A-Za-z0-9.-]+)")
_MSGID_RE = re.compile(r"<([^<>\s]+)>")


def find_tokens(addresses: list[str], message_ids: list[str]) -> list[str]:
    """Candidate tokens, lower-cased, first seen first, without duplicates — not yet verified.

    `addresses`: To/Cc/Delivered-To values, bare or with a display name; the token is the
    sub-address after the first "+" of a local part. `message_ids`: In-Reply-To and References
    values, each one id or a whole header with several ``<…>``; the token is the part of the id
    after its first "." up to its last "@". Anything that does not have a token's shape is
    skipped, so other systems' addresses and Message-IDs are harmless.
    """
    found: list[str] = []
    for value in addresses:
        for local, _domain in _ADDR_RE.findall(value or ""):
            if "+" in local:
                found.append(local.split("+", 1)[1].lower())
    for value in message_ids:
        ids = _MSGID_RE.findall(value or "") or (value or "").split()
        for msgid in ids:
            left = msgid.strip("<>").rpartition("@")[0]
            if "." in left:
                found.append(left.split(".", 1)[1].lower())
    return [t for t in dict.fromkeys(found) if _looks_like_token(t)]
