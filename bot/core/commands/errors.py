"""What the seller reads when a line is wrong: bilingual errors, typo suggestions, her language."""

from __future__ import annotations

import difflib

from bot.core.commands.grammar import KEYWORDS, PUNCT, fold
from bot.core.commands.registry import CommandSpec, is_french

SUGGEST_BEFORE = 0.75  # before any command: the first lines are where commands are expected
SUGGEST_AFTER = 0.85  # after a command: signatures and names are expected, be stricter


class LineError(Exception):
    """An expected, user-facing problem with one command line (fr, en)."""

    def __init__(self, fr: str, en: str) -> None:
        super().__init__(en)
        self.fr, self.en = fr, en


def line_error(n: int, fr: str, en: str) -> str:
    return f"Ligne {n} : {fr} / Line {n}: {en}"


def syntax_hint(spec: CommandSpec) -> tuple[str, str]:
    return f" Syntaxe : {spec.syntax_fr}", f" Syntax: {spec.syntax_en}"


def suggest_keyword(line: str, cutoff: float) -> tuple[str, CommandSpec, str] | None:
    """(word as written, spec, matched folded keyword) when the line starts like a typo."""
    words = line.split()
    if not words:
        return None
    candidates: list[tuple[float, str, str]] = []
    first = words[0].strip(PUNCT)
    if len(first) >= 3:
        for kw in KEYWORDS:
            if " " in kw:
                if len(words) < 2:
                    continue
                typed, shown = fold(first + " " + words[1].strip(PUNCT)), f"{first} {words[1]}"
            else:
                typed, shown = fold(first), first
            ratio = difflib.SequenceMatcher(None, typed, kw).ratio()
            if ratio >= cutoff:
                candidates.append((ratio, shown, kw))
    if not candidates:
        return None
    _, shown, kw = max(candidates, key=lambda c: c[0])
    return shown.strip(PUNCT), KEYWORDS[kw][0], kw


def unknown_command_error(n: int, word: str, spec: CommandSpec, folded_kw: str) -> str:
    display = KEYWORDS[folded_kw][1]
    kw_fr = display if display in spec.keywords_fr else spec.keywords_fr[0]
    kw_en = display if display in spec.keywords_en else spec.keywords_en[0]
    sfr, sen = syntax_hint(spec)
    return line_error(
        n,
        f"« {word} » n'est pas une commande. Vouliez-vous dire {kw_fr} ?{sfr}",
        f"'{word}' is not a command. Did you mean {kw_en}?{sen}",
    )


def in_language(message: str, lang: str) -> str:
    """Errors are built bilingual ("Ligne 2 : … / Line 2: …"); the seller reads only her own
    language (French, else English: the keywords of the other locales are English)."""
    for sep in (" / Line ", " / No command"):
        i = message.find(sep)
        if i >= 0:
            return message[:i] if is_french(lang) else message[i + 3:]
    return message


NO_COMMAND_ERROR = (
    "Aucune commande trouvée : écrivez une commande au début d'une ligne, par exemple "
    "AUTORISER ; AIDE donne la liste. / No command found: write a command at the start of "
    "a line, for example AUTHORIZE; HELP gives the list."
)
