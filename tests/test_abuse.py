"""Abuse: what an attacker (or a confused mailbox) can send sellerbot, on real loopback servers.

Everything runs in-process through `bot.app.service.Service` with a real SQLite store, a real
aiosmtpd sink and the real HTTP stand-in for Seller Central (no Dovecot needed, so these are
fast and unmarked): forged senders on commands, replayed / expired / tampered reply tokens,
commands that only appear in quoted text, lookalike Amazon senders, action links that leave
Amazon (other hosts, IP literals, file:, redirects), CRLF in buyer-controlled header text and
HTML/script in buyer comments.

The helpers at the top (`make_service`, `rewrite`, `return_request_for`) are shared with
tests/test_torture.py.
"""

from __future__ import annotations

import base64
import email
import email.policy
import html
import re
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from timeshift import at, ref, shift_mail

from bot.edges.clock import FixedClock
from bot.edges.config import Settings, settings_from_dict
from bot.edges.store import Store
from bot.demo.sandbox import ActionLinkStandIn, ReceivedMessage, SmtpSink
from bot.app.service import Service

CORPUS = Path(__file__).parent / "corpus"
RETURN_02 = shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes())
BUYER_13 = shift_mail((CORPUS / "13_fr_buyer_message.eml").read_bytes())
ORDER_02 = "405-2290417-6638150"
SELLER = "claire.martin@lumen-et-cie.fr"
BACKUP = "hugo.petit@lumen-et-cie.fr"
BOT = "assistant@lumen-et-cie.fr"
START = at(2026, 11, 22, 7, 42)  # 1 min after corpus 02
WAIT = 15.0


# ------------------------------------------------------------------------------ helpers
def service_settings(db: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn,
                     **sections: dict[str, Any]) -> Settings:
    """Like test_e2e_skeleton.make_settings, without IMAP (mail is handed to ingest())."""
    data: dict[str, Any] = {
        "seller": {"name": "Lumen & Co", "addresses": [SELLER], "backup": BACKUP},
        "bot": {"address": BOT, "name": "Assistant Retours Lumen", "database": str(db),
                "secret": "abuse-secret-0123456789", "subject_tag": "Lumen-Bot"},
        "smtp": {"host": smtp_sink.host, "port": smtp_sink.port, "security": "none",
                 "timeout_seconds": 10},
        "links": {"mode": "follow", "stand_in": link_standin.base_url, "timeout_seconds": 5},
        "reminders": {"quiet_hours": None},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return settings_from_dict(data, source="<test>")


def make_service(tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn,
                 clock: FixedClock, **sections: dict[str, Any]) -> Service:
    settings = service_settings(tmp_path / "state.db", smtp_sink, link_standin, **sections)
    return Service(settings, Store(settings.bot.database), clock)


def _swap_b64_targets(text: str, old: str, new: str) -> str:
    """Amazon /nms/redirect links carry the real URL base64url-encoded in `u=`: rewrite it."""
    def sub(m: re.Match[str]) -> str:
        data = m.group(1)
        try:
            url = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return m.group(0)
        url = url.replace(old, new)
        return "u=" + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")
    return re.sub(r"u=([A-Za-z0-9_-]{20,})", sub, text)


def rewrite(raw: bytes, body: Callable[[str, str], str] | None = None,
            headers: dict[str, str] | None = None, raw_headers: dict[str, str] | None = None
            ) -> bytes:
    """Decode every text part, apply `body(text, subtype)`, re-encode; replace headers.

    `headers` go through the email library (folded, encoded); `raw_headers` are spliced in
    byte for byte (for hostile header text the library would refuse to write)."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    if body is not None:
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                sub = part.get_content_subtype()
                part.set_content(body(part.get_content(), sub), subtype=sub,  # type: ignore[attr-defined]
                                 charset="utf-8", cte="quoted-printable")
    for name, value in (headers or {}).items():
        del msg[name]
        msg[name] = value
    for name in raw_headers or {}:
        del msg[name]
    out = msg.as_bytes()
    if raw_headers:
        extra = "".join(f"{k}: {v}\n" for k, v in raw_headers.items()).encode()
        out = extra + out
    return out


def return_request_for(order: str, when: datetime, msgid: str,
                       comment: str | None = None) -> bytes:
    """Corpus 02 for another order: order id, Message-ID, Date and the base64 link targets
    all changed, so every case has its own authorize URL (distinct stand-in requests)."""
    def body(text: str, subtype: str) -> str:
        text = _swap_b64_targets(text.replace(ORDER_02, order), ORDER_02, order)
        if comment is not None:
            text = text.replace("Les couleurs", html.escape(comment) + " Les couleurs"
                                if subtype == "html" else comment + " Les couleurs")
        return text
    return rewrite(RETURN_02, body, {
        "Subject": f"Demande d’autorisation de retour pour la commande {order}",
        "Message-ID": msgid, "Date": format_datetime(when)})


def parsed(received: ReceivedMessage) -> EmailMessage:
    return email.message_from_bytes(received.raw, policy=email.policy.default)  # type: ignore[return-value]


def seller_reply(original: EmailMessage, body: str, when: datetime, sender: str = SELLER,
                 quote: bool = True, display: str = "Claire Martin") -> bytes:
    """A top-posted reply quoting sellerbot's mail (as in test_e2e_skeleton)."""
    msg = EmailMessage()
    msg["From"] = f"{display} <{sender}>"
    msg["To"] = str(original["Reply-To"])
    msg["Subject"] = "Re: " + str(original["Subject"])
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain="lumen-et-cie.fr")
    msg["In-Reply-To"] = str(original["Message-ID"])
    msg["References"] = str(original["Message-ID"])
    text = body
    if quote:
        src = original.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        quoted = "\n".join("> " + line for line in src.splitlines())
        text += (f"\n\nClaire\n\nLe 22/11/2026 à 10:15, Assistant Retours Lumen a écrit :\n"
                 f"{quoted}\n")
    msg.set_content(text)
    return msg.as_bytes()


