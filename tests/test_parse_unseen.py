"""Red-team golden tests: mails unlike the corpus and the family fixtures
(tests/fixtures/unseen/*.eml, expected values in tests/fixtures/unseen/EXPECTED.json, written by
hand in tests/fixtures/unseen/_generate.py from what each mail says).

Every key present in an EXPECTED entry is asserted; absent keys are not. Fakes
(`"suspicious": true`) must carry a reason and no action link; every other mail none.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bot.core.parse import parse_message

UNSEEN = Path(__file__).parent / "fixtures" / "unseen"
EXPECTED = json.loads((UNSEEN / "EXPECTED.json").read_text(encoding="utf-8"))
SELLER = EXPECTED["seller"]
ENTRIES = EXPECTED["files"]

SCALARS = ("kind", "marketplace", "marketplace_id", "language", "order_id", "return_request_id",
           "rma_id", "claim_id", "reason_normalized", "decision", "event_time", "deadline",
           "subject", "tracking", "policy_status", "buyer_alias")
ATTRS = ("deadline_hours", "forwarded", "buyer_name", "policy_status")
TEXTS = ("customer_comment", "message_text")

# Mails the parser still gets wrong, with the reason (see the report in the PR).
KNOWN_FAILURES: dict[str, str] = {}


def parse(name: str):
    return parse_message(
        (UNSEEN / name).read_bytes(),
        trusted_authserv_ids=tuple(EXPECTED["trusted_authserv_ids"]),
        bot_addresses=(SELLER["bot"],),
        seller_addresses=(SELLER["owner"], SELLER["owner_gmail"], SELLER["assistant"]),
        default_tz=EXPECTED["timezone"],
    )


def _ws(s: str | None) -> str | None:
    return re.sub(r"\s+", " ", s).strip() if s is not None else None


def mismatches(entry: dict) -> list[str]:
    """Every difference between the parse of entry['file'] and the entry."""
    n = parse(entry["file"])
    got = n.to_json()
    out: list[str] = []

    def diff(key: str, have: object, want: object) -> None:
        if have != want:
            out.append(f"{key}: got {have!r}, want {want!r}")

    for key in SCALARS:
        if key in entry:
            diff(key, got[key], entry[key])
    for key in ATTRS:
        if key in entry and key not in SCALARS:
            diff(key, getattr(n, key), entry[key])
    for key in TEXTS:
        if key in entry:
            diff(key, _ws(got[key]), _ws(entry[key]))
    if "items" in entry:
        diff("items", got["items"], entry["items"])
    if "amount" in entry:
        diff("amount", got["amount"], entry["amount"])
    if "links" in entry:
        have = sorted((ln["role"], ln["target"]) for ln in got["links"])
        want = sorted((ln["role"], ln["target"]) for ln in entry["links"])
        diff("links", have, want)
    if entry.get("suspicious"):
        if not n.suspicious_reasons:
            out.append("suspicious: no reason given")
        if n.links:
            out.append("suspicious: has action links")
    else:
        diff("suspicious_reasons", n.suspicious_reasons, [])
    if n.error and entry.get("kind") != "unrecognized":
        out.append(f"error: {n.error}")
    return out


@pytest.mark.parametrize("entry", ENTRIES, ids=[e["file"][:-4] for e in ENTRIES])
def test_unseen(entry):
    if entry["file"] in KNOWN_FAILURES:
        pytest.xfail(KNOWN_FAILURES[entry["file"]])
    assert mismatches(entry) == []


def test_enough_unseen_mails_and_every_family():
    kinds = {e["kind"] for e in ENTRIES}
    assert len(ENTRIES) >= 40
    assert {"return_request", "return_authorized", "return_closed_by_buyer", "refund_issued",
            "cancellation_request", "claim_filed", "claim_info_requested", "claim_decided",
            "claim_appeal_decided", "buyer_message", "seller_reply_copy", "order_placed",
            "suspicious", "unrecognized"} <= kinds


def test_fakes_are_never_actionable():
    for e in ENTRIES:
        if e.get("suspicious"):
            n = parse(e["file"])
            assert n.kind.value == "suspicious" and n.links == [] and n.suspicious_reasons, e["file"]


def test_unrecognized_carries_an_error():
    for e in ENTRIES:
        if e["kind"] == "unrecognized":
            n = parse(e["file"])
            assert n.error, e["file"]
