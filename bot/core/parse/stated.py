"""Deadlines stated in the mail ("dans un délai de 2 jours", "avant le 6 juillet",
"within 72 hours"): they win over sellerbot's rules, because Amazon may change its windows
and the mail is what the buyer and Amazon will hold the seller to.

Pure: text, event time and zones in, an aware datetime (or None) out.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .fastre import FoldRx
from .mime import _MONTHS

_NUM_WORDS = {
    "un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "sept": 7,
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "seven": 7,
    "ein": 1, "einem": 1, "einen": 1, "zwei": 2, "drei": 3, "vier": 4, "funf": 5, "fünf": 5,
    "sieben": 7, "uno": 1, "una": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sette": 7,
    "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "siete": 7,
    "een": 1, "twee": 2, "drie": 3, "vier_": 4, "en": 1, "ett": 1, "två": 2, "tva": 2, "tre_": 3,
    "jeden": 1, "dwa": 2, "dwóch": 2, "dwoch": 2, "trzy": 3, "trzech": 3,
}
_N = r"(\d{1,3}|" + "|".join(sorted((re.escape(k) for k in _NUM_WORDS if not k.endswith("_")),
                                    key=len, reverse=True)) + r")"
_DAYS = (r"(?:jours?(?: calendaires)?|(?:calendar )?days?|(?:kalender)?tage[n]?|"
         r"giorni(?: di calendario| solari)?|d[íi]as(?: naturales| de calendario| calendario)?|"
         r"dagen|dagar|dni)")
_HOURS = r"(?:heures?|hours?|stunden?|ore|horas?|uur|timmar|timme|godzin[ay]?)"
_WITHIN = (r"(?:dans un d[ée]lai de|d'ici|sous|within|in(?:nerhalb)?(?: von)?|binnen|"
           r"entro|en un plazo de|dentro de|en|inom|w ci[aą]gu|w terminie)")
_WITHIN = _WITHIN.replace(" ", r"\s+")  # reflowed text may wrap anywhere
_DAYS = _DAYS.replace(" ", r"\s+")
_RELATIVE = FoldRx(_WITHIN + r"\s+(?:les\s+|the\s+next\s+|the\s+|le\s+|i\s+prossimi\s+|"
                   r"los\s+pr[óo]ximos\s+)?" + _N + r"\s+(" + _DAYS + "|" + _HOURS + r")\b")
_ACT = FoldRx(r"r[ée]pon|autoris|cl[ôo]tur|trait|g[ée]r|respon|reply|answer|authori[sz]|"
              r"handle|process|act\b|antwort|genehmig|bearbeit|rispond|autorizz|gestir|"
              r"responder|autoriz|gestion|reageer|reageren|beantwoord|goedkeur|svara|godk[äa]nn|"
              r"hantera|odpowiedz|odpowiedzie|autoryz|zatwierd|action|aktion|azione|acci[óo]n|"
              r"handlung|actie|[åa]tg[äa]rd|dzia[lł]an")
_SKIP = FoldRx(r"\bsi\b|\bif\b|\bwenn\b|\bfalls\b|\bse\b|\bqualora\b|\bcuando\b|\bindien\b|"
               r"\bom\b|\bjesli\b|\bjeżeli\b|rembours|refund|erstatt|rimbors|reembols|terugbetal|"
               r"[åa]terbetal|zwrot pieni|ouvr[ée]s|business days|werktage|lavorativi|h[áa]biles|"
               r"werkdagen|arbetsdagar|roboczych|\bappel|appeal|einspruch|ricorso|apelaci|"
              r"il y a|\bago\b|\bvor\b|\bfa\b|\bhace\b|geleden|sedan|temu|"
               # advice ("we recommend answering within 24 hours") is not the deadline
               r"conseill|recommand|recommend|advis|empfehl|consigli|raccomand|recomend|"
               r"aanbevel|aan te raden|rekommender|zalec")
_MONTH = r"(" + "|".join(sorted((re.escape(k) for k in _MONTHS), key=len, reverse=True)) + r")"
_BEFORE = r"(?:avant le|before|vor dem|prima del|antes del|v[óo]{1,2}r|f[öo]re|przed)"
_BY = (r"(?:au plus tard le|d'ici le|jusqu'au|by|no later than|until|bis(?: zum| sp[äa]testens)?|"
       r"sp[äa]testens(?: am| bis)?|entro il|entro e non oltre il|hasta el|a m[áa]s tardar el|"
       r"uiterlijk(?: op)?|senast(?: den)?|do dnia|do)")
_BEFORE, _BY = _BEFORE.replace(" ", r"\s+"), _BY.replace(" ", r"\s+")
_DATE = (r"(?:(\d{1,2})(?:er|\.|º|st|nd|rd|th)?\s+(?:de\s+)?" + _MONTH + r"\.?(?:\s+(?:de\s+)?(\d{4}))?"
         r"|" + _MONTH + r"\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?(?:\s+(\d{4}))?"
         r"|(\d{1,2})[./](\d{1,2})(?:[./](\d{4}))?|(\d{4})-(\d{2})-(\d{2}))")
_TIME = r"(?:\s*(?:,|à|at|um|alle|a las|om|kl\.?|o)?\s*(\d{1,2})[:h.](\d{2}))?"
_ABSOLUTE = re.compile(r"(" + _BEFORE + "|" + _BY + r")\s+(?:(?:le|the|den|il|el)\s+)?" + _DATE +
                       _TIME, re.IGNORECASE)
# where an absolute deadline may start: the keyword as a word (cheap to scan for)
_ABS_KW = FoldRx(r"\b(?:" + _BEFORE + "|" + _BY + r")\s+(?:(?:le|the|den|il|el)\s+)?(?:\d|" +
                 _MONTH + r"\b)")
_SENTENCES = re.compile(r"[^.!?\n]+(?:[.!?\n]|$)")


# First words of the absolute-deadline keywords, found with str.find (much cheaper than a
# regex alternation over the whole mail); each hit is then checked with _ABSOLUTE.match.
_ABS_FIRST = ("avant", "before", "vor", "prima", "antes", "vóór", "voor", "före", "fore", "przed",
              "au plus", "d'ici", "jusqu'au", "by", "no later", "until", "bis", "spätestens",
              "spatestens", "entro", "hasta", "a más", "a mas", "uiterlijk", "senast", "do")
# after the keyword: a few words, then a digit or a letter (a month name)
_DATEISH = re.compile(r"[\w\s.']{0,24}?\s(?:\d|[^\W\d])")


def _abs_starts(text: str) -> list[int]:
    """Positions where an absolute deadline may start (keyword at a word start)."""
    low = text.lower()
    if len(low) != len(text):
        return [m.start() for m in _ABS_KW.rx.finditer(text)]
    out: list[int] = []
    for word in _ABS_FIRST:
        i = low.find(word)
        while i >= 0:
            if (i == 0 or not low[i - 1].isalnum()) and _DATEISH.match(low, i + len(word)):
                out.append(i)
            i = low.find(word, i + 1)
    return sorted(out)


def _num(tok: str) -> int | None:
    if tok.isdigit():
        return int(tok)
    return _NUM_WORDS.get(tok.lower())


def _absolute(m: re.Match[str], event: datetime, zone: ZoneInfo, us: bool) -> datetime | None:
    g = m.groups()
    inclusive = not re.match(_BEFORE, m.group(1), re.IGNORECASE)
    try:
        if g[1]:
            d, mo, y = int(g[1]), _MONTHS[g[2].lower()], g[3]
        elif g[4]:
            mo, d, y = _MONTHS[g[4].lower()], int(g[5]), g[6]
        elif g[7]:
            a, b = int(g[7]), int(g[8])
            d, mo = (b, a) if us else (a, b)
            y = g[9]
        else:
            y, mo, d = g[10], int(g[11]), int(g[12])
    except (KeyError, ValueError, TypeError):
        return None
    local_event = event.astimezone(zone)
    years = [int(y)] if y else [local_event.year, local_event.year + 1]
    hh, mm = (int(g[13]), int(g[14])) if g[13] else (None, None)
    for year in years:
        try:
            if hh is not None:
                dt = datetime(year, mo, d, hh, mm, tzinfo=zone)
            elif inclusive:
                dt = datetime(year, mo, d, 23, 59, 59, tzinfo=zone)
            else:
                dt = datetime(year, mo, d, tzinfo=zone)
        except ValueError:
            return None
        if dt > event:
            return dt
    return None


def stated_deadline(text: str, event: datetime | None, zone_name: str, *,
                    us: bool = False) -> tuple[datetime, int | None] | None:
    """(deadline, hours) from the first sentence asking the seller to act within a window or
    before a date; hours is None for a date. Conditional sentences ("if we need more
    information"), refunds after receipt, business days and appeals are not the window."""
    if event is None:
        return None
    text = text[:4000]  # the window is stated near the top; footers only add noise
    cands: list[tuple[int, str, re.Match[str]]] = []
    m = _RELATIVE.search(text)
    while m is not None and len(cands) < 20:
        cands.append((m.start(), "rel", m))
        m = _RELATIVE.search(text, m.end())
    for start in _abs_starts(text):
        a = _ABSOLUTE.match(text, start)
        if a:
            cands.append((a.start(), "abs", a))
            if len(cands) >= 40:
                break
    if not cands:
        return None  # the common case, decided in two scans
    zone = ZoneInfo(zone_name)
    for pos, what, m in sorted(cands, key=lambda c: c[0]):
        # a sentence ends at . ! ? or a blank line (reflowed text wraps sentences)
        lo = max(max(text.rfind(c, 0, pos) for c in ".!?"), text.rfind("\n\n", 0, pos)) + 1
        his = [i for i in (text.find(c, m.end()) for c in (".", "!", "?", "\n\n")) if i >= 0]
        sent = text[lo: min(his) if his else len(text)]
        if not _ACT.search(sent) or _SKIP.search(sent):
            continue
        if what == "rel":
            n = _num(m.group(1))
            if not n:
                continue
            unit = m.group(2).lower()
            hours = n if re.match(_HOURS, unit, re.IGNORECASE) else n * 24
            if hours > 24 * 60:
                continue
            return event + timedelta(hours=hours), hours
        dt = _absolute(m, event, zone, us)
        if dt is not None and dt - event <= timedelta(days=60):
            return dt, None
    return None