# Headers sellerbot writes; anything else in its mail would have been injected.
OWN_HEADERS = {
    "from", "to", "subject", "date", "message-id", "reply-to", "in-reply-to", "references",
    "auto-submitted", "x-auto-response-suppress", "content-language", "mime-version",
    "content-type", "content-transfer-encoding", "x-peer", "x-mailfrom", "x-rcptto",
}


def assert_clean_headers(received: ReceivedMessage) -> None:
    """No header injection: only sellerbot's own headers, each once, no CR/LF inside."""
    head = received.raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    unfolded = re.sub(rb"\r?\n[ \t]+", b" ", head)
    names = [line.split(b":", 1)[0].decode("ascii", "replace").strip().lower()
             for line in re.split(rb"\r?\n", unfolded) if line]
    assert set(names) <= OWN_HEADERS, f"unexpected headers {set(names) - OWN_HEADERS}"
    for once in ("from", "to", "subject", "message-id", "date", "reply-to"):
        assert names.count(once) <= 1, f"{once} appears {names.count(once)} times"
    assert not received.message.get_all("Bcc") and not received.message.get_all("Cc")
    for name, value in received.message.items():
        assert "\r" not in str(value) and "\n" not in str(value), (name, value)
    assert set(received.rcpt_tos) <= {SELLER, BACKUP}, received.rcpt_tos


def html_parts(received: ReceivedMessage) -> list[str]:
    return [p.get_content() for p in parsed(received).walk()
            if p.get_content_type() == "text/html"]


# ------------------------------------------------------------------------------ fixtures
@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def service(tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn,
            clock: FixedClock) -> Iterator[Service]:
    svc = make_service(tmp_path, smtp_sink, link_standin, clock)
    yield svc
    svc.store.close()


def open_case(service: Service, smtp_sink: SmtpSink) -> EmailMessage:
    """Corpus 02 in; returns sellerbot's notice (the mail the seller would answer)."""
    assert service.ingest(RETURN_02) == "case"
    service.tick()
    return parsed(smtp_sink.wait_for(1, WAIT)[0])


