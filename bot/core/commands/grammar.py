"""Tokenizing a command line: case and accent folding, the keyword matcher, targets, end markers."""

from __future__ import annotations

import re
import unicodedata

from bot.core.commands.registry import SPECS, CommandSpec


def _fold_char(char: str) -> str:
    """Upper-case, accent-free, and still exactly one character (so indexes survive)."""
    base = "".join(c for c in unicodedata.normalize("NFD", char)
                   if not unicodedata.combining(c))
    up = base.upper() if len(base) == 1 else char.upper()
    return up if len(up) == 1 else char


def fold(text: str) -> str:
    """The form keywords are compared in: upper case, no accents, same length as `text`."""
    return "".join(_fold_char(c) for c in text)


PUNCT = ".,;:!?()[]\"'«»“”"

# folded keyword -> (spec, display form as written in the registry)
KEYWORDS: dict[str, tuple[CommandSpec, str]] = {}
for _spec in SPECS:
    for _kw in _spec.keywords:
        KEYWORDS.setdefault(fold(_kw), (_spec, _kw))  # first wins: the accented form


def _keyword_pattern(folded: str) -> str:
    words = [re.escape(w) for w in folded.split()]
    if words[-1] == "AZ":  # "RÉPONSE AZ", "RÉPONSE A-Z", "RÉPONSE A-TO-Z", "RÉPONSE ATOZ"
        words[-1] = r"(?:A-?Z|A-?TO-?Z|A-A-Z)"
    return r"\s+".join(words)


_TARGET_TOKEN = r"(?:\#?\d{1,3}|N°\d{1,3}|TOUT|TOUS|TOUTES|ALL|[RCM]-\d{4}-\d{3,6})"
_LINE_RE = re.compile(
    r"^\s*(?:[-*•]\s+)?"  # a bullet
    rf"(?P<lead>(?:{_TARGET_TOKEN}(?:\s*[,;:&+]\s*|\s+(?:ET|AND)\s+|\s+))*)"
    r"(?P<kw>" + "|".join(_keyword_pattern(k) for k in sorted(KEYWORDS, key=len, reverse=True))
    + r")(?![\w-])"
)
CASE_REF = re.compile(r"^[RCM]-\d{4}-\d{3,6}$", re.I)
_DIGEST = re.compile(r"^(?:#|N°)?(\d{1,3})$", re.I)
_ALL_WORDS = {"TOUT", "TOUS", "TOUTES", "ALL"}
_CONJUNCTIONS = {"ET", "AND", "&", "+", ",", ";", ":", "-"}

_GREETINGS = {
    "BONJOUR", "BONSOIR", "SALUT", "COUCOU", "MERCI", "CORDIALEMENT", "BIEN", "BONNE", "BONNES",
    "AMICALEMENT", "BISES", "A", "HI", "HELLO", "HEY", "DEAR", "THANKS", "THANK", "THX", "REGARDS",
    "BEST", "CHEERS", "KIND", "SINCERELY", "OK", "OKAY", "MADAME", "MONSIEUR",
}

_END_MARKERS = re.compile(
    r"^(?:--\s*|_{5,}|-{3,}\s*(?:original message|message d'origine|message transf[ée]r[ée]"
    r"|forwarded message)\s*-{3,}|(?:le|on)\s.+(?:a [ée]crit|wrote)\s*:?"
    r"|envoy[ée] de mon \S+|sent from my \S+.*)$",
    re.I,
)


def is_end_marker(line: str) -> bool:
    return bool(_END_MARKERS.match(line.strip()))


def match_command_line(line: str) -> tuple[CommandSpec, list[str], str] | None:
    """(spec, targets written before the keyword, rest of the line after it) or None."""
    folded = fold(line)
    m = _LINE_RE.match(folded)
    if not m:
        return None
    kw = re.sub(r"\s+", " ", m.group("kw"))
    if kw.split(" ")[0] == "REPONSE":
        kw = "REPONSE AZ"
    spec = KEYWORDS[kw][0]
    lead = [t for tok in re.split(r"[\s,;:&+]+", line[m.start("lead"):m.end("lead")])
            if (t := target_of(tok))]
    rest = line[m.end():]
    return spec, lead, rest


def target_of(token: str) -> str | None:
    """A digest number ("2"), a case ref ("R-2026-0101") or "all"; None for anything else."""
    tok = token.strip(PUNCT)
    if not tok:
        return None
    folded = fold(tok)
    if folded in _ALL_WORDS:
        return "all"
    if CASE_REF.match(tok):
        return folded
    m = _DIGEST.match(folded)
    if m:
        return str(int(m.group(1)))
    return None


def split_tokens(rest: str, lists: bool = True) -> list[str]:
    """Whitespace tokens; with `lists`, "1,3" lists of digest numbers become their numbers."""
    out: list[str] = []
    for tok in rest.split():
        if lists and re.fullmatch(r"\d{1,3}(?:[,;+]\d{1,3})+[,;]?", tok) and not re.fullmatch(
                r"\d+[.,]\d{2}", tok):
            out.extend(p for p in re.split(r"[,;+]", tok) if p)
        else:
            out.append(tok)
    return out


def edge_targets(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Targets at the start and the end of a token list, and the tokens in between."""
    targets: list[str] = []
    start, end = 0, len(tokens)
    while start < end:
        tok = tokens[start]
        if fold(tok.strip(PUNCT)) in _CONJUNCTIONS or not tok.strip(PUNCT):
            start += 1
            continue
        t = target_of(tok)
        if t is None:
            break
        targets.append(t)
        start += 1
    tail: list[str] = []
    while end > start:
        tok = tokens[end - 1]
        if fold(tok.strip(PUNCT)) in _CONJUNCTIONS or not tok.strip(PUNCT):
            end -= 1
            continue
        t = target_of(tok)
        if t is None:
            break
        tail.append(t)
        end -= 1
    return targets + tail[::-1], tokens[start:end]


def dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def is_greeting(line: str) -> bool:
    """A line opening with a greeting ("Bonjour", "Merci", "Thanks", …): skipped silently."""
    words = line.split()
    return bool(words) and fold(words[0].strip(PUNCT)) in _GREETINGS

