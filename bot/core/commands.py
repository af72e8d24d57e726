"""The seller's command grammar: the short lines she writes when replying to sellerbot's emails.

Pure: text in, `Command`s and error messages out. The caller has already removed quoted lines
("> ...") and the quoted original; this module still stops at the usual signature and quote
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

import difflib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from bot.core.domain import Command

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
]

MAX_TEXT_CHARS = 4000
MAX_SNOOZE_SECONDS = 30 * 24 * 3600
_SUGGEST_BEFORE = 0.75  # before any command: the first lines are where commands are expected
_SUGGEST_AFTER = 0.85  # after a command: signatures and names are expected, be stricter


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One command of the registry. The first keyword of each language is its display form."""

    name: str
    keywords_fr: tuple[str, ...]
    keywords_en: tuple[str, ...]
    syntax_fr: str
    syntax_en: str
    description_fr: str
    description_en: str
    moves_money: bool = False
    takes_text: bool = False  # free text that may continue on the following lines

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.keywords_fr + self.keywords_en

    def keyword(self, lang: str) -> str:
        return self.keywords_fr[0] if _is_fr(lang) else self.keywords_en[0]

    def syntax(self, lang: str) -> str:
        return self.syntax_fr if _is_fr(lang) else self.syntax_en

    def description(self, lang: str) -> str:
        return self.description_fr if _is_fr(lang) else self.description_en


def _is_fr(lang: str) -> bool:
    return (lang or "").lower().startswith("fr")


_SPECS = (
    CommandSpec(
        "authorize", ("AUTORISER",), ("AUTHORIZE", "AUTHORISE"),
        "AUTORISER [n°…|TOUT] [RMA] [adresse]", "AUTHORIZE [no.…|ALL] [RMA] [address]",
        "autoriser le retour (RMA et adresse de retour facultatifs)",
        "authorize the return (RMA and return address optional)"),
    CommandSpec(
        "close", ("CLORE", "CLÔTURER", "CLOTURER"), ("CLOSE",),
        "CLORE [#n°] <motif> <message à l'acheteur>", "CLOSE [#no.] <reason> <message to buyer>",
        "clore la demande : motif (un mot ou « entre guillemets ») puis message à l'acheteur",
        'close the request: reason (one word or "quoted") then the message to the buyer',
        takes_text=True),
    CommandSpec(
        "refund", ("REMBOURSER",), ("REFUND",),
        "REMBOURSER [n°…|TOUT] [montant, ex. 12,50 €]", "REFUND [no.…|ALL] [amount, e.g. 12.50]",
        "rembourser (tout, ou le montant indiqué)", "refund (in full, or the amount given)",
        moves_money=True),
    CommandSpec(
        "keep", ("GARDER",), ("KEEP",),
        "GARDER [n°…|TOUT] [montant]", "KEEP [no.…|ALL] [amount]",
        "l'acheteur garde l'article et il est remboursé (sans retour)",
        "the buyer keeps the item and is refunded (no return)",
        moves_money=True),
    CommandSpec(
        "received", ("REÇU", "RECU"), ("RECEIVED",),
        "REÇU [n°…]", "RECEIVED [no.…]",
        "le retour est arrivé (remboursement dû sous 2 jours ouvrés)",
        "the return has arrived (refund due within 2 business days)"),
    CommandSpec(
        "reply", ("RÉPONDRE", "REPONDRE"), ("REPLY",),
        "RÉPONDRE [#n°] <texte pour l'acheteur>", "REPLY [#no.] <text for the buyer>",
        "envoyer le texte à l'acheteur", "send the text to the buyer",
        takes_text=True),
    CommandSpec(
        "claim_answer", ("RÉPONSE AZ", "REPONSE AZ"), ("CLAIM ANSWER", "CLAIM"),
        "RÉPONSE AZ [#n°] <texte pour Amazon>", "CLAIM ANSWER [#no.] <text for Amazon>",
        "préparer la réponse à la réclamation A-à-z", "prepare the answer to the A-to-z claim",
        takes_text=True),
    CommandSpec(
        "done", ("FAIT",), ("DONE",),
        "FAIT [n°…]", "DONE [no.…]",
        "c'est réglé dans Seller Central : plus de rappels",
        "handled in Seller Central: no more reminders"),
    CommandSpec(
        "snooze", ("REPORTER",), ("SNOOZE",),
        "REPORTER [n°…] <durée, ex. 2h, 30 min, 1 j>",
        "SNOOZE [no.…] <duration, e.g. 2h, 30 min, 1d>",
        "me le rappeler plus tard", "remind me later"),
    CommandSpec(
        "status", ("STATUT",), ("STATUS",),
        "STATUT", "STATUS",
        "la liste des dossiers ouverts", "the list of open cases"),
    CommandSpec(
        "help", ("AIDE",), ("HELP",),
        "AIDE [commande]", "HELP [command]",
        "cette aide", "this help"),
    CommandSpec(
        "ignore", ("IGNORER",), ("IGNORE",),
        "IGNORER [n°…]", "IGNORE [no.…]",
        "ne plus me rappeler ce dossier", "stop reminding me of this case"),
    CommandSpec(
        "confirm", ("CONFIRMER",), ("CONFIRM",),
        "CONFIRMER <code>", "CONFIRM <code>",
        "confirmer une action qui engage de l'argent (code reçu par e-mail)",
        "confirm an action that moves money (code sent by email)"),
    CommandSpec(
        "shipped", ("EXPÉDIÉ", "EXPEDIE", "EXPÉDIÉE"), ("SHIPPED", "VERSANDT", "SPEDITO",
                                                       "ENVIADO"),
        "EXPÉDIÉ <commande> <transporteur> <n° de suivi> [signature] [buy shipping]",
        "SHIPPED <order> <carrier> <tracking no.> [signature] [buy shipping]",
        "enregistrer l'expédition (une commande par ligne)",
        "record the shipment (one order per line)"),
    CommandSpec(
        "out_of_stock", ("RUPTURE",), ("OUT OF STOCK", "AUSVERKAUFT", "ESAURITO", "AGOTADO"),
        "RUPTURE <commande>", "OUT OF STOCK <order>",
        "préparer le message d'annulation pour l'acheteur (article en rupture)",
        "draft the cancellation message to the buyer (item out of stock)"),
    CommandSpec(
        "return", ("RETOUR",), ("RETURN",),
        "RETOUR [n°…]", "RETURN [no.…]",
        "demander à l'acheteur de faire une demande de retour sur Amazon (message type)",
        "ask the buyer to file a return request on Amazon (template message)"),
)