def case_state(service: Service) -> str:
    case = service.store.case_by_ref(ref("R", 1))
    assert case is not None
    return str(case["state"])


# ------------------------------------------------------------------------------ commands
@pytest.mark.parametrize("sender, display", [
    ("mallory@evil.example", "Claire Martin"),
    # regression: an unquoted display name shaped like the seller's address once passed the
    # allowlist (bot/core/parse/mime.py _split_address fell back to email.utils.parseaddr)
    ("mallory@evil.example", SELLER),                    # seller's address as display name
    ("claire.martin@lumen-et-cie.fr.evil.example", "Claire Martin"),
    ("claire.martin@lumen-et-cie.frx", "Claire Martin"),
])
def test_forged_from_with_valid_token_is_not_executed(service: Service, smtp_sink: SmtpSink,
                                                       link_standin: ActionLinkStandIn,
                                                       clock: FixedClock, sender: str,
                                                       display: str) -> None:
    notice = open_case(service, smtp_sink)
    clock.advance(minutes=5)
    status = service.ingest(seller_reply(notice, "AUTORISER", clock.now(), sender=sender,
                                         display=display))
    service.tick()
    assert status == "refused-sender"
    assert link_standin.hits == []
    assert case_state(service) == "return_requested"
    service.tick()
    for m in smtp_sink.messages:  # the seller may be warned; the forger gets nothing back
        assert set(m.rcpt_tos) <= {SELLER, BACKUP}, ("backscatter", m.rcpt_tos)
        assert_clean_headers(m)


def test_replayed_reply_is_executed_once(service: Service, smtp_sink: SmtpSink,
                                         link_standin: ActionLinkStandIn,
                                         clock: FixedClock) -> None:
    notice = open_case(service, smtp_sink)
    clock.advance(minutes=5)
    reply = seller_reply(notice, "AUTORISER", clock.now())
    assert service.ingest(reply) == "commands"
    assert service.ingest(reply) == "duplicate"          # the very same mail again
    service.tick()
    assert service.ingest(reply) == "duplicate"          # and after the effect ran
    # A second, distinct reply carrying the same token and command.
    clock.advance(minutes=1)
    assert service.ingest(seller_reply(notice, "AUTORISER", clock.now())) == "commands"
    service.tick()
    assert len(link_standin.hits) == 1, "AUTORISER twice must request the link once"
    assert case_state(service) == "return_authorized"
    second = smtp_sink.wait_for(3, WAIT)[2]
    assert "AUTORISER" in parsed(second).get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_two_replies_before_the_link_runs_request_it_once(service: Service,
                                                          smtp_sink: SmtpSink,
                                                          link_standin: ActionLinkStandIn,
                                                          clock: FixedClock) -> None:
    notice = open_case(service, smtp_sink)
    clock.advance(minutes=5)
    assert service.ingest(seller_reply(notice, "AUTORISER", clock.now())) == "commands"
    assert service.ingest(seller_reply(notice, "AUTORISER", clock.now())) == "commands"
    service.tick()
    service.tick()
    assert len(link_standin.hits) == 1
    assert case_state(service) == "return_authorized"


def test_expired_token_is_refused_and_seller_told(service: Service, smtp_sink: SmtpSink,
                                                  link_standin: ActionLinkStandIn,
                                                  clock: FixedClock) -> None:
    notice = open_case(service, smtp_sink)
    clock.advance(days=service.settings.bot.token_days, minutes=1)
    before = len(smtp_sink.messages)
    status = service.ingest(seller_reply(notice, "AUTORISER", clock.now()))
    service.tick()
    assert status == "refused-token-expired"
    assert link_standin.hits == []
    assert case_state(service) == "return_requested"
    refused = smtp_sink.wait_for_match(
        lambda m: "refus" in str(m.message["Subject"]).lower(), WAIT)
    assert refused.rcpt_tos == (SELLER,)
    assert len(smtp_sink.messages) > before


