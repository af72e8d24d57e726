"""The README's "Running it for real" cannot drift: every command and option it shows exists,
the variables it exports are the ones config.example.toml names, and it says how replies are
routed to the watched mailbox."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from bot.app.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("## Running it for real", 1)[1].split("\n## ", 1)[0]


def test_commands_and_options_exist() -> None:
    block = _section().split("```sh", 1)[1].split("```", 1)[0]
    lines = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    commands = [shlex.split(line) for line in lines if line.startswith("sellerbot ")]
    assert {c[1] for c in commands} >= {"check-config", "run"}
    for argv in commands:
        command = main.commands[argv[1]]  # type: ignore[attr-defined]
        known = {opt for p in command.params for opt in getattr(p, "opts", [])}
        for arg in argv[2:]:
            if arg.startswith("--"):
                assert arg in known, f"{argv[1]} has no option {arg}"


def test_exported_variables_are_the_example_configs() -> None:
    section = _section()
    exported = set(re.findall(r"\b(SELLERBOT_[A-Z_]+)=", section))
    minimal = (ROOT / "config.example.toml").read_text(encoding="utf-8").split(
        "# ================================ REFERENCE", 1)[0]
    named = set(re.findall(r'_env = "(SELLERBOT_[A-Z_]+)"', minimal))
    assert exported == named, (exported, named)


def test_reply_routing_is_explained() -> None:
    section = _section()
    for words in ("Reply-To", "plus-addressing", "[[accounts]]", "[buyer] sender",
                  "check-config --connect"):
        assert words in section, words
