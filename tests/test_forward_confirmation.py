"""Issue 14: a genuine notification forwarded by a colleague whose address is not in the
config opens the case and alerts the seller, but nothing is acted on (no link followed, even
with auto_authorize = all) until the seller confirms by reply. The same mail sent directly
is acted on: that control shows the test can fail."""

from __future__ import annotations

from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import default as default_policy
from email.utils import format_datetime
from pathlib import Path

from bot.edges.clock import FixedClock
from bot.app.explain import explain_case
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from tests.test_abuse import BOT, CORPUS, WAIT, make_service, parsed
from tests.timeshift import at, shift_mail

RETURN_02 = shift_mail((CORPUS / "02_fr_return_request_multipart.eml").read_bytes())
START = at(2026, 11, 22, 7, 42)  # one minute after corpus 02
COLLEAGUE = "paul.durand@lumen-et-cie.fr"


def _forward_as_attachment(raw: bytes) -> bytes:
    inner = BytesParser(policy=default_policy).parsebytes(raw)
    msg = EmailMessage()
    msg["From"] = f"Paul Durand <{COLLEAGUE}>"
    msg["To"] = BOT
    msg["Subject"] = "TR: " + str(inner["Subject"])
    msg["Date"] = format_datetime(START)
    msg["Message-ID"] = "<fwd-02@lumen-et-cie.fr>"
    msg.set_content("Pour info, reçu sur la boîte des ventes.\n")
    msg.add_attachment(inner)
    return msg.as_bytes()


def _run(tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn,
         raw: bytes) -> tuple[str, EmailMessage, list[str]]:
    svc = make_service(tmp_path, smtp_sink, link_standin, FixedClock(START),
                       policy={"auto_authorize": "all"})
    try:
        outcome = svc.ingest(raw)
        svc.tick()
        notice = parsed(smtp_sink.wait_for(1, WAIT)[0])
        why = explain_case(svc.store, "405-2290417-6638150")
    finally:
        svc.store.close()
    return outcome, notice, why


def test_forward_by_unknown_colleague_opens_case_but_follows_no_link(
        tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn) -> None:
    outcome, notice, why = _run(tmp_path, smtp_sink, link_standin,
                                _forward_as_attachment(RETURN_02))
    assert outcome == "case"
    assert any(line.startswith("NEEDS CONFIRMATION") for line in why)
    assert "deadline: sellerbot's rule for this step (the mail states none)" in why
    body = notice.get_body(("plain",)).get_content()
    assert "transférée par une adresse absente de la configuration" in body
    assert link_standin.hits == []


def test_the_same_mail_sent_directly_is_acted_on(
        tmp_path: Path, smtp_sink: SmtpSink, link_standin: ActionLinkStandIn) -> None:
    outcome, _notice, why = _run(tmp_path, smtp_sink, link_standin, RETURN_02)
    assert outcome == "case"
    assert not any(line.startswith("NEEDS CONFIRMATION") for line in why)
    assert link_standin.wait_for_hits(1, WAIT)
