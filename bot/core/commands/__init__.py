"""The seller's command grammar: the short lines she writes when replying to sellerbot's emails.

Pure: text in, `Command`s and error messages out. The caller has already removed quoted lines
("> ...") and the quoted original; this package still stops at the usual signature and quote
headers ("-- ", "Le ... a écrit :", "On ... wrote:", "-----Original Message-----") to be safe.

Rules (shown to the seller by `help_text`):

* One command per line, at the start of the line, French or English, case- and
  accent-insensitive (``clôturer`` = ``CLOTURER``, ``reçu`` = ``RECU``).
* Targets: digest numbers and case references (``R-2026-0101``, ``C-…``, ``M-…``) written before
  the keyword or right after it (``2 AUTORISER``, ``AUTORISER 1 3``, ``AUTORISER TOUT``), or at the
  end of the line for commands without free text. ``TOUT``/``TOUS``/``ALL`` gives the target
  ``"all"``. A digest number has at most 3 digits. For commands that take free text (RÉPONDRE,
  RÉPONSE AZ, CLORE) only case references and ``#2`` are read after the keyword, so
  "RÉPONDRE 3 colis sont partis" keeps its "3".
* Free text (RÉPONDRE, RÉPONSE AZ, CLORE): the rest of the keyword line, then the following lines
  until a blank line whose next non-blank line is a command (or looks like a misspelt one, so a
  typo is reported instead of being sent to the buyer), a signature/quote marker, or the end.
  So a command line inside a message ("Reçu votre colis") stays text unless a blank line
  precedes it. Text longer than 4000 characters is refused.
* Lines that are blank, greetings ("Bonjour", "Merci", "Thanks", "Cordialement", …) or, once a
  command has been seen, any other non-command line (a signature, a first name) are ignored. A
  non-command line whose first word looks like a misspelt keyword (difflib ratio >= 0.75 before
  the first command, >= 0.85 after it, where signatures are expected) is an error with a
  suggestion. No command at all is an error too.
* Money: REMBOURSER/GARDER read an amount only when it has two decimals or a currency
  ("12,50", "12.50", "12 €", "EUR 12"); anything else they do not understand is an error, never
  ignored. Amounts are returned as a "12.50" string in ``args``.

Error messages are bilingual, French then English: "Ligne 2 : … / Line 2: …".
"""

from __future__ import annotations

from bot.core.commands.arguments import MAX_SNOOZE_SECONDS, MAX_TEXT_CHARS
from bot.core.commands.effects import command_effect, help_text, notice_actions
from bot.core.commands.errors import NO_COMMAND_ERROR, in_language
from bot.core.commands.parser import parse_commands
from bot.core.commands.quantities import parse_amount, parse_duration
from bot.core.commands.registry import COMMANDS, CommandSpec

__all__ = [
    "CommandSpec",
    "COMMANDS",
    "MAX_TEXT_CHARS",
    "MAX_SNOOZE_SECONDS",
    "parse_commands",
    "parse_duration",
    "parse_amount",
    "help_text",
    "command_effect",
    "notice_actions",
    "in_language",
    "NO_COMMAND_ERROR",
]
