"""Guardrail for messages to buyers (through Amazon's relay). Pure: text in, violations out.

Amazon's buyer–seller messaging rules forbid links outside Amazon, asking for a review or
feedback, marketing, and the seller's personal contact details; attachments are limited to
10 MB. A message that breaks one is not sent: `check_buyer_message` returns the reasons (in
French and English, for the seller) and the service tells the seller instead of queueing it.

Everything is table-driven (one list of patterns per rule and language) and tuned to avoid
false positives on what sellers legitimately write: Amazon order ids (405-1234567-7654321),
RMA numbers, tracking numbers, postal codes, prices, dates, a carrier's "avis de passage",
"à mon avis", "thank you for your feedback", a German "Gutschrift" (credit) …
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

#: Amazon's limit for one attachment to a buyer message. 10 MB counted in decimal bytes:
#: stricter than 10 MiB, so a file sellerbot accepts is never refused by Amazon.
MAX_ATTACHMENT_BYTES = 10_000_000

#: Top-level domains Amazon runs a store or Seller Central on (host must end amazon.<tld>).
AMAZON_TLDS = frozenset({
    "com", "fr", "de", "it", "es", "co.uk", "nl", "se", "pl", "com.be", "com.tr", "ie", "ca",
    "com.mx", "com.br", "co.jp", "jp", "com.au", "in", "sg", "ae", "sa", "eg", "cn", "eu",
})

#: TLDs recognised in a domain written without scheme ("monsite.fr"). Only common ones, so
#: that "e.g.", "etc.", file names ("photo.jpg") and decimals never look like a domain.
BARE_TLDS = ("co.uk", "com", "net", "org", "info", "biz", "fr", "de", "it", "es", "eu", "be",
             "ch", "nl", "at", "uk", "pl", "pt", "se", "io", "co", "me", "shop", "store",
             "online", "site", "website", "app", "ly", "gl", "link", "xyz", "tv")


@dataclass(frozen=True, slots=True)
class Violation:
    code: str  # link | review | marketing | contact_email | contact_phone | contact_app | attachment
    message_fr: str
    message_en: str
    excerpt: str = ""  # the offending text (or attachment name), for the seller

    def message(self, lang: str) -> str:
        return self.message_fr if lang == "fr" else self.message_en


# ---------------------------------------------------------------- pattern tables

def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_W = r"(?:[\w'’-]+\s+)"  # one word and its space, for "up to N words between"

#: Review / feedback solicitation, per language. "avis" alone is never enough: a carrier's
#: "avis de passage", an "avis de réception", "à mon avis" are ordinary French.
REVIEW_PATTERNS: dict[str, list[str]] = {
    "fr": [
        r"\b(?:laiss|d[ée]pos|donn|[ée]cri|mett|post|partag|r[ée]dig)\w*\s+" + _W + r"{0,3}?"
        r"(?:un|une|votre|vos|des|quelques|ton)\s+(?:petit\s+|bon\s+|bel\s+|belle\s+)?"
        r"(?:avis|commentaires?|[ée]valuations?)\b"
        r"(?!\s+(?:de|d['’])\s*(?:passage|r[ée]ception|livraison|exp[ée]dition|mise|avis))",
        (r"\b(?:avis|commentaire|[ée]valuation|note|retour)s?\s+(?:tr[èe]s\s+)?"
        r"(?:positi(?:f|ve)s?|favorables?|[àa]\s+5\s+[ée]toiles)\b"),
        r"\b(?:5|cinq)\s*[ée]toiles\b",
        r"\b(?:bonne|excellente|meilleure)\s+note\b",
        (r"\bnot(?:ez|er)[- ](?:nous|notre\s+(?:boutique|magasin|service)|(?:le|ce|cet|votre)\s+"
        r"(?:vendeur|produit|article|achat))\b"),
        r"\b[ée]valu(?:ez|er)\s+(?:notre|nous|le\s+vendeur|votre\s+exp[ée]rience)\b",
        r"\b(?:laiss|donn|mett)\w*\s+" + _W + r"{0,2}?(?:un\s+)?feedback\b",
        r"\bmodifi\w*\s+" + _W + r"{0,2}?(?:votre|l['’]|un)\s*(?:avis|[ée]valuation)\b",
        r"\bretir\w*\s+" + _W + r"{0,2}?(?:votre|l['’]|un)\s*(?:avis|[ée]valuation)\b",
    ],
    "en": [
        (r"\b(?:leave|write|post|give|drop|share|submit)\s+(?:us\s+)?(?:a|an|your|some)?\s*"
        r"(?:quick\s+|short\s+|good\s+|great\s+|honest\s+|positive\s+|5[- ]star\s+|five[- ]star\s+)?"
        r"(?:review|feedback|rating)s?\b"),
        r"\b(?:positive|good|great|5[- ]star|five[- ]star)\s+(?:review|feedback|rating)s?\b",
        r"\b(?:5|five)[- ]?stars?\b",
        r"\brat(?:e|ing)\s+(?:us|our|the\s+(?:product|seller|item)|your\s+(?:purchase|experience))\b",
        r"\breview\s+(?:us|our\s+(?:shop|store|product))\b",
        (r"\b(?:remove|change|update|revise|delete)\s+(?:your|the)\s+(?:negative\s+)?"
        r"(?:review|feedback|rating)\b"),
        r"\bseller\s+feedback\b",
    ],
    "de": [
        r"\b(?:positive|gute|tolle|f[üu]nf[- ]?sterne[- ]?)\s*(?:bewertung|rezension|feedback)\w*\b",
        r"\bbewertung\w*\s+(?:abgeben|hinterlassen|schreiben|verfassen)\b",
        r"\b(?:hinterlassen|schreiben|geben|abgeben)\s+(?:sie\s+)?" + _W + r"{0,2}?"
        r"(?:eine|ihre|uns\s+eine)?\s*(?:bewertung|rezension|feedback)\b",
        r"\bbewerten\s+sie\b",
        r"\brezension\w*\b",
        r"\b(?:5|f[üu]nf)\s*sterne\w*\b",
        r"\bbewertung\w*\s+(?:[äa]ndern|entfernen|l[öo]schen|zur[üu]ckziehen)\b",
    ],
    "it": [
        r"\brecension[ei]\b",
        r"\b(?:feedback|valutazion[ei]|giudizi[oi]|opinion[ei])\s+positiv[oie]\b",
        r"\b(?:lasci|scriv)\w*\s+" + _W + r"{0,2}?(?:un|una|il\s+suo|la\s+sua)?\s*"
        r"(?:feedback|valutazione|recensione|giudizio)\b",
        r"\b(?:dar|dia|dare|mett)\w*\s+(?:ci\s+)?(?:un|il\s+suo)\s+feedback\b",
        r"\b(?:5|cinque)\s*stelle\b",
        r"\bvalut(?:ateci|arci|i\s+il\s+nostro)\b",
    ],
    "es": [
        r"\brese[ñn]as?\b",
        r"\b(?:valoraci[óo]n|opini[óo]n|comentario|calificaci[óo]n|feedback)(?:es|s)?\s+positiv[oa]s?\b",
        r"\b(?:d[ée]jenos|deje|dejen|dejar(?:nos)?|escr[íi]b\w*|d[ée]nos|danos|darnos|"
        r"ponga\w*)\s+" + _W + r"{0,2}?(?:una|un|su)?\s*"
        r"(?:valoraci[óo]n|opini[óo]n|calificaci[óo]n|feedback)\b",
        r"\b(?:5|cinco)\s*estrellas\b",
        r"\b(?:val[óo]renos|calif[íi]quenos|punt[úu]enos)\b",
    ],
}

#: Marketing and off-Amazon promotion. "réduction", "remise", "Gutschrift", "avoir" alone
#: are concessions a seller may legitimately offer and are not listed.
MARKETING_PATTERNS: dict[str, list[str]] = {
    "fr": [
        r"\bcodes?\s+(?:promo|de\s+(?:r[ée]duction|remise|promotion))\b",
        r"\bbons?\s+de\s+r[ée]duction\b",
        r"\bvisitez\s+(?:notre|nos)\s+(?:boutique|site|magasin|page)\w*\b",
        (r"\b(?:notre|nos)\s+(?:site\s+(?:web|internet)|autres\s+produits|nouveaut[ée]s|"
        r"nouvelle\s+collection)\b"),
        r"\babonnez[- ]vous\b", r"\bsuivez[- ]nous\b",
        r"\bprochaine?\s+(?:commande|achat)\s+avec\s+\d+\s*%",
    ],
    "en": [
        r"\bpromo(?:tion(?:al|s)?|s)?\b",
        r"\b(?:discount|coupon|voucher|promo)\s+codes?\b",
        r"\bnewsletter\b",
        r"\b(?:visit|check\s+out)\s+(?:our|my)\s+(?:shop|store|website|site|page)\b",
        r"\bour\s+(?:website|other\s+products|new\s+(?:collection|products))\b",
        r"\bsubscribe\b", r"\bfollow\s+us\b", r"\blike\s+us\s+on\b",
        r"\b(?:instagram|facebook|tiktok|pinterest|youtube)\b",
        r"\b\d+\s*%\s+off\s+(?:your\s+)?next\b",
    ],
    "de": [
        r"\b(?:rabatt|gutschein|aktions|promo)codes?\b",
        r"\bbesuchen\s+sie\s+(?:unseren|unsere)\s+(?:shop|webseite|website|seite|laden)\b",
        r"\bunsere(?:n|r)?\s+(?:webseite|website|anderen\s+produkte|neuheiten)\b",
        r"\babonnieren\s+sie\b", r"\bfolgen\s+sie\s+uns\b",
    ],
    "it": [
        r"\bcodic[ei]\s+(?:sconto|promozional[ei]|promo)\b",
        r"\bpromozion[ei]\b",
        r"\bvisit[ai]\s+(?:il\s+)?(?:nostro|nostra)\s+(?:negozio|sito|pagina)\b",
        r"\biscriviti\b", r"\bseguici\b", r"\bi\s+nostri\s+altri\s+prodotti\b",
    ],
    "es": [
        r"\bc[óo]digos?\s+(?:de\s+)?(?:descuento|promocional|promoci[óo]n)\b",
        r"\bpromoci[óo]n(?:es)?\b",
        r"\bvisit[ea]\s+(?:nuestra|nuestro)\s+(?:tienda|web|sitio|p[áa]gina)\b",
        r"\bsuscr[íi]bete\b", r"\bs[íi]guenos\b", r"\bnuestros\s+otros\s+productos\b",
    ],
}

#: Messaging apps and other off-Amazon channels.
CONTACT_APP_PATTERNS: list[str] = [
    r"\bwhats\s?app\b", r"\btelegram\b", r"\bsignal\s+(?:app|messenger)\b", r"\bviber\b",
    r"\bskype\b", r"\bwechat\b", r"\bfacebook\s+messenger\b",
    (r"\b(?:appelez|contactez|joignez)[- ](?:nous|moi)\s+(?:au|sur\s+(?:mon|notre)\s+(?:portable|"
    r"mobile|num[ée]ro))\b"),
    r"\bcall\s+(?:us|me)\s+(?:at|on)\b", r"\brufen\s+sie\s+(?:uns|mich)\s+an\b",
    r"\bchiam(?:ateci|atemi|aci|ami)\b", r"\bll[áa]m(?:enos|eme|anos)\b",
]

#: Words just before a number that say "this is a phone number" (any digit run then counts)…
PHONE_CUES = _rx(
    r"\b(?:t[ée]l|tel|t[ée]l[ée]phone|phone|portable|handy|telefon|telefono|tel[ée]fono|"
    r"cellulare|cell|m[óo]vil|fax|sms|whats\s?app|appelez|appeler|call|ring|rufen|chiam\w*|"
    r"ll[áa]m\w*)\b[^\w\n]{0,4}(?:[^\W\d]+[^\w\n]{1,3}){0,2}$")
#: … and words that say "this is a tracking, order, invoice or RMA number" (never a phone).
NUMBER_CUES = _rx(
    r"(?:suivi|tracking|track|colis|envoi|exp[ée]dition|sendung\w*|paket\w*|tracciamento|"
    r"spedizione|seguimiento|env[íi]o|rma|retour|return|commande|order|bestell\w*|ordine|"
    r"pedido|facture|invoice|rechnung|fattura|factura|siret|siren|tva|vat|ust|iva|"
    r"r[ée]f[ée]rence|ref|asin|sku|ean|gtin|isbn)\b[^\n\d]{0,25}$")

#: Phone numbers written as phone numbers (separators, prefixes) in FR/EU/US formats.
PHONE_PATTERNS: list[str] = [
    # international: +33 6 12 34 56 78, +49 (0)171 1234567, 0033 6…, +1 (555) 123-4567
    r"(?:\+|\b00)[1-9]\d{0,2}(?:[\s.\-/]*(?:\(0\))?[\s.\-/]*\(?\d{1,4}\)?){2,6}",
    # French national: 06 12 34 56 78, 06.12.34.56.78, 06-12-34-56-78, 0612345678
    r"\b0[1-9](?:[\s.\-]?\d{2}){4}\b",
    # DE/IT/ES/AT national with a 0 or 3/6/7/9 prefix in groups: 0171 1234567, 030/1234567,
    # 333 123 4567, 612 34 56 78
    r"\b0\d{2,4}[\s/\-]\d{3,4}[\s\-]?\d{2,5}\b",
    r"\b3\d{2}[\s.]\d{3}[\s.]?\d{3,4}\b",
    r"\b[679]\d{2}(?:[\s.]\d{2}){3}\b|\b[679]\d{2}[\s.]\d{3}[\s.]\d{3}\b",
    # US: (555) 123-4567, 555-123-4567, 555.123.4567
    r"\(\d{3}\)\s?\d{3}[\s.\-]\d{4}\b",
    r"\b[2-9]\d{2}[.\-][2-9]\d{2}[.\-]\d{4}\b",
]

EMAIL_RX = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")
OBFUSCATED_EMAIL_RX = _rx(
    r"\b[\w.+\-]+\s*[\[({]\s*(?:at|arobase|chez|ät|chiocciola|arroba)\s*[\])}]\s*[\w\-]+"
    r"(?:\s*[\[({]?\s*(?:dot|point|punkt|punto)\s*[\])}]?\s*[a-z]{2,6})+")
URL_RX = _rx(r"\b(?:https?://|hxxps?://|www\.)[^\s<>\"'()\[\]{}]+")
BARE_DOMAIN_RX = re.compile(
    r"(?<![\w@.\-/])((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+("
    + "|".join(re.escape(t) for t in sorted(BARE_TLDS, key=len, reverse=True))
    + r"))(?![\w\-]|\.[A-Za-z0-9])(?:/[^\s<>\"']*)?", re.IGNORECASE)
#: Masked before looking for phone numbers: Amazon order ids and RMA numbers.
ORDER_ID_RX = re.compile(r"\b\d{3}-\d{7}-\d{7}\b")
RMA_RX = _rx(r"\bRMA\b(?:\s*(?:n[°ºo]\.?|nr\.?|number|num[ée]ro|nummer|numero|n[úu]mero|"
             r"[#:\-]))*\s*[\w\-]+|\b\w+RMA\b")

_REVIEW = [(lang, _rx(p)) for lang, ps in REVIEW_PATTERNS.items() for p in ps]
_MARKETING = [(lang, _rx(p)) for lang, ps in MARKETING_PATTERNS.items() for p in ps]
_APPS = [_rx(p) for p in CONTACT_APP_PATTERNS]
_PHONES = [re.compile(p) for p in PHONE_PATTERNS]


# ---------------------------------------------------------------- helpers

def is_amazon_host(host: str) -> bool:
    """amazon.<tld> or any subdomain of it (www., sellercentral., marketplace.); nothing else.

    "amazon.fr.evil.com", "amazon-retours.fr", "notamazon.fr" are not Amazon.
    """
    labels = host.lower().rstrip(".").split(".")
    for i, label in enumerate(labels):
        if label == "amazon" and ".".join(labels[i + 1:]) in AMAZON_TLDS:
            return True
    return False


def host_allowed(host: str, allowed_hosts: Iterable[str] = ()) -> bool:
    host = host.lower().rstrip(".")
    if is_amazon_host(host):
        return True
    for allowed in allowed_hosts:
        allowed = allowed.lower().strip().rstrip(".")
        if allowed and (host == allowed or host.endswith("." + allowed)):
            return True
    return False


def _host_of(url: str) -> str:
    if url.lower().startswith("www."):
        url = "http://" + url
    url = re.sub(r"^hxxp", "http", url, flags=re.IGNORECASE)
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _mask(text: str, spans: Iterable[tuple[int, int]], char: str = " ") -> str:
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] != "\n":
                chars[i] = char
    return "".join(chars)


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".0", "")


# ---------------------------------------------------------------- the check

def check_buyer_message(text: str, *, attachments: Iterable[tuple[str, int]] = (),
                        allowed_hosts: tuple[str, ...] = ()) -> list[Violation]:
    """Violations of Amazon's buyer–seller messaging rules in `text`; [] when it may be sent.

    `attachments` are (file name, size in bytes). `allowed_hosts` adds hosts a link may point
    to besides Amazon's (e.g. a carrier's tracking site the seller configured); a host is
    allowed with its subdomains.
    """
    text = text or ""
    out: list[Violation] = []
    seen: set[tuple[str, str]] = set()
    taken: dict[str, list[tuple[int, int]]] = {}

    def add(code: str, fr: str, en: str, excerpt: str,
            span: tuple[int, int] | None = None) -> None:
        """One violation per rule and place: overlapping matches of a rule count once."""
        key = (code, excerpt.lower())
        if key in seen:
            return
        if span is not None:
            if any(span[0] < e and s < span[1] for s, e in taken.get(code, [])):
                return
            taken.setdefault(code, []).append(span)
        seen.add(key)
        out.append(Violation(code, fr, en, excerpt))

    # 1. links with a scheme or www. ("https://amazon.fr@evil.example" is a link)
    spans: list[tuple[int, int]] = []
    for m in URL_RX.finditer(text):
        spans.append(m.span())
        url = m.group().rstrip(".,;:!?»")
        host = _host_of(url)
        if not host or not host_allowed(host, allowed_hosts):
            add("link", f"lien hors d'Amazon interdit : {_short(url)}",
                f"link outside Amazon not allowed: {_short(url)}", url)
    rest = _mask(text, spans)

    # 2. e-mail addresses (before bare domains: "jean@monsite.fr" is one violation)
    spans = []
    for m in EMAIL_RX.finditer(rest):
        spans.append(m.span())
        domain = m.group().rsplit("@", 1)[1]
        if not is_amazon_host(domain):  # the relay alias …@marketplace.amazon.fr is fine
            add("contact_email",
                f"adresse e-mail personnelle interdite : {m.group()}",
                f"personal e-mail address not allowed: {m.group()}", m.group())
    for m in OBFUSCATED_EMAIL_RX.finditer(rest):
        spans.append(m.span())
        add("contact_email", f"adresse e-mail (déguisée) interdite : {_short(m.group())}",
            f"e-mail address (disguised) not allowed: {_short(m.group())}", m.group())
    rest = _mask(rest, spans)
    spans = []

    for m in BARE_DOMAIN_RX.finditer(rest):
        host, tld = m.group(1), m.group(2)
        if not (tld.islower() or host.isupper()):
            continue  # "colis.De plus" is a missing space, not a German domain
        if not re.search(r"[A-Za-z]", host[: -len(tld)]):
            continue
        spans.append(m.span())
        if not host_allowed(host, allowed_hosts):
            add("link", f"adresse de site hors d'Amazon interdite : {_short(m.group())}",
                f"website outside Amazon not allowed: {_short(m.group())}", m.group())
    rest = _mask(rest, spans)

    # 3. review / feedback solicitation and marketing (any language: buyers and sellers mix)
    for _lang, rx in _REVIEW:
        for m in rx.finditer(rest):
            add("review", f"demande d'avis ou d'évaluation interdite : « {_short(m.group())} »",
                f"asking for a review or feedback is not allowed: \"{_short(m.group())}\"",
                m.group(), m.span())
    for _lang, rx in _MARKETING:
        for m in rx.finditer(rest):
            add("marketing", f"message promotionnel interdit : « {_short(m.group())} »",
                f"marketing is not allowed: \"{_short(m.group())}\"", m.group(), m.span())

    # 4. personal contact details: messaging apps, phone numbers
    for rx in _APPS:
        for m in rx.finditer(rest):
            add("contact_app", f"coordonnées hors Amazon interdites : « {_short(m.group())} »",
                f"off-Amazon contact details not allowed: \"{_short(m.group())}\"", m.group(),
                m.span())
    digits_only = _mask(rest, [m.span() for rx in (ORDER_ID_RX, RMA_RX) for m in rx.finditer(rest)])
    for number in _phone_numbers(digits_only):
        add("contact_phone", f"numéro de téléphone interdit : {number}",
            f"phone number not allowed: {number}", number)

    # 5. attachments
    for name, size in attachments:
        if size > MAX_ATTACHMENT_BYTES:
            add("attachment", f"pièce jointe trop lourde : {name} ({_mb(size)} Mo, 10 Mo au plus)",
                f"attachment too large: {name} ({_mb(size)} MB, 10 MB at most)", name)
    return out


def _phone_numbers(text: str) -> list[str]:
    """Phone numbers in `text` (order ids and RMA numbers already masked)."""
    found: list[tuple[int, int]] = []
    # A number right after a phone cue ("Tél. :", "call us at", "WhatsApp") is a phone
    # number whatever its shape, as long as it has enough digits.
    for m in re.finditer(r"\+?\d[\d\s.\-/()]{4,20}\d", text):
        if len(re.sub(r"\D", "", m.group())) >= 6 and PHONE_CUES.search(text[max(0, m.start() - 40):m.start()]):
            found.append(m.span())
    for rx in _PHONES:
        for m in rx.finditer(text):
            digits = re.sub(r"\D", "", m.group())
            if not 9 <= len(digits) <= 15:
                continue
            before = text[max(0, m.start() - 40):m.start()]
            if NUMBER_CUES.search(before) and not PHONE_CUES.search(before):
                continue  # a tracking, order, invoice or RMA number
            if m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] in "-_/"):
                continue  # tail of a longer token (a tracking number like 6A12345678901)
            end = m.end()
            if end < len(text) and (text[end].isalnum() or text[end] in "_"):
                continue
            found.append(m.span())
    # keep the longest non-overlapping matches, in text order
    found.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    result: list[str] = []
    last_end = -1
    for start, end in found:
        if start >= last_end:
            result.append(text[start:end].strip())
            last_end = end
    return result
