"""The test servers are real: each check goes over a socket to the actual server process."""

from __future__ import annotations

import smtplib
import socket
import time
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from imapclient import IMAPClient

from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from dovecot import DovecotServer

pytestmark = pytest.mark.servers


def _mail(subject: str, body: str = "Bonjour,\r\n.point en début de ligne\r\n") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Amazon <donotreply@amazon.fr>"
    msg["To"] = "ventes@lumen-et-cie.fr"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="test.sellerbot")
    msg.set_content(body)
    return msg.as_bytes().replace(b"\n", b"\r\n").replace(b"\r\r\n", b"\r\n")


def _refused(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


# -- Dovecot ----------------------------------------------------------------------------------


def test_imap_login_append_fetch_round_trip(dovecot: DovecotServer) -> None:
    raw = _mail("Demande de retour 1")
    uid = dovecot.append(raw)
    with dovecot.client() as c:
        info = c.select_folder("INBOX", readonly=True)
        assert info[b"EXISTS"] == 1
        assert c.search("ALL") == [uid]
        data = c.fetch([uid], ["BODY.PEEK[]", "FLAGS"])
    assert data[uid][b"BODY[]"] == raw
    assert b"\\Seen" not in data[uid][b"FLAGS"]  # PEEK left it unread


def test_imap_users_are_separate(dovecot: DovecotServer) -> None:
    dovecot.append(_mail("pour seller"))
    with dovecot.client("other") as c:
        assert c.select_folder("INBOX")[b"EXISTS"] == 0
    with pytest.raises(Exception, match="(?i)auth"):
        dovecot.client("seller", "wrong")


def test_imap_idle_sees_append_from_another_connection(dovecot: DovecotServer) -> None:
    with dovecot.client() as watcher:
        watcher.select_folder("INBOX")
        watcher.idle()
        try:
            dovecot.append(_mail("arrive pendant IDLE"))  # second connection
            deadline = time.monotonic() + 10
            events: list = []
            while time.monotonic() < deadline and not any(
                    len(e) >= 2 and e[1] == b"EXISTS" for e in events):
                events += watcher.idle_check(timeout=deadline - time.monotonic())
        finally:
            watcher.idle_done()
    assert (1, b"EXISTS") in [tuple(e[:2]) for e in events], events


def test_imap_stop_start_keeps_port_and_mailbox(dovecot: DovecotServer) -> None:
    uid = dovecot.append(_mail("survit au redémarrage"))
    validity = dovecot.uidvalidity()
    port = dovecot.port
    connected = dovecot.client()
    connected.select_folder("INBOX")

    dovecot.stop()
    assert _refused(dovecot.host, port)
    with pytest.raises((OSError, IMAPClient.Error, IMAPClient.AbortError)):
        connected.noop()  # a live session is cut by the outage

    dovecot.start()
    assert dovecot.port == port
    with dovecot.client() as c:
        info = c.select_folder("INBOX")
        assert info[b"UIDVALIDITY"] == validity
        assert c.search("ALL") == [uid]


def test_recreate_folder_changes_uidvalidity(dovecot: DovecotServer) -> None:
    for folder in ("INBOX", "Amazon/Retours"):
        dovecot.append(_mail(f"dans {folder}"), folder)
        old = dovecot.uidvalidity(folder)
        new = dovecot.recreate_folder(folder)
        assert new != old
        assert dovecot.uidvalidity(folder) == new
        with dovecot.client() as c:
            c.select_folder(folder, readonly=True)
            uids = c.search("ALL")
            assert len(uids) == 1  # the message survived, under the new UIDVALIDITY
            subject = c.fetch(uids, ["ENVELOPE"])[uids[0]][b"ENVELOPE"].subject
        assert subject == f"dans {folder}".encode()

    new = dovecot.recreate_folder("Amazon/Retours", keep_messages=False)
    with dovecot.client() as c:
        assert c.select_folder("Amazon/Retours")[b"UIDVALIDITY"] == new
        assert c.search("ALL") == []


# -- SMTP sink --------------------------------------------------------------------------------


def test_smtp_sink_receives_with_smtplib(smtp_sink: SmtpSink) -> None:
    raw = _mail("Avis de retour")
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as smtp:
        smtp.sendmail("bot@lumen-et-cie.fr", ["claire@lumen-et-cie.fr", "hugo@lumen-et-cie.fr"], raw)
    [received] = smtp_sink.wait_for(1, timeout=10)
    envelope_from, rcpt_tos, got, message = received
    assert envelope_from == "bot@lumen-et-cie.fr"
    assert rcpt_tos == ["claire@lumen-et-cie.fr", "hugo@lumen-et-cie.fr"]
    assert got == raw  # dot-stuffing undone, bytes as sent
    assert message["Subject"] == "Avis de retour"
    assert ".point en début de ligne" in message.get_content()
    assert smtp_sink.wait_for_match(lambda m: "Avis" in str(m.message["Subject"]), 1) is received


def test_smtp_sink_fail_next_gives_451_then_success(smtp_sink: SmtpSink) -> None:
    smtp_sink.fail_next(1, code=451)
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPDataError) as failed:
            smtp.sendmail("bot@x.test", ["seller@x.test"], _mail("essai 1"))
        assert failed.value.smtp_code == 451
        assert smtp_sink.messages == []
        smtp.sendmail("bot@x.test", ["seller@x.test"], _mail("essai 2"))
    [ok] = smtp_sink.wait_for(1, timeout=10)
    assert ok.message["Subject"] == "essai 2"

    smtp_sink.fail_next(1, code=550, stage="rcpt")
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as smtp:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            smtp.sendmail("bot@x.test", ["seller@x.test"], _mail("essai 3"))
    assert refused.value.recipients["seller@x.test"][0] == 550


