"""`sellerbot check-config [--connect]` lists every problem at once, and checks that mail to the
bot's reply address reaches a watched mailbox (a real probe through the SMTP sink, looked for
in the real Dovecot). The config is config.example.toml's MINIMAL part, filled in."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bot.app.cli import main
from bot.demo.sandbox import ReceivedMessage, SmtpSink
from tests.test_config_example import minimal_text

pytestmark = pytest.mark.servers


def filled_minimal(tmp_path: Path, dovecot: Any, sink: SmtpSink, **values: str) -> Path:
    """The MINIMAL part of config.example.toml, with the test servers' values filled in."""
    text = minimal_text()
    fill = {
        ("bot", "database"): f'"{tmp_path / "db" / "sellerbot.db"}"',
        ("imap", "host"): f'"{dovecot.host}"', ("imap", "port"): str(dovecot.port),
        ("imap", "security"): '"none"', ("imap", "username"): f'"{dovecot.user}"',
        ("smtp", "host"): f'"{sink.host}"', ("smtp", "port"): str(sink.port),
        ("smtp", "security"): '"none"',
    }
    fill.update({tuple(k.split("__")): v for k, v in values.items()})  # type: ignore[misc]
    out, section = [], ""
    for line in text.splitlines():
        head = re.match(r"^\[(\w+)\]", line)
        if head:
            section = head.group(1)
        key = re.match(r"^(\w+) = ", line)
        if key and (section, key.group(1)) in fill:
            value = fill[(section, key.group(1))]
            line = "" if value == "DROP" else f"{key.group(1)} = {value}"
        out.append(line)
    path = tmp_path / "config.toml"
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def _env(dovecot: Any, **extra: str) -> dict[str, str]:
    return {"SELLERBOT_SECRET": "s" * 32, "SELLERBOT_IMAP_PASSWORD": dovecot.password,
            "SELLERBOT_SMTP_PASSWORD": "unused-by-the-sink", **extra}


def test_three_faults_are_all_listed(tmp_path: Path, dovecot: Any, smtp_sink: SmtpSink) -> None:
    # 1. no IMAP password in the environment, 2. the database folder does not exist,
    # 3. buyer answers enabled without an approved sender.
    config = filled_minimal(tmp_path, dovecot, smtp_sink, buyer__sender="DROP",
                            smtp__username="DROP")
    env = _env(dovecot)
    env.pop("SELLERBOT_IMAP_PASSWORD")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config), "--connect",
                                       "--probe-timeout", "1"],
                                env={**env, "SELLERBOT_IMAP_PASSWORD": None})  # type: ignore[dict-item]
    out = result.output
    assert result.exit_code == 1, out
    assert "3 problem(s)" in out, out
    assert "SELLERBOT_IMAP_PASSWORD is not set" in out
    assert f"folder {tmp_path / 'db'} does not exist" in out
    assert "buyer.sender: not set" in out
    assert "Traceback" not in out


def test_every_missing_secret_is_listed(tmp_path: Path, dovecot: Any,
                                        smtp_sink: SmtpSink) -> None:
    (tmp_path / "db").mkdir()
    config = filled_minimal(tmp_path, dovecot, smtp_sink)
    result = CliRunner().invoke(main, ["check-config", "--config", str(config)],
                                env={"SELLERBOT_SECRET": None, "SELLERBOT_IMAP_PASSWORD": None,
                                     "SELLERBOT_SMTP_PASSWORD": None})
    assert result.exit_code == 1
    for name in ("SELLERBOT_SECRET", "SELLERBOT_IMAP_PASSWORD", "SELLERBOT_SMTP_PASSWORD"):
        assert name in result.output, result.output


def test_reply_routing_probe_found_in_the_mailbox(tmp_path: Path, dovecot: Any) -> None:
    """An MTA that delivers bot.address (+tag) to the [imap] mailbox: the probe arrives."""
    def deliver(received: ReceivedMessage) -> None:
        dovecot.append(received.raw)

    (tmp_path / "db").mkdir()
    with SmtpSink(on_message=deliver) as mta:
        config = filled_minimal(tmp_path, dovecot, mta, smtp__username="DROP")
        result = CliRunner().invoke(main, ["check-config", "--config", str(config),
                                           "--connect", "--probe-timeout", "20"],
                                    env=_env(dovecot))
        assert result.exit_code == 0, result.output
        assert re.search(r"OK\s+reply routing\s+a mail to assistant\+\S+@lumen-et-cie.fr "
                         r"arrived in seller INBOX", result.output), result.output
        assert mta.messages[0].rcpt_tos[0].startswith("assistant+")
    client = dovecot.client()
    try:
        client.select_folder("INBOX")
        assert client.search(["HEADER", "X-Sellerbot-Probe", ""]) == []  # deleted once found
    finally:
        client.logout()


def test_reply_routing_probe_lost_explains_aliases(tmp_path: Path, dovecot: Any,
                                                   smtp_sink: SmtpSink) -> None:
    (tmp_path / "db").mkdir()
    config = filled_minimal(tmp_path, dovecot, smtp_sink, smtp__username="DROP")
    result = CliRunner().invoke(main, ["check-config", "--config", str(config), "--connect",
                                       "--probe-timeout", "2"], env=_env(dovecot))
    assert result.exit_code == 1, result.output
    assert "FAIL  reply routing" in result.output
    assert "did not arrive in a watched folder (seller INBOX) within 2 s" in result.output
    assert "plus-addressing" in result.output and "[[accounts]]" in result.output
