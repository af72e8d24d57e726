"""Reading a whole reply: its command lines, their free-text blocks, and the lines it ignores."""

from __future__ import annotations

import re

from bot.core.commands.arguments import read_arguments
from bot.core.commands.errors import (
    NO_COMMAND_ERROR, SUGGEST_AFTER, SUGGEST_BEFORE, LineError, line_error, suggest_keyword,
    syntax_hint, unknown_command_error,
)
from bot.core.commands.grammar import dedupe, is_end_marker, is_greeting, match_command_line
from bot.core.commands.registry import COMMANDS
from bot.core.domain import Command


def _text_block(lines: list[str], start: int) -> tuple[list[str], int]:
    """Continuation lines of a free-text command from `start`; returns (lines, next index)."""
    out: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if is_end_marker(line):
            break
        if stripped.startswith(">"):
            i += 1
            continue
        if not stripped:
            k = i
            while k < len(lines) and not lines[k].strip():
                k += 1
            if (k >= len(lines) or is_end_marker(lines[k])
                    or match_command_line(lines[k]) is not None
                    or suggest_keyword(lines[k].strip(), SUGGEST_AFTER) is not None):
                break  # a misspelt command after a blank line must not reach the buyer
        out.append(line)
        i += 1
    return out, i


def parse_commands(text: str) -> tuple[list[Command], list[str]]:
    """Commands found in a seller's reply, and bilingual error messages for the rest.

    A command with an error is not returned: the seller gets the error and writes it again.
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    commands: list[Command] = []
    errors: list[str] = []
    seen_command = False
    i = 0
    while i < len(lines):
        line = lines[i]
        number = i + 1
        stripped = line.strip()
        if is_end_marker(line):
            break
        if not stripped or stripped.startswith(">"):
            i += 1
            continue
        matched = match_command_line(line)
        if matched is None and commands and commands[-1].name == "shipped" and \
                re.match(r"^\s*\d{3}-\d{7}-\d{7}\b", line):
            matched = (COMMANDS["shipped"], [], line)  # EXPÉDIÉ once, then one order a line
        if matched is None:
            if not is_greeting(stripped):
                typo = suggest_keyword(stripped, SUGGEST_AFTER if seen_command else SUGGEST_BEFORE)
                if typo:
                    errors.append(unknown_command_error(number, *typo))
            i += 1
            continue
        seen_command = True
        spec, lead, rest = matched
        more: list[str] = []
        if spec.takes_text:
            more, i = _text_block(lines, i + 1)
        else:
            i += 1
        try:
            targets, args, note = read_arguments(spec, rest, more)
        except LineError as exc:
            sfr, sen = syntax_hint(spec)
            errors.append(line_error(number, exc.fr + sfr, exc.en + sen))
            continue
        commands.append(Command(spec.name, args, note, dedupe(lead + targets)))
    if not commands and not errors:
        errors.append(NO_COMMAND_ERROR)
    return commands, errors
