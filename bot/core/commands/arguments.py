"""Each command's arguments, read from the rest of its line (free text: and the lines after)."""

from __future__ import annotations

import re

from bot.core.commands.errors import LineError
from bot.core.commands.grammar import (
    CASE_REF, KEYWORDS, PUNCT, edge_targets, fold, split_tokens, target_of,
)
from bot.core.commands.quantities import parse_amount, parse_duration
from bot.core.commands.registry import COMMANDS, CommandSpec

MAX_TEXT_CHARS = 4000
MAX_SNOOZE_SECONDS = 30 * 24 * 3600

#: What a command line yields: (targets, args, note or free text).
Arguments = tuple[list[str], tuple[str, ...], str]


def _leftover(tokens: list[str]) -> str:
    return " ".join(t for t in tokens if t.strip(PUNCT + "-–—")).strip()


def _args_authorize(rest: str) -> Arguments:
    targets, middle = edge_targets(split_tokens(rest))
    rma = ""
    if middle:
        head = fold(middle[0]).rstrip(":=")
        if head == "RMA" and len(middle) > 1:
            rma, middle = middle[1].strip(PUNCT), middle[2:]
        elif head.startswith(("RMA:", "RMA=")):
            rma, middle = middle[0][4:].strip(PUNCT), middle[1:]
        elif any(c.isdigit() for c in middle[0]):
            rma, middle = middle[0].strip(PUNCT), middle[1:]
    if middle and fold(middle[0]).rstrip(":=") in {"ADRESSE", "ADDRESS"}:
        middle = middle[1:]
    address = _leftover(middle)
    args: tuple[str, ...] = ()
    if address:
        args = (rma, address)
    elif rma:
        args = (rma,)
    return targets, args, ""


def _args_money(spec: CommandSpec, rest: str) -> Arguments:
    try:
        amount, remaining = parse_amount(rest)
    except ValueError:
        raise LineError(
            f"{spec.keywords_fr[0]} : un seul montant à la fois.",
            f"{spec.keywords_en[0]}: one amount at a time.",
        ) from None
    # no "1,3" lists here: "12,5" must read as a malformed amount, not as targets 12 and 5
    targets, middle = edge_targets(split_tokens(remaining, lists=False))
    extra = _leftover(middle)
    if extra:
        raise LineError(
            f"« {extra} » n'est pas compris après {spec.keywords_fr[0]} ; montant attendu "
            "comme 12,50 € (deux décimales ou une devise).",
            f"'{extra}' after {spec.keywords_en[0]} is not understood; expected an amount "
            "like 12.50 (two decimals or a currency).",
        )
    if amount is not None and amount <= 0:
        raise LineError("le montant doit être positif.", "the amount must be positive.")
    return targets, ((f"{amount}",) if amount is not None else ()), ""


def _args_snooze(spec: CommandSpec, rest: str) -> Arguments:
    seconds, remaining = parse_duration(rest)
    if not seconds:
        raise LineError("REPORTER attend une durée (ex. : 2h, 30 min, 1 j).",
                        "SNOOZE needs a duration (e.g. 2h, 30 min, 1d).")
    if seconds > MAX_SNOOZE_SECONDS:
        raise LineError("30 jours au plus.", "30 days at most.")
    targets, _ = edge_targets(split_tokens(remaining))
    return targets, (str(seconds),), ""


def _args_confirm(rest: str) -> Arguments:
    tokens = [t.strip(PUNCT) for t in rest.split() if t.strip(PUNCT + "-–—")]
    targets = [fold(t) for t in tokens if CASE_REF.match(t)]
    codes = [t for t in tokens if not CASE_REF.match(t)]
    if not codes:
        raise LineError("CONFIRMER attend le code reçu par e-mail.",
                        "CONFIRM needs the code sent by email.")
    return targets, (fold(codes[0]),), ""


def _args_help(rest: str) -> Arguments:
    words = rest.split()
    for size in (2, 1):
        if len(words) >= size:
            key = fold(" ".join(w.strip(PUNCT) for w in words[:size]))
            if key in KEYWORDS:
                return [], (KEYWORDS[key][0].name,), ""
            if key.lower() in COMMANDS:
                return [], (key.lower(),), ""
    return [], (), ""


def _args_plain(rest: str) -> Arguments:
    """received, done, ignore, status: targets; any other words are kept as a note."""
    targets, middle = edge_targets(split_tokens(rest))
    return targets, (), _leftover(middle)


_QUOTED_REASON = re.compile(r'^\s*(?:"([^"]+)"|“([^”]+)”|«\s*([^»]+?)\s*»)\s*(.*)$', re.S)