#: Canonical name -> spec, in help order.
COMMANDS: dict[str, CommandSpec] = {spec.name: spec for spec in _SPECS}


# --- text normalisation --------------------------------------------------------------------

def _fold_char(char: str) -> str:
    """Upper-case, accent-free, and still exactly one character (so indexes survive)."""
    base = "".join(c for c in unicodedata.normalize("NFD", char)
                   if not unicodedata.combining(c))
    up = base.upper() if len(base) == 1 else char.upper()
    return up if len(up) == 1 else char


def _fold(text: str) -> str:
    return "".join(_fold_char(c) for c in text)


_PUNCT = ".,;:!?()[]\"'«»“”"

# folded keyword -> (spec, display form as written in the registry)
_KEYWORDS: dict[str, tuple[CommandSpec, str]] = {}
for _spec in _SPECS:
    for _kw in _spec.keywords:
        _KEYWORDS.setdefault(_fold(_kw), (_spec, _kw))  # first wins: the accented form


def _keyword_pattern(folded: str) -> str:
    words = [re.escape(w) for w in folded.split()]
    if words[-1] == "AZ":  # "RÉPONSE AZ", "RÉPONSE A-Z", "RÉPONSE A-TO-Z", "RÉPONSE ATOZ"
        words[-1] = r"(?:A-?Z|A-?TO-?Z|A-A-Z)"
    return r"\s+".join(words)