def test_tampered_token_is_refused(service: Service, smtp_sink: SmtpSink,
                                   link_standin: ActionLinkStandIn, clock: FixedClock) -> None:
    notice = open_case(service, smtp_sink)
    token_addr = str(notice["Reply-To"])
    # Same MAC, another case ref (an attacker guessing the next case).
    forged_addr = token_addr.replace(f"{ref('r', 1)}.", f"{ref('r', 2)}.")
    assert forged_addr != token_addr
    forged = EmailMessage()
    for name in ("Reply-To", "Message-ID"):
        forged[name] = notice[name]
    forged["Subject"] = notice["Subject"]
    forged.set_content("x")
    del forged["Reply-To"]
    forged["Reply-To"] = forged_addr
    del forged["Message-ID"]
    forged["Message-ID"] = "<not-ours@lumen-et-cie.fr>"
    clock.advance(minutes=5)
    status = service.ingest(seller_reply(forged, "AUTORISER", clock.now(), quote=False))
    service.tick()
    assert status == "refused-token-bad_signature"
    assert link_standin.hits == []


@pytest.mark.parametrize("body", [
    "Bien reçu, je regarde demain.",                    # the quote holds every keyword
    "> AUTORISER\n\nJe ne sais pas encore.",            # a quoted command line on top
])
def test_commands_only_in_quoted_text_do_nothing(service: Service, smtp_sink: SmtpSink,
                                                 link_standin: ActionLinkStandIn,
                                                 clock: FixedClock, body: str) -> None:
    notice = open_case(service, smtp_sink)
    plain = notice.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "AUTORISER" in plain  # so the quote really contains the command word
    clock.advance(minutes=5)
    assert service.ingest(seller_reply(notice, body, clock.now())) == "commands"
    service.tick()
    assert link_standin.hits == []
    assert case_state(service) == "return_requested"


# ------------------------------------------------------------------------------ senders
@pytest.mark.parametrize("sender", [
    "Amazon Seller Central <donotreply@amaz0n.fr>",
    "Amazon Seller Central <donotreply@amazon-seller-central.com>",
    "Amazon Seller Central <donotreply@sellercentral.amazon.fr.secure-login.net>",
    "Amazon Seller Central <seller-notification@gmail.com>",
    "Amazon Seller Central <donotreply@amazon.fr.evil.example>",
])
def test_lookalike_amazon_sender_is_quarantined_and_alerted(tmp_path: Path,
                                                            smtp_sink: SmtpSink,
                                                            link_standin: ActionLinkStandIn,
                                                            clock: FixedClock,
                                                            sender: str) -> None:
    service = make_service(tmp_path, smtp_sink, link_standin, clock,
                           policy={"auto_authorize": "all"})  # it would follow links
    raw = rewrite(RETURN_02, headers={"From": sender, "Reply-To": sender})
    assert service.ingest(raw) == "quarantined"
    service.tick()
    assert service.store.cases_where("1 = 1", []) == []
    assert link_standin.hits == []
    alert = smtp_sink.wait_for(1, WAIT)[0]
    assert "suspect" in str(alert.message["Subject"]).lower()
    assert alert.rcpt_tos == (SELLER,)
    assert_clean_headers(alert)
    service.store.close()


# ------------------------------------------------------------------------------ links
def _b64(url: str) -> str:
    return base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


HOSTILE_TARGETS = [
    "https://sellercentral.amazon.fr.evil.example/gp/returns/list/v2?action=authorize",
    "https://203.0.113.7/gp/returns/list/v2?searchString=405-2290417-6638150&action=authorize",
    "https://[::1]/gp/returns/authorize?order=405-2290417-6638150",
    "https://127.0.0.1/gp/returns/authorize",
    "file:///etc/passwd?action=authorize",
    "https://sellercentral.amazon.fr@evil.example/gp/returns/authorize",
    "https://sellercentral.amazon.fr/nms/redirect/x?u="
    + _b64("https://evil.example/gp/returns/list/v2?action=authorize"),
    "https://evil.example/nms/redirect/x?u="
    + _b64("https://sellercentral.amazon.fr/gp/returns/list/v2?action=authorize"),
    "https://eur01.safelinks.protection.outlook.com/?url="
    + quote("https://evil.example/gp/returns/authorize", safe=""),
    "http://sellercentral.amazon.fr/gp/returns/list/v2?searchString=x&action=authorize",
]