_SEPARATOR = re.compile(r"^\s*[:\-–—]\s*")  # "RÉPONDRE : …", "CLORE — …"


def _args_text(spec: CommandSpec, rest: str, more: list[str]) -> Arguments:
    """reply, claim_answer, close: targets only as case refs or #n right after the keyword."""
    targets, body = _leading_targets(_SEPARATOR.sub("", rest))
    args: tuple[str, ...] = ()
    if spec.name == "close":
        reason, body = _close_reason(spec, body)
        args = (reason,)
    return targets, args, _free_text(spec, body, more)


def _leading_targets(body: str) -> tuple[list[str], str]:
    """Case refs and "#2" at the start of a free text, and the text after them: a bare "3"
    stays text ("RÉPONDRE 3 colis sont partis")."""
    targets: list[str] = []
    while True:
        m = re.match(r"^\s*(\S+)", body)
        if not m:
            break
        tok = m.group(1).rstrip(",;:")
        if CASE_REF.match(tok) or re.fullmatch(r"(?:#|N°)\d{1,3}", tok, re.I):
            t = target_of(tok)
            assert t is not None
            targets.append(t)
            body = _SEPARATOR.sub("", body[m.end():])
        else:
            break
    return targets, body


def _close_reason(spec: CommandSpec, body: str) -> tuple[str, str]:
    """CLORE's reason (one word, or quoted) and the message to the buyer after it."""
    q = _QUOTED_REASON.match(body)
    if q:
        reason = next(g for g in q.groups()[:3] if g)
        body = q.group(4)
    else:
        parts = body.strip().split(maxsplit=1)
        reason = parts[0].strip(PUNCT) if parts else ""
        body = parts[1] if len(parts) > 1 else ""
    if not reason:
        raise LineError(f"{spec.keywords_fr[0]} attend un motif puis un message à l'acheteur.",
                        f"{spec.keywords_en[0]} needs a reason then a message to the buyer.")
    return reason.strip(), _SEPARATOR.sub("", body)


_TEXT_FOR = {  # what a free-text command needs, (fr, en), in its error message
    "reply": ("le texte pour l'acheteur", "the text for the buyer"),
    "claim_answer": ("le texte pour Amazon", "the text for Amazon"),
    "close": ("un message à l'acheteur après le motif", "a message to the buyer after the reason"),
}


def _free_text(spec: CommandSpec, body: str, more: list[str]) -> str:
    """The keyword line's text and its continuation lines, trimmed; empty or too long is an
    error."""
    lines = [body.strip()] + [line.rstrip() for line in more]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    text = "\n".join(lines)
    if not text:
        what_fr, what_en = _TEXT_FOR[spec.name]
        raise LineError(f"{spec.keywords_fr[0]} attend {what_fr}.",
                        f"{spec.keywords_en[0]} needs {what_en}.")
    if len(text) > MAX_TEXT_CHARS:
        raise LineError(
            f"le texte de {spec.keywords_fr[0]} fait {len(text)} caractères, "
            f"{MAX_TEXT_CHARS} au plus.",
            f"the text of {spec.keywords_en[0]} is {len(text)} characters long, "
            f"{MAX_TEXT_CHARS} at most.",
        )
    return text


_ORDER_ID = re.compile(r"(?<![\d-])\d{3}-\d{7}-\d{7}(?![\d-])")


def _args_order(spec: CommandSpec, rest: str) -> Arguments:
    """shipped, out_of_stock: the Amazon order id, then the rest of the line as text (the
    carrier and tracking number, read by bot.core.shipping)."""
    m = _ORDER_ID.search(rest)
    if not m:
        raise LineError(f"{spec.keywords_fr[0]} attend un numéro de commande "
                        "(123-1234567-1234567).",
                        f"{spec.keywords_en[0]} needs an order number (123-1234567-1234567).")
    text = (rest[:m.start()] + " " + rest[m.end():]).strip(" \t:-–—")
    return [], (m.group(0),), " ".join(text.split())


def read_arguments(spec: CommandSpec, rest: str, more: list[str]) -> Arguments:
    """The reader for `spec`'s arguments; `more` holds a free-text command's next lines."""
    if spec.name in ("shipped", "out_of_stock"):
        return _args_order(spec, rest)
    if spec.takes_text:
        return _args_text(spec, rest, more)
    if spec.name == "authorize":
        return _args_authorize(rest)
    if spec.moves_money:
        return _args_money(spec, rest)
    if spec.name == "snooze":
        return _args_snooze(spec, rest)
    if spec.name == "confirm":
        return _args_confirm(rest)
    if spec.name == "help":
        return _args_help(rest)
    return _args_plain(rest)