_TARGET_TOKEN = r"(?:\#?\d{1,3}|N°\d{1,3}|TOUT|TOUS|TOUTES|ALL|[RCM]-\d{4}-\d{3,6})"
_LINE_RE = re.compile(
    r"^\s*(?:[-*•]\s+)?"  # a bullet
    rf"(?P<lead>(?:{_TARGET_TOKEN}(?:\s*[,;:&+]\s*|\s+(?:ET|AND)\s+|\s+))*)"
    r"(?P<kw>" + "|".join(_keyword_pattern(k) for k in sorted(_KEYWORDS, key=len, reverse=True))
    + r")(?![\w-])"
)
_CASE_REF = re.compile(r"^[RCM]-\d{4}-\d{3,6}$", re.I)
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


def _is_end_marker(line: str) -> bool:
    return bool(_END_MARKERS.match(line.strip()))


def _match(line: str) -> tuple[CommandSpec, list[str], str] | None:
    """(spec, targets written before the keyword, rest of the line after it) or None."""
    folded = _fold(line)
    m = _LINE_RE.match(folded)
    if not m:
        return None
    kw = re.sub(r"\s+", " ", m.group("kw"))
    if kw.split(" ")[0] == "REPONSE":
        kw = "REPONSE AZ"
    spec = _KEYWORDS[kw][0]
    lead = [t for tok in re.split(r"[\s,;:&+]+", line[m.start("lead"):m.end("lead")])
            if (t := _target(tok))]
    rest = line[m.end():]
    return spec, lead, rest


def _target(token: str) -> str | None:
    """A digest number ("2"), a case ref ("R-2026-0101") or "all"; None for anything else."""
    tok = token.strip(_PUNCT)
    if not tok:
        return None
    folded = _fold(tok)
    if folded in _ALL_WORDS:
        return "all"
    if _CASE_REF.match(tok):
        return folded
    m = _DIGEST.match(folded)
    if m:
        return str(int(m.group(1)))
    return None


def _split_tokens(rest: str, lists: bool = True) -> list[str]:
    """Whitespace tokens; with `lists`, "1,3" lists of digest numbers become their numbers."""
    out: list[str] = []
    for tok in rest.split():
        if lists and re.fullmatch(r"\d{1,3}(?:[,;+]\d{1,3})+[,;]?", tok) and not re.fullmatch(
                r"\d+[.,]\d{2}", tok):
            out.extend(p for p in re.split(r"[,;+]", tok) if p)
        else:
            out.append(tok)
    return out


