"""Text helpers shared by the families: language, labelled fields, ids, reasons."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .fastre import FoldRx

# --------------------------------------------------------------------------- language

_LANG_WORDS = {
    "fr": frozenset("le la les des du vous votre nous est une pour avec dans sur pas commande "
                    "demande retour article client bonjour cordialement réclamation message".split()),
    "en": frozenset("the and you your we is are for with this that order request return item "
                    "customer buyer dear please claim message".split()),
    "de": frozenset("der die das und sie ihre ihr wir ist nicht mit für bestellung artikel käufer "
                    "guten tag rücksendung antrag nachricht".split()),
    "it": frozenset("il lo gli di che per con non una sono ordine reso articolo cliente gentile "
                    "richiesta reclamo messaggio hai ricevuto".split()),
    "es": frozenset("el los las que por con una usted su pedido devolución artículo cliente hola "
                    "solicitud reclamación mensaje ha recibido del sobre debes plazo necesitamos garantía "
                    "información días pedido".split()),
}
_WORD = re.compile(r"[^\W\d_]+")
_ASCII_WORD = re.compile(r"[a-z]+")


_LANG_INDEX: dict[str, tuple[int, ...]] = {}
for _i, _vocab in enumerate(_LANG_WORDS.values()):
    for _w in _vocab:
        _LANG_INDEX[_w] = _LANG_INDEX.get(_w, ()) + (_i,)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD_RX_CACHE: dict[str, re.Pattern[str]] = {}


def _word_rx(low: str) -> re.Pattern[str]:
    """A regex finding the same tokens as _WORD in the lower-cased `low`: [a-z] plus the
    non-ASCII characters of `low` that _WORD counts as letters (alnum, not decimal), as a
    plain class the engine scans much faster than the [^\\W\\d_] category test."""
    extra = "".join(sorted(set(_NON_ASCII.findall(low))))
    rx = _WORD_RX_CACHE.get(extra)
    if rx is None:
        letters = "".join(c for c in extra if _WORD.fullmatch(c))
        rx = re.compile("[a-z" + re.escape(letters) + "]+") if letters else _ASCII_WORD
        if len(_WORD_RX_CACHE) >= 512:
            _WORD_RX_CACHE.clear()
        _WORD_RX_CACHE[extra] = rx
    return rx


def detect_language(text: str) -> str | None:
    """Most stop-words in the first ~1500 characters; None when fewer than 2 hits."""
    low = text[:900].lower()
    # lower-cased: the only ASCII characters _WORD takes are a-z
    words = (_ASCII_WORD if low.isascii() else _word_rx(low)).findall(low)
    counts = [0] * len(_LANG_WORDS)
    for langs in filter(None, map(_LANG_INDEX.get, words)):  # stop-words only, in C
        for i in langs:
            counts[i] += 1
    best_lang, best = None, 1
    for lang, c in zip(_LANG_WORDS, counts):
        if c > best:
            best_lang, best = lang, c
    return best_lang


# --------------------------------------------------------------------------- ids

ORDER_ID = re.compile(r"(?<![\d-])(\d{3}-\d{7}-\d{7})(?![\d-])")
_ORDER_LABELLED = re.compile(
    r"(?:commande|order(?:\s*(?:id|number|#|nr\.?))?|bestellung|bestellnummer|ordine|pedido|"
    r"numéro de commande|n[°º] de commande|order id|bestell-nr\.?)"
    r"[^\d\n]{0,25}?(\d{3}-\d{7}-\d{7})(?![\d-])", re.I)
_ORDER_LABELLED = FoldRx(_ORDER_LABELLED)
_ORDER_HASH = re.compile(r"(?:^|\n)\s*#\s*(\d{3}-\d{7}-\d{7})\s*:?", re.I)


def find_order_id(subject: str, text: str) -> str | None:
    """Only from a labelled position (body label, '# id' line) or the subject."""
    m = _ORDER_LABELLED.search(text) or _ORDER_HASH.search(text)
    if m:
        return m.group(1)
    m = ORDER_ID.search(subject)
    return m.group(1) if m else None


# --------------------------------------------------------------------------- labels

@lru_cache(maxsize=4096)
def fold(s: str) -> str:
    """Lower-case, accents removed, typographic apostrophes straightened."""
    s = s.replace("\u2019", "'").replace("\u2018", "'").lower()
    if s.isascii():  # NFD leaves ASCII alone and holds no combining mark
        return s
    return "".join(c for c in unicodedata.normalize("NFD", s) if unicodedata.category(c) != "Mn")


_LABEL_LINE = re.compile(r"^\s*[-*•]?\s*([^:\n]{2,70}?)\s*:\s*(.*)$")


def labelled_fields(text: str) -> list[tuple[str, str]]:
    """('folded label', value) for every 'Label : value' line.

    An empty value is taken from the next line; a value continues on the following
    lines until a blank line, another label line or a URL.
    """
    out: list[tuple[str, str]] = []
    lines = text.split("\n")
    n = len(lines)
    for i, line in enumerate(lines):
        if ":" not in line:
            continue
        m = _LABEL_LINE.match(line)
        if not m or "http" in m.group(1) or m.group(1).lstrip().startswith("#"):
            continue
        parts = [m.group(2).strip()] if m.group(2).strip() else []
        j = i + 1
        while j < n and j - i <= 6:
            nxt = lines[j].strip()
            if not nxt or "http" in nxt or _LABEL_LINE.match(nxt) or "|" in nxt:
                break
            parts.append(nxt)
            j += 1
        out.append((fold(m.group(1)).strip(), " ".join(parts)))
    return out


_LABEL_HITS: dict[tuple[re.Pattern[str], str], bool] = {}


def _label_hit(rx: re.Pattern[str], label: str) -> bool:
    """rx.search(label), memoised: the same few labels come back in every notification."""
    key = (rx, label)
    hit = _LABEL_HITS.get(key)
    if hit is None:
        hit = rx.search(label) is not None
        if len(_LABEL_HITS) >= 20000:
            _LABEL_HITS.clear()
        _LABEL_HITS[key] = hit
    return hit


def field(fields: list[tuple[str, str]], *patterns: re.Pattern[str]) -> str | None:
    for rx in patterns:
        for label, value in fields:
            if value and _label_hit(rx, label):
                return value
    return None


def rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# --------------------------------------------------------------------------- reasons

_REASONS: list[tuple[str, re.Pattern[str]]] = [
    ("unauthorized_purchase", rx(r"non autoris|unauthori[sz]ed purchase|nicht autorisiert|"
                                 r"non autorizzat|no autorizad|niet geautoriseerd|obeh[öo]rig|nieautoryzowan")),
    ("missing_parts", rx(r"manquant|missing|fehlende|fehlt|mancant|faltan|piezas|ontbreek|saknas|brak")),
    ("wrong_item", rx(r"mauvais article|mauvais produit|wrong item|incorrect item|falscher artikel|"
                      r"articolo sbagliato|articolo errato|art[ií]culo (?:equivocado|incorrecto)|"
                      r"envoy[ée] par erreur|sent by mistake|verkeerd artikel|fel artikel|"
                      r"niew[łl]a[śs]ciwy produkt|z[łl]y produkt")),
    ("damaged", rx(r"endommag|ab[iî]m|damaged|besch[äa]digt|danneggiat|dañad|danad|roto|beschadigd|"
                    r"skadad|uszkodzon")),
    ("defective", rx(r"d[ée]fectueu|ne fonctionne pas|defective|does ?n[o']t work|not working|"
                     r"defekt|funktioniert nicht|difettos|non funziona|defectuos|no funciona|defect|"
                     r"werkt niet|fungerar inte|wadliw|nie dzia[łl]a")),
    ("not_as_described", rx(r"ne correspond pas|pas conforme|not as described|"
                            r"different from (?:the )?description|entspricht nicht|"
                            r"non corrisponde|no coincide|no corresponde|diferente a la descripci")),
    ("arrived_late", rx(r"en retard|arriv[ée] trop tard|arrived (?:too )?late|zu sp[äa]t|"
                        r"in ritardo|lleg[óo] tarde|retraso")),
    ("extra_item", rx(r"en plus|suppl[ée]mentaire|extra item|additional item|zus[äa]tzlich|"
                      r"in pi[uù]|adicional")),
    ("bad_packaging", rx(r"emballage|packaging|verpackung|imballaggio|embalaje")),
    ("bought_by_mistake", rx(r"par erreur|by mistake|accidental|versehentlich|aus versehen|"
                             r"per errore|por error")),
    ("better_price", rx(r"meilleur prix|better price|moins cher|g[üu]nstiger|besserer preis|"
                        r"prezzo migliore|mejor precio")),
    ("incompatible", rx(r"incompatible|not compatible|non compatible|nicht kompatibel|"
                        r"inkompatibel|non compatibile|no compatible")),
    ("quality_not_adequate", rx(r"qualit[ée]|quality|qualit[äa]t|calidad")),
    ("installation_issue", rx(r"installation|installazione|instalaci|einbau")),
    ("no_longer_needed", rx(r"plus n[ée]cessaire|plus besoin|no longer needed|"
                            r"nicht mehr ben[öo]tigt|non pi[uù] necessari|ya no (?:lo )?necesit|"
                            r"changed (?:my )?mind|chang[ée] d'avis|niet meer nodig|beh[öo]vs inte l[äa]ngre|"
                            r"niepotrzebn")),
]


def normalize_reason(reason: str | None) -> str | None:
    if not reason:
        return None
    for code, pattern in _REASONS:
        if pattern.search(reason):
            return code
    return "other"


def clean_value(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().strip("|").strip()
    return value or None
