"""Does the seller's own text already greet the buyer or sign off? Pure.

`RÉPONDRE Bonjour Julie, …` must reach the buyer as written: the buyer-answer templates add a
greeting and a sign-off only when the text has none, so the buyer never reads "Bonjour Julie,
Bonjour Julie," or two signatures.
"""

from __future__ import annotations

import re
import unicodedata

_GREETINGS = (
    "bonjour", "bonsoir", "salut", "madame", "monsieur", "cher", "chere",
    "hello", "hi", "dear", "good morning", "good afternoon", "good evening",
    "guten tag", "hallo", "sehr geehrte", "liebe", "lieber", "moin",
    "buongiorno", "buonasera", "gentile", "salve", "ciao",
    "hola", "buenos dias", "buenas tardes", "estimado", "estimada",
)
_SIGNOFFS = (
    "cordialement", "bien cordialement", "bien a vous", "merci", "a bientot",
    "salutations", "bonne journee", "bonne soiree", "sinceres salutations",
    "regards", "kind regards", "best regards", "best", "thanks", "thank you", "sincerely",
    "cheers", "mit freundlichen grussen", "freundliche grusse", "viele grusse", "beste grusse",
    "danke", "cordiali saluti", "distinti saluti", "saluti", "grazie", "un saluto",
    "atentamente", "saludos", "un saludo", "gracias", "cordialmente",
)


def _plain(line: str) -> str:
    text = unicodedata.normalize("NFKD", line.strip().lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text)


def _starts_with(line: str, words: tuple[str, ...]) -> bool:
    return any(line == w or re.match(re.escape(w) + r"\b", line) for w in words)


def has_greeting(text: str) -> bool:
    """The first non-blank line opens with a greeting ("Bonjour Julie,", "Hello,")."""
    first = next((_plain(line) for line in text.splitlines() if line.strip()), "")
    return _starts_with(first, _GREETINGS)


def has_signoff(text: str) -> bool:
    """One of the last three non-blank lines is a closing formula ("Cordialement,")."""
    lines = [_plain(line) for line in text.splitlines() if line.strip()]
    return any(_starts_with(line, _SIGNOFFS) and len(line) <= 40 for line in lines[-3:])