@pytest.mark.parametrize("target", HOSTILE_TARGETS)
def test_hostile_action_links_are_never_requested(tmp_path: Path, smtp_sink: SmtpSink,
                                                  link_standin: ActionLinkStandIn,
                                                  clock: FixedClock, target: str) -> None:
    svc = make_service(tmp_path, smtp_sink, link_standin, clock,
                       policy={"auto_authorize": "all"})
    authorize = re.compile(r"https://sellercentral\.amazon\.fr/nms/redirect/454fa23d[^\s\"<>]*")

    def body(text: str, subtype: str) -> str:
        new = html.escape(target) if subtype == "html" else target
        return authorize.sub(lambda _m: new, text)

    raw = rewrite(RETURN_02, body)
    assert authorize.search(raw.decode("utf-8", "replace").replace("=\n", "")) is None
    status = svc.ingest(raw)
    svc.tick()
    svc.tick()
    assert status in {"case", "quarantined"}
    assert link_standin.hits == [], "a hostile link reached the network"
    allowed = set(svc.link_policy.allowed_hosts)
    for case in svc.store.cases_where("1 = 1", []):
        for role, url in (case["data"].get("links") or {}).items():
            host = (re.match(r"^[a-z]+://([^/?#]*)", url) or [None, ""])[1]
            if role == "authorize" and url.startswith("http://"):
                continue  # an Amazon http link may be stored; following it is refused
            assert url.startswith("https://"), (role, url)
            assert host in allowed, (role, url)
    for effect in svc.store.effects(("done",)):
        assert effect["kind"] != "http", effect
    svc.store.close()


@pytest.mark.parametrize("location", [
    "https://evil.example/steal",
    "http://127.0.0.1:1/admin",
    "file:///etc/passwd",
    "https://169.254.169.254/latest/meta-data/",
    "https://sellercentral.amazon.fr.evil.example/gp/returns",
])
def test_redirect_off_amazon_is_refused_and_seller_told(tmp_path: Path, smtp_sink: SmtpSink,
                                                        link_standin: ActionLinkStandIn,
                                                        clock: FixedClock,
                                                        location: str) -> None:
    svc = make_service(tmp_path, smtp_sink, link_standin, clock,
                       policy={"auto_authorize": "all"})
    link_standin.redirect("/gp/returns", location)
    assert svc.ingest(RETURN_02) == "case"
    svc.tick()
    assert len(link_standin.hits) == 1, "the first hop only; the redirect is not followed"
    effects = [e for e in svc.store.effects() if e["kind"] == "http"]
    assert [e["status"] for e in effects] == ["failed"]
    assert case_state(svc) == "return_requested"
    told = [e for e in svc.store.effects(("done",)) if e["effect_key"].startswith("auto-result:")]
    assert len(told) == 1, "the seller is told the automatic authorization failed"
    assert told[0]["message_id"] in {str(m.message["Message-ID"]) for m in smtp_sink.messages}
    assert all(h.path.startswith("/gp/returns") for h in link_standin.hits)
    svc.store.close()


# ------------------------------------------------------------------------------ injection
CRLF_SUBJECTS = [
    # RFC 2047 encoded CR LF inside the buyer's name in the subject
    "=?UTF-8?Q?Demande_de_renseignements_du_client_Amazon_Julie=0D=0ABcc:_victim@evil.example"
    "=0D=0A=0D=0A<b>x</b>_=28Commande_=3A_405-1178254-6630917=29?=",
    "=?UTF-8?B?"
    + base64.b64encode("Demande de renseignements du client Amazon Julie\r\nTo: x@evil.example"
                       "\r\nX-Injected: 1 (Commande : 405-1178254-6630917)".encode()).decode()
    + "?=",
]