def _edge_targets(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Targets at the start and the end of a token list, and the tokens in between."""
    targets: list[str] = []
    start, end = 0, len(tokens)
    while start < end:
        tok = tokens[start]
        if _fold(tok.strip(_PUNCT)) in _CONJUNCTIONS or not tok.strip(_PUNCT):
            start += 1
            continue
        t = _target(tok)
        if t is None:
            break
        targets.append(t)
        start += 1
    tail: list[str] = []
    while end > start:
        tok = tokens[end - 1]
        if _fold(tok.strip(_PUNCT)) in _CONJUNCTIONS or not tok.strip(_PUNCT):
            end -= 1
            continue
        t = _target(tok)
        if t is None:
            break
        tail.append(t)
        end -= 1
    return targets + tail[::-1], tokens[start:end]


def _dedupe(items: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


# --- amounts and durations -----------------------------------------------------------------

_CURRENCY = r"(?:€|£|\$|EUR(?:OS?)?|GBP|USD|PLN|SEK|ZL|ZŁ)"
_NUMBER = r"\d{1,7}(?:[.,]\d{1,2})?"
_AMOUNT_RE = re.compile(
    rf"(?<![\w.,])(?:{_CURRENCY}\s*(?P<n1>{_NUMBER})"
    rf"|(?P<n2>{_NUMBER})\s*{_CURRENCY}"
    rf"|(?P<n3>\d{{1,7}}[.,]\d{{2}}))(?![\w]|[.,]\d)",
    re.I,
)


def parse_amount(text: str) -> tuple[Decimal | None, str]:
    """Find one amount ("12,50", "12.50 €", "EUR 12") -> (amount, text without it).

    Raises ValueError when there are several amounts.
    """
    found = list(_AMOUNT_RE.finditer(text))
    if not found:
        return None, text
    if len(found) > 1:
        raise ValueError("several amounts")
    m = found[0]
    raw = m.group("n1") or m.group("n2") or m.group("n3")
    try:
        value = Decimal(raw.replace(",", ".")).quantize(Decimal("0.01"))
    except InvalidOperation as exc:  # pragma: no cover - the regex admits only digits
        raise ValueError(raw) from exc
    return value, text[:m.start()] + " " + text[m.end():]


_UNITS = {
    "w": 7 * 86400, "week": 7 * 86400, "weeks": 7 * 86400, "sem": 7 * 86400,
    "semaine": 7 * 86400, "semaines": 7 * 86400,
    "d": 86400, "day": 86400, "days": 86400, "j": 86400, "jour": 86400, "jours": 86400,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600, "heure": 3600,
    "heures": 3600,
    "m": 60, "mn": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
}
_DURATION_RE = re.compile(
    r"(?<![\w.,])(?P<n>\d{1,4}(?:[.,]\d{1,2})?)\s*(?P<u>"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + r")(?:(?<=h)(?P<m>\d{2}))?(?![\w])",
    re.I,
)


def parse_duration(text: str) -> tuple[int | None, str]:
    """Sum every "<number><unit>" in `text` ("2h", "1 j", "90m", "1h30", "1,5 h").

    Returns (seconds or None, text without the duration parts).
    """
    folded = _fold(text).lower()
    total = Decimal(0)
    spans: list[tuple[int, int]] = []
    for m in _DURATION_RE.finditer(folded):
        total += Decimal(m.group("n").replace(",", ".")) * _UNITS[m.group("u").lower()]
        if m.group("m"):
            total += int(m.group("m")) * 60
        spans.append(m.span())
    if not spans:
        return None, text
    remaining = text
    for start, end in reversed(spans):
        remaining = remaining[:start] + " " + remaining[end:]
    return int(total), remaining


# --- error messages ------------------------------------------------------------------------

def _err(n: int, fr: str, en: str) -> str:
    return f"Ligne {n} : {fr} / Line {n}: {en}"


def _syntax(spec: CommandSpec) -> tuple[str, str]:
    return f" Syntaxe : {spec.syntax_fr}", f" Syntax: {spec.syntax_en}"


def _suggest(line: str, cutoff: float) -> tuple[str, CommandSpec, str] | None:
    """(word as written, spec, matched folded keyword) when the line starts like a typo."""
    words = line.split()
    if not words:
        return None
    candidates: list[tuple[float, str, str]] = []
    first = words[0].strip(_PUNCT)
    if len(first) >= 3:
        for kw in _KEYWORDS:
            if " " in kw:
                if len(words) < 2:
                    continue
                typed, shown = _fold(first + " " + words[1].strip(_PUNCT)), f"{first} {words[1]}"
            else:
                typed, shown = _fold(first), first
            ratio = difflib.SequenceMatcher(None, typed, kw).ratio()
            if ratio >= cutoff:
                candidates.append((ratio, shown, kw))
    if not candidates:
        return None
    _, shown, kw = max(candidates, key=lambda c: c[0])
    return shown.strip(_PUNCT), _KEYWORDS[kw][0], kw


def _unknown_error(n: int, word: str, spec: CommandSpec, folded_kw: str) -> str:
    display = _KEYWORDS[folded_kw][1]
    kw_fr = display if display in spec.keywords_fr else spec.keywords_fr[0]
    kw_en = display if display in spec.keywords_en else spec.keywords_en[0]
    sfr, sen = _syntax(spec)
    return _err(
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
            return message[:i] if _is_fr(lang) else message[i + 3:]
    return message


NO_COMMAND_ERROR = (
    "Aucune commande trouvée : écrivez une commande au début d'une ligne, par exemple "
    "AUTORISER ; AIDE donne la liste. / No command found: write a command at the start of "
    "a line, for example AUTHORIZE; HELP gives the list."
)


# --- per-command argument parsing ----------------------------------------------------------

class _LineError(Exception):
    """An expected, user-facing problem with one command line (fr, en)."""

    def __init__(self, fr: str, en: str) -> None:
        super().__init__(en)
        self.fr, self.en = fr, en


def _leftover(tokens: list[str]) -> str:
    return " ".join(t for t in tokens if t.strip(_PUNCT + "-–—")).strip()


def _args_authorize(rest: str) -> tuple[list[str], tuple[str, ...], str]:
    targets, middle = _edge_targets(_split_tokens(rest))
    rma = ""
    if middle:
        head = _fold(middle[0]).rstrip(":=")
        if head == "RMA" and len(middle) > 1:
            rma, middle = middle[1].strip(_PUNCT), middle[2:]
        elif head.startswith(("RMA:", "RMA=")):
            rma, middle = middle[0][4:].strip(_PUNCT), middle[1:]
        elif any(c.isdigit() for c in middle[0]):
            rma, middle = middle[0].strip(_PUNCT), middle[1:]
    if middle and _fold(middle[0]).rstrip(":=") in {"ADRESSE", "ADDRESS"}:
        middle = middle[1:]
    address = _leftover(middle)
    args: tuple[str, ...] = ()
    if address:
        args = (rma, address)
    elif rma:
        args = (rma,)
    return targets, args, ""


def _args_money(spec: CommandSpec, rest: str) -> tuple[list[str], tuple[str, ...], str]:
    try:
        amount, remaining = parse_amount(rest)
    except ValueError:
        raise _LineError(
            f"{spec.keywords_fr[0]} : un seul montant à la fois.",
            f"{spec.keywords_en[0]}: one amount at a time.",
        ) from None
    # no "1,3" lists here: "12,5" must read as a malformed amount, not as targets 12 and 5
    targets, middle = _edge_targets(_split_tokens(remaining, lists=False))
    extra = _leftover(middle)
    if extra:
        raise _LineError(
            f"« {extra} » n'est pas compris après {spec.keywords_fr[0]} ; montant attendu "
            "comme 12,50 € (deux décimales ou une devise).",
            f"'{extra}' after {spec.keywords_en[0]} is not understood; expected an amount "
            "like 12.50 (two decimals or a currency).",
        )
    if amount is not None and amount <= 0:
        raise _LineError("le montant doit être positif.", "the amount must be positive.")
    return targets, ((f"{amount}",) if amount is not None else ()), ""


def _args_snooze(spec: CommandSpec, rest: str) -> tuple[list[str], tuple[str, ...], str]:
    seconds, remaining = parse_duration(rest)
    if not seconds:
        raise _LineError("REPORTER attend une durée (ex. : 2h, 30 min, 1 j).",
                         "SNOOZE needs a duration (e.g. 2h, 30 min, 1d).")
    if seconds > MAX_SNOOZE_SECONDS:
        raise _LineError("30 jours au plus.", "30 days at most.")
    targets, _ = _edge_targets(_split_tokens(remaining))
    return targets, (str(seconds),), ""


def _args_confirm(rest: str) -> tuple[list[str], tuple[str, ...], str]:
    tokens = [t.strip(_PUNCT) for t in rest.split() if t.strip(_PUNCT + "-–—")]
    targets = [_fold(t) for t in tokens if _CASE_REF.match(t)]
    codes = [t for t in tokens if not _CASE_REF.match(t)]
    if not codes:
        raise _LineError("CONFIRMER attend le code reçu par e-mail.",
                         "CONFIRM needs the code sent by email.")
    return targets, (_fold(codes[0]),), ""


def _args_help(rest: str) -> tuple[list[str], tuple[str, ...], str]:
    words = rest.split()
    for size in (2, 1):
        if len(words) >= size:
            key = _fold(" ".join(w.strip(_PUNCT) for w in words[:size]))
            if key in _KEYWORDS:
                return [], (_KEYWORDS[key][0].name,), ""
            if key.lower() in COMMANDS:
                return [], (key.lower(),), ""
    return [], (), ""


def _args_plain(rest: str) -> tuple[list[str], tuple[str, ...], str]:
    """received, done, ignore, status: targets; any other words are kept as a note."""
    targets, middle = _edge_targets(_split_tokens(rest))
    return targets, (), _leftover(middle)


_QUOTED_REASON = re.compile(r'^\s*(?:"([^"]+)"|“([^”]+)”|«\s*([^»]+?)\s*»)\s*(.*)$', re.S)


def _args_text(spec: CommandSpec, rest: str, more: list[str]) -> tuple[list[str],
                                                                    tuple[str, ...], str]:
    """reply, claim_answer, close: targets only as case refs or #n right after the keyword."""
    body = re.sub(r"^\s*[:\-–—]\s*", "", rest)
    targets: list[str] = []
    while True:
        m = re.match(r"^\s*(\S+)", body)
        if not m:
            break
        tok = m.group(1).rstrip(",;:")
        if _CASE_REF.match(tok) or re.fullmatch(r"(?:#|N°)\d{1,3}", tok, re.I):
            t = _target(tok)
            assert t is not None
            targets.append(t)
            body = re.sub(r"^\s*[:\-–—]\s*", "", body[m.end():])
        else:
            break
    args: tuple[str, ...] = ()
    if spec.name == "close":
        q = _QUOTED_REASON.match(body)
        if q:
            reason = next(g for g in q.groups()[:3] if g)
            body = q.group(4)
        else:
            parts = body.strip().split(maxsplit=1)
            reason = parts[0].strip(_PUNCT) if parts else ""
            body = parts[1] if len(parts) > 1 else ""
        if not reason:
            raise _LineError(f"{spec.keywords_fr[0]} attend un motif puis un message à l'acheteur.",
                             f"{spec.keywords_en[0]} needs a reason then a message to the buyer.")
        args = (reason.strip(),)
        body = re.sub(r"^\s*[:\-–—]\s*", "", body)
    lines = [body.strip()] + [line.rstrip() for line in more]
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    text = "\n".join(lines)
    if not text:
        what_fr = {"reply": "le texte pour l'acheteur", "claim_answer": "le texte pour Amazon",
                   "close": "un message à l'acheteur après le motif"}[spec.name]
        what_en = {"reply": "the text for the buyer", "claim_answer": "the text for Amazon",
                   "close": "a message to the buyer after the reason"}[spec.name]
        raise _LineError(f"{spec.keywords_fr[0]} attend {what_fr}.",
                         f"{spec.keywords_en[0]} needs {what_en}.")
    if len(text) > MAX_TEXT_CHARS:
        raise _LineError(
            f"le texte de {spec.keywords_fr[0]} fait {len(text)} caractères, "
            f"{MAX_TEXT_CHARS} au plus.",
            f"the text of {spec.keywords_en[0]} is {len(text)} characters long, "
            f"{MAX_TEXT_CHARS} at most.",
        )
    return targets, args, text


_ORDER_ID = re.compile(r"(?<![\d-])\d{3}-\d{7}-\d{7}(?![\d-])")


def _args_order(spec: CommandSpec, rest: str) -> tuple[list[str], tuple[str, ...], str]:
    """shipped, out_of_stock: the Amazon order id, then the rest of the line as text (the
    carrier and tracking number, read by bot.core.shipping)."""
    m = _ORDER_ID.search(rest)
    if not m:
        raise _LineError(f"{spec.keywords_fr[0]} attend un numéro de commande "
                         "(123-1234567-1234567).",
                         f"{spec.keywords_en[0]} needs an order number (123-1234567-1234567).")
    text = (rest[:m.start()] + " " + rest[m.end():]).strip(" \t:-–—")
    return [], (m.group(0),), " ".join(text.split())


def _build(spec: CommandSpec, rest: str, more: list[str]) -> tuple[list[str],
                                                                 tuple[str, ...], str]:
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


# --- the parser ----------------------------------------------------------------------------

def _is_greeting(line: str) -> bool:
    words = line.split()
    return bool(words) and _fold(words[0].strip(_PUNCT)) in _GREETINGS


def _text_block(lines: list[str], start: int) -> tuple[list[str], int]:
    """Continuation lines of a free-text command from `start`; returns (lines, next index)."""
    out: list[str] = []
    i = start
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if _is_end_marker(line):
            break
        if stripped.startswith(">"):
            i += 1
            continue
        if not stripped:
            k = i
            while k < len(lines) and not lines[k].strip():
                k += 1
            if (k >= len(lines) or _is_end_marker(lines[k]) or _match(lines[k]) is not None
                    or _suggest(lines[k].strip(), _SUGGEST_AFTER) is not None):
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
        if _is_end_marker(line):
            break
        if not stripped or stripped.startswith(">"):
            i += 1
            continue
        matched = _match(line)
        if matched is None and commands and commands[-1].name == "shipped" and \
                re.match(r"^\s*\d{3}-\d{7}-\d{7}\b", line):
            matched = (COMMANDS["shipped"], [], line)  # EXPÉDIÉ once, then one order a line
        if matched is None:
            if not _is_greeting(stripped):
                typo = _suggest(stripped, _SUGGEST_AFTER if seen_command else _SUGGEST_BEFORE)
                if typo:
                    errors.append(_unknown_error(number, *typo))
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
            targets, args, note = _build(spec, rest, more)
        except _LineError as exc:
            sfr, sen = _syntax(spec)
            errors.append(_err(number, exc.fr + sfr, exc.en + sen))
            continue
        commands.append(Command(spec.name, args, note, _dedupe(lead + targets)))
    if not commands and not errors:
        errors.append(NO_COMMAND_ERROR)
    return commands, errors


#: AUTORISER when sellerbot may not request Amazon's link itself (links mode notify).
_AUTHORIZE_CLICK = ("vous renvoie le lien d'autorisation : cliquez-le, puis répondez FAIT",
                    "sends you the authorize link again: click it, then reply DONE")


def help_text(lang: str, links_mode: str = "follow") -> str:
    """Every command's syntax and purpose, for the HELP reply and the footer of digests; what
    AUTORISER does depends on the links mode (`command_effect`), so the help says which."""
    fr = _is_fr(lang)
    specs = list(COMMANDS.values())
    width = max(len(s.syntax(lang)) for s in specs)
    head = ("Commandes (une par ligne, au début de la ligne, majuscules et accents facultatifs) :"
            if fr else "Commands (one per line, at the start of the line, any case):")

    def description(spec: CommandSpec) -> str:
        if spec.name == "authorize" and command_effect("authorize", links_mode) == "click":
            return _AUTHORIZE_CLICK[0 if fr else 1]
        return spec.description(lang)

    body = [f"  {s.syntax(lang).ljust(width)}  {description(s)}" for s in specs]
    if fr:
        tail = [
            "n° : numéros du récapitulatif (AUTORISER 1 3), référence de dossier (R-2026-0101) "
            "ou TOUT.",
            "Le texte de RÉPONDRE, RÉPONSE AZ et CLORE peut continuer sur les lignes suivantes, "
            "jusqu'à une ligne vide suivie d'une autre commande.",
        ]
    else:
        tail = [
            "no.: digest numbers (AUTHORIZE 1 3), a case reference (R-2026-0101) or ALL.",
            "The text of REPLY, CLAIM ANSWER and CLOSE may continue on the following lines, "
            "up to a blank line followed by another command.",
        ]
    return "\n".join([head, *body, "", *tail]) + "\n"


def command_effect(name: str, links_mode: str, can_relay: bool = False) -> str:
    """What a command does with this configuration. The reply handler acts on it and the
    notice's command lines are generated from it, so a help line cannot promise more:

    follow (sellerbot requests Amazon's link and confirms), click (sellerbot mails back the
    link to click, then FAIT), relay (sent to the buyer through Amazon's messaging), paste
    (sellerbot mails the text to paste in Seller Central), record (sellerbot notes it)."""
    if name == "authorize":
        return "follow" if links_mode == "follow" else "click"
    if name == "close":
        return "click"  # the closing reason and comment are only ever typed by the seller
    if name in ("reply", "keep"):
        return "relay" if can_relay else "paste"
    return "record"


def notice_actions(state: str, links_mode: str, links: dict[str, str], *,
                   suggest_keep_item: bool = False, can_relay: bool = False
                   ) -> list[dict[str, str | None]]:
    """The command lines of a notice for a case in `state`: command, its effect in this
    configuration, and the Seller Central link it concerns (shown beside it)."""
    names: list[str] = []
    if state == "return_requested":
        names = ["authorize", "close", *(["keep"] if suggest_keep_item else []),
                 "done", "snooze"]
    elif state == "message_awaiting_reply":
        names = ["reply", "done", "ignore", "snooze"]
    url_role = {"authorize": "authorize", "close": "close", "reply": "reply", "keep": "reply"}
    return [{"command": n, "effect": command_effect(n, links_mode, can_relay),
             "url": links.get(url_role.get(n, "")) or None} for n in names]