def test_smtp_sink_outage_and_recovery_on_same_port(smtp_sink: SmtpSink) -> None:
    port = smtp_sink.port
    smtp_sink.stop()
    assert _refused(smtp_sink.host, port)
    smtp_sink.start()
    assert smtp_sink.port == port
    with smtplib.SMTP(smtp_sink.host, port, timeout=10) as smtp:
        smtp.sendmail("bot@x.test", ["seller@x.test"], _mail("après la panne"))
    assert smtp_sink.wait_for(1, timeout=10)[0].message["Subject"] == "après la panne"


def test_smtp_sink_auth_and_intake_callback() -> None:
    seen: list[str] = []
    with SmtpSink(auth=("bot", "pw"), on_message=lambda m: seen.append(m.envelope_from)) as sink:
        with smtplib.SMTP(sink.host, sink.port, timeout=10) as smtp:
            with pytest.raises(smtplib.SMTPSenderRefused) as refused:
                smtp.sendmail("bot@x.test", ["seller@x.test"], _mail("sans auth"))
            assert refused.value.smtp_code == 530
            with pytest.raises(smtplib.SMTPAuthenticationError):
                smtp.login("bot", "nope")
            smtp.login("bot", "pw")
            smtp.sendmail("bot@x.test", ["seller@x.test"], _mail("avec auth"))
        assert sink.wait_for(1, timeout=10)[0].auth_user == "bot"
    assert seen == ["bot@x.test"]


def test_smtp_sink_wait_for_times_out_with_a_reason(smtp_sink: SmtpSink) -> None:
    with pytest.raises(TimeoutError, match="got 0 message"):
        smtp_sink.wait_for(1, timeout=0.05)


# -- Seller Central stand-in ------------------------------------------------------------------


def test_standin_records_a_get(link_standin: ActionLinkStandIn) -> None:
    url = link_standin.url("/returns/authorize?returnId=R123&token=abc")
    request = urllib.request.Request(url, headers={"User-Agent": "sellerbot-test"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert b"OK" in response.read()
    [hit] = link_standin.wait_for_hits(1, timeout=10)
    assert (hit.method, hit.path) == ("GET", "/returns/authorize")
    assert hit.query == "returnId=R123&token=abc"
    assert hit.params == {"returnId": ["R123"], "token": ["abc"]}
    assert hit.headers["User-Agent"] == "sellerbot-test"
    assert abs(hit.at - time.time()) < 60


def test_standin_returns_500_when_told(link_standin: ActionLinkStandIn) -> None:
    link_standin.respond("/returns", status=500, times=1)
    with pytest.raises(urllib.error.HTTPError) as failed:
        urllib.request.urlopen(link_standin.url("/returns/authorize"), timeout=10)
    assert failed.value.code == 500
    with urllib.request.urlopen(link_standin.url("/returns/authorize"), timeout=10) as again:
        assert again.status == 200  # `times=1` spent: back to normal
    with urllib.request.urlopen(link_standin.url("/other"), timeout=10) as other:
        assert other.status == 200


def test_standin_delay_times_a_client_out(link_standin: ActionLinkStandIn) -> None:
    link_standin.delay("/slow", seconds=30)
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)) as failed:
        urllib.request.urlopen(link_standin.url("/slow/authorize"), timeout=0.3)
    assert time.monotonic() - started < 10
    if isinstance(failed.value, urllib.error.URLError):
        assert isinstance(failed.value.reason, TimeoutError)
    assert link_standin.wait_for_hits(1, timeout=10)[0].path == "/slow/authorize"
    link_standin.release()  # the server-side wait ends now, not in 30 s


def test_standin_redirects_when_told(link_standin: ActionLinkStandIn) -> None:
    link_standin.redirect("/go", "/landed")
    with urllib.request.urlopen(link_standin.url("/go?x=1"), timeout=10) as response:
        assert response.status == 200
        assert response.url == link_standin.url("/landed")
    assert [h.path for h in link_standin.wait_for_hits(2, timeout=10)] == ["/go", "/landed"]


def test_standin_stop_start_same_port() -> None:
    with ActionLinkStandIn() as standin:
        port = standin.port
        standin.stop()
        assert _refused(standin.host, port)
        standin.start()
        assert standin.port == port
        with urllib.request.urlopen(standin.url("/"), timeout=10) as response:
            assert response.status == 200
