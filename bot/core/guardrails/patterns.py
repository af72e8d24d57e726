"""What Amazon forbids in a buyer message, as pattern tables per rule and language."""

from __future__ import annotations

import re

#: TLDs recognised in a domain written without scheme ("monsite.fr"). Only common ones, so
#: that "e.g.", "etc.", file names ("photo.jpg") and decimals never look like a domain.
BARE_TLDS = ("co.uk", "com", "net", "org", "info", "biz", "fr", "de", "it", "es", "eu", "be",
             "ch", "nl", "at", "uk", "pl", "pt", "se", "io", "co", "me", "shop", "store",
             "online", "site", "website", "app", "ly", "gl", "link", "xyz", "tv")


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


#: The tables above, compiled once.
REVIEW_REGEXES = [(lang, _rx(p)) for lang, ps in REVIEW_PATTERNS.items() for p in ps]
MARKETING_REGEXES = [(lang, _rx(p)) for lang, ps in MARKETING_PATTERNS.items() for p in ps]
CONTACT_APP_REGEXES = [_rx(p) for p in CONTACT_APP_PATTERNS]
PHONE_REGEXES = [re.compile(p) for p in PHONE_PATTERNS]