@pytest.mark.parametrize("subject", CRLF_SUBJECTS)
def test_crlf_in_buyer_name_never_reaches_a_header(service: Service, smtp_sink: SmtpSink,
                                                   clock: FixedClock, subject: str) -> None:
    evil_from = ("=?UTF-8?Q?Julie=0D=0ABcc:_victim@evil.example=0D=0A_-_Amazon_Marketplace?= "
                 "<k7f3m2xq9wd1bvz@marketplace.amazon.fr>")
    raw = rewrite(BUYER_13, raw_headers={"Subject": subject, "From": evil_from})
    status = service.ingest(raw)
    service.tick()
    clock.advance(hours=23)  # reminders and missed notices render buyer text too
    service.tick()
    clock.advance(days=2)
    service.tick()
    assert status in {"case", "quarantined"}
    mails = smtp_sink.wait_for(1, WAIT)
    for m in mails:
        assert_clean_headers(m)
        assert "evil.example" not in ",".join(m.rcpt_tos)


def test_crlf_in_return_comment_and_quarantine_alert_subject(service: Service,
                                                             smtp_sink: SmtpSink) -> None:
    # a lookalike sender whose subject carries CR LF: the alert quotes the subject
    evil = ("=?UTF-8?Q?Demande_de_retour=0D=0ABcc:_victim@evil.example=0D=0AX-Injected:_1?=")
    raw = rewrite(RETURN_02, headers={"From": "Amazon <donotreply@amaz0n.fr>"},
                  raw_headers={"Subject": evil})
    assert service.ingest(raw) == "quarantined"
    service.tick()
    for m in smtp_sink.wait_for(1, WAIT):
        assert_clean_headers(m)


SCRIPT = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _assert_escaped(mails: list[ReceivedMessage]) -> None:
    assert mails
    for m in mails:
        for part in html_parts(m):
            low = part.lower()
            assert "<script" not in low and "<img" not in low, part[:2000]


def test_script_in_customer_comment_is_escaped_in_every_mail(service: Service,
                                                             smtp_sink: SmtpSink,
                                                             link_standin: ActionLinkStandIn,
                                                             clock: FixedClock) -> None:
    raw = return_request_for("405-7777777-1111111", START - timedelta(minutes=1),
                             "<xss-1@amazonses.com>", comment=SCRIPT)
    assert service.ingest(raw) == "case"
    case = service.store.case_by_ref(ref("R", 1))
    assert case is not None and "<script>" in (case["data"]["customer_comment"] or "")
    service.tick()
    notice = parsed(smtp_sink.wait_for(1, WAIT)[0])
    html_notice = html_parts(smtp_sink.messages[0])[0]
    assert "&lt;script&gt;" in html_notice, "the comment is shown, escaped"
    # reminder (deadline - 24 h), then a STATUT / AUTORISER reply, then the deadline passes
    clock.advance(hours=25)
    service.tick()
    service.ingest(seller_reply(notice, "STATUT", clock.now()))
    service.tick()
    service.ingest(seller_reply(notice, "AUTORISER", clock.now()))
    service.tick()
    clock.advance(days=3)
    service.tick()
    mails = smtp_sink.messages
    assert len(mails) >= 3
    _assert_escaped(mails)
    for m in mails:
        assert_clean_headers(m)


def test_script_in_buyer_message_is_escaped(service: Service, smtp_sink: SmtpSink,
                                            clock: FixedClock) -> None:
    def body(text: str, subtype: str) -> str:
        return text.replace("Merci d'avance,", SCRIPT + "\nMerci d'avance,")
    raw = rewrite(BUYER_13, body, headers={
        "Subject": "Demande de renseignements du client Amazon <script>x</script> "
                   "(Commande : 405-1178254-6630917)"})
    assert service.ingest(raw) == "case"
    service.tick()
    clock.advance(hours=23)
    service.tick()
    clock.advance(days=2)
    service.tick()
    mails = smtp_sink.wait_for(1, WAIT)
    _assert_escaped(mails)
    assert any("&lt;script&gt;" in p for m in mails for p in html_parts(m))
