"""Small CLI promises: `status` on a database not created yet, the status table at 80 columns,
`show` wording, `parse --config` classifying as the daemon, one language for command errors,
and each Message-ID once in References."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from bot.app.cli import main, status_table
from bot.edges.clock import FixedClock
from bot.demo.sandbox import ActionLinkStandIn, SmtpSink
from timeshift import ref

from tests.test_abuse import BOT, RETURN_02, SELLER, START, WAIT, make_service, parsed, seller_reply


def _config(tmp_path: Path, db: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"""
[seller]
addresses = ["{SELLER}"]
[bot]
address = "{BOT}"
database = "{db}"
secret = "cli-test-secret-0123456789"
[smtp]
host = "127.0.0.1"
""", encoding="utf-8")
    return path


def test_status_on_a_database_not_created_yet(tmp_path: Path) -> None:
    db = tmp_path / "never.db"
    result = CliRunner().invoke(main, ["status", "--config", str(_config(tmp_path, db))])
    assert result.exit_code == 0, result.output
    assert "no cases yet" in result.output and "Traceback" not in result.output
    assert not db.exists()  # looking did not create it


def test_status_table_fits_80_columns_with_human_words() -> None:
    rows = [{"ref": "R-2026-0001", "state": "return_requested", "order_id": "405-2290417-6638150",
             "deadline": "2026-11-24T08:41:09+01:00", "overdue": False, "hours_left": 47.5},
            {"ref": "C-2026-0012", "state": "claim_info_requested",
             "order_id": "171-1234567-7654321", "deadline": "2026-11-25T10:00:00+01:00",
             "overdue": True, "hours_left": -3.0}]
    console = Console(width=80, record=True)
    console.print(status_table(rows))
    lines = console.export_text().splitlines()
    assert max(len(line) for line in lines) <= 80
    first = next(line for line in lines if "R-2026-0001" in line)
    assert "405-2290417-6638150" in first and "24/11 08:41" in first and "47.5 h" in first
    assert "your decision" in first and "return_requested" not in console.export_text()


def test_show_reminders_and_unique_references(tmp_path: Path, smtp_sink: SmtpSink,
                                              link_standin: ActionLinkStandIn) -> None:
    clock = FixedClock(START)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False})
    assert svc.ingest(RETURN_02) == "case"
    svc.tick()
    notice = parsed(smtp_sink.wait_for(1, WAIT)[0])
    clock.advance(minutes=1)
    reply = seller_reply(notice, "STATUT", clock.now())
    msg = email.message_from_bytes(reply, policy=email.policy.default)
    # A client that repeats the thread root in References, as many do.
    del msg["References"]
    msg["References"] = f"{notice['Message-ID']} {notice['Message-ID']}"
    assert svc.ingest(msg.as_bytes()) == "commands"
    svc.tick()
    answer = parsed(smtp_sink.wait_for(2, WAIT)[1])
    refs = str(answer["References"]).split()
    assert len(refs) == len(set(refs)), refs
    settings_path = tmp_path / "show.toml"
    settings_path.write_text(_config(tmp_path, Path(svc.settings.bot.database)).read_text())
    result = CliRunner().invoke(main, ["show", "--config", str(settings_path), ref("R", 1)])
    assert result.exit_code == 0, result.output
    assert "reminder reminder" not in result.output and "reminder #1" in result.output
    assert "deadline alarm" in result.output


def test_command_errors_in_the_sellers_language_only(tmp_path: Path, smtp_sink: SmtpSink,
                                                     link_standin: ActionLinkStandIn) -> None:
    clock = FixedClock(START)
    svc = make_service(tmp_path, smtp_sink, link_standin, clock, digest={"enabled": False})
    assert svc.ingest(RETURN_02) == "case"
    svc.tick()
    notice = parsed(smtp_sink.wait_for(1, WAIT)[0])
    clock.advance(minutes=1)
    assert svc.ingest(seller_reply(notice, "AUTORISSER", clock.now())) == "commands"
    svc.tick()
    body = parsed(smtp_sink.wait_for(2, WAIT)[1]).get_body(("plain",)).get_content()
    assert "Vouliez-vous dire AUTORISER" in body, body
    assert "Did you mean" not in body and "Line 1" not in body, body


def test_parse_with_config_classifies_like_the_daemon(tmp_path: Path) -> None:
    reply = EmailMessage()
    reply["From"] = f"Claire <{SELLER}>"
    reply["To"] = BOT.replace("@", "+r-2026-0001.abcdef@")
    reply["Subject"] = "Re: [sellerbot] Demande de retour"
    reply["Message-ID"] = "<reply-1@lumen-et-cie.fr>"
    reply["In-Reply-To"] = "<new-case-1.abcdef@lumen-et-cie.fr>"
    reply["Date"] = "Sun, 22 Nov 2026 08:00:00 +0000"
    reply.set_content("AUTORISER\n")
    eml = tmp_path / "reply.eml"
    eml.write_bytes(reply.as_bytes())
    config = _config(tmp_path, tmp_path / "x.db")
    with_config = CliRunner().invoke(main, ["parse", "--config", str(config), str(eml)])
    assert with_config.exit_code == 0, with_config.output
    assert f"{eml}: seller_command" in with_config.output
    bare = CliRunner().invoke(main, ["parse", str(eml)])
    assert "without --config" in bare.output  # says why it may differ
